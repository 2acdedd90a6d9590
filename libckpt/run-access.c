/* run-access.c: the public read-only accessors of a run snapshot and of its
 * epochs; every one accepts NULL and answers "nothing" for it. */
#include "internal.h"
#include "run-private.h"

#include <stdlib.h>
#include <string.h>

/* ---- the run ---------------------------------------------------------------- */

const char *ckpt_run_name(const ckpt_run *run)
{
	return run ? run->name : NULL;
}

const char *ckpt_run_root(const ckpt_run *run)
{
	return run ? run->root : NULL;
}

const char *ckpt_run_folder(const ckpt_run *run)
{
	return run ? run->folder : NULL;
}

const char *ckpt_run_log_path(const ckpt_run *run)
{
	return run ? run->log_path : NULL;
}

const char *ckpt_run_history_path(const ckpt_run *run)
{
	return run ? run->history_path : NULL;
}

const char *ckpt_run_problem(const ckpt_run *run)
{
	return run ? run->problem : NULL;
}

size_t ckpt_run_info_reads(const ckpt_run *run)
{
	return run ? run->info_reads : 0;
}

ckpt_layout ckpt_run_layout(const ckpt_run *run)
{
	return run ? run->layout : CKPT_LAYOUT_CANDLE;
}

const char *ckpt_run_metric(const ckpt_run *run)
{
	return run ? run->metric : NULL;
}

char ckpt_run_direction(const ckpt_run *run)
{
	return run ? run->direction : 0;
}

int64_t ckpt_run_best(const ckpt_run *run)
{
	return run ? run->best : 0;
}

int64_t ckpt_run_last(const ckpt_run *run)
{
	return run ? run->last : 0;
}

ckpt_link_state ckpt_run_best_state(const ckpt_run *run)
{
	return run ? run->best_state : CKPT_LINK_MISSING;
}

ckpt_link_state ckpt_run_last_state(const ckpt_run *run)
{
	return run ? run->last_state : CKPT_LINK_MISSING;
}

bool ckpt_run_work_leftover(const ckpt_run *run)
{
	return run && run->work_leftover;
}

size_t ckpt_run_stray_count(const ckpt_run *run)
{
	return run ? run->n_strays : 0;
}

const char *ckpt_run_stray(const ckpt_run *run, size_t i)
{
	return run && i < run->n_strays ? run->strays[i] : NULL;
}

bool ckpt_run_live(const ckpt_run *run)
{
	return run && run->live;
}

int64_t ckpt_run_writer_pid(const ckpt_run *run)
{
	return run && run->has_holder ? run->holder_pid : 0;
}

const char *ckpt_run_writer_host(const ckpt_run *run)
{
	return run && run->has_holder ? run->holder_host : NULL;
}

const char *ckpt_run_writer_since(const ckpt_run *run)
{
	return run && run->has_holder ? run->holder_since : NULL;
}

size_t ckpt_run_epoch_count(const ckpt_run *run)
{
	return run ? run->n_epochs : 0;
}

const ckpt_epoch *ckpt_run_epoch(const ckpt_run *run, size_t i)
{
	return run && i < run->n_epochs ? &run->epochs[i] : NULL;
}

static int compare_epoch_number(const void *key, const void *item)
{
	long x = *(const long *)key, y = ((const ckpt_epoch *)item)->data->epoch;
	return (x > y) - (x < y);
}

const ckpt_epoch *ckpt_run_find_epoch(const ckpt_run *run, int64_t epoch)
{
	if (!run || run->n_epochs == 0)
		return NULL;
	long key = (long)epoch;
	return bsearch(&key, run->epochs, run->n_epochs, sizeof *run->epochs,
		       compare_epoch_number);
}

uint64_t ckpt_run_total_bytes(const ckpt_run *run)
{
	return run ? run->total_bytes : 0;
}

int64_t ckpt_run_updated(const ckpt_run *run)
{
	return run ? run->updated : 0;
}

unsigned ckpt_run_health(const ckpt_run *run)
{
	return run ? run->health : 0;
}

const char *ckpt_run_health_text(const ckpt_run *run)
{
	return run && run->health_text ? run->health_text : "ok";
}

/* ---- its epochs ------------------------------------------------------------- */

int64_t ckpt_epoch_number(const ckpt_epoch *e)
{
	return e ? e->data->epoch : 0;
}

const char *ckpt_epoch_dir(const ckpt_epoch *e)
{
	return e ? e->data->dir : NULL;
}

ckpt_info_state ckpt_epoch_info_state(const ckpt_epoch *e)
{
	return e ? e->data->info_state : CKPT_INFO_MISSING;
}

const char *ckpt_epoch_info_error(const ckpt_epoch *e)
{
	return e ? e->data->info_error : NULL;
}

ckpt_model_state ckpt_epoch_model_state(const ckpt_epoch *e)
{
	return e ? e->data->model_state : CKPT_MODEL_MISSING;
}

int64_t ckpt_epoch_model_bytes(const ckpt_epoch *e)
{
	return e ? e->data->model_bytes : -1;
}

const char *ckpt_epoch_checksum(const ckpt_epoch *e)
{
	if (!e || e->data->checksum_kind == CKPT_CHECKSUM_KIND_NONE ||
	    e->data->checksum_kind == CKPT_CHECKSUM_KIND_DISABLED)
		return NULL;
	return e->data->checksum;
}

/* The text as stored, "__DISABLED__" included: for the JSON, which is exact. */
const char *ckpt_epoch_stored_checksum(const ckpt_epoch *e)
{
	return e ? e->data->checksum : NULL;
}

ckpt_checksum_kind ckpt_epoch_checksum_kind(const ckpt_epoch *e)
{
	return e ? e->data->checksum_kind : CKPT_CHECKSUM_KIND_NONE;
}

bool ckpt_epoch_best_metric_last(double *out, const ckpt_epoch *e)
{
	if (!e || !e->data->has_best_metric_last)
		return false;
	if (out)
		*out = e->data->best_metric_last;
	return true;
}

const char *ckpt_epoch_timestamp(const ckpt_epoch *e)
{
	return e ? e->data->timestamp : NULL;
}

bool ckpt_epoch_time_elapsed(double *out, const ckpt_epoch *e)
{
	if (!e || !e->data->has_time_elapsed)
		return false;
	if (out)
		*out = e->data->time_elapsed;
	return true;
}

bool ckpt_epoch_first_save(const ckpt_epoch *e)
{
	return e && e->data->first_save;
}

const char *ckpt_epoch_metadata(const ckpt_epoch *e)
{
	return e ? e->data->metadata : NULL;
}

const char *ckpt_epoch_save_best_metric(const ckpt_epoch *e)
{
	return e ? e->data->save_best_metric : NULL;
}

bool ckpt_epoch_metric(double *out, const ckpt_epoch *e)
{
	if (!e || !e->has_metric)
		return false;
	if (out)
		*out = e->metric;
	return true;
}

size_t ckpt_epoch_extra_count(const ckpt_epoch *e)
{
	return e ? e->data->n_extra : 0;
}

const char *ckpt_epoch_extra_name(const ckpt_epoch *e, size_t i)
{
	return e && i < e->data->n_extra ? e->data->extra_names[i] : NULL;
}

double ckpt_epoch_extra_value(const ckpt_epoch *e, size_t i)
{
	return e && i < e->data->n_extra ? e->data->extra_values[i] : 0.0;
}

bool ckpt_epoch_timestamp_seconds(int64_t *out, const ckpt_epoch *e)
{
	int64_t seconds;
	if (!e || !e->data->timestamp || !ckpt_stamp_seconds(e->data->timestamp, &seconds))
		return false;
	if (out)
		*out = seconds;
	return true;
}

int64_t ckpt_epoch_saved_at(const ckpt_epoch *e)
{
	return e ? e->data->saved_at : 0;
}

const char *ckpt_epoch_session(const ckpt_epoch *e)
{
	return e ? e->data->session : NULL;
}

ckpt_check_state ckpt_epoch_check(ckpt_verify_result *out_result, int64_t *out_when,
				  const ckpt_epoch *e)
{
	if (!e || e->check == CKPT_CHECK_NEVER)
		return CKPT_CHECK_NEVER;
	if (out_result)
		*out_result = e->check_result;
	if (out_when)
		*out_when = e->check_when;
	return e->check;
}
