/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * G.711 mu-law and A-law (rtp_int.h has the quantisation), and conversion between the laws,
 * with the change of the ones' complement sum, through the tables gen_tables.c writes at build
 * time (rtp_tables.c), prepared there for the vector way too (struct rtp_g711_xlat).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_config.h>

#include "rtp.h"
#include "rtp_int.h"

uint8_t
rtp_g711_ulaw_encode(int16_t x)
{
	return g711_ulaw_encode(x);
}

int16_t
rtp_g711_ulaw_decode(uint8_t u)
{
	return g711_ulaw_decode(u);
}

uint8_t
rtp_g711_alaw_encode(int16_t x)
{
	return g711_alaw_encode(x);
}

int16_t
rtp_g711_alaw_decode(uint8_t a)
{
	return g711_alaw_decode(a);
}

bool
rtp_g711_xlat_init(struct rtp_g711_xlat *x, const uint8_t table[256])
{
	memset(x, 0, sizeof(*x));
	memcpy(x->table, table, sizeof(x->table));
	x->nexc = (uint8_t)g711_xlat_build(table, x->rows, x->exc_in, x->exc_fix, G711_EXC_MAX);
	return x->nexc <= G711_EXC_MAX;
}

/*
 * Conversion with the checksum's change. A ones' complement sum of 16-bit words read from
 * memory is, on a little-endian CPU, the sum of the even-offset bytes plus 256 times the sum of
 * the odd-offset ones (the other way round on a big-endian one), modulo 0xffff (RFC 1071
 * 2(B)); so the change of the sum is the two byte sums' changes, gathered as the bytes go.
 */
static inline uint32_t
sum_mod(int64_t d)
{
	d %= 0xffff;
	return (uint32_t)(d < 0 ? d + 0xffff : d);
}

uint32_t
rtp_g711_convert_sum_scalar(uint8_t *dst, const uint8_t *src, uint32_t len,
                            const uint8_t table[256])
{
	int64_t acc[2] = {0, 0};

	for (uint32_t i = 0; i < len; i++) {
		uint8_t s = src[i], d = table[s];

		dst[i] = d;
		acc[i & 1] += (int)d - (int)s;
	}
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return sum_mod(acc[0] + 256 * acc[1]);
#else
	return sum_mod(256 * acc[0] + acc[1]);
#endif
}

#if defined(RTE_ARCH_X86)
#include <immintrin.h>

/* The most bytes one call of the vector loop takes: a 32-byte step adds at most 2^17 in
 * magnitude to a 32-bit lane of the change, so 8192 of them stay within 2^30. */
#define G711_VEC_MAX (32u * 8192)

/* AVX2, tuned for a CPU that has it: the build's tuning (-march=corei7) would split each
 * unaligned 256-bit load and store in two. */
#define G711_AVX2 __attribute__((target("avx2,tune=haswell")))

/*
 * 32 characters at a time with AVX2 from the prepared table (struct rtp_g711_xlat, nothing to
 * find per call): a character's low 7 bits look up the table's first half through its eight
 * XOR-chained rows: the index drops by 16 a row (saturating, so it stays negative once it is),
 * PSHUFB gives 0 for a negative one, so the rows up to the character's own are XORed, and they
 * cancel to its entry. Its sign bit is carried over into the result, and the @a nexc characters
 * for which that is wrong are corrected by compare, and, XOR. @a len is a multiple of 32, at
 * most G711_VEC_MAX. Returns the change of the sum of the 16-bit words as they lie in memory
 * (on x86, even byte + 256 * odd byte), not reduced: each word's top bit flipped, so that
 * PMADDWD's signed pairs are the words less 32768 on both sides, the result's less the
 * source's.
 */
G711_AVX2 __attribute__((always_inline)) static inline int64_t
convert_avx2(uint8_t *dst, const uint8_t *src, uint32_t len, const struct rtp_g711_xlat *x,
             const unsigned nexc)
{
	__m256i row[8], exc_in[G711_EXC_MAX], exc_fix[G711_EXC_MAX];
	const __m256i low7 = _mm256_set1_epi8(0x7f), step = _mm256_set1_epi8(16);
	const __m256i top = _mm256_set1_epi16((short)0x8000), ones = _mm256_set1_epi16(1);
	__m256i acc = _mm256_setzero_si256(), w;
	__m128i a;

#pragma GCC unroll 8
	for (unsigned k = 0; k < 8; k++)
		row[k] = _mm256_broadcastsi128_si256(
		    _mm_load_si128((const __m128i *)(const void *)x->rows[k]));
	for (unsigned e = 0; e < nexc; e++) {
		exc_in[e] = _mm256_set1_epi8((char)x->exc_in[e]);
		exc_fix[e] = _mm256_set1_epi8((char)x->exc_fix[e]);
	}
	for (uint32_t i = 0; i < len; i += 32) {
		__m256i s = _mm256_loadu_si256((const __m256i *)(const void *)(src + i));
		__m256i idx = _mm256_and_si256(s, low7);
		__m256i r = _mm256_xor_si256(_mm256_shuffle_epi8(row[0], idx),
		                             _mm256_xor_si256(s, idx)); /* the sign bit */

#pragma GCC unroll 7
		for (unsigned k = 1; k < 8; k++) {
			idx = _mm256_subs_epi8(idx, step);
			r = _mm256_xor_si256(r, _mm256_shuffle_epi8(row[k], idx));
		}
		for (unsigned e = 0; e < nexc; e++)
			r = _mm256_xor_si256(
			    r, _mm256_and_si256(_mm256_cmpeq_epi8(s, exc_in[e]), exc_fix[e]));
		_mm256_storeu_si256((__m256i *)(void *)(dst + i), r);
		acc = _mm256_add_epi32(
		    acc, _mm256_sub_epi32(_mm256_madd_epi16(_mm256_xor_si256(r, top), ones),
		                          _mm256_madd_epi16(_mm256_xor_si256(s, top), ones)));
	}
	w = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(acc)),
	                     _mm256_cvtepi32_epi64(_mm256_extracti128_si256(acc, 1)));
	a = _mm_add_epi64(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
	return _mm_cvtsi128_si64(_mm_add_epi64(a, _mm_unpackhi_epi64(a, a)));
}

/* The vector loop for as many corrections as the table has, unrolled for each. */
G711_AVX2 static int64_t
convert_avx2_0(uint8_t *dst, const uint8_t *src, uint32_t len, const struct rtp_g711_xlat *x)
{
	return convert_avx2(dst, src, len, x, 0);
}

G711_AVX2 static int64_t
convert_avx2_1(uint8_t *dst, const uint8_t *src, uint32_t len, const struct rtp_g711_xlat *x)
{
	return convert_avx2(dst, src, len, x, 1);
}

/* up to G711_EXC_MAX: the corrections past nexc are 0 and change nothing */
G711_AVX2 static int64_t
convert_avx2_max(uint8_t *dst, const uint8_t *src, uint32_t len, const struct rtp_g711_xlat *x)
{
	return convert_avx2(dst, src, len, x, G711_EXC_MAX);
}
#endif

uint32_t
rtp_g711_convert_sum(uint8_t *dst, const uint8_t *src, uint32_t len, const struct rtp_g711_xlat *x)
{
	uint32_t done = 0;
	int64_t words = 0;

#if defined(RTE_ARCH_X86)
	if (len >= 32 && x->nexc <= G711_EXC_MAX && __builtin_cpu_supports("avx2")) {
		int64_t (*vec)(uint8_t *, const uint8_t *, uint32_t, const struct rtp_g711_xlat *) =
		    x->nexc == 0   ? convert_avx2_0
		    : x->nexc == 1 ? convert_avx2_1
		                   : convert_avx2_max;

		while (len - done >= 32) {
			uint32_t n = len - done > G711_VEC_MAX ? G711_VEC_MAX : (len - done) & ~31u;

			words += vec(dst + done, src + done, n, x);
			done += n;
		}
		if (done == len)
			return sum_mod(words);
	}
#endif
	/* the rest byte by byte: done is even, so the offsets keep their parity */
	return sum_mod(words +
	               rtp_g711_convert_sum_scalar(dst + done, src + done, len - done, x->table));
}
