/* test-dash-live.c: a run that `ckpt demo` is writing updates on screen by
 * itself: a new epoch shows within 2 s of being published, with change
 * events (inotify) and with polling only, and the epoch selected and the
 * scroll position stay where they were; changes to a live run are refused
 * with the reason. */
#include "cli-fixture.h"
#include "testutil.h"
#include "tmux-fixture.h"

#include <stdio.h>
#include <string.h>

/* The epochs pane's right edge at 80 columns. */
#define EPOCHS_RIGHT 50

/* The screen without its SGR sequences, line by line, and whether each
 * line starts in reverse video (the selection, in monochrome). tmux -e
 * writes changes only: an attribute carries on across lines. */
static char **plain_lines(const char *screen, GArray *reversed)
{
	GPtrArray *lines = g_ptr_array_new();
	GString *line = g_string_new(NULL);
	bool reverse = false, first = true, line_reverse = false;
	for (const char *p = screen; *p; p++) {
		if (*p == '\n') {
			g_ptr_array_add(lines, g_string_free(line, FALSE));
			g_array_append_val(reversed, line_reverse);
			line = g_string_new(NULL);
			first = true, line_reverse = false;
			continue;
		}
		if (*p == '\033' && p[1] == '[') {
			const char *end = p + 2;
			while (*end && !g_ascii_isalpha(*end))
				end++;
			char *params = g_strndup(p + 2, (gsize)(end - p - 2));
			char **each = g_strsplit(params, ";", -1);
			for (size_t k = 0; *end == 'm' && each[k]; k++) {
				if (strcmp(each[k], "7") == 0)
					reverse = true;
				else if (strcmp(each[k], "27") == 0 || strcmp(each[k], "0") == 0 ||
					 each[k][0] == '\0')
					reverse = false;
			}
			if (*end == 'm' && !each[0])
				reverse = false;
			g_strfreev(each);
			g_free(params);
			p = *end ? end : end - 1;
			continue;
		}
		if (first)
			line_reverse = reverse, first = false;
		g_string_append_c(line, *p);
	}
	g_ptr_array_add(lines, g_string_free(line, FALSE));
	g_array_append_val(reversed, line_reverse);
	g_ptr_array_add(lines, NULL);
	return (char **)g_ptr_array_free(lines, FALSE);
}

/* The epoch of the epochs pane's selected row (drawn in reverse), or 0. */
static long selected_epoch_now(tmux_term *t)
{
	char *screen = tmux_screen(t, true);
	GArray *reversed = g_array_new(FALSE, FALSE, sizeof(bool));
	char **lines = plain_lines(screen, reversed);
	long epoch = 0;
	for (size_t i = 0; lines[i] && !epoch; i++) {
		char *end;
		long n = strtol(lines[i], &end, 10);
		if (end != lines[i] && g_array_index(reversed, bool, i))
			epoch = n;
	}
	g_strfreev(lines);
	g_array_free(reversed, TRUE);
	g_free(screen);
	return epoch;
}

/* The same, once the pane has its focus (the scan over). */
static long selected_epoch(tmux_term *t)
{
	long epoch = 0;
	for (int i = 0; i < 100 && !epoch; i++) {
		epoch = selected_epoch_now(t);
		if (!epoch)
			g_usleep(20000);
	}
	return epoch;
}

/* The first epoch row on screen: the scroll position. */
static long top_epoch(const char *screen)
{
	char **lines = g_strsplit(screen, "\n", -1);
	long top = 0;
	for (size_t i = 0; lines[i] && !top; i++) {
		char *end;
		long n = strtol(lines[i], &end, 10);
		if (end != lines[i] && *end == ' ')
			top = n;
	}
	g_strfreev(lines);
	return top;
}

/* Waits for the demo to publish its next epoch; returns it, and when. */
static long next_epoch(const char *run, gint64 *out_when)
{
	long next = tmux_newest_epoch(run) + 1;
	char name[32];
	snprintf(name, sizeof name, "%03ld", next);
	char *info = epoch_path(run, name, "ckpt-info.json");
	for (int i = 0; i < 2000 && !tu_exists(info); i++)
		g_usleep(5000);
	g_assert_true(tu_exists(info));
	*out_when = g_get_monotonic_time();
	g_free(info);
	return next;
}

/* Waits at most 2 s after `since` for the screen to hold needle (epoch
 * row `row` when needle is NULL). */
static void within_2s(tmux_term *t, gint64 since, const char *needle, long row)
{
	for (;;) {
		char *screen = tmux_screen(t, false);
		char *line = needle ? NULL : screen_row(screen, row, EPOCHS_RIGHT);
		bool found = needle ? strstr(screen, needle) != NULL : line != NULL;
		g_free(line);
		if (found) {
			g_test_message("'%s' on screen %.2f s after the epoch was published",
				       needle ? needle : "its row",
				       (double)(g_get_monotonic_time() - since) / 1e6);
			g_free(screen);
			return;
		}
		if (g_get_monotonic_time() - since > (gint64)(2.0 * tmux_slow() * 1e6))
			tu_fail("2 s after epoch %ld was published the screen shows:\n%s", row,
				screen);
		g_free(screen);
		g_usleep(20000);
	}
}

/* Opens the dashboard on a run a demo writes. Following the end, a new
 * epoch's row shows within 2 s; scrolled back to the top, the title's
 * `last` does, and the view stays; the selection never moves. */
static void assert_updates_live(const char *const *env, const char *const *args_after_run)
{
	char *dir = tu_tmpdir();
	/* 30 epochs already: the table scrolls at 80x24. */
	char *run = make_demo(dir, "run", "30", NULL);
	GPid demo = tmux_live_demo(run, "0.7");
	GPtrArray *args = g_ptr_array_new();
	g_ptr_array_add(args, "--no-color");
	for (size_t i = 0; args_after_run && args_after_run[i]; i++)
		g_ptr_array_add(args, (char *)args_after_run[i]);
	g_ptr_array_add(args, run);
	g_ptr_array_add(args, NULL);
	tmux_term *t = tmux_start(80, 24, env, (const char *const *)args->pdata);
	g_free(tmux_wait(t, "training live", 10));
	long selected = selected_epoch(t);
	g_assert_cmpint(selected, >, 30);
	gint64 when;
	long next = next_epoch(run, &when);
	within_2s(t, when, NULL, next);
	g_assert_cmpint(selected_epoch(t), ==, selected);
	/* Back at the top, the view stays put while epochs come. */
	tmux_keys(t, "g");
	char *screen = tmux_wait(t, "\n    1 ", 10);
	long top = top_epoch(screen);
	g_free(screen);
	g_assert_cmpint(top, ==, 1);
	g_assert_cmpint(selected_epoch(t), ==, 1);
	next = next_epoch(run, &when);
	char *title = g_strdup_printf("/ last %ld /", next);
	within_2s(t, when, title, next);
	g_free(title);
	screen = tmux_screen(t, false);
	g_assert_cmpint(top_epoch(screen), ==, 1);
	g_free(screen);
	g_assert_cmpint(selected_epoch(t), ==, 1);
	/* Changes are refused while the writer is live. */
	tmux_keys(t, "c");
	g_free(tmux_wait(t, "clean refused: run is training live", 10));
	tmux_keys(t, "r");
	g_free(tmux_wait(t, "restart refused: run is training live", 10));
	tmux_stop_demo(demo);
	tmux_keys(t, "q");
	g_assert_cmpint(tmux_wait_exit(t, 10), ==, 0);
	tmux_assert_clean_stderr(t);
	tmux_stop(t);
	g_ptr_array_free(args, TRUE);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_live_with_change_events(void)
{
	assert_updates_live(NULL, NULL);
}

static void test_live_by_polling(void)
{
	/* As on a file system that delivers no events: polling alone. */
	const char *env[] = {"CKPT_NO_INOTIFY=1", NULL};
	const char *args[] = {"--poll", "0.5", NULL};
	assert_updates_live(env, args);
}

/* A live run among others: the runs pane says so, and its epochs count up. */
static void test_live_run_in_the_runs_pane(void)
{
	char *dir = tu_tmpdir();
	g_free(make_demo(dir, "idle", "3", NULL));
	char *run = g_build_filename(dir, "busy", NULL);
	GPid demo = tmux_live_demo(run, "0.3");
	tmux_term *t = tmux_start(80, 24, NULL, (const char *const[]){dir, NULL});
	g_free(tmux_wait(t, "training live (pid", 10));
	/* The title counts it (waited for apart: a frame may be half drawn). */
	char *screen = tmux_wait(t, "2 runs, 1 live", 10);
	g_free(screen);
	long now = tmux_newest_epoch(run);
	/* The runs pane's EPOCHS column: every epoch kept, so their count. */
	char *want = g_strdup_printf(" %ld ", now + 3);
	gint64 deadline = g_get_monotonic_time() + (gint64)(10 * tmux_slow() * 1e6);
	bool seen = false;
	while (!seen && g_get_monotonic_time() < deadline) {
		screen = tmux_screen(t, false);
		char **lines = g_strsplit(screen, "\n", -1);
		for (size_t i = 0; lines[i]; i++)
			if (strstr(lines[i], "busy") && strstr(lines[i], want))
				seen = true;
		g_strfreev(lines);
		g_free(screen);
		g_usleep(50000);
	}
	g_assert_true(seen);
	tmux_stop_demo(demo);
	tmux_keys(t, "q");
	g_assert_cmpint(tmux_wait_exit(t, 10), ==, 0);
	tmux_stop(t);
	g_free(want), g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/ui/live/new-epoch-within-2s-keeping-selection-and-scroll",
			test_live_with_change_events);
	g_test_add_func("/ui/live/polling-only-within-2s-keeping-selection-and-scroll",
			test_live_by_polling);
	g_test_add_func("/ui/live/runs-pane-counts-the-live-runs-epochs",
			test_live_run_in_the_runs_pane);
	return cli_test_run();
}
