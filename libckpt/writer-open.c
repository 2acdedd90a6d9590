/* writer-open.c: creating a writer: its root made and locked, its log
 * opened (or taken over from a crash) and its first lines written, its
 * settings checked against what the run already holds; and freeing it. */
#include "internal.h"
#include "writer-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* The log of a legacy run (save/ckpts, its log in save/) stays where the
 * original wrote it, so that readers keep seeing one legacy run. */
static char *log_path_for(const char *root)
{
	char *own = ckpt_path_join(root, CKPT_LOG_NAME);
	char *legacy = ckpt_sprintf("%s/../%s", root, CKPT_LOG_NAME);
	char *label = ckpt_root_label(root);
	struct stat st;
	bool use_legacy = own && legacy && label && strchr(label, '/') && lstat(own, &st) != 0 &&
			  lstat(legacy, &st) == 0 && S_ISREG(st.st_mode);
	free(label);
	if (use_legacy) {
		free(own);
		return legacy;
	}
	free(legacy);
	return own;
}

static int writer_paths(ckpt_writer *w)
{
	w->root_name = ckpt_root_label(w->root);
	w->log_path = log_path_for(w->root);
	w->history_path = ckpt_path_join(w->root, CKPT_HISTORY_NAME);
	w->work = ckpt_path_join(w->root, CKPT_WORK_NAME);
	w->epochs_dir = ckpt_path_join(w->root, CKPT_EPOCHS_NAME);
	if (!w->root_name || !w->log_path || !w->history_path || !w->work || !w->epochs_dir)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
	return ckpt_log_out_new(&w->log, w->log_path);
}

/* How much of root (absolute) exists already: the length of its longest
 * existing prefix, 0 when only "/" does. */
static int existing_prefix(size_t *out, const char *root)
{
	char *copy = ckpt_strdup(root);
	if (!copy)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	size_t len = strlen(copy);
	struct stat st;
	while (len > 0 && lstat(copy, &st) != 0 && errno == ENOENT) {
		while (len > 0 && copy[len] != '/')
			len--;
		copy[len] = '\0';
	}
	free(copy);
	*out = len;
	return 0;
}

/* mkdir -p of the root; when that made directories, the parent of each is
 * synced, or a power loss could take the new root with it (SPEC §6). */
static int make_root(const ckpt_writer *w)
{
	size_t len = 0;
	size_t total = strlen(w->root);
	int rc = existing_prefix(&len, w->root);
	if (!rc)
		rc = ckpt_fs_mkdirs(w->root, 0755);
	/* "<dir>/.": a parent that is a symbolic link (to scratch space) is
	 * followed, as mkdir followed it. */
	while (!rc && len < total && w->settings.fsync) {
		char *dir = ckpt_sprintf("%.*s/.", (int)len, w->root);
		rc = dir ? ckpt_fs_fsync_path(dir)
			 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
		free(dir);
		const char *next = strchr(w->root + len + 1, '/');
		len = next ? (size_t)(next - w->root) : total;
	}
	return rc;
}

/* "<local time>-<pid>-<n>": n counts this process's writers, so that a
 * second writer made within the same second (a trainer retrying in-process)
 * is a session of its own. The history reads the time back (history-parse.c). */
static void make_session_id(char out[64])
{
	static unsigned long writers_made;
	unsigned long n = __atomic_add_fetch(&writers_made, 1, __ATOMIC_RELAXED);
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	snprintf(out, 64, "%s-%ld-%lu", stamp, (long)getpid(), n);
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

/* Where this session's lines begin in ckpt.log: its first metrics.jsonl
 * line says so, and readers need only the log before it. */
static int note_log_start(ckpt_writer *w)
{
	struct stat st;
	w->log_start = lstat(w->log_path, &st) == 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

/* After the opening lines, so that tools see it in this session. */
static int log_lock_note(const ckpt_writer *w)
{
	const char *note = ckpt_lock_note(w->lock);
	return note ? writer_log(w, "%s", note) : 0;
}

int ckpt_writer_new(ckpt_writer **out, const ckpt_params *params, unsigned flags)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_new: no place for the writer");
	*out = NULL;
	if (!params)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_new: params is NULL");
	ckpt_writer *w = calloc(1, sizeof *w);
	if (!w)
		return ckpt_fail(CKPT_ENOMEM, "ckpt_writer_new: out of memory");
	w->follower = flags & CKPT_WRITER_FOLLOWER;
	w->history = (ckpt_fs_appender)CKPT_FS_APPENDER_INIT;
	int rc = ckpt_settings_from_params(&w->settings, params);
	if (rc) {
		free(w);
		return rc;
	}
	if ((rc = absolute_root(&w->root, w->settings.directory)) != 0 ||
	    (rc = writer_paths(w)) != 0) {
		ckpt_writer_free(w);
		return rc;
	}
	make_session_id(w->session);
	/* What every save will carry must be readable by the readers. */
	if ((rc = writer_check_settings(w)) != 0) {
		ckpt_writer_free(w);
		return rc;
	}
	/* A follower only reads: the rank that writes owns the lock and the log. */
	if (w->follower) {
		*out = w;
		return 0;
	}
	/* Before anything is changed: the log and the history must take their
	 * lines (never through a link), or the trainer learns now, not after
	 * its first save. */
	if ((rc = make_root(w)) != 0 || (rc = ckpt_lock_acquire(&w->lock, w->root)) != 0 ||
	    (rc = writer_check_epochs_dir(w)) != 0 ||
	    (rc = ckpt_fs_check_appendable(w->history_path)) != 0 ||
	    (rc = ckpt_log_prepare(w->log_path, NULL)) != 0 || (rc = note_log_start(w)) != 0) {
		ckpt_writer_free(w);
		return rc;
	}
	/* The opening lines in one write, before the repair reads the log. */
	ckpt_log_out_begin(w->log);
	if ((rc = log_opening(w)) != 0 || (rc = log_lock_note(w)) != 0 ||
	    (rc = ckpt_log_out_flush(w->log, false)) != 0 ||
	    (rc = ckpt_leftovers_recover(w->root, w->log_path, w->root_name, w->settings.fsync)) !=
		0 ||
	    (rc = ckpt_log_out_end(w->log)) != 0) {
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
	ckpt_log_out_free(w->log); /* what a failed call gathered, written */
	ckpt_fs_appender_close(&w->history);
	ckpt_lock_release(w->lock);
	ckpt_settings_clear(&w->settings);
	free(w->root);
	free(w->root_name);
	free(w->log_path);
	free(w->history_path);
	free(w->work);
	free(w->epochs_dir);
	free(w->saved);
	free(w->keep);
	free(w->reasons);
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
