/* ckpt-epochs-view.c: the epochs table (see ckpt-epochs-view.h). One
 * descriptor a column gives its cell text and sort order; cells are
 * GtkInscriptions, cheap to bind for runs that keep thousands of epochs. */
#define G_LOG_DOMAIN "ckpt-epochs-view"

#include "ckpt-epochs-view.h"

#include "ckpt-format.h"

#include <math.h>

struct _CkptEpochsView {
	GtkWidget parent_instance;
	GtkStack *stack;
	GtkLabel *title_label;
	GtkLabel *summary_label;
	GtkLabel *empty_label;
	GtkColumnView *column_view;
	GtkColumnViewColumn *epoch_column, *saved_column, *metric_column, *best_column,
	    *size_column, *check_column, *marks_column;

	CkptRunItem *item;
	GListStore *rows;
	GtkSortListModel *sorted;
	GtkSingleSelection *selection;
	gboolean rebuilding;
};

enum { SIGNAL_EPOCH_SELECTED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(CkptEpochsView, ckpt_epochs_view, GTK_TYPE_WIDGET)

/* ---- columns ---------------------------------------------------------------- */

typedef char *(*CellText)(CkptEpochItem *item);
typedef int (*CellCompare)(CkptEpochItem *a, CkptEpochItem *b);

typedef struct {
	CellText text;
	CellCompare compare;
	float xalign;
	guint chars; /* natural width of its text */
	int width;   /* the column's, in pixels; -1: it takes the rest */
} Column;

static int cmp_num(double a, double b)
{
	if (isnan(a) || isnan(b)) /* unknown values sort last */
		return isnan(a) - isnan(b);
	return (a > b) - (a < b);
}

static char *text_epoch(CkptEpochItem *i)
{
	return g_strdup_printf("%lld", (long long)ckpt_epoch_item_get_number(i));
}

static int cmp_epoch(CkptEpochItem *a, CkptEpochItem *b)
{
	return cmp_num((double)ckpt_epoch_item_get_number(a),
		       (double)ckpt_epoch_item_get_number(b));
}

static char *text_saved(CkptEpochItem *i)
{
	return g_strdup(ckpt_epoch_item_get_saved_text(i));
}

static int cmp_saved(CkptEpochItem *a, CkptEpochItem *b)
{
	int c = cmp_num((double)ckpt_epoch_item_get_saved_key(a),
			(double)ckpt_epoch_item_get_saved_key(b));
	return c ? c : cmp_epoch(a, b);
}

static char *text_metric(CkptEpochItem *i)
{
	return ckpt_format_metric(ckpt_epoch_item_get_metric(i));
}

static int cmp_metric(CkptEpochItem *a, CkptEpochItem *b)
{
	return cmp_num(ckpt_epoch_item_get_metric(a), ckpt_epoch_item_get_metric(b));
}

static char *text_best(CkptEpochItem *i)
{
	return ckpt_format_metric(ckpt_epoch_item_get_best_so_far(i));
}

static int cmp_best(CkptEpochItem *a, CkptEpochItem *b)
{
	return cmp_num(ckpt_epoch_item_get_best_so_far(a), ckpt_epoch_item_get_best_so_far(b));
}

static char *text_size(CkptEpochItem *i)
{
	return ckpt_format_bytes(ckpt_epoch_item_get_size(i));
}

static int cmp_size(CkptEpochItem *a, CkptEpochItem *b)
{
	return cmp_num((double)ckpt_epoch_item_get_size(a), (double)ckpt_epoch_item_get_size(b));
}

static char *text_check(CkptEpochItem *i)
{
	return g_strdup(ckpt_epoch_item_get_check_text(i));
}

static int cmp_check(CkptEpochItem *a, CkptEpochItem *b)
{
	int c = ckpt_epoch_item_get_check_rank(a) - ckpt_epoch_item_get_check_rank(b);
	return c ? c : cmp_epoch(a, b);
}

static int mark_rank(CkptEpochItem *i)
{
	return (ckpt_epoch_item_is_best(i) ? 2 : 0) + (ckpt_epoch_item_is_last(i) ? 1 : 0);
}

static int cmp_marks(CkptEpochItem *a, CkptEpochItem *b)
{
	int c = mark_rank(b) - mark_rank(a);
	return c ? c : cmp_epoch(a, b);
}

static const Column columns[] = {
    {text_epoch, cmp_epoch, 1.0f, 5, 64},   {text_saved, cmp_saved, 0.0f, 16, 124},
    {text_metric, cmp_metric, 1.0f, 9, 84}, {text_best, cmp_best, 1.0f, 9, 96},
    {text_size, cmp_size, 1.0f, 8, 76},     {text_check, cmp_check, 0.0f, 18, -1},
    {NULL, cmp_marks, 0.0f, 0, 124},
};

static int sorter_compare(gconstpointer a, gconstpointer b, gpointer data)
{
	const Column *c = data;
	return c->compare(CKPT_EPOCH_ITEM((gpointer)a), CKPT_EPOCH_ITEM((gpointer)b));
}

static void setup_text(GtkSignalListItemFactory *f, GtkListItem *li, gpointer data)
{
	(void)f;
	const Column *c = data;
	GtkWidget *cell = gtk_inscription_new(NULL);
	gtk_inscription_set_xalign(GTK_INSCRIPTION(cell), c->xalign);
	gtk_inscription_set_min_chars(GTK_INSCRIPTION(cell), 3);
	gtk_inscription_set_nat_chars(GTK_INSCRIPTION(cell), c->chars);
	gtk_inscription_set_text_overflow(GTK_INSCRIPTION(cell),
					  GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
	if (c->xalign > 0.5f)
		gtk_widget_add_css_class(cell, "numeric");
	gtk_list_item_set_child(li, cell);
}

static void bind_text(GtkSignalListItemFactory *f, GtkListItem *li, gpointer data)
{
	(void)f;
	const Column *c = data;
	CkptEpochItem *item = gtk_list_item_get_item(li);
	GtkWidget *cell = gtk_list_item_get_child(li);
	g_autofree char *text = c->text(item);
	gtk_inscription_set_text(GTK_INSCRIPTION(cell), text);
	if (c->text == text_check) {
		static const char *styles[] = {"success", "warning", "error", "dim-label"};
		for (size_t k = 0; k < G_N_ELEMENTS(styles); k++)
			gtk_widget_remove_css_class(cell, styles[k]);
		gtk_widget_add_css_class(cell, ckpt_epoch_item_get_check_style(item));
	}
}

static GtkWidget *pill(const char *text, const char *style)
{
	GtkWidget *label = gtk_label_new(text);
	gtk_widget_add_css_class(label, "badge");
	gtk_widget_add_css_class(label, style);
	return label;
}

static void setup_marks(GtkSignalListItemFactory *f, GtkListItem *li, gpointer data)
{
	(void)f, (void)data;
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 4);
	gtk_box_append(GTK_BOX(box), pill("best", "accent"));
	gtk_box_append(GTK_BOX(box), pill("last", "neutral"));
	gtk_box_append(GTK_BOX(box), pill("", "error"));
	gtk_list_item_set_child(li, box);
}

static void bind_marks(GtkSignalListItemFactory *f, GtkListItem *li, gpointer data)
{
	(void)f, (void)data;
	CkptEpochItem *item = gtk_list_item_get_item(li);
	GtkWidget *best = gtk_widget_get_first_child(gtk_list_item_get_child(li));
	GtkWidget *last = gtk_widget_get_next_sibling(best);
	GtkWidget *health = gtk_widget_get_next_sibling(last);
	gtk_widget_set_visible(best, ckpt_epoch_item_is_best(item));
	gtk_widget_set_visible(last, ckpt_epoch_item_is_last(item));
	ckpt_epoch_state state = ckpt_epoch_item_get_health(item);
	gtk_widget_set_visible(health, state != CKPT_EPOCH_OK);
	gtk_label_set_text(GTK_LABEL(health), ckpt_epoch_state_name(state));
}

static void setup_column(GtkColumnViewColumn *column, const Column *c)
{
	GtkListItemFactory *factory = gtk_signal_list_item_factory_new();
	if (c->text) {
		g_signal_connect(factory, "setup", G_CALLBACK(setup_text), (gpointer)c);
		g_signal_connect(factory, "bind", G_CALLBACK(bind_text), (gpointer)c);
	} else {
		g_signal_connect(factory, "setup", G_CALLBACK(setup_marks), (gpointer)c);
		g_signal_connect(factory, "bind", G_CALLBACK(bind_marks), (gpointer)c);
	}
	gtk_column_view_column_set_factory(column, factory);
	if (c->width > 0)
		gtk_column_view_column_set_fixed_width(column, c->width);
	g_object_unref(factory);
	GtkSorter *sorter = GTK_SORTER(gtk_custom_sorter_new(sorter_compare, (gpointer)c, NULL));
	gtk_column_view_column_set_sorter(column, sorter);
	g_object_unref(sorter);
}

/* ---- rows ---------------------------------------------------------------------- */

static void update_summary(CkptEpochsView *self)
{
	if (!self->item) {
		gtk_label_set_text(self->summary_label, "");
		gtk_label_set_text(self->empty_label, "Select a run to see its epochs");
		gtk_stack_set_visible_child_name(self->stack, "empty");
		return;
	}
	const ckpt_run *run = ckpt_run_item_get_run(self->item);
	size_t n = ckpt_run_epoch_count(run);
	g_autofree char *size = ckpt_format_bytes((gint64)ckpt_run_total_bytes(run));
	g_autofree char *text =
	    g_strdup_printf("%s · %zu %s · %s", ckpt_run_item_get_name(self->item), n,
			    n == 1 ? "epoch" : "epochs", size);
	gtk_label_set_text(self->summary_label, text);
	const char *metric = ckpt_run_metric(run);
	g_autofree char *title = ckpt_text_escape(metric ? metric : "Metric");
	gtk_column_view_column_set_title(self->metric_column, title);
	gtk_label_set_text(self->empty_label, "No epochs on disk");
	gtk_stack_set_visible_child_name(self->stack, n ? "table" : "empty");
}

static guint position_of(CkptEpochsView *self, gint64 epoch)
{
	GListModel *model = G_LIST_MODEL(self->sorted);
	guint n = g_list_model_get_n_items(model);
	for (guint i = 0; i < n && epoch > 0; i++) {
		g_autoptr(CkptEpochItem) item = g_list_model_get_item(model, i);
		if (ckpt_epoch_item_get_number(item) == epoch)
			return i;
	}
	return GTK_INVALID_LIST_POSITION;
}

static void rebuild(CkptEpochsView *self)
{
	gint64 keep = ckpt_epochs_view_get_selected_epoch(self);
	self->rebuilding = TRUE;
	g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_object_unref);
	if (self->item) {
		CkptSnapshot *s = ckpt_run_item_get_snapshot(self->item);
		gint64 now = g_get_real_time() / G_USEC_PER_SEC;
		for (size_t i = 0; i < ckpt_run_epoch_count(s->run); i++)
			g_ptr_array_add(items,
					ckpt_epoch_item_new(s, ckpt_run_epoch(s->run, i), now));
	}
	g_list_store_splice(self->rows, 0, g_list_model_get_n_items(G_LIST_MODEL(self->rows)),
			    items->pdata, items->len);
	gtk_single_selection_set_selected(self->selection, position_of(self, keep));
	self->rebuilding = FALSE;
	update_summary(self);
	if (ckpt_epochs_view_get_selected_epoch(self) != keep)
		g_signal_emit(self, signals[SIGNAL_EPOCH_SELECTED], 0,
			      ckpt_epochs_view_get_selected_epoch(self));
}

static void on_run_changed(CkptRunItem *item, gpointer data)
{
	(void)item;
	rebuild(CKPT_EPOCHS_VIEW(data));
}

void ckpt_epochs_view_set_run(CkptEpochsView *self, CkptRunItem *item)
{
	g_return_if_fail(CKPT_IS_EPOCHS_VIEW(self));
	if (item == self->item)
		return;
	if (self->item)
		g_signal_handlers_disconnect_by_func(self->item, on_run_changed, self);
	g_set_object(&self->item, item);
	if (item)
		g_signal_connect(item, "changed", G_CALLBACK(on_run_changed), self);
	gtk_single_selection_set_selected(self->selection, GTK_INVALID_LIST_POSITION);
	rebuild(self);
}

gint64 ckpt_epochs_view_get_selected_epoch(CkptEpochsView *self)
{
	CkptEpochItem *item = gtk_single_selection_get_selected_item(self->selection);
	return item ? ckpt_epoch_item_get_number(item) : 0;
}

void ckpt_epochs_view_select_epoch(CkptEpochsView *self, gint64 epoch)
{
	g_return_if_fail(CKPT_IS_EPOCHS_VIEW(self));
	guint position = position_of(self, epoch);
	gtk_single_selection_set_selected(self->selection, position);
	if (position == GTK_INVALID_LIST_POSITION)
		return;
	/* GTK 4.8 has no gtk_column_view_scroll_to: ask its list view. */
	for (GtkWidget *child = gtk_widget_get_first_child(GTK_WIDGET(self->column_view)); child;
	     child = gtk_widget_get_next_sibling(child))
		if (GTK_IS_LIST_VIEW(child))
			gtk_widget_activate_action(child, "list.scroll-to-item", "u", position);
}

GListModel *ckpt_epochs_view_get_rows(CkptEpochsView *self)
{
	return G_LIST_MODEL(self->sorted);
}

static void on_selected(GtkSingleSelection *selection, GParamSpec *pspec, gpointer data)
{
	(void)selection, (void)pspec;
	CkptEpochsView *self = data;
	if (!self->rebuilding)
		g_signal_emit(self, signals[SIGNAL_EPOCH_SELECTED], 0,
			      ckpt_epochs_view_get_selected_epoch(self));
}

/* ---- the object ---------------------------------------------------------------------- */

static void ckpt_epochs_view_dispose(GObject *object)
{
	CkptEpochsView *self = CKPT_EPOCHS_VIEW(object);
	if (self->item)
		g_signal_handlers_disconnect_by_func(self->item, on_run_changed, self);
	g_clear_object(&self->item);
	gtk_widget_dispose_template(GTK_WIDGET(self), CKPT_TYPE_EPOCHS_VIEW);
	GtkWidget *child;
	while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
		gtk_widget_unparent(child);
	g_clear_object(&self->selection);
	g_clear_object(&self->rows);
	G_OBJECT_CLASS(ckpt_epochs_view_parent_class)->dispose(object);
}

static void ckpt_epochs_view_class_init(CkptEpochsViewClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
	object_class->dispose = ckpt_epochs_view_dispose;
	/* The selected row changed: (epoch, 0 for none) */
	signals[SIGNAL_EPOCH_SELECTED] =
	    g_signal_new("epoch-selected", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
	gtk_widget_class_set_template_from_resource(widget_class,
						    "/io/github/ckpt/Ckpt/ckpt-epochs-view.ui");
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, stack);
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, title_label);
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, summary_label);
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, empty_label);
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, column_view);
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, epoch_column);
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, saved_column);
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, metric_column);
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, best_column);
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, size_column);
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, check_column);
	gtk_widget_class_bind_template_child(widget_class, CkptEpochsView, marks_column);
	gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
	gtk_widget_class_set_css_name(widget_class, "epochs-view");
}

static void ckpt_epochs_view_init(CkptEpochsView *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	GtkColumnViewColumn *cols[] = {self->epoch_column, self->saved_column, self->metric_column,
				       self->best_column,  self->size_column,  self->check_column,
				       self->marks_column};
	for (size_t i = 0; i < G_N_ELEMENTS(cols); i++)
		setup_column(cols[i], &columns[i]);
	self->rows = g_list_store_new(CKPT_TYPE_EPOCH_ITEM);
	GtkSorter *sorter = gtk_column_view_get_sorter(self->column_view);
	self->sorted = gtk_sort_list_model_new(G_LIST_MODEL(g_object_ref(self->rows)),
					       sorter ? g_object_ref(sorter) : NULL);
	self->selection = gtk_single_selection_new(G_LIST_MODEL(self->sorted));
	gtk_single_selection_set_autoselect(self->selection, FALSE);
	gtk_single_selection_set_can_unselect(self->selection, TRUE);
	gtk_single_selection_set_selected(self->selection, GTK_INVALID_LIST_POSITION);
	g_signal_connect(self->selection, "notify::selected", G_CALLBACK(on_selected), self);
	gtk_column_view_set_model(self->column_view, GTK_SELECTION_MODEL(self->selection));
	gtk_column_view_sort_by_column(self->column_view, self->epoch_column, GTK_SORT_ASCENDING);
	update_summary(self);
}

GtkWidget *ckpt_epochs_view_new(void)
{
	return g_object_new(CKPT_TYPE_EPOCHS_VIEW, NULL);
}
