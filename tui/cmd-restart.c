/* cmd-restart.c: `ckpt restart`: rolls a run back (ckpt_rollback re-points
 * `last`) so that the trainer's next restart loads the chosen epoch, and
 * reports what that restart would load. */
#include "cli.h"
#include "format.h"

#include <cjson/cJSON.h>
#include <stdio.h>

static const char usage[] =
    "Usage: ckpt restart RUN EPOCH [--dry-run] [--force] [--json]\n"
    "\n"
    "Re-point RUN's last link at EPOCH, so that the trainer's next restart loads\n"
    "that epoch and training resumes after it (later epochs are overwritten as they\n"
    "are saved again). An epoch without its model or ckpt-info.json, or whose\n"
    "checksum fails, is refused unless --force.\n"
    "\n"
    "Options:\n"
    "  --dry-run    check and report, change nothing\n"
    "  --force      roll back even to an epoch that fails its checks\n"
    "  --json       {\"run\", \"epoch\", \"model\", \"best_metric_last\", \"applied\"}\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 done (or would be done), 1 refused, 2 usage error, unreadable\n"
    "run or no such epoch.\n";

enum { OPT_DRY_RUN = 1, OPT_FORCE, OPT_JSON };

static const cli_option options[] = {
    {"dry-run", false, OPT_DRY_RUN},
    {"force", false, OPT_FORCE},
    {"json", false, OPT_JSON},
    {NULL, false, 0},
};

static int report(const ckpt_run *run, const ckpt_restart_info *info, bool dry_run, bool json)
{
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "run", cli_json_string(ckpt_run_name(run)));
		cJSON_AddNumberToObject(o, "epoch", (double)info->epoch);
		cJSON_AddItemToObject(o, "model", cli_json_string(info->model_path));
		cJSON_AddItemToObject(o, "best_metric_last",
				      cli_json_number(info->best_metric_last));
		cJSON_AddBoolToObject(o, "applied", !dry_run);
		return cli_json_print("restart", o);
	}
	char best[FMT_SHORT];
	printf("%s: %s epoch %ld\n", ckpt_run_name(run),
	       dry_run ? "would roll back to" : "rolled back to", info->epoch);
	printf("model             %s\n", info->model_path);
	printf("best_metric_last  %s\n", fmt_metric(best, info->best_metric_last));
	if (dry_run)
		printf("dry run: nothing changed\n");
	else
		printf("the next restart loads this epoch and resumes at epoch %ld\n",
		       info->epoch + 1);
	return CLI_OK;
}

int cmd_restart(int argc, char **argv)
{
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	const char *positional[2] = {NULL, NULL};
	int n_positional = 0;
	unsigned flags = 0;
	bool json = false;
	int id;
	while ((id = cli_next(&p, &value)) != CLI_ARG_END) {
		switch (id) {
		case OPT_DRY_RUN: flags |= CKPT_FLAG_DRY_RUN; break;
		case OPT_FORCE: flags |= CKPT_FLAG_FORCE; break;
		case OPT_JSON: json = true; break;
		case CLI_ARG_POSITIONAL:
			if (n_positional == 2)
				return cli_usage_error("restart", "unexpected argument '%s'",
						       value);
			positional[n_positional++] = value;
			break;
		case CLI_ARG_HELP: cli_help(usage); return CLI_OK;
		case CLI_ARG_UNKNOWN:
			return cli_usage_error("restart", "unknown option '%s'", value);
		default: return CLI_USAGE;
		}
	}
	if (n_positional < 2)
		return cli_usage_error("restart", "give RUN and EPOCH");
	long epoch;
	if (!cli_parse_long("restart", "EPOCH", positional[1], 1, 999999999, &epoch))
		return CLI_USAGE;
	ckpt_run *run = NULL;
	int rc = cli_open_run("restart", positional[0], &run);
	if (rc == CLI_OK) {
		ckpt_restart_info info;
		int lib = ckpt_rollback(&info, run, epoch, flags);
		if (lib != 0) {
			cli_lib_error("restart");
			rc = cli_status_for(lib);
		} else {
			rc = report(run, &info, flags & CKPT_FLAG_DRY_RUN, json);
		}
	}
	ckpt_run_unref(run);
	return rc;
}
