/* dash-keys.c: the key table, as data: each key, its name in the help, what
 * it does, the function it calls, and its label on the hints line; one
 * table per context (the main screen, the clean plan, the restart
 * question). The help screen and the hints line are generated from it, so
 * they cannot drift from what the keys do. The filter's text input is the
 * one context that is not a table. */
#include "dash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dash_binding {
	int keys[8]; /* 0 ends the list */
	const char *names;
	const char *help;
	dash_action_fn fn;
	const char *hint; /* on the hints line, or NULL */
} dash_binding;

#define ESC 27
#define ENTER_KEYS '\n', '\r', KEY_ENTER

static const dash_binding main_keys[] = {
    {{'q'}, "q", "quit (Ctrl-C too)", act_quit, "Quit"},
    {{'?', KEY_F(1)}, "? F1", "this help", act_help, NULL},
    {{KEY_UP, 'k'}, "Up k", "move up", act_up, NULL},
    {{KEY_DOWN, 'j'}, "Down j", "move down", act_down, NULL},
    {{KEY_PPAGE}, "PgUp", "a page up", act_page_up, NULL},
    {{KEY_NPAGE}, "PgDn", "a page down", act_page_down, NULL},
    {{KEY_HOME, 'g'}, "Home g", "the first row", act_home, NULL},
    {{KEY_END, 'G'}, "End G", "the last row", act_end, NULL},
    {{'\t'}, "Tab", "the next pane (runs, epochs, details)", act_next_pane, NULL},
    {{KEY_BTAB}, "Shift-Tab", "the previous pane", act_prev_pane, NULL},
    {{ENTER_KEYS}, "Enter", "open the run's epochs, or the epoch's details", act_open, NULL},
    {{ESC},
     "Esc",
     "cancel a verify or a restart's check; close the details or the log",
     act_back,
     NULL},
    {{' '},
     "Space",
     "mark the run (V verifies the marked runs; the chart overlays them)",
     act_mark,
     "Mark"},
    {{'/'}, "/", "filter the runs by name (a regular expression)", act_filter, "Filter"},
    {{'s'}, "s", "sort the runs: name, best value, last update, size", act_sort, "Sort"},
    {{'u'}, "u", "show or hide the history's unsaved epochs", act_unsaved, NULL},
    {{'v'}, "v", "verify the selected epoch's checksum", act_verify_epoch, "Verify"},
    {{'V'}, "V", "verify every epoch of the run, or of the marked runs", act_verify_all, NULL},
    {{'c'}, "c", "clean the run: its plan first, nothing deleted without y", act_clean, "Clean"},
    {{'r'}, "r", "restart from the selected epoch (points last at it)", act_restart, "Restart"},
    {{'R'}, "R", "restart from it even when the library refuses (force)", act_restart_forced, NULL},
    {{'l'}, "l", "relink relocated or absolute best/last links", act_relink, "Relink"},
    {{'L'}, "L", "the run's ckpt.log, following it (L again closes it)", act_log, "Log"},
    {{'e'}, "e", "chart the next metric: the tracked one, then the extras", act_chart_metric, NULL},
    {{'x'}, "x", "chart on a log scale, or back to linear", act_chart_log_scale, NULL},
    {{'b'}, "b", "chart cells: braille, block, ascii", act_chart_cells, NULL},
    {{KEY_MOUSE}, "mouse", "a click selects a row, the wheel scrolls", act_mouse, NULL},
};

static const dash_binding plan_keys[] = {
    {{'y', ENTER_KEYS}, "y Enter", "delete what the plan deletes", act_confirm, "Delete"},
    {{'n', ESC}, "n Esc", "cancel: delete nothing", act_cancel, "Cancel"},
    {{'+', '='}, "+", "keep one epoch more", act_keep_more, "More"},
    {{'-'}, "-", "keep one epoch fewer", act_keep_fewer, "Fewer"},
    {{'m'}, "m", "the next keep mode: linear, exponential, all", act_keep_mode, "Mode"},
    {{KEY_UP, 'k'}, "Up k", "scroll the plan", act_up, NULL},
    {{KEY_DOWN, 'j'}, "Down j", "scroll the plan", act_down, NULL},
    {{KEY_PPAGE}, "PgUp", "a page up", act_page_up, NULL},
    {{KEY_NPAGE}, "PgDn", "a page down", act_page_down, NULL},
};

static const dash_binding restart_keys[] = {
    {{'y', ENTER_KEYS},
     "y Enter",
     "restart from the epoch: point last at it",
     act_confirm,
     "Restart"},
    {{'n', ESC}, "n Esc", "cancel: change nothing", act_cancel, "Cancel"},
};

static const dash_binding help_keys[] = {
    {{KEY_UP, 'k'}, "Up k", "scroll", act_up, NULL},
    {{KEY_DOWN, 'j'}, "Down j", "scroll", act_down, NULL},
    {{KEY_PPAGE}, "PgUp", "a page up", act_page_up, NULL},
    {{KEY_NPAGE}, "PgDn", "a page down", act_page_down, NULL},
    {{'q', ESC, '?', ENTER_KEYS}, "q Esc ?", "close the help", act_cancel, "Close"},
};

typedef struct context {
	const char *title;
	const dash_binding *keys;
	size_t n;
} context;

#define CONTEXT(title, table)                                                                      \
	{                                                                                          \
		title, table, sizeof table / sizeof table[0]                                       \
	}

static const context contexts[] = {
    CONTEXT("Everywhere", main_keys),
    CONTEXT("In a clean plan", plan_keys),
    CONTEXT("In a restart question", restart_keys),
    CONTEXT("In this help", help_keys),
};

static const context *context_of(const dash *d)
{
	switch (d->dialog) {
	case DIALOG_CLEAN: return &contexts[1];
	case DIALOG_RESTART: return &contexts[2];
	case DIALOG_HELP: return &contexts[3];
	default: return &contexts[0];
	}
}

char *dash_keys_help(bool ascii)
{
	(void)ascii;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	for (size_t c = 0; c < sizeof contexts / sizeof contexts[0]; c++) {
		fprintf(f, "%s%s\n", c ? "\n" : "", contexts[c].title);
		for (size_t i = 0; i < contexts[c].n; i++)
			fprintf(f, "  %-12s %s\n", contexts[c].keys[i].names,
				contexts[c].keys[i].help);
	}
	fprintf(f, "\nEvery question: y or Enter confirms, n or Esc cancels.\n"
		   "Filtering: type a regular expression, Enter applies it (empty: no\n"
		   "filter), Esc leaves the filter as it was.\n");
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

size_t dash_keys_hints(const dash *d, const dash_hint **out)
{
	static dash_hint hints[32];
	static const dash_hint filter[] = {{"Enter", " Apply "}, {"Esc", " Cancel "}};
	if (d->dialog == DIALOG_FILTER) {
		*out = filter;
		return sizeof filter / sizeof filter[0];
	}
	static char keys[32][16], labels[32][24];
	const context *c = context_of(d);
	size_t n = 0;
	/* While a verify runs, how to stop it comes first. */
	dash_progress p = {0};
	if (d->jobs)
		dash_jobs_progress(d->jobs, &p);
	if ((p.action == ACTION_VERIFY || p.action == ACTION_ROLLBACK) &&
	    d->dialog == DIALOG_NONE) {
		hints[n].key = "Esc";
		hints[n++].label =
		    p.action == ACTION_VERIFY ? " Cancel the verify " : " Cancel the check ";
	}
	for (size_t i = 0; i < c->n && n < 32; i++) {
		if (!c->keys[i].hint)
			continue;
		/* The first of its names: "y" of "y Enter". */
		snprintf(keys[n], sizeof keys[n], "%.*s", (int)strcspn(c->keys[i].names, " "),
			 c->keys[i].names);
		snprintf(labels[n], sizeof labels[n], " %s ", c->keys[i].hint);
		hints[n].key = keys[n];
		hints[n].label = labels[n];
		n++;
	}
	*out = hints;
	return n;
}

/* ---- dispatch ------------------------------------------------------------------------ */

static void filter_key(dash *d, int key)
{
	size_t len = strlen(d->input);
	if (key == ESC) {
		d->dialog = DIALOG_NONE;
	} else if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		act_confirm(d);
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		/* Back over a whole UTF-8 character. */
		while (len > 0 && (d->input[len - 1] & 0xC0) == 0x80)
			len--;
		if (len > 0)
			len--;
		d->input[len] = '\0';
	} else if (key == 21) { /* Ctrl-U */
		d->input[0] = '\0';
	} else if (key >= 0x20 && key < 0x100 && key != 127 && len + 1 < sizeof d->input) {
		d->input[len] = (char)key;
		d->input[len + 1] = '\0';
	}
}

void dash_key(dash *d, int key)
{
	if (key == KEY_RESIZE) {
		d->epochs_table_width = d->runs_table_width = -1;
		return;
	}
	if (key == 3) { /* Ctrl-C, should the terminal deliver it as a key */
		act_quit(d);
		return;
	}
	if (d->dialog == DIALOG_FILTER) {
		filter_key(d, key);
		return;
	}
	if (d->layout.too_small && key != 'q' && key != KEY_RESIZE)
		return;
	const context *c = context_of(d);
	for (size_t i = 0; i < c->n; i++)
		for (size_t k = 0; k < 8 && c->keys[i].keys[k]; k++)
			if (c->keys[i].keys[k] == key) {
				c->keys[i].fn(d);
				return;
			}
	if (d->dialog == DIALOG_HELP)
		act_cancel(d); /* any other key closes the help */
}
