/* chart-raster.c: antialiased lines and sprites into ARGB32 pixels (see
 * chart-raster.h). A segment is walked along its major axis one pixel
 * column (or row) at a time; in each, the band of the line's thickness
 * across the minor axis gives each pixel its exact coverage. Consecutive
 * segments split a shared column at their common point, so a polyline's
 * joints are not blended twice. */
#include "chart-raster.h"

#include <math.h>
#include <string.h>

void chart_raster_init(ChartRaster *r, uint32_t *pixels, int width, int height, int stride)
{
	*r = (ChartRaster){pixels, width, height, stride, 0, 0, width, height, 1.0};
}

void chart_raster_clip(ChartRaster *r, double x0, double y0, double x1, double y1)
{
	r->clip_x0 = (int)fmax(0, floor(x0 * r->scale));
	r->clip_y0 = (int)fmax(0, floor(y0 * r->scale));
	r->clip_x1 = (int)fmin(r->width, ceil(x1 * r->scale));
	r->clip_y1 = (int)fmin(r->height, ceil(y1 * r->scale));
}

/* Source over destination, premultiplied, 8 bits a channel; x * 257 >> 16
 * divides by 255 closely enough for coverage. */
static inline uint32_t mul255(uint32_t x, uint32_t a)
{
	uint32_t t = x * a + 128;
	return (t + (t >> 8)) >> 8;
}

static inline uint32_t over(uint32_t dst, uint32_t sa, uint32_t sr, uint32_t sg, uint32_t sb)
{
	uint32_t inv = 255 - sa;
	uint32_t da = sa + mul255(dst >> 24, inv), dr = sr + mul255(dst >> 16 & 0xff, inv);
	uint32_t dg = sg + mul255(dst >> 8 & 0xff, inv), db = sb + mul255(dst & 0xff, inv);
	return da << 24 | dr << 16 | dg << 8 | db;
}

/* A colour ready to blend: its premultiplied pixel at each opacity 0..255,
 * and the opacity asked for (0..255). */
typedef struct {
	uint32_t at[256];
	double alpha;
} Ink;

static void ink_init(Ink *ink, ChartRgb c, double alpha)
{
	alpha = alpha < 0 ? 0 : alpha > 1 ? 1 : alpha;
	uint32_t r = (uint32_t)(c.r * 255 + 0.5), g = (uint32_t)(c.g * 255 + 0.5),
		 b = (uint32_t)(c.b * 255 + 0.5);
	for (uint32_t a = 0; a < 256; a++)
		ink->at[a] = a << 24 | mul255(r, a) << 16 | mul255(g, a) << 8 | mul255(b, a);
	ink->alpha = alpha * 255;
}

/* Inks are asked for again and again (a dozen colours, three opacities, a
 * thousand lines a frame): the last few are kept. Per thread, so that an
 * export on another thread could draw too. */
#define INK_CACHE 48

static const Ink *ink_for(ChartRgb c, double alpha)
{
	static _Thread_local Ink inks[INK_CACHE];
	static _Thread_local ChartRgb colors[INK_CACHE];
	static _Thread_local double alphas[INK_CACHE];
	static _Thread_local int count, next;
	for (int i = 0; i < count; i++)
		if (alphas[i] == alpha && colors[i].r == c.r && colors[i].g == c.g &&
		    colors[i].b == c.b)
			return &inks[i];
	int slot = count < INK_CACHE ? count++ : next++ % INK_CACHE;
	ink_init(&inks[slot], c, alpha);
	colors[slot] = c;
	alphas[slot] = alpha;
	return &inks[slot];
}

#if defined(__GNUC__)
#define HOT_INLINE static inline __attribute__((always_inline))
#else
#define HOT_INLINE static inline
#endif

/* Unclipped: the caller has clipped. Destination times 1 - a, two channels
 * at a time (red with blue, alpha with green), then the source added. */
HOT_INLINE void put(ChartRaster *r, int x, int y, const Ink *ink, double cover)
{
	int a = (int)(cover * ink->alpha + 0.5);
	if (a <= 0)
		return;
	if (a > 255)
		a = 255;
	uint32_t *p = &r->pixels[(size_t)y * r->stride + x];
	uint32_t inv = 255 - (uint32_t)a, d = *p;
	uint32_t rb = (d & 0x00ff00ffu) * inv + 0x00800080u;
	rb = ((rb + (rb >> 8 & 0x00ff00ffu)) >> 8) & 0x00ff00ffu;
	uint32_t ag = (d >> 8 & 0x00ff00ffu) * inv + 0x00800080u;
	ag = (ag + (ag >> 8 & 0x00ff00ffu)) & 0xff00ff00u;
	*p = ink->at[a] + (rb | ag);
}

void chart_raster_blend(ChartRaster *r, int x, int y, ChartRgb c, double alpha)
{
	if (x < r->clip_x0 || x >= r->clip_x1 || y < r->clip_y0 || y >= r->clip_y1)
		return;
	Ink ink;
	ink_init(&ink, c, alpha);
	put(r, x, y, &ink, 1.0);
}

/* ---- dashes ---------------------------------------------------------------------- */

typedef struct {
	const double *dashes;
	size_t n;
	double period, inverse; /* the pattern's length and its reciprocal */
} Dash;

static inline bool dash_on(const Dash *d, double s)
{
	double at = s - d->period * (double)(long)(s * d->inverse); /* s >= 0 */
	for (size_t i = 0; i < d->n; i++) {
		if (at < d->dashes[i])
			return i % 2 == 0;
		at -= d->dashes[i];
	}
	return true;
}

/* ---- segments ------------------------------------------------------------------------ */

/* floor and ceil without a libm call (x is well inside int's range). */
static inline int ifloor(double x)
{
	int i = (int)x;
	return i - (x < i);
}

static inline int iceil(double x)
{
	int i = (int)x;
	return i + (x > i);
}

static inline double min2(double a, double b)
{
	return a < b ? a : b;
}

static inline double max2(double a, double b)
{
	return a > b ? a : b;
}

/* The pixels of one major-axis cell: the band [lo, hi) across the minor
 * axis, each pixel's coverage its overlap with the band times the cell's
 * share of the segment. */
HOT_INLINE void band(ChartRaster *r, bool steep, int major, double lo, double hi, double share,
		     const Ink *ink)
{
	int first = ifloor(lo), last = iceil(hi) - 1;
	int clip_lo = steep ? r->clip_x0 : r->clip_y0,
	    clip_hi = (steep ? r->clip_x1 : r->clip_y1) - 1;
	if (first < clip_lo)
		first = clip_lo;
	if (last > clip_hi)
		last = clip_hi;
	for (int m = first; m <= last; m++) {
		double cover = (min2(m + 1.0, hi) - max2((double)m, lo)) * share;
		if (cover <= 0)
			continue;
		if (steep)
			put(r, m, major, ink, cover);
		else
			put(r, major, m, ink, cover);
	}
}

/* The part [a, b) of cell `cell` a segment spanning [ua, ub) along its
 * major axis draws, as (share, centre). A cell holding a joint with the
 * next segment (shared_lo/hi) goes whole to the segment holding the cell's
 * centre: blending two partial coverages one over the other would leave
 * every joint lighter than the line. */
HOT_INLINE bool cell_part(int cell, double ua, double ub, bool shared_lo, bool shared_hi,
			  double *share, double *centre)
{
	double a = max2((double)cell, ua), b = min2(cell + 1.0, ub);
	double mid = cell + 0.5;
	bool lo_inside = ua > cell && ua<cell + 1.0, hi_inside = ub> cell && ub < cell + 1.0;
	if ((shared_lo && lo_inside) || (shared_hi && hi_inside)) {
		bool mine = mid >= ua && mid < ub;
		if (!mine)
			return false;
		/* whole, unless its other end is a free end inside the same cell */
		a = shared_lo || !lo_inside ? (double)cell : ua;
		b = shared_hi || !hi_inside ? cell + 1.0 : ub;
	}
	if (b <= a)
		return false;
	*share = b - a;
	*centre = (a + b) / 2;
	return true;
}

/* A hairline (one pixel wide) the way Xiaolin Wu draws one: along the major
 * axis, each cell shares the line between the two pixels its centre falls
 * between. Two pixels a cell and a step along the line: a thousand runs. */
HOT_INLINE void hair_cell(ChartRaster *r, bool steep, int cell, double vc, double share,
			  const Ink *ink, int minor_lo, int minor_hi)
{
	int v = ifloor(vc);
	double frac = vc - v;
	if (v >= minor_lo && v < minor_hi) {
		if (steep)
			put(r, v, cell, ink, (1 - frac) * share);
		else
			put(r, cell, v, ink, (1 - frac) * share);
	}
	if (v + 1 >= minor_lo && v + 1 < minor_hi) {
		if (steep)
			put(r, v + 1, cell, ink, frac * share);
		else
			put(r, cell, v + 1, ink, frac * share);
	}
}

static void hairline(ChartRaster *r, double x0, double y0, double x1, double y1, bool shared0,
		     bool shared1, const Ink *ink, const Dash *dash, double s0)
{
	double dx = x1 - x0, dy = y1 - y0;
	bool steep = fabs(dy) > fabs(dx);
	double u0 = steep ? y0 : x0, u1 = steep ? y1 : x1, v0 = steep ? x0 : y0;
	double du = steep ? dy : dx, dv = steep ? dx : dy;
	if (du == 0)
		return;
	double slope = dv / du, stretch = sqrt(1 + slope * slope);
	double ua = min2(u0, u1), ub = max2(u0, u1);
	int cell_first = ifloor(ua), cell_last = iceil(ub) - 1;
	int clip_lo = steep ? r->clip_y0 : r->clip_x0, clip_hi = steep ? r->clip_y1 : r->clip_x1;
	int minor_lo = steep ? r->clip_x0 : r->clip_y0, minor_hi = steep ? r->clip_x1 : r->clip_y1;
	if (cell_first < clip_lo)
		cell_first = clip_lo;
	if (cell_last >= clip_hi)
		cell_last = clip_hi - 1;
	if (cell_first > cell_last)
		return;
	/* brightness compensates for the slope, as a box filter would */
	double weight = stretch > 1.4142 ? 1.4142 : stretch;
	/* the two end cells may be partly covered; the ones between are whole,
	 * their centres one step apart along the line */
	bool shared_lo = u0 <= u1 ? shared0 : shared1, shared_hi = u0 <= u1 ? shared1 : shared0;
	for (int end = 0; end < 2; end++) {
		int cell = end ? cell_last : cell_first;
		if (end && cell_last == cell_first)
			break;
		double share, um;
		if (cell_part(cell, ua, ub, shared_lo, shared_hi, &share, &um) &&
		    (!dash->n || dash_on(dash, s0 + fabs(um - u0) * stretch)))
			hair_cell(r, steep, cell, v0 + slope * (um - u0) - 0.5, share * weight, ink,
				  minor_lo, minor_hi);
	}
	double vc = v0 + slope * (cell_first + 1.5 - u0) - 0.5;
	double s = s0 + (cell_first + 1.5 - u0) * stretch, ds = stretch;
	if (u1 < u0)
		s = s0 + (u0 - cell_first - 1.5) * stretch, ds = -stretch;
	for (int cell = cell_first + 1; cell < cell_last; cell++, vc += slope, s += ds)
		if (!dash->n || dash_on(dash, s))
			hair_cell(r, steep, cell, vc, weight, ink, minor_lo, minor_hi);
}

/* One segment, in pixels; s0 is the dash position (arc length) at its
 * start. Each cell it crosses is weighted by the share of the cell inside
 * the segment, so two segments meeting inside a cell split it. */
static void segment(ChartRaster *r, double x0, double y0, double x1, double y1, double half,
		    bool shared0, bool shared1, const Ink *ink, const Dash *dash, double s0)
{
	double dx = x1 - x0, dy = y1 - y0;
	bool steep = fabs(dy) > fabs(dx);
	/* major axis u, minor axis v */
	double u0 = steep ? y0 : x0, u1 = steep ? y1 : x1, v0 = steep ? x0 : y0;
	double du = steep ? dy : dx, dv = steep ? dx : dy;
	if (du == 0)
		return;
	double slope = dv / du, stretch = sqrt(1 + slope * slope);
	double thick = half * stretch; /* the band's half height across the minor axis */
	double ua = min2(u0, u1), ub = max2(u0, u1);
	int cell_first = ifloor(ua), cell_last = iceil(ub) - 1;
	int clip_lo = steep ? r->clip_y0 : r->clip_x0, clip_hi = steep ? r->clip_y1 : r->clip_x1;
	if (cell_first < clip_lo)
		cell_first = clip_lo;
	if (cell_last >= clip_hi)
		cell_last = clip_hi - 1;
	bool shared_lo = u0 <= u1 ? shared0 : shared1, shared_hi = u0 <= u1 ? shared1 : shared0;
	for (int cell = cell_first; cell <= cell_last; cell++) {
		double share, um;
		if (!cell_part(cell, ua, ub, shared_lo, shared_hi, &share, &um))
			continue;
		if (dash->n && !dash_on(dash, s0 + fabs(um - u0) * stretch))
			continue;
		double vc = v0 + slope * (um - u0);
		band(r, steep, cell, vc - thick, vc + thick, share, ink);
	}
}

void chart_raster_polyline(ChartRaster *r, const ChartPoint *pts, size_t n, double width,
			   ChartRgb c, double alpha, const double *dashes, size_t n_dashes)
{
	double k = r->scale, scaled[8];
	if (n_dashes > 8)
		n_dashes = 8;
	Dash dash = {scaled, n_dashes, 0, 0};
	for (size_t i = 0; i < n_dashes; i++) {
		scaled[i] = dashes[i] * k;
		dash.period += scaled[i];
	}
	if (!(dash.period > 0))
		dash.n = 0;
	else
		dash.inverse = 1 / dash.period;
	const Ink *ink = ink_for(c, alpha);
	double half = width * k / 2, s = 0, pad = half * 2 + 1;
	for (size_t i = 0; i + 1 < n; i++) {
		ChartPoint a = {pts[i].x * k, pts[i].y * k},
			   b = {pts[i + 1].x * k, pts[i + 1].y * k};
		if (!isfinite(a.x) || !isfinite(a.y) || !isfinite(b.x) || !isfinite(b.y)) {
			s = 0;
			continue;
		}
		double ddx = b.x - a.x, ddy = b.y - a.y;
		double length = dash.n ? sqrt(ddx * ddx + ddy * ddy) : 0;
		/* A whole segment outside the clip, thickness included, costs nothing. */
		if (max2(a.x, b.x) >= r->clip_x0 - pad && min2(a.x, b.x) <= r->clip_x1 + pad &&
		    max2(a.y, b.y) >= r->clip_y0 - pad && min2(a.y, b.y) <= r->clip_y1 + pad) {
			/* joints with the neighbouring segments, to split cells fairly */
			bool shared0 = i > 0 && isfinite(pts[i - 1].x) && isfinite(pts[i - 1].y);
			bool shared1 =
			    i + 2 < n && isfinite(pts[i + 2].x) && isfinite(pts[i + 2].y);
			if (half <= 0.5)
				hairline(r, a.x, a.y, b.x, b.y, shared0, shared1, ink, &dash, s);
			else
				segment(r, a.x, a.y, b.x, b.y, half, shared0, shared1, ink, &dash,
					s);
		}
		s += length;
	}
	/* A lone point draws as a dot of the line's width. */
	Dash solid = {NULL, 0, 0, 0};
	for (size_t i = 0; i < n; i++) {
		bool before = i > 0 && isfinite(pts[i - 1].x);
		bool after = i + 1 < n && isfinite(pts[i + 1].x);
		if (isfinite(pts[i].x) && isfinite(pts[i].y) && !before && !after)
			segment(r, pts[i].x * k - half, pts[i].y * k, pts[i].x * k + half,
				pts[i].y * k, half, false, false, ink, &solid, 0);
	}
}

void chart_raster_blit(ChartRaster *r, const uint32_t *sprite, int w, int h, int stride, double cx,
		       double cy)
{
	int x = (int)lround(cx * r->scale) - w / 2, y = (int)lround(cy * r->scale) - h / 2;
	int x0 = x < r->clip_x0 ? r->clip_x0 : x, x1 = x + w > r->clip_x1 ? r->clip_x1 : x + w;
	int y0 = y < r->clip_y0 ? r->clip_y0 : y, y1 = y + h > r->clip_y1 ? r->clip_y1 : y + h;
	for (int py = y0; py < y1; py++) {
		const uint32_t *src = &sprite[(size_t)(py - y) * stride + (x0 - x)];
		uint32_t *dst = &r->pixels[(size_t)py * r->stride + x0];
		for (int px = x0; px < x1; px++, src++, dst++) {
			uint32_t s = *src, sa = s >> 24;
			if (sa == 0)
				continue;
			*dst =
			    sa == 255 ? s : over(*dst, sa, s >> 16 & 0xff, s >> 8 & 0xff, s & 0xff);
		}
	}
}
