/* cmd-history.c: `ckpt history`: the metric of every epoch a run's writers
 * saw (ckpt_history_load), as a table with writer sessions set apart and
 * recovered points marked, as CSV, or as the library's JSON. */
#include "cli.h"
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: ckpt history RUN [--csv | --json]\n"
    "\n"
    "Print the tracked metric of every epoch of RUN, saved or not: from\n"
    "metrics.jsonl for runs written by libckpt, else recovered from ckpt.log.\n"
    "A restart starts a new writer session (numbered from 1); the table marks\n"
    "where each begins. An epoch on disk that no history line records (its\n"
    "writer was killed in between) is recovered from its ckpt-info.json and\n"
    "marked 'recovered'. A damaged history file is reported on stderr.\n"
    "\n"
    "Options:\n"
    "  --csv        header \"epoch,value,saved,best,session,time,recovered,\" then the\n"
    "               extra metrics' names; saved/best/recovered are 1 or 0, value\n"
    "               is empty when unknown, numbers exact (on a terminal, fields\n"
    "               are escaped like every text)\n"
    "  --json       {\"run\", \"metric\", \"direction\", \"sessions\", \"extra_metrics\",\n"
    "               \"problem\", \"points\": [{\"epoch\", \"value\", \"saved\", \"best\",\n"
    "               \"session\", \"time\", \"recovered\", \"metrics\"}]}\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 printed, 2 usage error or unreadable run.\n";

enum { OPT_CSV = 1, OPT_JSON };

static const cli_option options[] = {
    {"csv", false, OPT_CSV},
    {"json", false, OPT_JSON},
    {NULL, false, 0},
};

/* At most this many extra metrics get a column of their own in the table. */
#define MAX_EXTRA_COLUMNS 4

/* ---- CSV -------------------------------------------------------------------- */

/* A field as RFC 4180 wants it: quoted when it holds a comma, a quote or a
 * line break. On a terminal, escaped first (a name could hold a control
 * sequence); piped, exact. */
static void csv_field(const char *text, bool first)
{
	if (!first)
		putchar(',');
	if (cli_stdout_is_tty())
		text = cli_text(text);
	if (!strpbrk(text, ",\"\r\n")) {
		fputs(text, stdout);
		return;
	}
	putchar('"');
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			putchar('"');
		putchar(*p);
	}
	putchar('"');
}

static void csv_number(bool has, double value)
{
	char text[CKPT_NUMBER_TEXT_MAX] = "";
	if (has)
		ckpt_format_number(text, value);
	csv_field(text, false);
}

static int print_csv(const ckpt_history *h)
{
	size_t n_extra = ckpt_history_extra_name_count(h);
	fputs("epoch,value,saved,best,session,time,recovered", stdout);
	for (size_t j = 0; j < n_extra; j++)
		csv_field(ckpt_history_extra_name(h, j), false);
	putchar('\n');
	for (size_t i = 0; i < ckpt_history_count(h); i++) {
		double v;
		const char *time_text = ckpt_history_time(h, i);
		printf("%lld", (long long)ckpt_history_epoch(h, i));
		bool has = ckpt_history_value(&v, h, i);
		csv_number(has, v);
		printf(",%d,%d,%d", ckpt_history_saved(h, i), ckpt_history_became_best(h, i),
		       ckpt_history_session(h, i));
		csv_field(time_text ? time_text : "", false);
		printf(",%d", ckpt_history_recovered(h, i));
		for (size_t j = 0; j < n_extra; j++) {
			has = ckpt_history_extra(&v, h, i, ckpt_history_extra_name(h, j));
			csv_number(has, v);
		}
		putchar('\n');
	}
	return CLI_OK;
}

/* ---- the table -------------------------------------------------------------- */

/* Digits for the values of one column: j < 0 the tracked metric, else the
 * j-th extra metric. */
static int column_digits(const ckpt_history *h, long j)
{
	size_t n = ckpt_history_count(h), m = 0;
	double *values = calloc(n ? n : 1, sizeof *values);
	for (size_t i = 0; values && i < n; i++)
		m += j < 0 ? ckpt_history_value(&values[m], h, i)
			   : ckpt_history_extra(&values[m], h, i,
						ckpt_history_extra_name(h, (size_t)j));
	int digits = values ? fmt_distinct_digits(values, m) : 6;
	free(values);
	return digits;
}

typedef struct table_layout {
	size_t n_extra;
	bool recovered; /* a NOTE column for the recovered points */
	int digits[1 + MAX_EXTRA_COLUMNS];
	size_t ncols;
	fmt_column columns[6 + MAX_EXTRA_COLUMNS];
} table_layout;

/* EPOCH, the metric, extra metrics, SAVED, BEST, TIME, NOTE (when a point
 * was recovered); the extras and the time go first on a narrow terminal. */
static void layout_table(table_layout *l, const ckpt_history *h)
{
	l->recovered = false;
	for (size_t i = 0; i < ckpt_history_count(h); i++)
		l->recovered = l->recovered || ckpt_history_recovered(h, i);
	const char *metric = ckpt_history_metric(h);
	size_t c = 0;
	l->n_extra = ckpt_history_extra_name_count(h);
	l->n_extra = l->n_extra < MAX_EXTRA_COLUMNS ? l->n_extra : MAX_EXTRA_COLUMNS;
	l->columns[c++] = (fmt_column){"EPOCH", FMT_RIGHT, FMT_COL_ATOM, 0, 0, 0};
	l->columns[c++] =
	    (fmt_column){metric ? cli_text(metric) : "VALUE", FMT_RIGHT, FMT_COL_ATOM, 0, 90, 0};
	l->digits[0] = column_digits(h, -1);
	for (size_t j = 0; j < l->n_extra; j++) {
		l->columns[c++] = (fmt_column){cli_text(ckpt_history_extra_name(h, j)),
					       FMT_RIGHT,
					       FMT_COL_ATOM,
					       0,
					       30 - (int)j,
					       0};
		l->digits[1 + j] = column_digits(h, (long)j);
	}
	l->columns[c++] = (fmt_column){"SAVED", FMT_LEFT, FMT_COL_ATOM, 0, 70, 0};
	l->columns[c++] = (fmt_column){"BEST", FMT_LEFT, FMT_COL_ATOM, 0, 80, 0};
	l->columns[c++] = (fmt_column){"TIME", FMT_LEFT, FMT_COL_ATOM, 0, 10, 0};
	if (l->recovered)
		l->columns[c++] = (fmt_column){"NOTE", FMT_LEFT, FMT_COL_ATOM, 0, 60, 0};
	l->ncols = c;
}

static int add_point(fmt_table *table, const table_layout *l, const ckpt_history *h, size_t i)
{
	char epoch[32], value[FMT_SHORT] = "-", extra[MAX_EXTRA_COLUMNS][FMT_SHORT];
	const char *cells[6 + MAX_EXTRA_COLUMNS];
	double v;
	size_t c = 0;
	snprintf(epoch, sizeof epoch, "%lld", (long long)ckpt_history_epoch(h, i));
	if (ckpt_history_value(&v, h, i))
		fmt_metric_digits(value, v, l->digits[0]);
	cells[c++] = epoch;
	cells[c++] = value;
	for (size_t j = 0; j < l->n_extra; j++) {
		strcpy(extra[j], "-");
		if (ckpt_history_extra(&v, h, i, ckpt_history_extra_name(h, j)))
			fmt_metric_digits(extra[j], v, l->digits[1 + j]);
		cells[c++] = extra[j];
	}
	const char *time_text = ckpt_history_time(h, i);
	cells[c++] = ckpt_history_saved(h, i) ? "saved" : "";
	cells[c++] = ckpt_history_became_best(h, i) ? "best" : "";
	cells[c++] = time_text ? cli_text(time_text) : "";
	if (l->recovered)
		cells[c++] = ckpt_history_recovered(h, i) ? "recovered" : "";
	return fmt_table_add_row(table, cells);
}

static int print_table(const ckpt_run *run, const ckpt_history *h)
{
	table_layout l;
	layout_table(&l, h);
	fmt_table *table = fmt_table_new(l.ncols, l.columns);
	fmt_table_set_ascii(table, cli_ascii());
	int rc = table ? 0 : -1;
	int session = 1;
	for (size_t i = 0; rc == 0 && i < ckpt_history_count(h); i++) {
		if (ckpt_history_session(h, i) != session) {
			session = ckpt_history_session(h, i);
			char note[96];
			snprintf(note, sizeof note, "--- writer session %d (restart) ---", session);
			rc = fmt_table_add_note(table, note);
		}
		if (rc == 0)
			rc = add_point(table, &l, h, i);
	}
	char *text = rc == 0 ? fmt_table_render(table, cli_terminal_width()) : NULL;
	fmt_table_free(table);
	if (!text) {
		cli_error("history", "out of memory");
		return CLI_USAGE;
	}
	const char *metric = ckpt_history_metric(h);
	size_t sessions = ckpt_history_session_count(h);
	printf("%s: %s (%s), %zu epochs, %zu writer session%s\n", cli_text(ckpt_run_name(run)),
	       metric ? cli_text(metric) : "metric unknown",
	       cli_direction_text(ckpt_history_direction(h)), ckpt_history_count(h), sessions,
	       sessions == 1 ? "" : "s");
	fputs(text, stdout);
	free(text);
	if (l.recovered)
		printf("recovered: on disk, but no history line records it (its writer stopped "
		       "in between); read from its ckpt-info.json\n");
	return CLI_OK;
}

/* ---- the command ------------------------------------------------------------ */

static int print_json(const ckpt_history *h)
{
	char *text = NULL;
	if (ckpt_history_to_json(&text, h, CKPT_JSON_PRETTY) != 0) {
		cli_lib_error("history");
		return CLI_USAGE;
	}
	puts(text);
	ckpt_free(text);
	return CLI_OK;
}

static void print_json_error(const char *run_name, int rc, const char *message)
{
	cli_json j;
	cli_json_init(&j);
	cli_json_object(&j);
	cli_json_key(&j, "run");
	cli_json_string(&j, run_name);
	cli_json_error(&j, rc, NULL, message);
	cli_json_end(&j);
	cli_json_print(&j, "history");
	cli_json_free(&j);
}

static int history(const char *path, bool csv, bool json)
{
	ckpt_run *run = NULL;
	int lib_rc = 0;
	int rc = cli_open_run("history", path, &run, &lib_rc);
	ckpt_history *h = NULL;
	if (rc == CLI_OK && (lib_rc = ckpt_history_load(&h, run)) != 0) {
		cli_lib_error("history");
		rc = CLI_USAGE;
	}
	if (rc != CLI_OK && json)
		print_json_error(run ? ckpt_run_name(run) : NULL, lib_rc, ckpt_error_last());
	const char *problem = h ? ckpt_history_problem(h) : NULL;
	if (problem)
		cli_error("history", "%s: %s", ckpt_run_name(run), problem);
	if (rc == CLI_OK)
		rc = csv ? print_csv(h) : json ? print_json(h) : print_table(run, h);
	ckpt_history_free(h);
	ckpt_run_unref(run);
	return rc;
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
	return history(path, csv, json);
}
