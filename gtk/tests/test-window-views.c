/* test-window-views.c: the window as seen: rendered to PNG in light and
 * dark with one palette colour per compared run, verified and smoothed
 * views, the dialogs and the shortcuts; the chart's clicks, zoom and export;
 * names from the tree escaped; missing, empty, repeated and crowded
 * folders; a big verify with the main loop turning, and Cancel. */
#include "window-fixture.h"

#include "ckpt-clean-dialog.h"

#include <glib/gstdio.h>
#include <string.h>

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
		save_window(GTK_WINDOW(f->window),
			    dark ? "window-verified-dark" : "window-verified-light");
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
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, NULL, NULL));
	gtk_window_present(GTK_WINDOW(f->window));
	g_autoptr(GFile) file = g_file_new_for_path(other);
	g_application_open(G_APPLICATION(app), &file, 1, "");
	GListModel *runs = ckpt_run_store_get_model(ckpt_window_get_store(f->window));
	for (int i = 0; i < 500 && g_list_model_get_n_items(runs) < 8; i++)
		ui_spin(10);
	g_assert_cmpuint(g_list_model_get_n_items(runs), ==, 8);
	g_assert_cmpuint(ckpt_run_store_get_n_folders(ckpt_window_get_store(f->window)), ==, 2);
}

/* ---- the chart answers clicks, zooms and resets --------------------------------------- */

static void test_chart_clicks_and_zoom(Fixture *f, gconstpointer data)
{
	(void)data;
	ckpt_run_item_set_checked(find_run(f, "long-1200"),
				  FALSE); /* the short runs fill the plot */
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
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, NULL, NULL));
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
			const char *folder =
			    ckpt_details_get_value(ckpt_window_get_details(f->window), "Folder");
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
	GtkStack *stack = GTK_STACK(
	    gtk_widget_get_ancestor(GTK_WIDGET(ckpt_window_get_chart(w)), GTK_TYPE_STACK));
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

static gboolean ten_charted(gpointer data)
{
	return ckpt_chart_get_n_runs(ckpt_window_get_chart(CKPT_WINDOW(data))) == 10;
}

static void test_first_ten_compared(Fixture *f, gconstpointer data)
{
	(void)data;
	g_autofree char *many = g_build_filename(f->tmp, "many", NULL);
	g_assert_cmpint(g_mkdir(many, 0755), ==, 0);
	g_autofree char *from = g_build_filename(f->runs, "nt3-lr0.01", NULL);
	for (int i = 11; i >= 0; i--) { /* made in reverse: the scan's order is not the names' */
		g_autofree char *to = g_strdup_printf("%s/run-%02d", many, i);
		const char *argv[] = {"cp", "-a", from, to, NULL};
		g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
					   NULL, NULL, NULL, NULL, NULL));
	}
	CkptWindow *w = ckpt_window_new(GTK_APPLICATION(app));
	gtk_window_present(GTK_WINDOW(w));
	ckpt_window_open(w, many);
	gpointer args[] = {w, GUINT_TO_POINTER(12)};
	g_assert_true(ui_wait(n_runs_are, args, 10000));
	g_assert_true(ui_wait(ten_charted, w, 5000));
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
		g_assert_cmpint(ckpt_writer_epoch(NULL, writer, e, '-', 1.0 / (e + 1), NULL, 0), ==,
				0);
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
	window_fixture_init(&argc, &argv);
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
	ADD("/ui/window/big-verify-responsive-and-cancelled",
	    test_big_verify_responsive_and_cancel);
	int rc = g_test_run();
	g_object_unref(app);
	return rc;
}
