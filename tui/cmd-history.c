/* cmd-history.c: `ckpt history`: the metric of every epoch a run's writers
 * saw (ckpt_history_load), as a table with writer sessions set apart, as
 * CSV, or as JSON. */
#include "cli.h"
#include "format.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: ckpt history RUN [--csv | --json]\n"
    "\n"
    "Print the tracked metric of every epoch of RUN, saved or not: from\n"
    "metrics.jsonl for runs written by libckpt, else recovered from ckpt.log.\n"
    "A restart starts a new writer session; the table marks where each begins.\n"
    "\n"
    "Options:\n"
    "  --csv        header \"epoch,value,saved,best,session\"; saved/best are 1 or 0,\n"
    "               session counts from 0, value is empty when unknown\n"
    "  --json       {\"run\", \"metric\", \"direction\", \"sessions\", \"points\": [{\"epoch\",\n"
    "               \"value\", \"saved\", \"best\", \"session\", \"time\", \"metrics\"}]}\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 printed, 2 usage error or unreadable run.\n";

enum { OPT_CSV = 1, OPT_JSON };

static const cli_option options[] = {
    {"csv", false, OPT_CSV},
    {"json", false, OPT_JSON},
    {NULL, false, 0},
};

/* At most this many extra metrics get a column of their own. */
#define MAX_EXTRA_COLUMNS 4

static int print_csv(const ckpt_history *h)
{
	printf("epoch,value,saved,best,session\n");
	for (size_t i = 0; i < ckpt_history_count(h); i++) {
		const ckpt_history_point *pt = ckpt_history_get(h, i);
		char value[FMT_SHORT] = "";
		if (pt->has_value)
			fmt_metric_exact(value, pt->value);
		printf("%ld,%s,%d,%d,%d\n", pt->epoch, value, pt->saved ? 1 : 0,
		       pt->became_best ? 1 : 0, pt->session);
	}
	return CLI_OK;
}

static cJSON *point_json(const ckpt_history_point *pt)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *metrics = cJSON_CreateObject();
	if (!o || !metrics) {
		cJSON_Delete(o);
		cJSON_Delete(metrics);
		return NULL;
	}
	cJSON_AddNumberToObject(o, "epoch", (double)pt->epoch);
	cJSON_AddItemToObject(o, "value",
			      pt->has_value ? cli_json_number(pt->value) : cJSON_CreateNull());
	cJSON_AddBoolToObject(o, "saved", pt->saved);
	cJSON_AddBoolToObject(o, "best", pt->became_best);
	cJSON_AddNumberToObject(o, "session", pt->session);
	cJSON_AddItemToObject(o, "time", cli_json_string(pt->time));
	for (size_t j = 0; j < pt->n_extra; j++)
		cJSON_AddItemToObject(metrics, pt->extra[j].name,
				      cli_json_number(pt->extra[j].value));
	cJSON_AddItemToObject(o, "metrics", metrics);
	return o;
}

static int print_json(const ckpt_run *run, const ckpt_history *h)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *points = cJSON_CreateArray();
	if (!root || !points) {
		cJSON_Delete(root);
		cJSON_Delete(points);
		cli_error("history", "out of memory");
		return CLI_USAGE;
	}
	char direction[2] = {ckpt_history_direction(h), '\0'};
	cJSON_AddItemToObject(root, "run", cli_json_string(ckpt_run_name(run)));
	cJSON_AddItemToObject(root, "metric", cli_json_string(ckpt_history_metric(h)));
	cJSON_AddItemToObject(root, "direction", cli_json_string(direction[0] ? direction : NULL));
	cJSON_AddNumberToObject(root, "sessions", (double)ckpt_history_session_count(h));
	for (size_t i = 0; i < ckpt_history_count(h); i++)
		cJSON_AddItemToArray(points, point_json(ckpt_history_get(h, i)));
	cJSON_AddItemToObject(root, "points", points);
	return cli_json_print("history", root);
}

/* The names of the first few extra metrics, in the order the trainer gave. */
static size_t extra_columns(const ckpt_history *h, const char *names[MAX_EXTRA_COLUMNS])
{
	size_t n = 0;
	for (size_t i = 0; i < ckpt_history_count(h); i++) {
		const ckpt_history_point *pt = ckpt_history_get(h, i);
		for (size_t j = 0; j < pt->n_extra && n < MAX_EXTRA_COLUMNS; j++) {
			bool known = false;
			for (size_t k = 0; k < n; k++)
				known = known || strcmp(names[k], pt->extra[j].name) == 0;
			if (!known)
				names[n++] = pt->extra[j].name;
		}
	}
	return n;
}

static const char *extra_value(char out[FMT_SHORT], const ckpt_history_point *pt, const char *name)
{
	for (size_t j = 0; j < pt->n_extra; j++)
		if (strcmp(pt->extra[j].name, name) == 0)
			return fmt_metric(out, pt->extra[j].value);
	return "-";
}

static int add_point(fmt_table *table, const ckpt_history_point *pt, const char *const *extra,
		     size_t n_extra)
{
	char epoch[32], value[FMT_SHORT] = "-";
	char extra_text[MAX_EXTRA_COLUMNS][FMT_SHORT];
	const char *cells[5 + MAX_EXTRA_COLUMNS];
	snprintf(epoch, sizeof epoch, "%ld", pt->epoch);
	if (pt->has_value)
		fmt_metric(value, pt->value);
	size_t c = 0;
	cells[c++] = epoch;
	cells[c++] = value;
	for (size_t j = 0; j < n_extra; j++)
		cells[c++] = extra_value(extra_text[j], pt, extra[j]);
	cells[c++] = pt->saved ? "saved" : "";
	cells[c++] = pt->became_best ? "best" : "";
	cells[c++] = pt->time ? pt->time : "";
	return fmt_table_add_row(table, cells);
}

static int print_table(const ckpt_run *run, const ckpt_history *h)
{
	const char *extra[MAX_EXTRA_COLUMNS];
	size_t n_extra = extra_columns(h, extra);
	const char *headers[5 + MAX_EXTRA_COLUMNS];
	fmt_align align[5 + MAX_EXTRA_COLUMNS];
	size_t c = 0;
	const char *metric = ckpt_history_metric(h);
	headers[c] = "EPOCH", align[c++] = FMT_RIGHT;
	headers[c] = metric ? metric : "VALUE", align[c++] = FMT_RIGHT;
	for (size_t j = 0; j < n_extra; j++)
		headers[c] = extra[j], align[c++] = FMT_RIGHT;
	headers[c] = "SAVED", align[c++] = FMT_LEFT;
	headers[c] = "BEST", align[c++] = FMT_LEFT;
	headers[c] = "TIME", align[c++] = FMT_LEFT;
	fmt_table *table = fmt_table_new(c, headers, align);
	int rc = table ? 0 : -1;
	int session = 0;
	for (size_t i = 0; rc == 0 && i < ckpt_history_count(h); i++) {
		const ckpt_history_point *pt = ckpt_history_get(h, i);
		if (pt->session != session) {
			char note[96];
			snprintf(note, sizeof note, "--- restart: writer session %d ---",
				 pt->session + 1);
			rc = fmt_table_add_note(table, note);
			session = pt->session;
		}
		if (rc == 0)
			rc = add_point(table, pt, extra, n_extra);
	}
	char *text = rc == 0 ? fmt_table_render_fit(table, cli_terminal_width()) : NULL;
	fmt_table_free(table);
	if (!text) {
		cli_error("history", "out of memory");
		return CLI_USAGE;
	}
	printf("%s: %s (%s), %zu epochs, %zu writer session%s\n", ckpt_run_name(run),
	       metric ? metric : "metric unknown", cli_direction_text(ckpt_history_direction(h)),
	       ckpt_history_count(h), ckpt_history_session_count(h),
	       ckpt_history_session_count(h) == 1 ? "" : "s");
	fputs(text, stdout);
	free(text);
	return CLI_OK;
}

int cmd_history(int argc, char **argv)
{
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	const char *path = NULL;
	bool csv = false, json = false;
	int id;
	while ((id = cli_next(&p, &value)) != CLI_ARG_END) {
		switch (id) {
		case OPT_CSV: csv = true; break;
		case OPT_JSON: json = true; break;
		case CLI_ARG_POSITIONAL:
			if (path)
				return cli_usage_error("history", "unexpected argument '%s'",
						       value);
			path = value;
			break;
		case CLI_ARG_HELP: cli_help(usage); return CLI_OK;
		case CLI_ARG_UNKNOWN:
			return cli_usage_error("history", "unknown option '%s'", value);
		default: return CLI_USAGE;
		}
	}
	if (!path)
		return cli_usage_error("history", "which run? give RUN");
	if (csv && json)
		return cli_usage_error("history", "--csv and --json exclude each other");
	ckpt_run *run = NULL;
	int rc = cli_open_run("history", path, &run);
	ckpt_history *h = NULL;
	if (rc == CLI_OK && ckpt_history_load(&h, run) != 0) {
		cli_lib_error("history");
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK)
		rc = csv ? print_csv(h) : json ? print_json(run, h) : print_table(run, h);
	ckpt_history_free(h);
	ckpt_run_unref(run);
	return rc;
}
