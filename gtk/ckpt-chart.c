/* ckpt-chart.c: the chart widget (see ckpt-chart.h): its runs and view, and
 * its drawing. The runs' layer is drawn once into a cached surface whenever
 * the data, view, size or style change; hover, the zoom box and focus are
 * drawn over it each frame (ckpt-chart-input.c, with the pointer and keys). */
#define G_LOG_DOMAIN "ckpt-chart"

#include "ckpt-chart-private.h"

#include "ckpt-format.h"

#include <adwaita.h>
#include <cairo-svg.h>
#include <math.h>
#include <time.h>

enum {
	PROP_0,
	PROP_X_MODE,
	PROP_LOG_SCALE,
	PROP_SMOOTHING,
	PROP_CLIP_OUTLIERS,
	PROP_ZOOMED,
	N_PROPS
};
enum { SIGNAL_RUN_ACTIVATED, SIGNAL_EPOCH_ACTIVATED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(CkptChart, ckpt_chart, GTK_TYPE_WIDGET)

/* ---- data ------------------------------------------------------------------- */

void ckpt_chart_invalidate(CkptChart *self)
{
	self->dirty = TRUE;
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void update_accessible(CkptChart *self)
{
	g_autofree char *label = NULL;
	if (self->items->len == 0)
		label = g_strdup("Chart: no runs checked");
	else
		label = g_strdup_printf(
		    "Chart of %s for %u runs%s%s", self->y_title ? self->y_title : "the metric",
		    self->items->len, self->selected ? "; selected: " : "",
		    self->selected ? ckpt_run_item_get_name(self->selected) : "");
	gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
				       -1);
}

static void rebuild_entries(CkptChart *self)
{
	g_free(self->entries);
	self->entries = g_new0(ChartEntry, self->items->len ? self->items->len : 1);
	self->view.selected = -1;
	g_clear_pointer(&self->y_title, g_free);
	self->view.direction = 0;
	g_autoptr(GPtrArray) metrics = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < self->items->len; i++) {
		CkptRunItem *item = g_ptr_array_index(self->items, i);
		CkptSnapshot *s = ckpt_run_item_get_snapshot(item);
		ChartEntry *e = &self->entries[i];
		e->series = s->series;
		e->label = ckpt_run_item_get_name(item);
		int style = ckpt_run_item_get_style_index(item);
		e->style_index = style >= 0 ? (unsigned)style : i;
		e->smoothed = ckpt_run_item_get_smoothed(item, self->smoothing);
		if (item == self->selected)
			self->view.selected = (ptrdiff_t)i;
		const char *metric = s->history ? ckpt_history_metric(s->history) : NULL;
		if (!metric)
			metric = ckpt_run_metric(s->run);
		if (metric) {
			g_autofree char *m = ckpt_text_escape(metric);
			if (!g_ptr_array_find_with_equal_func(metrics, m, g_str_equal, NULL)) {
				g_ptr_array_add(metrics, g_steal_pointer(&m));
			}
			if (metrics->len == 1)
				self->view.direction = s->series->direction;
		}
	}
	/* Runs that track different metrics share the axis: name them all. */
	if (metrics->len) {
		g_ptr_array_add(metrics, NULL);
		self->y_title = g_strjoinv(", ", (char **)metrics->pdata);
		if (metrics->len > 2)
			self->view.direction = 0;
	}
	self->view.y_title = self->y_title;
	self->view.selected_epoch = self->view.selected >= 0 ? self->selected_epoch : 0;
	update_accessible(self);
	ckpt_chart_invalidate(self);
}

static void on_item_changed(CkptRunItem *item, gpointer data)
{
	(void)item;
	rebuild_entries(CKPT_CHART(data));
}

static void disconnect_items(CkptChart *self)
{
	for (guint i = 0; i < self->items->len; i++)
		g_signal_handlers_disconnect_by_data(g_ptr_array_index(self->items, i), self);
	g_ptr_array_set_size(self->items, 0);
}

void ckpt_chart_set_runs(CkptChart *self, CkptRunItem *const *items, guint n)
{
	g_return_if_fail(CKPT_IS_CHART(self));
	disconnect_items(self);
	for (guint i = 0; i < n; i++) {
		g_ptr_array_add(self->items, g_object_ref(items[i]));
		g_signal_connect(items[i], "changed", G_CALLBACK(on_item_changed), self);
		g_signal_connect_swapped(items[i], "notify::style-index",
					 G_CALLBACK(rebuild_entries), self);
	}
	rebuild_entries(self);
}

guint ckpt_chart_get_n_runs(CkptChart *self)
{
	return self->items->len;
}

void ckpt_chart_set_selection(CkptChart *self, CkptRunItem *item, gint64 epoch)
{
	g_return_if_fail(CKPT_IS_CHART(self));
	if (item == self->selected && epoch == self->selected_epoch)
		return;
	g_set_object(&self->selected, item);
	self->selected_epoch = epoch;
	rebuild_entries(self);
}

void ckpt_chart_emit_run(CkptChart *self, CkptRunItem *item)
{
	g_signal_emit(self, signals[SIGNAL_RUN_ACTIVATED], 0, item);
}

void ckpt_chart_emit_epoch(CkptChart *self, CkptRunItem *item, gint64 epoch)
{
	g_signal_emit(self, signals[SIGNAL_EPOCH_ACTIVATED], 0, item, epoch);
}

/* ---- view --------------------------------------------------------------------- */

void ckpt_chart_set_zoomed(CkptChart *self, gboolean zoomed)
{
	if (self->view.zoomed == zoomed)
		return;
	self->view.zoomed = zoomed;
	g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_ZOOMED]);
}

void ckpt_chart_reset_zoom(CkptChart *self)
{
	ckpt_chart_set_zoomed(self, FALSE);
	ckpt_chart_invalidate(self);
}

void ckpt_chart_set_x_mode(CkptChart *self, ChartXMode mode)
{
	if (mode >= CHART_X_MODES || self->view.x_mode == mode)
		return;
	self->view.x_mode = mode;
	ckpt_chart_set_zoomed(self, FALSE);
	ckpt_chart_invalidate(self);
	g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_X_MODE]);
}

ChartXMode ckpt_chart_get_x_mode(CkptChart *self)
{
	return self->view.x_mode;
}

void ckpt_chart_set_log_scale(CkptChart *self, gboolean log_scale)
{
	if (self->view.log_y == !!log_scale)
		return;
	self->view.log_y = !!log_scale;
	ckpt_chart_set_zoomed(self, FALSE);
	ckpt_chart_invalidate(self);
	g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_LOG_SCALE]);
}

void ckpt_chart_set_smoothing(CkptChart *self, double weight)
{
	weight = CLAMP(weight, 0.0, 0.99);
	if (self->smoothing == weight)
		return;
	self->smoothing = weight;
	rebuild_entries(self);
	g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_SMOOTHING]);
}

void ckpt_chart_set_clip_outliers(CkptChart *self, gboolean clip)
{
	if (self->view.clip == !!clip)
		return;
	self->view.clip = !!clip;
	ckpt_chart_invalidate(self);
	g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_CLIP_OUTLIERS]);
}

gboolean ckpt_chart_get_zoomed(CkptChart *self)
{
	return self->view.zoomed;
}

/* ---- drawing --------------------------------------------------------------------- */

static ChartRgb to_rgb(const GdkRGBA *c)
{
	return (ChartRgb){c->red, c->green, c->blue};
}

static void lookup(GtkStyleContext *ctx, const char *name, GdkRGBA *out, const char *fallback)
{
	if (!gtk_style_context_lookup_color(ctx, name, out))
		gdk_rgba_parse(out, fallback);
}

ChartStyle ckpt_chart_style(CkptChart *self)
{
	GtkStyleContext *ctx = gtk_widget_get_style_context(GTK_WIDGET(self));
	gboolean dark = adw_style_manager_get_dark(adw_style_manager_get_default());
	GdkRGBA fg, bg, accent, error;
	gtk_style_context_get_color(ctx, &fg);
	lookup(ctx, "view_bg_color", &bg, dark ? "#1e1e1e" : "#ffffff");
	lookup(ctx, "accent_color", &accent, dark ? "#78aeed" : "#1c71d8");
	lookup(ctx, "error_color", &error, dark ? "#ff7b63" : "#c01c28");
	return (ChartStyle){
	    .fg = to_rgb(&fg),
	    .bg = to_rgb(&bg),
	    .error = to_rgb(&error),
	    .accent = to_rgb(&accent),
	    .dark = dark,
	    .font =
		pango_context_get_font_description(gtk_widget_get_pango_context(GTK_WIDGET(self))),
	};
}

void ckpt_chart_render(CkptChart *self, cairo_t *cr, int width, int height, gboolean fill)
{
	ChartStyle style = ckpt_chart_style(self);
	ChartFrame *frame = chart_frame_new(cr, self->entries, self->items->len, &self->view,
					    &style, width, height);
	chart_frame_draw(cr, frame, self->entries, &self->view, &style, fill);
	chart_frame_free(frame);
}

/* This thread's CPU time: the work a frame took, whatever else the machine runs. */
static gint64 thread_cpu_us(void)
{
	struct timespec t;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
		return 0;
	return (gint64)t.tv_sec * G_USEC_PER_SEC + t.tv_nsec / 1000;
}

static void ensure_cache(CkptChart *self, int width, int height)
{
	int scale = gtk_widget_get_scale_factor(GTK_WIDGET(self));
	if (!self->dirty && self->cache && self->cache_w == width && self->cache_h == height &&
	    self->cache_scale == scale)
		return;
	gint64 start = g_get_monotonic_time(), cpu = thread_cpu_us();
	g_clear_pointer(&self->frame, chart_frame_free);
	/* Same size: clear and reuse the pixels rather than map fresh pages. */
	gboolean reuse = self->cache && self->cache_w == width && self->cache_h == height &&
			 self->cache_scale == scale;
	if (!reuse) {
		g_clear_pointer(&self->cache, cairo_surface_destroy);
		self->cache =
		    cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width * scale, height * scale);
		cairo_surface_set_device_scale(self->cache, scale, scale);
	}
	cairo_t *cr = cairo_create(self->cache);
	if (reuse) {
		cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR);
		cairo_paint(cr);
		cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
	}
	ChartStyle style = ckpt_chart_style(self);
	self->frame = chart_frame_new(cr, self->entries, self->items->len, &self->view, &style,
				      width, height);
	chart_frame_draw(cr, self->frame, self->entries, &self->view, &style, FALSE);
	cairo_destroy(cr);
	self->cache_w = width, self->cache_h = height, self->cache_scale = scale;
	self->dirty = FALSE;
	self->last_frame_us = g_get_monotonic_time() - start;
	self->last_frame_cpu_us = thread_cpu_us() - cpu;
}

void ckpt_chart_hover_at(CkptChart *self, double x, double y)
{
	g_return_if_fail(CKPT_IS_CHART(self));
	self->hovering = x >= 0;
	self->hover_x = x, self->hover_y = y;
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

gboolean ckpt_chart_get_plot_area(CkptChart *self, graphene_rect_t *out)
{
	if (!self->frame)
		return FALSE;
	graphene_rect_init(out, self->frame->plot_x, self->frame->plot_y, self->frame->plot_w,
			   self->frame->plot_h);
	return TRUE;
}

gboolean ckpt_chart_locate(CkptChart *self, CkptRunItem *item, gint64 epoch, double *out_x,
			   double *out_y)
{
	g_return_val_if_fail(CKPT_IS_CHART(self), FALSE);
	guint k;
	if (!self->frame || !g_ptr_array_find(self->items, item, &k) || k >= self->frame->n_entries)
		return FALSE;
	const ChartSeries *s = self->entries[k].series;
	const double *ys = self->entries[k].smoothed ? self->entries[k].smoothed : s->y;
	for (size_t i = s->n; i-- > 0;) {
		if (s->epoch[i] != epoch || !s->live[i])
			continue;
		*out_x = chart_scale_map(&self->frame->xs, s->x[self->view.x_mode][i]);
		*out_y = chart_scale_map(&self->frame->ys, ys[i]);
		return isfinite(*out_x) && isfinite(*out_y);
	}
	return FALSE;
}

gint64 ckpt_chart_get_last_frame_us(CkptChart *self)
{
	return self->last_frame_us;
}

gint64 ckpt_chart_get_last_frame_cpu_us(CkptChart *self)
{
	return self->last_frame_cpu_us;
}

static void ckpt_chart_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
	CkptChart *self = CKPT_CHART(widget);
	int width = gtk_widget_get_width(widget), height = gtk_widget_get_height(widget);
	if (width <= 0 || height <= 0)
		return;
	ensure_cache(self, width, height);
	cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
	cairo_set_source_surface(cr, self->cache, 0, 0);
	cairo_paint(cr);
	ChartStyle style = ckpt_chart_style(self);
	ckpt_chart_draw_overlay(self, cr, &style);
	if (gtk_widget_has_visible_focus(widget) && self->frame) {
		const ChartFrame *f = self->frame;
		cairo_rectangle(cr, f->plot_x + 0.5, f->plot_y + 0.5, f->plot_w - 1, f->plot_h - 1);
		cairo_set_source_rgba(cr, style.accent.r, style.accent.g, style.accent.b, 0.5);
		cairo_set_line_width(cr, 2);
		cairo_stroke(cr);
	}
	cairo_destroy(cr);
}

static void ckpt_chart_css_changed(GtkWidget *widget, GtkCssStyleChange *change)
{
	GTK_WIDGET_CLASS(ckpt_chart_parent_class)->css_changed(widget, change);
	ckpt_chart_invalidate(CKPT_CHART(widget));
}

/* ---- export ------------------------------------------------------------------------ */

gboolean ckpt_chart_export(CkptChart *self, const char *path, CkptChartFormat format, int width,
			   int height, GError **error)
{
	cairo_surface_t *surface =
	    format == CKPT_CHART_SVG
		? cairo_svg_surface_create(path, width, height)
		: cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
	cairo_t *cr = cairo_create(surface);
	ckpt_chart_render(self, cr, width, height, TRUE);
	cairo_destroy(cr);
	cairo_status_t status = CAIRO_STATUS_SUCCESS;
	if (format == CKPT_CHART_PNG)
		status = cairo_surface_write_to_png(surface, path);
	cairo_surface_finish(surface);
	if (status == CAIRO_STATUS_SUCCESS)
		status = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (status != CAIRO_STATUS_SUCCESS) {
		g_autofree char *name = g_filename_display_name(path);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", name,
			    cairo_status_to_string(status));
		return FALSE;
	}
	return TRUE;
}

/* ---- the object ------------------------------------------------------------------------- */

static void ckpt_chart_dispose(GObject *object)
{
	CkptChart *self = CKPT_CHART(object);
	disconnect_items(self);
	g_clear_object(&self->selected);
	G_OBJECT_CLASS(ckpt_chart_parent_class)->dispose(object);
}

static void ckpt_chart_finalize(GObject *object)
{
	CkptChart *self = CKPT_CHART(object);
	g_ptr_array_unref(self->items);
	g_free(self->entries);
	g_free(self->y_title);
	chart_frame_free(self->frame);
	g_clear_pointer(&self->cache, cairo_surface_destroy);
	G_OBJECT_CLASS(ckpt_chart_parent_class)->finalize(object);
}

static void ckpt_chart_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	CkptChart *self = CKPT_CHART(object);
	switch (id) {
	case PROP_X_MODE: g_value_set_int(value, self->view.x_mode); break;
	case PROP_LOG_SCALE: g_value_set_boolean(value, self->view.log_y); break;
	case PROP_SMOOTHING: g_value_set_double(value, self->smoothing); break;
	case PROP_CLIP_OUTLIERS: g_value_set_boolean(value, self->view.clip); break;
	case PROP_ZOOMED: g_value_set_boolean(value, self->view.zoomed); break;
	default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void ckpt_chart_set_property(GObject *object, guint id, const GValue *value,
				    GParamSpec *pspec)
{
	CkptChart *self = CKPT_CHART(object);
	switch (id) {
	case PROP_X_MODE: ckpt_chart_set_x_mode(self, (ChartXMode)g_value_get_int(value)); break;
	case PROP_LOG_SCALE: ckpt_chart_set_log_scale(self, g_value_get_boolean(value)); break;
	case PROP_SMOOTHING: ckpt_chart_set_smoothing(self, g_value_get_double(value)); break;
	case PROP_CLIP_OUTLIERS:
		ckpt_chart_set_clip_outliers(self, g_value_get_boolean(value));
		break;
	default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void ckpt_chart_class_init(CkptChartClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
	object_class->dispose = ckpt_chart_dispose;
	object_class->finalize = ckpt_chart_finalize;
	object_class->get_property = ckpt_chart_get_property;
	object_class->set_property = ckpt_chart_set_property;
	widget_class->snapshot = ckpt_chart_snapshot;
	widget_class->css_changed = ckpt_chart_css_changed;

	GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
	properties[PROP_X_MODE] =
	    g_param_spec_int("x-mode", NULL, NULL, 0, CHART_X_MODES - 1, CHART_X_EPOCH, rw);
	properties[PROP_LOG_SCALE] = g_param_spec_boolean("log-scale", NULL, NULL, FALSE, rw);
	properties[PROP_SMOOTHING] = g_param_spec_double("smoothing", NULL, NULL, 0, 0.99, 0, rw);
	properties[PROP_CLIP_OUTLIERS] =
	    g_param_spec_boolean("clip-outliers", NULL, NULL, FALSE, rw);
	properties[PROP_ZOOMED] = g_param_spec_boolean("zoomed", NULL, NULL, FALSE,
						       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, properties);

	/* A line was clicked: (run) */
	signals[SIGNAL_RUN_ACTIVATED] =
	    g_signal_new("run-activated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			 NULL, NULL, G_TYPE_NONE, 1, CKPT_TYPE_RUN_ITEM);
	/* A marker was clicked: (run, epoch) */
	signals[SIGNAL_EPOCH_ACTIVATED] =
	    g_signal_new("epoch-activated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			 NULL, NULL, G_TYPE_NONE, 2, CKPT_TYPE_RUN_ITEM, G_TYPE_INT64);

	ckpt_chart_input_class_init(widget_class);
	gtk_widget_class_set_css_name(widget_class, "chart");
	gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void ckpt_chart_init(CkptChart *self)
{
	GtkWidget *widget = GTK_WIDGET(self);
	self->items = g_ptr_array_new_with_free_func(g_object_unref);
	self->view.selected = -1;
	self->dirty = TRUE;
	gtk_widget_set_focusable(widget, TRUE);
	gtk_widget_set_focus_on_click(widget, TRUE);
	gtk_widget_set_hexpand(widget, TRUE);
	gtk_widget_set_vexpand(widget, TRUE);

	ckpt_chart_input_init(self);
	update_accessible(self);
}

GtkWidget *ckpt_chart_new(void)
{
	return g_object_new(CKPT_TYPE_CHART, NULL);
}
