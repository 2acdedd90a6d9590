/* cmd-clean.c: `ckpt clean`: the library's retention plan for one run or
 * every run under many PATHs (verified first with --verify), one question
 * for all of them, then ckpt_clean_apply for each. What to keep and why is
 * decided by ckpt_clean_plan_new, not here. */
#include "clean.h"
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: ckpt clean [--keep N] [--mode linear|exponential|all] [--verify]\n"
    "                  [--dry-run] [--yes] [--json] [--depth N] PATH...\n"
    "\n"
    "Plan which epochs to delete in each run found under each PATH (a run, or a\n"
    "folder above many), print every plan, then ask once for all of them and\n"
    "delete. The epochs best and last point at are always kept, and so is an\n"
    "intact stand-in for either when it is damaged. Without --yes, ckpt asks when\n"
    "stdin is a terminal, and changes nothing otherwise.\n"
    "\n"
    "Options:\n"
    "  --keep N      keep N epochs; default: the limit the run's writer recorded,\n"
    "                else 5 (a guess: the original records none). Walking from the\n"
    "                newest, the targets of last and best count among the N and\n"
    "                are kept even beyond it\n"
    "  --mode MODE   linear: the N newest; exponential: besides last and best, N\n"
    "                spread by age (one in each of 0, 1-2, 3-6, 7-14... epochs older\n"
    "                than last); all: keep everything. Default: linear with\n"
    "                --keep, else the run's own, else linear\n"
    "  --verify      verify every epoch's checksum first, so that the plan knows\n"
    "                which epochs are damaged (else only that their files are there)\n"
    "  --dry-run     print the plans and stop\n"
    "  --yes         delete without asking\n"
    "  --json        one RUN: the plan {\"run\", \"path\", \"keep_limit\", \"mode\",\n"
    "                \"limit_source\", \"plan\": [{\"epoch\", \"action\", \"reason\",\n"
    "                \"bytes\", \"health\"}], \"delete_count\", \"bytes_freed\",\n"
    "                \"removes_work\", \"unverified\", \"note\", \"applied\"}; many runs:\n"
    "                {\"runs\": [PLAN...], \"problems\": [...]}\n"
    "  --depth N     look at most N folders down for runs (default 6)\n"
    "  -h, --help    show this help\n"
    "\n"
    "Exit status: 0 done (or nothing to do, or --dry-run), 1 refused by the library\n"
    "(a live writer, links that moved since the plan) or declined at the prompt,\n"
    "2 usage error, unreadable run, or no terminal to ask and no --yes.\n";

enum { OPT_KEEP = 1, OPT_MODE, OPT_DRY_RUN, OPT_YES, OPT_JSON, OPT_VERIFY, OPT_DEPTH };

static const cli_option options[] = {
    {"keep", true, OPT_KEEP},   {"mode", true, OPT_MODE},  {"dry-run", false, OPT_DRY_RUN},
    {"yes", false, OPT_YES},    {"json", false, OPT_JSON}, {"verify", false, OPT_VERIFY},
    {"depth", true, OPT_DEPTH}, {NULL, false, 0},
};

typedef struct clean_opts {
	long keep; /* 0: the run's own */
	ckpt_keep_mode mode;
	bool mode_given, dry_run, yes, json, verify;
	int depth;
} clean_opts;

typedef struct clean_state {
	clean_opts o;
	clean_job *jobs;
	size_t n;
	bool single; /* one RUN given: the single-plan JSON */
	cli_runs found;
} clean_state;

static void job_fail(clean_job *job, int rc)
{
	cli_lib_error("clean");
	job->rc = rc;
	free(job->error);
	job->error = strdup(ckpt_error_last());
}

/* ---- finding, verifying, planning -------------------------------------- */

/* One RUN, or every run under the PATHs. CLI_OK, or a status to exit with. */
static int find_runs(clean_state *st, const cli_paths *paths)
{
	ckpt_run *run = NULL;
	int rc = paths->n == 1 ? ckpt_run_open(&run, paths->items[0]) : CKPT_ENOENT;
	st->single = rc == 0 || rc == CKPT_EAMBIGUOUS;
	if (rc == CKPT_EAMBIGUOUS) {
		/* Two roots in one folder: the user names one, never both at once. */
		st->jobs = calloc(1, sizeof *st->jobs);
		if (st->jobs) {
			st->n = 1;
			job_fail(&st->jobs[0], rc);
		}
		return CLI_USAGE;
	}
	if (!st->single)
		cli_runs_scan(&st->found, "clean", paths, st->o.depth);
	size_t n = st->single ? 1 : st->found.n;
	st->jobs = calloc(n ? n : 1, sizeof *st->jobs);
	if (!st->jobs || st->found.oom) {
		ckpt_run_unref(run);
		return CLI_USAGE;
	}
	if (st->single)
		st->jobs[0].run = run;
	for (size_t i = 0; !st->single && i < n; i++)
		st->jobs[i].run = ckpt_run_ref(st->found.runs[i]);
	st->n = n;
	if (st->found.cancelled)
		return CLI_INTERRUPTED;
	/* A mistyped PATH deletes nothing anywhere. */
	if (st->found.path_failed || (n == 0 && st->found.n_problems > 0))
		return CLI_USAGE;
	return CLI_OK;
}

/* Verifies every epoch, then takes the run as it is now: the plan sees the
 * new records through the snapshot. */
static int verify_job(clean_job *job)
{
	cli_progress progress;
	cli_progress_init(&progress, ckpt_run_name(job->run));
	int rc = ckpt_verify(job->run, NULL, 0, 0, &progress.base, NULL, NULL);
	cli_progress_clear(&progress);
	ckpt_run *fresh = NULL;
	if (rc == 0)
		rc = ckpt_run_refresh(&fresh, NULL, job->run);
	if (rc != 0) {
		job_fail(job, rc);
		return rc;
	}
	ckpt_run_unref(job->run);
	job->run = fresh;
	return 0;
}

static int plan_all(clean_state *st)
{
	for (size_t i = 0; i < st->n; i++) {
		clean_job *job = &st->jobs[i];
		if (st->o.verify && verify_job(job) != 0) {
			if (job->rc == CKPT_ECANCELLED)
				return CLI_INTERRUPTED;
			continue;
		}
		int rc = ckpt_clean_plan_new(&job->plan, job->run, st->o.keep, st->o.mode);
		if (rc != 0)
			job_fail(job, rc);
	}
	for (size_t i = 0; i < st->n; i++)
		if (st->jobs[i].rc)
			return cli_status_for(st->jobs[i].rc);
	return CLI_OK;
}

/* ---- asking and applying ------------------------------------------------ */

/* Whether the plans may be applied: --yes, or a "y" at the terminal. */
static int ask(clean_state *st, const clean_totals *t)
{
	if (st->o.yes)
		return CLI_OK;
	const char *why = "nothing deleted: stdin is not a terminal; use --yes to delete";
	int rc = CLI_USAGE;
	if (cli_stdin_is_tty()) {
		char question[256], what[160];
		clean_totals_text(what, sizeof what, t, !st->single);
		snprintf(question, sizeof question, "Delete %s? [y/N] ", what);
		if (cli_confirm(question))
			return CLI_OK;
		why = "nothing deleted";
		rc = CLI_PROBLEMS;
	}
	cli_error("clean", "%s", why);
	for (size_t i = 0; i < st->n; i++) {
		st->jobs[i].rc = CKPT_EREFUSED;
		st->jobs[i].declined = true;
		st->jobs[i].error = strdup(why);
	}
	return rc;
}

static int apply_all(clean_state *st)
{
	int status = CLI_OK;
	for (size_t i = 0; i < st->n; i++) {
		clean_job *job = &st->jobs[i];
		if (!job->plan || (ckpt_clean_plan_delete_count(job->plan) == 0 &&
				   !ckpt_clean_plan_removes_work(job->plan)))
			continue;
		cli_progress progress;
		cli_progress_init(&progress, ckpt_run_name(job->run));
		int rc = ckpt_clean_apply(job->plan, &progress.base);
		cli_progress_clear(&progress);
		if (rc == CKPT_ECANCELLED || cli_cancelled()) {
			cli_error("clean", "cancelled; some epochs may already be deleted");
			job->rc = CKPT_ECANCELLED;
			return CLI_INTERRUPTED;
		}
		if (rc != 0) {
			/* A live writer or links moved since: the others still go ahead. */
			job_fail(job, rc);
			status = CLI_PROBLEMS;
			continue;
		}
		job->applied = true;
		if (!st->o.json) {
			char freed[FMT_SHORT];
			printf("%s: deleted %zu epoch%s, freed %s\n",
			       cli_text(ckpt_run_name(job->run)),
			       ckpt_clean_plan_delete_count(job->plan),
			       ckpt_clean_plan_delete_count(job->plan) == 1 ? "" : "s",
			       fmt_size(freed, ckpt_clean_plan_bytes_freed(job->plan)));
		}
	}
	return status;
}

static int print_json(clean_state *st)
{
	cli_json j;
	cli_json_init(&j);
	if (st->single && st->n == 1) {
		clean_json_job(&j, &st->jobs[0]);
	} else {
		cli_json_object(&j);
		cli_json_key(&j, "runs");
		cli_json_array(&j);
		for (size_t i = 0; i < st->n; i++)
			clean_json_job(&j, &st->jobs[i]);
		cli_json_end(&j);
		cli_json_key(&j, "problems");
		cli_runs_problems_json(&st->found, &j);
		cli_json_end(&j);
	}
	int rc = cli_json_print(&j, "clean");
	cli_json_free(&j);
	return rc;
}

static int clean(clean_state *st)
{
	int rc = plan_all(st);
	for (size_t i = 0; rc == CLI_OK && !st->o.json && i < st->n; i++) {
		if (i)
			putchar('\n');
		rc = clean_print_plan(&st->jobs[i], st->o.mode_given ? "--mode"
						    : st->o.keep     ? "the default with --keep"
								     : NULL);
	}
	clean_totals t = clean_count(st->jobs, st->n);
	bool nothing = t.epochs == 0 && t.works == 0;
	if (rc == CLI_OK && !st->o.json && st->n > 1) {
		char what[160];
		printf("\ntotal: delete %s\n", clean_totals_text(what, sizeof what, &t, true));
	}
	if (rc == CLI_OK && !st->o.dry_run && !nothing) {
		rc = ask(st, &t);
		if (rc == CLI_OK)
			rc = apply_all(st);
	} else if (rc == CLI_OK && !st->o.json) {
		printf(nothing ? "nothing to delete\n" : "dry run: nothing deleted\n");
	}
	if (st->o.json) {
		int json_rc = print_json(st);
		rc = rc == CLI_OK ? json_rc : rc;
	}
	return rc;
}

/* ---- the command ------------------------------------------------------------ */

static int parse(clean_opts *o, int argc, char **argv, cli_paths *paths)
{
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	int id;
	long number;
	while ((id = cli_next(&p, &value)) != CLI_ARG_END) {
		switch (id) {
		case OPT_KEEP:
			if (!cli_parse_long("clean", "--keep", value, 1, 999999999, &o->keep))
				return CLI_USAGE;
			break;
		case OPT_MODE:
			if (ckpt_keep_mode_from_name(&o->mode, value) != 0)
				return cli_usage_error("clean", "%s", ckpt_error_last());
			o->mode_given = true;
			break;
		case OPT_DEPTH:
			if (!cli_parse_long("clean", "--depth", value, 1, 1000, &number))
				return CLI_USAGE;
			o->depth = (int)number;
			break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case OPT_YES: o->yes = true; break;
		case OPT_JSON: o->json = true; break;
		case OPT_VERIFY: o->verify = true; break;
		case CLI_ARG_POSITIONAL: paths->items[paths->n++] = value; break;
		case CLI_ARG_HELP: return cli_help(usage);
		case CLI_ARG_UNKNOWN: return cli_usage_error("clean", "unknown option '%s'", value);
		default: return CLI_USAGE;
		}
	}
	if (paths->n == 0)
		return cli_usage_error("clean", "which runs? give RUN or PATH...");
	/* A limit alone means the N newest, as it always did: the run's own
	 * mode may be "all", which would make --keep do nothing. */
	if (o->keep && !o->mode_given)
		o->mode = CKPT_KEEP_LINEAR;
	return CLI_OK;
}

int cmd_clean(int argc, char **argv)
{
	clean_state st = {.o = {.keep = 0, .mode = CKPT_KEEP_RUNS_OWN}};
	cli_paths paths;
	if (!cli_paths_init(&paths, "clean", argc))
		return CLI_USAGE;
	int rc = parse(&st.o, argc, argv, &paths);
	if (rc == CLI_OK) {
		cli_cancel_flag();
		rc = find_runs(&st, &paths);
		if (rc == CLI_OK)
			rc = clean(&st);
		else if (rc == CLI_USAGE && st.o.json)
			print_json(&st);
	}
	for (size_t i = 0; i < st.n; i++) {
		ckpt_clean_plan_free(st.jobs[i].plan);
		ckpt_run_unref(st.jobs[i].run);
		free(st.jobs[i].error);
	}
	free(st.jobs);
	cli_runs_free(&st.found);
	cli_paths_free(&paths);
	return rc == CLI_STOP ? CLI_OK : rc;
}
