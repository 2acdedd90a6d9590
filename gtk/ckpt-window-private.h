/* ckpt-window-private.h: the window's state, shared by ckpt-window.c (layout,
 * opening, selection), ckpt-window-compare.c (the runs compared) and
 * ckpt-window-actions.c (operations, export). */
#pragma once

#include "ckpt-ops.h"
#include "ckpt-window.h"

G_BEGIN_DECLS

struct _CkptWindow {
	AdwApplicationWindow parent_instance;

	/* template children */
	AdwToastOverlay *toast_overlay;
	AdwWindowTitle *window_title;
	GtkSpinner *spinner;
	GtkRevealer *progress_revealer;
	GtkLabel *progress_label;
	GtkProgressBar *progress_bar;
	AdwFlap *flap;
	CkptSidebar *sidebar;
	GtkStack *main_stack;
	CkptChart *chart;
	GtkAdjustment *smoothing_adjustment;
	CkptEpochsView *epochs_view;
	CkptDetails *details;

	CkptRunStore *store;
	GCancellable *cancellable; /* every task of the window: cancelled in dispose */
	CkptRunItem *selected;
	gint64 selected_epoch;
	GPtrArray *checked;  /* of CkptRunItem, in the order checked (legend order) */
	GArray *style_slots; /* gboolean per palette slot: taken */
	gboolean auto_checking, user_chose;
	guint chart_source;
	char *x_axis;
	gboolean log_scale, clip_outliers;
	GHashTable *enabled; /* action name -> GINT_TO_POINTER(enabled) */
	char *last_toast;
	GtkWindow *dialog; /* weak */

	/* the operation under way */
	gboolean busy;
	GCancellable *op_cancellable;
	CkptProgress *op_progress;
	CkptRunItem *op_item;
	char *op_text;
	guint op_timer;
	guint verify_refresh_source;
};

/* ckpt-window.c */
void ckpt_window_update_actions(CkptWindow *self);
/* The subtitle, the counts, the spinner and the empty page. */
void ckpt_window_update_title(CkptWindow *self);
void ckpt_window_toast(CkptWindow *self, const char *text);
void ckpt_window_set_dialog(CkptWindow *self, GtkWindow *dialog);

/* ckpt-window-compare.c */
void ckpt_window_compare_class_init(GtkWidgetClass *widget_class);
/* The chart, the watched runs and the actions follow the comparison soon. */
void ckpt_window_schedule_chart(CkptWindow *self);
/* Compares the first ten runs in the sidebar's order, and only them. */
void ckpt_window_check_first(CkptWindow *self);
/* The store's items-changed: new runs join (the first ten compared). */
void ckpt_window_on_runs_changed(GListModel *model, guint position, guint removed, guint added,
				 gpointer data);

/* ckpt-window-actions.c */
void ckpt_window_actions_class_init(GtkWidgetClass *widget_class);
void ckpt_window_actions_dispose(CkptWindow *self);

G_END_DECLS
