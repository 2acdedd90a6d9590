/* window-fixture.c: what the window's UI tests share (see window-fixture.h). */
#include "window-fixture.h"

#include "ckpt-clean-dialog.h"

#include <string.h>

CkptApplication *app;

gboolean scanned(gpointer data)
{
	CkptWindow *w = data;
	CkptRunStore *store = ckpt_window_get_store(w);
	return !ckpt_run_store_get_scanning(store) &&
	       g_list_model_get_n_items(ckpt_run_store_get_model(store)) == 7 &&
	       ckpt_chart_get_n_runs(ckpt_window_get_chart(w)) == 7;
}

void fixture_set_up(Fixture *f, gconstpointer data)
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

gboolean finalized(gpointer data)
{
	return ((Fixture *)data)->window == NULL;
}

void fixture_tear_down(Fixture *f, gconstpointer data)
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

CkptRunItem *find_run(Fixture *f, const char *name)
{
	GListModel *runs = ckpt_run_store_get_model(ckpt_window_get_store(f->window));
	for (guint i = 0; i < g_list_model_get_n_items(runs); i++) {
		g_autoptr(CkptRunItem) item = g_list_model_get_item(runs, i);
		if (g_str_equal(ckpt_run_item_get_name(item), name))
			return item; /* the store keeps it */
	}
	g_assert_not_reached();
}

CkptEpochItem *row_of(Fixture *f, gint64 epoch)
{
	GListModel *rows = ckpt_epochs_view_get_rows(ckpt_window_get_epochs_view(f->window));
	for (guint i = 0; i < g_list_model_get_n_items(rows); i++) {
		g_autoptr(CkptEpochItem) row = g_list_model_get_item(rows, i);
		if (ckpt_epoch_item_get_number(row) == epoch)
			return row;
	}
	return NULL;
}

gboolean idle_window(gpointer data)
{
	return !ckpt_window_get_busy(CKPT_WINDOW(data));
}

gboolean has_dialog(gpointer data)
{
	return ckpt_window_get_dialog(CKPT_WINDOW(data)) != NULL;
}

/* What a click on a response button does: the response, then the dialog
 * closes (adw_message_dialog_response alone does not close it). */
void respond(AdwMessageDialog *dialog, const char *response)
{
	adw_message_dialog_response(dialog, response);
	gtk_window_close(GTK_WINDOW(dialog));
}

/* Waits for the operation and for the run's refresh after it. */
void finish_operation(Fixture *f)
{
	g_assert_true(ui_wait(idle_window, f->window, 20000));
	ui_spin(400);
}

gboolean rows_are(gpointer data)
{
	gpointer *args = data;
	CkptWindow *w = args[0];
	GListModel *rows = ckpt_epochs_view_get_rows(ckpt_window_get_epochs_view(w));
	return g_list_model_get_n_items(rows) == GPOINTER_TO_UINT(args[1]);
}

gboolean plan_ready(gpointer data)
{
	CkptWindow *w = data;
	GtkWindow *dialog = ckpt_window_get_dialog(w);
	return dialog && ckpt_clean_dialog_get_plan(CKPT_CLEAN_DIALOG(dialog));
}

gboolean n_runs_are(gpointer data)
{
	gpointer *args = data;
	CkptRunStore *store = ckpt_window_get_store(args[0]);
	return !ckpt_run_store_get_scanning(store) &&
	       g_list_model_get_n_items(ckpt_run_store_get_model(store)) ==
		   GPOINTER_TO_UINT(args[1]);
}

gboolean has_toast(gpointer data)
{
	return ckpt_window_get_last_toast(CKPT_WINDOW(data)) != NULL;
}

void save_window(GtkWindow *window, const char *name)
{
	g_autoptr(GdkTexture) texture = ui_render(GTK_WIDGET(window));
	g_autofree char *path = ui_save(texture, name);
	g_test_message("%s: %dx%d", path, gdk_texture_get_width(texture),
		       gdk_texture_get_height(texture));
	g_assert_cmpuint(ui_count_colours(texture, NULL), >, 20);
}

void window_fixture_init(int *argc, char ***argv)
{
	gtk_test_init(argc, argv, NULL);
	adw_init();
	app = ckpt_application_new(G_APPLICATION_NON_UNIQUE);
	g_assert_true(g_application_register(G_APPLICATION(app), NULL, NULL));
}
