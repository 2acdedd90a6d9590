/* test-clean.c: clean on the original's fixture runs: the plan's reasons and
 * bytes in each keep mode, apply removing exactly the plan, and what it must
 * refuse or leave alone (stale plans, live writers, strays, links outside). */
#include "internal.h"
#include "ops-fixture.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---------------------------------------------------------- */

/* Sum of lstat sizes of the files directly in an epoch dir. */
static uint64_t epoch_bytes(const char *root, long epoch)
{
	char *dir_path = epoch_path(root, epoch, NULL);
	GDir *dir = g_dir_open(dir_path, 0, NULL);
	g_assert_nonnull(dir);
	uint64_t total = 0;
	const char *name;
	while ((name = g_dir_read_name(dir)) != NULL) {
		char *path = g_build_filename(dir_path, name, NULL);
		struct stat st;
		g_assert_cmpint(lstat(path, &st), ==, 0);
		total += (uint64_t)st.st_size;
		g_free(path);
	}
	g_dir_close(dir);
	g_free(dir_path);
	return total;
}

/* ---- clean ------------------------------------------------------------ */

static void test_clean_plan_reasons_and_bytes(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_run *run = tu_open_run(root);
	char *before = tu_snapshot_tree(f.exp);
	ckpt_clean_plan *plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	g_assert_cmpuint(ckpt_clean_plan_count(plan), ==, 5);
	assert_item(plan, 0, 26, "beyond-limit");
	assert_item(plan, 1, 27, "beyond-limit");
	assert_item(plan, 2, 28, "best");
	assert_item(plan, 3, 29, "limit");
	assert_item(plan, 4, 30, "last");
	for (size_t i = 0; i < 5; i++) {
		uint64_t bytes = ckpt_clean_plan_bytes(plan, i);
		g_assert_cmpuint(bytes, ==,
				 epoch_bytes(root, (long)ckpt_clean_plan_epoch(plan, i)));
		g_assert_cmpuint(bytes, >, 262144);
		g_assert_cmpint(ckpt_clean_plan_health(plan, i), ==, CKPT_EPOCH_OK);
	}
	g_assert_cmpuint(ckpt_clean_plan_bytes_freed(plan), ==,
			 epoch_bytes(root, 26) + epoch_bytes(root, 27));
	g_assert_cmpuint(ckpt_clean_plan_delete_count(plan), ==, 2);
	g_assert_false(ckpt_clean_plan_removes_work(plan));
	g_assert_cmpint(ckpt_clean_plan_epoch(plan, 5), ==, 0);
	g_assert_cmpint(ckpt_clean_plan_keep_limit(plan), ==, 2);
	g_assert_cmpint(ckpt_clean_plan_mode(plan), ==, CKPT_KEEP_LINEAR);
	g_assert_false(ckpt_clean_plan_limit_is_runs_own(plan));
	g_assert_false(ckpt_clean_plan_limit_is_guess(plan));
	g_assert_cmpuint(ckpt_clean_plan_unverified_count(plan), ==, 5);
	g_assert_null(ckpt_clean_plan_note(plan));
	g_assert_true(ckpt_clean_plan_run(plan) == run);
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	/* The plan owns what it needs: it outlives the run. */
	ckpt_run_unref(run);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	g_assert_false(epoch_exists(root, 26));
	ckpt_clean_plan_free(plan);

	/* 0.2: keep 0 takes the run's own limit; the original recorded none, so
	 * it is the default 5, a guess. A negative limit is still refused. */
	plan = NULL;
	run = tu_open_run(root);
	g_assert_cmpint(ckpt_clean_plan_new(&plan, run, 0, CKPT_KEEP_LINEAR), ==, 0);
	g_assert_cmpint(ckpt_clean_plan_keep_limit(plan), ==, 5);
	g_assert_true(ckpt_clean_plan_limit_is_guess(plan));
	g_assert_false(ckpt_clean_plan_limit_is_runs_own(plan));
	g_assert_cmpuint(ckpt_clean_plan_delete_count(plan), ==, 0);
	ckpt_clean_plan_free(plan);
	plan = NULL;
	g_assert_cmpint(ckpt_clean_plan_new(&plan, run, -1, CKPT_KEEP_ALL), ==, CKPT_EINVAL);
	assert_error_has("keep limit must be greater than zero");
	g_assert_null(plan);
	ckpt_run_unref(run);
	g_free(before), g_free(after), g_free(root);
	tu_fixture_free(&f);
}

static void test_clean_apply_removes_exactly_the_plan(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	char *best = g_build_filename(root, "best", NULL);
	char *last = g_build_filename(root, "last", NULL);
	char *best_target = tu_readlink(best), *last_target = tu_readlink(last);
	ckpt_run *run = tu_open_run(root);
	ckpt_clean_plan *plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	progress_log log = {0};
	ckpt_progress progress = {record_progress, &log, NULL};
	g_assert_cmpint(ckpt_clean_apply(plan, &progress), ==, 0);
	g_assert_cmpstr(log.first_stage, ==, "clean 026");
	g_assert_cmpuint(log.last_done, ==, 2);
	g_assert_cmpuint(log.last_total, ==, 2);
	g_assert_false(log.went_back);

	char *epochs = g_build_filename(root, "epochs", NULL);
	GDir *dir = g_dir_open(epochs, 0, NULL);
	g_assert_nonnull(dir);
	int entries = 0;
	while (g_dir_read_name(dir) != NULL)
		entries++;
	g_dir_close(dir);
	g_assert_cmpint(entries, ==, 3);
	g_assert_false(epoch_exists(root, 26));
	g_assert_false(epoch_exists(root, 27));
	for (long e = 28; e <= 30; e++)
		g_assert_true(epoch_exists(root, e));
	char *work = g_build_filename(root, "work", NULL);
	g_assert_false(tu_exists(work));
	tu_assert_link(root, "best", best_target);
	tu_assert_link(root, "last", last_target);

	char *log_path = g_build_filename(root, "ckpt.log", NULL);
	char *removing = g_strdup_printf("CandleCkpt: removing: '%s/epochs/026'\n", root);
	assert_log_has(log_path, removing);
	assert_log_has(log_path, "CandleCkpt: clean(): deleted epoch: 26\n");
	assert_log_has(log_path, "CandleCkpt: clean(): deleted epoch: 27\n");
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(removing), g_free(log_path), g_free(work), g_free(epochs);
	g_free(best_target), g_free(last_target), g_free(best), g_free(last), g_free(root);
	tu_fixture_free(&f);
}

static void test_clean_stale_plan_refused(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_run *run = tu_open_run(root);
	ckpt_clean_plan *plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	g_assert_cmpint(ckpt_link_point(root, "last", 26, true), ==, 0);
	char *before = snapshot(f.exp);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, CKPT_EUNSAFE);
	assert_error_has("'last' now points at epoch 26");
	assert_error_has("plan again");
	char *after = snapshot(f.exp);
	g_assert_cmpstr(before, ==, after);
	g_assert_true(epoch_exists(root, 27));
	ckpt_clean_plan_free(plan);

	/* The same for best. */
	g_assert_cmpint(ckpt_link_point(root, "last", 30, true), ==, 0);
	plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	g_assert_cmpint(ckpt_link_point(root, "best", 27, true), ==, 0);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, CKPT_EUNSAFE);
	assert_error_has("'best' now points at epoch 27");
	g_assert_true(epoch_exists(root, 26));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(before), g_free(after), g_free(root);
	tu_fixture_free(&f);
}

static void test_clean_removes_leftover_work(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "corrupt-nt3");
	char *work = g_build_filename(root, "work", NULL);
	ckpt_run *run = tu_open_run(root);
	g_assert_true(ckpt_run_work_leftover(run));
	ckpt_clean_plan *plan = plan_run(run, 10, CKPT_KEEP_LINEAR);
	g_assert_true(ckpt_clean_plan_removes_work(plan));
	g_assert_cmpuint(ckpt_clean_plan_bytes_freed(plan), ==, 0);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	g_assert_false(tu_exists(work));
	for (long e = 26; e <= 30; e++)
		g_assert_true(epoch_exists(root, e));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);

	/* A work/ the plan did not see (a crash since) is not removed blindly. */
	run = tu_open_run(root);
	plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	g_assert_false(ckpt_clean_plan_removes_work(plan));
	g_assert_cmpint(mkdir(work, 0755), ==, 0);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, CKPT_EUNSAFE);
	assert_error_has("plan again");
	g_assert_true(epoch_exists(root, 26));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(work), g_free(root);
	tu_fixture_free(&f);
}

static void test_clean_keeps_work_of_live_writer(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "corrupt-nt3");
	ckpt_lock *lock = NULL;
	g_assert_cmpint(ckpt_lock_acquire(&lock, root), ==, 0);
	ckpt_run *run = tu_open_run(root);
	/* 0.2: a live writer's work/ is its staging, not a leftover. */
	g_assert_true(ckpt_run_live(run));
	g_assert_false(ckpt_run_work_leftover(run));
	g_assert_false(ckpt_run_health(run) & CKPT_HEALTH_WORK_LEFTOVER);
	ckpt_clean_plan *plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	g_assert_false(ckpt_clean_plan_removes_work(plan));
	char *before = tu_snapshot_tree(f.exp);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, CKPT_ELOCKED);
	char *pid = g_strdup_printf("pid %ld", (long)getpid());
	assert_error_has(pid);
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	ckpt_lock_release(lock);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(pid), g_free(before), g_free(after), g_free(root);
	tu_fixture_free(&f);
}

static void test_clean_never_touches_strays_or_outside(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	char *outside = g_build_filename(f.dir, "outside", NULL);
	char *sentinel = g_build_filename(outside, "sentinel", NULL);
	g_assert_cmpint(mkdir(outside, 0755), ==, 0);
	tu_write(sentinel, "sentinel");
	char *stray_file = g_build_filename(root, "epochs", "notes.txt", NULL);
	tu_write(stray_file, "keep me");
	char *stray_link = g_build_filename(root, "epochs", "007", NULL);
	g_assert_cmpint(symlink(outside, stray_link), ==, 0);
	char *root_stray = g_build_filename(root, "old-epochs", NULL);
	g_assert_cmpint(symlink(outside, root_stray), ==, 0);

	ckpt_run *run = tu_open_run(root);
	ckpt_clean_plan *plan = plan_run(run, 1, CKPT_KEEP_LINEAR);
	g_assert_cmpuint(ckpt_clean_plan_count(plan), ==, 5);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	g_assert_true(tu_exists(stray_file));
	char *target = tu_readlink(stray_link);
	g_assert_cmpstr(target, ==, outside);
	g_free(target);
	g_assert_true(tu_exists(root_stray));
	char *text = tu_read(sentinel, NULL);
	g_assert_cmpstr(text, ==, "sentinel");
	g_free(text);
	g_assert_false(epoch_exists(root, 29));
	g_assert_true(epoch_exists(root, 28));
	g_assert_true(epoch_exists(root, 30));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root_stray), g_free(stray_link), g_free(stray_file), g_free(sentinel);
	g_free(outside), g_free(root);
	tu_fixture_free(&f);
}

static void test_clean_skips_epoch_replaced_by_link(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_run *run = tu_open_run(root);
	ckpt_clean_plan *plan = plan_run(run, 2, CKPT_KEEP_LINEAR);
	/* Between plan and apply, epochs/026 becomes a link to a folder outside. */
	char *outside = g_build_filename(f.dir, "outside-026", NULL);
	char *e26 = epoch_path(root, 26, NULL);
	g_assert_cmpint(rename(e26, outside), ==, 0);
	g_assert_cmpint(symlink(outside, e26), ==, 0);
	char *outside_before = tu_snapshot_tree(outside);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	char *outside_after = tu_snapshot_tree(outside);
	g_assert_cmpstr(outside_before, ==, outside_after);
	char *target = tu_readlink(e26);
	g_assert_cmpstr(target, ==, outside);
	g_assert_false(epoch_exists(root, 27));
	char *log = g_build_filename(root, "ckpt.log", NULL);
	char *text = tu_read(log, NULL);
	g_assert_null(strstr(text, "deleted epoch: 26\n"));
	g_assert_nonnull(strstr(text, "deleted epoch: 27\n"));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(text), g_free(log), g_free(target), g_free(outside_before), g_free(outside_after);
	g_free(e26), g_free(outside), g_free(root);
	tu_fixture_free(&f);
}

static void test_clean_modes_exponential_and_all(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	/* resumed: epochs 7 8 17 18 19 20, best = last = 20 */
	ckpt_run *run = open_fixture(&f, "resumed");
	static const long epochs[] = {7, 8, 17, 18, 19, 20};
	ckpt_clean_plan *plan = plan_run(run, 4, CKPT_KEEP_LINEAR);
	const char *linear[] = {"beyond-limit", "beyond-limit", "limit", "limit", "limit", "last"};
	for (size_t i = 0; i < 6; i++)
		assert_item(plan, i, epochs[i], linear[i]);
	ckpt_clean_plan_free(plan);
	/* From 20, the oldest of ages [1,3) [3,7) [7,15): 18, 17, 7 (retention.c's
	 * rule); 19 and 8 are younger ones of a bucket already kept. */
	plan = plan_run(run, 4, CKPT_KEEP_EXPONENTIAL);
	static const struct {
		long epoch;
		const char *reason;
	} expo[] = {
	    {7, "exponential"},  {8, "beyond-limit"},  {17, "exponential"},
	    {18, "exponential"}, {19, "beyond-limit"}, {20, "last"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(expo); i++)
		assert_item(plan, i, expo[i].epoch, expo[i].reason);
	ckpt_clean_plan_free(plan);
	plan = plan_run(run, 1, CKPT_KEEP_ALL);
	for (size_t i = 0; i < 5; i++)
		assert_item(plan, i, epochs[i], "all");
	assert_item(plan, 5, 20, "last");
	g_assert_cmpuint(ckpt_clean_plan_bytes_freed(plan), ==, 0);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);

	/* Without a last link, exponential counts ages from the newest epoch
	 * instead of deleting every epoch as too young. */
	char *root = root_of(&f, "nt3-lr0.01");
	char *last = g_build_filename(root, "last", NULL);
	g_assert_cmpint(unlink(last), ==, 0);
	run = tu_open_run(root);
	/* From 30: 30 itself, 28 (the best) stands for [1,3), 26 for [3,7). */
	plan = plan_run(run, 2, CKPT_KEEP_EXPONENTIAL);
	assert_item(plan, 0, 26, "exponential");
	assert_item(plan, 1, 27, "beyond-limit");
	assert_item(plan, 2, 28, "best");
	assert_item(plan, 3, 29, "beyond-limit");
	assert_item(plan, 4, 30, "exponential");
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(last), g_free(root);
	tu_fixture_free(&f);
}

static void test_clean_cancel_before_first_epoch(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	ckpt_run *run = open_fixture(&f, "nt3-lr0.01");
	ckpt_clean_plan *plan = plan_run(run, 1, CKPT_KEEP_LINEAR);
	volatile int cancel = 1;
	ckpt_progress progress = {NULL, NULL, &cancel};
	char *root = root_of(&f, "nt3-lr0.01");
	g_assert_cmpint(ckpt_clean_apply(plan, &progress), ==, CKPT_ECANCELLED);
	for (long e = 26; e <= 30; e++)
		g_assert_true(epoch_exists(root, e));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root);
	tu_fixture_free(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	use_private_cache();
	g_test_add_func("/ckpt/ops/clean/plan-keep-2-reasons-bytes-and-keep-0-rejected",
			test_clean_plan_reasons_and_bytes);
	g_test_add_func("/ckpt/ops/clean/apply-removes-exactly-the-planned-epochs",
			test_clean_apply_removes_exactly_the_plan);
	g_test_add_func("/ckpt/ops/clean/stale-plan-refused-after-last-or-best-moved",
			test_clean_stale_plan_refused);
	g_test_add_func("/ckpt/ops/clean/leftover-work-removed-unseen-work-refused",
			test_clean_removes_leftover_work);
	g_test_add_func("/ckpt/ops/clean/live-writer-keeps-work-and-refuses-apply",
			test_clean_keeps_work_of_live_writer);
	g_test_add_func("/ckpt/ops/clean/strays-and-outside-sentinel-untouched",
			test_clean_never_touches_strays_or_outside);
	g_test_add_func("/ckpt/ops/clean/epoch-replaced-by-link-after-plan-is-skipped",
			test_clean_skips_epoch_replaced_by_link);
	g_test_add_func("/ckpt/ops/clean/exponential-and-all-modes",
			test_clean_modes_exponential_and_all);
	g_test_add_func("/ckpt/ops/clean/cancel-before-first-epoch-deletes-nothing",
			test_clean_cancel_before_first_epoch);
	return g_test_run();
}
