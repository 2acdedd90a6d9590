/* ckpt-clean-dialog.c: the clean dialog (see ckpt-clean-dialog.h). Every
 * change of keep limit or mode asks libckpt for a new plan on a worker
 * thread; the rows say what the plan decided and why, in words. */
#define G_LOG_DOMAIN "ckpt-clean-dialog"

#include "ckpt-clean-dialog.h"

#include "ckpt-format.h"
#include "ckpt-ops.h"

struct _CkptCleanDialog {
	AdwWindow parent_instance;
	AdwWindowTitle *window_title;
	GtkButton *apply_button;
	GtkLabel *summary_label;
	GtkLabel *note_label;
	AdwPreferencesGroup *policy_group;
	GtkAdjustment *keep_adjustment;
	AdwComboRow *mode_row;
	GtkListBox *plan_list;

	CkptSnapshot *snapshot;
	ckpt_clean_plan *plan;
	GCancellable *cancellable;
	guint generation;
	guint replan_source;
	gboolean syncing; /* the controls are being set from a plan */
};

enum { SIGNAL_APPLY, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(CkptCleanDialog, ckpt_clean_dialog, ADW_TYPE_WINDOW)

static const char *reason_text(ckpt_clean_reason reason)
{
	switch (reason) {
	case CKPT_CLEAN_KEEP_LAST: return "stays: last points at it, a restart loads it";
	case CKPT_CLEAN_KEEP_BEST: return "stays: best points at it";
	case CKPT_CLEAN_KEEP_LIMIT: return "stays: among the newest within the keep limit";
	case CKPT_CLEAN_KEEP_EXPONENTIAL: return "stays: kept by the exponential spread";
	case CKPT_CLEAN_KEEP_ALL: return "stays: mode all keeps every epoch";
	case CKPT_CLEAN_DELETE: return "goes: beyond the keep limit";
	case CKPT_CLEAN_KEEP_INTACT: return "stays: the newest intact epoch";
	case CKPT_CLEAN_KEEP_BEST_INTACT: return "stays: the best intact epoch";
	}
	return ckpt_clean_reason_name(reason);
}

static void clear_rows(CkptCleanDialog *self)
{
	GtkWidget *row;
	while ((row = gtk_widget_get_first_child(GTK_WIDGET(self->plan_list))))
		gtk_list_box_remove(self->plan_list, row);
}

static void add_row(CkptCleanDialog *self, const ckpt_clean_plan *plan, size_t i)
{
	gboolean keeps = ckpt_clean_plan_keeps(plan, i);
	ckpt_epoch_state health = ckpt_clean_plan_health(plan, i);
	g_autofree char *title =
	    g_strdup_printf("Epoch %lld", (long long)ckpt_clean_plan_epoch(plan, i));
	g_autofree char *size = ckpt_format_bytes((gint64)ckpt_clean_plan_bytes(plan, i));
	/* A problem shows as a badge; a healthy epoch says so in words. */
	g_autofree char *subtitle =
	    g_strdup_printf("%s · %s%s", reason_text(ckpt_clean_plan_reason(plan, i)), size,
			    health == CKPT_EPOCH_OK ? " · ok" : "");
	GtkWidget *row = adw_action_row_new();
	adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
	adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
	GtkWidget *icon =
	    gtk_image_new_from_icon_name(keeps ? "object-select-symbolic" : "user-trash-symbolic");
	gtk_widget_add_css_class(icon, keeps ? "success" : "error");
	gtk_accessible_update_property(GTK_ACCESSIBLE(icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
				       keeps ? "stays" : "goes", -1);
	adw_action_row_add_prefix(ADW_ACTION_ROW(row), icon);
	if (health != CKPT_EPOCH_OK) {
		GtkWidget *badge = gtk_label_new(ckpt_epoch_state_name(health));
		gtk_widget_add_css_class(badge, "badge");
		gtk_widget_add_css_class(badge,
					 health == CKPT_EPOCH_INCOMPLETE ? "warning" : "error");
		gtk_widget_set_valign(badge, GTK_ALIGN_CENTER);
		adw_action_row_add_suffix(ADW_ACTION_ROW(row), badge);
	}
	gtk_list_box_append(self->plan_list, row);
}

static void show_plan(CkptCleanDialog *self)
{
	const ckpt_clean_plan *plan = self->plan;
	clear_rows(self);
	size_t n = ckpt_clean_plan_count(plan), gone = ckpt_clean_plan_delete_count(plan);
	g_autofree char *freed = ckpt_format_bytes((gint64)ckpt_clean_plan_bytes_freed(plan));
	gboolean work = ckpt_clean_plan_removes_work(plan);
	g_autofree char *summary =
	    gone ? g_strdup_printf("Deletes %zu of %zu epochs and frees %s.", gone, n, freed)
	    : work
		? g_strdup_printf("Keeps all %zu epochs and removes a crashed save's leftovers.", n)
		: g_strdup_printf("Nothing to delete: all %zu epochs stay.", n);
	gtk_label_set_text(self->summary_label, summary);
	g_autofree char *button =
	    gone   ? g_strdup_printf(gone == 1 ? "_Delete %zu Epoch" : "_Delete %zu Epochs", gone)
	    : work ? g_strdup("_Remove Leftovers")
		   : g_strdup("_Delete");
	gtk_button_set_label(self->apply_button, button);
	gtk_widget_set_sensitive(GTK_WIDGET(self->apply_button), gone > 0 || work);

	GString *note = g_string_new(NULL);
	if (ckpt_clean_plan_note(plan)) {
		g_autofree char *text = ckpt_text_escape(ckpt_clean_plan_note(plan));
		g_string_append(note, text);
	}
	if (work && gone)
		g_string_append_printf(note, "%sAlso removes a crashed save's leftovers (work/).",
				       note->len ? "\n" : "");
	size_t unverified = ckpt_clean_plan_unverified_count(plan);
	if (unverified)
		g_string_append_printf(
		    note,
		    "%s%zu %s not been verified: the plan takes %s to be intact. "
		    "Verify the run first to be sure.",
		    note->len ? "\n" : "", unverified,
		    unverified == 1 ? "epoch has" : "epochs have", unverified == 1 ? "it" : "them");
	gtk_label_set_text(self->note_label, note->str);
	gtk_widget_set_visible(GTK_WIDGET(self->note_label), note->len > 0);
	g_string_free(note, TRUE);

	const char *policy = ckpt_clean_plan_limit_is_runs_own(plan)
				 ? "The run's own retention, as its writer recorded it."
			     : ckpt_clean_plan_limit_is_guess(plan)
				 ? "The run recorded no retention: keep 5, linear is a guess."
				 : "As chosen here.";
	adw_preferences_group_set_description(self->policy_group, policy);

	self->syncing = TRUE;
	gtk_adjustment_set_value(self->keep_adjustment, (double)ckpt_clean_plan_keep_limit(plan));
	adw_combo_row_set_selected(self->mode_row, (guint)ckpt_clean_plan_mode(plan));
	self->syncing = FALSE;
	for (size_t i = 0; i < n; i++)
		add_row(self, plan, i);
}

/* Plans may finish out of order: only the latest request's is shown. */
typedef struct {
	CkptCleanDialog *self;
	guint generation;
} PlanRequest;

static void on_plan(GObject *source, GAsyncResult *result, gpointer data)
{
	(void)source;
	PlanRequest *request = data;
	g_autoptr(CkptCleanDialog) self = request->self;
	guint generation = request->generation;
	g_free(request);
	g_autoptr(GError) error = NULL;
	ckpt_clean_plan *plan = ckpt_op_plan_finish(result, &error);
	if (!plan) {
		if (!g_cancellable_is_cancelled(self->cancellable)) {
			gtk_label_set_text(self->summary_label, error->message);
			gtk_widget_set_sensitive(GTK_WIDGET(self->apply_button), FALSE);
		}
		return;
	}
	if (generation != self->generation || g_cancellable_is_cancelled(self->cancellable)) {
		ckpt_clean_plan_free(plan);
		return;
	}
	ckpt_clean_plan_free(self->plan);
	self->plan = plan;
	show_plan(self);
}

static void request_plan(CkptCleanDialog *self, gint64 keep_limit, ckpt_keep_mode mode)
{
	self->generation++;
	g_clear_pointer(&self->plan, ckpt_clean_plan_free);
	gtk_widget_set_sensitive(GTK_WIDGET(self->apply_button), FALSE);
	PlanRequest *request = g_new(PlanRequest, 1);
	*request = (PlanRequest){g_object_ref(self), self->generation};
	ckpt_op_plan_async(self->snapshot, keep_limit, mode, self->cancellable, on_plan, request);
}

void ckpt_clean_dialog_set_policy(CkptCleanDialog *self, gint64 keep_limit, ckpt_keep_mode mode)
{
	g_return_if_fail(CKPT_IS_CLEAN_DIALOG(self));
	request_plan(self, keep_limit, mode);
}

static gboolean replan(gpointer data)
{
	CkptCleanDialog *self = data;
	self->replan_source = 0;
	ckpt_clean_dialog_set_policy(self, (gint64)gtk_adjustment_get_value(self->keep_adjustment),
				     (ckpt_keep_mode)adw_combo_row_get_selected(self->mode_row));
	return G_SOURCE_REMOVE;
}

static void on_policy_changed(CkptCleanDialog *self)
{
	if (self->syncing || !self->snapshot)
		return;
	g_clear_handle_id(&self->replan_source, g_source_remove);
	self->replan_source = g_timeout_add(150, replan, self);
}

const ckpt_clean_plan *ckpt_clean_dialog_get_plan(CkptCleanDialog *self)
{
	return self->plan;
}

void ckpt_clean_dialog_apply(CkptCleanDialog *self)
{
	g_return_if_fail(CKPT_IS_CLEAN_DIALOG(self));
	if (!self->plan)
		return;
	ckpt_clean_plan *plan = g_steal_pointer(&self->plan);
	g_signal_emit(self, signals[SIGNAL_APPLY], 0, plan);
	gtk_window_close(GTK_WINDOW(self));
}

static void ckpt_clean_dialog_dispose(GObject *object)
{
	CkptCleanDialog *self = CKPT_CLEAN_DIALOG(object);
	g_cancellable_cancel(self->cancellable);
	g_clear_handle_id(&self->replan_source, g_source_remove);
	g_clear_pointer(&self->plan, ckpt_clean_plan_free);
	g_clear_pointer(&self->snapshot, ckpt_snapshot_unref);
	gtk_widget_dispose_template(GTK_WIDGET(self), CKPT_TYPE_CLEAN_DIALOG);
	G_OBJECT_CLASS(ckpt_clean_dialog_parent_class)->dispose(object);
}

static void ckpt_clean_dialog_finalize(GObject *object)
{
	g_object_unref(CKPT_CLEAN_DIALOG(object)->cancellable);
	G_OBJECT_CLASS(ckpt_clean_dialog_parent_class)->finalize(object);
}

static void ckpt_clean_dialog_class_init(CkptCleanDialogClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
	object_class->dispose = ckpt_clean_dialog_dispose;
	object_class->finalize = ckpt_clean_dialog_finalize;
	/* (ckpt_clean_plan *plan): the handler takes the plan and frees it. */
	signals[SIGNAL_APPLY] = g_signal_new("apply", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
					     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
	gtk_widget_class_set_template_from_resource(widget_class,
						    "/io/github/ckpt/Ckpt/ckpt-clean-dialog.ui");
	gtk_widget_class_bind_template_child(widget_class, CkptCleanDialog, window_title);
	gtk_widget_class_bind_template_child(widget_class, CkptCleanDialog, apply_button);
	gtk_widget_class_bind_template_child(widget_class, CkptCleanDialog, summary_label);
	gtk_widget_class_bind_template_child(widget_class, CkptCleanDialog, note_label);
	gtk_widget_class_bind_template_child(widget_class, CkptCleanDialog, policy_group);
	gtk_widget_class_bind_template_child(widget_class, CkptCleanDialog, keep_adjustment);
	gtk_widget_class_bind_template_child(widget_class, CkptCleanDialog, mode_row);
	gtk_widget_class_bind_template_child(widget_class, CkptCleanDialog, plan_list);
	gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void ckpt_clean_dialog_init(CkptCleanDialog *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	self->cancellable = g_cancellable_new();
	g_signal_connect_swapped(self->keep_adjustment, "value-changed",
				 G_CALLBACK(on_policy_changed), self);
	g_signal_connect_swapped(self->mode_row, "notify::selected", G_CALLBACK(on_policy_changed),
				 self);
	g_signal_connect_swapped(self->apply_button, "clicked", G_CALLBACK(ckpt_clean_dialog_apply),
				 self);
}

CkptCleanDialog *ckpt_clean_dialog_new(GtkWindow *parent, CkptRunItem *item)
{
	CkptCleanDialog *self = g_object_new(CKPT_TYPE_CLEAN_DIALOG, "transient-for", parent, NULL);
	self->snapshot = ckpt_snapshot_ref(ckpt_run_item_get_snapshot(item));
	g_autofree char *title = g_strdup_printf("Clean %s", ckpt_run_item_get_name(item));
	adw_window_title_set_title(self->window_title, title);
	gtk_window_set_title(GTK_WINDOW(self), title);
	request_plan(self, 0, CKPT_KEEP_RUNS_OWN);
	return self;
}
