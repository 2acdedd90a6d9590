/* verify.c: checking each epoch's model against the checksum stored in its
 * ckpt-info.json (SPEC §4), one epoch or many, streaming each result as it
 * completes, with progress over all the bytes, cancellation, and this
 * user's verify records kept up to date. Models are summed by a few threads
 * (verify-pool.c), epochs side by side and a big crc32 model in parts; all
 * else (results, records, progress) happens in order on the calling thread.
 * Reads only; never trusts the snapshot's info. */
#include "internal.h"

#include "checksum-private.h"

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

/* ---- one epoch: opened, summed in parts, judged -------------------------- */

/* A crc32 model is summed in parts of at most this size, by whichever
 * threads are free, and the parts' CRCs combined (sha256 cannot be split:
 * one part). */
uint64_t ckpt_verify_part_bytes = (uint64_t)64 << 20;
/* ...and of at least this size: each part maps and opens the file anew. */
#define LEAST_PART_BYTES ((uint64_t)4 << 20)
/* A model at least this much in the page cache has its parts summed side by
 * side (else one after another, at the disk's pace). */
#define CACHED_SHARE 0.9
/* How often the calling thread looks at the caller's cancel flag, at most. */
#define WAIT_MS 20
#define REPORT_BYTES ((uint64_t)64 << 20)

typedef struct slot slot;

typedef struct part {
	ckpt_pool_job job; /* first: the pool hands back &job */
	slot *owner;
	ckpt_checksum_part sum;
} part;

/* One epoch of the call, from the time it is started to its delivery. */
struct slot {
	const ckpt_epoch *e;
	bool recorded; /* answered from its record: item is the answer */
	ckpt_verify_item item;
	outcome o;
	char *epoch_dir, *model;
	int fd; /* the model while it is summed, else -1 */
	part *parts;
	size_t n_parts, parts_done; /* parts_done: the first parts, known done */
	bool stream; /* from the disk: each part queued when the one before is done */
};

static void part_run(ckpt_pool_job *job, ckpt_pool *pool)
{
	part *p = (part *)job;
	slot *s = p->owner;
	ckpt_checksum_part_run(&p->sum, s->model, ckpt_pool_stop_flag(pool), ckpt_pool_count, pool);
	/* One stream: the next part now (the slot's fields read here are set
	 * before its first part was pushed, and never after). */
	size_t next = (size_t)(p - s->parts) + 1;
	if (s->stream && next < s->n_parts && !atomic_load(ckpt_pool_stop_flag(pool)))
		ckpt_pool_push(pool, &s->parts[next].job);
}

static uint64_t least_part_bytes(void)
{
	uint64_t most = ckpt_verify_part_bytes ? ckpt_verify_part_bytes : 1;
	return LEAST_PART_BYTES < most ? LEAST_PART_BYTES : most;
}

/* Small enough that each thread gets about four parts of the model (so a
 * 64 MiB model is not one thread's alone, and a slow part does not leave
 * the others idle), whole MiB. */
static uint64_t part_size(uint64_t size, unsigned threads)
{
	uint64_t most = ckpt_verify_part_bytes ? ckpt_verify_part_bytes : 1;
	uint64_t least = least_part_bytes();
	uint64_t want = size / (4 * (uint64_t)(threads ? threads : 1));
	want = (want + ((1u << 20) - 1)) & ~(uint64_t)((1u << 20) - 1);
	return want < least ? least : want > most ? most : want;
}

/* Splits the model into parts and queues them. A model in the page cache
 * has its parts summed side by side; one mostly on the disk is read as one
 * stream, part after part (two streams from one disk are slower than one),
 * while other threads sum other epochs. */
static int start_sum(slot *s, ckpt_pool *pool, ckpt_checksum_algorithm algorithm, uint64_t size)
{
	uint64_t part_bytes = part_size(size, ckpt_pool_threads(pool));
	size_t n = 1;
	if (algorithm == CKPT_CHECKSUM_CRC32 && size > part_bytes)
		n = (size_t)((size + part_bytes - 1) / part_bytes);
	s->stream = n > 1 && ckpt_pool_threads(pool) > 1 &&
		    ckpt_read_cached_share(s->fd, size) < CACHED_SHARE;
	s->parts = calloc(n, sizeof *s->parts);
	if (!s->parts)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", s->model);
	s->n_parts = n;
	for (size_t i = 0; i < n; i++) {
		part *p = &s->parts[i];
		p->job.run = part_run;
		p->owner = s;
		p->sum.fd = s->fd;
		p->sum.algorithm = algorithm;
		p->sum.offset = i * part_bytes;
		p->sum.len = i + 1 < n ? part_bytes : size - i * part_bytes;
		p->sum.to_end = i + 1 == n;
	}
	for (size_t i = 0; i < (s->stream ? 1 : n); i++)
		ckpt_pool_push(pool, &s->parts[i].job);
	return 0;
}

/* Everything before the model's bytes, on the calling thread: the epoch's
 * directory, its ckpt-info.json read now, the model opened (its identity
 * taken before it is read) and its parts queued. */
static int slot_start(slot *s, const char *root, const char *dir, long epoch, ckpt_pool *pool)
{
	outcome *o = &s->o;
	o->result = CKPT_VERIFY_OK;
	s->epoch_dir = ckpt_sprintf("%s/%s/%s", root, CKPT_EPOCHS_NAME, dir);
	s->model = s->epoch_dir ? ckpt_path_join(s->epoch_dir, CKPT_MODEL_NAME) : NULL;
	if (!s->epoch_dir || !s->model)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", root);
	if (dir_gone(s->epoch_dir)) {
		o->result = CKPT_VERIFY_GONE;
		return 0;
	}
	int rc = read_stored_checksum(o, s->epoch_dir, epoch);
	if (rc || o->result != CKPT_VERIFY_OK || !model_present(o, s->model))
		return rc;
	ckpt_checksum_algorithm algorithm;
	switch (ckpt_checksum_kind_of(o->stored)) {
	case CKPT_CHECKSUM_KIND_CRC32: algorithm = CKPT_CHECKSUM_CRC32; break;
	case CKPT_CHECKSUM_KIND_SHA256: algorithm = CKPT_CHECKSUM_SHA256; break;
	default:
		/* A stored form we do not know cannot vouch for the model; calling it
		 * no-checksum would let a rollback through unchecked. */
		o->result = CKPT_VERIFY_MISMATCH;
		return 0;
	}
	uint64_t size = 0;
	switch ((rc = ckpt_checksum_open(&s->fd, &size, s->model))) {
	case 0: break;
	case CKPT_ENOENT: o->result = CKPT_VERIFY_MISSING_MODEL; return 0; /* removed since */
	case CKPT_EIO: o->result = CKPT_VERIFY_UNREADABLE; return 0;
	default: return rc;
	}
	ckpt_file_sig_fd(&o->model_sig, s->fd);
	return start_sum(s, pool, algorithm, size);
}

/* Parts finish about in order: each is looked at until it is done, once
 * more after that never. */
static bool slot_ready(ckpt_pool *pool, slot *s)
{
	while (s->parts_done < s->n_parts && ckpt_pool_job_done(pool, &s->parts[s->parts_done].job))
		s->parts_done++;
	return s->parts_done == s->n_parts;
}

/* The parts' verdict: the CRCs combined in file order, or sha256's text. */
static int judge_sum(outcome *o, const slot *s, bool *out_shrank)
{
	*out_shrank = false;
	uint32_t crc = 0;
	for (size_t i = 0; i < s->n_parts; i++) {
		const ckpt_checksum_part *p = &s->parts[i].sum;
		if (p->rc == CKPT_ENOMEM)
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", s->model);
		if (p->rc) {
			o->result = CKPT_VERIFY_UNREADABLE;
			return 0;
		}
		if (p->got < p->len) {
			/* Truncated under us: what is there now is not what was stored. */
			*out_shrank = true;
			o->result = CKPT_VERIFY_MISMATCH;
			return 0;
		}
		crc = i == 0 ? p->crc : ckpt_crc32_combine(crc, p->crc, p->got);
	}
	if (s->parts[0].sum.algorithm == CKPT_CHECKSUM_CRC32)
		ckpt_checksum_crc32_text(o->computed, crc);
	else
		memcpy(o->computed, s->parts[0].sum.text, sizeof o->computed);
	o->result =
	    ckpt_checksum_equal(o->stored, o->computed) ? CKPT_VERIFY_OK : CKPT_VERIFY_MISMATCH;
	return 0;
}

/* After the parts are done, on the calling thread. */
static int slot_finish(slot *s)
{
	outcome *o = &s->o;
	bool shrank = false;
	int rc = s->n_parts ? judge_sum(o, s, &shrank) : 0;
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	/* A file found missing (or cut short) because a live writer's
	 * retention removed the whole epoch meanwhile is not damage. */
	if (!rc && (shrank || (o->result != CKPT_VERIFY_OK && o->result != CKPT_VERIFY_MISMATCH)) &&
	    s->epoch_dir && dir_gone(s->epoch_dir))
		o->result = CKPT_VERIFY_GONE;
	if (!rc && o->model_sig.err == 0 && o->model_sig.dev == 0 && s->model)
		ckpt_file_sig_at(&o->model_sig, AT_FDCWD, s->model);
	return rc;
}

static void slot_clear(slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->parts);
	free(s->o.stored);
	free(s->model);
	free(s->epoch_dir);
	s->parts = NULL;
	s->n_parts = s->parts_done = 0;
	s->o.stored = s->model = s->epoch_dir = NULL;
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

/* One call: epochs are started in order (each announced by a progress event
 * first), summed by the pool, and delivered in order on this thread. */
typedef struct verify_call {
	const ckpt_run *run;
	unsigned flags;
	ckpt_verify_fn on_item;
	void *payload;
	ckpt_pool *pool;
	ckpt_meter meter;
	slot *slots;
	size_t n, started, delivered;
	uint64_t base;      /* snapshot bytes of the epochs delivered */
	uint64_t base_sums; /* bytes the pool counted for them */
	uint64_t reported;  /* the pool's count at the last byte report */
} verify_call;

/* Bytes of the whole call: those delivered as the snapshot counted them,
 * plus those summed since; never back, never past the total. */
static void meter_bytes(verify_call *v)
{
	uint64_t counted = ckpt_pool_counted(v->pool);
	uint64_t at = v->base + (counted > v->base_sums ? counted - v->base_sums : 0);
	if (v->meter.event.total && at > v->meter.event.total)
		at = v->meter.event.total;
	if (at > v->meter.event.done)
		v->meter.event.done = at;
}

static int cancelled(const verify_call *v)
{
	if (v->delivered < v->n)
		return ckpt_fail(CKPT_ECANCELLED, "verify cancelled at epoch %lld",
				 (long long)ckpt_epoch_number(v->slots[v->delivered].e));
	return ckpt_fail(CKPT_ECANCELLED, "verify cancelled");
}

static int start_next(verify_call *v)
{
	slot *s = &v->slots[v->started++];
	meter_bytes(v);
	v->meter.event.epoch = ckpt_epoch_number(s->e);
	if (!ckpt_meter_send(&v->meter))
		return ckpt_fail(CKPT_ECANCELLED, "verify cancelled before epoch %lld",
				 (long long)ckpt_epoch_number(s->e));
	s->recorded = from_record(s->e, v->flags, &s->item);
	if (s->recorded)
		return 0;
	return slot_start(s, ckpt_run_root(v->run), ckpt_epoch_dir(s->e),
			  (long)ckpt_epoch_number(s->e), v->pool);
}

static int deliver_next(verify_call *v)
{
	slot *s = &v->slots[v->delivered];
	if (!s->recorded) {
		int rc = slot_finish(s);
		if (rc)
			return rc;
		int64_t now = (int64_t)time(NULL);
		if (!(v->flags & CKPT_VERIFY_NO_RECORD) && s->o.result != CKPT_VERIFY_GONE)
			ckpt_records_add(ckpt_run_root(v->run), (long)ckpt_epoch_number(s->e),
					 &s->o.model_sig, &s->o.info_sig, s->o.result, now);
		deliver_outcome(&s->item, s->e, &s->o, now);
		v->base += model_bytes(s->e);
		for (size_t i = 0; i < s->n_parts; i++)
			v->base_sums += s->parts[i].sum.got;
		meter_bytes(v);
	}
	v->delivered++;
	v->meter.event.items_done = v->delivered;
	int rc = 0;
	if (v->on_item && v->on_item(&s->item, v->payload) != 0) {
		v->meter.stopped = true;
		rc = ckpt_fail(CKPT_ECANCELLED, "verify stopped after epoch %lld",
			       (long long)s->item.epoch);
	}
	slot_clear(s);
	return rc;
}

static int run_call(verify_call *v, size_t window)
{
	while (v->delivered < v->n) {
		/* Deliver what is ready, in order; a cancel stops even there. */
		if (v->delivered < v->started && slot_ready(v->pool, &v->slots[v->delivered])) {
			if (ckpt_meter_stopped(&v->meter))
				return cancelled(v);
			int rc = deliver_next(v);
			if (rc)
				return rc;
			continue;
		}
		if (v->started < v->n && v->started - v->delivered < window) {
			int rc = start_next(v);
			if (rc)
				return rc;
			continue;
		}
		if (ckpt_pool_counted(v->pool) - v->reported >= REPORT_BYTES) {
			v->reported = ckpt_pool_counted(v->pool);
			meter_bytes(v);
			ckpt_meter_send(&v->meter);
		}
		if (ckpt_meter_stopped(&v->meter))
			return cancelled(v);
		ckpt_pool_wait(v->pool, WAIT_MS);
	}
	return 0;
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
	verify_call v = {
	    .run = run, .flags = flags, .on_item = on_item, .payload = payload, .n = n};
	ckpt_meter_init(&v.meter, progress, CKPT_STAGE_VERIFY, ckpt_run_name(run));
	v.meter.event.items_total = n;
	/* No more threads than parts to sum. */
	uint64_t least = least_part_bytes(), parts = 0;
	ckpt_verify_item item;
	for (size_t i = 0; i < n; i++)
		if (!from_record(list[i], flags, &item)) {
			v.meter.event.total += model_bytes(list[i]);
			parts += 1 + model_bytes(list[i]) / least;
		}
	unsigned threads = ckpt_pool_default_threads();
	if (parts < threads)
		threads = (unsigned)parts;
	v.slots = calloc(n ? n : 1, sizeof *v.slots);
	if (!v.slots)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", ckpt_run_root(run));
	for (size_t i = 0; i < n && !rc; i++) {
		v.slots[i].e = list[i];
		v.slots[i].fd = -1;
	}
	if (!rc)
		rc = ckpt_pool_new(&v.pool, threads, progress ? progress->cancel : NULL);
	if (!rc) {
		/* Epochs started ahead of delivery: enough to keep every thread busy
		 * while one epoch's result waits for an earlier one. */
		size_t window = 2 * (size_t)(threads ? threads : 1) + 2;
		rc = run_call(&v, window);
		if (rc)
			ckpt_pool_stop(v.pool);
		ckpt_pool_drain(v.pool);
	}
	for (size_t i = v.delivered; v.slots && i < v.started; i++)
		slot_clear(&v.slots[i]);
	ckpt_pool_free(v.pool);
	if (!rc) {
		v.meter.event.epoch = 0;
		v.meter.event.done = v.meter.event.total;
		ckpt_meter_send(&v.meter);
	}
	free(v.slots);
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
