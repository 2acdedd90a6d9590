/* writer-limits.c: what the writer is about to write, checked with its own
 * readers' parsers and limits before anything is written, so that it never
 * saves a ckpt-info.json (or a metrics.jsonl line) that a restart, a rollback
 * or a browser would refuse: too large (a metadata over 1 MiB), not UTF-8,
 * two extra metrics of one name. */
#include "internal.h"
#include "writer-private.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ckpt-info.json stage_info will write for epoch, with a checksum as
 * long as any and this moment's timestamp. */
static void trial_info(ckpt_buf *buf, const ckpt_writer *w, long epoch, char direction,
		       double value, const ckpt_metric *extra, size_t n_extra)
{
	char timestamp[32], checksum[CKPT_CHECKSUM_TEXT_MAX];
	ckpt_timestamp_now(timestamp);
	memset(checksum, 'f', sizeof checksum - 1);
	checksum[sizeof checksum - 1] = '\0';
	ckpt_info info;
	memset(&info, 0, sizeof info);
	info.epoch = epoch;
	info.save_best_metric = w->settings.save_best_metric;
	info.has_best_metric_last = true;
	info.best_metric_last = w->state.best;
	info.model_file = CKPT_MODEL_NAME;
	info.checksum = checksum;
	info.timestamp = timestamp;
	info.has_time_elapsed = true;
	info.time_elapsed = 1e9; /* the longest number it may hold */
	info.metadata = w->settings.metadata;
	info.has_metric_value = true;
	info.metric_value = value;
	info.direction = direction;
	info.session = (char *)w->session;
	info.keep_limit = w->settings.keep_limit;
	info.keep_mode = (int)w->settings.keep_mode;
	ckpt_info_format(buf, &info, extra, n_extra);
}

static size_t metadata_bytes(const ckpt_writer *w)
{
	return w->settings.metadata ? strlen(w->settings.metadata) : 0;
}

static int check_info(const ckpt_writer *w, const char *what, long epoch, char direction,
		      double value, const ckpt_metric *extra, size_t n_extra)
{
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	trial_info(&buf, w, epoch, direction, value, extra, n_extra);
	int rc = 0;
	ckpt_info info;
	if (buf.oom)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
	else if (buf.len > CKPT_INFO_MAX_BYTES)
		rc = ckpt_fail(CKPT_EINVAL,
			       "%s: its ckpt-info.json would be %zu bytes (metadata %zu bytes), "
			       "larger than the %d that readers accept: it could never be "
			       "restarted; refusing to save it",
			       what, buf.len, metadata_bytes(w), CKPT_INFO_MAX_BYTES);
	else if (ckpt_info_parse(&info, buf.data, buf.len, CKPT_INFO_NAME) != 0) {
		char why[700];
		snprintf(why, sizeof why, "%s", ckpt_error_last());
		rc = ckpt_fail(CKPT_EINVAL,
			       "%s: its ckpt-info.json would be refused by readers (%s): it could "
			       "never be restarted; refusing to save it",
			       what, why);
	} else {
		ckpt_info_clear(&info);
	}
	ckpt_buf_free(&buf);
	return rc;
}

/* The metrics.jsonl line of the call: readers skip longer lines and lines
 * that do not parse, which would lose the epoch from the history. */
static int check_history_line(const ckpt_writer *w, const char *what, long epoch,
			      char direction, double value, const ckpt_metric *extra,
			      size_t n_extra)
{
	char now[32];
	ckpt_timestamp_now(now);
	ckpt_history_line line = {.epoch = epoch,
				  .metric = w->settings.save_best_metric,
				  .direction = direction,
				  .has_value = true,
				  .value = value,
				  .time = now,
				  .session = w->session,
				  .extra = extra,
				  .n_extra = n_extra,
				  .has_log_start = true,
				  .log_start = UINT64_MAX};
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	ckpt_history_format(&buf, &line);
	int rc = 0;
	cJSON *json = NULL;
	size_t len = buf.len > 0 ? buf.len - 1 : 0; /* without its newline */
	if (buf.oom)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
	else if (len > CKPT_INFO_MAX_BYTES)
		rc = ckpt_fail(CKPT_EINVAL,
			       "%s: its %s line would be %zu bytes, larger than the %d that "
			       "readers accept; refusing to write it",
			       what, CKPT_HISTORY_NAME, len, CKPT_INFO_MAX_BYTES);
	else if (ckpt_json_parse(&json, buf.data, len, CKPT_HISTORY_NAME) != 0) {
		char why[700];
		snprintf(why, sizeof why, "%s", ckpt_error_last());
		rc = ckpt_fail(CKPT_EINVAL,
			       "%s: its %s line would be refused by readers (%s); refusing to "
			       "write it",
			       what, CKPT_HISTORY_NAME, why);
	}
	cJSON_Delete(json);
	ckpt_buf_free(&buf);
	return rc;
}

int writer_check_limits(const ckpt_writer *w, long epoch, bool saved, char direction,
			double value, const ckpt_metric *extra, size_t n_extra)
{
	char what[64];
	snprintf(what, sizeof what, "epoch %ld", epoch);
	int rc = saved ? check_info(w, what, epoch, direction, value, extra, n_extra) : 0;
	return rc ? rc : check_history_line(w, what, epoch, direction, value, extra, n_extra);
}

int writer_check_settings(const ckpt_writer *w)
{
	/* The largest epoch number, no extra metrics: what every save carries. */
	int rc = check_info(w, "the writer's settings", 999999999L, '-', 0.0, NULL, 0);
	if (!rc)
		rc = check_history_line(w, "the writer's settings", 999999999L, '-', 0.0, NULL, 0);
	return rc ? ckpt_fail_prefix(rc, "ckpt_writer_new") : 0;
}
