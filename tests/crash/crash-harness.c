/* crash-harness.c: issue 3's crash and I/O-error loop. For each operation it
 * counts the file-system steps, then for every step N and every mode runs the
 * operation in a child that the failpoint crashes (with or without a power
 * cut) or fails at N, checks the invariants on what is left, restarts a
 * writer on it, and checks them again.
 *
 * Usage: crash-harness [--op NAME] [--step N] [--mode MODE] [--keep] [--verbose]
 *                      [--no-restart]  (to look at a crash state as it was left)
 * Trees live under $CKPT_CRASH_DIR, else /dev/shm, else $TMPDIR. */
#include "crash-ops.h"
#include "failpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
	const char *name;
	ckpt_failpoint_mode mode;
	unsigned flags;
} modes[] = {
    {"crash-before", CKPT_FAILPOINT_CRASH_BEFORE, 0},
    {"crash-after", CKPT_FAILPOINT_CRASH_AFTER, 0},
    {"power-before", CKPT_FAILPOINT_CRASH_BEFORE, CKPT_FAILPOINT_POWER_LOSS},
    {"power-after", CKPT_FAILPOINT_CRASH_AFTER, CKPT_FAILPOINT_POWER_LOSS},
    {"eio", CKPT_FAILPOINT_FAIL_EIO, 0},
    {"enospc", CKPT_FAILPOINT_FAIL_ENOSPC, 0},
    {"eacces", CKPT_FAILPOINT_FAIL_EACCES, 0},
};

/* ---- children ---------------------------------------------------------- */

/* LeakSanitizer's, in sanitizer builds: error paths must free what they took. */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

typedef struct child_result {
	int status;       /* of waitpid */
	int rc;           /* the public call's code, as reported */
	int leaked;       /* LeakSanitizer found leaks after the call */
	long epoch;       /* restart check: the epoch restarted from */
	char *message;    /* ckpt_error_last() or a harness problem; g_free */
	GPtrArray *steps; /* count run: the step names */
} child_result;

static void send_text(int fd, const char *text)
{
	size_t len = strlen(text);
	while (len > 0) {
		ssize_t n = write(fd, text, len);
		if (n <= 0 && errno != EINTR)
			return;
		if (n > 0)
			text += n, len -= (size_t)n;
	}
}

/* "rc epoch leaked\nmessage\n" then, in count mode, one step name per line. */
static void report_and_exit(int fd, int rc, long epoch, const char *message, bool with_steps)
{
	int leaked = __lsan_do_recoverable_leak_check ? __lsan_do_recoverable_leak_check() : 0;
	char *head = g_strdup_printf("%d %ld %d\n%s\n", rc, epoch, leaked, message);
	send_text(fd, head);
	g_free(head);
	for (long i = 1; with_steps && i <= ckpt_failpoint_steps(); i++) {
		const char *name = ckpt_failpoint_step_name(i);
		send_text(fd, name ? name : "?");
		send_text(fd, "\n");
	}
	_exit(rc == 0 ? 0 : 100 - rc);
}

static void read_result(child_result *out, int fd)
{
	GString *text = g_string_new(NULL);
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		g_string_append_len(text, chunk, n);
	}
	char **lines = g_strsplit(text->str, "\n", -1);
	out->rc = 0;
	if (lines[0] && sscanf(lines[0], "%d %ld %d", &out->rc, &out->epoch, &out->leaked) != 3)
		out->rc = 0;
	out->message = g_strdup(lines[0] && lines[1] ? lines[1] : "");
	out->steps = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 2; lines[0] && lines[1] && lines[i] && lines[i][0]; i++)
		g_ptr_array_add(out->steps, g_strdup(lines[i]));
	g_strfreev(lines);
	g_string_free(text, TRUE);
}

static void child_result_clear(child_result *r)
{
	g_free(r->message);
	if (r->steps)
		g_ptr_array_free(r->steps, TRUE);
	memset(r, 0, sizeof *r);
}

/* Runs op in a child armed with mode at step; for count mode step is 0. */
static void run_op_child(child_result *out, const cr_op *op, const char *case_dir,
			 const char *stash, ckpt_failpoint_mode mode, long step, unsigned flags)
{
	memset(out, 0, sizeof *out);
	int fds[2];
	if (pipe(fds) != 0)
		abort();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (ckpt_failpoint_arm(mode, step, flags | op->flags, stash) != 0)
			_exit(3);
		int rc = op->run(case_dir);
		report_and_exit(fds[1], rc, 0, rc ? ckpt_error_last() : "",
				mode == CKPT_FAILPOINT_COUNT);
	}
	close(fds[1]);
	read_result(out, fds[0]);
	close(fds[0]);
	waitpid(pid, &out->status, 0);
}

/* The normal restart after a failure: new writer, restart, one epoch. */
static void run_restart_child(child_result *out, const cr_op *op, const char *case_dir)
{
	memset(out, 0, sizeof *out);
	int fds[2];
	if (pipe(fds) != 0)
		abort();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		char *root = g_build_filename(case_dir, CR_ROOT, NULL);
		ckpt_params *params = cr_params(root, op->keep_mode, op->keep_limit, true);
		cr_model model = {0};
		ckpt_writer *writer = NULL;
		ckpt_restart *restart = NULL;
		static const double value[] = {0.5};
		int rc = params ? cr_writer(&writer, params, &model) : CKPT_ENOMEM;
		if (!rc)
			rc = ckpt_writer_restart(&restart, writer);
		long epoch = (long)ckpt_restart_epoch(restart);
		if (!rc)
			rc = cr_epochs(writer, epoch, value, 1);
		char message[1024];
		snprintf(message, sizeof message, "%s", rc ? ckpt_error_last() : "");
		ckpt_restart_free(restart);
		ckpt_writer_free(writer);
		ckpt_params_free(params);
		g_free(root);
		report_and_exit(fds[1], rc, epoch, message, false);
	}
	close(fds[1]);
	read_result(out, fds[0]);
	close(fds[0]);
	waitpid(pid, &out->status, 0);
}

/* ---- one crash state ----------------------------------------------------- */

typedef struct op_run {
	const cr_op *op;
	char *template_dir, *case_dir, *stash;
	char *clean_dir; /* a copy of a state, for the clean check */
	cr_before before;
	GArray *deletable;
	GPtrArray *steps;
	GPtrArray *groups; /* failure_group */
	int states, failed;
	int known;            /* states inside the documented no-exchange window */
	bool complete_failed; /* the uninterrupted run */
	bool no_restart;
} op_run;

static bool fresh_case(const op_run *o)
{
	return cr_remove_tree(o->case_dir) == 0 && cr_remove_tree(o->stash) == 0 &&
	       mkdir(o->stash, 0700) == 0 && cr_copy_tree(o->template_dir, o->case_dir) == 0;
}

/* What the child's end says against what its mode demands. */
static void judge_child(GString *problems, const child_result *r, ckpt_failpoint_mode mode)
{
	bool crash_mode = mode == CKPT_FAILPOINT_CRASH_BEFORE || mode == CKPT_FAILPOINT_CRASH_AFTER;
	if (WIFSIGNALED(r->status)) {
		cr_problem(problems, "the operation died of signal %d", WTERMSIG(r->status));
		return;
	}
	int code = WEXITSTATUS(r->status);
	if (r->leaked)
		cr_problem(problems,
			   "memory leaked after the call (LeakSanitizer's report on stderr)");
	if (crash_mode && code == CKPT_FAILPOINT_EXIT)
		return;
	if (crash_mode && code == CKPT_FAILPOINT_EXIT_UNDO)
		cr_problem(problems, "the power-loss undo was incomplete");
	else if (crash_mode && code == 0)
		cr_problem(problems, "the operation ended before the step");
	else if (crash_mode)
		cr_problem(problems, "the operation failed before the step: %s", r->message);
	else if (code == 0)
		cr_problem(problems, "the injected error was lost: the call returned 0");
	else if (code < 100)
		cr_problem(problems, "the child failed to start (%d)", code);
}

/* A clean must also remove what a crash left in the staging area: on a
 * copy of the state (the restart check gets the original). */
static void check_clean_removes_leftovers(GString *problems, const op_run *o)
{
	char *left = cr_leftovers(o->case_dir);
	if (!left[0] || cr_remove_tree(o->clean_dir) != 0 ||
	    cr_copy_tree(o->case_dir, o->clean_dir) != 0) {
		g_free(left);
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char *root = g_build_filename(o->clean_dir, CR_ROOT, NULL);
		ckpt_run *run = NULL;
		ckpt_clean_plan *plan = NULL;
		int rc = ckpt_run_open(&run, root);
		if (!rc)
			rc = ckpt_clean_plan_new(&plan, run, 1000, CKPT_KEEP_LINEAR);
		if (!rc)
			rc = ckpt_clean_apply(plan, NULL);
		_exit(rc == 0 ? 0 : 100 - rc);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	char *still = cr_leftovers(o->clean_dir);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		cr_problem(problems, "clean of the crash state failed (status %d)", status);
	else if (still[0])
		cr_problem(problems, "clean left %s in place", still);
	g_free(still);
	g_free(left);
}

/* The restart check after a state, and the invariants after it. */
static void check_restart(GString *problems, const op_run *o)
{
	char *root = g_build_filename(o->case_dir, CR_ROOT, NULL);
	long last = 0;
	ckpt_link_state state = ckpt_link_resolve(root, "last", &last);
	g_free(root);
	long expected = state == CKPT_LINK_OK || state == CKPT_LINK_RELOCATED ? last : 0;
	child_result r;
	run_restart_child(&r, o->op, o->case_dir);
	if (r.leaked)
		cr_problem(problems, "restart leaked memory (LeakSanitizer's report on stderr)");
	if (WIFSIGNALED(r.status))
		cr_problem(problems, "restart died of signal %d", WTERMSIG(r.status));
	else if (r.rc != 0)
		cr_problem(problems, "restart failed: %s", r.message);
	else if (r.epoch != expected)
		cr_problem(problems, "restart loaded epoch %ld, not last's %ld", r.epoch, expected);
	else {
		cr_rules rules = {.rollback_to = o->op->rollback_to,
				  .deletable = o->deletable,
				  .after_save = true,
				  .expect_last = expected + 1,
				  .lock = CR_LOCK_RELEASED};
		GString *after = g_string_new(NULL);
		if (cr_check(after, o->case_dir, &o->before, &rules))
			cr_problem(problems, "after restart: %s", after->str);
		g_string_free(after, TRUE);
	}
	child_result_clear(&r);
}

/* Without RENAME_EXCHANGE (NFS, for one) a directory cannot replace a
 * non-empty one atomically: between "rename epochs/NNN -> work.old" and
 * "rename work -> epochs/NNN" the epoch is absent. That window is known and
 * documented; the next writer or clean puts work.old back. States inside it
 * are counted apart, and only when everything after the repair holds. */
static bool in_no_exchange_window(const op_run *o, long step, size_t m)
{
	if (!(o->op->flags & CKPT_FAILPOINT_NO_EXCHANGE))
		return false;
	const char *name = o->steps->pdata[step - 1];
	bool after = modes[m].mode == CKPT_FAILPOINT_CRASH_AFTER;
	bool before = modes[m].mode == CKPT_FAILPOINT_CRASH_BEFORE;
	bool aside = g_str_has_prefix(name, "rename ") && g_str_has_suffix(name, "/work.old");
	bool back = g_str_has_prefix(name, "rename ") && strstr(name, "/work -> ") &&
		    strstr(name, "/epochs/");
	return (aside && after) || (back && before);
}

/* Runs one state; returns its problems ("" when none; caller frees), and
 * sets *known for a state of the no-exchange window that was repaired. */
static char *run_state(op_run *o, long step, size_t m, bool *known)
{
	*known = false;
	GString *problems = g_string_new(NULL);
	if (!fresh_case(o)) {
		g_string_append(problems, "cannot copy the tree");
		return g_string_free(problems, FALSE);
	}
	child_result r;
	run_op_child(&r, o->op, o->case_dir, o->stash, modes[m].mode, step, modes[m].flags);
	judge_child(problems, &r, modes[m].mode);
	child_result_clear(&r);
	/* An injected error returns, releasing the lock; a crash may leave its file. */
	bool crash_mode = modes[m].mode == CKPT_FAILPOINT_CRASH_BEFORE ||
			  modes[m].mode == CKPT_FAILPOINT_CRASH_AFTER;
	cr_rules rules = {.rollback_to = o->op->rollback_to,
			  .deletable = o->deletable,
			  .lock = crash_mode ? CR_LOCK_ANY : CR_LOCK_RELEASED};
	GString *at_crash = g_string_new(NULL);
	cr_check(at_crash, o->case_dir, &o->before, &rules);
	if (!o->no_restart) {
		check_clean_removes_leftovers(problems, o);
		check_restart(problems, o);
	}
	if (at_crash->len && !problems->len && !o->no_restart && in_no_exchange_window(o, step, m))
		*known = true;
	else
		g_string_append(problems, at_crash->str);
	g_string_free(at_crash, TRUE);
	return g_string_free(problems, FALSE);
}

/* ---- one operation ------------------------------------------------------- */

static char *short_path(const op_run *o, const char *text)
{
	char *root = g_build_filename(o->case_dir, CR_ROOT, NULL);
	char **parts = g_strsplit(text ? text : "?", root, -1);
	char *joined = g_strjoinv("R", parts);
	g_strfreev(parts);
	g_free(root);
	return joined;
}

static bool prepare_op(op_run *o, const char *base)
{
	char *dir = g_build_filename(base, o->op->name, NULL);
	o->template_dir = g_build_filename(dir, "template", NULL);
	o->case_dir = g_build_filename(dir, "case", NULL);
	o->stash = g_build_filename(dir, "stash", NULL);
	o->clean_dir = g_build_filename(dir, "clean", NULL);
	bool ok = g_mkdir_with_parents(o->case_dir, 0755) == 0;
	char *run_dir = g_build_filename(o->case_dir, "run", NULL);
	ok = ok && mkdir(run_dir, 0755) == 0;
	int rc = ok ? o->op->setup(o->case_dir) : CKPT_EIO;
	if (rc)
		printf("%s: setting up the tree failed: %s\n", o->op->name, ckpt_error_last());
	/* Built in place, so that every copy has the path the writer logged. */
	ok = rc == 0 && rename(o->case_dir, o->template_dir) == 0 && fresh_case(o);
	if (ok)
		cr_snapshot(&o->before, o->case_dir);
	o->deletable = o->op->cleans ? cr_clean_deletes(o->case_dir) : NULL;
	g_free(run_dir);
	g_free(dir);
	return ok;
}

static void op_run_clear(op_run *o)
{
	g_free(o->template_dir);
	g_free(o->case_dir);
	g_free(o->stash);
	g_free(o->clean_dir);
	cr_before_clear(&o->before);
	if (o->deletable)
		g_array_free(o->deletable, TRUE);
	if (o->steps)
		g_ptr_array_free(o->steps, TRUE);
	if (o->groups)
		g_ptr_array_free(o->groups, TRUE);
}

/* Failures are grouped by what broke (pids in temporary names masked),
 * with the states where it broke: one bug shows up at many steps. */
typedef struct failure_group {
	char *problems;
	GString *where;
	int count;
} failure_group;

static char *mask_pids(const char *text)
{
	GString *out = g_string_new(NULL);
	for (const char *p = text; *p; p++) {
		g_string_append_c(out, *p);
		if (g_str_has_prefix(p, "tmp-") && g_ascii_isdigit(p[4])) {
			g_string_append(out, "mp-PID");
			p += 4;
			while (g_ascii_isdigit(p[1]))
				p++;
		}
	}
	return g_string_free(out, FALSE);
}

static void report_failure(op_run *o, long step, const char *mode, const char *problems)
{
	char *masked = mask_pids(problems);
	char *key = short_path(o, masked);
	g_free(masked);
	failure_group *group = NULL;
	for (guint i = 0; i < o->groups->len && !group; i++)
		if (!strcmp(((failure_group *)o->groups->pdata[i])->problems, key))
			group = o->groups->pdata[i];
	if (!group) {
		group = g_new0(failure_group, 1);
		group->problems = key;
		group->where = g_string_new(NULL);
		g_ptr_array_add(o->groups, group);
	} else {
		g_free(key);
	}
	if (group->count++ < 8) {
		const char *name =
		    step > 0 && (guint)step <= o->steps->len ? o->steps->pdata[step - 1] : "";
		char *masked_name = mask_pids(name);
		char *where = short_path(o, masked_name);
		if (step == 0)
			g_string_append_printf(group->where, "\n      %s", mode);
		else
			g_string_append_printf(group->where, "\n      step %ld %s [%s]", step, mode,
					       where);
		g_free(where);
		g_free(masked_name);
	}
}

static void print_failures(const op_run *o)
{
	for (guint i = 0; i < o->groups->len; i++) {
		const failure_group *group = o->groups->pdata[i];
		printf("  FAIL %s, %d state%s: %s; at:%s%s\n", o->op->name, group->count,
		       group->count == 1 ? "" : "s", group->problems, group->where->str,
		       group->count > 8 ? ", ..." : "");
	}
}

static void failure_group_free(gpointer data)
{
	failure_group *group = data;
	g_free(group->problems);
	g_string_free(group->where, TRUE);
	g_free(group);
}

/* The count run: the operation must succeed, and leave a sound tree. */
static bool count_steps(op_run *o)
{
	child_result r;
	run_op_child(&r, o->op, o->case_dir, NULL, CKPT_FAILPOINT_COUNT, 0, 0);
	GString *problems = g_string_new(NULL);
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
		g_string_append_printf(problems, "the operation failed (status %d): %s", r.status,
				       r.message);
	/* Uninterrupted, an operation leaves no staging area behind, a rollback
	 * has moved last, and a relink has left no absolute target. */
	cr_rules rules = {.rollback_to = o->op->rollback_to,
			  .deletable = o->deletable,
			  .after_save = true,
			  .expect_last = o->op->rollback_to,
			  .lock = CR_LOCK_RELEASED};
	cr_check(problems, o->case_dir, &o->before, &rules);
	for (int i = 0; o->op->relinks && i < 2; i++) {
		char *link = g_build_filename(o->case_dir, CR_ROOT, i ? "best" : "last", NULL);
		char target[4096];
		ssize_t len = readlink(link, target, sizeof target - 1);
		if (len <= 0 || target[0] == '/')
			cr_problem(problems, "%s is not a relative link after relink",
				   i ? "best" : "last");
		g_free(link);
	}
	check_restart(problems, o);
	o->steps = r.steps;
	r.steps = NULL;
	child_result_clear(&r);
	bool ok = problems->len == 0;
	if (!ok)
		report_failure(o, 0, "(the uninterrupted run)", problems->str);
	g_string_free(problems, TRUE);
	return ok;
}

static size_t mode_index(const char *name)
{
	for (size_t m = 0; m < G_N_ELEMENTS(modes); m++)
		if (!strcmp(modes[m].name, name))
			return m;
	return (size_t)-1;
}

typedef struct options {
	const char *op;
	long step;
	const char *mode;
	bool keep;
	bool verbose;
	bool no_restart;
} options;

/* Under ASan the suite runs for minutes; meson streams its output (verbose),
 * so a line when an operation starts and then one every PROGRESS_US show
 * that it is alive, where it is, and what failed so far. */
#define PROGRESS_US (10 * G_USEC_PER_SEC)

static void print_progress(const op_run *o, long total, gint64 *next)
{
	gint64 now = g_get_monotonic_time();
	if (now < *next)
		return;
	*next = now + PROGRESS_US;
	printf("  %s: %d of %ld crash states done, %d failed\n", o->op->name, o->states, total,
	       o->failed);
	fflush(stdout);
}

/* Returns false when the operation could not be run at all. */
static bool run_operation(op_run *o, const options *opt, const char *base)
{
	if (!prepare_op(o, base))
		return false;
	bool complete_ok = count_steps(o);
	long n_steps = (long)o->steps->len;
	long total = (opt->step ? opt->step <= n_steps : n_steps) *
		     (long)(opt->mode ? 1 : G_N_ELEMENTS(modes));
	printf("%s: %ld steps, %ld crash states to run\n", o->op->name, n_steps, total);
	fflush(stdout);
	gint64 next = g_get_monotonic_time() + PROGRESS_US;
	for (long step = 1; step <= n_steps; step++) {
		print_progress(o, total, &next);
		if (opt->step && step != opt->step)
			continue;
		for (size_t m = 0; m < G_N_ELEMENTS(modes); m++) {
			if (opt->mode && m != mode_index(opt->mode))
				continue;
			bool known = false;
			char *problems = run_state(o, step, m, &known);
			o->states++;
			o->known += known;
			if (problems[0]) {
				o->failed++;
				report_failure(o, step, modes[m].name, problems);
			} else if (opt->verbose) {
				char *where = short_path(o, o->steps->pdata[step - 1]);
				printf("  ok %s step %ld %s [%s]\n", o->op->name, step,
				       modes[m].name, where);
				g_free(where);
			}
			g_free(problems);
		}
	}
	print_failures(o);
	printf("%-26s %4ld steps %6d crash states %5d failed%s\n", o->op->name, n_steps, o->states,
	       o->failed, complete_ok ? "" : " (and the uninterrupted run failed)");
	if (o->known)
		printf("  %d of them inside the known no-exchange window (epoch absent between two "
		       "renames), repaired by the next writer or clean\n",
		       o->known);
	fflush(stdout);
	o->complete_failed = !complete_ok;
	return true;
}

static char *make_base(void)
{
	const char *dir = g_getenv("CKPT_CRASH_DIR");
	if (!dir && access("/dev/shm", W_OK) == 0)
		dir = "/dev/shm";
	if (!dir)
		dir = g_get_tmp_dir();
	char *templ = g_build_filename(dir, "ckpt-crash-XXXXXX", NULL);
	if (!mkdtemp(templ)) {
		g_free(templ);
		return NULL;
	}
	return templ;
}

static bool parse_options(options *opt, int argc, char **argv)
{
	memset(opt, 0, sizeof *opt);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--op") && i + 1 < argc)
			opt->op = argv[++i];
		else if (!strcmp(argv[i], "--step") && i + 1 < argc)
			opt->step = atol(argv[++i]);
		else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			opt->mode = argv[++i];
		else if (!strcmp(argv[i], "--keep"))
			opt->keep = true;
		else if (!strcmp(argv[i], "--verbose"))
			opt->verbose = true;
		else if (!strcmp(argv[i], "--no-restart"))
			opt->no_restart = true;
		else
			return false;
	}
	return !opt->mode || mode_index(opt->mode) != (size_t)-1;
}

int main(int argc, char **argv)
{
	options opt;
	if (!parse_options(&opt, argc, argv)) {
		fprintf(stderr,
			"usage: %s [--op NAME] [--step N] [--mode MODE] [--keep] "
			"[--verbose]\n",
			argv[0]);
		return 2;
	}
	char *base = make_base();
	if (!base) {
		fprintf(stderr, "cannot make a temporary directory: %s\n", strerror(errno));
		return 2;
	}
	int states = 0, failed = 0, broken = 0;
	for (size_t i = 0; i < cr_n_ops; i++) {
		if (opt.op && strcmp(opt.op, cr_ops[i].name))
			continue;
		op_run o = {.op = &cr_ops[i],
			    .no_restart = opt.no_restart,
			    .groups = g_ptr_array_new_with_free_func(failure_group_free)};
		if (!run_operation(&o, &opt, base)) {
			printf("%-26s could not be set up\n", cr_ops[i].name);
			broken++;
		}
		states += o.states;
		failed += o.failed;
		broken += o.complete_failed;
		op_run_clear(&o);
	}
	printf("%d passed, %d failed\n", states - failed, failed);
	if (opt.keep)
		printf("trees kept in %s\n", base);
	else
		cr_remove_tree(base);
	g_free(base);
	return failed || broken || states == 0 ? 1 : 0;
}
