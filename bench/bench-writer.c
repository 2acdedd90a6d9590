/* bench-writer.c: how fast libckpt's writer saves epochs of a small model,
 * fsync on and off, printed beside references timed in the same rounds: a
 * bare C floor (the least a safe save does) and the Python original's save
 * procedure (bench/writer-original.py, run by /usr/bin/python3), with the
 * same model bytes, metric values and retention. System calls and fsyncs
 * per epoch are counted by a ptrace(2) loop of its own (no strace needed).
 * Prints medians and the ratios the targets name; asserts nothing. */
#include "bench-util.h"

#include "ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <sys/user.h>
#define BENCH_COUNTS 1
#endif

#ifndef BENCH_PYTHON_SCRIPT
#define BENCH_PYTHON_SCRIPT "bench/writer-original.py"
#endif

#define MAX_ROUNDS 50
/* getpriority() of this absent process marks where counting starts and
 * stops (writer-original.py makes the same call). */
#define MARK_WHO 999999999

typedef struct options {
	long epochs, rounds, model_kib, keep_limit;
	const char *keep_mode, *dir, *python, *script;
	bool count; /* count system calls */
} options;

static void usage(FILE *to)
{
	fputs("usage: bench-writer [--epochs N] [--rounds N] [--model-kib N] [--keep-limit N]\n"
	      "                    [--keep-mode linear|all|exponential] [--dir DIR]\n"
	      "                    [--python PATH] [--script PATH] [--no-count]\n"
	      "  Saves --epochs epochs (default 200) of a --model-kib KiB model (default\n"
	      "  1024) into fresh runs in DIR (default $TMPDIR or /tmp), --rounds times\n"
	      "  (default 5): with libckpt's writer fsync on and off, a bare C floor on\n"
	      "  and off, and the Python original's procedure (--python, default\n"
	      "  /usr/bin/python3, running --script). Retention: --keep-mode (default\n"
	      "  linear), --keep-limit (default 5). Prints median ms per epoch, and\n"
	      "  system calls and fsyncs per epoch counted by tracing one more run of\n"
	      "  each (--no-count: skip that). Removes what it made.\n",
	      to);
}

static options parse_options(int argc, char **argv)
{
	options o = {.epochs = 200,
		     .rounds = 5,
		     .model_kib = 1024,
		     .keep_limit = 5,
		     .keep_mode = "linear",
		     .python = "/usr/bin/python3",
		     .script = BENCH_PYTHON_SCRIPT,
		     .count = true};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--epochs") && more) {
			o.epochs = bench_parse_count("--epochs", argv[++i], 1000000);
		} else if (!strcmp(arg, "--rounds") && more) {
			o.rounds = bench_parse_count("--rounds", argv[++i], MAX_ROUNDS);
		} else if (!strcmp(arg, "--model-kib") && more) {
			o.model_kib = bench_parse_count("--model-kib", argv[++i], 1L << 20);
		} else if (!strcmp(arg, "--keep-limit") && more) {
			o.keep_limit = bench_parse_count("--keep-limit", argv[++i], 1000000);
		} else if (!strcmp(arg, "--keep-mode") && more) {
			o.keep_mode = argv[++i];
			if (strcmp(o.keep_mode, "linear") && strcmp(o.keep_mode, "all") &&
			    strcmp(o.keep_mode, "exponential"))
				bench_fail("--keep-mode %s: must be linear, all or exponential",
					   o.keep_mode);
		} else if (!strcmp(arg, "--dir") && more) {
			o.dir = argv[++i];
		} else if (!strcmp(arg, "--python") && more) {
			o.python = argv[++i];
		} else if (!strcmp(arg, "--script") && more) {
			o.script = argv[++i];
		} else if (!strcmp(arg, "--no-count")) {
			o.count = false;
		} else {
			usage(stderr);
			exit(2);
		}
	}
	return o;
}

/* Better on even epochs, worse on odd ones: best moves every other save. */
static double metric_value(long epoch0)
{
	return epoch0 % 2 == 0 ? 1.0 / (1.0 + (double)epoch0) : 2.0;
}

static void mark(void)
{
	errno = 0;
	(void)getpriority(PRIO_PROCESS, MARK_WHO);
}

static void write_all(int fd, const void *data, size_t len, const char *path)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			bench_fail("%s: write: %s", path, n < 0 ? strerror(errno) : "no progress");
		p += n;
		len -= (size_t)n;
	}
}

typedef struct model {
	unsigned char *bytes;
	size_t len;
} model;

/* The trainer's model writer: the same bytes every epoch. */
static int write_model(const char *path, void *payload)
{
	const model *m = payload;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return 1;
	write_all(fd, m->bytes, m->len, path);
	return close(fd) != 0;
}

/* ---- libckpt's writer ---------------------------------------------------- */

/* Last tenth's time over the first tenth's, fsync off, one per round:
 * [0] libckpt's, [1] the floor's (what the file system's own growth is). */
static double growth[2][MAX_ROUNDS];
static long n_growth[2];

static void growth_add(int which, double ratio)
{
	if (n_growth[which] < MAX_ROUNDS)
		growth[which][n_growth[which]++] = ratio;
}

/* Saves o->epochs epochs into root; the seconds of the epoch loop. */
static double run_libckpt(const options *o, const char *root, model *m, bool sync)
{
	ckpt_params *params;
	int rc = ckpt_params_new(&params);
	if (rc)
		bench_fail_ckpt("ckpt_params_new", rc);
	char text[32];
	snprintf(text, sizeof text, "%ld", o->epochs);
	bench_set_param(params, "epochs", text);
	bench_set_param(params, "ckpt_directory", root);
	bench_set_param(params, "ckpt_fsync", sync ? "true" : "false");
	snprintf(text, sizeof text, "%ld", o->keep_limit);
	bench_set_param(params, "ckpt_keep_limit", text);
	bench_set_param(params, "ckpt_keep_mode", o->keep_mode);
	ckpt_writer *writer;
	if ((rc = ckpt_writer_new(&writer, params, 0)) != 0)
		bench_fail_ckpt("ckpt_writer_new", rc);
	ckpt_params_free(params);
	ckpt_writer_set_model_io(writer, write_model, NULL, m);
	/* The first and the last tenth of the epochs, timed apart: a save
	 * whose cost grows with the epochs before it shows here. */
	long tenth = o->epochs / 10 > 0 ? o->epochs / 10 : 1;
	double first_end = 0, last_start = 0;
	mark();
	double start = bench_now();
	for (long e = 0; e < o->epochs; e++) {
		if (e == o->epochs - tenth)
			last_start = bench_now();
		ckpt_epoch_result result = {.size = sizeof result};
		if ((rc = ckpt_writer_epoch(&result, writer, e, '-', metric_value(e), NULL, 0)) !=
		    0)
			bench_fail_ckpt("ckpt_writer_epoch", rc);
		if (e == tenth - 1)
			first_end = bench_now();
	}
	double end = bench_now(), took = end - start;
	mark();
	if (!sync && o->epochs >= 20)
		growth_add(0, (end - last_start) / (first_end - start));
	ckpt_writer_free(writer);
	return took;
}

/* ---- the bare C floor ---------------------------------------------------- */

/* What a safe save cannot do without: the model and its info written in a
 * staging dir, [both files and the dir synced], renamed into place
 * [epochs/ synced], best and last re-pointed by renaming new links over
 * them [R/ synced], and an epoch retention drops moved out of epochs/ in
 * the same window (so the same syncs cover it) and removed after. */
typedef struct floor_run {
	const char *root;
	char work[4096], epochs[4096], gone[4096];
	bool sync;
} floor_run;

static void floor_fsync(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		bench_fail("%s: fsync: %s", path, strerror(errno));
	close(fd);
}

static void floor_file(const floor_run *f, const char *name, const void *data, size_t len)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", f->work, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		bench_fail("%s: %s", path, strerror(errno));
	write_all(fd, data, len, path);
	if (f->sync && fsync(fd) != 0)
		bench_fail("%s: fsync: %s", path, strerror(errno));
	close(fd);
}

static void floor_link(const floor_run *f, const char *name, const char *target)
{
	char tmp[4200], final[4200];
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", f->root, name);
	snprintf(final, sizeof final, "%s/%s", f->root, name);
	if (symlink(target, tmp) != 0 || rename(tmp, final) != 0)
		bench_fail("%s: %s", final, strerror(errno));
}

static void floor_save(floor_run *f, const model *m, long epoch, bool best, long drop)
{
	if (mkdir(f->work, 0755) != 0)
		bench_fail("%s: %s", f->work, strerror(errno));
	char path[4200];
	snprintf(path, sizeof path, "%s/model.h5", f->work);
	if (write_model(path, (void *)m) != 0)
		bench_fail("%s: %s", path, strerror(errno));
	if (f->sync)
		floor_fsync(path);
	char info[512];
	int n = snprintf(info, sizeof info,
			 "{\"epoch\": %ld, \"save_best_metric\": \"val_loss\", "
			 "\"best_metric_last\": %f, \"model_file\": \"model.h5\", "
			 "\"checksum\": \"__DISABLED__\", \"timestamp\": \"2026-03-02 09:00:50\", "
			 "\"time_elapsed\": 1.0, \"metadata\": null}\n",
			 epoch, metric_value(epoch - 1));
	floor_file(f, "ckpt-info.json", info, (size_t)n);
	if (f->sync)
		floor_fsync(f->work);
	char dest[4200], target[64];
	snprintf(target, sizeof target, "epochs/%03ld", epoch);
	snprintf(dest, sizeof dest, "%s/%s", f->root, target);
	if (rename(f->work, dest) != 0)
		bench_fail("%s: %s", dest, strerror(errno));
	char old[4200];
	snprintf(old, sizeof old, "%s/%03ld", f->epochs, drop);
	if (drop > 0 && rename(old, f->gone) != 0)
		bench_fail("%s: %s", old, strerror(errno));
	if (f->sync)
		floor_fsync(f->epochs);
	if (best)
		floor_link(f, "best", target);
	floor_link(f, "last", target);
	if (f->sync)
		floor_fsync(f->root);
	if (drop > 0) {
		char file[4200];
		snprintf(file, sizeof file, "%s/model.h5", f->gone);
		unlink(file);
		snprintf(file, sizeof file, "%s/ckpt-info.json", f->gone);
		unlink(file);
		if (rmdir(f->gone) != 0)
			bench_fail("%s: %s", f->gone, strerror(errno));
	}
}

/* The floor keeps what libckpt's linear retention keeps here: the newest
 * keep_limit epochs (best is always among the last two). */
static double run_floor(const options *o, const char *root, model *m, bool sync)
{
	floor_run f = {.root = root, .sync = sync};
	snprintf(f.work, sizeof f.work, "%s/work", root);
	snprintf(f.epochs, sizeof f.epochs, "%s/epochs", root);
	snprintf(f.gone, sizeof f.gone, "%s/gone", root);
	if (mkdir(root, 0755) != 0 || mkdir(f.epochs, 0755) != 0)
		bench_fail("%s: %s", root, strerror(errno));
	bool prune = strcmp(o->keep_mode, "all") != 0;
	double best = 1e300;
	long tenth = o->epochs / 10 > 0 ? o->epochs / 10 : 1;
	double first_end = 0, last_start = 0;
	mark();
	double start = bench_now();
	for (long e = 0; e < o->epochs; e++) {
		if (e == o->epochs - tenth)
			last_start = bench_now();
		if (e == tenth)
			first_end = bench_now();
		long epoch = e + 1;
		double value = metric_value(e);
		bool improved = value < best;
		if (improved)
			best = value;
		long drop = prune && epoch > o->keep_limit ? epoch - o->keep_limit : 0;
		floor_save(&f, m, epoch, improved, drop);
	}
	double end = bench_now(), took = end - start;
	mark();
	if (!sync && o->epochs >= 20)
		growth_add(1, (end - last_start) / (first_end - start));
	return took;
}

/* ---- the Python original ------------------------------------------------- */

static void python_argv(const options *o, const char *root, const char *model_path,
			char *argv[8], char texts[2][32])
{
	snprintf(texts[0], 32, "%ld", o->epochs);
	snprintf(texts[1], 32, "%ld", o->keep_limit);
	argv[0] = (char *)o->python;
	argv[1] = (char *)o->script;
	argv[2] = (char *)root;
	argv[3] = texts[0];
	argv[4] = (char *)model_path;
	argv[5] = texts[1];
	argv[6] = (char *)o->keep_mode;
	argv[7] = NULL;
}

/* The loop's seconds as the script prints them; -1 when it cannot run. */
static double run_python(const options *o, const char *root, const char *model_path)
{
	char *argv[8], texts[2][32];
	python_argv(o, root, model_path, argv, texts);
	int out[2];
	if (pipe(out) != 0)
		bench_fail("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		bench_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	char text[128] = "";
	size_t got = 0;
	ssize_t n;
	while (got < sizeof text - 1 && (n = read(out[0], text + got, sizeof text - 1 - got)) > 0)
		got += (size_t)n;
	text[got] = '\0';
	close(out[0]);
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return strtod(text, NULL);
}

/* ---- counting system calls ----------------------------------------------- */

typedef struct counts {
	bool ok;
	double calls, fsyncs; /* per epoch, between the marks */
} counts;

typedef enum config { LIBCKPT_ON, LIBCKPT_OFF, FLOOR_ON, FLOOR_OFF, PYTHON, N_CONFIGS } config;

static const char *const config_names[N_CONFIGS] = {
    "libckpt writer, fsync on", "libckpt writer, fsync off", "bare C floor, fsync on",
    "bare C floor, fsync off", "Python original (no fsync)"};

static double run_config(config c, const options *o, const char *root, model *m,
			 const char *model_path)
{
	switch (c) {
	case LIBCKPT_ON: return run_libckpt(o, root, m, true);
	case LIBCKPT_OFF: return run_libckpt(o, root, m, false);
	case FLOOR_ON: return run_floor(o, root, m, true);
	case FLOOR_OFF: return run_floor(o, root, m, false);
	case PYTHON:
	case N_CONFIGS:
	default: return run_python(o, root, model_path);
	}
}

#ifdef BENCH_COUNTS
/* Runs config c once in a traced child and counts the system calls it
 * makes between its two marks. */
static counts count_config(config c, const options *o, const char *root, model *m,
			   const char *model_path)
{
	counts result = {.ok = false};
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return result;
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			_exit(126);
		raise(SIGSTOP);
		if (c == PYTHON) {
			char *argv[8], texts[2][32];
			python_argv(o, root, model_path, argv, texts);
			int null = open("/dev/null", O_WRONLY);
			dup2(null, STDOUT_FILENO);
			execv(argv[0], argv);
			_exit(127);
		}
		run_config(c, o, root, m, model_path);
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return result;
	}
	ptrace(PTRACE_SETOPTIONS, pid, NULL,
	       (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
	bool entering = true;
	int marks = 0;
	long calls = 0, fsyncs = 0;
	int deliver = 0;
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)deliver) != 0)
			break;
		deliver = 0;
		if (waitpid(pid, &status, 0) != pid || WIFEXITED(status) || WIFSIGNALED(status))
			break;
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status);
		if (sig != (SIGTRAP | 0x80)) {
			/* The stop after execve is a plain SIGTRAP: not for the child. */
			deliver = sig == SIGTRAP || sig == SIGSTOP ? 0 : sig;
			continue;
		}
		if (entering) {
			struct user_regs_struct regs;
			if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0) {
				long nr = (long)regs.orig_rax;
				if (nr == SYS_getpriority && (long)regs.rsi == MARK_WHO)
					marks++;
				else if (marks == 1) {
					calls++;
					fsyncs += nr == SYS_fsync || nr == SYS_fdatasync;
				}
			}
		}
		entering = !entering;
	}
	waitpid(pid, &status, WNOHANG);
	if (marks >= 2) {
		result.ok = true;
		result.calls = (double)calls / (double)o->epochs;
		result.fsyncs = (double)fsyncs / (double)o->epochs;
	}
	return result;
}
#else
static counts count_config(config c, const options *o, const char *root, model *m,
			   const char *model_path)
{
	(void)c, (void)o, (void)root, (void)m, (void)model_path;
	return (counts){.ok = false};
}
#endif

/* ---- main ------------------------------------------------------------------ */

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *values, long n)
{
	qsort(values, (size_t)n, sizeof *values, compare_doubles);
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void fresh_root(char *out, size_t size, const char *scratch, config c, long round)
{
	snprintf(out, size, "%s/run-%d-%ld", scratch, (int)c, round);
}

/* Writes back what the last case left dirty (its epochs, its removal)
 * before the next is timed: without it, the case after one without fsync
 * pays for that one's writeback. */
static void settle(const char *scratch)
{
	int fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) != 0)
		bench_fail("%s: syncfs: %s", scratch, strerror(errno));
	close(fd);
}

static void print_ratio(const char *what, double value, double target, const char *rule)
{
	printf("  %-44s %6.2f  (target %s %.2f)\n", what, value, rule, target);
}

int main(int argc, char **argv)
{
	options o = parse_options(argc, argv);
	const char *scratch = bench_scratch_new(o.dir);
	model m = {.len = (size_t)o.model_kib * 1024};
	m.bytes = malloc(m.len);
	if (!m.bytes)
		bench_fail("out of memory");
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < m.len; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		m.bytes[i] = (unsigned char)x;
	}
	char *model_path = bench_path(scratch, "model.bin");
	if (write_model(model_path, &m) != 0)
		bench_fail("%s: %s", model_path, strerror(errno));
	bool have_python = access(o.python, X_OK) == 0 && access(o.script, R_OK) == 0;

	printf("writer: %ld epochs of a %ld KiB model, keep mode %s, limit %ld; %ld rounds, "
	       "medians\n(in %s; the Python original is %s %s)\n\n",
	       o.epochs, o.model_kib, o.keep_mode, o.keep_limit, o.rounds, scratch, o.python,
	       have_python ? o.script : "(not found: skipped)");

	static const config order[] = {FLOOR_OFF, LIBCKPT_OFF, PYTHON, FLOOR_ON, LIBCKPT_ON};
	double *ms[N_CONFIGS];
	for (int c = 0; c < N_CONFIGS; c++)
		if (!(ms[c] = calloc((size_t)o.rounds, sizeof *ms[c])))
			bench_fail("out of memory");
	bool python_ok = have_python;
	char root[4200];
	for (long r = 0; r < o.rounds; r++) {
		for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
			config c = order[k];
			if (c == PYTHON && !python_ok)
				continue;
			fresh_root(root, sizeof root, scratch, c, r);
			settle(scratch);
			double took = run_config(c, &o, root, &m, model_path);
			if (c == PYTHON && took < 0) {
				python_ok = false;
				continue;
			}
			ms[c][r] = took * 1000.0 / (double)o.epochs;
			bench_remove_tree(root);
		}
	}
	counts n[N_CONFIGS] = {{0}};
	for (int c = 0; o.count && c < N_CONFIGS; c++) {
		if (c == PYTHON && !python_ok)
			continue;
		fresh_root(root, sizeof root, scratch, (config)c, o.rounds);
		n[c] = count_config((config)c, &o, root, &m, model_path);
		bench_remove_tree(root);
	}

	/* Each round's libckpt case beside the floor's of the same round (taken
	 * before the medians sort the rounds): the machine's drift cancels out. */
	double pair_off[MAX_ROUNDS], pair_on[MAX_ROUNDS];
	for (long r = 0; r < o.rounds; r++) {
		pair_off[r] = ms[LIBCKPT_OFF][r] / ms[FLOOR_OFF][r];
		pair_on[r] = ms[LIBCKPT_ON][r] / ms[FLOOR_ON][r];
	}
	double med[N_CONFIGS];
	printf("%-30s %10s %16s %14s\n", "", "ms/epoch", "syscalls/epoch", "fsyncs/epoch");
	for (int c = 0; c < N_CONFIGS; c++) {
		med[c] = c == PYTHON && !python_ok ? 0 : median(ms[c], o.rounds);
		if (c == PYTHON && !python_ok) {
			printf("%-30s %10s\n", config_names[c], "skipped");
			continue;
		}
		printf("%-30s %10.3f", config_names[c], med[c]);
		if (n[c].ok)
			printf(" %16.1f %14.2f\n", n[c].calls, n[c].fsyncs);
		else
			printf(" %16s %14s\n", "-", "-");
	}
	printf("\nratios (same run; libckpt / floor: the median of each round's pair):\n");
	print_ratio("libckpt / floor, fsync off", median(pair_off, o.rounds), 1.2, "<=");
	print_ratio("libckpt / floor, fsync on", median(pair_on, o.rounds), 1.2, "<=");
	if (python_ok)
		printf("  %-44s %6.2f\n", "Python original / libckpt, fsync off",
		       med[PYTHON] / med[LIBCKPT_OFF]);
	if (n_growth[0] > 0 && n_growth[1] > 0)
		printf("  %-44s %6.2f  (the floor's: %.2f; 1.00: no growth with the epochs)\n",
		       "fsync off, time of the last tenth / first", median(growth[0], n_growth[0]),
		       median(growth[1], n_growth[1]));
	if (n[LIBCKPT_ON].ok) {
		print_ratio("libckpt fsync on: fsyncs per epoch", n[LIBCKPT_ON].fsyncs, 5, "<=");
		print_ratio("libckpt fsync on: system calls per epoch", n[LIBCKPT_ON].calls, 60,
			    "<=");
	} else if (o.count) {
		printf("  (system calls not counted: ptrace is refused here, or not x86-64)\n");
	}
	for (int c = 0; c < N_CONFIGS; c++)
		free(ms[c]);
	free(model_path);
	free(m.bytes);
	return 0;
}
