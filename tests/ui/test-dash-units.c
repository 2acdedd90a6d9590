/* test-dash-units.c: the dashboard's parts that need no terminal: the help
 * and the hints generated from the key table, the scrollable list panel,
 * the string map, and the formatters the dashboard added to format.c
 * (table cells drawn one at a time, the progress bar, transfer text). */
#include "dash.h"

#include <glib.h>
#include <string.h>

/* ---- the key table ------------------------------------------------------------- */

static void test_help_lists_every_fixed_key(void)
{
	char *help = dash_keys_help(false);
	g_assert_nonnull(help);
	const char *lines[] = {
	    "Everywhere\n",
	    "  q            quit (Ctrl-C too)\n",
	    "  v            verify the selected epoch's checksum\n",
	    "  V            verify every epoch of the run, or of the marked runs\n",
	    "  c            clean the run: its plan first, nothing deleted without y\n",
	    "  r            restart from the selected epoch (points last at it)\n",
	    "  R            restart from it even when the library refuses (force)\n",
	    "  l            relink relocated or absolute best/last links\n",
	    "  L            the run's ckpt.log",
	    "  /            filter the runs by name (a regular expression)\n",
	    "  s            sort the runs: name, best value, last update, size\n",
	    "  u            show or hide the history's unsaved epochs\n",
	    "  Space        mark the run",
	    "  Tab          the next pane",
	    "  Shift-Tab    the previous pane\n",
	    "  Enter        open the run's epochs, or the epoch's details\n",
	    "  Esc          cancel a verify",
	    "  Up k ",
	    "  Down j ",
	    "  PgUp ",
	    "  PgDn ",
	    "  Home g ",
	    "  End G ",
	    "  ? F1 ",
	    "  mouse ",
	    "In a clean plan\n",
	    "  y Enter      delete what the plan deletes\n",
	    "  n Esc        cancel: delete nothing\n",
	    "  +            keep one epoch more\n",
	    "  -            keep one epoch fewer\n",
	    "  m            the next keep mode: linear, exponential, all\n",
	    "In a restart question\n",
	    "  y Enter      restart from the epoch",
	    "Every question: y or Enter confirms, n or Esc cancels.",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
		if (!strstr(help, lines[i]))
			g_error("the help lacks '%s':\n%s", lines[i], help);
	/* One line a key: a name column, then what it does. */
	char **each = g_strsplit(help, "\n", -1);
	for (size_t i = 0; each[i]; i++)
		if (g_str_has_prefix(each[i], "  "))
			g_assert_cmpuint(strlen(each[i]), >, 15);
	g_strfreev(each);
	g_free(help);
}

static void test_hints_follow_the_context(void)
{
	dash d;
	memset(&d, 0, sizeof d);
	const dash_hint *hints = NULL;
	size_t n = dash_keys_hints(&d, &hints);
	GString *line = g_string_new(NULL);
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(line, "%s%s", hints[i].key, hints[i].label);
	g_assert_cmpstr(
	    line->str, ==,
	    "q Quit Space Mark / Filter s Sort v Verify c Clean r Restart l Relink L Log ");
	/* It fits 80 columns, the smallest the dashboard draws. */
	g_assert_cmpuint(line->len, <=, 81);
	d.dialog = DIALOG_CLEAN;
	n = dash_keys_hints(&d, &hints);
	g_string_truncate(line, 0);
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(line, "%s%s", hints[i].key, hints[i].label);
	g_assert_cmpstr(line->str, ==, "y Delete n Cancel + More - Fewer m Mode ");
	d.dialog = DIALOG_RESTART;
	n = dash_keys_hints(&d, &hints);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpstr(hints[0].key, ==, "y");
	d.dialog = DIALOG_FILTER;
	n = dash_keys_hints(&d, &hints);
	g_assert_cmpstr(hints[0].key, ==, "Enter");
	g_string_free(line, TRUE);
}

/* ---- the panel ------------------------------------------------------------------ */

static void test_panel_moves_and_scrolls(void)
{
	panel p = {.cursor = true};
	panel_set_height(&p, 5);
	panel_keep(&p, 20, 0);
	g_assert_cmpuint(p.selected, ==, 0);
	panel_move(&p, 7);
	g_assert_cmpuint(p.selected, ==, 7);
	g_assert_cmpuint(p.top, ==, 3); /* scrolled just enough */
	panel_move(&p, -100);
	g_assert_cmpuint(p.selected, ==, 0);
	g_assert_cmpuint(p.top, ==, 0);
	panel_page(&p, 1);
	g_assert_cmpuint(p.selected, ==, 5);
	g_assert_cmpuint(p.top, ==, 5);
	panel_end(&p);
	g_assert_cmpuint(p.selected, ==, 19);
	g_assert_cmpuint(p.top, ==, 15);
	panel_page(&p, 1);
	g_assert_cmpuint(p.selected, ==, 19);
	panel_home(&p);
	g_assert_cmpuint(p.selected + p.top, ==, 0);
	/* The wheel moves the view; the selection is pulled into it. */
	panel_scroll(&p, 3);
	g_assert_cmpuint(p.top, ==, 3);
	g_assert_cmpuint(p.selected, ==, 3);
	panel_scroll(&p, 100);
	g_assert_cmpuint(p.top, ==, 15);
	size_t row;
	g_assert_true(panel_hit(&p, 2, &row));
	g_assert_cmpuint(row, ==, 17);
	g_assert_false(panel_hit(&p, 5, &row));
	g_assert_false(panel_hit(&p, -1, &row));
	/* Rows change: the item keeps its line on screen. */
	panel_select(&p, 17);
	size_t line = p.selected - p.top;
	panel_keep(&p, 40, 27);
	g_assert_cmpuint(p.selected, ==, 27);
	g_assert_cmpuint(p.selected - p.top, ==, line);
	panel_keep(&p, 0, 0);
	g_assert_cmpuint(p.selected + p.top, ==, 0);
	/* A text view scrolls: its "selection" is its top line. */
	panel text = {.cursor = false};
	panel_set_height(&text, 10);
	panel_keep(&text, 25, 0);
	panel_move(&text, 4);
	g_assert_cmpuint(text.top, ==, 4);
	panel_end(&text);
	g_assert_cmpuint(text.top, ==, 15);
}

/* ---- the string map -------------------------------------------------------------- */

static void count_value(const char *key, void *value, void *payload)
{
	(void)key;
	*(size_t *)payload += (size_t)(uintptr_t)value;
}

static void test_strmap(void)
{
	strmap *m = strmap_new();
	char key[32];
	for (uintptr_t i = 1; i <= 1000; i++) {
		snprintf(key, sizeof key, "/runs/run-%04lu/ckpts", (unsigned long)i);
		g_assert_cmpint(strmap_set(m, key, (void *)i), ==, 0);
	}
	g_assert_cmpuint(strmap_count(m), ==, 1000);
	g_assert_true(strmap_get(m, "/runs/run-0500/ckpts") == (void *)500);
	g_assert_null(strmap_get(m, "/runs/run-1001/ckpts"));
	for (uintptr_t i = 1; i <= 1000; i += 2) {
		snprintf(key, sizeof key, "/runs/run-%04lu/ckpts", (unsigned long)i);
		g_assert_true(strmap_remove(m, key) == (void *)i);
	}
	g_assert_cmpuint(strmap_count(m), ==, 500);
	g_assert_null(strmap_get(m, "/runs/run-0001/ckpts"));
	g_assert_true(strmap_get(m, "/runs/run-0002/ckpts") == (void *)2);
	g_assert_cmpint(strmap_set(m, "/runs/run-0002/ckpts", (void *)7), ==, 0);
	g_assert_cmpuint(strmap_count(m), ==, 500);
	size_t sum = 0;
	strmap_each(m, count_value, &sum);
	g_assert_cmpuint(sum, ==, 500 * 501 - 2 + 7); /* 2 + 4 + ... + 1000, 2 now 7 */
	strmap_free(m);
}

/* ---- format.c's parts for the dashboard ------------------------------------------ */

static void test_table_cells(void)
{
	const fmt_column columns[] = {
	    {"EPOCH", FMT_RIGHT, FMT_COL_ATOM, 0, 0, 0},
	    {"NAME", FMT_LEFT, FMT_COL_NAME, 10, 0, 6},
	    {"STATUS", FMT_LEFT, FMT_COL_TEXT, 0, 20, 0},
	};
	fmt_table *t = fmt_table_new(3, columns);
	const char *a[] = {"7", "nt3-learning-rate-0.01", "ok"};
	const char *b[] = {"1200", "x", "links need relinking"};
	fmt_table_add_row(t, a);
	fmt_table_add_note(t, "a note");
	fmt_table_add_row(t, b);
	size_t widths[3];
	g_assert_cmpint(fmt_table_fit(t, 0, widths), ==, 0);
	g_assert_cmpuint(widths[0], ==, 5);
	g_assert_cmpuint(widths[1], ==, 22);
	g_assert_cmpuint(widths[2], ==, 20);
	char cell[128];
	g_assert_cmpstr(fmt_table_cell(cell, sizeof cell, t, FMT_HEADER, 0, widths), ==, "EPOCH");
	g_assert_cmpstr(fmt_table_cell(cell, sizeof cell, t, 0, 0, widths), ==, "    7");
	g_assert_cmpstr(fmt_table_cell(cell, sizeof cell, t, 0, 2, widths), ==,
			"ok                  ");
	g_assert_true(fmt_table_is_note(t, 1));
	g_assert_cmpstr(fmt_table_cell(cell, sizeof cell, t, 1, 0, widths), ==, "");
	g_assert_cmpstr(fmt_table_text(t, 1, 0), ==, "a note");
	g_assert_cmpstr(fmt_table_text(t, 2, 2), ==, "links need relinking");
	g_assert_cmpstr(fmt_table_text(t, 9, 0), ==, "");
	/* 20 columns: STATUS goes, NAME is cut in the middle. */
	g_assert_cmpint(fmt_table_fit(t, 20, widths), ==, 0);
	g_assert_cmpuint(widths[2], ==, 0);
	g_assert_cmpuint(widths[0] + 2 + widths[1], ==, 20);
	fmt_table_cell(cell, sizeof cell, t, 0, 1, widths);
	g_assert_cmpuint(fmt_display_width(cell), ==, widths[1]);
	g_assert_nonnull(strstr(cell, "\xe2\x80\xa6"));
	g_assert_true(g_str_has_prefix(cell, "nt3-"));
	g_assert_cmpstr(fmt_table_cell(cell, sizeof cell, t, 0, 2, widths), ==, "");
	/* The same layout as the whole table rendered. */
	char *text = fmt_table_render(t, 20);
	g_assert_true(g_str_has_prefix(text, "EPOCH  NAME"));
	g_free(text);
	fmt_table_free(t);
}

static void test_bar_and_transfer(void)
{
	char out[256];
	g_assert_cmpstr(fmt_bar(out, sizeof out, 5, 10, 10, true), ==, "#####.....");
	g_assert_cmpstr(fmt_bar(out, sizeof out, 0, 0, 4, true), ==, "....");
	g_assert_cmpstr(fmt_bar(out, sizeof out, 20, 10, 4, true), ==, "####");
	g_assert_cmpstr(fmt_bar(out, sizeof out, 1, 2, 2, false), ==, "\xe2\x96\x88\xe2\x96\x91");
	/* A small buffer gets whole cells only. */
	g_assert_cmpstr(fmt_bar(out, 5, 1, 1, 4, false), ==, "\xe2\x96\x88");
	g_assert_cmpstr(fmt_transfer(out, sizeof out, 512 << 20, 1 << 30, 2.0), ==,
			"512 MiB of 1.0 GiB, 268.4 MB/s, 2.0 s left");
	g_assert_cmpstr(fmt_transfer(out, sizeof out, 1024, 0, 0.1), ==, "1.0 KiB");
	g_assert_cmpstr(fmt_transfer(out, sizeof out, 1024, 2048, 0.1), ==, "1.0 KiB of 2.0 KiB");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tui/keys/help-lists-every-fixed-key-from-the-table",
			test_help_lists_every_fixed_key);
	g_test_add_func("/tui/keys/hints-follow-the-context", test_hints_follow_the_context);
	g_test_add_func("/tui/panel/moves-pages-scrolls-and-keeps-its-line",
			test_panel_moves_and_scrolls);
	g_test_add_func("/tui/strmap/thousand-roots-set-removed-replaced", test_strmap);
	g_test_add_func("/tui/format/table-cells-as-the-table-renders", test_table_cells);
	g_test_add_func("/tui/format/bar-and-transfer", test_bar_and_transfer);
	return g_test_run();
}
