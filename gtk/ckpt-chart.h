/* ckpt-chart.h: the comparison chart: the tracked metric of every checked
 * run, its epochs on disk marked on the line, sessions as branches; hover,
 * click to select, zoom and pan. Drawn with cairo (chart-render.h). */
#pragma once

#include "chart-series.h"
#include "ckpt-run-item.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CKPT_TYPE_CHART (ckpt_chart_get_type())
G_DECLARE_FINAL_TYPE(CkptChart, ckpt_chart, CKPT, CHART, GtkWidget)

GtkWidget *ckpt_chart_new(void);

/* The runs to draw, in legend order; each must have a style index. */
void ckpt_chart_set_runs(CkptChart *self, CkptRunItem *const *items, guint n);
guint ckpt_chart_get_n_runs(CkptChart *self);
/* The run drawn on top, and its epoch ringed (0: none). item may be NULL. */
void ckpt_chart_set_selection(CkptChart *self, CkptRunItem *item, gint64 epoch);

void ckpt_chart_set_x_mode(CkptChart *self, ChartXMode mode);
ChartXMode ckpt_chart_get_x_mode(CkptChart *self);
void ckpt_chart_set_log_scale(CkptChart *self, gboolean log_scale);
void ckpt_chart_set_smoothing(CkptChart *self, double weight);
void ckpt_chart_set_clip_outliers(CkptChart *self, gboolean clip);

/* Back to the automatic range (also a double click). */
void ckpt_chart_reset_zoom(CkptChart *self);
/* Zooms about the plot's centre: factor < 1 zooms in. */
void ckpt_chart_zoom(CkptChart *self, double factor);
gboolean ckpt_chart_get_zoomed(CkptChart *self);

typedef enum { CKPT_CHART_PNG, CKPT_CHART_SVG } CkptChartFormat;
/* Writes the chart as it is shown, width x height, on an opaque background. */
gboolean ckpt_chart_export(CkptChart *self, const char *path, CkptChartFormat format, int width,
			   int height, GError **error);
/* Draws the chart (without hover) into cr at width x height. */
void ckpt_chart_render(CkptChart *self, cairo_t *cr, int width, int height, gboolean fill);
/* Shows the hover line and tooltip as if the pointer were at (x, y), in
 * widget coordinates (for tests and pictures); negative x hides them. */
void ckpt_chart_hover_at(CkptChart *self, double x, double y);
/* A click at (x, y): the marker there selects its epoch (::epoch-activated),
 * else the line there its run (::run-activated). */
void ckpt_chart_activate_at(CkptChart *self, double x, double y);
/* Where run item's point of `epoch` on its current line is drawn, in widget
 * coordinates; FALSE when it is not (after the first draw). */
gboolean ckpt_chart_locate(CkptChart *self, CkptRunItem *item, gint64 epoch, double *out_x,
			   double *out_y);
/* Where the plot area is, in widget coordinates (after the first draw). */
gboolean ckpt_chart_get_plot_area(CkptChart *self, graphene_rect_t *out);
/* Microseconds the last full layout and draw took (for the benchmark). */
gint64 ckpt_chart_get_last_frame_us(CkptChart *self);
/* The CPU time of the same, on the UI thread (for the benchmark on a busy machine). */
gint64 ckpt_chart_get_last_frame_cpu_us(CkptChart *self);

G_END_DECLS
