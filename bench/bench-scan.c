/* bench-scan.c: how fast libckpt finds and re-reads many runs: generates a
 * tree of runs with the writer, then times ckpt_scan and ckpt_run_refresh
 * (nothing changed; one epoch touched in 1% of runs). Prints figures only. */
#include "bench-util.h"

#include "ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MODEL_BYTES 4096
#define RUNS_PER_GROUP 100
#define WARM_RUNS 3

typedef struct options {
	long runs;
	long epochs;
	const char *dir;
	bool keep;
} options;

static void usage(FILE *to)
{
	fputs("usage: bench-scan [--runs N] [--epochs E] [--dir DIR] [--keep]\n"
	      "  Writes N runs (default 1000) of E epochs (default 5) of 4 KiB models under\n"
	      "  DIR (default $TMPDIR or /tmp), then times ckpt_scan and ckpt_run_refresh.\n"
	      "  --keep leaves the runs on disk and prints where.\n",
	      to);
}

static options parse_options(int argc, char **argv)
{
	options o = {.runs = 1000, .epochs = 5, .dir = NULL, .keep = false};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--runs") && i + 1 < argc) {
			o.runs = bench_parse_count("--runs", argv[++i], 1000000);
		} else if (!strcmp(arg, "--epochs") && i + 1 < argc) {
			o.epochs = bench_parse_count("--epochs", argv[++i], 999);
		} else if (!strcmp(arg, "--dir") && i + 1 < argc) {
			o.dir = argv[++i];
		} else if (!strcmp(arg, "--keep")) {
			o.keep = true;
		} else {
			usage(stderr);
			exit(2);
		}
	}
	return o;
}

/* ---- generating the runs --------------------------------------------------- */

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

static void set_param(ckpt_params *params, const char *key, const char *value)
{
	int rc = ckpt_params_set(params, key, value);
	if (rc)
		bench_fail_ckpt("ckpt_params_set", rc);
}

/* The run's root: <base>/exp-GG/run-NNNNN/ckpts, a hundred runs a group. */
static char *run_root(const char *base, long i)
{
	char rel[64];
	snprintf(rel, sizeof rel, "exp-%02ld/run-%05ld/ckpts", i / RUNS_PER_GROUP, i);
	return bench_path(base, rel);
}

/* One run as a trainer leaves it: a val_loss that mostly falls but not at
 * the end (so best and last part ways), two extra metrics, the final report. */
static void write_run(const char *base, long i, long epochs)
{
	char *root = run_root(base, i);
	char text[32];
	ckpt_params *params;
	int rc = ckpt_params_new(&params);
	if (rc)
		bench_fail_ckpt("ckpt_params_new", rc);
	snprintf(text, sizeof text, "%ld", epochs);
	set_param(params, "epochs", text);
	set_param(params, "ckpt_directory", root);
	set_param(params, "ckpt_fsync", "false");
	set_param(params, "ckpt_checksum", "true");
	ckpt_writer *writer;
	if ((rc = ckpt_writer_new(&writer, params, 0)) != 0)
		bench_fail_ckpt("ckpt_writer_new", rc);
	ckpt_params_free(params);
	long tag = 0;
	ckpt_writer_set_model_io(writer, write_model, NULL, &tag);
	for (long e = 0; e < epochs; e++) {
		bool worse = e % 3 == 2 || (e > 0 && e == epochs - 1);
		double val_loss = 1.0 / (double)(e + 1) + (worse ? 0.5 : 0.0);
		ckpt_metric extra[] = {{"loss", val_loss * 0.9}, {"val_acc", 1.0 - val_loss / 2}};
		tag = i * 1000 + e;
		rc = ckpt_writer_epoch(NULL, writer, e, '-', val_loss, extra, 2);
		if (rc)
			bench_fail_ckpt("ckpt_writer_epoch", rc);
	}
	if ((rc = ckpt_writer_report_final(writer)) != 0)
		bench_fail_ckpt("ckpt_writer_report_final", rc);
	ckpt_writer_free(writer);
	free(root);
}

/* In a child process, so that the peak RSS measured later is the scan's. */
static void generate(const char *base, const options *o)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		bench_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		for (long i = 0; i < o->runs; i++)
			write_run(base, i, o->epochs);
		exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bench_fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bench_fail("generating the runs failed");
}

/* ---- the things timed ---------------------------------------------------------- */

static ckpt_run_list *scan(const char *base, long expected)
{
	ckpt_run_list *list;
	int rc = ckpt_scan(&list, base, 0, NULL, NULL, NULL);
	if (rc)
		bench_fail_ckpt("ckpt_scan", rc);
	if (ckpt_run_list_problem_count(list) > 0)
		bench_fail("ckpt_scan: %s", ckpt_run_list_problem(list, 0));
	if (ckpt_run_list_count(list) != (size_t)expected)
		bench_fail("ckpt_scan found %zu runs, not %ld", ckpt_run_list_count(list),
			   expected);
	return list;
}

/* Refreshes every run of the list against the list's snapshot (which stays
 * the base, so every repetition re-reads the same changes). */
static void refresh_all(const ckpt_run_list *list)
{
	size_t n = ckpt_run_list_count(list);
	for (size_t i = 0; i < n; i++) {
		ckpt_run *fresh;
		int rc = ckpt_run_refresh(&fresh, NULL, ckpt_run_list_get(list, i));
		if (rc)
			bench_fail_ckpt("ckpt_run_refresh", rc);
		ckpt_run_unref(fresh);
	}
}

/* The whole list scanned again, sharing what did not change (0.2). */
static void refresh_list(const ckpt_run_list *list)
{
	ckpt_run_list *fresh;
	int rc = ckpt_run_list_refresh(&fresh, NULL, list, NULL, NULL, NULL);
	if (rc)
		bench_fail_ckpt("ckpt_run_list_refresh", rc);
	if (ckpt_run_list_count(fresh) != ckpt_run_list_count(list))
		bench_fail("ckpt_run_list_refresh found %zu runs, not %zu",
			   ckpt_run_list_count(fresh), ckpt_run_list_count(list));
	ckpt_run_list_free(fresh);
}

static double best_of(void (*fn)(const ckpt_run_list *), const ckpt_run_list *list)
{
	double best = 1e300;
	for (int i = 0; i < WARM_RUNS; i++) {
		double start = bench_now();
		fn(list);
		double took = bench_now() - start;
		if (took < best)
			best = took;
	}
	return best;
}

/* A new mtime and ctime on the newest epoch's ckpt-info.json of one run in
 * a hundred, as a writer rewriting it would leave; returns how many. */
static long touch_some(const ckpt_run_list *list)
{
	long touched = 0;
	size_t n = ckpt_run_list_count(list);
	for (size_t i = 0; i < n; i += RUNS_PER_GROUP) {
		const ckpt_run *run = ckpt_run_list_get(list, i);
		size_t epochs = ckpt_run_epoch_count(run);
		if (epochs == 0)
			continue;
		char rel[64];
		snprintf(rel, sizeof rel, "epochs/%s/ckpt-info.json",
			 ckpt_epoch_dir(ckpt_run_epoch(run, epochs - 1)));
		char *path = bench_path(ckpt_run_root(run), rel);
		if (utimensat(AT_FDCWD, path, NULL, 0) != 0)
			bench_fail("%s: %s", path, strerror(errno));
		free(path);
		touched++;
	}
	return touched;
}

/* ---- printing -------------------------------------------------------------------- */

static void print_row(const char *what, long runs, double seconds)
{
	printf("%-36s %9.1f  %9.3f  %9.1f\n", what, seconds * 1e3, seconds * 1e3 / (double)runs,
	       (double)runs / seconds);
}

int main(int argc, char **argv)
{
	options o = parse_options(argc, argv);
	const char *scratch = bench_scratch_new(o.dir);
	if (o.keep)
		bench_keep_scratch();
	char *base = bench_path(scratch, "runs");
	if (mkdir(base, 0755) != 0)
		bench_fail("%s: %s", base, strerror(errno));

	printf("bench-scan: libckpt %s, %ld runs of %ld epochs (%d-byte models) in %s\n",
	       ckpt_version(), o.runs, o.epochs, MODEL_BYTES, base);
	double start = bench_now();
	generate(base, &o);
	printf("wrote the runs in %.2f s (writer, ckpt_fsync=false)\n\n", bench_now() - start);

	long rss_before = bench_peak_rss_kib();
	start = bench_now();
	ckpt_run_list *list = scan(base, o.runs);
	double scan_first = bench_now() - start;
	long rss_scan = bench_peak_rss_kib();
	double scan_best = 1e300;
	for (int i = 0; i < WARM_RUNS; i++) {
		ckpt_run_list_free(list);
		start = bench_now();
		list = scan(base, o.runs);
		double took = bench_now() - start;
		if (took < scan_best)
			scan_best = took;
	}
	size_t epochs = 0;
	for (size_t i = 0; i < ckpt_run_list_count(list); i++)
		epochs += ckpt_run_epoch_count(ckpt_run_list_get(list, i));

	double refresh_same = best_of(refresh_all, list);
	double list_same = best_of(refresh_list, list);
	long touched = touch_some(list);
	double refresh_touched = best_of(refresh_all, list);
	double list_touched = best_of(refresh_list, list);

	printf("%-36s %9s  %9s  %9s\n", "", "ms", "ms/run", "runs/s");
	print_row("ckpt_scan, first", o.runs, scan_first);
	print_row("ckpt_scan, best of 3", o.runs, scan_best);
	print_row("ckpt_run_refresh all, unchanged", o.runs, refresh_same);
	char what[64];
	snprintf(what, sizeof what, "ckpt_run_refresh all, %ld touched", touched);
	print_row(what, o.runs, refresh_touched);
	print_row("ckpt_run_list_refresh, unchanged", o.runs, list_same);
	snprintf(what, sizeof what, "ckpt_run_list_refresh, %ld touched", touched);
	print_row(what, o.runs, list_touched);
	printf("\n%zu epochs found; peak RSS %.1f MiB after the first scan, %.1f MiB before "
	       "it\n(%.1f KiB per run held in the list)\n",
	       epochs, (double)rss_scan / 1024.0, (double)rss_before / 1024.0,
	       (double)(rss_scan - rss_before) / (double)o.runs);

	ckpt_run_list_free(list);
	free(base);
	return 0;
}
