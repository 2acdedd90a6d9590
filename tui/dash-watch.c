/* dash-watch.c: the scanner thread, the only maker of run snapshots, so
 * that the main thread receives them in the order they were read. It scans
 * each PATH (handing runs over as they are found), then waits on inotify
 * and a wake-up pipe: a change event re-reads its run after a short quiet
 * spell, the hot runs (selected, marked, live) are re-read every poll, and
 * every PATH is re-scanned now and then for runs that came or went. File
 * systems that deliver no events for other hosts' writes (NFS, Lustre,
 * GPFS...: libckpt knows them) are not watched: their runs rely on the
 * polls. */
#include "dash-jobs-private.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* A save touches several files in a burst: wait for it to settle. */
#define QUIET_SECONDS 0.15
/* inotify watches are a per-user resource: leave most of them to others. */
#define MAX_WATCHED_RUNS 2048

/* ---- the runs it keeps ------------------------------------------------------ */

static void unwatch(dash_jobs *j, watched *w)
{
	for (int k = 0; k < 2; k++) {
		if (w->wd[k] < 0)
			continue;
		if (j->ifd >= 0)
			inotify_rm_watch(j->ifd, w->wd[k]);
		if ((size_t)w->wd[k] < j->n_by_wd)
			j->by_wd[w->wd[k]] = NULL;
		w->wd[k] = -1;
	}
}

static void add_watch(dash_jobs *j, watched *w, int k, const char *path)
{
	const uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE |
			      IN_ATTRIB | IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
	int wd = inotify_add_watch(j->ifd, path, mask);
	if (wd < 0)
		return;
	if ((size_t)wd >= j->n_by_wd) {
		size_t n = ((size_t)wd + 1) * 2;
		watched **grown = realloc(j->by_wd, n * sizeof *grown);
		if (!grown) {
			inotify_rm_watch(j->ifd, wd);
			return;
		}
		memset(grown + j->n_by_wd, 0, (n - j->n_by_wd) * sizeof *grown);
		j->by_wd = grown, j->n_by_wd = n;
	}
	j->by_wd[wd] = w;
	w->wd[k] = wd;
}

static void watch(dash_jobs *j, watched *w)
{
	if (j->ifd < 0 || strmap_count(j->watched) > MAX_WATCHED_RUNS ||
	    !ckpt_path_change_events_reliable(w->root))
		return;
	add_watch(j, w, 0, w->root);
	char *epochs = NULL;
	if (asprintf(&epochs, "%s/epochs", w->root) >= 0) {
		add_watch(j, w, 1, epochs);
		free(epochs);
	}
}

static void watched_free(dash_jobs *j, watched *w)
{
	unwatch(j, w);
	ckpt_run_unref(w->run);
	free(w->root);
	free(w);
}

/* Keeps run (a new reference) as the newest snapshot of its root. */
static watched *keep_run(dash_jobs *j, ckpt_run *run, int path)
{
	const char *root = ckpt_run_root(run);
	watched *w = strmap_get(j->watched, root);
	if (w) {
		ckpt_run *old = w->run;
		w->run = ckpt_run_ref(run);
		ckpt_run_unref(old);
		return w;
	}
	w = calloc(1, sizeof *w);
	if (!w || !(w->root = strdup(root)) || strmap_set(j->watched, root, w) != 0) {
		if (w)
			free(w->root);
		free(w);
		return NULL;
	}
	w->path = path;
	w->run = ckpt_run_ref(run);
	w->wd[0] = w->wd[1] = -1;
	watch(j, w);
	return w;
}

/* ---- answering the main thread --------------------------------------------- */

static void post_run(dash_jobs *j, dash_msg_kind kind, int path, ckpt_run *run)
{
	dash_msg *m = dash_msg_new(kind, ckpt_run_root(run));
	if (!m)
		return;
	m->path = path;
	m->run = ckpt_run_ref(run);
	dash_post(j, m);
}

/* MSG_SCAN_DONE or MSG_LIST: every run of the list and its problems. */
static void post_list(dash_jobs *j, dash_msg_kind kind, int path, const ckpt_run_list *list, int rc)
{
	dash_msg *m = dash_msg_new(kind, NULL);
	if (!m)
		return;
	m->path = path;
	if (rc)
		dash_msg_fail(m, rc);
	size_t n = list ? ckpt_run_list_count(list) : 0;
	m->runs = calloc(n ? n : 1, sizeof *m->runs);
	/* The newest snapshot of each: a hot run's re-read beats the list's. */
	for (size_t i = 0; m->runs && i < n; i++) {
		ckpt_run *run = ckpt_run_list_get(list, i);
		watched *w = strmap_get(j->watched, ckpt_run_root(run));
		m->runs[m->n_runs++] = ckpt_run_ref(w && w->run ? w->run : run);
	}
	size_t len = 0;
	FILE *f = open_memstream(&m->text, &len);
	for (size_t i = 0; f && list && i < ckpt_run_list_problem_count(list); i++)
		fprintf(f, "%s\n", ckpt_run_list_problem(list, i));
	if (f)
		fclose(f);
	m->problems = list ? ckpt_run_list_problem_count(list) : 0;
	dash_post(j, m);
}

/* ---- scanning ---------------------------------------------------------------- */

typedef struct scan_ctx {
	dash_jobs *j;
	int path;
} scan_ctx;

static int on_scan_progress(const ckpt_progress_event *ev, void *payload)
{
	scan_ctx *s = payload;
	if (ev->stage == CKPT_STAGE_SCAN) {
		pthread_mutex_lock(&s->j->lock);
		s->j->scan_folders = (size_t)ev->items_done;
		pthread_mutex_unlock(&s->j->lock);
	}
	return s->j->stop;
}

static int on_found(ckpt_run *run, void *payload)
{
	scan_ctx *s = payload;
	keep_run(s->j, run, s->path);
	post_run(s->j, MSG_RUN_FOUND, s->path, run);
	pthread_mutex_lock(&s->j->lock);
	s->j->scan_runs++;
	pthread_mutex_unlock(&s->j->lock);
	return s->j->stop;
}

static void first_scan(dash_jobs *j, int path)
{
	scan_ctx s = {j, path};
	ckpt_progress progress = {on_scan_progress, &s, &j->stop};
	ckpt_run_list *list = NULL;
	int rc = ckpt_scan(&list, j->paths[path], j->config.depth, &progress, on_found, &s);
	for (size_t i = 0; list && i < ckpt_run_list_count(list); i++)
		keep_run(j, ckpt_run_list_get(list, i), path);
	post_list(j, MSG_SCAN_DONE, path, list, rc);
	j->lists[path] = list;
}

typedef struct drop_ctx {
	int path;
	strmap *present; /* the new list's roots */
	char **gone;
	size_t n_gone;
} drop_ctx;

static void find_gone(const char *key, void *value, void *payload)
{
	drop_ctx *d = payload;
	watched *w = value;
	if (w->path == d->path && !strmap_get(d->present, key)) {
		char **grown = realloc(d->gone, (d->n_gone + 1) * sizeof *grown);
		if (grown) {
			d->gone = grown;
			d->gone[d->n_gone++] = w->root;
		}
	}
}

/* A list refresh looks at each run's own files only (ckpt.h); a change by
 * hand inside an epoch of a run nobody is watching closely is caught by
 * every this-many-th re-scan, which looks at every epoch. */
#define THOROUGH_EVERY 6

/* Re-scans one PATH: new runs kept and watched, vanished ones let go. A
 * run the list shares with the previous one is not handed back: the
 * watched snapshot (a hot run's, re-read since) is as new or newer. */
static void refresh_list(dash_jobs *j, int path, bool thorough)
{
	ckpt_run_list *old = j->lists[path];
	if (!old) {
		first_scan(j, path);
		return;
	}
	scan_ctx s = {j, path};
	ckpt_progress progress = {NULL, &s, &j->stop};
	ckpt_run_list *list = NULL;
	bool changed = false;
	int rc = thorough
		     ? ckpt_run_list_refresh_thorough(&list, &changed, old, &progress, NULL, NULL)
		     : ckpt_run_list_refresh(&list, &changed, old, &progress, NULL, NULL);
	if (rc || !changed) {
		ckpt_run_list_free(list);
		return;
	}
	strmap *before = strmap_new();
	for (size_t i = 0; before && i < ckpt_run_list_count(old); i++)
		strmap_set(before, ckpt_run_root(ckpt_run_list_get(old, i)),
			   ckpt_run_list_get(old, i));
	for (size_t i = 0; i < ckpt_run_list_count(list); i++) {
		ckpt_run *run = ckpt_run_list_get(list, i);
		if (!before || strmap_get(before, ckpt_run_root(run)) != run)
			keep_run(j, run, path);
	}
	strmap_free(before);
	drop_ctx d = {path, strmap_new(), NULL, 0};
	for (size_t i = 0; d.present && i < ckpt_run_list_count(list); i++)
		strmap_set(d.present, ckpt_run_root(ckpt_run_list_get(list, i)), list);
	if (d.present && ckpt_run_list_count(list) < strmap_count(j->watched))
		strmap_each(j->watched, find_gone, &d);
	strmap_free(d.present);
	for (size_t i = 0; i < d.n_gone; i++) {
		watched *w = strmap_remove(j->watched, d.gone[i]);
		if (w)
			watched_free(j, w);
	}
	free(d.gone);
	post_list(j, MSG_LIST, path, list, 0);
	ckpt_run_list_free(old);
	j->lists[path] = list;
}

/* Re-reads one run; answers when it changed, or always when asked. */
static void refresh_run(dash_jobs *j, watched *w, bool always)
{
	ckpt_run *fresh = NULL;
	bool changed = false;
	int rc = ckpt_run_refresh(&fresh, &changed, w->run);
	w->dirty = false;
	if (rc) {
		/* Gone, most likely: the next scan lets it go. */
		if (always) {
			dash_msg *m = dash_msg_new(MSG_RUN, w->root);
			if (m)
				dash_msg_fail(m, rc);
			dash_post(j, m);
		}
		return;
	}
	if (changed) {
		ckpt_run_unref(w->run);
		w->run = fresh;
	} else {
		ckpt_run_unref(fresh);
	}
	if (changed || always)
		post_run(j, MSG_RUN, w->path, w->run);
}

/* ---- events and timers ------------------------------------------------------- */

static void read_events(dash_jobs *j, double now, bool *overflow)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(j->ifd, buf, sizeof buf);
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				*overflow = true;
				continue;
			}
			if (ev->wd < 0 || (size_t)ev->wd >= j->n_by_wd || !j->by_wd[ev->wd])
				continue;
			watched *w = j->by_wd[ev->wd];
			if (ev->mask & IN_IGNORED) {
				j->by_wd[ev->wd] = NULL;
				w->wd[w->wd[0] == ev->wd ? 0 : 1] = -1;
			}
			if (!w->dirty)
				w->dirty = true, w->dirty_since = now;
		}
	}
}

typedef struct sweep_ctx {
	dash_jobs *j;
	double now;
	double next; /* the earliest dirty run's due time */
	watched **due;
	size_t n_due;
	bool hot_poll; /* also every live run */
} sweep_ctx;

static void collect(sweep_ctx *s, watched *w)
{
	for (size_t i = 0; i < s->n_due; i++)
		if (s->due[i] == w)
			return;
	watched **grown = realloc(s->due, (s->n_due + 1) * sizeof *grown);
	if (grown) {
		s->due = grown;
		s->due[s->n_due++] = w;
	}
}

static void find_due(const char *key, void *value, void *payload)
{
	(void)key;
	sweep_ctx *s = payload;
	watched *w = value;
	if (w->dirty && w->dirty_since + QUIET_SECONDS <= s->now)
		collect(s, w);
	else if (w->dirty && w->dirty_since + QUIET_SECONDS < s->next)
		s->next = w->dirty_since + QUIET_SECONDS;
	else if (s->hot_poll && ckpt_run_live(w->run))
		collect(s, w);
}

/* Takes the roots the main thread asked for (answered whatever happens). */
static void serve_asked(dash_jobs *j)
{
	pthread_mutex_lock(&j->lock);
	char **asked = j->asked;
	size_t n = j->n_asked;
	j->asked = NULL, j->n_asked = j->cap_asked = 0;
	pthread_mutex_unlock(&j->lock);
	for (size_t i = 0; i < n; i++) {
		watched *w = strmap_get(j->watched, asked[i]);
		if (w)
			refresh_run(j, w, true);
		free(asked[i]);
	}
	free(asked);
}

/* The dirty runs whose events settled, and on a poll the hot and live ones.
 * Returns when the next dirty run is due. */
static double sweep(dash_jobs *j, double now, bool poll_due)
{
	sweep_ctx s = {j, now, now + 3600, NULL, 0, poll_due};
	strmap_each(j->watched, find_due, &s);
	if (poll_due) {
		pthread_mutex_lock(&j->lock);
		for (size_t i = 0; i < j->n_hot; i++) {
			watched *w = strmap_get(j->watched, j->hot[i]);
			if (w)
				collect(&s, w);
		}
		pthread_mutex_unlock(&j->lock);
	}
	for (size_t i = 0; i < s.n_due && !j->stop; i++)
		refresh_run(j, s.due[i], false);
	free(s.due);
	return s.next;
}

void *dash_scanner_main(void *payload)
{
	dash_jobs *j = payload;
	if (!j->config.no_watch)
		j->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	for (size_t p = 0; p < j->config.n_paths && !j->stop; p++)
		first_scan(j, (int)p);
	pthread_mutex_lock(&j->lock);
	j->scanning = false;
	pthread_mutex_unlock(&j->lock);
	double poll_every = j->config.poll > 0 ? j->config.poll : 1.0;
	double full_every = poll_every * 10 > 10 ? poll_every * 10 : 10;
	double now = dash_now(), next_poll = now + poll_every, next_full = now + full_every;
	double next_dirty = now + 3600;
	while (!j->stop) {
		double deadline = next_poll < next_full ? next_poll : next_full;
		deadline = next_dirty < deadline ? next_dirty : deadline;
		long ms = (long)((deadline - dash_now()) * 1000);
		ms = ms < 0 ? 0 : ms > 1000 ? 1000 : ms;
		struct pollfd fds[2] = {{j->wake[0], POLLIN, 0}, {j->ifd, POLLIN, 0}};
		poll(fds, j->ifd >= 0 ? 2 : 1, (int)ms);
		char drain[64];
		while (read(j->wake[0], drain, sizeof drain) > 0)
			;
		if (j->stop)
			break;
		now = dash_now();
		bool overflow = false;
		if (j->ifd >= 0)
			read_events(j, now, &overflow);
		serve_asked(j);
		bool poll_due = now >= next_poll;
		next_dirty = sweep(j, now, poll_due);
		if (poll_due)
			next_poll = now + poll_every;
		if (overflow || now >= next_full) {
			double start = dash_now();
			bool thorough = ++j->rescans % THOROUGH_EVERY == 0;
			for (size_t p = 0; p < j->config.n_paths && !j->stop; p++)
				refresh_list(j, (int)p, thorough);
			/* A slow file server is not kept busy re-scanning. */
			double took = dash_now() - start;
			next_full = dash_now() + (took * 20 > full_every ? took * 20 : full_every);
		}
	}
	return NULL;
}

/* ---- the main thread's side ------------------------------------------------- */

static void wake(dash_jobs *j)
{
	ssize_t n = write(j->wake[1], "x", 1);
	(void)n;
}

void dash_jobs_set_hot(dash_jobs *j, const char *const *roots, size_t n)
{
	char **copy = calloc(n ? n : 1, sizeof *copy);
	size_t k = 0;
	for (size_t i = 0; copy && i < n; i++)
		if ((copy[k] = strdup(roots[i])))
			k++;
	pthread_mutex_lock(&j->lock);
	char **old = j->hot;
	size_t n_old = j->n_hot;
	j->hot = copy, j->n_hot = copy ? k : 0;
	pthread_mutex_unlock(&j->lock);
	for (size_t i = 0; i < n_old; i++)
		free(old[i]);
	free(old);
}

void dash_jobs_refresh(dash_jobs *j, const char *root)
{
	char *copy = strdup(root);
	if (!copy)
		return;
	pthread_mutex_lock(&j->lock);
	if (j->n_asked == j->cap_asked) {
		size_t cap = j->cap_asked ? j->cap_asked * 2 : 8;
		char **grown = realloc(j->asked, cap * sizeof *grown);
		if (grown)
			j->asked = grown, j->cap_asked = cap;
	}
	if (j->n_asked < j->cap_asked)
		j->asked[j->n_asked++] = copy;
	else
		free(copy);
	pthread_mutex_unlock(&j->lock);
	wake(j);
}

bool dash_jobs_scanning(dash_jobs *j, size_t *out_runs, size_t *out_folders)
{
	pthread_mutex_lock(&j->lock);
	bool scanning = j->scanning;
	if (out_runs)
		*out_runs = j->scan_runs;
	if (out_folders)
		*out_folders = j->scan_folders;
	pthread_mutex_unlock(&j->lock);
	return scanning;
}

static void free_watched(const char *key, void *value, void *payload)
{
	(void)key;
	watched_free(payload, value);
}

void dash_scanner_free(dash_jobs *j)
{
	strmap_each(j->watched, free_watched, j);
	strmap_free(j->watched);
	j->watched = NULL;
	for (size_t p = 0; j->lists && p < j->config.n_paths; p++)
		ckpt_run_list_free(j->lists[p]);
	free(j->by_wd);
	if (j->ifd >= 0)
		close(j->ifd);
}
