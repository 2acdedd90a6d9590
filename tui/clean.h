/* clean.h: what cmd-clean.c (the flow: find runs, verify, plan, ask, apply)
 * and clean-text.c (the plans as tables and JSON) share. */
#ifndef CKPT_TUI_CLEAN_H
#define CKPT_TUI_CLEAN_H

#include "cli.h"
#include "format.h"

/* One run's part of a clean. */
typedef struct clean_job {
	ckpt_run *run; /* the snapshot planned over (a reference) */
	ckpt_clean_plan *plan;
	bool applied;
	int rc;        /* the library's code when planning or applying failed, else 0 */
	char *error;   /* its message, or NULL */
	bool declined; /* not confirmed: --yes missing or "n" at the prompt */
} clean_job;

/* An epoch's health in a plan: "ok, verified", "ok, unverified" (no
 * current verify record stands behind it), "damaged"... */
const char *clean_health_text(const ckpt_clean_plan *plan, size_t i);
/* "keep limit 3 (the run's own), mode linear (the run's own)": mode_from
 * names what chose the mode (NULL: the run, else the default), given_by
 * what chose a limit the run did not record ("--keep"), guess_hint how to
 * choose one when the default is a guess ("set --keep"). */
const char *clean_policy_text(char *out, size_t size, const ckpt_clean_plan *plan,
			      const char *mode_from, const char *given_by, const char *guess_hint);
/* "3 of 8 epochs to delete, 768 KiB to free" and what becomes of a
 * crashed save's leftovers. */
const char *clean_summary_text(char *out, size_t size, const ckpt_clean_plan *plan);
/* The plan's table: EPOCH, ACTION (keep or delete), REASON, HEALTH, SIZE,
 * one row an epoch. NULL on out-of-memory; free with fmt_table_free. */
fmt_table *clean_plan_table(const ckpt_clean_plan *plan, bool ascii);
/* The plan as a table with each epoch's health and the reason, the keep
 * limit and mode and where they came from (mode_from: the option that chose
 * the mode, NULL when the run did), the note, the unverified epochs. */
int clean_print_plan(const clean_job *job, const char *mode_from);
/* The plan's object with "applied" (and "error" when it failed). */
void clean_json_job(cli_json *j, clean_job *job);
/* Sums over jobs: epochs to delete, bytes, runs that have any, leftovers. */
typedef struct clean_totals {
	size_t epochs, runs, works;
	uint64_t bytes;
} clean_totals;
clean_totals clean_count(const clean_job *jobs, size_t n);
/* "3 epochs in 2 runs (768 KiB) and the leftover work/ of 1 run". */
const char *clean_totals_text(char *out, size_t size, const clean_totals *t, bool many);

#endif
