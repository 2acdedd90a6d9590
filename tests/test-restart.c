/* test-restart.c: a writer resuming a run: restart from our trees and from
 * the original's fixtures, its modes and refusals, and a rollback's epochs
 * saved over (later epochs replaced, the one `best` names, the final one). */
#include "internal.h"
#include "testutil.h"
#include "writer-fixture.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

/* ---- restart ---------------------------------------------------------- */

static void test_restart_resumes_with_best(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0, 0.5, 0.8};
	save_epochs(tmp, "a", values, 3, NULL);
	model_io io = {.tag = "b"};
	ckpt_writer *w = writer_with(tmp, &io, "ckpt_keep_limit", "1", NULL);
	ckpt_restart *r = NULL;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_true(ckpt_restart_resumed(r));
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 3);
	g_assert_cmpfloat(ckpt_restart_best_metric_last(r), ==, 0.5);
	char *model = path_in(tmp, "epochs", "003", "model.h5");
	g_assert_cmpstr(ckpt_restart_model_path(r), ==, model);
	/* 0.2: the restart also gives the epoch's ckpt-info.json as read. */
	char *info_path = path_in(tmp, "epochs", "003", "ckpt-info.json");
	char *info_text = tu_read(info_path, NULL);
	g_assert_cmpstr(ckpt_restart_info_json(r), ==, info_text);
	g_free(info_text);
	g_free(info_path);
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
	tu_assert_link(tmp, "best", "epochs/005");
	tu_assert_link(tmp, "last", "epochs/005");
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
	ckpt_restart_free(r);
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
		ckpt_restart *r = NULL;
		g_assert_cmpint(restart(w, &r), ==, 0);
		g_assert_true(ckpt_restart_resumed(r));
		g_assert_cmpint(ckpt_restart_epoch(r), ==, c->last);
		if (isinf(c->best))
			g_assert_true(isinf(ckpt_restart_best_metric_last(r)) &&
				      ckpt_restart_best_metric_last(r) > 0);
		else
			g_assert_cmpfloat(ckpt_restart_best_metric_last(r), ==, c->best);
		char name[32];
		ckpt_epoch_dir_name(name, c->last);
		char *model = path_in(root, "epochs", name, "model.h5");
		g_assert_cmpstr(ckpt_restart_model_path(r), ==, model);
		gsize len = 0;
		char *bytes = tu_read(io.loaded, &len);
		g_assert_cmpuint(len, ==, c->model_bytes);
		g_free(bytes);
		ckpt_restart_free(r);
		/* The next epoch is published next to the original's, linked relatively. */
		ckpt_epoch_result next = epoch(w, c->last + 1, '-', 100.0);
		g_assert_true(next.saved);
		ckpt_epoch_dir_name(name, c->last + 1);
		char *target = g_strdup_printf("epochs/%s", name);
		tu_assert_link(root, "last", target);
		char *previous = path_in(root, "epochs", name, NULL);
		g_assert_true(tu_exists(previous));
		g_free(previous);
		/* A legacy run's log stays in save/, so the run stays one legacy run. */
		char *own_log = g_build_filename(root, "ckpt.log", NULL);
		g_assert_cmpint(tu_exists(own_log), ==, strcmp(c->root, "save/ckpts") != 0);
		g_free(own_log);
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
	ckpt_restart *r = NULL;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 15);
	ckpt_epoch_result next = epoch(w, 16, '+', 0.5);
	g_assert_true(next.became_best);
	tu_assert_link(root, "best", "epochs/016");
	g_assert_true(log_has(root, "metrics: val_accuracy: current=0.500000 > last=-inf"));
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	g_free(root);
	g_free(exp);
	ckpt_restart_free(r);
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
	ckpt_restart *r = NULL;

	ckpt_writer *w = writer_with(full, &io, "ckpt_restart_mode", "off", NULL);
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_false(ckpt_restart_resumed(r));
	/* 0.2: set on success, "not resumed": epoch 0, best unknown, no model. */
	g_assert_nonnull(r);
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 0);
	g_assert_true(isnan(ckpt_restart_best_metric_last(r)));
	g_assert_null(ckpt_restart_model_path(r));
	g_assert_null(ckpt_restart_info_json(r));
	g_assert_cmpint(io.loads, ==, 0);
	ckpt_writer_free(w);

	w = writer_with(empty, &io, NULL);
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_false(ckpt_restart_resumed(r));
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
	g_assert_false(ckpt_restart_resumed(r));
	ckpt_writer_free(w);

	w = writer_with(full, &io, "ckpt_restart_mode", "required", NULL);
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_true(ckpt_restart_resumed(r));
	g_assert_cmpint(io.loads, ==, 1);
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	g_free(link);
	g_free(full);
	g_free(empty);
	g_free(dangling);
	ckpt_restart_free(r);
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
	ckpt_restart *r = NULL;
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	g_assert_cmpint(restart(w, &r), ==, CKPT_ENOENT);
	g_assert_nonnull(strstr(ckpt_error_last(), "epochs/002/ckpt-info.json"));
	g_assert_nonnull(strstr(ckpt_error_last(), "require_json"));
	g_assert_cmpint(io.loads, ==, 0);
	ckpt_writer_free(w);
	w = writer_with(tmp, &io, "require_json", "false", NULL);
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_true(ckpt_restart_resumed(r));
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 2);
	g_assert_cmpint(io.loads, ==, 1);
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	g_free(info);
	ckpt_restart_free(r);
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
	ckpt_restart *r = NULL;
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	g_assert_cmpint(restart(w, &r), ==, CKPT_EFORMAT);
	g_assert_nonnull(strstr(ckpt_error_last(), "'epoch'"));
	g_assert_false(ckpt_restart_resumed(r));
	g_assert_cmpint(io.loads, ==, 0);
	ckpt_writer_free(w);
	g_free(text);
	g_free(info);
	ckpt_restart_free(r);
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
	ckpt_restart *r = NULL;
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
	g_assert_true(ckpt_restart_resumed(r));
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	g_free(bytes);
	g_free(model);
	ckpt_restart_free(r);
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
	ckpt_restart *r = NULL;
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
	ckpt_restart_free(r);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- rollback: saving over later epochs ------------------------------- */

static void test_rollback_replaces_later_epochs(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0, 0.9, 0.8, 0.7, 0.75};
	save_epochs(tmp, "a", values, 5, NULL);
	tu_assert_link(tmp, "best", "epochs/004");
	g_assert_cmpint(ckpt_link_point(tmp, "last", 2, true), ==, 0);

	model_io io = {.tag = "b"};
	ckpt_writer *w = writer_with(tmp, &io, "ckpt_keep_limit", "1", NULL);
	ckpt_restart *r = NULL;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 2);
	g_assert_cmpfloat(ckpt_restart_best_metric_last(r), ==, 0.9);

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
	tu_assert_link(tmp, "best", "epochs/004");
	tu_assert_link(tmp, "last", "epochs/003");

	/* 5 (final) replaces the old 5; 0.72 beats the resumed 0.9 but not the
	 * kept 0.7, so best stays on 4. 3 goes (limit 1); 4 stays: best names it. */
	ckpt_epoch_result r5 = epoch(w, 5, '-', 0.72);
	g_assert_true(r5.saved);
	g_assert_false(r5.became_best);
	g_assert_cmpint(r5.best_epoch, ==, 4);
	tu_assert_link(tmp, "best", "epochs/004");
	assert_model(tmp, "005", "b", 2);
	char *dirs = epoch_dirs(tmp);
	g_assert_cmpstr(dirs, ==, "001 002 004 005");
	g_free(dirs);
	tu_assert_link(tmp, "last", "epochs/005");
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
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 2);
	epoch(w, 3, '-', 0.92);
	g_assert_true(epoch(w, 4, '-', 0.6).became_best);
	assert_model(tmp, "004", "c", 2);
	tu_assert_link(tmp, "best", "epochs/004");
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
	ckpt_restart_free(r);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- rollback: the epoch `best` names --------------------------------- */

static void test_rollback_equal_model_replaces_best(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {1.0, 0.9, 0.8, 0.7, 0.75};
	save_epochs(tmp, "a", values, 5, NULL);
	tu_assert_link(tmp, "best", "epochs/004");
	g_assert_cmpint(ckpt_link_point(tmp, "last", 2, true), ==, 0);
	model_io io = {.tag = "b"};
	ckpt_writer *w = writer_with(tmp, &io, "epochs", "10", "ckpt_keep_mode", "all", NULL);
	ckpt_restart *r = NULL;
	g_assert_cmpint(restart(w, &r), ==, 0);
	epoch(w, 3, '-', 0.95);
	/* As good as the model there (0.7): not worse, so it is saved. */
	ckpt_epoch_result r4 = epoch(w, 4, '-', 0.7);
	g_assert_true(r4.saved && r4.became_best);
	assert_model(tmp, "004", "b", 2);
	tu_assert_link(tmp, "best", "epochs/004");
	tu_assert_link(tmp, "last", "epochs/004");
	GPtrArray *messages = log_messages(tmp);
	for (guint i = 0; i < messages->len; i++)
		g_assert_false(g_str_has_prefix(messages->pdata[i], "not replacing epoch"));
	g_ptr_array_free(messages, TRUE);
	ckpt_writer_free(w);
	g_free(io.loaded_bytes);
	ckpt_restart_free(r);
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
	tu_assert_link(root, "best", "epochs/012");
	g_assert_cmpint(ckpt_link_point(root, "last", 10, false), ==, 0);
}

static ckpt_writer *resume_twelve(const char *root, model_io *io)
{
	ckpt_writer *w = writer_with(root, io, "epochs", "12", "ckpt_keep_mode", "all", NULL);
	ckpt_restart *r = NULL;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 10);
	ckpt_restart_free(r);
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
	tu_assert_link(root, "last", "epochs/012");
	tu_assert_link(root, "best", "epochs/012");
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
	ckpt_restart *r = NULL;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 12);
	ckpt_writer_free(w);
	g_free(again.loaded_bytes);
	g_free(io.loaded_bytes);
	g_free(root);
	ckpt_restart_free(r);
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
	tu_assert_link(root, "last", "epochs/012");
	tu_assert_link(root, "best", "epochs/011");
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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
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
	return g_test_run();
}
