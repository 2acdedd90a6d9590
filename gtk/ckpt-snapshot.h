/* ckpt-snapshot.h: one run as the app last read it: libckpt's immutable run
 * snapshot, its metric history and the chart series built from both. The
 * bundle is immutable and reference counted (atomically), so a worker thread
 * may read or refresh it while the UI thread draws it. */
#pragma once

#include "chart-series.h"
#include "ckpt.h"

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
	ckpt_run *run;         /* a reference of its own */
	ckpt_history *history; /* NULL when it could not be read */
	char *history_error;   /* why, or NULL */
	ChartSeries *series;
} CkptSnapshot;

/* Takes a new reference to run and reads its history (blocking: call it on a
 * worker thread). */
CkptSnapshot *ckpt_snapshot_load(ckpt_run *run);
/* The run as it is now on disk: old itself (with one more reference) when
 * neither the run nor its history changed. NULL with error when the run can
 * no longer be read. Blocking. */
CkptSnapshot *ckpt_snapshot_refresh(CkptSnapshot *old, GError **error);
/* Like ckpt_snapshot_refresh for a run that a list refresh already re-read:
 * old when run is old's run and the history did not change. */
CkptSnapshot *ckpt_snapshot_update(CkptSnapshot *old, ckpt_run *run);

CkptSnapshot *ckpt_snapshot_ref(CkptSnapshot *snapshot);
void ckpt_snapshot_unref(CkptSnapshot *snapshot);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptSnapshot, ckpt_snapshot_unref)

/* libckpt's error, as a GError in CKPT_ERROR with the CKPT_E* code. */
#define CKPT_ERROR (ckpt_error_quark())
GQuark ckpt_error_quark(void);
/* Sets *error from rc and this thread's ckpt_error_last(), escaped. */
void ckpt_set_error(GError **error, int rc);

/* A libckpt cancel flag (ckpt_progress.cancel) that follows a GCancellable. */
typedef struct {
	GCancellable *cancellable;
	gulong handler;
	volatile int flag;
} CkptCancelFlag;
void ckpt_cancel_flag_init(CkptCancelFlag *c, GCancellable *cancellable);
void ckpt_cancel_flag_clear(CkptCancelFlag *c);

G_END_DECLS
