/* run-metrics.c: the tracked metric of each epoch of a snapshot, from
 * metrics.jsonl (libckpt's writer) or else ckpt.log (the original's), the
 * later saved record of an epoch winning; re-read only when the file changed. */
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
int run_load_metrics(ckpt_run *run, const ckpt_run *old)
{
	file_sig sig;
	run_sig_at(&sig, AT_FDCWD, run->history_path);
	run->source = sig.err == 0 ? SOURCE_HISTORY : SOURCE_NONE;
	if (run->source == SOURCE_NONE) {
		run_sig_at(&sig, AT_FDCWD, run->log_path);
		run->source = sig.err == 0 ? SOURCE_LOG : SOURCE_NONE;
	}
	run->source_sig = sig;
	if (run->source == SOURCE_NONE)
		return 0;
	if (old && old->source == run->source && !old->source_failed &&
	    run_sig_equal(&old->source_sig, &sig))
		return copy_source(run, old);
	ckpt_history *h = NULL;
	int rc = parse_source(&h, run);
	if (!rc)
		rc = table_from_history(run, h);
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

