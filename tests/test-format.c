/* test-format.c: the pure formatters of tui/format.c, without a terminal:
 * sizes, durations, ages and metrics as text, the digits a column needs,
 * checksum states, display widths and abbreviation of UTF-8, progress
 * lines, and tables that fit widths 200, 80, 60 and 40. */
#include "format.h"

#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- values --------------------------------------------------------------- */

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

static void test_format_age(void)
{
	const int64_t now = 1800000000; /* a fixed "now": no test reads the clock */
	static const struct {
		int64_t ago;
		const char *text;
	} cases[] = {
	    {0, "just now"},
	    {4, "just now"},
	    {42, "42 s ago"},
	    {180, "3 min ago"},
	    {3599, "59 min ago"},
	    {3600, "1 h ago"},
	    {5 * 3600, "5 h ago"},
	    {86400, "1 d ago"},
	    {59 * 86400, "59 d ago"},
	    {90 * 86400, "2 months ago"},
	    {400 * 86400, "13 months ago"},
	    {800 * 86400, "2 years ago"},
	    {-30, "just now"},
	    {-3600, "in the future"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char out[FMT_SHORT];
		g_assert_cmpstr(fmt_age(out, now - cases[i].ago, now), ==, cases[i].text);
	}
	char out[FMT_SHORT];
	g_assert_cmpstr(fmt_age(out, 0, now), ==, "never");
}

static void test_format_metric(void)
{
	char out[FMT_SHORT];
	g_assert_cmpstr(fmt_metric(out, INFINITY), ==, "inf");
	g_assert_cmpstr(fmt_metric(out, -INFINITY), ==, "-inf");
	g_assert_cmpstr(fmt_metric(out, NAN), ==, "nan");
	g_assert_cmpstr(fmt_metric(out, 0.206222), ==, "0.206222");
	g_assert_cmpstr(fmt_metric(out, 0.30000000000000004), ==, "0.3");
	g_assert_cmpstr(fmt_metric(out, 1.5e-07), ==, "1.5e-07");
	g_assert_cmpstr(fmt_metric(out, 0.123456789), ==, "0.123457");
	g_assert_cmpstr(fmt_metric_exact(out, 0.30000000000000004), ==, "0.30000000000000004");
	g_assert_cmpstr(fmt_metric_exact(out, -INFINITY), ==, "-inf");
	/* Exact when it has few digits: never 0.20999999999999999 for 0.21. */
	g_assert_cmpstr(fmt_metric_digits(out, 0.21, 17), ==, "0.21");
	g_assert_cmpstr(fmt_metric_digits(out, 0.21000000000000002, 17), ==, "0.21000000000000002");
	g_assert_cmpstr(fmt_metric_digits(out, 0.2062229, 7), ==, "0.2062229");
	static const double values[] = {1.0 / 3.0, 2.0 / 3.0, 1e-300, 123456.789, -0.1};
	for (size_t i = 0; i < G_N_ELEMENTS(values); i++)
		g_assert_cmpfloat(strtod(fmt_metric_exact(out, values[i]), NULL), ==, values[i]);
}

static void test_format_distinct_digits(void)
{
	const double plain[] = {0.206222, 0.219003, 0.294257, 0.206222};
	g_assert_cmpint(fmt_distinct_digits(plain, G_N_ELEMENTS(plain)), ==, 6);
	const double close[] = {0.2062221, 0.2062224, 0.5};
	g_assert_cmpint(fmt_distinct_digits(close, G_N_ELEMENTS(close)), ==, 7);
	const double ulp[] = {0.21, 0.21000000000000002};
	g_assert_cmpint(fmt_distinct_digits(ulp, G_N_ELEMENTS(ulp)), ==, 17);
	/* Non-finite values and duplicates never ask for more digits. */
	const double odd[] = {INFINITY, NAN, -INFINITY, 1.0, 1.0};
	g_assert_cmpint(fmt_distinct_digits(odd, G_N_ELEMENTS(odd)), ==, 6);
	g_assert_cmpint(fmt_distinct_digits(NULL, 0), ==, 6);
	/* Whatever the digits, the column's texts differ where the values do. */
	int digits = fmt_distinct_digits(ulp, 2);
	char a[FMT_SHORT], b[FMT_SHORT];
	g_assert_cmpstr(fmt_metric_digits(a, ulp[0], digits), !=,
			fmt_metric_digits(b, ulp[1], digits));
}

static void test_format_check(void)
{
	const int64_t now = 1800000000;
	char out[FMT_SHORT];
	g_assert_cmpstr(
	    fmt_check(out, CKPT_CHECKSUM_KIND_CRC32, CKPT_CHECK_NEVER, CKPT_VERIFY_OK, 0, now), ==,
	    "not checked");
	g_assert_cmpstr(fmt_check(out, CKPT_CHECKSUM_KIND_CRC32, CKPT_CHECK_CURRENT, CKPT_VERIFY_OK,
				  now - 3 * 3600, now),
			==, "ok 3 h ago");
	g_assert_cmpstr(fmt_check(out, CKPT_CHECKSUM_KIND_SHA256, CKPT_CHECK_CURRENT,
				  CKPT_VERIFY_MISMATCH, now - 60, now),
			==, "MISMATCH");
	g_assert_cmpstr(fmt_check(out, CKPT_CHECKSUM_KIND_CRC32, CKPT_CHECK_CURRENT,
				  CKPT_VERIFY_MISSING_MODEL, now, now),
			==, "MISSING-MODEL");
	g_assert_cmpstr(fmt_check(out, CKPT_CHECKSUM_KIND_CRC32, CKPT_CHECK_CHANGED, CKPT_VERIFY_OK,
				  now - 60, now),
			==, "changed since verified");
	g_assert_cmpstr(fmt_check(out, CKPT_CHECKSUM_KIND_DISABLED, CKPT_CHECK_CURRENT,
				  CKPT_VERIFY_NO_CHECKSUM, now, now),
			==, "disabled");
	g_assert_cmpstr(
	    fmt_check(out, CKPT_CHECKSUM_KIND_NONE, CKPT_CHECK_NEVER, CKPT_VERIFY_OK, 0, now), ==,
	    "no checksum");
}

/* ---- display width and abbreviation ------------------------------------- */

static void test_format_display_width(void)
{
	g_assert_cmpuint(fmt_display_width(""), ==, 0);
	g_assert_cmpuint(fmt_display_width("abc"), ==, 3);
	g_assert_cmpuint(fmt_display_width("\xc3\xa9"), ==, 1);  /* é */
	g_assert_cmpuint(fmt_display_width("e\xcc\x81"), ==, 1); /* e + combining acute */
	g_assert_cmpuint(fmt_display_width("\xe6\x97\xa5\xe6\x9c\xac"), ==, 4); /* 日本 */
	g_assert_cmpuint(fmt_display_width("\xe2\x80\xa6"), ==, 1);             /* … */
	g_assert_cmpuint(fmt_display_width("\xf0\x9f\x98\x80"), ==, 2);         /* 😀 */
	g_assert_cmpuint(fmt_display_width("\xff\xfe"), ==, 2);                 /* invalid bytes */
	g_assert_cmpuint(fmt_display_width("\xe6\x97"), ==, 2);                 /* truncated */
	g_assert_cmpuint(fmt_display_width("\xc0\xaf"), ==, 2);                 /* overlong '/' */
}

static void test_format_abbreviate(void)
{
	char out[128];
	g_assert_cmpstr(fmt_abbreviate(out, sizeof out, "nt3-lr0.001-long", 16, false), ==,
			"nt3-lr0.001-long");
	g_assert_cmpstr(fmt_abbreviate(out, sizeof out, "nt3-lr0.001-long", 11, false), ==,
			"nt3-l\xe2\x80\xa6-long");
	g_assert_cmpstr(fmt_abbreviate(out, sizeof out, "nt3-lr0.001-long", 11, true), ==,
			"nt3-...long");
	g_assert_cmpuint(fmt_display_width(fmt_abbreviate(out, sizeof out,
							  "\xe6\x97\xa5\xe6\x9c"
							  "\xac\xe6\x97\xa5-run",
							  7, false)),
			 <=, 7);
	g_assert_cmpstr(fmt_truncate(out, sizeof out, "links need relinking", 12, false), ==,
			"links need \xe2\x80\xa6");
	g_assert_cmpstr(fmt_truncate(out, sizeof out, "links need relinking", 12, true), ==,
			"links nee...");
	g_assert_cmpstr(fmt_truncate(out, sizeof out, "ok", 12, true), ==, "ok");
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

/* ---- tables ------------------------------------------------------------- */

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
	static const fmt_column cols[] = {
	    {"NAME", FMT_LEFT, FMT_COL_NAME, 0, 0, 0},
	    {"SIZE", FMT_RIGHT, FMT_COL_ATOM, 0, 0, 0},
	    {"STATUS", FMT_LEFT, FMT_COL_TEXT, 0, 0, 0},
	};
	fmt_table *t = fmt_table_new(3, cols);
	g_assert_nonnull(t);
	const char *row1[] = {"\xe6\x97\xa5\xe6\x9c\xac-run", "1.5 MiB", "ok"};
	const char *row2[] = {"caf\xc3\xa9", "768 KiB", ""};
	const char *row3[] = {"long-run-name", "0 B", NULL};
	g_assert_cmpint(fmt_table_add_row(t, row1), ==, 0);
	g_assert_cmpint(fmt_table_add_note(t, "--- a note longer than every column ---"), ==, 0);
	g_assert_cmpint(fmt_table_add_row(t, row2), ==, 0);
	g_assert_cmpint(fmt_table_add_row(t, row3), ==, 0);
	g_assert_cmpuint(fmt_table_rows(t), ==, 4);
	char *text = fmt_table_render(t, 0);
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

/* An `ckpt ls` table: its columns as cmd-ls.c ranks them. */
enum { L_NAME, L_EPOCHS, L_BEST, L_LAST, L_SIZE, L_SAVED, L_STATUS, L_METRIC, L_VALUE, L_COLS };
static const fmt_column ls_columns[L_COLS] = {
    [L_NAME] = {"NAME", FMT_LEFT, FMT_COL_NAME, 40, 0, 10},
    [L_EPOCHS] = {"EPOCHS", FMT_RIGHT, FMT_COL_ATOM, 0, 30, 0},
    [L_BEST] = {"BEST", FMT_LEFT, FMT_COL_TEXT, 33, 70, 5},
    [L_LAST] = {"LAST", FMT_LEFT, FMT_COL_TEXT, 33, 75, 5},
    [L_SIZE] = {"SIZE", FMT_RIGHT, FMT_COL_ATOM, 0, 20, 0},
    [L_SAVED] = {"SAVED", FMT_LEFT, FMT_COL_ATOM, 0, 10, 0},
    [L_STATUS] = {"STATUS", FMT_LEFT, FMT_COL_TEXT, 25, 65, 10},
    [L_METRIC] = {"METRIC", FMT_LEFT, FMT_COL_NAME, 35, 60, 12},
    [L_VALUE] = {"VALUE", FMT_RIGHT, FMT_COL_ATOM, 0, 80, 0},
};

static const char *const ls_rows[][L_COLS] = {
    {"nt3-lr0.001-dropout0.5-long", "1200", "28 (relocated)", "30 (relocated)", "1.3 MiB",
     "8 months ago", "1 incomplete, links need relinking, work leftover", "val_loss",
     "0.21000000000000002"},
    {"tc1", "3", "-", "15", "97 KiB", "3 min ago", "ok", "val_accuracy", "0.21"},
};

static char *render_ls(size_t width, bool ascii)
{
	fmt_table *t = fmt_table_new(L_COLS, ls_columns);
	fmt_table_set_ascii(t, ascii);
	for (size_t r = 0; r < G_N_ELEMENTS(ls_rows); r++)
		g_assert_cmpint(fmt_table_add_row(t, ls_rows[r]), ==, 0);
	char *text = fmt_table_render(t, width);
	fmt_table_free(t);
	g_assert_nonnull(text);
	return text;
}

/* Every cell of an ATOM column is on its line whole, or its header is gone. */
static void assert_atoms_whole(char **lines)
{
	static const int atoms[] = {L_EPOCHS, L_SIZE, L_SAVED, L_VALUE};
	for (size_t a = 0; a < G_N_ELEMENTS(atoms); a++) {
		const char *header = ls_columns[atoms[a]].header;
		bool shown = strstr(lines[0], header) != NULL;
		for (size_t r = 0; r < G_N_ELEMENTS(ls_rows); r++) {
			const char *cell = ls_rows[r][atoms[a]];
			if (strcmp(cell, "-") == 0)
				continue;
			if (shown && !strstr(lines[1 + r], cell))
				g_test_message("%s: '%s' cut in '%s'", header, cell, lines[1 + r]);
			g_assert_true(!shown || strstr(lines[1 + r], cell));
		}
	}
}

static void test_format_table_fits_each_width(void)
{
	static const size_t widths[] = {200, 80, 60, 40};
	for (size_t w = 0; w < G_N_ELEMENTS(widths); w++) {
		for (int ascii = 0; ascii <= 1; ascii++) {
			char *text = render_ls(widths[w], ascii);
			char **lines = g_strsplit(text, "\n", -1);
			g_assert_cmpuint(g_strv_length(lines), ==, 4);
			for (int i = 0; lines[i]; i++)
				g_assert_cmpuint(fmt_display_width(lines[i]), <=, widths[w]);
			assert_atoms_whole(lines);
			/* The value and the last link's epoch stay at every width here;
			 * a link's state may be cut, never its number. */
			g_assert_nonnull(strstr(lines[1], "0.21000000000000002"));
			g_assert_nonnull(strstr(lines[1], "  30"));
			g_assert_nonnull(strstr(lines[2], "  15  "));
			g_assert_true(g_str_has_prefix(lines[2], "tc1 "));
			/* The key column is always there, abbreviated in the middle. */
			g_assert_true(g_str_has_prefix(lines[1], "nt3-"));
			g_assert_true(widths[w] == 200 ||
				      strstr(lines[1], ascii ? "..." : "\xe2\x80\xa6"));
			g_assert_true(!ascii || !strstr(text, "\xe2\x80\xa6"));
			g_strfreev(lines);
			free(text);
		}
	}
	/* At 200 nothing is cut or dropped. */
	char *whole = render_ls(200, false);
	g_assert_nonnull(strstr(whole, "nt3-lr0.001-dropout0.5-long"));
	g_assert_nonnull(strstr(whole, "1 incomplete, links need relinking, work leftover"));
	g_assert_nonnull(strstr(whole, "SAVED"));
	g_assert_null(strstr(whole, "\xe2\x80\xa6"));
	free(whole);
}

static void test_format_table_drops_the_least_useful_first(void)
{
	char *at80 = render_ls(80, false), *at60 = render_ls(60, false),
	     *at40 = render_ls(40, false);
	/* When saved goes first, then the size, then the epoch count... */
	g_assert_null(strstr(at80, "SAVED"));
	g_assert_null(strstr(at80, "SIZE"));
	g_assert_nonnull(strstr(at80, "STATUS"));
	g_assert_nonnull(strstr(at80, "1 incompl\xe2\x80\xa6")); /* cut at its end, not dropped */
	g_assert_nonnull(strstr(at80, "28 (\xe2\x80\xa6"));
	/* ...the last link outlives the best one, the value outlives both. */
	g_assert_null(strstr(at40, "BEST"));
	g_assert_nonnull(strstr(at40, "LAST"));
	g_assert_nonnull(strstr(at40, "VALUE"));
	char **lines = g_strsplit(at40, "\n", -1);
	g_assert_cmpstr(lines[0], ==, "NAME          LAST                 VALUE");
	g_assert_cmpstr(lines[1], ==,
			"nt3-lr\xe2\x80\xa6-long  30 (\xe2\x80\xa6  0.21000000000000002");
	g_assert_cmpstr(lines[2], ==, "tc1           15                    0.21");
	g_strfreev(lines);
	/* Room freed by a drop goes back to a narrowed column: dropping METRIC
	 * at 60 leaves the name more than its minimum. */
	lines = g_strsplit(at60, "\n", -1);
	g_assert_null(strstr(lines[0], "METRIC"));
	g_assert_true(g_str_has_prefix(lines[1], "nt3-lr\xe2\x80\xa6"));
	g_assert_cmpuint(fmt_display_width(lines[1]), ==, 60);
	g_strfreev(lines);
	free(at80);
	free(at60);
	free(at40);
}

static void test_format_table_notes_fit_too(void)
{
	static const fmt_column cols[] = {
	    {"EPOCH", FMT_RIGHT, FMT_COL_ATOM, 0, 0, 0},
	    {"VALUE", FMT_RIGHT, FMT_COL_ATOM, 0, 10, 0},
	};
	fmt_table *t = fmt_table_new(2, cols);
	const char *row[] = {"7", "0.25"};
	fmt_table_add_row(t, row);
	fmt_table_add_note(t, "--- writer session 2 (restart) ---");
	char *text = fmt_table_render(t, 16);
	fmt_table_free(t);
	g_assert_nonnull(strstr(text, "\n--- writer sess\xe2\x80\xa6\n"));
	free(text);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cli/format/size/binary-units-one-decimal-below-ten", test_format_size);
	g_test_add_func("/cli/format/duration/units-grow-with-the-value", test_format_duration);
	g_test_add_func("/cli/format/age/relative-to-a-fixed-now", test_format_age);
	g_test_add_func("/cli/format/metric/non-finite-and-round-trip", test_format_metric);
	g_test_add_func("/cli/format/metric/column-digits-tell-values-apart",
			test_format_distinct_digits);
	g_test_add_func("/cli/format/check/state-of-the-verify-record", test_format_check);
	g_test_add_func("/cli/format/width/wide-combining-and-invalid-utf8",
			test_format_display_width);
	g_test_add_func("/cli/format/width/abbreviate-in-the-middle-truncate-at-the-end",
			test_format_abbreviate);
	g_test_add_func("/cli/format/progress/percent-rate-and-width", test_format_progress);
	g_test_add_func("/cli/format/table/pads-by-display-width",
			test_format_table_pads_by_display_width);
	g_test_add_func("/cli/format/table/fits-200-80-60-40-never-cutting-a-number",
			test_format_table_fits_each_width);
	g_test_add_func("/cli/format/table/drops-the-least-useful-first",
			test_format_table_drops_the_least_useful_first);
	g_test_add_func("/cli/format/table/notes-fit-too", test_format_table_notes_fit_too);
	return g_test_run();
}
