/* test-cli-verify.c: `ckpt verify` on real runs: exit statuses, each result
 * with best/last and the stored and computed checksums, --epoch over many
 * runs, --changed answering from the verify records, and `ckpt show`'s
 * CHECK and HEALTH columns that those records feed. */
#include "cli-fixture.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utime.h>

static cJSON *verify_item(const cJSON *json, const char *run, long epoch)
{
	cJSON *v;
	cJSON_ArrayForEach(v, get(find_run(json, run),
				  "verify")) if ((long)get_number(v, "epoch") == epoch) return v;
	return NULL;
}

static const char *verify_result(const cJSON *json, const char *run, long epoch)
{
	cJSON *v = verify_item(json, run, epoch);
	return v ? get_string(v, "result") : NULL;
}

static void test_verify_exit_codes_and_results(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "4", NULL);
	cJSON *json = ckpt_expect_json(0, "verify", "--json", run);
	for (long e = 1; e <= 4; e++)
		g_assert_cmpstr(verify_result(json, "run", e), ==, "ok");
	/* Which results are best and last. */
	g_assert_true(cJSON_IsTrue(get(verify_item(json, "run", 4), "is_last")));
	g_assert_true(cJSON_IsTrue(get(verify_item(json, "run", 4), "is_best")));
	g_assert_true(cJSON_IsFalse(get(verify_item(json, "run", 2), "is_last")));
	g_assert_true(cJSON_IsFalse(get(verify_item(json, "run", 2), "from_record")));
	cJSON_Delete(json);
	char *model = epoch_path(run, "002", "model.h5");
	flip_byte(model, 100);
	json = ckpt_expect_json(1, "verify", "--json", run);
	cJSON *bad = verify_item(json, "run", 2);
	g_assert_cmpstr(get_string(bad, "result"), ==, "mismatch");
	/* Stored and computed checksums, both in the stored form. */
	char *stored = g_strdup(get_string(bad, "stored"));
	const char *computed = get_string(bad, "computed");
	g_assert_cmpstr(stored, !=, computed);
	g_assert_cmpuint(strspn(computed, "0123456789"), ==, strlen(computed));
	char *info = epoch_path(run, "002", "ckpt-info.json");
	char *info_text = tu_read(info, NULL);
	char *quoted = g_strdup_printf("\"%s\"", stored);
	g_assert_nonnull(strstr(info_text, quoted));
	g_free(quoted);
	g_free(info_text);
	g_assert_cmpstr(verify_result(json, "run", 3), ==, "ok");
	cJSON_Delete(json);
	char *out = ckpt_expect(1, "verify", run);
	char *line = g_strdup_printf("  epoch 2: mismatch; stored %s, computed ", stored);
	g_assert_nonnull(strstr(out, line));
	g_assert_nonnull(strstr(out, "  epoch 4 (best,last): ok\n"));
	g_assert_nonnull(strstr(out, "run: 4 epochs: 3 ok, 1 mismatch\n"));
	g_free(line);
	g_free(out);
	g_free(stored);
	/* One epoch only: the damaged one fails, another passes, none is 2. */
	json = ckpt_expect_json(1, "verify", "--json", "--epoch", "2", run);
	g_assert_cmpint(cJSON_GetArraySize(get(find_run(json, "run"), "verify")), ==, 1);
	cJSON_Delete(json);
	out = ckpt_expect(0, "verify", "--epoch", "3", run);
	g_free(out);
	out = ckpt_expect(2, "verify", "--epoch", "99", run);
	g_free(out);
	g_free(info);
	g_free(model);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* --epoch N over many runs: runs without N are noted, a mismatch in
 * another still exits 1. */
static void test_verify_epoch_over_many_runs(void)
{
	char *dir = tu_tmpdir();
	char *long_run = make_demo(dir, "long", "5", NULL);
	char *short_run = make_demo(dir, "short", "2", NULL);
	char *model = epoch_path(long_run, "004", "model.h5");
	flip_byte(model, 10);
	run_result r = run_ckpt("verify", "--epoch", "4", dir);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "short: no epoch 4 on disk"));
	g_assert_nonnull(strstr(r.out, "  epoch 4: mismatch"));
	run_result_clear(&r);
	cJSON *json = ckpt_expect_json(1, "verify", "--json", "--epoch", "4", dir);
	cJSON *missing = get(find_run(json, "short"), "missing");
	g_assert_cmpint(cJSON_GetArraySize(missing), ==, 1);
	g_assert_cmpint((int)cJSON_GetArrayItem(missing, 0)->valuedouble, ==, 4);
	g_assert_cmpint(cJSON_GetArraySize(get(find_run(json, "long"), "missing")), ==, 0);
	cJSON_Delete(json);
	/* Epoch 3 is fine where it is, absent elsewhere: 0. */
	json = ckpt_expect_json(0, "verify", "--json", "--epoch", "3", dir);
	g_assert_cmpstr(verify_result(json, "long", 3), ==, "ok");
	cJSON_Delete(json);
	/* In no run at all: the user's input, 2. */
	char *out = ckpt_expect(2, "verify", "--epoch", "9", dir);
	g_free(out);
	g_free(model);
	g_free(long_run);
	g_free(short_run);
	tu_rmtree(dir);
	g_free(dir);
}

/* Plain verify reads every byte; --changed answers from the records for
 * files unchanged since, and reads the changed ones. */
static void test_verify_changed_uses_the_records(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "3", NULL);
	char *out = ckpt_expect(0, "verify", run);
	g_free(out);
	out = ckpt_expect(0, "verify", "--changed", run);
	g_assert_true(g_regex_match_simple("epoch 1: ok \\(from record, (just now|[0-9]+ s ago)\\)",
					   out, 0, 0));
	g_free(out);
	/* Bit rot keeps the size and the time: only plain verify sees it. */
	char *model = epoch_path(run, "002", "model.h5");
	struct stat st;
	g_assert_cmpint(stat(model, &st), ==, 0);
	flip_byte(model, 50);
	struct utimbuf times = {st.st_atime, st.st_mtime};
	g_assert_cmpint(utime(model, &times), ==, 0);
	cJSON *json = ckpt_expect_json(1, "verify", "--json", run);
	g_assert_cmpstr(verify_result(json, "run", 2), ==, "mismatch");
	g_assert_true(cJSON_IsFalse(get(verify_item(json, "run", 2), "from_record")));
	cJSON_Delete(json);
	/* A changed file is read again; the others come from their record. */
	char *info = epoch_path(run, "001", "ckpt-info.json");
	char *text = tu_read(info, NULL);
	tu_write(info, text);
	g_free(text);
	json = ckpt_expect_json(1, "verify", "--json", "--changed", run);
	g_assert_true(cJSON_IsFalse(get(verify_item(json, "run", 1), "from_record")));
	g_assert_true(cJSON_IsTrue(get(verify_item(json, "run", 2), "from_record")));
	g_assert_cmpstr(verify_result(json, "run", 2), ==, "mismatch");
	g_assert_true(cJSON_IsTrue(get(verify_item(json, "run", 3), "from_record")));
	cJSON_Delete(json);
	g_free(info);
	g_free(model);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* The CHECK cell of epoch `epoch` in `ckpt show`'s table. */
static char *check_cell(const char *out, long epoch)
{
	char *pattern = g_strdup_printf("\n +%ld  .*", epoch);
	GRegex *re = g_regex_new(pattern, 0, 0, NULL);
	GMatchInfo *match = NULL;
	g_assert_true(g_regex_match(re, out, 0, &match));
	char *line = g_match_info_fetch(match, 0);
	g_match_info_free(match);
	g_regex_unref(re);
	g_free(pattern);
	return line;
}

static void test_show_check_and_health_columns(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "3", NULL);
	char *out = ckpt_expect(0, "show", run);
	char *line = check_cell(out, 2);
	g_assert_nonnull(strstr(line, "not checked"));
	g_assert_nonnull(strstr(line, "  ok"));
	g_free(line);
	g_assert_nonnull(strstr(out, "CHECK"));
	g_assert_nonnull(strstr(out, "HEALTH"));
	g_free(out);
	char *model = epoch_path(run, "002", "model.h5");
	flip_byte(model, 50);
	out = ckpt_expect(1, "verify", run);
	g_free(out);
	out = ckpt_expect(0, "show", run);
	line = check_cell(out, 2);
	g_assert_nonnull(strstr(line, "MISMATCH"));
	g_assert_nonnull(strstr(line, "damaged"));
	g_free(line);
	line = check_cell(out, 1);
	g_assert_true(g_regex_match_simple("ok (just now|[0-9]+ s ago)", line, 0, 0));
	g_free(line);
	g_assert_nonnull(strstr(out, "status   1 damaged"));
	g_free(out);
	/* Touched since: the record no longer vouches for it. */
	gsize len = 0;
	char *text = tu_read(model, &len);
	tu_write_bytes(model, text, len);
	g_free(text);
	out = ckpt_expect(0, "show", run);
	line = check_cell(out, 2);
	g_assert_nonnull(strstr(line, "changed since verified"));
	g_free(line);
	g_free(out);
	/* A run written without checksums says so, never "__DISABLED__". */
	char *plain = make_demo(dir, "plain", "2", "--ckpt_checksum=false");
	out = ckpt_expect(0, "show", plain);
	line = check_cell(out, 1);
	g_assert_nonnull(strstr(line, "disabled"));
	g_assert_null(strstr(out, "__DISABLED__"));
	g_free(line);
	g_free(out);
	out = ckpt_expect(0, "show", plain, "1");
	g_assert_nonnull(strstr(out, "checksum          disabled\n"));
	g_free(out);
	g_free(plain);
	g_free(model);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/cli/verify/exit-codes-best-last-stored-and-computed",
			test_verify_exit_codes_and_results);
	g_test_add_func("/cli/verify/epoch-over-many-runs-notes-the-missing",
			test_verify_epoch_over_many_runs);
	g_test_add_func("/cli/verify/changed-answers-from-the-records",
			test_verify_changed_uses_the_records);
	g_test_add_func("/cli/show/check-and-health-columns-from-the-records",
			test_show_check_and_health_columns);
	return cli_test_run();
}
