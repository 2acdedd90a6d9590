/* test-chart-series.c: the chart's view of the fixture runs: sessions as
 * branches, the current line, markers for the epochs on disk (kept, best,
 * last, damaged), smoothing across a branch, and the CSV export. */
#include "chart-render.h"
#include "chart-series.h"
#include "ckpt-export.h"
#include "ckpt-snapshot.h"

#include <glib.h>
#include <math.h>
#include <string.h>

typedef struct {
	char *tmp;
	char *runs;
} Fixture;

static void set_up(Fixture *f, gconstpointer data)
{
	(void)data;
	const char *fixtures = g_getenv("CKPT_FIXTURES");
	g_autofree char *tarball = g_build_filename(fixtures ? fixtures : "/work/shared/fixtures",
						    "candle-runs.tar.gz", NULL);
	GError *error = NULL;
	f->tmp = g_dir_make_tmp("ckpt-series-XXXXXX", &error);
	g_assert_no_error(error);
	const char *argv[] = {"tar", "-xzf", tarball, "-C", f->tmp, NULL};
	int status;
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, &status, &error));
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	f->runs = g_build_filename(f->tmp, "exp-2026-03", NULL);
	g_autofree char *cache = g_build_filename(f->tmp, "cache", NULL);
	g_setenv("XDG_CACHE_HOME", cache, TRUE);
}

static void tear_down(Fixture *f, gconstpointer data)
{
	(void)data;
	const char *argv[] = {"rm", "-rf", f->tmp, NULL};
	g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
		     NULL);
	g_free(f->runs);
	g_free(f->tmp);
}

static CkptSnapshot *load(Fixture *f, const char *name)
{
	g_autofree char *path = g_build_filename(f->runs, name, NULL);
	ckpt_run *run = NULL;
	int rc = ckpt_run_open(&run, path);
	if (rc)
		g_error("%s: %s", path, ckpt_error_last());
	CkptSnapshot *s = ckpt_snapshot_load(run);
	ckpt_run_unref(run);
	g_assert_nonnull(s->history);
	return s;
}

static ptrdiff_t point_of(const ChartSeries *s, int session, int64_t epoch)
{
	for (size_t b = 0; b < s->n_branches; b++)
		if (s->branches[b].session == session)
			for (size_t i = s->branches[b].start; i < s->branches[b].end; i++)
				if (s->epoch[i] == epoch)
					return (ptrdiff_t)i;
	return -1;
}

static void test_resumed_branches(Fixture *f, gconstpointer data)
{
	(void)data;
	g_autoptr(CkptSnapshot) snap = load(f, "resumed");
	const ChartSeries *s = snap->series;
	g_assert_cmpuint(s->n_branches, ==, 2);
	const ChartBranch *first = &s->branches[0], *second = &s->branches[1];
	g_assert_cmpint(first->session, ==, 1);
	g_assert_cmpint(second->session, ==, 2);
	g_assert_cmpint(first->parent, ==, -1);
	/* `last` was re-linked to 8, so session 2 resumed from session 1's epoch 8 */
	g_assert_cmpint(second->parent, ==, point_of(s, 1, 8));
	g_assert_cmpint(s->epoch[second->start], ==, 9);
	/* session 1's epochs 9 and 10 were overwritten: off the current line */
	g_assert_true(s->live[point_of(s, 1, 8)]);
	g_assert_false(s->live[point_of(s, 1, 9)]);
	g_assert_false(s->live[point_of(s, 1, 10)]);
	g_assert_true(s->live[point_of(s, 2, 9)]);
	g_assert_cmpuint(first->live_end, ==, (size_t)point_of(s, 1, 8) + 1);
	g_assert_cmpuint(second->live_end, ==, second->end);
	/* epochs 7 and 8 of session 1 are still on disk; 17..20 of session 2 */
	g_assert_nonnull(chart_series_find_marker(s, 7));
	g_assert_cmpuint(s->markers[0].point, ==, (size_t)point_of(s, 1, 7));
	g_assert_nonnull(chart_series_find_marker(s, 20));
	g_assert_true(chart_series_find_marker(s, 20)->flags & CHART_MARK_BEST);
	g_assert_true(chart_series_find_marker(s, 20)->flags & CHART_MARK_LAST);
	g_assert_null(chart_series_find_marker(s, 10)); /* deleted: only the line */
	/* times parsed: relative time starts at 0 and grows along the run */
	g_assert_cmpfloat(s->x[CHART_X_RELATIVE][0], ==, 0);
	g_assert_cmpfloat(s->x[CHART_X_RELATIVE][s->n - 1], >, 0);
}

static void test_markers_best_last(Fixture *f, gconstpointer data)
{
	(void)data;
	g_autoptr(CkptSnapshot) snap = load(f, "nt3-lr0.01");
	const ChartSeries *s = snap->series;
	g_assert_cmpuint(s->n, ==, 30);
	g_assert_cmpuint(s->n_markers, ==, 5);
	for (size_t m = 0; m < s->n_markers; m++) {
		const ChartMarker *mk = &s->markers[m];
		g_assert_cmpint(mk->epoch, ==, 26 + (int64_t)m);
		g_assert_true(mk->flags & CHART_MARK_KEPT);
		g_assert_false(mk->flags & CHART_MARK_DAMAGED);
		g_assert_cmpint(!!(mk->flags & CHART_MARK_BEST), ==, mk->epoch == 28);
		g_assert_cmpint(!!(mk->flags & CHART_MARK_LAST), ==, mk->epoch == 30);
		g_assert_cmpfloat(s->y[mk->point], ==, s->y[mk->point]); /* has a value */
	}
	g_assert_cmpint(s->direction, ==, '-');
}

static void test_no_best_link(Fixture *f, gconstpointer data)
{
	(void)data;
	g_autoptr(CkptSnapshot) snap = load(f, "tc1-acc");
	const ChartSeries *s = snap->series;
	for (size_t m = 0; m < s->n_markers; m++)
		g_assert_false(s->markers[m].flags & CHART_MARK_BEST);
	g_assert_true(chart_series_find_marker(s, 15)->flags & CHART_MARK_LAST);
	g_assert_true(isnan(s->y[0])); /* skipped epochs have no value */
}

static int on_item(const ckpt_verify_item *item, void *payload)
{
	(void)item;
	(*(int *)payload)++;
	return 0;
}

static void test_damaged_after_verify(Fixture *f, gconstpointer data)
{
	(void)data;
	g_autoptr(CkptSnapshot) before = load(f, "corrupt-nt3");
	const ChartSeries *s = before->series;
	/* incomplete (no ckpt-info.json) is known without verifying */
	g_assert_true(chart_series_find_marker(s, 29)->flags & CHART_MARK_DAMAGED);
	g_assert_false(chart_series_find_marker(s, 27)->flags & CHART_MARK_DAMAGED);
	int items = 0;
	int rc = ckpt_verify(before->run, NULL, 0, 0, NULL, on_item, &items);
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpint(items, ==, 5);
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptSnapshot) after = ckpt_snapshot_refresh(before, &error);
	g_assert_no_error(error);
	g_assert_true(after != before); /* the verify records changed the snapshot */
	s = after->series;
	for (int64_t e = 26; e <= 30; e++)
		g_assert_cmpint(!!(chart_series_find_marker(s, e)->flags & CHART_MARK_DAMAGED), ==,
				e >= 27 && e <= 29);
	g_assert_cmpint(chart_series_find_marker(s, 27)->health, ==, CKPT_EPOCH_DAMAGED);
	/* nothing changed since: the same snapshot back */
	g_autoptr(CkptSnapshot) again = ckpt_snapshot_refresh(after, &error);
	g_assert_true(again == after);
}

static void test_smoothing_continues_branch(Fixture *f, gconstpointer data)
{
	(void)data;
	g_autoptr(CkptSnapshot) snap = load(f, "resumed");
	const ChartSeries *s = snap->series;
	g_autofree double *smooth = chart_series_smooth(s, 0.6);
	/* session 2 continues from the average at its parent, not from scratch */
	const ChartBranch *b = &s->branches[1];
	ChartEma state = CHART_EMA_INIT;
	g_autofree double *prefix = g_new(double, (size_t)b->parent + 1);
	chart_ema(prefix, s->y, (size_t)b->parent + 1, 0.6, &state);
	double expect;
	chart_ema(&expect, &s->y[b->start], 1, 0.6, &state);
	g_assert_cmpfloat_with_epsilon(smooth[b->start], expect, 1e-12);
	g_assert_cmpfloat_with_epsilon(smooth[b->parent], prefix[b->parent], 1e-12);
	g_autofree double *none = chart_series_smooth(s, 0.0);
	for (size_t i = 0; i < s->n; i++)
		g_assert_cmpfloat(none[i], ==, s->y[i]);
}

static void test_csv_export(Fixture *f, gconstpointer data)
{
	(void)data;
	g_autoptr(CkptSnapshot) a = load(f, "resumed");
	g_autoptr(CkptSnapshot) b = load(f, "tc1-acc");
	CkptExportRun runs[] = {{"resumed", a}, {"=tc1,acc", b}};
	g_autofree char *csv = ckpt_export_csv(runs, 2);
	g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
	g_assert_cmpstr(lines[0], ==,
			"run,session,epoch,time,metric,value,saved,became_best,on_disk,recovered");
	g_assert_cmpuint(g_strv_length(lines), ==, 1 + 22 + 15 + 1);
	g_assert_true(g_str_has_prefix(lines[1], "resumed,1,1,2026-03-02 09:00:05,val_loss,"));
	g_assert_true(g_str_has_prefix(lines[11], "resumed,2,9,"));
	/* a name that a spreadsheet would take for a formula, with a comma */
	g_assert_true(g_str_has_prefix(lines[23], "\"'=tc1,acc\",1,1,"));
	g_assert_nonnull(strstr(lines[23], ",val_accuracy,,0,0,0,0"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, set_up, fn, tear_down)
	ADD("/chart/series/resumed-run-branches-at-its-restart", test_resumed_branches);
	ADD("/chart/series/markers-on-disk-best-last", test_markers_best_last);
	ADD("/chart/series/plus-metric-without-best", test_no_best_link);
	ADD("/chart/series/damaged-after-verify", test_damaged_after_verify);
	ADD("/chart/series/smoothing-continues-a-branch", test_smoothing_continues_branch);
	ADD("/export/csv/rows-quoting", test_csv_export);
	return g_test_run();
}
