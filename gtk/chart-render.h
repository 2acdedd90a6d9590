/* chart-render.h: lays out and draws the comparison chart with cairo and
 * pango, for the widget and for PNG/SVG export alike. A ChartFrame is one
 * layout (ranges, scales, ticks, every series in pixels); the widget keeps
 * the last one to hit-test against. No GTK here. */
#pragma once

#include "chart-math.h"
#include "chart-series.h"

#include <cairo.h>
#include <pango/pango.h>

typedef struct {
	ChartRgb fg;     /* text, axes and grid, at various alphas */
	ChartRgb bg;     /* what the chart is drawn on */
	ChartRgb error;  /* damaged-epoch markers */
	ChartRgb accent; /* selection and the zoom box */
	bool dark;
	const PangoFontDescription *font; /* NULL: pango's default */
} ChartStyle;

typedef struct {
	const ChartSeries *series;
	const char *label;      /* the run's name, already escaped */
	unsigned style_index;   /* palette colour and dash */
	const double *smoothed; /* series->n smoothed values, or NULL (no smoothing) */
} ChartEntry;

typedef struct {
	ChartXMode x_mode;
	bool log_y;
	bool clip;   /* y range from the 5th to the 95th percentile */
	bool zoomed; /* x_lo.. y_hi below are the range shown */
	double x_lo, x_hi, y_lo, y_hi;
	ptrdiff_t selected;     /* entry index, or -1 */
	int64_t selected_epoch; /* of the selected entry; 0 for none */
	const char *y_title;    /* the metric's name, escaped; may be NULL */
	char direction;         /* '-', '+' or 0: said beside the title */
} ChartView;

/* One entry in pixels. Polylines hold NaN points between pieces. */
typedef struct {
	ChartPoint *live; /* the run's current line (smoothed when smoothing) */
	size_t n_live;
	ChartPoint *dead; /* overwritten by a later session */
	size_t n_dead;
	ChartPoint *raw; /* the raw values, drawn faint under a smoothed line */
	size_t n_raw;
	ChartPoint *marks; /* one per series marker, NaN when off the chart */
} ChartTrace;

typedef struct {
	int width, height;
	double plot_x, plot_y, plot_w, plot_h;
	ChartScale xs, ys;
	bool has_data;
	double data_x_lo, data_x_hi, data_y_lo, data_y_hi; /* the automatic range */
	size_t n_xticks, n_yticks;
	double xticks[CHART_TICKS_MAX], yticks[CHART_TICKS_MAX];
	double xstep, ystep;
	size_t n_entries;
	ChartTrace *traces;
} ChartFrame;

/* Lays out entries[0..n) in width x height. cr only measures text. Caller
 * frees with chart_frame_free. */
ChartFrame *chart_frame_new(cairo_t *cr, const ChartEntry *entries, size_t n, const ChartView *view,
			    const ChartStyle *style, int width, int height);
void chart_frame_free(ChartFrame *frame);

/* Draws the frame; with fill, paints the background first (for export). */
void chart_frame_draw(cairo_t *cr, const ChartFrame *frame, const ChartEntry *entries,
		      const ChartView *view, const ChartStyle *style, bool fill);

/* The label of x value `x` on the frame's axis ("epoch 27", "09:00:30", "1 h 5 min"). */
void chart_frame_format_x(char *out, size_t size, const ChartFrame *frame, ChartXMode mode,
			  double x);

/* Smoothed values of the series (see chart_ema), each session continuing
 * from its parent point's average. g_free the result. */
double *chart_series_smooth(const ChartSeries *series, double weight);

/* One line of the hover tooltip. */
typedef struct {
	const char *label;
	unsigned style_index;
	double value;
	int64_t epoch;
} ChartTipRow;

/* The tooltip near (px, py): a title ("epoch 27"), then rows, then "and N more". */
void chart_draw_tooltip(cairo_t *cr, const ChartFrame *frame, const ChartStyle *style, double px,
			double py, const char *title, const ChartTipRow *rows, size_t n_rows,
			size_t n_more);

/* The glyph of a marker with `flags` at (x, y); also used by the legend key. */
void chart_draw_marker(cairo_t *cr, double x, double y, unsigned flags, ChartRgb color,
		       const ChartStyle *style);
