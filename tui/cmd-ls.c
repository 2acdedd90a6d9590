/* cmd-ls.c: `ckpt ls`: finds the runs under each PATH with ckpt_scan and
 * prints one row per run, or {"runs": [RUN...], "problems": [...]} where
 * each RUN is exactly ckpt_run_to_json's object. */
#include "cli.h"
#include "format.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

static const char usage[] =
    "Usage: ckpt ls [--json] [--depth N] [PATH...]\n"
    "\n"
    "List the checkpoint runs found under each PATH (default: the current folder):\n"
    "a checkpoint root, a run folder holding ckpts/ or save/ckpts/, or any folder\n"
    "above many runs. Symbolic links to folders are not followed.\n"
    "\n"
    "Options:\n"
    "  --json       print {\"runs\": [RUN...], \"problems\": [...]} (see README)\n"
    "  --depth N    look at most N folders down (default 6)\n"
    "  -h, --help   show this help\n"
    "\n"
    "Columns: NAME (relative to PATH), EPOCHS on disk, BEST and LAST epochs (with\n"
    "the link state when it is not ok), SIZE on disk, STATUS (training live,\n"
    "leftover work/, stray files, incomplete epochs, or ok), METRIC (name and the\n"
    "best epoch's value). On a terminal, rows are cut to its width.\n"
    "\n"
    "Exit status: 0 listed, 2 a PATH is missing or no run could be read.\n";

enum { OPT_JSON = 1, OPT_DEPTH };

static const cli_option options[] = {
    {"json", false, OPT_JSON},
    {"depth", true, OPT_DEPTH},
    {NULL, false, 0},
};

typedef struct ls_state {
	bool json;
	int depth;
	fmt_table *table;
	cJSON *runs;
	cJSON *problems;
	size_t n_runs;
	size_t n_problems;
	bool path_failed;
	bool oom;
} ls_state;

static void add_row(ls_state *st, const ckpt_run *run)
{
	char epochs[32], best[64], last[64], size[FMT_SHORT], metric[192];
	snprintf(epochs, sizeof epochs, "%zu", ckpt_run_epoch_count(run));
	cli_link_text(best, sizeof best, ckpt_run_best(run), ckpt_run_best_state(run));
	cli_link_text(last, sizeof last, ckpt_run_last(run), ckpt_run_last_state(run));
	fmt_size(size, ckpt_run_total_bytes(run));
	const char *name = ckpt_run_metric(run);
	double value;
	char value_text[FMT_SHORT];
	if (name && cli_run_best_metric(run, &value))
		snprintf(metric, sizeof metric, "%s %s", name, fmt_metric(value_text, value));
	else
		snprintf(metric, sizeof metric, "%s", name ? name : "-");
	char *status = cli_run_status(run);
	const char *cells[] = {ckpt_run_name(run), epochs, best, last, size, status, metric};
	if (!status || fmt_table_add_row(st->table, cells) != 0)
		st->oom = true;
	free(status);
}

static void add_json(ls_state *st, const ckpt_run *run)
{
	cJSON *object = cli_json_run("ls", run);
	if (!object) {
		st->n_problems++;
		return;
	}
	cJSON_AddItemToArray(st->runs, object);
}

static void list_path(ls_state *st, const char *path)
{
	cli_progress progress;
	cli_progress_init(&progress, "scan", false);
	ckpt_run_list *list = NULL;
	int rc = ckpt_scan(&list, path, st->depth, &progress.base);
	cli_progress_clear(&progress);
	if (rc != 0) {
		cli_lib_error("ls");
		st->path_failed = true;
		if (st->problems)
			cJSON_AddItemToArray(st->problems, cJSON_CreateString(ckpt_error_last()));
		return;
	}
	for (size_t i = 0; i < ckpt_run_list_count(list); i++) {
		const ckpt_run *run = ckpt_run_list_get(list, i);
		st->n_runs++;
		if (st->json)
			add_json(st, run);
		else
			add_row(st, run);
	}
	for (size_t i = 0; i < ckpt_run_list_problems(list); i++) {
		const char *problem = ckpt_run_list_problem(list, i);
		cli_error("ls", "%s", problem);
		st->n_problems++;
		if (st->problems)
			cJSON_AddItemToArray(st->problems, cJSON_CreateString(problem));
	}
	ckpt_run_list_free(list);
}

static int print_result(ls_state *st)
{
	if (st->json) {
		cJSON *root = cJSON_CreateObject();
		if (!root) {
			cli_error("ls", "out of memory");
			return CLI_USAGE;
		}
		cJSON_AddItemToObject(root, "runs", st->runs);
		cJSON_AddItemToObject(root, "problems", st->problems);
		st->runs = st->problems = NULL;
		return cli_json_print("ls", root);
	}
	if (fmt_table_rows(st->table) == 0)
		return CLI_OK;
	char *text = st->oom ? NULL : fmt_table_render_fit(st->table, cli_terminal_width());
	if (!text) {
		cli_error("ls", "out of memory");
		return CLI_USAGE;
	}
	fputs(text, stdout);
	free(text);
	return CLI_OK;
}

static int parse(ls_state *st, int argc, char **argv, cli_paths *paths)
{
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	int id;
	while ((id = cli_next(&p, &value)) != CLI_ARG_END) {
		long depth;
		switch (id) {
		case OPT_JSON: st->json = true; break;
		case OPT_DEPTH:
			if (!cli_parse_long("ls", "--depth", value, 1, 1000, &depth))
				return CLI_USAGE;
			st->depth = (int)depth;
			break;
		case CLI_ARG_POSITIONAL: paths->items[paths->n++] = value; break;
		case CLI_ARG_HELP: return cli_help(usage);
		case CLI_ARG_UNKNOWN: return cli_usage_error("ls", "unknown option '%s'", value);
		default: return CLI_USAGE;
		}
	}
	return CLI_OK;
}

int cmd_ls(int argc, char **argv)
{
	ls_state st = {0};
	cli_paths paths;
	if (!cli_paths_init(&paths, "ls", argc))
		return CLI_USAGE;
	int rc = parse(&st, argc, argv, &paths);
	if (rc != CLI_OK) {
		cli_paths_free(&paths);
		return rc == CLI_STOP ? CLI_OK : rc;
	}
	cli_paths_or_here(&paths);
	/* STATUS before METRIC: on a narrow terminal the row is cut at the
	 * right, and a run's problems matter more than its metric's digits. */
	static const char *const headers[] = {"NAME", "EPOCHS", "BEST",  "LAST",
					      "SIZE", "STATUS", "METRIC"};
	static const fmt_align align[] = {FMT_LEFT,  FMT_RIGHT, FMT_LEFT, FMT_LEFT,
					  FMT_RIGHT, FMT_LEFT,  FMT_LEFT};
	st.table = fmt_table_new(7, headers, align);
	st.runs = cJSON_CreateArray();
	st.problems = cJSON_CreateArray();
	if (!st.table || !st.runs || !st.problems) {
		rc = CLI_USAGE;
		cli_error("ls", "out of memory");
	}
	for (int i = 0; rc == CLI_OK && i < paths.n && !cli_cancelled(); i++)
		list_path(&st, paths.items[i]);
	if (rc == CLI_OK)
		rc = print_result(&st);
	if (rc == CLI_OK && cli_cancelled())
		rc = CLI_INTERRUPTED;
	else if (rc == CLI_OK && (st.path_failed || (st.n_runs == 0 && st.n_problems > 0)))
		rc = CLI_USAGE;
	else if (rc == CLI_OK && st.n_runs == 0)
		cli_error("ls", "no checkpoint runs found");
	fmt_table_free(st.table);
	cJSON_Delete(st.runs);
	cJSON_Delete(st.problems);
	cli_paths_free(&paths);
	return rc;
}
