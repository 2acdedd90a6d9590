/* writer.c: the public ckpt_writer_* API, CANDLE's CandleCkpt: deciding
 * each epoch and logging it as the original does. Creating a writer is in
 * writer-open.c, saving in writer-save.c, restart in writer-restart.c. */
#include "internal.h"
#include "writer-private.h"

#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- small helpers ---------------------------------------------------- */

/* Numbers in the log are parsed back by tools: never "0,500000". */
int writer_log(const ckpt_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *message = NULL;
	locale_t previous = ckpt_enter_c_locale();
	int n = vasprintf(&message, fmt, ap);
	ckpt_leave_c_locale(previous);
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
	locale_t previous = ckpt_enter_c_locale();
	if (isnan(value))
		snprintf(out, 64, "nan");
	else
		snprintf(out, 64, "%f", value);
	ckpt_leave_c_locale(previous);
	return out;
}

double writer_seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* "model wrote: 0.250 MB in 0.122 seconds (2.04 MB/s)." (what: "model wrote:") */
int writer_log_rate(const ckpt_writer *w, const char *what, const char *path, off_t size,
		    double seconds)
{
	struct stat st;
	if (size < 0)
		size = stat(path, &st) == 0 ? st.st_size : 0;
	double mb = (double)size / (1024.0 * 1024.0);
	double rate = mb / (seconds > 1e-6 ? seconds : 1e-6);
	return writer_log(w, "%s %0.3f MB in %0.3f seconds (%0.2f MB/s).", what, mb, seconds, rate);
}

int writer_callback_failed(const char *what, const char *path, long epoch)
{
	char reason[900];
	snprintf(reason, sizeof reason, "%s", ckpt_error_last());
	if (reason[0])
		return ckpt_fail(CKPT_ECALLBACK, "%s: %s failed for epoch %ld: %s", path, what,
				 epoch, reason);
	return ckpt_fail(CKPT_ECALLBACK, "%s: %s failed for epoch %ld", path, what, epoch);
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

/* R/epochs must be R's own directory: through a symbolic link the writer
 * would publish into, and retention delete from, a folder of another run. */
int writer_check_epochs_dir(ckpt_writer *w)
{
	struct stat st;
	w->epochs_checked = false;
	if (lstat(w->epochs_dir, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return ckpt_fail(ckpt_code_from_errno(errno), "%s: %s", w->epochs_dir,
				 strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return ckpt_fail(CKPT_EUNSAFE,
				 "%s: is a symbolic link; refusing to write or delete through it",
				 w->epochs_dir);
	if (!S_ISDIR(st.st_mode))
		return ckpt_fail(CKPT_EUNSAFE,
				 "%s: is not a directory; refusing to write or delete in it",
				 w->epochs_dir);
	w->epochs_checked = true;
	w->epochs_dev = st.st_dev;
	return 0;
}

void writer_know_links(ckpt_writer *w)
{
	if (w->links_known)
		return;
	w->best_state = ckpt_link_resolve(w->root, CKPT_BEST_NAME, &w->best_link);
	w->last_state = ckpt_link_resolve(w->root, CKPT_LAST_NAME, &w->last_link);
	w->links_known = true;
}

/* Whether R/name still holds the target the writer gave it ("epochs/NNN"):
 * one readlink, where resolving it again costs four calls. */
static bool link_unchanged(const ckpt_writer *w, const char *name, ckpt_link_state state,
			   long epoch)
{
	if (state != CKPT_LINK_OK || epoch <= 0)
		return false;
	char dir[32], want[64], got[64];
	ckpt_epoch_dir_name(dir, epoch);
	int want_len = snprintf(want, sizeof want, "%s/%s", CKPT_EPOCHS_NAME, dir);
	char *path = ckpt_path_join(w->root, name);
	ssize_t len = path ? readlink(path, got, sizeof got) : -1;
	free(path);
	return len == want_len && memcmp(got, want, (size_t)len) == 0;
}

/* Once per saving call: the links may have been re-pointed by hand (or by
 * a relink) since the writer's last call. */
static void writer_check_links(ckpt_writer *w)
{
	if (w->links_known &&
	    (!link_unchanged(w, CKPT_BEST_NAME, w->best_state, w->best_link) ||
	     !link_unchanged(w, CKPT_LAST_NAME, w->last_state, w->last_link)))
		w->links_known = false;
	writer_know_links(w);
}

char *writer_epoch_path(const ckpt_writer *w, long epoch, const char *file)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	if (file)
		return ckpt_sprintf("%s/%s/%s", w->epochs_dir, name, file);
	return ckpt_sprintf("%s/%s", w->epochs_dir, name);
}

/* ---- the model `best` names ----------------------------------------- */

/* After a rollback, saving again replaces the later epochs, and `best` may
 * name one of them: its model must not silently give way to a worse one. */
typedef struct best_guard {
	bool over_best; /* saving would replace the model `best` names by a worse one */
	double kept;    /* that model's metric; NaN when unknown (which protects it) */
	long repoint;   /* final epoch: this session's best, where `best` moves (0: none) */
} best_guard;

/* Equal is as good; NaN on either side is not (an unknown model is kept). */
static bool as_good_as(char direction, double value, double than)
{
	return direction == '+' ? value >= than : value <= than;
}

/* The epoch's tracked value as its ckpt-info.json records it; NaN if unknown. */
static double stored_metric(const ckpt_writer *w, long epoch)
{
	double metric = NAN;
	char *path = writer_epoch_path(w, epoch, CKPT_INFO_NAME);
	ckpt_info info;
	memset(&info, 0, sizeof info);
	if (path && ckpt_info_read(&info, path) == 0) {
		if (info.has_metric_value)
			metric = info.metric_value;
		else if (info.has_best_metric_last)
			metric = info.best_metric_last; /* the original: the best is its own */
		ckpt_info_clear(&info);
	}
	free(path);
	return metric;
}

/* The best epoch this session saved and still keeps, other than epoch; 0: none. */
static long session_best(const ckpt_writer *w, long epoch)
{
	long best = w->state.best_epoch;
	for (size_t j = 0; best != 0 && best != epoch && j < w->n_saved; j++)
		if (w->saved[j] == best)
			return best;
	return 0;
}

static best_guard guard_best(ckpt_writer *w, long epoch, char direction, double value)
{
	best_guard guard = {.over_best = false, .kept = NAN, .repoint = 0};
	writer_check_links(w);
	/* Saving over the epoch best names (after a rollback): its epoch
	 * directory must be there still, as a fresh look says. */
	if (w->best_link == epoch) {
		w->links_known = false;
		writer_know_links(w);
	}
	if ((w->best_state != CKPT_LINK_OK && w->best_state != CKPT_LINK_RELOCATED) ||
	    w->best_link != epoch)
		return guard;
	guard.kept = stored_metric(w, epoch);
	guard.over_best = !as_good_as(direction, value, guard.kept);
	if (guard.over_best)
		guard.repoint = session_best(w, epoch);
	return guard;
}

/* The epoch is not saved: the best so far becomes the kept model's, so that
 * no later epoch worse than it is taken for the best. A best so far that is
 * better still (or an unknown kept value) stays. */
static void adopt_kept_best(ckpt_writer *w, const ckpt_decision_state *before, long epoch,
			    char direction, double kept)
{
	w->state = *before;
	if (!isnan(kept) && as_good_as(direction, kept, before->best)) {
		w->state.best = kept;
		w->state.best_epoch = epoch;
	}
}

static int log_over_best(const ckpt_writer *w, long epoch, double value, const best_guard *guard,
			 bool refused)
{
	char current[64], kept[64], why[256];
	writer_fmt_metric(current, value);
	if (isnan(guard->kept))
		snprintf(why, sizeof why,
			 "'best' names it and its model's value is unknown (this one: %s)",
			 current);
	else
		snprintf(why, sizeof why,
			 "'best' names it and its model (%s) is better than this one (%s)",
			 writer_fmt_metric(kept, guard->kept), current);
	if (refused)
		return writer_log(w, "not replacing epoch %ld: %s", epoch, why);
	/* The final epoch is always saved (SPEC §2 rule 4). */
	if (guard->repoint)
		return writer_log(
		    w, "replacing final epoch %ld although %s: 'best' moves to epoch %ld", epoch,
		    why, guard->repoint);
	return writer_log(w,
			  "replacing final epoch %ld although %s: that model is gone, 'best' stays "
			  "on epoch %ld",
			  epoch, why, epoch);
}

/* ---- one epoch -------------------------------------------------------- */

/* The original's comparison line, before anything is written. */
static int log_metrics(const ckpt_writer *w, ckpt_decision decision, double value,
		       double best_before)
{
	if (decision == CKPT_DECIDE_DISABLED || decision == CKPT_DECIDE_SKIPPED ||
	    !w->settings.save_best)
		return 0;
	char current[64], last[64];
	const char *symbol = value < best_before ? "<" : value > best_before ? ">" : "=";
	return writer_log(w, "metrics: %s: current=%s %s last=%s", w->settings.save_best_metric,
			  writer_fmt_metric(current, value), symbol,
			  writer_fmt_metric(last, best_before));
}

/* The original's line for what the decision is. */
static int log_outcome(const ckpt_writer *w, ckpt_decision decision, long epoch)
{
	if (decision == CKPT_DECIDE_SKIPPED)
		return writer_log(w, "model saving disabled until epoch %ld",
				  w->settings.skip_epochs);
	if (decision == CKPT_DECIDE_FINAL)
		return writer_log(w, "writing final epoch %ld ...", epoch);
	if (decision == CKPT_DECIDE_NOT_SAVED)
		return writer_log(w, "not writing this epoch.");
	return 0;
}

static int append_history(ckpt_writer *w, long epoch, char direction, double value,
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
	    .has_log_start = !w->history_started,
	    .log_start = w->log_start,
	};
	/* Only a torn last line needs the file's last byte read: at the first
	 * append, and after one that failed. */
	int rc = ckpt_history_append_kept(&w->history, !w->history_whole, w->history_path, &line);
	w->history_whole = rc == 0;
	w->history_started = w->history_started || rc == 0;
	return rc;
}

/* What a follower does with an epoch: the same decision, nothing written. */
static void follow_epoch(ckpt_writer *w, long epoch, bool saved)
{
	if (saved && writer_remember_saved(w, epoch) == 0)
		w->has_last_save = true;
}

static void fill_result(ckpt_epoch_result *out, const ckpt_writer *w, long epoch, bool saved,
			bool became_best, int deleted)
{
	if (!out)
		return;
	ckpt_epoch_result result = {
	    .size = sizeof result,
	    .epoch = epoch,
	    .saved = saved,
	    .became_best = became_best,
	    .best_epoch = w->state.best_epoch,
	    .best_value = w->state.best,
	    .deleted_count = (size_t)deleted,
	};
	/* Fields past the caller's size are ones it was not built with. */
	size_t size = out->size < sizeof result ? out->size : sizeof result;
	memcpy(out, &result, size);
	out->size = size;
}

static int writer_epoch_call(ckpt_epoch_result *out, ckpt_writer *w, long epoch, char direction,
			     double value, const ckpt_metric *extra, size_t n_extra);

int ckpt_writer_epoch(ckpt_epoch_result *out, ckpt_writer *w, int64_t epoch_index, char direction,
		      double value, const ckpt_metric *extra, size_t n_extra)
{
	if (out && out->size < offsetof(ckpt_epoch_result, epoch) + sizeof out->epoch)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_epoch: set the result's size to "
					      "sizeof(ckpt_epoch_result)");
	if (!w)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_epoch: writer is NULL");
	if (direction != '-' && direction != '+')
		return ckpt_fail(CKPT_EINVAL, "direction '%c' (byte %d): must be '-' or '+'",
				 direction >= 0x20 && direction < 0x7f ? direction : '?',
				 (unsigned char)direction);
	/* Epoch directories have at most 9 digits. */
	if (epoch_index < 0 || epoch_index >= 999999999)
		return ckpt_fail(CKPT_EINVAL, "epoch index %lld: must be 0 to 999999998",
				 (long long)epoch_index);
	if (n_extra > 0 && !extra)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_epoch: %zu extra metrics but none given",
				 n_extra);
	long epoch = (long)epoch_index + 1;
	/* The call's log lines in one write at its end (log-out.c). */
	if (!w->follower)
		ckpt_log_out_begin(w->log);
	int rc = writer_epoch_call(out, w, epoch, direction, value, extra, n_extra);
	int flushed = w->follower ? 0 : ckpt_log_out_end(w->log);
	return rc ? rc : flushed;
}

static int writer_epoch_call(ckpt_epoch_result *out, ckpt_writer *w, long epoch, char direction,
			     double value, const ckpt_metric *extra, size_t n_extra)
{
	ckpt_decide_start(&w->state, &w->settings, direction);
	ckpt_decision_state before = w->state;
	ckpt_decision decision = ckpt_decide(&w->state, &w->settings, epoch, direction, value);
	bool saved = decision == CKPT_DECIDE_BEST || decision == CKPT_DECIDE_FINAL ||
		     decision == CKPT_DECIDE_INTERVAL;
	bool became_best = decision == CKPT_DECIDE_BEST;
	/* Reads only: a follower must refuse the same saves as the writer. */
	best_guard guard = {.over_best = false, .kept = NAN, .repoint = 0};
	if (saved)
		guard = guard_best(w, epoch, direction, value);
	bool refused = guard.over_best && epoch != w->settings.epochs;
	if (refused) {
		adopt_kept_best(w, &before, epoch, direction, guard.kept);
		decision = CKPT_DECIDE_NOT_SAVED;
		saved = became_best = false;
	}
	/* Before anything is written: what it would write must be readable. */
	int rc = writer_check_limits(w, epoch, saved, direction, value, extra, n_extra);
	if (rc) {
		w->state = before;
		return rc;
	}
	if (w->follower) {
		follow_epoch(w, epoch, saved);
		fill_result(out, w, epoch, saved, became_best, 0);
		return 0;
	}
	int deleted = 0;
	bool published = false;
	rc = log_metrics(w, decision, value, before.best);
	if (!rc && guard.over_best)
		rc = log_over_best(w, epoch, value, &guard, refused);
	/* Before the save: `best` never names the worse model, even for a moment. */
	if (!rc && !refused && guard.repoint)
		rc = writer_point_best(w, guard.repoint);
	if (!rc)
		rc = log_outcome(w, decision, epoch);
	if (!rc && saved)
		rc = writer_save_epoch(w, epoch, direction, value, became_best, extra, n_extra,
				       &deleted, &published);
	if (rc) {
		/* Not on disk: as if the epoch had not improved anything. */
		if (!published)
			w->state = before;
		return rc;
	}
	if ((rc = append_history(w, epoch, direction, value, saved, became_best, extra, n_extra)))
		return rc;
	fill_result(out, w, epoch, saved, became_best, deleted);
	return 0;
}

int ckpt_writer_report_final(ckpt_writer *w)
{
	if (!w)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_report_final: writer is NULL");
	/* The writing rank logs for all: a follower writes nothing. */
	if (w->follower)
		return 0;
	ckpt_log_out_begin(w->log);
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
	int flushed = ckpt_log_out_end(w->log);
	return rc ? rc : flushed;
}

size_t ckpt_writer_kept_count(const ckpt_writer *w)
{
	return w ? w->n_saved : 0;
}

int64_t ckpt_writer_kept(const ckpt_writer *w, size_t i)
{
	return w && i < w->n_saved ? w->saved[i] : 0;
}
