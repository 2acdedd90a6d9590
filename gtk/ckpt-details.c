/* ckpt-details.c: the details pane (see ckpt-details.h): two grids of
 * field / value rows, rebuilt from the snapshot whenever the selection or
 * the run changes. Every text from the tree goes through ckpt_escape. */
#define G_LOG_DOMAIN "ckpt-details"

#include "ckpt-details.h"

#include "ckpt-format.h"

#include <math.h>

struct _CkptDetails {
	GtkWidget parent_instance;
	GtkLabel *run_title;
	GtkGrid *run_grid;
	GtkLabel *epoch_title;
	GtkGrid *epoch_grid;

	CkptRunItem *item;
	gint64 epoch;
	GHashTable *values; /* field -> value shown */
	int run_rows, epoch_rows;
};

G_DEFINE_FINAL_TYPE(CkptDetails, ckpt_details, GTK_TYPE_WIDGET)

static void clear_grid(GtkGrid *grid)
{
	GtkWidget *child;
	while ((child = gtk_widget_get_first_child(GTK_WIDGET(grid))))
		gtk_grid_remove(grid, child);
}

/* Adds "field  value"; value is already safe to show; takes it. */
static void add_row(CkptDetails *self, GtkGrid *grid, int *row, const char *field, char *value)
{
	GtkWidget *key = gtk_label_new(field);
	gtk_label_set_xalign(GTK_LABEL(key), 0);
	gtk_label_set_yalign(GTK_LABEL(key), 0);
	gtk_widget_add_css_class(key, "dim-label");
	GtkWidget *val = gtk_label_new(value);
	gtk_label_set_xalign(GTK_LABEL(val), 0);
	gtk_label_set_wrap(GTK_LABEL(val), TRUE);
	gtk_label_set_wrap_mode(GTK_LABEL(val), PANGO_WRAP_WORD_CHAR);
	gtk_label_set_selectable(GTK_LABEL(val), TRUE);
	/* Paths take the keyboard's focus, to be copied; the rest would only
	 * lengthen the way through the window with Tab. */
	gboolean path = g_str_equal(field, "Folder") || g_str_equal(field, "Root") ||
			g_str_equal(field, "Directory");
	gtk_widget_set_focusable(val, path);
	gtk_widget_set_hexpand(val, TRUE);
	gtk_accessible_update_relation(GTK_ACCESSIBLE(val), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
				       key, NULL, -1);
	gtk_grid_attach(grid, key, 0, *row, 1, 1);
	gtk_grid_attach(grid, val, 1, *row, 1, 1);
	(*row)++;
	g_hash_table_insert(self->values, g_strdup(field), value);
}

static void add_raw(CkptDetails *self, GtkGrid *grid, int *row, const char *field, const char *raw)
{
	add_row(self, grid, row, field, raw ? ckpt_text_escape(raw) : g_strdup("—"));
}

static char *link_text(const char *name, gint64 epoch, ckpt_link_state state)
{
	if (state == CKPT_LINK_MISSING)
		return g_strdup_printf("no %s link", name);
	if (epoch <= 0)
		return g_strdup_printf("link %s", ckpt_link_state_name(state));
	return g_strdup_printf("epoch %lld · link %s", (long long)epoch,
			       ckpt_link_state_name(state));
}

static char *writer_text(const ckpt_run *run)
{
	gint64 pid = ckpt_run_writer_pid(run);
	if (pid <= 0)
		return g_strdup("none");
	g_autofree char *host = ckpt_text_escape(ckpt_run_writer_host(run));
	g_autofree char *since = ckpt_text_escape(ckpt_run_writer_since(run));
	return g_strdup_printf("%s pid %lld on %s since %s",
			       ckpt_run_live(run) ? "training live:" : "lock kept by",
			       (long long)pid, host, since);
}

static char *retention_text(const ckpt_run *run)
{
	gint64 limit = 0;
	ckpt_keep_mode mode = CKPT_KEEP_LINEAR;
	gboolean own = ckpt_run_keep_policy(&limit, &mode, run);
	return g_strdup_printf("keep %lld, %s%s", (long long)limit, ckpt_keep_mode_name(mode),
			       own ? "" : " (a guess: the run recorded none)");
}

static void show_run(CkptDetails *self, CkptSnapshot *s)
{
	const ckpt_run *run = s->run;
	GtkGrid *g = self->run_grid;
	int *r = &self->run_rows;
	gtk_label_set_text(self->run_title, ckpt_run_item_get_name(self->item));
	add_raw(self, g, r, "Folder", ckpt_run_folder(run));
	add_raw(self, g, r, "Root", ckpt_run_root(run));
	add_raw(self, g, r, "Layout", ckpt_layout_name(ckpt_run_layout(run)));
	const char *metric = ckpt_run_metric(run);
	char dir = ckpt_run_direction(run);
	g_autofree char *m = ckpt_text_escape(metric ? metric : "unknown");
	add_row(self, g, r, "Metric",
		g_strdup_printf("%s%s", m,
				dir == '-'   ? " (lower is better)"
				: dir == '+' ? " (higher is better)"
					     : ""));
	double best;
	g_autofree char *best_link =
	    link_text("best", ckpt_run_best(run), ckpt_run_best_state(run));
	if (ckpt_run_best_metric(&best, run)) {
		g_autofree char *v = ckpt_format_metric(best);
		add_row(self, g, r, "Best", g_strdup_printf("%s · %s", v, best_link));
	} else
		add_row(self, g, r, "Best", g_steal_pointer(&best_link));
	add_row(self, g, r, "Last",
		link_text("last", ckpt_run_last(run), ckpt_run_last_state(run)));
	add_raw(self, g, r, "Health", ckpt_run_health_text(run));
	add_row(self, g, r, "Writer", writer_text(run));
	add_row(self, g, r, "Retention", retention_text(run));
	add_row(self, g, r, "Size", ckpt_format_bytes((gint64)ckpt_run_total_bytes(run)));
	if (s->history)
		add_row(self, g, r, "History",
			g_strdup_printf("%zu points in %zu %s", ckpt_history_count(s->history),
					ckpt_history_session_count(s->history),
					ckpt_history_session_count(s->history) == 1 ? "session"
										    : "sessions"));
	if (s->history_error)
		add_row(self, g, r, "History", g_strdup(s->history_error));
	else if (s->history && ckpt_history_problem(s->history))
		add_raw(self, g, r, "History problem", ckpt_history_problem(s->history));
	if (ckpt_run_problem(run))
		add_raw(self, g, r, "Problem", ckpt_run_problem(run));
	if (ckpt_run_stray_count(run))
		add_row(self, g, r, "Strays",
			g_strdup_printf("%zu entries in epochs/ that are not epochs",
					ckpt_run_stray_count(run)));
}

static char *checksum_text(const ckpt_epoch *e)
{
	switch (ckpt_epoch_checksum_kind(e)) {
	case CKPT_CHECKSUM_KIND_NONE: return g_strdup("none stored");
	case CKPT_CHECKSUM_KIND_DISABLED: return g_strdup("disabled when written");
	case CKPT_CHECKSUM_KIND_CRC32: {
		g_autofree char *t = ckpt_text_escape(ckpt_epoch_checksum(e));
		return g_strdup_printf("crc32 %s", t);
	}
	case CKPT_CHECKSUM_KIND_SHA256: return ckpt_text_escape(ckpt_epoch_checksum(e));
	default: {
		g_autofree char *t = ckpt_text_escape(ckpt_epoch_checksum(e));
		return g_strdup_printf("unknown form: %s", t);
	}
	}
}

static void add_number(CkptDetails *self, GtkGrid *g, int *r, const char *field, gboolean known,
		       double value)
{
	add_row(self, g, r, field, known ? ckpt_format_metric(value) : g_strdup("—"));
}

static void show_epoch(CkptDetails *self, CkptSnapshot *s, const ckpt_epoch *e)
{
	GtkGrid *g = self->epoch_grid;
	int *r = &self->epoch_rows;
	const ckpt_run *run = s->run;
	g_autofree char *title = g_strdup_printf("Epoch %lld", (long long)ckpt_epoch_number(e));
	gtk_label_set_text(self->epoch_title, title);
	g_autofree char *dir =
	    g_build_filename(ckpt_run_root(run), "epochs", ckpt_epoch_dir(e), NULL);
	add_raw(self, g, r, "Directory", dir);
	add_raw(self, g, r, "Health", ckpt_epoch_state_name(ckpt_epoch_health(e)));
	ckpt_verify_result result = CKPT_VERIFY_OK;
	gint64 when = 0;
	ckpt_check_state state = ckpt_epoch_check(&result, &when, e);
	add_row(self, g, r, "Verified",
		ckpt_format_check(state, result, when, g_get_real_time() / G_USEC_PER_SEC));
	ckpt_info_state info = ckpt_epoch_info_state(e);
	if (ckpt_epoch_info_error(e)) {
		g_autofree char *why = ckpt_text_escape(ckpt_epoch_info_error(e));
		add_row(self, g, r, "ckpt-info.json",
			g_strdup_printf("%s: %s", ckpt_info_state_name(info), why));
	} else
		add_raw(self, g, r, "ckpt-info.json", ckpt_info_state_name(info));
	gint64 bytes = ckpt_epoch_model_bytes(e);
	g_autofree char *size = ckpt_format_bytes(bytes);
	add_row(self, g, r, "Model",
		bytes >= 0 ? g_strdup_printf("model.h5, %s", size)
			   : g_strdup(ckpt_model_state_name(ckpt_epoch_model_state(e))));
	add_row(self, g, r, "Checksum", checksum_text(e));
	double v;
	gboolean known = ckpt_epoch_metric(&v, e);
	add_number(self, g, r, "Metric value", known, v);
	known = ckpt_epoch_best_metric_last(&v, e);
	add_number(self, g, r, "best_metric_last", known, v);
	add_raw(self, g, r, "save_best_metric", ckpt_epoch_save_best_metric(e));
	add_raw(self, g, r, "timestamp", ckpt_epoch_timestamp(e));
	if (ckpt_epoch_first_save(e))
		add_row(self, g, r, "time_elapsed", g_strdup("first save of its writer"));
	else {
		known = ckpt_epoch_time_elapsed(&v, e);
		add_row(self, g, r, "time_elapsed",
			known ? g_strdup_printf("%.3g s", v) : g_strdup("—"));
	}
	add_raw(self, g, r, "metadata", ckpt_epoch_metadata(e));
	for (size_t i = 0; i < ckpt_epoch_extra_count(e); i++) {
		g_autofree char *name = ckpt_text_escape(ckpt_epoch_extra_name(e, i));
		add_row(self, g, r, name, ckpt_format_metric(ckpt_epoch_extra_value(e, i)));
	}
}

static void rebuild(CkptDetails *self)
{
	clear_grid(self->run_grid);
	clear_grid(self->epoch_grid);
	g_hash_table_remove_all(self->values);
	self->run_rows = self->epoch_rows = 0;
	gboolean have_epoch = FALSE;
	if (self->item) {
		CkptSnapshot *s = ckpt_run_item_get_snapshot(self->item);
		show_run(self, s);
		const ckpt_epoch *e = self->epoch ? ckpt_run_find_epoch(s->run, self->epoch) : NULL;
		if (e) {
			show_epoch(self, s, e);
			have_epoch = TRUE;
		}
	} else {
		gtk_label_set_text(self->run_title, "No Run Selected");
	}
	gtk_widget_set_visible(GTK_WIDGET(self->epoch_title), have_epoch);
	gtk_widget_set_visible(GTK_WIDGET(self->epoch_grid), have_epoch);
}

static void on_item_changed(CkptRunItem *item, gpointer data)
{
	(void)item;
	rebuild(CKPT_DETAILS(data));
}

void ckpt_details_show(CkptDetails *self, CkptRunItem *item, gint64 epoch)
{
	g_return_if_fail(CKPT_IS_DETAILS(self));
	if (self->item != item) {
		if (self->item)
			g_signal_handlers_disconnect_by_func(self->item, on_item_changed, self);
		g_set_object(&self->item, item);
		if (item)
			g_signal_connect(item, "changed", G_CALLBACK(on_item_changed), self);
	}
	self->epoch = epoch;
	rebuild(self);
}

const char *ckpt_details_get_value(CkptDetails *self, const char *field)
{
	return g_hash_table_lookup(self->values, field);
}

static void ckpt_details_dispose(GObject *object)
{
	CkptDetails *self = CKPT_DETAILS(object);
	if (self->item)
		g_signal_handlers_disconnect_by_func(self->item, on_item_changed, self);
	g_clear_object(&self->item);
	gtk_widget_dispose_template(GTK_WIDGET(self), CKPT_TYPE_DETAILS);
	GtkWidget *child;
	while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
		gtk_widget_unparent(child);
	G_OBJECT_CLASS(ckpt_details_parent_class)->dispose(object);
}

static void ckpt_details_finalize(GObject *object)
{
	g_hash_table_unref(CKPT_DETAILS(object)->values);
	G_OBJECT_CLASS(ckpt_details_parent_class)->finalize(object);
}

static void ckpt_details_class_init(CkptDetailsClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
	G_OBJECT_CLASS(klass)->dispose = ckpt_details_dispose;
	G_OBJECT_CLASS(klass)->finalize = ckpt_details_finalize;
	gtk_widget_class_set_template_from_resource(widget_class,
						    "/io/github/ckpt/Ckpt/ckpt-details.ui");
	gtk_widget_class_bind_template_child(widget_class, CkptDetails, run_title);
	gtk_widget_class_bind_template_child(widget_class, CkptDetails, run_grid);
	gtk_widget_class_bind_template_child(widget_class, CkptDetails, epoch_title);
	gtk_widget_class_bind_template_child(widget_class, CkptDetails, epoch_grid);
	gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
	gtk_widget_class_set_css_name(widget_class, "details");
}

static void ckpt_details_init(CkptDetails *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	self->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	rebuild(self);
}

GtkWidget *ckpt_details_new(void)
{
	return g_object_new(CKPT_TYPE_DETAILS, NULL);
}
