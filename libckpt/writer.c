/* writer.c: the public ckpt_writer_* API, CANDLE's CandleCkpt: creating a
 * writer, deciding each epoch and logging it as the original does. Saving is
 * in writer-save.c, restart in writer-restart.c. */
#include "internal.h"
#include "writer-private.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- small helpers ---------------------------------------------------- */

int writer_log(const ckpt_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *message = NULL;
	int n = vasprintf(&message, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->log_path);
	int rc = ckpt_log_write(w->log_path, "%s", message);
	free(message);
	return rc;
}

/* Python's "%f": "inf", "-inf", "nan" (never C's "-nan"). */
const char *writer_fmt_metric(char out[64], double value)
{
	if (isnan(value))
		snprintf(out, 64, "nan");
	else
		snprintf(out, 64, "%f", value);
	return out;
}

double writer_seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* "model wrote: 0.250 MB in 0.122 seconds (2.04 MB/s)." (what: "model wrote:") */
int writer_log_rate(const ckpt_writer *w, const char *what, const char *path, double seconds)
{
	struct stat st;
	double mb = stat(path, &st) == 0 ? (double)st.st_size / (1024.0 * 1024.0) : 0.0;
	double rate = mb / (seconds > 1e-6 ? seconds : 1e-6);
	return writer_log(w, "%s %0.3f MB in %0.3f seconds (%0.2f MB/s).", what, mb, seconds, rate);
}

/* Cleans up after a failure without losing the failure's message. */
int writer_discard_work(const ckpt_writer *w, int rc)
{
	char message[1024];
	snprintf(message, sizeof message, "%s", ckpt_error_last());
	ckpt_fs_remove_tree(w->work);
	return ckpt_fail(rc, "%s", message);
}

int writer_sync_path(const ckpt_writer *w, const char *path)
{
	return w->settings.fsync ? ckpt_fs_fsync_path(path) : 0;
}

char *writer_epoch_path(const ckpt_writer *w, long epoch, const char *file)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	if (file)
		return ckpt_sprintf("%s/%s/%s", w->epochs_dir, name, file);
	return ckpt_sprintf("%s/%s", w->epochs_dir, name);
}

/* ---- creating a writer ------------------------------------------------ */

/* The root made absolute against the working directory, "./" dropped. */
static int absolute_root(char **out, const char *dir)
{
	*out = NULL;
	if (!dir)
		return ckpt_fail(CKPT_EINVAL, "parameter 'ckpt_directory' is not set");
	while (dir[0] == '.' && dir[1] == '/') {
		dir += 2;
		while (*dir == '/')
			dir++;
	}
	char cwd[4096];
	if (dir[0] != '/' && !getcwd(cwd, sizeof cwd))
		return ckpt_fail(CKPT_EIO, "%s: cannot find the working directory: %s", dir,
				 strerror(errno));
	char *root;
	if (dir[0] == '/')
		root = ckpt_strdup(dir);
	else if (dir[0] == '\0' || strcmp(dir, ".") == 0)
		root = ckpt_strdup(cwd);
	else
		root = ckpt_path_join(cwd, dir);
	if (!root)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", dir);
	size_t len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		root[--len] = '\0';
	*out = root;
	return 0;
}

static int writer_paths(ckpt_writer *w)
{
	w->root_name = ckpt_root_label(w->root);
	w->log_path = ckpt_path_join(w->root, CKPT_LOG_NAME);
	w->history_path = ckpt_path_join(w->root, CKPT_HISTORY_NAME);
	w->work = ckpt_path_join(w->root, CKPT_WORK_NAME);
	w->epochs_dir = ckpt_path_join(w->root, CKPT_EPOCHS_NAME);
	if (!w->root_name || !w->log_path || !w->history_path || !w->work || !w->epochs_dir)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
	return 0;
}

static void make_session_id(char out[64])
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	snprintf(out, 64, "%s-%ld", stamp, (long)getpid());
}

/* The original's opening lines: tools split sessions at "Callback initialized." */
static int log_opening(const ckpt_writer *w)
{
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, "?");
	int rc = writer_log(w, "save_interval: %ld", w->settings.save_interval);
	if (!rc)
		rc = writer_log(w, "Callback initialized.");
	if (!rc && w->settings.metadata)
		rc = writer_log(w, "metadata='%s'", w->settings.metadata);
	if (!rc)
		rc = writer_log(w, "save_best_metric='%s'", w->settings.save_best_metric);
	if (!rc)
		rc = writer_log(w, "PWD: %s", cwd);
	if (!rc)
		rc = writer_log(w, "ckpt_directory: %s", w->root);
	return rc;
}

int ckpt_writer_new(ckpt_writer **out, const ckpt_params *params)
{
	*out = NULL;
	if (!params)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_new: params is NULL");
	ckpt_writer *w = calloc(1, sizeof *w);
	if (!w)
		return ckpt_fail(CKPT_ENOMEM, "ckpt_writer_new: out of memory");
	int rc = ckpt_settings_from_params(&w->settings, params);
	if (rc) {
		free(w);
		return rc;
	}
	if ((rc = absolute_root(&w->root, w->settings.directory)) != 0 ||
	    (rc = writer_paths(w)) != 0 || (rc = ckpt_fs_mkdirs(w->root, 0755)) != 0 ||
	    (rc = ckpt_lock_acquire(&w->lock, w->root)) != 0) {
		ckpt_writer_free(w);
		return rc;
	}
	make_session_id(w->session);
	if ((rc = log_opening(w)) != 0 ||
	    (rc = ckpt_leftovers_recover(w->root, w->log_path, w->root_name, w->settings.fsync)) != 0) {
		ckpt_writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void ckpt_writer_free(ckpt_writer *w)
{
	if (!w)
		return;
	ckpt_lock_release(w->lock);
	ckpt_settings_clear(&w->settings);
	free(w->root);
	free(w->root_name);
	free(w->log_path);
	free(w->history_path);
	free(w->work);
	free(w->epochs_dir);
	free(w->saved);
	free(w);
}

void ckpt_writer_set_model_io(ckpt_writer *w, ckpt_model_write_fn write_fn,
			      ckpt_model_load_fn load_fn, void *payload)
{
	if (!w)
		return;
	w->write_fn = write_fn;
	w->load_fn = load_fn;
	w->payload = payload;
}

const char *ckpt_writer_root(const ckpt_writer *w)
{
	return w ? w->root : NULL;
}

/* ---- one epoch -------------------------------------------------------- */

/* After a rollback, saving again replaces the later epochs, but the one
 * `best` names holds the best model: a model that is not better than it
 * must not overwrite it. *out_metric: that model's metric (NaN: unknown,
 * which protects it too). */
static bool would_replace_best(const ckpt_writer *w, long epoch, char direction, double value,
			       double *out_metric)
{
	*out_metric = NAN;
	long best = 0;
	ckpt_link_state state = ckpt_link_resolve(w->root, CKPT_BEST_NAME, &best);
	if ((state != CKPT_LINK_OK && state != CKPT_LINK_RELOCATED) || best != epoch)
		return false;
	char *path = writer_epoch_path(w, epoch, CKPT_INFO_NAME);
	ckpt_info info;
	memset(&info, 0, sizeof info);
	if (path && ckpt_info_read(&info, path) == 0) {
		if (info.has_metric_value)
			*out_metric = info.metric_value;
		else if (info.has_best_metric_last)
			*out_metric = info.best_metric_last; /* the original's: its own value */
		ckpt_info_clear(&info);
	}
	free(path);
	return !(direction == '+' ? value > *out_metric : value < *out_metric);
}

/* The original's lines for a decision, before anything is written. */
static int log_decision(const ckpt_writer *w, ckpt_decision decision, long epoch, double value,
			double best_before, const double *kept_best)
{
	if (decision == CKPT_DECIDE_DISABLED)
		return 0;
	if (decision == CKPT_DECIDE_SKIPPED)
		return writer_log(w, "model saving disabled until epoch %ld", w->settings.skip_epochs);
	int rc = 0;
	if (w->settings.save_best) {
		char current[64], last[64];
		const char *symbol = value < best_before ? "<" : value > best_before ? ">" : "=";
		rc = writer_log(w, "metrics: %s: current=%s %s last=%s", w->settings.save_best_metric,
			  writer_fmt_metric(current, value), symbol, writer_fmt_metric(last, best_before));
	}
	if (!rc && kept_best) {
		char current[64], kept[64];
		rc = writer_log(w,
			  "keep(): epoch is best: %ld: its model (%s) is not replaced by a worse "
			  "one (%s)",
			  epoch, writer_fmt_metric(kept, *kept_best), writer_fmt_metric(current, value));
	}
	if (!rc && decision == CKPT_DECIDE_FINAL)
		rc = writer_log(w, "writing final epoch %ld ...", epoch);
	if (!rc && decision == CKPT_DECIDE_NOT_SAVED)
		rc = writer_log(w, "not writing this epoch.");
	return rc;
}

static int append_history(const ckpt_writer *w, long epoch, char direction, double value,
			  bool saved, bool became_best, const ckpt_metric *extra, size_t n_extra)
{
	char now[32];
	ckpt_timestamp_now(now);
	ckpt_history_line line = {
	    .epoch = epoch,
	    .metric = w->settings.save_best_metric,
	    .direction = direction,
	    .has_value = true,
	    .value = value,
	    .saved = saved,
	    .became_best = became_best,
	    .time = now,
	    .session = w->session,
	    .extra = extra,
	    .n_extra = n_extra,
	};
	return ckpt_history_append(w->history_path, &line);
}

int ckpt_writer_epoch(ckpt_writer *w, long epoch0, char direction, double value,
		      const ckpt_metric *extra, size_t n_extra, ckpt_epoch_result *out)
{
	if (out)
		memset(out, 0, sizeof *out);
	if (!w)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_epoch: writer is NULL");
	if (direction != '-' && direction != '+')
		return ckpt_fail(CKPT_EINVAL, "direction '%c' (byte %d): must be '-' or '+'",
				 direction >= 0x20 && direction < 0x7f ? direction : '?',
				 (unsigned char)direction);
	/* Epoch directories have at most 9 digits. */
	if (epoch0 < 0 || epoch0 >= 999999999)
		return ckpt_fail(CKPT_EINVAL, "epoch index %ld: must be 0 to 999999998", epoch0);
	if (n_extra > 0 && !extra)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_epoch: %zu extra metrics but none given",
				 n_extra);
	long epoch = epoch0 + 1;
	ckpt_decide_start(&w->state, &w->settings, direction);
	ckpt_decision_state before = w->state;
	ckpt_decision decision = ckpt_decide(&w->state, &w->settings, epoch, direction, value);
	bool saved = decision == CKPT_DECIDE_BEST || decision == CKPT_DECIDE_FINAL ||
		     decision == CKPT_DECIDE_INTERVAL;
	bool became_best = decision == CKPT_DECIDE_BEST;
	double best_model;
	bool keep_best = saved && would_replace_best(w, epoch, direction, value, &best_model);
	if (keep_best) {
		/* Not saved, so not the best either: the best model stays named. */
		w->state = before;
		decision = CKPT_DECIDE_NOT_SAVED;
		saved = became_best = false;
	}
	int deleted = 0;
	bool published = false;
	int rc =
	    log_decision(w, decision, epoch, value, before.best, keep_best ? &best_model : NULL);
	if (!rc && saved)
		rc = writer_save_epoch(w, epoch, direction, value, became_best, extra, n_extra, &deleted,
				&published);
	if (rc) {
		/* Not on disk: as if the epoch had not improved anything. */
		if (!published)
			w->state = before;
		return rc;
	}
	if ((rc = append_history(w, epoch, direction, value, saved, became_best, extra, n_extra)))
		return rc;
	if (out) {
		out->epoch = epoch;
		out->saved = saved;
		out->became_best = became_best;
		out->best_epoch = w->state.best_epoch;
		out->best_value = w->state.best;
		out->deleted_count = deleted;
	}
	return 0;
}

int ckpt_writer_report_final(ckpt_writer *w)
{
	if (!w)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_report_final: writer is NULL");
	ckpt_buf list;
	ckpt_buf_init(&list);
	ckpt_buf_puts(&list, "[");
	for (size_t j = 0; j < w->n_saved; j++)
		ckpt_buf_printf(&list, "%s%ld", j ? ", " : "", w->saved[j]);
	ckpt_buf_puts(&list, "]");
	int rc = list.oom ? ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root)
			  : writer_log(w, "checkpoints kept: %zu", w->n_saved);
	if (!rc)
		rc = writer_log(w, "checkpoints list: %s", list.data);
	ckpt_buf_free(&list);
	return rc;
}

