/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NG protocol's pieces without an engine: request decoding and flag normalisation
 * (ng_req.c), the cookie cache (ng_cookie.c), the SDP rewrite for offer, answer and re-offer
 * (ng_sdp.c). The protocol against a running engine, media included, is tests/rig/test_ng*.sh.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "ng_int.h"

static struct dpv_benc_node nodes[NG_MAX_NODES];

static int
parse(const char *s, struct ng_req *r, char *why)
{
	return ng_req_parse(s, (uint32_t)strlen(s), nodes, r, why, 160);
}

static bool
eq(struct dpv_str s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

Test(ng_req, offer_keys_with_either_spelling)
{
	struct ng_req r;
	char why[160];

	cr_assert_eq(parse("d7:command5:offer7:call id3:abc8:from_tag2:ft3:sdp3:v=0"
	                   "10:via-branch2:b15:label6:callere",
	                   &r, why),
	             0, "%s", why);
	cr_assert_eq(r.cmd, NG_CMD_OFFER);
	cr_assert(eq(r.call_id, "abc"));
	cr_assert(eq(r.from_tag, "ft"));
	cr_assert(eq(r.sdp, "v=0"));
	cr_assert(eq(r.via_branch, "b1"));
	cr_assert(eq(r.label, "caller"));
	cr_assert_eq(r.to_tag.len, 0);
	cr_assert_eq(r.limit, -1);
}

Test(ng_req, flags_fold_case_hyphen_space_and_keep_unknown)
{
	struct ng_req r;
	char why[160];

	cr_assert_eq(parse("d7:command5:offer5:flagsl13:trust address18:sip-source_address"
	                   "13:STRICT-SOURCE13:port latching10:asymmetric5:fatal4:fast6:to-tag"
	                   "7:RTP/AVP8:wibble-x3:foo7:ICE=fooe7:replacel6:origin18:session "
	                   "connection5:othere8:supportsl10:load limite13:received-froml3:IP4"
	                   "10:198.18.0.2ee",
	                   &r, why),
	             0, "%s", why);
	cr_assert_eq(r.flags & ~0u, NG_F_TRUST_ADDRESS | NG_F_SIP_SOURCE | NG_F_STRICT_SOURCE |
	                                NG_F_PORT_LATCHING | NG_F_ASYMMETRIC | NG_F_FATAL |
	                                NG_F_FAST | NG_F_TO_TAG | NG_F_REPLACE_ORIGIN |
	                                NG_F_REPLACE_SESS_CONN | NG_F_LOAD_LIMIT);
	cr_assert(eq(r.transport, "RTP/AVP"));
	cr_assert_eq(r.received_from, 0xc6120002u);
	/* unknown ones are kept (for the log), never refused */
	cr_assert_eq(r.nb_unknown, 4);
	cr_assert(eq(r.unknown[0], "wibble-x"));
	cr_assert(eq(r.unknown[1], "foo"));
	cr_assert(eq(r.unknown[2], "ICE=foo"));
	cr_assert(eq(r.unknown[3], "other"));
}

Test(ng_req, rtpp_flags_string)
{
	struct ng_req r;
	char why[160];

	cr_assert_eq(parse("d7:command5:offer10:rtpp_flags82:replace-origin via-branch=z9 "
	                   "transport-protocol=RTP/AVP  delete-delay=7 ICE=removee",
	                   &r, why),
	             0, "%s", why);
	cr_assert_eq(r.flags, NG_F_REPLACE_ORIGIN | NG_F_ICE_REMOVE);
	cr_assert(eq(r.via_branch, "z9"));
	cr_assert(eq(r.transport, "RTP/AVP"));
	cr_assert(r.has_delete_delay);
	cr_assert_eq(r.delete_delay, 7);
	cr_assert_eq(r.nb_unknown, 0);
}

Test(ng_req, integers_as_integers_or_strings)
{
	struct ng_req r;
	char why[160];

	cr_assert_eq(parse("d7:command4:list5:limiti5e12:delete delay2:30e", &r, why), 0);
	cr_assert_eq(r.cmd, NG_CMD_LIST);
	cr_assert_eq(r.limit, 5);
	cr_assert(r.has_delete_delay);
	cr_assert_eq(r.delete_delay, 30);
}

Test(ng_req, every_malformation_has_a_reason)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
	    {"", "Could not decode bencode dictionary: empty message at offset 0"},
	    {"d7:command4:ping", "Could not decode bencode dictionary: truncated at offset 16"},
	    {"d7:command99:ping", "Could not decode bencode dictionary: string length beyond the "
	                          "message at offset 10"},
	    {"d1:ai99999999999999999999ee",
	     "Could not decode bencode dictionary: integer out of range at offset 4"},
	    {"d7:command4:pingeX", "Could not decode bencode dictionary: data after the message "
	                           "at offset 17"},
	    {"di1e4:pinge", "Could not decode bencode dictionary: dictionary key is not a string "
	                    "at offset 1"},
	    {"l7:commande", "Could not decode bencode dictionary: not a dictionary"},
	    {"d4:calldee", "Dictionary contains no key \"command\""},
	    {"d7:commandi1ee", "Dictionary contains no key \"command\""},
	};
	struct ng_req r;
	char why[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(parse(cases[i].in, &r, why), -1, "%s", cases[i].in);
		cr_assert_str_eq(why, cases[i].why, "%s", cases[i].in);
	}
}

Test(ng_req, nesting_deeper_than_the_limit)
{
	char buf[256], why[160];
	struct ng_req r;
	size_t n = 0;

	buf[n++] = 'd';
	memcpy(buf + n, "1:a", 3);
	n += 3;
	for (int i = 0; i < DPV_BENC_MAX_DEPTH + 2; i++)
		buf[n++] = 'l';
	for (int i = 0; i < DPV_BENC_MAX_DEPTH + 2; i++)
		buf[n++] = 'e';
	buf[n++] = 'e';
	buf[n] = '\0';
	cr_assert_eq(parse(buf, &r, why), -1);
	cr_assert(strstr(why, "nested too deep") != NULL, "%s", why);
}

Test(ng_req, command_names)
{
	static const char *const names[] = {"ping",  "offer", "answer",    "delete",
	                                    "query", "list",  "statistics"};
	struct ng_req r;
	char buf[64], why[160];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(buf, sizeof(buf), "d7:command%zu:%se", strlen(names[i]), names[i]);
		cr_assert_eq(parse(buf, &r, why), 0);
		cr_assert_eq(r.cmd, (enum ng_cmd)(NG_CMD_PING + i));
		cr_assert_str_eq(ng_cmd_name(r.cmd), names[i]);
	}
	cr_assert_eq(parse("d7:command15:start recordinge", &r, why), 0);
	cr_assert_eq(r.cmd, NG_CMD_UNKNOWN);
	cr_assert(eq(r.command, "start recording"));
}

/* ---- cookie cache ---- */

static struct dpv_str
k(const char *s)
{
	return dpv_cstr(s);
}

Test(ng_cookie, duplicate_gets_the_same_reply)
{
	struct ng_cookie_cache *c = ng_cookie_create(16, 30000);
	const char *rep = NULL;
	uint32_t len = 0;

	cr_assert_eq(ng_cookie_begin(c, k("1_1@a"), 1000, &rep, &len), NG_COOKIE_NEW);
	ng_cookie_done(c, k("1_1@a"), "1_1 d6:result2:oke", 18, 1000);
	cr_assert_eq(ng_cookie_begin(c, k("1_1@a"), 2000, &rep, &len), NG_COOKIE_DONE);
	cr_assert_eq(len, 18);
	cr_assert_eq(memcmp(rep, "1_1 d6:result2:oke", 18), 0);
	/* the same cookie from another source is another request */
	cr_assert_eq(ng_cookie_begin(c, k("1_1@b"), 2000, &rep, &len), NG_COOKIE_NEW);
	cr_assert_eq(ng_cookie_count(c), 2);
	ng_cookie_destroy(c);
}

Test(ng_cookie, duplicate_in_flight_is_dropped)
{
	struct ng_cookie_cache *c = ng_cookie_create(16, 30000);
	const char *rep = NULL;
	uint32_t len = 0;

	cr_assert_eq(ng_cookie_begin(c, k("x"), 0, &rep, &len), NG_COOKIE_NEW);
	cr_assert_eq(ng_cookie_begin(c, k("x"), 5, &rep, &len), NG_COOKIE_IN_FLIGHT);
	cr_assert_eq(ng_cookie_begin(c, k("x"), 9, &rep, &len), NG_COOKIE_IN_FLIGHT);
	ng_cookie_done(c, k("x"), "r", 1, 10);
	cr_assert_eq(ng_cookie_begin(c, k("x"), 11, &rep, &len), NG_COOKIE_DONE);
	cr_assert_eq(len, 1);
	ng_cookie_destroy(c);
}

Test(ng_cookie, expiry_and_capacity)
{
	struct ng_cookie_cache *c = ng_cookie_create(3, 30000);
	const char *rep;
	uint32_t len;

	cr_assert_eq(ng_cookie_begin(c, k("a"), 0, &rep, &len), NG_COOKIE_NEW);
	ng_cookie_done(c, k("a"), "ra", 2, 0);
	cr_assert_eq(ng_cookie_begin(c, k("b"), 10000, &rep, &len), NG_COOKIE_NEW);
	ng_cookie_done(c, k("b"), "rb", 2, 10000);
	/* 29.999 s after "a": still there; at 30 s it is gone and runs again */
	cr_assert_eq(ng_cookie_begin(c, k("a"), 29999, &rep, &len), NG_COOKIE_DONE);
	cr_assert_eq(ng_cookie_expire(c, 30000), 1);
	cr_assert_eq(ng_cookie_count(c), 1);
	cr_assert_eq(ng_cookie_begin(c, k("a"), 30000, &rep, &len), NG_COOKIE_NEW);
	ng_cookie_done(c, k("a"), "ra", 2, 30000);
	/* full: the oldest ("b") makes room */
	cr_assert_eq(ng_cookie_begin(c, k("c"), 30001, &rep, &len), NG_COOKIE_NEW);
	cr_assert_eq(ng_cookie_begin(c, k("d"), 30002, &rep, &len), NG_COOKIE_NEW);
	cr_assert_eq(ng_cookie_count(c), 3);
	cr_assert_eq(ng_cookie_begin(c, k("b"), 30003, &rep, &len), NG_COOKIE_NEW);
	cr_assert_eq(ng_cookie_begin(c, k("d"), 30004, &rep, &len), NG_COOKIE_IN_FLIGHT);
	ng_cookie_destroy(c);
}

/* ---- SDP rewrite ---- */

static const char offer_sdp[] = "v=0\r\n"
                                "o=alice 2890844526 2890844526 IN IP4 198.18.0.2\r\n"
                                "s=-\r\n"
                                "c=IN IP4 198.18.0.2\r\n"
                                "t=0 0\r\n"
                                "m=audio 49170 RTP/AVP 0 8 101\r\n"
                                "a=rtpmap:101 telephone-event/8000\r\n"
                                "a=rtcp:49171\r\n"
                                "a=ice-ufrag:F7gI\r\n"
                                "a=candidate:1 1 UDP 2130706431 198.18.0.2 49170 typ host\r\n"
                                "a=sendrecv\r\n"
                                "m=video 51372 RTP/AVP 31\r\n"
                                "c=IN IP4 198.18.0.9/127\r\n"
                                "a=rtcp:51373 IN IP4 198.18.0.9\r\n"
                                "m=audio 0 RTP/AVP 0\r\n";

static const char *
rewrite(const char *in, const struct ng_sdp_rewrite *rw, char *out, uint32_t cap)
{
	struct rtp_sdp sdp;
	int n;

	cr_assert_eq(rtp_sdp_parse(in, strlen(in), &sdp), RTP_SDP_OK);
	n = ng_sdp_rewrite(in, (uint32_t)strlen(in), rw, out, cap);
	cr_assert_geq(n, 0);
	out[n] = '\0';
	return out;
}

Test(ng_sdp, offer_puts_the_engine_in_the_path)
{
	struct ng_sdp_rewrite rw = {.ip = 0xc6120001u, .nb_ports = 3, .ports = {25000, 25002, 0}};
	char out[2048];

	cr_assert_str_eq(rewrite(offer_sdp, &rw, out, sizeof(out)),
	                 "v=0\r\n"
	                 "o=alice 2890844526 2890844526 IN IP4 198.18.0.2\r\n"
	                 "s=-\r\n"
	                 "c=IN IP4 198.18.0.1\r\n"
	                 "t=0 0\r\n"
	                 "m=audio 25000 RTP/AVP 0 8 101\r\n"
	                 "a=rtpmap:101 telephone-event/8000\r\n"
	                 "a=rtcp:25001\r\n"
	                 "a=sendrecv\r\n"
	                 "m=video 25002 RTP/AVP 31\r\n"
	                 "c=IN IP4 198.18.0.1/127\r\n"
	                 "a=rtcp:25003 IN IP4 198.18.0.1\r\n"
	                 "m=audio 0 RTP/AVP 0\r\n");
}

Test(ng_sdp, replace_origin_and_line_ends_kept)
{
	static const char in[] = "v=0\n"
	                         "o=- 1 2 IN IP4 198.18.0.3\n"
	                         "s=-\n"
	                         "t=0 0\n"
	                         "m=audio 4000 RTP/AVP 8\n"
	                         "c=IN IP4 198.18.0.3\n"
	                         "a=rtcp-mux\n"
	                         "a=rtcp:4000\n"
	                         "a=sendonly";
	struct ng_sdp_rewrite rw = {
	    .ip = 0xc6120001u, .replace_origin = true, .nb_ports = 1, .ports = {26000}};
	char out[512];

	/* rtcp-mux: a=rtcp named the RTP port, so it names the engine's RTP port */
	cr_assert_str_eq(rewrite(in, &rw, out, sizeof(out)), "v=0\n"
	                                                     "o=- 1 2 IN IP4 198.18.0.1\n"
	                                                     "s=-\n"
	                                                     "t=0 0\n"
	                                                     "m=audio 26000 RTP/AVP 8\n"
	                                                     "c=IN IP4 198.18.0.1\n"
	                                                     "a=rtcp-mux\n"
	                                                     "a=rtcp:26000\n"
	                                                     "a=sendonly");
}

Test(ng_sdp, hold_address_stays)
{
	static const char in[] = "v=0\r\no=- 1 3 IN IP4 198.18.0.2\r\ns=-\r\nc=IN IP4 0.0.0.0\r\n"
	                         "t=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=inactive\r\n";
	struct ng_sdp_rewrite rw = {.ip = 0xc6120001u, .nb_ports = 1, .ports = {25000}};
	char out[512];

	/* a re-offer on hold keeps its port (the caller passes the same one) and its 0.0.0.0 */
	cr_assert_str_eq(rewrite(in, &rw, out, sizeof(out)),
	                 "v=0\r\no=- 1 3 IN IP4 198.18.0.2\r\ns=-\r\nc=IN IP4 0.0.0.0\r\n"
	                 "t=0 0\r\nm=audio 25000 RTP/AVP 0\r\na=inactive\r\n");
}

Test(ng_sdp, too_small_a_buffer_is_an_error_not_an_overrun)
{
	struct ng_sdp_rewrite rw = {.ip = 0xc6120001u, .nb_ports = 1, .ports = {25000}};
	char out[64 + 8];

	memset(out, 0x5a, sizeof(out));
	cr_assert_eq(ng_sdp_rewrite(offer_sdp, (uint32_t)strlen(offer_sdp), &rw, out, 64), -1);
	for (size_t i = 64; i < sizeof(out); i++)
		cr_assert_eq((unsigned char)out[i], 0x5a);
}
