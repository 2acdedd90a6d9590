/* run-text.c: short descriptions of a run that several subcommands print
 * (link cells, the status column, the best epoch's metric), built only from
 * what the library's snapshot reports. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cli_link_text(char *out, size_t size, long epoch, ckpt_link_state state)
{
	char number[32] = "-";
	if (epoch > 0)
		snprintf(number, sizeof number, "%ld", epoch);
	if (state == CKPT_LINK_OK || (state == CKPT_LINK_MISSING && epoch <= 0))
		snprintf(out, size, "%s", number);
	else
		snprintf(out, size, "%s (%s)", number, ckpt_link_state_name(state));
	return out;
}

char *cli_run_status(const ckpt_run *run)
{
	char text[512] = "";
	size_t len = 0;
	const ckpt_writer_info *writer = ckpt_run_writer(run);
	if (writer)
		len += (size_t)snprintf(text + len, sizeof text - len, "%straining live (pid %ld)",
					len ? ", " : "", writer->pid);
	if (ckpt_run_work_leftover(run) && len < sizeof text)
		len += (size_t)snprintf(text + len, sizeof text - len, "%swork leftover",
					len ? ", " : "");
	size_t stray = ckpt_run_stray_count(run);
	if (stray && len < sizeof text)
		len += (size_t)snprintf(text + len, sizeof text - len, "%s%zu stray",
					len ? ", " : "", stray);
	const char *problem = ckpt_run_problem(run);
	if (problem && len < sizeof text)
		len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", len ? ", " : "",
					problem);
	size_t incomplete = ckpt_run_incomplete_count(run);
	if (incomplete && len < sizeof text)
		len += (size_t)snprintf(text + len, sizeof text - len, "%s%zu incomplete",
					len ? ", " : "", incomplete);
	return strdup(len ? text : "ok");
}

bool cli_run_best_metric(const ckpt_run *run, double *out)
{
	return ckpt_run_best_metric(run, out) != 0;
}

const char *cli_direction_text(char direction)
{
	return direction == '-' ? "min" : direction == '+' ? "max" : "?";
}

int cli_open_run(const char *cmd, const char *path, ckpt_run **out)
{
	*out = NULL;
	if (ckpt_run_open(out, path) != 0) {
		cli_lib_error(cmd);
		return CLI_USAGE;
	}
	return CLI_OK;
}
