/* scan-read.c: reading the runs a scan found on both cores, yet handing
 * them out in name order: this thread and a helper take runs in turn, and
 * this thread delivers each as soon as it and every run before it are read
 * (reading another itself while it waits), so output can stream in order.
 * In a full scan the helper starts during the walk, on the runs it finds. */
#include "scan-private.h"
#include "run-private.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct readers {
	scan_found *found;
	size_t n;
	bool thorough; /* refresh: every run with ckpt_run_refresh */
	const run_refresh_hint *hint;
	const ckpt_scan_hooks *hooks;
	size_t next; /* the next run to read, taken atomically */
	int stop;    /* atomic: deliver asked to stop */
	pthread_mutex_t lock;
	pthread_cond_t read_one;
} readers;

/* A run found anew: read, the failure's message kept (it is this thread's)
 * for the delivering one, else prepared by the hooks. */
static void read_new(scan_found *f, const ckpt_scan_hooks *hooks)
{
	f->changed = true;
	f->rc = ckpt_run_open_at(&f->run, &f->loc, f->name);
	if (f->rc)
		f->error = ckpt_strdup(ckpt_error_last());
	else if (hooks && hooks->prepare)
		f->prepared = hooks->prepare(f->run, hooks->payload);
}

static void read_one(readers *r, scan_found *f)
{
	if (f->checked == RUN_CHECK_READ) {
		/* Read during the walk already (its message kept with it). */
		ckpt_run_location_clear(&f->loc);
	} else if (f->old) {
		f->rc = r->thorough ? ckpt_run_refresh(&f->run, &f->changed, f->old)
				    : run_refresh_if_touched(&f->run, &f->changed, f->old, r->hint,
							 f->checked);
		ckpt_run_location_clear(&f->loc);
		if (f->rc)
			f->error = ckpt_strdup(ckpt_error_last());
	} else {
		read_new(f, r->hooks);
	}
	pthread_mutex_lock(&r->lock);
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&r->read_one);
	pthread_mutex_unlock(&r->lock);
}

/* Reads the next untaken run; false when none is left (or asked to stop). */
static bool read_next(readers *r)
{
	if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		return false;
	size_t i = __atomic_fetch_add(&r->next, 1, __ATOMIC_ACQ_REL);
	if (i >= r->n)
		return false;
	read_one(r, &r->found[i]);
	return true;
}

static void *helper(void *arg)
{
	readers *r = arg;
	while (read_next(r))
		;
	return NULL;
}

/* A run shared as it was, or read again, during the walk is no work. */
static bool two_threads_help(const scan_found *found, size_t n, bool thorough)
{
	size_t work = 0;
	for (size_t i = 0; i < n && work < 2; i++)
		work += found[i].checked != RUN_CHECK_READ &&
			(thorough || !found[i].old || found[i].checked != RUN_CHECK_SAME);
	return work > 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

int scan_read_all(scan_found *found, size_t n, bool thorough, const run_refresh_hint *hint,
		  const ckpt_scan_hooks *hooks, scan_deliver_fn deliver, void *payload)
{
	readers r = {.found = found, .n = n, .thorough = thorough, .hint = hint, .hooks = hooks};
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.read_one, NULL);
	pthread_t thread;
	bool helped = two_threads_help(found, n, thorough) &&
		      pthread_create(&thread, NULL, helper, &r) == 0;
	int rc = 0;
	for (size_t i = 0; i < n && !rc;) {
		if (__atomic_load_n(&found[i].done, __ATOMIC_ACQUIRE)) {
			rc = deliver(&found[i++], payload);
			continue;
		}
		if (read_next(&r))
			continue;
		pthread_mutex_lock(&r.lock);
		while (!__atomic_load_n(&found[i].done, __ATOMIC_ACQUIRE))
			pthread_cond_wait(&r.read_one, &r.lock);
		pthread_mutex_unlock(&r.lock);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	if (helped)
		pthread_join(thread, NULL);
	pthread_cond_destroy(&r.read_one);
	pthread_mutex_destroy(&r.lock);
	return rc;
}

/* ---- reading while the walk goes on -------------------------------------- */

/* One run offered by the walk: a copy of its location and name, read into
 * a piece of memory of its own (the walk's array of runs found moves when
 * it grows). */
typedef struct scan_early_read {
	scan_found found; /* loc and name (the walk's, which outlives this), then the read */
	bool read;
} early_read;

struct scan_early {
	const ckpt_scan_hooks *hooks;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t offered;
	early_read **queue; /* the runs offered, in order; the thread takes them from next */
	size_t n, cap, next;
	bool walk_done;
};

static void *early_reader(void *arg)
{
	scan_early *e = arg;
	pthread_mutex_lock(&e->lock);
	for (;;) {
		while (e->next == e->n && !e->walk_done)
			pthread_cond_wait(&e->offered, &e->lock);
		if (e->walk_done)
			break; /* what is left goes to both readers after the sort */
		early_read *j = e->queue[e->next++];
		pthread_mutex_unlock(&e->lock);
		read_new(&j->found, e->hooks);
		j->read = true;
		pthread_mutex_lock(&e->lock);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

scan_early *scan_early_start(const ckpt_scan_hooks *hooks)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return NULL;
	scan_early *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->hooks = hooks;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->offered, NULL);
	if (pthread_create(&e->thread, NULL, early_reader, e) != 0) {
		pthread_cond_destroy(&e->offered);
		pthread_mutex_destroy(&e->lock);
		free(e);
		return NULL;
	}
	return e;
}

void scan_early_offer(scan_early *e, scan_found *f)
{
	if (!e)
		return;
	early_read *j = calloc(1, sizeof *j);
	if (!j)
		return;
	j->found.loc = f->loc;
	j->found.name = f->name;
	pthread_mutex_lock(&e->lock);
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 64;
		early_read **grown = reallocarray(e->queue, cap, sizeof *grown);
		if (!grown) {
			pthread_mutex_unlock(&e->lock);
			free(j);
			return;
		}
		e->queue = grown;
		e->cap = cap;
	}
	e->queue[e->n++] = j;
	pthread_cond_signal(&e->offered);
	pthread_mutex_unlock(&e->lock);
	memset(&f->loc, 0, sizeof f->loc);
	f->early = j;
}

void scan_early_finish(scan_early *e, scan_found *found, size_t n)
{
	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	e->walk_done = true;
	pthread_cond_signal(&e->offered);
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->thread, NULL);
	for (size_t i = 0; i < n; i++) {
		scan_found *f = &found[i];
		early_read *j = f->early;
		if (!j)
			continue;
		const scan_found *got = &j->found;
		if (j->read) {
			f->checked = RUN_CHECK_READ;
			f->changed = got->changed;
			f->run = got->run, f->rc = got->rc, f->error = got->error;
			f->prepared = got->prepared;
		} else {
			f->loc = got->loc; /* read with the rest */
		}
		free(j);
		f->early = NULL;
	}
	free(e->queue);
	pthread_cond_destroy(&e->offered);
	pthread_mutex_destroy(&e->lock);
	free(e);
}
