/* test-decide.c: the original's save decision (SPEC §2) and the retention
 * rules (SPEC §3), pure functions checked rule by rule. */
#include "internal.h"

#include <glib.h>
#include <math.h>
#include <string.h>

static ckpt_settings base_settings(void)
{
	ckpt_settings s;
	memset(&s, 0, sizeof s);
	s.epochs = 10;
	s.save_best = true;
	s.save_best_metric = (char *)"val_loss";
	s.save_interval = 1;
	s.keep_mode = CKPT_KEEP_LINEAR;
	s.keep_limit = 5;
	return s;
}

static ckpt_decision decide(ckpt_decision_state *st, const ckpt_settings *s, long epoch,
			    char direction, double value)
{
	return ckpt_decide(st, s, epoch, direction, value);
}

/* ---- decisions -------------------------------------------------------- */

static void test_interval_zero_disables_everything(void)
{
	ckpt_settings s = base_settings();
	s.save_interval = 0;
	ckpt_decision_state st = {0};
	/* Even an improvement and the final epoch are not saved. */
	g_assert_cmpint(decide(&st, &s, 1, '-', 0.5), ==, CKPT_DECIDE_DISABLED);
	g_assert_cmpint(decide(&st, &s, 10, '-', 0.1), ==, CKPT_DECIDE_DISABLED);
	g_assert_cmpint(st.best_epoch, ==, 0);
	g_assert_true(isinf(st.best) && st.best > 0);
}

static void test_skip_comes_before_best(void)
{
	ckpt_settings s = base_settings();
	s.skip_epochs = 3;
	ckpt_decision_state st = {0};
	g_assert_cmpint(decide(&st, &s, 1, '-', 0.9), ==, CKPT_DECIDE_SKIPPED);
	g_assert_cmpint(decide(&st, &s, 2, '-', 0.5), ==, CKPT_DECIDE_SKIPPED);
	/* A skipped epoch never becomes the best. */
	g_assert_cmpint(st.best_epoch, ==, 0);
	g_assert_cmpint(decide(&st, &s, 3, '-', 0.7), ==, CKPT_DECIDE_BEST);
	g_assert_cmpint(st.best_epoch, ==, 3);
	g_assert_cmpfloat(st.best, ==, 0.7);
}

static void test_skip_also_blocks_final(void)
{
	ckpt_settings s = base_settings();
	s.epochs = 2;
	s.skip_epochs = 5;
	ckpt_decision_state st = {0};
	g_assert_cmpint(decide(&st, &s, 2, '-', 0.1), ==, CKPT_DECIDE_SKIPPED);
}

static void test_best_is_strict_minus(void)
{
	ckpt_settings s = base_settings();
	s.save_interval = 100;
	ckpt_decision_state st = {0};
	g_assert_cmpint(decide(&st, &s, 1, '-', 1.0), ==, CKPT_DECIDE_BEST);
	g_assert_cmpint(decide(&st, &s, 2, '-', 1.0), ==, CKPT_DECIDE_NOT_SAVED);
	g_assert_cmpint(decide(&st, &s, 3, '-', 1.5), ==, CKPT_DECIDE_NOT_SAVED);
	g_assert_cmpint(decide(&st, &s, 4, '-', 0.999), ==, CKPT_DECIDE_BEST);
	g_assert_cmpint(st.best_epoch, ==, 4);
	g_assert_cmpfloat(st.best, ==, 0.999);
}

static void test_best_is_strict_plus(void)
{
	ckpt_settings s = base_settings();
	s.save_interval = 100;
	s.has_best_metric_last = true;
	s.best_metric_last = 0.5;
	ckpt_decision_state st = {0};
	g_assert_cmpint(decide(&st, &s, 1, '+', 0.5), ==, CKPT_DECIDE_NOT_SAVED);
	g_assert_cmpint(decide(&st, &s, 2, '+', 0.4), ==, CKPT_DECIDE_NOT_SAVED);
	g_assert_cmpint(decide(&st, &s, 3, '+', 0.6), ==, CKPT_DECIDE_BEST);
	g_assert_cmpint(st.best_epoch, ==, 3);
}

static void test_plus_starts_at_minus_infinity(void)
{
	/* The original started '+' at +inf and never improved (fixture tc1-acc). */
	ckpt_settings s = base_settings();
	s.save_interval = 100;
	ckpt_decision_state st = {0};
	g_assert_cmpint(decide(&st, &s, 1, '+', -1e300), ==, CKPT_DECIDE_BEST);
	g_assert_cmpint(st.best_epoch, ==, 1);

	ckpt_decision_state start = {0};
	ckpt_decide_start(&start, &s, '+');
	g_assert_true(start.has_best && isinf(start.best) && start.best < 0);
	ckpt_decision_state minus = {0};
	ckpt_decide_start(&minus, &s, '-');
	g_assert_true(minus.has_best && isinf(minus.best) && minus.best > 0);
}

static void test_without_save_best_starts_at_infinity(void)
{
	/* Written as best_metric_last: the original's Infinity, in both directions. */
	ckpt_settings s = base_settings();
	s.save_best = false;
	ckpt_decision_state plus = {0};
	ckpt_decide_start(&plus, &s, '+');
	g_assert_true(plus.has_best && isinf(plus.best) && plus.best > 0);
	ckpt_decision_state minus = {0};
	ckpt_decide_start(&minus, &s, '-');
	g_assert_true(minus.has_best && isinf(minus.best) && minus.best > 0);
	s.has_best_metric_last = true;
	s.best_metric_last = 0.25;
	ckpt_decision_state given = {0};
	ckpt_decide_start(&given, &s, '+');
	g_assert_cmpfloat(given.best, ==, 0.25);
}

static void test_given_start_value_is_used(void)
{
	ckpt_settings s = base_settings();
	s.save_interval = 100;
	s.has_best_metric_last = true;
	s.best_metric_last = 0.3;
	ckpt_decision_state st = {0};
	g_assert_cmpint(decide(&st, &s, 1, '-', 0.4), ==, CKPT_DECIDE_NOT_SAVED);
	g_assert_cmpint(st.best_epoch, ==, 0);
	g_assert_cmpfloat(st.best, ==, 0.3);
	g_assert_cmpint(decide(&st, &s, 2, '-', 0.2), ==, CKPT_DECIDE_BEST);
}

static void test_nan_never_improves(void)
{
	ckpt_settings s = base_settings();
	s.save_interval = 100;
	ckpt_decision_state st = {0};
	g_assert_cmpint(decide(&st, &s, 1, '-', NAN), ==, CKPT_DECIDE_NOT_SAVED);
	g_assert_cmpint(decide(&st, &s, 2, '+', NAN), ==, CKPT_DECIDE_NOT_SAVED);
	g_assert_cmpint(st.best_epoch, ==, 0);
	g_assert_cmpint(decide(&st, &s, 3, '-', 2.0), ==, CKPT_DECIDE_BEST);
	g_assert_cmpint(decide(&st, &s, 4, '-', NAN), ==, CKPT_DECIDE_NOT_SAVED);
	g_assert_cmpfloat(st.best, ==, 2.0);
	/* NaN on the final epoch is still saved, as the final one. */
	g_assert_cmpint(decide(&st, &s, 10, '-', NAN), ==, CKPT_DECIDE_FINAL);
}

static void test_best_without_save_best_is_ignored(void)
{
	ckpt_settings s = base_settings();
	s.save_best = false;
	s.save_interval = 3;
	ckpt_decision_state st = {0};
	g_assert_cmpint(decide(&st, &s, 1, '-', 0.1), ==, CKPT_DECIDE_NOT_SAVED);
	g_assert_cmpint(decide(&st, &s, 3, '-', 0.05), ==, CKPT_DECIDE_INTERVAL);
	g_assert_cmpint(st.best_epoch, ==, 0);
	g_assert_true(isinf(st.best));
}

static void test_best_wins_over_final_and_interval(void)
{
	ckpt_settings s = base_settings();
	s.save_interval = 2;
	ckpt_decision_state st = {0};
	g_assert_cmpint(decide(&st, &s, 2, '-', 1.0), ==, CKPT_DECIDE_BEST);
	g_assert_cmpint(decide(&st, &s, 10, '-', 0.5), ==, CKPT_DECIDE_BEST);
	g_assert_cmpint(st.best_epoch, ==, 10);
}

static void test_final_then_interval_then_not_saved(void)
{
	ckpt_settings s = base_settings();
	s.save_interval = 4;
	s.epochs = 9;
	ckpt_decision_state st = {0};
	g_assert_cmpint(decide(&st, &s, 1, '-', 1.0), ==, CKPT_DECIDE_BEST);
	g_assert_cmpint(decide(&st, &s, 3, '-', 2.0), ==, CKPT_DECIDE_NOT_SAVED);
	g_assert_cmpint(decide(&st, &s, 4, '-', 2.0), ==, CKPT_DECIDE_INTERVAL);
	g_assert_cmpint(decide(&st, &s, 8, '-', 2.0), ==, CKPT_DECIDE_INTERVAL);
	g_assert_cmpint(decide(&st, &s, 9, '-', 2.0), ==, CKPT_DECIDE_FINAL);
	/* Past the final epoch only the interval saves. */
	g_assert_cmpint(decide(&st, &s, 11, '-', 2.0), ==, CKPT_DECIDE_NOT_SAVED);
	g_assert_cmpint(decide(&st, &s, 12, '-', 2.0), ==, CKPT_DECIDE_INTERVAL);
}

/* ---- retention -------------------------------------------------------- */

/* Plans and returns the kept epochs as "1 2 3" (caller g_free()s), checking
 * what every plan must be: each entry set, a reason for each, the latest
 * and the best kept, and the limit bounding what the rule adds to them. */
static char *plan(const long *epochs, size_t n, long now, long best, ckpt_keep_mode mode,
		  long limit, ckpt_clean_reason *reasons_out)
{
	bool keep[64];
	ckpt_clean_reason reasons[64];
	g_assert_cmpuint(n, <=, 64);
	/* Garbage, so that an entry the planner leaves unset shows. */
	memset(keep, 0x55, sizeof keep);
	memset(reasons, 0x55, sizeof reasons);
	ckpt_retention_plan(keep, reasons, epochs, n, now, best, mode, limit);
	GString *out = g_string_new(NULL);
	long by_limit = 0, by_spread = 0;
	for (size_t j = 0; j < n; j++) {
		/* Read as a byte: a bool holding 0x55 is undefined behaviour, and
		 * the compiler folds keep[j] == true || keep[j] == false to true. */
		unsigned char byte;
		memcpy(&byte, &keep[j], 1);
		g_assert_cmpuint(byte, <=, 1);
		g_assert_cmpint((int)reasons[j], >=, CKPT_CLEAN_KEEP_LAST);
		g_assert_cmpint((int)reasons[j], <=, CKPT_CLEAN_DELETE);
		g_assert_cmpint(keep[j], ==, reasons[j] != CKPT_CLEAN_DELETE);
		/* What `last` and `best` name survives every rule. */
		if (mode == CKPT_KEEP_ALL)
			g_assert_cmpint(reasons[j], ==, CKPT_CLEAN_KEEP_ALL);
		else if (epochs[j] == now)
			g_assert_cmpint(reasons[j], ==, CKPT_CLEAN_KEEP_LAST);
		else if (best != 0 && epochs[j] == best)
			g_assert_cmpint(reasons[j], ==, CKPT_CLEAN_KEEP_BEST);
		by_limit += reasons[j] == CKPT_CLEAN_KEEP_LIMIT;
		by_spread += reasons[j] == CKPT_CLEAN_KEEP_EXPONENTIAL;
		if (keep[j])
			g_string_append_printf(out, "%s%ld", out->len ? " " : "", epochs[j]);
	}
	g_assert_cmpint(by_limit, <=, limit);
	g_assert_cmpint(by_spread, <=, limit);
	if (reasons_out)
		memcpy(reasons_out, reasons, n * sizeof *reasons);
	return g_string_free(out, FALSE);
}

static void test_linear_keeps_newest_within_limit(void)
{
	const long epochs[] = {1, 2, 3, 4, 5, 6, 7};
	ckpt_clean_reason r[7];
	char *kept = plan(epochs, 7, 7, 0, CKPT_KEEP_LINEAR, 3, r);
	g_assert_cmpstr(kept, ==, "5 6 7");
	g_assert_cmpint(r[6], ==, CKPT_CLEAN_KEEP_LAST);
	g_assert_cmpint(r[5], ==, CKPT_CLEAN_KEEP_LIMIT);
	g_assert_cmpint(r[0], ==, CKPT_CLEAN_DELETE);
	g_free(kept);
}

static void test_linear_limit2_older_best_keeps_three(void)
{
	const long epochs[] = {1, 2, 3, 4, 5, 6};
	ckpt_clean_reason r[6];
	char *kept = plan(epochs, 6, 6, 2, CKPT_KEEP_LINEAR, 2, r);
	g_assert_cmpstr(kept, ==, "2 5 6");
	g_assert_cmpint(r[1], ==, CKPT_CLEAN_KEEP_BEST);
	g_assert_cmpint(r[4], ==, CKPT_CLEAN_KEEP_LIMIT);
	g_free(kept);
}

static void test_linear_best_counts_against_limit(void)
{
	/* nt3-lr0.01 epoch 13: latest 13, best 12, then 11 10 9 fill limit 5. */
	const long epochs[] = {8, 9, 10, 11, 12, 13};
	char *kept = plan(epochs, 6, 13, 12, CKPT_KEEP_LINEAR, 5, NULL);
	g_assert_cmpstr(kept, ==, "9 10 11 12 13");
	g_free(kept);
}

static void test_linear_limit1_keeps_latest_and_best(void)
{
	const long epochs[] = {3, 4, 5};
	char *kept = plan(epochs, 3, 5, 3, CKPT_KEEP_LINEAR, 1, NULL);
	g_assert_cmpstr(kept, ==, "3 5");
	g_free(kept);
}

static void test_linear_epoch_now_absent(void)
{
	/* The browser's clean may plan with a `last` that is not in the list. */
	const long epochs[] = {2, 4, 9, 12};
	ckpt_clean_reason r[4];
	char *kept = plan(epochs, 4, 20, 0, CKPT_KEEP_LINEAR, 2, r);
	g_assert_cmpstr(kept, ==, "9 12");
	g_assert_cmpint(r[3], ==, CKPT_CLEAN_KEEP_LIMIT);
	g_free(kept);
}

static void test_linear_empty_list(void)
{
	char *kept = plan(NULL, 0, 5, 0, CKPT_KEEP_LINEAR, 2, NULL);
	g_assert_cmpstr(kept, ==, "");
	g_free(kept);
}

static void test_all_keeps_everything(void)
{
	const long epochs[] = {1, 2, 3, 4};
	ckpt_clean_reason r[4];
	char *kept = plan(epochs, 4, 4, 2, CKPT_KEEP_ALL, 1, r);
	g_assert_cmpstr(kept, ==, "1 2 3 4");
	for (int j = 0; j < 4; j++)
		g_assert_cmpint(r[j], ==, CKPT_CLEAN_KEEP_ALL);
	g_free(kept);
}

static void test_exponential_oldest_per_bucket(void)
{
	long epochs[20];
	for (int j = 0; j < 20; j++)
		epochs[j] = j + 1;
	ckpt_clean_reason r[20];
	/* now 20; the oldest of ages [1,3) [3,7) [7,15) [15,31): 18, 14, 6, 1. */
	char *kept = plan(epochs, 20, 20, 0, CKPT_KEEP_EXPONENTIAL, 5, r);
	g_assert_cmpstr(kept, ==, "1 6 14 18 20");
	g_assert_cmpint(r[19], ==, CKPT_CLEAN_KEEP_LAST);
	g_assert_cmpint(r[17], ==, CKPT_CLEAN_KEEP_EXPONENTIAL);
	g_assert_cmpint(r[0], ==, CKPT_CLEAN_KEEP_EXPONENTIAL);
	g_assert_cmpint(r[18], ==, CKPT_CLEAN_DELETE);
	g_free(kept);
	/* Limit 2 stops after two buckets. */
	kept = plan(epochs, 20, 20, 0, CKPT_KEEP_EXPONENTIAL, 2, NULL);
	g_assert_cmpstr(kept, ==, "14 18 20");
	g_free(kept);
}

static void test_exponential_best_outside_spread(void)
{
	long epochs[20];
	for (int j = 0; j < 20; j++)
		epochs[j] = j + 1;
	ckpt_clean_reason r[20];
	char *kept = plan(epochs, 20, 20, 2, CKPT_KEEP_EXPONENTIAL, 5, r);
	g_assert_cmpstr(kept, ==, "1 2 6 14 18 20");
	g_assert_cmpint(r[1], ==, CKPT_CLEAN_KEEP_BEST);
	g_free(kept);
	/* A best that is the oldest of its bucket stands for it and does not
	 * count against the limit: three more buckets are spread. */
	kept = plan(epochs, 20, 20, 14, CKPT_KEEP_EXPONENTIAL, 3, r);
	g_assert_cmpstr(kept, ==, "1 6 14 18 20");
	g_assert_cmpint(r[13], ==, CKPT_CLEAN_KEEP_BEST);
	g_free(kept);
}

static void test_exponential_runs_out_of_older_epochs(void)
{
	/* Sparse epochs, epoch_now absent: ages 1, 4, 10, 30 from 40, one per bucket. */
	const long epochs[] = {10, 30, 36, 39};
	char *kept = plan(epochs, 4, 40, 0, CKPT_KEEP_EXPONENTIAL, 10, NULL);
	g_assert_cmpstr(kept, ==, "10 30 36 39");
	g_free(kept);
	kept = plan(epochs, 4, 40, 0, CKPT_KEEP_EXPONENTIAL, 2, NULL);
	g_assert_cmpstr(kept, ==, "36 39");
	g_free(kept);
}

static void test_exponential_skips_newer_than_now(void)
{
	/* Epochs after a rolled-back `last` are never part of the spread;
	 * ages 1 and 2 share a bucket, whose oldest is 1. */
	const long epochs[] = {1, 2, 3, 4, 5, 6};
	char *kept = plan(epochs, 6, 3, 0, CKPT_KEEP_EXPONENTIAL, 5, NULL);
	g_assert_cmpstr(kept, ==, "1 3");
	g_free(kept);
}

/* As the writer does it: save `saves` epochs one by one, planning over the
 * epochs still kept after each save; *out_n kept epochs into kept[]. */
typedef void (*after_save_fn)(const long *kept, size_t n, long now, long limit);

static void simulate_saves(long *kept, size_t *out_n, long saves, long limit, after_save_fn check)
{
	size_t n = 0;
	for (long now = 1; now <= saves; now++) {
		kept[n++] = now;
		bool keep[64];
		ckpt_clean_reason reasons[64];
		g_assert_cmpuint(n, <=, 64);
		ckpt_retention_plan(keep, reasons, kept, n, now, 0, CKPT_KEEP_EXPONENTIAL, limit);
		size_t m = 0;
		for (size_t j = 0; j < n; j++)
			if (keep[j])
				kept[m++] = kept[j];
		n = m;
		if (check)
			check(kept, n, now, limit);
	}
	*out_n = n;
}

/* After every save, each age bucket [2^k - 1, 2^(k+1) - 1), k = 1..limit,
 * that an epoch could be in holds exactly one kept epoch. */
static void assert_one_per_bucket(const long *kept, size_t n, long now, long limit)
{
	g_assert_cmpuint(n, <=, (size_t)limit + 1);
	g_assert_cmpint(kept[n - 1], ==, now);
	for (long k = 1; k <= limit; k++) {
		long low = (1L << k) - 1, high = (1L << (k + 1)) - 1;
		if (low > now - 1)
			break;
		int in_bucket = 0;
		for (size_t j = 0; j < n; j++)
			in_bucket += now - kept[j] >= low && now - kept[j] < high;
		if (in_bucket != 1)
			g_error("after saving %ld (limit %ld): %d kept epochs aged [%ld, %ld)", now,
				limit, in_bucket, low, high);
	}
}

static char *join(const long *epochs, size_t n)
{
	GString *out = g_string_new(NULL);
	for (size_t j = 0; j < n; j++)
		g_string_append_printf(out, "%s%ld", j ? " " : "", epochs[j]);
	return g_string_free(out, FALSE);
}

static void test_exponential_stable_after_every_save(void)
{
	long kept[64];
	size_t n = 0;
	/* The rule that kept the newest per bucket ended as 37 38 39 40. */
	simulate_saves(kept, &n, 40, 4, assert_one_per_bucket);
	char *text = join(kept, n);
	g_assert_cmpstr(text, ==, "17 33 37 39 40");
	g_free(text);

	simulate_saves(kept, &n, 200, 6, assert_one_per_bucket);
	text = join(kept, n);
	g_assert_cmpstr(text, ==, "129 161 177 193 197 199 200");
	g_free(text);
	/* Ages 71 39 23 7 3 1 0: one in each bucket, the buckets doubling. */
	g_assert_cmpint(200 - kept[0], >, 64);

	for (long limit = 1; limit <= 8; limit++)
		simulate_saves(kept, &n, 300, limit, assert_one_per_bucket);
}

static void test_exponential_clean_over_contiguous_run(void)
{
	/* The browser's clean plans once over every epoch on disk. */
	long epochs[100];
	for (int j = 0; j < 100; j++)
		epochs[j] = j + 1;
	bool keep[100];
	ckpt_clean_reason reasons[100];
	ckpt_retention_plan(keep, reasons, epochs, 100, 100, 0, CKPT_KEEP_EXPONENTIAL, 6);
	long kept[100];
	size_t n = 0;
	for (size_t j = 0; j < 100; j++)
		if (keep[j])
			kept[n++] = epochs[j];
	char *text = join(kept, n);
	/* Ages 99 62 30 14 6 2 0: the oldest of each bucket, one per bucket. */
	g_assert_cmpstr(text, ==, "1 38 70 86 94 98 100");
	g_free(text);
	assert_one_per_bucket(kept, n, 100, 6);
}

static void test_pin_keeps_link_targets_whatever_the_policy(void)
{
	const long epochs[] = {3, 5, 8, 9};
	bool keep[4] = {false, false, false, true};
	ckpt_clean_reason reasons[4] = {CKPT_CLEAN_DELETE, CKPT_CLEAN_DELETE, CKPT_CLEAN_DELETE,
					CKPT_CLEAN_KEEP_LIMIT};
	ckpt_retention_pin(keep, reasons, epochs, 4, 5, 3);
	g_assert_true(keep[0] && reasons[0] == CKPT_CLEAN_KEEP_BEST);
	g_assert_true(keep[1] && reasons[1] == CKPT_CLEAN_KEEP_LAST);
	g_assert_true(!keep[2] && reasons[2] == CKPT_CLEAN_DELETE);
	g_assert_true(keep[3] && reasons[3] == CKPT_CLEAN_KEEP_LIMIT);
	/* No links (0): nothing pinned. */
	bool none[4] = {false, false, false, false};
	ckpt_retention_pin(none, reasons, epochs, 4, 0, 0);
	g_assert_false(none[0] || none[1] || none[2] || none[3]);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/decide/interval-zero-disables-everything",
			test_interval_zero_disables_everything);
	g_test_add_func("/ckpt/decide/skip-comes-before-best", test_skip_comes_before_best);
	g_test_add_func("/ckpt/decide/skip-also-blocks-final", test_skip_also_blocks_final);
	g_test_add_func("/ckpt/decide/best-is-strict-minus", test_best_is_strict_minus);
	g_test_add_func("/ckpt/decide/best-is-strict-plus", test_best_is_strict_plus);
	g_test_add_func("/ckpt/decide/plus-starts-at-minus-infinity",
			test_plus_starts_at_minus_infinity);
	g_test_add_func("/ckpt/decide/without-save-best-starts-at-infinity-both-directions",
			test_without_save_best_starts_at_infinity);
	g_test_add_func("/ckpt/decide/given-start-value-is-used", test_given_start_value_is_used);
	g_test_add_func("/ckpt/decide/nan-never-improves", test_nan_never_improves);
	g_test_add_func("/ckpt/decide/best-ignored-without-save-best",
			test_best_without_save_best_is_ignored);
	g_test_add_func("/ckpt/decide/best-wins-over-final-and-interval",
			test_best_wins_over_final_and_interval);
	g_test_add_func("/ckpt/decide/final-then-interval-then-not-saved",
			test_final_then_interval_then_not_saved);
	g_test_add_func("/ckpt/retention/pin/keeps-link-targets-whatever-the-policy",
			test_pin_keeps_link_targets_whatever_the_policy);
	g_test_add_func("/ckpt/retention/linear/keeps-newest-within-limit",
			test_linear_keeps_newest_within_limit);
	g_test_add_func("/ckpt/retention/linear/limit-2-older-best-keeps-three",
			test_linear_limit2_older_best_keeps_three);
	g_test_add_func("/ckpt/retention/linear/best-counts-against-limit",
			test_linear_best_counts_against_limit);
	g_test_add_func("/ckpt/retention/linear/limit-1-keeps-latest-and-best",
			test_linear_limit1_keeps_latest_and_best);
	g_test_add_func("/ckpt/retention/linear/epoch-now-absent", test_linear_epoch_now_absent);
	g_test_add_func("/ckpt/retention/linear/empty-list", test_linear_empty_list);
	g_test_add_func("/ckpt/retention/all/keeps-everything", test_all_keeps_everything);
	g_test_add_func("/ckpt/retention/exponential/oldest-of-each-age-bucket",
			test_exponential_oldest_per_bucket);
	g_test_add_func("/ckpt/retention/exponential/best-kept-besides-spread",
			test_exponential_best_outside_spread);
	g_test_add_func("/ckpt/retention/exponential/runs-out-of-older-epochs",
			test_exponential_runs_out_of_older_epochs);
	g_test_add_func("/ckpt/retention/exponential/never-spreads-past-now",
			test_exponential_skips_newer_than_now);
	g_test_add_func("/ckpt/retention/exponential/stays-spread-when-applied-after-every-save",
			test_exponential_stable_after_every_save);
	g_test_add_func("/ckpt/retention/exponential/clean-keeps-one-per-bucket",
			test_exponential_clean_over_contiguous_run);
	return g_test_run();
}
