/* cmd-relink.c: `ckpt relink`: rewrites a run's relocated or absolute
 * best/last links as relative ones (ckpt_relink), then reports the links as
 * a fresh read of the run sees them. */
#include "cli.h"

#include <stdio.h>

static const char usage[] =
    "Usage: ckpt relink RUN [--json]\n"
    "\n"
    "A run copied or moved off the machine that wrote it has absolute best/last\n"
    "links that dangle or point into the old copy. Rewrite them as relative links\n"
    "(epochs/NNN) to the same epochs of this run, atomically.\n"
    "\n"
    "Options:\n"
    "  --json       {\"run\", \"changed\", \"best\", \"best_state\", \"last\", \"last_state\",\n"
    "               \"applied\"} (the links after relinking), and \"error\":\n"
    "               {\"code\", \"message\"} when refused\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 done (also when nothing needed rewriting), 1 refused, 2 usage\n"
    "error or unreadable run.\n";

enum { OPT_JSON = 1 };

static const cli_option options[] = {
    {"json", false, OPT_JSON},
    {NULL, false, 0},
};

static void link_json(cli_json *j, const char *key, int64_t epoch, ckpt_link_state state)
{
	char state_key[32];
	cli_json_key(j, key);
	if (epoch > 0)
		cli_json_int(j, epoch);
	else
		cli_json_null(j);
	snprintf(state_key, sizeof state_key, "%s_state", key);
	cli_json_key(j, state_key);
	cli_json_string(j, ckpt_link_state_name(state));
}

/* The links as `run` shows them; a failed call says why (lib_rc, message). */
static int report_json(const ckpt_run *run, int changed, int lib_rc, const char *message)
{
	cli_json j;
	cli_json_init(&j);
	cli_json_object(&j);
	cli_json_key(&j, "run");
	cli_json_string(&j, run ? ckpt_run_name(run) : NULL);
	cli_json_key(&j, "changed");
	cli_json_int(&j, changed);
	if (run) {
		link_json(&j, "best", ckpt_run_best(run), ckpt_run_best_state(run));
		link_json(&j, "last", ckpt_run_last(run), ckpt_run_last_state(run));
	}
	cli_json_key(&j, "applied");
	cli_json_bool(&j, lib_rc == 0);
	if (lib_rc)
		cli_json_error(&j, lib_rc, NULL, message);
	cli_json_end(&j);
	int rc = cli_json_print(&j, "relink");
	cli_json_free(&j);
	return rc;
}

static int report(const char *path, int changed, bool json)
{
	/* Re-read: the snapshot given to ckpt_relink shows the links before. */
	ckpt_run *run = NULL;
	int lib_rc = 0;
	int rc = cli_open_run("relink", path, &run, &lib_rc);
	if (rc != CLI_OK) {
		if (json)
			report_json(NULL, changed, lib_rc, ckpt_error_last());
		return rc;
	}
	if (json) {
		rc = report_json(run, changed, 0, NULL);
	} else {
		char best[64], last[64];
		printf(
		    "%s: %d link%s rewritten; best %s, last %s\n", cli_text(ckpt_run_name(run)),
		    changed, changed == 1 ? "" : "s",
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
	int lib = 0;
	int rc = cli_open_run("relink", path, &run, &lib);
	int changed = 0;
	if (rc == CLI_OK && (lib = ckpt_relink(&changed, run)) != 0) {
		cli_lib_error("relink");
		rc = cli_status_for(lib);
	}
	if (rc != CLI_OK && json)
		report_json(run, changed, lib, ckpt_error_last());
	ckpt_run_unref(run);
	return rc == CLI_OK ? report(path, changed, json) : rc;
}
