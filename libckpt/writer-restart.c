/* writer-restart.c: SPEC §5 restart: resolve last, read and check its
 * ckpt-info.json and checksum, and hand the model to the trainer's loader. */
#include "internal.h"
#include "writer-private.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- restart (SPEC §5) ------------------------------------------------ */

/* The epoch directory R/last names; none (*out NULL) when last is missing
 * or dangling. A last leading anywhere else is refused: loading another
 * run's model would silently train the wrong thing. */
static int restart_dir(const ckpt_writer *w, char **out, long *out_epoch)
{
	*out = NULL;
	ckpt_link_state state = ckpt_link_resolve(w->root, CKPT_LAST_NAME, out_epoch);
	if (state == CKPT_LINK_MISSING || state == CKPT_LINK_DANGLING)
		return 0;
	if (state == CKPT_LINK_OK || state == CKPT_LINK_RELOCATED) {
		*out = writer_epoch_path(w, *out_epoch, NULL);
		return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
	}
	char *link = ckpt_path_join(w->root, CKPT_LAST_NAME);
	char target[4096];
	ssize_t len = link ? readlink(link, target, sizeof target - 1) : -1;
	target[len > 0 ? len : 0] = '\0';
	int rc;
	if (state == CKPT_LINK_NOT_A_LINK)
		rc = ckpt_fail(CKPT_EUNSAFE,
			       "%s/%s: not a symbolic link; refusing to restart from it", w->root,
			       CKPT_LAST_NAME);
	else
		rc = ckpt_fail(CKPT_EUNSAFE,
			       "%s/%s: points at '%s', which is not an epoch of this "
			       "run; refusing to restart from it",
			       w->root, CKPT_LAST_NAME, target);
	free(link);
	return rc;
}

/* Messages name the full paths: a trainer's log rarely says which run. */
static int restart_verify(const char *model, const char *info_path, const char *stored, long epoch)
{
	bool match = false;
	char computed[CKPT_CHECKSUM_TEXT_MAX];
	int rc = ckpt_checksum_check(&match, computed, NULL, model, stored, NULL);
	if (rc == CKPT_EINVAL)
		return ckpt_fail(CKPT_EFORMAT,
				 "%s: stored checksum '%s' is not a known form: "
				 "refusing to restart from epoch %ld",
				 info_path, stored, epoch);
	if (rc || match)
		return rc;
	/* Computed once: a multi-GiB model is not read a second time to say so. */
	return ckpt_fail(CKPT_ECHECKSUM,
			 "%s: checksum mismatch (stored %s, computed %s): "
			 "refusing to restart from epoch %ld",
			 model, stored, computed, epoch);
}

/* dir's ckpt-info.json and its text; absent is fine unless require_json. */
static int restart_info(const ckpt_writer *w, ckpt_info *info, char **text, bool *has_info,
			const char *info_path, long epoch)
{
	*has_info = false;
	*text = NULL;
	size_t len = 0;
	int rc = ckpt_read_file(text, &len, info_path, CKPT_INFO_MAX_BYTES, true);
	if (!rc)
		rc = ckpt_info_parse(info, *text, len, info_path);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	if (rc == CKPT_ENOENT && w->settings.require_json)
		return ckpt_fail(CKPT_ENOENT,
				 "%s: absent, and require_json is true: cannot restart "
				 "from epoch %ld",
				 info_path, epoch);
	if (rc == CKPT_ENOENT)
		return 0;
	if (rc)
		return rc;
	*has_info = true;
	if (info->epoch != epoch)
		return ckpt_fail(CKPT_EFORMAT,
				 "%s: key 'epoch' is %ld but the directory is epoch %ld", info_path,
				 info->epoch, epoch);
	return 0;
}

/* Reads and checks dir's ckpt-info.json, verifies and loads the model. */
static int restart_load(ckpt_writer *w, const char *dir, const char *model, long epoch,
			ckpt_restart *out)
{
	char *info_path = ckpt_path_join(dir, CKPT_INFO_NAME);
	if (!info_path)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", dir);
	ckpt_info info;
	memset(&info, 0, sizeof info);
	char *text = NULL;
	bool has_info = false;
	int rc = restart_info(w, &info, &text, &has_info, info_path, epoch);
	ckpt_checksum_kind kind = ckpt_checksum_kind_of(has_info ? info.checksum : NULL);
	if (!rc && has_info && w->settings.checksum && kind != CKPT_CHECKSUM_KIND_NONE &&
	    kind != CKPT_CHECKSUM_KIND_DISABLED)
		rc = restart_verify(model, info_path, info.checksum, epoch);
	/* The writing rank logs for all: a follower writes nothing. */
	if (!rc && has_info && !w->follower)
		rc = writer_log(w, "restarting: epoch=%ld timestamp=%s", epoch,
				info.timestamp ? info.timestamp : "?");
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (!rc && w->load_fn) {
		ckpt_error_clear();
		if (w->load_fn(model, w->payload) != 0)
			rc = writer_callback_failed("model loader", model, epoch);
	}
	if (!rc && w->load_fn && !w->follower)
		rc = writer_log_rate(w, "restarting: model read: ", model, -1,
				     writer_seconds_since(&start));
	if (!rc && !w->follower)
		rc = writer_log(w, "restarting from epoch: %ld", epoch);
	if (!rc) {
		/* A non-finite best is no best: the original writes Infinity when it
		 * never recorded one, which for '+' would block every improvement. */
		bool known =
		    has_info && info.has_best_metric_last && isfinite(info.best_metric_last);
		w->state.has_best = known;
		w->state.best = known ? info.best_metric_last : 0.0;
		w->state.best_epoch = 0;
		double best = has_info && info.has_best_metric_last ? info.best_metric_last
			      : w->settings.has_best_metric_last    ? w->settings.best_metric_last
								    : NAN;
		rc = ckpt_restart_set(out, epoch, best, model, text);
	}
	ckpt_info_clear(&info);
	free(text);
	free(info_path);
	return rc;
}

int ckpt_writer_restart(ckpt_restart **out, ckpt_writer *w)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_restart: no place for the restart");
	*out = NULL;
	if (!w)
		return ckpt_fail(CKPT_EINVAL, "ckpt_writer_restart: writer is NULL");
	int rc = ckpt_restart_new(out);
	if (rc || w->settings.restart_mode == CKPT_RESTART_OFF)
		return rc;
	char *dir = NULL;
	long epoch = 0;
	rc = restart_dir(w, &dir, &epoch);
	char *last_model = ckpt_sprintf("%s/%s/%s", w->root, CKPT_LAST_NAME, CKPT_MODEL_NAME);
	char *model = dir ? ckpt_path_join(dir, CKPT_MODEL_NAME) : NULL;
	struct stat st;
	if (rc)
		;
	else if (!last_model || (dir && !model))
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", w->root);
	else if (!model || lstat(model, &st) != 0) {
		if (w->settings.restart_mode == CKPT_RESTART_REQUIRED)
			rc = ckpt_fail(CKPT_ENOENT, "restart required but %s does not exist",
				       model ? model : last_model);
	} else if (!S_ISREG(st.st_mode)) {
		rc = ckpt_fail(CKPT_EFORMAT, "%s: not a regular file; refusing to restart from it",
			       model);
	} else if (w->follower || (rc = writer_log(w, "restarting: '%s'", last_model)) == 0) {
		rc = restart_load(w, dir, model, epoch, *out);
	}
	free(last_model);
	free(model);
	free(dir);
	if (rc) {
		ckpt_restart_free(*out);
		*out = NULL;
	}
	return rc;
}
