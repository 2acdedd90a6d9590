/* test-dash-screens.c: what the dashboard draws, at 80x24 and 200x50, in
 * UTF-8 and in LANG=C (ASCII only, every name escaped), for hostile run
 * names, on the terminals people use (xterm, screen, tmux, vt100), without
 * colour (NO_COLOR), too small, resized, its help (the key table's), and
 * refusing changes under --readonly. */
#include "cli-fixture.h"
#include "dash.h"
#include "testutil.h"
#include "tmux-fixture.h"

#include <string.h>

static void quit(tmux_term *t)
{
	tmux_keys(t, "q");
	g_assert_cmpint(tmux_wait_exit(t, 10), ==, 0);
	tmux_assert_clean_stderr(t);
	tmux_stop(t);
}

/* Every line of the screen fits its width (in characters). */
static void assert_fits(const char *screen, int width, int height)
{
	char **lines = g_strsplit(screen, "\n", -1);
	int n = 0;
	for (size_t i = 0; lines[i]; i++) {
		if (!lines[i][0] && !lines[i + 1])
			break; /* the final newline */
		n++;
		if (g_utf8_strlen(lines[i], -1) > width)
			tu_fail("line %zu is wider than %d: '%s'", i + 1, width, lines[i]);
	}
	g_assert_cmpint(n, ==, height);
	g_strfreev(lines);
}

static const char *line_of(char **lines, int i)
{
	return lines[i] ? lines[i] : "";
}

static void test_80x24(void)
{
	tu_fixture f;
	tu_fixture_init(&f);
	tmux_term *t = tmux_start(80, 24, NULL, (const char *const[]){f.exp, NULL});
	g_free(tmux_wait(t, "RUNS  7", 10));
	char *screen = tmux_wait(t, "CHART  val_loss", 10);
	g_test_message("80x24:\n%s", screen);
	assert_fits(screen, 80, 24);
	char **lines = g_strsplit(screen, "\n", -1);
	g_assert_true(g_str_has_prefix(line_of(lines, 0), " ckpt  "));
	g_assert_true(g_str_has_prefix(line_of(lines, 1), "RUNS  7"));
	g_assert_nonnull(strstr(screen, "EPOCHS  corrupt-nt3"));
	g_assert_true(g_str_has_prefix(line_of(lines, 23), "q Quit"));
	/* Box lines, braille, an ellipsis: this terminal is UTF-8. */
	g_assert_nonnull(strstr(screen, "\xe2\x94\x82"));
	g_strfreev(lines);
	g_free(screen);
	quit(t);
	tu_fixture_free(&f);
}

static void test_200x50(void)
{
	tu_fixture f;
	tu_fixture_init(&f);
	tmux_term *t = tmux_start(200, 50, NULL, (const char *const[]){f.exp, NULL});
	g_free(tmux_wait(t, "tc1-acc", 10));
	char *screen = tmux_wait(t, "CHART  val_loss", 10);
	g_test_message("200x50:\n%s", screen);
	assert_fits(screen, 200, 50);
	/* Room for every column, the chart and the details at once. */
	const char *parts[] = {"SAVED AT", "BEST SO FAR",     "SIZE",  "DETAILS", "Epoch 30 (last)",
			       "metadata", "Run corrupt-nt3", "epoch", "STATUS"};
	for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
		if (!strstr(screen, parts[i]))
			tu_fail("no '%s' at 200x50:\n%s", parts[i], screen);
	g_free(screen);
	quit(t);
	tu_fixture_free(&f);
}

/* Runs with names that would drive a terminal, were they printed raw. */
static char *hostile_runs(void)
{
	char *dir = tu_tmpdir();
	g_free(make_demo(dir, "x\x1b[31mRED", "3", NULL));
	g_free(make_demo(dir,
			 "caf\xc3\xa9-\xe2\x80\xae"
			 "evil",
			 "3", NULL));
	g_free(make_demo(dir, "plain", "3", NULL));
	return dir;
}

static void test_lang_c_is_ascii(void)
{
	char *dir = hostile_runs();
	const char *env[] = {"LC_ALL=C", "LANG=C", NULL};
	tmux_term *t = tmux_start(80, 24, env, (const char *const[]){dir, NULL});
	g_free(tmux_wait(t, "RUNS  3", 10));
	char *screen = tmux_wait(t, "CHART  val_loss", 10);
	g_test_message("LANG=C:\n%s", screen);
	if (!screen_is_ascii(screen))
		tu_fail("LANG=C, yet not ASCII:\n%s", screen);
	g_assert_nonnull(strstr(screen, "x\\x1b[31mRED"));
	g_assert_nonnull(strstr(screen, "caf\\u00e9-\\u202eevil"));
	g_assert_nonnull(strstr(screen, " | "));
	g_free(screen);
	/* The details and the help are ASCII too. */
	tmux_keys(t, "Tab", "Enter");
	screen = tmux_wait(t, "DETAILS", 10);
	g_assert_true(screen_is_ascii(screen));
	g_free(screen);
	tmux_keys(t, "?");
	screen = tmux_wait(t, "ckpt: keys", 10);
	g_assert_true(screen_is_ascii(screen));
	g_free(screen);
	tmux_keys(t, "q");
	quit(t);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_hostile_names_in_utf8(void)
{
	char *dir = hostile_runs();
	tmux_term *t = tmux_start(80, 24, NULL, (const char *const[]){dir, NULL});
	char *screen = tmux_wait(t, "RUNS  3", 10);
	/* The escape shows as text; é is kept, the bidi override is not. */
	g_assert_nonnull(strstr(screen, "x\\x1b[31mRED"));
	g_assert_nonnull(strstr(screen, "caf\xc3\xa9-\\u202eevil"));
	g_assert_null(strstr(screen, "\xe2\x80\xae"));
	g_free(screen);
	/* Nothing reached the terminal as a colour change: no red. */
	char *attrs = tmux_screen(t, true);
	g_assert_null(strstr(attrs, "\x1b[31m"));
	g_free(attrs);
	quit(t);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_terminals(void)
{
	char *dir = hostile_runs();
	const char *terms[] = {"TERM=xterm", "TERM=xterm-256color", "TERM=screen",
			       "TERM=tmux-256color", "TERM=vt100"};
	for (size_t i = 0; i < G_N_ELEMENTS(terms); i++) {
		const char *env[] = {terms[i], NULL};
		tmux_term *t = tmux_start(80, 24, env, (const char *const[]){dir, NULL});
		char *screen = tmux_wait(t, "RUNS  3", 10);
		g_test_message("%s:\n%s", terms[i], screen);
		assert_fits(screen, 80, 24);
		g_free(screen);
		/* Keys work: down, then the details of the run below. */
		tmux_keys(t, "Down", "Enter", "Enter");
		g_free(tmux_wait(t, "DETAILS", 10));
		char *before = tmux_file(t, "before");
		tmux_keys(t, "q");
		g_assert_cmpint(tmux_wait_exit(t, 10), ==, 0);
		char *after = tmux_file(t, "after");
		g_assert_cmpstr(after, ==, before);
		tmux_assert_clean_stderr(t);
		tmux_stop(t);
		g_free(before), g_free(after);
	}
	tu_rmtree(dir);
	g_free(dir);
}

/* SGR parameters that set a colour: 30-37, 38, 40-47, 48, 90-97, 100-107. */
static bool has_colour(const char *screen)
{
	for (const char *p = strstr(screen, "\x1b["); p; p = strstr(p + 1, "\x1b[")) {
		const char *end = p + 2;
		while (*end && (g_ascii_isdigit(*end) || *end == ';'))
			end++;
		if (*end != 'm')
			continue;
		char *params = g_strndup(p + 2, (gsize)(end - p - 2));
		char **each = g_strsplit(params, ";", -1);
		bool colour = false;
		for (size_t k = 0; each[k]; k++) {
			int n = atoi(each[k]);
			colour = colour || (n >= 30 && n <= 38) || (n >= 40 && n <= 48) ||
				 (n >= 90 && n <= 97) || (n >= 100 && n <= 107);
		}
		g_strfreev(each);
		g_free(params);
		if (colour)
			return true;
	}
	return false;
}

static void test_no_color(void)
{
	tu_fixture f;
	tu_fixture_init(&f);
	tmux_term *t = tmux_start(80, 24, NULL, (const char *const[]){f.exp, NULL});
	g_free(tmux_wait(t, "RUNS  7", 10));
	char *screen = tmux_screen(t, true);
	g_assert_true(has_colour(screen));
	g_free(screen);
	quit(t);
	const char *env[] = {"NO_COLOR=1", NULL};
	t = tmux_start(80, 24, env, (const char *const[]){f.exp, NULL});
	g_free(tmux_wait(t, "RUNS  7", 10));
	tmux_keys(t, "V");
	g_free(tmux_wait(t, "verified", 10));
	screen = tmux_screen(t, true);
	if (has_colour(screen))
		tu_fail("NO_COLOR, yet colours:\n%s", screen);
	/* Monochrome still tells the selection apart: reverse video. */
	g_assert_nonnull(strstr(screen, "7m"));
	g_free(screen);
	quit(t);
	t = tmux_start(80, 24, NULL, (const char *const[]){"--no-color", f.exp, NULL});
	g_free(tmux_wait(t, "RUNS  7", 10));
	screen = tmux_screen(t, true);
	g_assert_false(has_colour(screen));
	g_free(screen);
	quit(t);
	tu_fixture_free(&f);
}

static void test_too_small_then_resized(void)
{
	tu_fixture f;
	tu_fixture_init(&f);
	tmux_term *t = tmux_start(70, 20, NULL, (const char *const[]){f.exp, NULL});
	char *screen = tmux_wait(t, "terminal too small: 70x20", 10);
	g_assert_nonnull(strstr(screen, "80x24"));
	g_free(screen);
	tmux_resize(t, 80, 24);
	screen = tmux_wait(t, "RUNS  7", 10);
	assert_fits(screen, 80, 24);
	g_free(screen);
	/* Larger: the layout takes the room; the hints stay on the last line. */
	tmux_resize(t, 120, 40);
	screen = tmux_wait(t, "last 30 (relocated)", 10);
	assert_fits(screen, 120, 40);
	char **lines = g_strsplit(screen, "\n", -1);
	g_assert_true(g_str_has_prefix(line_of(lines, 39), "q Quit"));
	g_strfreev(lines);
	g_free(screen);
	tmux_resize(t, 200, 50);
	screen = tmux_wait(t, "DETAILS", 10);
	assert_fits(screen, 200, 50);
	g_free(screen);
	/* And back: no details beside the epochs at 80 columns. */
	tmux_resize(t, 80, 24);
	g_free(tmux_wait_gone(t, "DETAILS", 10));
	screen = tmux_wait(t, "RUNS  7", 10);
	assert_fits(screen, 80, 24);
	g_free(screen);
	tmux_resize(t, 60, 30);
	g_free(tmux_wait(t, "terminal too small: 60x30", 10));
	quit(t);
	tu_fixture_free(&f);
}

static void test_help_is_the_key_table(void)
{
	tu_fixture f;
	tu_fixture_init(&f);
	tmux_term *t = tmux_start(200, 50, NULL, (const char *const[]){f.exp, NULL});
	g_free(tmux_wait(t, "tc1-acc", 10));
	tmux_keys(t, "?");
	char *screen = tmux_wait(t, "ckpt: keys", 10);
	char *help = dash_keys_help(false);
	char **lines = g_strsplit(help, "\n", -1);
	/* Every line, a page at a time. */
	for (size_t i = 0; lines[i]; i++) {
		if (!lines[i][0])
			continue;
		while (!strstr(screen, lines[i])) {
			char *before = screen;
			tmux_keys(t, "PageDown");
			screen = tmux_screen(t, false);
			if (strcmp(before, screen) == 0)
				tu_fail("the help lacks '%s':\n%s", lines[i], screen);
			g_free(before);
		}
	}
	g_strfreev(lines);
	g_free(help);
	g_free(screen);
	/* The fixed keys are all there. */
	help = dash_keys_help(false);
	const char *keys[] = {
	    "  v ",   "  V ",      "  c ",    "  r ",   "  R ",     "  l ",        "  L ",
	    "  u ",   "  / ",      "  s ",    "  q ",   "  Tab",    "  Space",     "  Enter",
	    "  Esc",  "  y Enter", "  n Esc", "  + ",   "  - ",     "  m ",        "  PgUp",
	    "  PgDn", "  Home g",  "  End G", "  Up k", "  Down j", "  Shift-Tab", "mouse"};
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (!strstr(help, keys[i]))
			tu_fail("the key table has no '%s'", keys[i]);
	g_free(help);
	tmux_keys(t, "Escape");
	g_free(tmux_wait_gone(t, "ckpt: keys", 10));
	quit(t);
	tu_fixture_free(&f);
}

static void test_readonly_refuses_changes(void)
{
	tu_fixture f;
	tu_fixture_init(&f);
	char *before = tu_snapshot_tree(f.exp);
	tmux_term *t = tmux_start(80, 24, NULL, (const char *const[]){"--readonly", f.exp, NULL});
	g_free(tmux_wait(t, "[read-only]", 10));
	g_free(tmux_wait(t, "RUNS  7", 10));
	const char *keys[] = {"c", "r", "R", "l"};
	const char *says[] = {"clean refused", "restart refused", "forced restart refused",
			      "relink refused"};
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		tmux_keys(t, keys[i]);
		char *screen = tmux_wait(t, says[i], 10);
		g_assert_nonnull(strstr(screen, "read-only (--readonly)"));
		g_free(screen);
	}
	/* Verify writes only this user's records: allowed. */
	tmux_keys(t, "V");
	g_free(tmux_wait(t, "verified 5 epochs", 10));
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	quit(t);
	g_free(before), g_free(after);
	tu_fixture_free(&f);
}

/* Scrolling through runs faster than their histories load: every run's
 * chart still loads once it is selected (a request passed over is asked
 * again). */
static void test_charts_load_after_quick_scrolling(void)
{
	char *dir = tu_tmpdir();
	char *exp = g_build_filename(dir, "exp", NULL);
	g_free(ckpt_expect(0, "demo", exp, "--runs", "8", "--epochs", "6", "--every", "0",
			   "--model-bytes", "1024"));
	tmux_term *t = tmux_start(80, 24, NULL, (const char *const[]){exp, NULL});
	g_free(tmux_wait(t, "RUNS  8", 10));
	g_free(tmux_wait(t, "CHART  val_loss", 10));
	for (int round = 0; round < 3; round++) {
		tmux_burst(t, "j", 7);
		g_free(tmux_wait(t, "EPOCHS  run-08", 10));
		g_free(tmux_wait(t, "CHART  val_loss", 10));
		/* Up to run-04, the val_accuracy run, the way down passed over. */
		tmux_burst(t, "k", 4);
		g_free(tmux_wait(t, "EPOCHS  run-04", 10));
		g_free(tmux_wait(t, "CHART  val_accuracy", 10));
		tmux_burst(t, "k", 3);
		g_free(tmux_wait(t, "EPOCHS  run-01", 10));
		char *screen = tmux_wait(t, "CHART  val_loss", 10);
		g_free(screen);
		screen = tmux_wait_gone(t, "loading the history", 10);
		g_free(screen);
	}
	quit(t);
	g_free(exp);
	tu_rmtree(dir);
	g_free(dir);
}

/* The mouse, as an xterm reports it (SGR 1006): a click selects the run
 * under it, the wheel scrolls the pane under it. Also a PATH that is not
 * there: said on the status line, the other runs shown. */
static void test_mouse_and_a_missing_path(void)
{
	char *dir = tu_tmpdir();
	char *exp = g_build_filename(dir, "exp", NULL);
	char *missing = g_build_filename(dir, "not-here", NULL);
	g_free(ckpt_expect(0, "demo", exp, "--runs", "4", "--epochs", "40", "--every", "0",
			   "--model-bytes", "1024", "--ckpt_keep_mode=all"));
	tmux_term *t = tmux_start(80, 24, NULL, (const char *const[]){exp, missing, NULL});
	g_free(tmux_wait(t, "not-here", 10));
	g_free(tmux_wait(t, "RUNS  4", 10));
	/* Row 6 of the screen (1-based) is the third run's. */
	tmux_type(t, "\033[<0;10;6M");
	tmux_type(t, "\033[<0;10;6m");
	g_free(tmux_wait(t, "/exp/run-03 / best", 10));
	/* The epochs pane shows the end of 40 epochs; the wheel scrolls up. */
	g_free(tmux_wait(t, "\n   40 ", 10));
	for (int i = 0; i < 10; i++)
		tmux_type(t, "\033[<64;10;15M");
	g_free(tmux_wait(t, "\n    1 ", 10));
	quit(t);
	g_free(missing), g_free(exp);
	tu_rmtree(dir);
	g_free(dir);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/ui/screens/80x24-fits-with-every-pane", test_80x24);
	g_test_add_func("/ui/screens/200x50-shows-every-column-chart-and-details", test_200x50);
	g_test_add_func("/ui/screens/lang-c-is-ascii-and-escapes-every-name", test_lang_c_is_ascii);
	g_test_add_func("/ui/screens/hostile-names-escaped-in-utf8", test_hostile_names_in_utf8);
	g_test_add_func("/ui/screens/xterm-screen-tmux-vt100", test_terminals);
	g_test_add_func("/ui/screens/no-color-means-monochrome", test_no_color);
	g_test_add_func("/ui/screens/too-small-then-resized-adapts", test_too_small_then_resized);
	g_test_add_func("/ui/screens/help-is-generated-from-the-key-table",
			test_help_is_the_key_table);
	g_test_add_func("/ui/screens/readonly-refuses-changes-allows-verify",
			test_readonly_refuses_changes);
	g_test_add_func("/ui/screens/charts-load-after-quick-scrolling",
			test_charts_load_after_quick_scrolling);
	g_test_add_func("/ui/screens/mouse-selects-and-scrolls-a-missing-path-is-said",
			test_mouse_and_a_missing_path);
	return cli_test_run();
}
