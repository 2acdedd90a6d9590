/* run-metrics.c: the tracked metric of each epoch of a snapshot, from the
 * run's history (metrics.jsonl, ckpt.log, or the log's earlier sessions and
 * then metrics.jsonl), the later saved record of an epoch winning; re-read
 * only when one of the files changed. */
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
		double value = 0;
		bool has_value = ckpt_history_value(&value, h, i);
		if (ckpt_history_saved(h, i))
			entries[m++] = (metric_entry){ckpt_history_epoch(h, i), has_value, value, i};
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

/* The epochs on disk whose metric neither their ckpt-info.json (libckpt
 * writes it there) nor the table so far gives: the original's. Ascending. */
static int epochs_wanting_metrics(ckpt_run *run, long **out, size_t *out_n)
{
	*out = calloc(run->n_epochs ? run->n_epochs : 1, sizeof **out);
	*out_n = 0;
	if (!*out)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	for (size_t i = 0; i < run->n_epochs; i++) {
		long epoch = run->epochs[i].data->epoch;
		bool known = run->epochs[i].data->has_info_metric ||
			     (run->n_metrics && bsearch(&epoch, run->metrics, run->n_metrics,
							sizeof *run->metrics, run_compare_epoch_key));
		if (!known)
			(*out)[(*out_n)++] = epoch;
	}
	return 0;
}

/* The saved epochs of a parsed log added to the table; with only_wanted,
 * just the wanted ones, the table's own (later sessions') winning. */
static int table_add_log(ckpt_run *run, const ckpt_log_summary *log, const long *wanted,
			 size_t n_wanted, bool only_wanted)
{
	size_t n = run->n_metrics + log->n_epochs;
	metric_entry *entries = reallocarray(run->metrics, n ? n : 1, sizeof *entries);
	if (!entries)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	run->metrics = entries;
	/* Log records come first in order: they are the earlier sessions. */
	for (size_t i = 0; i < run->n_metrics; i++)
		entries[i].order += log->n_epochs;
	size_t m = run->n_metrics;
	for (size_t i = 0; i < log->n_epochs; i++) {
		const ckpt_log_epoch *e = &log->epochs[i];
		bool wanted_one = !only_wanted || bsearch(&e->epoch, wanted, n_wanted, sizeof *wanted,
							  run_compare_epoch_key) != NULL;
		if (e->saved && wanted_one)
			entries[m++] = (metric_entry){e->epoch, e->has_value, e->value, i};
	}
	if (m > 1)
		qsort(entries, m, sizeof *entries, compare_metric_entries);
	size_t kept = 0;
	for (size_t i = 0; i < m; i++) {
		if (kept > 0 && entries[kept - 1].epoch == entries[i].epoch)
			kept--;
		entries[kept++] = entries[i];
	}
	run->n_metrics = kept;
	if (!run->source_metric && log->metric && !(run->source_metric = ckpt_strdup(log->metric)))
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	if (!run->source_direction)
		run->source_direction = log->direction;
	return 0;
}

/* What the snapshot takes from ckpt.log: only the metrics of epochs on disk
 * that nothing else gives, read from the log's end back only as far as they
 * are (a log of 268 MB is not read to show five epochs). A run libckpt
 * started never needs it (its first metrics.jsonl line says log_start 0);
 * one it continued needs only the part before its first session. */
static int load_log_metrics(ckpt_run *run, const ckpt_history *h)
{
	uint64_t limit = 0;
	if (h && ckpt_history_log_start(h, &limit) && limit == 0)
		return 0;
	long *wanted = NULL;
	size_t n_wanted = 0;
	int rc = epochs_wanting_metrics(run, &wanted, &n_wanted);
	/* With metrics.jsonl, the log adds nothing but these; without, its end
	 * names the metric and its direction even when no epoch is on disk. */
	if (rc || (h && n_wanted == 0)) {
		free(wanted);
		return rc;
	}
	ckpt_log_summary log;
	bool whole = false;
	rc = ckpt_log_parse_tail(&log, &whole, run->log_path, limit, wanted, n_wanted);
	if (!rc)
		rc = table_add_log(run, &log, wanted, n_wanted, h != NULL);
	ckpt_log_summary_clear(&log);
	free(wanted);
	return rc == CKPT_ENOENT ? 0 : rc;
}

/* A metric source that is there but not a regular file is not followed:
 * whatever a symbolic link leads to is not this run's history. */
static int refuse_linked(ckpt_run *run, const ckpt_file_sig *sig, const char *name, bool *use)
{
	*use = sig->err == 0 && S_ISREG(sig->mode);
	if (sig->err || *use)
		return 0;
	char text[160];
	snprintf(text, sizeof text, "%s: %s, not followed", name,
		 S_ISLNK(sig->mode) ? "a symbolic link" : "not a regular file");
	return run_set_problem(run, text);
}

/* Every epoch on disk carries the metric libckpt's writer stored in its
 * ckpt-info.json: that is the value of the later saved record of the
 * epoch (a save after a restart rewrote the info), so the history has
 * nothing to add to the snapshot and is not parsed. */
static bool infos_say_it_all(const ckpt_run *run)
{
	for (size_t i = 0; i < run->n_epochs; i++)
		if (!run->epochs[i].data->has_info_metric)
			return false;
	return run->n_epochs > 0;
}

/* Each epoch's metric from metrics.jsonl and, where it does not say, from
 * ckpt.log (load_log_metrics); parsed again only when one of the files
 * changed since `old`, and not at all when the infos say it all. A history
 * that cannot be parsed leaves the metrics unknown and says why in the
 * run's problem. */
int run_load_metrics(ckpt_run *run, int rfd, const ckpt_run *old)
{
	if (rfd >= 0)
		ckpt_file_sig_at(&run->history_sig, rfd, CKPT_HISTORY_NAME);
	else
		ckpt_file_sig_at(&run->history_sig, AT_FDCWD, run->history_path);
	run_log_sig(&run->log_sig, run, rfd, CKPT_LOG_NAME);
	bool jsonl = false, log = false;
	int rc = refuse_linked(run, &run->history_sig, CKPT_HISTORY_NAME, &jsonl);
	if (!rc)
		rc = refuse_linked(run, &run->log_sig, CKPT_LOG_NAME, &log);
	if (rc || (!jsonl && !log))
		return rc;
	if (infos_say_it_all(run)) {
		run->metrics_from_infos = true;
		return 0;
	}
	if (old && !old->source_failed && !old->metrics_from_infos &&
	    ckpt_file_sig_equal(&old->history_sig, &run->history_sig) &&
	    ckpt_file_sig_equal(&old->log_sig, &run->log_sig))
		return copy_source(run, old);
	ckpt_history *h = NULL;
	if (jsonl && (rc = ckpt_history_read(&h, run->history_path, NULL)) == 0)
		rc = table_from_history(run, h);
	if (!rc && log)
		rc = load_log_metrics(run, h);
	ckpt_history_free(h);
	if (rc && rc != CKPT_ENOMEM) {
		run->source_failed = true;
		rc = run_set_problem(run, ckpt_error_last());
	}
	return rc;
}

static const metric_entry *find_metric(const ckpt_run *run, long epoch)
{
	if (run->n_metrics == 0)
		return NULL;
	return bsearch(&epoch, run->metrics, run->n_metrics, sizeof *run->metrics,
		       run_compare_epoch_key);
}

/* Each epoch's metric (the history's, else the value libckpt stored in its
 * ckpt-info.json), and the run's metric name and direction (the history's,
 * else the newest epoch's). */
int run_apply_metrics(ckpt_run *run)
{
	const char *name = run->source_metric;
	char direction = run->source_direction;
	for (size_t i = 0; i < run->n_epochs; i++) {
		ckpt_epoch *e = &run->epochs[i];
		const epoch_data *d = e->data;
		const metric_entry *m = find_metric(run, d->epoch);
		e->has_metric = m && m->has_value;
		e->metric = e->has_metric ? m->value : 0;
		if (!e->has_metric && d->has_info_metric) {
			e->has_metric = true;
			e->metric = d->info_metric;
		}
	}
	for (size_t i = run->n_epochs; i-- > 0 && (!name || !direction);) {
		if (!name)
			name = run->epochs[i].data->save_best_metric;
		if (!direction)
			direction = run->epochs[i].data->info_direction;
	}
	run->direction = direction == '-' || direction == '+' ? direction : 0;
	if (name && !(run->metric = ckpt_strdup(name)))
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	return 0;
}
