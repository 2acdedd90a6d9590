/* dash-model.c: what the dashboard knows: every run found (by root), the
 * view the runs pane shows (filtered by name, sorted), the rows of the
 * selected run's epochs table (the epochs on disk, and with `u` the
 * history's unsaved points), the verify results that arrived before the
 * snapshot that records them, and which runs the workers should watch. */
#include "dash.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dash_model_init(dash *d)
{
	d->by_root = strmap_new();
	if (!d->by_root)
		term_fatal("out of memory");
	d->runs_panel.cursor = d->epochs_panel.cursor = d->dialog_panel.cursor = true;
	d->problems = calloc(d->o.n_paths ? d->o.n_paths : 1, sizeof *d->problems);
	d->problem_text = calloc(d->o.n_paths ? d->o.n_paths : 1, sizeof *d->problem_text);
	if (!d->problems || !d->problem_text)
		term_fatal("out of memory");
}

static void run_free(dash_run *r)
{
	if (!r)
		return;
	ckpt_run_unref(r->run);
	ckpt_history_free(r->history);
	for (size_t i = 0; i < r->n_checks; i++)
		free(r->checks[i].detail);
	free(r->checks);
	for (size_t i = 0; i < sizeof r->cells / sizeof r->cells[0]; i++)
		free(r->cells[i]);
	free(r->root);
	ckpt_free(r->name);
	free(r->raw);
	free(r);
}

void dash_model_free(dash *d)
{
	for (size_t i = 0; i < d->n_runs; i++)
		run_free(d->runs[i]);
	free(d->runs);
	free(d->view);
	free(d->rows);
	ckpt_run_unref(d->rows_run);
	ckpt_history_free(d->rows_history);
	strmap_free(d->by_root);
	free(d->keep_root);
	for (size_t p = 0; p < d->o.n_paths && d->problem_text; p++)
		free(d->problem_text[p]);
	free(d->problem_text);
	free(d->problems);
	if (d->filtering)
		regfree(&d->filter);
}

const char *dash_run_name(const dash_run *r)
{
	return r->name ? r->name : "?";
}

const char *dash_run_raw_name(const dash_run *r)
{
	return r->raw ? r->raw : "?";
}

/* With several PATHs, a run's name starts with the PATH it was found under
 * (its names are relative to that PATH), unless the PATH is the run. */
static char *raw_name(dash *d, const ckpt_run *run, int path)
{
	const char *name = ckpt_run_name(run);
	char *full = NULL;
	if (d->o.n_paths > 1 && path >= 0) {
		const char *p = d->o.paths[path];
		size_t len = strlen(p);
		while (len > 1 && p[len - 1] == '/')
			len--;
		const char *base = strrchr(p, '/');
		base = base && base[1] ? base + 1 : p;
		bool is_run = strcmp(name, base) == 0 && !strchr(name, '/');
		if (is_run ? asprintf(&full, "%.*s", (int)len, p) < 0
			   : asprintf(&full, "%.*s/%s", (int)len, p, name) < 0)
			full = NULL;
		return full;
	}
	return strdup(name);
}

static char *escaped(const dash *d, const char *text)
{
	return ckpt_escape_dup(text, d->ascii ? CKPT_ESCAPE_ASCII : 0);
}

dash_run *dash_model_find(const dash *d, const char *root)
{
	return root ? strmap_get(d->by_root, root) : NULL;
}

dash_run *dash_model_put(dash *d, ckpt_run *run, int path)
{
	dash_run *r = dash_model_find(d, ckpt_run_root(run));
	if (r) {
		if (r->run != run) {
			ckpt_run *old = r->run;
			r->run = ckpt_run_ref(run);
			r->health = ckpt_run_health(run);
			ckpt_run_unref(old);
			d->view_dirty = d->runs_table_dirty = true;
			if (r == dash_selected(d))
				d->epochs_dirty = true;
			/* A new snapshot may mean new history lines (the reader
			 * merges a request with one still waiting). */
			r->history_asked = false;
		}
		return r;
	}
	if (d->n_runs == d->cap_runs) {
		size_t cap = d->cap_runs ? d->cap_runs * 2 : 64;
		dash_run **grown = realloc(d->runs, cap * sizeof *grown);
		if (!grown)
			term_fatal("out of memory");
		d->runs = grown, d->cap_runs = cap;
	}
	r = calloc(1, sizeof *r);
	if (!r || !(r->root = strdup(ckpt_run_root(run))) || !(r->raw = raw_name(d, run, path)) ||
	    !(r->name = escaped(d, r->raw)) || strmap_set(d->by_root, r->root, r) != 0)
		term_fatal("out of memory");
	r->run = ckpt_run_ref(run);
	r->health = ckpt_run_health(run);
	r->path = path;
	d->runs[d->n_runs++] = r;
	d->view_dirty = d->runs_table_dirty = true;
	return r;
}

void dash_model_reconcile(dash *d, int path, ckpt_run *const *runs, size_t n)
{
	for (size_t i = 0; i < d->n_runs; i++)
		d->runs[i]->seen = false;
	for (size_t i = 0; i < n; i++)
		dash_model_put(d, runs[i], path)->seen = true;
	/* The selected run, by root, for the view rebuilt after a drop. */
	const dash_run *sel = dash_selected(d);
	char *sel_root = sel ? strdup(sel->root) : NULL;
	size_t kept = 0;
	for (size_t i = 0; i < d->n_runs; i++) {
		dash_run *r = d->runs[i];
		if (r->path != path || r->seen) {
			d->runs[kept++] = r;
			continue;
		}
		strmap_remove(d->by_root, r->root);
		if (r == d->rows_of)
			d->rows_of = NULL, d->epochs_dirty = true;
		d->n_marked -= r->marked;
		run_free(r);
		d->view_dirty = d->runs_table_dirty = true;
	}
	d->n_runs = kept;
	if (d->view_dirty) {
		/* The view holds indices: it is made again before it is read. */
		free(d->view);
		d->view = NULL;
		d->n_view = 0;
		d->runs_panel.count = 0;
		if (!d->keep_root) {
			d->keep_root = sel_root;
			sel_root = NULL;
		}
	}
	free(sel_root);
}

/* ---- the view ------------------------------------------------------------------ */

static int compare_view(const void *a, const void *b, void *payload)
{
	const dash *d = payload;
	const dash_run *x = d->runs[*(const size_t *)a], *y = d->runs[*(const size_t *)b];
	int order = d->sort == CLI_SORT_NAME ? 0 : cli_run_compare(x->run, y->run, d->sort);
	/* cli_run_compare's ties go by the library's name; ours by the one shown. */
	if (order == 0 || d->sort == CLI_SORT_NAME)
		order = strcmp(dash_run_name(x), dash_run_name(y));
	return order;
}

static bool matches(const dash *d, const dash_run *r)
{
	return !d->filtering || regexec(&d->filter, dash_run_name(r), 0, NULL, 0) == 0;
}

dash_run *dash_selected(const dash *d)
{
	if (!d->view || d->n_view == 0 || d->runs_panel.selected >= d->n_view)
		return NULL;
	return d->runs[d->view[d->runs_panel.selected]];
}

void dash_model_update_view(dash *d)
{
	if (!d->view_dirty)
		return;
	/* The selection is remembered by root: indices move. The view may be
	 * gone (a run was dropped): then the run whose epochs are shown. */
	char *selected = d->keep_root;
	d->keep_root = NULL;
	const dash_run *was = dash_selected(d) ? dash_selected(d) : d->rows_of;
	if (!selected && was)
		selected = strdup(was->root);
	size_t *view = malloc((d->n_runs ? d->n_runs : 1) * sizeof *view);
	if (!view)
		term_fatal("out of memory");
	size_t n = 0;
	d->n_marked = 0;
	for (size_t i = 0; i < d->n_runs; i++) {
		d->n_marked += d->runs[i]->marked;
		if (matches(d, d->runs[i]))
			view[n++] = i;
	}
	qsort_r(view, n, sizeof *view, compare_view, d);
	free(d->view);
	d->view = view;
	d->n_view = n;
	size_t at = 0;
	for (size_t i = 0; selected && i < n; i++)
		if (strcmp(d->runs[view[i]]->root, selected) == 0)
			at = i;
	free(selected);
	panel_keep(&d->runs_panel, n, d->user_moved ? at : 0);
	if (!d->user_moved)
		panel_home(&d->runs_panel);
	d->view_dirty = false;
	d->runs_table_dirty = true;
	if (dash_selected(d) != d->rows_of)
		d->epochs_dirty = true;
}

size_t dash_targets(const dash *d, dash_run ***out)
{
	*out = calloc(d->n_view ? d->n_view : 1, sizeof **out);
	if (!*out)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < d->n_view; i++)
		if (d->runs[d->view[i]]->marked)
			(*out)[n++] = d->runs[d->view[i]];
	if (n == 0 && dash_selected(d))
		(*out)[n++] = dash_selected(d);
	return n;
}

/* ---- the epochs table's rows --------------------------------------------------- */

static int compare_rows(const void *a, const void *b)
{
	const dash_row *x = a, *y = b;
	if (x->epoch != y->epoch)
		return x->epoch < y->epoch ? -1 : 1;
	/* The same epoch saved and not: the older session first. */
	if (x->session != y->session)
		return x->session < y->session ? -1 : 1;
	return (x->e != NULL) - (y->e != NULL);
}

/* The history point of an epoch on disk: its last save. */
static size_t point_of(const ckpt_history *h, const ckpt_run *run, int64_t epoch, int *session)
{
	size_t n = h ? ckpt_history_count(h) : 0;
	for (size_t i = n; i-- > 0;)
		if (ckpt_history_epoch(h, i) == epoch && ckpt_history_on_disk(h, i, run)) {
			*session = ckpt_history_session(h, i);
			return i;
		}
	return SIZE_MAX;
}

static size_t find_row(const dash *d, int64_t epoch, bool unsaved, int session)
{
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < d->n_rows; i++) {
		const dash_row *row = &d->rows[i];
		if (row->epoch == epoch && (row->e == NULL) == unsaved &&
		    (!unsaved || row->session == session))
			return i;
		/* Else the nearest epoch at or before it. */
		if (row->epoch <= epoch)
			best = i;
	}
	return best == SIZE_MAX ? 0 : best;
}

static void remember_selection(dash *d)
{
	const dash_row *row = dash_selected_row(d);
	if (!d->rows_of || !row)
		return;
	d->rows_of->sel_epoch = row->epoch;
	d->rows_of->sel_unsaved = row->e == NULL;
	d->rows_of->sel_session = row->session;
	d->rows_of->sel_line = d->epochs_panel.selected - d->epochs_panel.top;
}

void dash_model_update_rows(dash *d)
{
	dash_run *r = dash_selected(d);
	ckpt_history *hist = r ? r->history : NULL;
	if (!d->epochs_dirty && r == d->rows_of && (!r || r->run == d->rows_run) &&
	    hist == d->rows_history)
		return;
	bool same_run = r == d->rows_of;
	remember_selection(d);
	free(d->rows);
	d->rows = NULL;
	d->n_rows = 0;
	d->rows_of = r;
	/* Held: the rows point into them until they are made again. */
	ckpt_run_unref(d->rows_run);
	ckpt_history_free(d->rows_history);
	d->rows_run = r ? ckpt_run_ref(r->run) : NULL;
	d->rows_history = ckpt_history_ref(hist);
	d->epochs_dirty = false;
	d->epochs_table_width = -1; /* rebuilt when drawn */
	if (!r) {
		panel_keep(&d->epochs_panel, 0, 0);
		return;
	}
	const ckpt_history *h = (hist);
	size_t n_epochs = ckpt_run_epoch_count(r->run), n_points = h ? ckpt_history_count(h) : 0;
	d->rows = calloc(n_epochs + (d->show_unsaved ? n_points : 0) + 1, sizeof *d->rows);
	if (!d->rows)
		term_fatal("out of memory");
	for (size_t i = 0; i < n_epochs; i++) {
		dash_row *row = &d->rows[d->n_rows++];
		row->e = ckpt_run_epoch(r->run, i);
		row->epoch = ckpt_epoch_number(row->e);
		row->point = point_of(h, r->run, row->epoch, &row->session);
	}
	for (size_t i = 0; d->show_unsaved && i < n_points; i++) {
		if (ckpt_history_on_disk(h, i, r->run))
			continue;
		dash_row *row = &d->rows[d->n_rows++];
		row->epoch = ckpt_history_epoch(h, i);
		row->point = i;
		row->session = ckpt_history_session(h, i);
	}
	qsort(d->rows, d->n_rows, sizeof *d->rows, compare_rows);
	if (!same_run) {
		/* A run opens on its last epoch (or where the user left it). */
		int64_t epoch = r->sel_epoch ? r->sel_epoch : ckpt_run_last(r->run);
		size_t at = epoch ? find_row(d, epoch, r->sel_unsaved, r->sel_session)
				  : (d->n_rows ? d->n_rows - 1 : 0);
		d->epochs_panel.count = d->n_rows;
		d->epochs_panel.selected = at;
		d->epochs_panel.top = at >= r->sel_line ? at - r->sel_line : 0;
		if (!r->sel_epoch) /* first shown: the last epoch near the bottom */
			d->epochs_panel.top = at + 1 > (size_t)d->epochs_panel.height
						  ? at + 1 - (size_t)d->epochs_panel.height
						  : 0;
		panel_keep(&d->epochs_panel, d->n_rows, at);
		d->details_panel.top = 0;
	} else {
		/* The same epoch stays selected on its line. A view that showed
		 * the end follows it, as tail -f does, while the selection stays
		 * in view; one scrolled back stays where it is. */
		panel *p = &d->epochs_panel;
		bool at_end = p->top + (size_t)(p->height > 0 ? p->height : 1) >= p->count;
		size_t at = find_row(d, r->sel_epoch, r->sel_unsaved, r->sel_session);
		panel_keep(p, d->n_rows, at);
		if (at_end && p->height > 0 && d->n_rows > (size_t)p->height) {
			size_t end_top = d->n_rows - (size_t)p->height;
			p->top = end_top <= p->selected ? end_top : p->selected;
		}
	}
}

const dash_row *dash_selected_row(const dash *d)
{
	if (!d->rows || d->epochs_panel.selected >= d->n_rows)
		return NULL;
	return &d->rows[d->epochs_panel.selected];
}

/* ---- verify results ---------------------------------------------------------------- */

ckpt_check_state dash_check_of(const dash_run *r, const ckpt_epoch *e, ckpt_verify_result *result,
			       int64_t *at, const char **detail)
{
	if (detail)
		*detail = NULL;
	for (size_t i = 0; r && e && i < r->n_checks; i++)
		if (r->checks[i].epoch == ckpt_epoch_number(e)) {
			*result = r->checks[i].result;
			*at = r->checks[i].at;
			if (detail)
				*detail = r->checks[i].detail;
			return CKPT_CHECK_CURRENT;
		}
	return e ? ckpt_epoch_check(result, at, e) : CKPT_CHECK_NEVER;
}

void dash_model_add_check(dash_run *r, int64_t epoch, ckpt_verify_result result, int64_t at,
			  const char *detail)
{
	dash_check *c = NULL;
	for (size_t i = 0; i < r->n_checks; i++)
		if (r->checks[i].epoch == epoch)
			c = &r->checks[i];
	if (!c) {
		dash_check *grown = realloc(r->checks, (r->n_checks + 1) * sizeof *grown);
		if (!grown)
			return;
		r->checks = grown;
		c = &r->checks[r->n_checks++];
		c->detail = NULL;
	}
	c->epoch = epoch, c->result = result, c->at = at;
	free(c->detail);
	c->detail = detail ? strdup(detail) : NULL;
	r->checks_done = false;
}

/* ---- what the workers should do ------------------------------------------------------ */

void dash_model_sync_jobs(dash *d)
{
	if (!d->jobs)
		return;
	dash_run *sel = dash_selected(d);
	const char **hot = calloc(d->n_marked + 2, sizeof *hot);
	size_t n = 0;
	if (hot && sel)
		hot[n++] = sel->root;
	for (size_t i = 0; hot && i < d->n_runs && n < d->n_marked + 2; i++)
		if (d->runs[i]->marked && d->runs[i] != sel)
			hot[n++] = d->runs[i]->root;
	if (hot)
		dash_jobs_set_hot(d->jobs, hot, n);
	/* Histories: the selected run's, and the marked runs' for the overlay. */
	for (size_t i = 0; i < n; i++) {
		dash_run *r = dash_model_find(d, hot[i]);
		if (r && !r->history_asked) {
			r->history_asked = true;
			r->history_asked_at = d->now;
			dash_jobs_history(d->jobs, r->run, r != sel);
		}
	}
	free(hot);
}

void dash_model_retry_history(dash *d)
{
	dash_run *sel = dash_selected(d);
	if (d->jobs && sel && sel->history_asked && !sel->history &&
	    d->now - sel->history_asked_at > 2.0) {
		sel->history_asked_at = d->now;
		dash_jobs_history(d->jobs, sel->run, false);
	}
}
