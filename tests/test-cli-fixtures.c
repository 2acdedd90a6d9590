/* test-cli-fixtures.c: `ckpt` on the runs the Python original wrote: its
 * ls and verify reports match candle-runs.expect.json, and relink makes the
 * links relative. */
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

static cJSON *find_run(const cJSON *runs, const char *name)
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
		cJSON *got = find_run(actual_runs, name);
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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cli/fixtures/ls-json-matches-expect",
			test_fixtures_ls_json_matches_expect);
	g_test_add_func("/cli/fixtures/verify-json-matches-expect",
			test_fixtures_verify_json_matches_expect);
	g_test_add_func("/cli/fixtures/relink-makes-links-relative", test_fixtures_relink);
	return g_test_run();
}
