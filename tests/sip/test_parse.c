/* SPDX-License-Identifier: BSD-3-Clause */
/* SIP parser: valid forms, every error code, lazy iterators, URI helpers, UAS checks. */
#include <string.h>

#include <criterion/criterion.h>

#include "sip.h"

static struct sip_msg msg;

#define PARSE(lit) sip_parse((lit), sizeof(lit) - 1, &msg)
#define STR_IS(s, lit)                                                                             \
	cr_assert((s).len == sizeof(lit) - 1 && memcmp((s).p, (lit), (s).len) == 0,                \
	          "expected \"%s\", got \"%.*s\"", (lit), (int)(s).len, (s).p)

#define INVITE_SDP                                                                                 \
	"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"                \
	"m=audio 4000 RTP/AVP 0\r\n"

static const char invite[] =
    "INVITE sip:bob@biloxi.example.com:5062;transport=udp SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com:5070;branch=z9hG4bK776asdhds;rport;"
    "received=192.0.2.9\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: \"Alice \\\"A\\\"\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 87\r\n"
    "\r\n" INVITE_SDP;

Test(parse, full_invite)
{
	cr_assert_eq(sizeof(INVITE_SDP) - 1, 87);
	cr_assert_eq(PARSE(invite), 0);
	cr_assert(msg.is_request);
	cr_assert_eq(msg.method, SIP_METHOD_INVITE);
	STR_IS(msg.method_str, "INVITE");
	cr_assert_eq(msg.ruri.scheme, SIP_SCHEME_SIP);
	STR_IS(msg.ruri.user, "bob");
	STR_IS(msg.ruri.host, "biloxi.example.com");
	cr_assert(msg.ruri.has_port);
	cr_assert_eq(msg.ruri.port, 5062);
	STR_IS(msg.ruri.params, "transport=udp");
	STR_IS(msg.via.transport, "UDP");
	STR_IS(msg.via.host, "pc33.atlanta.example.com");
	cr_assert_eq(msg.via.port, 5070);
	STR_IS(msg.via.branch, "z9hG4bK776asdhds");
	cr_assert(msg.via.has_rport);
	cr_assert_eq(msg.via.rport.len, 0);
	STR_IS(msg.via.received, "192.0.2.9");
	STR_IS(msg.to.display, "Bob");
	cr_assert(!msg.to.has_tag);
	STR_IS(msg.from.display, "Alice \\\"A\\\"");
	STR_IS(msg.from.tag, "1928301774");
	STR_IS(msg.from.uri.user, "alice");
	STR_IS(msg.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
	cr_assert_eq(msg.cseq, 314159);
	cr_assert_eq(msg.cseq_method, SIP_METHOD_INVITE);
	cr_assert_eq(msg.max_forwards, 70);
	cr_assert_eq(msg.content_length, 87);
	STR_IS(msg.content_type, "application/sdp");
	STR_IS(msg.body, INVITE_SDP);
	cr_assert_eq(msg.n_hdrs, 9);
	cr_assert_eq(msg.flags, 0);
}

Test(parse, response)
{
	static const char r[] = "SIP/2.0 180 Ringing\r\n"
	                        "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\n"
	                        "To: <sip:b@example.com>;tag=abc\r\n"
	                        "From: <sip:a@example.com>;tag=def\r\n"
	                        "Call-ID: c1\r\n"
	                        "CSeq: 1 INVITE\r\n"
	                        "Content-Length: 0\r\n\r\n";

	cr_assert_eq(PARSE(r), 0);
	cr_assert(!msg.is_request);
	cr_assert_eq(msg.status, 180);
	STR_IS(msg.reason, "Ringing");
	STR_IS(msg.to.tag, "abc");
	cr_assert_eq(msg.cseq_method, SIP_METHOD_INVITE);
	cr_assert_eq(msg.max_forwards, -1);
	cr_assert(msg.flags & SIP_MSG_F_NO_MAX_FORWARDS);
	cr_assert_eq(msg.body.len, 0);
}

Test(parse, compact_forms_and_case)
{
	static const char r[] = "BYE sip:b@example.com SIP/2.0\r\n"
	                        "v: SIP/2.0/TCP h.example.com;branch=z9hG4bK1\r\n"
	                        "t: <sip:b@example.com>;tag=2\r\n"
	                        "F: <sip:a@example.com>;tag=1\r\n"
	                        "i: cid\r\n"
	                        "cSeQ: 2 BYE\r\n"
	                        "MAX-FORWARDS : 10\r\n"
	                        "m: <sip:a@192.0.2.1>\r\n"
	                        "k: timer\r\n"
	                        "s: hi\r\n"
	                        "e: identity\r\n"
	                        "o: x\r\nr: <sip:c@d>\r\nu: talk\r\nx: 90\r\ny: abc\r\n"
	                        "c: text/plain\r\n"
	                        "l: 2\r\n\r\nhi";

	cr_assert_eq(PARSE(r), 0);
	STR_IS(msg.via.transport, "TCP");
	STR_IS(msg.call_id, "cid");
	cr_assert_eq(msg.max_forwards, 10);
	STR_IS(msg.body, "hi");
	static const enum sip_hdr_type types[] = {
	    SIP_HDR_VIA,
	    SIP_HDR_TO,
	    SIP_HDR_FROM,
	    SIP_HDR_CALL_ID,
	    SIP_HDR_CSEQ,
	    SIP_HDR_MAX_FORWARDS,
	    SIP_HDR_CONTACT,
	    SIP_HDR_SUPPORTED,
	    SIP_HDR_SUBJECT,
	    SIP_HDR_CONTENT_ENCODING,
	    SIP_HDR_EVENT,
	    SIP_HDR_REFER_TO,
	    SIP_HDR_ALLOW_EVENTS,
	    SIP_HDR_SESSION_EXPIRES,
	    SIP_HDR_IDENTITY,
	    SIP_HDR_CONTENT_TYPE,
	    SIP_HDR_CONTENT_LENGTH,
	};
	cr_assert_eq(msg.n_hdrs, sizeof(types) / sizeof(types[0]));
	for (unsigned i = 0; i < msg.n_hdrs; i++)
		cr_assert_eq(msg.hdrs[i].type, types[i], "header %u", i);
	cr_assert_eq(sip_hdr_lookup(DPV_STR_LIT("X-Custom")), SIP_HDR_OTHER);
	cr_assert_eq(sip_hdr_lookup(DPV_STR_LIT("record-ROUTE")), SIP_HDR_RECORD_ROUTE);
	cr_assert_eq(sip_hdr_lookup(DPV_STR_LIT("tO")), SIP_HDR_TO);
	cr_assert_eq(sip_hdr_lookup(DPV_STR_LIT("toto")), SIP_HDR_OTHER);
}

Test(parse, folded_lines_and_bare_lf)
{
	static const char r[] = "OPTIONS sip:b@example.com SIP/2.0\n"
	                        "Via: SIP/2.0/UDP\n 192.0.2.1\n\t;branch=z9hG4bK9\n"
	                        "To:\r\n <sip:b@example.com>\n"
	                        "From: <sip:a@example.com>\n ; tag = 77\n"
	                        "Call-ID: x\nCSeq: 9\n OPTIONS\nSubject: a\n  b\n\n";

	cr_assert_eq(PARSE(r), 0);
	STR_IS(msg.via.host, "192.0.2.1");
	STR_IS(msg.via.branch, "z9hG4bK9");
	STR_IS(msg.from.tag, "77");
	cr_assert_eq(msg.cseq, 9);
	STR_IS(sip_msg_hdr(&msg, SIP_HDR_SUBJECT)->value, "a\n  b");
	cr_assert(msg.flags & SIP_MSG_F_NO_CONTENT_LENGTH);
}

Test(parse, via_lists)
{
	static const char r[] =
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP [2001:db8::1]:5070"
	    ";branch=z9hG4bK2;received=[2001:db8::9]\r\n"
	    "Via: SIP/2.0/TLS c.example.com:5061;branch=z9hG4bK3\r\n"
	    "v: SIP/2.0/SCTP d.example.com;branch=\"z9hG4bK,4\"\r\n"
	    "To: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n"
	    "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n";
	static const char *hosts[] = {"a.example.com", "[2001:db8::1]", "c.example.com",
	                              "d.example.com"};
	struct sip_list_iter it;
	struct sip_via v;
	int n = 0;

	cr_assert_eq(PARSE(r), 0);
	STR_IS(msg.via.host, "a.example.com");
	sip_list_iter_init(&it, &msg, SIP_HDR_VIA);
	while (sip_via_next(&it, &v) == 1) {
		cr_assert(n < 4);
		cr_assert(dpv_str_caseeq(v.host, dpv_cstr(hosts[n])), "via %d", n);
		n++;
	}
	cr_assert_eq(n, 4);
	sip_list_iter_init(&it, &msg, SIP_HDR_VIA);
	sip_via_next(&it, &v);
	cr_assert_eq(sip_via_next(&it, &v), 1);
	cr_assert_eq(v.port, 5070);
	STR_IS(v.received, "[2001:db8::9]");
}

Test(parse, contact_route_iterators)
{
	static const char r[] =
	    "INVITE sip:b@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
	    "To: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n"
	    "Call-ID: x\r\nCSeq: 1 INVITE\r\n"
	    "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
	    "Route: \"x, y\" <sip:p3.example.com;lr>\r\n"
	    "Contact: \"A\" <sip:a@[2001:db8::5]:5080;transport=tcp>;expires=60;q=0.5, "
	    "sip:c@example.com;expires=10\r\n"
	    "Content-Length: 0\r\n\r\n";
	static const char *hosts[] = {"p1.example.com", "p2.example.com", "p3.example.com"};
	struct sip_list_iter it;
	struct sip_naddr na;
	struct dpv_str val;
	int n = 0;

	cr_assert_eq(PARSE(r), 0);
	sip_list_iter_init(&it, &msg, SIP_HDR_ROUTE);
	while (sip_naddr_next(&it, &na) == 1) {
		cr_assert(dpv_str_caseeq(na.uri.host, dpv_cstr(hosts[n])));
		cr_assert(sip_param_find(na.uri.params, "lr", &val));
		n++;
	}
	cr_assert_eq(n, 3);
	sip_list_iter_init(&it, &msg, SIP_HDR_CONTACT);
	cr_assert_eq(sip_naddr_next(&it, &na), 1);
	STR_IS(na.display, "A");
	STR_IS(na.uri.host, "[2001:db8::5]");
	cr_assert_eq(na.uri.port, 5080);
	cr_assert(sip_param_find(na.params, "expires", &val));
	STR_IS(val, "60");
	cr_assert(sip_param_find(na.uri.params, "transport", &val));
	STR_IS(val, "tcp");
	cr_assert_eq(sip_naddr_next(&it, &na), 1);
	STR_IS(na.uri.host, "example.com");
	cr_assert(sip_param_find(na.params, "expires", &val));
	STR_IS(val, "10");
	cr_assert_eq(sip_naddr_next(&it, &na), 0);
}

Test(parse, escaped_uris_and_compare)
{
	static const char r[] = "INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\r\n"
	                        "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	                        "To: sip:%75se%72@example.com\r\n"
	                        "From: <sip:I%20have%20spaces@example.net>;tag=938\r\n"
	                        "Call-ID: x\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n";
	struct sip_uri a, b;

	cr_assert_eq(PARSE(r), 0);
	STR_IS(msg.ruri.user, "sips%3Auser%40example.com");
	STR_IS(msg.ruri.host, "example.net");
	STR_IS(msg.to.uri.user, "%75se%72");
	cr_assert(sip_uri_part_eq(msg.to.uri.user, DPV_STR_LIT("user"), false));
	cr_assert(!sip_uri_part_eq(msg.to.uri.user, DPV_STR_LIT("USER"), false));
	cr_assert(sip_uri_part_eq(DPV_STR_LIT("%2"), DPV_STR_LIT("%2"), false));

	cr_assert_eq(sip_uri_parse(DPV_STR_LIT("sip:%61lice@AtLanta.com;transport=TCP"), &a), 0);
	cr_assert_eq(sip_uri_parse(DPV_STR_LIT("sip:alice@atlanta.com;transport=tcp"), &b), 0);
	cr_assert(sip_uri_eq(&a, &b));
	cr_assert_eq(sip_uri_parse(DPV_STR_LIT("sip:alice@atlanta.com"), &b), 0);
	cr_assert(!sip_uri_eq(&a, &b), "transport only on one side");
	cr_assert_eq(sip_uri_parse(DPV_STR_LIT("sip:ALICE@atlanta.com;transport=tcp"), &b), 0);
	cr_assert(!sip_uri_eq(&a, &b), "user is case-sensitive");
	cr_assert_eq(sip_uri_parse(DPV_STR_LIT("sip:alice@atlanta.com:5060;transport=tcp"), &b), 0);
	cr_assert(!sip_uri_eq(&a, &b), "explicit port differs from none");
}

Test(parse, ipv6_hosts)
{
	static const char r[] = "REGISTER sip:[2001:db8::10]:5070 SIP/2.0\r\n"
	                        "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bK1;rport=5060\r\n"
	                        "To: <sip:u@[2001:db8::10]>\r\nFrom: <sip:u@[::1]>;tag=1\r\n"
	                        "Call-ID: x\r\nCSeq: 1 REGISTER\r\nl: 0\r\n\r\n";

	cr_assert_eq(PARSE(r), 0);
	STR_IS(msg.ruri.host, "[2001:db8::10]");
	cr_assert_eq(msg.ruri.port, 5070);
	STR_IS(msg.via.host, "[2001:db8::9:1]");
	cr_assert(!msg.via.has_port);
	STR_IS(msg.via.rport, "5060");
	STR_IS(msg.from.uri.host, "[::1]");
}

Test(parse, body_framing)
{
	static const char extra[] = "OPTIONS sip:b@e SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1"
	                            "\r\nTo: <sip:b@e>\r\nFrom: <sip:a@e>;tag=1\r\nCall-ID: x\r\n"
	                            "CSeq: 1 OPTIONS\r\nContent-Length: 3\r\n\r\nabcdef";
	static const char nocl[] = "OPTIONS sip:b@e SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1"
	                           "\r\nTo: <sip:b@e>\r\nFrom: <sip:a@e>;tag=1\r\nCall-ID: x\r\n"
	                           "CSeq: 1 OPTIONS\r\n\r\nab\0cd";
	static const char noblank[] =
	    "OPTIONS sip:b@e SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1"
	    "\r\nTo: <sip:b@e>\r\nFrom: <sip:a@e>;tag=1\r\nCall-ID: x\r\n"
	    "CSeq: 1 OPTIONS\r\n";

	cr_assert_eq(PARSE(extra), 0);
	STR_IS(msg.body, "abc");
	cr_assert_eq(PARSE(nocl), 0);
	cr_assert_eq(msg.body.len, 5);
	cr_assert_eq(msg.content_length, 5);
	cr_assert_eq(PARSE(noblank), 0);
	cr_assert(msg.flags & SIP_MSG_F_NO_BLANK_LINE);
	cr_assert_eq(msg.body.len, 0);
	/* not NUL-terminated: parse a prefix of a longer buffer */
	cr_assert_eq(sip_parse(extra, sizeof(extra) - 4, &msg), 0);
	STR_IS(msg.body, "abc");
	cr_assert_eq(sip_parse(extra, sizeof(extra) - 5, &msg), SIP_PERR_CL_BEYOND);
}

#define BASE_VIA "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
#define BASE_TF  "To: <sip:b@e>\r\nFrom: <sip:a@e>;tag=1\r\n"
#define BASE     BASE_VIA BASE_TF "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n"
#define OPT      "OPTIONS sip:b@e SIP/2.0\r\n"

struct bad {
	const char *msg;
	uint32_t len;
	int err;
	uint16_t status;
	const char *reason;
};

#define BAD(m, e, s, r)                                                                            \
	{                                                                                          \
		(m), sizeof(m) - 1, (e), (s), (r)                                                  \
	}

static const struct bad bads[] = {
    BAD("\r\n\r\n", SIP_PERR_EMPTY, 400, "empty message"),
    BAD("OPTIONS sip:b@e SIP/2.0", SIP_PERR_START_LINE, 400, "malformed start line"),
    BAD("OPTIONS sip:b@e\r\n" BASE "\r\n", SIP_PERR_START_LINE, 400, "malformed start line"),
    BAD("OPTIONS  sip:b@e SIP/2.0\r\n" BASE "\r\n", SIP_PERR_START_LINE, 400,
        "malformed start line"),
    BAD("OPTIONS sip:b@e SIP/2.0 \r\n" BASE "\r\n", SIP_PERR_START_LINE, 400,
        "malformed start line"),
    BAD("OPT@ONS sip:b@e SIP/2.0\r\n" BASE "\r\n", SIP_PERR_METHOD, 400, "malformed method"),
    BAD("OPTIONS <sip:b@e> SIP/2.0\r\n" BASE "\r\n", SIP_PERR_RURI, 400, "malformed Request-URI"),
    BAD("OPTIONS sip:b@2001:db8::1 SIP/2.0\r\n" BASE "\r\n", SIP_PERR_RURI, 400,
        "malformed Request-URI"),
    BAD("OPTIONS sip:b@e?Route=x SIP/2.0\r\n" BASE "\r\n", SIP_PERR_RURI_HEADERS, 400,
        "headers in Request-URI"),
    BAD("OPTIONS sip:b@e SIP/7.0\r\n" BASE "\r\n", SIP_PERR_VERSION, 505,
        "unsupported SIP version"),
    BAD("SIP/2.0 4294967301 X\r\n" BASE "\r\n", SIP_PERR_STATUS, 400, "malformed status code"),
    BAD("SIP/2.0 099 X\r\n" BASE "\r\n", SIP_PERR_STATUS, 400, "malformed status code"),
    BAD(OPT BASE "X@Y: 1\r\n\r\n", SIP_PERR_HDR_NAME, 400, "malformed header name"),
    BAD(OPT BASE "Xy\0z: 1\r\n\r\n", SIP_PERR_HDR_NAME_NUL, 400, "NUL in header name"),
    BAD(OPT BASE "Foobar roobar\r\n\r\n", SIP_PERR_HDR_NAME_SPACE, 400, "space in header name"),
    BAD(OPT BASE "Foobar\r\n\r\n", SIP_PERR_HDR_NO_COLON, 400, "header line without colon"),
    BAD(OPT BASE_TF "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n", SIP_PERR_NO_VIA, 400,
        "missing Via header"),
    BAD(OPT BASE_VIA "To: <sip:b@e>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n", SIP_PERR_NO_FROM,
        400, "missing From header"),
    BAD(OPT BASE_VIA "From: <sip:b@e>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n", SIP_PERR_NO_TO,
        400, "missing To header"),
    BAD(OPT BASE_VIA BASE_TF "CSeq: 1 OPTIONS\r\n\r\n", SIP_PERR_NO_CALL_ID, 400,
        "missing Call-ID header"),
    BAD(OPT BASE_VIA BASE_TF "Call-ID: x\r\n\r\n", SIP_PERR_NO_CSEQ, 400, "missing CSeq header"),
    BAD(OPT BASE "f: <sip:c@e>\r\n\r\n", SIP_PERR_DUP_FROM, 400, "more than one From header"),
    BAD(OPT BASE "t: <sip:c@e>\r\n\r\n", SIP_PERR_DUP_TO, 400, "more than one To header"),
    BAD(OPT BASE "i: y\r\n\r\n", SIP_PERR_DUP_CALL_ID, 400, "more than one Call-ID header"),
    BAD(OPT BASE "CSeq: 2 OPTIONS\r\n\r\n", SIP_PERR_DUP_CSEQ, 400, "more than one CSeq header"),
    BAD(OPT BASE "Max-Forwards: 1\r\nMax-Forwards: 2\r\n\r\n", SIP_PERR_DUP_MAX_FORWARDS, 400,
        "more than one Max-Forwards header"),
    BAD(OPT "Via: SIP/2.0/UDP h;;\r\n" BASE_TF "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n",
        SIP_PERR_VIA, 400, "malformed Via header"),
    BAD(OPT "Via: SIP/3.0/UDP h\r\n" BASE_TF "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n", SIP_PERR_VIA,
        400, "malformed Via header"),
    BAD(OPT BASE_VIA "To: <sip:b@e>\r\nFrom: Bell, A <sip:a@e>\r\nCall-ID: x\r\n"
                     "CSeq: 1 OPTIONS\r\n\r\n",
        SIP_PERR_FROM, 400, "malformed From header"),
    BAD(OPT BASE_VIA "To: \"B <sip:b@e>\r\nFrom: <sip:a@e>\r\nCall-ID: x\r\n"
                     "CSeq: 1 OPTIONS\r\n\r\n",
        SIP_PERR_TO, 400, "malformed To header"),
    BAD(OPT BASE_VIA "To: < sip:b@e >\r\nFrom: <sip:a@e>\r\nCall-ID: x\r\n"
                     "CSeq: 1 OPTIONS\r\n\r\n",
        SIP_PERR_TO, 400, "malformed To header"),
    BAD(OPT BASE_VIA BASE_TF "Call-ID: a b\r\nCSeq: 1 OPTIONS\r\n\r\n", SIP_PERR_CALL_ID, 400,
        "malformed Call-ID header"),
    BAD(OPT BASE_VIA BASE_TF "Call-ID: x\r\nCSeq: 4294967296 OPTIONS\r\n\r\n", SIP_PERR_CSEQ, 400,
        "malformed CSeq header"),
    BAD(OPT BASE_VIA BASE_TF "Call-ID: x\r\nCSeq: OPTIONS\r\n\r\n", SIP_PERR_CSEQ, 400,
        "malformed CSeq header"),
    BAD(OPT BASE_VIA BASE_TF "Call-ID: x\r\nCSeq: 1 INVITE\r\n\r\n", SIP_PERR_CSEQ_METHOD, 400,
        "CSeq method does not match request method"),
    BAD(OPT BASE "Max-Forwards: -1\r\n\r\n", SIP_PERR_MAX_FORWARDS, 400,
        "malformed Max-Forwards header"),
    BAD(OPT BASE "Content-Length: -999\r\n\r\n", SIP_PERR_CL, 400,
        "malformed Content-Length header"),
    BAD(OPT BASE "l: 0\r\nContent-Length: 0\r\n\r\n", SIP_PERR_CL_DUP, 400,
        "more than one Content-Length value"),
    BAD(OPT BASE "l: 13, 5\r\n\r\n", SIP_PERR_CL_DUP, 400, "more than one Content-Length value"),
    BAD(OPT BASE "l: 9999\r\n\r\nabc", SIP_PERR_CL_BEYOND, 400,
        "Content-Length larger than the message"),
    BAD(OPT BASE "l: 99999999999\r\n\r\n", SIP_PERR_CL_HUGE, 413, "Content-Length too large"),
    BAD(OPT BASE "c: application\r\n\r\n", SIP_PERR_CONTENT_TYPE, 400,
        "malformed Content-Type header"),
};

Test(parse, errors)
{
	for (unsigned i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		int rc = sip_parse(bads[i].msg, bads[i].len, &msg);
		cr_assert_eq(rc, bads[i].err, "case %u: got %d (%s)", i, rc,
		             sip_parse_strerror(rc));
		cr_assert_eq(sip_parse_status(rc), bads[i].status, "case %u", i);
		cr_assert_str_eq(sip_parse_strerror(rc), bads[i].reason, "case %u", i);
	}
}

/* After a bad request line the headers are still indexed, so a UAS can answer 400/505. */
Test(parse, bad_request_line_still_indexes_headers)
{
	static const char *const lines[] = {"OPTIONS <sip:b@e> SIP/2.0\r\n",
	                                    "OPTIONS  sip:b@e SIP/2.0\r\n",
	                                    "OPTIONS sip:b@e SIP/7.0\r\n"};
	static const int errs[] = {SIP_PERR_RURI, SIP_PERR_START_LINE, SIP_PERR_VERSION};
	char buf[512];
	struct sip_msg m;

	for (unsigned i = 0; i < 3; i++) {
		int n = snprintf(buf, sizeof(buf), "%s" BASE "\r\n", lines[i]);

		cr_assert_eq(sip_parse(buf, (uint32_t)n, &m), errs[i], "%s", lines[i]);
		cr_assert(m.is_request);
		cr_assert_eq(m.method, SIP_METHOD_OPTIONS);
		cr_assert_eq(m.n_hdrs, 5);
		cr_assert(dpv_str_eq(m.via.host, DPV_STR_LIT("h")));
		cr_assert(dpv_str_eq(m.call_id, DPV_STR_LIT("x")));
		cr_assert_eq(m.cseq, 1);
	}
	/* a header error after it does not hide the start-line error */
	cr_assert_eq(sip_parse("OPTIONS sip:b@e SIP/7.0\r\nVia x\r\n\r\n", 34, &m),
	             SIP_PERR_VERSION);
	/* a line that is no request at all indexes nothing */
	cr_assert_eq(
	    sip_parse("HELLO\r\n" BASE "\r\n", (uint32_t)strlen("HELLO\r\n" BASE "\r\n"), &m),
	    SIP_PERR_START_LINE);
	cr_assert(!m.is_request);
	cr_assert_eq(m.n_hdrs, 0);
}

Test(parse, limits)
{
	static char big[SIP_MAX_MSG_LEN + 2];
	static char buf[SIP_MAX_MSG_LEN];
	int n;

	memset(big, 'a', sizeof(big));
	cr_assert_eq(sip_parse(big, sizeof(big), &msg), SIP_PERR_TOO_BIG);
	cr_assert_eq(sip_parse_status(SIP_PERR_TOO_BIG), 513);

	n = snprintf(buf, sizeof(buf), "%sX-Long: ", OPT BASE);
	memset(buf + n, 'x', SIP_MAX_HDR_LINE);
	n += SIP_MAX_HDR_LINE;
	memcpy(buf + n, "\r\n\r\n", 4);
	cr_assert_eq(sip_parse(buf, (uint32_t)n + 4, &msg), SIP_PERR_HDR_TOO_LONG);

	n = snprintf(buf, sizeof(buf), "%s", OPT BASE);
	for (int i = 0; i < SIP_MAX_HEADERS; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "X-H: %d\r\n", i);
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\r\n");
	cr_assert_eq(sip_parse(buf, (uint32_t)n, &msg), SIP_PERR_TOO_MANY_HDRS);
	cr_assert_str_eq(sip_parse_strerror(SIP_PERR_TOO_MANY_HDRS), "too many headers");
}

Test(parse, error_table_complete)
{
	for (int e = 0; e > -SIP_PERR_COUNT; e--) {
		cr_assert_not_null(sip_parse_strerror(e));
		cr_assert_str_neq(sip_parse_strerror(e), "unknown error", "code %d", e);
		cr_assert_str_neq(sip_parse_errname(e), "unknown", "code %d", e);
	}
	cr_assert_str_eq(sip_parse_strerror(-SIP_PERR_COUNT), "unknown error");
	cr_assert_str_eq(sip_parse_strerror(5), "unknown error");
}

static const char *const exts[] = {"timer", "100rel"};
static const struct sip_check_cfg cfg = {
    .methods = ~0u,
    .extensions = exts,
    .n_extensions = 2,
};

struct chk {
	const char *msg;
	uint32_t len;
	uint16_t status;
	const char *reason;
};

#define CHK(m, s, r)                                                                               \
	{                                                                                          \
		(m), sizeof(m) - 1, (s), (r)                                                       \
	}
#define INV "INVITE sip:b@e SIP/2.0\r\n" BASE_VIA BASE_TF "Call-ID: x\r\nCSeq: 1 INVITE\r\n"

static const struct chk chks[] = {
    CHK(OPT BASE "\r\n", 0, NULL),
    CHK(INV "Require: timer, 100rel\r\nc: application/sdp\r\nl: 1\r\n\r\nx", 0, NULL),
    CHK("OPTIONS urn:foo:bar SIP/2.0\r\n" BASE "\r\n", 416, "unsupported URI scheme"),
    CHK("FOO sip:b@e SIP/2.0\r\n" BASE_VIA BASE_TF "Call-ID: x\r\nCSeq: 1 FOO\r\n\r\n", 501,
        "unknown method"),
    CHK(OPT BASE "Max-Forwards: 256\r\n\r\n", 400, "Max-Forwards out of range"),
    CHK(OPT "Via: SIP/2.0/UDP h;branch=z9hG4bK\r\n" BASE_TF "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n",
        400, "empty branch after magic cookie"),
    CHK(OPT BASE "Via: SIP/2.0/UDP h;;\r\n\r\n", 400, "malformed Via header"),
    CHK(OPT BASE "Contact: sip:a@e?x=y\r\n\r\n", 400, "malformed Contact header"),
    CHK(OPT BASE "Contact: <sip:a@e>,\r\n\r\n", 400, "malformed Contact header"),
    CHK(OPT BASE "Route: *\r\n\r\n", 400, "malformed Route header"),
    CHK(OPT BASE "Record-Route: <sip:a@e\r\n\r\n", 400, "malformed Record-Route header"),
    CHK(OPT BASE "Require: timer, foo\r\n\r\n", 420, "unsupported extension required"),
    CHK(INV "e: gzip\r\nc: application/sdp\r\nl: 1\r\n\r\nx", 415, "unsupported Content-Encoding"),
    CHK(INV "l: 1\r\n\r\nx", 400, "body without Content-Type"),
    CHK(INV "c: text/plain\r\nl: 1\r\n\r\nx", 415, "unsupported Content-Type"),
    CHK(INV "Accept: text/html\r\n\r\n", 406, "Accept does not allow application/sdp"),
    CHK(INV "Accept: text/html, application/*;q=0.5\r\n\r\n", 0, NULL),
};

Test(check, request_statuses)
{
	struct sip_check_result res;

	for (unsigned i = 0; i < sizeof(chks) / sizeof(chks[0]); i++) {
		cr_assert_eq(sip_parse(chks[i].msg, chks[i].len, &msg), 0, "case %u", i);
		uint16_t st = sip_msg_check_request(&msg, &cfg, &res);
		cr_assert_eq(st, chks[i].status, "case %u: %u %s", i, st, res.reason);
		cr_assert_eq(res.status, st);
		if (chks[i].reason)
			cr_assert_str_eq(res.reason, chks[i].reason, "case %u", i);
	}
	cr_assert_eq(sip_parse(chks[11].msg, chks[11].len, &msg), 0);
	sip_msg_check_request(&msg, &cfg, &res);
	STR_IS(res.unsupported, "foo");
}

Test(check, method_mask)
{
	struct sip_check_cfg c = {.methods = 1u << SIP_METHOD_INVITE};
	struct sip_check_result res;
	static const char r[] = OPT BASE "\r\n";

	cr_assert_eq(PARSE(r), 0);
	cr_assert_eq(sip_msg_check_request(&msg, &c, &res), 405);
}
