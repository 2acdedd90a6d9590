/* test-clean-integrity.c: the browser's clean plan and what it knows of
 * damage (clean-plan.c): a damaged best or last keeps an intact stand-in,
 * the last intact epoch is never deleted, the run's own limit or a guess,
 * the --json form, and applying deletes exactly what was planned. */
#include "api-fixture.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <unistd.h>

static ckpt_clean_plan *plan_of(const ckpt_run *run, int64_t limit, ckpt_keep_mode mode)
{
	ckpt_clean_plan *plan = NULL;
	int rc = ckpt_clean_plan_new(&plan, run, limit, mode);
	if (rc)
		g_test_message("plan: %s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	return plan;
}

/* The plan, as "26:best-intact 27:beyond-limit ...". Caller g_free()s. */
static char *plan_text(const ckpt_clean_plan *plan)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < ckpt_clean_plan_count(plan); i++) {
		g_string_append_printf(s, "%s%lld:%s", i ? " " : "",
				       (long long)ckpt_clean_plan_epoch(plan, i),
				       ckpt_clean_reason_name(ckpt_clean_plan_reason(plan, i)));
		bool delete = ckpt_clean_plan_reason(plan, i) == CKPT_CLEAN_DELETE;
		g_assert_cmpint(ckpt_clean_plan_keeps(plan, i), ==, !delete);
	}
	return g_string_free(s, FALSE);
}

static void assert_plan(const ckpt_clean_plan *plan, const char *expected)
{
	char *got = plan_text(plan);
	g_assert_cmpstr(got, ==, expected);
	g_free(got);
}

static void assert_note_has(const ckpt_clean_plan *plan, const char *part)
{
	const char *note = ckpt_clean_plan_note(plan);
	if (!note || !strstr(note, part))
		g_error("note '%s' lacks '%s'", note ? note : "(null)", part);
}

/* Verifies every epoch (remembered), then reads the run again. */
static ckpt_run *verified(const char *root)
{
	ckpt_run *run = tu_open_run(root);
	ckpt_verify_result *results = g_new0(ckpt_verify_result, ckpt_run_epoch_count(run) + 1);
	g_assert_cmpint(ckpt_verify_run(results, run, NULL), ==, 0);
	g_free(results);
	ckpt_run_unref(run);
	return tu_open_run(root);
}

/* A libckpt run of the values (keep all); damaged epochs get a flipped byte. */
static char *make_run(const char *dir, const double *values, int n, const long *damaged,
		      size_t n_damaged)
{
	char *root = g_build_filename(dir, "run", "ckpts", NULL);
	af_save(root, values, n, "ckpt_keep_mode", "all", NULL);
	for (size_t i = 0; i < n_damaged; i++) {
		char *model = af_epoch_path(root, damaged[i], "model.h5");
		af_flip_byte(model, 200);
		g_free(model);
	}
	return root;
}

static void test_corrupt_fixture(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *cache = g_build_filename(f.dir, "cache", NULL);
	g_setenv("XDG_CACHE_HOME", cache, TRUE);
	char *root = af_fixture_root(&f, "corrupt-nt3");
	ckpt_run *before = tu_open_run(root);
	ckpt_clean_plan *blind = plan_of(before, 1, CKPT_KEEP_LINEAR);
	g_assert_cmpuint(ckpt_clean_plan_unverified_count(blind), ==, 5);
	ckpt_clean_plan_free(blind);

	ckpt_run *run = verified(root);
	ckpt_clean_plan *plan = plan_of(run, 1, CKPT_KEEP_LINEAR);
	/* 30 is last, 28 best but truncated: the best intact one stays too. */
	assert_plan(plan, "26:best-intact 27:beyond-limit 28:best 29:beyond-limit 30:last");
	const ckpt_epoch_state health[] = {CKPT_EPOCH_OK, CKPT_EPOCH_DAMAGED, CKPT_EPOCH_DAMAGED,
					   CKPT_EPOCH_INCOMPLETE, CKPT_EPOCH_OK};
	for (size_t i = 0; i < 5; i++)
		g_assert_cmpint(ckpt_clean_plan_health(plan, i), ==, health[i]);
	assert_note_has(plan, "best's epoch 28 is damaged");
	assert_note_has(plan, "(26)");
	g_assert_cmpuint(ckpt_clean_plan_unverified_count(plan), ==, 0);
	g_assert_cmpuint(ckpt_clean_plan_delete_count(plan), ==, 2);
	g_assert_cmpuint(ckpt_clean_plan_bytes_freed(plan), ==,
			 ckpt_clean_plan_bytes(plan, 1) + ckpt_clean_plan_bytes(plan, 3));
	g_assert_cmpuint(ckpt_clean_plan_bytes(plan, 1), >, 0);
	g_assert_cmpint(ckpt_clean_plan_keep_limit(plan), ==, 1);
	g_assert_cmpint(ckpt_clean_plan_mode(plan), ==, CKPT_KEEP_LINEAR);
	g_assert_false(ckpt_clean_plan_limit_is_runs_own(plan));
	g_assert_false(ckpt_clean_plan_limit_is_guess(plan));
	g_assert_true(ckpt_clean_plan_removes_work(plan));
	g_assert_true(ckpt_clean_plan_run(plan) == run);
	/* 26 is the intact epoch with the best val_loss. */
	double v26 = 0, v30 = 0;
	g_assert_true(ckpt_epoch_metric(&v26, ckpt_run_find_epoch(run, 26)));
	g_assert_true(ckpt_epoch_metric(&v30, ckpt_run_find_epoch(run, 30)));
	g_assert_cmpfloat(v26, <, v30);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	ckpt_run_unref(before);
	g_free(root);
	g_free(cache);
	tu_fixture_free(&f);
}

static void test_damaged_last(void)
{
	char *dir = af_tree_new();
	const double values[] = {0.5, 0.2, 0.4, 0.45, 0.48};
	const long damaged[] = {5};
	char *root = make_run(dir, values, 5, damaged, 1);
	ckpt_run *run = verified(root);
	g_assert_cmpint(ckpt_run_best(run), ==, 2);
	g_assert_cmpint(ckpt_run_last(run), ==, 5);
	ckpt_clean_plan *plan = plan_of(run, 1, CKPT_KEEP_LINEAR);
	assert_plan(plan, "1:beyond-limit 2:best 3:beyond-limit 4:newest-intact 5:last");
	assert_note_has(plan, "last's epoch 5 is damaged");
	assert_note_has(plan, "(4)");
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

static void test_last_intact_never_deleted(void)
{
	char *dir = af_tree_new();
	const double values[] = {0.5, 0.4, 0.3, 0.2, 0.1};
	const long damaged[] = {2, 3, 4, 5};
	char *root = make_run(dir, values, 5, damaged, 4);
	ckpt_run *run = verified(root);
	g_assert_cmpint(ckpt_run_best(run), ==, 5);
	ckpt_clean_plan *plan = plan_of(run, 1, CKPT_KEEP_LINEAR);
	assert_plan(plan, "1:newest-intact 2:beyond-limit 3:beyond-limit 4:beyond-limit 5:last");
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);

	/* Without best and last, the limit alone would keep only damaged 5. */
	const char *links[] = {"best", "last"};
	for (size_t i = 0; i < 2; i++) {
		char *link = g_build_filename(root, links[i], NULL);
		g_assert_cmpint(unlink(link), ==, 0);
		g_free(link);
	}
	run = tu_open_run(root);
	plan = plan_of(run, 1, CKPT_KEEP_LINEAR);
	assert_plan(plan, "1:newest-intact 2:beyond-limit 3:beyond-limit 4:beyond-limit 5:limit");
	assert_note_has(plan, "epoch 1, the newest intact one, stays: no other would remain");
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

/* ---- whose limit ---------------------------------------------------------- */

static const char *limit_source(const ckpt_clean_plan *plan)
{
	static char source[32];
	char *text = NULL;
	g_assert_cmpint(ckpt_clean_plan_to_json(&text, plan, 0), ==, 0);
	cJSON *json = cJSON_Parse(text);
	g_assert_nonnull(json);
	g_strlcpy(source, cJSON_GetStringValue(cJSON_GetObjectItem(json, "limit_source")),
		  sizeof source);
	cJSON_Delete(json);
	ckpt_free(text);
	return source;
}

static void test_runs_own_limit(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	const double values[] = {0.5, 0.4, 0.3, 0.2, 0.1};
	af_save(root, values, 5, "epochs", "6", "ckpt_keep_mode", "all", NULL);
	/* A restart with a limit of 2: it cleans only its own epochs, so 1-5 stay. */
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, "epochs", "6", "ckpt_keep_limit", "2", NULL);
	ckpt_restart *r = NULL;
	g_assert_cmpint(ckpt_writer_restart(&r, w), ==, 0);
	ckpt_restart_free(r);
	af_epoch(w, 6, '-', 0.05);
	ckpt_writer_free(w);
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 6);
	ckpt_clean_plan *plan = plan_of(run, 0, CKPT_KEEP_RUNS_OWN);
	g_assert_cmpint(ckpt_clean_plan_keep_limit(plan), ==, 2);
	g_assert_cmpint(ckpt_clean_plan_mode(plan), ==, CKPT_KEEP_LINEAR);
	g_assert_true(ckpt_clean_plan_limit_is_runs_own(plan));
	g_assert_false(ckpt_clean_plan_limit_is_guess(plan));
	g_assert_cmpstr(limit_source(plan), ==, "run");
	assert_plan(plan, "1:beyond-limit 2:beyond-limit 3:beyond-limit 4:beyond-limit 5:limit "
			  "6:last");
	ckpt_clean_plan_free(plan);
	/* A limit given: not the run's own, the mode still is. */
	plan = plan_of(run, 4, CKPT_KEEP_RUNS_OWN);
	g_assert_cmpint(ckpt_clean_plan_keep_limit(plan), ==, 4);
	g_assert_cmpint(ckpt_clean_plan_mode(plan), ==, CKPT_KEEP_LINEAR);
	g_assert_false(ckpt_clean_plan_limit_is_runs_own(plan));
	g_assert_false(ckpt_clean_plan_limit_is_guess(plan));
	g_assert_cmpstr(limit_source(plan), ==, "given");
	g_assert_cmpuint(ckpt_clean_plan_delete_count(plan), ==, 2);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

static void test_fixture_limit_is_guess(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	g_setenv("XDG_CACHE_HOME", f.dir, TRUE);
	char *root = af_fixture_root(&f, "tc1-acc");
	ckpt_run *run = tu_open_run(root);
	ckpt_clean_plan *plan = plan_of(run, 0, CKPT_KEEP_RUNS_OWN);
	g_assert_cmpint(ckpt_clean_plan_keep_limit(plan), ==, 5);
	g_assert_cmpint(ckpt_clean_plan_mode(plan), ==, CKPT_KEEP_LINEAR);
	g_assert_true(ckpt_clean_plan_limit_is_guess(plan));
	g_assert_false(ckpt_clean_plan_limit_is_runs_own(plan));
	g_assert_cmpstr(limit_source(plan), ==, "default");
	g_assert_cmpuint(ckpt_clean_plan_delete_count(plan), ==, 0);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root);
	tu_fixture_free(&f);
}

/* ---- the --json form and applying -------------------------------------- */

static void test_plan_json(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	g_setenv("XDG_CACHE_HOME", f.dir, TRUE);
	char *root = af_fixture_root(&f, "corrupt-nt3");
	ckpt_run *run = verified(root);
	ckpt_clean_plan *plan = plan_of(run, 1, CKPT_KEEP_LINEAR);
	char *text = NULL;
	g_assert_cmpint(ckpt_clean_plan_to_json(&text, plan, CKPT_JSON_PRETTY), ==, 0);
	cJSON *json = cJSON_Parse(text);
	g_assert_nonnull(json);
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "run")), ==,
			ckpt_run_name(run));
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "path")), ==,
			ckpt_run_root(run));
	g_assert_cmpfloat(cJSON_GetNumberValue(cJSON_GetObjectItem(json, "keep_limit")), ==, 1);
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "mode")), ==, "linear");
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "limit_source")), ==,
			"given");
	g_assert_cmpfloat(cJSON_GetNumberValue(cJSON_GetObjectItem(json, "delete_count")), ==, 2);
	g_assert_cmpfloat(cJSON_GetNumberValue(cJSON_GetObjectItem(json, "bytes_freed")), ==,
			  (double)ckpt_clean_plan_bytes_freed(plan));
	g_assert_true(cJSON_IsTrue(cJSON_GetObjectItem(json, "removes_work")));
	g_assert_cmpfloat(cJSON_GetNumberValue(cJSON_GetObjectItem(json, "unverified")), ==, 0);
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "note")), ==,
			ckpt_clean_plan_note(plan));
	g_assert_null(cJSON_GetObjectItem(json, "applied"));
	const cJSON *items = cJSON_GetObjectItem(json, "plan");
	g_assert_cmpint(cJSON_GetArraySize(items), ==, 5);
	for (int i = 0; i < 5; i++) {
		const cJSON *item = cJSON_GetArrayItem(items, i);
		g_assert_cmpfloat(cJSON_GetNumberValue(cJSON_GetObjectItem(item, "epoch")), ==,
				  (double)ckpt_clean_plan_epoch(plan, (size_t)i));
		g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(item, "action")), ==,
				ckpt_clean_plan_keeps(plan, (size_t)i) ? "keep" : "delete");
		g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(item, "reason")), ==,
				ckpt_clean_reason_name(ckpt_clean_plan_reason(plan, (size_t)i)));
		g_assert_cmpfloat(cJSON_GetNumberValue(cJSON_GetObjectItem(item, "bytes")), ==,
				  (double)ckpt_clean_plan_bytes(plan, (size_t)i));
		g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(item, "health")), ==,
				ckpt_epoch_state_name(ckpt_clean_plan_health(plan, (size_t)i)));
	}
	cJSON_Delete(json);
	ckpt_free(text);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root);
	tu_fixture_free(&f);
}

static void test_apply_deletes_exactly_planned(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	g_setenv("XDG_CACHE_HOME", f.dir, TRUE);
	char *root = af_fixture_root(&f, "corrupt-nt3");
	ckpt_run *run = verified(root);
	ckpt_clean_plan *plan = plan_of(run, 1, CKPT_KEEP_LINEAR);
	char *kept[3];
	const long keep[] = {26, 28, 30};
	for (size_t i = 0; i < 3; i++) {
		char *path = af_epoch_path(root, keep[i], NULL);
		kept[i] = tu_snapshot_tree(path);
		g_free(path);
	}
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	char *epochs = g_build_filename(root, "epochs", NULL);
	g_assert_cmpuint(af_dir_count(epochs), ==, 3);
	for (size_t i = 0; i < 3; i++) {
		char *path = af_epoch_path(root, keep[i], NULL);
		char *now = tu_snapshot_tree(path);
		g_assert_cmpstr(now, ==, kept[i]);
		g_free(now);
		g_free(path);
		g_free(kept[i]);
	}
	char *work = g_build_filename(root, "work", NULL);
	g_assert_false(tu_exists(work));
	ckpt_run *after = tu_open_run(root);
	g_assert_cmpint(ckpt_run_best(after), ==, 28);
	g_assert_cmpint(ckpt_run_last(after), ==, 30);
	ckpt_run_unref(after);
	g_free(work);
	g_free(epochs);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root);
	tu_fixture_free(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/clean/integrity/corrupt-fixture-keeps-intact-stand-ins",
			test_corrupt_fixture);
	g_test_add_func("/ckpt/clean/integrity/damaged-last-keeps-newest-intact",
			test_damaged_last);
	g_test_add_func("/ckpt/clean/integrity/last-intact-epoch-never-deleted",
			test_last_intact_never_deleted);
	g_test_add_func("/ckpt/clean/limit/zero-takes-runs-own", test_runs_own_limit);
	g_test_add_func("/ckpt/clean/limit/original-run-is-a-guess", test_fixture_limit_is_guess);
	g_test_add_func("/ckpt/clean/json/keys-match-plan", test_plan_json);
	g_test_add_func("/ckpt/clean/apply/deletes-exactly-the-planned-epochs",
			test_apply_deletes_exactly_planned);
	return g_test_run();
}
