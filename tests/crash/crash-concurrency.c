/* crash-concurrency.c: writer sessions start and stop (each a new writer that
 * restarts from `last`, saves a few epochs and releases the lock) while three
 * other processes loop over verify, clean, rollback and relink. While a
 * session holds its lock every browser change must be refused; between
 * sessions they must succeed, and both sides must do so many times. No
 * process may crash, and the invariants must hold after every epoch (checked
 * at the writer's request, under its lock), between sessions (checked under
 * the lock by the verifier) and at the end.
 *
 * Usage: crash-concurrency [SECONDS]   (default 20) */
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

#define MAX_MESSAGES 12
/* Enough of each that a broken lock or a lost success would show. */
#define MIN_SESSIONS 20
#define MIN_BROWSER_SUCCESSES 10

enum { OP_VERIFY, OP_CLEAN, OP_ROLLBACK, OP_RELINK, N_OPS };
static const char *const op_names[N_OPS] = {"verify", "clean", "rollback", "relink"};

typedef struct op_counts {
	atomic_long tries;
	atomic_long refused; /* CKPT_ELOCKED */
	atomic_long done;    /* succeeded */
	atomic_long changed; /* ...and changed the run (deleted, moved last, relinked) */
	atomic_long other;   /* other errors: an epoch gone between open and call... */
	char other_example[300];
} op_counts;

/* Shared by all the processes (an anonymous shared mapping). */
typedef struct shared {
	atomic_long live_session; /* the session that surely holds the lock, 0: none */
	atomic_int stop;          /* time is up: the writer ends its session, loops stop */
	atomic_int loops;         /* browsers still looping */
	atomic_long sessions, epochs_saved;
	atomic_long writer_waits; /* a session's start refused by a browser's lock */
	atomic_long checks, checks_between; /* invariant checks in and between sessions */
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

/* A browser call's outcome. `session`: the writer session live when the
 * call started; the same one still live after it held the lock throughout,
 * so a success that changed something then is a broken lock. */
static void count(int op, int rc, long session, bool changed)
{
	bool held = session != 0 && atomic_load(&sh->live_session) == session;
	atomic_fetch_add(&sh->ops[op].tries, 1);
	if (rc == CKPT_ELOCKED) {
		atomic_fetch_add(&sh->ops[op].refused, 1);
	} else if (rc == 0) {
		atomic_fetch_add(&sh->ops[op].done, 1);
		atomic_fetch_add(&sh->ops[op].changed, changed);
	} else if (atomic_fetch_add(&sh->ops[op].other, 1) == 0) {
		snprintf(sh->ops[op].other_example, sizeof sh->ops[op].other_example, "%s",
			 ckpt_error_last());
	}
	if (rc == 0 && held && changed)
		fail("%s succeeded while writer session %ld held its lock", op_names[op], session);
}

static long session_now(void)
{
	return atomic_load(&sh->live_session);
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- the writer: sessions --------------------------------------------- */

/* One session: restart from last, save n epochs, each checked by the
 * verifier before the next. false when the run must stop. */
static bool writer_session(long number, unsigned *seed, int to_checker, int from_checker)
{
	ckpt_params *params = cr_params(root, "linear", 3, false, true);
	cr_model model = {0};
	ckpt_writer *writer = NULL;
	ckpt_restart *restart = NULL;
	int rc = params ? cr_writer(&writer, params, &model) : CKPT_ENOMEM;
	/* A browser applying a change holds the lock a moment: a trainer that
	 * starts then is refused, and tries again. */
	for (int tries = 0; rc == CKPT_ELOCKED && tries < 10000; tries++) {
		atomic_fetch_add(&sh->writer_waits, 1);
		pause_ms(1);
		rc = cr_writer(&writer, params, &model);
	}
	long last = 0;
	if (!rc) {
		atomic_store(&sh->live_session, number);
		/* Under the lock now: where a rollback left last, if one did. */
		if (ckpt_link_resolve(root, CKPT_LAST_NAME, &last) != CKPT_LINK_OK)
			last = 0;
		rc = ckpt_writer_restart(&restart, writer);
	}
	long from = rc ? 0 : (long)ckpt_restart_epoch(restart);
	if (!rc && from != last)
		fail("session %ld restarted from %ld, but last was %ld", number, from, last);
	int n = 2 + (int)(rand_r(seed) % 5);
	bool go_on = rc == 0;
	for (int i = 0; go_on && i < n; i++) {
		long e = from + i; /* 0-based */
		double value = 1.0 / (double)(e + 1) + (double)(rand_r(seed) & 0xff) / 5000.0;
		ckpt_epoch_result result = {.size = sizeof result};
		if ((rc = ckpt_writer_epoch(&result, writer, e, '-', value, NULL, 0)) != 0)
			break;
		atomic_fetch_add(&sh->epochs_saved, result.saved);
		/* Not saved when `best` names a better model of this epoch (a
		 * rollback brought training back before it): last stays. */
		if (result.saved)
			last = e + 1;
		/* Quiet until the verifier has checked the tree. */
		char ack;
		go_on = write(to_checker, &last, sizeof last) == sizeof last &&
			read(from_checker, &ack, 1) == 1;
	}
	if (rc)
		fail("writer session %ld: %s", number, ckpt_error_last());
	/* The tree the browsers see next is the writer's: its lock goes last. */
	atomic_store(&sh->live_session, 0);
	ckpt_restart_free(restart);
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	return rc == 0 && go_on;
}

static int writer_main(int to_checker, int from_checker)
{
	unsigned seed = 12345;
	for (long number = 1; !atomic_load(&sh->stop); number++) {
		if (!writer_session(number, &seed, to_checker, from_checker))
			return 1;
		atomic_fetch_add(&sh->sessions, 1);
		/* The browsers' turn: long enough for each to succeed at times. */
		pause_ms(5 + rand_r(&seed) % 20);
	}
	return 0;
}

/* ---- the three browsers ----------------------------------------------- */

/* The invariants that hold whatever the browsers did: every pointer and
 * every epoch complete, nothing outside the run touched, no partial work. */
static void check_tree(const cr_before *before, const cr_rules *rules, const char *when)
{
	GString *problems = g_string_new(NULL);
	if (cr_check(problems, case_dir, before, rules))
		fail("%s: %s", when, problems->str);
	g_string_free(problems, TRUE);
}

static void check_in_session(const cr_before *before, long last)
{
	cr_rules rules = {.after_save = true, .expect_last = last, .lock = CR_LOCK_HELD};
	char when[64];
	snprintf(when, sizeof when, "in a session, last at %ld", last);
	check_tree(before, &rules, when);
	atomic_fetch_add(&sh->checks, 1);
}

/* Between sessions, under the lock, so that no browser is midway. */
static void check_between(const cr_before *before)
{
	ckpt_lock *lock = NULL;
	if (ckpt_lock_acquire(&lock, root) != 0)
		return; /* a writer or a browser has it: another time */
	cr_rules rules = {.lock = CR_LOCK_ANY};
	check_tree(before, &rules, "between sessions");
	ckpt_lock_release(lock);
	atomic_fetch_add(&sh->checks_between, 1);
}

static void verify_once(void)
{
	ckpt_run *run = NULL;
	long session = session_now();
	int rc = ckpt_run_open(&run, root);
	if (!rc) {
		size_t n = ckpt_run_epoch_count(run);
		ckpt_verify_result *results = g_new0(ckpt_verify_result, n ? n : 1);
		rc = ckpt_verify_run(results, run, NULL);
		g_free(results);
	}
	count(OP_VERIFY, rc, session, false);
	ckpt_run_unref(run);
}

static int verifier_main(const cr_before *before, int from_writer, int to_writer)
{
	for (unsigned round = 0;; round++) {
		/* Time up: the writer ends the session it is in, which still
		 * waits for checks; leaving it then killed it with SIGPIPE (and
		 * took its death for a broken lock). Served until it closes. */
		bool stopping = atomic_load(&sh->stop);
		if (!stopping) {
			verify_once();
			if (session_now() == 0 && round % 4 == 0)
				check_between(before);
		}
		struct pollfd pfd = {.fd = from_writer, .events = POLLIN};
		if (poll(&pfd, 1, stopping ? -1 : 0) != 1)
			continue;
		long epoch;
		if (read(from_writer, &epoch, sizeof epoch) != sizeof epoch)
			break; /* the writer is done */
		check_in_session(before, epoch);
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
		long session = session_now();
		if (ckpt_run_open(&run, root) == 0 &&
		    ckpt_clean_plan_new(&plan, run, 1, CKPT_KEEP_LINEAR) == 0) {
			bool changes = ckpt_clean_plan_removes_work(plan);
			changes |= ckpt_clean_plan_delete_count(plan) > 0;
			count(OP_CLEAN, ckpt_clean_apply(plan, NULL), session, changes);
		}
		ckpt_clean_plan_free(plan);
		ckpt_run_unref(run);
		pause_ms(1);
	}
	return 0;
}

/* Under the lock, last is re-pointed with an absolute target, as the
 * original writes it, so that a relink has something to rewrite. */
static void make_last_absolute(void)
{
	ckpt_lock *lock = NULL;
	if (ckpt_lock_acquire(&lock, root) != 0)
		return;
	long last = 0;
	if (ckpt_link_resolve(root, CKPT_LAST_NAME, &last) == CKPT_LINK_OK && last > 0) {
		char name[32];
		ckpt_epoch_dir_name(name, last);
		char *target = g_build_filename(root, CKPT_EPOCHS_NAME, name, NULL);
		ckpt_fs_replace_symlink(root, CKPT_LAST_NAME, target, false);
		g_free(target);
	}
	ckpt_lock_release(lock);
}

static int roller_main(void)
{
	while (!atomic_load(&sh->stop)) {
		ckpt_run *run = NULL;
		long session = session_now();
		if (ckpt_run_open(&run, root) != 0)
			continue;
		long last = ckpt_run_last(run);
		const ckpt_epoch *oldest =
		    ckpt_run_epoch_count(run) ? ckpt_run_epoch(run, 0) : NULL;
		int64_t first = ckpt_epoch_number(oldest);
		if (oldest && first != last)
			count(OP_ROLLBACK, ckpt_rollback(NULL, run, first, 0), session, true);
		ckpt_run_unref(run);
		make_last_absolute();
		if (ckpt_run_open(&run, root) != 0)
			continue;
		int changed = 0;
		session = session_now();
		int rc = ckpt_relink(&changed, run);
		count(OP_RELINK, rc, session, changed > 0);
		ckpt_run_unref(run);
		pause_ms(1);
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
	int to_checker, from_checker, close_a, close_b;
} writer_args;

static int run_writer(void *arg)
{
	writer_args *a = arg;
	close(a->close_a);
	close(a->close_b);
	return writer_main(a->to_checker, a->from_checker);
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
static void final_checks(const cr_before *before)
{
	GString *problems = g_string_new(NULL);
	long last = 0;
	ckpt_link_resolve(root, CKPT_LAST_NAME, &last);
	/* Every process has returned: no lock file is left. */
	cr_rules rules = {.after_save = true, .lock = CR_LOCK_RELEASED};
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
	    ckpt_restart_epoch(restart) != last)
		fail("restart resumed from %lld, not last's %ld",
		     (long long)ckpt_restart_epoch(restart), last);
	if (!rc)
		rc = cr_epochs(writer, (long)ckpt_restart_epoch(restart), value, 1);
	if (rc)
		fail("restart after the run: %s", ckpt_error_last());
	ckpt_restart_free(restart);
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	g_string_truncate(problems, 0);
	rules.expect_last = last + 1;
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
		printf("%-9s %6ld tries %6ld refused (locked) %6ld done (%ld changed the run) "
		       "%6ld other errors\n",
		       op_names[op], atomic_load(&sh->ops[op].tries),
		       atomic_load(&sh->ops[op].refused), atomic_load(&sh->ops[op].done),
		       atomic_load(&sh->ops[op].changed), atomic_load(&sh->ops[op].other));
		if (sh->ops[op].other_example[0])
			printf("          e.g. %s\n", sh->ops[op].other_example);
	}
}

/* Both sides must have succeeded, many times: else the race did not happen. */
static void require_both_sides(void)
{
	if (atomic_load(&sh->sessions) < MIN_SESSIONS)
		fail("only %ld writer sessions ran", atomic_load(&sh->sessions));
	static const int changing[] = {OP_CLEAN, OP_ROLLBACK, OP_RELINK};
	for (size_t i = 0; i < G_N_ELEMENTS(changing); i++) {
		const op_counts *c = &sh->ops[changing[i]];
		if (atomic_load(&c->changed) < MIN_BROWSER_SUCCESSES)
			fail("%s changed the run only %ld times", op_names[changing[i]],
			     atomic_load(&c->changed));
		/* A relink has work only just after make_last_absolute: rarely
		 * while a writer is live. */
		if (atomic_load(&c->refused) == 0 && changing[i] != OP_RELINK)
			fail("%s was never refused: no browser ran into a live writer",
			     op_names[changing[i]]);
	}
}

int main(int argc, char **argv)
{
	long seconds = argc > 1 ? atol(argv[1]) : 20;
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const char *dir = g_getenv("CKPT_CRASH_DIR");
	if (!dir && access("/dev/shm", W_OK) == 0)
		dir = "/dev/shm";
	char *base = g_build_filename(dir ? dir : g_get_tmp_dir(), "ckpt-race-XXXXXX", NULL);
	if (sh == MAP_FAILED || seconds < 1 || !mkdtemp(base) || !make_tree(base)) {
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
	writer_args wa = {w2c[1], c2w[0], w2c[0], c2w[1]};
	verifier_args va = {&before, w2c[0], c2w[1], w2c[1], c2w[0]};
	time_t start = time(NULL);
	pid_t writer = spawn(run_writer, &wa, false);
	pid_t verifier = spawn(run_verifier, &va, true);
	close(w2c[0]), close(w2c[1]), close(c2w[0]), close(c2w[1]);
	pid_t cleaner = spawn(run_cleaner, NULL, true);
	pid_t roller = spawn(run_roller, NULL, true);

	int status = 0;
	while (waitpid(writer, &status, WNOHANG) == 0) {
		if (time(NULL) - start >= seconds)
			atomic_store(&sh->stop, 1);
		if (time(NULL) - start >= seconds + 30) {
			fail("the writer hangs: killed");
			kill(writer, SIGKILL);
		}
		pause_ms(10);
	}
	if (WIFSIGNALED(status))
		fail("the writer died of signal %d", WTERMSIG(status));
	atomic_store(&sh->stop, 1);
	reap(verifier, "the verifier");
	reap(cleaner, "the cleaner");
	reap(roller, "the roller");
	final_checks(&before);
	require_both_sides();

	printf("writer    %6ld sessions, %ld epochs saved, %ld starts refused by a browser's "
	       "lock and retried; %ld invariant checks in sessions, %ld between them\n",
	       atomic_load(&sh->sessions), atomic_load(&sh->epochs_saved),
	       atomic_load(&sh->writer_waits), atomic_load(&sh->checks),
	       atomic_load(&sh->checks_between));
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
