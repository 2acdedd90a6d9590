/* bench-util.c: the clock, scratch folder, option parsing and failure
 * reporting that both benchmark programs use; nothing here is timed. */
#include "bench-util.h"

#include "ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char scratch[4096];
static bool keep_scratch;
static pid_t scratch_owner; /* a forked child must not remove its parent's folder */

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int bench_remove_tree(const char *path)
{
	return nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

static void remove_scratch(void)
{
	if (!scratch[0] || getpid() != scratch_owner)
		return;
	if (keep_scratch)
		fprintf(stderr, "kept %s\n", scratch);
	else if (bench_remove_tree(scratch) != 0)
		fprintf(stderr, "could not remove all of %s\n", scratch);
	scratch[0] = '\0';
}

const char *bench_scratch_new(const char *parent)
{
	if (!parent || !*parent)
		parent = getenv("TMPDIR");
	if (!parent || !*parent)
		parent = "/tmp";
	int len = snprintf(scratch, sizeof scratch, "%s/ckpt-bench-XXXXXX", parent);
	if (len < 0 || (size_t)len >= sizeof scratch)
		bench_fail("%s: path too long", parent);
	if (!mkdtemp(scratch)) {
		int err = errno;
		scratch[0] = '\0';
		bench_fail("cannot make a folder in %s: %s", parent, strerror(err));
	}
	scratch_owner = getpid();
	atexit(remove_scratch);
	return scratch;
}

void bench_keep_scratch(void)
{
	keep_scratch = true;
}

char *bench_path(const char *folder, const char *name)
{
	size_t len = strlen(folder) + strlen(name) + 2;
	char *out = malloc(len);
	if (!out)
		bench_fail("out of memory");
	snprintf(out, len, "%s/%s", folder, name);
	return out;
}

long bench_parse_count(const char *name, const char *text, long max)
{
	char *end = NULL;
	errno = 0;
	long n = text ? strtol(text, &end, 10) : 0;
	if (!text || errno || end == text || *end || n < 1 || n > max)
		bench_fail("%s wants a whole number from 1 to %ld, not '%s'", name, max,
			   text ? text : "");
	return n;
}

void bench_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void bench_fail_ckpt(const char *call, int code)
{
	bench_fail("%s: %s (%s)", call, ckpt_error_last(), ckpt_error_name(code));
}

void bench_set_param(struct ckpt_params *params, const char *key, const char *value)
{
	int rc = ckpt_params_set(params, key, value);
	if (rc)
		bench_fail_ckpt("ckpt_params_set", rc);
}

/* Linux keeps ru_maxrss across execve, so a program started by a big
 * parent (meson's Python) would report the parent's peak; VmHWM belongs to
 * this process image alone. ru_maxrss where there is no /proc. */
long bench_peak_rss_kib(void)
{
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (f) {
		char line[256];
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
				break;
		fclose(f);
	}
	struct rusage ru;
	if (kib < 0 && getrusage(RUSAGE_SELF, &ru) == 0)
		kib = ru.ru_maxrss;
	return kib;
}

double bench_run_program(char *const argv[], const char *out_path, long *out_rss_kib)
{
	fflush(stdout);
	double start = bench_now();
	pid_t pid = fork();
	if (pid < 0)
		bench_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(out_path ? out_path : "/dev/null",
			      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			bench_fail("wait4: %s", strerror(errno));
	double took = bench_now() - start;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bench_fail("%s failed (status %d)", argv[0], status);
	if (out_rss_kib)
		*out_rss_kib = ru.ru_maxrss;
	return took;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double bench_median(double *values, size_t n)
{
	if (n == 0)
		return 0;
	qsort(values, n, sizeof *values, compare_doubles);
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}
