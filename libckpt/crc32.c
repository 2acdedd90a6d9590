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
#elif defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CRC32_HAVE_CLMUL 1
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

CRC32_LINKAGE uint32_t CRC32_UPDATE(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *buf = data;
#ifdef CKPT_HAVE_ISAL
	/* ISA-L picks its SSE, AVX2 or AVX-512 code at run time; its reflected
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

CRC32_LINKAGE uint32_t CRC32_COMBINE(uint32_t first, uint32_t second, uint64_t second_len)
{
	/* zlib's own combination (ISA-L 2.30 has none): exact by construction.
	 * Lengths past 2^63 cannot occur for a file. */
	return (uint32_t)crc32_combine64(first, second, (z_off64_t)second_len);
}

CRC32_LINKAGE const char *CRC32_IMPL(void)
{
#ifdef CKPT_HAVE_ISAL
	return "isa-l";
#elif defined(CRC32_HAVE_CLMUL)
	return crc32_clmul_usable() ? "pclmul" : "zlib";
#else
	return "zlib";
#endif
}
