/* test-crc.c: CRC-32 at memory speed and verify on threads. Both CRC
 * variants (the library's, ISA-L when built with it, and the fallback,
 * compiled in here a second time) give zlib's exact values for every length
 * and chaining; parts combine to the whole; the mapped reader survives a
 * file truncated under it; and a threaded ckpt_verify keeps its contract:
 * results in epoch order on the calling thread, progress that never goes
 * back, cancellation with only delivered results recorded. */
#include "api-fixture.h"
#include "checksum-private.h"
#include "internal.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#ifdef CKPT_HAVE_ISAL
#define TEST_HAVE_ISAL 1
#include <isa-l/crc.h>
#endif

/* The fallback variant of crc32.c: 256-bit folding where the CPU has it,
 * 128-bit folding and zlib, never ISA-L. */
#define CRC32_VARIANT 1
#define CRC32_UPDATE fallback_crc32_update
#define CRC32_COMBINE fallback_crc32_combine
#define CRC32_IMPL fallback_crc32_impl
#include "crc32.c"

typedef uint32_t (*crc_fn)(uint32_t crc, const void *data, size_t len);

/* Each kernel alone, so that the library's choice on this CPU hides none. */
static uint32_t narrow_alone(uint32_t crc, const void *data, size_t len)
{
	return narrow_update(crc, data, len);
}

#ifdef TEST_HAVE_ISAL
static uint32_t isal_alone(uint32_t crc, const void *data, size_t len)
{
	return len ? crc32_gzip_refl(crc, data, len) : crc;
}
#endif

#ifdef CRC32_HAVE_WIDE
/* The 256-bit kernel for every whole block (from the first), zlib after. */
static uint32_t wide_alone(uint32_t crc, const void *data, size_t len)
{
	size_t bulk = len & ~(size_t)(WIDE_BLOCK - 1);
	if (bulk)
		crc = crc32_wide(crc, data, bulk);
	return (uint32_t)crc32_z(crc, (const unsigned char *)data + bulk, len - bulk);
}
#endif

static const struct variant {
	const char *name;
	crc_fn update;
	bool (*usable)(void); /* NULL: always */
} variants[] = {
    {"library", ckpt_crc32_update, NULL},
    {"fallback", fallback_crc32_update, NULL},
    {"128-bit folding and zlib", narrow_alone, NULL},
#ifdef TEST_HAVE_ISAL
    {"ISA-L", isal_alone, NULL},
#endif
#ifdef CRC32_HAVE_WIDE
    {"256-bit folding", wide_alone, crc32_wide_usable},
#endif
};

/* The variants this CPU runs, told once. */
static bool variant_runs(size_t v)
{
	if (!variants[v].usable || variants[v].usable())
		return true;
	static bool told[G_N_ELEMENTS(variants)];
	if (!told[v])
		g_test_message("%s: this CPU lacks its instructions; not run here", variants[v].name);
	told[v] = true;
	return false;
}

static void fill_random(unsigned char *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (unsigned char)(x >> 24);
	}
}

/* ---- the CRC kernels ------------------------------------------------------- */

static void test_every_length(void)
{
	enum { MAX = 4096, SLACK = 64 };
	unsigned char *data = g_malloc(MAX + SLACK);
	fill_random(data, MAX + SLACK, 1);
	g_test_message("library CRC-32: %s; fallback: %s", ckpt_crc32_impl(),
		       fallback_crc32_impl());
	g_assert_cmpstr(fallback_crc32_impl(), !=, "isa-l");
	static const size_t offsets[] = {0, 1, 3, 8, 15, 33};
	for (size_t v = 0; v < G_N_ELEMENTS(variants); v++)
		for (size_t o = 0; variant_runs(v) && o < G_N_ELEMENTS(offsets); o++)
			for (size_t len = 0; len <= MAX; len++) {
				const unsigned char *at = data + offsets[o];
				uint32_t want = (uint32_t)crc32_z(0, at, len);
				uint32_t got = variants[v].update(0, at, len);
				if (got != want)
					g_error("%s: length %zu at offset %zu: %u, zlib %u",
						variants[v].name, len, offsets[o], got, want);
				/* From a running CRC, as a chained call starts. */
				uint32_t seed = 0xdeadbeefu ^ (uint32_t)len;
				want = (uint32_t)crc32_z(seed, at, len);
				got = variants[v].update(seed, at, len);
				if (got != want)
					g_error("%s: length %zu from %u: %u, zlib %u",
						variants[v].name, len, seed, got, want);
			}
	g_free(data);
}

static void test_chained_odd_chunks(void)
{
	size_t len = (3u << 20) + 4093;
	unsigned char *data = g_malloc(len);
	fill_random(data, len, 2);
	uint32_t whole = (uint32_t)crc32_z(0, data, len);
	/* Odd sizes, small and past every kernel's block, so that each call
	 * starts misaligned and ends mid-block. */
	static const size_t chunks[] = {1,   3,   7,   15,   17,   63,    65,
					127, 255, 257, 1021, 4099, 65537, 1048573};
	for (size_t v = 0; v < G_N_ELEMENTS(variants); v++)
		for (size_t k = 0; variant_runs(v) && k < G_N_ELEMENTS(chunks); k++) {
			uint32_t crc = 0;
			for (size_t at = 0; at < len; at += chunks[k]) {
				size_t n = len - at < chunks[k] ? len - at : chunks[k];
				crc = variants[v].update(crc, data + at, n);
			}
			if (crc != whole)
				g_error("%s: chunks of %zu: %u, zlib %u", variants[v].name,
					chunks[k], crc, whole);
		}
	/* Varying sizes in one chain. */
	for (size_t v = 0; v < G_N_ELEMENTS(variants); v++) {
		if (!variant_runs(v))
			continue;
		uint32_t crc = 0;
		size_t at = 0;
		for (size_t k = 0; at < len; k++) {
			size_t n = (k * 7919) % 9973 + 1;
			n = len - at < n ? len - at : n;
			crc = variants[v].update(crc, data + at, n);
			at += n;
		}
		g_assert_cmpuint(crc, ==, whole);
	}
	g_free(data);
}

static void test_combine(void)
{
	size_t len = (1u << 20) + 333;
	unsigned char *data = g_malloc(len);
	fill_random(data, len, 3);
	uint32_t whole = (uint32_t)crc32_z(0, data, len);
	static const size_t splits[] = {0, 1, 2, 4095, 4096, 65536, 524287};
	for (size_t k = 0; k < G_N_ELEMENTS(splits); k++) {
		size_t a = splits[k], b = len - a;
		uint32_t ca = ckpt_crc32_update(0, data, a);
		uint32_t cb = ckpt_crc32_update(0, data + a, b);
		g_assert_cmpuint(ckpt_crc32_combine(ca, cb, b), ==, whole);
		g_assert_cmpuint(fallback_crc32_combine(ca, cb, b), ==, whole);
	}
	/* Many parts, as verify sums them. */
	uint32_t crc = 0;
	size_t part = 12345;
	for (size_t at = 0; at < len; at += part) {
		size_t n = len - at < part ? len - at : part;
		uint32_t c = ckpt_crc32_update(0, data + at, n);
		crc = at == 0 ? c : ckpt_crc32_combine(crc, c, n);
	}
	g_assert_cmpuint(crc, ==, whole);
	g_free(data);
}

/* ---- files: the mapped reader ------------------------------------------- */

/* zlib and OpenSSL over pread, the plain way. */
static void reference_sums(const char *path, uint32_t *crc, char sha[CKPT_CHECKSUM_TEXT_MAX])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	unsigned char *buf = g_malloc(1 << 20);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	g_assert_cmpint(EVP_DigestInit_ex(md, EVP_sha256(), NULL), ==, 1);
	uLong c = 0;
	ssize_t n;
	while ((n = read(fd, buf, 1 << 20)) > 0) {
		c = crc32_z(c, buf, (size_t)n);
		EVP_DigestUpdate(md, buf, (size_t)n);
	}
	g_assert_cmpint(n, ==, 0);
	unsigned char hash[32];
	unsigned int len = 0;
	EVP_DigestFinal_ex(md, hash, &len);
	strcpy(sha, "sha256:");
	for (unsigned i = 0; i < len; i++)
		snprintf(sha + 7 + 2 * i, 3, "%02x", hash[i]);
	EVP_MD_CTX_free(md);
	g_free(buf);
	close(fd);
	*crc = (uint32_t)c;
}

/* A sparse file of size bytes with random data at offsets (1 MiB each). */
static void make_spotted_file(const char *path, off_t size, const off_t *at, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, size), ==, 0);
	unsigned char *buf = g_malloc(1 << 20);
	for (size_t i = 0; i < n; i++) {
		fill_random(buf, 1 << 20, 10 + i);
		size_t len = at[i] + (1 << 20) > size ? (size_t)(size - at[i]) : (size_t)1 << 20;
		g_assert_cmpint(pwrite(fd, buf, len, at[i]), ==, (ssize_t)len);
	}
	g_free(buf);
	close(fd);
}

static void test_file_across_windows(void)
{
	char *tmp = tu_tmpdir();
	char *path = g_build_filename(tmp, "model.h5", NULL);
	/* Past two 64 MiB windows; data across each window and block edge. */
	const off_t mib = 1 << 20;
	const off_t size = 130 * mib + 4321;
	const off_t spots[] = {0, 4 * mib - 77, 64 * mib - 512 * 1024, 128 * mib - 3, size - 100};
	make_spotted_file(path, size, spots, G_N_ELEMENTS(spots));
	uint32_t crc;
	char sha[CKPT_CHECKSUM_TEXT_MAX], want_crc[CKPT_CHECKSUM_TEXT_MAX];
	reference_sums(path, &crc, sha);
	ckpt_checksum_crc32_text(want_crc, crc);
	g_assert_true(ckpt_read_maps());
	for (int mapped = 1; mapped >= 0; mapped--) {
		if (!mapped)
			g_setenv("CKPT_READ_MMAP", "0", TRUE);
		g_assert_true(ckpt_read_maps() == (bool)mapped);
		char out[CKPT_CHECKSUM_TEXT_MAX];
		g_assert_cmpint(ckpt_checksum_file(out, path, CKPT_CHECKSUM_CRC32, NULL), ==, 0);
		g_assert_cmpstr(out, ==, want_crc);
		g_assert_cmpint(ckpt_checksum_file(out, path, CKPT_CHECKSUM_SHA256, NULL), ==, 0);
		g_assert_cmpstr(out, ==, sha);
	}
	g_unsetenv("CKPT_READ_MMAP");
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

typedef struct counting {
	uint32_t crc;
	uint64_t blocks;
	int truncate_fd; /* >= 0: cut the file to 0 after the first block */
} counting;

static void count_consume(const unsigned char *data, size_t len, void *payload)
{
	counting *c = payload;
	c->crc = ckpt_crc32_update(c->crc, data, len);
}

static bool count_advance(size_t len, void *payload)
{
	(void)len;
	counting *c = payload;
	if (c->blocks++ == 0 && c->truncate_fd >= 0)
		g_assert_cmpint(ftruncate(c->truncate_fd, 0), ==, 0);
	return true;
}

static void test_grown_file_read_to_end(void)
{
	char *tmp = tu_tmpdir();
	char *path = g_build_filename(tmp, "grows", NULL);
	size_t len = (5u << 20) + 17;
	unsigned char *data = g_malloc(len);
	fill_random(data, len, 4);
	tu_write_bytes(path, data, len);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	/* Measured smaller than it is: the last part reads on to the end. */
	for (int mapped = 1; mapped >= 0; mapped--) {
		if (!mapped)
			g_setenv("CKPT_READ_MMAP", "0", TRUE);
		counting c = {.truncate_fd = -1};
		ckpt_block_sink sink = {count_consume, count_advance, &c, false};
		uint64_t got = 0;
		g_assert_cmpint(ckpt_read_range(&got, fd, 0, len - 4000, true, path, &sink), ==, 0);
		g_assert_cmpuint(got, ==, len);
		g_assert_cmpuint(c.crc, ==, (uint32_t)crc32_z(0, data, len));
		/* Not to the end: exactly the range. */
		c = (counting){.truncate_fd = -1};
		g_assert_cmpint(ckpt_read_range(&got, fd, 1000, 4u << 20, false, path, &sink), ==,
				0);
		g_assert_cmpuint(got, ==, 4u << 20);
		g_assert_cmpuint(c.crc, ==, (uint32_t)crc32_z(0, data + 1000, 4u << 20));
	}
	g_unsetenv("CKPT_READ_MMAP");
	close(fd);
	g_free(data);
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_truncated_under_mapping(void)
{
	char *tmp = tu_tmpdir();
	char *path = g_build_filename(tmp, "cut", NULL);
	const off_t mib = 1 << 20;
	const off_t spots[] = {0, 20 * mib};
	make_spotted_file(path, 24 * mib, spots, 2);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_true(ckpt_read_maps());
	unsigned long faults = ckpt_read_faults_caught();
	/* Cut to nothing after the first 4 MiB block: the next block of the
	 * same mapping faults; the read ends there, the process goes on. */
	counting c = {.truncate_fd = fd};
	ckpt_block_sink sink = {count_consume, count_advance, &c, false};
	uint64_t got = 0;
	g_assert_cmpint(ckpt_read_range(&got, fd, 0, 24 * mib, true, path, &sink), ==, 0);
	g_assert_cmpuint(got, ==, 4u << 20);
	g_assert_cmpuint(ckpt_read_faults_caught(), ==, faults + 1);
	/* The same by pread: a short read, no signal. */
	make_spotted_file(path, 24 * mib, spots, 2);
	g_setenv("CKPT_READ_MMAP", "0", TRUE);
	c = (counting){.truncate_fd = fd};
	g_assert_cmpint(ckpt_read_range(&got, fd, 0, 24 * mib, true, path, &sink), ==, 0);
	g_assert_cmpuint(got, ==, 256u << 10);
	g_unsetenv("CKPT_READ_MMAP");
	close(fd);
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* Which share of a file the page cache holds, told without reading it. */
static void test_cached_share(void)
{
	char *tmp = tu_tmpdir();
	char *path = g_build_filename(tmp, "cached", NULL);
	const off_t mib = 1 << 20;
	const off_t spots[] = {0, 1 * mib, 2 * mib, 3 * mib, 4 * mib, 5 * mib, 6 * mib, 7 * mib};
	make_spotted_file(path, 8 * mib, spots, G_N_ELEMENTS(spots));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(fdatasync(fd), ==, 0);
	g_assert_cmpfloat(ckpt_read_cached_share(fd, 8 * mib), >=, 0.9);
	g_assert_cmpint(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), ==, 0);
	g_assert_cmpfloat(ckpt_read_cached_share(fd, 8 * mib), <, 0.9);
	g_assert_cmpfloat(ckpt_read_cached_share(fd, 0), ==, -1);
	close(fd);
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* In a child: a program that installs its own SIGBUS handler after libckpt
 * did gets pread (never a mapping without our guard), and a SIGBUS that is
 * not a guarded read still does what it did without libckpt. */
static int foreign_handler_child(int *results, size_t n, void *payload)
{
	(void)payload;
	if (n < 2)
		return 0;
	results[0] = ckpt_read_maps();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGBUS, &sa, NULL);
	results[1] = ckpt_read_maps();
	return 2;
}

/* A thread that blocks SIGBUS is never given a mapping. */
static void test_blocked_sigbus_means_pread(void)
{
	g_assert_true(ckpt_read_maps());
	sigset_t bus, old;
	sigemptyset(&bus);
	sigaddset(&bus, SIGBUS);
	g_assert_cmpint(pthread_sigmask(SIG_BLOCK, &bus, &old), ==, 0);
	g_assert_false(ckpt_read_maps());
	g_assert_cmpint(pthread_sigmask(SIG_SETMASK, &old, NULL), ==, 0);
	g_assert_true(ckpt_read_maps());
}

static void test_foreign_handler_means_pread(void)
{
	int results[2] = {-1, -1};
	g_assert_cmpuint(tu_run_in_child(foreign_handler_child, NULL, results, 2), ==, 2);
	g_assert_cmpint(results[0], ==, 1);
	g_assert_cmpint(results[1], ==, 0);
}

/* The program's own SIGBUS handler, installed before libckpt's guard (see
 * main): every SIGBUS the guard did not cause must still reach it. */
#define FOREIGN_EXIT 42
static void foreign_sigbus(int sig, siginfo_t *info, void *context)
{
	(void)sig, (void)info, (void)context;
	_exit(FOREIGN_EXIT);
}

static void install_foreign_sigbus(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = foreign_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	g_assert_cmpint(sigaction(SIGBUS, &sa, NULL), ==, 0);
}

static void test_unguarded_sigbus_reaches_program(void)
{
	char *tmp = tu_tmpdir();
	char *path = g_build_filename(tmp, "bus", NULL);
	tu_write(path, "");
	g_assert_true(ckpt_read_maps()); /* the guard is installed, over foreign_sigbus */
	for (int how = 0; how < 2; how++) {
		pid_t pid = fork();
		g_assert_cmpint(pid, >=, 0);
		if (pid == 0) {
			if (how == 0)
				raise(SIGBUS);
			/* A mapping past the end of a file, touched outside any guard. */
			int fd = open(path, O_RDONLY);
			volatile const unsigned char *map =
			    mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
			if (map != MAP_FAILED)
				(void)map[0];
			_exit(0);
		}
		int status = 0;
		g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
		g_assert_true(WIFEXITED(status));
		g_assert_cmpint(WEXITSTATUS(status), ==, FOREIGN_EXIT);
	}
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ---- verify on threads --------------------------------------------------- */

/* Models of random bytes, a different size per epoch. */
typedef struct models {
	size_t sizes[8];
	int written;
} models;

static int write_random_model(const char *path, void *payload)
{
	models *m = payload;
	size_t len = m->sizes[m->written];
	unsigned char *buf = g_malloc(len ? len : 1);
	fill_random(buf, len, 100 + (uint64_t)m->written);
	m->written++;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok = fd >= 0 && write(fd, buf, len) == (ssize_t)len;
	if (fd >= 0)
		close(fd);
	g_free(buf);
	return ok ? 0 : 1;
}

/* A run under dir of n epochs with models of the given sizes. */
static char *make_run(const char *dir, const char *name, const char *algorithm, const size_t *sizes,
		      int n)
{
	char *root = g_build_filename(dir, name, "ckpts", NULL);
	af_model unused = {0};
	ckpt_writer *w = af_writer(root, &unused, 0, "ckpt_keep_mode", "all",
				   "ckpt_checksum_algorithm", algorithm, NULL);
	models m = {.written = 0};
	memcpy(m.sizes, sizes, (size_t)n * sizeof *sizes);
	ckpt_writer_set_model_io(w, write_random_model, NULL, &m);
	for (int i = 1; i <= n; i++)
		af_epoch(w, i, '-', 1.0 / i);
	ckpt_writer_free(w);
	return root;
}

/* Everything a verify call handed back, and on which thread. */
typedef struct seen {
	ckpt_verify_item items[16];
	char computed[16][CKPT_CHECKSUM_TEXT_MAX];
	size_t n;
	pthread_t caller;
	bool wrong_thread, went_back, past_total;
	int events;
	uint64_t done, total, items_done;
	int64_t last_epoch_started;
	/* actions */
	int stop_after_items;     /* on_item returns 1 after this many */
	volatile int *raise_flag; /* raised at event number raise_event, or */
	int raise_event;
	bool raise_when_summing;       /* at the first event with bytes done */
	const char *truncate_at_start; /* truncated when truncate_epoch is started */
	int64_t truncate_epoch;
	const char *remove_at_start; /* removed at the same moment */
} seen;

static int on_event(const ckpt_progress_event *event, void *payload)
{
	seen *s = payload;
	if (!pthread_equal(pthread_self(), s->caller))
		s->wrong_thread = true;
	if (s->events && (event->done < s->done || event->items_done < s->items_done))
		s->went_back = true;
	if (event->total && event->done > event->total)
		s->past_total = true;
	s->events++;
	s->done = event->done;
	s->total = event->total;
	s->items_done = event->items_done;
	if (event->epoch > s->last_epoch_started)
		s->last_epoch_started = event->epoch;
	if (s->raise_flag &&
	    (s->events == s->raise_event || (s->raise_when_summing && event->done)))
		*s->raise_flag = 1;
	if (s->truncate_at_start && event->epoch == s->truncate_epoch) {
		g_assert_cmpint(truncate(s->truncate_at_start, 0), ==, 0);
		s->truncate_at_start = NULL;
		if (s->remove_at_start)
			tu_rmtree(s->remove_at_start);
	}
	return 0;
}

static int on_item(const ckpt_verify_item *item, void *payload)
{
	seen *s = payload;
	if (!pthread_equal(pthread_self(), s->caller))
		s->wrong_thread = true;
	g_assert_cmpuint(s->n, <, G_N_ELEMENTS(s->items));
	s->items[s->n] = *item;
	g_strlcpy(s->computed[s->n], item->computed ? item->computed : "", CKPT_CHECKSUM_TEXT_MAX);
	s->n++;
	return s->stop_after_items && (int)s->n >= s->stop_after_items;
}

static int run_verify(const ckpt_run *run, seen *s, const volatile int *cancel, const char *threads)
{
	g_setenv("CKPT_VERIFY_THREADS", threads, TRUE);
	s->caller = pthread_self();
	ckpt_progress progress = {on_event, s, cancel};
	int rc = ckpt_verify(run, NULL, 0, 0, &progress, on_item, s);
	g_unsetenv("CKPT_VERIFY_THREADS");
	return rc;
}

static const char *const thread_counts[] = {"0", "1", "2", "3"};

static void test_threads_same_results_in_order(void)
{
	char *dir = af_tree_new();
	const size_t sizes[] = {(3u << 20) + 7, 0, 12345, (2u << 20) + 1, 4096, (5u << 20) + 999};
	char *crc_root = make_run(dir, "crc", "crc32", sizes, G_N_ELEMENTS(sizes));
	char *sha_root = make_run(dir, "sha", "sha256", sizes, 3);
	/* Damage: a flipped byte in epoch 4, and epoch 5's model gone. */
	char *flip = af_epoch_path(crc_root, 4, "model.h5");
	af_flip_byte(flip, 1 << 20);
	char *gone = af_epoch_path(crc_root, 5, "model.h5");
	g_assert_cmpint(unlink(gone), ==, 0);
	static const ckpt_verify_result want[] = {CKPT_VERIFY_OK,
						  CKPT_VERIFY_OK,
						  CKPT_VERIFY_OK,
						  CKPT_VERIFY_MISMATCH,
						  CKPT_VERIFY_MISSING_MODEL,
						  CKPT_VERIFY_OK};
	ckpt_run *crc_run = tu_open_run(crc_root), *sha_run = tu_open_run(sha_root);
	/* Parts of an odd size: many per model, none aligned to a page. */
	uint64_t part_bytes = ckpt_verify_part_bytes;
	ckpt_verify_part_bytes = 100003;
	char first[16][CKPT_CHECKSUM_TEXT_MAX];
	for (size_t t = 0; t < G_N_ELEMENTS(thread_counts); t++) {
		seen s = {0};
		g_assert_cmpint(run_verify(crc_run, &s, NULL, thread_counts[t]), ==, 0);
		g_assert_cmpuint(s.n, ==, G_N_ELEMENTS(sizes));
		g_assert_false(s.wrong_thread);
		g_assert_false(s.went_back);
		g_assert_false(s.past_total);
		g_assert_cmpuint(s.done, ==, s.total);
		for (size_t i = 0; i < s.n; i++) {
			g_assert_cmpint(s.items[i].epoch, ==, (int64_t)i + 1);
			g_assert_cmpint(s.items[i].result, ==, want[i]);
			if (t == 0)
				memcpy(first[i], s.computed[i], CKPT_CHECKSUM_TEXT_MAX);
			else
				g_assert_cmpstr(s.computed[i], ==, first[i]);
		}
		/* Each computed value is zlib's over the file as it is. */
		for (size_t i = 0; i < s.n; i++) {
			if (want[i] == CKPT_VERIFY_MISSING_MODEL)
				continue;
			char *model = af_epoch_path(crc_root, (long)i + 1, "model.h5");
			uint32_t crc;
			char sha[CKPT_CHECKSUM_TEXT_MAX], text[CKPT_CHECKSUM_TEXT_MAX];
			reference_sums(model, &crc, sha);
			ckpt_checksum_crc32_text(text, crc);
			g_assert_cmpstr(s.computed[i], ==, text);
			g_free(model);
		}
		seen h = {0};
		g_assert_cmpint(run_verify(sha_run, &h, NULL, thread_counts[t]), ==, 0);
		g_assert_cmpuint(h.n, ==, 3);
		g_assert_false(h.wrong_thread);
		for (size_t i = 0; i < h.n; i++) {
			g_assert_cmpint(h.items[i].epoch, ==, (int64_t)i + 1);
			g_assert_cmpint(h.items[i].result, ==, CKPT_VERIFY_OK);
			g_assert_true(g_str_has_prefix(h.computed[i], "sha256:"));
		}
	}
	ckpt_verify_part_bytes = part_bytes;
	ckpt_run_unref(crc_run);
	ckpt_run_unref(sha_run);
	g_free(flip), g_free(gone), g_free(crc_root), g_free(sha_root);
	af_tree_free(dir);
}

static void drop_from_cache(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(fdatasync(fd), ==, 0);
	g_assert_cmpint(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), ==, 0);
	close(fd);
}

/* Models on the disk are read part after part, as one stream; the parts
 * still combine to zlib's value, beside a cached epoch summed meanwhile. */
static void test_uncached_models_streamed(void)
{
	char *dir = af_tree_new();
	const size_t sizes[] = {(24u << 20) + 5, (9u << 20) + 1, (17u << 20) + 3};
	char *root = make_run(dir, "run", "crc32", sizes, 3);
	uint64_t part_bytes = ckpt_verify_part_bytes;
	ckpt_verify_part_bytes = 4u << 20;
	for (size_t t = 0; t < G_N_ELEMENTS(thread_counts); t++) {
		for (long e = 1; e <= 3; e += 2) {
			char *model = af_epoch_path(root, e, "model.h5");
			drop_from_cache(model);
			g_free(model);
		}
		ckpt_run *run = tu_open_run(root);
		seen s = {0};
		g_assert_cmpint(run_verify(run, &s, NULL, thread_counts[t]), ==, 0);
		g_assert_cmpuint(s.n, ==, 3);
		for (size_t i = 0; i < s.n; i++) {
			g_assert_cmpint(s.items[i].result, ==, CKPT_VERIFY_OK);
			char *model = af_epoch_path(root, (long)i + 1, "model.h5");
			uint32_t crc;
			char sha[CKPT_CHECKSUM_TEXT_MAX], text[CKPT_CHECKSUM_TEXT_MAX];
			reference_sums(model, &crc, sha);
			ckpt_checksum_crc32_text(text, crc);
			g_assert_cmpstr(s.computed[i], ==, text);
			g_free(model);
		}
		ckpt_run_unref(run);
	}
	ckpt_verify_part_bytes = part_bytes;
	g_free(root);
	af_tree_free(dir);
}

/* Epoch 1's model is cut to nothing when epoch 2 is started: epoch 1 has
 * been opened (and is being read, with threads) by then. */
static void test_truncate_during_verify(void)
{
	char *dir = af_tree_new();
	const size_t sizes[] = {40u << 20, 4096, 4096};
	uint64_t part_bytes = ckpt_verify_part_bytes;
	ckpt_verify_part_bytes = 4u << 20;
	for (size_t t = 0; t < G_N_ELEMENTS(thread_counts); t++) {
		for (int remove = 0; remove < 2; remove++) {
			char name[32];
			snprintf(name, sizeof name, "run-%zu-%d", t, remove);
			char *root = make_run(dir, name, "crc32", sizes, 3);
			ckpt_run *run = tu_open_run(root);
			char *model = af_epoch_path(root, 1, "model.h5");
			char *epoch_dir = af_epoch_path(root, 1, NULL);
			unsigned long faults = ckpt_read_faults_caught();
			seen s = {.truncate_at_start = model,
				  .truncate_epoch = 2,
				  .remove_at_start = remove ? epoch_dir : NULL};
			g_assert_cmpint(run_verify(run, &s, NULL, thread_counts[t]), ==, 0);
			g_assert_null(s.truncate_at_start);
			g_assert_cmpuint(s.n, ==, 3);
			/* Cut short: not what was stored; gone when the epoch went too.
			 * A thread may (rarely, on a loaded machine) have read all 40 MiB
			 * before the cut: then it was ok. */
			ckpt_verify_result cut = remove ? CKPT_VERIFY_GONE : CKPT_VERIFY_MISMATCH;
			if (t == 0 || s.items[0].result != CKPT_VERIFY_OK)
				g_assert_cmpint(s.items[0].result, ==, cut);
			g_assert_cmpint(s.items[1].result, ==, CKPT_VERIFY_OK);
			g_assert_cmpint(s.items[2].result, ==, CKPT_VERIFY_OK);
			g_test_message("%s threads, %s: %lu truncation(s) caught", thread_counts[t],
				       remove ? "removed" : "kept",
				       ckpt_read_faults_caught() - faults);
			/* Without threads the parts are read after the cut: every
			 * mapping faults, and each fault is caught. */
			if (t == 0)
				g_assert_cmpuint(ckpt_read_faults_caught(), >, faults);
			ckpt_run_unref(run);
			g_free(model), g_free(epoch_dir), g_free(root);
		}
	}
	ckpt_verify_part_bytes = part_bytes;
	af_tree_free(dir);
}

static ckpt_check_state check_of(const char *root, long epoch)
{
	ckpt_run *run = tu_open_run(root);
	ckpt_verify_result result;
	int64_t when;
	ckpt_check_state state = ckpt_epoch_check(&result, &when, ckpt_run_find_epoch(run, epoch));
	ckpt_run_unref(run);
	return state;
}

static void test_cancel_mid_model(void)
{
	char *dir = af_tree_new();
	const size_t sizes[] = {4096, 96u << 20, 96u << 20, 4096};
	char *root = make_run(dir, "run", "crc32", sizes, 4);
	char *records = ckpt_records_path(root);
	for (size_t t = 0; t < G_N_ELEMENTS(thread_counts); t++) {
		for (int when = 0; when < 2; when++) {
			unlink(records);
			ckpt_run *run = tu_open_run(root);
			volatile int cancel = 0;
			/* Raised as epoch 3 is started (epoch 2 being read), or at
			 * the first report of bytes (64 MiB in: models 2 and 3 are
			 * not both done). */
			seen s = {.raise_flag = &cancel,
				  .raise_event = when ? 0 : 3,
				  .raise_when_summing = when};
			g_assert_cmpint(run_verify(run, &s, &cancel, thread_counts[t]), ==,
					CKPT_ECANCELLED);
			g_assert_false(s.wrong_thread);
			g_assert_false(s.went_back);
			/* What was delivered is final and recorded, in order; the
			 * epoch being read is not reported. */
			g_assert_cmpuint(s.n, <=, when ? 2 : 1);
			for (size_t i = 0; i < s.n; i++)
				g_assert_cmpint(s.items[i].epoch, ==, (int64_t)i + 1);
			for (long e = 1; e <= 4; e++)
				g_assert_cmpint(check_of(root, e), ==,
						(size_t)e <= s.n ? CKPT_CHECK_CURRENT
								 : CKPT_CHECK_NEVER);
			ckpt_run_unref(run);
		}
	}
	g_free(records);
	g_free(root);
	af_tree_free(dir);
}

/* on_item stops after the first result while later epochs are summed or
 * done: those are dropped, unrecorded. */
static void test_stop_drops_summed_results(void)
{
	char *dir = af_tree_new();
	const size_t sizes[] = {1u << 20, 4096, 4096, 4096, 4096};
	char *root = make_run(dir, "run", "crc32", sizes, 5);
	char *records = ckpt_records_path(root);
	for (size_t t = 0; t < G_N_ELEMENTS(thread_counts); t++) {
		unlink(records);
		ckpt_run *run = tu_open_run(root);
		seen s = {.stop_after_items = 1};
		g_assert_cmpint(run_verify(run, &s, NULL, thread_counts[t]), ==, CKPT_ECANCELLED);
		g_assert_cmpuint(s.n, ==, 1);
		g_assert_cmpint(check_of(root, 1), ==, CKPT_CHECK_CURRENT);
		for (long e = 2; e <= 5; e++)
			g_assert_cmpint(check_of(root, e), ==, CKPT_CHECK_NEVER);
		/* Without threads every later epoch was started (and summed) before
		 * epoch 1 was delivered. */
		if (t == 0)
			g_assert_cmpint(s.last_epoch_started, >, 1);
		ckpt_run_unref(run);
	}
	g_free(records);
	g_free(root);
	af_tree_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	install_foreign_sigbus();
	g_test_add_func("/ckpt/crc/every-length-0-4096-both-variants-equal-zlib",
			test_every_length);
	g_test_add_func("/ckpt/crc/chained-odd-chunks-both-variants-equal-zlib",
			test_chained_odd_chunks);
	g_test_add_func("/ckpt/crc/combined-parts-equal-zlib-whole", test_combine);
	g_test_add_func("/ckpt/crc/file-across-map-windows-equals-zlib-and-openssl",
			test_file_across_windows);
	g_test_add_func("/ckpt/mapread/grown-file-read-to-end", test_grown_file_read_to_end);
	g_test_add_func("/ckpt/mapread/truncated-under-mapping-is-caught",
			test_truncated_under_mapping);
	g_test_add_func("/ckpt/mapread/foreign-sigbus-handler-means-pread",
			test_foreign_handler_means_pread);
	g_test_add_func("/ckpt/mapread/blocked-sigbus-means-pread",
			test_blocked_sigbus_means_pread);
	g_test_add_func("/ckpt/mapread/cached-share-sees-dropped-pages", test_cached_share);
	g_test_add_func("/ckpt/mapread/unguarded-sigbus-reaches-the-program",
			test_unguarded_sigbus_reaches_program);
	g_test_add_func("/ckpt/verify-pool/0-to-3-threads-same-results-in-order",
			test_threads_same_results_in_order);
	g_test_add_func("/ckpt/verify-pool/uncached-models-read-as-one-stream",
			test_uncached_models_streamed);
	g_test_add_func("/ckpt/verify-pool/model-truncated-during-verify",
			test_truncate_during_verify);
	g_test_add_func("/ckpt/verify-pool/cancel-flag-mid-model-keeps-delivered",
			test_cancel_mid_model);
	g_test_add_func("/ckpt/verify-pool/stop-drops-results-not-delivered",
			test_stop_drops_summed_results);
	return g_test_run();
}
