/* test-ops.c: the browser operations on the original's fixture runs and on
 * damaged copies: verify, roll back, clean (plan and apply) and relink; each
 * checked on the files it leaves, the log lines it writes, and what it must
 * refuse (a live writer, a stale plan, a damaged epoch, a read-only tree). */
#include "internal.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <grp.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ---------------------------------------------------------- */

typedef struct fixture {
	char *dir; /* the temporary folder */
	char *exp; /* dir/exp-2026-03: the unpacked runs */
} fixture;

static bool fixture_init(fixture *f)
{
	f->dir = tu_tmpdir();
	f->exp = tu_unpack_fixtures(f->dir);
	return f->exp != NULL;
}

static void fixture_free(fixture *f)
{
	tu_rmtree(f->dir);
	g_free(f->dir);
	g_free(f->exp);
}

/* The checkpoint root of a current-layout fixture run. */
static char *root_of(const fixture *f, const char *name)
{
	return g_build_filename(f->exp, name, "ckpts", NULL);
}

static char *epoch_path(const char *root, long epoch, const char *file)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	return g_build_filename(root, "epochs", name, file, NULL);
}

static bool epoch_exists(const char *root, long epoch)
{
	char *path = epoch_path(root, epoch, NULL);
	bool exists = tu_exists(path);
	g_free(path);
	return exists;
}

static ckpt_run *open_run(const char *path)
{
	ckpt_run *run = NULL;
	int rc = ckpt_run_open(&run, path);
	if (rc)
		g_test_message("ckpt_run_open(%s): %s", path, ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	g_assert_nonnull(run);
	return run;
}

static ckpt_run *open_fixture(const fixture *f, const char *name)
{
	char *path = g_build_filename(f->exp, name, NULL);
	ckpt_run *run = open_run(path);
	g_free(path);
	return run;
}

static void assert_log_has(const char *log_path, const char *line)
{
	char *text = tu_read(log_path, NULL);
	g_assert_nonnull(text);
	if (!strstr(text, line))
		g_test_message("%s has no line '%s'", log_path, line);
	g_assert_nonnull(strstr(text, line));
	g_free(text);
}

static void assert_error_has(const char *part)
{
	if (!strstr(ckpt_error_last(), part))
		g_test_message("error '%s' does not name '%s'", ckpt_error_last(), part);
	g_assert_nonnull(strstr(ckpt_error_last(), part));
}

static void assert_link(const char *root, const char *name, const char *target)
{
	char *path = g_build_filename(root, name, NULL);
	char *actual = tu_readlink(path);
	g_assert_cmpstr(actual, ==, target);
	g_free(actual);
	g_free(path);
}

/* tu_snapshot_tree without the lock file: every operation that may write
 * takes the run's lock, which creates R/ckpt.lock (not checkpoint data). */
static char *snapshot(const char *dir)
{
	char *tree = tu_snapshot_tree(dir);
	GString *out = g_string_new(NULL);
	char **lines = g_strsplit(tree, "\n", -1);
	for (char **line = lines; *line; line++)
		if (**line && !strstr(*line, "/ckpt.lock file "))
			g_string_append_printf(out, "%s\n", *line);
	g_strfreev(lines);
	g_free(tree);
	return g_string_free(out, FALSE);
}

static cJSON *load_expect(void)
{
	char *path = tu_fixture_path("candle-runs.expect.json");
	gsize len = 0;
	char *text = tu_read(path, &len);
	g_assert_nonnull(text);
	cJSON *json = cJSON_ParseWithLength(text, len);
	g_assert_nonnull(json);
	g_free(text);
	g_free(path);
	return json;
}

/* Replaces the "checksum" of an epoch's ckpt-info.json. */
static void set_stored_checksum(const char *root, long epoch, const char *checksum)
{
	char *path = epoch_path(root, epoch, "ckpt-info.json");
	char *text = tu_read(path, NULL);
	g_assert_nonnull(text);
	cJSON *json = cJSON_Parse(text);
	g_assert_nonnull(json);
	cJSON_ReplaceItemInObjectCaseSensitive(json, "checksum", cJSON_CreateString(checksum));
	char *out = cJSON_PrintUnformatted(json);
	tu_write(path, out);
	cJSON_free(out);
	cJSON_Delete(json);
	g_free(text);
	g_free(path);
}

static void flip_byte(const char *path, size_t offset)
{
	gsize len = 0;
	char *bytes = tu_read(path, &len);
	g_assert_nonnull(bytes);
	g_assert_cmpuint(offset, <, len);
	bytes[offset] ^= 0x01;
	tu_write_bytes(path, bytes, len);
	g_free(bytes);
}

/* Sum of lstat sizes of the files directly in an epoch dir. */
static uint64_t epoch_bytes(const char *root, long epoch)
{
	char *dir_path = epoch_path(root, epoch, NULL);
	GDir *dir = g_dir_open(dir_path, 0, NULL);
	g_assert_nonnull(dir);
	uint64_t total = 0;
	const char *name;
	while ((name = g_dir_read_name(dir)) != NULL) {
		char *path = g_build_filename(dir_path, name, NULL);
		struct stat st;
		g_assert_cmpint(lstat(path, &st), ==, 0);
		total += (uint64_t)st.st_size;
		g_free(path);
	}
	g_dir_close(dir);
	g_free(dir_path);
	return total;
}

typedef struct progress_log {
	int calls;
	char first_stage[64];
	char last_stage[64];
	uint64_t last_done, last_total;
	bool went_back; /* done decreased between calls */
} progress_log;

static void record_progress(const char *stage, uint64_t done, uint64_t total, void *payload)
{
	progress_log *log = payload;
	if (log->calls == 0)
		g_strlcpy(log->first_stage, stage, sizeof log->first_stage);
	else if (done < log->last_done)
		log->went_back = true;
	g_strlcpy(log->last_stage, stage, sizeof log->last_stage);
	log->last_done = done;
	log->last_total = total;
	log->calls++;
}

/* ---- verify ----------------------------------------------------------- */

static void test_verify_fixtures_match_expect(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	cJSON *expect = load_expect();
	const cJSON *runs = cJSON_GetObjectItemCaseSensitive(expect, "runs");
	g_assert_cmpint(cJSON_GetArraySize(runs), ==, 7);
	const cJSON *run_json;
	cJSON_ArrayForEach(run_json, runs)
	{
		const char *name = cJSON_GetObjectItemCaseSensitive(run_json, "name")->valuestring;
		const cJSON *verify = cJSON_GetObjectItemCaseSensitive(run_json, "verify");
		ckpt_run *run = open_fixture(&f, name);
		size_t n = ckpt_run_epoch_count(run);
		g_assert_cmpint((int)n, ==, cJSON_GetArraySize(verify));
		ckpt_verify_result *results = g_new0(ckpt_verify_result, n);
		g_assert_cmpint(ckpt_verify_run(results, run, NULL), ==, 0);
		for (size_t i = 0; i < n; i++) {
			const cJSON *item = cJSON_GetArrayItem(verify, (int)i);
			long epoch =
			    (long)cJSON_GetObjectItemCaseSensitive(item, "epoch")->valuedouble;
			const char *want =
			    cJSON_GetObjectItemCaseSensitive(item, "result")->valuestring;
			g_test_message("%s epoch %ld: %s", name, epoch,
				       ckpt_verify_result_name(results[i]));
			g_assert_cmpint(ckpt_run_epoch(run, i)->epoch, ==, epoch);
			g_assert_cmpstr(ckpt_verify_result_name(results[i]), ==, want);
		}
		g_free(results);
		ckpt_run_unref(run);
	}
	cJSON_Delete(expect);
	fixture_free(&f);
}

static void test_verify_single_epoch(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	ckpt_run *run = open_fixture(&f, "corrupt-nt3");
	static const struct {
		long epoch;
		const char *result;
	} cases[] = {
	    {26, "ok"}, {27, "mismatch"}, {28, "mismatch"}, {29, "no-info"}, {30, "ok"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		ckpt_verify_result result = CKPT_VERIFY_UNREADABLE;
		g_assert_cmpint(ckpt_verify_epoch(&result, run, cases[i].epoch, NULL), ==, 0);
		g_assert_cmpstr(ckpt_verify_result_name(result), ==, cases[i].result);
	}
	ckpt_verify_result result;
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 25, NULL), ==, CKPT_ENOENT);
	assert_error_has("25");
	ckpt_run_unref(run);
	fixture_free(&f);
}

static void test_verify_progress_and_cancel(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	ckpt_run *run = open_fixture(&f, "nt3-lr0.01");
	size_t n = ckpt_run_epoch_count(run);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += (uint64_t)ckpt_run_epoch(run, i)->model_bytes;
	ckpt_verify_result results[8];
	progress_log log = {0};
	volatile int cancel = 0;
	ckpt_progress progress = {record_progress, &log, &cancel};
	g_assert_cmpint(ckpt_verify_run(results, run, &progress), ==, 0);
	g_assert_cmpint(log.calls, >=, (int)n);
	g_assert_cmpstr(log.first_stage, ==, "verify 026");
	g_assert_false(log.went_back);
	g_assert_cmpuint(log.last_done, ==, total);
	g_assert_cmpuint(log.last_total, ==, total);

	memset(&log, 0, sizeof log);
	g_assert_cmpint(ckpt_verify_epoch(&results[0], run, 28, &progress), ==, 0);
	g_assert_cmpstr(log.first_stage, ==, "verify 028");
	g_assert_cmpuint(log.last_done, ==, 262144);

	cancel = 1;
	g_assert_cmpint(ckpt_verify_run(results, run, &progress), ==, CKPT_ECANCELLED);
	g_assert_cmpint(ckpt_verify_epoch(&results[0], run, 28, &progress), ==, CKPT_ECANCELLED);
	ckpt_run_unref(run);
	fixture_free(&f);
}

static void test_verify_sha256_ok_then_mismatch(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	char *model = epoch_path(root, 29, "model.h5");
	char sum[80];
	g_assert_cmpint(ckpt_checksum_file(sum, model, CKPT_CHECKSUM_SHA256, NULL), ==, 0);
	g_assert_true(g_str_has_prefix(sum, "sha256:"));
	set_stored_checksum(root, 29, sum);
	ckpt_run *run = open_run(root);
	ckpt_verify_result result = CKPT_VERIFY_UNREADABLE;
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 29, NULL), ==, 0);
	g_assert_cmpstr(ckpt_verify_result_name(result), ==, "ok");
	flip_byte(model, 1000);
	/* The snapshot is not refreshed: verify reads the files as they are now. */
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 29, NULL), ==, 0);
	g_assert_cmpstr(ckpt_verify_result_name(result), ==, "mismatch");
	ckpt_run_unref(run);
	g_free(model), g_free(root);
	fixture_free(&f);
}

static void test_verify_unknown_disabled_and_missing(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	set_stored_checksum(root, 26, "md5:0123456789abcdef");
	set_stored_checksum(root, 27, "__DISABLED__");
	char *model = epoch_path(root, 28, "model.h5");
	g_assert_cmpint(unlink(model), ==, 0);
	char *model30 = epoch_path(root, 30, "model.h5");
	g_assert_cmpint(unlink(model30), ==, 0);
	g_assert_cmpint(mkdir(model30, 0755), ==, 0);
	ckpt_run *run = open_run(root);
	ckpt_verify_result results[5];
	g_assert_cmpint(ckpt_verify_run(results, run, NULL), ==, 0);
	/* An unknown form cannot vouch for the model: not "no-checksum". */
	g_assert_cmpstr(ckpt_verify_result_name(results[0]), ==, "mismatch");
	g_assert_cmpstr(ckpt_verify_result_name(results[1]), ==, "no-checksum");
	g_assert_cmpstr(ckpt_verify_result_name(results[2]), ==, "missing-model");
	g_assert_cmpstr(ckpt_verify_result_name(results[3]), ==, "ok");
	g_assert_cmpstr(ckpt_verify_result_name(results[4]), ==, "missing-model");
	ckpt_run_unref(run);
	g_free(model), g_free(model30), g_free(root);
	fixture_free(&f);
}

typedef struct remove_at_stage {
	const char *stage; /* when progress first reports this stage... */
	char *dir;         /* ...this directory is removed, as live retention does */
	bool removed;
} remove_at_stage;

static void remove_when_reached(const char *stage, uint64_t done, uint64_t total, void *payload)
{
	(void)done, (void)total;
	remove_at_stage *r = payload;
	if (!r->removed && strcmp(stage, r->stage) == 0) {
		tu_rmtree(r->dir);
		r->removed = true;
	}
}

static void test_verify_epoch_removed_meanwhile_is_gone(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_run *run = open_run(root);
	/* Removed after the snapshot was taken, and while verify runs. */
	char *e26 = epoch_path(root, 26, NULL);
	tu_rmtree(e26);
	remove_at_stage r = {"verify 027", epoch_path(root, 29, NULL), false};
	ckpt_progress progress = {remove_when_reached, &r, NULL};
	ckpt_verify_result results[5];
	g_assert_cmpint(ckpt_verify_run(results, run, &progress), ==, 0);
	g_assert_true(r.removed);
	static const char *const want[] = {"gone", "ok", "ok", "gone", "ok"};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpstr(ckpt_verify_result_name(results[i]), ==, want[i]);
	ckpt_verify_result result = CKPT_VERIFY_OK;
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 26, NULL), ==, 0);
	g_assert_cmpint(result, ==, CKPT_VERIFY_GONE);
	/* An epoch that is there but has lost its files is still damage. */
	char *info = epoch_path(root, 30, "ckpt-info.json");
	g_assert_cmpint(unlink(info), ==, 0);
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 30, NULL), ==, 0);
	g_assert_cmpstr(ckpt_verify_result_name(result), ==, "no-info");
	ckpt_run_unref(run);
	g_free(info), g_free(r.dir), g_free(e26), g_free(root);
	fixture_free(&f);
}

static void copy_file(const char *from, const char *to)
{
	gsize len = 0;
	char *bytes = tu_read(from, &len);
	g_assert_nonnull(bytes);
	tu_write_bytes(to, bytes, len);
	g_free(bytes);
}

static void test_verify_info_of_another_epoch_is_no_info(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	/* epochs/010 holding epoch 27's files: its checksum matches, but it
	 * vouches for epoch 27, not for 10. */
	char *dir = epoch_path(root, 10, NULL);
	g_assert_cmpint(mkdir(dir, 0755), ==, 0);
	static const char *const files[] = {"model.h5", "ckpt-info.json"};
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		char *from = epoch_path(root, 27, files[i]), *to = epoch_path(root, 10, files[i]);
		copy_file(from, to);
		g_free(from), g_free(to);
	}
	ckpt_run *run = open_run(root);
	ckpt_verify_result result = CKPT_VERIFY_OK;
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 10, NULL), ==, 0);
	g_assert_cmpstr(ckpt_verify_result_name(result), ==, "no-info");
	ckpt_verify_result results[6];
	g_assert_cmpint(ckpt_verify_run(results, run, NULL), ==, 0);
	g_assert_cmpint(ckpt_run_epoch(run, 0)->epoch, ==, 10);
	g_assert_cmpstr(ckpt_verify_result_name(results[0]), ==, "no-info");
	g_assert_cmpstr(ckpt_verify_result_name(results[2]), ==, "ok");
	g_assert_cmpint(ckpt_rollback(NULL, run, 10, 0), ==, CKPT_EUNSAFE);
	ckpt_run_unref(run);
	g_free(dir), g_free(root);
	fixture_free(&f);
}

/* ---- rollback --------------------------------------------------------- */

static void test_rollback_points_last_relative_and_logs(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	char *best_before = g_build_filename(root, "best", NULL);
	char *best_target = tu_readlink(best_before);
	ckpt_run *run = open_fixture(&f, "nt3-lr0.01");
	ckpt_restart_info out;
	g_assert_cmpint(ckpt_rollback(&out, run, 27, 0), ==, 0);
	assert_link(root, "last", "epochs/027");
	assert_link(root, "best", best_target);
	long epoch = 0;
	g_assert_cmpint(ckpt_link_resolve(root, "last", &epoch), ==, CKPT_LINK_OK);
	g_assert_cmpint(epoch, ==, 27);
	g_assert_cmpint(out.restarted, ==, 1);
	g_assert_cmpint(out.epoch, ==, 27);
	g_assert_cmpfloat_with_epsilon(out.best_metric_last, 0.219003, 1e-9);
	char *model = epoch_path(root, 27, "model.h5");
	g_assert_cmpstr(out.model_path, ==, model);
	char *log = g_build_filename(root, "ckpt.log", NULL);
	assert_log_has(log, "CandleCkpt: rollback: 'last' from epoch 30 to 27\n");
	assert_log_has(log, "CandleCkpt: linking: 'ckpts/last' -> 'ckpts/epochs/027'\n");
	ckpt_run_unref(run);
	g_free(log), g_free(model), g_free(best_target), g_free(best_before), g_free(root);
	fixture_free(&f);
}

static void test_rollback_refuses_damaged_epochs_unless_forced(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "corrupt-nt3");
	ckpt_run *run = open_fixture(&f, "corrupt-nt3");
	char *before = snapshot(f.exp);
	static const struct {
		long epoch;
		const char *reason;
	} cases[] = {
	    {27, "checksum"},
	    {28, "checksum"},
	    {29, "ckpt-info.json"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		ckpt_restart_info out;
		g_assert_cmpint(ckpt_rollback(&out, run, cases[i].epoch, 0), ==, CKPT_EUNSAFE);
		char *what = g_strdup_printf("epoch %ld", cases[i].epoch);
		assert_error_has(what);
		assert_error_has(cases[i].reason);
		assert_error_has("--force");
		g_free(what);
		g_assert_cmpint(out.restarted, ==, 0);
		g_assert_cmpint(ckpt_rollback(NULL, run, cases[i].epoch, CKPT_FLAG_DRY_RUN), ==,
				CKPT_EUNSAFE);
	}
	char *after = snapshot(f.exp);
	g_assert_cmpstr(before, ==, after);

	ckpt_restart_info out;
	g_assert_cmpint(ckpt_rollback(&out, run, 28, CKPT_FLAG_FORCE), ==, 0);
	assert_link(root, "last", "epochs/028");
	g_assert_cmpint(out.epoch, ==, 28);
	g_assert_cmpint(ckpt_rollback(&out, run, 29, CKPT_FLAG_FORCE), ==, 0);
	assert_link(root, "last", "epochs/029");
	g_assert_true(isnan(out.best_metric_last)); /* no ckpt-info.json to take it from */
	ckpt_run_unref(run);
	g_free(before), g_free(after), g_free(root);
	fixture_free(&f);
}

static void test_rollback_refuses_incomplete_epochs(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	char *model = epoch_path(root, 26, "model.h5");
	g_assert_cmpint(unlink(model), ==, 0);
	/* epoch 27 holds a ckpt-info.json that belongs to another epoch */
	char *info27 = epoch_path(root, 27, "ckpt-info.json");
	char *info28 = epoch_path(root, 28, "ckpt-info.json");
	char *text = tu_read(info28, NULL);
	tu_write(info27, text);
	ckpt_run *run = open_run(root);
	g_assert_cmpint(ckpt_rollback(NULL, run, 26, 0), ==, CKPT_EUNSAFE);
	assert_error_has("model.h5");
	g_assert_cmpint(ckpt_rollback(NULL, run, 27, 0), ==, CKPT_EUNSAFE);
	assert_error_has("says epoch 28");
	/* a disabled checksum is no reason to refuse */
	set_stored_checksum(root, 29, "__DISABLED__");
	char *model29 = epoch_path(root, 29, "model.h5");
	flip_byte(model29, 10);
	g_free(model29);
	g_assert_cmpint(ckpt_rollback(NULL, run, 29, 0), ==, 0);
	assert_link(root, "last", "epochs/029");
	ckpt_run_unref(run);
	g_free(text), g_free(info27), g_free(info28), g_free(model), g_free(root);
	fixture_free(&f);
}

static void test_rollback_dry_run_changes_nothing(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	ckpt_run *run = open_fixture(&f, "nt3-lr0.01");
	char *before = tu_snapshot_tree(f.exp);
	ckpt_restart_info out;
	g_assert_cmpint(ckpt_rollback(&out, run, 26, CKPT_FLAG_DRY_RUN), ==, 0);
	g_assert_cmpint(out.restarted, ==, 1);
	g_assert_cmpint(out.epoch, ==, 26);
	g_assert_true(g_str_has_suffix(out.model_path, "/ckpts/epochs/026/model.h5"));
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	ckpt_run_unref(run);
	g_free(before), g_free(after);
	fixture_free(&f);
}

static void test_rollback_nonexistent_epoch(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	ckpt_run *run = open_fixture(&f, "nt3-lr0.01");
	char *before = tu_snapshot_tree(f.exp);
	g_assert_cmpint(ckpt_rollback(NULL, run, 12, 0), ==, CKPT_ENOENT);
	assert_error_has("epochs/012");
	g_assert_cmpint(ckpt_rollback(NULL, run, 0, CKPT_FLAG_FORCE), ==, CKPT_ENOENT);
	g_assert_cmpint(ckpt_rollback(NULL, run, -3, CKPT_FLAG_DRY_RUN), ==, CKPT_ENOENT);
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	ckpt_run_unref(run);
	g_free(before), g_free(after);
	fixture_free(&f);
}

static void test_rollback_refused_while_locked(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_lock *lock = NULL;
	g_assert_cmpint(ckpt_lock_acquire(&lock, root), ==, 0);
	ckpt_run *run = open_run(root);
	char *before = tu_snapshot_tree(f.exp);
	char *pid = g_strdup_printf("pid %ld", (long)getpid());
	g_assert_cmpint(ckpt_rollback(NULL, run, 27, 0), ==, CKPT_ELOCKED);
	assert_error_has(pid);
	g_assert_cmpint(ckpt_rollback(NULL, run, 27, CKPT_FLAG_DRY_RUN), ==, CKPT_ELOCKED);
	assert_error_has(pid);
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	ckpt_lock_release(lock);
	g_assert_cmpint(ckpt_rollback(NULL, run, 27, 0), ==, 0);
	ckpt_run_unref(run);
	g_free(pid), g_free(before), g_free(after), g_free(root);
	fixture_free(&f);
}

/* ---- clean ------------------------------------------------------------ */

static void assert_item(const ckpt_clean_plan *plan, size_t i, long epoch, const char *reason)
{
	const ckpt_clean_item *item = ckpt_clean_plan_item(plan, i);
	g_assert_nonnull(item);
	g_assert_cmpint(item->epoch, ==, epoch);
	g_assert_cmpstr(ckpt_clean_reason_name(item->reason), ==, reason);
	g_assert_cmpint(item->keep, ==, strcmp(reason, "beyond-limit") != 0);
}

static ckpt_clean_plan *plan_run(ckpt_run *run, long keep, ckpt_keep_mode mode)
{
	ckpt_clean_plan *plan = NULL;
	g_assert_cmpint(ckpt_clean_plan_new(&plan, run, keep, mode), ==, 0);
	g_assert_nonnull(plan);
	return plan;
}

static void test_clean_plan_reasons_and_bytes(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_run *run = open_run(root);
	char *before = tu_snapshot_tree(f.exp);
	ckpt_clean_plan *plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	g_assert_cmpuint(ckpt_clean_plan_count(plan), ==, 5);
	assert_item(plan, 0, 26, "beyond-limit");
	assert_item(plan, 1, 27, "beyond-limit");
	assert_item(plan, 2, 28, "best");
	assert_item(plan, 3, 29, "limit");
	assert_item(plan, 4, 30, "last");
	for (size_t i = 0; i < 5; i++) {
		const ckpt_clean_item *item = ckpt_clean_plan_item(plan, i);
		g_assert_cmpuint(item->bytes, ==, epoch_bytes(root, item->epoch));
		g_assert_cmpuint(item->bytes, >, 262144);
	}
	g_assert_cmpuint(ckpt_clean_plan_bytes_freed(plan), ==,
			 epoch_bytes(root, 26) + epoch_bytes(root, 27));
	g_assert_false(ckpt_clean_plan_removes_work(plan));
	g_assert_null(ckpt_clean_plan_item(plan, 5));
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	/* The plan owns what it needs: it outlives the run. */
	ckpt_run_unref(run);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	g_assert_false(epoch_exists(root, 26));
	ckpt_clean_plan_free(plan);

	plan = NULL;
	run = open_run(root);
	g_assert_cmpint(ckpt_clean_plan_new(&plan, run, 0, CKPT_KEEP_LINEAR), ==, CKPT_EINVAL);
	assert_error_has("keep limit must be greater than zero");
	g_assert_cmpint(ckpt_clean_plan_new(&plan, run, -1, CKPT_KEEP_ALL), ==, CKPT_EINVAL);
	g_assert_null(plan);
	ckpt_run_unref(run);
	g_free(before), g_free(after), g_free(root);
	fixture_free(&f);
}

static void test_clean_apply_removes_exactly_the_plan(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	char *best = g_build_filename(root, "best", NULL);
	char *last = g_build_filename(root, "last", NULL);
	char *best_target = tu_readlink(best), *last_target = tu_readlink(last);
	ckpt_run *run = open_run(root);
	ckpt_clean_plan *plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	progress_log log = {0};
	ckpt_progress progress = {record_progress, &log, NULL};
	g_assert_cmpint(ckpt_clean_apply(plan, &progress), ==, 0);
	g_assert_cmpstr(log.first_stage, ==, "clean 026");
	g_assert_cmpuint(log.last_done, ==, 2);
	g_assert_cmpuint(log.last_total, ==, 2);

	char *epochs = g_build_filename(root, "epochs", NULL);
	GDir *dir = g_dir_open(epochs, 0, NULL);
	g_assert_nonnull(dir);
	int entries = 0;
	while (g_dir_read_name(dir) != NULL)
		entries++;
	g_dir_close(dir);
	g_assert_cmpint(entries, ==, 3);
	g_assert_false(epoch_exists(root, 26));
	g_assert_false(epoch_exists(root, 27));
	for (long e = 28; e <= 30; e++)
		g_assert_true(epoch_exists(root, e));
	char *work = g_build_filename(root, "work", NULL);
	g_assert_false(tu_exists(work));
	assert_link(root, "best", best_target);
	assert_link(root, "last", last_target);

	char *log_path = g_build_filename(root, "ckpt.log", NULL);
	char *removing = g_strdup_printf("CandleCkpt: removing: '%s/epochs/026'\n", root);
	assert_log_has(log_path, removing);
	assert_log_has(log_path, "CandleCkpt: clean(): deleted epoch: 26\n");
	assert_log_has(log_path, "CandleCkpt: clean(): deleted epoch: 27\n");
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(removing), g_free(log_path), g_free(work), g_free(epochs);
	g_free(best_target), g_free(last_target), g_free(best), g_free(last), g_free(root);
	fixture_free(&f);
}

static void test_clean_stale_plan_refused(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_run *run = open_run(root);
	ckpt_clean_plan *plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	g_assert_cmpint(ckpt_link_point(root, "last", 26, true), ==, 0);
	char *before = snapshot(f.exp);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, CKPT_EUNSAFE);
	assert_error_has("'last' now points at epoch 26");
	assert_error_has("plan again");
	char *after = snapshot(f.exp);
	g_assert_cmpstr(before, ==, after);
	g_assert_true(epoch_exists(root, 27));
	ckpt_clean_plan_free(plan);

	/* The same for best. */
	g_assert_cmpint(ckpt_link_point(root, "last", 30, true), ==, 0);
	plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	g_assert_cmpint(ckpt_link_point(root, "best", 27, true), ==, 0);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, CKPT_EUNSAFE);
	assert_error_has("'best' now points at epoch 27");
	g_assert_true(epoch_exists(root, 26));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(before), g_free(after), g_free(root);
	fixture_free(&f);
}

static void test_clean_removes_leftover_work(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "corrupt-nt3");
	char *work = g_build_filename(root, "work", NULL);
	ckpt_run *run = open_run(root);
	g_assert_true(ckpt_run_work_leftover(run));
	ckpt_clean_plan *plan = plan_run(run, 10, CKPT_KEEP_LINEAR);
	g_assert_true(ckpt_clean_plan_removes_work(plan));
	g_assert_cmpuint(ckpt_clean_plan_bytes_freed(plan), ==, 0);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	g_assert_false(tu_exists(work));
	for (long e = 26; e <= 30; e++)
		g_assert_true(epoch_exists(root, e));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);

	/* A work/ the plan did not see (a crash since) is not removed blindly. */
	run = open_run(root);
	plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	g_assert_false(ckpt_clean_plan_removes_work(plan));
	g_assert_cmpint(mkdir(work, 0755), ==, 0);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, CKPT_EUNSAFE);
	assert_error_has("plan again");
	g_assert_true(epoch_exists(root, 26));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(work), g_free(root);
	fixture_free(&f);
}

static void test_clean_keeps_work_of_live_writer(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "corrupt-nt3");
	ckpt_lock *lock = NULL;
	g_assert_cmpint(ckpt_lock_acquire(&lock, root), ==, 0);
	ckpt_run *run = open_run(root);
	ckpt_clean_plan *plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	g_assert_false(ckpt_clean_plan_removes_work(plan));
	char *before = tu_snapshot_tree(f.exp);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, CKPT_ELOCKED);
	char *pid = g_strdup_printf("pid %ld", (long)getpid());
	assert_error_has(pid);
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	ckpt_lock_release(lock);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(pid), g_free(before), g_free(after), g_free(root);
	fixture_free(&f);
}

static void test_clean_never_touches_strays_or_outside(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	char *outside = g_build_filename(f.dir, "outside", NULL);
	char *sentinel = g_build_filename(outside, "sentinel", NULL);
	g_assert_cmpint(mkdir(outside, 0755), ==, 0);
	tu_write(sentinel, "sentinel");
	char *stray_file = g_build_filename(root, "epochs", "notes.txt", NULL);
	tu_write(stray_file, "keep me");
	char *stray_link = g_build_filename(root, "epochs", "007", NULL);
	g_assert_cmpint(symlink(outside, stray_link), ==, 0);
	char *root_stray = g_build_filename(root, "old-epochs", NULL);
	g_assert_cmpint(symlink(outside, root_stray), ==, 0);

	ckpt_run *run = open_run(root);
	ckpt_clean_plan *plan = plan_run(run, 1, CKPT_KEEP_LINEAR);
	g_assert_cmpuint(ckpt_clean_plan_count(plan), ==, 5);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	g_assert_true(tu_exists(stray_file));
	char *target = tu_readlink(stray_link);
	g_assert_cmpstr(target, ==, outside);
	g_free(target);
	g_assert_true(tu_exists(root_stray));
	char *text = tu_read(sentinel, NULL);
	g_assert_cmpstr(text, ==, "sentinel");
	g_free(text);
	g_assert_false(epoch_exists(root, 29));
	g_assert_true(epoch_exists(root, 28));
	g_assert_true(epoch_exists(root, 30));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root_stray), g_free(stray_link), g_free(stray_file), g_free(sentinel);
	g_free(outside), g_free(root);
	fixture_free(&f);
}

static void test_clean_skips_epoch_replaced_by_link(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_run *run = open_run(root);
	ckpt_clean_plan *plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	/* Between plan and apply, epochs/026 becomes a link to a folder outside. */
	char *outside = g_build_filename(f.dir, "outside-026", NULL);
	char *e26 = epoch_path(root, 26, NULL);
	g_assert_cmpint(rename(e26, outside), ==, 0);
	g_assert_cmpint(symlink(outside, e26), ==, 0);
	char *outside_before = tu_snapshot_tree(outside);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	char *outside_after = tu_snapshot_tree(outside);
	g_assert_cmpstr(outside_before, ==, outside_after);
	char *target = tu_readlink(e26);
	g_assert_cmpstr(target, ==, outside);
	g_assert_false(epoch_exists(root, 27));
	char *log = g_build_filename(root, "ckpt.log", NULL);
	char *text = tu_read(log, NULL);
	g_assert_null(strstr(text, "deleted epoch: 26\n"));
	g_assert_nonnull(strstr(text, "deleted epoch: 27\n"));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(text), g_free(log), g_free(target), g_free(outside_before), g_free(outside_after);
	g_free(e26), g_free(outside), g_free(root);
	fixture_free(&f);
}

static void test_clean_modes_exponential_and_all(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	/* resumed: epochs 7 8 17 18 19 20, best = last = 20 */
	ckpt_run *run = open_fixture(&f, "resumed");
	static const long epochs[] = {7, 8, 17, 18, 19, 20};
	ckpt_clean_plan *plan = plan_run(run, 4, CKPT_KEEP_LINEAR);
	const char *linear[] = {"beyond-limit", "beyond-limit", "limit", "limit", "limit", "last"};
	for (size_t i = 0; i < 6; i++)
		assert_item(plan, i, epochs[i], linear[i]);
	ckpt_clean_plan_free(plan);
	/* From 20, the oldest of ages [1,3) [3,7) [7,15): 18, 17, 7 (retention.c's
	 * rule); 19 and 8 are younger ones of a bucket already kept. */
	plan = plan_run(run, 4, CKPT_KEEP_EXPONENTIAL);
	static const struct {
		long epoch;
		const char *reason;
	} expo[] = {
	    {7, "exponential"},  {8, "beyond-limit"},  {17, "exponential"},
	    {18, "exponential"}, {19, "beyond-limit"}, {20, "last"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(expo); i++)
		assert_item(plan, i, expo[i].epoch, expo[i].reason);
	ckpt_clean_plan_free(plan);
	plan = plan_run(run, 1, CKPT_KEEP_ALL);
	for (size_t i = 0; i < 5; i++)
		assert_item(plan, i, epochs[i], "all");
	assert_item(plan, 5, 20, "last");
	g_assert_cmpuint(ckpt_clean_plan_bytes_freed(plan), ==, 0);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);

	/* Without a last link, exponential counts ages from the newest epoch
	 * instead of deleting every epoch as too young. */
	char *root = root_of(&f, "nt3-lr0.01");
	char *last = g_build_filename(root, "last", NULL);
	g_assert_cmpint(unlink(last), ==, 0);
	run = open_run(root);
	/* From 30: 30 itself, 28 (the best) stands for [1,3), 26 for [3,7). */
	plan = plan_run(run, 2, CKPT_KEEP_EXPONENTIAL);
	assert_item(plan, 0, 26, "exponential");
	assert_item(plan, 1, 27, "beyond-limit");
	assert_item(plan, 2, 28, "best");
	assert_item(plan, 3, 29, "beyond-limit");
	assert_item(plan, 4, 30, "exponential");
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(last), g_free(root);
	fixture_free(&f);
}

static void test_clean_cancel_before_first_epoch(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	ckpt_run *run = open_fixture(&f, "nt3-lr0.01");
	ckpt_clean_plan *plan = plan_run(run, 1, CKPT_KEEP_LINEAR);
	volatile int cancel = 1;
	ckpt_progress progress = {NULL, NULL, &cancel};
	char *root = root_of(&f, "nt3-lr0.01");
	g_assert_cmpint(ckpt_clean_apply(plan, &progress), ==, CKPT_ECANCELLED);
	for (long e = 26; e <= 30; e++)
		g_assert_true(epoch_exists(root, e));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root);
	fixture_free(&f);
}

/* ---- relink ----------------------------------------------------------- */

static char *expected_target(const cJSON *run_json, const char *key)
{
	const cJSON *epoch = cJSON_GetObjectItemCaseSensitive(run_json, key);
	if (!cJSON_IsNumber(epoch))
		return NULL;
	char name[32];
	ckpt_epoch_dir_name(name, (long)epoch->valuedouble);
	return g_strdup_printf("epochs/%s", name);
}

static void test_relink_every_fixture_run(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	cJSON *expect = load_expect();
	const cJSON *run_json;
	cJSON_ArrayForEach(run_json, cJSON_GetObjectItemCaseSensitive(expect, "runs"))
	{
		const char *name = cJSON_GetObjectItemCaseSensitive(run_json, "name")->valuestring;
		ckpt_run *run = open_fixture(&f, name);
		const char *root = ckpt_run_root(run);
		char *best = expected_target(run_json, "best");
		char *last = expected_target(run_json, "last");
		int changed = -1;
		g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
		g_assert_cmpint(changed, ==, (best != NULL) + (last != NULL));
		g_test_message("%s: %d links rewritten", name, changed);
		long epoch;
		if (best) {
			assert_link(root, "best", best);
			g_assert_cmpint(ckpt_link_resolve(root, "best", &epoch), ==, CKPT_LINK_OK);
		} else {
			g_assert_cmpint(ckpt_link_resolve(root, "best", &epoch), ==,
					CKPT_LINK_MISSING);
		}
		assert_link(root, "last", last);
		g_assert_cmpint(ckpt_link_resolve(root, "last", &epoch), ==, CKPT_LINK_OK);
		bool legacy = ckpt_run_layout(run) == CKPT_LAYOUT_CANDLE_LEGACY;
		const char *label = legacy ? "save/ckpts" : "ckpts";
		char *line = g_strdup_printf("CandleCkpt: relink: '%s/last' -> '%s/%s'\n", label,
					     label, last);
		assert_log_has(ckpt_run_log_path(run), line);

		/* Already relative: a second relink changes nothing, not even the lock. */
		char *before = tu_snapshot_tree(f.exp);
		g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
		g_assert_cmpint(changed, ==, 0);
		char *after = tu_snapshot_tree(f.exp);
		g_assert_cmpstr(before, ==, after);
		g_free(before), g_free(after), g_free(line), g_free(best), g_free(last);
		ckpt_run_unref(run);
	}
	cJSON_Delete(expect);
	fixture_free(&f);
}

static void test_relink_absolute_ok_link_and_lock(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_run *run = open_run(root);
	/* An absolute target that does resolve here still breaks on the next copy. */
	char *last = g_build_filename(root, "last", NULL);
	char *absolute = epoch_path(ckpt_run_root(run), 29, NULL);
	g_assert_cmpint(unlink(last), ==, 0);
	g_assert_cmpint(symlink(absolute, last), ==, 0);
	long epoch = 0;
	g_assert_cmpint(ckpt_link_resolve(root, "last", &epoch), ==, CKPT_LINK_OK);

	ckpt_lock *lock = NULL;
	g_assert_cmpint(ckpt_lock_acquire(&lock, root), ==, 0);
	char *before = tu_snapshot_tree(f.exp);
	int changed = -1;
	g_assert_cmpint(ckpt_relink(&changed, run), ==, CKPT_ELOCKED);
	g_assert_cmpint(changed, ==, 0);
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	ckpt_lock_release(lock);

	g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
	g_assert_cmpint(changed, ==, 2);
	assert_link(root, "last", "epochs/029");
	assert_link(root, "best", "epochs/028");
	ckpt_run_unref(run);
	g_free(before), g_free(after), g_free(absolute), g_free(last), g_free(root);
	fixture_free(&f);
}

/* ---- links into the original copy of a copied run ---------------------- */

static void copy_tree(const char *from, const char *to)
{
	const char *argv[] = {"cp", "-a", from, to, NULL};
	int status = 0;
	GError *error = NULL;
	g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
		     &status, &error);
	g_assert_no_error(error);
	g_assert_cmpint(status, ==, 0);
}

static void point_link(const char *root, const char *name, const char *target)
{
	char *path = g_build_filename(root, name, NULL);
	g_assert_cmpint(unlink(path), ==, 0);
	g_assert_cmpint(symlink(target, path), ==, 0);
	g_free(path);
}

/* `cp -a nt3-lr0.01 t3`, with best and last pointing (absolutely) into the
 * original, which still exists: t3's own epochs 28 and 30 must be shown,
 * kept by clean and made relative by relink; the original is never touched. */
static void test_links_into_original_copy(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *orig = g_build_filename(f.exp, "nt3-lr0.01", NULL);
	char *orig_root = root_of(&f, "nt3-lr0.01");
	char *t3 = g_build_filename(f.dir, "t3", NULL);
	copy_tree(orig, t3);
	char *root = g_build_filename(t3, "ckpts", NULL);
	char *into28 = epoch_path(orig_root, 28, NULL), *into30 = epoch_path(orig_root, 30, NULL);
	point_link(root, "best", into28);
	point_link(root, "last", into30);
	char *orig_before = tu_snapshot_tree(orig);

	ckpt_run *run = open_run(t3);
	g_assert_cmpint(ckpt_run_best(run), ==, 28);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_best_state(run)), ==, "outside");
	g_assert_cmpint(ckpt_run_last(run), ==, 30);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_last_state(run)), ==, "outside");
	char *text = NULL;
	g_assert_cmpint(ckpt_run_to_json(&text, run), ==, 0);
	cJSON *json = cJSON_Parse(text);
	g_assert_cmpint((long)cJSON_GetNumberValue(cJSON_GetObjectItem(json, "best")), ==, 28);
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "last_state")), ==,
			"outside");
	cJSON_Delete(json);
	free(text);

	ckpt_clean_plan *plan = plan_run(run, 1, CKPT_KEEP_LINEAR);
	static const char *const reasons[] = {"beyond-limit", "beyond-limit", "best",
					      "beyond-limit", "last"};
	for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++)
		assert_item(plan, i, 26 + (long)i, reasons[i]);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	ckpt_clean_plan_free(plan);
	g_assert_true(epoch_exists(root, 28));
	g_assert_true(epoch_exists(root, 30));
	g_assert_false(epoch_exists(root, 29));

	int changed = -1;
	g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
	g_assert_cmpint(changed, ==, 2);
	assert_link(root, "best", "epochs/028");
	assert_link(root, "last", "epochs/030");
	char *log = g_build_filename(root, "ckpt.log", NULL);
	assert_log_has(log, "CandleCkpt: relink: 'ckpts/best' -> 'ckpts/epochs/028'\n");
	ckpt_run_unref(run);

	/* Outside, naming an epoch t3 no longer has: shown as outside with no
	 * epoch, and left alone by relink (there is nothing to point it at). */
	char *into26 = epoch_path(orig_root, 26, NULL);
	point_link(root, "best", into26);
	run = open_run(t3);
	g_assert_cmpint(ckpt_run_best(run), ==, 0);
	g_assert_cmpint(ckpt_run_best_state(run), ==, CKPT_LINK_OUTSIDE);
	g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
	g_assert_cmpint(changed, ==, 0);
	assert_link(root, "best", into26);
	/* A roll back from an outside last says which of our epochs it left. */
	point_link(root, "last", into30);
	g_assert_cmpint(ckpt_rollback(NULL, run, 28, 0), ==, 0);
	assert_link(root, "last", "epochs/028");
	assert_log_has(log, "CandleCkpt: rollback: 'last' from epoch 30 to 28\n");
	ckpt_run_unref(run);

	char *orig_after = tu_snapshot_tree(orig);
	g_assert_cmpstr(orig_before, ==, orig_after);
	g_free(orig_before), g_free(orig_after), g_free(into26), g_free(log);
	g_free(into28), g_free(into30), g_free(root), g_free(t3), g_free(orig_root), g_free(orig);
	fixture_free(&f);
}

/* ---- NULL arguments ---------------------------------------------------- */

#define ASSERT_EINVAL(call, name)                                                          \
	do {                                                                               \
		g_assert_cmpint((call), ==, CKPT_EINVAL);                                  \
		assert_error_has(name);                                                    \
	} while (0)

static void test_null_arguments_are_einval(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	char *path = g_build_filename(f.exp, "nt3-lr0.01", NULL);
	ckpt_run *run = open_run(path);
	ckpt_run *got = NULL;
	ckpt_restart_info info;
	ckpt_clean_plan *plan = NULL;
	ckpt_verify_result results[5];
	ckpt_run_list *list = NULL;
	ckpt_history *history = NULL;
	char *text = NULL;
	int changed = -1;
	ASSERT_EINVAL(ckpt_run_open(NULL, path), "ckpt_run_open");
	ASSERT_EINVAL(ckpt_run_open(&got, NULL), "ckpt_run_open");
	ASSERT_EINVAL(ckpt_run_refresh(NULL, run), "ckpt_run_refresh");
	ASSERT_EINVAL(ckpt_run_refresh(&got, NULL), "ckpt_run_refresh");
	ASSERT_EINVAL(ckpt_scan(NULL, path, 0, NULL), "ckpt_scan");
	ASSERT_EINVAL(ckpt_scan(&list, NULL, 0, NULL), "ckpt_scan");
	ASSERT_EINVAL(ckpt_run_to_json(NULL, run), "ckpt_run_to_json");
	ASSERT_EINVAL(ckpt_run_to_json(&text, NULL), "ckpt_run_to_json");
	ASSERT_EINVAL(ckpt_rollback(&info, NULL, 3, 0), "ckpt_rollback");
	g_assert_false(info.restarted);
	ASSERT_EINVAL(ckpt_clean_plan_new(&plan, NULL, 2, CKPT_KEEP_LINEAR), "ckpt_clean_plan_new");
	ASSERT_EINVAL(ckpt_clean_plan_new(NULL, run, 2, CKPT_KEEP_LINEAR), "ckpt_clean_plan_new");
	ASSERT_EINVAL(ckpt_clean_apply(NULL, NULL), "plan");
	ASSERT_EINVAL(ckpt_relink(&changed, NULL), "ckpt_relink");
	g_assert_cmpint(changed, ==, 0);
	ASSERT_EINVAL(ckpt_verify_run(results, NULL, NULL), "ckpt_verify_run");
	ASSERT_EINVAL(ckpt_verify_run(NULL, run, NULL), "ckpt_verify_run");
	ASSERT_EINVAL(ckpt_verify_epoch(results, NULL, 28, NULL), "ckpt_verify_epoch");
	ASSERT_EINVAL(ckpt_verify_epoch(NULL, run, 28, NULL), "ckpt_verify_epoch");
	ASSERT_EINVAL(ckpt_history_load(&history, NULL), "ckpt_history_load");
	ASSERT_EINVAL(ckpt_history_load(NULL, run), "ckpt_history_load");
	g_assert_null(got);
	g_assert_null(plan);
	g_assert_null(list);
	g_assert_null(history);
	g_assert_null(text);

	/* Accessors answer "nothing" for a NULL run, list, plan or history. */
	g_assert_null(ckpt_run_name(NULL));
	g_assert_null(ckpt_run_root(NULL));
	g_assert_null(ckpt_run_folder(NULL));
	g_assert_null(ckpt_run_metric(NULL));
	g_assert_null(ckpt_run_problem(NULL));
	g_assert_null(ckpt_run_writer(NULL));
	g_assert_null(ckpt_run_stray(NULL, 0));
	g_assert_null(ckpt_run_epoch(NULL, 0));
	g_assert_null(ckpt_run_find_epoch(NULL, 28));
	g_assert_null(ckpt_run_ref(NULL));
	ckpt_run_unref(NULL);
	g_assert_cmpint(ckpt_run_direction(NULL), ==, 0);
	g_assert_cmpint(ckpt_run_best(NULL), ==, 0);
	g_assert_cmpint(ckpt_run_last(NULL), ==, 0);
	g_assert_cmpint(ckpt_run_best_state(NULL), ==, CKPT_LINK_MISSING);
	g_assert_cmpint(ckpt_run_last_state(NULL), ==, CKPT_LINK_MISSING);
	g_assert_cmpint(ckpt_run_work_leftover(NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_stray_count(NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_epoch_count(NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_total_bytes(NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_list_count(NULL), ==, 0);
	g_assert_null(ckpt_run_list_get(NULL, 0));
	g_assert_cmpuint(ckpt_run_list_problems(NULL), ==, 0);
	g_assert_null(ckpt_run_list_problem(NULL, 0));
	ckpt_run_list_free(NULL);
	g_assert_cmpuint(ckpt_clean_plan_count(NULL), ==, 0);
	g_assert_null(ckpt_clean_plan_item(NULL, 0));
	g_assert_cmpuint(ckpt_clean_plan_bytes_freed(NULL), ==, 0);
	g_assert_cmpint(ckpt_clean_plan_removes_work(NULL), ==, 0);
	ckpt_clean_plan_free(NULL);
	g_assert_cmpuint(ckpt_history_count(NULL), ==, 0);
	g_assert_null(ckpt_history_get(NULL, 0));
	g_assert_cmpuint(ckpt_history_session_count(NULL), ==, 0);
	g_assert_null(ckpt_history_metric(NULL));
	g_assert_cmpint(ckpt_history_direction(NULL), ==, 0);
	ckpt_history_free(NULL);
	ckpt_run_unref(run);
	g_free(path);
	fixture_free(&f);
}

/* ---- read-only trees -------------------------------------------------- */

#define NOBODY 65534

/* Runs fn(payload) in a child without the power to write the tree: as root
 * (CI), permissions stop nothing, so the child drops to an unprivileged uid.
 * fn's results come back through the pipe; returns how many ints were read. */
static size_t run_unprivileged(int (*fn)(int *results, size_t n, void *payload), void *payload,
			       int *results, size_t n)
{
	int fds[2];
	g_assert_cmpint(pipe(fds), ==, 0);
	pid_t pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		close(fds[0]);
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0))
			_exit(2);
		int filled = fn(results, n, payload);
		ssize_t want = (ssize_t)((size_t)filled * sizeof *results);
		_exit(write(fds[1], results, (size_t)want) == want ? 0 : 3);
	}
	close(fds[1]);
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	ssize_t got = read(fds[0], results, n * sizeof *results);
	close(fds[0]);
	g_assert_cmpint(got, >=, 0);
	return (size_t)got / sizeof *results;
}

static void chmod_dirs(const char *dir, mode_t mode)
{
	g_assert_cmpint(chmod(dir, mode), ==, 0);
	GDir *d = g_dir_open(dir, 0, NULL);
	g_assert_nonnull(d);
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *child = g_build_filename(dir, name, NULL);
		struct stat st;
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
			chmod_dirs(child, mode);
		g_free(child);
	}
	g_dir_close(d);
}

/* The operations, each with whether its error names a path of the run. */
static int every_write_op(int *results, size_t n, void *payload)
{
	const char *root = payload;
	ckpt_run *run = NULL;
	if (n < 8 || ckpt_run_open(&run, root) != 0)
		return 0;
	results[0] = ckpt_rollback(NULL, run, 27, 0);
	results[1] = strstr(ckpt_error_last(), root) != NULL;
	ckpt_clean_plan *plan = NULL;
	results[2] = ckpt_clean_plan_new(&plan, run, 1, CKPT_KEEP_LINEAR);
	results[3] = plan ? ckpt_clean_apply(plan, NULL) : 1;
	results[4] = strstr(ckpt_error_last(), root) != NULL;
	ckpt_clean_plan_free(plan);
	results[5] = ckpt_relink(NULL, run);
	results[6] = strstr(ckpt_error_last(), root) != NULL;
	ckpt_verify_result verify[5];
	results[7] = ckpt_verify_run(verify, run, NULL);
	ckpt_run_unref(run);
	return 8;
}

static void check_read_only_run(bool lock_writable)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	g_assert_cmpint(chmod(f.dir, 0755), ==, 0);
	char *root = root_of(&f, "nt3-lr0.01");
	char *lock = g_build_filename(root, "ckpt.lock", NULL);
	if (lock_writable) {
		/* The lock can be taken: the operations themselves must fail cleanly. */
		tu_write(lock, "");
		g_assert_cmpint(chmod(lock, 0666), ==, 0);
		char *log = g_build_filename(root, "ckpt.log", NULL);
		g_assert_cmpint(chmod(log, 0666), ==, 0);
		g_free(log);
	}
	chmod_dirs(root, 0555);
	char *before = snapshot(root);
	int results[8];
	g_assert_cmpuint(run_unprivileged(every_write_op, root, results, 8), ==, 8);
	char *after = snapshot(root);
	chmod_dirs(root, 0755);
	g_assert_cmpint(results[0], ==, CKPT_EIO);
	g_assert_true(results[1]);
	g_assert_cmpint(results[2], ==, 0);
	g_assert_cmpint(results[3], ==, CKPT_EIO);
	g_assert_true(results[4]);
	g_assert_cmpint(results[5], ==, CKPT_EIO);
	g_assert_true(results[6]);
	g_assert_cmpint(results[7], ==, 0); /* reading needs no write permission */
	g_assert_cmpstr(before, ==, after);
	g_free(before), g_free(after), g_free(lock), g_free(root);
	fixture_free(&f);
}

static void test_read_only_tree_without_lock_file(void)
{
	check_read_only_run(false);
}

static void test_read_only_tree_with_writable_lock(void)
{
	check_read_only_run(true);
}

static int verify_as_child(int *results, size_t n, void *payload)
{
	ckpt_run *run = NULL;
	if (n < 6 || ckpt_run_open(&run, payload) != 0)
		return 0;
	ckpt_verify_result verify[5];
	int rc = ckpt_verify_run(verify, run, NULL);
	ckpt_run_unref(run);
	if (rc)
		return 0;
	results[0] = rc;
	for (size_t i = 0; i < 5; i++)
		results[i + 1] = (int)verify[i];
	return 6;
}

static void test_verify_unreadable_model(void)
{
	fixture f;
	if (!fixture_init(&f))
		return;
	g_assert_cmpint(chmod(f.dir, 0755), ==, 0);
	char *root = root_of(&f, "nt3-lr0.01");
	char *model = epoch_path(root, 27, "model.h5");
	g_assert_cmpint(chmod(model, 0), ==, 0);
	int results[6];
	g_assert_cmpuint(run_unprivileged(verify_as_child, root, results, 6), ==, 6);
	g_assert_cmpstr(ckpt_verify_result_name(results[1]), ==, "ok");
	g_assert_cmpstr(ckpt_verify_result_name(results[2]), ==, "unreadable");
	g_assert_cmpstr(ckpt_verify_result_name(results[3]), ==, "ok");
	g_free(model), g_free(root);
	fixture_free(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/ops/verify/fixtures-match-expect-json",
			test_verify_fixtures_match_expect);
	g_test_add_func("/ckpt/ops/verify/single-epoch-results-and-unknown-epoch",
			test_verify_single_epoch);
	g_test_add_func("/ckpt/ops/verify/progress-over-run-bytes-and-cancel",
			test_verify_progress_and_cancel);
	g_test_add_func("/ckpt/ops/verify/sha256-ok-then-mismatch-after-bit-flip",
			test_verify_sha256_ok_then_mismatch);
	g_test_add_func("/ckpt/ops/verify/unknown-form-mismatch-disabled-no-checksum-missing-model",
			test_verify_unknown_disabled_and_missing);
	g_test_add_func("/ckpt/ops/verify/permission-denied-model-is-unreadable",
			test_verify_unreadable_model);
	g_test_add_func("/ckpt/ops/verify/epoch-removed-meanwhile-is-gone",
			test_verify_epoch_removed_meanwhile_is_gone);
	g_test_add_func("/ckpt/ops/verify/info-of-another-epoch-is-no-info",
			test_verify_info_of_another_epoch_is_no_info);
	g_test_add_func("/ckpt/ops/rollback/last-becomes-relative-and-logged",
			test_rollback_points_last_relative_and_logs);
	g_test_add_func("/ckpt/ops/rollback/damaged-epochs-refused-unless-forced",
			test_rollback_refuses_damaged_epochs_unless_forced);
	g_test_add_func("/ckpt/ops/rollback/incomplete-epochs-refused-disabled-checksum-allowed",
			test_rollback_refuses_incomplete_epochs);
	g_test_add_func("/ckpt/ops/rollback/dry-run-changes-nothing",
			test_rollback_dry_run_changes_nothing);
	g_test_add_func("/ckpt/ops/rollback/nonexistent-epoch-not-found",
			test_rollback_nonexistent_epoch);
	g_test_add_func("/ckpt/ops/rollback/refused-while-writer-holds-lock",
			test_rollback_refused_while_locked);
	g_test_add_func("/ckpt/ops/clean/plan-keep-2-reasons-bytes-and-keep-0-rejected",
			test_clean_plan_reasons_and_bytes);
	g_test_add_func("/ckpt/ops/clean/apply-removes-exactly-the-planned-epochs",
			test_clean_apply_removes_exactly_the_plan);
	g_test_add_func("/ckpt/ops/clean/stale-plan-refused-after-last-or-best-moved",
			test_clean_stale_plan_refused);
	g_test_add_func("/ckpt/ops/clean/leftover-work-removed-unseen-work-refused",
			test_clean_removes_leftover_work);
	g_test_add_func("/ckpt/ops/clean/live-writer-keeps-work-and-refuses-apply",
			test_clean_keeps_work_of_live_writer);
	g_test_add_func("/ckpt/ops/clean/strays-and-outside-sentinel-untouched",
			test_clean_never_touches_strays_or_outside);
	g_test_add_func("/ckpt/ops/clean/epoch-replaced-by-link-after-plan-is-skipped",
			test_clean_skips_epoch_replaced_by_link);
	g_test_add_func("/ckpt/ops/clean/exponential-and-all-modes",
			test_clean_modes_exponential_and_all);
	g_test_add_func("/ckpt/ops/clean/cancel-before-first-epoch-deletes-nothing",
			test_clean_cancel_before_first_epoch);
	g_test_add_func("/ckpt/ops/relink/fixture-runs-become-relative-then-no-op",
			test_relink_every_fixture_run);
	g_test_add_func("/ckpt/ops/relink/absolute-ok-link-rewritten-and-lock-refused",
			test_relink_absolute_ok_link_and_lock);
	g_test_add_func("/ckpt/ops/links/absolute-into-original-copy-shown-kept-and-relinked",
			test_links_into_original_copy);
	g_test_add_func("/ckpt/ops/api/null-arguments-einval-accessors-nothing",
			test_null_arguments_are_einval);
	g_test_add_func("/ckpt/ops/read-only/no-lock-file-eio-naming-path-tree-unchanged",
			test_read_only_tree_without_lock_file);
	g_test_add_func("/ckpt/ops/read-only/writable-lock-eio-naming-path-tree-unchanged",
			test_read_only_tree_with_writable_lock);
	return g_test_run();
}
