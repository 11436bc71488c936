/* SPDX-License-Identifier: BSD-3-Clause */
/* Character classes and scanning helpers shared by parse.c, msg.c and write.c. */
#ifndef DPV_SIP_MSG_INT_H
#define DPV_SIP_MSG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sip.h"

#define SIP_C_TOKEN 0x01 /* RFC 3261 token */
#define SIP_C_WS    0x02 /* SP HT CR LF: inside a value CR LF only come from folding */
#define SIP_C_HOST  0x04 /* hostname / IPv4 characters (and '_' seen in the wild) */
#define SIP_C_WORD  0x08 /* Call-ID word */
#define SIP_C_PVAL  0x10 /* generic-param value: token, host, IPv6 reference */
#define SIP_C_URI   0x20 /* any byte allowed inside a URI view */

extern uint8_t sip_ctype[256]; /* filled by a constructor in parse.c */

static inline bool
sip_is(uint8_t c, uint8_t cls)
{
	return (sip_ctype[c] & cls) != 0;
}

static inline const char *
sip_skip_ws(const char *p, const char *e)
{
	while (p < e && sip_is((uint8_t)*p, SIP_C_WS))
		p++;
	return p;
}

static inline const char *
sip_skip_cls(const char *p, const char *e, uint8_t cls)
{
	while (p < e && sip_is((uint8_t)*p, cls))
		p++;
	return p;
}

static inline struct dpv_str
sip_str(const char *b, const char *e)
{
	return (struct dpv_str){b, (uint32_t)(e - b)};
}

static inline struct dpv_str
sip_trim(struct dpv_str s)
{
	const char *b = s.p, *e = s.p + s.len;

	if (s.len == 0)
		return s;
	b = sip_skip_ws(b, e);
	while (e > b && sip_is((uint8_t)e[-1], SIP_C_WS))
		e--;
	return sip_str(b, e);
}

static inline uint8_t
sip_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

/* Lower-case the ASCII letters of 8 bytes at once, every other byte unchanged (exactly what
 * sip_lower() does per byte: the high bit is kept out of the additions, so none carries). */
static inline uint64_t
sip_lower8(uint64_t x)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, hi = 0x8080808080808080ull;
	uint64_t h = x & lo7;
	uint64_t ge_a = h + 0x3f3f3f3f3f3f3f3full; /* high bit set from 'A' (0x41) up */
	uint64_t gt_z = h + 0x2525252525252525ull; /* high bit set above 'Z' (0x5a) */

	return x | (((ge_a & ~gt_z & ~x & hi)) >> 2);
}

static inline uint64_t
sip_load_n(const char *p, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

/* Case-insensitive equality of @a n bytes, inline and a word at a time (overlapping loads
 * stay inside both strings): the parser's compares are against short literals, where a call
 * to dpv_str_caseeq and a byte loop cost more than the compare. */
static inline bool
sip_caseeq_n(const char *a, const char *b, uint32_t n)
{
	if (n >= 8) {
		for (uint32_t i = 0; i + 8 < n; i += 8)
			if (sip_lower8(sip_load_n(a + i, 8)) != sip_lower8(sip_load_n(b + i, 8)))
				return false;
		return sip_lower8(sip_load_n(a + n - 8, 8)) == sip_lower8(sip_load_n(b + n - 8, 8));
	}
	if (n >= 4)
		return sip_lower8(sip_load_n(a, 4)) == sip_lower8(sip_load_n(b, 4)) &&
		       sip_lower8(sip_load_n(a + n - 4, 4)) == sip_lower8(sip_load_n(b + n - 4, 4));
	if (n >= 2)
		return sip_lower8(sip_load_n(a, 2)) == sip_lower8(sip_load_n(b, 2)) &&
		       sip_lower8(sip_load_n(a + n - 2, 2)) == sip_lower8(sip_load_n(b + n - 2, 2));
	return n == 0 || sip_lower((uint8_t)a[0]) == sip_lower((uint8_t)b[0]);
}

#define SIP_CASEEQ(s, lit)                                                                         \
	((s).len == sizeof(lit) - 1 && sip_caseeq_n((s).p, (lit), sizeof(lit) - 1))

/* A parameter sip_params_scan() picks up while it validates, saving a second scan. */
struct sip_pcap {
	struct dpv_str name;
	struct dpv_str *val;
	bool *has;
};

/* Parse ';'-separated generic params starting at *pp (LWS allowed); stops at the first
 * byte that cannot continue them. Sets *params to the span after the first ';' and fills
 * the @a caps found. -1 on a malformed parameter. */
int sip_params_scan(const char **pp, const char *e, struct dpv_str *params,
                    const struct sip_pcap *caps, unsigned ncaps);

/*
 * sip_msg_check_request(), also parsing the first Contact value into @a contact (when not
 * NULL; *has_contact says whether there is one): what the walk over the Contacts parsed, so
 * that the UA need not parse it again. Both are meaningful only when the result is 0.
 */
uint16_t sip_msg_check_request_contact(const struct sip_msg *m, const struct sip_check_cfg *cfg,
                                       struct sip_check_result *res, struct sip_naddr *contact,
                                       bool *has_contact);

/* The end of the list element starting at @a p inside the header value [b, e) (msg.c): its
 * first comma outside quotes and angle brackets, or e. sip_list_next() uses the vector one
 * (the byte loop without SSE2); both are here so that tests can hold them to each other. */
const char *sip_list_end_scalar(const char *p, const char *e);
const char *sip_list_end_vector(const char *b, const char *p, const char *e);

/* sip_skip_cls(p, e, SIP_C_PVAL) as sip_params_scan() runs it (parse.c: SSE2 when the build
 * has it), for tests to hold to the table. */
const char *sip_skip_pval_vector(const char *p, const char *e);

/*
 * Structural scan (scan.c): bit i of lf/colon is set when byte i of the block is '\n' / ':'.
 * A block is min(64, n) bytes; bits at n and above are 0. sip_scan_block is the variant chosen
 * at load time; the others stay reachable so tests can check every one against the rest.
 */
struct sip_scan_masks {
	uint64_t lf;
	uint64_t colon;
};
/* Returned by value: two words come back in registers, with no store and reload. */
typedef struct sip_scan_masks (*sip_scan_fn)(const char *p, uint32_t n);

enum sip_scan_variant {
	SIP_SCAN_SWAR = 0, /* 8 bytes per step in a general register: any CPU */
	SIP_SCAN_SSE2,
	SIP_SCAN_AVX2,
	SIP_SCAN_N
};

extern sip_scan_fn sip_scan_block;
/* Whether this build and this CPU can run @a v. */
bool sip_scan_available(enum sip_scan_variant v);
/* "swar", "sse2", "avx2"; NULL for a variant this build lacks. */
const char *sip_scan_name(enum sip_scan_variant v);
/* The function of @a v, NULL when not available. */
sip_scan_fn sip_scan_get(enum sip_scan_variant v);
/* Make @a v the one the parser uses (tests, benchmarks). 0, or -1 when not available. */
int sip_scan_select(enum sip_scan_variant v);
/* The fastest variant available, the one chosen at load time. */
enum sip_scan_variant sip_scan_best(void);

/*
 * Framing (the h-split work: parse.c's header split and start line, scan.c's selection).
 * sip_parse() frames the message with one of two loops: the general one, which calls the
 * selected scan variant through sip_scan_block, and one compiled for AVX2/BMI with the scan
 * inlined and a straight path for the common header line. sip_frame_avx2 says which runs: set
 * when AVX2 is the selected variant, the CPU has BMI1/BMI2 and sip_parse_split_general() has
 * not asked for the general loop. Both give the same result; tests hold them to each other.
 */
extern bool sip_frame_avx2;
/* Force the general framing (true) or allow the AVX2 one again (false); the previous value. */
int sip_parse_split_general(bool on);

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
/* The LF and colon masks of the 64 readable bytes at @a p. (lddqu: GCC splits an unaligned
 * 32-byte load in two when tuning for older CPUs, as DPDK's -march=corei7 does.) */
__attribute__((target("avx2"))) static inline struct sip_scan_masks
sip_scan64_avx2(const char *p)
{
	const __m256i nl = _mm256_set1_epi8('\n'), co = _mm256_set1_epi8(':');
	__m256i v0 = _mm256_lddqu_si256((const __m256i *)(const void *)p);
	__m256i v1 = _mm256_lddqu_si256((const __m256i *)(const void *)(p + 32));
	struct sip_scan_masks out;

	out.lf = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, nl)) |
	         (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, nl)) << 32;
	out.colon = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, co)) |
	            (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, co)) << 32;
	return out;
}

/* The LF mask alone of the 64 readable bytes at @a p. */
__attribute__((target("avx2"))) static inline uint64_t
sip_lf64_avx2(const char *p)
{
	const __m256i nl = _mm256_set1_epi8('\n');
	__m256i v0 = _mm256_lddqu_si256((const __m256i *)(const void *)p);
	__m256i v1 = _mm256_lddqu_si256((const __m256i *)(const void *)(p + 32));

	return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, nl)) |
	       (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, nl)) << 32;
}
#endif

/* sip_method_from_str(), inline: the length, then one compare of a constant size per
 * candidate (GCC and clang make it a load or two and a compare, no call). */
static inline enum sip_method
sip_method_of(struct dpv_str s)
{
#define SIP_METHOD_IS(lit, id)                                                                     \
	if (memcmp(s.p, lit, sizeof(lit) - 1) == 0)                                                \
		return id;
	switch (s.len) {
	case 3:
		SIP_METHOD_IS("ACK", SIP_METHOD_ACK);
		SIP_METHOD_IS("BYE", SIP_METHOD_BYE);
		break;
	case 4:
		SIP_METHOD_IS("INFO", SIP_METHOD_INFO);
		break;
	case 5:
		SIP_METHOD_IS("PRACK", SIP_METHOD_PRACK);
		SIP_METHOD_IS("REFER", SIP_METHOD_REFER);
		break;
	case 6:
		SIP_METHOD_IS("INVITE", SIP_METHOD_INVITE);
		SIP_METHOD_IS("CANCEL", SIP_METHOD_CANCEL);
		SIP_METHOD_IS("UPDATE", SIP_METHOD_UPDATE);
		SIP_METHOD_IS("NOTIFY", SIP_METHOD_NOTIFY);
		break;
	case 7:
		SIP_METHOD_IS("OPTIONS", SIP_METHOD_OPTIONS);
		SIP_METHOD_IS("MESSAGE", SIP_METHOD_MESSAGE);
		break;
	case 8:
		SIP_METHOD_IS("REGISTER", SIP_METHOD_REGISTER);
		break;
	case 9:
		SIP_METHOD_IS("SUBSCRIBE", SIP_METHOD_SUBSCRIBE);
		break;
	}
#undef SIP_METHOD_IS
	return SIP_METHOD_UNKNOWN;
}

/*
 * The eager fields' fast paths (h-eager, parse.c). sip_uri_parse, sip_naddr_parse and
 * sip_via_parse take the common shapes on a fast path and the rest on these general parsers,
 * which give the same results on every input (test_fastpath holds them to each other).
 * The _in variants are the fast-then-general ones, reading up to @a lim (at or after the end
 * of @a s, inside the same buffer) as the parser does inside a message.
 */
int sip_uri_parse_general(struct dpv_str s, struct sip_uri *u);
int sip_naddr_parse_general(struct dpv_str s, struct sip_naddr *na);
int sip_via_parse_general(struct dpv_str s, struct sip_via *v);
int sip_naddr_parse_in(struct dpv_str s, const char *lim, struct sip_naddr *na);
int sip_via_parse_in(struct dpv_str s, const char *lim, struct sip_via *v);

#endif /* DPV_SIP_MSG_INT_H */
