/* clean.c: the browser's retention: a plan over every epoch on disk (the
 * writer's own policy, retention.c, with best and last always kept), and
 * applying it under the run's lock so that no epoch is ever half deleted. */
#include "internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Epoch dirs hold two files; anything deeper is not worth counting. */
#define SIZE_MAX_DEPTH 16

struct ckpt_clean_plan {
	char *root;
	char *log_path;
	char *label; /* the root as the log names it: "ckpts" */
	ckpt_clean_item *items;
	size_t n_items;
	uint64_t bytes_freed;
	bool removes_work;
};

const char *ckpt_clean_reason_name(ckpt_clean_reason reason)
{
	switch (reason) {
	case CKPT_CLEAN_KEEP_LAST: return "last";
	case CKPT_CLEAN_KEEP_BEST: return "best";
	case CKPT_CLEAN_KEEP_LIMIT: return "limit";
	case CKPT_CLEAN_KEEP_EXPONENTIAL: return "exponential";
	case CKPT_CLEAN_KEEP_ALL: return "all";
	case CKPT_CLEAN_DELETE: return "beyond-limit";
	}
	return "unknown";
}

/* Sum of lstat sizes below path, links not followed; unreadable parts count 0
 * (the figure is for display, deleting does not depend on it). */
static uint64_t tree_bytes(const char *path, int depth)
{
	DIR *dir = depth < SIZE_MAX_DEPTH ? opendir(path) : NULL;
	if (!dir)
		return 0;
	uint64_t total = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
			continue;
		char *child = ckpt_path_join(path, entry->d_name);
		struct stat st;
		if (child && lstat(child, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				total += tree_bytes(child, depth + 1);
			else if (st.st_size > 0)
				total += (uint64_t)st.st_size;
		}
		free(child);
	}
	closedir(dir);
	return total;
}

static uint64_t epoch_bytes(const char *root, const ckpt_epoch *epoch)
{
	char *path = ckpt_sprintf("%s/%s/%s", root, CKPT_EPOCHS_NAME, epoch->dir);
	struct stat st;
	uint64_t bytes = 0;
	if (path && lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		bytes = tree_bytes(path, 0);
	free(path);
	return bytes;
}

/* A link counts when it names an epoch of this run: resolving to it, or
 * through an absolute target whose epochs/NNN exists here (relocated, or
 * still leading into the copy this run was made from: `ckpt relink` would
 * point it here, so its epoch must survive until then). */
static long link_epoch(ckpt_link_state state, long epoch)
{
	bool names_ours =
	    state == CKPT_LINK_OK || state == CKPT_LINK_RELOCATED || state == CKPT_LINK_OUTSIDE;
	return names_ours && epoch > 0 ? epoch : 0;
}

/* The shared policy decides; best and last are then pinned whatever it says,
 * so that a policy change can never lose the epoch a restart would load. */
static int decide(ckpt_clean_item *items, const long *epochs, size_t n, long last, long best,
		  ckpt_keep_mode mode, long keep_limit)
{
	bool *keep = calloc(n ? n : 1, sizeof *keep);
	ckpt_clean_reason *reasons = calloc(n ? n : 1, sizeof *reasons);
	if (!keep || !reasons) {
		free(keep);
		free(reasons);
		return CKPT_ENOMEM;
	}
	/* Exponential ages count back from last; without one, from the newest
	 * epoch (0 would make every epoch too young to keep). */
	long now = last;
	if (!now && mode == CKPT_KEEP_EXPONENTIAL && n > 0)
		now = epochs[n - 1];
	ckpt_retention_plan(keep, reasons, epochs, n, now, best, mode, keep_limit);
	for (size_t i = 0; i < n; i++)
		if (reasons[i] == CKPT_CLEAN_KEEP_LAST && epochs[i] != last)
			reasons[i] = CKPT_CLEAN_KEEP_EXPONENTIAL; /* the stand-in above */
	ckpt_retention_pin(keep, reasons, epochs, n, last, best);
	for (size_t i = 0; i < n; i++) {
		items[i].epoch = epochs[i];
		items[i].keep = keep[i];
		items[i].reason = reasons[i];
	}
	free(keep);
	free(reasons);
	return 0;
}

static ckpt_clean_plan *plan_alloc(const ckpt_run *run, size_t n)
{
	ckpt_clean_plan *plan = calloc(1, sizeof *plan);
	if (!plan)
		return NULL;
	plan->root = ckpt_strdup(ckpt_run_root(run));
	plan->log_path = ckpt_strdup(ckpt_run_log_path(run));
	plan->label = ckpt_ops_root_label(run);
	plan->items = calloc(n ? n : 1, sizeof *plan->items);
	plan->n_items = n;
	if (!plan->root || !plan->log_path || !plan->label || !plan->items) {
		ckpt_clean_plan_free(plan);
		return NULL;
	}
	return plan;
}

int ckpt_clean_plan_new(ckpt_clean_plan **out, const ckpt_run *run, long keep_limit,
			ckpt_keep_mode mode)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_clean_plan_new: no place for the plan");
	*out = NULL;
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_clean_plan_new: no run");
	if (keep_limit <= 0)
		return ckpt_fail(CKPT_EINVAL, "keep limit must be greater than zero (got %ld)",
				 keep_limit);
	if (mode != CKPT_KEEP_LINEAR && mode != CKPT_KEEP_ALL && mode != CKPT_KEEP_EXPONENTIAL)
		return ckpt_fail(CKPT_EINVAL, "unknown keep mode %d", (int)mode);
	size_t n = ckpt_run_epoch_count(run);
	ckpt_clean_plan *plan = plan_alloc(run, n);
	long *epochs = calloc(n ? n : 1, sizeof *epochs);
	if (!plan || !epochs) {
		ckpt_clean_plan_free(plan);
		free(epochs);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", ckpt_run_root(run));
	}
	for (size_t i = 0; i < n; i++)
		epochs[i] = ckpt_run_epoch(run, i)->epoch;
	long last = link_epoch(ckpt_run_last_state(run), ckpt_run_last(run));
	long best = link_epoch(ckpt_run_best_state(run), ckpt_run_best(run));
	int rc = decide(plan->items, epochs, n, last, best, mode, keep_limit);
	free(epochs);
	if (rc) {
		ckpt_clean_plan_free(plan);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", ckpt_run_root(run));
	}
	for (size_t i = 0; i < n; i++) {
		plan->items[i].bytes = epoch_bytes(plan->root, ckpt_run_epoch(run, i));
		if (!plan->items[i].keep)
			plan->bytes_freed += plan->items[i].bytes;
	}
	plan->removes_work = ckpt_run_work_leftover(run) && !ckpt_run_writer(run);
	*out = plan;
	return 0;
}

void ckpt_clean_plan_free(ckpt_clean_plan *plan)
{
	if (!plan)
		return;
	free(plan->root);
	free(plan->log_path);
	free(plan->label);
	free(plan->items);
	free(plan);
}

size_t ckpt_clean_plan_count(const ckpt_clean_plan *plan)
{
	return plan ? plan->n_items : 0;
}

const ckpt_clean_item *ckpt_clean_plan_item(const ckpt_clean_plan *plan, size_t i)
{
	return plan && i < plan->n_items ? &plan->items[i] : NULL;
}

uint64_t ckpt_clean_plan_bytes_freed(const ckpt_clean_plan *plan)
{
	return plan ? plan->bytes_freed : 0;
}

int ckpt_clean_plan_removes_work(const ckpt_clean_plan *plan)
{
	return plan && plan->removes_work;
}

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
		if (link_epoch(state, epoch) && plan_deletes(plan, epoch))
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
	int rc = ckpt_staging_discard(plan->root, dir, true);
	if (!rc)
		rc = ckpt_log_write(plan->log_path, "removing: '%s'", dir);
	if (!rc)
		rc = ckpt_log_write(plan->log_path, "clean(): deleted epoch: %ld", epoch);
	free(dir);
	return rc;
}

static int remove_work(const ckpt_clean_plan *plan, const char *work)
{
	int rc = ckpt_fs_remove_tree(work);
	if (!rc)
		rc = ckpt_log_write(plan->log_path, "removing: '%s'", work);
	return rc;
}

static int apply_locked(const ckpt_clean_plan *plan, const ckpt_progress *progress,
			const char *work)
{
	int rc = check_not_stale(plan, work);
	if (!rc && plan->removes_work)
		rc = remove_work(plan, work);
	/* A crashed save or rollback's temporary links and work.old: cleaning
	 * up is what clean is for, and we hold the lock, so nothing is midway. */
	if (!rc)
		rc = ckpt_leftovers_recover(plan->root, plan->log_path, plan->label, true);
	size_t n_delete = 0, done = 0;
	for (size_t i = 0; i < plan->n_items; i++)
		n_delete += !plan->items[i].keep;
	for (size_t i = 0; !rc && i < plan->n_items; i++) {
		const ckpt_clean_item *item = &plan->items[i];
		if (item->keep)
			continue;
		if (ckpt_cancelled(progress))
			return ckpt_fail(CKPT_ECANCELLED, "%s: clean cancelled before epoch %ld",
					 plan->root, item->epoch);
		char stage[48], name[32];
		ckpt_epoch_dir_name(name, item->epoch);
		snprintf(stage, sizeof stage, "clean %s", name);
		ckpt_report(progress, stage, done, n_delete);
		rc = delete_epoch(plan, item->epoch);
		done++;
	}
	if (!rc)
		ckpt_report(progress, "clean", n_delete, n_delete);
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
		rc = apply_locked(plan, progress, work);
	ckpt_lock_release(lock);
	free(work);
	return rc;
}
