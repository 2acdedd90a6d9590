/* test-cli-fixtures.c: `ckpt` on the runs the Python original wrote: its
 * ls and verify reports match candle-runs.expect.json, relink makes the
 * links relative, tables at 80 and 60 columns keep the facts, and clean
 * says that the original records no keep limit. */
#include "cli-fixture.h"
#include "testutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fixtures written by the Python original -------------------------- */

/* Deep comparison of what `expected` lists; a key absent from `actual`
 * counts as null. Describes the first difference in *where. */
static bool json_matches(const cJSON *expected, const cJSON *actual, GString *where)
{
	if (cJSON_IsNull(expected))
		return !actual || cJSON_IsNull(actual);
	if (!actual)
		return false;
	if (cJSON_IsNumber(expected)) {
		double a = expected->valuedouble, b = actual->valuedouble;
		return cJSON_IsNumber(actual) && fabs(a - b) <= 1e-12 * fmax(1.0, fabs(a));
	}
	if (cJSON_IsString(expected))
		return cJSON_IsString(actual) &&
		       strcmp(expected->valuestring, actual->valuestring) == 0;
	if (cJSON_IsBool(expected))
		return cJSON_IsBool(actual) && cJSON_IsTrue(expected) == cJSON_IsTrue(actual);
	if (cJSON_IsArray(expected)) {
		if (!cJSON_IsArray(actual) ||
		    cJSON_GetArraySize(expected) != cJSON_GetArraySize(actual))
			return false;
		for (int i = 0; i < cJSON_GetArraySize(expected); i++) {
			size_t len = where->len;
			g_string_append_printf(where, "[%d]", i);
			if (!json_matches(cJSON_GetArrayItem(expected, i),
					  cJSON_GetArrayItem(actual, i), where))
				return false;
			g_string_truncate(where, len);
		}
		return true;
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, expected)
	{
		size_t len = where->len;
		g_string_append_printf(where, ".%s", item->string);
		if (!json_matches(item, get(actual, item->string), where))
			return false;
		g_string_truncate(where, len);
	}
	return true;
}

static cJSON *run_named(const cJSON *runs, const char *name)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, runs) if (strcmp(get_string(r, "name"), name) == 0) return (cJSON *)r;
	return NULL;
}

static void assert_runs_match(const cJSON *expect_runs, const cJSON *actual_runs, bool verify_only)
{
	const cJSON *want;
	cJSON_ArrayForEach(want, expect_runs)
	{
		const char *name = get_string(want, "name");
		cJSON *got = run_named(actual_runs, name);
		if (!got)
			g_test_message("run %s not reported", name);
		g_assert_nonnull(got);
		const cJSON *field;
		cJSON_ArrayForEach(field, want)
		{
			if (strcmp(field->string, "verify") == 0 ? !verify_only : verify_only)
				continue;
			GString *where = g_string_new(name);
			g_string_append_printf(where, ".%s", field->string);
			bool same = json_matches(field, get(got, field->string), where);
			if (!same) {
				char *text = cJSON_Print(get(got, field->string));
				g_test_message("%s differs; got %s", where->str, text);
				free(text);
			}
			g_assert_true(same);
			g_string_free(where, TRUE);
		}
	}
	g_assert_cmpint(cJSON_GetArraySize(actual_runs), ==, cJSON_GetArraySize(expect_runs));
}

static void test_fixtures_ls_json_matches_expect(void)
{
	char *dir = tu_tmpdir();
	char *exp = tu_unpack_fixtures(dir);
	if (exp) {
		cJSON *expect = tu_load_expect();
		cJSON *json = ckpt_expect_json(0, "ls", "--json", exp);
		assert_runs_match(get(expect, "runs"), get(json, "runs"), false);
		cJSON_Delete(json);
		cJSON_Delete(expect);
	}
	g_free(exp);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_fixtures_verify_json_matches_expect(void)
{
	char *dir = tu_tmpdir();
	char *exp = tu_unpack_fixtures(dir);
	if (exp) {
		cJSON *expect = tu_load_expect();
		/* corrupt-nt3 has damaged epochs: exit 1. */
		cJSON *json = ckpt_expect_json(1, "verify", "--json", exp);
		assert_runs_match(get(expect, "runs"), get(json, "runs"), true);
		cJSON_Delete(json);
		cJSON_Delete(expect);
		char *good = g_build_filename(exp, "nt3-lr0.01", NULL);
		char *out = ckpt_expect(0, "verify", good);
		g_free(out);
		g_free(good);
	}
	g_free(exp);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_fixtures_relink(void)
{
	char *dir = tu_tmpdir();
	char *exp = tu_unpack_fixtures(dir);
	if (exp) {
		char *run = g_build_filename(exp, "nt3-lr0.01", NULL);
		cJSON *json = ckpt_expect_json(0, "relink", run, "--json");
		g_assert_cmpint((int)get_number(json, "changed"), ==, 2);
		g_assert_cmpstr(get_string(json, "best_state"), ==, "ok");
		g_assert_cmpstr(get_string(json, "last_state"), ==, "ok");
		cJSON_Delete(json);
		char *target = last_target(run);
		g_assert_cmpstr(target, ==, "epochs/030");
		g_free(target);
		char *best = g_build_filename(run, "ckpts", "best", NULL);
		target = tu_readlink(best);
		g_assert_cmpstr(target, ==, "epochs/028");
		g_free(target);
		g_free(best);
		json = ckpt_expect_json(0, "relink", run, "--json");
		g_assert_cmpint((int)get_number(json, "changed"), ==, 0);
		cJSON_Delete(json);
		/* The history of a run with a restart shows both sessions. */
		char *resumed = g_build_filename(exp, "resumed", NULL);
		char *out = ckpt_expect(0, "history", resumed);
		g_assert_nonnull(strstr(out, "restart"));
		g_free(out);
		g_free(resumed);
		g_free(run);
	}
	g_free(exp);
	tu_rmtree(dir);
	g_free(dir);
}

/* Every number a whole table shows for a row is in its fitted row whole,
 * or its column is gone: never a cut number. */
static void assert_numbers_whole(const char *whole, const char *fit)
{
	char **w = g_strsplit(whole, "\n", -1), **f = g_strsplit(fit, "\n", -1);
	GRegex *number = g_regex_new("[0-9][0-9.e+-]*", 0, 0, NULL);
	for (int i = 1; w[i] && f[i]; i++) {
		GMatchInfo *m = NULL;
		g_regex_match(number, f[i], 0, &m);
		while (g_match_info_matches(m)) {
			char *token = g_match_info_fetch(m, 0);
			/* A token of the fitted row, bounded by blanks, is one of the whole. */
			char *bounded = g_strdup_printf(" %s ", token);
			char *padded = g_strdup_printf(" %s ", w[i]);
			int start, end;
			g_match_info_fetch_pos(m, 0, &start, &end);
			bool alone = (start == 0 || f[i][start - 1] == ' ') &&
				     (f[i][end] == '\0' || f[i][end] == ' ');
			if (alone && !strstr(padded, bounded))
				g_test_message("'%s' cut in: %s", token, f[i]);
			g_assert_true(!alone || strstr(padded, bounded));
			g_free(bounded);
			g_free(padded);
			g_free(token);
			g_match_info_next(m, NULL);
		}
		g_match_info_free(m);
	}
	g_regex_unref(number);
	g_strfreev(w);
	g_strfreev(f);
}

static void test_fixtures_tables_keep_the_facts(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *corrupt = g_build_filename(f.exp, "corrupt-nt3", NULL);
	char *out = ckpt_expect(1, "verify", corrupt);
	g_assert_nonnull(strstr(out, "  epoch 28 (best): mismatch; stored 937603811, computed "));
	g_assert_nonnull(strstr(out, "  epoch 29: no-info\n"));
	g_free(out);
	const char *const views[][3] = {{"ls", f.exp}, {"show", corrupt}};
	for (size_t v = 0; v < G_N_ELEMENTS(views); v++) {
		char *whole = ckpt_ok(0, (const char *const[]){views[v][0], views[v][1], NULL});
		g_assert_cmpuint(widest_line(whole), >, 80);
		static const char *const widths[] = {"CKPT_FORCE_WIDTH=80", "CKPT_FORCE_WIDTH=60"};
		for (size_t w = 0; w < G_N_ELEMENTS(widths); w++) {
			const char *env[] = {widths[w], NULL};
			run_result r = run_ckpt_env(env, views[v][0], views[v][1]);
			g_assert_cmpint(r.status, ==, 0);
			/* The table fits; show's summary lines above it are prose. */
			const char *table = v == 1 ? strstr(r.out, "\nEPOCH") + 1 : r.out;
			const char *whole_table = v == 1 ? strstr(whole, "\nEPOCH") + 1 : whole;
			g_assert_cmpuint(widest_line(table), <=, (size_t)atoi(widths[w] + 17));
			assert_numbers_whole(whole_table, table);
			if (v == 0) {
				/* The metric value, best and last of every run. */
				g_assert_nonnull(strstr(r.out, "0.206222\n"));
				/* A relocated link is its epoch here; STATUS says relink. */
				g_assert_nonnull(strstr(r.out, "  1196  1200  "));
				g_assert_nonnull(strstr(r.out, "links need"));
			} else {
				/* Markers and values stay; no half timestamp. */
				g_assert_true(g_regex_match_simple("\n +28 .*0\\.206222 .*best\n",
								   r.out, 0, 0));
				g_assert_true(g_regex_match_simple("\n +30 .*last\n", r.out, 0, 0));
				g_assert_null(strstr(r.out, "2026-03-0\xe2\x80\xa6"));
				g_assert_nonnull(strstr(r.out, "MISMATCH"));
			}
			run_result_clear(&r);
		}
		g_free(whole);
	}
	g_free(corrupt);
	tu_fixture_free(&f);
}

static void test_fixtures_clean_guesses_the_limit(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *run = g_build_filename(f.exp, "legacy-p1b1", NULL);
	char *out = ckpt_expect(0, "clean", "--dry-run", run);
	g_assert_nonnull(
	    strstr(out, "keep limit 5 (a guess: the original records none; set --keep)"));
	g_assert_nonnull(strstr(out, "7 of 12 epochs to delete"));
	g_free(out);
	cJSON *json = ckpt_expect_json(0, "clean", "--dry-run", "--json", run);
	g_assert_cmpstr(get_string(json, "limit_source"), ==, "default");
	cJSON_Delete(json);
	/* The resumed run's history numbers its sessions from 1. */
	char *resumed = g_build_filename(f.exp, "resumed", NULL);
	out = ckpt_expect(0, "history", resumed);
	g_assert_nonnull(strstr(out, "--- writer session 2 (restart) ---"));
	g_free(out);
	out = ckpt_expect(0, "history", "--csv", resumed);
	g_assert_true(g_regex_match_simple("\n1,[^,]*,[01],[01],1,", out, 0, 0));
	g_assert_true(g_regex_match_simple("\n20,[^,]*,[01],[01],2,", out, 0, 0));
	g_free(out);
	g_free(resumed);
	g_free(run);
	tu_fixture_free(&f);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/cli/fixtures/ls-json-matches-expect",
			test_fixtures_ls_json_matches_expect);
	g_test_add_func("/cli/fixtures/verify-json-matches-expect",
			test_fixtures_verify_json_matches_expect);
	g_test_add_func("/cli/fixtures/relink-makes-links-relative", test_fixtures_relink);
	g_test_add_func("/cli/fixtures/tables-at-80-and-60-keep-the-facts",
			test_fixtures_tables_keep_the_facts);
	g_test_add_func("/cli/fixtures/clean-says-the-limit-is-a-guess",
			test_fixtures_clean_guesses_the_limit);
	return cli_test_run();
}
