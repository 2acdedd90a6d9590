/* clean-text.c: a clean plan as people and scripts see it: the table of
 * every epoch with its health and the library's reason, where the keep
 * limit came from, the plan's note and how much of it rests on no verify;
 * and the library's plan JSON with what became of it. */
#include "clean.h"
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_EPOCH, C_ACTION, C_REASON, C_HEALTH, C_SIZE, N_COLS };

static const fmt_column columns[N_COLS] = {
    [C_EPOCH] = {"EPOCH", FMT_RIGHT, FMT_COL_ATOM, 0, 0, 0},
    [C_ACTION] = {"ACTION", FMT_LEFT, FMT_COL_ATOM, 0, 90, 0},
    [C_REASON] = {"REASON", FMT_LEFT, FMT_COL_ATOM, 0, 70, 0},
    [C_HEALTH] = {"HEALTH", FMT_LEFT, FMT_COL_ATOM, 0, 80, 0},
    [C_SIZE] = {"SIZE", FMT_RIGHT, FMT_COL_ATOM, 0, 20, 0},
};

const char *clean_health_text(const ckpt_clean_plan *plan, size_t i)
{
	ckpt_epoch_state health = ckpt_clean_plan_health(plan, i);
	if (health != CKPT_EPOCH_OK)
		return ckpt_epoch_state_name(health);
	const ckpt_epoch *e =
	    ckpt_run_find_epoch(ckpt_clean_plan_run(plan), ckpt_clean_plan_epoch(plan, i));
	return e && ckpt_epoch_check(NULL, NULL, e) == CKPT_CHECK_CURRENT ? "ok, verified"
									  : "ok, unverified";
}

const char *clean_policy_text(char *out, size_t size, const ckpt_clean_plan *plan,
			      const char *mode_from, const char *given_by, const char *guess_hint)
{
	char guess[160];
	snprintf(guess, sizeof guess, "a guess: the original records none; %s", guess_hint);
	const char *limit_from = ckpt_clean_plan_limit_is_runs_own(plan) ? "the run's own"
				 : ckpt_clean_plan_limit_is_guess(plan)  ? guess
									 : given_by;
	bool mode_own = ckpt_run_keep_policy(NULL, NULL, ckpt_clean_plan_run(plan));
	if (!mode_from)
		mode_from = mode_own ? "the run's own" : "the default";
	snprintf(out, size, "keep limit %lld (%s), mode %s (%s)",
		 (long long)ckpt_clean_plan_keep_limit(plan), limit_from,
		 ckpt_keep_mode_name(ckpt_clean_plan_mode(plan)), mode_from);
	return out;
}

const char *clean_summary_text(char *out, size_t size, const ckpt_clean_plan *plan)
{
	char freed[FMT_SHORT];
	const char *work = "";
	if (ckpt_clean_plan_removes_work(plan))
		work = "; the leftover work/ is removed too";
	else if (ckpt_run_work_leftover(ckpt_clean_plan_run(plan)))
		work = "; the leftover work/ stays (a writer may be using it)";
	snprintf(out, size, "%zu of %zu epochs to delete, %s to free%s",
		 ckpt_clean_plan_delete_count(plan), ckpt_clean_plan_count(plan),
		 fmt_size(freed, ckpt_clean_plan_bytes_freed(plan)), work);
	return out;
}

fmt_table *clean_plan_table(const ckpt_clean_plan *plan, bool ascii)
{
	fmt_table *table = fmt_table_new(N_COLS, columns);
	fmt_table_set_ascii(table, ascii);
	int rc = table ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < ckpt_clean_plan_count(plan); i++) {
		char epoch[32], size[FMT_SHORT];
		snprintf(epoch, sizeof epoch, "%lld", (long long)ckpt_clean_plan_epoch(plan, i));
		const char *cells[N_COLS] = {
		    [C_EPOCH] = epoch,
		    [C_ACTION] = ckpt_clean_plan_keeps(plan, i) ? "keep" : "delete",
		    [C_REASON] = ckpt_clean_reason_name(ckpt_clean_plan_reason(plan, i)),
		    [C_HEALTH] = clean_health_text(plan, i),
		    [C_SIZE] = fmt_size(size, ckpt_clean_plan_bytes(plan, i)),
		};
		rc = fmt_table_add_row(table, cells);
	}
	if (rc != 0) {
		fmt_table_free(table);
		return NULL;
	}
	return table;
}

int clean_print_plan(const clean_job *job, const char *mode_from)
{
	const ckpt_clean_plan *plan = job->plan;
	const ckpt_run *run = ckpt_clean_plan_run(plan);
	fmt_table *table = clean_plan_table(plan, cli_ascii());
	int rc = table ? 0 : -1;
	char *text = rc == 0 ? fmt_table_render(table, cli_terminal_width()) : NULL;
	fmt_table_free(table);
	if (!text) {
		cli_error("clean", "out of memory");
		return CLI_USAGE;
	}
	char line[512];
	printf("%s: %s\n", cli_text(ckpt_run_name(run)),
	       clean_policy_text(line, sizeof line, plan, mode_from, "--keep", "set --keep"));
	if (ckpt_health_is_problem(ckpt_run_health(run)) || ckpt_run_live(run))
		printf("status: %s\n", cli_text(ckpt_run_health_text(run)));
	fputs(text, stdout);
	free(text);
	const char *note = ckpt_clean_plan_note(plan);
	if (note)
		printf("note: %s\n", cli_text(note));
	printf("%s\n", clean_summary_text(line, sizeof line, plan));
	size_t unverified = ckpt_clean_plan_unverified_count(plan);
	if (unverified)
		printf("%zu of %zu epochs not verified: use --verify to check their checksums "
		       "first\n",
		       unverified, ckpt_clean_plan_count(plan));
	return CLI_OK;
}

void clean_json_job(cli_json *j, clean_job *job)
{
	char *text = NULL;
	if (job->plan && ckpt_clean_plan_to_json(&text, job->plan, CKPT_JSON_PRETTY) != 0) {
		cli_lib_error("clean");
		text = NULL;
	}
	if (text) {
		cli_json_extend(j, text);
	} else {
		/* No plan to show: the run and why. */
		cli_json_object(j);
		cli_json_key(j, "run");
		cli_json_string(j, job->run ? ckpt_run_name(job->run) : NULL);
	}
	cli_json_key(j, "applied");
	cli_json_bool(j, job->applied);
	if (job->rc)
		cli_json_error(j, job->rc, job->declined ? "declined" : NULL, job->error);
	cli_json_end(j);
}

clean_totals clean_count(const clean_job *jobs, size_t n)
{
	clean_totals t = {0};
	for (size_t i = 0; i < n; i++) {
		const ckpt_clean_plan *plan = jobs[i].plan;
		size_t epochs = plan ? ckpt_clean_plan_delete_count(plan) : 0;
		bool work = plan && ckpt_clean_plan_removes_work(plan);
		t.epochs += epochs;
		t.bytes += plan ? ckpt_clean_plan_bytes_freed(plan) : 0;
		t.runs += epochs > 0;
		t.works += work;
	}
	return t;
}

const char *clean_totals_text(char *out, size_t size, const clean_totals *t, bool many)
{
	char bytes[FMT_SHORT], runs[48] = "", epochs[112] = "", work[64] = "";
	if (many)
		snprintf(runs, sizeof runs, " in %zu run%s", t->runs, t->runs == 1 ? "" : "s");
	if (t->epochs)
		snprintf(epochs, sizeof epochs, "%zu epoch%s%s (%s)", t->epochs,
			 t->epochs == 1 ? "" : "s", runs, fmt_size(bytes, t->bytes));
	if (t->works && many)
		snprintf(work, sizeof work, "the leftover work/ of %zu run%s", t->works,
			 t->works == 1 ? "" : "s");
	else if (t->works)
		snprintf(work, sizeof work, "the leftover work/");
	snprintf(out, size, "%s%s%s", epochs, epochs[0] && work[0] ? " and " : "",
		 epochs[0] || work[0] ? work : "nothing");
	return out;
}
