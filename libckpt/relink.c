/* relink.c: rewriting the original's absolute best/last targets (dangling or
 * into the old copy after a run was moved) as relative ones, and the small
 * helpers that rollback.c and clean.c share with it. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *ckpt_ops_root_label(const ckpt_run *run)
{
	return ckpt_root_label(ckpt_run_root(run));
}

static bool is_real_dir(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int ckpt_ops_epoch_dir(char **out, const char *root, long epoch)
{
	*out = NULL;
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	char *epochs = ckpt_path_join(root, CKPT_EPOCHS_NAME);
	char *dir = epochs ? ckpt_path_join(epochs, name) : NULL;
	if (!epochs || !dir) {
		free(epochs);
		free(dir);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	}
	/* A linked epochs/ leads outside the run: nothing there is ours. */
	bool real = epoch >= 1 && is_real_dir(epochs) && is_real_dir(dir);
	free(epochs);
	if (!real) {
		struct stat st;
		int rc = epoch >= 1 && lstat(dir, &st) != 0 && errno == ENOENT
			     ? ckpt_fail(CKPT_ENOENT, "%s: epoch %ld is not on disk", dir, epoch)
			     : ckpt_fail(CKPT_ENOENT,
					 "%s: epoch %ld is not a directory of this run (a symbolic "
					 "link, or not a directory; not followed)",
					 dir, epoch);
		free(dir);
		return rc;
	}
	*out = dir;
	return 0;
}

/* Whether R/<name> needs rewriting: relocated, or through an absolute target
 * that names one of our epochs but breaks (or leads into the old copy) as
 * soon as the run is copied again. A link leading outside to something that
 * is not an epoch of this run is left alone: there is nothing to point it at. */
static bool needs_relink(const char *root, const char *name, long *out_epoch)
{
	ckpt_link_state state = ckpt_link_resolve(root, name, out_epoch);
	if (state == CKPT_LINK_RELOCATED)
		return true;
	if ((state != CKPT_LINK_OK && state != CKPT_LINK_OUTSIDE) || *out_epoch <= 0)
		return false;
	char *path = ckpt_path_join(root, name);
	char target[PATH_MAX];
	ssize_t len = path ? readlink(path, target, sizeof target - 1) : -1;
	free(path);
	return len > 0 && target[0] == '/';
}

static int relink_one(int *changed, const ckpt_run *run, const char *label, const char *name)
{
	const char *root = ckpt_run_root(run);
	long epoch = 0;
	if (!needs_relink(root, name, &epoch))
		return 0;
	int rc = ckpt_link_point(root, name, epoch, true);
	if (rc)
		return rc;
	(*changed)++;
	char dir[32];
	ckpt_epoch_dir_name(dir, epoch);
	return ckpt_log_write(ckpt_run_log_path(run), "relink: '%s/%s' -> '%s/%s/%s'", label, name,
			      label, CKPT_EPOCHS_NAME, dir);
}

int ckpt_relink(int *out_changed, const ckpt_run *run)
{
	if (out_changed)
		*out_changed = 0;
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_relink: no run");
	char *label = ckpt_ops_root_label(run);
	if (!label)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", ckpt_run_root(run));
	/* Nothing to rewrite: not even the lock file is created. */
	const char *root = ckpt_run_root(run);
	long epoch;
	if (!needs_relink(root, CKPT_BEST_NAME, &epoch) &&
	    !needs_relink(root, CKPT_LAST_NAME, &epoch)) {
		free(label);
		return 0;
	}
	ckpt_lock *lock = NULL;
	int rc = ckpt_lock_acquire(&lock, root);
	int changed = 0;
	if (!rc)
		rc = ckpt_log_prepare(ckpt_run_log_path(run), lock);
	/* Resolved again under the lock: a writer may have re-pointed them since. */
	if (!rc)
		rc = relink_one(&changed, run, label, CKPT_BEST_NAME);
	if (!rc)
		rc = relink_one(&changed, run, label, CKPT_LAST_NAME);
	ckpt_lock_release(lock);
	free(label);
	if (out_changed)
		*out_changed = changed;
	return rc;
}
