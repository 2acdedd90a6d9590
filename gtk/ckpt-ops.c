/* ckpt-ops.c: libckpt's long calls on GTask threads (see ckpt-ops.h). The
 * snapshot a call works on is referenced by its task, so the UI may replace
 * it meanwhile; libckpt's per-thread error text is copied into the GError
 * on the thread that made the call. */
#define G_LOG_DOMAIN "ckpt-ops"

#include "ckpt-ops.h"

/* ---- progress ----------------------------------------------------------------- */

struct _CkptProgress {
	GMutex lock;
	guint64 done, total, items_done, items_total;
	gint64 epoch;
	gboolean whole_call; /* events for the whole call came: one file's say less */
	CkptCancelFlag *cancel; /* the call's, while it runs */
};

CkptProgress *ckpt_progress_new(void)
{
	CkptProgress *p = g_atomic_rc_box_new0(CkptProgress);
	g_mutex_init(&p->lock);
	return p;
}

CkptProgress *ckpt_progress_ref(CkptProgress *p)
{
	return g_atomic_rc_box_acquire(p);
}

static void progress_clear(CkptProgress *p)
{
	g_mutex_clear(&p->lock);
}

void ckpt_progress_unref(CkptProgress *p)
{
	if (p)
		g_atomic_rc_box_release_full(p, (GDestroyNotify)progress_clear);
}

double ckpt_progress_get(CkptProgress *p, gint64 *epoch, guint64 *items_done, guint64 *items_total)
{
	g_mutex_lock(&p->lock);
	double fraction = p->total ? (double)p->done / (double)p->total : -1.0;
	if (epoch)
		*epoch = p->epoch;
	if (items_done)
		*items_done = p->items_done;
	if (items_total)
		*items_total = p->items_total;
	g_mutex_unlock(&p->lock);
	return fraction;
}

/* libckpt's progress callback: records the event; a cancelled call stops. */
static int on_progress(const ckpt_progress_event *event, void *payload)
{
	CkptProgress *p = payload;
	g_mutex_lock(&p->lock);
	/* One file's bytes, where the whole call's come too, say less (a
	 * rollback's check of one model is all there is). */
	if (event->stage != CKPT_STAGE_CHECKSUM)
		p->whole_call = TRUE;
	if (event->stage != CKPT_STAGE_CHECKSUM || !p->whole_call) {
		p->done = event->done;
		p->total = event->total;
		p->items_done = event->items_done;
		p->items_total = event->items_total;
	}
	p->epoch = event->epoch;
	gboolean cancelled = p->cancel && p->cancel->flag;
	g_mutex_unlock(&p->lock);
	return cancelled ? 1 : 0;
}

/* The ckpt_progress for a call on this thread: the cancel flag always, the
 * callback when someone watches. */
static ckpt_progress progress_for(CkptProgress *p, CkptCancelFlag *cancel)
{
	if (p) {
		g_mutex_lock(&p->lock);
		p->cancel = cancel;
		p->done = p->total = p->items_done = p->items_total = 0;
		p->epoch = 0;
		p->whole_call = FALSE;
		g_mutex_unlock(&p->lock);
	}
	return (ckpt_progress){.fn = p ? on_progress : NULL, .payload = p, .cancel = &cancel->flag};
}

static void progress_done(CkptProgress *p)
{
	if (!p)
		return;
	g_mutex_lock(&p->lock);
	p->cancel = NULL;
	g_mutex_unlock(&p->lock);
}

/* One libckpt call on a task's thread: its cancel flag follows the
 * GCancellable, its progress goes to `watch` (may be NULL). */
typedef struct {
	CkptCancelFlag cancel;
	CkptProgress *watch;
	ckpt_progress progress;
} Call;

static const ckpt_progress *call_begin(Call *c, CkptProgress *watch, GCancellable *cancellable)
{
	ckpt_cancel_flag_init(&c->cancel, cancellable);
	c->watch = watch;
	c->progress = progress_for(watch, &c->cancel);
	return &c->progress;
}

static void call_end(Call *c)
{
	progress_done(c->watch);
	ckpt_cancel_flag_clear(&c->cancel);
}

static void return_rc(GTask *task, int rc)
{
	GError *error = NULL;
	ckpt_set_error(&error, rc);
	g_task_return_error(task, error);
}

static GTask *task_new(GCancellable *cancellable, GAsyncReadyCallback callback, gpointer data,
		       gpointer tag)
{
	GTask *task = g_task_new(NULL, cancellable, callback, data);
	g_task_set_source_tag(task, tag);
	g_task_set_check_cancellable(task, FALSE);
	return task;
}

/* ---- verify ---------------------------------------------------------------------- */

typedef struct {
	CkptSnapshot *snapshot;
	gint64 *epochs;
	gsize n;
	CkptProgress *progress;
	GObject *owner;
	CkptVerifyItemFunc on_item;
	GMainContext *context;
	guint checked, problems;
} VerifyJob;

typedef struct {
	GObject *owner;
	CkptVerifyItemFunc fn;
	gint64 epoch;
	ckpt_verify_result result;
} Delivery;

static void verify_job_free(VerifyJob *job)
{
	ckpt_snapshot_unref(job->snapshot);
	g_free(job->epochs);
	ckpt_progress_unref(job->progress);
	g_clear_object(&job->owner);
	g_main_context_unref(job->context);
	g_free(job);
}

static gboolean deliver(gpointer data)
{
	Delivery *d = data;
	d->fn(d->owner, d->epoch, d->result);
	return G_SOURCE_REMOVE;
}

static void delivery_free(gpointer data)
{
	Delivery *d = data;
	g_object_unref(d->owner);
	g_free(d);
}

/* On the verifying thread, as each epoch completes. */
static int on_verified(const ckpt_verify_item *item, void *payload)
{
	VerifyJob *job = payload;
	job->checked++;
	if (ckpt_verify_result_is_problem(item->result))
		job->problems++;
	if (job->on_item && job->owner) {
		Delivery *d = g_new(Delivery, 1);
		*d = (Delivery){g_object_ref(job->owner), job->on_item, item->epoch, item->result};
		g_main_context_invoke_full(job->context, G_PRIORITY_DEFAULT, deliver, d,
					   delivery_free);
	}
	return 0;
}

static void verify_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	(void)source;
	VerifyJob *job = data;
	Call call;
	int rc = ckpt_verify(job->snapshot->run, (const int64_t *)job->epochs, job->n, 0,
			     call_begin(&call, job->progress, cancellable), on_verified, job);
	call_end(&call);
	if (rc != 0)
		return_rc(task, rc);
	else
		g_task_return_boolean(task, TRUE);
}

void ckpt_op_verify_async(CkptSnapshot *snapshot, const gint64 *epochs, gsize n,
			  CkptProgress *progress, GObject *owner, CkptVerifyItemFunc on_item,
			  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer data)
{
	VerifyJob *job = g_new0(VerifyJob, 1);
	job->snapshot = ckpt_snapshot_ref(snapshot);
	job->epochs = n ? g_memdup2(epochs, n * sizeof *epochs) : NULL;
	job->n = n;
	job->progress = progress ? ckpt_progress_ref(progress) : NULL;
	job->owner = owner ? g_object_ref(owner) : NULL;
	job->on_item = on_item;
	job->context = g_main_context_ref_thread_default();
	g_autoptr(GTask) task = task_new(cancellable, callback, data, ckpt_op_verify_async);
	g_task_set_task_data(task, job, (GDestroyNotify)verify_job_free);
	g_task_run_in_thread(task, verify_thread);
}

gboolean ckpt_op_verify_finish(GAsyncResult *result, guint *out_checked, guint *out_problems,
			       GError **error)
{
	VerifyJob *job = g_task_get_task_data(G_TASK(result));
	if (out_checked)
		*out_checked = job->checked;
	if (out_problems)
		*out_problems = job->problems;
	return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- clean ------------------------------------------------------------------------------ */

typedef struct {
	CkptSnapshot *snapshot;
	gint64 keep_limit;
	ckpt_keep_mode mode;
} PlanJob;

static void plan_job_free(PlanJob *job)
{
	ckpt_snapshot_unref(job->snapshot);
	g_free(job);
}

static void plan_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	(void)source, (void)cancellable;
	PlanJob *job = data;
	ckpt_clean_plan *plan = NULL;
	int rc = ckpt_clean_plan_new(&plan, job->snapshot->run, job->keep_limit, job->mode);
	if (rc != 0)
		return_rc(task, rc);
	else
		g_task_return_pointer(task, plan, (GDestroyNotify)ckpt_clean_plan_free);
}

void ckpt_op_plan_async(CkptSnapshot *snapshot, gint64 keep_limit, ckpt_keep_mode mode,
			GCancellable *cancellable, GAsyncReadyCallback callback, gpointer data)
{
	PlanJob *job = g_new0(PlanJob, 1);
	job->snapshot = ckpt_snapshot_ref(snapshot);
	job->keep_limit = keep_limit;
	job->mode = mode;
	g_autoptr(GTask) task = task_new(cancellable, callback, data, ckpt_op_plan_async);
	g_task_set_task_data(task, job, (GDestroyNotify)plan_job_free);
	g_task_run_in_thread(task, plan_thread);
}

ckpt_clean_plan *ckpt_op_plan_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

typedef struct {
	ckpt_clean_plan *plan;
	CkptProgress *progress;
} CleanJob;

static void clean_job_free(CleanJob *job)
{
	ckpt_clean_plan_free(job->plan);
	ckpt_progress_unref(job->progress);
	g_free(job);
}

static void clean_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	(void)source;
	CleanJob *job = data;
	Call call;
	int rc = ckpt_clean_apply(job->plan, call_begin(&call, job->progress, cancellable));
	call_end(&call);
	if (rc != 0)
		return_rc(task, rc);
	else
		g_task_return_boolean(task, TRUE);
}

void ckpt_op_clean_async(ckpt_clean_plan *plan, CkptProgress *progress, GCancellable *cancellable,
			 GAsyncReadyCallback callback, gpointer data)
{
	CleanJob *job = g_new0(CleanJob, 1);
	job->plan = plan;
	job->progress = progress ? ckpt_progress_ref(progress) : NULL;
	g_autoptr(GTask) task = task_new(cancellable, callback, data, ckpt_op_clean_async);
	g_task_set_task_data(task, job, (GDestroyNotify)clean_job_free);
	g_task_run_in_thread(task, clean_thread);
}

gboolean ckpt_op_clean_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- rollback and relink ------------------------------------------------------------------ */

typedef struct {
	CkptSnapshot *snapshot;
	gint64 epoch;
	unsigned flags;
	CkptProgress *progress;
} RunJob;

static void run_job_free(RunJob *job)
{
	ckpt_snapshot_unref(job->snapshot);
	ckpt_progress_unref(job->progress);
	g_free(job);
}

/* The checksum check reads the whole model: progress, and Cancel stops it. */
static void rollback_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	(void)source;
	RunJob *job = data;
	ckpt_restart *restart = NULL;
	Call call;
	int rc = ckpt_rollback_progress(&restart, job->snapshot->run, job->epoch, job->flags,
					call_begin(&call, job->progress, cancellable));
	call_end(&call);
	if (rc != 0) {
		ckpt_restart_free(restart);
		return_rc(task, rc);
	} else
		g_task_return_pointer(task, restart, (GDestroyNotify)ckpt_restart_free);
}

void ckpt_op_rollback_async(CkptSnapshot *snapshot, gint64 epoch, unsigned flags,
			    CkptProgress *progress, GCancellable *cancellable,
			    GAsyncReadyCallback callback, gpointer data)
{
	RunJob *job = g_new0(RunJob, 1);
	job->snapshot = ckpt_snapshot_ref(snapshot);
	job->epoch = epoch;
	job->flags = flags;
	job->progress = progress ? ckpt_progress_ref(progress) : NULL;
	g_autoptr(GTask) task = task_new(cancellable, callback, data, ckpt_op_rollback_async);
	g_task_set_task_data(task, job, (GDestroyNotify)run_job_free);
	g_task_run_in_thread(task, rollback_thread);
}

ckpt_restart *ckpt_op_rollback_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

static void relink_thread(GTask *task, gpointer source, gpointer data, GCancellable *c)
{
	(void)source, (void)c;
	RunJob *job = data;
	int changed = 0;
	int rc = ckpt_relink(&changed, job->snapshot->run);
	if (rc != 0)
		return_rc(task, rc);
	else
		g_task_return_int(task, changed);
}

void ckpt_op_relink_async(CkptSnapshot *snapshot, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer data)
{
	RunJob *job = g_new0(RunJob, 1);
	job->snapshot = ckpt_snapshot_ref(snapshot);
	g_autoptr(GTask) task = task_new(cancellable, callback, data, ckpt_op_relink_async);
	g_task_set_task_data(task, job, (GDestroyNotify)run_job_free);
	g_task_run_in_thread(task, relink_thread);
}

int ckpt_op_relink_finish(GAsyncResult *result, GError **error)
{
	return (int)g_task_propagate_int(G_TASK(result), error);
}
