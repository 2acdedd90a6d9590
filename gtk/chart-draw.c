/* chart-draw.c: paints a laid-out ChartFrame (see chart-render.h): grid and
 * tick labels, each run's line (faint raw under smoothed, overwritten
 * sessions dimmed) and the epochs on disk as glyphs, into an image
 * surface's pixels when it is one (chart-raster.h), else with cairo's
 * vectors. The words around the plot are in chart-legend.c. */
#include "chart-draw-private.h"

#include "chart-raster.h"

#include <glib.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>

#define TICK_GAP 6.0
#define LINE_WIDTH CHART_LINE_WIDTH
#define SELECTED_WIDTH CHART_SELECTED_WIDTH

/* ---- grid and axes ---------------------------------------------------------------- */

static void draw_grid(cairo_t *cr, const ChartFrame *f, const ChartStyle *style)
{
	cairo_set_line_width(cr, 1.0);
	chart_set_color(cr, style->fg, style->dark ? 0.10 : 0.08);
	for (size_t i = 0; i < f->n_yticks; i++) {
		double y = floor(chart_scale_map(&f->ys, f->yticks[i])) + 0.5;
		cairo_move_to(cr, f->plot_x, y);
		cairo_line_to(cr, f->plot_x + f->plot_w, y);
	}
	for (size_t i = 0; i < f->n_xticks; i++) {
		double x = floor(chart_scale_map(&f->xs, f->xticks[i])) + 0.5;
		cairo_move_to(cr, x, f->plot_y);
		cairo_line_to(cr, x, f->plot_y + f->plot_h);
	}
	cairo_stroke(cr);
	chart_set_color(cr, style->fg, 0.28);
	double bottom = floor(f->plot_y + f->plot_h) + 0.5;
	cairo_move_to(cr, f->plot_x, bottom);
	cairo_line_to(cr, f->plot_x + f->plot_w, bottom);
	cairo_stroke(cr);
}

static void draw_tick_labels(cairo_t *cr, const ChartFrame *f, const ChartView *view,
			     const ChartStyle *style)
{
	char text[64];
	chart_set_color(cr, style->fg, 0.62);
	for (size_t i = 0; i < f->n_yticks; i++) {
		chart_format_tick(text, sizeof text, f->yticks[i], f->ystep);
		PangoLayout *l = chart_text_layout(cr, style, text, 0.9, false);
		int w, h;
		pango_layout_get_pixel_size(l, &w, &h);
		double y = chart_scale_map(&f->ys, f->yticks[i]) - h / 2.0;
		chart_text_show(cr, l, f->plot_x - TICK_GAP - w, y);
		g_object_unref(l);
	}
	double right_edge = -1e9;
	int label_h = 0;
	for (size_t i = 0; i < f->n_xticks; i++) {
		chart_frame_format_x(text, sizeof text, f, view->x_mode, f->xticks[i]);
		PangoLayout *l = chart_text_layout(cr, style, text, 0.9, false);
		int w, h;
		pango_layout_get_pixel_size(l, &w, &h);
		label_h = h;
		double x = chart_scale_map(&f->xs, f->xticks[i]) - w / 2.0;
		x = fmax(x, 2.0);
		x = fmin(x, f->width - w - 2.0);
		if (x > right_edge + 8) {
			chart_text_show(cr, l, x, f->plot_y + f->plot_h + TICK_GAP);
			right_edge = x + w;
		}
		g_object_unref(l);
	}
	static const char *titles[] = {"epoch", "wall time", "time since start"};
	PangoLayout *l = chart_text_layout(cr, style, titles[view->x_mode], 0.85, false);
	int w, h;
	pango_layout_get_pixel_size(l, &w, &h);
	chart_set_color(cr, style->fg, 0.5);
	chart_text_show(cr, l, f->plot_x + f->plot_w - w,
			f->plot_y + f->plot_h + TICK_GAP + label_h + 1);
	g_object_unref(l);
}

/* ---- markers ------------------------------------------------------------------------- */

static void star_path(cairo_t *cr, double x, double y, double outer, double inner)
{
	for (int i = 0; i < 10; i++) {
		double r = i % 2 ? inner : outer;
		double a = -G_PI / 2 + i * G_PI / 5;
		if (i == 0)
			cairo_move_to(cr, x + r * cos(a), y + r * sin(a));
		else
			cairo_line_to(cr, x + r * cos(a), y + r * sin(a));
	}
	cairo_close_path(cr);
}

static void diamond_path(cairo_t *cr, double x, double y, double r)
{
	cairo_move_to(cr, x, y - r);
	cairo_line_to(cr, x + r, y);
	cairo_line_to(cr, x, y + r);
	cairo_line_to(cr, x - r, y);
	cairo_close_path(cr);
}

static void cross(cairo_t *cr, double x, double y, double r)
{
	cairo_move_to(cr, x - r, y - r);
	cairo_line_to(cr, x + r, y + r);
	cairo_move_to(cr, x + r, y - r);
	cairo_line_to(cr, x - r, y + r);
}

static void draw_glyph(cairo_t *cr, double x, double y, unsigned flags, ChartRgb color,
		       const ChartStyle *style)
{
	bool best = flags & CHART_MARK_BEST, last = flags & CHART_MARK_LAST;
	bool damaged = flags & CHART_MARK_DAMAGED;
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	if (best)
		star_path(cr, x, y, 7.5, 3.3);
	else if (last)
		diamond_path(cr, x, y, 5.5);
	else if (!damaged)
		cairo_arc(cr, x, y, 3.6, 0, 2 * G_PI);
	else
		return; /* a damaged plain epoch is its cross alone */
	chart_set_color(cr, color, 1.0);
	cairo_fill_preserve(cr);
	chart_set_color(cr, style->bg, 1.0);
	cairo_set_line_width(cr, 1.4);
	cairo_stroke(cr);
	if (best && last) { /* the best is also what a restart loads: ring it */
		cairo_arc(cr, x, y, 10.0, 0, 2 * G_PI);
		chart_set_color(cr, color, 1.0);
		cairo_set_line_width(cr, 1.6);
		cairo_stroke(cr);
	}
}

/* Drawn after every glyph, so that no other run's marker hides it. */
static void draw_cross(cairo_t *cr, double x, double y, unsigned flags, const ChartStyle *style)
{
	double r = flags & (CHART_MARK_BEST | CHART_MARK_LAST) ? 4.5 : 5.0;
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	cross(cr, x, y, r);
	chart_set_color(cr, style->bg, 1.0);
	cairo_set_line_width(cr, 5.0);
	cairo_stroke(cr);
	cross(cr, x, y, r);
	chart_set_color(cr, style->error, 1.0);
	cairo_set_line_width(cr, 2.5);
	cairo_stroke(cr);
}

void chart_draw_marker(cairo_t *cr, double x, double y, unsigned flags, ChartRgb color,
		       const ChartStyle *style)
{
	cairo_save(cr);
	draw_glyph(cr, x, y, flags, color, style);
	if (flags & CHART_MARK_DAMAGED)
		draw_cross(cr, x, y, flags, style);
	cairo_restore(cr);
}

/* ---- lines --------------------------------------------------------------------------- */

/* Strokes a polyline in short pieces: cairo's image backend composites each
 * stroke through a mask the size of its extents, so one stroke across the
 * plot costs its whole area however thin the line. Pieces share their end
 * points; with round caps an opaque line shows no seam (translucent layers
 * are drawn opaque into a group and faded as a whole). */
#define PIECE_POINTS 24
#define PIECE_SPAN 64.0

static void stroke_polyline(cairo_t *cr, const ChartPoint *pts, size_t n)
{
	size_t in_piece = 0;
	double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
	for (size_t i = 0; i < n; i++) {
		ChartPoint p = pts[i];
		if (!isfinite(p.x)) {
			if (in_piece)
				cairo_stroke(cr);
			in_piece = 0;
			continue;
		}
		if (in_piece == 0) {
			cairo_move_to(cr, p.x, p.y);
			x0 = x1 = p.x, y0 = y1 = p.y;
			in_piece = 1;
			continue;
		}
		cairo_line_to(cr, p.x, p.y);
		in_piece++;
		x0 = fmin(x0, p.x), x1 = fmax(x1, p.x), y0 = fmin(y0, p.y), y1 = fmax(y1, p.y);
		if (in_piece >= PIECE_POINTS || x1 - x0 > PIECE_SPAN || y1 - y0 > PIECE_SPAN) {
			cairo_stroke(cr);
			cairo_move_to(cr, p.x, p.y);
			x0 = x1 = p.x, y0 = y1 = p.y;
			in_piece = 1;
		}
	}
	if (in_piece > 1)
		cairo_stroke(cr);
	cairo_new_path(cr);
}

typedef enum { LAYER_RAW, LAYER_DEAD, LAYER_LIVE } Layer;

static void draw_layer(cairo_t *cr, const ChartTrace *t, const ChartEntry *e, Layer layer,
		       bool selected, const ChartStyle *style)
{
	ChartRgb c = chart_palette_color(e->style_index, style->dark);
	double width = selected ? SELECTED_WIDTH : LINE_WIDTH;
	chart_set_color(cr, c, 1.0);
	if (layer == LAYER_RAW) {
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_set_line_width(cr, 1.0);
		stroke_polyline(cr, t->raw, t->n_raw);
	} else if (layer == LAYER_DEAD) {
		cairo_set_line_width(cr, fmax(1.0, width - 0.5));
		chart_set_dash(cr, e->style_index, 1.0);
		stroke_polyline(cr, t->dead, t->n_dead);
	} else {
		cairo_set_line_width(cr, width);
		chart_set_dash(cr, e->style_index, width);
		stroke_polyline(cr, t->live, t->n_live);
	}
}

/* ---- pixels: the fast path for image surfaces ------------------------------------ */

/* A raster over cr's target when it is an ARGB32 image drawn to as is (the
 * widget's cache, a PNG); NULL for anything else (SVG: cairo's vectors). */
static ChartRaster *raster_of(cairo_t *cr, ChartRaster *out)
{
	cairo_surface_t *t = cairo_get_target(cr);
	if (cairo_surface_get_type(t) != CAIRO_SURFACE_TYPE_IMAGE ||
	    cairo_image_surface_get_format(t) != CAIRO_FORMAT_ARGB32)
		return NULL;
	cairo_matrix_t m;
	cairo_get_matrix(cr, &m);
	double sx, sy, ox, oy;
	cairo_surface_get_device_scale(t, &sx, &sy);
	cairo_surface_get_device_offset(t, &ox, &oy);
	if (m.xx != 1 || m.yy != 1 || m.xy != 0 || m.yx != 0 || m.x0 != 0 || m.y0 != 0 ||
	    sx != sy || ox != 0 || oy != 0 || cairo_get_operator(cr) != CAIRO_OPERATOR_OVER)
		return NULL;
	cairo_surface_flush(t);
	unsigned char *data = cairo_image_surface_get_data(t);
	if (!data)
		return NULL;
	chart_raster_init(out, (uint32_t *)data, cairo_image_surface_get_width(t),
			  cairo_image_surface_get_height(t), cairo_image_surface_get_stride(t) / 4);
	out->scale = sx;
	return out;
}

static void raster_done(cairo_t *cr)
{
	cairo_surface_mark_dirty(cairo_get_target(cr));
}

/* Marker glyphs drawn once by cairo and reused: a plot of a thousand runs
 * has thousands of markers. Main thread only. */
#define SPRITE_UNITS 30
#define SPRITE_CACHE 192

typedef struct {
	ChartRgb color, bg, error;
	unsigned flags;
	int pass;
	double scale;
	cairo_surface_t *surface;
	int x0, y0, x1, y1; /* the box of its inked pixels */
} Sprite;

static Sprite sprites[SPRITE_CACHE];
static size_t sprite_count, sprite_next;

static bool same_rgb(ChartRgb a, ChartRgb b)
{
	return a.r == b.r && a.g == b.g && a.b == b.b;
}

static void ink_box(Sprite *sp)
{
	cairo_surface_t *t = sp->surface;
	int w = cairo_image_surface_get_width(t), h = cairo_image_surface_get_height(t);
	int stride = cairo_image_surface_get_stride(t) / 4;
	const uint32_t *px = (const uint32_t *)cairo_image_surface_get_data(t);
	sp->x0 = w, sp->y0 = h, sp->x1 = 0, sp->y1 = 0;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			if (px[y * stride + x] >> 24) {
				sp->x0 = MIN(sp->x0, x), sp->x1 = MAX(sp->x1, x + 1);
				sp->y0 = MIN(sp->y0, y), sp->y1 = MAX(sp->y1, y + 1);
			}
}

static const Sprite *sprite_for(unsigned flags, ChartRgb color, const ChartStyle *style, int pass,
				double scale)
{
	for (size_t i = 0; i < sprite_count; i++) {
		Sprite *sp = &sprites[i];
		if (sp->flags == flags && sp->pass == pass && sp->scale == scale &&
		    same_rgb(sp->color, color) && same_rgb(sp->bg, style->bg) &&
		    same_rgb(sp->error, style->error))
			return sp;
	}
	int px = (int)ceil(SPRITE_UNITS * scale);
	px += px % 2;
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, px, px);
	cairo_surface_set_device_scale(surface, scale, scale);
	cairo_t *cr = cairo_create(surface);
	double c = px / scale / 2;
	if (pass == 0)
		draw_glyph(cr, c, c, flags, color, style);
	else
		draw_cross(cr, c, c, flags, style);
	cairo_destroy(cr);
	cairo_surface_flush(surface);
	Sprite *slot =
	    &sprites[sprite_count < SPRITE_CACHE ? sprite_count++ : sprite_next++ % SPRITE_CACHE];
	if (slot->surface)
		cairo_surface_destroy(slot->surface);
	*slot = (Sprite){color, style->bg, style->error, flags, pass, scale, surface, 0, 0, 0, 0};
	ink_box(slot);
	return slot;
}

/* The sprite's inked box, placed as the whole sprite centred on (x, y). */
static void blit_sprite(ChartRaster *r, const Sprite *sp, double x, double y)
{
	if (sp->x1 <= sp->x0)
		return;
	int size = cairo_image_surface_get_width(sp->surface);
	int stride = cairo_image_surface_get_stride(sp->surface) / 4;
	const uint32_t *px = (const uint32_t *)cairo_image_surface_get_data(sp->surface);
	int w = sp->x1 - sp->x0, h = sp->y1 - sp->y0;
	/* centre of the box, relative to the sprite's centre, in user units */
	double dx = (sp->x0 + w / 2.0 - size / 2.0) / r->scale;
	double dy = (sp->y0 + h / 2.0 - size / 2.0) / r->scale;
	chart_raster_blit(r, px + sp->y0 * stride + sp->x0, w, h, stride, x + dx, y + dy);
}

/* many: a hundred runs or more, drawn with hairlines that overlap less. */
static void raster_layer(ChartRaster *r, const ChartTrace *t, const ChartEntry *e, Layer layer,
			 bool selected, bool many, const ChartStyle *style)
{
	ChartRgb c = chart_palette_color(e->style_index, style->dark);
	double width = selected ? SELECTED_WIDTH : many ? 1.0 : LINE_WIDTH, dashes[4];
	size_t n_dashes = chart_palette_dashes(e->style_index, dashes);
	if (layer == LAYER_RAW) {
		chart_raster_polyline(r, t->raw, t->n_raw, 1.0, c, 0.25, NULL, 0);
		return;
	}
	double w = layer == LAYER_DEAD ? fmax(1.0, width - 0.5) : width;
	for (size_t i = 0; i < n_dashes; i++)
		dashes[i] *= w;
	if (layer == LAYER_DEAD)
		chart_raster_polyline(r, t->dead, t->n_dead, w, c, 0.38, dashes, n_dashes);
	else
		chart_raster_polyline(r, t->live, t->n_live, w, c, 1.0, dashes, n_dashes);
}

static void raster_traces(ChartRaster *r, const ChartFrame *f, const ChartEntry *entries,
			  ptrdiff_t selected, const ChartStyle *style)
{
	bool many = f->n_entries >= 100;
	for (Layer layer = LAYER_RAW; layer <= LAYER_LIVE; layer++) {
		for (size_t k = 0; k < f->n_entries; k++)
			if (layer != LAYER_LIVE || (ptrdiff_t)k != selected)
				raster_layer(r, &f->traces[k], &entries[k], layer,
					     (ptrdiff_t)k == selected, many, style);
	}
	if (selected >= 0)
		raster_layer(r, &f->traces[selected], &entries[selected], LAYER_LIVE, true, many,
			     style);
}

/* The raw lines under smoothed ones, then the overwritten sessions, each
 * layer faded as a whole; then the current lines, the selected on top. */
static void draw_traces(cairo_t *cr, const ChartFrame *f, const ChartEntry *entries,
			ptrdiff_t selected, const ChartStyle *style)
{
	static const double fade[] = {0.25, 0.38};
	for (Layer layer = LAYER_RAW; layer <= LAYER_DEAD; layer++) {
		bool any = false;
		for (size_t k = 0; k < f->n_entries && !any; k++)
			any = layer == LAYER_RAW ? f->traces[k].n_raw > 0 : f->traces[k].n_dead > 0;
		if (!any)
			continue;
		cairo_push_group(cr);
		for (size_t k = 0; k < f->n_entries; k++)
			draw_layer(cr, &f->traces[k], &entries[k], layer, (ptrdiff_t)k == selected,
				   style);
		cairo_pop_group_to_source(cr);
		cairo_paint_with_alpha(cr, fade[layer]);
	}
	for (size_t k = 0; k < f->n_entries; k++)
		if ((ptrdiff_t)k != selected)
			draw_layer(cr, &f->traces[k], &entries[k], LAYER_LIVE, false, style);
	if (selected >= 0)
		draw_layer(cr, &f->traces[selected], &entries[selected], LAYER_LIVE, true, style);
}

/* One entry's markers: its glyphs (pass 0) or its damaged crosses (pass 1),
 * as sprites into r when there is one, else with cairo. */
static void draw_entry_markers(cairo_t *cr, ChartRaster *r, const ChartFrame *f,
			       const ChartEntry *entries, size_t k, int pass,
			       const ChartStyle *style)
{
	const ChartSeries *s = entries[k].series;
	ChartRgb c = chart_palette_color(entries[k].style_index, style->dark);
	cairo_save(cr);
	for (size_t m = 0; m < s->n_markers; m++) {
		ChartPoint p = f->traces[k].marks[m];
		unsigned flags = s->markers[m].flags;
		if (!isfinite(p.x) || (pass == 1 && !(flags & CHART_MARK_DAMAGED)))
			continue;
		if (r)
			blit_sprite(r, sprite_for(flags, c, style, pass, r->scale), p.x, p.y);
		else if (pass == 0)
			draw_glyph(cr, p.x, p.y, flags, c, style);
		else
			draw_cross(cr, p.x, p.y, flags, style);
	}
	cairo_restore(cr);
}

/* Glyphs, the selected run's on top, then every damaged cross above them,
 * then the ring around the selected epoch. */
static void draw_markers(cairo_t *cr, ChartRaster *r, const ChartFrame *f,
			 const ChartEntry *entries, const ChartView *view, const ChartStyle *style)
{
	ptrdiff_t sel =
	    view->selected >= 0 && (size_t)view->selected < f->n_entries ? view->selected : -1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < f->n_entries; k++)
			if ((ptrdiff_t)k != sel)
				draw_entry_markers(cr, r, f, entries, k, pass, style);
		if (sel >= 0)
			draw_entry_markers(cr, r, f, entries, (size_t)sel, pass, style);
	}
	if (r)
		raster_done(cr);
	if (sel < 0 || !view->selected_epoch)
		return;
	const ChartSeries *s = entries[sel].series;
	for (size_t m = 0; m < s->n_markers; m++) {
		ChartPoint p = f->traces[sel].marks[m];
		if (s->markers[m].epoch != view->selected_epoch || !isfinite(p.x))
			continue;
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_arc(cr, p.x, p.y, 12.5, 0, 2 * G_PI);
		chart_set_color(cr, style->bg, 0.9);
		cairo_set_line_width(cr, 5.0);
		cairo_stroke_preserve(cr);
		chart_set_color(cr, style->accent, 1.0);
		cairo_set_line_width(cr, 2.5);
		cairo_stroke(cr);
	}
}

void chart_frame_draw(cairo_t *cr, const ChartFrame *f, const ChartEntry *entries,
		      const ChartView *view, const ChartStyle *style, bool fill)
{
	cairo_save(cr);
	if (fill) {
		chart_set_color(cr, style->bg, 1.0);
		cairo_paint(cr);
	}
	draw_grid(cr, f, style);
	draw_tick_labels(cr, f, view, style);
	chart_draw_header(cr, f, view, style);
	if (!f->has_data) {
		chart_draw_empty(cr, f, style);
		cairo_restore(cr);
		return;
	}
	ptrdiff_t selected =
	    view->selected >= 0 && (size_t)view->selected < f->n_entries ? view->selected : -1;
	ChartRaster raster_storage, *raster = raster_of(cr, &raster_storage);
	if (raster) {
		chart_raster_clip(raster, f->plot_x, f->plot_y - 1, f->plot_x + f->plot_w,
				  f->plot_y + f->plot_h + 1);
		raster_traces(raster, f, entries, selected, style);
		raster_done(cr);
		chart_raster_clip(raster, f->plot_x - 14, f->plot_y - 14,
				  f->plot_x + f->plot_w + 14, f->plot_y + f->plot_h + 14);
	} else {
		cairo_save(cr);
		cairo_rectangle(cr, f->plot_x, f->plot_y - 1, f->plot_w, f->plot_h + 2);
		cairo_clip(cr);
		cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
		draw_traces(cr, f, entries, selected, style);
		cairo_restore(cr);
	}
	cairo_save(cr);
	cairo_rectangle(cr, f->plot_x - 14, f->plot_y - 14, f->plot_w + 28, f->plot_h + 28);
	cairo_clip(cr);
	draw_markers(cr, raster, f, entries, view, style);
	cairo_restore(cr);
	chart_draw_legend(cr, f, entries, view, style);
	cairo_restore(cr);
}
