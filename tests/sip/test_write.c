/* SPDX-License-Identifier: BSD-3-Clause */
/* SIP writer: byte-exact responses and requests, bounds, parse(write(x)) round trips. */
#include <string.h>

#include <criterion/criterion.h>

#include "sip.h"

static struct sip_msg req, out;
static char buf[2048];

#define S(lit) DPV_STR_LIT(lit)

static const char invite[] = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
                             "v: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1, SIP/2.0/UDP "
                             "p2.example.com;branch=z9hG4bK2\r\n"
                             "Max-Forwards: 70\r\n"
                             "To: Bob <sip:bob@biloxi.example.com>\r\n"
                             "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
                             "Call-ID: a84b4c76e66710\r\n"
                             "CSeq: 314159 INVITE\r\n"
                             "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
                             "Content-Length: 0\r\n\r\n";

static const char resp_200[] = "SIP/2.0 200 OK\r\n"
                               "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
                               "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1, SIP/2.0/UDP "
                               "p2.example.com;branch=z9hG4bK2\r\n"
                               "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
                               "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
                               "Call-ID: a84b4c76e66710\r\n"
                               "CSeq: 314159 INVITE\r\n"
                               "Contact: <sip:bob@192.0.2.4>\r\n"
                               "Content-Type: application/sdp\r\n"
                               "Content-Length: 4\r\n\r\n"
                               "v=0\n";

Test(write, response_exact)
{
	int n;

	cr_assert_eq(sip_parse(invite, sizeof(invite) - 1, &req), 0);
	n = sip_write_response(buf, sizeof(buf), &req, 200, NULL, S("a6c85cf"),
	                       S("Contact: <sip:bob@192.0.2.4>\r\n"), S("v=0\n"),
	                       S("application/sdp"));
	cr_assert_eq(n, (int)sizeof(resp_200) - 1, "len %d:\n%.*s", n, n > 0 ? n : 0, buf);
	cr_assert_eq(memcmp(buf, resp_200, (size_t)n), 0, "got:\n%.*s", n, buf);

	/* round trip: the response parses and keeps the fields */
	cr_assert_eq(sip_parse(buf, (uint32_t)n, &out), 0);
	cr_assert_eq(out.status, 200);
	cr_assert_eq(out.to.tag.len, 7);
	cr_assert(dpv_str_eq(out.call_id, req.call_id));
	cr_assert_eq(out.cseq, 314159);
	cr_assert(dpv_str_eq(out.via.branch, req.via.branch));
	cr_assert(dpv_str_eq(out.body, S("v=0\n")));
}

Test(write, trying_keeps_to_and_existing_tag)
{
	static const char exp[] = "SIP/2.0 100 Trying\r\n"
	                          "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	                          "From: <sip:a@e>;tag=1\r\n"
	                          "To: <sip:b@e>;tag=xyz\r\n"
	                          "Call-ID: c\r\n"
	                          "CSeq: 2 BYE\r\n"
	                          "Content-Length: 0\r\n\r\n";
	static const char bye[] = "BYE sip:b@e SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	                          "To: <sip:b@e>;tag=xyz\r\nFrom: <sip:a@e>;tag=1\r\n"
	                          "Call-ID: c\r\nCSeq: 2 BYE\r\n\r\n";
	int n;

	cr_assert_eq(sip_parse(bye, sizeof(bye) - 1, &req), 0);
	n = sip_write_response(buf, sizeof(buf), &req, 100, NULL, S("other"), DPV_STR_NULL,
	                       DPV_STR_NULL, DPV_STR_NULL);
	cr_assert_eq(n, (int)sizeof(exp) - 1, "got:\n%.*s", n > 0 ? n : 0, buf);
	cr_assert_eq(memcmp(buf, exp, (size_t)n), 0, "got:\n%.*s", n, buf);
}

Test(write, reject_names_problem)
{
	static const char exp[] = "SIP/2.0 420 Bad Extension\r\n"
	                          "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	                          "From: <sip:a@e>;tag=1\r\n"
	                          "To: <sip:b@e>;tag=srv1\r\n"
	                          "Call-ID: c\r\n"
	                          "CSeq: 1 OPTIONS\r\n"
	                          "Warning: 399 dpvoip \"unsupported extension required\"\r\n"
	                          "Unsupported: foo\r\n"
	                          "Content-Length: 0\r\n\r\n";
	static const char opt[] =
	    "OPTIONS sip:b@e SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	    "To: <sip:b@e>\r\nFrom: <sip:a@e>;tag=1\r\n"
	    "Call-ID: c\r\nCSeq: 1 OPTIONS\r\nRequire: foo\r\n\r\n";
	struct sip_check_cfg cfg = {0};
	struct sip_check_result res;
	int n;

	cr_assert_eq(sip_parse(opt, sizeof(opt) - 1, &req), 0);
	cr_assert_eq(sip_msg_check_request(&req, &cfg, &res), 420);
	n = sip_write_reject(buf, sizeof(buf), &req, res.status, res.reason, NULL, S("srv1"),
	                     res.unsupported);
	cr_assert_eq(n, (int)sizeof(exp) - 1, "got:\n%.*s", n > 0 ? n : 0, buf);
	cr_assert_eq(memcmp(buf, exp, (size_t)n), 0, "got:\n%.*s", n, buf);
}

Test(write, reject_after_parse_error)
{
	/* CSeq mismatch fails parsing, but every header a response needs was seen */
	static const char bad[] =
	    "OPTIONS sip:b@e SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	    "To: <sip:b@e>\r\nFrom: <sip:a@e>;tag=1\r\n"
	    "Call-ID: c\r\nCSeq: 1 INVITE\r\n\r\n";
	static const char exp[] =
	    "SIP/2.0 400 Bad Request\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	    "From: <sip:a@e>;tag=1\r\n"
	    "To: <sip:b@e>;tag=srv1\r\n"
	    "Call-ID: c\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Warning: 399 edge.example.com \"CSeq method does not match request method\"\r\n"
	    "Content-Length: 0\r\n\r\n";
	int rc, n;

	rc = sip_parse(bad, sizeof(bad) - 1, &req);
	cr_assert_eq(rc, SIP_PERR_CSEQ_METHOD);
	n = sip_write_reject(buf, sizeof(buf), &req, sip_parse_status(rc), sip_parse_strerror(rc),
	                     "edge.example.com", S("srv1"), DPV_STR_NULL);
	cr_assert_eq(n, (int)sizeof(exp) - 1, "got:\n%.*s", n > 0 ? n : 0, buf);
	cr_assert_eq(memcmp(buf, exp, (size_t)n), 0, "got:\n%.*s", n, buf);

	/* a request missing Call-ID cannot be answered */
	static const char nocid[] = "OPTIONS sip:b@e SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1"
	                            "\r\nTo: <sip:b@e>\r\nFrom: <sip:a@e>;tag=1\r\n"
	                            "CSeq: 1 OPTIONS\r\n\r\n";
	cr_assert_eq(sip_parse(nocid, sizeof(nocid) - 1, &req), SIP_PERR_NO_CALL_ID);
	cr_assert_eq(sip_write_reject(buf, sizeof(buf), &req, 400, "x", NULL, S("t"), DPV_STR_NULL),
	             -1);
}

Test(write, bounded)
{
	int n, full;

	cr_assert_eq(sip_parse(invite, sizeof(invite) - 1, &req), 0);
	full = sip_write_response(buf, sizeof(buf), &req, 486, NULL, S("t"), DPV_STR_NULL,
	                          DPV_STR_NULL, DPV_STR_NULL);
	cr_assert_gt(full, 0);
	for (uint32_t cap = 0; cap < (uint32_t)full; cap++) {
		memset(buf, 0x5a, sizeof(buf));
		n = sip_write_response(buf, cap, &req, 486, NULL, S("t"), DPV_STR_NULL,
		                       DPV_STR_NULL, DPV_STR_NULL);
		cr_assert_eq(n, -1, "cap %u", cap);
		for (uint32_t i = cap; i < sizeof(buf); i++)
			cr_assert_eq(buf[i], 0x5a, "wrote past cap %u at %u", cap, i);
	}
	cr_assert_eq(sip_write_response(buf, (uint32_t)full, &req, 486, NULL, S("t"), DPV_STR_NULL,
	                                DPV_STR_NULL, DPV_STR_NULL),
	             full);
	cr_assert_eq(sip_write_response(buf, sizeof(buf), &req, 99, NULL, S("t"), DPV_STR_NULL,
	                                DPV_STR_NULL, DPV_STR_NULL),
	             -1);
}

static const struct sip_req_fields inv_fields = {
    .method = SIP_METHOD_INVITE,
    .ruri = S("sip:bob@192.0.2.4"),
    .via_host = S("192.0.2.1"),
    .via_port = 5060,
    .branch = S("z9hG4bKabc"),
    .rport = true,
    .from = S("\"Alice\" <sip:alice@192.0.2.1>"),
    .from_tag = S("f1"),
    .to = S("<sip:bob@192.0.2.4>"),
    .call_id = S("cid-1"),
    .cseq = 7,
    .contact = S("<sip:alice@192.0.2.1:5060>"),
    .route = S("<sip:p1.example.com;lr>"),
    .body = S("v=0\r\n"),
    .content_type = S("application/sdp"),
};

Test(write, request_exact_and_round_trip)
{
	static const char exp[] = "INVITE sip:bob@192.0.2.4 SIP/2.0\r\n"
	                          "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport\r\n"
	                          "Max-Forwards: 70\r\n"
	                          "Route: <sip:p1.example.com;lr>\r\n"
	                          "From: \"Alice\" <sip:alice@192.0.2.1>;tag=f1\r\n"
	                          "To: <sip:bob@192.0.2.4>\r\n"
	                          "Call-ID: cid-1\r\n"
	                          "CSeq: 7 INVITE\r\n"
	                          "Contact: <sip:alice@192.0.2.1:5060>\r\n"
	                          "Content-Type: application/sdp\r\n"
	                          "Content-Length: 5\r\n\r\n"
	                          "v=0\r\n";
	struct sip_check_cfg cfg = {0};
	struct sip_check_result res;
	int n;

	n = sip_write_request(buf, sizeof(buf), &inv_fields);
	cr_assert_eq(n, (int)sizeof(exp) - 1, "got:\n%.*s", n > 0 ? n : 0, buf);
	cr_assert_eq(memcmp(buf, exp, (size_t)n), 0, "got:\n%.*s", n, buf);

	cr_assert_eq(sip_parse(buf, (uint32_t)n, &out), 0);
	cr_assert_eq(out.method, SIP_METHOD_INVITE);
	cr_assert(dpv_str_eq(out.via.branch, inv_fields.branch));
	cr_assert_eq(out.via.port, 5060);
	cr_assert(out.via.has_rport);
	cr_assert(dpv_str_eq(out.from.tag, inv_fields.from_tag));
	cr_assert(dpv_str_eq(out.call_id, inv_fields.call_id));
	cr_assert_eq(out.cseq, 7);
	cr_assert_eq(out.max_forwards, 70);
	cr_assert(dpv_str_eq(out.body, inv_fields.body));
	cr_assert_eq(sip_msg_check_request(&out, &cfg, &res), 0);
}

Test(write, ack_bye_cancel_round_trip)
{
	static const enum sip_method methods[] = {SIP_METHOD_ACK, SIP_METHOD_BYE,
	                                          SIP_METHOD_CANCEL};

	for (unsigned i = 0; i < 3; i++) {
		struct sip_req_fields f = inv_fields;
		f.method = methods[i];
		f.to_tag = S("t9");
		f.body = DPV_STR_NULL;
		f.route = DPV_STR_NULL;
		f.contact = DPV_STR_NULL;
		f.max_forwards = 20;
		int n = sip_write_request(buf, sizeof(buf), &f);
		cr_assert_gt(n, 0);
		cr_assert_eq(sip_parse(buf, (uint32_t)n, &out), 0, "%.*s", n, buf);
		cr_assert_eq(out.method, methods[i]);
		cr_assert_eq(out.cseq_method, methods[i]);
		cr_assert(dpv_str_eq(out.to.tag, S("t9")));
		cr_assert_eq(out.max_forwards, 20);
		cr_assert_eq(out.content_length, 0);
		cr_assert_eq(out.first[SIP_HDR_CONTENT_TYPE], 0xff);
		/* too small by one byte */
		cr_assert_eq(sip_write_request(buf, (uint32_t)n - 1, &f), -1);
	}
	/* a response is never answered (the output must not overlap the request) */
	static char rbuf[2048], obuf[2048];
	int n = sip_write_request(rbuf, sizeof(rbuf), &inv_fields);
	cr_assert_eq(sip_parse(rbuf, (uint32_t)n, &req), 0);
	n = sip_write_response(obuf, sizeof(obuf), &req, 200, NULL, S("t"), DPV_STR_NULL,
	                       DPV_STR_NULL, DPV_STR_NULL);
	cr_assert_gt(n, 0);
	cr_assert_eq(sip_parse(obuf, (uint32_t)n, &out), 0);
	cr_assert_eq(sip_write_response(buf, sizeof(buf), &out, 200, NULL, S("t"), DPV_STR_NULL,
	                                DPV_STR_NULL, DPV_STR_NULL),
	             -1);

	struct sip_req_fields f = inv_fields;
	f.method = SIP_METHOD_UNKNOWN;
	cr_assert_eq(sip_write_request(buf, sizeof(buf), &f), -1);
}

Test(write, reject_415_lists_accept)
{
	static const char inv[] = "INVITE sip:b@e SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	                          "To: <sip:b@e>\r\nFrom: <sip:a@e>;tag=1\r\n"
	                          "Call-ID: c\r\nCSeq: 1 INVITE\r\nContent-Type: text/plain\r\n"
	                          "Content-Length: 2\r\n\r\nhi";
	static const char exp[] = "SIP/2.0 415 Unsupported Media Type\r\n"
	                          "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	                          "From: <sip:a@e>;tag=1\r\n"
	                          "To: <sip:b@e>;tag=srv1\r\n"
	                          "Call-ID: c\r\n"
	                          "CSeq: 1 INVITE\r\n"
	                          "Warning: 399 dpvoip \"unsupported Content-Type\"\r\n"
	                          "Accept: application/sdp\r\n"
	                          "Content-Length: 0\r\n\r\n";
	struct sip_check_cfg cfg = {0};
	struct sip_check_result res;
	int n;

	cr_assert_eq(sip_parse(inv, sizeof(inv) - 1, &req), 0);
	cr_assert_eq(sip_msg_check_request(&req, &cfg, &res), 415);
	n = sip_write_reject(buf, sizeof(buf), &req, res.status, res.reason, NULL, S("srv1"),
	                     res.unsupported);
	cr_assert_eq(n, (int)sizeof(exp) - 1, "got:\n%.*s", n > 0 ? n : 0, buf);
	cr_assert_eq(memcmp(buf, exp, (size_t)n), 0, "got:\n%.*s", n, buf);
}

/*
 * What a response to @a m is, composed the plain way (snprintf, the lines one by one): the
 * writer's ready status lines and its copies of whole request lines must give these bytes.
 */
static int
ref_response(char *o, size_t cap, const struct sip_msg *m, uint16_t code, const char *reason,
             struct dpv_str tag, struct dpv_str extra, struct dpv_str body, struct dpv_str ctype)
{
	static const struct {
		enum sip_hdr_type type;
		const char *name;
	} copy[] = {{SIP_HDR_VIA, "Via"},
	            {SIP_HDR_FROM, "From"},
	            {SIP_HDR_TO, "To"},
	            {SIP_HDR_CALL_ID, "Call-ID"},
	            {SIP_HDR_CSEQ, "CSeq"}};
	size_t n = (size_t)snprintf(o, cap, "SIP/2.0 %u %s\r\n", code,
	                            reason ? reason : sip_status_phrase(code));

	for (unsigned i = 0; i < sizeof(copy) / sizeof(copy[0]); i++)
		for (const struct sip_hdr *h = sip_msg_hdr(m, copy[i].type); h;
		     h = copy[i].type == SIP_HDR_VIA ? sip_msg_hdr_next(m, h) : NULL) {
			bool t = copy[i].type == SIP_HDR_TO && tag.len && !m->to.has_tag;

			n += (size_t)snprintf(o + n, cap - n, "%s: %.*s%s%.*s\r\n", copy[i].name,
			                      (int)h->value.len, h->value.p, t ? ";tag=" : "",
			                      t ? (int)tag.len : 0, t ? tag.p : "");
		}
	n += (size_t)snprintf(o + n, cap - n, "%.*s", (int)extra.len, extra.len ? extra.p : "");
	if (body.len && ctype.len)
		n += (size_t)snprintf(o + n, cap - n, "Content-Type: %.*s\r\n", (int)ctype.len,
		                      ctype.p);
	n += (size_t)snprintf(o + n, cap - n, "Content-Length: %u\r\n\r\n%.*s", body.len,
	                      (int)body.len, body.len ? body.p : "");
	return (int)n;
}

static void
expect_as_ref(const struct sip_msg *m, uint16_t code, const char *reason, struct dpv_str tag,
              struct dpv_str extra, struct dpv_str body, struct dpv_str ctype)
{
	static char want[4096];
	int w = ref_response(want, sizeof(want), m, code, reason, tag, extra, body, ctype);
	int n = sip_write_response(buf, sizeof(buf), m, code, reason, tag, extra, body, ctype);

	cr_assert_eq(n, w, "code %u: %d bytes, want %d:\n%s", code, n, w, want);
	cr_assert_eq(memcmp(buf, want, (size_t)n), 0, "code %u:\n%.*s\nwant:\n%s", code, n, buf,
	             want);
}

Test(write, status_lines_every_code)
{
	cr_assert_eq(sip_parse(invite, sizeof(invite) - 1, &req), 0);
	for (unsigned code = 100; code <= 699; code++) {
		expect_as_ref(&req, (uint16_t)code, NULL, S("t1"), DPV_STR_NULL, DPV_STR_NULL,
		              DPV_STR_NULL);
		expect_as_ref(&req, (uint16_t)code, "Custom Reason", DPV_STR_NULL,
		              S("Allow: INVITE\r\n"), S("v=0\r\n"), S("application/sdp"));
	}
	/* a reason given replaces even a ready line's phrase */
	cr_assert_gt(sip_write_response(buf, sizeof(buf), &req, 200, "Fine", DPV_STR_NULL,
	                                DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL),
	             0);
	cr_assert_eq(memcmp(buf, "SIP/2.0 200 Fine\r\n", 18), 0);
}

/* Lines copied whole only when the request wrote "Name: value"; other spellings are rewritten. */
Test(write, request_spellings)
{
	static const char *const reqs[] = {
	    /* canonical */
	    "BYE sip:b@e SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@e>;tag=1\r\n"
	    "To: <sip:b@e>;tag=2\r\nCall-ID: c\r\nCSeq: 2 BYE\r\n\r\n",
	    /* other case, no space, more space, tabs, space before the colon */
	    "BYE sip:b@e SIP/2.0\r\nVIA:SIP/2.0/UDP h;branch=z9hG4bK1\r\nfrom:  <sip:a@e>;tag=1\r\n"
	    "TO :<sip:b@e>\r\ncall-id:\tc \r\ncseq : 2 BYE\r\n\r\n",
	    /* compact forms, a Via list over two lines, a folded To */
	    "INVITE sip:b@e SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1,SIP/2.0/UDP g\r\n"
	    "Via: SIP/2.0/UDP k;branch=z9hG4bK3\r\nf: <sip:a@e>;tag=1\r\nt: B\r\n <sip:b@e>\r\n"
	    "i: c@h\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n",
	    /* a name that is longer than the canonical one only by what follows */
	    "BYE sip:b@e SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom:<sip:a@e>;tag=1\r\n"
	    "To:  <sip:b@e>\r\nCall-ID:c\r\nCSeq:2 BYE\r\n\r\n",
	};

	for (unsigned i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		cr_assert_eq(sip_parse(reqs[i], (uint32_t)strlen(reqs[i]), &req), 0, "request %u",
		             i);
		expect_as_ref(&req, 200, NULL, S("tt"), DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL);
		expect_as_ref(&req, 487, NULL, DPV_STR_NULL, S("X: y\r\n"), S("hi"),
		              S("text/plain"));
		expect_as_ref(&req, 606, NULL, S("tt"), DPV_STR_NULL, S("hi"), DPV_STR_NULL);
	}
}

/* A response with everything: extra lines, a body. */
static int
write_full(uint32_t cap, uint16_t code, const char *reason)
{
	return sip_write_response(buf, cap, &req, code, reason, S("a6c85cf"),
	                          S("Contact: <sip:bob@192.0.2.4>\r\n"), S("v=0\r\n"),
	                          S("application/sdp"));
}

/* In every cap up to its length: one that does not fit writes nothing and says so. */
static void
expect_cut(uint16_t code, const char *reason)
{
	int full = write_full(sizeof(buf), code, reason);

	cr_assert_gt(full, 0);
	for (uint32_t cap = 0; cap <= (uint32_t)full; cap++) {
		memset(buf, 0x5a, sizeof(buf));
		cr_assert_eq(write_full(cap, code, reason), cap == (uint32_t)full ? full : -1,
		             "cap %u", cap);
		for (uint32_t i = cap; i < sizeof(buf); i++)
			cr_assert_eq(buf[i], 0x5a, "wrote past cap %u at %u", cap, i);
	}
}

Test(write, bounded_every_cut)
{
	cr_assert_eq(sip_parse(invite, sizeof(invite) - 1, &req), 0);
	expect_cut(200, NULL); /* a ready status line */
	expect_cut(299, NULL); /* composed */
	expect_cut(200, "Fine");
}
