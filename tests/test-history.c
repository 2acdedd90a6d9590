/* test-history.c: the metric history: metrics.jsonl written and read back
 * (non-finite values, extra metrics, sessions, torn and bad lines), the
 * history recovered from a log, and which source a run's history comes from. */
#include "internal.h"
#include "log-fixture.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

/* ---- metrics.jsonl ----------------------------------------------------- */

static void append(const char *path, long epoch, bool has_value, double value, bool saved,
		   bool best, const char *session, const ckpt_metric *extra, size_t n_extra)
{
	ckpt_history_line line = {
	    .epoch = epoch,
	    .metric = "val_loss",
	    .direction = '-',
	    .has_value = has_value,
	    .value = value,
	    .saved = saved,
	    .became_best = best,
	    .time = "2026-03-02 09:00:12",
	    .session = session,
	    .extra = extra,
	    .n_extra = n_extra,
	};
	int rc = ckpt_history_append(path, &line);
	if (rc)
		g_error("%s", ckpt_error_last());
}

/* How many of the extra metrics these tests write point i has. (The names
 * list, ckpt_history_extra_name, is gathered by ckpt_history_load only.) */
static size_t extra_count(const ckpt_history *h, size_t i)
{
	static const char *const names[] = {"loss", "val_acc", "lr", "a", "c"};
	size_t n = 0;
	for (size_t j = 0; j < G_N_ELEMENTS(names); j++)
		n += ckpt_history_extra(NULL, h, i, names[j]);
	return n;
}

static ckpt_history *parse_history_file(const char *path)
{
	gsize len;
	char *text = tu_read(path, &len);
	g_assert_nonnull(text);
	ckpt_history *history = NULL;
	g_assert_cmpint(ckpt_history_parse(&history, text, len), ==, 0);
	g_free(text);
	return history;
}

static void test_jsonl_line_format(void)
{
	tmp_file f = tmp_file_new(CKPT_HISTORY_NAME);
	const char *path = f.path;
	const ckpt_metric extra[] = {{"loss", 0.51}};
	append(path, 9, true, 0.629699, true, true, "20260302T090012-4242", extra, 1);
	append(path, 10, false, 0, false, false, "20260302T090012-4242", NULL, 0);
	char *text = tu_read(path, NULL);
	g_assert_cmpstr(
	    text, ==,
	    "{\"epoch\": 9, \"metric\": \"val_loss\", \"direction\": \"-\", "
	    "\"value\": 0.629699, \"saved\": true, \"best\": true, "
	    "\"time\": \"2026-03-02 09:00:12\", \"session\": \"20260302T090012-4242\", "
	    "\"metrics\": {\"loss\": 0.51}}\n"
	    "{\"epoch\": 10, \"metric\": \"val_loss\", \"direction\": \"-\", "
	    "\"value\": null, \"saved\": false, \"best\": false, "
	    "\"time\": \"2026-03-02 09:00:12\", \"session\": \"20260302T090012-4242\"}\n");
	g_free(text);
	ckpt_history_line bad = {.epoch = 0};
	g_assert_cmpint(ckpt_history_append(path, &bad), ==, CKPT_EINVAL);
	tmp_file_done(&f);
}

static void test_jsonl_round_trip(void)
{
	tmp_file f = tmp_file_new(CKPT_HISTORY_NAME);
	const char *path = f.path;
	const ckpt_metric extra[] = {{"loss", 0.25}, {"val_acc", -INFINITY}, {"lr", NAN}};
	append(path, 1, true, NAN, false, false, "A", NULL, 0);
	append(path, 2, true, INFINITY, true, false, "A", extra, 3);
	append(path, 3, true, -INFINITY, true, true, "A", NULL, 0);
	append(path, 2, true, 0.125, true, true, "B", extra, 1);
	append(path, 3, false, 0, false, false, "B", NULL, 0);
	ckpt_history *h = parse_history_file(path);
	g_assert_cmpuint(ckpt_history_count(h), ==, 5);
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 2);
	g_assert_cmpstr(ckpt_history_metric(h), ==, "val_loss");
	g_assert_cmpint(ckpt_history_direction(h), ==, '-');

	double v = 0;
	g_assert_true(ckpt_history_value(&v, h, 0) && isnan(v));
	g_assert_cmpint(ckpt_history_epoch(h, 0), ==, 1);
	/* 0.2: sessions are numbered from 1. */
	g_assert_cmpint(ckpt_history_session(h, 0), ==, 1);
	g_assert_cmpstr(ckpt_history_time(h, 0), ==, "2026-03-02 09:00:12");
	g_assert_cmpuint(extra_count(h, 0), ==, 0);
	g_assert_true(ckpt_history_value(&v, h, 1) && isinf(v) && v > 0);
	g_assert_true(ckpt_history_saved(h, 1) && !ckpt_history_became_best(h, 1));
	g_assert_cmpuint(extra_count(h, 1), ==, 3);
	g_assert_true(ckpt_history_extra(&v, h, 1, "loss"));
	g_assert_cmpfloat(v, ==, 0.25);
	g_assert_true(ckpt_history_extra(&v, h, 1, "val_acc"));
	g_assert_true(isinf(v) && v < 0);
	g_assert_true(ckpt_history_extra(&v, h, 1, "lr") && isnan(v));
	g_assert_false(ckpt_history_extra(&v, h, 1, "nope"));
	g_assert_true(ckpt_history_value(&v, h, 2) && isinf(v) && v < 0);
	g_assert_true(ckpt_history_became_best(h, 2));
	/* The rollback: epochs 2 and 3 again, in a second session, in file order. */
	g_assert_cmpint(ckpt_history_epoch(h, 3), ==, 2);
	g_assert_cmpint(ckpt_history_session(h, 3), ==, 2);
	g_assert_true(ckpt_history_value(&v, h, 3));
	g_assert_cmpfloat(v, ==, 0.125);
	g_assert_cmpuint(extra_count(h, 3), ==, 1);
	g_assert_false(ckpt_history_value(&v, h, 4));
	/* Past the end: nothing. */
	g_assert_cmpint(ckpt_history_epoch(h, 5), ==, 0);
	g_assert_cmpint(ckpt_history_session(h, 5), ==, 0);
	g_assert_false(ckpt_history_saved(h, 5));
	g_assert_false(ckpt_history_value(&v, h, 5));
	ckpt_history_free(h);
	tmp_file_done(&f);
}

static void test_jsonl_torn_last_line_skipped(void)
{
	tmp_file f = tmp_file_new(CKPT_HISTORY_NAME);
	const char *path = f.path;
	append(path, 1, true, 0.5, true, true, "A", NULL, 0);
	append(path, 2, true, 0.4, true, true, "A", NULL, 0);
	gsize len;
	char *text = tu_read(path, &len);
	/* A crash in the middle of the second append. */
	const char *second = strchr(text, '\n') + 1;
	size_t torn = (size_t)(second - text) + 30;
	ckpt_history *h = NULL;
	g_assert_cmpint(ckpt_history_parse(&h, text, torn), ==, 0);
	g_assert_cmpuint(ckpt_history_count(h), ==, 1);
	g_assert_cmpint(ckpt_history_epoch(h, 0), ==, 1);
	ckpt_history_free(h);
	/* The next writer's append after the torn line is not glued to it. */
	tu_write_bytes(path, text, torn);
	append(path, 2, true, 0.3, true, true, "B", NULL, 0);
	h = parse_history_file(path);
	g_assert_cmpuint(ckpt_history_count(h), ==, 2);
	g_assert_cmpint(ckpt_history_epoch(h, 1), ==, 2);
	double v = 0;
	g_assert_true(ckpt_history_value(&v, h, 1));
	g_assert_cmpfloat(v, ==, 0.3);
	/* 0.2: the second session is number 2. */
	g_assert_cmpint(ckpt_history_session(h, 1), ==, 2);
	ckpt_history_free(h);
	g_free(text);
	tmp_file_done(&f);
}

static void test_jsonl_bad_lines_skipped(void)
{
	static const char text[] =
	    "\n"
	    "[1, 2]\n"
	    "{\"value\": 0.5}\n"
	    "{\"epoch\": 0, \"value\": 0.5}\n"
	    "{\"epoch\": 2.5, \"value\": 0.5}\n"
	    "{\"epoch\": \"3\", \"value\": 0.5}\n"
	    "{\"epoch\": 4, \"value\": 0.5, \"session\": \"\xff\"}\n"
	    "{\"epoch\": 5, \"value\": 0.5} trailing\n"
	    "{\"epoch\": 6, \"value\": \"x\", \"metrics\": {\"a\": \"b\", \"c\": 1}}\n"
	    "{\"epoch\": 7, \"direction\": \"?\", \"metric\": 3}";
	ckpt_history *h = NULL;
	g_assert_cmpint(ckpt_history_parse(&h, text, sizeof text - 1), ==, 0);
	g_assert_cmpuint(ckpt_history_count(h), ==, 2);
	g_assert_cmpint(ckpt_history_epoch(h, 0), ==, 6);
	g_assert_false(ckpt_history_value(NULL, h, 0));
	g_assert_cmpuint(extra_count(h, 0), ==, 1);
	g_assert_true(ckpt_history_extra(NULL, h, 0, "c"));
	g_assert_null(ckpt_history_time(h, 0));
	g_assert_cmpint(ckpt_history_epoch(h, 1), ==, 7);
	g_assert_null(ckpt_history_metric(h));
	g_assert_cmpint(ckpt_history_direction(h), ==, 0);
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 1);
	ckpt_history_free(h);
}

/* ---- history from a log, and loading a run ------------------------------ */

static void test_history_from_log_resumed(void)
{
	tu_fixture fx;
	if (!tu_fixture_init(&fx))
		return;
	ckpt_log_summary log;
	parse_run_log(&log, &fx, "resumed");
	ckpt_history *h = NULL;
	g_assert_cmpint(ckpt_history_from_log(&h, &log), ==, 0);
	g_assert_cmpuint(ckpt_history_count(h), ==, log.n_epochs);
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 2);
	g_assert_cmpstr(ckpt_history_metric(h), ==, "val_loss");
	g_assert_cmpint(ckpt_history_direction(h), ==, '-');
	for (size_t i = 0; i < log.n_epochs; i++) {
		g_assert_cmpint(ckpt_history_epoch(h, i), ==, log.epochs[i].epoch);
		/* 0.2: the log's sessions are 0-based, the history's from 1. */
		g_assert_cmpint(ckpt_history_session(h, i), ==, log.epochs[i].session + 1);
		g_assert_cmpint(ckpt_history_saved(h, i), ==, log.epochs[i].saved);
		g_assert_cmpint(ckpt_history_became_best(h, i), ==, log.epochs[i].became_best);
		double v = 0;
		g_assert_cmpint(ckpt_history_value(&v, h, i), ==, log.epochs[i].has_value);
		if (log.epochs[i].has_value)
			g_assert_cmpfloat(v, ==, log.epochs[i].value);
		g_assert_cmpstr(ckpt_history_time(h, i), ==, log.epochs[i].time);
		g_assert_false(ckpt_history_recovered(h, i));
		g_assert_cmpuint(extra_count(h, i), ==, 0);
	}
	ckpt_history_free(h);
	ckpt_log_summary_clear(&log);
	tu_fixture_free(&fx);
}

static void test_history_load_log_or_jsonl(void)
{
	tu_fixture fx;
	if (!tu_fixture_init(&fx))
		return;
	/* A run of the original: the history comes from ckpt.log. */
	char *folder = g_build_filename(fx.exp, "resumed", NULL);
	ckpt_run *run = NULL;
	int rc = ckpt_run_open(&run, folder);
	if (rc)
		g_error("%s: %s", folder, ckpt_error_last());
	ckpt_history *h = NULL;
	g_assert_cmpint(ckpt_history_load(&h, run), ==, 0);
	g_assert_cmpuint(ckpt_history_count(h), ==, 22);
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 2);
	ckpt_history_free(h);
	ckpt_run_unref(run);

	/* Once metrics.jsonl exists, it is the history: the log's lines are not
	 * read (its session "S" names no start in the log). 0.2: the epochs on
	 * disk that no line records are recovered from their ckpt-info.json, in
	 * epoch order before the line's. */
	char *jsonl = g_build_filename(folder, "ckpts", CKPT_HISTORY_NAME, NULL);
	append(jsonl, 21, true, 0.2, true, true, "S", NULL, 0);
	g_assert_cmpint(ckpt_run_open(&run, folder), ==, 0);
	g_assert_cmpint(ckpt_history_load(&h, run), ==, 0);
	static const long on_disk[] = {7, 8, 17, 18, 19, 20};
	g_assert_cmpuint(ckpt_history_count(h), ==, G_N_ELEMENTS(on_disk) + 1);
	for (size_t i = 0; i < G_N_ELEMENTS(on_disk); i++) {
		g_assert_cmpint(ckpt_history_epoch(h, i), ==, on_disk[i]);
		g_assert_true(ckpt_history_recovered(h, i));
		g_assert_true(ckpt_history_saved(h, i));
		g_assert_true(ckpt_history_on_disk(h, i, run));
	}
	g_assert_cmpint(ckpt_history_epoch(h, 6), ==, 21);
	g_assert_false(ckpt_history_recovered(h, 6));
	g_assert_false(ckpt_history_on_disk(h, 6, run)); /* no epochs/021 */
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 1);
	ckpt_history_free(h);
	ckpt_run_unref(run);

	/* The legacy layout's log is in save/. */
	char *legacy = g_build_filename(fx.exp, "legacy-p1b1", NULL);
	g_assert_cmpint(ckpt_run_open(&run, legacy), ==, 0);
	g_assert_cmpint(ckpt_history_load(&h, run), ==, 0);
	g_assert_cmpuint(ckpt_history_count(h), ==, 12);
	g_assert_cmpstr(ckpt_history_metric(h), ==, "val_loss");
	ckpt_history_free(h);
	ckpt_run_unref(run);

	/* No log and no metrics.jsonl: an empty history. */
	char *empty = g_build_filename(fx.dir, "empty-run", "ckpts", CKPT_EPOCHS_NAME, NULL);
	g_assert_cmpint(g_mkdir_with_parents(empty, 0755), ==, 0);
	char *root = g_path_get_dirname(empty);
	g_assert_cmpint(ckpt_run_open(&run, root), ==, 0);
	g_assert_cmpint(ckpt_history_load(&h, run), ==, 0);
	g_assert_cmpuint(ckpt_history_count(h), ==, 0);
	g_assert_null(ckpt_history_metric(h));
	ckpt_history_free(h);
	ckpt_run_unref(run);

	g_free(root);
	g_free(empty);
	g_free(legacy);
	g_free(jsonl);
	g_free(folder);
	tu_fixture_free(&fx);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/history/jsonl/line-format", test_jsonl_line_format);
	g_test_add_func("/ckpt/history/jsonl/round-trip-nonfinite-extra-sessions",
			test_jsonl_round_trip);
	g_test_add_func("/ckpt/history/jsonl/torn-last-line-skipped",
			test_jsonl_torn_last_line_skipped);
	g_test_add_func("/ckpt/history/jsonl/bad-lines-skipped", test_jsonl_bad_lines_skipped);
	g_test_add_func("/ckpt/history/from-log/resumed-sessions-and-values",
			test_history_from_log_resumed);
	g_test_add_func("/ckpt/history/load/log-then-jsonl-then-empty",
			test_history_load_log_or_jsonl);
	return g_test_run();
}
