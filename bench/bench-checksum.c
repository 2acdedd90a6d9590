/* bench-checksum.c: how fast libckpt checksums and verifies a big model,
 * printed beside the floors that bound it (a plain read() of the same file,
 * memcpy). Prints figures only; it asserts nothing about speed. */
#include "bench-util.h"

#include "ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUFFER_BYTES (4u << 20)
#define MEMCPY_MAX_BYTES (256 * BENCH_MIB)
#define WARM_RUNS 3

typedef struct options {
	uint64_t size; /* bytes */
	const char *dir;
} options;

typedef struct figure {
	double first; /* seconds, right after the file left the page cache */
	double best;  /* seconds, best of WARM_RUNS */
} figure;

static void usage(FILE *to)
{
	fputs("usage: bench-checksum [--size MiB] [--dir DIR]\n"
	      "  Times ckpt_checksum_file (crc32, sha256), a plain read(), memcpy and\n"
	      "  ckpt_verify_run on a file of --size MiB (default 1024) made in DIR\n"
	      "  (default $TMPDIR or /tmp), then removes it.\n",
	      to);
}

static options parse_options(int argc, char **argv)
{
	options o = {.size = 1024 * BENCH_MIB, .dir = NULL};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--size") && i + 1 < argc) {
			o.size =
			    (uint64_t)bench_parse_count("--size", argv[++i], 1L << 20) * BENCH_MIB;
		} else if (!strcmp(arg, "--dir") && i + 1 < argc) {
			o.dir = argv[++i];
		} else {
			usage(stderr);
			exit(2);
		}
	}
	return o;
}

/* Bytes that no filesystem or page cache can compress or dedupe. */
static void fill_random(unsigned char *buf, size_t len, uint64_t *state)
{
	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t x = *state;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		*state = x;
		memcpy(buf + i, &x, 8);
	}
}

static void write_all(int fd, const unsigned char *buf, size_t len, const char *path)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			bench_fail("%s: write: %s", path, n < 0 ? strerror(errno) : "no progress");
		buf += n;
		len -= (size_t)n;
	}
}

static void create_file(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		bench_fail("%s: %s", path, strerror(errno));
	unsigned char *buf = malloc(BUFFER_BYTES);
	if (!buf)
		bench_fail("out of memory");
	uint64_t state = 0x9e3779b97f4a7c15ull;
	for (uint64_t left = size; left > 0;) {
		size_t n = left < BUFFER_BYTES ? (size_t)left : BUFFER_BYTES;
		fill_random(buf, n, &state);
		write_all(fd, buf, n, path);
		left -= n;
	}
	free(buf);
	if (fsync(fd) != 0 || close(fd) != 0)
		bench_fail("%s: %s", path, strerror(errno));
}

/* Asks the kernel to drop the file's clean pages, so that the next read
 * comes from the disk (or at least the hypervisor's cache: "cold-ish"). */
static void drop_cache(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bench_fail("%s: %s", path, strerror(errno));
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

/* ---- the things timed ----------------------------------------------------- */

typedef void (*timed_fn)(const char *path, void *payload);

/* The I/O floor: what ckpt_checksum_file does minus the checksum. */
static void plain_read(const char *path, void *payload)
{
	unsigned char *buf = payload;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bench_fail("%s: %s", path, strerror(errno));
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = read(fd, buf, BUFFER_BYTES);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			bench_fail("%s: read: %s", path, strerror(errno));
		if (n == 0)
			break;
	}
	close(fd);
}

typedef struct checksum_job {
	ckpt_checksum_algorithm algorithm;
	char first[80]; /* every run must give the same answer */
} checksum_job;

static void checksum(const char *path, void *payload)
{
	checksum_job *job = payload;
	char out[80];
	int rc = ckpt_checksum_file(out, path, job->algorithm, NULL);
	if (rc)
		bench_fail_ckpt("ckpt_checksum_file", rc);
	if (!job->first[0])
		memcpy(job->first, out, sizeof out);
	else if (strcmp(job->first, out) != 0)
		bench_fail("%s: checksum changed between runs (%s, then %s)", path, job->first,
			   out);
}

typedef struct verify_job {
	const ckpt_run *run;
	ckpt_verify_result *results;
} verify_job;

static void verify(const char *path, void *payload)
{
	(void)path;
	verify_job *job = payload;
	int rc = ckpt_verify_run(job->results, job->run, NULL);
	if (rc)
		bench_fail_ckpt("ckpt_verify_run", rc);
	size_t n = ckpt_run_epoch_count(job->run);
	for (size_t i = 0; i < n; i++)
		if (job->results[i] != CKPT_VERIFY_OK)
			bench_fail("ckpt_verify_run: epoch %lld is %s",
				   (long long)ckpt_epoch_number(ckpt_run_epoch(job->run, i)),
				   ckpt_verify_result_name(job->results[i]));
}

/* One run from a dropped page cache, then the best of WARM_RUNS. */
static figure measure(timed_fn fn, const char *path, void *payload)
{
	figure f;
	drop_cache(path);
	double start = bench_now();
	fn(path, payload);
	f.first = bench_now() - start;
	f.best = 1e300;
	for (int i = 0; i < WARM_RUNS; i++) {
		start = bench_now();
		fn(path, payload);
		double took = bench_now() - start;
		if (took < f.best)
			f.best = took;
	}
	return f;
}

/* Bytes copied per second, best of WARM_RUNS; through a volatile pointer so
 * that the copy of a buffer nobody reads is not optimised away. */
static double memcpy_seconds(size_t len)
{
	void *(*volatile copy)(void *, const void *, size_t) = memcpy;
	unsigned char *src = malloc(len), *dst = malloc(len);
	if (!src || !dst)
		bench_fail("out of memory");
	uint64_t state = 42;
	fill_random(src, len, &state);
	memset(dst, 0, len); /* fault the pages in before timing */
	double best = 1e300;
	for (int i = 0; i < WARM_RUNS; i++) {
		double start = bench_now();
		copy(dst, src, len);
		double took = bench_now() - start;
		if (took < best)
			best = took;
	}
	free(src);
	free(dst);
	return best;
}

/* ---- verify: a run with one big epoch, made by the writer ------------------ */

typedef struct model_source {
	const char *path;
	unsigned char *buf;
} model_source;

/* The trainer's model writer: copies the benchmark file's bytes. */
static int copy_model(const char *path, void *payload)
{
	const model_source *src = payload;
	int in = open(src->path, O_RDONLY | O_CLOEXEC);
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = in >= 0 && out >= 0 ? 0 : 1;
	while (!rc) {
		ssize_t n = read(in, src->buf, BUFFER_BYTES);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0;
			break;
		}
		write_all(out, src->buf, (size_t)n, path);
	}
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		rc = 1;
	return rc;
}

/* Saves epoch 1 of a run under root; returns the seconds the save took. */
static double write_run(const char *root, model_source *src)
{
	ckpt_params *params;
	int rc = ckpt_params_new(&params);
	if (rc)
		bench_fail_ckpt("ckpt_params_new", rc);
	bench_set_param(params, "epochs", "1");
	bench_set_param(params, "ckpt_directory", root);
	bench_set_param(params, "ckpt_checksum", "true");
	ckpt_writer *writer;
	if ((rc = ckpt_writer_new(&writer, params, 0)) != 0)
		bench_fail_ckpt("ckpt_writer_new", rc);
	ckpt_params_free(params);
	ckpt_writer_set_model_io(writer, copy_model, NULL, src);
	ckpt_epoch_result result = {.size = sizeof result};
	double start = bench_now();
	if ((rc = ckpt_writer_epoch(&result, writer, 0, '-', 1.0, NULL, 0)) != 0)
		bench_fail_ckpt("ckpt_writer_epoch", rc);
	double took = bench_now() - start;
	if (!result.saved)
		bench_fail("ckpt_writer_epoch: epoch 1 was not saved");
	ckpt_writer_free(writer);
	return took;
}

/* ---- printing ---------------------------------------------------------------- */

static double gbps(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes / seconds / 1e9 : 0;
}

static void print_row(const char *what, uint64_t bytes, figure f, double read_best)
{
	printf("%-34s %9.2f  %9.2f", what, gbps(bytes, f.first), gbps(bytes, f.best));
	if (read_best > 0)
		printf("  %8.2f", read_best / f.best);
	putchar('\n');
}

int main(int argc, char **argv)
{
	options o = parse_options(argc, argv);
	const char *scratch = bench_scratch_new(o.dir);
	/* Verify remembers its results under XDG_CACHE_HOME: in the scratch
	 * folder, not the user's cache (the record is part of what is timed). */
	char *cache = bench_path(scratch, "cache");
	setenv("XDG_CACHE_HOME", cache, 1);
	free(cache);
	char *path = bench_path(scratch, "model.bin");
	char *root = bench_path(scratch, "ckpts");
	unsigned char *buf = malloc(BUFFER_BYTES);
	if (!buf)
		bench_fail("out of memory");
	memset(buf, 0, BUFFER_BYTES);

	printf("bench-checksum: libckpt %s, a %llu MiB file in %s\n", ckpt_version(),
	       (unsigned long long)(o.size / BENCH_MIB), scratch);
	double start = bench_now();
	create_file(path, o.size);
	printf("made the file in %.2f s (write + fsync)\n\n", bench_now() - start);

	figure reads = measure(plain_read, path, buf);
	checksum_job crc = {.algorithm = CKPT_CHECKSUM_CRC32};
	figure crcs = measure(checksum, path, &crc);
	checksum_job sha = {.algorithm = CKPT_CHECKSUM_SHA256};
	figure shas = measure(checksum, path, &sha);
	size_t copy_len = o.size < MEMCPY_MAX_BYTES ? (size_t)o.size : (size_t)MEMCPY_MAX_BYTES;
	double copy_best = memcpy_seconds(copy_len);

	model_source src = {path, buf};
	double save = write_run(root, &src);
	ckpt_run *run;
	int rc = ckpt_run_open(&run, root);
	if (rc)
		bench_fail_ckpt("ckpt_run_open", rc);
	if (ckpt_run_epoch_count(run) != 1)
		bench_fail("%s: %zu epochs, not 1", root, ckpt_run_epoch_count(run));
	char model_rel[64];
	snprintf(model_rel, sizeof model_rel, "epochs/%s/model.h5",
		 ckpt_epoch_dir(ckpt_run_epoch(run, 0)));
	char *model = bench_path(ckpt_run_root(run), model_rel);
	ckpt_verify_result result;
	verify_job job = {run, &result};
	figure verifies = measure(verify, model, &job);

	printf("%-34s %9s  %9s  %8s\n", "GB/s (1 GB = 1e9 bytes)", "first", "best of 3", "x read");
	print_row("read() into a 4 MiB buffer", o.size, reads, reads.best);
	print_row("ckpt_checksum_file crc32", o.size, crcs, reads.best);
	print_row("ckpt_checksum_file sha256", o.size, shas, reads.best);
	print_row("ckpt_verify_run (1 epoch, crc32)", o.size, verifies, reads.best);
	printf("\nmemcpy of %zu MiB, best of 3: %.2f GB/s\n", copy_len / (size_t)BENCH_MIB,
	       gbps(copy_len, copy_best));
	printf("writer saving the epoch (copy + crc32 + fsync), once: %.2f GB/s\n",
	       gbps(o.size, save));
	printf("\nfirst: after POSIX_FADV_DONTNEED on the file (cold-ish: a host cache may "
	       "remain);\nx read: speed relative to the best plain read (1.00 = at the I/O "
	       "floor).\ncrc32 %s  %s\n",
	       crc.first, sha.first);

	ckpt_run_unref(run);
	free(model);
	free(root);
	free(path);
	free(buf);
	return 0;
}
