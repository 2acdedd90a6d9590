/* clean-private.h: the clean plan, shared by clean-plan.c (deciding) and
 * clean.c (applying). */
#ifndef CKPT_CLEAN_PRIVATE_H
#define CKPT_CLEAN_PRIVATE_H

#include "internal.h"

typedef struct clean_item {
	long epoch;
	bool keep;
	ckpt_clean_reason reason;
	uint64_t bytes; /* on disk */
	ckpt_epoch_state health;
	bool has_metric;
	double metric;
} clean_item;

struct ckpt_clean_plan {
	ckpt_run *run; /* a reference */
	char *root;
	char *log_path;
	char *label; /* the root as the log names it: "ckpts" */
	int64_t keep_limit;
	ckpt_keep_mode mode;
	bool runs_own, guess;
	clean_item *items;
	size_t n_items, n_delete, unverified;
	uint64_t bytes_freed;
	bool removes_work;
	char *note;
};

/* A link names an epoch of this run when it resolves to it, or through an
 * absolute target whose epochs/NNN exists here (relocated, or still leading
 * into the copy this run was made from: `relink` would point it here, so its
 * epoch must survive until then); else 0. */
CKPT_INTERNAL long clean_link_epoch(ckpt_link_state state, long epoch);

#endif
