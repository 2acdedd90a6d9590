/* checksum.c: model checksums in the stored forms of SPEC §4: the original's
 * decimal zlib CRC-32 and our "sha256:<hex>". Models are many GiB, so files
 * are streamed in large reads with progress and cancellation. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CRC32_HAVE_CLMUL 1
#endif

#define CHECKSUM_BUFFER_BYTES (4u << 20)
#define CHECKSUM_REPORT_BYTES (64ull << 20)
#define SHA256_PREFIX "sha256:"
#define SHA256_HEX_LEN 64

#ifdef CRC32_HAVE_CLMUL
/* zlib 1.2.13's table CRC runs at about a third of memory bandwidth; this is
 * the carry-less multiply folding of Intel's "Fast CRC Computation for Generic
 * Polynomials Using PCLMULQDQ" (as in Chromium's zlib), for the reflected
 * polynomial 0xEDB88320. Works on pre- and post-inverted crc, len >= 64 and
 * a multiple of 16. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t
crc32_clmul(uint32_t crc, const unsigned char *buf, size_t len)
{
	const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
	const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
	const __m128i k5k0 = _mm_set_epi64x(0, 0x0163cd6124);
	const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
	const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);

	__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x00));
	__m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x10));
	__m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x20));
	__m128i x4 = _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x30));
	x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
	buf += 64;
	len -= 64;

	/* Four lanes of 128 bits folded 512 bits ahead at a time. */
	while (len >= 64) {
		__m128i x5 = _mm_clmulepi64_si128(x1, k1k2, 0x00);
		__m128i x6 = _mm_clmulepi64_si128(x2, k1k2, 0x00);
		__m128i x7 = _mm_clmulepi64_si128(x3, k1k2, 0x00);
		__m128i x8 = _mm_clmulepi64_si128(x4, k1k2, 0x00);
		x1 = _mm_clmulepi64_si128(x1, k1k2, 0x11);
		x2 = _mm_clmulepi64_si128(x2, k1k2, 0x11);
		x3 = _mm_clmulepi64_si128(x3, k1k2, 0x11);
		x4 = _mm_clmulepi64_si128(x4, k1k2, 0x11);
		x1 = _mm_xor_si128(_mm_xor_si128(x1, x5),
				   _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x00)));
		x2 = _mm_xor_si128(_mm_xor_si128(x2, x6),
				   _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x10)));
		x3 = _mm_xor_si128(_mm_xor_si128(x3, x7),
				   _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x20)));
		x4 = _mm_xor_si128(_mm_xor_si128(x4, x8),
				   _mm_loadu_si128((const __m128i *)(const void *)(buf + 0x30)));
		buf += 64;
		len -= 64;
	}

	/* Fold the four lanes into one, then the remaining 16-byte blocks. */
	__m128i lanes[3] = {x2, x3, x4};
	for (int i = 0; i < 3; i++) {
		__m128i x5 = _mm_clmulepi64_si128(x1, k3k4, 0x00);
		x1 = _mm_clmulepi64_si128(x1, k3k4, 0x11);
		x1 = _mm_xor_si128(_mm_xor_si128(x1, lanes[i]), x5);
	}
	while (len >= 16) {
		__m128i x5 = _mm_clmulepi64_si128(x1, k3k4, 0x00);
		x1 = _mm_clmulepi64_si128(x1, k3k4, 0x11);
		__m128i next = _mm_loadu_si128((const __m128i *)(const void *)buf);
		x1 = _mm_xor_si128(_mm_xor_si128(x1, next), x5);
		buf += 16;
		len -= 16;
	}

	/* 128 bits to 64, then Barrett reduction to 32. */
	x2 = _mm_clmulepi64_si128(x1, k3k4, 0x10);
	x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
	x2 = _mm_srli_si128(x1, 4);
	x1 = _mm_and_si128(x1, low32);
	x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k5k0, 0x00), x2);
	x2 = _mm_and_si128(x1, low32);
	x2 = _mm_clmulepi64_si128(x2, poly, 0x10);
	x2 = _mm_and_si128(x2, low32);
	x2 = _mm_clmulepi64_si128(x2, poly, 0x00);
	x1 = _mm_xor_si128(x1, x2);
	return (uint32_t)_mm_extract_epi32(x1, 1);
}

static bool crc32_clmul_usable(void)
{
	static int usable = -1;
	int known = __atomic_load_n(&usable, __ATOMIC_RELAXED);
	if (known < 0) {
		__builtin_cpu_init();
		known = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
		__atomic_store_n(&usable, known, __ATOMIC_RELAXED);
	}
	return known;
}
#endif

uint32_t ckpt_crc32_update(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *buf = data;
#ifdef CRC32_HAVE_CLMUL
	if (len >= 64 && crc32_clmul_usable()) {
		size_t chunk = len & ~(size_t)15;
		crc = ~crc32_clmul(~crc, buf, chunk);
		buf += chunk;
		len -= chunk;
	}
#endif
	return (uint32_t)crc32_z(crc, buf, len);
}

typedef struct digest {
	ckpt_checksum_algorithm algorithm;
	uint32_t crc;
	EVP_MD_CTX *md;
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

static int digest_update(digest *d, const unsigned char *data, size_t len, const char *path)
{
	if (!d->md) {
		d->crc = ckpt_crc32_update(d->crc, data, len);
		return 0;
	}
	if (EVP_DigestUpdate(d->md, data, len) != 1)
		return ckpt_fail(CKPT_EIO, "%s: SHA-256 failed (OpenSSL)", path);
	return 0;
}

/* The stored text form into out[80]. */
static int digest_final(digest *d, char out[80], const char *path)
{
	if (!d->md) {
		snprintf(out, 80, "%lu", (unsigned long)d->crc);
		return 0;
	}
	unsigned char hash[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_DigestFinal_ex(d->md, hash, &n) != 1 || n * 2 != SHA256_HEX_LEN)
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
static int open_regular(int *out_fd, uint64_t *out_size, const char *path)
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

static int digest_fd(digest *d, int fd, uint64_t total, const char *path,
		     const ckpt_progress *progress)
{
	/* Small models (most test and demo runs) need no 4 MiB buffer; one page
	 * more than the size lets the final read() see the end of the file. */
	size_t size = total < CHECKSUM_BUFFER_BYTES ? (size_t)total + 4096 : CHECKSUM_BUFFER_BYTES;
	unsigned char *buffer = malloc(size);
	if (!buffer)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	ckpt_meter meter;
	ckpt_meter_init(&meter, progress, CKPT_STAGE_CHECKSUM, NULL);
	meter.event.total = total;
	uint64_t next_report = CHECKSUM_REPORT_BYTES;
	int rc = 0;
	bool going = ckpt_meter_send(&meter);
	for (;;) {
		if (!going) {
			rc = ckpt_fail(CKPT_ECANCELLED, "%s: checksum cancelled", path);
			break;
		}
		ssize_t n = read(fd, buffer, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ckpt_fail(CKPT_EIO, "%s: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if ((rc = digest_update(d, buffer, (size_t)n, path)) != 0)
			break;
		meter.event.done += (uint64_t)n;
		going = !ckpt_meter_stopped(&meter);
		if (going && meter.event.done >= next_report) {
			going = ckpt_meter_send(&meter);
			next_report = meter.event.done + CHECKSUM_REPORT_BYTES;
		}
	}
	if (!rc) {
		if (meter.event.total < meter.event.done)
			meter.event.total = meter.event.done;
		ckpt_meter_send(&meter);
	}
	free(buffer);
	return rc;
}

/* The checksum of path, and (sig may be NULL) the identity of the file
 * that was read, taken before reading it. */
static int checksum_file_sig(char out[CKPT_CHECKSUM_TEXT_MAX], ckpt_file_sig *sig,
			     const char *path, ckpt_checksum_algorithm algorithm,
			     const ckpt_progress *progress)
{
	out[0] = '\0';
	digest d;
	int rc = digest_init(&d, algorithm, path);
	if (rc)
		return rc;
	int fd = -1;
	uint64_t total = 0;
	rc = open_regular(&fd, &total, path);
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
static bool stored_is_crc32(const char *stored)
{
	size_t len = strlen(stored);
	if (len == 0 || len > 10 || strspn(stored, "0123456789") != len)
		return false;
	return strtoull(stored, NULL, 10) <= 0xFFFFFFFFull;
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
	if (algorithm == CKPT_CHECKSUM_CRC32)
		*out_match = strtoull(stored, NULL, 10) == strtoull(computed, NULL, 10);
	else
		*out_match = strcasecmp(stored, computed) == 0;
	return 0;
}
