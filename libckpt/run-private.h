/* run-private.h: the run snapshot's layout, shared by run.c (building it),
 * run-metrics.c (the metric of each epoch) and run-access.c (accessors). */
#ifndef CKPT_RUN_PRIVATE_H
#define CKPT_RUN_PRIVATE_H

#include "internal.h"

#include <sys/stat.h>

/* What tells a refresh that a file may have changed. */
typedef struct file_sig {
	int err; /* errno of the lstat, 0 when present */
	dev_t dev;
	ino_t ino;
	mode_t mode;
	off_t size;
	struct timespec mtime, ctime;
} file_sig;

/* One epoch as read, shared by every snapshot in which it is unchanged. */
typedef struct epoch_data {
	size_t refs;
	file_sig dir_sig, info_sig, model_sig;
	ckpt_epoch rec; /* its strings are the ones below; has_metric is per snapshot */
	char *dir, *info_error, *checksum, *timestamp, *metadata, *save_best_metric;
	bool has_info_metric;
	double info_metric;
	char info_direction;
} epoch_data;

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
	file_sig history_sig, log_sig;
	bool source_failed; /* parsed with an error: parse again next time */
	metric_entry *metrics;
	size_t n_metrics;
	char *source_metric;
	char source_direction;
	char *metric;
	char direction;

	long best, last;
	ckpt_link_state best_state, last_state;
	bool work_leftover;
	char **strays;
	size_t n_strays;
	bool has_writer;
	ckpt_writer_info writer;
	char writer_host[256], writer_since[32];

	ckpt_epoch *epochs; /* ascending; strings borrowed from data[i] */
	epoch_data **data;
	size_t n_epochs;
	uint64_t total_bytes;
};

/* run.c: a file's signature (dfd may be AT_FDCWD), its comparison, the
 * snapshot's problem text, and bsearch/qsort on structs that start with
 * `long epoch`. */
CKPT_INTERNAL void run_sig_at(file_sig *sig, int dfd, const char *name);
CKPT_INTERNAL bool run_sig_equal(const file_sig *a, const file_sig *b);
CKPT_INTERNAL int run_set_problem(ckpt_run *run, const char *text);
CKPT_INTERNAL int run_compare_epoch_key(const void *key, const void *item);

/* run-metrics.c: (re)load the metric source when it changed since `old`
 * (may be NULL), then give each epoch record its metric. */
CKPT_INTERNAL int run_load_metrics(ckpt_run *run, const ckpt_run *old);
CKPT_INTERNAL int run_apply_metrics(ckpt_run *run);

#endif
