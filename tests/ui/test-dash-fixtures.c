/* test-dash-fixtures.c: the dashboard on the runs CANDLE's original wrote
 * (tests/data/fixtures), driven in tmux: best and last marked with their
 * values, V finding corrupt-nt3's damage, r then y moving `last` on disk
 * (and a refusal for an incomplete epoch), and clean plans: confirmed, it
 * deletes exactly what the plan said; cancelled, nothing. */
#include "cli-fixture.h"
#include "testutil.h"
#include "tmux-fixture.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The epochs pane's right edge at 200 columns (45% of the width). */
#define EPOCHS_RIGHT 90

static cJSON *expected_run(cJSON *expect, const char *name)
{
	cJSON *run;
	cJSON_ArrayForEach(run, get(expect, "runs"))
	{
		if (strcmp(get_string(run, "name"), name) == 0)
			return run;
	}
	tu_fail("no run %s in candle-runs.expect.json", name);
}

/* Shows only the run called name: / with an anchored expression. */
static char *select_run(tmux_term *t, const char *name)
{
	/* The prompt offers the filter there is: C-u clears it. */
	tmux_keys(t, "/", "C-u");
	char *pattern = g_strdup_printf("^%s$", name);
	tmux_type(t, pattern);
	tmux_keys(t, "Enter");
	char *title = g_strdup_printf("EPOCHS  %s ", name);
	char *screen = tmux_wait(t, title, 10);
	g_free(title);
	g_free(pattern);
	return screen;
}

static void quit(tmux_term *t)
{
	tmux_keys(t, "q");
	g_assert_cmpint(tmux_wait_exit(t, 10), ==, 0);
	tmux_assert_clean_stderr(t);
	tmux_stop(t);
}

static void test_best_last_markers_and_values(void)
{
	tu_fixture f;
	tu_fixture_init(&f);
	cJSON *expect = tu_load_expect();
	tmux_term *t = tmux_start(200, 50, NULL, (const char *const[]){f.exp, NULL});
	g_free(tmux_wait(t, "RUNS  7", 10));
	const char *names[] = {"nt3-lr0.01", "nt3-lr0.001", "resumed", "corrupt-nt3"};
	for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
		cJSON *run = expected_run(expect, names[k]);
		long best = (long)get_number(run, "best"), last = (long)get_number(run, "last");
		char *screen = select_run(t, names[k]);
		cJSON *e;
		cJSON_ArrayForEach(e, get(run, "epochs"))
		{
			long epoch = (long)get_number(e, "epoch");
			char *row = screen_row(screen, epoch, EPOCHS_RIGHT);
			if (!row)
				tu_fail("%s: no row for epoch %ld:\n%s", names[k], epoch, screen);
			const char *marks = epoch == best && epoch == last ? "best,last"
					    : epoch == best                ? "best"
					    : epoch == last                ? "last"
									   : NULL;
			if (marks)
				g_assert_nonnull(strstr(row, marks));
			else
				g_assert_null(strstr(row, "best"));
			char value[64];
			snprintf(value, sizeof value, " %.6g ", get_number(e, "metric"));
			if (!strstr(row, value))
				tu_fail("%s epoch %ld: '%s' lacks%s", names[k], epoch, row, value);
			g_free(row);
		}
		/* The title says best and last with their link states. */
		char *title = g_strdup_printf("best %ld (%s) / last %ld (%s)", best,
					      get_string(run, "best_state"), last,
					      get_string(run, "last_state"));
		if (!strstr(screen, title))
			tu_fail("no '%s' in\n%s", title, screen);
		g_free(title);
		g_free(screen);
	}
	quit(t);
	cJSON_Delete(expect);
	tu_fixture_free(&f);
}

static void test_verify_flags_the_damage(void)
{
	tu_fixture f;
	tu_fixture_init(&f);
	cJSON *expect = tu_load_expect();
	cJSON *run = expected_run(expect, "corrupt-nt3");
	tmux_term *t = tmux_start(200, 50, NULL, (const char *const[]){f.exp, NULL});
	g_free(tmux_wait(t, "RUNS  7", 10));
	g_free(select_run(t, "corrupt-nt3"));
	tmux_keys(t, "V");
	char *screen = tmux_wait(t, "verified 5 epochs", 20);
	cJSON *v;
	cJSON_ArrayForEach(v, get(run, "verify"))
	{
		long epoch = (long)get_number(v, "epoch");
		const char *result = get_string(v, "result");
		char *row = screen_row(screen, epoch, EPOCHS_RIGHT);
		g_assert_nonnull(row);
		if (strcmp(result, "ok") == 0) {
			g_assert_nonnull(strstr(row, " ok just now"));
			g_assert_null(strstr(row, "damaged"));
		} else {
			char *upper = g_ascii_strup(result, -1);
			if (!strstr(row, upper))
				tu_fail("epoch %ld: '%s' lacks %s", epoch, row, upper);
			g_assert_true(strstr(row, "damaged") || strstr(row, "incomplete"));
			g_free(upper);
		}
		g_free(row);
	}
	/* The runs pane and the library's health agree. */
	g_assert_nonnull(strstr(screen, "2 damaged"));
	g_free(screen);
	quit(t);
	cJSON_Delete(expect);
	tu_fixture_free(&f);
}

static void test_restart_moves_last_on_disk(void)
{
	tu_fixture f;
	tu_fixture_init(&f);
	char *run = g_build_filename(f.exp, "nt3-lr0.01", NULL);
	tmux_term *t = tmux_start(200, 50, NULL, (const char *const[]){f.exp, NULL});
	g_free(tmux_wait(t, "RUNS  7", 10));
	g_free(select_run(t, "nt3-lr0.01"));
	/* The run opens on its last epoch, 30: two up is 28. */
	tmux_keys(t, "Tab", "k", "k", "r");
	g_free(tmux_wait(t, "Restart nt3-lr0.01 from epoch 28?", 10));
	char *before = last_target(run);
	g_assert_true(g_str_has_suffix(before, "epochs/030"));
	tmux_keys(t, "y");
	g_free(tmux_wait(t, "last now names epoch 28", 10));
	char *after = last_target(run);
	g_assert_cmpstr(after, ==, "epochs/028");
	g_free(tmux_wait(t, "/ last 28", 10));
	quit(t);
	g_free(before), g_free(after), g_free(run);
	tu_fixture_free(&f);
}

static void test_restart_refuses_an_incomplete_epoch(void)
{
	tu_fixture f;
	tu_fixture_init(&f);
	char *run = g_build_filename(f.exp, "corrupt-nt3", NULL);
	char *before = last_target(run);
	tmux_term *t = tmux_start(200, 50, NULL, (const char *const[]){f.exp, NULL});
	g_free(tmux_wait(t, "RUNS  7", 10));
	g_free(select_run(t, "corrupt-nt3"));
	/* 29 has no ckpt-info.json. */
	tmux_keys(t, "Tab", "k", "r");
	g_free(tmux_wait(t, "restart from epoch 29 refused (R forces)", 10));
	/* Forced, it asks, naming the refusal; n leaves last alone. */
	tmux_keys(t, "R");
	char *screen = tmux_wait(t, "Force a restart of corrupt-nt3 from epoch 29?", 10);
	g_assert_nonnull(strstr(screen, "Forced past the library's refusal"));
	g_free(screen);
	tmux_keys(t, "n");
	g_free(tmux_wait(t, "restart cancelled", 10));
	char *after = last_target(run);
	g_assert_cmpstr(after, ==, before);
	quit(t);
	g_free(before), g_free(after), g_free(run);
	tu_fixture_free(&f);
}

/* The epochs `ckpt clean --dry-run --json` plans to delete. */
static GArray *planned_deletes(const char *run, const char *mode)
{
	cJSON *plan =
	    ckpt_expect_json(0, "clean", run, "--mode", mode, "--keep", "5", "--dry-run", "--json");
	GArray *deletes = g_array_new(FALSE, FALSE, sizeof(long));
	cJSON *e;
	cJSON_ArrayForEach(e, get(plan, "plan"))
	{
		if (strcmp(get_string(e, "action"), "delete") == 0) {
			long epoch = (long)get_number(e, "epoch");
			g_array_append_val(deletes, epoch);
		}
	}
	cJSON_Delete(plan);
	return deletes;
}

static void test_confirmed_clean_deletes_the_plan(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "9", "--ckpt_keep_mode=all");
	GArray *deletes = planned_deletes(run, "linear");
	g_assert_cmpuint(deletes->len, ==, 4);
	tmux_term *t = tmux_start(80, 24, NULL, (const char *const[]){run, NULL});
	g_free(tmux_wait(t, "EPOCHS  run ", 10));
	tmux_keys(t, "c");
	g_free(tmux_wait(t, "mode all (the run's own)", 10));
	/* The run keeps everything; m makes it linear, with its limit 5. */
	tmux_keys(t, "m");
	char *screen = tmux_wait(t, "4 of 9 epochs to delete", 10);
	for (guint i = 0; i < deletes->len; i++) {
		char *line =
		    g_strdup_printf(" %ld  delete  beyond-limit", g_array_index(deletes, long, i));
		if (!strstr(screen, line))
			tu_fail("the plan lacks '%s':\n%s", line, screen);
		g_free(line);
	}
	g_free(screen);
	tmux_keys(t, "y");
	g_free(tmux_wait(t, "4 epochs deleted", 15));
	for (long epoch = 1; epoch <= 9; epoch++) {
		char name[16];
		snprintf(name, sizeof name, "%03ld", epoch);
		char *path = epoch_path(run, name, NULL);
		bool planned = false;
		for (guint i = 0; i < deletes->len; i++)
			planned = planned || g_array_index(deletes, long, i) == epoch;
		g_assert_cmpint(tu_exists(path), ==, !planned);
		g_free(path);
	}
	quit(t);
	g_array_free(deletes, TRUE);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_cancelled_clean_deletes_nothing(void)
{
	tu_fixture f;
	tu_fixture_init(&f);
	char *before = tu_snapshot_tree(f.exp);
	tmux_term *t = tmux_start(80, 24, NULL, (const char *const[]){f.exp, NULL});
	g_free(tmux_wait(t, "RUNS  7", 10));
	g_free(select_run(t, "legacy-p1b1"));
	/* The original records no limit: 5 is a guess, and the plan says so. */
	tmux_keys(t, "c");
	char *screen = tmux_wait(t, "7 of 12 epochs to delete", 10);
	g_assert_nonnull(strstr(screen, "a guess"));
	g_free(screen);
	tmux_keys(t, "n");
	g_free(tmux_wait(t, "clean cancelled: nothing deleted", 10));
	/* Esc cancels as well, after + changed the plan. */
	tmux_keys(t, "c");
	g_free(tmux_wait(t, "7 of 12 epochs to delete", 10));
	tmux_keys(t, "+");
	g_free(tmux_wait(t, "6 of 12 epochs to delete", 10));
	tmux_keys(t, "Escape");
	g_free(tmux_wait(t, "clean cancelled: nothing deleted", 10));
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	quit(t);
	g_free(before), g_free(after);
	tu_fixture_free(&f);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/ui/fixtures/best-and-last-marked-with-their-values",
			test_best_last_markers_and_values);
	g_test_add_func("/ui/fixtures/verify-flags-corrupt-nt3s-damaged-epochs",
			test_verify_flags_the_damage);
	g_test_add_func("/ui/fixtures/restart-then-y-moves-last-on-disk",
			test_restart_moves_last_on_disk);
	g_test_add_func("/ui/fixtures/restart-refuses-an-incomplete-epoch-unless-forced",
			test_restart_refuses_an_incomplete_epoch);
	g_test_add_func("/ui/clean/confirmed-deletes-exactly-the-planned-epochs",
			test_confirmed_clean_deletes_the_plan);
	g_test_add_func("/ui/clean/cancelled-deletes-nothing",
			test_cancelled_clean_deletes_nothing);
	return cli_test_run();
}
