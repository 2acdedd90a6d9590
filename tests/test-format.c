/* test-format.c: the pure formatters of tui/format.c, without a terminal:
 * sizes, durations and metrics as text, display widths of UTF-8, tables
 * padded by display width, and progress lines. */
#include "format.h"

#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- format.c ------------------------------------------------------------ */

static void test_format_size(void)
{
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
	    {0, "0 B"},           {1023, "1023 B"},        {1024, "1.0 KiB"},
	    {1536, "1.5 KiB"},    {10188, "9.9 KiB"},      {10240, "10 KiB"},
	    {262144, "256 KiB"},  {786432, "768 KiB"},     {1048575, "1.0 MiB"},
	    {1572864, "1.5 MiB"}, {1073741824, "1.0 GiB"}, {UINT64_MAX, "16 EiB"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char out[FMT_SHORT];
		g_assert_cmpstr(fmt_size(out, cases[i].bytes), ==, cases[i].text);
	}
}

static void test_format_duration(void)
{
	static const struct {
		double seconds;
		const char *text;
	} cases[] = {
	    {0, "0.0 s"},        {0.42, "0.4 s"},      {42, "42 s"},         {59.6, "1 min 00 s"},
	    {185, "3 min 05 s"}, {7620, "2 h 07 min"}, {273600, "3 d 04 h"}, {-1, "-"},
	    {NAN, "-"},          {INFINITY, "-"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char out[FMT_SHORT];
		g_assert_cmpstr(fmt_duration(out, cases[i].seconds), ==, cases[i].text);
	}
}

static void test_format_metric(void)
{
	char out[FMT_SHORT];
	g_assert_cmpstr(fmt_metric(out, INFINITY), ==, "inf");
	g_assert_cmpstr(fmt_metric(out, -INFINITY), ==, "-inf");
	g_assert_cmpstr(fmt_metric(out, NAN), ==, "nan");
	g_assert_cmpstr(fmt_metric(out, -NAN), ==, "nan");
	g_assert_cmpstr(fmt_metric(out, 0.206222), ==, "0.206222");
	g_assert_cmpstr(fmt_metric(out, 0.30000000000000004), ==, "0.3");
	g_assert_cmpstr(fmt_metric(out, 1.5e-07), ==, "1.5e-07");
	g_assert_cmpstr(fmt_metric_exact(out, 0.30000000000000004), ==, "0.30000000000000004");
	g_assert_cmpstr(fmt_metric_exact(out, 0.206222), ==, "0.206222");
	g_assert_cmpstr(fmt_metric_exact(out, -INFINITY), ==, "-inf");
	static const double values[] = {1.0 / 3.0, 2.0 / 3.0, 1e-300, 123456.789, -0.1};
	for (size_t i = 0; i < G_N_ELEMENTS(values); i++)
		g_assert_cmpfloat(strtod(fmt_metric_exact(out, values[i]), NULL), ==, values[i]);
}

static void test_format_display_width(void)
{
	g_assert_cmpuint(fmt_display_width(""), ==, 0);
	g_assert_cmpuint(fmt_display_width("abc"), ==, 3);
	g_assert_cmpuint(fmt_display_width("\xc3\xa9"), ==, 1);  /* é */
	g_assert_cmpuint(fmt_display_width("e\xcc\x81"), ==, 1); /* e + combining acute */
	g_assert_cmpuint(fmt_display_width("\xe6\x97\xa5\xe6\x9c\xac"), ==, 4); /* 日本 */
	g_assert_cmpuint(fmt_display_width("\xe2\x9c\x93"), ==, 1);             /* ✓ */
	g_assert_cmpuint(fmt_display_width("\xf0\x9f\x98\x80"), ==, 2);         /* 😀 */
	g_assert_cmpuint(fmt_display_width("\xff\xfe"), ==, 2);                 /* invalid bytes */
	g_assert_cmpuint(fmt_display_width("\xe6\x97"), ==, 2);                 /* truncated */
	g_assert_cmpuint(fmt_display_width("\xc0\xaf"), ==, 2);                 /* overlong '/' */
}

/* Column where `needle` starts on `line`, in display columns. */
static size_t column_of(const char *line, const char *needle)
{
	const char *at = strstr(line, needle);
	g_assert_nonnull(at);
	char *prefix = g_strndup(line, (gsize)(at - line));
	size_t width = fmt_display_width(prefix);
	g_free(prefix);
	return width;
}

static void test_format_table_pads_by_display_width(void)
{
	static const char *const headers[] = {"NAME", "SIZE", "STATUS"};
	static const fmt_align align[] = {FMT_LEFT, FMT_RIGHT, FMT_LEFT};
	fmt_table *t = fmt_table_new(3, headers, align);
	g_assert_nonnull(t);
	const char *row1[] = {"\xe6\x97\xa5\xe6\x9c\xac-run", "1.5 MiB", "ok"};
	const char *row2[] = {"caf\xc3\xa9", "768 KiB", ""};
	const char *row3[] = {"long-run-name", "0 B", NULL};
	g_assert_cmpint(fmt_table_add_row(t, row1), ==, 0);
	g_assert_cmpint(fmt_table_add_note(t, "--- a note longer than every column ---"), ==, 0);
	g_assert_cmpint(fmt_table_add_row(t, row2), ==, 0);
	g_assert_cmpint(fmt_table_add_row(t, row3), ==, 0);
	g_assert_cmpuint(fmt_table_rows(t), ==, 4);
	char *text = fmt_table_render(t);
	fmt_table_free(t);
	char **lines = g_strsplit(text, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 6);
	g_assert_cmpstr(lines[0], ==, "NAME              SIZE  STATUS");
	g_assert_cmpstr(lines[2], ==, "--- a note longer than every column ---");
	/* Right-aligned sizes end in the same display column. */
	size_t end = column_of(lines[0], "SIZE") + 4;
	g_assert_cmpuint(column_of(lines[1], "1.5 MiB") + 7, ==, end);
	g_assert_cmpuint(column_of(lines[3], "768 KiB") + 7, ==, end);
	g_assert_cmpuint(column_of(lines[4], "0 B") + 3, ==, end);
	g_assert_cmpuint(column_of(lines[1], "ok"), ==, column_of(lines[0], "STATUS"));
	for (int i = 0; lines[i]; i++)
		g_assert_false(g_str_has_suffix(lines[i], " "));
	g_strfreev(lines);
	free(text);
}

static void test_format_table_fits_a_narrow_terminal(void)
{
	static const char *const headers[] = {"NAME", "STATUS"};
	static const fmt_align align[] = {FMT_LEFT, FMT_LEFT};
	fmt_table *t = fmt_table_new(2, headers, align);
	const char *row[] = {"\xe6\x97\xa5\xe6\x9c\xac-run",
			     "work leftover, 3 stray, 1 incomplete"};
	g_assert_cmpint(fmt_table_add_row(t, row), ==, 0);
	char *whole = fmt_table_render_fit(t, 0);
	char *cut = fmt_table_render_fit(t, 20);
	fmt_table_free(t);
	g_assert_nonnull(strstr(whole, "1 incomplete"));
	char **lines = g_strsplit(cut, "\n", -1);
	g_assert_cmpstr(lines[0], ==, "NAME      STATUS");
	/* 17 columns of the row (the wide characters count 2 each), then "...". */
	g_assert_cmpstr(lines[1], ==, "\xe6\x97\xa5\xe6\x9c\xac-run  work le...");
	g_assert_cmpuint(fmt_display_width(lines[1]), <=, 20);
	g_strfreev(lines);
	free(whole);
	free(cut);
}

static void test_format_progress(void)
{
	char out[128];
	g_assert_cmpstr(fmt_progress(out, sizeof out, "verify 028", 45, 100, 12.34e6, 0), ==,
			"verify 028   45%  12.3 MB/s");
	g_assert_cmpstr(fmt_progress(out, sizeof out, "scan", 7, 0, -1, 0), ==, "scan");
	g_assert_cmpstr(fmt_progress(out, sizeof out, "x", 200, 100, -1, 0), ==, "x  100%");
	fmt_progress(out, sizeof out, "\xe6\x97\xa5\xe6\x9c\xac", 1, 2, -1, 3);
	g_assert_cmpstr(out, ==, "\xe6\x97\xa5"); /* never half a wide character */
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cli/format/table/fits-a-narrow-terminal",
			test_format_table_fits_a_narrow_terminal);
	g_test_add_func("/cli/format/size/binary-units-one-decimal-below-ten", test_format_size);
	g_test_add_func("/cli/format/duration/units-grow-with-the-value", test_format_duration);
	g_test_add_func("/cli/format/metric/non-finite-and-round-trip", test_format_metric);
	g_test_add_func("/cli/format/width/wide-combining-and-invalid-utf8",
			test_format_display_width);
	g_test_add_func("/cli/format/table/pads-by-display-width",
			test_format_table_pads_by_display_width);
	g_test_add_func("/cli/format/progress/percent-rate-and-width", test_format_progress);
	return g_test_run();
}
