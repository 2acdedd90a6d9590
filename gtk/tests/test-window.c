/* test-window.c: the real window on the fixture runs: the runs listed, the
 * epochs table with its best and last markers, actions enabled and refused
 * as libckpt says, verify marking the damaged epochs of corrupt-nt3, clean
 * and restart changing the tree as planned, links fixed, live refresh, and
 * the window rendered to PNG (light and dark) with one colour per run. */
#include "ckpt-application.h"
#include "ckpt-clean-dialog.h"
#include "ui-support.h"

#include <glib/gstdio.h>
#include <unistd.h>

static CkptApplication *app;

typedef struct {
	char *tmp;
	char *runs;
	CkptWindow *window;
} Fixture;

static gboolean scanned(gpointer data)
{
	CkptWindow *w = data;
	CkptRunStore *store = ckpt_window_get_store(w);
	return !ckpt_run_store_get_scanning(store) &&
	       g_list_model_get_n_items(ckpt_run_store_get_model(store)) == 7 &&
	       ckpt_chart_get_n_runs(ckpt_window_get_chart(w)) == 7;
}

static void fixture_set_up(Fixture *f, gconstpointer data)
{
	(void)data;
	f->tmp = ui_unpack_fixtures();
	g_autofree char *cache = g_build_filename(f->tmp, "cache", NULL);
	g_setenv("XDG_CACHE_HOME", cache, TRUE);
	f->runs = g_build_filename(f->tmp, "exp-2026-03", NULL);
	f->window = ckpt_window_new(GTK_APPLICATION(app));
	gtk_window_set_default_size(GTK_WINDOW(f->window), 1280, 800);
	gtk_window_present(GTK_WINDOW(f->window));
	ui_spin(50);
	/* Client-side decorations take their share: make the window itself 1280x800. */
	int w = gtk_widget_get_width(GTK_WIDGET(f->window));
	int h = gtk_widget_get_height(GTK_WIDGET(f->window));
	if (w > 0 && h > 0 && (w != 1280 || h != 800))
		gtk_window_set_default_size(GTK_WINDOW(f->window), 2 * 1280 - w, 2 * 800 - h);
	ckpt_window_open(f->window, f->runs);
	g_assert_true(ui_wait(scanned, f->window, 10000));
	ui_spin(50);
}

static gboolean finalized(gpointer data)
{
	return ((Fixture *)data)->window == NULL;
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
	(void)data;
	GtkWindow *dialog = ckpt_window_get_dialog(f->window);
	if (dialog)
		gtk_window_destroy(dialog);
	/* Closing the window cancels its tasks; nothing may keep it alive after. */
	g_object_add_weak_pointer(G_OBJECT(f->window), (gpointer *)&f->window);
	gtk_window_destroy(GTK_WINDOW(f->window));
	g_assert_true(ui_wait(finalized, f, 5000));
	ui_remove_tree(f->tmp);
	g_free(f->runs);
	g_free(f->tmp);
}

static CkptRunItem *find_run(Fixture *f, const char *name)
{
	GListModel *runs = ckpt_run_store_get_model(ckpt_window_get_store(f->window));
	for (guint i = 0; i < g_list_model_get_n_items(runs); i++) {
		g_autoptr(CkptRunItem) item = g_list_model_get_item(runs, i);
		if (g_str_equal(ckpt_run_item_get_name(item), name))
			return item; /* the store keeps it */
	}
	g_assert_not_reached();
}

static CkptEpochItem *row_of(Fixture *f, gint64 epoch)
{
	GListModel *rows = ckpt_epochs_view_get_rows(ckpt_window_get_epochs_view(f->window));
	for (guint i = 0; i < g_list_model_get_n_items(rows); i++) {
		g_autoptr(CkptEpochItem) row = g_list_model_get_item(rows, i);
		if (ckpt_epoch_item_get_number(row) == epoch)
			return row;
	}
	return NULL;
}

static gboolean idle_window(gpointer data)
{
	return !ckpt_window_get_busy(CKPT_WINDOW(data));
}

static gboolean has_dialog(gpointer data)
{
	return ckpt_window_get_dialog(CKPT_WINDOW(data)) != NULL;
}

/* What a click on a response button does: the response, then the dialog
 * closes (adw_message_dialog_response alone does not close it). */
static void respond(AdwMessageDialog *dialog, const char *response)
{
	adw_message_dialog_response(dialog, response);
	gtk_window_close(GTK_WINDOW(dialog));
}

/* Waits for the operation and for the run's refresh after it. */
static void finish_operation(Fixture *f)
{
	g_assert_true(ui_wait(idle_window, f->window, 20000));
	ui_spin(400);
}

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
	g_assert_nonnull(gtk_application_window_get_help_overlay(GTK_APPLICATION_WINDOW(f->window)));
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

static gboolean rows_are(gpointer data)
{
	gpointer *args = data;
	CkptWindow *w = args[0];
	GListModel *rows = ckpt_epochs_view_get_rows(ckpt_window_get_epochs_view(w));
	return g_list_model_get_n_items(rows) == GPOINTER_TO_UINT(args[1]);
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

static gboolean plan_ready(gpointer data)
{
	CkptWindow *w = data;
	GtkWindow *dialog = ckpt_window_get_dialog(w);
	return dialog && ckpt_clean_dialog_get_plan(CKPT_CLEAN_DIALOG(dialog));
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
		g_assert_cmpint(ckpt_writer_epoch(NULL, writer, e, '-', 1.0 / (e + 1), NULL, 0), ==, 0);
	LiveWait w = {f, 3, TRUE};
	g_assert_true(ui_wait(run_state_is, &w, 8000)); /* found by the folder's monitor or poll */
	for (int e = 3; e < 5; e++)
		g_assert_cmpint(ckpt_writer_epoch(NULL, writer, e, '-', 1.0 / (e + 1), NULL, 0), ==, 0);
	w.points = 5;
	g_assert_true(ui_wait(run_state_is, &w, 8000));
	ckpt_writer_free(writer);
	w.live = FALSE;
	g_assert_true(ui_wait(run_state_is, &w, 8000));
}

/* ---- pictures ------------------------------------------------------------------------ */

static void check_picture(Fixture *f, gboolean dark, const char *name)
{
	AdwStyleManager *style = adw_style_manager_get_default();
	adw_style_manager_set_color_scheme(style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
						       : ADW_COLOR_SCHEME_FORCE_LIGHT);
	CkptRunItem *run = find_run(f, "corrupt-nt3");
	ckpt_window_select(f->window, run, 28);
	ui_spin(300);
	GtkWidget *chart = GTK_WIDGET(ckpt_window_get_chart(f->window));
	graphene_rect_t bounds;
	g_assert_true(gtk_widget_compute_bounds(chart, GTK_WIDGET(f->window), &bounds));
	g_autoptr(GdkTexture) texture = ui_render(GTK_WIDGET(f->window));
	g_autofree char *path = ui_save(texture, name);
	g_test_message("%s: %dx%d, chart at %.0f,%.0f %.0fx%.0f", path,
		       gdk_texture_get_width(texture), gdk_texture_get_height(texture),
		       bounds.origin.x, bounds.origin.y, bounds.size.width, bounds.size.height);
	g_assert_cmpfloat(bounds.size.width, >=, 600);
	g_assert_cmpfloat(bounds.size.height, >=, 250);
	g_assert_cmpuint(ui_count_colours(texture, &bounds), >, 50); /* not blank */
	guint colours = ui_count_palette_colours(texture, &bounds, dark, 20);
	g_assert_cmpuint(colours, >=, ckpt_chart_get_n_runs(ckpt_window_get_chart(f->window)));
	adw_style_manager_set_color_scheme(style, ADW_COLOR_SCHEME_DEFAULT);
}

static void test_picture_light(Fixture *f, gconstpointer data)
{
	(void)data;
	check_picture(f, FALSE, "window-light");
}

static void test_picture_dark(Fixture *f, gconstpointer data)
{
	(void)data;
	check_picture(f, TRUE, "window-dark");
}

static void save_window(GtkWindow *window, const char *name)
{
	g_autoptr(GdkTexture) texture = ui_render(GTK_WIDGET(window));
	g_autofree char *path = ui_save(texture, name);
	g_test_message("%s: %dx%d", path, gdk_texture_get_width(texture),
		       gdk_texture_get_height(texture));
	g_assert_cmpuint(ui_count_colours(texture, NULL), >, 20);
}

/* corrupt-nt3 verified, long-1200 left out so that the short runs fill the
 * plot, the pointer over epoch 27: damaged markers, branches, tooltip. */
static void test_picture_verified(Fixture *f, gconstpointer data)
{
	(void)data;
	AdwStyleManager *style = adw_style_manager_get_default();
	CkptRunItem *run = find_run(f, "corrupt-nt3");
	ckpt_window_select(f->window, run, 0);
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.verify", NULL);
	finish_operation(f);
	ckpt_run_item_set_checked(find_run(f, "long-1200"), FALSE);
	ckpt_window_select(f->window, run, 28);
	for (int dark = 0; dark <= 1; dark++) {
		adw_style_manager_set_color_scheme(style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
							       : ADW_COLOR_SCHEME_FORCE_LIGHT);
		ui_spin(300);
		CkptChart *chart = ckpt_window_get_chart(f->window);
		graphene_rect_t plot;
		g_assert_true(ckpt_chart_get_plot_area(chart, &plot));
		/* epoch 27 of 1..30, about a third down the plot */
		ckpt_chart_hover_at(chart, plot.origin.x + plot.size.width * (27.0 - 0.4) / 30.2,
				    plot.origin.y + plot.size.height * 0.8);
		ui_spin(100);
		save_window(GTK_WINDOW(f->window), dark ? "window-verified-dark" : "window-verified-light");
		ckpt_chart_hover_at(chart, -1, -1);
	}
	adw_style_manager_set_color_scheme(style, ADW_COLOR_SCHEME_DEFAULT);
}

/* Smoothed, by time since start, on a log scale. */
static void test_picture_smoothed(Fixture *f, gconstpointer data)
{
	(void)data;
	GtkWidget *w = GTK_WIDGET(f->window);
	ckpt_run_item_set_checked(find_run(f, "tc1-acc"), FALSE); /* another metric */
	ckpt_window_select(f->window, find_run(f, "resumed"), 0);
	gtk_widget_activate_action(w, "win.x-axis", "s", "relative");
	gtk_widget_activate_action(w, "win.log-scale", NULL);
	ckpt_chart_set_smoothing(ckpt_window_get_chart(f->window), 0.6);
	ui_spin(300);
	g_assert_cmpint(ckpt_chart_get_x_mode(ckpt_window_get_chart(f->window)), ==,
			CHART_X_RELATIVE);
	save_window(GTK_WINDOW(f->window), "window-smoothed-light");
}

static void test_picture_dialogs(Fixture *f, gconstpointer data)
{
	(void)data;
	ckpt_window_select(f->window, find_run(f, "corrupt-nt3"), 0);
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.clean", NULL);
	g_assert_true(ui_wait(plan_ready, f->window, 10000));
	ui_spin(200);
	save_window(ckpt_window_get_dialog(f->window), "dialog-clean");
	gtk_window_destroy(ckpt_window_get_dialog(f->window));
	ckpt_window_select(f->window, find_run(f, "corrupt-nt3"), 29);
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.restart", NULL);
	g_assert_true(ui_wait(has_dialog, f->window, 10000));
	ui_spin(200);
	save_window(ckpt_window_get_dialog(f->window), "dialog-restart-refused");
	gtk_window_destroy(ckpt_window_get_dialog(f->window));
	GtkShortcutsWindow *help =
	    gtk_application_window_get_help_overlay(GTK_APPLICATION_WINDOW(f->window));
	gtk_window_present(GTK_WINDOW(help));
	ui_spin(300);
	save_window(GTK_WINDOW(help), "dialog-shortcuts");
	gtk_widget_set_visible(GTK_WIDGET(help), FALSE);
}

static void test_chart_export(Fixture *f, gconstpointer data)
{
	(void)data;
	CkptChart *chart = ckpt_window_get_chart(f->window);
	g_autofree char *png = g_build_filename(f->tmp, "chart.png", NULL);
	g_autofree char *svg = g_build_filename(f->tmp, "chart.svg", NULL);
	g_autoptr(GError) error = NULL;
	g_assert_true(ckpt_chart_export(chart, png, CKPT_CHART_PNG, 1280, 500, &error));
	g_assert_no_error(error);
	g_assert_true(ckpt_chart_export(chart, svg, CKPT_CHART_SVG, 1280, 500, &error));
	g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename(png, &error);
	g_assert_no_error(error);
	g_assert_cmpint(gdk_texture_get_width(texture), ==, 1280);
	g_assert_cmpuint(ui_count_palette_colours(texture, NULL, FALSE, 20), >=, 7);
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(svg, &text, NULL, NULL));
	g_assert_nonnull(strstr(text, "<svg"));
}

static void test_open_in_running_instance(Fixture *f, gconstpointer data)
{
	(void)data;
	/* A second launch's paths arrive through GApplication::open. */
	g_autofree char *other = g_build_filename(f->tmp, "more", NULL);
	g_assert_cmpint(g_mkdir(other, 0755), ==, 0);
	g_autofree char *from = g_build_filename(f->runs, "tc1-acc", NULL);
	g_autofree char *to = g_build_filename(other, "tc1-copy", NULL);
	const char *argv[] = {"cp", "-a", from, to, NULL};
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
				   NULL, NULL, NULL, NULL));
	gtk_window_present(GTK_WINDOW(f->window));
	g_autoptr(GFile) file = g_file_new_for_path(other);
	g_application_open(G_APPLICATION(app), &file, 1, "");
	GListModel *runs = ckpt_run_store_get_model(ckpt_window_get_store(f->window));
	for (int i = 0; i < 500 && g_list_model_get_n_items(runs) < 8; i++)
		ui_spin(10);
	g_assert_cmpuint(g_list_model_get_n_items(runs), ==, 8);
	g_assert_cmpuint(ckpt_run_store_get_n_folders(ckpt_window_get_store(f->window)), ==, 2);
}

static gboolean n_runs_are(gpointer data)
{
	gpointer *args = data;
	CkptRunStore *store = ckpt_window_get_store(args[0]);
	return !ckpt_run_store_get_scanning(store) &&
	       g_list_model_get_n_items(ckpt_run_store_get_model(store)) == GPOINTER_TO_UINT(args[1]);
}

/* ---- the chart answers clicks, zooms and resets --------------------------------------- */

static void test_chart_clicks_and_zoom(Fixture *f, gconstpointer data)
{
	(void)data;
	ckpt_run_item_set_checked(find_run(f, "long-1200"), FALSE); /* the short runs fill the plot */
	ckpt_window_select(f->window, find_run(f, "tc1-acc"), 0);
	ui_spin(200);
	CkptChart *chart = ckpt_window_get_chart(f->window);
	CkptRunItem *run = find_run(f, "nt3-lr0.001");
	double x, y;
	/* a marker: epoch 27 is on disk */
	g_assert_true(ckpt_chart_locate(chart, run, 27, &x, &y));
	ckpt_chart_activate_at(chart, x + 2, y - 1);
	g_assert_true(ckpt_window_get_selected_run(f->window) == run);
	g_assert_cmpint(ckpt_window_get_selected_epoch(f->window), ==, 27);
	/* the line: epoch 2 was deleted long ago, only the line is there */
	ckpt_window_select(f->window, find_run(f, "tc1-acc"), 0);
	ui_spin(100);
	g_assert_true(ckpt_chart_locate(chart, run, 2, &x, &y));
	ckpt_chart_activate_at(chart, x, y + 1);
	g_assert_true(ckpt_window_get_selected_run(f->window) == run);
	g_assert_cmpint(ckpt_window_get_selected_epoch(f->window), ==, 0);
	/* zoom in, then reset (also a double click) */
	g_assert_false(ckpt_window_action_enabled(f->window, "reset-zoom"));
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.zoom-in", NULL);
	g_assert_true(ckpt_chart_get_zoomed(chart));
	g_assert_true(ckpt_window_action_enabled(f->window, "reset-zoom"));
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.reset-zoom", NULL);
	g_assert_false(ckpt_chart_get_zoomed(chart));
	/* a change of x axis starts from the whole range again */
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.zoom-in", NULL);
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.x-axis", "s", "wall");
	g_assert_cmpint(ckpt_chart_get_x_mode(chart), ==, CHART_X_WALL);
	g_assert_false(ckpt_chart_get_zoomed(chart));
}

/* ---- names that would take over a terminal, or reverse a line ---------------------------- */

static void test_names_escaped(Fixture *f, gconstpointer data)
{
	(void)data;
	g_autofree char *dir = g_build_filename(f->tmp, "odd", NULL);
	g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
	g_autofree char *from = g_build_filename(f->runs, "tc1-acc", NULL);
	g_autofree char *to = g_build_filename(dir, "run\x1b[31m\u202egnp.exe", NULL);
	/* an ESC sequence and a right-to-left override, for real */
	const char *argv[] = {"cp", "-a", from, to, NULL};
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
				   NULL, NULL, NULL, NULL));
	ckpt_window_open(f->window, dir);
	gpointer args[] = {f->window, GUINT_TO_POINTER(8)};
	g_assert_true(ui_wait(n_runs_are, args, 10000));
	GListModel *runs = ckpt_run_store_get_model(ckpt_window_get_store(f->window));
	gboolean found = FALSE;
	for (guint i = 0; i < g_list_model_get_n_items(runs); i++) {
		g_autoptr(CkptRunItem) item = g_list_model_get_item(runs, i);
		const char *name = ckpt_run_item_get_name(item);
		g_assert_null(strchr(name, '\x1b'));
		g_assert_null(strstr(name, "\u202e"));
		if (g_str_has_prefix(name, "run\\x1b[31m\\u202e")) {
			found = TRUE;
			ckpt_window_select(f->window, item, 0);
			const char *folder = ckpt_details_get_value(ckpt_window_get_details(f->window), "Folder");
			g_assert_nonnull(strstr(folder, "\\x1b"));
		}
	}
	g_assert_true(found);
}

/* ---- folders that are not there, twice, or empty ------------------------------------------ */

static gboolean scanned_none(gpointer data)
{
	const char *toast = ckpt_window_get_last_toast(CKPT_WINDOW(data));
	return toast && g_str_has_prefix(toast, "No runs found");
}

static gboolean has_toast(gpointer data)
{
	return ckpt_window_get_last_toast(CKPT_WINDOW(data)) != NULL;
}

static void test_bad_and_repeated_folders(Fixture *f, gconstpointer data)
{
	(void)data;
	CkptRunStore *store = ckpt_window_get_store(f->window);
	ckpt_window_open(f->window, f->runs); /* again: no duplicates, a refresh */
	ui_spin(600);
	g_assert_cmpuint(g_list_model_get_n_items(ckpt_run_store_get_model(store)), ==, 7);
	g_assert_cmpuint(ckpt_run_store_get_n_folders(store), ==, 1);

	CkptWindow *w = ckpt_window_new(GTK_APPLICATION(app));
	gtk_window_present(GTK_WINDOW(w));
	ui_spin(100);
	GtkStack *stack =
	    GTK_STACK(gtk_widget_get_ancestor(GTK_WIDGET(ckpt_window_get_chart(w)), GTK_TYPE_STACK));
	g_assert_cmpstr(gtk_stack_get_visible_child_name(stack), ==, "empty");
	g_autoptr(GdkTexture) empty = ui_render(GTK_WIDGET(w));
	g_autofree char *path = ui_save(empty, "window-empty");
	g_test_message("%s", path);
	g_autofree char *missing = g_build_filename(f->tmp, "not-there", NULL);
	ckpt_window_open(w, missing);
	g_assert_true(ui_wait(has_toast, w, 10000));
	g_test_message("toast: %s", ckpt_window_get_last_toast(w));
	g_assert_true(g_str_has_prefix(ckpt_window_get_last_toast(w), "Could not read"));
	g_assert_cmpuint(ckpt_run_store_get_n_folders(ckpt_window_get_store(w)), ==, 0);
	g_assert_cmpstr(gtk_stack_get_visible_child_name(stack), ==, "empty");
	g_autofree char *nothing = g_build_filename(f->tmp, "cache", NULL);
	g_mkdir_with_parents(nothing, 0755);
	ckpt_window_open(w, nothing);
	g_assert_true(ui_wait(has_toast, w, 10000) && ckpt_window_get_last_toast(w) &&
		      ui_wait(scanned_none, w, 10000));
	gtk_window_destroy(GTK_WINDOW(w));
	ui_spin(50);
}

/* ---- more runs than are compared at first ------------------------------------------ */

static void test_first_ten_compared(Fixture *f, gconstpointer data)
{
	(void)data;
	g_autofree char *many = g_build_filename(f->tmp, "many", NULL);
	g_assert_cmpint(g_mkdir(many, 0755), ==, 0);
	g_autofree char *from = g_build_filename(f->runs, "nt3-lr0.01", NULL);
	for (int i = 11; i >= 0; i--) { /* made in reverse: the scan's order is not the names' */
		g_autofree char *to = g_strdup_printf("%s/run-%02d", many, i);
		const char *argv[] = {"cp", "-a", from, to, NULL};
		g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
					   NULL, NULL, NULL, NULL));
	}
	CkptWindow *w = ckpt_window_new(GTK_APPLICATION(app));
	gtk_window_present(GTK_WINDOW(w));
	ckpt_window_open(w, many);
	gpointer args[] = {w, GUINT_TO_POINTER(12)};
	g_assert_true(ui_wait(n_runs_are, args, 10000));
	ui_spin(100);
	GListModel *shown = ckpt_sidebar_get_shown(ckpt_window_get_sidebar(w));
	for (guint i = 0; i < 12; i++) {
		g_autoptr(CkptRunItem) item = g_list_model_get_item(shown, i);
		g_autofree char *name = g_strdup_printf("run-%02u", i);
		g_assert_cmpstr(ckpt_run_item_get_name(item), ==, name);
		g_assert_cmpint(ckpt_run_item_get_checked(item), ==, i < 10);
	}
	g_assert_cmpuint(ckpt_chart_get_n_runs(ckpt_window_get_chart(w)), ==, 10);
	gtk_widget_activate_action(GTK_WIDGET(w), "win.check-none", NULL);
	ui_spin(50);
	g_assert_cmpuint(ckpt_chart_get_n_runs(ckpt_window_get_chart(w)), ==, 0);
	gtk_window_destroy(GTK_WINDOW(w));
	ui_spin(50);
}

/* ---- a big model: the window stays responsive, and Cancel stops ------------------------ */

#define BIG_MODEL (48u << 20)

static int write_big(const char *path, void *payload)
{
	(void)payload;
	FILE *file = fopen(path, "wb");
	if (!file)
		return 1;
	static char block[1 << 20];
	for (size_t i = 0; i < sizeof block; i++)
		block[i] = (char)(i * 7);
	for (unsigned m = 0; m < BIG_MODEL >> 20; m++)
		fwrite(block, 1, sizeof block, file);
	return fclose(file) != 0;
}

static char *write_big_run(Fixture *f)
{
	char *root = g_build_filename(f->tmp, "big", "ckpts", NULL);
	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	ckpt_params_set(params, "epochs", "3");
	ckpt_params_set(params, "ckpt_directory", root);
	ckpt_params_set(params, "ckpt_fsync", "false");
	ckpt_params_set(params, "ckpt_checksum", "true");
	ckpt_writer *writer;
	g_assert_cmpint(ckpt_writer_new(&writer, params, 0), ==, 0);
	ckpt_params_free(params);
	ckpt_writer_set_model_io(writer, write_big, NULL, NULL);
	for (int e = 0; e < 3; e++)
		g_assert_cmpint(ckpt_writer_epoch(NULL, writer, e, '-', 1.0 / (e + 1), NULL, 0), ==, 0);
	ckpt_writer_free(writer);
	g_free(root);
	return g_build_filename(f->tmp, "big", NULL);
}

typedef struct {
	gint64 last, worst;
} Ticks;

static gboolean tick(gpointer data)
{
	Ticks *t = data;
	gint64 now = g_get_monotonic_time();
	if (t->last && now - t->last > t->worst)
		t->worst = now - t->last;
	t->last = now;
	return G_SOURCE_CONTINUE;
}

static void test_big_verify_responsive_and_cancel(Fixture *f, gconstpointer data)
{
	(void)data;
	g_autofree char *big = write_big_run(f);
	ckpt_window_open(f->window, big);
	gpointer args[] = {f->window, GUINT_TO_POINTER(8)};
	g_assert_true(ui_wait(n_runs_are, args, 10000));
	CkptRunItem *run = find_run(f, "big");
	ckpt_window_select(f->window, run, 0);
	/* The main loop keeps turning while the models are hashed. */
	Ticks ticks = {0, 0};
	guint source = g_timeout_add(5, tick, &ticks);
	gint64 start = g_get_monotonic_time();
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.verify", NULL);
	g_assert_true(ui_wait(idle_window, f->window, 60000));
	g_source_remove(source);
	g_test_message("verified %u MiB in %.0f ms; longest main-loop gap %.1f ms",
		       3 * (BIG_MODEL >> 20), (g_get_monotonic_time() - start) / 1e3,
		       ticks.worst / 1e3);
	g_assert_cmpint(ticks.worst, <, 250000);
	g_assert_nonnull(strstr(ckpt_window_get_last_toast(f->window), "3 epochs verified"));
	/* Cancel at once: libckpt stops at its next look at the flag. */
	ui_spin(300);
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.verify", NULL);
	g_assert_true(ckpt_window_action_enabled(f->window, "cancel"));
	gtk_widget_activate_action(GTK_WIDGET(f->window), "win.cancel", NULL);
	g_assert_true(ui_wait(idle_window, f->window, 60000));
	g_test_message("toast: %s", ckpt_window_get_last_toast(f->window));
	g_assert_nonnull(strstr(ckpt_window_get_last_toast(f->window), "cancelled"));
}

int main(int argc, char **argv)
{
	gtk_test_init(&argc, &argv, NULL);
	adw_init();
	app = ckpt_application_new(G_APPLICATION_NON_UNIQUE);
	g_assert_true(g_application_register(G_APPLICATION(app), NULL, NULL));
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
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
	ADD("/ui/window/picture-light", test_picture_light);
	ADD("/ui/window/picture-dark", test_picture_dark);
	ADD("/ui/window/picture-verified", test_picture_verified);
	ADD("/ui/window/picture-smoothed", test_picture_smoothed);
	ADD("/ui/window/picture-dialogs", test_picture_dialogs);
	ADD("/ui/window/chart-export-png-svg", test_chart_export);
	ADD("/ui/app/open-in-running-instance", test_open_in_running_instance);
	ADD("/ui/window/first-ten-compared", test_first_ten_compared);
	ADD("/ui/window/chart-clicks-and-zoom", test_chart_clicks_and_zoom);
	ADD("/ui/window/bad-and-repeated-folders", test_bad_and_repeated_folders);
	ADD("/ui/window/names-from-the-tree-escaped", test_names_escaped);
	ADD("/ui/window/big-verify-responsive-and-cancelled", test_big_verify_responsive_and_cancel);
	int rc = g_test_run();
	g_object_unref(app);
	return rc;
}
