/* scan-read.c: reading the runs a scan found on both cores, yet handing
 * them out in name order: this thread and a helper take runs in turn, and
 * this thread delivers each as soon as it and every run before it are read
 * (reading another itself while it waits), so output can stream in order. */
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

static void read_one(readers *r, scan_found *f)
{
	if (f->checked == RUN_CHECK_READ) {
		ckpt_run_location_clear(&f->loc); /* read during the walk already */
	} else if (f->old) {
		f->rc = r->thorough ? ckpt_run_refresh(&f->run, &f->changed, f->old)
				    : run_refresh_if_touched(&f->run, &f->changed, f->old, r->hint,
							 f->checked);
		ckpt_run_location_clear(&f->loc);
	} else {
		f->changed = true;
		f->rc = ckpt_run_open_at(&f->run, &f->loc, f->name);
	}
	/* The message is this thread's (or the checker's, kept already): keep
	 * it for the delivering one. */
	if (f->rc) {
		if (!f->error)
			f->error = ckpt_strdup(ckpt_error_last());
	} else if (!f->old && r->hooks && r->hooks->prepare) {
		f->prepared = r->hooks->prepare(f->run, r->hooks->payload);
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
		work += thorough || !found[i].old ||
			(found[i].checked != RUN_CHECK_SAME && found[i].checked != RUN_CHECK_READ);
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
