/* dash-panes.c: the runs pane and the epochs pane: their cells built with
 * the formatters the subcommands use (format.c, run-text.c) into fmt
 * tables, fitted to the pane's width by the same engine as `ckpt ls`, and
 * drawn a row at a time with each cell's colour. */
#include "dash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef term_role (*cell_role_fn)(dash *d, size_t row, size_t col);

/* One table row (row FMT_HEADER: the header) at line y of r. */
static void draw_row(dash *d, const dash_rect *r, int y, const fmt_table *t, size_t row,
		     const size_t *widths, size_t ncols, bool selected, bool focused,
		     cell_role_fn role_of)
{
	attr_t fill = row == FMT_HEADER ? term_attr(ROLE_HEADER)
		      : selected        ? term_attr(focused ? ROLE_SELECTED : ROLE_SELECTED_IDLE)
					: 0;
	if (fill)
		dash_fill(d->win, y, r->x, r->w, fill);
	int x = r->x;
	bool first = true;
	for (size_t c = 0; c < ncols && x < r->x + r->w; c++) {
		if (!widths[c])
			continue;
		if (!first)
			x += 2;
		first = false;
		char cell[1024];
		fmt_table_cell(cell, sizeof cell, t, row, c, widths);
		attr_t attr = fill ? fill : term_attr(role_of(d, row, c));
		dash_put(d->win, y, x, r->x + r->w - x, cell, attr);
		x += (int)widths[c];
	}
}

/* ---- the runs pane ---------------------------------------------------------------- */

enum { R_MARK, R_NAME, R_EPOCHS, R_LAST, R_BEST, R_SAVED, R_SIZE, R_STATUS, N_RCOLS };

/* The least useful give way first (as in `ckpt ls`): the size, when it
 * was saved, the status narrows, the last epoch, the epochs on disk; the
 * name and the best value stay. */
static const fmt_column run_columns[N_RCOLS] = {
    [R_MARK] = {" ", FMT_LEFT, FMT_COL_ATOM, 0, 0, 0},
    [R_NAME] = {"NAME", FMT_LEFT, FMT_COL_NAME, 30, 0, 12},
    [R_EPOCHS] = {"EPOCHS", FMT_RIGHT, FMT_COL_ATOM, 0, 60, 0},
    [R_LAST] = {"LAST", FMT_RIGHT, FMT_COL_ATOM, 0, 50, 0},
    [R_BEST] = {"BEST", FMT_RIGHT, FMT_COL_ATOM, 0, 90, 0},
    [R_SAVED] = {"SAVED", FMT_LEFT, FMT_COL_ATOM, 0, 20, 0},
    [R_SIZE] = {"SIZE", FMT_RIGHT, FMT_COL_ATOM, 0, 10, 0},
    [R_STATUS] = {"STATUS", FMT_LEFT, FMT_COL_TEXT, 15, 70, 10},
};

static const char *shared_metric(const dash *d)
{
	const char *shared = NULL;
	for (size_t i = 0; i < d->n_view; i++) {
		const char *metric = ckpt_run_metric(d->runs[d->view[i]]->run);
		if (!metric)
			continue;
		if (shared && strcmp(shared, metric) != 0)
			return NULL;
		shared = metric;
	}
	return shared;
}

/* The cells of a run that only its snapshot changes. */
static void run_cells(dash *d, dash_run *r, int digits)
{
	const ckpt_run *run = r->run;
	char epochs[32], last[32], best[FMT_SHORT] = "-", size[FMT_SHORT], status[512];
	double v;
	snprintf(epochs, sizeof epochs, "%zu", ckpt_run_epoch_count(run));
	cli_link_cell(last, sizeof last, ckpt_run_last(run), ckpt_run_last_state(run));
	if (ckpt_run_best_metric(&v, run))
		fmt_metric_digits(best, v, digits);
	const char *text[N_RCOLS] = {
	    [R_NAME] = dash_run_name(r),
	    [R_EPOCHS] = epochs,
	    [R_LAST] = last,
	    [R_BEST] = best,
	    [R_SIZE] = fmt_size(size, ckpt_run_total_bytes(run)),
	    [R_STATUS] = dash_escape(d, status, sizeof status, ckpt_run_health_text(run)),
	};
	for (int c = 0; c < N_RCOLS; c++) {
		free(r->cells[c]);
		r->cells[c] = text[c] ? strdup(text[c]) : NULL;
		if (text[c] && !r->cells[c])
			term_fatal("out of memory");
	}
	r->cells_of = run;
	r->cells_digits = digits;
}

static void build_runs_table(dash *d, int width)
{
	fmt_table_free(d->runs_table);
	fmt_column cols[N_RCOLS];
	memcpy(cols, run_columns, sizeof cols);
	char metric[128] = "";
	const char *shared = shared_metric(d);
	if (shared)
		cols[R_BEST].header = dash_escape(d, metric, sizeof metric, shared);
	d->runs_table = fmt_table_new(N_RCOLS, cols);
	if (!d->runs_table)
		term_fatal("out of memory");
	fmt_table_set_ascii(d->runs_table, d->ascii);
	double *values = calloc(d->n_view + 1, sizeof *values);
	size_t n_values = 0;
	for (size_t i = 0; values && i < d->n_view; i++)
		if (ckpt_run_best_metric(&values[n_values], d->runs[d->view[i]]->run))
			n_values++;
	int digits = values ? fmt_distinct_digits(values, n_values) : 6;
	free(values);
	const term_glyphs *g = term_glyphs_get();
	for (size_t i = 0; i < d->n_view; i++) {
		dash_run *r = d->runs[d->view[i]];
		if (r->cells_of != r->run || r->cells_digits != digits)
			run_cells(d, r, digits);
		char saved[FMT_SHORT];
		const char *cells[N_RCOLS];
		for (int c = 0; c < N_RCOLS; c++)
			cells[c] = r->cells[c] ? r->cells[c] : "";
		cells[R_MARK] = r->marked ? g->mark : " ";
		/* Ages move on while the snapshot stays. */
		cells[R_SAVED] = fmt_age(saved, ckpt_run_updated(r->run), d->wall);
		if (fmt_table_add_row(d->runs_table, cells) != 0)
			term_fatal("out of memory");
	}
	if (fmt_table_fit(d->runs_table, (size_t)width, d->runs_widths) != 0)
		term_fatal("out of memory");
	d->runs_table_width = width;
	d->runs_table_dirty = false;
}

static term_role run_role(dash *d, size_t row, size_t col)
{
	const dash_run *r = d->runs[d->view[row]];
	if (col == R_MARK || (r->marked && col == R_NAME))
		return r->marked ? ROLE_MARKED : ROLE_NORMAL;
	if (col != R_STATUS)
		return ROLE_NORMAL;
	unsigned health = r->health;
	if (health & (CKPT_HEALTH_DAMAGED | CKPT_HEALTH_UNREADABLE | CKPT_HEALTH_BROKEN_LINK))
		return ROLE_ERROR;
	if (ckpt_health_is_problem(health))
		return ROLE_WARN;
	return health & CKPT_HEALTH_LIVE ? ROLE_LIVE : ROLE_OK;
}

static void draw_run_row(WINDOW *w, int y, size_t row, bool selected, void *payload)
{
	(void)w;
	dash *d = payload;
	draw_row(d, &d->layout.runs, y, d->runs_table, row, d->runs_widths, N_RCOLS, selected,
		 d->focus == PANE_RUNS, run_role);
}

void dash_draw_runs(dash *d, const dash_rect *r)
{
	char title[512], filter[300] = "", marked[64] = "";
	if (d->filtering)
		snprintf(filter, sizeof filter, " / filter %s", d->filter_text);
	if (d->n_marked)
		snprintf(marked, sizeof marked, " / %zu marked", d->n_marked);
	char count[64];
	if (d->n_view == d->n_runs)
		snprintf(count, sizeof count, "%zu", d->n_runs);
	else
		snprintf(count, sizeof count, "%zu of %zu", d->n_view, d->n_runs);
	snprintf(title, sizeof title, "RUNS  %s / sort %s%s%s", count, cli_sort_name(d->sort),
		 filter, marked);
	char esc[600];
	dash_pane_title(d, r, PANE_RUNS, dash_escape(d, esc, sizeof esc, title));
	if (d->runs_table_dirty || d->runs_table_width != r->w || !d->runs_table)
		build_runs_table(d, r->w);
	dash_rect body = {r->y + 1, r->x, r->h - 1, r->w};
	draw_row(d, &body, body.y, d->runs_table, FMT_HEADER, d->runs_widths, N_RCOLS, false, false,
		 run_role);
	if (d->n_view == 0) {
		dash_put(d->win, body.y + 1, r->x + 1, r->w - 1,
			 d->n_runs ? "no run matches the filter (/ changes it)" : "no runs yet",
			 term_attr(ROLE_DIM));
		return;
	}
	panel_draw(&d->runs_panel, d->win, body.y + 1, draw_run_row, d);
}

/* ---- the epochs pane --------------------------------------------------------------- */

enum { E_EPOCH, E_MARK, E_VALUE, E_CHECK, E_HEALTH, E_SIZE, E_BEST, E_SAVED, N_ECOLS };

/* The epoch, its markers and value stay longest; then the checksum state
 * and the health (narrowed first), the size, the best so far, the time. */
static const fmt_column epoch_columns[N_ECOLS] = {
    [E_EPOCH] = {"EPOCH", FMT_RIGHT, FMT_COL_ATOM, 0, 0, 0},
    [E_MARK] = {"MARK", FMT_LEFT, FMT_COL_ATOM, 0, 90, 0},
    [E_VALUE] = {"VALUE", FMT_RIGHT, FMT_COL_ATOM, 0, 95, 0},
    [E_CHECK] = {"CHECKSUM", FMT_LEFT, FMT_COL_TEXT, 50, 80, 9},
    [E_HEALTH] = {"HEALTH", FMT_LEFT, FMT_COL_TEXT, 45, 75, 9},
    [E_SIZE] = {"SIZE", FMT_RIGHT, FMT_COL_ATOM, 0, 30, 0},
    [E_BEST] = {"BEST SO FAR", FMT_RIGHT, FMT_COL_ATOM, 0, 20, 0},
    [E_SAVED] = {"SAVED AT", FMT_LEFT, FMT_COL_ATOM, 0, 10, 0},
};

static bool row_value(const dash *d, const dash_row *row, double *out)
{
	const ckpt_history *h = d->rows_history;
	if (row->e)
		return ckpt_epoch_metric(out, row->e);
	return h && row->point != SIZE_MAX && ckpt_history_value(out, h, row->point);
}

static void epoch_cells(dash *d, const dash_row *row, int digits, char cells[N_ECOLS][160])
{
	const ckpt_run *run = d->rows_of->run;
	const ckpt_history *h = d->rows_history;
	for (int c = 0; c < N_ECOLS; c++)
		cells[c][0] = '\0';
	snprintf(cells[E_EPOCH], 160, "%lld", (long long)row->epoch);
	double v;
	if (row_value(d, row, &v))
		fmt_metric_digits(cells[E_VALUE], v, digits);
	if (!row->e) {
		snprintf(cells[E_HEALTH], 160, "not saved");
		const char *t = h ? ckpt_history_time(h, row->point) : NULL;
		if (t)
			dash_escape(d, cells[E_SAVED], 160, t);
		return;
	}
	cli_marks_text(cells[E_MARK], 160, run, row->epoch);
	ckpt_verify_result result = CKPT_VERIFY_OK;
	int64_t at = 0;
	ckpt_check_state state = dash_check_of(d->rows_of, row->e, &result, &at, NULL);
	fmt_check(cells[E_CHECK], ckpt_epoch_checksum_kind(row->e), state, result, at, d->wall);
	ckpt_epoch_state health = ckpt_epoch_health(row->e);
	if (health != CKPT_EPOCH_OK)
		snprintf(cells[E_HEALTH], 160, "%s", ckpt_epoch_state_name(health));
	int64_t bytes = ckpt_epoch_model_bytes(row->e);
	if (bytes >= 0)
		fmt_size(cells[E_SIZE], (uint64_t)bytes);
	else
		snprintf(cells[E_SIZE], 160, "-");
	if (ckpt_epoch_best_metric_last(&v, row->e))
		fmt_metric_digits(cells[E_BEST], v, digits);
	time_t when = (time_t)ckpt_epoch_saved_at(row->e);
	struct tm tm;
	if (when > 0 && localtime_r(&when, &tm))
		strftime(cells[E_SAVED], 160, "%Y-%m-%d %H:%M:%S", &tm);
}

static void build_epochs_table(dash *d, int width)
{
	fmt_table_free(d->epochs_table);
	fmt_column cols[N_ECOLS];
	memcpy(cols, epoch_columns, sizeof cols);
	char metric[128];
	const char *name = d->rows_of ? ckpt_run_metric(d->rows_of->run) : NULL;
	if (name)
		cols[E_VALUE].header = dash_escape(d, metric, sizeof metric, name);
	d->epochs_table = fmt_table_new(N_ECOLS, cols);
	if (!d->epochs_table)
		term_fatal("out of memory");
	fmt_table_set_ascii(d->epochs_table, d->ascii);
	double *values = calloc(d->n_rows + 1, sizeof *values);
	size_t n_values = 0;
	for (size_t i = 0; values && i < d->n_rows; i++)
		if (row_value(d, &d->rows[i], &values[n_values]))
			n_values++;
	int digits = values ? fmt_distinct_digits(values, n_values) : 6;
	free(values);
	for (size_t i = 0; i < d->n_rows; i++) {
		char cells[N_ECOLS][160];
		epoch_cells(d, &d->rows[i], digits, cells);
		const char *row[N_ECOLS];
		for (int c = 0; c < N_ECOLS; c++)
			row[c] = cells[c];
		if (fmt_table_add_row(d->epochs_table, row) != 0)
			term_fatal("out of memory");
	}
	if (fmt_table_fit(d->epochs_table, (size_t)width, d->epochs_widths) != 0)
		term_fatal("out of memory");
	d->epochs_table_width = width;
}

static term_role epoch_role(dash *d, size_t row, size_t col)
{
	const dash_row *r = &d->rows[row];
	if (!r->e)
		return ROLE_DIM;
	const char *text = fmt_table_text(d->epochs_table, row, col);
	switch (col) {
	case E_MARK:
		return strstr(text, "best")   ? ROLE_BEST
		       : strstr(text, "last") ? ROLE_LAST
					      : ROLE_NORMAL;
	case E_CHECK: {
		ckpt_verify_result result = CKPT_VERIFY_OK;
		int64_t at = 0;
		ckpt_check_state state = dash_check_of(d->rows_of, r->e, &result, &at, NULL);
		if (state == CKPT_CHECK_CHANGED)
			return ROLE_WARN;
		if (state == CKPT_CHECK_CURRENT)
			return ckpt_verify_result_is_problem(result) ? ROLE_ERROR : ROLE_OK;
		return ROLE_DIM;
	}
	case E_HEALTH:
		return ckpt_epoch_health(r->e) == CKPT_EPOCH_DAMAGED ? ROLE_ERROR
		       : text[0]                                     ? ROLE_WARN
								     : ROLE_NORMAL;
	default: return ROLE_NORMAL;
	}
}

static void draw_epoch_row(WINDOW *w, int y, size_t row, bool selected, void *payload)
{
	(void)w;
	dash *d = payload;
	draw_row(d, &d->layout.epochs, y, d->epochs_table, row, d->epochs_widths, N_ECOLS, selected,
		 d->focus == PANE_EPOCHS, epoch_role);
}

static void epochs_title(dash *d, char *out, size_t size)
{
	const dash_run *r = d->rows_of;
	if (!r) {
		snprintf(out, size, "EPOCHS");
		return;
	}
	const ckpt_run *run = r->run;
	size_t unsaved = d->n_rows - ckpt_run_epoch_count(run);
	char best[48], last[48], extra[64] = "";
	cli_link_text(best, sizeof best, ckpt_run_best(run), ckpt_run_best_state(run));
	cli_link_text(last, sizeof last, ckpt_run_last(run), ckpt_run_last_state(run));
	if (unsaved)
		snprintf(extra, sizeof extra, " + %zu unsaved", unsaved);
	/* The run's name is escaped already; the metric's is the tree's. */
	char metric[256] = "metric";
	if (ckpt_run_metric(run))
		dash_escape(d, metric, sizeof metric, ckpt_run_metric(run));
	snprintf(out, size, "EPOCHS  %s / best %s / last %s / %s (%s) / %zu on disk%s",
		 dash_run_name(r), best, last, metric, cli_direction_text(ckpt_run_direction(run)),
		 ckpt_run_epoch_count(run), extra);
}

void dash_draw_epochs(dash *d, const dash_rect *r)
{
	char title[1024];
	epochs_title(d, title, sizeof title);
	dash_pane_title(d, r, PANE_EPOCHS, title);
	if (!d->rows_of) {
		dash_put(d->win, r->y + 2, r->x + 1, r->w - 1,
			 d->n_runs ? "no run selected" : "waiting for the scan...",
			 term_attr(ROLE_DIM));
		return;
	}
	/* A blank column before the separator on its right. */
	if (!d->epochs_table || d->epochs_table_width != r->w - 1)
		build_epochs_table(d, r->w - 1);
	dash_rect body = {r->y + 1, r->x, r->h - 1, r->w};
	draw_row(d, &body, body.y, d->epochs_table, FMT_HEADER, d->epochs_widths, N_ECOLS, false,
		 false, epoch_role);
	if (d->n_rows == 0) {
		dash_put(d->win, body.y + 1, r->x + 1, r->w - 1, "no epochs on disk",
			 term_attr(ROLE_DIM));
		return;
	}
	panel_draw(&d->epochs_panel, d->win, body.y + 1, draw_epoch_row, d);
}

/* ---- ages ------------------------------------------------------------------------------ */

bool dash_tables_aged(dash *d)
{
	bool aged = false;
	char text[FMT_SHORT];
	const panel *p = &d->runs_panel;
	for (size_t i = p->top; d->runs_table && i < p->top + (size_t)p->height && i < d->n_view &&
				i < fmt_table_rows(d->runs_table);
	     i++) {
		fmt_age(text, ckpt_run_updated(d->runs[d->view[i]]->run), d->wall);
		if (strcmp(text, fmt_table_text(d->runs_table, i, R_SAVED)) != 0)
			aged = d->runs_table_dirty = true;
	}
	p = &d->epochs_panel;
	for (size_t i = p->top; d->epochs_table && d->rows_of && i < p->top + (size_t)p->height &&
				i < d->n_rows && i < fmt_table_rows(d->epochs_table);
	     i++) {
		const dash_row *row = &d->rows[i];
		if (!row->e)
			continue;
		ckpt_verify_result result = CKPT_VERIFY_OK;
		int64_t at = 0;
		ckpt_check_state state = dash_check_of(d->rows_of, row->e, &result, &at, NULL);
		fmt_check(text, ckpt_epoch_checksum_kind(row->e), state, result, at, d->wall);
		if (strcmp(text, fmt_table_text(d->epochs_table, i, E_CHECK)) != 0) {
			aged = true;
			d->epochs_table_width = -1;
		}
	}
	return aged;
}
