/* leftovers.c: what a crash in the middle of a save, a rollback or a clean
 * leaves outside the published epochs — temporary links and an epoch set
 * aside in work.old — and putting it right; and discarding a directory by
 * way of work/, as retention and clean both delete epochs. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
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
	size_t n = 0;
	return present || (temp_links(root, false, &n) == 0 && n > 0);
}

int ckpt_staging_discard(const char *root, const char *dir, bool sync)
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
		rc = ckpt_fs_remove_tree(work);
	if (!rc)
		rc = ckpt_fs_rename(dir, work);
	if (!rc && sync)
		rc = ckpt_fs_fsync_path(parent);
	if (!rc && sync && strcmp(parent, root) != 0)
		rc = ckpt_fs_fsync_path(root);
	if (!rc)
		rc = ckpt_fs_remove_tree(work);
	free(parent);
	free(work);
	free(epochs);
	return rc;
}

int ckpt_leftovers_discard_work_old(const char *root, bool sync)
{
	char *old = ckpt_sprintf("%s/%s.old", root, CKPT_WORK_NAME);
	int rc = old ? ckpt_staging_discard(root, old, sync)
		     : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	free(old);
	return rc;
}

/* A replacement by renames (no RENAME_EXCHANGE) that crashed between them
 * left the old epoch in work.old: it goes back when its epochs/NNN is
 * missing; otherwise it is the replaced copy and goes. One whose epoch
 * cannot be told is left alone. */
int ckpt_leftovers_recover_work_old(const char *root, const char *log_path, const char *root_label,
				    bool sync)
{
	char *old = ckpt_sprintf("%s/%s.old", root, CKPT_WORK_NAME);
	char *info_path = old ? ckpt_path_join(old, CKPT_INFO_NAME) : NULL;
	char *epochs_dir = ckpt_path_join(root, CKPT_EPOCHS_NAME);
	char *this_dir = NULL;
	int rc = 0;
	struct stat st;
	ckpt_info info;
	memset(&info, 0, sizeof info);
	if (!old || !info_path || !epochs_dir) {
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
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
	char name[32];
	ckpt_epoch_dir_name(name, info.epoch);
	if (!(this_dir = ckpt_path_join(epochs_dir, name))) {
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
		goto out;
	}
	if (lstat(this_dir, &st) == 0) {
		rc = ckpt_leftovers_discard_work_old(root, sync);
		goto out;
	}
	if ((rc = ckpt_fs_mkdirs(epochs_dir, 0755)) == 0 &&
	    (rc = ckpt_log_write(log_path, "recovered: '%s/%s.old' -> '%s/%s/%s'", root_label,
				 CKPT_WORK_NAME, root_label, CKPT_EPOCHS_NAME, name)) == 0 &&
	    (rc = ckpt_fs_rename(old, this_dir)) == 0 && sync)
		rc = ckpt_fs_fsync_path(epochs_dir);
out:
	ckpt_info_clear(&info);
	free(this_dir);
	free(epochs_dir);
	free(info_path);
	free(old);
	return rc;
}

int ckpt_leftovers_recover(const char *root, const char *log_path, const char *root_label,
			   bool sync)
{
	size_t n = 0;
	int rc = temp_links(root, true, &n);
	return rc ? rc : ckpt_leftovers_recover_work_old(root, log_path, root_label, sync);
}
