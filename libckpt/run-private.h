/* run-private.h: the run snapshot's layout, shared by run.c (building it),
 * run-metrics.c (the metric of each epoch), run-health.c (what it amounts
 * to), run-access.c and epoch-access.c (accessors). */
#ifndef CKPT_RUN_PRIVATE_H
#define CKPT_RUN_PRIVATE_H

#include "internal.h"

#include <sys/stat.h>

/* One epoch as read, shared by every snapshot in which it is unchanged; its
 * strings and arrays lie in its own allocation, after it. */
typedef struct epoch_data {
	size_t refs;
	ckpt_file_sig dir_sig, info_sig, model_sig;
	/* Atomic, an INFO_SIG_*: a first read opens its ckpt-info.json and
	 * reads it without an fstat (one system call in five, for every epoch
	 * of a scan), so info_sig holds no identity until a ckpt_run_refresh
	 * that finds the same text there learns it (run_epoch_info_sig). */
	int info_sig_state;
	ino_t dir_ino; /* of epochs/<dir> as readdir gave it */
	long epoch;
	char *dir;
	ckpt_info_state info_state;
	char *info_error; /* why INVALID or UNREADABLE */
	ckpt_model_state model_state;
	int64_t model_bytes; /* -1 unless CKPT_MODEL_OK */
	char *checksum;      /* as stored, or NULL */
	ckpt_checksum_kind checksum_kind;
	bool has_best_metric_last;
	double best_metric_last;
	char *timestamp;
	bool has_time_elapsed, first_save;
	double time_elapsed;
	char *metadata, *save_best_metric;
	bool has_info_metric;
	double info_metric;
	char info_direction;
	size_t n_extra;
	char **extra_names;
	double *extra_values;
	char *session;         /* the writer session that saved it, or NULL */
	long keep_limit;       /* 0: not recorded */
	int keep_mode;         /* a ckpt_keep_mode, -1: not recorded */
	int64_t saved_at;      /* unix seconds */
} epoch_data;

enum { INFO_SIG_UNKNOWN, INFO_SIG_WRITING, INFO_SIG_KNOWN };

/* d's ckpt-info.json identity into *out; false while none is known. */
CKPT_INTERNAL bool run_epoch_info_sig(const epoch_data *d, ckpt_file_sig *out);

/* An epoch in one snapshot: the shared data plus what this snapshot adds. */
struct ckpt_epoch {
	const epoch_data *data;
	bool has_metric; /* the tracked metric, from the history */
	double metric;
	ckpt_check_state check; /* from the verify records */
	ckpt_verify_result check_result;
	int64_t check_when;
};

/* The tracked metric of the last saved record of an epoch in the history. */
typedef struct metric_entry {
	long epoch;
	bool has_value;
	double value;
	size_t order; /* position in the history, for "the later record wins" */
} metric_entry;

struct ckpt_run {
	size_t refs;
	/* First, together, what a list refresh looks at in each of thousands
	 * of runs (run-unchanged.c): the fewest cache lines. The run's own
	 * files as they were (with history_sig, log_sig and best_sig,
	 * last_sig), each taken before what it guards was read: while none of
	 * them changes, a list refresh shares the snapshot. */
	int settled; /* atomic: all of them older than built_at (see run-unchanged.c) */
	bool source_failed; /* metrics parsed with an error: parse again next time */
	bool metrics_from_infos; /* every epoch's info had it: nothing parsed */
	bool has_holder; /* someone holds the lock */
	bool live;       /* ...and it is a live writer */
	bool log_in_root; /* log_path is root/ckpt.log */
	char *root, *log_path;
	/* This user's verify records; NULL: no cache folder for them, or the
	 * scan that read the run found the folder absent (records_sig ENOENT). */
	char *records_path;
	ckpt_file_sig root_sig, epochs_sig, lock_sig, records_sig;
	ckpt_file_sig best_sig, last_sig;
	struct timespec built_at; /* the coarse clock before the first of them */

	char *strings; /* once built: every string of the run, in one allocation */
	bool shallow; /* while built by a list refresh: see run_refresh_shallow */
	char *name, *folder, *history_path;
	ckpt_layout layout;
	char *problem;
	size_t info_reads;

	/* Where metrics came from (metrics.jsonl, ckpt.log or both), as they were */
	ckpt_file_sig history_sig, log_sig;
	metric_entry *metrics;
	size_t n_metrics;
	char *source_metric;
	char source_direction;
	char *metric;
	char direction;

	ckpt_verify_records *records; /* as they were */

	long best, last;
	ckpt_link_state best_state, last_state;
	bool work_present;  /* work/, work.old or a temporary link, whoever made it */
	bool work_leftover; /* ...and no live writer: a crash left it */
	char **strays;
	size_t n_strays;
	int64_t holder_pid;
	char holder_host[256], holder_since[32];

	ckpt_epoch *epochs; /* ascending */
	size_t n_epochs;
	uint64_t total_bytes;
	int64_t updated;

	unsigned health;
	char *health_text;
};

/* run.c: the snapshot's problem text, and bsearch/qsort on structs that
 * start with `long epoch`. */
CKPT_INTERNAL int run_set_problem(ckpt_run *run, const char *text);
CKPT_INTERNAL int run_compare_epoch_key(const void *key, const void *item);

/* run-metrics.c: (re)load the metric source when it changed since `old`
 * (may be NULL), then give each epoch record its metric. rfd: the root,
 * or -1 when it is gone. */
CKPT_INTERNAL int run_load_metrics(ckpt_run *run, int rfd, const ckpt_run *old);
CKPT_INTERNAL int run_apply_metrics(ckpt_run *run);

/* run-health.c: each epoch's verify record (loaded again only when the
 * records file changed since `old`), then the run's health flags and text. */
CKPT_INTERNAL int run_load_checks(ckpt_run *run, const ckpt_run *old, bool records_folder_absent);
CKPT_INTERNAL int run_assess(ckpt_run *run);

/* run-around.c: the links, the root's leftovers and the lock's holder,
 * relative to the root open as rfd; run_read_holder asks the lock only. */
CKPT_INTERNAL int run_read_around(ckpt_run *run, int rfd);
CKPT_INTERNAL void run_read_holder(ckpt_run *run);

/* run-unchanged.c: the build's start on the coarse clock (and whether the
 * log lies in the root); after the build, whether its signatures are old
 * enough to be trusted; whether two snapshots saw the same run-level files;
 * marking `old` settled when an identical rebuild `fresh` is. */
CKPT_INTERNAL void run_note_build_start(ckpt_run *run);
CKPT_INTERNAL void run_note_settled(ckpt_run *run);
CKPT_INTERNAL bool run_level_equal(const ckpt_run *a, const ckpt_run *b);
CKPT_INTERNAL void run_share_settled(ckpt_run *old, const ckpt_run *fresh);
/* ckpt.log's identity: beside_root below dfd when it lies in the root. */
CKPT_INTERNAL void run_log_sig(ckpt_file_sig *sig, const ckpt_run *run, int dfd,
				const char *beside_root);
/* A list refresh's re-read of one run: `old` itself (one more reference,
 * *out_changed false) when none of its run-level files changed and its
 * writer is as live as it was; otherwise ckpt_run_refresh. */
/* What a list refresh knows that spares each run's look system calls. */
typedef struct run_refresh_hint {
	int base_fd;              /* the scanned folder, open, or -1 */
	const char *base;         /* its canonical path */
	size_t base_len;
	bool records_folder_same; /* no verify records file was made since old's list */
} run_refresh_hint;

/* ckpt_run_refresh for a list refresh: an epoch whose folder is the one
 * old read (the same name and inode: writers publish a new folder, never
 * change one in place) is shared without a look inside, as the list
 * refresh shares unchanged runs; new and replaced epochs are read. */
CKPT_INTERNAL int run_refresh_shallow(ckpt_run **out, bool *out_changed, ckpt_run *old);

/* What a look at a run's own files found, when one was taken already. */
enum { RUN_CHECK_UNKNOWN, RUN_CHECK_SAME, RUN_CHECK_CHANGED, RUN_CHECK_READ /* and read again */ };

/* Whether none of old's run-level files changed since it was read (it
 * cannot tell a hand's change inside an epoch; see run-unchanged.c). */
CKPT_INTERNAL bool run_level_unchanged(const ckpt_run *old, const run_refresh_hint *hint);
/* old itself (one more reference) when its run-level files are unchanged
 * (checked is what run_level_unchanged said already, or RUN_CHECK_UNKNOWN),
 * else run_refresh_shallow of it. */
CKPT_INTERNAL int run_refresh_if_touched(ckpt_run **out, bool *out_changed, ckpt_run *old,
					 const run_refresh_hint *hint, int checked);

#endif
