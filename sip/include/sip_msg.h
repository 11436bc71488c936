/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file sip_msg.h  SIP message parser and writer (RFC 3261): zero-copy views into a datagram.
 *
 * sip_parse() checks syntax and fills the fields a transaction layer always needs; the rest
 * (every Via value, Contact, Route, Record-Route) is read on demand through iterators.
 * Every string in struct sip_msg points into the caller's buffer, which must outlive it.
 * Nothing here allocates, locks or logs; all functions are reentrant.
 *
 * Where checks live:
 *  - sip_parse(): syntax, framing (Content-Length), mandatory headers, SIP version, CSeq method.
 *    Its error codes carry the status a UAS answers (400/505/513/413); responses that fail to
 *    parse are dropped, never answered.
 *  - sip_msg_check_request(): what a UAS rejects in a well-formed request independent of any
 *    state: 416 scheme, 501 method, 420 Require, 415 body type/encoding, 406 Accept,
 *    400 semantics (Max-Forwards range, empty branch, malformed Contact).
 *  - later layers: 481/482 (transactions: no matching transaction, merged/looped requests),
 *    483 and routing on Max-Forwards (proxy only; an endpoint ignores 0), 401/407 (auth),
 *    registrar rules (400 for non-SIP To in REGISTER), 491/500 dialog glare, 488 SDP.
 */
#ifndef DPV_SIP_MSG_H
#define DPV_SIP_MSG_H

#ifndef DPV_SIP_H_INSIDE
#error "include sip.h, the sip layer's one public header"
#endif

#include <stdbool.h>
#include <stdint.h>

#include "dpv.h"

/** Most header lines one message may carry. */
#define SIP_MAX_HEADERS 64
/** Largest message accepted (a UDP datagram). */
#define SIP_MAX_MSG_LEN 65535
/** Longest logical header line (name, value and folds). */
#define SIP_MAX_HDR_LINE 8192

/** Header types; compact forms map to the same type. */
enum sip_hdr_type {
	SIP_HDR_OTHER = 0,
	SIP_HDR_VIA,
	SIP_HDR_FROM,
	SIP_HDR_TO,
	SIP_HDR_CALL_ID,
	SIP_HDR_CSEQ,
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_CONTENT_LENGTH,
	SIP_HDR_CONTENT_TYPE,
	SIP_HDR_CONTENT_ENCODING,
	SIP_HDR_CONTACT,
	SIP_HDR_ROUTE,
	SIP_HDR_RECORD_ROUTE,
	SIP_HDR_REQUIRE,
	SIP_HDR_PROXY_REQUIRE,
	SIP_HDR_SUPPORTED,
	SIP_HDR_UNSUPPORTED,
	SIP_HDR_ALLOW,
	SIP_HDR_ACCEPT,
	SIP_HDR_EXPIRES,
	SIP_HDR_SUBJECT,
	SIP_HDR_EVENT,
	SIP_HDR_ALLOW_EVENTS,
	SIP_HDR_REFER_TO,
	SIP_HDR_REFERRED_BY,
	SIP_HDR_SESSION_EXPIRES,
	SIP_HDR_IDENTITY,
	SIP_HDR_AUTHORIZATION,
	SIP_HDR_PROXY_AUTHORIZATION,
	SIP_HDR_WWW_AUTHENTICATE,
	SIP_HDR_PROXY_AUTHENTICATE,
	SIP_HDR_RSEQ,
	SIP_HDR_RACK,
	SIP_HDR_TIMESTAMP,
	SIP_HDR_USER_AGENT,
	SIP_HDR_SERVER,
	SIP_HDR_WARNING,
	SIP_HDR_REASON,
	SIP_HDR_DATE,
	SIP_HDR_MAX
};

/** Parse errors (negative). Each has a stable reason string and a response status. */
enum sip_perr {
	SIP_PERR_OK = 0,
	SIP_PERR_EMPTY = -1,
	SIP_PERR_TOO_BIG = -2,
	SIP_PERR_START_LINE = -3,
	SIP_PERR_METHOD = -4,
	SIP_PERR_RURI = -5,
	SIP_PERR_RURI_HEADERS = -6,
	SIP_PERR_VERSION = -7,
	SIP_PERR_STATUS = -8,
	SIP_PERR_HDR_NAME = -9,
	SIP_PERR_HDR_NAME_NUL = -10,
	SIP_PERR_HDR_NAME_SPACE = -11,
	SIP_PERR_HDR_NO_COLON = -12,
	SIP_PERR_HDR_TOO_LONG = -13,
	SIP_PERR_TOO_MANY_HDRS = -14,
	SIP_PERR_NO_VIA = -15,
	SIP_PERR_NO_FROM = -16,
	SIP_PERR_NO_TO = -17,
	SIP_PERR_NO_CALL_ID = -18,
	SIP_PERR_NO_CSEQ = -19,
	SIP_PERR_DUP_FROM = -20,
	SIP_PERR_DUP_TO = -21,
	SIP_PERR_DUP_CALL_ID = -22,
	SIP_PERR_DUP_CSEQ = -23,
	SIP_PERR_DUP_MAX_FORWARDS = -24,
	SIP_PERR_VIA = -25,
	SIP_PERR_FROM = -26,
	SIP_PERR_TO = -27,
	SIP_PERR_CALL_ID = -28,
	SIP_PERR_CSEQ = -29,
	SIP_PERR_CSEQ_METHOD = -30,
	SIP_PERR_MAX_FORWARDS = -31,
	SIP_PERR_CL = -32,
	SIP_PERR_CL_DUP = -33,
	SIP_PERR_CL_BEYOND = -34,
	SIP_PERR_CL_HUGE = -35,
	SIP_PERR_CONTENT_TYPE = -36,
	SIP_PERR_COUNT = 37 /* number of codes including OK, for counter arrays */
};

/** URI schemes the engine knows. */
enum sip_scheme {
	SIP_SCHEME_OTHER = 0,
	SIP_SCHEME_SIP,
	SIP_SCHEME_SIPS,
	SIP_SCHEME_TEL,
};

/** A URI; parts keep their %HH escapes. For SIP_SCHEME_OTHER only raw/scheme_str are set. */
struct sip_uri {
	struct dpv_str raw;
	struct dpv_str scheme_str;
	enum sip_scheme scheme;
	struct dpv_str user;     /* sip/sips userinfo user; tel: the number */
	struct dpv_str password; /* empty when absent */
	struct dpv_str host;     /* IPv6 references keep their brackets */
	uint16_t port;
	bool has_port;
	struct dpv_str params;  /* after the first ';', without it; tel: its parameters */
	struct dpv_str headers; /* after '?', without it */
};

/** A name-addr or addr-spec with header parameters (From, To, Contact, Route). */
struct sip_naddr {
	struct dpv_str raw;
	struct dpv_str display; /* without quotes; quoted-pair escapes kept */
	struct sip_uri uri;
	struct dpv_str params; /* header params after the URI, without the leading ';' */
	struct dpv_str tag;
	bool has_tag;
	bool star; /* Contact: * */
};

/** One Via value. */
struct sip_via {
	struct dpv_str raw;
	struct dpv_str transport; /* UDP, TCP, TLS, SCTP, or any token */
	struct dpv_str host;      /* IPv6 keeps brackets */
	uint16_t port;
	bool has_port;
	struct dpv_str params; /* without the leading ';' */
	struct dpv_str branch;
	bool has_branch;
	struct dpv_str received;
	bool has_received;
	struct dpv_str rport; /* empty value when the flag form "rport" is used */
	bool has_rport;
};

/** One header line as found. */
struct sip_hdr {
	struct dpv_str name;
	struct dpv_str value; /* trimmed; folded CRLF SP inside is left as it was */
	uint8_t type;         /* enum sip_hdr_type */
	uint8_t next;         /* index of the next header of the same type, or 0xff */
};

#define SIP_MSG_F_NO_MAX_FORWARDS   (1u << 0) /* absent: allowed, noted (RFC 2543 peers) */
#define SIP_MSG_F_NO_CONTENT_LENGTH (1u << 1)
#define SIP_MSG_F_NO_BLANK_LINE     (1u << 2) /* header section ended at the end of the datagram */

/** A parsed message; all strings point into buf. */
struct sip_msg {
	const char *buf;
	uint32_t len;
	bool is_request;
	uint32_t flags;

	/* request line */
	enum sip_method method;
	struct dpv_str method_str;
	struct sip_uri ruri;
	/* status line */
	uint16_t status;
	struct dpv_str reason;

	struct sip_hdr hdrs[SIP_MAX_HEADERS];
	uint8_t n_hdrs;
	uint8_t first[SIP_HDR_MAX]; /* index of the first header of each type, or 0xff */

	/* eager fields */
	struct sip_via via; /* topmost Via value */
	bool via_whole;     /* via is the whole first Via header (one value): checks skip it */
	struct sip_naddr from;
	struct sip_naddr to;
	struct dpv_str call_id;
	uint32_t cseq;
	enum sip_method cseq_method;
	struct dpv_str cseq_method_str;
	int32_t max_forwards; /* -1 when absent */
	uint32_t content_length;
	struct dpv_str content_type; /* media type only (type/subtype), parameters cut */
	struct dpv_str body;
	/* Not the parser's (it zeroes them): the transaction index hash the UA computed for
	 * this message ahead of handling it (struct sip_tx_key's hash and hash_as). */
	uint32_t tx_hash;
	uint16_t tx_hash_as;
};

/**
 * Parse one datagram. @a buf need not be NUL-terminated and may hold NULs.
 * On error @a m holds what was parsed up to the error (start line, headers found so far),
 * so a response can still be written when its Via/From/To/Call-ID/CSeq lines were seen.
 * @return 0 or an enum sip_perr.
 */
int sip_parse(const char *buf, uint32_t len, struct sip_msg *m);
/** Stable human reason for a sip_parse() result. */
const char *sip_parse_strerror(int err);
/** Short identifier for a sip_parse() result, for counter names ("cl_dup"). */
const char *sip_parse_errname(int err);
/** Status a UAS answers a request with when sip_parse() failed with @a err (0 for OK). */
uint16_t sip_parse_status(int err);

/** Method enum for a token (case-sensitive, as RFC 3261 requires). */
enum sip_method sip_method_from_str(struct dpv_str s);
/** Canonical token for a known method, NULL for SIP_METHOD_UNKNOWN. */
const char *sip_method_name(enum sip_method m);
/** Header type for a name (full or compact form, case-insensitive). */
enum sip_hdr_type sip_hdr_lookup(struct dpv_str name);

/** First header of @a type, or NULL (inline: the writers read every copied line this way). */
static inline const struct sip_hdr *
sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_type type)
{
	if ((unsigned)type >= SIP_HDR_MAX || m->first[type] == 0xff)
		return NULL;
	return &m->hdrs[m->first[type]];
}

/** Next header of the same type after @a h, or NULL. */
static inline const struct sip_hdr *
sip_msg_hdr_next(const struct sip_msg *m, const struct sip_hdr *h)
{
	return h->next == 0xff ? NULL : &m->hdrs[h->next];
}
/** First header whose name equals @a name case-insensitively (for SIP_HDR_OTHER), or NULL. */
const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *m, const char *name);

/** Parse a URI (no surrounding whitespace). @return 0 or -1. */
int sip_uri_parse(struct dpv_str s, struct sip_uri *u);
/** Parse one name-addr/addr-spec value with its params (From/To/Contact/Route). 0 or -1. */
int sip_naddr_parse(struct dpv_str s, struct sip_naddr *na);
/** Parse one Via value. @return 0 or -1. */
int sip_via_parse(struct dpv_str s, struct sip_via *v);

/**
 * Find parameter @a name (case-insensitive) in a ';'-separated parameter list; LWS around
 * ';' and '=' is allowed. @a value gets the value (empty for a flag).
 */
bool sip_param_find(struct dpv_str params, const char *name, struct dpv_str *value);

/** Compare two URI components, decoding %HH on both sides (RFC 3261 19.1.4). */
bool sip_uri_part_eq(struct dpv_str a, struct dpv_str b, bool icase);
/**
 * RFC 3261 19.1.4 equality for sip/sips URIs: scheme, user and password (case-sensitive),
 * host (case-insensitive), port, and the user/ttl/method/maddr/transport parameters;
 * other parameters only when both carry them. URI headers are not compared.
 */
bool sip_uri_eq(const struct sip_uri *a, const struct sip_uri *b);

/** Iterator over comma-separated values across all headers of one type. */
struct sip_list_iter {
	const struct sip_msg *m;
	const struct sip_hdr *h;
	uint32_t pos;
	bool pending; /* a comma was seen: another element must follow */
};

/** Start iterating values of headers of @a type (Via, Contact, Route, Record-Route...). */
void sip_list_iter_init(struct sip_list_iter *it, const struct sip_msg *m, enum sip_hdr_type type);
/** Next raw value (trimmed). @return 1 with a value, 0 at the end, -1 on an empty element. */
int sip_list_next(struct sip_list_iter *it, struct dpv_str *value);
/** Next Via value, parsed. @return 1, 0 at the end, -1 on a malformed value. */
int sip_via_next(struct sip_list_iter *it, struct sip_via *v);
/** Next name-addr value (Contact/Route/Record-Route), parsed. @return 1, 0 or -1. */
int sip_naddr_next(struct sip_list_iter *it, struct sip_naddr *na);

/** Server policy for sip_msg_check_request(). */
struct sip_check_cfg {
	uint32_t methods;              /* bit (1u << SIP_METHOD_x) per supported method */
	const char *const *extensions; /* option tags this UAS supports (Require) */
	unsigned n_extensions;
};

/** What sip_msg_check_request() found. */
struct sip_check_result {
	uint16_t status;            /* 0 when the request may proceed */
	const char *reason;         /* stable text naming the problem, for a Warning */
	struct dpv_str unsupported; /* 420: the first unknown option tag, for Unsupported */
};

/**
 * State-free UAS checks on a request that parsed (see the file comment for the split).
 * The caller never answers ACK, whatever the status. @return res->status.
 */
uint16_t sip_msg_check_request(const struct sip_msg *m, const struct sip_check_cfg *cfg,
                               struct sip_check_result *res);

/**
 * RFC 3261 grammar that sip_parse() flags but does not refuse: no blank line after the
 * headers (7), a NUL in a header value outside a quoted-pair (25.1). Requests failing it are
 * answered 400, responses dropped. @return the reason, or NULL when the message is sound.
 */
const char *sip_msg_check_grammar(const struct sip_msg *m);

/**
 * For a request whose top Via does not parse: the sent-by port read leniently from
 * "PROTO/VERSION/TRANSPORT host[:port]" (18.2.2: the answer goes to the source address and
 * this port; RFC 4475 badvers has "SIP/7.0/UDP" and expects a 505).
 * @return 0 with @a port set (5060 when absent), or -1 when no host can be found.
 */
int sip_via_sent_by_lenient(const struct sip_msg *m, uint16_t *port);

/** Default reason phrase for a status code ("Bad Request"); "Unknown" when not listed. */
const char *sip_status_phrase(uint16_t code);

/**
 * Write a response to @a req into @a buf (RFC 3261 8.2.6): Via lines, From, To (adding
 * ;tag=@a to_tag when the request's To has none and to_tag is not empty), Call-ID, CSeq,
 * then @a extra (complete header lines, each ending CRLF), Content-Type when @a body is not
 * empty, Content-Length always. @a reason NULL uses sip_status_phrase().
 * @a buf must not overlap the request's buffer.
 * @return bytes written, or -1 when it does not fit in @a cap, @a req is a response, or the
 * request lacks Via/From/To/Call-ID/CSeq.
 */
int sip_write_response(char *buf, uint32_t cap, const struct sip_msg *req, uint16_t code,
                       const char *reason, struct dpv_str to_tag, struct dpv_str extra,
                       struct dpv_str body, struct dpv_str content_type);

/**
 * Write an error response naming the problem in a Warning: 399 @a agent "@a why" header
 * (and Unsupported: when @a unsupported is not empty; Accept: application/sdp for 415).
 * @return bytes or -1.
 */
int sip_write_reject(char *buf, uint32_t cap, const struct sip_msg *req, uint16_t code,
                     const char *why, const char *agent, struct dpv_str to_tag,
                     struct dpv_str unsupported);

/**
 * The answer to a request that failed to parse (RFC 4475 3.1.2: 400, 505 for a version):
 * every Via line, then the first From, To, Call-ID and CSeq as they were received, malformed
 * or not (a missing one is left out), ;tag=@a to_tag when the To parses without one, a
 * Warning: 399 @a agent "@a why", no body. @return bytes, or -1 when it does not fit.
 */
int sip_write_parse_reject(char *buf, uint32_t cap, const struct sip_msg *m, uint16_t code,
                           const char *why, const char *agent, struct dpv_str to_tag);

/** Fields of a UAC request. Strings are copied verbatim; empty ones are left out. */
struct sip_req_fields {
	enum sip_method method; /* INVITE, ACK, BYE, CANCEL, ... (not UNKNOWN) */
	struct dpv_str ruri;
	struct dpv_str via_transport; /* "UDP" when empty */
	struct dpv_str via_host;
	uint16_t via_port;     /* 0: no port */
	struct dpv_str branch; /* full value, starting z9hG4bK */
	bool rport;
	struct dpv_str from; /* name-addr, e.g. "<sip:a@b>" */
	struct dpv_str from_tag;
	struct dpv_str to;
	struct dpv_str to_tag;
	struct dpv_str call_id;
	uint32_t cseq;
	struct dpv_str contact; /* name-addr */
	struct dpv_str route;   /* Route value (route set), comma-separated name-addrs */
	uint8_t max_forwards;   /* 0 means 70 */
	struct dpv_str extra;   /* complete header lines, each ending CRLF */
	struct dpv_str body;
	struct dpv_str content_type;
};

/** Write a request; the CSeq method is the request method. @return bytes or -1. */
int sip_write_request(char *buf, uint32_t cap, const struct sip_req_fields *f);

#endif /* DPV_SIP_MSG_H */
