/* test-reader-changes.c: reading runs that change: a run the original
 * started and libckpt continued keeps both histories once, and a refresh
 * rereads only what changed while another thread reads the old snapshot. */
#include "internal.h"
#include "reader-fixture.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- history of a run the original started and libckpt continued ------------ */

static int write_model(const char *path, void *payload)
{
	(void)payload;
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int rc = fputs("model", f) < 0 ? -1 : 0;
	return fclose(f) == 0 ? rc : -1;
}

/* What the continuing trainer reports for a 1-based epoch: always improving. */
static double mix_value(long epoch)
{
	return 8.0 / (double)epoch;
}

/* One libckpt writer session on root, as `ckpt demo DIR --epochs N --every 0`
 * runs it: restart from last (which must be want_restart), train to epochs. */
static void continue_with_libckpt(const char *root, long epochs, long want_restart)
{
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set_int(params, "epochs", epochs), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", root), ==, 0);
	g_assert_cmpint(ckpt_params_set_bool(params, "ckpt_checksum", 1), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_save_best_metric", "val_loss"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "metadata", "ckpt demo"), ==, 0);
	ckpt_writer *w = NULL;
	g_assert_cmpint(ckpt_writer_new(&w, params, 0), ==, 0);
	ckpt_writer_set_model_io(w, write_model, NULL, NULL);
	ckpt_restart *restart = NULL;
	g_assert_cmpint(ckpt_writer_restart(&restart, w), ==, 0);
	g_assert_true(ckpt_restart_resumed(restart));
	g_assert_cmpint(ckpt_restart_epoch(restart), ==, want_restart);
	for (long epoch0 = (long)ckpt_restart_epoch(restart); epoch0 < epochs; epoch0++) {
		ckpt_epoch_result result = {.size = sizeof result};
		double value = mix_value(epoch0 + 1);
		g_assert_cmpint(ckpt_writer_epoch(&result, w, epoch0, '-', value, NULL, 0), ==, 0);
		g_assert_true(result.saved);
	}
	ckpt_restart_free(restart);
	ckpt_writer_free(w);
	ckpt_params_free(params);
}

static ckpt_history *load_history(const ckpt_run *run)
{
	ckpt_history *history = NULL;
	int rc = ckpt_history_load(&history, run);
	if (rc)
		g_error("history: %s", ckpt_error_last());
	return history;
}

/* cp -a exp-2026-03/nt3-lr0.001 mix; ckpt demo mix --epochs 34 --every 0 */
static void test_history_original_then_libckpt(void)
{
	char *tmp = tu_tmpdir();
	char *exp = tu_unpack_fixtures(tmp);
	if (!exp) {
		tu_rmtree(tmp), g_free(tmp);
		return;
	}
	char *orig = g_build_filename(exp, "nt3-lr0.001", NULL);
	char *mix = g_build_filename(tmp, "mix", NULL);
	g_assert_cmpint(rename(orig, mix), ==, 0);
	char *root = g_build_filename(mix, "ckpts", NULL);
	continue_with_libckpt(root, 34, 30);

	ckpt_run *run = tu_open_run(mix);
	ckpt_history *history = load_history(run);
	g_assert_cmpuint(ckpt_history_count(history), ==, 34);
	g_assert_cmpuint(ckpt_history_session_count(history), ==, 2);
	g_assert_cmpstr(ckpt_history_metric(history), ==, "val_loss");
	g_assert_cmpint(ckpt_history_direction(history), ==, '-');
	for (size_t i = 0; i < 34; i++) {
		double v = 0;
		g_assert_cmpint(ckpt_history_epoch(history, i), ==, (long)i + 1);
		/* 0.2: sessions from 1. */
		g_assert_cmpint(ckpt_history_session(history, i), ==, i < 30 ? 1 : 2);
		g_assert_true(ckpt_history_value(&v, history, i));
		if (i >= 30)
			g_assert_cmpfloat(v, ==, mix_value((long)i + 1));
	}
	/* The original's epochs, as its ckpt.log recorded them. */
	double v25 = 0, v30 = 0;
	g_assert_true(ckpt_history_value(&v25, history, 24));
	g_assert_true(ckpt_history_value(&v30, history, 29));
	g_assert_cmpfloat(v25, ==, 0.415711);
	g_assert_cmpfloat(v30, ==, 0.356323);
	g_assert_true(ckpt_history_saved(history, 29) && ckpt_history_became_best(history, 29));
	g_assert_false(ckpt_history_saved(history, 28));
	ckpt_history_free(history);
	/* Each epoch's metric: the log's for the original's, metrics.jsonl's after. */
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 9);
	static const struct {
		long epoch;
		double metric;
	} metrics[] = {{25, 0.415711}, {28, 0.402704}, {30, 0.356323}};
	for (size_t i = 0; i < G_N_ELEMENTS(metrics); i++) {
		const ckpt_epoch *e = ckpt_run_find_epoch(run, metrics[i].epoch);
		double v = 0;
		g_assert_true(ckpt_epoch_metric(&v, e));
		g_assert_cmpfloat(v, ==, metrics[i].metric);
	}
	for (long epoch = 31; epoch <= 34; epoch++) {
		double v = 0;
		g_assert_true(ckpt_epoch_metric(&v, ckpt_run_find_epoch(run, epoch)));
		g_assert_cmpfloat(v, ==, mix_value(epoch));
	}
	ckpt_run_unref(run);

	/* A second libckpt session: its ckpt.log lines are not counted again.
	 * (Two writers of one process within a second share a session id, so
	 * the session count is not asserted here.) */
	continue_with_libckpt(root, 36, 34);
	run = tu_open_run(mix);
	history = load_history(run);
	g_assert_cmpuint(ckpt_history_count(history), ==, 36);
	for (size_t i = 0; i < 36; i++)
		g_assert_cmpint(ckpt_history_epoch(history, i), ==, (long)i + 1);
	g_assert_cmpint(ckpt_history_session(history, 29), ==, 1);
	g_assert_cmpint(ckpt_history_session(history, 30), ==, 2);
	g_assert_true(ckpt_history_value(&v30, history, 29));
	g_assert_cmpfloat(v30, ==, 0.356323);
	ckpt_history_free(history);
	ckpt_run_unref(run);
	g_free(root), g_free(mix), g_free(orig), g_free(exp);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* A run only libckpt wrote: its ckpt.log repeats what metrics.jsonl holds
 * and must add nothing to the history. */
static void test_history_libckpt_only_not_doubled(void)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "run", "ckpts", NULL);
	for (int session = 0; session < 2; session++) {
		ckpt_params *params = NULL;
		g_assert_cmpint(ckpt_params_new(&params), ==, 0);
		ckpt_params_set_int(params, "epochs", 6);
		ckpt_params_set(params, "ckpt_directory", root);
		ckpt_writer *w = NULL;
		g_assert_cmpint(ckpt_writer_new(&w, params, 0), ==, 0);
		ckpt_writer_set_model_io(w, write_model, NULL, NULL);
		ckpt_restart *restart = NULL;
		g_assert_cmpint(ckpt_writer_restart(&restart, w), ==, 0);
		for (long epoch0 = (long)ckpt_restart_epoch(restart); epoch0 < 3 + 3 * session;
		     epoch0++)
			g_assert_cmpint(
			    ckpt_writer_epoch(NULL, w, epoch0, '-', mix_value(epoch0 + 1), NULL, 0),
			    ==, 0);
		ckpt_restart_free(restart);
		ckpt_writer_free(w);
		ckpt_params_free(params);
	}
	ckpt_run *run = tu_open_run(root);
	ckpt_history *history = load_history(run);
	g_assert_cmpuint(ckpt_history_count(history), ==, 6);
	for (size_t i = 0; i < 6; i++) {
		g_assert_cmpint(ckpt_history_epoch(history, i), ==, (long)i + 1);
		g_assert_false(ckpt_history_recovered(history, i));
	}
	g_assert_cmpint(ckpt_history_session(history, 0), ==, 1); /* from 1 (0.2) */
	ckpt_history_free(history);
	ckpt_run_unref(run);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- refresh -------------------------------------------------------------------------- */

static void append_history(const char *root, long epoch, double value)
{
	char *path = g_build_filename(root, CKPT_HISTORY_NAME, NULL);
	ckpt_history_line line = {.epoch = epoch,
				  .metric = "val_loss",
				  .direction = '-',
				  .has_value = true,
				  .value = value,
				  .saved = true,
				  .time = "2026-03-02 09:00:00",
				  .session = "s"};
	g_assert_cmpint(ckpt_history_append(path, &line), ==, 0);
	g_free(path);
}

static double metric_of(const ckpt_run *run, long epoch)
{
	double v = 0;
	g_assert_true(ckpt_epoch_metric(&v, ckpt_run_find_epoch(run, epoch)));
	return v;
}

static double best_last_of(const ckpt_run *run, long epoch)
{
	double v = 0;
	g_assert_true(ckpt_epoch_best_metric_last(&v, ckpt_run_find_epoch(run, epoch)));
	return v;
}

static void test_refresh_rereads_only_what_changed(void)
{
	char *tmp = tu_tmpdir();
	char *root = make_run(tmp, "run", 3);
	for (long e = 1; e <= 3; e++)
		append_history(root, e, 1.0 / (double)e);
	ckpt_run *old = tu_open_run(root);
	g_assert_cmpuint(ckpt_run_info_reads(old), ==, 3);
	g_assert_cmpfloat(metric_of(old, 2), ==, 0.5);

	/* 0.2: nothing changed, so the refresh is old itself, one more reference. */
	ckpt_run *same = NULL;
	bool changed = true;
	g_assert_cmpint(ckpt_run_refresh(&same, &changed, old), ==, 0);
	g_assert_false(changed);
	g_assert_true(same == old);
	g_assert_cmpuint(ckpt_run_epoch_count(same), ==, 3);

	make_epoch_as(root, 2, 2, 0.125);
	make_epoch(root, 4);
	append_history(root, 4, 0.2);
	append_history(root, 2, 0.3); /* saved again after a restart: the later value wins */
	ckpt_run *fresh = NULL;
	g_assert_cmpint(ckpt_run_refresh(&fresh, &changed, same), ==, 0);
	g_assert_true(changed);
	g_assert_true(fresh != same);
	g_assert_cmpuint(ckpt_run_info_reads(fresh), ==, 2);
	g_assert_cmpuint(ckpt_run_epoch_count(fresh), ==, 4);
	g_assert_cmpfloat(best_last_of(fresh, 2), ==, 0.125);
	g_assert_cmpfloat(metric_of(fresh, 2), ==, 0.3);
	g_assert_cmpfloat(metric_of(fresh, 4), ==, 0.2);
	g_assert_cmpstr(ckpt_run_name(fresh), ==, "run");
	/* Unchanged epochs are shared, not read again. */
	g_assert_true(ckpt_epoch_timestamp(ckpt_run_find_epoch(fresh, 3)) ==
		      ckpt_epoch_timestamp(ckpt_run_find_epoch(old, 3)));
	g_assert_true(ckpt_epoch_stored_checksum(ckpt_run_find_epoch(fresh, 1)) ==
		      ckpt_epoch_stored_checksum(ckpt_run_find_epoch(old, 1)));

	/* The old snapshots are as they were. */
	g_assert_cmpuint(ckpt_run_epoch_count(old), ==, 3);
	g_assert_cmpfloat(best_last_of(old, 2), ==, 0.5);
	g_assert_cmpfloat(metric_of(old, 2), ==, 0.5);
	g_assert_null(ckpt_run_find_epoch(same, 4));
	ckpt_run_unref(old);
	ckpt_run_unref(same);
	g_assert_cmpstr(ckpt_epoch_timestamp(ckpt_run_find_epoch(fresh, 3)), ==,
			"2026-03-02 09:00:03");
	ckpt_run_unref(fresh);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* A first read takes each ckpt-info.json unstat'ed; the first refresh that
 * finds the same text learns its identity, so later refreshes read only
 * what changed; a text changed in place in between is seen all the same. */
static void test_refresh_learns_info_identity_once(void)
{
	char *tmp = tu_tmpdir();
	char *root = make_run(tmp, "run", 3);
	ckpt_run *old = tu_open_run(root);
	g_assert_cmpuint(ckpt_run_info_reads(old), ==, 3);

	make_epoch_as(root, 2, 2, 0.375); /* by hand, in place, before any refresh */
	ckpt_run *first = NULL;
	bool changed = false;
	g_assert_cmpint(ckpt_run_refresh(&first, &changed, old), ==, 0);
	g_assert_true(changed);
	g_assert_cmpuint(ckpt_run_info_reads(first), ==, 3); /* none known yet: all read */
	g_assert_cmpfloat(best_last_of(first, 2), ==, 0.375);
	g_assert_cmpfloat(best_last_of(old, 2), ==, 0.5);
	/* The same text: the epoch of the first read, kept. */
	g_assert_true(ckpt_epoch_timestamp(ckpt_run_find_epoch(first, 1)) ==
		      ckpt_epoch_timestamp(ckpt_run_find_epoch(old, 1)));

	make_epoch(root, 4);
	ckpt_run *second = NULL;
	g_assert_cmpint(ckpt_run_refresh(&second, &changed, first), ==, 0);
	g_assert_true(changed);
	g_assert_cmpuint(ckpt_run_info_reads(second), ==, 1); /* only epoch 4 */
	g_assert_cmpuint(ckpt_run_epoch_count(second), ==, 4);
	g_assert_cmpfloat(best_last_of(second, 2), ==, 0.375);

	ckpt_run_unref(old);
	ckpt_run_unref(first);
	ckpt_run_unref(second);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

typedef struct {
	pthread_mutex_t lock; /* not GMutex: its futexes are invisible to ThreadSanitizer */
	ckpt_run *current;
	gint stop;
	gint reads;
} shared_run;

static gpointer read_snapshots(gpointer data)
{
	shared_run *s = data;
	while (!g_atomic_int_get(&s->stop)) {
		pthread_mutex_lock(&s->lock);
		ckpt_run *run = ckpt_run_ref(s->current);
		pthread_mutex_unlock(&s->lock);
		size_t n = ckpt_run_epoch_count(run);
		g_assert_true(n == 3 || n == 4);
		for (size_t i = 0; i < n; i++) {
			const ckpt_epoch *e = ckpt_run_epoch(run, i);
			g_assert_cmpint(ckpt_epoch_number(e), ==, (long)i + 1);
			g_assert_cmpint(ckpt_epoch_info_state(e), ==, CKPT_INFO_OK);
			g_assert_cmpuint(strlen(ckpt_epoch_stored_checksum(e)), ==, 12);
		}
		char *json = NULL;
		g_assert_cmpint(ckpt_run_to_json(&json, run, 0), ==, 0);
		ckpt_free(json);
		ckpt_run_unref(run);
		g_atomic_int_inc(&s->reads);
	}
	return NULL;
}

static void test_refresh_while_another_thread_reads(void)
{
	char *tmp = tu_tmpdir();
	char *root = make_run(tmp, "run", 3);
	shared_run s = {.current = tu_open_run(root)};
	pthread_mutex_init(&s.lock, NULL);
	GThread *reader = g_thread_new("reader", read_snapshots, &s);
	char *fourth = g_build_filename(root, "epochs", "004", NULL);
	for (int i = 0; i < 300; i++) {
		make_epoch_as(root, 1 + i % 3, 1 + i % 3, (double)i);
		if (i % 10 == 0)
			make_epoch(root, 4);
		else if (i % 10 == 5)
			tu_rmtree(fourth);
		ckpt_run *next = NULL;
		bool changed = false;
		g_assert_cmpint(ckpt_run_refresh(&next, &changed, s.current), ==, 0);
		g_assert_true(changed);
		g_assert_cmpfloat(best_last_of(next, 1 + i % 3), ==, i);
		pthread_mutex_lock(&s.lock);
		ckpt_run *old = s.current;
		s.current = next;
		pthread_mutex_unlock(&s.lock);
		ckpt_run_unref(old);
	}
	while (g_atomic_int_get(&s.reads) < 10)
		g_usleep(1000);
	g_atomic_int_set(&s.stop, 1);
	g_thread_join(reader);
	ckpt_run_unref(s.current);
	pthread_mutex_destroy(&s.lock);
	g_free(fourth), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

static gpointer refresh_unchanged(gpointer data)
{
	ckpt_run *old = data;
	for (int i = 0; i < 20; i++) {
		ckpt_run *same = NULL;
		bool changed = true;
		g_assert_cmpint(ckpt_run_refresh(&same, &changed, old), ==, 0);
		g_assert_false(changed);
		g_assert_true(same == old);
		ckpt_run_unref(same);
	}
	return NULL;
}

/* Two threads refreshing one snapshot whose infos were read unstat'ed both
 * learn the same identities at once: one writes each, neither sees a
 * change (clean under -Db_sanitize=thread). */
static void test_two_threads_learn_info_identity_at_once(void)
{
	char *tmp = tu_tmpdir();
	char *root = make_run(tmp, "run", 40);
	ckpt_run *old = tu_open_run(root);
	GThread *a = g_thread_new("refresh-a", refresh_unchanged, old);
	GThread *b = g_thread_new("refresh-b", refresh_unchanged, old);
	g_thread_join(a);
	g_thread_join(b);
	make_epoch(root, 41);
	ckpt_run *fresh = NULL;
	bool changed = false;
	g_assert_cmpint(ckpt_run_refresh(&fresh, &changed, old), ==, 0);
	g_assert_true(changed);
	g_assert_cmpuint(ckpt_run_info_reads(fresh), ==, 1); /* the 40 were learned */
	ckpt_run_unref(fresh);
	ckpt_run_unref(old);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/reader/history/original-then-libckpt-keeps-both",
			test_history_original_then_libckpt);
	g_test_add_func("/ckpt/reader/history/libckpt-only-log-not-counted-twice",
			test_history_libckpt_only_not_doubled);
	g_test_add_func("/ckpt/reader/refresh/rereads-only-what-changed",
			test_refresh_rereads_only_what_changed);
	g_test_add_func("/ckpt/reader/refresh/learns-info-identity-once",
			test_refresh_learns_info_identity_once);
	g_test_add_func("/ckpt/reader/refresh/two-threads-learn-at-once",
			test_two_threads_learn_info_identity_at_once);
	g_test_add_func("/ckpt/reader/refresh/while-another-thread-reads",
			test_refresh_while_another_thread_reads);
	return g_test_run();
}
