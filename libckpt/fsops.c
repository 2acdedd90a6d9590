/* fsops.c: every call through which libckpt changes the file system.
 * Keeping them in one place lets the crash harness (CKPT_FAILPOINTS builds)
 * stop or fail the N-th change, and keeps the durability rules together. */
#include "internal.h"
#include "failpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int fs_error(const char *op, const char *path, int err)
{
	bool writes = !strcmp(op, "create") || !strcmp(op, "append");
	if (err == EINVAL && writes)
		return ckpt_fail(CKPT_EUNSAFE, "%s: %s: not a regular file; refusing to write to it",
				 path, op);
	if (err == ELOOP && writes)
		return ckpt_fail(CKPT_EUNSAFE,
				 "%s: %s: is a symbolic link; refusing to write through it", path,
				 op);
	if (err == EMLINK && writes)
		return ckpt_fail(CKPT_EUNSAFE,
				 "%s: %s: has another name (a hard link, maybe to a file outside "
				 "the run); refusing to write to it",
				 path, op);
	if (err == ENOSPC)
		return ckpt_fail(CKPT_EIO, "%s: %s: no space left on device", path, op);
	return ckpt_fail(ckpt_code_from_errno(err), "%s: %s: %s", path, op, strerror(err));
}

int ckpt_fs_mkdir(const char *path, mode_t mode)
{
	int err = ckpt_failpoint_before("mkdir", path, NULL);
	if (!err && mkdir(path, mode) != 0)
		err = errno;
	if (err) {
		int rc = fs_error("mkdir", path, err);
		errno = err; /* ckpt_fs_mkdirs tells EEXIST apart */
		return rc;
	}
	ckpt_failpoint_after("mkdir", path, NULL);
	return 0;
}

int ckpt_fs_mkdirs(const char *path, mode_t mode)
{
	char *copy = ckpt_strdup(path);
	if (!copy)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	int rc = 0;
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		struct stat st;
		if (stat(copy, &st) == 0) {
			if (!S_ISDIR(st.st_mode)) {
				rc = ckpt_fail(CKPT_EIO, "%s: exists and is not a directory", copy);
				break;
			}
		} else if (errno == ENOENT) {
			rc = ckpt_fs_mkdir(copy, mode);
			/* Another writer made it between our stat and mkdir (parallel
			 * runs under one new parent): a directory there is success. */
			if (rc && errno == EEXIST && stat(copy, &st) == 0 && S_ISDIR(st.st_mode))
				rc = 0;
			if (rc)
				break;
		} else {
			rc = fs_error("stat", copy, errno);
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(copy);
	return rc;
}

static int write_all(int fd, const char *path, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = ckpt_failpoint_write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EIO; /* no progress and no error: never loop on it */
		p += n;
		len -= (size_t)n;
	}
	(void)path;
	return 0;
}

/* open() for writing that never blocks on a FIFO planted where a file should
 * be (a log, an info file), never follows a symbolic link (-ELOOP), refuses
 * anything but a regular file (-EINVAL) and a file with another name, a hard
 * link that would carry the write outside the run (-EMLINK); O_TRUNC only
 * after the checks, so nothing else is ever truncated. -errno on failure. */
static int open_regular_for_write(const char *path, int flags, struct stat *out_st)
{
	bool truncate = flags & O_TRUNC;
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | (flags & ~O_TRUNC),
		      0644);
	if (fd < 0)
		return errno == ENXIO ? -EINVAL : -errno; /* ENXIO: a FIFO nobody reads */
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if (st.st_nlink != 1) {
		close(fd);
		return -EMLINK;
	}
	/* O_NONBLOCK stays: it only mattered for the FIFO refused above (Linux
	 * ignores it on regular files), and clearing it cost two calls a file. */
	if (truncate && st.st_size > 0 && ftruncate(fd, 0) != 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	if (out_st)
		*out_st = st;
	return fd;
}

int ckpt_fs_write_file(const char *path, const void *data, size_t len, bool sync)
{
	int err = ckpt_failpoint_before("create", path, NULL);
	if (err)
		return fs_error("create", path, err);
	int fd = open_regular_for_write(path, O_CREAT | O_TRUNC, NULL);
	if (fd < 0)
		return fs_error("create", path, -fd);
	ckpt_failpoint_after("create", path, NULL);

	err = ckpt_failpoint_before("write", path, NULL);
	if (!err)
		err = write_all(fd, path, data, len);
	if (err) {
		close(fd);
		return fs_error("write", path, err);
	}
	ckpt_failpoint_after("write", path, NULL);

	if (sync) {
		err = ckpt_failpoint_before("fsync", path, NULL);
		if (!err && ckpt_failpoint_fsync(fd) != 0)
			err = errno;
		if (err) {
			close(fd);
			return fs_error("fsync", path, err);
		}
		ckpt_failpoint_after("fsync", path, NULL);
	}
	if (close(fd) != 0)
		return fs_error("close", path, errno);
	return 0;
}

int ckpt_fs_append(const char *path, const char *text, size_t len)
{
	int err = ckpt_failpoint_before("append", path, NULL);
	if (err)
		return fs_error("append", path, err);
	struct stat st;
	int fd = open_regular_for_write(path, O_CREAT | O_APPEND, &st);
	if (fd < 0)
		return fs_error("append", path, -fd);
	/* A failed append is taken back (only the lock holder appends), so that
	 * the next line does not start in the middle of a torn one. */
	off_t before = st.st_size;
	err = write_all(fd, path, text, len);
	if (err && before >= 0 && ftruncate(fd, before) != 0) {
		/* Nothing more to do: the error below is what matters. */
	}
	close(fd);
	if (err)
		return fs_error("append", path, err);
	ckpt_failpoint_after("append", path, NULL);
	return 0;
}

/* The descriptor is kept, but each append first checks by lstat that the
 * path still names that one file and that it has no other name: a link
 * made, or a file put in its place, since the last append is refused or
 * reopened (with open_regular_for_write's checks) as a fresh open would. */
int ckpt_fs_append_kept(ckpt_fs_appender *a, const char *path, const char *text, size_t len)
{
	int err = ckpt_failpoint_before("append", path, NULL);
	if (err)
		return fs_error("append", path, err);
	struct stat st;
	if (a->fd >= 0) {
		if (lstat(path, &st) != 0 || st.st_dev != a->dev || st.st_ino != a->ino ||
		    !S_ISREG(st.st_mode)) {
			close(a->fd);
			a->fd = -1;
		} else if (st.st_nlink != 1) {
			return fs_error("append", path, EMLINK);
		}
	}
	if (a->fd < 0) {
		int fd = open_regular_for_write(path, O_CREAT | O_APPEND, &st);
		if (fd < 0)
			return fs_error("append", path, -fd);
		a->fd = fd;
		a->dev = st.st_dev;
		a->ino = st.st_ino;
	}
	off_t before = st.st_size;
	err = write_all(a->fd, path, text, len);
	if (err && ftruncate(a->fd, before) != 0) {
		/* Nothing more to do: the error below is what matters. */
	}
	if (err)
		return fs_error("append", path, err);
	ckpt_failpoint_after("append", path, NULL);
	return 0;
}

int ckpt_fs_appender_fsync(ckpt_fs_appender *a, const char *path)
{
	if (a->fd < 0)
		return ckpt_fs_fsync_path(path);
	int err = ckpt_failpoint_before("fsync", path, NULL);
	if (!err && ckpt_failpoint_fsync(a->fd) != 0)
		err = errno;
	if (err)
		return fs_error("fsync", path, err);
	ckpt_failpoint_after("fsync", path, NULL);
	return 0;
}

void ckpt_fs_appender_close(ckpt_fs_appender *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

int ckpt_fs_check_appendable(const char *path)
{
	int fd = open_regular_for_write(path, O_APPEND, NULL);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fs_error("append", path, -fd);
	close(fd);
	return 0;
}

int ckpt_fs_fsync_path(const char *path)
{
	int err = ckpt_failpoint_before("fsync", path, NULL);
	if (err)
		return fs_error("fsync", path, err);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fs_error("fsync", path, errno);
	/* Directories on some file systems refuse fsync with EINVAL: nothing to do. */
	if (ckpt_failpoint_fsync(fd) != 0 && errno != EINVAL) {
		err = errno;
		close(fd);
		return fs_error("fsync", path, err);
	}
	close(fd);
	ckpt_failpoint_after("fsync", path, NULL);
	return 0;
}

int ckpt_fs_rename(const char *from, const char *to)
{
	int err = ckpt_failpoint_before("rename", from, to);
	if (!err && rename(from, to) != 0)
		err = errno;
	if (err) {
		int code = fs_error("rename", from, err);
		return ckpt_fail(code, "rename %s -> %s: %s", from, to, strerror(err));
	}
	ckpt_failpoint_after("rename", from, to);
	return 0;
}

int ckpt_fs_exchange(const char *a, const char *b)
{
	int err = ckpt_failpoint_before("exchange", a, b);
	if (!err && renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0)
		err = errno;
	if (err == EINVAL || err == ENOSYS)
		return ckpt_fail(CKPT_EINVAL, "exchange %s <-> %s: not supported here", a, b);
	if (err)
		return ckpt_fail(ckpt_code_from_errno(err), "exchange %s <-> %s: %s", a, b,
				 strerror(err));
	ckpt_failpoint_after("exchange", a, b);
	return 0;
}

/* symlink(2) as one crash-harness step; *out_err (or NULL) gets its errno. */
static int symlink_step(const char *target, const char *path, int *out_err)
{
	int err = ckpt_failpoint_before("symlink", path, target);
	if (!err && symlink(target, path) != 0)
		err = errno;
	if (out_err)
		*out_err = err;
	if (err)
		return fs_error("symlink", path, err);
	ckpt_failpoint_after("symlink", path, target);
	return 0;
}

int ckpt_fs_symlink(const char *target, const char *path)
{
	return symlink_step(target, path, NULL);
}

int ckpt_fs_unlink(const char *path)
{
	int err = ckpt_failpoint_before("unlink", path, NULL);
	if (!err && unlink(path) != 0)
		err = errno;
	if (err)
		return fs_error("unlink", path, err);
	ckpt_failpoint_after("unlink", path, NULL);
	return 0;
}

int ckpt_fs_rmdir(const char *path)
{
	int err = ckpt_failpoint_before("rmdir", path, NULL);
	if (!err && rmdir(path) != 0)
		err = errno;
	if (err)
		return fs_error("rmdir", path, err);
	ckpt_failpoint_after("rmdir", path, NULL);
	return 0;
}

/* unlinkat() relative to an open directory, as one crash-harness step
 * named by the full path (op "unlink" or "rmdir", as the path calls). */
static int unlink_entry(int dfd, const char *name, const char *path, bool is_dir)
{
	const char *op = is_dir ? "rmdir" : "unlink";
	int err = ckpt_failpoint_before(op, path, NULL);
	if (!err && unlinkat(dfd, name, is_dir ? AT_REMOVEDIR : 0) != 0)
		err = errno;
	if (err)
		return fs_error(op, path, err);
	ckpt_failpoint_after(op, path, NULL);
	return 0;
}

/* renameat() of dfd/name to top/new_name, as one crash-harness step. */
static int hoist_entry(int dfd, const char *name, const char *path, int top,
		       const char *new_name, const char *new_path)
{
	int err = ckpt_failpoint_before("rename", path, new_path);
	if (!err && renameat(dfd, name, top, new_name) != 0)
		err = errno;
	if (err == EEXIST || err == ENOTEMPTY)
		return 1; /* that name is taken: the caller tries another */
	if (err) {
		int code = fs_error("rename", path, err);
		return ckpt_fail(code, "rename %s -> %s: %s", path, new_path, strerror(err));
	}
	ckpt_failpoint_after("rename", path, new_path);
	return 0;
}

/* Empties the directory open as cfd (path names it), a child of top: its
 * files and links are unlinked, its subdirectories moved up into top under
 * fresh names (*seq), so that no depth ever needs more than a few
 * descriptors; *hoisted says whether any was. dir: room to list it in. */
static int flatten(int top, const char *top_path, int cfd, const char *path, dev_t device,
		   unsigned long *seq, bool *hoisted, ckpt_dir_reader *dir)
{
	int rc = 0;
	const ckpt_dir_entry *entry;
	ckpt_dir_reader_init(dir, cfd); /* cfd was just opened: its listing starts at the top */
	while (rc == 0 && (entry = ckpt_dir_next(dir)) != NULL) {
		const char *name = entry->name;
		char *child = ckpt_path_join(path, name);
		struct stat st;
		if (!child)
			rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
		else if (fstatat(cfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			rc = fs_error("lstat", child, errno);
		else if (!S_ISDIR(st.st_mode))
			rc = unlink_entry(cfd, name, child, false);
		else if (st.st_dev != device)
			rc = ckpt_fail(CKPT_EUNSAFE,
				       "%s: is a mount point; refusing to remove below it", child);
		else {
			for (rc = 1; rc == 1;) {
				char new_name[64];
				snprintf(new_name, sizeof new_name, ".ckpt-removing-%lu", ++*seq);
				char *new_path = ckpt_path_join(top_path, new_name);
				rc = new_path ? hoist_entry(cfd, name, child, top, new_name, new_path)
					      : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
				free(new_path);
			}
			*hoisted = true;
		}
		free(child);
	}
	if (rc == 0 && dir->err)
		rc = fs_error("readdir", path, dir->err);
	return rc;
}

/* Empties the directory open as top: files and links are unlinked (a link
 * is removed, never followed), each subdirectory emptied (its own
 * subdirectories moved up into top) and removed, pass after pass until none
 * is left. Iterative, by descriptors opened with O_NOFOLLOW: any depth, a
 * directory swapped for a link midway fails to open instead of leading
 * outside, and nothing crosses into another file system. Listed with
 * getdents64 itself (opendir's stream would cost a dup, an fstat, two
 * fcntls and a seek on every epoch retention drops). */
static int empty_dir(int top, const char *path, dev_t device)
{
	ckpt_dir_reader *readers = malloc(2 * sizeof *readers); /* top's, a child's */
	if (!readers)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	unsigned long seq = 0;
	bool again = true;
	int rc = 0;
	for (bool first = true; rc == 0 && again; first = false) {
		again = false;
		/* A pass after the first lists top from its start again. */
		if (!first && lseek(top, 0, SEEK_SET) < 0) {
			rc = fs_error("readdir", path, errno);
			break;
		}
		ckpt_dir_reader_init(&readers[0], top);
		const ckpt_dir_entry *entry;
		while (rc == 0 && (entry = ckpt_dir_next(&readers[0])) != NULL) {
			const char *name = entry->name;
			char *child = ckpt_path_join(path, name);
			struct stat st;
			int cfd = -1;
			bool hoisted = false;
			if (!child)
				rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
			/* A file or a link, as the directory says: unlinked without a
			 * stat (an epoch is two files; only directories need one). */
			else if (entry->type == DT_REG || entry->type == DT_LNK)
				rc = unlink_entry(top, name, child, false);
			else if (fstatat(top, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
				rc = errno == ENOENT ? 0 : fs_error("lstat", child, errno);
			else if (!S_ISDIR(st.st_mode))
				rc = unlink_entry(top, name, child, false);
			else if (st.st_dev != device)
				rc = ckpt_fail(CKPT_EUNSAFE,
					       "%s: is a mount point; refusing to remove below it",
					       child);
			else if ((cfd = openat(top, name,
					       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				rc = fs_error("open", child, errno);
			else if ((rc = flatten(top, path, cfd, child, device, &seq, &hoisted,
					       &readers[1])) == 0)
				rc = unlink_entry(top, name, child, true);
			again = again || hoisted;
			if (cfd >= 0)
				close(cfd);
			free(child);
		}
		if (rc == 0 && readers[0].err)
			rc = fs_error("readdir", path, readers[0].err);
	}
	free(readers);
	return rc;
}

int ckpt_fs_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return fs_error("lstat", path, errno);
	}
	if (!S_ISDIR(st.st_mode))
		return ckpt_fs_unlink(path);
	struct stat parent;
	char *up = ckpt_path_join(path, "..");
	int parent_ok = up && lstat(up, &parent) == 0;
	free(up);
	if (parent_ok && parent.st_dev != st.st_dev)
		return ckpt_fail(CKPT_EUNSAFE, "%s: is a mount point; refusing to remove it", path);
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return fs_error("open", path, errno);
	int rc = empty_dir(dfd, path, st.st_dev);
	close(dfd);
	if (rc == 0)
		rc = ckpt_fs_rmdir(path);
	return rc;
}

int ckpt_fs_replace_symlink(const char *dir, const char *name, const char *target, bool sync)
{
	char tmp_name[300];
	snprintf(tmp_name, sizeof tmp_name, ".%s.tmp-%ld", name, (long)getpid());
	char *tmp = ckpt_path_join(dir, tmp_name);
	char *final = ckpt_path_join(dir, name);
	int rc = CKPT_ENOMEM;
	if (!tmp || !final) {
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", dir);
		goto out;
	}
	int err = 0;
	if ((rc = symlink_step(target, tmp, &err)) != 0) {
		/* A temporary link left by a crash of this same pid number is
		 * replaced (looked for only when the name is taken: one lstat
		 * less on every save). */
		struct stat st;
		if (err != EEXIST || lstat(tmp, &st) != 0 || !S_ISLNK(st.st_mode))
			goto out;
		if ((rc = ckpt_fs_unlink(tmp)) != 0 || (rc = ckpt_fs_symlink(target, tmp)) != 0)
			goto out;
	}
	if ((rc = ckpt_fs_rename(tmp, final)) != 0) {
		unlink(tmp);
		goto out;
	}
	rc = sync ? ckpt_fs_fsync_path(dir) : 0;
out:
	free(tmp);
	free(final);
	return rc;
}
