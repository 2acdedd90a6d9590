/* scan-private.h: between the walk that finds runs (scan.c) and the readers
 * that read them (scan-read.c). */
#ifndef CKPT_SCAN_PRIVATE_H
#define CKPT_SCAN_PRIVATE_H

#include "internal.h"

/* A run the walk found, then what reading it gave. */
typedef struct scan_found {
	ckpt_run_location loc; /* taken by the read */
	char *name;            /* NULL: the scanned folder's own run */
	char *shown;           /* the path in problems */
	ckpt_run *old;         /* refresh: its previous snapshot (borrowed), or NULL */
	ckpt_run *run;         /* the read's result, or NULL with rc and error */
	int rc;
	char *error;
	bool changed;
	void *prepared; /* what the hooks' prepare made of run, until handed out */
	int done; /* set (atomically, under the lock) when read */
} scan_found;

/* Hands one read run (in order) on; nonzero stops the reading. */
typedef int (*scan_deliver_fn)(scan_found *found, void *payload);

/* Reads found[0..n) on this thread and one more (when there is more than
 * one run and more than one processor), calling deliver on this thread for
 * each in order as soon as it and all before it are read. A run with an
 * old snapshot is shared unless its run-level files changed, or, thorough,
 * refreshed epoch by epoch. The hooks' prepare (hooks may be NULL) runs on
 * the reading thread for each run read anew. Returns the first nonzero deliver returned.
 * Runs read but not delivered stay in found. */
CKPT_INTERNAL int scan_read_all(scan_found *found, size_t n, bool thorough,
				const ckpt_scan_hooks *hooks, scan_deliver_fn deliver,
				void *payload);

#endif
