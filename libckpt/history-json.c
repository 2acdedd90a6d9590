/* history-json.c: a history in text: the metrics.jsonl line libckpt's
 * writer appends for each epoch call, and the `ckpt history --json` object. */
#include "history-private.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- metrics.jsonl ------------------------------------------------------ */

static void put_string_or_null(ckpt_buf *buf, const char *text)
{
	if (text)
		ckpt_buf_json_string(buf, text);
	else
		ckpt_buf_puts(buf, "null");
}

static void put_extra(ckpt_buf *buf, const ckpt_metric *extra, size_t n_extra)
{
	size_t named = 0;
	for (size_t i = 0; i < n_extra; i++)
		named += extra[i].name != NULL;
	if (named == 0)
		return;
	ckpt_buf_puts(buf, ", \"metrics\": {");
	const char *sep = "";
	for (size_t i = 0; i < n_extra; i++) {
		if (!extra[i].name)
			continue;
		ckpt_buf_puts(buf, sep);
		ckpt_buf_json_string(buf, extra[i].name);
		ckpt_buf_puts(buf, ": ");
		ckpt_buf_json_number(buf, extra[i].value);
		sep = ", ";
	}
	ckpt_buf_puts(buf, "}");
}

/* True when path ends in the middle of a line: a crash tore the last append. */
static bool ends_torn(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return false;
	struct stat st;
	char last = '\n';
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	close(fd);
	return last != '\n';
}

void ckpt_history_format(ckpt_buf *buf, const ckpt_history_line *line)
{
	ckpt_buf_printf(buf, "{\"epoch\": %ld, \"metric\": ", line->epoch);
	put_string_or_null(buf, line->metric);
	ckpt_buf_puts(buf, ", \"direction\": ");
	if (line->direction == '-' || line->direction == '+')
		ckpt_buf_json_string(buf, line->direction == '-' ? "-" : "+");
	else
		ckpt_buf_puts(buf, "null");
	ckpt_buf_puts(buf, ", \"value\": ");
	if (line->has_value)
		ckpt_buf_json_number(buf, line->value);
	else
		ckpt_buf_puts(buf, "null");
	ckpt_buf_printf(buf,
			", \"saved\": %s, \"best\": %s, \"time\": ", line->saved ? "true" : "false",
			line->became_best ? "true" : "false");
	put_string_or_null(buf, line->time);
	ckpt_buf_puts(buf, ", \"session\": ");
	put_string_or_null(buf, line->session);
	if (line->has_log_start)
		ckpt_buf_printf(buf, ", \"log_start\": %llu", (unsigned long long)line->log_start);
	put_extra(buf, line->extra, line->extra ? line->n_extra : 0);
	ckpt_buf_puts(buf, "}\n");
}

static int append_line(ckpt_fs_appender *file, bool check_torn, const char *path,
		       const ckpt_history_line *line)
{
	if (line->epoch < 1)
		return ckpt_fail(CKPT_EINVAL, "%s: epoch %ld: epochs start at 1", path,
				 line->epoch);
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	/* End a torn line first, or this record would be glued to it and lost. */
	if (check_torn && ends_torn(path))
		ckpt_buf_puts(&buf, "\n");
	ckpt_history_format(&buf, line);
	if (buf.oom) {
		ckpt_buf_free(&buf);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	}
	/* One write per line: a crash leaves at most a torn last line, which readers skip. */
	int rc = file ? ckpt_fs_append_kept(file, path, buf.data, buf.len)
		      : ckpt_fs_append(path, buf.data, buf.len);
	ckpt_buf_free(&buf);
	return rc;
}

int ckpt_history_append(const char *path, const ckpt_history_line *line)
{
	return append_line(NULL, true, path, line);
}

int ckpt_history_append_kept(ckpt_fs_appender *file, bool check_torn, const char *path,
			     const ckpt_history_line *line)
{
	return append_line(file, check_torn, path, line);
}

/* ---- the --json form ---------------------------------------------------- */

static void put_point(ckpt_out *o, const hist_point *p)
{
	ckpt_out_open(o, '{');
	ckpt_out_key(o, "epoch");
	ckpt_out_int(o, p->epoch);
	ckpt_out_key(o, "value");
	ckpt_out_number(o, p->has_value, p->value);
	ckpt_out_key(o, "saved");
	ckpt_out_bool(o, p->saved);
	ckpt_out_key(o, "best");
	ckpt_out_bool(o, p->became_best);
	ckpt_out_key(o, "session");
	ckpt_out_int(o, p->session);
	ckpt_out_key(o, "time");
	ckpt_out_string(o, p->time);
	ckpt_out_key(o, "recovered");
	ckpt_out_bool(o, p->recovered);
	ckpt_out_key(o, "metrics");
	ckpt_out_open(o, '{');
	for (size_t j = 0; j < p->n_extra; j++) {
		ckpt_out_name(o, p->extra[j].name);
		ckpt_out_number(o, true, p->extra[j].value);
	}
	ckpt_out_close(o, '}');
	ckpt_out_close(o, '}');
}

int ckpt_history_to_json(char **out, const ckpt_history *h, unsigned flags)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_history_to_json: no place for the text");
	*out = NULL;
	if (!h)
		return ckpt_fail(CKPT_EINVAL, "ckpt_history_to_json: no history");
	ckpt_out o;
	ckpt_out_init(&o, flags);
	ckpt_out_open(&o, '{');
	ckpt_out_key(&o, "run");
	ckpt_out_string(&o, h->run_name);
	ckpt_out_key(&o, "metric");
	ckpt_out_string(&o, h->metric);
	ckpt_out_key(&o, "direction");
	char direction[2] = {h->direction, '\0'};
	ckpt_out_string(&o, direction[0] ? direction : NULL);
	ckpt_out_key(&o, "sessions");
	ckpt_out_uint(&o, h->n_sessions);
	ckpt_out_key(&o, "extra_metrics");
	ckpt_out_open(&o, '[');
	for (size_t j = 0; j < h->n_extra_names; j++) {
		ckpt_out_item(&o);
		ckpt_out_string(&o, h->extra_names[j]);
	}
	ckpt_out_close(&o, ']');
	ckpt_out_key(&o, "problem");
	ckpt_out_string(&o, h->problem);
	ckpt_out_key(&o, "points");
	ckpt_out_open(&o, '[');
	for (size_t i = 0; i < h->n_points; i++) {
		ckpt_out_item(&o);
		put_point(&o, &h->points[i]);
	}
	ckpt_out_close(&o, ']');
	ckpt_out_close(&o, '}');
	return ckpt_out_finish(out, &o, h->run_name);
}
