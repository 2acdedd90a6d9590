/* failpoint-model.h: what failpoint.c (the hooks and the step counter)
 * asks of failpoint-power.c (the power-loss model). Only in CKPT_FAILPOINTS
 * builds; one armed operation per process, not thread-safe. */
#ifndef CKPT_FAILPOINT_MODEL_H
#define CKPT_FAILPOINT_MODEL_H

#include "internal.h"
#include "failpoint.h"

#include <stdbool.h>

/* Opens the stash (power loss on) or, with NULL, turns the model off;
 * forgets everything recorded before. 0 or -errno. */
CKPT_INTERNAL int fp_model_reset(const char *stash_dir);
CKPT_INTERNAL bool fp_model_on(void);
/* Before step `op` is made: what undoing it will need. */
CKPT_INTERNAL void fp_model_before(const char *op, const char *path, const char *path2);
/* After it was made (it succeeded): the change recorded, an fsync's
 * durability, a write's or an append's new data. */
CKPT_INTERNAL void fp_model_after(const char *op, const char *path);
/* The step failed or was never made: forget what before() prepared. */
CKPT_INTERNAL void fp_model_drop_pending(void);
/* The power cut, keeping the subset chosen with ckpt_failpoint_power_subset. */
CKPT_INTERNAL int fp_model_cut(void);

/* ---- failpoint-cut.c ---------------------------------------------------- */

/* The objects (directories, files' data: numbers below n_objects) one
 * unsynced change belongs to, one or two. */
typedef struct fp_change_objects {
	size_t id[2];
	int n;
} fp_change_objects;

/* Fills keep[0..n) with the index-th consistent subset of the n changes,
 * in their order (0: none; 1..partial in a fixed order when there are at
 * most budget partial ones, else a random one seeded by index); report
 * (may be NULL) says what there was. false when out of memory. */
CKPT_INTERNAL bool fp_choose_subset(bool *keep, const fp_change_objects *objects, size_t n,
				    size_t n_objects, long index, long budget,
				    ckpt_failpoint_cut_report *report);

#endif
