/* crash-run.h: one crash state of the crash harness (crash-run.c): the
 * modes a state is run in, the children that run the operation and the
 * repairs after it, and the checks of what they leave. crash-harness.c
 * loops over operations, steps, modes and power-cut subsets. */
#ifndef CRASH_RUN_H
#define CRASH_RUN_H

#include "crash-ops.h"

typedef struct cr_mode {
	const char *name;
	ckpt_failpoint_mode mode;
	unsigned flags;
	bool partial; /* its power cuts are also run keeping partial subsets */
	bool at_end;  /* once per operation: the power fails after it returned */
} cr_mode;

extern const cr_mode cr_modes[];
extern const size_t cr_n_modes;

/* The operation being run, with its template tree and what it must keep. */
typedef struct op_run {
	const cr_op *op;
	char *template_dir, *case_dir, *stash;
	char *clean_dir; /* a copy of a state, for the clean and repair checks */
	cr_before before;
	GArray *deletable;
	GPtrArray *steps;
	GPtrArray *groups; /* failure groups, crash-harness.c's */
	int states, failed;
	int known; /* states inside the documented no-exchange window */
	long partial_states, cut_points, sampled_points;
	int aside_states; /* states that left an epoch set aside, checked repaired */
	bool complete_failed;
	bool no_restart;
} op_run;

/* The partial power-loss subsets to try at each cut point when there are
 * more (then sampled): CKPT_CRASH_SUBSETS, else 16 (2 under ASan). */
long cr_subset_budget(void);
/* CKPT_CRASH_QUICK, else on under ASan: a crash before step N > 1 leaves
 * the tree a crash after step N - 1 leaves (nothing changes the run between
 * two steps), so those states are skipped. */
bool cr_quick(void);

/* Sets up the operation's template tree and counts its steps (the
 * uninterrupted run, checked too); false when it could not be set up. */
bool cr_prepare_op(op_run *o, const char *base);
bool cr_count_steps(op_run *o);
void cr_op_run_clear(op_run *o);

/* Runs one state (mode m at step; subset: which partial power-loss subset
 * the cut keeps, 0 none); returns its problems ("" when none; g_free), sets
 * *known for a state of the no-exchange window that was repaired, and
 * *cut to what the power cut found. */
char *cr_run_state(op_run *o, long step, size_t m, long subset, bool *known,
		   ckpt_failpoint_cut_report *cut);

#endif
