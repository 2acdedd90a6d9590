/* run.c: the run snapshot: what one checkpoint root holds (epochs and their
 * ckpt-info.json, strays, links, leftovers, writer, metric history), built
 * once, then immutable and shared by reference counts across threads. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The same cap as history.c's: metrics.jsonl of any real run is far smaller. */
#define RUN_HISTORY_MAX_BYTES ((size_t)256 << 20)

/* What tells a refresh that a file may have changed. */
typedef struct file_sig {
	int err; /* errno of the lstat, 0 when present */
	dev_t dev;
	ino_t ino;
	mode_t mode;
	off_t size;
	struct timespec mtime, ctime;
} file_sig;

/* One epoch as read, shared by every snapshot in which it is unchanged. */
typedef struct epoch_data {
	size_t refs;
	file_sig dir_sig, info_sig, model_sig;
	ckpt_epoch rec; /* its strings are the ones below; has_metric is per snapshot */
	char *dir, *info_error, *checksum, *timestamp, *metadata, *save_best_metric;
	bool has_info_metric;
	double info_metric;
	char info_direction;
} epoch_data;

/* The tracked metric of the last saved record of an epoch in the history. */
typedef struct metric_entry {
	long epoch;
	bool has_value;
	double value;
	size_t order; /* position in the history, for "the later record wins" */
} metric_entry;

enum { SOURCE_NONE, SOURCE_HISTORY, SOURCE_LOG };

struct ckpt_run {
	size_t refs;
	char *name, *root, *folder, *log_path, *history_path;
	ckpt_layout layout;
	char *problem;
	size_t info_reads;

	int source; /* where metrics came from, and its signature */
	file_sig source_sig;
	bool source_failed; /* parsed with an error: parse again next time */
	metric_entry *metrics;
	size_t n_metrics;
	char *source_metric;
	char source_direction;
	char *metric;
	char direction;

	long best, last;
	ckpt_link_state best_state, last_state;
	bool work_leftover;
	char **strays;
	size_t n_strays;
	bool has_writer;
	ckpt_writer_info writer;
	char writer_host[256], writer_since[32];

	ckpt_epoch *epochs; /* ascending; strings borrowed from data[i] */
	epoch_data **data;
	size_t n_epochs;
	uint64_t total_bytes;
};

/* ---- signatures --------------------------------------------------------- */

static void sig_at(file_sig *sig, int dfd, const char *name)
{
	struct stat st;
	memset(sig, 0, sizeof *sig);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		sig->err = errno ? errno : EIO;
		return;
	}
	sig->dev = st.st_dev;
	sig->ino = st.st_ino;
	sig->mode = st.st_mode;
	sig->size = st.st_size;
	sig->mtime = st.st_mtim;
	sig->ctime = st.st_ctim;
}

static bool sig_equal(const file_sig *a, const file_sig *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino && a->mode == b->mode &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec && a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* ---- epochs ------------------------------------------------------------- */

static void epoch_data_unref(epoch_data *d)
{
	if (!d || __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(d->dir);
	free(d->info_error);
	free(d->checksum);
	free(d->timestamp);
	free(d->metadata);
	free(d->save_best_metric);
	free(d);
}

static int set_problem(ckpt_run *run, const char *text)
{
	if (run->problem)
		return 0; /* the first one says the most */
	run->problem = ckpt_strdup(text);
	return run->problem ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
}

/* Copies the fields of a valid ckpt-info.json into d (strings taken). */
static void take_info(epoch_data *d, ckpt_info *info)
{
	d->checksum = info->checksum, info->checksum = NULL;
	d->timestamp = info->timestamp, info->timestamp = NULL;
	d->metadata = info->metadata, info->metadata = NULL;
	d->save_best_metric = info->save_best_metric, info->save_best_metric = NULL;
	d->rec.has_best_metric_last = info->has_best_metric_last;
	d->rec.best_metric_last = info->best_metric_last;
	d->rec.has_time_elapsed = info->has_time_elapsed && !info->first;
	d->rec.time_elapsed = info->time_elapsed;
	d->has_info_metric = info->has_metric_value;
	d->info_metric = info->metric_value;
	d->info_direction = info->direction;
}

static int set_invalid(epoch_data *d, const char *why)
{
	d->rec.info = CKPT_INFO_INVALID;
	d->info_error = ckpt_strdup(why);
	return d->info_error ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", d->dir);
}

/* Reads epochs/NNN/ckpt-info.json, never through a link and never opening
 * anything but a regular file; any fault makes the info INVALID, not an error. */
static int read_info(ckpt_run *run, epoch_data *d)
{
	char rel[64], why[160];
	snprintf(rel, sizeof rel, "%s/%s/%s", CKPT_EPOCHS_NAME, d->dir, CKPT_INFO_NAME);
	if (d->info_sig.err == ENOENT) {
		d->rec.info = CKPT_INFO_MISSING;
		return 0;
	}
	if (!d->info_sig.err && !S_ISREG(d->info_sig.mode)) {
		snprintf(why, sizeof why, "%s: %s", rel,
			 S_ISLNK(d->info_sig.mode) ? "is a symbolic link, not a file"
						   : "not a regular file");
		return set_invalid(d, why);
	}
	char *path = ckpt_path_join(run->root, rel);
	if (!path)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", rel);
	char *text = NULL;
	size_t len = 0;
	run->info_reads++;
	int rc = ckpt_read_file(&text, &len, path, CKPT_INFO_MAX_BYTES, true);
	free(path);
	ckpt_info info;
	memset(&info, 0, sizeof info);
	if (rc == 0)
		rc = ckpt_info_parse(&info, text, len, rel);
	free(text);
	if (rc == CKPT_ENOMEM)
		return rc;
	if (rc == CKPT_ENOENT) {
		d->rec.info = CKPT_INFO_MISSING;
		return 0;
	}
	if (rc)
		return set_invalid(d, ckpt_error_last());
	if (info.epoch != d->rec.epoch) {
		snprintf(why, sizeof why, "%s: epoch is %ld, expected %ld", rel, info.epoch,
			 d->rec.epoch);
		ckpt_info_clear(&info);
		return set_invalid(d, why);
	}
	take_info(d, &info);
	ckpt_info_clear(&info);
	d->rec.info = CKPT_INFO_OK;
	return 0;
}

static void point_record(epoch_data *d)
{
	d->rec.dir = d->dir;
	d->rec.info_error = d->info_error;
	d->rec.checksum = d->checksum;
	d->rec.timestamp = d->timestamp;
	d->rec.metadata = d->metadata;
	d->rec.save_best_metric = d->save_best_metric;
	d->rec.model_bytes =
	    !d->model_sig.err && S_ISREG(d->model_sig.mode) ? d->model_sig.size : -1;
}

/* bsearch and qsort over structs whose first member is `long epoch`. */
static int compare_epoch_key(const void *key, const void *item)
{
	long x = *(const long *)key, y = *(const long *)item;
	return (x > y) - (x < y);
}

static const epoch_data *find_data(const ckpt_run *run, long epoch)
{
	const ckpt_epoch *e = run ? ckpt_run_find_epoch(run, epoch) : NULL;
	return e ? run->data[e - run->epochs] : NULL;
}

/* The epoch in epochs/<name>: shared with `old` when none of its files
 * changed; *out is NULL when the directory went away since it was listed. */
static int load_epoch(epoch_data **out, ckpt_run *run, int dfd, const char *name, long epoch,
		      const ckpt_run *old)
{
	file_sig dir_sig, info_sig, model_sig;
	char rel[64];
	sig_at(&dir_sig, dfd, name);
	snprintf(rel, sizeof rel, "%s/%s", name, CKPT_INFO_NAME);
	sig_at(&info_sig, dfd, rel);
	snprintf(rel, sizeof rel, "%s/%s", name, CKPT_MODEL_NAME);
	sig_at(&model_sig, dfd, rel);
	*out = NULL;
	if (dir_sig.err == ENOENT)
		return 0;
	const epoch_data *prev = find_data(old, epoch);
	if (prev && sig_equal(&prev->dir_sig, &dir_sig) && sig_equal(&prev->info_sig, &info_sig) &&
	    sig_equal(&prev->model_sig, &model_sig)) {
		epoch_data *shared = (epoch_data *)prev;
		__atomic_add_fetch(&shared->refs, 1, __ATOMIC_RELAXED);
		*out = shared;
		return 0;
	}
	epoch_data *d = calloc(1, sizeof *d);
	if (!d || !(d->dir = ckpt_strdup(name))) {
		free(d);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	}
	d->refs = 1;
	d->dir_sig = dir_sig, d->info_sig = info_sig, d->model_sig = model_sig;
	d->rec.epoch = epoch;
	int rc = read_info(run, d);
	point_record(d);
	if (rc) {
		epoch_data_unref(d);
		return rc;
	}
	*out = d;
	return 0;
}

typedef struct epoch_name {
	long epoch;
	char *name;
} epoch_name;

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
static int list_entries(ckpt_run *run, DIR *dir, epoch_name **out, size_t *n_out)
{
	size_t cap = 0, cap_strays = 0;
	int dfd = dirfd(dir);
	for (;;) {
		errno = 0;
		struct dirent *entry = readdir(dir);
		if (!entry) {
			if (errno)
				return ckpt_fail(CKPT_EIO, "%s/%s: %s", run->root, CKPT_EPOCHS_NAME,
						 strerror(errno));
			return 0;
		}
		const char *name = entry->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		epoch_name item = {0};
		struct stat st;
		bool ok, is_epoch = (entry->d_type == DT_DIR || entry->d_type == DT_UNKNOWN) &&
				    ckpt_epoch_dir_parse(name, &item.epoch);
		if (is_epoch && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue; /* removed since readdir (a live writer's retention) */
			is_epoch = false;
		}
		if (is_epoch && S_ISDIR(st.st_mode)) {
			item.name = ckpt_strdup(name);
			ok = item.name && push_name((void **)out, n_out, &cap, sizeof item, &item);
		} else {
			char *copy = ckpt_strdup(name);
			item.name = copy;
			ok = copy && push_name((void **)&run->strays, &run->n_strays, &cap_strays,
					       sizeof copy, &copy);
		}
		if (!ok) {
			free(item.name);
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
		}
	}
}

/* Opens R/epochs without following a link: a linked epochs/ holds nothing of
 * this run (and clean must never reach through it), so the run shows no epochs. */
static int open_epochs_dir(ckpt_run *run, DIR **out)
{
	*out = NULL;
	char *path = ckpt_path_join(run->root, CKPT_EPOCHS_NAME);
	if (!path)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	int err = errno;
	if (fd >= 0 && (*out = fdopendir(fd)) != NULL) {
		free(path);
		return 0;
	}
	if (fd >= 0) {
		err = errno;
		close(fd);
	}
	/* Linux says ENOTDIR or ELOOP for a link: lstat tells which it was. */
	struct stat st;
	bool is_link =
	    (err == ENOTDIR || err == ELOOP) && lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
	free(path);
	if (err == ENOENT)
		return 0; /* a run that has not saved yet */
	if (is_link)
		return set_problem(run, "epochs: is a symbolic link; not followed");
	if (err == ENOTDIR)
		return set_problem(run, "epochs: not a directory");
	return ckpt_fail(ckpt_code_from_errno(err), "%s/%s: %s", run->root, CKPT_EPOCHS_NAME,
			 strerror(err));
}

static int read_epochs(ckpt_run *run, const ckpt_run *old)
{
	DIR *dir;
	int rc = open_epochs_dir(run, &dir);
	if (rc || !dir)
		return rc;
	epoch_name *names = NULL;
	size_t n = 0;
	rc = list_entries(run, dir, &names, &n);
	if (!rc) {
		if (n > 1)
			qsort(names, n, sizeof *names, compare_epoch_key);
		if (run->n_strays > 1)
			qsort(run->strays, run->n_strays, sizeof *run->strays, compare_strings);
		run->epochs = calloc(n ? n : 1, sizeof *run->epochs);
		run->data = calloc(n ? n : 1, sizeof *run->data);
		if (!run->epochs || !run->data)
			rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	}
	for (size_t i = 0; !rc && i < n; i++) {
		epoch_data *d;
		rc = load_epoch(&d, run, dirfd(dir), names[i].name, names[i].epoch, old);
		if (rc || !d)
			continue;
		run->data[run->n_epochs] = d;
		run->epochs[run->n_epochs++] = d->rec;
		if (!d->model_sig.err && S_ISREG(d->model_sig.mode))
			run->total_bytes += (uint64_t)d->model_sig.size;
		if (!d->info_sig.err && S_ISREG(d->info_sig.mode))
			run->total_bytes += (uint64_t)d->info_sig.size;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i].name);
	free(names);
	closedir(dir);
	return rc;
}

/* ---- the metric of each epoch, from metrics.jsonl or ckpt.log ------------ */

static int compare_metric_entries(const void *a, const void *b)
{
	const metric_entry *x = a, *y = b;
	if (x->epoch != y->epoch)
		return (x->epoch > y->epoch) - (x->epoch < y->epoch);
	return (x->order > y->order) - (x->order < y->order);
}

/* Keeps, per epoch, the last saved record: an epoch saved again after a
 * restart (training resumed before it) has the later value. */
static int table_from_history(ckpt_run *run, const ckpt_history *h)
{
	size_t n = ckpt_history_count(h), m = 0;
	metric_entry *entries = calloc(n ? n : 1, sizeof *entries);
	if (!entries)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	for (size_t i = 0; i < n; i++) {
		const ckpt_history_point *p = ckpt_history_get(h, i);
		if (p->saved)
			entries[m++] = (metric_entry){p->epoch, p->has_value, p->value, i};
	}
	if (m > 1)
		qsort(entries, m, sizeof *entries, compare_metric_entries);
	size_t kept = 0;
	for (size_t i = 0; i < m; i++) {
		if (kept > 0 && entries[kept - 1].epoch == entries[i].epoch)
			kept--;
		entries[kept++] = entries[i];
	}
	run->metrics = entries;
	run->n_metrics = kept;
	const char *metric = ckpt_history_metric(h);
	if (metric && !(run->source_metric = ckpt_strdup(metric)))
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	run->source_direction = ckpt_history_direction(h);
	return 0;
}

static int parse_source(ckpt_history **out, const ckpt_run *run)
{
	if (run->source == SOURCE_HISTORY) {
		char *text = NULL;
		size_t len = 0;
		int rc =
		    ckpt_read_file(&text, &len, run->history_path, RUN_HISTORY_MAX_BYTES, false);
		if (!rc)
			rc = ckpt_history_parse(out, text, len);
		free(text);
		return rc;
	}
	ckpt_log_summary log;
	int rc = ckpt_log_parse_file(&log, run->log_path);
	if (!rc)
		rc = ckpt_history_from_log(out, &log);
	ckpt_log_summary_clear(&log);
	return rc;
}

static int copy_source(ckpt_run *run, const ckpt_run *old)
{
	run->metrics = calloc(old->n_metrics ? old->n_metrics : 1, sizeof *run->metrics);
	if (!run->metrics ||
	    (old->source_metric && !(run->source_metric = ckpt_strdup(old->source_metric))))
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	if (old->n_metrics)
		memcpy(run->metrics, old->metrics, old->n_metrics * sizeof *run->metrics);
	run->n_metrics = old->n_metrics;
	run->source_direction = old->source_direction;
	return 0;
}

/* metrics.jsonl when libckpt wrote this run, else the original's ckpt.log;
 * re-parsed only when it changed since `old`. A file that cannot be parsed
 * leaves the metrics unknown and says why in the run's problem. */
static int load_metrics(ckpt_run *run, const ckpt_run *old)
{
	file_sig sig;
	sig_at(&sig, AT_FDCWD, run->history_path);
	run->source = sig.err == 0 ? SOURCE_HISTORY : SOURCE_NONE;
	if (run->source == SOURCE_NONE) {
		sig_at(&sig, AT_FDCWD, run->log_path);
		run->source = sig.err == 0 ? SOURCE_LOG : SOURCE_NONE;
	}
	run->source_sig = sig;
	if (run->source == SOURCE_NONE)
		return 0;
	if (old && old->source == run->source && !old->source_failed &&
	    sig_equal(&old->source_sig, &sig))
		return copy_source(run, old);
	ckpt_history *h = NULL;
	int rc = parse_source(&h, run);
	if (!rc)
		rc = table_from_history(run, h);
	ckpt_history_free(h);
	if (rc && rc != CKPT_ENOMEM) {
		run->source_failed = true;
		rc = set_problem(run, ckpt_error_last());
	}
	return rc;
}

static const metric_entry *find_metric(const ckpt_run *run, long epoch)
{
	if (run->n_metrics == 0)
		return NULL;
	return bsearch(&epoch, run->metrics, run->n_metrics, sizeof *run->metrics,
		       compare_epoch_key);
}

/* Each epoch's metric (the history's, else the value libckpt stored in its
 * ckpt-info.json), and the run's metric name and direction (the history's,
 * else the newest epoch's). */
static int apply_metrics(ckpt_run *run)
{
	const char *name = run->source_metric;
	char direction = run->source_direction;
	for (size_t i = 0; i < run->n_epochs; i++) {
		ckpt_epoch *e = &run->epochs[i];
		const epoch_data *d = run->data[i];
		const metric_entry *m = find_metric(run, e->epoch);
		e->has_metric = m && m->has_value;
		e->metric = e->has_metric ? m->value : 0;
		if (!e->has_metric && d->has_info_metric) {
			e->has_metric = 1;
			e->metric = d->info_metric;
		}
	}
	for (size_t i = run->n_epochs; i-- > 0 && (!name || !direction);) {
		if (!name)
			name = run->data[i]->save_best_metric;
		if (!direction)
			direction = run->data[i]->info_direction;
	}
	run->direction = direction == '-' || direction == '+' ? direction : 0;
	if (name && !(run->metric = ckpt_strdup(name)))
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	return 0;
}

/* ---- links, leftovers, writer ----------------------------------------------- */

static int read_surroundings(ckpt_run *run)
{
	run->best_state = ckpt_link_resolve(run->root, CKPT_BEST_NAME, &run->best);
	run->last_state = ckpt_link_resolve(run->root, CKPT_LAST_NAME, &run->last);
	file_sig sig;
	int rfd = open(run->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd >= 0) {
		sig_at(&sig, rfd, CKPT_WORK_NAME);
		run->work_leftover = sig.err == 0;
		sig_at(&sig, rfd, CKPT_WORK_NAME ".old");
		run->work_leftover = run->work_leftover || sig.err == 0;
		close(rfd);
	}
	bool live = false;
	long pid = 0;
	/* An unreadable lock file hides no writer we could name: not an error. */
	if (ckpt_lock_probe(&live, &pid, run->writer_host, run->writer_since, run->root) == 0 &&
	    live) {
		run->has_writer = true;
		run->writer = (ckpt_writer_info){pid, run->writer_host, run->writer_since};
	}
	return 0;
}

/* ---- building and releasing ------------------------------------------------- */

static void run_free(ckpt_run *run)
{
	for (size_t i = 0; i < run->n_epochs; i++)
		epoch_data_unref(run->data[i]);
	for (size_t i = 0; i < run->n_strays; i++)
		free(run->strays[i]);
	free(run->strays);
	free(run->epochs);
	free(run->data);
	free(run->metrics);
	free(run->source_metric);
	free(run->metric);
	free(run->problem);
	free(run->name);
	free(run->root);
	free(run->folder);
	free(run->log_path);
	free(run->history_path);
	free(run);
}

static int run_build(ckpt_run *run, const ckpt_run *old)
{
	int rc = read_epochs(run, old);
	if (!rc)
		rc = load_metrics(run, old);
	if (!rc)
		rc = apply_metrics(run);
	if (!rc)
		rc = read_surroundings(run);
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
	memset(loc, 0, sizeof *loc);
	run->name = ckpt_strdup(name ? name : folder_base(run->folder));
	run->history_path = ckpt_path_join(run->root, CKPT_HISTORY_NAME);
	int rc = run->name && run->history_path
		     ? run_build(run, NULL)
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
	*out = NULL;
	ckpt_run_location loc;
	int rc = ckpt_run_locate(&loc, path);
	return rc ? rc : ckpt_run_open_at(out, &loc, NULL);
}

int ckpt_run_refresh(ckpt_run **out, ckpt_run *old)
{
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
	int rc = run->name && run->root && run->folder && run->log_path && run->history_path
		     ? run_build(run, old)
		     : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", old->root);
	if (rc) {
		run_free(run);
		return rc;
	}
	*out = run;
	return 0;
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

/* ---- accessors -------------------------------------------------------------- */

const char *ckpt_run_name(const ckpt_run *run)
{
	return run ? run->name : NULL;
}
const char *ckpt_run_root(const ckpt_run *run)
{
	return run ? run->root : NULL;
}
const char *ckpt_run_folder(const ckpt_run *run)
{
	return run ? run->folder : NULL;
}
const char *ckpt_run_log_path(const ckpt_run *run)
{
	return run ? run->log_path : NULL;
}
const char *ckpt_run_history_path(const ckpt_run *run)
{
	return run ? run->history_path : NULL;
}
const char *ckpt_run_problem(const ckpt_run *run)
{
	return run ? run->problem : NULL;
}
size_t ckpt_run_info_reads(const ckpt_run *run)
{
	return run ? run->info_reads : 0;
}
ckpt_layout ckpt_run_layout(const ckpt_run *run)
{
	return run ? run->layout : CKPT_LAYOUT_CANDLE;
}
const char *ckpt_run_metric(const ckpt_run *run)
{
	return run ? run->metric : NULL;
}
char ckpt_run_direction(const ckpt_run *run)
{
	return run ? run->direction : 0;
}
long ckpt_run_best(const ckpt_run *run)
{
	return run ? run->best : 0;
}
long ckpt_run_last(const ckpt_run *run)
{
	return run ? run->last : 0;
}
int ckpt_run_work_leftover(const ckpt_run *run)
{
	return run && run->work_leftover;
}
size_t ckpt_run_stray_count(const ckpt_run *run)
{
	return run ? run->n_strays : 0;
}
size_t ckpt_run_epoch_count(const ckpt_run *run)
{
	return run ? run->n_epochs : 0;
}
uint64_t ckpt_run_total_bytes(const ckpt_run *run)
{
	return run ? run->total_bytes : 0;
}

ckpt_link_state ckpt_run_best_state(const ckpt_run *run)
{
	return run ? run->best_state : CKPT_LINK_MISSING;
}

ckpt_link_state ckpt_run_last_state(const ckpt_run *run)
{
	return run ? run->last_state : CKPT_LINK_MISSING;
}

const char *ckpt_run_stray(const ckpt_run *run, size_t i)
{
	return run && i < run->n_strays ? run->strays[i] : NULL;
}

const ckpt_writer_info *ckpt_run_writer(const ckpt_run *run)
{
	return run && run->has_writer ? &run->writer : NULL;
}

const ckpt_epoch *ckpt_run_epoch(const ckpt_run *run, size_t i)
{
	return run && i < run->n_epochs ? &run->epochs[i] : NULL;
}

const ckpt_epoch *ckpt_run_find_epoch(const ckpt_run *run, long epoch)
{
	if (!run || run->n_epochs == 0)
		return NULL;
	return bsearch(&epoch, run->epochs, run->n_epochs, sizeof *run->epochs, compare_epoch_key);
}
