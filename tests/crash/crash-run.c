/* crash-run.c: one crash state. The operation runs in a child that the
 * failpoint crashes (with or without a power cut, which may keep a partial
 * subset of the unsynced changes), fails at a step, or fails after the real
 * call; then the invariants and the promises of the calls that had returned
 * are checked on what is left, a clean and a writer repair copies of it
 * (an epoch set aside must come back), and a restarted writer saves on it. */
#include "crash-run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const cr_mode cr_modes[] = {
    {"crash-before", CKPT_FAILPOINT_CRASH_BEFORE, 0, false, false},
    {"crash-after", CKPT_FAILPOINT_CRASH_AFTER, 0, false, false},
    {"power-before", CKPT_FAILPOINT_CRASH_BEFORE, CKPT_FAILPOINT_POWER_LOSS, false, false},
    /* The state after step N is the one before N + 1: partial cuts once. */
    {"power-after", CKPT_FAILPOINT_CRASH_AFTER, CKPT_FAILPOINT_POWER_LOSS, true, false},
    {"eio", CKPT_FAILPOINT_FAIL_EIO, 0, false, false},
    {"enospc", CKPT_FAILPOINT_FAIL_ENOSPC, 0, false, false},
    {"eacces", CKPT_FAILPOINT_FAIL_EACCES, 0, false, false},
    {"short-eio", CKPT_FAILPOINT_SHORT_EIO, 0, false, false},
    {"short-enospc", CKPT_FAILPOINT_SHORT_ENOSPC, 0, false, false},
    {"late-eio", CKPT_FAILPOINT_LATE_EIO, 0, false, false},
    {"power-end", CKPT_FAILPOINT_COUNT, CKPT_FAILPOINT_POWER_LOSS, true, true},
};
const size_t cr_n_modes = G_N_ELEMENTS(cr_modes);

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

long cr_subset_budget(void)
{
	const char *text = g_getenv("CKPT_CRASH_SUBSETS");
	if (text && *text)
		return atol(text) > 0 ? atol(text) : 0;
	return SANITIZED ? 2 : 16;
}

bool cr_quick(void)
{
	const char *text = g_getenv("CKPT_CRASH_QUICK");
	if (text && *text)
		return strcmp(text, "0") != 0;
	return SANITIZED;
}

static bool crash_mode(const cr_mode *m)
{
	return m->at_end || m->mode == CKPT_FAILPOINT_CRASH_BEFORE ||
	       m->mode == CKPT_FAILPOINT_CRASH_AFTER;
}

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

/* "rc epoch leaked\nmessage\n" then, in count mode, one step name per line.
 * A leak check costs more than the rest of a state under ASan. */
static void report_and_exit(int fd, int rc, long epoch, const char *message, bool with_steps,
			    bool check_leaks)
{
	int leaked = check_leaks && __lsan_do_recoverable_leak_check
			 ? __lsan_do_recoverable_leak_check()
			 : 0;
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
			 const char *stash, const cr_mode *m, long step, long subset)
{
	memset(out, 0, sizeof *out);
	memset(cr_promises, 0, sizeof *cr_promises);
	int fds[2];
	if (pipe(fds) != 0)
		abort();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (ckpt_failpoint_arm(m->mode, step, m->flags | op->flags, stash) != 0)
			_exit(3);
		ckpt_failpoint_power_subset(subset, cr_subset_budget(), &cr_promises->cut);
		int rc = op->run(case_dir);
		if (m->at_end) {
			cr_promises->returned = true;
			cr_promises->rc = rc;
			ckpt_failpoint_crash_now();
		}
		report_and_exit(fds[1], rc, 0, rc ? ckpt_error_last() : "",
				m->mode == CKPT_FAILPOINT_COUNT, true);
	}
	close(fds[1]);
	read_result(out, fds[0]);
	close(fds[0]);
	waitpid(pid, &out->status, 0);
}

/* A writer on root with the operation's settings; 0 or its code. */
static int op_writer(ckpt_writer **out, ckpt_params **params, cr_model *model, const cr_op *op,
		     const char *case_dir)
{
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	*params = cr_params(root, op->keep_mode, op->keep_limit, true, !op->no_best);
	g_free(root);
	return *params ? cr_writer(out, *params, model) : CKPT_ENOMEM;
}

/* The normal restart after a failure: new writer, restart, one epoch;
 * checked for leaks when asked. */
static void run_restart_child(child_result *out, const cr_op *op, const char *case_dir,
			      bool check_leaks)
{
	memset(out, 0, sizeof *out);
	int fds[2];
	if (pipe(fds) != 0)
		abort();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		cr_promises = NULL;
		ckpt_params *params = NULL;
		cr_model model = {0};
		ckpt_writer *writer = NULL;
		ckpt_restart *restart = NULL;
		static const double value[] = {0.5};
		int rc = op_writer(&writer, &params, &model, op, case_dir);
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
		report_and_exit(fds[1], rc, epoch, message, false, check_leaks);
	}
	close(fds[1]);
	read_result(out, fds[0]);
	close(fds[0]);
	waitpid(pid, &out->status, 0);
}

/* ---- the checks of one state ------------------------------------------- */

static bool fresh_case(const op_run *o)
{
	return cr_remove_tree(o->case_dir) == 0 && cr_remove_tree(o->stash) == 0 &&
	       mkdir(o->stash, 0700) == 0 && cr_copy_tree(o->template_dir, o->case_dir) == 0;
}

/* A staging folder the operation could not remove and set aside, so that
 * it could go on (ckpt_staging_clear), says so in the log: an injected
 * error handled, not lost (a later step may have removed it after all). */
static bool set_aside_work(const char *case_dir)
{
	char *log = g_build_filename(case_dir, CR_ROOT, CKPT_LOG_NAME, NULL);
	gchar *text = NULL;
	bool found = g_file_get_contents(log, &text, NULL, NULL) && strstr(text, "set aside as '");
	g_free(text);
	g_free(log);
	return found;
}

/* What the child's end says against what its mode demands. */
static void judge_child(GString *problems, const child_result *r, const cr_mode *m,
			const char *case_dir)
{
	if (WIFSIGNALED(r->status)) {
		cr_problem(problems, "the operation died of signal %d", WTERMSIG(r->status));
		return;
	}
	int code = WEXITSTATUS(r->status);
	if (r->leaked)
		cr_problem(problems,
			   "memory leaked after the call (LeakSanitizer's report on stderr)");
	if (m->at_end && code == CKPT_FAILPOINT_EXIT && cr_promises->returned &&
	    cr_promises->rc != 0)
		cr_problem(problems, "the operation failed before the power cut (%d)",
			   cr_promises->rc);
	else if (crash_mode(m) && code == CKPT_FAILPOINT_EXIT)
		return;
	else if (crash_mode(m) && code == CKPT_FAILPOINT_EXIT_UNDO)
		cr_problem(problems, "the power-loss undo was incomplete");
	else if (crash_mode(m) && code == 0)
		cr_problem(problems, "the operation ended before the step");
	else if (crash_mode(m))
		cr_problem(problems, "the operation failed before the step: %s", r->message);
	else if (code == 0 && !set_aside_work(case_dir))
		cr_problem(problems, "the injected error was lost: the call returned 0");
	else if (code == 0)
		return;
	else if (code < 100)
		cr_problem(problems, "the child failed to start (%d)", code);
}

/* Forks fn(dir) (0 or a CKPT_E code); its exit status. */
static int in_child(int (*fn)(const op_run *o, const char *dir), const op_run *o,
		    const char *dir)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		cr_promises = NULL;
		int rc = fn(o, dir);
		_exit(rc == 0 ? 0 : 100 - rc);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return status;
}

static int clean_all(const op_run *o, const char *dir)
{
	(void)o;
	char *root = g_build_filename(dir, CR_ROOT, NULL);
	ckpt_run *run = NULL;
	ckpt_clean_plan *plan = NULL;
	int rc = ckpt_run_open(&run, root);
	if (!rc)
		rc = ckpt_clean_plan_new(&plan, run, 1000, CKPT_KEEP_LINEAR);
	if (!rc)
		rc = ckpt_clean_apply(plan, NULL);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root);
	return rc;
}

/* The next writer repairs as it starts (ckpt_writer_new). */
static int start_writer(const op_run *o, const char *dir)
{
	ckpt_params *params = NULL;
	cr_model model = {0};
	ckpt_writer *writer = NULL;
	int rc = op_writer(&writer, &params, &model, o->op, dir);
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	return rc;
}

static bool copy_state(const op_run *o)
{
	return cr_remove_tree(o->clean_dir) == 0 && cr_copy_tree(o->case_dir, o->clean_dir) == 0;
}

/* A clean must remove what a crash left in the staging area, and put back
 * an epoch set aside there; so must the next writer. On copies of the
 * state (the restart check gets the original). */
static void check_repairs(GString *problems, op_run *o)
{
	char *left = cr_leftovers(o->case_dir);
	cr_aside aside;
	cr_aside_find(&aside, o->case_dir);
	if (left[0] && copy_state(o)) {
		int status = in_child(clean_all, o, o->clean_dir);
		char *still = cr_leftovers(o->clean_dir);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			cr_problem(problems, "clean of the crash state failed (status %d)", status);
		else if (still[0])
			cr_problem(problems, "clean left %s in place", still);
		else
			cr_aside_check(problems, o->clean_dir, &aside, "clean");
		g_free(still);
	}
	if (aside.epoch && copy_state(o)) {
		o->aside_states++;
		int status = in_child(start_writer, o, o->clean_dir);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			cr_problem(problems, "a writer could not start on the crash state (status %d)",
				   status);
		else
			cr_aside_check(problems, o->clean_dir, &aside, "the next writer");
	}
	cr_aside_clear(&aside);
	g_free(left);
}

/* The restart check after a state, and the invariants after it. Leaks are
 * looked for in one state of eight (consecutive states repair the same
 * leftovers the same way; a check costs more than the state). */
static void check_restart(GString *problems, const op_run *o)
{
	bool check_leaks = o->states % 8 == 0;
	char *root = g_build_filename(o->case_dir, CR_ROOT, NULL);
	long last = 0;
	ckpt_link_state state = ckpt_link_resolve(root, "last", &last);
	g_free(root);
	long expected = state == CKPT_LINK_OK || state == CKPT_LINK_RELOCATED ? last : 0;
	child_result r;
	run_restart_child(&r, o->op, o->case_dir, check_leaks);
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
 * "rename work -> epochs/NNN" (or when a power cut keeps the first rename
 * and not the second) the epoch is absent. That window is known and
 * documented; the next writer or clean puts work.old back. States inside it
 * are told by the tree (a complete epoch in work.old, its epochs/NNN
 * missing), counted apart, and only when everything after the repair holds. */
static bool in_no_exchange_window(const op_run *o, const cr_aside *aside)
{
	return (o->op->flags & CKPT_FAILPOINT_NO_EXCHANGE) && aside->epoch != 0;
}

char *cr_run_state(op_run *o, long step, size_t m, long subset, bool *known,
		   ckpt_failpoint_cut_report *cut)
{
	(void)step;
	const cr_mode *mode = &cr_modes[m];
	*known = false;
	GString *problems = g_string_new(NULL);
	if (!fresh_case(o)) {
		g_string_append(problems, "cannot copy the tree");
		return g_string_free(problems, FALSE);
	}
	child_result r;
	run_op_child(&r, o->op, o->case_dir, o->stash, mode, mode->at_end ? 0 : step, subset);
	judge_child(problems, &r, mode, o->case_dir);
	child_result_clear(&r);
	*cut = cr_promises->cut;
	/* An injected error returns, releasing the lock; a crash may leave its file. */
	cr_rules rules = {.rollback_to = o->op->rollback_to,
			  .deletable = o->deletable,
			  .lock = crash_mode(mode) ? CR_LOCK_ANY : CR_LOCK_RELEASED};
	GString *at_crash = g_string_new(NULL);
	cr_check(at_crash, o->case_dir, &o->before, &rules);
	cr_check_promises(problems, o->case_dir, cr_promises);
	cr_aside aside;
	cr_aside_find(&aside, o->case_dir);
	bool window = in_no_exchange_window(o, &aside);
	cr_aside_clear(&aside);
	if (!o->no_restart) {
		check_repairs(problems, o);
		check_restart(problems, o);
	}
	if (at_crash->len && !problems->len && !o->no_restart && window)
		*known = true;
	else
		g_string_append_printf(problems, "%s%s", problems->len && at_crash->len ? "; " : "",
				       at_crash->str);
	g_string_free(at_crash, TRUE);
	return g_string_free(problems, FALSE);
}

/* ---- the operation's tree and its uninterrupted run -------------------- */

bool cr_prepare_op(op_run *o, const char *base)
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
	for (const long *e = o->op->resaved; e && *e; e++) {
		if (!o->deletable)
			o->deletable = g_array_new(FALSE, FALSE, sizeof(long));
		g_array_append_val(o->deletable, *e);
	}
	g_free(run_dir);
	g_free(dir);
	return ok;
}

void cr_op_run_clear(op_run *o)
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

/* The count run: the operation must succeed and leave a sound tree: no
 * staging area behind, a rollback's last moved, a relink's links relative. */
bool cr_count_steps(op_run *o)
{
	child_result r;
	static const cr_mode count = {"count", CKPT_FAILPOINT_COUNT, 0, false, false};
	run_op_child(&r, o->op, o->case_dir, NULL, &count, 0, 0);
	GString *problems = g_string_new(NULL);
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
		g_string_append_printf(problems, "the operation failed (status %d): %s", r.status,
				       r.message);
	cr_rules rules = {.rollback_to = o->op->rollback_to,
			  .deletable = o->deletable,
			  .after_save = !o->op->saves_none,
			  .expect_last = o->op->rollback_to,
			  .lock = CR_LOCK_RELEASED};
	cr_check(problems, o->case_dir, &o->before, &rules);
	cr_check_promises(problems, o->case_dir, cr_promises);
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
		printf("  FAIL %s, the uninterrupted run: %s\n", o->op->name, problems->str);
	g_string_free(problems, TRUE);
	return ok;
}
