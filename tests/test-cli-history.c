/* test-cli-history.c: `ckpt history` and `ckpt show` on real runs: writer
 * sessions numbered from 1 in the table, CSV and JSON; recovered points;
 * a torn last line reported; exact CSV with the extra metrics; the run's
 * summary and one epoch's details. */
#include "cli-fixture.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A run of two writer sessions: epochs 1-3, then a restart and 4-5. */
static char *make_two_sessions(const char *dir)
{
	char *run = make_demo(dir, "run", "3", NULL);
	char *out = ckpt_expect(0, "demo", run, "--epochs", "5", "--every", "0", "--model-bytes",
				"4096", "--ckpt_keep_mode=all");
	g_free(out);
	return run;
}

static void test_history_sessions_from_one_everywhere(void)
{
	char *dir = tu_tmpdir();
	char *run = make_two_sessions(dir);
	char *out = ckpt_expect(0, "history", run);
	g_assert_nonnull(strstr(out, "run: val_loss (min), 5 epochs, 2 writer sessions\n"));
	g_assert_true(g_regex_match_simple("\n +3 .*\n--- writer session 2 \\(restart\\) ---\n +4 ",
					   out, 0, 0));
	g_assert_null(strstr(out, "session 1"));
	g_free(out);
	out = ckpt_expect(0, "history", run, "--csv");
	char **lines = g_strsplit(out, "\n", -1);
	g_assert_cmpstr(lines[0], ==,
			"epoch,value,saved,best,session,time,recovered,loss,accuracy");
	g_assert_cmpuint(g_strv_length(lines), ==, 7); /* header, 5 rows, "" */
	for (int i = 1; i <= 5; i++) {
		char **f = g_strsplit(lines[i], ",", -1);
		g_assert_cmpuint(g_strv_length(f), ==, 9);
		g_assert_cmpint(atoi(f[0]), ==, i);
		g_assert_cmpstr(f[4], ==, i <= 3 ? "1" : "2");
		g_assert_true(g_regex_match_simple("^20[0-9-]+ [0-9:]+$", f[5], 0, 0));
		g_assert_cmpstr(f[6], ==, "0");
		g_assert_true(isfinite(g_ascii_strtod(f[7], NULL)));
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(out);
	cJSON *json = ckpt_expect_json(0, "history", run, "--json");
	g_assert_cmpint((int)get_number(json, "sessions"), ==, 2);
	cJSON *points = get(json, "points");
	g_assert_cmpint((int)get_number(cJSON_GetArrayItem(points, 0), "session"), ==, 1);
	g_assert_cmpint((int)get_number(cJSON_GetArrayItem(points, 4), "session"), ==, 2);
	g_assert_true(cJSON_IsNull(get(json, "problem")));
	cJSON_Delete(json);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* The CSV's numbers read back as the JSON's, which are the library's. */
static void test_history_csv_is_exact_and_quoted(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "3", NULL);
	char *history = g_build_filename(run, "ckpts", "metrics.jsonl", NULL);
	char *text = tu_read(history, NULL);
	GRegex *re = g_regex_new("\"loss\"", 0, 0, NULL);
	char *renamed = g_regex_replace_literal(re, text, -1, 0, "\"lo\\\"ss,x\"", 0, NULL);
	tu_write(history, renamed);
	cJSON *json = ckpt_expect_json(0, "history", run, "--json");
	char *out = ckpt_expect(0, "history", run, "--csv");
	g_assert_true(g_str_has_prefix(out, "epoch,value,saved,best,session,time,recovered,"
					    "\"lo\"\"ss,x\",accuracy\n"));
	char **lines = g_strsplit(out, "\n", -1);
	for (int i = 1; i <= 3; i++) {
		cJSON *point = cJSON_GetArrayItem(get(json, "points"), i - 1);
		char **f = g_strsplit(lines[i], ",", -1);
		g_assert_cmpfloat(g_ascii_strtod(f[1], NULL), ==, get_number(point, "value"));
		char *last = f[g_strv_length(f) - 1];
		g_assert_cmpfloat(g_ascii_strtod(last, NULL), ==,
				  get_number(get(point, "metrics"), "accuracy"));
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(out);
	cJSON_Delete(json);
	g_regex_unref(re);
	g_free(renamed);
	g_free(text);
	g_free(history);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* A writer killed between publishing an epoch and its history line: the
 * point is recovered and marked; a torn last line is reported. */
static void test_history_recovered_and_torn(void)
{
	char *dir = tu_tmpdir();
	char *run = make_two_sessions(dir);
	char *history = g_build_filename(run, "ckpts", "metrics.jsonl", NULL);
	gsize len = 0;
	char *text = tu_read(history, &len);
	char *last_line = g_strrstr_len(text, (gssize)len - 1, "\n");
	g_assert_nonnull(last_line);
	last_line[1] = '\0';
	char *torn = g_strdup_printf("%s{\"epoch\": 6, \"met", text);
	tu_write(history, torn);
	run_result r = run_ckpt("history", run);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_true(g_regex_match_simple("\n +5  .*  recovered\n", r.out, 0, 0));
	g_assert_nonnull(strstr(r.out, "\nrecovered: on disk, but no history line records it"));
	g_assert_true(g_str_has_prefix(r.err, "ckpt history: run: metrics.jsonl: "));
	run_result_clear(&r);
	r = run_ckpt("history", run, "--csv");
	g_assert_true(g_regex_match_simple("\n5,[^,]+,1,[01],2,[^,]*,1,", r.out, 0, 0));
	run_result_clear(&r);
	cJSON *json = ckpt_expect_json(0, "history", run, "--json");
	g_assert_nonnull(get_string(json, "problem"));
	cJSON *point = cJSON_GetArrayItem(get(json, "points"), 4);
	g_assert_true(cJSON_IsTrue(get(point, "recovered")));
	cJSON_Delete(json);
	g_free(torn);
	g_free(text);
	g_free(history);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_show_summary(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "3", "--ckpt_keep_limit=4");
	char *out = ckpt_expect(0, "show", run);
	g_assert_true(g_str_has_prefix(out, "run      run\n"));
	g_assert_nonnull(strstr(out, "\nmetric   val_loss (min)\n"));
	g_assert_nonnull(strstr(out, "\nkeep     4, linear (the run's own)\n"));
	g_assert_true(g_regex_match_simple("\nsaved    (just now|[0-9]+ s ago) \\(20", out, 0, 0));
	g_assert_nonnull(strstr(out, "\nstatus   ok\n"));
	g_free(out);
	/* The original's runs record no policy: a guess, said as one. */
	GRegex *re = g_regex_new(", \"keep_(limit|mode)\": [^,}]+", 0, 0, NULL);
	for (int e = 1; e <= 3; e++) {
		char name[8];
		snprintf(name, sizeof name, "%03d", e);
		char *path = epoch_path(run, name, "ckpt-info.json");
		char *t = tu_read(path, NULL);
		char *p = g_regex_replace_literal(re, t, -1, 0, "", 0, NULL);
		tu_write(path, p);
		g_free(p);
		g_free(t);
		g_free(path);
	}
	out = ckpt_expect(0, "show", run);
	g_assert_nonnull(
	    strstr(out, "\nkeep     5, linear (a guess: the original records none)\n"));
	g_free(out);
	g_regex_unref(re);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_show_epoch_details(void)
{
	char *dir = tu_tmpdir();
	char *run = make_two_sessions(dir);
	cJSON *json = ckpt_expect_json(0, "show", run, "5", "--json");
	g_assert_cmpint((int)get_number(json, "epoch"), ==, 5);
	g_assert_true(g_str_has_prefix(get_string(json, "metadata"), "ckpt demo pid="));
	g_assert_cmpstr(get_string(json, "save_best_metric"), ==, "val_loss");
	g_assert_true(cJSON_IsNumber(get(json, "time_elapsed")));
	/* The value of its ckpt-info.json, not whatever was on the stack (the
	 * value was once passed before the call that fills it). */
	char *info_path = g_build_filename(run, "ckpts", "epochs", "005", "ckpt-info.json", NULL);
	char *info_text = tu_read(info_path, NULL);
	cJSON *info = cJSON_Parse(info_text);
	g_assert_cmpfloat(get_number(json, "time_elapsed"), ==, get_number(info, "time_elapsed"));
	cJSON_Delete(info);
	g_free(info_text);
	g_free(info_path);
	g_assert_true(cJSON_IsTrue(get(json, "is_last")));
	g_assert_nonnull(get_string(json, "session"));
	double loss = get_number(get(json, "metrics"), "loss");
	cJSON_Delete(json);
	/* Each session's first save has no previous one to time against. */
	json = ckpt_expect_json(0, "show", run, "4", "--json");
	g_assert_cmpstr(get_string(json, "time_elapsed"), ==, "__FIRST__");
	cJSON_Delete(json);
	char *out = ckpt_expect(0, "show", run, "5");
	/* Exact: the value reads back as the library's. */
	const char *at = strstr(out, "\nmetrics.loss      ");
	g_assert_nonnull(at);
	g_assert_cmpfloat(g_ascii_strtod(at + strlen("\nmetrics.loss      "), NULL), ==, loss);
	g_assert_nonnull(strstr(out, "\nmetrics.accuracy  "));
	g_assert_nonnull(strstr(out, "\nsession           2 (of 2)\n"));
	g_assert_nonnull(strstr(out, "\nverified          never\n"));
	g_assert_nonnull(strstr(out, "\nlinks             best,last\n"));
	g_free(out);
	out = ckpt_expect(0, "show", run, "4");
	g_assert_nonnull(strstr(out, "\ntime_elapsed      - (its writer's first save)\n"));
	g_assert_null(strstr(out, "__FIRST__"));
	g_free(out);
	out = ckpt_expect(0, "verify", "--epoch", "5", run);
	g_free(out);
	out = ckpt_expect(0, "show", run, "5");
	g_assert_true(g_regex_match_simple("\nverified          ok (just now|[0-9]+ s ago) \\(20",
					   out, 0, 0));
	g_free(out);
	run_result r = run_ckpt("show", run, "7", "--json");
	g_assert_cmpint(r.status, ==, 2);
	json = parse_json(r.out);
	g_assert_cmpstr(get_string(get(json, "error"), "code"), ==, "not-found");
	g_assert_cmpint((int)get_number(json, "epoch"), ==, 7);
	cJSON_Delete(json);
	run_result_clear(&r);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/cli/history/sessions-from-one-in-table-csv-json",
			test_history_sessions_from_one_everywhere);
	g_test_add_func("/cli/history/csv-exact-with-extras-and-quoting",
			test_history_csv_is_exact_and_quoted);
	g_test_add_func("/cli/history/recovered-points-and-a-torn-line",
			test_history_recovered_and_torn);
	g_test_add_func("/cli/show/summary-keep-policy-age-health", test_show_summary);
	g_test_add_func("/cli/show/epoch-details-metrics-session-check", test_show_epoch_details);
	return cli_test_run();
}
