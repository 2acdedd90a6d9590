/* run-summary.c: what a front end shows about a run beyond the raw snapshot
 * (is an epoch complete, how many are not, the best epoch's metric), decided
 * here once so that the terminal and the GTK app never disagree. */
#include "internal.h"

int ckpt_epoch_is_complete(const ckpt_epoch *epoch)
{
	return epoch && epoch->info == CKPT_INFO_OK && epoch->model_bytes >= 0;
}

size_t ckpt_run_incomplete_count(const ckpt_run *run)
{
	size_t n = 0;
	for (size_t i = 0; i < ckpt_run_epoch_count(run); i++)
		n += !ckpt_epoch_is_complete(ckpt_run_epoch(run, i));
	return n;
}

int ckpt_run_best_metric(const ckpt_run *run, double *out)
{
	long best = ckpt_run_best(run);
	const ckpt_epoch *epoch = best > 0 ? ckpt_run_find_epoch(run, best) : NULL;
	if (!epoch)
		return 0;
	/* The epoch's own value when the history has it; the original's runs
	 * without a history still carry it as best_metric_last. */
	if (epoch->has_metric) {
		*out = epoch->metric;
		return 1;
	}
	if (epoch->has_best_metric_last) {
		*out = epoch->best_metric_last;
		return 1;
	}
	return 0;
}
