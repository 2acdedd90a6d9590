/* test-full-disk.c: real I/O errors, not injected ones. A writer saves into
 * a small tmpfs until the disk is full (of bytes, then of inodes), and under
 * an RLIMIT_FSIZE that cuts writes short with EFBIG: each failing save must
 * fail and say why, leave the run sound (the crash suite's invariants), keep
 * ckpt.log and metrics.jsonl in whole lines, and a writer must resume once
 * there is room again.
 *
 * The tmpfs is mounted in a forked child's own mount namespace
 * (tu_private_mount_namespace: as root, or in a user namespace), so it never
 * shows on the machine; where the kernel allows neither, the test fails and
 * says so. RLIMIT_FSIZE needs no privilege. */
#include "crash-common.h"
#include "testutil.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a child that reports problems as text ------------------------------ */

typedef struct full_case {
	char *tmp;       /* the test's temporary folder */
	char *case_dir;  /* tmp/case: C of crash-common.h */
	char *root;      /* C/run/ckpts */
	size_t model_bytes; /* the trainer's model */
	long min_saved;     /* epochs that must fit before the disk is full */
} full_case;

/* Runs fn in a child; returns what it reports ("" when all is well). */
static char *in_child(void (*fn)(GString *problems, const full_case *c), const full_case *c)
{
	int fds[2];
	g_assert_cmpint(pipe(fds), ==, 0);
	pid_t pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		close(fds[0]);
		GString *problems = g_string_new(NULL);
		fn(problems, c);
		ssize_t n = write(fds[1], problems->str, problems->len);
		_exit(n == (ssize_t)problems->len ? 0 : 3);
	}
	close(fds[1]);
	GString *text = g_string_new(NULL);
	char chunk[4096];
	ssize_t n;
	while ((n = read(fds[0], chunk, sizeof chunk)) > 0)
		g_string_append_len(text, chunk, n);
	close(fds[0]);
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		g_string_append_printf(text, "%sthe child ended with status %d", text->len ? "; " : "",
				       status);
	return g_string_free(text, FALSE);
}

static void case_init(full_case *c, size_t model_bytes, long min_saved)
{
	c->tmp = tu_tmpdir();
	c->case_dir = g_build_filename(c->tmp, "case", NULL);
	c->root = g_build_filename(c->case_dir, CR_ROOT, NULL);
	c->model_bytes = model_bytes;
	c->min_saved = min_saved;
	char *run = g_build_filename(c->case_dir, "run", NULL);
	g_assert_cmpint(g_mkdir_with_parents(run, 0755), ==, 0);
	g_free(run);
}

static void case_free(full_case *c)
{
	tu_rmtree(c->tmp);
	g_free(c->tmp), g_free(c->case_dir), g_free(c->root);
}

/* ---- the trainer ------------------------------------------------------- */

static int big_model_write(const char *path, void *payload)
{
	const full_case *c = payload;
	char *data = g_malloc(c->model_bytes);
	memset(data, 'm', c->model_bytes);
	int rc = ckpt_fs_write_file(path, data, c->model_bytes, false);
	g_free(data);
	return rc == 0 ? 0 : 1;
}

static int open_writer(ckpt_writer **out, ckpt_params **params, const full_case *c)
{
	*params = cr_params(c->root, "all", 1, true, true);
	int rc = *params ? ckpt_writer_new(out, *params, 0) : CKPT_ENOMEM;
	if (!rc)
		ckpt_writer_set_model_io(*out, big_model_write, NULL, (void *)c);
	return rc;
}

/* A file ends with a newline (or is empty): no torn line. */
static void check_whole_lines(GString *problems, const char *root, const char *name)
{
	char *path = g_build_filename(root, name, NULL);
	gchar *text = NULL;
	gsize len = 0;
	if (g_file_get_contents(path, &text, &len, NULL) && len > 0 && text[len - 1] != '\n')
		cr_problem(problems, "%s ends in the middle of a line", name);
	g_free(text);
	g_free(path);
}

static bool says_why(const char *message)
{
	return strstr(message, "no space left") || strstr(message, "File too large") ||
	       strstr(message, "ENOSPC");
}

/* Saves epochs until one fails; checks the failure and the run after it,
 * then lets `make_room` free space and checks that a writer resumes. */
static void fill_then_resume(GString *problems, const full_case *c,
			     void (*make_room)(const full_case *c))
{
	char *epochs = g_build_filename(c->root, CKPT_EPOCHS_NAME, NULL);
	if (g_mkdir_with_parents(epochs, 0755) != 0 || cr_add_sentinels(c->case_dir) != 0)
		cr_problem(problems, "cannot add the sentinels: %s", strerror(errno));
	g_free(epochs);
	cr_before before;
	cr_snapshot(&before, c->case_dir);
	ckpt_params *params = NULL;
	ckpt_writer *writer = NULL;
	int rc = open_writer(&writer, &params, c);
	if (rc) {
		cr_problem(problems, "the first writer: %s", ckpt_error_last());
		ckpt_params_free(params);
		cr_before_clear(&before);
		return;
	}
	long saved = 0;
	for (long e = 0; e < 10000; e++) {
		ckpt_epoch_result result = {.size = sizeof result};
		rc = ckpt_writer_epoch(&result, writer, e, '-', 1.0 / (double)(e + 1), NULL, 0);
		if (rc)
			break;
		saved = e + 1;
	}
	char message[1024];
	snprintf(message, sizeof message, "%s", ckpt_error_last());
	if (rc == 0)
		cr_problem(problems, "10000 epochs fitted: the disk never filled");
	else if (!says_why(message))
		cr_problem(problems, "the failing save does not say the disk is full: %s", message);
	if (saved < c->min_saved)
		cr_problem(problems, "only %ld epochs fitted before the disk was full", saved);
	g_test_message("%ld epochs saved before: %s", saved, message);
	cr_rules rules = {.lock = CR_LOCK_HELD};
	cr_check(problems, c->case_dir, &before, &rules);
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	check_whole_lines(problems, c->root, CKPT_LOG_NAME);
	check_whole_lines(problems, c->root, CKPT_HISTORY_NAME);

	make_room(c);
	long last = 0;
	ckpt_link_resolve(c->root, CKPT_LAST_NAME, &last);
	ckpt_restart *restart = NULL;
	rc = open_writer(&writer, &params, c);
	if (!rc)
		rc = ckpt_writer_restart(&restart, writer);
	if (!rc && ckpt_restart_epoch(restart) != last)
		cr_problem(problems, "the next writer restarted from %lld, not last's %ld",
			   (long long)ckpt_restart_epoch(restart), last);
	ckpt_epoch_result result = {.size = sizeof result};
	if (!rc)
		rc = ckpt_writer_epoch(&result, writer, last, '-', 0.001, NULL, 0);
	if (rc)
		cr_problem(problems, "with room again, the writer still fails: %s",
			   ckpt_error_last());
	ckpt_restart_free(restart);
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	cr_rules after = {.after_save = true, .expect_last = last + 1, .lock = CR_LOCK_RELEASED};
	cr_check(problems, c->case_dir, &before, &after);
	cr_before_clear(&before);
}

/* ---- a small tmpfs ------------------------------------------------------ */

static void remove_old_epochs(const full_case *c)
{
	/* As a user would: clean keeps best and last. */
	ckpt_run *run = NULL;
	ckpt_clean_plan *plan = NULL;
	if (ckpt_run_open(&run, c->root) == 0 &&
	    ckpt_clean_plan_new(&plan, run, 1, CKPT_KEEP_LINEAR) == 0)
		ckpt_clean_apply(plan, NULL);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
}

static void on_tmpfs(GString *problems, const full_case *c, const char *options)
{
	const char *step = NULL;
	int err = tu_private_mount_namespace(&step);
	char *run = g_build_filename(c->case_dir, "run", NULL);
	if (!err && mount("ckpt-full", run, "tmpfs", 0, options) != 0)
		err = errno, step = "mount -t tmpfs";
	g_free(run);
	if (err) {
		cr_problem(problems,
			   "cannot mount a tmpfs in a private mount namespace (%s: %s): this test "
			   "needs root or user namespaces",
			   step, strerror(err));
		return;
	}
	fill_then_resume(problems, c, remove_old_epochs);
}

static void fill_bytes(GString *problems, const full_case *c)
{
	on_tmpfs(problems, c, "size=1m");
}

static void fill_inodes(GString *problems, const full_case *c)
{
	/* Tiny models, few inodes: mkdir, create and symlink meet ENOSPC. */
	on_tmpfs(problems, c, "size=8m,nr_inodes=48");
}

static void test_tmpfs_full_of_bytes(void)
{
	full_case c;
	case_init(&c, 96 * 1024, 2);
	char *problems = in_child(fill_bytes, &c);
	if (problems[0])
		g_test_message("%s", problems);
	g_assert_cmpstr(problems, ==, "");
	g_free(problems);
	case_free(&c);
}

static void test_tmpfs_full_of_inodes(void)
{
	full_case c;
	case_init(&c, 1024, 2);
	char *problems = in_child(fill_inodes, &c);
	if (problems[0])
		g_test_message("%s", problems);
	g_assert_cmpstr(problems, ==, "");
	g_free(problems);
	case_free(&c);
}

/* ---- RLIMIT_FSIZE: writes cut short, then EFBIG ------------------------ */

static rlim_t fsize_limit;

static void lift_limit(const full_case *c)
{
	(void)c;
	struct rlimit lim = {RLIM_INFINITY, RLIM_INFINITY};
	setrlimit(RLIMIT_FSIZE, &lim);
}

static void under_fsize_limit(GString *problems, const full_case *c)
{
	signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of a signal */
	struct rlimit lim = {fsize_limit, RLIM_INFINITY};
	if (setrlimit(RLIMIT_FSIZE, &lim) != 0) {
		cr_problem(problems, "setrlimit(RLIMIT_FSIZE): %s", strerror(errno));
		return;
	}
	fill_then_resume(problems, c, lift_limit);
}

/* The log grows past the limit first: its append is cut short, then fails. */
static void test_fsize_limit_cuts_the_log(void)
{
	full_case c;
	case_init(&c, 1024, 2);
	fsize_limit = 24 * 1024;
	char *problems = in_child(under_fsize_limit, &c);
	if (problems[0])
		g_test_message("%s", problems);
	g_assert_cmpstr(problems, ==, "");
	g_free(problems);
	case_free(&c);
}

/* A model larger than the limit: the trainer's write is cut short. */
static void test_fsize_limit_cuts_the_model(void)
{
	full_case c;
	case_init(&c, 64 * 1024 + 100, 0);
	fsize_limit = 64 * 1024;
	char *problems = in_child(under_fsize_limit, &c);
	if (problems[0])
		g_test_message("%s", problems);
	g_assert_cmpstr(problems, ==, "");
	g_free(problems);
	case_free(&c);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/full-disk/tmpfs/out-of-bytes-fails-cleanly-then-resumes",
			test_tmpfs_full_of_bytes);
	g_test_add_func("/ckpt/full-disk/tmpfs/out-of-inodes-fails-cleanly-then-resumes",
			test_tmpfs_full_of_inodes);
	g_test_add_func("/ckpt/full-disk/fsize/log-append-cut-short-is-taken-back",
			test_fsize_limit_cuts_the_log);
	g_test_add_func("/ckpt/full-disk/fsize/model-cut-short-fails-the-save",
			test_fsize_limit_cuts_the_model);
	return g_test_run();
}
