/* run-json.c: a run in text: the names of its states, the snapshot as the
 * RUN object of `ckpt ls --json` and an epoch as the EPOCH object of `ckpt
 * show --json` (every key always present, null when absent, epochs
 * ascending, non-finite numbers as "inf", "-inf", "nan"). */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the text forms of a run's states ---------------------------------- */

const char *ckpt_link_state_name(ckpt_link_state state)
{
	switch (state) {
	case CKPT_LINK_OK: return "ok";
	case CKPT_LINK_RELOCATED: return "relocated";
	case CKPT_LINK_OUTSIDE: return "outside";
	case CKPT_LINK_DANGLING: return "dangling";
	case CKPT_LINK_MISSING: return "missing";
	case CKPT_LINK_NOT_A_LINK: return "not-a-link";
	}
	return "unknown";
}

const char *ckpt_info_state_name(ckpt_info_state state)
{
	switch (state) {
	case CKPT_INFO_OK: return "ok";
	case CKPT_INFO_MISSING: return "missing";
	case CKPT_INFO_INVALID: return "invalid";
	case CKPT_INFO_UNREADABLE: return "unreadable";
	}
	return "unknown";
}

const char *ckpt_model_state_name(ckpt_model_state state)
{
	switch (state) {
	case CKPT_MODEL_OK: return "ok";
	case CKPT_MODEL_MISSING: return "missing";
	case CKPT_MODEL_NOT_REGULAR: return "not-regular";
	case CKPT_MODEL_UNREADABLE: return "unreadable";
	}
	return "unknown";
}

const char *ckpt_layout_name(ckpt_layout layout)
{
	switch (layout) {
	case CKPT_LAYOUT_CANDLE: return "candle";
	case CKPT_LAYOUT_CANDLE_LEGACY: return "candle-legacy";
	}
	return "unknown";
}

/* ---- JSON --------------------------------------------------------------- */

static void put_epoch_number(ckpt_out *o, long epoch)
{
	if (epoch > 0)
		ckpt_out_int(o, epoch);
	else
		ckpt_out_null(o);
}

static void put_writer(ckpt_out *o, const ckpt_run *run)
{
	if (!ckpt_run_writer_pid(run) && !ckpt_run_writer_host(run)) {
		ckpt_out_null(o);
		return;
	}
	ckpt_out_open(o, '{');
	ckpt_out_key(o, "pid");
	ckpt_out_int(o, (long long)ckpt_run_writer_pid(run));
	ckpt_out_key(o, "host");
	ckpt_out_string(o, ckpt_run_writer_host(run));
	ckpt_out_key(o, "since");
	ckpt_out_string(o, ckpt_run_writer_since(run));
	ckpt_out_key(o, "live");
	ckpt_out_bool(o, ckpt_run_live(run));
	ckpt_out_close(o, '}');
}

static void put_check(ckpt_out *o, const ckpt_epoch *e)
{
	ckpt_verify_result result;
	int64_t when;
	ckpt_check_state state = ckpt_epoch_check(&result, &when, e);
	if (state == CKPT_CHECK_NEVER) {
		ckpt_out_null(o);
		return;
	}
	ckpt_out_open(o, '{');
	ckpt_out_key(o, "state");
	ckpt_out_string(o, ckpt_check_state_name(state));
	ckpt_out_key(o, "result");
	ckpt_out_string(o, ckpt_verify_result_name(result));
	ckpt_out_key(o, "at");
	ckpt_out_int(o, (long long)when);
	ckpt_out_close(o, '}');
}

static void put_extras(ckpt_out *o, const ckpt_epoch *e)
{
	ckpt_out_open(o, '{');
	for (size_t i = 0; i < ckpt_epoch_extra_count(e); i++) {
		ckpt_out_name(o, ckpt_epoch_extra_name(e, i));
		ckpt_out_number(o, true, ckpt_epoch_extra_value(e, i));
	}
	ckpt_out_close(o, '}');
}

/* The members of an EPOCH object, without its braces. */
static void put_epoch_members(ckpt_out *o, const ckpt_epoch *e)
{
	double value;
	ckpt_out_key(o, "epoch");
	ckpt_out_int(o, (long long)ckpt_epoch_number(e));
	ckpt_out_key(o, "dir");
	ckpt_out_string(o, ckpt_epoch_dir(e));
	ckpt_out_key(o, "info");
	ckpt_out_string(o, ckpt_info_state_name(ckpt_epoch_info_state(e)));
	ckpt_out_key(o, "model");
	ckpt_out_string(o, ckpt_model_state_name(ckpt_epoch_model_state(e)));
	ckpt_out_key(o, "model_bytes");
	if (ckpt_epoch_model_bytes(e) >= 0)
		ckpt_out_int(o, (long long)ckpt_epoch_model_bytes(e));
	else
		ckpt_out_null(o);
	ckpt_out_key(o, "checksum");
	ckpt_out_string(o, ckpt_epoch_stored_checksum(e));
	ckpt_out_key(o, "best_metric_last");
	bool has = ckpt_epoch_best_metric_last(&value, e);
	ckpt_out_number(o, has, value);
	ckpt_out_key(o, "timestamp");
	ckpt_out_string(o, ckpt_epoch_timestamp(e));
	ckpt_out_key(o, "metric");
	has = ckpt_epoch_metric(&value, e);
	ckpt_out_number(o, has, value);
	ckpt_out_key(o, "metrics");
	put_extras(o, e);
	ckpt_out_key(o, "saved_at");
	ckpt_out_int(o, (long long)ckpt_epoch_saved_at(e));
	ckpt_out_key(o, "health");
	ckpt_out_string(o, ckpt_epoch_state_name(ckpt_epoch_health(e)));
	ckpt_out_key(o, "check");
	put_check(o, e);
}

static void put_run(ckpt_out *o, const ckpt_run *run)
{
	ckpt_out_open(o, '{');
	ckpt_out_key(o, "name");
	ckpt_out_string(o, ckpt_run_name(run));
	ckpt_out_key(o, "path");
	ckpt_out_string(o, ckpt_run_root(run));
	ckpt_out_key(o, "layout");
	ckpt_out_string(o, ckpt_layout_name(ckpt_run_layout(run)));
	ckpt_out_key(o, "metric");
	ckpt_out_string(o, ckpt_run_metric(run));
	ckpt_out_key(o, "direction");
	char direction[2] = {ckpt_run_direction(run), '\0'};
	ckpt_out_string(o, direction[0] ? direction : NULL);
	ckpt_out_key(o, "best");
	put_epoch_number(o, ckpt_run_best(run));
	ckpt_out_key(o, "best_state");
	ckpt_out_string(o, ckpt_link_state_name(ckpt_run_best_state(run)));
	ckpt_out_key(o, "last");
	put_epoch_number(o, ckpt_run_last(run));
	ckpt_out_key(o, "last_state");
	ckpt_out_string(o, ckpt_link_state_name(ckpt_run_last_state(run)));
	ckpt_out_key(o, "work_leftover");
	ckpt_out_bool(o, ckpt_run_work_leftover(run));
	ckpt_out_key(o, "stray");
	ckpt_out_open(o, '[');
	for (size_t i = 0; i < ckpt_run_stray_count(run); i++) {
		ckpt_out_item(o);
		ckpt_out_string(o, ckpt_run_stray(run, i));
	}
	ckpt_out_close(o, ']');
	ckpt_out_key(o, "writer");
	put_writer(o, run);
	ckpt_out_key(o, "live");
	ckpt_out_bool(o, ckpt_run_live(run));
	ckpt_out_key(o, "problem");
	ckpt_out_string(o, ckpt_run_problem(run));
	ckpt_out_key(o, "health");
	ckpt_out_string(o, ckpt_run_health_text(run));
	ckpt_out_key(o, "size");
	ckpt_out_uint(o, (unsigned long long)ckpt_run_total_bytes(run));
	ckpt_out_key(o, "updated");
	ckpt_out_int(o, (long long)ckpt_run_updated(run));
	int64_t limit;
	ckpt_keep_mode mode;
	bool recorded = ckpt_run_keep_policy(&limit, &mode, run);
	ckpt_out_key(o, "keep_limit");
	if (recorded)
		ckpt_out_int(o, (long long)limit);
	else
		ckpt_out_null(o);
	ckpt_out_key(o, "keep_mode");
	ckpt_out_string(o, recorded ? ckpt_keep_mode_name(mode) : NULL);
	ckpt_out_key(o, "epochs");
	ckpt_out_open(o, '[');
	for (size_t i = 0; i < ckpt_run_epoch_count(run); i++) {
		ckpt_out_item(o);
		ckpt_out_open(o, '{');
		put_epoch_members(o, ckpt_run_epoch(run, i));
		ckpt_out_close(o, '}');
	}
	ckpt_out_close(o, ']');
	ckpt_out_close(o, '}');
}

int ckpt_run_to_json(char **out, const ckpt_run *run, unsigned flags)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_to_json: no place for the text");
	*out = NULL;
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_to_json: no run");
	ckpt_out o;
	ckpt_out_init(&o, flags);
	/* Room for the usual size at once, not grown and copied a dozen times
	 * (indented epochs are about 500 bytes; a failure here shows later). */
	(void)ckpt_buf_grow(&o.buf, 1024 + 640 * ckpt_run_epoch_count(run));
	put_run(&o, run);
	return ckpt_out_finish(out, &o, ckpt_run_root(run));
}

int ckpt_epoch_to_json(char **out, const ckpt_run *run, const ckpt_epoch *e, unsigned flags)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_epoch_to_json: no place for the text");
	*out = NULL;
	if (!run || !e)
		return ckpt_fail(CKPT_EINVAL, "ckpt_epoch_to_json: no %s", run ? "epoch" : "run");
	ckpt_out o;
	ckpt_out_init(&o, flags);
	ckpt_out_open(&o, '{');
	put_epoch_members(&o, e);
	ckpt_out_key(&o, "run");
	ckpt_out_string(&o, ckpt_run_name(run));
	ckpt_out_key(&o, "save_best_metric");
	ckpt_out_string(&o, ckpt_epoch_save_best_metric(e));
	ckpt_out_key(&o, "time_elapsed");
	double elapsed = 0;
	/* Asked before the value is passed: argument order is unspecified. */
	bool has_elapsed = ckpt_epoch_time_elapsed(&elapsed, e);
	if (ckpt_epoch_first_save(e))
		ckpt_out_string(&o, "__FIRST__");
	else
		ckpt_out_number(&o, has_elapsed, elapsed);
	ckpt_out_key(&o, "metadata");
	ckpt_out_string(&o, ckpt_epoch_metadata(e));
	ckpt_out_key(&o, "session");
	ckpt_out_string(&o, ckpt_epoch_session(e));
	ckpt_out_key(&o, "info_error");
	ckpt_out_string(&o, ckpt_epoch_info_error(e));
	ckpt_out_key(&o, "is_best");
	ckpt_out_bool(&o, ckpt_run_best(run) == ckpt_epoch_number(e));
	ckpt_out_key(&o, "is_last");
	ckpt_out_bool(&o, ckpt_run_last(run) == ckpt_epoch_number(e));
	ckpt_out_close(&o, '}');
	return ckpt_out_finish(out, &o, ckpt_run_root(run));
}
