/* bench-verify.c: how fast ckpt_verify checks big models, on 1 and 2
 * threads, cached and uncached, printed beside references timed in the same
 * rounds: a read-only mmap pass over every byte (the memory or disk floor),
 * the Python original's algorithm (bench/verify-original.py: zlib.crc32
 * over 10 MiB reads, run by /usr/bin/python3) and `openssl dgst -sha256`.
 * Prints medians and the ratios the targets name; asserts nothing. */
#include "bench-util.h"

#include "ckpt.h"

#include <errno.h>
#include <fcntl.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef BENCH_PYTHON_SCRIPT
#define BENCH_PYTHON_SCRIPT "bench/verify-original.py"
#endif

#define WRITE_BYTES ((size_t)4 << 20)
#define MAX_ROUNDS 50

typedef struct options {
	uint64_t size; /* bytes of each big model */
	int rounds, cold_rounds;
	const char *dir, *python, *script;
} options;

static void usage(FILE *to)
{
	fputs("usage: bench-verify [--size MiB] [--rounds N] [--cold-rounds N] [--dir DIR]\n"
	      "                    [--python PATH] [--script PATH]\n"
	      "  Saves three runs with the writer in DIR (default $TMPDIR or /tmp): one\n"
	      "  crc32 model of --size MiB (default 1024), four crc32 epochs of a quarter\n"
	      "  of that, one sha256 model of --size MiB; then times ckpt_verify on 1 and\n"
	      "  2 threads (CKPT_VERIFY_THREADS) beside an mmap pass over every byte, the\n"
	      "  Python original (--python, default /usr/bin/python3, running --script)\n"
	      "  and openssl dgst -sha256: --rounds rounds warm (default 5) and\n"
	      "  --cold-rounds after POSIX_FADV_DONTNEED (default 3; 0: none). Prints\n"
	      "  medians; removes what it made.\n",
	      to);
}

static options parse_options(int argc, char **argv)
{
	options o = {.size = 1024 * BENCH_MIB,
		     .rounds = 5,
		     .cold_rounds = 3,
		     .python = "/usr/bin/python3",
		     .script = BENCH_PYTHON_SCRIPT};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--size") && more) {
			o.size =
			    (uint64_t)bench_parse_count("--size", argv[++i], 1L << 20) * BENCH_MIB;
		} else if (!strcmp(arg, "--rounds") && more) {
			o.rounds = (int)bench_parse_count("--rounds", argv[++i], MAX_ROUNDS);
		} else if (!strcmp(arg, "--cold-rounds") && more) {
			i++;
			o.cold_rounds =
			    !strcmp(argv[i], "0")
				? 0
				: (int)bench_parse_count("--cold-rounds", argv[i], MAX_ROUNDS);
		} else if (!strcmp(arg, "--dir") && more) {
			o.dir = argv[++i];
		} else if (!strcmp(arg, "--python") && more) {
			o.python = argv[++i];
		} else if (!strcmp(arg, "--script") && more) {
			o.script = argv[++i];
		} else {
			usage(stderr);
			exit(2);
		}
	}
	return o;
}

/* ---- the runs -------------------------------------------------------------- */

typedef struct model_source {
	uint64_t bytes;
	uint64_t seed;
	unsigned char *buf;
} model_source;

/* The trainer's model writer: bytes that no file system or page cache can
 * compress or dedupe, different in every epoch. */
static int write_model(const char *path, void *payload)
{
	model_source *src = payload;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return 1;
	uint64_t x = src->seed++ * 0x9e3779b97f4a7c15ull + 1;
	int rc = 0;
	for (uint64_t left = src->bytes; left > 0 && !rc;) {
		size_t n = left < WRITE_BYTES ? (size_t)left : WRITE_BYTES;
		for (size_t i = 0; i + 8 <= n; i += 8) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			memcpy(src->buf + i, &x, 8);
		}
		for (size_t done = 0; done < n;) {
			ssize_t w = write(fd, src->buf + done, n - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = 1;
				break;
			}
			done += (size_t)w;
		}
		left -= n;
	}
	if (close(fd) != 0)
		rc = 1;
	return rc;
}

/* A run of `epochs` epochs of `bytes` each under root, saved by the writer. */
static ckpt_run *write_run(const char *root, int epochs, uint64_t bytes, const char *algorithm,
			   unsigned char *buf)
{
	ckpt_params *params;
	int rc = ckpt_params_new(&params);
	if (rc)
		bench_fail_ckpt("ckpt_params_new", rc);
	char count[16];
	snprintf(count, sizeof count, "%d", epochs);
	bench_set_param(params, "epochs", count);
	bench_set_param(params, "ckpt_directory", root);
	bench_set_param(params, "ckpt_checksum", "true");
	bench_set_param(params, "ckpt_checksum_algorithm", algorithm);
	bench_set_param(params, "ckpt_keep_mode", "all");
	ckpt_writer *writer;
	if ((rc = ckpt_writer_new(&writer, params, 0)) != 0)
		bench_fail_ckpt("ckpt_writer_new", rc);
	ckpt_params_free(params);
	model_source src = {bytes, 1, buf};
	ckpt_writer_set_model_io(writer, write_model, NULL, &src);
	for (int e = 0; e < epochs; e++) {
		ckpt_epoch_result result = {.size = sizeof result};
		if ((rc = ckpt_writer_epoch(&result, writer, e, '-', 1.0 / (e + 1), NULL, 0)) != 0)
			bench_fail_ckpt("ckpt_writer_epoch", rc);
		if (!result.saved)
			bench_fail("%s: epoch %d was not saved", root, e + 1);
	}
	ckpt_writer_free(writer);
	ckpt_run *run;
	if ((rc = ckpt_run_open(&run, root)) != 0)
		bench_fail_ckpt("ckpt_run_open", rc);
	if (ckpt_run_epoch_count(run) != (size_t)epochs)
		bench_fail("%s: %zu epochs, not %d", root, ckpt_run_epoch_count(run), epochs);
	return run;
}

static char *model_path(const ckpt_run *run, size_t i)
{
	char rel[64];
	snprintf(rel, sizeof rel, "epochs/%s/model.h5", ckpt_epoch_dir(ckpt_run_epoch(run, i)));
	return bench_path(ckpt_run_root(run), rel);
}

/* Asks the kernel to drop a file's clean pages: the next read comes from
 * the disk (or the hypervisor's cache). */
static void drop_cache(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bench_fail("%s: %s", path, strerror(errno));
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

static void drop_run(const ckpt_run *run)
{
	for (size_t i = 0; i < ckpt_run_epoch_count(run); i++) {
		char *path = model_path(run, i);
		drop_cache(path);
		free(path);
	}
}

/* ---- the references -------------------------------------------------------- */

static uint64_t word_at(const unsigned char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define PASS_HAVE_AVX2 1
/* The pass at its widest: 32-byte loads into four xors, as wide as the
 * CRC code's loads, so that the floor is not the loop's own limit. */
__attribute__((target("avx2"))) static uint64_t xor_bytes_avx2(const unsigned char *p, size_t n,
							       size_t *done)
{
	__m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
	size_t i = 0;
	for (; i + 128 <= n; i += 128) {
		a = _mm256_xor_si256(a, _mm256_loadu_si256((const __m256i *)(const void *)(p + i)));
		b = _mm256_xor_si256(
		    b, _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 32)));
		c = _mm256_xor_si256(
		    c, _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 64)));
		d = _mm256_xor_si256(
		    d, _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 96)));
	}
	a = _mm256_xor_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(c, d));
	uint64_t out[4];
	_mm256_storeu_si256((__m256i *)(void *)out, a);
	*done = i;
	return out[0] ^ out[1] ^ out[2] ^ out[3];
}
#endif

/* Every byte read, as cheaply as a loop can: wide loads into independent
 * xors (AVX2 where the CPU has it, else four words at a time). */
static uint64_t xor_bytes(const unsigned char *p, size_t n)
{
	uint64_t x = 0;
	size_t i = 0;
#ifdef PASS_HAVE_AVX2
	if (__builtin_cpu_supports("avx2"))
		x = xor_bytes_avx2(p, n, &i);
#endif
	uint64_t a = 0, b = 0, c = 0, d = 0;
	for (; i + 32 <= n; i += 32) {
		a ^= word_at(p + i);
		b ^= word_at(p + i + 8);
		c ^= word_at(p + i + 16);
		d ^= word_at(p + i + 24);
	}
	x ^= a ^ b ^ c ^ d;
	for (; i < n; i++)
		x ^= p[i];
	return x;
}

typedef struct pass_part {
	const char *path;
	uint64_t offset, len;
	uint64_t result;
} pass_part;

static void *pass_range(void *payload)
{
	pass_part *p = payload;
	int fd = open(p->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bench_fail("%s: %s", p->path, strerror(errno));
	void *map = mmap(NULL, p->len, PROT_READ, MAP_SHARED, fd, (off_t)p->offset);
	if (map == MAP_FAILED)
		bench_fail("%s: mmap: %s", p->path, strerror(errno));
	madvise(map, p->len, MADV_SEQUENTIAL);
	p->result = xor_bytes(map, p->len);
	munmap(map, p->len);
	close(fd);
	return NULL;
}

/* The read-only mmap pass over the whole file, split in `threads` halves. */
static void mmap_pass(const char *path, uint64_t size, int threads)
{
	pass_part parts[2];
	uint64_t half = threads == 2 ? (size / 2) & ~(uint64_t)0xfffff : size;
	parts[0] = (pass_part){path, 0, half, 0};
	parts[1] = (pass_part){path, half, size - half, 0};
	pthread_t helper;
	if (threads == 2 && pthread_create(&helper, NULL, pass_range, &parts[1]) != 0)
		bench_fail("pthread_create failed");
	pass_range(&parts[0]);
	if (threads == 2)
		pthread_join(helper, NULL);
	volatile uint64_t sink = parts[0].result ^ parts[1].result;
	(void)sink;
}

/* Runs command, returns its first line of output (caller frees) or NULL. */
static char *run_command(const char *command)
{
	FILE *f = popen(command, "r");
	if (!f)
		return NULL;
	char line[512];
	char *out = fgets(line, sizeof line, f) ? strdup(line) : NULL;
	while (fgets(line, sizeof line, f))
		;
	int status = pclose(f);
	if (status != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* 'text' for a shell, in single quotes. */
static char *quoted(const char *text)
{
	size_t n = 3;
	for (const char *p = text; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *out = malloc(n), *o = out;
	if (!out)
		bench_fail("out of memory");
	*o++ = '\'';
	for (const char *p = text; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

/* The Python original: its own timing of its loop; its CRC in *crc. */
static double python_original(const options *o, const char *model, unsigned long *crc)
{
	char *py = quoted(o->python), *script = quoted(o->script), *path = quoted(model);
	size_t len = strlen(py) + strlen(script) + strlen(path) + 3;
	char *command = malloc(len);
	if (!command)
		bench_fail("out of memory");
	snprintf(command, len, "%s %s %s", py, script, path);
	char *line = run_command(command);
	double seconds = -1;
	if (!line || sscanf(line, "%lu %lf", crc, &seconds) != 2)
		seconds = -1;
	free(line), free(command), free(py), free(script), free(path);
	return seconds;
}

/* openssl dgst -sha256, wall time (its start is a few ms of a second). */
static double openssl_dgst(const char *model, char hex[65])
{
	char *path = quoted(model);
	size_t len = strlen(path) + 64;
	char *command = malloc(len);
	if (!command)
		bench_fail("out of memory");
	snprintf(command, len, "openssl dgst -sha256 -r %s 2>/dev/null", path);
	double start = bench_now();
	char *line = run_command(command);
	double seconds = bench_now() - start;
	if (!line || sscanf(line, "%64[0-9a-f]", hex) != 1)
		seconds = -1;
	free(line), free(command), free(path);
	return seconds;
}

/* ---- ckpt_verify ------------------------------------------------------------ */

typedef struct verified {
	char computed[8][80];
	size_t n;
} verified;

static int keep_item(const ckpt_verify_item *item, void *payload)
{
	verified *v = payload;
	if (item->result != CKPT_VERIFY_OK)
		bench_fail("ckpt_verify: epoch %lld is %s", (long long)item->epoch,
			   ckpt_verify_result_name(item->result));
	if (v->n < 8)
		snprintf(v->computed[v->n], sizeof v->computed[0], "%s",
			 item->computed ? item->computed : "");
	v->n++;
	return 0;
}

static double time_verify(const ckpt_run *run, int threads, verified *v)
{
	char count[16];
	snprintf(count, sizeof count, "%d", threads);
	setenv("CKPT_VERIFY_THREADS", count, 1);
	v->n = 0;
	double start = bench_now();
	int rc = ckpt_verify(run, NULL, 0, CKPT_VERIFY_NO_RECORD, NULL, keep_item, v);
	double took = bench_now() - start;
	if (rc)
		bench_fail_ckpt("ckpt_verify", rc);
	unsetenv("CKPT_VERIFY_THREADS");
	return took;
}

/* ---- rounds and medians ------------------------------------------------------ */

enum { PASS_1, PASS_2, CRC_1, CRC_2, EPOCHS_1, EPOCHS_2, PYTHON, OPENSSL, SHA_1, N_CASES };

static const char *const case_names[N_CASES] = {
    "mmap pass over every byte, 1 thread",   "mmap pass over every byte, 2 threads",
    "ckpt_verify crc32, 1 thread",           "ckpt_verify crc32, 2 threads",
    "ckpt_verify crc32 4 epochs, 1 thread",  "ckpt_verify crc32 4 epochs, 2 threads",
    "python3 original (zlib.crc32, 10 MiB)", "openssl dgst -sha256",
    "ckpt_verify sha256, 1 thread",
};

typedef struct bench {
	options o;
	ckpt_run *one, *four, *sha;
	char *one_model, *sha_model;
	double t[2][N_CASES][MAX_ROUNDS];   /* [cold][case][round]: seconds */
	double cpu[2][N_CASES][MAX_ROUNDS]; /* CPU seconds of all threads, children */
	unsigned long python_crc;
	char openssl_hex[65];
	verified crc_seen, sha_seen;
} bench;

static void drop_for(bench *b, int c)
{
	switch (c) {
	case PASS_1:
	case PASS_2:
	case CRC_1:
	case CRC_2:
	case PYTHON: drop_cache(b->one_model); break;
	case EPOCHS_1:
	case EPOCHS_2: drop_run(b->four); break;
	default: drop_cache(b->sha_model); break;
	}
}

static double run_case(bench *b, int c)
{
	verified scratch;
	double start = bench_now();
	switch (c) {
	case PASS_1:
	case PASS_2: mmap_pass(b->one_model, b->o.size, c == PASS_1 ? 1 : 2); break;
	case CRC_1: return time_verify(b->one, 1, &b->crc_seen);
	case CRC_2: return time_verify(b->one, 2, &scratch);
	case EPOCHS_1: return time_verify(b->four, 1, &scratch);
	case EPOCHS_2: return time_verify(b->four, 2, &scratch);
	case PYTHON: return python_original(&b->o, b->one_model, &b->python_crc);
	case OPENSSL: return openssl_dgst(b->sha_model, b->openssl_hex);
	case SHA_1: return time_verify(b->sha, 1, &b->sha_seen);
	}
	return bench_now() - start;
}

/* CPU seconds used so far by every thread of this process and by the
 * children waited for (python3, openssl). */
static double cpu_seconds(void)
{
	double total = 0;
	static const int who[] = {RUSAGE_SELF, RUSAGE_CHILDREN};
	for (int i = 0; i < 2; i++) {
		struct rusage ru;
		if (getrusage(who[i], &ru) == 0)
			total += (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
				 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
	}
	return total;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *values, int n)
{
	double sorted[MAX_ROUNDS];
	int k = 0;
	for (int i = 0; i < n; i++)
		if (values[i] >= 0)
			sorted[k++] = values[i];
	if (!k)
		return -1;
	qsort(sorted, (size_t)k, sizeof *sorted, compare_doubles);
	return k % 2 ? sorted[k / 2] : (sorted[k / 2 - 1] + sorted[k / 2]) / 2;
}

/* The median over rounds of t[a]/t[b], each round's pair side by side. */
static double paired_ratio(const bench *b, int cold, int a, int c)
{
	double r[MAX_ROUNDS];
	int n = cold ? b->o.cold_rounds : b->o.rounds;
	for (int i = 0; i < n; i++)
		r[i] = b->t[cold][a][i] > 0 && b->t[cold][c][i] > 0
			   ? b->t[cold][a][i] / b->t[cold][c][i]
			   : -1;
	return median(r, n);
}

static void print_times(const bench *b)
{
	printf("%-40s %8s %7s %7s   %8s %7s\n", "", "cached", "", "", "uncached", "");
	printf("%-40s %8s %7s %7s   %8s %7s\n", "", "s", "GB/s", "CPU s", "s", "GB/s");
	for (int c = 0; c < N_CASES; c++) {
		printf("%-40s", case_names[c]);
		for (int cold = 0; cold < 2; cold++) {
			int n = cold ? b->o.cold_rounds : b->o.rounds;
			double m = n ? median(b->t[cold][c], n) : -1;
			if (m > 0)
				printf(" %8.3f %7.2f", m, (double)b->o.size / m / 1e9);
			else
				printf(" %8s %7s", "-", "");
			if (!cold)
				printf(" %7.3f  ", n ? median(b->cpu[0][c], n) : 0);
		}
		putchar('\n');
	}
}

/* A one-thread case whose wall time is well past its CPU time waited for a
 * CPU: other programs were running, and every figure is below the
 * machine's. */
static void print_contention(const bench *b)
{
	static const int single[] = {PASS_1, CRC_1, EPOCHS_1, SHA_1};
	double worst = 0;
	for (size_t i = 0; i < sizeof single / sizeof single[0]; i++) {
		double wall = median(b->t[0][single[i]], b->o.rounds);
		double cpu = median(b->cpu[0][single[i]], b->o.rounds);
		if (cpu > 0 && wall / cpu > worst)
			worst = wall / cpu;
	}
	if (worst > 1.15)
		printf("\nNOTE: a 1-thread case took %.2fx its CPU time: other programs held the "
		       "CPUs;\nthe figures (2-thread ones most) are below this machine's.\n",
		       worst);
}

/* A ratio per column; the verdict on the target (cached only: uncached,
 * both sides wait for the same disk). */
static void print_ratio(const bench *b, const char *what, int a, int c, double target, bool at_most)
{
	printf("%-48s", what);
	for (int cold = 0; cold < 2; cold++) {
		int n = cold ? b->o.cold_rounds : b->o.rounds;
		double r = n ? paired_ratio(b, cold, a, c) : -1;
		const char *verdict = "";
		if (!cold && target > 0 && r > 0)
			verdict = (at_most ? r <= target : r >= target) ? "met" : "NOT met";
		if (r > 0)
			printf(" %7.2fx %-8s", r, verdict);
		else
			printf(" %8s %-8s", "-", "");
	}
	putchar('\n');
}

int main(int argc, char **argv)
{
	static bench b;
	b.o = parse_options(argc, argv);
	const char *scratch = bench_scratch_new(b.o.dir);
	char *cache = bench_path(scratch, "cache");
	setenv("XDG_CACHE_HOME", cache, 1);
	free(cache);
	unsigned char *buf = malloc(WRITE_BYTES);
	if (!buf)
		bench_fail("out of memory");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("bench-verify: libckpt %s, CRC-32 by %s, %ld CPUs; models of %llu MiB in %s\n",
	       ckpt_version(), ckpt_crc32_implementation(), cpus, (unsigned long long)(b.o.size / BENCH_MIB),
	       scratch);
	double start = bench_now();
	char *root = bench_path(scratch, "one");
	b.one = write_run(root, 1, b.o.size, "crc32", buf);
	free(root);
	root = bench_path(scratch, "four");
	b.four = write_run(root, 4, b.o.size / 4, "crc32", buf);
	free(root);
	root = bench_path(scratch, "sha");
	b.sha = write_run(root, 1, b.o.size, "sha256", buf);
	free(root);
	free(buf);
	b.one_model = model_path(b.one, 0);
	b.sha_model = model_path(b.sha, 0);
	printf("saved the runs with the writer in %.1f s\n", bench_now() - start);

	/* Warm every file once; then rounds: every case back to back, so that
	 * each ratio compares runs that saw the same machine. Uncached rounds
	 * drop the file(s) a case reads just before it. */
	for (int c = 0; c < N_CASES; c++)
		run_case(&b, c);
	for (int cold = 0; cold < 2; cold++) {
		int n = cold ? b.o.cold_rounds : b.o.rounds;
		for (int r = 0; r < n; r++)
			for (int c = 0; c < N_CASES; c++) {
				if (cold)
					drop_for(&b, c);
				double cpu = cpu_seconds();
				b.t[cold][c][r] = run_case(&b, c);
				b.cpu[cold][c][r] = cpu_seconds() - cpu;
			}
	}

	printf("medians of %d cached and %d uncached rounds (GB = 1e9 bytes of one model)\n\n",
	       b.o.rounds, b.o.cold_rounds);
	print_times(&b);
	print_contention(&b);
	printf("\n%-48s %-17s %s\n", "ratios (median of each round's pair), targets", "  cached",
	       "  uncached");
	print_ratio(&b, "crc32 1 thread vs the mmap pass (>= 0.75x)", PASS_1, CRC_1, 0.75, false);
	print_ratio(&b, "crc32 2 threads vs the 2-thread mmap pass", PASS_2, CRC_2, 0, false);
	print_ratio(&b, "crc32 one model, 2 threads vs 1 (>= 1.6x)", CRC_1, CRC_2, 1.6, false);
	print_ratio(&b, "crc32 4 epochs, 2 threads vs 1 (>= 1.6x)", EPOCHS_1, EPOCHS_2, 1.6, false);
	print_ratio(&b, "sha256 time vs openssl dgst (<= 1.05x)", SHA_1, OPENSSL, 1.05, true);
	print_ratio(&b, "crc32 1 thread vs the Python original", PYTHON, CRC_1, 0, false);
	print_ratio(&b, "crc32 2 threads vs the Python original", PYTHON, CRC_2, 0, false);

	/* The references computed the same values. */
	char want[80];
	snprintf(want, sizeof want, "%lu", b.python_crc);
	const char *sha = b.sha_seen.computed[0];
	bool same_crc = b.python_crc ? !strcmp(want, b.crc_seen.computed[0]) : false;
	bool same_sha =
	    b.openssl_hex[0] && !strncmp(sha, "sha256:", 7) && !strcmp(sha + 7, b.openssl_hex);
	printf("\ncrc32 %s (python3: %s); sha256 %s (openssl: %s)\n", b.crc_seen.computed[0],
	       b.python_crc ? (same_crc ? "the same" : "DIFFERENT") : "not run",
	       sha + (strlen(sha) > 7 ? 7 : 0),
	       b.openssl_hex[0] ? (same_sha ? "the same" : "DIFFERENT") : "not run");
	printf("speed ratios: reference time / ckpt time, except sha256 (ckpt time / openssl "
	       "time);\nthe targets are for cached runs; uncached, the mmap pass is the disk's "
	       "speed.\npython3: its loop's own time, without the interpreter's start.\n");

	ckpt_run_unref(b.one);
	ckpt_run_unref(b.four);
	ckpt_run_unref(b.sha);
	free(b.one_model);
	free(b.sha_model);
	return same_crc || !b.python_crc ? 0 : 1;
}
