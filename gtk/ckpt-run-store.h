/* ckpt-run-store.h: the runs of the folders a window has open, as a list
 * model of CkptRunItem. Scans stream runs in from a worker thread; the runs
 * are re-read every two seconds and when a file monitor fires, on worker
 * threads, and items whose snapshot changed emit ::changed. */
#pragma once

#include "ckpt-run-item.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define CKPT_TYPE_RUN_STORE (ckpt_run_store_get_type())
G_DECLARE_FINAL_TYPE(CkptRunStore, ckpt_run_store, CKPT, RUN_STORE, GObject)

CkptRunStore *ckpt_run_store_new(void);
/* Borrowed: the runs, in the order found. */
GListModel *ckpt_run_store_get_model(CkptRunStore *self);
/* Borrowed: the run whose root is `root`, or NULL. */
CkptRunItem *ckpt_run_store_find(CkptRunStore *self, const char *root);
/* Starts scanning path (a run, a root, or a folder of runs); runs appear in
 * the model as they are read; ::scan-finished follows. A folder already open
 * is refreshed instead. */
void ckpt_run_store_open(CkptRunStore *self, const char *path);
gboolean ckpt_run_store_get_scanning(CkptRunStore *self);
guint ckpt_run_store_get_n_folders(CkptRunStore *self);
/* Borrowed: the i-th folder as given to open. */
const char *ckpt_run_store_get_folder(CkptRunStore *self, guint i);
/* Re-reads every folder soon (a refresh already running is not repeated). */
void ckpt_run_store_refresh(CkptRunStore *self);
/* Re-reads one run now (after an operation changed it). */
void ckpt_run_store_refresh_item(CkptRunStore *self, CkptRunItem *item);
/* Roots to watch with a file monitor besides the folders (checked and
 * selected runs); the others are polled. */
void ckpt_run_store_watch(CkptRunStore *self, CkptRunItem *const *items, guint n);
/* Milliseconds between polls (default 2000; 0 stops polling). */
void ckpt_run_store_set_poll_interval(CkptRunStore *self, guint ms);
/* Cancels the scans and refreshes under way and stops polling. */
void ckpt_run_store_shutdown(CkptRunStore *self);

G_END_DECLS
