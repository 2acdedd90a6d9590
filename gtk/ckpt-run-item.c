/* ckpt-run-item.c: a run of the list, as a GObject with notifying
 * properties for the sidebar row and the window (see ckpt-run-item.h). */
#define G_LOG_DOMAIN "ckpt-run-item"

#include "ckpt-run-item.h"

#include "chart-render.h"
#include "ckpt-format.h"

#include <math.h>

struct _CkptRunItem {
	GObject parent_instance;
	CkptSnapshot *snapshot;
	char *name;
	char *key;
	char *folder;
	gboolean checked;
	int style_index;
	double smoothed_weight;
	double *smoothed;
};

enum { PROP_0, PROP_NAME, PROP_CHECKED, PROP_STYLE_INDEX, N_PROPS };
enum { SIGNAL_CHANGED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(CkptRunItem, ckpt_run_item, G_TYPE_OBJECT)

static void ckpt_run_item_finalize(GObject *object)
{
	CkptRunItem *self = CKPT_RUN_ITEM(object);
	ckpt_snapshot_unref(self->snapshot);
	g_free(self->name);
	g_free(self->key);
	g_free(self->folder);
	g_free(self->smoothed);
	G_OBJECT_CLASS(ckpt_run_item_parent_class)->finalize(object);
}

static void ckpt_run_item_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	CkptRunItem *self = CKPT_RUN_ITEM(object);
	switch (id) {
	case PROP_NAME: g_value_set_string(value, self->name); break;
	case PROP_CHECKED: g_value_set_boolean(value, self->checked); break;
	case PROP_STYLE_INDEX: g_value_set_int(value, self->style_index); break;
	default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void ckpt_run_item_set_property(GObject *object, guint id, const GValue *value,
				       GParamSpec *pspec)
{
	CkptRunItem *self = CKPT_RUN_ITEM(object);
	switch (id) {
	case PROP_CHECKED: ckpt_run_item_set_checked(self, g_value_get_boolean(value)); break;
	case PROP_STYLE_INDEX: ckpt_run_item_set_style_index(self, g_value_get_int(value)); break;
	default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void ckpt_run_item_class_init(CkptRunItemClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = ckpt_run_item_finalize;
	object_class->get_property = ckpt_run_item_get_property;
	object_class->set_property = ckpt_run_item_set_property;
	properties[PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL,
						    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	properties[PROP_CHECKED] = g_param_spec_boolean(
	    "checked", NULL, NULL, FALSE,
	    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
	properties[PROP_STYLE_INDEX] =
	    g_param_spec_int("style-index", NULL, NULL, -1, G_MAXINT, -1,
			     G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, properties);
	/* The snapshot was replaced: the run changed on disk. */
	signals[SIGNAL_CHANGED] =
	    g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			 NULL, G_TYPE_NONE, 0);
}

static void ckpt_run_item_init(CkptRunItem *self)
{
	self->style_index = -1;
}

CkptRunItem *ckpt_run_item_new(CkptSnapshot *snapshot, const char *folder)
{
	CkptRunItem *self = g_object_new(CKPT_TYPE_RUN_ITEM, NULL);
	self->snapshot = ckpt_snapshot_ref(snapshot);
	self->name = ckpt_text_escape(ckpt_run_name(snapshot->run));
	self->key = g_strdup(ckpt_run_root(snapshot->run));
	self->folder = g_strdup(folder);
	return self;
}

CkptSnapshot *ckpt_run_item_get_snapshot(CkptRunItem *self)
{
	g_return_val_if_fail(CKPT_IS_RUN_ITEM(self), NULL);
	return self->snapshot;
}

const ckpt_run *ckpt_run_item_get_run(CkptRunItem *self)
{
	g_return_val_if_fail(CKPT_IS_RUN_ITEM(self), NULL);
	return self->snapshot->run;
}

void ckpt_run_item_set_snapshot(CkptRunItem *self, CkptSnapshot *snapshot)
{
	g_return_if_fail(CKPT_IS_RUN_ITEM(self));
	if (snapshot == self->snapshot)
		return;
	ckpt_snapshot_ref(snapshot);
	ckpt_snapshot_unref(self->snapshot);
	self->snapshot = snapshot;
	g_clear_pointer(&self->smoothed, g_free);
	g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
}

const char *ckpt_run_item_get_name(CkptRunItem *self)
{
	return self->name;
}

const char *ckpt_run_item_get_key(CkptRunItem *self)
{
	return self->key;
}

const char *ckpt_run_item_get_folder(CkptRunItem *self)
{
	return self->folder;
}

gboolean ckpt_run_item_get_checked(CkptRunItem *self)
{
	return self->checked;
}

void ckpt_run_item_set_checked(CkptRunItem *self, gboolean checked)
{
	g_return_if_fail(CKPT_IS_RUN_ITEM(self));
	checked = !!checked;
	if (self->checked == checked)
		return;
	self->checked = checked;
	g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_CHECKED]);
}

int ckpt_run_item_get_style_index(CkptRunItem *self)
{
	return self->style_index;
}

void ckpt_run_item_set_style_index(CkptRunItem *self, int index)
{
	g_return_if_fail(CKPT_IS_RUN_ITEM(self));
	if (self->style_index == index)
		return;
	self->style_index = index;
	g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_STYLE_INDEX]);
}

double ckpt_run_item_get_best(CkptRunItem *self)
{
	double v;
	return ckpt_run_best_metric(&v, self->snapshot->run) ? v : NAN;
}

const double *ckpt_run_item_get_smoothed(CkptRunItem *self, double weight)
{
	if (!(weight > 0.0))
		return NULL;
	if (!self->smoothed || self->smoothed_weight != weight) {
		g_free(self->smoothed);
		self->smoothed = chart_series_smooth(self->snapshot->series, weight);
		self->smoothed_weight = weight;
	}
	return self->smoothed;
}
