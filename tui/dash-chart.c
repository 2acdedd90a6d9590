/* dash-chart.c: the chart pane: the selected run's metric over its epochs
 * (the line of descent bright, what a restart or rollback abandoned dim, as
 * ckpt_history_superseded says), the epochs on disk and best/last on a marker row; with runs
 * marked, their curves overlaid (up to CHART_SERIES_MAX, each its colour and, in monochrome, its
 * glyph) with a legend, or beyond that a runs x epochs heat strip. The numbers come from libckpt's
 * histories; chart.c turns them into cells. */
#include "dash.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Width of the value labels left of the plot. */
#define LABEL_W 8

/* One run's points of one metric, in the history's order; on_line: not
 * on a branch a later session abandoned (the library says which). */
typedef struct points {
	double *x, *y;
	bool *on_line;
	size_t n;
} points;

static void points_free(points *p)
{
	free(p->x), free(p->y), free(p->on_line);
	memset(p, 0, sizeof *p);
}

/* The chart's metric: the selected run's tracked metric, or one of its
 * extras. Borrowed from the history. */
static const char *chart_metric(const dash *d, const ckpt_history *h)
{
	size_t extras = h ? ckpt_history_extra_name_count(h) : 0;
	if (!h)
		return NULL;
	if (d->chart_metric == 0 || d->chart_metric > extras)
		return ckpt_history_metric(h);
	return ckpt_history_extra_name(h, d->chart_metric - 1);
}

/* The points of `metric` in h: its tracked metric, or an extra of that
 * name. False when it has neither. */
static bool load_points(points *p, const ckpt_history *h, const char *metric)
{
	memset(p, 0, sizeof *p);
	if (!h || !metric)
		return false;
	bool tracked = ckpt_history_metric(h) && strcmp(ckpt_history_metric(h), metric) == 0;
	bool extra = false;
	for (size_t j = 0; !tracked && j < ckpt_history_extra_name_count(h); j++)
		extra = extra || strcmp(ckpt_history_extra_name(h, j), metric) == 0;
	if (!tracked && !extra)
		return false;
	size_t n = ckpt_history_count(h);
	p->x = calloc(n + 1, sizeof *p->x), p->y = calloc(n + 1, sizeof *p->y);
	p->on_line = calloc(n + 1, sizeof *p->on_line);
	if (!p->x || !p->y || !p->on_line) {
		points_free(p);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		double v = NAN;
		bool has =
		    tracked ? ckpt_history_value(&v, h, i) : ckpt_history_extra(&v, h, i, metric);
		p->x[i] = (double)ckpt_history_epoch(h, i);
		p->y[i] = has && isfinite(v) ? v : NAN;
		p->on_line[i] = !ckpt_history_superseded(h, i);
	}
	p->n = n;
	return true;
}

/* The line of descent (lineage true) or the abandoned branches: a NaN
 * between pieces, each abandoned piece starting at the point it forked
 * from. */
static size_t branch(double *x, double *y, const points *p, bool lineage)
{
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->on_line[i] != lineage)
			continue;
		if (!lineage && (i == 0 || p->on_line[i - 1] != lineage)) {
			if (k)
				x[k] = NAN, y[k++] = NAN;
			if (i > 0)
				x[k] = p->x[i - 1], y[k++] = p->y[i - 1];
		}
		x[k] = p->x[i], y[k++] = p->y[i];
	}
	return k;
}

typedef struct plot_area {
	int y, x, rows, cols; /* the cells of the plot */
	double x0, x1;
	chart_scale scale;
} plot_area;

static void draw_labels(dash *d, const plot_area *a)
{
	char text[FMT_SHORT];
	attr_t dim = term_attr(ROLE_DIM);
	int rows[3] = {0, a->rows / 2, a->rows - 1};
	for (int i = 0; i < 3; i++) {
		if (i == 1 && a->rows < 7)
			continue;
		double unit = a->rows > 1 ? 1.0 - (double)rows[i] / (double)(a->rows - 1) : 0.5;
		fmt_metric_digits(text, chart_scale_value(&a->scale, unit), 4);
		char pad[FMT_SHORT + 8];
		snprintf(pad, sizeof pad, "%*s", LABEL_W - 1, text);
		dash_put(d->win, a->y + rows[i], a->x - LABEL_W, LABEL_W - 1, pad, dim);
	}
}

static void draw_canvas(dash *d, const plot_area *a, const chart_canvas *c, bool overlay)
{
	bool mono = !term_has_color();
	for (int row = 0; row < c->rows; row++)
		for (int col = 0; col < c->cols; col++) {
			unsigned series = 0;
			unsigned mask = chart_canvas_cell(c, col, row, &series);
			if (!mask)
				continue;
			int first = __builtin_ctz(series);
			char glyph[CHART_GLYPH_MAX];
			if (c->style == CHART_GLYPH)
				snprintf(glyph, sizeof glyph, "%s",
					 chart_series_glyph(first, d->ascii));
			else
				chart_cell_glyph(glyph, c->style, mask);
			term_role role = ROLE_SERIES + first;
			if (!overlay)
				role = series & 1 ? ROLE_SERIES : ROLE_OLD_BRANCH;
			attr_t attr = term_attr(role);
			if (mono && !overlay && !(series & 1))
				attr = term_attr(ROLE_OLD_BRANCH);
			dash_put(d->win, a->y + row, a->x + col, 1, glyph, attr);
		}
}

/* Fits the scale to the values of every series; false when none. */
static bool fit(dash *d, plot_area *a, const points *p, size_t n, bool *log_refused)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += p[i].n;
	double *all = malloc((total + 1) * sizeof *all);
	if (!all)
		return false;
	size_t k = 0;
	a->x0 = INFINITY, a->x1 = -INFINITY;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p[i].n; j++) {
			all[k++] = p[i].y[j];
			if (!isnan(p[i].y[j])) {
				a->x0 = p[i].x[j] < a->x0 ? p[i].x[j] : a->x0;
				a->x1 = p[i].x[j] > a->x1 ? p[i].x[j] : a->x1;
			}
		}
	bool ok = chart_scale_fit(&a->scale, all, k, d->log_scale, log_refused);
	free(all);
	return ok;
}

static void draw_x_axis(dash *d, const plot_area *a, int y)
{
	char lo[32], hi[32];
	snprintf(lo, sizeof lo, "%lld", (long long)a->x0);
	snprintf(hi, sizeof hi, "%lld", (long long)a->x1);
	attr_t dim = term_attr(ROLE_DIM);
	dash_put(d->win, y, a->x, a->cols, lo, dim);
	int hw = (int)strlen(hi);
	if (hw + (int)strlen(lo) + 8 < a->cols)
		dash_put(d->win, y, a->x + (a->cols - 5) / 2, 5, "epoch", dim);
	if (hw < a->cols)
		dash_put(d->win, y, a->x + a->cols - hw, hw, hi, dim);
}

/* The marker row: · an epoch on disk, B best, L last (* both). */
static void draw_markers(dash *d, const plot_area *a, const chart_canvas *c, const ckpt_run *run,
			 int y)
{
	const term_glyphs *g = term_glyphs_get();
	int64_t best = ckpt_run_best(run), last = ckpt_run_last(run);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ckpt_run_epoch_count(run); i++) {
			int64_t epoch = ckpt_epoch_number(ckpt_run_epoch(run, i));
			bool special = epoch == best || epoch == last;
			if (special != (pass == 1))
				continue;
			long col = chart_column((double)epoch, a->x0, a->x1, (size_t)c->width);
			if (col < 0)
				continue;
			const char *glyph = epoch == best && epoch == last ? "*"
					    : epoch == best                ? "B"
					    : epoch == last                ? "L"
									   : g->saved;
			term_role role = epoch == best   ? ROLE_BEST
					 : epoch == last ? ROLE_LAST
							 : ROLE_DIM;
			dash_put(d->win, y, a->x + (int)col / c->cw, 1, glyph, term_attr(role));
		}
}

static void single_chart(dash *d, const dash_rect *r, const dash_run *run, const char *metric)
{
	points p;
	const ckpt_history *h = run->history;
	char text[256];
	if (!load_points(&p, h, metric)) {
		dash_put(d->win, r->y + 2, r->x + 1, r->w - 1,
			 run->history ? "no metric history to draw" : "loading the history...",
			 term_attr(ROLE_DIM));
		return;
	}
	plot_area a = {r->y + 1, r->x + LABEL_W, r->h - 3, r->w - LABEL_W, 0, 0, {0, 1, false}};
	bool refused = false;
	if (a.rows < 2 || a.cols < 4 || !fit(d, &a, &p, 1, &refused)) {
		dash_put(d->win, r->y + 2, r->x + 1, r->w - 1, "nothing to draw yet",
			 term_attr(ROLE_DIM));
		points_free(&p);
		return;
	}
	chart_canvas c;
	double *bx = malloc((2 * p.n + 2) * sizeof *bx), *by = malloc((2 * p.n + 2) * sizeof *by);
	if (bx && by && chart_canvas_init(&c, a.cols, a.rows, d->chart_style) == 0) {
		size_t k = branch(bx, by, &p, false);
		chart_canvas_plot(&c, 1, bx, by, k, a.x0, a.x1, &a.scale);
		k = branch(bx, by, &p, true);
		chart_canvas_plot(&c, 0, bx, by, k, a.x0, a.x1, &a.scale);
		draw_canvas(d, &a, &c, false);
		/* The best epoch's point, starred in the plot. */
		double v;
		const ckpt_epoch *best = ckpt_run_find_epoch(run->run, ckpt_run_best(run->run));
		int col, row;
		bool tracked =
		    h && ckpt_history_metric(h) && strcmp(ckpt_history_metric(h), metric) == 0;
		if (best && tracked && ckpt_epoch_metric(&v, best) &&
		    chart_canvas_locate(&c, (double)ckpt_epoch_number(best), v, a.x0, a.x1,
					&a.scale, &col, &row))
			dash_put(d->win, a.y + row, a.x + col, 1, "*", term_attr(ROLE_BEST));
		draw_labels(d, &a);
		draw_markers(d, &a, &c, run->run, a.y + a.rows);
		draw_x_axis(d, &a, a.y + a.rows + 1);
		chart_canvas_free(&c);
	}
	if (refused) {
		snprintf(text, sizeof text, "log scale: not every value is positive");
		dash_put(d->win, r->y + 1, r->x + LABEL_W, r->w - LABEL_W, text,
			 term_attr(ROLE_WARN));
	}
	free(bx), free(by);
	points_free(&p);
}

/* ---- many runs -------------------------------------------------------------------------- */

static size_t marked_runs(const dash *d, const dash_run **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n_view && n < max; i++)
		if (d->runs[d->view[i]]->marked)
			out[n++] = d->runs[d->view[i]];
	return n;
}

static void overlay_chart(dash *d, const dash_rect *r, const dash_run **runs, size_t n,
			  const char *metric)
{
	points p[CHART_SERIES_MAX];
	int legend_rows = (int)((n + 1) / 2);
	plot_area a = {r->y + 1, r->x + LABEL_W, r->h - 2 - legend_rows, r->w - LABEL_W, 0,
		       0,        {0, 1, false}};
	for (size_t i = 0; i < n; i++) {
		if (!load_points(&p[i], runs[i]->history, metric))
			memset(&p[i], 0, sizeof p[i]);
		/* Each run's line of descent only: branches would crowd it. */
		for (size_t j = 0; j < p[i].n; j++)
			if (!p[i].on_line[j])
				p[i].y[j] = NAN;
	}
	bool refused = false;
	chart_canvas c;
	chart_style style = term_has_color() ? d->chart_style : CHART_GLYPH;
	if (a.rows >= 2 && a.cols >= 4 && fit(d, &a, p, n, &refused) &&
	    chart_canvas_init(&c, a.cols, a.rows, style) == 0) {
		for (size_t i = 0; i < n; i++) {
			/* Lines break only where a run has no value. */
			size_t k = 0;
			for (size_t j = 0; j < p[i].n; j++)
				if (!isnan(p[i].y[j]))
					p[i].x[k] = p[i].x[j], p[i].y[k++] = p[i].y[j];
			chart_canvas_plot(&c, (int)i, p[i].x, p[i].y, k, a.x0, a.x1, &a.scale);
		}
		draw_canvas(d, &a, &c, true);
		draw_labels(d, &a);
		draw_x_axis(d, &a, a.y + a.rows);
		chart_canvas_free(&c);
	} else {
		dash_put(d->win, r->y + 2, r->x + 1, r->w - 1, "loading the histories...",
			 term_attr(ROLE_DIM));
	}
	/* The legend: glyph (and colour) and name, two a row. */
	int half = r->w / 2;
	for (size_t i = 0; i < n; i++) {
		int y = r->y + r->h - legend_rows + (int)i / 2, x = r->x + (int)(i % 2) * half;
		char entry[512];
		snprintf(entry, sizeof entry, "%s %s%s", chart_series_glyph((int)i, d->ascii),
			 dash_run_name(runs[i]),
			 p[i].n             ? ""
			 : runs[i]->history ? " (no such metric)"
					    : " (loading)");
		dash_put(d->win, y, x, half - 1, entry, term_attr(ROLE_SERIES + (int)i));
		points_free(&p[i]);
	}
	if (refused)
		dash_put(d->win, r->y + 1, r->x + LABEL_W, r->w - LABEL_W,
			 "log scale: not every value is positive", term_attr(ROLE_WARN));
}

/* More marked runs than colours: a row of shades per run, better darker. */
static void heat_strip(dash *d, const dash_rect *r, const dash_run **runs, size_t n,
		       const char *metric)
{
	int name_w = r->w / 4 > 20 ? 20 : r->w / 4;
	int cols = r->w - name_w - 1, rows = r->h - 3;
	points *p = calloc(n, sizeof *p);
	chart_bucket *b = calloc((size_t)(cols > 0 ? cols : 1), sizeof *b);
	if (!p || !b || cols < 4 || rows < 1) {
		free(p), free(b);
		return;
	}
	plot_area a = {0, 0, 0, 0, 0, 0, {0, 1, false}};
	for (size_t i = 0; i < n; i++)
		load_points(&p[i], runs[i]->history, metric);
	bool refused = false;
	if (fit(d, &a, p, n, &refused)) {
		for (size_t i = 0; i < n && (int)i < rows; i++) {
			int y = r->y + 1 + (int)i;
			dash_put(d->win, y, r->x, name_w, dash_run_name(runs[i]),
				 term_attr(ROLE_NORMAL));
			/* Fewer epochs than columns: each epoch gets its columns. */
			size_t buckets = (size_t)cols;
			if (a.x1 - a.x0 + 1 < (double)cols)
				buckets = (size_t)(a.x1 - a.x0 + 1);
			chart_downsample(b, buckets, p[i].x, p[i].y, p[i].n, a.x0, a.x1);
			char dir = ckpt_run_direction(runs[i]->run);
			for (int col = 0; col < cols; col++) {
				const chart_bucket *k = &b[(size_t)col * buckets / (size_t)cols];
				if (!k->n)
					continue;
				/* The bucket's best value, 1 the best of all. */
				double v = dir == '+' ? k->max : k->min;
				double t = chart_scale_unit(&a.scale, v);
				char glyph[CHART_GLYPH_MAX];
				chart_shade(glyph, dir == '+' ? t : 1 - t, d->ascii);
				dash_put(d->win, y, r->x + name_w + 1 + col, 1, glyph,
					 term_attr(ROLE_SERIES));
			}
		}
		plot_area axis = a;
		axis.x = r->x + name_w + 1, axis.cols = cols;
		draw_x_axis(d, &axis, r->y + r->h - 2);
		char legend[160], lo[FMT_SHORT], hi[FMT_SHORT];
		snprintf(legend, sizeof legend, "darker is better: %s .. %s%s",
			 fmt_metric_digits(lo, a.scale.lo, 4), fmt_metric_digits(hi, a.scale.hi, 4),
			 (size_t)rows < n ? " (more runs than rows)" : "");
		dash_put(d->win, r->y + r->h - 1, r->x, r->w, legend, term_attr(ROLE_DIM));
	}
	for (size_t i = 0; i < n; i++)
		points_free(&p[i]);
	free(p), free(b);
}

void dash_draw_chart(dash *d, const dash_rect *r)
{
	const dash_run *sel = dash_selected(d);
	const dash_run *marked[64];
	size_t n = marked_runs(d, marked, sizeof marked / sizeof marked[0]);
	/* With runs marked, their metric: the selected run's when it is one
	 * of them, else the first one's. */
	const dash_run *base = sel;
	if (n && sel && !sel->marked)
		base = marked[0];
	const ckpt_history *h = base ? base->history : NULL;
	const char *metric = chart_metric(d, h);
	char title[512], name[256] = "metric";
	if (metric)
		dash_escape(d, name, sizeof name, metric);
	char many[64] = "";
	if (n)
		snprintf(many, sizeof many, " / %zu marked runs", d->n_marked);
	snprintf(title, sizeof title, "CHART  %s%s / %s / %s", name, many,
		 d->log_scale ? "log" : "linear", chart_style_name(d->chart_style));
	dash_rect t = *r;
	attr_t attr = term_attr(ROLE_PANE_IDLE);
	dash_fill(d->win, t.y, t.x, t.w, attr);
	dash_put(d->win, t.y, t.x, t.w, title, attr);
	if (!sel)
		return;
	if (n > CHART_SERIES_MAX)
		heat_strip(d, r, marked, n, metric);
	else if (n > 0)
		overlay_chart(d, r, marked, n, metric);
	else
		single_chart(d, r, sel, metric);
}
