/* chart-legend.c: the words around the plot: the legend of runs (placed in
 * the corner that hides the fewest points), the metric's title and the
 * markers' key above the plot, the empty chart's message, and the hover
 * tooltip. */
#include "chart-draw-private.h"

#include <glib.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>

#define LEGEND_ROWS 8
#define LEGEND_LABEL_MAX 220

/* ---- legend and key --------------------------------------------------------------------- */

/* How many line points fall in a box: the legend goes where it hides least. */
static size_t points_in(const ChartFrame *f, double x, double y, double w, double h)
{
	size_t count = 0;
	for (size_t k = 0; k < f->n_entries; k++)
		for (size_t i = 0; i < f->traces[k].n_live; i++) {
			ChartPoint p = f->traces[k].live[i];
			count += p.x >= x && p.x <= x + w && p.y >= y && p.y <= y + h;
		}
	return count;
}

void chart_draw_legend(cairo_t *cr, const ChartFrame *f, const ChartEntry *entries,
		       const ChartView *view, const ChartStyle *style)
{
	size_t n = f->n_entries, shown = n > LEGEND_ROWS ? LEGEND_ROWS - 1 : n;
	if (n == 0)
		return;
	PangoLayout *rows[LEGEND_ROWS + 1];
	double text_w = 0, row_h = 0;
	for (size_t i = 0; i <= shown; i++) {
		char more[64];
		if (i == shown && shown == n)
			break;
		if (i == shown)
			g_snprintf(more, sizeof more, "and %zu more", n - shown);
		rows[i] = chart_text_layout(cr, style, i < shown ? entries[i].label : more, 0.9,
					    (ptrdiff_t)i == view->selected);
		pango_layout_set_width(rows[i], LEGEND_LABEL_MAX * PANGO_SCALE);
		pango_layout_set_ellipsize(rows[i], PANGO_ELLIPSIZE_MIDDLE);
		int w, h;
		pango_layout_get_pixel_size(rows[i], &w, &h);
		text_w = fmax(text_w, w);
		row_h = fmax(row_h, h);
	}
	size_t n_rows = shown == n ? n : shown + 1;
	double sample = 22, w = 8 + sample + 8 + text_w + 10, h = 6 + n_rows * row_h + 6;
	if (w > f->plot_w * 0.6 || h > f->plot_h * 0.8)
		goto out;
	double corners[4][2] = {
	    {f->plot_x + f->plot_w - w - 8, f->plot_y + 8},
	    {f->plot_x + f->plot_w - w - 8, f->plot_y + f->plot_h - h - 8},
	    {f->plot_x + 8, f->plot_y + 8},
	    {f->plot_x + 8, f->plot_y + f->plot_h - h - 8},
	};
	size_t best = 0, best_count = (size_t)-1;
	for (size_t c = 0; c < 4; c++) {
		size_t count = points_in(f, corners[c][0], corners[c][1], w, h);
		if (count < best_count)
			best = c, best_count = count;
	}
	double x = corners[best][0], y = corners[best][1];
	chart_rounded_rect(cr, x, y, w, h, 6);
	chart_set_color(cr, style->bg, 0.9);
	cairo_fill_preserve(cr);
	chart_set_color(cr, style->fg, 0.12);
	cairo_set_line_width(cr, 1);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_stroke(cr);
	for (size_t i = 0; i < n_rows; i++) {
		double ry = y + 6 + i * row_h;
		if (i < shown) {
			ChartRgb c = chart_palette_color(entries[i].style_index, style->dark);
			double lw = (ptrdiff_t)i == view->selected ? CHART_SELECTED_WIDTH : 2.0;
			cairo_set_line_width(cr, lw);
			chart_set_dash(cr, entries[i].style_index, lw);
			chart_set_color(cr, c, 1.0);
			double ly = round(ry + row_h / 2); /* 2 px on whole pixels: crisp */
			cairo_move_to(cr, round(x) + 8, ly);
			cairo_line_to(cr, round(x) + 8 + sample, ly);
			cairo_stroke(cr);
		}
		chart_set_color(cr, style->fg, i < shown ? 0.9 : 0.55);
		chart_text_show(cr, rows[i], x + 8 + sample + 8, ry);
	}
out:
	for (size_t i = 0; i < n_rows; i++)
		g_object_unref(rows[i]);
}

void chart_draw_header(cairo_t *cr, const ChartFrame *f, const ChartView *view,
		       const ChartStyle *style)
{
	double y = CHART_PAD * 0.5;
	double x = f->plot_x;
	if (view->y_title && *view->y_title) {
		PangoLayout *l = chart_text_layout(cr, style, view->y_title, 1.0, true);
		int w, h;
		pango_layout_get_pixel_size(l, &w, &h);
		chart_set_color(cr, style->fg, 0.9);
		chart_text_show(cr, l, x, y);
		g_object_unref(l);
		x += w + 8;
		const char *hint = view->direction == '-'   ? "lower is better"
				   : view->direction == '+' ? "higher is better"
							    : NULL;
		if (view->log_y || hint) {
			char text[64];
			g_snprintf(text, sizeof text, "%s%s%s", hint ? hint : "",
				   hint && view->log_y ? " · " : "",
				   view->log_y ? "log scale" : "");
			l = chart_text_layout(cr, style, text, 0.85, false);
			int w2, h2;
			pango_layout_get_pixel_size(l, &w2, &h2);
			chart_set_color(cr, style->fg, 0.55);
			chart_text_show(cr, l, x, y + (h - h2) / 2.0 + 1);
			g_object_unref(l);
		}
	}
	static const struct {
		unsigned flags;
		const char *text;
	} key[] = {
	    {CHART_MARK_KEPT, "on disk"},
	    {CHART_MARK_KEPT | CHART_MARK_BEST, "best"},
	    {CHART_MARK_KEPT | CHART_MARK_LAST, "last"},
	    {CHART_MARK_KEPT | CHART_MARK_DAMAGED, "damaged"},
	};
	double right = f->plot_x + f->plot_w;
	for (size_t i = G_N_ELEMENTS(key); i-- > 0;) {
		PangoLayout *l = chart_text_layout(cr, style, key[i].text, 0.85, false);
		int w, h;
		pango_layout_get_pixel_size(l, &w, &h);
		right -= w;
		chart_set_color(cr, style->fg, 0.62);
		chart_text_show(cr, l, right, y + 2);
		g_object_unref(l);
		right -= 12;
		ChartRgb neutral = style->fg;
		chart_draw_marker(cr, right, y + 2 + h / 2.0, key[i].flags, neutral, style);
		right -= 20;
	}
}

void chart_draw_empty(cairo_t *cr, const ChartFrame *f, const ChartStyle *style)
{
	PangoLayout *l = chart_text_layout(cr, style, "No runs to compare", 1.2, true);
	int w, h;
	pango_layout_get_pixel_size(l, &w, &h);
	chart_set_color(cr, style->fg, 0.55);
	chart_text_show(cr, l, f->plot_x + (f->plot_w - w) / 2, f->plot_y + f->plot_h / 2 - h);
	g_object_unref(l);
	l = chart_text_layout(cr, style, "Check runs in the sidebar to draw their metric here",
			      0.95, false);
	pango_layout_get_pixel_size(l, &w, &h);
	chart_set_color(cr, style->fg, 0.45);
	chart_text_show(cr, l, f->plot_x + (f->plot_w - w) / 2, f->plot_y + f->plot_h / 2 + 4);
	g_object_unref(l);
}

/* ---- tooltip ------------------------------------------------------------------------------- */

void chart_draw_tooltip(cairo_t *cr, const ChartFrame *f, const ChartStyle *style, double px,
			double py, const char *title, const ChartTipRow *rows, size_t n_rows,
			size_t n_more)
{
	size_t n_lines = 1 + n_rows + (n_more ? 1 : 0);
	PangoLayout **names = g_new0(PangoLayout *, n_lines);
	PangoLayout **values = g_new0(PangoLayout *, n_lines);
	double name_w = 0, value_w = 0, row_h = 0;
	for (size_t i = 0; i < n_lines; i++) {
		char text[64] = "";
		const char *name = text;
		if (i == 0)
			name = title;
		else if (i <= n_rows) {
			name = rows[i - 1].label;
			double v = rows[i - 1].value;
			g_snprintf(text, sizeof text, "%.6g", v);
			values[i] = chart_text_layout(cr, style, text, 0.9, false);
		} else
			g_snprintf(text, sizeof text, "and %zu more", n_more);
		names[i] = chart_text_layout(cr, style, name, 0.9, i == 0);
		pango_layout_set_width(names[i], 260 * PANGO_SCALE);
		pango_layout_set_ellipsize(names[i], PANGO_ELLIPSIZE_MIDDLE);
		int w, h;
		pango_layout_get_pixel_size(names[i], &w, &h);
		name_w = fmax(name_w, w + (i > 0 && i <= n_rows ? 20 : 0));
		row_h = fmax(row_h, h + 2);
		if (values[i]) {
			pango_layout_get_pixel_size(values[i], &w, &h);
			value_w = fmax(value_w, w);
		}
	}
	double w = 10 + name_w + 16 + value_w + 10, h = 8 + n_lines * row_h + 6;
	double x = px + 16, y = py + 16;
	if (x + w > f->width - 4)
		x = px - 16 - w;
	if (y + h > f->height - 4)
		y = fmax(4, f->height - h - 4);
	x = fmax(4, x);
	cairo_save(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	chart_rounded_rect(cr, x + 1, y + 2, w, h, 8);
	cairo_set_source_rgba(cr, 0, 0, 0, style->dark ? 0.35 : 0.12);
	cairo_fill(cr);
	chart_rounded_rect(cr, x, y, w, h, 8);
	chart_set_color(cr, style->bg, 0.97);
	cairo_fill_preserve(cr);
	chart_set_color(cr, style->fg, 0.15);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);
	for (size_t i = 0; i < n_lines; i++) {
		double ry = y + 6 + i * row_h;
		double tx = x + 10;
		if (i > 0 && i <= n_rows) {
			ChartRgb c = chart_palette_color(rows[i - 1].style_index, style->dark);
			cairo_arc(cr, tx + 5, ry + row_h / 2, 4.5, 0, 2 * G_PI);
			chart_set_color(cr, c, 1.0);
			cairo_fill(cr);
			tx += 20;
		}
		chart_set_color(cr, style->fg, i == 0 ? 0.95 : i <= n_rows ? 0.85 : 0.55);
		chart_text_show(cr, names[i], tx, ry);
		if (values[i]) {
			int vw, vh;
			pango_layout_get_pixel_size(values[i], &vw, &vh);
			chart_set_color(cr, style->fg, 0.95);
			chart_text_show(cr, values[i], x + w - 10 - vw, ry);
		}
	}
	cairo_restore(cr);
	for (size_t i = 0; i < n_lines; i++) {
		g_object_unref(names[i]);
		if (values[i])
			g_object_unref(values[i]);
	}
	g_free(names);
	g_free(values);
}
