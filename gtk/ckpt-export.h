/* ckpt-export.h: the compared runs' metric history as CSV, one row per
 * history point, from libckpt's history and snapshot. */
#pragma once

#include "ckpt-snapshot.h"

G_BEGIN_DECLS

typedef struct {
	const char *name; /* as shown (escaped) */
	CkptSnapshot *snapshot;
} CkptExportRun;

/* Header "run,session,epoch,time,metric,value,saved,became_best,on_disk,
 * recovered", then each run's points in the order they ran. g_free it. */
char *ckpt_export_csv(const CkptExportRun *runs, gsize n);

G_END_DECLS
