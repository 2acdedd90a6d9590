/* test-history-branches.c: what a chart needs of a history beyond its
 * points: where each writer session branched off after a rollback, which
 * points a later session abandoned, times as numbers, and histories shared
 * by reference; and a rollback's checksum check reporting progress. */
#include "api-fixture.h"

#include <string.h>

/* Saves epochs 1..n of values, then rolls last back to `back` and saves the
 * epochs after it again in a second session, with values + 1. */
static void two_branches(const char *root, int n, long back, int redo)
{
	double values[16];
	for (int i = 0; i < n; i++)
		values[i] = 10.0 - i;
	af_save(root, values, n, "ckpt_keep_mode", "all", NULL);
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpint(ckpt_rollback(NULL, run, back, 0), ==, 0);
	ckpt_run_unref(run);
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, "ckpt_keep_mode", "all", NULL);
	ckpt_restart *r = NULL;
	g_assert_cmpint(ckpt_writer_restart(&r, w), ==, 0);
	g_assert_cmpint(ckpt_restart_epoch(r), ==, back);
	for (long e = back + 1; e <= back + redo; e++)
		af_epoch(w, e, '-', 11.0 - (double)e);
	ckpt_restart_free(r);
	ckpt_writer_free(w);
}

static void test_rollback_makes_a_branch(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	two_branches(root, 6, 3, 2); /* session 1: 1..6; session 2: 4, 5 */
	ckpt_run *run = tu_open_run(root);
	ckpt_history *h = NULL;
	g_assert_cmpint(ckpt_history_load(&h, run), ==, 0);
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 2);
	g_assert_cmpint(ckpt_history_session_start(h, 1), ==, 0);
	g_assert_cmpint(ckpt_history_session_start(h, 2), ==, 3);
	g_assert_cmpint(ckpt_history_session_start(h, 3), ==, 0); /* no such session */
	size_t abandoned = 0, current = 0;
	for (size_t i = 0; i < ckpt_history_count(h); i++) {
		int64_t epoch = ckpt_history_epoch(h, i);
		bool superseded = ckpt_history_superseded(h, i);
		if (ckpt_history_session(h, i) == 1)
			g_assert_cmpint(superseded, ==, epoch > 3);
		else
			g_assert_false(superseded);
		abandoned += superseded;
		current += !superseded;
	}
	g_assert_cmpuint(abandoned, ==, 3); /* 4, 5, 6 of the first session */
	g_assert_cmpuint(current, ==, 5);   /* 1, 2, 3 and the new 4, 5 */
	ckpt_history_free(h);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

static void test_resume_at_last_supersedes_nothing_saved(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	two_branches(root, 4, 4, 2); /* the second session goes on after 4 */
	ckpt_run *run = tu_open_run(root);
	ckpt_history *h = NULL;
	g_assert_cmpint(ckpt_history_load(&h, run), ==, 0);
	g_assert_cmpint(ckpt_history_session_start(h, 2), ==, 4);
	for (size_t i = 0; i < ckpt_history_count(h); i++)
		g_assert_false(ckpt_history_superseded(h, i));
	ckpt_history_free(h);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

static void test_times_as_seconds(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	const double values[] = {3, 2};
	af_save(root, values, 2, NULL);
	ckpt_run *run = tu_open_run(root);
	const ckpt_epoch *e = ckpt_run_epoch(run, 0);
	int64_t seconds = 0;
	g_assert_true(ckpt_epoch_timestamp_seconds(&seconds, e));
	/* Read as if UTC: gmtime gives the writer's wall clock back. */
	time_t t = (time_t)seconds;
	struct tm tm;
	char back[32];
	gmtime_r(&t, &tm);
	strftime(back, sizeof back, "%Y-%m-%d %H:%M:%S", &tm);
	g_assert_cmpstr(back, ==, ckpt_epoch_timestamp(e));
	ckpt_history *h = NULL;
	g_assert_cmpint(ckpt_history_load(&h, run), ==, 0);
	int64_t first = 0, second = 0;
	g_assert_true(ckpt_history_time_seconds(&first, h, 0));
	g_assert_true(ckpt_history_time_seconds(&second, h, 1));
	g_assert_cmpint(second, >=, first);
	g_assert_false(ckpt_history_time_seconds(&first, h, 99));
	/* A second reference keeps the history after the first is dropped. */
	ckpt_history *other = ckpt_history_ref(h);
	g_assert_true(other == h);
	ckpt_history_free(h);
	g_assert_cmpuint(ckpt_history_count(other), ==, 2);
	ckpt_history_free(other);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

static void test_stamp_texts(void)
{
	int64_t s = 0;
	g_assert_true(ckpt_stamp_seconds("1970-01-02 00:00:01", &s));
	g_assert_cmpint(s, ==, 86401);
	g_assert_false(ckpt_stamp_seconds("1970-01-02 00:00:01x", &s));
	g_assert_false(ckpt_stamp_seconds("1970-13-02 00:00:01", &s));
	g_assert_false(ckpt_stamp_seconds("yesterday", &s));
	g_assert_false(ckpt_stamp_seconds(NULL, &s));
}

static int count_checksum_events(const ckpt_progress_event *event, void *payload)
{
	uint64_t *done = payload;
	if (event->stage == CKPT_STAGE_CHECKSUM)
		*done = event->done;
	return 0;
}

static int stop_at_once(const ckpt_progress_event *event, void *payload)
{
	(void)event, (void)payload;
	return 1;
}

static void test_rollback_reports_its_checksum(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	const double values[] = {3, 2, 1};
	af_save(root, values, 3, NULL);
	ckpt_run *run = tu_open_run(root);
	uint64_t done = 0;
	ckpt_progress progress = {.fn = count_checksum_events, .payload = &done};
	ckpt_restart *r = NULL;
	g_assert_cmpint(ckpt_rollback_progress(&r, run, 2, CKPT_FLAG_DRY_RUN, &progress), ==, 0);
	g_assert_cmpuint(done, ==, (uint64_t)ckpt_epoch_model_bytes(ckpt_run_find_epoch(run, 2)));
	ckpt_restart_free(r);
	/* A callback that says stop cancels the check, and nothing moves. */
	ckpt_progress stop = {.fn = stop_at_once};
	g_assert_cmpint(ckpt_rollback_progress(&r, run, 2, 0, &stop), ==, CKPT_ECANCELLED);
	g_assert_null(r);
	tu_assert_link(root, "last", "epochs/003");
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/history/branches/rollback-makes-a-branch",
			test_rollback_makes_a_branch);
	g_test_add_func("/ckpt/history/branches/resume-at-last-supersedes-nothing-saved",
			test_resume_at_last_supersedes_nothing_saved);
	g_test_add_func("/ckpt/history/times/as-seconds-and-shared", test_times_as_seconds);
	g_test_add_func("/ckpt/history/times/stamp-texts", test_stamp_texts);
	g_test_add_func("/ckpt/rollback/progress/checksum-reported-and-cancellable",
			test_rollback_reports_its_checksum);
	return g_test_run();
}
