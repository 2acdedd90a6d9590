/* run-json.c: a run in text: the names of its states, and the snapshot as
 * the RUN object of `ckpt ls --json` (compact, every key always present, null
 * when absent, epochs ascending, non-finite numbers as "inf", "-inf", "nan"). */
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

/* Paths and names may hold any bytes, but JSON text must be UTF-8: a byte
 * that is not part of a valid sequence becomes U+FFFD. */
static void put_string(ckpt_buf *buf, const char *text)
{
	if (!text) {
		ckpt_buf_puts(buf, "null");
		return;
	}
	size_t n = strlen(text), bad;
	if (ckpt_utf8_valid(text, n, NULL)) {
		ckpt_buf_json_string(buf, text);
		return;
	}
	ckpt_buf clean;
	ckpt_buf_init(&clean);
	for (size_t i = 0; i < n;) {
		if (ckpt_utf8_valid(text + i, n - i, &bad)) {
			ckpt_buf_append(&clean, text + i, n - i);
			break;
		}
		ckpt_buf_append(&clean, text + i, bad);
		ckpt_buf_puts(&clean, "\xEF\xBF\xBD");
		i += bad + 1;
	}
	ckpt_buf_json_string(buf, clean.data ? clean.data : "");
	buf->oom = buf->oom || clean.oom;
	ckpt_buf_free(&clean);
}

static void put_number(ckpt_buf *buf, bool has, double value)
{
	if (!has)
		ckpt_buf_puts(buf, "null");
	else if (isnan(value))
		ckpt_buf_puts(buf, "\"nan\"");
	else if (isinf(value))
		ckpt_buf_puts(buf, value > 0 ? "\"inf\"" : "\"-inf\"");
	else
		ckpt_buf_json_number(buf, value);
}

static void put_epoch_number(ckpt_buf *buf, long epoch)
{
	if (epoch > 0)
		ckpt_buf_printf(buf, "%ld", epoch);
	else
		ckpt_buf_puts(buf, "null");
}

static void put_key(ckpt_buf *buf, const char *key)
{
	ckpt_buf_printf(buf, ",\"%s\":", key);
}

static void put_writer(ckpt_buf *buf, const ckpt_writer_info *writer)
{
	if (!writer) {
		ckpt_buf_puts(buf, "null");
		return;
	}
	ckpt_buf_printf(buf, "{\"pid\":%ld,\"host\":", writer->pid);
	put_string(buf, writer->host);
	ckpt_buf_puts(buf, ",\"since\":");
	put_string(buf, writer->since);
	ckpt_buf_puts(buf, "}");
}

static void put_epoch(ckpt_buf *buf, const ckpt_epoch *e)
{
	ckpt_buf_printf(buf, "{\"epoch\":%ld", e->epoch);
	put_key(buf, "dir");
	put_string(buf, e->dir);
	put_key(buf, "info");
	put_string(buf, ckpt_info_state_name(e->info));
	put_key(buf, "model_bytes");
	if (e->model_bytes >= 0)
		ckpt_buf_printf(buf, "%lld", (long long)e->model_bytes);
	else
		ckpt_buf_puts(buf, "null");
	put_key(buf, "checksum");
	put_string(buf, e->checksum);
	put_key(buf, "best_metric_last");
	put_number(buf, e->has_best_metric_last, e->best_metric_last);
	put_key(buf, "timestamp");
	put_string(buf, e->timestamp);
	put_key(buf, "metric");
	put_number(buf, e->has_metric, e->metric);
	ckpt_buf_puts(buf, "}");
}

static void put_run(ckpt_buf *buf, const ckpt_run *run)
{
	ckpt_buf_puts(buf, "{\"name\":");
	put_string(buf, ckpt_run_name(run));
	put_key(buf, "path");
	put_string(buf, ckpt_run_root(run));
	put_key(buf, "layout");
	put_string(buf, ckpt_layout_name(ckpt_run_layout(run)));
	put_key(buf, "metric");
	put_string(buf, ckpt_run_metric(run));
	put_key(buf, "direction");
	char direction[2] = {ckpt_run_direction(run), '\0'};
	put_string(buf, direction[0] ? direction : NULL);
	put_key(buf, "best");
	put_epoch_number(buf, ckpt_run_best(run));
	put_key(buf, "best_state");
	put_string(buf, ckpt_link_state_name(ckpt_run_best_state(run)));
	put_key(buf, "last");
	put_epoch_number(buf, ckpt_run_last(run));
	put_key(buf, "last_state");
	put_string(buf, ckpt_link_state_name(ckpt_run_last_state(run)));
	put_key(buf, "work_leftover");
	ckpt_buf_puts(buf, ckpt_run_work_leftover(run) ? "true" : "false");
	put_key(buf, "stray");
	ckpt_buf_puts(buf, "[");
	for (size_t i = 0; i < ckpt_run_stray_count(run); i++) {
		if (i)
			ckpt_buf_puts(buf, ",");
		put_string(buf, ckpt_run_stray(run, i));
	}
	ckpt_buf_puts(buf, "]");
	put_key(buf, "writer");
	put_writer(buf, ckpt_run_writer(run));
	put_key(buf, "problem");
	put_string(buf, ckpt_run_problem(run));
	put_key(buf, "epochs");
	ckpt_buf_puts(buf, "[");
	for (size_t i = 0; i < ckpt_run_epoch_count(run); i++) {
		if (i)
			ckpt_buf_puts(buf, ",");
		put_epoch(buf, ckpt_run_epoch(run, i));
	}
	ckpt_buf_puts(buf, "]}");
}

int ckpt_run_to_json(char **out, const ckpt_run *run)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_to_json: no place for the text");
	*out = NULL;
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_to_json: no run");
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	put_run(&buf, run);
	*out = ckpt_buf_steal(&buf);
	if (!*out)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", ckpt_run_root(run));
	return 0;
}
