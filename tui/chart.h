/* chart.h: the dashboard's metric chart as pure functions: cells of dots
 * (braille 2x4, half blocks 1x2, ASCII 1x3, or one glyph a cell), a pixel
 * canvas that series draw into, value scales (linear or log), downsampling
 * per pixel column that keeps each column's min and max, and the shades of
 * a heat strip. No terminal and no library calls (which points a restart
 * abandoned is libckpt's to say): the dashboard feeds it numbers and draws
 * its cells. */
#ifndef CKPT_TUI_CHART_H
#define CKPT_TUI_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for one cell's glyph (UTF-8) and its NUL. */
#define CHART_GLYPH_MAX 8
/* Series one canvas tells apart (one bit each). */
#define CHART_SERIES_MAX 8

typedef enum {
	CHART_BRAILLE, /* 2x4 dots a cell: U+2800.. (UTF-8 terminals) */
	CHART_BLOCK,   /* 1x2: upper/lower half blocks (most consoles' fonts) */
	CHART_ASCII,   /* 1x3: ' - _ | : (any terminal) */
	CHART_GLYPH,   /* 1x1: each series its own glyph (monochrome overlays) */
} chart_style;

/* "braille", "block", "ascii", "glyph"; and back (false for other names). */
const char *chart_style_name(chart_style style);
bool chart_style_from_name(chart_style *out, const char *name);

/* Dots per cell, across and down. */
void chart_cell_size(chart_style style, int *out_w, int *out_h);
/* The glyph of a cell whose dots are `mask` (bit y * w + x, y from the
 * top): a braille pattern, a half block, or an ASCII character; " " for
 * none. For CHART_GLYPH any dot is "*". Returns out. */
const char *chart_cell_glyph(char out[CHART_GLYPH_MAX], chart_style style, unsigned mask);
/* The glyph that tells series i apart without colour: "*", "+", "o", "x",
 * "#", "@", "%", "&" (or filled and hollow shapes in UTF-8). */
const char *chart_series_glyph(int series, bool ascii);
/* A heat strip's cell for t in [0, 1] (0 worst, 1 best): four shades in
 * UTF-8 (░▒▓█), nine in ASCII (.:-=+*#%@); " " when t is NaN. */
const char *chart_shade(char out[CHART_GLYPH_MAX], double t, bool ascii);

/* ---- scales ------------------------------------------------------------ */

typedef struct chart_scale {
	double lo, hi; /* the values at the bottom and the top */
	bool log;      /* positions by log10 */
} chart_scale;

/* Fits the scale to the finite values (the positive ones when log): a flat
 * series gets a margin of its own size around it. A log scale asked for
 * values that are not all positive falls back to linear (*out_log_refused
 * true, may be NULL). False when there is nothing to draw. */
bool chart_scale_fit(chart_scale *s, const double *values, size_t n, bool log,
		     bool *out_log_refused);
/* Where v sits: 0 at lo, 1 at hi (outside for values beyond); NaN for a
 * value the scale cannot place (non-finite, or not positive on a log scale). */
double chart_scale_unit(const chart_scale *s, double v);
/* The value at a position (the inverse of chart_scale_unit). */
double chart_scale_value(const chart_scale *s, double unit);

/* ---- downsampling ------------------------------------------------------- */

/* The points that fall into one column. */
typedef struct chart_bucket {
	size_t n;           /* how many; the rest is set only when n > 0 */
	double min, max;    /* the extremes, so that spikes survive */
	double first, last; /* in the order given: where the line enters and leaves */
} chart_bucket;

/* The column of x among n columns spanning [x0, x1] (x0 in column 0, x1
 * in column n - 1; a single point when x0 == x1 is column 0); -1 outside. */
long chart_column(double x, double x0, double x1, size_t n);
/* Sorts the points (x[i], y[i]) into n buckets over [x0, x1]; points with
 * a non-finite y, or outside the range, are left out. */
void chart_downsample(chart_bucket *out, size_t n, const double *x, const double *y, size_t count,
		      double x0, double x1);

/* ---- the canvas ----------------------------------------------------------- */

typedef struct chart_canvas {
	int cols, rows;    /* cells */
	int cw, ch;        /* dots per cell */
	int width, height; /* dots */
	chart_style style;
	uint8_t *dots; /* width * height: bit s set where series s drew */
} chart_canvas;

/* 0, or -1 when out of memory (c is then empty). Free with chart_canvas_free. */
int chart_canvas_init(chart_canvas *c, int cols, int rows, chart_style style);
void chart_canvas_free(chart_canvas *c);
/* One dot, clipped to the canvas. */
void chart_canvas_dot(chart_canvas *c, int x, int y, int series);
/* A straight line of dots from one to the other, both included. */
void chart_canvas_line(chart_canvas *c, int x0, int y0, int x1, int y1, int series);
/* Plots the points (x[i], y[i]) in their order as one line of series
 * `series`, x over [x0, x1] and y by the scale: downsampled to one bucket
 * per dot column, each column drawn from its min to its max and joined to
 * the next column from its last value to the next one's first. A NaN y
 * breaks the line. */
void chart_canvas_plot(chart_canvas *c, int series, const double *x, const double *y, size_t n,
		       double x0, double x1, const chart_scale *s);
/* The cell holding the point (x, y); false when it is off the canvas. */
bool chart_canvas_locate(const chart_canvas *c, double x, double y, double x0, double x1,
			 const chart_scale *s, int *out_col, int *out_row);
/* The dots set in a cell (as chart_cell_glyph takes them) and, in
 * *out_series (may be NULL), which series drew any of them. */
unsigned chart_canvas_cell(const chart_canvas *c, int col, int row, unsigned *out_series);

#endif
