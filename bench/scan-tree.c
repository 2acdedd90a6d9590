/* scan-tree.c: writes the benchmark experiment with libckpt's writer, the
 * way trainers leave it (a falling val_loss with bumps, one extra metric,
 * checksums on), fast: fsync off, models of 64 bytes, several processes. */
#include "scan-tree.h"

#include "bench-util.h"
#include "ckpt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MODEL_BYTES 64
#define RUNS_PER_GROUP 100

static int write_model(const char *path, void *payload)
{
	const long *tag = payload;
	unsigned char bytes[MODEL_BYTES];
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)(*tag * 131 + (long)i * 7);
	FILE *f = fopen(path, "wb");
	if (!f)
		return 1;
	size_t n = fwrite(bytes, 1, sizeof bytes, f);
	return (fclose(f) != 0 || n != sizeof bytes) ? 1 : 0;
}

char *scan_tree_root(const char *base, long i)
{
	char rel[64];
	snprintf(rel, sizeof rel, "exp-%02ld/run-%05ld/ckpts", i / RUNS_PER_GROUP, i);
	return bench_path(base, rel);
}

/* Epochs first..last (0-based) of run i; a restart when first > 0. */
static void train(const char *base, long i, long first, long last)
{
	char *root = scan_tree_root(base, i);
	char epochs[32];
	snprintf(epochs, sizeof epochs, "%ld", last + 1);
	ckpt_params *params;
	int rc = ckpt_params_new(&params);
	const char *settings[][2] = {
	    {"epochs", epochs},        {"ckpt_directory", root},
	    {"ckpt_fsync", "false"},   {"ckpt_checksum", "true"},
	    {"ckpt_keep_mode", "all"}, {"ckpt_save_best_metric", "val_loss"}};
	for (size_t k = 0; !rc && k < sizeof settings / sizeof settings[0]; k++)
		rc = ckpt_params_set(params, settings[k][0], settings[k][1]);
	if (rc)
		bench_fail_ckpt("ckpt_params_set", rc);
	ckpt_writer *writer;
	if ((rc = ckpt_writer_new(&writer, params, 0)) != 0)
		bench_fail_ckpt("ckpt_writer_new", rc);
	ckpt_params_free(params);
	long tag = 0;
	ckpt_writer_set_model_io(writer, write_model, NULL, &tag);
	if (first > 0) {
		ckpt_restart *restart = NULL;
		if ((rc = ckpt_writer_restart(&restart, writer)) != 0)
			bench_fail_ckpt("ckpt_writer_restart", rc);
		ckpt_restart_free(restart);
	}
	for (long e = first; e <= last; e++) {
		double val_loss =
		    1.0 / (double)(e + 1) + (e % 3 == 2 ? 0.3 : 0.0) + 0.001 * (double)i;
		ckpt_metric extra[] = {{"loss", val_loss * 0.9}};
		tag = i * 1000 + e;
		if ((rc = ckpt_writer_epoch(NULL, writer, e, '-', val_loss, extra, 1)) != 0)
			bench_fail_ckpt("ckpt_writer_epoch", rc);
	}
	ckpt_writer_free(writer);
	free(root);
}

void scan_tree_add_epoch(const char *base, long i, long epochs)
{
	train(base, i, epochs, epochs);
}

void scan_tree_write(const char *base, long runs, long epochs, int workers)
{
	fflush(stdout);
	pid_t pids[16];
	if (workers < 1 || workers > 16)
		workers = 2;
	for (int w = 0; w < workers; w++) {
		pids[w] = fork();
		if (pids[w] < 0)
			bench_fail("fork: %s", strerror(errno));
		if (pids[w] == 0) {
			for (long i = w; i < runs; i += workers)
				train(base, i, 0, epochs - 1);
			_exit(0);
		}
	}
	for (int w = 0; w < workers; w++) {
		int status;
		while (waitpid(pids[w], &status, 0) < 0)
			if (errno != EINTR)
				bench_fail("waitpid: %s", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bench_fail("generating the runs failed");
	}
}
