/* dash-jobs.h: the dashboard's worker threads, so that the screen never
 * waits on the disk. Three of them, each calling only libckpt:
 * - the scanner makes every run snapshot, in order: the first scans (runs
 *   handed over as found), list refreshes, and refreshes of single runs on
 *   change events (inotify), on a poll for the runs that matter now, or on
 *   request;
 * - the reader loads and refreshes metric histories and log tails;
 * - the actor runs one user action at a time: verify (cancellable, with
 *   progress), clean plans and their application, rollbacks, relinks.
 * They answer through messages the main thread takes on its tick; every
 * object a message carries is the receiver's to release. */
#ifndef CKPT_TUI_DASH_JOBS_H
#define CKPT_TUI_DASH_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"

/* Monotonic seconds. */
double dash_now(void);

typedef enum dash_msg_kind {
	MSG_RUN_FOUND,   /* path, run: a first scan found it */
	MSG_SCAN_DONE,   /* path, runs (all it found), text (its problems, one a
			  * line), problems (their count), rc, error */
	MSG_LIST,        /* path, runs, text, problems: a refresh changed something */
	MSG_RUN,         /* run: refreshed (changed, or asked for) */
	MSG_HISTORY,     /* root, history (NULL when rc), rc, error */
	MSG_LOG,         /* root, text (NULL when rc), rc, error */
	MSG_VERIFY_ITEM, /* root, epoch, result, at */
	MSG_VERIFY_RUN,  /* root: its verify is over (a refresh follows) */
	MSG_VERIFY_DONE, /* rc, error, count (results), problems */
	MSG_PLAN,        /* root, plan (NULL when rc), keep, mode, rc, error */
	MSG_CLEAN,       /* root, rc, error, count (epochs deleted), bytes */
	MSG_ROLLBACK,    /* root, epoch, flags, restart, rc, error, text (why it was
			  * refused without force, for a forced dry run) */
	MSG_RELINK,      /* root, rc, error, count (links rewritten) */
} dash_msg_kind;

typedef struct dash_msg {
	struct dash_msg *next;
	dash_msg_kind kind;
	int path;
	char *root;
	ckpt_run *run;
	ckpt_run **runs; /* references */
	size_t n_runs;
	ckpt_history *history; /* a reference */
	ckpt_clean_plan *plan;
	ckpt_restart *restart;
	int rc;
	char *error; /* ckpt_error_last() of the worker, copied */
	char *text;
	int64_t epoch, keep;
	ckpt_keep_mode mode;
	unsigned flags;
	ckpt_verify_result result;
	int64_t at;
	size_t count, problems;
	uint64_t bytes;
} dash_msg;

/* Releases what the message still holds, and the message. */
void dash_msg_free(dash_msg *m);

typedef struct dash_jobs dash_jobs;

typedef struct dash_jobs_config {
	const char *const *paths;
	size_t n_paths;
	int depth;     /* ckpt_scan's max_depth */
	double poll;   /* seconds between re-reads of the runs that matter now */
	bool no_watch; /* no change events: polling only */
} dash_jobs_config;

/* Starts the threads; the scans begin at once. 0, or -1 (out of memory or
 * no threads). */
int dash_jobs_start(dash_jobs **out, const dash_jobs_config *config);
/* Cancels what can be cancelled and waits for the threads at most
 * `seconds` (a worker stuck on a dead file server is left behind). */
void dash_jobs_stop(dash_jobs *jobs, double seconds);
/* Every message since the last call, oldest first (linked by next). */
dash_msg *dash_jobs_take(dash_jobs *jobs);
/* Readable when messages wait: for the main loop's poll(). */
int dash_jobs_fd(const dash_jobs *jobs);

/* ---- the scanner ---------------------------------------------------------- */

/* The runs re-read every poll (the selected and the marked ones); live
 * runs are re-read too. Copied. */
void dash_jobs_set_hot(dash_jobs *jobs, const char *const *roots, size_t n);
/* Re-reads the run at root soon and answers with MSG_RUN even when it is
 * unchanged. */
void dash_jobs_refresh(dash_jobs *jobs, const char *root);
/* The first scans: whether they are still going, runs and folders seen. */
bool dash_jobs_scanning(dash_jobs *jobs, size_t *out_runs, size_t *out_folders);

/* ---- the reader ------------------------------------------------------------ */

/* Loads (or refreshes) run's history. A request that is not sticky (the
 * selected run) replaces the one before it that was not served yet. */
void dash_jobs_history(dash_jobs *jobs, ckpt_run *run, bool sticky);
/* The last `lines` lines of run's ckpt.log. */
void dash_jobs_log(dash_jobs *jobs, ckpt_run *run, size_t lines);

/* ---- the actor --------------------------------------------------------------- */

typedef enum dash_action {
	ACTION_NONE,
	ACTION_VERIFY,
	ACTION_PLAN,
	ACTION_CLEAN,
	ACTION_ROLLBACK,
	ACTION_RELINK,
} dash_action;

/* Each returns false when an action is running already (nothing queued). */
/* Verifies epoch (0: every epoch) of each run, in order. */
bool dash_jobs_verify(dash_jobs *jobs, ckpt_run *const *runs, size_t n, int64_t epoch);
bool dash_jobs_plan(dash_jobs *jobs, ckpt_run *run, int64_t keep, ckpt_keep_mode mode);
/* Takes the plan. */
bool dash_jobs_clean(dash_jobs *jobs, ckpt_clean_plan *plan);
bool dash_jobs_rollback(dash_jobs *jobs, ckpt_run *run, int64_t epoch, unsigned flags);
bool dash_jobs_relink(dash_jobs *jobs, ckpt_run *run);
/* Cancels a verify (the results so far are kept). */
void dash_jobs_cancel(dash_jobs *jobs);

/* What the actor is doing, for the progress line. */
typedef struct dash_progress {
	dash_action action; /* ACTION_NONE: idle */
	bool cancelling;
	char run[256]; /* the run's name as the library gave it (not escaped) */
	int64_t epoch;
	uint64_t done, total;             /* bytes of the current run's verify */
	uint64_t items_done, items_total; /* epochs */
	size_t run_index, run_count;      /* the runs of a verify */
	uint64_t bytes_before;            /* verified in the runs before this one */
	double elapsed;                   /* seconds since the action started */
} dash_progress;
void dash_jobs_progress(dash_jobs *jobs, dash_progress *out);

#endif
