/* ckpt-chart-private.h: the chart widget's state, shared by ckpt-chart.c
 * (runs, view, drawing) and ckpt-chart-input.c (pointer, keys, zoom). */
#pragma once

#include "chart-render.h"
#include "ckpt-chart.h"

G_BEGIN_DECLS

struct _CkptChart {
	GtkWidget parent_instance;
	GPtrArray *items; /* of CkptRunItem, drawn */
	CkptRunItem *selected;
	gint64 selected_epoch;
	ChartView view;
	double smoothing;
	char *y_title;

	ChartEntry *entries;
	ChartFrame *frame; /* the layout of the cache, for hit tests */
	cairo_surface_t *cache;
	gboolean dirty;
	int cache_w, cache_h, cache_scale;
	gint64 last_frame_us, last_frame_cpu_us;

	gboolean hovering;
	double hover_x, hover_y;
	gboolean dragging, panning;
	double drag_x, drag_y, drag_dx, drag_dy;
	double pan_x_lo, pan_x_hi, pan_y_lo, pan_y_hi;
};

/* ckpt-chart.c */
/* The cached layer must be drawn again. */
void ckpt_chart_invalidate(CkptChart *self);
void ckpt_chart_set_zoomed(CkptChart *self, gboolean zoomed);
ChartStyle ckpt_chart_style(CkptChart *self);
void ckpt_chart_emit_run(CkptChart *self, CkptRunItem *item);
void ckpt_chart_emit_epoch(CkptChart *self, CkptRunItem *item, gint64 epoch);

/* ckpt-chart-input.c */
void ckpt_chart_input_class_init(GtkWidgetClass *widget_class);
void ckpt_chart_input_init(CkptChart *self);
/* The hover line and tooltip, and the zoom box, over the cached layer. */
void ckpt_chart_draw_overlay(CkptChart *self, cairo_t *cr, const ChartStyle *style);

G_END_DECLS
