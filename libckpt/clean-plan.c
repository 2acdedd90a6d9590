/* clean-plan.c: the browser's retention plan over every epoch on disk: the
 * writer's own policy (retention.c) with best and last always kept, then the
 * integrity rules (a damaged best or last keeps an intact stand-in; the last
 * intact epoch is never deleted), each epoch's health and size, and the
 * plan's --json form. Applying it is clean.c's. */
#include "clean-private.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Epoch dirs hold two files; anything deeper is not worth counting. */
#define SIZE_MAX_DEPTH 16

const char *ckpt_clean_reason_name(ckpt_clean_reason reason)
{
	switch (reason) {
	case CKPT_CLEAN_KEEP_LAST: return "last";
	case CKPT_CLEAN_KEEP_BEST: return "best";
	case CKPT_CLEAN_KEEP_LIMIT: return "limit";
	case CKPT_CLEAN_KEEP_EXPONENTIAL: return "exponential";
	case CKPT_CLEAN_KEEP_ALL: return "all";
	case CKPT_CLEAN_DELETE: return "beyond-limit";
	case CKPT_CLEAN_KEEP_INTACT: return "newest-intact";
	case CKPT_CLEAN_KEEP_BEST_INTACT: return "best-intact";
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
	char *path = ckpt_sprintf("%s/%s/%s", root, CKPT_EPOCHS_NAME, ckpt_epoch_dir(epoch));
	struct stat st;
	uint64_t bytes = 0;
	if (path && lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		bytes = tree_bytes(path, 0);
	free(path);
	return bytes;
}

long clean_link_epoch(ckpt_link_state state, long epoch)
{
	bool names_ours =
	    state == CKPT_LINK_OK || state == CKPT_LINK_RELOCATED || state == CKPT_LINK_OUTSIDE;
	return names_ours && epoch > 0 ? epoch : 0;
}

/* The shared policy decides; best and last are then pinned whatever it says,
 * so that a policy change can never lose the epoch a restart would load. */
static int decide(clean_item *items, const long *epochs, size_t n, long last, long best,
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

/* ---- integrity --------------------------------------------------------- */

static const clean_item *item_of(const ckpt_clean_plan *plan, long epoch)
{
	for (size_t i = 0; epoch > 0 && i < plan->n_items; i++)
		if (plan->items[i].epoch == epoch)
			return &plan->items[i];
	return NULL;
}

static bool damaged(const clean_item *item)
{
	return item && item->health != CKPT_EPOCH_OK;
}

/* The newest intact epoch, or the intact one with the best metric; NULL
 * when none is intact. */
static clean_item *intact_choice(ckpt_clean_plan *plan, bool by_metric)
{
	clean_item *chosen = NULL;
	char direction = ckpt_run_direction(plan->run);
	for (size_t i = plan->n_items; i-- > 0;) {
		clean_item *item = &plan->items[i];
		if (item->health != CKPT_EPOCH_OK)
			continue;
		if (!chosen) {
			chosen = item;
			continue;
		}
		if (!by_metric || !item->has_metric)
			continue;
		bool better = !chosen->has_metric ||
			      (direction == '+' ? item->metric > chosen->metric
						: item->metric < chosen->metric);
		if (better)
			chosen = item;
	}
	return chosen;
}

static void keep_for_integrity(clean_item *item, ckpt_clean_reason reason)
{
	if (item && !item->keep) {
		item->keep = true;
		item->reason = reason;
	}
}

static void add_note(ckpt_buf *note, const char *text)
{
	if (note->len)
		ckpt_buf_puts(note, "; ");
	ckpt_buf_puts(note, text);
}

/* A damaged target keeps a stand-in; the last intact epoch always stays. */
static int apply_integrity(ckpt_clean_plan *plan, long last, long best)
{
	ckpt_buf note;
	ckpt_buf_init(&note);
	char text[256];
	const clean_item *last_item = item_of(plan, last), *best_item = item_of(plan, best);
	if (damaged(last_item)) {
		clean_item *stand_in = intact_choice(plan, false);
		keep_for_integrity(stand_in, CKPT_CLEAN_KEEP_INTACT);
		snprintf(text, sizeof text, "last's epoch %ld is %s: %s", last,
			 ckpt_epoch_state_name(last_item->health),
			 stand_in ? "the newest intact epoch stays too" : "no epoch is intact");
		if (stand_in)
			snprintf(text + strlen(text), sizeof text - strlen(text), " (%ld)",
				 stand_in->epoch);
		add_note(&note, text);
	}
	if (damaged(best_item) && best != last) {
		clean_item *stand_in = intact_choice(plan, true);
		keep_for_integrity(stand_in, CKPT_CLEAN_KEEP_BEST_INTACT);
		snprintf(text, sizeof text, "best's epoch %ld is %s: %s", best,
			 ckpt_epoch_state_name(best_item->health),
			 stand_in ? "the best intact epoch stays too" : "no epoch is intact");
		if (stand_in)
			snprintf(text + strlen(text), sizeof text - strlen(text), " (%ld)",
				 stand_in->epoch);
		add_note(&note, text);
	}
	bool intact_kept = false;
	for (size_t i = 0; i < plan->n_items; i++)
		intact_kept = intact_kept || (plan->items[i].keep && !damaged(&plan->items[i]));
	clean_item *newest = intact_choice(plan, false);
	if (!intact_kept && newest) {
		keep_for_integrity(newest, CKPT_CLEAN_KEEP_INTACT);
		snprintf(text, sizeof text,
			 "epoch %ld, the newest intact one, stays: no other would remain",
			 newest->epoch);
		add_note(&note, text);
	}
	if (note.oom) {
		ckpt_buf_free(&note);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", plan->root);
	}
	plan->note = note.len ? ckpt_buf_steal(&note) : NULL;
	ckpt_buf_free(&note);
	return 0;
}

/* ---- the plan ------------------------------------------------------------ */

static ckpt_clean_plan *plan_alloc(const ckpt_run *run, size_t n)
{
	ckpt_clean_plan *plan = calloc(1, sizeof *plan);
	if (!plan)
		return NULL;
	plan->run = ckpt_run_ref((ckpt_run *)run);
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

/* The limit and mode to plan with: the caller's, else the run's own. */
static void choose_policy(ckpt_clean_plan *plan, const ckpt_run *run, int64_t keep_limit,
			  ckpt_keep_mode mode)
{
	int64_t own_limit;
	ckpt_keep_mode own_mode;
	bool recorded = ckpt_run_keep_policy(&own_limit, &own_mode, run);
	plan->keep_limit = keep_limit > 0 ? keep_limit : own_limit;
	plan->mode = mode == CKPT_KEEP_RUNS_OWN ? own_mode : mode;
	plan->runs_own = keep_limit <= 0 && recorded;
	plan->guess = keep_limit <= 0 && !recorded;
}

static int fill_items(ckpt_clean_plan *plan, const ckpt_run *run)
{
	size_t n = plan->n_items;
	long *epochs = calloc(n ? n : 1, sizeof *epochs);
	if (!epochs)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", plan->root);
	for (size_t i = 0; i < n; i++)
		epochs[i] = (long)ckpt_epoch_number(ckpt_run_epoch(run, i));
	long last = clean_link_epoch(ckpt_run_last_state(run), (long)ckpt_run_last(run));
	long best = clean_link_epoch(ckpt_run_best_state(run), (long)ckpt_run_best(run));
	int rc = decide(plan->items, epochs, n, last, best, plan->mode, (long)plan->keep_limit);
	free(epochs);
	if (rc)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", plan->root);
	for (size_t i = 0; i < n; i++) {
		const ckpt_epoch *e = ckpt_run_epoch(run, i);
		clean_item *item = &plan->items[i];
		item->health = ckpt_epoch_health(e);
		item->has_metric = ckpt_epoch_metric(&item->metric, e);
		item->bytes = epoch_bytes(plan->root, e);
		plan->unverified += ckpt_epoch_check(NULL, NULL, e) != CKPT_CHECK_CURRENT;
	}
	return apply_integrity(plan, last, best);
}

int ckpt_clean_plan_new(ckpt_clean_plan **out, const ckpt_run *run, int64_t keep_limit,
			ckpt_keep_mode mode)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_clean_plan_new: no place for the plan");
	*out = NULL;
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_clean_plan_new: no run");
	if (keep_limit < 0)
		return ckpt_fail(CKPT_EINVAL,
				 "keep limit must be greater than zero, or 0 for the run's own "
				 "(got %lld)",
				 (long long)keep_limit);
	if (mode != CKPT_KEEP_RUNS_OWN && mode != CKPT_KEEP_LINEAR && mode != CKPT_KEEP_ALL &&
	    mode != CKPT_KEEP_EXPONENTIAL)
		return ckpt_fail(CKPT_EINVAL, "unknown keep mode %d", (int)mode);
	ckpt_clean_plan *plan = plan_alloc(run, ckpt_run_epoch_count(run));
	if (!plan)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", ckpt_run_root(run));
	choose_policy(plan, run, keep_limit, mode);
	int rc = fill_items(plan, run);
	if (rc) {
		ckpt_clean_plan_free(plan);
		return rc;
	}
	for (size_t i = 0; i < plan->n_items; i++) {
		if (!plan->items[i].keep) {
			plan->bytes_freed += plan->items[i].bytes;
			plan->n_delete++;
		}
	}
	/* A live writer's staging is its own; leftovers are a crash's. */
	plan->removes_work = ckpt_run_work_leftover(run);
	*out = plan;
	return 0;
}

void ckpt_clean_plan_free(ckpt_clean_plan *plan)
{
	if (!plan)
		return;
	ckpt_run_unref(plan->run);
	free(plan->root);
	free(plan->log_path);
	free(plan->label);
	free(plan->note);
	free(plan->items);
	free(plan);
}

/* ---- accessors ----------------------------------------------------------- */

static const clean_item *item_at(const ckpt_clean_plan *plan, size_t i)
{
	return plan && i < plan->n_items ? &plan->items[i] : NULL;
}

const ckpt_run *ckpt_clean_plan_run(const ckpt_clean_plan *plan)
{
	return plan ? plan->run : NULL;
}

int64_t ckpt_clean_plan_keep_limit(const ckpt_clean_plan *plan)
{
	return plan ? plan->keep_limit : 0;
}

ckpt_keep_mode ckpt_clean_plan_mode(const ckpt_clean_plan *plan)
{
	return plan ? plan->mode : CKPT_KEEP_LINEAR;
}

bool ckpt_clean_plan_limit_is_runs_own(const ckpt_clean_plan *plan)
{
	return plan && plan->runs_own;
}

bool ckpt_clean_plan_limit_is_guess(const ckpt_clean_plan *plan)
{
	return plan && plan->guess;
}

size_t ckpt_clean_plan_unverified_count(const ckpt_clean_plan *plan)
{
	return plan ? plan->unverified : 0;
}

size_t ckpt_clean_plan_count(const ckpt_clean_plan *plan)
{
	return plan ? plan->n_items : 0;
}

int64_t ckpt_clean_plan_epoch(const ckpt_clean_plan *plan, size_t i)
{
	const clean_item *item = item_at(plan, i);
	return item ? item->epoch : 0;
}

bool ckpt_clean_plan_keeps(const ckpt_clean_plan *plan, size_t i)
{
	const clean_item *item = item_at(plan, i);
	return item && item->keep;
}

ckpt_clean_reason ckpt_clean_plan_reason(const ckpt_clean_plan *plan, size_t i)
{
	const clean_item *item = item_at(plan, i);
	return item ? item->reason : CKPT_CLEAN_DELETE;
}

uint64_t ckpt_clean_plan_bytes(const ckpt_clean_plan *plan, size_t i)
{
	const clean_item *item = item_at(plan, i);
	return item ? item->bytes : 0;
}

ckpt_epoch_state ckpt_clean_plan_health(const ckpt_clean_plan *plan, size_t i)
{
	const clean_item *item = item_at(plan, i);
	return item ? item->health : CKPT_EPOCH_OK;
}

size_t ckpt_clean_plan_delete_count(const ckpt_clean_plan *plan)
{
	return plan ? plan->n_delete : 0;
}

uint64_t ckpt_clean_plan_bytes_freed(const ckpt_clean_plan *plan)
{
	return plan ? plan->bytes_freed : 0;
}

bool ckpt_clean_plan_removes_work(const ckpt_clean_plan *plan)
{
	return plan && plan->removes_work;
}

const char *ckpt_clean_plan_note(const ckpt_clean_plan *plan)
{
	return plan ? plan->note : NULL;
}

int ckpt_clean_plan_to_json(char **out, const ckpt_clean_plan *plan, unsigned flags)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_clean_plan_to_json: no place for the text");
	*out = NULL;
	if (!plan)
		return ckpt_fail(CKPT_EINVAL, "ckpt_clean_plan_to_json: no plan");
	ckpt_out o;
	ckpt_out_init(&o, flags);
	ckpt_out_open(&o, '{');
	ckpt_out_key(&o, "run");
	ckpt_out_string(&o, ckpt_run_name(plan->run));
	ckpt_out_key(&o, "path");
	ckpt_out_string(&o, plan->root);
	ckpt_out_key(&o, "keep_limit");
	ckpt_out_int(&o, (long long)plan->keep_limit);
	ckpt_out_key(&o, "mode");
	ckpt_out_string(&o, ckpt_keep_mode_name(plan->mode));
	ckpt_out_key(&o, "limit_source");
	ckpt_out_string(&o, plan->runs_own ? "run" : plan->guess ? "default" : "given");
	ckpt_out_key(&o, "plan");
	ckpt_out_open(&o, '[');
	for (size_t i = 0; i < plan->n_items; i++) {
		const clean_item *item = &plan->items[i];
		ckpt_out_item(&o);
		ckpt_out_open(&o, '{');
		ckpt_out_key(&o, "epoch");
		ckpt_out_int(&o, item->epoch);
		ckpt_out_key(&o, "action");
		ckpt_out_string(&o, item->keep ? "keep" : "delete");
		ckpt_out_key(&o, "reason");
		ckpt_out_string(&o, ckpt_clean_reason_name(item->reason));
		ckpt_out_key(&o, "bytes");
		ckpt_out_uint(&o, (unsigned long long)item->bytes);
		ckpt_out_key(&o, "health");
		ckpt_out_string(&o, ckpt_epoch_state_name(item->health));
		ckpt_out_close(&o, '}');
	}
	ckpt_out_close(&o, ']');
	ckpt_out_key(&o, "delete_count");
	ckpt_out_uint(&o, plan->n_delete);
	ckpt_out_key(&o, "bytes_freed");
	ckpt_out_uint(&o, (unsigned long long)plan->bytes_freed);
	ckpt_out_key(&o, "removes_work");
	ckpt_out_bool(&o, plan->removes_work);
	ckpt_out_key(&o, "unverified");
	ckpt_out_uint(&o, plan->unverified);
	ckpt_out_key(&o, "note");
	ckpt_out_string(&o, plan->note);
	ckpt_out_close(&o, '}');
	return ckpt_out_finish(out, &o, plan->root);
}
