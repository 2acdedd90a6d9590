/* retention.c: which saved epochs to keep after a save (SPEC §3): the
 * original's linear rule, `all`, and the exponential spread. Pure; the
 * writer and the browser's clean both plan with it. */
#include "internal.h"

#include <string.h>

static void plan_linear(bool *keep, ckpt_clean_reason *reasons, const long *epochs, size_t n,
			long epoch_now, long best_epoch, long keep_limit)
{
	/* Newest first; the latest and the best count against the limit too,
	 * which is why limit 2 with an older best leaves three. */
	long kept = 0;
	for (size_t j = n; j-- > 0;) {
		if (epochs[j] == epoch_now)
			reasons[j] = CKPT_CLEAN_KEEP_LAST;
		else if (best_epoch != 0 && epochs[j] == best_epoch)
			reasons[j] = CKPT_CLEAN_KEEP_BEST;
		else if (kept < keep_limit)
			reasons[j] = CKPT_CLEAN_KEEP_LIMIT;
		else
			reasons[j] = CKPT_CLEAN_DELETE;
		keep[j] = reasons[j] != CKPT_CLEAN_DELETE;
		if (keep[j])
			kept++;
	}
}

/* The oldest of epochs (ascending) whose age from epoch_now lies in
 * [low, high); n when there is none. */
static size_t oldest_aged(const long *epochs, size_t n, long epoch_now, long low, long high)
{
	for (size_t j = 0; j < n; j++) {
		if (epochs[j] > epoch_now)
			break;
		long age = epoch_now - epochs[j];
		if (age >= low && age < high)
			return j;
	}
	return n;
}

/* One epoch per age bucket [2^k - 1, 2^(k+1) - 1), the OLDEST in it. The
 * writer applies this after every save to what the last one kept: keeping
 * the newest of each bucket then degenerates into the linear rule, keeping
 * the oldest leaves one epoch in every bucket (test-decide simulates it).
 * Epochs newer than epoch_now (after a rollback) are never part of it. */
static void plan_exponential(bool *keep, ckpt_clean_reason *reasons, const long *epochs, size_t n,
			     long epoch_now, long best_epoch, long keep_limit)
{
	long oldest_age = -1;
	for (size_t j = 0; j < n; j++) {
		if (epochs[j] == epoch_now)
			reasons[j] = CKPT_CLEAN_KEEP_LAST;
		else if (best_epoch != 0 && epochs[j] == best_epoch)
			reasons[j] = CKPT_CLEAN_KEEP_BEST;
		else
			reasons[j] = CKPT_CLEAN_DELETE;
		keep[j] = reasons[j] != CKPT_CLEAN_DELETE;
		if (epochs[j] <= epoch_now && epoch_now - epochs[j] > oldest_age)
			oldest_age = epoch_now - epochs[j];
	}
	/* A bucket whose oldest is kept already (last, best) costs nothing. low
	 * stays at most oldest_age < epoch_now, so high cannot overflow. */
	long spread = 0;
	for (long low = 0; spread < keep_limit && low <= oldest_age; low = low * 2 + 1) {
		size_t found = oldest_aged(epochs, n, epoch_now, low, low * 2 + 1);
		if (found == n || keep[found])
			continue;
		keep[found] = true;
		reasons[found] = CKPT_CLEAN_KEEP_EXPONENTIAL;
		spread++;
	}
}

void ckpt_retention_plan(bool *keep, ckpt_clean_reason *reasons, const long *epochs, size_t n,
			 long epoch_now, long best_epoch, ckpt_keep_mode mode, long keep_limit)
{
	switch (mode) {
	case CKPT_KEEP_ALL:
		for (size_t j = 0; j < n; j++) {
			keep[j] = true;
			reasons[j] = CKPT_CLEAN_KEEP_ALL;
		}
		break;
	case CKPT_KEEP_EXPONENTIAL:
		plan_exponential(keep, reasons, epochs, n, epoch_now, best_epoch, keep_limit);
		break;
	case CKPT_KEEP_LINEAR:
	default: plan_linear(keep, reasons, epochs, n, epoch_now, best_epoch, keep_limit); break;
	}
}

void ckpt_retention_pin(bool *keep, ckpt_clean_reason *reasons, const long *epochs, size_t n,
			long last, long best)
{
	for (size_t i = 0; i < n; i++) {
		if (epochs[i] <= 0 || (epochs[i] != last && epochs[i] != best))
			continue;
		keep[i] = true;
		reasons[i] = epochs[i] == last ? CKPT_CLEAN_KEEP_LAST : CKPT_CLEAN_KEEP_BEST;
	}
}

const char *ckpt_keep_mode_name(ckpt_keep_mode mode)
{
	switch (mode) {
	case CKPT_KEEP_LINEAR: return "linear";
	case CKPT_KEEP_ALL: return "all";
	case CKPT_KEEP_EXPONENTIAL: return "exponential";
	case CKPT_KEEP_RUNS_OWN: return "runs-own";
	}
	return "unknown";
}

int ckpt_keep_mode_from_name(ckpt_keep_mode *out, const char *name)
{
	static const ckpt_keep_mode modes[] = {CKPT_KEEP_LINEAR, CKPT_KEEP_EXPONENTIAL,
					       CKPT_KEEP_ALL};
	for (size_t i = 0; name && i < sizeof modes / sizeof modes[0]; i++) {
		if (strcmp(name, ckpt_keep_mode_name(modes[i])) == 0) {
			if (out)
				*out = modes[i];
			return 0;
		}
	}
	return ckpt_fail(CKPT_EINVAL, "keep mode '%s': must be linear, exponential or all",
			 name ? name : "");
}
