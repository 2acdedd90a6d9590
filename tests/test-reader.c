/* test-reader.c: reading runs: the fixtures written by CANDLE's original,
 * checked field by field against candle-runs.expect.json through both the
 * API and `ckpt ls --json`; locating, scanning, hostile trees and refresh. */
#include "internal.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- building small runs ------------------------------------------------ */

/* epochs/NNN under root with a model of `bytes` bytes and a ckpt-info.json
 * whose "epoch" field is info_epoch (normally the epoch itself). */
static void make_epoch_as(const char *root, long epoch, long info_epoch, double best_last)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	char *dir = g_build_filename(root, "epochs", name, NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	char *model = g_build_filename(dir, "model.h5", NULL);
	char *bytes = g_strnfill((gsize)(100 + epoch), 'm');
	tu_write(model, bytes);
	char *info = g_strdup_printf(
	    "{\"epoch\": %ld, \"save_best_metric\": \"val_loss\", \"best_metric_last\": %g, "
	    "\"model_file\": \"model.h5\", \"checksum\": \"__DISABLED__\", \"timestamp\": "
	    "\"2026-03-02 09:00:%02ld\", \"time_elapsed\": \"__FIRST__\", \"metadata\": null}",
	    info_epoch, best_last, epoch % 60);
	char *info_path = g_build_filename(dir, "ckpt-info.json", NULL);
	tu_write(info_path, info);
	g_free(info_path), g_free(info), g_free(bytes), g_free(model), g_free(dir);
}

static void make_epoch(const char *root, long epoch)
{
	make_epoch_as(root, epoch, epoch, 0.5);
}

/* A root with epochs 1..n, a log and a relative `last`. */
static void make_root(const char *root, long n)
{
	g_assert_cmpint(g_mkdir_with_parents(root, 0755), ==, 0);
	char *epochs = g_build_filename(root, "epochs", NULL);
	g_assert_cmpint(g_mkdir_with_parents(epochs, 0755), ==, 0);
	for (long e = 1; e <= n; e++)
		make_epoch(root, e);
	char *log = g_build_filename(root, "ckpt.log", NULL);
	tu_write(log, "2026-03-02 09:00:05 CandleCkpt: Callback initialized.\n");
	if (n > 0) {
		char target[64], *link = g_build_filename(root, "last", NULL);
		g_snprintf(target, sizeof target, "epochs/%03ld", n);
		g_assert_cmpint(symlink(target, link), ==, 0);
		g_free(link);
	}
	g_free(log), g_free(epochs);
}

/* A run folder <dir>/<rel> holding ckpts/ with n epochs; returns the root. */
static char *make_run(const char *dir, const char *rel, long n)
{
	char *root = g_build_filename(dir, rel, "ckpts", NULL);
	make_root(root, n);
	return root;
}

static void relink(const char *root, const char *name, const char *target)
{
	char *path = g_build_filename(root, name, NULL);
	unlink(path);
	g_assert_cmpint(symlink(target, path), ==, 0);
	g_free(path);
}

static ckpt_run *open_ok(const char *path)
{
	ckpt_run *run = NULL;
	int rc = ckpt_run_open(&run, path);
	if (rc)
		g_error("%s: %s", path, ckpt_error_last());
	return run;
}

static cJSON *run_json(const ckpt_run *run)
{
	char *text = NULL;
	g_assert_cmpint(ckpt_run_to_json(&text, run), ==, 0);
	cJSON *json = cJSON_Parse(text);
	if (!json)
		g_error("not JSON: %s", text);
	free(text);
	return json;
}

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
		cJSON_AddNumberToObject(x, "epoch", e->epoch);
		cJSON_AddStringToObject(x, "dir", e->dir);
		cJSON_AddItemToObject(x, "model_bytes",
				      number_or_null(e->model_bytes >= 0, (double)e->model_bytes));
		cJSON_AddStringToObject(x, "info", ckpt_info_state_name(e->info));
		cJSON_AddItemToObject(x, "best_metric_last",
				      number_or_null(e->has_best_metric_last, e->best_metric_last));
		cJSON_AddItemToObject(x, "checksum", string_or_null(e->checksum));
		cJSON_AddItemToObject(x, "timestamp", string_or_null(e->timestamp));
		cJSON_AddItemToObject(x, "metric", number_or_null(e->has_metric, e->metric));
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

static cJSON *load_expect(void)
{
	char *path = tu_fixture_path("candle-runs.expect.json");
	char *text = tu_read(path, NULL);
	g_assert_nonnull(text);
	cJSON *expect = cJSON_Parse(text);
	g_assert_nonnull(expect);
	g_free(text), g_free(path);
	return expect;
}

static void test_fixtures_scan_matches_expect(void)
{
	char *tmp = tu_tmpdir();
	char *exp = tu_unpack_fixtures(tmp);
	if (!exp) {
		tu_rmtree(tmp), g_free(tmp);
		return;
	}
	cJSON *expect = load_expect();
	const cJSON *runs = cJSON_GetObjectItem(expect, "runs");
	ckpt_run_list *list = NULL;
	g_assert_cmpint(ckpt_scan(&list, exp, 0, NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_list_problems(list), ==, 0);
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
		    "name",  "path",       "layout", "metric",     "direction",
		    "best",  "best_state", "last",   "last_state", "work_leftover",
		    "stray", "writer",     "problem", "epochs"};
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

/* ---- locating runs --------------------------------------------------------- */

static void assert_located(const char *path, const char *name, const char *root, const char *folder,
			   ckpt_layout layout, const char *log)
{
	ckpt_run *run = open_ok(path);
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
	g_assert_cmpint(ckpt_scan(&list, l_by_root, 0, NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_list_count(list), ==, 1);
	g_assert_cmpstr(ckpt_run_name(ckpt_run_list_get(list, 0)), ==, "legacy-p1b1");
	ckpt_run_list_free(list);
	g_assert_cmpint(ckpt_scan(&list, l_by_folder, 0, NULL), ==, 0);
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
	g_assert_cmpint(ckpt_scan(&list, gone, 0, NULL), ==, CKPT_ENOENT);
	g_assert_null(list);
	g_assert_cmpint(ckpt_scan(&list, plain_log, 0, NULL), ==, CKPT_ENOENT);
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
	int rc = ckpt_scan(&list, path, depth, NULL);
	if (rc)
		g_error("%s: %s", path, ckpt_error_last());
	GString *names = g_string_new(NULL);
	for (size_t i = 0; i < ckpt_run_list_count(list); i++)
		g_string_append_printf(names, "%s;", ckpt_run_name(ckpt_run_list_get(list, i)));
	g_assert_cmpuint(ckpt_run_list_problems(list), ==, 0);
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
	g_assert_cmpint(ckpt_scan(&list, tmp, 0, NULL), ==, 0);
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

static void on_progress(const char *stage, uint64_t done, uint64_t total, void *payload)
{
	scan_watch *watch = payload;
	(void)total;
	if (strcmp(stage, "scan") == 0) {
		watch->calls++;
		watch->last_done = done;
		if (done >= 128)
			watch->cancel = 1;
	}
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
	g_assert_cmpint(ckpt_scan(&list, tmp, 0, &progress), ==, CKPT_ECANCELLED);
	g_assert_null(list);
	g_assert_cmpint(watch.calls, ==, 2);
	g_assert_cmpuint(watch.last_done, ==, 128);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_odd_bytes_in_paths_give_valid_json(void)
{
	char *tmp = tu_tmpdir();
	const char *odd = "run \"x\"\n\t\xff\xfe caf\xc3\xa9";
	g_free(make_run(tmp, odd, 2));
	char *folder = g_build_filename(tmp, odd, NULL);
	ckpt_run *run = open_ok(folder);
	g_assert_cmpstr(ckpt_run_name(run), ==, odd);
	cJSON *json = run_json(run);
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
	ckpt_run *run = open_ok(root);
	g_assert_null(ckpt_run_writer(run));
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
	run = open_ok(root);
	const ckpt_writer_info *writer = ckpt_run_writer(run);
	g_assert_nonnull(writer);
	g_assert_cmpint(writer->pid, ==, (long)getpid());
	g_assert_cmpstr(writer->host, ==, ckpt_hostname());
	cJSON *json = run_json(run);
	const cJSON *w = cJSON_GetObjectItem(json, "writer");
	g_assert_cmpint((long)cJSON_GetNumberValue(cJSON_GetObjectItem(w, "pid")), ==,
			(long)getpid());
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(w, "since")), ==, writer->since);
	cJSON_Delete(json);
	ckpt_run_unref(run);
	ckpt_lock_release(lock);
	run = open_ok(root);
	g_assert_null(ckpt_run_writer(run));
	ckpt_run_unref(run);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_scan_unreadable_run_is_a_problem(void)
{
	if (geteuid() == 0) {
		g_test_skip("permissions do not apply to root");
		return;
	}
	char *tmp = tu_tmpdir();
	g_free(make_run(tmp, "good", 1));
	char *root = make_run(tmp, "locked", 1);
	char *epochs = g_build_filename(root, "epochs", NULL);
	g_assert_cmpint(chmod(epochs, 0), ==, 0);
	ckpt_run_list *list = NULL;
	g_assert_cmpint(ckpt_scan(&list, tmp, 0, NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_list_count(list), ==, 1);
	g_assert_cmpstr(ckpt_run_name(ckpt_run_list_get(list, 0)), ==, "good");
	g_assert_cmpuint(ckpt_run_list_problems(list), ==, 1);
	g_assert_nonnull(strstr(ckpt_run_list_problem(list, 0), "locked"));
	ckpt_run_list_free(list);
	chmod(epochs, 0755);
	g_free(epochs), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- hostile trees ---------------------------------------------------------------- */

static void assert_link_states(const char *root, const char *folder, ckpt_link_state want,
			       long want_epoch)
{
	ckpt_run *run = open_ok(folder);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_last_state(run)), ==,
			ckpt_link_state_name(want));
	g_assert_cmpint(ckpt_run_last(run), ==, want_epoch);
	g_assert_cmpint(ckpt_run_best_state(run), ==, want);
	cJSON *json = run_json(run);
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "last_state")), ==,
			ckpt_link_state_name(want));
	const cJSON *last = cJSON_GetObjectItem(json, "last");
	if (want_epoch)
		g_assert_cmpint((long)cJSON_GetNumberValue(last), ==, want_epoch);
	else
		g_assert_true(cJSON_IsNull(last));
	cJSON_Delete(json);
	ckpt_run_unref(run);
	(void)root;
}

static void test_hostile_links_give_clear_states(void)
{
	char *tmp = tu_tmpdir();
	char *folder = g_build_filename(tmp, "run", NULL);
	char *root = make_run(tmp, "run", 3);
	char *copy_root = make_run(tmp, "copy", 3);
	char *into_copy = g_build_filename(copy_root, "epochs", "002", NULL);
	char *log = g_build_filename(root, "ckpt.log", NULL);
	relink(root, "loop-a", "loop-b");
	relink(root, "loop-b", "loop-a");
	static const struct {
		const char *target;
		ckpt_link_state state;
		long epoch;
	} cases[] = {
	    {"/", CKPT_LINK_OUTSIDE, 0},
	    {"../..", CKPT_LINK_OUTSIDE, 0},
	    {"SELF", CKPT_LINK_DANGLING, 0},
	    {"loop-a", CKPT_LINK_DANGLING, 0},
	    {"ckpt.log", CKPT_LINK_OUTSIDE, 0},
	    {"epochs/099", CKPT_LINK_DANGLING, 0},
	    {"epochs/002", CKPT_LINK_OK, 2},
	    /* An absolute link into the copy this run was made from: outside,
	     * but it names our epoch 2 (SPEC §3), so it is shown. */
	    {"COPY", CKPT_LINK_OUTSIDE, 2},
	    {"/scratch/candle/gone/ckpts/epochs/003", CKPT_LINK_RELOCATED, 3},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *target = cases[i].target;
		if (!strcmp(target, "COPY"))
			target = into_copy;
		relink(root, "last", !strcmp(target, "SELF") ? "last" : target);
		relink(root, "best", !strcmp(target, "SELF") ? "best" : target);
		assert_link_states(root, folder, cases[i].state, cases[i].epoch);
	}
	/* `last` as a real directory, `best` absent. */
	char *last = g_build_filename(root, "last", NULL);
	char *best = g_build_filename(root, "best", NULL);
	unlink(last), unlink(best);
	g_assert_cmpint(mkdir(last, 0755), ==, 0);
	ckpt_run *run = open_ok(folder);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_last_state(run)), ==, "not-a-link");
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_best_state(run)), ==, "missing");
	g_assert_cmpint(ckpt_run_last(run), ==, 0);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 3);
	ckpt_run_unref(run);
	g_free(best), g_free(last), g_free(log), g_free(into_copy), g_free(copy_root);
	g_free(root), g_free(folder);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_odd_epoch_entries_are_strays_never_opened(void)
{
	char *tmp = tu_tmpdir();
	char *outside = tu_tmpdir();
	char *root = make_run(tmp, "run", 3);
	/* Things that look like epochs and must not be read: each holds a valid info. */
	make_root(outside, 1);
	char *outside_epoch = g_build_filename(outside, "epochs", "001", NULL);
	char *epochs = g_build_filename(root, "epochs", NULL);
	relink(epochs, "004", outside_epoch);
	char *fifo = g_build_filename(epochs, "005", NULL);
	g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
	char *file = g_build_filename(epochs, "006", NULL);
	tu_write(file, "{\"epoch\": 6}");
	const char *odd[] = {"1e3", "-1", "7", "1234567890123456789012345678901234567890", "0000"};
	for (size_t i = 0; i < G_N_ELEMENTS(odd); i++) {
		char *d = g_build_filename(epochs, odd[i], NULL);
		g_assert_cmpint(mkdir(d, 0755), ==, 0);
		char *info = g_build_filename(d, "ckpt-info.json", NULL);
		tu_write(info, "{\"epoch\": 7}");
		g_free(info), g_free(d);
	}
	/* A socket, where its path fits in sun_path. */
	char *sock_path = g_build_filename(epochs, "008", NULL);
	int sock = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	bool have_socket = sock >= 0 && strlen(sock_path) < sizeof addr.sun_path;
	if (have_socket) {
		strcpy(addr.sun_path, sock_path);
		g_assert_cmpint(bind(sock, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	}
	relink(root, "work", outside);

	char *folder = g_build_filename(tmp, "run", NULL);
	ckpt_run *run = open_ok(folder);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 3);
	g_assert_cmpuint(ckpt_run_info_reads(run), ==, 3);
	GString *strays = g_string_new(NULL);
	for (size_t i = 0; i < ckpt_run_stray_count(run); i++)
		g_string_append_printf(strays, "%s,", ckpt_run_stray(run, i));
	g_assert_cmpstr(
	    strays->str, ==,
	    have_socket ? "-1,0000,004,005,006,008,"
			  "1234567890123456789012345678901234567890,1e3,7,"
			: "-1,0000,004,005,006,1234567890123456789012345678901234567890,1e3,7,");
	g_assert_true(ckpt_run_work_leftover(run));
	cJSON *json = run_json(run);
	g_assert_cmpint(cJSON_GetArraySize(cJSON_GetObjectItem(json, "stray")), ==,
			(int)ckpt_run_stray_count(run));
	g_assert_true(cJSON_IsTrue(cJSON_GetObjectItem(json, "work_leftover")));
	cJSON_Delete(json);
	g_string_free(strays, TRUE);
	ckpt_run_unref(run);

	/* work.old alone is a leftover too (a writer stopped mid-replace). */
	char *work = g_build_filename(root, "work", NULL);
	char *work_old = g_build_filename(root, "work.old", NULL);
	unlink(work);
	g_assert_cmpint(mkdir(work_old, 0755), ==, 0);
	run = open_ok(folder);
	g_assert_true(ckpt_run_work_leftover(run));
	ckpt_run_unref(run);
	rmdir(work_old);
	run = open_ok(folder);
	g_assert_false(ckpt_run_work_leftover(run));
	ckpt_run_unref(run);

	if (sock >= 0)
		close(sock);
	g_free(work_old), g_free(work), g_free(folder), g_free(sock_path), g_free(file);
	g_free(fifo), g_free(epochs), g_free(outside_epoch), g_free(root);
	tu_rmtree(outside), tu_rmtree(tmp);
	g_free(outside), g_free(tmp);
}

static void test_symlinked_epochs_dir_is_not_followed(void)
{
	char *tmp = tu_tmpdir();
	char *root = make_run(tmp, "run", 0);
	char *elsewhere = g_build_filename(tmp, "elsewhere", NULL);
	make_root(elsewhere, 2);
	char *epochs = g_build_filename(root, "epochs", NULL);
	char *target = g_build_filename(elsewhere, "epochs", NULL);
	g_assert_cmpint(rmdir(epochs), ==, 0);
	g_assert_cmpint(symlink(target, epochs), ==, 0);
	/* Links that would name an epoch only through the linked epochs/. */
	relink(root, "last", "epochs/002");
	char *absolute = g_build_filename(root, "epochs", "001", NULL);
	relink(root, "best", absolute);
	ckpt_run *run = open_ok(root);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 0);
	g_assert_cmpuint(ckpt_run_info_reads(run), ==, 0);
	g_assert_nonnull(ckpt_run_problem(run));
	g_assert_nonnull(strstr(ckpt_run_problem(run), "symbolic link"));
	g_assert_cmpint(ckpt_run_last(run), ==, 0);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_last_state(run)), ==, "outside");
	g_assert_cmpint(ckpt_run_best(run), ==, 0);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_best_state(run)), ==, "outside");
	cJSON *json = run_json(run);
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "problem")), ==,
			ckpt_run_problem(run));
	g_assert_true(cJSON_IsNull(cJSON_GetObjectItem(json, "last")));
	cJSON_Delete(json);
	/* Nothing to relink, nothing to clean: elsewhere stays as it is. */
	char *before = tu_snapshot_tree(elsewhere);
	int changed = -1;
	g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
	g_assert_cmpint(changed, ==, 0);
	ckpt_clean_plan *plan = NULL;
	g_assert_cmpint(ckpt_clean_plan_new(&plan, run, 1, CKPT_KEEP_LINEAR), ==, 0);
	g_assert_cmpuint(ckpt_clean_plan_count(plan), ==, 0);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	ckpt_clean_plan_free(plan);
	char *after = tu_snapshot_tree(elsewhere);
	g_assert_cmpstr(before, ==, after);
	ckpt_run_unref(run);
	g_free(before), g_free(after), g_free(absolute);
	g_free(target), g_free(epochs), g_free(elsewhere), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_invalid_and_mismatched_info_are_flagged(void)
{
	char *tmp = tu_tmpdir();
	char *root = make_run(tmp, "run", 4);
	char *bad = g_build_filename(root, "epochs", "002", "ckpt-info.json", NULL);
	tu_write(bad, "{\"epoch\": 2, \"checks");
	make_epoch_as(root, 3, 27, 0.25);
	char *gone = g_build_filename(root, "epochs", "004", "ckpt-info.json", NULL);
	g_assert_cmpint(unlink(gone), ==, 0);
	ckpt_run *run = open_ok(root);
	const ckpt_epoch *e1 = ckpt_run_find_epoch(run, 1);
	const ckpt_epoch *e2 = ckpt_run_find_epoch(run, 2);
	const ckpt_epoch *e3 = ckpt_run_find_epoch(run, 3);
	const ckpt_epoch *e4 = ckpt_run_find_epoch(run, 4);
	g_assert_cmpint(e1->info, ==, CKPT_INFO_OK);
	g_assert_null(e1->info_error);
	g_assert_cmpstr(e1->checksum, ==, "__DISABLED__");
	g_assert_false(e1->has_time_elapsed);
	g_assert_cmpint(e2->info, ==, CKPT_INFO_INVALID);
	g_assert_nonnull(strstr(e2->info_error, "epochs/002/ckpt-info.json"));
	g_assert_cmpint(e3->info, ==, CKPT_INFO_INVALID);
	g_assert_cmpstr(e3->info_error, ==, "epochs/003/ckpt-info.json: epoch is 27, expected 3");
	g_assert_null(e3->checksum);
	g_assert_cmpint(e4->info, ==, CKPT_INFO_MISSING);
	g_assert_null(e4->info_error);
	g_assert_cmpint(e4->model_bytes, ==, 104);
	g_assert_null(ckpt_run_find_epoch(run, 5));
	g_assert_null(ckpt_run_find_epoch(run, 0));
	cJSON *json = run_json(run);
	const cJSON *epochs = cJSON_GetObjectItem(json, "epochs");
	g_assert_cmpstr(
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(epochs, 1), "info")), ==,
	    "invalid");
	g_assert_cmpstr(
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(epochs, 3), "info")), ==,
	    "missing");
	g_assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(epochs, 2), "checksum")));
	cJSON_Delete(json);
	ckpt_run_unref(run);
	g_free(gone), g_free(bad), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- history of a run the original started and libckpt continued ------------ */

static int write_model(const char *path, void *payload)
{
	(void)payload;
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int rc = fputs("model", f) < 0 ? -1 : 0;
	return fclose(f) == 0 ? rc : -1;
}

/* What the continuing trainer reports for a 1-based epoch: always improving. */
static double mix_value(long epoch)
{
	return 8.0 / (double)epoch;
}

/* One libckpt writer session on root, as `ckpt demo DIR --epochs N --every 0`
 * runs it: restart from last (which must be want_restart), train to epochs. */
static void continue_with_libckpt(const char *root, long epochs, long want_restart)
{
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set_int(params, "epochs", epochs), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", root), ==, 0);
	g_assert_cmpint(ckpt_params_set_bool(params, "ckpt_checksum", 1), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_save_best_metric", "val_loss"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "metadata", "ckpt demo"), ==, 0);
	ckpt_writer *w = NULL;
	g_assert_cmpint(ckpt_writer_new(&w, params), ==, 0);
	ckpt_writer_set_model_io(w, write_model, NULL, NULL);
	ckpt_restart_info restart;
	g_assert_cmpint(ckpt_writer_restart(w, &restart), ==, 0);
	g_assert_true(restart.restarted);
	g_assert_cmpint(restart.epoch, ==, want_restart);
	for (long epoch0 = restart.epoch; epoch0 < epochs; epoch0++) {
		ckpt_epoch_result result;
		double value = mix_value(epoch0 + 1);
		g_assert_cmpint(ckpt_writer_epoch(w, epoch0, '-', value, NULL, 0, &result), ==, 0);
		g_assert_true(result.saved);
	}
	ckpt_writer_free(w);
	ckpt_params_free(params);
}

static ckpt_history *load_history(const ckpt_run *run)
{
	ckpt_history *history = NULL;
	int rc = ckpt_history_load(&history, run);
	if (rc)
		g_error("history: %s", ckpt_error_last());
	return history;
}

/* cp -a exp-2026-03/nt3-lr0.001 mix; ckpt demo mix --epochs 34 --every 0 */
static void test_history_original_then_libckpt(void)
{
	char *tmp = tu_tmpdir();
	char *exp = tu_unpack_fixtures(tmp);
	if (!exp) {
		tu_rmtree(tmp), g_free(tmp);
		return;
	}
	char *orig = g_build_filename(exp, "nt3-lr0.001", NULL);
	char *mix = g_build_filename(tmp, "mix", NULL);
	g_assert_cmpint(rename(orig, mix), ==, 0);
	char *root = g_build_filename(mix, "ckpts", NULL);
	continue_with_libckpt(root, 34, 30);

	ckpt_run *run = open_ok(mix);
	ckpt_history *history = load_history(run);
	g_assert_cmpuint(ckpt_history_count(history), ==, 34);
	g_assert_cmpuint(ckpt_history_session_count(history), ==, 2);
	g_assert_cmpstr(ckpt_history_metric(history), ==, "val_loss");
	g_assert_cmpint(ckpt_history_direction(history), ==, '-');
	for (size_t i = 0; i < 34; i++) {
		const ckpt_history_point *p = ckpt_history_get(history, i);
		g_assert_cmpint(p->epoch, ==, (long)i + 1);
		g_assert_cmpint(p->session, ==, i < 30 ? 0 : 1);
		g_assert_true(p->has_value);
		if (i >= 30)
			g_assert_cmpfloat(p->value, ==, mix_value(p->epoch));
	}
	/* The original's epochs, as its ckpt.log recorded them. */
	const ckpt_history_point *p25 = ckpt_history_get(history, 24);
	const ckpt_history_point *p30 = ckpt_history_get(history, 29);
	g_assert_cmpfloat(p25->value, ==, 0.415711);
	g_assert_cmpfloat(p30->value, ==, 0.356323);
	g_assert_true(p30->saved && p30->became_best);
	g_assert_false(ckpt_history_get(history, 28)->saved);
	ckpt_history_free(history);
	/* Each epoch's metric: the log's for the original's, metrics.jsonl's after. */
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 9);
	static const struct {
		long epoch;
		double metric;
	} metrics[] = {{25, 0.415711}, {28, 0.402704}, {30, 0.356323}};
	for (size_t i = 0; i < G_N_ELEMENTS(metrics); i++) {
		const ckpt_epoch *e = ckpt_run_find_epoch(run, metrics[i].epoch);
		g_assert_true(e->has_metric);
		g_assert_cmpfloat(e->metric, ==, metrics[i].metric);
	}
	for (long epoch = 31; epoch <= 34; epoch++)
		g_assert_cmpfloat(ckpt_run_find_epoch(run, epoch)->metric, ==, mix_value(epoch));
	ckpt_run_unref(run);

	/* A second libckpt session: its ckpt.log lines are not counted again.
	 * (Two writers of one process within a second share a session id, so
	 * the session count is not asserted here.) */
	continue_with_libckpt(root, 36, 34);
	run = open_ok(mix);
	history = load_history(run);
	g_assert_cmpuint(ckpt_history_count(history), ==, 36);
	for (size_t i = 0; i < 36; i++)
		g_assert_cmpint(ckpt_history_get(history, i)->epoch, ==, (long)i + 1);
	g_assert_cmpint(ckpt_history_get(history, 29)->session, ==, 0);
	g_assert_cmpint(ckpt_history_get(history, 30)->session, ==, 1);
	g_assert_cmpfloat(ckpt_history_get(history, 29)->value, ==, 0.356323);
	ckpt_history_free(history);
	ckpt_run_unref(run);
	g_free(root), g_free(mix), g_free(orig), g_free(exp);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* A run only libckpt wrote: its ckpt.log repeats what metrics.jsonl holds
 * and must add nothing to the history. */
static void test_history_libckpt_only_not_doubled(void)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "run", "ckpts", NULL);
	for (int session = 0; session < 2; session++) {
		ckpt_params *params = NULL;
		g_assert_cmpint(ckpt_params_new(&params), ==, 0);
		ckpt_params_set_int(params, "epochs", 6);
		ckpt_params_set(params, "ckpt_directory", root);
		ckpt_writer *w = NULL;
		g_assert_cmpint(ckpt_writer_new(&w, params), ==, 0);
		ckpt_writer_set_model_io(w, write_model, NULL, NULL);
		ckpt_restart_info restart;
		g_assert_cmpint(ckpt_writer_restart(w, &restart), ==, 0);
		for (long epoch0 = restart.epoch; epoch0 < 3 + 3 * session; epoch0++)
			g_assert_cmpint(ckpt_writer_epoch(w, epoch0, '-', mix_value(epoch0 + 1),
							  NULL, 0, NULL),
					==, 0);
		ckpt_writer_free(w);
		ckpt_params_free(params);
	}
	ckpt_run *run = open_ok(root);
	ckpt_history *history = load_history(run);
	g_assert_cmpuint(ckpt_history_count(history), ==, 6);
	for (size_t i = 0; i < 6; i++)
		g_assert_cmpint(ckpt_history_get(history, i)->epoch, ==, (long)i + 1);
	g_assert_cmpint(ckpt_history_get(history, 0)->session, ==, 0);
	ckpt_history_free(history);
	ckpt_run_unref(run);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- refresh -------------------------------------------------------------------------- */

static void append_history(const char *root, long epoch, double value)
{
	char *path = g_build_filename(root, CKPT_HISTORY_NAME, NULL);
	ckpt_history_line line = {.epoch = epoch,
				  .metric = "val_loss",
				  .direction = '-',
				  .has_value = true,
				  .value = value,
				  .saved = true,
				  .time = "2026-03-02 09:00:00",
				  .session = "s"};
	g_assert_cmpint(ckpt_history_append(path, &line), ==, 0);
	g_free(path);
}

static void test_refresh_rereads_only_what_changed(void)
{
	char *tmp = tu_tmpdir();
	char *root = make_run(tmp, "run", 3);
	for (long e = 1; e <= 3; e++)
		append_history(root, e, 1.0 / (double)e);
	ckpt_run *old = open_ok(root);
	g_assert_cmpuint(ckpt_run_info_reads(old), ==, 3);
	g_assert_cmpfloat(ckpt_run_find_epoch(old, 2)->metric, ==, 0.5);

	ckpt_run *same = NULL;
	g_assert_cmpint(ckpt_run_refresh(&same, old), ==, 0);
	g_assert_cmpuint(ckpt_run_info_reads(same), ==, 0);
	g_assert_cmpuint(ckpt_run_epoch_count(same), ==, 3);
	g_assert_true(ckpt_run_find_epoch(same, 1)->checksum ==
		      ckpt_run_find_epoch(old, 1)->checksum);

	make_epoch_as(root, 2, 2, 0.125);
	make_epoch(root, 4);
	append_history(root, 4, 0.2);
	append_history(root, 2, 0.3); /* saved again after a restart: the later value wins */
	ckpt_run *fresh = NULL;
	g_assert_cmpint(ckpt_run_refresh(&fresh, same), ==, 0);
	g_assert_cmpuint(ckpt_run_info_reads(fresh), ==, 2);
	g_assert_cmpuint(ckpt_run_epoch_count(fresh), ==, 4);
	g_assert_cmpfloat(ckpt_run_find_epoch(fresh, 2)->best_metric_last, ==, 0.125);
	g_assert_cmpfloat(ckpt_run_find_epoch(fresh, 2)->metric, ==, 0.3);
	g_assert_cmpfloat(ckpt_run_find_epoch(fresh, 4)->metric, ==, 0.2);
	g_assert_cmpstr(ckpt_run_name(fresh), ==, "run");
	/* Unchanged epochs are shared, not read again. */
	g_assert_true(ckpt_run_find_epoch(fresh, 3)->timestamp ==
		      ckpt_run_find_epoch(old, 3)->timestamp);

	/* The old snapshots are as they were. */
	g_assert_cmpuint(ckpt_run_epoch_count(old), ==, 3);
	g_assert_cmpfloat(ckpt_run_find_epoch(old, 2)->best_metric_last, ==, 0.5);
	g_assert_cmpfloat(ckpt_run_find_epoch(old, 2)->metric, ==, 0.5);
	g_assert_null(ckpt_run_find_epoch(same, 4));
	ckpt_run_unref(old);
	ckpt_run_unref(same);
	g_assert_cmpstr(ckpt_run_find_epoch(fresh, 3)->timestamp, ==, "2026-03-02 09:00:03");
	ckpt_run_unref(fresh);
	g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

typedef struct {
	GMutex lock;
	ckpt_run *current;
	gint stop;
	gint reads;
} shared_run;

static gpointer read_snapshots(gpointer data)
{
	shared_run *s = data;
	while (!g_atomic_int_get(&s->stop)) {
		g_mutex_lock(&s->lock);
		ckpt_run *run = ckpt_run_ref(s->current);
		g_mutex_unlock(&s->lock);
		size_t n = ckpt_run_epoch_count(run);
		g_assert_true(n == 3 || n == 4);
		for (size_t i = 0; i < n; i++) {
			const ckpt_epoch *e = ckpt_run_epoch(run, i);
			g_assert_cmpint(e->epoch, ==, (long)i + 1);
			g_assert_cmpint(e->info, ==, CKPT_INFO_OK);
			g_assert_cmpuint(strlen(e->checksum), ==, 12);
		}
		char *json = NULL;
		g_assert_cmpint(ckpt_run_to_json(&json, run), ==, 0);
		free(json);
		ckpt_run_unref(run);
		g_atomic_int_inc(&s->reads);
	}
	return NULL;
}

static void test_refresh_while_another_thread_reads(void)
{
	char *tmp = tu_tmpdir();
	char *root = make_run(tmp, "run", 3);
	shared_run s = {.current = open_ok(root)};
	g_mutex_init(&s.lock);
	GThread *reader = g_thread_new("reader", read_snapshots, &s);
	char *fourth = g_build_filename(root, "epochs", "004", NULL);
	for (int i = 0; i < 300; i++) {
		make_epoch_as(root, 1 + i % 3, 1 + i % 3, (double)i);
		if (i % 10 == 0)
			make_epoch(root, 4);
		else if (i % 10 == 5)
			tu_rmtree(fourth);
		ckpt_run *next = NULL;
		g_assert_cmpint(ckpt_run_refresh(&next, s.current), ==, 0);
		g_assert_cmpfloat(ckpt_run_find_epoch(next, 1 + i % 3)->best_metric_last, ==, i);
		g_mutex_lock(&s.lock);
		ckpt_run *old = s.current;
		s.current = next;
		g_mutex_unlock(&s.lock);
		ckpt_run_unref(old);
	}
	while (g_atomic_int_get(&s.reads) < 10)
		g_usleep(1000);
	g_atomic_int_set(&s.stop, 1);
	g_thread_join(reader);
	ckpt_run_unref(s.current);
	g_mutex_clear(&s.lock);
	g_free(fourth), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/reader/fixtures/scan-and-json-match-expect",
			test_fixtures_scan_matches_expect);
	g_test_add_func("/ckpt/reader/open/each-layout-by-folder-and-root",
			test_open_each_layout_by_folder_and_root);
	g_test_add_func("/ckpt/reader/scan/nested-groups-named-relative",
			test_scan_nested_groups_by_relative_name);
	g_test_add_func("/ckpt/reader/scan/symlinked-folders-not-followed",
			test_scan_never_follows_symlinked_folders);
	g_test_add_func("/ckpt/reader/open/odd-bytes-in-paths-give-valid-json",
			test_odd_bytes_in_paths_give_valid_json);
	g_test_add_func("/ckpt/reader/open/live-writer-and-total-bytes",
			test_live_writer_and_total_bytes_shown);
	g_test_add_func("/ckpt/reader/scan/unreadable-run-is-a-problem",
			test_scan_unreadable_run_is_a_problem);
	g_test_add_func("/ckpt/reader/scan/progress-and-cancel",
			test_scan_reports_progress_and_cancels);
	g_test_add_func("/ckpt/reader/hostile/links-give-clear-states",
			test_hostile_links_give_clear_states);
	g_test_add_func("/ckpt/reader/hostile/odd-epoch-entries-are-strays-never-opened",
			test_odd_epoch_entries_are_strays_never_opened);
	g_test_add_func("/ckpt/reader/hostile/symlinked-epochs-not-followed",
			test_symlinked_epochs_dir_is_not_followed);
	g_test_add_func("/ckpt/reader/info/invalid-and-mismatched-flagged",
			test_invalid_and_mismatched_info_are_flagged);
	g_test_add_func("/ckpt/reader/history/original-then-libckpt-keeps-both",
			test_history_original_then_libckpt);
	g_test_add_func("/ckpt/reader/history/libckpt-only-log-not-counted-twice",
			test_history_libckpt_only_not_doubled);
	g_test_add_func("/ckpt/reader/refresh/rereads-only-what-changed",
			test_refresh_rereads_only_what_changed);
	g_test_add_func("/ckpt/reader/refresh/while-another-thread-reads",
			test_refresh_while_another_thread_reads);
	return g_test_run();
}
