/* test-chart-render.c: the renderer without a display: synthetic series
 * drawn into image surfaces show one palette colour per series, thin down
 * per column, clip and zoom, and survive empty and degenerate input. */
#include "chart-render.h"

#include <glib.h>
#include <math.h>

/* A series of n points with one session and markers at the given epochs. */
static ChartSeries *synthetic(size_t n, double scale, double phase)
{
	ChartSeries *s = g_new0(ChartSeries, 1);
	s->n = n;
	s->epoch = g_new(int64_t, n);
	for (int m = 0; m < CHART_X_MODES; m++)
		s->x[m] = g_new(double, n);
	s->y = g_new(double, n);
	s->live = g_new(bool, n);
	for (size_t i = 0; i < n; i++) {
		s->epoch[i] = (int64_t)i + 1;
		s->x[CHART_X_EPOCH][i] = (double)i + 1;
		s->x[CHART_X_WALL][i] = 1.7e9 + 60.0 * i;
		s->x[CHART_X_RELATIVE][i] = 60.0 * i;
		s->y[i] = scale * (1.0 + 1.0 / (1.0 + i * 0.01)) + 0.05 * sin(i * 0.7 + phase);
		s->live[i] = true;
	}
	s->n_branches = 1;
	s->branches = g_new0(ChartBranch, 1);
	s->branches[0] =
	    (ChartBranch){.start = 0, .end = n, .live_end = n, .parent = -1, .session = 1};
	s->n_markers = 3;
	s->markers = g_new0(ChartMarker, 3);
	s->markers[0] =
	    (ChartMarker){n - 3, (int64_t)n - 2, CHART_MARK_KEPT | CHART_MARK_DAMAGED, 0};
	s->markers[1] = (ChartMarker){n - 2, (int64_t)n - 1, CHART_MARK_KEPT | CHART_MARK_BEST, 0};
	s->markers[2] = (ChartMarker){n - 1, (int64_t)n, CHART_MARK_KEPT | CHART_MARK_LAST, 0};
	s->direction = '-';
	return s;
}

static ChartStyle light_style(void)
{
	return (ChartStyle){.fg = {0.1, 0.1, 0.1},
			    .bg = {1, 1, 1},
			    .error = {0.75, 0.1, 0.15},
			    .accent = {0.1, 0.45, 0.85},
			    .dark = false,
			    .font = NULL};
}

/* Pixels of exactly palette colour `index`. */
static guint colour_pixels(cairo_surface_t *surface, unsigned index, bool dark)
{
	cairo_surface_flush(surface);
	int w = cairo_image_surface_get_width(surface), h = cairo_image_surface_get_height(surface);
	int stride = cairo_image_surface_get_stride(surface);
	const guchar *data = cairo_image_surface_get_data(surface);
	ChartRgb c = chart_palette_color(index, dark);
	int r = (int)lround(c.r * 255), g = (int)lround(c.g * 255), b = (int)lround(c.b * 255);
	guint count = 0;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			const guchar *p = data + y * stride + x * 4;
			count += abs(p[2] - r) <= 6 && abs(p[1] - g) <= 6 && abs(p[0] - b) <= 6 &&
				 p[3] > 250;
		}
	return count;
}

typedef struct {
	ChartSeries **series;
	ChartEntry *entries;
	size_t n;
} Scene;

static Scene scene_new(size_t n_series, size_t n_points)
{
	Scene sc = {g_new(ChartSeries *, n_series), g_new0(ChartEntry, n_series), n_series};
	for (size_t k = 0; k < n_series; k++) {
		sc.series[k] = synthetic(n_points, 1.0 + 0.15 * k, k);
		sc.entries[k] = (ChartEntry){sc.series[k], "run", (unsigned)k, NULL};
	}
	return sc;
}

static void scene_free(Scene *sc)
{
	for (size_t k = 0; k < sc->n; k++)
		chart_series_free(sc->series[k]);
	g_free(sc->series);
	g_free(sc->entries);
}

static cairo_surface_t *draw(Scene *sc, const ChartView *view, ChartFrame **out_frame)
{
	ChartStyle style = light_style();
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1000, 500);
	cairo_t *cr = cairo_create(surface);
	ChartFrame *frame = chart_frame_new(cr, sc->entries, sc->n, view, &style, 1000, 500);
	chart_frame_draw(cr, frame, sc->entries, view, &style, TRUE);
	cairo_destroy(cr);
	if (out_frame)
		*out_frame = frame;
	else
		chart_frame_free(frame);
	return surface;
}

static void test_one_colour_per_series(void)
{
	Scene sc = scene_new(10, 200);
	ChartView view = {.x_mode = CHART_X_EPOCH, .selected = -1};
	cairo_surface_t *surface = draw(&sc, &view, NULL);
	for (unsigned k = 0; k < 10; k++)
		g_assert_cmpuint(colour_pixels(surface, k, false), >=, 20);
	g_assert_cmpuint(colour_pixels(surface, 10, false), <, 20); /* not drawn */
	cairo_surface_destroy(surface);
	scene_free(&sc);
}

static void test_many_points_thinned(void)
{
	Scene sc = scene_new(10, 10000);
	ChartView view = {.x_mode = CHART_X_EPOCH, .selected = 2, .selected_epoch = 9999};
	ChartFrame *frame;
	cairo_surface_t *surface = draw(&sc, &view, &frame);
	g_assert_true(frame->has_data);
	for (size_t k = 0; k < sc.n; k++) {
		/* at most 4 points a pixel column (and a NaN to end the piece) */
		g_assert_cmpuint(frame->traces[k].n_live, <=, 4 * (size_t)ceil(frame->plot_w) + 2);
		g_assert_cmpuint(frame->traces[k].n_live, >=, (size_t)frame->plot_w);
	}
	g_assert_cmpuint(colour_pixels(surface, 2, false), >=, 20);
	chart_frame_free(frame);
	cairo_surface_destroy(surface);
	scene_free(&sc);
}

static void test_zoom_and_clip(void)
{
	Scene sc = scene_new(2, 100);
	sc.series[0]->y[50] = 1e6; /* a blown-up loss */
	ChartView view = {.x_mode = CHART_X_EPOCH, .selected = -1};
	ChartFrame *frame;
	cairo_surface_t *surface = draw(&sc, &view, &frame);
	g_assert_cmpfloat(frame->ys.hi, >, 1e5);
	chart_frame_free(frame);
	cairo_surface_destroy(surface);
	view.clip = true;
	surface = draw(&sc, &view, &frame);
	g_assert_cmpfloat(frame->ys.hi, <, 10); /* the outlier no longer flattens the rest */
	chart_frame_free(frame);
	cairo_surface_destroy(surface);
	view = (ChartView){.x_mode = CHART_X_EPOCH,
			   .selected = -1,
			   .zoomed = true,
			   .x_lo = 10,
			   .x_hi = 20,
			   .y_lo = 0.5,
			   .y_hi = 3};
	surface = draw(&sc, &view, &frame);
	g_assert_cmpfloat(frame->xs.lo, ==, 10);
	g_assert_cmpfloat(frame->xs.hi, ==, 20);
	/* the markers (epochs 98..100) are off the zoomed chart */
	for (size_t m = 0; m < sc.series[0]->n_markers; m++)
		g_assert_true(isnan(frame->traces[0].marks[m].x));
	chart_frame_free(frame);
	cairo_surface_destroy(surface);
	scene_free(&sc);
}

static void test_log_and_time_axes(void)
{
	Scene sc = scene_new(3, 50);
	sc.series[1]->y[3] = -1; /* cannot be shown on a log scale: a gap */
	for (int mode = 0; mode < CHART_X_MODES; mode++) {
		ChartView view = {.x_mode = (ChartXMode)mode, .log_y = true, .selected = -1};
		ChartFrame *frame;
		cairo_surface_t *surface = draw(&sc, &view, &frame);
		g_assert_true(frame->has_data);
		g_assert_cmpfloat(frame->ys.lo, >, 0);
		g_assert_cmpuint(frame->n_xticks, >=, 2);
		g_assert_cmpuint(frame->n_yticks, >=, 2);
		gboolean gap = FALSE;
		for (size_t i = 0; i < frame->traces[1].n_live; i++)
			gap |= isnan(frame->traces[1].live[i].x) && i + 1 < frame->traces[1].n_live;
		g_assert_true(gap);
		chart_frame_free(frame);
		cairo_surface_destroy(surface);
	}
	scene_free(&sc);
}

static void test_empty_and_degenerate(void)
{
	ChartView view = {.x_mode = CHART_X_EPOCH, .selected = -1};
	Scene none = {NULL, NULL, 0};
	ChartFrame *frame;
	cairo_surface_t *surface = draw(&none, &view, &frame);
	g_assert_false(frame->has_data);
	chart_frame_free(frame);
	cairo_surface_destroy(surface);
	Scene one = scene_new(1, 1); /* a single point: markers only */
	one.series[0]->n_markers = 1;
	one.series[0]->markers[0] = (ChartMarker){0, 1, CHART_MARK_KEPT | CHART_MARK_LAST, 0};
	surface = draw(&one, &view, &frame);
	g_assert_true(frame->has_data);
	g_assert_true(isfinite(frame->traces[0].marks[0].x));
	chart_frame_free(frame);
	cairo_surface_destroy(surface);
	scene_free(&one);
	/* a frame too small for its margins still lays out */
	Scene sc = scene_new(2, 10);
	ChartStyle style = light_style();
	cairo_surface_t *tiny = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 30, 20);
	cairo_t *cr = cairo_create(tiny);
	frame = chart_frame_new(cr, sc.entries, sc.n, &view, &style, 30, 20);
	chart_frame_draw(cr, frame, sc.entries, &view, &style, TRUE);
	chart_frame_free(frame);
	cairo_destroy(cr);
	cairo_surface_destroy(tiny);
	scene_free(&sc);
}

static void test_tooltip_draws(void)
{
	Scene sc = scene_new(2, 20);
	ChartView view = {.x_mode = CHART_X_EPOCH, .selected = -1};
	ChartStyle style = light_style();
	ChartFrame *frame;
	cairo_surface_t *surface = draw(&sc, &view, &frame);
	cairo_t *cr = cairo_create(surface);
	ChartTipRow rows[] = {{"a run", 0, 0.25, 10}, {"another", 1, 0.5, 10}};
	chart_draw_tooltip(cr, frame, &style, 990, 490, "epoch 10", rows, 2, 3); /* flips inside */
	cairo_destroy(cr);
	g_assert_cmpint(cairo_surface_status(surface), ==, CAIRO_STATUS_SUCCESS);
	chart_frame_free(frame);
	cairo_surface_destroy(surface);
	scene_free(&sc);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/chart/render/one-colour-per-series", test_one_colour_per_series);
	g_test_add_func("/chart/render/many-points-thinned-per-column", test_many_points_thinned);
	g_test_add_func("/chart/render/zoom-and-outlier-clipping", test_zoom_and_clip);
	g_test_add_func("/chart/render/log-and-time-axes", test_log_and_time_axes);
	g_test_add_func("/chart/render/empty-and-degenerate", test_empty_and_degenerate);
	g_test_add_func("/chart/render/tooltip", test_tooltip_draws);
	return g_test_run();
}
