/* cmd-show.c: `ckpt show`: one run's summary and its epochs table, or with
 * EPOCH every field of that epoch's ckpt-info.json as the library read it. */
#include "cli.h"
#include "format.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: ckpt show RUN [EPOCH] [--json]\n"
    "\n"
    "Show a run (a checkpoint root or a run folder): its layout, metric, best and\n"
    "last links, size and status, then one row per epoch on disk. With EPOCH,\n"
    "show that epoch's details: every ckpt-info.json field, including time_elapsed\n"
    "and metadata.\n"
    "\n"
    "Options:\n"
    "  --json       the run as one RUN object (as in 'ckpt ls --json'); with EPOCH,\n"
    "               its EPOCH object plus run, save_best_metric, time_elapsed,\n"
    "               metadata, info_error, is_best and is_last\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 shown, 2 usage error, unreadable run or no such epoch.\n";

enum { OPT_JSON = 1 };

static const cli_option options[] = {
    {"json", false, OPT_JSON},
    {NULL, false, 0},
};

/* "1038967499", "disabled", "sha256:1a2b3c4d...", "-". */
static const char *checksum_text(char out[FMT_SHORT], const char *stored)
{
	if (!stored)
		snprintf(out, FMT_SHORT, "-");
	else if (strcmp(stored, "__DISABLED__") == 0)
		snprintf(out, FMT_SHORT, "disabled");
	else if (strlen(stored) > 20)
		snprintf(out, FMT_SHORT, "%.15s...", stored);
	else
		snprintf(out, FMT_SHORT, "%s", stored);
	return out;
}

static const char *marks_text(char out[FMT_SHORT], const ckpt_run *run, long epoch)
{
	bool best = ckpt_run_best(run) == epoch;
	bool last = ckpt_run_last(run) == epoch;
	snprintf(out, FMT_SHORT, "%s%s%s", best ? "best" : "", best && last ? "," : "",
		 last ? "last" : "");
	return out;
}

static const char *model_text(char out[FMT_SHORT], int64_t bytes)
{
	if (bytes < 0)
		return strcpy(out, "missing");
	return fmt_size(out, (uint64_t)bytes);
}

static void print_summary(const ckpt_run *run)
{
	char best[64], last[64], size[FMT_SHORT];
	const char *metric = ckpt_run_metric(run);
	printf("run      %s\n", ckpt_run_name(run));
	printf("folder   %s\n", ckpt_run_folder(run));
	printf("root     %s\n", ckpt_run_root(run));
	printf("layout   %s\n", ckpt_layout_name(ckpt_run_layout(run)));
	printf("metric   %s (%s)\n", metric ? metric : "-",
	       cli_direction_text(ckpt_run_direction(run)));
	printf("best     %s\n",
	       cli_link_text(best, sizeof best, ckpt_run_best(run), ckpt_run_best_state(run)));
	printf("last     %s\n",
	       cli_link_text(last, sizeof last, ckpt_run_last(run), ckpt_run_last_state(run)));
	printf("size     %s in %zu epochs\n", fmt_size(size, ckpt_run_total_bytes(run)),
	       ckpt_run_epoch_count(run));
	const ckpt_writer_info *writer = ckpt_run_writer(run);
	if (writer)
		printf("writer   pid %ld on %s since %s\n", writer->pid,
		       writer->host ? writer->host : "?", writer->since ? writer->since : "?");
	for (size_t i = 0; i < ckpt_run_stray_count(run); i++)
		printf("stray    %s\n", ckpt_run_stray(run, i));
	char *status = cli_run_status(run);
	printf("status   %s\n", status ? status : "?");
	free(status);
}

static int print_epochs(const ckpt_run *run)
{
	static const char *const headers[] = {
	    "EPOCH", "INFO", "MODEL", "CHECKSUM", "BEST_METRIC_LAST", "METRIC", "TIMESTAMP", ""};
	static const fmt_align align[] = {FMT_RIGHT, FMT_LEFT,  FMT_RIGHT, FMT_LEFT,
					  FMT_RIGHT, FMT_RIGHT, FMT_LEFT,  FMT_LEFT};
	fmt_table *table = fmt_table_new(8, headers, align);
	int rc = table ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < ckpt_run_epoch_count(run); i++) {
		const ckpt_epoch *e = ckpt_run_epoch(run, i);
		char epoch[32], model[FMT_SHORT], checksum[FMT_SHORT],
		    bml[FMT_SHORT] = "-", metric[FMT_SHORT] = "-", marks[FMT_SHORT];
		snprintf(epoch, sizeof epoch, "%ld", e->epoch);
		if (e->has_best_metric_last)
			fmt_metric(bml, e->best_metric_last);
		if (e->has_metric)
			fmt_metric(metric, e->metric);
		const char *cells[] = {epoch,
				       ckpt_info_state_name(e->info),
				       model_text(model, e->model_bytes),
				       checksum_text(checksum, e->checksum),
				       bml,
				       metric,
				       e->timestamp ? e->timestamp : "-",
				       marks_text(marks, run, e->epoch)};
		rc = fmt_table_add_row(table, cells);
	}
	char *text = rc == 0 ? fmt_table_render_fit(table, cli_terminal_width()) : NULL;
	fmt_table_free(table);
	if (!text) {
		cli_error("show", "out of memory");
		return CLI_USAGE;
	}
	fputs(text, stdout);
	free(text);
	return CLI_OK;
}

static void print_epoch(const ckpt_run *run, const ckpt_epoch *e)
{
	char text[FMT_SHORT], size[FMT_SHORT], marks[FMT_SHORT];
	printf("run               %s\n", ckpt_run_name(run));
	printf("epoch             %ld\n", e->epoch);
	printf("dir               %s\n", e->dir);
	printf("info              %s\n", ckpt_info_state_name(e->info));
	if (e->info_error)
		printf("info_error        %s\n", e->info_error);
	if (e->model_bytes < 0)
		printf("model             missing\n");
	else
		printf("model             %lld bytes (%s)\n", (long long)e->model_bytes,
		       fmt_size(size, (uint64_t)e->model_bytes));
	printf("checksum          %s\n", e->checksum ? e->checksum : "-");
	printf("save_best_metric  %s\n", e->save_best_metric ? e->save_best_metric : "-");
	printf("best_metric_last  %s\n",
	       e->has_best_metric_last ? fmt_metric(text, e->best_metric_last) : "-");
	printf("metric            %s\n", e->has_metric ? fmt_metric(text, e->metric) : "-");
	printf("timestamp         %s\n", e->timestamp ? e->timestamp : "-");
	if (e->first_save)
		printf("time_elapsed      __FIRST__ (its writer's first save)\n");
	else if (e->has_time_elapsed)
		printf("time_elapsed      %s (%s)\n", fmt_metric_exact(text, e->time_elapsed),
		       fmt_duration(size, e->time_elapsed));
	else
		printf("time_elapsed      -\n");
	printf("metadata          %s\n", e->metadata ? e->metadata : "null");
	marks_text(marks, run, e->epoch);
	printf("links             %s\n", marks[0] ? marks : "-");
}

/* The EPOCH object of ls --json, with the fields only show gives. */
static int print_epoch_json(const ckpt_run *run, const ckpt_epoch *e)
{
	cJSON *object = cli_json_run("show", run);
	if (!object)
		return CLI_USAGE;
	cJSON *epochs = cJSON_GetObjectItemCaseSensitive(object, "epochs");
	cJSON *found = NULL;
	cJSON *item;
	cJSON_ArrayForEach(item, epochs)
	{
		cJSON *number = cJSON_GetObjectItemCaseSensitive(item, "epoch");
		if (cJSON_IsNumber(number) && (long)number->valuedouble == e->epoch)
			found = item;
	}
	cJSON *out = found ? cJSON_DetachItemViaPointer(epochs, found) : cJSON_CreateObject();
	cJSON_Delete(object);
	if (!out) {
		cli_error("show", "out of memory");
		return CLI_USAGE;
	}
	cJSON_AddItemToObject(out, "run", cli_json_string(ckpt_run_name(run)));
	cJSON_AddItemToObject(out, "save_best_metric", cli_json_string(e->save_best_metric));
	cJSON_AddItemToObject(out, "time_elapsed",
			      e->first_save         ? cJSON_CreateString("__FIRST__")
			      : e->has_time_elapsed ? cli_json_number(e->time_elapsed)
						    : cJSON_CreateNull());
	cJSON_AddItemToObject(out, "metadata", cli_json_string(e->metadata));
	cJSON_AddItemToObject(out, "info_error", cli_json_string(e->info_error));
	cJSON_AddBoolToObject(out, "is_best", ckpt_run_best(run) == e->epoch);
	cJSON_AddBoolToObject(out, "is_last", ckpt_run_last(run) == e->epoch);
	return cli_json_print("show", out);
}

static int show(const ckpt_run *run, bool json, long epoch)
{
	if (epoch > 0) {
		const ckpt_epoch *e = ckpt_run_find_epoch(run, epoch);
		if (!e) {
			cli_error("show", "%s: no epoch %ld on disk", ckpt_run_name(run), epoch);
			return CLI_USAGE;
		}
		if (json)
			return print_epoch_json(run, e);
		print_epoch(run, e);
		return CLI_OK;
	}
	if (json) {
		cJSON *object = cli_json_run("show", run);
		return object ? cli_json_print("show", object) : CLI_USAGE;
	}
	print_summary(run);
	if (ckpt_run_epoch_count(run) == 0) {
		printf("\nno epochs on disk\n");
		return CLI_OK;
	}
	putchar('\n');
	return print_epochs(run);
}

int cmd_show(int argc, char **argv)
{
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	const char *positional[2] = {NULL, NULL};
	int n_positional = 0;
	bool json = false;
	int id;
	while ((id = cli_next(&p, &value)) != CLI_ARG_END) {
		switch (id) {
		case OPT_JSON: json = true; break;
		case CLI_ARG_POSITIONAL:
			if (n_positional == 2)
				return cli_usage_error("show", "unexpected argument '%s'", value);
			positional[n_positional++] = value;
			break;
		case CLI_ARG_HELP: cli_help(usage); return CLI_OK;
		case CLI_ARG_UNKNOWN: return cli_usage_error("show", "unknown option '%s'", value);
		default: return CLI_USAGE;
		}
	}
	if (n_positional == 0)
		return cli_usage_error("show", "which run? give RUN");
	long epoch = 0;
	if (positional[1] && !cli_parse_long("show", "EPOCH", positional[1], 1, 999999999, &epoch))
		return CLI_USAGE;
	ckpt_run *run = NULL;
	int rc = cli_open_run("show", positional[0], &run);
	if (rc == CLI_OK)
		rc = show(run, json, epoch);
	ckpt_run_unref(run);
	return rc;
}
