/* chart-render.c: the chart's layout and drawing (see chart-render.h): axis
 * ranges, ticks and margins, every series mapped to pixels and thinned per
 * column, then grid, lines, markers, legend and tooltip with cairo. */
#include "chart-render.h"

#include <glib.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#define PAD 12.0
#define HEADER_GAP 8.0
#define TICK_GAP 6.0
#define PX_LIMIT 4e6 /* cairo's fixed point overflows near 8e6 */

/* ---- text ------------------------------------------------------------------ */

static PangoLayout *make_layout(cairo_t *cr, const ChartStyle *style, const char *text,
				double scale)
{
	PangoLayout *layout = pango_cairo_create_layout(cr);
	PangoFontDescription *font = style->font ? pango_font_description_copy(style->font)
						 : pango_font_description_from_string("Sans 10");
	if (scale != 1.0) {
		int size = pango_font_description_get_size(font);
		if (size <= 0)
			size = 10 * PANGO_SCALE;
		if (pango_font_description_get_size_is_absolute(font))
			pango_font_description_set_absolute_size(font, size * scale);
		else
			pango_font_description_set_size(font, (int)(size * scale));
	}
	pango_layout_set_font_description(layout, font);
	pango_font_description_free(font);
	pango_layout_set_text(layout, text, -1);
	return layout;
}

static void text_size(cairo_t *cr, const ChartStyle *style, const char *text, double scale,
		      double *w, double *h)
{
	PangoLayout *layout = make_layout(cr, style, text, scale);
	int pw, ph;
	pango_layout_get_pixel_size(layout, &pw, &ph);
	g_object_unref(layout);
	*w = pw;
	*h = ph;
}

/* ---- ranges ------------------------------------------------------------------ */

static const double *line_values(const ChartEntry *e)
{
	return e->smoothed ? e->smoothed : e->series->y;
}

static bool x_range(double *lo, double *hi, const ChartEntry *entries, size_t n, ChartXMode mode)
{
	bool any = false;
	for (size_t k = 0; k < n; k++) {
		const ChartSeries *s = entries[k].series;
		for (size_t i = 0; i < s->n; i++) {
			double x = s->x[mode][i];
			if (!isfinite(x) || !isfinite(s->y[i]))
				continue;
			if (!any || x < *lo)
				*lo = x;
			if (!any || x > *hi)
				*hi = x;
			any = true;
		}
	}
	return any;
}

/* The y range of the points within [x_lo, x_hi], raw and smoothed alike. */
static bool y_range(double *lo, double *hi, const ChartEntry *entries, size_t n,
		    const ChartView *view, double x_lo, double x_hi)
{
	size_t total = 0;
	for (size_t k = 0; k < n; k++)
		total += entries[k].series->n * (entries[k].smoothed ? 2 : 1);
	double *values = g_new(double, total ? total : 1);
	size_t m = 0;
	for (size_t k = 0; k < n; k++) {
		const ChartSeries *s = entries[k].series;
		for (size_t i = 0; i < s->n; i++) {
			double x = s->x[view->x_mode][i];
			if (!(x >= x_lo && x <= x_hi))
				continue;
			values[m++] = s->y[i];
			if (entries[k].smoothed)
				values[m++] = entries[k].smoothed[i];
		}
	}
	bool ok = chart_value_range(lo, hi, values, m, view->clip, view->log_y);
	g_free(values);
	return ok;
}

static void compute_ranges(ChartFrame *f, const ChartEntry *entries, size_t n,
			   const ChartView *view)
{
	double xlo = 0, xhi = 1, ylo = 0, yhi = 1;
	f->has_data = x_range(&xlo, &xhi, entries, n, view->x_mode);
	if (f->has_data && !y_range(&ylo, &yhi, entries, n, view, xlo, xhi))
		f->has_data = false;
	if (!f->has_data) {
		xlo = 0, xhi = 1;
		ylo = view->log_y ? 0.1 : 0, yhi = 1;
	}
	if (view->x_mode == CHART_X_EPOCH && xhi - xlo < 1.0) {
		xlo -= 0.5;
		xhi += 0.5;
	}
	chart_range_pad(&xlo, &xhi, 0.02, false);
	chart_range_pad(&ylo, &yhi, 0.06, view->log_y);
	f->data_x_lo = xlo, f->data_x_hi = xhi, f->data_y_lo = ylo, f->data_y_hi = yhi;
	if (view->zoomed && view->x_hi > view->x_lo && view->y_hi > view->y_lo &&
	    (!view->log_y || view->y_lo > 0)) {
		xlo = view->x_lo, xhi = view->x_hi, ylo = view->y_lo, yhi = view->y_hi;
	}
	f->xs = (ChartScale){.lo = xlo, .hi = xhi, .log = false};
	f->ys = (ChartScale){.lo = ylo, .hi = yhi, .log = view->log_y};
}

/* ---- ticks and margins ------------------------------------------------------------ */

void chart_frame_format_x(char *out, size_t size, const ChartFrame *f, ChartXMode mode, double x)
{
	double step = f ? f->xstep : 1.0;
	switch (mode) {
	case CHART_X_WALL: chart_format_clock(out, size, x, step); break;
	case CHART_X_RELATIVE: chart_format_elapsed(out, size, x, step); break;
	default: chart_format_tick(out, size, x, step < 1.0 ? step : 1.0); break;
	}
}

static void compute_ticks(ChartFrame *f, const ChartView *view, unsigned xtarget, unsigned ytarget)
{
	if (view->x_mode == CHART_X_EPOCH) {
		f->n_xticks = chart_ticks_linear(f->xticks, CHART_TICKS_MAX, f->xs.lo, f->xs.hi,
						 xtarget, &f->xstep);
		if (f->xstep > 0 && f->xstep < 1.0) /* epochs are whole */
			f->n_xticks =
			    chart_ticks_linear(f->xticks, CHART_TICKS_MAX, f->xs.lo, f->xs.hi,
					       (unsigned)ceil(f->xs.hi - f->xs.lo), &f->xstep);
	} else {
		f->n_xticks = chart_ticks_time(f->xticks, CHART_TICKS_MAX, f->xs.lo, f->xs.hi,
					       xtarget, &f->xstep);
	}
	if (view->log_y)
		f->n_yticks = chart_ticks_log(f->yticks, CHART_TICKS_MAX, f->ys.lo, f->ys.hi,
					      ytarget, &f->ystep);
	else
		f->n_yticks = chart_ticks_linear(f->yticks, CHART_TICKS_MAX, f->ys.lo, f->ys.hi,
						 ytarget, &f->ystep);
}

static void layout_plot(ChartFrame *f, cairo_t *cr, const ChartView *view, const ChartStyle *style)
{
	double tw, th;
	text_size(cr, style, "0.0123456", 0.9, &tw, &th);
	double header = th * 1.15 + HEADER_GAP;
	/* A first guess at the ticks sizes the left margin by their labels. */
	f->plot_h = f->height - header - 2 * th - TICK_GAP * 2 - PAD;
	f->plot_w = f->width - 2 * PAD - tw;
	unsigned ytarget = (unsigned)fmax(2.0, f->plot_h / 56.0);
	unsigned xtarget = (unsigned)fmax(2.0, f->plot_w / 110.0);
	compute_ticks(f, view, xtarget, ytarget);
	double label_w = 0;
	for (size_t i = 0; i < f->n_yticks; i++) {
		char text[48];
		double w, h;
		chart_format_tick(text, sizeof text, f->yticks[i], f->ystep);
		text_size(cr, style, text, 0.9, &w, &h);
		label_w = fmax(label_w, w);
	}
	f->plot_x = PAD + label_w + TICK_GAP;
	f->plot_y = header;
	f->plot_w = fmax(10.0, f->width - f->plot_x - PAD * 1.5);
	f->plot_h = fmax(10.0, f->height - f->plot_y - th * 2 - TICK_GAP * 2 - PAD * 0.5);
	xtarget = (unsigned)fmax(2.0, f->plot_w / 110.0);
	compute_ticks(f, view, xtarget, ytarget);
	f->xs.px_lo = f->plot_x, f->xs.px_hi = f->plot_x + f->plot_w;
	f->ys.px_lo = f->plot_y + f->plot_h, f->ys.px_hi = f->plot_y;
}

/* ---- series to pixels --------------------------------------------------------------- */

static double clamp_px(double v)
{
	return v < -PX_LIMIT ? -PX_LIMIT : v > PX_LIMIT ? PX_LIMIT : v;
}

static ChartPoint to_px(const ChartFrame *f, double x, double y)
{
	double px = chart_scale_map(&f->xs, x), py = chart_scale_map(&f->ys, y);
	if (!isfinite(px) || !isfinite(py))
		return (ChartPoint){NAN, NAN};
	return (ChartPoint){clamp_px(px), clamp_px(py)};
}

/* Appends the pixels of points idx[0..n) to out as pieces of finite points,
 * each thinned per column, a NaN point after each piece. */
static void append_piece(GArray *out, GArray *scratch, const ChartFrame *f, const double *xs,
			 const double *ys, const size_t *idx, size_t n)
{
	g_array_set_size(scratch, 0);
	for (size_t k = 0; k <= n; k++) {
		ChartPoint p = k < n ? to_px(f, xs[idx[k]], ys[idx[k]]) : (ChartPoint){NAN, NAN};
		if (isfinite(p.x)) {
			g_array_append_val(scratch, p);
			continue;
		}
		if (scratch->len == 0)
			continue;
		size_t at = out->len;
		g_array_set_size(out, at + scratch->len + 1);
		ChartPoint *dst = &g_array_index(out, ChartPoint, at);
		size_t kept = chart_downsample(dst, (ChartPoint *)scratch->data, scratch->len);
		dst[kept] = (ChartPoint){NAN, NAN};
		g_array_set_size(out, at + kept + 1);
		g_array_set_size(scratch, 0);
	}
}

/* The pieces of one branch: its live part from the parent point on, its
 * overwritten part from its last live point on. */
static void trace_branch(GArray *live, GArray *dead, GArray *scratch, GArray *idx,
			 const ChartFrame *f, const ChartSeries *s, const ChartBranch *b,
			 const double *xs, const double *ys)
{
	size_t from = b->start;
	g_array_set_size(idx, 0);
	if (b->parent >= 0) {
		size_t p = (size_t)b->parent;
		g_array_append_val(idx, p);
	}
	for (size_t i = from; i < b->live_end; i++)
		g_array_append_val(idx, i);
	bool any_live = b->live_end > b->start;
	if (any_live)
		append_piece(live, scratch, f, xs, ys, (size_t *)idx->data, idx->len);
	if (b->live_end >= b->end)
		return;
	if (any_live) {
		g_array_set_size(idx, 0);
		size_t joint = b->live_end - 1;
		g_array_append_val(idx, joint);
	}
	for (size_t i = b->live_end; i < b->end; i++)
		g_array_append_val(idx, i);
	append_piece(dead, scratch, f, xs, ys, (size_t *)idx->data, idx->len);
	(void)s;
}

static ChartPoint *steal(GArray *a, size_t *n)
{
	*n = a->len;
	return (ChartPoint *)g_array_free(a, a->len == 0);
}

static void trace_entry(ChartTrace *t, const ChartFrame *f, const ChartEntry *e,
			const ChartView *view)
{
	const ChartSeries *s = e->series;
	const double *xs = s->x[view->x_mode];
	GArray *live = g_array_new(FALSE, FALSE, sizeof(ChartPoint));
	GArray *dead = g_array_new(FALSE, FALSE, sizeof(ChartPoint));
	GArray *raw = g_array_new(FALSE, FALSE, sizeof(ChartPoint));
	GArray *scratch = g_array_new(FALSE, FALSE, sizeof(ChartPoint));
	GArray *idx = g_array_new(FALSE, FALSE, sizeof(size_t));
	for (size_t b = 0; b < s->n_branches; b++) {
		trace_branch(live, dead, scratch, idx, f, s, &s->branches[b], xs, line_values(e));
		if (e->smoothed)
			trace_branch(raw, raw, scratch, idx, f, s, &s->branches[b], xs, s->y);
	}
	t->live = steal(live, &t->n_live);
	t->dead = steal(dead, &t->n_dead);
	t->raw = steal(raw, &t->n_raw);
	g_array_free(scratch, TRUE);
	g_array_free(idx, TRUE);
	t->marks = g_new(ChartPoint, s->n_markers ? s->n_markers : 1);
	for (size_t m = 0; m < s->n_markers; m++) {
		size_t i = s->markers[m].point;
		ChartPoint p = to_px(f, xs[i], s->y[i]);
		bool inside = p.x >= f->plot_x - 0.5 && p.x <= f->plot_x + f->plot_w + 0.5 &&
			      p.y >= f->plot_y - 0.5 && p.y <= f->plot_y + f->plot_h + 0.5;
		t->marks[m] = inside ? p : (ChartPoint){NAN, NAN};
	}
}

ChartFrame *chart_frame_new(cairo_t *cr, const ChartEntry *entries, size_t n, const ChartView *view,
			    const ChartStyle *style, int width, int height)
{
	ChartFrame *f = g_new0(ChartFrame, 1);
	f->width = width;
	f->height = height;
	compute_ranges(f, entries, n, view);
	layout_plot(f, cr, view, style);
	f->n_entries = n;
	f->traces = g_new0(ChartTrace, n ? n : 1);
	for (size_t k = 0; k < n; k++)
		trace_entry(&f->traces[k], f, &entries[k], view);
	return f;
}

void chart_frame_free(ChartFrame *f)
{
	if (!f)
		return;
	for (size_t k = 0; k < f->n_entries; k++) {
		g_free(f->traces[k].live);
		g_free(f->traces[k].dead);
		g_free(f->traces[k].raw);
		g_free(f->traces[k].marks);
	}
	g_free(f->traces);
	g_free(f);
}

/* ---- smoothing ------------------------------------------------------------------------- */

double *chart_series_smooth(const ChartSeries *s, double weight)
{
	double *out = g_new(double, s->n ? s->n : 1);
	ChartEma *states = g_new(ChartEma, s->n ? s->n : 1);
	for (size_t b = 0; b < s->n_branches; b++) {
		const ChartBranch *br = &s->branches[b];
		ChartEma state = br->parent >= 0 ? states[br->parent] : CHART_EMA_INIT;
		for (size_t i = br->start; i < br->end; i++) {
			chart_ema(&out[i], &s->y[i], 1, weight, &state);
			states[i] = state;
		}
	}
	g_free(states);
	return out;
}
