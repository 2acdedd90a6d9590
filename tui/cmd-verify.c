/* cmd-verify.c: `ckpt verify`: recomputes every epoch's checksum (or one
 * epoch's) of the runs under each PATH, with a progress line on a terminal
 * and Ctrl-C cancelling through the library's cancel flag. */
#include "cli.h"
#include "format.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: ckpt verify [--json] [--epoch N] [PATH...]\n"
    "\n"
    "Recompute the checksum of each epoch's model in every run found under each\n"
    "PATH (default: the current folder) and compare it with the one stored in\n"
    "ckpt-info.json. Results per epoch: ok, mismatch, missing-model, no-checksum\n"
    "(checksums were disabled), no-info (no or unreadable ckpt-info.json),\n"
    "unreadable (I/O or permission error), gone (removed by a live writer's\n"
    "retention while verify ran). A progress line is shown on stderr when\n"
    "it is a terminal; Ctrl-C stops cleanly.\n"
    "\n"
    "Options:\n"
    "  --json       {\"runs\": [{\"name\", \"path\", \"verify\": [{\"epoch\", \"result\"}]}],\n"
    "               \"problems\": [...]}\n"
    "  --epoch N    verify only epoch N of each run\n"
    "  --depth N    look at most N folders down for runs (default 6)\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 every result is ok, no-checksum or gone, 1 anything else (or a run\n"
    "could not be read), 2 usage error, missing PATH or no readable run,\n"
    "130 interrupted.\n";

enum { OPT_JSON = 1, OPT_EPOCH, OPT_DEPTH };

static const cli_option options[] = {
    {"json", false, OPT_JSON},
    {"epoch", true, OPT_EPOCH},
    {"depth", true, OPT_DEPTH},
    {NULL, false, 0},
};

typedef struct verify_state {
	bool json;
	long epoch; /* 0: all */
	int depth;
	cJSON *runs;
	cJSON *problems;
	size_t n_runs;
	bool bad_result;
	bool run_failed;
	bool input_failed;
	bool cancelled;
} verify_state;

static bool result_is_fine(ckpt_verify_result r)
{
	/* "gone": live retention removed the epoch while we read it, not damage. */
	return r == CKPT_VERIFY_OK || r == CKPT_VERIFY_NO_CHECKSUM || r == CKPT_VERIFY_GONE;
}

static void print_run(const ckpt_run *run, const long *epochs, const ckpt_verify_result *results,
		      size_t n)
{
	size_t counts[CKPT_VERIFY_GONE + 1] = {0};
	for (size_t i = 0; i < n; i++)
		if ((int)results[i] >= 0 && results[i] <= CKPT_VERIFY_GONE)
			counts[results[i]]++;
	printf("%s: %zu epoch%s:", ckpt_run_name(run), n, n == 1 ? "" : "s");
	const char *sep = " ";
	for (int r = 0; r <= CKPT_VERIFY_GONE; r++) {
		if (counts[r]) {
			printf("%s%zu %s", sep, counts[r],
			       ckpt_verify_result_name((ckpt_verify_result)r));
			sep = ", ";
		}
	}
	printf("\n");
	for (size_t i = 0; i < n; i++)
		if (!result_is_fine(results[i]))
			printf("  epoch %ld: %s\n", epochs[i], ckpt_verify_result_name(results[i]));
}

static void add_json(verify_state *st, const ckpt_run *run, const long *epochs,
		     const ckpt_verify_result *results, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *list = cJSON_CreateArray();
	for (size_t i = 0; o && list && i < n; i++) {
		cJSON *item = cJSON_CreateObject();
		cJSON_AddNumberToObject(item, "epoch", (double)epochs[i]);
		cJSON_AddStringToObject(item, "result", ckpt_verify_result_name(results[i]));
		cJSON_AddItemToArray(list, item);
	}
	cJSON_AddItemToObject(o, "name", cli_json_string(ckpt_run_name(run)));
	/* The same "path" as ls --json gives: the checkpoint root. */
	cJSON_AddItemToObject(o, "path", cli_json_string(ckpt_run_root(run)));
	cJSON_AddItemToObject(o, "verify", list);
	cJSON_AddItemToArray(st->runs, o);
}

/* Verifies one run (or its epoch st->epoch); reports and records results. */
static void verify_run(verify_state *st, const ckpt_run *run)
{
	size_t n = st->epoch ? 1 : ckpt_run_epoch_count(run);
	long *epochs = calloc(n ? n : 1, sizeof *epochs);
	ckpt_verify_result *results = calloc(n ? n : 1, sizeof *results);
	if (!epochs || !results) {
		cli_error("verify", "out of memory");
		st->run_failed = true;
		goto out;
	}
	cli_progress progress;
	cli_progress_init(&progress, ckpt_run_name(run), true);
	int rc;
	if (st->epoch) {
		epochs[0] = st->epoch;
		if (!ckpt_run_find_epoch(run, st->epoch)) {
			cli_error("verify", "%s: no epoch %ld on disk", ckpt_run_name(run),
				  st->epoch);
			st->input_failed = true;
			goto out;
		}
		rc = ckpt_verify_epoch(&results[0], run, st->epoch, &progress.base);
	} else {
		for (size_t i = 0; i < n; i++)
			epochs[i] = ckpt_run_epoch(run, i)->epoch;
		rc = ckpt_verify_run(results, run, &progress.base);
	}
	cli_progress_clear(&progress);
	if (rc == CKPT_ECANCELLED || cli_cancelled()) {
		st->cancelled = true;
	} else if (rc != 0) {
		cli_lib_error("verify");
		st->run_failed = true;
	} else {
		st->n_runs++;
		for (size_t i = 0; i < n; i++)
			st->bad_result = st->bad_result || !result_is_fine(results[i]);
		if (st->json)
			add_json(st, run, epochs, results, n);
		else
			print_run(run, epochs, results, n);
		fflush(stdout);
	}
out:
	free(epochs);
	free(results);
}

static void verify_path(verify_state *st, const char *path)
{
	cli_progress progress;
	cli_progress_init(&progress, "scan", false);
	ckpt_run_list *list = NULL;
	int rc = ckpt_scan(&list, path, st->depth, &progress.base);
	cli_progress_clear(&progress);
	if (rc == CKPT_ECANCELLED) {
		st->cancelled = true;
		return;
	}
	if (rc != 0) {
		cli_lib_error("verify");
		cJSON_AddItemToArray(st->problems, cJSON_CreateString(ckpt_error_last()));
		st->input_failed = true;
		return;
	}
	for (size_t i = 0; i < ckpt_run_list_problems(list); i++) {
		cli_error("verify", "%s", ckpt_run_list_problem(list, i));
		cJSON_AddItemToArray(st->problems,
				     cJSON_CreateString(ckpt_run_list_problem(list, i)));
		st->run_failed = true;
	}
	for (size_t i = 0; i < ckpt_run_list_count(list) && !st->cancelled; i++)
		verify_run(st, ckpt_run_list_get(list, i));
	ckpt_run_list_free(list);
}

static int exit_status(const verify_state *st)
{
	if (st->cancelled) {
		cli_error("verify", "cancelled");
		return CLI_INTERRUPTED;
	}
	if (st->n_runs == 0 && !st->input_failed && !st->run_failed)
		cli_error("verify", "no checkpoint runs found");
	if (st->input_failed || st->n_runs == 0)
		return CLI_USAGE;
	return st->bad_result || st->run_failed ? CLI_PROBLEMS : CLI_OK;
}

static int parse(verify_state *st, int argc, char **argv, cli_paths *paths)
{
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	int id;
	long number;
	while ((id = cli_next(&p, &value)) != CLI_ARG_END) {
		switch (id) {
		case OPT_JSON: st->json = true; break;
		case OPT_EPOCH:
			if (!cli_parse_long("verify", "--epoch", value, 1, 999999999, &st->epoch))
				return CLI_USAGE;
			break;
		case OPT_DEPTH:
			if (!cli_parse_long("verify", "--depth", value, 1, 1000, &number))
				return CLI_USAGE;
			st->depth = (int)number;
			break;
		case CLI_ARG_POSITIONAL: paths->items[paths->n++] = value; break;
		case CLI_ARG_HELP: return cli_help(usage);
		case CLI_ARG_UNKNOWN:
			return cli_usage_error("verify", "unknown option '%s'", value);
		default: return CLI_USAGE;
		}
	}
	return CLI_OK;
}

int cmd_verify(int argc, char **argv)
{
	verify_state st = {0};
	cli_paths paths;
	if (!cli_paths_init(&paths, "verify", argc))
		return CLI_USAGE;
	int rc = parse(&st, argc, argv, &paths);
	if (rc != CLI_OK) {
		cli_paths_free(&paths);
		return rc == CLI_STOP ? CLI_OK : rc;
	}
	cli_paths_or_here(&paths);
	st.runs = cJSON_CreateArray();
	st.problems = cJSON_CreateArray();
	cli_cancel_flag();
	for (int i = 0; i < paths.n && !st.cancelled; i++)
		verify_path(&st, paths.items[i]);
	if (st.json && !st.cancelled) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddItemToObject(root, "runs", st.runs);
		cJSON_AddItemToObject(root, "problems", st.problems);
		st.runs = st.problems = NULL;
		rc = cli_json_print("verify", root);
	}
	if (rc == CLI_OK)
		rc = exit_status(&st);
	cJSON_Delete(st.runs);
	cJSON_Delete(st.problems);
	cli_paths_free(&paths);
	return rc;
}
