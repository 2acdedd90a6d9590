/* chart-text.c: what the chart's drawing files share: text as pango
 * layouts in the chart's font, colours, rounded boxes and dash patterns. */
#include "chart-draw-private.h"

#include <glib.h>
#include <math.h>
#include <pango/pangocairo.h>

/* ---- text ------------------------------------------------------------------- */

PangoLayout *chart_text_layout(cairo_t *cr, const ChartStyle *style, const char *text, double scale,
			       bool bold)
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

void chart_text_show(cairo_t *cr, PangoLayout *layout, double x, double y)
{
	cairo_move_to(cr, round(x), round(y));
	pango_cairo_show_layout(cr, layout);
}

void chart_set_color(cairo_t *cr, ChartRgb c, double alpha)
{
	cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

void chart_rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - r, y + r, r, -G_PI / 2, 0);
	cairo_arc(cr, x + w - r, y + h - r, r, 0, G_PI / 2);
	cairo_arc(cr, x + r, y + h - r, r, G_PI / 2, G_PI);
	cairo_arc(cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
	cairo_close_path(cr);
}

void chart_set_dash(cairo_t *cr, unsigned style_index, double width)
{
	double dashes[4];
	size_t n = chart_palette_dashes(style_index, dashes);
	for (size_t i = 0; i < n; i++)
		dashes[i] *= width;
	cairo_set_dash(cr, dashes, (int)n, 0);
}
