/* logreg.c: a small real trainer that checkpoints through libckpt: logistic
 * regression by full-batch gradient descent on generated data, deterministic,
 * saving its weights with a model writer callback and resuming from `last`,
 * so a run killed at any moment and started again ends with the same weights.
 *
 * Usage: logreg DIR [--epochs N] [--steps N] [--rate R] [--seed N] [--out FILE]
 *                   [--ckpt_PARAM=VALUE...]
 * Build against an installed libckpt: cc logreg.c $(pkg-config --cflags --libs libckpt) -lm */
#include <ckpt.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIMS 8
#define N_TRAIN 400
#define N_VAL 100
#define MAGIC "LOGREG01"

typedef struct model {
	double w[DIMS + 1]; /* weights, then the bias */
	long epoch;         /* the epoch being saved (for the kill hook) */
} model;

typedef struct data {
	double x[N_TRAIN + N_VAL][DIMS];
	double y[N_TRAIN + N_VAL];
} data;

/* xorshift64*: the same numbers on every machine, unlike rand(). */
static double next_uniform(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (double)((*state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static void make_data(data *d, uint64_t seed)
{
	uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
	double truth[DIMS];
	for (int j = 0; j < DIMS; j++)
		truth[j] = 4.0 * next_uniform(&state) - 2.0;
	for (int i = 0; i < N_TRAIN + N_VAL; i++) {
		double z = 0.3;
		for (int j = 0; j < DIMS; j++) {
			d->x[i][j] = 2.0 * next_uniform(&state) - 1.0;
			z += truth[j] * d->x[i][j];
		}
		/* Labels drawn from the true model: the data is not separable. */
		d->y[i] = next_uniform(&state) < 1.0 / (1.0 + exp(-z)) ? 1.0 : 0.0;
	}
}

static double predict(const model *m, const double *x)
{
	double z = m->w[DIMS];
	for (int j = 0; j < DIMS; j++)
		z += m->w[j] * x[j];
	return 1.0 / (1.0 + exp(-z));
}

/* Mean log loss and accuracy over rows [from, to). */
static void evaluate(const model *m, const data *d, int from, int to, double *loss, double *acc)
{
	double sum = 0.0;
	int right = 0;
	for (int i = from; i < to; i++) {
		double p = fmin(fmax(predict(m, d->x[i]), 1e-12), 1.0 - 1e-12);
		sum -= d->y[i] * log(p) + (1.0 - d->y[i]) * log(1.0 - p);
		right += (p >= 0.5) == (d->y[i] == 1.0);
	}
	*loss = sum / (to - from);
	*acc = (double)right / (to - from);
}

static void gradient_step(model *m, const data *d, double rate)
{
	double grad[DIMS + 1] = {0};
	for (int i = 0; i < N_TRAIN; i++) {
		double err = predict(m, d->x[i]) - d->y[i];
		for (int j = 0; j < DIMS; j++)
			grad[j] += err * d->x[i][j];
		grad[DIMS] += err;
	}
	for (int j = 0; j <= DIMS; j++)
		m->w[j] -= rate * grad[j] / N_TRAIN;
}

/* ---- the model writer and loader libckpt calls ---------------------------- */

static int save_model(const char *path, void *payload)
{
	const model *m = payload;
	FILE *f = fopen(path, "wb");
	if (!f) {
		ckpt_error_set(strerror(errno));
		return -1;
	}
	uint32_t dims = DIMS;
	size_t half = sizeof m->w / 2;
	int ok = fwrite(MAGIC, 8, 1, f) == 1 && fwrite(&dims, sizeof dims, 1, f) == 1 &&
		 fwrite(m->w, half, 1, f) == 1;
	/* For the kill-and-resume test: die with half a model written. */
	const char *kill_at = getenv("LOGREG_KILL_IN_SAVE");
	if (kill_at && atol(kill_at) == m->epoch) {
		fflush(f);
		raise(SIGKILL);
	}
	ok = ok && fwrite((const char *)m->w + half, sizeof m->w - half, 1, f) == 1;
	if (fclose(f) != 0 || !ok) {
		ckpt_error_set("short write");
		return -1;
	}
	return 0;
}

static int load_model(const char *path, void *payload)
{
	model *m = payload;
	char magic[8];
	uint32_t dims = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		ckpt_error_set(strerror(errno));
		return -1;
	}
	int ok = fread(magic, 8, 1, f) == 1 && memcmp(magic, MAGIC, 8) == 0 &&
		 fread(&dims, sizeof dims, 1, f) == 1 && dims == DIMS &&
		 fread(m->w, sizeof m->w, 1, f) == 1;
	fclose(f);
	if (!ok) {
		ckpt_error_set("not a " MAGIC " model of 8 weights");
		return -1;
	}
	return 0;
}

/* ---- the training loop ------------------------------------------------------ */

typedef struct options {
	const char *dir;
	long epochs, steps, seed;
	double rate;
	const char *out;
} options;

static int parse_options(options *o, ckpt_params *params, int argc, char **argv)
{
	*o =
	    (options){.dir = NULL, .epochs = 20, .steps = 50, .seed = 1, .rate = 0.01, .out = NULL};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--epochs") == 0 && next)
			o->epochs = atol(argv[++i]);
		else if (strcmp(a, "--steps") == 0 && next)
			o->steps = atol(argv[++i]);
		else if (strcmp(a, "--rate") == 0 && next)
			o->rate = atof(argv[++i]);
		else if (strcmp(a, "--seed") == 0 && next)
			o->seed = atol(argv[++i]);
		else if (strcmp(a, "--out") == 0 && next)
			o->out = argv[++i];
		else if (a[0] != '-' && !o->dir)
			o->dir = a;
		else if (strncmp(a, "--ckpt_", 7) != 0 && strncmp(a, "--metadata", 10) != 0)
			return fprintf(stderr, "logreg: unknown argument '%s'\n", a), -1;
	}
	if (!o->dir || o->epochs <= 0 || o->steps <= 0 || !(o->rate > 0))
		return fprintf(stderr, "usage: logreg DIR [--epochs N] [--steps N] [--rate R] "
				       "[--seed N] [--out FILE] [--ckpt_PARAM=VALUE...]\n"),
		       -1;
	char root[4096];
	snprintf(root, sizeof root, "%s/ckpts", o->dir);
	int rc = ckpt_params_set_int(params, "epochs", o->epochs);
	if (!rc)
		rc = ckpt_params_set(params, "ckpt_directory", root);
	if (!rc)
		rc = ckpt_params_set_bool(params, "ckpt_checksum", true);
	if (!rc) /* --ckpt_keep_limit=3 and the like override the above */
		rc = ckpt_params_parse_args(NULL, params, argc - 1, argv + 1);
	return rc ? fprintf(stderr, "logreg: %s\n", ckpt_error_last()), -1 : 0;
}

static int write_weights(const char *path, const model *m)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	for (int j = 0; j <= DIMS; j++)
		fprintf(f, "%a\n", m->w[j]);
	return fclose(f);
}

static int train(ckpt_writer *w, const options *o, model *m, const data *d)
{
	ckpt_restart *restart = NULL;
	ckpt_writer_set_model_io(w, save_model, load_model, m);
	if (ckpt_writer_restart(&restart, w) != 0)
		return -1;
	long start = ckpt_restart_epoch(restart); /* 0 when not resumed */
	if (ckpt_restart_resumed(restart))
		printf("resumed after epoch %ld\n", start);
	ckpt_restart_free(restart);
	for (long epoch = start; epoch < o->epochs; epoch++) {
		for (long s = 0; s < o->steps; s++)
			gradient_step(m, d, o->rate);
		double train_loss, val_loss, train_acc, val_acc;
		evaluate(m, d, 0, N_TRAIN, &train_loss, &train_acc);
		evaluate(m, d, N_TRAIN, N_TRAIN + N_VAL, &val_loss, &val_acc);
		ckpt_metric extra[] = {{"loss", train_loss}, {"val_accuracy", val_acc}};
		ckpt_epoch_result result = {.size = sizeof result};
		m->epoch = epoch + 1;
		if (ckpt_writer_epoch(&result, w, epoch, '-', val_loss, extra, 2) != 0)
			return -1;
		printf("epoch %ld/%ld val_loss=%.6f%s%s\n", epoch + 1, o->epochs, val_loss,
		       result.saved ? " saved" : "", result.became_best ? " best" : "");
		fflush(stdout);
	}
	return ckpt_writer_report_final(w);
}

int main(int argc, char **argv)
{
	options o;
	ckpt_params *params = NULL;
	ckpt_writer *w = NULL;
	static data d;
	model m = {.w = {0}, .epoch = 0};
	if (ckpt_params_new(&params) != 0 || parse_options(&o, params, argc, argv) != 0) {
		ckpt_params_free(params);
		return 2;
	}
	make_data(&d, (uint64_t)o.seed);
	int rc = ckpt_writer_new(&w, params, 0);
	if (!rc)
		rc = train(w, &o, &m, &d);
	if (rc)
		fprintf(stderr, "logreg: %s\n", ckpt_error_last());
	else if (o.out && write_weights(o.out, &m) != 0)
		rc = fprintf(stderr, "logreg: %s: %s\n", o.out, strerror(errno));
	ckpt_writer_free(w);
	ckpt_params_free(params);
	return rc ? 1 : 0;
}
