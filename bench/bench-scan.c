/* bench-scan.c: how fast `ckpt ls` and ckpt_scan read an experiment, beside
 * references timed in the same rounds: the bare C walk (walk-floor: open and
 * read each ckpt-info.json, stat each model, no parsing; 1 and 2 threads)
 * and two Python walks (walk-python.py: json.load and os.stat, found by
 * os.walk as a researcher's script does, or by the leanest os.scandir). Also system
 * calls per epoch (strace -c -f), memory held per epoch, and a refresh after
 * one new epoch beside the full scan. Prints figures only, medians of rounds. */
#include "bench-util.h"
#include "scan-tree.h"

#include "ckpt.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { V_LS_JSON, V_LS_TABLE, V_SCAN, V_FLOOR_1, V_FLOOR_2, V_PYTHON, V_PYTHON_LEAN, N_VARIANTS };
#define MAX_ROUNDS 50

typedef struct options {
	long runs, epochs, rounds;
	const char *dir, *ckpt, *floor, *python, *script;
	bool keep, strace;
} options;

static void usage(FILE *to)
{
	fputs("usage: bench-scan [--runs N] [--epochs E] [--rounds R] [--dir DIR] [--keep]\n"
	      "                  [--ckpt PROGRAM] [--python PYTHON] [--no-strace]\n"
	      "  Writes N runs (default 1000) of E epochs (default 50) under DIR (default\n"
	      "  $TMPDIR or /tmp) with libckpt's writer, then times, R rounds (default 5),\n"
	      "  `ckpt ls --json`, `ckpt ls`, ckpt_scan, the bare C walk on 1 and 2 threads\n"
	      "  and the Python walks, os.walk and os.scandir (default /usr/bin/python3),\n"
	      "  and prints medians and ratios. --keep leaves the runs on disk.\n",
	      to);
}

static options parse_options(int argc, char **argv)
{
	options o = {1000, 50, 5, NULL, BENCH_CKPT_BIN, BENCH_FLOOR_BIN, "/usr/bin/python3",
		     BENCH_PYTHON_WALK, false, true};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--runs") && more) {
			o.runs = bench_parse_count("--runs", argv[++i], 1000000);
		} else if (!strcmp(arg, "--epochs") && more) {
			o.epochs = bench_parse_count("--epochs", argv[++i], 99999);
		} else if (!strcmp(arg, "--rounds") && more) {
			o.rounds = bench_parse_count("--rounds", argv[++i], MAX_ROUNDS);
		} else if (!strcmp(arg, "--dir") && more) {
			o.dir = argv[++i];
		} else if (!strcmp(arg, "--ckpt") && more) {
			o.ckpt = argv[++i];
		} else if (!strcmp(arg, "--python") && more) {
			o.python = argv[++i];
		} else if (!strcmp(arg, "--keep")) {
			o.keep = true;
		} else if (!strcmp(arg, "--no-strace")) {
			o.strace = false;
		} else {
			usage(stderr);
			exit(2);
		}
	}
	return o;
}

/* ---- the in-process scan ------------------------------------------------------ */

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static ckpt_run_list *scan(const char *base, long expected, size_t *out_epochs)
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
	size_t epochs = 0;
	for (size_t i = 0; i < ckpt_run_list_count(list); i++)
		epochs += ckpt_run_epoch_count(ckpt_run_list_get(list, i));
	*out_epochs = epochs;
	return list;
}

static double time_scan(const char *base, long expected)
{
	size_t epochs;
	double start = bench_now();
	ckpt_run_list *list = scan(base, expected, &epochs);
	double took = bench_now() - start;
	ckpt_run_list_free(list);
	malloc_trim(0); /* so that the children forked next start small */
	return took;
}

/* ---- rounds of every variant ---------------------------------------------------- */

static const char *const variant_names[N_VARIANTS] = {
    [V_LS_JSON] = "ckpt ls --json",        [V_LS_TABLE] = "ckpt ls",
    [V_SCAN] = "ckpt_scan (in process)",   [V_FLOOR_1] = "bare C walk, 1 thread",
    [V_FLOOR_2] = "bare C walk, 2 threads", [V_PYTHON] = "Python walk, os.walk",
    [V_PYTHON_LEAN] = "Python walk, os.scandir",
};

typedef struct figures {
	double seconds[N_VARIANTS][MAX_ROUNDS];
	double median[N_VARIANTS];
	long rss_kib[N_VARIANTS];
} figures;

static double run_variant(int v, const options *o, char *base, long *rss)
{
	char threads1[] = "1", threads2[] = "2", flag[] = "--threads", ls[] = "ls",
	     json[] = "--json", lean[] = "--scandir";
	char *ckpt = (char *)o->ckpt, *floor_bin = (char *)o->floor, *python = (char *)o->python,
	     *script = (char *)o->script;
	switch (v) {
	case V_LS_JSON: return bench_run_program((char *[]){ckpt, ls, json, base, NULL}, NULL, rss);
	case V_LS_TABLE: return bench_run_program((char *[]){ckpt, ls, base, NULL}, NULL, rss);
	case V_FLOOR_1:
		return bench_run_program((char *[]){floor_bin, flag, threads1, base, NULL}, NULL, rss);
	case V_FLOOR_2:
		return bench_run_program((char *[]){floor_bin, flag, threads2, base, NULL}, NULL, rss);
	case V_PYTHON: return bench_run_program((char *[]){python, script, base, NULL}, NULL, rss);
	case V_PYTHON_LEAN:
		return bench_run_program((char *[]){python, script, lean, base, NULL}, NULL, rss);
	default: *rss = 0; return time_scan(base, o->runs);
	}
}

/* Every round runs every variant once, so a busy moment of the shared
 * machine hits them all alike, each round starting one variant later (what
 * runs right after a Python walk meets the caches it left, and the kernel
 * still freeing its memory: each variant takes that turn alike); one
 * warm-up round first. */
static void measure(figures *f, const options *o, char *base)
{
	for (int v = 0; v < N_VARIANTS; v++) {
		long rss;
		run_variant(v, o, base, &rss);
	}
	for (long r = 0; r < o->rounds; r++)
		for (int i = 0; i < N_VARIANTS; i++) {
			int v = (int)((i + r) % N_VARIANTS);
			long rss;
			f->seconds[v][r] = run_variant(v, o, base, &rss);
			if (rss > f->rss_kib[v])
				f->rss_kib[v] = rss;
		}
	for (int v = 0; v < N_VARIANTS; v++)
		f->median[v] = bench_median(f->seconds[v], (size_t)o->rounds);
}

/* ---- system calls ------------------------------------------------------------------- */

static const char *find_strace(void)
{
	static const char *const places[] = {"/usr/bin/strace", "/bin/strace",
					     "/usr/local/bin/strace"};
	for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
		if (access(places[i], X_OK) == 0)
			return places[i];
	return NULL;
}

/* The "total" line of strace -c: calls of every thread of the program. */
static long count_syscalls(const char *strace, char *const argv[], const char *scratch)
{
	char *log = bench_path(scratch, "strace.txt");
	char *args[16] = {(char *)strace, "-c", "-f", "-o", log};
	size_t n = 5;
	for (size_t i = 0; argv[i] && n < 15; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	bench_run_program(args, NULL, NULL);
	FILE *f = fopen(log, "r");
	long calls = -1;
	char line[256];
	while (f && fgets(line, sizeof line, f)) {
		double pct, secs;
		long usecs, count;
		if (strstr(line, "total") &&
		    sscanf(line, "%lf %lf %ld %ld", &pct, &secs, &usecs, &count) == 4)
			calls = count;
	}
	if (f)
		fclose(f);
	free(log);
	return calls;
}

/* ---- refresh ---------------------------------------------------------------------------- */

typedef struct refresh_figures {
	double list, run, scan;
	bool list_changed, run_changed;
} refresh_figures;

/* Run 0 gains an epoch; then its list and the run itself are refreshed
 * against the snapshot taken before (each round re-reads the same change). */
static refresh_figures measure_refresh(const options *o, const char *base)
{
	refresh_figures rf = {0};
	size_t epochs;
	ckpt_run_list *list = scan(base, o->runs, &epochs);
	scan_tree_add_epoch(base, 0, o->epochs);
	double lists[MAX_ROUNDS], runs[MAX_ROUNDS], scans[MAX_ROUNDS];
	for (long r = 0; r < o->rounds; r++) {
		ckpt_run_list *fresh;
		double start = bench_now();
		int rc = ckpt_run_list_refresh(&fresh, &rf.list_changed, list, NULL, NULL, NULL);
		lists[r] = bench_now() - start;
		if (rc)
			bench_fail_ckpt("ckpt_run_list_refresh", rc);
		ckpt_run_list_free(fresh);
		ckpt_run *run;
		start = bench_now();
		rc = ckpt_run_refresh(&run, &rf.run_changed, ckpt_run_list_get(list, 0));
		runs[r] = bench_now() - start;
		if (rc)
			bench_fail_ckpt("ckpt_run_refresh", rc);
		ckpt_run_unref(run);
		scans[r] = time_scan(base, o->runs);
	}
	ckpt_run_list_free(list);
	rf.list = bench_median(lists, (size_t)o->rounds);
	rf.run = bench_median(runs, (size_t)o->rounds);
	rf.scan = bench_median(scans, (size_t)o->rounds);
	return rf;
}

/* ---- printing -------------------------------------------------------------------------- */

static void print_ratio(const char *what, double value, const char *target, bool met)
{
	printf("  %-52s %7.2f   %-10s %s\n", what, value, target, met ? "met" : "NOT met");
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
	printf("bench-scan: libckpt %s, %ld runs x %ld epochs in %s\n", ckpt_version(), o.runs,
	       o.epochs, base);
	double start = bench_now();
	scan_tree_write(base, o.runs, o.epochs, 2);
	printf("wrote them in %.1f s (libckpt's writer, ckpt_fsync=false, 2 processes)\n",
	       bench_now() - start);

	/* Memory held by one scan, before the rounds grow this process. */
	size_t heap_before = heap_in_use(), epochs;
	ckpt_run_list *list = scan(base, o.runs, &epochs);
	size_t held = heap_in_use() - heap_before;
	ckpt_run_list_free(list);
	malloc_trim(0);

	static figures f;
	measure(&f, &o, base);
	printf("\n%zu epochs; medians of %ld rounds (page cache warm)\n", epochs, o.rounds);
	printf("  %-30s %10s %12s %10s\n", "", "ms", "us/epoch", "peak MiB");
	for (int v = 0; v < N_VARIANTS; v++) {
		printf("  %-30s %10.1f %12.2f", variant_names[v], f.median[v] * 1e3,
		       f.median[v] * 1e6 / (double)epochs);
		if (f.rss_kib[v] > 0)
			printf(" %10.1f\n", (double)f.rss_kib[v] / 1024.0);
		else
			printf(" %10s\n", "-");
	}
	printf("\nmemory held by ckpt_scan's list: %.1f MiB, %.0f bytes per epoch\n",
	       (double)held / 1048576.0, (double)held / (double)epochs);

	const char *strace = o.strace ? find_strace() : NULL;
	long ls_calls = -1, floor_calls = -1;
	if (strace) {
		char ls[] = "ls", json[] = "--json", flag[] = "--threads", one[] = "1";
		ls_calls = count_syscalls(strace, (char *[]){(char *)o.ckpt, ls, json, base, NULL},
					  scratch);
		floor_calls = count_syscalls(
		    strace, (char *[]){(char *)o.floor, flag, one, base, NULL}, scratch);
		printf("system calls per epoch (strace -c -f): ckpt ls --json %.2f, bare C walk "
		       "%.2f\n",
		       (double)ls_calls / (double)epochs, (double)floor_calls / (double)epochs);
	} else {
		printf("system calls per epoch: not counted (%s)\n",
		       o.strace ? "no strace found; apt-get install strace" : "--no-strace");
	}

	refresh_figures rf = measure_refresh(&o, base);
	printf("after one new epoch in one run: ckpt_run_list_refresh %.2f ms (%s), "
	       "ckpt_run_refresh of that run %.3f ms, full ckpt_scan %.1f ms\n",
	       rf.list * 1e3, rf.list_changed ? "changed" : "UNCHANGED?", rf.run * 1e3,
	       rf.scan * 1e3);

	double floor1 = f.median[V_FLOOR_1], python = f.median[V_PYTHON],
	       lean = f.median[V_PYTHON_LEAN];
	printf("\ntargets (ratios of medians from the same rounds)\n");
	print_ratio("ckpt ls --json / bare C walk 1 thread", f.median[V_LS_JSON] / floor1,
		    "<= 1", f.median[V_LS_JSON] <= floor1);
	print_ratio("ckpt ls / bare C walk 1 thread", f.median[V_LS_TABLE] / floor1, "<= 1",
		    f.median[V_LS_TABLE] <= floor1);
	print_ratio("Python walk, os.walk / ckpt ls --json", python / f.median[V_LS_JSON],
		    ">= 8", python >= 8 * f.median[V_LS_JSON]);
	print_ratio("Python walk, os.walk / ckpt ls", python / f.median[V_LS_TABLE], ">= 8",
		    python >= 8 * f.median[V_LS_TABLE]);
	print_ratio("Python walk, os.scandir / ckpt ls --json", lean / f.median[V_LS_JSON],
		    ">= 8", lean >= 8 * f.median[V_LS_JSON]);
	print_ratio("Python walk, os.scandir / ckpt ls", lean / f.median[V_LS_TABLE], ">= 8",
		    lean >= 8 * f.median[V_LS_TABLE]);
	print_ratio("KiB held per epoch by ckpt_scan", (double)held / 1024.0 / (double)epochs,
		    "<= 1", held <= 1024 * epochs);
	print_ratio("ckpt_run_list_refresh / full scan, %", 100 * rf.list / rf.scan, "<= 2",
		    rf.list <= 0.02 * rf.scan);
	print_ratio("ckpt_run_refresh (the run) / full scan, %", 100 * rf.run / rf.scan, "<= 2",
		    rf.run <= 0.02 * rf.scan);
	/* What any scan on these cores could reach: the floor's calls on both. */
	printf("  %-52s %7.2f   (the most a 2-core scan could show)\n",
	       "Python walk, os.walk / bare C walk 2 threads", python / f.median[V_FLOOR_2]);
	printf("  %-52s %7.2f   (likewise)\n", "Python walk, os.scandir / bare C walk 2 threads",
	       lean / f.median[V_FLOOR_2]);
	if (ls_calls > 0 && floor_calls > 0)
		printf("  %-52s %7.2f   (floor %.2f)\n", "system calls per epoch, ckpt ls --json",
		       (double)ls_calls / (double)epochs, (double)floor_calls / (double)epochs);
	free(base);
	return 0;
}
