/* bench-dashboard.c: how the dashboard (`ckpt [PATH]`) copes with many
 * runs: writes N runs of E epochs with the writer, times the bare
 * ckpt_scan and ckpt_run_list_refresh as the reference, then runs the real
 * program on a pseudo-terminal (200x50) and measures when the first run
 * reaches the screen, when a screenful does, what each refresh costs the
 * screen's thread after 1% of the runs gained an epoch, and its peak
 * memory. Prints figures only. */
#include "bench-util.h"
#include "scan-tree.h"

#include "ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


typedef struct options {
	long runs;
	long epochs;
	const char *dir;
	const char *ckpt;
	bool keep;
} options;

static void usage(FILE *to)
{
	fputs(
	    "usage: bench-dashboard [--runs N] [--epochs E] [--dir DIR] [--ckpt PROGRAM] [--keep]\n"
	    "  Writes N runs (default 1000) of E epochs (default 50) under DIR (default\n"
	    "  $TMPDIR or /tmp), then times the dashboard of PROGRAM (default the build's\n"
	    "  tui/ckpt) on them beside the bare scan. --keep leaves the runs on disk.\n",
	    to);
}

static options parse_options(int argc, char **argv)
{
	options o = {1000, 50, NULL, BENCH_CKPT_BIN, false};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--runs") && i + 1 < argc) {
			o.runs = bench_parse_count("--runs", argv[++i], 1000000);
		} else if (!strcmp(arg, "--epochs") && i + 1 < argc) {
			o.epochs = bench_parse_count("--epochs", argv[++i], 9999);
		} else if (!strcmp(arg, "--dir") && i + 1 < argc) {
			o.dir = argv[++i];
		} else if (!strcmp(arg, "--ckpt") && i + 1 < argc) {
			o.ckpt = argv[++i];
		} else if (!strcmp(arg, "--keep")) {
			o.keep = true;
		} else {
			usage(stderr);
			exit(2);
		}
	}
	return o;
}

/* ---- the runs ------------------------------------------------------------------ */

/* In children, so that this process's memory is the scan's alone. */
static void generate(const char *base, const options *o)
{
	scan_tree_write(base, o->runs, o->epochs, 4);
}

/* ---- the reference ----------------------------------------------------------------- */

static double time_scan(const char *base, long expected, ckpt_run_list **out)
{
	double start = bench_now();
	int rc = ckpt_scan(out, base, 0, NULL, NULL, NULL);
	double took = bench_now() - start;
	if (rc)
		bench_fail_ckpt("ckpt_scan", rc);
	if (ckpt_run_list_count(*out) != (size_t)expected)
		bench_fail("ckpt_scan found %zu runs, not %ld", ckpt_run_list_count(*out),
			   expected);
	return took;
}

static double time_list_refresh(const ckpt_run_list *list)
{
	ckpt_run_list *fresh;
	double start = bench_now();
	int rc = ckpt_run_list_refresh(&fresh, NULL, list, NULL, NULL, NULL);
	double took = bench_now() - start;
	if (rc)
		bench_fail_ckpt("ckpt_run_list_refresh", rc);
	ckpt_run_list_free(fresh);
	return took;
}

/* ---- the dashboard on a pseudo-terminal ------------------------------------------------ */

typedef struct dashboard {
	pid_t pid;
	int master;
	char *stats;
	char tail[256]; /* the end of what it drew, to look for text across reads */
	size_t drawn;   /* bytes it wrote */
} dashboard;

static dashboard start_dashboard(const options *o, const char *base, const char *scratch)
{
	dashboard d = {0};
	d.stats = bench_path(scratch, "dashboard-stats");
	struct winsize ws = {50, 200, 0, 0};
	int slave;
	if (openpty(&d.master, &slave, NULL, NULL, &ws) != 0)
		bench_fail("openpty: %s", strerror(errno));
	d.pid = fork();
	if (d.pid < 0)
		bench_fail("fork: %s", strerror(errno));
	if (d.pid == 0) {
		setsid();
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0), dup2(slave, 1);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		close(d.master);
		setenv("TERM", "xterm-256color", 1);
		setenv("CKPT_DASH_STATS", d.stats, 1);
		execl(o->ckpt, o->ckpt, base, (char *)NULL);
		_exit(127);
	}
	close(slave);
	return d;
}

/* Reads what the dashboard drew for up to `seconds`, or until it drew
 * `text` (NULL: just drain); true when it did. */
static bool read_until(dashboard *d, const char *text, double seconds)
{
	double deadline = bench_now() + seconds;
	for (;;) {
		double left = deadline - bench_now();
		if (left <= 0)
			return false;
		struct pollfd p = {d->master, POLLIN, 0};
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		char buf[65536];
		ssize_t n = read(d->master, buf, sizeof buf);
		if (n <= 0)
			return false;
		d->drawn += (size_t)n;
		/* Look in the old tail and the new bytes together. */
		size_t keep = strlen(d->tail);
		char *all = malloc(keep + (size_t)n + 1);
		if (!all)
			bench_fail("out of memory");
		memcpy(all, d->tail, keep);
		memcpy(all + keep, buf, (size_t)n);
		all[keep + (size_t)n] = '\0';
		for (size_t i = 0; i < keep + (size_t)n; i++)
			if (!all[i])
				all[i] = ' ';
		bool found = text && strstr(all, text);
		size_t total = keep + (size_t)n, from = total > 128 ? total - 128 : 0;
		snprintf(d->tail, sizeof d->tail, "%s", all + from);
		free(all);
		if (found)
			return true;
	}
}

static void stop_dashboard(dashboard *d)
{
	if (write(d->master, "q", 1) != 1)
		kill(d->pid, SIGTERM);
	double deadline = bench_now() + 10;
	int status;
	while (waitpid(d->pid, &status, WNOHANG) == 0) {
		read_until(d, NULL, 0.05);
		if (bench_now() > deadline) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			break;
		}
	}
	close(d->master);
}

/* A figure from the stats file the dashboard writes at exit. */
static double stat_of(const char *path, const char *name)
{
	FILE *f = fopen(path, "r");
	char key[64];
	double value, found = -1;
	while (f && fscanf(f, "%63s %lf", key, &value) == 2)
		if (strcmp(key, name) == 0)
			found = value;
	if (f)
		fclose(f);
	return found;
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
	printf("bench-dashboard: libckpt %s, %ld runs of %ld epochs (%ld epochs) in %s\n",
	       ckpt_version(), o.runs, o.epochs, o.runs * o.epochs, base);
	double start = bench_now();
	generate(base, &o);
	printf("wrote the runs in %.1f s (writer, every epoch kept, ckpt_fsync=false)\n\n",
	       bench_now() - start);

	/* The reference: what the library alone takes, in this process. */
	long rss_before = bench_peak_rss_kib();
	ckpt_run_list *list = NULL;
	double scan_first = time_scan(base, o.runs, &list);
	long rss_scan = bench_peak_rss_kib() - rss_before;
	double scan_best = scan_first;
	for (int i = 0; i < 3; i++) {
		ckpt_run_list_free(list);
		double took = time_scan(base, o.runs, &list);
		scan_best = took < scan_best ? took : scan_best;
	}
	double refresh = time_list_refresh(list);
	printf("reference, libckpt alone:\n");
	printf("  ckpt_scan                      %8.1f ms first, %.1f ms best of 3\n",
	       scan_first * 1e3, scan_best * 1e3);
	printf("  ckpt_run_list_refresh          %8.1f ms (nothing changed)\n", refresh * 1e3);
	printf("  memory of the scanned list     %8.1f MiB\n\n", (double)rss_scan / 1024.0);
	ckpt_run_list_free(list);

	/* The dashboard: a run on screen, then a screenful, then the scan done. */
	start = bench_now();
	dashboard d = start_dashboard(&o, base, scratch);
	bool first = read_until(&d, "/run-0", 30);
	double first_seen = bench_now() - start;
	read_until(&d, NULL, 2.0 + scan_best * 3);
	/* 1% of the runs gain an epoch, as trainers would. */
	long changed = o.runs / 100 > 0 ? o.runs / 100 : 1;
	double touch_start = bench_now();
	for (long i = 0; i < changed; i++)
		scan_tree_add_epoch(base, i * (o.runs / changed), o.epochs);
	double touched = bench_now() - touch_start;
	read_until(&d, NULL, 3.0);
	stop_dashboard(&d);

	printf("the dashboard (%s, 200x50):\n", o.ckpt);
	if (first)
		printf("  first run on screen            %8.1f ms after the program started\n",
		       first_seen * 1e3);
	else
		printf("  first run on screen            never (within 30 s)\n");
	double drawn = stat_of(d.stats, "first_run_drawn"),
	       full = stat_of(d.stats, "first_screen_full");
	printf(
	    "  inside: first run drawn        %8.1f ms, a screenful of runs %.1f ms after its loop "
	    "began\n",
	    drawn * 1e3, full * 1e3);
	double frames = stat_of(d.stats, "refresh_frames"),
	       seconds = stat_of(d.stats, "refresh_seconds");
	printf("  %ld runs gained an epoch (%.2f s): %.0f frames with news after the scan,\n",
	       changed, touched, frames);
	printf("  per refresh on the screen's thread %5.2f ms average, %.2f ms at most\n",
	       frames > 0 ? seconds / frames * 1e3 : 0.0, stat_of(d.stats, "refresh_max") * 1e3);
	printf("  peak RSS                       %8.1f MiB (%.0f runs)\n",
	       stat_of(d.stats, "max_rss_kib") / 1024.0, stat_of(d.stats, "runs"));
	printf("  drawn                          %8.1f KiB of terminal output\n",
	       (double)d.drawn / 1024.0);
	free(d.stats);
	free(base);
	return 0;
}
