/* test-cli.c: the `ckpt` program end to end (the real binary on temporary
 * trees): help and usage errors, demo and ls, verify, clean, restart,
 * history and show, with their exit codes. */
#include "cli-fixture.h"
#include "testutil.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

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
	/* STATUS stands before METRIC: "ok" then the metric's name. */
	g_assert_nonnull(strstr(out, " ok  "));
	g_assert_true(g_regex_match_simple(" ok +val_loss ", out, 0, 0));
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
	/* The writer's first save has no previous one to time against. */
	json = ckpt_expect_json(0, "show", run, "1", "--json");
	g_assert_cmpstr(get_string(json, "time_elapsed"), ==, "__FIRST__");
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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
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
	return g_test_run();
}
