/* ckpt-snapshot.c: the immutable run + history + series bundle (see
 * ckpt-snapshot.h), and libckpt errors as GErrors. */
#include "ckpt-snapshot.h"

#include "ckpt-format.h"

G_DEFINE_QUARK(ckpt - error - quark, ckpt_error)

void ckpt_set_error(GError **error, int rc)
{
	g_autofree char *message = ckpt_text_escape(ckpt_error_last());
	g_set_error_literal(error, CKPT_ERROR, rc, *message ? message : ckpt_error_name(rc));
}

static void snapshot_clear(CkptSnapshot *s)
{
	chart_series_free(s->series);
	ckpt_history_free(s->history);
	ckpt_run_unref(s->run);
	g_free(s->history_error);
}

/* Takes ownership of history; the run gets a new reference. */
static CkptSnapshot *snapshot_new(ckpt_run *run, ckpt_history *history, const char *error)
{
	CkptSnapshot *s = g_atomic_rc_box_new0(CkptSnapshot);
	s->run = ckpt_run_ref(run);
	s->history = history;
	s->history_error = g_strdup(error);
	s->series = chart_series_new(run, history);
	return s;
}

CkptSnapshot *ckpt_snapshot_load(ckpt_run *run)
{
	ckpt_history *history = NULL;
	g_autofree char *error = NULL;
	if (ckpt_history_load(&history, run) != 0) {
		history = NULL;
		error = ckpt_text_escape(ckpt_error_last());
	}
	return snapshot_new(run, history, error);
}

CkptSnapshot *ckpt_snapshot_update(CkptSnapshot *old, ckpt_run *run)
{
	if (!old->history)
		return run == old->run ? ckpt_snapshot_ref(old) : ckpt_snapshot_load(run);
	ckpt_history *history = NULL;
	bool changed = false;
	if (ckpt_history_refresh(&history, &changed, old->history, run) != 0) {
		g_autofree char *error = ckpt_text_escape(ckpt_error_last());
		return snapshot_new(run, NULL, error);
	}
	if (!changed && run == old->run) {
		ckpt_history_free(history);
		return ckpt_snapshot_ref(old);
	}
	return snapshot_new(run, history, NULL);
}

CkptSnapshot *ckpt_snapshot_refresh(CkptSnapshot *old, GError **error)
{
	ckpt_run *run = NULL;
	int rc = ckpt_run_refresh(&run, NULL, old->run);
	if (rc != 0) {
		ckpt_set_error(error, rc);
		return NULL;
	}
	CkptSnapshot *s = ckpt_snapshot_update(old, run);
	ckpt_run_unref(run);
	return s;
}

CkptSnapshot *ckpt_snapshot_ref(CkptSnapshot *s)
{
	return g_atomic_rc_box_acquire(s);
}

void ckpt_snapshot_unref(CkptSnapshot *s)
{
	if (s)
		g_atomic_rc_box_release_full(s, (GDestroyNotify)snapshot_clear);
}

static void on_cancelled(GCancellable *cancellable, gpointer data)
{
	(void)cancellable;
	((CkptCancelFlag *)data)->flag = 1;
}

void ckpt_cancel_flag_init(CkptCancelFlag *c, GCancellable *cancellable)
{
	c->flag = 0;
	c->cancellable = cancellable ? g_object_ref(cancellable) : NULL;
	c->handler =
	    cancellable ? g_cancellable_connect(cancellable, G_CALLBACK(on_cancelled), c, NULL) : 0;
}

void ckpt_cancel_flag_clear(CkptCancelFlag *c)
{
	if (c->cancellable) {
		g_cancellable_disconnect(c->cancellable, c->handler);
		g_clear_object(&c->cancellable);
	}
}
