/* mapread.c: reading a range of an open model without copying it, through a
 * read-only mapping guarded against SIGBUS (a writer's retention, or a hand,
 * may truncate the file under the mapping), else with pread into a buffer.
 * The guard is a process-wide SIGBUS handler installed once, on first use,
 * that passes every SIGBUS it did not cause to the handler it replaced. */
#include "internal.h"

#include "checksum-private.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BLOCK_BYTES ((size_t)4 << 20)
#define WINDOW_BYTES ((uint64_t)64 << 20)
#define PREAD_BYTES ((size_t)256 << 10) /* stays in the L2 cache: the copy is cheap */

/* ---- the SIGBUS guard ---------------------------------------------------- */

/* A thread reading a mapping points `guarded` at its jump and the mapping's
 * bounds; a SIGBUS at an address inside them ends that read. initial-exec:
 * a signal handler must not make the dynamic loader allocate a TLS block. */
typedef struct guard {
	sigjmp_buf jump;
	const unsigned char *lo, *hi;
} guard;

static _Thread_local guard *volatile guarded __attribute__((tls_model("initial-exec")));
static struct sigaction previous;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static bool installed;
static atomic_ulong faults_caught;

static void on_sigbus(int sig, siginfo_t *info, void *context)
{
	guard *g = guarded;
	const unsigned char *at = info ? info->si_addr : NULL;
	if (g && at >= g->lo && at < g->hi) {
		guarded = NULL;
		atomic_fetch_add_explicit(&faults_caught, 1, memory_order_relaxed);
		siglongjmp(g->jump, 1);
	}
	/* Not ours: what would have happened without us. */
	if (previous.sa_flags & SA_SIGINFO) {
		previous.sa_sigaction(sig, info, context);
		return;
	}
	if (previous.sa_handler == SIG_IGN && info && info->si_code <= 0)
		return; /* sent by kill() and ignored; a fault cannot be ignored */
	if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
		previous.sa_handler(sig);
		return;
	}
	/* The default action: terminate (with a core). Pending until this
	 * handler returns, which then re-runs the faulting instruction. */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGBUS, &dfl, NULL);
	raise(SIGBUS);
}

static void install_guard(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	installed = sigaction(SIGBUS, &sa, &previous) == 0;
}

/* Installed, and still ours: a program may have put its own handler in its
 * place since (then files are read with pread). */
static bool guard_usable(void)
{
	pthread_once(&install_once, install_guard);
	struct sigaction now;
	return installed && sigaction(SIGBUS, NULL, &now) == 0 && (now.sa_flags & SA_SIGINFO) &&
	       now.sa_sigaction == on_sigbus;
}

bool ckpt_read_maps(void)
{
	const char *knob = getenv("CKPT_READ_MMAP");
	if (knob && strcmp(knob, "0") == 0)
		return false;
	/* A thread that blocks SIGBUS cannot be told of a truncation: the
	 * kernel would kill the process instead. */
	sigset_t mask;
	if (pthread_sigmask(SIG_BLOCK, NULL, &mask) != 0 || sigismember(&mask, SIGBUS))
		return false;
	return guard_usable();
}

unsigned long ckpt_read_faults_caught(void)
{
	return atomic_load_explicit(&faults_caught, memory_order_relaxed);
}

/* consume(data) with the guard up over [lo, hi); false when a SIGBUS there
 * cut it short. Nothing changed between sigsetjmp and the jump back is read
 * afterwards, so no local needs to be volatile. */
static bool consume_guarded(const ckpt_block_sink *sink, const unsigned char *data, size_t len,
			    const unsigned char *lo, const unsigned char *hi)
{
	guard g;
	g.lo = lo;
	g.hi = hi;
	/* savemask: the handler runs with SIGBUS blocked; jumping out must
	 * unblock it, or the next truncation would kill the process. */
	if (sigsetjmp(g.jump, 1))
		return false;
	guarded = &g;
	atomic_signal_fence(memory_order_seq_cst);
	sink->consume(data, len, sink->payload);
	atomic_signal_fence(memory_order_seq_cst);
	guarded = NULL;
	return true;
}

/* ---- the page cache -------------------------------------------------------- */

#define CACHE_SAMPLES 64

double ckpt_read_cached_share(int fd, uint64_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0 || size == 0 || size > (uint64_t)SIZE_MAX)
		return -1;
	void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	uint64_t pages = (size + (uint64_t)page - 1) / (uint64_t)page;
	int samples = pages < CACHE_SAMPLES ? (int)pages : CACHE_SAMPLES, resident = 0;
	for (int i = 0; i < samples; i++) {
		/* The middle of each of `samples` equal stretches. */
		uint64_t at = ((uint64_t)i * pages + pages / 2) / (uint64_t)samples;
		unsigned char in = 0;
		if (mincore((char *)map + at * (uint64_t)page, (size_t)page, &in) != 0) {
			resident = -1;
			break;
		}
		resident += in & 1;
	}
	munmap(map, (size_t)size);
	return resident < 0 ? -1 : (double)resident / samples;
}

/* ---- reading ------------------------------------------------------------- */

typedef struct range_read {
	int fd;
	const char *path;
	const ckpt_block_sink *sink;
	uint64_t pos, end; /* the next byte, and the end of what was measured */
	bool shrank;
} range_read;

/* One window [pos, pos + n) through a mapping. 1 when it could not be
 * mapped (the caller reads it with pread instead), 0, CKPT_ECANCELLED. */
static int read_window_mapped(range_read *r, uint64_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t head = r->pos % (uint64_t)(page > 0 ? page : 4096);
	size_t map_len = (size_t)(head + n);
	void *map = mmap(NULL, map_len, PROT_READ, MAP_SHARED, r->fd, (off_t)(r->pos - head));
	if (map == MAP_FAILED)
		return 1;
	madvise(map, map_len, MADV_SEQUENTIAL);
	const unsigned char *lo = map, *hi = lo + map_len;
	const unsigned char *at = lo + head;
	int rc = 0;
	while (at < hi) {
		size_t len = (size_t)(hi - at) < BLOCK_BYTES ? (size_t)(hi - at) : BLOCK_BYTES;
		if (!consume_guarded(r->sink, at, len, lo, hi)) {
			r->shrank = true;
			break;
		}
		at += len;
		r->pos += len;
		if (!r->sink->advance(len, r->sink->payload)) {
			rc = CKPT_ECANCELLED;
			break;
		}
	}
	munmap(map, map_len);
	return rc;
}

/* From r->pos with pread: up to r->end, or (to_end) to the end of the file. */
static int read_buffered(range_read *r, bool to_end)
{
	unsigned char *buffer = malloc(PREAD_BYTES);
	if (!buffer)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", r->path);
	int rc = 0;
	while (to_end || r->pos < r->end) {
		size_t want = PREAD_BYTES;
		if (!to_end && r->end - r->pos < want)
			want = (size_t)(r->end - r->pos);
		ssize_t n = pread(r->fd, buffer, want, (off_t)r->pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ckpt_fail(CKPT_EIO, "%s: %s", r->path, strerror(errno));
			break;
		}
		if (n == 0) {
			r->shrank = r->pos < r->end;
			break;
		}
		r->sink->consume(buffer, (size_t)n, r->sink->payload);
		r->pos += (uint64_t)n;
		if (!r->sink->advance((size_t)n, r->sink->payload)) {
			rc = CKPT_ECANCELLED;
			break;
		}
	}
	free(buffer);
	return rc;
}

/* Whether anything lies at or past pos (a file that grew since measured). */
static int more_past(bool *out, int fd, uint64_t pos, const char *path)
{
	unsigned char probe;
	for (;;) {
		ssize_t n = pread(fd, &probe, 1, (off_t)pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ckpt_fail(CKPT_EIO, "%s: %s", path, strerror(errno));
		*out = n > 0;
		return 0;
	}
}

int ckpt_read_range(uint64_t *out_got, int fd, uint64_t offset, uint64_t len, bool to_end,
		    const char *path, const ckpt_block_sink *sink)
{
	range_read r = {fd, path, sink, offset, offset + len, false};
	int rc = 0;
	bool maps = !sink->buffered && ckpt_read_maps();
	while (!rc && maps && r.pos < r.end) {
		uint64_t n = r.end - r.pos < WINDOW_BYTES ? r.end - r.pos : WINDOW_BYTES;
		rc = read_window_mapped(&r, n);
		if (rc == 1) {
			maps = false;
			rc = 0;
		}
		if (r.shrank)
			break;
	}
	if (!rc && !r.shrank && r.pos < r.end)
		rc = read_buffered(&r, false);
	bool more = false;
	if (!rc && !r.shrank && to_end && (rc = more_past(&more, fd, r.pos, path)) == 0 && more)
		rc = read_buffered(&r, true);
	*out_got = r.pos - offset;
	return rc;
}
