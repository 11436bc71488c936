/* SPDX-License-Identifier: BSD-3-Clause */
/* SDP: parse real offers field by field, negotiate, and write exact answers. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "rtp.h"
#include "sdp_int.h"
#include "sdp_diff.h"

#define LOCAL_IP 0xC6120001u /* 198.18.0.1 */
#define CRLF     "\r\n"

static struct rtp_sdp sdp;
static struct rtp_sdp_neg neg;

static void
expect_str(struct dpv_str s, const char *want)
{
	cr_expect_eq(s.len, strlen(want), "length %u, want \"%s\" got \"%.*s\"", s.len, want,
	             (int)s.len, s.p);
	cr_expect(s.len == strlen(want) && memcmp(s.p, want, s.len) == 0,
	          "want \"%s\" got \"%.*s\"", want, (int)s.len, s.p);
}

/* Parse from a heap copy of exactly the body's size, so ASan sees any over-read. */
static enum rtp_sdp_err
parse_exact(const char *text, size_t len, struct rtp_sdp *out, char **keep)
{
	char *copy = malloc(len ? len : 1);
	enum rtp_sdp_err e;

	cr_assert_not_null(copy);
	memcpy(copy, text, len);
	e = rtp_sdp_parse(copy, len, out);
	*keep = copy;
	return e;
}

static enum rtp_sdp_err
parse(const char *text)
{
	return rtp_sdp_parse(text, strlen(text), &sdp);
}

static void
expect_answer(const char *want)
{
	char buf[2048];
	int n = rtp_sdp_write_answer(buf, sizeof(buf), &sdp, &neg, LOCAL_IP, 30000, 42, 43);

	cr_assert_gt(n, 0);
	cr_expect_eq((size_t)n, strlen(want), "length %d want %zu:\n%s", n, strlen(want), buf);
	cr_expect_str_eq(buf, want);
}

/* SIPp's built-in uac scenario, as sent. */
static const char sipp_offer[] = "v=0" CRLF "o=user1 53655765 2353687637 IN IP4 198.18.0.2" CRLF
                                 "s=-" CRLF "c=IN IP4 198.18.0.2" CRLF "t=0 0" CRLF
                                 "m=audio 6000 RTP/AVP 0" CRLF "a=rtpmap:0 PCMU/8000" CRLF;

Test(sdp, sipp_default_offer)
{
	cr_assert_eq(parse(sipp_offer), RTP_SDP_OK);
	expect_str(sdp.o_user, "user1");
	expect_str(sdp.o_sess_id, "53655765");
	expect_str(sdp.o_sess_version, "2353687637");
	expect_str(sdp.o_addr, "198.18.0.2");
	expect_str(sdp.session_name, "-");
	expect_str(sdp.timing, "0 0");
	cr_expect_eq(sdp.conn.af, RTP_SDP_AF_IP4);
	cr_expect_eq(sdp.conn.ip4, 0xC6120002u);
	expect_str(sdp.conn.addr, "198.18.0.2");
	cr_expect_eq(sdp.dir, RTP_DIR_UNSET);
	cr_assert_eq(sdp.nb_media, 1);
	const struct rtp_sdp_media *m = &sdp.media[0];
	expect_str(m->type, "audio");
	expect_str(m->proto, "RTP/AVP");
	expect_str(m->fmts, "0");
	cr_expect_eq(m->port, 6000);
	cr_expect(m->rtp_avp);
	cr_expect_eq(m->nb_pts, 1);
	cr_expect_eq(m->pts[0], 0);
	cr_expect_eq(m->nb_rtpmap, 1);
	cr_expect_eq(m->rtpmap[0].pt, 0);
	expect_str(m->rtpmap[0].name, "PCMU");
	cr_expect_eq(m->rtpmap[0].clock, 8000);
	cr_expect_eq(m->rtpmap[0].channels, 0);
	cr_expect_eq(m->conn.af, RTP_SDP_AF_NONE);
	cr_expect_eq(m->line, 6);

	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	cr_expect_eq(neg.media, 0);
	cr_expect_eq(neg.pt, 0);
	cr_expect_eq(neg.codec, RTP_PT_PCMU);
	cr_expect_eq(neg.te_pt, -1);
	cr_expect_eq(neg.remote_ip, 0xC6120002u);
	cr_expect_eq(neg.remote_port, 6000);
	cr_expect_eq(neg.remote_rtcp_port, 6001);
	cr_expect_eq(neg.ptime, 0);
	cr_expect_eq(neg.offer_dir, RTP_DIR_SENDRECV);
	cr_expect_eq(neg.answer_dir, RTP_DIR_SENDRECV);
	cr_expect_not(neg.hold);
	expect_answer("v=0" CRLF "o=dpvoip 42 43 IN IP4 198.18.0.1" CRLF "s=dpvoip" CRLF
	              "c=IN IP4 198.18.0.1" CRLF "t=0 0" CRLF "m=audio 30000 RTP/AVP 0" CRLF
	              "a=rtpmap:0 PCMU/8000" CRLF "a=ptime:20" CRLF "a=sendrecv" CRLF);
}

/* A pjsip-style softphone: opus first, G722, PCMA before PCMU, two telephone-events, video. */
static const char softphone_offer[] = "v=0\r\n"
                                      "o=- 3906538213 3906538214 IN IP4 198.18.0.20\r\n"
                                      "s=pjmedia\r\n"
                                      "b=AS:84\r\n"
                                      "t=0 0\r\n"
                                      "a=X-nat:0\r\n"
                                      "m=audio 4000 RTP/AVP 96 9 8 0 102 101\r\n"
                                      "c=IN IP4 198.18.0.21\r\n"
                                      "b=TIAS:64000\r\n"
                                      "a=rtcp:4005 IN IP4 198.18.0.21\r\n"
                                      "a=sendrecv\r\n"
                                      "a=rtpmap:96 opus/48000/2\r\n"
                                      "a=fmtp:96 useinbandfec=1\r\n"
                                      "a=rtpmap:9 G722/8000\r\n"
                                      "a=rtpmap:8 PCMA/8000\r\n"
                                      "a=rtpmap:0 PCMU/8000\r\n"
                                      "a=rtpmap:102 telephone-event/48000\r\n"
                                      "a=fmtp:102 0-16\r\n"
                                      "a=rtpmap:101 telephone-event/8000\r\n"
                                      "a=fmtp:101 0-16\r\n"
                                      "a=ptime:30\r\n"
                                      "a=ssrc:1234 cname:abc\r\n"
                                      "m=video 4002 RTP/AVP 97 98\r\n"
                                      "c=IN IP4 198.18.0.21\r\n"
                                      "a=rtpmap:97 H264/90000\r\n"
                                      "a=fmtp:97 profile-level-id=42e01f\r\n";

Test(sdp, softphone_offer)
{
	cr_assert_eq(parse(softphone_offer), RTP_SDP_OK);
	expect_str(sdp.o_user, "-");
	expect_str(sdp.o_sess_version, "3906538214");
	expect_str(sdp.session_name, "pjmedia");
	cr_expect_eq(sdp.conn.af, RTP_SDP_AF_NONE);
	cr_assert_eq(sdp.nb_media, 2);
	const struct rtp_sdp_media *m = &sdp.media[0];
	cr_expect_eq(m->nb_pts, 6);
	uint8_t pts[] = {96, 9, 8, 0, 102, 101};
	cr_expect_arr_eq(m->pts, pts, sizeof(pts));
	expect_str(m->fmts, "96 9 8 0 102 101");
	cr_expect_eq(m->conn.ip4, 0xC6120015u);
	cr_expect_eq(m->rtcp_port, 4005);
	cr_expect_eq(m->rtcp_conn.ip4, 0xC6120015u);
	cr_expect_eq(m->dir, RTP_DIR_SENDRECV);
	cr_expect_eq(m->ptime, 30);
	cr_assert_eq(m->nb_rtpmap, 6);
	expect_str(m->rtpmap[0].name, "opus");
	cr_expect_eq(m->rtpmap[0].clock, 48000);
	cr_expect_eq(m->rtpmap[0].channels, 2);
	expect_str(m->rtpmap[0].fmtp, "useinbandfec=1");
	cr_expect_eq(m->rtpmap[5].pt, 101);
	expect_str(m->rtpmap[5].fmtp, "0-16");
	const struct rtp_sdp_media *v = &sdp.media[1];
	expect_str(v->type, "video");
	cr_expect_eq(v->port, 4002);
	expect_str(v->fmts, "97 98");
	cr_expect_eq(v->line, 23);

	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	cr_expect_eq(neg.media, 0);
	cr_expect_eq(neg.pt, 8);
	cr_expect_eq(neg.codec, RTP_PT_PCMA);
	cr_expect_eq(neg.te_pt, 101); /* the 8000 Hz one, not 102 */
	expect_str(neg.te_fmtp, "0-16");
	cr_expect_eq(neg.remote_ip, 0xC6120015u);
	cr_expect_eq(neg.remote_port, 4000);
	cr_expect_eq(neg.remote_rtcp_port, 4005);
	cr_expect_eq(neg.ptime, 30);
	expect_answer("v=0\r\n"
	              "o=dpvoip 42 43 IN IP4 198.18.0.1\r\n"
	              "s=dpvoip\r\n"
	              "c=IN IP4 198.18.0.1\r\n"
	              "t=0 0\r\n"
	              "m=audio 30000 RTP/AVP 8 101\r\n"
	              "a=rtpmap:8 PCMA/8000\r\n"
	              "a=rtpmap:101 telephone-event/8000\r\n"
	              "a=fmtp:101 0-16\r\n"
	              "a=ptime:20\r\n"
	              "a=sendrecv\r\n"
	              "m=video 0 RTP/AVP 97 98\r\n");
}

Test(sdp, static_pts_without_rtpmap_lf_endings_and_dynamic_pcmu)
{
	/* LF only, no trailing newline, static pts without rtpmap, t= kept in the answer. */
	cr_assert_eq(parse("v=0\no=a 1 2 IN IP4 198.18.0.9\ns=x\nc=IN IP4 198.18.0.9/127\n"
	                   "t=3034423619 0\nm=audio 7078 RTP/AVP 3 8 0"),
	             RTP_SDP_OK);
	cr_expect_eq(sdp.conn.ip4, 0xC6120009u);
	expect_str(sdp.conn.addr, "198.18.0.9");
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	cr_expect_eq(neg.pt, 8);
	cr_expect_eq(neg.codec, RTP_PT_PCMA);
	expect_answer(
	    "v=0\r\no=dpvoip 42 43 IN IP4 198.18.0.1\r\ns=dpvoip\r\nc=IN IP4 198.18.0.1\r\n"
	    "t=3034423619 0\r\nm=audio 30000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
	    "a=ptime:20\r\na=sendrecv\r\n");

	/* PCMU on a dynamic pt; pt 0 remapped to something else is not PCMU; fmtp before rtpmap. */
	cr_assert_eq(parse("v=0\r\no=a 1 2 IN IP4 198.18.0.9\r\ns=x\r\nc=IN IP4 198.18.0.9\r\n"
	                   "t=0 0\r\nm=audio 7078 RTP/AVP 0 97 100\r\na=rtpmap:0 L16/8000\r\n"
	                   "a=fmtp:100 0-11\r\na=rtpmap:97 pcmu/8000/1\r\n"
	                   "a=rtpmap:100 TELEPHONE-EVENT/8000\r\n"),
	             RTP_SDP_OK);
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	cr_expect_eq(neg.pt, 97);
	cr_expect_eq(neg.codec, RTP_PT_PCMU);
	cr_expect_eq(neg.te_pt, 100);
	expect_str(neg.te_fmtp, "0-11");
	expect_answer(
	    "v=0\r\no=dpvoip 42 43 IN IP4 198.18.0.1\r\ns=dpvoip\r\nc=IN IP4 198.18.0.1\r\n"
	    "t=0 0\r\nm=audio 30000 RTP/AVP 97 100\r\na=rtpmap:97 PCMU/8000\r\n"
	    "a=rtpmap:100 telephone-event/8000\r\na=fmtp:100 0-11\r\n"
	    "a=ptime:20\r\na=sendrecv\r\n");
}

static const char hold_head[] = "v=0\r\no=a 1 2 IN IP4 198.18.0.9\r\ns=x\r\n";

static void
hold_case(const char *conn, const char *sess_attr, const char *media_attr, enum rtp_dir offer,
          enum rtp_dir answer, uint32_t ip, bool hold)
{
	char text[512];

	snprintf(text, sizeof(text), "%s%s\r\nt=0 0\r\n%sm=audio 5000 RTP/AVP 0\r\n%s", hold_head,
	         conn, sess_attr, media_attr);
	cr_assert_eq(parse(text), RTP_SDP_OK, "%s", text);
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	cr_expect_eq(neg.offer_dir, offer, "%s", text);
	cr_expect_eq(neg.answer_dir, answer, "%s", text);
	cr_expect_eq(neg.remote_ip, ip, "%s", text);
	cr_expect_eq(neg.hold, hold, "%s", text);
}

Test(sdp, directions_and_hold)
{
	const uint32_t ip = 0xC6120009u;

	hold_case("c=IN IP4 198.18.0.9", "", "", RTP_DIR_SENDRECV, RTP_DIR_SENDRECV, ip, false);
	hold_case("c=IN IP4 198.18.0.9", "", "a=sendonly\r\n", RTP_DIR_SENDONLY, RTP_DIR_RECVONLY,
	          ip, true);
	hold_case("c=IN IP4 198.18.0.9", "", "a=recvonly\r\n", RTP_DIR_RECVONLY, RTP_DIR_SENDONLY,
	          ip, false);
	hold_case("c=IN IP4 198.18.0.9", "", "a=inactive\r\n", RTP_DIR_INACTIVE, RTP_DIR_INACTIVE,
	          ip, true);
	/* Session level applies unless the media level says otherwise. */
	hold_case("c=IN IP4 198.18.0.9", "a=sendonly\r\n", "", RTP_DIR_SENDONLY, RTP_DIR_RECVONLY,
	          ip, true);
	hold_case("c=IN IP4 198.18.0.9", "a=inactive\r\n", "a=sendrecv\r\n", RTP_DIR_SENDRECV,
	          RTP_DIR_SENDRECV, ip, false);
	/* RFC 2543 hold: c=0.0.0.0. */
	hold_case("c=IN IP4 0.0.0.0", "", "", RTP_DIR_SENDONLY, RTP_DIR_RECVONLY, 0, true);
	hold_case("c=IN IP4 0.0.0.0", "", "a=sendonly\r\n", RTP_DIR_SENDONLY, RTP_DIR_RECVONLY, 0,
	          true);
	hold_case("c=IN IP4 0.0.0.0", "", "a=recvonly\r\n", RTP_DIR_INACTIVE, RTP_DIR_INACTIVE, 0,
	          true);

	/* The exact answer to a sendonly hold. */
	hold_case("c=IN IP4 198.18.0.9", "", "a=sendonly\r\n", RTP_DIR_SENDONLY, RTP_DIR_RECVONLY,
	          ip, true);
	expect_answer(
	    "v=0\r\no=dpvoip 42 43 IN IP4 198.18.0.1\r\ns=dpvoip\r\nc=IN IP4 198.18.0.1\r\n"
	    "t=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	    "a=ptime:20\r\na=recvonly\r\n");
}

Test(sdp, ipv6_parsed_but_unsupported)
{
	cr_assert_eq(parse("v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\n"
	                   "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"),
	             RTP_SDP_OK);
	cr_expect_eq(sdp.conn.af, RTP_SDP_AF_IP6);
	expect_str(sdp.conn.addr, "2001:db8::1");
	cr_expect_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_E_IP6);
	cr_expect_str_eq(rtp_sdp_strerror(RTP_SDP_E_IP6), "IPv6 media unsupported");

	/* A media-level IPv4 c= overrides the session's IPv6 one. */
	cr_assert_eq(parse("v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\n"
	                   "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\nc=IN IP4 198.18.0.7\r\n"),
	             RTP_SDP_OK);
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	cr_expect_eq(neg.remote_ip, 0xC6120007u);
}

Test(sdp, host_name_parsed_but_unsupported)
{
	cr_assert_eq(parse("v=0\r\no=alice 1 1 IN IP4 host.example.com\r\ns=\r\n"
	                   "c=IN IP4 host.example.com\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"),
	             RTP_SDP_OK);
	cr_expect_eq(sdp.conn.af, RTP_SDP_AF_IP4);
	cr_expect(sdp.conn.host_name);
	cr_expect_eq(sdp.conn.ip4, 0);
	expect_str(sdp.conn.addr, "host.example.com");
	expect_str(sdp.session_name, "");
	cr_expect_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_E_HOST_NAME);
}

Test(sdp, streams_answered_in_order)
{
	/* A disabled audio line, then SRTP audio, then the plain audio we take, then video. */
	cr_assert_eq(parse("v=0\r\no=- 1 1 IN IP4 198.18.0.7\r\ns=-\r\nc=IN IP4 198.18.0.7\r\n"
	                   "t=0 0\r\n"
	                   "m=audio 0 RTP/AVP 0\r\n"
	                   "m=audio 5002 RTP/SAVP 0 8\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 x\r\n"
	                   "m=audio 5004 RTP/AVP 18 0\r\n"
	                   "m=video 5006 UDP/TLS/RTP/SAVPF 100 101\r\n"
	                   "a=rtpmap:100 VP8/90000\r\n"),
	             RTP_SDP_OK);
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	cr_expect_eq(neg.media, 2);
	cr_expect_eq(neg.pt, 0);
	cr_expect_eq(neg.remote_port, 5004);
	expect_answer(
	    "v=0\r\no=dpvoip 42 43 IN IP4 198.18.0.1\r\ns=dpvoip\r\nc=IN IP4 198.18.0.1\r\n"
	    "t=0 0\r\n"
	    "m=audio 0 RTP/AVP 0\r\n"
	    "m=audio 0 RTP/SAVP 0 8\r\n"
	    "m=audio 30000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n"
	    "m=video 0 UDP/TLS/RTP/SAVPF 100 101\r\n");
}

Test(sdp, negotiation_errors)
{
	cr_assert_eq(parse("v=0\r\no=- 1 1 IN IP4 198.18.0.7\r\ns=-\r\nc=IN IP4 198.18.0.7\r\n"
	                   "t=0 0\r\nm=audio 5000 RTP/AVP 18 3 96\r\na=rtpmap:96 opus/48000/2\r\n"),
	             RTP_SDP_OK);
	cr_expect_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_E_NO_CODEC);
	/* PCMU at 16 kHz is not our PCMU. */
	cr_assert_eq(parse("v=0\r\no=- 1 1 IN IP4 198.18.0.7\r\ns=-\r\nc=IN IP4 198.18.0.7\r\n"
	                   "t=0 0\r\nm=audio 5000 RTP/AVP 96\r\na=rtpmap:96 PCMU/16000\r\n"),
	             RTP_SDP_OK);
	cr_expect_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_E_NO_CODEC);
	cr_assert_eq(parse("v=0\r\no=- 1 1 IN IP4 198.18.0.7\r\ns=-\r\nc=IN IP4 198.18.0.7\r\n"
	                   "t=0 0\r\nm=video 5000 RTP/AVP 96\r\nm=audio 0 RTP/AVP 0\r\n"),
	             RTP_SDP_OK);
	cr_expect_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_E_NO_AUDIO);
	cr_assert_eq(parse("v=0\r\no=- 1 1 IN IP4 198.18.0.7\r\ns=-\r\nt=0 0\r\n"), RTP_SDP_OK);
	cr_expect_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_E_NO_AUDIO);
	cr_assert_eq(parse("v=0\r\no=- 1 1 IN IP4 198.18.0.7\r\ns=-\r\nt=0 0\r\n"
	                   "m=audio 5000 RTP/AVP 0\r\n"),
	             RTP_SDP_OK);
	cr_expect_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_E_MISSING_CONN);
}

static void
expect_parse_error(const char *text, enum rtp_sdp_err e, unsigned line)
{
	cr_expect_eq(parse(text), e, "got %s for:\n%s", rtp_sdp_strerror(parse(text)), text);
	cr_expect_eq(sdp.err_line, line, "line %u for:\n%s", sdp.err_line, text);
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 198.18.0.7\r\ns=-\r\nc=IN IP4 198.18.0.7\r\nt=0 0\r\n"

Test(sdp, parse_errors)
{
	cr_expect_eq(rtp_sdp_parse(NULL, 0, &sdp), RTP_SDP_E_EMPTY);
	cr_expect_eq(rtp_sdp_parse("v=0", 0, &sdp), RTP_SDP_E_EMPTY);
	expect_parse_error("hello world\r\n", RTP_SDP_E_BAD_VERSION, 1);
	expect_parse_error("\r\n\r\n", RTP_SDP_E_BAD_VERSION, 0);
	expect_parse_error("v=1\r\n", RTP_SDP_E_BAD_VERSION, 1);
	expect_parse_error("v=0\r\nv=0\r\n", RTP_SDP_E_BAD_VERSION, 2);
	expect_parse_error("v=0\r\nxyz\r\n", RTP_SDP_E_MALFORMED_LINE, 2);
	expect_parse_error("v=0\r\nA=b\r\n", RTP_SDP_E_MALFORMED_LINE, 2);
	expect_parse_error("v=0\r\no=- 1 1 IN IP4 1.2.3.4\rs=-\r\n", RTP_SDP_E_MALFORMED_LINE, 2);
	expect_parse_error("v=0\r\no=- 1 1 IN IP4\r\n", RTP_SDP_E_BAD_ORIGIN, 2);
	expect_parse_error("v=0\r\no=- 1 1 IN IP4 a b\r\n", RTP_SDP_E_BAD_ORIGIN, 2);
	expect_parse_error("v=0\r\ns=-\r\nt=0 0\r\n", RTP_SDP_E_BAD_ORIGIN, 0);
	expect_parse_error("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nt=0 0\r\n", RTP_SDP_E_NO_SESSION_NAME,
	                   0);
	expect_parse_error("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n",
	                   RTP_SDP_E_NO_SESSION_NAME, 3);
	expect_parse_error(HEAD "c=IN IP4 198.18.0.256\r\n", RTP_SDP_E_BAD_CONNECTION, 6);
	expect_parse_error(HEAD "c=IN IP4 198.18.0\r\n", RTP_SDP_E_BAD_CONNECTION, 6);
	expect_parse_error(HEAD "c=IN IP4 198.18.0.1.2\r\n", RTP_SDP_E_BAD_CONNECTION, 6);
	expect_parse_error(HEAD "c=IN IP4 host_1.example.com\r\n", RTP_SDP_E_BAD_CONNECTION, 6);
	expect_parse_error(HEAD "c=ATM NSAP 47.0005\r\n", RTP_SDP_E_BAD_CONNECTION, 6);
	expect_parse_error(HEAD "c=IN IP4\r\n", RTP_SDP_E_BAD_CONNECTION, 6);
	expect_parse_error(HEAD "m=audio 70000 RTP/AVP 0\r\n", RTP_SDP_E_BAD_PORT, 6);
	expect_parse_error(HEAD "m=audio -1 RTP/AVP 0\r\n", RTP_SDP_E_BAD_PORT, 6);
	expect_parse_error(HEAD "m=audio 5000/x RTP/AVP 0\r\n", RTP_SDP_E_BAD_PORT, 6);
	expect_parse_error(HEAD "m=audio 5000 RTP/AVP\r\n", RTP_SDP_E_BAD_MEDIA, 6);
	expect_parse_error(HEAD "m=audio 5000 RTP/AVP 0 128\r\n", RTP_SDP_E_BAD_MEDIA, 6);
	expect_parse_error(HEAD "m=audio 5000 RTP/AVP 0 PCMU\r\n", RTP_SDP_E_BAD_MEDIA, 6);
	expect_parse_error(HEAD "m=audio 5000 RTP/AVP 0\r\na=rtpmap:200 PCMU/8000\r\n",
	                   RTP_SDP_E_BAD_ATTR, 7);
	expect_parse_error(HEAD "m=audio 5000 RTP/AVP 0\r\na=fmtp:x 0-15\r\n", RTP_SDP_E_BAD_ATTR,
	                   7);
	expect_parse_error(HEAD "m=audio 5000 RTP/AVP 0\r\na=ptime:0\r\n", RTP_SDP_E_BAD_ATTR, 7);
	expect_parse_error(HEAD "m=audio 5000 RTP/AVP 0\r\na=rtcp:0\r\n", RTP_SDP_E_BAD_PORT, 7);
	expect_parse_error(HEAD "m=audio 5000 RTP/AVP 0\r\na=rtcp:5001 IN IP4 x_y\r\n",
	                   RTP_SDP_E_BAD_ATTR, 7);
	expect_parse_error(HEAD "m=audio 5000 RTP/AVP 0\r\no=- 1 1 IN IP4 198.18.0.7\r\n",
	                   RTP_SDP_E_BAD_ORIGIN, 7);
	/* A bad payload type number on an audio stream cannot be tied to a format: an error. */
	expect_parse_error(HEAD "m=audio 5000 RTP/AVP 0\r\na=rtpmap:x PCMU/8000\r\n",
	                   RTP_SDP_E_BAD_ATTR, 7);
	/* Unknown attributes and line types pass; so do bad ones on streams we never take. */
	cr_expect_eq(parse(HEAD "z=0 0\r\nk=clear:x\r\nm=video 5000 RTP/SAVP 0\r\n"
	                        "a=rtpmap:zz\r\na=x-anything\r\n"),
	             RTP_SDP_OK);
}

/* A malformed rtpmap fails the offer only when it is for a payload type we would choose. */
Test(sdp, malformed_rtpmap_only_matters_when_chosen)
{
	static const char *const chosen[] = {"a=rtpmap:0\r\n", "a=rtpmap:0 PCMU\r\n",
	                                     "a=rtpmap:0 PCMU/0\r\n", "a=rtpmap:0 PCMU/8000/0\r\n"};
	struct rtp_sdp_neg neg;
	char text[512];

	for (unsigned i = 0; i < sizeof(chosen) / sizeof(chosen[0]); i++) {
		snprintf(text, sizeof(text), HEAD "m=audio 5000 RTP/AVP 0\r\n%s", chosen[i]);
		cr_assert_eq(parse(text), RTP_SDP_OK, "%s", text);
		cr_expect_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_E_BAD_ATTR, "%s", text);
	}
	/* RFC 4475 esc01/baddate: "a=rtpmap:31 LPC" (no clock rate) on the video stream */
	cr_assert_eq(parse(HEAD "m=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\n"
	                        "a=rtpmap:31 LPC\r\n"),
	             RTP_SDP_OK);
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	cr_expect_eq(neg.pt, 0);
	cr_expect_eq(neg.media, 0);
	/* on the audio stream, for a payload type listed before ours that we would not take */
	cr_assert_eq(parse(HEAD "m=audio 5000 RTP/AVP 31 96 8\r\na=rtpmap:31 LPC\r\n"
	                        "a=rtpmap:96 telephone-event\r\n"),
	             RTP_SDP_OK);
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	cr_expect_eq(neg.pt, 8);
	cr_expect_eq(neg.te_pt, -1); /* its rtpmap is malformed: no telephone-event */
	/* malformed, then a well-formed line for the same type: the last one counts */
	cr_assert_eq(parse(HEAD "m=audio 5000 RTP/AVP 8\r\na=rtpmap:8 PCMA\r\n"
	                        "a=rtpmap:8 PCMA/8000\r\n"),
	             RTP_SDP_OK);
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	cr_expect_eq(neg.pt, 8);
	/* a bad type number off the audio streams is ignored */
	cr_expect_eq(parse(HEAD "m=audio 5000 RTP/AVP 0\r\nm=video 5002 RTP/AVP 96\r\n"
	                        "a=rtpmap:x H264/90000\r\n"),
	             RTP_SDP_OK);
}

Test(sdp, truncated_offers)
{
	const size_t full = strlen(sipp_offer);
	size_t cut;

	/* Cut inside "m=audio 6000 RTP/AVP 0": every prefix gives a named error, no crash. */
	cr_expect_eq(rtp_sdp_parse(sipp_offer, full - 22, &sdp), RTP_SDP_OK); /* before a= */
	cr_expect_eq(
	    rtp_sdp_parse(sipp_offer, strstr(sipp_offer, "RTP/AVP") + 5 - sipp_offer, &sdp),
	    RTP_SDP_E_BAD_MEDIA); /* "m=audio 6000 RTP/A" */
	cr_expect_eq(rtp_sdp_parse(sipp_offer, strstr(sipp_offer, "m=") + 10 - sipp_offer, &sdp),
	             RTP_SDP_E_BAD_MEDIA); /* "m=audio 60" */
	cr_assert_eq(rtp_sdp_parse(sipp_offer, strstr(sipp_offer, "c=") - sipp_offer, &sdp),
	             RTP_SDP_OK);
	cr_expect_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_E_NO_AUDIO);
	cr_expect_eq(rtp_sdp_parse(sipp_offer, strstr(sipp_offer, "o=") + 20 - sipp_offer, &sdp),
	             RTP_SDP_E_BAD_ORIGIN);
	/* "RTP/A" with its fmt list cut off entirely. */
	cr_expect_eq(parse("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 6000 RTP/A"),
	             RTP_SDP_E_BAD_MEDIA);

	for (cut = 0; cut <= full; cut++) {
		char *keep;
		enum rtp_sdp_err e = parse_exact(sipp_offer, cut, &sdp, &keep);

		cr_expect(e < RTP_SDP_E_MAX);
		if (e == RTP_SDP_OK)
			rtp_sdp_negotiate(&sdp, &neg);
		free(keep);
	}
}

Test(sdp, over_long_and_too_many_media)
{
	static char big[RTP_SDP_MAX_LEN + 2];
	char text[1024];
	size_t n;

	n = (size_t)snprintf(big, sizeof(big), "%s", sipp_offer);
	memset(big + n, 'a', sizeof(big) - n);
	for (size_t i = n; i + 8 < sizeof(big); i += 8)
		memcpy(big + i, "a=x:yy\r\n", 8);
	cr_expect_eq(rtp_sdp_parse(big, RTP_SDP_MAX_LEN + 1, &sdp), RTP_SDP_E_TOO_LONG);
	cr_expect_eq(rtp_sdp_parse(big, n + 8 * ((RTP_SDP_MAX_LEN - n) / 8), &sdp), RTP_SDP_OK);

	n = (size_t)snprintf(text, sizeof(text), "%s", HEAD);
	for (int i = 0; i < RTP_SDP_MAX_MEDIA; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "m=audio %d RTP/AVP 0\r\n",
		                      5000 + 2 * i);
	cr_expect_eq(parse(text), RTP_SDP_OK);
	cr_expect_eq(sdp.nb_media, RTP_SDP_MAX_MEDIA);
	snprintf(text + n, sizeof(text) - n, "m=audio 6000 RTP/AVP 0\r\n");
	expect_parse_error(text, RTP_SDP_E_TOO_MANY_MEDIA, 6 + RTP_SDP_MAX_MEDIA);

	/* More payload types than kept: the first RTP_SDP_MAX_FMTS count, all are answered. */
	n = (size_t)snprintf(text, sizeof(text), "%sm=audio 5000 RTP/AVP", HEAD);
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " %d",
		                      9 + i); /* 9..48: none is 0 or 8 */
	snprintf(text + n, sizeof(text) - n, " 0\r\n");
	cr_assert_eq(parse(text), RTP_SDP_OK);
	cr_expect_eq(sdp.media[0].nb_pts, RTP_SDP_MAX_FMTS);
	cr_expect_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_E_NO_CODEC);
}

Test(sdp, fmtp_not_repeated_when_odd)
{
	cr_assert_eq(parse(HEAD
	                   "m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
	                   "a=fmtp:101 0-15;x=\"y\"\r\n"),
	             RTP_SDP_OK);
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	expect_answer(
	    "v=0\r\no=dpvoip 42 43 IN IP4 198.18.0.1\r\ns=dpvoip\r\nc=IN IP4 198.18.0.1\r\n"
	    "t=0 0\r\nm=audio 30000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\na=sendrecv\r\n");
}

Test(sdp, writers_are_bounded)
{
	char buf[1024];
	int n, len;

	cr_assert_eq(parse(softphone_offer), RTP_SDP_OK);
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	len = rtp_sdp_write_answer(buf, sizeof(buf), &sdp, &neg, LOCAL_IP, 30000, 1, 1);
	cr_assert_gt(len, 0);
	for (size_t cap = 0; cap <= (size_t)len; cap++) {
		char *small = malloc(cap ? cap : 1);

		n = rtp_sdp_write_answer(small, cap, &sdp, &neg, LOCAL_IP, 30000, 1, 1);
		cr_expect_eq(n, -1, "cap %zu", cap);
		free(small);
	}
	char *exact = malloc((size_t)len + 1);
	cr_expect_eq(
	    rtp_sdp_write_answer(exact, (size_t)len + 1, &sdp, &neg, LOCAL_IP, 30000, 1, 1), len);
	cr_expect_str_eq(exact, buf);
	free(exact);

	/* A negotiation result that does not belong to the offer is refused. */
	struct rtp_sdp_neg bad = neg;
	bad.media = 5;
	cr_expect_eq(rtp_sdp_write_answer(buf, sizeof(buf), &sdp, &bad, LOCAL_IP, 1, 1, 1), -1);

	len = rtp_sdp_write_offer(buf, sizeof(buf), LOCAL_IP, 30002, 7, 8);
	cr_assert_gt(len, 0);
	for (size_t cap = 0; cap <= (size_t)len; cap++)
		cr_expect_eq(rtp_sdp_write_offer(buf, cap, LOCAL_IP, 30002, 7, 8), -1);
}

Test(sdp, offer_writer_and_round_trip)
{
	char buf[1024];
	int len = rtp_sdp_write_offer(buf, sizeof(buf), LOCAL_IP, 30002, 7, 8);

	cr_assert_gt(len, 0);
	cr_expect_str_eq(buf, "v=0\r\n"
	                      "o=dpvoip 7 8 IN IP4 198.18.0.1\r\n"
	                      "s=dpvoip\r\n"
	                      "c=IN IP4 198.18.0.1\r\n"
	                      "t=0 0\r\n"
	                      "m=audio 30002 RTP/AVP 0 8 101\r\n"
	                      "a=rtpmap:0 PCMU/8000\r\n"
	                      "a=rtpmap:8 PCMA/8000\r\n"
	                      "a=rtpmap:101 telephone-event/8000\r\n"
	                      "a=fmtp:101 0-16\r\n"
	                      "a=ptime:20\r\n"
	                      "a=sendrecv\r\n");
	/* Our own offer negotiates to PCMU + telephone-event. */
	cr_assert_eq(rtp_sdp_parse(buf, (size_t)len, &sdp), RTP_SDP_OK);
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	cr_expect_eq(neg.codec, RTP_PT_PCMU);
	cr_expect_eq(neg.te_pt, RTP_PT_TE);
	cr_expect_eq(neg.remote_ip, LOCAL_IP);
	cr_expect_eq(neg.remote_port, 30002);
	cr_expect_eq(neg.ptime, 20);
}

Test(sdp, strerror_names_every_error)
{
	for (int e = 0; e < RTP_SDP_E_MAX; e++) {
		cr_expect_not_null(rtp_sdp_strerror(e));
		cr_expect_str_neq(rtp_sdp_strerror(e), "unknown error", "%d", e);
	}
	cr_expect_str_eq(rtp_sdp_strerror(RTP_SDP_E_MALFORMED_LINE), "malformed line");
	cr_expect_str_eq(rtp_sdp_strerror(RTP_SDP_E_MAX), "unknown error");
}

/* ---- the janus-gateway SDP fuzz seeds: parse, negotiate, answer; nothing may crash ---- */

static unsigned
corpus_dir(const char *dir, unsigned *ok)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	cr_assert_not_null(d, "cannot open corpus directory %s", dir);
	while ((de = readdir(d)) != NULL) {
		char path[4096], *body, *keep, out[4096];
		struct stat st;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || S_ISDIR(st.st_mode)) {
			if (stat(path, &st) == 0)
				n += corpus_dir(path, ok);
			continue;
		}
		f = fopen(path, "rb");
		cr_assert_not_null(f, "cannot read %s", path);
		body = malloc((size_t)st.st_size + 1);
		cr_assert_not_null(body);
		cr_assert_eq(fread(body, 1, (size_t)st.st_size, f), (size_t)st.st_size);
		fclose(f);
		/* Whole file, then every prefix of the first KB (truncation at every byte). */
		for (size_t cut = 0; cut <= (size_t)st.st_size; cut++) {
			size_t len = cut == 0 ? (size_t)st.st_size : cut - 1;
			enum rtp_sdp_err e;

			if (cut > 1024)
				break;
			e = parse_exact(body, len, &sdp, &keep);
			cr_assert(e < RTP_SDP_E_MAX);
			if (e == RTP_SDP_OK && rtp_sdp_negotiate(&sdp, &neg) == RTP_SDP_OK) {
				cr_assert_gt(rtp_sdp_write_answer(out, sizeof(out), &sdp, &neg,
				                                  LOCAL_IP, 30000, 1, 1),
				             0);
			}
			if (cut == 0 && e == RTP_SDP_OK)
				(*ok)++;
			free(keep);
		}
		free(body);
		n++;
	}
	closedir(d);
	return n;
}

Test(sdp, janus_fuzz_corpus_no_crash)
{
	const char *root = getenv("DPV_CORPORA");
	char dir[4096];
	unsigned ok = 0, n;

	cr_assert_not_null(root,
	                   "DPV_CORPORA is not set (meson test sets it; see tests/meson.build)");
	snprintf(dir, sizeof(dir), "%s/fuzz/janus-gateway/sdp_fuzzer", root);
	n = corpus_dir(dir, &ok);
	/* 68 seeds are in the corpus (README.md there); the WebRTC ones parse cleanly. */
	cr_expect_geq(n, 68, "only %u seed files under %s", n, dir);
	cr_expect_geq(ok, 60, "only %u of %u seeds parsed", ok, n);
}

static enum rtp_sdp_err
corpus_file(const char *name, enum rtp_sdp_err *neg_err)
{
	const char *root = getenv("DPV_CORPORA");
	static char body[RTP_SDP_MAX_LEN];
	char path[4096];
	enum rtp_sdp_err e;
	size_t n;
	FILE *f;

	cr_assert_not_null(root, "DPV_CORPORA is not set");
	snprintf(path, sizeof(path), "%s/fuzz/janus-gateway/sdp_fuzzer/2webrtc/%s", root, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "missing corpus file %s", path);
	n = fread(body, 1, sizeof(body), f);
	fclose(f);
	e = rtp_sdp_parse(body, n, &sdp);
	*neg_err = e == RTP_SDP_OK ? rtp_sdp_negotiate(&sdp, &neg) : RTP_SDP_E_MAX;
	return e;
}

Test(sdp, janus_corpus_exact_outcomes)
{
	enum rtp_sdp_err ne;

	/* RFC 4317 example: host names in c=. */
	cr_expect_eq(corpus_file("10.sdp", &ne), RTP_SDP_OK);
	cr_expect_eq(ne, RTP_SDP_E_HOST_NAME);
	cr_expect_eq(sdp.media[0].port, 49170);
	/* iLBC only. */
	cr_expect_eq(corpus_file("48.sdp", &ne), RTP_SDP_OK);
	cr_expect_eq(ne, RTP_SDP_E_NO_CODEC);
	/* WebRTC: every stream is UDP/TLS/RTP/SAVPF. */
	cr_expect_eq(corpus_file("firefox-1.sdp", &ne), RTP_SDP_OK);
	cr_expect_eq(ne, RTP_SDP_E_NO_AUDIO);
	/* A fragment starting at m=. */
	cr_expect_eq(corpus_file("unittest-3.sdp", &ne), RTP_SDP_E_BAD_VERSION);
	cr_expect_eq(sdp.err_line, 1);
}

/* ---- the parser (SSE2 line scan) against its scalar twin ---- */

static struct rtp_sdp d_new, d_scalar, d_check;
static struct rtp_sdp_neg n_new, n_scalar;
static unsigned diff_cases;

/* @a body with controls and non-ASCII escaped, for a failure's message. */
static const char *
shown(const char *body, size_t len)
{
	static char out[4 * 600 + 8];
	size_t o = 0;

	for (size_t i = 0; i < len && i < 600; i++) {
		unsigned char c = (unsigned char)body[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

/*
 * Parse @a len bytes of @a text (from a heap copy of that size, so that a read past it is
 * caught under ASan) with the library's parser and its scalar twin: the same error, err_line
 * and fields, and when they parse, the same negotiation of each. Plain ifs: a million passing
 * cr_asserts would be slow.
 */
static void
diff_one(const char *text, size_t len, const char *what)
{
	char *body = malloc(len ? len : 1);
	enum rtp_sdp_err e_new, e_scalar, g_new, g_scalar;
	const char *d;

	cr_assert_not_null(body);
	memcpy(body, text, len);
	/* the same stale bytes in both, so that a field one parser leaves alone shows */
	memset(&d_new, 0xa5, sizeof(d_new));
	memset(&d_scalar, 0xa5, sizeof(d_scalar));
	e_new = rtp_sdp_parse(body, len, &d_new);
	e_scalar = rtp_sdp_parse_scalar(body, len, &d_scalar);
	if (e_new != e_scalar)
		cr_assert_fail("%s: error %d, scalar %d, for \"%s\"", what, e_new, e_scalar,
		               shown(body, len));
	if ((d = sdp_diff(&d_scalar, &d_new, body, len)) != NULL)
		cr_assert_fail("%s: %s differs (error %d, line %u / %u) for \"%s\"", what, d, e_new,
		               d_new.err_line, d_scalar.err_line, shown(body, len));
	if (e_new == RTP_SDP_OK) {
		g_new = rtp_sdp_negotiate(&d_new, &n_new);
		g_scalar = rtp_sdp_negotiate(&d_scalar, &n_scalar);
		if (g_new != g_scalar || (d = sdp_neg_diff(&n_scalar, &n_new, body, len)) != NULL)
			cr_assert_fail("%s: negotiation %d / %d differs (%s) for \"%s\"", what,
			               g_new, g_scalar, g_new != g_scalar ? "result" : d,
			               shown(body, len));
	}
	diff_cases++;
	free(body);
}

/* The whole of @a p[0..n), then every prefix of its first 1 KB. */
static void
diff_prefixes(const char *p, size_t n, const char *what)
{
	diff_one(p, n, what);
	for (size_t cut = 0; cut < n && cut <= 1024; cut++)
		diff_one(p, cut, what);
}

/* A file as a body, and when it holds a SIP message, the body after its blank line. */
static void
diff_file(const char *path)
{
	struct stat st;
	char *b, *sep;
	FILE *f;

	cr_assert_eq(stat(path, &st), 0, "%s", path);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot read %s", path);
	b = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(b);
	cr_assert_eq(fread(b, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	b[st.st_size] = '\0';
	diff_prefixes(b, (size_t)st.st_size, path);
	if ((sep = strstr(b, "\r\n\r\n")) != NULL)
		diff_prefixes(sep + 4, (size_t)st.st_size - (size_t)(sep + 4 - b), path);
	else if ((sep = strstr(b, "\n\n")) != NULL)
		diff_prefixes(sep + 2, (size_t)st.st_size - (size_t)(sep + 2 - b), path);
	free(b);
}

/* Every file under @a dir (recursively); @return how many. */
static unsigned
diff_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	cr_assert_not_null(d, "cannot open %s", dir);
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (de->d_name[0] == '.' || strncmp(de->d_name, "SHA256SUMS", 10) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		cr_assert_eq(stat(path, &st), 0, "%s", path);
		if (S_ISDIR(st.st_mode)) {
			n += diff_dir(path);
		} else {
			diff_file(path);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* Every body in the corpora: RFC 4475 and RFC 5118 messages (those with SDP among them), the
 * janus-gateway SDP seeds, the pjproject SDP, SDES and SIP seeds (zipped). */
Test(sdp, sse2_and_scalar_parsers_agree_on_the_corpora)
{
	static const char *const dirs[] = {"rfc4475", "rfc5118", "fuzz/janus-gateway/sdp_fuzzer"};
	static const char *const zips[] = {"fuzz-sdp", "fuzz-sdes", "fuzz-sip", "fuzz-sip-dialog"};
	const char *root = getenv("DPV_CORPORA");
	char dir[4096], tmp[] = "/tmp/dpv-sdp-XXXXXX", cmd[8400];
	unsigned files = 0;

	cr_assert_not_null(root, "DPV_CORPORA is not set (meson test sets it)");
	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", root, dirs[i]);
		files += diff_dir(dir);
	}
	cr_assert_not_null(mkdtemp(tmp));
	for (unsigned i = 0; i < sizeof(zips) / sizeof(zips[0]); i++) {
		snprintf(cmd, sizeof(cmd),
		         "unzip -q -o '%s/fuzz/pjproject-seed/%s_seed_corpus.zip' -d '%s/%s'", root,
		         zips[i], tmp, zips[i]);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		snprintf(dir, sizeof(dir), "%s/%s", tmp, zips[i]);
		files += diff_dir(dir);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	cr_expect_eq(system(cmd), 0);
	/* 52 + 27 RFC messages, 68 janus seeds, 6 + 15 + 15 + 4 pjproject ones */
	cr_expect_geq(files, 180, "only %u corpus files", files);
	cr_expect_geq(diff_cases, 50000, "only %u cases", diff_cases);
}

/* Every attribute and line form the parser reads, with blanks and tokens of 8 bytes and more. */
static const char every_form[] = "v=0\r\n"
                                 "o=alice\t2890844526 2890844527 IN IP4 host.example.com\r\n"
                                 "s=A session\r\n"
                                 "i=info\r\n"
                                 "c=IN IP4 224.2.17.12/127\r\n"
                                 "t=  0 0 \r\n"
                                 "t=1 2\r\n"
                                 "a=recvonly\r\n"
                                 "m=audio 49170/2 RTP/AVP 0 8 97 101 13\r\n"
                                 "a=rtpmap:97 L16/16000/2\r\n"
                                 "a=rtpmap:101 telephone-event/8000\r\n"
                                 "a=fmtp:101  0-15,66 \r\n"
                                 "a=fmtp:13 x\r\n"
                                 "a=ptime: 20 \r\n"
                                 "a=rtcp:53020 IN IP4 126.16.64.4\r\n"
                                 "a=rtcp-mux\r\n"
                                 "a=sendonly\r\n"
                                 "a=inactive\r\n"
                                 "a=x-unknown:1 2\r\n"
                                 "m=audio 5002 RTP/AVP 0\r\n"
                                 "c=IN IP6 2001:db8::1\r\n"
                                 "a=rtcp:5003\r\n"
                                 "m=video 51372 RTP/SAVP 31\r\n"
                                 "a=rtpmap:31 H261/90000\r\n"
                                 "\r\n";

/* The offer bench/sipgen sends, read back. */
static size_t
offer_text(char *buf, size_t cap)
{
	int n = rtp_sdp_write_offer(buf, cap, 0xC6120002u, 40000, 1234567890123ull, 1);

	cr_assert_gt(n, 0);
	return (size_t)n;
}

/* One deterministic sequence (xorshift64*), the same on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32) % n;
}

/* The bytes the line scan treats apart, and some the tokens' scans do. */
static const unsigned char special[] = {0x00, 0x01, '\t', '\n', '\r', 0x1f, ' ', 0x7f, 0x80,
                                        0xff, '/',  ':',  '=',  '0',  'a',  'A', '.'};

Test(sdp, sse2_and_scalar_parsers_agree_on_mutations)
{
	char offer[1024], buf[2048], what[64];
	struct {
		const char *name, *p;
		size_t n;
	} base[5] = {
	    {"offer", offer, 0},
	    {"sipp", sipp_offer, sizeof(sipp_offer) - 1},
	    {"softphone", softphone_offer, sizeof(softphone_offer) - 1},
	    {"every form", every_form, sizeof(every_form) - 1},
	    {"lf only", buf, 0},
	};
	size_t n;

	base[0].n = offer_text(offer, sizeof(offer));
	/* softphone_offer with LF line ends */
	n = 0;
	for (size_t i = 0; i < sizeof(softphone_offer) - 1; i++)
		if (softphone_offer[i] != '\r')
			buf[n++] = softphone_offer[i];
	base[4].n = n;
	cr_assert_eq(rtp_sdp_parse(offer, base[0].n, &d_check), RTP_SDP_OK);
	cr_assert_eq(rtp_sdp_parse(every_form, sizeof(every_form) - 1, &d_check), RTP_SDP_OK);

	for (unsigned b = 0; b < 5; b++) {
		char text[2048];

		/* every prefix and every suffix */
		for (size_t cut = 0; cut <= base[b].n; cut++) {
			diff_one(base[b].p, cut, base[b].name);
			diff_one(base[b].p + cut, base[b].n - cut, base[b].name);
		}
		/* every byte replaced by each special one */
		for (size_t i = 0; i < base[b].n; i++)
			for (size_t k = 0; k < sizeof(special); k++) {
				memcpy(text, base[b].p, base[b].n);
				text[i] = (char)special[k];
				snprintf(what, sizeof(what), "%s, byte %zu = 0x%02x", base[b].name,
				         i, special[k]);
				diff_one(text, base[b].n, what);
			}
	}

	/* random edits: up to six replacements, insertions, deletions, case flips, then a cut */
	for (unsigned c = 0; c < 200000; c++) {
		unsigned b = rnd(5), edits = 1 + rnd(6);
		char text[2048];

		n = base[b].n;
		memcpy(text, base[b].p, n);
		for (unsigned k = 0; k < edits && n > 0; k++) {
			size_t i = rnd((uint32_t)n);

			switch (rnd(5)) {
			case 0:
				text[i] = (char)special[rnd(sizeof(special))];
				break;
			case 1:
				text[i] = (char)rnd(256);
				break;
			case 2:
				if (n + 1 < sizeof(text)) {
					memmove(text + i + 1, text + i, n - i);
					text[i] = (char)special[rnd(sizeof(special))];
					n++;
				}
				break;
			case 3:
				memmove(text + i, text + i + 1, n - i - 1);
				n--;
				break;
			default:
				if ((text[i] | 0x20) >= 'a' && (text[i] | 0x20) <= 'z')
					text[i] ^= 0x20;
				break;
			}
		}
		if (rnd(4) == 0)
			n = rnd((uint32_t)n + 1);
		snprintf(what, sizeof(what), "%s, random case %u", base[b].name, c);
		diff_one(text, n, what);
	}
	cr_expect_geq(diff_cases, 230000, "only %u cases", diff_cases);
}

/* The answer as printf writes it: the writer's bounded pieces must give these bytes. */
static int
ref_answer(char *o, size_t cap, const struct rtp_sdp_neg *n, uint32_t ip, uint16_t port,
           uint64_t id, uint64_t ver)
{
	static const char *const dirs[] = {[RTP_DIR_SENDONLY] = "sendonly",
	                                   [RTP_DIR_RECVONLY] = "recvonly",
	                                   [RTP_DIR_INACTIVE] = "inactive",
	                                   [RTP_DIR_SENDRECV] = "sendrecv"};
	char a[16];
	size_t k;
	bool fmtp = n->te_fmtp.len > 0 && n->te_fmtp.len <= 64;

	snprintf(a, sizeof(a), "%u.%u.%u.%u", ip >> 24, ip >> 16 & 0xff, ip >> 8 & 0xff, ip & 0xff);
	k = (size_t)snprintf(o, cap,
	                     "v=0\r\no=dpvoip %llu %llu IN IP4 %s\r\ns=dpvoip\r\nc=IN IP4 %s\r\n"
	                     "t=0 0\r\nm=video 0 RTP/AVP 31\r\nm=audio %u RTP/AVP %u",
	                     (unsigned long long)id, (unsigned long long)ver, a, a, port, n->pt);
	if (n->te_pt >= 0)
		k += (size_t)snprintf(o + k, cap - k, " %d", n->te_pt);
	k += (size_t)snprintf(o + k, cap - k, "\r\na=rtpmap:%u %s/8000\r\n", n->pt,
	                      n->codec == RTP_PT_PCMU ? "PCMU" : "PCMA");
	if (n->te_pt >= 0)
		k += (size_t)snprintf(o + k, cap - k, "a=rtpmap:%d telephone-event/8000\r\n",
		                      n->te_pt);
	if (n->te_pt >= 0 && fmtp)
		k += (size_t)snprintf(o + k, cap - k, "a=fmtp:%d %.*s\r\n", n->te_pt,
		                      (int)n->te_fmtp.len, n->te_fmtp.p);
	k += (size_t)snprintf(o + k, cap - k, "a=ptime:20\r\na=%s\r\n%s", dirs[n->answer_dir],
	                      n->rtcp_mux ? "a=rtcp-mux\r\n" : "");
	return (int)k;
}

Test(sdp, answer_writer_against_printf)
{
	static const char offer[] = "v=0\r\no=- 1 1 IN IP4 198.18.0.2\r\ns=-\r\nc=IN IP4 198.18.0.2"
	                            "\r\nt=0 0\r\nm=video 5000 RTP/AVP 31\r\n"
	                            "m=audio 6000 RTP/AVP 0 8 101\r\n";
	static const char fmtp65[] =
	    "0-10,11-20,21-30,31-40,41-50,51-60,61-70,71-80,81-90,91-99,123456";
	static const struct dpv_str fmtps[] = {
	    DPV_STR_NULL, DPV_STR_LIT("0-16"), {fmtp65, sizeof(fmtp65) - 2}, DPV_STR_LIT(fmtp65)};
	static const uint32_t ips[] = {0, 0x0A000001u, 0xC0A86464u, UINT32_MAX};
	static const uint64_t ids[] = {0, 9, 10, 999, 1000, 4294967296ull, UINT64_MAX};
	static const int16_t tes[] = {-1, 0, 96, 101, 127};
	char buf[1024], want[1024];
	unsigned i = 0;

	cr_assert_eq(sizeof(fmtp65) - 1, 65);
	cr_assert_eq(parse(offer), RTP_SDP_OK);
	cr_assert_eq(rtp_sdp_negotiate(&sdp, &neg), RTP_SDP_OK);
	for (unsigned t = 0; t < 5; t++)
		for (unsigned f = 0; f < 4; f++)
			for (unsigned d = RTP_DIR_SENDRECV; d <= RTP_DIR_INACTIVE; d++, i++) {
				struct rtp_sdp_neg n = neg;
				uint32_t ip = ips[i % 4];
				uint16_t port = (uint16_t)(i * 7919u);
				uint64_t id = ids[i % 7], ver = ids[(i + 3) % 7];
				int len, w;

				n.te_pt = tes[t];
				n.te_fmtp = fmtps[f];
				n.answer_dir = (enum rtp_dir)d;
				n.codec = i & 1 ? RTP_PT_PCMA : RTP_PT_PCMU;
				n.pt = (uint8_t)(i & 1 ? 8 : i % 128);
				n.rtcp_mux = i & 2;
				len = rtp_sdp_write_answer(buf, sizeof(buf), &sdp, &n, ip, port, id,
				                           ver);
				w = ref_answer(want, sizeof(want), &n, ip, port, id, ver);
				cr_assert_eq(len, w, "case %u: %d, want %d:\n%s", i, len, w, want);
				cr_assert_str_eq(buf, want, "case %u", i);
				for (int cap = 0; cap <= len; cap++)
					cr_assert_eq(rtp_sdp_write_answer(buf, (size_t)cap, &sdp,
					                                  &n, ip, port, id, ver),
					             -1, "case %u cap %d", i, cap);
			}
}
