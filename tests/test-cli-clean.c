/* test-cli-clean.c: `ckpt clean` on real runs: nothing without --yes or a
 * terminal's "y", the run's own keep limit by default, --verify feeding
 * the plan, many runs under one question (asked on a pseudo-terminal), and
 * the library's refusals (a live writer, a plan gone stale) exiting 1. */
#include "cli-fixture.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool epoch_exists(const char *run, int epoch)
{
	char name[16];
	snprintf(name, sizeof name, "%03d", epoch);
	char *path = epoch_path(run, name, NULL);
	bool exists = tu_exists(path);
	g_free(path);
	return exists;
}

static void test_clean_without_yes_or_tty_changes_nothing(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "6", NULL);
	char *before = tu_snapshot_tree(dir);
	run_result r = run_ckpt("clean", run, "--keep", "2");
	g_assert_cmpint(r.status, ==, 2);
	g_assert_nonnull(strstr(r.err, "use --yes to delete"));
	g_assert_nonnull(strstr(r.out, "delete"));
	run_result_clear(&r);
	cJSON *json = ckpt_expect_json(0, "clean", run, "--keep", "2", "--dry-run", "--json");
	g_assert_true(cJSON_IsFalse(get(json, "applied")));
	g_assert_cmpint((int)get_number(json, "delete_count"), ==, 4);
	cJSON_Delete(json);
	/* Not confirmed: JSON says so too. */
	json = ckpt_expect_json(2, "clean", run, "--keep", "2", "--json");
	g_assert_true(cJSON_IsFalse(get(json, "applied")));
	g_assert_cmpstr(get_string(get(json, "error"), "code"), ==, "declined");
	cJSON_Delete(json);
	char *after = tu_snapshot_tree(dir);
	g_assert_cmpstr(before, ==, after);
	g_free(before);
	g_free(after);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_clean_yes_deletes_the_planned_epochs(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "6", NULL);
	cJSON *json = ckpt_expect_json(0, "clean", run, "--keep", "2", "--yes", "--json");
	g_assert_true(cJSON_IsTrue(get(json, "applied")));
	g_assert_cmpstr(get_string(json, "run"), ==, "run");
	double freed = 0;
	int deleted = 0;
	cJSON *item;
	cJSON_ArrayForEach(item, get(json, "plan"))
	{
		bool keep = strcmp(get_string(item, "action"), "keep") == 0;
		g_assert_cmpint(epoch_exists(run, (int)get_number(item, "epoch")), ==, keep);
		g_assert_cmpstr(get_string(item, "health"), ==, "ok");
		if (!keep) {
			freed += get_number(item, "bytes");
			deleted++;
		}
	}
	g_assert_cmpint(deleted, ==, 4);
	g_assert_cmpfloat(get_number(json, "bytes_freed"), ==, freed);
	cJSON_Delete(json);
	g_assert_true(epoch_exists(run, 6));
	char *out = ckpt_expect(0, "clean", run, "--keep", "2");
	g_assert_nonnull(strstr(out, "nothing to delete"));
	g_free(out);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* Without --keep the plan takes the limit the run's writer recorded. */
static void test_clean_default_is_the_runs_own_limit(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "6", NULL);
	/* A second session with keep 3: it records its limit in each epoch. */
	char *out = ckpt_expect(0, "demo", run, "--epochs", "9", "--every", "0", "--model-bytes",
				"4096", "--ckpt_keep_limit=3", "--ckpt_keep_mode=linear");
	g_free(out);
	out = ckpt_expect(0, "clean", run, "--dry-run");
	g_assert_nonnull(strstr(out, "keep limit 3 (the run's own), mode linear (the run's own)"));
	g_assert_nonnull(strstr(out, "dry run: nothing deleted"));
	g_free(out);
	cJSON *json = ckpt_expect_json(0, "clean", run, "--dry-run", "--json");
	g_assert_cmpstr(get_string(json, "limit_source"), ==, "run");
	g_assert_cmpint((int)get_number(json, "keep_limit"), ==, 3);
	int kept = 0;
	cJSON *item;
	cJSON_ArrayForEach(item, get(json, "plan")) kept +=
	    strcmp(get_string(item, "action"), "keep") == 0;
	g_assert_cmpint(kept, ==, 3);
	cJSON_Delete(json);
	/* --keep and --mode say where they came from. */
	out = ckpt_expect(0, "clean", run, "--dry-run", "--keep", "4", "--mode", "exponential");
	g_assert_nonnull(strstr(out, "keep limit 4 (--keep), mode exponential (--mode)"));
	g_free(out);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* Unverified epochs are counted with a hint; --verify reads them first, and
 * a damaged last keeps the newest intact epoch too. */
static void test_clean_verify_first(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "6", NULL);
	char *model = epoch_path(run, "006", "model.h5");
	flip_byte(model, 30);
	char *out = ckpt_expect(0, "clean", run, "--keep", "2", "--dry-run");
	g_assert_nonnull(strstr(out, "6 of 6 epochs not verified"));
	g_assert_nonnull(strstr(out, "use --verify"));
	g_assert_nonnull(strstr(out, "ok, unverified"));
	g_free(out);
	out = ckpt_expect(0, "clean", run, "--keep", "2", "--dry-run", "--verify");
	g_assert_null(strstr(out, "unverified"));
	g_assert_null(strstr(out, "not verified"));
	g_assert_true(g_regex_match_simple("\n +6  keep +last +damaged ", out, 0, 0));
	g_assert_true(
	    g_regex_match_simple("\n +4  keep +newest-intact +ok, verified ", out, 0, 0) ||
	    g_regex_match_simple("\n +5  keep +limit +ok, verified ", out, 0, 0));
	g_assert_nonnull(strstr(out, "note: last's epoch 6 is damaged"));
	g_free(out);
	cJSON *json = ckpt_expect_json(0, "clean", run, "--keep", "2", "--dry-run", "--json");
	g_assert_cmpint((int)get_number(json, "unverified"), ==, 0);
	g_assert_nonnull(get_string(json, "note"));
	cJSON_Delete(json);
	g_free(model);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_clean_many_runs_one_question(void)
{
	char *dir = tu_tmpdir();
	char *a = make_demo(dir, "a", "5", NULL);
	char *b = make_demo(dir, "b", "6", NULL);
	cJSON *json = ckpt_expect_json(0, "clean", "--keep", "2", "--dry-run", "--json", dir);
	g_assert_cmpint(cJSON_GetArraySize(get(json, "runs")), ==, 2);
	g_assert_cmpint(cJSON_GetArraySize(get(json, "problems")), ==, 0);
	cJSON *plan = cJSON_GetArrayItem(get(json, "runs"), 1);
	g_assert_cmpstr(get_string(plan, "run"), ==, "b");
	g_assert_true(cJSON_IsFalse(get(plan, "applied")));
	cJSON_Delete(json);
	/* "n": nothing anywhere, exit 1. */
	char *before = tu_snapshot_tree(dir);
	char *out = NULL;
	const char *args[] = {"clean", "--keep", "2", dir, NULL};
	int status = run_ckpt_pty(&out, "[y/N]", NULL, NULL, "n", args);
	g_assert_cmpint(status, ==, 1);
	g_assert_cmpuint(count_of(out, "[y/N]"), ==, 1);
	g_assert_nonnull(strstr(out, "Delete 7 epochs in 2 runs ("));
	g_free(out);
	char *after = tu_snapshot_tree(dir);
	g_assert_cmpstr(before, ==, after);
	/* "y": one question, both runs cleaned. */
	status = run_ckpt_pty(&out, "[y/N]", NULL, NULL, "y", args);
	g_assert_cmpint(status, ==, 0);
	g_assert_cmpuint(count_of(out, "[y/N]"), ==, 1);
	g_assert_nonnull(strstr(out, "a: deleted 3 epochs"));
	g_assert_nonnull(strstr(out, "b: deleted 4 epochs"));
	g_free(out);
	for (int e = 1; e <= 6; e++) {
		g_assert_cmpint(epoch_exists(a, e), ==, e >= 4 && e <= 5);
		g_assert_cmpint(epoch_exists(b, e), ==, e >= 5);
	}
	g_free(before);
	g_free(after);
	g_free(a);
	g_free(b);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_clean_refused_by_a_live_writer(void)
{
	char *dir = tu_tmpdir();
	char *run = g_build_filename(dir, "live", NULL);
	GPid pid = start_live_demo(run, "0.05");
	g_usleep(300000); /* a few epochs */
	run_result r = run_ckpt("clean", run, "--keep", "1", "--yes");
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "lock"));
	g_assert_nonnull(strstr(r.out, "status: training live (pid"));
	run_result_clear(&r);
	cJSON *json = ckpt_expect_json(1, "clean", run, "--keep", "1", "--yes", "--json");
	g_assert_true(cJSON_IsFalse(get(json, "applied")));
	g_assert_cmpstr(get_string(get(json, "error"), "code"), ==, "locked");
	cJSON_Delete(json);
	stop_live_demo(pid);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

typedef struct stale_payload {
	const char *run;
} stale_payload;

/* While clean waits for its answer, last moves onto a planned deletion. */
static void move_last_back(void *payload)
{
	const stale_payload *p = payload;
	char *out = ckpt_expect(0, "restart", p->run, "1");
	g_free(out);
}

static void test_clean_refuses_a_stale_plan(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "5", NULL);
	stale_payload payload = {run};
	char *out = NULL;
	const char *args[] = {"clean", "--keep", "2", run, NULL};
	int status = run_ckpt_pty(&out, "[y/N]", move_last_back, &payload, "y", args);
	g_assert_cmpint(status, ==, 1);
	g_assert_nonnull(strstr(out, "the plan is stale"));
	g_free(out);
	for (int e = 1; e <= 5; e++)
		g_assert_true(epoch_exists(run, e));
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/cli/clean/no-yes-no-tty-changes-nothing",
			test_clean_without_yes_or_tty_changes_nothing);
	g_test_add_func("/cli/clean/yes-deletes-the-planned-epochs",
			test_clean_yes_deletes_the_planned_epochs);
	g_test_add_func("/cli/clean/default-is-the-runs-own-limit",
			test_clean_default_is_the_runs_own_limit);
	g_test_add_func("/cli/clean/verify-first-keeps-an-intact-stand-in",
			test_clean_verify_first);
	g_test_add_func("/cli/clean/many-runs-one-question", test_clean_many_runs_one_question);
	g_test_add_func("/cli/clean/live-writer-refuses-exit-1",
			test_clean_refused_by_a_live_writer);
	g_test_add_func("/cli/clean/stale-plan-refused-exit-1", test_clean_refuses_a_stale_plan);
	return cli_test_run();
}
