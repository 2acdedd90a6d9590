/* test-retention-rollback.c: the writer's retention after a rollback, in
 * every keep mode, with and without save_best: whatever the mode decides,
 * the epochs `best` and `last` name are never deleted (the writer pins
 * them). Without save_best the writer knows no best, so only the pin keeps
 * the epoch an earlier session's `best` names. */
#include "writer-fixture.h"
#include "testutil.h"

#include <string.h>

/* Epochs 1-6 (best 4, last 6), rolled back to 3: a trainer then resumes
 * and saves 4 (better than the 0.7 `best` names, so not refused) to 7. */
static void run_after_rollback(const char *mode, bool save_best)
{
	char *tmp = tu_tmpdir();
	const double first[] = {0.9, 0.8, 0.85, 0.7, 0.75, 0.72};
	save_epochs(tmp, "a", first, 6, NULL);
	g_assert_cmpint(ckpt_link_point(tmp, "last", 3, true), ==, 0);
	model_io io = {.tag = "b"};
	ckpt_writer *w = writer_with(tmp, &io, "ckpt_keep_mode", mode, "ckpt_keep_limit", "1",
				     "ckpt_save_best", save_best ? "true" : "false", NULL);
	ckpt_restart *r = NULL;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 3);
	ckpt_restart_free(r);
	const double again[] = {0.6, 0.65, 0.66, 0.67};
	for (int i = 0; i < 4; i++)
		epoch(w, 4 + i, '-', again[i]);
	long best = 0, last = 0;
	g_assert_cmpint(ckpt_link_resolve(tmp, "best", &best), ==, CKPT_LINK_OK);
	g_assert_cmpint(ckpt_link_resolve(tmp, "last", &last), ==, CKPT_LINK_OK);
	g_assert_cmpint(best, ==, 4);
	g_assert_cmpint(last, ==, 7);
	assert_model(tmp, "004", "b", 1); /* the better model saved again, and kept */
	char *dirs = epoch_dirs(tmp);
	g_test_message("%s, save_best %d: %s", mode, save_best, dirs);
	/* Earlier sessions' epochs (1, 2, 3) are never this writer's to delete. */
	g_assert_true(g_str_has_prefix(dirs, "001 002 003 004"));
	g_free(dirs);
	ckpt_writer_free(w);
	g_free(io.loaded_bytes); /* the loader's copy of the restarted model */
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_linear_without_best(void)
{
	run_after_rollback("linear", false);
}

static void test_exponential_without_best(void)
{
	run_after_rollback("exponential", false);
}

static void test_all_without_best(void)
{
	run_after_rollback("all", false);
}

static void test_linear_with_best(void)
{
	run_after_rollback("linear", true);
}

static void test_exponential_with_best(void)
{
	run_after_rollback("exponential", true);
}

static void test_all_with_best(void)
{
	run_after_rollback("all", true);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/retention/rollback/no-save-best/linear-keeps-best-target",
			test_linear_without_best);
	g_test_add_func("/ckpt/retention/rollback/no-save-best/exponential-keeps-best-target",
			test_exponential_without_best);
	g_test_add_func("/ckpt/retention/rollback/no-save-best/all-keeps-best-target",
			test_all_without_best);
	g_test_add_func("/ckpt/retention/rollback/save-best/linear-keeps-best-target",
			test_linear_with_best);
	g_test_add_func("/ckpt/retention/rollback/save-best/exponential-keeps-best-target",
			test_exponential_with_best);
	g_test_add_func("/ckpt/retention/rollback/save-best/all-keeps-best-target",
			test_all_with_best);
	return g_test_run();
}
