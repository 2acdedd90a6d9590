/* test-verify.c: verify on the original's fixture runs and damaged copies:
 * results match candle-runs.expect.json, one epoch or all, progress and
 * cancel, SHA-256, unreadable, vanished and foreign epochs. */
#include "internal.h"
#include "ops-fixture.h"
#include "testutil.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- verify ----------------------------------------------------------- */

static void test_verify_fixtures_match_expect(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	cJSON *expect = tu_load_expect();
	const cJSON *runs = cJSON_GetObjectItemCaseSensitive(expect, "runs");
	g_assert_cmpint(cJSON_GetArraySize(runs), ==, 7);
	const cJSON *run_json;
	cJSON_ArrayForEach(run_json, runs)
	{
		const char *name = cJSON_GetObjectItemCaseSensitive(run_json, "name")->valuestring;
		const cJSON *verify = cJSON_GetObjectItemCaseSensitive(run_json, "verify");
		ckpt_run *run = open_fixture(&f, name);
		size_t n = ckpt_run_epoch_count(run);
		g_assert_cmpint((int)n, ==, cJSON_GetArraySize(verify));
		ckpt_verify_result *results = g_new0(ckpt_verify_result, n);
		g_assert_cmpint(ckpt_verify_run(results, run, NULL), ==, 0);
		for (size_t i = 0; i < n; i++) {
			const cJSON *item = cJSON_GetArrayItem(verify, (int)i);
			long epoch =
			    (long)cJSON_GetObjectItemCaseSensitive(item, "epoch")->valuedouble;
			const char *want =
			    cJSON_GetObjectItemCaseSensitive(item, "result")->valuestring;
			g_test_message("%s epoch %ld: %s", name, epoch,
				       ckpt_verify_result_name(results[i]));
			g_assert_cmpint(ckpt_epoch_number(ckpt_run_epoch(run, i)), ==, epoch);
			g_assert_cmpstr(ckpt_verify_result_name(results[i]), ==, want);
		}
		g_free(results);
		ckpt_run_unref(run);
	}
	cJSON_Delete(expect);
	tu_fixture_free(&f);
}

static void test_verify_single_epoch(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	ckpt_run *run = open_fixture(&f, "corrupt-nt3");
	static const struct {
		long epoch;
		const char *result;
	} cases[] = {
	    {26, "ok"}, {27, "mismatch"}, {28, "mismatch"}, {29, "no-info"}, {30, "ok"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		ckpt_verify_result result = CKPT_VERIFY_UNREADABLE;
		g_assert_cmpint(ckpt_verify_epoch(&result, run, cases[i].epoch, NULL), ==, 0);
		g_assert_cmpstr(ckpt_verify_result_name(result), ==, cases[i].result);
	}
	ckpt_verify_result result;
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 25, NULL), ==, CKPT_ENOENT);
	assert_error_has("25");
	ckpt_run_unref(run);
	tu_fixture_free(&f);
}

static void test_verify_progress_and_cancel(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	ckpt_run *run = open_fixture(&f, "nt3-lr0.01");
	size_t n = ckpt_run_epoch_count(run);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += (uint64_t)ckpt_epoch_model_bytes(ckpt_run_epoch(run, i));
	ckpt_verify_result results[8];
	progress_log log = {0};
	volatile int cancel = 0;
	ckpt_progress progress = {record_progress, &log, &cancel};
	g_assert_cmpint(ckpt_verify_run(results, run, &progress), ==, 0);
	g_assert_cmpint(log.calls, >=, (int)n);
	g_assert_cmpstr(log.first_stage, ==, "verify 026");
	g_assert_false(log.went_back);
	g_assert_cmpuint(log.last_done, ==, total);
	g_assert_cmpuint(log.last_total, ==, total);
	/* 0.2: the items are the epochs. */
	g_assert_cmpuint(log.last_items_done, ==, n);
	g_assert_cmpuint(log.last_items_total, ==, n);

	memset(&log, 0, sizeof log);
	g_assert_cmpint(ckpt_verify_epoch(&results[0], run, 28, &progress), ==, 0);
	g_assert_cmpstr(log.first_stage, ==, "verify 028");
	g_assert_cmpuint(log.last_done, ==, 262144);

	cancel = 1;
	g_assert_cmpint(ckpt_verify_run(results, run, &progress), ==, CKPT_ECANCELLED);
	g_assert_cmpint(ckpt_verify_epoch(&results[0], run, 28, &progress), ==, CKPT_ECANCELLED);
	ckpt_run_unref(run);
	tu_fixture_free(&f);
}

static void test_verify_sha256_ok_then_mismatch(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	char *model = epoch_path(root, 29, "model.h5");
	char sum[80];
	g_assert_cmpint(ckpt_checksum_file(sum, model, CKPT_CHECKSUM_SHA256, NULL), ==, 0);
	g_assert_true(g_str_has_prefix(sum, "sha256:"));
	set_stored_checksum(root, 29, sum);
	ckpt_run *run = tu_open_run(root);
	ckpt_verify_result result = CKPT_VERIFY_UNREADABLE;
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 29, NULL), ==, 0);
	g_assert_cmpstr(ckpt_verify_result_name(result), ==, "ok");
	flip_byte(model, 1000);
	/* The snapshot is not refreshed: verify reads the files as they are now. */
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 29, NULL), ==, 0);
	g_assert_cmpstr(ckpt_verify_result_name(result), ==, "mismatch");
	ckpt_run_unref(run);
	g_free(model), g_free(root);
	tu_fixture_free(&f);
}

static void test_verify_unknown_disabled_and_missing(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	set_stored_checksum(root, 26, "md5:0123456789abcdef");
	set_stored_checksum(root, 27, "__DISABLED__");
	char *model = epoch_path(root, 28, "model.h5");
	g_assert_cmpint(unlink(model), ==, 0);
	char *model30 = epoch_path(root, 30, "model.h5");
	g_assert_cmpint(unlink(model30), ==, 0);
	g_assert_cmpint(mkdir(model30, 0755), ==, 0);
	ckpt_run *run = tu_open_run(root);
	ckpt_verify_result results[5];
	g_assert_cmpint(ckpt_verify_run(results, run, NULL), ==, 0);
	/* An unknown form cannot vouch for the model: not "no-checksum". */
	g_assert_cmpstr(ckpt_verify_result_name(results[0]), ==, "mismatch");
	g_assert_cmpstr(ckpt_verify_result_name(results[1]), ==, "no-checksum");
	g_assert_cmpstr(ckpt_verify_result_name(results[2]), ==, "missing-model");
	g_assert_cmpstr(ckpt_verify_result_name(results[3]), ==, "ok");
	g_assert_cmpstr(ckpt_verify_result_name(results[4]), ==, "missing-model");
	ckpt_run_unref(run);
	g_free(model), g_free(model30), g_free(root);
	tu_fixture_free(&f);
}

typedef struct remove_at_stage {
	int64_t epoch; /* when verify first reports this epoch... */
	char *dir;     /* ...this directory is removed, as live retention does */
	bool removed;
} remove_at_stage;

static int remove_when_reached(const ckpt_progress_event *event, void *payload)
{
	remove_at_stage *r = payload;
	if (!r->removed && event->stage == CKPT_STAGE_VERIFY && event->epoch == r->epoch) {
		tu_rmtree(r->dir);
		r->removed = true;
	}
	return 0;
}

static void test_verify_epoch_removed_meanwhile_is_gone(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	ckpt_run *run = tu_open_run(root);
	/* Removed after the snapshot was taken, and while verify runs. */
	char *e26 = epoch_path(root, 26, NULL);
	tu_rmtree(e26);
	remove_at_stage r = {27, epoch_path(root, 29, NULL), false};
	ckpt_progress progress = {remove_when_reached, &r, NULL};
	ckpt_verify_result results[5];
	g_assert_cmpint(ckpt_verify_run(results, run, &progress), ==, 0);
	g_assert_true(r.removed);
	static const char *const want[] = {"gone", "ok", "ok", "gone", "ok"};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpstr(ckpt_verify_result_name(results[i]), ==, want[i]);
	ckpt_verify_result result = CKPT_VERIFY_OK;
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 26, NULL), ==, 0);
	g_assert_cmpint(result, ==, CKPT_VERIFY_GONE);
	/* An epoch that is there but has lost its files is still damage. */
	char *info = epoch_path(root, 30, "ckpt-info.json");
	g_assert_cmpint(unlink(info), ==, 0);
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 30, NULL), ==, 0);
	g_assert_cmpstr(ckpt_verify_result_name(result), ==, "no-info");
	ckpt_run_unref(run);
	g_free(info), g_free(r.dir), g_free(e26), g_free(root);
	tu_fixture_free(&f);
}

static void copy_file(const char *from, const char *to)
{
	gsize len = 0;
	char *bytes = tu_read(from, &len);
	g_assert_nonnull(bytes);
	tu_write_bytes(to, bytes, len);
	g_free(bytes);
}

static void test_verify_info_of_another_epoch_is_no_info(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *root = root_of(&f, "nt3-lr0.01");
	/* epochs/010 holding epoch 27's files: its checksum matches, but it
	 * vouches for epoch 27, not for 10. */
	char *dir = epoch_path(root, 10, NULL);
	g_assert_cmpint(mkdir(dir, 0755), ==, 0);
	static const char *const files[] = {"model.h5", "ckpt-info.json"};
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		char *from = epoch_path(root, 27, files[i]), *to = epoch_path(root, 10, files[i]);
		copy_file(from, to);
		g_free(from), g_free(to);
	}
	ckpt_run *run = tu_open_run(root);
	ckpt_verify_result result = CKPT_VERIFY_OK;
	g_assert_cmpint(ckpt_verify_epoch(&result, run, 10, NULL), ==, 0);
	g_assert_cmpstr(ckpt_verify_result_name(result), ==, "no-info");
	ckpt_verify_result results[6];
	g_assert_cmpint(ckpt_verify_run(results, run, NULL), ==, 0);
	g_assert_cmpint(ckpt_epoch_number(ckpt_run_epoch(run, 0)), ==, 10);
	g_assert_cmpstr(ckpt_verify_result_name(results[0]), ==, "no-info");
	g_assert_cmpstr(ckpt_verify_result_name(results[2]), ==, "ok");
	/* 0.2: a refusal that --force overrides is CKPT_EREFUSED. */
	g_assert_cmpint(ckpt_rollback(NULL, run, 10, 0), ==, CKPT_EREFUSED);
	ckpt_run_unref(run);
	g_free(dir), g_free(root);
	tu_fixture_free(&f);
}

static int verify_as_child(int *results, size_t n, void *payload)
{
	ckpt_run *run = NULL;
	if (n < 6 || ckpt_run_open(&run, payload) != 0)
		return 0;
	ckpt_verify_result verify[5];
	int rc = ckpt_verify_run(verify, run, NULL);
	ckpt_run_unref(run);
	if (rc)
		return 0;
	results[0] = rc;
	for (size_t i = 0; i < 5; i++)
		results[i + 1] = (int)verify[i];
	return 6;
}

static void test_verify_unreadable_model(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	g_assert_cmpint(chmod(f.dir, 0755), ==, 0);
	char *root = root_of(&f, "nt3-lr0.01");
	char *model = epoch_path(root, 27, "model.h5");
	g_assert_cmpint(chmod(model, 0), ==, 0);
	int results[6];
	g_assert_cmpuint(tu_run_unprivileged(verify_as_child, root, results, 6), ==, 6);
	g_assert_cmpstr(ckpt_verify_result_name(results[1]), ==, "ok");
	g_assert_cmpstr(ckpt_verify_result_name(results[2]), ==, "unreadable");
	g_assert_cmpstr(ckpt_verify_result_name(results[3]), ==, "ok");
	g_free(model), g_free(root);
	tu_fixture_free(&f);
}

/* A whole epoch directory closed to us is a permission error: unreadable,
 * not the no-info of a missing or broken ckpt-info.json. */
static void test_verify_unreadable_epoch_dir(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	g_assert_cmpint(chmod(f.dir, 0755), ==, 0);
	char *root = root_of(&f, "nt3-lr0.01");
	char *dir = epoch_path(root, 28, NULL);
	g_assert_cmpint(chmod(dir, 0), ==, 0);
	int results[6];
	g_assert_cmpuint(tu_run_unprivileged(verify_as_child, root, results, 6), ==, 6);
	g_assert_cmpint(chmod(dir, 0755), ==, 0);
	g_assert_cmpstr(ckpt_verify_result_name(results[2]), ==, "ok");
	g_assert_cmpstr(ckpt_verify_result_name(results[3]), ==, "unreadable");
	g_free(dir), g_free(root);
	tu_fixture_free(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	use_private_cache();
	g_test_add_func("/ckpt/ops/verify/unreadable-epoch-dir", test_verify_unreadable_epoch_dir);
	g_test_add_func("/ckpt/ops/verify/fixtures-match-expect-json",
			test_verify_fixtures_match_expect);
	g_test_add_func("/ckpt/ops/verify/single-epoch-results-and-unknown-epoch",
			test_verify_single_epoch);
	g_test_add_func("/ckpt/ops/verify/progress-over-run-bytes-and-cancel",
			test_verify_progress_and_cancel);
	g_test_add_func("/ckpt/ops/verify/sha256-ok-then-mismatch-after-bit-flip",
			test_verify_sha256_ok_then_mismatch);
	g_test_add_func("/ckpt/ops/verify/unknown-form-mismatch-disabled-no-checksum-missing-model",
			test_verify_unknown_disabled_and_missing);
	g_test_add_func("/ckpt/ops/verify/permission-denied-model-is-unreadable",
			test_verify_unreadable_model);
	g_test_add_func("/ckpt/ops/verify/epoch-removed-meanwhile-is-gone",
			test_verify_epoch_removed_meanwhile_is_gone);
	g_test_add_func("/ckpt/ops/verify/info-of-another-epoch-is-no-info",
			test_verify_info_of_another_epoch_is_no_info);
	return g_test_run();
}
