/* cmd-show.c: `ckpt show`: one run's summary and its epochs table (with
 * each epoch's health and checksum state from this user's verify records),
 * or with EPOCH every field the library read for that epoch. */
#include "cli.h"
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "Usage: ckpt show RUN [EPOCH] [--json]\n"
    "\n"
    "Show a run (a checkpoint root or a run folder): its layout, metric, best and\n"
    "last links, size, keep policy, when it last saved and its status, then one\n"
    "row per epoch on disk with its health and checksum state (from the last\n"
    "'ckpt verify': not checked, ok 3 h ago, MISMATCH, changed since verified,\n"
    "disabled). With EPOCH, show that epoch's details: every ckpt-info.json\n"
    "field, its extra metrics, writer session and verify record.\n"
    "\n"
    "Options:\n"
    "  --json       the run as one RUN object (as in 'ckpt ls --json'); with EPOCH,\n"
    "               its EPOCH object plus run, save_best_metric, time_elapsed,\n"
    "               metadata, session, info_error, is_best and is_last\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 shown, 2 usage error, unreadable run or no such epoch.\n";

enum { OPT_JSON = 1 };

static const cli_option options[] = {
    {"json", false, OPT_JSON},
    {NULL, false, 0},
};

/* "2026-03-02 09:00:46" in local time, or "-". */
static const char *local_time(char out[FMT_SHORT], int64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;
	if (when <= 0 || !localtime_r(&t, &tm) ||
	    !strftime(out, FMT_SHORT, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, FMT_SHORT, "-");
	return out;
}

static const char *keep_text(char *out, size_t size, const ckpt_run *run)
{
	int64_t limit;
	ckpt_keep_mode mode;
	bool own = ckpt_run_keep_policy(&limit, &mode, run);
	snprintf(out, size, "%lld, %s (%s)", (long long)limit, ckpt_keep_mode_name(mode),
		 own ? "the run's own" : "a guess: the original records none");
	return out;
}

static void print_writer(const ckpt_run *run)
{
	if (!ckpt_run_writer_pid(run))
		return;
	const char *host = ckpt_run_writer_host(run), *since = ckpt_run_writer_since(run);
	printf("writer   pid %lld on %s since %s (%s)\n", (long long)ckpt_run_writer_pid(run),
	       host ? cli_text(host) : "?", since ? cli_text(since) : "?",
	       ckpt_run_live(run) ? "training live"
				  : "exited; its lock is kept by a leftover process");
}

static void print_summary(const ckpt_run *run)
{
	char best[64], last[64], size[FMT_SHORT], age[FMT_SHORT], when[FMT_SHORT], keep[160];
	const char *metric = ckpt_run_metric(run);
	printf("run      %s\n", cli_text(ckpt_run_name(run)));
	printf("folder   %s\n", cli_text(ckpt_run_folder(run)));
	printf("root     %s\n", cli_text(ckpt_run_root(run)));
	printf("layout   %s\n", ckpt_layout_name(ckpt_run_layout(run)));
	printf("metric   %s (%s)\n", metric ? cli_text(metric) : "-",
	       cli_direction_text(ckpt_run_direction(run)));
	printf("best     %s\n",
	       cli_link_text(best, sizeof best, ckpt_run_best(run), ckpt_run_best_state(run)));
	printf("last     %s\n",
	       cli_link_text(last, sizeof last, ckpt_run_last(run), ckpt_run_last_state(run)));
	printf("size     %s in %zu epochs\n", fmt_size(size, ckpt_run_total_bytes(run)),
	       ckpt_run_epoch_count(run));
	int64_t updated = ckpt_run_updated(run);
	if (updated > 0)
		printf("saved    %s (%s)\n", fmt_age(age, updated, (int64_t)time(NULL)),
		       local_time(when, updated));
	else
		printf("saved    never\n");
	printf("keep     %s\n", keep_text(keep, sizeof keep, run));
	print_writer(run);
	for (size_t i = 0; i < ckpt_run_stray_count(run); i++)
		printf("stray    %s\n", cli_text(ckpt_run_stray(run, i)));
	printf("status   %s\n", cli_text(ckpt_run_health_text(run)));
}

enum {
	C_EPOCH,
	C_INFO,
	C_MODEL,
	C_SUM,
	C_BML,
	C_METRIC,
	C_TIME,
	C_CHECK,
	C_HEALTH,
	C_MARKS,
	N_COLS
};

/* Least useful first: the timestamp, the stored checksum text, what HEALTH
 * already sums up (info, model); the metric and the markers stay longest. */
static const fmt_column columns[N_COLS] = {
    [C_EPOCH] = {"EPOCH", FMT_RIGHT, FMT_COL_ATOM, 0, 0, 0},
    [C_INFO] = {"INFO", FMT_LEFT, FMT_COL_ATOM, 0, 25, 0},
    [C_MODEL] = {"MODEL", FMT_RIGHT, FMT_COL_ATOM, 0, 20, 0},
    [C_SUM] = {"CHECKSUM", FMT_LEFT, FMT_COL_NAME, 15, 30, 8},
    [C_BML] = {"BEST_METRIC_LAST", FMT_RIGHT, FMT_COL_ATOM, 0, 40, 0},
    [C_METRIC] = {"METRIC", FMT_RIGHT, FMT_COL_ATOM, 0, 80, 0},
    [C_TIME] = {"TIMESTAMP", FMT_LEFT, FMT_COL_ATOM, 0, 10, 0},
    [C_CHECK] = {"CHECK", FMT_LEFT, FMT_COL_ATOM, 0, 60, 0},
    [C_HEALTH] = {"HEALTH", FMT_LEFT, FMT_COL_ATOM, 0, 70, 0},
    [C_MARKS] = {"", FMT_LEFT, FMT_COL_ATOM, 0, 90, 0},
};

/* The digits each number column needs to tell its values apart. */
static void column_digits(const ckpt_run *run, int *bml_digits, int *metric_digits)
{
	size_t n = ckpt_run_epoch_count(run), n_bml = 0, n_metric = 0;
	double *bml = calloc(n ? n : 1, sizeof *bml), *metric = calloc(n ? n : 1, sizeof *metric);
	for (size_t i = 0; bml && metric && i < n; i++) {
		const ckpt_epoch *e = ckpt_run_epoch(run, i);
		n_bml += ckpt_epoch_best_metric_last(&bml[n_bml], e);
		n_metric += ckpt_epoch_metric(&metric[n_metric], e);
	}
	*bml_digits = bml && metric ? fmt_distinct_digits(bml, n_bml) : 6;
	*metric_digits = bml && metric ? fmt_distinct_digits(metric, n_metric) : 6;
	free(bml);
	free(metric);
}

static const char *model_text(char out[FMT_SHORT], const ckpt_epoch *e)
{
	if (ckpt_epoch_model_state(e) != CKPT_MODEL_OK)
		snprintf(out, FMT_SHORT, "%s", ckpt_model_state_name(ckpt_epoch_model_state(e)));
	else
		fmt_size(out, (uint64_t)ckpt_epoch_model_bytes(e));
	return out;
}

static const char *checksum_text(const ckpt_epoch *e)
{
	switch (ckpt_epoch_checksum_kind(e)) {
	case CKPT_CHECKSUM_KIND_DISABLED: return "disabled";
	case CKPT_CHECKSUM_KIND_NONE: return "-";
	default: return cli_text(ckpt_epoch_checksum(e));
	}
}

static const char *check_text(char out[FMT_SHORT], const ckpt_epoch *e, int64_t now)
{
	ckpt_verify_result result = CKPT_VERIFY_OK;
	int64_t when = 0;
	ckpt_check_state state = ckpt_epoch_check(&result, &when, e);
	return fmt_check(out, ckpt_epoch_checksum_kind(e), state, result, when, now);
}

static int print_epochs(const ckpt_run *run)
{
	int bml_digits, metric_digits;
	column_digits(run, &bml_digits, &metric_digits);
	fmt_table *table = fmt_table_new(N_COLS, columns);
	fmt_table_set_ascii(table, cli_ascii());
	int rc = table ? 0 : -1;
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; rc == 0 && i < ckpt_run_epoch_count(run); i++) {
		const ckpt_epoch *e = ckpt_run_epoch(run, i);
		char epoch[32], model[FMT_SHORT], bml[FMT_SHORT] = "-", metric[FMT_SHORT] = "-",
						  check[FMT_SHORT], marks[32];
		double v;
		snprintf(epoch, sizeof epoch, "%lld", (long long)ckpt_epoch_number(e));
		if (ckpt_epoch_best_metric_last(&v, e))
			fmt_metric_digits(bml, v, bml_digits);
		if (ckpt_epoch_metric(&v, e))
			fmt_metric_digits(metric, v, metric_digits);
		const char *timestamp = ckpt_epoch_timestamp(e);
		const char *cells[N_COLS] = {
		    [C_EPOCH] = epoch,
		    [C_INFO] = ckpt_info_state_name(ckpt_epoch_info_state(e)),
		    [C_MODEL] = model_text(model, e),
		    [C_SUM] = checksum_text(e),
		    [C_BML] = bml,
		    [C_METRIC] = metric,
		    [C_TIME] = timestamp ? cli_text(timestamp) : "-",
		    [C_CHECK] = check_text(check, e, now),
		    [C_HEALTH] = ckpt_epoch_state_name(ckpt_epoch_health(e)),
		    [C_MARKS] = cli_marks_text(marks, sizeof marks, run, ckpt_epoch_number(e)),
		};
		rc = fmt_table_add_row(table, cells);
	}
	char *text = rc == 0 ? fmt_table_render(table, cli_terminal_width()) : NULL;
	fmt_table_free(table);
	if (!text) {
		cli_error("show", "out of memory");
		return CLI_USAGE;
	}
	fputs(text, stdout);
	free(text);
	return CLI_OK;
}

/* ---- one epoch ------------------------------------------------------------- */

/* "2 (of 3)": the writer session whose save is on disk, by the history's
 * numbering (from 1, as `ckpt history` shows it). */
static void print_session(const ckpt_run *run, int64_t epoch)
{
	ckpt_history *h = NULL;
	int session = 0;
	if (ckpt_history_load(&h, run) == 0)
		for (size_t i = 0; i < ckpt_history_count(h); i++)
			if (ckpt_history_epoch(h, i) == epoch && ckpt_history_on_disk(h, i, run))
				session = ckpt_history_session(h, i);
	if (session)
		printf("session           %d (of %zu)\n", session, ckpt_history_session_count(h));
	else
		printf("session           -\n");
	ckpt_history_free(h);
}

static void print_check(const ckpt_epoch *e)
{
	char age[FMT_SHORT], when_text[FMT_SHORT];
	ckpt_verify_result result = CKPT_VERIFY_OK;
	int64_t when = 0;
	ckpt_check_state state = ckpt_epoch_check(&result, &when, e);
	if (state == CKPT_CHECK_NEVER)
		printf("verified          never\n");
	else
		printf("verified          %s %s (%s)%s\n", ckpt_verify_result_name(result),
		       fmt_age(age, when, (int64_t)time(NULL)), local_time(when_text, when),
		       state == CKPT_CHECK_CHANGED ? "; its files changed since" : "");
}

static void print_epoch(const ckpt_run *run, const ckpt_epoch *e)
{
	char text[FMT_SHORT], size[FMT_SHORT], marks[32];
	double v;
	const char *info_error = ckpt_epoch_info_error(e), *sbm = ckpt_epoch_save_best_metric(e);
	const char *timestamp = ckpt_epoch_timestamp(e), *metadata = ckpt_epoch_metadata(e);
	printf("run               %s\n", cli_text(ckpt_run_name(run)));
	printf("epoch             %lld\n", (long long)ckpt_epoch_number(e));
	printf("dir               %s\n", cli_text(ckpt_epoch_dir(e)));
	printf("health            %s\n", ckpt_epoch_state_name(ckpt_epoch_health(e)));
	printf("info              %s\n", ckpt_info_state_name(ckpt_epoch_info_state(e)));
	if (info_error)
		printf("info_error        %s\n", cli_text(info_error));
	if (ckpt_epoch_model_state(e) == CKPT_MODEL_OK)
		printf("model             %lld bytes (%s)\n", (long long)ckpt_epoch_model_bytes(e),
		       fmt_size(size, (uint64_t)ckpt_epoch_model_bytes(e)));
	else
		printf("model             %s\n", ckpt_model_state_name(ckpt_epoch_model_state(e)));
	printf("checksum          %s\n", checksum_text(e));
	print_check(e);
	printf("save_best_metric  %s\n", sbm ? cli_text(sbm) : "-");
	printf("best_metric_last  %s\n",
	       ckpt_epoch_best_metric_last(&v, e) ? fmt_metric_exact(text, v) : "-");
	printf("metric            %s\n",
	       ckpt_epoch_metric(&v, e) ? fmt_metric_exact(text, v) : "-");
	for (size_t i = 0; i < ckpt_epoch_extra_count(e); i++)
		printf("metrics.%-9s %s\n", cli_text(ckpt_epoch_extra_name(e, i)),
		       fmt_metric_exact(text, ckpt_epoch_extra_value(e, i)));
	printf("timestamp         %s\n", timestamp ? cli_text(timestamp) : "-");
	if (ckpt_epoch_first_save(e))
		printf("time_elapsed      - (its writer's first save)\n");
	else if (ckpt_epoch_time_elapsed(&v, e))
		printf("time_elapsed      %s (%s)\n", fmt_metric_exact(text, v),
		       fmt_duration(size, v));
	else
		printf("time_elapsed      -\n");
	print_session(run, ckpt_epoch_number(e));
	printf("metadata          %s\n", metadata ? cli_text(metadata) : "null");
	cli_marks_text(marks, sizeof marks, run, ckpt_epoch_number(e));
	printf("links             %s\n", marks[0] ? marks : "-");
}

/* ---- the command ------------------------------------------------------------ */

/* {"run": NAME, "epoch": N, "error": {...}}: a --json call says why it failed. */
static void print_json_error(const char *run_name, long epoch, int rc, const char *message)
{
	cli_json j;
	cli_json_init(&j);
	cli_json_object(&j);
	cli_json_key(&j, "run");
	cli_json_string(&j, run_name);
	if (epoch > 0) {
		cli_json_key(&j, "epoch");
		cli_json_int(&j, epoch);
	}
	cli_json_error(&j, rc, NULL, message);
	cli_json_end(&j);
	cli_json_print(&j, "show");
	cli_json_free(&j);
}

static int show_json(const ckpt_run *run, const ckpt_epoch *e)
{
	char *text = NULL;
	int rc = e ? ckpt_epoch_to_json(&text, run, e, CKPT_JSON_PRETTY)
		   : ckpt_run_to_json(&text, run, CKPT_JSON_PRETTY);
	if (rc != 0) {
		cli_lib_error("show");
		return CLI_USAGE;
	}
	puts(text);
	ckpt_free(text);
	return CLI_OK;
}

static int show(const ckpt_run *run, bool json, long epoch)
{
	const ckpt_epoch *e = epoch > 0 ? ckpt_run_find_epoch(run, epoch) : NULL;
	if (epoch > 0 && !e) {
		cli_error("show", "%s: no epoch %ld on disk", ckpt_run_name(run), epoch);
		if (json) {
			char message[512];
			snprintf(message, sizeof message, "no epoch %ld on disk", epoch);
			print_json_error(ckpt_run_name(run), epoch, CKPT_ENOENT, message);
		}
		return CLI_USAGE;
	}
	if (json)
		return show_json(run, e);
	if (e) {
		print_epoch(run, e);
		return CLI_OK;
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
	int lib_rc = 0;
	int rc = cli_open_run("show", positional[0], &run, &lib_rc);
	if (rc != CLI_OK && json)
		print_json_error(NULL, epoch, lib_rc, ckpt_error_last());
	if (rc == CLI_OK)
		rc = show(run, json, epoch);
	ckpt_run_unref(run);
	return rc;
}
