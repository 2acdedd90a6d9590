/* test-format.c: the app's words and numbers: escaping text from the tree,
 * sizes, ages, metric values, the checksum column and CSV fields. */
#include "ckpt-format.h"

#include <math.h>

static void test_escape(void)
{
	g_autofree char *plain = ckpt_text_escape("nt3-lr0.01");
	g_assert_cmpstr(plain, ==, "nt3-lr0.01");
	g_autofree char *control = ckpt_text_escape("run\x1b[31m\nred");
	g_assert_cmpstr(control, ==, "run\\x1b[31m\\nred");
	g_autofree char *bidi = ckpt_text_escape("a\u202eb");
	g_assert_cmpstr(bidi, ==, "a\\u202eb");
	g_autofree char *bad = ckpt_text_escape("\xff");
	g_assert_cmpstr(bad, ==, "\\xff");
	g_autofree char *accent = ckpt_text_escape("résumé");
	g_assert_cmpstr(accent, ==, "résumé");
	g_autofree char *null = ckpt_text_escape(NULL);
	g_assert_cmpstr(null, ==, "");
}

static void test_bytes(void)
{
	g_autofree char *a = ckpt_format_bytes(4096);
	g_assert_cmpstr(a, ==, "4.1\u00a0kB");
	g_autofree char *b = ckpt_format_bytes(-1);
	g_assert_cmpstr(b, ==, "—");
}

static void test_ago(void)
{
	gint64 now = 1772539200; /* 2026-03-03 12:00:00 UTC */
	struct {
		gint64 delta;
		const char *text;
	} cases[] = {
	    {0, "just now"},   {59, "just now"},    {60, "1 min ago"},    {3599, "59 min ago"},
	    {3600, "1 h ago"}, {86399, "23 h ago"}, {86400, "1 day ago"}, {3 * 86400, "3 days ago"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *t = ckpt_format_ago(now - cases[i].delta, now);
		g_assert_cmpstr(t, ==, cases[i].text);
	}
	g_autofree char *future = ckpt_format_ago(now + 100, now);
	g_assert_cmpstr(future, ==, "just now"); /* another machine's clock ahead */
	g_autofree char *never = ckpt_format_ago(0, now);
	g_assert_cmpstr(never, ==, "never");
	g_autofree char *month = ckpt_format_ago(now - 30 * 86400, now);
	g_assert_cmpstr(month, ==, "Feb 1");
	g_autofree char *old = ckpt_format_ago(now - 400 * 86400, now);
	g_assert_cmpstr(old, ==, "2025-01-27");
}

static void test_metric(void)
{
	g_autofree char *a = ckpt_format_metric(0.206222);
	g_assert_cmpstr(a, ==, "0.206222");
	g_autofree char *b = ckpt_format_metric(0.21000000000000002);
	g_assert_cmpstr(b, ==, "0.21");
	g_autofree char *c = ckpt_format_metric(NAN);
	g_assert_cmpstr(c, ==, "—");
	g_autofree char *d = ckpt_format_metric(INFINITY);
	g_assert_cmpstr(d, ==, "inf");
	g_autofree char *e = ckpt_format_metric(1e-7);
	g_assert_cmpstr(e, ==, "1e-07");
}

static void test_check(void)
{
	gint64 now = 1772539200;
	struct {
		ckpt_check_state state;
		ckpt_verify_result result;
		gint64 ago;
		const char *text, *style;
	} cases[] = {
	    {CKPT_CHECK_NEVER, CKPT_VERIFY_OK, 0, "not checked", "dim-label"},
	    {CKPT_CHECK_CURRENT, CKPT_VERIFY_OK, 3 * 3600, "ok, 3 h ago", "success"},
	    {CKPT_CHECK_CHANGED, CKPT_VERIFY_OK, 60, "changed since verified", "warning"},
	    {CKPT_CHECK_CURRENT, CKPT_VERIFY_MISMATCH, 60, "MISMATCH", "error"},
	    {CKPT_CHECK_CURRENT, CKPT_VERIFY_MISSING_MODEL, 60, "MISSING MODEL", "error"},
	    {CKPT_CHECK_CURRENT, CKPT_VERIFY_NO_INFO, 60, "NO INFO", "error"},
	    {CKPT_CHECK_CURRENT, CKPT_VERIFY_NO_CHECKSUM, 120, "no checksum, 2 min ago",
	     "dim-label"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *t =
		    ckpt_format_check(cases[i].state, cases[i].result, now - cases[i].ago, now);
		g_assert_cmpstr(t, ==, cases[i].text);
		g_assert_cmpstr(ckpt_check_style(cases[i].state, cases[i].result), ==,
				cases[i].style);
	}
	/* problems sort first, verified ok last */
	g_assert_cmpint(ckpt_check_rank(CKPT_CHECK_CURRENT, CKPT_VERIFY_MISMATCH), <,
			ckpt_check_rank(CKPT_CHECK_CHANGED, CKPT_VERIFY_OK));
	g_assert_cmpint(ckpt_check_rank(CKPT_CHECK_NEVER, CKPT_VERIFY_OK), <,
			ckpt_check_rank(CKPT_CHECK_CURRENT, CKPT_VERIFY_OK));
}

static void test_csv_field(void)
{
	struct {
		const char *in, *out;
	} cases[] = {
	    {"plain", "plain"},
	    {"a,b", "\"a,b\""},
	    {"say \"hi\"", "\"say \"\"hi\"\"\""},
	    {"two\nlines", "\"two\nlines\""},
	    {"=cmd()", "\"'=cmd()\""},
	    {"+1", "\"'+1\""},
	    {"", ""},
	    {NULL, ""},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *t = ckpt_csv_field(cases[i].in);
		g_assert_cmpstr(t, ==, cases[i].out);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/format/escape-text-from-the-tree", test_escape);
	g_test_add_func("/format/bytes", test_bytes);
	g_test_add_func("/format/ago", test_ago);
	g_test_add_func("/format/metric", test_metric);
	g_test_add_func("/format/check-column", test_check);
	g_test_add_func("/format/csv-field", test_csv_field);
	return g_test_run();
}
