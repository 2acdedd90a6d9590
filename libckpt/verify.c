/* verify.c: checking each epoch's model against the checksum stored in its
 * ckpt-info.json (SPEC §4), one epoch or a whole run, with progress over all
 * the run's bytes and cancellation. Reads only; never trusts the snapshot's info. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

const char *ckpt_verify_result_name(ckpt_verify_result result)
{
	switch (result) {
	case CKPT_VERIFY_OK: return "ok";
	case CKPT_VERIFY_MISMATCH: return "mismatch";
	case CKPT_VERIFY_MISSING_MODEL: return "missing-model";
	case CKPT_VERIFY_NO_CHECKSUM: return "no-checksum";
	case CKPT_VERIFY_NO_INFO: return "no-info";
	case CKPT_VERIFY_UNREADABLE: return "unreadable";
	case CKPT_VERIFY_GONE: return "gone";
	}
	return "unknown";
}

/* Maps the checksum's per-file progress onto the whole call's bytes, under
 * the stage "verify NNN". */
typedef struct verify_meter {
	const ckpt_progress *outer;
	uint64_t base;
	uint64_t total;
	char stage[48];
} verify_meter;

static void meter_report(const char *stage, uint64_t done, uint64_t total, void *payload)
{
	(void)stage, (void)total;
	verify_meter *meter = payload;
	uint64_t at = meter->base + done;
	/* The model may have grown since the snapshot counted it. */
	if (meter->total && at > meter->total)
		at = meter->total;
	ckpt_report(meter->outer, meter->stage, at, meter->total);
}

/* The stored checksum of epoch_dir's ckpt-info.json, read now: the snapshot
 * may be older than the file. NULL (and *result set) when verify ends here. */
static int read_stored_checksum(char **out, ckpt_verify_result *result, const char *epoch_dir,
				long epoch)
{
	*out = NULL;
	char *path = ckpt_path_join(epoch_dir, CKPT_INFO_NAME);
	if (!path)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", epoch_dir);
	ckpt_info info;
	int rc = ckpt_info_read(&info, path);
	free(path);
	if (rc == CKPT_ENOMEM)
		return rc;
	if (rc) {
		/* Absent, unreadable or invalid: SPEC §4 calls all of them no-info,
		 * unless the whole epoch directory is closed to us (a permission
		 * error, SPEC's "unreadable"). */
		*result = rc == CKPT_EIO && access(epoch_dir, R_OK | X_OK) != 0 && errno == EACCES
				  ? CKPT_VERIFY_UNREADABLE
				  : CKPT_VERIFY_NO_INFO;
		return 0;
	}
	if (info.epoch != epoch) {
		/* Another epoch's files (a hand copy, a botched restore): its
		 * checksum vouches for that epoch, not this one. */
		ckpt_info_clear(&info);
		*result = CKPT_VERIFY_NO_INFO;
		return 0;
	}
	*out = info.checksum;
	info.checksum = NULL;
	ckpt_info_clear(&info);
	if (!*out || strcmp(*out, "__DISABLED__") == 0) {
		free(*out);
		*out = NULL;
		*result = CKPT_VERIFY_NO_CHECKSUM;
	}
	return 0;
}

/* lstat, not stat: a model.h5 that is a link (perhaps to a file outside
 * the run) is not this epoch's model. */
static bool model_present(ckpt_verify_result *result, const char *model)
{
	struct stat st;
	if (lstat(model, &st) == 0) {
		if (S_ISREG(st.st_mode))
			return true;
		*result = CKPT_VERIFY_MISSING_MODEL;
	} else {
		*result = (errno == ENOENT || errno == ENOTDIR) ? CKPT_VERIFY_MISSING_MODEL
								: CKPT_VERIFY_UNREADABLE;
	}
	return false;
}

/* The epoch directory itself is gone (not merely unreadable). */
static bool dir_gone(const char *epoch_dir)
{
	struct stat st;
	return lstat(epoch_dir, &st) != 0 && errno == ENOENT;
}

static int verify_dir(ckpt_verify_result *out, const char *root, const ckpt_epoch *epoch,
		      verify_meter *meter)
{
	char *epoch_dir = ckpt_sprintf("%s/%s/%s", root, CKPT_EPOCHS_NAME, epoch->dir);
	char *model = epoch_dir ? ckpt_path_join(epoch_dir, CKPT_MODEL_NAME) : NULL;
	char *stored = NULL;
	int rc = 0;
	if (!epoch_dir || !model) {
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
		goto out;
	}
	ckpt_verify_result result = CKPT_VERIFY_OK;
	if (dir_gone(epoch_dir)) {
		result = CKPT_VERIFY_GONE;
		goto done;
	}
	if ((rc = read_stored_checksum(&stored, &result, epoch_dir, epoch->epoch)) != 0 || !stored)
		goto done;
	if (!model_present(&result, model))
		goto done;

	ckpt_progress inner = {
	    .fn = meter_report,
	    .payload = meter,
	    .cancel = meter->outer ? meter->outer->cancel : NULL,
	};
	bool match = false;
	rc = ckpt_checksum_matches(&match, model, stored, &inner);
	switch (rc) {
	case 0: result = match ? CKPT_VERIFY_OK : CKPT_VERIFY_MISMATCH; break;
	case CKPT_EINVAL:
		/* A stored form we do not know cannot vouch for the model; calling it
		 * no-checksum would let a rollback through unchecked. */
		result = CKPT_VERIFY_MISMATCH;
		rc = 0;
		break;
	case CKPT_ENOENT:
		result = CKPT_VERIFY_MISSING_MODEL; /* removed since the lstat */
		rc = 0;
		break;
	case CKPT_EIO:
		result = CKPT_VERIFY_UNREADABLE;
		rc = 0;
		break;
	default: goto out; /* cancelled, out of memory */
	}
done:
	/* A file found missing because a live writer's retention removed the
	 * whole epoch meanwhile is not damage. */
	if (!rc && result != CKPT_VERIFY_OK && result != CKPT_VERIFY_MISMATCH &&
	    dir_gone(epoch_dir))
		result = CKPT_VERIFY_GONE;
	if (!rc)
		*out = result;
out:
	free(stored);
	free(model);
	free(epoch_dir);
	return rc;
}

static uint64_t model_bytes(const ckpt_epoch *epoch)
{
	return epoch->model_bytes > 0 ? (uint64_t)epoch->model_bytes : 0;
}

int ckpt_verify_epoch(ckpt_verify_result *out, const ckpt_run *run, long epoch,
		      const ckpt_progress *progress)
{
	if (!out || !run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_verify_epoch: no %s", run ? "result" : "run");
	const ckpt_epoch *found = ckpt_run_find_epoch(run, epoch);
	if (!found)
		return ckpt_fail(CKPT_ENOENT, "%s: no epoch %ld in this run", ckpt_run_root(run),
				 epoch);
	if (ckpt_cancelled(progress))
		return ckpt_fail(CKPT_ECANCELLED, "verify cancelled");
	verify_meter meter = {.outer = progress, .base = 0, .total = model_bytes(found)};
	snprintf(meter.stage, sizeof meter.stage, "verify %s", found->dir);
	ckpt_report(progress, meter.stage, 0, meter.total);
	int rc = verify_dir(out, ckpt_run_root(run), found, &meter);
	if (!rc)
		ckpt_report(progress, meter.stage, meter.total, meter.total);
	return rc;
}

int ckpt_verify_run(ckpt_verify_result *out, const ckpt_run *run, const ckpt_progress *progress)
{
	if (!out || !run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_verify_run: no %s", run ? "results" : "run");
	size_t n = ckpt_run_epoch_count(run);
	verify_meter meter = {.outer = progress, .base = 0, .total = 0};
	for (size_t i = 0; i < n; i++)
		meter.total += model_bytes(ckpt_run_epoch(run, i));
	for (size_t i = 0; i < n; i++) {
		const ckpt_epoch *epoch = ckpt_run_epoch(run, i);
		if (ckpt_cancelled(progress))
			return ckpt_fail(CKPT_ECANCELLED, "verify cancelled before epoch %ld",
					 epoch->epoch);
		snprintf(meter.stage, sizeof meter.stage, "verify %s", epoch->dir);
		ckpt_report(progress, meter.stage, meter.base, meter.total);
		int rc = verify_dir(&out[i], ckpt_run_root(run), epoch, &meter);
		if (rc)
			return rc;
		meter.base += model_bytes(epoch);
	}
	ckpt_report(progress, "verify", meter.total, meter.total);
	return 0;
}
