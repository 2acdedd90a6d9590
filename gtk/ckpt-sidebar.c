/* ckpt-sidebar.c: the run list (see ckpt-sidebar.h): store → filter → sort
 * → single selection → list view of CkptRunRow. Enter or a double click on
 * a row toggles its check box. */
#define G_LOG_DOMAIN "ckpt-sidebar"

#include "ckpt-sidebar.h"

#include "ckpt-run-row.h"

#include <math.h>
#include <string.h>

struct _CkptSidebar {
	GtkWidget parent_instance;
	GtkSearchEntry *search_entry;
	GtkToggleButton *regex_button;
	GtkLabel *count_label;
	GtkDropDown *sort_dropdown;
	GtkListView *list_view;

	GListModel *runs;
	GtkFilterListModel *filtered;
	GtkSortListModel *sorted;
	GtkSingleSelection *selection;
	GtkCustomFilter *filter;
	GtkCustomSorter *sorter;
	CkptSortMode sort_mode;
	char *needle;  /* case-folded substring, or NULL */
	GRegex *regex; /* or this */
	guint resort_source;
};

enum { SIGNAL_RUN_SELECTED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(CkptSidebar, ckpt_sidebar, GTK_TYPE_WIDGET)

/* ---- filter and sort ------------------------------------------------------- */

static gboolean match(gpointer object, gpointer data)
{
	CkptSidebar *self = data;
	const char *name = ckpt_run_item_get_name(CKPT_RUN_ITEM(object));
	if (self->regex)
		return g_regex_match(self->regex, name, 0, NULL);
	if (!self->needle)
		return TRUE;
	g_autofree char *folded = g_utf8_casefold(name, -1);
	return strstr(folded, self->needle) != NULL;
}

gboolean ckpt_sidebar_set_filter(CkptSidebar *self, const char *text, gboolean regex)
{
	g_return_val_if_fail(CKPT_IS_SIDEBAR(self), FALSE);
	GRegex *compiled = NULL;
	if (regex && text && *text) {
		compiled = g_regex_new(text, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
		if (!compiled)
			return FALSE;
	}
	g_clear_pointer(&self->regex, g_regex_unref);
	g_clear_pointer(&self->needle, g_free);
	self->regex = compiled;
	if (!regex && text && *text)
		self->needle = g_utf8_casefold(text, -1);
	gtk_filter_changed(GTK_FILTER(self->filter), GTK_FILTER_CHANGE_DIFFERENT);
	return TRUE;
}

static void apply_search(CkptSidebar *self)
{
	const char *text = gtk_editable_get_text(GTK_EDITABLE(self->search_entry));
	gboolean regex = gtk_toggle_button_get_active(self->regex_button);
	gboolean ok = ckpt_sidebar_set_filter(self, text, regex);
	if (ok)
		gtk_widget_remove_css_class(GTK_WIDGET(self->search_entry), "error");
	else
		gtk_widget_add_css_class(GTK_WIDGET(self->search_entry), "error");
}

static int compare_runs(gconstpointer a, gconstpointer b, gpointer data)
{
	CkptSidebar *self = data;
	CkptRunItem *x = CKPT_RUN_ITEM((gpointer)a), *y = CKPT_RUN_ITEM((gpointer)b);
	int by_name = g_utf8_collate(ckpt_run_item_get_name(x), ckpt_run_item_get_name(y));
	if (self->sort_mode == CKPT_SORT_BEST) {
		/* Best first: smaller for '-' metrics, larger for '+'; unknown last. */
		double u = ckpt_run_item_get_best(x), v = ckpt_run_item_get_best(y);
		if (ckpt_run_direction(ckpt_run_item_get_run(x)) == '+')
			u = -u;
		if (ckpt_run_direction(ckpt_run_item_get_run(y)) == '+')
			v = -v;
		if (isnan(u) != isnan(v))
			return isnan(u) ? 1 : -1;
		if (!isnan(u) && u != v)
			return u < v ? -1 : 1;
	} else if (self->sort_mode == CKPT_SORT_UPDATED) {
		gint64 u = ckpt_run_updated(ckpt_run_item_get_run(x));
		gint64 v = ckpt_run_updated(ckpt_run_item_get_run(y));
		if (u != v)
			return u > v ? -1 : 1; /* newest first */
	}
	return by_name;
}

void ckpt_sidebar_set_sort(CkptSidebar *self, CkptSortMode mode)
{
	g_return_if_fail(CKPT_IS_SIDEBAR(self));
	if (gtk_drop_down_get_selected(self->sort_dropdown) != (guint)mode)
		gtk_drop_down_set_selected(self->sort_dropdown, (guint)mode);
	self->sort_mode = mode;
	gtk_sorter_changed(GTK_SORTER(self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
}

static void on_sort_selected(GtkDropDown *dropdown, GParamSpec *pspec, gpointer data)
{
	(void)pspec;
	ckpt_sidebar_set_sort(CKPT_SIDEBAR(data),
			      (CkptSortMode)gtk_drop_down_get_selected(dropdown));
}

/* A run's best value or age changed: sort again, once per burst of changes. */
static gboolean resort(gpointer data)
{
	CkptSidebar *self = data;
	self->resort_source = 0;
	if (self->sort_mode != CKPT_SORT_NAME)
		gtk_sorter_changed(GTK_SORTER(self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
	return G_SOURCE_REMOVE;
}

static void on_item_changed(CkptRunItem *item, gpointer data)
{
	(void)item;
	CkptSidebar *self = data;
	if (!self->resort_source)
		self->resort_source = g_timeout_add(250, resort, self);
}

static void on_runs_changed(GListModel *model, guint position, guint removed, guint added,
			    gpointer data)
{
	(void)removed;
	for (guint i = position; i < position + added; i++) {
		g_autoptr(CkptRunItem) item = g_list_model_get_item(model, i);
		g_signal_handlers_disconnect_by_func(item, on_item_changed, data);
		g_signal_connect_object(item, "changed", G_CALLBACK(on_item_changed), data, 0);
	}
}

/* ---- rows ---------------------------------------------------------------------- */

static void setup_row(GtkSignalListItemFactory *f, GtkListItem *li, gpointer data)
{
	(void)f, (void)data;
	gtk_list_item_set_child(li, ckpt_run_row_new());
}

static void bind_row(GtkSignalListItemFactory *f, GtkListItem *li, gpointer data)
{
	(void)f, (void)data;
	ckpt_run_row_set_item(CKPT_RUN_ROW(gtk_list_item_get_child(li)),
			      gtk_list_item_get_item(li));
}

static void unbind_row(GtkSignalListItemFactory *f, GtkListItem *li, gpointer data)
{
	(void)f, (void)data;
	ckpt_run_row_set_item(CKPT_RUN_ROW(gtk_list_item_get_child(li)), NULL);
}

static void on_activate(GtkListView *view, guint position, gpointer data)
{
	(void)view;
	CkptSidebar *self = data;
	g_autoptr(CkptRunItem) item = g_list_model_get_item(G_LIST_MODEL(self->sorted), position);
	if (item)
		ckpt_run_item_set_checked(item, !ckpt_run_item_get_checked(item));
}

static void on_selected(GtkSingleSelection *selection, GParamSpec *pspec, gpointer data)
{
	(void)pspec;
	g_signal_emit(data, signals[SIGNAL_RUN_SELECTED], 0,
		      gtk_single_selection_get_selected_item(selection));
}

/* ---- API ----------------------------------------------------------------------------- */

void ckpt_sidebar_set_model(CkptSidebar *self, GListModel *runs)
{
	g_return_if_fail(CKPT_IS_SIDEBAR(self));
	if (self->runs)
		g_signal_handlers_disconnect_by_func(self->runs, on_runs_changed, self);
	g_set_object(&self->runs, runs);
	gtk_filter_list_model_set_model(self->filtered, runs);
	if (runs) {
		g_signal_connect(runs, "items-changed", G_CALLBACK(on_runs_changed), self);
		on_runs_changed(runs, 0, 0, g_list_model_get_n_items(runs), self);
	}
}

GListModel *ckpt_sidebar_get_shown(CkptSidebar *self)
{
	return G_LIST_MODEL(self->sorted);
}

CkptRunItem *ckpt_sidebar_get_selected(CkptSidebar *self)
{
	return gtk_single_selection_get_selected_item(self->selection);
}

void ckpt_sidebar_select(CkptSidebar *self, CkptRunItem *item)
{
	g_return_if_fail(CKPT_IS_SIDEBAR(self));
	GListModel *shown = G_LIST_MODEL(self->sorted);
	guint n = g_list_model_get_n_items(shown);
	for (guint i = 0; i < n; i++) {
		g_autoptr(CkptRunItem) candidate = g_list_model_get_item(shown, i);
		if (candidate == item) {
			gtk_single_selection_set_selected(self->selection, i);
			gtk_widget_activate_action(GTK_WIDGET(self->list_view),
						   "list.scroll-to-item", "u", i);
			return;
		}
	}
}

void ckpt_sidebar_focus_search(CkptSidebar *self)
{
	gtk_widget_grab_focus(GTK_WIDGET(self->search_entry));
}

void ckpt_sidebar_set_counts(CkptSidebar *self, guint n_runs, guint n_checked, gboolean scanning)
{
	g_autofree char *text =
	    g_strdup_printf("%u %s · %u compared%s", n_runs, n_runs == 1 ? "run" : "runs",
			    n_checked, scanning ? " · reading…" : "");
	gtk_label_set_text(self->count_label, text);
}

/* ---- the object ------------------------------------------------------------------------- */

static void ckpt_sidebar_dispose(GObject *object)
{
	CkptSidebar *self = CKPT_SIDEBAR(object);
	g_clear_handle_id(&self->resort_source, g_source_remove);
	if (self->runs)
		g_signal_handlers_disconnect_by_func(self->runs, on_runs_changed, self);
	gtk_widget_dispose_template(GTK_WIDGET(self), CKPT_TYPE_SIDEBAR);
	GtkWidget *child;
	while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
		gtk_widget_unparent(child);
	g_clear_object(&self->selection);
	g_clear_object(&self->runs);
	G_OBJECT_CLASS(ckpt_sidebar_parent_class)->dispose(object);
}

static void ckpt_sidebar_finalize(GObject *object)
{
	CkptSidebar *self = CKPT_SIDEBAR(object);
	g_free(self->needle);
	g_clear_pointer(&self->regex, g_regex_unref);
	G_OBJECT_CLASS(ckpt_sidebar_parent_class)->finalize(object);
}

static void ckpt_sidebar_class_init(CkptSidebarClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
	object_class->dispose = ckpt_sidebar_dispose;
	object_class->finalize = ckpt_sidebar_finalize;
	/* The selected run changed: (run, or NULL) */
	signals[SIGNAL_RUN_SELECTED] =
	    g_signal_new("run-selected", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			 NULL, G_TYPE_NONE, 1, CKPT_TYPE_RUN_ITEM);
	gtk_widget_class_set_template_from_resource(widget_class,
						    "/io/github/ckpt/Ckpt/ckpt-sidebar.ui");
	gtk_widget_class_bind_template_child(widget_class, CkptSidebar, search_entry);
	gtk_widget_class_bind_template_child(widget_class, CkptSidebar, regex_button);
	gtk_widget_class_bind_template_child(widget_class, CkptSidebar, count_label);
	gtk_widget_class_bind_template_child(widget_class, CkptSidebar, sort_dropdown);
	gtk_widget_class_bind_template_child(widget_class, CkptSidebar, list_view);
	gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
	gtk_widget_class_set_css_name(widget_class, "sidebar-runs");
}

static void ckpt_sidebar_init(CkptSidebar *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	self->filter = gtk_custom_filter_new(match, self, NULL);
	self->sorter = gtk_custom_sorter_new(compare_runs, self, NULL);
	self->filtered = gtk_filter_list_model_new(NULL, GTK_FILTER(self->filter));
	gtk_filter_list_model_set_incremental(self->filtered, FALSE);
	self->sorted =
	    gtk_sort_list_model_new(G_LIST_MODEL(self->filtered), GTK_SORTER(self->sorter));
	self->selection = gtk_single_selection_new(G_LIST_MODEL(self->sorted));
	gtk_single_selection_set_autoselect(self->selection, TRUE);
	g_signal_connect(self->selection, "notify::selected-item", G_CALLBACK(on_selected), self);

	GtkListItemFactory *factory = gtk_signal_list_item_factory_new();
	g_signal_connect(factory, "setup", G_CALLBACK(setup_row), NULL);
	g_signal_connect(factory, "bind", G_CALLBACK(bind_row), NULL);
	g_signal_connect(factory, "unbind", G_CALLBACK(unbind_row), NULL);
	gtk_list_view_set_factory(self->list_view, factory);
	g_object_unref(factory);
	gtk_list_view_set_model(self->list_view, GTK_SELECTION_MODEL(self->selection));
	g_signal_connect(self->list_view, "activate", G_CALLBACK(on_activate), self);

	g_signal_connect_swapped(self->search_entry, "search-changed", G_CALLBACK(apply_search),
				 self);
	g_signal_connect_swapped(self->regex_button, "toggled", G_CALLBACK(apply_search), self);
	g_signal_connect(self->sort_dropdown, "notify::selected", G_CALLBACK(on_sort_selected),
			 self);
	ckpt_sidebar_set_counts(self, 0, 0, FALSE);
}

GtkWidget *ckpt_sidebar_new(void)
{
	return g_object_new(CKPT_TYPE_SIDEBAR, NULL);
}
