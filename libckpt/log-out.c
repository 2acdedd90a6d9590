/* log-out.c: ckpt.log as a writer writes it: one descriptor kept for the
 * writer's life (checked before each append, see ckpt_fs_append_kept), and
 * the lines of one call gathered and appended in one write, where the
 * original's 19 lines a save cost 19 opens. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct ckpt_log_out {
	char *path;
	ckpt_fs_appender file;
	ckpt_buf pending;
	ckpt_log_out *outer; /* what this thread gathered into before */
	bool gathering;
};

/* The log this thread's ckpt_log_write calls for its path gather into:
 * every line of a call (the writer's, and those of the helpers it calls,
 * such as leftovers.c's) then lands in the order it was made. */
static _Thread_local ckpt_log_out *gatherer;

int ckpt_log_out_new(ckpt_log_out **out, const char *path)
{
	*out = NULL;
	ckpt_log_out *log = calloc(1, sizeof *log);
	char *copy = ckpt_strdup(path);
	if (!log || !copy) {
		free(log);
		free(copy);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	}
	log->path = copy;
	log->file = (ckpt_fs_appender)CKPT_FS_APPENDER_INIT;
	ckpt_buf_init(&log->pending);
	*out = log;
	return 0;
}

void ckpt_log_out_free(ckpt_log_out *log)
{
	if (!log)
		return;
	if (log->gathering)
		ckpt_log_out_end(log);
	ckpt_fs_appender_close(&log->file);
	ckpt_buf_free(&log->pending);
	free(log->path);
	free(log);
}

void ckpt_log_out_begin(ckpt_log_out *log)
{
	if (log->gathering)
		return;
	log->outer = gatherer;
	log->gathering = true;
	gatherer = log;
}

int ckpt_log_out_flush(ckpt_log_out *log, bool sync)
{
	int rc = 0;
	if (log->pending.oom)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", log->path);
	else if (log->pending.len > 0)
		rc = ckpt_fs_append_kept(&log->file, log->path, log->pending.data, log->pending.len);
	/* Lines that could not be written are dropped: the error says so, and
	 * the failed append was taken back whole. */
	log->pending.len = 0;
	log->pending.oom = false;
	if (log->pending.data)
		log->pending.data[0] = '\0';
	if (!rc && sync)
		rc = ckpt_fs_appender_fsync(&log->file, log->path);
	return rc;
}

int ckpt_log_out_end(ckpt_log_out *log)
{
	if (!log || !log->gathering)
		return 0;
	if (gatherer == log)
		gatherer = log->outer;
	log->gathering = false;
	log->outer = NULL;
	return ckpt_log_out_flush(log, false);
}

bool ckpt_log_out_take(const char *path, const char *line, size_t len)
{
	ckpt_log_out *log = gatherer;
	if (!log || strcmp(path, log->path) != 0)
		return false;
	ckpt_buf_append(&log->pending, line, len);
	return true;
}
