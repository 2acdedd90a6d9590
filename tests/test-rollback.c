/* test-rollback.c: the operations that move a run's links: roll back (last
 * made relative and logged; damaged, incomplete or missing epochs and a live
 * writer refused) and relink, also of links into the run a copy was made from. */
#include "internal.h"
#include "ops-fixture.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- rollback --------------------------------------------------------- */

static void test_rollback_points_last_relative_and_logs(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	char *best_before = g_build_filename(root, "best", NULL);
	char *best_target = tu_readlink(best_before);
	ckpt_run *run = open_fixture(&f, "nt3-lr0.01");
	ckpt_restart *out = NULL;
	g_assert_cmpint(ckpt_rollback(&out, run, 27, 0), ==, 0);
	tu_assert_link(root, "last", "epochs/027");
	tu_assert_link(root, "best", best_target);
	long epoch = 0;
	g_assert_cmpint(ckpt_link_resolve(root, "last", &epoch), ==, CKPT_LINK_OK);
	g_assert_cmpint(epoch, ==, 27);
	g_assert_true(ckpt_restart_resumed(out));
	g_assert_cmpint(ckpt_restart_epoch(out), ==, 27);
	g_assert_cmpfloat_with_epsilon(ckpt_restart_best_metric_last(out), 0.219003, 1e-9);
	char *model = epoch_path(root, 27, "model.h5");
	g_assert_cmpstr(ckpt_restart_model_path(out), ==, model);
	/* 0.2: and the epoch's ckpt-info.json, as a restart would read it. */
	char *info_path = epoch_path(root, 27, "ckpt-info.json");
	char *info_text = tu_read(info_path, NULL);
	g_assert_cmpstr(ckpt_restart_info_json(out), ==, info_text);
	g_free(info_text), g_free(info_path);
	ckpt_restart_free(out);
	char *log = g_build_filename(root, "ckpt.log", NULL);
	assert_log_has(log, "CandleCkpt: rollback: 'last' from epoch 30 to 27\n");
	assert_log_has(log, "CandleCkpt: linking: 'ckpts/last' -> 'ckpts/epochs/027'\n");
	ckpt_run_unref(run);
	g_free(log), g_free(model), g_free(best_target), g_free(best_before), g_free(root);
	tu_fixture_free(&f);
}

static void test_rollback_refuses_damaged_epochs_unless_forced(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "corrupt-nt3");
	ckpt_run *run = open_fixture(&f, "corrupt-nt3");
	char *before = snapshot(f.exp);
	static const struct {
		long epoch;
		const char *reason;
	} cases[] = {
	    {27, "checksum"},
	    {28, "checksum"},
	    {29, "ckpt-info.json"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		/* 0.2: a refusal --force overrides is CKPT_EREFUSED, and its message
		 * leaves the hint to the front end (no "--force" in it). */
		ckpt_restart *out = NULL;
		g_assert_cmpint(ckpt_rollback(&out, run, cases[i].epoch, 0), ==, CKPT_EREFUSED);
		char *what = g_strdup_printf("epoch %ld", cases[i].epoch);
		assert_error_has(what);
		assert_error_has(cases[i].reason);
		g_assert_true(
		    g_str_has_suffix(ckpt_error_last(), "; a forced rollback would still use it"));
		g_assert_null(strstr(ckpt_error_last(), "--force"));
		g_free(what);
		g_assert_null(out);
		g_assert_cmpint(ckpt_rollback(NULL, run, cases[i].epoch, CKPT_FLAG_DRY_RUN), ==,
				CKPT_EREFUSED);
	}
	char *after = snapshot(f.exp);
	g_assert_cmpstr(before, ==, after);

	ckpt_restart *out = NULL;
	g_assert_cmpint(ckpt_rollback(&out, run, 28, CKPT_FLAG_FORCE), ==, 0);
	tu_assert_link(root, "last", "epochs/028");
	g_assert_cmpint(ckpt_restart_epoch(out), ==, 28);
	ckpt_restart_free(out);
	g_assert_cmpint(ckpt_rollback(&out, run, 29, CKPT_FLAG_FORCE), ==, 0);
	tu_assert_link(root, "last", "epochs/029");
	/* no ckpt-info.json to take it from */
	g_assert_true(isnan(ckpt_restart_best_metric_last(out)));
	g_assert_null(ckpt_restart_info_json(out));
	ckpt_restart_free(out);
	ckpt_run_unref(run);
	g_free(before), g_free(after), g_free(root);
	tu_fixture_free(&f);
}

static void test_rollback_refuses_incomplete_epochs(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	char *model = epoch_path(root, 26, "model.h5");
	g_assert_cmpint(unlink(model), ==, 0);
	/* epoch 27 holds a ckpt-info.json that belongs to another epoch */
	char *info27 = epoch_path(root, 27, "ckpt-info.json");
	char *info28 = epoch_path(root, 28, "ckpt-info.json");
	char *text = tu_read(info28, NULL);
	tu_write(info27, text);
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpint(ckpt_rollback(NULL, run, 26, 0), ==, CKPT_EREFUSED);
	assert_error_has("model.h5");
	g_assert_cmpint(ckpt_rollback(NULL, run, 27, 0), ==, CKPT_EREFUSED);
	assert_error_has("says epoch 28");
	/* a disabled checksum is no reason to refuse */
	set_stored_checksum(root, 29, "__DISABLED__");
	char *model29 = epoch_path(root, 29, "model.h5");
	flip_byte(model29, 10);
	g_free(model29);
	g_assert_cmpint(ckpt_rollback(NULL, run, 29, 0), ==, 0);
	tu_assert_link(root, "last", "epochs/029");
	ckpt_run_unref(run);
	g_free(text), g_free(info27), g_free(info28), g_free(model), g_free(root);
	tu_fixture_free(&f);
}

static void test_rollback_dry_run_changes_nothing(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	ckpt_run *run = open_fixture(&f, "nt3-lr0.01");
	char *before = tu_snapshot_tree(f.exp);
	ckpt_restart *out = NULL;
	g_assert_cmpint(ckpt_rollback(&out, run, 26, CKPT_FLAG_DRY_RUN), ==, 0);
	g_assert_true(ckpt_restart_resumed(out));
	g_assert_cmpint(ckpt_restart_epoch(out), ==, 26);
	g_assert_true(g_str_has_suffix(ckpt_restart_model_path(out), "/ckpts/epochs/026/model.h5"));
	ckpt_restart_free(out);
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	ckpt_run_unref(run);
	g_free(before), g_free(after);
	tu_fixture_free(&f);
}

static void test_rollback_nonexistent_epoch(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	ckpt_run *run = open_fixture(&f, "nt3-lr0.01");
	char *before = tu_snapshot_tree(f.exp);
	g_assert_cmpint(ckpt_rollback(NULL, run, 12, 0), ==, CKPT_ENOENT);
	assert_error_has("epochs/012");
	g_assert_cmpint(ckpt_rollback(NULL, run, 0, CKPT_FLAG_FORCE), ==, CKPT_ENOENT);
	g_assert_cmpint(ckpt_rollback(NULL, run, -3, CKPT_FLAG_DRY_RUN), ==, CKPT_ENOENT);
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	ckpt_run_unref(run);
	g_free(before), g_free(after);
	tu_fixture_free(&f);
}

static void test_rollback_refused_while_locked(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_lock *lock = NULL;
	g_assert_cmpint(ckpt_lock_acquire(&lock, root), ==, 0);
	ckpt_run *run = tu_open_run(root);
	char *before = tu_snapshot_tree(f.exp);
	char *pid = g_strdup_printf("pid %ld", (long)getpid());
	g_assert_cmpint(ckpt_rollback(NULL, run, 27, 0), ==, CKPT_ELOCKED);
	assert_error_has(pid);
	g_assert_cmpint(ckpt_rollback(NULL, run, 27, CKPT_FLAG_DRY_RUN), ==, CKPT_ELOCKED);
	assert_error_has(pid);
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	ckpt_lock_release(lock);
	g_assert_cmpint(ckpt_rollback(NULL, run, 27, 0), ==, 0);
	ckpt_run_unref(run);
	g_free(pid), g_free(before), g_free(after), g_free(root);
	tu_fixture_free(&f);
}

/* ---- relink ----------------------------------------------------------- */

static char *expected_target(const cJSON *run_json, const char *key)
{
	const cJSON *epoch = cJSON_GetObjectItemCaseSensitive(run_json, key);
	if (!cJSON_IsNumber(epoch))
		return NULL;
	char name[32];
	ckpt_epoch_dir_name(name, (long)epoch->valuedouble);
	return g_strdup_printf("epochs/%s", name);
}

static void test_relink_every_fixture_run(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	cJSON *expect = tu_load_expect();
	const cJSON *run_json;
	cJSON_ArrayForEach(run_json, cJSON_GetObjectItemCaseSensitive(expect, "runs"))
	{
		const char *name = cJSON_GetObjectItemCaseSensitive(run_json, "name")->valuestring;
		ckpt_run *run = open_fixture(&f, name);
		const char *root = ckpt_run_root(run);
		char *best = expected_target(run_json, "best");
		char *last = expected_target(run_json, "last");
		int changed = -1;
		g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
		g_assert_cmpint(changed, ==, (best != NULL) + (last != NULL));
		g_test_message("%s: %d links rewritten", name, changed);
		long epoch;
		if (best) {
			tu_assert_link(root, "best", best);
			g_assert_cmpint(ckpt_link_resolve(root, "best", &epoch), ==, CKPT_LINK_OK);
		} else {
			g_assert_cmpint(ckpt_link_resolve(root, "best", &epoch), ==,
					CKPT_LINK_MISSING);
		}
		tu_assert_link(root, "last", last);
		g_assert_cmpint(ckpt_link_resolve(root, "last", &epoch), ==, CKPT_LINK_OK);
		bool legacy = ckpt_run_layout(run) == CKPT_LAYOUT_CANDLE_LEGACY;
		const char *label = legacy ? "save/ckpts" : "ckpts";
		char *line = g_strdup_printf("CandleCkpt: relink: '%s/last' -> '%s/%s'\n", label,
					     label, last);
		assert_log_has(ckpt_run_log_path(run), line);

		/* Already relative: a second relink changes nothing, not even the lock. */
		char *before = tu_snapshot_tree(f.exp);
		g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
		g_assert_cmpint(changed, ==, 0);
		char *after = tu_snapshot_tree(f.exp);
		g_assert_cmpstr(before, ==, after);
		g_free(before), g_free(after), g_free(line), g_free(best), g_free(last);
		ckpt_run_unref(run);
	}
	cJSON_Delete(expect);
	tu_fixture_free(&f);
}

static void test_relink_absolute_ok_link_and_lock(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_run *run = tu_open_run(root);
	/* An absolute target that does resolve here still breaks on the next copy. */
	char *last = g_build_filename(root, "last", NULL);
	char *absolute = epoch_path(ckpt_run_root(run), 29, NULL);
	g_assert_cmpint(unlink(last), ==, 0);
	g_assert_cmpint(symlink(absolute, last), ==, 0);
	long epoch = 0;
	g_assert_cmpint(ckpt_link_resolve(root, "last", &epoch), ==, CKPT_LINK_OK);

	ckpt_lock *lock = NULL;
	g_assert_cmpint(ckpt_lock_acquire(&lock, root), ==, 0);
	char *before = tu_snapshot_tree(f.exp);
	int changed = -1;
	g_assert_cmpint(ckpt_relink(&changed, run), ==, CKPT_ELOCKED);
	g_assert_cmpint(changed, ==, 0);
	char *after = tu_snapshot_tree(f.exp);
	g_assert_cmpstr(before, ==, after);
	ckpt_lock_release(lock);

	g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
	g_assert_cmpint(changed, ==, 2);
	tu_assert_link(root, "last", "epochs/029");
	tu_assert_link(root, "best", "epochs/028");
	ckpt_run_unref(run);
	g_free(before), g_free(after), g_free(absolute), g_free(last), g_free(root);
	tu_fixture_free(&f);
}

/* ---- links into the original copy of a copied run ---------------------- */

static void copy_tree(const char *from, const char *to)
{
	const char *argv[] = {"cp", "-a", from, to, NULL};
	tu_run_ok(argv);
}

static void point_link(const char *root, const char *name, const char *target)
{
	char *path = g_build_filename(root, name, NULL);
	g_assert_cmpint(unlink(path), ==, 0);
	g_assert_cmpint(symlink(target, path), ==, 0);
	g_free(path);
}

/* `cp -a nt3-lr0.01 t3`, with best and last pointing (absolutely) into the
 * original, which still exists: t3's own epochs 28 and 30 must be shown,
 * kept by clean and made relative by relink; the original is never touched. */
static void test_links_into_original_copy(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *orig = g_build_filename(f.exp, "nt3-lr0.01", NULL);
	char *orig_root = root_of(&f, "nt3-lr0.01");
	char *t3 = g_build_filename(f.dir, "t3", NULL);
	copy_tree(orig, t3);
	char *root = g_build_filename(t3, "ckpts", NULL);
	char *into28 = epoch_path(orig_root, 28, NULL), *into30 = epoch_path(orig_root, 30, NULL);
	point_link(root, "best", into28);
	point_link(root, "last", into30);
	char *orig_before = tu_snapshot_tree(orig);

	ckpt_run *run = tu_open_run(t3);
	g_assert_cmpint(ckpt_run_best(run), ==, 28);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_best_state(run)), ==, "outside");
	g_assert_cmpint(ckpt_run_last(run), ==, 30);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_last_state(run)), ==, "outside");
	char *text = NULL;
	g_assert_cmpint(ckpt_run_to_json(&text, run, 0), ==, 0);
	cJSON *json = cJSON_Parse(text);
	g_assert_cmpint((long)cJSON_GetNumberValue(cJSON_GetObjectItem(json, "best")), ==, 28);
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "last_state")), ==,
			"outside");
	cJSON_Delete(json);
	ckpt_free(text);

	ckpt_clean_plan *plan = plan_run(run, 1, CKPT_KEEP_LINEAR);
	static const char *const reasons[] = {"beyond-limit", "beyond-limit", "best",
					      "beyond-limit", "last"};
	for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++)
		assert_item(plan, i, 26 + (long)i, reasons[i]);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	ckpt_clean_plan_free(plan);
	g_assert_true(epoch_exists(root, 28));
	g_assert_true(epoch_exists(root, 30));
	g_assert_false(epoch_exists(root, 29));

	int changed = -1;
	g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
	g_assert_cmpint(changed, ==, 2);
	tu_assert_link(root, "best", "epochs/028");
	tu_assert_link(root, "last", "epochs/030");
	char *log = g_build_filename(root, "ckpt.log", NULL);
	assert_log_has(log, "CandleCkpt: relink: 'ckpts/best' -> 'ckpts/epochs/028'\n");
	ckpt_run_unref(run);

	/* Outside, naming an epoch t3 no longer has: shown as outside with no
	 * epoch, and left alone by relink (there is nothing to point it at). */
	char *into26 = epoch_path(orig_root, 26, NULL);
	point_link(root, "best", into26);
	run = tu_open_run(t3);
	g_assert_cmpint(ckpt_run_best(run), ==, 0);
	g_assert_cmpint(ckpt_run_best_state(run), ==, CKPT_LINK_OUTSIDE);
	g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
	g_assert_cmpint(changed, ==, 0);
	tu_assert_link(root, "best", into26);
	/* A roll back from an outside last says which of our epochs it left. */
	point_link(root, "last", into30);
	g_assert_cmpint(ckpt_rollback(NULL, run, 28, 0), ==, 0);
	tu_assert_link(root, "last", "epochs/028");
	assert_log_has(log, "CandleCkpt: rollback: 'last' from epoch 30 to 28\n");
	ckpt_run_unref(run);

	char *orig_after = tu_snapshot_tree(orig);
	g_assert_cmpstr(orig_before, ==, orig_after);
	g_free(orig_before), g_free(orig_after), g_free(into26), g_free(log);
	g_free(into28), g_free(into30), g_free(root), g_free(t3), g_free(orig_root), g_free(orig);
	tu_fixture_free(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	use_private_cache();
	g_test_add_func("/ckpt/ops/rollback/last-becomes-relative-and-logged",
			test_rollback_points_last_relative_and_logs);
	g_test_add_func("/ckpt/ops/rollback/damaged-epochs-refused-unless-forced",
			test_rollback_refuses_damaged_epochs_unless_forced);
	g_test_add_func("/ckpt/ops/rollback/incomplete-epochs-refused-disabled-checksum-allowed",
			test_rollback_refuses_incomplete_epochs);
	g_test_add_func("/ckpt/ops/rollback/dry-run-changes-nothing",
			test_rollback_dry_run_changes_nothing);
	g_test_add_func("/ckpt/ops/rollback/nonexistent-epoch-not-found",
			test_rollback_nonexistent_epoch);
	g_test_add_func("/ckpt/ops/rollback/refused-while-writer-holds-lock",
			test_rollback_refused_while_locked);
	g_test_add_func("/ckpt/ops/relink/fixture-runs-become-relative-then-no-op",
			test_relink_every_fixture_run);
	g_test_add_func("/ckpt/ops/relink/absolute-ok-link-rewritten-and-lock-refused",
			test_relink_absolute_ok_link_and_lock);
	g_test_add_func("/ckpt/ops/links/absolute-into-original-copy-shown-kept-and-relinked",
			test_links_into_original_copy);
	return g_test_run();
}
