/* cmd-restart.c: `ckpt restart`: rolls a run back (ckpt_rollback re-points
 * `last`) so that the trainer's next restart loads the chosen epoch, and
 * reports what that restart would load. */
#include "cli.h"
#include "format.h"

#include <stdio.h>

static const char usage[] =
    "Usage: ckpt restart RUN EPOCH [--dry-run] [--force] [--json]\n"
    "\n"
    "Re-point RUN's last link at EPOCH, so that the trainer's next restart loads\n"
    "that epoch and training resumes after it (later epochs are overwritten as they\n"
    "are saved again). An epoch without its model or ckpt-info.json, or whose\n"
    "checksum fails, is refused unless --force; a live writer always refuses.\n"
    "\n"
    "Options:\n"
    "  --dry-run    check and report, change nothing\n"
    "  --force      roll back even to an epoch that fails its checks\n"
    "  --json       {\"run\", \"epoch\", \"model\", \"best_metric_last\", \"applied\"},\n"
    "               and \"error\": {\"code\", \"message\"} when refused\n"
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

static int report_json(const ckpt_run *run, long epoch, const ckpt_restart *restart, bool dry_run,
		       int lib_rc)
{
	cli_json j;
	cli_json_init(&j);
	cli_json_object(&j);
	cli_json_key(&j, "run");
	cli_json_string(&j, run ? ckpt_run_name(run) : NULL);
	cli_json_key(&j, "epoch");
	cli_json_int(&j, restart ? ckpt_restart_epoch(restart) : epoch);
	cli_json_key(&j, "model");
	cli_json_string(&j, restart ? ckpt_restart_model_path(restart) : NULL);
	cli_json_key(&j, "best_metric_last");
	if (restart)
		cli_json_number(&j, ckpt_restart_best_metric_last(restart));
	else
		cli_json_null(&j);
	cli_json_key(&j, "applied");
	cli_json_bool(&j, lib_rc == 0 && !dry_run);
	if (lib_rc)
		cli_json_error(&j, lib_rc, NULL, ckpt_error_last());
	cli_json_end(&j);
	int rc = cli_json_print(&j, "restart");
	cli_json_free(&j);
	return rc;
}

static void report(const ckpt_run *run, const ckpt_restart *restart, bool dry_run)
{
	char best[FMT_SHORT];
	long long epoch = (long long)ckpt_restart_epoch(restart);
	printf("%s: %s epoch %lld\n", cli_text(ckpt_run_name(run)),
	       dry_run ? "would roll back to" : "rolled back to", epoch);
	printf("model             %s\n", cli_text(ckpt_restart_model_path(restart)));
	printf("best_metric_last  %s\n",
	       fmt_metric_exact(best, ckpt_restart_best_metric_last(restart)));
	if (dry_run)
		printf("dry run: nothing changed\n");
	else
		printf("the next restart loads this epoch and resumes at epoch %lld\n", epoch + 1);
}

/* Rolls back; a refusal the user may overrule says how, here and only here:
 * the library's message names no flags of any front end. */
static int roll_back(const ckpt_run *run, long epoch, unsigned flags, bool json)
{
	ckpt_restart *restart = NULL;
	int lib = ckpt_rollback(&restart, run, epoch, flags);
	int rc = CLI_OK;
	if (lib == CKPT_EREFUSED)
		cli_error("restart", "%s; use --force to roll back anyway", ckpt_error_last());
	else if (lib != 0)
		cli_lib_error("restart");
	if (lib != 0)
		rc = cli_status_for(lib);
	if (json) {
		int json_rc =
		    report_json(run, epoch, lib ? NULL : restart, flags & CKPT_FLAG_DRY_RUN, lib);
		rc = rc == CLI_OK ? json_rc : rc;
	} else if (lib == 0) {
		report(run, restart, flags & CKPT_FLAG_DRY_RUN);
	}
	ckpt_restart_free(restart);
	return rc;
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
	int lib_rc = 0;
	int rc = cli_open_run("restart", positional[0], &run, &lib_rc);
	if (rc == CLI_OK)
		rc = roll_back(run, epoch, flags, json);
	else if (json)
		report_json(NULL, epoch, NULL, false, lib_rc);
	ckpt_run_unref(run);
	return rc;
}
