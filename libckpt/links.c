/* links.c: the `best` and `last` pointers. Reading resolves every form the
 * original leaves behind (absolute targets of a copied run included);
 * writing always makes a relative target, replaced atomically. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The epoch a target names by its last two components ".../epochs/NNN". */
static long target_epoch(const char *target)
{
	char copy[PATH_MAX];
	size_t len = strlen(target);
	if (len == 0 || len >= sizeof copy)
		return 0;
	memcpy(copy, target, len + 1);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	char *last = strrchr(copy, '/');
	if (!last)
		return 0;
	*last = '\0';
	long epoch;
	if (!ckpt_epoch_dir_parse(last + 1, &epoch))
		return 0;
	const char *parent = strrchr(copy, '/');
	parent = parent ? parent + 1 : copy;
	return strcmp(parent, CKPT_EPOCHS_NAME) == 0 ? epoch : 0;
}

/* True when root/epochs/NNN is a real directory (not a link to one). */
static bool epoch_dir_present(const char *root, long epoch)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	char *path = ckpt_sprintf("%s/%s/%s", root, CKPT_EPOCHS_NAME, name);
	struct stat st;
	bool present = path && lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
	free(path);
	return present;
}

/* True when root/epochs is a real directory, not a link to one elsewhere. */
static bool epochs_dir_real(const char *root)
{
	char *path = ckpt_path_join(root, CKPT_EPOCHS_NAME);
	struct stat st;
	bool real = path && lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
	free(path);
	return real;
}

/* An absolute target outside the run that still names one of our epochs by
 * its trailing epochs/NNN (the original's link into the copy this run was
 * made from): that epoch, so that readers show it and clean keeps it; else 0. */
static long outside_epoch(const char *root, const char *target, long named)
{
	return target[0] == '/' && named && epoch_dir_present(root, named) ? named : 0;
}

/* The epoch of this run that resolved names, when it is one: a direct child
 * of the canonical epochs_real with a canonical epoch name, present here. */
static long resolved_epoch(const char *root, const char *epochs_real, const char *resolved)
{
	size_t len = strlen(epochs_real);
	long epoch;
	if (strncmp(resolved, epochs_real, len) != 0 || resolved[len] != '/' ||
	    strchr(resolved + len + 1, '/') || !ckpt_epoch_dir_parse(resolved + len + 1, &epoch) ||
	    !epoch_dir_present(root, epoch))
		return 0;
	return epoch;
}

ckpt_link_state ckpt_link_resolve(const char *root, const char *name, long *out_epoch)
{
	*out_epoch = 0;
	char *path = ckpt_path_join(root, name);
	if (!path)
		return CKPT_LINK_DANGLING;
	ckpt_link_state state;
	struct stat st;
	char target[PATH_MAX];
	ssize_t len;
	if (lstat(path, &st) != 0) {
		state = CKPT_LINK_MISSING;
		goto out;
	}
	if (!S_ISLNK(st.st_mode)) {
		state = CKPT_LINK_NOT_A_LINK;
		goto out;
	}
	len = readlink(path, target, sizeof target - 1);
	if (len < 0) {
		state = CKPT_LINK_DANGLING;
		goto out;
	}
	target[len] = '\0';
	/* A linked epochs/ holds nothing of this run: no link may name an epoch
	 * through it (clean and restart would reach outside). */
	bool epochs_real = epochs_dir_real(root);
	long named = epochs_real ? target_epoch(target) : 0;

	/* The form libckpt writes, "epochs/NNN": two lstats settle it, where
	 * realpath() would readlink every component of the root (a scan of
	 * thousands of runs spends most of its system calls there otherwise). */
	long direct;
	if (epochs_real && strncmp(target, CKPT_EPOCHS_NAME "/", sizeof CKPT_EPOCHS_NAME) == 0 &&
	    ckpt_epoch_dir_parse(target + sizeof CKPT_EPOCHS_NAME, &direct) &&
	    epoch_dir_present(root, direct)) {
		*out_epoch = direct;
		state = CKPT_LINK_OK;
		goto out;
	}

	char resolved[PATH_MAX], epochs_canonical[PATH_MAX];
	if (!realpath(path, resolved)) {
		/* An absolute target from the machine the run was written on. */
		*out_epoch = outside_epoch(root, target, named);
		state = *out_epoch ? CKPT_LINK_RELOCATED : CKPT_LINK_DANGLING;
		/* Dangling still says which epoch it meant: the one that is gone. */
		if (!*out_epoch)
			*out_epoch = named;
		goto out;
	}
	char *epochs = ckpt_path_join(root, CKPT_EPOCHS_NAME);
	bool have_epochs = epochs_real && epochs && realpath(epochs, epochs_canonical) != NULL;
	free(epochs);
	if (have_epochs && (*out_epoch = resolved_epoch(root, epochs_canonical, resolved)) != 0) {
		state = CKPT_LINK_OK;
		goto out;
	}
	state = CKPT_LINK_OUTSIDE;
	*out_epoch = outside_epoch(root, target, named);
out:
	free(path);
	return state;
}

int ckpt_link_point(const char *root, const char *name, long epoch, bool sync)
{
	char dir_name[32];
	ckpt_epoch_dir_name(dir_name, epoch);
	char target[64];
	snprintf(target, sizeof target, "%s/%s", CKPT_EPOCHS_NAME, dir_name);
	return ckpt_fs_replace_symlink(root, name, target, sync);
}
