/* dash-actor.c: the actor thread: one user action at a time, each a
 * libckpt call with its answer posted back: verify (its progress shared
 * for the status line, cancelled by Esc through the callback's return
 * value), clean plans and their application, rollbacks (a forced dry run
 * learns first what force overrules) and relinks. A change is followed by
 * a refresh of the run, so that the screen shows what is now on disk. */
#include "dash-jobs-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
	dash_action action;
	ckpt_run **runs;
	size_t n;
	int64_t epoch, keep;
	ckpt_keep_mode mode;
	unsigned flags;
	ckpt_clean_plan *plan;
};

static void job_free(job *jb)
{
	if (!jb)
		return;
	for (size_t i = 0; i < jb->n; i++)
		ckpt_run_unref(jb->runs[i]);
	free(jb->runs);
	ckpt_clean_plan_free(jb->plan);
	free(jb);
}

/* Takes jb (freed when refused). */
static bool submit(dash_jobs *j, job *jb)
{
	if (!jb)
		return false;
	pthread_mutex_lock(&j->lock);
	bool free_slot = j->job == NULL;
	if (free_slot) {
		j->job = jb;
		j->cancel = 0;
		memset(&j->progress, 0, sizeof j->progress);
		j->progress.action = jb->action;
		j->action_start = dash_now();
		pthread_cond_signal(&j->actor_wake);
	}
	pthread_mutex_unlock(&j->lock);
	if (!free_slot)
		job_free(jb);
	return free_slot;
}

static job *job_new(dash_action action, ckpt_run *const *runs, size_t n)
{
	job *jb = calloc(1, sizeof *jb);
	if (!jb)
		return NULL;
	jb->action = action;
	jb->runs = calloc(n ? n : 1, sizeof *jb->runs);
	if (!jb->runs) {
		free(jb);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		jb->runs[i] = ckpt_run_ref(runs[i]);
	jb->n = n;
	return jb;
}

bool dash_jobs_verify(dash_jobs *j, ckpt_run *const *runs, size_t n, int64_t epoch)
{
	job *jb = job_new(ACTION_VERIFY, runs, n);
	if (jb)
		jb->epoch = epoch;
	return submit(j, jb);
}

bool dash_jobs_plan(dash_jobs *j, ckpt_run *run, int64_t keep, ckpt_keep_mode mode)
{
	job *jb = job_new(ACTION_PLAN, &run, 1);
	if (jb)
		jb->keep = keep, jb->mode = mode;
	return submit(j, jb);
}

bool dash_jobs_clean(dash_jobs *j, ckpt_clean_plan *plan)
{
	ckpt_run *run = (ckpt_run *)ckpt_clean_plan_run(plan);
	job *jb = job_new(ACTION_CLEAN, &run, 1);
	if (!jb) {
		ckpt_clean_plan_free(plan);
		return false;
	}
	jb->plan = plan;
	return submit(j, jb);
}

bool dash_jobs_rollback(dash_jobs *j, ckpt_run *run, int64_t epoch, unsigned flags)
{
	job *jb = job_new(ACTION_ROLLBACK, &run, 1);
	if (jb)
		jb->epoch = epoch, jb->flags = flags;
	return submit(j, jb);
}

bool dash_jobs_relink(dash_jobs *j, ckpt_run *run)
{
	return submit(j, job_new(ACTION_RELINK, &run, 1));
}

void dash_jobs_cancel(dash_jobs *j)
{
	j->cancel = 1;
	pthread_mutex_lock(&j->lock);
	if (j->job)
		j->progress.cancelling = true;
	pthread_mutex_unlock(&j->lock);
}

void dash_jobs_progress(dash_jobs *j, dash_progress *out)
{
	pthread_mutex_lock(&j->lock);
	*out = j->progress;
	out->elapsed = j->job ? dash_now() - j->action_start : 0;
	pthread_mutex_unlock(&j->lock);
}

typedef struct verify_ctx {
	dash_jobs *j;
	const char *root;
	size_t count, problems;
} verify_ctx;

static int on_verify_progress(const ckpt_progress_event *ev, void *payload)
{
	verify_ctx *v = payload;
	dash_jobs *j = v->j;
	pthread_mutex_lock(&j->lock);
	j->progress.epoch = ev->epoch;
	j->progress.done = ev->done, j->progress.total = ev->total;
	j->progress.items_done = ev->items_done, j->progress.items_total = ev->items_total;
	pthread_mutex_unlock(&j->lock);
	return j->cancel || j->stop;
}

static int on_verify_item(const ckpt_verify_item *item, void *payload)
{
	verify_ctx *v = payload;
	dash_msg *m = dash_msg_new(MSG_VERIFY_ITEM, v->root);
	if (m) {
		m->epoch = item->epoch;
		m->result = item->result;
		m->at = item->checked_at;
		if (item->computed && item->stored && item->result == CKPT_VERIFY_MISMATCH &&
		    asprintf(&m->text, "stored %s, computed %s", item->stored, item->computed) < 0)
			m->text = NULL;
	}
	dash_post(v->j, m);
	v->count++;
	v->problems += ckpt_verify_result_is_problem(item->result);
	return v->j->cancel || v->j->stop;
}

static void run_verify(dash_jobs *j, job *jb)
{
	dash_msg *done = dash_msg_new(MSG_VERIFY_DONE, NULL);
	verify_ctx v = {j, NULL, 0, 0};
	ckpt_progress progress = {on_verify_progress, &v, &j->cancel};
	int first_rc = 0;
	for (size_t i = 0; i < jb->n && !j->cancel && !j->stop; i++) {
		const char *root = ckpt_run_root(jb->runs[i]);
		pthread_mutex_lock(&j->lock);
		snprintf(j->progress.run, sizeof j->progress.run, "%s", ckpt_run_name(jb->runs[i]));
		j->progress.run_index = i, j->progress.run_count = jb->n;
		j->progress.bytes_before += j->progress.total;
		j->progress.done = j->progress.total = 0;
		pthread_mutex_unlock(&j->lock);
		v.root = root;
		int rc = ckpt_verify(jb->runs[i], jb->epoch ? &jb->epoch : NULL, jb->epoch ? 1 : 0,
				     0, &progress, on_verify_item, &v);
		if (rc && !first_rc && done)
			dash_msg_fail(done, rc);
		first_rc = first_rc ? first_rc : rc;
		dash_post(j, dash_msg_new(MSG_VERIFY_RUN, root));
		dash_jobs_refresh(j, root);
	}
	if (done && !first_rc && (j->cancel || j->stop))
		done->rc = CKPT_ECANCELLED;
	if (done)
		done->count = v.count, done->problems = v.problems;
	dash_post(j, done);
}

static void run_plan(dash_jobs *j, job *jb)
{
	ckpt_run *run = jb->runs[0];
	dash_msg *m = dash_msg_new(MSG_PLAN, ckpt_run_root(run));
	ckpt_clean_plan *plan = NULL;
	int rc = ckpt_clean_plan_new(&plan, run, jb->keep, jb->mode);
	if (!m) {
		ckpt_clean_plan_free(plan);
		return;
	}
	m->keep = jb->keep, m->mode = jb->mode;
	if (rc)
		dash_msg_fail(m, rc);
	m->plan = plan;
	dash_post(j, m);
}

static void run_clean(dash_jobs *j, job *jb)
{
	const char *root = ckpt_run_root(jb->runs[0]);
	dash_msg *m = dash_msg_new(MSG_CLEAN, root);
	ckpt_progress progress = {NULL, NULL, &j->stop};
	int rc = ckpt_clean_apply(jb->plan, &progress);
	if (m) {
		if (rc)
			dash_msg_fail(m, rc);
		m->count = ckpt_clean_plan_delete_count(jb->plan);
		m->bytes = ckpt_clean_plan_bytes_freed(jb->plan);
	}
	dash_post(j, m);
	dash_jobs_refresh(j, root);
}

/* The rollback's checksum check reads the whole model: its bytes. */
static int on_check_progress(const ckpt_progress_event *ev, void *payload)
{
	dash_jobs *j = payload;
	pthread_mutex_lock(&j->lock);
	j->progress.done = ev->done, j->progress.total = ev->total;
	pthread_mutex_unlock(&j->lock);
	return j->cancel || j->stop;
}

static void run_rollback(dash_jobs *j, job *jb)
{
	ckpt_run *run = jb->runs[0];
	const char *root = ckpt_run_root(run);
	dash_msg *m = dash_msg_new(MSG_ROLLBACK, root);
	pthread_mutex_lock(&j->lock);
	snprintf(j->progress.run, sizeof j->progress.run, "%s", ckpt_run_name(run));
	j->progress.epoch = jb->epoch;
	pthread_mutex_unlock(&j->lock);
	ckpt_progress progress = {on_check_progress, j, &j->cancel};
	/* A forced dry run says what force would overrule: the refusal first. */
	if (m && (jb->flags & CKPT_FLAG_FORCE) && (jb->flags & CKPT_FLAG_DRY_RUN)) {
		int rc = ckpt_rollback_progress(NULL, run, jb->epoch, CKPT_FLAG_DRY_RUN, &progress);
		if (rc == CKPT_EREFUSED)
			m->text = strdup(ckpt_error_last());
	}
	ckpt_restart *restart = NULL;
	int rc = ckpt_rollback_progress(&restart, run, jb->epoch, jb->flags, &progress);
	if (!m) {
		ckpt_restart_free(restart);
		return;
	}
	m->epoch = jb->epoch, m->flags = jb->flags;
	if (rc)
		dash_msg_fail(m, rc);
	m->restart = restart;
	dash_post(j, m);
	if (!(jb->flags & CKPT_FLAG_DRY_RUN))
		dash_jobs_refresh(j, root);
}

static void run_relink(dash_jobs *j, job *jb)
{
	const char *root = ckpt_run_root(jb->runs[0]);
	dash_msg *m = dash_msg_new(MSG_RELINK, root);
	int changed = 0;
	int rc = ckpt_relink(&changed, jb->runs[0]);
	if (m) {
		if (rc)
			dash_msg_fail(m, rc);
		m->count = changed > 0 ? (size_t)changed : 0;
	}
	dash_post(j, m);
	dash_jobs_refresh(j, root);
}

void *dash_actor_main(void *payload)
{
	dash_jobs *j = payload;
	for (;;) {
		pthread_mutex_lock(&j->lock);
		while (!j->job && !j->stop)
			pthread_cond_wait(&j->actor_wake, &j->lock);
		job *jb = j->stop ? NULL : j->job;
		pthread_mutex_unlock(&j->lock);
		if (!jb)
			break;
		switch (jb->action) {
		case ACTION_VERIFY: run_verify(j, jb); break;
		case ACTION_PLAN: run_plan(j, jb); break;
		case ACTION_CLEAN: run_clean(j, jb); break;
		case ACTION_ROLLBACK: run_rollback(j, jb); break;
		case ACTION_RELINK: run_relink(j, jb); break;
		default: break;
		}
		pthread_mutex_lock(&j->lock);
		j->job = NULL;
		j->progress.action = ACTION_NONE;
		pthread_mutex_unlock(&j->lock);
		job_free(jb);
	}
	return NULL;
}

void dash_actor_forget(dash_jobs *j)
{
	job_free(j->job);
	j->job = NULL;
}
