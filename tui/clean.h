/* clean.h: what cmd-clean.c (the flow: find runs, verify, plan, ask, apply)
 * and clean-text.c (the plans as tables and JSON) share. */
#ifndef CKPT_TUI_CLEAN_H
#define CKPT_TUI_CLEAN_H

#include "cli.h"

/* One run's part of a clean. */
typedef struct clean_job {
	ckpt_run *run; /* the snapshot planned over (a reference) */
	ckpt_clean_plan *plan;
	bool applied;
	int rc;        /* the library's code when planning or applying failed, else 0 */
	char *error;   /* its message, or NULL */
	bool declined; /* not confirmed: --yes missing or "n" at the prompt */
} clean_job;

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
