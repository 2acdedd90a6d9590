/* test-window.c: the real window on the fixture runs: the runs listed and
 * filtered, the epochs table with its best and last markers, actions
 * enabled and refused as libckpt says, verify marking the damaged epochs of
 * corrupt-nt3, clean and restart changing the tree as planned, links fixed,
 * and runs changing on disk while the window watches. */
#include "window-fixture.h"

#include "ckpt-clean-dialog.h"

#include <string.h>

/* ---- the runs and the table ------------------------------------------------------ */

static void test_lists_runs(Fixture *f, gconstpointer data)
{
	(void)data;
	GListModel *shown = ckpt_sidebar_get_shown(ckpt_window_get_sidebar(f->window));
	static const char *names[] = {"corrupt-nt3", "legacy-p1b1", "long-1200", "nt3-lr0.001",
				      "nt3-lr0.01",  "resumed",     "tc1-acc"};
	g_assert_cmpuint(g_list_model_get_n_items(shown), ==, G_N_ELEMENTS(names));
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(CkptRunItem) item = g_list_model_get_item(shown, i);
		g_assert_cmpstr(ckpt_run_item_get_name(item), ==, names[i]);
		g_assert_true(ckpt_run_item_get_checked(item)); /* fewer than ten: all compared */
		g_assert_cmpint(ckpt_run_item_get_style_index(item), >=, 0);
	}
	/* The shortcuts window comes from the resource, for win.show-help-overlay. */
	g_assert_nonnull(
	    gtk_application_window_get_help_overlay(GTK_APPLICATION_WINDOW(f->window)));
	/* Every run came with relocated links (copied off a cluster). */
	CkptRunItem *nt3 = find_run(f, "nt3-lr0.01");
	g_assert_true(ckpt_run_health(ckpt_run_item_get_run(nt3)) & CKPT_HEALTH_RELOCATED);
}

static void test_filter_regex(Fixture *f, gconstpointer data)
{
	(void)data;
	CkptSidebar *sidebar = ckpt_window_get_sidebar(f->window);
	g_assert_true(ckpt_sidebar_set_filter(sidebar, "^nt3-", TRUE));
	g_assert_cmpuint(g_list_model_get_n_items(ckpt_sidebar_get_shown(sidebar)), ==, 2);
	g_assert_true(ckpt_sidebar_set_filter(sidebar, "LR0", FALSE));
	g_assert_cmpuint(g_list_model_get_n_items(ckpt_sidebar_get_shown(sidebar)), ==, 2);
	g_assert_false(ckpt_sidebar_set_filter(sidebar, "([", TRUE));
	g_assert_true(ckpt_sidebar_set_filter(sidebar, "", FALSE));
	g_assert_cmpuint(g_list_model_get_n_items(ckpt_sidebar_get_shown(sidebar)), ==, 7);
	ckpt_sidebar_set_sort(sidebar, CKPT_SORT_BEST);
	g_autoptr(CkptRunItem) first = g_list_model_get_item(ckpt_sidebar_get_shown(sidebar), 0);
	g_assert_cmpstr(ckpt_run_item_get_name(first), ==, "long-1200"); /* 0.132 */
}

static void test_epochs_table(Fixture *f, gconstpointer data)
{
	(void)data;
	ckpt_window_select(f->window, find_run(f, "nt3-lr0.01"), 0);
	GListModel *rows = ckpt_epochs_view_get_rows(ckpt_window_get_epochs_view(f->window));
	g_assert_cmpuint(g_list_model_get_n_items(rows), ==, 5);
	for (guint i = 0; i < 5; i++) {
		g_autoptr(CkptEpochItem) row = g_list_model_get_item(rows, i);
		gint64 epoch = ckpt_epoch_item_get_number(row);
		g_assert_cmpint(epoch, ==, 26 + i);
		g_assert_cmpint(ckpt_epoch_item_is_best(row), ==, epoch == 28);
		g_assert_cmpint(ckpt_epoch_item_is_last(row), ==, epoch == 30);
		g_assert_cmpstr(ckpt_epoch_item_get_check_text(row), ==, "not checked");
	}
	CkptEpochItem *best = row_of(f, 28);
	g_assert_cmpfloat_with_epsilon(ckpt_epoch_item_get_metric(best), 0.206222, 1e-9);
	CkptDetails *details = ckpt_window_get_details(f->window);
	g_assert_nonnull(strstr(ckpt_details_get_value(details, "Best"), "epoch 28"));
	/* The chart marks the same epochs. */
	CkptSnapshot *s = ckpt_run_item_get_snapshot(find_run(f, "nt3-lr0.01"));
	g_assert_cmpuint(s->series->n_markers, ==, 5);
	g_assert_true(chart_series_find_marker(s->series, 28)->flags & CHART_MARK_BEST);
	g_assert_true(chart_series_find_marker(s->series, 30)->flags & CHART_MARK_LAST);
	g_assert_false(chart_series_find_marker(s->series, 27)->flags &
		       (CHART_MARK_BEST | CHART_MARK_LAST | CHART_MARK_DAMAGED));
	ckpt_epochs_view_select_epoch(ckpt_window_get_epochs_view(f->window), 27);
	g_assert_cmpint(ckpt_window_get_selected_epoch(f->window), ==, 27);
	g_assert_cmpstr(ckpt_details_get_value(details, "metadata"), ==,
			"cluster=polaris job=1234567");
}

static void test_actions_enabled(Fixture *f, gconstpointer data)
{
	(void)data;
	ckpt_window_select(f->window, find_run(f, "nt3-lr0.01"), 0);
	ckpt_epochs_view_select_epoch(ckpt_window_get_epochs_view(f->window), 0);
	g_assert_true(ckpt_window_action_enabled(f->window, "verify"));
	g_assert_true(ckpt_window_action_enabled(f->window, "clean"));
	g_assert_true(ckpt_window_action_enabled(f->window, "relink"));
	g_assert_false(ckpt_window_action_enabled(f->window, "restart")); /* no epoch */
	g_assert_false(ckpt_window_action_enabled(f->window, "verify-epoch"));
	g_assert_false(ckpt_window_action_enabled(f->window, "cancel"));
	g_assert_true(ckpt_window_action_enabled(f->window, "export-png"));
	ckpt_window_select(f->window, find_run(f, "nt3-lr0.01"), 28);
	g_assert_true(ckpt_window_action_enabled(f->window, "restart"));
	g_assert_true(ckpt_window_action_enabled(f->window, "verify-epoch"));
	/* While an operation runs, the others wait. */
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.verify", NULL);
	g_assert_true(ckpt_window_get_busy(f->window));
	g_assert_false(ckpt_window_action_enabled(f->window, "clean"));
	g_assert_true(ckpt_window_action_enabled(f->window, "cancel"));
	finish_operation(f);
	g_assert_true(ckpt_window_action_enabled(f->window, "clean"));
}

/* ---- operations -------------------------------------------------------------------- */

static void test_restart_refused_for_incomplete(Fixture *f, gconstpointer data)
{
	(void)data;
	CkptRunItem *run = find_run(f, "corrupt-nt3");
	ckpt_window_select(f->window, run, 29); /* its ckpt-info.json was deleted */
	g_assert_cmpint(ckpt_window_get_selected_epoch(f->window), ==, 29);
	g_assert_true(ckpt_window_action_enabled(f->window, "restart"));
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.restart", NULL);
	g_assert_true(ui_wait(has_dialog, f->window, 10000));
	AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG(ckpt_window_get_dialog(f->window));
	g_assert_nonnull(strstr(adw_message_dialog_get_heading(dialog), "Not Safe"));
	g_assert_true(adw_message_dialog_has_response(dialog, "force"));
	g_assert_false(adw_message_dialog_has_response(dialog, "restart"));
	g_test_message("refusal: %s", adw_message_dialog_get_body(dialog));
	g_autofree char *last = g_build_filename(f->runs, "corrupt-nt3/ckpts/last", NULL);
	g_autofree char *before = g_file_read_link(last, NULL);
	respond(dialog, "cancel");
	ui_spin(100);
	g_autofree char *after = g_file_read_link(last, NULL);
	g_assert_cmpstr(before, ==, after); /* nothing changed */
	/* asked again, and forced: libckpt does it */
	g_assert_null(ckpt_window_get_dialog(f->window));
	g_assert_true(ckpt_window_action_enabled(f->window, "restart"));
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.restart", NULL);
	g_assert_true(ui_wait(has_dialog, f->window, 10000));
	dialog = ADW_MESSAGE_DIALOG(ckpt_window_get_dialog(f->window));
	g_assert_true(adw_message_dialog_has_response(dialog, "force"));
	respond(dialog, "force");
	finish_operation(f);
	g_autofree char *forced = g_file_read_link(last, NULL);
	g_assert_cmpstr(forced, ==, "epochs/029");
	g_assert_nonnull(strstr(ckpt_window_get_last_toast(f->window), "loads epoch 29"));
}

static void test_restart_rolls_back(Fixture *f, gconstpointer data)
{
	(void)data;
	ckpt_window_select(f->window, find_run(f, "nt3-lr0.01"), 27);
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.restart", NULL);
	g_assert_true(ui_wait(has_dialog, f->window, 10000));
	AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG(ckpt_window_get_dialog(f->window));
	g_assert_cmpstr(adw_message_dialog_get_heading(dialog), ==, "Restart from Epoch 27?");
	g_assert_nonnull(strstr(adw_message_dialog_get_body(dialog), "will load epoch 27"));
	g_assert_nonnull(strstr(adw_message_dialog_get_body(dialog), "epochs/027/model.h5"));
	respond(dialog, "restart");
	finish_operation(f);
	g_autofree char *last = g_build_filename(f->runs, "nt3-lr0.01/ckpts/last", NULL);
	g_autofree char *target = g_file_read_link(last, NULL);
	g_assert_cmpstr(target, ==, "epochs/027");
	g_assert_nonnull(strstr(ckpt_window_get_last_toast(f->window), "loads epoch 27"));
	g_assert_true(ckpt_epoch_item_is_last(row_of(f, 27)));
}

static void test_verify_marks_damaged(Fixture *f, gconstpointer data)
{
	(void)data;
	CkptRunItem *run = find_run(f, "corrupt-nt3");
	ckpt_window_select(f->window, run, 0);
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.verify", NULL);
	finish_operation(f);
	g_test_message("toast: %s", ckpt_window_get_last_toast(f->window));
	g_assert_nonnull(strstr(ckpt_window_get_last_toast(f->window), "failed verification"));
	g_assert_cmpstr(ckpt_epoch_item_get_check_text(row_of(f, 27)), ==, "MISMATCH");
	g_assert_cmpstr(ckpt_epoch_item_get_check_text(row_of(f, 28)), ==, "MISMATCH");
	g_assert_cmpstr(ckpt_epoch_item_get_check_text(row_of(f, 29)), ==, "NO INFO");
	g_assert_true(g_str_has_prefix(ckpt_epoch_item_get_check_text(row_of(f, 26)), "ok, "));
	g_assert_cmpstr(ckpt_epoch_item_get_check_style(row_of(f, 27)), ==, "error");
	const ChartSeries *s = ckpt_run_item_get_snapshot(run)->series;
	for (gint64 e = 26; e <= 30; e++) {
		gboolean damaged = e >= 27 && e <= 29;
		g_assert_cmpint(!!(chart_series_find_marker(s, e)->flags & CHART_MARK_DAMAGED), ==,
				damaged);
	}
	g_assert_true(ckpt_run_health(ckpt_run_item_get_run(run)) & CKPT_HEALTH_DAMAGED);
}

static void test_clean_deletes_as_planned(Fixture *f, gconstpointer data)
{
	(void)data;
	CkptRunItem *run = find_run(f, "legacy-p1b1"); /* 12 epochs, no recorded policy */
	ckpt_window_select(f->window, run, 0);
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.clean", NULL);
	g_assert_true(ui_wait(plan_ready, f->window, 10000));
	CkptCleanDialog *dialog = CKPT_CLEAN_DIALOG(ckpt_window_get_dialog(f->window));
	const ckpt_clean_plan *plan = ckpt_clean_dialog_get_plan(dialog);
	g_assert_true(ckpt_clean_plan_limit_is_guess(plan));
	g_assert_cmpuint(ckpt_clean_plan_count(plan), ==, 12);
	g_autoptr(GArray) goes = g_array_new(FALSE, FALSE, sizeof(gint64));
	for (size_t i = 0; i < ckpt_clean_plan_count(plan); i++)
		if (!ckpt_clean_plan_keeps(plan, i)) {
			gint64 e = ckpt_clean_plan_epoch(plan, i);
			g_array_append_val(goes, e);
		}
	g_assert_cmpuint(goes->len, ==, ckpt_clean_plan_delete_count(plan));
	g_assert_cmpuint(goes->len, >, 0);
	/* a smaller keep limit, then back: each a new plan from libckpt */
	ckpt_clean_dialog_set_policy(dialog, 2, CKPT_KEEP_LINEAR);
	g_assert_true(ui_wait(plan_ready, f->window, 10000));
	g_assert_cmpuint(ckpt_clean_plan_delete_count(ckpt_clean_dialog_get_plan(dialog)), >,
			 goes->len);
	g_assert_false(ckpt_clean_plan_limit_is_guess(ckpt_clean_dialog_get_plan(dialog)));
	ckpt_clean_dialog_set_policy(dialog, 0, CKPT_KEEP_RUNS_OWN);
	g_assert_true(ui_wait(plan_ready, f->window, 10000));
	plan = ckpt_clean_dialog_get_plan(dialog);
	g_assert_cmpuint(ckpt_clean_plan_delete_count(plan), ==, goes->len);
	ckpt_clean_dialog_apply(dialog);
	finish_operation(f);
	g_test_message("toast: %s", ckpt_window_get_last_toast(f->window));
	for (gint64 e = 1; e <= 12; e++) {
		g_autofree char *dir = g_strdup_printf("%s/legacy-p1b1/save/ckpts/epochs/%03lld",
						       f->runs, (long long)e);
		gboolean gone = FALSE;
		for (guint k = 0; k < goes->len; k++)
			gone |= g_array_index(goes, gint64, k) == e;
		g_assert_cmpint(g_file_test(dir, G_FILE_TEST_IS_DIR), ==, !gone);
	}
	gpointer args[] = {f->window, GUINT_TO_POINTER(12 - goes->len)};
	g_assert_true(ui_wait(rows_are, args, 5000));
}

static void test_relink_fixes_links(Fixture *f, gconstpointer data)
{
	(void)data;
	CkptRunItem *run = find_run(f, "nt3-lr0.001");
	ckpt_window_select(f->window, run, 0);
	g_assert_true(ckpt_window_action_enabled(f->window, "relink"));
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.relink", NULL);
	finish_operation(f);
	g_assert_nonnull(strstr(ckpt_window_get_last_toast(f->window), "fixed 2 links"));
	g_autofree char *best = g_build_filename(f->runs, "nt3-lr0.001/ckpts/best", NULL);
	g_autofree char *target = g_file_read_link(best, NULL);
	g_assert_cmpstr(target, ==, "epochs/030");
	g_assert_false(ckpt_run_health(ckpt_run_item_get_run(run)) & CKPT_HEALTH_RELOCATED);
	g_assert_false(ckpt_window_action_enabled(f->window, "relink"));
}

static void test_live_refresh(Fixture *f, gconstpointer data)
{
	(void)data;
	ckpt_window_select(f->window, find_run(f, "nt3-lr0.001"), 0);
	g_assert_cmpuint(g_list_model_get_n_items(
			     ckpt_epochs_view_get_rows(ckpt_window_get_epochs_view(f->window))),
			 ==, 5);
	/* Someone else removes an epoch: the window follows within a poll. */
	g_autofree char *dir = g_build_filename(f->runs, "nt3-lr0.001/ckpts/epochs/025", NULL);
	ui_remove_tree(dir);
	gpointer args[] = {f->window, GUINT_TO_POINTER(4)};
	g_assert_true(ui_wait(rows_are, args, 6000));
}

/* A trainer writing a run while the window looks: it appears, live, and
 * grows; when the writer lets go of its lock, it is no longer live. */
typedef struct {
	Fixture *f;
	guint points;
	gboolean live;
} LiveWait;

static int write_small(const char *path, void *payload)
{
	(void)payload;
	return g_file_set_contents(path, "model", 5, NULL) ? 0 : 1;
}

static gboolean run_state_is(gpointer data)
{
	LiveWait *w = data;
	GListModel *runs = ckpt_run_store_get_model(ckpt_window_get_store(w->f->window));
	for (guint i = 0; i < g_list_model_get_n_items(runs); i++) {
		g_autoptr(CkptRunItem) it = g_list_model_get_item(runs, i);
		if (!g_str_equal(ckpt_run_item_get_name(it), "being-trained"))
			continue;
		CkptSnapshot *s = ckpt_run_item_get_snapshot(it);
		return s->series->n == w->points && !!ckpt_run_live(s->run) == w->live;
	}
	return FALSE;
}

static void test_run_being_written(Fixture *f, gconstpointer data)
{
	(void)data;
	g_autofree char *root = g_build_filename(f->runs, "being-trained", "ckpts", NULL);
	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	ckpt_params_set(params, "epochs", "5");
	ckpt_params_set(params, "ckpt_directory", root);
	ckpt_params_set(params, "ckpt_fsync", "false");
	ckpt_writer *writer;
	g_assert_cmpint(ckpt_writer_new(&writer, params, 0), ==, 0);
	ckpt_params_free(params);
	ckpt_writer_set_model_io(writer, write_small, NULL, NULL);
	for (int e = 0; e < 3; e++)
		g_assert_cmpint(ckpt_writer_epoch(NULL, writer, e, '-', 1.0 / (e + 1), NULL, 0), ==,
				0);
	LiveWait w = {f, 3, TRUE};
	g_assert_true(ui_wait(run_state_is, &w, 8000)); /* found by the folder's monitor or poll */
	for (int e = 3; e < 5; e++)
		g_assert_cmpint(ckpt_writer_epoch(NULL, writer, e, '-', 1.0 / (e + 1), NULL, 0), ==,
				0);
	w.points = 5;
	g_assert_true(ui_wait(run_state_is, &w, 8000));
	ckpt_writer_free(writer);
	w.live = FALSE;
	g_assert_true(ui_wait(run_state_is, &w, 8000));
}

int main(int argc, char **argv)
{
	window_fixture_init(&argc, &argv);
	ADD("/ui/window/lists-runs", test_lists_runs);
	ADD("/ui/window/filter-and-sort", test_filter_regex);
	ADD("/ui/window/epochs-table-best-last", test_epochs_table);
	ADD("/ui/window/actions-enabled", test_actions_enabled);
	ADD("/ui/window/restart-refused-for-incomplete-epoch", test_restart_refused_for_incomplete);
	ADD("/ui/window/restart-rolls-back-last", test_restart_rolls_back);
	ADD("/ui/window/verify-marks-damaged-epochs", test_verify_marks_damaged);
	ADD("/ui/window/clean-deletes-as-planned", test_clean_deletes_as_planned);
	ADD("/ui/window/relink-fixes-links", test_relink_fixes_links);
	ADD("/ui/window/live-refresh", test_live_refresh);
	ADD("/ui/window/run-being-written", test_run_being_written);
	int rc = g_test_run();
	g_object_unref(app);
	return rc;
}
