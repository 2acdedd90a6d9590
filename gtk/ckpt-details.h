/* ckpt-details.h: the details pane: the selected run's folder, root, links,
 * writer, health and retention, and the selected epoch's ckpt-info.json
 * fields, paths and verify record, all as libckpt read them. */
#pragma once

#include "ckpt-run-item.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CKPT_TYPE_DETAILS (ckpt_details_get_type())
G_DECLARE_FINAL_TYPE(CkptDetails, ckpt_details, CKPT, DETAILS, GtkWidget)

GtkWidget *ckpt_details_new(void);
/* What to show: a run (NULL: nothing) and one of its epochs (0: none). */
void ckpt_details_show(CkptDetails *self, CkptRunItem *item, gint64 epoch);
/* The value shown for a field ("Best", "Checksum"...), or NULL (for tests). */
const char *ckpt_details_get_value(CkptDetails *self, const char *field);

G_END_DECLS
