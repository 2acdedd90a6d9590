/* test-writer-follower.c: CKPT_WRITER_FOLLOWER (writer.c,
 * writer-restart.c), the writer of the ranks of a distributed job that do
 * not write: it takes no lock and writes nothing, yet decides every epoch
 * and restarts exactly as the rank that writes. */
#include "api-fixture.h"

#include <math.h>
#include <string.h>

static ckpt_writer *follower(const char *root, af_model *m, ...) G_GNUC_NULL_TERMINATED;

static ckpt_writer *follower(const char *root, af_model *m, ...)
{
	va_list ap;
	va_start(ap, m);
	ckpt_writer *w = af_writer_v(root, m, CKPT_WRITER_FOLLOWER, ap);
	va_end(ap);
	return w;
}

static void test_new_root_stays_absent(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "job", "ckpts", NULL);
	char *before = tu_snapshot_tree(dir);
	af_model m = {0};
	ckpt_writer *w = follower(root, &m, "epochs", "5", NULL);
	g_assert_cmpstr(ckpt_writer_root(w), ==, root);
	ckpt_restart *r = NULL;
	g_assert_cmpint(ckpt_writer_restart(&r, w), ==, 0);
	g_assert_false(ckpt_restart_resumed(r));
	ckpt_restart_free(r);
	for (long e = 1; e <= 5; e++) {
		ckpt_epoch_result result = af_epoch(w, e, '-', 1.0 / (double)e);
		g_assert_true(result.saved); /* each one better: a writer would save it */
	}
	g_assert_cmpint(ckpt_writer_report_final(w), ==, 0);
	ckpt_writer_free(w);
	char *job = g_build_filename(dir, "job", NULL);
	g_assert_false(tu_exists(job));
	char *after = tu_snapshot_tree(dir);
	g_assert_cmpstr(after, ==, before);
	g_assert_cmpint(m.writes, ==, 0);
	g_free(after);
	g_free(job);
	g_free(before);
	g_free(root);
	af_tree_free(dir);
}

static void test_existing_run_untouched(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	const double values[] = {0.5, 0.4, 0.3, 0.2};
	af_save(root, values, 4, "epochs", "8", "ckpt_keep_limit", "2", NULL);
	char *before = tu_snapshot_tree(dir);
	af_model m = {0};
	ckpt_writer *w = follower(root, &m, "epochs", "8", "ckpt_keep_limit", "2", NULL);
	ckpt_restart *r = NULL;
	g_assert_cmpint(ckpt_writer_restart(&r, w), ==, 0);
	g_assert_true(ckpt_restart_resumed(r));
	ckpt_restart_free(r);
	for (long e = 5; e <= 8; e++)
		af_epoch(w, e, '-', 0.1 / (double)e);
	g_assert_cmpint(ckpt_writer_report_final(w), ==, 0);
	ckpt_writer_free(w);
	char *after = tu_snapshot_tree(dir);
	g_assert_cmpstr(after, ==, before);
	g_assert_cmpint(m.writes, ==, 0);
	g_free(after);
	g_free(before);
	g_free(root);
	af_tree_free(dir);
}

static void test_takes_no_lock(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	af_model m = {0};
	ckpt_writer *writer = af_writer(root, &m, 0, NULL);
	af_epoch(writer, 1, '-', 0.5);
	ckpt_writer *f = follower(root, &m, NULL);
	/* The control: a second writer is refused. */
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", root), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "10"), ==, 0);
	ckpt_writer *second = NULL;
	g_assert_cmpint(ckpt_writer_new(&second, params, 0), ==, CKPT_ELOCKED);
	/* With only the follower left, the run is not live and has no lock file. */
	ckpt_writer_free(writer);
	ckpt_run *run = tu_open_run(root);
	g_assert_false(ckpt_run_live(run));
	g_assert_cmpint(ckpt_run_writer_pid(run), ==, 0);
	char *lock = g_build_filename(root, "ckpt.lock", NULL);
	g_assert_false(tu_exists(lock));
	/* ...and a writer may take it while the follower goes on. */
	g_assert_cmpint(ckpt_writer_new(&second, params, 0), ==, 0);
	af_epoch(f, 2, '-', 0.4);
	ckpt_writer_free(second);
	ckpt_writer_free(f);
	ckpt_run_unref(run);
	ckpt_params_free(params);
	g_free(lock);
	g_free(root);
	af_tree_free(dir);
}

/* ---- the same decisions --------------------------------------------------- */

typedef struct param_set {
	const char *name;
	const char *params[12]; /* key, value pairs, NULL-terminated */
	char direction;
	double values[14];
	int n;
} param_set;

static void assert_same_result(const ckpt_epoch_result *a, const ckpt_epoch_result *b,
			       const char *set)
{
	if (a->epoch != b->epoch || a->saved != b->saved || a->became_best != b->became_best ||
	    a->best_epoch != b->best_epoch ||
	    !(a->best_value == b->best_value || (isnan(a->best_value) && isnan(b->best_value))))
		g_error("%s, epoch %lld: writer saved=%d best=%d best_epoch=%lld best_value=%g; "
			"follower saved=%d best=%d best_epoch=%lld best_value=%g",
			set, (long long)a->epoch, a->saved, a->became_best,
			(long long)a->best_epoch, a->best_value, b->saved, b->became_best,
			(long long)b->best_epoch, b->best_value);
}

static ckpt_writer *writer_with(const char *root, af_model *m, unsigned flags,
				const char *const *kv)
{
	/* At most five pairs: spelled out for the variadic helper. */
	return af_writer(root, m, flags, kv[0], kv[1], kv[2], kv[3], kv[4], kv[5], kv[6], kv[7],
			 kv[8], kv[9], NULL);
}

static void test_same_decisions(void)
{
	static const param_set sets[] = {
	    {"defaults, keep 3",
	     {"epochs", "12", "ckpt_keep_limit", "3", NULL},
	     '-',
	     {0.9, 0.8, 0.85, 0.7, 0.75, 0.72, 0.6, 0.65, 0.61, 0.62, 0.5, 0.55},
	     12},
	    {"skip 4, interval 3",
	     {"epochs", "12", "ckpt_skip_epochs", "4", "ckpt_save_interval", "3", NULL},
	     '-',
	     {0.9, 0.8, 0.85, 0.7, 0.75, 0.72, 0.6, 0.65, 0.61, 0.62, 0.5, 0.55},
	     12},
	    {"+ with a start value",
	     {"epochs", "10", "ckpt_save_best_metric", "val_accuracy", "ckpt_best_metric_last",
	      "0.5", "ckpt_save_interval", "4", NULL},
	     '+',
	     {0.4, 0.55, 0.5, 0.6, 0.58, 0.7, 0.69, 0.71, 0.65, 0.66},
	     10},
	    {"+ without a start value",
	     {"epochs", "6", "ckpt_save_best_metric", "val_accuracy", "ckpt_save_interval", "5",
	      NULL},
	     '+',
	     {0.4, 0.55, 0.5, 0.6, 0.58, 0.7},
	     6},
	    {"no save_best, interval 2",
	     {"epochs", "9", "ckpt_save_best", "false", "ckpt_save_interval", "2", NULL},
	     '-',
	     {0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1},
	     9},
	    {"disabled",
	     {"epochs", "5", "ckpt_save_interval", "0", NULL},
	     '-',
	     {0.5, 0.4, 0.3, 0.2, 0.1},
	     5},
	    {"NaN and exponential",
	     {"epochs", "8", "ckpt_keep_mode", "exponential", "ckpt_keep_limit", "2", NULL},
	     '-',
	     {NAN, 0.8, NAN, 0.7, INFINITY, 0.6, -INFINITY, 0.65},
	     8},
	};
	for (size_t s = 0; s < G_N_ELEMENTS(sets); s++) {
		const param_set *set = &sets[s];
		char *dir = af_tree_new();
		char *root = g_build_filename(dir, "ckpts", NULL);
		af_model wm = {0}, fm = {0};
		const char *kv[10] = {0};
		for (size_t i = 0; i < 10 && set->params[i]; i++)
			kv[i] = set->params[i];
		ckpt_writer *w = writer_with(root, &wm, 0, kv);
		ckpt_writer *f = writer_with(root, &fm, CKPT_WRITER_FOLLOWER, kv);
		int saves = 0;
		for (int e = 0; e < set->n; e++) {
			ckpt_epoch_result a = {.size = sizeof a}, b = {.size = sizeof b};
			g_assert_cmpint(
			    ckpt_writer_epoch(&a, w, e, set->direction, set->values[e], NULL, 0),
			    ==, 0);
			g_assert_cmpint(
			    ckpt_writer_epoch(&b, f, e, set->direction, set->values[e], NULL, 0),
			    ==, 0);
			assert_same_result(&a, &b, set->name);
			saves += a.saved;
		}
		g_assert_cmpint(wm.writes, ==, saves);
		g_assert_cmpint(fm.writes, ==, 0);
		ckpt_writer_free(f);
		ckpt_writer_free(w);
		g_free(root);
		af_tree_free(dir);
	}
}

/* ---- the same restart -------------------------------------------------------- */

static void test_restarts_like_writer(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	const char *kv[10] = {"epochs", "8", "ckpt_keep_limit", "2", NULL};
	af_model first = {0};
	ckpt_writer *w1 = writer_with(root, &first, 0, kv);
	const double values[] = {0.5, 0.3, 0.4, 0.35, 0.2, 0.25, 0.1, 0.15};
	for (int e = 0; e < 4; e++)
		af_epoch(w1, e + 1, '-', values[e]);
	ckpt_writer_free(w1);

	/* The follower first: it must find everything as the writer will. */
	char *before = tu_snapshot_tree(dir);
	af_model fm = {0}, wm = {0};
	ckpt_writer *f = writer_with(root, &fm, CKPT_WRITER_FOLLOWER, kv);
	ckpt_restart *fr = NULL;
	g_assert_cmpint(ckpt_writer_restart(&fr, f), ==, 0);
	char *after = tu_snapshot_tree(dir);
	g_assert_cmpstr(after, ==, before);
	ckpt_writer *w2 = writer_with(root, &wm, 0, kv);
	ckpt_restart *wr = NULL;
	g_assert_cmpint(ckpt_writer_restart(&wr, w2), ==, 0);

	g_assert_true(ckpt_restart_resumed(fr) && ckpt_restart_resumed(wr));
	g_assert_cmpint(ckpt_restart_epoch(wr), ==, 4);
	g_assert_cmpint(ckpt_restart_epoch(fr), ==, ckpt_restart_epoch(wr));
	g_assert_cmpfloat(ckpt_restart_best_metric_last(wr), ==, 0.3);
	g_assert_cmpfloat(ckpt_restart_best_metric_last(fr), ==, ckpt_restart_best_metric_last(wr));
	g_assert_cmpstr(ckpt_restart_model_path(fr), ==, ckpt_restart_model_path(wr));
	g_assert_cmpstr(ckpt_restart_info_json(fr), ==, ckpt_restart_info_json(wr));
	g_assert_cmpint(fm.loads, ==, 1);
	g_assert_cmpint(wm.loads, ==, 1);
	g_assert_cmpstr(fm.loaded, ==, wm.loaded);
	char *model = af_epoch_path(root, 4, "model.h5");
	g_assert_cmpstr(wm.loaded, ==, model);

	/* Then the same decisions from the restored best on. */
	for (int e = 4; e < 8; e++) {
		ckpt_epoch_result a = {.size = sizeof a}, b = {.size = sizeof b};
		g_assert_cmpint(ckpt_writer_epoch(&a, w2, e, '-', values[e], NULL, 0), ==, 0);
		g_assert_cmpint(ckpt_writer_epoch(&b, f, e, '-', values[e], NULL, 0), ==, 0);
		assert_same_result(&a, &b, "after restart");
	}
	g_assert_cmpint(fm.writes, ==, 0);

	/* A corrupt model: the follower refuses to load it as the writer does. */
	ckpt_writer_free(w2);
	ckpt_writer_free(f);
	char *last = af_epoch_path(root, 8, "model.h5");
	af_flip_byte(last, 20);
	af_model gm = {0};
	ckpt_writer *g = writer_with(root, &gm, CKPT_WRITER_FOLLOWER, kv);
	ckpt_restart *gr = NULL;
	g_assert_cmpint(ckpt_writer_restart(&gr, g), ==, CKPT_ECHECKSUM);
	g_assert_null(gr);
	g_assert_cmpint(gm.loads, ==, 0);
	ckpt_writer_free(g);

	g_free(last);
	g_free(model);
	ckpt_restart_free(wr);
	ckpt_restart_free(fr);
	g_free(after);
	g_free(before);
	g_free(root);
	af_tree_free(dir);
}

/* After a rollback `best` may name a later epoch with a better model than the
 * one now saved in its place: the writer keeps it (and adopts its value); a
 * follower must decide the same from what it reads. */
static void test_after_rollback(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	const char *kv[10] = {"epochs", "8", "ckpt_keep_mode", "all", NULL};
	af_model first = {0};
	ckpt_writer *w1 = writer_with(root, &first, 0, kv);
	const double before[] = {0.5, 0.3, 0.1, 0.2, 0.25};
	for (int e = 0; e < 5; e++)
		af_epoch(w1, e + 1, '-', before[e]);
	ckpt_writer_free(w1);
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpint(ckpt_run_best(run), ==, 3);
	g_assert_cmpint(ckpt_rollback(NULL, run, 2, 0), ==, 0);
	ckpt_run_unref(run);

	af_model wm = {0}, fm = {0};
	ckpt_writer *w = writer_with(root, &wm, 0, kv);
	ckpt_writer *f = writer_with(root, &fm, CKPT_WRITER_FOLLOWER, kv);
	ckpt_restart *wr = NULL, *fr = NULL;
	g_assert_cmpint(ckpt_writer_restart(&fr, f), ==, 0);
	g_assert_cmpint(ckpt_writer_restart(&wr, w), ==, 0);
	g_assert_cmpint(ckpt_restart_epoch(wr), ==, 2);
	g_assert_cmpint(ckpt_restart_epoch(fr), ==, 2);
	/* Epoch 3 again, worse than the 0.1 that `best` keeps there. */
	const double after[] = {0.2, 0.15, 0.12, 0.3, 0.05, 0.4};
	for (int e = 2; e < 8; e++) {
		ckpt_epoch_result a = {.size = sizeof a}, b = {.size = sizeof b};
		g_assert_cmpint(ckpt_writer_epoch(&a, w, e, '-', after[e - 2], NULL, 0), ==, 0);
		g_assert_cmpint(ckpt_writer_epoch(&b, f, e, '-', after[e - 2], NULL, 0), ==, 0);
		if (e == 2)
			g_assert_false(a.saved); /* the writer's own rule, as the control */
		assert_same_result(&a, &b, "after a rollback");
	}
	ckpt_restart_free(wr);
	ckpt_restart_free(fr);
	ckpt_writer_free(f);
	ckpt_writer_free(w);
	g_free(root);
	af_tree_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/writer/follower/new-root-stays-absent", test_new_root_stays_absent);
	g_test_add_func("/ckpt/writer/follower/existing-run-untouched",
			test_existing_run_untouched);
	g_test_add_func("/ckpt/writer/follower/takes-no-lock", test_takes_no_lock);
	g_test_add_func("/ckpt/writer/follower/decides-every-epoch-like-the-writer",
			test_same_decisions);
	g_test_add_func("/ckpt/writer/follower/restarts-from-the-writers-last",
			test_restarts_like_writer);
	g_test_add_func("/ckpt/writer/follower/after-rollback-keeps-a-better-best-like-the-writer",
			test_after_rollback);
	return g_test_run();
}
