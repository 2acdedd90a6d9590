/* scan-check.c: during a list refresh, the look at each known run's own
 * files (run_level_unchanged) on a second thread while the walk is still
 * finding runs, so that the walk's system calls and the runs' overlap;
 * what is left when the walk ends, this thread takes its share of. */
#include "scan-private.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct check_job {
	ckpt_run *old;
	int result; /* atomic: RUN_CHECK_UNKNOWN until checked */
} check_job;

struct scan_checks {
	check_job *jobs; /* room for every run of the old list: never moved */
	size_t cap;
	size_t published; /* atomic: jobs[0..published) may be taken */
	size_t next;      /* atomic: the next job to take */
	int walk_done;    /* atomic */
	int sleeping;     /* atomic: the checker waits for more (so: wake it) */
	const run_refresh_hint *hint;
	/* The checker's: the scanned folder opened again for it, so that the
	 * two threads' calls do not share (and bounce between the cores) the
	 * count of one open file; the walk's hint when that fails. */
	run_refresh_hint checker_hint;
	int checker_fd;
	pthread_mutex_t lock;
	pthread_cond_t more;
	pthread_t thread;
	bool started;
};

/* Takes and checks the next published job; false when none is published. */
static bool check_next(scan_checks *c, const run_refresh_hint *hint)
{
	size_t i = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE);
	for (;;) {
		if (i >= __atomic_load_n(&c->published, __ATOMIC_ACQUIRE))
			return false;
		if (__atomic_compare_exchange_n(&c->next, &i, i + 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
	}
	bool same = run_level_unchanged(c->jobs[i].old, hint);
	__atomic_store_n(&c->jobs[i].result, same ? RUN_CHECK_SAME : RUN_CHECK_CHANGED,
			 __ATOMIC_RELEASE);
	return true;
}

static void *checker(void *arg)
{
	scan_checks *c = arg;
	const run_refresh_hint *hint = &c->checker_hint;
	for (;;) {
		if (check_next(c, hint))
			continue;
		/* sleeping is set before published is read again: a job published
		 * after that read sees it set, and waits for the lock to signal. */
		pthread_mutex_lock(&c->lock);
		__atomic_store_n(&c->sleeping, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&c->next, __ATOMIC_SEQ_CST) >=
			   __atomic_load_n(&c->published, __ATOMIC_SEQ_CST) &&
		       !__atomic_load_n(&c->walk_done, __ATOMIC_SEQ_CST))
			pthread_cond_wait(&c->more, &c->lock);
		__atomic_store_n(&c->sleeping, 0, __ATOMIC_SEQ_CST);
		bool done = __atomic_load_n(&c->walk_done, __ATOMIC_SEQ_CST);
		pthread_mutex_unlock(&c->lock);
		if (done && !check_next(c, hint))
			return NULL;
	}
}

/* The folder open as fd, opened again by path: -1 unless it is the same one. */
static int open_again(int fd, const char *path)
{
	if (fd < 0 || !path)
		return -1;
	int again = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat a, b;
	if (again >= 0 && (fstat(fd, &a) != 0 || fstat(again, &b) != 0 || a.st_dev != b.st_dev ||
			   a.st_ino != b.st_ino)) {
		close(again);
		again = -1;
	}
	return again;
}

scan_checks *scan_checks_start(size_t n_old, const run_refresh_hint *hint)
{
	if (n_old < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return NULL; /* nothing to overlap with: the readers check as before */
	scan_checks *c = calloc(1, sizeof *c);
	if (!c || !(c->jobs = calloc(n_old, sizeof *c->jobs))) {
		free(c);
		return NULL;
	}
	c->cap = n_old;
	c->hint = hint;
	c->checker_hint = *hint;
	c->checker_fd = open_again(hint->base_fd, hint->base);
	if (c->checker_fd >= 0)
		c->checker_hint.base_fd = c->checker_fd;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->more, NULL);
	c->started = pthread_create(&c->thread, NULL, checker, c) == 0;
	if (!c->started) {
		scan_checks_finish(c);
		return NULL;
	}
	return c;
}

long scan_checks_add(scan_checks *c, ckpt_run *old)
{
	size_t i = c ? __atomic_load_n(&c->published, __ATOMIC_RELAXED) : 0;
	if (!c || i >= c->cap)
		return -1;
	c->jobs[i] = (check_job){old, RUN_CHECK_UNKNOWN};
	__atomic_store_n(&c->published, i + 1, __ATOMIC_SEQ_CST);
	/* The lock and a wake-up only when the checker waits: no system call
	 * per job while it keeps up. */
	if (__atomic_load_n(&c->sleeping, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&c->lock);
		pthread_cond_signal(&c->more);
		pthread_mutex_unlock(&c->lock);
	}
	return (long)i;
}

void scan_checks_walk_done(scan_checks *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	__atomic_store_n(&c->walk_done, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&c->more);
	pthread_mutex_unlock(&c->lock);
	while (check_next(c, c->hint))
		; /* this thread's share of what is left */
	if (c->started)
		pthread_join(c->thread, NULL);
	c->started = false;
}

int scan_checks_result(const scan_checks *c, long job)
{
	if (!c || job < 0 || (size_t)job >= c->cap)
		return RUN_CHECK_UNKNOWN;
	return __atomic_load_n(&c->jobs[job].result, __ATOMIC_ACQUIRE);
}

void scan_checks_finish(scan_checks *c)
{
	if (!c)
		return;
	if (c->started)
		scan_checks_walk_done(c);
	pthread_cond_destroy(&c->more);
	pthread_mutex_destroy(&c->lock);
	if (c->checker_fd >= 0)
		close(c->checker_fd);
	free(c->jobs);
	free(c);
}
