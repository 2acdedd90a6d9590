/* ckpt-sidebar.h: the runs found, filtered by a search (text or regular
 * expression) and sorted by name, best value or last update; each row's
 * check box puts the run in the comparison. */
#pragma once

#include "ckpt-run-item.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CKPT_TYPE_SIDEBAR (ckpt_sidebar_get_type())
G_DECLARE_FINAL_TYPE(CkptSidebar, ckpt_sidebar, CKPT, SIDEBAR, GtkWidget)

typedef enum { CKPT_SORT_NAME, CKPT_SORT_BEST, CKPT_SORT_UPDATED } CkptSortMode;

GtkWidget *ckpt_sidebar_new(void);
/* The runs (CkptRunItem) to list. */
void ckpt_sidebar_set_model(CkptSidebar *self, GListModel *runs);
/* Borrowed: the rows as shown (filtered and sorted). */
GListModel *ckpt_sidebar_get_shown(CkptSidebar *self);
CkptRunItem *ckpt_sidebar_get_selected(CkptSidebar *self);
void ckpt_sidebar_select(CkptSidebar *self, CkptRunItem *item);
void ckpt_sidebar_set_sort(CkptSidebar *self, CkptSortMode mode);
/* text: a substring (any case), or with regex a GRegex pattern; FALSE when
 * the pattern does not compile (the filter is then unchanged). */
gboolean ckpt_sidebar_set_filter(CkptSidebar *self, const char *text, gboolean regex);
void ckpt_sidebar_focus_search(CkptSidebar *self);
/* "7 runs · 3 compared" below the search. */
void ckpt_sidebar_set_counts(CkptSidebar *self, guint n_runs, guint n_checked, gboolean scanning);

G_END_DECLS
