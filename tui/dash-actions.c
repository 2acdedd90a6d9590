/* dash-actions.c: what the keys do (the answers are in dash-answers.c). Moving
 * and toggles change the view; verify, clean, restart and relink go to the
 * actor thread as questions to libckpt (a plan, a dry run) and only after
 * a y as changes. Changes are refused here, before asking, when the
 * dashboard is read-only (--readonly), when the library says a writer is
 * live, or when the run's folder is not writable for this user; anything
 * else the library refuses comes back with its reason. */
#include "dash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- moving ------------------------------------------------------------------------ */

/* The list the arrows move in now. */
static panel *current_panel(dash *d)
{
	if (d->dialog == DIALOG_CLEAN || d->dialog == DIALOG_HELP)
		return &d->dialog_panel;
	switch (d->focus) {
	case PANE_RUNS: return &d->runs_panel;
	case PANE_EPOCHS: return &d->epochs_panel;
	default: return d->show_log ? &d->log_panel : &d->details_panel;
	}
}

void dash_moved(dash *d, panel *p)
{
	if (p == &d->runs_panel) {
		d->user_moved = true;
		d->epochs_dirty = true;
	}
	if (p == &d->epochs_panel)
		d->details_panel.top = 0;
}

static void move_by(dash *d, long delta)
{
	panel *p = current_panel(d);
	panel_move(p, delta);
	dash_moved(d, p);
}

void act_up(dash *d)
{
	move_by(d, -1);
}

void act_down(dash *d)
{
	move_by(d, 1);
}

void act_page_up(dash *d)
{
	panel *p = current_panel(d);
	panel_page(p, -1);
	dash_moved(d, p);
}

void act_page_down(dash *d)
{
	panel *p = current_panel(d);
	panel_page(p, 1);
	dash_moved(d, p);
}

void act_home(dash *d)
{
	panel *p = current_panel(d);
	panel_home(p);
	dash_moved(d, p);
}

void act_end(dash *d)
{
	panel *p = current_panel(d);
	panel_end(p);
	dash_moved(d, p);
}

static bool has_runs_pane(const dash *d)
{
	return d->n_runs > 1 || d->o.n_paths > 1;
}

static void focus(dash *d, dash_pane pane)
{
	d->focus = pane;
	/* On a narrow screen the details (or the log) take the whole lower
	 * part: they show while focused. */
	if (!d->layout.wide) {
		d->show_details = pane == PANE_DETAILS;
		if (pane != PANE_DETAILS)
			d->show_log = false;
	}
}

void act_next_pane(dash *d)
{
	dash_pane next = d->focus == PANE_RUNS     ? PANE_EPOCHS
			 : d->focus == PANE_EPOCHS ? PANE_DETAILS
			 : has_runs_pane(d)        ? PANE_RUNS
						   : PANE_EPOCHS;
	focus(d, next);
}

void act_prev_pane(dash *d)
{
	dash_pane prev = d->focus == PANE_DETAILS                      ? PANE_EPOCHS
			 : d->focus == PANE_EPOCHS && has_runs_pane(d) ? PANE_RUNS
								       : PANE_DETAILS;
	focus(d, prev);
}

void act_open(dash *d)
{
	if (d->focus == PANE_RUNS)
		focus(d, PANE_EPOCHS);
	else if (d->focus == PANE_EPOCHS && dash_selected_row(d))
		focus(d, PANE_DETAILS);
}

void act_back(dash *d)
{
	dash_progress p;
	dash_jobs_progress(d->jobs, &p);
	if (p.action == ACTION_VERIFY) {
		dash_jobs_cancel(d->jobs);
		dash_say(d, false, "cancelling the verify: the results so far are kept");
	} else if (p.action == ACTION_ROLLBACK) {
		dash_jobs_cancel(d->jobs);
		dash_say(d, false, "cancelling the restart's check: last is unchanged");
	} else if (d->show_log) {
		d->show_log = false;
		if (!d->layout.wide)
			focus(d, PANE_EPOCHS);
	} else if (d->focus == PANE_DETAILS) {
		focus(d, PANE_EPOCHS);
	} else if (d->focus == PANE_EPOCHS && has_runs_pane(d)) {
		focus(d, PANE_RUNS);
	}
}

void act_quit(dash *d)
{
	d->quit = true;
}

/* ---- the runs -------------------------------------------------------------------------- */

void act_mark(dash *d)
{
	dash_run *r = dash_selected(d);
	if (!r)
		return;
	r->marked = !r->marked;
	d->n_marked += r->marked ? 1 : (size_t)-1;
	d->runs_table_dirty = true;
	if (d->focus == PANE_RUNS) {
		panel_move(&d->runs_panel, 1);
		dash_moved(d, &d->runs_panel);
	}
}

void act_filter(dash *d)
{
	d->dialog = DIALOG_FILTER;
	snprintf(d->input, sizeof d->input, "%s", d->filtering ? d->filter_text : "");
}

static void apply_filter(dash *d)
{
	d->dialog = DIALOG_NONE;
	if (d->filtering)
		regfree(&d->filter);
	d->filtering = false;
	d->filter_text[0] = '\0';
	d->view_dirty = true;
	if (!d->input[0]) {
		dash_say(d, false, "no filter: every run shown");
		return;
	}
	int rc = regcomp(&d->filter, d->input, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (rc != 0) {
		char why[256];
		regerror(rc, &d->filter, why, sizeof why);
		regfree(&d->filter);
		dash_say(d, true, "filter '%s': %s", d->input, why);
		return;
	}
	d->filtering = true;
	snprintf(d->filter_text, sizeof d->filter_text, "%s", d->input);
}

void act_sort(dash *d)
{
	d->sort = d->sort == CLI_SORT_SIZE ? CLI_SORT_NAME : (cli_sort)(d->sort + 1);
	d->view_dirty = true;
	static const char *const said[] = {"name", "best value (best first)",
					   "last update (newest first)", "size (largest first)"};
	dash_say(d, false, "runs sorted by %s", said[d->sort]);
}

void act_unsaved(dash *d)
{
	d->show_unsaved = !d->show_unsaved;
	d->epochs_dirty = true;
	dash_say(d, false, "%s",
		 d->show_unsaved ? "unsaved epochs of the history shown (u hides)"
				 : "only the epochs on disk shown");
}

/* ---- changes and their refusals ------------------------------------------------------- */

/* Whether an action that changes the run may be asked for at all. */
static bool may_change(dash *d, const dash_run *r, const char *what)
{
	if (d->o.readonly) {
		dash_say(d, true, "%s refused: the dashboard is read-only (--readonly)", what);
		return false;
	}
	if (!r) {
		dash_say(d, true, "%s: no run selected", what);
		return false;
	}
	const ckpt_run *run = r->run;
	if (ckpt_run_health(run) & CKPT_HEALTH_LIVE) {
		dash_say(d, true,
			 "%s refused: %s is training live (pid %lld): wait until its writer stops",
			 what, dash_run_raw_name(r), (long long)ckpt_run_writer_pid(run));
		return false;
	}
	/* Asked first: the library would fail the same way, but only after a
	 * question the user could not act on. */
	if (ckpt_run_check_writable(run) != CKPT_OK) {
		dash_say(d, true, "%s refused: %s", what, ckpt_error_last());
		return false;
	}
	return true;
}

static void busy(dash *d)
{
	dash_say(d, true, "busy: one action at a time (Esc cancels a verify)");
}

void act_verify_epoch(dash *d)
{
	dash_run *r = d->rows_of;
	const dash_row *row = dash_selected_row(d);
	if (!r || !row) {
		dash_say(d, true, "verify: no epoch selected");
		return;
	}
	if (!row->e) {
		dash_say(d, true, "verify: epoch %lld is not on disk", (long long)row->epoch);
		return;
	}
	if (!dash_jobs_verify(d->jobs, &r->run, 1, row->epoch))
		busy(d);
}

void act_verify_all(dash *d)
{
	dash_run **targets = NULL;
	size_t n = dash_targets(d, &targets);
	ckpt_run **runs = calloc(n + 1, sizeof *runs);
	for (size_t i = 0; runs && i < n; i++)
		runs[i] = targets[i]->run;
	if (!n)
		dash_say(d, true, "verify: no run selected");
	else if (!runs || !dash_jobs_verify(d->jobs, runs, n, 0))
		busy(d);
	free(runs);
	free(targets);
}

static void ask_plan(dash *d, const dash_run *r)
{
	int64_t keep = d->plan_keep_chosen ? d->plan_keep : 0;
	ckpt_keep_mode mode = d->plan_mode_chosen ? d->plan_mode : CKPT_KEEP_RUNS_OWN;
	if (!dash_jobs_plan(d->jobs, r->run, keep, mode)) {
		busy(d);
		return;
	}
	d->plan_waiting = true;
}

void act_clean(dash *d)
{
	dash_run *r = d->rows_of;
	if (!may_change(d, r, "clean"))
		return;
	free(d->plan_root);
	d->plan_root = strdup(r->root);
	d->plan_keep = 0;
	d->plan_keep_chosen = d->plan_mode_chosen = false;
	ask_plan(d, r);
}

static void ask_restart(dash *d, bool force)
{
	const char *what = force ? "forced restart" : "restart";
	dash_run *r = d->rows_of;
	const dash_row *row = dash_selected_row(d);
	if (!may_change(d, r, what))
		return;
	if (!row || !row->e) {
		dash_say(d, true, "%s: %s", what,
			 row ? "that epoch is not on disk" : "no epoch selected");
		return;
	}
	unsigned flags = CKPT_FLAG_DRY_RUN | (force ? CKPT_FLAG_FORCE : 0);
	if (!dash_jobs_rollback(d->jobs, r->run, row->epoch, flags)) {
		busy(d);
		return;
	}
	free(d->restart_root);
	d->restart_root = strdup(r->root);
	d->restart_epoch = row->epoch;
	d->restart_from = ckpt_run_last(r->run);
}

void act_restart(dash *d)
{
	ask_restart(d, false);
}

void act_restart_forced(dash *d)
{
	ask_restart(d, true);
}

void act_relink(dash *d)
{
	dash_run *r = d->rows_of;
	if (!may_change(d, r, "relink"))
		return;
	if (!dash_jobs_relink(d->jobs, r->run))
		busy(d);
}

/* ---- views ------------------------------------------------------------------------------ */

void act_log(dash *d)
{
	d->show_log = !d->show_log;
	if (d->show_log) {
		d->log_panel.cursor = false;
		d->log_panel.count = 0;
		d->log_asked = 0;
		focus(d, PANE_DETAILS);
		d->show_log = true;
	} else if (!d->layout.wide) {
		focus(d, PANE_EPOCHS);
	}
}

void act_help(dash *d)
{
	d->dialog = DIALOG_HELP;
	d->dialog_panel.top = d->dialog_panel.selected = 0;
	d->dialog_panel.cursor = false;
}

void act_chart_metric(dash *d)
{
	const dash_run *r = dash_selected(d);
	/* The overlay's metrics are the first marked run's (dash-chart.c). */
	for (size_t i = 0; r && !r->marked && d->n_marked && i < d->n_view; i++)
		if (d->runs[d->view[i]]->marked) {
			r = d->runs[d->view[i]];
			break;
		}
	const ckpt_history *h = r ? r->history : NULL;
	size_t extras = h ? ckpt_history_extra_name_count(h) : 0;
	d->chart_metric = (d->chart_metric + 1) % (extras + 1);
	const char *name = !h                ? NULL
			   : d->chart_metric ? ckpt_history_extra_name(h, d->chart_metric - 1)
					     : ckpt_history_metric(h);
	dash_say(d, false, "chart: %s", name ? name : "-");
}

void act_chart_log_scale(dash *d)
{
	d->log_scale = !d->log_scale;
}

void act_chart_cells(dash *d)
{
	if (d->ascii) {
		d->chart_style = CHART_ASCII;
		dash_say(d, false, "chart: ASCII cells only, the terminal is not UTF-8");
		return;
	}
	d->chart_style = d->chart_style == CHART_BRAILLE ? CHART_BLOCK
			 : d->chart_style == CHART_BLOCK ? CHART_ASCII
							 : CHART_BRAILLE;
	dash_say(d, false, "chart cells: %s", chart_style_name(d->chart_style));
}

/* ---- dialogs ------------------------------------------------------------------------------ */

void act_confirm(dash *d)
{
	if (d->dialog == DIALOG_FILTER) {
		apply_filter(d);
	} else if (d->dialog == DIALOG_CLEAN && d->plan) {
		if (d->plan_waiting) {
			dash_say(d, false, "the plan is being made again: y once it shows");
			return;
		}
		if (ckpt_clean_plan_delete_count(d->plan) == 0 &&
		    !ckpt_clean_plan_removes_work(d->plan)) {
			d->dialog = DIALOG_NONE;
			dash_say(d, false, "clean: nothing to delete");
			return;
		}
		ckpt_clean_plan *plan = d->plan;
		d->plan = NULL;
		d->dialog = DIALOG_NONE;
		free(d->plan_root);
		d->plan_root = NULL;
		if (!dash_jobs_clean(d->jobs, plan))
			busy(d);
	} else if (d->dialog == DIALOG_RESTART) {
		dash_run *r = dash_model_find(d, d->restart_root);
		d->dialog = DIALOG_NONE;
		if (r && !dash_jobs_rollback(d->jobs, r->run, d->restart_epoch,
					     d->restart_flags & ~(unsigned)CKPT_FLAG_DRY_RUN))
			busy(d);
	}
}

void act_cancel(dash *d)
{
	if (d->dialog == DIALOG_CLEAN)
		dash_say(d, false, "clean cancelled: nothing deleted");
	else if (d->dialog == DIALOG_RESTART)
		dash_say(d, false, "restart cancelled: last is unchanged");
	if (d->dialog == DIALOG_CLEAN) {
		/* A plan still being made is not wanted any more. */
		free(d->plan_root);
		d->plan_root = NULL;
	}
	d->dialog = DIALOG_NONE;
	ckpt_clean_plan_free(d->plan);
	d->plan = NULL;
	ckpt_restart_free(d->restart);
	d->restart = NULL;
}

void dash_replan(dash *d)
{
	dash_run *r = dash_model_find(d, d->plan_root);
	if (r && d->dialog == DIALOG_CLEAN && !d->plan_waiting)
		ask_plan(d, r);
}

void act_keep_more(dash *d)
{
	d->plan_keep++;
	d->plan_keep_chosen = true;
	dash_replan(d);
}

void act_keep_fewer(dash *d)
{
	if (d->plan_keep > 1)
		d->plan_keep--;
	d->plan_keep_chosen = true;
	dash_replan(d);
}

void act_keep_mode(dash *d)
{
	d->plan_mode = d->plan_mode == CKPT_KEEP_LINEAR        ? CKPT_KEEP_EXPONENTIAL
		       : d->plan_mode == CKPT_KEEP_EXPONENTIAL ? CKPT_KEEP_ALL
							       : CKPT_KEEP_LINEAR;
	d->plan_mode_chosen = true;
	dash_replan(d);
}
