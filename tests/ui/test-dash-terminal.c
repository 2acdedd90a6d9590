/* test-dash-terminal.c: the terminal is always given back as it was found:
 * after q, Ctrl-C, SIGTERM and SIGHUP (an SSH connection that dropped) the
 * tty's settings (stty -a) are the ones from before, the alternate screen
 * is left and the program exits with its status; without a terminal, ckpt
 * prints what `ckpt ls` prints. */
#include "cli-fixture.h"
#include "testutil.h"
#include "tmux-fixture.h"

#include <signal.h>
#include <string.h>

static char *demo_dir(void)
{
	char *dir = tu_tmpdir();
	g_free(make_demo(dir, "run-a", "4", NULL));
	g_free(make_demo(dir, "run-b", "6", NULL));
	return dir;
}

/* Starts the dashboard, ends it by `how`, checks what it left. */
static void assert_restored_after(void (*how)(tmux_term *), int status)
{
	char *dir = demo_dir();
	tmux_term *t = tmux_start(80, 24, NULL, (const char *const[]){dir, NULL});
	g_free(tmux_wait(t, "run-b", 10));
	char *on = tmux_display(t, "#{alternate_on}");
	g_assert_cmpstr(on, ==, "1");
	g_free(on);
	how(t);
	g_assert_cmpint(tmux_wait_exit(t, 10), ==, status);
	char *before = tmux_file(t, "before"), *after = tmux_file(t, "after");
	g_assert_nonnull(before);
	/* Echo and canonical input back on, every other setting as it was. */
	g_assert_cmpstr(after, ==, before);
	g_assert_nonnull(strstr(after, " icanon"));
	g_assert_nonnull(strstr(after, " echo "));
	char *off = tmux_display(t, "#{alternate_on}");
	g_assert_cmpstr(off, ==, "0");
	/* The screen the shell had: the dashboard's is gone with its buffer. */
	char *screen = tmux_screen(t, false);
	g_assert_null(strstr(screen, "RUNS"));
	g_free(screen);
	tmux_assert_clean_stderr(t);
	g_free(off), g_free(before), g_free(after);
	tmux_stop(t);
	tu_rmtree(dir);
	g_free(dir);
}

static void quit_key(tmux_term *t)
{
	tmux_keys(t, "q");
}

static void ctrl_c(tmux_term *t)
{
	tmux_keys(t, "C-c");
}

static void sigterm(tmux_term *t)
{
	g_assert_cmpint(kill(tmux_program_pid(t), SIGTERM), ==, 0);
}

static void sighup(tmux_term *t)
{
	g_assert_cmpint(kill(tmux_program_pid(t), SIGHUP), ==, 0);
}

/* While a dialog is open and a verify runs: still restored. */
static void sighup_mid_dialog(tmux_term *t)
{
	tmux_keys(t, "?");
	g_free(tmux_wait(t, "ckpt: keys", 10));
	g_assert_cmpint(kill(tmux_program_pid(t), SIGHUP), ==, 0);
}

/* A crash (SIGSEGV, as a fault raises it): the handler restores the
 * terminal, then the signal ends the program as it would have. */
static void test_crash_restores(void)
{
	char *dir = demo_dir();
	tmux_term *t = tmux_start(80, 24, NULL, (const char *const[]){dir, NULL});
	g_free(tmux_wait(t, "run-b", 10));
	g_assert_cmpint(kill(tmux_program_pid(t), SIGSEGV), ==, 0);
	int status = tmux_wait_exit(t, 10);
	/* Killed by the signal (a sanitizer build reports it and exits 1). */
	g_assert_cmpint(status, !=, 0);
	char *before = tmux_file(t, "before"), *after = tmux_file(t, "after");
	g_assert_cmpstr(after, ==, before);
	char *off = tmux_display(t, "#{alternate_on}");
	g_assert_cmpstr(off, ==, "0");
	g_free(off), g_free(before), g_free(after);
	tmux_stop(t);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_quit_restores(void)
{
	assert_restored_after(quit_key, 0);
}

static void test_ctrl_c_restores(void)
{
	assert_restored_after(ctrl_c, 128 + SIGINT);
}

static void test_sigterm_restores(void)
{
	assert_restored_after(sigterm, 128 + SIGTERM);
}

static void test_sighup_restores(void)
{
	assert_restored_after(sighup, 128 + SIGHUP);
}

static void test_sighup_in_a_dialog_restores(void)
{
	assert_restored_after(sighup_mid_dialog, 128 + SIGHUP);
}

static void test_without_a_terminal_prints_ls(void)
{
	char *dir = demo_dir();
	run_result dash = run_ckpt(dir);
	run_result ls = run_ckpt("ls", dir);
	g_assert_cmpint(dash.status, ==, 0);
	g_assert_cmpstr(dash.out, ==, ls.out);
	g_assert_nonnull(strstr(dash.out, "run-b"));
	run_result_clear(&dash);
	/* ckpt ui too, with the dashboard's options (--depth goes to ls). */
	dash = run_ckpt("ui", "--readonly", "--poll", "3", "--depth", "2", dir);
	g_assert_cmpint(dash.status, ==, 0);
	g_assert_cmpstr(dash.out, ==, ls.out);
	run_result_clear(&dash);
	run_result_clear(&ls);
	/* A word that is neither a command nor a folder is still an error. */
	run_result bad = run_ckpt("frobnicate");
	g_assert_cmpint(bad.status, ==, 2);
	g_assert_nonnull(strstr(bad.err, "unknown command 'frobnicate'"));
	run_result_clear(&bad);
	bad = run_ckpt("ui", "--poll", "zero", dir);
	g_assert_cmpint(bad.status, ==, 2);
	g_assert_true(g_str_has_prefix(bad.err, "ckpt ui: "));
	run_result_clear(&bad);
	tu_rmtree(dir);
	g_free(dir);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/ui/terminal/q-restores-it", test_quit_restores);
	g_test_add_func("/ui/terminal/ctrl-c-restores-it", test_ctrl_c_restores);
	g_test_add_func("/ui/terminal/sigterm-restores-it", test_sigterm_restores);
	g_test_add_func("/ui/terminal/sighup-restores-it-and-leaves-the-alternate-screen",
			test_sighup_restores);
	g_test_add_func("/ui/terminal/sighup-in-a-dialog-restores-it",
			test_sighup_in_a_dialog_restores);
	g_test_add_func("/ui/terminal/a-crash-restores-it-then-ends-the-program",
			test_crash_restores);
	g_test_add_func("/ui/terminal/without-a-terminal-prints-what-ls-prints",
			test_without_a_terminal_prints_ls);
	return cli_test_run();
}
