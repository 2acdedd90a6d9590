/* ckpt-epoch-item.c: an epochs-table row (see ckpt-epoch-item.h). */
#define G_LOG_DOMAIN "ckpt-epoch-item"

#include "ckpt-epoch-item.h"

#include "chart-math.h"
#include "ckpt-format.h"

#include <math.h>

struct _CkptEpochItem {
	GObject parent_instance;
	CkptSnapshot *snapshot;
	const ckpt_epoch *epoch;
	char *saved_text;
	gint64 saved_key;
	char *check_text;
	const char *check_style;
	int check_rank;
	double metric, best_so_far;
};

G_DEFINE_FINAL_TYPE(CkptEpochItem, ckpt_epoch_item, G_TYPE_OBJECT)

static void ckpt_epoch_item_finalize(GObject *object)
{
	CkptEpochItem *self = CKPT_EPOCH_ITEM(object);
	ckpt_snapshot_unref(self->snapshot);
	g_free(self->saved_text);
	g_free(self->check_text);
	G_OBJECT_CLASS(ckpt_epoch_item_parent_class)->finalize(object);
}

static void ckpt_epoch_item_class_init(CkptEpochItemClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = ckpt_epoch_item_finalize;
}

static void ckpt_epoch_item_init(CkptEpochItem *self)
{
	(void)self;
}

/* The writer's own record of when it saved (its wall clock, kept as is),
 * else the file's time here; "Mar 2 09:00:43" within this year. */
static char *saved_text(const ckpt_epoch *e, gint64 now)
{
	int64_t stamp;
	g_autoptr(GDateTime) t = NULL;
	if (ckpt_epoch_timestamp_seconds(&stamp, e))
		t = g_date_time_new_from_unix_utc(stamp);
	else if (ckpt_epoch_timestamp(e))
		return ckpt_text_escape(ckpt_epoch_timestamp(e));
	else
		t = g_date_time_new_from_unix_local(ckpt_epoch_saved_at(e));
	g_autoptr(GDateTime) today = g_date_time_new_from_unix_local(now);
	if (!t || !today)
		return g_strdup("—");
	gboolean this_year = g_date_time_get_year(t) == g_date_time_get_year(today);
	return g_date_time_format(t, this_year ? "%b %-d %H:%M:%S" : "%Y-%m-%d %H:%M");
}

CkptEpochItem *ckpt_epoch_item_new(CkptSnapshot *snapshot, const ckpt_epoch *epoch, gint64 now)
{
	CkptEpochItem *self = g_object_new(CKPT_TYPE_EPOCH_ITEM, NULL);
	self->snapshot = ckpt_snapshot_ref(snapshot);
	self->epoch = epoch;
	self->saved_text = saved_text(epoch, now);
	int64_t stamp;
	self->saved_key = ckpt_epoch_timestamp_seconds(&stamp, epoch)
			      ? stamp
			      : ckpt_epoch_saved_at(epoch);
	ckpt_verify_result result = CKPT_VERIFY_OK;
	int64_t when = 0;
	ckpt_check_state state = ckpt_epoch_check(&result, &when, epoch);
	self->check_text = ckpt_format_check(state, result, when, now);
	self->check_style = ckpt_check_style(state, result);
	self->check_rank = ckpt_check_rank(state, result);
	if (!ckpt_epoch_metric(&self->metric, epoch))
		self->metric = NAN;
	if (!ckpt_epoch_best_metric_last(&self->best_so_far, epoch))
		self->best_so_far = NAN;
	return self;
}

gint64 ckpt_epoch_item_get_number(CkptEpochItem *self)
{
	return ckpt_epoch_number(self->epoch);
}

const ckpt_epoch *ckpt_epoch_item_get_epoch(CkptEpochItem *self)
{
	return self->epoch;
}

CkptSnapshot *ckpt_epoch_item_get_snapshot(CkptEpochItem *self)
{
	return self->snapshot;
}

gint64 ckpt_epoch_item_get_saved_key(CkptEpochItem *self)
{
	return self->saved_key;
}

const char *ckpt_epoch_item_get_saved_text(CkptEpochItem *self)
{
	return self->saved_text;
}

double ckpt_epoch_item_get_metric(CkptEpochItem *self)
{
	return self->metric;
}

double ckpt_epoch_item_get_best_so_far(CkptEpochItem *self)
{
	return self->best_so_far;
}

gint64 ckpt_epoch_item_get_size(CkptEpochItem *self)
{
	return ckpt_epoch_model_bytes(self->epoch);
}

const char *ckpt_epoch_item_get_check_text(CkptEpochItem *self)
{
	return self->check_text;
}

const char *ckpt_epoch_item_get_check_style(CkptEpochItem *self)
{
	return self->check_style;
}

int ckpt_epoch_item_get_check_rank(CkptEpochItem *self)
{
	return self->check_rank;
}

gboolean ckpt_epoch_item_is_best(CkptEpochItem *self)
{
	return ckpt_run_best(self->snapshot->run) == ckpt_epoch_number(self->epoch);
}

gboolean ckpt_epoch_item_is_last(CkptEpochItem *self)
{
	return ckpt_run_last(self->snapshot->run) == ckpt_epoch_number(self->epoch);
}

ckpt_epoch_state ckpt_epoch_item_get_health(CkptEpochItem *self)
{
	return ckpt_epoch_health(self->epoch);
}
