/* run-private.h: the run snapshot's layout, shared by run.c (building it),
 * run-metrics.c (the metric of each epoch), run-health.c (what it amounts
 * to), run-access.c and epoch-access.c (accessors). */
#ifndef CKPT_RUN_PRIVATE_H
#define CKPT_RUN_PRIVATE_H

#include "internal.h"

#include <sys/stat.h>

/* One epoch as read, shared by every snapshot in which it is unchanged. */
typedef struct epoch_data {
	size_t refs;
	ckpt_file_sig dir_sig, info_sig, model_sig;
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
	char *name, *root, *folder, *log_path, *history_path;
	ckpt_layout layout;
	char *problem;
	size_t info_reads;

	/* Where metrics came from (metrics.jsonl, ckpt.log or both), as they were */
	ckpt_file_sig history_sig, log_sig;
	bool source_failed; /* parsed with an error: parse again next time */
	metric_entry *metrics;
	size_t n_metrics;
	char *source_metric;
	char source_direction;
	char *metric;
	char direction;

	/* This user's verify records of the run, as they were */
	ckpt_file_sig records_sig;
	ckpt_verify_records *records;

	long best, last;
	ckpt_link_state best_state, last_state;
	bool work_present;  /* work/, work.old or a temporary link, whoever made it */
	bool work_leftover; /* ...and no live writer: a crash left it */
	char **strays;
	size_t n_strays;
	ckpt_file_sig lock_sig;
	bool has_holder; /* someone holds the lock */
	bool live;       /* ...and it is a live writer */
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
 * (may be NULL), then give each epoch record its metric. */
CKPT_INTERNAL int run_load_metrics(ckpt_run *run, const ckpt_run *old);
CKPT_INTERNAL int run_apply_metrics(ckpt_run *run);

/* run-health.c: each epoch's verify record (loaded again only when the
 * records file changed since `old`), then the run's health flags and text. */
CKPT_INTERNAL int run_load_checks(ckpt_run *run, const ckpt_run *old);
CKPT_INTERNAL int run_assess(ckpt_run *run);

#endif
