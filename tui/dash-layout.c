/* dash-layout.c: the screen's layout from LINES and COLS, and the frame:
 * the title line, the panes (drawn by their own files), the separators, the
 * status line (an action's progress, a message, the scan's count) and the
 * hints line; below 80x24 a "terminal too small" screen. One window, one
 * doupdate a frame: curses sends only the cells that changed. */
#include "dash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- putting text -------------------------------------------------------------------- */

int dash_put(WINDOW *w, int y, int x, int width, const char *text, attr_t attr)
{
	if (width <= 0 || !text)
		return 0;
	size_t size = strlen(text) + 8;
	char stack[512];
	char *cut = size <= sizeof stack ? stack : malloc(size);
	if (!cut)
		return 0;
	/* Text that does not fit ends in an ellipsis: never a silent cut. */
	fmt_truncate(cut, size, text, (size_t)width, !term_utf8());
	wattrset(w, attr);
	mvwaddstr(w, y, x, cut);
	wattrset(w, A_NORMAL);
	int used = (int)fmt_display_width(cut);
	if (cut != stack)
		free(cut);
	return used;
}

void dash_fill(WINDOW *w, int y, int x, int width, attr_t attr)
{
	wattrset(w, attr);
	for (int i = 0; i < width; i++)
		mvwaddch(w, y, x + i, ' ');
	wattrset(w, A_NORMAL);
}

void dash_pane_title(dash *d, const dash_rect *r, dash_pane pane, const char *text)
{
	attr_t attr = term_attr(d->focus == pane ? ROLE_PANE_TITLE : ROLE_PANE_IDLE);
	dash_fill(d->win, r->y, r->x, r->w, attr);
	dash_put(d->win, r->y, r->x, r->w, text, attr);
}

/* ---- the layout ------------------------------------------------------------------------ */

static dash_rect rect(int y, int x, int h, int w)
{
	dash_rect r = {y, x, h > 0 ? h : 0, w > 0 ? w : 0};
	return r;
}

void dash_layout_compute(dash *d)
{
	dash_layout *l = &d->layout;
	memset(l, 0, sizeof *l);
	int lines = LINES, cols = COLS;
	if (lines < 24 || cols < 80) {
		l->too_small = true;
		return;
	}
	l->title = rect(0, 0, 1, cols);
	l->status = rect(lines - 2, 0, 1, cols);
	l->hints = rect(lines - 1, 0, 1, cols);
	int y = 1, h = lines - 3;
	if (d->n_runs > 1 || d->o.n_paths > 1) {
		/* The runs get what they need, up to two fifths of the body. */
		int want = (int)d->n_view + 2, cap = h * 2 / 5 > 8 ? h * 2 / 5 : 8;
		int runs = want < 5 ? 5 : want > cap ? cap : want;
		l->runs = rect(y, 0, runs, cols);
		y += runs, h -= runs;
	}
	l->wide = cols >= 160 && h >= 20;
	bool full = !l->wide && (d->show_details || d->show_log);
	if (full) {
		l->details = rect(y, 0, h, cols);
	} else {
		int left = l->wide ? cols * 45 / 100 : cols >= 100 ? cols * 55 / 100 : 50;
		l->epochs = rect(y, 0, h, left);
		int rx = left + 1, rw = cols - left - 1;
		if (l->wide) {
			int chart = h * 55 / 100;
			l->chart = rect(y, rx, chart, rw);
			l->details = rect(y + chart, rx, h - chart, rw);
		} else {
			l->chart = rect(y, rx, h, rw);
		}
	}
	panel_set_height(&d->runs_panel, l->runs.h - 2);
	panel_set_height(&d->epochs_panel, l->epochs.h - 2);
	panel_set_height(&d->details_panel, l->details.h - 1);
	panel_set_height(&d->log_panel, l->details.h - 1);
	/* Focus never stays on a pane that is not there (the runs pane may
	 * yet come while the scan goes on). */
	if (d->focus == PANE_RUNS && !l->runs.h && d->scan_done)
		d->focus = PANE_EPOCHS;
	if (d->focus == PANE_EPOCHS && !l->epochs.h)
		d->focus = PANE_DETAILS;
	if (d->focus == PANE_DETAILS && !l->details.h)
		d->focus = PANE_EPOCHS;
}

/* ---- the lines around the panes ------------------------------------------------------- */

static void draw_title(dash *d)
{
	const dash_rect *r = &d->layout.title;
	attr_t attr = term_attr(ROLE_TITLE);
	dash_fill(d->win, r->y, r->x, r->w, attr);
	size_t live = 0, problems = 0, unreadable = 0;
	for (size_t i = 0; i < d->n_runs; i++) {
		live += (d->runs[i]->health & CKPT_HEALTH_LIVE) != 0;
		problems += ckpt_health_is_problem(d->runs[i]->health);
	}
	for (size_t p = 0; p < d->o.n_paths; p++)
		unreadable += d->problems[p];
	char where[256], text[640], extra[160] = "";
	dash_escape(d, where, sizeof where, d->o.paths[0]);
	if (d->o.n_paths > 1)
		snprintf(where + strlen(where), sizeof where - strlen(where), " +%zu",
			 d->o.n_paths - 1);
	size_t n = 0;
	if (live)
		n += (size_t)snprintf(extra + n, sizeof extra - n, ", %zu live", live);
	if (problems && n < sizeof extra)
		n += (size_t)snprintf(extra + n, sizeof extra - n, ", %zu with problems", problems);
	if (unreadable && n < sizeof extra)
		snprintf(extra + n, sizeof extra - n, ", %zu unreadable", unreadable);
	char count[512];
	snprintf(count, sizeof count, "%zu run%s%s", d->n_runs, d->n_runs == 1 ? "" : "s", extra);
	/* One run (no runs pane): its health is said here. */
	if (d->n_runs == 1 && d->runs[0]->health)
		dash_escape(d, count, sizeof count, ckpt_run_health_text(d->runs[0]->run));
	snprintf(text, sizeof text, " ckpt  %s  %s%s", where, count,
		 d->o.readonly ? "  [read-only]" : "");
	int used = dash_put(d->win, r->y, r->x, r->w, text, attr);
	const char *help = "? help ";
	int hw = (int)strlen(help);
	if (used + hw + 2 <= r->w)
		dash_put(d->win, r->y, r->x + r->w - hw, hw, help, attr);
}

static void draw_progress(dash *d, const dash_rect *r, const dash_progress *p)
{
	char run[256], line[1024], bar[128], transfer[160];
	dash_escape(d, run, sizeof run, p->run);
	if (p->action == ACTION_ROLLBACK && p->total) {
		/* The checksum check of a restart: a model read through. */
		int pct = (int)((double)(p->done > p->total ? p->total : p->done) * 100.0 /
				(double)p->total);
		fmt_transfer(transfer, sizeof transfer, p->done, p->total, p->elapsed);
		snprintf(line, sizeof line, "checking epoch %lld of %s for the restart ",
			 (long long)p->epoch, run);
		int x = r->x + dash_put(d->win, r->y, r->x, r->w / 2, line, term_attr(ROLE_NORMAL));
		fmt_bar(bar, sizeof bar, p->done, p->total, 16, d->ascii);
		x += dash_put(d->win, r->y, x, r->x + r->w - x, bar, term_attr(ROLE_BAR));
		snprintf(line, sizeof line, " %3d%%  %s", pct, transfer);
		dash_put(d->win, r->y, x, r->x + r->w - x, line, term_attr(ROLE_NORMAL));
		return;
	}
	if (p->action != ACTION_VERIFY) {
		static const char *const doing[] = {
		    [ACTION_PLAN] = "planning the clean of",
		    [ACTION_CLEAN] = "cleaning",
		    [ACTION_ROLLBACK] = "checking the restart of",
		    [ACTION_RELINK] = "relinking",
		};
		const char *what = p->action < sizeof doing / sizeof doing[0] && doing[p->action]
				       ? doing[p->action]
				       : "working on";
		const dash_run *sel = dash_selected(d);
		snprintf(line, sizeof line, "%s %s...", what, sel ? dash_run_name(sel) : "");
		dash_put(d->win, r->y, r->x, r->w, line, term_attr(ROLE_NORMAL));
		return;
	}
	char runs[64] = "";
	if (p->run_count > 1)
		snprintf(runs, sizeof runs, " (run %zu of %zu)", p->run_index + 1, p->run_count);
	char epoch[64] = "";
	if (p->epoch)
		snprintf(epoch, sizeof epoch, " epoch %lld, %llu of %llu done", (long long)p->epoch,
			 (unsigned long long)p->items_done, (unsigned long long)p->items_total);
	int pct = p->total ? (int)((double)(p->done > p->total ? p->total : p->done) * 100.0 /
				   (double)p->total)
			   : 0;
	/* The rate over everything this verify read, the time left of this run. */
	fmt_transfer(transfer, sizeof transfer, p->done, p->total,
		     p->elapsed * ((double)p->done + 1) /
			 ((double)(p->bytes_before + p->done) + 1));
	int width = r->w;
	int x = r->x;
	char head[512];
	snprintf(head, sizeof head, "%s %s%s%s ", p->cancelling ? "cancelling" : "verify", run,
		 runs, epoch);
	x += dash_put(d->win, r->y, x, width / 2, head, term_attr(ROLE_NORMAL));
	fmt_bar(bar, sizeof bar, p->done, p->total, 16, d->ascii);
	x += dash_put(d->win, r->y, x, r->x + width - x, bar, term_attr(ROLE_BAR));
	snprintf(line, sizeof line, " %3d%%  %s", pct, transfer);
	dash_put(d->win, r->y, x, r->x + width - x, line, term_attr(ROLE_NORMAL));
}

static void draw_status(dash *d)
{
	const dash_rect *r = &d->layout.status;
	dash_progress p;
	dash_jobs_progress(d->jobs, &p);
	if (p.action != ACTION_NONE) {
		draw_progress(d, r, &p);
		return;
	}
	if (d->status[0] && d->now < d->status_until) {
		char text[2048];
		dash_escape(d, text, sizeof text, d->status);
		dash_put(d->win, r->y, r->x, r->w, text,
			 term_attr(d->status_error ? ROLE_ERROR : ROLE_NORMAL));
		return;
	}
	size_t runs = 0, folders = 0;
	if (!d->scan_done && dash_jobs_scanning(d->jobs, &runs, &folders)) {
		char text[128];
		snprintf(text, sizeof text, "scanning: %zu runs found, %zu folders looked at...",
			 runs, folders);
		dash_put(d->win, r->y, r->x, r->w, text, term_attr(ROLE_DIM));
	} else if (d->n_runs == 0) {
		dash_put(d->win, r->y, r->x, r->w, "no checkpoint runs found here",
			 term_attr(ROLE_WARN));
	}
}

static void draw_hints(dash *d)
{
	const dash_rect *r = &d->layout.hints;
	const dash_hint *hints = NULL;
	size_t n = dash_keys_hints(d, &hints);
	dash_fill(d->win, r->y, r->x, r->w, term_attr(ROLE_HINT));
	int x = r->x;
	for (size_t i = 0; i < n; i++) {
		int need =
		    (int)(fmt_display_width(hints[i].key) + fmt_display_width(hints[i].label));
		if (x + need > r->x + r->w)
			break;
		x += dash_put(d->win, r->y, x, r->w, hints[i].key, term_attr(ROLE_KEY));
		x += dash_put(d->win, r->y, x, r->x + r->w - x, hints[i].label,
			      term_attr(ROLE_HINT));
	}
}

static void draw_separator(dash *d)
{
	const dash_rect *e = &d->layout.epochs;
	if (!e->h || e->x + e->w >= COLS)
		return;
	const term_glyphs *g = term_glyphs_get();
	for (int y = e->y; y < e->y + e->h; y++)
		dash_put(d->win, y, e->x + e->w, 1, g->vline, term_attr(ROLE_BORDER));
}

static void draw_too_small(dash *d)
{
	char text[128];
	snprintf(text, sizeof text, "terminal too small: %dx%d, ckpt needs at least 80x24", COLS,
		 LINES);
	int w = (int)strlen(text);
	int y = LINES / 2, x = COLS > w ? (COLS - w) / 2 : 0;
	dash_put(d->win, y > 0 ? y - 1 : 0, x, COLS, text, term_attr(ROLE_WARN));
	if (LINES > 2)
		dash_put(d->win, y + 1 < LINES ? y + 1 : y, COLS > 24 ? (COLS - 24) / 2 : 0, COLS,
			 "enlarge it, or q to quit", term_attr(ROLE_NORMAL));
}

void dash_draw(dash *d)
{
	dash_layout_compute(d);
	werase(d->win);
	if (d->layout.too_small) {
		draw_too_small(d);
	} else {
		draw_title(d);
		if (d->layout.runs.h)
			dash_draw_runs(d, &d->layout.runs);
		if (d->layout.epochs.h)
			dash_draw_epochs(d, &d->layout.epochs);
		draw_separator(d);
		if (d->layout.chart.h)
			dash_draw_chart(d, &d->layout.chart);
		if (d->layout.details.h && d->show_log)
			dash_draw_log(d, &d->layout.details);
		else if (d->layout.details.h)
			dash_draw_details(d, &d->layout.details);
		draw_status(d);
		draw_hints(d);
		if (d->dialog != DIALOG_NONE)
			dash_draw_dialog(d);
	}
	wnoutrefresh(d->win);
	doupdate();
}
