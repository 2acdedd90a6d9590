/* verify.c: checking each epoch's model against the checksum stored in its
 * ckpt-info.json (SPEC §4), one epoch or many, streaming each result as it
 * completes, with progress over all the bytes, cancellation, and this
 * user's verify records kept up to date. Reads only; never trusts the
 * snapshot's info. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

const char *ckpt_check_state_name(ckpt_check_state state)
{
	switch (state) {
	case CKPT_CHECK_NEVER: return "never";
	case CKPT_CHECK_CURRENT: return "current";
	case CKPT_CHECK_CHANGED: return "changed";
	}
	return "unknown";
}

/* What verifying one epoch found. */
typedef struct outcome {
	ckpt_verify_result result;
	char *stored; /* as read now, or NULL */
	char computed[CKPT_CHECKSUM_TEXT_MAX];
	ckpt_file_sig model_sig, info_sig; /* the files as they were read */
} outcome;

/* The checksum's own progress, as the whole call's bytes. */
typedef struct verify_meter {
	ckpt_meter meter;
	uint64_t base; /* bytes of the epochs done before this one */
} verify_meter;

static int inner_report(const ckpt_progress_event *event, void *payload)
{
	verify_meter *vm = payload;
	uint64_t at = vm->base + event->done;
	/* The model may have grown since the snapshot counted it. */
	if (vm->meter.event.total && at > vm->meter.event.total)
		at = vm->meter.event.total;
	vm->meter.event.done = at;
	return ckpt_meter_send(&vm->meter) ? 0 : 1;
}

/* The stored checksum of epoch_dir's ckpt-info.json, read now: the snapshot
 * may be older than the file. NULL (and o->result set) when verify ends here. */
static int read_stored_checksum(outcome *o, const char *epoch_dir, long epoch)
{
	char *path = ckpt_path_join(epoch_dir, CKPT_INFO_NAME);
	if (!path)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", epoch_dir);
	ckpt_file_sig_at(&o->info_sig, AT_FDCWD, path);
	ckpt_info info;
	int rc = ckpt_info_read(&info, path);
	free(path);
	if (rc == CKPT_ENOMEM)
		return rc;
	if (rc) {
		/* Absent, unreadable or invalid: SPEC §4 calls all of them no-info,
		 * unless the whole epoch directory is closed to us (a permission
		 * error, SPEC's "unreadable"). */
		o->result = rc == CKPT_EIO && access(epoch_dir, R_OK | X_OK) != 0 && errno == EACCES
				? CKPT_VERIFY_UNREADABLE
				: CKPT_VERIFY_NO_INFO;
		return 0;
	}
	if (info.epoch != epoch) {
		/* Another epoch's files (a hand copy, a botched restore): its
		 * checksum vouches for that epoch, not this one. */
		ckpt_info_clear(&info);
		o->result = CKPT_VERIFY_NO_INFO;
		return 0;
	}
	o->stored = info.checksum;
	info.checksum = NULL;
	ckpt_info_clear(&info);
	if (ckpt_checksum_kind_of(o->stored) == CKPT_CHECKSUM_KIND_NONE ||
	    ckpt_checksum_kind_of(o->stored) == CKPT_CHECKSUM_KIND_DISABLED)
		o->result = CKPT_VERIFY_NO_CHECKSUM;
	return 0;
}

/* lstat, not stat: a model.h5 that is a link (perhaps to a file outside
 * the run) is not this epoch's model. */
static bool model_present(outcome *o, const char *model)
{
	ckpt_file_sig_at(&o->model_sig, AT_FDCWD, model);
	if (o->model_sig.err == 0) {
		if (S_ISREG(o->model_sig.mode))
			return true;
		o->result = CKPT_VERIFY_MISSING_MODEL;
	} else {
		o->result = o->model_sig.err == ENOENT || o->model_sig.err == ENOTDIR
				? CKPT_VERIFY_MISSING_MODEL
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

static int hash_model(outcome *o, const char *model, verify_meter *vm)
{
	ckpt_progress inner = {
	    .fn = inner_report,
	    .payload = vm,
	    .cancel = vm->meter.progress ? vm->meter.progress->cancel : NULL,
	};
	bool match = false;
	int rc = ckpt_checksum_check(&match, o->computed, &o->model_sig, model, o->stored, &inner);
	switch (rc) {
	case 0: o->result = match ? CKPT_VERIFY_OK : CKPT_VERIFY_MISMATCH; return 0;
	case CKPT_EINVAL:
		/* A stored form we do not know cannot vouch for the model; calling it
		 * no-checksum would let a rollback through unchecked. */
		o->result = CKPT_VERIFY_MISMATCH;
		return 0;
	case CKPT_ENOENT: o->result = CKPT_VERIFY_MISSING_MODEL; return 0; /* removed since */
	case CKPT_EIO: o->result = CKPT_VERIFY_UNREADABLE; return 0;
	default: return rc; /* cancelled, out of memory */
	}
}

static int verify_dir(outcome *o, const char *root, const char *dir, long epoch, verify_meter *vm)
{
	memset(o, 0, sizeof *o);
	o->result = CKPT_VERIFY_OK;
	char *epoch_dir = ckpt_sprintf("%s/%s/%s", root, CKPT_EPOCHS_NAME, dir);
	char *model = epoch_dir ? ckpt_path_join(epoch_dir, CKPT_MODEL_NAME) : NULL;
	int rc = 0;
	if (!epoch_dir || !model)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	else if (dir_gone(epoch_dir))
		o->result = CKPT_VERIFY_GONE;
	else if ((rc = read_stored_checksum(o, epoch_dir, epoch)) == 0 &&
		 o->result == CKPT_VERIFY_OK && model_present(o, model))
		rc = hash_model(o, model, vm);
	/* A file found missing because a live writer's retention removed the
	 * whole epoch meanwhile is not damage. */
	if (!rc && o->result != CKPT_VERIFY_OK && o->result != CKPT_VERIFY_MISMATCH &&
	    epoch_dir && dir_gone(epoch_dir))
		o->result = CKPT_VERIFY_GONE;
	if (!rc && o->model_sig.err == 0 && o->model_sig.dev == 0 && model)
		ckpt_file_sig_at(&o->model_sig, AT_FDCWD, model);
	free(model);
	free(epoch_dir);
	return rc;
}

/* ---- many epochs ------------------------------------------------------------ */

static uint64_t model_bytes(const ckpt_epoch *epoch)
{
	int64_t bytes = ckpt_epoch_model_bytes(epoch);
	return bytes > 0 ? (uint64_t)bytes : 0;
}

static void deliver_outcome(ckpt_verify_item *item, const ckpt_epoch *e, const outcome *o,
			    int64_t now)
{
	memset(item, 0, sizeof *item);
	item->size = sizeof *item;
	item->epoch = ckpt_epoch_number(e);
	item->result = o->result;
	/* The checksum to compare with: none when checksums were off. */
	ckpt_checksum_kind kind = ckpt_checksum_kind_of(o->stored);
	item->stored = kind == CKPT_CHECKSUM_KIND_NONE || kind == CKPT_CHECKSUM_KIND_DISABLED
			   ? NULL
			   : o->stored;
	item->computed = o->computed[0] ? o->computed : NULL;
	item->checked_at = now;
}

/* The epochs asked for, each found in the run; CKPT_ENOENT naming the first
 * that is not there. */
static int select_epochs(const ckpt_epoch ***out, size_t *out_n, const ckpt_run *run,
			 const int64_t *epochs, size_t n_epochs)
{
	size_t n = epochs ? n_epochs : ckpt_run_epoch_count(run);
	const ckpt_epoch **list = calloc(n ? n : 1, sizeof *list);
	if (!list)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", ckpt_run_root(run));
	for (size_t i = 0; i < n; i++) {
		list[i] = epochs ? ckpt_run_find_epoch(run, epochs[i]) : ckpt_run_epoch(run, i);
		if (!list[i]) {
			free(list);
			return ckpt_fail(CKPT_ENOENT, "%s: no epoch %lld in this run",
					 ckpt_run_root(run), (long long)epochs[i]);
		}
	}
	*out = list;
	*out_n = n;
	return 0;
}

/* Whether epoch is answered from its record (CKPT_VERIFY_CHANGED). */
static bool from_record(const ckpt_epoch *e, unsigned flags, ckpt_verify_item *item)
{
	ckpt_verify_result result;
	int64_t when;
	if (!(flags & CKPT_VERIFY_CHANGED) ||
	    ckpt_epoch_check(&result, &when, e) != CKPT_CHECK_CURRENT)
		return false;
	memset(item, 0, sizeof *item);
	item->size = sizeof *item;
	item->epoch = ckpt_epoch_number(e);
	item->result = result;
	item->stored = ckpt_epoch_checksum(e);
	item->from_record = true;
	item->checked_at = when;
	return true;
}

int ckpt_verify(const ckpt_run *run, const int64_t *epochs, size_t n_epochs, unsigned flags,
		const ckpt_progress *progress, ckpt_verify_fn on_item, void *payload)
{
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_verify: no run");
	const ckpt_epoch **list = NULL;
	size_t n = 0;
	int rc = select_epochs(&list, &n, run, epochs, n_epochs);
	if (rc)
		return rc;
	verify_meter vm;
	ckpt_meter_init(&vm.meter, progress, CKPT_STAGE_VERIFY, ckpt_run_name(run));
	vm.base = 0;
	vm.meter.event.items_total = n;
	ckpt_verify_item item;
	for (size_t i = 0; i < n; i++)
		if (!from_record(list[i], flags, &item))
			vm.meter.event.total += model_bytes(list[i]);
	for (size_t i = 0; i < n && !rc; i++) {
		const ckpt_epoch *e = list[i];
		vm.meter.event.epoch = ckpt_epoch_number(e);
		if (!ckpt_meter_send(&vm.meter)) {
			rc = ckpt_fail(CKPT_ECANCELLED, "verify cancelled before epoch %lld",
				       (long long)ckpt_epoch_number(e));
			break;
		}
		bool recorded = from_record(e, flags, &item);
		outcome o = {0};
		if (!recorded) {
			rc = verify_dir(&o, ckpt_run_root(run), ckpt_epoch_dir(e),
					(long)ckpt_epoch_number(e), &vm);
			if (rc) {
				free(o.stored);
				break;
			}
			int64_t now = (int64_t)time(NULL);
			if (!(flags & CKPT_VERIFY_NO_RECORD) && o.result != CKPT_VERIFY_GONE)
				ckpt_records_add(ckpt_run_root(run), (long)ckpt_epoch_number(e),
						 &o.model_sig, &o.info_sig, o.result, now);
			deliver_outcome(&item, e, &o, now);
			vm.base += model_bytes(e);
			vm.meter.event.done = vm.base;
		}
		vm.meter.event.items_done = i + 1;
		if (on_item && on_item(&item, payload) != 0) {
			vm.meter.stopped = true;
			rc = ckpt_fail(CKPT_ECANCELLED, "verify stopped after epoch %lld",
				       (long long)item.epoch);
		}
		free(o.stored);
	}
	if (!rc) {
		vm.meter.event.epoch = 0;
		vm.meter.event.done = vm.meter.event.total;
		ckpt_meter_send(&vm.meter);
	}
	free(list);
	return rc;
}

/* Collects results into an array, for the two simple forms. */
typedef struct collected {
	ckpt_verify_result *results;
	size_t n;
} collected;

static int collect(const ckpt_verify_item *item, void *payload)
{
	collected *c = payload;
	c->results[c->n++] = item->result;
	return 0;
}

int ckpt_verify_epoch(ckpt_verify_result *out, const ckpt_run *run, int64_t epoch,
		      const ckpt_progress *progress)
{
	if (!out || !run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_verify_epoch: no %s", run ? "result" : "run");
	collected c = {out, 0};
	return ckpt_verify(run, &epoch, 1, 0, progress, collect, &c);
}

int ckpt_verify_run(ckpt_verify_result *out, const ckpt_run *run, const ckpt_progress *progress)
{
	if (!out || !run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_verify_run: no %s", run ? "results" : "run");
	collected c = {out, 0};
	return ckpt_verify(run, NULL, 0, 0, progress, collect, &c);
}
