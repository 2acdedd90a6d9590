/* run-text.c: what several subcommands say about runs (link cells, the
 * best/last markers, the metric's direction), opening one run, and finding
 * the runs under many PATHs, built only from what the library reports. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cli_link_text(char *out, size_t size, int64_t epoch, ckpt_link_state state)
{
	char number[32] = "-";
	if (epoch > 0)
		snprintf(number, sizeof number, "%lld", (long long)epoch);
	if (state == CKPT_LINK_OK || (state == CKPT_LINK_MISSING && epoch <= 0))
		snprintf(out, size, "%s", number);
	else
		snprintf(out, size, "%s (%s)", number, ckpt_link_state_name(state));
	return out;
}

const char *cli_link_cell(char *out, size_t size, int64_t epoch, ckpt_link_state state)
{
	/* Relocated links still name their epoch; STATUS says they need relinking. */
	if (epoch > 0 && (state == CKPT_LINK_RELOCATED || state == CKPT_LINK_OUTSIDE)) {
		snprintf(out, size, "%lld", (long long)epoch);
		return out;
	}
	return cli_link_text(out, size, epoch, state);
}

const char *cli_direction_text(char direction)
{
	return direction == '-' ? "min" : direction == '+' ? "max" : "?";
}

const char *cli_marks_text(char *out, size_t size, const ckpt_run *run, int64_t epoch)
{
	bool best = ckpt_run_best(run) == epoch;
	bool last = ckpt_run_last(run) == epoch;
	snprintf(out, size, "%s%s%s", best ? "best" : "", best && last ? "," : "",
		 last ? "last" : "");
	return out;
}

/* The best value made comparable: smaller is better for every direction. */
static bool metric_key(const ckpt_run *run, double *out)
{
	double value;
	char direction = ckpt_run_direction(run);
	if (!direction || !ckpt_run_best_metric(&value, run) || isnan(value))
		return false;
	*out = direction == '+' ? -value : value;
	return true;
}

void cli_run_key_of(cli_run_key *out, const ckpt_run *run)
{
	out->name = ckpt_run_name(run);
	out->has_metric = metric_key(run, &out->metric);
	out->updated = ckpt_run_updated(run);
	out->bytes = ckpt_run_total_bytes(run);
}

int cli_run_key_compare(const cli_run_key *x, const cli_run_key *y, cli_sort key)
{
	int order = 0;
	if (key == CLI_SORT_METRIC) {
		bool hx = x->has_metric, hy = y->has_metric;
		order = hx != hy			 ? (hx ? -1 : 1)
			: hx && x->metric != y->metric ? (x->metric < y->metric ? -1 : 1)
						 : 0;
	} else if (key == CLI_SORT_UPDATED) {
		order = x->updated == y->updated ? 0 : x->updated > y->updated ? -1 : 1;
	} else if (key == CLI_SORT_SIZE) {
		order = x->bytes == y->bytes ? 0 : x->bytes > y->bytes ? -1 : 1;
	}
	return order ? order : strcmp(x->name, y->name);
}

int cli_run_compare(const ckpt_run *x, const ckpt_run *y, cli_sort key)
{
	cli_run_key kx, ky;
	cli_run_key_of(&kx, x);
	cli_run_key_of(&ky, y);
	return cli_run_key_compare(&kx, &ky, key);
}

const char *cli_sort_name(cli_sort key)
{
	switch (key) {
	case CLI_SORT_METRIC: return "metric";
	case CLI_SORT_UPDATED: return "updated";
	case CLI_SORT_SIZE: return "size";
	default: return "name";
	}
}

bool cli_sort_from_name(cli_sort *out, const char *name)
{
	for (int k = CLI_SORT_NAME; k <= CLI_SORT_SIZE; k++)
		if (strcmp(name, cli_sort_name((cli_sort)k)) == 0) {
			*out = (cli_sort)k;
			return true;
		}
	return false;
}

int cli_open_run(const char *cmd, const char *path, ckpt_run **out, int *out_rc)
{
	*out = NULL;
	int rc = ckpt_run_open(out, path);
	if (out_rc)
		*out_rc = rc;
	if (rc != 0) {
		/* Missing, unreadable, or a folder with two roots (the message
		 * names both): input the user must change. */
		cli_lib_error(cmd);
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* ---- many PATHs ------------------------------------------------------------ */

static void add_problem(cli_runs *runs, const char *cmd, const char *problem)
{
	cli_error(cmd, "%s", problem);
	char **grown = realloc(runs->problems, (runs->n_problems + 1) * sizeof *grown);
	char *copy = grown ? strdup(problem) : NULL;
	if (grown)
		runs->problems = grown;
	if (!copy) {
		runs->oom = true;
		return;
	}
	runs->problems[runs->n_problems++] = copy;
}

static void add_run(cli_runs *runs, ckpt_run *run)
{
	if (runs->n == runs->cap) {
		size_t cap = runs->cap ? runs->cap * 2 : 16;
		ckpt_run **grown = realloc(runs->runs, cap * sizeof *grown);
		if (!grown) {
			runs->oom = true;
			return;
		}
		runs->runs = grown, runs->cap = cap;
	}
	runs->runs[runs->n++] = ckpt_run_ref(run);
}

typedef struct each {
	cli_runs *runs;
	ckpt_scan_fn fn;
	void *payload;
	const ckpt_scan_hooks *hooks; /* or NULL */
} each;

static int count_and_hand_on(ckpt_run *run, void *payload)
{
	each *e = payload;
	e->runs->n_found++;
	return e->fn ? e->fn(run, e->payload) : 0;
}

/* The hooks' on_run, counting the runs found. */
static int count_prepared(ckpt_run *run, void *prepared, void *payload)
{
	each *e = payload;
	e->runs->n_found++;
	return e->hooks->on_run ? e->hooks->on_run(run, prepared, e->hooks->payload) : 0;
}

static void *prepare_each(ckpt_run *run, void *payload)
{
	each *e = payload;
	return e->hooks->prepare(run, e->hooks->payload);
}

static void discard_each(void *prepared, void *payload)
{
	each *e = payload;
	if (e->hooks->discard)
		e->hooks->discard(prepared, e->hooks->payload);
}

static void scan_paths(cli_runs *runs, const char *cmd, const cli_paths *paths, int depth,
		       each *e)
{
	memset(runs, 0, sizeof *runs);
	ckpt_scan_hooks hooks = {e->hooks && e->hooks->prepare ? prepare_each : NULL,
				 count_prepared, discard_each, e};
	bool keep = !e->fn && !e->hooks;
	for (int i = 0; i < paths->n && !runs->cancelled && !runs->oom; i++) {
		cli_progress progress;
		cli_progress_init(&progress, NULL);
		ckpt_run_list *list = NULL;
		size_t found_before = runs->n_found;
		/* Hooked, each run is handed on as read and not kept by the list. */
		int rc = e->hooks ? ckpt_scan_streamed(&list, paths->items[i], depth,
						       &progress.base, &hooks)
				  : ckpt_scan(&list, paths->items[i], depth, &progress.base,
					      count_and_hand_on, e);
		cli_progress_clear(&progress);
		if (rc == CKPT_ECANCELLED || cli_cancelled()) {
			runs->cancelled = true;
		} else if (rc != 0) {
			add_problem(runs, cmd, ckpt_error_last());
			runs->path_failed = true;
		} else {
			for (size_t k = 0; keep && k < ckpt_run_list_count(list); k++)
				add_run(runs, ckpt_run_list_get(list, k));
			for (size_t k = 0; k < ckpt_run_list_problem_count(list); k++)
				add_problem(runs, cmd, ckpt_run_list_problem(list, k));
			/* Said the same way by every command that looks for runs. */
			if (runs->n_found == found_before &&
			    ckpt_run_list_problem_count(list) == 0)
				cli_error(cmd, "no checkpoint runs found under %s",
					  paths->items[i]);
		}
		ckpt_run_list_free(list);
	}
	if (runs->oom)
		cli_error(cmd, "out of memory");
}

void cli_runs_scan_each(cli_runs *runs, const char *cmd, const cli_paths *paths, int depth,
			ckpt_scan_fn fn, void *payload)
{
	each e = {runs, fn, payload, NULL};
	scan_paths(runs, cmd, paths, depth, &e);
}

void cli_runs_scan_hooked(cli_runs *runs, const char *cmd, const cli_paths *paths, int depth,
			  const ckpt_scan_hooks *hooks)
{
	each e = {runs, NULL, NULL, hooks};
	scan_paths(runs, cmd, paths, depth, &e);
}

void cli_runs_scan(cli_runs *runs, const char *cmd, const cli_paths *paths, int depth)
{
	cli_runs_scan_each(runs, cmd, paths, depth, NULL, NULL);
}

void cli_runs_free(cli_runs *runs)
{
	for (size_t i = 0; i < runs->n; i++)
		ckpt_run_unref(runs->runs[i]);
	for (size_t i = 0; i < runs->n_problems; i++)
		free(runs->problems[i]);
	free(runs->runs);
	free(runs->problems);
	memset(runs, 0, sizeof *runs);
}

void cli_runs_problems_json(const cli_runs *runs, cli_json *j)
{
	cli_json_array(j);
	for (size_t i = 0; i < runs->n_problems; i++)
		cli_json_string(j, runs->problems[i]);
	cli_json_end(j);
}
