/* cmd-demo.c: `ckpt demo`: a simulated trainer that writes real checkpoints
 * through the libckpt writer: a deterministic noisy decaying metric (its
 * shape fixed by --seed) and a pseudo-random HDF5-signed model per epoch,
 * resuming after a kill. `--runs N` trains an experiment of N runs
 * (demo-runs.c). */
#include "demo.h"
#include "format.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "Usage: ckpt demo DIR [--epochs N] [--every SECONDS] [--model-bytes N]\n"
    "                     [--metric NAME] [--direction -|+] [--seed N]\n"
    "                     [--runs N [--background]] [--PARAM=VALUE...]\n"
    "\n"
    "Simulate a training run that checkpoints into DIR through libckpt (into the\n"
    "root DIR already holds, ckpts/ or the legacy save/ckpts/; into DIR itself when\n"
    "it is a checkpoint root; else into DIR/ckpts), one\n"
    "epoch every SECONDS, printing one line per epoch. The metric follows a noisy\n"
    "decaying curve fixed by the epoch number, so a demo that was killed and is run\n"
    "again resumes after its last saved epoch on the same curve.\n"
    "\n"
    "Options:\n"
    "  --epochs N         epochs to train (default 30)\n"
    "  --every SECONDS    time per epoch (default 1.0; 0 allowed)\n"
    "  --model-bytes N    size of each model.h5 (default 262144)\n"
    "  --metric NAME      tracked metric (default val_loss, or val_accuracy with +)\n"
    "  --direction -|+    - when smaller is better (default), + when larger is\n"
    "  --seed N           another curve, the same for the same N (default 0)\n"
    "  --runs N           an experiment: N runs DIR/run-01... with varied learning\n"
    "                     rates, keep limits and modes, save intervals, checksum\n"
    "                     algorithms, and one val_accuracy (+) run, trained side\n"
    "                     by side; runs a writer holds already are left alone\n"
    "  --background       with --runs: the last run trains its second half in the\n"
    "                     background (one epoch every 2 s, or SECONDS when larger)\n"
    "                     after ckpt demo returns, so that the dashboard shows a\n"
    "                     live run; it stops by itself (or kill the pid printed)\n"
    "  --PARAM=VALUE      any CANDLE checkpoint parameter, e.g. --ckpt_keep_limit=3,\n"
    "                     --ckpt_save_best=false, --ckpt_checksum_algorithm=sha256\n"
    "  -h, --help         show this help\n"
    "\n"
    "Defaults given to the writer: epochs=N, ckpt_directory=(the root above),\n"
    "ckpt_checksum=true, ckpt_save_best_metric=NAME, metadata=\"ckpt demo pid=PID\".\n"
    "\n"
    "Exit status: 0 trained, 1 the writer failed or the run is locked by another\n"
    "writer, 2 usage error or a bad parameter.\n";

enum {
	OPT_EPOCHS = 1,
	OPT_EVERY,
	OPT_MODEL_BYTES,
	OPT_METRIC,
	OPT_DIRECTION,
	OPT_SEED,
	OPT_RUNS,
	OPT_BACKGROUND
};

static const cli_option options[] = {
    {"epochs", true, OPT_EPOCHS},
    {"every", true, OPT_EVERY},
    {"model-bytes", true, OPT_MODEL_BYTES},
    {"metric", true, OPT_METRIC},
    {"direction", true, OPT_DIRECTION},
    {"seed", true, OPT_SEED},
    {"runs", true, OPT_RUNS},
    {"background", false, OPT_BACKGROUND},
    {NULL, false, 0},
};

/* ---- the simulated training -------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* Uniform in [-1, 1), a pure function of (epoch, salt, seed): a resumed
 * demo continues exactly the same curve. */
static double noise(long epoch, unsigned salt, uint64_t seed)
{
	uint64_t bits = splitmix64(((uint64_t)epoch << 8) ^ salt ^ (seed << 40)) >> 11;
	return (double)bits / 4503599627370496.0 - 1.0; /* 2^52 */
}

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

demo_curve demo_curve_for(uint64_t seed, double learning_rate)
{
	/* Seed 0 is the curve ckpt demo always drew. */
	demo_curve c = {seed, 7.0, 0.2, 1.2, 0.03, 0.0};
	if (seed) {
		c.tau *= 0.7 + 0.3 * (noise(0, 3, seed) + 1);
		c.floor *= 0.75 + 0.25 * (noise(0, 4, seed) + 1);
		c.amp *= 0.9 + 0.1 * (noise(0, 5, seed) + 1);
	}
	if (learning_rate > 0) {
		/* Smaller steps learn slower; larger ones faster, then overfit. */
		c.tau *= sqrt(0.01 / learning_rate);
		double ratio = sqrt(learning_rate / 0.01);
		c.noise *= ratio < 0.5 ? 0.5 : ratio > 2 ? 2 : ratio;
		c.overfit = learning_rate > 0.02 ? 0.002 * ratio : 0;
	}
	return c;
}

demo_metrics demo_simulate(const demo_curve *c, long epoch)
{
	demo_metrics m;
	m.loss =
	    c->floor + c->amp * exp(-(double)epoch / c->tau) + c->noise * noise(epoch, 1, c->seed);
	m.val_loss = m.loss + 0.05 + 2 * c->noise * noise(epoch, 2, c->seed);
	if (c->overfit > 0 && epoch > 2 * c->tau)
		m.val_loss += c->overfit * ((double)epoch - 2 * c->tau);
	/* Seed 0's curve never gets there; the others stay losses too. */
	if (c->seed) {
		m.loss = m.loss < 0.01 ? 0.01 : m.loss;
		m.val_loss = m.val_loss < 0.01 ? 0.01 : m.val_loss;
	}
	m.accuracy = clamp01(1.0 - 0.5 * m.loss);
	m.val_accuracy = clamp01(1.0 - 0.5 * m.val_loss);
	return m;
}

/* What a Keras model file starts with, then bytes fixed by the epoch. */
int demo_write_model(const char *path, void *payload)
{
	static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
	const demo_model *model = payload;
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	unsigned char block[65536];
	uint64_t state = (uint64_t)model->epoch * 0x2545F4914F6CDD1DULL + 1 + model->seed;
	long left = model->bytes;
	bool first = true;
	int rc = 0;
	while (left > 0 && rc == 0) {
		size_t n = left < (long)sizeof block ? (size_t)left : sizeof block;
		for (size_t i = 0; i < n; i += 8) {
			state = splitmix64(state);
			uint64_t word = state;
			for (size_t j = 0; j < 8 && i + j < n; j++, word >>= 8)
				block[i + j] = (unsigned char)word;
		}
		if (first) {
			memcpy(block, signature, n < sizeof signature ? n : sizeof signature);
			first = false;
		}
		if (fwrite(block, 1, n, f) != n)
			rc = -1;
		left -= (long)n;
	}
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

void demo_sleep(double seconds)
{
	if (seconds <= 0)
		return;
	struct timespec ts = {(time_t)seconds, (long)((seconds - floor(seconds)) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- the run ------------------------------------------------------------ */

int demo_setup_params(ckpt_params *params, const demo_opts *o, const char *dir,
		      const char *metadata)
{
	char text[256];
	/* The root DIR already has (legacy save/ckpts/ included), DIR itself
	 * when it is one, else DIR/ckpts: a demo continues what is there. */
	char *root = NULL;
	int rc = ckpt_root_for(&root, dir);
	if (!rc)
		rc = ckpt_params_set_int(params, "epochs", o->epochs);
	if (!rc)
		rc = ckpt_params_set(params, "ckpt_directory", root);
	ckpt_free(root);
	if (!rc)
		rc = ckpt_params_set_bool(params, "ckpt_checksum", true);
	if (!rc)
		rc = ckpt_params_set(params, "ckpt_save_best_metric", o->metric);
	snprintf(text, sizeof text, "ckpt demo pid=%ld%s%s", (long)getpid(), metadata ? " " : "",
		 metadata ? metadata : "");
	if (!rc)
		rc = ckpt_params_set(params, "metadata", text);
	return rc;
}

static int train(ckpt_writer *w, const demo_opts *o, const char *metric, long epochs)
{
	demo_model model = {0, o->model_bytes, o->seed};
	demo_curve curve = demo_curve_for(o->seed, 0);
	ckpt_writer_set_model_io(w, demo_write_model, NULL, &model);
	ckpt_restart *restart = NULL;
	if (ckpt_writer_restart(&restart, w) != 0) {
		cli_lib_error("demo");
		return CLI_PROBLEMS;
	}
	char size[FMT_SHORT], value[FMT_SHORT];
	long start = ckpt_restart_resumed(restart) ? (long)ckpt_restart_epoch(restart) : 0;
	if (ckpt_restart_resumed(restart))
		printf("resuming after epoch %ld (best_metric_last %s)\n", start,
		       fmt_metric(value, ckpt_restart_best_metric_last(restart)));
	ckpt_restart_free(restart);
	printf("training %ld epochs into %s (model %s, %g s per epoch)\n", epochs,
	       cli_text(ckpt_writer_root(w)), fmt_size(size, (uint64_t)o->model_bytes), o->every);
	metric = cli_text(metric);
	fflush(stdout);
	for (long epoch0 = start; epoch0 < epochs; epoch0++) {
		demo_sleep(o->every);
		demo_metrics m = demo_simulate(&curve, epoch0 + 1);
		double tracked = o->direction == '+' ? m.val_accuracy : m.val_loss;
		ckpt_metric extra[] = {{"loss", m.loss}, {"accuracy", m.accuracy}};
		ckpt_epoch_result result = {.size = sizeof result};
		model.epoch = epoch0 + 1;
		if (ckpt_writer_epoch(&result, w, epoch0, o->direction, tracked, extra, 2) != 0) {
			cli_lib_error("demo");
			return CLI_PROBLEMS;
		}
		printf("epoch %lld/%ld %s=%.4f%s%s\n", (long long)result.epoch, epochs, metric,
		       tracked, result.saved ? " saved" : "", result.became_best ? " best" : "");
		fflush(stdout);
	}
	if (start >= epochs)
		printf("nothing to train: epoch %ld of %ld is already saved\n", start, epochs);
	if (ckpt_writer_report_final(w) != 0) {
		cli_lib_error("demo");
		return CLI_PROBLEMS;
	}
	return CLI_OK;
}

static int run_demo(const demo_opts *o, ckpt_params *params)
{
	const char *metric = o->metric;
	const char *epochs_text = NULL;
	if (ckpt_params_get(&metric, params, "ckpt_save_best_metric") != 0 || !metric)
		metric = o->metric;
	ckpt_params_get(&epochs_text, params, "epochs");
	long epochs = epochs_text ? strtol(epochs_text, NULL, 10) : o->epochs;
	ckpt_writer *w = NULL;
	int rc = ckpt_writer_new(&w, params, 0);
	if (rc != 0) {
		cli_lib_error("demo");
		return rc == CKPT_EINVAL ? CLI_USAGE : CLI_PROBLEMS;
	}
	rc = train(w, o, metric ? metric : o->metric, epochs);
	ckpt_writer_free(w);
	return rc;
}

static bool looks_numeric(const char *word)
{
	char *end;
	strtod(word, &end);
	return end != word && *end == '\0';
}

/* Takes a parameter word (and its value word); anything the library does
 * not know as a parameter is a usage error. */
static int take_param(param_words *pw, cli_parser *p, const char *word)
{
	char *group[2] = {(char *)word, NULL};
	int n = 1;
	/* The value may be a negative number ("--ckpt_best_metric_last -1.5"). */
	if (!strchr(word, '=') && p->next < p->argc &&
	    (p->argv[p->next][0] != '-' || looks_numeric(p->argv[p->next])))
		group[n++] = p->argv[p->next++];
	ckpt_params *scratch = NULL;
	int used = 0;
	int rc = ckpt_params_new(&scratch);
	if (rc == 0)
		rc = ckpt_params_parse_args(&used, scratch, n, group);
	ckpt_params_free(scratch);
	if (rc != 0) {
		cli_lib_error("demo");
		return CLI_USAGE;
	}
	if (used == 0)
		return cli_usage_error("demo", "unknown option '%s'", word);
	for (int i = 0; i < used; i++)
		pw->words[pw->n++] = group[i];
	if (used < n)
		p->next--; /* the next word was not its value after all */
	return CLI_OK;
}

static int parse_one(demo_opts *o, param_words *pw, cli_parser *p, int id, const char *value)
{
	switch (id) {
	case OPT_EPOCHS:
		return cli_parse_long("demo", "--epochs", value, 1, 999999, &o->epochs) ? CLI_OK
											: CLI_USAGE;
	case OPT_EVERY:
		return cli_parse_double("demo", "--every", value, 0, &o->every) ? CLI_OK
										: CLI_USAGE;
	case OPT_MODEL_BYTES:
		return cli_parse_long("demo", "--model-bytes", value, 0, 1L << 40, &o->model_bytes)
			   ? CLI_OK
			   : CLI_USAGE;
	case OPT_METRIC:
		if (!*value)
			return cli_usage_error("demo", "--metric needs a name");
		o->metric = value;
		return CLI_OK;
	case OPT_SEED:
		return cli_parse_long("demo", "--seed", value, 0, 1L << 40, &o->seed) ? CLI_OK
										      : CLI_USAGE;
	case OPT_RUNS:
		return cli_parse_long("demo", "--runs", value, 1, 999, &o->runs) ? CLI_OK
										 : CLI_USAGE;
	case OPT_BACKGROUND: o->background = true; return CLI_OK;
	case OPT_DIRECTION:
		if (strcmp(value, "-") != 0 && strcmp(value, "+") != 0)
			return cli_usage_error("demo", "--direction must be - or +, not '%s'",
					       value);
		o->direction = value[0];
		return CLI_OK;
	case CLI_ARG_POSITIONAL:
		if (o->dir)
			return cli_usage_error("demo", "unexpected argument '%s'", value);
		o->dir = value;
		return CLI_OK;
	case CLI_ARG_HELP: return cli_help(usage);
	case CLI_ARG_UNKNOWN:
		if (strncmp(value, "--", 2) != 0)
			return cli_usage_error("demo", "unknown option '%s'", value);
		return take_param(pw, p, value);
	default: return CLI_USAGE;
	}
}

static int make_params(ckpt_params **out, const demo_opts *o, const param_words *pw)
{
	int used = 0;
	int rc = ckpt_params_new(out);
	if (rc == 0)
		rc = demo_setup_params(*out, o, o->dir, NULL);
	if (rc == 0 && pw->n > 0)
		rc = ckpt_params_parse_args(&used, *out, pw->n, pw->words);
	if (rc != 0) {
		cli_lib_error("demo");
		return CLI_USAGE;
	}
	return CLI_OK;
}

int cmd_demo(int argc, char **argv)
{
	demo_opts o = {.epochs = 30, .every = 1.0, .model_bytes = 262144, .direction = '-'};
	param_words pw = {calloc((size_t)argc + 1, sizeof(char *)), 0};
	if (!pw.words) {
		cli_error("demo", "out of memory");
		return CLI_USAGE;
	}
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	int id;
	int rc = CLI_OK;
	while (rc == CLI_OK && (id = cli_next(&p, &value)) != CLI_ARG_END)
		rc = parse_one(&o, &pw, &p, id, value);
	if (rc == CLI_OK && !o.dir)
		rc = cli_usage_error("demo", "where? give DIR");
	if (rc == CLI_OK && o.background && !o.runs)
		rc = cli_usage_error("demo", "--background goes with --runs");
	if (rc == CLI_OK && o.runs) {
		rc = demo_experiment(&o, &pw);
		free(pw.words);
		return rc;
	}
	if (rc == CLI_OK && !o.metric)
		o.metric = o.direction == '+' ? "val_accuracy" : "val_loss";
	ckpt_params *params = NULL;
	if (rc == CLI_OK)
		rc = make_params(&params, &o, &pw);
	if (rc == CLI_OK)
		rc = run_demo(&o, params);
	ckpt_params_free(params);
	free(pw.words);
	return rc == CLI_STOP ? CLI_OK : rc;
}
