/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Structural scan of a SIP header section: for a block of up to 64 bytes, one bit per byte
 * that is a LF and one per byte that is a colon. The parser walks lines and finds header
 * colons from these masks instead of calling memchr per line and testing byte by byte.
 * Variants: SWAR (8 bytes per step, any CPU), SSE2, AVX2; the best the CPU has is chosen once
 * at load time, and tests can force any of them to check they agree.
 */
#include <stdlib.h>
#include <string.h>

#include "sip_msg_int.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SCAN_X86 1
#endif

/*
 * A short or final block is copied into a zeroed 64-byte buffer so that every variant reads
 * whole words or vectors without touching bytes past the message (the sanitizers and
 * valgrind see every load); NUL is neither LF nor ':', so the padding sets no bit.
 */
static inline const char *
pad_block(const char *p, uint32_t n, char tmp[64])
{
	if (n >= 64)
		return p;
	memset(tmp, 0, 64);
	memcpy(tmp, p, n);
	return tmp;
}

/* 0x80 in each byte of @a x that equals the byte broadcast in @a c, 0 elsewhere: exact
 * (no borrow crosses bytes because the high bit is kept out of the addition). */
static inline uint64_t
swar_eq(uint64_t x, uint64_t c)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full;
	uint64_t y = x ^ c;

	return ~(((y & lo7) + lo7) | y | lo7);
}

/* The high bit of each byte gathered into 8 bits, byte 0 to bit 0 (SSE2 movemask). */
static inline uint64_t
swar_movemask(uint64_t t)
{
	return (((t >> 7) & 0x0101010101010101ull) * 0x0102040810204080ull) >> 56;
}

static struct sip_scan_masks
scan_swar(const char *p, uint32_t n)
{
	char tmp[64];
	const char *b = pad_block(p, n, tmp);
	uint64_t lf = 0, colon = 0;

	for (unsigned i = 0; i < 8; i++) {
		uint64_t w;

		memcpy(&w, b + 8 * i, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w); /* byte 0 of the block must land in bit 0 */
#endif
		lf |= swar_movemask(swar_eq(w, 0x0a0a0a0a0a0a0a0aull)) << (8 * i);
		colon |= swar_movemask(swar_eq(w, 0x3a3a3a3a3a3a3a3aull)) << (8 * i);
	}
	return (struct sip_scan_masks){lf, colon};
}

#ifdef SCAN_X86
__attribute__((target("sse2"))) static struct sip_scan_masks
scan_sse2(const char *p, uint32_t n)
{
	char tmp[64];
	const char *b = pad_block(p, n, tmp);
	const __m128i nl = _mm_set1_epi8('\n'), co = _mm_set1_epi8(':');
	uint64_t lf = 0, colon = 0;

	for (unsigned i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * i));

		lf |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) << (16 * i);
		colon |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, co)) << (16 * i);
	}
	return (struct sip_scan_masks){lf, colon};
}

__attribute__((target("avx2"))) static struct sip_scan_masks
scan_avx2(const char *p, uint32_t n)
{
	char tmp[64];
	const char *b = pad_block(p, n, tmp);
	const __m256i nl = _mm256_set1_epi8('\n'), co = _mm256_set1_epi8(':');
	__m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)b);
	__m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(b + 32));

	struct sip_scan_masks out;

	out.lf = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, nl)) |
	         (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, nl)) << 32;
	out.colon = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, co)) |
	            (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, co)) << 32;
	return out;
}
#endif

static const struct {
	const char *name;
	sip_scan_fn fn;
} variants[SIP_SCAN_N] = {
    [SIP_SCAN_SWAR] = {"swar", scan_swar},
#ifdef SCAN_X86
    [SIP_SCAN_SSE2] = {"sse2", scan_sse2},
    [SIP_SCAN_AVX2] = {"avx2", scan_avx2},
#endif
};

sip_scan_fn sip_scan_block = scan_swar;

/*
 * The framing sip_parse() runs (parse.c): its own loop with the AVX2 scan inlined when AVX2 is
 * the selected variant and the CPU has BMI1/BMI2 too, unless a test asked for the general one.
 */
bool sip_frame_avx2;
static bool frame_general;
static enum sip_scan_variant cur_variant = SIP_SCAN_SWAR;

static void
frame_update(void)
{
	bool bmi = false;

#ifdef SCAN_X86
	__builtin_cpu_init();
	bmi = __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
#endif
	sip_frame_avx2 = cur_variant == SIP_SCAN_AVX2 && bmi && !frame_general;
}

int
sip_parse_split_general(bool on)
{
	int was = frame_general;

	frame_general = on;
	frame_update();
	return was;
}

bool
sip_scan_available(enum sip_scan_variant v)
{
	if ((unsigned)v >= SIP_SCAN_N || variants[v].fn == NULL)
		return false;
#ifdef SCAN_X86
	__builtin_cpu_init(); /* constructors may run before libgcc's own */
	if (v == SIP_SCAN_SSE2)
		return __builtin_cpu_supports("sse2");
	if (v == SIP_SCAN_AVX2)
		return __builtin_cpu_supports("avx2");
#endif
	return true;
}

const char *
sip_scan_name(enum sip_scan_variant v)
{
	return (unsigned)v < SIP_SCAN_N && variants[v].fn ? variants[v].name : NULL;
}

sip_scan_fn
sip_scan_get(enum sip_scan_variant v)
{
	return sip_scan_available(v) ? variants[v].fn : NULL;
}

int
sip_scan_select(enum sip_scan_variant v)
{
	if (!sip_scan_available(v))
		return -1;
	sip_scan_block = variants[v].fn;
	cur_variant = v;
	frame_update();
	return 0;
}

enum sip_scan_variant
sip_scan_best(void)
{
	for (int v = SIP_SCAN_N - 1; v > SIP_SCAN_SWAR; v--)
		if (sip_scan_available((enum sip_scan_variant)v))
			return (enum sip_scan_variant)v;
	return SIP_SCAN_SWAR;
}

/*
 * Chosen once, before main: the parse path then pays one indirect call per block.
 * DPV_SIP_SCAN=swar|sse2|avx2 forces a variant (to compare them in bench_parse); a name this
 * CPU cannot run leaves the best one.
 */
__attribute__((constructor)) static void
sip_scan_init(void)
{
	const char *force = getenv("DPV_SIP_SCAN");

	if (force)
		for (int v = 0; v < SIP_SCAN_N; v++)
			if (variants[v].fn && strcmp(force, variants[v].name) == 0 &&
			    sip_scan_select((enum sip_scan_variant)v) == 0)
				return;
	(void)sip_scan_select(sip_scan_best());
}
