/* test-failpoint.c: the crash harness's own instrument, tested: step
 * counting, injected errors, crashes before and after a step, and what the
 * power-loss model keeps and undoes. The crash suite is only as good as this. */
#include "internal.h"
#include "failpoint.h"
#include "testutil.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct fixture {
	char *tmp;
	char *dir;   /* where the changes happen */
	char *stash; /* the power-loss stash, outside dir */
} fixture;

static void fixture_set_up(fixture *f, gconstpointer data)
{
	(void)data;
	f->tmp = tu_tmpdir();
	f->dir = g_build_filename(f->tmp, "d", NULL);
	f->stash = g_build_filename(f->tmp, "stash", NULL);
	g_assert_cmpint(mkdir(f->dir, 0755), ==, 0);
	g_assert_cmpint(mkdir(f->stash, 0700), ==, 0);
}

static void fixture_tear_down(fixture *f, gconstpointer data)
{
	(void)data;
	ckpt_failpoint_disarm();
	tu_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->dir);
	g_free(f->stash);
}

static char *in(const fixture *f, const char *name)
{
	return g_build_filename(f->dir, name, NULL);
}

static void write_synced(const char *path, const char *text)
{
	g_assert_cmpint(ckpt_fs_write_file(path, text, strlen(text), true), ==, 0);
}

static void assert_content(const char *path, const char *text)
{
	char *got = tu_read(path, NULL);
	g_assert_nonnull(got);
	g_assert_cmpstr(got, ==, text);
	g_free(got);
}

/* Runs fn in a child armed with mode at step; returns its exit status. */
static int crash_child(const fixture *f, ckpt_failpoint_mode mode, long step,
		       void (*fn)(const fixture *f))
{
	pid_t pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		ckpt_failpoint_arm(mode, step, 0, NULL);
		fn(f);
		_exit(0);
	}
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void power_arm(const fixture *f)
{
	g_assert_cmpint(
	    ckpt_failpoint_arm(CKPT_FAILPOINT_COUNT, 0, CKPT_FAILPOINT_POWER_LOSS, f->stash), ==,
	    0);
}

/* ---- steps, errors, crashes -------------------------------------------- */

static void test_count(fixture *f, gconstpointer data)
{
	(void)data;
	char *sub = in(f, "sub");
	char *file = in(f, "sub/file");
	g_assert_cmpint(ckpt_failpoint_arm(CKPT_FAILPOINT_COUNT, 0, 0, NULL), ==, 0);
	g_assert_cmpint(ckpt_fs_mkdir(sub, 0755), ==, 0);
	write_synced(file, "x");
	g_assert_cmpint(ckpt_failpoint_steps(), ==, 4);
	char *expect = g_strdup_printf("fsync %s", file);
	g_assert_cmpstr(ckpt_failpoint_step_name(4), ==, expect);
	g_assert_null(ckpt_failpoint_step_name(5));
	ckpt_failpoint_disarm();
	g_assert_cmpint(ckpt_failpoint_steps(), ==, 0);
	g_free(expect), g_free(sub), g_free(file);
}

static void test_fail_step(fixture *f, gconstpointer data)
{
	(void)data;
	char *a = in(f, "a"), *b = in(f, "b");
	g_assert_cmpint(ckpt_failpoint_arm(CKPT_FAILPOINT_FAIL_ENOSPC, 1, 0, NULL), ==, 0);
	g_assert_cmpint(ckpt_fs_mkdir(a, 0755), ==, CKPT_EIO);
	g_assert_nonnull(strstr(ckpt_error_last(), "no space left"));
	g_assert_false(tu_exists(a));
	g_assert_cmpint(ckpt_fs_mkdir(b, 0755), ==, 0); /* only step 1 fails */
	g_assert_true(tu_exists(b));
	g_free(a), g_free(b);
}

static void test_no_exchange(fixture *f, gconstpointer data)
{
	(void)data;
	char *a = in(f, "a"), *b = in(f, "b");
	write_synced(a, "A");
	write_synced(b, "B");
	g_assert_cmpint(
	    ckpt_failpoint_arm(CKPT_FAILPOINT_COUNT, 0, CKPT_FAILPOINT_NO_EXCHANGE, NULL), ==, 0);
	g_assert_cmpint(ckpt_fs_exchange(a, b), ==, CKPT_EINVAL);
	g_assert_cmpint(ckpt_failpoint_steps(), ==, 0);
	assert_content(a, "A");
	g_free(a), g_free(b);
}

static void make_two_dirs(const fixture *f)
{
	char *a = in(f, "a"), *b = in(f, "b");
	ckpt_fs_mkdir(a, 0755);
	ckpt_fs_mkdir(b, 0755);
	g_free(a), g_free(b);
}

static void test_crash_before(fixture *f, gconstpointer data)
{
	(void)data;
	g_assert_cmpint(crash_child(f, CKPT_FAILPOINT_CRASH_BEFORE, 2, make_two_dirs), ==,
			CKPT_FAILPOINT_EXIT);
	char *a = in(f, "a"), *b = in(f, "b");
	g_assert_true(tu_exists(a));
	g_assert_false(tu_exists(b));
	g_free(a), g_free(b);
}

static void test_crash_after(fixture *f, gconstpointer data)
{
	(void)data;
	g_assert_cmpint(crash_child(f, CKPT_FAILPOINT_CRASH_AFTER, 2, make_two_dirs), ==,
			CKPT_FAILPOINT_EXIT);
	char *b = in(f, "b");
	g_assert_true(tu_exists(b));
	g_free(b);
}

/* ---- the power-loss model ---------------------------------------------- */

static void test_power_new_entry_needs_dir_sync(fixture *f, gconstpointer data)
{
	(void)data;
	char *kept = in(f, "kept"), *lost = in(f, "lost");
	power_arm(f);
	write_synced(kept, "durable");
	g_assert_cmpint(ckpt_fs_fsync_path(f->dir), ==, 0);
	write_synced(lost, "data synced, entry not");
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	assert_content(kept, "durable");
	g_assert_false(tu_exists(lost));
	g_free(kept), g_free(lost);
}

static void test_power_unsynced_data_cut(fixture *f, gconstpointer data)
{
	(void)data;
	char *path = in(f, "file");
	power_arm(f);
	g_assert_cmpint(ckpt_fs_write_file(path, "never synced", 12, false), ==, 0);
	g_assert_cmpint(ckpt_fs_fsync_path(f->dir), ==, 0);
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	assert_content(path, "");
	g_free(path);
}

static void test_power_append_cut_back(fixture *f, gconstpointer data)
{
	(void)data;
	char *path = in(f, "log");
	tu_write(path, "before\n");
	power_arm(f);
	g_assert_cmpint(ckpt_fs_append(path, "lost\n", 5), ==, 0);
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	assert_content(path, "before\n");
	g_free(path);
}

static void test_power_unlink_undone(fixture *f, gconstpointer data)
{
	(void)data;
	char *undone = in(f, "undone"), *gone = in(f, "gone");
	tu_write(undone, "back");
	tu_write(gone, "x");
	power_arm(f);
	g_assert_cmpint(ckpt_fs_unlink(gone), ==, 0);
	g_assert_cmpint(ckpt_fs_fsync_path(f->dir), ==, 0);
	g_assert_cmpint(ckpt_fs_unlink(undone), ==, 0);
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	assert_content(undone, "back");
	g_assert_false(tu_exists(gone));
	g_free(undone), g_free(gone);
}

static void test_power_rename_over_undone(fixture *f, gconstpointer data)
{
	(void)data;
	char *tmp = in(f, "tmp"), *target = in(f, "target");
	tu_write(target, "old");
	power_arm(f);
	write_synced(tmp, "new");
	g_assert_cmpint(ckpt_fs_rename(tmp, target), ==, 0);
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	assert_content(target, "old");
	g_assert_false(tu_exists(tmp)); /* its creation was never durable either */
	g_free(tmp), g_free(target);
}

static void test_power_rename_over_durable(fixture *f, gconstpointer data)
{
	(void)data;
	char *tmp = in(f, "tmp"), *target = in(f, "target");
	tu_write(target, "old");
	power_arm(f);
	write_synced(tmp, "new");
	g_assert_cmpint(ckpt_fs_rename(tmp, target), ==, 0);
	g_assert_cmpint(ckpt_fs_fsync_path(f->dir), ==, 0);
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	assert_content(target, "new");
	g_free(tmp), g_free(target);
}

/* A file made in a directory that is renamed (durably) afterwards: the undo
 * must find the file under the directory's new name. */
static void test_power_undo_follows_renamed_dir(fixture *f, gconstpointer data)
{
	(void)data;
	char *work = in(f, "work"), *published = in(f, "published");
	char *inside = in(f, "work/model"), *moved = in(f, "published/model");
	power_arm(f);
	g_assert_cmpint(ckpt_fs_mkdir(work, 0755), ==, 0);
	write_synced(inside, "model");
	g_assert_cmpint(ckpt_fs_rename(work, published), ==, 0);
	g_assert_cmpint(ckpt_fs_fsync_path(f->dir), ==, 0);
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	g_assert_true(tu_exists(published));
	g_assert_false(tu_exists(moved)); /* work/ was never fsynced */
	g_free(work), g_free(published), g_free(inside), g_free(moved);
}

static void test_power_remove_tree_undone(fixture *f, gconstpointer data)
{
	(void)data;
	char *epoch = in(f, "007"), *model = in(f, "007/model.h5");
	g_assert_cmpint(mkdir(epoch, 0755), ==, 0);
	tu_write(model, "weights");
	power_arm(f);
	g_assert_cmpint(ckpt_fs_remove_tree(epoch), ==, 0);
	g_assert_false(tu_exists(epoch));
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	assert_content(model, "weights");
	g_free(epoch), g_free(model);
}

/* An exchange never made durable is undone by the cut. Without
 * RENAME_EXCHANGE (NFS, some FUSE file systems; or forced with
 * CKPT_FAILPOINT_NO_EXCHANGE) the refused exchange must change nothing, and
 * the writer's replacement by two renames (writer-save.c: the old entry
 * aside to .old, the new one in its place) is what the cut must undo. */
static void check_exchange_undone(fixture *f, unsigned flags)
{
	char *a = in(f, "a"), *b = in(f, "b"), *aside = in(f, "a.old");
	tu_write(a, "A");
	tu_write(b, "B");
	g_assert_cmpint(ckpt_failpoint_arm(CKPT_FAILPOINT_COUNT, 0,
					   CKPT_FAILPOINT_POWER_LOSS | flags, f->stash),
			==, 0);
	int rc = ckpt_fs_exchange(a, b);
	if (rc == CKPT_EINVAL) {
		if (!flags)
			g_test_message("no RENAME_EXCHANGE here: checking the two-rename fallback");
		assert_content(a, "A");
		assert_content(b, "B");
		g_assert_cmpint(ckpt_fs_rename(a, aside), ==, 0);
		g_assert_cmpint(ckpt_fs_rename(b, a), ==, 0);
		g_assert_false(tu_exists(b));
		assert_content(aside, "A");
	} else {
		g_assert_cmpint(rc, ==, 0);
		g_assert_cmpint(flags, ==, 0);
		assert_content(b, "A");
	}
	assert_content(a, "B");
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	assert_content(a, "A");
	assert_content(b, "B");
	g_assert_false(tu_exists(aside));
	g_free(a), g_free(b), g_free(aside);
}

static void test_power_exchange_undone(fixture *f, gconstpointer data)
{
	(void)data;
	check_exchange_undone(f, 0);
}

static void test_power_exchange_fallback_undone(fixture *f, gconstpointer data)
{
	(void)data;
	check_exchange_undone(f, CKPT_FAILPOINT_NO_EXCHANGE);
}

static void test_power_symlink_replace_durable(fixture *f, gconstpointer data)
{
	(void)data;
	char *last = in(f, "last");
	g_assert_cmpint(symlink("epochs/001", last), ==, 0);
	power_arm(f);
	g_assert_cmpint(ckpt_fs_replace_symlink(f->dir, "last", "epochs/002", true), ==, 0);
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	char *target = tu_readlink(last);
	g_assert_cmpstr(target, ==, "epochs/002");
	g_free(target), g_free(last);
}

static void power_crash_child(const fixture *f)
{
	char *path = in(f, "late");
	ckpt_fs_write_file(path, "x", 1, true);
	g_free(path);
}

/* The crash path itself applies the power cut before exiting. */
static void test_power_crash_applies_cut(fixture *f, gconstpointer data)
{
	(void)data;
	pid_t pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		ckpt_failpoint_arm(CKPT_FAILPOINT_CRASH_AFTER, 3, CKPT_FAILPOINT_POWER_LOSS,
				   f->stash);
		power_crash_child(f);
		_exit(0);
	}
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, CKPT_FAILPOINT_EXIT);
	char *path = in(f, "late");
	g_assert_false(tu_exists(path));
	g_free(path);
}

/* ---- failures after the real call --------------------------------------- */

/* A short write, then ENOSPC: the half that landed is the caller's to take
 * back; an append is taken back (fsops.c), so the log keeps whole lines. */
static void test_short_write_then_error(fixture *f, gconstpointer data)
{
	(void)data;
	char *path = in(f, "file"), *log = in(f, "log");
	tu_write(log, "line 1\n");
	g_assert_cmpint(ckpt_failpoint_arm(CKPT_FAILPOINT_SHORT_ENOSPC, 2, 0, NULL), ==, 0);
	g_assert_cmpint(ckpt_fs_write_file(path, "0123456789", 10, false), ==, CKPT_EIO);
	g_assert_nonnull(strstr(ckpt_error_last(), "no space left"));
	gsize len = 0;
	g_free(tu_read(path, &len));
	g_assert_cmpuint(len, ==, 5); /* the real write made half of it */
	g_assert_cmpint(ckpt_failpoint_arm(CKPT_FAILPOINT_SHORT_EIO, 1, 0, NULL), ==, 0);
	g_assert_cmpint(ckpt_fs_append(log, "line 2\n", 7), ==, CKPT_EIO);
	assert_content(log, "line 1\n");
	g_assert_true(ckpt_failpoint_mode_applies(CKPT_FAILPOINT_SHORT_EIO, "append /x"));
	g_assert_false(ckpt_failpoint_mode_applies(CKPT_FAILPOINT_SHORT_EIO, "fsync /x"));
	g_free(path), g_free(log);
}

/* The fsync is made, then reports EIO: the caller must fail, and the model
 * must not count the data as durable. */
static void test_late_fsync_error(fixture *f, gconstpointer data)
{
	(void)data;
	char *path = in(f, "file");
	g_assert_cmpint(ckpt_failpoint_arm(CKPT_FAILPOINT_LATE_EIO, 3, CKPT_FAILPOINT_POWER_LOSS,
					   f->stash),
			==, 0);
	g_assert_cmpint(ckpt_fs_write_file(path, "data", 4, true), ==, CKPT_EIO);
	g_assert_nonnull(strstr(ckpt_error_last(), "fsync"));
	assert_content(path, "data");
	g_assert_cmpint(ckpt_fs_fsync_path(f->dir), ==, 0);
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	assert_content(path, ""); /* the failed fsync made nothing durable */
	g_free(path);
}

/* ---- partial power loss -------------------------------------------------- */

/* A rename between two directories is durable only once both are synced. */
static void test_power_rename_needs_both_dirs(fixture *f, gconstpointer data)
{
	(void)data;
	char *a = in(f, "a"), *b = in(f, "b"), *from = in(f, "a/x"), *to = in(f, "b/x");
	g_assert_cmpint(mkdir(a, 0755), ==, 0);
	g_assert_cmpint(mkdir(b, 0755), ==, 0);
	tu_write(from, "x");
	power_arm(f);
	g_assert_cmpint(ckpt_fs_rename(from, to), ==, 0);
	g_assert_cmpint(ckpt_fs_fsync_path(b), ==, 0);
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	g_assert_true(tu_exists(from));
	g_assert_false(tu_exists(to));
	g_free(a), g_free(b), g_free(from), g_free(to);
}

typedef struct subset_case {
	const fixture *f;
	long index;
} subset_case;

static void two_dirs_one_file_each(const fixture *f)
{
	char *a = in(f, "a/new"), *b = in(f, "b/new");
	ckpt_fs_write_file(a, "A", 1, true);
	ckpt_fs_write_file(b, "B", 1, true);
	g_free(a), g_free(b);
}

/* Runs the changes, cuts keeping subset `index`; returns which survived
 * (bit 0: a/new, bit 1: b/new) and the report. */
static int cut_two_dirs(const fixture *f, long index, ckpt_failpoint_cut_report *report)
{
	char *a = in(f, "a"), *b = in(f, "b"), *na = in(f, "a/new"), *nb = in(f, "b/new");
	tu_rmtree(a), tu_rmtree(b);
	g_assert_cmpint(mkdir(a, 0755), ==, 0);
	g_assert_cmpint(mkdir(b, 0755), ==, 0);
	power_arm(f);
	ckpt_failpoint_power_subset(index, 8, report);
	two_dirs_one_file_each(f);
	g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
	int kept = (tu_exists(na) ? 1 : 0) | (tu_exists(nb) ? 2 : 0);
	g_free(a), g_free(b), g_free(na), g_free(nb);
	return kept;
}

/* Two directories, one unsynced create each: four consistent subsets, of
 * which two are partial (one create kept, not the other). */
static void test_power_partial_subsets(fixture *f, gconstpointer data)
{
	(void)data;
	ckpt_failpoint_cut_report report = {0};
	g_assert_cmpint(cut_two_dirs(f, 0, &report), ==, 0);
	g_assert_cmpint(report.unsynced, ==, 2);
	g_assert_cmpint(report.partial, ==, 2);
	g_assert_false(report.sampled);
	int one = cut_two_dirs(f, 1, &report), two = cut_two_dirs(f, 2, &report);
	g_assert_cmpint(report.kept, ==, 1);
	g_assert_true((one == 1 && two == 2) || (one == 2 && two == 1));
}

/* Within one directory the order holds: a later change never survives an
 * earlier one that was lost. */
static void test_power_partial_keeps_order(fixture *f, gconstpointer data)
{
	(void)data;
	char *first = in(f, "first"), *second = in(f, "second");
	for (long index = 0; index <= 1; index++) {
		tu_rmtree(first), tu_rmtree(second);
		power_arm(f);
		ckpt_failpoint_cut_report report = {0};
		ckpt_failpoint_power_subset(index, 8, &report);
		g_assert_cmpint(ckpt_fs_mkdir(first, 0755), ==, 0);
		g_assert_cmpint(ckpt_fs_mkdir(second, 0755), ==, 0);
		g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
		g_assert_cmpint(report.partial, ==, 1);
		g_assert_true(tu_exists(first) || !tu_exists(second));
		g_assert_cmpint(tu_exists(first), ==, index >= 1);
	}
	g_free(first), g_free(second);
}

/* Appends are kept as a prefix: the file is cut at a write's end. */
static void test_power_partial_data_prefix(fixture *f, gconstpointer data)
{
	(void)data;
	char *log = in(f, "log");
	tu_write(log, "0\n");
	for (long index = 1; index <= 2; index++) {
		tu_write(log, "0\n");
		power_arm(f);
		ckpt_failpoint_cut_report report = {0};
		ckpt_failpoint_power_subset(index, 8, &report);
		g_assert_cmpint(ckpt_fs_append(log, "1\n", 2), ==, 0);
		g_assert_cmpint(ckpt_fs_append(log, "2\n", 2), ==, 0);
		g_assert_cmpint(ckpt_fs_append(log, "3\n", 2), ==, 0);
		g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
		g_assert_cmpint(report.partial, ==, 2);
		assert_content(log, index == 1 ? "0\n1\n" : "0\n1\n2\n");
	}
	g_free(log);
}

/* More subsets than the budget: a random one, still consistent. */
static void test_power_partial_sampled(fixture *f, gconstpointer data)
{
	(void)data;
	for (long index = 1; index <= 20; index++) {
		char *dir = in(f, "many");
		tu_rmtree(dir);
		g_assert_cmpint(mkdir(dir, 0755), ==, 0);
		power_arm(f);
		ckpt_failpoint_cut_report report = {0};
		ckpt_failpoint_power_subset(index, 3, &report);
		for (int i = 0; i < 6; i++) {
			char *name = g_strdup_printf("%s/%d", dir, i);
			g_assert_cmpint(ckpt_fs_mkdir(name, 0755), ==, 0);
			g_free(name);
		}
		g_assert_cmpint(ckpt_failpoint_power_cut(), ==, 0);
		g_assert_true(report.sampled);
		g_assert_cmpint(report.partial, ==, 3);
		bool lost = false;
		for (int i = 0; i < 6; i++) {
			char *name = g_strdup_printf("%s/%d", dir, i);
			g_assert_true(!lost || !tu_exists(name));
			lost = lost || !tu_exists(name);
			g_free(name);
		}
		g_free(dir);
	}
}

#define ADD(name, fn) g_test_add(name, fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/ckpt/failpoint/count/names-every-change", test_count);
	ADD("/ckpt/failpoint/fail/step-fails-without-the-change-then-carries-on", test_fail_step);
	ADD("/ckpt/failpoint/fail/no-exchange-fails-with-einval-uncounted", test_no_exchange);
	ADD("/ckpt/failpoint/crash/before-exits-without-the-change", test_crash_before);
	ADD("/ckpt/failpoint/crash/after-exits-with-the-change", test_crash_after);
	ADD("/ckpt/failpoint/power/new-entry-lost-without-dir-fsync",
	    test_power_new_entry_needs_dir_sync);
	ADD("/ckpt/failpoint/power/unsynced-data-cut-to-zero", test_power_unsynced_data_cut);
	ADD("/ckpt/failpoint/power/append-cut-back-to-synced-size", test_power_append_cut_back);
	ADD("/ckpt/failpoint/power/unlink-undone-unless-dir-synced", test_power_unlink_undone);
	ADD("/ckpt/failpoint/power/rename-over-undone-restores-victim",
	    test_power_rename_over_undone);
	ADD("/ckpt/failpoint/power/rename-over-kept-after-dir-fsync",
	    test_power_rename_over_durable);
	ADD("/ckpt/failpoint/power/undo-follows-a-renamed-directory",
	    test_power_undo_follows_renamed_dir);
	ADD("/ckpt/failpoint/power/remove-tree-undone", test_power_remove_tree_undone);
	ADD("/ckpt/failpoint/power/exchange-undone", test_power_exchange_undone);
	ADD("/ckpt/failpoint/power/no-exchange-two-renames-undone",
	    test_power_exchange_fallback_undone);
	ADD("/ckpt/failpoint/power/replace-symlink-is-durable", test_power_symlink_replace_durable);
	ADD("/ckpt/failpoint/power/crash-applies-the-cut", test_power_crash_applies_cut);
	ADD("/ckpt/failpoint/late/short-write-then-error", test_short_write_then_error);
	ADD("/ckpt/failpoint/late/fsync-error-after-the-call", test_late_fsync_error);
	ADD("/ckpt/failpoint/power/rename-needs-both-directories-synced",
	    test_power_rename_needs_both_dirs);
	ADD("/ckpt/failpoint/partial/two-directories-four-subsets", test_power_partial_subsets);
	ADD("/ckpt/failpoint/partial/one-directory-keeps-its-order",
	    test_power_partial_keeps_order);
	ADD("/ckpt/failpoint/partial/appends-kept-as-a-prefix", test_power_partial_data_prefix);
	ADD("/ckpt/failpoint/partial/sampled-beyond-the-budget", test_power_partial_sampled);
	return g_test_run();
}
