/* demo.h: what cmd-demo.c (options, one simulated trainer) and demo-runs.c
 * (an experiment of many runs, trained side by side) share: the options,
 * the simulated metrics and model, the writer's parameters. */
#ifndef CKPT_TUI_DEMO_H
#define CKPT_TUI_DEMO_H

#include "cli.h"

typedef struct demo_opts {
	const char *dir;
	long epochs;
	double every;
	long model_bytes;
	const char *metric;
	char direction;
	long seed;
	long runs;       /* 0: one run in dir */
	bool background; /* the experiment's last run goes on after we return */
} demo_opts;

/* The --PARAM=VALUE (or --PARAM VALUE) words, kept to be applied after the
 * demo's defaults so that they override them wherever they stand. */
typedef struct param_words {
	char **words;
	int n;
} param_words;

/* The shape of a run's metric: floor + amp * exp(-epoch / tau) with noise,
 * validation worse by overfit per epoch after 2 tau. */
typedef struct demo_curve {
	uint64_t seed;
	double tau, floor, amp, noise, overfit;
} demo_curve;

typedef struct demo_metrics {
	double loss, val_loss, accuracy, val_accuracy;
} demo_metrics;

/* The model writer's state: which epoch, how big, whose bytes. */
typedef struct demo_model {
	long epoch;
	long bytes;
	uint64_t seed;
} demo_model;

/* The curve of a seed (0: the one ckpt demo always drew), bent by a
 * learning rate (0: none). */
demo_curve demo_curve_for(uint64_t seed, double learning_rate);
/* The metrics of an epoch (1-based): a pure function of curve and epoch. */
demo_metrics demo_simulate(const demo_curve *c, long epoch);
/* A ckpt_model_write_fn over a demo_model. */
int demo_write_model(const char *path, void *payload);
void demo_sleep(double seconds);
/* The demo's parameters for a run in dir (epochs, root, checksums, the
 * metric, metadata "ckpt demo pid=PID" and then `metadata`, may be NULL). */
int demo_setup_params(ckpt_params *params, const demo_opts *o, const char *dir,
		      const char *metadata);
/* --runs: the experiment. An exit status. */
int demo_experiment(const demo_opts *o, const param_words *pw);

#endif
