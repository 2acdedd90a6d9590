/* scan.c: finding the runs under a folder: walking a tree of many runs
 * without following symlinks (one readdir per folder, bounded work on any
 * tree), handing each run out as soon as it is read, and scanning again
 * with the runs that did not change shared with the previous list. */
#include "internal.h"
#include "scan-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SCAN_DEFAULT_DEPTH 6
/* No cycles are possible without following links, but a hostile or huge
 * tree must still end: this is far beyond any real experiment folder. */
#define SCAN_MAX_FOLDERS 1000000
#define SCAN_MAX_FOLDERS_TEXT "1000000"
#define SCAN_REPORT_EVERY 64

struct ckpt_run_list {
	char *path; /* as given */
	int max_depth;
	ckpt_run **runs;
	size_t n_runs, cap_runs;
	char **problems;
	size_t n_problems;
	scan_memo memo; /* the folders the walk saw, for the next refresh */
	size_t folders_read; /* by the walk that made it (the rest taken from memo) */
	/* The verify records' folder before the runs' records were looked at. */
	ckpt_file_sig records_folder_sig;
	bool records_folder_settled;
};

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
	free(list->path);
	scan_memo_clear(&list->memo);
	free(list);
}

const char *ckpt_run_list_path(const ckpt_run_list *list)
{
	return list ? list->path : NULL;
}

size_t ckpt_run_list_count(const ckpt_run_list *list)
{
	return list ? list->n_runs : 0;
}

ckpt_run *ckpt_run_list_get(const ckpt_run_list *list, size_t i)
{
	return list && i < list->n_runs ? list->runs[i] : NULL;
}

size_t ckpt_run_list_folders_read(const ckpt_run_list *list)
{
	return list ? list->folders_read : 0;
}

size_t ckpt_run_list_problem_count(const ckpt_run_list *list)
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

static int push_run(ckpt_run_list *list, ckpt_run *run)
{
	if (list->n_runs == list->cap_runs) {
		size_t cap = list->cap_runs ? list->cap_runs * 2 : 16;
		ckpt_run **grown = reallocarray(list->runs, cap, sizeof *grown);
		if (!grown)
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", list->path);
		list->runs = grown;
		list->cap_runs = cap;
	}
	list->runs[list->n_runs++] = run;
	return 0;
}

/* ---- reading the runs found ---------------------------------------------- */

/* What one walk does with what it finds. */
typedef struct walker {
	ckpt_run_list *list;
	const ckpt_run_list *old; /* refresh: the runs to share; NULL for a scan */

	bool thorough;            /* refresh: look inside every run's epochs */
	const scan_memo *old_memo; /* refresh, not thorough: folders to take as they were */
	int base_fd;               /* the scanned folder, during the walk and the reading */
	struct timespec walk_start;
	run_refresh_hint hint;    /* for the runs' checks, set before the walk */
	scan_checks *checks;      /* refresh: runs checked while the walk goes on */
	scan_early *early;        /* a scan: runs read while the walk goes on */
	bool *old_seen;
	bool changed;
	const char *base; /* canonical form of list->path */
	ckpt_meter meter;
	ckpt_scan_fn on_run;
	void *payload;
	const ckpt_scan_hooks *hooks; /* or NULL */
	bool drop_runs; /* ckpt_scan_streamed: each run released once handed on */
	size_t visited;
	bool capped; /* folders left unvisited at SCAN_MAX_FOLDERS */
	scan_found *found; /* what the walk found, read after it (some while it goes on) */
	size_t n_found, cap_found;
} walker;

/* The index in old (sorted by name) of the run named name at root, or -1,
 * looked for from *from on, which moves to the first run not named before
 * name: the runs found, in name order, are matched in one pass. The
 * scanned folder's own runs (no name) are found by root. */
static long find_old(const walker *w, const char *name, const char *root, size_t *from)
{
	size_t n = w->old ? w->old->n_runs : 0;
	if (!name) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(ckpt_run_root(w->old->runs[i]), root) == 0)
				return (long)i;
		return -1;
	}
	while (*from < n && strcmp(ckpt_run_name(w->old->runs[*from]), name) < 0)
		(*from)++;
	for (size_t i = *from; i < n && strcmp(ckpt_run_name(w->old->runs[i]), name) == 0; i++)
		if (strcmp(ckpt_run_root(w->old->runs[i]), root) == 0)
			return (long)i;
	return -1;
}

static bool stop_requested(walker *w)
{
	return ckpt_meter_stopped(&w->meter);
}

/* Taken before any run is read (note_records_folder): while this user has
 * no verify records folder, no run read after has records. */
static bool records_folder_absent(const walker *w)
{
	return w->list->records_folder_sig.err == ENOENT;
}

/* Notes the run at loc (taken; or at memo_loc, the memo's, borrowed) as
 * `name` and `shown` (taken unless borrowed) for reading once the walk is
 * over; match_old finds its old snapshot in a refresh. */
static int note_run(walker *w, ckpt_run_location *loc, const ckpt_run_location *memo_loc,
		    char *name, char *shown, bool borrowed)
{
	if (w->n_found == w->cap_found) {
		size_t cap = w->cap_found ? w->cap_found * 2 : 64;
		scan_found *grown = reallocarray(w->found, cap, sizeof *grown);
		if (!grown) {
			ckpt_run_location_clear(loc);
			if (!borrowed) {
				free(name);
				free(shown);
			}
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->list->path);
		}
		w->found = grown;
		w->cap_found = cap;
	}
	scan_found *f = &w->found[w->n_found++];
	*f = (scan_found){.loc = *loc,
			  .memo_loc = memo_loc,
			  .name = name,
			  .shown = shown,
			  .names_borrowed = borrowed,
			  .old_index = -1,
			  .checked = RUN_CHECK_UNKNOWN};
	f->loc.records_folder_absent = records_folder_absent(w);
	memset(loc, 0, sizeof *loc);
	if (!memo_loc)
		scan_early_offer(w->early, f);
	return 0;
}

/* After the walk and the sort: each run found paired with its old
 * snapshot, and a run found anew given a location of its own. */
static int match_old(walker *w)
{
	size_t from = 0;
	for (size_t i = 0; i < w->n_found; i++) {
		scan_found *f = &w->found[i];
		const ckpt_run_location *loc = f->memo_loc ? f->memo_loc : &f->loc;
		f->old_index = find_old(w, f->name, loc->root, &from);
		if (f->old_index >= 0) {
			w->old_seen[f->old_index] = true;
			f->old = w->old->runs[f->old_index];
		} else if (f->memo_loc) {
			if (!scan_memo_location_copy(&f->loc, f->memo_loc))
				return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->list->path);
			f->loc.records_folder_absent = records_folder_absent(w);
		}
		f->memo_loc = NULL;
	}
	return 0;
}

/* One run read, in name order: into the list, or its problem. */
static int deliver_run(scan_found *f, void *payload)
{
	walker *w = payload;
	w->changed = w->changed || f->changed || f->rc != 0;
	if (f->rc == CKPT_ENOMEM)
		return ckpt_fail(CKPT_ENOMEM, "%s", f->error ? f->error : "out of memory");
	if (f->rc)
		return add_problem(w->list, f->shown, f->error ? f->error : "cannot be read");
	ckpt_run *run = f->run;
	int rc = w->drop_runs ? 0 : push_run(w->list, run);
	if (rc)
		return rc; /* f->run is unref'ed with the rest */
	if (!w->drop_runs)
		f->run = NULL; /* else released, with the rest, once handed on */
	w->meter.event.done++;
	ckpt_meter_send(&w->meter);
	void *prepared = f->prepared;
	f->prepared = NULL;
	if (!f->old && w->hooks && w->hooks->on_run) {
		if (w->hooks->on_run(run, prepared, w->hooks->payload) != 0)
			w->meter.stopped = true;
	} else {
		if (prepared && w->hooks && w->hooks->discard)
			w->hooks->discard(prepared, w->hooks->payload);
		if (!f->old && w->on_run && w->on_run(run, w->payload) != 0)
			w->meter.stopped = true;
	}
	if (w->drop_runs) {
		ckpt_run_unref(f->run);
		f->run = NULL;
	}
	return stop_requested(w) ? 1 : 0;
}

static int compare_found_names(const void *a, const void *b)
{
	const scan_found *x = a, *y = b;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static bool found_in_order(const walker *w)
{
	for (size_t i = 1; i < w->n_found; i++)
		if (compare_found_names(&w->found[i - 1], &w->found[i]) > 0)
			return false;
	return true;
}

/* Reads every run the walk found (sorted by name), in that order, unless
 * failed says the walk's end failed; then forgets them. */
static int read_found(walker *w, int failed)
{
	int rc = failed ? failed
			: scan_read_all(w->found, w->n_found, w->thorough, &w->hint, w->hooks,
					deliver_run, w);
	for (size_t i = 0; i < w->n_found; i++) {
		scan_found *f = &w->found[i];
		if (f->prepared && w->hooks && w->hooks->discard)
			w->hooks->discard(f->prepared, w->hooks->payload);
		ckpt_run_location_clear(&f->loc);
		ckpt_run_unref(f->run);
		if (!f->names_borrowed) {
			free(f->name);
			free(f->shown);
		}
		free(f->error);
	}
	free(w->found);
	w->found = NULL;
	w->n_found = w->cap_found = 0;
	return rc > 0 ? 0 : rc; /* a stop is told by stop_requested */
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

/* The runs of the folder at rel (abs, open as dfd; rel NULL for the scanned
 * folder itself): one named rel (the folder's own name at the top), or two
 * named rel/ckpts and rel/save/ckpts. */
static int read_roots(walker *w, const char *rel, const char *abs, int dfd,
		      const ckpt_run_marks *m, scan_memo_folder *memo, bool *out_found)
{
	ckpt_run_location found[2];
	size_t n = 0;
	*out_found = false;
	int rc = ckpt_locate_roots(found, &n, abs, dfd, m);
	if (rc)
		return rc;
	*out_found = n > 0;
	size_t i = 0;
	for (; i < n && !rc; i++) {
		const char *sub = found[i].root + strlen(abs) + 1;
		char *name = n == 2 ? ckpt_path_join(rel ? rel : base_name(abs), sub)
			     : rel  ? ckpt_strdup(rel)
				    : NULL;
		bool named = name || (n == 1 && !rel);
		char *shown = !named		? NULL
			      : name && rel	? ckpt_path_join(w->list->path, n == 2 ? name : rel)
			      : n == 2		? ckpt_path_join(w->list->path, sub)
						: ckpt_strdup(w->list->path);
		if (!named || !shown || (memo && !scan_memo_folder_add_run(memo, &found[i], name, shown))) {
			ckpt_run_location_clear(&found[i]);
			free(name);
			free(shown);
			rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->list->path);
		} else {
			rc = note_run(w, &found[i], NULL, name, shown, false);
		}
	}
	for (; i < n; i++)
		ckpt_run_location_clear(&found[i]);
	return rc;
}

/* ---- walking --------------------------------------------------------------- */

typedef struct pending {
	char *rel;
	int depth;
	bool borrowed; /* rel is the old memo's */
	const scan_memo_folder *guess; /* its entry in the old memo, likely */
} pending;

typedef struct stack {
	pending *items;
	size_t n, cap;
} stack;

static bool stack_add(stack *s, pending item)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		pending *grown = reallocarray(s->items, cap, sizeof *grown);
		if (!grown)
			return false;
		s->items = grown;
		s->cap = cap;
	}
	s->items[s->n++] = item;
	return true;
}

static bool stack_push(stack *s, char *rel, int depth)
{
	return stack_add(s, (pending){.rel = rel, .depth = depth});
}

static void stack_clear(stack *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->items[i].borrowed)
			free(s->items[i].rel);
	free(s->items);
}

/* A directory entry's type without a stat when the listing knows it. */
static bool entry_is_dir(int dfd, const ckpt_dir_entry *entry)
{
	if (entry->type != DT_UNKNOWN)
		return entry->type == DT_DIR;
	struct stat st;
	return fstatat(dfd, entry->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static char *child_rel(const char *rel, const char *name)
{
	return rel[0] ? ckpt_path_join(rel, name) : ckpt_strdup(name);
}

/* strcmp of two folders' paths as if each ended in '/': the order in
 * which walking them one after the other finds the paths below them. */
static int compare_folders(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = *a ? (unsigned char)*a : '/', y = *b ? (unsigned char)*b : '/';
		if (x != y)
			return x < y ? -1 : 1;
		if (!*a || !*b)
			return *a ? 1 : *b ? -1 : 0;
	}
}

static int compare_subdirs(const void *a, const void *b)
{
	return compare_folders(*(char *const *)a, *(char *const *)b);
}

static int compare_pending_desc(const void *a, const void *b)
{
	return compare_folders(((const pending *)b)->rel, ((const pending *)a)->rel);
}

/* The last n subfolders queued, and noted in the memo, put in order: the
 * walk then finds the runs in the order of their names, and the list needs
 * no sort (most of the time; it checks). The stack pops the first last. */
static void order_subdirs(stack *s, scan_memo_folder *memo, size_t n)
{
	if (n < 2)
		return;
	qsort(memo->subdirs + memo->n_subdirs - n, n, sizeof *memo->subdirs, compare_subdirs);
	qsort(s->items + s->n - n, n, sizeof *s->items, compare_pending_desc);
}

/* One readdir of the folder: what marks a run there, and its real
 * subdirectories while within depth and the folder cap (pushed above the
 * folder's own place on the stack, so that they are not lost). */
static int read_folder(walker *w, stack *s, const pending *p, int dfd, ckpt_run_marks *m,
		       scan_memo_folder *memo, size_t *out_subdirs)
{
	ckpt_dir_reader dir;
	ckpt_dir_reader_init(&dir, dfd);
	const ckpt_dir_entry *entry;
	*out_subdirs = 0;
	while ((entry = ckpt_dir_next(&dir)) != NULL) {
		bool is_dir = entry_is_dir(dfd, entry);
		ckpt_marks_entry(m, entry->name, is_dir);
		if (!is_dir || p->depth >= w->list->max_depth)
			continue;
		if (w->visited + s->n >= SCAN_MAX_FOLDERS) {
			w->capped = memo->capped = true;
			continue;
		}
		char *rel = child_rel(p->rel, entry->name);
		if (!rel || !scan_memo_folder_add_subdir(memo, rel) || !stack_push(s, rel, p->depth + 1)) {
			free(rel);
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->list->path);
		}
		(*out_subdirs)++;
	}
	order_subdirs(s, memo, *out_subdirs);
	return 0;
}

/* The folder as the last walk saw it, if its identity has not changed
 * since (one lstat): its subfolders queued again and its runs noted again,
 * as visit would have. */
static int replay(walker *w, stack *s, const pending *p, bool *out_done)
{
	*out_done = false;
	const scan_memo_folder *was = p->guess && strcmp(p->guess->rel, p->rel) == 0
					  ? p->guess
					  : scan_memo_find(w->old_memo, p->rel);
	if (!was || !was->settled || was->capped)
		return 0;
	ckpt_file_sig now;
	ckpt_file_sig_at(&now, w->base_fd, p->rel[0] ? p->rel : ".");
	if (!ckpt_file_sig_equal(&now, &was->sig) ||
	    w->visited + s->n + was->n_subdirs >= SCAN_MAX_FOLDERS)
		return 0;
	scan_memo_folder *shared = (scan_memo_folder *)was; /* immutable: shared by reference */
	if (!scan_memo_add(&w->list->memo, shared))
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->list->path);
	/* Queued in order once popped, by the memo's own names; each one's
	 * entry is looked for now and brought from memory while the walk goes
	 * on (its name is checked when its turn comes). */
	for (size_t i = was->n_subdirs; i-- > 0;) {
		const scan_memo_folder *guess = scan_memo_guess(w->old_memo, was->subdirs[i]);
		if (guess)
			for (size_t line = 0; line < 4; line++)
				__builtin_prefetch((const char *)guess + 64 * line);
		if (!stack_add(s, (pending){.rel = was->subdirs[i],
					   .depth = p->depth + 1,
					   .borrowed = true,
					   .guess = guess}))
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->list->path);
	}
	/* The runs: their names and location borrowed from the memo, which the
	 * new list now holds (a run with a snapshot to share needs no more). */
	for (size_t i = 0; i < was->n_runs; i++) {
		const scan_memo_run *r = &was->runs[i];
		ckpt_run_location none = {0};
		int rc = note_run(w, &none, &r->loc, r->name, r->shown, true);
		if (rc)
			return rc;
	}
	*out_done = true;
	return 0;
}

/* Visits one folder: a run there is read and not entered; otherwise its
 * subdirectories stay queued. The scanned folder itself (rel "") was looked
 * at before the walk. What it saw goes into the list's memo. */
static int visit(walker *w, stack *s, const pending *p)
{
	bool done = false;
	int rc = w->old_memo ? replay(w, s, p, &done) : 0;
	if (rc || done)
		return rc;
	char *abs = p->rel[0] ? ckpt_path_join(w->base, p->rel) : ckpt_strdup(w->base);
	if (!abs)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->list->path);
	/* O_NOFOLLOW: a folder replaced by a link since it was listed is skipped. */
	int dfd = open(abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		free(abs);
		return 0; /* unreadable folders hide nothing we could open */
	}
	ckpt_file_sig sig;
	ckpt_file_sig_fd(&sig, dfd);
	w->list->folders_read++;
	scan_memo_folder *memo = scan_memo_folder_new(p->rel, &sig, &w->walk_start);
	if (!memo) {
		free(abs);
		close(dfd);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->list->path);
	}
	ckpt_run_marks m = {0};
	size_t subdirs = 0;
	rc = read_folder(w, s, p, dfd, &m, memo, &subdirs);
	bool found = false;
	if (!rc && p->rel[0] && ckpt_marks_any(&m))
		rc = read_roots(w, p->rel, abs, dfd, &m, memo, &found);
	if (found) {
		/* A run is not entered: drop what read_folder queued. */
		for (size_t i = 0; i < subdirs; i++)
			free(s->items[--s->n].rel);
		scan_memo_folder_drop_subdirs(memo);
	}
	if (!rc)
		memo = scan_memo_folder_pack(memo);
	if (!rc && !scan_memo_add(&w->list->memo, memo))
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->list->path);
	scan_memo_folder_free(memo);
	free(abs);
	close(dfd);
	return rc;
}

static int walk(walker *w)
{
	stack s = {0};
	char *start = ckpt_strdup("");
	if (!start || !stack_push(&s, start, 0)) {
		free(start);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->list->path);
	}
	int rc = 0;
	while (s.n > 0 && !rc) {
		if (stop_requested(w)) {
			rc = ckpt_fail(CKPT_ECANCELLED, "%s: scan cancelled", w->list->path);
			break;
		}
		pending p = s.items[--s.n];
		rc = visit(w, &s, &p);
		if (!p.borrowed)
			free(p.rel);
		w->meter.event.items_done = ++w->visited;
		if (w->visited % SCAN_REPORT_EVERY == 0)
			ckpt_meter_send(&w->meter);
	}
	stack_clear(&s);
	return rc;
}

/* ---- scanning and scanning again ---------------------------------------- */

static int compare_run_names(const void *a, const void *b)
{
	return strcmp(ckpt_run_name(*(ckpt_run *const *)a), ckpt_run_name(*(ckpt_run *const *)b));
}

/* Delivered in the order of their names already, but for the scanned
 * folder's own runs (ordered as "" until read). */
static bool runs_in_order(const ckpt_run_list *list)
{
	for (size_t i = 1; i < list->n_runs; i++)
		if (compare_run_names(&list->runs[i - 1], &list->runs[i]) > 0)
			return false;
	return true;
}

/* Taken before any run's records are: a records file made after it changes
 * the folder, so while the folder is as it was, a run that had none has none. */
static void note_records_folder(walker *w)
{
	ckpt_file_sig sig;
	ckpt_records_folder_sig(&sig);
	w->hint.records_folder_same = w->old && w->old->records_folder_settled &&
				      ckpt_file_sig_equal(&sig, &w->old->records_folder_sig);
	w->list->records_folder_sig = sig;
	w->list->records_folder_settled = ckpt_file_sig_settled(&sig, &w->walk_start);
}

/* The path is a run (or two), or the walk below it finds them. */
static int scan_into(walker *w)
{
	int dfd;
	char *real;
	int rc = ckpt_open_folder(&dfd, &real, w->list->path);
	if (rc)
		return rc;
	w->base = real;
	clock_gettime(CLOCK_REALTIME_COARSE, &w->walk_start);
	note_records_folder(w);
	ckpt_run_marks m;
	ckpt_marks_by_lstat(&m, dfd);
	bool found = false;
	rc = read_roots(w, NULL, real, dfd, &m, NULL, &found);
	w->base_fd = dfd;
	w->hint.base_fd = w->base_fd;
	w->hint.base = w->base;
	w->hint.base_len = strlen(w->base);
	if (w->old && !w->thorough)
		w->checks = scan_checks_start(w->old->runs, w->old->n_runs, &w->hint);
	if (!w->old && !rc && !found)
		w->early = scan_early_start(w->hooks);
	if (!rc && !found)
		rc = walk(w);
	scan_early_finish(w->early, w->found, w->n_found);
	w->early = NULL;
	scan_memo_finish(&w->list->memo);
	if (!found_in_order(w))
		qsort(w->found, w->n_found, sizeof *w->found, compare_found_names);
	int match_rc = match_old(w);
	scan_checks_walk_done(w->checks);
	for (size_t i = 0; i < w->n_found; i++)
		scan_checks_take(w->checks, w->found[i].old_index, &w->found[i]);
	scan_checks_finish(w->checks);
	w->checks = NULL;
	int read_rc = read_found(w, match_rc);
	close(dfd);
	w->base_fd = -1;
	rc = rc ? rc : read_rc;
	/* The same for every way of asking to stop: a callback's nonzero return
	 * cancels even when nothing was left to read. */
	if (!rc && stop_requested(w))
		rc = ckpt_fail(CKPT_ECANCELLED, "%s: scan cancelled", w->list->path);
	if (!rc && w->capped)
		rc = add_problem(w->list, w->list->path,
				 "too many folders: scan stopped after " SCAN_MAX_FOLDERS_TEXT
				 " of them");
	if (!rc && !runs_in_order(w->list))
		qsort(w->list->runs, w->list->n_runs, sizeof *w->list->runs, compare_run_names);
	if (!rc)
		ckpt_meter_send(&w->meter);
	free(real);
	w->base = NULL;
	return rc;
}

static ckpt_run_list *list_new(const char *path, int max_depth)
{
	ckpt_run_list *list = calloc(1, sizeof *list);
	if (list && !(list->path = ckpt_strdup(path))) {
		free(list);
		list = NULL;
	}
	if (list)
		list->max_depth = max_depth > 0 ? max_depth : SCAN_DEFAULT_DEPTH;
	return list;
}

static int scan(ckpt_run_list **out, const char *path, int max_depth,
		const ckpt_progress *progress, ckpt_scan_fn on_run, void *payload,
		const ckpt_scan_hooks *hooks, bool drop_runs)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_scan: no place for the list");
	*out = NULL;
	if (!path)
		return ckpt_fail(CKPT_EINVAL, "ckpt_scan: no path");
	walker w = {.on_run = on_run,
		    .payload = payload,
		    .hooks = hooks,
		    .drop_runs = drop_runs,
		    .base_fd = -1};
	if (!(w.list = list_new(path, max_depth)))
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	ckpt_meter_init(&w.meter, progress, CKPT_STAGE_SCAN, NULL);
	int rc = scan_into(&w);
	if (rc) {
		ckpt_run_list_free(w.list);
		return rc;
	}
	*out = w.list;
	return 0;
}

int ckpt_scan(ckpt_run_list **out, const char *path, int max_depth, const ckpt_progress *progress,
	      ckpt_scan_fn on_run, void *payload)
{
	return scan(out, path, max_depth, progress, on_run, payload, NULL, false);
}

int ckpt_scan_with_hooks(ckpt_run_list **out, const char *path, int max_depth,
			 const ckpt_progress *progress, const ckpt_scan_hooks *hooks)
{
	return scan(out, path, max_depth, progress, NULL, NULL, hooks, false);
}

int ckpt_scan_streamed(ckpt_run_list **out, const char *path, int max_depth,
		       const ckpt_progress *progress, const ckpt_scan_hooks *hooks)
{
	return scan(out, path, max_depth, progress, NULL, NULL, hooks, true);
}

static bool same_problems(const ckpt_run_list *a, const ckpt_run_list *b)
{
	if (a->n_problems != b->n_problems)
		return false;
	for (size_t i = 0; i < a->n_problems; i++)
		if (strcmp(a->problems[i], b->problems[i]) != 0)
			return false;
	return true;
}

static int refresh_list(ckpt_run_list **out, bool *out_changed, const ckpt_run_list *old,
			bool thorough, const ckpt_progress *progress, ckpt_scan_fn on_run,
			void *payload)
{
	if (out_changed)
		*out_changed = false;
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_list_refresh: no place for the list");
	*out = NULL;
	if (!old)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_list_refresh: no list");
	walker w = {.old = old,
		    .thorough = thorough,
		    .old_memo = thorough ? NULL : &old->memo,
		    .on_run = on_run,
		    .payload = payload,
		    .base_fd = -1};
	w.list = list_new(old->path, old->max_depth);
	w.old_seen = calloc(old->n_runs ? old->n_runs : 1, sizeof *w.old_seen);
	int rc = w.list && w.old_seen
		     ? 0
		     : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", old->path);
	if (!rc) {
		ckpt_meter_init(&w.meter, progress, CKPT_STAGE_SCAN, NULL);
		rc = scan_into(&w);
	}
	for (size_t i = 0; !rc && i < old->n_runs; i++)
		w.changed = w.changed || !w.old_seen[i];
	w.changed = w.changed || (!rc && !same_problems(w.list, old));
	free(w.old_seen);
	if (rc) {
		ckpt_run_list_free(w.list);
		return rc;
	}
	if (out_changed)
		*out_changed = w.changed;
	*out = w.list;
	return 0;
}

int ckpt_run_list_refresh(ckpt_run_list **out, bool *out_changed, const ckpt_run_list *old,
			  const ckpt_progress *progress, ckpt_scan_fn on_run, void *payload)
{
	return refresh_list(out, out_changed, old, false, progress, on_run, payload);
}

int ckpt_run_list_refresh_thorough(ckpt_run_list **out, bool *out_changed,
				   const ckpt_run_list *old, const ckpt_progress *progress,
				   ckpt_scan_fn on_run, void *payload)
{
	return refresh_list(out, out_changed, old, true, progress, on_run, payload);
}
