/* locate.c: where the checkpoint roots of a folder are: the folder itself,
 * its ckpts/, the legacy save/ckpts/ (with its log one level up), or both of
 * the last two; and which root a trainer should write for a path. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The parent of an absolute canonical path ("/" stays "/"). */
static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash && slash != path ? (size_t)(slash - path) : 1;
	char *out = malloc(len + 1);
	if (out) {
		memcpy(out, path, len);
		out[len] = '\0';
	}
	return out;
}

static bool lstat_at(int dfd, const char *name, struct stat *st)
{
	return fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) == 0;
}

static bool real_dir_at(int dfd, const char *name)
{
	struct stat st;
	return lstat_at(dfd, name, &st) && S_ISDIR(st.st_mode);
}

bool ckpt_marks_root(const ckpt_run_marks *m)
{
	return m->epochs || (m->log && (m->best || m->last || m->work));
}

bool ckpt_marks_any(const ckpt_run_marks *m)
{
	return ckpt_marks_root(m) || m->ckpts_dir || m->save_dir;
}

void ckpt_marks_entry(ckpt_run_marks *m, const char *name, bool is_dir)
{
	if (strcmp(name, CKPT_EPOCHS_NAME) == 0)
		m->epochs = true;
	else if (strcmp(name, CKPT_LOG_NAME) == 0)
		m->log = true;
	else if (strcmp(name, CKPT_BEST_NAME) == 0)
		m->best = true;
	else if (strcmp(name, CKPT_LAST_NAME) == 0)
		m->last = true;
	else if (strcmp(name, CKPT_WORK_NAME) == 0)
		m->work = true;
	else if (strcmp(name, "ckpts") == 0)
		m->ckpts_dir = is_dir;
	else if (strcmp(name, "save") == 0)
		m->save_dir = is_dir;
}

void ckpt_marks_by_lstat(ckpt_run_marks *m, int dfd)
{
	struct stat st;
	memset(m, 0, sizeof *m);
	m->epochs = lstat_at(dfd, CKPT_EPOCHS_NAME, &st);
	m->log = lstat_at(dfd, CKPT_LOG_NAME, &st);
	m->best = lstat_at(dfd, CKPT_BEST_NAME, &st);
	m->last = lstat_at(dfd, CKPT_LAST_NAME, &st);
	m->work = lstat_at(dfd, CKPT_WORK_NAME, &st);
	m->ckpts_dir = real_dir_at(dfd, "ckpts");
	m->save_dir = real_dir_at(dfd, "save");
}

void ckpt_run_location_clear(ckpt_run_location *loc)
{
	if (!loc)
		return;
	free(loc->root);
	free(loc->folder);
	free(loc->log_path);
	memset(loc, 0, sizeof *loc);
}

/* Layout, run folder and log of a root (taken over by loc). The legacy
 * layout keeps its log beside ckpts/, in save/. */
static int finish_location(ckpt_run_location *loc, char *root)
{
	memset(loc, 0, sizeof *loc);
	loc->root = root;
	loc->layout = CKPT_LAYOUT_CANDLE;
	char *parent = parent_of(root);
	char *own_log = ckpt_path_join(root, CKPT_LOG_NAME);
	if (!parent || !own_log) {
		free(parent);
		free(own_log);
		ckpt_run_location_clear(loc);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	}
	struct stat st;
	bool named_ckpts = strcmp(base_name(root), "ckpts") == 0;
	if (named_ckpts && strcmp(base_name(parent), "save") == 0 && lstat(own_log, &st) != 0) {
		loc->layout = CKPT_LAYOUT_CANDLE_LEGACY;
		loc->log_path = ckpt_path_join(parent, CKPT_LOG_NAME);
		loc->folder = parent_of(parent);
		free(own_log);
		free(parent);
	} else {
		loc->log_path = own_log;
		loc->folder = named_ckpts ? parent : ckpt_strdup(root);
		if (!named_ckpts)
			free(parent);
	}
	if (!loc->log_path || !loc->folder) {
		ckpt_run_location_clear(loc);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	}
	return 0;
}

int ckpt_locate_roots(ckpt_run_location out[2], size_t *out_n, const char *dir, int dfd,
		      const ckpt_run_marks *m)
{
	*out_n = 0;
	const char *subs[2];
	size_t n = 0;
	if (ckpt_marks_root(m)) {
		subs[n++] = NULL;
	} else {
		if (m->ckpts_dir)
			subs[n++] = "ckpts";
		if (m->save_dir && real_dir_at(dfd, "save/ckpts"))
			subs[n++] = "save/ckpts";
	}
	for (size_t i = 0; i < n; i++) {
		char *root = subs[i] ? ckpt_path_join(dir, subs[i]) : ckpt_strdup(dir);
		int rc = root ? finish_location(&out[i], root)
			      : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", dir);
		if (rc) {
			for (size_t j = 0; j < i; j++)
				ckpt_run_location_clear(&out[j]);
			return rc;
		}
	}
	*out_n = n;
	return 0;
}

int ckpt_open_folder(int *out_fd, char **out_real, const char *path)
{
	*out_fd = -1;
	*out_real = realpath(path, NULL);
	if (!*out_real) {
		int err = errno;
		if (err == ENOENT || err == ENOTDIR)
			return ckpt_fail(CKPT_ENOENT, "%s: no such directory", path);
		return ckpt_fail(ckpt_code_from_errno(err), "%s: %s", path, strerror(err));
	}
	*out_fd = open(*out_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*out_fd < 0) {
		int err = errno;
		free(*out_real);
		*out_real = NULL;
		if (err == ENOTDIR)
			return ckpt_fail(CKPT_ENOENT, "%s: not a directory", path);
		return ckpt_fail(ckpt_code_from_errno(err), "%s: %s", path, strerror(err));
	}
	return 0;
}

/* Both roots named, so that the user can pick one. */
static int fail_ambiguous(const char *path, ckpt_run_location found[2])
{
	int rc = ckpt_fail(CKPT_EAMBIGUOUS,
			   "%s: holds two checkpoint roots, %s and %s; give the one you mean",
			   path, found[0].root, found[1].root);
	ckpt_run_location_clear(&found[0]);
	ckpt_run_location_clear(&found[1]);
	return rc;
}

int ckpt_run_locate(ckpt_run_location *out, const char *path)
{
	memset(out, 0, sizeof *out);
	if (!path)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_open: no path");
	int dfd;
	char *real;
	int rc = ckpt_open_folder(&dfd, &real, path);
	if (rc)
		return rc;
	ckpt_run_marks m;
	ckpt_marks_by_lstat(&m, dfd);
	ckpt_run_location found[2];
	size_t n = 0;
	rc = ckpt_locate_roots(found, &n, real, dfd, &m);
	close(dfd);
	free(real);
	if (rc)
		return rc;
	if (n == 0)
		return ckpt_fail(CKPT_ENOENT,
				 "%s: no checkpoint run here (looked for epochs/, ckpts/, "
				 "save/ckpts/)",
				 path);
	if (n == 2)
		return fail_ambiguous(path, found);
	*out = found[0];
	return 0;
}

int ckpt_root_for(char **out, const char *path)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_root_for: no place for the root");
	*out = NULL;
	if (!path || !*path)
		return ckpt_fail(CKPT_EINVAL, "ckpt_root_for: no path");
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		/* A new run: "ckpts" names a root already, anything else a run folder. */
		if (strcmp(base_name(path), "ckpts") == 0)
			*out = ckpt_strdup(path);
		else
			*out = ckpt_path_join(path, "ckpts");
		return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	}
	ckpt_run_location loc;
	int rc = ckpt_run_locate(&loc, path);
	if (rc == CKPT_ENOENT) {
		*out = strcmp(base_name(path), "ckpts") == 0 ? ckpt_strdup(path)
							     : ckpt_path_join(path, "ckpts");
		return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	}
	if (rc)
		return rc;
	*out = loc.root;
	loc.root = NULL;
	ckpt_run_location_clear(&loc);
	return 0;
}
