/* test-writer.c: the writer end to end on real files: what a run leaves on
 * disk field by field, checksums, stale work/, restart (from our trees and
 * the original's fixtures), rollback replacement, the lock, and failures. */
#include "internal.h"
#include "testutil.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

/* ---- helpers ---------------------------------------------------------- */

/* The engine's fsync calls resolve to this one (the program defines it), so
 * that a test can see which directories were synced. */
static GPtrArray *synced; /* canonical paths, while a test records them */

int fsync(int fd)
{
	if (synced) {
		char link[64], path[4096];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t len = readlink(link, path, sizeof path - 1);
		if (len > 0) {
			path[len] = '\0';
			g_ptr_array_add(synced, g_strdup(path));
		}
	}
	return (int)syscall(SYS_fsync, fd);
}

static bool was_synced(const char *path)
{
	char *canonical = realpath(path, NULL);
	g_assert_nonnull(canonical);
	bool found = false;
	for (guint i = 0; i < synced->len && !found; i++)
		found = strcmp(synced->pdata[i], canonical) == 0;
	free(canonical);
	return found;
}

typedef struct model_io {
	const char *tag;    /* written into every model */
	int fail_at;        /* epoch whose write fails (0: none) */
	bool write_nothing; /* returns success without a file */
	int writes;
	int loads;
	char loaded[4096];
	char *loaded_bytes;
} model_io;

/* The model bytes written for an epoch: "<tag> model <n>" repeated. */
static char *model_bytes(const char *tag, int n)
{
	GString *s = g_string_new("\x89HDF\r\n\x1a\n");
	for (int i = 0; i < 50; i++)
		g_string_append_printf(s, "%s model %d\n", tag, n);
	return g_string_free(s, FALSE);
}

static int write_model(const char *path, void *payload)
{
	model_io *io = payload;
	io->writes++;
	if (io->fail_at == io->writes)
		return 1;
	if (io->write_nothing)
		return 0;
	char *bytes = model_bytes(io->tag, io->writes);
	tu_write(path, bytes);
	g_free(bytes);
	return 0;
}

static int load_model(const char *path, void *payload)
{
	model_io *io = payload;
	io->loads++;
	g_strlcpy(io->loaded, path, sizeof io->loaded);
	g_free(io->loaded_bytes);
	io->loaded_bytes = tu_read(path, NULL);
	return io->loaded_bytes ? 0 : 1;
}

/* A writer on root with "key", "value" pairs (NULL-terminated) set. */
static ckpt_writer *writer_with(const char *root, model_io *io, ...)
{
	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", root), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "5"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_fsync", "false"), ==, 0);
	va_list ap;
	va_start(ap, io);
	const char *key;
	while ((key = va_arg(ap, const char *)) != NULL)
		g_assert_cmpint(ckpt_params_set(params, key, va_arg(ap, const char *)), ==, 0);
	va_end(ap);
	ckpt_writer *w = NULL;
	int rc = ckpt_writer_new(&w, params);
	if (rc)
		g_test_message("ckpt_writer_new: %s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	ckpt_params_free(params);
	ckpt_writer_set_model_io(w, write_model, load_model, io);
	return w;
}

static ckpt_epoch_result epoch(ckpt_writer *w, long epoch1, char direction, double value)
{
	ckpt_epoch_result out;
	int rc = ckpt_writer_epoch(w, epoch1 - 1, direction, value, NULL, 0, &out);
	if (rc)
		g_test_message("epoch %ld: %s", epoch1, ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpint(out.epoch, ==, epoch1);
	return out;
}

static int compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "001 004" for the epoch directories under root/epochs. */
static char *epoch_dirs(const char *root)
{
	char *dir = g_build_filename(root, "epochs", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	g_free(dir);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while (d && (name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, compare_names);
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < names->len; i++)
		g_string_append_printf(out, "%s%s", i ? " " : "", (char *)names->pdata[i]);
	g_ptr_array_free(names, TRUE);
	return g_string_free(out, FALSE);
}

static char *path_in(const char *root, const char *a, const char *b, const char *c)
{
	return g_build_filename(root, a, b, c, NULL);
}

/* The messages of root/ckpt.log, the "date time CandleCkpt: " prefix checked and cut. */
static GPtrArray *log_messages(const char *root)
{
	char *path = g_build_filename(root, "ckpt.log", NULL);
	char *text = tu_read(path, NULL);
	g_free(path);
	g_assert_nonnull(text);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	char **lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (!**l)
			continue;
		g_assert_true(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d "
						   "CandleCkpt: ",
						   *l, 0, 0));
		g_ptr_array_add(out, g_strdup(*l + strlen("2026-03-02 09:00:18 CandleCkpt: ")));
	}
	g_strfreev(lines);
	g_free(text);
	return out;
}

/* Asserts that `expected` (NULL-terminated) appear in this order in the log. */
static void assert_log_sequence(const char *root, const char *const *expected)
{
	GPtrArray *messages = log_messages(root);
	guint at = 0;
	for (const char *const *e = expected; *e; e++) {
		while (at < messages->len && strcmp(messages->pdata[at], *e) != 0)
			at++;
		if (at == messages->len)
			g_error("ckpt.log: missing (in order) \"%s\"", *e);
		at++;
	}
	g_ptr_array_free(messages, TRUE);
}

static bool log_has(const char *root, const char *message)
{
	GPtrArray *messages = log_messages(root);
	bool found = false;
	for (guint i = 0; i < messages->len && !found; i++)
		found = strcmp(messages->pdata[i], message) == 0;
	g_ptr_array_free(messages, TRUE);
	return found;
}

static void read_info(ckpt_info *info, const char *root, const char *dir)
{
	char *path = path_in(root, "epochs", dir, "ckpt-info.json");
	memset(info, 0, sizeof *info);
	int rc = ckpt_info_read(info, path);
	if (rc)
		g_test_message("%s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	g_free(path);
}

static void assert_model(const char *root, const char *dir, const char *tag, int n)
{
	char *path = path_in(root, "epochs", dir, "model.h5");
	char *bytes = tu_read(path, NULL);
	char *want = model_bytes(tag, n);
	g_assert_cmpstr(bytes, ==, want);
	g_free(path);
	g_free(bytes);
	g_free(want);
}

static void assert_link(const char *root, const char *name, const char *target)
{
	char *path = g_build_filename(root, name, NULL);
	char *got = tu_readlink(path);
	g_assert_cmpstr(got, ==, target);
	g_free(got);
	g_free(path);
}

/* ---- a run on disk ---------------------------------------------------- */

static void test_run_on_disk(void)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "ckpts", NULL);
	model_io io = {.tag = "run"};
	ckpt_writer *w = writer_with(root, &io, "ckpt_keep_limit", "2", "ckpt_save_interval", "2",
				     "ckpt_checksum", "true", "metadata", "job=1", NULL);
	g_assert_cmpstr(ckpt_writer_root(w), ==, root);
	g_assert_true(epoch(w, 1, '-', 1.0).became_best);
	g_assert_true(epoch(w, 2, '-', 0.8).saved);
	ckpt_epoch_result r3 = epoch(w, 3, '-', 0.9);
	g_assert_false(r3.saved);
	g_assert_cmpint(r3.best_epoch, ==, 2);
	ckpt_epoch_result r4 = epoch(w, 4, '-', 0.7);
	g_assert_true(r4.became_best);
	g_assert_cmpint(r4.deleted_count, ==, 1); /* epoch 1 */
	const ckpt_metric extra[] = {{"loss", 0.5}, {"acc", 0.25}};
	ckpt_epoch_result r5;
	g_assert_cmpint(ckpt_writer_epoch(w, 4, '-', 0.75, extra, 2, &r5), ==, 0);
	g_assert_true(r5.saved && !r5.became_best);
	g_assert_cmpint(r5.best_epoch, ==, 4);
	g_assert_cmpfloat(r5.best_value, ==, 0.7);
	g_assert_cmpint(r5.deleted_count, ==, 1); /* epoch 2: limit 2, best 4 counts */
	g_assert_cmpint(ckpt_writer_report_final(w), ==, 0);

	char *dirs = epoch_dirs(root);
	g_assert_cmpstr(dirs, ==, "004 005");
	g_free(dirs);
	char *work = g_build_filename(root, "work", NULL);
	g_assert_false(tu_exists(work));
	g_free(work);
	assert_link(root, "best", "epochs/004");
	assert_link(root, "last", "epochs/005");
	assert_model(root, "004", "run", 3);
	assert_model(root, "005", "run", 4);

	ckpt_info info;
	read_info(&info, root, "005");
	g_assert_cmpint(info.epoch, ==, 5);
	g_assert_cmpstr(info.save_best_metric, ==, "val_loss");
	g_assert_true(info.has_best_metric_last);
	g_assert_cmpfloat(info.best_metric_last, ==, 0.7);
	g_assert_cmpstr(info.model_file, ==, "model.h5");
	g_assert_true(g_regex_match_simple("^[0-9]+$", info.checksum, 0, 0));
	g_assert_true(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$",
					   info.timestamp, 0, 0));
	g_assert_false(info.first);
	g_assert_true(info.has_time_elapsed && info.time_elapsed >= 0.0);
	g_assert_cmpstr(info.metadata, ==, "job=1");
	g_assert_true(info.has_metric_value);
	g_assert_cmpfloat(info.metric_value, ==, 0.75);
	g_assert_cmpint(info.direction, ==, '-');
	ckpt_info_clear(&info);
	char *raw_path = path_in(root, "epochs", "005", "ckpt-info.json");
	char *raw = tu_read(raw_path, NULL);
	g_assert_true(g_str_has_prefix(raw,
				       "{\"epoch\": 5, \"save_best_metric\": \"val_loss\", "
				       "\"best_metric_last\": 0.7, \"model_file\": \"model.h5\", "
				       "\"checksum\": \""));
	g_assert_nonnull(strstr(raw, "\"metadata\": \"job=1\""));
	g_assert_nonnull(strstr(raw, "\"loss\": 0.5"));
	g_assert_nonnull(strstr(raw, "\"acc\": 0.25"));
	g_free(raw);
	g_free(raw_path);

	const char *const sequence[] = {"save_interval: 2",
					"Callback initialized.",
					"metadata='job=1'",
					"save_best_metric='val_loss'",
					"metrics: val_loss: current=1.000000 < last=inf",
					"writing model to: 'ckpts/work/model.h5'",
					"rename:  'ckpts/work' -> 'ckpts/epochs/001'",
					"linking: 'ckpts/best' -> 'ckpts/epochs/001'",
					"linking: 'ckpts/last' -> 'ckpts/epochs/001'",
					"clean(): checking epoch directory: 1",
					"keep(): epoch is latest: 1",
					"metrics: val_loss: current=0.900000 > last=0.800000",
					"not writing this epoch.",
					"metrics: val_loss: current=0.700000 < last=0.800000",
					"keep(): epoch is latest: 4",
					"keep(): ckpt count is < limit=2",
					"clean(): checking epoch directory: 1",
					"clean(): deleted epoch: 1",
					"metrics: val_loss: current=0.750000 > last=0.700000",
					"writing final epoch 5 ...",
					"rename:  'ckpts/work' -> 'ckpts/epochs/005'",
					"linking: 'ckpts/last' -> 'ckpts/epochs/005'",
					"keep(): epoch is best: 4",
					"clean(): deleted epoch: 2",
					"checkpoints kept: 2",
					"checkpoints list: [4, 5]",
					NULL};
	assert_log_sequence(root, sequence);
	char *cwd = g_get_current_dir();
	char *pwd_line = g_strdup_printf("PWD: %s", cwd);
	char *dir_line = g_strdup_printf("ckpt_directory: %s", root);
	char *removing = g_strdup_printf("removing: '%s/epochs/001'", root);
	char *checksumming = g_strdup_printf("checksumming: %s/work/model.h5", root);
	g_assert_true(log_has(root, pwd_line));
	g_assert_true(log_has(root, dir_line));
	g_assert_true(log_has(root, removing));
	g_assert_true(log_has(root, checksumming));
	g_free(cwd);
	g_free(pwd_line);
	g_free(dir_line);
	g_free(removing);
	g_free(checksumming);

	/* Our own log parser reads the writer's log as an original one. */
	char *log_path = g_build_filename(root, "ckpt.log", NULL);
	ckpt_log_summary summary;
	g_assert_cmpint(ckpt_log_parse_file(&summary, log_path), ==, 0);
	g_assert_cmpuint(summary.n_epochs, ==, 5);
	g_assert_true(summary.epochs[0].saved && summary.epochs[0].became_best);
	g_assert_false(summary.epochs[2].saved);
	g_assert_true(summary.epochs[4].saved && !summary.epochs[4].became_best);
	g_assert_cmpfloat(summary.epochs[3].value, ==, 0.7);
	ckpt_log_summary_clear(&summary);
	g_free(log_path);

	/* metrics.jsonl: one line per call, saved or not. */
	char *history_path = g_build_filename(root, "metrics.jsonl", NULL);
	gsize len;
	char *text = tu_read(history_path, &len);
	ckpt_history *history;
	g_assert_cmpint(ckpt_history_parse(&history, text, len), ==, 0);
	g_assert_cmpuint(ckpt_history_count(history), ==, 5);
	const ckpt_history_point *p3 = ckpt_history_get(history, 2);
	g_assert_cmpint(p3->epoch, ==, 3);
	g_assert_false(p3->saved);
	g_assert_cmpfloat(p3->value, ==, 0.9);
	const ckpt_history_point *p4 = ckpt_history_get(history, 3);
	g_assert_true(p4->saved && p4->became_best);
	const ckpt_history_point *p5 = ckpt_history_get(history, 4);
	g_assert_cmpuint(p5->n_extra, ==, 2);
	g_assert_cmpstr(p5->extra[0].name, ==, "loss");
	g_assert_cmpstr(ckpt_history_metric(history), ==, "val_loss");
	ckpt_history_free(history);
	g_free(text);
	g_free(history_path);

	ckpt_writer_free(w);
	tu_rmtree(tmp);
	g_free(root);
	g_free(tmp);
}

static void test_first_epoch_time_elapsed(void)
{
	char *tmp = tu_tmpdir();
	model_io io = {.tag = "first"};
	ckpt_writer *w = writer_with(tmp, &io, "ckpt_keep_mode", "all", NULL);
	epoch(w, 1, '-', 1.0);
	epoch(w, 2, '-', 2.0);
	ckpt_info info;
	read_info(&info, tmp, "001");
	g_assert_true(info.first);
	g_assert_false(info.has_time_elapsed);
	ckpt_info_clear(&info);
	read_info(&info, tmp, "002");
	g_assert_false(info.first);
	g_assert_true(info.has_time_elapsed);
	g_assert_cmpfloat(info.best_metric_last, ==, 1.0); /* 2.0 did not improve */
	ckpt_info_clear(&info);
	char *raw_path = path_in(tmp, "epochs", "001", "ckpt-info.json");
	char *raw = tu_read(raw_path, NULL);
	g_assert_nonnull(strstr(raw, "\"time_elapsed\": \"__FIRST__\""));
	g_assert_nonnull(strstr(raw, "\"checksum\": \"__DISABLED__\""));
	g_assert_nonnull(strstr(raw, "\"metadata\": null"));
	g_free(raw);
	g_free(raw_path);
	ckpt_writer_free(w);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_infinity_written_without_save_best(void)
{
	char *tmp = tu_tmpdir();
	model_io io = {.tag = "inf"};
	ckpt_writer *w = writer_with(tmp, &io, "ckpt_save_best", "false", NULL);
	ckpt_epoch_result r = epoch(w, 1, '-', 0.5);
	g_assert_true(r.saved && !r.became_best);
	char *link = g_build_filename(tmp, "best", NULL);
	g_assert_false(tu_exists(link));
	g_free(link);
	char *raw_path = path_in(tmp, "epochs", "001", "ckpt-info.json");
	char *raw = tu_read(raw_path, NULL);
	g_assert_nonnull(strstr(raw, "\"best_metric_last\": Infinity,"));
	g_free(raw);
	g_free(raw_path);
	/* No "metrics:" line without save_best, as the original. */
	g_assert_false(log_has(tmp, "metrics: val_loss: current=0.500000 < last=inf"));
	ckpt_writer_free(w);

	/* The same for '+': the original writes Infinity whatever the direction. */
	char *plus = g_build_filename(tmp, "plus", NULL);
	w = writer_with(plus, &io, "ckpt_save_best", "false", NULL);
	g_assert_true(epoch(w, 1, '+', 0.5).saved);
	char *plus_path = path_in(plus, "epochs", "001", "ckpt-info.json");
	char *plus_raw = tu_read(plus_path, NULL);
	g_assert_nonnull(strstr(plus_raw, "\"best_metric_last\": Infinity,"));
	g_free(plus_raw), g_free(plus_path), g_free(plus);
	ckpt_writer_free(w);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_checksums_stored(void)
{
	const char *algorithms[] = {"crc32", "sha256"};
	for (int a = 0; a < 2; a++) {
		char *tmp = tu_tmpdir();
		model_io io = {.tag = "sum"};
		ckpt_writer *w = writer_with(tmp, &io, "ckpt_checksum", "true",
					     "ckpt_checksum_algorithm", algorithms[a], NULL);
		epoch(w, 1, '-', 1.0);
		char *model = path_in(tmp, "epochs", "001", "model.h5");
		gsize len;
		char *bytes = tu_read(model, &len);
		char *want;
		if (a == 0) {
			uLong crc = crc32(0L, (const Bytef *)bytes, (uInt)len);
			want = g_strdup_printf("%lu", crc);
		} else {
			char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
								(const guchar *)bytes, len);
			want = g_strdup_printf("sha256:%s", hex);
			g_free(hex);
		}
		ckpt_info info;
		read_info(&info, tmp, "001");
		g_assert_cmpstr(info.checksum, ==, want);
		ckpt_info_clear(&info);
		g_free(want);
		g_free(bytes);
		g_free(model);
		ckpt_writer_free(w);
		tu_rmtree(tmp);
		g_free(tmp);
	}
}

static void test_stale_work_replaced(void)
{
	char *tmp = tu_tmpdir();
	char *work = g_build_filename(tmp, "work", NULL);
	g_assert_cmpint(g_mkdir_with_parents(work, 0755), ==, 0);
	char *junk = g_build_filename(work, "junk.txt", NULL);
	char *old_model = g_build_filename(work, "model.h5", NULL);
	tu_write(junk, "left by a crash");
	tu_write(old_model, "partial");
	model_io io = {.tag = "fresh"};
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	epoch(w, 1, '-', 1.0);
	g_assert_false(tu_exists(work));
	char *listing_dir = path_in(tmp, "epochs", "001", NULL);
	GDir *d = g_dir_open(listing_dir, 0, NULL);
	int n = 0;
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL) {
		g_assert_true(!strcmp(name, "model.h5") || !strcmp(name, "ckpt-info.json"));
		n++;
	}
	g_dir_close(d);
	g_assert_cmpint(n, ==, 2);
	assert_model(tmp, "001", "fresh", 1);
	ckpt_writer_free(w);
	g_free(listing_dir);
	g_free(junk);
	g_free(old_model);
	g_free(work);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_stale_work_symlink_not_followed(void)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "ckpts", NULL);
	char *outside = g_build_filename(tmp, "outside", NULL);
	char *sentinel = g_build_filename(outside, "sentinel", NULL);
	char *work = g_build_filename(root, "work", NULL);
	g_assert_cmpint(g_mkdir_with_parents(root, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(outside, 0755), ==, 0);
	tu_write(sentinel, "must survive");
	g_assert_cmpint(symlink(outside, work), ==, 0);
	model_io io = {.tag = "safe"};
	ckpt_writer *w = writer_with(root, &io, NULL);
	epoch(w, 1, '-', 1.0);
	char *kept = tu_read(sentinel, NULL);
	g_assert_cmpstr(kept, ==, "must survive");
	g_free(kept);
	g_assert_false(tu_exists(work));
	char *epoch_dir = path_in(root, "epochs", "001", NULL);
	struct stat st;
	g_assert_cmpint(lstat(epoch_dir, &st), ==, 0);
	g_assert_true(S_ISDIR(st.st_mode));
	char *outside_model = g_build_filename(outside, "model.h5", NULL);
	g_assert_false(tu_exists(outside_model));
	ckpt_writer_free(w);
	g_free(outside_model);
	g_free(epoch_dir);
	g_free(work);
	g_free(sentinel);
	g_free(outside);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- restart ---------------------------------------------------------- */

static void save_epochs(const char *root, const char *tag, const double *values, int n, ...)
{
	model_io io = {.tag = tag};
	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", root), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "5"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_fsync", "false"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_keep_mode", "all"), ==, 0);
	va_list ap;
	va_start(ap, n);
	const char *key;
	while ((key = va_arg(ap, const char *)) != NULL)
		g_assert_cmpint(ckpt_params_set(params, key, va_arg(ap, const char *)), ==, 0);
	va_end(ap);
	ckpt_writer *w;
	g_assert_cmpint(ckpt_writer_new(&w, params), ==, 0);
	ckpt_params_free(params);
	ckpt_writer_set_model_io(w, write_model, NULL, &io);
	for (int i = 0; i < n; i++)
		epoch(w, i + 1, '-', values[i]);
	ckpt_writer_free(w);
}

static int restart(ckpt_writer *w, ckpt_restart_info *out)
{
	int rc = ckpt_writer_restart(w, out);
	g_test_message("restart: %d %s", rc, rc ? ckpt_error_last() : "");
	return rc;
}

static void test_restart_resumes_with_best(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0, 0.5, 0.8};
	save_epochs(tmp, "a", values, 3, NULL);
	model_io io = {.tag = "b"};
	ckpt_writer *w = writer_with(tmp, &io, "ckpt_keep_limit", "1", NULL);
	ckpt_restart_info r;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_true(r.restarted);
	g_assert_cmpint(r.epoch, ==, 3);
	g_assert_cmpfloat(r.best_metric_last, ==, 0.5);
	char *model = path_in(tmp, "epochs", "003", "model.h5");
	g_assert_cmpstr(r.model_path, ==, model);
	g_assert_cmpint(io.loads, ==, 1);
	g_assert_cmpstr(io.loaded, ==, model);
	char *want = model_bytes("a", 3);
	g_assert_cmpstr(io.loaded_bytes, ==, want);
	char *line = g_strdup_printf("restarting: '%s/last/model.h5'", tmp);
	const char *const sequence[] = {"Callback initialized.", line, "restarting from epoch: 3",
					NULL};
	assert_log_sequence(tmp, sequence);

	ckpt_epoch_result r4 = epoch(w, 4, '-', 0.6);
	g_assert_true(r4.saved && !r4.became_best);
	g_assert_cmpint(r4.best_epoch, ==, 0);
	g_assert_true(log_has(tmp, "metrics: val_loss: current=0.600000 > last=0.500000"));
	ckpt_epoch_result r5 = epoch(w, 5, '-', 0.4);
	g_assert_true(r5.became_best);
	assert_link(tmp, "best", "epochs/005");
	assert_link(tmp, "last", "epochs/005");
	/* Retention ran over this session's 4 and 5 only. */
	char *dirs = epoch_dirs(tmp);
	g_assert_cmpstr(dirs, ==, "001 002 003 005");
	char *log_path = g_build_filename(tmp, "ckpt.log", NULL);
	ckpt_log_summary summary;
	g_assert_cmpint(ckpt_log_parse_file(&summary, log_path), ==, 0);
	g_assert_cmpint(summary.n_sessions, ==, 2);
	ckpt_log_summary_clear(&summary);
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	g_free(log_path);
	g_free(dirs);
	g_free(line);
	g_free(want);
	g_free(model);
	tu_rmtree(tmp);
	g_free(tmp);
}

typedef struct fixture_case {
	const char *run;
	const char *root;
	long last;
	double best;
	gsize model_bytes;
} fixture_case;

static void test_restart_from_fixtures(void)
{
	char *tmp = tu_tmpdir();
	char *exp = tu_unpack_fixtures(tmp);
	if (!exp) {
		tu_rmtree(tmp);
		g_free(tmp);
		return;
	}
	const fixture_case cases[] = {
	    {"nt3-lr0.01", "ckpts", 30, 0.206222, 262144},
	    {"nt3-lr0.001", "ckpts", 30, 0.356323, 262144},
	    {"legacy-p1b1", "save/ckpts", 12, 0.326467, 65536},
	    {"tc1-acc", "ckpts", 15, INFINITY, 32768},
	    {"long-1200", "ckpts", 1200, 0.132033, 4096},
	    {"resumed", "ckpts", 20, 0.249548, 65536},
	    /* Damaged elsewhere (27, 28, 29, work/): 030 itself is sound. */
	    {"corrupt-nt3", "ckpts", 30, 0.206222, 262144},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const fixture_case *c = &cases[i];
		g_test_message("fixture %s", c->run);
		char *root = g_build_filename(exp, c->run, c->root, NULL);
		model_io io = {.tag = "resume"};
		ckpt_writer *w =
		    writer_with(root, &io, "epochs", "2000", "ckpt_checksum", "true", NULL);
		ckpt_restart_info r;
		g_assert_cmpint(restart(w, &r), ==, 0);
		g_assert_true(r.restarted);
		g_assert_cmpint(r.epoch, ==, c->last);
		if (isinf(c->best))
			g_assert_true(isinf(r.best_metric_last) && r.best_metric_last > 0);
		else
			g_assert_cmpfloat(r.best_metric_last, ==, c->best);
		char name[32];
		ckpt_epoch_dir_name(name, c->last);
		char *model = path_in(root, "epochs", name, "model.h5");
		g_assert_cmpstr(r.model_path, ==, model);
		gsize len = 0;
		char *bytes = tu_read(io.loaded, &len);
		g_assert_cmpuint(len, ==, c->model_bytes);
		g_free(bytes);
		/* The next epoch is published next to the original's, linked relatively. */
		ckpt_epoch_result next = epoch(w, c->last + 1, '-', 100.0);
		g_assert_true(next.saved);
		ckpt_epoch_dir_name(name, c->last + 1);
		char *target = g_strdup_printf("epochs/%s", name);
		assert_link(root, "last", target);
		char *previous = path_in(root, "epochs", name, NULL);
		g_assert_true(tu_exists(previous));
		g_free(previous);
		/* corrupt-nt3's leftover work/ was replaced, then published. */
		char *work = g_build_filename(root, "work", NULL);
		g_assert_false(tu_exists(work));
		g_free(work);
		g_free(target);
		g_free(model);
		g_free(io.loaded_bytes);
		ckpt_writer_free(w);
		g_free(root);
	}
	g_free(exp);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_restart_plus_after_original_infinity(void)
{
	/* tc1-acc: the original's '+' run stored Infinity; resuming must not be
	 * stuck behind it. */
	char *tmp = tu_tmpdir();
	char *exp = tu_unpack_fixtures(tmp);
	if (!exp) {
		tu_rmtree(tmp);
		g_free(tmp);
		return;
	}
	char *root = g_build_filename(exp, "tc1-acc", "ckpts", NULL);
	model_io io = {.tag = "acc"};
	ckpt_writer *w =
	    writer_with(root, &io, "epochs", "20", "ckpt_save_best_metric", "val_accuracy", NULL);
	ckpt_restart_info r;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_cmpint(r.epoch, ==, 15);
	ckpt_epoch_result next = epoch(w, 16, '+', 0.5);
	g_assert_true(next.became_best);
	assert_link(root, "best", "epochs/016");
	g_assert_true(log_has(root, "metrics: val_accuracy: current=0.500000 > last=-inf"));
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	g_free(root);
	g_free(exp);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_restart_modes(void)
{
	char *tmp = tu_tmpdir();
	char *full = g_build_filename(tmp, "full", NULL);
	char *empty = g_build_filename(tmp, "empty", NULL);
	char *dangling = g_build_filename(tmp, "dangling", NULL);
	const double values[] = {1.0};
	save_epochs(full, "m", values, 1, NULL);
	model_io io = {.tag = "m"};
	ckpt_restart_info r;

	ckpt_writer *w = writer_with(full, &io, "ckpt_restart_mode", "off", NULL);
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_false(r.restarted);
	g_assert_cmpint(io.loads, ==, 0);
	ckpt_writer_free(w);

	w = writer_with(empty, &io, NULL);
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_false(r.restarted);
	ckpt_writer_free(w);

	w = writer_with(empty, &io, "ckpt_restart_mode", "required", NULL);
	g_assert_cmpint(restart(w, &r), ==, CKPT_ENOENT);
	char *want = g_strdup_printf("restart required but %s/last/model.h5 does not exist", empty);
	g_assert_cmpstr(ckpt_error_last(), ==, want);
	g_free(want);
	ckpt_writer_free(w);

	g_assert_cmpint(g_mkdir_with_parents(dangling, 0755), ==, 0);
	char *link = g_build_filename(dangling, "last", NULL);
	g_assert_cmpint(symlink("epochs/007", link), ==, 0);
	w = writer_with(dangling, &io, "ckpt_restart_mode", "required", NULL);
	g_assert_cmpint(restart(w, &r), ==, CKPT_ENOENT);
	ckpt_writer_free(w);
	w = writer_with(dangling, &io, "ckpt_restart_mode", "auto", NULL);
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_false(r.restarted);
	ckpt_writer_free(w);

	w = writer_with(full, &io, "ckpt_restart_mode", "required", NULL);
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_true(r.restarted);
	g_assert_cmpint(io.loads, ==, 1);
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	g_free(link);
	g_free(full);
	g_free(empty);
	g_free(dangling);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_restart_require_json(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0, 0.5};
	save_epochs(tmp, "j", values, 2, NULL);
	char *info = path_in(tmp, "epochs", "002", "ckpt-info.json");
	g_assert_cmpint(unlink(info), ==, 0);
	model_io io = {.tag = "j"};
	ckpt_restart_info r;
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	g_assert_cmpint(restart(w, &r), ==, CKPT_ENOENT);
	g_assert_nonnull(strstr(ckpt_error_last(), "epochs/002/ckpt-info.json"));
	g_assert_nonnull(strstr(ckpt_error_last(), "require_json"));
	g_assert_cmpint(io.loads, ==, 0);
	ckpt_writer_free(w);
	w = writer_with(tmp, &io, "require_json", "false", NULL);
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_true(r.restarted);
	g_assert_cmpint(r.epoch, ==, 2);
	g_assert_cmpint(io.loads, ==, 1);
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	g_free(info);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_restart_info_epoch_mismatch(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0, 0.5};
	save_epochs(tmp, "e", values, 2, NULL);
	char *info = path_in(tmp, "epochs", "002", "ckpt-info.json");
	char *text = tu_read(info, NULL);
	g_assert_true(g_str_has_prefix(text, "{\"epoch\": 2,"));
	text[10] = '3';
	tu_write(info, text);
	model_io io = {.tag = "e"};
	ckpt_restart_info r;
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	g_assert_cmpint(restart(w, &r), ==, CKPT_EFORMAT);
	g_assert_nonnull(strstr(ckpt_error_last(), "'epoch'"));
	g_assert_false(r.restarted);
	g_assert_cmpint(io.loads, ==, 0);
	ckpt_writer_free(w);
	g_free(text);
	g_free(info);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_restart_checksum_mismatch_refused(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0, 0.5};
	save_epochs(tmp, "c", values, 2, "ckpt_checksum", "true", NULL);
	char *model = path_in(tmp, "epochs", "002", "model.h5");
	gsize len;
	char *bytes = tu_read(model, &len);
	bytes[20] ^= 0x01;
	tu_write_bytes(model, bytes, len);
	model_io io = {.tag = "c"};
	ckpt_restart_info r;
	ckpt_writer *w = writer_with(tmp, &io, "ckpt_checksum", "true", NULL);
	g_assert_cmpint(restart(w, &r), ==, CKPT_ECHECKSUM);
	const char *message = ckpt_error_last();
	char *want = g_strdup_printf("%s: checksum mismatch (stored ", model);
	g_assert_true(g_str_has_prefix(message, want));
	g_free(want);
	g_assert_true(g_str_has_suffix(message, "refusing to restart from epoch 2"));
	g_assert_cmpint(io.loads, ==, 0);
	ckpt_writer_free(w);
	/* Without ckpt_checksum nothing is verified, as the original. */
	w = writer_with(tmp, &io, NULL);
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_true(r.restarted);
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	g_free(bytes);
	g_free(model);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_restart_refuses_last_outside(void)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "run", NULL);
	char *other = g_build_filename(tmp, "other", NULL);
	const double values[] = {1.0};
	save_epochs(root, "r", values, 1, NULL);
	save_epochs(other, "o", values, 1, NULL);
	char *last = g_build_filename(root, "last", NULL);
	char *foreign = path_in(other, "epochs", "001", NULL);
	g_assert_cmpint(unlink(last), ==, 0);
	g_assert_cmpint(symlink(foreign, last), ==, 0);
	model_io io = {.tag = "r"};
	ckpt_restart_info r;
	ckpt_writer *w = writer_with(root, &io, NULL);
	g_assert_cmpint(restart(w, &r), ==, CKPT_EUNSAFE);
	g_assert_nonnull(strstr(ckpt_error_last(), last));
	g_assert_nonnull(strstr(ckpt_error_last(), foreign));
	g_assert_cmpint(io.loads, ==, 0);
	/* A directory where the link should be is refused too. */
	g_assert_cmpint(unlink(last), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(last, 0755), ==, 0);
	g_assert_cmpint(restart(w, &r), ==, CKPT_EUNSAFE);
	g_assert_cmpint(io.loads, ==, 0);
	ckpt_writer_free(w);
	g_free(foreign);
	g_free(last);
	g_free(other);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- rollback: saving over later epochs ------------------------------- */

static void test_rollback_replaces_later_epochs(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0, 0.9, 0.8, 0.7, 0.75};
	save_epochs(tmp, "a", values, 5, NULL);
	assert_link(tmp, "best", "epochs/004");
	g_assert_cmpint(ckpt_link_point(tmp, "last", 2, true), ==, 0);

	model_io io = {.tag = "b"};
	ckpt_writer *w = writer_with(tmp, &io, "ckpt_keep_limit", "1", NULL);
	ckpt_restart_info r;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_cmpint(r.epoch, ==, 2);
	g_assert_cmpfloat(r.best_metric_last, ==, 0.9);

	g_assert_false(epoch(w, 3, '-', 0.95).became_best);
	assert_model(tmp, "003", "b", 1);
	ckpt_info info;
	read_info(&info, tmp, "003");
	g_assert_cmpint(info.epoch, ==, 3);
	g_assert_cmpfloat(info.metric_value, ==, 0.95);
	ckpt_info_clear(&info);
	assert_model(tmp, "004", "a", 4); /* not saved again yet: untouched */
	char *base = g_path_get_basename(tmp);
	char *remove_line = g_strdup_printf("remove:  '%s/epochs/003'", base);
	char *rename_line = g_strdup_printf("rename:  '%s/work' -> '%s/epochs/003'", base, base);
	const char *const sequence[] = {remove_line, rename_line, NULL};
	assert_log_sequence(tmp, sequence);

	/* 0.75 improves on the resumed best (0.9) but not on the model `best`
	 * names (epoch 4, 0.7): that one is kept, this epoch is not saved, and
	 * the kept model's value becomes the best so far. */
	ckpt_epoch_result r4 = epoch(w, 4, '-', 0.75);
	g_assert_false(r4.saved || r4.became_best);
	g_assert_cmpint(r4.best_epoch, ==, 4);
	g_assert_cmpfloat(r4.best_value, ==, 0.7);
	assert_model(tmp, "004", "a", 4);
	const char *const refused[] = {"metrics: val_loss: current=0.750000 < last=0.900000",
				       "not replacing epoch 4: 'best' names it and its model "
				       "(0.700000) is better than this one (0.750000)",
				       "not writing this epoch.", NULL};
	assert_log_sequence(tmp, refused);
	g_assert_false(log_has(tmp, "keep(): epoch is best: 4: its model (0.700000) is not "
				    "replaced by a worse one (0.750000)"));
	assert_link(tmp, "best", "epochs/004");
	assert_link(tmp, "last", "epochs/003");

	/* 5 (final) replaces the old 5; 0.72 beats the resumed 0.9 but not the
	 * kept 0.7, so best stays on 4. 3 goes (limit 1); 4 stays: best names it. */
	ckpt_epoch_result r5 = epoch(w, 5, '-', 0.72);
	g_assert_true(r5.saved);
	g_assert_false(r5.became_best);
	g_assert_cmpint(r5.best_epoch, ==, 4);
	assert_link(tmp, "best", "epochs/004");
	assert_model(tmp, "005", "b", 2);
	char *dirs = epoch_dirs(tmp);
	g_assert_cmpstr(dirs, ==, "001 002 004 005");
	g_free(dirs);
	assert_link(tmp, "last", "epochs/005");
	char *work = g_build_filename(tmp, "work", NULL);
	char *work_old = g_build_filename(tmp, "work.old", NULL);
	g_assert_false(tu_exists(work));
	g_assert_false(tu_exists(work_old));
	read_info(&info, tmp, "005");
	g_assert_cmpint(info.epoch, ==, 5);
	g_assert_cmpfloat(info.metric_value, ==, 0.72);
	g_assert_cmpfloat(info.best_metric_last, ==, 0.7);
	ckpt_info_clear(&info);
	ckpt_writer_free(w);

	/* A better model does replace the best's epoch, and stays best. */
	g_assert_cmpint(ckpt_link_point(tmp, "last", 2, true), ==, 0);
	model_io io2 = {.tag = "c"};
	w = writer_with(tmp, &io2, "ckpt_keep_mode", "all", NULL);
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_cmpint(r.epoch, ==, 2);
	epoch(w, 3, '-', 0.92);
	g_assert_true(epoch(w, 4, '-', 0.6).became_best);
	assert_model(tmp, "004", "c", 2);
	assert_link(tmp, "best", "epochs/004");
	dirs = epoch_dirs(tmp);
	g_assert_cmpstr(dirs, ==, "001 002 003 004 005");
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	g_free(io2.loaded_bytes);
	g_free(work);
	g_free(work_old);
	g_free(dirs);
	g_free(remove_line);
	g_free(rename_line);
	g_free(base);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- rollback: the epoch `best` names --------------------------------- */

static void test_rollback_equal_model_replaces_best(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0, 0.9, 0.8, 0.7, 0.75};
	save_epochs(tmp, "a", values, 5, NULL);
	assert_link(tmp, "best", "epochs/004");
	g_assert_cmpint(ckpt_link_point(tmp, "last", 2, true), ==, 0);
	model_io io = {.tag = "b"};
	ckpt_writer *w = writer_with(tmp, &io, "epochs", "10", "ckpt_keep_mode", "all", NULL);
	ckpt_restart_info r;
	g_assert_cmpint(restart(w, &r), ==, 0);
	epoch(w, 3, '-', 0.95);
	/* As good as the model there (0.7): not worse, so it is saved. */
	ckpt_epoch_result r4 = epoch(w, 4, '-', 0.7);
	g_assert_true(r4.saved && r4.became_best);
	assert_model(tmp, "004", "b", 2);
	assert_link(tmp, "best", "epochs/004");
	assert_link(tmp, "last", "epochs/004");
	GPtrArray *messages = log_messages(tmp);
	for (guint i = 0; i < messages->len; i++)
		g_assert_false(g_str_has_prefix(messages->pdata[i], "not replacing epoch"));
	g_ptr_array_free(messages, TRUE);
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* A 12-epoch run whose best is its last epoch (0.45), rolled back to 10. */
static void twelve_rolled_back_to_ten(const char *root)
{
	double values[12];
	for (int i = 0; i < 12; i++)
		values[i] = 1.0 - 0.05 * i;
	save_epochs(root, "a", values, 12, "epochs", "12", NULL);
	assert_link(root, "best", "epochs/012");
	g_assert_cmpint(ckpt_link_point(root, "last", 10, false), ==, 0);
}

static ckpt_writer *resume_twelve(const char *root, model_io *io)
{
	ckpt_writer *w = writer_with(root, io, "epochs", "12", "ckpt_keep_mode", "all", NULL);
	ckpt_restart_info r;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_cmpint(r.epoch, ==, 10);
	return w;
}

static void test_rollback_final_epoch_always_saved(void)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "ckpts", NULL);
	twelve_rolled_back_to_ten(root);
	model_io io = {.tag = "b"};
	ckpt_writer *w = resume_twelve(root, &io);
	g_assert_true(epoch(w, 11, '-', 0.6).saved);
	/* Worse than the resumed best (0.55) and than the model `best` names
	 * (0.45), but final: saved, and `best` stays on it, the model there gone. */
	ckpt_epoch_result r12 = epoch(w, 12, '-', 0.58);
	g_assert_true(r12.saved);
	g_assert_false(r12.became_best);
	assert_model(root, "012", "b", 2);
	assert_link(root, "last", "epochs/012");
	assert_link(root, "best", "epochs/012");
	ckpt_info info;
	read_info(&info, root, "012");
	g_assert_cmpfloat(info.metric_value, ==, 0.58);
	ckpt_info_clear(&info);
	const char *const sequence[] = {
	    "metrics: val_loss: current=0.580000 > last=0.550000",
	    "replacing final epoch 12 although 'best' names it and its model (0.450000) is "
	    "better than this one (0.580000): that model is gone, 'best' stays on epoch 12",
	    "writing final epoch 12 ...", "rename:  'ckpts/work' -> 'ckpts/epochs/012'", NULL};
	assert_log_sequence(root, sequence);
	ckpt_writer_free(w);

	/* The next restart resumes after the final epoch, not before it. */
	model_io again = {.tag = "c"};
	w = writer_with(root, &again, "epochs", "12", NULL);
	ckpt_restart_info r;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_cmpint(r.epoch, ==, 12);
	ckpt_writer_free(w);
	g_free(again.loaded_bytes);
	g_free(io.loaded_bytes);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_rollback_final_epoch_best_moves_to_session_best(void)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "ckpts", NULL);
	twelve_rolled_back_to_ten(root);
	model_io io = {.tag = "b"};
	ckpt_writer *w = resume_twelve(root, &io);
	g_assert_true(epoch(w, 11, '-', 0.5).became_best);
	/* `best` names 12 again, as a hand-made or relinked link may. */
	g_assert_cmpint(ckpt_link_point(root, "best", 12, false), ==, 0);
	ckpt_epoch_result r12 = epoch(w, 12, '-', 0.52);
	g_assert_true(r12.saved && !r12.became_best);
	g_assert_cmpint(r12.best_epoch, ==, 11);
	assert_model(root, "012", "b", 2);
	assert_link(root, "last", "epochs/012");
	assert_link(root, "best", "epochs/011");
	/* Re-pointed before the save, so log readers do not take 12 for a best. */
	const char *const sequence[] = {
	    "replacing final epoch 12 although 'best' names it and its model (0.450000) is "
	    "better than this one (0.520000): 'best' moves to epoch 11",
	    "linking: 'ckpts/best' -> 'ckpts/epochs/011'", "writing final epoch 12 ...",
	    "rename:  'ckpts/work' -> 'ckpts/epochs/012'", NULL};
	assert_log_sequence(root, sequence);
	char *log_path = g_build_filename(root, "ckpt.log", NULL);
	ckpt_log_summary summary;
	g_assert_cmpint(ckpt_log_parse_file(&summary, log_path), ==, 0);
	const ckpt_log_epoch *last = &summary.epochs[summary.n_epochs - 1];
	g_assert_cmpint(last->epoch, ==, 12);
	g_assert_true(last->saved);
	g_assert_false(last->became_best);
	ckpt_log_summary_clear(&summary);
	g_free(log_path);
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- never through a symbolic link ------------------------------------ */

static void test_symlinked_epochs_refused(void)
{
	/* The reviewer's reproduction: R/epochs leads to another run's epochs. */
	char *tmp = tu_tmpdir();
	char *other = g_build_filename(tmp, "o", NULL);
	char *other_epochs = g_build_filename(other, "epochs", NULL);
	char *precious = path_in(other_epochs, "001", "model.h5", NULL);
	char *e1 = g_build_filename(other_epochs, "001", NULL);
	char *e2 = g_build_filename(other_epochs, "002", NULL);
	g_assert_cmpint(g_mkdir_with_parents(e1, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(e2, 0755), ==, 0);
	tu_write(precious, "precious");
	char *before = tu_snapshot_tree(other);
	char *root = g_build_filename(tmp, "w1", "ckpts", NULL);
	char *epochs = g_build_filename(root, "epochs", NULL);
	g_assert_cmpint(g_mkdir_with_parents(root, 0755), ==, 0);
	g_assert_cmpint(symlink(other_epochs, epochs), ==, 0);

	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", root), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "8"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_keep_limit", "2"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_fsync", "false"), ==, 0);
	ckpt_writer *w = NULL;
	g_assert_cmpint(ckpt_writer_new(&w, params), ==, CKPT_EUNSAFE);
	g_assert_null(w);
	char *want = g_strdup_printf(
	    "%s: is a symbolic link; refusing to write or delete through it", epochs);
	g_assert_cmpstr(ckpt_error_last(), ==, want);
	ckpt_params_free(params);

	/* Swapped in under a running writer: the next save is refused too. */
	char *root2 = g_build_filename(tmp, "w2", "ckpts", NULL);
	char *epochs2 = g_build_filename(root2, "epochs", NULL);
	char *aside = g_build_filename(root2, "epochs.real", NULL);
	model_io io = {.tag = "s"};
	w = writer_with(root2, &io, "epochs", "8", "ckpt_keep_limit", "2", NULL);
	epoch(w, 1, '-', 1.0);
	g_assert_cmpint(rename(epochs2, aside), ==, 0);
	g_assert_cmpint(symlink(other_epochs, epochs2), ==, 0);
	for (long e = 2; e <= 8; e++) {
		ckpt_epoch_result out;
		g_assert_cmpint(ckpt_writer_epoch(w, e - 1, '-', 1.0 / (double)e, NULL, 0, &out),
				==, CKPT_EUNSAFE);
		g_assert_nonnull(strstr(ckpt_error_last(), epochs2));
	}
	ckpt_writer_free(w);

	char *after = tu_snapshot_tree(other);
	g_assert_cmpstr(after, ==, before);
	char *kept = tu_read(precious, NULL);
	g_assert_cmpstr(kept, ==, "precious");
	g_free(kept), g_free(after), g_free(aside), g_free(epochs2), g_free(root2);
	g_free(want), g_free(epochs), g_free(root), g_free(before), g_free(e2), g_free(e1);
	g_free(precious), g_free(other_epochs), g_free(other);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_symlinked_epoch_dir_neither_replaced_nor_deleted(void)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "ckpts", NULL);
	char *outside = g_build_filename(tmp, "outside", NULL);
	char *sentinel = g_build_filename(outside, "model.h5", NULL);
	g_assert_cmpint(g_mkdir_with_parents(outside, 0755), ==, 0);
	tu_write(sentinel, "must survive");
	char *before = tu_snapshot_tree(outside);
	model_io io = {.tag = "d"};
	ckpt_writer *w = writer_with(root, &io, "epochs", "10", "ckpt_save_best", "false",
				     "ckpt_keep_limit", "1", NULL);
	epoch(w, 1, '-', 1.0);
	/* epochs/001 becomes a link to a folder outside the run. */
	char *e1 = path_in(root, "epochs", "001", NULL);
	char *moved = g_build_filename(tmp, "moved-001", NULL);
	g_assert_cmpint(rename(e1, moved), ==, 0);
	g_assert_cmpint(symlink(outside, e1), ==, 0);

	/* Retention would delete 1: it leaves the link (and what it leads to) alone. */
	ckpt_epoch_result r2 = epoch(w, 2, '-', 1.0);
	g_assert_true(r2.saved);
	g_assert_cmpint(r2.deleted_count, ==, 0);
	char *target = tu_readlink(e1);
	g_assert_cmpstr(target, ==, outside);
	char *skipped = g_strdup_printf("not removing: '%s': a symbolic link, not followed", e1);
	g_assert_true(log_has(root, skipped));
	ckpt_epoch_result r3 = epoch(w, 3, '-', 1.0);
	g_assert_cmpint(r3.deleted_count, ==, 1); /* 2; 1 is no longer this writer's */
	char *dirs = epoch_dirs(root);
	g_assert_cmpstr(dirs, ==, "001 003");

	/* Nor is an epoch published in the place of such a link. */
	char *e4 = path_in(root, "epochs", "004", NULL);
	g_assert_cmpint(symlink(outside, e4), ==, 0);
	ckpt_epoch_result out;
	g_assert_cmpint(ckpt_writer_epoch(w, 3, '-', 1.0, NULL, 0, &out), ==, CKPT_EUNSAFE);
	char *want = g_strdup_printf("%s: is a symbolic link; refusing to publish epoch 4 in its "
				     "place",
				     e4);
	g_assert_cmpstr(ckpt_error_last(), ==, want);
	assert_link(root, "last", "epochs/003");
	char *work = g_build_filename(root, "work", NULL);
	g_assert_false(tu_exists(work));
	char *target4 = tu_readlink(e4);
	g_assert_cmpstr(target4, ==, outside);
	ckpt_writer_free(w);

	char *after = tu_snapshot_tree(outside);
	g_assert_cmpstr(after, ==, before);
	g_free(after), g_free(target4), g_free(work), g_free(want), g_free(e4), g_free(dirs);
	g_free(skipped), g_free(target), g_free(moved), g_free(e1), g_free(before);
	g_free(sentinel), g_free(outside), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- durability of a new root, locale --------------------------------- */

static ckpt_writer *synced_writer(const char *root, model_io *io, const char *fsync_value)
{
	synced = g_ptr_array_new_with_free_func(g_free);
	return writer_with(root, io, "ckpt_fsync", fsync_value, NULL);
}

static void stop_recording(void)
{
	g_ptr_array_free(synced, TRUE);
	synced = NULL;
}

static void test_new_root_parents_synced(void)
{
	char *tmp = tu_tmpdir();
	char *a = g_build_filename(tmp, "a", NULL);
	char *ab = g_build_filename(tmp, "a", "b", NULL);
	char *root = g_build_filename(tmp, "a", "b", "ckpts", NULL);
	model_io io = {.tag = "n"};
	ckpt_writer *w = synced_writer(root, &io, "true");
	g_assert_true(was_synced(tmp));
	g_assert_true(was_synced(a));
	g_assert_true(was_synced(ab));
	ckpt_writer_free(w);
	stop_recording();

	/* An existing root: its parent is not synced again. */
	w = synced_writer(root, &io, "true");
	g_assert_false(was_synced(ab));
	ckpt_writer_free(w);
	stop_recording();

	/* ckpt_fsync=false: nothing is. */
	char *unsynced = g_build_filename(tmp, "u", "ckpts", NULL);
	w = synced_writer(unsynced, &io, "false");
	g_assert_false(was_synced(tmp));
	ckpt_writer_free(w);
	stop_recording();

	/* A parent reached through a symbolic link (scratch space) is followed. */
	char *real = g_build_filename(tmp, "real", NULL);
	char *link = g_build_filename(tmp, "link", NULL);
	char *linked_root = g_build_filename(tmp, "link", "ckpts", NULL);
	g_assert_cmpint(g_mkdir_with_parents(real, 0755), ==, 0);
	g_assert_cmpint(symlink(real, link), ==, 0);
	w = synced_writer(linked_root, &io, "true");
	g_assert_true(was_synced(real));
	ckpt_writer_free(w);
	stop_recording();

	g_free(linked_root), g_free(link), g_free(real), g_free(unsynced);
	g_free(root), g_free(ab), g_free(a);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_log_numbers_in_c_locale(void)
{
	char *previous = g_strdup(setlocale(LC_NUMERIC, NULL));
	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
		g_free(previous);
		g_test_skip("no de_DE.UTF-8 locale");
		return;
	}
	char check[16];
	snprintf(check, sizeof check, "%.1f", 0.5);
	g_assert_cmpstr(check, ==, "0,5"); /* the locale is really in effect */
	char *tmp = tu_tmpdir();
	model_io io = {.tag = "de"};
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	epoch(w, 1, '-', 0.5);
	epoch(w, 2, '-', 0.25);
	ckpt_writer_free(w);
	setlocale(LC_NUMERIC, previous);
	g_assert_true(log_has(tmp, "metrics: val_loss: current=0.500000 < last=inf"));
	g_assert_true(log_has(tmp, "metrics: val_loss: current=0.250000 < last=0.500000"));
	GPtrArray *messages = log_messages(tmp);
	for (guint i = 0; i < messages->len; i++)
		if (g_str_has_prefix(messages->pdata[i], "model wrote: "))
			g_assert_true(g_regex_match_simple("^model wrote: \\d+\\.\\d{3} MB in "
							   "\\d+\\.\\d{3} seconds",
							   messages->pdata[i], 0, 0));
	g_ptr_array_free(messages, TRUE);
	g_free(previous);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_lock_errors_name_path_and_cause(void)
{
	char *tmp = tu_tmpdir();
	char *lock = g_build_filename(tmp, "ckpt.lock", NULL);
	g_assert_cmpint(mkdir(lock, 0755), ==, 0);
	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", tmp), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "5"), ==, 0);
	ckpt_writer *w = NULL;
	g_assert_cmpint(ckpt_writer_new(&w, params), ==, CKPT_EIO);
	char *want = g_strdup_printf("%s: cannot open the writer lock: %s", lock, strerror(EISDIR));
	g_assert_cmpstr(ckpt_error_last(), ==, want);
	g_free(want);
	ckpt_params_free(params);

	/* Probing (the browser) a lock it cannot open. */
	g_assert_cmpint(rmdir(lock), ==, 0);
	g_assert_cmpint(symlink("elsewhere", lock), ==, 0);
	bool live = true;
	g_assert_cmpint(ckpt_lock_probe(&live, NULL, NULL, NULL, tmp), ==, CKPT_EIO);
	g_assert_false(live);
	want = g_strdup_printf("%s: cannot read the writer lock: %s", lock, strerror(ELOOP));
	g_assert_cmpstr(ckpt_error_last(), ==, want);
	g_free(want);
	g_free(lock);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- leftovers of a crashed writer ------------------------------------ */

static void test_leftover_temp_links_removed(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0};
	save_epochs(tmp, "t", values, 1, NULL);
	char *best_tmp = g_build_filename(tmp, ".best.tmp-99999", NULL);
	char *last_tmp = g_build_filename(tmp, ".last.tmp-1", NULL);
	char *not_ours = g_build_filename(tmp, ".last.tmp-x", NULL);
	g_assert_cmpint(symlink("epochs/001", best_tmp), ==, 0);
	g_assert_cmpint(symlink("epochs/001", last_tmp), ==, 0);
	g_assert_cmpint(symlink("epochs/001", not_ours), ==, 0);
	model_io io = {.tag = "t"};
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	g_assert_false(tu_exists(best_tmp));
	g_assert_false(tu_exists(last_tmp));
	g_assert_true(tu_exists(not_ours));
	assert_link(tmp, "last", "epochs/001");
	ckpt_writer_free(w);
	g_free(best_tmp);
	g_free(last_tmp);
	g_free(not_ours);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_leftover_work_old_restored(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0, 0.9, 0.8};
	save_epochs(tmp, "o", values, 3, NULL);
	/* A replacement by renames crashed between them: epochs/002 is set
	 * aside in work.old and the new one is still in work/. */
	char *e2 = path_in(tmp, "epochs", "002", NULL);
	char *work_old = g_build_filename(tmp, "work.old", NULL);
	char *work = g_build_filename(tmp, "work", NULL);
	g_assert_cmpint(rename(e2, work_old), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(work, 0755), ==, 0);
	model_io io = {.tag = "o"};
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	g_assert_false(tu_exists(work_old));
	assert_model(tmp, "002", "o", 2);
	char *base = g_path_get_basename(tmp);
	char *line = g_strdup_printf("recovered: '%s/work.old' -> '%s/epochs/002'", base, base);
	g_assert_true(log_has(tmp, line));
	g_free(base);
	ckpt_writer_free(w);

	/* When epochs/002 is there, work.old is the replaced copy and goes. */
	char *copy = g_build_filename(work_old, "model.h5", NULL);
	g_assert_cmpint(g_mkdir_with_parents(work_old, 0755), ==, 0);
	char *info_src = path_in(tmp, "epochs", "002", "ckpt-info.json");
	char *info_text = tu_read(info_src, NULL);
	char *info_dst = g_build_filename(work_old, "ckpt-info.json", NULL);
	tu_write(info_dst, info_text);
	tu_write(copy, "old copy");
	w = writer_with(tmp, &io, NULL);
	g_assert_false(tu_exists(work_old));
	assert_model(tmp, "002", "o", 2);
	g_assert_true(epoch(w, 4, '-', 0.7).saved);
	g_assert_false(tu_exists(work));
	ckpt_writer_free(w);
	g_free(line);
	g_free(info_src);
	g_free(info_text);
	g_free(info_dst);
	g_free(copy);
	g_free(e2);
	g_free(work_old);
	g_free(work);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- the lock --------------------------------------------------------- */

/* A writer that forked a worker and died: the worker keeps the lock (it is
 * the open file's), and the refusal says so instead of naming a dead pid. */
static void test_lock_held_by_child_of_dead_writer_explained(void)
{
	char *tmp = tu_tmpdir();
	int ready[2];
	g_assert_cmpint(pipe(ready), ==, 0);
	pid_t writer_pid = fork();
	g_assert_cmpint(writer_pid, >=, 0);
	if (writer_pid == 0) {
		ckpt_params *params = NULL;
		ckpt_writer *writer = NULL;
		if (ckpt_params_new(&params) || ckpt_params_set(params, "ckpt_directory", tmp) ||
		    ckpt_params_set(params, "epochs", "5") || ckpt_writer_new(&writer, params))
			_exit(1);
		pid_t worker = fork();
		if (worker == 0) {
			pid_t self = getpid();
			close(ready[0]);
			if (write(ready[1], &self, sizeof self) != sizeof self)
				_exit(1);
			sleep(30); /* killed by the test */
			_exit(0);
		}
		_exit(worker > 0 ? 0 : 1);
	}
	close(ready[1]);
	pid_t worker = 0;
	g_assert_cmpint(read(ready[0], &worker, sizeof worker), ==, sizeof worker);
	close(ready[0]);
	int status = 0;
	g_assert_cmpint(waitpid(writer_pid, &status, 0), ==, writer_pid);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", tmp), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "5"), ==, 0);
	ckpt_writer *second = NULL;
	g_assert_cmpint(ckpt_writer_new(&second, params), ==, CKPT_ELOCKED);
	char *pid_text = g_strdup_printf("pid %ld on", (long)writer_pid);
	g_assert_nonnull(strstr(ckpt_error_last(), pid_text));
	g_assert_nonnull(strstr(ckpt_error_last(), "has exited"));
	g_free(pid_text);
	kill(worker, SIGKILL);
	ckpt_params_free(params);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_second_writer_refused(void)
{
	char *tmp = tu_tmpdir();
	model_io io = {.tag = "l"};
	ckpt_writer *first = writer_with(tmp, &io, NULL);
	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", tmp), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "5"), ==, 0);
	ckpt_writer *second = NULL;
	g_assert_cmpint(ckpt_writer_new(&second, params), ==, CKPT_ELOCKED);
	g_assert_null(second);
	char *want = g_strdup_printf("%s: a writer holds the lock (pid %ld on %s since ", tmp,
				     (long)getpid(), ckpt_hostname());
	g_assert_true(g_str_has_prefix(ckpt_error_last(), want));
	g_free(want);

	bool live = false;
	long pid = 0;
	char host[256], since[32];
	g_assert_cmpint(ckpt_lock_probe(&live, &pid, host, since, tmp), ==, 0);
	g_assert_true(live);
	g_assert_cmpint(pid, ==, getpid());
	g_assert_cmpstr(host, ==, ckpt_hostname());
	g_assert_true(
	    g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$", since, 0, 0));
	ckpt_writer_free(first);

	/* The file stays, unlocked: no longer live, and a new writer may start. */
	g_assert_cmpint(ckpt_lock_probe(&live, &pid, host, since, tmp), ==, 0);
	g_assert_false(live);
	g_assert_cmpint(ckpt_writer_new(&second, params), ==, 0);
	ckpt_writer_free(second);
	ckpt_params_free(params);

	/* Probing never creates the lock file. */
	char *bare = g_build_filename(tmp, "bare", NULL);
	g_assert_cmpint(g_mkdir_with_parents(bare, 0755), ==, 0);
	g_assert_cmpint(ckpt_lock_probe(&live, &pid, host, since, bare), ==, 0);
	g_assert_false(live);
	char *lock = g_build_filename(bare, "ckpt.lock", NULL);
	g_assert_false(tu_exists(lock));
	g_free(lock);
	g_free(bare);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_lock_probe_tolerates_garbage(void)
{
	char *tmp = tu_tmpdir();
	ckpt_lock *lock;
	g_assert_cmpint(ckpt_lock_acquire(&lock, tmp), ==, 0);
	char *path = g_build_filename(tmp, "ckpt.lock", NULL);
	/* In place: g_file_set_contents would replace the locked inode. */
	FILE *fp = fopen(path, "w");
	g_assert_nonnull(fp);
	fputs("\x01garbage{", fp);
	fclose(fp);
	bool live = false;
	long pid = 7;
	char host[256], since[32];
	g_assert_cmpint(ckpt_lock_probe(&live, &pid, host, since, tmp), ==, 0);
	g_assert_true(live);
	g_assert_cmpint(pid, ==, 0);
	g_assert_cmpstr(host, ==, "?");
	ckpt_lock_release(lock);
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- failures --------------------------------------------------------- */

static void test_model_writer_failure_publishes_nothing(void)
{
	char *tmp = tu_tmpdir();
	model_io io = {.tag = "f", .fail_at = 1};
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	ckpt_epoch_result out;
	g_assert_cmpint(ckpt_writer_epoch(w, 0, '-', 0.5, NULL, 0, &out), ==, CKPT_ECALLBACK);
	char *message = g_strdup_printf("%s/work/model.h5: model writer failed for epoch 1", tmp);
	g_assert_cmpstr(ckpt_error_last(), ==, message);
	g_free(message);
	char *dirs = epoch_dirs(tmp);
	g_assert_cmpstr(dirs, ==, "");
	g_free(dirs);
	char *work = g_build_filename(tmp, "work", NULL);
	char *last = g_build_filename(tmp, "last", NULL);
	g_assert_false(tu_exists(work));
	g_assert_false(tu_exists(last));
	/* The failed epoch did not become the best: 0.6 still improves. */
	g_assert_true(epoch(w, 2, '-', 0.6).became_best);
	assert_link(tmp, "last", "epochs/002");

	io.write_nothing = true;
	g_assert_cmpint(ckpt_writer_epoch(w, 2, '-', 0.1, NULL, 0, &out), ==, CKPT_ECALLBACK);
	g_assert_false(tu_exists(work));
	assert_link(tmp, "last", "epochs/002");

	ckpt_writer_set_model_io(w, NULL, NULL, NULL);
	g_assert_cmpint(ckpt_writer_epoch(w, 3, '-', 0.05, NULL, 0, &out), ==, CKPT_EINVAL);
	g_assert_nonnull(strstr(ckpt_error_last(), "model writer"));
	ckpt_writer_free(w);
	g_free(work);
	g_free(last);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_bad_arguments_refused(void)
{
	char *tmp = tu_tmpdir();
	model_io io = {.tag = "x"};
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	ckpt_epoch_result out;
	g_assert_cmpint(ckpt_writer_epoch(w, 0, 'x', 0.5, NULL, 0, &out), ==, CKPT_EINVAL);
	g_assert_nonnull(strstr(ckpt_error_last(), "direction"));
	g_assert_cmpint(ckpt_writer_epoch(w, -1, '-', 0.5, NULL, 0, &out), ==, CKPT_EINVAL);
	g_assert_cmpint(ckpt_writer_epoch(w, 0, '-', 0.5, NULL, 2, &out), ==, CKPT_EINVAL);
	g_assert_cmpint(io.writes, ==, 0);
	ckpt_writer_free(w);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_read_only_root(void)
{
	if (geteuid() == 0) {
		g_test_skip("running as root, which ignores permissions");
		return;
	}
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "ckpts", NULL);
	model_io io = {.tag = "ro"};
	ckpt_writer *w = writer_with(root, &io, NULL);
	epoch(w, 1, '-', 1.0);
	g_assert_cmpint(chmod(root, 0555), ==, 0);
	ckpt_epoch_result out;
	int rc = ckpt_writer_epoch(w, 1, '-', 0.5, NULL, 0, &out);
	g_assert_cmpint(rc, ==, CKPT_EIO);
	g_assert_nonnull(strstr(ckpt_error_last(), root));
	g_assert_nonnull(strstr(ckpt_error_last(), strerror(EACCES)));
	assert_link(root, "last", "epochs/001");
	ckpt_writer_free(w);

	char *fresh = g_build_filename(tmp, "fresh", NULL);
	g_assert_cmpint(g_mkdir_with_parents(fresh, 0555), ==, 0);
	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", fresh), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "5"), ==, 0);
	g_assert_cmpint(ckpt_writer_new(&w, params), ==, CKPT_EIO);
	char *want = g_strdup_printf("%s/ckpt.lock: cannot open the writer lock: %s", fresh,
				     strerror(EACCES));
	g_assert_cmpstr(ckpt_error_last(), ==, want);
	g_free(want);
	ckpt_params_free(params);
	g_free(fresh);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_relative_root_made_absolute(void)
{
	char *tmp = tu_tmpdir();
	char *old_cwd = g_get_current_dir();
	g_assert_cmpint(chdir(tmp), ==, 0);
	char *cwd = g_get_current_dir();
	model_io io = {.tag = "rel"};
	ckpt_writer *w = writer_with("./rel/ckpts/", &io, NULL);
	char *want = g_build_filename(cwd, "rel", "ckpts", NULL);
	g_assert_cmpstr(ckpt_writer_root(w), ==, want);
	epoch(w, 1, '-', 1.0);
	g_assert_true(log_has(want, "rename:  'ckpts/work' -> 'ckpts/epochs/001'"));
	ckpt_writer_free(w);
	g_assert_cmpint(chdir(old_cwd), ==, 0);
	g_free(want);
	g_free(cwd);
	g_free(old_cwd);
	tu_rmtree(tmp);
	g_free(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/writer/run/files-on-disk-field-by-field", test_run_on_disk);
	g_test_add_func("/ckpt/writer/run/first-epoch-time-elapsed-is-first",
			test_first_epoch_time_elapsed);
	g_test_add_func("/ckpt/writer/run/infinity-best-without-save-best",
			test_infinity_written_without_save_best);
	g_test_add_func("/ckpt/writer/run/crc32-and-sha256-checksums-stored",
			test_checksums_stored);
	g_test_add_func("/ckpt/writer/run/relative-root-made-absolute",
			test_relative_root_made_absolute);
	g_test_add_func("/ckpt/writer/work/stale-work-replaced", test_stale_work_replaced);
	g_test_add_func("/ckpt/writer/work/symlinked-work-not-followed",
			test_stale_work_symlink_not_followed);
	g_test_add_func("/ckpt/writer/restart/resumes-with-best-carried-over",
			test_restart_resumes_with_best);
	g_test_add_func("/ckpt/writer/restart/from-each-fixture-run", test_restart_from_fixtures);
	g_test_add_func("/ckpt/writer/restart/plus-direction-after-original-infinity",
			test_restart_plus_after_original_infinity);
	g_test_add_func("/ckpt/writer/restart/modes-off-auto-required", test_restart_modes);
	g_test_add_func("/ckpt/writer/restart/require-json", test_restart_require_json);
	g_test_add_func("/ckpt/writer/restart/info-epoch-must-match-dir",
			test_restart_info_epoch_mismatch);
	g_test_add_func("/ckpt/writer/restart/checksum-mismatch-refused-naming-epoch",
			test_restart_checksum_mismatch_refused);
	g_test_add_func("/ckpt/writer/restart/last-outside-run-refused",
			test_restart_refuses_last_outside);
	g_test_add_func("/ckpt/writer/rollback/later-epochs-replaced-best-model-kept",
			test_rollback_replaces_later_epochs);
	g_test_add_func("/ckpt/writer/rollback/equal-model-replaces-best-epoch",
			test_rollback_equal_model_replaces_best);
	g_test_add_func("/ckpt/writer/rollback/final-epoch-saved-over-better-best",
			test_rollback_final_epoch_always_saved);
	g_test_add_func("/ckpt/writer/rollback/final-epoch-best-moves-to-session-best",
			test_rollback_final_epoch_best_moves_to_session_best);
	g_test_add_func("/ckpt/writer/unsafe/symlinked-epochs-refused-outside-untouched",
			test_symlinked_epochs_refused);
	g_test_add_func("/ckpt/writer/unsafe/symlinked-epoch-dir-neither-replaced-nor-deleted",
			test_symlinked_epoch_dir_neither_replaced_nor_deleted);
	g_test_add_func("/ckpt/writer/durability/new-root-parents-synced",
			test_new_root_parents_synced);
	g_test_add_func("/ckpt/writer/run/log-numbers-in-c-locale", test_log_numbers_in_c_locale);
	g_test_add_func("/ckpt/writer/lock/errors-name-lock-path-and-cause",
			test_lock_errors_name_path_and_cause);
	g_test_add_func("/ckpt/writer/leftovers/temp-links-removed",
			test_leftover_temp_links_removed);
	g_test_add_func("/ckpt/writer/leftovers/work-old-restored-or-removed",
			test_leftover_work_old_restored);
	g_test_add_func("/ckpt/writer/lock/held-by-child-of-dead-writer-explained",
			test_lock_held_by_child_of_dead_writer_explained);
	g_test_add_func("/ckpt/writer/lock/second-writer-refused-naming-pid",
			test_second_writer_refused);
	g_test_add_func("/ckpt/writer/lock/probe-tolerates-garbage",
			test_lock_probe_tolerates_garbage);
	g_test_add_func("/ckpt/writer/fail/model-writer-failure-publishes-nothing",
			test_model_writer_failure_publishes_nothing);
	g_test_add_func("/ckpt/writer/fail/bad-arguments-refused", test_bad_arguments_refused);
	g_test_add_func("/ckpt/writer/fail/read-only-root-clear-error", test_read_only_root);
	return g_test_run();
}
