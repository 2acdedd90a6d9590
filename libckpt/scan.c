/* scan.c: finding checkpoint runs: where the root of a run folder is (both
 * layouts), and walking a tree of many runs without following symlinks,
 * with one readdir per folder and bounded work on any tree. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCAN_DEFAULT_DEPTH 6
/* No cycles are possible without following links, but a hostile or huge
 * tree must still end: this is far beyond any real experiment folder. */
#define SCAN_MAX_FOLDERS 1000000
#define SCAN_MAX_FOLDERS_TEXT "1000000"
#define SCAN_REPORT_EVERY 64

struct ckpt_run_list {
	ckpt_run **runs;
	size_t n_runs;
	char **problems;
	size_t n_problems;
};

/* What a folder holds that tells a run apart, from lstat or readdir. */
typedef struct run_marks {
	bool epochs, log, best, last, work; /* any type */
	bool ckpts_dir;                     /* ckpts/, a real directory */
	bool save_dir;                      /* save/, a real directory */
} run_marks;

/* ---- locating a root --------------------------------------------------- */

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

static bool marks_root(const run_marks *m)
{
	return m->epochs || (m->log && (m->best || m->last || m->work));
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

/* The root of the run in dir (an absolute canonical path, kept by the
 * location or freed) given what dir holds; `shown` names it in errors. */
static int locate_marked(ckpt_run_location *loc, char *dir, int dfd, const run_marks *m,
			 const char *shown)
{
	char *root = NULL;
	if (marks_root(m))
		root = dir, dir = NULL;
	else if (m->ckpts_dir)
		root = ckpt_path_join(dir, "ckpts");
	else if (m->save_dir && real_dir_at(dfd, "save/ckpts"))
		root = ckpt_path_join(dir, "save/ckpts");
	else {
		free(dir);
		return ckpt_fail(
		    CKPT_ENOENT,
		    "%s: no checkpoint run here (looked for epochs/, ckpts/, save/ckpts/)", shown);
	}
	free(dir);
	if (!root)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", shown);
	return finish_location(loc, root);
}

static void marks_by_lstat(run_marks *m, int dfd)
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

/* Opens path as a directory: *out_real is its canonical form. */
static int open_folder(int *out_fd, char **out_real, const char *path)
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

int ckpt_run_locate(ckpt_run_location *out, const char *path)
{
	memset(out, 0, sizeof *out);
	if (!path)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_open: no path");
	int dfd;
	char *real;
	int rc = open_folder(&dfd, &real, path);
	if (rc)
		return rc;
	run_marks m;
	marks_by_lstat(&m, dfd);
	rc = locate_marked(out, real, dfd, &m, path);
	close(dfd);
	return rc;
}

/* ---- the list ------------------------------------------------------------ */

void ckpt_run_list_free(ckpt_run_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n_runs; i++)
		ckpt_run_unref(list->runs[i]);
	for (size_t i = 0; i < list->n_problems; i++)
		free(list->problems[i]);
	free(list->runs);
	free(list->problems);
	free(list);
}

size_t ckpt_run_list_count(const ckpt_run_list *list)
{
	return list ? list->n_runs : 0;
}

ckpt_run *ckpt_run_list_get(const ckpt_run_list *list, size_t i)
{
	return list && i < list->n_runs ? list->runs[i] : NULL;
}

size_t ckpt_run_list_problems(const ckpt_run_list *list)
{
	return list ? list->n_problems : 0;
}

const char *ckpt_run_list_problem(const ckpt_run_list *list, size_t i)
{
	return list && i < list->n_problems ? list->problems[i] : NULL;
}

static int add_problem(ckpt_run_list *list, const char *shown, const char *cause)
{
	char *text = ckpt_sprintf("%s: %s", shown, cause);
	char **grown =
	    text ? reallocarray(list->problems, list->n_problems + 1, sizeof *grown) : NULL;
	if (!grown) {
		free(text);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", shown);
	}
	list->problems = grown;
	list->problems[list->n_problems++] = text;
	return 0;
}

/* Opens the located run into the list, or records why it could not be read. */
static int add_run(ckpt_run_list *list, ckpt_run_location *loc, const char *name, const char *shown)
{
	ckpt_run **grown = reallocarray(list->runs, list->n_runs + 1, sizeof *grown);
	if (!grown) {
		ckpt_run_location_clear(loc);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", shown);
	}
	list->runs = grown;
	ckpt_run *run = NULL;
	int rc = ckpt_run_open_at(&run, loc, name);
	if (rc == CKPT_ENOMEM)
		return rc;
	if (rc)
		return add_problem(list, shown, ckpt_error_last());
	list->runs[list->n_runs++] = run;
	return 0;
}

/* ---- walking --------------------------------------------------------------- */

typedef struct found_run {
	char *name; /* relative to the scanned path */
	ckpt_run_location loc;
} found_run;

typedef struct pending {
	char *rel;
	int depth;
} pending;

typedef struct walker {
	const char *path; /* as the caller gave it, for messages */
	const char *base; /* canonical */
	int max_depth;
	const ckpt_progress *progress;
	size_t visited;
	bool capped; /* folders left unvisited at SCAN_MAX_FOLDERS */
	pending *stack;
	size_t n_stack, cap_stack;
	found_run *found;
	size_t n_found, cap_found;
} walker;

static bool push_pending(walker *w, char *rel, int depth)
{
	if (w->n_stack == w->cap_stack) {
		size_t cap = w->cap_stack ? w->cap_stack * 2 : 64;
		pending *grown = reallocarray(w->stack, cap, sizeof *grown);
		if (!grown)
			return false;
		w->stack = grown;
		w->cap_stack = cap;
	}
	w->stack[w->n_stack++] = (pending){rel, depth};
	return true;
}

static bool push_found(walker *w, char *name, ckpt_run_location *loc)
{
	if (w->n_found == w->cap_found) {
		size_t cap = w->cap_found ? w->cap_found * 2 : 16;
		found_run *grown = reallocarray(w->found, cap, sizeof *grown);
		if (!grown)
			return false;
		w->found = grown;
		w->cap_found = cap;
	}
	w->found[w->n_found++] = (found_run){name, *loc};
	return true;
}

static char *child_rel(const char *rel, const char *name)
{
	return rel[0] ? ckpt_path_join(rel, name) : ckpt_strdup(name);
}

/* A directory entry's type without a stat when readdir already knows it. */
static bool entry_is_dir(int dfd, const struct dirent *entry)
{
	if (entry->d_type != DT_UNKNOWN)
		return entry->d_type == DT_DIR;
	return real_dir_at(dfd, entry->d_name);
}

static void mark_entry(run_marks *m, int dfd, const struct dirent *entry, bool *is_dir)
{
	const char *name = entry->d_name;
	*is_dir = entry_is_dir(dfd, entry);
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
		m->ckpts_dir = *is_dir;
	else if (strcmp(name, "save") == 0)
		m->save_dir = *is_dir;
}

typedef struct subdir_list {
	char **names; /* relative to the scanned path */
	size_t n, cap;
} subdir_list;

static void subdir_list_clear(subdir_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->names[i]);
	free(list->names);
	memset(list, 0, sizeof *list);
}

static bool subdir_list_add(subdir_list *list, char *rel)
{
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		char **grown = reallocarray(list->names, cap, sizeof *grown);
		if (!grown)
			return false;
		list->names = grown;
		list->cap = cap;
	}
	list->names[list->n++] = rel;
	return true;
}

/* One readdir of the folder: what marks a run there, and its real
 * subdirectories while within depth and the folder cap. */
static int read_folder(walker *w, const pending *p, DIR *dir, run_marks *m, subdir_list *subdirs)
{
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
			continue;
		bool is_dir;
		mark_entry(m, dirfd(dir), entry, &is_dir);
		if (!is_dir || p->depth >= w->max_depth)
			continue;
		if (w->visited + w->n_stack + subdirs->n >= SCAN_MAX_FOLDERS) {
			w->capped = true;
			continue;
		}
		char *rel = child_rel(p->rel, entry->d_name);
		if (!rel || !subdir_list_add(subdirs, rel)) {
			free(rel);
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->path);
		}
	}
	return 0;
}

/* A run in the folder is recorded (and *out_found set); abs is taken. */
static int record_run(walker *w, const pending *p, char *abs, int dfd, const run_marks *m,
		      bool *out_found)
{
	ckpt_run_location loc;
	*out_found = false;
	int rc = locate_marked(&loc, abs, dfd, m, p->rel);
	if (rc == CKPT_ENOENT)
		return 0; /* e.g. a save/ without ckpts/ inside: an ordinary folder */
	if (rc)
		return rc;
	char *name = ckpt_strdup(p->rel);
	if (!name || !push_found(w, name, &loc)) {
		free(name);
		ckpt_run_location_clear(&loc);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->path);
	}
	*out_found = true;
	return 0;
}

/* Visits one folder: a run there is recorded and not entered; otherwise its
 * subdirectories are queued. */
static int visit(walker *w, const pending *p)
{
	char *abs = p->rel[0] ? ckpt_path_join(w->base, p->rel) : ckpt_strdup(w->base);
	if (!abs)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->path);
	/* O_NOFOLLOW: a folder replaced by a link since it was listed is skipped. */
	int dfd = open(abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!dir) {
		if (dfd >= 0)
			close(dfd);
		free(abs);
		return 0; /* unreadable folders hide nothing we could open */
	}
	run_marks m = {0};
	subdir_list subdirs = {0};
	bool found = false;
	int rc = read_folder(w, p, dir, &m, &subdirs);
	/* The scanned folder itself was checked before the walk. */
	if (!rc && p->rel[0] && (marks_root(&m) || m.ckpts_dir || m.save_dir)) {
		rc = record_run(w, p, abs, dfd, &m, &found);
		abs = NULL;
	}
	for (size_t i = 0; !rc && !found && i < subdirs.n; i++) {
		if (!push_pending(w, subdirs.names[i], p->depth + 1))
			rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->path);
		else
			subdirs.names[i] = NULL;
	}
	subdir_list_clear(&subdirs);
	free(abs);
	closedir(dir);
	return rc;
}

static int walk(walker *w)
{
	char *start = ckpt_strdup("");
	if (!start || !push_pending(w, start, 0)) {
		free(start);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->path);
	}
	while (w->n_stack > 0) {
		if (ckpt_cancelled(w->progress))
			return ckpt_fail(CKPT_ECANCELLED, "%s: scan cancelled", w->path);
		pending p = w->stack[--w->n_stack];
		int rc = visit(w, &p);
		free(p.rel);
		if (rc)
			return rc;
		if (++w->visited % SCAN_REPORT_EVERY == 0)
			ckpt_report(w->progress, "scan", w->visited, 0);
	}
	ckpt_report(w->progress, "scan", w->visited, 0);
	return 0;
}

static void walker_clear(walker *w)
{
	for (size_t i = 0; i < w->n_stack; i++)
		free(w->stack[i].rel);
	for (size_t i = 0; i < w->n_found; i++) {
		free(w->found[i].name);
		ckpt_run_location_clear(&w->found[i].loc);
	}
	free(w->stack);
	free(w->found);
}

static int compare_found(const void *a, const void *b)
{
	return strcmp(((const found_run *)a)->name, ((const found_run *)b)->name);
}

/* Opens every run found, in name order; each found run is consumed. */
static int open_found(ckpt_run_list *list, walker *w)
{
	if (w->n_found > 1)
		qsort(w->found, w->n_found, sizeof *w->found, compare_found);
	int rc = 0;
	for (size_t i = 0; i < w->n_found && !rc; i++) {
		if (ckpt_cancelled(w->progress)) {
			rc = ckpt_fail(CKPT_ECANCELLED, "%s: scan cancelled", w->path);
			break;
		}
		found_run *f = &w->found[i];
		char *shown = ckpt_path_join(w->path, f->name);
		rc = shown ? add_run(list, &f->loc, f->name, shown)
			   : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->path);
		free(shown);
		ckpt_report(w->progress, "open", i + 1, w->n_found);
	}
	return rc;
}

static int scan_tree(ckpt_run_list *list, const char *path, const char *base, int max_depth,
		     const ckpt_progress *progress)
{
	walker w = {.path = path, .base = base, .max_depth = max_depth, .progress = progress};
	int rc = walk(&w);
	if (!rc && w.capped)
		rc = add_problem(list, path,
				 "too many folders: scan stopped after " SCAN_MAX_FOLDERS_TEXT
				 " of them");
	if (!rc)
		rc = open_found(list, &w);
	walker_clear(&w);
	return rc;
}

int ckpt_scan(ckpt_run_list **out, const char *path, int max_depth, const ckpt_progress *progress)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_scan: no place for the list");
	*out = NULL;
	if (!path)
		return ckpt_fail(CKPT_EINVAL, "ckpt_scan: no path");
	int dfd;
	char *real;
	int rc = open_folder(&dfd, &real, path);
	if (rc)
		return rc;
	ckpt_run_list *list = calloc(1, sizeof *list);
	if (!list) {
		close(dfd);
		free(real);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	}
	run_marks m;
	marks_by_lstat(&m, dfd);
	ckpt_run_location loc;
	char *dir = ckpt_strdup(real);
	rc = dir ? locate_marked(&loc, dir, dfd, &m, path)
		 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	close(dfd);
	if (rc == 0)
		rc = add_run(list, &loc, NULL, path); /* path is itself one run */
	else if (rc == CKPT_ENOENT)
		rc = scan_tree(list, path, real, max_depth > 0 ? max_depth : SCAN_DEFAULT_DEPTH,
			       progress);
	free(real);
	if (rc) {
		ckpt_run_list_free(list);
		return rc;
	}
	*out = list;
	return 0;
}
