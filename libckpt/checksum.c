/* checksum.c: model checksums in the stored forms of SPEC §4: the original's
 * decimal zlib CRC-32 and our "sha256:<hex>". Models are many GiB, so files
 * are read without a copy (mapread.c) with progress and cancellation, whole
 * on the calling thread or, for verify's threads, in parts. */
#include "internal.h"

#include "checksum-private.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECKSUM_REPORT_BYTES (64ull << 20)
#define SHA256_PREFIX "sha256:"
#define SHA256_HEX_LEN 64

typedef struct digest {
	ckpt_checksum_algorithm algorithm;
	uint32_t crc;
	EVP_MD_CTX *md;
	bool failed; /* OpenSSL refused an update */
} digest;

static int digest_init(digest *d, ckpt_checksum_algorithm algorithm, const char *path)
{
	memset(d, 0, sizeof *d);
	d->algorithm = algorithm;
	d->crc = 0;
	if (algorithm == CKPT_CHECKSUM_CRC32)
		return 0;
	if (algorithm != CKPT_CHECKSUM_SHA256)
		return ckpt_fail(CKPT_EINVAL, "%s: unknown checksum algorithm %d", path,
				 (int)algorithm);
	d->md = EVP_MD_CTX_new();
	if (!d->md)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	if (EVP_DigestInit_ex(d->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(d->md);
		d->md = NULL;
		return ckpt_fail(CKPT_EIO, "%s: cannot start SHA-256 (OpenSSL)", path);
	}
	return 0;
}

/* A sink's consume(): computes only (the bytes may be a mapping). */
static void digest_consume(const unsigned char *data, size_t len, void *payload)
{
	digest *d = payload;
	if (!d->md)
		d->crc = ckpt_crc32_update(d->crc, data, len);
	else if (EVP_DigestUpdate(d->md, data, len) != 1)
		d->failed = true;
}

void ckpt_checksum_crc32_text(char out[CKPT_CHECKSUM_TEXT_MAX], uint32_t crc)
{
	snprintf(out, CKPT_CHECKSUM_TEXT_MAX, "%lu", (unsigned long)crc);
}

/* The stored text form into out[80]. */
static int digest_final(digest *d, char out[80], const char *path)
{
	if (!d->md) {
		ckpt_checksum_crc32_text(out, d->crc);
		return 0;
	}
	unsigned char hash[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (d->failed || EVP_DigestFinal_ex(d->md, hash, &n) != 1 || n * 2 != SHA256_HEX_LEN)
		return ckpt_fail(CKPT_EIO, "%s: SHA-256 failed (OpenSSL)", path);
	strcpy(out, SHA256_PREFIX);
	char *hex = out + strlen(SHA256_PREFIX);
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", hash[i]);
	return 0;
}

static void digest_free(digest *d)
{
	EVP_MD_CTX_free(d->md);
	d->md = NULL;
}

/* O_NONBLOCK so that a FIFO in the model's place cannot hang the open; only
 * regular files are read. */
int ckpt_checksum_open(int *out_fd, uint64_t *out_size, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;
		return ckpt_fail(ckpt_code_from_errno(err), "%s: %s", path, strerror(err));
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int err = errno;
		close(fd);
		return ckpt_fail(CKPT_EIO, "%s: %s", path, strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ckpt_fail(CKPT_EIO, "%s: not a regular file", path);
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	*out_fd = fd;
	*out_size = (uint64_t)st.st_size;
	return 0;
}

static int shrank(const char *path)
{
	return ckpt_fail(CKPT_EIO, "%s: the file shrank while it was read", path);
}

/* ---- one file on the calling thread, with progress ----------------------- */

typedef struct file_sum {
	digest *d;
	ckpt_meter meter;
	uint64_t next_report;
} file_sum;

static void file_consume(const unsigned char *data, size_t len, void *payload)
{
	digest_consume(data, len, ((file_sum *)payload)->d);
}

static bool file_advance(size_t len, void *payload)
{
	file_sum *f = payload;
	f->meter.event.done += len;
	if (ckpt_meter_stopped(&f->meter))
		return false;
	if (f->meter.event.done >= f->next_report) {
		f->next_report = f->meter.event.done + CHECKSUM_REPORT_BYTES;
		return ckpt_meter_send(&f->meter);
	}
	return true;
}

static int digest_fd(digest *d, int fd, uint64_t total, const char *path,
		     const ckpt_progress *progress)
{
	file_sum f = {.d = d, .next_report = CHECKSUM_REPORT_BYTES};
	ckpt_meter_init(&f.meter, progress, CKPT_STAGE_CHECKSUM, NULL);
	f.meter.event.total = total;
	if (!ckpt_meter_send(&f.meter))
		return ckpt_fail(CKPT_ECANCELLED, "%s: checksum cancelled", path);
	ckpt_block_sink sink = {file_consume, file_advance, &f, d->md != NULL};
	uint64_t got = 0;
	int rc = ckpt_read_range(&got, fd, 0, total, true, path, &sink);
	if (rc == CKPT_ECANCELLED)
		return ckpt_fail(CKPT_ECANCELLED, "%s: checksum cancelled", path);
	if (!rc && got < total)
		rc = shrank(path);
	if (!rc) {
		if (f.meter.event.total < f.meter.event.done)
			f.meter.event.total = f.meter.event.done;
		ckpt_meter_send(&f.meter);
	}
	return rc;
}

/* The checksum of path, and (sig may be NULL) the identity of the file
 * that was read, taken before reading it. */
static int checksum_file_sig(char out[CKPT_CHECKSUM_TEXT_MAX], ckpt_file_sig *sig, const char *path,
			     ckpt_checksum_algorithm algorithm, const ckpt_progress *progress)
{
	out[0] = '\0';
	digest d;
	int rc = digest_init(&d, algorithm, path);
	if (rc)
		return rc;
	int fd = -1;
	uint64_t total = 0;
	rc = ckpt_checksum_open(&fd, &total, path);
	if (!rc) {
		if (sig)
			ckpt_file_sig_fd(sig, fd);
		rc = digest_fd(&d, fd, total, path, progress);
		close(fd);
	}
	if (!rc)
		rc = digest_final(&d, out, path);
	digest_free(&d);
	return rc;
}

/* ---- one part of a file, on any thread ----------------------------------- */

typedef struct part_sink {
	digest d;
	const atomic_bool *stop;
	void (*count)(uint64_t bytes, void *payload);
	void *payload;
} part_sink;

static void part_consume(const unsigned char *data, size_t len, void *payload)
{
	digest_consume(data, len, &((part_sink *)payload)->d);
}

static bool part_advance(size_t len, void *payload)
{
	part_sink *p = payload;
	if (p->count)
		p->count(len, p->payload);
	return !(p->stop && atomic_load_explicit(p->stop, memory_order_relaxed));
}

/* The same file through an open file description of its own, or -1: parts
 * read side by side then keep their own readahead (one shared description
 * sees two streams as random reads, and its state bounces between CPUs). */
static int reopen_same(int fd)
{
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	int own = open(self, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat a, b;
	if (own >= 0 && fstat(fd, &a) == 0 && fstat(own, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		posix_fadvise(own, 0, 0, POSIX_FADV_SEQUENTIAL);
		return own;
	}
	if (own >= 0)
		close(own);
	return -1;
}

void ckpt_checksum_part_run(ckpt_checksum_part *part, const char *path, const atomic_bool *stop,
			    void (*count)(uint64_t bytes, void *payload), void *payload)
{
	part->got = 0;
	part->crc = 0;
	part->text[0] = '\0';
	part_sink s = {.stop = stop, .count = count, .payload = payload};
	part->rc = digest_init(&s.d, part->algorithm, path);
	if (part->rc)
		return;
	ckpt_block_sink sink = {part_consume, part_advance, &s, s.d.md != NULL};
	bool whole = part->offset == 0 && part->to_end;
	int own = whole ? -1 : reopen_same(part->fd);
	part->rc = ckpt_read_range(&part->got, own >= 0 ? own : part->fd, part->offset, part->len,
				   part->to_end, path, &sink);
	if (own >= 0)
		close(own);
	if (!part->rc && part->got >= part->len) {
		if (part->algorithm == CKPT_CHECKSUM_CRC32)
			part->crc = s.d.crc;
		else
			part->rc = digest_final(&s.d, part->text, path);
	}
	digest_free(&s.d);
}

int ckpt_checksum_file(char out[CKPT_CHECKSUM_TEXT_MAX], const char *path,
		       ckpt_checksum_algorithm algorithm, const ckpt_progress *progress)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_checksum_file: no place for the checksum");
	if (!path) {
		out[0] = '\0';
		return ckpt_fail(CKPT_EINVAL, "ckpt_checksum_file: no path");
	}
	return checksum_file_sig(out, NULL, path, algorithm, progress);
}

/* The original's form: str(zlib.crc32(...)), a decimal of at most 10 digits. */
/* 1 to 10 decimal digits up to 2^32 - 1: read by hand, once per epoch of
 * every scan. */
static bool stored_is_crc32(const char *stored)
{
	uint64_t value = 0;
	size_t len = 0;
	for (; stored[len] >= '0' && stored[len] <= '9'; len++) {
		if (len == 10)
			return false;
		value = value * 10 + (uint64_t)(stored[len] - '0');
	}
	return len > 0 && stored[len] == '\0' && value <= 0xFFFFFFFFull;
}

static bool stored_is_sha256(const char *stored)
{
	size_t prefix = strlen(SHA256_PREFIX);
	if (strncmp(stored, SHA256_PREFIX, prefix) != 0)
		return false;
	const char *hex = stored + prefix;
	return strlen(hex) == SHA256_HEX_LEN &&
	       strspn(hex, "0123456789abcdefABCDEF") == SHA256_HEX_LEN;
}

ckpt_checksum_kind ckpt_checksum_kind_of(const char *stored)
{
	if (!stored)
		return CKPT_CHECKSUM_KIND_NONE;
	if (strcmp(stored, CKPT_DISABLED_CHECKSUM) == 0)
		return CKPT_CHECKSUM_KIND_DISABLED;
	if (stored_is_crc32(stored))
		return CKPT_CHECKSUM_KIND_CRC32;
	if (stored_is_sha256(stored))
		return CKPT_CHECKSUM_KIND_SHA256;
	return CKPT_CHECKSUM_KIND_UNKNOWN;
}

int ckpt_checksum_matches(bool *out_match, const char *path, const char *stored,
			  const ckpt_progress *progress)
{
	char computed[CKPT_CHECKSUM_TEXT_MAX];
	return ckpt_checksum_check(out_match, computed, NULL, path, stored, progress);
}

int ckpt_checksum_check(bool *out_match, char computed[CKPT_CHECKSUM_TEXT_MAX],
			ckpt_file_sig *out_sig, const char *path, const char *stored,
			const ckpt_progress *progress)
{
	*out_match = false;
	computed[0] = '\0';
	ckpt_checksum_algorithm algorithm;
	switch (ckpt_checksum_kind_of(stored)) {
	case CKPT_CHECKSUM_KIND_CRC32: algorithm = CKPT_CHECKSUM_CRC32; break;
	case CKPT_CHECKSUM_KIND_SHA256: algorithm = CKPT_CHECKSUM_SHA256; break;
	case CKPT_CHECKSUM_KIND_DISABLED:
		return ckpt_fail(CKPT_EINVAL, "%s: checksums were disabled for this model", path);
	default:
		return ckpt_fail(CKPT_EINVAL,
				 "%s: stored checksum '%.80s' is neither a CRC-32 "
				 "nor sha256:<hex>",
				 path, stored ? stored : "(none)");
	}
	int rc = checksum_file_sig(computed, out_sig, path, algorithm, progress);
	if (rc)
		return rc;
	*out_match = ckpt_checksum_equal(stored, computed);
	return 0;
}

bool ckpt_checksum_equal(const char *stored, const char *computed)
{
	if (!stored || !computed || !computed[0])
		return false;
	if (ckpt_checksum_kind_of(stored) == CKPT_CHECKSUM_KIND_CRC32)
		return ckpt_checksum_kind_of(computed) == CKPT_CHECKSUM_KIND_CRC32 &&
		       strtoull(stored, NULL, 10) == strtoull(computed, NULL, 10);
	return strcasecmp(stored, computed) == 0;
}
