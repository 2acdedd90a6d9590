/* verify-pool.c: the few threads that sum models for ckpt_verify: a queue of
 * jobs run in the order pushed while the calling thread waits, delivers and
 * reports; one lock, one condition each way, a stop flag the jobs watch and
 * a byte counter for progress. Without threads the caller runs the jobs. */
#include "internal.h"

#include "checksum-private.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define DEFAULT_MAX_THREADS 4 /* two cores reach memory bandwidth; more only contend */
#define NEWS_BYTES ((uint64_t)64 << 20)

struct ckpt_pool {
	pthread_mutex_t lock;
	pthread_cond_t work; /* workers: a job was queued, or quit */
	pthread_cond_t news; /* the creator: a job is done, or 64 MiB more were summed */
	ckpt_pool_job *head, *tail;
	size_t pending; /* pushed and not yet done */
	bool has_news, quit;
	atomic_bool stop;
	atomic_uint_least64_t counted;
	const volatile int *cancel;
	pthread_t *threads;
	unsigned n_threads;
};

unsigned ckpt_pool_default_threads(void)
{
	const char *knob = getenv("CKPT_VERIFY_THREADS");
	long long forced;
	if (knob && ckpt_parse_long(knob, &forced) && forced >= 0)
		return forced > MAX_THREADS ? MAX_THREADS : (unsigned)forced;
	long cpus = 0;
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		cpus = CPU_COUNT(&set);
	if (cpus <= 0)
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus <= 0)
		cpus = 1;
	return cpus > DEFAULT_MAX_THREADS ? DEFAULT_MAX_THREADS : (unsigned)cpus;
}

static ckpt_pool_job *pop(ckpt_pool *pool)
{
	ckpt_pool_job *job = pool->head;
	if (job) {
		pool->head = job->next;
		if (!pool->head)
			pool->tail = NULL;
		job->next = NULL;
	}
	return job;
}

/* Under the lock. */
static void finish(ckpt_pool *pool, ckpt_pool_job *job)
{
	job->done = true;
	pool->pending--;
	pool->has_news = true;
	pthread_cond_signal(&pool->news);
}

static void *worker(void *payload)
{
	ckpt_pool *pool = payload;
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		ckpt_pool_job *job = pop(pool);
		if (!job) {
			if (pool->quit)
				break;
			pthread_cond_wait(&pool->work, &pool->lock);
			continue;
		}
		pthread_mutex_unlock(&pool->lock);
		job->run(job, pool);
		pthread_mutex_lock(&pool->lock);
		finish(pool, job);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* Workers take no asynchronous signal: a program's SIGINT or SIGTERM goes to
 * its own threads, as if libckpt had none. Faults still reach them. */
static void start_workers(ckpt_pool *pool, unsigned threads)
{
	sigset_t all, old;
	sigfillset(&all);
	static const int faults[] = {SIGBUS, SIGSEGV, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS};
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
		sigdelset(&all, faults[i]);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&pool->threads[pool->n_threads], NULL, worker, pool) != 0)
			break; /* fewer threads; with none the caller runs the jobs */
		pool->n_threads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int ckpt_pool_new(ckpt_pool **out, unsigned threads, const volatile int *cancel)
{
	*out = NULL;
	ckpt_pool *pool = calloc(1, sizeof *pool);
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (pool && threads)
		pool->threads = calloc(threads, sizeof *pool->threads);
	if (!pool || (threads && !pool->threads)) {
		free(pool);
		return ckpt_fail(CKPT_ENOMEM, "verify: out of memory");
	}
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work, NULL);
	pthread_cond_init(&pool->news, &attr);
	pthread_condattr_destroy(&attr);
	atomic_init(&pool->stop, false);
	atomic_init(&pool->counted, 0);
	pool->cancel = cancel;
	start_workers(pool, threads);
	*out = pool;
	return 0;
}

unsigned ckpt_pool_threads(const ckpt_pool *pool)
{
	return pool->n_threads;
}

void ckpt_pool_push(ckpt_pool *pool, ckpt_pool_job *job)
{
	/* Under the lock: the creator may be asking whether the job is done. */
	pthread_mutex_lock(&pool->lock);
	job->next = NULL;
	job->done = false;
	if (pool->tail)
		pool->tail->next = job;
	else
		pool->head = job;
	pool->tail = job;
	pool->pending++;
	pthread_cond_signal(&pool->work);
	pthread_mutex_unlock(&pool->lock);
}

bool ckpt_pool_job_done(ckpt_pool *pool, const ckpt_pool_job *job)
{
	pthread_mutex_lock(&pool->lock);
	bool done = job->done;
	pthread_mutex_unlock(&pool->lock);
	return done;
}

/* Without workers: the next job, here. */
static void run_one(ckpt_pool *pool)
{
	ckpt_pool_job *job = pop(pool);
	if (!job)
		return;
	pthread_mutex_unlock(&pool->lock);
	job->run(job, pool);
	pthread_mutex_lock(&pool->lock);
	finish(pool, job);
}

void ckpt_pool_wait(ckpt_pool *pool, unsigned timeout_ms)
{
	pthread_mutex_lock(&pool->lock);
	if (!pool->n_threads) {
		run_one(pool);
	} else if (!pool->has_news) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!pool->has_news &&
		       pthread_cond_timedwait(&pool->news, &pool->lock, &until) != ETIMEDOUT)
			;
	}
	pool->has_news = false;
	pthread_mutex_unlock(&pool->lock);
}

void ckpt_pool_stop(ckpt_pool *pool)
{
	atomic_store(&pool->stop, true);
	pthread_mutex_lock(&pool->lock);
	for (ckpt_pool_job *job; (job = pop(pool)) != NULL;)
		finish(pool, job);
	pthread_mutex_unlock(&pool->lock);
}

void ckpt_pool_drain(ckpt_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	while (pool->pending) {
		if (pool->n_threads)
			pthread_cond_wait(&pool->news, &pool->lock);
		else
			run_one(pool);
	}
	pool->has_news = false;
	pthread_mutex_unlock(&pool->lock);
}

const atomic_bool *ckpt_pool_stop_flag(ckpt_pool *pool)
{
	return &pool->stop;
}

void ckpt_pool_count(uint64_t bytes, void *payload)
{
	ckpt_pool *pool = payload;
	uint64_t before = atomic_fetch_add_explicit(&pool->counted, bytes, memory_order_relaxed);
	if (!pool->n_threads) {
		/* The job runs on the creator's thread: it may read its flag. */
		if (pool->cancel && *pool->cancel)
			atomic_store(&pool->stop, true);
		return;
	}
	if (before / NEWS_BYTES != (before + bytes) / NEWS_BYTES) {
		pthread_mutex_lock(&pool->lock);
		pool->has_news = true;
		pthread_cond_signal(&pool->news);
		pthread_mutex_unlock(&pool->lock);
	}
}

uint64_t ckpt_pool_counted(const ckpt_pool *pool)
{
	return atomic_load_explicit(&pool->counted, memory_order_relaxed);
}

void ckpt_pool_free(ckpt_pool *pool)
{
	if (!pool)
		return;
	ckpt_pool_stop(pool);
	ckpt_pool_drain(pool);
	pthread_mutex_lock(&pool->lock);
	pool->quit = true;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->n_threads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_cond_destroy(&pool->news);
	pthread_cond_destroy(&pool->work);
	pthread_mutex_destroy(&pool->lock);
	free(pool->threads);
	free(pool);
}
