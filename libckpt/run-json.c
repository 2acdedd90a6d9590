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

static void put_epoch_number(ckpt_buf *buf, long epoch)
{
	if (epoch > 0)
		ckpt_buf_printf(buf, "%ld", epoch);
	else
		ckpt_buf_puts(buf, "null");
}

static void put_bool(ckpt_buf *buf, bool value)
{
	ckpt_buf_puts(buf, value ? "true" : "false");
}

static void put_writer(ckpt_buf *buf, const ckpt_run *run)
{
	if (!ckpt_run_writer_pid(run) && !ckpt_run_writer_host(run)) {
		ckpt_buf_puts(buf, "null");
		return;
	}
	bool first = true;
	ckpt_buf_puts(buf, "{");
	ckpt_out_key(buf, &first, "pid");
	ckpt_buf_printf(buf, "%lld", (long long)ckpt_run_writer_pid(run));
	ckpt_out_key(buf, &first, "host");
	ckpt_out_string(buf, ckpt_run_writer_host(run));
	ckpt_out_key(buf, &first, "since");
	ckpt_out_string(buf, ckpt_run_writer_since(run));
	ckpt_out_key(buf, &first, "live");
	put_bool(buf, ckpt_run_live(run));
	ckpt_buf_puts(buf, "}");
}

static void put_check(ckpt_buf *buf, const ckpt_epoch *e)
{
	ckpt_verify_result result;
	int64_t when;
	ckpt_check_state state = ckpt_epoch_check(&result, &when, e);
	if (state == CKPT_CHECK_NEVER) {
		ckpt_buf_puts(buf, "null");
		return;
	}
	bool first = true;
	ckpt_buf_puts(buf, "{");
	ckpt_out_key(buf, &first, "state");
	ckpt_out_string(buf, ckpt_check_state_name(state));
	ckpt_out_key(buf, &first, "result");
	ckpt_out_string(buf, ckpt_verify_result_name(result));
	ckpt_out_key(buf, &first, "at");
	ckpt_buf_printf(buf, "%lld", (long long)when);
	ckpt_buf_puts(buf, "}");
}

static void put_extras(ckpt_buf *buf, const ckpt_epoch *e)
{
	ckpt_buf_puts(buf, "{");
	bool first = true;
	for (size_t i = 0; i < ckpt_epoch_extra_count(e); i++) {
		if (!first)
			ckpt_buf_puts(buf, ",");
		first = false;
		ckpt_out_string(buf, ckpt_epoch_extra_name(e, i));
		ckpt_buf_puts(buf, ":");
		ckpt_out_number(buf, true, ckpt_epoch_extra_value(e, i));
	}
	ckpt_buf_puts(buf, "}");
}

/* The members of an EPOCH object, without its braces. */
static void put_epoch_members(ckpt_buf *buf, bool *first, const ckpt_epoch *e)
{
	double value;
	ckpt_out_key(buf, first, "epoch");
	ckpt_buf_printf(buf, "%lld", (long long)ckpt_epoch_number(e));
	ckpt_out_key(buf, first, "dir");
	ckpt_out_string(buf, ckpt_epoch_dir(e));
	ckpt_out_key(buf, first, "info");
	ckpt_out_string(buf, ckpt_info_state_name(ckpt_epoch_info_state(e)));
	ckpt_out_key(buf, first, "model");
	ckpt_out_string(buf, ckpt_model_state_name(ckpt_epoch_model_state(e)));
	ckpt_out_key(buf, first, "model_bytes");
	if (ckpt_epoch_model_bytes(e) >= 0)
		ckpt_buf_printf(buf, "%lld", (long long)ckpt_epoch_model_bytes(e));
	else
		ckpt_buf_puts(buf, "null");
	ckpt_out_key(buf, first, "checksum");
	ckpt_out_string(buf, ckpt_epoch_stored_checksum(e));
	ckpt_out_key(buf, first, "best_metric_last");
	bool has = ckpt_epoch_best_metric_last(&value, e);
	ckpt_out_number(buf, has, value);
	ckpt_out_key(buf, first, "timestamp");
	ckpt_out_string(buf, ckpt_epoch_timestamp(e));
	ckpt_out_key(buf, first, "metric");
	has = ckpt_epoch_metric(&value, e);
	ckpt_out_number(buf, has, value);
	ckpt_out_key(buf, first, "metrics");
	put_extras(buf, e);
	ckpt_out_key(buf, first, "saved_at");
	ckpt_buf_printf(buf, "%lld", (long long)ckpt_epoch_saved_at(e));
	ckpt_out_key(buf, first, "health");
	ckpt_out_string(buf, ckpt_epoch_state_name(ckpt_epoch_health(e)));
	ckpt_out_key(buf, first, "check");
	put_check(buf, e);
}

static void put_run(ckpt_buf *buf, const ckpt_run *run)
{
	bool first = true;
	ckpt_buf_puts(buf, "{");
	ckpt_out_key(buf, &first, "name");
	ckpt_out_string(buf, ckpt_run_name(run));
	ckpt_out_key(buf, &first, "path");
	ckpt_out_string(buf, ckpt_run_root(run));
	ckpt_out_key(buf, &first, "layout");
	ckpt_out_string(buf, ckpt_layout_name(ckpt_run_layout(run)));
	ckpt_out_key(buf, &first, "metric");
	ckpt_out_string(buf, ckpt_run_metric(run));
	ckpt_out_key(buf, &first, "direction");
	char direction[2] = {ckpt_run_direction(run), '\0'};
	ckpt_out_string(buf, direction[0] ? direction : NULL);
	ckpt_out_key(buf, &first, "best");
	put_epoch_number(buf, ckpt_run_best(run));
	ckpt_out_key(buf, &first, "best_state");
	ckpt_out_string(buf, ckpt_link_state_name(ckpt_run_best_state(run)));
	ckpt_out_key(buf, &first, "last");
	put_epoch_number(buf, ckpt_run_last(run));
	ckpt_out_key(buf, &first, "last_state");
	ckpt_out_string(buf, ckpt_link_state_name(ckpt_run_last_state(run)));
	ckpt_out_key(buf, &first, "work_leftover");
	put_bool(buf, ckpt_run_work_leftover(run));
	ckpt_out_key(buf, &first, "stray");
	ckpt_buf_puts(buf, "[");
	for (size_t i = 0; i < ckpt_run_stray_count(run); i++) {
		if (i)
			ckpt_buf_puts(buf, ",");
		ckpt_out_string(buf, ckpt_run_stray(run, i));
	}
	ckpt_buf_puts(buf, "]");
	ckpt_out_key(buf, &first, "writer");
	put_writer(buf, run);
	ckpt_out_key(buf, &first, "live");
	put_bool(buf, ckpt_run_live(run));
	ckpt_out_key(buf, &first, "problem");
	ckpt_out_string(buf, ckpt_run_problem(run));
	ckpt_out_key(buf, &first, "health");
	ckpt_out_string(buf, ckpt_run_health_text(run));
	ckpt_out_key(buf, &first, "size");
	ckpt_buf_printf(buf, "%llu", (unsigned long long)ckpt_run_total_bytes(run));
	ckpt_out_key(buf, &first, "updated");
	ckpt_buf_printf(buf, "%lld", (long long)ckpt_run_updated(run));
	int64_t limit;
	ckpt_keep_mode mode;
	bool recorded = ckpt_run_keep_policy(&limit, &mode, run);
	ckpt_out_key(buf, &first, "keep_limit");
	if (recorded)
		ckpt_buf_printf(buf, "%lld", (long long)limit);
	else
		ckpt_buf_puts(buf, "null");
	ckpt_out_key(buf, &first, "keep_mode");
	ckpt_out_string(buf, recorded ? ckpt_keep_mode_name(mode) : NULL);
	ckpt_out_key(buf, &first, "epochs");
	ckpt_buf_puts(buf, "[");
	for (size_t i = 0; i < ckpt_run_epoch_count(run); i++) {
		bool first_member = true;
		ckpt_buf_puts(buf, i ? ",{" : "{");
		put_epoch_members(buf, &first_member, ckpt_run_epoch(run, i));
		ckpt_buf_puts(buf, "}");
	}
	ckpt_buf_puts(buf, "]}");
}

int ckpt_run_to_json(char **out, const ckpt_run *run, unsigned flags)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_to_json: no place for the text");
	*out = NULL;
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_to_json: no run");
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	put_run(&buf, run);
	return ckpt_out_finish(out, &buf, flags, ckpt_run_root(run));
}

int ckpt_epoch_to_json(char **out, const ckpt_run *run, const ckpt_epoch *e, unsigned flags)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_epoch_to_json: no place for the text");
	*out = NULL;
	if (!run || !e)
		return ckpt_fail(CKPT_EINVAL, "ckpt_epoch_to_json: no %s", run ? "epoch" : "run");
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	bool first = true;
	ckpt_buf_puts(&buf, "{");
	put_epoch_members(&buf, &first, e);
	ckpt_out_key(&buf, &first, "run");
	ckpt_out_string(&buf, ckpt_run_name(run));
	ckpt_out_key(&buf, &first, "save_best_metric");
	ckpt_out_string(&buf, ckpt_epoch_save_best_metric(e));
	ckpt_out_key(&buf, &first, "time_elapsed");
	double elapsed = 0;
	/* Asked before the value is passed: argument order is unspecified. */
	bool has_elapsed = ckpt_epoch_time_elapsed(&elapsed, e);
	if (ckpt_epoch_first_save(e))
		ckpt_out_string(&buf, "__FIRST__");
	else
		ckpt_out_number(&buf, has_elapsed, elapsed);
	ckpt_out_key(&buf, &first, "metadata");
	ckpt_out_string(&buf, ckpt_epoch_metadata(e));
	ckpt_out_key(&buf, &first, "session");
	ckpt_out_string(&buf, ckpt_epoch_session(e));
	ckpt_out_key(&buf, &first, "info_error");
	ckpt_out_string(&buf, ckpt_epoch_info_error(e));
	ckpt_out_key(&buf, &first, "is_best");
	put_bool(&buf, ckpt_run_best(run) == ckpt_epoch_number(e));
	ckpt_out_key(&buf, &first, "is_last");
	put_bool(&buf, ckpt_run_last(run) == ckpt_epoch_number(e));
	ckpt_buf_puts(&buf, "}");
	return ckpt_out_finish(out, &buf, flags, ckpt_run_root(run));
}
