/* chart-draw-private.h: what chart-draw.c, chart-legend.c and chart-text.c
 * share to paint a ChartFrame. */
#pragma once

#include "chart-render.h"

#define CHART_PAD 12.0
#define CHART_LINE_WIDTH 1.5
#define CHART_SELECTED_WIDTH 2.75

/* chart-text.c */
/* Text in the style's font, scaled, bold or not; g_object_unref it. */
PangoLayout *chart_text_layout(cairo_t *cr, const ChartStyle *style, const char *text, double scale,
			       bool bold);
/* Shows a layout with its top-left at (x, y), on whole pixels. */
void chart_text_show(cairo_t *cr, PangoLayout *layout, double x, double y);
void chart_set_color(cairo_t *cr, ChartRgb c, double alpha);
void chart_rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r);
/* The series' dash pattern, in multiples of width. */
void chart_set_dash(cairo_t *cr, unsigned style_index, double width);

/* chart-legend.c */
void chart_draw_legend(cairo_t *cr, const ChartFrame *f, const ChartEntry *entries,
		       const ChartView *view, const ChartStyle *style);
void chart_draw_header(cairo_t *cr, const ChartFrame *f, const ChartView *view,
		       const ChartStyle *style);
void chart_draw_empty(cairo_t *cr, const ChartFrame *f, const ChartStyle *style);
