/* scan-check.c: during a list refresh, the look at each known run's own
 * files (run_level_unchanged) on a second thread from the start, while the
 * walk finds which runs are still there, and the new read of a run found
 * changed: the two need nothing of each other until the walk ends, when
 * this thread takes its share of what is left and the walk's runs are
 * matched to the old ones. */
#include "scan-private.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct check_result {
	int state; /* atomic: RUN_CHECK_UNKNOWN until checked, then _SAME or _READ */
	ckpt_run *run; /* _READ: what run_refresh_shallow gave, or NULL with rc */
	bool changed;
	int rc;
	char *error; /* the failed read's message (this thread's to hand over) */
} check_result;

struct scan_checks {
	ckpt_run *const *olds; /* the old list's runs, borrowed */
	check_result *results;
	size_t n;
	size_t next; /* atomic: the next run to check */
	const run_refresh_hint *hint;
	/* The checker's: the scanned folder opened again for it, so that the
	 * two threads' calls do not share (and bounce between the cores) the
	 * count of one open file; the walk's hint when that fails. */
	run_refresh_hint checker_hint;
	int checker_fd;
	pthread_t thread;
	bool started;
};

/* The fields of the runs next in line, and then their roots, on their way
 * from memory while this one's lstats run: the checks go through thousands
 * of runs that the scans since have pushed out of the caches. */
static void prefetch_ahead(const scan_checks *c, size_t i)
{
	if (i + 2 < c->n)
		for (size_t line = 0; line < 5; line++)
			__builtin_prefetch((const char *)c->olds[i + 2] + 64 * line);
	if (i + 1 < c->n)
		__builtin_prefetch(ckpt_run_root(c->olds[i + 1]));
}

/* Takes and checks the next run; false when none is left. */
static bool check_next(scan_checks *c, const run_refresh_hint *hint)
{
	size_t i = __atomic_fetch_add(&c->next, 1, __ATOMIC_ACQ_REL);
	if (i >= c->n)
		return false;
	prefetch_ahead(c, i);
	check_result *r = &c->results[i];
	int state = RUN_CHECK_SAME;
	if (!run_level_unchanged(c->olds[i], hint)) {
		state = RUN_CHECK_READ;
		r->rc = run_refresh_shallow(&r->run, &r->changed, c->olds[i]);
		if (r->rc)
			r->error = ckpt_strdup(ckpt_error_last());
	}
	__atomic_store_n(&r->state, state, __ATOMIC_RELEASE);
	return true;
}

static void *checker(void *arg)
{
	scan_checks *c = arg;
	while (check_next(c, &c->checker_hint))
		;
	return NULL;
}

/* The folder open as fd, opened again: a new open file of the same folder
 * (-1 when that fails). */
static int open_again(int fd)
{
	return fd < 0 ? -1 : openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

scan_checks *scan_checks_start(ckpt_run *const *olds, size_t n, const run_refresh_hint *hint)
{
	if (n < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return NULL; /* nothing to overlap with: the readers check as before */
	scan_checks *c = calloc(1, sizeof *c);
	if (!c || !(c->results = calloc(n, sizeof *c->results))) {
		free(c);
		return NULL;
	}
	c->olds = olds;
	c->n = n;
	c->hint = hint;
	c->checker_hint = *hint;
	c->checker_fd = open_again(hint->base_fd);
	if (c->checker_fd >= 0)
		c->checker_hint.base_fd = c->checker_fd;
	c->started = pthread_create(&c->thread, NULL, checker, c) == 0;
	if (!c->started) {
		scan_checks_finish(c);
		return NULL;
	}
	return c;
}

void scan_checks_walk_done(scan_checks *c)
{
	if (!c)
		return;
	while (check_next(c, c->hint))
		; /* this thread's share of what is left */
	if (c->started)
		pthread_join(c->thread, NULL);
	c->started = false;
}

void scan_checks_take(scan_checks *c, long old, scan_found *f)
{
	if (!c || old < 0 || (size_t)old >= c->n)
		return;
	check_result *r = &c->results[old];
	f->checked = __atomic_load_n(&r->state, __ATOMIC_ACQUIRE);
	if (f->checked != RUN_CHECK_READ)
		return;
	f->run = r->run, f->changed = r->changed, f->rc = r->rc, f->error = r->error;
	r->run = NULL, r->error = NULL;
}

void scan_checks_finish(scan_checks *c)
{
	if (!c)
		return;
	if (c->started)
		scan_checks_walk_done(c);
	if (c->checker_fd >= 0)
		close(c->checker_fd);
	for (size_t i = 0; i < c->n; i++) { /* of runs the walk did not find again */
		ckpt_run_unref(c->results[i].run);
		free(c->results[i].error);
	}
	free(c->results);
	free(c);
}
