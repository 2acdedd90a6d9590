/* test-writer-safety.c: what the writer refuses or survives: symbolic links
 * where epochs belong, a second writer and the lock's errors, failing model
 * callbacks, bad arguments and read-only roots, and the fsyncs of a new root. */
#include "internal.h"
#include "testutil.h"
#include "writer-fixture.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The engine's fsync calls resolve to this one (the program defines it), so
 * that a test can see which directories were synced. */
static GPtrArray *synced; /* canonical paths, while a test records them */

int fsync(int fd)
{
	if (synced) {
		char link[64], path[4096];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t len = readlink(link, path, sizeof path - 1);
		if (len > 0) {
			path[len] = '\0';
			g_ptr_array_add(synced, g_strdup(path));
		}
	}
	return (int)syscall(SYS_fsync, fd);
}

static bool was_synced(const char *path)
{
	char *canonical = realpath(path, NULL);
	g_assert_nonnull(canonical);
	bool found = false;
	for (guint i = 0; i < synced->len && !found; i++)
		found = strcmp(synced->pdata[i], canonical) == 0;
	free(canonical);
	return found;
}

/* ---- never through a symbolic link ------------------------------------ */

static void test_symlinked_epochs_refused(void)
{
	/* The reviewer's reproduction: R/epochs leads to another run's epochs. */
	char *tmp = tu_tmpdir();
	char *other = g_build_filename(tmp, "o", NULL);
	char *other_epochs = g_build_filename(other, "epochs", NULL);
	char *precious = path_in(other_epochs, "001", "model.h5", NULL);
	char *e1 = g_build_filename(other_epochs, "001", NULL);
	char *e2 = g_build_filename(other_epochs, "002", NULL);
	g_assert_cmpint(g_mkdir_with_parents(e1, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(e2, 0755), ==, 0);
	tu_write(precious, "precious");
	char *before = tu_snapshot_tree(other);
	char *root = g_build_filename(tmp, "w1", "ckpts", NULL);
	char *epochs = g_build_filename(root, "epochs", NULL);
	g_assert_cmpint(g_mkdir_with_parents(root, 0755), ==, 0);
	g_assert_cmpint(symlink(other_epochs, epochs), ==, 0);

	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", root), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "8"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_keep_limit", "2"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_fsync", "false"), ==, 0);
	ckpt_writer *w = NULL;
	g_assert_cmpint(ckpt_writer_new(&w, params, 0), ==, CKPT_EUNSAFE);
	g_assert_null(w);
	char *want = g_strdup_printf(
	    "%s: is a symbolic link; refusing to write or delete through it", epochs);
	g_assert_cmpstr(ckpt_error_last(), ==, want);
	ckpt_params_free(params);

	/* Swapped in under a running writer: the next save is refused too. */
	char *root2 = g_build_filename(tmp, "w2", "ckpts", NULL);
	char *epochs2 = g_build_filename(root2, "epochs", NULL);
	char *aside = g_build_filename(root2, "epochs.real", NULL);
	model_io io = {.tag = "s"};
	w = writer_with(root2, &io, "epochs", "8", "ckpt_keep_limit", "2", NULL);
	epoch(w, 1, '-', 1.0);
	g_assert_cmpint(rename(epochs2, aside), ==, 0);
	g_assert_cmpint(symlink(other_epochs, epochs2), ==, 0);
	for (long e = 2; e <= 8; e++) {
		ckpt_epoch_result out = {.size = sizeof out};
		g_assert_cmpint(ckpt_writer_epoch(&out, w, e - 1, '-', 1.0 / (double)e, NULL, 0),
				==, CKPT_EUNSAFE);
		g_assert_nonnull(strstr(ckpt_error_last(), epochs2));
	}
	ckpt_writer_free(w);

	char *after = tu_snapshot_tree(other);
	g_assert_cmpstr(after, ==, before);
	char *kept = tu_read(precious, NULL);
	g_assert_cmpstr(kept, ==, "precious");
	g_free(kept), g_free(after), g_free(aside), g_free(epochs2), g_free(root2);
	g_free(want), g_free(epochs), g_free(root), g_free(before), g_free(e2), g_free(e1);
	g_free(precious), g_free(other_epochs), g_free(other);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_symlinked_epoch_dir_neither_replaced_nor_deleted(void)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "ckpts", NULL);
	char *outside = g_build_filename(tmp, "outside", NULL);
	char *sentinel = g_build_filename(outside, "model.h5", NULL);
	g_assert_cmpint(g_mkdir_with_parents(outside, 0755), ==, 0);
	tu_write(sentinel, "must survive");
	char *before = tu_snapshot_tree(outside);
	model_io io = {.tag = "d"};
	ckpt_writer *w = writer_with(root, &io, "epochs", "10", "ckpt_save_best", "false",
				     "ckpt_keep_limit", "1", NULL);
	epoch(w, 1, '-', 1.0);
	/* epochs/001 becomes a link to a folder outside the run. */
	char *e1 = path_in(root, "epochs", "001", NULL);
	char *moved = g_build_filename(tmp, "moved-001", NULL);
	g_assert_cmpint(rename(e1, moved), ==, 0);
	g_assert_cmpint(symlink(outside, e1), ==, 0);

	/* Retention would delete 1: it leaves the link (and what it leads to) alone. */
	ckpt_epoch_result r2 = epoch(w, 2, '-', 1.0);
	g_assert_true(r2.saved);
	g_assert_cmpint(r2.deleted_count, ==, 0);
	char *target = tu_readlink(e1);
	g_assert_cmpstr(target, ==, outside);
	char *skipped = g_strdup_printf("not removing: '%s': a symbolic link, not followed", e1);
	g_assert_true(log_has(root, skipped));
	ckpt_epoch_result r3 = epoch(w, 3, '-', 1.0);
	g_assert_cmpint(r3.deleted_count, ==, 1); /* 2; 1 is no longer this writer's */
	char *dirs = epoch_dirs(root);
	g_assert_cmpstr(dirs, ==, "001 003");

	/* Nor is an epoch published in the place of such a link. */
	char *e4 = path_in(root, "epochs", "004", NULL);
	g_assert_cmpint(symlink(outside, e4), ==, 0);
	ckpt_epoch_result out = {.size = sizeof out};
	g_assert_cmpint(ckpt_writer_epoch(&out, w, 3, '-', 1.0, NULL, 0), ==, CKPT_EUNSAFE);
	char *want = g_strdup_printf("%s: is a symbolic link; refusing to publish epoch 4 in its "
				     "place",
				     e4);
	g_assert_cmpstr(ckpt_error_last(), ==, want);
	tu_assert_link(root, "last", "epochs/003");
	char *work = g_build_filename(root, "work", NULL);
	g_assert_false(tu_exists(work));
	char *target4 = tu_readlink(e4);
	g_assert_cmpstr(target4, ==, outside);
	ckpt_writer_free(w);

	char *after = tu_snapshot_tree(outside);
	g_assert_cmpstr(after, ==, before);
	g_free(after), g_free(target4), g_free(work), g_free(want), g_free(e4), g_free(dirs);
	g_free(skipped), g_free(target), g_free(moved), g_free(e1), g_free(before);
	g_free(sentinel), g_free(outside), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- durability of a new root ----------------------------------------- */

static ckpt_writer *synced_writer(const char *root, model_io *io, const char *fsync_value)
{
	synced = g_ptr_array_new_with_free_func(g_free);
	return writer_with(root, io, "ckpt_fsync", fsync_value, NULL);
}

static void stop_recording(void)
{
	g_ptr_array_free(synced, TRUE);
	synced = NULL;
}

static void test_new_root_parents_synced(void)
{
	char *tmp = tu_tmpdir();
	char *a = g_build_filename(tmp, "a", NULL);
	char *ab = g_build_filename(tmp, "a", "b", NULL);
	char *root = g_build_filename(tmp, "a", "b", "ckpts", NULL);
	model_io io = {.tag = "n"};
	ckpt_writer *w = synced_writer(root, &io, "true");
	g_assert_true(was_synced(tmp));
	g_assert_true(was_synced(a));
	g_assert_true(was_synced(ab));
	ckpt_writer_free(w);
	stop_recording();

	/* An existing root: its parent is not synced again. */
	w = synced_writer(root, &io, "true");
	g_assert_false(was_synced(ab));
	ckpt_writer_free(w);
	stop_recording();

	/* ckpt_fsync=false: nothing is. */
	char *unsynced = g_build_filename(tmp, "u", "ckpts", NULL);
	w = synced_writer(unsynced, &io, "false");
	g_assert_false(was_synced(tmp));
	ckpt_writer_free(w);
	stop_recording();

	/* A parent reached through a symbolic link (scratch space) is followed. */
	char *real = g_build_filename(tmp, "real", NULL);
	char *link = g_build_filename(tmp, "link", NULL);
	char *linked_root = g_build_filename(tmp, "link", "ckpts", NULL);
	g_assert_cmpint(g_mkdir_with_parents(real, 0755), ==, 0);
	g_assert_cmpint(symlink(real, link), ==, 0);
	w = synced_writer(linked_root, &io, "true");
	g_assert_true(was_synced(real));
	ckpt_writer_free(w);
	stop_recording();

	g_free(linked_root), g_free(link), g_free(real), g_free(unsynced);
	g_free(root), g_free(ab), g_free(a);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- the lock --------------------------------------------------------- */

static void test_lock_errors_name_path_and_cause(void)
{
	char *tmp = tu_tmpdir();
	char *lock = g_build_filename(tmp, "ckpt.lock", NULL);
	g_assert_cmpint(mkdir(lock, 0755), ==, 0);
	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", tmp), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "5"), ==, 0);
	ckpt_writer *w = NULL;
	g_assert_cmpint(ckpt_writer_new(&w, params, 0), ==, CKPT_EIO);
	char *want = g_strdup_printf("%s: cannot open the writer lock: %s", lock, strerror(EISDIR));
	g_assert_cmpstr(ckpt_error_last(), ==, want);
	g_free(want);
	ckpt_params_free(params);

	/* Probing (the browser) a lock it cannot open. */
	g_assert_cmpint(rmdir(lock), ==, 0);
	g_assert_cmpint(symlink("elsewhere", lock), ==, 0);
	bool live = true;
	g_assert_cmpint(ckpt_lock_probe(&live, NULL, NULL, NULL, tmp), ==, CKPT_EIO);
	g_assert_false(live);
	want = g_strdup_printf("%s: cannot read the writer lock: %s", lock, strerror(ELOOP));
	g_assert_cmpstr(ckpt_error_last(), ==, want);
	g_free(want);
	g_free(lock);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* A writer that forked a worker and died: the worker keeps the lock (it is
 * the open file's), and the refusal says so instead of naming a dead pid. */
static void test_lock_held_by_child_of_dead_writer_explained(void)
{
	char *tmp = tu_tmpdir();
	int ready[2];
	g_assert_cmpint(pipe(ready), ==, 0);
	pid_t writer_pid = fork();
	g_assert_cmpint(writer_pid, >=, 0);
	if (writer_pid == 0) {
		ckpt_params *params = NULL;
		ckpt_writer *writer = NULL;
		if (ckpt_params_new(&params) || ckpt_params_set(params, "ckpt_directory", tmp) ||
		    ckpt_params_set(params, "epochs", "5") || ckpt_writer_new(&writer, params, 0))
			_exit(1);
		pid_t worker = fork();
		if (worker == 0) {
			pid_t self = getpid();
			close(ready[0]);
			if (write(ready[1], &self, sizeof self) != sizeof self)
				_exit(1);
			sleep(30); /* killed by the test */
			_exit(0);
		}
		_exit(worker > 0 ? 0 : 1);
	}
	close(ready[1]);
	pid_t worker = 0;
	g_assert_cmpint(read(ready[0], &worker, sizeof worker), ==, sizeof worker);
	close(ready[0]);
	int status = 0;
	g_assert_cmpint(waitpid(writer_pid, &status, 0), ==, writer_pid);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", tmp), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "5"), ==, 0);
	ckpt_writer *second = NULL;
	g_assert_cmpint(ckpt_writer_new(&second, params, 0), ==, CKPT_ELOCKED);
	char *pid_text = g_strdup_printf("pid %ld on", (long)writer_pid);
	g_assert_nonnull(strstr(ckpt_error_last(), pid_text));
	g_assert_nonnull(strstr(ckpt_error_last(), "has exited"));
	g_free(pid_text);
	kill(worker, SIGKILL);
	ckpt_params_free(params);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_second_writer_refused(void)
{
	char *tmp = tu_tmpdir();
	model_io io = {.tag = "l"};
	ckpt_writer *first = writer_with(tmp, &io, NULL);
	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", tmp), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "5"), ==, 0);
	ckpt_writer *second = NULL;
	g_assert_cmpint(ckpt_writer_new(&second, params, 0), ==, CKPT_ELOCKED);
	g_assert_null(second);
	char *want = g_strdup_printf("%s: a writer holds the lock (pid %ld on %s since ", tmp,
				     (long)getpid(), ckpt_hostname());
	g_assert_true(g_str_has_prefix(ckpt_error_last(), want));
	g_free(want);

	bool live = false;
	long pid = 0;
	char host[256], since[32];
	g_assert_cmpint(ckpt_lock_probe(&live, &pid, host, since, tmp), ==, 0);
	g_assert_true(live);
	g_assert_cmpint(pid, ==, getpid());
	g_assert_cmpstr(host, ==, ckpt_hostname());
	g_assert_true(
	    g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$", since, 0, 0));
	ckpt_writer_free(first);

	/* 0.2: the file goes with the lock: no longer live, and a new writer may start. */
	char *lock_path = g_build_filename(tmp, "ckpt.lock", NULL);
	g_assert_false(tu_exists(lock_path));
	g_free(lock_path);
	g_assert_cmpint(ckpt_lock_probe(&live, &pid, host, since, tmp), ==, 0);
	g_assert_false(live);
	g_assert_cmpint(ckpt_writer_new(&second, params, 0), ==, 0);
	ckpt_writer_free(second);
	ckpt_params_free(params);

	/* Probing never creates the lock file. */
	char *bare = g_build_filename(tmp, "bare", NULL);
	g_assert_cmpint(g_mkdir_with_parents(bare, 0755), ==, 0);
	g_assert_cmpint(ckpt_lock_probe(&live, &pid, host, since, bare), ==, 0);
	g_assert_false(live);
	char *lock = g_build_filename(bare, "ckpt.lock", NULL);
	g_assert_false(tu_exists(lock));
	g_free(lock);
	g_free(bare);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_lock_probe_tolerates_garbage(void)
{
	char *tmp = tu_tmpdir();
	ckpt_lock *lock;
	g_assert_cmpint(ckpt_lock_acquire(&lock, tmp), ==, 0);
	char *path = g_build_filename(tmp, "ckpt.lock", NULL);
	/* In place: g_file_set_contents would replace the locked inode. */
	FILE *fp = fopen(path, "w");
	g_assert_nonnull(fp);
	fputs("\x01garbage{", fp);
	fclose(fp);
	bool live = false;
	long pid = 7;
	char host[256], since[32];
	g_assert_cmpint(ckpt_lock_probe(&live, &pid, host, since, tmp), ==, 0);
	g_assert_true(live);
	g_assert_cmpint(pid, ==, 0);
	g_assert_cmpstr(host, ==, "?");
	ckpt_lock_release(lock);
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- failures --------------------------------------------------------- */

static void test_model_writer_failure_publishes_nothing(void)
{
	char *tmp = tu_tmpdir();
	model_io io = {.tag = "f", .fail_at = 1};
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	ckpt_epoch_result out = {.size = sizeof out};
	g_assert_cmpint(ckpt_writer_epoch(&out, w, 0, '-', 0.5, NULL, 0), ==, CKPT_ECALLBACK);
	char *message = g_strdup_printf("%s/work/model.h5: model writer failed for epoch 1", tmp);
	g_assert_cmpstr(ckpt_error_last(), ==, message);
	g_free(message);
	char *dirs = epoch_dirs(tmp);
	g_assert_cmpstr(dirs, ==, "");
	g_free(dirs);
	char *work = g_build_filename(tmp, "work", NULL);
	char *last = g_build_filename(tmp, "last", NULL);
	g_assert_false(tu_exists(work));
	g_assert_false(tu_exists(last));
	/* The failed epoch did not become the best: 0.6 still improves. */
	g_assert_true(epoch(w, 2, '-', 0.6).became_best);
	tu_assert_link(tmp, "last", "epochs/002");

	io.write_nothing = true;
	g_assert_cmpint(ckpt_writer_epoch(&out, w, 2, '-', 0.1, NULL, 0), ==, CKPT_ECALLBACK);
	g_assert_false(tu_exists(work));
	tu_assert_link(tmp, "last", "epochs/002");

	ckpt_writer_set_model_io(w, NULL, NULL, NULL);
	g_assert_cmpint(ckpt_writer_epoch(&out, w, 3, '-', 0.05, NULL, 0), ==, CKPT_EINVAL);
	g_assert_nonnull(strstr(ckpt_error_last(), "model writer"));
	ckpt_writer_free(w);
	g_free(work);
	g_free(last);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* The writer keeps ckpt.log and metrics.jsonl open for its life: a hard
 * link made to either meanwhile (to a file outside the run), or a symbolic
 * link put in its place, is refused at the next append as at the first,
 * and nothing is written through it. */
static void check_kept_file_guarded(const char *name)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "ckpts", NULL);
	model_io io = {.tag = "k"};
	ckpt_writer *w = writer_with(root, &io, NULL);
	ckpt_epoch_result out = {.size = sizeof out};
	g_assert_cmpint(ckpt_writer_epoch(&out, w, 0, '-', 0.5, NULL, 0), ==, 0);
	char *file = g_build_filename(root, name, NULL);
	char *outside = g_build_filename(tmp, "precious", NULL);
	g_assert_cmpint(link(file, outside), ==, 0);
	char *before = tu_read(outside, NULL);
	g_assert_cmpint(ckpt_writer_epoch(&out, w, 1, '-', 0.4, NULL, 0), ==, CKPT_EUNSAFE);
	g_assert_nonnull(strstr(ckpt_error_last(), "another name"));
	char *after = tu_read(outside, NULL);
	g_assert_cmpstr(after, ==, before);
	/* Its other name gone, and a symbolic link put in its place. */
	g_assert_cmpint(unlink(file), ==, 0);
	g_assert_cmpint(symlink(outside, file), ==, 0);
	g_assert_cmpint(ckpt_writer_epoch(&out, w, 2, '-', 0.3, NULL, 0), ==, CKPT_EUNSAFE);
	g_assert_nonnull(strstr(ckpt_error_last(), "symbolic link"));
	char *later = tu_read(outside, NULL);
	g_assert_cmpstr(later, ==, before);
	ckpt_writer_free(w);
	g_free(before), g_free(after), g_free(later), g_free(outside), g_free(file), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_kept_log_guarded(void)
{
	check_kept_file_guarded("ckpt.log");
}

static void test_kept_history_guarded(void)
{
	check_kept_file_guarded("metrics.jsonl");
}

static void test_bad_arguments_refused(void)
{
	char *tmp = tu_tmpdir();
	model_io io = {.tag = "x"};
	ckpt_writer *w = writer_with(tmp, &io, NULL);
	ckpt_epoch_result out = {.size = sizeof out};
	g_assert_cmpint(ckpt_writer_epoch(&out, w, 0, 'x', 0.5, NULL, 0), ==, CKPT_EINVAL);
	g_assert_nonnull(strstr(ckpt_error_last(), "direction"));
	g_assert_cmpint(ckpt_writer_epoch(&out, w, -1, '-', 0.5, NULL, 0), ==, CKPT_EINVAL);
	g_assert_cmpint(ckpt_writer_epoch(&out, w, 0, '-', 0.5, NULL, 2), ==, CKPT_EINVAL);
	g_assert_cmpint(io.writes, ==, 0);
	ckpt_writer_free(w);
	tu_rmtree(tmp);
	g_free(tmp);
}

typedef struct read_only_case {
	const char *root;  /* ours (the child's) to write, until it is made 0555 */
	const char *fresh; /* a 0555 folder that is not ours */
} read_only_case;

/* In a child that permissions bind (see tu_run_unprivileged): a save into a
 * root made read-only after epoch 1, then a writer on a folder never ours. */
static int read_only_as_child(int *results, size_t n, void *payload)
{
	const read_only_case *c = payload;
	if (n < 6)
		return 0;
	model_io io = {.tag = "ro"};
	ckpt_writer *w = writer_with(c->root, &io, NULL);
	epoch(w, 1, '-', 1.0);
	if (chmod(c->root, 0555) != 0)
		return -1;
	ckpt_epoch_result out = {.size = sizeof out};
	results[0] = ckpt_writer_epoch(&out, w, 1, '-', 0.5, NULL, 0);
	const char *error = ckpt_error_last();
	results[1] = strstr(error, c->root) != NULL;
	results[2] = strstr(error, strerror(EACCES)) != NULL;
	if (!results[1] || !results[2])
		fprintf(stderr, "save into a read-only root: %s\n", error);
	char *last = g_build_filename(c->root, "last", NULL);
	char *target = tu_readlink(last);
	results[3] = g_strcmp0(target, "epochs/001") == 0;
	g_free(target), g_free(last);
	ckpt_writer_free(w);

	ckpt_params *params;
	if (ckpt_params_new(&params) != 0)
		return -1;
	ckpt_params_set(params, "ckpt_directory", c->fresh);
	ckpt_params_set(params, "epochs", "5");
	results[4] = ckpt_writer_new(&w, params, 0);
	char *want = g_strdup_printf("%s/ckpt.lock: cannot open the writer lock: %s", c->fresh,
				     strerror(EACCES));
	results[5] = strcmp(ckpt_error_last(), want) == 0;
	if (!results[5])
		fprintf(stderr, "writer on a read-only folder: %s\n", ckpt_error_last());
	g_free(want);
	ckpt_params_free(params);
	return 6;
}

static void test_read_only_root(void)
{
	char *tmp = tu_tmpdir();
	/* The child must reach both folders through tmp (0700 from g_dir_make_tmp). */
	g_assert_cmpint(chmod(tmp, 0755), ==, 0);
	char *root = g_build_filename(tmp, "ckpts", NULL);
	g_assert_cmpint(mkdir(root, 0755), ==, 0);
	tu_give_to_unprivileged(root);
	char *fresh = g_build_filename(tmp, "fresh", NULL);
	g_assert_cmpint(mkdir(fresh, 0555), ==, 0);
	read_only_case c = {root, fresh};
	int results[6];
	g_assert_cmpuint(tu_run_unprivileged(read_only_as_child, &c, results, 6), ==, 6);
	g_assert_cmpint(results[0], ==, CKPT_EIO);
	g_assert_true(results[1]); /* the error names the root */
	g_assert_true(results[2]); /* and the cause */
	g_assert_true(results[3]); /* last still points at epoch 1 */
	g_assert_cmpint(results[4], ==, CKPT_EIO);
	g_assert_true(results[5]);
	g_free(fresh);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/writer/unsafe/symlinked-epochs-refused-outside-untouched",
			test_symlinked_epochs_refused);
	g_test_add_func("/ckpt/writer/unsafe/symlinked-epoch-dir-neither-replaced-nor-deleted",
			test_symlinked_epoch_dir_neither_replaced_nor_deleted);
	g_test_add_func("/ckpt/writer/durability/new-root-parents-synced",
			test_new_root_parents_synced);
	g_test_add_func("/ckpt/writer/lock/errors-name-lock-path-and-cause",
			test_lock_errors_name_path_and_cause);
	g_test_add_func("/ckpt/writer/lock/held-by-child-of-dead-writer-explained",
			test_lock_held_by_child_of_dead_writer_explained);
	g_test_add_func("/ckpt/writer/lock/second-writer-refused-naming-pid",
			test_second_writer_refused);
	g_test_add_func("/ckpt/writer/lock/probe-tolerates-garbage",
			test_lock_probe_tolerates_garbage);
	g_test_add_func("/ckpt/writer/fail/model-writer-failure-publishes-nothing",
			test_model_writer_failure_publishes_nothing);
	g_test_add_func("/ckpt/writer/unsafe/kept-log-linked-meanwhile-refused",
			test_kept_log_guarded);
	g_test_add_func("/ckpt/writer/unsafe/kept-history-linked-meanwhile-refused",
			test_kept_history_guarded);
	g_test_add_func("/ckpt/writer/fail/bad-arguments-refused", test_bad_arguments_refused);
	g_test_add_func("/ckpt/writer/fail/read-only-root-clear-error", test_read_only_root);
	return g_test_run();
}
