/* ckpt-run-item.h: one run in the sidebar's list: its current snapshot, its
 * name as shown (escaped), whether it is checked for the comparison and the
 * chart style it then has. */
#pragma once

#include "ckpt-snapshot.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define CKPT_TYPE_RUN_ITEM (ckpt_run_item_get_type())
G_DECLARE_FINAL_TYPE(CkptRunItem, ckpt_run_item, CKPT, RUN_ITEM, GObject)

/* Takes a reference to snapshot. folder: the folder that found it. */
CkptRunItem *ckpt_run_item_new(CkptSnapshot *snapshot, const char *folder);

/* Borrowed, valid until the next ckpt_run_item_set_snapshot. */
CkptSnapshot *ckpt_run_item_get_snapshot(CkptRunItem *self);
const ckpt_run *ckpt_run_item_get_run(CkptRunItem *self);
/* Replaces the snapshot and emits ::changed (when it differs). */
void ckpt_run_item_set_snapshot(CkptRunItem *self, CkptSnapshot *snapshot);

const char *ckpt_run_item_get_name(CkptRunItem *self); /* escaped */
const char *ckpt_run_item_get_key(CkptRunItem *self);  /* the run's root, raw */
const char *ckpt_run_item_get_folder(CkptRunItem *self);

gboolean ckpt_run_item_get_checked(CkptRunItem *self);
void ckpt_run_item_set_checked(CkptRunItem *self, gboolean checked);
/* The palette slot while checked, -1 otherwise. */
int ckpt_run_item_get_style_index(CkptRunItem *self);
void ckpt_run_item_set_style_index(CkptRunItem *self, int index);

/* The run's best value, NaN when unknown. */
double ckpt_run_item_get_best(CkptRunItem *self);
/* The series smoothed with weight (cached until the weight or the snapshot
 * changes); NULL for weight 0. Borrowed. */
const double *ckpt_run_item_get_smoothed(CkptRunItem *self, double weight);

G_END_DECLS
