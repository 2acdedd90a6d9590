/* ckpt-run-row.h: a run in the sidebar: the check box that puts it in the
 * comparison, its chart colour and dash, name, best value, age and health
 * badges (from ckpt_run_health). */
#pragma once

#include "ckpt-run-item.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CKPT_TYPE_RUN_ROW (ckpt_run_row_get_type())
G_DECLARE_FINAL_TYPE(CkptRunRow, ckpt_run_row, CKPT, RUN_ROW, GtkWidget)

GtkWidget *ckpt_run_row_new(void);
/* The run shown (NULL: none, when the row is recycled). */
void ckpt_run_row_set_item(CkptRunRow *self, CkptRunItem *item);
CkptRunItem *ckpt_run_row_get_item(CkptRunRow *self);

/* The badges health flags give: (text, style class) pairs for the row and
 * for tests; returns how many were written (at most max). */
guint ckpt_run_row_badges(unsigned health, const char **texts, const char **styles, guint max);

G_END_DECLS
