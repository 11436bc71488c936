/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * G.711 mu-law and A-law (rtp_int.h has the quantisation), and conversion between the laws,
 * with the change of the ones' complement sum, through the tables gen_tables.c writes at build
 * time (rtp_tables.c).
 */
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

/*
 * Conversion with the checksum's change. A ones' complement sum of 16-bit words read from
 * memory is, on a little-endian CPU, the sum of the even-offset bytes plus 256 times the sum of
 * the odd-offset ones (the other way round on a big-endian one), modulo 0xffff (RFC 1071
 * 2(B)); so the change of the sum is the two byte sums' changes, gathered as the bytes go.
 */
static inline uint32_t
sum_delta(int64_t even, int64_t odd)
{
	int64_t d;

#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	d = (even + 256 * odd) % 0xffff;
#else
	d = (256 * even + odd) % 0xffff;
#endif
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
	return sum_delta(acc[0], acc[1]);
}

#if defined(RTE_ARCH_X86)
#include <immintrin.h>

/* At most this many characters whose sign half does not mirror the other (mu-law -> A-law
 * has two: 0x7f and 0xff, -0 and +0, both A-law 0xd5); a table with more goes the scalar way. */
#define G711_EXC_MAX 4

/*
 * 32 characters at a time with AVX2: a character's low 7 bits look up one of eight 16-byte rows
 * of the table's first half (PSHUFB), its sign bit is carried over into the result, and the
 * few characters for which that is wrong are replaced by compare and blend. Per 32 bytes: 8
 * shuffles and about 40 other operations, against 64 loads and 32 stores one at a time.
 */
__attribute__((target("avx2"))) static uint32_t
convert_sum_avx2(uint8_t *dst, const uint8_t *src, uint32_t len, const uint8_t table[256])
{
	__m256i row[8], exc_in[G711_EXC_MAX], exc_out[G711_EXC_MAX];
	const __m256i low7 = _mm256_set1_epi8(0x7f), sign = _mm256_set1_epi8((char)0x80);
	const __m256i over = _mm256_set1_epi8(0x70), even = _mm256_set1_epi16(0x00ff);
	const __m256i zero = _mm256_setzero_si256(), ones = _mm256_set1_epi16(1);
	/* the change of the even and the odd bytes, in 16-bit lanes (at most 255 a step, so 128
	 * steps before they are widened), then in 32-bit ones */
	__m256i e16 = zero, o16 = zero, e32 = zero, o32 = zero;
	unsigned nexc = 0, steps = 0;
	uint32_t i = 0;
	int64_t ev, od;

	/* the sign half's characters that do not mirror the other half */
	for (unsigned q = 0; q < 4; q++) {
		__m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)(table + 32 * q));
		__m256i hi =
		    _mm256_loadu_si256((const __m256i *)(const void *)(table + 128 + 32 * q));
		uint32_t bad = ~(uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(_mm256_xor_si256(lo, sign), hi));

		while (bad != 0) {
			unsigned k = 128 + 32 * q + (unsigned)__builtin_ctz(bad);

			if (nexc == G711_EXC_MAX)
				return rtp_g711_convert_sum_scalar(dst, src, len, table);
			exc_in[nexc] = _mm256_set1_epi8((char)k);
			exc_out[nexc++] = _mm256_set1_epi8((char)table[k]);
			bad &= bad - 1;
		}
	}
#pragma GCC unroll 8
	for (unsigned k = 0; k < 8; k++)
		row[k] = _mm256_broadcastsi128_si256(
		    _mm_loadu_si128((const __m128i *)(const void *)(table + 16 * k)));

	for (; i + 32 <= len; i += 32) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(src + i));
		__m256i m = _mm256_and_si256(x, low7), r = zero;

#pragma GCC unroll 8
		for (unsigned k = 0; k < 8; k++) {
			/* lanes of row k (bits 4-6 equal k) keep an index below 0x80 */
			__m256i idx = _mm256_adds_epu8(
			    _mm256_xor_si256(m, _mm256_set1_epi8((char)(k << 4))), over);

			r = _mm256_or_si256(r, _mm256_shuffle_epi8(row[k], idx));
		}
		r = _mm256_xor_si256(r, _mm256_and_si256(x, sign));
		for (unsigned e = 0; e < nexc; e++)
			r = _mm256_blendv_epi8(r, exc_out[e], _mm256_cmpeq_epi8(x, exc_in[e]));
		_mm256_storeu_si256((__m256i *)(void *)(dst + i), r);
		e16 = _mm256_add_epi16(
		    e16, _mm256_sub_epi16(_mm256_and_si256(r, even), _mm256_and_si256(x, even)));
		o16 = _mm256_add_epi16(
		    o16, _mm256_sub_epi16(_mm256_srli_epi16(r, 8), _mm256_srli_epi16(x, 8)));
		if (++steps == 128) {
			e32 = _mm256_add_epi32(e32, _mm256_madd_epi16(e16, ones));
			o32 = _mm256_add_epi32(o32, _mm256_madd_epi16(o16, ones));
			e16 = o16 = zero;
			steps = 0;
		}
	}
	{
		int32_t el[8], ol[8];

		e32 = _mm256_add_epi32(e32, _mm256_madd_epi16(e16, ones));
		o32 = _mm256_add_epi32(o32, _mm256_madd_epi16(o16, ones));
		_mm256_storeu_si256((__m256i *)(void *)el, e32);
		_mm256_storeu_si256((__m256i *)(void *)ol, o32);
		ev = od = 0;
		for (unsigned k = 0; k < 8; k++) {
			ev += el[k];
			od += ol[k];
		}
	}
	/* the tail byte by byte: i is even, so its offsets keep their parity */
	return (sum_delta(ev, od) + rtp_g711_convert_sum_scalar(dst + i, src + i, len - i, table)) %
	       0xffff;
}
#endif

uint32_t
rtp_g711_convert_sum(uint8_t *dst, const uint8_t *src, uint32_t len, const uint8_t table[256])
{
#if defined(RTE_ARCH_X86)
	if (len >= 32 && __builtin_cpu_supports("avx2"))
		return convert_sum_avx2(dst, src, len, table);
#endif
	return rtp_g711_convert_sum_scalar(dst, src, len, table);
}
