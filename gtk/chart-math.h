/* chart-math.h: the chart's arithmetic, free of GTK, cairo and libckpt: the
 * palette, TensorBoard's smoothing, per-column downsampling, scales and axis
 * ticks, the y range with outlier clipping, and hit testing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	double x, y;
} ChartPoint;

typedef struct {
	double r, g, b;
} ChartRgb;

/* ---- palette ---------------------------------------------------------------- */

/* Okabe-Ito then Paul Tol's muted colours: distinct under the common colour
 * vision deficiencies. Past the colours, dash patterns tell series apart. */
#define CHART_PALETTE_SIZE 12
#define CHART_DASH_STYLES 4
#define CHART_STYLE_COUNT (CHART_PALETTE_SIZE * CHART_DASH_STYLES)

/* Series `index`'s colour, for a light or a dark background. */
ChartRgb chart_palette_color(unsigned index, bool dark);
/* Its dash pattern in multiples of the line width: 0 entries (solid) for the
 * first CHART_PALETTE_SIZE series, then dashed, dotted, dash-dot, cycling. */
size_t chart_palette_dashes(unsigned index, double out[4]);

/* ---- smoothing ---------------------------------------------------------------- */

/* TensorBoard's debiased exponential moving average, resumable so that a
 * branch can continue from its parent's state. */
typedef struct {
	double last;
	unsigned count;
} ChartEma;

#define CHART_EMA_INIT ((ChartEma){0.0, 0})

/* Smooths in[0..n) into out (may be in) with weight in [0, 1): 0 copies.
 * Non-finite values pass through and do not disturb the average. */
void chart_ema(double *out, const double *in, size_t n, double weight, ChartEma *state);

/* ---- downsampling --------------------------------------------------------------- */

/* Keeps, of each run of consecutive points in the same pixel column
 * (floor(x)), the first, the lowest, the highest and the last, in their
 * original order, so that a spike survives. out holds at least n points (may
 * not be in). Returns the count written (at most 4 per column). */
size_t chart_downsample(ChartPoint *out, const ChartPoint *in, size_t n);

/* ---- scales ------------------------------------------------------------------------ */

typedef struct {
	double lo, hi;       /* data range shown (both > 0 when log) */
	double px_lo, px_hi; /* where lo and hi land (px_lo > px_hi for y) */
	bool log;
} ChartScale;

/* Value to pixel; NaN for a value that cannot be shown (≤ 0 on a log scale, NaN). */
double chart_scale_map(const ChartScale *scale, double value);
double chart_scale_unmap(const ChartScale *scale, double px);

/* Zooms [*lo, *hi] by factor (< 1 zooms in) about `center`, in the scale's
 * space (logarithmic when log). */
void chart_range_zoom(double *lo, double *hi, double center, double factor, bool log);
/* Widens [*lo, *hi] by `fraction` of its span each side (of its span in
 * decades when log); an empty range around v first becomes v ± |v|/10
 * (± 1 for 0; v/2 .. 2v when log). */
void chart_range_pad(double *lo, double *hi, double fraction, bool log);

/* ---- ticks --------------------------------------------------------------------------- */

#define CHART_TICKS_MAX 64

/* "Nice" ticks (1, 2, 5 × 10^k apart) inside [lo, hi], about `target` of
 * them. Returns the count; *out_step the spacing. */
size_t chart_ticks_linear(double *out, size_t max, double lo, double hi, unsigned target,
			  double *out_step);
/* Ticks for a log scale over [lo, hi] (> 0): powers of ten, with 2 and 5
 * between when few decades show, every k-th decade when many do, and
 * linear ticks when less than a decade shows. *out_step: the linear step,
 * or 0 for decade ticks. */
size_t chart_ticks_log(double *out, size_t max, double lo, double hi, unsigned target,
		       double *out_step);
/* Ticks for a time axis in seconds: 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15,
 * 30 min, 1, 2, 3, 6, 12 h, 1, 2, 7, 14 days... apart, aligned to
 * multiples of the step (from 0). */
size_t chart_ticks_time(double *out, size_t max, double lo, double hi, unsigned target,
			double *out_step);

/* A tick label with as many decimals as `step` needs ("0.25", "1e-05"). */
void chart_format_tick(char *out, size_t size, double value, double step);
/* A duration for a relative-time axis: "0", "45 s", "12 min", "1 h 30 min", "3 d 4 h". */
void chart_format_elapsed(char *out, size_t size, double seconds, double step);
/* A wall-clock label for seconds read as UTC (writers' local time stored as
 * read): "09:00:30", "09:05", "Mar 02 12:00" or "Mar 02" by step. */
void chart_format_clock(char *out, size_t size, double seconds, double step);

/* ---- ranges ---------------------------------------------------------------------------- */

/* The range of the finite values (> 0 only, when positive_only) of
 * values[0..n), which it reorders; with clip, from the 5th to the 95th
 * percentile. false when no value qualifies. */
bool chart_value_range(double *out_lo, double *out_hi, double *values, size_t n, bool clip,
		       bool positive_only);

/* ---- hit testing --------------------------------------------------------------------------- */

double chart_segment_distance(ChartPoint p, ChartPoint a, ChartPoint b);
/* The segment of the polyline pts[0..n) nearest p, if within max_distance:
 * its first point's index, else -1; *out_distance (may be NULL) its distance.
 * A single point counts as a segment of length 0. Non-finite points break
 * the line. */
ptrdiff_t chart_polyline_nearest(const ChartPoint *pts, size_t n, ChartPoint p, double max_distance,
				 double *out_distance);
/* The point of pts[0..n) nearest p within max_distance, else -1. */
ptrdiff_t chart_points_nearest(const ChartPoint *pts, size_t n, ChartPoint p, double max_distance,
			       double *out_distance);
/* The index of xs[0..n) whose value is nearest x (non-finite skipped), or -1. */
ptrdiff_t chart_nearest_x(const double *xs, size_t n, double x);
