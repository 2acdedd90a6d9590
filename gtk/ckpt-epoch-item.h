/* ckpt-epoch-item.h: one epoch on disk as a row of the epochs table: what
 * libckpt says of it, with its display texts and sort keys made once. */
#pragma once

#include "ckpt-snapshot.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define CKPT_TYPE_EPOCH_ITEM (ckpt_epoch_item_get_type())
G_DECLARE_FINAL_TYPE(CkptEpochItem, ckpt_epoch_item, CKPT, EPOCH_ITEM, GObject)

/* epoch is borrowed from snapshot's run (the item keeps the snapshot). now:
 * the time "3 h ago" is counted from. */
CkptEpochItem *ckpt_epoch_item_new(CkptSnapshot *snapshot, const ckpt_epoch *epoch, gint64 now);

gint64 ckpt_epoch_item_get_number(CkptEpochItem *self);
const ckpt_epoch *ckpt_epoch_item_get_epoch(CkptEpochItem *self);
CkptSnapshot *ckpt_epoch_item_get_snapshot(CkptEpochItem *self);
/* Orders by when it was saved: the writer's stamp, else the file time. */
gint64 ckpt_epoch_item_get_saved_key(CkptEpochItem *self);
const char *ckpt_epoch_item_get_saved_text(CkptEpochItem *self);
double ckpt_epoch_item_get_metric(CkptEpochItem *self);      /* NaN when unknown */
double ckpt_epoch_item_get_best_so_far(CkptEpochItem *self); /* NaN when unknown */
gint64 ckpt_epoch_item_get_size(CkptEpochItem *self);        /* -1 when unknown */
const char *ckpt_epoch_item_get_check_text(CkptEpochItem *self);
const char *ckpt_epoch_item_get_check_style(CkptEpochItem *self);
int ckpt_epoch_item_get_check_rank(CkptEpochItem *self);
gboolean ckpt_epoch_item_is_best(CkptEpochItem *self);
gboolean ckpt_epoch_item_is_last(CkptEpochItem *self);
ckpt_epoch_state ckpt_epoch_item_get_health(CkptEpochItem *self);

G_END_DECLS
