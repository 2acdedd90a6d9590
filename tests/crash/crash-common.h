/* crash-common.h: what the crash harness and the concurrency test share:
 * the trees they build, the trainer's model callbacks, and the invariants
 * of issue 3 checked on a tree after an injected failure.
 *
 * A case directory C holds one run and its neighbours:
 *   C/NEXT-TO-RUN        a sentinel next to the run folder
 *   C/run/SENTINEL       a sentinel in the run folder, outside the root
 *   C/run/ckpts = R      the checkpoint root, with R/SENTINEL and a stray
 *                        file R/epochs/stray.txt that nothing may delete */
#ifndef CRASH_COMMON_H
#define CRASH_COMMON_H

#include "internal.h"

#include <glib.h>
#include <stdbool.h>

#define CR_ROOT "run/ckpts"

/* The trainer's model: 2 KiB that differ per call, written through fsops so
 * that writing it is a crash step too. payload: a cr_model. */
typedef struct cr_model {
	unsigned calls;
} cr_model;
int cr_model_write(const char *path, void *payload);
int cr_model_load(const char *path, void *payload);

/* Parameters of the runs: checksums on, save_best, interval 1. */
ckpt_params *cr_params(const char *root, const char *keep_mode, long keep_limit, bool fsync);
/* A writer on params with cr_model callbacks; 0 or the CKPT_E code. */
int cr_writer(ckpt_writer **out, const ckpt_params *params, cr_model *model);
/* One saved epoch per value with direction '-', from 0-based index first0. */
int cr_epochs(ckpt_writer *writer, long first0, const double *values, size_t n);
/* The sentinels and the stray entry of a case (R must exist). */
int cr_add_sentinels(const char *case_dir);

/* cp -a / rm -rf of our own trees, never following symlinks. 0 or -1. */
int cr_copy_tree(const char *from, const char *to);
int cr_remove_tree(const char *path);

/* The staging area: R/work, R/work.old, and the temporary names under
 * which best and last are replaced. Partial work may be left only there. */
bool cr_is_staging(const char *name);
/* "work, .last.tmp-123": what a crash left in the staging area (g_free). */
char *cr_leftovers(const char *case_dir);

/* What an operation must not break, taken before it. */
typedef struct cr_before {
	ckpt_link_state last_state, best_state;
	long last, best;     /* 0 when absent or unresolved */
	char *best_checksum; /* of the model best names, and its metric */
	bool has_best_metric;
	double best_metric;
	GArray *epochs;     /* long: the epochs present */
	GPtrArray *kept;    /* paths (relative to C) that must survive */
	GPtrArray *entries; /* names in C, C/run, R and R/epochs (as "dir/name") */
} cr_before;

int cr_snapshot(cr_before *out, const char *case_dir);
void cr_before_clear(cr_before *before);

/* What R/ckpt.lock must be: releasing the lock removes it (0.2), so once
 * every process that took it has returned it must be gone; a crashed one
 * may leave it (harmless: the lock itself died with the process). */
typedef enum cr_lock_rule {
	CR_LOCK_ANY,      /* a crash state */
	CR_LOCK_RELEASED, /* every call returned: no ckpt.lock */
	CR_LOCK_HELD,     /* a live writer holds it: there, and locked */
} cr_lock_rule;

typedef struct cr_rules {
	long rollback_to;        /* last may move back to this epoch (0: never back) */
	const GArray *deletable; /* epochs the operation may delete (NULL: none) */
	bool after_save;         /* a save ran since: the staging area is gone */
	long expect_last;        /* when nonzero, last must name this epoch */
	cr_lock_rule lock;
} cr_rules;

/* Appends one "; "-separated problem; returns 1. */
int cr_problem(GString *problems, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Appends "; "-separated problems to `problems`; returns how many. */
int cr_check(GString *problems, const char *case_dir, const cr_before *before,
	     const cr_rules *rules);
/* True when R/epochs/NNN holds a complete epoch; else why in *why (g_free). */
bool cr_epoch_complete(const char *root, long epoch, char **why);

#endif
