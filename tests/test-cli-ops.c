/* test-cli-ops.c: `ckpt restart` and `ckpt relink` on real runs: dry runs,
 * refusals the user may overrule (with the CLI's --force hint) and those he
 * may not, their JSON with the reason, and links that moved or dangle. */
#include "cli-fixture.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_restart_dry_run_and_real(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "6", NULL);
	cJSON *json = ckpt_expect_json(0, "restart", run, "3", "--dry-run", "--json");
	g_assert_cmpint((int)get_number(json, "epoch"), ==, 3);
	g_assert_true(g_str_has_suffix(get_string(json, "model"), "epochs/003/model.h5"));
	g_assert_true(cJSON_IsNumber(get(json, "best_metric_last")));
	g_assert_true(cJSON_IsFalse(get(json, "applied")));
	g_assert_null(get(json, "error"));
	cJSON_Delete(json);
	char *target = last_target(run);
	g_assert_cmpstr(target, ==, "epochs/006");
	g_free(target);
	char *out = ckpt_expect(0, "restart", run, "3");
	g_assert_nonnull(strstr(out, "run: rolled back to epoch 3\n"));
	g_assert_nonnull(strstr(out, "resumes at epoch 4"));
	g_free(out);
	target = last_target(run);
	g_assert_cmpstr(target, ==, "epochs/003");
	g_free(target);
	out = ckpt_expect(2, "restart", run, "99");
	g_free(out);
	json = ckpt_expect_json(2, "restart", run, "99", "--json");
	g_assert_cmpstr(get_string(get(json, "error"), "code"), ==, "not-found");
	cJSON_Delete(json);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* A damaged epoch is refused (1) with the CLI's hint, and taken with --force. */
static void test_restart_refused_unless_forced(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "6", NULL);
	char *model = epoch_path(run, "005", "model.h5");
	flip_byte(model, 10);
	run_result r = run_ckpt("restart", run, "5");
	g_assert_cmpint(r.status, ==, 1);
	g_assert_true(g_str_has_prefix(r.err, "ckpt restart: "));
	g_assert_true(g_str_has_suffix(r.err, "; use --force to roll back anyway\n"));
	g_assert_cmpstr(r.out, ==, "");
	run_result_clear(&r);
	cJSON *json = ckpt_expect_json(1, "restart", run, "5", "--json");
	g_assert_true(cJSON_IsFalse(get(json, "applied")));
	cJSON *error = get(json, "error");
	g_assert_cmpstr(get_string(error, "code"), ==, "refused");
	/* The library's reason, without any front end's flags. */
	g_assert_null(strstr(get_string(error, "message"), "--force"));
	g_assert_nonnull(strstr(get_string(error, "message"), "checksum"));
	cJSON_Delete(json);
	char *target = last_target(run);
	g_assert_cmpstr(target, ==, "epochs/006");
	g_free(target);
	char *out = ckpt_expect(0, "restart", run, "5", "--force");
	g_free(out);
	target = last_target(run);
	g_assert_cmpstr(target, ==, "epochs/005");
	g_free(target);
	g_free(model);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* A live writer is a refusal no flag overrules: 1, and no --force hint. */
static void test_restart_and_relink_refused_by_a_live_writer(void)
{
	char *dir = tu_tmpdir();
	char *run = g_build_filename(dir, "live", NULL);
	GPid pid = start_live_demo(run, "2");
	run_result r = run_ckpt("restart", run, "1", "--force");
	g_assert_cmpint(r.status, ==, 1);
	g_assert_null(strstr(r.err, "--force"));
	run_result_clear(&r);
	cJSON *json = ckpt_expect_json(1, "restart", run, "1", "--json");
	g_assert_cmpstr(get_string(get(json, "error"), "code"), ==, "locked");
	cJSON_Delete(json);
	char *link = g_build_filename(run, "ckpts", "last", NULL);
	char *target = tu_readlink(link);
	char *absolute = g_build_filename(run, "ckpts", target, NULL);
	char *tmp = g_strdup_printf("%s.tmp", link);
	g_assert_cmpint(symlink(absolute, tmp), ==, 0);
	g_assert_cmpint(rename(tmp, link), ==, 0);
	json = ckpt_expect_json(1, "relink", run, "--json");
	g_assert_cmpstr(get_string(get(json, "error"), "code"), ==, "locked");
	g_assert_true(cJSON_IsFalse(get(json, "applied")));
	cJSON_Delete(json);
	stop_live_demo(pid);
	g_free(tmp);
	g_free(absolute);
	g_free(target);
	g_free(link);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* Points run/ckpts/NAME at target (a new link replaces the old). */
static void set_link(const char *run, const char *name, const char *target)
{
	char *link = g_build_filename(run, "ckpts", name, NULL);
	remove(link);
	g_assert_cmpint(symlink(target, link), ==, 0);
	g_free(link);
}

static void test_relink_moved_run(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "4", NULL);
	/* Absolute links into a copy that is gone: the original's way. */
	char *old = g_build_filename("/nonexistent-cluster", "run", "ckpts", "epochs", NULL);
	char *best = g_build_filename(old, "004", NULL), *last = g_build_filename(old, "003", NULL);
	set_link(run, "best", best);
	set_link(run, "last", last);
	char *out = ckpt_expect(0, "show", run);
	g_assert_nonnull(strstr(out, "4 (relocated)"));
	g_assert_nonnull(strstr(out, "links need relinking"));
	g_free(out);
	out = ckpt_expect(0, "ls", run);
	g_assert_null(strstr(out, "(relocated)"));
	g_assert_nonnull(strstr(out, "links need relinking"));
	g_free(out);
	out = ckpt_expect(0, "relink", run);
	g_assert_cmpstr(out, ==, "run: 2 links rewritten; best 4, last 3\n");
	g_free(out);
	char *target = last_target(run);
	g_assert_cmpstr(target, ==, "epochs/003");
	g_free(target);
	cJSON *json = ckpt_expect_json(0, "relink", run, "--json");
	g_assert_cmpint((int)get_number(json, "changed"), ==, 0);
	g_assert_cmpstr(get_string(json, "best_state"), ==, "ok");
	g_assert_true(cJSON_IsTrue(get(json, "applied")));
	cJSON_Delete(json);
	g_free(best);
	g_free(last);
	g_free(old);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* A dangling link shows the epoch it names. */
static void test_dangling_link_names_its_epoch(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "3", NULL);
	set_link(run, "last", "epochs/031");
	char *out = ckpt_expect(0, "ls", run);
	g_assert_nonnull(strstr(out, "31 (dangling)"));
	g_assert_null(strstr(out, "- (dangling)"));
	g_free(out);
	out = ckpt_expect(0, "show", run);
	g_assert_nonnull(strstr(out, "last     31 (dangling)\n"));
	g_assert_nonnull(strstr(out, "last broken"));
	g_free(out);
	cJSON *json = ckpt_expect_json(0, "show", run, "--json");
	g_assert_cmpint((int)get_number(json, "last"), ==, 31);
	g_assert_cmpstr(get_string(json, "last_state"), ==, "dangling");
	cJSON_Delete(json);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/cli/restart/dry-run-keeps-last-real-moves-it",
			test_restart_dry_run_and_real);
	g_test_add_func("/cli/restart/refused-exit-1-with-force-hint-unless-forced",
			test_restart_refused_unless_forced);
	g_test_add_func("/cli/ops/live-writer-refuses-without-force-hint",
			test_restart_and_relink_refused_by_a_live_writer);
	g_test_add_func("/cli/relink/moved-run-gets-relative-links", test_relink_moved_run);
	g_test_add_func("/cli/links/dangling-shows-the-epoch-it-names",
			test_dangling_link_names_its_epoch);
	return cli_test_run();
}
