/* decide.c: whether an epoch is saved (SPEC §2), in the original's order.
 * Pure: the only state is the best-so-far the caller keeps between calls. */
#include "internal.h"

#include <math.h>

void ckpt_decide_start(ckpt_decision_state *state, const ckpt_settings *settings, char direction)
{
	if (state->has_best)
		return;
	/* The original starts at +inf for both directions, so with '+' nothing
	 * ever improved; starting at the worst value of each direction fixes it.
	 * Without save_best nothing is compared, and ckpt-info.json must hold
	 * the original's Infinity, which Python's restart reads back. */
	if (settings->has_best_metric_last)
		state->best = settings->best_metric_last;
	else if (settings->save_best && direction == '+')
		state->best = -INFINITY;
	else
		state->best = INFINITY;
	state->has_best = true;
}

/* NaN compares false both ways, so it never improves. */
static bool improves(char direction, double value, double best)
{
	return direction == '+' ? value > best : value < best;
}

ckpt_decision ckpt_decide(ckpt_decision_state *state, const ckpt_settings *settings, long epoch,
			  char direction, double value)
{
	ckpt_decide_start(state, settings, direction);
	if (settings->save_interval == 0)
		return CKPT_DECIDE_DISABLED;
	if (epoch < settings->skip_epochs)
		return CKPT_DECIDE_SKIPPED;
	if (settings->save_best && improves(direction, value, state->best)) {
		state->best = value;
		state->best_epoch = epoch;
		return CKPT_DECIDE_BEST;
	}
	if (epoch == settings->epochs)
		return CKPT_DECIDE_FINAL;
	if (epoch % settings->save_interval == 0)
		return CKPT_DECIDE_INTERVAL;
	return CKPT_DECIDE_NOT_SAVED;
}
