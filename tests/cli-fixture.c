/* cli-fixture.c: running the real `ckpt` program and reading its output,
 * shared by test-cli and test-cli-fixtures (see cli-fixture.h). */
#include "cli-fixture.h"
#include "testutil.h"

#include <string.h>
#include <sys/wait.h>

char *ckpt_binary(void)
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

void run_result_clear(run_result *r)
{
	g_free(r->out);
	g_free(r->err);
	memset(r, 0, sizeof *r);
}

/* Runs `ckpt ARGS...` (NULL-terminated) with stdin from /dev/null. */
run_result run_ckptv(const char *const *args)
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

/* Runs and asserts the exit status; returns stdout (caller g_free()s). */
char *ckpt_ok(int expected_status, const char *const *args)
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

cJSON *parse_json(const char *text)
{
	cJSON *json = cJSON_Parse(text);
	if (!json)
		g_test_message("not JSON: %s", text);
	g_assert_nonnull(json);
	return json;
}

cJSON *ckpt_json(int expected_status, const char *const *args)
{
	char *out = ckpt_ok(expected_status, args);
	cJSON *json = parse_json(out);
	g_free(out);
	return json;
}

cJSON *get(const cJSON *object, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(object, key);
}

double get_number(const cJSON *object, const char *key)
{
	const cJSON *item = get(object, key);
	g_assert_true(cJSON_IsNumber(item));
	return item->valuedouble;
}

const char *get_string(const cJSON *object, const char *key)
{
	const cJSON *item = get(object, key);
	g_assert_true(cJSON_IsString(item));
	return item->valuestring;
}

/* A demo run of `epochs` small epochs in dir/name; returns the run folder. */
char *make_demo(const char *dir, const char *name, const char *epochs, const char *extra)
{
	char *run = g_build_filename(dir, name, NULL);
	char *out = ckpt_expect(0, "demo", run, "--epochs", epochs, "--every", "0", "--model-bytes",
				"4096", extra ? extra : "--ckpt_keep_mode=all");
	g_free(out);
	return run;
}

char *epoch_path(const char *run, const char *dir, const char *file)
{
	return g_build_filename(run, "ckpts", "epochs", dir, file, NULL);
}

char *last_target(const char *run)
{
	char *link = g_build_filename(run, "ckpts", "last", NULL);
	char *target = tu_readlink(link);
	g_free(link);
	return target;
}
