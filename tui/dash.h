/* dash.h: the terminal dashboard, `ckpt [PATH...]`: what its files share.
 * dash.c runs it (options, the main loop, the workers' messages);
 * dash-model.c keeps the runs and the rows the panes show; dash-layout.c
 * lays the screen out and draws the runs and epochs panes, the title and
 * status lines; dash-chart.c the chart; dash-details.c the details and the
 * log; dash-dialog.c the help, filter, clean and restart dialogs;
 * dash-keys.c the key table; dash-actions.c what the keys do, and
 * dash-answers.c what becomes of the workers' answers. Everything
 * about files and policy is libckpt's: the dashboard draws and asks. */
#ifndef CKPT_TUI_DASH_H
#define CKPT_TUI_DASH_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chart.h"
#include "cli.h"
#include "dash-jobs.h"
#include "format.h"
#include "panel.h"
#include "strmap.h"
#include "term.h"

/* ---- options --------------------------------------------------------------- */

typedef struct dash_options {
	const char **paths;
	size_t n_paths;
	int depth;
	double poll;
	bool readonly;
	bool no_mouse;
	bool no_color;
	bool no_watch;
	bool chart_given;
	chart_style chart;
} dash_options;

/* ---- the runs ------------------------------------------------------------------ */

/* A verify result newer than the run's snapshot (it lands before the
 * refreshed snapshot that carries its record). */
typedef struct dash_check {
	int64_t epoch;
	ckpt_verify_result result;
	int64_t at;
	char *detail; /* "stored ..., computed ..." for a mismatch, or NULL */
} dash_check;

typedef struct dash_run {
	char *root; /* the key */
	int path;   /* the PATH that found it */
	ckpt_run *run;
	char *raw;  /* its name: PATH/ in front with several PATHs */
	char *name; /* the same, escaped (ckpt_free) */
	ckpt_history *history;
	bool history_asked;
	double history_asked_at; /* monotonic */
	bool marked;
	unsigned health; /* ckpt_run_health of run, kept with it */
	/* The runs pane's cells for this snapshot and digits (dash-panes.c):
	 * a thousand runs are not formatted again when one changes. */
	const ckpt_run *cells_of;
	int cells_digits;
	char *cells[8];
	bool seen; /* scratch, for reconciling with a PATH's list */
	dash_check *checks;
	size_t n_checks;
	bool checks_done;  /* their verify ended: the next snapshot has them */
	int64_t sel_epoch; /* the epochs pane's selection in this run; 0: last */
	size_t sel_line;   /* and its line on screen */
	bool sel_unsaved;  /* the selection is an unsaved point */
	int sel_session;
} dash_run;

/* A row of the epochs table: an epoch on disk, or (with `u`) a point of the
 * history that is not on disk. */
typedef struct dash_row {
	int64_t epoch;
	const ckpt_epoch *e; /* NULL: unsaved */
	size_t point;        /* its history point, or SIZE_MAX */
	int session;
} dash_row;

typedef enum { PANE_RUNS, PANE_EPOCHS, PANE_DETAILS, N_PANES } dash_pane;

typedef enum {
	DIALOG_NONE,
	DIALOG_HELP,
	DIALOG_FILTER,
	DIALOG_CLEAN,
	DIALOG_RESTART,
} dash_dialog;

/* Where each part of the screen is (rows, columns); h == 0: not shown. */
typedef struct dash_rect {
	int y, x, h, w;
} dash_rect;

typedef struct dash_layout {
	bool too_small;
	dash_rect title, runs, epochs, chart, details, status, hints;
	bool wide; /* chart and details at once */
} dash_layout;

typedef struct dash {
	dash_options o;
	dash_jobs *jobs;
	bool ascii; /* LANG=C: every glyph and every escape ASCII */

	/* every run found, and the view: filtered, sorted indices */
	dash_run **runs;
	size_t n_runs, cap_runs;
	strmap *by_root;
	size_t *view;
	size_t n_view;
	bool view_dirty;
	char *keep_root; /* the selected run's root while the view is rebuilt */
	bool user_moved; /* until then, the first row stays selected */
	regex_t filter;
	bool filtering;
	char filter_text[256];
	cli_sort sort;
	size_t n_marked;
	size_t *problems; /* per PATH: runs that could not be read */
	char **problem_text;
	bool scan_done;

	/* the panes */
	dash_pane focus;
	panel runs_panel, epochs_panel, details_panel, log_panel, dialog_panel;
	bool show_details; /* in the chart's place, on a narrow screen */
	bool show_log;
	bool show_unsaved;
	fmt_table *runs_table;
	size_t runs_widths[16];
	int runs_table_width;
	bool runs_table_dirty;
	/* the selected run's epochs table */
	dash_run *rows_of;
	ckpt_run *rows_run;         /* the snapshot the rows point into (a reference) */
	ckpt_history *rows_history; /* and the history (a reference) */
	dash_row *rows;
	size_t n_rows;
	fmt_table *epochs_table;
	size_t epochs_widths[16];
	int epochs_table_width;
	bool epochs_dirty;
	char *log_text;
	char *log_root;
	double log_asked;

	/* the chart */
	chart_style chart_style;
	bool log_scale;
	size_t chart_metric; /* 0: the tracked metric; k: extra metric k - 1 */

	/* dialogs */
	dash_dialog dialog;
	ckpt_clean_plan *plan;
	char *plan_root;
	bool plan_waiting;
	int64_t plan_keep;
	bool plan_keep_chosen; /* + or - pressed: the limit is the user's, else the run's */
	ckpt_keep_mode plan_mode;
	bool plan_mode_chosen;
	ckpt_restart *restart;
	char *restart_root;
	int64_t restart_epoch, restart_from;
	unsigned restart_flags;
	char *restart_refusal;
	char input[256]; /* the filter being typed */

	/* the status line */
	char status[1024];
	bool status_error;
	double status_until;
	size_t verify_count, verify_problems;

	/* the screen */
	dash_layout layout;
	WINDOW *win; /* the whole screen, drawn into and refreshed once a frame */
	bool dirty;
	double now;   /* monotonic */
	int64_t wall; /* unix time, for ages */
	double last_tick;
	bool quit;
	int exit_status;
} dash;

/* ---- dash.c ---------------------------------------------------------------------- */

/* `ckpt ui [PATH...]` and `ckpt [PATH...]`. */
int cmd_ui(int argc, char **argv);
/* Text from a tree made safe for this terminal (ckpt_escape, ASCII in
 * LANG=C). Returns out. */
const char *dash_escape(dash *d, char *out, size_t size, const char *text);
/* A message on the status line; the whole text is escaped when drawn, so
 * pass raw names and the library's messages as they are. error: in red. */
void dash_say(dash *d, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- dash-model.c ---------------------------------------------------------------- */

void dash_model_init(dash *d);
void dash_model_free(dash *d);
/* Adds or updates the run at run's root; returns its entry. */
dash_run *dash_model_put(dash *d, ckpt_run *run, int path);
dash_run *dash_model_find(const dash *d, const char *root);
/* Drops the entries of PATH `path` that are not in runs. */
void dash_model_reconcile(dash *d, int path, ckpt_run *const *runs, size_t n);
/* Rebuilds the view when the runs, the filter or the sort changed,
 * keeping the selected run selected. */
void dash_model_update_view(dash *d);
/* The selected run (NULL when none). */
dash_run *dash_selected(const dash *d);
/* The runs an action applies to: the marked ones, else the selected. *out
 * is an array of borrowed entries; caller frees it. */
size_t dash_targets(const dash *d, dash_run ***out);
/* Rebuilds the selected run's epoch rows when its snapshot, its history or
 * the unsaved toggle changed, keeping the selected epoch. */
void dash_model_update_rows(dash *d);
/* The selected row of the epochs pane, or NULL. */
const dash_row *dash_selected_row(const dash *d);
/* The verify result of an epoch, newest first: a result that arrived, or
 * the snapshot's record. */
ckpt_check_state dash_check_of(const dash_run *r, const ckpt_epoch *e, ckpt_verify_result *result,
			       int64_t *at, const char **detail);
/* Records a verify result that arrived. */
void dash_model_add_check(dash_run *r, int64_t epoch, ckpt_verify_result result, int64_t at,
			  const char *detail);
/* Tells the scanner which runs to poll, asks for missing histories. */
void dash_model_sync_jobs(dash *d);
/* Asks again for the selected run's history when no answer came in 2 s. */
void dash_model_retry_history(dash *d);
/* The run's name as shown (escaped), and as it is (for dash_say, which
 * escapes the whole message). */
const char *dash_run_name(const dash_run *r);
const char *dash_run_raw_name(const dash_run *r);

/* ---- dash-layout.c --------------------------------------------------------------- */

/* Computes the layout from LINES and COLS, and the panes' heights. */
void dash_layout_compute(dash *d);
/* Draws everything into d->win and updates the terminal (doupdate). */
void dash_draw(dash *d);
/* Puts text at (y, x) in at most `width` columns (cut, never split in a
 * character); returns the columns used. */
int dash_put(WINDOW *w, int y, int x, int width, const char *text, attr_t attr);
/* Fills `width` columns from x with blanks in attr. */
void dash_fill(WINDOW *w, int y, int x, int width, attr_t attr);
/* Draws the pane title line: "EPOCHS nt3 · 30 on disk" in the pane's focus. */
void dash_pane_title(dash *d, const dash_rect *r, dash_pane pane, const char *text);
/* The runs pane and the epochs pane (dash-panes.c). */
void dash_draw_runs(dash *d, const dash_rect *r);
void dash_draw_epochs(dash *d, const dash_rect *r);
/* Whether an age the tables show ("3 s ago", "ok 2 min ago") reads
 * differently now; those tables are then made again. */
bool dash_tables_aged(dash *d);

/* ---- dash-chart.c / dash-details.c / dash-dialog.c -------------------------------- */

void dash_draw_chart(dash *d, const dash_rect *r);
void dash_draw_details(dash *d, const dash_rect *r);
void dash_draw_log(dash *d, const dash_rect *r);
void dash_draw_dialog(dash *d);
/* The number of lines the details of the selected epoch take (for
 * scrolling). */
size_t dash_details_lines(dash *d);

/* ---- dash-keys.c / dash-actions.c -------------------------------------------------- */

/* A key and what it does, for the hints line. */
typedef struct dash_hint {
	const char *key, *label;
} dash_hint;
/* The hints for the current context (a dialog's keys while it is open). */
size_t dash_keys_hints(const dash *d, const dash_hint **out);
/* Handles one key (or KEY_MOUSE, KEY_RESIZE) in the current context. */
void dash_key(dash *d, int key);
/* The help text generated from the key table, one key a line:
 * "  v            verify the selected epoch". Caller frees. */
char *dash_keys_help(bool ascii);

/* The actions the key table calls. */
typedef void (*dash_action_fn)(dash *d);
void act_quit(dash *d);
void act_up(dash *d);
void act_down(dash *d);
void act_page_up(dash *d);
void act_page_down(dash *d);
void act_home(dash *d);
void act_end(dash *d);
void act_next_pane(dash *d);
void act_prev_pane(dash *d);
void act_open(dash *d);
void act_back(dash *d);
void act_mark(dash *d);
void act_filter(dash *d);
void act_sort(dash *d);
void act_unsaved(dash *d);
void act_verify_epoch(dash *d);
void act_verify_all(dash *d);
void act_clean(dash *d);
void act_restart(dash *d);
void act_restart_forced(dash *d);
void act_relink(dash *d);
void act_log(dash *d);
void act_help(dash *d);
void act_chart_metric(dash *d);
void act_chart_log_scale(dash *d);
void act_chart_cells(dash *d);
/* Dialog keys. */
void act_confirm(dash *d);
void act_cancel(dash *d);
void act_keep_more(dash *d);
void act_keep_fewer(dash *d);
void act_keep_mode(dash *d);
/* The mouse: a click selects, the wheel scrolls. */
void act_mouse(dash *d);
/* After a move in panel p: the runs pane's move changes the epochs shown. */
void dash_moved(dash *d, panel *p);
/* Asks for the clean plan again with the limit and mode now chosen. */
void dash_replan(dash *d);
/* The workers' answers to actions (dash-answers.c). */
void dash_on_action_message(dash *d, dash_msg *m);

#endif
