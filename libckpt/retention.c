/* retention.c: which saved epochs to keep after a save (SPEC §3): the
 * original's linear rule, `all`, and the exponential spread. Pure; the
 * writer and the browser's clean both plan with it. */
#include "internal.h"

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

static void plan_exponential(bool *keep, ckpt_clean_reason *reasons, const long *epochs, size_t n,
			     long epoch_now, long best_epoch, long keep_limit)
{
	for (size_t j = 0; j < n; j++) {
		if (epochs[j] == epoch_now)
			reasons[j] = CKPT_CLEAN_KEEP_LAST;
		else if (best_epoch != 0 && epochs[j] == best_epoch)
			reasons[j] = CKPT_CLEAN_KEEP_BEST;
		else
			reasons[j] = CKPT_CLEAN_DELETE;
		keep[j] = reasons[j] != CKPT_CLEAN_DELETE;
	}
	/* For k = 0, 1, 2...: the newest epoch not yet kept that is at least
	 * 2^k - 1 epochs older than epoch_now. min_age stays below epoch_now
	 * (the search fails beyond it), so it cannot overflow. */
	long spread = 0;
	for (long min_age = 0; spread < keep_limit; min_age = min_age * 2 + 1) {
		size_t found = n;
		for (size_t j = n; j-- > 0;) {
			if (!keep[j] && epochs[j] <= epoch_now &&
			    epoch_now - epochs[j] >= min_age) {
				found = j;
				break;
			}
		}
		if (found == n)
			break;
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
