/* test-cli-ls.c: `ckpt ls` on real runs: --sort, --live and --problems,
 * the totals line and JSON, the SAVED column, and tables that keep their
 * facts at 80, 60 and 40 columns (CKPT_FORCE_WIDTH) and print whole when
 * piped. */
#include "cli-fixture.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The NAME column's cells, top to bottom. */
static char *names_in_order(const char *out)
{
	GString *names = g_string_new(NULL);
	char **lines = g_strsplit(out, "\n", -1);
	for (int i = 1; lines[i] && lines[i][0] && strchr(lines[i], ' '); i++) {
		if (g_str_has_prefix(lines[i], "1 run") ||
		    g_regex_match_simple("^[0-9]+ runs,", lines[i], 0, 0))
			break;
		g_string_append_len(names, lines[i], strcspn(lines[i], " "));
		g_string_append_c(names, ' ');
	}
	g_strfreev(lines);
	return g_string_free(names, FALSE);
}

static char *ls_names(const char *const *args)
{
	char *out = ckpt_ok(0, args);
	char *names = names_in_order(out);
	g_free(out);
	return names;
}
#define ls_order(...) ls_names((const char *const[]){"ls", __VA_ARGS__, NULL})

static void test_ls_sort_keys(void)
{
	char *dir = tu_tmpdir();
	/* Metric values fall with the epoch: 9 epochs beat 6 beat 3. */
	char *a = make_demo(dir, "a-short", "3", NULL);
	char *b = make_demo(dir, "b-long", "9", NULL);
	char *c = make_demo(dir, "c-mid", "6", NULL);
	/* A run without a value goes last when sorting by metric. */
	char *empty = g_build_filename(dir, "d-empty", "ckpts", "epochs", NULL);
	g_assert_cmpint(g_mkdir_with_parents(empty, 0755), ==, 0);
	char *names = ls_order(dir);
	g_assert_cmpstr(names, ==, "a-short b-long c-mid d-empty ");
	g_free(names);
	names = ls_order("--sort", "metric", dir);
	g_assert_cmpstr(names, ==, "b-long c-mid a-short d-empty ");
	g_free(names);
	names = ls_order("--sort", "size", dir);
	g_assert_cmpstr(names, ==, "b-long c-mid a-short d-empty ");
	g_free(names);
	/* Newest first: touch the oldest run by saving one more epoch. */
	g_usleep(1100000);
	char *out =
	    ckpt_expect(0, "demo", a, "--epochs", "4", "--every", "0", "--model-bytes", "4096");
	g_free(out);
	names = ls_order("--sort", "updated", dir);
	g_assert_true(g_str_has_prefix(names, "a-short "));
	g_assert_true(g_str_has_suffix(names, "d-empty "));
	g_free(names);
	/* --direction +: larger is better, still best first. */
	char *acc = g_build_filename(dir, "acc", NULL);
	char *acc_dir = g_build_filename(acc, "up", NULL);
	char *acc_low = g_build_filename(acc, "worse", NULL);
	out = ckpt_expect(0, "demo", acc_dir, "--epochs", "8", "--every", "0", "--direction", "+",
			  "--model-bytes", "100");
	g_free(out);
	out = ckpt_expect(0, "demo", acc_low, "--epochs", "2", "--every", "0", "--direction", "+",
			  "--model-bytes", "100");
	g_free(out);
	names = ls_order("--sort", "metric", acc);
	g_assert_cmpstr(names, ==, "up worse ");
	g_free(names);
	g_free(acc_low);
	g_free(acc_dir);
	g_free(acc);
	g_free(empty);
	g_free(a);
	g_free(b);
	g_free(c);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_ls_live_problems_and_totals(void)
{
	char *dir = tu_tmpdir();
	char *ok = make_demo(dir, "fine", "4", NULL);
	char *bad = make_demo(dir, "damaged", "4", NULL);
	char *info = epoch_path(bad, "002", "ckpt-info.json");
	g_assert_cmpint(remove(info), ==, 0);
	char *live = g_build_filename(dir, "training", NULL);
	GPid pid = start_live_demo(live, "0.05");

	run_result r = run_ckpt("ls", dir);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_nonnull(strstr(r.out, "training live (pid"));
	g_assert_nonnull(strstr(r.out, "1 incomplete"));
	g_assert_true(g_regex_match_simple("\n3 runs, [0-9]+ epochs, [0-9.]+ [KM]iB; 1 live, 1 "
					   "with problems\n$",
					   r.out, 0, 0));
	run_result_clear(&r);
	char *names = ls_order("--live", dir);
	g_assert_cmpstr(names, ==, "training ");
	g_free(names);
	names = ls_order("--problems", dir);
	g_assert_cmpstr(names, ==, "damaged ");
	g_free(names);
	cJSON *json = ckpt_expect_json(0, "ls", "--json", "--problems", dir);
	g_assert_cmpint(cJSON_GetArraySize(get(json, "runs")), ==, 1);
	g_assert_cmpint((int)get_number(get(json, "totals"), "problems"), ==, 1);
	g_assert_cmpint((int)get_number(get(json, "totals"), "runs"), ==, 1);
	cJSON_Delete(json);
	json = ckpt_expect_json(0, "ls", "--json", "--live", dir);
	cJSON *run = cJSON_GetArrayItem(get(json, "runs"), 0);
	g_assert_true(cJSON_IsTrue(get(run, "live")));
	g_assert_true(cJSON_IsTrue(get(get(run, "writer"), "live")));
	g_assert_cmpint((int)get_number(get(json, "totals"), "live"), ==, 1);
	cJSON_Delete(json);
	stop_live_demo(pid);
	/* Nothing matches: said on stderr, still status 0. */
	r = run_ckpt("ls", "--live", ok);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_nonnull(strstr(r.err, "none of the 1 runs found is live"));
	run_result_clear(&r);
	g_free(live);
	g_free(info);
	g_free(ok);
	g_free(bad);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_ls_saved_column(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "run", "2", NULL);
	char *out = ckpt_expect(0, "ls", dir);
	g_assert_nonnull(strstr(out, "SAVED"));
	g_assert_true(g_regex_match_simple("  (just now|[0-9]+ s ago)  ", out, 0, 0));
	g_free(out);
	cJSON *json = ckpt_expect_json(0, "ls", "--json", run);
	double updated = get_number(cJSON_GetArrayItem(get(json, "runs"), 0), "updated");
	g_assert_cmpfloat(updated, >, 1.7e9);
	cJSON_Delete(json);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* Runs whose rows are wide: a long name, moved links, a long status. */
static char *make_wide_runs(char **dir)
{
	*dir = tu_tmpdir();
	char *run = make_demo(*dir, "nt3-lr0.001-dropout0.5-batch64-long", "4", NULL);
	char *other = make_demo(*dir, "tc1", "3", "--direction=+");
	char *info = epoch_path(run, "002", "ckpt-info.json");
	g_assert_cmpint(remove(info), ==, 0);
	char *stray = epoch_path(run, "notes.txt", NULL);
	tu_write(stray, "x");
	g_free(stray);
	g_free(info);
	g_free(other);
	return run;
}

static void test_ls_fits_80_60_40_and_keeps_the_facts(void)
{
	char *dir = NULL;
	char *run = make_wide_runs(&dir);
	char *whole = ckpt_expect(0, "ls", dir);
	g_assert_nonnull(strstr(whole, "nt3-lr0.001-dropout0.5-batch64-long"));
	g_assert_nonnull(strstr(whole, "1 incomplete, 1 stray"));
	g_assert_cmpuint(widest_line(whole), >, 80);
	static const char *const widths[] = {"80", "60", "40"};
	for (size_t w = 0; w < G_N_ELEMENTS(widths); w++) {
		char *env_width = g_strdup_printf("CKPT_FORCE_WIDTH=%s", widths[w]);
		const char *env[] = {env_width, NULL};
		run_result out = run_ckpt_env(env, "ls", dir);
		g_assert_cmpint(out.status, ==, 0);
		g_assert_cmpuint(widest_line(out.out), <=, (size_t)atoi(widths[w]));
		/* The name abbreviated in the middle, its start and end kept. */
		g_assert_true(
		    g_regex_match_simple("\nnt3-lr[^ ]*\xe2\x80\xa6[^ ]*-long ", out.out, 0, 0));
		/* Every value the whole table shows is there whole, or its column is. */
		char **lines = g_strsplit(whole, "\n", -1);
		char **fit = g_strsplit(out.out, "\n", -1);
		for (int i = 1; i <= 2; i++) {
			const char *value = strrchr(lines[i], ' ');
			g_assert_nonnull(value);
			g_assert_true(g_str_has_suffix(fit[i], value));
		}
		g_strfreev(lines);
		g_strfreev(fit);
		if (strcmp(widths[w], "80") == 0) {
			g_assert_nonnull(strstr(out.out, "STATUS"));
			g_assert_nonnull(strstr(out.out, "LAST"));
			g_assert_nonnull(strstr(out.out, "BEST"));
		}
		run_result_clear(&out);
		g_free(env_width);
	}
	/* ASCII: "..." for the ellipsis. */
	const char *ascii[] = {"CKPT_FORCE_WIDTH=60", "LC_ALL=C", NULL};
	run_result out = run_ckpt_env(ascii, "ls", dir);
	g_assert_nonnull(strstr(out.out, "nt3-"));
	g_assert_nonnull(strstr(out.out, "..."));
	assert_terminal_safe(out.out, true);
	run_result_clear(&out);
	g_free(whole);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* Values that print alike at 6 digits get the digits that tell them apart. */
static void test_ls_shows_enough_digits(void)
{
	char *dir = tu_tmpdir();
	char *a = make_demo(dir, "a", "2", NULL);
	char *b = make_demo(dir, "b", "2", NULL);
	/* Both runs' best (epoch 2) as a writer records it, one ulp apart: in
	 * the history and in the epoch's ckpt-info.json (where the listing of a
	 * libckpt run takes it from). */
	const char *files[][2] = {
	    {"metrics.jsonl", "(\"epoch\": 2, .*\"value\": )[-0-9.e+]+"},
	    {"epochs/002/ckpt-info.json", "(\"metric_value\": )[-0-9.e+]+"},
	};
	for (int k = 0; k < 2; k++) {
		for (size_t f = 0; f < G_N_ELEMENTS(files); f++) {
			char *path = g_build_filename(k ? b : a, "ckpts", files[f][0], NULL);
			char *text = tu_read(path, NULL);
			GRegex *re = g_regex_new(files[f][1], 0, 0, NULL);
			char *fixed = g_regex_replace(re, text, -1, 0,
						      k ? "\\g<1>0.21000000000000002"
							: "\\g<1>0.21",
						      0, NULL);
			g_assert_cmpstr(fixed, !=, text);
			tu_write(path, fixed);
			g_regex_unref(re);
			g_free(fixed);
			g_free(text);
			g_free(path);
		}
	}
	char *out = ckpt_expect(0, "ls", dir);
	g_assert_true(g_regex_match_simple("\na .* 0\\.21\n", out, 0, 0));
	g_assert_true(g_regex_match_simple("\nb .* 0\\.21000000000000002\n", out, 0, 0));
	g_free(out);
	g_free(a);
	g_free(b);
	tu_rmtree(dir);
	g_free(dir);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/cli/ls/sort-by-name-metric-updated-size", test_ls_sort_keys);
	g_test_add_func("/cli/ls/live-problems-and-totals", test_ls_live_problems_and_totals);
	g_test_add_func("/cli/ls/saved-column-says-how-long-ago", test_ls_saved_column);
	g_test_add_func("/cli/ls/fits-80-60-40-and-keeps-the-facts",
			test_ls_fits_80_60_40_and_keeps_the_facts);
	g_test_add_func("/cli/ls/shows-enough-digits-to-tell-values-apart",
			test_ls_shows_enough_digits);
	return cli_test_run();
}
