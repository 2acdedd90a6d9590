/* crash-concurrency.c: a writer saves a few hundred epochs while three other
 * processes loop over verify, clean, rollback and relink. Browser changes
 * must be refused with CKPT_ELOCKED while the writer holds its lock, no
 * process may crash, and the invariants must hold between the writer's
 * epochs (checked by the verifier at the writer's request) and at the end.
 *
 * Usage: crash-concurrency [EPOCHS]   (default 300; stops after 60 s anyway) */
#include "crash-common.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIME_LIMIT_SECONDS 60
#define MAX_MESSAGES 12

enum { OP_VERIFY, OP_CLEAN, OP_ROLLBACK, OP_RELINK, N_OPS };
static const char *const op_names[N_OPS] = {"verify", "clean", "rollback", "relink"};

typedef struct op_counts {
	atomic_long tries;
	atomic_long refused; /* CKPT_ELOCKED */
	atomic_long done;    /* succeeded (after the writer, or with nothing to change) */
	atomic_long other;   /* other errors: an epoch gone between open and call... */
	char other_example[300];
} op_counts;

/* Shared by all the processes (an anonymous shared mapping). */
typedef struct shared {
	atomic_int writer_live; /* set while the writer surely holds its lock */
	atomic_int writer_stop; /* time is up: the writer stops after this epoch */
	atomic_int stop;        /* the loops stop */
	atomic_int loops;       /* browsers still looping */
	atomic_long epochs_done;
	atomic_long checks; /* invariant checks between the writer's epochs */
	atomic_long failures;
	op_counts ops[N_OPS];
	atomic_int n_messages;
	char messages[MAX_MESSAGES][600];
} shared;

static shared *sh;
static char *case_dir;
static char *root;

static void fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void fail(const char *fmt, ...)
{
	atomic_fetch_add(&sh->failures, 1);
	int slot = atomic_fetch_add(&sh->n_messages, 1);
	if (slot >= MAX_MESSAGES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sh->messages[slot], sizeof sh->messages[slot], fmt, ap);
	va_end(ap);
}

/* A browser call's outcome. `changes`: the call had something to change, so
 * success while the writer held its lock throughout is a broken lock. */
static void count(int op, int rc, bool live_before, bool changes)
{
	bool live = live_before && atomic_load(&sh->writer_live);
	atomic_fetch_add(&sh->ops[op].tries, 1);
	if (rc == CKPT_ELOCKED)
		atomic_fetch_add(&sh->ops[op].refused, 1);
	else if (rc == 0)
		atomic_fetch_add(&sh->ops[op].done, 1);
	else if (atomic_fetch_add(&sh->ops[op].other, 1) == 0)
		snprintf(sh->ops[op].other_example, sizeof sh->ops[op].other_example, "%s",
			 ckpt_error_last());
	if (rc == 0 && live && changes)
		fail("%s succeeded while the writer held its lock", op_names[op]);
}

/* ---- the writer -------------------------------------------------------- */

static int writer_main(long epochs, int to_checker, int from_checker)
{
	ckpt_params *params = cr_params(root, "linear", 3, false, true);
	cr_model model = {0};
	ckpt_writer *writer = NULL;
	int rc = params ? cr_writer(&writer, params, &model) : CKPT_ENOMEM;
	if (rc) {
		fail("writer: %s", ckpt_error_last());
		return 1;
	}
	atomic_store(&sh->writer_live, 1);
	unsigned x = 12345;
	for (long e = 0; e < epochs && !atomic_load(&sh->writer_stop); e++) {
		x = x * 1103515245u + 12345u;
		double value = 1.0 / (double)(e + 1) + (double)(x >> 16 & 0xff) / 5000.0;
		ckpt_epoch_result result = {.size = sizeof result};
		if ((rc = ckpt_writer_epoch(&result, writer, e, '-', value, NULL, 0)) != 0) {
			fail("writer: epoch %ld: %s", e + 1, ckpt_error_last());
			break;
		}
		atomic_store(&sh->epochs_done, e + 1);
		/* Quiet until the verifier has checked the tree. */
		long saved = e + 1;
		char ack;
		if (write(to_checker, &saved, sizeof saved) != sizeof saved ||
		    read(from_checker, &ack, 1) != 1)
			break;
	}
	/* The browsers stop before the lock is released, so that the tree the
	 * final checks see is the writer's. */
	atomic_store(&sh->stop, 1);
	for (int i = 0; i < 10000 && atomic_load(&sh->loops) > 0; i++)
		usleep(1000);
	atomic_store(&sh->writer_live, 0);
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	return rc ? 1 : 0;
}

/* ---- the three browsers ----------------------------------------------- */

static void check_between(const cr_before *before, long epoch)
{
	GString *problems = g_string_new(NULL);
	/* The writer is live: its lock file is there, refused browsers or not. */
	cr_rules rules = {.after_save = true, .expect_last = epoch, .lock = CR_LOCK_HELD};
	if (cr_check(problems, case_dir, before, &rules))
		fail("after epoch %ld: %s", epoch, problems->str);
	g_string_free(problems, TRUE);
	atomic_fetch_add(&sh->checks, 1);
}

static void verify_once(void)
{
	ckpt_run *run = NULL;
	bool live = atomic_load(&sh->writer_live);
	int rc = ckpt_run_open(&run, root);
	if (!rc) {
		size_t n = ckpt_run_epoch_count(run);
		ckpt_verify_result *results = g_new0(ckpt_verify_result, n ? n : 1);
		rc = ckpt_verify_run(results, run, NULL);
		g_free(results);
	}
	count(OP_VERIFY, rc, live, false);
	ckpt_run_unref(run);
}

static int verifier_main(const cr_before *before, int from_writer, int to_writer)
{
	while (!atomic_load(&sh->stop)) {
		verify_once();
		struct pollfd pfd = {.fd = from_writer, .events = POLLIN};
		if (poll(&pfd, 1, 0) != 1)
			continue;
		long epoch;
		if (read(from_writer, &epoch, sizeof epoch) != sizeof epoch)
			break; /* the writer is done */
		check_between(before, epoch);
		char ack = 1;
		if (write(to_writer, &ack, 1) != 1)
			break;
	}
	return 0;
}

static int cleaner_main(void)
{
	while (!atomic_load(&sh->stop)) {
		ckpt_run *run = NULL;
		ckpt_clean_plan *plan = NULL;
		bool live = atomic_load(&sh->writer_live);
		if (ckpt_run_open(&run, root) == 0 &&
		    ckpt_clean_plan_new(&plan, run, 1, CKPT_KEEP_LINEAR) == 0) {
			bool changes = ckpt_clean_plan_removes_work(plan);
			changes |= ckpt_clean_plan_delete_count(plan) > 0;
			count(OP_CLEAN, ckpt_clean_apply(plan, NULL), live, changes);
		}
		ckpt_clean_plan_free(plan);
		ckpt_run_unref(run);
	}
	return 0;
}

static int roller_main(void)
{
	while (!atomic_load(&sh->stop)) {
		ckpt_run *run = NULL;
		bool live = atomic_load(&sh->writer_live);
		if (ckpt_run_open(&run, root) != 0)
			continue;
		long last = ckpt_run_last(run);
		const ckpt_epoch *oldest =
		    ckpt_run_epoch_count(run) ? ckpt_run_epoch(run, 0) : NULL;
		int64_t first = ckpt_epoch_number(oldest);
		if (oldest && first != last)
			count(OP_ROLLBACK, ckpt_rollback(NULL, run, first, 0), live, true);
		int changed = 0;
		live = atomic_load(&sh->writer_live);
		bool stale = ckpt_run_last_state(run) == CKPT_LINK_RELOCATED ||
			     ckpt_run_best_state(run) == CKPT_LINK_RELOCATED;
		count(OP_RELINK, ckpt_relink(&changed, run), live, stale || changed > 0);
		ckpt_run_unref(run);
	}
	return 0;
}

/* ---- the parent -------------------------------------------------------- */

static pid_t spawn(int (*fn)(void *), void *arg, bool loop)
{
	fflush(stdout);
	if (loop)
		atomic_fetch_add(&sh->loops, 1);
	pid_t pid = fork();
	if (pid == 0) {
		int rc = fn(arg);
		if (loop)
			atomic_fetch_sub(&sh->loops, 1);
		_exit(rc);
	}
	return pid;
}

typedef struct writer_args {
	long epochs;
	int to_checker, from_checker, close_a, close_b;
} writer_args;

static int run_writer(void *arg)
{
	writer_args *a = arg;
	close(a->close_a);
	close(a->close_b);
	return writer_main(a->epochs, a->to_checker, a->from_checker);
}

typedef struct verifier_args {
	const cr_before *before;
	int from_writer, to_writer, close_a, close_b;
} verifier_args;

static int run_verifier(void *arg)
{
	verifier_args *a = arg;
	close(a->close_a);
	close(a->close_b);
	return verifier_main(a->before, a->from_writer, a->to_writer);
}

static int run_cleaner(void *arg)
{
	(void)arg;
	return cleaner_main();
}

static int run_roller(void *arg)
{
	(void)arg;
	return roller_main();
}

static bool reap(pid_t pid, const char *name)
{
	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		return false;
	if (WIFSIGNALED(status)) {
		fail("%s died of signal %d", name, WTERMSIG(status));
		return false;
	}
	return true;
}

/* After the writer: the invariants, a clean verify, a clean that is no
 * longer refused, and a restart that resumes from last. */
static void final_checks(const cr_before *before, long epochs)
{
	GString *problems = g_string_new(NULL);
	/* The writer and every browser have returned: no lock file is left. */
	cr_rules rules = {.after_save = true, .expect_last = epochs, .lock = CR_LOCK_RELEASED};
	if (cr_check(problems, case_dir, before, &rules))
		fail("at the end: %s", problems->str);
	ckpt_run *run = NULL;
	ckpt_clean_plan *plan = NULL;
	int rc = ckpt_run_open(&run, root);
	size_t n = rc ? 0 : ckpt_run_epoch_count(run);
	ckpt_verify_result *results = g_new0(ckpt_verify_result, n ? n : 1);
	if (!rc && (rc = ckpt_verify_run(results, run, NULL)) == 0)
		for (size_t i = 0; i < n; i++)
			if (results[i] != CKPT_VERIFY_OK)
				fail("at the end: epoch %lld verifies as %s",
				     (long long)ckpt_epoch_number(ckpt_run_epoch(run, i)),
				     ckpt_verify_result_name(results[i]));
	if (!rc && (rc = ckpt_clean_plan_new(&plan, run, 1, CKPT_KEEP_LINEAR)) == 0)
		rc = ckpt_clean_apply(plan, NULL);
	if (rc)
		fail("at the end, without a writer: %s", ckpt_error_last());
	g_free(results);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);

	ckpt_params *params = cr_params(root, "linear", 3, false, true);
	cr_model model = {0};
	ckpt_writer *writer = NULL;
	ckpt_restart *restart = NULL;
	static const double value[] = {0.5};
	rc = params ? cr_writer(&writer, params, &model) : CKPT_ENOMEM;
	if (!rc && (rc = ckpt_writer_restart(&restart, writer)) == 0 &&
	    ckpt_restart_epoch(restart) != epochs)
		fail("restart resumed from %lld, not %ld", (long long)ckpt_restart_epoch(restart),
		     epochs);
	if (!rc)
		rc = cr_epochs(writer, (long)ckpt_restart_epoch(restart), value, 1);
	if (rc)
		fail("restart after the run: %s", ckpt_error_last());
	ckpt_restart_free(restart);
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	g_string_truncate(problems, 0);
	rules.expect_last = epochs + 1;
	if (cr_check(problems, case_dir, before, &rules))
		fail("after the restart: %s", problems->str);
	g_string_free(problems, TRUE);
}

static bool make_tree(const char *base)
{
	case_dir = g_build_filename(base, "case", NULL);
	root = g_build_filename(case_dir, CR_ROOT, NULL);
	char *epochs = g_build_filename(root, "epochs", NULL);
	bool ok = g_mkdir_with_parents(epochs, 0755) == 0 && cr_add_sentinels(case_dir) == 0;
	g_free(epochs);
	return ok;
}

static void print_counts(void)
{
	for (int op = 0; op < N_OPS; op++) {
		printf("%-9s %6ld tries %6ld refused (locked) %6ld done %6ld other errors\n",
		       op_names[op], atomic_load(&sh->ops[op].tries),
		       atomic_load(&sh->ops[op].refused), atomic_load(&sh->ops[op].done),
		       atomic_load(&sh->ops[op].other));
		if (sh->ops[op].other_example[0])
			printf("          e.g. %s\n", sh->ops[op].other_example);
	}
}

int main(int argc, char **argv)
{
	long epochs = argc > 1 ? atol(argv[1]) : 300;
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const char *dir = g_getenv("CKPT_CRASH_DIR");
	if (!dir && access("/dev/shm", W_OK) == 0)
		dir = "/dev/shm";
	char *base = g_build_filename(dir ? dir : g_get_tmp_dir(), "ckpt-race-XXXXXX", NULL);
	if (sh == MAP_FAILED || epochs < 2 || !mkdtemp(base) || !make_tree(base)) {
		fprintf(stderr, "cannot set up: %s\n", strerror(errno));
		return 2;
	}
	/* Verify remembers its results under XDG_CACHE_HOME (0.2): not the user's. */
	char *cache = g_build_filename(base, "cache", NULL);
	g_setenv("XDG_CACHE_HOME", cache, TRUE);
	g_free(cache);
	cr_before before;
	cr_snapshot(&before, case_dir);

	int w2c[2], c2w[2];
	if (pipe(w2c) != 0 || pipe(c2w) != 0)
		return 2;
	writer_args wa = {epochs, w2c[1], c2w[0], w2c[0], c2w[1]};
	verifier_args va = {&before, w2c[0], c2w[1], w2c[1], c2w[0]};
	pid_t writer = spawn(run_writer, &wa, false);
	/* The browsers start once the writer holds its lock. */
	time_t start = time(NULL);
	while (!atomic_load(&sh->writer_live) && waitpid(writer, NULL, WNOHANG) == 0 &&
	       time(NULL) - start < 10)
		usleep(1000);
	pid_t verifier = spawn(run_verifier, &va, true);
	close(w2c[0]), close(w2c[1]), close(c2w[0]), close(c2w[1]);
	pid_t cleaner = spawn(run_cleaner, NULL, true);
	pid_t roller = spawn(run_roller, NULL, true);

	int status = 0;
	bool timed_out = false;
	while (waitpid(writer, &status, WNOHANG) == 0) {
		if (!timed_out && time(NULL) - start >= TIME_LIMIT_SECONDS) {
			atomic_store(&sh->writer_stop, 1);
			timed_out = true;
		}
		if (time(NULL) - start >= TIME_LIMIT_SECONDS + 30) {
			fail("the writer hangs: killed");
			kill(writer, SIGKILL);
		}
		usleep(10000);
	}
	if (WIFSIGNALED(status))
		fail("the writer died of signal %d", WTERMSIG(status));
	atomic_store(&sh->stop, 1);
	reap(verifier, "the verifier");
	reap(cleaner, "the cleaner");
	reap(roller, "the roller");
	long done = atomic_load(&sh->epochs_done);
	final_checks(&before, done);

	if (atomic_load(&sh->ops[OP_CLEAN].refused) == 0 ||
	    atomic_load(&sh->ops[OP_ROLLBACK].refused) == 0)
		fail("clean or rollback was never refused: the race did not happen");

	printf("writer    %6ld epochs saved%s, %ld invariant checks between epochs\n", done,
	       timed_out ? " (stopped by the time limit)" : "", atomic_load(&sh->checks));
	print_counts();
	int n = atomic_load(&sh->n_messages);
	for (int i = 0; i < n && i < MAX_MESSAGES; i++)
		printf("  FAIL %s\n", sh->messages[i]);
	long failures = atomic_load(&sh->failures);
	printf("%ld failures\n", failures);
	cr_before_clear(&before);
	cr_remove_tree(base);
	g_free(base);
	g_free(case_dir);
	g_free(root);
	return failures ? 1 : 0;
}
