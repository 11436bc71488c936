/* SPDX-License-Identifier: BSD-3-Clause */
/* Media negotiation for the signaling layer: rtp_media_ops over the SDP code and a port pool. */
#include <string.h>

#include <criterion/criterion.h>

#include "rtp.h"

#define LOCAL_IP 0xC6130001u /* 198.19.0.1 */

static const char offer[] = "v=0\r\no=- 5 5 IN IP4 198.18.0.2\r\ns=-\r\nc=IN IP4 198.18.0.2\r\n"
                            "t=0 0\r\nm=audio 30000 RTP/AVP 8 0 101\r\na=rtpmap:101 "
                            "telephone-event/8000\r\na=rtcp:30011\r\na=sendonly\r\n";

static struct rtp_media *rm;
static char buf[2048];

static void
setup(void)
{
	/* two ports: 20000 and 20002; negotiation only */
	rm = rtp_media_create(&(struct rtp_media_cfg){.port_min = 20000, .port_max = 20003});
	cr_assert_not_null(rm);
}

static void
teardown(void)
{
	rtp_media_destroy(rm);
}

TestSuite(media, .init = setup, .fini = teardown);

static struct dpv_media
session(uint64_t id)
{
	return (struct dpv_media){.session_id = id, .local_ip = LOCAL_IP, .te_pt = -1};
}

Test(media, answer_takes_a_port_and_fills_the_description)
{
	struct dpv_media m = session(7);
	struct rtp_portpool_stats ps;
	int n = rtp_media_ops.answer(rm, offer, sizeof(offer) - 1, buf, sizeof(buf), &m);

	cr_assert_gt(n, 0);
	cr_assert_eq(m.local_port, 20000);
	cr_assert(strstr(buf, "c=IN IP4 198.19.0.1\r\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "o=dpvoip 7 1 IN IP4 198.19.0.1\r\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "m=audio 20000 RTP/AVP 8 101\r\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "a=recvonly\r\n") != NULL, "%s", buf);
	cr_assert_eq(m.remote_ip, 0xC6120002u);
	cr_assert_eq(m.remote_port, 30000);
	cr_assert_eq(m.remote_rtcp_port, 30011);
	cr_assert_eq(m.pt, 8);
	cr_assert_eq(m.codec, RTP_PT_PCMA);
	cr_assert_eq(m.te_pt, 101);
	cr_assert(!m.send && m.recv, "a sendonly offer: we receive only");
	/* A re-offer on the same session keeps its port. */
	cr_assert_gt(rtp_media_ops.answer(rm, offer, sizeof(offer) - 1, buf, sizeof(buf), &m), 0);
	cr_assert_eq(m.local_port, 20000);
	cr_assert(strstr(buf, "o=dpvoip 7 2 IN IP4") != NULL, "the version moves on: %s", buf);
	rtp_media_ops.stop(rm, &m);
	rtp_portpool_stats(rtp_media_ports(rm), &ps);
	cr_assert_eq(ps.in_use, 0);
	cr_assert_eq(ps.bad_free, 0);
}

Test(media, bad_sdp_is_488_and_counted_and_takes_no_port)
{
	struct dpv_media m = session(1);
	struct rtp_portpool_stats ps;

	cr_assert_eq(rtp_media_ops.answer(rm, "v=1\r\n", 5, buf, sizeof(buf), &m), -488);
	cr_assert_eq(rtp_media_ops.answer(rm, NULL, 0, buf, sizeof(buf), &m), -488);
	cr_assert_eq(rtp_media_ops.answered(rm, "garbage", 7, &m), -488);
	cr_assert_eq(rtp_media_stats(rm)->sdp_rejected, 3);
	cr_assert_eq(m.local_port, 0);
	rtp_portpool_stats(rtp_media_ports(rm), &ps);
	cr_assert_eq(ps.in_use, 0);
}

Test(media, no_free_port_is_503_and_counted)
{
	struct dpv_media a = session(1), b = session(2), c = session(3);

	cr_assert_gt(rtp_media_ops.offer(rm, buf, sizeof(buf), &a), 0);
	cr_assert_gt(rtp_media_ops.offer(rm, buf, sizeof(buf), &b), 0);
	cr_assert_eq(rtp_media_ops.offer(rm, buf, sizeof(buf), &c), -503);
	cr_assert_eq(rtp_media_ops.answer(rm, offer, sizeof(offer) - 1, buf, sizeof(buf), &c),
	             -503);
	cr_assert_eq(rtp_media_stats(rm)->ports_exhausted, 2);
	cr_assert_neq(a.local_port, b.local_port);
	rtp_media_ops.stop(rm, &a);
	cr_assert_gt(rtp_media_ops.offer(rm, buf, sizeof(buf), &c), 0, "a freed port is reused");
	cr_assert_eq(c.local_port, a.local_port);
}

Test(media, offer_then_the_peers_answer)
{
	static const char answer[] =
	    "v=0\r\no=- 1 1 IN IP4 198.18.0.9\r\ns=-\r\nc=IN IP4 198.18.0.9\r\n"
	    "t=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";
	struct dpv_media m = session(9);
	int n = rtp_media_ops.offer(rm, buf, sizeof(buf), &m);

	cr_assert_gt(n, 0);
	cr_assert(strstr(buf, "c=IN IP4 198.19.0.1\r\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "m=audio 20000 RTP/AVP 0 8 101\r\n") != NULL, "%s", buf);
	cr_assert_eq(rtp_media_ops.answered(rm, answer, sizeof(answer) - 1, &m), 0);
	cr_assert_eq(m.remote_ip, 0xC6120009u);
	cr_assert_eq(m.remote_port, 40000);
	cr_assert_eq(m.remote_rtcp_port, 40001);
	cr_assert_eq(m.codec, RTP_PT_PCMU);
	cr_assert(m.send && m.recv);
}
