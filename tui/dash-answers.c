/* dash-answers.c: what becomes of the actor's answers (a verify's results
 * landing in the table, a plan opening the clean dialog, a dry run opening
 * the restart question or saying why it was refused, what a clean, a
 * rollback or a relink did) and of the mouse: a click selects, the wheel
 * scrolls the pane under it. */
#include "dash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the mouse ----------------------------------------------------------------------------- */

static bool inside(const dash_rect *r, int y, int x)
{
	return r->h && y >= r->y && y < r->y + r->h && x >= r->x && x < r->x + r->w;
}

void act_mouse(dash *d)
{
	MEVENT ev;
	if (getmouse(&ev) != OK || d->dialog != DIALOG_NONE)
		return;
	struct {
		const dash_rect *r;
		panel *p;
		dash_pane pane;
		int first; /* the first row's line in the pane */
	} targets[] = {
	    {&d->layout.runs, &d->runs_panel, PANE_RUNS, 2},
	    {&d->layout.epochs, &d->epochs_panel, PANE_EPOCHS, 2},
	    {&d->layout.details, d->show_log ? &d->log_panel : &d->details_panel, PANE_DETAILS, 1},
	};
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		if (!inside(targets[i].r, ev.y, ev.x))
			continue;
		panel *p = targets[i].p;
		if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
			panel_scroll(p, ev.bstate & BUTTON4_PRESSED ? -3 : 3);
		} else {
			size_t row;
			if (targets[i].pane != PANE_DETAILS &&
			    panel_hit(p, ev.y - targets[i].r->y - targets[i].first, &row))
				panel_select(p, row);
			d->focus = targets[i].pane;
		}
		dash_moved(d, p);
		return;
	}
}

/* ---- the answers --------------------------------------------------------------------------- */

static void on_plan(dash *d, dash_msg *m)
{
	d->plan_waiting = false;
	if (!d->plan_root || strcmp(m->root, d->plan_root) != 0)
		return;
	if (m->rc) {
		d->dialog = DIALOG_NONE;
		dash_say(d, true, "clean: %s", m->error);
		return;
	}
	ckpt_clean_plan_free(d->plan);
	d->plan = m->plan;
	m->plan = NULL;
	bool first = d->dialog != DIALOG_CLEAN;
	d->dialog = DIALOG_CLEAN;
	if (first) {
		d->dialog_panel.cursor = false;
		d->dialog_panel.top = 0;
		d->plan_keep = ckpt_clean_plan_keep_limit(d->plan);
		d->plan_mode = ckpt_clean_plan_mode(d->plan);
	} else if (m->keep != (d->plan_keep_chosen ? d->plan_keep : 0)) {
		/* Keys pressed while it was being made: plan again. */
		dash_replan(d);
	}
}

static void on_rollback(dash *d, dash_msg *m)
{
	char epoch_dir[32];
	snprintf(epoch_dir, sizeof epoch_dir, "%lld", (long long)m->epoch);
	if (m->rc == CKPT_ECANCELLED) {
		dash_say(d, false, "restart from epoch %s cancelled: last is unchanged", epoch_dir);
		return;
	}
	if (m->rc == CKPT_EREFUSED) {
		dash_say(d, true, "restart from epoch %s refused (R forces): %s", epoch_dir,
			 m->error);
		return;
	}
	if (m->rc) {
		dash_say(d, true, "restart from epoch %s: %s", epoch_dir, m->error);
		return;
	}
	if (m->flags & CKPT_FLAG_DRY_RUN) {
		ckpt_restart_free(d->restart);
		d->restart = m->restart;
		m->restart = NULL;
		d->restart_flags = m->flags;
		free(d->restart_refusal);
		d->restart_refusal = m->text;
		m->text = NULL;
		d->dialog = DIALOG_RESTART;
		return;
	}
	dash_say(d, false, "last now names epoch %s: the next restart loads %s", epoch_dir,
		 m->restart ? ckpt_restart_model_path(m->restart) : "it");
}

void dash_on_action_message(dash *d, dash_msg *m)
{
	dash_run *r = m->root ? dash_model_find(d, m->root) : NULL;
	switch (m->kind) {
	case MSG_VERIFY_ITEM:
		if (r)
			dash_model_add_check(r, m->epoch, m->result, m->at, m->text);
		if (r && r == d->rows_of)
			d->epochs_table_width = -1;
		break;
	case MSG_VERIFY_RUN:
		if (r)
			r->checks_done = true;
		break;
	case MSG_VERIFY_DONE:
		if (m->rc == CKPT_ECANCELLED)
			dash_say(d, false, "verify cancelled: %zu result%s kept", m->count,
				 m->count == 1 ? "" : "s");
		else if (m->rc)
			dash_say(d, true, "verify: %s", m->error);
		else
			dash_say(d, m->problems > 0, "verified %zu epoch%s: %s", m->count,
				 m->count == 1 ? "" : "s",
				 m->problems ? "PROBLEMS FOUND (see CHECKSUM)" : "all ok");
		if (m->problems && !m->rc) {
			char text[64];
			snprintf(text, sizeof text, ", %zu with problems", m->problems);
			strncat(d->status, text, sizeof d->status - strlen(d->status) - 1);
		}
		break;
	case MSG_PLAN: on_plan(d, m); break;
	case MSG_CLEAN: {
		char size[FMT_SHORT];
		if (m->rc)
			dash_say(d, true, "clean: %s", m->error);
		else
			dash_say(d, false, "cleaned %s: %zu epoch%s deleted, %s freed",
				 r ? dash_run_raw_name(r) : "the run", m->count,
				 m->count == 1 ? "" : "s", fmt_size(size, m->bytes));
		break;
	}
	case MSG_ROLLBACK: on_rollback(d, m); break;
	case MSG_RELINK:
		if (m->rc)
			dash_say(d, true, "relink: %s", m->error);
		else if (m->count == 0)
			dash_say(d, false,
				 "relink: nothing to rewrite, best and last are relative");
		else
			dash_say(d, false, "relinked %zu link%s as relative links", m->count,
				 m->count == 1 ? "" : "s");
		break;
	default: break;
	}
}
