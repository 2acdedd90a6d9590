/* test-chart.c: the dashboard chart's pure functions (tui/chart.c), without
 * a terminal: braille, block and ASCII cells, the series' glyphs and the
 * heat strip's shades, linear and log scales, downsampling that keeps each
 * column's min and max, and the canvas a series is plotted on. */
#include "chart.h"

#include <glib.h>
#include <math.h>
#include <string.h>

static const char *glyph(chart_style style, unsigned mask)
{
	static char out[CHART_GLYPH_MAX];
	return chart_cell_glyph(out, style, mask);
}

static void test_braille_cells(void)
{
	/* Dots across then down: (0,0) is dot 1, (1,0) dot 4, (0,3) dot 7. */
	g_assert_cmpstr(glyph(CHART_BRAILLE, 0), ==, " ");
	g_assert_cmpstr(glyph(CHART_BRAILLE, 1u << 0), ==, "\xe2\xa0\x81"); /* ⠁ */
	g_assert_cmpstr(glyph(CHART_BRAILLE, 1u << 1), ==, "\xe2\xa0\x88"); /* ⠈ */
	g_assert_cmpstr(glyph(CHART_BRAILLE, 1u << 2), ==, "\xe2\xa0\x82"); /* ⠂ */
	g_assert_cmpstr(glyph(CHART_BRAILLE, 1u << 6), ==, "\xe2\xa1\x80"); /* ⡀ */
	g_assert_cmpstr(glyph(CHART_BRAILLE, 1u << 7), ==, "\xe2\xa2\x80"); /* ⢀ */
	g_assert_cmpstr(glyph(CHART_BRAILLE, 0xFF), ==, "\xe2\xa3\xbf");    /* ⣿ */
	g_assert_cmpstr(glyph(CHART_BRAILLE, 0x55), ==, "\xe2\xa1\x87");    /* left column ⡇ */
	int w, h;
	chart_cell_size(CHART_BRAILLE, &w, &h);
	g_assert_cmpint(w, ==, 2);
	g_assert_cmpint(h, ==, 4);
}

static void test_block_and_ascii_cells(void)
{
	g_assert_cmpstr(glyph(CHART_BLOCK, 0), ==, " ");
	g_assert_cmpstr(glyph(CHART_BLOCK, 1), ==, "\xe2\x96\x80"); /* ▀ */
	g_assert_cmpstr(glyph(CHART_BLOCK, 2), ==, "\xe2\x96\x84"); /* ▄ */
	g_assert_cmpstr(glyph(CHART_BLOCK, 3), ==, "\xe2\x96\x88"); /* █ */
	/* ASCII, top to bottom: ' - _ ; a column is |, top and bottom : */
	g_assert_cmpstr(glyph(CHART_ASCII, 1), ==, "'");
	g_assert_cmpstr(glyph(CHART_ASCII, 2), ==, "-");
	g_assert_cmpstr(glyph(CHART_ASCII, 4), ==, "_");
	g_assert_cmpstr(glyph(CHART_ASCII, 7), ==, "|");
	g_assert_cmpstr(glyph(CHART_ASCII, 5), ==, ":");
	for (unsigned mask = 0; mask < 8; mask++) {
		const char *g = glyph(CHART_ASCII, mask);
		g_assert_cmpuint(strlen(g), ==, 1);
		g_assert_true((unsigned char)g[0] < 0x80);
	}
	int w, h;
	chart_cell_size(CHART_ASCII, &w, &h);
	g_assert_cmpint(w * 10 + h, ==, 13);
	chart_cell_size(CHART_BLOCK, &w, &h);
	g_assert_cmpint(w * 10 + h, ==, 12);
}

static void test_series_glyphs_and_shades(void)
{
	/* Monochrome tells series apart by glyph: all different. */
	for (int ascii = 0; ascii < 2; ascii++)
		for (int i = 0; i < CHART_SERIES_MAX; i++)
			for (int j = i + 1; j < CHART_SERIES_MAX; j++)
				g_assert_cmpstr(chart_series_glyph(i, ascii), !=,
						chart_series_glyph(j, ascii));
	g_assert_cmpstr(chart_series_glyph(0, true), ==, "*");
	g_assert_cmpstr(chart_series_glyph(CHART_SERIES_MAX, true), ==, "*");
	char out[CHART_GLYPH_MAX];
	g_assert_cmpstr(chart_shade(out, 0, true), ==, ".");
	g_assert_cmpstr(chart_shade(out, 1, true), ==, "@");
	g_assert_cmpstr(chart_shade(out, 0.5, true), ==, "+");
	g_assert_cmpstr(chart_shade(out, NAN, true), ==, " ");
	g_assert_cmpstr(chart_shade(out, 0, false), ==, "\xe2\x96\x91"); /* ░ */
	g_assert_cmpstr(chart_shade(out, 1, false), ==, "\xe2\x96\x88"); /* █ */
	g_assert_cmpstr(chart_shade(out, 7, false), ==, "\xe2\x96\x88");
	chart_style s;
	g_assert_true(chart_style_from_name(&s, "block"));
	g_assert_cmpint(s, ==, CHART_BLOCK);
	g_assert_false(chart_style_from_name(&s, "sixel"));
	g_assert_cmpstr(chart_style_name(CHART_ASCII), ==, "ascii");
}

static void test_scales(void)
{
	chart_scale s;
	double values[] = {2, NAN, 4, INFINITY, 3};
	g_assert_true(chart_scale_fit(&s, values, 5, false, NULL));
	g_assert_cmpfloat(s.lo, ==, 2);
	g_assert_cmpfloat(s.hi, ==, 4);
	g_assert_cmpfloat(chart_scale_unit(&s, 3), ==, 0.5);
	g_assert_cmpfloat(chart_scale_value(&s, 0.5), ==, 3);
	g_assert_true(isnan(chart_scale_unit(&s, NAN)));
	/* Log: decades are equal steps. */
	double decades[] = {1, 10, 100};
	bool refused = true;
	g_assert_true(chart_scale_fit(&s, decades, 3, true, &refused));
	g_assert_false(refused);
	g_assert_true(s.log);
	g_assert_cmpfloat_with_epsilon(chart_scale_unit(&s, 10), 0.5, 1e-12);
	g_assert_cmpfloat_with_epsilon(chart_scale_value(&s, 0.5), 10, 1e-9);
	/* A value that is not positive: linear, and it says so. */
	double signed_values[] = {-1, 1, 10};
	g_assert_true(chart_scale_fit(&s, signed_values, 3, true, &refused));
	g_assert_true(refused);
	g_assert_false(s.log);
	/* A flat line sits in the middle. */
	double flat[] = {0.5, 0.5};
	g_assert_true(chart_scale_fit(&s, flat, 2, false, NULL));
	g_assert_cmpfloat(chart_scale_unit(&s, 0.5), ==, 0.5);
	double zero[] = {0};
	g_assert_true(chart_scale_fit(&s, zero, 1, false, NULL));
	g_assert_cmpfloat(s.lo, <, 0);
	/* Nothing to draw. */
	double none[] = {NAN, INFINITY};
	g_assert_false(chart_scale_fit(&s, none, 2, false, NULL));
	g_assert_false(chart_scale_fit(&s, none, 0, false, NULL));
}

static void test_columns(void)
{
	g_assert_cmpint(chart_column(1, 1, 30, 10), ==, 0);
	g_assert_cmpint(chart_column(30, 1, 30, 10), ==, 9);
	g_assert_cmpint(chart_column(0, 1, 30, 10), ==, -1);
	g_assert_cmpint(chart_column(31, 1, 30, 10), ==, -1);
	g_assert_cmpint(chart_column(NAN, 1, 30, 10), ==, -1);
	g_assert_cmpint(chart_column(5, 5, 5, 10), ==, 0);
	g_assert_cmpint(chart_column(5, 1, 30, 0), ==, -1);
}

static void test_downsampling_keeps_min_and_max(void)
{
	/* 1200 points, one spike up and one down, into 12 columns. */
	enum { N = 1200, COLS = 12 };
	double x[N], y[N];
	for (int i = 0; i < N; i++)
		x[i] = i + 1, y[i] = 1.0 + 0.001 * (i % 7);
	y[555] = 9.0;
	y[1100] = -4.0;
	y[10] = NAN; /* left out */
	chart_bucket b[COLS];
	chart_downsample(b, COLS, x, y, N, 1, N);
	size_t total = 0;
	for (int c = 0; c < COLS; c++)
		total += b[c].n;
	g_assert_cmpuint(total, ==, N - 1);
	long spike = chart_column(556, 1, N, COLS), dip = chart_column(1101, 1, N, COLS);
	g_assert_cmpfloat(b[spike].max, ==, 9.0);
	g_assert_cmpfloat(b[dip].min, ==, -4.0);
	for (int c = 0; c < COLS; c++) {
		if (c != spike)
			g_assert_cmpfloat(b[c].max, <, 2);
		if (c != dip)
			g_assert_cmpfloat(b[c].min, >=, 1);
	}
	/* First and last in the order given. */
	g_assert_cmpfloat(b[0].first, ==, y[0]);
	g_assert_cmpfloat(b[COLS - 1].last, ==, y[N - 1]);
}

/* Renders a canvas as text rows of glyphs. */
static char *picture(const chart_canvas *c)
{
	GString *s = g_string_new(NULL);
	for (int row = 0; row < c->rows; row++) {
		for (int col = 0; col < c->cols; col++) {
			char g[CHART_GLYPH_MAX];
			g_string_append(
			    s, chart_cell_glyph(g, c->style, chart_canvas_cell(c, col, row, NULL)));
		}
		g_string_append_c(s, '\n');
	}
	return g_string_free(s, FALSE);
}

static void test_canvas_plot(void)
{
	chart_canvas c;
	g_assert_cmpint(chart_canvas_init(&c, 6, 2, CHART_ASCII), ==, 0);
	g_assert_cmpint(c.width, ==, 6);
	g_assert_cmpint(c.height, ==, 6);
	/* A line falling from the top left to the bottom right. */
	double x[] = {0, 5}, y[] = {1, 0};
	chart_scale s = {0, 1, false};
	chart_canvas_plot(&c, 0, x, y, 2, 0, 5, &s);
	char *pic = picture(&c);
	g_assert_cmpstr(pic, ==,
			"'-_   \n"
			"   '-_\n");
	g_free(pic);
	unsigned series = 0;
	g_assert_cmpuint(chart_canvas_cell(&c, 0, 0, &series), !=, 0);
	g_assert_cmpuint(series, ==, 1);
	int col, row;
	g_assert_true(chart_canvas_locate(&c, 5, 0, 0, 5, &s, &col, &row));
	g_assert_cmpint(col, ==, 5);
	g_assert_cmpint(row, ==, 1);
	g_assert_false(chart_canvas_locate(&c, 9, 0, 0, 5, &s, &col, &row));
	chart_canvas_free(&c);
	/* A spike among 100 points in 10 columns reaches the top row. */
	g_assert_cmpint(chart_canvas_init(&c, 10, 4, CHART_BRAILLE), ==, 0);
	double xs[100], ys[100];
	for (int i = 0; i < 100; i++)
		xs[i] = i, ys[i] = i == 42 ? 10 : 1;
	s = (chart_scale){1, 10, false};
	chart_canvas_plot(&c, 2, xs, ys, 100, 0, 99, &s);
	unsigned top = 0, drawn = 0;
	for (int col2 = 0; col2 < c.cols; col2++) {
		top |= chart_canvas_cell(&c, col2, 0, &series);
		drawn |= series;
	}
	g_assert_cmpuint(top, !=, 0);
	g_assert_cmpuint(drawn, ==, 1u << 2);
	/* A NaN breaks the line: nothing joins the two halves. */
	chart_canvas_free(&c);
	g_assert_cmpint(chart_canvas_init(&c, 5, 1, CHART_ASCII), ==, 0);
	double bx[] = {0, 1, 2, 3, 4}, by[] = {1, 1, NAN, 0, 0};
	s = (chart_scale){0, 1, false};
	chart_canvas_plot(&c, 0, bx, by, 5, 0, 4, &s);
	pic = picture(&c);
	g_assert_cmpstr(pic, ==, "'' __\n");
	g_free(pic);
	chart_canvas_free(&c);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tui/chart/braille/dots-are-the-braille-pattern", test_braille_cells);
	g_test_add_func("/tui/chart/block-and-ascii/cells-for-any-font",
			test_block_and_ascii_cells);
	g_test_add_func("/tui/chart/glyphs/series-differ-shades-rise",
			test_series_glyphs_and_shades);
	g_test_add_func("/tui/chart/scale/linear-log-flat-and-empty", test_scales);
	g_test_add_func("/tui/chart/downsample/columns-at-the-ends-and-outside", test_columns);
	g_test_add_func("/tui/chart/downsample/keeps-each-columns-min-and-max",
			test_downsampling_keeps_min_and_max);
	g_test_add_func("/tui/chart/canvas/lines-spikes-and-breaks", test_canvas_plot);
	return g_test_run();
}
