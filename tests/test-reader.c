/* test-reader.c: reading runs: the fixtures written by CANDLE's original,
 * checked field by field against candle-runs.expect.json through both the
 * API and the JSON; locating runs by folder or root, and scanning trees. */
#include "internal.h"
#include "reader-fixture.h"
#include "testutil.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- comparing with candle-runs.expect.json ------------------------------ */

static const char *const run_keys[] = {"name", "layout",     "best",          "best_state",
				       "last", "last_state", "work_leftover", "stray"};
static const char *const epoch_keys[] = {
    "epoch", "dir", "model_bytes", "info", "best_metric_last", "checksum", "timestamp", "metric"};

static cJSON *number_or_null(bool has, double value)
{
	if (!has)
		return cJSON_CreateNull();
	if (isnan(value))
		return cJSON_CreateString("nan");
	if (isinf(value))
		return cJSON_CreateString(value > 0 ? "inf" : "-inf");
	return cJSON_CreateNumber(value);
}

static cJSON *string_or_null(const char *text)
{
	return text ? cJSON_CreateString(text) : cJSON_CreateNull();
}

/* The run as seen through the C API, in the shape of expect.json. */
static cJSON *run_from_api(const ckpt_run *run)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", ckpt_run_name(run));
	cJSON_AddStringToObject(o, "layout", ckpt_layout_name(ckpt_run_layout(run)));
	cJSON_AddItemToObject(o, "best",
			      number_or_null(ckpt_run_best(run) > 0, ckpt_run_best(run)));
	cJSON_AddStringToObject(o, "best_state", ckpt_link_state_name(ckpt_run_best_state(run)));
	cJSON_AddItemToObject(o, "last",
			      number_or_null(ckpt_run_last(run) > 0, ckpt_run_last(run)));
	cJSON_AddStringToObject(o, "last_state", ckpt_link_state_name(ckpt_run_last_state(run)));
	cJSON_AddBoolToObject(o, "work_leftover", ckpt_run_work_leftover(run));
	cJSON *stray = cJSON_AddArrayToObject(o, "stray");
	for (size_t i = 0; i < ckpt_run_stray_count(run); i++)
		cJSON_AddItemToArray(stray, cJSON_CreateString(ckpt_run_stray(run, i)));
	cJSON *epochs = cJSON_AddArrayToObject(o, "epochs");
	for (size_t i = 0; i < ckpt_run_epoch_count(run); i++) {
		const ckpt_epoch *e = ckpt_run_epoch(run, i);
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "epoch", (double)ckpt_epoch_number(e));
		cJSON_AddStringToObject(x, "dir", ckpt_epoch_dir(e));
		int64_t bytes = ckpt_epoch_model_bytes(e);
		cJSON_AddItemToObject(x, "model_bytes", number_or_null(bytes >= 0, (double)bytes));
		cJSON_AddStringToObject(x, "info", ckpt_info_state_name(ckpt_epoch_info_state(e)));
		double best = 0, metric = 0;
		bool has_best = ckpt_epoch_best_metric_last(&best, e);
		cJSON_AddItemToObject(x, "best_metric_last", number_or_null(has_best, best));
		/* The text as stored: ckpt_epoch_checksum leaves out __DISABLED__. */
		cJSON_AddItemToObject(x, "checksum", string_or_null(ckpt_epoch_stored_checksum(e)));
		cJSON_AddItemToObject(x, "timestamp", string_or_null(ckpt_epoch_timestamp(e)));
		bool has_metric = ckpt_epoch_metric(&metric, e);
		cJSON_AddItemToObject(x, "metric", number_or_null(has_metric, metric));
		cJSON_AddItemToArray(epochs, x);
	}
	return o;
}

/* Compares one key; a key missing from expect.json means null. Every key
 * must be present in what we produced. */
static void compare_key(const cJSON *expect, const cJSON *actual, const char *key,
			const char *where)
{
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(expect, key);
	const cJSON *got = cJSON_GetObjectItemCaseSensitive(actual, key);
	cJSON *null = cJSON_CreateNull();
	bool same = got && cJSON_Compare(want ? want : null, got, true);
	if (!same) {
		char *w = want ? cJSON_PrintUnformatted(want) : NULL;
		char *g = got ? cJSON_PrintUnformatted(got) : NULL;
		g_test_fail_printf("%s: %s: expected %s, got %s", where, key, w ? w : "null",
				   g ? g : "(absent)");
		free(w);
		free(g);
	}
	cJSON_Delete(null);
}

static void compare_run(const cJSON *expect, const cJSON *actual, const char *route)
{
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(expect, "name"));
	char *where = g_strdup_printf("%s: %s", route, name);
	for (size_t k = 0; k < G_N_ELEMENTS(run_keys); k++)
		compare_key(expect, actual, run_keys[k], where);
	const cJSON *want = cJSON_GetObjectItem(expect, "epochs");
	const cJSON *got = cJSON_GetObjectItem(actual, "epochs");
	g_assert_true(cJSON_IsArray(got));
	g_assert_cmpint(cJSON_GetArraySize(got), ==, cJSON_GetArraySize(want));
	for (int i = 0; i < cJSON_GetArraySize(want); i++) {
		const cJSON *w = cJSON_GetArrayItem(want, i), *g = cJSON_GetArrayItem(got, i);
		char *at =
		    g_strdup_printf("%s: epoch %d", where,
				    (int)cJSON_GetNumberValue(cJSON_GetObjectItem(w, "epoch")));
		for (size_t k = 0; k < G_N_ELEMENTS(epoch_keys); k++)
			compare_key(w, g, epoch_keys[k], at);
		g_free(at);
	}
	g_free(where);
}

static void test_fixtures_scan_matches_expect(void)
{
	char *tmp = tu_tmpdir();
	char *exp = tu_unpack_fixtures(tmp);
	if (!exp) {
		tu_rmtree(tmp), g_free(tmp);
		return;
	}
	cJSON *expect = tu_load_expect();
	const cJSON *runs = cJSON_GetObjectItem(expect, "runs");
	ckpt_run_list *list = NULL;
	g_assert_cmpint(ckpt_scan(&list, exp, 0, NULL, NULL, NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_list_problem_count(list), ==, 0);
	g_assert_cmpuint(ckpt_run_list_count(list), ==, (size_t)cJSON_GetArraySize(runs));
	for (size_t i = 0; i < ckpt_run_list_count(list); i++) {
		const ckpt_run *run = ckpt_run_list_get(list, i);
		const cJSON *want = cJSON_GetArrayItem(runs, (int)i);
		/* expect.json lists the runs in name order, as scan must. */
		g_assert_cmpstr(ckpt_run_name(run), ==,
				cJSON_GetStringValue(cJSON_GetObjectItem(want, "name")));
		cJSON *api = run_from_api(run);
		compare_run(want, api, "api");
		cJSON_Delete(api);

		cJSON *json = run_json(run);
		compare_run(want, json, "json");
		static const char *const contract[] = {
		    "name", "path", "layout", "metric", "direction", "best", "best_state", "last",
		    "last_state", "work_leftover", "stray", "writer", "problem", "epochs",
		    /* 0.2 */
		    "live", "health", "size", "updated", "keep_limit", "keep_mode"};
		for (size_t k = 0; k < G_N_ELEMENTS(contract); k++)
			g_assert_true(cJSON_HasObjectItem(json, contract[k]));
		g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "path")), ==,
				ckpt_run_root(run));
		g_assert_true(cJSON_IsNull(cJSON_GetObjectItem(json, "writer")));
		g_assert_true(cJSON_IsNull(cJSON_GetObjectItem(json, "problem")));
		g_assert_null(ckpt_run_problem(run));
		g_assert_true(ckpt_run_root(run)[0] == '/');
		cJSON_Delete(json);
	}
	/* Metric names come from the logs; the direction only where a best was
	 * recorded (tc1-acc's writer never made one, so it is unknown). */
	for (size_t i = 0; i < ckpt_run_list_count(list); i++) {
		const ckpt_run *run = ckpt_run_list_get(list, i);
		bool acc = strcmp(ckpt_run_name(run), "tc1-acc") == 0;
		g_assert_cmpstr(ckpt_run_metric(run), ==, acc ? "val_accuracy" : "val_loss");
		g_assert_cmpint(ckpt_run_direction(run), ==, acc ? 0 : '-');
		g_assert_cmpuint(ckpt_run_total_bytes(run), >, 0);
	}
	ckpt_run_list_free(list);
	cJSON_Delete(expect);
	tu_rmtree(tmp);
	g_free(exp), g_free(tmp);
}

static GPtrArray *found_links;

static int collect_link(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_SL)
		g_ptr_array_add(found_links, g_file_read_link(path, NULL));
	return 0;
}

/* The premise of the expected link states ("relocated": the absolute target
 * is missing) must not hang on the test machine lacking /scratch/candle:
 * every absolute target is the original path below the test's missing folder. */
static void test_fixture_links_moved_below_missing_folder(void)
{
	char *tmp = tu_tmpdir();
	char *exp = tu_unpack_fixtures(tmp);
	char *gone = tu_gone_prefix(tmp);
	char *prefix = g_build_filename(gone, "scratch", "candle", "exp-2026-03", "", NULL);
	found_links = g_ptr_array_new_with_free_func(g_free);
	g_assert_cmpint(nftw(exp, collect_link, 32, FTW_PHYS), ==, 0);
	/* best and last of seven runs, but tc1-acc has no best. */
	g_assert_cmpuint(found_links->len, ==, 13);
	for (guint i = 0; i < found_links->len; i++) {
		const char *target = found_links->pdata[i];
		g_assert_nonnull(target);
		g_assert_true(g_str_has_prefix(target, prefix));
		struct stat st;
		g_assert_cmpint(stat(target, &st), ==, -1);
		g_assert_cmpint(errno, ==, ENOENT);
	}
	g_assert_false(tu_exists(gone));
	char *run_path = g_build_filename(exp, "nt3-lr0.01", NULL);
	ckpt_run *run = tu_open_run(run_path);
	g_assert_cmpint(ckpt_run_last_state(run), ==, CKPT_LINK_RELOCATED);
	g_assert_cmpint(ckpt_run_last(run), ==, 30);
	ckpt_run_unref(run);
	g_ptr_array_free(found_links, TRUE);
	found_links = NULL;
	g_free(run_path), g_free(prefix), g_free(gone), g_free(exp);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- locating runs --------------------------------------------------------- */

static void assert_located(const char *path, const char *name, const char *root, const char *folder,
			   ckpt_layout layout, const char *log)
{
	ckpt_run *run = tu_open_run(path);
	g_assert_cmpstr(ckpt_run_name(run), ==, name);
	g_assert_cmpstr(ckpt_run_root(run), ==, root);
	g_assert_cmpstr(ckpt_run_folder(run), ==, folder);
	g_assert_cmpint(ckpt_run_layout(run), ==, layout);
	g_assert_cmpstr(ckpt_run_log_path(run), ==, log);
	ckpt_run_unref(run);
}

static void test_open_each_layout_by_folder_and_root(void)
{
	char *tmp = tu_tmpdir();
	char *exp = tu_unpack_fixtures(tmp);
	if (!exp) {
		tu_rmtree(tmp), g_free(tmp);
		return;
	}
	char *real = realpath(exp, NULL);
	char *folder = g_build_filename(real, "nt3-lr0.01", NULL);
	char *root = g_build_filename(folder, "ckpts", NULL);
	char *log = g_build_filename(root, "ckpt.log", NULL);
	char *by_folder = g_build_filename(exp, "nt3-lr0.01", NULL);
	char *by_root = g_build_filename(exp, "nt3-lr0.01", "ckpts", NULL);
	assert_located(by_folder, "nt3-lr0.01", root, folder, CKPT_LAYOUT_CANDLE, log);
	assert_located(by_root, "nt3-lr0.01", root, folder, CKPT_LAYOUT_CANDLE, log);

	char *lfolder = g_build_filename(real, "legacy-p1b1", NULL);
	char *lroot = g_build_filename(lfolder, "save", "ckpts", NULL);
	char *llog = g_build_filename(lfolder, "save", "ckpt.log", NULL);
	char *l_by_folder = g_build_filename(exp, "legacy-p1b1", NULL);
	char *l_by_root = g_build_filename(exp, "legacy-p1b1", "save", "ckpts", NULL);
	assert_located(l_by_folder, "legacy-p1b1", lroot, lfolder, CKPT_LAYOUT_CANDLE_LEGACY, llog);
	assert_located(l_by_root, "legacy-p1b1", lroot, lfolder, CKPT_LAYOUT_CANDLE_LEGACY, llog);

	/* A root not named ckpts is its own run folder. */
	char *plain = g_build_filename(real, "plain-root", NULL);
	g_assert_cmpint(rename(root, plain), ==, 0);
	char *plain_log = g_build_filename(plain, "ckpt.log", NULL);
	assert_located(plain, "plain-root", plain, plain, CKPT_LAYOUT_CANDLE, plain_log);

	/* A scan of a run folder or of a root lists that one run by its folder. */
	ckpt_run_list *list = NULL;
	g_assert_cmpint(ckpt_scan(&list, l_by_root, 0, NULL, NULL, NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_list_count(list), ==, 1);
	g_assert_cmpstr(ckpt_run_name(ckpt_run_list_get(list, 0)), ==, "legacy-p1b1");
	ckpt_run_list_free(list);
	g_assert_cmpint(ckpt_scan(&list, l_by_folder, 0, NULL, NULL, NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_list_count(list), ==, 1);
	g_assert_cmpstr(ckpt_run_name(ckpt_run_list_get(list, 0)), ==, "legacy-p1b1");
	ckpt_run_list_free(list);

	/* No run, no folder, not a folder: clear errors naming the path. */
	ckpt_run *run = NULL;
	g_assert_cmpint(ckpt_run_open(&run, tmp), ==, CKPT_ENOENT);
	g_assert_null(run);
	g_assert_nonnull(strstr(ckpt_error_last(), "no checkpoint run here"));
	g_assert_nonnull(strstr(ckpt_error_last(), tmp));
	char *gone = g_build_filename(tmp, "gone", NULL);
	g_assert_cmpint(ckpt_run_open(&run, gone), ==, CKPT_ENOENT);
	g_assert_nonnull(strstr(ckpt_error_last(), gone));
	g_assert_cmpint(ckpt_scan(&list, gone, 0, NULL, NULL, NULL), ==, CKPT_ENOENT);
	g_assert_null(list);
	g_assert_cmpint(ckpt_scan(&list, plain_log, 0, NULL, NULL, NULL), ==, CKPT_ENOENT);
	g_assert_nonnull(strstr(ckpt_error_last(), plain_log));

	g_free(gone), g_free(plain_log), g_free(plain), g_free(l_by_root), g_free(l_by_folder);
	g_free(llog), g_free(lroot), g_free(lfolder), g_free(by_root), g_free(by_folder);
	g_free(log), g_free(root), g_free(folder);
	free(real);
	tu_rmtree(tmp);
	g_free(exp), g_free(tmp);
}

/* ---- scanning ------------------------------------------------------------------ */

static char *scan_names(const char *path, int depth)
{
	ckpt_run_list *list = NULL;
	int rc = ckpt_scan(&list, path, depth, NULL, NULL, NULL);
	if (rc)
		g_error("%s: %s", path, ckpt_error_last());
	GString *names = g_string_new(NULL);
	for (size_t i = 0; i < ckpt_run_list_count(list); i++)
		g_string_append_printf(names, "%s;", ckpt_run_name(ckpt_run_list_get(list, i)));
	g_assert_cmpuint(ckpt_run_list_problem_count(list), ==, 0);
	ckpt_run_list_free(list);
	return g_string_free(names, FALSE);
}

static void test_scan_nested_groups_by_relative_name(void)
{
	char *tmp = tu_tmpdir();
	g_free(make_run(tmp, "c", 1));
	g_free(make_run(tmp, "group/a", 2));
	g_free(make_run(tmp, "group/sub/b", 1));
	/* A root directly in a folder, and a legacy run. */
	char *bare = g_build_filename(tmp, "group", "bare-root", NULL);
	make_root(bare, 1);
	char *legacy = g_build_filename(tmp, "old", "save", "ckpts", NULL);
	make_root(legacy, 1);
	char *legacy_log = g_build_filename(legacy, "ckpt.log", NULL);
	char *save_log = g_build_filename(tmp, "old", "save", "ckpt.log", NULL);
	g_assert_cmpint(rename(legacy_log, save_log), ==, 0);
	/* Runs are not entered: a run folder inside a run is not listed. */
	g_free(make_run(tmp, "c/inner", 1));
	/* Seven folders down: beyond the default depth of 6. */
	g_free(make_run(tmp, "d1/d2/d3/d4/d5/d6/deep", 1));
	char *names = scan_names(tmp, 0);
	g_assert_cmpstr(names, ==, "c;group/a;group/bare-root;group/sub/b;old;");
	g_free(names);
	names = scan_names(tmp, 7);
	g_assert_cmpstr(names, ==,
			"c;d1/d2/d3/d4/d5/d6/deep;group/a;group/bare-root;group/sub/b;old;");
	g_free(names);
	names = scan_names(tmp, 1);
	g_assert_cmpstr(names, ==, "c;old;");
	g_free(names);

	ckpt_run_list *list = NULL;
	g_assert_cmpint(ckpt_scan(&list, tmp, 0, NULL, NULL, NULL), ==, 0);
	g_assert_cmpint(ckpt_run_layout(ckpt_run_list_get(list, 4)), ==, CKPT_LAYOUT_CANDLE_LEGACY);
	g_assert_cmpuint(ckpt_run_epoch_count(ckpt_run_list_get(list, 1)), ==, 2);
	ckpt_run_list_free(list);
	g_free(save_log), g_free(legacy_log), g_free(legacy), g_free(bare);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_scan_never_follows_symlinked_folders(void)
{
	char *tmp = tu_tmpdir();
	char *outside = tu_tmpdir();
	g_free(make_run(tmp, "real-run", 1));
	g_free(make_run(outside, "elsewhere", 1));
	char *alias = g_build_filename(tmp, "alias-run", NULL);
	char *real_run = g_build_filename(tmp, "real-run", NULL);
	g_assert_cmpint(symlink(real_run, alias), ==, 0);
	char *linked_tree = g_build_filename(tmp, "linked-tree", NULL);
	g_assert_cmpint(symlink(outside, linked_tree), ==, 0);
	/* A link back up would be a cycle if it were followed. */
	char *loop = g_build_filename(tmp, "real-run", "up", NULL);
	g_assert_cmpint(symlink(tmp, loop), ==, 0);
	char *names = scan_names(tmp, 0);
	g_assert_cmpstr(names, ==, "real-run;");
	g_free(names);
	g_free(loop), g_free(linked_tree), g_free(real_run), g_free(alias);
	tu_rmtree(outside), tu_rmtree(tmp);
	g_free(outside), g_free(tmp);
}

typedef struct {
	volatile int cancel;
	guint64 last_done;
	int calls;
} scan_watch;

static int on_progress(const ckpt_progress_event *event, void *payload)
{
	scan_watch *watch = payload;
	/* 0.2: folders seen are the items; done counts the runs read. */
	if (event->stage == CKPT_STAGE_SCAN) {
		watch->calls++;
		watch->last_done = event->items_done;
		if (event->items_done >= 128)
			watch->cancel = 1;
	}
	return 0;
}

static void test_scan_reports_progress_and_cancels(void)
{
	char *tmp = tu_tmpdir();
	for (int i = 0; i < 300; i++) {
		char *d = g_strdup_printf("%s/empty-%03d", tmp, i);
		g_assert_cmpint(mkdir(d, 0755), ==, 0);
		g_free(d);
	}
	scan_watch watch = {0};
	ckpt_progress progress = {on_progress, &watch, &watch.cancel};
	ckpt_run_list *list = NULL;
	g_assert_cmpint(ckpt_scan(&list, tmp, 0, &progress, NULL, NULL), ==, CKPT_ECANCELLED);
	g_assert_null(list);
	g_assert_cmpint(watch.calls, ==, 2);
	g_assert_cmpuint(watch.last_done, ==, 128);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* The three forms of a run's JSON say the same: compact (one line), pretty
 * (two spaces a level, as the CLI prints), and pretty set at a depth, which
 * is the pretty text with every line after the first indented that much. */
static void assert_json_forms_agree(const ckpt_run *run)
{
	char *compact = NULL, *pretty = NULL, *deep = NULL;
	g_assert_cmpint(ckpt_run_to_json(&compact, run, 0), ==, 0);
	g_assert_cmpint(ckpt_run_to_json(&pretty, run, CKPT_JSON_PRETTY), ==, 0);
	g_assert_cmpint(ckpt_run_to_json(&deep, run, CKPT_JSON_PRETTY | CKPT_JSON_AT_DEPTH(3)),
			==, 0);
	g_assert_null(strchr(compact, '\n'));
	cJSON *a = cJSON_Parse(compact), *b = cJSON_Parse(pretty), *c = cJSON_Parse(deep);
	g_assert_nonnull(a);
	g_assert_nonnull(b);
	g_assert_nonnull(c);
	g_assert_true(cJSON_Compare(a, b, true));
	g_assert_true(cJSON_Compare(a, c, true));
	GString *want = g_string_new(NULL);
	for (const char *p = pretty; *p; p++) {
		g_string_append_c(want, *p);
		if (*p == '\n')
			g_string_append(want, "      ");
	}
	g_assert_cmpstr(deep, ==, want->str);
	/* Each line of the pretty text: an even indent, one member or bracket. */
	gchar **lines = g_strsplit(pretty, "\n", -1);
	for (gchar **line = lines; *line; line++) {
		size_t indent = strspn(*line, " ");
		g_assert_cmpuint(indent % 2, ==, 0);
		g_assert_cmpint((*line)[indent], !=, '\0');
	}
	g_strfreev(lines);
	g_string_free(want, TRUE);
	cJSON_Delete(a), cJSON_Delete(b), cJSON_Delete(c);
	ckpt_free(compact), ckpt_free(pretty), ckpt_free(deep);
}

static void test_fixtures_json_forms_agree(void)
{
	char *tmp = tu_tmpdir();
	char *exp = tu_unpack_fixtures(tmp);
	g_assert_nonnull(exp);
	ckpt_run_list *list = NULL;
	g_assert_cmpint(ckpt_scan(&list, exp, 0, NULL, NULL, NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_list_count(list), >, 3);
	for (size_t i = 0; i < ckpt_run_list_count(list); i++)
		assert_json_forms_agree(ckpt_run_list_get(list, i));
	ckpt_run_list_free(list);
	g_free(exp);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_odd_bytes_in_paths_give_valid_json(void)
{
	char *tmp = tu_tmpdir();
	const char *odd = "run \"x\"\n\t\xff\xfe caf\xc3\xa9";
	g_free(make_run(tmp, odd, 2));
	char *folder = g_build_filename(tmp, odd, NULL);
	ckpt_run *run = tu_open_run(folder);
	g_assert_cmpstr(ckpt_run_name(run), ==, odd);
	cJSON *json = run_json(run);
	assert_json_forms_agree(run);
	/* Bytes that are not UTF-8 become U+FFFD; the rest is kept. */
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "name")), ==,
			"run \"x\"\n\t\xef\xbf\xbd\xef\xbf\xbd caf\xc3\xa9");
	g_assert_cmpint(cJSON_GetArraySize(cJSON_GetObjectItem(json, "epochs")), ==, 2);
	cJSON_Delete(json);
	ckpt_run_unref(run);
	char *names = scan_names(tmp, 0);
	char *want = g_strdup_printf("%s;", odd);
	g_assert_cmpstr(names, ==, want);
	g_free(want), g_free(names), g_free(folder);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_live_writer_and_total_bytes_shown(void)
{
	char *tmp = tu_tmpdir();
	char *root = make_run(tmp, "run", 3);
	ckpt_run *run = tu_open_run(root);
	g_assert_false(ckpt_run_live(run));
	g_assert_cmpint(ckpt_run_writer_pid(run), ==, 0);
	/* Every model is 100 + epoch bytes; the infos are whatever make_epoch wrote. */
	uint64_t want = 101 + 102 + 103;
	for (long e = 1; e <= 3; e++) {
		char *info = g_strdup_printf("%s/epochs/%03ld/ckpt-info.json", root, e);
		struct stat st;
		g_assert_cmpint(stat(info, &st), ==, 0);
		want += (uint64_t)st.st_size;
		g_free(info);
	}
	g_assert_cmpuint(ckpt_run_total_bytes(run), ==, want);
	ckpt_run_unref(run);

	ckpt_lock *lock = NULL;
	g_assert_cmpint(ckpt_lock_acquire(&lock, root), ==, 0);
	run = tu_open_run(root);
	g_assert_true(ckpt_run_live(run));
	g_assert_cmpint(ckpt_run_writer_pid(run), ==, (long)getpid());
	g_assert_cmpstr(ckpt_run_writer_host(run), ==, ckpt_hostname());
	cJSON *json = run_json(run);
	const cJSON *w = cJSON_GetObjectItem(json, "writer");
	g_assert_cmpint((long)cJSON_GetNumberValue(cJSON_GetObjectItem(w, "pid")), ==,
			(long)getpid());
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(w, "since")), ==,
			ckpt_run_writer_since(run));
	cJSON_Delete(json);
	ckpt_run_unref(run);
	ckpt_lock_release(lock);
	run = tu_open_run(root);
	g_assert_false(ckpt_run_live(run));
	g_assert_cmpint(ckpt_run_writer_pid(run), ==, 0);
	ckpt_run_unref(run);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* Epochs made in a shuffled order, numbered `number(i)`, read back in
 * number order however epochs/ lists them (in the order they were made,
 * or by hash: 600 names fill more than one block of an ext4 folder), and
 * again after a refresh that finds one more among them, every other epoch
 * shared. */
static void assert_epochs_ordered(long (*number)(long i), long n)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "run", NULL);
	g_assert_cmpint(g_mkdir_with_parents(root, 0755), ==, 0);
	long *order = g_new(long, n);
	for (long i = 0; i < n; i++)
		order[i] = i;
	GRand *rand = g_rand_new_with_seed(8);
	for (long i = n - 1; i > 0; i--) {
		long j = g_rand_int_range(rand, 0, (gint32)i + 1), t = order[i];
		order[i] = order[j], order[j] = t;
	}
	for (long i = 0; i < n; i++)
		if (order[i] != n / 2) /* left out, to come in the refresh */
			make_epoch(root, number(order[i]));
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, (size_t)n - 1);
	for (long i = 0, k = 0; i < n; i++) {
		if (i == n / 2)
			continue;
		g_assert_cmpint(ckpt_epoch_number(ckpt_run_epoch(run, (size_t)k++)), ==, number(i));
		g_assert_nonnull(ckpt_run_find_epoch(run, number(i)));
	}
	make_epoch(root, number(n / 2));
	ckpt_run *fresh = NULL;
	bool changed = false;
	g_assert_cmpint(ckpt_run_refresh(&fresh, &changed, run), ==, 0);
	g_assert_true(changed);
	g_assert_cmpuint(ckpt_run_epoch_count(fresh), ==, (size_t)n);
	for (long i = 0; i < n; i++) {
		const ckpt_epoch *e = ckpt_run_epoch(fresh, (size_t)i);
		g_assert_cmpint(ckpt_epoch_number(e), ==, number(i));
		const ckpt_epoch *was = ckpt_run_find_epoch(run, number(i));
		/* Shared: the very text old read, not a copy. */
		g_assert_true(i == n / 2 ? was == NULL
					 : was != NULL && ckpt_epoch_dir(was) == ckpt_epoch_dir(e));
	}
	ckpt_run_unref(fresh);
	ckpt_run_unref(run);
	g_rand_free(rand);
	g_free(order);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

static long dense_number(long i)
{
	return i + 1 + (i >= 300); /* 1..300, 302..601: a gap, as retention leaves */
}

static long sparse_number(long i)
{
	return 7 * i + 1 + (i == 599 ? 100000 : 0); /* spread more than 4x their count */
}

static void test_epochs_in_number_order(void)
{
	assert_epochs_ordered(dense_number, 600);
	assert_epochs_ordered(sparse_number, 600);
}

/* In a child that permissions bind (see tu_run_unprivileged): the scan's
 * count, problems, and whether the one run and the problem are the right ones. */
static int scan_as_child(int *results, size_t n, void *payload)
{
	ckpt_run_list *list = NULL;
	if (n < 5 || ckpt_scan(&list, payload, 0, NULL, NULL, NULL) != 0)
		return 0;
	size_t count = ckpt_run_list_count(list);
	size_t problems = ckpt_run_list_problem_count(list);
	results[0] = (int)count;
	results[1] = (int)problems;
	results[2] = count == 1 && !strcmp(ckpt_run_name(ckpt_run_list_get(list, 0)), "good");
	results[3] = problems == 1 && strstr(ckpt_run_list_problem(list, 0), "locked") != NULL;
	/* The run closed to us is reported, not silently dropped or fatal. */
	results[4] =
	    problems == 1 && strstr(ckpt_run_list_problem(list, 0), strerror(EACCES)) != NULL;
	if (!results[3] || !results[4])
		fprintf(stderr, "scan problem: %s\n",
			problems ? ckpt_run_list_problem(list, 0) : "(none)");
	ckpt_run_list_free(list);
	return 5;
}

static void test_scan_unreadable_run_is_a_problem(void)
{
	char *tmp = tu_tmpdir();
	/* g_dir_make_tmp's 0700 would shut the unprivileged child out of both runs. */
	g_assert_cmpint(chmod(tmp, 0755), ==, 0);
	g_free(make_run(tmp, "good", 1));
	char *root = make_run(tmp, "locked", 1);
	char *epochs = g_build_filename(root, "epochs", NULL);
	g_assert_cmpint(chmod(epochs, 0), ==, 0);
	int results[5];
	g_assert_cmpuint(tu_run_unprivileged(scan_as_child, tmp, results, 5), ==, 5);
	g_assert_cmpint(chmod(epochs, 0755), ==, 0);
	g_assert_cmpint(results[0], ==, 1);
	g_assert_cmpint(results[1], ==, 1);
	g_assert_true(results[2]);
	g_assert_true(results[3]);
	g_assert_true(results[4]);
	g_free(epochs), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/reader/fixtures/scan-and-json-match-expect",
			test_fixtures_scan_matches_expect);
	g_test_add_func("/ckpt/reader/fixtures/compact-pretty-and-deep-json-agree",
			test_fixtures_json_forms_agree);
	g_test_add_func("/ckpt/reader/fixtures/absolute-links-moved-below-missing-folder",
			test_fixture_links_moved_below_missing_folder);
	g_test_add_func("/ckpt/reader/open/each-layout-by-folder-and-root",
			test_open_each_layout_by_folder_and_root);
	g_test_add_func("/ckpt/reader/scan/nested-groups-named-relative",
			test_scan_nested_groups_by_relative_name);
	g_test_add_func("/ckpt/reader/scan/symlinked-folders-not-followed",
			test_scan_never_follows_symlinked_folders);
	g_test_add_func("/ckpt/reader/open/odd-bytes-in-paths-give-valid-json",
			test_odd_bytes_in_paths_give_valid_json);
	g_test_add_func("/ckpt/reader/open/epochs-in-number-order-however-listed",
			test_epochs_in_number_order);
	g_test_add_func("/ckpt/reader/open/live-writer-and-total-bytes",
			test_live_writer_and_total_bytes_shown);
	g_test_add_func("/ckpt/reader/scan/unreadable-run-is-a-problem",
			test_scan_unreadable_run_is_a_problem);
	g_test_add_func("/ckpt/reader/scan/progress-and-cancel",
			test_scan_reports_progress_and_cancels);
	return g_test_run();
}
