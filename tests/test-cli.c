/* test-cli.c: the `ckpt` program end to end (the real binary on temporary
 * trees: demo, ls, show, history, verify, clean, restart, relink, exit codes,
 * the fixtures' expected reports) and the pure formatters of tui/format.c. */
#include "testutil.h"
#include "format.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- running the program ------------------------------------------------ */

/* CKPT_BIN (set by meson), else tui/ckpt beside this program's tests/ dir. */
static char *ckpt_binary(void)
{
	const char *env = g_getenv("CKPT_BIN");
	if (env && *env)
		return g_strdup(env);
	char *self = g_file_read_link("/proc/self/exe", NULL);
	g_assert_nonnull(self);
	char *tests_dir = g_path_get_dirname(self);
	char *build_dir = g_path_get_dirname(tests_dir);
	char *bin = g_build_filename(build_dir, "tui", "ckpt", NULL);
	g_free(self);
	g_free(tests_dir);
	g_free(build_dir);
	return bin;
}

typedef struct run_result {
	int status; /* exit status; -1 when killed by a signal */
	char *out;
	char *err;
} run_result;

static void run_result_clear(run_result *r)
{
	g_free(r->out);
	g_free(r->err);
	memset(r, 0, sizeof *r);
}

/* Runs `ckpt ARGS...` (NULL-terminated) with stdin from /dev/null. */
static run_result run_ckptv(const char *const *args)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(argv, ckpt_binary());
	for (size_t i = 0; args[i]; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	run_result r = {0};
	int wait_status = 0;
	GError *error = NULL;
	g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r.out, &r.err,
		     &wait_status, &error);
	g_assert_no_error(error);
	r.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
	if (g_test_verbose())
		g_test_message("ckpt %s -> %d\n%s%s", args[0] ? args[0] : "", r.status, r.out,
			       r.err);
	g_ptr_array_free(argv, TRUE);
	return r;
}

#define run_ckpt(...) run_ckptv((const char *const[]){__VA_ARGS__, NULL})

/* Runs and asserts the exit status; returns stdout (caller g_free()s). */
static char *ckpt_ok(int expected_status, const char *const *args)
{
	run_result r = run_ckptv(args);
	if (r.status != expected_status)
		g_test_message("ckpt %s: stderr: %s", args[0], r.err);
	g_assert_cmpint(r.status, ==, expected_status);
	char *out = r.out;
	r.out = NULL;
	run_result_clear(&r);
	return out;
}

#define ckpt_expect(status, ...) ckpt_ok(status, (const char *const[]){__VA_ARGS__, NULL})

static cJSON *parse_json(const char *text)
{
	cJSON *json = cJSON_Parse(text);
	if (!json)
		g_test_message("not JSON: %s", text);
	g_assert_nonnull(json);
	return json;
}

static cJSON *ckpt_json(int expected_status, const char *const *args)
{
	char *out = ckpt_ok(expected_status, args);
	cJSON *json = parse_json(out);
	g_free(out);
	return json;
}

#define ckpt_expect_json(status, ...) ckpt_json(status, (const char *const[]){__VA_ARGS__, NULL})

static cJSON *get(const cJSON *object, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(object, key);
}

static double get_number(const cJSON *object, const char *key)
{
	const cJSON *item = get(object, key);
	g_assert_true(cJSON_IsNumber(item));
	return item->valuedouble;
}

static const char *get_string(const cJSON *object, const char *key)
{
	const cJSON *item = get(object, key);
	g_assert_true(cJSON_IsString(item));
	return item->valuestring;
}

/* A demo run of `epochs` small epochs in dir/name; returns the run folder. */
static char *make_demo(const char *dir, const char *name, const char *epochs, const char *extra)
{
	char *run = g_build_filename(dir, name, NULL);
	char *out = ckpt_expect(0, "demo", run, "--epochs", epochs, "--every", "0", "--model-bytes",
				"4096", extra ? extra : "--ckpt_keep_mode=all");
	g_free(out);
	return run;
}

static char *epoch_path(const char *run, const char *dir, const char *file)
{
	return g_build_filename(run, "ckpts", "epochs", dir, file, NULL);
}

/* ---- help and usage ----------------------------------------------------- */

static const char *const commands[] = {"ls",    "show",    "history", "verify",
				       "clean", "restart", "relink",  "demo"};

static void test_help_every_command(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		char *usage = g_strdup_printf("Usage: ckpt %s", commands[i]);
		char *out = ckpt_expect(0, commands[i], "--help");
		g_assert_true(g_str_has_prefix(out, usage));
		g_free(out);
		out = ckpt_expect(0, "help", commands[i]);
		g_assert_true(g_str_has_prefix(out, usage));
		g_free(out);
		g_free(usage);
	}
	char *out = ckpt_expect(0, "--help");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		char *line = g_strdup_printf("\n  %s ", commands[i]);
		g_assert_nonnull(strstr(out, line));
		g_free(line);
	}
	g_free(out);
	out = ckpt_expect(0, "--version");
	g_assert_true(g_str_has_prefix(out, "ckpt 0."));
	g_free(out);
}

static void test_no_arguments_prints_help(void)
{
	run_result r = run_ckptv((const char *const[]){NULL});
	g_assert_cmpint(r.status, ==, 0);
	g_assert_true(g_str_has_prefix(r.out, "Usage: ckpt COMMAND"));
	run_result_clear(&r);
}

static void assert_usage_error(const char *cmd, const char *const *args)
{
	run_result r = run_ckptv(args);
	g_assert_cmpint(r.status, ==, 2);
	char *prefix = g_strdup_printf("ckpt %s: ", cmd);
	if (!g_str_has_prefix(r.err, prefix))
		g_test_message("stderr: %s", r.err);
	g_assert_true(g_str_has_prefix(r.err, prefix));
	g_assert_cmpstr(r.out, ==, "");
	g_free(prefix);
	run_result_clear(&r);
}

#define usage_error(cmd, ...) assert_usage_error(cmd, (const char *const[]){__VA_ARGS__, NULL})

static void test_usage_errors_exit_2(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "3", NULL);
	char *snapshot = tu_snapshot_tree(dir);
	usage_error("ls", "ls", "--nope");
	usage_error("ls", "ls", "--depth", "zero");
	usage_error("show", "show");
	usage_error("show", "show", run, "x");
	usage_error("history", "history", run, "--csv", "--json");
	usage_error("verify", "verify", "--epoch", "-3", run);
	usage_error("clean", "clean", run, "--keep", "0", "--yes");
	usage_error("clean", "clean", run, "--mode", "sometimes", "--yes");
	usage_error("clean", "clean");
	usage_error("restart", "restart", run);
	usage_error("restart", "restart", run, "three");
	usage_error("relink", "relink", run, "extra");
	usage_error("demo", "demo");
	usage_error("demo", "demo", run, "--direction", "up");
	usage_error("demo", "demo", run, "--bogus=1");
	usage_error("demo", "demo", run, "--ckpt_keep_limit=0");
	char *after = tu_snapshot_tree(dir);
	g_assert_cmpstr(snapshot, ==, after);
	run_result r = run_ckpt("frobnicate");
	g_assert_cmpint(r.status, ==, 2);
	g_assert_nonnull(strstr(r.err, "unknown command 'frobnicate'"));
	run_result_clear(&r);
	g_free(after);
	g_free(snapshot);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_unreadable_path_exits_2(void)
{
	char *dir = tu_tmpdir();
	char *missing = g_build_filename(dir, "not-here", NULL);
	const char *cmds[] = {"ls", "verify", "show", "history", "clean", "relink"};
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++)
		usage_error(cmds[i], cmds[i], missing);
	usage_error("restart", "restart", missing, "3");
	run_result r = run_ckpt("ls", "--json", missing);
	g_assert_cmpint(r.status, ==, 2);
	cJSON *json = parse_json(r.out);
	g_assert_cmpint(cJSON_GetArraySize(get(json, "runs")), ==, 0);
	g_assert_cmpint(cJSON_GetArraySize(get(json, "problems")), ==, 1);
	cJSON_Delete(json);
	run_result_clear(&r);
	g_free(missing);
	tu_rmtree(dir);
	g_free(dir);
}

/* ---- demo and ls ---------------------------------------------------------- */

static void test_demo_then_ls_json(void)
{
	char *dir = tu_tmpdir();
	char *run = g_build_filename(dir, "nt3", NULL);
	char *out = ckpt_expect(0, "demo", run, "--epochs", "8", "--every", "0", "--model-bytes",
				"4096", "--ckpt_keep_limit=3");
	g_assert_nonnull(strstr(out, "epoch 1/8 val_loss="));
	g_assert_nonnull(strstr(out, "epoch 8/8 val_loss="));
	g_free(out);
	cJSON *json = ckpt_expect_json(0, "ls", "--json", run);
	g_assert_cmpint(cJSON_GetArraySize(get(json, "runs")), ==, 1);
	cJSON *r = cJSON_GetArrayItem(get(json, "runs"), 0);
	static const char *const run_keys[] = {
	    "name", "path",       "layout",        "metric", "direction", "best",  "best_state",
	    "last", "last_state", "work_leftover", "stray",  "writer",    "epochs"};
	for (size_t i = 0; i < G_N_ELEMENTS(run_keys); i++)
		g_assert_nonnull(get(r, run_keys[i]));
	g_assert_cmpstr(get_string(r, "name"), ==, "nt3");
	g_assert_cmpstr(get_string(r, "layout"), ==, "candle");
	g_assert_cmpstr(get_string(r, "metric"), ==, "val_loss");
	g_assert_cmpstr(get_string(r, "direction"), ==, "-");
	g_assert_cmpint((int)get_number(r, "last"), ==, 8);
	g_assert_cmpstr(get_string(r, "last_state"), ==, "ok");
	g_assert_cmpstr(get_string(r, "best_state"), ==, "ok");
	g_assert_true(cJSON_IsNull(get(r, "writer")));
	g_assert_true(cJSON_IsFalse(get(r, "work_leftover")));
	/* keep 3, plus the best when it is older. */
	cJSON *epochs = get(r, "epochs");
	int n = cJSON_GetArraySize(epochs);
	g_assert_cmpint(n, >=, 3);
	g_assert_cmpint(n, <=, 4);
	long best = (long)get_number(r, "best");
	double best_value = INFINITY;
	bool best_listed = false;
	cJSON *e;
	cJSON_ArrayForEach(e, epochs)
	{
		g_assert_cmpstr(get_string(e, "info"), ==, "ok");
		g_assert_cmpint((int)get_number(e, "model_bytes"), ==, 4096);
		const char *checksum = get_string(e, "checksum");
		g_assert_true(checksum[0] && strspn(checksum, "0123456789") == strlen(checksum));
		g_assert_nonnull(get_string(e, "timestamp"));
		double metric = get_number(e, "metric");
		g_assert_cmpfloat(get_number(e, "best_metric_last"), <=, metric);
		if ((long)get_number(e, "epoch") == best) {
			best_listed = true;
			best_value = metric;
		}
		char dir_name[8];
		snprintf(dir_name, sizeof dir_name, "%03d", (int)get_number(e, "epoch"));
		g_assert_cmpstr(get_string(e, "dir"), ==, dir_name);
	}
	g_assert_true(best_listed);
	cJSON_ArrayForEach(e, epochs) g_assert_cmpfloat(get_number(e, "metric"), >=, best_value);
	cJSON_Delete(json);
	/* The human table has the run's row and a clean status. */
	out = ckpt_expect(0, "ls", dir);
	g_assert_true(g_str_has_prefix(out, "NAME"));
	g_assert_nonnull(strstr(out, "\nnt3 "));
	g_assert_nonnull(strstr(out, " ok\n"));
	g_free(out);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* The epoch lines ("epoch 6/8 val_loss=0.5123 saved") after `from`. */
static char *epoch_lines(const char *out, const char *from)
{
	const char *start = strstr(out, from);
	g_assert_nonnull(start);
	return g_strdup(start);
}

static void test_demo_resumes_on_the_same_curve(void)
{
	char *dir = tu_tmpdir();
	char *resumed = g_build_filename(dir, "resumed", NULL);
	char *straight = g_build_filename(dir, "straight", NULL);
	char *out1 = ckpt_expect(0, "demo", resumed, "--epochs", "5", "--every", "0",
				 "--model-bytes", "1024");
	char *out2 = ckpt_expect(0, "demo", resumed, "--epochs", "8", "--every", "0",
				 "--model-bytes", "1024");
	char *out3 = ckpt_expect(0, "demo", straight, "--epochs", "8", "--every", "0",
				 "--model-bytes", "1024");
	g_assert_nonnull(strstr(out2, "resuming after epoch 5"));
	g_assert_null(strstr(out2, "epoch 5/8"));
	/* Values and decisions of epochs 6..8 are those of an unbroken run. */
	char *tail2 = epoch_lines(out2, "epoch 6/8");
	char *tail3 = epoch_lines(out3, "epoch 6/8");
	g_assert_cmpstr(tail2, ==, tail3);
	char *again = ckpt_expect(0, "demo", resumed, "--epochs", "8", "--every", "0");
	g_assert_nonnull(strstr(again, "nothing to train"));
	g_free(again);
	g_free(tail2);
	g_free(tail3);
	g_free(out1);
	g_free(out2);
	g_free(out3);
	g_free(resumed);
	g_free(straight);
	tu_rmtree(dir);
	g_free(dir);
}

static void wait_for_path(const char *path, double seconds)
{
	for (int i = 0; i < (int)(seconds * 100) && !tu_exists(path); i++)
		g_usleep(10000);
	g_assert_true(tu_exists(path));
}

static void test_demo_killed_leaves_a_readable_tree(void)
{
	char *dir = tu_tmpdir();
	char *run = g_build_filename(dir, "run", NULL);
	char *bin = ckpt_binary();
	const char *argv[] = {bin,    "demo",          run,     "--epochs", "40", "--every",
			      "0.02", "--model-bytes", "65536", NULL};
	GPid pid;
	GError *error = NULL;
	g_spawn_async(NULL, (char **)argv, NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid,
		      &error);
	g_assert_no_error(error);
	char *third = epoch_path(run, "003", NULL);
	wait_for_path(third, 30);
	g_usleep(37000); /* somewhere inside a later epoch */
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	g_spawn_close_pid(pid);
	g_assert_true(WIFSIGNALED(status));

	cJSON *json = ckpt_expect_json(0, "ls", "--json", run);
	cJSON *r = cJSON_GetArrayItem(get(json, "runs"), 0);
	long last = (long)get_number(r, "last");
	g_assert_cmpint(last, >=, 3);
	g_assert_cmpint(last, <, 40);
	g_assert_cmpstr(get_string(r, "last_state"), ==, "ok");
	cJSON_Delete(json);
	char *out = ckpt_expect(0, "verify", run);
	g_free(out);
	out =
	    ckpt_expect(0, "demo", run, "--epochs", "40", "--every", "0", "--model-bytes", "65536");
	char *resumed = g_strdup_printf("resuming after epoch %ld", last);
	g_assert_nonnull(strstr(out, resumed));
	g_assert_nonnull(strstr(out, "epoch 40/40"));
	g_free(resumed);
	g_free(out);
	json = ckpt_expect_json(0, "verify", "--json", run);
	cJSON *v;
	cJSON_ArrayForEach(v, get(cJSON_GetArrayItem(get(json, "runs"), 0), "verify"))
	    g_assert_cmpstr(get_string(v, "result"), ==, "ok");
	cJSON_Delete(json);
	char *link = g_build_filename(run, "ckpts", "last", NULL);
	char *target = tu_readlink(link);
	g_assert_cmpstr(target, ==, "epochs/040");
	g_free(target);
	g_free(link);
	g_free(third);
	g_free(bin);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* ---- verify ------------------------------------------------------------- */

static void flip_byte(const char *path, size_t offset)
{
	gsize len = 0;
	char *data = tu_read(path, &len);
	g_assert_nonnull(data);
	g_assert_cmpuint(len, >, offset);
	data[offset] ^= 0x5a;
	tu_write_bytes(path, data, len);
	g_free(data);
}

static const char *verify_result(const cJSON *json, long epoch)
{
	cJSON *v;
	cJSON_ArrayForEach(v, get(cJSON_GetArrayItem(get(json, "runs"), 0),
				  "verify")) if ((long)get_number(v, "epoch") ==
						 epoch) return get_string(v, "result");
	return NULL;
}

static void test_verify_exit_codes(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "4", NULL);
	cJSON *json = ckpt_expect_json(0, "verify", "--json", run);
	g_assert_cmpstr(get_string(cJSON_GetArrayItem(get(json, "runs"), 0), "name"), ==, "run");
	for (long e = 1; e <= 4; e++)
		g_assert_cmpstr(verify_result(json, e), ==, "ok");
	cJSON_Delete(json);
	char *model = epoch_path(run, "002", "model.h5");
	flip_byte(model, 100);
	json = ckpt_expect_json(1, "verify", "--json", run);
	g_assert_cmpstr(verify_result(json, 2), ==, "mismatch");
	g_assert_cmpstr(verify_result(json, 3), ==, "ok");
	cJSON_Delete(json);
	char *out = ckpt_expect(1, "verify", run);
	g_assert_nonnull(strstr(out, "epoch 2: mismatch"));
	g_free(out);
	/* One epoch only: the damaged one fails, another passes. */
	json = ckpt_expect_json(1, "verify", "--json", "--epoch", "2", run);
	g_assert_cmpint(cJSON_GetArraySize(get(cJSON_GetArrayItem(get(json, "runs"), 0), "verify")),
			==, 1);
	cJSON_Delete(json);
	out = ckpt_expect(0, "verify", "--epoch", "3", run);
	g_free(out);
	out = ckpt_expect(2, "verify", "--epoch", "99", run);
	g_free(out);
	g_free(model);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* ---- clean -------------------------------------------------------------- */

static void test_clean_without_yes_or_tty_changes_nothing(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "6", NULL);
	char *before = tu_snapshot_tree(dir);
	run_result r = run_ckpt("clean", run, "--keep", "2");
	g_assert_cmpint(r.status, ==, 2);
	g_assert_nonnull(strstr(r.err, "use --yes to delete"));
	g_assert_nonnull(strstr(r.out, "delete"));
	run_result_clear(&r);
	cJSON *json = ckpt_expect_json(0, "clean", run, "--keep", "2", "--dry-run", "--json");
	g_assert_true(cJSON_IsFalse(get(json, "applied")));
	cJSON_Delete(json);
	char *after = tu_snapshot_tree(dir);
	g_assert_cmpstr(before, ==, after);
	g_free(before);
	g_free(after);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_clean_yes_deletes_the_planned_epochs(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "6", NULL);
	cJSON *json = ckpt_expect_json(0, "clean", run, "--keep", "2", "--yes", "--json");
	g_assert_true(cJSON_IsTrue(get(json, "applied")));
	g_assert_cmpstr(get_string(json, "run"), ==, "run");
	double freed = 0;
	int deleted = 0;
	cJSON *item;
	cJSON_ArrayForEach(item, get(json, "plan"))
	{
		char name[8];
		snprintf(name, sizeof name, "%03d", (int)get_number(item, "epoch"));
		char *path = epoch_path(run, name, NULL);
		bool keep = strcmp(get_string(item, "action"), "keep") == 0;
		g_assert_true(keep || strcmp(get_string(item, "action"), "delete") == 0);
		g_assert_cmpint(tu_exists(path), ==, keep);
		g_assert_nonnull(get_string(item, "reason"));
		if (!keep) {
			freed += get_number(item, "bytes");
			deleted++;
		}
		g_free(path);
	}
	g_assert_cmpint(cJSON_GetArraySize(get(json, "plan")), ==, 6);
	g_assert_cmpint(deleted, >=, 3);
	g_assert_cmpfloat(get_number(json, "bytes_freed"), ==, freed);
	g_assert_true(cJSON_IsBool(get(json, "removes_work")));
	cJSON_Delete(json);
	char *last = epoch_path(run, "006", "model.h5");
	g_assert_true(tu_exists(last));
	g_free(last);
	/* A second clean has nothing left to do. */
	char *out = ckpt_expect(0, "clean", run, "--keep", "2");
	g_assert_nonnull(strstr(out, "nothing to delete"));
	g_free(out);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* ---- restart ------------------------------------------------------------ */

static char *last_target(const char *run)
{
	char *link = g_build_filename(run, "ckpts", "last", NULL);
	char *target = tu_readlink(link);
	g_free(link);
	return target;
}

static void test_restart_dry_run_and_real(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "6", NULL);
	cJSON *json = ckpt_expect_json(0, "restart", run, "3", "--dry-run", "--json");
	g_assert_cmpint((int)get_number(json, "epoch"), ==, 3);
	g_assert_true(g_str_has_suffix(get_string(json, "model"), "epochs/003/model.h5"));
	g_assert_true(cJSON_IsFalse(get(json, "applied")));
	cJSON_Delete(json);
	char *target = last_target(run);
	g_assert_cmpstr(target, ==, "epochs/006");
	g_free(target);

	json = ckpt_expect_json(0, "restart", run, "3", "--json");
	g_assert_true(cJSON_IsTrue(get(json, "applied")));
	cJSON_Delete(json);
	target = last_target(run);
	g_assert_cmpstr(target, ==, "epochs/003");
	g_free(target);

	/* A damaged epoch is refused (1) unless forced; a missing one is 2. */
	char *model = epoch_path(run, "005", "model.h5");
	flip_byte(model, 10);
	run_result r = run_ckpt("restart", run, "5");
	g_assert_cmpint(r.status, ==, 1);
	g_assert_true(g_str_has_prefix(r.err, "ckpt restart: "));
	run_result_clear(&r);
	target = last_target(run);
	g_assert_cmpstr(target, ==, "epochs/003");
	g_free(target);
	char *out = ckpt_expect(0, "restart", run, "5", "--force");
	g_free(out);
	target = last_target(run);
	g_assert_cmpstr(target, ==, "epochs/005");
	g_free(target);
	out = ckpt_expect(2, "restart", run, "99");
	g_free(out);
	g_free(model);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* ---- history and show ----------------------------------------------------- */

static void test_history_csv_and_json(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "6", NULL);
	char *out = ckpt_expect(0, "history", run, "--csv");
	char **lines = g_strsplit(out, "\n", -1);
	g_assert_cmpstr(lines[0], ==, "epoch,value,saved,best,session");
	g_assert_cmpuint(g_strv_length(lines), ==, 8); /* header, 6 rows, "" */
	for (int i = 1; i <= 6; i++) {
		char **fields = g_strsplit(lines[i], ",", -1);
		g_assert_cmpuint(g_strv_length(fields), ==, 5);
		g_assert_cmpint(atoi(fields[0]), ==, i);
		g_assert_true(isfinite(g_ascii_strtod(fields[1], NULL)));
		g_assert_cmpstr(fields[2], ==, "1"); /* keep mode all: every epoch saved */
		g_assert_cmpstr(fields[4], ==, "0");
		g_strfreev(fields);
	}
	g_strfreev(lines);
	g_free(out);
	cJSON *json = ckpt_expect_json(0, "history", run, "--json");
	g_assert_cmpstr(get_string(json, "metric"), ==, "val_loss");
	g_assert_cmpint(cJSON_GetArraySize(get(json, "points")), ==, 6);
	cJSON *first = cJSON_GetArrayItem(get(json, "points"), 0);
	g_assert_true(cJSON_IsTrue(get(first, "best")));
	g_assert_true(cJSON_IsNumber(get(get(first, "metrics"), "loss")));
	cJSON_Delete(json);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_show_epoch_details(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "3", NULL);
	cJSON *json = ckpt_expect_json(0, "show", run, "3", "--json");
	g_assert_cmpint((int)get_number(json, "epoch"), ==, 3);
	g_assert_true(g_str_has_prefix(get_string(json, "metadata"), "ckpt demo pid="));
	g_assert_cmpstr(get_string(json, "save_best_metric"), ==, "val_loss");
	g_assert_true(cJSON_IsNumber(get(json, "time_elapsed")));
	g_assert_true(cJSON_IsTrue(get(json, "is_last")));
	cJSON_Delete(json);
	char *out = ckpt_expect(0, "show", run);
	g_assert_nonnull(strstr(out, "EPOCH"));
	g_assert_nonnull(strstr(out, "last"));
	g_free(out);
	out = ckpt_expect(2, "show", run, "7");
	g_free(out);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* ---- the fixtures written by the Python original -------------------------- */

/* Deep comparison of what `expected` lists; a key absent from `actual`
 * counts as null. Describes the first difference in *where. */
static bool json_matches(const cJSON *expected, const cJSON *actual, GString *where)
{
	if (cJSON_IsNull(expected))
		return !actual || cJSON_IsNull(actual);
	if (!actual)
		return false;
	if (cJSON_IsNumber(expected)) {
		double a = expected->valuedouble, b = actual->valuedouble;
		return cJSON_IsNumber(actual) && fabs(a - b) <= 1e-12 * fmax(1.0, fabs(a));
	}
	if (cJSON_IsString(expected))
		return cJSON_IsString(actual) &&
		       strcmp(expected->valuestring, actual->valuestring) == 0;
	if (cJSON_IsBool(expected))
		return cJSON_IsBool(actual) && cJSON_IsTrue(expected) == cJSON_IsTrue(actual);
	if (cJSON_IsArray(expected)) {
		if (!cJSON_IsArray(actual) ||
		    cJSON_GetArraySize(expected) != cJSON_GetArraySize(actual))
			return false;
		for (int i = 0; i < cJSON_GetArraySize(expected); i++) {
			size_t len = where->len;
			g_string_append_printf(where, "[%d]", i);
			if (!json_matches(cJSON_GetArrayItem(expected, i),
					  cJSON_GetArrayItem(actual, i), where))
				return false;
			g_string_truncate(where, len);
		}
		return true;
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, expected)
	{
		size_t len = where->len;
		g_string_append_printf(where, ".%s", item->string);
		if (!json_matches(item, get(actual, item->string), where))
			return false;
		g_string_truncate(where, len);
	}
	return true;
}

static cJSON *find_run(const cJSON *runs, const char *name)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, runs) if (strcmp(get_string(r, "name"), name) == 0) return (cJSON *)r;
	return NULL;
}

static cJSON *load_expect(void)
{
	char *path = tu_fixture_path("candle-runs.expect.json");
	char *text = tu_read(path, NULL);
	g_assert_nonnull(text);
	cJSON *json = parse_json(text);
	g_free(text);
	g_free(path);
	return json;
}

static void assert_runs_match(const cJSON *expect_runs, const cJSON *actual_runs, bool verify_only)
{
	const cJSON *want;
	cJSON_ArrayForEach(want, expect_runs)
	{
		const char *name = get_string(want, "name");
		cJSON *got = find_run(actual_runs, name);
		if (!got)
			g_test_message("run %s not reported", name);
		g_assert_nonnull(got);
		const cJSON *field;
		cJSON_ArrayForEach(field, want)
		{
			if (strcmp(field->string, "verify") == 0 ? !verify_only : verify_only)
				continue;
			GString *where = g_string_new(name);
			g_string_append_printf(where, ".%s", field->string);
			bool same = json_matches(field, get(got, field->string), where);
			if (!same) {
				char *text = cJSON_Print(get(got, field->string));
				g_test_message("%s differs; got %s", where->str, text);
				free(text);
			}
			g_assert_true(same);
			g_string_free(where, TRUE);
		}
	}
	g_assert_cmpint(cJSON_GetArraySize(actual_runs), ==, cJSON_GetArraySize(expect_runs));
}

static void test_fixtures_ls_json_matches_expect(void)
{
	char *dir = tu_tmpdir();
	char *exp = tu_unpack_fixtures(dir);
	if (exp) {
		cJSON *expect = load_expect();
		cJSON *json = ckpt_expect_json(0, "ls", "--json", exp);
		assert_runs_match(get(expect, "runs"), get(json, "runs"), false);
		cJSON_Delete(json);
		cJSON_Delete(expect);
	}
	g_free(exp);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_fixtures_verify_json_matches_expect(void)
{
	char *dir = tu_tmpdir();
	char *exp = tu_unpack_fixtures(dir);
	if (exp) {
		cJSON *expect = load_expect();
		/* corrupt-nt3 has damaged epochs: exit 1. */
		cJSON *json = ckpt_expect_json(1, "verify", "--json", exp);
		assert_runs_match(get(expect, "runs"), get(json, "runs"), true);
		cJSON_Delete(json);
		cJSON_Delete(expect);
		char *good = g_build_filename(exp, "nt3-lr0.01", NULL);
		char *out = ckpt_expect(0, "verify", good);
		g_free(out);
		g_free(good);
	}
	g_free(exp);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_fixtures_relink(void)
{
	char *dir = tu_tmpdir();
	char *exp = tu_unpack_fixtures(dir);
	if (exp) {
		char *run = g_build_filename(exp, "nt3-lr0.01", NULL);
		cJSON *json = ckpt_expect_json(0, "relink", run, "--json");
		g_assert_cmpint((int)get_number(json, "changed"), ==, 2);
		g_assert_cmpstr(get_string(json, "best_state"), ==, "ok");
		g_assert_cmpstr(get_string(json, "last_state"), ==, "ok");
		cJSON_Delete(json);
		char *target = last_target(run);
		g_assert_cmpstr(target, ==, "epochs/030");
		g_free(target);
		char *best = g_build_filename(run, "ckpts", "best", NULL);
		target = tu_readlink(best);
		g_assert_cmpstr(target, ==, "epochs/028");
		g_free(target);
		g_free(best);
		json = ckpt_expect_json(0, "relink", run, "--json");
		g_assert_cmpint((int)get_number(json, "changed"), ==, 0);
		cJSON_Delete(json);
		/* The history of a run with a restart shows both sessions. */
		char *resumed = g_build_filename(exp, "resumed", NULL);
		char *out = ckpt_expect(0, "history", resumed);
		g_assert_nonnull(strstr(out, "restart"));
		g_free(out);
		g_free(resumed);
		g_free(run);
	}
	g_free(exp);
	tu_rmtree(dir);
	g_free(dir);
}

/* ---- format.c ------------------------------------------------------------ */

static void test_format_size(void)
{
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
	    {0, "0 B"},           {1023, "1023 B"},        {1024, "1.0 KiB"},
	    {1536, "1.5 KiB"},    {10188, "9.9 KiB"},      {10240, "10 KiB"},
	    {262144, "256 KiB"},  {786432, "768 KiB"},     {1048575, "1.0 MiB"},
	    {1572864, "1.5 MiB"}, {1073741824, "1.0 GiB"}, {UINT64_MAX, "16 EiB"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char out[FMT_SHORT];
		g_assert_cmpstr(fmt_size(out, cases[i].bytes), ==, cases[i].text);
	}
}

static void test_format_duration(void)
{
	static const struct {
		double seconds;
		const char *text;
	} cases[] = {
	    {0, "0.0 s"},        {0.42, "0.4 s"},      {42, "42 s"},         {59.6, "1 min 00 s"},
	    {185, "3 min 05 s"}, {7620, "2 h 07 min"}, {273600, "3 d 04 h"}, {-1, "-"},
	    {NAN, "-"},          {INFINITY, "-"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char out[FMT_SHORT];
		g_assert_cmpstr(fmt_duration(out, cases[i].seconds), ==, cases[i].text);
	}
}

static void test_format_metric(void)
{
	char out[FMT_SHORT];
	g_assert_cmpstr(fmt_metric(out, INFINITY), ==, "inf");
	g_assert_cmpstr(fmt_metric(out, -INFINITY), ==, "-inf");
	g_assert_cmpstr(fmt_metric(out, NAN), ==, "nan");
	g_assert_cmpstr(fmt_metric(out, -NAN), ==, "nan");
	g_assert_cmpstr(fmt_metric(out, 0.206222), ==, "0.206222");
	g_assert_cmpstr(fmt_metric(out, 0.30000000000000004), ==, "0.3");
	g_assert_cmpstr(fmt_metric(out, 1.5e-07), ==, "1.5e-07");
	g_assert_cmpstr(fmt_metric_exact(out, 0.30000000000000004), ==, "0.30000000000000004");
	g_assert_cmpstr(fmt_metric_exact(out, 0.206222), ==, "0.206222");
	g_assert_cmpstr(fmt_metric_exact(out, -INFINITY), ==, "-inf");
	static const double values[] = {1.0 / 3.0, 2.0 / 3.0, 1e-300, 123456.789, -0.1};
	for (size_t i = 0; i < G_N_ELEMENTS(values); i++)
		g_assert_cmpfloat(strtod(fmt_metric_exact(out, values[i]), NULL), ==, values[i]);
}

static void test_format_display_width(void)
{
	g_assert_cmpuint(fmt_display_width(""), ==, 0);
	g_assert_cmpuint(fmt_display_width("abc"), ==, 3);
	g_assert_cmpuint(fmt_display_width("\xc3\xa9"), ==, 1);  /* é */
	g_assert_cmpuint(fmt_display_width("e\xcc\x81"), ==, 1); /* e + combining acute */
	g_assert_cmpuint(fmt_display_width("\xe6\x97\xa5\xe6\x9c\xac"), ==, 4); /* 日本 */
	g_assert_cmpuint(fmt_display_width("\xe2\x9c\x93"), ==, 1);             /* ✓ */
	g_assert_cmpuint(fmt_display_width("\xf0\x9f\x98\x80"), ==, 2);         /* 😀 */
	g_assert_cmpuint(fmt_display_width("\xff\xfe"), ==, 2);                 /* invalid bytes */
	g_assert_cmpuint(fmt_display_width("\xe6\x97"), ==, 2);                 /* truncated */
	g_assert_cmpuint(fmt_display_width("\xc0\xaf"), ==, 2);                 /* overlong '/' */
}

/* Column where `needle` starts on `line`, in display columns. */
static size_t column_of(const char *line, const char *needle)
{
	const char *at = strstr(line, needle);
	g_assert_nonnull(at);
	char *prefix = g_strndup(line, (gsize)(at - line));
	size_t width = fmt_display_width(prefix);
	g_free(prefix);
	return width;
}

static void test_format_table_pads_by_display_width(void)
{
	static const char *const headers[] = {"NAME", "SIZE", "STATUS"};
	static const fmt_align align[] = {FMT_LEFT, FMT_RIGHT, FMT_LEFT};
	fmt_table *t = fmt_table_new(3, headers, align);
	g_assert_nonnull(t);
	const char *row1[] = {"\xe6\x97\xa5\xe6\x9c\xac-run", "1.5 MiB", "ok"};
	const char *row2[] = {"caf\xc3\xa9", "768 KiB", ""};
	const char *row3[] = {"long-run-name", "0 B", NULL};
	g_assert_cmpint(fmt_table_add_row(t, row1), ==, 0);
	g_assert_cmpint(fmt_table_add_note(t, "--- a note longer than every column ---"), ==, 0);
	g_assert_cmpint(fmt_table_add_row(t, row2), ==, 0);
	g_assert_cmpint(fmt_table_add_row(t, row3), ==, 0);
	g_assert_cmpuint(fmt_table_rows(t), ==, 4);
	char *text = fmt_table_render(t);
	fmt_table_free(t);
	char **lines = g_strsplit(text, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 6);
	g_assert_cmpstr(lines[0], ==, "NAME              SIZE  STATUS");
	g_assert_cmpstr(lines[2], ==, "--- a note longer than every column ---");
	/* Right-aligned sizes end in the same display column. */
	size_t end = column_of(lines[0], "SIZE") + 4;
	g_assert_cmpuint(column_of(lines[1], "1.5 MiB") + 7, ==, end);
	g_assert_cmpuint(column_of(lines[3], "768 KiB") + 7, ==, end);
	g_assert_cmpuint(column_of(lines[4], "0 B") + 3, ==, end);
	g_assert_cmpuint(column_of(lines[1], "ok"), ==, column_of(lines[0], "STATUS"));
	for (int i = 0; lines[i]; i++)
		g_assert_false(g_str_has_suffix(lines[i], " "));
	g_strfreev(lines);
	free(text);
}

static void test_format_progress(void)
{
	char out[128];
	g_assert_cmpstr(fmt_progress(out, sizeof out, "verify 028", 45, 100, 12.34e6, 0), ==,
			"verify 028   45%  12.3 MB/s");
	g_assert_cmpstr(fmt_progress(out, sizeof out, "scan", 7, 0, -1, 0), ==, "scan");
	g_assert_cmpstr(fmt_progress(out, sizeof out, "x", 200, 100, -1, 0), ==, "x  100%");
	fmt_progress(out, sizeof out, "\xe6\x97\xa5\xe6\x9c\xac", 1, 2, -1, 3);
	g_assert_cmpstr(out, ==, "\xe6\x97\xa5"); /* never half a wide character */
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cli/format/size/binary-units-one-decimal-below-ten", test_format_size);
	g_test_add_func("/cli/format/duration/units-grow-with-the-value", test_format_duration);
	g_test_add_func("/cli/format/metric/non-finite-and-round-trip", test_format_metric);
	g_test_add_func("/cli/format/width/wide-combining-and-invalid-utf8",
			test_format_display_width);
	g_test_add_func("/cli/format/table/pads-by-display-width",
			test_format_table_pads_by_display_width);
	g_test_add_func("/cli/format/progress/percent-rate-and-width", test_format_progress);
	g_test_add_func("/cli/help/every-command-answers", test_help_every_command);
	g_test_add_func("/cli/help/no-arguments-prints-help", test_no_arguments_prints_help);
	g_test_add_func("/cli/usage/errors-exit-2-and-change-nothing", test_usage_errors_exit_2);
	g_test_add_func("/cli/usage/unreadable-path-exits-2", test_unreadable_path_exits_2);
	g_test_add_func("/cli/demo/ls-json-describes-the-run", test_demo_then_ls_json);
	g_test_add_func("/cli/demo/resumes-on-the-same-curve", test_demo_resumes_on_the_same_curve);
	g_test_add_func("/cli/demo/sigkill-leaves-a-readable-resumable-tree",
			test_demo_killed_leaves_a_readable_tree);
	g_test_add_func("/cli/verify/exit-0-clean-1-after-corruption", test_verify_exit_codes);
	g_test_add_func("/cli/clean/no-yes-no-tty-changes-nothing",
			test_clean_without_yes_or_tty_changes_nothing);
	g_test_add_func("/cli/clean/yes-deletes-the-planned-epochs",
			test_clean_yes_deletes_the_planned_epochs);
	g_test_add_func("/cli/restart/dry-run-keeps-last-real-moves-it",
			test_restart_dry_run_and_real);
	g_test_add_func("/cli/history/csv-and-json", test_history_csv_and_json);
	g_test_add_func("/cli/show/epoch-details", test_show_epoch_details);
	g_test_add_func("/cli/fixtures/ls-json-matches-expect",
			test_fixtures_ls_json_matches_expect);
	g_test_add_func("/cli/fixtures/verify-json-matches-expect",
			test_fixtures_verify_json_matches_expect);
	g_test_add_func("/cli/fixtures/relink-makes-links-relative", test_fixtures_relink);
	return g_test_run();
}
