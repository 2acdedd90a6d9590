/* cli-fixture.c: running the real `ckpt` program and reading its output,
 * shared by the test-cli* programs (see cli-fixture.h). */
#include "cli-fixture.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char *cache_dir;

void cli_test_init(int *argc, char ***argv)
{
	g_test_init(argc, argv, NULL);
	/* Verify records of the runs tested, never the user's own cache. */
	cache_dir = tu_tmpdir();
	g_setenv("XDG_CACHE_HOME", cache_dir, TRUE);
	/* A width from the test environment must not leak into "piped" runs. */
	g_unsetenv("CKPT_FORCE_WIDTH");
}

int cli_test_run(void)
{
	int rc = g_test_run();
	tu_rmtree(cache_dir);
	g_free(cache_dir);
	return rc;
}

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

static GPtrArray *make_argv(const char *const *args)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(argv, ckpt_binary());
	for (size_t i = 0; args[i]; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	return argv;
}

static char **make_env(const char *const *env)
{
	char **envp = g_get_environ();
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		g_assert_nonnull(eq);
		char *name = g_strndup(env[i], (gsize)(eq - env[i]));
		envp = g_environ_setenv(envp, name, eq + 1, TRUE);
		g_free(name);
	}
	return envp;
}

run_result run_ckpt_envv(const char *const *env, const char *const *args)
{
	GPtrArray *argv = make_argv(args);
	char **envp = make_env(env);
	run_result r = {0};
	int wait_status = 0;
	GError *error = NULL;
	g_spawn_sync(NULL, (char **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, &r.out, &r.err,
		     &wait_status, &error);
	g_assert_no_error(error);
	r.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
	if (g_test_verbose())
		g_test_message("ckpt %s -> %d\n%s%s", args[0] ? args[0] : "", r.status, r.out,
			       r.err);
	g_strfreev(envp);
	g_ptr_array_free(argv, TRUE);
	return r;
}

run_result run_ckptv(const char *const *args)
{
	return run_ckpt_envv(NULL, args);
}

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

/* ---- a pseudo-terminal ------------------------------------------------------ */

/* Reads what the child wrote for up to `ms`; false at its end. */
static bool read_some(int fd, GString *out, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, ms) <= 0)
		return true;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n > 0)
		g_string_append_len(out, buf, n);
	return n > 0 || (n < 0 && errno == EINTR);
}

int run_ckpt_pty(char **out, const char *prompt, void (*between)(void *), void *payload,
		 const char *answer, const char *const *args)
{
	GPtrArray *argv = make_argv(args);
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	int master = -1;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		execv(argv->pdata[0], (char **)argv->pdata);
		_exit(127);
	}
	GString *seen = g_string_new(NULL);
	bool answered = prompt == NULL;
	gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
	while (read_some(master, seen, 100) && g_get_monotonic_time() < deadline) {
		if (!answered && strstr(seen->str, prompt)) {
			if (between)
				between(payload);
			char *line = g_strdup_printf("%s\n", answer);
			g_assert_cmpint(write(master, line, strlen(line)), ==,
					(ssize_t)strlen(line));
			g_free(line);
			answered = true;
		}
	}
	if (g_get_monotonic_time() >= deadline)
		kill(pid, SIGKILL); /* stuck (a prompt that never came): fail, not hang */
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	close(master);
	g_ptr_array_free(argv, TRUE);
	*out = g_string_free(seen, FALSE);
	if (g_test_verbose())
		g_test_message("ckpt %s (pty) -> %d\n%s", args[0], status, *out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- JSON ------------------------------------------------------------------ */

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

cJSON *find_run(const cJSON *json, const char *name)
{
	cJSON *r;
	cJSON_ArrayForEach(r, get(json, "runs")) if (strcmp(get_string(r, "name"), name) ==
						     0) return r;
	return NULL;
}

/* ---- text ------------------------------------------------------------------ */

void assert_terminal_safe(const char *text, bool ascii)
{
	g_assert_true(g_utf8_validate(text, -1, NULL));
	for (const char *p = text; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		bool bad = (c < 0x20 && c != '\n') || (c >= 0x7f && c < 0xa0) ||
			   (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
			   (ascii && c >= 0x80);
		if (bad)
			g_test_message("U+%04X at offset %ld of: %s", c, (long)(p - text), text);
		g_assert_false(bad);
	}
}

size_t widest_line(const char *text)
{
	size_t widest = 0;
	char **lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		size_t n = g_utf8_strlen(lines[i], -1);
		widest = n > widest ? n : widest;
	}
	g_strfreev(lines);
	return widest;
}

size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- runs ------------------------------------------------------------------- */

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

void flip_byte(const char *path, size_t offset)
{
	gsize len = 0;
	char *data = tu_read(path, &len);
	g_assert_nonnull(data);
	g_assert_cmpuint(len, >, offset);
	data[offset] ^= 0x5a;
	tu_write_bytes(path, data, len);
	g_free(data);
}

GPid start_live_demo(const char *run, const char *every)
{
	char *bin = ckpt_binary();
	/* Every epoch kept: no test races the writer's retention. */
	const char *argv[] = {bin,    "demo",
			      run,    "--epochs",
			      "1000", "--every",
			      every,  "--model-bytes",
			      "1024", "--ckpt_keep_mode=all",
			      NULL};
	GPid pid;
	GError *error = NULL;
	g_spawn_async(NULL, (char **)argv, NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid,
		      &error);
	g_assert_no_error(error);
	g_free(bin);
	/* Live once the first epoch is out: the lock is held from the start. */
	char *first = epoch_path(run, "001", "ckpt-info.json");
	for (int i = 0; i < 3000 && !tu_exists(first); i++)
		g_usleep(10000);
	g_assert_true(tu_exists(first));
	g_free(first);
	return pid;
}

void stop_live_demo(GPid pid)
{
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	g_spawn_close_pid(pid);
}
