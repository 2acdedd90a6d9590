/* scan-check.c: during a list refresh, the look at each known run's own
 * files (run_level_unchanged) on a second thread while the walk is still
 * finding runs, so that the walk's system calls and the runs' overlap;
 * what is left when the walk ends, this thread takes its share of. */
#include "scan-private.h"

#include <pthread.h>
#include <stdlib.h>
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
	pthread_mutex_t lock;
	pthread_cond_t more;
	pthread_t thread;
	bool started;
};

/* Takes and checks the next published job; false when none is published. */
static bool check_next(scan_checks *c)
{
	size_t i = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE);
	for (;;) {
		if (i >= __atomic_load_n(&c->published, __ATOMIC_ACQUIRE))
			return false;
		if (__atomic_compare_exchange_n(&c->next, &i, i + 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
	}
	bool same = run_level_unchanged(c->jobs[i].old, c->hint);
	__atomic_store_n(&c->jobs[i].result, same ? RUN_CHECK_SAME : RUN_CHECK_CHANGED,
			 __ATOMIC_RELEASE);
	return true;
}

static void *checker(void *arg)
{
	scan_checks *c = arg;
	for (;;) {
		if (check_next(c))
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
		if (done && !check_next(c))
			return NULL;
	}
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
	while (check_next(c))
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
	free(c->jobs);
	free(c);
}
