/* clean.c: applying a clean plan (clean-plan.c decides it) under the run's
 * lock, after checking that best and last have not moved onto an epoch it
 * deletes, so that no epoch is ever half deleted or wrongly deleted. */
#include "clean-private.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool plan_deletes(const ckpt_clean_plan *plan, long epoch)
{
	for (size_t i = 0; i < plan->n_items; i++)
		if (plan->items[i].epoch == epoch && !plan->items[i].keep)
			return true;
	return false;
}

/* best and last as they are now, under the lock: a writer or a rollback may
 * have moved them onto an epoch the plan was about to delete. */
static int check_not_stale(const ckpt_clean_plan *plan, const char *work)
{
	static const char *const names[] = {CKPT_LAST_NAME, CKPT_BEST_NAME};
	for (size_t i = 0; i < 2; i++) {
		long epoch = 0;
		ckpt_link_state state = ckpt_link_resolve(plan->root, names[i], &epoch);
		if (clean_link_epoch(state, epoch) && plan_deletes(plan, epoch))
			return ckpt_fail(CKPT_EUNSAFE,
					 "%s: the plan is stale: '%s' now points at epoch %ld; "
					 "plan again",
					 plan->root, names[i], epoch);
	}
	/* work/ is where deleted epochs pass through; one the plan did not see
	 * (a writer's crash since) may hold the only copy of something. */
	struct stat st;
	if (!plan->removes_work && lstat(work, &st) == 0)
		return ckpt_fail(CKPT_EUNSAFE,
				 "%s: the plan is stale: a leftover staging dir "
				 "appeared; plan again",
				 work);
	return 0;
}

/* Out of epochs/ in one durable rename, then removed (ckpt_staging_discard):
 * a crash never leaves a half-deleted epochs/NNN to restart from. */
static int delete_epoch(const ckpt_clean_plan *plan, long epoch)
{
	char *dir = NULL;
	if (ckpt_ops_epoch_dir(&dir, plan->root, epoch) != 0)
		return 0; /* gone, or replaced by a link since the plan: not ours to follow */
	/* Logged once done, so that a refused delete (a read-only tree) leaves
	 * the log as it was too. */
	int rc = ckpt_staging_discard(plan->root, dir, true, plan->log_path);
	if (!rc)
		rc = ckpt_log_write(plan->log_path, "removing: '%s'", dir);
	if (!rc)
		rc = ckpt_log_write(plan->log_path, "clean(): deleted epoch: %ld", epoch);
	free(dir);
	return rc;
}

static int remove_work(const ckpt_clean_plan *plan, const char *work)
{
	int rc = ckpt_staging_clear(plan->root, plan->log_path);
	if (!rc)
		rc = ckpt_log_write(plan->log_path, "removing: '%s'", work);
	return rc;
}

static int apply_locked(const ckpt_clean_plan *plan, const ckpt_progress *progress,
			const char *work, const ckpt_lock *lock)
{
	int rc = check_not_stale(plan, work);
	if (!rc)
		rc = ckpt_log_prepare(plan->log_path, lock);
	if (!rc && plan->removes_work)
		rc = remove_work(plan, work);
	/* A crashed save or rollback's temporary links and work.old: cleaning
	 * up is what clean is for, and we hold the lock, so nothing is midway. */
	if (!rc)
		rc = ckpt_leftovers_recover(plan->root, plan->log_path, plan->label, true);
	ckpt_meter meter;
	ckpt_meter_init(&meter, progress, CKPT_STAGE_CLEAN, ckpt_run_name(plan->run));
	meter.event.total = plan->n_delete;
	for (size_t i = 0; !rc && i < plan->n_items; i++) {
		const clean_item *item = &plan->items[i];
		if (item->keep)
			continue;
		meter.event.epoch = item->epoch;
		if (!ckpt_meter_send(&meter))
			return ckpt_fail(CKPT_ECANCELLED, "%s: clean cancelled before epoch %ld",
					 plan->root, item->epoch);
		rc = delete_epoch(plan, item->epoch);
		meter.event.done++;
	}
	if (!rc) {
		meter.event.epoch = 0;
		ckpt_meter_send(&meter);
	}
	return rc;
}

int ckpt_clean_apply(const ckpt_clean_plan *plan, const ckpt_progress *progress)
{
	if (!plan)
		return ckpt_fail(CKPT_EINVAL, "no clean plan");
	bool deletes = plan->removes_work || ckpt_leftovers_present(plan->root);
	for (size_t i = 0; i < plan->n_items; i++)
		deletes = deletes || !plan->items[i].keep;
	if (!deletes)
		return 0; /* nothing to do: no lock, no lock file */
	char *work = ckpt_path_join(plan->root, CKPT_WORK_NAME);
	int rc = 0;
	ckpt_lock *lock = NULL;
	if (!work)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", plan->root);
	else
		rc = ckpt_lock_acquire(&lock, plan->root);
	if (!rc)
		rc = apply_locked(plan, progress, work, lock);
	ckpt_lock_release(lock);
	free(work);
	return rc;
}
