/* test-chart-math.c: the chart's pure arithmetic: palette, smoothing,
 * downsampling, scales, ticks and their labels, y ranges, hit testing. */
#include "chart-math.h"

#include <glib.h>
#include <math.h>
#include <string.h>

/* ---- palette ------------------------------------------------------------------ */

static gboolean same_rgb(ChartRgb a, ChartRgb b)
{
	return a.r == b.r && a.g == b.g && a.b == b.b;
}

static void test_palette_distinct(void)
{
	for (int dark = 0; dark <= 1; dark++)
		for (unsigned i = 0; i < CHART_PALETTE_SIZE; i++)
			for (unsigned j = i + 1; j < CHART_PALETTE_SIZE; j++)
				g_assert_false(same_rgb(chart_palette_color(i, dark),
							chart_palette_color(j, dark)));
	g_assert_true(CHART_PALETTE_SIZE >= 10);
}

static void test_palette_wraps_with_dashes(void)
{
	double d[4];
	g_assert_cmpuint(chart_palette_dashes(0, d), ==, 0);
	g_assert_cmpuint(chart_palette_dashes(CHART_PALETTE_SIZE - 1, d), ==, 0);
	g_assert_cmpuint(chart_palette_dashes(CHART_PALETTE_SIZE, d), ==, 2);
	g_assert_cmpuint(chart_palette_dashes(3 * CHART_PALETTE_SIZE, d), ==, 4);
	g_assert_cmpuint(chart_palette_dashes(CHART_STYLE_COUNT, d), ==, 0);
	g_assert_true(same_rgb(chart_palette_color(CHART_PALETTE_SIZE, FALSE),
			       chart_palette_color(0, FALSE)));
}

/* ---- smoothing -------------------------------------------------------------------- */

static void test_ema_zero_weight_copies(void)
{
	double in[] = {3, 1, 4, 1, 5}, out[5];
	chart_ema(out, in, 5, 0.0, NULL);
	for (int i = 0; i < 5; i++)
		g_assert_cmpfloat(out[i], ==, in[i]);
}

static void test_ema_debiased_like_tensorboard(void)
{
	double in[] = {1, 2, 3}, out[3];
	chart_ema(out, in, 3, 0.5, NULL);
	/* last = 0.5, 1.25, 2.125; debias 0.5, 0.75, 0.875 */
	g_assert_cmpfloat_with_epsilon(out[0], 1.0, 1e-12);
	g_assert_cmpfloat_with_epsilon(out[1], 1.25 / 0.75, 1e-12);
	g_assert_cmpfloat_with_epsilon(out[2], 2.125 / 0.875, 1e-12);
}

static void test_ema_constant_stays_constant(void)
{
	double in[100], out[100];
	for (int i = 0; i < 100; i++)
		in[i] = 0.75;
	chart_ema(out, in, 100, 0.9, NULL);
	for (int i = 0; i < 100; i++)
		g_assert_cmpfloat_with_epsilon(out[i], 0.75, 1e-12);
}

static void test_ema_non_finite_pass_through(void)
{
	double in[] = {1, NAN, INFINITY, 1}, out[4];
	chart_ema(out, in, 4, 0.6, NULL);
	g_assert_cmpfloat(out[0], ==, 1.0);
	g_assert_true(isnan(out[1]));
	g_assert_true(isinf(out[2]));
	g_assert_cmpfloat_with_epsilon(out[3], 1.0, 1e-12);
}

static void test_ema_resumes_from_state(void)
{
	double in[] = {5, 1, 2, 8, 3}, whole[5], split[5];
	chart_ema(whole, in, 5, 0.7, NULL);
	ChartEma state = CHART_EMA_INIT;
	chart_ema(split, in, 2, 0.7, &state);
	chart_ema(split + 2, in + 2, 3, 0.7, &state);
	for (int i = 0; i < 5; i++)
		g_assert_cmpfloat_with_epsilon(split[i], whole[i], 1e-12);
}

/* ---- downsampling -------------------------------------------------------------------- */

static void test_downsample_spike_survives(void)
{
	enum { N = 10000 };
	ChartPoint *in = g_new(ChartPoint, N), *out = g_new(ChartPoint, N);
	for (int i = 0; i < N; i++)
		in[i] = (ChartPoint){i * 100.0 / N, sin(i * 0.01)};
	in[4321].y = 50.0;  /* a spike */
	in[7777].y = -40.0; /* a dip */
	size_t n = chart_downsample(out, in, N);
	g_assert_cmpuint(n, <=, 4 * 100);
	g_assert_cmpuint(n, >=, 2 * 100);
	gboolean spike = FALSE, dip = FALSE;
	for (size_t i = 0; i < n; i++) {
		spike |= out[i].y == 50.0;
		dip |= out[i].y == -40.0;
		if (i > 0)
			g_assert_cmpfloat(out[i].x, >=, out[i - 1].x);
	}
	g_assert_true(spike);
	g_assert_true(dip);
	g_assert_cmpfloat(out[0].x, ==, in[0].x);
	g_assert_cmpfloat(out[n - 1].x, ==, in[N - 1].x);
	g_free(in);
	g_free(out);
}

static void test_downsample_sparse_unchanged(void)
{
	ChartPoint in[] = {{0, 1}, {10, 2}, {20, 0}, {30.5, 4}}, out[4];
	g_assert_cmpuint(chart_downsample(out, in, 4), ==, 4);
	g_assert_cmpmem(out, sizeof out, in, sizeof in);
	g_assert_cmpuint(chart_downsample(out, in, 0), ==, 0);
}

static void test_downsample_one_column(void)
{
	ChartPoint in[] = {{5.1, 3}, {5.2, 9}, {5.3, 1}, {5.4, 4}, {5.5, 5}}, out[5];
	size_t n = chart_downsample(out, in, 5);
	g_assert_cmpuint(n, ==, 4);
	g_assert_cmpfloat(out[0].y, ==, 3); /* first */
	g_assert_cmpfloat(out[1].y, ==, 9); /* max, in order */
	g_assert_cmpfloat(out[2].y, ==, 1); /* min */
	g_assert_cmpfloat(out[3].y, ==, 5); /* last */
}

/* ---- scales and ticks ------------------------------------------------------------------- */

static void test_scale_round_trip(void)
{
	ChartScale lin = {.lo = -2, .hi = 6, .px_lo = 100, .px_hi = 500};
	g_assert_cmpfloat(chart_scale_map(&lin, -2), ==, 100);
	g_assert_cmpfloat(chart_scale_map(&lin, 6), ==, 500);
	g_assert_cmpfloat_with_epsilon(chart_scale_unmap(&lin, chart_scale_map(&lin, 1.7)), 1.7,
				       1e-12);
	ChartScale log = {.lo = 1e-3, .hi = 10, .px_lo = 400, .px_hi = 0, .log = true};
	g_assert_cmpfloat_with_epsilon(chart_scale_map(&log, 0.1), 200, 1e-9);
	g_assert_true(isnan(chart_scale_map(&log, 0)));
	g_assert_true(isnan(chart_scale_map(&log, -1)));
	g_assert_cmpfloat_with_epsilon(chart_scale_unmap(&log, 300), 1e-2, 1e-12);
}

static void test_range_zoom_and_pad(void)
{
	double lo = 0, hi = 10;
	chart_range_zoom(&lo, &hi, 5, 0.5, false);
	g_assert_cmpfloat(lo, ==, 2.5);
	g_assert_cmpfloat(hi, ==, 7.5);
	lo = 1, hi = 100;
	chart_range_zoom(&lo, &hi, 10, 0.5, true);
	g_assert_cmpfloat_with_epsilon(log10(lo), 0.5, 1e-12);
	g_assert_cmpfloat_with_epsilon(log10(hi), 1.5, 1e-12);
	lo = hi = 4;
	chart_range_pad(&lo, &hi, 0, false);
	g_assert_cmpfloat(lo, <, 4);
	g_assert_cmpfloat(hi, >, 4);
	lo = 1, hi = 100;
	chart_range_pad(&lo, &hi, 0.5, true);
	g_assert_cmpfloat_with_epsilon(lo, 0.1, 1e-12);
	g_assert_cmpfloat_with_epsilon(hi, 1000, 1e-9);
}

static void test_ticks_linear_nice(void)
{
	double t[CHART_TICKS_MAX], step;
	size_t n = chart_ticks_linear(t, CHART_TICKS_MAX, 0, 1, 5, &step);
	g_assert_cmpfloat(step, ==, 0.2);
	g_assert_cmpuint(n, ==, 6);
	g_assert_cmpfloat(t[0], ==, 0);
	g_assert_cmpfloat_with_epsilon(t[5], 1.0, 1e-12);
	n = chart_ticks_linear(t, CHART_TICKS_MAX, 0.13, 0.87, 4, &step);
	g_assert_cmpfloat(step, ==, 0.2);
	g_assert_cmpfloat_with_epsilon(t[0], 0.2, 1e-12);
	g_assert_cmpfloat(t[n - 1], <=, 0.87);
	n = chart_ticks_linear(t, CHART_TICKS_MAX, 1, 1200, 6, &step);
	g_assert_cmpfloat(step, ==, 200);
	g_assert_cmpuint(chart_ticks_linear(t, CHART_TICKS_MAX, 1, 1, 5, &step), ==, 0);
	g_assert_cmpuint(chart_ticks_linear(t, CHART_TICKS_MAX, 0, NAN, 5, &step), ==, 0);
	/* -0.1, 0, 0.1: the middle one is exactly 0, not -1.4e-17 */
	n = chart_ticks_linear(t, CHART_TICKS_MAX, -0.1, 0.1, 2, &step);
	g_assert_cmpfloat(t[1], ==, 0.0);
}

static void test_ticks_log(void)
{
	double t[CHART_TICKS_MAX], step;
	size_t n = chart_ticks_log(t, CHART_TICKS_MAX, 1e-3, 10, 5, &step);
	g_assert_cmpfloat(step, ==, 0);
	g_assert_cmpuint(n, ==, 5);
	g_assert_cmpfloat_with_epsilon(t[0], 1e-3, 1e-15);
	g_assert_cmpfloat_with_epsilon(t[4], 10, 1e-12);
	/* few decades: 1, 2, 3, 5 per decade when there is room */
	n = chart_ticks_log(t, CHART_TICKS_MAX, 1, 100, 9, &step);
	g_assert_cmpuint(n, ==, 9); /* 1 2 3 5 10 20 30 50 100 */
	g_assert_cmpfloat(t[2], ==, 3);
	n = chart_ticks_log(t, CHART_TICKS_MAX, 1, 100, 7, &step);
	g_assert_cmpuint(n, ==, 3); /* 1 10 100 */
	/* a loss from 2.1 down to 0.13: 0.2 0.3 0.5 1 2 */
	n = chart_ticks_log(t, CHART_TICKS_MAX, 0.13, 2.1, 5, &step);
	g_assert_cmpuint(n, ==, 5);
	g_assert_cmpfloat_with_epsilon(t[0], 0.2, 1e-12);
	g_assert_cmpfloat_with_epsilon(t[4], 2, 1e-12);
	g_assert_cmpfloat(step, ==, 0);
	/* many decades: every other */
	n = chart_ticks_log(t, CHART_TICKS_MAX, 1e-10, 1e10, 5, &step);
	g_assert_cmpuint(n, <=, 6);
	/* less than a factor of three: linear ticks */
	n = chart_ticks_log(t, CHART_TICKS_MAX, 0.2, 0.5, 5, &step);
	g_assert_cmpfloat(step, >, 0);
	g_assert_cmpuint(n, >=, 3);
	g_assert_cmpuint(chart_ticks_log(t, CHART_TICKS_MAX, -1, 10, 5, &step), ==, 0);
}

static void test_ticks_time(void)
{
	double t[CHART_TICKS_MAX], step;
	size_t n = chart_ticks_time(t, CHART_TICKS_MAX, 0, 3600, 6, &step);
	g_assert_cmpfloat(step, ==, 600);
	g_assert_cmpuint(n, ==, 7);
	n = chart_ticks_time(t, CHART_TICKS_MAX, 100, 160, 4, &step);
	g_assert_cmpfloat(step, ==, 15);
	g_assert_cmpfloat(t[0], ==, 105);
	n = chart_ticks_time(t, CHART_TICKS_MAX, 0, 10 * 86400, 5, &step);
	g_assert_cmpfloat(step, ==, 172800);
}

static void test_format_tick(void)
{
	char s[32];
	chart_format_tick(s, sizeof s, 0.25, 0.05);
	g_assert_cmpstr(s, ==, "0.25");
	chart_format_tick(s, sizeof s, 3, 1);
	g_assert_cmpstr(s, ==, "3");
	chart_format_tick(s, sizeof s, 1200, 200);
	g_assert_cmpstr(s, ==, "1200");
	chart_format_tick(s, sizeof s, 0, 0.1);
	g_assert_cmpstr(s, ==, "0");
	chart_format_tick(s, sizeof s, 2e-5, 1e-5);
	g_assert_cmpstr(s, ==, "2e-05");
	chart_format_tick(s, sizeof s, 1e-3, 0);
	g_assert_cmpstr(s, ==, "0.001");
	chart_format_tick(s, sizeof s, 1e6, 0);
	g_assert_cmpstr(s, ==, "1e+06");
	chart_format_tick(s, sizeof s, NAN, 1);
	g_assert_cmpstr(s, ==, "nan");
}

static void test_format_elapsed(void)
{
	char s[32];
	chart_format_elapsed(s, sizeof s, 0, 10);
	g_assert_cmpstr(s, ==, "0");
	chart_format_elapsed(s, sizeof s, 45, 15);
	g_assert_cmpstr(s, ==, "45 s");
	chart_format_elapsed(s, sizeof s, 90, 30);
	g_assert_cmpstr(s, ==, "1:30");
	chart_format_elapsed(s, sizeof s, 600, 300);
	g_assert_cmpstr(s, ==, "10 min");
	chart_format_elapsed(s, sizeof s, 5400, 1800);
	g_assert_cmpstr(s, ==, "1 h 30 min");
	chart_format_elapsed(s, sizeof s, 7200, 3600);
	g_assert_cmpstr(s, ==, "2 h");
	chart_format_elapsed(s, sizeof s, 3 * 86400 + 4 * 3600, 43200);
	g_assert_cmpstr(s, ==, "3 d 4 h");
}

static void test_clock(void)
{
	char s[32];
	chart_format_clock(s, sizeof s, 1772442005, 10);
	g_assert_cmpstr(s, ==, "09:00:05");
	chart_format_clock(s, sizeof s, 1772442000, 600);
	g_assert_cmpstr(s, ==, "09:00");
	chart_format_clock(s, sizeof s, 1772409600, 86400);
	g_assert_cmpstr(s, ==, "Mar 02");
}

/* ---- ranges ---------------------------------------------------------------------------- */

static void test_range_plain_and_clipped(void)
{
	double v[103], lo, hi;
	for (int i = 0; i <= 100; i++)
		v[i] = i;
	v[101] = 1e9; /* a blown-up loss */
	v[102] = NAN;
	g_assert_true(chart_value_range(&lo, &hi, v, 103, false, false));
	g_assert_cmpfloat(lo, ==, 0);
	g_assert_cmpfloat(hi, ==, 1e9);
	for (int i = 0; i <= 100; i++)
		v[i] = 100 - i; /* any order */
	v[101] = 1e9;
	g_assert_true(chart_value_range(&lo, &hi, v, 102, true, false));
	g_assert_cmpfloat(lo, ==, 5);
	g_assert_cmpfloat(hi, ==, 96);
	double few[] = {-1, 0, 3};
	g_assert_true(chart_value_range(&lo, &hi, few, 3, false, true));
	g_assert_cmpfloat(lo, ==, 3);
	double none[] = {NAN, -2};
	g_assert_false(chart_value_range(&lo, &hi, none, 2, true, true));
}

static void test_range_clip_many_equal(void)
{
	double v[1000], lo, hi;
	for (int i = 0; i < 1000; i++)
		v[i] = i % 3 ? 1.0 : 2.0;
	g_assert_true(chart_value_range(&lo, &hi, v, 1000, true, false));
	g_assert_cmpfloat(lo, ==, 1.0);
	g_assert_cmpfloat(hi, ==, 2.0);
}

/* ---- hit testing ------------------------------------------------------------------------- */

static void test_hit_segment(void)
{
	ChartPoint a = {0, 0}, b = {10, 0};
	g_assert_cmpfloat(chart_segment_distance((ChartPoint){5, 3}, a, b), ==, 3);
	g_assert_cmpfloat(chart_segment_distance((ChartPoint){-4, 3}, a, b), ==, 5);
	g_assert_cmpfloat(chart_segment_distance((ChartPoint){1, 1}, a, a), ==, sqrt(2));
}

static void test_hit_polyline_breaks_at_nan(void)
{
	ChartPoint line[] = {{0, 0}, {10, 0}, {NAN, NAN}, {20, 10}, {30, 10}};
	double d;
	g_assert_cmpint(chart_polyline_nearest(line, 5, (ChartPoint){5, 2}, 6, &d), ==, 0);
	g_assert_cmpfloat(d, ==, 2);
	/* between the pieces: no segment joins (10,0) to (20,10) */
	g_assert_cmpint(chart_polyline_nearest(line, 5, (ChartPoint){15, 5}, 4, &d), ==, -1);
	g_assert_cmpint(chart_polyline_nearest(line, 5, (ChartPoint){25, 12}, 6, &d), ==, 3);
	ChartPoint alone[] = {{NAN, NAN}, {4, 4}, {NAN, NAN}};
	g_assert_cmpint(chart_polyline_nearest(alone, 3, (ChartPoint){5, 4}, 2, &d), ==, 1);
}

static void test_hit_points_and_x(void)
{
	ChartPoint pts[] = {{0, 0}, {NAN, NAN}, {10, 10}, {11, 10}};
	double d;
	g_assert_cmpint(chart_points_nearest(pts, 4, (ChartPoint){10.6, 10}, 8, &d), ==, 3);
	g_assert_cmpint(chart_points_nearest(pts, 4, (ChartPoint){50, 50}, 8, &d), ==, -1);
	double xs[] = {1, 2, NAN, 4, 8};
	g_assert_cmpint(chart_nearest_x(xs, 5, 3.1), ==, 3);
	g_assert_cmpint(chart_nearest_x(xs, 5, -10), ==, 0);
	g_assert_cmpint(chart_nearest_x(xs, 0, 1), ==, -1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/chart/palette/distinct-colours", test_palette_distinct);
	g_test_add_func("/chart/palette/wraps-with-dashes", test_palette_wraps_with_dashes);
	g_test_add_func("/chart/ema/zero-weight-copies", test_ema_zero_weight_copies);
	g_test_add_func("/chart/ema/debiased-like-tensorboard", test_ema_debiased_like_tensorboard);
	g_test_add_func("/chart/ema/constant-stays-constant", test_ema_constant_stays_constant);
	g_test_add_func("/chart/ema/non-finite-pass-through", test_ema_non_finite_pass_through);
	g_test_add_func("/chart/ema/resumes-from-state", test_ema_resumes_from_state);
	g_test_add_func("/chart/downsample/spike-survives", test_downsample_spike_survives);
	g_test_add_func("/chart/downsample/sparse-unchanged", test_downsample_sparse_unchanged);
	g_test_add_func("/chart/downsample/one-column-first-min-max-last",
			test_downsample_one_column);
	g_test_add_func("/chart/scale/round-trip", test_scale_round_trip);
	g_test_add_func("/chart/range/zoom-and-pad", test_range_zoom_and_pad);
	g_test_add_func("/chart/ticks/linear-nice", test_ticks_linear_nice);
	g_test_add_func("/chart/ticks/log", test_ticks_log);
	g_test_add_func("/chart/ticks/time", test_ticks_time);
	g_test_add_func("/chart/format/tick", test_format_tick);
	g_test_add_func("/chart/format/elapsed", test_format_elapsed);
	g_test_add_func("/chart/format/clock", test_clock);
	g_test_add_func("/chart/range/plain-and-clipped", test_range_plain_and_clipped);
	g_test_add_func("/chart/range/clip-many-equal", test_range_clip_many_equal);
	g_test_add_func("/chart/hit/segment", test_hit_segment);
	g_test_add_func("/chart/hit/polyline-breaks-at-nan", test_hit_polyline_breaks_at_nan);
	g_test_add_func("/chart/hit/points-and-x", test_hit_points_and_x);
	return g_test_run();
}
