/* SPDX-License-Identifier: BSD-3-Clause */
/* SIP message accessors: error table, methods, lazy list iterators, UAS checks, URI compare. */
#include <string.h>
#include <strings.h>

#include "sip_msg_int.h"

#ifdef __SSE2__
#include <emmintrin.h> /* part of the x86-64 baseline */
#endif

static const struct {
	const char *name;
	const char *reason;
	uint16_t status;
} perr_tab[SIP_PERR_COUNT] = {
    [0] = {"ok", "ok", 0},
    [-SIP_PERR_EMPTY] = {"empty", "empty message", 400},
    [-SIP_PERR_TOO_BIG] = {"too_big", "message too large", 513},
    [-SIP_PERR_START_LINE] = {"start_line", "malformed start line", 400},
    [-SIP_PERR_METHOD] = {"method", "malformed method", 400},
    [-SIP_PERR_RURI] = {"ruri", "malformed Request-URI", 400},
    [-SIP_PERR_RURI_HEADERS] = {"ruri_headers", "headers in Request-URI", 400},
    [-SIP_PERR_VERSION] = {"version", "unsupported SIP version", 505},
    [-SIP_PERR_STATUS] = {"status", "malformed status code", 400},
    [-SIP_PERR_HDR_NAME] = {"hdr_name", "malformed header name", 400},
    [-SIP_PERR_HDR_NAME_NUL] = {"hdr_name_nul", "NUL in header name", 400},
    [-SIP_PERR_HDR_NAME_SPACE] = {"hdr_name_space", "space in header name", 400},
    [-SIP_PERR_HDR_NO_COLON] = {"hdr_no_colon", "header line without colon", 400},
    [-SIP_PERR_HDR_TOO_LONG] = {"hdr_too_long", "header line too long", 400},
    [-SIP_PERR_TOO_MANY_HDRS] = {"too_many_hdrs", "too many headers", 513},
    [-SIP_PERR_NO_VIA] = {"no_via", "missing Via header", 400},
    [-SIP_PERR_NO_FROM] = {"no_from", "missing From header", 400},
    [-SIP_PERR_NO_TO] = {"no_to", "missing To header", 400},
    [-SIP_PERR_NO_CALL_ID] = {"no_call_id", "missing Call-ID header", 400},
    [-SIP_PERR_NO_CSEQ] = {"no_cseq", "missing CSeq header", 400},
    [-SIP_PERR_DUP_FROM] = {"dup_from", "more than one From header", 400},
    [-SIP_PERR_DUP_TO] = {"dup_to", "more than one To header", 400},
    [-SIP_PERR_DUP_CALL_ID] = {"dup_call_id", "more than one Call-ID header", 400},
    [-SIP_PERR_DUP_CSEQ] = {"dup_cseq", "more than one CSeq header", 400},
    [-SIP_PERR_DUP_MAX_FORWARDS] = {"dup_max_forwards", "more than one Max-Forwards header", 400},
    [-SIP_PERR_VIA] = {"via", "malformed Via header", 400},
    [-SIP_PERR_FROM] = {"from", "malformed From header", 400},
    [-SIP_PERR_TO] = {"to", "malformed To header", 400},
    [-SIP_PERR_CALL_ID] = {"call_id", "malformed Call-ID header", 400},
    [-SIP_PERR_CSEQ] = {"cseq", "malformed CSeq header", 400},
    [-SIP_PERR_CSEQ_METHOD] = {"cseq_method", "CSeq method does not match request method", 400},
    [-SIP_PERR_MAX_FORWARDS] = {"max_forwards", "malformed Max-Forwards header", 400},
    [-SIP_PERR_CL] = {"cl", "malformed Content-Length header", 400},
    [-SIP_PERR_CL_DUP] = {"cl_dup", "more than one Content-Length value", 400},
    [-SIP_PERR_CL_BEYOND] = {"cl_beyond", "Content-Length larger than the message", 400},
    [-SIP_PERR_CL_HUGE] = {"cl_huge", "Content-Length too large", 413},
    [-SIP_PERR_CONTENT_TYPE] = {"content_type", "malformed Content-Type header", 400},
};

const char *
sip_parse_strerror(int err)
{
	if (err > 0 || err <= -SIP_PERR_COUNT)
		return "unknown error";
	return perr_tab[-err].reason;
}

const char *
sip_parse_errname(int err)
{
	if (err > 0 || err <= -SIP_PERR_COUNT)
		return "unknown";
	return perr_tab[-err].name;
}

uint16_t
sip_parse_status(int err)
{
	if (err > 0 || err <= -SIP_PERR_COUNT)
		return 400;
	return perr_tab[-err].status;
}

static const char *const method_names[SIP_METHOD_MAX] = {
    [SIP_METHOD_INVITE] = "INVITE",   [SIP_METHOD_ACK] = "ACK",
    [SIP_METHOD_BYE] = "BYE",         [SIP_METHOD_CANCEL] = "CANCEL",
    [SIP_METHOD_OPTIONS] = "OPTIONS", [SIP_METHOD_REGISTER] = "REGISTER",
    [SIP_METHOD_PRACK] = "PRACK",     [SIP_METHOD_INFO] = "INFO",
    [SIP_METHOD_UPDATE] = "UPDATE",   [SIP_METHOD_REFER] = "REFER",
    [SIP_METHOD_NOTIFY] = "NOTIFY",   [SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
    [SIP_METHOD_MESSAGE] = "MESSAGE",
};

enum sip_method
sip_method_from_str(struct dpv_str s)
{
	return sip_method_of(s); /* sip_msg_int.h: the parser inlines it */
}

const char *
sip_method_name(enum sip_method m)
{
	return (m > SIP_METHOD_UNKNOWN && m < SIP_METHOD_MAX) ? method_names[m] : NULL;
}

const struct sip_hdr *
sip_msg_hdr_by_name(const struct sip_msg *m, const char *name)
{
	for (const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_OTHER); h; h = sip_msg_hdr_next(m, h))
		if (dpv_str_caseeq(h->name, dpv_cstr(name)))
			return h;
	return NULL;
}

void
sip_list_iter_init(struct sip_list_iter *it, const struct sip_msg *m, enum sip_hdr_type type)
{
	it->m = m;
	it->h = sip_msg_hdr(m, type);
	it->pos = 0;
	it->pending = false;
}

/*
 * The end of one list element: the first comma outside quotes and angle brackets, or @a e.
 * Three states, each reacting to a few bytes only: plain to , " and < (a '>' there changes
 * nothing), inside <...> to > (quotes and commas do not count there), inside "..." to " and
 * \ (a quoted-pair skips the byte after it, when there is one).
 */
enum { LS_PLAIN, LS_ANGLE, LS_QUOTE };

static inline const char *
list_end_scalar(const char *p, const char *e, unsigned st)
{
	for (; p < e; p++) {
		char c = *p;

		if (st == LS_QUOTE) {
			if (c == '\\' && p + 1 < e)
				p++;
			else if (c == '"')
				st = LS_PLAIN;
		} else if (c == '"' && st == LS_PLAIN) {
			st = LS_QUOTE;
		} else if (c == '<') {
			st = LS_ANGLE;
		} else if (c == '>') {
			st = LS_PLAIN;
		} else if (c == ',' && st == LS_PLAIN) {
			return p;
		}
	}
	return e;
}

#ifdef __SSE2__
/*
 * list_end_scalar from plain, 16 bytes per load: one mask per state of the bytes it reacts
 * to, so a step goes straight to the next byte that matters. @a b is the start of the whole
 * value: once fewer than 16 bytes remain the last load is [e - 16, e) (bits before @a p are
 * shifted out), so no load leaves [b, e); values shorter than 16 bytes take the byte loop.
 */
static inline const char *
list_end_sse2(const char *b, const char *p, const char *e)
{
	unsigned st = LS_PLAIN;

	while (p < e) {
		const char *base = p;

		if (e - p < 16) {
			if (e - b < 16)
				return list_end_scalar(p, e, st);
			base = e - 16;
		}
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)base);
		__m128i dq = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
		unsigned mk[3], off = (unsigned)(p - base);

		mk[LS_PLAIN] = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_or_si128(dq, _mm_cmpeq_epi8(v, _mm_set1_epi8(','))),
		                 _mm_cmpeq_epi8(v, _mm_set1_epi8('<'))));
		mk[LS_ANGLE] = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('>')));
		mk[LS_QUOTE] = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(dq, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
		for (;;) {
			unsigned hit = off < 16 ? mk[st] >> off : 0;

			if (hit == 0)
				break;
			off += (unsigned)__builtin_ctz(hit);
			char c = base[off];
			if (st == LS_PLAIN) {
				if (c == ',')
					return base + off;
				st = c == '"' ? LS_QUOTE : LS_ANGLE;
				off++;
			} else if (st == LS_ANGLE || c == '"') {
				st = LS_PLAIN;
				off++;
			} else {
				off += 2; /* quoted-pair; past e only when the backslash ends it */
			}
		}
		if (off < 16)
			off = 16;
		if ((size_t)(e - base) <= off)
			return e;
		p = base + off;
	}
	return e;
}
#endif

static inline const char *
list_end(const char *b, const char *p, const char *e)
{
#ifdef __SSE2__
	return list_end_sse2(b, p, e);
#else
	(void)b;
	return list_end_scalar(p, e, LS_PLAIN);
#endif
}

const char *
sip_list_end_scalar(const char *p, const char *e)
{
	return list_end_scalar(p, e, LS_PLAIN);
}

const char *
sip_list_end_vector(const char *b, const char *p, const char *e)
{
	return list_end(b, p, e);
}

int
sip_list_next(struct sip_list_iter *it, struct dpv_str *value)
{
	while (it->h) {
		const char *b = it->h->value.p, *e = b + it->h->value.len;
		const char *p = sip_skip_ws(b + it->pos, e), *s = p;

		if (p >= e) {
			if (it->pending || it->h->value.len == 0)
				return -1; /* "a," or an empty header: an empty element */
			it->h = sip_msg_hdr_next(it->m, it->h);
			it->pos = 0;
			continue;
		}
		p = list_end(b, p, e);
		*value = sip_trim(sip_str(s, p));
		it->pending = p < e;
		it->pos = (uint32_t)(p < e ? p + 1 - b : e - b);
		return value->len > 0 ? 1 : -1;
	}
	return 0;
}

int
sip_via_next(struct sip_list_iter *it, struct sip_via *v)
{
	struct dpv_str s;
	int rc = sip_list_next(it, &s);

	if (rc != 1)
		return rc;
	return sip_via_parse(s, v) == 0 ? 1 : -1;
}

int
sip_naddr_next(struct sip_list_iter *it, struct sip_naddr *na)
{
	struct dpv_str s;
	int rc = sip_list_next(it, &s);

	if (rc != 1)
		return rc;
	return sip_naddr_parse(s, na) == 0 ? 1 : -1;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = sip_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Next decoded byte of a URI component; %HH that is not a valid escape stays literal. */
static int
uri_getc(struct dpv_str s, uint32_t *i)
{
	uint8_t c = (uint8_t)s.p[*i];

	if (c == '%' && *i + 2 < s.len && hexval((uint8_t)s.p[*i + 1]) >= 0 &&
	    hexval((uint8_t)s.p[*i + 2]) >= 0) {
		c = (uint8_t)(hexval((uint8_t)s.p[*i + 1]) * 16 + hexval((uint8_t)s.p[*i + 2]));
		*i += 3;
		return c;
	}
	(*i)++;
	return c;
}

bool
sip_uri_part_eq(struct dpv_str a, struct dpv_str b, bool icase)
{
	uint32_t i = 0, j = 0;

	while (i < a.len && j < b.len) {
		int x = uri_getc(a, &i), y = uri_getc(b, &j);
		if (icase) {
			x = sip_lower((uint8_t)x);
			y = sip_lower((uint8_t)y);
		}
		if (x != y)
			return false;
	}
	return i == a.len && j == b.len;
}

static bool
uri_param_eq(const struct sip_uri *a, const struct sip_uri *b, const char *name, bool must)
{
	struct dpv_str va, vb;
	bool ha = sip_param_find(a->params, name, &va), hb = sip_param_find(b->params, name, &vb);

	if (ha && hb)
		return sip_uri_part_eq(va, vb, true);
	return !must || ha == hb;
}

bool
sip_uri_eq(const struct sip_uri *a, const struct sip_uri *b)
{
	static const char *const must[] = {"user", "ttl", "method", "maddr", "transport"};
	const char *p = a->params.p, *e = p ? p + a->params.len : p;

	if (a->scheme != b->scheme || a->scheme == SIP_SCHEME_OTHER)
		return a->scheme == SIP_SCHEME_OTHER && b->scheme == SIP_SCHEME_OTHER &&
		       dpv_str_eq(a->raw, b->raw);
	if (!sip_uri_part_eq(a->user, b->user, a->scheme == SIP_SCHEME_TEL) ||
	    !sip_uri_part_eq(a->password, b->password, false) ||
	    !sip_uri_part_eq(a->host, b->host, true) || a->has_port != b->has_port ||
	    a->port != b->port)
		return false;
	for (unsigned i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (!uri_param_eq(a, b, must[i], true))
			return false;
	/* any other parameter present on both sides must match */
	while (p < e) {
		while (p < e && (*p == ';' || sip_is((uint8_t)*p, SIP_C_WS)))
			p++;
		const char *n = p;
		while (p < e && *p != '=' && *p != ';')
			p++;
		char name[32];
		size_t len = (size_t)(p - n);
		if (len > 0 && len < sizeof(name)) {
			memcpy(name, n, len);
			name[len] = '\0';
			if (!uri_param_eq(a, b, name, false))
				return false;
		}
		while (p < e && *p != ';')
			p++;
	}
	return true;
}

/* "type/subtype" with optional LWS around '/' compared case-insensitively; the literals'
 * lengths are constants, so each compare is a few inline word compares (no strlen, no call). */
static inline bool
media_is_n(struct dpv_str mt, const char *type, uint32_t tn, const char *sub, uint32_t sn)
{
	const char *p = mt.p, *e = mt.p ? mt.p + mt.len : mt.p, *q;

	q = sip_skip_cls(p, e, SIP_C_TOKEN);
	if ((uint32_t)(q - p) != tn || !sip_caseeq_n(p, type, tn))
		return false;
	q = sip_skip_ws(q, e);
	if (q >= e || *q != '/')
		return false;
	p = sip_skip_ws(q + 1, e);
	q = sip_skip_cls(p, e, SIP_C_TOKEN);
	return (uint32_t)(q - p) == sn && sip_caseeq_n(p, sub, sn);
}

#define media_is(mt, type, sub) media_is_n(mt, type, sizeof(type) - 1, sub, sizeof(sub) - 1)

static uint16_t
check_fail(struct sip_check_result *res, uint16_t status, const char *reason)
{
	res->status = status;
	res->reason = reason;
	return status;
}

static bool
accepts_sdp(const struct sip_msg *m)
{
	struct sip_list_iter it;
	struct dpv_str v;

	sip_list_iter_init(&it, m, SIP_HDR_ACCEPT);
	while (sip_list_next(&it, &v) == 1)
		if (media_is(v, "application", "sdp") || media_is(v, "application", "*") ||
		    media_is(v, "*", "*"))
			return true;
	return false;
}

uint16_t
sip_msg_check_request(const struct sip_msg *m, const struct sip_check_cfg *cfg,
                      struct sip_check_result *res)
{
	return sip_msg_check_request_contact(m, cfg, res, NULL, NULL);
}

uint16_t
sip_msg_check_request_contact(const struct sip_msg *m, const struct sip_check_cfg *cfg,
                              struct sip_check_result *res, struct sip_naddr *contact,
                              bool *has_contact)
{
	struct sip_list_iter it;
	struct sip_naddr na;
	struct dpv_str v;
	int rc;

	memset(res, 0, sizeof(*res));
	if (has_contact)
		*has_contact = false;
	if (!m->is_request)
		return 0;
	if (m->ruri.scheme == SIP_SCHEME_OTHER)
		return check_fail(res, 416, "unsupported URI scheme");
	if (m->method == SIP_METHOD_UNKNOWN)
		return check_fail(res, 501, "unknown method");
	if (cfg->methods && !(cfg->methods & (1u << m->method)))
		return check_fail(res, 405, "method not allowed");
	if (m->max_forwards > 255)
		return check_fail(res, 400, "Max-Forwards out of range");
	if (m->via.has_branch && dpv_str_eq(m->via.branch, DPV_STR_LIT(SIP_MAGIC_COOKIE)))
		return check_fail(res, 400, "empty branch after magic cookie");

	sip_list_iter_init(&it, m, SIP_HDR_VIA);
	/* sip_parse() parsed the whole first Via header when it is one value: the walk would
	 * return that same value and parse it the same, so it starts at the next header */
	if (m->via_whole)
		it.h = sip_msg_hdr_next(m, it.h);
	while ((rc = sip_list_next(&it, &v)) == 1) {
		struct sip_via via;
		if (sip_via_parse(v, &via) != 0)
			break;
	}
	if (rc != 0)
		return check_fail(res, 400, "malformed Via header");

	static const struct {
		uint8_t type;
		const char *why;
	} lists[] = {
	    {SIP_HDR_CONTACT, "malformed Contact header"},
	    {SIP_HDR_ROUTE, "malformed Route header"},
	    {SIP_HDR_RECORD_ROUTE, "malformed Record-Route header"},
	};
	for (unsigned i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		/* the first Contact value is parsed where the caller wants it */
		struct sip_naddr *dst = lists[i].type == SIP_HDR_CONTACT && contact ? contact : &na;

		sip_list_iter_init(&it, m, (enum sip_hdr_type)lists[i].type);
		while ((rc = sip_naddr_next(&it, dst)) == 1) {
			if (dst == contact)
				*has_contact = true;
			if (dst->star && lists[i].type != SIP_HDR_CONTACT)
				break;
			dst = &na;
		}
		if (rc != 0)
			return check_fail(res, 400, lists[i].why);
	}

	/* RFC 3261 8.2.2.3: Require is not checked for CANCEL and ACK */
	if (m->method != SIP_METHOD_ACK && m->method != SIP_METHOD_CANCEL) {
		sip_list_iter_init(&it, m, SIP_HDR_REQUIRE);
		while ((rc = sip_list_next(&it, &v)) == 1) {
			unsigned i;
			for (i = 0; i < cfg->n_extensions; i++)
				if (dpv_str_caseeq(v, dpv_cstr(cfg->extensions[i])))
					break;
			if (i == cfg->n_extensions) {
				res->unsupported = v;
				return check_fail(res, 420, "unsupported extension required");
			}
		}
		if (rc < 0)
			return check_fail(res, 400, "malformed Require header");
	}

	if (m->body.len > 0) {
		sip_list_iter_init(&it, m, SIP_HDR_CONTENT_ENCODING);
		while ((rc = sip_list_next(&it, &v)) == 1)
			if (!SIP_CASEEQ(v, "identity"))
				return check_fail(res, 415, "unsupported Content-Encoding");
		if (m->content_type.len == 0)
			return check_fail(res, 400, "body without Content-Type");
		bool sdp_only = m->method == SIP_METHOD_INVITE || m->method == SIP_METHOD_ACK ||
		                m->method == SIP_METHOD_PRACK || m->method == SIP_METHOD_UPDATE;
		if (sdp_only && !media_is(m->content_type, "application", "sdp"))
			return check_fail(res, 415, "unsupported Content-Type");
	}
	if (m->method == SIP_METHOD_INVITE && m->first[SIP_HDR_ACCEPT] != 0xff && !accepts_sdp(m))
		return check_fail(res, 406, "Accept does not allow application/sdp");
	return 0;
}

const char *
sip_status_phrase(uint16_t code)
{
	switch (code) {
	case 100:
		return "Trying";
	case 180:
		return "Ringing";
	case 181:
		return "Call Is Being Forwarded";
	case 182:
		return "Queued";
	case 183:
		return "Session Progress";
	case 200:
		return "OK";
	case 202:
		return "Accepted";
	case 300:
		return "Multiple Choices";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Moved Temporarily";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 407:
		return "Proxy Authentication Required";
	case 408:
		return "Request Timeout";
	case 413:
		return "Request Entity Too Large";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Unsupported URI Scheme";
	case 420:
		return "Bad Extension";
	case 421:
		return "Extension Required";
	case 480:
		return "Temporarily Unavailable";
	case 481:
		return "Call/Transaction Does Not Exist";
	case 482:
		return "Loop Detected";
	case 483:
		return "Too Many Hops";
	case 486:
		return "Busy Here";
	case 487:
		return "Request Terminated";
	case 488:
		return "Not Acceptable Here";
	case 491:
		return "Request Pending";
	case 500:
		return "Server Internal Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Server Time-out";
	case 505:
		return "Version Not Supported";
	case 513:
		return "Message Too Large";
	case 600:
		return "Busy Everywhere";
	case 603:
		return "Decline";
	default:
		return "Unknown";
	}
}

/*
 * RFC 3261 grammar the parser leaves to its users (it flags, it does not refuse):
 *  - 7: "the empty line MUST be present even if the message-body is not" (RFC 4475 baddn is
 *    cut before it): a message whose header section runs to the end of the datagram is
 *    malformed.
 *  - 25.1: header values are TEXT-UTF8 (%x21-7E, UTF-8), LWS and quoted strings; a raw NUL is
 *    allowed only as the escaped octet of a quoted-pair inside a quoted string (RFC 4475
 *    intmeth's To carries "\<NUL>", and must be accepted). Bodies may hold anything.
 */
const char *
sip_msg_check_grammar(const struct sip_msg *m)
{
	const char *hend = m->body.p != NULL ? m->body.p : m->buf + m->len;

	if (m->flags & SIP_MSG_F_NO_BLANK_LINE)
		return "no blank line after the headers";
	if (memchr(m->buf, '\0', (size_t)(hend - m->buf)) == NULL)
		return NULL; /* the common case: one scan of the header section */
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		struct dpv_str v = m->hdrs[i].value;
		bool quoted = false;

		if (v.len == 0 || memchr(v.p, '\0', v.len) == NULL)
			continue;
		for (uint32_t k = 0; k < v.len; k++) {
			if (v.p[k] == '"')
				quoted = !quoted;
			else if (quoted && v.p[k] == '\\')
				k++; /* quoted-pair: any octet but CR and LF */
			else if (v.p[k] == '\0')
				return "NUL in header value";
		}
	}
	return NULL;
}
