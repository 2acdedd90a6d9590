/* failpoint-power.c: the power-loss model of the crash harness. Power loss
 * is modelled conservatively, as ext4 with data=writeback could behave or
 * worse: nothing survives that was not explicitly made durable, and of what
 * was not, a partial cut keeps any subset that each directory's and each
 * file's own order allows (ALICE's model). What is on disk when the harness
 * arms is taken as durable. From then on:
 * - file data: each write or append is a change of its file, durable once
 *   the file is fsynced after it; a file created, or truncated by a create,
 *   during the operation has 0 durable bytes before that. Files are followed
 *   by inode through a descriptor, so renames lose none.
 * - directory entries: a create, mkdir, symlink, unlink or rmdir is a
 *   change of its parent directory, durable once that directory is fsynced
 *   after it; a rename or an exchange is a change of both parents, durable
 *   only once both are. Parent directories are held open, so an undo lands
 *   in the right place whatever was renamed since; an undo that no longer
 *   applies (the entry moved on durably, or its directory is durably gone)
 *   is skipped.
 * - before an unlink or a rename over a file, the victim is hard-linked into
 *   the harness's stash directory, so that its removal can be undone.
 * A cut keeps a consistent subset of the changes that are not durable (a
 * change only with every earlier one of each directory or file it belongs
 * to), undoes the others newest first and cuts files back to the data kept.
 * It runs in the crashing process itself, just before its
 * _exit(CKPT_FAILPOINT_EXIT): no journal has to cross to the harness (an
 * incomplete undo exits with CKPT_FAILPOINT_EXIT_UNDO instead). */
#include "internal.h"
#include "failpoint-model.h"

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
	int fd;     /* write descriptor, to truncate wherever the file went */
	off_t base; /* the size a cut leaves when none of its unsynced writes survive */
} fp_file;

typedef enum fp_kind {
	FP_NEW,      /* create (of a new file), symlink */
	FP_NEW_DIR,  /* mkdir */
	FP_RENAME,   /* a → b, maybe over a victim at b */
	FP_EXCHANGE, /* a ⇄ b */
	FP_UNLINK,
	FP_RMDIR,
	FP_DATA, /* a write or an append: the file's size after it */
} fp_kind;

/* One change, with what undoing it needs. */
typedef struct fp_change {
	fp_kind kind;
	size_t dir_a, dir_b; /* indexes into model.dirs (FP_DATA: file is model.files') */
	size_t file;
	off_t size;
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
	bool on;
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
	long subset_index, subset_budget;
	ckpt_failpoint_cut_report *report;
} model = {.stash_fd = -1};

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

bool fp_model_on(void)
{
	return model.on && model.stash_fd >= 0;
}

/* The parent directory of path, held open in model.dirs; false on failure. */
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
			model.broken = true;
		if (fd >= 0)
			close(fd);
		return false;
	}
	for (size_t i = 0; i < model.n_dirs; i++) {
		if (!model.dirs[i].dead && model.dirs[i].dev == st.st_dev &&
		    model.dirs[i].ino == st.st_ino) {
			close(fd);
			*out = i;
			return true;
		}
	}
	if (!grow((void **)&model.dirs, &model.cap_dirs, model.n_dirs + 1, sizeof *model.dirs)) {
		close(fd);
		return false;
	}
	model.dirs[model.n_dirs] = (fp_dir){.dev = st.st_dev, .ino = st.st_ino, .fd = fd};
	*out = model.n_dirs++;
	return true;
}

static fp_dir *find_dir(dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < model.n_dirs; i++)
		if (model.dirs[i].dev == dev && model.dirs[i].ino == ino)
			return &model.dirs[i];
	return NULL;
}

static long find_file(dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < model.n_files; i++)
		if (model.files[i].dev == dev && model.files[i].ino == ino)
			return (long)i;
	return -1;
}

/* Follows the regular file at dirfd/name from now on; a file already
 * followed keeps its record unless `base` must be lowered. */
static void track_file(int dirfd, const char *name, off_t base, bool lower)
{
	int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 && errno != ENOENT && errno != ELOOP)
		model.broken = true; /* data the cut could not cut back */
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	long known = find_file(st.st_dev, st.st_ino);
	if (known >= 0) {
		if (lower && base < model.files[known].base)
			model.files[known].base = base;
		close(fd);
		return;
	}
	if (!grow((void **)&model.files, &model.cap_files, model.n_files + 1,
		  sizeof *model.files)) {
		close(fd);
		model.broken = true;
		return;
	}
	model.files[model.n_files++] =
	    (fp_file){.dev = st.st_dev, .ino = st.st_ino, .fd = fd, .base = base};
}

/* A hard link to dirfd/name in the stash, so that removing it can be undone. */
static char *stash_victim(int dirfd, const char *name)
{
	char *stash = ckpt_sprintf("%ld", ++model.stash_seq);
	if (stash && linkat(dirfd, name, model.stash_fd, stash, 0) != 0) {
		free(stash);
		stash = NULL;
	}
	if (!stash)
		model.broken = true;
	return stash;
}

void fp_model_drop_pending(void)
{
	if (!model.has_pending)
		return;
	free(model.pending.name_a);
	free(model.pending.name_b);
	if (model.pending.stash) {
		unlinkat(model.stash_fd, model.pending.stash, 0);
		free(model.pending.stash);
	}
	memset(&model.pending, 0, sizeof model.pending);
	model.has_pending = false;
	model.truncating_create = false;
}

static bool add_change(const fp_change *c)
{
	if (!grow((void **)&model.changes, &model.cap_changes, model.n_changes + 1,
		  sizeof *model.changes)) {
		model.broken = true;
		return false;
	}
	model.changes[model.n_changes++] = *c;
	return true;
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
	*exists = fstatat(model.dirs[*dir].fd, *name, st, AT_SYMLINK_NOFOLLOW) == 0;
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
		c->stash = stash_victim(model.dirs[c->dir_b].fd, c->name_b);
	}
	return true;
}

/* Fills model.pending for op; false when there is no entry change to record. */
static bool prepare(const char *op, const char *path, const char *path2)
{
	fp_change *c = &model.pending;
	struct stat st;
	bool exists;
	if (!strcmp(op, "rename"))
		return prepare_rename(c, path, path2);
	if (!strcmp(op, "fsync") || !strcmp(op, "write"))
		return false; /* no entry changes; the after hook records fsync and data */
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
			track_file(model.dirs[c->dir_a].fd, c->name_a, st.st_size, false);
			return false;
		}
		model.truncating_create = exists;
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
		c->stash = stash_victim(model.dirs[c->dir_a].fd, c->name_a);
		return true;
	}
	if (!strcmp(op, "rmdir") && exists) {
		c->kind = FP_RMDIR;
		c->mode = st.st_mode & 07777;
		return true;
	}
	return false;
}

void fp_model_before(const char *op, const char *path, const char *path2)
{
	model.has_pending = true;
	if (!prepare(op, path, path2))
		fp_model_drop_pending();
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
		long file = find_file(st.st_dev, st.st_ino);
		if (file < 0)
			return;
		model.files[file].base = st.st_size;
		for (size_t i = 0; i < model.n_changes; i++)
			if (model.changes[i].kind == FP_DATA && model.changes[i].file == (size_t)file)
				model.changes[i].durable_a = true;
		return;
	}
	for (size_t d = 0; d < model.n_dirs; d++) {
		if (model.dirs[d].dead || model.dirs[d].dev != st.st_dev ||
		    model.dirs[d].ino != st.st_ino)
			continue;
		for (size_t i = 0; i < model.n_changes; i++) {
			fp_change *c = &model.changes[i];
			if (c->kind == FP_DATA)
				continue;
			if (c->dir_a == d)
				c->durable_a = true;
			if ((c->kind == FP_RENAME || c->kind == FP_EXCHANGE) && c->dir_b == d)
				c->durable_b = true;
		}
	}
}

/* A write or an append landed: the file's new size is a change of its own. */
static void record_data(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	bool ok = fd >= 0 && fstat(fd, &st) == 0;
	if (fd >= 0)
		close(fd);
	long file = ok ? find_file(st.st_dev, st.st_ino) : -1;
	if (file < 0) {
		model.broken = model.broken || ok; /* data the cut could not cut back */
		return;
	}
	fp_change c = {.kind = FP_DATA, .file = (size_t)file, .size = st.st_size};
	add_change(&c);
}

static void commit(void)
{
	fp_change *c = &model.pending;
	int dirfd = model.dirs[c->dir_a].fd;
	if (model.truncating_create) {
		/* Not an entry change: the old data is gone, the new not yet durable. */
		track_file(dirfd, c->name_a, 0, true);
		fp_model_drop_pending();
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
	if (c->kind == FP_RENAME && c->dir_a == c->dir_b)
		c->durable_b = c->durable_a; /* one directory: one fsync makes it durable */
	if (!add_change(c)) {
		fp_model_drop_pending();
		return;
	}
	memset(c, 0, sizeof *c); /* the record owns the names now */
	model.has_pending = false;
}

void fp_model_after(const char *op, const char *path)
{
	if (!strcmp(op, "fsync")) {
		commit_fsync(path);
		return;
	}
	if (model.has_pending)
		commit();
	if (!strcmp(op, "write") || !strcmp(op, "append"))
		record_data(path);
}

/* ---- choosing what a cut keeps ----------------------------------------- */

static bool is_durable(const fp_change *c)
{
	switch (c->kind) {
	case FP_RENAME:
	case FP_EXCHANGE: return c->durable_a && c->durable_b;
	default: return c->durable_a;
	}
}

/* The directories or file a change belongs to, as object numbers
 * (directories even, files odd); returns how many (1 or 2). */
static int objects_of(const fp_change *c, size_t out[2])
{
	if (c->kind == FP_DATA) {
		out[0] = 2 * c->file + 1;
		return 1;
	}
	out[0] = 2 * c->dir_a;
	if ((c->kind == FP_RENAME || c->kind == FP_EXCHANGE) && c->dir_b != c->dir_a) {
		out[1] = 2 * c->dir_b;
		return 2;
	}
	return 1;
}

/* The changes a cut may undo (indexes into model.changes) and, per change,
 * whether the cut keeps it (failpoint-cut.c chooses). */
typedef struct cut_plan {
	size_t *pending;
	size_t n;
	bool *keep;
} cut_plan;

static bool plan_cut(cut_plan *p)
{
	memset(p, 0, sizeof *p);
	p->pending = calloc(model.n_changes + 1, sizeof *p->pending);
	p->keep = calloc(model.n_changes + 1, sizeof *p->keep);
	fp_change_objects *objects = calloc(model.n_changes + 1, sizeof *objects);
	bool ok = p->pending && p->keep && objects;
	for (size_t i = 0; ok && i < model.n_changes; i++) {
		if (is_durable(&model.changes[i]))
			continue;
		objects[p->n].n = objects_of(&model.changes[i], objects[p->n].id);
		p->pending[p->n++] = i;
	}
	size_t n_objects = 2 * (model.n_dirs > model.n_files ? model.n_dirs : model.n_files) + 2;
	ok = ok && fp_choose_subset(p->keep, objects, p->n, n_objects, model.subset_index,
				    model.subset_budget, model.report);
	free(objects);
	return ok;
}

static void free_plan(cut_plan *p)
{
	free(p->pending);
	free(p->keep);
}

/* ---- the power cut ---------------------------------------------------- */

static bool entry_is(size_t dir, const char *name, dev_t dev, ino_t ino)
{
	struct stat st;
	return fstatat(model.dirs[dir].fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_dev == dev && st.st_ino == ino;
}

static bool entry_absent(size_t dir, const char *name)
{
	struct stat st;
	return fstatat(model.dirs[dir].fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT;
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

/* A directory made again by an undo replaces the removed one in model.dirs,
 * so that older undos inside it land in the new one. */
static int remake_dir(size_t dir, const char *name, mode_t mode, dev_t old_dev, ino_t old_ino)
{
	if (mkdirat(model.dirs[dir].fd, name, mode) != 0)
		return -1;
	fp_dir *old = find_dir(old_dev, old_ino);
	if (!old)
		return 0;
	int fd = openat(model.dirs[dir].fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

/* Undoes one entry change; 0 also when it no longer applies, -1 on failure. */
static int undo(const fp_change *c)
{
	/* A directory durably gone takes its entries with it. */
	if (model.dirs[c->dir_a].dead ||
	    ((c->kind == FP_RENAME || c->kind == FP_EXCHANGE) && model.dirs[c->dir_b].dead))
		return 0;
	int fa = model.dirs[c->dir_a].fd;
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
			   ? linkat(model.stash_fd, c->stash, fa, c->name_a, 0)
			   : 0;
	case FP_RMDIR:
		return entry_absent(c->dir_a, c->name_a)
			   ? remake_dir(c->dir_a, c->name_a, c->mode, c->dev, c->ino)
			   : 0;
	case FP_EXCHANGE:
		if (!entry_is(c->dir_a, c->name_a, c->dev_b, c->ino_b) ||
		    !entry_is(c->dir_b, c->name_b, c->dev, c->ino))
			return 0;
		return renameat2(fa, c->name_a, model.dirs[c->dir_b].fd, c->name_b,
				 RENAME_EXCHANGE);
	case FP_DATA: return 0; /* the files are cut back apart */
	case FP_RENAME: break;
	}
	int fb = model.dirs[c->dir_b].fd;
	if (!entry_is(c->dir_b, c->name_b, c->dev, c->ino) || !entry_absent(c->dir_a, c->name_a))
		return 0;
	if (renameat(fb, c->name_b, fa, c->name_a) != 0)
		return -1;
	if (c->stash)
		return linkat(model.stash_fd, c->stash, fb, c->name_b, 0);
	if (c->victim_dir)
		return remake_dir(c->dir_b, c->name_b, c->mode, c->victim_dev, c->victim_ino);
	return 0;
}

/* Each file keeps the data of its last write the cut keeps (its base when
 * it keeps none of them). */
static int cut_files(const cut_plan *p)
{
	int failures = 0;
	off_t *size = calloc(model.n_files ? model.n_files : 1, sizeof *size);
	if (!size)
		return 1;
	for (size_t f = 0; f < model.n_files; f++)
		size[f] = model.files[f].base;
	for (size_t i = 0; i < p->n; i++) {
		const fp_change *c = &model.changes[p->pending[i]];
		if (c->kind == FP_DATA && p->keep[i] && c->size > size[c->file])
			size[c->file] = c->size;
	}
	for (size_t f = 0; f < model.n_files; f++) {
		struct stat st;
		if (fstat(model.files[f].fd, &st) == 0 && st.st_size > size[f] &&
		    ftruncate(model.files[f].fd, size[f]) != 0)
			failures++;
	}
	free(size);
	return failures;
}

int fp_model_cut(void)
{
	if (!fp_model_on())
		return 0;
	int failures = model.broken ? 1 : 0;
	fp_model_drop_pending();
	cut_plan p;
	if (!plan_cut(&p)) {
		free_plan(&p);
		return failures + 1;
	}
	failures += cut_files(&p);
	for (size_t i = p.n; i-- > 0;)
		if (!p.keep[i] && undo(&model.changes[p.pending[i]]) != 0)
			failures++;
	free_plan(&p);
	return failures;
}

/* ---- arming ------------------------------------------------------------ */

int fp_model_reset(const char *stash_dir)
{
	fp_model_drop_pending();
	for (size_t i = 0; i < model.n_dirs; i++)
		close(model.dirs[i].fd);
	free(model.dirs);
	for (size_t i = 0; i < model.n_files; i++)
		close(model.files[i].fd);
	free(model.files);
	for (size_t i = 0; i < model.n_changes; i++) {
		free(model.changes[i].name_a);
		free(model.changes[i].name_b);
		free(model.changes[i].stash);
	}
	free(model.changes);
	if (model.stash_fd >= 0)
		close(model.stash_fd);
	memset(&model, 0, sizeof model);
	model.stash_fd = -1;
	if (!stash_dir)
		return 0;
	model.stash_fd = open(stash_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (model.stash_fd < 0)
		return -errno;
	model.on = true;
	return 0;
}

void ckpt_failpoint_power_subset(long index, long budget, ckpt_failpoint_cut_report *report)
{
	model.subset_index = index;
	model.subset_budget = budget;
	model.report = report;
}
