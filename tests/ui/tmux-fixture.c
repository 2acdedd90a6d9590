/* tmux-fixture.c: the dashboard in a private tmux server (see tmux-fixture.h). */
#include "tmux-fixture.h"
#include "cli-fixture.h"
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int sessions;

/* A failed assertion aborts the test: its tmux servers go with it, so that
 * nothing is left running (and nothing keeps meson waiting). */
#define MAX_SERVERS 64
static char servers[MAX_SERVERS][64];
static int n_servers;

static void kill_servers(int sig)
{
	for (int i = 0; i < n_servers; i++) {
		if (!servers[i][0])
			continue;
		pid_t pid = fork();
		if (pid == 0) {
			execlp("tmux", "tmux", "-L", servers[i], "kill-server", (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void remember_server(const char *socket)
{
	static bool installed;
	if (!installed) {
		signal(SIGABRT, kill_servers);
		installed = true;
	}
	if (n_servers < MAX_SERVERS)
		snprintf(servers[n_servers++], sizeof servers[0], "%s", socket);
}

static void forget_server(const char *socket)
{
	for (int i = 0; i < n_servers; i++)
		if (strcmp(servers[i], socket) == 0)
			servers[i][0] = '\0';
}

double tmux_slow(void)
{
	const char *slow = g_getenv("CKPT_TEST_SLOW");
	double factor = slow ? g_ascii_strtod(slow, NULL) : 1.0;
	return factor >= 1.0 ? factor : 1.0;
}

/* Runs tmux -L socket ARGS..., returning its stdout (caller g_free()s). */
static char *tmux_run(tmux_term *t, const char *const *args, bool must_succeed)
{
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, "tmux");
	g_ptr_array_add(argv, "-L");
	g_ptr_array_add(argv, t->socket);
	g_ptr_array_add(argv, "-f");
	g_ptr_array_add(argv, "/dev/null");
	/* UTF-8 in and out, whatever the test's locale says about tmux's. */
	g_ptr_array_add(argv, "-u");
	for (size_t i = 0; args[i]; i++)
		g_ptr_array_add(argv, (char *)args[i]);
	g_ptr_array_add(argv, NULL);
	char *out = NULL, *err = NULL;
	int status = 0;
	GError *error = NULL;
	g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
		     &status, &error);
	g_assert_no_error(error);
	if (must_succeed && status != 0)
		tu_fail("tmux %s failed: %s", args[0], err);
	g_free(err);
	g_ptr_array_free(argv, TRUE);
	return out;
}

#define tmux_do(t, ...) g_free(tmux_run(t, (const char *const[]){__VA_ARGS__, NULL}, true))

static char *quote(const char *word)
{
	return g_shell_quote(word);
}

tmux_term *tmux_start(int w, int h, const char *const *env, const char *const *args)
{
	char *tmux = g_find_program_in_path("tmux");
	g_free(tmux);
	if (!tmux)
		tu_fail("tmux is not installed: the ui suite drives the dashboard in tmux "
			"(tools/bootstrap.sh installs it)");
	tmux_term *t = g_new0(tmux_term, 1);
	t->socket = g_strdup_printf("ckpt-test-%ld-%d", (long)getpid(), ++sessions);
	t->dir = tu_tmpdir();
	t->width = w, t->height = h;
	char *bin = ckpt_binary();
	/* The wrapper: settings before, the program (its pid first, so that a
	 * test can signal it; exec keeps that pid), its status, settings after,
	 * then an idle pane to look at. */
	GString *cmd = g_string_new("cd ");
	char *q = quote(t->dir);
	g_string_append_printf(
	    cmd, "%s && stty -a > before && sh -c 'echo $$ > pid; exec \"$@\" 2> stderr' ckpt env",
	    q);
	g_free(q);
	const char *base[] = {"TERM=xterm-256color", NULL};
	const char *keep[] = {
	    "HOME",         "XDG_CACHE_HOME", "TZ",           "LC_ALL", "LANG", "CKPT_FIXTURES",
	    "ASAN_OPTIONS", "UBSAN_OPTIONS",  "LSAN_OPTIONS", NULL};
	for (size_t i = 0; keep[i]; i++)
		if (g_getenv(keep[i])) {
			char *word = g_strdup_printf("%s=%s", keep[i], g_getenv(keep[i]));
			q = quote(word);
			g_string_append_printf(cmd, " %s", q);
			g_free(q), g_free(word);
		}
	for (size_t i = 0; base[i]; i++)
		g_string_append_printf(cmd, " %s", base[i]);
	for (size_t i = 0; env && env[i]; i++) {
		q = quote(env[i]);
		g_string_append_printf(cmd, " %s", q);
		g_free(q);
	}
	q = quote(bin);
	g_string_append_printf(cmd, " %s", q);
	g_free(q);
	for (size_t i = 0; args[i]; i++) {
		q = quote(args[i]);
		g_string_append_printf(cmd, " %s", q);
		g_free(q);
	}
	/* Renamed into place: a test that sees "after" sees all of it. */
	g_string_append(cmd, "; echo $? > status; stty -a > after.part; mv after.part after; "
			     "exec sleep 3600");
	char *width = g_strdup_printf("%d", w), *height = g_strdup_printf("%d", h);
	remember_server(t->socket);
	tmux_do(t, "new-session", "-d", "-x", width, "-y", height, cmd->str);
	/* The pane is exactly w x h whatever the (absent) client's size. */
	tmux_do(t, "set-option", "-g", "window-size", "manual");
	tmux_do(t, "resize-window", "-x", width, "-y", height);
	g_free(width), g_free(height);
	g_string_free(cmd, TRUE);
	g_free(bin);
	for (int i = 0; i < 500 && !tmux_program_pid(t); i++)
		g_usleep(10000);
	if (!tmux_program_pid(t))
		tu_fail("the dashboard did not start in tmux");
	return t;
}

void tmux_stop(tmux_term *t)
{
	if (!t)
		return;
	pid_t pid = tmux_program_pid(t);
	if (pid > 0)
		kill(pid, SIGKILL);
	g_free(tmux_run(t, (const char *const[]){"kill-server", NULL}, false));
	forget_server(t->socket);
	tu_rmtree(t->dir);
	g_free(t->dir);
	g_free(t->socket);
	g_free(t);
}

void tmux_keysv(tmux_term *t, const char *const *keys)
{
	for (size_t i = 0; keys[i]; i++) {
		tmux_do(t, "send-keys", "-t", "0", keys[i]);
		/* One at a time, as a person types: no key is read as part of
		 * an escape sequence with the next. */
		g_usleep(60000);
	}
}

void tmux_burst(tmux_term *t, const char *key, int count)
{
	GPtrArray *args = g_ptr_array_new();
	g_ptr_array_add(args, "send-keys");
	g_ptr_array_add(args, "-t");
	g_ptr_array_add(args, "0");
	for (int i = 0; i < count; i++)
		g_ptr_array_add(args, (char *)key);
	g_ptr_array_add(args, NULL);
	g_free(tmux_run(t, (const char *const *)args->pdata, true));
	g_ptr_array_free(args, TRUE);
}

void tmux_type(tmux_term *t, const char *text)
{
	tmux_do(t, "send-keys", "-t", "0", "-l", text);
	g_usleep(60000);
}

void tmux_resize(tmux_term *t, int w, int h)
{
	char *width = g_strdup_printf("%d", w), *height = g_strdup_printf("%d", h);
	tmux_do(t, "resize-window", "-x", width, "-y", height);
	t->width = w, t->height = h;
	g_free(width), g_free(height);
}

char *tmux_screen(tmux_term *t, bool with_attributes)
{
	if (with_attributes)
		return tmux_run(
		    t, (const char *const[]){"capture-pane", "-p", "-e", "-t", "0", NULL}, true);
	return tmux_run(t, (const char *const[]){"capture-pane", "-p", "-t", "0", NULL}, true);
}

/* For a failed wait: the program's terminal modes and the bytes typed but
 * not yet read (keys lost before the program, or left unread by it). */
static char *input_state(tmux_term *t)
{
	char *pid = tmux_file(t, "pid");
	char *tty = pid ? g_strdup_printf("/proc/%ld/fd/0", atol(pid)) : NULL;
	int fd = tty ? open(tty, O_RDONLY | O_NOCTTY | O_CLOEXEC) : -1;
	struct termios modes;
	int pending = -1;
	char *state;
	if (fd >= 0 && tcgetattr(fd, &modes) == 0 && ioctl(fd, FIONREAD, &pending) == 0)
		state = g_strdup_printf(
		    "program %s: its terminal %s, %s; %d bytes typed, unread", g_strstrip(pid),
		    modes.c_lflag & ICANON ? "canonical" : "non-canonical",
		    modes.c_lflag & ECHO ? "echoing" : "not echoing", pending);
	else
		state = g_strdup_printf("program %s: its terminal cannot be looked at",
					pid ? g_strstrip(pid) : "(no pid)");
	if (fd >= 0)
		close(fd);
	g_free(tty), g_free(pid);
	return state;
}

static char *wait_for(tmux_term *t, const char *needle, double seconds, bool present)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)(seconds * tmux_slow() * 1e6);
	char *screen = NULL;
	for (;;) {
		g_free(screen);
		screen = tmux_screen(t, false);
		if ((strstr(screen, needle) != NULL) == present)
			return screen;
		if (g_get_monotonic_time() > deadline)
			break;
		g_usleep(50000);
	}
	char *err = tmux_file(t, "stderr");
	char *input = input_state(t);
	tu_fail("waited %.1f s for the screen %s '%s'; it shows:\n%s\nstderr: %s\n%s", seconds,
		present ? "to show" : "to lose", needle, screen, err ? err : "", input);
}

char *tmux_wait(tmux_term *t, const char *needle, double seconds)
{
	return wait_for(t, needle, seconds, true);
}

char *tmux_wait_gone(tmux_term *t, const char *needle, double seconds)
{
	return wait_for(t, needle, seconds, false);
}

char *tmux_display(tmux_term *t, const char *format)
{
	char *out = tmux_run(
	    t, (const char *const[]){"display-message", "-p", "-t", "0", format, NULL}, true);
	g_strstrip(out);
	return out;
}

char *tmux_file(tmux_term *t, const char *name)
{
	char *path = g_build_filename(t->dir, name, NULL);
	char *text = tu_read(path, NULL);
	g_free(path);
	return text;
}

pid_t tmux_program_pid(tmux_term *t)
{
	char *text = tmux_file(t, "pid");
	pid_t pid = text ? (pid_t)atol(text) : 0;
	g_free(text);
	return pid;
}

int tmux_wait_exit(tmux_term *t, double seconds)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)(seconds * tmux_slow() * 1e6);
	for (;;) {
		char *after = tmux_file(t, "after");
		char *status = tmux_file(t, "status");
		if (after && status) {
			int code = atoi(status);
			g_free(after), g_free(status);
			return code;
		}
		g_free(after), g_free(status);
		if (g_get_monotonic_time() > deadline) {
			char *screen = tmux_screen(t, false);
			tu_fail("the dashboard did not end within %.1f s; the screen:\n%s", seconds,
				screen);
		}
		g_usleep(50000);
	}
}

void tmux_assert_clean_stderr(tmux_term *t)
{
	char *err = tmux_file(t, "stderr");
	if (err && (strstr(err, "Sanitizer") || strstr(err, "runtime error")))
		tu_fail("the dashboard's stderr has a sanitizer report:\n%s", err);
	g_free(err);
}

/* ---- reading screens ---------------------------------------------------------- */

char *screen_row(const char *screen, long n, int right)
{
	char **lines = g_strsplit(screen, "\n", -1);
	char *found = NULL;
	for (size_t i = 0; lines[i] && !found; i++) {
		/* The pane's part of the line: columns, not bytes. */
		glong chars = g_utf8_strlen(lines[i], -1);
		char *part =
		    chars > right ? g_utf8_substring(lines[i], 0, right) : g_strdup(lines[i]);
		char *end = NULL;
		long value = strtol(part, &end, 10);
		if (end != part && value == n && (*end == ' ' || *end == '\0'))
			found = part;
		else
			g_free(part);
	}
	g_strfreev(lines);
	return found;
}

bool screen_is_ascii(const char *screen)
{
	for (const unsigned char *p = (const unsigned char *)screen; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p >= 0x7f)
			return false;
	return true;
}

/* ---- a live writer ------------------------------------------------------------- */

static void die_with_the_test(gpointer payload)
{
	(void)payload;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

long tmux_newest_epoch(const char *run)
{
	char *dir = g_build_filename(run, "ckpts", "epochs", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	long max = 0;
	const char *name;
	while (d && (name = g_dir_read_name(d)))
		if (g_ascii_isdigit(name[0]) && atol(name) > max)
			max = atol(name);
	if (d)
		g_dir_close(d);
	g_free(dir);
	return max;
}

GPid tmux_live_demo(const char *run, const char *every)
{
	char *bin = ckpt_binary();
	/* Every epoch kept: no test races the writer's retention. */
	const char *argv[] = {bin,      "demo",
			      run,      "--epochs",
			      "100000", "--every",
			      every,    "--model-bytes",
			      "1024",   "--ckpt_keep_mode=all",
			      NULL};
	long before = tmux_newest_epoch(run);
	GPid pid;
	GError *error = NULL;
	g_spawn_async(NULL, (char **)argv, NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
			  G_SPAWN_STDERR_TO_DEV_NULL,
		      die_with_the_test, NULL, &pid, &error);
	g_assert_no_error(error);
	g_free(bin);
	/* Live once it published an epoch: it holds the lock from its start. */
	for (int i = 0; i < 3000 && tmux_newest_epoch(run) <= before; i++)
		g_usleep(10000);
	g_assert_cmpint(tmux_newest_epoch(run), >, before);
	return pid;
}

void tmux_stop_demo(GPid pid)
{
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	g_spawn_close_pid(pid);
}
