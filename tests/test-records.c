/* test-records.c: this user's verify records (verify-records.c, verify.c,
 * run-health.c): what a verify remembers outside the run, how a later
 * snapshot judges it (current, changed, never), verify of only what
 * changed, the streaming verify's items, cancellation and progress. */
#include "api-fixture.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NOBODY 65534

/* A libckpt run of three epochs (keep all, crc32) under dir/run. Caller
 * g_free()s the root. */
static char *make_run(const char *dir, size_t bytes, mode_t mode)
{
	char *root = g_build_filename(dir, "run", "ckpts", NULL);
	af_model m = {.tag = "rec", .bytes = bytes, .mode = mode};
	ckpt_writer *w = af_writer(root, &m, 0, "ckpt_keep_mode", "all", NULL);
	af_epoch(w, 1, '-', 0.5);
	af_epoch(w, 2, '-', 0.4);
	af_epoch(w, 3, '-', 0.3);
	ckpt_writer_free(w);
	return root;
}

/* The items a verify delivered. */
typedef struct items {
	ckpt_verify_item got[16];
	char stored[16][CKPT_CHECKSUM_TEXT_MAX], computed[16][CKPT_CHECKSUM_TEXT_MAX];
	size_t n;
	int stop_after;      /* return nonzero after this many (0: never) */
	volatile int *raise; /* set to 1 after the first item, when given */
} items;

static int collect(const ckpt_verify_item *item, void *payload)
{
	items *c = payload;
	g_assert_cmpuint(c->n, <, G_N_ELEMENTS(c->got));
	c->got[c->n] = *item;
	g_strlcpy(c->stored[c->n], item->stored ? item->stored : "", CKPT_CHECKSUM_TEXT_MAX);
	g_strlcpy(c->computed[c->n], item->computed ? item->computed : "", CKPT_CHECKSUM_TEXT_MAX);
	c->n++;
	if (c->raise)
		*c->raise = 1;
	return c->stop_after && (int)c->n >= c->stop_after;
}

static void verify_all(const ckpt_run *run, unsigned flags, items *c)
{
	int rc = ckpt_verify(run, NULL, 0, flags, NULL, collect, c);
	if (rc)
		g_test_message("verify: %s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
}

static ckpt_check_state check_of(const ckpt_run *run, long epoch, ckpt_verify_result *result,
				 int64_t *when)
{
	const ckpt_epoch *e = ckpt_run_find_epoch(run, epoch);
	g_assert_nonnull(e);
	return ckpt_epoch_check(result, when, e);
}

static void assert_check(const char *root, const ckpt_check_state *expected, size_t n)
{
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, n);
	for (size_t i = 0; i < n; i++) {
		ckpt_check_state got = check_of(run, (long)i + 1, NULL, NULL);
		if (got != expected[i])
			g_error("epoch %zu: check %s, expected %s", i + 1,
				ckpt_check_state_name(got), ckpt_check_state_name(expected[i]));
	}
	ckpt_run_unref(run);
}

static void test_verified_is_current(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 0, 0);
	ckpt_run *before = tu_open_run(root);
	int64_t t0 = (int64_t)time(NULL);
	items c = {0};
	verify_all(before, 0, &c);
	int64_t t1 = (int64_t)time(NULL);
	g_assert_cmpuint(c.n, ==, 3);
	ckpt_run *after = tu_open_run(root);
	for (long epoch = 1; epoch <= 3; epoch++) {
		ckpt_verify_result result = CKPT_VERIFY_GONE;
		int64_t when = -1;
		g_assert_cmpint(check_of(after, epoch, &result, &when), ==, CKPT_CHECK_CURRENT);
		g_assert_cmpint(result, ==, CKPT_VERIFY_OK);
		g_assert_cmpint(when, >=, t0);
		g_assert_cmpint(when, <=, t1);
		g_assert_cmpint(when, ==, c.got[epoch - 1].checked_at);
		g_assert_cmpint(ckpt_epoch_health(ckpt_run_find_epoch(after, epoch)), ==,
				CKPT_EPOCH_OK);
		/* The snapshot taken before is immutable: it still knows no record. */
		g_assert_cmpint(check_of(before, epoch, NULL, NULL), ==, CKPT_CHECK_NEVER);
	}
	g_assert_cmpstr(ckpt_check_state_name(CKPT_CHECK_CURRENT), ==, "current");
	ckpt_run_unref(after);
	ckpt_run_unref(before);
	g_free(root);
	af_tree_free(dir);
}

static void test_changed_model_is_stale(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 0, 0);
	ckpt_run *run = tu_open_run(root);
	items c = {0};
	verify_all(run, 0, &c);
	/* Same size, same mtime: only its ctime tells (bit rot would not even
	 * do that, which is why a plain verify always reads). */
	char *model = af_epoch_path(root, 2, "model.h5");
	struct stat a, b;
	g_assert_cmpint(lstat(model, &a), ==, 0);
	af_flip_byte(model, 100);
	g_assert_cmpint(lstat(model, &b), ==, 0);
	g_assert_cmpint(a.st_size, ==, b.st_size);
	g_assert_cmpint(a.st_mtim.tv_sec, ==, b.st_mtim.tv_sec);
	g_assert_cmpint(a.st_mtim.tv_nsec, ==, b.st_mtim.tv_nsec);
	ckpt_run *again = tu_open_run(root);
	ckpt_verify_result result = CKPT_VERIFY_GONE;
	int64_t when = -1;
	g_assert_cmpint(check_of(again, 2, &result, &when), ==, CKPT_CHECK_CHANGED);
	g_assert_cmpint(result, ==, CKPT_VERIFY_OK); /* what the record said, then */
	g_assert_cmpint(when, ==, c.got[1].checked_at);
	g_assert_cmpint(check_of(again, 1, NULL, NULL), ==, CKPT_CHECK_CURRENT);
	g_assert_cmpint(check_of(again, 3, NULL, NULL), ==, CKPT_CHECK_CURRENT);
	g_assert_cmpstr(ckpt_check_state_name(CKPT_CHECK_CHANGED), ==, "changed");
	ckpt_run_unref(again);
	ckpt_run_unref(run);
	g_free(model);
	g_free(root);
	af_tree_free(dir);
}

static void test_replaced_info_is_stale(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 0, 0);
	ckpt_run *run = tu_open_run(root);
	items c = {0};
	verify_all(run, 0, &c);
	char *info = af_epoch_path(root, 3, "ckpt-info.json");
	af_replace_file(info); /* the same text in a new file */
	const ckpt_check_state expected[] = {CKPT_CHECK_CURRENT, CKPT_CHECK_CURRENT,
					     CKPT_CHECK_CHANGED};
	assert_check(root, expected, 3);
	ckpt_run_unref(run);
	g_free(info);
	g_free(root);
	af_tree_free(dir);
}

static void test_never_verified(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 0, 0);
	ckpt_run *run = tu_open_run(root);
	for (long epoch = 1; epoch <= 3; epoch++) {
		ckpt_verify_result result = CKPT_VERIFY_GONE;
		int64_t when = 12345;
		g_assert_cmpint(check_of(run, epoch, &result, &when), ==, CKPT_CHECK_NEVER);
		g_assert_cmpint(result, ==, CKPT_VERIFY_GONE); /* left alone */
		g_assert_cmpint(when, ==, 12345);
	}
	g_assert_cmpstr(ckpt_check_state_name(CKPT_CHECK_NEVER), ==, "never");
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

/* ---- verify only what changed ------------------------------------------ */

/* As nobody: verify what changed, then (to prove nobody cannot read the
 * other models) epoch 1 plainly. results: rc, n, then epoch, result,
 * from_record per item, then the plain verify's rc and result. */
static int verify_changed_unprivileged(int *results, size_t n, void *payload)
{
	const char *root = payload;
	ckpt_run *run = NULL;
	if (n < 13 || ckpt_run_open(&run, root) != 0)
		return 0;
	items c = {0};
	size_t k = 0;
	results[k++] = ckpt_verify(run, NULL, 0, CKPT_VERIFY_CHANGED | CKPT_VERIFY_NO_RECORD, NULL,
				   collect, &c);
	results[k++] = (int)c.n;
	for (size_t i = 0; i < 3; i++) {
		results[k++] = i < c.n ? (int)c.got[i].epoch : -1;
		results[k++] = i < c.n ? (int)c.got[i].result : -1;
		results[k++] = i < c.n ? (int)c.got[i].from_record : -1;
	}
	ckpt_verify_result plain = CKPT_VERIFY_OK;
	results[k++] = ckpt_verify_epoch(&plain, run, 1, NULL);
	results[k++] = (int)plain;
	ckpt_run_unref(run);
	return (int)k;
}

static void test_verify_changed_reads_only_changed(void)
{
	char *dir = af_tree_new();
	/* Models only root may read: nobody can verify none of them itself. */
	char *root = make_run(dir, 0, 0600);
	ckpt_run *run = tu_open_run(root);
	items c = {0};
	verify_all(run, 0, &c);
	char *model2 = af_epoch_path(root, 2, "model.h5");
	g_assert_cmpint(chmod(model2, 0644), ==, 0); /* changes its ctime: record stale */

	/* In-process: only epoch 2's bytes are read. */
	ckpt_run *now = tu_open_run(root);
	af_progress p = {0};
	ckpt_progress progress = {.fn = af_record_progress, .payload = &p};
	items d = {0};
	g_assert_cmpint(ckpt_verify(now, NULL, 0, CKPT_VERIFY_CHANGED | CKPT_VERIFY_NO_RECORD,
				    &progress, collect, &d),
			==, 0);
	g_assert_cmpuint(d.n, ==, 3);
	g_assert_true(d.got[0].from_record && !d.got[1].from_record && d.got[2].from_record);
	g_assert_cmpint(d.got[0].checked_at, ==, c.got[0].checked_at);
	g_assert_cmpstr(d.stored[0], ==, c.stored[0]);
	g_assert_cmpuint(p.total, ==,
			 (uint64_t)ckpt_epoch_model_bytes(ckpt_run_find_epoch(now, 2)));
	g_assert_cmpuint(p.done, ==, p.total);

	/* As nobody, who cannot read models 1 and 3: still all ok. */
	char *cache = g_build_filename(dir, "cache", "ckpt", "verify", NULL);
	char *records = ckpt_records_path(ckpt_run_root(run));
	af_open_path(cache);
	g_assert_cmpint(chmod(records, 0644), ==, 0);
	char *epochs = g_build_filename(root, "epochs", NULL);
	int r[16] = {0};
	g_assert_cmpuint(af_unprivileged(epochs, verify_changed_unprivileged, root, r, 16), ==, 13);
	g_assert_cmpint(r[0], ==, 0);
	g_assert_cmpint(r[1], ==, 3);
	const int expected[] = {1, CKPT_VERIFY_OK, 1, 2, CKPT_VERIFY_OK, 0, 3, CKPT_VERIFY_OK, 1};
	for (size_t i = 0; i < G_N_ELEMENTS(expected); i++)
		g_assert_cmpint(r[2 + i], ==, expected[i]);
	if (geteuid() == 0 || getuid() == NOBODY) {
		g_assert_cmpint(r[11], ==, 0);
		g_assert_cmpint(r[12], ==, CKPT_VERIFY_UNREADABLE);
	}
	ckpt_run_unref(now);
	ckpt_run_unref(run);
	g_free(epochs);
	g_free(records);
	g_free(cache);
	g_free(model2);
	g_free(root);
	af_tree_free(dir);
}

static void test_no_record_writes_none(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 0, 0);
	ckpt_run *run = tu_open_run(root);
	items c = {0};
	verify_all(run, CKPT_VERIFY_NO_RECORD, &c);
	g_assert_cmpuint(c.n, ==, 3);
	char *records = ckpt_records_path(ckpt_run_root(run));
	g_assert_false(tu_exists(records));
	const ckpt_check_state expected[] = {CKPT_CHECK_NEVER, CKPT_CHECK_NEVER, CKPT_CHECK_NEVER};
	assert_check(root, expected, 3);
	/* The control: the same call without the flag remembers. */
	verify_all(run, 0, &c);
	g_assert_true(tu_exists(records));
	ckpt_run_unref(run);
	g_free(records);
	g_free(root);
	af_tree_free(dir);
}

/* The records file replaced by a hard link, or a symbolic link, to another
 * file: verify writes no record into it (the records are a cache), and the
 * other file keeps its bytes. */
static void test_linked_records_file_never_written(void)
{
	for (int hard = 0; hard <= 1; hard++) {
		char *dir = af_tree_new();
		char *root = make_run(dir, 0, 0);
		ckpt_run *run = tu_open_run(root);
		char *records = ckpt_records_path(ckpt_run_root(run));
		char *folder = g_path_get_dirname(records);
		char *precious = g_build_filename(dir, "precious", NULL);
		g_assert_cmpint(g_mkdir_with_parents(folder, 0700), ==, 0);
		tu_write(precious, "not a verify record\n");
		if (hard)
			g_assert_cmpint(link(precious, records), ==, 0);
		else
			g_assert_cmpint(symlink(precious, records), ==, 0);
		items c = {0};
		verify_all(run, 0, &c);
		g_assert_cmpuint(c.n, ==, 3);
		char *text = tu_read(precious, NULL);
		g_assert_cmpstr(text, ==, "not a verify record\n");
		g_free(text);
		ckpt_run_unref(run);
		g_free(precious), g_free(folder), g_free(records), g_free(root);
		af_tree_free(dir);
	}
}

/* ---- records live outside the run ---------------------------------------- */

static bool is_records_name(const char *name)
{
	size_t len = strlen(name);
	if (len != 32 + strlen(".jsonl") || !g_str_has_suffix(name, ".jsonl"))
		return false;
	for (size_t i = 0; i < 32; i++)
		if (!g_ascii_isxdigit(name[i]) || g_ascii_isupper(name[i]))
			return false;
	return true;
}

/* The only file in cache/ckpt/verify, checked line by line. */
static void assert_records_file(const char *cache, const char *root, size_t lines)
{
	char *folder = g_build_filename(cache, "ckpt", "verify", NULL);
	GDir *d = g_dir_open(folder, 0, NULL);
	g_assert_nonnull(d);
	const char *name = g_dir_read_name(d);
	g_assert_nonnull(name);
	g_assert_true(is_records_name(name));
	char *path = g_build_filename(folder, name, NULL);
	g_assert_null(g_dir_read_name(d));
	g_dir_close(d);
	char **got = af_read_lines(path);
	g_assert_cmpuint(g_strv_length(got), ==, lines);
	for (size_t i = 0; got[i]; i++) {
		cJSON *json = cJSON_Parse(got[i]);
		g_assert_nonnull(json);
		g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "root")), ==, root);
		cJSON_Delete(json);
	}
	g_strfreev(got);
	g_free(path);
	g_free(folder);
}

static int verify_unprivileged(int *results, size_t n, void *payload)
{
	ckpt_run *run = NULL;
	if (n < 2 || ckpt_run_open(&run, payload) != 0)
		return 0;
	items c = {0};
	results[0] = ckpt_verify(run, NULL, 0, 0, NULL, collect, &c);
	results[1] = (int)c.n;
	ckpt_run_unref(run);
	return 2;
}

static void make_read_only(const char *dir)
{
	const char *argv[] = {"chmod", "-R", "a-w", dir, NULL};
	tu_run_ok(argv);
}

static void test_read_only_run(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 0, 0);
	char *run_dir = g_build_filename(dir, "run", NULL);
	char *canonical = realpath(root, NULL);
	make_read_only(run_dir);

	/* This user's verify: the run is exactly as it was. */
	char *before = tu_snapshot_tree(run_dir);
	ckpt_run *run = tu_open_run(root);
	items c = {0};
	verify_all(run, 0, &c);
	char *after = tu_snapshot_tree(run_dir);
	g_assert_cmpstr(after, ==, before);
	char *cache = g_build_filename(dir, "cache", NULL);
	assert_records_file(cache, canonical, 3);

	/* Another user, who cannot write the run at all, with a cache of its own. */
	char *cache2 = g_build_filename(dir, "cache-nobody", NULL);
	g_assert_cmpint(g_mkdir_with_parents(cache2, 0755), ==, 0);
	if (geteuid() == 0)
		g_assert_cmpint(chown(cache2, NOBODY, NOBODY), ==, 0);
	g_setenv("XDG_CACHE_HOME", cache2, TRUE);
	int r[2] = {-1, -1};
	g_assert_cmpuint(af_unprivileged(root, verify_unprivileged, root, r, 2), ==, 2);
	g_assert_cmpint(r[0], ==, 0);
	g_assert_cmpint(r[1], ==, 3);
	char *after2 = tu_snapshot_tree(run_dir);
	g_assert_cmpstr(after2, ==, before);
	assert_records_file(cache2, canonical, 3);
	const ckpt_check_state expected[] = {CKPT_CHECK_CURRENT, CKPT_CHECK_CURRENT,
					     CKPT_CHECK_CURRENT};
	assert_check(root, expected, 3); /* what nobody remembered, read by us */

	ckpt_run_unref(run);
	g_free(after2);
	g_free(cache2);
	g_free(cache);
	g_free(after);
	g_free(before);
	free(canonical);
	g_free(run_dir);
	g_free(root);
	af_tree_free(dir);
}

static void test_damaged_epoch(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 0, 0);
	char *model = af_epoch_path(root, 2, "model.h5");
	af_flip_byte(model, 500);
	ckpt_run *unverified = tu_open_run(root);
	g_assert_cmpint(ckpt_epoch_health(ckpt_run_find_epoch(unverified, 2)), ==, CKPT_EPOCH_OK);
	g_assert_false(ckpt_run_health(unverified) & CKPT_HEALTH_DAMAGED);
	g_assert_cmpstr(ckpt_run_health_text(unverified), ==, "ok");
	items c = {0};
	verify_all(unverified, 0, &c);
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpint(ckpt_epoch_health(ckpt_run_find_epoch(run, 1)), ==, CKPT_EPOCH_OK);
	g_assert_cmpint(ckpt_epoch_health(ckpt_run_find_epoch(run, 2)), ==, CKPT_EPOCH_DAMAGED);
	g_assert_cmpint(ckpt_epoch_health(ckpt_run_find_epoch(run, 3)), ==, CKPT_EPOCH_OK);
	g_assert_cmpuint(ckpt_run_health(run), ==, CKPT_HEALTH_DAMAGED);
	g_assert_true(ckpt_health_is_problem(ckpt_run_health(run)));
	g_assert_cmpstr(ckpt_run_health_text(run), ==, "1 damaged");
	ckpt_run_unref(run);
	ckpt_run_unref(unverified);
	g_free(model);
	g_free(root);
	af_tree_free(dir);
}

static void test_stream_in_order(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 0, 0);
	char *model = af_epoch_path(root, 2, "model.h5");
	af_flip_byte(model, 10);
	ckpt_run *run = tu_open_run(root);
	int64_t t0 = (int64_t)time(NULL);
	items c = {0};
	verify_all(run, 0, &c);
	int64_t t1 = (int64_t)time(NULL);
	g_assert_cmpuint(c.n, ==, 3);
	char now[CKPT_CHECKSUM_TEXT_MAX];
	g_assert_cmpint(ckpt_checksum_file(now, model, CKPT_CHECKSUM_CRC32, NULL), ==, 0);
	for (size_t i = 0; i < 3; i++) {
		const ckpt_verify_item *item = &c.got[i];
		g_assert_cmpuint(item->size, ==, sizeof *item);
		g_assert_cmpint(item->epoch, ==, (int64_t)i + 1);
		g_assert_false(item->from_record);
		g_assert_cmpint(item->checked_at, >=, t0);
		g_assert_cmpint(item->checked_at, <=, t1);
		g_assert_cmpstr(c.stored[i], ==, ckpt_epoch_checksum(ckpt_run_epoch(run, i)));
		g_assert_cmpint(item->result, ==, i == 1 ? CKPT_VERIFY_MISMATCH : CKPT_VERIFY_OK);
	}
	g_assert_cmpstr(c.computed[0], ==, c.stored[0]);
	g_assert_cmpstr(c.computed[1], !=, c.stored[1]);
	g_assert_cmpstr(c.computed[1], ==, now);

	/* Chosen epochs only; an epoch not in the run fails before any is read. */
	items d = {0};
	const int64_t chosen[] = {3, 1};
	g_assert_cmpint(ckpt_verify(run, chosen, 2, 0, NULL, collect, &d), ==, 0);
	g_assert_cmpuint(d.n, ==, 2);
	g_assert_true(d.got[0].epoch + d.got[1].epoch == 4 && d.got[0].epoch != d.got[1].epoch);
	char *records = ckpt_records_path(ckpt_run_root(run));
	g_assert_cmpint(unlink(records), ==, 0);
	items e = {0};
	const int64_t missing[] = {1, 99};
	g_assert_cmpint(ckpt_verify(run, missing, 2, 0, NULL, collect, &e), ==, CKPT_ENOENT);
	g_assert_nonnull(strstr(ckpt_error_last(), "99"));
	g_assert_cmpuint(e.n, ==, 0);
	g_assert_false(tu_exists(records));
	ckpt_run_unref(run);
	g_free(records);
	g_free(model);
	g_free(root);
	af_tree_free(dir);
}

/* ---- cancelling ------------------------------------------------------------ */

static void assert_only_first_recorded(const char *root)
{
	const ckpt_check_state expected[] = {CKPT_CHECK_CURRENT, CKPT_CHECK_NEVER,
					     CKPT_CHECK_NEVER};
	assert_check(root, expected, 3);
}

static void test_cancel_by_callback(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 0, 0);
	ckpt_run *run = tu_open_run(root);
	items c = {.stop_after = 1};
	g_assert_cmpint(ckpt_verify(run, NULL, 0, 0, NULL, collect, &c), ==, CKPT_ECANCELLED);
	g_assert_cmpuint(c.n, ==, 1);
	g_assert_cmpint(c.got[0].epoch, ==, 1);
	assert_only_first_recorded(root);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

static void test_cancel_by_flag(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 0, 0);
	ckpt_run *run = tu_open_run(root);
	volatile int cancel = 0;
	ckpt_progress progress = {.cancel = &cancel};
	items c = {.raise = &cancel};
	g_assert_cmpint(ckpt_verify(run, NULL, 0, 0, &progress, collect, &c), ==, CKPT_ECANCELLED);
	g_assert_cmpuint(c.n, ==, 1);
	assert_only_first_recorded(root);
	/* Raised before the call: nothing is read, nothing remembered. */
	char *records = ckpt_records_path(ckpt_run_root(run));
	g_assert_cmpint(unlink(records), ==, 0);
	items d = {0};
	g_assert_cmpint(ckpt_verify(run, NULL, 0, 0, &progress, collect, &d), ==, CKPT_ECANCELLED);
	g_assert_cmpuint(d.n, ==, 0);
	g_assert_false(tu_exists(records));
	ckpt_run_unref(run);
	g_free(records);
	g_free(root);
	af_tree_free(dir);
}

static void test_refresh_sees_records(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 0, 0);
	ckpt_run *run = tu_open_run(root);
	items c = {0};
	verify_all(run, 0, &c);
	ckpt_run *fresh = NULL;
	bool changed = false;
	g_assert_cmpint(ckpt_run_refresh(&fresh, &changed, run), ==, 0);
	g_assert_true(changed);
	g_assert_true(fresh != run);
	g_assert_cmpint(check_of(fresh, 2, NULL, NULL), ==, CKPT_CHECK_CURRENT);
	g_assert_cmpint(check_of(run, 2, NULL, NULL), ==, CKPT_CHECK_NEVER);
	ckpt_run *same = NULL;
	g_assert_cmpint(ckpt_run_refresh(&same, &changed, fresh), ==, 0);
	g_assert_false(changed);
	g_assert_true(same == fresh);
	ckpt_run_unref(same);
	ckpt_run_unref(fresh);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

/* A scan that finds no records folder hashes no root and looks for no
 * records file; the verify that makes the folder is still seen, by the
 * list's refresh and by the run's, and only the verified run changes. */
static void test_scan_without_folder_sees_later_records(void)
{
	char *dir = af_tree_new();
	char *exp = g_build_filename(dir, "exp", NULL);
	char *a = g_build_filename(exp, "a", NULL), *b = g_build_filename(exp, "b", NULL);
	char *root_a = make_run(a, 0, 0), *root_b = make_run(b, 0, 0);
	char *folder = g_build_filename(dir, "cache", "ckpt", "verify", NULL);
	g_assert_false(g_file_test(folder, G_FILE_TEST_EXISTS));
	/* Older than the refresh's 0.1 s of doubt, so that only the records
	 * can make it read a run again. */
	g_usleep(300 * 1000);
	ckpt_run_list *list = NULL;
	g_assert_cmpint(ckpt_scan(&list, exp, 0, NULL, NULL, NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_list_count(list), ==, 2);
	ckpt_run *run_a = ckpt_run_list_get(list, 0), *run_b = ckpt_run_list_get(list, 1);
	g_assert_cmpstr(ckpt_run_name(run_a), ==, "a/run");
	g_assert_cmpint(check_of(run_a, 2, NULL, NULL), ==, CKPT_CHECK_NEVER);

	items c = {0};
	verify_all(run_a, 0, &c);
	g_assert_cmpuint(c.n, ==, 3);
	g_assert_true(g_file_test(folder, G_FILE_TEST_IS_DIR));

	ckpt_run_list *fresh = NULL;
	bool changed = false;
	g_assert_cmpint(ckpt_run_list_refresh(&fresh, &changed, list, NULL, NULL, NULL), ==, 0);
	g_assert_true(changed);
	g_assert_cmpuint(ckpt_run_list_count(fresh), ==, 2);
	g_assert_true(ckpt_run_list_get(fresh, 0) != run_a);
	g_assert_true(ckpt_run_list_get(fresh, 1) == run_b);
	g_assert_cmpint(check_of(ckpt_run_list_get(fresh, 0), 2, NULL, NULL), ==,
			CKPT_CHECK_CURRENT);
	g_assert_cmpint(check_of(ckpt_run_list_get(fresh, 1), 2, NULL, NULL), ==, CKPT_CHECK_NEVER);

	ckpt_run *again = NULL;
	g_assert_cmpint(ckpt_run_refresh(&again, &changed, run_a), ==, 0);
	g_assert_true(changed);
	g_assert_cmpint(check_of(again, 2, NULL, NULL), ==, CKPT_CHECK_CURRENT);
	ckpt_run_unref(again);

	/* And a scan made now, with the folder there, finds the records too. */
	ckpt_run_list *rescan = NULL;
	g_assert_cmpint(ckpt_scan(&rescan, exp, 0, NULL, NULL, NULL), ==, 0);
	g_assert_cmpint(check_of(ckpt_run_list_get(rescan, 0), 2, NULL, NULL), ==,
			CKPT_CHECK_CURRENT);
	ckpt_run_list_free(rescan);
	ckpt_run_list_free(fresh);
	ckpt_run_list_free(list);
	g_free(folder);
	g_free(root_a);
	g_free(root_b);
	g_free(a);
	g_free(b);
	g_free(exp);
	af_tree_free(dir);
}

static void test_progress_events(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 3 << 20, 0);
	ckpt_run *run = tu_open_run(root);
	af_progress p = {0};
	ckpt_progress progress = {.fn = af_record_progress, .payload = &p};
	g_assert_cmpint(ckpt_verify(run, NULL, 0, 0, &progress, NULL, NULL), ==, 0);
	g_assert_cmpint(p.calls, >=, 4);
	g_assert_cmpint(p.wrong_size, ==, 0);
	g_assert_cmpint(p.stage, ==, CKPT_STAGE_VERIFY);
	g_assert_cmpint(p.other_stage, ==, 0);
	g_assert_false(p.went_back);
	g_assert_false(p.past_total);
	g_assert_cmpstr(p.run, ==, ckpt_run_name(run));
	g_assert_cmpuint(p.total, ==, 3u * (3u << 20));
	g_assert_cmpuint(p.done, ==, p.total);
	g_assert_cmpuint(p.items_total, ==, 3);
	g_assert_cmpuint(p.items_done, ==, 3);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/records/verified-is-current", test_verified_is_current);
	g_test_add_func("/ckpt/records/changed-model-is-stale", test_changed_model_is_stale);
	g_test_add_func("/ckpt/records/replaced-info-is-stale", test_replaced_info_is_stale);
	g_test_add_func("/ckpt/records/never-verified-is-never", test_never_verified);
	g_test_add_func("/ckpt/records/verify-changed-reads-only-changed-epochs",
			test_verify_changed_reads_only_changed);
	g_test_add_func("/ckpt/records/no-record-flag-writes-none", test_no_record_writes_none);
	g_test_add_func("/ckpt/records/linked-records-file-never-written",
			test_linked_records_file_never_written);
	g_test_add_func("/ckpt/records/read-only-run-untouched-records-in-cache",
			test_read_only_run);
	g_test_add_func("/ckpt/records/damaged-epoch-makes-run-damaged", test_damaged_epoch);
	g_test_add_func("/ckpt/records/stream/items-in-order-with-checksums", test_stream_in_order);
	g_test_add_func("/ckpt/records/cancel/by-callback-keeps-delivered",
			test_cancel_by_callback);
	g_test_add_func("/ckpt/records/cancel/by-flag-keeps-delivered", test_cancel_by_flag);
	g_test_add_func("/ckpt/records/run-refresh-sees-new-records", test_refresh_sees_records);
	g_test_add_func("/ckpt/records/scan-without-folder-sees-later-records",
			test_scan_without_folder_sees_later_records);
	g_test_add_func("/ckpt/records/progress/bytes-and-items", test_progress_events);
	return g_test_run();
}
