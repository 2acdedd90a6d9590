/* term.h: the dashboard's terminal: starting curses on stdin/stdout and
 * restoring the terminal on every way out (a normal end, Ctrl-C, SIGTERM,
 * SIGHUP when the SSH connection drops, a fatal error, a crash), the
 * colours of each semantic role with a monochrome scheme (NO_COLOR, or a
 * terminal without colours), and the glyphs the locale allows. */
#ifndef CKPT_TUI_TERM_H
#define CKPT_TUI_TERM_H

#include <curses.h>
#include <stdbool.h>

/* What a piece of the screen is; term_attr says how it looks. */
typedef enum term_role {
	ROLE_NORMAL,
	ROLE_TITLE,         /* the top line */
	ROLE_HEADER,        /* a table's column headers */
	ROLE_PANE_TITLE,    /* a pane's title line, focused */
	ROLE_PANE_IDLE,     /* a pane's title line, not focused */
	ROLE_SELECTED,      /* the selected row of the focused pane */
	ROLE_SELECTED_IDLE, /* the selected row of another pane */
	ROLE_MARKED,        /* a marked run */
	ROLE_OK,
	ROLE_WARN,  /* something to look at: incomplete, relocated, unsaved */
	ROLE_ERROR, /* damage: MISMATCH, damaged, a failed action */
	ROLE_LIVE,  /* training live */
	ROLE_DIM,   /* unsaved epochs, axis text */
	ROLE_BEST,
	ROLE_LAST,
	ROLE_KEY,  /* a key in the hints line */
	ROLE_HINT, /* the hints line */
	ROLE_BAR,  /* a progress bar's filled part */
	ROLE_BORDER,
	ROLE_DIALOG,
	ROLE_OLD_BRANCH, /* a chart's abandoned sessions */
	ROLE_SERIES,     /* the first of CHART_SERIES_MAX series colours */
	ROLE_SERIES_LAST = ROLE_SERIES + 7,
	N_ROLES
} term_role;

typedef struct term_options {
	bool color; /* false: the monochrome scheme whatever the terminal can do */
	bool mouse; /* report clicks and the wheel */
} term_options;

/* Starts curses (cbreak, no echo, keypad, hidden cursor, the alternate
 * screen where the terminal has one), the colours, and the handlers that
 * restore the terminal. 0, or -1 with *error set (a static message). */
int term_start(const term_options *options, const char **error);
/* Restores the terminal as it was; harmless when not started or ended. */
void term_end(void);
bool term_active(void);
/* The locale is UTF-8: braille, box lines, ✓; else ASCII only. */
bool term_utf8(void);
bool term_has_color(void);
/* How a role looks: a colour pair and attributes, or the monochrome ones. */
attr_t term_attr(term_role role);
/* SIGINT, SIGTERM or SIGHUP caught since the start (the first one), or 0.
 * A second one while the program is ending restores the terminal at once
 * and lets the signal kill it. */
int term_signal(void);
/* Ends the terminal, prints "ckpt: MESSAGE" on stderr and exits 2. */
_Noreturn void term_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The glyphs of the terminal's character set. */
typedef struct term_glyphs {
	const char *hline, *vline, *tl, *tr, *bl, *br; /* box lines */
	const char *mark;                              /* a marked run */
	const char *ok, *bad;                          /* ✓ ✗ */
	const char *saved;                             /* an epoch on disk in the chart */
	const char *arrow;                             /* "→" */
} term_glyphs;
const term_glyphs *term_glyphs_get(void);

#endif
