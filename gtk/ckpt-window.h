/* ckpt-window.h: the main window: the sidebar of runs, the comparison chart,
 * the selected run's epochs table and details, and the actions on them
 * (verify, clean, restart from an epoch, fix links, export). */
#pragma once

#include "ckpt-chart.h"
#include "ckpt-details.h"
#include "ckpt-epochs-view.h"
#include "ckpt-run-store.h"
#include "ckpt-sidebar.h"

#include <adwaita.h>

G_BEGIN_DECLS

#define CKPT_TYPE_WINDOW (ckpt_window_get_type())
G_DECLARE_FINAL_TYPE(CkptWindow, ckpt_window, CKPT, WINDOW, AdwApplicationWindow)

CkptWindow *ckpt_window_new(GtkApplication *application);
/* Opens a folder (a run, a root, or a folder of runs): its runs stream into
 * the sidebar; the first ten are compared unless the user picks others. */
void ckpt_window_open(CkptWindow *self, const char *path);

/* For tests and the benchmark: the parts, and what is selected. */
CkptRunStore *ckpt_window_get_store(CkptWindow *self);
CkptSidebar *ckpt_window_get_sidebar(CkptWindow *self);
CkptChart *ckpt_window_get_chart(CkptWindow *self);
CkptEpochsView *ckpt_window_get_epochs_view(CkptWindow *self);
CkptDetails *ckpt_window_get_details(CkptWindow *self);
CkptRunItem *ckpt_window_get_selected_run(CkptWindow *self);
gint64 ckpt_window_get_selected_epoch(CkptWindow *self);
/* Selects a run (and makes the sidebar show it) and one of its epochs. */
void ckpt_window_select(CkptWindow *self, CkptRunItem *item, gint64 epoch);
/* Whether a win.* action (without the prefix) is enabled now. */
gboolean ckpt_window_action_enabled(CkptWindow *self, const char *name);
/* The dialog the window has open (clean or restart confirmation), or NULL. */
GtkWindow *ckpt_window_get_dialog(CkptWindow *self);
/* Whether an operation (verify, clean, restart, relink, export) is running. */
gboolean ckpt_window_get_busy(CkptWindow *self);
/* The text of the last toast shown (for tests). */
const char *ckpt_window_get_last_toast(CkptWindow *self);

G_END_DECLS
