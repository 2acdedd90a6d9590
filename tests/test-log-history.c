/* test-log-history.c: ckpt.log (writing lines, recovering every epoch call of the
 * original's logs) and the metric history (metrics.jsonl round trips, history from a
 * log, loading a run's history). */
#include "internal.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

/* ---- helpers ----------------------------------------------------------- */

typedef struct fixture {
	char *tmp;
	char *runs; /* <tmp>/exp-2026-03 */
} fixture;

static bool fixture_unpack(fixture *fx)
{
	fx->tmp = tu_tmpdir();
	fx->runs = tu_unpack_fixtures(fx->tmp);
	return fx->runs != NULL;
}

static void fixture_done(fixture *fx)
{
	tu_rmtree(fx->tmp);
	g_free(fx->tmp);
	g_free(fx->runs);
}

/* The log of a fixture run, in either layout (SPEC §3). */
static char *run_log_path(const fixture *fx, const char *run)
{
	char *path = g_build_filename(fx->runs, run, "ckpts", CKPT_LOG_NAME, NULL);
	if (!tu_exists(path)) {
		g_free(path);
		path = g_build_filename(fx->runs, run, "save", CKPT_LOG_NAME, NULL);
	}
	return path;
}

static void parse_run_log(ckpt_log_summary *log, const fixture *fx, const char *run)
{
	char *path = run_log_path(fx, run);
	int rc = ckpt_log_parse_file(log, path);
	if (rc)
		g_error("%s: %s", path, ckpt_error_last());
	g_free(path);
}

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

/* A file name in a fresh temporary directory. */
typedef struct tmp_file {
	char *tmp;
	char *path;
} tmp_file;

static tmp_file tmp_file_new(const char *name)
{
	char *tmp = tu_tmpdir();
	return (tmp_file){tmp, g_build_filename(tmp, name, NULL)};
}

static void tmp_file_done(tmp_file *f)
{
	tu_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->path);
}

static cJSON *load_expect(void)
{
	char *path = tu_fixture_path("candle-runs.expect.json");
	char *text = tu_read(path, NULL);
	g_assert_nonnull(text);
	cJSON *root = cJSON_Parse(text);
	g_assert_nonnull(root);
	g_free(text);
	g_free(path);
	return root;
}

/* ---- ckpt.log: the fixtures ------------------------------------------- */

static void test_fixtures_metric_of_every_saved_epoch(void)
{
	fixture fx;
	if (!fixture_unpack(&fx))
		return;
	cJSON *expect = load_expect();
	size_t checked = 0;
	const cJSON *run;
	cJSON_ArrayForEach(run, cJSON_GetObjectItem(expect, "runs")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(run, "name"));
		ckpt_log_summary log;
		parse_run_log(&log, &fx, name);
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(run, "epochs")) {
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
	fixture_done(&fx);
}

static void test_fixtures_resumed_two_sessions_later_wins(void)
{
	fixture fx;
	if (!fixture_unpack(&fx))
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
	fixture_done(&fx);
}

static void test_fixtures_metric_names(void)
{
	fixture fx;
	if (!fixture_unpack(&fx))
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
	char *legacy = g_build_filename(fx.runs, "legacy-p1b1", "save", CKPT_LOG_NAME, NULL);
	ckpt_log_summary log;
	g_assert_cmpint(ckpt_log_parse_file(&log, legacy), ==, 0);
	g_assert_cmpuint(log.n_epochs, ==, 12);
	g_assert_cmpint(log.n_sessions, ==, 1);
	ckpt_log_summary_clear(&log);
	g_free(legacy);
	fixture_done(&fx);
}

static void test_fixtures_direction_inferred(void)
{
	fixture fx;
	if (!fixture_unpack(&fx))
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
	fixture_done(&fx);
}

static void test_fixtures_skipped_epochs(void)
{
	fixture fx;
	if (!fixture_unpack(&fx))
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
	fixture_done(&fx);
}

static void test_fixtures_every_call_recovered(void)
{
	fixture fx;
	if (!fixture_unpack(&fx))
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
	fixture_done(&fx);
}

/* ---- ckpt.log: hand-made logs ------------------------------------------ */

#define T "2026-03-02 09:00:00 CandleCkpt: "

static void test_parse_garbage_and_truncated_lines_skipped(void)
{
	static const char text[] =
		"garbage before anything\n"
		T "Callback initialized.\n"
		"2026-03-02 09:00:0x CandleCkpt: metrics: val_loss: current=9 < last=inf\n"
		T "metrics: val_loss: current=0.5 < last=inf\n"
		"\x01\xff\xfe not text at all \xc3\x28\n"
		T "metrics\n"
		T "rename:  'ckpts/work' -> 'ckpts/nowhere/abc'\n"
		T "writing model to: 'ckpts/work/model.h5'\n"
		T "rename:  'ckpts/work' -> 'ckpts/epochs/001'\n"
		T "linking: 'ckpts/best' -> 'ckpts/epochs/001'\n"
		T "linking: 'ckpts/last' -> 'ckpts/epochs/001'\r\n"
		T "metrics: val_loss: current=0.7 > last=0.5\n"
		T "not writing this epoch.\n"
		T "metrics: val_loss: current=0.4 < last=0.5\n"
		T "writing model to: 'ckpts/work/model.h5'\n"
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
		T "Callback initialized.\n"
		T "save_best_metric='val_loss'\n"
		T "metrics: val_loss: current=nan > last=inf\n"
		T "not writing this epoch.\n"
		T "metrics: val_loss: current=inf = last=inf\n"
		T "not writing this epoch.\n"
		T "metrics: val_loss: current=-inf < last=inf\n"
		T "writing model to: 'ckpts/work/model.h5'\n"
		T "rename:  'ckpts/work' -> 'ckpts/epochs/003'\n"
		T "linking: 'ckpts/best' -> 'ckpts/epochs/003'\n"
		T "metrics: val_loss: current=1,5 > last=-inf\n"
		T "not writing this epoch.\n";
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
	static const char text[] =
		T "Callback initialized.\n"
		T "save_best_metric='val_loss'\n"
		T "model saving disabled until epoch 2\n"
		T "writing model to: 'ckpts/work/model.h5'\n"
		T "rename:  'ckpts/work' -> 'ckpts/epochs/002'\n"
		T "linking: 'ckpts/last' -> 'ckpts/epochs/002'\n"
		T "not writing this epoch.\n"
		T "remove:  'ckpts/epochs/004'\n"
		T "writing model to: 'ckpts/work/model.h5'\n"
		T "rename:  'ckpts/work' -> 'ckpts/epochs/004'\n"
		T "clean(): deleted epoch: 2\n"
		T "writing final epoch 5 ...\n"
		T "writing model to: 'ckpts/work/model.h5'\n"
		T "rename:  'ckpts/work' -> 'ckpts/epochs/005'\n"
		T "checkpoints kept: 2\n"
		T "checkpoints list: [4, 5]\n";
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
		T "metrics: val_loss: current=0.5 < last=inf\n"
		T "not writing this epoch.\n"
		T "Callback initialized.\n"
		T "Callback initialized.\n"
		T "restarting from epoch: 6\n"
		T "metrics: val_loss: current=0.4 < last=0.5\n"
		T "not writing this epoch.\n"
		T "metrics: val_loss: current=0.3 < last=0.5\n"
		T "not writing this epoch.\n"
		T "Callback initialized.\n";
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
		T "save_best_metric='val\xff\xfe'\n"
		T "metrics: a\tb: current=1.0 < last=inf\n";
	parse_text(&log, bad_name);
	g_assert_null(log.metric);
	g_assert_cmpuint(log.n_epochs, ==, 1);
	ckpt_log_summary_clear(&log);

	/* A NUL in the middle of a line ends nothing but that line. */
	static const char with_nul[] = T "metrics: val_loss: current=0.25\0 < last=inf\n"
				       T "metrics: val_loss: current=0.5 < last=inf\n";
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
				       0.356323, '<', INFINITY), ==, 0);
	g_assert_cmpint(ckpt_log_write(path, "rename:  '%s' -> '%s'", "ckpts/work",
				       "ckpts/epochs/007"), ==, 0);
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

/* ---- metrics.jsonl ----------------------------------------------------- */

static void append(const char *path, long epoch, bool has_value, double value, bool saved,
		   bool best, const char *session, const ckpt_metric *extra, size_t n_extra)
{
	ckpt_history_line line = {
		.epoch = epoch, .metric = "val_loss", .direction = '-',
		.has_value = has_value, .value = value, .saved = saved, .became_best = best,
		.time = "2026-03-02 09:00:12", .session = session,
		.extra = extra, .n_extra = n_extra,
	};
	int rc = ckpt_history_append(path, &line);
	if (rc)
		g_error("%s", ckpt_error_last());
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
	g_assert_cmpstr(text, ==,
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

	const ckpt_history_point *p = ckpt_history_get(h, 0);
	g_assert_true(p->has_value && isnan(p->value));
	g_assert_cmpint(p->epoch, ==, 1);
	g_assert_cmpint(p->session, ==, 0);
	g_assert_cmpstr(p->time, ==, "2026-03-02 09:00:12");
	g_assert_cmpuint(p->n_extra, ==, 0);
	p = ckpt_history_get(h, 1);
	g_assert_true(isinf(p->value) && p->value > 0);
	g_assert_true(p->saved && !p->became_best);
	g_assert_cmpuint(p->n_extra, ==, 3);
	g_assert_cmpstr(p->extra[0].name, ==, "loss");
	g_assert_cmpfloat(p->extra[0].value, ==, 0.25);
	g_assert_cmpstr(p->extra[1].name, ==, "val_acc");
	g_assert_true(isinf(p->extra[1].value) && p->extra[1].value < 0);
	g_assert_true(isnan(p->extra[2].value));
	p = ckpt_history_get(h, 2);
	g_assert_true(isinf(p->value) && p->value < 0 && p->became_best);
	/* The rollback: epochs 2 and 3 again, in a second session, in file order. */
	p = ckpt_history_get(h, 3);
	g_assert_cmpint(p->epoch, ==, 2);
	g_assert_cmpint(p->session, ==, 1);
	g_assert_cmpfloat(p->value, ==, 0.125);
	p = ckpt_history_get(h, 4);
	g_assert_false(p->has_value);
	g_assert_null(ckpt_history_get(h, 5));
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
	g_assert_cmpint(ckpt_history_get(h, 0)->epoch, ==, 1);
	ckpt_history_free(h);
	/* The next writer's append after the torn line is not glued to it. */
	tu_write_bytes(path, text, torn);
	append(path, 2, true, 0.3, true, true, "B", NULL, 0);
	h = parse_history_file(path);
	g_assert_cmpuint(ckpt_history_count(h), ==, 2);
	g_assert_cmpint(ckpt_history_get(h, 1)->epoch, ==, 2);
	g_assert_cmpfloat(ckpt_history_get(h, 1)->value, ==, 0.3);
	g_assert_cmpint(ckpt_history_get(h, 1)->session, ==, 1);
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
	const ckpt_history_point *p = ckpt_history_get(h, 0);
	g_assert_cmpint(p->epoch, ==, 6);
	g_assert_false(p->has_value);
	g_assert_cmpuint(p->n_extra, ==, 1);
	g_assert_cmpstr(p->extra[0].name, ==, "c");
	g_assert_null(p->time);
	g_assert_cmpint(ckpt_history_get(h, 1)->epoch, ==, 7);
	g_assert_null(ckpt_history_metric(h));
	g_assert_cmpint(ckpt_history_direction(h), ==, 0);
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 1);
	ckpt_history_free(h);
}

/* ---- history from a log, and loading a run ------------------------------ */

static void test_history_from_log_resumed(void)
{
	fixture fx;
	if (!fixture_unpack(&fx))
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
		const ckpt_history_point *p = ckpt_history_get(h, i);
		g_assert_cmpint(p->epoch, ==, log.epochs[i].epoch);
		g_assert_cmpint(p->session, ==, log.epochs[i].session);
		g_assert_cmpint(p->saved, ==, log.epochs[i].saved);
		g_assert_cmpint(p->became_best, ==, log.epochs[i].became_best);
		g_assert_cmpfloat(p->value, ==, log.epochs[i].value);
		g_assert_cmpstr(p->time, ==, log.epochs[i].time);
		g_assert_cmpuint(p->n_extra, ==, 0);
	}
	ckpt_history_free(h);
	ckpt_log_summary_clear(&log);
	fixture_done(&fx);
}

static void test_history_load_log_or_jsonl(void)
{
	fixture fx;
	if (!fixture_unpack(&fx))
		return;
	/* A run of the original: the history comes from ckpt.log. */
	char *folder = g_build_filename(fx.runs, "resumed", NULL);
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

	/* Once metrics.jsonl exists, it is the history. */
	char *jsonl = g_build_filename(folder, "ckpts", CKPT_HISTORY_NAME, NULL);
	append(jsonl, 21, true, 0.2, true, true, "S", NULL, 0);
	g_assert_cmpint(ckpt_run_open(&run, folder), ==, 0);
	g_assert_cmpint(ckpt_history_load(&h, run), ==, 0);
	g_assert_cmpuint(ckpt_history_count(h), ==, 1);
	g_assert_cmpint(ckpt_history_get(h, 0)->epoch, ==, 21);
	ckpt_history_free(h);
	ckpt_run_unref(run);

	/* The legacy layout's log is in save/. */
	char *legacy = g_build_filename(fx.runs, "legacy-p1b1", NULL);
	g_assert_cmpint(ckpt_run_open(&run, legacy), ==, 0);
	g_assert_cmpint(ckpt_history_load(&h, run), ==, 0);
	g_assert_cmpuint(ckpt_history_count(h), ==, 12);
	g_assert_cmpstr(ckpt_history_metric(h), ==, "val_loss");
	ckpt_history_free(h);
	ckpt_run_unref(run);

	/* No log and no metrics.jsonl: an empty history. */
	char *empty = g_build_filename(fx.tmp, "empty-run", "ckpts", CKPT_EPOCHS_NAME, NULL);
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
	fixture_done(&fx);
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
