/* cmd-clean.c: `ckpt clean`: shows the library's retention plan for a run
 * and applies it only with --yes or after a confirmation on a terminal. The
 * plan (what to keep and why) is decided by ckpt_clean_plan_new, not here. */
#include "cli.h"
#include "format.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: ckpt clean RUN [--keep N] [--mode linear|exponential|all] [--dry-run]\n"
    "                      [--yes] [--json]\n"
    "\n"
    "Plan which epochs of RUN to delete (the epochs best and last point at are\n"
    "always kept), print the plan, and delete. Without --yes, ckpt asks first when\n"
    "stdin is a terminal, and changes nothing otherwise.\n"
    "\n"
    "Options:\n"
    "  --keep N      keep N epochs (default 5): walking from the newest, the\n"
    "                targets of last and best count among the N and are kept\n"
    "                even beyond it\n"
    "  --mode MODE   linear (default): the N newest; exponential: besides last and\n"
    "                best, N spread by age (one in each of 0, 1-2, 3-6, 7-14...\n"
    "                epochs older than last); all: keep everything\n"
    "  --dry-run     print the plan and stop\n"
    "  --yes         delete without asking\n"
    "  --json        {\"run\", \"plan\": [{\"epoch\", \"action\", \"reason\", \"bytes\"}],\n"
    "                \"bytes_freed\", \"removes_work\", \"applied\"}\n"
    "  -h, --help    show this help\n"
    "\n"
    "Exit status: 0 done (or nothing to do, or --dry-run), 1 refused by the library\n"
    "or declined at the prompt, 2 usage error, unreadable run, or no terminal to\n"
    "ask and no --yes.\n";

enum { OPT_KEEP = 1, OPT_MODE, OPT_DRY_RUN, OPT_YES, OPT_JSON };

static const cli_option options[] = {
    {"keep", true, OPT_KEEP}, {"mode", true, OPT_MODE},  {"dry-run", false, OPT_DRY_RUN},
    {"yes", false, OPT_YES},  {"json", false, OPT_JSON}, {NULL, false, 0},
};

typedef struct clean_opts {
	const char *path;
	long keep;
	ckpt_keep_mode mode;
	bool dry_run;
	bool yes;
	bool json;
} clean_opts;

static size_t deleted_count(const ckpt_clean_plan *plan)
{
	size_t n = 0;
	for (size_t i = 0; i < ckpt_clean_plan_count(plan); i++)
		n += !ckpt_clean_plan_item(plan, i)->keep;
	return n;
}

static int print_plan(const ckpt_run *run, const ckpt_clean_plan *plan)
{
	static const char *const headers[] = {"EPOCH", "ACTION", "REASON", "SIZE"};
	static const fmt_align align[] = {FMT_RIGHT, FMT_LEFT, FMT_LEFT, FMT_RIGHT};
	fmt_table *table = fmt_table_new(4, headers, align);
	int rc = table ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < ckpt_clean_plan_count(plan); i++) {
		const ckpt_clean_item *item = ckpt_clean_plan_item(plan, i);
		char epoch[32], size[FMT_SHORT];
		snprintf(epoch, sizeof epoch, "%ld", item->epoch);
		const char *cells[] = {epoch, item->keep ? "keep" : "delete",
				       ckpt_clean_reason_name(item->reason),
				       fmt_size(size, item->bytes)};
		rc = fmt_table_add_row(table, cells);
	}
	char *text = rc == 0 ? fmt_table_render_fit(table, cli_terminal_width()) : NULL;
	fmt_table_free(table);
	if (!text) {
		cli_error("clean", "out of memory");
		return CLI_USAGE;
	}
	char freed[FMT_SHORT];
	const char *work = "";
	if (ckpt_clean_plan_removes_work(plan))
		work = "; the leftover work/ is removed too";
	else if (ckpt_run_work_leftover(run))
		work = "; the leftover work/ stays (a writer may be using it)";
	printf("%s: plan\n%s", ckpt_run_name(run), text);
	printf("%zu of %zu epochs to delete, %s to free%s\n", deleted_count(plan),
	       ckpt_clean_plan_count(plan), fmt_size(freed, ckpt_clean_plan_bytes_freed(plan)),
	       work);
	free(text);
	return CLI_OK;
}

static int print_json(const ckpt_run *run, const ckpt_clean_plan *plan, bool applied)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *items = cJSON_CreateArray();
	for (size_t i = 0; root && items && i < ckpt_clean_plan_count(plan); i++) {
		const ckpt_clean_item *item = ckpt_clean_plan_item(plan, i);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "epoch", (double)item->epoch);
		cJSON_AddStringToObject(o, "action", item->keep ? "keep" : "delete");
		cJSON_AddStringToObject(o, "reason", ckpt_clean_reason_name(item->reason));
		cJSON_AddNumberToObject(o, "bytes", (double)item->bytes);
		cJSON_AddItemToArray(items, o);
	}
	cJSON_AddItemToObject(root, "run", cli_json_string(ckpt_run_name(run)));
	cJSON_AddItemToObject(root, "plan", items);
	cJSON_AddNumberToObject(root, "bytes_freed", (double)ckpt_clean_plan_bytes_freed(plan));
	cJSON_AddBoolToObject(root, "removes_work", ckpt_clean_plan_removes_work(plan));
	cJSON_AddBoolToObject(root, "applied", applied);
	return cli_json_print("clean", root);
}

/* Whether the plan may be applied: --yes, or a "y" at the terminal. */
static int ask(const clean_opts *o, const ckpt_clean_plan *plan)
{
	if (o->yes)
		return CLI_OK;
	if (!cli_stdin_is_tty()) {
		cli_error("clean", "nothing deleted: stdin is not a terminal; use --yes to delete");
		return CLI_USAGE;
	}
	char question[160], freed[FMT_SHORT];
	size_t n = deleted_count(plan);
	if (n)
		snprintf(question, sizeof question, "Delete %zu epoch%s (%s)%s? [y/N] ", n,
			 n == 1 ? "" : "s", fmt_size(freed, ckpt_clean_plan_bytes_freed(plan)),
			 ckpt_clean_plan_removes_work(plan) ? " and the leftover work/" : "");
	else
		snprintf(question, sizeof question, "Remove the leftover work/? [y/N] ");
	if (cli_confirm(question))
		return CLI_OK;
	cli_error("clean", "nothing deleted");
	return CLI_PROBLEMS;
}

static int apply(const ckpt_run *run, const ckpt_clean_plan *plan)
{
	cli_progress progress;
	cli_progress_init(&progress, ckpt_run_name(run), false);
	int rc = ckpt_clean_apply(plan, &progress.base);
	cli_progress_clear(&progress);
	if (rc == CKPT_ECANCELLED) {
		cli_error("clean", "cancelled; some epochs may already be deleted");
		return CLI_INTERRUPTED;
	}
	if (rc != 0) {
		cli_lib_error("clean");
		return CLI_PROBLEMS;
	}
	return CLI_OK;
}

static int clean(const clean_opts *o, const ckpt_run *run)
{
	ckpt_clean_plan *plan = NULL;
	if (ckpt_clean_plan_new(&plan, run, o->keep, o->mode) != 0) {
		cli_lib_error("clean");
		return CLI_USAGE;
	}
	int rc = o->json ? CLI_OK : print_plan(run, plan);
	bool nothing = deleted_count(plan) == 0 && !ckpt_clean_plan_removes_work(plan);
	bool applied = false;
	if (rc == CLI_OK && !o->dry_run && !nothing) {
		rc = ask(o, plan);
		if (rc == CLI_OK)
			rc = apply(run, plan);
		applied = rc == CLI_OK;
	}
	if (o->json) {
		int json_rc = print_json(run, plan, applied);
		rc = rc == CLI_OK ? json_rc : rc;
	} else if (rc == CLI_OK && applied) {
		char freed[FMT_SHORT];
		printf("deleted %zu epochs, freed %s\n", deleted_count(plan),
		       fmt_size(freed, ckpt_clean_plan_bytes_freed(plan)));
	} else if (rc == CLI_OK && nothing) {
		printf("nothing to delete\n");
	}
	ckpt_clean_plan_free(plan);
	return rc;
}

static int parse(clean_opts *o, int argc, char **argv)
{
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	int id;
	while ((id = cli_next(&p, &value)) != CLI_ARG_END) {
		switch (id) {
		case OPT_KEEP:
			if (!cli_parse_long("clean", "--keep", value, 1, 999999999, &o->keep))
				return CLI_USAGE;
			break;
		case OPT_MODE:
			if (strcmp(value, "linear") == 0)
				o->mode = CKPT_KEEP_LINEAR;
			else if (strcmp(value, "exponential") == 0)
				o->mode = CKPT_KEEP_EXPONENTIAL;
			else if (strcmp(value, "all") == 0)
				o->mode = CKPT_KEEP_ALL;
			else
				return cli_usage_error("clean",
						       "--mode must be linear, exponential "
						       "or all, not '%s'",
						       value);
			break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case OPT_YES: o->yes = true; break;
		case OPT_JSON: o->json = true; break;
		case CLI_ARG_POSITIONAL:
			if (o->path)
				return cli_usage_error("clean", "unexpected argument '%s'", value);
			o->path = value;
			break;
		case CLI_ARG_HELP: return cli_help(usage);
		case CLI_ARG_UNKNOWN: return cli_usage_error("clean", "unknown option '%s'", value);
		default: return CLI_USAGE;
		}
	}
	if (!o->path)
		return cli_usage_error("clean", "which run? give RUN");
	return CLI_OK;
}

int cmd_clean(int argc, char **argv)
{
	clean_opts o = {.keep = CKPT_DEFAULT_KEEP_LIMIT, .mode = CKPT_KEEP_LINEAR};
	int rc = parse(&o, argc, argv);
	if (rc != CLI_OK)
		return rc == CLI_STOP ? CLI_OK : rc;
	ckpt_run *run = NULL;
	rc = cli_open_run("clean", o.path, &run);
	if (rc == CLI_OK)
		rc = clean(&o, run);
	ckpt_run_unref(run);
	return rc;
}
