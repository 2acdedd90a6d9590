/* chart-draw.c: paints a laid-out ChartFrame (see chart-render.h): grid and
 * tick labels, each run's line (faint raw under smoothed, overwritten
 * sessions dimmed), the epochs on disk as glyphs, the legend and key, and
 * the hover tooltip. */
#include "chart-render.h"

#include "chart-raster.h"

#include <glib.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>

#define PAD 12.0
#define TICK_GAP 6.0
#define LINE_WIDTH 1.5
#define SELECTED_WIDTH 2.75
#define LEGEND_ROWS 8
#define LEGEND_LABEL_MAX 220

/* ---- text ------------------------------------------------------------------- */

static PangoLayout *layout_new(cairo_t *cr, const ChartStyle *style, const char *text,
			       double scale, bool bold)
{
	PangoLayout *layout = pango_cairo_create_layout(cr);
	PangoFontDescription *font = style->font ? pango_font_description_copy(style->font)
						 : pango_font_description_from_string("Sans 10");
	int size = pango_font_description_get_size(font);
	if (size <= 0)
		size = 10 * PANGO_SCALE;
	if (pango_font_description_get_size_is_absolute(font))
		pango_font_description_set_absolute_size(font, size * scale);
	else
		pango_font_description_set_size(font, (int)(size * scale));
	if (bold)
		pango_font_description_set_weight(font, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(layout, font);
	pango_font_description_free(font);
	pango_layout_set_text(layout, text, -1);
	return layout;
}

static void show_at(cairo_t *cr, PangoLayout *layout, double x, double y)
{
	cairo_move_to(cr, round(x), round(y));
	pango_cairo_show_layout(cr, layout);
}

static void set_color(cairo_t *cr, ChartRgb c, double alpha)
{
	cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

static void rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - r, y + r, r, -G_PI / 2, 0);
	cairo_arc(cr, x + w - r, y + h - r, r, 0, G_PI / 2);
	cairo_arc(cr, x + r, y + h - r, r, G_PI / 2, G_PI);
	cairo_arc(cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
	cairo_close_path(cr);
}

/* ---- grid and axes ---------------------------------------------------------------- */

static void draw_grid(cairo_t *cr, const ChartFrame *f, const ChartStyle *style)
{
	cairo_set_line_width(cr, 1.0);
	set_color(cr, style->fg, style->dark ? 0.10 : 0.08);
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
	set_color(cr, style->fg, 0.28);
	double bottom = floor(f->plot_y + f->plot_h) + 0.5;
	cairo_move_to(cr, f->plot_x, bottom);
	cairo_line_to(cr, f->plot_x + f->plot_w, bottom);
	cairo_stroke(cr);
}

static void draw_tick_labels(cairo_t *cr, const ChartFrame *f, const ChartView *view,
			     const ChartStyle *style)
{
	char text[64];
	set_color(cr, style->fg, 0.62);
	for (size_t i = 0; i < f->n_yticks; i++) {
		chart_format_tick(text, sizeof text, f->yticks[i], f->ystep);
		PangoLayout *l = layout_new(cr, style, text, 0.9, false);
		int w, h;
		pango_layout_get_pixel_size(l, &w, &h);
		double y = chart_scale_map(&f->ys, f->yticks[i]) - h / 2.0;
		show_at(cr, l, f->plot_x - TICK_GAP - w, y);
		g_object_unref(l);
	}
	double right_edge = -1e9;
	int label_h = 0;
	for (size_t i = 0; i < f->n_xticks; i++) {
		chart_frame_format_x(text, sizeof text, f, view->x_mode, f->xticks[i]);
		PangoLayout *l = layout_new(cr, style, text, 0.9, false);
		int w, h;
		pango_layout_get_pixel_size(l, &w, &h);
		label_h = h;
		double x = chart_scale_map(&f->xs, f->xticks[i]) - w / 2.0;
		x = fmax(x, 2.0);
		x = fmin(x, f->width - w - 2.0);
		if (x > right_edge + 8) {
			show_at(cr, l, x, f->plot_y + f->plot_h + TICK_GAP);
			right_edge = x + w;
		}
		g_object_unref(l);
	}
	static const char *titles[] = {"epoch", "wall time", "time since start"};
	PangoLayout *l = layout_new(cr, style, titles[view->x_mode], 0.85, false);
	int w, h;
	pango_layout_get_pixel_size(l, &w, &h);
	set_color(cr, style->fg, 0.5);
	show_at(cr, l, f->plot_x + f->plot_w - w, f->plot_y + f->plot_h + TICK_GAP + label_h + 1);
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
	set_color(cr, color, 1.0);
	cairo_fill_preserve(cr);
	set_color(cr, style->bg, 1.0);
	cairo_set_line_width(cr, 1.4);
	cairo_stroke(cr);
	if (best && last) { /* the best is also what a restart loads: ring it */
		cairo_arc(cr, x, y, 10.0, 0, 2 * G_PI);
		set_color(cr, color, 1.0);
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
	set_color(cr, style->bg, 1.0);
	cairo_set_line_width(cr, 5.0);
	cairo_stroke(cr);
	cross(cr, x, y, r);
	set_color(cr, style->error, 1.0);
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

static void set_dash(cairo_t *cr, unsigned style_index, double width)
{
	double dashes[4];
	size_t n = chart_palette_dashes(style_index, dashes);
	for (size_t i = 0; i < n; i++)
		dashes[i] *= width;
	cairo_set_dash(cr, dashes, (int)n, 0);
}

typedef enum { LAYER_RAW, LAYER_DEAD, LAYER_LIVE } Layer;

static void draw_layer(cairo_t *cr, const ChartTrace *t, const ChartEntry *e, Layer layer,
		       bool selected, const ChartStyle *style)
{
	ChartRgb c = chart_palette_color(e->style_index, style->dark);
	double width = selected ? SELECTED_WIDTH : LINE_WIDTH;
	set_color(cr, c, 1.0);
	if (layer == LAYER_RAW) {
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_set_line_width(cr, 1.0);
		stroke_polyline(cr, t->raw, t->n_raw);
	} else if (layer == LAYER_DEAD) {
		cairo_set_line_width(cr, fmax(1.0, width - 0.5));
		set_dash(cr, e->style_index, 1.0);
		stroke_polyline(cr, t->dead, t->n_dead);
	} else {
		cairo_set_line_width(cr, width);
		set_dash(cr, e->style_index, width);
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

static const Sprite *sprite_for(unsigned flags, ChartRgb color, const ChartStyle *style,
				int pass, double scale)
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
	Sprite *slot = &sprites[sprite_count < SPRITE_CACHE ? sprite_count++ : sprite_next++ % SPRITE_CACHE];
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
				raster_layer(r, &f->traces[k], &entries[k], layer, (ptrdiff_t)k == selected,
					     many, style);
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
			draw_layer(cr, &f->traces[k], &entries[k], layer, (ptrdiff_t)k == selected, style);
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
	ptrdiff_t sel = view->selected >= 0 && (size_t)view->selected < f->n_entries ? view->selected : -1;
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
		set_color(cr, style->bg, 0.9);
		cairo_set_line_width(cr, 5.0);
		cairo_stroke_preserve(cr);
		set_color(cr, style->accent, 1.0);
		cairo_set_line_width(cr, 2.5);
		cairo_stroke(cr);
	}
}

/* ---- legend and key --------------------------------------------------------------------- */

/* How many line points fall in a box: the legend goes where it hides least. */
static size_t points_in(const ChartFrame *f, double x, double y, double w, double h)
{
	size_t count = 0;
	for (size_t k = 0; k < f->n_entries; k++)
		for (size_t i = 0; i < f->traces[k].n_live; i++) {
			ChartPoint p = f->traces[k].live[i];
			count += p.x >= x && p.x <= x + w && p.y >= y && p.y <= y + h;
		}
	return count;
}

static void draw_legend(cairo_t *cr, const ChartFrame *f, const ChartEntry *entries,
			const ChartView *view, const ChartStyle *style)
{
	size_t n = f->n_entries, shown = n > LEGEND_ROWS ? LEGEND_ROWS - 1 : n;
	if (n == 0)
		return;
	PangoLayout *rows[LEGEND_ROWS + 1];
	double text_w = 0, row_h = 0;
	for (size_t i = 0; i <= shown; i++) {
		char more[64];
		if (i == shown && shown == n)
			break;
		if (i == shown)
			g_snprintf(more, sizeof more, "and %zu more", n - shown);
		rows[i] = layout_new(cr, style, i < shown ? entries[i].label : more, 0.9,
				     (ptrdiff_t)i == view->selected);
		pango_layout_set_width(rows[i], LEGEND_LABEL_MAX * PANGO_SCALE);
		pango_layout_set_ellipsize(rows[i], PANGO_ELLIPSIZE_MIDDLE);
		int w, h;
		pango_layout_get_pixel_size(rows[i], &w, &h);
		text_w = fmax(text_w, w);
		row_h = fmax(row_h, h);
	}
	size_t n_rows = shown == n ? n : shown + 1;
	double sample = 22, w = 8 + sample + 8 + text_w + 10, h = 6 + n_rows * row_h + 6;
	if (w > f->plot_w * 0.6 || h > f->plot_h * 0.8)
		goto out;
	double corners[4][2] = {
	    {f->plot_x + f->plot_w - w - 8, f->plot_y + 8},
	    {f->plot_x + f->plot_w - w - 8, f->plot_y + f->plot_h - h - 8},
	    {f->plot_x + 8, f->plot_y + 8},
	    {f->plot_x + 8, f->plot_y + f->plot_h - h - 8},
	};
	size_t best = 0, best_count = (size_t)-1;
	for (size_t c = 0; c < 4; c++) {
		size_t count = points_in(f, corners[c][0], corners[c][1], w, h);
		if (count < best_count)
			best = c, best_count = count;
	}
	double x = corners[best][0], y = corners[best][1];
	rounded_rect(cr, x, y, w, h, 6);
	set_color(cr, style->bg, 0.9);
	cairo_fill_preserve(cr);
	set_color(cr, style->fg, 0.12);
	cairo_set_line_width(cr, 1);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_stroke(cr);
	for (size_t i = 0; i < n_rows; i++) {
		double ry = y + 6 + i * row_h;
		if (i < shown) {
			ChartRgb c = chart_palette_color(entries[i].style_index, style->dark);
			double lw = (ptrdiff_t)i == view->selected ? SELECTED_WIDTH : 2.0;
			cairo_set_line_width(cr, lw);
			set_dash(cr, entries[i].style_index, lw);
			set_color(cr, c, 1.0);
			double ly = round(ry + row_h / 2); /* 2 px on whole pixels: crisp */
			cairo_move_to(cr, round(x) + 8, ly);
			cairo_line_to(cr, round(x) + 8 + sample, ly);
			cairo_stroke(cr);
		}
		set_color(cr, style->fg, i < shown ? 0.9 : 0.55);
		show_at(cr, rows[i], x + 8 + sample + 8, ry);
	}
out:
	for (size_t i = 0; i < n_rows; i++)
		g_object_unref(rows[i]);
}

static void draw_header(cairo_t *cr, const ChartFrame *f, const ChartView *view,
			const ChartStyle *style)
{
	double y = PAD * 0.5;
	double x = f->plot_x;
	if (view->y_title && *view->y_title) {
		PangoLayout *l = layout_new(cr, style, view->y_title, 1.0, true);
		int w, h;
		pango_layout_get_pixel_size(l, &w, &h);
		set_color(cr, style->fg, 0.9);
		show_at(cr, l, x, y);
		g_object_unref(l);
		x += w + 8;
		const char *hint = view->direction == '-'   ? "lower is better"
				   : view->direction == '+' ? "higher is better"
							    : NULL;
		if (view->log_y || hint) {
			char text[64];
			g_snprintf(text, sizeof text, "%s%s%s", hint ? hint : "",
				   hint && view->log_y ? " · " : "", view->log_y ? "log scale" : "");
			l = layout_new(cr, style, text, 0.85, false);
			int w2, h2;
			pango_layout_get_pixel_size(l, &w2, &h2);
			set_color(cr, style->fg, 0.55);
			show_at(cr, l, x, y + (h - h2) / 2.0 + 1);
			g_object_unref(l);
		}
	}
	static const struct {
		unsigned flags;
		const char *text;
	} key[] = {
	    {CHART_MARK_KEPT, "on disk"},
	    {CHART_MARK_KEPT | CHART_MARK_BEST, "best"},
	    {CHART_MARK_KEPT | CHART_MARK_LAST, "last"},
	    {CHART_MARK_KEPT | CHART_MARK_DAMAGED, "damaged"},
	};
	double right = f->plot_x + f->plot_w;
	for (size_t i = G_N_ELEMENTS(key); i-- > 0;) {
		PangoLayout *l = layout_new(cr, style, key[i].text, 0.85, false);
		int w, h;
		pango_layout_get_pixel_size(l, &w, &h);
		right -= w;
		set_color(cr, style->fg, 0.62);
		show_at(cr, l, right, y + 2);
		g_object_unref(l);
		right -= 12;
		ChartRgb neutral = style->fg;
		chart_draw_marker(cr, right, y + 2 + h / 2.0, key[i].flags, neutral, style);
		right -= 20;
	}
}

static void draw_empty(cairo_t *cr, const ChartFrame *f, const ChartStyle *style)
{
	PangoLayout *l = layout_new(cr, style, "No runs to compare", 1.2, true);
	int w, h;
	pango_layout_get_pixel_size(l, &w, &h);
	set_color(cr, style->fg, 0.55);
	show_at(cr, l, f->plot_x + (f->plot_w - w) / 2, f->plot_y + f->plot_h / 2 - h);
	g_object_unref(l);
	l = layout_new(cr, style, "Check runs in the sidebar to draw their metric here", 0.95,
		       false);
	pango_layout_get_pixel_size(l, &w, &h);
	set_color(cr, style->fg, 0.45);
	show_at(cr, l, f->plot_x + (f->plot_w - w) / 2, f->plot_y + f->plot_h / 2 + 4);
	g_object_unref(l);
}

void chart_frame_draw(cairo_t *cr, const ChartFrame *f, const ChartEntry *entries,
		      const ChartView *view, const ChartStyle *style, bool fill)
{
	cairo_save(cr);
	if (fill) {
		set_color(cr, style->bg, 1.0);
		cairo_paint(cr);
	}
	draw_grid(cr, f, style);
	draw_tick_labels(cr, f, view, style);
	draw_header(cr, f, view, style);
	if (!f->has_data) {
		draw_empty(cr, f, style);
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
		chart_raster_clip(raster, f->plot_x - 14, f->plot_y - 14, f->plot_x + f->plot_w + 14,
				  f->plot_y + f->plot_h + 14);
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
	draw_legend(cr, f, entries, view, style);
	cairo_restore(cr);
}

/* ---- tooltip ------------------------------------------------------------------------------- */

void chart_draw_tooltip(cairo_t *cr, const ChartFrame *f, const ChartStyle *style, double px,
			double py, const char *title, const ChartTipRow *rows, size_t n_rows,
			size_t n_more)
{
	size_t n_lines = 1 + n_rows + (n_more ? 1 : 0);
	PangoLayout **names = g_new0(PangoLayout *, n_lines);
	PangoLayout **values = g_new0(PangoLayout *, n_lines);
	double name_w = 0, value_w = 0, row_h = 0;
	for (size_t i = 0; i < n_lines; i++) {
		char text[64] = "";
		const char *name = text;
		if (i == 0)
			name = title;
		else if (i <= n_rows) {
			name = rows[i - 1].label;
			double v = rows[i - 1].value;
			g_snprintf(text, sizeof text, "%.6g", v);
			values[i] = layout_new(cr, style, text, 0.9, false);
		} else
			g_snprintf(text, sizeof text, "and %zu more", n_more);
		names[i] = layout_new(cr, style, name, 0.9, i == 0);
		pango_layout_set_width(names[i], 260 * PANGO_SCALE);
		pango_layout_set_ellipsize(names[i], PANGO_ELLIPSIZE_MIDDLE);
		int w, h;
		pango_layout_get_pixel_size(names[i], &w, &h);
		name_w = fmax(name_w, w + (i > 0 && i <= n_rows ? 20 : 0));
		row_h = fmax(row_h, h + 2);
		if (values[i]) {
			pango_layout_get_pixel_size(values[i], &w, &h);
			value_w = fmax(value_w, w);
		}
	}
	double w = 10 + name_w + 16 + value_w + 10, h = 8 + n_lines * row_h + 6;
	double x = px + 16, y = py + 16;
	if (x + w > f->width - 4)
		x = px - 16 - w;
	if (y + h > f->height - 4)
		y = fmax(4, f->height - h - 4);
	x = fmax(4, x);
	cairo_save(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	rounded_rect(cr, x + 1, y + 2, w, h, 8);
	cairo_set_source_rgba(cr, 0, 0, 0, style->dark ? 0.35 : 0.12);
	cairo_fill(cr);
	rounded_rect(cr, x, y, w, h, 8);
	set_color(cr, style->bg, 0.97);
	cairo_fill_preserve(cr);
	set_color(cr, style->fg, 0.15);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);
	for (size_t i = 0; i < n_lines; i++) {
		double ry = y + 6 + i * row_h;
		double tx = x + 10;
		if (i > 0 && i <= n_rows) {
			ChartRgb c = chart_palette_color(rows[i - 1].style_index, style->dark);
			cairo_arc(cr, tx + 5, ry + row_h / 2, 4.5, 0, 2 * G_PI);
			set_color(cr, c, 1.0);
			cairo_fill(cr);
			tx += 20;
		}
		set_color(cr, style->fg, i == 0 ? 0.95 : i <= n_rows ? 0.85 : 0.55);
		show_at(cr, names[i], tx, ry);
		if (values[i]) {
			int vw, vh;
			pango_layout_get_pixel_size(values[i], &vw, &vh);
			set_color(cr, style->fg, 0.95);
			show_at(cr, values[i], x + w - 10 - vw, ry);
		}
	}
	cairo_restore(cr);
	for (size_t i = 0; i < n_lines; i++) {
		g_object_unref(names[i]);
		if (values[i])
			g_object_unref(values[i]);
	}
	g_free(names);
	g_free(values);
}
