/* crc32.c: zlib's CRC-32 (the original's checksum, SPEC §4) at memory speed:
 * Intel ISA-L's crc32_gzip_refl when built with it (-Disal), else carry-less
 * multiply folding, else zlib itself; all give zlib.crc32's values, chained
 * alike. zlib's crc32_combine joins the CRCs of parts summed apart.
 *
 * tests/test-crc.c includes this file a second time with CRC32_VARIANT
 * defined and the three names below renamed: the fallback's functions,
 * static, so that one test run checks both variants against zlib. */
#ifndef CRC32_VARIANT
#include "internal.h"

#include "checksum-private.h"
#define CRC32_UPDATE ckpt_crc32_update
#define CRC32_COMBINE ckpt_crc32_combine
#define CRC32_IMPL ckpt_crc32_impl
#define CRC32_LINKAGE
#else
#undef CKPT_HAVE_ISAL
#define CRC32_LINKAGE static
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#ifdef CKPT_HAVE_ISAL
#include <isa-l/crc.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include <pthread.h>
#define CRC32_HAVE_WIDE 1
#ifndef CKPT_HAVE_ISAL
#define CRC32_HAVE_CLMUL 1
#endif
#endif

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

/* The CRC of len bytes by the narrow kernels: ISA-L, else 128-bit folding
 * and zlib for the last bytes. */
static uint32_t narrow_update(uint32_t crc, const unsigned char *buf, size_t len)
{
#ifdef CKPT_HAVE_ISAL
	/* ISA-L picks its SSE, AVX or AVX-512 code at run time; its reflected
	 * gzip CRC inverts before and after, as zlib does. */
	return len ? crc32_gzip_refl(crc, buf, (uint64_t)len) : crc;
#else
#ifdef CRC32_HAVE_CLMUL
	if (len >= 64 && crc32_clmul_usable()) {
		size_t chunk = len & ~(size_t)15;
		crc = ~crc32_clmul(~crc, buf, chunk);
		buf += chunk;
		len -= chunk;
	}
#endif
	return (uint32_t)crc32_z(crc, buf, len);
#endif
}

#ifdef CRC32_HAVE_WIDE
/* ---- 256-bit folding ------------------------------------------------------
 *
 * ISA-L 2.30 folds 128 bits at a time except on AVX-512 machines, and zlib
 * and the code above do too: about 12 GB/s on a 3 GHz core, below what one
 * core reads from memory. CPUs with VPCLMULQDQ and AVX2 but no AVX-512 (AMD Zen 3,
 * Intel's client cores) multiply two lanes per instruction: eight lanes of
 * 128 bits here, 128 bytes folded at a time.
 *
 * In the reflected CRC the first bit of the data is the highest power of x:
 * bit k of a 16-byte lane stands for x^(127-k) times the lane's place, and
 * a carry-less product of two such 64-bit halves comes out one power of x
 * too high. A lane X = XL x^64 + XH moved D bits ahead is XL x^(64+D) +
 * XH x^D mod P: clmul(XL, x^(63+D) mod P) ^ clmul(XH, x^(D-1) mod P), each
 * constant written with x^d at bit 63-d. The eight lanes folded into one,
 * R, say what the data says mod P; the CRC of R's 16 bytes from zero, by
 * the narrow kernel, is then the CRC of all of it. */

#define WIDE_BLOCK 128
#define WIDE_MIN 512 /* below it the narrow kernels' set-up costs as much */

/* x^n mod P (P = 0x104C11DB7, x^d at bit d), written with x^d at bit 63-d. */
static uint64_t power_mod(unsigned n)
{
	uint64_t r = 1;
	for (unsigned i = 0; i < n; i++) {
		r <<= 1;
		if (r & (1ULL << 32))
			r ^= 0x104C11DB7ULL;
	}
	uint64_t out = 0;
	for (int d = 0; d < 32; d++)
		if (r >> d & 1)
			out |= 1ULL << (63 - d);
	return out;
}

/* {x^(63+D), x^(D-1)} for D = 128 * (i + 1) bits: i = 7 moves each lane
 * past the block, i < 7 brings the lanes of the last block together. */
static uint64_t fold_by[8][2];
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static void compute_folds(void)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned bits = 128 * (i + 1);
		fold_by[i][0] = power_mod(63 + bits);
		fold_by[i][1] = power_mod(bits - 1);
	}
}

#define WIDE_TARGET __attribute__((target("avx2,pclmul,vpclmulqdq")))

WIDE_TARGET static inline __m256i fold_ahead(__m256i x, __m256i k, __m256i next)
{
	__m256i low = _mm256_clmulepi64_epi128(x, k, 0x00);
	__m256i high = _mm256_clmulepi64_epi128(x, k, 0x11);
	return _mm256_xor_si256(_mm256_xor_si256(low, high), next);
}

WIDE_TARGET static inline __m128i fold_lane(__m128i x, unsigned by_index)
{
	__m128i k = _mm_set_epi64x((long long)fold_by[by_index][1],
				   (long long)fold_by[by_index][0]);
	return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

/* zlib's crc of len bytes, len >= WIDE_BLOCK and a multiple of it. */
WIDE_TARGET static uint32_t crc32_wide(uint32_t crc, const unsigned char *buf, size_t len)
{
	const __m256i *at = (const __m256i *)(const void *)buf;
	__m256i x0 = _mm256_loadu_si256(at), x1 = _mm256_loadu_si256(at + 1),
		x2 = _mm256_loadu_si256(at + 2), x3 = _mm256_loadu_si256(at + 3);
	/* The running CRC, inverted, enters as the first 32 bits of the data. */
	x0 = _mm256_xor_si256(x0, _mm256_zextsi128_si256(_mm_cvtsi32_si128((int)~crc)));
	const __m256i k = _mm256_set_epi64x((long long)fold_by[7][1], (long long)fold_by[7][0],
					    (long long)fold_by[7][1], (long long)fold_by[7][0]);
	for (size_t done = WIDE_BLOCK; done < len; done += WIDE_BLOCK) {
		at += 4;
		x0 = fold_ahead(x0, k, _mm256_loadu_si256(at));
		x1 = fold_ahead(x1, k, _mm256_loadu_si256(at + 1));
		x2 = fold_ahead(x2, k, _mm256_loadu_si256(at + 2));
		x3 = fold_ahead(x3, k, _mm256_loadu_si256(at + 3));
	}
	/* Lane i of the last block lies 7 - i lanes before the end. */
	__m128i lanes[8] = {
	    _mm256_castsi256_si128(x0), _mm256_extracti128_si256(x0, 1),
	    _mm256_castsi256_si128(x1), _mm256_extracti128_si256(x1, 1),
	    _mm256_castsi256_si128(x2), _mm256_extracti128_si256(x2, 1),
	    _mm256_castsi256_si128(x3), _mm256_extracti128_si256(x3, 1),
	};
	__m128i r = lanes[7];
	for (unsigned i = 0; i < 7; i++)
		r = _mm_xor_si128(r, fold_lane(lanes[i], 6 - i));
	unsigned char bytes[16];
	_mm_storeu_si128((__m128i *)(void *)bytes, r);
	return narrow_update(0xFFFFFFFFu, bytes, sizeof bytes);
}

/* The CPU multiplies 256 bits at a time and ISA-L, if built in, would not
 * (its wide code needs AVX-512). */
static bool crc32_wide_usable(void)
{
	static int usable = -1;
	int known = __atomic_load_n(&usable, __ATOMIC_RELAXED);
	if (known < 0) {
		__builtin_cpu_init();
		known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul") &&
			__builtin_cpu_supports("vpclmulqdq");
#ifdef CKPT_HAVE_ISAL
		known = known && !__builtin_cpu_supports("avx512f");
#endif
		if (known)
			pthread_once(&fold_once, compute_folds);
		__atomic_store_n(&usable, known, __ATOMIC_RELAXED);
	}
	return known;
}
#endif

CRC32_LINKAGE uint32_t CRC32_UPDATE(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *buf = data;
#ifdef CRC32_HAVE_WIDE
	if (len >= WIDE_MIN && crc32_wide_usable()) {
		size_t bulk = len & ~(size_t)(WIDE_BLOCK - 1);
		crc = crc32_wide(crc, buf, bulk);
		buf += bulk;
		len -= bulk;
	}
#endif
	return narrow_update(crc, buf, len);
}

CRC32_LINKAGE uint32_t CRC32_COMBINE(uint32_t first, uint32_t second, uint64_t second_len)
{
	/* zlib's own combination (ISA-L 2.30 has none): exact by construction.
	 * Lengths past 2^63 cannot occur for a file. */
	return (uint32_t)crc32_combine64(first, second, (z_off64_t)second_len);
}

CRC32_LINKAGE const char *CRC32_IMPL(void)
{
#ifdef CRC32_HAVE_WIDE
	bool wide = crc32_wide_usable();
#else
	bool wide = false;
#endif
#ifdef CKPT_HAVE_ISAL
	return wide ? "vpclmulqdq, isa-l" : "isa-l";
#elif defined(CRC32_HAVE_CLMUL)
	return wide ? "vpclmulqdq, pclmul" : crc32_clmul_usable() ? "pclmul" : "zlib";
#else
	return "zlib";
#endif
}
