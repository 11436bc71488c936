/* SPDX-License-Identifier: BSD-3-Clause */
/* SIP message parser: framing, start line, header table, eager fields (RFC 3261 7, 18.3, 25). */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "sip_msg_int.h"

#ifdef __SSE2__
#include <emmintrin.h> /* part of the x86-64 baseline: no dispatch needed */
#endif
#ifdef __SSSE3__
#include <tmmintrin.h> /* pshufb: in the build's -march (corei7), not in the baseline */
#endif

uint8_t sip_ctype[256];

/*
 * Header names: full and compact forms, lower case, zero-padded so that a lookup compares
 * whole words at fixed offsets. Indexed at load time by length and first letter (at most two
 * names share a slot), so a lookup is one index and one or two word compares, not a hash over
 * every byte and a string compare.
 */
#define HNAME_MAX 24 /* longest name + padding; sizes the word loads below */
static const struct {
	char name[HNAME_MAX];
	uint8_t type;
} hdr_names[] = {
    {"via", SIP_HDR_VIA},
    {"v", SIP_HDR_VIA},
    {"from", SIP_HDR_FROM},
    {"f", SIP_HDR_FROM},
    {"to", SIP_HDR_TO},
    {"t", SIP_HDR_TO},
    {"call-id", SIP_HDR_CALL_ID},
    {"i", SIP_HDR_CALL_ID},
    {"cseq", SIP_HDR_CSEQ},
    {"max-forwards", SIP_HDR_MAX_FORWARDS},
    {"content-length", SIP_HDR_CONTENT_LENGTH},
    {"l", SIP_HDR_CONTENT_LENGTH},
    {"content-type", SIP_HDR_CONTENT_TYPE},
    {"c", SIP_HDR_CONTENT_TYPE},
    {"content-encoding", SIP_HDR_CONTENT_ENCODING},
    {"e", SIP_HDR_CONTENT_ENCODING},
    {"contact", SIP_HDR_CONTACT},
    {"m", SIP_HDR_CONTACT},
    {"route", SIP_HDR_ROUTE},
    {"record-route", SIP_HDR_RECORD_ROUTE},
    {"require", SIP_HDR_REQUIRE},
    {"proxy-require", SIP_HDR_PROXY_REQUIRE},
    {"supported", SIP_HDR_SUPPORTED},
    {"k", SIP_HDR_SUPPORTED},
    {"unsupported", SIP_HDR_UNSUPPORTED},
    {"allow", SIP_HDR_ALLOW},
    {"accept", SIP_HDR_ACCEPT},
    {"expires", SIP_HDR_EXPIRES},
    {"subject", SIP_HDR_SUBJECT},
    {"s", SIP_HDR_SUBJECT},
    {"event", SIP_HDR_EVENT},
    {"o", SIP_HDR_EVENT},
    {"allow-events", SIP_HDR_ALLOW_EVENTS},
    {"u", SIP_HDR_ALLOW_EVENTS},
    {"refer-to", SIP_HDR_REFER_TO},
    {"r", SIP_HDR_REFER_TO},
    {"referred-by", SIP_HDR_REFERRED_BY},
    {"b", SIP_HDR_REFERRED_BY},
    {"session-expires", SIP_HDR_SESSION_EXPIRES},
    {"x", SIP_HDR_SESSION_EXPIRES},
    {"identity", SIP_HDR_IDENTITY},
    {"y", SIP_HDR_IDENTITY},
    {"authorization", SIP_HDR_AUTHORIZATION},
    {"proxy-authorization", SIP_HDR_PROXY_AUTHORIZATION},
    {"www-authenticate", SIP_HDR_WWW_AUTHENTICATE},
    {"proxy-authenticate", SIP_HDR_PROXY_AUTHENTICATE},
    {"rseq", SIP_HDR_RSEQ},
    {"rack", SIP_HDR_RACK},
    {"timestamp", SIP_HDR_TIMESTAMP},
    {"user-agent", SIP_HDR_USER_AGENT},
    {"server", SIP_HDR_SERVER},
    {"warning", SIP_HDR_WARNING},
    {"reason", SIP_HDR_REASON},
    {"date", SIP_HDR_DATE},
};

#define HNAME_LONGEST 19 /* "proxy-authorization" */
#define HSLOT_WAYS    2  /* names sharing a length and first letter: rseq/rack, call-id/contact */
static uint8_t hslot[HNAME_LONGEST + 1][26][HSLOT_WAYS]; /* hdr_names index + 1; 0 = none */

/* @a p[0..n) equals the lower-case @a lit (n <= HNAME_LONGEST, lit zero-padded) ignoring
 * case. Overlapping loads cover any length with 8-, 4-, 2- or 1-byte words inside [0, n). */
static inline bool
hname_eq(const char *p, uint32_t n, const char *lit)
{
	if (n >= 8) {
		for (uint32_t i = 0; i + 8 < n; i += 8)
			if (sip_lower8(sip_load_n(p + i, 8)) != sip_load_n(lit + i, 8))
				return false;
		return sip_lower8(sip_load_n(p + n - 8, 8)) == sip_load_n(lit + n - 8, 8);
	}
	if (n >= 4)
		return sip_lower8(sip_load_n(p, 4)) == sip_load_n(lit, 4) &&
		       sip_lower8(sip_load_n(p + n - 4, 4)) == sip_load_n(lit + n - 4, 4);
	if (n >= 2)
		return sip_lower8(sip_load_n(p, 2)) == sip_load_n(lit, 2) &&
		       sip_lower8(sip_load_n(p + n - 2, 2)) == sip_load_n(lit + n - 2, 2);
	return sip_lower((uint8_t)p[0]) == (uint8_t)lit[0];
}

static void
ctype_set(const char *chars, uint8_t cls)
{
	for (; *chars; chars++)
		sip_ctype[(uint8_t)*chars] |= cls;
}

static void hword_init(void);

__attribute__((constructor)) static void
sip_parse_tables_init(void)
{
	for (int c = 0; c < 256; c++) {
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (alnum)
			sip_ctype[c] |= SIP_C_TOKEN | SIP_C_HOST | SIP_C_WORD | SIP_C_PVAL;
		if (c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != '"')
			sip_ctype[c] |= SIP_C_URI;
	}
	ctype_set("-.!%*_+`'~", SIP_C_TOKEN | SIP_C_WORD | SIP_C_PVAL);
	ctype_set("-._", SIP_C_HOST);
	ctype_set(" \t\r\n", SIP_C_WS);
	ctype_set("()<>:\\\"/[]?{}", SIP_C_WORD);
	ctype_set("[]:", SIP_C_PVAL);

	for (uint32_t i = 0; i < sizeof(hdr_names) / sizeof(hdr_names[0]); i++) {
		uint32_t n = (uint32_t)strlen(hdr_names[i].name);
		uint8_t *slot = hslot[n][hdr_names[i].name[0] - 'a'];
		unsigned k = 0;

		while (k < HSLOT_WAYS && slot[k] != 0)
			k++;
		if (k < HSLOT_WAYS) /* sized for the table; test_scan finds a name left out */
			slot[k] = (uint8_t)(i + 1);
	}
	hword_init();
}

enum sip_hdr_type
sip_hdr_lookup(struct dpv_str name)
{
	uint8_t c;

	if (name.len == 0 || name.len > HNAME_LONGEST)
		return SIP_HDR_OTHER;
	c = (uint8_t)(sip_lower((uint8_t)name.p[0]) - 'a');
	if (c >= 26) /* every known name starts with a letter */
		return SIP_HDR_OTHER;
	for (unsigned k = 0; k < HSLOT_WAYS && hslot[name.len][c][k] != 0; k++) {
		unsigned i = hslot[name.len][c][k] - 1u;

		if (hname_eq(name.p, name.len, hdr_names[i].name))
			return (enum sip_hdr_type)hdr_names[i].type;
	}
	return SIP_HDR_OTHER;
}

/*
 * sip_hdr_lookup for a name inside a message with 16 readable bytes from @a p. The name's two
 * words, masked to its length, compare against each candidate with the candidate's case bits
 * OR-ed in: 0x20 where the name has a letter (so either case matches it and nothing else
 * does), nothing where it has '-' (which must then match exactly), so no byte is lower-cased.
 */
static struct {
	uint64_t w[2], fold[2];
} hword[sizeof(hdr_names) / sizeof(hdr_names[0])];
static uint64_t hmask[17][2]; /* the bytes of a name of each length, in its two words */

/*
 * The AVX2 framing's probe: one cache line per (length, first letter) holding what the
 * compare needs, so the lookup is the slot's address from two values the line already has,
 * then one 16-byte compare against the line's first 16 bytes (the vector the colon was found
 * in) per way, no load waiting on another. A name of up to 15 bytes matches a way when
 * (bytes | f) == w in bytes 0..14: f has 0x20 at the name's letters (either case matches,
 * nothing else does) and 0xff past its end (those bytes are whatever follows), w the
 * lower-case name and 0xff past its end; w[15] holds the type (byte 15 is always past the
 * name, so it is not compared). Two ways: names sharing a length and first letter (rseq/rack,
 * call-id/contact). An empty way (all 0) matches nothing, since the name's first byte is a
 * letter. A name the probe misses takes the general line walk, which finds it: only the
 * probe's matches need be right.
 */
static struct hprobe {
	uint8_t f[2][16], w[2][16];
} __attribute__((aligned(64))) hprobe[16][26];

static void
hprobe_init(void)
{
	for (uint32_t i = 0; i < sizeof(hdr_names) / sizeof(hdr_names[0]); i++) {
		const char *nm = hdr_names[i].name;
		uint32_t n = (uint32_t)strlen(nm);
		struct hprobe *s;
		int k;

		if (n > 15)
			continue;
		s = &hprobe[n][nm[0] - 'a'];
		k = s->w[0][15] == SIP_HDR_OTHER ? 0 : s->w[1][15] == SIP_HDR_OTHER ? 1 : -1;
		if (k < 0) /* a third name: the general walk finds it */
			continue;
		for (uint32_t j = 0; j < 15; j++) {
			s->f[k][j] = j >= n ? 0xff : (nm[j] >= 'a' && nm[j] <= 'z') ? 0x20 : 0;
			s->w[k][j] = j >= n ? 0xff : (uint8_t)nm[j];
		}
		s->f[k][15] = 0;
		s->w[k][15] = hdr_names[i].type;
	}
}

static void
hword_init(void)
{
	hprobe_init();
	for (uint32_t n = 0; n <= 16; n++)
		for (int k = 0; k < 2; k++) {
			uint32_t in = n > 8u * k ? n - 8u * k : 0;
			hmask[n][k] = in >= 8 ? ~0ull : (1ull << (8 * in)) - 1;
		}
	for (uint32_t i = 0; i < sizeof(hdr_names) / sizeof(hdr_names[0]); i++)
		for (int k = 0; k < 2; k++) {
			hword[i].w[k] = sip_load_n(hdr_names[i].name + 8 * k, 8);
			hword[i].fold[k] = 0;
			for (int j = 0; j < 8; j++) {
				char c = hdr_names[i].name[8 * k + j];
				if (c >= 'a' && c <= 'z')
					hword[i].fold[k] |= 0x20ull << (8 * j);
			}
		}
}

static inline enum sip_hdr_type
hdr_lookup_in_msg(const char *p, uint32_t n, const char *e)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n > 16 || e - p < 16)
		return sip_hdr_lookup(sip_str(p, p + n));
	uint8_t c = (uint8_t)(((uint8_t)p[0] | 0x20) - 'a'); /* a letter either case, or >= 26 */
	if (c >= 26)
		return SIP_HDR_OTHER;
	uint64_t a = sip_load_n(p, 8) & hmask[n][0], b = sip_load_n(p + 8, 8) & hmask[n][1];

	for (unsigned k = 0; k < HSLOT_WAYS && hslot[n][c][k] != 0; k++) {
		unsigned i = hslot[n][c][k] - 1u;

		if ((a | hword[i].fold[0]) == hword[i].w[0] &&
		    (b | hword[i].fold[1]) == hword[i].w[1])
			return (enum sip_hdr_type)hdr_names[i].type;
	}
	return SIP_HDR_OTHER;
#else
	(void)e;
	return sip_hdr_lookup(sip_str(p, p + n));
#endif
}

/*
 * memchr for the short spans of the eager fields (URIs, the start line, a Via value): 16
 * bytes per step with the last step overlapping, and a plain loop below 16 bytes, where a
 * call into libc costs more than the search. @a c2 is a second byte to stop at (pass @a c
 * again for one).
 */
static inline const char *
find_byte2(const char *p, const char *e, char c, char c2)
{
#ifdef __SSE2__
	if (e - p >= 16) {
		const __m128i k = _mm_set1_epi8(c), k2 = _mm_set1_epi8(c2);
		unsigned hit;

		for (; e - p >= 16; p += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			hit = (unsigned)_mm_movemask_epi8(
			    _mm_or_si128(_mm_cmpeq_epi8(v, k), _mm_cmpeq_epi8(v, k2)));
			if (hit)
				return p + __builtin_ctz(hit);
		}
		if (p == e)
			return NULL;
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(e - 16));
		hit = (unsigned)_mm_movemask_epi8(
		          _mm_or_si128(_mm_cmpeq_epi8(v, k), _mm_cmpeq_epi8(v, k2))) &
		      (0xffffu << (16 - (e - p)));
		return hit ? e - 16 + __builtin_ctz(hit) : NULL;
	}
#endif
	for (; p < e; p++)
		if (*p == c || *p == c2)
			return p;
	return NULL;
}

static inline const char *
find_byte(const char *p, const char *e, char c)
{
	return find_byte2(p, e, c, c);
}

#ifdef __SSE2__
/* Bytes of @a v in [lo, hi]: unsigned, by the wrap of v - lo. */
static inline __m128i
in_range(__m128i v, char lo, char hi)
{
	__m128i d = _mm_sub_epi8(v, _mm_set1_epi8(lo));

	return _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8((char)(hi - lo))), d);
}

/* A mask of the bytes of p[0..16) that are not SIP_C_HOST (alphanumerics, '-', '.', '_'). */
static inline unsigned
host_bad16(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i ok = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z'); /* bit 5 only */

	ok = _mm_or_si128(ok, in_range(v, '0', '9'));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
	return ~(unsigned)_mm_movemask_epi8(ok) & 0xffffu;
}

/*
 * sip_skip_cls(p, e, cls), 16 bytes per step, @a bad16 giving the mask of the bytes of 16 that
 * are not of the class. The last step overlaps the one before so that no load leaves [p, e);
 * runs shorter than a vector take the table. Inlined with its constant @a bad16.
 */
static inline __attribute__((always_inline)) const char *
skip_cls16(const char *p, const char *e, uint8_t cls, unsigned (*bad16)(const char *))
{
	if (e - p >= 16) {
		unsigned bad;

		for (; e - p >= 16; p += 16)
			if ((bad = bad16(p)) != 0)
				return p + __builtin_ctz(bad);
		if (p == e)
			return e;
		bad = bad16(e - 16) & (0xffffu << (16 - (e - p)));
		return bad ? e - 16 + __builtin_ctz(bad) : e;
	}
	return sip_skip_cls(p, e, cls);
}
#endif

/* sip_skip_cls(p, e, SIP_C_HOST): hosts are the longest runs the eager fields scan (four per
 * INVITE). */
static inline const char *
skip_host_chars(const char *p, const char *e)
{
#ifdef __SSE2__
	return skip_cls16(p, e, SIP_C_HOST, host_bad16);
#else
	return sip_skip_cls(p, e, SIP_C_HOST);
#endif
}

#ifdef __SSE2__
/* A mask of the bytes of p[0..16) that are not SIP_C_WORD: outside '!'..'~', or one of the
 * nine printable bytes RFC 3261's word leaves out. */
static inline unsigned
word_bad16(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i ok = in_range(v, '!', '~'), bad;

	/* '#' '$' and '&' are 0x23, 0x24 and 0x26: one range catches the three with '%' */
	bad = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('%')), in_range(v, '#', '&'));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8(';')));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('=')));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('@')));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('^')));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('|')));
	return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(bad, ok)) ^ 0xffffu;
}
#endif

/* sip_skip_cls(p, e, SIP_C_WORD) (Call-IDs run for 20 to 50 bytes). */
static inline const char *
skip_word_chars(const char *p, const char *e)
{
#ifdef __SSE2__
	return skip_cls16(p, e, SIP_C_WORD, word_bad16);
#else
	return sip_skip_cls(p, e, SIP_C_WORD);
#endif
}

#ifdef __SSE2__
/* The bytes of @a v that are SIP_C_TOKEN (alphanumerics and - . ! % * _ + ` ' ~), as 0xff. */
static inline __m128i
token_ok(__m128i v)
{
	__m128i ok = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z'); /* bit 5 only */

	ok = _mm_or_si128(ok, in_range(v, '0', '9'));
	ok = _mm_or_si128(ok, in_range(v, '*', '+'));
	ok = _mm_or_si128(ok, in_range(v, '-', '.'));
	ok = _mm_or_si128(ok, in_range(v, '_', '`'));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('!')));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('%')));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));
	return _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('~')));
}

/* A mask of the bytes of p[0..16) that are not SIP_C_PVAL: token, '[', ']' and ':'. */
static inline unsigned
pval_bad16(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i ok = _mm_or_si128(token_ok(v), _mm_cmpeq_epi8(v, _mm_set1_epi8('[')));

	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8(']')));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
	return ~(unsigned)_mm_movemask_epi8(ok) & 0xffffu;
}
#endif

/* sip_skip_cls(p, e, SIP_C_PVAL): values (branches, tags) are a parameter list's long runs;
 * names are short and stay on the table, where one step costs less than a vector's test. */
static inline const char *
skip_pval_chars(const char *p, const char *e)
{
#ifdef __SSE2__
	return skip_cls16(p, e, SIP_C_PVAL, pval_bad16);
#else
	return sip_skip_cls(p, e, SIP_C_PVAL);
#endif
}

const char *
sip_skip_pval_vector(const char *p, const char *e)
{
	return skip_pval_chars(p, e);
}

/* host = hostname / IPv4address / IPv6reference. IPv6 contents are checked for their
 * alphabet only: RFC 5118 4.10's extra colon is accepted on purpose (RFC 5954). */
static const char *
scan_host(const char *p, const char *e)
{
	if (p < e && *p == '[') {
		const char *q = p + 1;
		bool colon = false;

		for (; q < e && *q != ']'; q++) {
			uint8_t c = (uint8_t)*q;

			if (c == ':')
				colon = true;
			else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			           (c >= 'A' && c <= 'F') || c == '.'))
				return NULL;
		}
		if (q >= e || !colon)
			return NULL;
		return q + 1;
	}
	const char *q = skip_host_chars(p, e);
	return q == p ? NULL : q;
}

static int
scan_port(const char **pp, const char *e, uint16_t *port)
{
	const char *p = *pp, *q = p;
	uint32_t v = 0;

	/* the value as the digits go by; a sixth digit already fails, so stop there */
	while (q < e && *q >= '0' && *q <= '9' && q - p <= 5)
		v = v * 10 + (uint32_t)(*q++ - '0');
	if (q == p || q - p > 5 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	*pp = q;
	return 0;
}

static const char *
scan_quoted(const char *p, const char *e)
{
	/* p at the opening quote; returns the position after the closing quote or NULL. The
	 * quote or backslash ahead found 16 bytes a step; a backslash takes the byte after it. */
	for (p++;;) {
		const char *q = find_byte2(p, e, '"', '\\');

		if (!q)
			return NULL;
		if (*q == '"')
			return q + 1;
		p = q + 2;
		if (p > e)
			return NULL;
	}
}

int
sip_params_scan(const char **pp, const char *e, struct dpv_str *params, const struct sip_pcap *caps,
                unsigned ncaps)
{
	const char *p = sip_skip_ws(*pp, e);
	const char *start = NULL, *last = NULL;

	while (p < e && *p == ';') {
		p = sip_skip_ws(p + 1, e);
		if (!start)
			start = p;
		const char *n = sip_skip_cls(p, e, SIP_C_TOKEN);
		if (n == p)
			return -1;
		struct dpv_str name = sip_str(p, n), val = {n, 0};
		last = n;
		p = sip_skip_ws(n, e);
		if (p < e && *p == '=') {
			p = sip_skip_ws(p + 1, e);
			const char *v;
			if (p < e && *p == '"')
				v = scan_quoted(p, e);
			else
				v = skip_pval_chars(p, e);
			if (!v || v == p)
				return -1;
			val = sip_str(p, v);
			last = v;
			p = sip_skip_ws(v, e);
		}
		for (unsigned i = 0; i < ncaps; i++) {
			if (!*caps[i].has && name.len == caps[i].name.len &&
			    sip_caseeq_n(name.p, caps[i].name.p, name.len)) {
				*caps[i].has = true;
				*caps[i].val = val;
			}
		}
	}
	*params = start ? sip_str(start, last) : (struct dpv_str){p, 0};
	*pp = p;
	return 0;
}

bool
sip_param_find(struct dpv_str params, const char *name, struct dpv_str *value)
{
	struct dpv_str want = {name, (uint32_t)strlen(name)};

	if (params.len == 0)
		return false;
	const char *p = params.p, *e = params.p + params.len;
	while (p < e) {
		p = sip_skip_ws(p, e);
		while (p < e && (*p == ';' || sip_is((uint8_t)*p, SIP_C_WS)))
			p++;
		const char *n = sip_skip_cls(p, e, SIP_C_TOKEN);
		struct dpv_str nm = sip_str(p, n), val = {n, 0};

		p = sip_skip_ws(n, e);
		if (p < e && *p == '=') {
			p = sip_skip_ws(p + 1, e);
			const char *v = (p < e && *p == '"') ? scan_quoted(p, e) : NULL;
			if (!v)
				v = sip_skip_cls(p, e, SIP_C_PVAL);
			val = sip_str(p, v);
			p = v;
		}
		if (nm.len > 0 && dpv_str_caseeq(nm, want)) {
			if (value)
				*value = val;
			return true;
		}
		/* skip anything unexpected so the scan always advances */
		while (p < e && *p != ';')
			p++;
	}
	return false;
}

static enum sip_scheme
scheme_of(struct dpv_str s)
{
	if (SIP_CASEEQ(s, "sip"))
		return SIP_SCHEME_SIP;
	if (SIP_CASEEQ(s, "sips"))
		return SIP_SCHEME_SIPS;
	if (SIP_CASEEQ(s, "tel"))
		return SIP_SCHEME_TEL;
	return SIP_SCHEME_OTHER;
}

/*
 * Every byte of [p, e) may stand in a URI view (SIP_C_URI: above SP, not DEL, '<', '>' or
 * '"'). Sixteen bytes per step, the last step overlapping the one before so that no load
 * leaves the string; strings shorter than a vector take the table.
 */
static inline bool
uri_chars_ok(const char *p, const char *e)
{
#ifdef __SSE2__
	size_t n = (size_t)(e - p);

	if (n >= 16) {
		const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
		const __m128i lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'),
		              dq = _mm_set1_epi8('"');

		for (size_t i = 0;; i += 16) {
			if (i + 16 > n)
				i = n - 16;
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			__m128i bad = _mm_cmpeq_epi8(_mm_min_epu8(v, sp), v); /* v <= 0x20 */
			bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, del));
			bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, lt));
			bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, gt));
			bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, dq));
			if (_mm_movemask_epi8(bad) != 0)
				return false;
			if (i + 16 >= n)
				return true;
		}
	}
#endif
	for (; p < e; p++)
		if (!sip_is((uint8_t)*p, SIP_C_URI))
			return false;
	return true;
}

/* The general sip_uri_parse into a @a u that is already zero (inside a struct the caller
 * cleared): every shape the grammar allows. uri_parse_zeroed() below takes the common ones
 * first. */
static int
uri_parse_general(struct dpv_str s, struct sip_uri *u)
{
	const char *p = s.p, *e = s.p ? s.p + s.len : s.p, *q;

	u->raw = s;
	if (s.len == 0 || !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return -1;
	if (!uri_chars_ok(p, e))
		return -1;
	for (q = p + 1; q < e && *q != ':'; q++) {
		uint8_t c = (uint8_t)*q;
		if (!(sip_is(c, SIP_C_HOST) || c == '+') || c == '_')
			return -1;
	}
	if (q >= e || q + 1 >= e)
		return -1;
	u->scheme_str = sip_str(p, q);
	u->scheme = scheme_of(u->scheme_str);
	p = q + 1;

	if (u->scheme == SIP_SCHEME_OTHER)
		return 0;
	if (u->scheme == SIP_SCHEME_TEL) {
		q = find_byte(p, e, ';');
		u->user = sip_str(p, q ? q : e);
		if (q)
			u->params = sip_str(q + 1, e);
		return u->user.len > 0 ? 0 : -1;
	}

	/* '@' cannot appear unescaped after the userinfo, so the first one ends it */
	const char *at = find_byte(p, e, '@');
	if (at) {
		const char *colon = find_byte(p, at, ':');
		u->user = sip_str(p, colon ? colon : at);
		if (colon)
			u->password = sip_str(colon + 1, at);
		if (u->user.len == 0)
			return -1;
		p = at + 1;
	}
	q = scan_host(p, e);
	if (!q)
		return -1;
	u->host = sip_str(p, q);
	p = q;
	if (p < e && *p == ':') {
		p++;
		if (scan_port(&p, e, &u->port) != 0)
			return -1;
		u->has_port = true;
	}
	if (p < e && *p == ';') {
		q = find_byte(p, e, '?');
		u->params = sip_str(p + 1, q ? q : e);
		p = q ? q : e;
	}
	if (p < e && *p == '?') {
		u->headers = sip_str(p + 1, e);
		p = e;
	}
	return p == e ? 0 : -1;
}

int
sip_uri_parse_general(struct dpv_str s, struct sip_uri *u)
{
	memset(u, 0, sizeof(*u));
	return uri_parse_general(s, u);
}

int
sip_naddr_parse_general(struct dpv_str s, struct sip_naddr *na)
{
	const char *p = s.p, *e = s.p ? s.p + s.len : s.p, *q;
	struct dpv_str uri;

	memset(na, 0, sizeof(*na));
	na->raw = s;
	p = sip_skip_ws(p, e);
	if (p >= e)
		return -1;
	if (*p == '*') {
		if (sip_skip_ws(p + 1, e) != e)
			return -1;
		na->star = true;
		return 0;
	}
	if (*p == '"') {
		q = scan_quoted(p, e);
		if (!q)
			return -1;
		na->display = sip_str(p + 1, q - 1);
		p = sip_skip_ws(q, e);
		if (p >= e || *p != '<')
			return -1;
	} else {
		q = sip_skip_cls(p, e, SIP_C_TOKEN);
		if (q > p && q < e && *q == ':') {
			/* addr-spec: ';' ',' '?' and LWS end it (RFC 3261 20) */
			for (q = p; q < e && *q != ';' && *q != ',' && *q != '?' &&
			            !sip_is((uint8_t)*q, SIP_C_WS);
			     q++)
				;
			uri = sip_str(p, q);
			p = q;
			goto have_uri;
		}
		q = p;
		while (q < e && (sip_is((uint8_t)*q, SIP_C_TOKEN) || sip_is((uint8_t)*q, SIP_C_WS)))
			q++;
		if (q >= e || *q != '<')
			return -1;
		na->display = sip_trim(sip_str(p, q));
		p = q;
	}
	/* p at '<'; LAQUOT/RAQUOT allow no LWS inside the brackets */
	q = find_byte(p, e, '>');
	if (!q)
		return -1;
	uri = sip_str(p + 1, q);
	p = q + 1;
have_uri:
	if (uri_parse_general(uri, &na->uri) != 0) /* the memset above cleared it */
		return -1;
	const struct sip_pcap cap = {DPV_STR_LIT("tag"), &na->tag, &na->has_tag};
	if (sip_params_scan(&p, e, &na->params, &cap, 1) != 0 || p != e)
		return -1;
	if (na->has_tag && na->tag.len == 0)
		return -1;
	return 0;
}

int
sip_via_parse_general(struct dpv_str s, struct sip_via *v)
{
	const char *p = s.p, *e = s.p ? s.p + s.len : s.p, *q;
	struct dpv_str proto, ver;

	memset(v, 0, sizeof(*v));
	v->raw = s;
	p = sip_skip_ws(p, e);
	q = sip_skip_cls(p, e, SIP_C_TOKEN);
	proto = sip_str(p, q);
	p = sip_skip_ws(q, e);
	if (p >= e || *p != '/')
		return -1;
	p = sip_skip_ws(p + 1, e);
	q = sip_skip_cls(p, e, SIP_C_TOKEN);
	ver = sip_str(p, q);
	p = sip_skip_ws(q, e);
	if (p >= e || *p != '/')
		return -1;
	p = sip_skip_ws(p + 1, e);
	q = sip_skip_cls(p, e, SIP_C_TOKEN);
	v->transport = sip_str(p, q);
	if (!SIP_CASEEQ(proto, "SIP") || ver.len != 3 || memcmp(ver.p, "2.0", 3) != 0 ||
	    v->transport.len == 0)
		return -1;
	p = sip_skip_ws(q, e);
	if (p == q)
		return -1;
	q = scan_host(p, e);
	if (!q)
		return -1;
	v->host = sip_str(p, q);
	p = sip_skip_ws(q, e);
	if (p < e && *p == ':') {
		p = sip_skip_ws(p + 1, e);
		if (scan_port(&p, e, &v->port) != 0)
			return -1;
		v->has_port = true;
	}
	const struct sip_pcap caps[] = {
	    {DPV_STR_LIT("branch"), &v->branch, &v->has_branch},
	    {DPV_STR_LIT("received"), &v->received, &v->has_received},
	    {DPV_STR_LIT("rport"), &v->rport, &v->has_rport},
	};
	if (sip_params_scan(&p, e, &v->params, caps, 3) != 0 || p != e)
		return -1;
	if ((v->has_branch && v->branch.len == 0) || (v->has_received && v->received.len == 0))
		return -1;
	return 0;
}

/*
 * Fast paths for the eager fields. Each takes the common shapes directly and returns false on
 * anything else, whereupon the caller runs the general parser above, which clears the record
 * first: a value is either parsed exactly as the general parser parses it (every field, the
 * same views) or parsed by it. They write into a record that is already zero, and may load
 * 16 bytes at a time up to @a lim, the end of the readable buffer (at or after the value's end).
 */

/* sip_skip_cls(p, e, SIP_C_TOKEN) for the short runs (transports, parameter names): four
 * bytes per step through the table while all four are token bytes. */
static inline const char *
skip_token_run(const char *p, const char *e)
{
	while (e - p >= 4 && (sip_ctype[(uint8_t)p[0]] & sip_ctype[(uint8_t)p[1]] &
	                      sip_ctype[(uint8_t)p[2]] & sip_ctype[(uint8_t)p[3]] & SIP_C_TOKEN))
		p += 4;
	while (p < e && sip_is((uint8_t)*p, SIP_C_TOKEN))
		p++;
	return p;
}

#ifdef __SSE2__
/* skip_cls16 when 16 bytes from @a p may be read (up to @a lim): one load for the runs
 * shorter than a vector, the bytes past @a e ignored. */
static inline __attribute__((always_inline)) const char *
skip_cls_lim(const char *p, const char *e, const char *lim, uint8_t cls,
             unsigned (*bad16)(const char *))
{
	if (lim - p >= 16) {
		unsigned bad = bad16(p);

		if (bad) {
			const char *q = p + __builtin_ctz(bad);
			return q < e ? q : e;
		}
		if (e - p <= 16)
			return e;
		p += 16;
	}
	return skip_cls16(p, e, cls, bad16);
}
#endif

#ifdef __SSSE3__
/*
 * Byte classes from two nibble lookups (pshufb): a byte's bits are LO[low nibble] & HI[high
 * nibble], each bit a set of high nibbles times a set of low ones. Bits 0-4 make SIP_C_HOST
 * (0-9; A-O a-o; P-Z p-z; '-' '.'; '_'), bits 5-7 the bytes SIP_C_URI leaves out but DEL
 * (0x00-0x1f; SP '"'; '<' '>'). Bytes from 0x80 have no bit: pshufb gives 0 for an index
 * with the high bit set, and HI has none above 7.
 */
static const uint8_t uri_lo_tbl[16] = {
    0x65, 0x27, 0x67, 0x27, 0x27, 0x27, 0x27, 0x27, 0x27, 0x27, 0x26, 0x22, 0xa2, 0x2a, 0xaa, 0x32,
};
static const uint8_t uri_hi_tbl[16] = {
    0x20, 0x20, 0x48, 0x81, 0x02, 0x14, 0x02, 0x04, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* The same for SIP_C_TOKEN and SIP_C_PVAL (a byte of the class has some bit): 0-9 (PVAL:
 * and ':'); A-O a-o; P-Z p-z; "!%'*+-."; '_'; '`'; '~'; PVAL also '[' ']'. Derived and checked
 * against the class table for all 256 bytes when written; test_fastpath compares the runs they end
 * with the general parsers' table walks. */
static const uint8_t tok_lo_tbl[16] = {
    0x25, 0x0f, 0x07, 0x07, 0x07, 0x0f, 0x07, 0x0f, 0x07, 0x07, 0x0e, 0x0a, 0x02, 0x0a, 0x4a, 0x12,
};
static const uint8_t tok_hi_tbl[16] = {
    0x00, 0x00, 0x08, 0x01, 0x02, 0x14, 0x22, 0x44, 0, 0, 0, 0, 0, 0, 0, 0,
};
static const uint8_t pval_lo_tbl[16] = {
    0x25, 0x0f, 0x07, 0x07, 0x07, 0x0f, 0x07, 0x0f, 0x07, 0x07, 0x0f, 0x8a, 0x02, 0x8a, 0x4a, 0x12,
};
static const uint8_t pval_hi_tbl[16] = {
    0x00, 0x00, 0x08, 0x01, 0x02, 0x94, 0x22, 0x44, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* The bytes of p[0..16) whose class bits in @a lo_t / @a hi_t have none of @a mask. */
static inline __attribute__((always_inline)) unsigned
nib_bad16(const char *p, const uint8_t *lo_t, const uint8_t *hi_t, uint8_t mask)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i t = _mm_and_si128(
	    _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)lo_t), v),
	    _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)hi_t),
	                     _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0f))));

	if (mask != 0xff)
		t = _mm_and_si128(t, _mm_set1_epi8((char)mask));
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(t, _mm_setzero_si128()));
}

static inline unsigned
token_nbad16(const char *p)
{
	return nib_bad16(p, tok_lo_tbl, tok_hi_tbl, 0xff);
}

static inline unsigned
pval_nbad16(const char *p)
{
	return nib_bad16(p, pval_lo_tbl, pval_hi_tbl, 0xff);
}

static inline unsigned
host_nbad16(const char *p)
{
	return nib_bad16(p, uri_lo_tbl, uri_hi_tbl, 0x1f);
}
#endif

/* sip_skip_cls(p, e, SIP_C_TOKEN) reading up to @a lim. */
static inline __attribute__((always_inline)) const char *
skip_token_lim(const char *p, const char *e, const char *lim)
{
#ifdef __SSSE3__
	if (lim - p >= 16)
		return skip_cls_lim(p, e, lim, SIP_C_TOKEN, token_nbad16);
#endif
	(void)lim;
	return skip_token_run(p, e);
}

/* scan_port() reading up to @a lim: the digits found in one word (false where scan_port
 * fails, and for more than 5 digits, which it fails too). */
static inline __attribute__((always_inline)) bool
port_fast(const char **pp, const char *e, const char *lim, uint16_t *port)
{
	const char *p = *pp;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (lim - p >= 8) {
		const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, hi = 0x8080808080808080ull;
		uint64_t t = sip_load_n(p, 8) ^ 0x3030303030303030ull;        /* digits to 0..9 */
		uint64_t nd = (((t & lo7) + 0x7676767676767676ull) | t) & hi; /* t > 9 */
		uint32_t k = nd ? (uint32_t)__builtin_ctzll(nd) >> 3 : 8, v = 0;

		if (k > (uint32_t)(e - p))
			k = (uint32_t)(e - p);
		if (k == 0 || k > 5)
			return false;
		for (uint32_t i = 0; i < k; i++)
			v = v * 10 + (uint32_t)(p[i] - '0');
		if (v > 65535)
			return false;
		*port = (uint16_t)v;
		*pp = p + k;
		return true;
	}
#endif
	(void)lim;
	return scan_port(pp, e, port) == 0;
}

static inline __attribute__((always_inline)) const char *
skip_pval_lim(const char *p, const char *e, const char *lim)
{
#if defined(__SSSE3__)
	return skip_cls_lim(p, e, lim, SIP_C_PVAL, pval_nbad16);
#elif defined(__SSE2__)
	return skip_cls_lim(p, e, lim, SIP_C_PVAL, pval_bad16);
#else
	(void)lim;
	return sip_skip_cls(p, e, SIP_C_PVAL);
#endif
}

/* scan_host() reading up to @a lim. */
static inline const char *
scan_host_lim(const char *p, const char *e, const char *lim)
{
	if (p < e && *p == '[')
		return scan_host(p, e);
#if defined(__SSSE3__)
	const char *q = skip_cls_lim(p, e, lim, SIP_C_HOST, host_nbad16);
#elif defined(__SSE2__)
	const char *q = skip_cls_lim(p, e, lim, SIP_C_HOST, host_bad16);
#else
	(void)lim;
	const char *q = sip_skip_cls(p, e, SIP_C_HOST);
#endif
	return q == p ? NULL : q;
}

/* The names params_fast() picks up, lower case and zero-padded to a word ("received" fills
 * its 8 bytes: no NUL). */
static const char pcap_names[4][8] = {"branch", "received", "rport", "tag"};

/*
 * A parameter name equals pcap_names[@a k] (@a len bytes) ignoring case: one word compare when
 * 8 bytes may be read from it. The padded word is loaded from the table: a literal of fewer
 * than 8 bytes was copied through the stack, and the reload stalled on the partial stores.
 */
static inline __attribute__((always_inline)) bool
cap_eq(struct dpv_str name, const char *lim, unsigned k, uint32_t len)
{
	if (name.len != len)
		return false;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (lim - name.p >= 8) {
		uint64_t keep = len == 8 ? ~0ull : (1ull << (8 * len)) - 1;

		return (sip_lower8(sip_load_n(name.p, 8)) & keep) == sip_load_n(pcap_names[k], 8);
	}
#endif
	return sip_caseeq_n(name.p, pcap_names[k], len);
}

/* What params_fast() picks up: nothing, a name-addr's tag, a Via's branch, received, rport
 * (the names sip_naddr_parse_general and sip_via_parse_general give sip_params_scan). */
enum pcap_kind { PCAP_NONE, PCAP_NADDR, PCAP_VIA };

/*
 * sip_params_scan() inline, picking up the parameters of @a kind into @a rec: the same walk and
 * results when it returns true; false where that one fails, and (unless @a quotes) on a quoted
 * value.
 */
static inline __attribute__((always_inline)) bool
params_fast(const char **pp, const char *e, const char *lim, struct dpv_str *params,
            enum pcap_kind kind, void *rec, bool quotes)
{
	const char *p = *pp, *start = NULL, *last = NULL;

	/* LWS is rare around ';' and '=': the walk looks for it only where the byte it expects
	 * is not there (no delimiter it tests is LWS, so the results are the same) */
	if (p < e && *p != ';')
		p = sip_skip_ws(p, e);
	while (p < e && *p == ';') {
		p++;
		if (p < e && sip_is((uint8_t)*p, SIP_C_WS))
			p = sip_skip_ws(p, e);
		if (!start)
			start = p;
		const char *n = skip_token_lim(p, e, lim);
		if (n == p)
			return false;
		struct dpv_str name = sip_str(p, n), val = {n, 0};
		last = n;
		p = n;
		if (p < e && *p != '=' && *p != ';')
			p = sip_skip_ws(p, e);
		if (p < e && *p == '=') {
			const char *v;

			p++;
			if (p < e && sip_is((uint8_t)*p, SIP_C_WS))
				p = sip_skip_ws(p, e);
			if (p < e && *p == '"') {
				if (!quotes)
					return false;
				v = scan_quoted(p, e);
			} else {
				v = skip_pval_lim(p, e, lim);
			}
			if (!v || v == p)
				return false;
			val = sip_str(p, v);
			last = v;
			p = v;
			if (p < e && *p != ';')
				p = sip_skip_ws(p, e);
		}
		if (kind == PCAP_VIA) {
			struct sip_via *v = rec;

			if (!v->has_branch && cap_eq(name, lim, 0, 6)) {
				v->has_branch = true;
				v->branch = val;
			} else if (!v->has_received && cap_eq(name, lim, 1, 8)) {
				v->has_received = true;
				v->received = val;
			} else if (!v->has_rport && cap_eq(name, lim, 2, 5)) {
				v->has_rport = true;
				v->rport = val;
			}
		} else if (kind == PCAP_NADDR) {
			struct sip_naddr *na = rec;

			if (!na->has_tag && cap_eq(name, lim, 3, 3)) {
				na->has_tag = true;
				na->tag = val;
			}
		}
	}
	*params = start ? sip_str(start, last) : (struct dpv_str){p, 0};
	*pp = p;
	return true;
}

/*
 * The bytes of a URI that its parse looks at, one bit per byte: '@', and those that are not
 * SIP_C_HOST (every delimiter is one); and whether any is not SIP_C_URI.
 */
struct uri_masks {
	uint64_t at;
	uint64_t nhost;
	bool bad;
};

#ifdef __SSSE3__
static inline __attribute__((always_inline)) void
uri_vec(__m128i v, __m128i *bad, unsigned *at, unsigned *nhost)
{
	const __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)uri_lo_tbl);
	const __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)uri_hi_tbl);
	__m128i t = _mm_and_si128(
	    _mm_shuffle_epi8(lo, v),
	    _mm_shuffle_epi8(hi, _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0f))));

	*bad = _mm_or_si128(*bad, _mm_and_si128(t, _mm_set1_epi8((char)0xe0)));
	*bad = _mm_or_si128(*bad, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
	*nhost = (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(_mm_and_si128(t, _mm_set1_epi8(0x1f)), _mm_setzero_si128()));
	*at = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('@')));
}

/* The masks of p[0..n), 8 <= n <= 64, from loads inside [p, p + n): 16-byte steps with the
 * last one overlapping, or below 16 bytes two 8-byte words that overlap. */
static inline void
uri_masks_of(const char *p, uint32_t n, struct uri_masks *m)
{
	__m128i bad = _mm_setzero_si128();
	unsigned a, h;

	if (n >= 16 && n <= 32) { /* most URIs: two loads, straight */
		unsigned a2, h2;
		uint32_t sh = n - 16;

		uri_vec(_mm_loadu_si128((const __m128i *)(const void *)p), &bad, &a, &h);
		uri_vec(_mm_loadu_si128((const __m128i *)(const void *)(p + sh)), &bad, &a2, &h2);
		m->at = a | (uint64_t)a2 << sh;
		m->nhost = h | (uint64_t)h2 << sh;
	} else if (n >= 16) {
		uint64_t at = 0, nh = 0;

		for (uint32_t off = 0;; off += 16) {
			if (off + 16 > n)
				off = n - 16;
			uri_vec(_mm_loadu_si128((const __m128i *)(const void *)(p + off)), &bad, &a,
			        &h);
			at |= (uint64_t)a << off;
			nh |= (uint64_t)h << off;
			if (off + 16 >= n)
				break;
		}
		m->at = at;
		m->nhost = nh;
	} else {
		uint32_t sh = n - 8;

		uri_vec(
		    _mm_set_epi64x((long long)sip_load_n(p + sh, 8), (long long)sip_load_n(p, 8)),
		    &bad, &a, &h);
		m->at = (a & 0xffu) | (uint64_t)(a >> 8) << sh;
		m->nhost = (h & 0xffu) | (uint64_t)(h >> 8) << sh;
	}
	m->bad = _mm_movemask_epi8(_mm_cmpeq_epi8(bad, _mm_setzero_si128())) != 0xffff;
}

/* The first byte @a c among the set bits of @a bits (delimiters), or 64. */
static inline uint32_t
first_of(const char *p, uint64_t bits, char c)
{
	for (; bits; bits &= bits - 1) {
		uint32_t i = (uint32_t)__builtin_ctzll(bits);

		if (p[i] == c)
			return i;
	}
	return 64;
}
#endif

/*
 * uri_parse_general() for sip: and sips: URIs of 8 to 64 bytes with a hostname or IPv4 host:
 * the boundaries (scheme colon, '@', password colon, host end, '?') come from the masks of
 * the whole string instead of byte loops. @a u is zero.
 */
static bool
uri_fast(const char *p, uint32_t n, struct sip_uri *u)
{
#ifdef __SSSE3__
	struct uri_masks m;
	enum sip_scheme scheme;
	uint32_t c1, h, he, pos;

	if (n < 8 || n > 64)
		return false;
	uint32_t w = (uint32_t)sip_load_n(p, 4);
	/* OR-ing 0x20 into a letter's byte folds exactly its two cases */
	if ((w | 0x00202020u) == 0x3a706973u) { /* "sip:" */
		scheme = SIP_SCHEME_SIP;
		c1 = 3;
	} else if ((w | 0x20202020u) == 0x73706973u && p[4] == ':') { /* "sips:" */
		scheme = SIP_SCHEME_SIPS;
		c1 = 4;
	} else {
		return false;
	}
	uri_masks_of(p, n, &m);
	if (m.bad)
		return false;
	h = c1 + 1;
	uint64_t at = m.at & (~0ull << h);
	if (at) {
		uint32_t a = (uint32_t)__builtin_ctzll(at);
		uint32_t ue = first_of(p, m.nhost & (~0ull << h) & ((1ull << a) - 1), ':');

		if (ue > a)
			ue = a;
		if (ue == h)
			return false;
		u->user = sip_str(p + h, p + ue);
		if (ue < a)
			u->password = sip_str(p + ue + 1, p + a);
		h = a + 1;
	}
	if (h >= n || p[h] == '[')
		return false;
	uint64_t nh = m.nhost & (~0ull << h);
	he = nh ? (uint32_t)__builtin_ctzll(nh) : n;
	if (he == h)
		return false;
	u->host = sip_str(p + h, p + he);
	pos = he;
	if (pos < n && p[pos] == ':') {
		const char *q = p + pos + 1;

		if (!port_fast(&q, p + n, p + n, &u->port))
			return false;
		u->has_port = true;
		pos = (uint32_t)(q - p);
	}
	if (pos < n && p[pos] == ';') {
		uint32_t qe = first_of(p, m.nhost & (~0ull << pos), '?');

		if (qe > n)
			qe = n;
		u->params = sip_str(p + pos + 1, p + qe);
		pos = qe;
	}
	if (pos < n && p[pos] == '?') {
		u->headers = sip_str(p + pos + 1, p + n);
		pos = n;
	}
	if (pos != n)
		return false;
	u->raw = sip_str(p, p + n);
	u->scheme_str = sip_str(p, p + c1);
	u->scheme = scheme;
	return true;
#else
	(void)p;
	(void)n;
	(void)u;
	return false;
#endif
}

/* sip_uri_parse into a @a u that is already zero (inside a struct the caller cleared). */
static int
uri_parse_zeroed(struct dpv_str s, struct sip_uri *u)
{
	if (uri_fast(s.p, s.len, u))
		return 0;
	memset(u, 0, sizeof(*u));
	return uri_parse_general(s, u);
}

int
sip_uri_parse(struct dpv_str s, struct sip_uri *u)
{
	memset(u, 0, sizeof(*u));
	return uri_parse_zeroed(s, u);
}

/* A name-addr without LWS before it whose display name is quoted or absent: '<' URI '>'
 * params. */
static bool
naddr_fast(const char *p, const char *e, const char *lim, struct sip_naddr *na)
{
	const char *s = p, *q;

	if (p >= e)
		return false;
	if (*p == '<') {
		na->display = sip_str(p, p); /* as the general parser's trim of nothing leaves it */
	} else if (*p == '"') {
		q = scan_quoted(p, e);
		if (!q)
			return false;
		na->display = sip_str(p + 1, q - 1);
		p = sip_skip_ws(q, e);
		if (p >= e || *p != '<')
			return false;
	} else {
		return false;
	}
	q = find_byte(p, e, '>');
	if (!q || !uri_fast(p + 1, (uint32_t)(q - p - 1), &na->uri))
		return false;
	p = q + 1;
	if (!params_fast(&p, e, lim, &na->params, PCAP_NADDR, na, true) || p != e)
		return false;
	if (na->has_tag && na->tag.len == 0)
		return false;
	na->raw = sip_str(s, e);
	return true;
}

int
sip_naddr_parse_in(struct dpv_str s, const char *lim, struct sip_naddr *na)
{
	memset(na, 0, sizeof(*na));
	if (s.len > 0 && naddr_fast(s.p, s.p + s.len, lim, na))
		return 0;
	return sip_naddr_parse_general(s, na);
}

int
sip_naddr_parse(struct dpv_str s, struct sip_naddr *na)
{
	return sip_naddr_parse_in(s, s.p ? s.p + s.len : s.p, na);
}

/* A Via value starting "SIP/2.0/" (any case, no LWS inside), a hostname or IPv4 host and no
 * quoted parameter value (so that a value it takes whole has no comma in it). */
static bool
via_fast(const char *p, const char *e, const char *lim, struct sip_via *v)
{
	const char *s = p, *q;

	if (e - p < 9 || sip_lower8(sip_load_n(p, 8)) != sip_load_n("sip/2.0/", 8))
		return false;
	p += 8;
	q = skip_token_lim(p, e, lim);
	if (q == p || q >= e || !sip_is((uint8_t)*q, SIP_C_WS))
		return false;
	v->transport = sip_str(p, q);
	p = sip_skip_ws(q + 1, e); /* q is at LWS */
	q = scan_host_lim(p, e, lim);
	if (!q)
		return false;
	v->host = sip_str(p, q);
	p = q;
	if (p < e && *p != ':' && *p != ';') /* neither is LWS */
		p = sip_skip_ws(p, e);
	if (p < e && *p == ':') {
		p = sip_skip_ws(p + 1, e);
		if (!port_fast(&p, e, lim, &v->port))
			return false;
		v->has_port = true;
	}
	if (!params_fast(&p, e, lim, &v->params, PCAP_VIA, v, false) || p != e)
		return false;
	if ((v->has_branch && v->branch.len == 0) || (v->has_received && v->received.len == 0))
		return false;
	v->raw = sip_str(s, e);
	return true;
}

int
sip_via_parse_in(struct dpv_str s, const char *lim, struct sip_via *v)
{
	memset(v, 0, sizeof(*v));
	if (s.len > 0 && via_fast(s.p, s.p + s.len, lim, v))
		return 0;
	return sip_via_parse_general(s, v);
}

int
sip_via_parse(struct dpv_str s, struct sip_via *v)
{
	return sip_via_parse_in(s, s.p ? s.p + s.len : s.p, v);
}

/* The request line after its two SPs are known to be single and the version to hold none:
 * the version, then the Request-URI. */
static inline int
request_line_tail(struct sip_msg *m, const char *sp1, const char *sp2, const char *e)
{
	struct dpv_str ver = sip_str(sp2 + 1, e);

	if (!SIP_CASEEQ(ver, "SIP/2.0")) {
		if (ver.len > 4 && SIP_CASEEQ(sip_str(ver.p, ver.p + 4), "SIP/"))
			return SIP_PERR_VERSION;
		return SIP_PERR_START_LINE;
	}
	if (uri_parse_zeroed(sip_str(sp1 + 1, sp2), &m->ruri) != 0) /* msg_reset cleared it */
		return SIP_PERR_RURI;
	if (m->ruri.headers.p)
		return SIP_PERR_RURI_HEADERS;
	return 0;
}

/* The method token [p, sp1): a known method is a token by construction, so only the others
 * are walked. -1 when it is not a token (or empty). */
static inline int
request_method(struct sip_msg *m, const char *p, const char *sp1)
{
	enum sip_method meth;

	m->is_request = true;
	m->method_str = sip_str(p, sp1);
	meth = sip_method_of(m->method_str);
	if (meth == SIP_METHOD_UNKNOWN && (sip_skip_cls(p, sp1, SIP_C_TOKEN) != sp1 || sp1 == p))
		return -1;
	m->method = meth;
	return 0;
}

/* Request line: Method SP Request-URI SP SIP-Version, single SPs, nothing after. */
static int
parse_request_line(struct sip_msg *m, const char *p, const char *e)
{
	const char *sp1 = find_byte(p, e, ' '), *sp2;

	if (!sp1)
		return SIP_PERR_START_LINE;
	if (request_method(m, p, sp1) != 0)
		return SIP_PERR_METHOD;
	sp2 = find_byte(sp1 + 1, e, ' ');
	if (!sp2 || sp2 == sp1 + 1)
		return SIP_PERR_START_LINE;
	for (const char *q = sp2 + 1; q < e; q++)
		if (*q == ' ' || *q == '\t')
			return SIP_PERR_START_LINE;
	return request_line_tail(m, sp1, sp2, e);
}

/*
 * parse_request_line() for a line of under 64 bytes whose SPs and HTs are known: bit i of
 * @a sp / @a ht is set when p[i] is SP / HT (none at or past e). The same checks in the same
 * order, as bit tests.
 */
static inline int
parse_request_line_masks(struct sip_msg *m, const char *p, const char *e, uint64_t sp, uint64_t ht)
{
	if (sp == 0)
		return SIP_PERR_START_LINE;
	unsigned i1 = (unsigned)__builtin_ctzll(sp);
	if (request_method(m, p, p + i1) != 0)
		return SIP_PERR_METHOD;
	uint64_t rest = sp & (sp - 1); /* the SPs after the first */
	if (rest == 0)
		return SIP_PERR_START_LINE;
	unsigned i2 = (unsigned)__builtin_ctzll(rest);
	/* an empty Request-URI, or an SP or HT in the version */
	if (i2 == i1 + 1 || (rest & (rest - 1)) != 0 || (ht >> i2) != 0)
		return SIP_PERR_START_LINE;
	return request_line_tail(m, p + i1, p + i2, e);
}

/* Status line from its first SP @a sp (NULL when none). */
static inline int
status_line_at(struct sip_msg *m, const char *p, const char *sp, const char *e)
{
	uint32_t code;

	if (!sp)
		return SIP_PERR_START_LINE;
	if (!SIP_CASEEQ(sip_str(p, sp), "SIP/2.0"))
		return SIP_PERR_VERSION;
	p = sp + 1;
	if (e - p < 3 || (e - p > 3 && p[3] != ' '))
		return SIP_PERR_STATUS;
	/* dpv_str_to_u32(p[0..3), 699) inline: three digits, at most 699 */
	if ((unsigned)(p[0] - '0') > 9 || (unsigned)(p[1] - '0') > 9 || (unsigned)(p[2] - '0') > 9)
		return SIP_PERR_STATUS;
	code = (uint32_t)(p[0] - '0') * 100 + (uint32_t)(p[1] - '0') * 10 + (uint32_t)(p[2] - '0');
	if (code > 699 || code < 100)
		return SIP_PERR_STATUS;
	m->status = (uint16_t)code;
	m->reason = e - p > 3 ? sip_str(p + 4, e) : sip_str(e, e);
	return 0;
}

static int
parse_status_line(struct sip_msg *m, const char *p, const char *e)
{
	return status_line_at(m, p, find_byte(p, e, ' '), e);
}

/*
 * The scan masks of 64 bytes from base: lines and colons are found by bit tests on these
 * instead of memchr per line and byte loops. A window starts where the parser asks for a byte
 * outside the current one (normally a line start), so each byte is scanned about once.
 */
struct scan_win {
	const char *base, *e;
	const char *lo; /* the message's first byte: a window near its end may scan back to it */
	struct sip_scan_masks m;
};

/*
 * The framing is compiled twice (sip_msg_int.h, sip_frame_avx2): FRAME_GENERAL calls the scan
 * variant through sip_scan_block; FRAME_AVX2 is built for AVX2/BMI with the scan inlined and
 * takes the straight path below for the common header line.
 */
enum frame_kind { FRAME_GENERAL, FRAME_AVX2 };

#if (defined(__x86_64__) || defined(__i386__)) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FRAME_X86    1
#define FRAME_TARGET __attribute__((target("avx2,bmi,bmi2")))

/* The masks of [p, min(e, p + 64)): a window that would run past the end scans the last 64
 * bytes of the message instead and shifts the bytes before p out (no copy, no byte outside
 * it read); only a message shorter than 64 bytes takes the padded variant. */
FRAME_TARGET static inline struct sip_scan_masks
win_scan_avx2(const char *lo, const char *p, const char *e)
{
	uint32_t n = (uint32_t)(e - p);
	struct sip_scan_masks m;

	if (n >= 64)
		return sip_scan64_avx2(p);
	if (e - lo < 64)
		return sip_scan_block(p, n);
	m = sip_scan64_avx2(e - 64);
	m.lf >>= 64 - n;
	m.colon >>= 64 - n;
	return m;
}
#endif

static inline __attribute__((always_inline)) void
win_at(struct scan_win *w, const char *p, enum frame_kind k)
{
	uint32_t n = (uint32_t)(w->e - p);

#ifdef FRAME_X86
	if (k == FRAME_AVX2) {
		w->m = win_scan_avx2(w->lo, p, w->e);
		w->base = p;
		return;
	}
#endif
	(void)k;
	w->m = sip_scan_block(p, n < 64 ? n : 64);
	w->base = p;
}

/* First LF in [p, e), or NULL. */
static inline __attribute__((always_inline)) const char *
win_lf(struct scan_win *w, const char *p, enum frame_kind k)
{
	while (p < w->e) {
		if ((size_t)(p - w->base) >= 64) /* also when p is before base */
			win_at(w, p, k);
		uint64_t bits = w->m.lf >> (p - w->base);
		if (bits)
			return p + __builtin_ctzll(bits);
		if (w->e - w->base <= 64)
			break;
		p = w->base + 64;
	}
	return NULL;
}

/*
 * The line at @a ls: its first LF (NULL when none) and, when the window shows one before
 * that LF, its first colon (else NULL: the caller then walks the line as the grammar says).
 * One window test for both, since nearly every line starts and ends inside one window.
 */
static inline __attribute__((always_inline)) const char *
win_line(struct scan_win *w, const char *ls, const char **colon, enum frame_kind k)
{
	if ((size_t)(ls - w->base) >= 64)
		win_at(w, ls, k);
	unsigned off = (unsigned)(ls - w->base);
	uint64_t l = w->m.lf >> off, c = w->m.colon >> off;

	if ((l | c) == 0 && off != 0 && w->e - w->base > 64) {
		/* the line starts near the window's end and its name runs past it: a window
		 * from the line start finds the colon, which the name walk would cost more */
		win_at(w, ls, k);
		off = 0;
		l = w->m.lf;
		c = w->m.colon;
	}
	if (l != 0) {
		c &= (l & -l) - 1; /* the colons before the first LF */
		*colon = c ? ls + __builtin_ctzll(c) : NULL;
		return ls + __builtin_ctzll(l);
	}
	*colon = c ? ls + __builtin_ctzll(c) : NULL;
	return w->e - w->base > 64 ? win_lf(w, w->base + 64, k) : NULL;
}

/*
 * One line of the header section at *pp, as the grammar says: the blank line or the end
 * (1, *body_start set), a header (0: entered in the table, *pp at the next line) or an error
 * (< 0). Both framings run it; the AVX2 one only for the lines its straight path leaves.
 */
static inline __attribute__((always_inline)) int
split_line(struct sip_msg *m, struct scan_win *w, const char **pp, unsigned *np, uint8_t *last,
           const char **body_start, enum frame_kind k)
{
	const char *p = *pp, *e = w->e;
	unsigned n = *np;

	if (p >= e || (*p == '\r' && p + 1 == e)) {
		m->flags |= SIP_MSG_F_NO_BLANK_LINE;
		*body_start = e;
		return 1;
	}
	if (*p == '\n') {
		*body_start = p + 1;
		return 1;
	}
	if (*p == '\r' && p[1] == '\n') {
		*body_start = p + 2;
		return 1;
	}
	/* logical line: up to an LF not followed by SP/HT */
	const char *ls = p, *le, *next, *colon, *lf = win_line(w, ls, &colon, k);
	/* an LF followed by SP/HT folds the line: the logical line goes on */
	while (lf && lf + 1 < e && (lf[1] == ' ' || lf[1] == '\t'))
		lf = win_lf(w, lf + 1, k);
	if (lf) {
		le = lf;
		next = lf + 1;
	} else {
		le = next = e;
	}
	if (le > ls && le[-1] == '\r')
		le--;
	if (le - ls > SIP_MAX_HDR_LINE)
		return SIP_PERR_HDR_TOO_LONG;

	const char *ne, *c;
	uint8_t type;
	/*
	 * A known name right before the colon is a valid token by construction, so the name is
	 * neither walked nor looked up twice. Anything else (unknown names, LWS before the colon,
	 * malformed lines) takes the walk, which sets the error.
	 */
	if (colon && colon > ls &&
	    (type = (uint8_t)hdr_lookup_in_msg(ls, (uint32_t)(colon - ls), e)) != SIP_HDR_OTHER) {
		ne = c = colon;
	} else {
		ne = sip_skip_cls(ls, le, SIP_C_TOKEN);
		c = ne;
		if (ne < le && *ne == '\0')
			return SIP_PERR_HDR_NAME_NUL;
		if (ne == ls)
			return SIP_PERR_HDR_NAME;
		while (c < le && (*c == ' ' || *c == '\t'))
			c++;
		if (c >= le)
			return SIP_PERR_HDR_NO_COLON;
		if (*c != ':')
			return c > ne ? SIP_PERR_HDR_NAME_SPACE : SIP_PERR_HDR_NAME;
		type = (uint8_t)sip_hdr_lookup(sip_str(ls, ne));
	}
	if (n >= SIP_MAX_HEADERS)
		return SIP_PERR_TOO_MANY_HDRS;

	struct sip_hdr *h = &m->hdrs[n];
	h->name = sip_str(ls, ne);
	h->value = sip_trim(sip_str(c + 1, le));
	h->type = type;
	h->next = 0xff;
	if (last[type] == 0xff)
		m->first[type] = (uint8_t)n;
	else
		m->hdrs[last[type]].next = (uint8_t)n;
	last[type] = (uint8_t)n++;
	*np = n;
	*pp = next;
	return 0;
}

/* Split the header section; sets *body_start. The general framing, kept as the code it was
 * (split_line() is its walk of one line, for the AVX2 framing), so that tests hold the AVX2
 * framing to it. */
static int
split_headers(struct sip_msg *m, struct scan_win *wp, const char *p, const char **body_start)
{
	/*
	 * Locals for the window and the header count: the byte stores into m (types, links)
	 * may alias anything reachable through a pointer, which would reload both per line.
	 */
	struct scan_win w = *wp;
	const char *e = w.e;
	unsigned n = m->n_hdrs;
	uint8_t last[SIP_HDR_MAX];
	int rc = 0;

	memset(last, 0xff, sizeof(last));
	for (;;) {
		if (p >= e || (*p == '\r' && p + 1 == e)) {
			m->flags |= SIP_MSG_F_NO_BLANK_LINE;
			*body_start = e;
			break;
		}
		if (*p == '\n') {
			*body_start = p + 1;
			break;
		}
		if (*p == '\r' && p[1] == '\n') {
			*body_start = p + 2;
			break;
		}
		/* logical line: up to an LF not followed by SP/HT */
		const char *ls = p, *le, *next, *colon,
		           *lf = win_line(&w, ls, &colon, FRAME_GENERAL);
		/* an LF followed by SP/HT folds the line: the logical line goes on */
		while (lf && lf + 1 < e && (lf[1] == ' ' || lf[1] == '\t'))
			lf = win_lf(&w, lf + 1, FRAME_GENERAL);
		if (lf) {
			le = lf;
			next = lf + 1;
		} else {
			le = next = e;
		}
		if (le > ls && le[-1] == '\r')
			le--;
		if (le - ls > SIP_MAX_HDR_LINE) {
			rc = SIP_PERR_HDR_TOO_LONG;
			break;
		}

		const char *ne, *c;
		uint8_t type;
		/*
		 * Fast path: a known name right before the colon is a valid token by construction,
		 * so the name is neither walked nor looked up twice. Anything else (unknown names,
		 * LWS before the colon, malformed lines) takes the walk, which sets the error.
		 */
		if (colon && colon > ls &&
		    (type = (uint8_t)hdr_lookup_in_msg(ls, (uint32_t)(colon - ls), e)) !=
		        SIP_HDR_OTHER) {
			ne = c = colon;
		} else {
			ne = sip_skip_cls(ls, le, SIP_C_TOKEN);
			c = ne;
			if (ne < le && *ne == '\0') {
				rc = SIP_PERR_HDR_NAME_NUL;
				break;
			}
			if (ne == ls) {
				rc = SIP_PERR_HDR_NAME;
				break;
			}
			while (c < le && (*c == ' ' || *c == '\t'))
				c++;
			if (c >= le) {
				rc = SIP_PERR_HDR_NO_COLON;
				break;
			}
			if (*c != ':') {
				rc = c > ne ? SIP_PERR_HDR_NAME_SPACE : SIP_PERR_HDR_NAME;
				break;
			}
			type = (uint8_t)sip_hdr_lookup(sip_str(ls, ne));
		}
		if (n >= SIP_MAX_HEADERS) {
			rc = SIP_PERR_TOO_MANY_HDRS;
			break;
		}

		struct sip_hdr *h = &m->hdrs[n];
		h->name = sip_str(ls, ne);
		h->value = sip_trim(sip_str(c + 1, le));
		h->type = type;
		h->next = 0xff;
		if (last[type] == 0xff)
			m->first[type] = (uint8_t)n;
		else
			m->hdrs[last[type]].next = (uint8_t)n;
		last[type] = (uint8_t)n++;
		p = next;
	}
	m->n_hdrs = (uint8_t)n;
	*wp = w;
	return rc;
}

#ifdef FRAME_X86
/*
 * split_headers() with the AVX2 scan inlined and a straight path for the common line: a
 * known name of up to 16 bytes right before the colon, both inside the window that holds
 * the line's LF, no fold after it, and 16 bytes readable from the line start. The name is
 * probed with one table slot (hprobe: the name's two words, the bits that fold its case and
 * those past its end), the value trimmed with two byte tests when it is ": value". Every
 * other line (and the blank line) takes split_line(), so the results are the same.
 */
/* What split_line() needs between lines, in memory: the AVX2 loop keeps its own copies in
 * registers and hands them over only for the lines its straight path leaves. */
struct split_state {
	struct scan_win w;
	unsigned n;
	uint8_t last[SIP_HDR_MAX];
};

FRAME_TARGET __attribute__((noinline)) static int
split_line_avx2(struct sip_msg *m, struct split_state *st, const char **pp, const char **body_start)
{
	return split_line(m, &st->w, pp, &st->n, st->last, body_start, FRAME_AVX2);
}

/* The LF mask of the block [b, min(e, b + 64)) (b < e), as win_scan_avx2 finds it. */
FRAME_TARGET static inline uint64_t
lf_block(const char *lo, const char *b, const char *e)
{
	uint32_t n = (uint32_t)(e - b);

	if (n >= 64)
		return sip_lf64_avx2(b);
	if (e - lo < 64)
		return sip_scan_block(b, n).lf;
	return sip_lf64_avx2(e - 64) >> (64 - n);
}

/* The bytes of @a v that match way @a k of @a s, one bit each. */
FRAME_TARGET static inline unsigned
hprobe_way(__m128i v, const struct hprobe *s, int k)
{
	__m128i f = _mm_load_si128((const __m128i *)(const void *)s->f[k]);
	__m128i w = _mm_load_si128((const __m128i *)(const void *)s->w[k]);

	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(v, f), w));
}

FRAME_TARGET static int
split_headers_avx2(struct sip_msg *m, struct scan_win *wp, const char *p, const char **body_start)
{
	struct split_state st;
	const char *const e = wp->e, *const lo = wp->lo;
	/* LF blocks of 64 bytes back to back (a line that runs out of one finds its LF in the
	 * next, which then holds the following lines' starts): each byte is scanned once */
	const char *base = wp->base;
	uint64_t lfm = wp->m.lf;
	unsigned n = m->n_hdrs;
	int rc;

	st.w = *wp;
	memset(st.last, 0xff, sizeof(st.last));
	for (;;) {
		if (e - p >= 16 && n < SIP_MAX_HEADERS) {
			size_t off = (size_t)(p - base);
			const char *lf;

			if (off >= 64) { /* also when p is before base */
				base = p;
				lfm = lf_block(lo, p, e);
				off = 0;
			}
			uint64_t l = lfm >> off;
			if (l != 0) {
				lf = p + __builtin_ctzll(l);
			} else {
				if (e - base <= 64)
					goto general;
				base += 64;
				lfm = lf_block(lo, base, e);
				if (lfm == 0)
					goto general; /* a long line */
				lf = base + __builtin_ctzll(lfm);
			}
			/* the colon among the line's first 16 bytes (names up to 15 bytes) */
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned cm =
			    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
			unsigned c0 = (unsigned)(uint8_t)((uint8_t)p[0] | 0x20) - 'a';

			if (cm != 0 && c0 < 26 && p + __builtin_ctz(cm) < lf) {
				unsigned nl = (unsigned)__builtin_ctz(cm);
				const struct hprobe *s = &hprobe[nl][c0];
				uint8_t t;

				if ((~hprobe_way(v, s, 0) & 0x7fff) == 0)
					t = s->w[0][15];
				else if ((~hprobe_way(v, s, 1) & 0x7fff) == 0)
					t = s->w[1][15];
				else
					goto general;
				if (lf + 1 < e && lf[1] != ' ' && lf[1] != '\t') {
					const char *le = lf - (lf[-1] == '\r'), *vb = p + nl + 1;
					struct dpv_str val;

					/* ": value": bytes above SP are not WS (compares, not
					 * table loads); le[0] is CR or LF, so vb[1] above SP puts
					 * it before le */
					if (vb[0] == ' ' && (uint8_t)vb[1] > ' ' &&
					    (uint8_t)le[-1] > ' ')
						val = sip_str(vb + 1, le);
					else
						val = sip_trim(sip_str(vb, le));

					struct sip_hdr *h = &m->hdrs[n];
					h->name = sip_str(p, p + nl);
					h->value = val;
					h->type = t;
					h->next = 0xff;
					if (st.last[t] == 0xff)
						m->first[t] = (uint8_t)n;
					else
						m->hdrs[st.last[t]].next = (uint8_t)n;
					st.last[t] = (uint8_t)n++;
					p = lf + 1;
					continue;
				}
			}
		}
	general:
		if (e - p >= 2 && p[0] == '\r' && p[1] == '\n') { /* the blank line */
			*body_start = p + 2;
			rc = 0;
			break;
		}
		/* the general walk wants the colon masks too: an empty window makes it scan; its
		 * window's LF mask serves the blocks above afterwards */
		st.w.base = e;
		st.w.m.lf = st.w.m.colon = 0;
		st.n = n;
		{
			const char *q = p;

			rc = split_line_avx2(m, &st, &q, body_start);
			p = q;
		}
		base = st.w.base;
		lfm = st.w.m.lf;
		n = st.n;
		if (rc != 0)
			break;
	}
	m->n_hdrs = (uint8_t)n;
	*wp = st.w;
	return rc < 0 ? rc : 0;
}
#endif

static bool
single(const struct sip_msg *m, enum sip_hdr_type t)
{
	return m->hdrs[m->first[t]].next == 0xff;
}

/*
 * A Call-ID is word ["@" word]: '@' is not a word byte, so one '@' with word bytes on both
 * sides may stand between two runs of word bytes, and nothing else may. Up to 64 bytes in
 * a buffer readable up to @a lim, the mask of its non-word bytes from 16-byte steps says so.
 */
static inline bool
callid_ok(struct dpv_str v, const char *lim)
{
	const char *e = v.p + v.len, *q;

#ifdef __SSE2__
	if (v.len <= 64 && (size_t)(lim - v.p) >= ((v.len + 15u) & ~15u)) {
		uint64_t bad = 0;

		for (uint32_t off = 0; off < v.len; off += 16)
			bad |= (uint64_t)word_bad16(v.p + off) << off;
		if (v.len < 64)
			bad &= (1ull << v.len) - 1;
		if (!bad)
			return true;
		uint32_t i = (uint32_t)__builtin_ctzll(bad);
		return v.p[i] == '@' && i > 0 && i + 1 < v.len && (bad & (bad - 1)) == 0;
	}
#endif
	q = skip_word_chars(v.p, e);
	if (q < e && *q == '@' && q > v.p && q + 1 < e)
		q = skip_word_chars(q + 1, e);
	return q == e;
}

/* Byte equality of two views inside a buffer readable up to @a lim: one masked word compare
 * for up to 8 bytes when 8 may be read from both. */
static inline bool
bytes_eq(struct dpv_str a, struct dpv_str b, const char *lim)
{
	if (a.len != b.len)
		return false;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (a.len <= 8 && lim - a.p >= 8 && lim - b.p >= 8) {
		uint64_t keep = a.len == 8 ? ~0ull : (1ull << (8 * a.len)) - 1;

		return ((sip_load_n(a.p, 8) ^ sip_load_n(b.p, 8)) & keep) == 0;
	}
#endif
	return memcmp(a.p, b.p, a.len) == 0;
}

static int
parse_eager(struct sip_msg *m)
{
	static const struct {
		uint8_t type;
		int8_t missing, dup;
	} need[] = {
	    {SIP_HDR_VIA, SIP_PERR_NO_VIA, 0},
	    {SIP_HDR_FROM, SIP_PERR_NO_FROM, SIP_PERR_DUP_FROM},
	    {SIP_HDR_TO, SIP_PERR_NO_TO, SIP_PERR_DUP_TO},
	    {SIP_HDR_CALL_ID, SIP_PERR_NO_CALL_ID, SIP_PERR_DUP_CALL_ID},
	    {SIP_HDR_CSEQ, SIP_PERR_NO_CSEQ, SIP_PERR_DUP_CSEQ},
	};
	const char *lim = m->buf + m->len; /* the fast paths may read up to the buffer's end */
	struct sip_list_iter it;
	struct dpv_str v;
	uint32_t n;

	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (m->first[need[i].type] == 0xff)
			return need[i].missing;
		if (need[i].dup && !single(m, need[i].type))
			return need[i].dup;
	}
	if (m->first[SIP_HDR_MAX_FORWARDS] != 0xff && !single(m, SIP_HDR_MAX_FORWARDS))
		return SIP_PERR_DUP_MAX_FORWARDS;

	/*
	 * The top Via: a header value without a comma is one element, so the list walk (quotes,
	 * angle brackets, commas byte by byte) is only needed when there is one. sip_list_next
	 * would return the same trimmed value; an empty value is malformed either way.
	 */
	v = m->hdrs[m->first[SIP_HDR_VIA]].value;
	if (v.len > 0 && via_fast(v.p, v.p + v.len, lim, &m->via)) {
		/* the fast path takes no quoted value, so what it takes whole has no comma */
		m->via_whole = true;
	} else if (v.len > 0 && !find_byte(v.p, v.p + v.len, ',')) {
		if (sip_via_parse_general(v, &m->via) != 0)
			return SIP_PERR_VIA;
		m->via_whole = true;
	} else {
		memset(&m->via, 0, sizeof(m->via)); /* what the fast path wrote */
		sip_list_iter_init(&it, m, SIP_HDR_VIA);
		if (sip_via_next(&it, &m->via) != 1)
			return SIP_PERR_VIA;
	}
	/* m->from and m->to are zero (msg_reset) */
	v = m->hdrs[m->first[SIP_HDR_FROM]].value;
	if ((!naddr_fast(v.p, v.p + v.len, lim, &m->from) &&
	     sip_naddr_parse_general(v, &m->from) != 0) ||
	    m->from.star)
		return SIP_PERR_FROM;
	v = m->hdrs[m->first[SIP_HDR_TO]].value;
	if ((!naddr_fast(v.p, v.p + v.len, lim, &m->to) &&
	     sip_naddr_parse_general(v, &m->to) != 0) ||
	    m->to.star)
		return SIP_PERR_TO;

	v = m->hdrs[m->first[SIP_HDR_CALL_ID]].value;
	if (v.len == 0 || !callid_ok(v, lim))
		return SIP_PERR_CALL_ID;
	m->call_id = v;

	v = m->hdrs[m->first[SIP_HDR_CSEQ]].value;
	{
		const char *p = v.p, *e = v.p + v.len, *q;
		uint32_t c = 0;

		while (p < e && *p >= '0' && *p <= '9')
			c = c * 10 +
			    (uint32_t)(*p++ - '0'); /* wraps past 9 digits: not used then */
		if (p == v.p)
			return SIP_PERR_CSEQ;
		if (p - v.p <= 9) /* below 10^9: what dpv_str_to_u32 gives, without the call */
			m->cseq = c;
		else if (dpv_str_to_u32(sip_str(v.p, p), UINT32_MAX, &m->cseq) != 0)
			return SIP_PERR_CSEQ;
		q = sip_skip_ws(p, e);
		if (q == p)
			return SIP_PERR_CSEQ;
		p = skip_token_lim(q, e, lim);
		if (p == q || p != e)
			return SIP_PERR_CSEQ;
		m->cseq_method_str = sip_str(q, p);
		m->cseq_method = sip_method_from_str(m->cseq_method_str);
		if (m->is_request && !bytes_eq(m->cseq_method_str, m->method_str, lim))
			return SIP_PERR_CSEQ_METHOD;
	}

	if (m->first[SIP_HDR_MAX_FORWARDS] == 0xff) {
		m->flags |= SIP_MSG_F_NO_MAX_FORWARDS;
	} else {
		v = m->hdrs[m->first[SIP_HDR_MAX_FORWARDS]].value;
		if (v.len >= 1 && v.len <= 9) { /* below 10^9 < INT32_MAX: never out of range */
			n = 0;
			for (uint32_t i = 0; i < v.len; i++) {
				if (v.p[i] < '0' || v.p[i] > '9')
					return SIP_PERR_MAX_FORWARDS;
				n = n * 10 + (uint32_t)(v.p[i] - '0');
			}
		} else if (dpv_str_to_u32(v, INT32_MAX, &n) != 0) {
			return SIP_PERR_MAX_FORWARDS;
		}
		m->max_forwards = (int32_t)n;
	}

	if (m->first[SIP_HDR_CONTENT_TYPE] != 0xff) {
		const char *p, *e, *q;
		v = m->hdrs[m->first[SIP_HDR_CONTENT_TYPE]].value;
		p = v.p;
		e = v.p + v.len;
		q = skip_token_lim(p, e, lim);
		if (q == p)
			return SIP_PERR_CONTENT_TYPE;
		q = sip_skip_ws(q, e);
		if (q >= e || *q != '/')
			return SIP_PERR_CONTENT_TYPE;
		q = sip_skip_ws(q + 1, e);
		const char *st = q;
		q = skip_token_lim(q, e, lim);
		if (q == st)
			return SIP_PERR_CONTENT_TYPE;
		m->content_type = sip_str(p, q);
		struct dpv_str params;
		/* with quoted values allowed, params_fast fails exactly where sip_params_scan does
		 */
		if (!params_fast(&q, e, lim, &params, PCAP_NONE, NULL, true) || q != e)
			return SIP_PERR_CONTENT_TYPE;
	}
	return 0;
}

#ifdef FRAME_X86
/* 32 bytes of @a v at @a p, unaligned, as one store: GCC's own (and its memset) split it in
 * two under -march=corei7 tuning. */
FRAME_TARGET static inline void
store32(void *p, __m256i v)
{
	__asm__("vmovdqu %1, %0" : "=m"(*(char(*)[32])p) : "x"(v));
}

/* @a n bytes (at least 32) at @a p zeroed, 32 at a time, the last store ending at p + n. */
FRAME_TARGET static inline void
zero32n(void *p, size_t n)
{
#pragma GCC unroll 32
	for (size_t i = 0; i + 32 < n; i += 32)
		store32((char *)p + i, _mm256_setzero_si256());
	store32((char *)p + n - 32, _mm256_setzero_si256());
}
#endif

#ifdef FRAME_X86
/* msg_reset() with whole 32-byte stores. */
FRAME_TARGET static inline void
msg_reset_avx2(struct sip_msg *m, const char *buf, uint32_t len)
{
	zero32n(m, offsetof(struct sip_msg, hdrs));
	m->n_hdrs = 0;
	memset(m->first, 0xff, sizeof(m->first));
	zero32n(&m->via, sizeof(*m) - offsetof(struct sip_msg, via));
	m->buf = buf;
	m->len = len;
	m->max_forwards = -1;
}
#endif

/* What sip_parse() clears before it parses (everything but the header table, which it fills
 * up to n_hdrs): the start line's fields, first[] (0xff) and the eager fields. */
static inline __attribute__((always_inline)) void
msg_reset(struct sip_msg *m, const char *buf, uint32_t len, enum frame_kind k)
{
#ifdef FRAME_X86
	if (k == FRAME_AVX2) {
		msg_reset_avx2(m, buf, len);
		return;
	}
#endif
	(void)k;
	memset(m, 0, offsetof(struct sip_msg, hdrs));
	m->n_hdrs = 0;
	memset(m->first, 0xff, sizeof(m->first));
	memset(&m->via, 0, sizeof(*m) - offsetof(struct sip_msg, via));
	m->buf = buf;
	m->len = len;
	m->max_forwards = -1;
}

static inline __attribute__((always_inline)) int
split(struct sip_msg *m, struct scan_win *w, const char *p, const char **body_start,
      enum frame_kind k)
{
#ifdef FRAME_X86
	if (k == FRAME_AVX2)
		return split_headers_avx2(m, w, p, body_start);
#endif
	(void)k;
	return split_headers(m, w, p, body_start);
}

#ifdef FRAME_X86
/*
 * The start line at @a p (64 bytes readable) from one scan of 64 bytes: the LF and colon
 * masks become the first window, and the CR, NUL, SP and HT masks settle the line's framing
 * with bit tests instead of the searches. 1 when the line does not end within the 64 bytes
 * (the caller then runs the general code); else the result, *lfp at the line's LF.
 */
FRAME_TARGET static inline int
start_line_avx2(struct sip_msg *m, struct scan_win *w, const char *p, const char **lfp)
{
	__m256i v0 = _mm256_lddqu_si256((const __m256i *)(const void *)p);
	__m256i v1 = _mm256_lddqu_si256((const __m256i *)(const void *)(p + 32));
#define MASK64(expr0, expr1)                                                                       \
	((uint64_t)(uint32_t)_mm256_movemask_epi8(expr0) |                                         \
	 (uint64_t)(uint32_t)_mm256_movemask_epi8(expr1) << 32)
#define EQ(v, c) _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c))
	uint64_t lfm = MASK64(EQ(v0, '\n'), EQ(v1, '\n'));
	uint64_t com = MASK64(EQ(v0, ':'), EQ(v1, ':'));

	w->base = p;
	w->m.lf = lfm;
	w->m.colon = com;
	if (lfm == 0)
		return 1;

	unsigned il = (unsigned)__builtin_ctzll(lfm), n;
	const char *lf = p + il, *le = (il > 0 && lf[-1] == '\r') ? lf - 1 : lf;
	uint64_t in, bad, sp, ht;

	n = (unsigned)(le - p); /* < 64 */
	in = (1ull << n) - 1;
	bad = MASK64(_mm256_or_si256(EQ(v0, '\r'), EQ(v0, 0)),
	             _mm256_or_si256(EQ(v1, '\r'), EQ(v1, 0)));
	sp = MASK64(EQ(v0, ' '), EQ(v1, ' ')) & in;
	ht = MASK64(EQ(v0, '\t'), EQ(v1, '\t')) & in;
#undef EQ
#undef MASK64
	*lfp = lf;
	if (bad & in)
		return SIP_PERR_START_LINE;
	if (n >= 4 && SIP_CASEEQ(sip_str(p, p + 4), "SIP/"))
		return status_line_at(m, p, sp ? p + __builtin_ctzll(sp) : NULL, le);
	return parse_request_line_masks(m, p, le, sp, ht);
}
#endif

/* sip_parse() for one framing (inlined into each). */
static inline __attribute__((always_inline)) int
parse_t(const char *buf, uint32_t len, struct sip_msg *m, enum frame_kind k)
{
	const char *p = buf, *e = buf + len, *lf, *le, *body;
	struct scan_win w = {.base = e, .e = e, .lo = buf}; /* empty: the first request scans */
	int rc;

	msg_reset(m, buf, len, k);
	if (len > SIP_MAX_MSG_LEN)
		return SIP_PERR_TOO_BIG;
	/* RFC 3261 7.5: CRLFs before the start line are ignored (keep-alives) */
	while (p < e && (*p == '\r' || *p == '\n'))
		p++;
	if (p >= e)
		return SIP_PERR_EMPTY;
#ifdef FRAME_X86
	if (k == FRAME_AVX2 && e - p >= 64 && (rc = start_line_avx2(m, &w, p, &lf)) != 1)
		goto have_start;
#endif
	lf = win_lf(&w, p, k);
	if (!lf)
		return SIP_PERR_START_LINE;
	le = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
	if (find_byte2(p, le, '\r', '\0'))
		return SIP_PERR_START_LINE;
	if (le - p >= 4 && SIP_CASEEQ(sip_str(p, p + 4), "SIP/"))
		rc = parse_status_line(m, p, le);
	else
		rc = parse_request_line(m, p, le);
#ifdef FRAME_X86
have_start:
#endif
	if (rc != 0) {
		/*
		 * A request with a bad Request-URI or version is still answered (400/505, RFC 4475
		 * 3.1.2): index its headers and parse what a response copies, best effort; the
		 * start-line error is the result whatever follows.
		 */
		if (m->is_request && split(m, &w, lf + 1, &body, k) == 0)
			(void)parse_eager(m);
		return rc;
	}

	rc = split(m, &w, lf + 1, &body, k);
	if (rc != 0)
		return rc;
	rc = parse_eager(m);
	if (rc != 0)
		return rc;

	uint8_t cl = m->first[SIP_HDR_CONTENT_LENGTH];
	if (cl == 0xff) {
		m->flags |= SIP_MSG_F_NO_CONTENT_LENGTH;
		m->body = sip_str(body, e);
		m->content_length = m->body.len;
		return 0;
	}
	if (!single(m, SIP_HDR_CONTENT_LENGTH))
		return SIP_PERR_CL_DUP;
	rc = dpv_str_to_u32(m->hdrs[cl].value, SIP_MAX_MSG_LEN, &m->content_length);
	if (rc == -1)
		return memchr(m->hdrs[cl].value.p, ',', m->hdrs[cl].value.len) ? SIP_PERR_CL_DUP
		                                                               : SIP_PERR_CL;
	if (rc == -2)
		return SIP_PERR_CL_HUGE;
	if (m->content_length > (uint32_t)(e - body))
		return SIP_PERR_CL_BEYOND;
	/* RFC 3261 18.3: octets past Content-Length in a datagram are discarded */
	m->body = sip_str(body, body + m->content_length);
	return 0;
}

static int
parse_general(const char *buf, uint32_t len, struct sip_msg *m)
{
	return parse_t(buf, len, m, FRAME_GENERAL);
}

#ifdef FRAME_X86
FRAME_TARGET static int
parse_avx2(const char *buf, uint32_t len, struct sip_msg *m)
{
	return parse_t(buf, len, m, FRAME_AVX2);
}
#endif

int
sip_parse(const char *buf, uint32_t len, struct sip_msg *m)
{
#ifdef FRAME_X86
	if (sip_frame_avx2)
		return parse_avx2(buf, len, m);
#endif
	return parse_general(buf, len, m);
}

/*
 * RFC 3261 18.2.2 sends a response to the source address ("received") and the sent-by port,
 * so answering a request whose top Via did not parse needs only "SIP/2.0/<transport>
 * host[:port]" at its start, read leniently: any tokens for protocol, version and transport
 * (RFC 4475 badvers says "SIP/7.0/UDP" and expects a 505).
 */
int
sip_via_sent_by_lenient(const struct sip_msg *m, uint16_t *port)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_VIA);
	const char *p, *e, *q;
	uint32_t n;

	if (h == NULL)
		return -1;
	p = h->value.p;
	e = p + h->value.len;
	for (int i = 0; i < 3; i++) {
		p = sip_skip_ws(p, e);
		q = p;
		while (p < e && (*p > ' ' && *p < 0x7f) && *p != '/' && *p != ';' && *p != ',')
			p++;
		if (p == q)
			return -1;
		p = sip_skip_ws(p, e);
		if (i < 2 && (p >= e || *p++ != '/'))
			return -1;
	}
	if (p < e && *p == '[') {
		while (p < e && *p != ']')
			p++;
		if (p++ >= e)
			return -1;
	} else {
		q = p;
		while (p < e && (*p > ' ' && *p < 0x7f) && *p != ':' && *p != ';' && *p != ',')
			p++;
		if (p == q)
			return -1;
	}
	*port = SIP_DEFAULT_PORT;
	if (p < e && *p == ':') {
		q = ++p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == q || dpv_str_to_u32(sip_str(q, p), 65535, &n) != 0 || n == 0)
			return -1;
		*port = (uint16_t)n;
	}
	return 0;
}
