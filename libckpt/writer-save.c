/* writer-save.c: saving one epoch crash-safely: stage it in work/, sync it,
 * publish it as epochs/NNN (exchanging an older copy atomically), re-point
 * best/last, then apply retention without ever exposing a half-deleted epoch. */
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

/* ---- saving an epoch: stage in work/ ----------------------------------- */

/* Steps a-b: a fresh work/ (a stale one, or a symlink in its place, is
 * removed without following it) holding the trainer's model. */
static int stage_model(ckpt_writer *w, long epoch, const char *model, off_t *out_size)
{
	int rc = ckpt_staging_clear(w->root, w->log_path);
	if (!rc)
		rc = ckpt_fs_mkdir(w->work, 0755);
	if (!rc)
		rc = writer_log(w, "writing model to: '%s/%s/%s'", w->root_name, CKPT_WORK_NAME,
				CKPT_MODEL_NAME);
	if (rc)
		return rc;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	ckpt_error_clear();
	if (w->write_fn(model, w->payload) != 0) {
		writer_callback_failed("model writer", model, epoch);
		return writer_discard_work(w, CKPT_ECALLBACK);
	}
	double seconds = writer_seconds_since(&start);
	struct stat st;
	if (lstat(model, &st) != 0 || !S_ISREG(st.st_mode)) {
		ckpt_fail(CKPT_ECALLBACK, "model writer for epoch %ld left no regular file at %s",
			  epoch, model);
		return writer_discard_work(w, CKPT_ECALLBACK);
	}
	*out_size = st.st_size;
	if ((rc = writer_log_rate(w, "model wrote:", model, st.st_size, seconds)) != 0 ||
	    (rc = writer_sync_path(w, model)) != 0)
		return writer_discard_work(w, rc);
	return 0;
}

/* Step c. */
static int stage_checksum(const ckpt_writer *w, char out[CKPT_CHECKSUM_TEXT_MAX],
			  const char *model, off_t size)
{
	if (!w->settings.checksum) {
		snprintf(out, CKPT_CHECKSUM_TEXT_MAX, "%s", CKPT_DISABLED_CHECKSUM);
		return 0;
	}
	int rc = writer_log(w, "checksumming: %s", model);
	if (rc)
		return rc;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if ((rc = ckpt_checksum_file(out, model, w->settings.checksum_algorithm, NULL)) != 0)
		return rc;
	return writer_log_rate(w, "checksummed:", model, size, writer_seconds_since(&start));
}

/* Step d: ckpt-info.json in the original's form plus our fields. */
static int stage_info(ckpt_writer *w, long epoch, char direction, double value,
		      const char *checksum, const ckpt_metric *extra, size_t n_extra)
{
	char timestamp[32];
	ckpt_timestamp_now(timestamp);
	ckpt_info info;
	memset(&info, 0, sizeof info);
	info.epoch = epoch;
	info.save_best_metric = w->settings.save_best_metric;
	info.has_best_metric_last = true;
	info.best_metric_last = w->state.best;
	info.model_file = CKPT_MODEL_NAME;
	info.checksum = (char *)checksum;
	info.timestamp = timestamp;
	info.first = !w->has_last_save;
	info.has_time_elapsed = w->has_last_save;
	info.time_elapsed = w->has_last_save ? writer_seconds_since(&w->last_save) : 0.0;
	info.metadata = w->settings.metadata;
	info.has_metric_value = true;
	info.metric_value = value;
	info.direction = direction;
	/* For readers: which session saved it (the history's reconciliation),
	 * and the retention it was saved under (the browser's clean default). */
	info.session = w->session;
	info.keep_limit = w->settings.keep_limit;
	info.keep_mode = (int)w->settings.keep_mode;

	ckpt_buf buf;
	ckpt_buf_init(&buf);
	ckpt_info_format(&buf, &info, extra, n_extra);
	char *path = ckpt_path_join(w->work, CKPT_INFO_NAME);
	int rc;
	if (buf.oom || !path)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->work);
	else
		rc = ckpt_fs_write_file(path, buf.data, buf.len, w->settings.fsync);
	free(path);
	ckpt_buf_free(&buf);
	if (!rc)
		rc = writer_sync_path(w, w->work);
	return rc;
}

static int stage_epoch(ckpt_writer *w, long epoch, char direction, double value,
		       const ckpt_metric *extra, size_t n_extra)
{
	char *model = ckpt_path_join(w->work, CKPT_MODEL_NAME);
	if (!model)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->work);
	char checksum[CKPT_CHECKSUM_TEXT_MAX];
	off_t size = 0;
	int rc = stage_model(w, epoch, model, &size);
	if (!rc && (rc = stage_checksum(w, checksum, model, size)) != 0)
		rc = writer_discard_work(w, rc);
	if (!rc && (rc = stage_info(w, epoch, direction, value, checksum, extra, n_extra)) != 0)
		rc = writer_discard_work(w, rc);
	free(model);
	return rc;
}

/* ---- saving an epoch: publish, links, retention ----------------------- */

/* Where renameat2(RENAME_EXCHANGE) is missing: the old epoch steps aside
 * under work.old until the new one is in place and synced. */
static int replace_by_renames(ckpt_writer *w, long epoch, const char *this_dir, bool *out_moved)
{
	char *old = ckpt_sprintf("%s.old", w->work);
	if (!old)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->work);
	int rc =
	    ckpt_leftovers_recover_work_old(w->root, w->log_path, w->root_name, w->settings.fsync);
	/* The run's own record that work.old holds this epoch, durable before
	 * the epoch moves: a recovery puts back only what it names. */
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	if (!rc)
		rc = writer_log(w, "setting aside: '%s/%s/%s' -> '%s/%s.old'", w->root_name,
				CKPT_EPOCHS_NAME, name, w->root_name, CKPT_WORK_NAME);
	/* Written out of the call's gathered lines (with those before it), and synced. */
	if (!rc)
		rc = ckpt_log_out_flush(w->log, w->settings.fsync);
	if (!rc)
		rc = ckpt_fs_rename(this_dir, old);
	if (!rc && (rc = ckpt_fs_rename(w->work, this_dir)) != 0) {
		char message[1024];
		snprintf(message, sizeof message, "%s", ckpt_error_last());
		ckpt_fs_rename(old, this_dir);
		rc = ckpt_fail(rc, "%s", message);
	}
	if (rc) {
		free(old);
		return rc;
	}
	*out_moved = true;
	rc = writer_sync_path(w, w->epochs_dir);
	if (!rc)
		rc = writer_sync_path(w, w->root);
	if (!rc)
		rc = ckpt_leftovers_discard_work_old(w->root, w->settings.fsync, w->log_path);
	free(old);
	return rc;
}

/* Step e: work/ becomes epochs/NNN. An epochs/NNN left by a rollback is
 * swapped out atomically and removed only once the new one is durable.
 * *out_moved is set once epochs/NNN holds the new epoch. A new epochs/NNN
 * (*out_fresh) is renamed into place only: the caller syncs epochs/, after
 * retention's move of an epoch out of it (ride_retention). */
static int publish_epoch(ckpt_writer *w, long epoch, bool *out_moved, bool *out_fresh)
{
	*out_moved = false;
	*out_fresh = false;
	char *this_dir = writer_epoch_path(w, epoch, NULL);
	if (!this_dir)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->epochs_dir);
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	struct stat st;
	int rc = writer_check_epochs_dir(w);
	if (rc)
		goto out;
	bool replace = lstat(this_dir, &st) == 0;
	if (!replace && errno != ENOENT) {
		rc = ckpt_fail(ckpt_code_from_errno(errno), "%s: %s", this_dir, strerror(errno));
		goto out;
	}
	/* epochs/NNN absent: so is epochs/, or it is the directory just checked. */
	bool have_epochs = !replace && errno == ENOENT && w->epochs_checked;
	/* Exchanging would be safe, but whatever the link leads to is not ours to replace. */
	if (replace && S_ISLNK(st.st_mode)) {
		rc = ckpt_fail(CKPT_EUNSAFE,
			       "%s: is a symbolic link; refusing to publish epoch %ld in its place",
			       this_dir, epoch);
		goto out;
	}
	if (!replace && !have_epochs && lstat(w->epochs_dir, &st) != 0) {
		if ((rc = ckpt_fs_mkdirs(w->epochs_dir, 0755)) != 0 ||
		    (rc = writer_sync_path(w, w->root)) != 0)
			goto out;
	}
	if (replace &&
	    (rc = writer_log(w, "remove:  '%s/%s/%s'", w->root_name, CKPT_EPOCHS_NAME, name)) != 0)
		goto out;
	if ((rc = writer_log(w, "rename:  '%s/%s' -> '%s/%s/%s'", w->root_name, CKPT_WORK_NAME,
			     w->root_name, CKPT_EPOCHS_NAME, name)) != 0)
		goto out;
	if (!replace) {
		if ((rc = ckpt_fs_rename(w->work, this_dir)) == 0)
			*out_moved = *out_fresh = true;
		goto out;
	}
	rc = ckpt_fs_exchange(w->work, this_dir);
	if (rc == CKPT_EINVAL) {
		rc = replace_by_renames(w, epoch, this_dir, out_moved);
		goto out;
	}
	if (rc)
		goto out;
	*out_moved = true;
	/* Both directories, before the old epoch (now in work/) goes: else a
	 * power cut could swap them back with the old one half removed. */
	rc = writer_sync_path(w, w->epochs_dir);
	if (!rc)
		rc = writer_sync_path(w, w->root);
	if (!rc)
		rc = ckpt_staging_clear(w->root, w->log_path); /* now the old epoch */
out:
	free(this_dir);
	return rc;
}

int writer_remember_saved(ckpt_writer *w, long epoch)
{
	size_t at = w->n_saved;
	while (at > 0 && w->saved[at - 1] >= epoch)
		at--;
	if (at < w->n_saved && w->saved[at] == epoch)
		return 0;
	if (w->n_saved == w->cap_saved) {
		size_t cap = w->cap_saved ? w->cap_saved * 2 : 16;
		long *bigger = realloc(w->saved, cap * sizeof *bigger);
		if (!bigger)
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
		w->saved = bigger;
		w->cap_saved = cap;
	}
	memmove(w->saved + at + 1, w->saved + at, (w->n_saved - at) * sizeof *w->saved);
	w->saved[at] = epoch;
	w->n_saved++;
	return 0;
}

/* Relative targets, replaced atomically (ckpt_link_point); R/ synced when
 * sync (step f syncs once for both links). What the writer knows of its
 * links follows: forgotten when the re-pointing failed midway. */
static int point_link(ckpt_writer *w, const char *link, long epoch, bool sync)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	int rc = writer_log(w, "linking: '%s/%s' -> '%s/%s/%s'", w->root_name, link, w->root_name,
			    CKPT_EPOCHS_NAME, name);
	if (!rc)
		rc = ckpt_link_point(w->root, link, epoch, sync && w->settings.fsync);
	bool best = strcmp(link, CKPT_BEST_NAME) == 0;
	if (rc) {
		w->links_known = false;
	} else if (w->links_known) {
		*(best ? &w->best_state : &w->last_state) = CKPT_LINK_OK;
		*(best ? &w->best_link : &w->last_link) = epoch;
	}
	return rc;
}

int writer_point_best(ckpt_writer *w, long epoch)
{
	writer_know_links(w);
	return point_link(w, CKPT_BEST_NAME, epoch, true);
}

/* Step f: best (when this epoch is the best), then last, then R/ synced
 * once: a cut keeps R/'s changes in order, so best never runs ahead of an
 * epoch that is not durable (epochs/ was synced first) and last never
 * names an older one than before. */
static int point_links(ckpt_writer *w, long epoch, bool became_best)
{
	writer_know_links(w);
	int rc = 0;
	if (became_best && w->settings.save_best)
		rc = point_link(w, CKPT_BEST_NAME, epoch, false);
	if (!rc)
		rc = point_link(w, CKPT_LAST_NAME, epoch, false);
	if (!rc)
		rc = writer_sync_path(w, w->root);
	return rc;
}

/* Moves epochs/NNN to work/ first, so that no half-deleted epoch is ever
 * visible under epochs/. An epochs/NNN that became a symbolic link is not
 * ours any more: it is left alone (*out_gone false) and forgotten. */
static int delete_epoch(const ckpt_writer *w, long epoch, bool *out_gone)
{
	*out_gone = false;
	char *this_dir = writer_epoch_path(w, epoch, NULL);
	if (!this_dir)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->epochs_dir);
	struct stat st;
	int rc;
	if (lstat(this_dir, &st) != 0) {
		*out_gone = true;
		rc = writer_log(w, "checkpoint for epoch=%ld is already gone!", epoch);
		free(this_dir);
		return rc;
	}
	if (S_ISLNK(st.st_mode)) {
		rc = writer_log(w, "not removing: '%s': a symbolic link, not followed", this_dir);
		free(this_dir);
		return rc;
	}
	*out_gone = true;
	if ((rc = writer_log(w, "removing: '%s'", this_dir)) == 0 &&
	    (rc = ckpt_staging_discard(w->root, this_dir, w->settings.fsync, w->log_path)) == 0)
		rc = writer_log(w, "clean(): deleted epoch: %ld", epoch);
	free(this_dir);
	return rc;
}

static int log_keep(const ckpt_writer *w, ckpt_clean_reason reason, long epoch)
{
	switch (reason) {
	case CKPT_CLEAN_KEEP_LAST: return writer_log(w, "keep(): epoch is latest: %ld", epoch);
	case CKPT_CLEAN_KEEP_BEST: return writer_log(w, "keep(): epoch is best: %ld", epoch);
	case CKPT_CLEAN_KEEP_LIMIT:
		return writer_log(w, "keep(): ckpt count is < limit=%ld", w->settings.keep_limit);
	case CKPT_CLEAN_KEEP_EXPONENTIAL:
		return writer_log(w, "keep(): epoch is in the exponential spread: %ld", epoch);
	case CKPT_CLEAN_KEEP_ALL:
	default: return writer_log(w, "keep(): keep mode is all: %ld", epoch);
	}
}

/* What retention says of the epochs it keeps: each by name when they are
 * few, as the original logs them; past that, the latest and the best by name
 * and the others in one line, so that a save logs a bounded number of lines
 * however many epochs a run keeps (keep mode all: 2,000 epochs made a 268 MB
 * log, a line for every earlier epoch at every save). */
#define RETENTION_LOG_EACH 16

static int log_retention_summary(const ckpt_writer *w, const bool *keep,
				 const ckpt_clean_reason *reasons, size_t n)
{
	size_t by_limit = 0, by_spread = 0, by_all = 0;
	for (size_t j = 0; j < n; j++) {
		if (!keep[j])
			continue;
		by_limit += reasons[j] == CKPT_CLEAN_KEEP_LIMIT;
		by_spread += reasons[j] == CKPT_CLEAN_KEEP_EXPONENTIAL;
		by_all += reasons[j] == CKPT_CLEAN_KEEP_ALL;
	}
	int rc = 0;
	if (by_all)
		rc = writer_log(w, "keep(): keep mode is all: %zu epochs kept", by_all);
	if (!rc && by_limit)
		rc = writer_log(w, "keep(): %zu epochs kept: ckpt count is < limit=%ld", by_limit,
				w->settings.keep_limit);
	if (!rc && by_spread)
		rc = writer_log(w, "keep(): %zu epochs kept in the exponential spread", by_spread);
	return rc;
}

static int compare_epochs(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

/* Keep mode all deletes nothing: what step g logs of it, without a plan,
 * so that a save costs the same at epoch 2,000 as at epoch 2 (the pins are
 * the only epochs named once there are many). */
static int retention_all(ckpt_writer *w)
{
	size_t n = w->n_saved;
	long last = w->last_link, best = w->best_link;
	if (n <= RETENTION_LOG_EACH) {
		int rc = 0;
		for (size_t j = n; rc == 0 && j-- > 0;) {
			long epoch = w->saved[j];
			ckpt_clean_reason reason = epoch == last   ? CKPT_CLEAN_KEEP_LAST
						   : epoch == best ? CKPT_CLEAN_KEEP_BEST
								   : CKPT_CLEAN_KEEP_ALL;
			rc = writer_log(w, "clean(): checking epoch directory: %ld", epoch);
			if (!rc)
				rc = log_keep(w, reason, epoch);
		}
		return rc;
	}
	/* Newest first, as the plan's loop names them. */
	size_t pinned = 0;
	long pins[2] = {last > best ? last : best, last > best ? best : last};
	int rc = 0;
	for (int k = 0; k < 2 && rc == 0; k++) {
		if (pins[k] <= 0 || (k == 1 && pins[1] == pins[0]) ||
		    !bsearch(&pins[k], w->saved, n, sizeof *w->saved, compare_epochs))
			continue;
		pinned++;
		rc = writer_log(w, "clean(): checking epoch directory: %ld", pins[k]);
		if (!rc)
			rc = log_keep(w, pins[k] == last ? CKPT_CLEAN_KEEP_LAST : CKPT_CLEAN_KEEP_BEST,
				      pins[k]);
	}
	if (!rc && n > pinned)
		rc = writer_log(w, "keep(): keep mode is all: %zu epochs kept", n - pinned);
	return rc;
}

/* Step g's plan over the epochs this instance saved, as the links will be
 * once step f is done (best and last's targets are never deleted). */
static int plan_retention(ckpt_writer *w, long epoch_now, long last, long best)
{
	size_t n = w->n_saved;
	if (n > w->cap_plan) {
		size_t cap = w->cap_saved > n ? w->cap_saved : n;
		bool *keep = realloc(w->keep, cap * sizeof *keep);
		if (keep)
			w->keep = keep;
		ckpt_clean_reason *reasons = keep ? realloc(w->reasons, cap * sizeof *reasons) : NULL;
		if (reasons)
			w->reasons = reasons;
		if (!keep || !reasons)
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
		w->cap_plan = cap;
	}
	long best_epoch = w->settings.save_best ? w->state.best_epoch : 0;
	ckpt_retention_plan(w->keep, w->reasons, w->saved, n, epoch_now, best_epoch,
			    w->settings.keep_mode, w->settings.keep_limit);
	ckpt_retention_pin(w->keep, w->reasons, w->saved, n, last, best);
	return 0;
}

/* Retention's first deletion rides on the save's own syncs: an epoch the
 * plan drops that neither link names now either is moved to work/ (free
 * again once work/ became epochs/NNN) before epochs/ is synced for the new
 * epoch, so that sync and step f's sync of R/ make the move durable in both
 * directories, and is removed in step g after them. An epoch that may not
 * move yet, or that is not a plain directory of ours, is left to step g.
 * The index of the moved epoch in saved, or n. */
static size_t ride_retention(ckpt_writer *w, int *out_rc)
{
	*out_rc = 0;
	size_t n = w->n_saved;
	long old_last = w->last_link, old_best = w->best_link;
	for (size_t j = n; j-- > 0;) {
		long epoch = w->saved[j];
		if (w->keep[j] || epoch == old_last || epoch == old_best)
			continue;
		char *this_dir = writer_epoch_path(w, epoch, NULL);
		struct stat st;
		int rc = 0;
		bool ride = this_dir && w->epochs_checked && lstat(this_dir, &st) == 0 &&
			    S_ISDIR(st.st_mode) && st.st_dev == w->epochs_dev;
		if (ride && (rc = ckpt_fs_rename(this_dir, w->work)) != 0)
			ride = false;
		free(this_dir);
		*out_rc = rc;
		return ride ? j : n;
	}
	return n;
}

/* Step g, over the epochs this instance saved, newest first as the original
 * logs it; the epoch ride_retention moved (ridden < n) is removed here. */
static int apply_retention(ckpt_writer *w, size_t ridden, int *out_deleted)
{
	*out_deleted = 0;
	size_t n = w->n_saved;
	bool *keep = w->keep;
	ckpt_clean_reason *reasons = w->reasons;
	int rc = 0;
	bool each = n <= RETENTION_LOG_EACH, checked = false;
	for (size_t j = n; rc == 0 && j-- > 0;) {
		long epoch = w->saved[j];
		bool named = each || !keep[j] || reasons[j] == CKPT_CLEAN_KEEP_LAST ||
			     reasons[j] == CKPT_CLEAN_KEEP_BEST;
		if (named)
			rc = writer_log(w, "clean(): checking epoch directory: %ld", epoch);
		if (!rc && keep[j] && named)
			rc = log_keep(w, reasons[j], epoch);
		bool gone = false;
		if (!rc && !keep[j] && j == ridden) {
			char *this_dir = writer_epoch_path(w, epoch, NULL);
			rc = this_dir ? writer_log(w, "removing: '%s'", this_dir)
				      : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
			if (!rc)
				rc = ckpt_staging_clear(w->root, w->log_path);
			if (!rc)
				rc = writer_log(w, "clean(): deleted epoch: %ld", epoch);
			free(this_dir);
			gone = true;
		} else if (!rc && !keep[j]) {
			if (!checked && (rc = writer_check_epochs_dir(w)) == 0)
				checked = true;
			if (!rc)
				rc = delete_epoch(w, epoch, &gone);
		}
		if (gone) {
			w->saved[j] = 0; /* epochs are >= 1: 0 marks the forgotten */
			*out_deleted += 1;
		}
	}
	if (!rc && !each) {
		for (size_t j = 0; j < n; j++)
			if (reasons[j] == CKPT_CLEAN_KEEP_LAST || reasons[j] == CKPT_CLEAN_KEEP_BEST)
				keep[j] = false; /* named above */
		rc = log_retention_summary(w, keep, reasons, n);
	}
	size_t kept = 0;
	for (size_t j = 0; j < n; j++)
		if (w->saved[j] != 0)
			w->saved[kept++] = w->saved[j];
	w->n_saved = kept;
	return rc;
}

/* Steps a-g for a saved epoch. *out_published is set once epochs/NNN holds
 * it: from then on a failure must not roll the decision back. With fsync,
 * a new epoch costs five syncs: the model, ckpt-info.json, work/, epochs/
 * (the new epoch in, and retention's first deletion out) and R/ (both
 * links, and that deletion's arrival in work/). */
int writer_save_epoch(ckpt_writer *w, long epoch, char direction, double value, bool became_best,
		      const ckpt_metric *extra, size_t n_extra, int *out_deleted,
		      bool *out_published)
{
	*out_published = false;
	*out_deleted = 0;
	if (!w->write_fn)
		return ckpt_fail(CKPT_EINVAL,
				 "%s: no model writer set "
				 "(ckpt_writer_set_model_io) to save epoch %ld",
				 w->root, epoch);
	struct timespec staged;
	clock_gettime(CLOCK_MONOTONIC, &staged);
	int rc = stage_epoch(w, epoch, direction, value, extra, n_extra);
	if (rc)
		return rc;
	bool moved, fresh;
	rc = publish_epoch(w, epoch, &moved, &fresh);
	if (!moved)
		return writer_discard_work(w, rc);
	*out_published = true;
	w->has_last_save = true;
	w->last_save = staged;
	/* Published even if a sync failed after: retention must know it. */
	int remembered = writer_remember_saved(w, epoch);
	if (rc || (rc = remembered) != 0)
		return rc;
	writer_know_links(w);
	long best_after = became_best && w->settings.save_best ? epoch : w->best_link;
	bool all = w->settings.keep_mode == CKPT_KEEP_ALL;
	if (!all && (rc = plan_retention(w, epoch, epoch, best_after)) != 0)
		return rc;
	/* A failed move is said after the links are re-pointed (step g then
	 * deletes that epoch the long way). */
	int ride_rc = 0;
	size_t ridden = w->n_saved;
	if (fresh && !all)
		ridden = ride_retention(w, &ride_rc);
	if (fresh && (rc = writer_sync_path(w, w->epochs_dir)) != 0)
		return rc;
	if ((rc = point_links(w, epoch, became_best)) != 0)
		return rc;
	rc = all ? retention_all(w) : apply_retention(w, ridden, out_deleted);
	return rc ? rc : ride_rc;
}
