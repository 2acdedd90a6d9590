/* ckpt-window.c: the main window's layout, opening folders (command line,
 * file chooser, drag and drop) and selection. Which runs are compared in
 * which colour is in ckpt-window-compare.c, the operations on runs in
 * ckpt-window-actions.c. */
#define G_LOG_DOMAIN "ckpt-window"

#include "ckpt-window-private.h"

#include "ckpt-format.h"

G_DEFINE_FINAL_TYPE(CkptWindow, ckpt_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_X_AXIS, PROP_LOG_SCALE, PROP_CLIP_OUTLIERS, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* ---- small things ------------------------------------------------------------ */

void ckpt_window_toast(CkptWindow *self, const char *text)
{
	g_free(self->last_toast);
	self->last_toast = g_strdup(text);
	/* AdwToast titles are markup in libadwaita 1.2. */
	g_autofree char *markup = g_markup_escape_text(text, -1);
	AdwToast *toast = adw_toast_new(markup);
	adw_toast_set_timeout(toast, 6);
	adw_toast_overlay_add_toast(self->toast_overlay, toast);
}

const char *ckpt_window_get_last_toast(CkptWindow *self)
{
	return self->last_toast;
}

static void on_dialog_hidden(GtkWidget *dialog, gpointer data)
{
	CkptWindow *self = data;
	if (self->dialog == GTK_WINDOW(dialog))
		ckpt_window_set_dialog(self, NULL);
}

/* The dialog open now, until it is hidden (answered or closed). */
void ckpt_window_set_dialog(CkptWindow *self, GtkWindow *dialog)
{
	if (self->dialog) {
		g_signal_handlers_disconnect_by_func(self->dialog, on_dialog_hidden, self);
		g_object_remove_weak_pointer(G_OBJECT(self->dialog), (gpointer *)&self->dialog);
	}
	self->dialog = dialog;
	if (dialog) {
		g_object_add_weak_pointer(G_OBJECT(dialog), (gpointer *)&self->dialog);
		g_signal_connect(dialog, "hide", G_CALLBACK(on_dialog_hidden), self);
	}
}

GtkWindow *ckpt_window_get_dialog(CkptWindow *self)
{
	return self->dialog;
}

static void set_enabled(CkptWindow *self, const char *name, gboolean enabled)
{
	g_hash_table_insert(self->enabled, (gpointer)name, GINT_TO_POINTER(!!enabled));
	g_autofree char *full = g_strconcat("win.", name, NULL);
	gtk_widget_action_set_enabled(GTK_WIDGET(self), full, enabled);
}

gboolean ckpt_window_action_enabled(CkptWindow *self, const char *name)
{
	return GPOINTER_TO_INT(g_hash_table_lookup(self->enabled, name));
}

/* What may be asked of the selection now. Whether a request is allowed is
 * libckpt's to say (a refused restart is explained, not hidden); these only
 * grey out what has nothing to act on, what a live writer holds, and what
 * libckpt's health says there is nothing to fix. */
void ckpt_window_update_actions(CkptWindow *self)
{
	const ckpt_run *run = self->selected ? ckpt_run_item_get_run(self->selected) : NULL;
	gboolean idle = !self->busy;
	gboolean has_epochs = run && ckpt_run_epoch_count(run) > 0;
	gboolean live = run && ckpt_run_live(run);
	gboolean epoch = run && self->selected_epoch > 0 &&
			 ckpt_run_find_epoch(run, self->selected_epoch) != NULL;
	gboolean charted = ckpt_chart_get_n_runs(self->chart) > 0;
	guint n_runs = g_list_model_get_n_items(ckpt_run_store_get_model(self->store));
	set_enabled(self, "verify", idle && has_epochs);
	set_enabled(self, "verify-epoch", idle && epoch);
	set_enabled(self, "clean", idle && has_epochs && !live);
	set_enabled(self, "restart", idle && epoch && !live);
	set_enabled(self, "relink",
		    idle && run && !live && (ckpt_run_health(run) & CKPT_HEALTH_RELOCATED));
	set_enabled(self, "cancel", self->busy);
	set_enabled(self, "export-png", idle && charted);
	set_enabled(self, "export-svg", idle && charted);
	set_enabled(self, "export-csv", idle && self->checked->len > 0);
	set_enabled(self, "check-first", n_runs > 0);
	set_enabled(self, "check-none", self->checked->len > 0);
	set_enabled(self, "refresh", ckpt_run_store_get_n_folders(self->store) > 0);
	set_enabled(self, "zoom-in", charted);
	set_enabled(self, "zoom-out", charted);
	set_enabled(self, "reset-zoom", charted && ckpt_chart_get_zoomed(self->chart));
}

void ckpt_window_update_title(CkptWindow *self)
{
	guint folders = ckpt_run_store_get_n_folders(self->store);
	guint n = g_list_model_get_n_items(ckpt_run_store_get_model(self->store));
	gboolean scanning = ckpt_run_store_get_scanning(self->store);
	g_autofree char *subtitle = NULL;
	if (folders == 1) {
		g_autofree char *base =
		    g_path_get_basename(ckpt_run_store_get_folder(self->store, 0));
		g_autofree char *shown = ckpt_text_escape(base);
		subtitle = g_strdup_printf("%s · %u %s", shown, n, n == 1 ? "run" : "runs");
	} else if (folders > 1) {
		subtitle = g_strdup_printf("%u folders · %u runs", folders, n);
	}
	adw_window_title_set_subtitle(self->window_title, subtitle ? subtitle : "");
	gtk_spinner_set_spinning(self->spinner, scanning);
	gtk_widget_set_visible(GTK_WIDGET(self->spinner), scanning);
	ckpt_sidebar_set_counts(self->sidebar, n, self->checked->len, scanning);
	const char *page = folders || n ? "runs" : "empty";
	if (g_strcmp0(gtk_stack_get_visible_child_name(self->main_stack), page) != 0) {
		gtk_stack_set_visible_child_name(self->main_stack, page);
		/* No runs: the status page alone; runs: the sidebar comes with them,
		 * unless the window is too narrow for both (the flap is folded). */
		adw_flap_set_reveal_flap(self->flap,
					 (folders || n) && !adw_flap_get_folded(self->flap));
	}
}

static void on_scan_finished(CkptRunStore *store, const char *path, guint n, guint problems,
			     const char *message, gpointer data)
{
	(void)store;
	CkptWindow *self = data;
	g_autofree char *shown = ckpt_text_escape(path);
	if (!self->user_chose)
		ckpt_window_check_first(self);
	if (n == 0 && message) {
		/* libckpt's message names the path */
		g_autofree char *text = g_strdup_printf("Could not read %s", message);
		ckpt_window_toast(self, text);
	} else if (n == 0) {
		g_autofree char *text = g_strdup_printf("No runs found in %s", shown);
		ckpt_window_toast(self, text);
	} else if (problems) {
		g_autofree char *text = g_strdup_printf("%u %s could not be read: %s", problems,
							problems == 1 ? "run" : "runs", message);
		ckpt_window_toast(self, text);
	}
	ckpt_window_update_title(self);
	ckpt_window_update_actions(self);
}

static void on_scanning(CkptRunStore *store, GParamSpec *pspec, gpointer data)
{
	(void)store, (void)pspec;
	ckpt_window_update_title(CKPT_WINDOW(data));
}

/* ---- selection -------------------------------------------------------------------- */

static void on_selected_changed(CkptRunItem *item, gpointer data)
{
	(void)item;
	CkptWindow *self = data;
	ckpt_chart_set_selection(self->chart, self->selected, self->selected_epoch);
	ckpt_window_update_actions(self);
}

static void set_selected(CkptWindow *self, CkptRunItem *item)
{
	if (item == self->selected)
		return;
	if (self->selected)
		g_signal_handlers_disconnect_by_func(self->selected, on_selected_changed, self);
	g_set_object(&self->selected, item);
	if (item)
		g_signal_connect(item, "changed", G_CALLBACK(on_selected_changed), self);
	self->selected_epoch = 0;
	ckpt_epochs_view_set_run(self->epochs_view, item);
	self->selected_epoch = ckpt_epochs_view_get_selected_epoch(self->epochs_view);
	ckpt_details_show(self->details, item, self->selected_epoch);
	ckpt_window_schedule_chart(self);
	ckpt_window_update_actions(self);
}

static void on_run_selected(CkptSidebar *sidebar, CkptRunItem *item, gpointer data)
{
	(void)sidebar;
	set_selected(CKPT_WINDOW(data), item);
}

static void on_epoch_selected(CkptEpochsView *view, gint64 epoch, gpointer data)
{
	(void)view;
	CkptWindow *self = data;
	self->selected_epoch = epoch;
	ckpt_details_show(self->details, self->selected, epoch);
	ckpt_chart_set_selection(self->chart, self->selected, epoch);
	ckpt_window_update_actions(self);
}

void ckpt_window_select(CkptWindow *self, CkptRunItem *item, gint64 epoch)
{
	g_return_if_fail(CKPT_IS_WINDOW(self));
	ckpt_sidebar_select(self->sidebar, item);
	set_selected(self, item); /* also when the filter hides it */
	ckpt_epochs_view_select_epoch(self->epochs_view, epoch);
}

static void on_chart_run(CkptChart *chart, CkptRunItem *item, gpointer data)
{
	(void)chart;
	ckpt_window_select(CKPT_WINDOW(data), item, 0);
}

static void on_chart_epoch(CkptChart *chart, CkptRunItem *item, gint64 epoch, gpointer data)
{
	(void)chart;
	ckpt_window_select(CKPT_WINDOW(data), item, epoch);
}

static void on_zoomed(CkptChart *chart, GParamSpec *pspec, gpointer data)
{
	(void)chart, (void)pspec;
	ckpt_window_update_actions(CKPT_WINDOW(data));
}

/* ---- opening --------------------------------------------------------------------- */

void ckpt_window_open(CkptWindow *self, const char *path)
{
	g_return_if_fail(CKPT_IS_WINDOW(self));
	g_autoptr(GFile) file = g_file_new_for_path(path);
	g_autofree char *absolute = g_file_get_path(file);
	ckpt_run_store_open(self->store, absolute ? absolute : path);
	ckpt_window_update_title(self);
	ckpt_window_update_actions(self);
}

static void on_chooser_response(GtkNativeDialog *dialog, int response, gpointer data)
{
	CkptWindow *self = data;
	if (response == GTK_RESPONSE_ACCEPT) {
		g_autoptr(GListModel) files = gtk_file_chooser_get_files(GTK_FILE_CHOOSER(dialog));
		for (guint i = 0; i < g_list_model_get_n_items(files); i++) {
			g_autoptr(GFile) file = g_list_model_get_item(files, i);
			g_autofree char *path = g_file_get_path(file);
			if (path)
				ckpt_window_open(self, path);
		}
	}
	gtk_native_dialog_destroy(dialog);
	g_object_unref(dialog);
	g_object_unref(self);
}

static void open_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)name, (void)param;
	GtkFileChooserNative *chooser =
	    gtk_file_chooser_native_new("Open Folders of Runs", GTK_WINDOW(widget),
					GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, "_Open", "_Cancel");
	gtk_file_chooser_set_select_multiple(GTK_FILE_CHOOSER(chooser), TRUE);
	gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
	g_signal_connect(chooser, "response", G_CALLBACK(on_chooser_response),
			 g_object_ref(widget));
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

static gboolean on_drop(GtkDropTarget *target, const GValue *value, double x, double y,
			gpointer data)
{
	(void)target, (void)x, (void)y;
	CkptWindow *self = data;
	if (!G_VALUE_HOLDS(value, GDK_TYPE_FILE_LIST))
		return FALSE;
	gboolean any = FALSE;
	for (GSList *l = g_value_get_boxed(value); l; l = l->next) {
		g_autofree char *path = g_file_get_path(l->data);
		if (path) {
			ckpt_window_open(self, path);
			any = TRUE;
		}
	}
	return any;
}

static void refresh_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)name, (void)param;
	ckpt_run_store_refresh(CKPT_WINDOW(widget)->store);
}

static void search_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)name, (void)param;
	CkptWindow *self = CKPT_WINDOW(widget);
	adw_flap_set_reveal_flap(self->flap, TRUE);
	ckpt_sidebar_focus_search(self->sidebar);
}

static void sidebar_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)name, (void)param;
	CkptWindow *self = CKPT_WINDOW(widget);
	adw_flap_set_reveal_flap(self->flap, !adw_flap_get_reveal_flap(self->flap));
}

static void zoom_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)param;
	CkptWindow *self = CKPT_WINDOW(widget);
	if (g_str_equal(name, "win.reset-zoom"))
		ckpt_chart_reset_zoom(self->chart);
	else
		ckpt_chart_zoom(self->chart, g_str_equal(name, "win.zoom-in") ? 0.8 : 1.25);
}

/* ---- accessors ------------------------------------------------------------------- */

CkptRunStore *ckpt_window_get_store(CkptWindow *self)
{
	return self->store;
}

CkptSidebar *ckpt_window_get_sidebar(CkptWindow *self)
{
	return self->sidebar;
}

CkptChart *ckpt_window_get_chart(CkptWindow *self)
{
	return self->chart;
}

CkptEpochsView *ckpt_window_get_epochs_view(CkptWindow *self)
{
	return self->epochs_view;
}

CkptDetails *ckpt_window_get_details(CkptWindow *self)
{
	return self->details;
}

CkptRunItem *ckpt_window_get_selected_run(CkptWindow *self)
{
	return self->selected;
}

gint64 ckpt_window_get_selected_epoch(CkptWindow *self)
{
	return self->selected_epoch;
}

gboolean ckpt_window_get_busy(CkptWindow *self)
{
	return self->busy;
}

/* ---- the object -------------------------------------------------------------------- */

static ChartXMode x_mode_from_name(const char *name)
{
	if (g_strcmp0(name, "wall") == 0)
		return CHART_X_WALL;
	if (g_strcmp0(name, "relative") == 0)
		return CHART_X_RELATIVE;
	return CHART_X_EPOCH;
}

static void ckpt_window_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	CkptWindow *self = CKPT_WINDOW(object);
	switch (id) {
	case PROP_X_AXIS: g_value_set_string(value, self->x_axis); break;
	case PROP_LOG_SCALE: g_value_set_boolean(value, self->log_scale); break;
	case PROP_CLIP_OUTLIERS: g_value_set_boolean(value, self->clip_outliers); break;
	default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void ckpt_window_set_property(GObject *object, guint id, const GValue *value,
				     GParamSpec *pspec)
{
	CkptWindow *self = CKPT_WINDOW(object);
	switch (id) {
	case PROP_X_AXIS: {
		const char *name = g_value_get_string(value);
		ChartXMode mode = x_mode_from_name(name);
		static const char *names[] = {"epoch", "wall", "relative"};
		if (g_strcmp0(self->x_axis, names[mode]) == 0)
			break;
		g_free(self->x_axis);
		self->x_axis = g_strdup(names[mode]);
		if (self->chart)
			ckpt_chart_set_x_mode(self->chart, mode);
		g_object_notify_by_pspec(object, pspec);
		break;
	}
	case PROP_LOG_SCALE:
		self->log_scale = g_value_get_boolean(value);
		if (self->chart)
			ckpt_chart_set_log_scale(self->chart, self->log_scale);
		g_object_notify_by_pspec(object, pspec);
		break;
	case PROP_CLIP_OUTLIERS:
		self->clip_outliers = g_value_get_boolean(value);
		if (self->chart)
			ckpt_chart_set_clip_outliers(self->chart, self->clip_outliers);
		g_object_notify_by_pspec(object, pspec);
		break;
	default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void ckpt_window_dispose(GObject *object)
{
	CkptWindow *self = CKPT_WINDOW(object);
	g_cancellable_cancel(self->cancellable);
	ckpt_window_actions_dispose(self);
	g_clear_handle_id(&self->chart_source, g_source_remove);
	if (self->store) {
		ckpt_run_store_shutdown(self->store);
		g_signal_handlers_disconnect_by_data(self->store, self);
		g_signal_handlers_disconnect_by_data(ckpt_run_store_get_model(self->store), self);
	}
	if (self->selected)
		g_signal_handlers_disconnect_by_func(self->selected, on_selected_changed, self);
	g_clear_object(&self->selected);
	ckpt_window_set_dialog(self, NULL);
	if (self->checked)
		g_ptr_array_set_size(self->checked, 0);
	gtk_widget_dispose_template(GTK_WIDGET(self), CKPT_TYPE_WINDOW);
	g_clear_object(&self->store);
	G_OBJECT_CLASS(ckpt_window_parent_class)->dispose(object);
}

static void ckpt_window_finalize(GObject *object)
{
	CkptWindow *self = CKPT_WINDOW(object);
	g_object_unref(self->cancellable);
	g_ptr_array_unref(self->checked);
	g_array_unref(self->style_slots);
	g_hash_table_unref(self->enabled);
	g_free(self->x_axis);
	g_free(self->last_toast);
	G_OBJECT_CLASS(ckpt_window_parent_class)->finalize(object);
}

static void ckpt_window_class_init(CkptWindowClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
	object_class->dispose = ckpt_window_dispose;
	object_class->finalize = ckpt_window_finalize;
	object_class->get_property = ckpt_window_get_property;
	object_class->set_property = ckpt_window_set_property;

	GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
	properties[PROP_X_AXIS] = g_param_spec_string("x-axis", NULL, NULL, "epoch", rw);
	properties[PROP_LOG_SCALE] = g_param_spec_boolean("log-scale", NULL, NULL, FALSE, rw);
	properties[PROP_CLIP_OUTLIERS] =
	    g_param_spec_boolean("clip-outliers", NULL, NULL, FALSE, rw);
	g_object_class_install_properties(object_class, N_PROPS, properties);

	g_type_ensure(CKPT_TYPE_SIDEBAR);
	g_type_ensure(CKPT_TYPE_CHART);
	g_type_ensure(CKPT_TYPE_EPOCHS_VIEW);
	g_type_ensure(CKPT_TYPE_DETAILS);
	gtk_widget_class_set_template_from_resource(widget_class,
						    "/io/github/ckpt/Ckpt/ckpt-window.ui");
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, toast_overlay);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, window_title);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, spinner);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, progress_revealer);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, progress_label);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, progress_bar);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, flap);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, sidebar);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, main_stack);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, chart);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, smoothing_adjustment);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, epochs_view);
	gtk_widget_class_bind_template_child(widget_class, CkptWindow, details);

	gtk_widget_class_install_action(widget_class, "win.open", NULL, open_action);
	gtk_widget_class_install_action(widget_class, "win.refresh", NULL, refresh_action);
	gtk_widget_class_install_action(widget_class, "win.search", NULL, search_action);
	gtk_widget_class_install_action(widget_class, "win.toggle-sidebar", NULL, sidebar_action);
	ckpt_window_compare_class_init(widget_class);
	gtk_widget_class_install_action(widget_class, "win.zoom-in", NULL, zoom_action);
	gtk_widget_class_install_action(widget_class, "win.zoom-out", NULL, zoom_action);
	gtk_widget_class_install_action(widget_class, "win.reset-zoom", NULL, zoom_action);
	gtk_widget_class_install_property_action(widget_class, "win.x-axis", "x-axis");
	gtk_widget_class_install_property_action(widget_class, "win.log-scale", "log-scale");
	gtk_widget_class_install_property_action(widget_class, "win.clip-outliers",
						 "clip-outliers");
	ckpt_window_actions_class_init(widget_class);

	struct {
		guint key;
		GdkModifierType mods;
		const char *action;
		const char *target;
	} keys[] = {
	    {GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL},
	    {GDK_KEY_F5, 0, "win.refresh", NULL},
	    {GDK_KEY_r, GDK_CONTROL_MASK, "win.refresh", NULL},
	    {GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL},
	    {GDK_KEY_F9, 0, "win.toggle-sidebar", NULL},
	    {GDK_KEY_0, GDK_CONTROL_MASK, "win.reset-zoom", NULL},
	    {GDK_KEY_plus, GDK_CONTROL_MASK, "win.zoom-in", NULL},
	    {GDK_KEY_equal, GDK_CONTROL_MASK, "win.zoom-in", NULL},
	    {GDK_KEY_minus, GDK_CONTROL_MASK, "win.zoom-out", NULL},
	    {GDK_KEY_L, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.log-scale", NULL},
	    {GDK_KEY_U, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.clip-outliers", NULL},
	    {GDK_KEY_1, GDK_ALT_MASK, "win.x-axis", "epoch"},
	    {GDK_KEY_2, GDK_ALT_MASK, "win.x-axis", "wall"},
	    {GDK_KEY_3, GDK_ALT_MASK, "win.x-axis", "relative"},
	    {GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (keys[i].target)
			gtk_widget_class_add_binding_action(widget_class, keys[i].key, keys[i].mods,
							    keys[i].action, "s", keys[i].target);
		else
			gtk_widget_class_add_binding_action(widget_class, keys[i].key, keys[i].mods,
							    keys[i].action, NULL);
	}
}

static void ckpt_window_init(CkptWindow *self)
{
	/* The property actions read these while the template is built. */
	self->x_axis = g_strdup("epoch");
	gtk_widget_init_template(GTK_WIDGET(self));
	self->cancellable = g_cancellable_new();
	self->checked = g_ptr_array_new_with_free_func(g_object_unref);
	self->style_slots = g_array_new(FALSE, TRUE, sizeof(gboolean));
	self->enabled = g_hash_table_new(g_str_hash, g_str_equal);
	self->store = ckpt_run_store_new();

	GListModel *runs = ckpt_run_store_get_model(self->store);
	ckpt_sidebar_set_model(self->sidebar, runs);
	g_signal_connect(runs, "items-changed", G_CALLBACK(ckpt_window_on_runs_changed), self);
	g_signal_connect(self->store, "scan-finished", G_CALLBACK(on_scan_finished), self);
	g_signal_connect(self->store, "notify::scanning", G_CALLBACK(on_scanning), self);
	g_signal_connect(self->sidebar, "run-selected", G_CALLBACK(on_run_selected), self);
	g_signal_connect(self->epochs_view, "epoch-selected", G_CALLBACK(on_epoch_selected), self);
	g_signal_connect(self->chart, "run-activated", G_CALLBACK(on_chart_run), self);
	g_signal_connect(self->chart, "epoch-activated", G_CALLBACK(on_chart_epoch), self);
	g_signal_connect(self->chart, "notify::zoomed", G_CALLBACK(on_zoomed), self);
	g_object_bind_property(self->smoothing_adjustment, "value", self->chart, "smoothing",
			       G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);

	GtkDropTarget *drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
	g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
	gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));

	ckpt_window_update_title(self);
	ckpt_window_update_actions(self);
}

CkptWindow *ckpt_window_new(GtkApplication *application)
{
	return g_object_new(CKPT_TYPE_WINDOW, "application", application, NULL);
}
