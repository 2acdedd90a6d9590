/* checksum-private.h: what checksum.c, crc32.c, mapread.c, verify-pool.c and
 * verify.c share to sum models at memory speed: the CRC-32 kernels, a
 * SIGBUS-safe reader of file ranges, one part of a checksum computed on any
 * thread, and the small pool of threads that verify runs them on. */
#ifndef CKPT_CHECKSUM_PRIVATE_H
#define CKPT_CHECKSUM_PRIVATE_H

#include "internal.h"

#include <stdatomic.h>

/* ---- crc32.c ------------------------------------------------------------ */

/* (ckpt_crc32_update is in internal.h.) The CRC of A followed by B, from
 * crc(A), crc(B) and B's length: zlib's crc32_combine64, exact. */
CKPT_INTERNAL uint32_t ckpt_crc32_combine(uint32_t first, uint32_t second, uint64_t second_len);
/* Which code ckpt_crc32_update runs ("vpclmulqdq, isa-l", "isa-l", "pclmul",
 * "zlib"...; ckpt_crc32_implementation). Static. */
CKPT_INTERNAL const char *ckpt_crc32_impl(void);

/* ---- mapread.c: reading a range of an open file ------------------------- */

/* Where the bytes go. consume() runs while the bytes may be a mapping of the
 * file: if the file is truncated under it, the read ends there (SIGBUS is
 * caught), so it must do nothing but compute on data (no locks, no
 * allocation, nothing that cannot be abandoned halfway). advance() runs
 * after each block, outside any mapping: accounting, cancellation; false
 * stops the read. buffered: read into a buffer that stays in the L2 cache,
 * never mapped (for sums slower than memory, such as SHA-256: they lose
 * more to a mapping's cache misses at each page than to one copy). */
typedef struct ckpt_block_sink {
	void (*consume)(const unsigned char *data, size_t len, void *payload);
	bool (*advance)(size_t len, void *payload);
	void *payload;
	bool buffered;
} ckpt_block_sink;

/* Hands sink every byte of fd in [offset, offset + len) in order, in blocks
 * of at most 4 MiB; with to_end, also whatever lies past that (a file that
 * grew). Read through a read-only mapping with MADV_SEQUENTIAL, in windows of
 * 64 MiB, when the SIGBUS guard can be used (and the sink is not buffered),
 * else with pread.
 * *out_got: the bytes consumed; fewer than len when the file ended early (it
 * shrank since it was measured: the block being consumed when a truncation
 * was caught is not counted, and the sink's state is then torn).
 * 0; CKPT_ECANCELLED when advance() stopped it; CKPT_EIO naming path;
 * CKPT_ENOMEM. */
CKPT_INTERNAL int ckpt_read_range(uint64_t *out_got, int fd, uint64_t offset, uint64_t len,
				  bool to_end, const char *path, const ckpt_block_sink *sink);
/* Whether ckpt_read_range maps files on this thread: the SIGBUS guard is
 * installed and still this library's, this thread does not block SIGBUS,
 * and CKPT_READ_MMAP is not "0". Installs the guard on first use. */
CKPT_INTERNAL bool ckpt_read_maps(void);
/* The share (0-1) of the file's pages in the page cache, from a sample of
 * them (mincore: no I/O); -1 when unknown. mincore tells only the files
 * this process owns or could write; others read as not cached. */
CKPT_INTERNAL double ckpt_read_cached_share(int fd, uint64_t size);
/* How many truncations the guard has caught in this process (tests). */
CKPT_INTERNAL unsigned long ckpt_read_faults_caught(void);

/* ---- checksum.c: one part of a model's checksum ------------------------- */

/* A regular file opened for checksumming (O_NONBLOCK: a FIFO cannot hang
 * the open; anything but a regular file is CKPT_EIO). *out_size: its size. */
CKPT_INTERNAL int ckpt_checksum_open(int *out_fd, uint64_t *out_size, const char *path);

typedef struct ckpt_checksum_part {
	/* in */
	int fd;
	uint64_t offset, len;
	bool to_end; /* the last part: reads on to the end of the file */
	ckpt_checksum_algorithm algorithm;
	/* out */
	int rc;                            /* 0, CKPT_EIO, CKPT_ENOMEM, CKPT_ECANCELLED */
	uint64_t got;                      /* bytes summed: < len when the file shrank meanwhile */
	uint32_t crc;                      /* crc32: of the bytes summed */
	char text[CKPT_CHECKSUM_TEXT_MAX]; /* sha256 (one part only): the stored form */
} ckpt_checksum_part;

/* Sums one part, on any thread: stops (CKPT_ECANCELLED) when *stop is set,
 * and adds each block's length through count (may be NULL). sha256 cannot be
 * split: its part must be the whole file. */
CKPT_INTERNAL void ckpt_checksum_part_run(ckpt_checksum_part *part, const char *path,
					  const atomic_bool *stop,
					  void (*count)(uint64_t bytes, void *payload),
					  void *payload);
/* The stored form of a crc32: decimal, as str(zlib.crc32(...)). */
CKPT_INTERNAL void ckpt_checksum_crc32_text(char out[CKPT_CHECKSUM_TEXT_MAX], uint32_t crc);
/* Whether computed (in the stored form's algorithm) is what stored says. */
CKPT_INTERNAL bool ckpt_checksum_equal(const char *stored, const char *computed);

/* ---- verify.c, verify-pool.c: the threads verify sums on ---------------- */

/* The size of the parts a crc32 model is split into (64 MiB); tests make
 * it small to get many parts out of small files. */
CKPT_INTERNAL extern uint64_t ckpt_verify_part_bytes;

typedef struct ckpt_pool ckpt_pool;
typedef struct ckpt_pool_job ckpt_pool_job;
struct ckpt_pool_job {
	void (*run)(ckpt_pool_job *job, ckpt_pool *pool); /* on a worker thread */
	/* The pool's: */
	ckpt_pool_job *next;
	bool done; /* read it with ckpt_pool_job_done */
};

/* How many threads verify uses: CKPT_VERIFY_THREADS when set (0: none, the
 * calling thread hashes), else the CPUs this thread may run on, at most 4. */
CKPT_INTERNAL unsigned ckpt_pool_default_threads(void);
/* A pool of `threads` workers (fewer when the system refuses more; 0: jobs
 * run inside ckpt_pool_wait on the calling thread). cancel (may be NULL) is
 * the caller's flag: only the creating thread reads it. */
CKPT_INTERNAL int ckpt_pool_new(ckpt_pool **out, unsigned threads, const volatile int *cancel);
/* Stops and joins the workers; every job pushed is done or dropped. */
CKPT_INTERNAL void ckpt_pool_free(ckpt_pool *pool);
CKPT_INTERNAL unsigned ckpt_pool_threads(const ckpt_pool *pool);
/* Queues job (run in the order pushed); from any thread, a job's run()
 * too. A job not yet pushed must have done false (zeroed). */
CKPT_INTERNAL void ckpt_pool_push(ckpt_pool *pool, ckpt_pool_job *job);
CKPT_INTERNAL bool ckpt_pool_job_done(ckpt_pool *pool, const ckpt_pool_job *job);
/* Returns when a job has finished or the bytes counted passed another
 * 64 MiB since the last wait, or after timeout_ms (the creator polls its
 * cancel flag that often). Without workers, runs the next queued job. */
CKPT_INTERNAL void ckpt_pool_wait(ckpt_pool *pool, unsigned timeout_ms);
/* From the creating thread: running jobs see ckpt_pool_stopping() and end
 * early; queued ones are dropped (done without running). */
CKPT_INTERNAL void ckpt_pool_stop(ckpt_pool *pool);
/* Waits until every job pushed is done (after ckpt_pool_stop: promptly). */
CKPT_INTERNAL void ckpt_pool_drain(ckpt_pool *pool);
/* The stop flag jobs watch (set by ckpt_pool_stop; without workers also
 * when the creator's cancel flag is raised). */
CKPT_INTERNAL const atomic_bool *ckpt_pool_stop_flag(ckpt_pool *pool);
/* Progress: bytes hashed by all jobs so far (any thread). */
CKPT_INTERNAL void ckpt_pool_count(uint64_t bytes, void *pool);
CKPT_INTERNAL uint64_t ckpt_pool_counted(const ckpt_pool *pool);

#endif
