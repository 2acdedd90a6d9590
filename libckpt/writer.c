/* writer.c: the public ckpt_writer_* API, CANDLE's CandleCkpt: deciding each
 * epoch, saving it crash-safely (stage in work/, sync, publish, re-point the
 * links, apply retention), restarting, and the original's ckpt.log lines. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DISABLED_CHECKSUM "__DISABLED__"

struct ckpt_writer {
	ckpt_settings settings;
	char *root;      /* absolute */
	char *root_name; /* its last component: the original's log quotes "ckpts/work" */
	char *log_path;
	char *history_path;
	char *work;
	char *epochs_dir;
	ckpt_lock *lock;
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
};

/* ---- small helpers ---------------------------------------------------- */

static int wlog(const ckpt_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int wlog(const ckpt_writer *w, const char *fmt, ...)
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
static const char *fmt_metric(char out[64], double value)
{
	if (isnan(value))
		snprintf(out, 64, "nan");
	else
		snprintf(out, 64, "%f", value);
	return out;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* "model wrote: 0.250 MB in 0.122 seconds (2.04 MB/s)." (what: "model wrote:") */
static int log_rate(const ckpt_writer *w, const char *what, const char *path, double seconds)
{
	struct stat st;
	double mb = stat(path, &st) == 0 ? (double)st.st_size / (1024.0 * 1024.0) : 0.0;
	double rate = mb / (seconds > 1e-6 ? seconds : 1e-6);
	return wlog(w, "%s %0.3f MB in %0.3f seconds (%0.2f MB/s).", what, mb, seconds, rate);
}

/* Cleans up after a failure without losing the failure's message. */
static int discard_work(const ckpt_writer *w, int rc)
{
	char message[1024];
	snprintf(message, sizeof message, "%s", ckpt_error_last());
	ckpt_fs_remove_tree(w->work);
	return ckpt_fail(rc, "%s", message);
}

static int sync_path(const ckpt_writer *w, const char *path)
{
	return w->settings.fsync ? ckpt_fs_fsync_path(path) : 0;
}

static char *epoch_path(const ckpt_writer *w, long epoch, const char *file)
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
	const char *slash = strrchr(w->root, '/');
	w->root_name = ckpt_strdup(slash && slash[1] ? slash + 1 : w->root);
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
	int rc = wlog(w, "save_interval: %ld", w->settings.save_interval);
	if (!rc)
		rc = wlog(w, "Callback initialized.");
	if (!rc && w->settings.metadata)
		rc = wlog(w, "metadata='%s'", w->settings.metadata);
	if (!rc)
		rc = wlog(w, "save_best_metric='%s'", w->settings.save_best_metric);
	if (!rc)
		rc = wlog(w, "PWD: %s", cwd);
	if (!rc)
		rc = wlog(w, "ckpt_directory: %s", w->root);
	return rc;
}

/* ---- leftovers of a crashed writer ------------------------------------ */

/* ".last.tmp-1234": ckpt_fs_replace_symlink's new link before its rename
 * over `last`; a crash between the two leaves it behind. */
static bool is_temp_link_name(const char *name)
{
	static const char *const prefixes[] = {"." CKPT_BEST_NAME ".tmp-",
					       "." CKPT_LAST_NAME ".tmp-"};
	for (size_t i = 0; i < 2; i++) {
		size_t len = strlen(prefixes[i]);
		if (strncmp(name, prefixes[i], len) != 0 || !name[len])
			continue;
		return strspn(name + len, "0123456789") == strlen(name + len);
	}
	return false;
}

static int remove_temp_links(const ckpt_writer *w)
{
	DIR *dir = opendir(w->root);
	if (!dir)
		return ckpt_fail(ckpt_code_from_errno(errno), "%s: %s", w->root, strerror(errno));
	int rc = 0;
	struct dirent *entry;
	while (rc == 0 && (entry = readdir(dir)) != NULL) {
		if (!is_temp_link_name(entry->d_name))
			continue;
		char *path = ckpt_path_join(w->root, entry->d_name);
		struct stat st;
		if (!path)
			rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
		else if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			rc = ckpt_fs_unlink(path);
		free(path);
	}
	closedir(dir);
	return rc;
}

/* Removes work.old by way of work/, so that a crash midway leaves only a
 * partial work/ (which the next save clears), never a work.old that
 * cannot be told from an epoch set aside. */
static int discard_work_old(const ckpt_writer *w, const char *old)
{
	int rc = ckpt_fs_remove_tree(w->work);
	if (!rc)
		rc = ckpt_fs_rename(old, w->work);
	if (!rc)
		rc = ckpt_fs_remove_tree(w->work);
	return rc;
}

/* A replacement by renames (no RENAME_EXCHANGE) that crashed between them
 * left the old epoch in work.old: it goes back when its epochs/NNN is
 * missing; otherwise it is the replaced copy and goes. One whose epoch
 * cannot be told is left alone (and blocks the next such replacement). */
static int recover_work_old(const ckpt_writer *w)
{
	char *old = ckpt_sprintf("%s.old", w->work);
	char *info_path = old ? ckpt_path_join(old, CKPT_INFO_NAME) : NULL;
	char *this_dir = NULL;
	int rc = 0;
	struct stat st;
	ckpt_info info;
	memset(&info, 0, sizeof info);
	if (!old || !info_path) {
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
		goto out;
	}
	if (lstat(old, &st) != 0)
		goto out;
	if (!S_ISDIR(st.st_mode)) {
		rc = ckpt_fs_unlink(old);
		goto out;
	}
	if (ckpt_info_read(&info, info_path) != 0)
		goto out;
	if (!(this_dir = epoch_path(w, info.epoch, NULL))) {
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
		goto out;
	}
	if (lstat(this_dir, &st) == 0) {
		rc = discard_work_old(w, old);
		goto out;
	}
	char name[32];
	ckpt_epoch_dir_name(name, info.epoch);
	if ((rc = ckpt_fs_mkdirs(w->epochs_dir, 0755)) == 0 &&
	    (rc = wlog(w, "recovered: '%s/%s.old' -> '%s/%s/%s'", w->root_name, CKPT_WORK_NAME,
		       w->root_name, CKPT_EPOCHS_NAME, name)) == 0 &&
	    (rc = ckpt_fs_rename(old, this_dir)) == 0)
		rc = sync_path(w, w->epochs_dir);
out:
	ckpt_info_clear(&info);
	free(this_dir);
	free(info_path);
	free(old);
	return rc;
}

/* Under the lock, so no other writer or browser operation is midway. */
static int recover_leftovers(const ckpt_writer *w)
{
	int rc = remove_temp_links(w);
	return rc ? rc : recover_work_old(w);
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
	if ((rc = log_opening(w)) != 0 || (rc = recover_leftovers(w)) != 0) {
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

/* ---- saving an epoch: stage in work/ ----------------------------------- */

/* Steps a-b: a fresh work/ (a stale one, or a symlink in its place, is
 * removed without following it) holding the trainer's model. */
static int stage_model(ckpt_writer *w, long epoch, const char *model)
{
	int rc = ckpt_fs_remove_tree(w->work);
	if (!rc)
		rc = ckpt_fs_mkdir(w->work, 0755);
	if (!rc)
		rc = wlog(w, "writing model to: '%s/%s/%s'", w->root_name, CKPT_WORK_NAME,
			  CKPT_MODEL_NAME);
	if (rc)
		return rc;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (w->write_fn(model, w->payload) != 0) {
		ckpt_fail(CKPT_ECALLBACK, "model writer failed for epoch %ld", epoch);
		return discard_work(w, CKPT_ECALLBACK);
	}
	double seconds = seconds_since(&start);
	struct stat st;
	if (lstat(model, &st) != 0 || !S_ISREG(st.st_mode)) {
		ckpt_fail(CKPT_ECALLBACK, "model writer for epoch %ld left no regular file at %s",
			  epoch, model);
		return discard_work(w, CKPT_ECALLBACK);
	}
	if ((rc = log_rate(w, "model wrote:", model, seconds)) != 0 ||
	    (rc = sync_path(w, model)) != 0)
		return discard_work(w, rc);
	return 0;
}

/* Step c. */
static int stage_checksum(const ckpt_writer *w, char out[80], const char *model)
{
	if (!w->settings.checksum) {
		snprintf(out, 80, "%s", DISABLED_CHECKSUM);
		return 0;
	}
	int rc = wlog(w, "checksumming: %s", model);
	if (rc)
		return rc;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if ((rc = ckpt_checksum_file(out, model, w->settings.checksum_algorithm, NULL)) != 0)
		return rc;
	return log_rate(w, "checksummed:", model, seconds_since(&start));
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
	info.time_elapsed = w->has_last_save ? seconds_since(&w->last_save) : 0.0;
	info.metadata = w->settings.metadata;
	info.has_metric_value = true;
	info.metric_value = value;
	info.direction = direction;

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
		rc = sync_path(w, w->work);
	return rc;
}

static int stage_epoch(ckpt_writer *w, long epoch, char direction, double value,
		       const ckpt_metric *extra, size_t n_extra)
{
	char *model = ckpt_path_join(w->work, CKPT_MODEL_NAME);
	if (!model)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->work);
	char checksum[80];
	int rc = stage_model(w, epoch, model);
	if (!rc && (rc = stage_checksum(w, checksum, model)) != 0)
		rc = discard_work(w, rc);
	if (!rc && (rc = stage_info(w, epoch, direction, value, checksum, extra, n_extra)) != 0)
		rc = discard_work(w, rc);
	free(model);
	return rc;
}

/* ---- saving an epoch: publish, links, retention ----------------------- */

/* Where renameat2(RENAME_EXCHANGE) is missing: the old epoch steps aside
 * under work.old until the new one is in place and synced. */
static int replace_by_renames(ckpt_writer *w, const char *this_dir, bool *out_moved)
{
	char *old = ckpt_sprintf("%s.old", w->work);
	if (!old)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->work);
	int rc = recover_work_old(w);
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
	rc = sync_path(w, w->epochs_dir);
	if (!rc)
		rc = sync_path(w, w->root);
	if (!rc)
		rc = discard_work_old(w, old);
	free(old);
	return rc;
}

/* Step e: work/ becomes epochs/NNN. An epochs/NNN left by a rollback is
 * swapped out atomically and removed only once the new one is durable.
 * *out_moved is set once epochs/NNN holds the new epoch. */
static int publish_epoch(ckpt_writer *w, long epoch, bool *out_moved)
{
	*out_moved = false;
	char *this_dir = epoch_path(w, epoch, NULL);
	if (!this_dir)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->epochs_dir);
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	struct stat st;
	int rc = 0;
	bool replace = lstat(this_dir, &st) == 0;
	if (!replace && errno != ENOENT) {
		rc = ckpt_fail(ckpt_code_from_errno(errno), "%s: %s", this_dir, strerror(errno));
		goto out;
	}
	if (!replace && lstat(w->epochs_dir, &st) != 0) {
		if ((rc = ckpt_fs_mkdirs(w->epochs_dir, 0755)) != 0 ||
		    (rc = sync_path(w, w->root)) != 0)
			goto out;
	}
	if (replace &&
	    (rc = wlog(w, "remove:  '%s/%s/%s'", w->root_name, CKPT_EPOCHS_NAME, name)) != 0)
		goto out;
	if ((rc = wlog(w, "rename:  '%s/%s' -> '%s/%s/%s'", w->root_name, CKPT_WORK_NAME,
		       w->root_name, CKPT_EPOCHS_NAME, name)) != 0)
		goto out;
	if (!replace) {
		if ((rc = ckpt_fs_rename(w->work, this_dir)) == 0) {
			*out_moved = true;
			rc = sync_path(w, w->epochs_dir);
		}
		goto out;
	}
	rc = ckpt_fs_exchange(w->work, this_dir);
	if (rc == CKPT_EINVAL) {
		rc = replace_by_renames(w, this_dir, out_moved);
		goto out;
	}
	if (rc)
		goto out;
	*out_moved = true;
	rc = sync_path(w, w->epochs_dir);
	if (!rc)
		rc = ckpt_fs_remove_tree(w->work); /* now the old epoch */
out:
	free(this_dir);
	return rc;
}

static int remember_saved(ckpt_writer *w, long epoch)
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

/* Step f: relative targets, replaced atomically (ckpt_link_point). */
static int point_links(const ckpt_writer *w, long epoch, bool became_best)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	int rc = 0;
	if (became_best && w->settings.save_best) {
		rc = wlog(w, "linking: '%s/%s' -> '%s/%s/%s'", w->root_name, CKPT_BEST_NAME,
			  w->root_name, CKPT_EPOCHS_NAME, name);
		if (!rc)
			rc = ckpt_link_point(w->root, CKPT_BEST_NAME, epoch);
	}
	if (!rc)
		rc = wlog(w, "linking: '%s/%s' -> '%s/%s/%s'", w->root_name, CKPT_LAST_NAME,
			  w->root_name, CKPT_EPOCHS_NAME, name);
	if (!rc)
		rc = ckpt_link_point(w->root, CKPT_LAST_NAME, epoch);
	return rc;
}

/* Moves epochs/NNN to work/ first, so that no half-deleted epoch is ever
 * visible under epochs/. */
static int delete_epoch(const ckpt_writer *w, long epoch)
{
	char *this_dir = epoch_path(w, epoch, NULL);
	if (!this_dir)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->epochs_dir);
	struct stat st;
	int rc;
	if (lstat(this_dir, &st) != 0) {
		rc = wlog(w, "checkpoint for epoch=%ld is already gone!", epoch);
		free(this_dir);
		return rc;
	}
	if ((rc = wlog(w, "removing: '%s'", this_dir)) == 0 &&
	    (rc = ckpt_fs_remove_tree(w->work)) == 0 &&
	    (rc = ckpt_fs_rename(this_dir, w->work)) == 0 &&
	    (rc = sync_path(w, w->epochs_dir)) == 0 && (rc = ckpt_fs_remove_tree(w->work)) == 0)
		rc = wlog(w, "clean(): deleted epoch: %ld", epoch);
	free(this_dir);
	return rc;
}

static int log_keep(const ckpt_writer *w, ckpt_clean_reason reason, long epoch)
{
	switch (reason) {
	case CKPT_CLEAN_KEEP_LAST: return wlog(w, "keep(): epoch is latest: %ld", epoch);
	case CKPT_CLEAN_KEEP_BEST: return wlog(w, "keep(): epoch is best: %ld", epoch);
	case CKPT_CLEAN_KEEP_LIMIT:
		return wlog(w, "keep(): ckpt count is < limit=%ld", w->settings.keep_limit);
	case CKPT_CLEAN_KEEP_EXPONENTIAL:
		return wlog(w, "keep(): epoch is in the exponential spread: %ld", epoch);
	case CKPT_CLEAN_KEEP_ALL:
	default: return wlog(w, "keep(): keep mode is all: %ld", epoch);
	}
}

/* Step g, over the epochs this instance saved, newest first as the original
 * logs it. The targets of best and last are never deleted, whatever the plan. */
static int apply_retention(ckpt_writer *w, long epoch_now, int *out_deleted)
{
	*out_deleted = 0;
	size_t n = w->n_saved;
	bool *keep = calloc(n ? n : 1, sizeof *keep);
	ckpt_clean_reason *reasons = calloc(n ? n : 1, sizeof *reasons);
	if (!keep || !reasons) {
		free(keep);
		free(reasons);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
	}
	long best_epoch = w->settings.save_best ? w->state.best_epoch : 0;
	ckpt_retention_plan(keep, reasons, w->saved, n, epoch_now, best_epoch,
			    w->settings.keep_mode, w->settings.keep_limit);
	long best_link = 0, last_link = 0;
	ckpt_link_resolve(w->root, CKPT_BEST_NAME, &best_link);
	ckpt_link_resolve(w->root, CKPT_LAST_NAME, &last_link);
	int rc = 0;
	for (size_t j = n; rc == 0 && j-- > 0;) {
		long epoch = w->saved[j];
		if (!keep[j] && (epoch == best_link || epoch == last_link)) {
			keep[j] = true;
			reasons[j] =
			    epoch == last_link ? CKPT_CLEAN_KEEP_LAST : CKPT_CLEAN_KEEP_BEST;
		}
		rc = wlog(w, "clean(): checking epoch directory: %ld", epoch);
		if (!rc && keep[j])
			rc = log_keep(w, reasons[j], epoch);
		else if (!rc && (rc = delete_epoch(w, epoch)) == 0) {
			w->saved[j] = 0; /* epochs are >= 1: 0 marks the deleted */
			(*out_deleted)++;
		}
	}
	size_t kept = 0;
	for (size_t j = 0; j < n; j++)
		if (w->saved[j] != 0)
			w->saved[kept++] = w->saved[j];
	w->n_saved = kept;
	free(keep);
	free(reasons);
	return rc;
}

/* Steps a-g for a saved epoch. *out_published is set once epochs/NNN holds
 * it: from then on a failure must not roll the decision back. */
static int save_epoch(ckpt_writer *w, long epoch, char direction, double value, bool became_best,
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
	bool moved;
	rc = publish_epoch(w, epoch, &moved);
	if (!moved)
		return discard_work(w, rc);
	*out_published = true;
	w->has_last_save = true;
	w->last_save = staged;
	/* Published even if a sync failed after: retention must know it. */
	int remembered = remember_saved(w, epoch);
	if (rc || (rc = remembered) != 0 || (rc = point_links(w, epoch, became_best)) != 0)
		return rc;
	return apply_retention(w, epoch, out_deleted);
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
	char *path = epoch_path(w, epoch, CKPT_INFO_NAME);
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
		return wlog(w, "model saving disabled until epoch %ld", w->settings.skip_epochs);
	int rc = 0;
	if (w->settings.save_best) {
		char current[64], last[64];
		const char *symbol = value < best_before ? "<" : value > best_before ? ">" : "=";
		rc = wlog(w, "metrics: %s: current=%s %s last=%s", w->settings.save_best_metric,
			  fmt_metric(current, value), symbol, fmt_metric(last, best_before));
	}
	if (!rc && kept_best) {
		char current[64], kept[64];
		rc = wlog(w,
			  "keep(): epoch is best: %ld: its model (%s) is not replaced by a worse "
			  "one (%s)",
			  epoch, fmt_metric(kept, *kept_best), fmt_metric(current, value));
	}
	if (!rc && decision == CKPT_DECIDE_FINAL)
		rc = wlog(w, "writing final epoch %ld ...", epoch);
	if (!rc && decision == CKPT_DECIDE_NOT_SAVED)
		rc = wlog(w, "not writing this epoch.");
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
		rc = save_epoch(w, epoch, direction, value, became_best, extra, n_extra, &deleted,
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
			  : wlog(w, "checkpoints kept: %zu", w->n_saved);
	if (!rc)
		rc = wlog(w, "checkpoints list: %s", list.data);
	ckpt_buf_free(&list);
	return rc;
}

/* ---- restart (SPEC §5) ------------------------------------------------ */

/* The epoch directory R/last names; none (*out NULL) when last is missing
 * or dangling. A last leading anywhere else is refused: loading another
 * run's model would silently train the wrong thing. */
static int restart_dir(const ckpt_writer *w, char **out, long *out_epoch)
{
	*out = NULL;
	ckpt_link_state state = ckpt_link_resolve(w->root, CKPT_LAST_NAME, out_epoch);
	if (state == CKPT_LINK_MISSING || state == CKPT_LINK_DANGLING)
		return 0;
	if (state == CKPT_LINK_OK || state == CKPT_LINK_RELOCATED) {
		*out = epoch_path(w, *out_epoch, NULL);
		return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
	}
	char *link = ckpt_path_join(w->root, CKPT_LAST_NAME);
	char target[4096];
	ssize_t len = link ? readlink(link, target, sizeof target - 1) : -1;
	target[len > 0 ? len : 0] = '\0';
	int rc;
	if (state == CKPT_LINK_NOT_A_LINK)
		rc = ckpt_fail(CKPT_EUNSAFE,
			       "%s/%s: not a symbolic link; refusing to restart from it", w->root,
			       CKPT_LAST_NAME);
	else
		rc = ckpt_fail(CKPT_EUNSAFE,
			       "%s/%s: points at '%s', which is not an epoch of this "
			       "run; refusing to restart from it",
			       w->root, CKPT_LAST_NAME, target);
	free(link);
	return rc;
}

static int restart_verify(const char *model, const char *stored, long epoch)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	bool match = false;
	int rc = ckpt_checksum_matches(&match, model, stored, NULL);
	if (rc == CKPT_EINVAL)
		return ckpt_fail(CKPT_EFORMAT,
				 "%s/%s/%s: stored checksum '%s' is not a known form: "
				 "refusing to restart from epoch %ld",
				 CKPT_EPOCHS_NAME, name, CKPT_INFO_NAME, stored, epoch);
	if (rc || match)
		return rc;
	char computed[80];
	ckpt_checksum_algorithm algorithm =
	    strncmp(stored, "sha256:", 7) == 0 ? CKPT_CHECKSUM_SHA256 : CKPT_CHECKSUM_CRC32;
	if (ckpt_checksum_file(computed, model, algorithm, NULL) != 0)
		snprintf(computed, sizeof computed, "?");
	return ckpt_fail(CKPT_ECHECKSUM,
			 "%s/%s/%s: checksum mismatch (stored %s, computed %s): "
			 "refusing to restart from epoch %ld",
			 CKPT_EPOCHS_NAME, name, CKPT_MODEL_NAME, stored, computed, epoch);
}

/* Reads and checks dir's ckpt-info.json, verifies and loads the model. */
static int restart_load(ckpt_writer *w, const char *dir, const char *model, long epoch,
			ckpt_restart_info *out)
{
	char *info_path = ckpt_path_join(dir, CKPT_INFO_NAME);
	if (!info_path)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", dir);
	ckpt_info info;
	memset(&info, 0, sizeof info);
	bool has_info = false;
	int rc = ckpt_info_read(&info, info_path);
	if (rc == CKPT_ENOENT && w->settings.require_json)
		rc = ckpt_fail(CKPT_ENOENT,
			       "%s: absent, and require_json is true: cannot restart "
			       "from epoch %ld",
			       info_path, epoch);
	else if (rc == CKPT_ENOENT)
		rc = 0;
	else if (!rc)
		has_info = true;
	if (!rc && has_info && info.epoch != epoch)
		rc =
		    ckpt_fail(CKPT_EFORMAT, "%s: key 'epoch' is %ld but the directory is epoch %ld",
			      info_path, info.epoch, epoch);
	if (!rc && has_info && w->settings.checksum && info.checksum &&
	    strcmp(info.checksum, DISABLED_CHECKSUM) != 0)
		rc = restart_verify(model, info.checksum, epoch);
	if (!rc && has_info)
		rc = wlog(w, "restarting: epoch=%ld timestamp=%s", epoch,
			  info.timestamp ? info.timestamp : "?");
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (!rc && w->load_fn && w->load_fn(model, w->payload) != 0)
		rc = ckpt_fail(CKPT_ECALLBACK, "model loader failed for %s (epoch %ld)", model,
			       epoch);
	if (!rc && w->load_fn)
		rc = log_rate(w, "restarting: model read: ", model, seconds_since(&start));
	if (!rc)
		rc = wlog(w, "restarting from epoch: %ld", epoch);
	if (!rc) {
		/* A non-finite best is no best: the original writes Infinity when it
		 * never recorded one, which for '+' would block every improvement. */
		bool known =
		    has_info && info.has_best_metric_last && isfinite(info.best_metric_last);
		w->state.has_best = known;
		w->state.best = known ? info.best_metric_last : 0.0;
		w->state.best_epoch = 0;
		out->restarted = 1;
		out->epoch = epoch;
		out->best_metric_last =
		    has_info && info.has_best_metric_last ? info.best_metric_last
		    : w->settings.has_best_metric_last    ? w->settings.best_metric_last
							  : NAN;
		snprintf(out->model_path, sizeof out->model_path, "%s", model);
	}
	if (has_info)
		ckpt_info_clear(&info);
	free(info_path);
	return rc;
}

int ckpt_writer_restart(ckpt_writer *w, ckpt_restart_info *out)
{
	ckpt_restart_info unused;
	if (!out)
		out = &unused;
	memset(out, 0, sizeof *out);
	if (!w)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_restart: writer is NULL");
	if (w->settings.restart_mode == CKPT_RESTART_OFF)
		return 0;
	char *dir = NULL;
	long epoch = 0;
	int rc = restart_dir(w, &dir, &epoch);
	if (rc)
		return rc;
	char *last_model = ckpt_sprintf("%s/%s/%s", w->root, CKPT_LAST_NAME, CKPT_MODEL_NAME);
	char *model = dir ? ckpt_path_join(dir, CKPT_MODEL_NAME) : NULL;
	struct stat st;
	if (!last_model || (dir && !model))
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
	else if (!model || lstat(model, &st) != 0) {
		if (w->settings.restart_mode == CKPT_RESTART_REQUIRED)
			rc = ckpt_fail(CKPT_ENOENT, "restart required but %s does not exist",
				       model ? model : last_model);
	} else if (!S_ISREG(st.st_mode)) {
		rc = ckpt_fail(CKPT_EFORMAT, "%s: not a regular file; refusing to restart from it",
			       model);
	} else if ((rc = wlog(w, "restarting: '%s'", last_model)) == 0) {
		rc = restart_load(w, dir, model, epoch, out);
	}
	free(last_model);
	free(model);
	free(dir);
	return rc;
}
