/* crash-ops.h: the operations of the crash harness (crash-ops.c). */
#ifndef CRASH_OPS_H
#define CRASH_OPS_H

#include "crash-common.h"

typedef struct cr_op {
	const char *name;
	int (*setup)(const char *case_dir); /* builds the tree the operation starts from */
	int (*run)(const char *case_dir);   /* in the child; the public calls' code */
	const char *keep_mode;              /* of the writers, the restart check's too */
	long keep_limit;
	bool no_best;     /* its writers run with ckpt_save_best=false */
	unsigned flags;   /* CKPT_FAILPOINT_NO_EXCHANGE */
	long rollback_to; /* last may go back to this epoch */
	bool cleans;      /* may delete what its plan deletes */
	/* Epochs of the tree the op's writer saves again, which its own
	 * retention may then delete (0-terminated; NULL: none). */
	const long *resaved;
	bool relinks;     /* leaves best and last relative */
	bool saves_none;  /* only starts a writer: a stale work/ may stay */
} cr_op;

extern const cr_op cr_ops[];
extern const size_t cr_n_ops;

/* The epochs the clean operation's plan deletes, asked of the engine. */
GArray *cr_clean_deletes(const char *case_dir);

#endif
