/* ckpt-clean-dialog.h: "Clean…": libckpt's clean plan for a run (its own
 * retention by default; keep limit and mode adjustable), showing what goes,
 * what stays and why, each epoch's health, the bytes freed and the plan's
 * note. Deleting is the window's to do: ::apply hands it the plan. */
#pragma once

#include "ckpt-run-item.h"

#include <adwaita.h>

G_BEGIN_DECLS

#define CKPT_TYPE_CLEAN_DIALOG (ckpt_clean_dialog_get_type())
G_DECLARE_FINAL_TYPE(CkptCleanDialog, ckpt_clean_dialog, CKPT, CLEAN_DIALOG, AdwWindow)

CkptCleanDialog *ckpt_clean_dialog_new(GtkWindow *parent, CkptRunItem *item);
/* Changes the retention asked for (0 and CKPT_KEEP_RUNS_OWN: the run's own). */
void ckpt_clean_dialog_set_policy(CkptCleanDialog *self, gint64 keep_limit, ckpt_keep_mode mode);
/* Borrowed: the plan shown, NULL while it is being made. */
const ckpt_clean_plan *ckpt_clean_dialog_get_plan(CkptCleanDialog *self);
/* Emits ::apply with the plan (the handler takes it) and closes. */
void ckpt_clean_dialog_apply(CkptCleanDialog *self);

G_END_DECLS
