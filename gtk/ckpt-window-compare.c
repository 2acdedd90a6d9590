/* ckpt-window-compare.c: which runs the chart compares, in which colour: a
 * run's check box adds it with the lowest free palette slot; a folder being
 * opened compares its first ten runs unless the user picks others. */
#define G_LOG_DOMAIN "ckpt-window"

#include "ckpt-window-private.h"

#define AUTO_CHECK 10

static gboolean update_chart(gpointer data)
{
	CkptWindow *self = data;
	self->chart_source = 0;
	ckpt_chart_set_runs(self->chart, (CkptRunItem **)self->checked->pdata, self->checked->len);
	ckpt_chart_set_selection(self->chart, self->selected, self->selected_epoch);
	/* Watch the compared runs and the selected one; the rest are polled. */
	g_autoptr(GPtrArray) watched = g_ptr_array_new(); /* borrowed items */
	for (guint i = 0; i < self->checked->len; i++)
		g_ptr_array_add(watched, g_ptr_array_index(self->checked, i));
	if (self->selected && !ckpt_run_item_get_checked(self->selected))
		g_ptr_array_add(watched, self->selected);
	ckpt_run_store_watch(self->store, (CkptRunItem **)watched->pdata, watched->len);
	ckpt_window_update_title(self);
	ckpt_window_update_actions(self);
	return G_SOURCE_REMOVE;
}

void ckpt_window_schedule_chart(CkptWindow *self)
{
	if (!self->chart_source)
		/* At default priority: a busy main loop (refreshes, streaming scans)
		 * must not keep the chart waiting. */
		self->chart_source = g_idle_add_full(G_PRIORITY_DEFAULT, update_chart, self, NULL);
}

static int take_slot(CkptWindow *self)
{
	for (guint i = 0; i < self->style_slots->len; i++)
		if (!g_array_index(self->style_slots, gboolean, i)) {
			g_array_index(self->style_slots, gboolean, i) = TRUE;
			return (int)i;
		}
	gboolean taken = TRUE;
	g_array_append_val(self->style_slots, taken);
	return (int)self->style_slots->len - 1;
}

static void on_checked(CkptRunItem *item, GParamSpec *pspec, gpointer data)
{
	(void)pspec;
	CkptWindow *self = data;
	if (!self->auto_checking)
		self->user_chose = TRUE;
	gboolean checked = ckpt_run_item_get_checked(item);
	guint index;
	gboolean present = g_ptr_array_find(self->checked, item, &index);
	if (checked && !present) {
		g_ptr_array_add(self->checked, g_object_ref(item));
		ckpt_run_item_set_style_index(item, take_slot(self));
	} else if (!checked && present) {
		int slot = ckpt_run_item_get_style_index(item);
		if (slot >= 0 && (guint)slot < self->style_slots->len)
			g_array_index(self->style_slots, gboolean, slot) = FALSE;
		ckpt_run_item_set_style_index(item, -1);
		g_ptr_array_remove_index(self->checked, index);
	}
	ckpt_window_schedule_chart(self);
}

static void set_checked_auto(CkptWindow *self, CkptRunItem *item, gboolean checked)
{
	self->auto_checking = TRUE;
	ckpt_run_item_set_checked(item, checked);
	self->auto_checking = FALSE;
}

/* Compares the first ten runs in the sidebar's order. */
void ckpt_window_check_first(CkptWindow *self)
{
	GListModel *shown = ckpt_sidebar_get_shown(self->sidebar);
	GListModel *all = ckpt_run_store_get_model(self->store);
	for (guint i = g_list_model_get_n_items(all); i-- > 0;) {
		g_autoptr(CkptRunItem) item = g_list_model_get_item(all, i);
		set_checked_auto(self, item, FALSE);
	}
	guint n = MIN(AUTO_CHECK, g_list_model_get_n_items(shown));
	for (guint i = 0; i < n; i++) {
		g_autoptr(CkptRunItem) item = g_list_model_get_item(shown, i);
		set_checked_auto(self, item, TRUE);
	}
}

void ckpt_window_on_runs_changed(GListModel *model, guint position, guint removed, guint added,
				 gpointer data)
{
	CkptWindow *self = data;
	/* Items gone from the store: drop them from the comparison. */
	if (removed) {
		for (guint i = self->checked->len; i-- > 0;) {
			CkptRunItem *item = g_ptr_array_index(self->checked, i);
			guint at;
			if (!g_list_store_find(G_LIST_STORE(model), item, &at))
				ckpt_run_item_set_checked(item, FALSE);
		}
	}
	for (guint i = position; i < position + added; i++) {
		g_autoptr(CkptRunItem) item = g_list_model_get_item(model, i);
		g_signal_connect_object(item, "notify::checked", G_CALLBACK(on_checked), self, 0);
		/* While a folder streams in, the first runs to arrive are compared at
		 * once; the scan's end settles on the first ten by name. */
		if (!self->user_chose && self->checked->len < AUTO_CHECK)
			set_checked_auto(self, item, TRUE);
	}
	ckpt_window_update_title(self);
	ckpt_window_update_actions(self);
}

static void check_first_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)name, (void)param;
	CkptWindow *self = CKPT_WINDOW(widget);
	ckpt_window_check_first(self);
	self->user_chose = TRUE;
}

static void check_none_action(GtkWidget *widget, const char *name, GVariant *param)
{
	(void)name, (void)param;
	CkptWindow *self = CKPT_WINDOW(widget);
	while (self->checked->len)
		set_checked_auto(self, g_ptr_array_index(self->checked, 0), FALSE);
	self->user_chose = TRUE;
}

void ckpt_window_compare_class_init(GtkWidgetClass *widget_class)
{
	gtk_widget_class_install_action(widget_class, "win.check-first", NULL, check_first_action);
	gtk_widget_class_install_action(widget_class, "win.check-none", NULL, check_none_action);
}
