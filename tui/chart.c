/* chart.c: the chart's cells, scales, downsampling and canvas (see
 * chart.h). Dots are numbered across then down inside a cell; only the
 * braille encoding has an order of its own, which cell_to_braille maps. */
#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *chart_style_name(chart_style style)
{
	switch (style) {
	case CHART_BLOCK: return "block";
	case CHART_ASCII: return "ascii";
	case CHART_GLYPH: return "glyph";
	default: return "braille";
	}
}

bool chart_style_from_name(chart_style *out, const char *name)
{
	for (int s = CHART_BRAILLE; s <= CHART_GLYPH; s++)
		if (strcmp(name, chart_style_name((chart_style)s)) == 0) {
			*out = (chart_style)s;
			return true;
		}
	return false;
}

void chart_cell_size(chart_style style, int *out_w, int *out_h)
{
	switch (style) {
	case CHART_BRAILLE: *out_w = 2, *out_h = 4; break;
	case CHART_BLOCK: *out_w = 1, *out_h = 2; break;
	case CHART_ASCII: *out_w = 1, *out_h = 3; break;
	default: *out_w = 1, *out_h = 1; break;
	}
}

/* Braille numbers its dots down the left column (1, 2, 3), down the right
 * (4, 5, 6), then the bottom row (7, 8). */
static unsigned cell_to_braille(unsigned mask)
{
	static const unsigned bit[8] = {0x01, 0x08, 0x02, 0x10, 0x04, 0x20, 0x40, 0x80};
	unsigned pattern = 0;
	for (int i = 0; i < 8; i++)
		if (mask & (1u << i))
			pattern |= bit[i];
	return pattern;
}

/* UTF-8 of a code point below U+10000. */
static const char *utf8(char out[CHART_GLYPH_MAX], unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp, out[1] = '\0';
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6)), out[1] = (char)(0x80 | (cp & 0x3F));
		out[2] = '\0';
	} else {
		out[0] = (char)(0xE0 | (cp >> 12)), out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F)), out[3] = '\0';
	}
	return out;
}

const char *chart_cell_glyph(char out[CHART_GLYPH_MAX], chart_style style, unsigned mask)
{
	/* ASCII, top to bottom: ' high, - middle, _ low; a column of them is
	 * a stroke, the top and bottom alone a colon. */
	static const char ascii[8] = {' ', '\'', '-', '|', '_', ':', '|', '|'};
	static const unsigned blocks[4] = {' ', 0x2580, 0x2584, 0x2588};
	switch (style) {
	case CHART_BRAILLE:
		mask &= 0xFF;
		return mask ? utf8(out, 0x2800 + cell_to_braille(mask)) : utf8(out, ' ');
	case CHART_BLOCK: return utf8(out, blocks[mask & 3]);
	case CHART_ASCII: return utf8(out, (unsigned char)ascii[mask & 7]);
	default: return utf8(out, mask ? '*' : ' ');
	}
}

const char *chart_series_glyph(int series, bool ascii)
{
	static const char *const plain[CHART_SERIES_MAX] = {"*", "+", "o", "x", "#", "@", "%", "&"};
	/* ● ○ ■ □ ▲ △ ◆ ◇ */
	static const char *const shapes[CHART_SERIES_MAX] = {
	    "\xe2\x97\x8f", "\xe2\x97\x8b", "\xe2\x96\xa0", "\xe2\x96\xa1",
	    "\xe2\x96\xb2", "\xe2\x96\xb3", "\xe2\x97\x86", "\xe2\x97\x87",
	};
	int i = ((series % CHART_SERIES_MAX) + CHART_SERIES_MAX) % CHART_SERIES_MAX;
	return ascii ? plain[i] : shapes[i];
}

const char *chart_shade(char out[CHART_GLYPH_MAX], double t, bool ascii)
{
	static const char ramp[] = ".:-=+*#%@";
	static const unsigned shades[4] = {0x2591, 0x2592, 0x2593, 0x2588};
	if (isnan(t))
		return utf8(out, ' ');
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	if (ascii) {
		size_t levels = sizeof ramp - 1;
		size_t i = (size_t)(t * (double)(levels - 1) + 0.5);
		return utf8(out, (unsigned char)ramp[i]);
	}
	return utf8(out, shades[(size_t)(t * 3 + 0.5)]);
}

/* ---- scales ------------------------------------------------------------ */

static bool placeable(double v, bool log)
{
	return isfinite(v) && (!log || v > 0);
}

bool chart_scale_fit(chart_scale *s, const double *values, size_t n, bool log,
		     bool *out_log_refused)
{
	if (out_log_refused)
		*out_log_refused = false;
	if (log)
		for (size_t i = 0; i < n; i++)
			if (isfinite(values[i]) && values[i] <= 0) {
				log = false;
				if (out_log_refused)
					*out_log_refused = true;
				break;
			}
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++)
		if (placeable(values[i], log)) {
			lo = values[i] < lo ? values[i] : lo;
			hi = values[i] > hi ? values[i] : hi;
		}
	if (lo > hi)
		return false;
	if (lo == hi) {
		/* A flat line sits in the middle, with its own size around it. */
		double margin = log ? 0 : lo == 0 ? 1 : fabs(lo) * 0.5;
		if (log)
			lo /= 2, hi *= 2;
		else
			lo -= margin, hi += margin;
	}
	s->lo = lo, s->hi = hi, s->log = log;
	return true;
}

double chart_scale_unit(const chart_scale *s, double v)
{
	if (!placeable(v, s->log))
		return NAN;
	if (s->log)
		return (log10(v) - log10(s->lo)) / (log10(s->hi) - log10(s->lo));
	return (v - s->lo) / (s->hi - s->lo);
}

double chart_scale_value(const chart_scale *s, double unit)
{
	if (s->log)
		return pow(10, log10(s->lo) + unit * (log10(s->hi) - log10(s->lo)));
	return s->lo + unit * (s->hi - s->lo);
}

/* ---- downsampling ------------------------------------------------------- */

long chart_column(double x, double x0, double x1, size_t n)
{
	if (n == 0 || !isfinite(x) || x < x0 || x > x1)
		return -1;
	if (x1 <= x0)
		return 0;
	long col = (long)floor((x - x0) / (x1 - x0) * (double)(n - 1) + 0.5);
	return col < 0 ? 0 : col >= (long)n ? (long)n - 1 : col;
}

void chart_downsample(chart_bucket *out, size_t n, const double *x, const double *y, size_t count,
		      double x0, double x1)
{
	memset(out, 0, n * sizeof *out);
	for (size_t i = 0; i < count; i++) {
		long col = isfinite(y[i]) ? chart_column(x[i], x0, x1, n) : -1;
		if (col < 0)
			continue;
		chart_bucket *b = &out[col];
		if (b->n++ == 0) {
			b->min = b->max = b->first = y[i];
		} else {
			b->min = y[i] < b->min ? y[i] : b->min;
			b->max = y[i] > b->max ? y[i] : b->max;
		}
		b->last = y[i];
	}
}

/* ---- the canvas ----------------------------------------------------------- */

int chart_canvas_init(chart_canvas *c, int cols, int rows, chart_style style)
{
	memset(c, 0, sizeof *c);
	cols = cols > 0 ? cols : 0, rows = rows > 0 ? rows : 0;
	chart_cell_size(style, &c->cw, &c->ch);
	c->style = style;
	c->cols = cols, c->rows = rows;
	c->width = cols * c->cw, c->height = rows * c->ch;
	size_t n = (size_t)c->width * (size_t)c->height;
	c->dots = calloc(n ? n : 1, 1);
	if (!c->dots) {
		memset(c, 0, sizeof *c);
		return -1;
	}
	return 0;
}

void chart_canvas_free(chart_canvas *c)
{
	free(c->dots);
	memset(c, 0, sizeof *c);
}

void chart_canvas_dot(chart_canvas *c, int x, int y, int series)
{
	if (x < 0 || y < 0 || x >= c->width || y >= c->height || series < 0 ||
	    series >= CHART_SERIES_MAX)
		return;
	c->dots[(size_t)y * (size_t)c->width + (size_t)x] |= (uint8_t)(1u << series);
}

void chart_canvas_line(chart_canvas *c, int x0, int y0, int x1, int y1, int series)
{
	int dx = abs(x1 - x0), dy = -abs(y1 - y0);
	int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
	int err = dx + dy;
	for (;;) {
		chart_canvas_dot(c, x0, y0, series);
		if (x0 == x1 && y0 == y1)
			break;
		int e2 = 2 * err;
		if (e2 >= dy)
			err += dy, x0 += sx;
		if (e2 <= dx)
			err += dx, y0 += sy;
	}
}

/* The dot row of a value: the top row is the scale's hi. */
static int dot_row(const chart_canvas *c, const chart_scale *s, double v)
{
	double unit = chart_scale_unit(s, v);
	double row = (1.0 - unit) * (double)(c->height - 1);
	return (int)floor(row + 0.5);
}

void chart_canvas_plot(chart_canvas *c, int series, const double *x, const double *y, size_t n,
		       double x0, double x1, const chart_scale *s)
{
	if (c->width <= 0 || c->height <= 0)
		return;
	chart_bucket *buckets = malloc((size_t)c->width * sizeof *buckets);
	if (!buckets)
		return;
	/* A NaN splits the points into lines drawn one after the other. */
	size_t start = 0;
	while (start < n) {
		size_t end = start;
		while (end < n && !isnan(y[end]))
			end++;
		chart_downsample(buckets, (size_t)c->width, x + start, y + start, end - start, x0,
				 x1);
		int prev_x = -1, prev_y = 0;
		for (int col = 0; col < c->width; col++) {
			const chart_bucket *b = &buckets[col];
			if (!b->n || isnan(chart_scale_unit(s, b->first)))
				continue;
			int top = dot_row(c, s, b->max), bottom = dot_row(c, s, b->min);
			int first = dot_row(c, s, b->first);
			if (prev_x >= 0)
				chart_canvas_line(c, prev_x, prev_y, col, first, series);
			chart_canvas_line(c, col, top, col, bottom, series);
			prev_x = col, prev_y = dot_row(c, s, b->last);
		}
		start = end + 1;
	}
	free(buckets);
}

bool chart_canvas_locate(const chart_canvas *c, double x, double y, double x0, double x1,
			 const chart_scale *s, int *out_col, int *out_row)
{
	long col = chart_column(x, x0, x1, (size_t)(c->width > 0 ? c->width : 0));
	if (col < 0 || isnan(chart_scale_unit(s, y)))
		return false;
	int row = dot_row(c, s, y);
	if (row < 0 || row >= c->height)
		return false;
	*out_col = (int)col / c->cw;
	*out_row = row / c->ch;
	return true;
}

unsigned chart_canvas_cell(const chart_canvas *c, int col, int row, unsigned *out_series)
{
	unsigned mask = 0, series = 0;
	if (col >= 0 && row >= 0 && col < c->cols && row < c->rows)
		for (int dy = 0; dy < c->ch; dy++)
			for (int dx = 0; dx < c->cw; dx++) {
				size_t at = (size_t)(row * c->ch + dy) * (size_t)c->width +
					    (size_t)(col * c->cw + dx);
				if (c->dots[at]) {
					mask |= 1u << (dy * c->cw + dx);
					series |= c->dots[at];
				}
			}
	if (out_series)
		*out_series = series;
	return mask;
}
