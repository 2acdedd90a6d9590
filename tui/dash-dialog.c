/* dash-dialog.c: what is drawn over the panes: the help (generated from the
 * key table), the filter prompt on the status line, a clean plan (every
 * epoch with the library's reason and health, the note, the bytes freed)
 * and the restart question (what the next restart would load, from the
 * library's dry run). Their keys are in dash-keys.c. */
#include "clean.h"
#include "dash.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dbox {
	int y, x, h, w; /* the inside */
} dbox;

/* A framed dbox of h x w inside lines, centred; returns its inside. */
static dbox frame(dash *d, int h, int w, const char *title)
{
	/* The status and hints lines stay in view below. */
	int max_h = LINES - 6, max_w = COLS - 4;
	h = h > max_h ? max_h : h;
	w = w > max_w ? max_w : w;
	dbox b = {(LINES - h) / 2, (COLS - w) / 2, h, w};
	const term_glyphs *g = term_glyphs_get();
	attr_t border = term_attr(ROLE_BORDER), inside = term_attr(ROLE_DIALOG);
	for (int y = b.y - 1; y <= b.y + h; y++) {
		dash_fill(d->win, y, b.x - 1, w + 2, inside);
		bool edge = y == b.y - 1 || y == b.y + h;
		const char *left = y == b.y - 1 ? g->tl : y == b.y + h ? g->bl : g->vline;
		const char *right = y == b.y - 1 ? g->tr : y == b.y + h ? g->br : g->vline;
		dash_put(d->win, y, b.x - 1, 1, left, border);
		dash_put(d->win, y, b.x + w, 1, right, border);
		for (int x = 0; edge && x < w; x++)
			dash_put(d->win, y, b.x + x, 1, g->hline, border);
	}
	char t[512];
	snprintf(t, sizeof t, " %s ", title);
	dash_put(d->win, b.y - 1, b.x + 1, w - 2, t, term_attr(ROLE_PANE_TITLE));
	return b;
}

/* Writes text (escaped already) wrapped at spaces into the dbox from line
 * *y; returns false once the dbox is full. */
static bool put_wrapped(dash *d, const dbox *b, int *y, const char *text, attr_t attr)
{
	const char *p = text;
	do {
		if (*y >= b->y + b->h)
			return false;
		size_t len = strlen(p), cut = len;
		char piece[1024];
		if (fmt_display_width(p) > (size_t)b->w) {
			/* The last space that leaves the piece within the width. */
			cut = 0;
			for (size_t i = 0; i < len; i++) {
				snprintf(piece, sizeof piece, "%.*s", (int)i, p);
				if (fmt_display_width(piece) > (size_t)b->w)
					break;
				if (p[i] == ' ')
					cut = i;
			}
			if (cut == 0) /* no space: cut by width */
				for (cut = 1; cut < len; cut++) {
					snprintf(piece, sizeof piece, "%.*s", (int)cut + 1, p);
					if (fmt_display_width(piece) > (size_t)b->w)
						break;
				}
		}
		snprintf(piece, sizeof piece, "%.*s", (int)cut, p);
		dash_put(d->win, (*y)++, b->x, b->w, piece, attr);
		p += cut;
		while (*p == ' ')
			p++;
	} while (*p);
	return true;
}

/* ---- help ---------------------------------------------------------------------------- */

static void draw_help(dash *d)
{
	char *text = dash_keys_help(d->ascii);
	if (!text)
		return;
	size_t lines = 1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	bool scrolls = (int)lines > LINES - 6;
	dbox b = frame(d, (int)lines, 96,
		       scrolls ? "ckpt: keys (j/k scroll, q closes)" : "ckpt: keys (q closes)");
	d->dialog_panel.count = lines;
	panel_set_height(&d->dialog_panel, b.h);
	size_t line = 0;
	int y = b.y;
	for (char *p = text; *p && y < b.y + b.h; line++) {
		char *end = strchr(p, '\n');
		if (end)
			*end = '\0';
		if (line >= d->dialog_panel.top)
			dash_put(d->win, y++, b.x, b.w, p,
				 term_attr(p[0] != ' ' ? ROLE_PANE_TITLE : ROLE_DIALOG));
		p = end ? end + 1 : p + strlen(p);
	}
	free(text);
}

/* ---- the filter prompt --------------------------------------------------------------- */

static void draw_filter(dash *d)
{
	const dash_rect *r = &d->layout.status;
	char shown[600], text[700];
	dash_escape(d, shown, sizeof shown, d->input);
	snprintf(text, sizeof text, "filter runs by name (regular expression): %s", shown);
	dash_fill(d->win, r->y, r->x, r->w, term_attr(ROLE_NORMAL));
	int used = dash_put(d->win, r->y, r->x, r->w - 1, text, term_attr(ROLE_KEY));
	dash_put(d->win, r->y, r->x + used, 1, " ", term_attr(ROLE_SELECTED));
}

/* ---- a clean plan ---------------------------------------------------------------------- */

static term_role plan_role(const ckpt_clean_plan *plan, size_t i, size_t col)
{
	if (col == 1)
		return ckpt_clean_plan_keeps(plan, i) ? ROLE_OK : ROLE_ERROR;
	if (col == 3)
		return ckpt_clean_plan_health(plan, i) == CKPT_EPOCH_OK ? ROLE_NORMAL : ROLE_WARN;
	return ROLE_DIALOG;
}

static void draw_clean(dash *d)
{
	const ckpt_clean_plan *plan = d->plan;
	if (!plan)
		return;
	const ckpt_run *run = ckpt_clean_plan_run(plan);
	dash_run *r = dash_model_find(d, ckpt_run_root(run));
	char title[512], line[1024], esc[2048];
	size_t n = ckpt_clean_plan_count(plan);
	int h = (int)n + 9;
	char scroll[64] = "";
	if (n > 0 && (int)n + 9 > LINES - 6)
		snprintf(scroll, sizeof scroll, " (row %zu of %zu: j/k scroll)",
			 d->dialog_panel.top + 1, n);
	snprintf(title, sizeof title, "Clean %s?%s%s", r ? dash_run_name(r) : "", scroll,
		 d->plan_waiting ? " (planning again...)" : "");
	dbox b = frame(d, h, 72, title);
	int y = b.y;
	const char *mode_from = d->plan_mode_chosen ? "m" : NULL;
	clean_policy_text(line, sizeof line, plan, mode_from, "+/-", "+/- changes it");
	put_wrapped(d, &b, &y, dash_escape(d, esc, sizeof esc, line), term_attr(ROLE_DIALOG));
	unsigned health = ckpt_run_health(run);
	if (ckpt_health_is_problem(health)) {
		snprintf(line, sizeof line, "status: %s", ckpt_run_health_text(run));
		put_wrapped(d, &b, &y, dash_escape(d, esc, sizeof esc, line), term_attr(ROLE_WARN));
	}
	/* The footer's lines first, so that the table gets what is left. */
	char summary[512], note[1024] = "", unverified[160] = "";
	clean_summary_text(summary, sizeof summary, plan);
	if (ckpt_clean_plan_note(plan))
		snprintf(note, sizeof note, "note: %s", ckpt_clean_plan_note(plan));
	size_t unv = ckpt_clean_plan_unverified_count(plan);
	if (unv)
		snprintf(unverified, sizeof unverified,
			 "%zu of %zu epochs not verified (Esc, then V verifies them)", unv, n);
	int footer = 1 + (note[0] ? 2 : 0) + (unverified[0] ? 1 : 0) + 1;
	fmt_table *t = clean_plan_table(plan, d->ascii);
	size_t widths[8];
	int rows = b.y + b.h - footer - y - 1;
	if (t && rows > 0 && fmt_table_fit(t, (size_t)b.w, widths) == 0) {
		char cell[256];
		int x = b.x;
		for (size_t c = 0; c < 5; c++) {
			fmt_table_cell(cell, sizeof cell, t, FMT_HEADER, c, widths);
			dash_put(d->win, y, x, b.x + b.w - x, cell, term_attr(ROLE_HEADER));
			x += (int)widths[c] + 2;
		}
		y++;
		d->dialog_panel.count = n;
		panel_set_height(&d->dialog_panel, rows);
		for (size_t i = d->dialog_panel.top; i < n && rows-- > 0; i++, y++) {
			x = b.x;
			for (size_t c = 0; c < 5; c++) {
				fmt_table_cell(cell, sizeof cell, t, i, c, widths);
				dash_put(d->win, y, x, b.x + b.w - x, cell,
					 term_attr(plan_role(plan, i, c)));
				x += (int)widths[c] + 2;
			}
		}
	}
	fmt_table_free(t);
	y = b.y + b.h - footer;
	if (note[0])
		put_wrapped(d, &b, &y, dash_escape(d, esc, sizeof esc, note), term_attr(ROLE_WARN));
	put_wrapped(d, &b, &y, summary, term_attr(ROLE_PANE_TITLE));
	if (unverified[0])
		put_wrapped(d, &b, &y, unverified, term_attr(ROLE_DIM));
	put_wrapped(d, &b, &y, "y or Enter deletes, n or Esc cancels; + - keep limit, m mode",
		    term_attr(ROLE_KEY));
}

/* ---- the restart question ---------------------------------------------------------------- */

static void draw_restart(dash *d)
{
	const ckpt_restart *rs = d->restart;
	dash_run *r = dash_model_find(d, d->restart_root);
	char title[512], line[2048], esc[4096], value[FMT_SHORT];
	bool forced = d->restart_flags & CKPT_FLAG_FORCE;
	snprintf(title, sizeof title, "%s %s from epoch %lld?",
		 forced ? "Force a restart of" : "Restart", r ? dash_run_name(r) : "",
		 (long long)d->restart_epoch);
	dbox b = frame(d, 10, 70, title);
	int y = b.y;
	if (d->restart_from > 0)
		snprintf(line, sizeof line, "last moves from epoch %lld to epoch %lld.",
			 (long long)d->restart_from, (long long)d->restart_epoch);
	else
		snprintf(line, sizeof line, "last will name epoch %lld.",
			 (long long)d->restart_epoch);
	put_wrapped(d, &b, &y, line, term_attr(ROLE_DIALOG));
	if (rs) {
		snprintf(line, sizeof line, "The trainer's next restart loads %s",
			 ckpt_restart_model_path(rs));
		put_wrapped(d, &b, &y, dash_escape(d, esc, sizeof esc, line),
			    term_attr(ROLE_DIALOG));
		double best = ckpt_restart_best_metric_last(rs);
		snprintf(line, sizeof line,
			 "It takes best_metric_last %s and resumes after epoch %lld.",
			 isnan(best) ? "(unknown)" : fmt_metric_exact(value, best),
			 (long long)ckpt_restart_epoch(rs));
		put_wrapped(d, &b, &y, line, term_attr(ROLE_DIALOG));
	}
	if (forced && d->restart_refusal) {
		snprintf(line, sizeof line, "Forced past the library's refusal: %s",
			 d->restart_refusal);
		put_wrapped(d, &b, &y, dash_escape(d, esc, sizeof esc, line),
			    term_attr(ROLE_ERROR));
	}
	y = y < b.y + b.h - 1 ? b.y + b.h - 1 : y;
	put_wrapped(d, &b, &y, "y or Enter restarts from it, n or Esc cancels",
		    term_attr(ROLE_KEY));
}

void dash_draw_dialog(dash *d)
{
	switch (d->dialog) {
	case DIALOG_HELP: draw_help(d); break;
	case DIALOG_FILTER: draw_filter(d); break;
	case DIALOG_CLEAN: draw_clean(d); break;
	case DIALOG_RESTART: draw_restart(d); break;
	default: break;
	}
}
