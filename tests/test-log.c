/* test-log.c: ckpt.log: every epoch call of the original's logs recovered
 * (values, sessions, metric names, direction, skipped and unsaved epochs),
 * hand-made and hostile logs parsed safely, and lines written as it reads. */
#include "internal.h"
#include "log-fixture.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

/* ---- helpers ----------------------------------------------------------- */

static void parse_text(ckpt_log_summary *log, const char *text)
{
	g_assert_cmpint(ckpt_log_parse(log, text, strlen(text)), ==, 0);
}

/* The last record of epoch that was saved, or NULL. */
static const ckpt_log_epoch *last_saved(const ckpt_log_summary *log, long epoch)
{
	for (size_t i = log->n_epochs; i-- > 0;)
		if (log->epochs[i].epoch == epoch && log->epochs[i].saved)
			return &log->epochs[i];
	return NULL;
}

static size_t count_saved(const ckpt_log_summary *log, long epoch)
{
	size_t n = 0;
	for (size_t i = 0; i < log->n_epochs; i++)
		n += log->epochs[i].epoch == epoch && log->epochs[i].saved;
	return n;
}

/* ---- ckpt.log: the fixtures ------------------------------------------- */

static void test_fixtures_metric_of_every_saved_epoch(void)
{
	tu_fixture fx;
	if (!tu_fixture_init(&fx))
		return;
	cJSON *expect = tu_load_expect();
	size_t checked = 0;
	const cJSON *run;
	cJSON_ArrayForEach(run, cJSON_GetObjectItem(expect, "runs"))
	{
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(run, "name"));
		ckpt_log_summary log;
		parse_run_log(&log, &fx, name);
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(run, "epochs"))
		{
			const cJSON *metric = cJSON_GetObjectItem(e, "metric");
			if (!cJSON_IsNumber(metric))
				continue;
			long epoch = (long)cJSON_GetObjectItem(e, "epoch")->valuedouble;
			const ckpt_log_epoch *rec = last_saved(&log, epoch);
			if (!rec)
				g_error("%s: epoch %ld: no saved record in ckpt.log", name, epoch);
			g_assert_true(rec->has_value);
			if (fabs(rec->value - metric->valuedouble) > 1e-9)
				g_error("%s: epoch %ld: metric %.9g, expected %.9g", name, epoch,
					rec->value, metric->valuedouble);
			checked++;
		}
		ckpt_log_summary_clear(&log);
	}
	g_assert_cmpuint(checked, >=, 30);
	cJSON_Delete(expect);
	tu_fixture_free(&fx);
}

static void test_fixtures_resumed_two_sessions_later_wins(void)
{
	tu_fixture fx;
	if (!tu_fixture_init(&fx))
		return;
	ckpt_log_summary log;
	parse_run_log(&log, &fx, "resumed");
	g_assert_cmpint(log.n_sessions, ==, 2);
	/* 10 calls, then a restart from epoch 8: 12 more, numbered 9..20. */
	g_assert_cmpuint(log.n_epochs, ==, 22);
	for (size_t i = 0; i < 10; i++) {
		g_assert_cmpint(log.epochs[i].session, ==, 0);
		g_assert_cmpint(log.epochs[i].epoch, ==, (long)i + 1);
	}
	for (size_t i = 10; i < 22; i++) {
		g_assert_cmpint(log.epochs[i].session, ==, 1);
		g_assert_cmpint(log.epochs[i].epoch, ==, (long)i - 1);
	}
	g_assert_cmpuint(count_saved(&log, 9), ==, 2);
	g_assert_cmpuint(count_saved(&log, 10), ==, 2);
	g_assert_cmpfloat_with_epsilon(log.epochs[8].value, 0.628039, 1e-9);
	g_assert_cmpfloat_with_epsilon(log.epochs[9].value, 0.595161, 1e-9);
	g_assert_cmpfloat_with_epsilon(last_saved(&log, 9)->value, 0.629699, 1e-9);
	g_assert_cmpfloat_with_epsilon(last_saved(&log, 10)->value, 0.516375, 1e-9);
	g_assert_cmpint(last_saved(&log, 9)->session, ==, 1);
	/* Epoch 11 of the second session was saved but was not an improvement. */
	g_assert_true(last_saved(&log, 11)->saved);
	g_assert_false(last_saved(&log, 11)->became_best);
	g_assert_true(last_saved(&log, 12)->became_best);
	g_assert_cmpstr(log.epochs[10].time, ==, "2026-03-02 09:00:12");
	ckpt_log_summary_clear(&log);
	tu_fixture_free(&fx);
}

static void test_fixtures_metric_names(void)
{
	tu_fixture fx;
	if (!tu_fixture_init(&fx))
		return;
	const char *runs[][2] = {
	    {"tc1-acc", "val_accuracy"},
	    {"legacy-p1b1", "val_loss"},
	    {"nt3-lr0.01", "val_loss"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(runs); i++) {
		ckpt_log_summary log;
		parse_run_log(&log, &fx, runs[i][0]);
		g_assert_cmpstr(log.metric, ==, runs[i][1]);
		ckpt_log_summary_clear(&log);
	}
	/* The legacy layout keeps its log in save/, next to save/ckpts/. */
	char *legacy = g_build_filename(fx.exp, "legacy-p1b1", "save", CKPT_LOG_NAME, NULL);
	ckpt_log_summary log;
	g_assert_cmpint(ckpt_log_parse_file(&log, legacy), ==, 0);
	g_assert_cmpuint(log.n_epochs, ==, 12);
	g_assert_cmpint(log.n_sessions, ==, 1);
	ckpt_log_summary_clear(&log);
	g_free(legacy);
	tu_fixture_free(&fx);
}

static void test_fixtures_direction_inferred(void)
{
	tu_fixture fx;
	if (!tu_fixture_init(&fx))
		return;
	ckpt_log_summary log;
	parse_run_log(&log, &fx, "nt3-lr0.01");
	g_assert_cmpint(log.direction, ==, '-');
	ckpt_log_summary_clear(&log);
	/* The original never records a best with '+' and no start value: no evidence. */
	parse_run_log(&log, &fx, "tc1-acc");
	g_assert_cmpint(log.direction, ==, 0);
	for (size_t i = 0; i < log.n_epochs; i++)
		g_assert_false(log.epochs[i].became_best);
	ckpt_log_summary_clear(&log);
	tu_fixture_free(&fx);
}

static void test_fixtures_skipped_epochs(void)
{
	tu_fixture fx;
	if (!tu_fixture_init(&fx))
		return;
	ckpt_log_summary log;
	parse_run_log(&log, &fx, "tc1-acc");
	g_assert_cmpuint(log.n_epochs, ==, 15);
	for (size_t i = 0; i < log.n_epochs; i++)
		g_assert_cmpint(log.epochs[i].epoch, ==, (long)i + 1);
	for (size_t i = 0; i < 3; i++) {
		g_assert_false(log.epochs[i].saved);
		g_assert_false(log.epochs[i].has_value);
	}
	g_assert_true(log.epochs[3].saved);
	g_assert_true(log.epochs[3].has_value);
	g_assert_cmpfloat_with_epsilon(log.epochs[3].value, 0.694289, 1e-9);
	g_assert_true(log.epochs[14].saved);
	ckpt_log_summary_clear(&log);
	tu_fixture_free(&fx);
}

static void test_fixtures_every_call_recovered(void)
{
	tu_fixture fx;
	if (!tu_fixture_init(&fx))
		return;
	/* Interval 2: four calls were "not writing this epoch." yet have values. */
	ckpt_log_summary log;
	parse_run_log(&log, &fx, "nt3-lr0.001");
	g_assert_cmpuint(log.n_epochs, ==, 30);
	size_t unsaved = 0;
	for (size_t i = 0; i < log.n_epochs; i++) {
		g_assert_cmpint(log.epochs[i].epoch, ==, (long)i + 1);
		g_assert_true(log.epochs[i].has_value);
		unsaved += !log.epochs[i].saved;
	}
	g_assert_cmpuint(unsaved, ==, 4);
	g_assert_false(last_saved(&log, 29));
	ckpt_log_summary_clear(&log);

	parse_run_log(&log, &fx, "long-1200");
	g_assert_cmpuint(log.n_epochs, ==, 1200);
	for (size_t i = 0; i < log.n_epochs; i++) {
		g_assert_cmpint(log.epochs[i].epoch, ==, (long)i + 1);
		g_assert_true(log.epochs[i].saved);
	}
	ckpt_log_summary_clear(&log);
	tu_fixture_free(&fx);
}

/* ---- ckpt.log: hand-made logs ------------------------------------------ */

#define T "2026-03-02 09:00:00 CandleCkpt: "

static void test_parse_garbage_and_truncated_lines_skipped(void)
{
	static const char text[] =
	    "garbage before anything\n" T "Callback initialized.\n"
	    "2026-03-02 09:00:0x CandleCkpt: metrics: val_loss: current=9 < last=inf\n" T
	    "metrics: val_loss: current=0.5 < last=inf\n"
	    "\x01\xff\xfe not text at all \xc3\x28\n" T "metrics\n" T
	    "rename:  'ckpts/work' -> 'ckpts/nowhere/abc'\n" T
	    "writing model to: 'ckpts/work/model.h5'\n" T
	    "rename:  'ckpts/work' -> 'ckpts/epochs/001'\n" T
	    "linking: 'ckpts/best' -> 'ckpts/epochs/001'\n" T
	    "linking: 'ckpts/last' -> 'ckpts/epochs/001'\r\n" T
	    "metrics: val_loss: current=0.7 > last=0.5\n" T "not writing this epoch.\n" T
	    "metrics: val_loss: current=0.4 < last=0.5\n" T
	    "writing model to: 'ckpts/work/model.h5'\n"
	    "2026-03-02 09:0";
	ckpt_log_summary log;
	parse_text(&log, text);
	g_assert_cmpuint(log.n_epochs, ==, 3);
	g_assert_true(log.epochs[0].saved && log.epochs[0].became_best);
	g_assert_cmpfloat(log.epochs[0].value, ==, 0.5);
	g_assert_false(log.epochs[1].saved);
	g_assert_cmpfloat(log.epochs[1].value, ==, 0.7);
	/* The crash came before its rename: not saved. */
	g_assert_cmpint(log.epochs[2].epoch, ==, 3);
	g_assert_false(log.epochs[2].saved);
	g_assert_cmpstr(log.metric, ==, "val_loss");
	g_assert_cmpint(log.direction, ==, '-');
	ckpt_log_summary_clear(&log);

	/* Empty and prefix-only inputs are valid, empty logs. */
	g_assert_cmpint(ckpt_log_parse(&log, "", 0), ==, 0);
	g_assert_cmpuint(log.n_epochs, ==, 0);
	g_assert_cmpint(log.n_sessions, ==, 0);
	g_assert_null(log.metric);
	ckpt_log_summary_clear(&log);
	parse_text(&log, T);
	g_assert_cmpuint(log.n_epochs, ==, 0);
	ckpt_log_summary_clear(&log);
}

static void test_parse_nan_and_inf_values(void)
{
	static const char text[] =
	    T "Callback initialized.\n" T "save_best_metric='val_loss'\n" T
	      "metrics: val_loss: current=nan > last=inf\n" T "not writing this epoch.\n" T
	      "metrics: val_loss: current=inf = last=inf\n" T "not writing this epoch.\n" T
	      "metrics: val_loss: current=-inf < last=inf\n" T
	      "writing model to: 'ckpts/work/model.h5'\n" T
	      "rename:  'ckpts/work' -> 'ckpts/epochs/003'\n" T
	      "linking: 'ckpts/best' -> 'ckpts/epochs/003'\n" T
	      "metrics: val_loss: current=1,5 > last=-inf\n" T "not writing this epoch.\n";
	ckpt_log_summary log;
	parse_text(&log, text);
	g_assert_cmpuint(log.n_epochs, ==, 4);
	g_assert_true(log.epochs[0].has_value && isnan(log.epochs[0].value));
	g_assert_true(log.epochs[1].has_value && isinf(log.epochs[1].value));
	g_assert_cmpfloat(log.epochs[1].value, >, 0);
	g_assert_true(isinf(log.epochs[2].value) && log.epochs[2].value < 0);
	g_assert_true(log.epochs[2].saved && log.epochs[2].became_best);
	/* A garbled number is no value, not a wrong one. */
	g_assert_false(log.epochs[3].has_value);
	g_assert_cmpint(log.epochs[3].epoch, ==, 4);
	ckpt_log_summary_clear(&log);
}

static void test_parse_save_best_off_calls(void)
{
	/* No metrics lines: each call is "not writing", or a save sequence. The rename's
	 * epoch wins over the counter; "remove:" replaces an epoch left by a rollback. */
	static const char text[] = T
	    "Callback initialized.\n" T "save_best_metric='val_loss'\n" T
	    "model saving disabled until epoch 2\n" T "writing model to: 'ckpts/work/model.h5'\n" T
	    "rename:  'ckpts/work' -> 'ckpts/epochs/002'\n" T
	    "linking: 'ckpts/last' -> 'ckpts/epochs/002'\n" T "not writing this epoch.\n" T
	    "remove:  'ckpts/epochs/004'\n" T "writing model to: 'ckpts/work/model.h5'\n" T
	    "rename:  'ckpts/work' -> 'ckpts/epochs/004'\n" T "clean(): deleted epoch: 2\n" T
	    "writing final epoch 5 ...\n" T "writing model to: 'ckpts/work/model.h5'\n" T
	    "rename:  'ckpts/work' -> 'ckpts/epochs/005'\n" T "checkpoints kept: 2\n" T
	    "checkpoints list: [4, 5]\n";
	ckpt_log_summary log;
	parse_text(&log, text);
	g_assert_cmpuint(log.n_epochs, ==, 5);
	const long epochs[] = {1, 2, 3, 4, 5};
	const bool saved[] = {false, true, false, true, true};
	for (size_t i = 0; i < 5; i++) {
		g_assert_cmpint(log.epochs[i].epoch, ==, epochs[i]);
		g_assert_cmpint(log.epochs[i].saved, ==, saved[i]);
		g_assert_false(log.epochs[i].has_value);
		g_assert_false(log.epochs[i].became_best);
	}
	g_assert_cmpint(log.direction, ==, 0);
	ckpt_log_summary_clear(&log);
}

static void test_parse_sessions_numbered_by_first_call(void)
{
	/* Calls before any "Callback initialized." (a log cut at its head) form a
	 * session; a writer that died before its first epoch leaves none. */
	static const char text[] =
	    T "metrics: val_loss: current=0.5 < last=inf\n" T "not writing this epoch.\n" T
	      "Callback initialized.\n" T "Callback initialized.\n" T "restarting from epoch: 6\n" T
	      "metrics: val_loss: current=0.4 < last=0.5\n" T "not writing this epoch.\n" T
	      "metrics: val_loss: current=0.3 < last=0.5\n" T "not writing this epoch.\n" T
	      "Callback initialized.\n";
	ckpt_log_summary log;
	parse_text(&log, text);
	g_assert_cmpint(log.n_sessions, ==, 2);
	g_assert_cmpuint(log.n_epochs, ==, 3);
	g_assert_cmpint(log.epochs[0].session, ==, 0);
	g_assert_cmpint(log.epochs[0].epoch, ==, 1);
	g_assert_cmpint(log.epochs[1].session, ==, 1);
	g_assert_cmpint(log.epochs[1].epoch, ==, 7);
	g_assert_cmpint(log.epochs[2].epoch, ==, 8);
	ckpt_log_summary_clear(&log);
}

static void test_parse_hostile_input_bounded(void)
{
	/* Random bytes with NULs and newlines, and one line of 4 MB. */
	GRand *rand = g_rand_new_with_seed(42);
	size_t len = 4u << 20;
	char *text = g_malloc(len * 2);
	for (size_t i = 0; i < len; i++)
		text[i] = (char)g_rand_int_range(rand, 0, 256);
	memset(text + len, 'x', len);
	text[len - 1] = '\n';
	memcpy(text + len, T "metrics: ", strlen(T "metrics: "));
	ckpt_log_summary log;
	g_assert_cmpint(ckpt_log_parse(&log, text, len * 2), ==, 0);
	ckpt_log_summary_clear(&log);
	g_free(text);
	g_rand_free(rand);

	/* Metric names that are not printable UTF-8 are not taken. */
	static const char bad_name[] =
	    T "save_best_metric='val\xff\xfe'\n" T "metrics: a\tb: current=1.0 < last=inf\n";
	parse_text(&log, bad_name);
	g_assert_null(log.metric);
	g_assert_cmpuint(log.n_epochs, ==, 1);
	ckpt_log_summary_clear(&log);

	/* A NUL in the middle of a line ends nothing but that line. */
	static const char with_nul[] = T "metrics: val_loss: current=0.25\0 < last=inf\n" T
					 "metrics: val_loss: current=0.5 < last=inf\n";
	g_assert_cmpint(ckpt_log_parse(&log, with_nul, sizeof with_nul - 1), ==, 0);
	g_assert_cmpuint(log.n_epochs, ==, 2);
	g_assert_false(log.epochs[0].has_value);
	g_assert_cmpfloat(log.epochs[1].value, ==, 0.5);
	ckpt_log_summary_clear(&log);
}

static void test_parse_file_absent_is_enoent(void)
{
	tmp_file f = tmp_file_new(CKPT_LOG_NAME);
	const char *path = f.path;
	ckpt_log_summary log;
	g_assert_cmpint(ckpt_log_parse_file(&log, path), ==, CKPT_ENOENT);
	g_assert_nonnull(strstr(ckpt_error_last(), path));
	tmp_file_done(&f);
}

static void test_write_line_format(void)
{
	tmp_file f = tmp_file_new(CKPT_LOG_NAME);
	const char *path = f.path;
	g_assert_cmpint(ckpt_log_write(path, "Callback initialized."), ==, 0);
	g_assert_cmpint(ckpt_log_write(path, "metrics: %s: current=%f %c last=%f", "val_loss",
				       0.356323, '<', INFINITY),
			==, 0);
	g_assert_cmpint(
	    ckpt_log_write(path, "rename:  '%s' -> '%s'", "ckpts/work", "ckpts/epochs/007"), ==, 0);
	g_assert_cmpint(ckpt_log_write(path, "linking: 'ckpts/best' -> 'ckpts/epochs/007'"), ==, 0);
	char *text = tu_read(path, NULL);
	char **lines = g_strsplit(text, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 5);
	g_assert_cmpstr(lines[4], ==, "");
	const char *pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} CandleCkpt: ";
	for (size_t i = 0; i < 4; i++)
		g_assert_true(g_regex_match_simple(pattern, lines[i], 0, 0));
	g_assert_cmpstr(lines[0] + 19, ==, " CandleCkpt: Callback initialized.");
	g_assert_cmpstr(lines[1] + 32, ==, "metrics: val_loss: current=0.356323 < last=inf");

	/* What the writer logs, the parser reads back. */
	ckpt_log_summary log;
	g_assert_cmpint(ckpt_log_parse_file(&log, path), ==, 0);
	g_assert_cmpuint(log.n_epochs, ==, 1);
	g_assert_cmpint(log.epochs[0].epoch, ==, 7);
	g_assert_true(log.epochs[0].saved && log.epochs[0].became_best);
	g_assert_cmpfloat(log.epochs[0].value, ==, 0.356323);
	g_assert_cmpmem(log.epochs[0].time, 19, lines[1], 19);
	ckpt_log_summary_clear(&log);

	g_strfreev(lines);
	g_free(text);
	tmp_file_done(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/log/fixtures/metric-of-every-saved-epoch",
			test_fixtures_metric_of_every_saved_epoch);
	g_test_add_func("/ckpt/log/fixtures/resumed-two-sessions-later-wins",
			test_fixtures_resumed_two_sessions_later_wins);
	g_test_add_func("/ckpt/log/fixtures/metric-names", test_fixtures_metric_names);
	g_test_add_func("/ckpt/log/fixtures/direction-inferred", test_fixtures_direction_inferred);
	g_test_add_func("/ckpt/log/fixtures/skip-epochs-recorded-unsaved",
			test_fixtures_skipped_epochs);
	g_test_add_func("/ckpt/log/fixtures/every-call-recovered",
			test_fixtures_every_call_recovered);
	g_test_add_func("/ckpt/log/parse/garbage-and-truncated-lines-skipped",
			test_parse_garbage_and_truncated_lines_skipped);
	g_test_add_func("/ckpt/log/parse/nan-and-inf-values", test_parse_nan_and_inf_values);
	g_test_add_func("/ckpt/log/parse/save-best-off-calls", test_parse_save_best_off_calls);
	g_test_add_func("/ckpt/log/parse/sessions-numbered-by-first-call",
			test_parse_sessions_numbered_by_first_call);
	g_test_add_func("/ckpt/log/parse/hostile-input-bounded", test_parse_hostile_input_bounded);
	g_test_add_func("/ckpt/log/parse/absent-file-is-enoent", test_parse_file_absent_is_enoent);
	g_test_add_func("/ckpt/log/write/line-format-and-read-back", test_write_line_format);
	return g_test_run();
}
