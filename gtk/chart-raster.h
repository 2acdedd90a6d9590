/* chart-raster.h: drawing the chart's lines and markers straight into a
 * cairo image surface's pixels. cairo's image backend composites every
 * stroke through a mask the size of the stroke's extents, so a thin line
 * across the plot costs the plot's area: a thousand runs took ~90 ms a
 * frame. Here a line costs the pixels it touches: antialiased by exact
 * box-filter coverage, any width, dashed, clipped; markers are sprites
 * (drawn once with cairo) blended in. Plain C, no GTK. */
#pragma once

#include "chart-math.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A premultiplied ARGB32 pixel buffer (CAIRO_FORMAT_ARGB32) and a clip.
 * Coordinates given to the functions below are in user units, `scale`
 * pixels each (a HiDPI surface's device scale). */
typedef struct {
	uint32_t *pixels;
	int width, height, stride;              /* in pixels */
	int clip_x0, clip_y0, clip_x1, clip_y1; /* [x0, x1) x [y0, y1), in pixels */
	double scale;
} ChartRaster;

/* Scale 1, the clip the whole buffer. */
void chart_raster_init(ChartRaster *r, uint32_t *pixels, int width, int height, int stride);
/* The clip, in user units. */
void chart_raster_clip(ChartRaster *r, double x0, double y0, double x1, double y1);

/* Blends one pixel (in pixels, not user units) with colour c at opacity
 * alpha (0..1), clipped. */
void chart_raster_blend(ChartRaster *r, int x, int y, ChartRgb c, double alpha);

/* A polyline in pixels, NaN points breaking it, `width` pixels wide, at
 * opacity alpha; dashes (NULL or n_dashes 0: solid) in pixels, on/off pairs. */
void chart_raster_polyline(ChartRaster *r, const ChartPoint *pts, size_t n, double width,
			   ChartRgb c, double alpha, const double *dashes, size_t n_dashes);

/* Blends a premultiplied ARGB32 sprite (w x h pixels, stride in pixels)
 * with its centre on the pixel nearest (x, y) in user units, clipped. */
void chart_raster_blit(ChartRaster *r, const uint32_t *sprite, int w, int h, int stride, double cx,
		       double cy);
