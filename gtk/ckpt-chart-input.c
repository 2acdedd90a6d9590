/* ckpt-chart-input.c: the chart's pointer and keys: hover with its line and
 * tooltip, clicks that select a run or an epoch, box zoom, pan, scroll and
 * double click, and the key bindings; zooming and panning the view. */
#define G_LOG_DOMAIN "ckpt-chart"

#include "ckpt-chart-private.h"

#include <math.h>

#define HIT_LINE_PX 6.0
#define HIT_MARKER_PX 9.0
#define DRAG_THRESHOLD 4.0
#define TIP_ROWS 10

/* ---- zoom and pan --------------------------------------------------------------- */

/* Starts an explicit range from what is shown. */
static gboolean begin_zoom(CkptChart *self)
{
	if (!self->frame || !self->frame->has_data)
		return FALSE;
	if (!self->view.zoomed) {
		self->view.x_lo = self->frame->xs.lo, self->view.x_hi = self->frame->xs.hi;
		self->view.y_lo = self->frame->ys.lo, self->view.y_hi = self->frame->ys.hi;
	}
	return TRUE;
}

static void zoom_about(CkptChart *self, double px, double py, double fx, double fy)
{
	if (!begin_zoom(self))
		return;
	double cx = chart_scale_unmap(&self->frame->xs, px);
	double cy = chart_scale_unmap(&self->frame->ys, py);
	chart_range_zoom(&self->view.x_lo, &self->view.x_hi, cx, fx, FALSE);
	chart_range_zoom(&self->view.y_lo, &self->view.y_hi, cy, fy, self->view.log_y);
	ckpt_chart_set_zoomed(self, TRUE);
	ckpt_chart_invalidate(self);
}

void ckpt_chart_zoom(CkptChart *self, double factor)
{
	if (!self->frame)
		return;
	zoom_about(self, self->frame->plot_x + self->frame->plot_w / 2,
		   self->frame->plot_y + self->frame->plot_h / 2, factor, factor);
}

/* Moves the shown range by (dx, dy) pixels from the range at drag start. */
static void pan_by(CkptChart *self, double dx, double dy)
{
	const ChartFrame *f = self->frame;
	double x0 = chart_scale_unmap(&f->xs, f->plot_x),
	       x1 = chart_scale_unmap(&f->xs, f->plot_x - dx);
	double shift = x1 - x0;
	self->view.x_lo = self->pan_x_lo + shift, self->view.x_hi = self->pan_x_hi + shift;
	ChartScale ys = f->ys;
	ys.lo = self->pan_y_lo, ys.hi = self->pan_y_hi;
	self->view.y_lo = chart_scale_unmap(&ys, ys.px_lo - dy);
	self->view.y_hi = chart_scale_unmap(&ys, ys.px_hi - dy);
	ckpt_chart_set_zoomed(self, TRUE);
	ckpt_chart_invalidate(self);
}

/* ---- hover ------------------------------------------------------------------------ */

typedef struct {
	ChartTipRow row;
	double distance;
	ChartPoint at;
} TipCandidate;

static int compare_candidates(gconstpointer a, gconstpointer b)
{
	double x = ((const TipCandidate *)a)->distance, y = ((const TipCandidate *)b)->distance;
	return (x > y) - (x < y);
}

/* Each run's point nearest the pointer's x on its current line, sorted by
 * how near its value is to the pointer. */
static GArray *hover_candidates(CkptChart *self, double *out_x)
{
	const ChartFrame *f = self->frame;
	GArray *found = g_array_new(FALSE, FALSE, sizeof(TipCandidate));
	double x = chart_scale_unmap(&f->xs, self->hover_x);
	*out_x = x;
	for (guint k = 0; k < self->items->len; k++) {
		const ChartEntry *e = &self->entries[k];
		const ChartSeries *s = e->series;
		const double *xs = s->x[self->view.x_mode];
		const double *ys = e->smoothed ? e->smoothed : s->y;
		ptrdiff_t best = -1;
		double best_d = INFINITY;
		for (size_t i = 0; i < s->n; i++) {
			if (!s->live[i] || !isfinite(xs[i]) || !isfinite(ys[i]))
				continue;
			double d = fabs(xs[i] - x);
			if (d < best_d)
				best_d = d, best = (ptrdiff_t)i;
		}
		if (best < 0)
			continue;
		ChartPoint at = {chart_scale_map(&f->xs, xs[best]),
				 chart_scale_map(&f->ys, ys[best])};
		if (!isfinite(at.x) || fabs(at.x - self->hover_x) > 40.0)
			continue;
		TipCandidate c = {
		    .row = {.label = e->label,
			    .style_index = e->style_index,
			    .value = ys[best],
			    .epoch = s->epoch[best]},
		    .distance = isfinite(at.y) ? fabs(at.y - self->hover_y) : INFINITY,
		    .at = at,
		};
		g_array_append_val(found, c);
	}
	g_array_sort(found, compare_candidates);
	return found;
}

static void draw_hover(CkptChart *self, cairo_t *cr, const ChartStyle *style)
{
	const ChartFrame *f = self->frame;
	if (!f || !f->has_data || !self->hovering || self->dragging || self->panning)
		return;
	if (self->hover_x < f->plot_x || self->hover_x > f->plot_x + f->plot_w ||
	    self->hover_y < f->plot_y || self->hover_y > f->plot_y + f->plot_h)
		return;
	double x;
	g_autoptr(GArray) found = hover_candidates(self, &x);
	cairo_save(cr);
	cairo_set_source_rgba(cr, style->fg.r, style->fg.g, style->fg.b, 0.35);
	cairo_set_line_width(cr, 1);
	double dash[] = {3, 3};
	cairo_set_dash(cr, dash, 2, 0);
	cairo_move_to(cr, floor(self->hover_x) + 0.5, f->plot_y);
	cairo_line_to(cr, floor(self->hover_x) + 0.5, f->plot_y + f->plot_h);
	cairo_stroke(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	guint n = MIN(found->len, TIP_ROWS);
	ChartTipRow rows[TIP_ROWS];
	for (guint i = 0; i < n; i++) {
		TipCandidate *c = &g_array_index(found, TipCandidate, i);
		rows[i] = c->row;
		ChartRgb color = chart_palette_color(c->row.style_index, style->dark);
		if (isfinite(c->at.y)) {
			cairo_arc(cr, c->at.x, c->at.y, 4.0, 0, 2 * G_PI);
			cairo_set_source_rgb(cr, color.r, color.g, color.b);
			cairo_fill_preserve(cr);
			cairo_set_source_rgb(cr, style->bg.r, style->bg.g, style->bg.b);
			cairo_set_line_width(cr, 1.5);
			cairo_stroke(cr);
		}
	}
	if (n > 0) {
		char label[64], title[80];
		if (self->view.x_mode == CHART_X_EPOCH && n > 0)
			g_snprintf(title, sizeof title, "epoch %lld", (long long)rows[0].epoch);
		else {
			chart_frame_format_x(label, sizeof label, f, self->view.x_mode, x);
			g_snprintf(title, sizeof title, "%s", label);
		}
		chart_draw_tooltip(cr, f, style, self->hover_x, self->hover_y, title, rows, n,
				   found->len - n);
	}
	cairo_restore(cr);
}

static void draw_zoom_box(CkptChart *self, cairo_t *cr, const ChartStyle *style)
{
	if (!self->dragging)
		return;
	double x = self->drag_x + MIN(0, self->drag_dx), y = self->drag_y + MIN(0, self->drag_dy);
	double w = fabs(self->drag_dx), h = fabs(self->drag_dy);
	cairo_rectangle(cr, floor(x) + 0.5, floor(y) + 0.5, floor(w), floor(h));
	cairo_set_source_rgba(cr, style->accent.r, style->accent.g, style->accent.b, 0.14);
	cairo_fill_preserve(cr);
	cairo_set_source_rgba(cr, style->accent.r, style->accent.g, style->accent.b, 0.9);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);
}

void ckpt_chart_draw_overlay(CkptChart *self, cairo_t *cr, const ChartStyle *style)
{
	draw_hover(self, cr, style);
	draw_zoom_box(self, cr, style);
}

/* ---- input --------------------------------------------------------------------------- */

void ckpt_chart_activate_at(CkptChart *self, double px, double py)
{
	const ChartFrame *f = self->frame;
	if (!f || !f->has_data)
		return;
	ChartPoint p = {px, py};
	ptrdiff_t hit_entry = -1, hit_marker = -1;
	double best = HIT_MARKER_PX;
	for (guint k = 0; k < self->items->len; k++) {
		const ChartSeries *s = self->entries[k].series;
		double d;
		ptrdiff_t m = chart_points_nearest(f->traces[k].marks, s->n_markers, p, best, &d);
		if (m >= 0)
			best = d, hit_entry = k, hit_marker = m;
	}
	if (hit_marker >= 0) {
		CkptRunItem *item = g_ptr_array_index(self->items, hit_entry);
		gint64 epoch = self->entries[hit_entry].series->markers[hit_marker].epoch;
		ckpt_chart_emit_epoch(self, item, epoch);
		return;
	}
	best = HIT_LINE_PX;
	for (guint k = 0; k < self->items->len; k++) {
		double d;
		if (chart_polyline_nearest(f->traces[k].live, f->traces[k].n_live, p, best, &d) >=
		    0)
			best = d, hit_entry = k;
		if (chart_polyline_nearest(f->traces[k].dead, f->traces[k].n_dead, p, best, &d) >=
		    0)
			best = d, hit_entry = k;
	}
	if (hit_entry >= 0)
		ckpt_chart_emit_run(self, g_ptr_array_index(self->items, hit_entry));
}

static void on_motion(GtkEventControllerMotion *c, double x, double y, gpointer data)
{
	(void)c;
	CkptChart *self = data;
	self->hovering = TRUE;
	self->hover_x = x, self->hover_y = y;
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void on_leave(GtkEventControllerMotion *c, gpointer data)
{
	(void)c;
	CkptChart *self = data;
	self->hovering = FALSE;
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void on_drag_begin(GtkGestureDrag *gesture, double x, double y, gpointer data)
{
	CkptChart *self = data;
	guint button = gtk_gesture_single_get_current_button(GTK_GESTURE_SINGLE(gesture));
	GdkModifierType mods =
	    gtk_event_controller_get_current_event_state(GTK_EVENT_CONTROLLER(gesture));
	self->drag_x = x, self->drag_y = y, self->drag_dx = self->drag_dy = 0;
	self->panning = button == GDK_BUTTON_MIDDLE || (mods & GDK_SHIFT_MASK);
	self->dragging = FALSE;
	if (self->panning) {
		if (!begin_zoom(self)) {
			self->panning = FALSE;
			return;
		}
		self->pan_x_lo = self->view.x_lo, self->pan_x_hi = self->view.x_hi;
		self->pan_y_lo = self->view.y_lo, self->pan_y_hi = self->view.y_hi;
	}
	gtk_widget_grab_focus(GTK_WIDGET(self));
}

static void on_drag_update(GtkGestureDrag *gesture, double dx, double dy, gpointer data)
{
	(void)gesture;
	CkptChart *self = data;
	self->drag_dx = dx, self->drag_dy = dy;
	if (self->panning) {
		pan_by(self, dx, dy);
		return;
	}
	if (!self->dragging && hypot(dx, dy) >= DRAG_THRESHOLD)
		self->dragging = TRUE;
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void on_drag_end(GtkGestureDrag *gesture, double dx, double dy, gpointer data)
{
	(void)gesture;
	CkptChart *self = data;
	if (self->panning) {
		self->panning = FALSE;
		return;
	}
	if (!self->dragging) {
		ckpt_chart_activate_at(self, self->drag_x, self->drag_y);
		return;
	}
	self->dragging = FALSE;
	gtk_widget_queue_draw(GTK_WIDGET(self));
	if (fabs(dx) < DRAG_THRESHOLD || fabs(dy) < DRAG_THRESHOLD || !begin_zoom(self))
		return;
	const ChartFrame *f = self->frame;
	double x0 = chart_scale_unmap(&f->xs, self->drag_x);
	double x1 = chart_scale_unmap(&f->xs, self->drag_x + dx);
	double y0 = chart_scale_unmap(&f->ys, self->drag_y);
	double y1 = chart_scale_unmap(&f->ys, self->drag_y + dy);
	self->view.x_lo = MIN(x0, x1), self->view.x_hi = MAX(x0, x1);
	self->view.y_lo = MIN(y0, y1), self->view.y_hi = MAX(y0, y1);
	ckpt_chart_set_zoomed(self, TRUE);
	ckpt_chart_invalidate(self);
}

static void on_pressed(GtkGestureClick *gesture, int n_press, double x, double y, gpointer data)
{
	(void)gesture, (void)x, (void)y;
	if (n_press == 2)
		ckpt_chart_reset_zoom(CKPT_CHART(data));
}

static gboolean on_scroll(GtkEventControllerScroll *c, double dx, double dy, gpointer data)
{
	(void)dx;
	CkptChart *self = data;
	if (!self->frame || !self->frame->has_data || dy == 0)
		return FALSE;
	GdkModifierType mods =
	    gtk_event_controller_get_current_event_state(GTK_EVENT_CONTROLLER(c));
	double factor = pow(1.2, dy > 0 ? 1 : -1);
	double px = self->hovering ? self->hover_x : self->frame->plot_x + self->frame->plot_w / 2;
	double py = self->hovering ? self->hover_y : self->frame->plot_y + self->frame->plot_h / 2;
	if (mods & GDK_CONTROL_MASK)
		zoom_about(self, px, py, 1.0, factor);
	else
		zoom_about(self, px, py, factor, 1.0);
	return TRUE;
}

static gboolean key_zoom(GtkWidget *widget, GVariant *args, gpointer data)
{
	(void)data;
	ckpt_chart_zoom(CKPT_CHART(widget), g_variant_get_double(args));
	return TRUE;
}

static gboolean key_reset(GtkWidget *widget, GVariant *args, gpointer data)
{
	(void)args, (void)data;
	ckpt_chart_reset_zoom(CKPT_CHART(widget));
	return TRUE;
}

static gboolean key_pan(GtkWidget *widget, GVariant *args, gpointer data)
{
	(void)data;
	CkptChart *self = CKPT_CHART(widget);
	double dx, dy;
	g_variant_get(args, "(dd)", &dx, &dy);
	if (!begin_zoom(self))
		return TRUE;
	self->pan_x_lo = self->view.x_lo, self->pan_x_hi = self->view.x_hi;
	self->pan_y_lo = self->view.y_lo, self->pan_y_hi = self->view.y_hi;
	pan_by(self, dx * self->frame->plot_w, dy * self->frame->plot_h);
	return TRUE;
}

static void add_pan_key(GtkWidgetClass *klass, guint key, double dx, double dy)
{
	gtk_widget_class_add_binding(klass, key, 0, key_pan, "(dd)", dx, dy);
}

void ckpt_chart_input_class_init(GtkWidgetClass *widget_class)
{
	gtk_widget_class_add_binding(widget_class, GDK_KEY_plus, 0, key_zoom, "d", 0.8);
	gtk_widget_class_add_binding(widget_class, GDK_KEY_equal, 0, key_zoom, "d", 0.8);
	gtk_widget_class_add_binding(widget_class, GDK_KEY_KP_Add, 0, key_zoom, "d", 0.8);
	gtk_widget_class_add_binding(widget_class, GDK_KEY_minus, 0, key_zoom, "d", 1.25);
	gtk_widget_class_add_binding(widget_class, GDK_KEY_KP_Subtract, 0, key_zoom, "d", 1.25);
	gtk_widget_class_add_binding(widget_class, GDK_KEY_0, 0, key_reset, NULL);
	gtk_widget_class_add_binding(widget_class, GDK_KEY_Home, 0, key_reset, NULL);
	add_pan_key(widget_class, GDK_KEY_Left, -0.1, 0);
	add_pan_key(widget_class, GDK_KEY_Right, 0.1, 0);
	add_pan_key(widget_class, GDK_KEY_Up, 0, -0.1);
	add_pan_key(widget_class, GDK_KEY_Down, 0, 0.1);
}

void ckpt_chart_input_init(CkptChart *self)
{
	GtkWidget *widget = GTK_WIDGET(self);
	GtkEventController *motion = gtk_event_controller_motion_new();
	g_signal_connect(motion, "motion", G_CALLBACK(on_motion), self);
	g_signal_connect(motion, "leave", G_CALLBACK(on_leave), self);
	gtk_widget_add_controller(widget, motion);

	GtkGesture *drag = gtk_gesture_drag_new();
	gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(drag), 0);
	g_signal_connect(drag, "drag-begin", G_CALLBACK(on_drag_begin), self);
	g_signal_connect(drag, "drag-update", G_CALLBACK(on_drag_update), self);
	g_signal_connect(drag, "drag-end", G_CALLBACK(on_drag_end), self);
	gtk_widget_add_controller(widget, GTK_EVENT_CONTROLLER(drag));

	GtkGesture *click = gtk_gesture_click_new();
	g_signal_connect(click, "pressed", G_CALLBACK(on_pressed), self);
	gtk_widget_add_controller(widget, GTK_EVENT_CONTROLLER(click));

	GtkEventController *scroll = gtk_event_controller_scroll_new(
	    GTK_EVENT_CONTROLLER_SCROLL_VERTICAL | GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
	g_signal_connect(scroll, "scroll", G_CALLBACK(on_scroll), self);
	gtk_widget_add_controller(widget, scroll);
}
