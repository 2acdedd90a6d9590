/* ckpt-ops.h: libckpt's long calls as GIO-style _async/_finish pairs on GTask
 * threads, so that the window never blocks: verify (streaming each epoch's
 * result to the main loop), clean plan and apply, rollback, relink. Every
 * call is cancellable: the GCancellable drives libckpt's cancel flag and
 * the progress callback's return value. Errors are in CKPT_ERROR. */
#pragma once

#include "ckpt-snapshot.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/* How far a call has got, written by its thread, read by the UI's. */
typedef struct _CkptProgress CkptProgress;
CkptProgress *ckpt_progress_new(void);
CkptProgress *ckpt_progress_ref(CkptProgress *progress);
void ckpt_progress_unref(CkptProgress *progress);
/* 0..1, or -1 when the total is not known yet. *epoch (may be NULL): the
 * epoch being worked on, 0 for none; *items_done/total (may be NULL). */
double ckpt_progress_get(CkptProgress *progress, gint64 *epoch, guint64 *items_done,
			 guint64 *items_total);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptProgress, ckpt_progress_unref)

/* Called on the main loop as each epoch's result arrives. */
typedef void (*CkptVerifyItemFunc)(GObject *owner, gint64 epoch, ckpt_verify_result result);

/* Verifies epochs[0..n) of the snapshot's run (NULL/0: all). progress may
 * be NULL; on_item (may be NULL) gets owner (a reference is held). */
void ckpt_op_verify_async(CkptSnapshot *snapshot, const gint64 *epochs, gsize n,
			  CkptProgress *progress, GObject *owner, CkptVerifyItemFunc on_item,
			  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer data);
/* *out_checked: epochs reported, *out_problems: those that are a problem. */
gboolean ckpt_op_verify_finish(GAsyncResult *result, guint *out_checked, guint *out_problems,
			       GError **error);

/* ckpt_clean_plan_new; keep_limit 0 and CKPT_KEEP_RUNS_OWN: the run's own. */
void ckpt_op_plan_async(CkptSnapshot *snapshot, gint64 keep_limit, ckpt_keep_mode mode,
			GCancellable *cancellable, GAsyncReadyCallback callback, gpointer data);
/* Caller frees with ckpt_clean_plan_free. */
ckpt_clean_plan *ckpt_op_plan_finish(GAsyncResult *result, GError **error);

/* Applies plan (taken: freed when done). */
void ckpt_op_clean_async(ckpt_clean_plan *plan, CkptProgress *progress, GCancellable *cancellable,
			 GAsyncReadyCallback callback, gpointer data);
gboolean ckpt_op_clean_finish(GAsyncResult *result, GError **error);

/* ckpt_rollback_progress with flags (CKPT_FLAG_DRY_RUN, CKPT_FLAG_FORCE):
 * progress (may be NULL) follows its checksum check of the model. */
void ckpt_op_rollback_async(CkptSnapshot *snapshot, gint64 epoch, unsigned flags,
			    CkptProgress *progress, GCancellable *cancellable,
			    GAsyncReadyCallback callback, gpointer data);
/* What a restart would then load; caller frees with ckpt_restart_free. A
 * refusal that force overrides is CKPT_EREFUSED. */
ckpt_restart *ckpt_op_rollback_finish(GAsyncResult *result, GError **error);

void ckpt_op_relink_async(CkptSnapshot *snapshot, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer data);
/* The number of links rewritten, or -1 with error. */
int ckpt_op_relink_finish(GAsyncResult *result, GError **error);

G_END_DECLS
