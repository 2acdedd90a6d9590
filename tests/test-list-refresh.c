/* test-list-refresh.c: ckpt_run_list_refresh's contract (ckpt.h): a run
 * whose run-level files are as they were is shared without a look inside
 * its epochs, a writer's every step is seen, so is a writer that died; a
 * change made by hand inside an epoch is left to ckpt_run_refresh and to
 * the thorough list refresh. */
#include "api-fixture.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A libckpt run of n epochs (every one kept) at dir/rel, a root. */
static char *make_root_at(const char *dir, const char *rel, int n)
{
	char *root = g_build_filename(dir, rel, NULL);
	const double values[] = {0.5, 0.4, 0.3, 0.2, 0.1};
	g_assert_cmpint(n, <=, 5);
	af_save(root, values, n, "ckpt_keep_mode", "all", NULL);
	return root;
}

/* Files changed within a moment of being looked at are not trusted to
 * show their next change (run-unchanged.c): let the tree's times age. */
static void let_settle(void)
{
	g_usleep(300 * 1000);
}

static ckpt_run_list *scan(const char *path)
{
	ckpt_run_list *list = NULL;
	g_assert_cmpint(ckpt_scan(&list, path, 0, NULL, NULL, NULL), ==, 0);
	return list;
}

static ckpt_run_list *refresh(const ckpt_run_list *old, bool thorough, bool *changed)
{
	ckpt_run_list *list = NULL;
	int rc = thorough ? ckpt_run_list_refresh_thorough(&list, changed, old, NULL, NULL, NULL)
			  : ckpt_run_list_refresh(&list, changed, old, NULL, NULL, NULL);
	if (rc)
		g_test_message("refresh: %s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	return list;
}

/* A new epoch in b: b alone is read again, and of it only the new epoch's
 * info; a and c are the very same snapshots. */
static void test_new_epoch_rereads_that_run(void)
{
	char *dir = af_tree_new();
	g_free(make_root_at(dir, "a/ckpts", 2));
	char *b = make_root_at(dir, "b/ckpts", 2);
	g_free(make_root_at(dir, "c/ckpts", 2));
	let_settle();
	ckpt_run_list *list1 = scan(dir);
	bool changed = true;
	ckpt_run_list *list2 = refresh(list1, false, &changed);
	g_assert_false(changed);

	af_model m = {0};
	ckpt_writer *w = af_writer(b, &m, 0, "ckpt_keep_mode", "all", NULL);
	af_epoch(w, 3, '-', 0.1);
	ckpt_writer_free(w);
	ckpt_run_list *list3 = refresh(list2, false, &changed);
	g_assert_true(changed);
	g_assert_true(af_run_named(list3, "a") == af_run_named(list1, "a"));
	g_assert_true(af_run_named(list3, "c") == af_run_named(list1, "c"));
	ckpt_run *b3 = af_run_named(list3, "b");
	g_assert_true(b3 != af_run_named(list1, "b"));
	g_assert_cmpuint(ckpt_run_epoch_count(b3), ==, 3);
	g_assert_cmpuint(ckpt_run_info_reads(b3), ==, 1);

	ckpt_run_list_free(list3);
	ckpt_run_list_free(list2);
	ckpt_run_list_free(list1);
	g_free(b);
	af_tree_free(dir);
}

/* A model deleted by hand inside an epoch changes no run-level file: the
 * list refresh shares the run (its contract), ckpt_run_refresh of the run
 * and the thorough list refresh find the model gone. */
static void test_model_deleted_in_place(void)
{
	char *dir = af_tree_new();
	char *a = make_root_at(dir, "a/ckpts", 3);
	let_settle();
	ckpt_run_list *list1 = scan(dir);
	ckpt_run *a1 = af_run_named(list1, "a");
	g_assert_cmpuint(ckpt_run_health(a1), ==, 0);
	char *model = af_epoch_path(a, 2, "model.h5");
	g_assert_cmpint(unlink(model), ==, 0);

	bool changed = true;
	ckpt_run_list *list2 = refresh(list1, false, &changed);
	g_assert_false(changed);
	g_assert_true(af_run_named(list2, "a") == a1);

	ckpt_run *a2 = NULL;
	g_assert_cmpint(ckpt_run_refresh(&a2, &changed, a1), ==, 0);
	g_assert_true(changed);
	const ckpt_epoch *e = ckpt_run_find_epoch(a2, 2);
	g_assert_nonnull(e);
	g_assert_cmpint(ckpt_epoch_model_state(e), ==, CKPT_MODEL_MISSING);
	g_assert_true(ckpt_run_health(a2) & CKPT_HEALTH_INCOMPLETE);

	ckpt_run_list *list3 = refresh(list2, true, &changed);
	g_assert_true(changed);
	ckpt_run *a3 = af_run_named(list3, "a");
	g_assert_true(a3 != a1);
	g_assert_true(ckpt_run_health(a3) & CKPT_HEALTH_INCOMPLETE);

	ckpt_run_unref(a2);
	ckpt_run_list_free(list3);
	ckpt_run_list_free(list2);
	ckpt_run_list_free(list1);
	g_free(model);
	g_free(a);
	af_tree_free(dir);
}

/* A writer killed while holding the lock leaves its lock file as it was:
 * the list refresh still sees it is no longer training. */
static void test_dead_writer_not_live(void)
{
	char *dir = af_tree_new();
	char *a = make_root_at(dir, "a/ckpts", 1);
	int ready[2];
	g_assert_cmpint(pipe(ready), ==, 0);
	pid_t writer = fork();
	g_assert_cmpint(writer, >=, 0);
	if (writer == 0) {
		close(ready[0]);
		ckpt_lock *lock = NULL;
		char c = 'w';
		if (ckpt_lock_acquire(&lock, a) != 0 || write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c = 0;
	g_assert_cmpint(read(ready[0], &c, 1), ==, 1);
	close(ready[0]);
	let_settle();
	ckpt_run_list *list1 = scan(dir);
	g_assert_true(ckpt_run_live(af_run_named(list1, "a")));
	g_assert_cmpint(ckpt_run_writer_pid(af_run_named(list1, "a")), ==, writer);
	bool changed = true;
	ckpt_run_list *list2 = refresh(list1, false, &changed);
	g_assert_false(changed);

	g_assert_cmpint(kill(writer, SIGKILL), ==, 0);
	int status = 0;
	g_assert_cmpint(waitpid(writer, &status, 0), ==, writer);
	ckpt_run_list *list3 = refresh(list2, false, &changed);
	g_assert_true(changed);
	ckpt_run *a3 = af_run_named(list3, "a");
	g_assert_false(ckpt_run_live(a3));
	g_assert_false(ckpt_run_health(a3) & CKPT_HEALTH_LIVE);

	ckpt_run_list_free(list3);
	ckpt_run_list_free(list2);
	ckpt_run_list_free(list1);
	g_free(a);
	af_tree_free(dir);
}

/* A run touched by a writer is read again without a look inside the
 * epochs it had (their folders are the same): a model deleted by hand in
 * one of them is left to ckpt_run_refresh, as for an untouched run; an
 * epoch folder replaced (a new inode, as a writer publishes) is read. */
static void test_touched_run_shares_its_old_epochs(void)
{
	char *dir = af_tree_new();
	char *a = make_root_at(dir, "a/ckpts", 3);
	g_free(make_root_at(dir, "b/ckpts", 1));
	let_settle();
	ckpt_run_list *list1 = scan(dir);
	char *model1 = af_epoch_path(a, 1, "model.h5");
	g_assert_cmpint(unlink(model1), ==, 0);
	/* Epoch 2 republished by hand: a new folder, without its model. */
	char *e2 = af_epoch_path(a, 2, NULL), *e2_new = g_strdup_printf("%s.new", e2);
	char *info2 = af_epoch_path(a, 2, "ckpt-info.json");
	char *info2_new = g_build_filename(e2_new, "ckpt-info.json", NULL);
	g_assert_cmpint(mkdir(e2_new, 0755), ==, 0);
	g_assert_cmpint(rename(info2, info2_new), ==, 0);
	tu_rmtree(e2);
	g_assert_cmpint(rename(e2_new, e2), ==, 0);
	af_model m = {0};
	ckpt_writer *w = af_writer(a, &m, 0, "ckpt_keep_mode", "all", NULL);
	af_epoch(w, 4, '-', 0.05);
	ckpt_writer_free(w);

	bool changed = false;
	ckpt_run_list *list2 = refresh(list1, false, &changed);
	g_assert_true(changed);
	ckpt_run *a2 = af_run_named(list2, "a");
	g_assert_cmpuint(ckpt_run_epoch_count(a2), ==, 4);
	/* Read again: the new epoch 4 and the republished epoch 2; not 1 or 3. */
	g_assert_cmpuint(ckpt_run_info_reads(a2), ==, 2);
	g_assert_cmpint(ckpt_epoch_model_state(ckpt_run_find_epoch(a2, 1)), ==, CKPT_MODEL_OK);
	g_assert_cmpint(ckpt_epoch_model_state(ckpt_run_find_epoch(a2, 2)), ==,
			CKPT_MODEL_MISSING);
	ckpt_run *a3 = NULL;
	g_assert_cmpint(ckpt_run_refresh(&a3, &changed, a2), ==, 0);
	g_assert_true(changed);
	g_assert_cmpint(ckpt_epoch_model_state(ckpt_run_find_epoch(a3, 1)), ==,
			CKPT_MODEL_MISSING);

	ckpt_run_unref(a3);
	ckpt_run_list_free(list2);
	ckpt_run_list_free(list1);
	g_free(info2_new), g_free(info2), g_free(e2_new), g_free(e2), g_free(model1), g_free(a);
	af_tree_free(dir);
}

static void append_line(const char *root, const char *name, const char *line)
{
	char *path = g_build_filename(root, name, NULL);
	FILE *f = fopen(path, "a");
	g_assert_nonnull(f);
	fputs(line, f);
	g_assert_cmpint(fclose(f), ==, 0);
	g_free(path);
}

/* Its metric taken out of epoch e's info: the run's metrics must then come
 * from its history, as for a run the Python original wrote. */
static void drop_info_metric(const char *root, long e)
{
	char *path = af_epoch_path(root, e, "ckpt-info.json"), *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	GRegex *re = g_regex_new("\"metric_value\": [^,]*, ", 0, 0, NULL);
	char *cut = g_regex_replace_literal(re, text, -1, 0, "", 0, NULL);
	g_assert_cmpstr(cut, !=, text);
	g_assert_true(g_file_set_contents(path, cut, -1, NULL));
	g_regex_unref(re);
	g_free(cut), g_free(text), g_free(path);
}

/* Lines appended to ckpt.log and metrics.jsonl: a run whose infos gave
 * every metric is shared (nothing appended shows in it); one that read its
 * history is read again. */
static void test_appends_seen_where_read(void)
{
	char *dir = af_tree_new();
	char *a = make_root_at(dir, "a/ckpts", 2);
	char *b = make_root_at(dir, "b/ckpts", 2);
	drop_info_metric(b, 2);
	let_settle();
	ckpt_run_list *list1 = scan(dir);
	for (int i = 0; i < 2; i++) {
		const char *root = i ? b : a;
		append_line(root, "ckpt.log", "[2026-12-02 04:00:00] a line by hand\n");
		append_line(root, "metrics.jsonl", "\n");
	}
	bool changed = false;
	ckpt_run_list *list2 = refresh(list1, false, &changed);
	g_assert_true(changed);
	g_assert_true(af_run_named(list2, "a") == af_run_named(list1, "a"));
	g_assert_true(af_run_named(list2, "b") != af_run_named(list1, "b"));
	/* What the shared snapshot shows is what a new look shows. */
	ckpt_run *fresh = NULL;
	g_assert_cmpint(ckpt_run_open(&fresh, a), ==, 0);
	char *was = NULL, *now = NULL;
	g_assert_cmpint(ckpt_run_to_json(&was, af_run_named(list2, "a"), 0), ==, 0);
	g_assert_cmpint(ckpt_run_to_json(&now, fresh, 0), ==, 0);
	g_assert_cmpstr(was, ==, now);

	ckpt_free(was), ckpt_free(now);
	ckpt_run_unref(fresh);
	ckpt_run_list_free(list2);
	ckpt_run_list_free(list1);
	g_free(b), g_free(a);
	af_tree_free(dir);
}

/* The names of the list's runs, joined: what a refresh must agree on with
 * a scan of the same tree. */
static char *names_of(const ckpt_run_list *list)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < ckpt_run_list_count(list); i++)
		g_string_append_printf(s, "%s%s", i ? " " : "",
				       ckpt_run_name(ckpt_run_list_get(list, i)));
	return g_string_free(s, FALSE);
}

/* The refresh of old finds what a new scan finds, and read `folders`
 * folders to do it (those that changed; the others came from old's walk). */
static ckpt_run_list *refresh_like_scan(ckpt_run_list *old, const char *dir, size_t folders,
					const char *want)
{
	ckpt_run_list *fresh = scan(dir);
	ckpt_run_list *refreshed = refresh(old, false, NULL);
	char *a = names_of(fresh), *b = names_of(refreshed);
	g_assert_cmpstr(b, ==, want);
	g_assert_cmpstr(a, ==, b);
	g_assert_cmpuint(ckpt_run_list_folders_read(refreshed), ==, folders);
	g_free(a);
	g_free(b);
	ckpt_run_list_free(fresh);
	ckpt_run_list_free(old);
	return refreshed;
}

/* Folders whose identity did not change are not opened again; every change
 * to the tree's folders (a run added, removed, nested deeper, a folder
 * renamed or replaced by a link) is seen, as a scan sees it. */
static void test_unchanged_folders_not_read_again(void)
{
	char *tree = af_tree_new(), *dir = g_build_filename(tree, "runs", NULL);
	g_free(make_root_at(dir, "exp1/a/ckpts", 1));
	g_free(make_root_at(dir, "exp1/b/ckpts", 1));
	g_free(make_root_at(dir, "exp2/c/ckpts", 1));
	let_settle();
	ckpt_run_list *list = scan(dir);
	/* The top, exp1, exp2 and the three run folders. */
	g_assert_cmpuint(ckpt_run_list_folders_read(list), ==, 6);
	list = refresh_like_scan(list, dir, 0, "exp1/a exp1/b exp2/c");

	g_free(make_root_at(dir, "exp2/d/ckpts", 1)); /* exp2 and d */
	let_settle();
	list = refresh_like_scan(list, dir, 2, "exp1/a exp1/b exp2/c exp2/d");

	char *b = g_build_filename(dir, "exp1", "b", NULL);
	tu_rmtree(b); /* exp1 */
	let_settle();
	list = refresh_like_scan(list, dir, 1, "exp1/a exp2/c exp2/d");

	g_free(make_root_at(dir, "exp3/deep/e/ckpts", 1)); /* the top, exp3, deep, e */
	let_settle();
	list = refresh_like_scan(list, dir, 4, "exp1/a exp2/c exp2/d exp3/deep/e");

	char *exp1 = g_build_filename(dir, "exp1", NULL), *renamed = g_build_filename(dir, "x1", NULL);
	g_assert_cmpint(rename(exp1, renamed), ==, 0); /* the top, x1, a */
	let_settle();
	list = refresh_like_scan(list, dir, 3, "exp2/c exp2/d exp3/deep/e x1/a");

	/* exp2 by a link to x1: not followed, so its runs go (the top read). */
	char *exp2 = g_build_filename(dir, "exp2", NULL);
	tu_rmtree(exp2);
	g_assert_cmpint(symlink(renamed, exp2), ==, 0);
	let_settle();
	list = refresh_like_scan(list, dir, 1, "exp3/deep/e x1/a");

	ckpt_run_list_free(list);
	g_free(exp1);
	g_free(exp2);
	g_free(renamed);
	g_free(b);
	g_free(dir);
	af_tree_free(tree);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/list-refresh/new-epoch-rereads-only-that-run",
			test_new_epoch_rereads_that_run);
	g_test_add_func("/ckpt/list-refresh/model-deleted-in-place-seen-by-run-refresh",
			test_model_deleted_in_place);
	g_test_add_func("/ckpt/list-refresh/dead-writer-no-longer-live", test_dead_writer_not_live);
	g_test_add_func("/ckpt/list-refresh/touched-run-shares-its-old-epochs",
			test_touched_run_shares_its_old_epochs);
	g_test_add_func("/ckpt/list-refresh/appends-seen-where-read", test_appends_seen_where_read);
	g_test_add_func("/ckpt/list-refresh/unchanged-folders-not-read-again",
			test_unchanged_folders_not_read_again);
	return g_test_run();
}
