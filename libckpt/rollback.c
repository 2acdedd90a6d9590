/* rollback.c: re-pointing `last` at an older epoch so that the next restart
 * resumes there (SPEC §5), after checking that the epoch is complete and that
 * its model still matches the checksum stored with it. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Refusals a user may overrule (CKPT_FLAG_FORCE): the front end says how. */
static int refuse(long epoch, const char *reason)
{
	return ckpt_fail(CKPT_EREFUSED, "epoch %ld: %s; a forced rollback would still use it",
			 epoch, reason);
}

/* The current message, copied: ckpt_fail must not format from its own buffer. */
static void last_error(char *out, size_t size)
{
	snprintf(out, size, "%s", ckpt_error_last());
}

static int check_model(const char *model, long epoch)
{
	struct stat st;
	if (lstat(model, &st) != 0 || !S_ISREG(st.st_mode))
		return refuse(epoch, "model.h5 is missing or not a regular file");
	return 0;
}

/* Reads the epoch's ckpt-info.json now (the snapshot may be older); *has_info
 * says whether `info` (and *text, its text) was filled. Without force, a
 * missing, invalid or mismatched info is a refusal. */
static int read_info(ckpt_info *info, char **text, bool *has_info, const char *dir, long epoch,
		     bool force)
{
	*has_info = false;
	*text = NULL;
	char *path = ckpt_path_join(dir, CKPT_INFO_NAME);
	if (!path)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", dir);
	size_t len = 0;
	int rc = ckpt_read_file(text, &len, path, CKPT_INFO_MAX_BYTES, true);
	if (!rc)
		rc = ckpt_info_parse(info, *text, len, path);
	free(path);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	if (rc == CKPT_ENOMEM)
		return rc;
	char why[600];
	if (rc == CKPT_ENOENT) {
		return force ? 0 : refuse(epoch, "it has no ckpt-info.json");
	} else if (rc) {
		last_error(why, sizeof why);
		return force ? 0 : refuse(epoch, why);
	}
	*has_info = true;
	if (info->epoch != epoch && !force) {
		snprintf(why, sizeof why, "its ckpt-info.json says epoch %ld", info->epoch);
		return refuse(epoch, why);
	}
	return 0;
}

/* A disabled (or absent) checksum is fine: the original often ran without. */
static int check_checksum(const ckpt_info *info, const char *model, long epoch,
			  const ckpt_progress *progress)
{
	const char *stored = info->checksum;
	ckpt_checksum_kind kind = ckpt_checksum_kind_of(stored);
	if (kind == CKPT_CHECKSUM_KIND_NONE || kind == CKPT_CHECKSUM_KIND_DISABLED)
		return 0;
	bool match = false;
	int rc = ckpt_checksum_matches(&match, model, stored, progress);
	char why[700];
	switch (rc) {
	case 0:
		if (match)
			return 0;
		snprintf(why, sizeof why, "model.h5 does not match its stored checksum %.80s",
			 stored);
		return refuse(epoch, why);
	case CKPT_EINVAL:
	case CKPT_ENOENT:
	case CKPT_EIO: last_error(why, sizeof why); return refuse(epoch, why);
	default: return rc;
	}
}

static int check_epoch(ckpt_info *info, char **text, bool *has_info, const char *dir, long epoch,
		       bool force, const ckpt_progress *progress)
{
	char *model = ckpt_path_join(dir, CKPT_MODEL_NAME);
	if (!model)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", dir);
	int rc = force ? 0 : check_model(model, epoch);
	if (!rc)
		rc = read_info(info, text, has_info, dir, epoch, force);
	if (!rc && !force && *has_info)
		rc = check_checksum(info, model, epoch, progress);
	free(model);
	return rc;
}

/* A dry run takes no lock but must fail where the real one would. */
static int refuse_if_writer_live(const char *root)
{
	bool live = false;
	long pid = 0;
	char host[256], since[32];
	int rc = ckpt_lock_probe(&live, &pid, host, since, root);
	if (rc)
		return rc;
	if (live)
		return ckpt_fail(CKPT_ELOCKED,
				 "%s: a writer holds the lock (pid %ld on %s since %s)", root, pid,
				 host, since);
	return 0;
}

/* Logged after the link is replaced, so that a refused or failed re-point
 * leaves the log as it was too. */
static int repoint_last(const ckpt_run *run, long epoch)
{
	const char *root = ckpt_run_root(run);
	long old = 0;
	/* Any last that names one of our epochs, an outside one included (an
	 * absolute target into the copy this run was made from). */
	ckpt_link_resolve(root, CKPT_LAST_NAME, &old);
	bool had = old > 0;
	char *label = ckpt_ops_root_label(run);
	if (!label)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	int rc = ckpt_link_point(root, CKPT_LAST_NAME, epoch, true);
	if (rc) {
		free(label);
		return rc;
	}
	const char *log = ckpt_run_log_path(run);
	char dir[32];
	ckpt_epoch_dir_name(dir, epoch);
	if (had)
		rc = ckpt_log_write(log, "rollback: '%s' from epoch %ld to %ld", CKPT_LAST_NAME,
				    old, epoch);
	else
		rc = ckpt_log_write(log, "rollback: '%s' from none to %ld", CKPT_LAST_NAME, epoch);
	if (!rc)
		rc = ckpt_log_write(log, "linking: '%s/%s' -> '%s/%s/%s'", label, CKPT_LAST_NAME,
				    label, CKPT_EPOCHS_NAME, dir);
	if (rc)
		rc = ckpt_fail_prefix(rc, "'last' was re-pointed, but the log was not written");
	free(label);
	return rc;
}

/* What the next restart loads: NaN for the best when unknown (only a forced
 * rollback onto an epoch without info). */
static int make_restart(ckpt_restart **out, const char *dir, long epoch, const ckpt_info *info,
			bool has_info, const char *text)
{
	int rc = ckpt_restart_new(out);
	char *model = rc ? NULL : ckpt_path_join(dir, CKPT_MODEL_NAME);
	if (!rc && !model)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", dir);
	if (!rc)
		rc = ckpt_restart_set(*out, epoch,
				      has_info && info->has_best_metric_last ? info->best_metric_last
									     : NAN,
				      model, text);
	free(model);
	if (rc) {
		ckpt_restart_free(*out);
		*out = NULL;
	}
	return rc;
}

int ckpt_rollback(ckpt_restart **out, const ckpt_run *run, int64_t epoch, unsigned flags)
{
	return ckpt_rollback_progress(out, run, epoch, flags, NULL);
}

int ckpt_rollback_progress(ckpt_restart **out, const ckpt_run *run, int64_t epoch, unsigned flags,
			   const ckpt_progress *progress)
{
	if (out)
		*out = NULL;
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_rollback: no run");
	const char *root = ckpt_run_root(run);
	bool force = flags & CKPT_FLAG_FORCE;
	bool dry_run = flags & CKPT_FLAG_DRY_RUN;
	char *dir = NULL;
	int rc = ckpt_ops_epoch_dir(&dir, root, (long)epoch);
	if (rc)
		return rc;
	ckpt_lock *lock = NULL;
	rc = dry_run ? refuse_if_writer_live(root) : ckpt_lock_acquire(&lock, root);
	ckpt_info info;
	memset(&info, 0, sizeof info);
	char *text = NULL;
	bool has_info = false;
	if (!rc)
		rc = ckpt_log_prepare(ckpt_run_log_path(run), lock);
	/* Checked under the lock: a writer could have replaced the epoch. */
	if (!rc)
		rc = check_epoch(&info, &text, &has_info, dir, (long)epoch, force, progress);
	if (!rc && !dry_run)
		rc = repoint_last(run, (long)epoch);
	if (!rc && out)
		rc = make_restart(out, dir, (long)epoch, &info, has_info, text);
	ckpt_lock_release(lock);
	ckpt_info_clear(&info);
	free(text);
	free(dir);
	return rc;
}
