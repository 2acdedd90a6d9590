/* ckpt-run-row.c: a sidebar row (see ckpt-run-row.h). The check box is
 * bound to the item's "checked"; the rest follows the item's ::changed. */
#define G_LOG_DOMAIN "ckpt-run-row"

#include "ckpt-run-row.h"

#include "chart-math.h"
#include "ckpt-format.h"

#include <adwaita.h>
#include <math.h>

struct _CkptRunRow {
	GtkWidget parent_instance;
	GtkCheckButton *check;
	GtkDrawingArea *swatch;
	GtkLabel *name_label;
	GtkLabel *detail_label;
	GtkLabel *live_badge;
	GtkBox *badges;

	CkptRunItem *item;
	GBinding *checked_binding;
};

G_DEFINE_FINAL_TYPE(CkptRunRow, ckpt_run_row, GTK_TYPE_WIDGET)

guint ckpt_run_row_badges(unsigned health, const char **texts, const char **styles, guint max)
{
	static const struct {
		unsigned flags;
		const char *text, *style;
	} table[] = {
	    {CKPT_HEALTH_LIVE, "live", "accent"},
	    {CKPT_HEALTH_DAMAGED, "damaged", "error"},
	    {CKPT_HEALTH_UNREADABLE, "unreadable", "error"},
	    {CKPT_HEALTH_INCOMPLETE, "incomplete", "warning"},
	    {CKPT_HEALTH_RELOCATED | CKPT_HEALTH_BROKEN_LINK, "links", "warning"},
	    {CKPT_HEALTH_WORK_LEFTOVER | CKPT_HEALTH_STRAYS | CKPT_HEALTH_STALE_LOCK, "leftover",
	     "neutral"},
	};
	guint n = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(table) && n < max; i++)
		if (health & table[i].flags) {
			texts[n] = table[i].text;
			styles[n] = table[i].style;
			n++;
		}
	return n;
}

static void draw_swatch(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
	(void)area;
	CkptRunRow *self = data;
	int index = self->item ? ckpt_run_item_get_style_index(self->item) : -1;
	if (index < 0)
		return;
	gboolean dark = adw_style_manager_get_dark(adw_style_manager_get_default());
	ChartRgb c = chart_palette_color((unsigned)index, dark);
	double dashes[4];
	size_t n = chart_palette_dashes((unsigned)index, dashes);
	for (size_t i = 0; i < n; i++)
		dashes[i] *= 2.5;
	cairo_set_dash(cr, dashes, (int)n, 0);
	cairo_set_line_width(cr, 2.5);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	cairo_set_source_rgb(cr, c.r, c.g, c.b);
	cairo_move_to(cr, 2, height / 2.0);
	cairo_line_to(cr, width - 2, height / 2.0);
	cairo_stroke(cr);
}

static void clear_badges(CkptRunRow *self)
{
	GtkWidget *child;
	while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->badges))))
		gtk_box_remove(self->badges, child);
}

static char *detail_text(const ckpt_run *run)
{
	GString *s = g_string_new(NULL);
	double best;
	if (ckpt_run_best_metric(&best, run)) {
		g_autofree char *v = ckpt_format_metric(best);
		g_string_append_printf(s, "best %s · ", v);
	}
	size_t n = ckpt_run_epoch_count(run);
	g_string_append_printf(s, "%zu on disk · ", n);
	g_autofree char *ago =
	    ckpt_format_ago(ckpt_run_updated(run), g_get_real_time() / G_USEC_PER_SEC);
	g_string_append(s, ago);
	return g_string_free(s, FALSE);
}

static void update(CkptRunRow *self)
{
	clear_badges(self);
	gtk_widget_queue_draw(GTK_WIDGET(self->swatch));
	if (!self->item) {
		gtk_widget_set_visible(GTK_WIDGET(self->live_badge), FALSE);
		gtk_widget_set_visible(GTK_WIDGET(self->badges), FALSE);
		gtk_label_set_text(self->name_label, "");
		gtk_label_set_text(self->detail_label, "");
		return;
	}
	const ckpt_run *run = ckpt_run_item_get_run(self->item);
	const char *name = ckpt_run_item_get_name(self->item);
	gtk_label_set_text(self->name_label, name);
	g_autofree char *detail = detail_text(run);
	gtk_label_set_text(self->detail_label, detail);
	const char *texts[8], *styles[8];
	guint n = ckpt_run_row_badges(ckpt_run_health(run), texts, styles, G_N_ELEMENTS(texts));
	gboolean live = FALSE, problems = FALSE;
	const char *shown[8], *shown_styles[8];
	guint n_shown = 0;
	for (guint i = 0; i < n; i++) {
		if (g_str_equal(texts[i], "live")) {
			live = TRUE;
			continue;
		}
		problems = TRUE;
		shown[n_shown] = texts[i];
		shown_styles[n_shown++] = styles[i];
	}
	/* At most three, the most severe first: a narrow sidebar keeps its width;
	 * the tooltip says everything. */
	for (guint i = 0; i < n_shown && i < 3; i++) {
		g_autofree char *more =
		    n_shown > 3 && i == 2 ? g_strdup_printf("+%u", n_shown - 2) : NULL;
		GtkWidget *badge = gtk_label_new(more ? more : shown[i]);
		gtk_widget_add_css_class(badge, "badge");
		gtk_widget_add_css_class(badge, more ? "neutral" : shown_styles[i]);
		gtk_box_append(self->badges, badge);
	}
	gtk_widget_set_visible(GTK_WIDGET(self->live_badge), live);
	gtk_widget_set_visible(GTK_WIDGET(self->badges), problems);
	g_autofree char *health = ckpt_text_escape(ckpt_run_health_text(run));
	gtk_widget_set_tooltip_text(GTK_WIDGET(self->badges), health);
	gtk_widget_set_tooltip_text(GTK_WIDGET(self->live_badge), health);
	g_autofree char *check_label = g_strdup_printf("Compare %s", name);
	gtk_accessible_update_property(GTK_ACCESSIBLE(self->check), GTK_ACCESSIBLE_PROPERTY_LABEL,
				       check_label, -1);
	g_autofree char *row_label = g_strdup_printf("%s, %s, %s", name, detail, health);
	gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
				       row_label, -1);
}

static void on_item_changed(CkptRunItem *item, gpointer data)
{
	(void)item;
	update(CKPT_RUN_ROW(data));
}

static void on_style_index(CkptRunItem *item, GParamSpec *pspec, gpointer data)
{
	(void)item, (void)pspec;
	gtk_widget_queue_draw(GTK_WIDGET(CKPT_RUN_ROW(data)->swatch));
}

void ckpt_run_row_set_item(CkptRunRow *self, CkptRunItem *item)
{
	g_return_if_fail(CKPT_IS_RUN_ROW(self));
	if (self->item == item)
		return;
	if (self->item) {
		g_clear_pointer(&self->checked_binding, g_binding_unbind);
		g_signal_handlers_disconnect_by_data(self->item, self);
	}
	g_set_object(&self->item, item);
	if (item) {
		self->checked_binding =
		    g_object_bind_property(item, "checked", self->check, "active",
					   G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
		g_signal_connect(item, "changed", G_CALLBACK(on_item_changed), self);
		g_signal_connect(item, "notify::style-index", G_CALLBACK(on_style_index), self);
	}
	update(self);
}

CkptRunItem *ckpt_run_row_get_item(CkptRunRow *self)
{
	return self->item;
}

static void ckpt_run_row_dispose(GObject *object)
{
	CkptRunRow *self = CKPT_RUN_ROW(object);
	ckpt_run_row_set_item(self, NULL);
	gtk_widget_dispose_template(GTK_WIDGET(self), CKPT_TYPE_RUN_ROW);
	GtkWidget *child;
	while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
		gtk_widget_unparent(child);
	G_OBJECT_CLASS(ckpt_run_row_parent_class)->dispose(object);
}

static void ckpt_run_row_class_init(CkptRunRowClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
	G_OBJECT_CLASS(klass)->dispose = ckpt_run_row_dispose;
	gtk_widget_class_set_template_from_resource(widget_class,
						    "/io/github/ckpt/Ckpt/ckpt-run-row.ui");
	gtk_widget_class_bind_template_child(widget_class, CkptRunRow, check);
	gtk_widget_class_bind_template_child(widget_class, CkptRunRow, swatch);
	gtk_widget_class_bind_template_child(widget_class, CkptRunRow, name_label);
	gtk_widget_class_bind_template_child(widget_class, CkptRunRow, detail_label);
	gtk_widget_class_bind_template_child(widget_class, CkptRunRow, badges);
	gtk_widget_class_bind_template_child(widget_class, CkptRunRow, live_badge);
	gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
	gtk_widget_class_set_css_name(widget_class, "run-row");
}

static void ckpt_run_row_init(CkptRunRow *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	gtk_drawing_area_set_draw_func(self->swatch, draw_swatch, self, NULL);
}

GtkWidget *ckpt_run_row_new(void)
{
	return g_object_new(CKPT_TYPE_RUN_ROW, NULL);
}
