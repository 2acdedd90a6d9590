/* test-chart-raster.c: the pixel rasterizer: coverage, width, joints drawn
 * once, clipping, dashes, gaps, HiDPI scale, hairlines and sprites. */
#include "chart-raster.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#define W 64
#define H 32

static uint32_t pixels[W * H];
static const ChartRgb black = {0, 0, 0};

static ChartRaster fresh(void)
{
	memset(pixels, 0, sizeof pixels);
	ChartRaster r;
	chart_raster_init(&r, pixels, W, H, W);
	return r;
}

static unsigned alpha_at(int x, int y)
{
	return pixels[y * W + x] >> 24;
}

/* The line's ink: the sum of its opacity, in pixels. */
static double ink(void)
{
	double sum = 0;
	for (int i = 0; i < W * H; i++)
		sum += (pixels[i] >> 24) / 255.0;
	return sum;
}

static void line(ChartRaster *r, double x0, double y0, double x1, double y1, double width)
{
	ChartPoint pts[] = {{x0, y0}, {x1, y1}};
	chart_raster_polyline(r, pts, 2, width, black, 1.0, NULL, 0);
}

static void test_horizontal_coverage(void)
{
	ChartRaster r = fresh();
	line(&r, 10, 5.5, 20, 5.5, 1.0); /* centred on row 5 */
	for (int x = 10; x < 20; x++) {
		g_assert_cmpuint(alpha_at(x, 5), ==, 255);
		g_assert_cmpuint(alpha_at(x, 4), ==, 0);
		g_assert_cmpuint(alpha_at(x, 6), ==, 0);
	}
	g_assert_cmpuint(alpha_at(9, 5), ==, 0);
	g_assert_cmpuint(alpha_at(20, 5), ==, 0);
	r = fresh();
	line(&r, 10, 5.0, 20, 5.0, 1.0); /* between rows 4 and 5: half each */
	g_assert_cmpuint(alpha_at(12, 4), >=, 126);
	g_assert_cmpuint(alpha_at(12, 4), <=, 129);
	g_assert_cmpuint(alpha_at(12, 5), >=, 126);
	r = fresh();
	line(&r, 10, 5.0, 20, 5.0, 2.0); /* two rows, whole */
	g_assert_cmpuint(alpha_at(12, 4), ==, 255);
	g_assert_cmpuint(alpha_at(12, 5), ==, 255);
	g_assert_cmpuint(alpha_at(12, 3), ==, 0);
	g_assert_cmpfloat_with_epsilon(ink(), 20.0, 0.05);
}

static void test_ink_is_length_times_width(void)
{
	for (double width = 1.5; width <= 3.0; width += 1.5) {
		ChartRaster r = fresh();
		line(&r, 5.2, 3.7, 50.9, 27.1, width); /* shallow */
		double length = hypot(50.9 - 5.2, 27.1 - 3.7);
		g_assert_cmpfloat(fabs(ink() - length * width) / (length * width), <, 0.03);
		r = fresh();
		line(&r, 20.3, 1.2, 27.6, 30.8, width); /* steep */
		length = hypot(7.3, 29.6);
		g_assert_cmpfloat(fabs(ink() - length * width) / (length * width), <, 0.03);
	}
}

static void test_joint_drawn_once(void)
{
	ChartRaster r = fresh();
	line(&r, 10, 5.5, 30, 5.5, 1.5);
	uint32_t whole[W * H];
	memcpy(whole, pixels, sizeof pixels);
	r = fresh();
	ChartPoint split[] = {{10, 5.5}, {17.3, 5.5}, {30, 5.5}};
	chart_raster_polyline(&r, split, 3, 1.5, black, 1.0, NULL, 0);
	for (int i = 0; i < W * H; i++)
		g_assert_cmpint(abs((int)(pixels[i] >> 24) - (int)(whole[i] >> 24)), <=, 1);
}

static void test_clip_and_gaps(void)
{
	ChartRaster r = fresh();
	chart_raster_clip(&r, 20, 0, 40, H);
	line(&r, 0, 10.5, 63, 10.5, 1.0);
	g_assert_cmpuint(alpha_at(19, 10), ==, 0);
	g_assert_cmpuint(alpha_at(20, 10), ==, 255);
	g_assert_cmpuint(alpha_at(39, 10), ==, 255);
	g_assert_cmpuint(alpha_at(40, 10), ==, 0);
	r = fresh();
	ChartPoint broken[] = {{2, 4.5}, {10, 4.5}, {NAN, NAN}, {30, 4.5}, {40, 4.5}};
	chart_raster_polyline(&r, broken, 5, 1.0, black, 1.0, NULL, 0);
	for (int x = 11; x < 29; x++)
		g_assert_cmpuint(alpha_at(x, 4), ==, 0);
	g_assert_cmpuint(alpha_at(35, 4), ==, 255);
	/* far outside the buffer: nothing, and no crash */
	r = fresh();
	line(&r, -1e6, -5, -1e5, 1e6, 2.0);
	g_assert_cmpfloat(ink(), ==, 0);
}

static void test_dashes(void)
{
	ChartRaster r = fresh();
	double dash[] = {4, 4};
	ChartPoint pts[] = {{0, 8.5}, {40, 8.5}};
	chart_raster_polyline(&r, pts, 2, 1.0, black, 1.0, dash, 2);
	for (int x = 0; x < 40; x++)
		g_assert_cmpuint(alpha_at(x, 8), ==, (x / 4) % 2 == 0 ? 255 : 0);
	/* the pattern runs on across a joint */
	r = fresh();
	ChartPoint bent[] = {{0, 8.5}, {6, 8.5}, {20, 8.5}};
	chart_raster_polyline(&r, bent, 3, 1.0, black, 1.0, dash, 2);
	g_assert_cmpuint(alpha_at(6, 8), ==, 0);
	g_assert_cmpuint(alpha_at(8, 8), ==, 255);
}

static void test_hairline(void)
{
	ChartRaster r = fresh();
	line(&r, 3, 10.5, 60, 10.5, 1.0);
	g_assert_cmpuint(alpha_at(30, 10), ==, 255);
	r = fresh();
	line(&r, 3.3, 2.1, 59.6, 29.4, 1.0); /* ink about the length */
	double length = hypot(56.3, 27.3);
	g_assert_cmpfloat(fabs(ink() - length) / length, <, 0.05);
	r = fresh();
	line(&r, 10.5, 2, 10.5, 30, 1.0); /* vertical, on column 10 */
	g_assert_cmpuint(alpha_at(10, 15), ==, 255);
	g_assert_cmpuint(alpha_at(11, 15), ==, 0);
}

static void test_scale_and_translucency(void)
{
	ChartRaster r = fresh();
	r.scale = 2;
	line(&r, 5, 5.5, 10, 5.5, 1.0); /* 2 px wide: rows 10 and 11, columns 10..19 */
	g_assert_cmpuint(alpha_at(10, 10), ==, 255);
	g_assert_cmpuint(alpha_at(19, 11), ==, 255);
	g_assert_cmpuint(alpha_at(20, 10), ==, 0);
	r = fresh();
	ChartPoint pts[] = {{0, 3.5}, {20, 3.5}};
	ChartRgb red = {1, 0, 0};
	chart_raster_polyline(&r, pts, 2, 1.0, red, 0.5, NULL, 0);
	uint32_t p = pixels[3 * W + 5];
	g_assert_cmpuint(p >> 24, ==, 128);
	g_assert_cmpuint(p >> 16 & 0xff, ==, 128); /* premultiplied */
	g_assert_cmpuint(p & 0xffff, ==, 0);
	chart_raster_polyline(&r, pts, 2, 1.0, red, 0.5, NULL, 0);
	g_assert_cmpuint(pixels[3 * W + 5] >> 24, ==, 192); /* over itself */
}

static void test_blit(void)
{
	uint32_t sprite[4 * 4];
	for (int i = 0; i < 16; i++)
		sprite[i] = i % 2 ? 0xff00ff00u : 0x80000080u; /* opaque green, half blue */
	ChartRaster r = fresh();
	chart_raster_clip(&r, 0, 0, 10, 10);
	chart_raster_blit(&r, sprite, 4, 4, 4, 9, 9); /* centred on (9, 9): 7..10, clipped to 9 */
	g_assert_cmpuint(pixels[7 * W + 8], ==, 0xff00ff00u);
	g_assert_cmpuint(pixels[7 * W + 7], ==, 0x80000080u);
	g_assert_cmpuint(pixels[10 * W + 10], ==, 0);
	chart_raster_blend(&r, 100, 100, black, 1.0); /* outside: ignored */
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/chart/raster/horizontal-coverage", test_horizontal_coverage);
	g_test_add_func("/chart/raster/ink-is-length-times-width", test_ink_is_length_times_width);
	g_test_add_func("/chart/raster/joint-drawn-once", test_joint_drawn_once);
	g_test_add_func("/chart/raster/clip-and-gaps", test_clip_and_gaps);
	g_test_add_func("/chart/raster/dashes", test_dashes);
	g_test_add_func("/chart/raster/hairline", test_hairline);
	g_test_add_func("/chart/raster/scale-and-translucency", test_scale_and_translucency);
	g_test_add_func("/chart/raster/blit", test_blit);
	return g_test_run();
}
