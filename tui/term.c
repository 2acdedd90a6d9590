/* term.c: curses on the program's terminal, and putting the terminal back
 * on every way out: term_end at a normal end and from atexit; a flag for
 * SIGINT, SIGTERM and SIGHUP that the main loop ends on; and for a crash (or
 * a second signal while ending), a handler that restores the saved termios
 * and writes the terminal's own "leave" strings with write(2), the only
 * things safe in a signal handler. */
#include "term.h"
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static SCREEN *screen;
static bool active, utf8, colour;
static int tty_fd = -1;
static struct termios saved_termios;
static bool have_termios;
/* The terminal's leave-the-alternate-screen, show-the-cursor and
 * attributes-off strings (and mouse reporting off), for the handlers. */
static char leave[256];
static size_t leave_len;
static volatile sig_atomic_t caught;

/* ---- signals ------------------------------------------------------------- */

static const int quit_signals[] = {SIGINT, SIGTERM, SIGHUP};
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT};
static struct sigaction old_actions[65];

/* Async-signal-safe: what endwin would do, as far as a handler may. */
static void restore_now(void)
{
	if (leave_len && tty_fd >= 0) {
		ssize_t n = write(tty_fd, leave, leave_len);
		(void)n;
	}
	if (have_termios && tty_fd >= 0)
		tcsetattr(tty_fd, TCSANOW, &saved_termios);
}

static void on_crash(int sig)
{
	restore_now();
	/* The action there was before (the default, or a sanitizer's) takes
	 * the signal again: raised now, it is delivered as this handler
	 * returns (a fault would also recur), and ends the program. */
	sigaction(sig, &old_actions[sig], NULL);
	raise(sig);
}

static void on_quit(int sig)
{
	if (caught) {
		on_crash(sig);
		return;
	}
	caught = sig;
}

static void install(int sig, void (*handler)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a read waiting for a key returns, and the loop sees
	 * the flag at once. */
	sigaction(sig, &sa, &old_actions[sig]);
}

static void uninstall(void)
{
	for (size_t i = 0; i < sizeof quit_signals / sizeof quit_signals[0]; i++)
		sigaction(quit_signals[i], &old_actions[quit_signals[i]], NULL);
	for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
		sigaction(crash_signals[i], &old_actions[crash_signals[i]], NULL);
}

int term_signal(void)
{
	return caught;
}

/* ---- colours ---------------------------------------------------------------- */

/* One role: foreground and background on a 256-colour terminal, on an
 * 8-colour one, and its attributes with colour and without. -1 is the
 * terminal's default colour. The series colours are Okabe and Ito's
 * colour-blind-safe palette (sky blue, orange, bluish green, yellow, blue,
 * vermillion, reddish purple, grey); monochrome series differ by glyph. */
typedef struct role_style {
	short fg256, bg256, fg8, bg8;
	attr_t with_colour, mono;
} role_style;

static const role_style styles[N_ROLES] = {
    [ROLE_NORMAL] = {-1, -1, -1, -1, A_NORMAL, A_NORMAL},
    [ROLE_TITLE] = {16, 38, COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD},
    [ROLE_HEADER] = {16, 71, COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_BOLD | A_UNDERLINE},
    [ROLE_PANE_TITLE] = {38, -1, COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [ROLE_PANE_IDLE] = {245, -1, COLOR_WHITE, -1, A_NORMAL, A_NORMAL},
    [ROLE_SELECTED] = {16, 38, COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [ROLE_SELECTED_IDLE] = {16, 250, COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_UNDERLINE},
    [ROLE_MARKED] = {227, -1, COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [ROLE_OK] = {71, -1, COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    [ROLE_WARN] = {214, -1, COLOR_YELLOW, -1, A_NORMAL, A_BOLD},
    [ROLE_ERROR] = {196, -1, COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [ROLE_LIVE] = {74, -1, COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [ROLE_DIM] = {244, -1, COLOR_WHITE, -1, A_NORMAL, A_DIM},
    [ROLE_BEST] = {36, -1, COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [ROLE_LAST] = {175, -1, COLOR_MAGENTA, -1, A_BOLD, A_BOLD},
    [ROLE_KEY] = {-1, -1, -1, -1, A_BOLD, A_BOLD},
    [ROLE_HINT] = {16, 38, COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [ROLE_BAR] = {71, -1, COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    [ROLE_BORDER] = {38, -1, COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
    [ROLE_DIALOG] = {-1, -1, -1, -1, A_NORMAL, A_NORMAL},
    [ROLE_OLD_BRANCH] = {242, -1, COLOR_WHITE, -1, A_NORMAL, A_DIM},
    [ROLE_SERIES + 0] = {74, -1, COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
    [ROLE_SERIES + 1] = {214, -1, COLOR_YELLOW, -1, A_NORMAL, A_NORMAL},
    [ROLE_SERIES + 2] = {36, -1, COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    [ROLE_SERIES + 3] = {227, -1, COLOR_YELLOW, -1, A_BOLD, A_NORMAL},
    [ROLE_SERIES + 4] = {32, -1, COLOR_BLUE, -1, A_BOLD, A_NORMAL},
    [ROLE_SERIES + 5] = {166, -1, COLOR_RED, -1, A_NORMAL, A_NORMAL},
    [ROLE_SERIES + 6] = {175, -1, COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL},
    [ROLE_SERIES + 7] = {250, -1, COLOR_WHITE, -1, A_NORMAL, A_NORMAL},
};

static void start_colours(void)
{
	start_color();
	bool defaults = use_default_colors() == OK;
	bool wide = COLORS >= 256;
	for (int r = 0; r < N_ROLES; r++) {
		short fg = wide ? styles[r].fg256 : styles[r].fg8;
		short bg = wide ? styles[r].bg256 : styles[r].bg8;
		/* 16 is black in the 256-colour cube, whatever the theme. */
		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		init_pair((short)(r + 1), fg, bg);
	}
}

attr_t term_attr(term_role role)
{
	if (role < 0 || role >= N_ROLES)
		role = ROLE_NORMAL;
	if (!colour)
		return styles[role].mono;
	attr_t extra = styles[role].with_colour;
	/* Eight colours have no grey: dim white stands in. */
	if (COLORS < 256 && (role == ROLE_DIM || role == ROLE_OLD_BRANCH))
		extra |= A_DIM;
	return (attr_t)COLOR_PAIR(role + 1) | extra;
}

/* ---- starting and ending --------------------------------------------------- */

static void add_leave(const char *cap)
{
	if (!cap || cap == (char *)-1)
		return;
	size_t n = strlen(cap);
	if (leave_len + n < sizeof leave) {
		memcpy(leave + leave_len, cap, n);
		leave_len += n;
	}
}

int term_start(const term_options *options, const char **error)
{
	*error = NULL;
	if (active)
		return 0;
	utf8 = !cli_ascii();
	tty_fd = fileno(stdout);
	have_termios = tcgetattr(tty_fd, &saved_termios) == 0;
	/* Ours before curses starts: curses then leaves these signals alone. */
	caught = 0;
	for (size_t i = 0; i < sizeof quit_signals / sizeof quit_signals[0]; i++)
		install(quit_signals[i], on_quit);
	for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
		install(crash_signals[i], on_crash);
	signal(SIGPIPE, SIG_IGN);
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		uninstall();
		*error = "cannot start the terminal (is TERM set to a known terminal?)";
		return -1;
	}
	set_term(screen);
	active = true;
	atexit(term_end);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	colour = options->color && has_colors();
	if (colour)
		start_colours();
	if (options->mouse) {
		mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED,
			  NULL);
		mouseinterval(0);
	}
	leave_len = 0;
	add_leave(tigetstr("sgr0"));
	add_leave(tigetstr("cnorm"));
	add_leave(tigetstr("rmkx"));
	add_leave(tigetstr("rmcup"));
	const char *kmous = tigetstr("kmous");
	if (options->mouse && kmous && kmous != (char *)-1)
		add_leave("\033[?1000l\033[?1002l\033[?1006l");
	return 0;
}

void term_end(void)
{
	if (!active)
		return;
	active = false;
	mousemask(0, NULL);
	endwin();
	/* endwin puts back the modes it changed; the termios we found at the
	 * start is what the shell expects, whatever curses thought. */
	if (have_termios)
		tcsetattr(tty_fd, TCSANOW, &saved_termios);
	delscreen(screen);
	screen = NULL;
	uninstall();
	fflush(stdout);
}

bool term_active(void)
{
	return active;
}

bool term_utf8(void)
{
	return utf8;
}

bool term_has_color(void)
{
	return colour;
}

void term_fatal(const char *fmt, ...)
{
	term_end();
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	cli_error("ui", "%s", text ? text : "out of memory");
	free(text);
	exit(CLI_USAGE);
}

const term_glyphs *term_glyphs_get(void)
{
	static const term_glyphs unicode = {
	    "\xe2\x94\x80", "\xe2\x94\x82", "\xe2\x94\x8c", "\xe2\x94\x90",
	    "\xe2\x94\x94", "\xe2\x94\x98", "\xe2\x97\x8f", "\xe2\x9c\x93",
	    "\xe2\x9c\x97", "\xc2\xb7",     "\xe2\x86\x92",
	};
	static const term_glyphs ascii = {"-", "|", "+", "+", "+", "+", "*", "ok", "x", ".", "->"};
	return utf8 ? &unicode : &ascii;
}
