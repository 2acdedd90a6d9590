/* failpoint.c: the crash harness's step counter behind fsops.c's hooks, and
 * the power-loss model. Only in libckpt_faulty (CKPT_FAILPOINTS builds); one
 * armed operation per process, not thread-safe (the harness forks for each).
 *
 * Power loss is modelled conservatively, as ext4 with data=writeback could
 * behave or worse: nothing survives that was not explicitly made durable.
 * What is on disk when the harness arms is taken as durable. From then on:
 * - file data: a file keeps after a power cut the size it had at its last
 *   fsync; a file created, or truncated by a create, during the operation
 *   keeps 0 bytes until fsynced; appended data needs an fsync of the file.
 *   Files are followed by inode through a descriptor, so renames lose none.
 * - directory entries: a create, mkdir, symlink, unlink or rmdir is durable
 *   once its parent directory is fsynced after it; a rename once the parent
 *   of its destination is (the rename then counts as a whole); an exchange
 *   once both parents are. A power cut undoes the others, newest first.
 *   Parent directories are held open, so an undo lands in the right place
 *   whatever was renamed since; an undo that no longer applies (the entry
 *   moved on durably, or its directory is durably gone) is skipped.
 * - before an unlink or a rename over a file, the victim is hard-linked into
 *   the harness's stash directory, so that its removal can be undone.
 * The undo runs in the crashing process itself, just before its
 * _exit(CKPT_FAILPOINT_EXIT): no journal has to cross to the harness (an
 * incomplete undo exits with CKPT_FAILPOINT_EXIT_UNDO instead). */
#include "internal.h"
#include "failpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* A directory some recorded change was made in. */
typedef struct fp_dir {
	dev_t dev;
	ino_t ino;
	int fd;
	bool dead; /* removed: a new directory may reuse its inode number */
} fp_dir;

/* A file whose data a power cut may cut back. */
typedef struct fp_file {
	dev_t dev;
	ino_t ino;
	int fd;        /* write descriptor, to truncate wherever the file went */
	off_t durable; /* the size a power cut leaves */
} fp_file;

typedef enum fp_kind {
	FP_NEW,      /* create (of a new file), symlink */
	FP_NEW_DIR,  /* mkdir */
	FP_RENAME,   /* a → b, maybe over a victim at b */
	FP_EXCHANGE, /* a ⇄ b */
	FP_UNLINK,
	FP_RMDIR,
} fp_kind;

/* One directory-entry change, with what undoing it needs. */
typedef struct fp_change {
	fp_kind kind;
	size_t dir_a, dir_b; /* indexes into fp.dirs */
	char *name_a, *name_b;
	dev_t dev; /* the inode created, moved or removed (at a) */
	ino_t ino;
	dev_t dev_b; /* exchange: the inode that was at b */
	ino_t ino_b;
	char *stash;     /* stash name of the unlinked or renamed-over file */
	bool victim_dir; /* a rename replaced an empty directory */
	dev_t victim_dev;
	ino_t victim_ino;
	mode_t mode;   /* of a removed or replaced directory */
	bool new_file; /* FP_NEW of a regular file: track its data */
	bool durable_a, durable_b;
} fp_change;

static struct {
	ckpt_failpoint_mode mode;
	long target;
	unsigned flags;
	long steps;
	char **names; /* of the steps, as long as memory lasted */
	size_t n_names, cap_names;
	int stash_fd;
	long stash_seq;
	fp_dir *dirs;
	size_t n_dirs, cap_dirs;
	fp_file *files;
	size_t n_files, cap_files;
	fp_change *changes;
	size_t n_changes, cap_changes;
	fp_change pending;
	bool has_pending;
	bool truncating_create; /* the pending step is a create over an existing file */
	bool broken;            /* out of memory while recording: the model is incomplete */
} fp = {.stash_fd = -1};

/* ---- small helpers ---------------------------------------------------- */

static bool grow(void **items, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t bigger = *cap ? *cap * 2 : 32;
	while (bigger < need)
		bigger *= 2;
	void *moved = realloc(*items, bigger * size);
	if (!moved)
		return false;
	*items = moved;
	*cap = bigger;
	return true;
}

static bool power_loss(void)
{
	return (fp.flags & CKPT_FAILPOINT_POWER_LOSS) && fp.stash_fd >= 0;
}

static void name_step(long step, const char *op, const char *path, const char *path2)
{
	if ((size_t)step != fp.n_names + 1 ||
	    !grow((void **)&fp.names, &fp.cap_names, fp.n_names + 1, sizeof *fp.names))
		return;
	fp.names[fp.n_names++] =
	    path2 ? ckpt_sprintf("%s %s -> %s", op, path, path2) : ckpt_sprintf("%s %s", op, path);
}

/* The parent directory of path, held open in fp.dirs; false on failure. */
static bool parent_dir(size_t *out, const char *path, const char **out_name)
{
	const char *slash = strrchr(path, '/');
	char *parent = slash ? ckpt_sprintf("%.*s", (int)(slash == path ? 1 : slash - path), path)
			     : ckpt_strdup(".");
	*out_name = slash ? slash + 1 : path;
	int fd = parent ? open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	free(parent);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		/* A change made where the model cannot follow: say so at the cut. */
		if (errno != ENOENT && errno != ENOTDIR)
			fp.broken = true;
		if (fd >= 0)
			close(fd);
		return false;
	}
	for (size_t i = 0; i < fp.n_dirs; i++) {
		if (!fp.dirs[i].dead && fp.dirs[i].dev == st.st_dev &&
		    fp.dirs[i].ino == st.st_ino) {
			close(fd);
			*out = i;
			return true;
		}
	}
	if (!grow((void **)&fp.dirs, &fp.cap_dirs, fp.n_dirs + 1, sizeof *fp.dirs)) {
		close(fd);
		return false;
	}
	fp.dirs[fp.n_dirs] = (fp_dir){.dev = st.st_dev, .ino = st.st_ino, .fd = fd};
	*out = fp.n_dirs++;
	return true;
}

static fp_dir *find_dir(dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < fp.n_dirs; i++)
		if (fp.dirs[i].dev == dev && fp.dirs[i].ino == ino)
			return &fp.dirs[i];
	return NULL;
}

static fp_file *find_file(dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < fp.n_files; i++)
		if (fp.files[i].dev == dev && fp.files[i].ino == ino)
			return &fp.files[i];
	return NULL;
}

/* Follows the regular file at dirfd/name from now on; a file already
 * followed keeps its record unless `durable` must be lowered. */
static void track_file(int dirfd, const char *name, off_t durable, bool lower)
{
	int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 && errno != ENOENT && errno != ELOOP)
		fp.broken = true; /* data the cut could not cut back */
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	fp_file *known = find_file(st.st_dev, st.st_ino);
	if (known) {
		if (lower && durable < known->durable)
			known->durable = durable;
		close(fd);
		return;
	}
	if (!grow((void **)&fp.files, &fp.cap_files, fp.n_files + 1, sizeof *fp.files)) {
		close(fd);
		fp.broken = true;
		return;
	}
	fp.files[fp.n_files++] =
	    (fp_file){.dev = st.st_dev, .ino = st.st_ino, .fd = fd, .durable = durable};
}

/* A hard link to dirfd/name in the stash, so that removing it can be undone. */
static char *stash_victim(int dirfd, const char *name)
{
	char *stash = ckpt_sprintf("%ld", ++fp.stash_seq);
	if (stash && linkat(dirfd, name, fp.stash_fd, stash, 0) != 0) {
		free(stash);
		stash = NULL;
	}
	if (!stash)
		fp.broken = true;
	return stash;
}

static void drop_pending(void)
{
	if (!fp.has_pending)
		return;
	free(fp.pending.name_a);
	free(fp.pending.name_b);
	if (fp.pending.stash) {
		unlinkat(fp.stash_fd, fp.pending.stash, 0);
		free(fp.pending.stash);
	}
	memset(&fp.pending, 0, sizeof fp.pending);
	fp.has_pending = false;
	fp.truncating_create = false;
}

/* ---- recording a change: before the call, then after it --------------- */

/* The entry at path: its parent dir and name, and its inode if present. */
static bool entry_at(size_t *dir, char **name, struct stat *st, bool *exists, const char *path)
{
	const char *base;
	if (!parent_dir(dir, path, &base))
		return false;
	*name = ckpt_strdup(base);
	if (!*name)
		return false;
	*exists = fstatat(fp.dirs[*dir].fd, *name, st, AT_SYMLINK_NOFOLLOW) == 0;
	return true;
}

static bool prepare_rename(fp_change *c, const char *from, const char *to)
{
	struct stat st, victim;
	bool exists, victim_exists;
	c->kind = FP_RENAME;
	if (!entry_at(&c->dir_a, &c->name_a, &st, &exists, from) ||
	    !entry_at(&c->dir_b, &c->name_b, &victim, &victim_exists, to) || !exists)
		return false;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (victim_exists && S_ISDIR(victim.st_mode)) {
		c->victim_dir = true;
		c->victim_dev = victim.st_dev;
		c->victim_ino = victim.st_ino;
		c->mode = victim.st_mode & 07777;
	} else if (victim_exists) {
		c->stash = stash_victim(fp.dirs[c->dir_b].fd, c->name_b);
	}
	return true;
}

/* Fills fp.pending for op; false when the call will fail anyway. */
static bool prepare(const char *op, const char *path, const char *path2)
{
	fp_change *c = &fp.pending;
	struct stat st;
	bool exists;
	if (!strcmp(op, "rename"))
		return prepare_rename(c, path, path2);
	if (!strcmp(op, "fsync") || !strcmp(op, "write"))
		return false; /* no entry changes; the after hook handles fsync */
	if (!entry_at(&c->dir_a, &c->name_a, &st, &exists, path))
		return false;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (!strcmp(op, "mkdir")) {
		c->kind = FP_NEW_DIR;
		return !exists;
	}
	if (!strcmp(op, "symlink")) {
		c->kind = FP_NEW;
		return !exists;
	}
	if (!strcmp(op, "create") || !strcmp(op, "append")) {
		c->kind = FP_NEW;
		c->new_file = !exists;
		if (exists && !strcmp(op, "append")) {
			/* Not an entry change; what was there before is durable. */
			track_file(fp.dirs[c->dir_a].fd, c->name_a, st.st_size, false);
			return false;
		}
		fp.truncating_create = exists;
		return true;
	}
	if (!strcmp(op, "exchange")) {
		struct stat other;
		bool other_exists;
		c->kind = FP_EXCHANGE;
		if (!exists || !entry_at(&c->dir_b, &c->name_b, &other, &other_exists, path2) ||
		    !other_exists)
			return false;
		c->dev_b = other.st_dev;
		c->ino_b = other.st_ino;
		return true;
	}
	if (!strcmp(op, "unlink") && exists) {
		c->kind = FP_UNLINK;
		c->stash = stash_victim(fp.dirs[c->dir_a].fd, c->name_a);
		return true;
	}
	if (!strcmp(op, "rmdir") && exists) {
		c->kind = FP_RMDIR;
		c->mode = st.st_mode & 07777;
		return true;
	}
	return false;
}

static void commit_fsync(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	if (S_ISREG(st.st_mode)) {
		fp_file *file = find_file(st.st_dev, st.st_ino);
		if (file)
			file->durable = st.st_size;
		return;
	}
	for (size_t d = 0; d < fp.n_dirs; d++) {
		if (fp.dirs[d].dead || fp.dirs[d].dev != st.st_dev || fp.dirs[d].ino != st.st_ino)
			continue;
		for (size_t i = 0; i < fp.n_changes; i++) {
			if (fp.changes[i].dir_a == d)
				fp.changes[i].durable_a = true;
			if (fp.changes[i].dir_b == d)
				fp.changes[i].durable_b = true;
		}
	}
}

static void commit(void)
{
	fp_change *c = &fp.pending;
	int dirfd = fp.dirs[c->dir_a].fd;
	if (fp.truncating_create) {
		/* Not an entry change: the old data is gone, the new not yet durable. */
		track_file(dirfd, c->name_a, 0, true);
		drop_pending();
		return;
	}
	struct stat st;
	if ((c->kind == FP_NEW || c->kind == FP_NEW_DIR) &&
	    fstatat(dirfd, c->name_a, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	if (c->new_file)
		track_file(dirfd, c->name_a, 0, true);
	fp_dir *gone = NULL;
	if (c->kind == FP_RMDIR)
		gone = find_dir(c->dev, c->ino);
	else if (c->kind == FP_RENAME && c->victim_dir)
		gone = find_dir(c->victim_dev, c->victim_ino);
	if (gone)
		gone->dead = true;
	if (!grow((void **)&fp.changes, &fp.cap_changes, fp.n_changes + 1, sizeof *fp.changes)) {
		fp.broken = true;
		drop_pending();
		return;
	}
	fp.changes[fp.n_changes++] = *c;
	memset(c, 0, sizeof *c); /* the record owns the names now */
	fp.has_pending = false;
}

/* ---- the power cut ---------------------------------------------------- */

static bool entry_is(size_t dir, const char *name, dev_t dev, ino_t ino)
{
	struct stat st;
	return fstatat(fp.dirs[dir].fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == dev &&
	       st.st_ino == ino;
}

static bool entry_absent(size_t dir, const char *name)
{
	struct stat st;
	return fstatat(fp.dirs[dir].fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT;
}

static int remove_tree_at(int dirfd, const char *name, int depth)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dir = fd >= 0 && depth < 64 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int rc = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			rc |= remove_tree_at(fd, entry->d_name, depth + 1);
		else
			rc |= unlinkat(fd, entry->d_name, 0);
	}
	closedir(dir);
	return rc | unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* A directory made again by an undo replaces the removed one in fp.dirs, so
 * that older undos inside it land in the new one. */
static int remake_dir(size_t dir, const char *name, mode_t mode, dev_t old_dev, ino_t old_ino)
{
	if (mkdirat(fp.dirs[dir].fd, name, mode) != 0)
		return -1;
	fp_dir *old = find_dir(old_dev, old_ino);
	if (!old)
		return 0;
	int fd = openat(fp.dirs[dir].fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(old->fd);
	*old = (fp_dir){.dev = st.st_dev, .ino = st.st_ino, .fd = fd};
	return 0;
}

static bool is_durable(const fp_change *c)
{
	switch (c->kind) {
	case FP_RENAME: return c->durable_b;
	case FP_EXCHANGE: return c->durable_a && c->durable_b;
	default: return c->durable_a;
	}
}

/* Undoes one change; 0 also when it no longer applies, -1 on failure. */
static int undo(const fp_change *c)
{
	/* A directory durably gone takes its entries with it. */
	if (fp.dirs[c->dir_a].dead ||
	    ((c->kind == FP_RENAME || c->kind == FP_EXCHANGE) && fp.dirs[c->dir_b].dead))
		return 0;
	int fa = fp.dirs[c->dir_a].fd;
	switch (c->kind) {
	case FP_NEW:
		return entry_is(c->dir_a, c->name_a, c->dev, c->ino) ? unlinkat(fa, c->name_a, 0)
								     : 0;
	case FP_NEW_DIR:
		return entry_is(c->dir_a, c->name_a, c->dev, c->ino)
			   ? remove_tree_at(fa, c->name_a, 0)
			   : 0;
	case FP_UNLINK:
		if (!c->stash)
			return -1;
		return entry_absent(c->dir_a, c->name_a)
			   ? linkat(fp.stash_fd, c->stash, fa, c->name_a, 0)
			   : 0;
	case FP_RMDIR:
		return entry_absent(c->dir_a, c->name_a)
			   ? remake_dir(c->dir_a, c->name_a, c->mode, c->dev, c->ino)
			   : 0;
	case FP_EXCHANGE:
		if (!entry_is(c->dir_a, c->name_a, c->dev_b, c->ino_b) ||
		    !entry_is(c->dir_b, c->name_b, c->dev, c->ino))
			return 0;
		return renameat2(fa, c->name_a, fp.dirs[c->dir_b].fd, c->name_b, RENAME_EXCHANGE);
	case FP_RENAME: break;
	}
	int fb = fp.dirs[c->dir_b].fd;
	if (!entry_is(c->dir_b, c->name_b, c->dev, c->ino) || !entry_absent(c->dir_a, c->name_a))
		return 0;
	if (renameat(fb, c->name_b, fa, c->name_a) != 0)
		return -1;
	if (c->stash)
		return linkat(fp.stash_fd, c->stash, fb, c->name_b, 0);
	if (c->victim_dir)
		return remake_dir(c->dir_b, c->name_b, c->mode, c->victim_dev, c->victim_ino);
	return 0;
}

int ckpt_failpoint_power_cut(void)
{
	int failures = fp.broken ? 1 : 0;
	drop_pending();
	for (size_t i = 0; i < fp.n_files; i++) {
		struct stat st;
		fp_file *file = &fp.files[i];
		if (fstat(file->fd, &st) == 0 && st.st_size > file->durable &&
		    ftruncate(file->fd, file->durable) != 0)
			failures++;
	}
	for (size_t i = fp.n_changes; i-- > 0;)
		if (!is_durable(&fp.changes[i]) && undo(&fp.changes[i]) != 0)
			failures++;
	return failures;
}

/* ---- the hooks and the harness's calls -------------------------------- */

static void crash(void)
{
	if (power_loss() && ckpt_failpoint_power_cut() != 0)
		_exit(CKPT_FAILPOINT_EXIT_UNDO);
	_exit(CKPT_FAILPOINT_EXIT);
}

int ckpt_failpoint_before(const char *op, const char *path, const char *path2)
{
	if (fp.mode == CKPT_FAILPOINT_OFF)
		return 0;
	if ((fp.flags & CKPT_FAILPOINT_NO_EXCHANGE) && !strcmp(op, "exchange"))
		return EINVAL;
	drop_pending();
	long step = ++fp.steps;
	name_step(step, op, path, path2);
	if (step == fp.target) {
		switch (fp.mode) {
		case CKPT_FAILPOINT_CRASH_BEFORE: crash(); break;
		case CKPT_FAILPOINT_FAIL_EIO: return EIO;
		case CKPT_FAILPOINT_FAIL_ENOSPC: return ENOSPC;
		case CKPT_FAILPOINT_FAIL_EACCES: return EACCES;
		default: break;
		}
	}
	if (power_loss()) {
		fp.has_pending = true;
		if (!prepare(op, path, path2))
			drop_pending();
	}
	return 0;
}

void ckpt_failpoint_after(const char *op, const char *path, const char *path2)
{
	(void)path2;
	if (fp.mode == CKPT_FAILPOINT_OFF)
		return;
	if (power_loss() && !strcmp(op, "fsync"))
		commit_fsync(path);
	else if (power_loss() && fp.has_pending)
		commit();
	if (fp.mode == CKPT_FAILPOINT_CRASH_AFTER && fp.steps == fp.target)
		crash();
}

void ckpt_failpoint_disarm(void)
{
	drop_pending();
	for (size_t i = 0; i < fp.n_names; i++)
		free(fp.names[i]);
	free(fp.names);
	for (size_t i = 0; i < fp.n_dirs; i++)
		close(fp.dirs[i].fd);
	free(fp.dirs);
	for (size_t i = 0; i < fp.n_files; i++)
		close(fp.files[i].fd);
	free(fp.files);
	for (size_t i = 0; i < fp.n_changes; i++) {
		free(fp.changes[i].name_a);
		free(fp.changes[i].name_b);
		free(fp.changes[i].stash);
	}
	free(fp.changes);
	if (fp.stash_fd >= 0)
		close(fp.stash_fd);
	memset(&fp, 0, sizeof fp);
	fp.stash_fd = -1;
}

int ckpt_failpoint_arm(ckpt_failpoint_mode mode, long step, unsigned flags, const char *stash_dir)
{
	ckpt_failpoint_disarm();
	if (flags & CKPT_FAILPOINT_POWER_LOSS) {
		if (!stash_dir)
			return -EINVAL;
		fp.stash_fd = open(stash_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fp.stash_fd < 0)
			return -errno;
	}
	fp.mode = mode;
	fp.target = step;
	fp.flags = flags;
	return 0;
}

long ckpt_failpoint_steps(void)
{
	return fp.steps;
}

const char *ckpt_failpoint_step_name(long step)
{
	if (step < 1 || (size_t)step > fp.n_names)
		return NULL;
	return fp.names[step - 1];
}
