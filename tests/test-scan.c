/* test-scan.c: finding runs (scan.c, locate.c): each run handed out once as
 * it is read, cancelling, progress, a folder holding two roots, the root a
 * trainer should write, and scanning or reading a run again with what did
 * not change shared with the previous list or snapshot. */
#include "api-fixture.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A libckpt run of n epochs at dir/rel (a root). */
static void make_root_at(const char *dir, const char *rel, int n)
{
	char *root = g_build_filename(dir, rel, NULL);
	const double values[] = {0.5, 0.4, 0.3, 0.2, 0.1};
	g_assert_cmpint(n, <=, 5);
	af_save(root, values, n, "ckpt_keep_mode", "all", NULL);
	g_free(root);
}

/* A folder holding both ckpts/ (2 epochs) and the legacy save/ckpts/ with
 * its log in save/ (3 epochs). */
static void make_two_roots(const char *folder)
{
	make_root_at(folder, "ckpts", 2);
	/* The original's legacy run as libckpt continues it: save/ckpt.log beside
	 * an existing save/ckpts/. */
	char *save = g_build_filename(folder, "save", "ckpts", NULL);
	g_assert_cmpint(g_mkdir_with_parents(save, 0755), ==, 0);
	char *log = g_build_filename(folder, "save", "ckpt.log", NULL);
	tu_write(log, "");
	make_root_at(folder, "save/ckpts", 3);
	char *own_log = g_build_filename(save, "ckpt.log", NULL);
	g_assert_false(tu_exists(own_log));
	g_free(own_log);
	g_assert_true(tu_exists(log));
	g_free(log);
	g_free(save);
}

/* What on_run saw. */
typedef struct seen {
	GPtrArray *runs; /* references */
	int stop_at;     /* return nonzero on this call (0: never) */
} seen;

static int on_run(ckpt_run *run, void *payload)
{
	seen *s = payload;
	g_ptr_array_add(s->runs, ckpt_run_ref(run));
	return s->stop_at && (int)s->runs->len >= s->stop_at;
}

static seen seen_new(void)
{
	return (seen){.runs = g_ptr_array_new_with_free_func((GDestroyNotify)ckpt_run_unref)};
}

static ckpt_run_list *scan(const char *path, const ckpt_progress *progress, seen *s)
{
	ckpt_run_list *list = NULL;
	int rc = ckpt_scan(&list, path, 0, progress, s ? on_run : NULL, s);
	if (rc)
		g_test_message("scan %s: %s", path, ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	return list;
}

static void test_on_run_each_once(void)
{
	char *dir = af_tree_new();
	make_root_at(dir, "exp/a/ckpts", 1);
	make_root_at(dir, "exp/b/ckpts", 2);
	make_root_at(dir, "exp/deep/er/c/ckpts", 3);
	char *exp = g_build_filename(dir, "exp", NULL);
	seen s = seen_new();
	ckpt_run_list *list = scan(exp, NULL, &s);
	g_assert_cmpuint(ckpt_run_list_count(list), ==, 3);
	g_assert_cmpuint(s.runs->len, ==, 3);
	for (size_t i = 0; i < ckpt_run_list_count(list); i++) {
		guint times = 0;
		for (guint j = 0; j < s.runs->len; j++)
			times += s.runs->pdata[j] == ckpt_run_list_get(list, i);
		g_assert_cmpuint(times, ==, 1);
	}
	g_assert_nonnull(af_run_named(list, "a"));
	g_assert_nonnull(af_run_named(list, "b"));
	g_assert_nonnull(af_run_named(list, "deep/er/c"));
	g_assert_cmpstr(ckpt_run_list_path(list), ==, exp);
	/* The runs given out outlive the list with their references. */
	ckpt_run_list_free(list);
	for (guint j = 0; j < s.runs->len; j++)
		g_assert_cmpuint(ckpt_run_epoch_count(s.runs->pdata[j]), >=, 1);
	g_ptr_array_free(s.runs, TRUE);
	g_free(exp);
	af_tree_free(dir);
}

/* What the streamed scan's hooks saw: each run's name as prepared on the
 * reading thread, in the order handed on, and a reference to the second. */
typedef struct streamed {
	GPtrArray *names;
	ckpt_run *kept;
} streamed;

static void *prepare_name(ckpt_run *run, void *payload)
{
	(void)payload;
	return g_strdup(ckpt_run_name(run));
}

static int take_name(ckpt_run *run, void *prepared, void *payload)
{
	streamed *s = payload;
	g_assert_cmpstr(prepared, ==, ckpt_run_name(run));
	g_ptr_array_add(s->names, prepared);
	if (s->names->len == 2)
		s->kept = ckpt_run_ref(run);
	return 0;
}

static void drop_name(void *prepared, void *payload)
{
	(void)payload;
	g_free(prepared);
}

static void test_streamed_keeps_no_runs(void)
{
	char *dir = af_tree_new();
	make_root_at(dir, "exp/b/ckpts", 2);
	make_root_at(dir, "exp/a/ckpts", 1);
	make_root_at(dir, "exp/deep/er/c/ckpts", 3);
	char *exp = g_build_filename(dir, "exp", NULL);
	streamed s = {g_ptr_array_new_with_free_func(g_free), NULL};
	ckpt_scan_hooks hooks = {prepare_name, take_name, drop_name, &s};
	ckpt_run_list *list = NULL;
	g_assert_cmpint(ckpt_scan_streamed(&list, exp, 0, NULL, &hooks), ==, 0);
	/* Every run handed on once, in name order; none held by the list. */
	g_assert_cmpuint(s.names->len, ==, 3);
	g_assert_cmpstr(s.names->pdata[0], ==, "a");
	g_assert_cmpstr(s.names->pdata[1], ==, "b");
	g_assert_cmpstr(s.names->pdata[2], ==, "deep/er/c");
	g_assert_cmpuint(ckpt_run_list_count(list), ==, 0);
	g_assert_null(ckpt_run_list_get(list, 0));
	g_assert_cmpuint(ckpt_run_list_problem_count(list), ==, 0);
	g_assert_cmpstr(ckpt_run_list_path(list), ==, exp);
	ckpt_run_list_free(list);
	/* A run referenced by the caller outlives the scan. */
	g_assert_nonnull(s.kept);
	g_assert_cmpstr(ckpt_run_name(s.kept), ==, "b");
	g_assert_cmpuint(ckpt_run_epoch_count(s.kept), ==, 2);
	ckpt_run_unref(s.kept);
	g_ptr_array_free(s.names, TRUE);
	g_free(exp);
	af_tree_free(dir);
}

static void test_on_run_stops(void)
{
	char *dir = af_tree_new();
	make_root_at(dir, "a/ckpts", 1);
	make_root_at(dir, "b/ckpts", 1);
	make_root_at(dir, "c/ckpts", 1);
	seen s = seen_new();
	s.stop_at = 1;
	ckpt_run_list *list = (ckpt_run_list *)&s;
	g_assert_cmpint(ckpt_scan(&list, dir, 0, NULL, on_run, &s), ==, CKPT_ECANCELLED);
	g_assert_null(list);
	g_assert_cmpuint(s.runs->len, ==, 1);
	/* A progress callback's nonzero return stops it too. */
	af_progress p = {.stop_after = 1};
	ckpt_progress progress = {.fn = af_record_progress, .payload = &p};
	g_assert_cmpint(ckpt_scan(&list, dir, 0, &progress, NULL, NULL), ==, CKPT_ECANCELLED);
	g_assert_null(list);
	g_ptr_array_free(s.runs, TRUE);
	af_tree_free(dir);
}

static void test_progress_counts_runs(void)
{
	char *dir = af_tree_new();
	make_root_at(dir, "a/ckpts", 1);
	make_root_at(dir, "b/ckpts", 1);
	make_root_at(dir, "c/ckpts", 1);
	af_progress p = {0};
	ckpt_progress progress = {.fn = af_record_progress, .payload = &p};
	ckpt_run_list *list = scan(dir, &progress, NULL);
	g_assert_cmpuint(ckpt_run_list_count(list), ==, 3);
	g_assert_cmpint(p.calls, >=, 3);
	g_assert_cmpint(p.wrong_size, ==, 0);
	g_assert_cmpint(p.stage, ==, CKPT_STAGE_SCAN);
	g_assert_cmpint(p.other_stage, ==, 0);
	g_assert_false(p.went_back);
	g_assert_cmpuint(p.done, ==, 3);
	g_assert_cmpuint(p.items_done, >=, 4); /* the folder and a, b, c */
	g_assert_cmpstr(p.run, ==, "");
	ckpt_run_list_free(list);
	af_tree_free(dir);
}

/* ---- two roots in one folder ---------------------------------------------- */

static void assert_two_runs(const ckpt_run_list *list)
{
	g_assert_cmpuint(ckpt_run_list_count(list), ==, 2);
	const ckpt_run *current = ckpt_run_list_get(list, 0);
	const ckpt_run *legacy = ckpt_run_list_get(list, 1);
	g_assert_cmpstr(ckpt_run_name(current), ==, "x/ckpts");
	g_assert_cmpstr(ckpt_run_name(legacy), ==, "x/save/ckpts");
	g_assert_cmpint(ckpt_run_layout(current), ==, CKPT_LAYOUT_CANDLE);
	g_assert_cmpint(ckpt_run_layout(legacy), ==, CKPT_LAYOUT_CANDLE_LEGACY);
	g_assert_cmpuint(ckpt_run_epoch_count(current), ==, 2);
	g_assert_cmpuint(ckpt_run_epoch_count(legacy), ==, 3);
	g_assert_cmpuint(ckpt_run_list_problem_count(list), ==, 0);
}

static void test_two_roots_named_apart(void)
{
	char *dir = af_tree_new();
	char *x = g_build_filename(dir, "x", NULL);
	make_two_roots(x);
	ckpt_run_list *from_above = scan(dir, NULL, NULL);
	assert_two_runs(from_above);
	ckpt_run_list *from_itself = scan(x, NULL, NULL);
	assert_two_runs(from_itself);
	ckpt_run_list_free(from_itself);
	ckpt_run_list_free(from_above);
	g_free(x);
	af_tree_free(dir);
}

static void test_two_roots_open(void)
{
	char *dir = af_tree_new();
	char *x = g_build_filename(dir, "x", NULL);
	make_two_roots(x);
	char *real = realpath(x, NULL);
	ckpt_run *run = (ckpt_run *)x;
	g_assert_cmpint(ckpt_run_open(&run, x), ==, CKPT_EAMBIGUOUS);
	g_assert_null(run);
	char *current = g_build_filename(real, "ckpts", NULL);
	char *legacy = g_build_filename(real, "save", "ckpts", NULL);
	g_assert_nonnull(strstr(ckpt_error_last(), current));
	g_assert_nonnull(strstr(ckpt_error_last(), legacy));
	char *legacy_given = g_build_filename(x, "save", "ckpts", NULL);
	run = tu_open_run(legacy_given);
	g_assert_cmpint(ckpt_run_layout(run), ==, CKPT_LAYOUT_CANDLE_LEGACY);
	g_assert_cmpstr(ckpt_run_root(run), ==, legacy);
	g_assert_cmpstr(ckpt_run_folder(run), ==, real);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 3);
	ckpt_run_unref(run);
	g_free(legacy_given);
	g_free(legacy);
	g_free(current);
	free(real);
	g_free(x);
	af_tree_free(dir);
}

static void assert_root_for(const char *path, const char *expected)
{
	char *out = NULL;
	int rc = ckpt_root_for(&out, path);
	if (rc)
		g_test_message("root_for %s: %s", path, ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpstr(out, ==, expected);
	ckpt_free(out);
}

static void test_root_for(void)
{
	char *tmp = af_tree_new();
	char *dir = realpath(tmp, NULL);
	make_root_at(dir, "run/ckpts", 1);
	make_root_at(dir, "own-root", 1);
	char *legacy = g_build_filename(dir, "old", NULL);
	char *save = g_build_filename(legacy, "save", "ckpts", NULL);
	g_assert_cmpint(g_mkdir_with_parents(save, 0755), ==, 0);
	char *log = g_build_filename(legacy, "save", "ckpt.log", NULL);
	tu_write(log, "");
	make_root_at(dir, "old/save/ckpts", 1);
	char *both = g_build_filename(dir, "both", NULL);
	make_two_roots(both);
	char *empty = g_build_filename(dir, "empty", NULL);
	g_assert_cmpint(g_mkdir_with_parents(empty, 0755), ==, 0);

	char *p, *want;
	p = g_build_filename(dir, "run", "ckpts", NULL);
	assert_root_for(p, p); /* an existing root */
	g_free(p);
	p = g_build_filename(dir, "run", NULL);
	want = g_build_filename(dir, "run", "ckpts", NULL);
	assert_root_for(p, want); /* a run folder holding ckpts/ */
	g_free(want);
	g_free(p);
	want = g_build_filename(legacy, "save", "ckpts", NULL);
	assert_root_for(legacy, want); /* a legacy run folder */
	g_free(want);
	p = g_build_filename(dir, "own-root", NULL);
	assert_root_for(p, p); /* a root not named ckpts */
	g_free(p);
	p = g_build_filename(dir, "new", NULL);
	want = g_build_filename(dir, "new", "ckpts", NULL);
	assert_root_for(p, want); /* a folder not there yet */
	g_free(want);
	g_free(p);
	want = g_build_filename(empty, "ckpts", NULL);
	assert_root_for(empty, want); /* a folder without a run */
	g_free(want);
	p = g_build_filename(dir, "fresh", "ckpts", NULL);
	assert_root_for(p, p); /* a new root named ckpts */
	g_free(p);

	char *out = (char *)dir;
	g_assert_cmpint(ckpt_root_for(&out, both), ==, CKPT_EAMBIGUOUS);
	g_assert_null(out);
	g_assert_cmpint(ckpt_root_for(&out, ""), ==, CKPT_EINVAL);
	g_assert_cmpint(ckpt_root_for(&out, NULL), ==, CKPT_EINVAL);

	g_free(empty);
	g_free(both);
	g_free(log);
	g_free(save);
	g_free(legacy);
	free(dir);
	af_tree_free(tmp);
}

/* ---- scanning again ---------------------------------------------------------- */

/* The list refreshed, asserting success; on_run gets the new runs. */
static ckpt_run_list *refresh_list(const ckpt_run_list *old, bool *changed, seen *s)
{
	ckpt_run_list *list = NULL;
	int rc = ckpt_run_list_refresh(&list, changed, old, NULL, on_run, s);
	if (rc)
		g_test_message("refresh: %s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	return list;
}

/* Runs come out in the order of their names whatever the folders' order:
 * "a-b" < "a.d" < "a/c" < "a0" though the walk finds "a/c" inside "a". */
static void test_runs_in_name_order(void)
{
	char *dir = af_tree_new();
	const char *rels[] = {"a0/ckpts", "a/c/ckpts", "a.d/ckpts", "a-b/ckpts", "b/ckpts"};
	const char *names[] = {"a-b", "a.d", "a/c", "a0", "b"};
	for (size_t i = 0; i < G_N_ELEMENTS(rels); i++)
		make_root_at(dir, rels[i], 1);
	g_usleep(300 * 1000); /* old enough for the refresh to take folders from its memo */
	ckpt_run_list *list = NULL, *again = NULL;
	g_assert_cmpint(ckpt_scan(&list, dir, 0, NULL, NULL, NULL), ==, 0);
	g_assert_cmpint(ckpt_run_list_refresh(&again, NULL, list, NULL, NULL, NULL), ==, 0);
	for (int pass = 0; pass < 2; pass++) {
		const ckpt_run_list *l = pass ? again : list;
		g_assert_cmpuint(ckpt_run_list_count(l), ==, G_N_ELEMENTS(names));
		for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
			g_assert_cmpstr(ckpt_run_name(ckpt_run_list_get(l, i)), ==, names[i]);
	}
	ckpt_run_list_free(again);
	ckpt_run_list_free(list);
	af_tree_free(dir);
}

static void test_list_refresh(void)
{
	char *dir = af_tree_new();
	make_root_at(dir, "a/ckpts", 1);
	make_root_at(dir, "b/ckpts", 2);
	make_root_at(dir, "c/ckpts", 1);
	ckpt_run_list *list1 = scan(dir, NULL, NULL);
	g_assert_cmpuint(ckpt_run_list_count(list1), ==, 3);

	/* Nothing changed: the very same runs, nothing new to hand out. */
	seen s = seen_new();
	bool changed = true;
	ckpt_run_list *list2 = refresh_list(list1, &changed, &s);
	g_assert_false(changed);
	g_assert_cmpuint(s.runs->len, ==, 0);
	for (size_t i = 0; i < 3; i++)
		g_assert_true(ckpt_run_list_get(list2, i) == ckpt_run_list_get(list1, i));
	g_assert_cmpstr(ckpt_run_list_path(list2), ==, dir);

	/* b has a new epoch: only b is read again, and it is not new. */
	char *b = g_build_filename(dir, "b", "ckpts", NULL);
	af_model m = {0};
	ckpt_writer *w = af_writer(b, &m, 0, "ckpt_keep_mode", "all", NULL);
	af_epoch(w, 3, '-', 0.1);
	ckpt_writer_free(w);
	ckpt_run_list *list3 = refresh_list(list2, &changed, &s);
	g_assert_true(changed);
	g_assert_cmpuint(s.runs->len, ==, 0);
	g_assert_true(af_run_named(list3, "a") == af_run_named(list2, "a"));
	g_assert_true(af_run_named(list3, "c") == af_run_named(list2, "c"));
	g_assert_true(af_run_named(list3, "b") != af_run_named(list2, "b"));
	g_assert_cmpuint(ckpt_run_epoch_count(af_run_named(list3, "b")), ==, 3);
	g_assert_cmpuint(ckpt_run_epoch_count(af_run_named(list2, "b")), ==, 2);

	/* A run added: read and handed out. */
	make_root_at(dir, "d/ckpts", 1);
	ckpt_run_list *list4 = refresh_list(list3, &changed, &s);
	g_assert_true(changed);
	g_assert_cmpuint(ckpt_run_list_count(list4), ==, 4);
	g_assert_cmpuint(s.runs->len, ==, 1);
	g_assert_true(s.runs->pdata[0] == af_run_named(list4, "d"));
	g_assert_true(af_run_named(list4, "b") == af_run_named(list3, "b"));

	/* A run removed: dropped. */
	char *c = g_build_filename(dir, "c", NULL);
	tu_rmtree(c);
	ckpt_run_list *list5 = refresh_list(list4, &changed, &s);
	g_assert_true(changed);
	g_assert_cmpuint(ckpt_run_list_count(list5), ==, 3);
	g_assert_null(af_run_named(list5, "c"));
	g_assert_true(af_run_named(list5, "a") == af_run_named(list1, "a"));
	g_assert_cmpuint(s.runs->len, ==, 1);

	ckpt_run_list *lists[] = {list1, list2, list3, list4, list5};
	for (size_t i = 0; i < G_N_ELEMENTS(lists); i++)
		ckpt_run_list_free(lists[i]);
	g_ptr_array_free(s.runs, TRUE);
	g_free(c);
	g_free(b);
	af_tree_free(dir);
}

/* ---- reading one run again ------------------------------------------------- */

static ckpt_run *refresh_run(ckpt_run *old, bool *changed)
{
	ckpt_run *run = NULL;
	*changed = !*changed; /* must be set either way */
	int rc = ckpt_run_refresh(&run, changed, old);
	if (rc)
		g_test_message("refresh: %s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	g_assert_nonnull(run);
	return run;
}

static void test_run_refresh(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	make_root_at(dir, "ckpts", 3);
	ckpt_run *run1 = tu_open_run(root);
	bool changed = true;

	ckpt_run *same = refresh_run(run1, &changed);
	g_assert_false(changed);
	g_assert_true(same == run1);
	ckpt_run_unref(same); /* run1 keeps its own reference */
	g_assert_cmpuint(ckpt_run_epoch_count(run1), ==, 3);

	/* A new epoch: a new snapshot, the old epochs not read again. */
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, "ckpt_keep_mode", "all", NULL);
	af_epoch(w, 4, '-', 0.05);
	ckpt_writer_free(w);
	changed = false;
	ckpt_run *run2 = refresh_run(run1, &changed);
	g_assert_true(changed);
	g_assert_true(run2 != run1);
	g_assert_cmpuint(ckpt_run_epoch_count(run2), ==, 4);
	g_assert_cmpuint(ckpt_run_epoch_count(run1), ==, 3);
	g_assert_cmpuint(ckpt_run_info_reads(run2), ==, 1);

	/* last moved. */
	g_assert_cmpint(ckpt_link_point(root, "last", 2, false), ==, 0);
	ckpt_run *run3 = refresh_run(run2, &changed);
	g_assert_true(changed);
	g_assert_true(run3 != run2);
	g_assert_cmpint(ckpt_run_last(run3), ==, 2);
	g_assert_cmpint(ckpt_run_last(run2), ==, 4);

	/* The lock taken, then given back. */
	ckpt_lock *lock = NULL;
	g_assert_cmpint(ckpt_lock_acquire(&lock, ckpt_run_root(run3)), ==, 0);
	ckpt_run *run4 = refresh_run(run3, &changed);
	g_assert_true(changed);
	g_assert_true(run4 != run3);
	g_assert_true(ckpt_run_live(run4));
	g_assert_cmpint(ckpt_run_writer_pid(run4), ==, getpid());
	g_assert_false(ckpt_run_live(run3));
	ckpt_lock_release(lock);
	ckpt_run *run5 = refresh_run(run4, &changed);
	g_assert_true(changed);
	g_assert_false(ckpt_run_live(run5));
	g_assert_cmpint(ckpt_run_writer_pid(run5), ==, 0);

	ckpt_run *again = refresh_run(run5, &changed);
	g_assert_false(changed);
	g_assert_true(again == run5);
	ckpt_run_unref(again);

	ckpt_run *runs[] = {run1, run2, run3, run4, run5};
	for (size_t i = 0; i < G_N_ELEMENTS(runs); i++)
		ckpt_run_unref(runs[i]);
	g_free(root);
	af_tree_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/scan/on-run/each-run-once-before-return", test_on_run_each_once);
	g_test_add_func("/ckpt/scan/on-run/nonzero-return-cancels", test_on_run_stops);
	g_test_add_func("/ckpt/scan/streamed/hands-each-run-on-keeps-none",
			test_streamed_keeps_no_runs);
	g_test_add_func("/ckpt/scan/progress/counts-runs", test_progress_counts_runs);
	g_test_add_func("/ckpt/scan/two-roots/two-runs-named-apart", test_two_roots_named_apart);
	g_test_add_func("/ckpt/scan/two-roots/open-is-ambiguous-legacy-opens-by-path",
			test_two_roots_open);
	g_test_add_func("/ckpt/scan/root-for/every-kind-of-path", test_root_for);
	g_test_add_func("/ckpt/scan/order/runs-in-name-order", test_runs_in_name_order);
	g_test_add_func("/ckpt/scan/list-refresh/unchanged-shared-changed-added-removed",
			test_list_refresh);
	g_test_add_func("/ckpt/scan/run-refresh/same-pointer-unless-something-changed",
			test_run_refresh);
	return g_test_run();
}
