/* test-cli.c: the `ckpt` program end to end (the real binary on temporary
 * trees): help and usage errors, exit statuses for missing, empty and
 * ambiguous input, and the demo trainer (resuming, surviving SIGKILL,
 * continuing whatever root its DIR has). */
#include "cli-fixture.h"
#include "testutil.h"

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
	g_assert_true(g_str_has_prefix(out, "ckpt 0.2"));
	g_assert_nonnull(strstr(out, ", CRC-32 by "));
	g_free(out);
	/* Without a command and without a terminal, ckpt prints what ckpt ls
	 * prints (on a terminal it is the dashboard: tests/ui). */
	run_result r = run_ckptv((const char *const[]){NULL});
	run_result ls = run_ckpt("ls");
	g_assert_cmpint(r.status, ==, ls.status);
	g_assert_cmpstr(r.out, ==, ls.out);
	g_assert_cmpstr(r.err, ==, ls.err);
	run_result_clear(&r);
	run_result_clear(&ls);
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
	usage_error("ls", "ls", "--sort", "colour", run);
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
	/* The library names the modes; the CLI keeps no list of its own. */
	run_result r = run_ckpt("clean", run, "--mode", "sometimes");
	g_assert_nonnull(strstr(r.err, "linear, exponential or all"));
	run_result_clear(&r);
	char *after = tu_snapshot_tree(dir);
	g_assert_cmpstr(snapshot, ==, after);
	r = run_ckpt("frobnicate");
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
	/* A failed --json call still answers in JSON, with the reason. */
	const char *json_cmds[] = {"show", "history", "relink", "clean"};
	for (size_t i = 0; i < G_N_ELEMENTS(json_cmds); i++) {
		r = run_ckpt(json_cmds[i], missing, "--json");
		g_assert_cmpint(r.status, ==, 2);
		json = parse_json(r.out);
		cJSON *error = get(json, "error");
		if (strcmp(json_cmds[i], "clean") == 0)
			error = get(json, "problems");
		g_assert_nonnull(error);
		cJSON_Delete(json);
		run_result_clear(&r);
	}
	r = run_ckpt("restart", missing, "3", "--json");
	g_assert_cmpint(r.status, ==, 2);
	json = parse_json(r.out);
	g_assert_cmpstr(get_string(get(json, "error"), "code"), ==, "not-found");
	g_assert_true(cJSON_IsFalse(get(json, "applied")));
	cJSON_Delete(json);
	run_result_clear(&r);
	g_free(missing);
	tu_rmtree(dir);
	g_free(dir);
}

/* ls and verify agree on a folder without runs: the same words, status 0. */
static void test_empty_folder_ls_and_verify_agree(void)
{
	char *dir = tu_tmpdir();
	char *expected = g_strdup_printf("no checkpoint runs found under %s", dir);
	const char *cmds[] = {"ls", "verify"};
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
		run_result r = run_ckpt(cmds[i], dir);
		g_assert_cmpint(r.status, ==, 0);
		g_assert_nonnull(strstr(r.err, expected));
		g_assert_cmpstr(r.out, ==, "");
		run_result_clear(&r);
		r = run_ckpt(cmds[i], "--json", dir);
		g_assert_cmpint(r.status, ==, 0);
		cJSON *json = parse_json(r.out);
		g_assert_cmpint(cJSON_GetArraySize(get(json, "runs")), ==, 0);
		cJSON_Delete(json);
		run_result_clear(&r);
	}
	g_free(expected);
	tu_rmtree(dir);
	g_free(dir);
}

/* A folder holding ckpts/ and the legacy save/ckpts/: ls lists both; a
 * command given the folder names both roots and exits 2. */
static void test_two_roots_are_ambiguous(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "both", "3", NULL);
	char *legacy = g_build_filename(run, "save", NULL);
	char *legacy_run = g_build_filename(dir, "legacy", NULL);
	g_assert_cmpint(g_mkdir_with_parents(legacy, 0755), ==, 0);
	char *ckpts = g_build_filename(legacy, "ckpts", NULL);
	char *out =
	    ckpt_expect(0, "demo", ckpts, "--epochs", "2", "--every", "0", "--model-bytes", "100");
	g_free(out);
	cJSON *json = ckpt_expect_json(0, "ls", "--json", run);
	g_assert_cmpint(cJSON_GetArraySize(get(json, "runs")), ==, 2);
	g_assert_nonnull(find_run(json, "both/ckpts"));
	g_assert_nonnull(find_run(json, "both/save/ckpts"));
	cJSON_Delete(json);
	const char *cmds[][4] = {{"show", run, NULL},     {"history", run, NULL},
				 {"relink", run, NULL},   {"restart", run, "2"},
				 {"clean", run, "--yes"}, {"demo", run, "--epochs"}};
	char *before = tu_snapshot_tree(dir);
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
		run_result r = strcmp(cmds[i][0], "demo") == 0
				   ? run_ckpt(cmds[i][0], run, "--epochs", "5", "--every", "0")
			       : cmds[i][2] ? run_ckpt(cmds[i][0], cmds[i][1], cmds[i][2])
					    : run_ckpt(cmds[i][0], cmds[i][1]);
		g_assert_cmpint(r.status, ==, 2);
		char *root = g_build_filename(run, "save", "ckpts", NULL);
		g_assert_nonnull(strstr(r.err, root));
		g_free(root);
		run_result_clear(&r);
	}
	char *after = tu_snapshot_tree(dir);
	g_assert_cmpstr(before, ==, after);
	json = ckpt_expect_json(2, "show", run, "--json");
	g_assert_cmpstr(get_string(get(json, "error"), "code"), ==, "ambiguous");
	cJSON_Delete(json);
	g_free(before);
	g_free(after);
	g_free(ckpts);
	g_free(legacy_run);
	g_free(legacy);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* ---- demo ------------------------------------------------------------------ */

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
	    "name", "path",       "layout",        "metric",    "direction", "best", "best_state",
	    "last", "last_state", "work_leftover", "stray",     "writer",    "live", "health",
	    "size", "updated",    "keep_limit",    "keep_mode", "epochs"};
	for (size_t i = 0; i < G_N_ELEMENTS(run_keys); i++)
		g_assert_nonnull(get(r, run_keys[i]));
	g_assert_cmpstr(get_string(r, "name"), ==, "nt3");
	g_assert_cmpstr(get_string(r, "layout"), ==, "candle");
	g_assert_cmpstr(get_string(r, "health"), ==, "ok");
	g_assert_cmpint((int)get_number(r, "keep_limit"), ==, 3);
	g_assert_cmpint((int)get_number(r, "last"), ==, 8);
	g_assert_true(cJSON_IsNull(get(r, "writer")));
	cJSON *epochs = get(r, "epochs");
	g_assert_cmpint(cJSON_GetArraySize(epochs), >=, 3);
	g_assert_cmpint(cJSON_GetArraySize(epochs), <=, 4);
	cJSON *e;
	cJSON_ArrayForEach(e, epochs)
	{
		g_assert_cmpstr(get_string(e, "info"), ==, "ok");
		g_assert_cmpstr(get_string(e, "health"), ==, "ok");
		g_assert_cmpint((int)get_number(e, "model_bytes"), ==, 4096);
		g_assert_true(cJSON_IsNumber(get(get(e, "metrics"), "loss")));
	}
	/* The totals of what was listed, in JSON too. */
	cJSON *totals = get(json, "totals");
	g_assert_cmpint((int)get_number(totals, "runs"), ==, 1);
	g_assert_cmpint((int)get_number(totals, "epochs"), ==, cJSON_GetArraySize(epochs));
	g_assert_cmpint((int)get_number(totals, "live"), ==, 0);
	g_assert_cmpfloat(get_number(totals, "bytes"), ==, get_number(r, "size"));
	cJSON_Delete(json);
	out = ckpt_expect(0, "ls", dir);
	g_assert_true(g_str_has_prefix(out, "NAME"));
	g_assert_nonnull(strstr(out, "\nnt3 "));
	/* One metric for all runs heads the value column. */
	g_assert_true(g_regex_match_simple("STATUS +val_loss\n", out, 0, 0));
	g_assert_null(strstr(out, "METRIC"));
	g_assert_true(g_regex_match_simple("\n1 run, [34] epochs, [0-9.]+ KiB\n$", out, 0, 0));
	g_free(out);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
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
	g_assert_cmpstr(strstr(out2, "epoch 6/8"), ==, strstr(out3, "epoch 6/8"));
	char *again = ckpt_expect(0, "demo", resumed, "--epochs", "8", "--every", "0");
	g_assert_nonnull(strstr(again, "nothing to train"));
	g_free(again);
	g_free(out1);
	g_free(out2);
	g_free(out3);
	g_free(resumed);
	g_free(straight);
	tu_rmtree(dir);
	g_free(dir);
}

/* `ckpt demo DIR` writes into the root DIR has, DIR itself when it is one. */
static void test_demo_continues_the_root_it_is_given(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "3", NULL);
	char *root = g_build_filename(run, "ckpts", NULL);
	char *out = ckpt_expect(0, "demo", root, "--epochs", "5", "--every", "0");
	g_assert_nonnull(strstr(out, "resuming after epoch 3"));
	g_free(out);
	char *nested = g_build_filename(root, "ckpts", NULL);
	g_assert_false(tu_exists(nested));
	g_free(nested);
	/* A legacy run continues in save/ckpts/, never in a new ckpts/. */
	char *legacy = g_build_filename(dir, "legacy", NULL);
	char *legacy_root = g_build_filename(legacy, "save", "ckpts", NULL);
	g_assert_cmpint(g_mkdir_with_parents(legacy, 0755), ==, 0);
	out = ckpt_expect(0, "demo", legacy_root, "--epochs", "2", "--every", "0");
	g_free(out);
	out = ckpt_expect(0, "demo", legacy, "--epochs", "4", "--every", "0");
	g_assert_nonnull(strstr(out, "resuming after epoch 2"));
	g_assert_nonnull(strstr(out, legacy_root));
	g_free(out);
	char *wrong = g_build_filename(legacy, "ckpts", NULL);
	g_assert_false(tu_exists(wrong));
	g_free(wrong);
	g_free(legacy_root);
	g_free(legacy);
	g_free(root);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_demo_killed_leaves_a_readable_tree(void)
{
	char *dir = tu_tmpdir();
	char *run = g_build_filename(dir, "run", NULL);
	GPid pid = start_live_demo(run, "0.02");
	char *third = epoch_path(run, "003", NULL);
	for (int i = 0; i < 3000 && !tu_exists(third); i++)
		g_usleep(10000);
	g_usleep(37000); /* somewhere inside a later epoch */
	stop_live_demo(pid);
	cJSON *json = ckpt_expect_json(0, "ls", "--json", run);
	cJSON *r = cJSON_GetArrayItem(get(json, "runs"), 0);
	long last = (long)get_number(r, "last");
	g_assert_cmpint(last, >=, 3);
	g_assert_cmpstr(get_string(r, "last_state"), ==, "ok");
	g_assert_true(cJSON_IsFalse(get(r, "live")));
	cJSON_Delete(json);
	char *out = ckpt_expect(0, "verify", run);
	g_free(out);
	char *epochs = g_strdup_printf("%ld", last + 3);
	out = ckpt_expect(0, "demo", run, "--epochs", epochs, "--every", "0");
	char *resumed = g_strdup_printf("resuming after epoch %ld", last);
	g_assert_nonnull(strstr(out, resumed));
	g_free(resumed);
	g_free(out);
	g_free(epochs);
	g_free(third);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/cli/help/every-command-answers", test_help_every_command);
	g_test_add_func("/cli/usage/errors-exit-2-and-change-nothing", test_usage_errors_exit_2);
	g_test_add_func("/cli/usage/unreadable-path-exits-2-json-says-why",
			test_unreadable_path_exits_2);
	g_test_add_func("/cli/usage/empty-folder-ls-and-verify-agree",
			test_empty_folder_ls_and_verify_agree);
	g_test_add_func("/cli/usage/two-roots-are-ambiguous-exit-2", test_two_roots_are_ambiguous);
	g_test_add_func("/cli/demo/ls-json-describes-the-run", test_demo_then_ls_json);
	g_test_add_func("/cli/demo/resumes-on-the-same-curve", test_demo_resumes_on_the_same_curve);
	g_test_add_func("/cli/demo/continues-the-root-it-is-given",
			test_demo_continues_the_root_it_is_given);
	g_test_add_func("/cli/demo/sigkill-leaves-a-readable-resumable-tree",
			test_demo_killed_leaves_a_readable_tree);
	return cli_test_run();
}
