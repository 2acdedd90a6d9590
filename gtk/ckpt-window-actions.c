/* ckpt-window-actions.c: the window's operations on the selected run, each
 * a GAction on a GTask thread with progress and a Cancel button: verify,
 * clean (through the plan dialog), restart from an epoch (a dry run first,
 * then a confirmation saying what a restart will load, or libckpt's reason
 * for refusing), fix links; and exporting the chart and the history. */
#define G_LOG_DOMAIN "ckpt-window"

#include "ckpt-window-private.h"

#include "ckpt-clean-dialog.h"
#include "ckpt-export.h"
#include "ckpt-format.h"

#include <math.h>

/* ---- the operation under way --------------------------------------------------- */

static gboolean op_tick(gpointer data)
{
	CkptWindow *self = data;
	gint64 epoch = 0;
	guint64 done = 0, total = 0;
	double fraction = ckpt_progress_get(self->op_progress, &epoch, &done, &total);
	if (fraction < 0)
		gtk_progress_bar_pulse(self->progress_bar);
	else
		gtk_progress_bar_set_fraction(self->progress_bar, fraction);
	g_autofree char *text = NULL;
	if (epoch > 0 && total > 0)
		text = g_strdup_printf("%s: epoch %lld (%llu of %llu)", self->op_text,
				       (long long)epoch, (unsigned long long)MIN(done + 1, total),
				       (unsigned long long)total);
	else
		text = g_strdup_printf("%s…", self->op_text);
	gtk_label_set_text(self->progress_label, text);
	return G_SOURCE_CONTINUE;
}

static void op_begin(CkptWindow *self, CkptRunItem *item, const char *verb)
{
	self->busy = TRUE;
	g_set_object(&self->op_item, item);
	g_free(self->op_text);
	self->op_text = g_strdup_printf("%s %s", verb, item ? ckpt_run_item_get_name(item) : "");
	g_clear_object(&self->op_cancellable);
	self->op_cancellable = g_cancellable_new();
	g_clear_pointer(&self->op_progress, ckpt_progress_unref);
	self->op_progress = ckpt_progress_new();
	gtk_progress_bar_set_fraction(self->progress_bar, 0);
	op_tick(self);
	gtk_revealer_set_reveal_child(self->progress_revealer, TRUE);
	self->op_timer = g_timeout_add(100, op_tick, self);
	ckpt_window_update_actions(self);
}

/* Ends the operation and re-reads the run it changed. */
static void op_end(CkptWindow *self)
{
	self->busy = FALSE;
	g_clear_handle_id(&self->op_timer, g_source_remove);
	g_clear_handle_id(&self->verify_refresh_source, g_source_remove);
	gtk_revealer_set_reveal_child(self->progress_revealer, FALSE);
	if (self->op_item)
		ckpt_run_store_refresh_item(self->store, self->op_item);
	ckpt_window_update_actions(self);
}

/* The window is closing: its operations' results go nowhere. */
static gboolean closing(CkptWindow *self)
{
	return g_cancellable_is_cancelled(self->cancellable);
}

static const char *op_name(CkptWindow *self)
{
	return self->op_item ? ckpt_run_item_get_name(self->op_item) : "the run";
}

static void cancel_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)name, (void)param;
	CkptWindow *self = CKPT_WINDOW(widget);
	if (self->op_cancellable)
		g_cancellable_cancel(self->op_cancellable);
}

/* ---- verify ---------------------------------------------------------------------- */

static gboolean verify_refresh(gpointer data)
{
	CkptWindow *self = data;
	self->verify_refresh_source = 0;
	if (self->op_item)
		ckpt_run_store_refresh_item(self->store, self->op_item);
	return G_SOURCE_REMOVE;
}

/* An epoch's result arrived: re-read the run (libckpt's records now say it)
 * so that the table and the markers show it, at most five times a second. */
static void on_verify_item(GObject *owner, gint64 epoch, ckpt_verify_result result)
{
	(void)epoch, (void)result;
	CkptWindow *self = CKPT_WINDOW(owner);
	if (closing(self) || !self->busy || self->verify_refresh_source)
		return;
	self->verify_refresh_source = g_timeout_add(200, verify_refresh, self);
}

static void verify_done(GObject *source, GAsyncResult *result, gpointer data)
{
	(void)source;
	g_autoptr(CkptWindow) self = data;
	g_autoptr(GError) error = NULL;
	guint checked = 0, problems = 0;
	gboolean ok = ckpt_op_verify_finish(result, &checked, &problems, &error);
	if (closing(self))
		return;
	op_end(self);
	g_autofree char *text = NULL;
	if (!ok && g_error_matches(error, CKPT_ERROR, CKPT_ECANCELLED))
		text = g_strdup_printf("Verify of %s cancelled after %u %s", op_name(self), checked,
				       checked == 1 ? "epoch" : "epochs");
	else if (!ok)
		text = g_strdup_printf("Could not verify %s: %s", op_name(self), error->message);
	else if (problems)
		text = g_strdup_printf("%s: %u of %u epochs failed verification", op_name(self),
				       problems, checked);
	else
		text = g_strdup_printf("%s: %u %s verified, no problems", op_name(self), checked,
				       checked == 1 ? "epoch" : "epochs");
	ckpt_window_toast(self, text);
}

static void verify_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)param;
	CkptWindow *self = CKPT_WINDOW(widget);
	if (!self->selected || self->busy)
		return;
	gboolean one = g_str_equal(name, "win.verify-epoch");
	gint64 epoch = self->selected_epoch;
	if (one && epoch <= 0)
		return;
	op_begin(self, self->selected, "Verifying");
	ckpt_op_verify_async(ckpt_run_item_get_snapshot(self->selected), one ? &epoch : NULL,
			     one ? 1 : 0, self->op_progress, G_OBJECT(self), on_verify_item,
			     self->op_cancellable, verify_done, g_object_ref(self));
}

/* ---- clean ------------------------------------------------------------------------- */

typedef struct {
	CkptWindow *self;
	size_t deleted;
	guint64 freed;
} CleanRequest;

static void clean_done(GObject *source, GAsyncResult *result, gpointer data)
{
	(void)source;
	CleanRequest *request = data;
	g_autoptr(CkptWindow) self = request->self;
	g_autoptr(GError) error = NULL;
	gboolean ok = ckpt_op_clean_finish(result, &error);
	size_t deleted = request->deleted;
	g_autofree char *freed = ckpt_format_bytes((gint64)request->freed);
	g_free(request);
	if (closing(self))
		return;
	op_end(self);
	g_autofree char *text = NULL;
	if (ok)
		text = g_strdup_printf("%s: deleted %zu %s, freed %s", op_name(self), deleted,
				       deleted == 1 ? "epoch" : "epochs", freed);
	else if (g_error_matches(error, CKPT_ERROR, CKPT_ECANCELLED))
		text = g_strdup_printf("Cleaning %s cancelled", op_name(self));
	else
		text = g_strdup_printf("Could not clean %s: %s", op_name(self), error->message);
	ckpt_window_toast(self, text);
}

static void on_clean_apply(CkptCleanDialog *dialog, gpointer plan_pointer, gpointer data)
{
	(void)dialog;
	CkptWindow *self = data;
	ckpt_clean_plan *plan = plan_pointer;
	/* The run the plan is of, whatever is selected now. */
	CkptRunItem *item =
	    ckpt_run_store_find(self->store, ckpt_run_root(ckpt_clean_plan_run(plan)));
	if (self->busy || !item) {
		ckpt_clean_plan_free(plan);
		return;
	}
	CleanRequest *request = g_new(CleanRequest, 1);
	*request = (CleanRequest){g_object_ref(self), ckpt_clean_plan_delete_count(plan),
				  ckpt_clean_plan_bytes_freed(plan)};
	op_begin(self, item, "Cleaning");
	ckpt_op_clean_async(plan, self->op_progress, self->op_cancellable, clean_done, request);
}

static void clean_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)name, (void)param;
	CkptWindow *self = CKPT_WINDOW(widget);
	if (!self->selected || self->busy)
		return;
	CkptCleanDialog *dialog = ckpt_clean_dialog_new(GTK_WINDOW(self), self->selected);
	g_signal_connect_object(dialog, "apply", G_CALLBACK(on_clean_apply), self, 0);
	ckpt_window_set_dialog(self, GTK_WINDOW(dialog));
	gtk_window_present(GTK_WINDOW(dialog));
}

/* ---- restart from an epoch ------------------------------------------------------------ */

typedef struct {
	CkptWindow *self;
	gint64 epoch;
	gboolean forced;
} RollbackRequest;

static void rollback_done(GObject *source, GAsyncResult *result, gpointer data)
{
	(void)source;
	RollbackRequest *request = data;
	g_autoptr(CkptWindow) self = request->self;
	gint64 epoch = request->epoch;
	g_free(request);
	g_autoptr(GError) error = NULL;
	ckpt_restart *restart = ckpt_op_rollback_finish(result, &error);
	if (closing(self)) {
		ckpt_restart_free(restart);
		return;
	}
	op_end(self);
	g_autofree char *text = NULL;
	if (restart)
		text = g_strdup_printf("%s: the next restart loads epoch %lld", op_name(self),
				       (long long)ckpt_restart_epoch(restart));
	else
		text = g_strdup_printf("Could not restart %s from epoch %lld: %s", op_name(self),
				       (long long)epoch, error->message);
	ckpt_restart_free(restart);
	ckpt_window_toast(self, text);
}

static void start_rollback(CkptWindow *self, CkptRunItem *item, gint64 epoch, unsigned flags)
{
	RollbackRequest *request = g_new(RollbackRequest, 1);
	*request = (RollbackRequest){g_object_ref(self), epoch, !!(flags & CKPT_FLAG_FORCE)};
	op_begin(self, item, "Restarting");
	ckpt_op_rollback_async(ckpt_run_item_get_snapshot(item), epoch, flags, self->op_progress,
			       self->op_cancellable, rollback_done, request);
}

static void on_restart_response(AdwMessageDialog *dialog, const char *response, gpointer data)
{
	CkptWindow *self = data;
	CkptRunItem *item = g_object_get_data(G_OBJECT(dialog), "item");
	gint64 epoch = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(dialog), "epoch"));
	if (self->busy || !item)
		return;
	if (g_str_equal(response, "restart"))
		start_rollback(self, item, epoch, 0);
	else if (g_str_equal(response, "force"))
		start_rollback(self, item, epoch, CKPT_FLAG_FORCE);
}

static AdwMessageDialog *restart_dialog_new(CkptWindow *self, const char *heading, const char *body)
{
	GtkWidget *dialog = adw_message_dialog_new(GTK_WINDOW(self), heading, body);
	adw_message_dialog_add_response(ADW_MESSAGE_DIALOG(dialog), "cancel", "_Cancel");
	adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
	adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
	g_object_set_data_full(G_OBJECT(dialog), "item", g_object_ref(self->op_item),
			       g_object_unref);
	return ADW_MESSAGE_DIALOG(dialog);
}

/* What a restart would load, in words. */
static char *restart_body(const char *run, const ckpt_restart *restart)
{
	gint64 epoch = ckpt_restart_epoch(restart);
	double best = ckpt_restart_best_metric_last(restart);
	g_autofree char *model = ckpt_text_escape(ckpt_restart_model_path(restart));
	g_autofree char *best_text = isnan(best) ? g_strdup("unknown") : ckpt_format_metric(best);
	return g_strdup_printf("The next restart of %s will load epoch %lld:\n\n"
			       "Model: %s\nBest so far: %s\n\n"
			       "Training resumes after epoch %lld. Later epochs stay on disk until "
			       "the trainer saves over them.",
			       run, (long long)epoch, model, best_text, (long long)epoch);
}

static void dry_run_done(GObject *source, GAsyncResult *result, gpointer data)
{
	(void)source;
	RollbackRequest *request = data;
	g_autoptr(CkptWindow) self = request->self;
	gint64 epoch = request->epoch;
	g_free(request);
	g_autoptr(GError) error = NULL;
	ckpt_restart *restart = ckpt_op_rollback_finish(result, &error);
	if (closing(self)) {
		ckpt_restart_free(restart);
		return;
	}
	self->busy = FALSE;
	g_clear_handle_id(&self->op_timer, g_source_remove);
	gtk_revealer_set_reveal_child(self->progress_revealer, FALSE);
	ckpt_window_update_actions(self);
	AdwMessageDialog *dialog;
	g_autofree char *heading = NULL;
	if (restart) {
		heading = g_strdup_printf("Restart from Epoch %lld?", (long long)epoch);
		g_autofree char *body = restart_body(op_name(self), restart);
		dialog = restart_dialog_new(self, heading, body);
		adw_message_dialog_add_response(dialog, "restart", "_Restart from Here");
		adw_message_dialog_set_response_appearance(dialog, "restart",
							   ADW_RESPONSE_SUGGESTED);
		adw_message_dialog_set_default_response(dialog, "restart");
		ckpt_restart_free(restart);
	} else if (g_error_matches(error, CKPT_ERROR, CKPT_EREFUSED)) {
		heading =
		    g_strdup_printf("Epoch %lld Is Not Safe to Restart From", (long long)epoch);
		g_autofree char *body = g_strdup_printf(
		    "%s\n\nA forced restart loads it anyway; the trainer may then fail or train on "
		    "damaged weights.",
		    error->message);
		dialog = restart_dialog_new(self, heading, body);
		adw_message_dialog_add_response(dialog, "force", "_Restart Anyway");
		adw_message_dialog_set_response_appearance(dialog, "force",
							   ADW_RESPONSE_DESTRUCTIVE);
	} else {
		g_autofree char *text =
		    g_strdup_printf("Cannot restart %s from epoch %lld: %s", op_name(self),
				    (long long)epoch, error->message);
		ckpt_window_toast(self, text);
		return;
	}
	g_object_set_data(G_OBJECT(dialog), "epoch", GSIZE_TO_POINTER((gsize)epoch));
	g_signal_connect_object(dialog, "response", G_CALLBACK(on_restart_response), self, 0);
	ckpt_window_set_dialog(self, GTK_WINDOW(dialog));
	gtk_window_present(GTK_WINDOW(dialog));
}

static void restart_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)name, (void)param;
	CkptWindow *self = CKPT_WINDOW(widget);
	if (!self->selected || self->busy || self->selected_epoch <= 0)
		return;
	/* Ask libckpt first what a restart would load, or why it refuses. */
	RollbackRequest *request = g_new(RollbackRequest, 1);
	*request = (RollbackRequest){g_object_ref(self), self->selected_epoch, FALSE};
	op_begin(self, self->selected, "Checking");
	ckpt_op_rollback_async(ckpt_run_item_get_snapshot(self->selected), self->selected_epoch,
			       CKPT_FLAG_DRY_RUN, self->op_progress, self->op_cancellable,
			       dry_run_done, request);
}

/* ---- fix links -------------------------------------------------------------------------- */

static void relink_done(GObject *source, GAsyncResult *result, gpointer data)
{
	(void)source;
	g_autoptr(CkptWindow) self = data;
	g_autoptr(GError) error = NULL;
	int changed = ckpt_op_relink_finish(result, &error);
	if (closing(self))
		return;
	op_end(self);
	g_autofree char *text =
	    changed < 0    ? g_strdup_printf("Could not fix the links of %s: %s", op_name(self),
					     error->message)
	    : changed == 0 ? g_strdup_printf("%s: the links needed no fixing", op_name(self))
			   : g_strdup_printf("%s: fixed %d %s", op_name(self), changed,
					     changed == 1 ? "link" : "links");
	ckpt_window_toast(self, text);
}

static void relink_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)name, (void)param;
	CkptWindow *self = CKPT_WINDOW(widget);
	if (!self->selected || self->busy)
		return;
	op_begin(self, self->selected, "Fixing the links of");
	ckpt_op_relink_async(ckpt_run_item_get_snapshot(self->selected), self->op_cancellable,
			     relink_done, g_object_ref(self));
}

/* ---- export ------------------------------------------------------------------------------ */

typedef enum { EXPORT_PNG, EXPORT_SVG, EXPORT_CSV } ExportKind;

typedef struct {
	CkptExportRun *runs;
	gsize n;
	char *path;
} CsvJob;

static void csv_job_free(gpointer data)
{
	CsvJob *job = data;
	for (gsize i = 0; i < job->n; i++) {
		g_free((char *)job->runs[i].name);
		ckpt_snapshot_unref(job->runs[i].snapshot);
	}
	g_free(job->runs);
	g_free(job->path);
	g_free(job);
}

static void csv_thread(GTask *task, gpointer source, gpointer data, GCancellable *c)
{
	(void)source, (void)c;
	CsvJob *job = data;
	g_autofree char *text = ckpt_export_csv(job->runs, job->n);
	GError *error = NULL;
	if (!g_file_set_contents(job->path, text, -1, &error))
		g_task_return_error(task, error);
	else
		g_task_return_boolean(task, TRUE);
}

static void csv_done(GObject *source, GAsyncResult *result, gpointer data)
{
	(void)source;
	g_autoptr(CkptWindow) self = data;
	g_autoptr(GError) error = NULL;
	gboolean ok = g_task_propagate_boolean(G_TASK(result), &error);
	if (closing(self))
		return;
	self->busy = FALSE;
	ckpt_window_update_actions(self);
	g_autofree char *text = ok ? g_strdup("History exported as CSV")
				   : g_strdup_printf("Could not export: %s", error->message);
	ckpt_window_toast(self, text);
}

static void export_csv(CkptWindow *self, const char *path)
{
	CsvJob *job = g_new0(CsvJob, 1);
	job->n = self->checked->len;
	job->runs = g_new0(CkptExportRun, job->n ? job->n : 1);
	job->path = g_strdup(path);
	for (gsize i = 0; i < job->n; i++) {
		CkptRunItem *item = g_ptr_array_index(self->checked, i);
		job->runs[i].name = g_strdup(ckpt_run_item_get_name(item));
		job->runs[i].snapshot = ckpt_snapshot_ref(ckpt_run_item_get_snapshot(item));
	}
	self->busy = TRUE;
	ckpt_window_update_actions(self);
	g_autoptr(GTask) task = g_task_new(NULL, self->cancellable, csv_done, g_object_ref(self));
	g_task_set_task_data(task, job, csv_job_free);
	g_task_run_in_thread(task, csv_thread);
}

static void export_chart(CkptWindow *self, const char *path, ExportKind kind)
{
	int width = MAX(gtk_widget_get_width(GTK_WIDGET(self->chart)), 640);
	int height = MAX(gtk_widget_get_height(GTK_WIDGET(self->chart)), 400);
	g_autoptr(GError) error = NULL;
	g_autofree char *name = g_filename_display_basename(path);
	g_autofree char *text = NULL;
	if (ckpt_chart_export(self->chart, path,
			      kind == EXPORT_SVG ? CKPT_CHART_SVG : CKPT_CHART_PNG, width, height,
			      &error))
		text = g_strdup_printf("Chart saved as %s", name);
	else
		text = g_strdup_printf("Could not save the chart: %s", error->message);
	ckpt_window_toast(self, text);
}

static void on_save_response(GtkNativeDialog *dialog, int response, gpointer data)
{
	CkptWindow *self = data;
	ExportKind kind = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(dialog), "kind"));
	if (response == GTK_RESPONSE_ACCEPT && !closing(self)) {
		g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
		g_autofree char *path = file ? g_file_get_path(file) : NULL;
		if (path && kind == EXPORT_CSV)
			export_csv(self, path);
		else if (path)
			export_chart(self, path, kind);
	}
	gtk_native_dialog_destroy(dialog);
	g_object_unref(dialog);
	g_object_unref(self);
}

static void export_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)param;
	CkptWindow *self = CKPT_WINDOW(widget);
	ExportKind kind = g_str_equal(name, "win.export-svg")   ? EXPORT_SVG
			  : g_str_equal(name, "win.export-csv") ? EXPORT_CSV
								: EXPORT_PNG;
	static const char *titles[] = {"Export Chart as PNG", "Export Chart as SVG",
				       "Export History as CSV"};
	static const char *names[] = {"chart.png", "chart.svg", "history.csv"};
	static const char *types[] = {"image/png", "image/svg+xml", "text/csv"};
	GtkFileChooserNative *chooser = gtk_file_chooser_native_new(
	    titles[kind], GTK_WINDOW(self), GTK_FILE_CHOOSER_ACTION_SAVE, "_Export", "_Cancel");
	gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), names[kind]);
	GtkFileFilter *filter = gtk_file_filter_new();
	gtk_file_filter_add_mime_type(filter, types[kind]);
	gtk_file_filter_set_name(filter, types[kind]);
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
	g_object_unref(filter);
	g_object_set_data(G_OBJECT(chooser), "kind", GINT_TO_POINTER(kind));
	gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
	g_signal_connect(chooser, "response", G_CALLBACK(on_save_response), g_object_ref(self));
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

/* ---- setup ---------------------------------------------------------------------------------- */

void ckpt_window_actions_dispose(CkptWindow *self)
{
	if (self->op_cancellable)
		g_cancellable_cancel(self->op_cancellable);
	g_clear_handle_id(&self->op_timer, g_source_remove);
	g_clear_handle_id(&self->verify_refresh_source, g_source_remove);
	g_clear_object(&self->op_cancellable);
	g_clear_pointer(&self->op_progress, ckpt_progress_unref);
	g_clear_object(&self->op_item);
	g_clear_pointer(&self->op_text, g_free);
}

void ckpt_window_actions_class_init(GtkWidgetClass *widget_class)
{
	gtk_widget_class_install_action(widget_class, "win.verify", NULL, verify_action);
	gtk_widget_class_install_action(widget_class, "win.verify-epoch", NULL, verify_action);
	gtk_widget_class_install_action(widget_class, "win.cancel", NULL, cancel_action);
	gtk_widget_class_install_action(widget_class, "win.clean", NULL, clean_action);
	gtk_widget_class_install_action(widget_class, "win.restart", NULL, restart_action);
	gtk_widget_class_install_action(widget_class, "win.relink", NULL, relink_action);
	gtk_widget_class_install_action(widget_class, "win.export-png", NULL, export_action);
	gtk_widget_class_install_action(widget_class, "win.export-svg", NULL, export_action);
	gtk_widget_class_install_action(widget_class, "win.export-csv", NULL, export_action);

	struct {
		guint key;
		GdkModifierType mods;
		const char *action;
	} keys[] = {
	    {GDK_KEY_V, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.verify"},
	    {GDK_KEY_v, GDK_CONTROL_MASK | GDK_ALT_MASK, "win.verify-epoch"},
	    {GDK_KEY_Escape, 0, "win.cancel"},
	    {GDK_KEY_Delete, GDK_CONTROL_MASK, "win.clean"},
	    {GDK_KEY_R, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.restart"},
	    {GDK_KEY_l, GDK_CONTROL_MASK, "win.relink"},
	    {GDK_KEY_e, GDK_CONTROL_MASK, "win.export-png"},
	    {GDK_KEY_E, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.export-svg"},
	    {GDK_KEY_e, GDK_CONTROL_MASK | GDK_ALT_MASK, "win.export-csv"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		gtk_widget_class_add_binding_action(widget_class, keys[i].key, keys[i].mods,
						    keys[i].action, NULL);
}
