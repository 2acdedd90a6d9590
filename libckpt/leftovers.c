/* leftovers.c: what a crash in the middle of a save, a rollback or a clean
 * leaves outside the published epochs — temporary links and an epoch set
 * aside in work.old — and putting it right; and discarding a directory by
 * way of work/, as retention and clean both delete epochs. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Visits the temporary links in root; remove=false only counts them. */
static int temp_links(const char *root, bool remove, size_t *out_count)
{
	*out_count = 0;
	DIR *dir = opendir(root);
	if (!dir)
		return ckpt_fail(ckpt_code_from_errno(errno), "%s: %s", root, strerror(errno));
	int rc = 0;
	struct dirent *entry;
	while (rc == 0 && (entry = readdir(dir)) != NULL) {
		if (!is_temp_link_name(entry->d_name))
			continue;
		char *path = ckpt_path_join(root, entry->d_name);
		struct stat st;
		if (!path)
			rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
		else if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			(*out_count)++;
			if (remove)
				rc = ckpt_fs_unlink(path);
		}
		free(path);
	}
	closedir(dir);
	return rc;
}

bool ckpt_leftovers_present(const char *root)
{
	char *old = ckpt_sprintf("%s/%s.old", root, CKPT_WORK_NAME);
	struct stat st;
	bool present = old && lstat(old, &st) == 0;
	free(old);
	DIR *dir = present ? NULL : opendir(root);
	struct dirent *entry;
	while (dir && !present && (entry = readdir(dir)) != NULL)
		present = ckpt_is_unremovable_name(entry->d_name);
	if (dir)
		closedir(dir);
	size_t n = 0;
	return present || (temp_links(root, false, &n) == 0 && n > 0);
}

#define UNREMOVABLE_PREFIX CKPT_WORK_NAME ".unremovable-"

bool ckpt_is_unremovable_name(const char *name)
{
	size_t len = strlen(UNREMOVABLE_PREFIX);
	return strncmp(name, UNREMOVABLE_PREFIX, len) == 0 && name[len] &&
	       strspn(name + len, "0123456789") == strlen(name + len);
}

/* R/work.unremovable-N for the first free N. */
static int unremovable_name(char **out, const char *root)
{
	for (unsigned n = 1; n < 100000; n++) {
		char *path = ckpt_sprintf("%s/" UNREMOVABLE_PREFIX "%u", root, n);
		struct stat st;
		if (!path)
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
		if (lstat(path, &st) != 0 && errno == ENOENT) {
			*out = path;
			return 0;
		}
		free(path);
	}
	return ckpt_fail(CKPT_EIO, "%s: no free name to set work/ aside", root);
}

int ckpt_staging_clear(const char *root, const char *log_path)
{
	char *work = ckpt_path_join(root, CKPT_WORK_NAME);
	if (!work)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	int rc = ckpt_fs_remove_tree(work);
	if (rc == 0 || rc == CKPT_ENOMEM) {
		free(work);
		return rc;
	}
	/* Whatever it holds is staging, never an epoch: out of the way under a
	 * name of its own, so that the run goes on, and said. */
	char why[700];
	snprintf(why, sizeof why, "%s", ckpt_error_last());
	char *aside = NULL;
	int set = unremovable_name(&aside, root);
	if (!set)
		set = ckpt_fs_rename(work, aside);
	if (set) {
		free(aside);
		free(work);
		return ckpt_fail(rc, "%s (and it could not be set aside either)", why);
	}
	if (log_path)
		ckpt_log_write(log_path, "could not remove '%s' (%s): set aside as '%s'; remove it "
					 "by hand",
			       work, why, aside);
	free(aside);
	free(work);
	return 0;
}

int ckpt_staging_retry_unremovable(const char *root, const char *log_path)
{
	DIR *dir = opendir(root);
	if (!dir)
		return 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (!ckpt_is_unremovable_name(entry->d_name))
			continue;
		char *path = ckpt_path_join(root, entry->d_name);
		if (path && ckpt_fs_remove_tree(path) == 0 && log_path)
			ckpt_log_write(log_path, "removing: '%s'", path);
		free(path);
	}
	closedir(dir);
	return 0;
}

int ckpt_staging_discard(const char *root, const char *dir, bool sync, const char *log_path)
{
	char *work = ckpt_path_join(root, CKPT_WORK_NAME);
	char *epochs = ckpt_path_join(root, CKPT_EPOCHS_NAME);
	int rc = work && epochs ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	/* A file system mounted on an epoch directory (scratch space) is not ours
	 * to remove; say so rather than fail on the rename with EBUSY. */
	struct stat st, up;
	if (!rc && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && lstat(epochs, &up) == 0 &&
	    st.st_dev != up.st_dev)
		rc = ckpt_fail(CKPT_EUNSAFE, "%s: is a mount point; refusing to remove it", dir);
	/* Out of sight in one rename, made durable before anything is removed:
	 * in both directories, or a power cut could put the directory back where
	 * it was while the removals inside it stay done (a disk keeps each
	 * directory's changes in its own order, not one directory's before
	 * another's). Then removed from work/: a crash midway leaves only a
	 * partial work/, which the next save clears, never a half-deleted
	 * directory in its place. */
	char *parent = !rc ? ckpt_parent_dir(dir) : NULL;
	if (!rc && !parent)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", dir);
	if (!rc)
		rc = ckpt_staging_clear(root, log_path);
	if (!rc)
		rc = ckpt_fs_rename(dir, work);
	if (!rc && sync)
		rc = ckpt_fs_fsync_path(parent);
	if (!rc && sync && strcmp(parent, root) != 0)
		rc = ckpt_fs_fsync_path(root);
	if (!rc)
		rc = ckpt_staging_clear(root, log_path);
	free(parent);
	free(work);
	free(epochs);
	return rc;
}

int ckpt_leftovers_discard_work_old(const char *root, bool sync, const char *log_path)
{
	char *old = ckpt_sprintf("%s/%s.old", root, CKPT_WORK_NAME);
	int rc = old ? ckpt_staging_discard(root, old, sync, log_path)
		     : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	/* Closes the writer's "setting aside:" line (ckpt_log_set_aside_epoch). */
	if (!rc && log_path)
		rc = ckpt_log_write(log_path, "removing set-aside: '%s': the epoch it held was "
					      "replaced",
				    old);
	free(old);
	return rc;
}

#define UNRECOGNIZED_PREFIX CKPT_WORK_NAME ".old.unrecognized-"

bool ckpt_is_unrecognized_name(const char *name)
{
	size_t len = strlen(UNRECOGNIZED_PREFIX);
	return strncmp(name, UNRECOGNIZED_PREFIX, len) == 0 && name[len] &&
	       strspn(name + len, "0123456789") == strlen(name + len);
}

/* Whether work.old (old) is the epoch the log says a writer set aside
 * there, and with whole, a whole one (checked as a rollback checks an
 * epoch); else why not. */
static bool aside_is_ours(const char *old, long aside, bool whole, char *why, size_t size)
{
	char *info_path = ckpt_path_join(old, CKPT_INFO_NAME);
	char *model = ckpt_path_join(old, CKPT_MODEL_NAME);
	ckpt_info info;
	memset(&info, 0, sizeof info);
	struct stat st;
	bool match = false;
	bool ok = false;
	if (!info_path || !model)
		snprintf(why, size, "out of memory");
	else if (aside <= 0)
		snprintf(why, size, "no line of the log says a writer set an epoch aside there");
	else if (ckpt_info_read(&info, info_path) != 0)
		snprintf(why, size, "%s", ckpt_error_last());
	else if (info.epoch != aside)
		snprintf(why, size, "its ckpt-info.json says epoch %ld, the log set aside epoch %ld",
			 info.epoch, aside);
	else if (!whole)
		ok = true;
	else if (lstat(model, &st) != 0 || !S_ISREG(st.st_mode))
		snprintf(why, size, "it has no model.h5");
	else if (ckpt_checksum_kind_of(info.checksum) != CKPT_CHECKSUM_KIND_NONE &&
		 ckpt_checksum_kind_of(info.checksum) != CKPT_CHECKSUM_KIND_DISABLED &&
		 (ckpt_checksum_matches(&match, model, info.checksum, NULL) != 0 || !match))
		snprintf(why, size, "its model.h5 does not match its stored checksum");
	else
		ok = true;
	ckpt_info_clear(&info);
	free(info_path);
	free(model);
	return ok;
}

/* A work.old this run did not set aside (or no longer a whole epoch): not
 * put among the epochs, and not deleted either (it is not known to be
 * ours): moved out of the way, and said. */
static int move_unrecognized(const char *root, const char *old, const char *log_path,
			     const char *why, bool sync)
{
	char *to = NULL;
	for (unsigned n = 1; !to && n < 100000; n++) {
		char *path = ckpt_sprintf("%s/" UNRECOGNIZED_PREFIX "%u", root, n);
		struct stat st;
		if (!path)
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
		if (lstat(path, &st) != 0 && errno == ENOENT)
			to = path;
		else
			free(path);
	}
	if (!to)
		return ckpt_fail(CKPT_EIO, "%s: no free name to move work.old to", root);
	int rc = ckpt_log_write(log_path, "not recovering '%s' (%s): moved to '%s'", old, why, to);
	if (!rc)
		rc = ckpt_fs_rename(old, to);
	if (!rc && sync)
		rc = ckpt_fs_fsync_path(root);
	free(to);
	return rc;
}

/* A replacement by renames (no RENAME_EXCHANGE) that crashed between them
 * left the old epoch in work.old. Only what the run's own log says was set
 * aside there (the writer logs it durably first), and only when it is a
 * whole epoch, is used: put back when its epochs/NNN is missing, else
 * removed as the replaced copy. Anything else is moved out of the way. */
int ckpt_leftovers_recover_work_old(const char *root, const char *log_path, const char *root_label,
				    bool sync)
{
	char *old = ckpt_sprintf("%s/%s.old", root, CKPT_WORK_NAME);
	char *epochs_dir = ckpt_path_join(root, CKPT_EPOCHS_NAME);
	char *this_dir = NULL;
	int rc = 0;
	struct stat st;
	if (!old || !epochs_dir) {
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
		goto out;
	}
	if (lstat(old, &st) != 0)
		goto out;
	if (!S_ISDIR(st.st_mode)) {
		rc = ckpt_fs_unlink(old); /* a file or a link: no epoch at all */
		goto out;
	}
	long aside = ckpt_log_set_aside_epoch(log_path);
	char why[600];
	if (!aside_is_ours(old, aside, false, why, sizeof why)) {
		rc = move_unrecognized(root, old, log_path, why, sync);
		goto out;
	}
	char name[32];
	ckpt_epoch_dir_name(name, aside);
	if (!(this_dir = ckpt_path_join(epochs_dir, name))) {
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
		goto out;
	}
	if (lstat(this_dir, &st) == 0) {
		rc = ckpt_leftovers_discard_work_old(root, sync, log_path);
		goto out;
	}
	if (!aside_is_ours(old, aside, true, why, sizeof why)) {
		rc = move_unrecognized(root, old, log_path, why, sync);
		goto out;
	}
	/* Between two directories: durable once both are synced; logged only
	 * then, as the line closes the set-aside for good. */
	if ((rc = ckpt_fs_mkdirs(epochs_dir, 0755)) == 0 && (rc = ckpt_fs_rename(old, this_dir)) == 0 &&
	    sync && (rc = ckpt_fs_fsync_path(epochs_dir)) == 0)
		rc = ckpt_fs_fsync_path(root);
	if (!rc)
		rc = ckpt_log_write(log_path, "recovered: '%s/%s.old' -> '%s/%s/%s'", root_label,
				    CKPT_WORK_NAME, root_label, CKPT_EPOCHS_NAME, name);
out:
	free(this_dir);
	free(epochs_dir);
	free(old);
	return rc;
}

int ckpt_leftovers_recover(const char *root, const char *log_path, const char *root_label,
			   bool sync)
{
	size_t n = 0;
	int rc = temp_links(root, true, &n);
	if (!rc)
		rc = ckpt_leftovers_recover_work_old(root, log_path, root_label, sync);
	return rc ? rc : ckpt_staging_retry_unremovable(root, log_path);
}
