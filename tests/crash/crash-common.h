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
#include "failpoint.h"

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

/* Parameters of the runs: checksums on, interval 1, save_best as given. */
ckpt_params *cr_params(const char *root, const char *keep_mode, long keep_limit, bool fsync,
		       bool save_best);
/* A writer on params with cr_model callbacks; 0 or the CKPT_E code. */
int cr_writer(ckpt_writer **out, const ckpt_params *params, cr_model *model);
/* One epoch call per value with direction '-', from 0-based index first0;
 * each saved epoch is promised (cr_promise_last). */
int cr_epochs(ckpt_writer *writer, long first0, const double *values, size_t n);

/* ---- promises: what a call that returned success has made durable ------
 * An operation's child records, after each public call returns 0, what that
 * call did; a power cut at any later moment must keep it (issue: "ckpt
 * restart RUN 8 said done, so last stays at 8"). The harness shares the
 * record with the child (cr_promises, in shared memory; NULL elsewhere). */
#define CR_MAX_GONE 32
typedef struct cr_promise {
	long last;       /* last names at least this epoch (0: nothing promised) */
	bool last_exact; /* ...exactly this one (a rollback) */
	bool relative;   /* a relink returned: best and last have relative targets */
	size_t n_gone;
	long gone[CR_MAX_GONE]; /* epochs a clean deleted: they stay deleted */
	size_t n_present;
	long present[CR_MAX_GONE]; /* epochs a repair put back: they stay, complete */
	bool returned;          /* the operation returned (power-end mode), with rc */
	int rc;
	ckpt_failpoint_cut_report cut; /* what the power cut found (failpoint.h) */
} cr_promise;
extern cr_promise *cr_promises;
void cr_promise_last(long epoch, bool exact);
void cr_promise_relative(void);
void cr_promise_gone(long epoch);
void cr_promise_present(long epoch);
/* Appends the broken promises to problems; returns how many. */
int cr_check_promises(GString *problems, const char *case_dir, const cr_promise *promise);

/* ---- an epoch set aside ------------------------------------------------
 * A replacement by two renames moves the old epochs/NNN to work.old first;
 * a crash between them leaves the only copy of that epoch there. */
typedef struct cr_aside {
	long epoch;     /* 0: nothing complete is set aside */
	char *checksum; /* its model's stored checksum */
} cr_aside;
/* What R/work.old holds when it is a complete epoch whose epochs/NNN is missing. */
void cr_aside_find(cr_aside *out, const char *case_dir);
/* The repair put it back: epochs/NNN complete, with the same model. */
int cr_aside_check(GString *problems, const char *case_dir, const cr_aside *aside,
		   const char *who);
void cr_aside_clear(cr_aside *aside);
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
