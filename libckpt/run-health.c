/* run-health.c: what a run snapshot amounts to, decided here once so that
 * the terminal, the GTK app and the Python package never disagree: each
 * epoch's health (with this user's verify records), the run's health flags
 * and one-line text, its best metric and its own retention. */
#include "internal.h"
#include "run-private.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ckpt_epoch_is_complete(const ckpt_epoch *e)
{
	return e && e->data->info_state == CKPT_INFO_OK && e->data->model_state == CKPT_MODEL_OK;
}

bool ckpt_verify_result_is_problem(ckpt_verify_result result)
{
	return result != CKPT_VERIFY_OK && result != CKPT_VERIFY_NO_CHECKSUM &&
	       result != CKPT_VERIFY_GONE;
}

ckpt_epoch_state ckpt_epoch_health(const ckpt_epoch *e)
{
	if (!e)
		return CKPT_EPOCH_INCOMPLETE;
	const epoch_data *d = e->data;
	if (d->info_state == CKPT_INFO_UNREADABLE || d->model_state == CKPT_MODEL_UNREADABLE)
		return CKPT_EPOCH_UNREADABLE;
	if (!ckpt_epoch_is_complete(e))
		return CKPT_EPOCH_INCOMPLETE;
	if (e->check == CKPT_CHECK_CURRENT && ckpt_verify_result_is_problem(e->check_result)) {
		switch (e->check_result) {
		case CKPT_VERIFY_UNREADABLE: return CKPT_EPOCH_UNREADABLE;
		case CKPT_VERIFY_MISSING_MODEL:
		case CKPT_VERIFY_NO_INFO: return CKPT_EPOCH_INCOMPLETE;
		default: return CKPT_EPOCH_DAMAGED;
		}
	}
	return CKPT_EPOCH_OK;
}

const char *ckpt_epoch_state_name(ckpt_epoch_state health)
{
	switch (health) {
	case CKPT_EPOCH_OK: return "ok";
	case CKPT_EPOCH_INCOMPLETE: return "incomplete";
	case CKPT_EPOCH_UNREADABLE: return "unreadable";
	case CKPT_EPOCH_DAMAGED: return "damaged";
	}
	return "unknown";
}

/* The info of an epoch read unstat'ed, stat'ed now: a record names the
 * files it checked. */
static void info_sig_now(ckpt_file_sig *sig, const ckpt_run *run, const epoch_data *d)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s/%s/%s", run->root, CKPT_EPOCHS_NAME, d->dir,
		     CKPT_INFO_NAME) >= (int)sizeof path)
		*sig = (ckpt_file_sig){.err = ENAMETOOLONG};
	else
		ckpt_file_sig_at(sig, AT_FDCWD, path);
}

int run_load_checks(ckpt_run *run, const ckpt_run *old, bool records_folder_absent)
{
	/* A hash of the root: taken from the last snapshot of the same root. */
	bool same_root = old && old->records_path && !strcmp(old->root, run->root);
	char *path = records_folder_absent ? NULL
		     : same_root	   ? ckpt_strdup(old->records_path)
					   : ckpt_records_path(run->root);
	run->records_path = path;
	if (path)
		ckpt_file_sig_at(&run->records_sig, AT_FDCWD, path);
	else
		run->records_sig.err = ENOENT;
	int rc = 0;
	if (old && ckpt_file_sig_equal(&old->records_sig, &run->records_sig))
		run->records = ckpt_records_ref(old->records);
	else if (path && run->records_sig.err == 0)
		rc = ckpt_records_load(&run->records, path);
	if (rc)
		return rc;
	for (size_t i = 0; i < run->n_epochs; i++) {
		ckpt_epoch *e = &run->epochs[i];
		ckpt_file_sig info = {0}; /* looked at only when there are records */
		if (run->records && !run_epoch_info_sig(e->data, &info))
			info_sig_now(&info, run, e->data);
		e->check = ckpt_records_lookup(run->records, e->data->epoch, &e->data->model_sig,
					       &info, &e->check_result, &e->check_when);
	}
	return 0;
}

bool ckpt_health_is_problem(unsigned health)
{
	return (health & ~(unsigned)CKPT_HEALTH_LIVE) != 0;
}

static bool link_needs_relink(ckpt_link_state state, long epoch)
{
	return state == CKPT_LINK_RELOCATED || (state == CKPT_LINK_OUTSIDE && epoch > 0);
}

static bool link_broken(ckpt_link_state state, long epoch)
{
	return state == CKPT_LINK_DANGLING || state == CKPT_LINK_NOT_A_LINK ||
	       (state == CKPT_LINK_OUTSIDE && epoch <= 0);
}

static void add_part(ckpt_buf *text, const char *part)
{
	if (text->len)
		ckpt_buf_puts(text, ", ");
	ckpt_buf_puts(text, part);
}

static void add_count(ckpt_buf *text, size_t n, const char *what)
{
	if (!n)
		return;
	char part[64];
	snprintf(part, sizeof part, "%zu %s", n, what);
	add_part(text, part);
}

int run_assess(ckpt_run *run)
{
	size_t counts[CKPT_EPOCH_DAMAGED + 1] = {0};
	for (size_t i = 0; i < run->n_epochs; i++)
		counts[ckpt_epoch_health(&run->epochs[i])]++;
	unsigned h = 0;
	h |= run->live ? CKPT_HEALTH_LIVE : 0;
	h |= run->has_holder && !run->live ? CKPT_HEALTH_STALE_LOCK : 0;
	h |= counts[CKPT_EPOCH_INCOMPLETE] ? CKPT_HEALTH_INCOMPLETE : 0;
	h |= counts[CKPT_EPOCH_DAMAGED] ? CKPT_HEALTH_DAMAGED : 0;
	h |= counts[CKPT_EPOCH_UNREADABLE] || run->problem ? CKPT_HEALTH_UNREADABLE : 0;
	bool relink = link_needs_relink(run->best_state, run->best) ||
		      link_needs_relink(run->last_state, run->last);
	bool broken = link_broken(run->best_state, run->best) ||
		      link_broken(run->last_state, run->last);
	h |= relink ? CKPT_HEALTH_RELOCATED : 0;
	h |= broken ? CKPT_HEALTH_BROKEN_LINK : 0;
	h |= run->work_leftover ? CKPT_HEALTH_WORK_LEFTOVER : 0;
	h |= run->n_strays ? CKPT_HEALTH_STRAYS : 0;
	run->health = h;

	ckpt_buf text;
	ckpt_buf_init(&text);
	char part[400];
	if (run->live) {
		snprintf(part, sizeof part, "training live (pid %lld)", (long long)run->holder_pid);
		add_part(&text, part);
	}
	add_count(&text, counts[CKPT_EPOCH_DAMAGED], "damaged");
	add_count(&text, counts[CKPT_EPOCH_INCOMPLETE], "incomplete");
	add_count(&text, counts[CKPT_EPOCH_UNREADABLE], "unreadable");
	if (broken) {
		snprintf(part, sizeof part, "%s%s%s broken",
			 link_broken(run->best_state, run->best) ? "best" : "",
			 link_broken(run->best_state, run->best) &&
				 link_broken(run->last_state, run->last)
			     ? " and "
			     : "",
			 link_broken(run->last_state, run->last) ? "last" : "");
		add_part(&text, part);
	}
	if (relink)
		add_part(&text, "links need relinking");
	if (run->work_leftover)
		add_part(&text, "work leftover");
	add_count(&text, run->n_strays, "stray");
	if (run->problem)
		add_part(&text, run->problem);
	if (run->has_holder && !run->live) {
		snprintf(part, sizeof part,
			 "lock kept by a leftover process of writer pid %lld, which exited",
			 (long long)run->holder_pid);
		add_part(&text, part);
	}
	if (text.oom) {
		ckpt_buf_free(&text);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", run->root);
	}
	run->health_text = text.len ? ckpt_buf_steal(&text) : NULL;
	ckpt_buf_free(&text);
	return 0;
}

bool ckpt_run_best_metric(double *out, const ckpt_run *run)
{
	long best = run ? run->best : 0;
	const ckpt_epoch *epoch = best > 0 ? ckpt_run_find_epoch(run, best) : NULL;
	if (!epoch)
		return false;
	/* The epoch's own value when the history has it; the original's runs
	 * without a history still carry it as best_metric_last. */
	double value;
	if (!ckpt_epoch_metric(&value, epoch) && !ckpt_epoch_best_metric_last(&value, epoch))
		return false;
	if (out)
		*out = value;
	return true;
}

bool ckpt_run_keep_policy(int64_t *out_limit, ckpt_keep_mode *out_mode, const ckpt_run *run)
{
	int64_t limit = CKPT_DEFAULT_KEEP_LIMIT;
	ckpt_keep_mode mode = CKPT_KEEP_LINEAR;
	bool recorded = false;
	/* The newest epoch that says: its writer's settings are the run's now. */
	for (size_t i = run ? run->n_epochs : 0; i-- > 0;) {
		const epoch_data *d = run->epochs[i].data;
		if (d->keep_limit > 0 && d->keep_mode >= 0) {
			limit = d->keep_limit;
			mode = (ckpt_keep_mode)d->keep_mode;
			recorded = true;
			break;
		}
	}
	if (out_limit)
		*out_limit = limit;
	if (out_mode)
		*out_mode = mode;
	return recorded;
}
