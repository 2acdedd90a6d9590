/* test-writer.c: the writer end to end on real files: what a run leaves on
 * disk field by field, checksums, log numbers in any locale, a stale work/,
 * and the leftovers of a crashed writer (temporary links, work.old). */
#include "internal.h"
#include "testutil.h"
#include "writer-fixture.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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
	ckpt_epoch_result r5 = {.size = sizeof r5};
	g_assert_cmpint(ckpt_writer_epoch(&r5, w, 4, '-', 0.75, extra, 2), ==, 0);
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
	tu_assert_link(root, "best", "epochs/004");
	tu_assert_link(root, "last", "epochs/005");
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
	/* 0.2: the writer records its session and its retention, for `ckpt clean`. */
	g_assert_nonnull(info.session);
	g_assert_cmpint(info.keep_limit, ==, 2);
	g_assert_cmpint(info.keep_mode, ==, CKPT_KEEP_LINEAR);
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
	g_assert_nonnull(strstr(raw, "\"session\": \""));
	g_assert_nonnull(strstr(raw, "\"keep_limit\": 2, \"keep_mode\": \"linear\"}\n"));
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
	g_assert_cmpint(ckpt_history_epoch(history, 2), ==, 3);
	g_assert_false(ckpt_history_saved(history, 2));
	double v3 = 0;
	g_assert_true(ckpt_history_value(&v3, history, 2));
	g_assert_cmpfloat(v3, ==, 0.9);
	g_assert_true(ckpt_history_saved(history, 3) && ckpt_history_became_best(history, 3));
	double loss = 0, acc = 0;
	g_assert_true(ckpt_history_extra(&loss, history, 4, "loss"));
	g_assert_true(ckpt_history_extra(&acc, history, 4, "acc"));
	g_assert_cmpfloat(loss, ==, 0.5);
	g_assert_cmpfloat(acc, ==, 0.25);
	g_assert_false(ckpt_history_extra(NULL, history, 3, "loss"));
	for (size_t i = 0; i < 5; i++)
		g_assert_cmpint(ckpt_history_session(history, i), ==, 1); /* from 1 (0.2) */
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

/* ---- numbers in the log ---------------------------------------------- */

static void test_log_numbers_in_c_locale(void)
{
	char *dir = tu_tmpdir();
	/* Built by the test, so that no machine lacks it. */
	const char *comma = tu_decimal_comma_locale(dir);
	char *tmp = g_build_filename(dir, "ckpts", NULL);
	char *previous = g_strdup(setlocale(LC_NUMERIC, NULL));
	g_assert_nonnull(setlocale(LC_NUMERIC, comma));
	char check[16];
	snprintf(check, sizeof check, "%.1f", 0.5);
	g_assert_cmpstr(check, ==, "0,5"); /* the locale is really in effect */
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
	g_free(tmp);
	tu_rmtree(dir);
	g_free(dir);
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
	tu_assert_link(tmp, "last", "epochs/001");
	ckpt_writer_free(w);
	g_free(best_tmp);
	g_free(last_tmp);
	g_free(not_ours);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* What a writer replacing an epoch by renames logs (and syncs) before it
 * moves epochs/NNN to work.old: the run's own record of the set-aside. */
static void log_set_aside(const char *root, const char *epoch_dir)
{
	char *base = g_path_get_basename(root);
	char *log = g_build_filename(root, "ckpt.log", NULL);
	char *line = g_strdup_printf("2026-03-02 09:00:00 CandleCkpt: setting aside: "
				     "'%s/epochs/%s' -> '%s/work.old'\n",
				     base, epoch_dir, base);
	g_assert_cmpint(ckpt_fs_append(log, line, strlen(line)), ==, 0);
	g_free(line), g_free(log), g_free(base);
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
	log_set_aside(tmp, "002");
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
	log_set_aside(tmp, "002");
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

/* A work.old the run's log does not say it set aside (planted, or with a
 * forged epoch number): never put among the epochs, never deleted: moved
 * out of the way, and the run says so. */
static void test_forged_work_old_not_recovered(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0, 0.9, 0.8};
	save_epochs(tmp, "o", values, 3, NULL);
	char *e3 = path_in(tmp, "epochs", "003", NULL);
	char *work_old = g_build_filename(tmp, "work.old", NULL);
	char *moved = g_build_filename(tmp, "work.old.unrecognized-1", NULL);
	char *moved2 = g_build_filename(tmp, "work.old.unrecognized-2", NULL);
	/* epochs/003 copied as work.old, its info saying epoch 7. */
	g_assert_cmpint(mkdir(work_old, 0755), ==, 0);
	char *model_src = g_build_filename(e3, "model.h5", NULL);
	char *model_dst = g_build_filename(work_old, "model.h5", NULL);
	char *info_dst = g_build_filename(work_old, "ckpt-info.json", NULL);
	gchar *model = tu_read(model_src, NULL);
	tu_write(model_dst, model);
	tu_write(info_dst, "{\"epoch\": 7, \"model_file\": \"model.h5\", \"checksum\": "
			   "\"__DISABLED__\", \"timestamp\": \"2026-03-02 09:00:00\"}");
	model_io io = {.tag = "o"};
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	char *e7 = path_in(tmp, "epochs", "007", NULL);
	g_assert_false(tu_exists(e7));
	g_assert_false(tu_exists(work_old));
	g_assert_true(tu_exists(moved)); /* nothing deleted */
	char *log = g_build_filename(tmp, "ckpt.log", NULL);
	char *log_text = tu_read(log, NULL);
	g_assert_nonnull(strstr(log_text, "not recovering '"));
	g_assert_nonnull(strstr(log_text, "no line of the log says a writer set an epoch aside"));
	g_free(log_text), g_free(log);
	ckpt_writer_free(w);
	ckpt_run *run = tu_open_run(tmp);
	g_assert_nonnull(strstr(ckpt_run_problem(run), "work.old.unrecognized-1"));
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 3);
	ckpt_run_unref(run);
	/* A set-aside the log names, but not a whole epoch any more: not
	 * restored either. */
	g_assert_cmpint(rename(e3, work_old), ==, 0);
	log_set_aside(tmp, "003");
	g_assert_cmpint(unlink(model_dst), ==, 0);
	w = writer_with(tmp, &io, NULL);
	g_assert_false(tu_exists(e3));
	g_assert_true(tu_exists(moved2));
	ckpt_writer_free(w);
	g_free(model), g_free(model_src), g_free(model_dst), g_free(info_dst);
	g_free(e3), g_free(e7), g_free(work_old), g_free(moved), g_free(moved2);
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
	g_test_add_func("/ckpt/writer/run/log-numbers-in-c-locale", test_log_numbers_in_c_locale);
	g_test_add_func("/ckpt/writer/leftovers/temp-links-removed",
			test_leftover_temp_links_removed);
	g_test_add_func("/ckpt/writer/leftovers/work-old-restored-or-removed",
			test_leftover_work_old_restored);
	g_test_add_func("/ckpt/writer/leftovers/forged-work-old-not-recovered",
			test_forged_work_old_not_recovered);
	return g_test_run();
}
