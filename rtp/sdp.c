/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP (RFC 4566) parsing into views over the body, RFC 3264 answer choice, and
 * the answer/offer writers. Every read is bounded by the view it works on; no
 * function here relies on a NUL after the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "rtp.h"
#include "sdp_int.h"

static const char *const err_names[RTP_SDP_E_MAX] = {
    [RTP_SDP_OK] = "ok",
    [RTP_SDP_E_EMPTY] = "empty body",
    [RTP_SDP_E_TOO_LONG] = "body too long",
    [RTP_SDP_E_MALFORMED_LINE] = "malformed line",
    [RTP_SDP_E_BAD_VERSION] = "bad or missing v=",
    [RTP_SDP_E_BAD_ORIGIN] = "bad or missing o=",
    [RTP_SDP_E_NO_SESSION_NAME] = "missing s=",
    [RTP_SDP_E_BAD_CONNECTION] = "bad c=",
    [RTP_SDP_E_BAD_MEDIA] = "bad m=",
    [RTP_SDP_E_BAD_PORT] = "bad port",
    [RTP_SDP_E_BAD_ATTR] = "bad attribute",
    [RTP_SDP_E_TOO_MANY_MEDIA] = "too many m= lines",
    [RTP_SDP_E_NO_AUDIO] = "no audio stream",
    [RTP_SDP_E_MISSING_CONN] = "missing c=",
    [RTP_SDP_E_IP6] = "IPv6 media unsupported",
    [RTP_SDP_E_NO_CODEC] = "no common codec",
    [RTP_SDP_E_HOST_NAME] = "host name in c= unsupported",
};

const char *
rtp_sdp_strerror(enum rtp_sdp_err err)
{
	if ((unsigned)err >= RTP_SDP_E_MAX)
		return "unknown error";
	return err_names[err];
}

/* ---- parsing helpers on views ---- */

/*
 * Every view the helpers below work on lies inside a line that the line scan (find_ctl) has
 * already checked: it holds no byte below 0x20 but TAB, and no DEL. So a byte <= ' ' is a
 * space or a TAB, one compare instead of two, and nothing here needs to look for controls.
 */
static inline bool
is_blank(char c)
{
	return (unsigned char)c <= ' ';
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_ONES  0x0101010101010101ull
#define SWAR_HIGHS 0x8080808080808080ull

/*
 * The bytes of @a w that are blanks (<= ' ', see is_blank) or, @a blank false, equal to @a c:
 * bit 7 of each. The subtraction's borrow can flag a byte above a true hit but never starts
 * without one, so the lowest flag is exact, which is all swar_find reads.
 */
static inline __attribute__((always_inline)) uint64_t
swar_hits(uint64_t w, bool blank, char c)
{
	if (blank)
		return (w - SWAR_ONES * 0x21) & ~w & SWAR_HIGHS;
	w ^= SWAR_ONES * (unsigned char)c;
	return (w - SWAR_ONES) & ~w & SWAR_HIGHS;
}

/*
 * Index of the first byte of p[0..n) that swar_hits() flags, or n: eight bytes per step, the
 * last step overlapping the one before (its bytes there were already found clear, so they
 * flag nothing), and under eight bytes two overlapping loads of four or two. Nothing is read
 * outside [p, p + n). The views it searches are tokens of a few bytes, where a byte loop
 * spent five instructions a byte.
 */
static inline __attribute__((always_inline)) uint32_t
swar_find(const char *p, uint32_t n, bool blank, char c)
{
	uint64_t w, h;
	uint32_t i, a, b;
	uint16_t x, y;

	if (n >= 8) {
		for (i = 0; i + 8 <= n; i += 8) {
			memcpy(&w, p + i, 8);
			if ((h = swar_hits(w, blank, c)) != 0)
				return i + (uint32_t)__builtin_ctzll(h) / 8;
		}
		if (i == n)
			return n;
		memcpy(&w, p + n - 8, 8);
		h = swar_hits(w, blank, c);
		return h ? n - 8 + (uint32_t)__builtin_ctzll(h) / 8 : n;
	}
	if (n >= 4) {
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		h = swar_hits(a | (uint64_t)b << 32, blank, c);
		if (h == 0)
			return n;
		i = (uint32_t)__builtin_ctzll(h) / 8;
		return i < 4 ? i : n - 8 + i;
	}
	if (n >= 2) {
		memcpy(&x, p, 2);
		memcpy(&y, p + n - 2, 2);
		/* bytes 4..7 are zero: blanks to swar_hits, past the view here */
		h = swar_hits(x | (uint64_t)y << 16, blank, c);
		i = h ? (uint32_t)__builtin_ctzll(h) / 8 : 8;
		return i < 2 ? i : i < 4 ? n - 4 + i : n;
	}
	if (n == 1 && (blank ? is_blank(p[0]) : p[0] == c))
		return 0;
	return n;
}
#else
static inline uint32_t
swar_find(const char *p, uint32_t n, bool blank, char c)
{
	uint32_t i = 0;

	while (i < n && !(blank ? is_blank(p[i]) : p[i] == c))
		i++;
	return i;
}
#endif

/* Split the next space-separated token off @a rest. False when none is left. */
static inline __attribute__((always_inline)) bool
next_token(struct dpv_str *rest, struct dpv_str *tok)
{
	const char *p = rest->p, *e;
	uint32_t n;

	if (rest->len == 0) { /* an attribute without a value has no pointer to step from */
		*tok = *rest;
		return false;
	}
	e = p + rest->len;
	while (p < e && is_blank(*p))
		p++;
	n = swar_find(p, (uint32_t)(e - p), true, 0);
	tok->p = p;
	tok->len = n;
	rest->p = p + n;
	rest->len = (uint32_t)(e - p) - n;
	return n > 0;
}

static inline struct dpv_str
trim(struct dpv_str s)
{
	while (s.len > 0 && is_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* Split @a s at the first @a c: head before it, tail after it. False when absent. The views
 * are a few bytes long: swar_find costs less than the call into memchr. */
static inline __attribute__((always_inline)) bool
split_at(struct dpv_str s, char c, struct dpv_str *head, struct dpv_str *tail)
{
	uint32_t i = swar_find(s.p, s.len, false, c);

	if (i == s.len) {
		*head = s;
		*tail = DPV_STR_NULL;
		return false;
	}
	head->p = s.p;
	head->len = i;
	tail->p = s.p + i + 1;
	tail->len = s.len - i - 1;
	return true;
}

/* dpv_str_to_u32, inlined: the parser reads a dozen numbers per offer. Up to 19 digits cannot
 * overflow 64 bits, so only longer strings need its stop at UINT32_MAX. */
static inline int
to_u32(struct dpv_str s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (s.len == 0)
		return -1;
	if (s.len <= 19) {
		for (uint32_t i = 0; i < s.len; i++) {
			uint32_t d = (uint32_t)(unsigned char)s.p[i] - '0';

			if (d > 9)
				return -1;
			v = v * 10 + d;
		}
	} else {
		for (uint32_t i = 0; i < s.len; i++) {
			uint32_t d = (uint32_t)(unsigned char)s.p[i] - '0';

			if (d > 9)
				return -1;
			if (v <= UINT32_MAX)
				v = v * 10 + d;
		}
	}
	if (v > max)
		return -2;
	*out = (uint32_t)v;
	return 0;
}

/*
 * The @a n bytes at @a p, 1 <= n <= 8, as one word that holds each of them at least once: two
 * loads that may overlap (2+2, 4+4) or one, and nothing read outside [p, p + n). Two strings
 * whose words are equal, position by position, are equal.
 */
static inline __attribute__((always_inline)) uint64_t
load_n(const char *p, uint32_t n)
{
	uint64_t w;
	uint32_t a, b;
	uint16_t c, d;

	if (n >= 8) {
		memcpy(&w, p, 8);
		return w;
	}
	if (n >= 4) {
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		return a | (uint64_t)b << 32;
	}
	if (n >= 2) {
		memcpy(&c, p, 2);
		memcpy(&d, p + n - 2, 2);
		return c | (uint64_t)d << 16;
	}
	return (unsigned char)p[0];
}

/* 0x20 in the byte of each letter of lit[o..o + w), little-endian (as memcpy loads them). */
static inline __attribute__((always_inline)) uint64_t
fold_bits(const char *lit, uint32_t o, uint32_t w)
{
	uint64_t m = 0;

#pragma GCC unroll 8
	for (uint32_t i = 0; i < w; i++) {
		unsigned char l = (unsigned char)lit[o + i] | 0x20;

		m |= (uint64_t)(l >= 'a' && l <= 'z' ? 0x20 : 0) << (8 * i);
	}
	return m;
}

/* The bits of load_n(@a lit, @a n) that case folding ignores. */
static inline __attribute__((always_inline)) uint64_t
lit_fold_mask(const char *lit, uint32_t n)
{
	if (n >= 8)
		return fold_bits(lit, 0, 8);
	if (n >= 4)
		return fold_bits(lit, 0, 4) | fold_bits(lit, n - 4, 4) << 32;
	if (n >= 2)
		return fold_bits(lit, 0, 2) | fold_bits(lit, n - 2, 2) << 16;
	return fold_bits(lit, 0, 1);
}

/*
 * DPV_STR_CASEEQ_LIT inlined, a word at a time (literals of 1 to 16 bytes; above 8, two words
 * that may overlap). A letter of the literal matches either case once bit 0x20 is forced on in
 * both; any other byte must match exactly, as dpv_str_caseeq folds letters only. With a
 * literal argument the literal's words and masks fold to constants. Little-endian only: the
 * masks say where each byte lands; elsewhere the plain loop.
 */
static inline __attribute__((always_inline)) bool
caseeq_lit_n(struct dpv_str s, const char *lit, uint32_t n)
{
	if (s.len != n)
		return false;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t k = n < 8 ? n : 8;
	uint64_t m0 = lit_fold_mask(lit, k), m1;

	if ((load_n(s.p, k) | m0) != (load_n(lit, k) | m0))
		return false;
	if (n <= 8)
		return true;
	m1 = lit_fold_mask(lit + n - 8, 8);
	return (load_n(s.p + n - 8, 8) | m1) == (load_n(lit + n - 8, 8) | m1);
#else
	return dpv_str_caseeq(s, (struct dpv_str){lit, n});
#endif
}

#define CASEEQ_LIT(s, lit)                                                                         \
	(__extension__({                                                                           \
		_Static_assert(sizeof(lit) - 1 <= 16, "literal too long for caseeq_lit_n");        \
		caseeq_lit_n((s), (lit), sizeof(lit) - 1);                                         \
	}))

/* RFC 1035 letters, digits, hyphens and dots, with a letter somewhere (else a bad IPv4). */
static bool
is_host_name(struct dpv_str s)
{
	bool letter = false;

	for (uint32_t i = 0; i < s.len; i++) {
		char ch = s.p[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
			letter = true;
		else if (!((ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
			return false;
	}
	return letter;
}

/* "IN IP4 addr[/ttl]" or "IN IP6 addr". */
static int
parse_conn(struct dpv_str v, struct rtp_sdp_conn *c)
{
	struct dpv_str net, type, addr, extra, ttl;

	if (!next_token(&v, &net) || !next_token(&v, &type) || !next_token(&v, &addr) ||
	    next_token(&v, &extra) || !CASEEQ_LIT(net, "IN"))
		return -1;
	split_at(addr, '/', &addr, &ttl);
	if (addr.len == 0)
		return -1;
	c->addr = addr;
	c->host_name = false;
	if (CASEEQ_LIT(type, "IP4")) {
		c->af = RTP_SDP_AF_IP4;
		if (dpv_ipv4_parse(addr, &c->ip4))
			return 0;
		/* Host names are legal SDP; negotiation refuses them (no resolver here). */
		c->ip4 = 0;
		c->host_name = true;
		return is_host_name(addr) ? 0 : -1;
	} else if (CASEEQ_LIT(type, "IP6")) {
		c->ip4 = 0;
		c->af = RTP_SDP_AF_IP6;
	} else {
		return -1;
	}
	return 0;
}

static enum rtp_sdp_err
parse_origin(struct dpv_str v, struct rtp_sdp *sdp)
{
	struct dpv_str net, type, extra;

	if (!next_token(&v, &sdp->o_user) || !next_token(&v, &sdp->o_sess_id) ||
	    !next_token(&v, &sdp->o_sess_version) || !next_token(&v, &net) ||
	    !next_token(&v, &type) || !next_token(&v, &sdp->o_addr) || next_token(&v, &extra))
		return RTP_SDP_E_BAD_ORIGIN;
	return RTP_SDP_OK;
}

static enum rtp_sdp_err
parse_media(struct dpv_str v, struct rtp_sdp_media *m)
{
	struct dpv_str port, nports, fmt, rest;
	uint32_t n;

	if (!next_token(&v, &m->type) || !next_token(&v, &port) || !next_token(&v, &m->proto))
		return RTP_SDP_E_BAD_MEDIA;
	m->fmts = trim(v);
	if (m->fmts.len == 0)
		return RTP_SDP_E_BAD_MEDIA;
	if (split_at(port, '/', &port, &nports) && to_u32(nports, 65535, &n) < 0)
		return RTP_SDP_E_BAD_PORT;
	if (to_u32(port, 65535, &n) < 0)
		return RTP_SDP_E_BAD_PORT;
	m->port = (uint16_t)n;
	m->rtp_avp = CASEEQ_LIT(m->proto, "RTP/AVP");
	if (!m->rtp_avp)
		return RTP_SDP_OK;
	rest = m->fmts;
	while (next_token(&rest, &fmt)) {
		if (to_u32(fmt, 127, &n) < 0)
			return RTP_SDP_E_BAD_MEDIA;
		if (m->nb_pts < RTP_SDP_MAX_FMTS)
			m->pts[m->nb_pts++] = (uint8_t)n;
	}
	return RTP_SDP_OK;
}

static const struct rtp_sdp_rtpmap *
rtpmap_find(const struct rtp_sdp_media *m, uint8_t pt)
{
	for (unsigned i = 0; i < m->nb_rtpmap; i++)
		if (m->rtpmap[i].pt == pt)
			return &m->rtpmap[i];
	return NULL;
}

/* The rtpmap entry of @a pt, created (empty) when absent and there is room. */
static struct rtp_sdp_rtpmap *
rtpmap_get(struct rtp_sdp_media *m, uint8_t pt)
{
	for (unsigned i = 0; i < m->nb_rtpmap; i++)
		if (m->rtpmap[i].pt == pt)
			return &m->rtpmap[i];
	if (m->nb_rtpmap == RTP_SDP_MAX_RTPMAP)
		return NULL;
	m->rtpmap[m->nb_rtpmap] = (struct rtp_sdp_rtpmap){.pt = pt};
	return &m->rtpmap[m->nb_rtpmap++];
}

/*
 * Name of an rtpmap entry whose line was malformed: the entry is kept (clock 0) so that
 * negotiation can refuse the payload type if it would choose it, while a bad line on a payload
 * type nobody takes (RFC 4475 esc01: "a=rtpmap:31 LPC" on a video stream) does not fail the
 * whole offer.
 */
static const char rtpmap_bad[] = "(malformed rtpmap)";

/* A media line about to be parsed: every field zero but the rtpmap entries, which rtpmap_get
 * writes whole as it hands them out. */
static void
media_clear(struct rtp_sdp_media *m)
{
	memset(m, 0, offsetof(struct rtp_sdp_media, rtpmap));
	memset((char *)m + offsetof(struct rtp_sdp_media, conn), 0,
	       sizeof(*m) - offsetof(struct rtp_sdp_media, conn));
}

/* "<pt> <name>/<clock>[/<channels>]"; @a audio: a bad payload type number is an error (it
 * cannot be tied to a format and the stream may be the one we take). */
static enum rtp_sdp_err
parse_rtpmap(struct dpv_str v, struct rtp_sdp_media *m, bool audio)
{
	struct dpv_str pt, enc, extra, name, clock, ch;
	struct rtp_sdp_rtpmap *r;
	uint32_t npt, nclock, nch = 0;

	if (!next_token(&v, &pt) || to_u32(pt, 127, &npt) < 0)
		return audio ? RTP_SDP_E_BAD_ATTR : RTP_SDP_OK;
	r = rtpmap_get(m, (uint8_t)npt);
	if (r == NULL)
		return RTP_SDP_OK; /* past RTP_SDP_MAX_RTPMAP: ignored */
	if (!next_token(&v, &enc) || next_token(&v, &extra) || !split_at(enc, '/', &name, &clock) ||
	    name.len == 0 ||
	    (split_at(clock, '/', &clock, &ch) && (to_u32(ch, 255, &nch) < 0 || nch == 0)) ||
	    to_u32(clock, UINT32_MAX, &nclock) < 0 || nclock == 0) {
		r->name = (struct dpv_str){rtpmap_bad, sizeof(rtpmap_bad) - 1};
		r->clock = 0;
		r->channels = 0;
		return RTP_SDP_OK;
	}
	r->name = name;
	r->clock = nclock;
	r->channels = (uint8_t)nch;
	return RTP_SDP_OK;
}

/* "<pt> <params>" */
static enum rtp_sdp_err
parse_fmtp(struct dpv_str v, struct rtp_sdp_media *m)
{
	struct dpv_str pt;
	struct rtp_sdp_rtpmap *r;
	uint32_t npt;

	if (!next_token(&v, &pt) || to_u32(pt, 127, &npt) < 0)
		return RTP_SDP_E_BAD_ATTR;
	r = rtpmap_get(m, (uint8_t)npt);
	if (r != NULL)
		r->fmtp = trim(v);
	return RTP_SDP_OK;
}

/* "<port> [IN IP4 <addr>]" */
static enum rtp_sdp_err
parse_rtcp(struct dpv_str v, struct rtp_sdp_media *m)
{
	struct dpv_str port;
	uint32_t n;

	if (!next_token(&v, &port) || to_u32(port, 65535, &n) < 0 || n == 0)
		return RTP_SDP_E_BAD_PORT;
	v = trim(v);
	if (v.len > 0 && parse_conn(v, &m->rtcp_conn) < 0)
		return RTP_SDP_E_BAD_ATTR;
	m->rtcp_port = (uint16_t)n;
	return RTP_SDP_OK;
}

/* The direction attribute @a name (8 bytes) names, or RTP_DIR_UNSET. */
static inline enum rtp_dir
dir_attr(struct dpv_str name)
{
	switch (name.p[0] | 0x20) {
	case 's':
		if (CASEEQ_LIT(name, "sendrecv"))
			return RTP_DIR_SENDRECV;
		if (CASEEQ_LIT(name, "sendonly"))
			return RTP_DIR_SENDONLY;
		break;
	case 'r':
		if (CASEEQ_LIT(name, "recvonly"))
			return RTP_DIR_RECVONLY;
		break;
	case 'i':
		if (CASEEQ_LIT(name, "inactive"))
			return RTP_DIR_INACTIVE;
		break;
	}
	return RTP_DIR_UNSET;
}

/*
 * @a audio: @a m is an audio stream (its m= line said so). The name is dispatched on its length
 * and then compared once: an offer has half a dozen attributes, and the cascade of compares
 * this replaces was a fifth of parsing one.
 */
static enum rtp_sdp_err
parse_attr(struct dpv_str v, struct rtp_sdp *sdp, struct rtp_sdp_media *m, bool audio)
{
	struct dpv_str name, val;
	enum rtp_dir dir;
	uint32_t n;

	split_at(v, ':', &name, &val);
	if (name.len == 8 && (dir = dir_attr(name)) != RTP_DIR_UNSET) {
		if (m != NULL)
			m->dir = dir;
		else
			sdp->dir = dir;
		return RTP_SDP_OK;
	}
	/* The rest only matter on a stream we could accept; elsewhere they are opaque. */
	if (m == NULL || !m->rtp_avp)
		return RTP_SDP_OK;
	switch (name.len) {
	case 4:
		if (CASEEQ_LIT(name, "fmtp"))
			return parse_fmtp(val, m);
		if (CASEEQ_LIT(name, "rtcp"))
			return parse_rtcp(val, m);
		break;
	case 5:
		if (CASEEQ_LIT(name, "ptime")) {
			if (to_u32(trim(val), 10000, &n) < 0 || n == 0)
				return RTP_SDP_E_BAD_ATTR;
			m->ptime = n;
		}
		break;
	case 6:
		if (CASEEQ_LIT(name, "rtpmap"))
			return parse_rtpmap(val, m, audio);
		break;
	case 8:
		if (CASEEQ_LIT(name, "rtcp-mux"))
			m->rtcp_mux = true; /* RFC 5761 5.1.1 */
		break;
	}
	return RTP_SDP_OK;
}

/* ---- the line scan ---- */

/* A byte no SDP line may hold: a control but TAB, or DEL. '\r' and '\n' are among them. */
static inline bool
is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

#ifdef __SSE2__
/* A mask of the bytes of p[0..16) that is_ctl() takes. */
static inline unsigned
ctl16(const char *p)
{
	const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i c = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v); /* v <= 0x1f */

	c = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), c);
	c = _mm_or_si128(c, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
	return (unsigned)_mm_movemask_epi8(c);
}
#endif

/*
 * The first byte of [p, e) that is_ctl() takes, or NULL. [body, e) is the whole body: once it
 * is 16 bytes long, the last step reads the 16 bytes that end at @a e (some before @a p, masked
 * off), so every line, the short last ones too, is scanned a vector at a time and no load
 * leaves the body. @a simd false: the byte loop only (the reference the tests compare with).
 */
static inline __attribute__((always_inline)) const char *
find_ctl(const char *body, const char *p, const char *e, bool simd)
{
#ifdef __SSE2__
	if (simd && e - body >= 16) {
		unsigned hit;

		for (; e - p >= 16; p += 16)
			if ((hit = ctl16(p)) != 0)
				return p + __builtin_ctz(hit);
		if (p == e)
			return NULL;
		hit = ctl16(e - 16) & (0xffffu << (16 - (e - p)));
		return hit ? e - 16 + __builtin_ctz(hit) : NULL;
	}
#else
	(void)body;
	(void)simd;
#endif
	for (; p < e; p++)
		if (is_ctl((unsigned char)*p))
			return p;
	return NULL;
}

/*
 * The parser, inlined into rtp_sdp_parse and its scalar twin. A line is split off by the one
 * scan for a control byte: before, a memchr for its '\n' and then a byte loop over the line for
 * controls each read it once more. The first control ends the line when it is its '\n', or a
 * '\r' before that '\n' or before the body's end (the CR that was stripped); any other is a
 * control inside the line, which was RTP_SDP_E_MALFORMED_LINE, and stays so: such a line is
 * not blank, and the checks on a line's text all came after its control check.
 */
static inline __attribute__((always_inline)) enum rtp_sdp_err
sdp_parse(const char *body, size_t len, struct rtp_sdp *sdp, bool simd)
{
	struct rtp_sdp_media *m = NULL;
	bool seen_v = false, seen_o = false, seen_s = false, seen_t = false, audio = false;
	enum rtp_sdp_err e = RTP_SDP_OK;
	const char *p, *end;
	unsigned lineno = 0;

	/* Not the whole struct: its media lines are most of it (8 x 32 formats and 16 rtpmaps),
	 * and clearing them all cost 12 % of a call's UA work (bench/RESULTS.md, the per-call
	 * budget). Each m= line is cleared when it starts (media_clear); nothing reads
	 * media[nb_media..] or rtpmap[nb_rtpmap..]. */
	memset(sdp, 0, offsetof(struct rtp_sdp, media));
	sdp->err_line = 0;
	if (body == NULL || len == 0)
		return RTP_SDP_E_EMPTY;
	if (len > RTP_SDP_MAX_LEN)
		return RTP_SDP_E_TOO_LONG;
	p = body;
	end = body + len;
	while (p < end) {
		const char *q = find_ctl(body, p, end, simd);
		struct dpv_str line = {p, (uint32_t)((q ? q : end) - p)}, v;

		lineno++;
		if (q == NULL) {
			p = end;
		} else if (*q == '\n') {
			p = q + 1;
		} else if (*q == '\r' && (q + 1 == end || q[1] == '\n')) {
			p = q + 2; /* past the end when the CR was the body's last byte */
		} else {
			e = RTP_SDP_E_MALFORMED_LINE;
			goto out;
		}
		if (line.len == 0)
			continue; /* blank lines (often a trailing one) carry nothing */
		if (!seen_v) {
			if (line.len != 3 || memcmp(line.p, "v=0", 3) != 0) {
				e = RTP_SDP_E_BAD_VERSION;
				goto out;
			}
			seen_v = true;
			continue;
		}
		if (line.len < 2 || line.p[1] != '=' || line.p[0] < 'a' || line.p[0] > 'z') {
			e = RTP_SDP_E_MALFORMED_LINE;
			goto out;
		}
		v = (struct dpv_str){line.p + 2, line.len - 2};
		switch (line.p[0]) {
		case 'v':
			e = RTP_SDP_E_BAD_VERSION;
			break;
		case 'o':
			e = seen_o || m != NULL ? RTP_SDP_E_BAD_ORIGIN : parse_origin(v, sdp);
			seen_o = true;
			break;
		case 's':
			if (m == NULL && !seen_s) {
				sdp->session_name = v;
				seen_s = true;
			}
			break;
		case 't':
			if (!seen_t)
				sdp->timing = trim(v);
			seen_t = true;
			break;
		case 'c':
			if (parse_conn(v, m != NULL ? &m->conn : &sdp->conn) < 0)
				e = RTP_SDP_E_BAD_CONNECTION;
			break;
		case 'm':
			if (!seen_o) {
				e = RTP_SDP_E_BAD_ORIGIN;
				break;
			}
			if (!seen_s) {
				e = RTP_SDP_E_NO_SESSION_NAME;
				break;
			}
			if (sdp->nb_media == RTP_SDP_MAX_MEDIA) {
				e = RTP_SDP_E_TOO_MANY_MEDIA;
				break;
			}
			m = &sdp->media[sdp->nb_media++];
			media_clear(m);
			m->line = lineno;
			e = parse_media(v, m);
			audio = CASEEQ_LIT(m->type, "audio"); /* for its a=rtpmap lines */
			break;
		case 'a':
			e = parse_attr(v, sdp, m, audio);
			break;
		default: /* i, u, e, p, b, r, z, k and unknown letters: nothing we use */
			break;
		}
		if (e != RTP_SDP_OK)
			goto out;
	}
	lineno = 0;
	if (!seen_v)
		e = RTP_SDP_E_BAD_VERSION;
	else if (!seen_o)
		e = RTP_SDP_E_BAD_ORIGIN;
	else if (!seen_s)
		e = RTP_SDP_E_NO_SESSION_NAME;
out:
	if (e != RTP_SDP_OK)
		sdp->err_line = lineno;
	return e;
}

enum rtp_sdp_err
rtp_sdp_parse(const char *body, size_t len, struct rtp_sdp *sdp)
{
	return sdp_parse(body, len, sdp, true);
}

enum rtp_sdp_err
rtp_sdp_parse_scalar(const char *body, size_t len, struct rtp_sdp *sdp)
{
	return sdp_parse(body, len, sdp, false);
}

/* ---- negotiation ---- */

/*
 * RTP_PT_PCMU / RTP_PT_PCMA when @a pt stands for that codec in @a m, else -1; -2 when @a pt is
 * one of those static types but its rtpmap line is malformed (we cannot tell what it means).
 */
static int
codec_of(const struct rtp_sdp_media *m, uint8_t pt)
{
	const struct rtp_sdp_rtpmap *r = rtpmap_find(m, pt);

	if (r != NULL && r->name.p == rtpmap_bad)
		return pt == RTP_PT_PCMU || pt == RTP_PT_PCMA ? -2 : -1;
	if (r == NULL || r->clock == 0) /* no rtpmap (an fmtp alone makes an empty entry) */
		return pt == RTP_PT_PCMU || pt == RTP_PT_PCMA ? pt : -1;
	if (r->clock != 8000 || r->channels > 1)
		return -1;
	if (CASEEQ_LIT(r->name, "PCMU"))
		return RTP_PT_PCMU;
	if (CASEEQ_LIT(r->name, "PCMA"))
		return RTP_PT_PCMA;
	return -1;
}

static enum rtp_dir
answer_dir(enum rtp_dir offer)
{
	switch (offer) {
	case RTP_DIR_SENDONLY:
		return RTP_DIR_RECVONLY;
	case RTP_DIR_RECVONLY:
		return RTP_DIR_SENDONLY;
	case RTP_DIR_INACTIVE:
		return RTP_DIR_INACTIVE;
	default:
		return RTP_DIR_SENDRECV;
	}
}

enum rtp_sdp_err
rtp_sdp_negotiate(const struct rtp_sdp *offer, struct rtp_sdp_neg *neg)
{
	const struct rtp_sdp_media *m = NULL;
	const struct rtp_sdp_conn *c;
	bool audio = false;
	int codec = -1;
	unsigned i, k;

	memset(neg, 0, sizeof(*neg));
	neg->te_pt = -1;
	for (i = 0; i < offer->nb_media && codec < 0; i++) {
		m = &offer->media[i];
		if (!CASEEQ_LIT(m->type, "audio") || !m->rtp_avp || m->port == 0)
			continue;
		audio = true;
		for (k = 0; k < m->nb_pts && codec < 0; k++) {
			codec = codec_of(m, m->pts[k]);
			if (codec == -2)
				return RTP_SDP_E_BAD_ATTR;
		}
	}
	if (!audio)
		return RTP_SDP_E_NO_AUDIO;
	if (codec < 0)
		return RTP_SDP_E_NO_CODEC;
	neg->media = (uint8_t)(i - 1);
	neg->pt = m->pts[k - 1];
	neg->codec = (uint8_t)codec;

	c = m->conn.af != RTP_SDP_AF_NONE ? &m->conn : &offer->conn;
	if (c->af == RTP_SDP_AF_NONE)
		return RTP_SDP_E_MISSING_CONN;
	if (c->af == RTP_SDP_AF_IP6)
		return RTP_SDP_E_IP6;
	if (c->host_name)
		return RTP_SDP_E_HOST_NAME;

	for (k = 0; k < m->nb_pts; k++) {
		const struct rtp_sdp_rtpmap *r = rtpmap_find(m, m->pts[k]);

		if (r != NULL && r->clock == 8000 && CASEEQ_LIT(r->name, "telephone-event")) {
			neg->te_pt = r->pt;
			neg->te_fmtp = r->fmtp;
			break;
		}
	}
	neg->remote_ip = c->ip4;
	neg->remote_port = m->port;
	neg->rtcp_mux = m->rtcp_mux;
	neg->remote_rtcp_port = m->rtcp_mux    ? m->port
	                        : m->rtcp_port ? m->rtcp_port
	                                       : (uint16_t)(m->port + 1);
	neg->ptime = m->ptime;
	neg->offer_dir = m->dir ? m->dir : offer->dir ? offer->dir : RTP_DIR_SENDRECV;
	/* RFC 2543 hold: the offerer wants nothing sent to it. */
	if (c->ip4 == 0) {
		if (neg->offer_dir == RTP_DIR_SENDRECV)
			neg->offer_dir = RTP_DIR_SENDONLY;
		else if (neg->offer_dir == RTP_DIR_RECVONLY)
			neg->offer_dir = RTP_DIR_INACTIVE;
	}
	neg->answer_dir = answer_dir(neg->offer_dir);
	neg->hold = neg->offer_dir == RTP_DIR_SENDONLY || neg->offer_dir == RTP_DIR_INACTIVE;
	return RTP_SDP_OK;
}

/* ---- writers ---- */

/* The text is NUL-terminated: the appender gets one byte less than the caller's buffer. */
static struct dpv_buf
w_init(char *buf, size_t cap)
{
	return DPV_BUF(buf, cap == 0 ? 0 : cap - 1 > UINT32_MAX ? UINT32_MAX : cap - 1);
}

static int
w_end(struct dpv_buf *w)
{
	int n = dpv_buf_end(w);

	if (n >= 0)
		w->p[n] = '\0';
	return n;
}

static struct dpv_str
dir_name(enum rtp_dir d)
{
	switch (d) {
	case RTP_DIR_SENDONLY:
		return DPV_STR_LIT("sendonly");
	case RTP_DIR_RECVONLY:
		return DPV_STR_LIT("recvonly");
	case RTP_DIR_INACTIVE:
		return DPV_STR_LIT("inactive");
	default:
		return DPV_STR_LIT("sendrecv");
	}
}

/*
 * Every writer below appends fragments and integers by table: an answer is written per call
 * on a signaling lcore, where vsnprintf was nine tenths of writing one (bench/RESULTS.md,
 * issue 11). The pieces of known bounds (all but the offer's t= and rejected m= lines) go
 * into a local buffer with plain copies and then into the caller's in one put: one check of
 * room for a dozen pieces.
 */

/* The session lines up to t='s value: their fixed text, the longest numbers and address. */
#define SESSION_TEXT "v=0\r\no=dpvoip   IN IP4 \r\ns=dpvoip\r\nc=IN IP4 \r\nt="
#define SESSION_MAX  (sizeof(SESSION_TEXT) + 2 * DPV_U64_DIGITS + 2 * DPV_IPV4_STRLEN)

static void
w_session(struct dpv_buf *w, uint32_t ip, uint64_t sess_id, uint64_t sess_version,
          struct dpv_str timing)
{
	char t[SESSION_MAX], *p = t, *addr;
	uint32_t n;

	p = DPV_PUT_LIT(p, "v=0\r\no=dpvoip ");
	p += dpv_fmt_u64(p, sess_id);
	*p++ = ' ';
	p += dpv_fmt_u64(p, sess_version);
	p = DPV_PUT_LIT(p, " IN IP4 ");
	addr = p;
	n = dpv_ipv4_format(ip, addr);
	p = DPV_PUT_LIT(p + n, "\r\ns=dpvoip\r\nc=IN IP4 ");
	p = DPV_PUT_LIT(dpv_put(p, addr, n), "\r\nt=");
	dpv_buf_put(w, t, (uint32_t)(p - t));
	dpv_buf_str(w, timing);
	dpv_buf_cstr(w, "\r\n");
}

/* The longest telephone-event fmtp an answer repeats. */
#define TE_FMTP_MAX 64

/* A telephone-event fmtp we can repeat: events and ranges only ("0-15,66"). */
static bool
te_fmtp_ok(struct dpv_str s)
{
	if (s.len == 0 || s.len > TE_FMTP_MAX)
		return false;
	for (uint32_t i = 0; i < s.len; i++)
		if (!((s.p[i] >= '0' && s.p[i] <= '9') || s.p[i] == ',' || s.p[i] == '-'))
			return false;
	return true;
}

/* The accepted m= section: its text, six numbers, the fmtp and the direction at their longest. */
#define ANSWER_MEDIA_MAX                                                                           \
	(sizeof("m=audio  RTP/AVP  \r\na=rtpmap: PCMU/8000\r\na=rtpmap: telephone-event/8000\r\n"  \
	        "a=fmtp: \r\na=ptime:20\r\na=\r\na=rtcp-mux\r\n") +                                \
	 6 * DPV_U64_DIGITS + TE_FMTP_MAX + sizeof("sendrecv"))

static void
w_answer_media(struct dpv_buf *w, const struct rtp_sdp_neg *neg, uint16_t local_port)
{
	char t[ANSWER_MEDIA_MAX], *p = t;
	struct dpv_str dir = dir_name(neg->answer_dir);

	p = DPV_PUT_LIT(p, "m=audio ");
	p += dpv_fmt_u64(p, local_port);
	p = DPV_PUT_LIT(p, " RTP/AVP ");
	p += dpv_fmt_u64(p, neg->pt);
	if (neg->te_pt >= 0) {
		*p++ = ' ';
		p += dpv_fmt_u64(p, (uint32_t)neg->te_pt);
	}
	p = DPV_PUT_LIT(p, "\r\na=rtpmap:");
	p += dpv_fmt_u64(p, neg->pt);
	p = neg->codec == RTP_PT_PCMU ? DPV_PUT_LIT(p, " PCMU/8000\r\n")
	                              : DPV_PUT_LIT(p, " PCMA/8000\r\n");
	if (neg->te_pt >= 0) {
		p = DPV_PUT_LIT(p, "a=rtpmap:");
		p += dpv_fmt_u64(p, (uint32_t)neg->te_pt);
		p = DPV_PUT_LIT(p, " telephone-event/8000\r\n");
		if (te_fmtp_ok(neg->te_fmtp)) {
			p = DPV_PUT_LIT(p, "a=fmtp:");
			p += dpv_fmt_u64(p, (uint32_t)neg->te_pt);
			*p++ = ' ';
			p = DPV_PUT_LIT(dpv_put_str(p, neg->te_fmtp), "\r\n");
		}
	}
	p = DPV_PUT_LIT(p, "a=ptime:20\r\na=");
	p = DPV_PUT_LIT(dpv_put_str(p, dir), "\r\n");
	if (neg->rtcp_mux)
		p = DPV_PUT_LIT(p, "a=rtcp-mux\r\n"); /* RFC 5761 5.1.1: accepted */
	dpv_buf_put(w, t, (uint32_t)(p - t));
}

int
rtp_sdp_write_answer(char *buf, size_t cap, const struct rtp_sdp *offer,
                     const struct rtp_sdp_neg *neg, uint32_t local_ip, uint16_t local_port,
                     uint64_t sess_id, uint64_t sess_version)
{
	struct dpv_buf w = w_init(buf, cap);
	struct dpv_str timing = offer->timing.len ? offer->timing : DPV_STR_LIT("0 0");

	if (neg->media >= offer->nb_media ||
	    (neg->codec != RTP_PT_PCMU && neg->codec != RTP_PT_PCMA))
		return -1;
	/* RFC 3264 section 6: the answer's t= is the offer's. */
	w_session(&w, local_ip, sess_id, sess_version, timing);
	for (unsigned i = 0; i < offer->nb_media; i++) {
		const struct rtp_sdp_media *m = &offer->media[i];

		if (i == neg->media) {
			w_answer_media(&w, neg, local_port);
			continue;
		}
		/* Rejected: same media, proto and formats, port 0. */
		dpv_buf_cstr(&w, "m=");
		dpv_buf_str(&w, m->type);
		dpv_buf_cstr(&w, " 0 ");
		dpv_buf_str(&w, m->proto);
		dpv_buf_cstr(&w, " ");
		dpv_buf_str(&w, m->fmts);
		dpv_buf_cstr(&w, "\r\n");
	}
	return w_end(&w);
}

int
rtp_sdp_write_offer(char *buf, size_t cap, uint32_t local_ip, uint16_t local_port, uint64_t sess_id,
                    uint64_t sess_version)
{
	struct dpv_buf w = w_init(buf, cap);

	w_session(&w, local_ip, sess_id, sess_version, DPV_STR_LIT("0 0"));
	dpv_buf_cstr(&w, "m=audio ");
	dpv_buf_u32(&w, local_port);
	/* the payload types are constants: their lines are one literal */
	dpv_buf_cstr(
	    &w,
	    " RTP/AVP " RTE_STR(RTP_PT_PCMU) " " RTE_STR(RTP_PT_PCMA) " " RTE_STR(
	        RTP_PT_TE) "\r\n"
	                   "a=rtpmap:" RTE_STR(
	                       RTP_PT_PCMU) " PCMU/8000\r\n"
	                                    "a=rtpmap:" RTE_STR(
	                                        RTP_PT_PCMA) " PCMA/8000\r\n"
	                                                     "a=rtpmap:" RTE_STR(
	                                                         RTP_PT_TE) " telephone-event/"
	                                                                    "8000\r\n"
	                                                                    "a=fmtp:" RTE_STR(
	                                                                        RTP_PT_TE) " 0-"
	                                                                                   "16\r\n"
	                                                                                   "a="
	                                                                                   "ptime:"
	                                                                                   "20\r\n"
	                                                                                   "a="
	                                                                                   "sendrec"
	                                                                                   "v\r\n");
	return w_end(&w);
}
