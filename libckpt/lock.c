/* lock.c: the run's writer lock, R/ckpt.lock: an OFD write lock on the file
 * plus who holds it ({"pid", "host", "since"}) for the messages and the
 * browser. A killed writer's lock vanishes with it; its file is harmless. */
#include "internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Enough for {"pid", "host", "since"}; anything longer is not ours. */
#define LOCK_MAX_BYTES 4096

struct ckpt_lock {
	int fd;
	char *path;
	char *note; /* what taking it had to put right, for the caller to log */
};

typedef struct lock_holder {
	long pid;
	char host[256];
	char since[32];
} lock_holder;

static void copy_text(char *out, size_t size, const char *text)
{
	snprintf(out, size, "%s", text);
}

/* Reads who holds the lock from fd; garbage (or a holder that has not
 * written yet) gives pid 0 and host/since "?". */
static void read_holder(lock_holder *holder, int fd)
{
	holder->pid = 0;
	copy_text(holder->host, sizeof holder->host, "?");
	copy_text(holder->since, sizeof holder->since, "?");
	char text[LOCK_MAX_BYTES];
	ssize_t len = pread(fd, text, sizeof text - 1, 0);
	if (len <= 0)
		return;
	text[len] = '\0';
	/* Through ckpt_json_parse: it guards cJSON's known parser bugs. */
	cJSON *json = NULL;
	if (ckpt_json_parse(&json, text, (size_t)len, CKPT_LOCK_NAME) != 0)
		return;
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(json, "pid");
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(json, "host");
	const cJSON *since = cJSON_GetObjectItemCaseSensitive(json, "since");
	if (cJSON_IsNumber(pid) && pid->valuedouble >= 0 && pid->valuedouble < 1e12)
		holder->pid = (long)pid->valuedouble;
	if (cJSON_IsString(host) && host->valuestring[0])
		copy_text(holder->host, sizeof holder->host, host->valuestring);
	if (cJSON_IsString(since) && since->valuestring[0])
		copy_text(holder->since, sizeof holder->since, since->valuestring);
	cJSON_Delete(json);
}

static int write_holder(int fd, const char *path)
{
	char since[32];
	ckpt_timestamp_now(since);
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	ckpt_buf_printf(&buf, "{\"pid\": %ld, \"host\": ", (long)getpid());
	ckpt_buf_json_string(&buf, ckpt_hostname());
	ckpt_buf_puts(&buf, ", \"since\": ");
	ckpt_buf_json_string(&buf, since);
	ckpt_buf_puts(&buf, "}\n");
	if (buf.oom) {
		ckpt_buf_free(&buf);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	}
	int rc = 0;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf.data, buf.len, 0) != (ssize_t)buf.len)
		rc = ckpt_fail(CKPT_EIO, "%s: cannot record the lock holder: %s", path,
			       strerror(errno));
	ckpt_buf_free(&buf);
	return rc;
}

static struct flock whole_file(short type)
{
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	return fl;
}

bool ckpt_lock_holder_gone(int64_t pid, const char *host)
{
	return pid > 0 && host && strcmp(host, ckpt_hostname()) == 0 &&
	       kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static int refuse_held(const char *root, int fd)
{
	lock_holder holder;
	read_holder(&holder, fd);
	/* The lock belongs to an open file, so a child the writer forked (a
	 * data loader) keeps it after the writer itself has died. */
	bool writer_gone = ckpt_lock_holder_gone(holder.pid, holder.host);
	return ckpt_fail(CKPT_ELOCKED, "%s: a writer holds the lock (pid %ld on %s since %s)%s",
			 root, holder.pid, holder.host, holder.since,
			 writer_gone ? "; that pid has exited, so a process it forked "
				       "still holds the lock: stop it (create the "
				       "writer after forking workers)"
				     : "");
}

/* True when path still names the file open as fd: a releaser removes the
 * lock file, so a lock taken on a file it has just removed is no lock. */
static bool still_named(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* One try: 0 with *out_fd locked, 1 to try again, or an error. A lock
 * file with another name (a hard link: ln /tmp/precious R/ckpt.lock) is
 * never written: locked first, so that a holder is respected, its name here
 * is removed (harmless to the other name) and a fresh file made; *links
 * says how many names it had. */
static int try_lock(int *out_fd, nlink_t *links, const char *root, const char *path)
{
	*out_fd = -1;
	/* Not checkpoint data: created directly, outside fsops' crash steps. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
	if (fd < 0) {
		int err = errno;
		if (err == ELOOP)
			return ckpt_fail(CKPT_EUNSAFE,
					 "%s: is a symbolic link; refusing to use it as the lock "
					 "(remove it)",
					 path);
		return ckpt_fail(ckpt_code_from_errno(err), "%s: cannot open the writer lock: %s",
				 path, strerror(err));
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ckpt_fail(CKPT_EUNSAFE,
				 "%s: not a regular file; refusing to use it as the lock", path);
	}
	struct flock fl = whole_file(F_WRLCK);
	if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
		int err = errno;
		int rc = err == EAGAIN || err == EACCES
			     ? refuse_held(root, fd)
			     : ckpt_fail(CKPT_EIO, "%s: cannot lock: %s", path, strerror(err));
		close(fd);
		return rc;
	}
	if (!still_named(fd, path)) {
		close(fd);
		return 1;
	}
	if (st.st_nlink != 1) {
		*links = st.st_nlink;
		int rc = unlink(path) == 0 ? 1
					   : ckpt_fail(CKPT_EUNSAFE,
						       "%s: has %lu links (another name for the same "
						       "file) and cannot be replaced: %s",
						       path, (unsigned long)st.st_nlink,
						       strerror(errno));
		close(fd);
		return rc;
	}
	*out_fd = fd;
	return 0;
}

int ckpt_lock_acquire(ckpt_lock **out, const char *root)
{
	*out = NULL;
	char *path = ckpt_path_join(root, CKPT_LOCK_NAME);
	if (!path)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	int fd = -1, rc = 1;
	nlink_t links = 1;
	/* Each retry means another process released the lock meanwhile, or a
	 * hard-linked lock file was replaced. */
	for (int tries = 0; rc == 1 && tries < 100; tries++)
		rc = try_lock(&fd, &links, root, path);
	if (rc == 1)
		rc = ckpt_fail(CKPT_ELOCKED, "%s: the lock keeps changing hands; try again", root);
	if (!rc)
		rc = write_holder(fd, path);
	ckpt_lock *lock = rc ? NULL : calloc(1, sizeof *lock);
	if (!rc && !lock)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	if (!rc && !(lock->path = ckpt_strdup(path)))
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	if (!rc && links != 1 &&
	    !(lock->note = ckpt_sprintf("%s had %lu links (another name for the same file): "
					"replaced by a new file, the other name left as it was",
					CKPT_LOCK_NAME, (unsigned long)links)))
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	free(path);
	if (rc) {
		if (fd >= 0)
			close(fd); /* closing the only descriptor drops the OFD lock */
		if (lock)
			free(lock->path);
		free(lock);
		return rc;
	}
	lock->fd = fd;
	*out = lock;
	return 0;
}

/* The lock file goes with the lock, so that no run is left with a ckpt.lock
 * naming a pid that is long gone (a browser operation on one of the
 * original's runs leaves it as it found it). Removed while still held: a
 * process that opened it meanwhile sees the name gone and tries again. */
void ckpt_lock_release(ckpt_lock *lock)
{
	if (!lock)
		return;
	/* Where the file cannot go (a read-only root), it at least names no one;
	 * never emptied when it has another name (linked since we took it). */
	struct stat st;
	if (still_named(lock->fd, lock->path) && unlink(lock->path) != 0 &&
	    fstat(lock->fd, &st) == 0 && st.st_nlink == 1 && ftruncate(lock->fd, 0) != 0) {
		/* Nothing more to do: an unlocked file names no live writer anyway. */
	}
	struct flock fl = whole_file(F_UNLCK);
	fcntl(lock->fd, F_OFD_SETLK, &fl);
	close(lock->fd);
	free(lock->path);
	free(lock->note);
	free(lock);
}

const char *ckpt_lock_note(const ckpt_lock *lock)
{
	return lock ? lock->note : NULL;
}

int ckpt_lock_probe(bool *out_live, long *pid, char host[256], char since[32], const char *root)
{
	*out_live = false;
	if (pid)
		*pid = 0;
	if (host)
		host[0] = '\0';
	if (since)
		since[0] = '\0';
	char *path = ckpt_path_join(root, CKPT_LOCK_NAME);
	if (!path)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	int rc = 0;
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT || err == ENOTDIR) {
			free(path);
			return 0;
		}
		rc = ckpt_fail(ckpt_code_from_errno(err), "%s: cannot read the writer lock: %s",
			       path, strerror(err));
		free(path);
		return rc;
	}
	/* OFD locks conflict between descriptors even in one process, so this
	 * also sees a writer of the calling process. */
	struct flock fl = whole_file(F_WRLCK);
	if (fcntl(fd, F_OFD_GETLK, &fl) != 0) {
		rc = ckpt_fail(CKPT_EIO, "%s: cannot query the lock: %s", path, strerror(errno));
	} else if (fl.l_type != F_UNLCK) {
		lock_holder holder;
		read_holder(&holder, fd);
		*out_live = true;
		if (pid)
			*pid = holder.pid;
		if (host)
			copy_text(host, 256, holder.host);
		if (since)
			copy_text(since, 32, holder.since);
	}
	close(fd);
	free(path);
	return rc;
}
