/* cmd-ls.c: `ckpt ls`: finds the runs under each PATH with ckpt_scan,
 * keeping a row of each (not the run), filters and sorts them, and prints one row per run and a totals line, or
 * {"runs": [RUN...], "problems": [...], "totals": {...}} where each RUN is
 * exactly ckpt_run_to_json's object. */
#include "cli.h"
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

static const char usage[] =
    "Usage: ckpt ls [--json] [--depth N] [--sort KEY] [--live] [--problems] [PATH...]\n"
    "\n"
    "List the checkpoint runs found under each PATH (default: the current folder):\n"
    "a checkpoint root, a run folder holding ckpts/ or save/ckpts/, or any folder\n"
    "above many runs. Symbolic links to folders are not followed.\n"
    "\n"
    "Options:\n"
    "  --json         print {\"runs\": [RUN...], \"problems\": [...], \"totals\": {...}}\n"
    "                 (see README)\n"
    "  --depth N      look at most N folders down (default 6)\n"
    "  --sort KEY     name (default), metric (best first, runs without a value\n"
    "                 last), updated (newest first) or size (largest first)\n"
    "  --live         only runs a writer is training now\n"
    "  --problems     only runs with something to look at (the STATUS is not ok)\n"
    "  -h, --help     show this help\n"
    "\n"
    "Columns: NAME (relative to PATH), EPOCHS on disk, BEST and LAST epochs (with\n"
    "the link state when it is broken: dangling, outside; links that only need\n"
    "relinking show in STATUS), SIZE on disk, SAVED (when the newest epoch\n"
    "was saved), STATUS (the run's health, or ok), METRIC and the best epoch's\n"
    "VALUE. On a terminal the table fits its width: the least useful columns\n"
    "narrow or go first; numbers are never cut.\n"
    "\n"
    "Exit status: 0 listed (also when nothing was found), 2 a PATH is missing or no\n"
    "run could be read.\n";

enum { OPT_JSON = 1, OPT_DEPTH, OPT_SORT, OPT_LIVE, OPT_PROBLEMS };

static const cli_option options[] = {
    {"json", false, OPT_JSON}, {"depth", true, OPT_DEPTH},        {"sort", true, OPT_SORT},
    {"live", false, OPT_LIVE}, {"problems", false, OPT_PROBLEMS}, {NULL, false, 0},
};

typedef struct ls_opts {
	bool json, live, problems;
	int depth;
	cli_sort sort;
} ls_opts;

/* ---- choosing ------------------------------------------------------------- */

static bool wanted(const ls_opts *o, const ckpt_run *run)
{
	if (o->live && !ckpt_run_live(run))
		return false;
	if (o->problems && !ckpt_health_is_problem(ckpt_run_health(run)))
		return false;
	return true;
}

typedef struct totals {
	size_t runs, epochs, live, problems;
	uint64_t bytes;
} totals;

static void add_to_totals(totals *t, const ckpt_run *run)
{
	t->runs++;
	t->epochs += ckpt_run_epoch_count(run);
	t->bytes += ckpt_run_total_bytes(run);
	t->live += ckpt_run_live(run);
	t->problems += ckpt_health_is_problem(ckpt_run_health(run));
}

/* ---- the runs as listed ------------------------------------------------------ */

/* What the listing shows of one run, taken as the scan hands the run on:
 * the scan then lets the run go, so a listing holds a row per run, not
 * every run's epochs. */
typedef struct ls_row {
	char *name, *metric, *health; /* raw: escaped when printed */
	cli_run_key key;              /* key.name is name */
	bool has_value;
	double value; /* the best epoch's metric */
	int64_t best, last, updated;
	ckpt_link_state best_state, last_state;
	size_t epochs;
	uint64_t bytes;
	char *json; /* --json: the run's object (the library's) */
} ls_row;

/* A scan's work for ls: the runs written as they come (--json by name)
 * or kept as rows to sort and size the table by. */
typedef struct listing {
	const ls_opts *o;
	bool failed;
	cli_json j; /* streaming */
	totals t;
	ls_row *rows;
	size_t n_rows, cap_rows;
} listing;

/* A run's part of the output, made on the thread that read it. */
typedef struct prepared {
	bool wanted;
	char *text;  /* --json: the library's (ckpt_free), or NULL with error */
	char *error; /* the library's message, or NULL: out of memory */
} prepared;

/* Each RUN sits at depth 2, {"runs": [RUN...]}: the library indents it so. */
#define RUN_JSON_FLAGS (CKPT_JSON_PRETTY | CKPT_JSON_AT_DEPTH(2))

static void *prepare_run(ckpt_run *run, void *payload)
{
	listing *l = payload;
	prepared *p = calloc(1, sizeof *p);
	if (!p || !(p->wanted = wanted(l->o, run)) || !l->o->json)
		return p;
	if (ckpt_run_to_json(&p->text, run, RUN_JSON_FLAGS) != 0)
		p->error = strdup(ckpt_error_last());
	return p;
}

static void discard_prepared(void *item, void *payload)
{
	(void)payload;
	prepared *p = item;
	if (p) {
		ckpt_free(p->text);
		free(p->error);
	}
	free(p);
}

/* The prepared run to list, or NULL: not wanted, or failed (said). */
static prepared *to_list(listing *l, void *item)
{
	prepared *p = item;
	if (p && !p->wanted) {
		discard_prepared(p, NULL);
		return NULL;
	}
	if (!p || (l->o->json && !p->text)) {
		cli_error("ls", "%s", p && p->error ? p->error : "out of memory");
		discard_prepared(p, NULL);
		l->failed = true;
		return NULL;
	}
	return p;
}

static int stream_run(ckpt_run *run, void *item, void *payload)
{
	listing *l = payload;
	prepared *p = to_list(l, item);
	if (!p)
		return l->failed;
	cli_json_stream_indented(&l->j, p->text);
	p->text = NULL;
	discard_prepared(p, NULL);
	add_to_totals(&l->t, run);
	return 0;
}

static char *dup_or_null(const char *text, bool *failed)
{
	char *copy = text ? strdup(text) : NULL;
	*failed = *failed || (text && !copy);
	return copy;
}

static int keep_row(ckpt_run *run, void *item, void *payload)
{
	listing *l = payload;
	prepared *p = to_list(l, item);
	if (!p)
		return l->failed;
	if (l->n_rows == l->cap_rows) {
		size_t cap = l->cap_rows ? 2 * l->cap_rows : 64;
		ls_row *grown = realloc(l->rows, cap * sizeof *grown);
		if (!grown) {
			discard_prepared(p, NULL);
			cli_error("ls", "out of memory");
			return l->failed = true;
		}
		l->rows = grown;
		l->cap_rows = cap;
	}
	ls_row *r = &l->rows[l->n_rows];
	*r = (ls_row){.json = p->text,
		      .best = ckpt_run_best(run),
		      .last = ckpt_run_last(run),
		      .best_state = ckpt_run_best_state(run),
		      .last_state = ckpt_run_last_state(run),
		      .updated = ckpt_run_updated(run),
		      .epochs = ckpt_run_epoch_count(run),
		      .bytes = ckpt_run_total_bytes(run)};
	p->text = NULL;
	discard_prepared(p, NULL);
	bool failed = false;
	r->name = dup_or_null(ckpt_run_name(run), &failed);
	r->metric = dup_or_null(ckpt_run_metric(run), &failed);
	r->health = dup_or_null(ckpt_run_health_text(run), &failed);
	r->has_value = r->metric && ckpt_run_best_metric(&r->value, run);
	cli_run_key_of(&r->key, run);
	r->key.name = r->name ? r->name : "";
	l->n_rows++;
	add_to_totals(&l->t, run);
	if (failed) {
		cli_error("ls", "out of memory");
		l->failed = true;
	}
	return l->failed;
}

static void listing_free(listing *l)
{
	for (size_t i = 0; i < l->n_rows; i++) {
		ls_row *r = &l->rows[i];
		free(r->name);
		free(r->metric);
		free(r->health);
		ckpt_free(r->json);
	}
	free(l->rows);
	cli_json_free(&l->j);
}

static cli_sort sorting;

static int compare_rows(const void *a, const void *b)
{
	return cli_run_key_compare(&((const ls_row *)a)->key, &((const ls_row *)b)->key, sorting);
}

/* ---- printing ------------------------------------------------------------- */

/* "12 runs, 340 epochs, 1.2 GiB; 1 live, 2 with problems", its two halves
 * on two lines when a narrow terminal would wrap it. */
static void print_totals(const totals *t, size_t unreadable)
{
	char size[FMT_SHORT], counts[160], problems[160] = "";
	snprintf(counts, sizeof counts, "%zu run%s, %zu epoch%s, %s", t->runs,
		 t->runs == 1 ? "" : "s", t->epochs, t->epochs == 1 ? "" : "s",
		 fmt_size(size, t->bytes));
	size_t len = 0;
	if (t->live)
		len += (size_t)snprintf(problems + len, sizeof problems - len, "%zu live", t->live);
	if (t->problems)
		len += (size_t)snprintf(problems + len, sizeof problems - len, "%s%zu with problems",
					len ? ", " : "", t->problems);
	if (unreadable)
		snprintf(problems + len, sizeof problems - len, "%s%zu unreadable", len ? ", " : "",
			 unreadable);
	size_t width = cli_terminal_width();
	if (!problems[0])
		printf("%s\n", counts);
	else if (width && strlen(counts) + 2 + strlen(problems) > width)
		printf("%s;\n%s\n", counts, problems);
	else
		printf("%s; %s\n", counts, problems);
}

enum { C_NAME, C_EPOCHS, C_BEST, C_LAST, C_SIZE, C_SAVED, C_STATUS, C_METRIC, C_VALUE, N_COLS };

/* Least useful first: the size goes, the status, names and links narrow
 * (never below a link's epoch number), then when it was saved and the
 * metric's name go, the status narrows further... the epochs on disk and
 * the metric's value go last. */
static const fmt_column columns[N_COLS] = {
    [C_NAME] = {"NAME", FMT_LEFT, FMT_COL_NAME, 25, 0, 14},
    [C_EPOCHS] = {"EPOCHS", FMT_RIGHT, FMT_COL_ATOM, 0, 70, 0},
    [C_BEST] = {"BEST", FMT_LEFT, FMT_COL_TEXT, 20, 60, 0},
    [C_LAST] = {"LAST", FMT_LEFT, FMT_COL_TEXT, 20, 65, 0},
    [C_SIZE] = {"SIZE", FMT_RIGHT, FMT_COL_ATOM, 0, 10, 0},
    [C_SAVED] = {"SAVED", FMT_LEFT, FMT_COL_ATOM, 0, 40, 0},
    [C_STATUS] = {"STATUS", FMT_LEFT, FMT_COL_TEXT, 15, 50, 12},
    [C_METRIC] = {"METRIC", FMT_LEFT, FMT_COL_NAME, 30, 35, 10},
    [C_VALUE] = {"VALUE", FMT_RIGHT, FMT_COL_ATOM, 0, 80, 0},
};

/* The columns for these runs: a metric name shared by all of them heads the
 * value column instead of filling a column of its own; a link cell narrows
 * no further than its epoch number and the start of its state. */
static size_t ls_columns(fmt_column *out, int *map, const ls_row *rows, size_t n)
{
	const char *shared = NULL;
	bool same = true;
	int64_t widest = 0;
	for (size_t i = 0; i < n; i++) {
		const char *metric = rows[i].metric;
		if (metric && (!shared || strcmp(shared, metric) == 0))
			shared = metric;
		else if (metric)
			same = false;
		int64_t best = rows[i].best, last = rows[i].last;
		widest = best > widest ? best : last > widest ? last : widest;
	}
	size_t digits = 1;
	for (; widest >= 10; widest /= 10)
		digits++;
	size_t k = 0;
	for (int c = 0; c < N_COLS; c++) {
		if (c == C_METRIC && same && shared)
			continue;
		map[k] = c;
		out[k] = columns[c];
		if (c == C_VALUE && same && shared)
			out[k].header = cli_text(shared);
		if (c == C_BEST || c == C_LAST)
			out[k].min_width = digits + 3;
		k++;
	}
	return k;
}

static int print_table(const listing *l, const cli_runs *all)
{
	const ls_row *rows = l->rows;
	size_t n = l->n_rows;
	double *values = calloc(n ? n : 1, sizeof *values);
	size_t n_values = 0;
	for (size_t i = 0; values && i < n; i++)
		if (rows[i].has_value)
			values[n_values++] = rows[i].value;
	int digits = values ? fmt_distinct_digits(values, n_values) : 6;
	free(values);
	fmt_column cols[N_COLS];
	int map[N_COLS];
	size_t ncols = ls_columns(cols, map, rows, n);
	fmt_table *table = fmt_table_new(ncols, cols);
	fmt_table_set_ascii(table, cli_ascii());
	int rc = table ? 0 : -1;
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const ls_row *r = &rows[i];
		char epochs[32], best[64], last[64], size[FMT_SHORT], saved[FMT_SHORT],
		    value[FMT_SHORT] = "-";
		snprintf(epochs, sizeof epochs, "%zu", r->epochs);
		if (r->has_value)
			fmt_metric_digits(value, r->value, digits);
		const char *all_cells[N_COLS] = {
		    [C_NAME] = cli_text(r->name),
		    [C_EPOCHS] = epochs,
		    [C_BEST] = cli_link_cell(best, sizeof best, r->best, r->best_state),
		    [C_LAST] = cli_link_cell(last, sizeof last, r->last, r->last_state),
		    [C_SIZE] = fmt_size(size, r->bytes),
		    [C_SAVED] = fmt_age(saved, r->updated, now),
		    [C_STATUS] = cli_text(r->health),
		    [C_METRIC] = r->metric ? cli_text(r->metric) : "-",
		    [C_VALUE] = value,
		};
		const char *cells[N_COLS];
		for (size_t c = 0; c < ncols; c++)
			cells[c] = all_cells[map[c]];
		rc = fmt_table_add_row(table, cells);
	}
	char *text = rc == 0 ? fmt_table_render(table, cli_terminal_width()) : NULL;
	fmt_table_free(table);
	if (!text) {
		cli_error("ls", "out of memory");
		return CLI_USAGE;
	}
	if (n)
		fputs(text, stdout);
	free(text);
	if (n || all->n_found)
		print_totals(&l->t, all->n_problems);
	return CLI_OK;
}

static void put_totals(cli_json *j, const totals *t, size_t unreadable)
{
	cli_json_key(j, "totals");
	cli_json_object(j);
	cli_json_key(j, "runs");
	cli_json_int(j, (int64_t)t->runs);
	cli_json_key(j, "epochs");
	cli_json_int(j, (int64_t)t->epochs);
	cli_json_key(j, "bytes");
	cli_json_int(j, (int64_t)t->bytes);
	cli_json_key(j, "live");
	cli_json_int(j, (int64_t)t->live);
	cli_json_key(j, "problems");
	cli_json_int(j, (int64_t)t->problems);
	cli_json_key(j, "unreadable");
	cli_json_int(j, (int64_t)unreadable);
	cli_json_end(j);
}

/* What follows the runs in the JSON: the problems and the totals. */
static int finish_json(listing *l, const cli_runs *all)
{
	cli_json_end(&l->j);
	cli_json_key(&l->j, "problems");
	cli_runs_problems_json(all, &l->j);
	put_totals(&l->j, &l->t, all->n_problems);
	cli_json_end(&l->j);
	return cli_json_print(&l->j, "ls");
}

/* The filters left nothing of the runs found. */
static void say_none_wanted(const ls_opts *o, size_t found)
{
	cli_error("ls", "none of the %zu runs found is %s", found,
		  o->live && o->problems ? "live with problems"
		  : o->live             ? "live"
					: "with problems");
}

/* Lists the runs under every PATH: --json by name streams each run out as
 * it is read (nothing held but the runs being read), anything else is
 * sorted or sized once every row is in. */
static int list_runs(const ls_opts *o, const cli_paths *paths)
{
	bool streaming = o->json && o->sort == CLI_SORT_NAME;
	/* A run's text is tens of KiB: written in 64 KiB pieces, not in one
	 * or two calls each (a terminal still sees each run as it comes).
	 * glibc ignores the size unless it is given the buffer. */
	static char out_buffer[1 << 16];
	if (streaming && !isatty(STDOUT_FILENO))
		setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
	listing l = {.o = o};
	cli_json_init(&l.j);
	cli_json_object(&l.j);
	cli_json_key(&l.j, "runs");
	cli_json_array(&l.j);
	if (streaming)
		cli_json_flush(&l.j);
	cli_runs all;
	/* Each run's text is made on the reading threads; this one only writes. */
	ckpt_scan_hooks hooks = {prepare_run, streaming ? stream_run : keep_row, discard_prepared,
				 &l};
	cli_runs_scan_hooked(&all, "ls", paths, o->depth, &hooks);
	int rc = all.oom || l.failed ? CLI_USAGE : all.cancelled ? CLI_INTERRUPTED : CLI_OK;
	if (rc == CLI_OK && l.t.runs == 0 && all.n_found > 0)
		say_none_wanted(o, all.n_found);
	if (rc == CLI_OK && !streaming && o->sort != CLI_SORT_NAME) {
		/* By name is the scan's own order within each PATH: kept as found. */
		sorting = o->sort;
		qsort(l.rows, l.n_rows, sizeof *l.rows, compare_rows);
	}
	for (size_t i = 0; rc == CLI_OK && o->json && !streaming && i < l.n_rows; i++) {
		cli_json_put_indented(&l.j, l.rows[i].json); /* taken */
		l.rows[i].json = NULL;
	}
	if (rc == CLI_OK)
		rc = o->json ? finish_json(&l, &all) : print_table(&l, &all);
	if (rc == CLI_OK && (all.path_failed || (all.n_found == 0 && all.n_problems > 0)))
		rc = CLI_USAGE;
	listing_free(&l);
	cli_runs_free(&all);
	return rc;
}

/* ---- the command ------------------------------------------------------------ */

static int parse(ls_opts *o, int argc, char **argv, cli_paths *paths)
{
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	int id;
	while ((id = cli_next(&p, &value)) != CLI_ARG_END) {
		long depth;
		switch (id) {
		case OPT_JSON: o->json = true; break;
		case OPT_DEPTH:
			if (!cli_parse_long("ls", "--depth", value, 1, 1000, &depth))
				return CLI_USAGE;
			o->depth = (int)depth;
			break;
		case OPT_SORT:
			if (!cli_sort_from_name(&o->sort, value))
				return cli_usage_error(
				    "ls", "--sort must be name, metric, updated or size, not '%s'",
				    value);
			break;
		case OPT_LIVE: o->live = true; break;
		case OPT_PROBLEMS: o->problems = true; break;
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
	ls_opts o = {0};
	cli_paths paths;
	if (!cli_paths_init(&paths, "ls", argc))
		return CLI_USAGE;
	int rc = parse(&o, argc, argv, &paths);
	if (rc == CLI_OK) {
		cli_paths_or_here(&paths);
		rc = list_runs(&o, &paths);
	}
	cli_paths_free(&paths);
	return rc == CLI_STOP ? CLI_OK : rc;
}
