/* tmux-fixture.h: the real `ckpt` dashboard in a private tmux server (its
 * own -L socket, no configuration), driven with send-keys and read with
 * capture-pane, for the ui suite. The program runs under a shell wrapper
 * that records the terminal's settings (stty -a) before and after it, its
 * exit status and its stderr (where a sanitizer would report), and then
 * keeps the pane open so that the test can look at what it left. A missing
 * tmux fails the test. */
#ifndef CKPT_TMUX_FIXTURE_H
#define CKPT_TMUX_FIXTURE_H

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct tmux_term {
	char *socket; /* tmux -L */
	char *dir;    /* the wrapper's files */
	int width, height;
} tmux_term;

/* Starts `ckpt ARGS...` (NULL-terminated) in a w x h pane. env: more
 * NAME=VALUE words (NULL-terminated, may be NULL) over the test's own
 * environment and TERM=xterm-256color. Waits until the program runs. */
tmux_term *tmux_start(int w, int h, const char *const *env, const char *const *args);
/* Ends the tmux server and removes the wrapper's files. */
void tmux_stop(tmux_term *t);

/* tmux key names, one a word: "j", "Enter", "Escape", "Space", "C-c"... */
void tmux_keysv(tmux_term *t, const char *const *keys);
#define tmux_keys(t, ...) tmux_keysv(t, (const char *const[]){__VA_ARGS__, NULL})
/* The same key count times at once, as a held key repeats. */
void tmux_burst(tmux_term *t, const char *key, int count);
/* Types text as it is (send-keys -l). */
void tmux_type(tmux_term *t, const char *text);
void tmux_resize(tmux_term *t, int w, int h);

/* The screen as text, one line each (capture-pane -p); with_attributes:
 * with the SGR sequences of colours and attributes (-e). Caller g_free()s. */
char *tmux_screen(tmux_term *t, bool with_attributes);
/* Waits until the screen holds needle; returns that screen (caller
 * g_free()s), or fails the test showing the last one. */
char *tmux_wait(tmux_term *t, const char *needle, double seconds);
/* The same, until the screen no longer holds needle. */
char *tmux_wait_gone(tmux_term *t, const char *needle, double seconds);
/* tmux display -p FORMAT for the pane ("#{alternate_on}"...). Caller g_free()s. */
char *tmux_display(tmux_term *t, const char *format);

/* The program's pid (0 before it started). */
pid_t tmux_program_pid(tmux_term *t);
/* Waits for the program to end and returns its exit status, or fails. */
int tmux_wait_exit(tmux_term *t, double seconds);
/* What the wrapper recorded: "before" and "after" (stty -a), "stderr".
 * Caller g_free()s; NULL when absent. */
char *tmux_file(tmux_term *t, const char *name);
/* Asserts that stderr holds no sanitizer report. */
void tmux_assert_clean_stderr(tmux_term *t);

/* The line of screen that starts (after blanks) with the number n and
 * lies left of column `right` (the epochs pane), or NULL. Caller g_free()s. */
char *screen_row(const char *screen, long n, int right);
/* Whether text is only printable ASCII and newlines. */
bool screen_is_ascii(const char *screen);

/* `ckpt demo RUN --every SECONDS` in the background, keeping every epoch,
 * killed should the test die; waits until it holds the run's lock. */
GPid tmux_live_demo(const char *run, const char *every);
/* The newest epoch directory of run (a run folder holding ckpts/), 0 when none. */
long tmux_newest_epoch(const char *run);
void tmux_stop_demo(GPid pid);

/* Factor for timeouts: slower under sanitizers (CKPT_TEST_SLOW). */
double tmux_slow(void);

#endif
