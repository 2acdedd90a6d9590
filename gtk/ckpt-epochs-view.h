/* ckpt-epochs-view.h: the selected run's epochs on disk as a sortable
 * GtkColumnView: epoch, saved at, metric, best so far, size, checksum state
 * (from the engine's verify records) and the best/last markers. */
#pragma once

#include "ckpt-epoch-item.h"
#include "ckpt-run-item.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CKPT_TYPE_EPOCHS_VIEW (ckpt_epochs_view_get_type())
G_DECLARE_FINAL_TYPE(CkptEpochsView, ckpt_epochs_view, CKPT, EPOCHS_VIEW, GtkWidget)

GtkWidget *ckpt_epochs_view_new(void);
/* The run to show (NULL: none); its ::changed rebuilds the rows, keeping
 * the selected epoch. */
void ckpt_epochs_view_set_run(CkptEpochsView *self, CkptRunItem *item);
/* 0 when no row is selected. */
gint64 ckpt_epochs_view_get_selected_epoch(CkptEpochsView *self);
/* Selects epoch's row (0 or an epoch not on disk: none) and scrolls to it. */
void ckpt_epochs_view_select_epoch(CkptEpochsView *self, gint64 epoch);
/* Borrowed: the rows (CkptEpochItem) in the order shown. */
GListModel *ckpt_epochs_view_get_rows(CkptEpochsView *self);

G_END_DECLS
