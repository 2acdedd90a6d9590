/* scan-private.h: between the walk that finds runs (scan.c) and the readers
 * that read them (scan-read.c). */
#ifndef CKPT_SCAN_PRIVATE_H
#define CKPT_SCAN_PRIVATE_H

#include "internal.h"
#include "run-private.h"

/* A run the walk found, then what reading it gave. */
typedef struct scan_found {
	ckpt_run_location loc; /* taken by the read */
	char *name;            /* NULL: the scanned folder's own run */
	char *shown;           /* the path in problems */
	bool names_borrowed;   /* name and shown belong to the list's memo */
	const ckpt_run_location *memo_loc; /* or the memo's, copied if it is read anew */
	long old_index;        /* refresh: old's place in the old list, or -1 */
	int checked;           /* RUN_CHECK_*: what its check found (_READ: run is set) */
	ckpt_run *old;         /* refresh: its previous snapshot (borrowed), or NULL */
	ckpt_run *run;         /* the read's result, or NULL with rc and error */
	int rc;
	char *error;
	bool changed;
	void *prepared; /* what the hooks' prepare made of run, until handed out */
	int done; /* set (atomically, under the lock) when read */
	struct scan_early_read *early; /* a full scan: its read while the walk goes on */
} scan_found;

/* ---- scan-memo.c -------------------------------------------------------- */

typedef struct scan_memo_run {
	ckpt_run_location loc;
	char *name, *shown; /* as scan_found's */
} scan_memo_run;

/* One folder as a walk saw it: the subfolders it queued, or the runs it
 * held (a run folder is not entered). */
typedef struct scan_memo_folder {
	size_t refs;
	char *rel;         /* from the scanned folder, "" for itself */
	ckpt_file_sig sig; /* of the folder opened, before its entries were read */
	bool settled;      /* changed long enough before the walk to be trusted */
	bool capped;       /* some of its subfolders were left out: never replayed */
	bool packed;       /* rel, subdirs and runs (and their names) lie in its own allocation */
	char **subdirs;
	size_t n_subdirs;
	scan_memo_run *runs;
	size_t n_runs;
} scan_memo_folder;

/* A folder by the hash of its rel, for scan_memo_find. */
typedef struct scan_memo_key {
	uint64_t hash;
	size_t folder;
} scan_memo_key;

typedef struct scan_memo {
	scan_memo_folder **folders;
	size_t n, cap;
	scan_memo_key *keys; /* n of them, by hash, once finished */
} scan_memo;

/* A new folder entry (one reference), NULL out of memory. */
CKPT_INTERNAL scan_memo_folder *scan_memo_folder_new(const char *rel, const ckpt_file_sig *sig,
						     const struct timespec *walk_start);
CKPT_INTERNAL void scan_memo_folder_free(scan_memo_folder *f); /* drops a reference */
CKPT_INTERNAL bool scan_memo_folder_add_subdir(scan_memo_folder *f, const char *rel);
CKPT_INTERNAL void scan_memo_folder_drop_subdirs(scan_memo_folder *f);
/* Once complete: f (taken) in one allocation with its names and runs, so
 * that a refresh finds each folder in a few adjacent cache lines, and a
 * list of thousands is freed in as many pieces; f itself out of memory. */
CKPT_INTERNAL scan_memo_folder *scan_memo_folder_pack(scan_memo_folder *f);
CKPT_INTERNAL bool scan_memo_folder_add_run(scan_memo_folder *f, const ckpt_run_location *loc,
					    const char *name, const char *shown);
/* A copy of loc's strings; false (out cleared) out of memory. */
CKPT_INTERNAL bool scan_memo_location_copy(ckpt_run_location *out, const ckpt_run_location *loc);
/* Adds a reference to f to m; false out of memory. */
CKPT_INTERNAL bool scan_memo_add(scan_memo *m, scan_memo_folder *f);
/* Indexes the folders for scan_memo_find (out of memory, it finds none:
 * the next refresh reads every folder again). */
CKPT_INTERNAL void scan_memo_finish(scan_memo *m);
CKPT_INTERNAL const scan_memo_folder *scan_memo_find(const scan_memo *m, const char *rel);
/* The folder rel's hash leads to first (maybe another: check its rel), or
 * NULL; no look at any folder's own memory. */
CKPT_INTERNAL const scan_memo_folder *scan_memo_guess(const scan_memo *m, const char *rel);
CKPT_INTERNAL void scan_memo_clear(scan_memo *m);

/* ---- scan-check.c -------------------------------------------------------- */

typedef struct scan_checks scan_checks;

/* A second thread checking each of olds[0..n) (borrowed; NULL: none worth
 * it, or no memory; the readers check then). hint must outlive it. */
CKPT_INTERNAL scan_checks *scan_checks_start(ckpt_run *const *olds, size_t n,
					     const run_refresh_hint *hint);
/* The walk is over: checks what is left with the second thread, then joins it. */
CKPT_INTERNAL void scan_checks_walk_done(scan_checks *c);
/* What the check of olds[old] found, into f->checked: RUN_CHECK_SAME, or
 * _READ with the run read again (or its failure) moved into f; else
 * RUN_CHECK_UNKNOWN, f left for the readers. */
CKPT_INTERNAL void scan_checks_take(scan_checks *c, long old, scan_found *f);
CKPT_INTERNAL void scan_checks_finish(scan_checks *c); /* NULL is fine */

/* ---- scan-read.c: reading while the walk goes on ------------------------ */

typedef struct scan_early scan_early;

/* A full scan on two processors: a second thread that reads the runs the
 * walk finds while it goes on (the walk is one thread's work otherwise).
 * NULL: no second processor, or no memory. */
CKPT_INTERNAL scan_early *scan_early_start(const ckpt_scan_hooks *hooks);
/* The walk found f (a new run, its location set): read it on the second
 * thread. Nothing happens out of memory: the readers read it after. */
CKPT_INTERNAL void scan_early_offer(scan_early *e, scan_found *f);
/* The walk is over: the second thread finishes the read it is in and
 * stops; found[0..n) take what was read (RUN_CHECK_READ) or their
 * location back; e is freed. NULL is fine. */
CKPT_INTERNAL void scan_early_finish(scan_early *e, scan_found *found, size_t n);

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
				const run_refresh_hint *hint, const ckpt_scan_hooks *hooks,
				scan_deliver_fn deliver, void *payload);

#endif
