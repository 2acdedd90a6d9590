/* dash-jobs.c: the dashboard's workers (see dash-jobs.h): the mailbox the
 * main thread drains when it wakes, the reader (histories and log tails),
 * and starting and stopping them all. The scanner is in dash-watch.c, the
 * actor in dash-actor.c. */
#include "dash-jobs-private.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double dash_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- messages --------------------------------------------------------------- */

dash_msg *dash_msg_new(dash_msg_kind kind, const char *root)
{
	dash_msg *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->kind = kind;
	m->path = -1;
	if (root && !(m->root = strdup(root))) {
		free(m);
		return NULL;
	}
	return m;
}

void dash_msg_fail(dash_msg *m, int rc)
{
	m->rc = rc;
	free(m->error);
	const char *text = ckpt_error_last();
	m->error = strdup(text && *text ? text : ckpt_error_name(rc));
}

void dash_msg_free(dash_msg *m)
{
	if (!m)
		return;
	free(m->root);
	ckpt_run_unref(m->run);
	for (size_t i = 0; i < m->n_runs; i++)
		ckpt_run_unref(m->runs[i]);
	free(m->runs);
	ckpt_history_free(m->history);
	ckpt_clean_plan_free(m->plan);
	ckpt_restart_free(m->restart);
	free(m->error);
	free(m->text);
	free(m);
}

void dash_post(dash_jobs *j, dash_msg *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&j->lock);
	bool was_empty = j->head == NULL;
	if (j->tail)
		j->tail->next = m;
	else
		j->head = m;
	j->tail = m;
	pthread_mutex_unlock(&j->lock);
	if (was_empty && j->mail[1] >= 0) {
		ssize_t n = write(j->mail[1], "m", 1);
		(void)n;
	}
}

int dash_jobs_fd(const dash_jobs *j)
{
	return j->mail[0];
}

dash_msg *dash_jobs_take(dash_jobs *j)
{
	char drain[64];
	while (j->mail[0] >= 0 && read(j->mail[0], drain, sizeof drain) > 0)
		;
	pthread_mutex_lock(&j->lock);
	dash_msg *all = j->head;
	j->head = j->tail = NULL;
	pthread_mutex_unlock(&j->lock);
	return all;
}

/* ---- the reader ----------------------------------------------------------- */

enum { REQ_HISTORY, REQ_LOG };

struct request {
	request *next;
	int kind;
	ckpt_run *run;
	bool sticky;
	size_t lines;
};

static void request_free(request *r)
{
	ckpt_run_unref(r->run);
	free(r);
}

static void enqueue(dash_jobs *j, int kind, ckpt_run *run, bool sticky, size_t lines)
{
	request *r = calloc(1, sizeof *r);
	if (!r)
		return;
	r->kind = kind, r->run = ckpt_run_ref(run), r->sticky = sticky, r->lines = lines;
	const char *root = ckpt_run_root(run);
	pthread_mutex_lock(&j->lock);
	/* One request per run and kind: the newest snapshot wins; and only
	 * the newest of the selections, which the user may be scrolling. */
	request **at = &j->requests, *passed_over = NULL;
	while (*at) {
		request *q = *at;
		bool same = q->kind == kind && strcmp(ckpt_run_root(q->run), root) == 0;
		bool passed =
		    kind == REQ_HISTORY && q->kind == REQ_HISTORY && !sticky && !q->sticky;
		if (same || passed) {
			r->sticky = r->sticky || (same && q->sticky);
			*at = q->next;
			if (same) {
				request_free(q);
			} else {
				q->next = passed_over;
				passed_over = q;
			}
		} else {
			at = &q->next;
		}
	}
	*at = r;
	pthread_cond_signal(&j->reader_wake);
	pthread_mutex_unlock(&j->lock);
	/* A history passed over is not coming: its run may ask again. */
	while (passed_over) {
		request *q = passed_over;
		passed_over = q->next;
		dash_msg *m = dash_msg_new(MSG_HISTORY, ckpt_run_root(q->run));
		if (m)
			m->rc = CKPT_ECANCELLED;
		dash_post(j, m);
		request_free(q);
	}
}

void dash_jobs_history(dash_jobs *j, ckpt_run *run, bool sticky)
{
	enqueue(j, REQ_HISTORY, run, sticky, 0);
}

void dash_jobs_log(dash_jobs *j, ckpt_run *run, size_t lines)
{
	enqueue(j, REQ_LOG, run, false, lines);
}

static void serve_history(dash_jobs *j, ckpt_run *run)
{
	const char *root = ckpt_run_root(run);
	dash_msg *m = dash_msg_new(MSG_HISTORY, root);
	ckpt_history *old = strmap_get(j->histories, root);
	ckpt_history *h = NULL;
	bool changed = true;
	int rc = old ? ckpt_history_refresh(&h, &changed, old, run) : ckpt_history_load(&h, run);
	if (rc) {
		if (m)
			dash_msg_fail(m, rc);
	} else if (!changed) {
		ckpt_history_free(h);
		if (m)
			m->history = ckpt_history_ref(old);
	} else if (strmap_set(j->histories, root, h) == 0) {
		/* The newest is the reader's, to refresh from next time. */
		ckpt_history_free(old);
		if (m)
			m->history = ckpt_history_ref(h);
	} else {
		ckpt_history_free(h);
	}
	dash_post(j, m);
}

static void serve_log(dash_jobs *j, ckpt_run *run, size_t lines)
{
	dash_msg *m = dash_msg_new(MSG_LOG, ckpt_run_root(run));
	char *text = NULL;
	int rc = ckpt_run_log_tail(&text, run, lines);
	if (!m) {
		ckpt_free(text);
		return;
	}
	if (rc) {
		dash_msg_fail(m, rc);
	} else {
		/* Into our own allocation: dash_msg_free uses free(). */
		m->text = strdup(text ? text : "");
	}
	ckpt_free(text);
	dash_post(j, m);
}

static void *reader_main(void *payload)
{
	dash_jobs *j = payload;
	for (;;) {
		pthread_mutex_lock(&j->lock);
		while (!j->requests && !j->stop)
			pthread_cond_wait(&j->reader_wake, &j->lock);
		request *r = j->stop ? NULL : j->requests;
		if (r)
			j->requests = r->next;
		pthread_mutex_unlock(&j->lock);
		if (!r)
			break;
		if (r->kind == REQ_HISTORY)
			serve_history(j, r->run);
		else
			serve_log(j, r->run, r->lines);
		request_free(r);
	}
	return NULL;
}

/* ---- starting and stopping ----------------------------------------------------- */

static int start_thread(pthread_t *thread, void *(*fn)(void *), void *payload, const char *name)
{
	/* Signals go to the main thread, which waits for keys and ends on them. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(thread, NULL, fn, payload);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* Named for top -H and perf. */
	if (rc == 0)
		pthread_setname_np(*thread, name);
	return rc;
}

int dash_jobs_start(dash_jobs **out, const dash_jobs_config *config)
{
	*out = NULL;
	dash_jobs *j = calloc(1, sizeof *j);
	if (!j)
		return -1;
	j->config = *config;
	j->wake[0] = j->wake[1] = -1;
	j->mail[0] = j->mail[1] = -1;
	j->ifd = -1;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->reader_wake, NULL);
	pthread_cond_init(&j->actor_wake, NULL);
	j->paths = calloc(config->n_paths ? config->n_paths : 1, sizeof *j->paths);
	j->lists = calloc(config->n_paths ? config->n_paths : 1, sizeof *j->lists);
	j->watched = strmap_new();
	j->histories = strmap_new();
	bool ok = j->paths && j->lists && j->watched && j->histories &&
		  pipe2(j->wake, O_CLOEXEC | O_NONBLOCK) == 0 &&
		  pipe2(j->mail, O_CLOEXEC | O_NONBLOCK) == 0;
	for (size_t i = 0; ok && i < config->n_paths; i++)
		ok = (j->paths[i] = strdup(config->paths[i])) != NULL;
	j->config.paths = (const char *const *)j->paths;
	j->scanning = true;
	if (ok)
		ok = (j->scanner_started =
			  start_thread(&j->scanner, dash_scanner_main, j, "ckpt-scanner") == 0);
	if (ok)
		ok = (j->reader_started =
			  start_thread(&j->reader, reader_main, j, "ckpt-reader") == 0);
	if (ok)
		ok = (j->actor_started =
			  start_thread(&j->actor, dash_actor_main, j, "ckpt-actor") == 0);
	if (!ok) {
		dash_jobs_stop(j, 1.0);
		return -1;
	}
	*out = j;
	return 0;
}

/* Joins a thread within the deadline; false when it is still busy. */
static bool join_by(pthread_t thread, double deadline)
{
	for (;;) {
		if (pthread_tryjoin_np(thread, NULL) == 0)
			return true;
		if (dash_now() >= deadline)
			return false;
		struct timespec pause = {0, 10 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
}

static void free_strings(char **items, size_t n)
{
	for (size_t i = 0; items && i < n; i++)
		free(items[i]);
	free(items);
}

static void free_histories(dash_jobs *j);

void dash_jobs_stop(dash_jobs *j, double seconds)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	j->stop = 1;
	j->cancel = 1;
	pthread_cond_broadcast(&j->reader_wake);
	pthread_cond_broadcast(&j->actor_wake);
	pthread_mutex_unlock(&j->lock);
	if (j->wake[1] >= 0) {
		ssize_t n = write(j->wake[1], "x", 1);
		(void)n;
	}
	double deadline = dash_now() + seconds;
	bool joined = true;
	if (j->scanner_started)
		joined = join_by(j->scanner, deadline) && joined;
	if (j->reader_started)
		joined = join_by(j->reader, deadline) && joined;
	if (j->actor_started)
		joined = join_by(j->actor, deadline) && joined;
	/* A thread still inside the library may yet touch all of this: it is
	 * left to the end of the process. */
	if (!joined)
		return;
	dash_msg *m = dash_jobs_take(j);
	while (m) {
		dash_msg *next = m->next;
		dash_msg_free(m);
		m = next;
	}
	while (j->requests) {
		request *r = j->requests;
		j->requests = r->next;
		request_free(r);
	}
	dash_actor_forget(j);
	free_histories(j);
	dash_scanner_free(j);
	free_strings(j->hot, j->n_hot);
	free_strings(j->asked, j->n_asked);
	free_strings(j->paths, j->config.n_paths);
	free(j->lists);
	if (j->wake[0] >= 0)
		close(j->wake[0]), close(j->wake[1]);
	if (j->mail[0] >= 0)
		close(j->mail[0]), close(j->mail[1]);
	pthread_cond_destroy(&j->reader_wake);
	pthread_cond_destroy(&j->actor_wake);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

static void unref_history(const char *key, void *value, void *payload)
{
	(void)key, (void)payload;
	ckpt_history_free(value);
}

static void free_histories(dash_jobs *j)
{
	strmap_each(j->histories, unref_history, NULL);
	strmap_free(j->histories);
	j->histories = NULL;
}
