/* test-health.c: what a run snapshot amounts to (run-health.c, run.c,
 * lock.c, links.c): live writers and leftover locks, work leftovers,
 * strays, incomplete and unreadable epochs, link problems, no lock left by
 * the browser operations, the run's own retention, times, extra metrics and
 * the log's tail; whether the run may be changed, and watched. */
#include "api-fixture.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *make_run(const char *dir, int n)
{
	char *root = g_build_filename(dir, "run", "ckpts", NULL);
	const double values[] = {0.5, 0.4, 0.3, 0.2, 0.1};
	af_save(root, values, n, "ckpt_keep_mode", "all", NULL);
	return root;
}

static char *lock_path(const char *root)
{
	return g_build_filename(root, "ckpt.lock", NULL);
}

static void test_live_writer(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, NULL);
	af_epoch(w, 1, '-', 0.5);
	ckpt_run *run = tu_open_run(root);
	g_assert_true(ckpt_run_live(run));
	g_assert_cmpint(ckpt_run_writer_pid(run), ==, getpid());
	g_assert_cmpstr(ckpt_run_writer_host(run), ==, ckpt_hostname());
	g_assert_cmpuint(strlen(ckpt_run_writer_since(run)), ==, strlen("2026-03-02 09:00:46"));
	g_assert_cmpuint(ckpt_run_health(run), ==, CKPT_HEALTH_LIVE);
	g_assert_false(ckpt_health_is_problem(ckpt_run_health(run)));
	char *text = g_strdup_printf("training live (pid %ld)", (long)getpid());
	g_assert_cmpstr(ckpt_run_health_text(run), ==, text);

	/* Its staging folder is its work in progress, not a crash's leftover. */
	char *work = g_build_filename(root, "work", NULL);
	g_assert_cmpint(g_mkdir_with_parents(work, 0755), ==, 0);
	ckpt_run *staging = tu_open_run(root);
	g_assert_false(ckpt_run_work_leftover(staging));
	g_assert_cmpuint(ckpt_run_health(staging), ==, CKPT_HEALTH_LIVE);

	/* The writer gone and work/ left: a leftover. */
	ckpt_writer_free(w);
	ckpt_run *after = tu_open_run(root);
	g_assert_false(ckpt_run_live(after));
	g_assert_cmpint(ckpt_run_writer_pid(after), ==, 0);
	g_assert_null(ckpt_run_writer_host(after));
	g_assert_true(ckpt_run_work_leftover(after));
	g_assert_cmpuint(ckpt_run_health(after), ==, CKPT_HEALTH_WORK_LEFTOVER);
	g_assert_cmpstr(ckpt_run_health_text(after), ==, "work leftover");
	g_assert_true(ckpt_health_is_problem(ckpt_run_health(after)));
	ckpt_run_unref(after);
	ckpt_run_unref(staging);
	ckpt_run_unref(run);
	g_free(work);
	g_free(text);
	g_free(root);
	af_tree_free(dir);
}

static void test_writer_removes_lock(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	char *lock = lock_path(root);
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, NULL);
	g_assert_true(tu_exists(lock));
	char *text = tu_read(lock, NULL);
	char *pid = g_strdup_printf("\"pid\": %ld", (long)getpid());
	g_assert_nonnull(strstr(text, pid));
	ckpt_writer_free(w);
	g_assert_false(tu_exists(lock));
	g_free(pid);
	g_free(text);
	g_free(lock);
	g_free(root);
	af_tree_free(dir);
}

/* A writer process that forked a worker and died: the worker keeps the lock. */
static void test_stale_lock(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	g_assert_cmpint(prctl(PR_SET_CHILD_SUBREAPER, 1), ==, 0);
	int release[2], ready[2];
	g_assert_cmpint(pipe(release), ==, 0);
	g_assert_cmpint(pipe(ready), ==, 0);
	pid_t writer = fork();
	g_assert_cmpint(writer, >=, 0);
	if (writer == 0) {
		af_model m = {0};
		ckpt_writer *w = af_writer(root, &m, 0, NULL);
		af_epoch(w, 1, '-', 0.5);
		pid_t worker = fork();
		if (worker == 0) {
			close(release[1]);
			char c = 'w';
			/* Twice: once for the writer, once for the test. */
			if (write(ready[1], &c, 1) != 1 || write(ready[1], &c, 1) != 1 ||
			    read(release[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		char c = 0;
		if (worker < 0 || read(ready[0], &c, 1) != 1)
			_exit(1);
		raise(SIGKILL); /* the writer dies; its worker lives on */
		_exit(1);
	}
	close(release[0]);
	close(ready[1]);
	int status = 0;
	g_assert_cmpint(waitpid(writer, &status, 0), ==, writer);
	g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	char c = 0;
	g_assert_cmpint(read(ready[0], &c, 1), ==, 1);

	ckpt_run *run = tu_open_run(root);
	g_assert_false(ckpt_run_live(run));
	g_assert_cmpint(ckpt_run_writer_pid(run), ==, writer);
	g_assert_cmpuint(ckpt_run_health(run), ==, CKPT_HEALTH_STALE_LOCK);
	g_assert_true(ckpt_health_is_problem(ckpt_run_health(run)));
	char *text = g_strdup_printf(
	    "lock kept by a leftover process of writer pid %ld, which exited", (long)writer);
	g_assert_cmpstr(ckpt_run_health_text(run), ==, text);
	/* A new writer is refused, and told why. */
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", root), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "3"), ==, 0);
	ckpt_writer *w = NULL;
	g_assert_cmpint(ckpt_writer_new(&w, params, 0), ==, CKPT_ELOCKED);
	g_assert_nonnull(strstr(ckpt_error_last(), "has exited"));

	/* The worker ends: the lock goes with it. */
	close(release[1]);
	g_assert_cmpint(wait(&status), >, 0);
	ckpt_run *after = tu_open_run(root);
	g_assert_cmpint(ckpt_run_writer_pid(after), ==, 0);
	g_assert_cmpuint(ckpt_run_health(after), ==, 0);
	g_assert_cmpstr(ckpt_run_health_text(after), ==, "ok");
	g_assert_cmpint(prctl(PR_SET_CHILD_SUBREAPER, 0), ==, 0);
	close(ready[0]);
	ckpt_run_unref(after);
	ckpt_params_free(params);
	ckpt_run_unref(run);
	g_free(text);
	g_free(root);
	af_tree_free(dir);
}

static void test_strays(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 2);
	char *epochs = g_build_filename(root, "epochs", NULL);
	const char *dirs[] = {"7", "backup", "0001"};
	for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
		char *p = g_build_filename(epochs, dirs[i], NULL);
		g_assert_cmpint(g_mkdir_with_parents(p, 0755), ==, 0);
		g_free(p);
	}
	char *notes = g_build_filename(epochs, "notes.txt", NULL);
	tu_write(notes, "kept by hand\n");
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 2);
	g_assert_cmpuint(ckpt_run_stray_count(run), ==, 4);
	const char *sorted[] = {"0001", "7", "backup", "notes.txt"};
	for (size_t i = 0; i < 4; i++)
		g_assert_cmpstr(ckpt_run_stray(run, i), ==, sorted[i]);
	g_assert_null(ckpt_run_stray(run, 4));
	g_assert_cmpuint(ckpt_run_health(run), ==, CKPT_HEALTH_STRAYS);
	g_assert_cmpstr(ckpt_run_health_text(run), ==, "4 stray");
	ckpt_run_unref(run);
	g_free(notes);
	g_free(epochs);
	g_free(root);
	af_tree_free(dir);
}

static void test_incomplete(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 3);
	char *model = af_epoch_path(root, 1, "model.h5");
	char *info = af_epoch_path(root, 2, "ckpt-info.json");
	g_assert_cmpint(unlink(model), ==, 0);
	g_assert_cmpint(unlink(info), ==, 0);
	ckpt_run *run = tu_open_run(root);
	const ckpt_epoch *e1 = ckpt_run_find_epoch(run, 1), *e2 = ckpt_run_find_epoch(run, 2);
	g_assert_cmpint(ckpt_epoch_model_state(e1), ==, CKPT_MODEL_MISSING);
	g_assert_cmpint(ckpt_epoch_info_state(e1), ==, CKPT_INFO_OK);
	g_assert_cmpint(ckpt_epoch_info_state(e2), ==, CKPT_INFO_MISSING);
	g_assert_cmpint(ckpt_epoch_model_state(e2), ==, CKPT_MODEL_OK);
	g_assert_false(ckpt_epoch_is_complete(e1));
	g_assert_false(ckpt_epoch_is_complete(e2));
	g_assert_true(ckpt_epoch_is_complete(ckpt_run_find_epoch(run, 3)));
	g_assert_cmpint(ckpt_epoch_health(e1), ==, CKPT_EPOCH_INCOMPLETE);
	g_assert_cmpint(ckpt_epoch_health(e2), ==, CKPT_EPOCH_INCOMPLETE);
	g_assert_cmpuint(ckpt_run_health(run), ==, CKPT_HEALTH_INCOMPLETE);
	g_assert_cmpstr(ckpt_run_health_text(run), ==, "2 incomplete");
	ckpt_run_unref(run);
	g_free(info);
	g_free(model);
	g_free(root);
	af_tree_free(dir);
}

/* As nobody: results rc, epoch count, epoch 2's health, info and model
 * states, whether it has an info error, the run's health, and whether the
 * text is "1 unreadable". */
static int read_closed_epoch(int *results, size_t n, void *payload)
{
	ckpt_run *run = NULL;
	if (n < 8)
		return 0;
	results[0] = ckpt_run_open(&run, payload);
	if (results[0])
		return 1;
	const ckpt_epoch *e = ckpt_run_find_epoch(run, 2);
	results[1] = (int)ckpt_run_epoch_count(run);
	results[2] = e ? (int)ckpt_epoch_health(e) : -1;
	results[3] = e ? (int)ckpt_epoch_info_state(e) : -1;
	results[4] = e ? (int)ckpt_epoch_model_state(e) : -1;
	results[5] = e && ckpt_epoch_info_error(e) != NULL;
	results[6] = (int)ckpt_run_health(run);
	results[7] = strcmp(ckpt_run_health_text(run), "1 unreadable") == 0;
	ckpt_run_unref(run);
	return 8;
}

/* As nobody: rc, run count, epoch count and best's epoch of the one run,
 * of a scan of payload. */
static int scan_unlisted_root(int *results, size_t n, void *payload)
{
	ckpt_run_list *list = NULL;
	if (n < 4)
		return 0;
	results[0] = ckpt_scan(&list, payload, 0, NULL, NULL, NULL);
	if (results[0])
		return 1;
	results[1] = (int)ckpt_run_list_count(list);
	const ckpt_run *run = ckpt_run_list_get(list, 0);
	results[2] = run ? (int)ckpt_run_epoch_count(run) : -1;
	results[3] = run ? (int)ckpt_run_best(run) : -1;
	ckpt_run_list_free(list);
	return 4;
}

/* A root others may search but not list still shows its epochs and links. */
static void test_root_searchable_not_listable(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 3);
	g_assert_cmpint(chmod(root, 0711), ==, 0);
	int r[4] = {-1, -1, -1, -1};
	g_assert_cmpuint(af_unprivileged(dir, scan_unlisted_root, dir, r, 4), ==, 4);
	g_assert_cmpint(r[0], ==, 0);
	g_assert_cmpint(r[1], ==, 1);
	g_assert_cmpint(r[2], ==, 3);
	g_assert_cmpint(r[3], >=, 1);
	g_assert_cmpint(chmod(root, 0755), ==, 0);
	g_free(root);
	af_tree_free(dir);
}

static void test_unreadable_epoch_dir(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 3);
	char *epochs = g_build_filename(root, "epochs", NULL);
	char *closed = af_epoch_path(root, 2, NULL);
	af_open_path(epochs);
	g_assert_cmpint(chmod(closed, 0), ==, 0);
	int r[8] = {0};
	g_assert_cmpuint(af_unprivileged(epochs, read_closed_epoch, root, r, 8), ==, 8);
	g_assert_cmpint(r[0], ==, 0);
	g_assert_cmpint(r[1], ==, 3);
	g_assert_cmpint(r[2], ==, CKPT_EPOCH_UNREADABLE);
	g_assert_cmpint(r[3], ==, CKPT_INFO_UNREADABLE);
	g_assert_cmpint(r[4], ==, CKPT_MODEL_UNREADABLE);
	g_assert_cmpint(r[5], ==, 1);
	g_assert_cmpint(r[6], ==, CKPT_HEALTH_UNREADABLE);
	g_assert_cmpint(r[7], ==, 1);
	g_free(closed);
	g_free(epochs);
	g_free(root);
	af_tree_free(dir);
}

/* ---- links --------------------------------------------------------------- */

static void test_relocated_links(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	g_setenv("XDG_CACHE_HOME", f.dir, TRUE);
	char *root = af_fixture_root(&f, "nt3-lr0.01");
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpint(ckpt_run_best_state(run), ==, CKPT_LINK_RELOCATED);
	g_assert_cmpint(ckpt_run_last_state(run), ==, CKPT_LINK_RELOCATED);
	g_assert_cmpuint(ckpt_run_health(run), ==, CKPT_HEALTH_RELOCATED);
	g_assert_cmpstr(ckpt_run_health_text(run), ==, "links need relinking");
	g_assert_true(ckpt_health_is_problem(ckpt_run_health(run)));
	ckpt_run_unref(run);
	g_free(root);
	tu_fixture_free(&f);
}

static void test_dangling_last(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 3);
	char *last = g_build_filename(root, "last", NULL);
	g_assert_cmpint(unlink(last), ==, 0);
	g_assert_cmpint(symlink("epochs/031", last), ==, 0);
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpint(ckpt_run_last(run), ==, 31);
	g_assert_cmpint(ckpt_run_last_state(run), ==, CKPT_LINK_DANGLING);
	g_assert_null(ckpt_run_find_epoch(run, 31));
	g_assert_cmpint(ckpt_run_best_state(run), ==, CKPT_LINK_OK);
	g_assert_cmpuint(ckpt_run_health(run), ==, CKPT_HEALTH_BROKEN_LINK);
	g_assert_cmpstr(ckpt_run_health_text(run), ==, "last broken");
	ckpt_run_unref(run);
	g_free(last);
	g_free(root);
	af_tree_free(dir);
}

/* ---- the browser operations leave no lock -------------------------------- */

static void test_operations_leave_no_lock(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	g_setenv("XDG_CACHE_HOME", f.dir, TRUE);
	char *root = af_fixture_root(&f, "nt3-lr0.01");
	char *lock = lock_path(root);
	g_assert_false(tu_exists(lock));

	ckpt_run *run = tu_open_run(root);
	g_assert_cmpint(ckpt_rollback(NULL, run, 29, 0), ==, 0);
	g_assert_false(tu_exists(lock));
	ckpt_run_unref(run);
	run = tu_open_run(root);
	g_assert_cmpint(ckpt_run_last(run), ==, 29);

	ckpt_clean_plan *plan = NULL;
	g_assert_cmpint(ckpt_clean_plan_new(&plan, run, 2, CKPT_KEEP_LINEAR), ==, 0);
	g_assert_cmpuint(ckpt_clean_plan_delete_count(plan), >, 0);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	g_assert_false(tu_exists(lock));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	run = tu_open_run(root);
	g_assert_cmpuint(ckpt_run_epoch_count(run), <, 5);

	int relinked = 0;
	g_assert_cmpint(ckpt_relink(&relinked, run), ==, 0);
	g_assert_cmpint(relinked, >=, 1);
	g_assert_false(tu_exists(lock));
	ckpt_run_unref(run);
	g_free(lock);
	g_free(root);
	tu_fixture_free(&f);
}

/* ---- what else a snapshot tells ------------------------------------------ */

static void test_keep_policy(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	const double values[] = {0.5, 0.4};
	af_save(root, values, 2, "ckpt_keep_limit", "3", "ckpt_keep_mode", "exponential", NULL);
	ckpt_run *run = tu_open_run(root);
	int64_t limit = 0;
	ckpt_keep_mode mode = CKPT_KEEP_ALL;
	g_assert_true(ckpt_run_keep_policy(&limit, &mode, run));
	g_assert_cmpint(limit, ==, 3);
	g_assert_cmpint(mode, ==, CKPT_KEEP_EXPONENTIAL);
	g_assert_true(ckpt_run_keep_policy(NULL, NULL, run));
	ckpt_run_unref(run);

	/* The original's run (it kept 3) records none: the defaults, a guess. */
	tu_fixture f;
	if (tu_fixture_init(&f)) {
		char *tc1 = af_fixture_root(&f, "tc1-acc");
		run = tu_open_run(tc1);
		g_assert_false(ckpt_run_keep_policy(&limit, &mode, run));
		g_assert_cmpint(limit, ==, 5);
		g_assert_cmpint(mode, ==, CKPT_KEEP_LINEAR);
		ckpt_run_unref(run);
		g_free(tc1);
		tu_fixture_free(&f);
	}
	g_free(root);
	af_tree_free(dir);
}

static void test_saved_at_and_updated(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 3);
	/* The model's time; without a model, the info's; without either, the folder's. */
	for (long e = 2; e <= 3; e++) {
		char *info = af_epoch_path(root, e, "ckpt-info.json");
		char *model = af_epoch_path(root, e, "model.h5");
		af_set_mtime(info, 1700000000 + 100 * e);
		af_set_mtime(model, 1700000000 + 100 * e + 7);
		if (e == 3)
			g_assert_cmpint(unlink(model), ==, 0);
		g_free(info);
		g_free(model);
	}
	char *info1 = af_epoch_path(root, 1, "ckpt-info.json");
	g_assert_cmpint(unlink(info1), ==, 0);
	char *model1 = af_epoch_path(root, 1, "model.h5");
	g_assert_cmpint(unlink(model1), ==, 0);
	g_free(model1);
	char *dir1 = af_epoch_path(root, 1, NULL);
	af_set_mtime(dir1, 1690000000);
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpint(ckpt_epoch_saved_at(ckpt_run_find_epoch(run, 1)), ==, 1690000000);
	g_assert_cmpint(ckpt_epoch_saved_at(ckpt_run_find_epoch(run, 2)), ==, 1700000207);
	g_assert_cmpint(ckpt_epoch_saved_at(ckpt_run_find_epoch(run, 3)), ==, 1700000300);
	g_assert_cmpint(ckpt_run_updated(run), ==, 1700000300);
	ckpt_run_unref(run);
	/* A root that never saved. */
	char *empty = g_build_filename(dir, "empty", NULL);
	char *epochs = g_build_filename(empty, "epochs", NULL);
	g_assert_cmpint(g_mkdir_with_parents(epochs, 0755), ==, 0);
	run = tu_open_run(empty);
	g_assert_cmpint(ckpt_run_updated(run), ==, 0);
	ckpt_run_unref(run);
	g_free(epochs);
	g_free(empty);
	g_free(dir1);
	g_free(info1);
	g_free(root);
	af_tree_free(dir);
}

static void test_extra_metrics(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, "ckpt_keep_mode", "all", NULL);
	af_epoch(w, 1, '-', 0.5);
	const ckpt_metric extra[] = {{"loss", 0.25}, {"acc", 0.75}, {"lr", 1e-4}};
	ckpt_epoch_result r = {.size = sizeof r};
	g_assert_cmpint(ckpt_writer_epoch(&r, w, 1, '-', 0.4, extra, 3), ==, 0);
	ckpt_writer_free(w);
	ckpt_run *run = tu_open_run(root);
	const ckpt_epoch *plain = ckpt_run_find_epoch(run, 1), *e = ckpt_run_find_epoch(run, 2);
	g_assert_cmpuint(ckpt_epoch_extra_count(plain), ==, 0);
	g_assert_null(ckpt_epoch_extra_name(plain, 0));
	g_assert_cmpuint(ckpt_epoch_extra_count(e), ==, 3);
	for (size_t i = 0; i < 3; i++) {
		g_assert_cmpstr(ckpt_epoch_extra_name(e, i), ==, extra[i].name);
		g_assert_cmpfloat(ckpt_epoch_extra_value(e, i), ==, extra[i].value);
	}
	g_assert_null(ckpt_epoch_extra_name(e, 3));
	g_assert_cmpfloat(ckpt_epoch_extra_value(e, 3), ==, 0.0);
	double metric = 0;
	g_assert_true(ckpt_epoch_metric(&metric, e));
	g_assert_cmpfloat(metric, ==, 0.4);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

static void test_log_tail(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 2);
	char *log = g_build_filename(root, "ckpt.log", NULL);
	char *whole = tu_read(log, NULL);
	char **lines = af_read_lines(log);
	size_t n = g_strv_length(lines);
	g_assert_cmpuint(n, >, 3);
	char *want = g_strdup_printf("%s\n%s\n%s\n", lines[n - 3], lines[n - 2], lines[n - 1]);
	ckpt_run *run = tu_open_run(root);
	char *tail = NULL;
	g_assert_cmpint(ckpt_run_log_tail(&tail, run, 3), ==, 0);
	g_assert_cmpstr(tail, ==, want);
	ckpt_free(tail);
	g_assert_cmpint(ckpt_run_log_tail(&tail, run, 1000), ==, 0);
	g_assert_cmpstr(tail, ==, whole);
	ckpt_free(tail);
	g_assert_cmpint(ckpt_run_log_tail(&tail, run, 0), ==, 0);
	g_assert_cmpstr(tail, ==, "");
	ckpt_free(tail);
	/* As it is now: a line logged after the snapshot is in the tail. */
	FILE *f = fopen(log, "a");
	fputs("2026-03-02 09:00:00 CandleCkpt: appended later\n", f);
	fclose(f);
	g_assert_cmpint(ckpt_run_log_tail(&tail, run, 1), ==, 0);
	g_assert_cmpstr(tail, ==, "2026-03-02 09:00:00 CandleCkpt: appended later\n");
	ckpt_free(tail);
	/* No log: "". */
	g_assert_cmpint(unlink(log), ==, 0);
	g_assert_cmpint(ckpt_run_log_tail(&tail, run, 3), ==, 0);
	g_assert_cmpstr(tail, ==, "");
	ckpt_free(tail);
	ckpt_run_unref(run);
	g_free(want);
	g_strfreev(lines);
	g_free(whole);
	g_free(log);
	g_free(root);
	af_tree_free(dir);
}

/* ckpt_run_check_writable: the run's owner may; a user without write
 * permission, or anyone on a read-only mount, is told why. */
enum { W_OWNER_RC, W_DENIED_RC, W_DENIED_SAID, W_N };

static int writable_as_others(int *results, size_t n, void *payload)
{
	if (n < W_N)
		return -1;
	ckpt_run *run = payload;
	results[W_DENIED_RC] = ckpt_run_check_writable(run);
	results[W_DENIED_SAID] = strstr(ckpt_error_last(), "not writable for this user") != NULL;
	return W_N;
}

enum { RO_ERRNO, RO_RC, RO_SAID, RO_N };

static int writable_on_read_only_mount(int *results, size_t n, void *payload)
{
	const char *root = payload;
	const char *step = NULL;
	int err = n < RO_N ? EINVAL : tu_private_mount_namespace(&step);
	if (!err && mount(root, root, NULL, MS_BIND, NULL) != 0)
		err = errno, step = "mount --bind";
	if (!err && mount(NULL, root, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0)
		err = errno, step = "mount -o remount,ro";
	results[RO_ERRNO] = err;
	if (err) {
		fprintf(stderr, "%s: %s\n", step ? step : "too few results", strerror(err));
		return 1;
	}
	ckpt_run *run = tu_open_run(root);
	results[RO_RC] = ckpt_run_check_writable(run);
	results[RO_SAID] = strstr(ckpt_error_last(), "read-only") != NULL;
	ckpt_run_unref(run);
	return RO_N;
}

static void test_writable(void)
{
	char *dir = af_tree_new();
	char *root = make_run(dir, 2);
	ckpt_run *run = tu_open_run(root);
	int results[W_N];
	results[W_OWNER_RC] = ckpt_run_check_writable(run);
	g_assert_cmpint(results[W_OWNER_RC], ==, CKPT_OK);
	g_assert_cmpint(chmod(root, 0755), ==, 0);
	g_assert_cmpuint(tu_run_unprivileged(writable_as_others, run, results, W_N), ==, W_N);
	g_assert_cmpint(results[W_DENIED_RC], ==, CKPT_EIO);
	g_assert_true(results[W_DENIED_SAID]);
	ckpt_run_unref(run);

	int ro[RO_N];
	size_t got = tu_run_in_child(writable_on_read_only_mount, root, ro, RO_N);
	if (got == 1)
		tu_fail("cannot bind-mount %s read-only in a private mount namespace (%s): this "
			"test needs root or user namespaces",
			root, strerror(ro[RO_ERRNO]));
	g_assert_cmpuint(got, ==, RO_N);
	g_assert_cmpint(ro[RO_RC], ==, CKPT_EIO);
	g_assert_true(ro[RO_SAID]);
	g_assert_cmpint(ckpt_run_check_writable(NULL), ==, CKPT_EINVAL);
	g_free(root);
	af_tree_free(dir);
}

/* Local file systems deliver change events; a path that is not there has
 * none to deliver. */
static void test_change_events(void)
{
	char *dir = af_tree_new();
	g_assert_true(ckpt_path_change_events_reliable(dir));
	char *missing = g_build_filename(dir, "not-there", NULL);
	g_assert_false(ckpt_path_change_events_reliable(missing));
	g_assert_false(ckpt_path_change_events_reliable(NULL));
	g_free(missing);
	af_tree_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/health/live/writer-live-and-its-work-not-a-leftover",
			test_live_writer);
	g_test_add_func("/ckpt/health/live/writer-removes-its-lock-file", test_writer_removes_lock);
	g_test_add_func("/ckpt/health/stale-lock/kept-by-worker-of-exited-writer", test_stale_lock);
	g_test_add_func("/ckpt/health/strays/counted-and-sorted", test_strays);
	g_test_add_func("/ckpt/health/incomplete/missing-model-or-info", test_incomplete);
	g_test_add_func("/ckpt/health/unreadable/root-searchable-not-listable-shows-its-epochs",
			test_root_searchable_not_listable);
	g_test_add_func("/ckpt/health/unreadable/closed-epoch-dir-is-unreadable-not-missing",
			test_unreadable_epoch_dir);
	g_test_add_func("/ckpt/health/links/relocated-fixture-needs-relinking",
			test_relocated_links);
	g_test_add_func("/ckpt/health/links/dangling-last-names-its-epoch", test_dangling_last);
	g_test_add_func("/ckpt/health/lock/operations-on-original-run-leave-none",
			test_operations_leave_no_lock);
	g_test_add_func("/ckpt/health/keep-policy/writers-own-or-a-guess", test_keep_policy);
	g_test_add_func("/ckpt/health/times/saved-at-and-updated", test_saved_at_and_updated);
	g_test_add_func("/ckpt/health/epoch/extra-metrics-in-order", test_extra_metrics);
	g_test_add_func("/ckpt/health/log-tail/last-lines-as-now", test_log_tail);
	g_test_add_func("/ckpt/health/fs/writable-or-why-not", test_writable);
	g_test_add_func("/ckpt/health/fs/change-events-on-local-disks", test_change_events);
	return g_test_run();
}
