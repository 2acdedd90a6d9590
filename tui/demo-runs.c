/* demo-runs.c: `ckpt demo DIR --runs N`: an experiment worth looking at in
 * the dashboard: N runs DIR/run-01... with varied learning rates (which
 * bend their curves), keep limits and modes, save intervals, checksum
 * algorithms and one val_accuracy (+) run, each with a seed of its own,
 * trained side by side through libckpt writers; with --background the last
 * one finishes in a detached process, so that a dashboard opened right
 * after shows it training live. */
#include "demo.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct setting {
	double lr;
	long keep;
	const char *mode;
	long interval;
	const char *algorithm;
} setting;

/* Run i takes setting i modulo their number; run 4 (or the last of fewer
 * than four) tracks val_accuracy, larger being better. */
static const setting settings[] = {
    {0.1, 5, "linear", 1, "crc32"},       {0.03, 3, "linear", 2, "sha256"},
    {0.01, 5, "exponential", 1, "crc32"}, {0.01, 4, "linear", 1, "sha256"},
    {0.003, 8, "linear", 3, "crc32"},     {0.001, 5, "all", 1, "sha256"},
    {0.3, 3, "linear", 1, "crc32"},       {0.0003, 6, "linear", 2, "sha256"},
};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

typedef struct demo_run {
	char *dir;
	char name[32];
	const setting *s;
	ckpt_params *params;
	ckpt_writer *w;
	demo_model model;
	demo_curve curve;
	char direction;
	const char *metric;
	long next, limit; /* the next 0-based epoch, and where to stop */
	bool skipped;
	int64_t best_epoch;
	double best_value;
} demo_run;

static bool is_plus_run(long i, long n)
{
	return n >= 4 ? i == 3 : n > 1 && i == n - 1;
}

static int set_params(demo_run *r, const demo_opts *o, const param_words *pw, long index)
{
	char meta[128];
	snprintf(meta, sizeof meta, "lr=%g seed=%llu run=%ld", r->s->lr,
		 (unsigned long long)r->curve.seed, index + 1);
	demo_opts own = *o;
	own.metric = r->metric;
	int rc = ckpt_params_new(&r->params);
	if (!rc)
		rc = demo_setup_params(r->params, &own, r->dir, meta);
	if (!rc)
		rc = ckpt_params_set_int(r->params, "ckpt_keep_limit", r->s->keep);
	if (!rc)
		rc = ckpt_params_set(r->params, "ckpt_keep_mode", r->s->mode);
	if (!rc)
		rc = ckpt_params_set_int(r->params, "ckpt_save_interval", r->s->interval);
	if (!rc)
		rc = ckpt_params_set(r->params, "ckpt_checksum_algorithm", r->s->algorithm);
	int used = 0;
	if (!rc && pw->n > 0)
		rc = ckpt_params_parse_args(&used, r->params, pw->n, pw->words);
	return rc;
}

/* Takes the run's lock and restarts it: CLI_OK, with r->skipped when a
 * writer holds it already. */
static int open_run(demo_run *r)
{
	int rc = ckpt_writer_new(&r->w, r->params, 0);
	if (rc == CKPT_ELOCKED) {
		printf("%s: a writer is training it already; left alone\n", r->name);
		r->skipped = true;
		return CLI_OK;
	}
	if (rc) {
		cli_lib_error("demo");
		return rc == CKPT_EINVAL ? CLI_USAGE : CLI_PROBLEMS;
	}
	ckpt_writer_set_model_io(r->w, demo_write_model, NULL, &r->model);
	ckpt_restart *restart = NULL;
	if (ckpt_writer_restart(&restart, r->w) != 0) {
		cli_lib_error("demo");
		return CLI_PROBLEMS;
	}
	r->next = ckpt_restart_resumed(restart) ? (long)ckpt_restart_epoch(restart) : 0;
	ckpt_restart_free(restart);
	return CLI_OK;
}

static int step(demo_run *r)
{
	demo_metrics m = demo_simulate(&r->curve, r->next + 1);
	double tracked = r->direction == '+' ? m.val_accuracy : m.val_loss;
	ckpt_metric extra[] = {{"loss", m.loss}, {"accuracy", m.accuracy}};
	ckpt_epoch_result result = {.size = sizeof result};
	r->model.epoch = r->next + 1;
	if (ckpt_writer_epoch(&result, r->w, r->next, r->direction, tracked, extra, 2) != 0) {
		cli_lib_error("demo");
		return CLI_PROBLEMS;
	}
	if (result.best_epoch)
		r->best_epoch = result.best_epoch, r->best_value = result.best_value;
	r->next++;
	return CLI_OK;
}

static void print_setting(const demo_run *r)
{
	printf("%s: lr %g, keep %ld %s, save interval %ld, %s, %s (%s), seed %llu\n", r->name,
	       r->s->lr, r->s->keep, r->s->mode, r->s->interval, r->s->algorithm,
	       cli_text(r->metric), r->direction == '+' ? "max" : "min",
	       (unsigned long long)r->curve.seed);
}

static void print_summary(const demo_run *r)
{
	char value[64];
	if (r->skipped)
		return;
	snprintf(value, sizeof value, "%.4f", r->best_value);
	printf("%s: trained to epoch %ld, %zu kept", r->name, r->next,
	       ckpt_writer_kept_count(r->w));
	if (r->best_epoch)
		printf(", best %s %s at epoch %lld", cli_text(r->metric), value,
		       (long long)r->best_epoch);
	printf("\n");
}

/* The last run's second half, in a process of its own that outlives us. */
static void train_in_background(demo_run *r, const demo_opts *o)
{
	double pace = o->every > 2 ? o->every : 2;
	ckpt_writer_free(r->w);
	r->w = NULL;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		cli_error("demo", "cannot start the background run: %s", strerror(errno));
		return;
	}
	if (pid > 0) {
		printf("%s goes on training in the background: pid %ld, %ld more epochs, one every "
		       "%g s (kill %ld stops it)\n",
		       r->name, (long)pid, o->epochs - r->next, pace, (long)pid);
		return;
	}
	/* The child: no terminal, no one waiting for it. */
	setsid();
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO), dup2(null, STDOUT_FILENO), dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	int rc = open_run(r);
	while (rc == CLI_OK && !r->skipped && r->next < o->epochs) {
		demo_sleep(pace);
		rc = step(r);
	}
	if (r->w)
		ckpt_writer_report_final(r->w);
	ckpt_writer_free(r->w);
	_exit(rc == CLI_OK ? 0 : 1);
}

static int prepare(demo_run *runs, const demo_opts *o, const param_words *pw)
{
	int digits = o->runs >= 100 ? 3 : 2;
	for (long i = 0; i < o->runs; i++) {
		demo_run *r = &runs[i];
		r->s = &settings[(size_t)i % N_SETTINGS];
		snprintf(r->name, sizeof r->name, "run-%0*ld", digits, i + 1);
		if (asprintf(&r->dir, "%s/%s", o->dir, r->name) < 0) {
			r->dir = NULL;
			cli_error("demo", "out of memory");
			return CLI_USAGE;
		}
		bool plus = is_plus_run(i, o->runs);
		r->direction = plus ? '+' : o->direction;
		r->metric = plus                  ? "val_accuracy"
			    : o->metric           ? o->metric
			    : o->direction == '+' ? "val_accuracy"
						  : "val_loss";
		r->curve = demo_curve_for((uint64_t)o->seed * 1000 + (uint64_t)i + 1, r->s->lr);
		r->model = (demo_model){0, o->model_bytes, r->curve.seed};
		if (set_params(r, o, pw, i) != 0) {
			cli_lib_error("demo");
			return CLI_USAGE;
		}
	}
	return CLI_OK;
}

int demo_experiment(const demo_opts *o, const param_words *pw)
{
	demo_run *runs = calloc((size_t)o->runs, sizeof *runs);
	if (!runs) {
		cli_error("demo", "out of memory");
		return CLI_USAGE;
	}
	if (mkdir(o->dir, 0777) != 0 && errno != EEXIST) {
		cli_error("demo", "%s: %s", o->dir, strerror(errno));
		free(runs);
		return CLI_USAGE;
	}
	int rc = prepare(runs, o, pw);
	printf("training %ld runs of %ld epochs into %s\n", o->runs, o->epochs, cli_text(o->dir));
	for (long i = 0; rc == CLI_OK && i < o->runs; i++) {
		rc = open_run(&runs[i]);
		if (rc == CLI_OK && !runs[i].skipped)
			print_setting(&runs[i]);
		runs[i].limit = o->epochs;
	}
	demo_run *last = &runs[o->runs - 1];
	if (o->background && !last->skipped && last->next < o->epochs / 2)
		last->limit = o->epochs / 2;
	fflush(stdout);
	/* Side by side: one epoch of every run a round. */
	for (bool any = true; rc == CLI_OK && any;) {
		any = false;
		for (long i = 0; i < o->runs; i++)
			any = any || (!runs[i].skipped && runs[i].next < runs[i].limit);
		if (any)
			demo_sleep(o->every);
		for (long i = 0; rc == CLI_OK && any && i < o->runs; i++)
			if (!runs[i].skipped && runs[i].next < runs[i].limit)
				rc = step(&runs[i]);
	}
	for (long i = 0; rc == CLI_OK && i < o->runs; i++) {
		print_summary(&runs[i]);
		if (!runs[i].skipped && ckpt_writer_report_final(runs[i].w) != 0) {
			cli_lib_error("demo");
			rc = CLI_PROBLEMS;
		}
	}
	/* Every other lock is let go first: the background process must not
	 * inherit them. */
	for (long i = 0; i + 1 < o->runs; i++) {
		ckpt_writer_free(runs[i].w);
		runs[i].w = NULL;
	}
	if (rc == CLI_OK && o->background && !last->skipped && last->next < o->epochs)
		train_in_background(last, o);
	for (long i = 0; i < o->runs; i++) {
		ckpt_writer_free(runs[i].w);
		ckpt_params_free(runs[i].params);
		free(runs[i].dir);
	}
	free(runs);
	return rc;
}
