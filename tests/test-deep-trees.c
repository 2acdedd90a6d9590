/* test-deep-trees.c: removing what a run holds, at any depth and width. An
 * epoch nested 80 (or 3,000) directories deep wedged the run: clean moved
 * it into work/, failed to remove it, and every clean and save failed after.
 * Removal is iterative by descriptors now, never following a link; and a
 * work/ that cannot be removed at all is set aside so that saving goes on,
 * with the problem said. */
#include "writer-fixture.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* dir/d/d/.../d (depth levels) with a file at the bottom, made by
 * descriptors (a path that long is beyond PATH_MAX). */
static void make_deep(const char *dir, int depth)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	g_assert_cmpint(fd, >=, 0);
	for (int i = 0; i < depth; i++) {
		g_assert_cmpint(mkdirat(fd, "d", 0755), ==, 0);
		int next = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		g_assert_cmpint(next, >=, 0);
		close(fd);
		fd = next;
	}
	int file = openat(fd, "bottom", O_WRONLY | O_CREAT, 0644);
	g_assert_cmpint(file, >=, 0);
	close(file);
	close(fd);
}

static void clean_keeping(const char *root, long keep)
{
	ckpt_run *run = tu_open_run(root);
	ckpt_clean_plan *plan = NULL;
	g_assert_cmpint(ckpt_clean_plan_new(&plan, run, keep, CKPT_KEEP_LINEAR), ==, 0);
	int rc = ckpt_clean_apply(plan, NULL);
	if (rc)
		g_test_message("clean: %s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
}

static void check_deep_epoch_removed(int depth)
{
	char *tmp = tu_tmpdir();
	const double values[] = {0.9, 0.8, 0.7, 0.6};
	save_epochs(tmp, "d", values, 4, NULL);
	char *e1 = path_in(tmp, "epochs", "001", NULL);
	make_deep(e1, depth);
	/* clean deletes 1 and 2 (keeps 3 and last) */
	clean_keeping(tmp, 2);
	char *dirs = epoch_dirs(tmp);
	g_assert_cmpstr(dirs, ==, "003 004");
	char *work = g_build_filename(tmp, "work", NULL);
	g_assert_false(tu_exists(work));
	/* and the run goes on */
	model_io io = {.tag = "e"};
	ckpt_writer *w = writer_with(tmp, &io, "ckpt_keep_mode", "all", NULL);
	epoch(w, 5, '-', 0.5);
	ckpt_writer_free(w);
	ckpt_run *run = tu_open_run(tmp);
	g_assert_cmpstr(ckpt_run_problem(run), ==, NULL);
	ckpt_run_unref(run);
	g_free(dirs), g_free(e1), g_free(work);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_epoch_80_deep(void)
{
	check_deep_epoch_removed(80);
}

static void test_epoch_3000_deep(void)
{
	check_deep_epoch_removed(3000);
}

/* A stale work/ holding a deep tree and many files: the next save clears it. */
static void test_deep_and_wide_stale_work(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {0.9};
	save_epochs(tmp, "w", values, 1, NULL);
	char *work = g_build_filename(tmp, "work", NULL);
	g_assert_cmpint(mkdir(work, 0755), ==, 0);
	make_deep(work, 500);
	for (int i = 0; i < 5000; i++) {
		char name[64];
		snprintf(name, sizeof name, "%s/f%05d", work, i);
		tu_write(name, "x");
	}
	char *loop = g_build_filename(work, "loop", NULL);
	g_assert_cmpint(symlink(".", loop), ==, 0); /* removed, never followed */
	char *outside = g_build_filename(tmp, "..", NULL);
	char *escape = g_build_filename(work, "escape", NULL);
	g_assert_cmpint(symlink(outside, escape), ==, 0);
	model_io io = {.tag = "w"};
	ckpt_writer *w = writer_with(tmp, &io, "ckpt_keep_mode", "all", NULL);
	epoch(w, 2, '-', 0.5);
	ckpt_writer_free(w);
	g_assert_false(tu_exists(work));
	g_assert_true(g_file_test(outside, G_FILE_TEST_IS_DIR));
	g_free(work), g_free(loop), g_free(outside), g_free(escape);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* A work/ that cannot be removed (here: a file system mounted below it,
 * which removal never crosses) is set aside as work.unremovable-1: the save
 * goes on, the log says why, the run shows it, and a clean retries it. Run
 * in a child's own mount namespace (see test-hostile.c). */
typedef struct stuck_case {
	const char *root;
} stuck_case;

enum { STUCK_ERRNO, STUCK_SAVED, STUCK_ASIDE, STUCK_LOGGED, STUCK_PROBLEM, STUCK_NEXT, STUCK_N };

static int save_over_a_stuck_work(int *results, size_t n, void *payload)
{
	const stuck_case *c = payload;
	const char *step = NULL;
	char *work = g_build_filename(c->root, "work", NULL);
	char *mnt = g_build_filename(work, "scratch", NULL);
	int err = n < STUCK_N ? EINVAL : tu_private_mount_namespace(&step);
	if (!err && (g_mkdir_with_parents(mnt, 0755) != 0 ||
		     mount("ckpt-test", mnt, "tmpfs", 0, "size=64k") != 0))
		err = errno, step = "mount -t tmpfs";
	results[STUCK_ERRNO] = err;
	if (err) {
		fprintf(stderr, "%s: %s\n", step ? step : "too few results", strerror(err));
		return 1;
	}
	model_io io = {.tag = "s"};
	ckpt_writer *w = writer_with(c->root, &io, "ckpt_keep_mode", "all", NULL);
	ckpt_epoch_result r = {.size = sizeof r};
	results[STUCK_SAVED] = ckpt_writer_epoch(&r, w, 1, '-', 0.5, NULL, 0) == 0 && r.saved;
	char *aside = g_build_filename(c->root, "work.unremovable-1", NULL);
	results[STUCK_ASIDE] = g_file_test(aside, G_FILE_TEST_IS_DIR);
	char *log = g_build_filename(c->root, "ckpt.log", NULL);
	char *text = tu_read(log, NULL);
	results[STUCK_LOGGED] = text && strstr(text, "set aside as") && strstr(text, "mount point");
	results[STUCK_NEXT] =
	    ckpt_writer_epoch(&r, w, 2, '-', 0.4, NULL, 0) == 0 && r.saved; /* and again */
	ckpt_writer_free(w);
	ckpt_run *run = NULL;
	results[STUCK_PROBLEM] = ckpt_run_open(&run, c->root) == 0 && ckpt_run_problem(run) &&
				 strstr(ckpt_run_problem(run), "work.unremovable-1");
	ckpt_run_unref(run);
	g_free(text), g_free(log), g_free(aside), g_free(mnt), g_free(work);
	return STUCK_N;
}

static void test_unremovable_work_set_aside(void)
{
	char *tmp = tu_tmpdir();
	stuck_case c = {tmp};
	int results[STUCK_N];
	size_t got = tu_run_in_child(save_over_a_stuck_work, &c, results, STUCK_N);
	if (got == 1)
		tu_fail("cannot mount a tmpfs in a private mount namespace (%s): this test needs "
			"root or user namespaces",
			strerror(results[STUCK_ERRNO]));
	g_assert_cmpuint(got, ==, STUCK_N);
	g_assert_true(results[STUCK_SAVED]);
	g_assert_true(results[STUCK_ASIDE]);
	g_assert_true(results[STUCK_LOGGED]);
	g_assert_true(results[STUCK_NEXT]);
	g_assert_true(results[STUCK_PROBLEM]);
	/* Out here the tmpfs went with the child: a clean removes the rest. */
	clean_keeping(tmp, 1000);
	char *aside = g_build_filename(tmp, "work.unremovable-1", NULL);
	g_assert_false(tu_exists(aside));
	ckpt_run *run = tu_open_run(tmp);
	g_assert_null(ckpt_run_problem(run));
	ckpt_run_unref(run);
	g_free(aside);
	tu_rmtree(tmp);
	g_free(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/remove/epoch-80-deep-cleaned-and-saving-goes-on", test_epoch_80_deep);
	g_test_add_func("/ckpt/remove/epoch-3000-deep-cleaned", test_epoch_3000_deep);
	g_test_add_func("/ckpt/remove/deep-and-wide-stale-work-cleared-links-not-followed",
			test_deep_and_wide_stale_work);
	g_test_add_func("/ckpt/remove/unremovable-work-set-aside-saving-goes-on",
			test_unremovable_work_set_aside);
	return g_test_run();
}
