/* history.c: a run's metric history as front ends read it: every epoch call
 * of every writer session from metrics.jsonl or ckpt.log (history-parse.c),
 * reconciled with the epochs on disk so that no saved epoch is ever missing
 * from it, refreshed by reading only what was appended. */
#include "history-private.h"
#include "run-private.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building ---------------------------------------------------------- */

int hist_new(ckpt_history **out)
{
	*out = calloc(1, sizeof **out);
	if (!*out)
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	(*out)->refs = 1;
	return 0;
}

void hist_point_clear(hist_point *point)
{
	free(point->time);
	for (size_t i = 0; i < point->n_extra; i++)
		free((char *)point->extra[i].name);
	free(point->extra);
	memset(point, 0, sizeof *point);
}

static int grow(ckpt_history *h)
{
	if (h->n_points < h->cap)
		return 0;
	size_t cap = h->cap ? h->cap * 2 : 64;
	hist_point *points = reallocarray(h->points, cap, sizeof *points);
	if (!points)
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	h->points = points;
	h->cap = cap;
	return 0;
}

int hist_push(ckpt_history *h, hist_point *point)
{
	int rc = grow(h);
	if (rc) {
		hist_point_clear(point);
		return rc;
	}
	h->points[h->n_points++] = *point;
	if ((size_t)point->session > h->n_sessions)
		h->n_sessions = (size_t)point->session;
	return 0;
}

int hist_set_metric(ckpt_history *h, const char *metric)
{
	if (h->metric && strcmp(h->metric, metric) == 0)
		return 0;
	char *copy = ckpt_strdup(metric);
	if (!copy)
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	free(h->metric);
	h->metric = copy;
	return 0;
}

static int copy_point(hist_point *to, const hist_point *from)
{
	*to = *from;
	to->time = NULL;
	to->extra = NULL;
	to->n_extra = 0;
	if (from->time && !(to->time = ckpt_strdup(from->time)))
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	if (from->n_extra && !(to->extra = calloc(from->n_extra, sizeof *to->extra)))
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	for (size_t j = 0; j < from->n_extra; j++) {
		char *name = ckpt_strdup(from->extra[j].name);
		if (!name)
			return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
		to->extra[to->n_extra++] = (ckpt_metric){name, from->extra[j].value};
	}
	return 0;
}

/* ---- reconciling with the epochs on disk ------------------------------- */

/* The saved points read from files, sorted by epoch, then by position. */
typedef struct saved_key {
	long epoch;
	size_t index;
	int session;
} saved_key;

static int compare_saved(const void *a, const void *b)
{
	const saved_key *x = a, *y = b;
	if (x->epoch != y->epoch)
		return (x->epoch > y->epoch) - (x->epoch < y->epoch);
	return (x->index > y->index) - (x->index < y->index);
}

/* Every saved point's key, sorted; *out NULL (and n 0) when none. */
static int saved_keys(saved_key **out, size_t *out_n, const ckpt_history *h)
{
	*out = NULL;
	*out_n = 0;
	size_t n = 0;
	for (size_t i = 0; i < h->n_points; i++)
		n += h->points[i].saved;
	if (n == 0)
		return 0;
	saved_key *keys = calloc(n, sizeof *keys);
	if (!keys)
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	n = 0;
	for (size_t i = 0; i < h->n_points; i++)
		if (h->points[i].saved)
			keys[n++] = (saved_key){h->points[i].epoch, i, h->points[i].session};
	qsort(keys, n, sizeof *keys, compare_saved);
	*out = keys;
	*out_n = n;
	return 0;
}

/* Whether some saved point records epoch (in `session` when it is known). */
static bool recorded(const saved_key *keys, size_t n, long epoch, int session)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (keys[mid].epoch < epoch)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < n && keys[i].epoch == epoch; i++)
		if (session == 0 || keys[i].session == session)
			return true;
	return false;
}

/* The point for an epoch on disk that no line records: a writer killed
 * between publishing it and appending its line. */
static int recovered_point(hist_point *out, const ckpt_history *h, const epoch_data *d,
			   long run_best, int *unknown_sessions)
{
	memset(out, 0, sizeof *out);
	out->epoch = d->epoch;
	out->saved = true;
	out->recovered = true;
	/* No line says it improved the metric; `best` naming it says so. */
	out->became_best = run_best == d->epoch;
	out->has_value = d->has_info_metric;
	out->value = d->info_metric;
	int session = d->session ? session_number(h, d->session) : 0;
	if (!session && d->session)
		session = (int)h->n_sessions + ++*unknown_sessions; /* it wrote no line at all */
	if (!session)
		session = h->n_sessions ? (int)h->n_sessions : 1;
	out->session = session;
	if (d->timestamp && !(out->time = ckpt_strdup(d->timestamp)))
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	if (d->n_extra && !(out->extra = calloc(d->n_extra, sizeof *out->extra)))
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	for (size_t j = 0; j < d->n_extra; j++) {
		char *name = ckpt_strdup(d->extra_names[j]);
		if (!name) {
			hist_point_clear(out);
			return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
		}
		out->extra[out->n_extra++] = (ckpt_metric){name, d->extra_values[j]};
	}
	return 0;
}

/* Where a recovered point goes: after the last point of its session with
 * an earlier epoch, else before its session's first, else at the end. */
static size_t insertion_index(const ckpt_history *h, const hist_point *p)
{
	size_t after = h->n_points, first = h->n_points;
	bool found = false;
	for (size_t i = 0; i < h->n_points; i++) {
		if (h->points[i].session != p->session)
			continue;
		if (first == h->n_points)
			first = i;
		if (h->points[i].epoch < p->epoch) {
			after = i + 1;
			found = true;
		}
	}
	return found ? after : first;
}

static int insert_point(ckpt_history *h, hist_point *point)
{
	int rc = grow(h);
	if (rc) {
		hist_point_clear(point);
		return rc;
	}
	size_t at = insertion_index(h, point);
	memmove(h->points + at + 1, h->points + at, (h->n_points - at) * sizeof *h->points);
	h->points[at] = *point;
	h->n_points++;
	if ((size_t)point->session > h->n_sessions)
		h->n_sessions = (size_t)point->session;
	return 0;
}

static int reconcile(ckpt_history *h, const ckpt_run *run)
{
	saved_key *keys = NULL;
	size_t n_keys = 0;
	int unknown = 0;
	long best = run && (run->best_state == CKPT_LINK_OK || run->best_state == CKPT_LINK_RELOCATED)
			? run->best
			: 0;
	int rc = saved_keys(&keys, &n_keys, h);
	for (size_t i = 0; !rc && run && i < run->n_epochs; i++) {
		const epoch_data *d = run->epochs[i].data;
		int session = d->session ? session_number(h, d->session) : 0;
		if (recorded(keys, n_keys, d->epoch, session))
			continue;
		hist_point point;
		rc = recovered_point(&point, h, d, best, &unknown);
		if (!rc)
			rc = insert_point(h, &point);
	}
	free(keys);
	return rc;
}

/* ---- what the points amount to ----------------------------------------- */

static int add_extra_name(ckpt_history *h, const char *name)
{
	for (size_t j = 0; j < h->n_extra_names; j++)
		if (strcmp(h->extra_names[j], name) == 0)
			return 0;
	char **grown = reallocarray(h->extra_names, h->n_extra_names + 1, sizeof *grown);
	char *copy = grown ? ckpt_strdup(name) : NULL;
	if (grown)
		h->extra_names = grown;
	if (!copy)
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	h->extra_names[h->n_extra_names++] = copy;
	return 0;
}

static int set_problem(ckpt_history *h)
{
	free(h->problem);
	h->problem = NULL;
	char torn[160] = "", bad[200] = "";
	if (h->torn_tail)
		snprintf(torn, sizeof torn,
			 "%s: its last line is incomplete (a writer stopped while writing it)",
			 CKPT_HISTORY_NAME);
	if (h->bad_lines)
		snprintf(bad, sizeof bad, "%s: %zu line%s not a history record (the first: line %zu)",
			 CKPT_HISTORY_NAME, h->bad_lines, h->bad_lines == 1 ? " is" : "s are",
			 h->first_bad_line + 1);
	if (!torn[0] && !bad[0] && !h->refused[0])
		return 0;
	h->problem = ckpt_sprintf("%s%s%s%s%s", h->refused, h->refused[0] && (torn[0] || bad[0]) ? "; " : "",
				  torn, torn[0] && bad[0] ? "; " : "", bad);
	return h->problem ? 0 : ckpt_fail(CKPT_ENOMEM, "history: out of memory");
}

/* Where each session branched off (its first epoch less one), and which
 * points a later session's branch abandoned. */
static int find_branches(ckpt_history *h)
{
	size_t n = h->n_sessions;
	free(h->session_starts);
	h->session_starts = calloc(n ? n : 1, sizeof *h->session_starts);
	int64_t *later_min = calloc(n + 1, sizeof *later_min);
	bool *seen = calloc(n ? n : 1, sizeof *seen);
	int rc = h->session_starts && later_min && seen
		     ? 0
		     : ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	for (size_t i = 0; !rc && i < h->n_points; i++) {
		const hist_point *p = &h->points[i];
		size_t s = (size_t)p->session;
		if (s < 1 || s > n || seen[s - 1])
			continue;
		seen[s - 1] = true;
		h->session_starts[s - 1] = p->epoch - 1;
	}
	if (!rc) {
		/* later_min[s]: the lowest branch point of the sessions after s. */
		later_min[n] = INT64_MAX;
		for (size_t s = n; s-- > 0;)
			later_min[s] =
			    seen[s] && h->session_starts[s] < later_min[s + 1] ? h->session_starts[s]
									       : later_min[s + 1];
		for (size_t i = 0; i < h->n_points; i++) {
			hist_point *p = &h->points[i];
			size_t s = (size_t)p->session;
			p->superseded = s >= 1 && s <= n && p->epoch > later_min[s];
		}
	}
	free(later_min);
	free(seen);
	return rc;
}

/* Marks the last save of each epoch, and gathers the extra metrics' names. */
static int finish(ckpt_history *h)
{
	saved_key *keys = NULL;
	size_t n_keys = 0;
	int rc = saved_keys(&keys, &n_keys, h);
	if (rc)
		return rc;
	for (size_t i = 0; i < h->n_points; i++)
		h->points[i].last_save = false;
	for (size_t k = 0; k < n_keys; k++)
		if (k + 1 == n_keys || keys[k + 1].epoch != keys[k].epoch)
			h->points[keys[k].index].last_save = true;
	free(keys);
	int rc2 = find_branches(h);
	if (rc2)
		return rc2;
	for (size_t j = 0; j < h->n_extra_names; j++)
		free(h->extra_names[j]);
	h->n_extra_names = 0;
	for (size_t i = 0; !rc && i < h->n_points; i++)
		for (size_t j = 0; !rc && j < h->points[i].n_extra; j++)
			rc = add_extra_name(h, h->points[i].extra[j].name);
	return rc ? rc : set_problem(h);
}

/* ---- loading and refreshing --------------------------------------------- */

int hist_complete(ckpt_history *h, const ckpt_run *run)
{
	int rc = 0;
	if (run && run->name && !h->run_name && !(h->run_name = ckpt_strdup(run->name)))
		rc = ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	if (!rc)
		rc = reconcile(h, run);
	if (!rc)
		rc = finish(h);
	return rc;
}

int ckpt_history_load(ckpt_history **out, const ckpt_run *run)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_history_load: no place for the history");
	*out = NULL;
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_history_load: no run");
	ckpt_history *h = NULL;
	int rc = ckpt_history_read(&h, ckpt_run_history_path(run), ckpt_run_log_path(run));
	if (!rc)
		rc = hist_complete(h, run);
	if (rc) {
		ckpt_history_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

/* A copy of old's points read from files (not the recovered ones), with
 * everything needed to go on reading metrics.jsonl where old stopped. */
static int copy_read_part(ckpt_history **out, const ckpt_history *old)
{
	int rc = hist_new(out);
	if (rc)
		return rc;
	ckpt_history *h = *out;
	h->direction = old->direction;
	h->from_jsonl = old->from_jsonl;
	h->history_sig = old->history_sig, h->log_sig = old->log_sig;
	h->jsonl_offset = old->jsonl_offset, h->jsonl_lines = old->jsonl_lines;
	h->bad_lines = old->bad_lines, h->first_bad_line = old->first_bad_line;
	h->session_base = old->session_base;
	memcpy(h->refused, old->refused, sizeof h->refused);
	h->has_log_start = old->has_log_start, h->log_start = old->log_start;
	h->n_sessions = old->file_sessions;
	if ((old->metric && !(h->metric = ckpt_strdup(old->metric))) ||
	    (old->history_path && !(h->history_path = ckpt_strdup(old->history_path))) ||
	    (old->log_path && !(h->log_path = ckpt_strdup(old->log_path))) ||
	    (old->run_name && !(h->run_name = ckpt_strdup(old->run_name))))
		rc = ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	if (!rc)
		rc = session_map_copy(&h->sessions, &old->sessions);
	for (size_t i = 0; !rc && i < old->n_points; i++) {
		if (old->points[i].recovered)
			continue;
		hist_point point;
		rc = copy_point(&point, &old->points[i]);
		if (rc)
			hist_point_clear(&point);
		else
			rc = hist_push(h, &point);
	}
	return rc;
}

static bool same_file(const ckpt_file_sig *a, const ckpt_file_sig *b)
{
	return a->err == 0 && b->err == 0 && a->dev == b->dev && a->ino == b->ino;
}

/* Whether what old read can be continued: the same files, only grown. */
static bool only_appended(const ckpt_history *old, const ckpt_file_sig *jsonl,
			  const ckpt_file_sig *log)
{
	if (!old->from_jsonl) /* the original's log alone: read again when it changed */
		return ckpt_file_sig_equal(&old->log_sig, log) && jsonl->err != 0;
	bool log_kept = old->log_sig.err ? log->err != 0 || old->session_base == 0
					 : same_file(&old->log_sig, log) &&
					       log->size >= old->log_sig.size;
	return same_file(&old->history_sig, jsonl) &&
	       (uint64_t)jsonl->size >= old->jsonl_offset && log_kept;
}

int ckpt_history_refresh(ckpt_history **out, bool *out_changed, const ckpt_history *old,
			 const ckpt_run *run)
{
	if (out_changed)
		*out_changed = false;
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_history_refresh: no place for the history");
	*out = NULL;
	if (!old || !run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_history_refresh: no %s", old ? "run" : "history");
	ckpt_file_sig jsonl, log;
	ckpt_file_sig_at(&jsonl, AT_FDCWD, old->history_path ? old->history_path : "");
	ckpt_file_sig_at(&log, AT_FDCWD, old->log_path ? old->log_path : "");
	if (!only_appended(old, &jsonl, &log)) {
		int rc = ckpt_history_load(out, run);
		if (out_changed)
			*out_changed = rc == 0;
		return rc;
	}
	ckpt_history *h = NULL;
	int rc = copy_read_part(&h, old);
	bool grew = old->from_jsonl && (uint64_t)jsonl.size > old->jsonl_offset;
	if (!rc && grew)
		rc = hist_read_jsonl_tail(h);
	h->file_sessions = h->n_sessions;
	if (!rc) {
		h->history_sig = jsonl;
		h->log_sig = log;
		rc = hist_complete(h, run);
	}
	if (rc) {
		ckpt_history_free(h);
		return rc;
	}
	if (out_changed) {
		bool same = h->n_points == old->n_points;
		for (size_t i = 0; same && i < h->n_points; i++)
			same = h->points[i].epoch == old->points[i].epoch &&
			       h->points[i].recovered == old->points[i].recovered &&
			       h->points[i].session == old->points[i].session;
		*out_changed = !same || h->torn_tail != old->torn_tail;
	}
	*out = h;
	return 0;
}

ckpt_history *ckpt_history_ref(ckpt_history *h)
{
	if (h)
		__atomic_add_fetch(&h->refs, 1, __ATOMIC_RELAXED);
	return h;
}

void ckpt_history_free(ckpt_history *h)
{
	if (!h || __atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(h->session_starts);
	for (size_t i = 0; i < h->n_points; i++)
		hist_point_clear(&h->points[i]);
	for (size_t j = 0; j < h->n_extra_names; j++)
		free(h->extra_names[j]);
	free(h->extra_names);
	free(h->points);
	free(h->metric);
	free(h->run_name);
	free(h->problem);
	free(h->history_path);
	free(h->log_path);
	session_map_clear(&h->sessions);
	free(h);
}

/* ---- accessors ----------------------------------------------------------- */

static const hist_point *point_at(const ckpt_history *h, size_t i)
{
	return h && i < h->n_points ? &h->points[i] : NULL;
}

size_t ckpt_history_count(const ckpt_history *h)
{
	return h ? h->n_points : 0;
}

size_t ckpt_history_session_count(const ckpt_history *h)
{
	return h ? h->n_sessions : 0;
}

const char *ckpt_history_metric(const ckpt_history *h)
{
	return h ? h->metric : NULL;
}

char ckpt_history_direction(const ckpt_history *h)
{
	return h ? h->direction : 0;
}

const char *ckpt_history_problem(const ckpt_history *h)
{
	return h ? h->problem : NULL;
}

size_t ckpt_history_extra_name_count(const ckpt_history *h)
{
	return h ? h->n_extra_names : 0;
}

const char *ckpt_history_extra_name(const ckpt_history *h, size_t j)
{
	return h && j < h->n_extra_names ? h->extra_names[j] : NULL;
}

int64_t ckpt_history_epoch(const ckpt_history *h, size_t i)
{
	const hist_point *p = point_at(h, i);
	return p ? p->epoch : 0;
}

bool ckpt_history_value(double *out, const ckpt_history *h, size_t i)
{
	const hist_point *p = point_at(h, i);
	if (!p || !p->has_value)
		return false;
	if (out)
		*out = p->value;
	return true;
}

bool ckpt_history_saved(const ckpt_history *h, size_t i)
{
	const hist_point *p = point_at(h, i);
	return p && p->saved;
}

bool ckpt_history_became_best(const ckpt_history *h, size_t i)
{
	const hist_point *p = point_at(h, i);
	return p && p->became_best;
}

int ckpt_history_session(const ckpt_history *h, size_t i)
{
	const hist_point *p = point_at(h, i);
	return p ? p->session : 0;
}

const char *ckpt_history_time(const ckpt_history *h, size_t i)
{
	const hist_point *p = point_at(h, i);
	return p ? p->time : NULL;
}

bool ckpt_history_recovered(const ckpt_history *h, size_t i)
{
	const hist_point *p = point_at(h, i);
	return p && p->recovered;
}

bool ckpt_history_extra(double *out, const ckpt_history *h, size_t i, const char *name)
{
	const hist_point *p = point_at(h, i);
	for (size_t j = 0; p && name && j < p->n_extra; j++) {
		if (strcmp(p->extra[j].name, name) == 0) {
			if (out)
				*out = p->extra[j].value;
			return true;
		}
	}
	return false;
}

bool ckpt_history_on_disk(const ckpt_history *h, size_t i, const ckpt_run *run)
{
	const hist_point *p = point_at(h, i);
	return p && p->saved && p->last_save && ckpt_run_find_epoch(run, p->epoch) != NULL;
}

bool ckpt_history_time_seconds(int64_t *out, const ckpt_history *h, size_t i)
{
	const hist_point *p = point_at(h, i);
	int64_t seconds;
	if (!p || !p->time || !ckpt_stamp_seconds(p->time, &seconds))
		return false;
	if (out)
		*out = seconds;
	return true;
}

bool ckpt_history_superseded(const ckpt_history *h, size_t i)
{
	const hist_point *p = point_at(h, i);
	return p && p->superseded;
}

int64_t ckpt_history_session_start(const ckpt_history *h, int session)
{
	if (!h || !h->session_starts || session < 1 || (size_t)session > h->n_sessions)
		return 0;
	int64_t start = h->session_starts[session - 1];
	return start > 0 ? start : 0;
}
