/* cmd-verify.c: `ckpt verify`: checks the stored checksum of every epoch
 * (or one epoch) of the runs under each PATH with the streaming ckpt_verify,
 * printing each result as it arrives, with a progress line on a terminal
 * and Ctrl-C cancelling through the library's cancel flag. */
#include "cli.h"
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "Usage: ckpt verify [--json] [--epoch N] [--changed] [--depth N] [PATH...]\n"
    "\n"
    "Recompute the checksum of each epoch's model in every run found under each\n"
    "PATH (default: the current folder) and compare it with the one stored in\n"
    "ckpt-info.json. Results per epoch: ok, mismatch (with the stored and computed\n"
    "checksums), missing-model, no-checksum (checksums were disabled), no-info (no\n"
    "or unreadable ckpt-info.json), unreadable (I/O or permission error), gone\n"
    "(removed by a live writer's retention while verify ran). Results are\n"
    "remembered (in $XDG_CACHE_HOME/ckpt) for 'ckpt show' and 'ckpt clean'. A\n"
    "progress line is shown on stderr when it is a terminal; Ctrl-C stops cleanly.\n"
    "\n"
    "Options:\n"
    "  --json       {\"runs\": [{\"name\", \"path\", \"verify\": [{\"epoch\", \"result\",\n"
    "               \"is_best\", \"is_last\", \"stored\", \"computed\", \"from_record\",\n"
    "               \"checked_at\"}], \"missing\": [N]}], \"problems\": [...]}\n"
    "  --epoch N    verify only epoch N of each run (runs without it are noted)\n"
    "  --changed    read only epochs whose files changed since their last verify\n"
    "               (or that were never verified); report the others from that\n"
    "               record. Without it every byte is read again: bit rot does not\n"
    "               change a file's modification time.\n"
    "  --depth N    look at most N folders down for runs (default 6)\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 every result is ok, no-checksum or gone (also when no run was\n"
    "found), 1 anything else (or a run could not be read), 2 usage error, missing\n"
    "PATH, no readable run, or no run has epoch N; 130 interrupted.\n";

enum { OPT_JSON = 1, OPT_EPOCH, OPT_DEPTH, OPT_CHANGED };

static const cli_option options[] = {
    {"json", false, OPT_JSON},       {"epoch", true, OPT_EPOCH}, {"depth", true, OPT_DEPTH},
    {"changed", false, OPT_CHANGED}, {NULL, false, 0},
};

typedef struct verify_state {
	bool json;
	long epoch; /* 0: all */
	int depth;
	unsigned flags;
	cli_json j;
	/* the run being verified, for on_item */
	const ckpt_run *run;
	cli_progress progress;
	size_t counts[CKPT_VERIFY_GONE + 1];
	int64_t now;
	/* the whole call */
	size_t n_verified, n_without_epoch;
	bool bad_result, run_failed, cancelled;
} verify_state;

/* "28 (best)": the epoch and which link names it. */
static const char *epoch_label(char *out, size_t size, const ckpt_run *run, int64_t epoch)
{
	char marks[32];
	cli_marks_text(marks, sizeof marks, run, epoch);
	snprintf(out, size, "%lld%s%s%s", (long long)epoch, marks[0] ? " (" : "", marks,
		 marks[0] ? ")" : "");
	return out;
}

static void print_item(verify_state *st, const ckpt_verify_item *item)
{
	char label[64], age[FMT_SHORT];
	printf("  epoch %s: %s", epoch_label(label, sizeof label, st->run, item->epoch),
	       ckpt_verify_result_name(item->result));
	if (item->from_record)
		printf(" (from record, %s)", fmt_age(age, item->checked_at, st->now));
	if (item->result == CKPT_VERIFY_MISMATCH && item->stored)
		printf("; stored %s", cli_text(item->stored));
	if (item->result == CKPT_VERIFY_MISMATCH && item->computed)
		printf(", computed %s", cli_text(item->computed));
	putchar('\n');
}

static void json_item(verify_state *st, const ckpt_verify_item *item)
{
	cli_json *j = &st->j;
	cli_json_object(j);
	cli_json_key(j, "epoch");
	cli_json_int(j, item->epoch);
	cli_json_key(j, "result");
	cli_json_string(j, ckpt_verify_result_name(item->result));
	cli_json_key(j, "is_best");
	cli_json_bool(j, ckpt_run_best(st->run) == item->epoch);
	cli_json_key(j, "is_last");
	cli_json_bool(j, ckpt_run_last(st->run) == item->epoch);
	cli_json_key(j, "stored");
	cli_json_string(j, item->stored);
	cli_json_key(j, "computed");
	cli_json_string(j, item->computed);
	cli_json_key(j, "from_record");
	cli_json_bool(j, item->from_record);
	cli_json_key(j, "checked_at");
	cli_json_int(j, item->checked_at);
	cli_json_end(j);
}

static int on_item(const ckpt_verify_item *item, void *payload)
{
	verify_state *st = payload;
	if ((int)item->result >= 0 && item->result <= CKPT_VERIFY_GONE)
		st->counts[item->result]++;
	st->bad_result = st->bad_result || ckpt_verify_result_is_problem(item->result);
	cli_progress_clear(&st->progress);
	if (st->json)
		json_item(st, item);
	else
		print_item(st, item);
	fflush(stdout);
	return 0;
}

/* "nt3: 5 epochs: 4 ok, 1 mismatch". */
static void print_counts(const verify_state *st, size_t n)
{
	printf("%s: %zu epoch%s", cli_text(ckpt_run_name(st->run)), n, n == 1 ? "" : "s");
	const char *sep = ": ";
	for (int r = 0; r <= CKPT_VERIFY_GONE; r++) {
		if (st->counts[r]) {
			printf("%s%zu %s", sep, st->counts[r],
			       ckpt_verify_result_name((ckpt_verify_result)r));
			sep = ", ";
		}
	}
	putchar('\n');
}

/* Verifies one run (or its epoch st->epoch). */
static void verify_run(verify_state *st, const ckpt_run *run)
{
	int64_t wanted = st->epoch;
	bool missing = wanted && !ckpt_run_find_epoch(run, wanted);
	size_t n = wanted ? !missing : ckpt_run_epoch_count(run);
	st->run = run;
	memset(st->counts, 0, sizeof st->counts);
	if (st->json) {
		cli_json_object(&st->j);
		cli_json_key(&st->j, "name");
		cli_json_string(&st->j, ckpt_run_name(run));
		/* The same "path" as ls --json gives: the checkpoint root. */
		cli_json_key(&st->j, "path");
		cli_json_string(&st->j, ckpt_run_root(run));
		cli_json_key(&st->j, "verify");
		cli_json_array(&st->j);
	}
	int rc = 0;
	if (missing) {
		st->n_without_epoch++;
		cli_error("verify", "%s: no epoch %ld on disk", ckpt_run_name(run), st->epoch);
	} else {
		if (!st->json)
			printf("%s: verifying %zu epoch%s\n", cli_text(ckpt_run_name(run)), n,
			       n == 1 ? "" : "s");
		cli_progress_init(&st->progress, ckpt_run_name(run));
		rc = ckpt_verify(run, wanted ? &wanted : NULL, wanted ? 1 : 0, st->flags,
				 &st->progress.base, on_item, st);
		cli_progress_clear(&st->progress);
	}
	if (rc == CKPT_ECANCELLED || cli_cancelled()) {
		st->cancelled = true;
	} else if (rc != 0) {
		cli_lib_error("verify");
		st->run_failed = true;
	} else if (!missing) {
		st->n_verified++;
		if (!st->json)
			print_counts(st, n);
	}
	if (st->json) {
		cli_json_end(&st->j);
		cli_json_key(&st->j, "missing");
		cli_json_array(&st->j);
		if (missing)
			cli_json_int(&st->j, wanted);
		cli_json_end(&st->j);
		cli_json_end(&st->j);
	}
	fflush(stdout);
}

static int exit_status(const verify_state *st, const cli_runs *runs)
{
	if (st->cancelled || runs->cancelled) {
		cli_error("verify", "cancelled");
		return CLI_INTERRUPTED;
	}
	if (runs->path_failed || (runs->n == 0 && runs->n_problems > 0))
		return CLI_USAGE;
	if (st->bad_result || st->run_failed || runs->n_problems > 0)
		return CLI_PROBLEMS;
	/* Epoch N is in none of the runs: no such epoch, the user's input. */
	if (st->epoch && runs->n > 0 && st->n_without_epoch == runs->n)
		return CLI_USAGE;
	return CLI_OK;
}

static int parse(verify_state *st, int argc, char **argv, cli_paths *paths)
{
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	int id;
	long number;
	while ((id = cli_next(&p, &value)) != CLI_ARG_END) {
		switch (id) {
		case OPT_JSON: st->json = true; break;
		case OPT_EPOCH:
			if (!cli_parse_long("verify", "--epoch", value, 1, 999999999, &st->epoch))
				return CLI_USAGE;
			break;
		case OPT_DEPTH:
			if (!cli_parse_long("verify", "--depth", value, 1, 1000, &number))
				return CLI_USAGE;
			st->depth = (int)number;
			break;
		case OPT_CHANGED: st->flags |= CKPT_VERIFY_CHANGED; break;
		case CLI_ARG_POSITIONAL: paths->items[paths->n++] = value; break;
		case CLI_ARG_HELP: return cli_help(usage);
		case CLI_ARG_UNKNOWN:
			return cli_usage_error("verify", "unknown option '%s'", value);
		default: return CLI_USAGE;
		}
	}
	return CLI_OK;
}

int cmd_verify(int argc, char **argv)
{
	verify_state st = {0};
	cli_paths paths;
	if (!cli_paths_init(&paths, "verify", argc))
		return CLI_USAGE;
	int rc = parse(&st, argc, argv, &paths);
	if (rc != CLI_OK) {
		cli_paths_free(&paths);
		return rc == CLI_STOP ? CLI_OK : rc;
	}
	cli_paths_or_here(&paths);
	st.now = (int64_t)time(NULL);
	cli_cancel_flag();
	cli_runs runs;
	cli_runs_scan(&runs, "verify", &paths, st.depth);
	cli_json_init(&st.j);
	cli_json_object(&st.j);
	cli_json_key(&st.j, "runs");
	cli_json_array(&st.j);
	for (size_t i = 0; i < runs.n && !st.cancelled && !runs.oom; i++)
		verify_run(&st, runs.runs[i]);
	cli_json_end(&st.j);
	cli_json_key(&st.j, "problems");
	cli_runs_problems_json(&runs, &st.j);
	rc = runs.oom ? CLI_USAGE : exit_status(&st, &runs);
	if (st.cancelled || runs.cancelled)
		cli_json_error(&st.j, CKPT_ECANCELLED, NULL, "cancelled; the results so far stand");
	cli_json_end(&st.j);
	if (st.json && cli_json_print(&st.j, "verify") != CLI_OK)
		rc = CLI_USAGE;
	cli_json_free(&st.j);
	cli_runs_free(&runs);
	cli_paths_free(&paths);
	return rc;
}
