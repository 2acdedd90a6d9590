/* test-cli-escape.c: names, metadata and metric names from a tree never
 * reach the terminal as control sequences: every command's stdout and
 * stderr stay free of C0, DEL, C1 and bidi overrides, in a UTF-8 locale and
 * in LANG=C (then pure ASCII); --json stays exact. */
#include "cli-fixture.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVIL_NAME "x\x1b[31mRED"
#define EVIL_META "\x1b]0;pwned\x07"
#define EVIL_METRIC "val\x1b[1mloss"
#define EVIL_STRAY                                                                                 \
	"\xe2\x80\xae"                                                                             \
	"evil\x9b" /* U+202E, then a lone C1 byte */

typedef struct evil {
	char *dir, *run, *other;
} evil;

static void make_evil(evil *e)
{
	e->dir = tu_tmpdir();
	e->run = g_build_filename(e->dir, EVIL_NAME, NULL);
	char *out =
	    ckpt_expect(0, "demo", e->run, "--epochs", "4", "--every", "0", "--model-bytes", "1024",
			"--ckpt_keep_mode=all", "--metadata=" EVIL_META, "--metric", EVIL_METRIC);
	g_free(out);
	char *stray = epoch_path(e->run, EVIL_STRAY, NULL);
	tu_write(stray, "x");
	g_free(stray);
	/* A name that is not UTF-8 at all. */
	e->other = make_demo(e->dir,
			     "bad\xff"
			     "name",
			     "2", NULL);
	/* Something to report: a damaged epoch. */
	char *model = epoch_path(e->run, "002", "model.h5");
	flip_byte(model, 20);
	g_free(model);
}

static void free_evil(evil *e)
{
	tu_rmtree(e->dir);
	g_free(e->dir);
	g_free(e->run);
	g_free(e->other);
}

/* Runs one command in a locale and checks both streams. */
static run_result safe_run(const char *locale, const char *const *args)
{
	char *lc = g_strdup_printf("LC_ALL=%s", locale);
	const char *env[] = {lc, NULL};
	run_result r = run_ckpt_envv(env, args);
	bool ascii = strcmp(locale, "C") == 0;
	if (g_test_verbose())
		g_test_message("%s %s:\n%s%s", locale, args[0], r.out, r.err);
	assert_terminal_safe(r.out, ascii);
	assert_terminal_safe(r.err, ascii);
	g_free(lc);
	return r;
}

static void test_every_command_is_terminal_safe(gconstpointer data)
{
	const char *locale = data;
	evil e;
	make_evil(&e);
	char *missing = g_build_filename(e.dir, "gone\x1b[2J", NULL);
	const char *const commands[][6] = {
	    {"ls", e.dir},
	    {"ls", "--sort", "metric", e.dir},
	    {"show", e.run},
	    {"show", e.run, "2"},
	    {"history", e.run},
	    {"history", e.run, "--csv"},
	    {"verify", e.dir},
	    {"verify", "--changed", e.dir},
	    {"clean", "--keep", "1", "--dry-run", e.dir},
	    {"clean", "--keep", "1", e.run},
	    {"restart", e.run, "2"},
	    {"restart", e.run, "3", "--dry-run"},
	    {"relink", e.run},
	    {"show", e.other},
	    {"show", missing},
	    {"verify", missing},
	    {"demo", missing, "--bogus=\x1b[5m"},
	    {"frobnicate\x1b[1m"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		run_result r = safe_run(locale, commands[i]);
		g_assert_cmpint(r.status, <=, 2);
		run_result_clear(&r);
	}
	/* The names are there, made visible. */
	const char *ls[] = {"ls", e.dir, NULL};
	run_result r = safe_run(locale, ls);
	g_assert_nonnull(strstr(r.out, "x\\x1b[31mRED"));
	g_assert_nonnull(strstr(r.out, "bad\\xffname"));
	g_assert_nonnull(strstr(r.out, "1 damaged"));
	run_result_clear(&r);
	const char *show[] = {"show", e.run, NULL};
	r = safe_run(locale, show);
	g_assert_nonnull(strstr(r.out, "stray    \\u202eevil\\x9b\n"));
	g_assert_nonnull(strstr(r.out, "val\\x1b[1mloss"));
	run_result_clear(&r);
	const char *epoch[] = {"show", e.run, "1", NULL};
	r = safe_run(locale, epoch);
	g_assert_nonnull(strstr(r.out, "metadata          \\x1b]0;pwned\\x07\n"));
	run_result_clear(&r);
	const char *history[] = {"history", e.run, NULL};
	r = safe_run(locale, history);
	g_assert_nonnull(strstr(r.out, "val\\x1b[1mloss"));
	run_result_clear(&r);
	g_free(missing);
	free_evil(&e);
}

/* Non-ASCII text that is harmless stays as it is on a UTF-8 terminal and
 * becomes \u escapes in LANG=C. */
static void test_utf8_names_by_locale(void)
{
	char *dir = tu_tmpdir();
	char *run = make_demo(dir, "caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac", "2", NULL);
	const char *args[] = {"ls", dir, NULL};
	run_result r = safe_run("C.UTF-8", args);
	g_assert_nonnull(strstr(r.out, "caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac "));
	run_result_clear(&r);
	r = safe_run("C", args);
	g_assert_nonnull(strstr(r.out, "caf\\u00e9-\\u65e5\\u672c "));
	run_result_clear(&r);
	g_free(run);
	tu_rmtree(dir);
	g_free(dir);
}

/* JSON is data: exact names (valid UTF-8, the library's escapes). */
static void test_json_stays_exact(void)
{
	evil e;
	make_evil(&e);
	cJSON *json = ckpt_expect_json(0, "ls", "--json", e.dir);
	cJSON *run = find_run(json, EVIL_NAME);
	g_assert_nonnull(run);
	g_assert_cmpstr(get_string(run, "metric"), ==, EVIL_METRIC);
	char *text = cJSON_PrintUnformatted(json);
	g_assert_true(g_utf8_validate(text, -1, NULL));
	free(text);
	cJSON_Delete(json);
	json = ckpt_expect_json(0, "show", e.run, "1", "--json");
	g_assert_cmpstr(get_string(json, "metadata"), ==, EVIL_META);
	cJSON_Delete(json);
	/* Raw bytes stay out of every JSON form, also where the CLI writes it. */
	const char *const forms[][5] = {
	    {"verify", "--json", e.dir},  {"clean", "--json", "--dry-run", e.dir},
	    {"history", "--json", e.run}, {"restart", "--json", e.run, "1"},
	    {"relink", "--json", e.run},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
		run_result r = run_ckptv(forms[i]);
		g_assert_true(g_utf8_validate(r.out, -1, NULL));
		for (const char *p = r.out; *p; p++)
			g_assert_true((unsigned char)*p >= 0x20 || *p == '\n');
		cJSON_Delete(parse_json(r.out));
		run_result_clear(&r);
	}
	free_evil(&e);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_data_func("/cli/escape/every-command-terminal-safe/utf8", "C.UTF-8",
			     test_every_command_is_terminal_safe);
	g_test_add_data_func("/cli/escape/every-command-terminal-safe/lang-c", "C",
			     test_every_command_is_terminal_safe);
	g_test_add_func("/cli/escape/utf8-names-by-locale", test_utf8_names_by_locale);
	g_test_add_func("/cli/escape/json-stays-exact", test_json_stays_exact);
	return cli_test_run();
}
