/* run.c: the run snapshot: what one checkpoint root holds (epochs and their
 * ckpt-info.json, strays, links, leftovers, writer, metric history), built
 * once, then immutable and shared by reference counts across threads. */
#include "internal.h"
#include "run-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- epochs ------------------------------------------------------------- */

/* An entry of epochs/ that names an epoch. */
typedef struct epoch_name {
	long epoch; /* first, for run_compare_epoch_key */
	char *name; /* in the listing's pool of names, once it is complete */
	size_t name_at; /* where in that pool, while it grows */
	ino_t ino; /* readdir's */
	ckpt_file_sig dir_sig;
} epoch_name;

/* The names of one listing in one growing block: no allocation per epoch. */
typedef struct name_pool {
	char *data;
	size_t len, cap;
} name_pool;

/* name copied in; false out of memory. */
static bool pool_add(name_pool *pool, const char *name, size_t *at)
{
	size_t n = strlen(name) + 1;
	if (pool->len + n > pool->cap) {
		size_t cap = pool->cap ? pool->cap : 1024;
		while (cap < pool->len + n)
			cap *= 2;
		char *grown = realloc(pool->data, cap);
		if (!grown)
			return false;
		pool->data = grown;
		pool->cap = cap;
	}
	*at = pool->len;
	memcpy(pool->data + pool->len, name, n);
	pool->len += n;
	return true;
}

/* An entry's epoch number and place: what sort_by_epoch moves. */
typedef struct epoch_key {
	long epoch;
	size_t at;
} epoch_key;

/* Where each of the n entries goes when their numbers, from `least`, are
 * distinct and span fewer than 4n (a run's epochs mostly are): each put in
 * its number's slot, no comparisons. False when two share a number. */
static bool place_by_number(const epoch_name *items, size_t n, long least, size_t span,
			    epoch_key *order, size_t *slots)
{
	memset(slots, 0, span * sizeof *slots);
	for (size_t i = 0; i < n; i++) {
		size_t *slot = &slots[items[i].epoch - least];
		if (*slot)
			return false;
		*slot = i + 1;
	}
	size_t k = 0;
	for (size_t s = 0; s < span; s++)
		if (slots[s])
			order[k++] = (epoch_key){least + (long)s, slots[s] - 1};
	return true;
}

/* *names (n > 1) by epoch number, the order run_compare_epoch_key gives,
 * equal numbers as listed. A small epochs/ lists in the order its entries
 * were made, already in order; else the keys are put in their numbers'
 * slots, or merged bottom up (qsort's calls to a comparison were most of
 * the cost of ordering thousands of runs' epochs, and moving whole entries
 * much of refreshing a run of thousands), then the entries gathered.
 * False: out of memory. */
static bool sort_by_epoch(epoch_name **names, size_t n)
{
	epoch_name *items = *names;
	size_t i = 1;
	long least = items[0].epoch, most = items[0].epoch;
	while (i < n && items[i - 1].epoch <= items[i].epoch)
		i++;
	if (i == n)
		return true;
	for (i = 1; i < n; i++) {
		least = items[i].epoch < least ? items[i].epoch : least;
		most = items[i].epoch > most ? items[i].epoch : most;
	}
	/* Epoch numbers are 1 to 999999999: the span cannot overflow. */
	size_t span = (size_t)(most - least) + 1;
	bool dense = span < 4 * n;
	epoch_key *keys = malloc(2 * n * sizeof *keys);
	epoch_name *sorted = malloc(n * sizeof *sorted);
	size_t *slots = dense ? malloc(span * sizeof *slots) : NULL;
	if (!keys || !sorted || (dense && !slots)) {
		free(keys);
		free(sorted);
		free(slots);
		return false;
	}
	epoch_key *from = keys, *to = keys + n;
	bool placed = dense && place_by_number(items, n, least, span, from, slots);
	free(slots);
	for (i = 0; !placed && i < n; i++)
		from[i] = (epoch_key){items[i].epoch, i};
	for (size_t width = 1; !placed && width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t a = lo, b = mid, k = lo;
			while (a < mid && b < hi)
				to[k++] = from[b].epoch < from[a].epoch ? from[b++] : from[a++];
			while (a < mid)
				to[k++] = from[a++];
			while (b < hi)
				to[k++] = from[b++];
		}
		epoch_key *swap = from;
		from = to;
		to = swap;
	}
	for (i = 0; i < n; i++)
		sorted[i] = items[from[i].at];
	free(keys);
	free(items);
	*names = sorted;
	return true;
}

/* Room for an info's strings and arrays while it is read: its text fits a
 * 4 KiB buffer, and the largest info there is goes to the heap instead. */
#define CKPT_INFO_POOL_BYTES 5120

static void epoch_data_unref(epoch_data *d)
{
	if (d && __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(d);
}

/* The strings of d other than its metric names. */
#define EPOCH_TEXTS 7
static void epoch_texts(epoch_data *d, char **texts[EPOCH_TEXTS])
{
	char **all[EPOCH_TEXTS] = {&d->dir,	&d->info_error,	      &d->checksum, &d->timestamp,
				   &d->metadata, &d->save_best_metric, &d->session};
	memcpy(texts, all, sizeof all);
}

/* The epoch read into `was` (its strings borrowed from the reading), in one
 * allocation with all it points to: a list of thousands of runs is freed in
 * one piece per epoch, and no small pieces are left crowding the
 * allocator's bins for the next scan or refresh to sort out. NULL out of
 * memory. */
static epoch_data *make_epoch(epoch_data *was)
{
	char **texts[EPOCH_TEXTS];
	epoch_texts(was, texts);
	size_t chars = 0;
	for (size_t i = 0; i < EPOCH_TEXTS; i++)
		chars += ckpt_pack_size(*texts[i]);
	for (size_t i = 0; i < was->n_extra; i++)
		chars += ckpt_pack_size(was->extra_names[i]);
	size_t arrays = was->n_extra * (sizeof *was->extra_values + sizeof *was->extra_names);
	epoch_data *d = malloc(sizeof *d + arrays + chars);
	if (!d)
		return NULL;
	*d = *was;
	d->refs = 1;
	d->extra_values = was->n_extra ? (double *)(d + 1) : NULL;
	d->extra_names = was->n_extra ? (char **)(d->extra_values + was->n_extra) : NULL;
	char *at = (char *)(d + 1) + arrays;
	for (size_t i = 0; i < was->n_extra; i++) {
		d->extra_values[i] = was->extra_values[i];
		d->extra_names[i] = ckpt_pack_string(&at, was->extra_names[i]);
	}
	epoch_texts(d, texts);
	for (size_t i = 0; i < EPOCH_TEXTS; i++)
		*texts[i] = ckpt_pack_string(&at, *texts[i]);
	return d;
}

int run_set_problem(ckpt_run *run, const char *text)
{
	if (run->problem)
		return 0; /* the first one says the most */
	run->problem = ckpt_strdup(text);
	return run->problem ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
}

/* Copies the fields of a valid ckpt-info.json into d (strings borrowed). */
static void take_info(epoch_data *d, const ckpt_info *info)
{
	d->checksum = info->checksum;
	d->checksum_kind = ckpt_checksum_kind_of(d->checksum);
	d->timestamp = info->timestamp;
	d->metadata = info->metadata;
	d->save_best_metric = info->save_best_metric;
	d->session = info->session;
	d->has_best_metric_last = info->has_best_metric_last;
	d->best_metric_last = info->best_metric_last;
	d->has_time_elapsed = info->has_time_elapsed && !info->first;
	d->time_elapsed = info->time_elapsed;
	d->first_save = info->first;
	d->has_info_metric = info->has_metric_value;
	d->info_metric = info->metric_value;
	d->info_direction = info->direction;
	d->n_extra = info->n_extra;
	d->extra_names = info->extra_names;
	d->extra_values = info->extra_values;
	d->keep_limit = info->keep_limit;
	d->keep_mode = info->keep_mode;
}

static int set_info_error(epoch_data *d, ckpt_info_state state, const char *why)
{
	d->info_state = state;
	d->info_error = ckpt_strdup(why);
	return d->info_error ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", d->dir);
}

/* A stat or read that failed for want of permission, or on a failing disk:
 * the file may be fine, we just cannot tell. */
static bool errno_means_unreadable(int err)
{
	return err != 0 && err != ENOENT && err != ENOTDIR;
}

/* The text of epochs/NNN/ckpt-info.json, read from fd (taken) when the
 * caller opened it already, else opened relative to epochs/ without
 * following a link; in one pread() of the size its stat gave, or of the
 * stack buffer when no stat was taken (and one more past it, only if it
 * grew since, or is larger). */
static int read_info_text(char **out, size_t *out_len, int *out_err, int dfd, const char *rel,
			  const ckpt_file_sig *sig, bool sized, int fd, char *stack,
			  size_t stack_size)
{
	*out = NULL;
	*out_err = 0;
	if (sized && (uint64_t)sig->size > CKPT_INFO_MAX_BYTES) {
		if (fd >= 0)
			close(fd);
		return ckpt_fail(CKPT_EFORMAT, "%s: %lld bytes, larger than the %d allowed", rel,
				 (long long)sig->size, CKPT_INFO_MAX_BYTES);
	}
	if (fd < 0)
		fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		*out_err = errno;
		if (errno == ENOENT)
			return CKPT_ENOENT;
		if (errno == ELOOP)
			return ckpt_fail(CKPT_EFORMAT, "%s: is a symbolic link, not a file", rel);
		return ckpt_fail(CKPT_EIO, "%s: %s", rel, strerror(errno));
	}
	/* Into the caller's buffer when it fits (nearly every info does). */
	size_t cap = sized ? (size_t)sig->size + 1 : stack_size - 1, len = 0;
	char *text = cap + 1 <= stack_size ? stack : malloc(cap + 1);
	int rc = text ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", rel);
	while (!rc) {
		/* pread: a FIFO or socket in its place fails (ESPIPE) unread. */
		ssize_t n = pread(fd, text + len, cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*out_err = errno;
			rc = ckpt_fail(CKPT_EIO, "%s: %s", rel, strerror(errno));
			break;
		}
		len += (size_t)n;
		if (len < cap)
			break; /* short of what was asked: the end of a regular file */
		if (cap > CKPT_INFO_MAX_BYTES) {
			rc = ckpt_fail(CKPT_EFORMAT, "%s: larger than the %d bytes allowed", rel,
				       CKPT_INFO_MAX_BYTES);
			break;
		}
		char *bigger = text == stack ? malloc(cap * 2 + 1) : realloc(text, cap * 2 + 1);
		if (!bigger) {
			rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", rel);
			break;
		}
		if (text == stack)
			memcpy(bigger, stack, len);
		text = bigger;
		cap *= 2;
	}
	close(fd);
	if (rc) {
		if (text != stack)
			free(text);
		return rc;
	}
	text[len] = '\0';
	*out = text;
	*out_len = len;
	return 0;
}

/* "a/b" into out (64 bytes: epoch folder names are short, see
 * ckpt_epoch_dir_parse), cut short rather than overrun. The scan builds
 * three per epoch: by hand, not by snprintf. */
static void join_name(char out[64], const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 62)
		la = 62;
	if (lb > 62 - la)
		lb = 62 - la;
	memcpy(out, a, la);
	out[la] = '/';
	memcpy(out + la + 1, b, lb);
	out[la + 1 + lb] = '\0';
}

/* What the info's stat says when it rules the info out (missing, a fault,
 * not a regular file): true with d's state set (or *rc an error). */
static bool info_ruled_out_by_sig(int *rc, epoch_data *d, const char *rel)
{
	char why[160];
	*rc = 0;
	if (d->info_sig.err == ENOENT || d->info_sig.err == ENOTDIR) {
		d->info_state = CKPT_INFO_MISSING;
		return true;
	}
	if (d->info_sig.err) {
		snprintf(why, sizeof why, "%s: %s", rel, strerror(d->info_sig.err));
		*rc = set_info_error(d, CKPT_INFO_UNREADABLE, why);
		return true;
	}
	if (!S_ISREG(d->info_sig.mode)) {
		snprintf(why, sizeof why, "%s: %s", rel,
			 S_ISLNK(d->info_sig.mode) ? "is a symbolic link, not a file"
						   : "not a regular file");
		*rc = set_info_error(d, CKPT_INFO_INVALID, why);
		return true;
	}
	return false;
}

/* Reads epochs/NNN/ckpt-info.json (from info_fd, taken, when load_epoch
 * opened it), never through a link; any fault makes the info INVALID or
 * UNREADABLE, not an error of the snapshot. An info opened unstat'ed is
 * taken for a regular file while it reads as one; on any fault its lstat
 * decides as it would have first. */
static int read_info(ckpt_run *run, epoch_data *d, int dfd, int info_fd, ckpt_info *info,
		     char *pool, size_t pool_size)
{
	char rel[64], why[160], in_epochs[64];
	join_name(in_epochs, d->dir, CKPT_INFO_NAME);
	join_name(rel, CKPT_EPOCHS_NAME, in_epochs);
	bool sized = d->info_sig_state == INFO_SIG_KNOWN;
	if (sized && !S_ISREG(d->info_sig.mode) && info_fd >= 0) {
		close(info_fd);
		info_fd = -1;
	}
	int rc;
	if (sized && info_ruled_out_by_sig(&rc, d, rel))
		return rc;
	char *text = NULL;
	size_t len = 0;
	int err = 0;
	run->info_reads++;
	char stack[4096];
	rc = read_info_text(&text, &len, &err, dfd, in_epochs, &d->info_sig, sized, info_fd,
			    stack, sizeof stack);
	if (rc == 0)
		rc = ckpt_info_parse_in(info, text, len, rel, pool, pool_size);
	if (text != stack)
		free(text);
	if (rc == CKPT_ENOMEM)
		return rc;
	if (!sized && rc != 0) {
		/* A directory, a FIFO, a device, or gone: as its lstat says. */
		ckpt_file_sig_at(&d->info_sig, dfd, in_epochs);
		d->info_sig_state = INFO_SIG_KNOWN;
		int why_rc;
		if (info_ruled_out_by_sig(&why_rc, d, rel))
			return why_rc;
	} else if (!sized) {
		d->info_sig.mode = S_IFREG;
		d->info_sig.size = (off_t)len;
	}
	if (rc == CKPT_ENOENT) {
		d->info_state = CKPT_INFO_MISSING;
		return 0;
	}
	if (rc == CKPT_EIO && errno_means_unreadable(err)) {
		snprintf(why, sizeof why, "%s: %s", rel, strerror(err));
		return set_info_error(d, CKPT_INFO_UNREADABLE, why);
	}
	if (rc)
		return set_info_error(d, CKPT_INFO_INVALID, ckpt_error_last());
	if (info->epoch != d->epoch) {
		snprintf(why, sizeof why, "%s: epoch is %ld, expected %ld", rel, info->epoch,
			 d->epoch);
		return set_info_error(d, CKPT_INFO_INVALID, why);
	}
	take_info(d, info);
	d->info_state = CKPT_INFO_OK;
	return 0;
}

static void read_model_state(epoch_data *d)
{
	const ckpt_file_sig *m = &d->model_sig;
	d->model_bytes = -1;
	if (m->err == 0 && S_ISREG(m->mode)) {
		d->model_state = CKPT_MODEL_OK;
		d->model_bytes = m->size;
	} else if (m->err == 0) {
		d->model_state = CKPT_MODEL_NOT_REGULAR;
	} else {
		d->model_state =
		    errno_means_unreadable(m->err) ? CKPT_MODEL_UNREADABLE : CKPT_MODEL_MISSING;
	}
	/* The moment its weights were written; without them, its info's. */
	const struct timespec *when = m->err == 0 ? &m->mtime
				      : d->info_sig.err == 0 ? &d->info_sig.mtime
							     : &d->dir_sig.mtime;
	d->saved_at = (int64_t)when->tv_sec;
}

/* bsearch and qsort over structs whose first member is `long epoch`. */
int run_compare_epoch_key(const void *key, const void *item)
{
	long x = *(const long *)key, y = *(const long *)item;
	return (x > y) - (x < y);
}

/* Epoch `epoch` of run, looked for from *at on: the entries are read in
 * the order of run's epochs, so each lookup takes a step or two, not a
 * binary search's cache misses. */
static const epoch_data *find_data(const ckpt_run *run, long epoch, size_t *at)
{
	if (!run)
		return NULL;
	while (*at < run->n_epochs && run->epochs[*at].data->epoch < epoch)
		(*at)++;
	return *at < run->n_epochs && run->epochs[*at].data->epoch == epoch ? run->epochs[*at].data
										 : NULL;
}

/* A first read opens the info straight away, unstat'ed (*known false):
 * read_info learns what it is by reading it. Not through a link
 * (O_NOFOLLOW); O_NONBLOCK so that a FIFO in its place can hang neither the
 * open nor the read. -1 with sig->err set when it cannot be opened. */
static int open_info(ckpt_file_sig *sig, bool *known, int dfd, const char *rel)
{
	memset(sig, 0, sizeof *sig);
	int fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	*known = fd < 0;
	if (fd < 0)
		sig->err = errno;
	return fd;
}

bool run_epoch_info_sig(const epoch_data *d, ckpt_file_sig *out)
{
	if (__atomic_load_n(&d->info_sig_state, __ATOMIC_ACQUIRE) != INFO_SIG_KNOWN)
		return false;
	*out = d->info_sig;
	return true;
}

/* The identity a refresh found for the text d holds, learned once: the
 * first to claim it writes it (readers look only once it is known). */
static void learn_info_sig(epoch_data *d, const ckpt_file_sig *sig)
{
	int unknown = INFO_SIG_UNKNOWN;
	if (!__atomic_compare_exchange_n(&d->info_sig_state, &unknown, INFO_SIG_WRITING, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	d->info_sig = *sig;
	__atomic_store_n(&d->info_sig_state, INFO_SIG_KNOWN, __ATOMIC_RELEASE);
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* Whether a and b say the same of their epoch (their identities aside). */
static bool same_epoch_text(const epoch_data *a, const epoch_data *b)
{
	char **ta[EPOCH_TEXTS], **tb[EPOCH_TEXTS];
	epoch_texts((epoch_data *)a, ta);
	epoch_texts((epoch_data *)b, tb);
	for (size_t i = 0; i < EPOCH_TEXTS; i++)
		if (!same_text(*ta[i], *tb[i]))
			return false;
	if (a->n_extra != b->n_extra)
		return false;
	for (size_t i = 0; i < a->n_extra; i++)
		if (!same_text(a->extra_names[i], b->extra_names[i]) ||
		    !same_double(a->extra_values[i], b->extra_values[i]))
			return false;
	return a->epoch == b->epoch && a->info_state == b->info_state &&
	       a->model_state == b->model_state && a->model_bytes == b->model_bytes &&
	       a->checksum_kind == b->checksum_kind &&
	       a->has_best_metric_last == b->has_best_metric_last &&
	       same_double(a->best_metric_last, b->best_metric_last) &&
	       a->has_time_elapsed == b->has_time_elapsed && a->first_save == b->first_save &&
	       same_double(a->time_elapsed, b->time_elapsed) &&
	       a->has_info_metric == b->has_info_metric &&
	       same_double(a->info_metric, b->info_metric) &&
	       a->info_direction == b->info_direction && a->keep_limit == b->keep_limit &&
	       a->keep_mode == b->keep_mode && a->saved_at == b->saved_at &&
	       a->info_sig.size == b->info_sig.size;
}

/* The epoch in epochs/<name>: shared with `old` when none of its files
 * changed; *out is NULL when the directory went away since it was listed.
 * dir_sig is the listing's lstat, or unset (err -1) when readdir's type
 * sufficed: the directory is then stat'ed only when its info is missing
 * (its mtime is the epoch's time then). Its own changes (a stray file
 * inside) show nothing, so they need not be noticed. */
static int load_epoch(epoch_data **out, ckpt_run *run, int dfd, const epoch_name *entry,
		      const ckpt_run *old, size_t *old_at)
{
	ckpt_file_sig dir_sig = entry->dir_sig, info_sig, model_sig;
	const char *name = entry->name;
	long epoch = entry->epoch;
	const epoch_data *prev = find_data(old, epoch, old_at);
	if (prev && run->shallow && prev->dir_ino != 0 && prev->dir_ino == entry->ino) {
		epoch_data *shared = (epoch_data *)prev;
		__atomic_add_fetch(&shared->refs, 1, __ATOMIC_RELAXED);
		*out = shared;
		return 0;
	}
	char rel[64];
	join_name(rel, name, CKPT_INFO_NAME);
	int info_fd = -1;
	bool info_known = true;
	*out = NULL;
	if (prev) {
		ckpt_file_sig_at(&info_sig, dfd, rel); /* unchanged, it is shared unread */
	} else if ((info_fd = open_info(&info_sig, &info_known, dfd, rel)) < 0 &&
		   info_sig.err != ENOENT) {
		ckpt_file_sig_at(&info_sig, dfd, rel); /* a link or a fault: lstat tells which */
	}
	if (info_sig.err != 0 && dir_sig.err == -1)
		ckpt_file_sig_at(&dir_sig, dfd, name);
	if (dir_sig.err == ENOENT) {
		if (info_fd >= 0)
			close(info_fd);
		return 0;
	}
	join_name(rel, name, CKPT_MODEL_NAME);
	ckpt_file_sig_at(&model_sig, dfd, rel);
	if (!info_known && model_sig.err != 0) {
		/* No model to date the epoch: its info's time, from what was opened. */
		ckpt_file_sig_fd(&info_sig, info_fd);
		info_known = true;
	}
	ckpt_file_sig prev_info;
	bool prev_known = prev && run_epoch_info_sig(prev, &prev_info);
	bool same_files = prev && ckpt_file_sig_equal(&prev->dir_sig, &dir_sig) &&
			  ckpt_file_sig_equal(&prev->model_sig, &model_sig);
	if (same_files && prev_known && ckpt_file_sig_equal(&prev_info, &info_sig)) {
		epoch_data *shared = (epoch_data *)prev;
		__atomic_add_fetch(&shared->refs, 1, __ATOMIC_RELAXED);
		*out = shared;
		return 0;
	}
	/* Read into `was`, borrowing its strings (the info's in pool), then made one piece. */
	epoch_data was = {.dir = (char *)name,
			  .dir_ino = entry->ino,
			  .dir_sig = dir_sig,
			  .info_sig = info_sig,
			  .model_sig = model_sig,
			  .info_sig_state = info_known ? INFO_SIG_KNOWN : INFO_SIG_UNKNOWN,
			  .epoch = epoch,
			  .keep_mode = -1};
	ckpt_info info = {0};
	char pool[CKPT_INFO_POOL_BYTES];
	int rc = read_info(run, &was, dfd, info_fd, &info, pool, sizeof pool);
	read_model_state(&was);
	if (!rc && same_files && !prev_known && was.info_sig_state == INFO_SIG_KNOWN &&
	    same_epoch_text(&was, prev)) {
		/* Read unstat'ed before, the same text now: prev it stays, known. */
		epoch_data *shared = (epoch_data *)prev;
		learn_info_sig(shared, &was.info_sig);
		__atomic_add_fetch(&shared->refs, 1, __ATOMIC_RELAXED);
		*out = shared;
	} else if (!rc && !(*out = make_epoch(&was))) {
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	}
	free(was.info_error);
	ckpt_info_clear(&info);
	return rc;
}


static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool push_name(void **array, size_t *n, size_t *cap, size_t size, const void *item)
{
	if (*n == *cap) {
		size_t new_cap = *cap ? *cap * 2 : 32;
		void *grown = reallocarray(*array, new_cap, size);
		if (!grown)
			return false;
		*array = grown;
		*cap = new_cap;
	}
	memcpy((char *)*array + *n * size, item, size);
	(*n)++;
	return true;
}

/* Sorts the entries of epochs/ into epochs (real directories with a
 * canonical name, found by lstat only) and strays (everything else). */
static int list_entries(ckpt_run *run, int dfd, epoch_name **out, size_t *n_out,
			name_pool *pool)
{
	size_t cap = 0, cap_strays = 0;
	ckpt_dir_reader dir;
	ckpt_dir_reader_init(&dir, dfd);
	for (;;) {
		const ckpt_dir_entry *entry = ckpt_dir_next(&dir);
		if (!entry) {
			if (dir.err)
				return ckpt_fail(CKPT_EIO, "%s/%s: %s", run->root, CKPT_EPOCHS_NAME,
						 strerror(dir.err));
			for (size_t i = 0; i < *n_out; i++)
				(*out)[i].name = pool->data + (*out)[i].name_at;
			return 0;
		}
		const char *name = entry->name;
		epoch_name item = {.ino = entry->ino, .dir_sig.err = -1};
		bool ok, is_epoch = (entry->type == DT_DIR || entry->type == DT_UNKNOWN) &&
				    ckpt_epoch_dir_parse(name, &item.epoch);
		/* The listing's DT_DIR is the lstat's answer already. */
		if (is_epoch && entry->type == DT_UNKNOWN) {
			ckpt_file_sig_at(&item.dir_sig, dfd, name);
			if (item.dir_sig.err == ENOENT)
				continue; /* removed since readdir (a live writer's retention) */
			is_epoch = item.dir_sig.err == 0 && S_ISDIR(item.dir_sig.mode);
		}
		if (is_epoch) {
			ok = pool_add(pool, name, &item.name_at) &&
			     push_name((void **)out, n_out, &cap, sizeof item, &item);
		} else {
			char *copy = ckpt_strdup(name);
			item.name = copy;
			ok = copy && push_name((void **)&run->strays, &run->n_strays, &cap_strays,
					       sizeof copy, &copy);
		}
		if (!ok) {
			if (!is_epoch)
				free(item.name);
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
		}
	}
}

/* Opens R/epochs without following a link (its identity into
 * run->epochs_sig, before it is read): a linked epochs/ holds nothing of
 * this run (and clean must never reach through it), so the run shows no
 * epochs. */
static int open_epochs_dir(ckpt_run *run, int rfd, int *out)
{
	*out = openat(rfd, CKPT_EPOCHS_NAME,
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	int err = errno;
	if (*out >= 0) {
		ckpt_file_sig_fd(&run->epochs_sig, *out);
		return 0;
	}
	ckpt_file_sig_at(&run->epochs_sig, rfd, CKPT_EPOCHS_NAME);
	/* Linux says ENOTDIR or ELOOP for a link: the lstat tells which it was. */
	bool is_link = (err == ENOTDIR || err == ELOOP) && run->epochs_sig.err == 0 &&
		       S_ISLNK(run->epochs_sig.mode);
	if (err == ENOENT)
		return 0; /* a run that has not saved yet */
	if (is_link)
		return run_set_problem(run, "epochs: is a symbolic link; not followed");
	if (err == ENOTDIR)
		return run_set_problem(run, "epochs: not a directory");
	return ckpt_fail(ckpt_code_from_errno(err), "%s/%s: %s", run->root, CKPT_EPOCHS_NAME,
			 strerror(err));
}

static int read_epochs(ckpt_run *run, int rfd, const ckpt_run *old)
{
	int dfd;
	int rc = open_epochs_dir(run, rfd, &dfd);
	if (rc || dfd < 0)
		return rc;
	epoch_name *names = NULL;
	size_t n = 0;
	name_pool pool = {0};
	rc = list_entries(run, dfd, &names, &n, &pool);
	if (!rc && n > 1 && !sort_by_epoch(&names, n))
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	if (!rc) {
		if (run->n_strays > 1)
			qsort(run->strays, run->n_strays, sizeof *run->strays, compare_strings);
		run->epochs = calloc(n ? n : 1, sizeof *run->epochs);
		if (!run->epochs)
			rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	}
	size_t old_at = 0; /* where in old's epochs the next is looked for */
	for (size_t i = 0; !rc && i < n; i++) {
		epoch_data *d;
		rc = load_epoch(&d, run, dfd, &names[i], old, &old_at);
		if (rc || !d)
			continue;
		run->epochs[run->n_epochs++] = (ckpt_epoch){.data = d};
		if (!d->model_sig.err && S_ISREG(d->model_sig.mode))
			run->total_bytes += (uint64_t)d->model_sig.size;
		if (!d->info_sig.err && S_ISREG(d->info_sig.mode))
			run->total_bytes += (uint64_t)d->info_sig.size;
		if (d->saved_at > run->updated)
			run->updated = d->saved_at;
	}
	free(pool.data);
	free(names);
	close(dfd);
	return rc;
}
/* ---- building and releasing ------------------------------------------------- */

/* The run's own strings (not its strays: an array of them). */
#define RUN_TEXTS 10
static void run_texts(ckpt_run *run, char **texts[RUN_TEXTS])
{
	char **all[RUN_TEXTS] = {&run->name,	     &run->root,	 &run->folder,
				 &run->log_path,     &run->history_path, &run->records_path,
				 &run->problem,	     &run->source_metric, &run->metric,
				 &run->health_text};
	memcpy(texts, all, sizeof all);
}

/* Once built, a run's strings are moved into one allocation, for the
 * reason make_epoch gives (nothing changes them after the build). */
static void pack_run_strings(ckpt_run *run)
{
	char **texts[RUN_TEXTS];
	run_texts(run, texts);
	size_t chars = 0;
	for (size_t i = 0; i < RUN_TEXTS; i++)
		chars += ckpt_pack_size(*texts[i]);
	char *block = malloc(chars ? chars : 1), *at = block;
	if (!block)
		return;
	for (size_t i = 0; i < RUN_TEXTS; i++) {
		char *copy = ckpt_pack_string(&at, *texts[i]);
		free(*texts[i]);
		*texts[i] = copy;
	}
	run->strings = block;
}

static void run_free(ckpt_run *run)
{
	for (size_t i = 0; i < run->n_epochs; i++)
		epoch_data_unref((epoch_data *)run->epochs[i].data);
	for (size_t i = 0; i < run->n_strays; i++)
		free(run->strays[i]);
	free(run->strays);
	free(run->epochs);
	ckpt_records_unref(run->records);
	free(run->metrics);
	if (run->strings) {
		free(run->strings);
	} else {
		char **texts[RUN_TEXTS];
		run_texts(run, texts);
		for (size_t i = 0; i < RUN_TEXTS; i++)
			free(*texts[i]);
	}
	free(run);
}

/* Reads everything relative to the root, opened once (to list its entries,
 * else O_PATH: a root that can be searched but not listed still shows its
 * epochs); a root that went away reads as a run with nothing in it. */
static int run_build(ckpt_run *run, const ckpt_run *old, bool records_folder_absent)
{
	run_note_build_start(run);
	int rfd = open(run->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 && errno == EACCES)
		rfd = open(run->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 && errno != ENOENT && errno != ENOTDIR)
		return ckpt_fail(ckpt_code_from_errno(errno), "%s: %s", run->root, strerror(errno));
	int rc = 0;
	if (rfd >= 0) {
		ckpt_file_sig_fd(&run->root_sig, rfd);
		rc = read_epochs(run, rfd, old);
	} else {
		run->root_sig.err = run->epochs_sig.err = run->best_sig.err = run->last_sig.err =
		    run->lock_sig.err = ENOENT;
	}
	if (!rc)
		rc = run_load_metrics(run, rfd, old);
	if (!rc)
		rc = run_apply_metrics(run);
	if (!rc)
		rc = run_load_checks(run, old, records_folder_absent);
	if (!rc && rfd >= 0)
		rc = run_read_around(run, rfd);
	if (!rc)
		rc = run_assess(run);
	if (rfd >= 0)
		close(rfd);
	if (!rc) {
		run_note_settled(run);
		pack_run_strings(run);
	}
	return rc;
}

static const char *folder_base(const char *folder)
{
	const char *slash = strrchr(folder, '/');
	return slash && slash[1] ? slash + 1 : folder;
}

int ckpt_run_open_at(ckpt_run **out, ckpt_run_location *loc, const char *name)
{
	*out = NULL;
	ckpt_run *run = calloc(1, sizeof *run);
	if (!run) {
		ckpt_run_location_clear(loc);
		return ckpt_fail(CKPT_ENOMEM, "out of memory");
	}
	run->refs = 1;
	run->root = loc->root, run->folder = loc->folder, run->log_path = loc->log_path;
	run->layout = loc->layout;
	bool records_folder_absent = loc->records_folder_absent;
	memset(loc, 0, sizeof *loc);
	run->name = ckpt_strdup(name ? name : folder_base(run->folder));
	run->history_path = ckpt_path_join(run->root, CKPT_HISTORY_NAME);
	int rc = run->name && run->history_path
		     ? run_build(run, NULL, records_folder_absent)
		     : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	if (rc) {
		run_free(run);
		return rc;
	}
	*out = run;
	return 0;
}

int ckpt_run_open(ckpt_run **out, const char *path)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_open: no place for the run");
	*out = NULL;
	ckpt_run_location loc;
	int rc = ckpt_run_locate(&loc, path);
	return rc ? rc : ckpt_run_open_at(out, &loc, NULL);
}

/* Whether a refreshed snapshot shows anything the old one did not. Shared
 * epoch data means unchanged files; the rest is compared field by field. */
static bool run_differs(const ckpt_run *a, const ckpt_run *b)
{
	if (a->n_epochs != b->n_epochs || a->n_strays != b->n_strays || a->best != b->best ||
	    a->last != b->last || a->best_state != b->best_state ||
	    a->last_state != b->last_state || a->work_present != b->work_present ||
	    a->has_holder != b->has_holder || a->live != b->live ||
	    a->holder_pid != b->holder_pid || !ckpt_file_sig_equal(&a->lock_sig, &b->lock_sig) ||
	    !ckpt_file_sig_equal(&a->history_sig, &b->history_sig) ||
	    !ckpt_file_sig_equal(&a->log_sig, &b->log_sig) ||
	    !ckpt_file_sig_equal(&a->records_sig, &b->records_sig) ||
	    !run_level_equal(a, b) || !same_text(a->problem, b->problem) || a->source_failed ||
	    b->source_failed)
		return true;
	for (size_t i = 0; i < a->n_epochs; i++)
		if (a->epochs[i].data != b->epochs[i].data)
			return true;
	for (size_t i = 0; i < a->n_strays; i++)
		if (strcmp(a->strays[i], b->strays[i]) != 0)
			return true;
	return false;
}

static int refresh(ckpt_run **out, bool *out_changed, ckpt_run *old, bool shallow)
{
	if (out_changed)
		*out_changed = false;
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_refresh: no place for the run");
	*out = NULL;
	if (!old)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_refresh: no run");
	ckpt_run *run = calloc(1, sizeof *run);
	if (!run)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", old->root);
	run->refs = 1;
	run->layout = old->layout;
	run->name = ckpt_strdup(old->name);
	run->root = ckpt_strdup(old->root);
	run->folder = ckpt_strdup(old->folder);
	run->log_path = ckpt_strdup(old->log_path);
	run->history_path = ckpt_strdup(old->history_path);
	run->shallow = shallow;
	int rc = run->name && run->root && run->folder && run->log_path && run->history_path
		     ? run_build(run, old, false)
		     : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", old->root);
	run->shallow = false;
	if (rc) {
		run_free(run);
		return rc;
	}
	if (!run_differs(run, old)) {
		run_share_settled(old, run);
		run_free(run);
		*out = ckpt_run_ref(old);
		return 0;
	}
	if (out_changed)
		*out_changed = true;
	*out = run;
	return 0;
}

int ckpt_run_refresh(ckpt_run **out, bool *out_changed, ckpt_run *old)
{
	return refresh(out, out_changed, old, false);
}

int run_refresh_shallow(ckpt_run **out, bool *out_changed, ckpt_run *old)
{
	return refresh(out, out_changed, old, true);
}

ckpt_run *ckpt_run_ref(ckpt_run *run)
{
	if (run)
		__atomic_add_fetch(&run->refs, 1, __ATOMIC_RELAXED);
	return run;
}

void ckpt_run_unref(ckpt_run *run)
{
	if (run && __atomic_sub_fetch(&run->refs, 1, __ATOMIC_ACQ_REL) == 0)
		run_free(run);
}
