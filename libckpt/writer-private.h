/* writer-private.h: the writer's state and the helpers its three files
 * share (writer.c: deciding and logging; writer-save.c: the crash-safe save;
 * writer-restart.c: restart). */
#ifndef CKPT_WRITER_PRIVATE_H
#define CKPT_WRITER_PRIVATE_H

#include "internal.h"

#include <time.h>

struct ckpt_writer {
	ckpt_settings settings;
	char *root;      /* absolute */
	char *root_name; /* its last component: the original's log quotes "ckpts/work" */
	char *log_path;
	char *history_path;
	char *work;
	char *epochs_dir;
	ckpt_lock *lock;
	bool follower; /* CKPT_WRITER_FOLLOWER: decides, writes nothing */
	char session[64];
	ckpt_model_write_fn write_fn;
	ckpt_model_load_fn load_fn;
	void *payload;
	ckpt_decision_state state;
	long *saved; /* epochs this instance saved and still keeps, ascending */
	size_t n_saved;
	size_t cap_saved;
	bool has_last_save;
	struct timespec last_save; /* monotonic, for time_elapsed */
	uint64_t log_start;   /* ckpt.log's size when this session began */
	bool history_started; /* this session has written its first metrics.jsonl line */
	/* Kept open for the writer's life; a call's log lines are appended in
	 * one write at its end (log-out.c). */
	ckpt_log_out *log;
	ckpt_fs_appender history;
	bool history_whole; /* the last append to history was whole */
	/* best and last as this writer last left them: resolved once, then
	 * tracked (under the lock, nobody else re-points them); invalid after
	 * a failure to re-point. */
	bool links_known;
	ckpt_link_state best_state, last_state;
	long best_link, last_link;
	/* What writer_check_epochs_dir last found: R/epochs a directory, on epochs_dev. */
	bool epochs_checked;
	dev_t epochs_dev;
	/* Retention's plan, as big as saved (reused from save to save). */
	bool *keep;
	ckpt_clean_reason *reasons;
	size_t cap_plan;
};

CKPT_INTERNAL int writer_log(const ckpt_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The callback's own message (ckpt_error_set), if it left one, after ours. */
CKPT_INTERNAL int writer_callback_failed(const char *what, const char *path, long epoch);
CKPT_INTERNAL const char *writer_fmt_metric(char out[64], double value);
CKPT_INTERNAL double writer_seconds_since(const struct timespec *start);
/* size: of the file at path, or -1 to stat it. */
CKPT_INTERNAL int writer_log_rate(const ckpt_writer *w, const char *what, const char *path,
				  off_t size, double seconds);
/* Resolves best and last once (see links_known). */
CKPT_INTERNAL void writer_know_links(ckpt_writer *w);
CKPT_INTERNAL int writer_discard_work(const ckpt_writer *w, int rc);
CKPT_INTERNAL int writer_sync_path(const ckpt_writer *w, const char *path);
CKPT_INTERNAL char *writer_epoch_path(const ckpt_writer *w, long epoch, const char *file);
/* CKPT_EUNSAFE naming R/epochs when it is a symbolic link or not a directory;
 * 0 when it is R's own directory or absent. */
CKPT_INTERNAL int writer_check_epochs_dir(ckpt_writer *w);
/* Logs and re-points R/best at epochs/NNN, R/ synced. */
CKPT_INTERNAL int writer_point_best(ckpt_writer *w, long epoch);
/* Adds epoch to the epochs this writer saved (kept ascending). */
CKPT_INTERNAL int writer_remember_saved(ckpt_writer *w, long epoch);
/* writer-limits.c: CKPT_EINVAL saying why, when what a save of epoch (or,
 * not saved, its history line) would write is more than readers accept. */
CKPT_INTERNAL int writer_check_limits(const ckpt_writer *w, long epoch, bool saved,
				      char direction, double value, const ckpt_metric *extra,
				      size_t n_extra);
/* The same for what every save carries (metadata, metric name): at creation. */
CKPT_INTERNAL int writer_check_settings(const ckpt_writer *w);
CKPT_INTERNAL int writer_save_epoch(ckpt_writer *w, long epoch, char direction, double value,
				    bool became_best, const ckpt_metric *extra, size_t n_extra,
				    int *out_deleted, bool *out_published);

#endif
