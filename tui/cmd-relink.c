/* cmd-relink.c: `ckpt relink`: rewrites a run's relocated or absolute
 * best/last links as relative ones (ckpt_relink), then reports the links as
 * a fresh read of the run sees them. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <stdio.h>

static const char usage[] =
    "Usage: ckpt relink RUN [--json]\n"
    "\n"
    "A run copied or moved off the machine that wrote it has absolute best/last\n"
    "links that dangle or point into the old copy. Rewrite them as relative links\n"
    "(epochs/NNN) to the same epochs of this run, atomically.\n"
    "\n"
    "Options:\n"
    "  --json       {\"run\", \"changed\", \"best\", \"best_state\", \"last\", \"last_state\"}\n"
    "               (the links after relinking)\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 done (also when nothing needed rewriting), 1 refused, 2 usage\n"
    "error or unreadable run.\n";

enum { OPT_JSON = 1 };

static const cli_option options[] = {
    {"json", false, OPT_JSON},
    {NULL, false, 0},
};

static cJSON *epoch_or_null(long epoch)
{
	return epoch > 0 ? cJSON_CreateNumber((double)epoch) : cJSON_CreateNull();
}

static int report(const char *path, int changed, bool json)
{
	/* Re-read: the snapshot given to ckpt_relink shows the links before. */
	ckpt_run *run = NULL;
	int rc = cli_open_run("relink", path, &run);
	if (rc != CLI_OK)
		return rc;
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "run", cli_json_string(ckpt_run_name(run)));
		cJSON_AddNumberToObject(o, "changed", changed);
		cJSON_AddItemToObject(o, "best", epoch_or_null(ckpt_run_best(run)));
		cJSON_AddStringToObject(o, "best_state",
					ckpt_link_state_name(ckpt_run_best_state(run)));
		cJSON_AddItemToObject(o, "last", epoch_or_null(ckpt_run_last(run)));
		cJSON_AddStringToObject(o, "last_state",
					ckpt_link_state_name(ckpt_run_last_state(run)));
		rc = cli_json_print("relink", o);
	} else {
		char best[64], last[64];
		printf(
		    "%s: %d link%s rewritten; best %s, last %s\n", ckpt_run_name(run), changed,
		    changed == 1 ? "" : "s",
		    cli_link_text(best, sizeof best, ckpt_run_best(run), ckpt_run_best_state(run)),
		    cli_link_text(last, sizeof last, ckpt_run_last(run), ckpt_run_last_state(run)));
	}
	ckpt_run_unref(run);
	return rc;
}

int cmd_relink(int argc, char **argv)
{
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	const char *path = NULL;
	bool json = false;
	int id;
	while ((id = cli_next(&p, &value)) != CLI_ARG_END) {
		switch (id) {
		case OPT_JSON: json = true; break;
		case CLI_ARG_POSITIONAL:
			if (path)
				return cli_usage_error("relink", "unexpected argument '%s'", value);
			path = value;
			break;
		case CLI_ARG_HELP: cli_help(usage); return CLI_OK;
		case CLI_ARG_UNKNOWN:
			return cli_usage_error("relink", "unknown option '%s'", value);
		default: return CLI_USAGE;
		}
	}
	if (!path)
		return cli_usage_error("relink", "which run? give RUN");
	ckpt_run *run = NULL;
	int rc = cli_open_run("relink", path, &run);
	int changed = 0;
	if (rc == CLI_OK) {
		int lib = ckpt_relink(&changed, run);
		if (lib != 0) {
			cli_lib_error("relink");
			rc = lib == CKPT_ENOENT || lib == CKPT_EINVAL ? CLI_USAGE : CLI_PROBLEMS;
		}
	}
	ckpt_run_unref(run);
	return rc == CLI_OK ? report(path, changed, json) : rc;
}
