/* bench-util.h: what the benchmark programs share: a clock, a scratch
 * folder that is removed on every exit path, option values and failing. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_MIB ((uint64_t)1 << 20)

/* Seconds on the monotonic clock. */
double bench_now(void);

/* Makes <parent>/ckpt-bench-XXXXXX (parent NULL: $TMPDIR, else /tmp) and
 * removes it at exit unless bench_keep_scratch() was called. Borrowed,
 * static: the folder's path. Fails the program when it cannot. */
const char *bench_scratch_new(const char *parent);
void bench_keep_scratch(void);
/* Removes a tree without following links; 0 or -1. */
int bench_remove_tree(const char *path);

/* "<folder>/<name>", caller frees with free(). */
char *bench_path(const char *folder, const char *name);

/* A positive whole number in [1, max] for option `name`, or fails. */
long bench_parse_count(const char *name, const char *text, long max);

/* Prints "<program>: <message>" to stderr and exits 1 (the scratch folder
 * is removed by the exit handler). */
_Noreturn void bench_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* bench_fail with ckpt_error_last() appended, for a failed libckpt call. */
_Noreturn void bench_fail_ckpt(const char *call, int code);
/* ckpt_params_set, failing the program when libckpt refuses. */
struct ckpt_params;
void bench_set_param(struct ckpt_params *params, const char *key, const char *value);

/* Peak resident set size of this process image so far, in KiB (VmHWM,
 * else getrusage's ru_maxrss). */
long bench_peak_rss_kib(void);

/* Runs argv (argv[0] a path) with stdout to /dev/null (or to `out_path`
 * when not NULL) and returns its wall time in seconds; *out_rss_kib (may be
 * NULL) gets its peak RSS. Fails the program unless it exits 0. */
double bench_run_program(char *const argv[], const char *out_path, long *out_rss_kib);

/* The median of n values (reorders them). */
double bench_median(double *values, size_t n);

#endif
