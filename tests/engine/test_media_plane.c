/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The media plane (engine/media.c) through the worker loop on a ring PMD port: calls are set up
 * with real SIP (INVITE with an SDP offer, the 200's answer read back, ACK), then RTP goes in
 * and what comes out is checked field by field: tone packets, echo, full-mesh bridge copies
 * with their headers and checksums (against a full recomputation), G.711 conversion for a
 * member of the other law, strict latching, malformed packets, hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include <criterion/criterion.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "engine_int.h"
#include "frames.h"
#include "lcore_int.h"
#include "media_int.h"
#include "ring_ports.h"
#include "sig_int.h"

#define ENG_IP  0xC6120001u /* 198.18.0.1 */
#define PEER_IP 0xC6120002u /* 198.18.0.2 */
#define SPOOF   0xC6120003u /* 198.18.0.3 */

static struct dpv_engine eng;
static struct rte_ring *rx_ring, *tx_ring;
static struct rte_mempool *pool;
static struct dpv_net_ctx peer; /* builds the frames the engine receives */
static struct dpv_arp_cache peer_arp;
static uint64_t *pc;      /* the worker's counters of port 0 */
static char last_tag[64]; /* the To tag of the last call() */

static void
setup(void)
{
	static const char *const text[] = {"^conf-(.+)$ bridge", "^echo$ echo", ".* tone"};
	struct dpv_engine *e = &eng;
	struct dpv_worker *w = &e->workers[0];
	char *msg = NULL;
	size_t len;
	FILE *f;

	test_eal_init("dpvmplane", "256");
	rcu_register_thread();
	pool =
	    rte_pktmbuf_pool_create("port", 2047, 0, DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	cr_assert_not_null(pool);
	test_engine_config(e);
	test_engine_dialplan(e, text, RTE_DIM(text));
	e->cfg.rtp.media_mbufs = 1024;
	test_ring_port(e, 0, pool, ENG_IP, 0, 1, &rx_ring, &tx_ring);
	e->nb_ports = 1;

	e->nb_workers = 1;
	w->eng = e;
	w->lcore_id = 0;
	w->roles = DPV_ROLE_MEDIA | DPV_ROLE_SIGNALING;
	w->sig_index = 0;
	w->media_index = 0;
	w->sig_ring = rte_ring_create("sig0", 16, 0, RING_F_SC_DEQ);
	test_worker_txb(w, e->ports[0].port_id);
	e->sig_workers[e->nb_sig++] = w;
	e->media_workers[e->nb_media++] = w;
	pc = w->pc[e->ports[0].port_id];

	peer.mac = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0x02}};
	peer.addr = PEER_IP;
	peer.netmask = 0xffffff00;
	peer.arp = &peer_arp;
	dpv_arp_learn(&peer_arp, ENG_IP, &e->ports[0].net.mac, 0);
	dpv_arp_learn(&e->ports[0].arp, PEER_IP, &peer.mac, 0);

	f = open_memstream(&msg, &len);
	cr_assert_eq(dpv_sig_init(e, f), 0);
	cr_assert_eq(dpv_media_init(e, f), 0);
	fclose(f);
	free(msg);
}

static void
teardown(void)
{
	dpv_media_fini(&eng);
	dpv_sig_fini(&eng);
}

TestSuite(media, .init = setup, .fini = teardown);

/* ---- the peer's side ---- */

static void
inject_from(uint32_t src_ip, uint16_t sport, uint16_t dport, const void *payload, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t saved = peer.addr;

	cr_assert_not_null(m);
	peer.addr = src_ip;
	cr_assert_eq(frame_udp_build(&peer, m, sport, ENG_IP, dport, payload, len), 0);
	peer.addr = saved;
	cr_assert_eq(rte_ring_enqueue(rx_ring, m), 0);
}

static void
inject(uint16_t sport, uint16_t dport, const void *payload, uint16_t len)
{
	inject_from(PEER_IP, sport, dport, payload, len);
}

static void
poll_n(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		dpv_worker_poll(&eng, &eng.workers[0]);
		rcu_quiescent_state();
	}
}

/* A frame the engine sent, parsed. */
struct out {
	struct rte_ether_addr dst_mac;
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	uint8_t payload[1500];
	uint16_t len;
	bool cksum_ok;
};

/* Every UDP frame the engine sent to this port, whoever collected it (0: none watched): a test
 * counts a stream from its first packet though call() collected the frames of its setup. */
static uint16_t watch_port;
static uint32_t watched;

/* Take what the engine sent: UDP frames only (ARP is skipped). */
static unsigned
collect(struct out *o, unsigned max)
{
	struct rte_mbuf *m[64];
	unsigned n = rte_ring_dequeue_burst(tx_ring, (void **)m, RTE_DIM(m), NULL), k = 0;

	for (unsigned i = 0; i < n; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		struct rte_udp_hdr *udp;

		if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
			rte_pktmbuf_free(m[i]);
			continue;
		}
		udp = (struct rte_udp_hdr *)((uint8_t *)ip + rte_ipv4_hdr_len(ip));
		if (watch_port != 0 && rte_be_to_cpu_16(udp->dst_port) == watch_port)
			watched++;
		if (k == max) {
			rte_pktmbuf_free(m[i]);
			continue;
		}
		rte_ether_addr_copy(&eth->dst_addr, &o[k].dst_mac);
		o[k].src_ip = rte_be_to_cpu_32(ip->src_addr);
		o[k].dst_ip = rte_be_to_cpu_32(ip->dst_addr);
		o[k].src_port = rte_be_to_cpu_16(udp->src_port);
		o[k].dst_port = rte_be_to_cpu_16(udp->dst_port);
		o[k].len = (uint16_t)(rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp));
		memcpy(o[k].payload, udp + 1, o[k].len);
		o[k].cksum_ok = rte_ipv4_cksum(ip) == 0xffff || rte_raw_cksum(ip, 20) == 0xffff;
		o[k].cksum_ok = o[k].cksum_ok && rte_ipv4_udptcp_cksum_verify(ip, udp) == 0;
		k++;
		rte_pktmbuf_free(m[i]);
	}
	return k;
}

static const char *
find_line(const char *s, const char *prefix)
{
	const char *p = strstr(s, prefix);

	cr_assert_not_null(p, "no %s in:\n%s", prefix, s);
	return p + strlen(prefix);
}

/* Set up a call to @a user from the peer's RTP port @a rtp with @a codec ("0" PCMU, "8" PCMA),
 * @a dir and telephone-event on @a te_pt (0: none), ACKed when @a ack; returns the engine's
 * RTP port from the answer. */
static uint16_t
call_full(const char *user, unsigned id, uint16_t rtp, const char *codec, const char *dir,
          unsigned te_pt, bool ack)
{
	char sdp[512], inv[2048], ack_msg[1024], tag[64], te[80] = "";
	char buf[4096];
	struct out o[8];
	unsigned n;
	int len;

	if (te_pt != 0)
		snprintf(te, sizeof(te), " %u\r\na=rtpmap:%u telephone-event/8000", te_pt, te_pt);
	len = snprintf(sdp, sizeof(sdp),
	               "v=0\r\no=p 1 1 IN IP4 198.18.0.2\r\ns=-\r\nc=IN IP4 198.18.0.2\r\nt=0 0\r\n"
	               "m=audio %u RTP/AVP %s%s\r\na=%s\r\n",
	               rtp, codec, te, dir);
	snprintf(inv, sizeof(inv),
	         "INVITE sip:%s@198.18.0.1 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 198.18.0.2:5070;branch=z9hG4bKi%u\r\n"
	         "From: <sip:p@198.18.0.2>;tag=f%u\r\nTo: <sip:%s@198.18.0.1>\r\n"
	         "Call-ID: media%u@198.18.0.2\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
	         "Contact: <sip:p@198.18.0.2:5070>\r\nContent-Type: application/sdp\r\n"
	         "Content-Length: %d\r\n\r\n%s",
	         user, id, id, user, id, len, sdp);
	inject(5070, 5060, inv, (uint16_t)strlen(inv));
	poll_n(4);
	n = collect(o, RTE_DIM(o));
	for (unsigned i = 0; i < n; i++) {
		const char *p;
		char *end;
		uint16_t port;

		memcpy(buf, o[i].payload, o[i].len);
		buf[o[i].len] = 0;
		if (strncmp(buf, "SIP/2.0 200 ", 12) != 0)
			continue;
		p = find_line(buf, "\r\nTo: ");
		p = strstr(p, "tag=");
		cr_assert_not_null(p);
		snprintf(tag, sizeof(tag), "%.*s", (int)strcspn(p + 4, "\r\n;"), p + 4);
		snprintf(last_tag, sizeof(last_tag), "%s", tag);
		port = (uint16_t)strtoul(find_line(buf, "m=audio "), &end, 10);
		if (!ack)
			return port;
		snprintf(ack_msg, sizeof(ack_msg),
		         "ACK sip:%s@198.18.0.1 SIP/2.0\r\n"
		         "Via: SIP/2.0/UDP 198.18.0.2:5070;branch=z9hG4bKa%u\r\n"
		         "From: <sip:p@198.18.0.2>;tag=f%u\r\nTo: <sip:%s@198.18.0.1>;tag=%s\r\n"
		         "Call-ID: media%u@198.18.0.2\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
		         "Content-Length: 0\r\n\r\n",
		         user, id, id, user, tag, id);
		inject(5070, 5060, ack_msg, (uint16_t)strlen(ack_msg));
		poll_n(4);
		(void)collect(o, RTE_DIM(o));
		return port;
	}
	cr_assert_fail("no 200 to the INVITE of %s", user);
	return 0;
}

/* call_full with telephone-event on payload type 101, ACKed */
static uint16_t
call(const char *user, unsigned id, uint16_t rtp, const char *codec, const char *dir)
{
	return call_full(user, id, rtp, codec, dir, 101, true);
}

static uint16_t
call_te(const char *user, unsigned id, uint16_t rtp, const char *codec, const char *dir,
        unsigned te_pt)
{
	return call_full(user, id, rtp, codec, dir, te_pt, true);
}

static uint16_t
call_ack(const char *user, unsigned id, uint16_t rtp, const char *codec, const char *dir, bool ack)
{
	return call_full(user, id, rtp, codec, dir, 101, ack);
}

/* End call @a id (set up by call() with @a tag) with a BYE. */
static void
bye(const char *user, unsigned id, const char *tag)
{
	char m[1024];

	snprintf(m, sizeof(m),
	         "BYE sip:%s@198.18.0.1 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 198.18.0.2:5070;branch=z9hG4bKb%u\r\n"
	         "From: <sip:p@198.18.0.2>;tag=f%u\r\nTo: <sip:%s@198.18.0.1>;tag=%s\r\n"
	         "Call-ID: media%u@198.18.0.2\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\n"
	         "Content-Length: 0\r\n\r\n",
	         user, id, id, user, tag, id);
	inject(5070, 5060, m, (uint16_t)strlen(m));
	poll_n(2);
}

/* An RTP packet: 12-byte header and @a n payload bytes of @a fill. */
static uint16_t
rtp_pkt(uint8_t *b, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, uint8_t fill, unsigned n)
{
	b[0] = 0x80;
	b[1] = pt;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = (uint8_t)(ts >> 24);
	b[5] = (uint8_t)(ts >> 16);
	b[6] = (uint8_t)(ts >> 8);
	b[7] = (uint8_t)ts;
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	memset(b + 12, fill, n);
	return (uint16_t)(12 + n);
}

/* ---- tests ---- */

Test(media, tone_is_paced_in_the_negotiated_law_and_stops_with_the_flow)
{
	uint16_t port = call("tone", 1, 40000, "8", "sendrecv");
	struct out o[16];
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz(); /* 1 s bound */
	unsigned got = 0;
	struct out first = {0}, last = {0};
	uint8_t want[160];

	while (got < 3 && rte_rdtsc() < deadline) {
		unsigned n;

		poll_n(1);
		n = collect(o, RTE_DIM(o));
		for (unsigned i = 0; i < n; i++) {
			cr_assert_eq(o[i].src_port, port);
			if (o[i].dst_port == 40001)
				continue; /* an RTCP report */
			cr_assert_eq(o[i].dst_port, 40000);
			cr_assert_eq(o[i].dst_ip, PEER_IP);
			cr_assert_eq(o[i].len, 172);
			cr_assert(o[i].cksum_ok);
			cr_assert_eq(o[i].payload[1] & 0x7f, RTP_PT_PCMA);
			if (got == 0)
				first = o[i];
			last = o[i];
			got++;
		}
	}
	cr_assert_eq(got, 3, "three tone packets within a second, got %u", got);
	{
		uint16_t s0 = (uint16_t)(first.payload[2] << 8 | first.payload[3]);
		uint16_t s2 = (uint16_t)(last.payload[2] << 8 | last.payload[3]);
		uint32_t t0 = (uint32_t)first.payload[4] << 24 | (uint32_t)first.payload[5] << 16 |
		              (uint32_t)first.payload[6] << 8 | first.payload[7];
		uint32_t t2 = (uint32_t)last.payload[4] << 24 | (uint32_t)last.payload[5] << 16 |
		              (uint32_t)last.payload[6] << 8 | last.payload[7];

		cr_assert_eq((uint16_t)(s2 - s0), 2);
		cr_assert_eq(t2 - t0, 320);
		cr_assert_eq(memcmp(first.payload + 8, last.payload + 8, 4), 0, "one SSRC");
		rtp_tone_fill(RTP_PT_PCMA, t2, want, 160);
		cr_assert_eq(memcmp(last.payload + 12, want, 160), 0, "the G.711 tone samples");
	}
	/* the call ends: its stream stops at its next turn, and nothing more is sent */
	bye("tone", 1, last_tag);
	(void)collect(o, RTE_DIM(o)); /* the 200 to the BYE */
	deadline = rte_rdtsc() + rte_get_tsc_hz() / 10;
	got = 0;
	while (rte_rdtsc() < deadline) {
		poll_n(1);
		for (unsigned n = collect(o, RTE_DIM(o)), i = 0; i < n; i++)
			got += o[i].src_port == port;
	}
	cr_assert_eq(got, 0, "%u tone packets after the BYE", got);
}

Test(media, echo_reflects_from_the_engine_port)
{
	uint16_t port = call("echo", 2, 40010, "0", "sendrecv");
	uint8_t b[200];
	struct out o[4];
	uint16_t len = rtp_pkt(b, 0, 7, 1000, 0x11223344, 0x55, 160);

	inject(40010, port, b, len);
	poll_n(2);
	cr_assert_eq(collect(o, RTE_DIM(o)), 1);
	cr_assert_eq(o[0].src_ip, ENG_IP);
	cr_assert_eq(o[0].src_port, port);
	cr_assert_eq(o[0].dst_ip, PEER_IP);
	cr_assert_eq(o[0].dst_port, 40010);
	cr_assert_eq(o[0].len, len);
	cr_assert_eq(memcmp(o[0].payload, b, len), 0);
	cr_assert(o[0].cksum_ok);
	cr_assert_eq(pc[DPV_C_tx_rtp], 1);
}

/* RFC 3264 6: once the 200 with the answer is out, its media holds; the ACK may come later. */
Test(media, media_flows_from_the_200_before_the_ack)
{
	uint16_t port = call_ack("echo", 4, 40030, "0", "sendrecv", false);
	uint8_t b[200];
	struct out o[4];
	uint16_t len = rtp_pkt(b, 0, 9, 2000, 0x55667788, 0x33, 160);

	poll_n(2);
	(void)collect(o, RTE_DIM(o)); /* 200 retransmissions, if any */
	inject(40030, port, b, len);
	poll_n(2);
	cr_assert_eq(collect(o, RTE_DIM(o)), 1, "echoed before the ACK");
	cr_assert_eq(o[0].src_port, port);
	cr_assert_eq(o[0].dst_port, 40030);
	cr_assert_eq(memcmp(o[0].payload, b, len), 0);
	cr_assert_eq(pc[DPV_C_drop_rtp_no_flow], 0);
}

Test(media, strict_latching_drops_other_sources_and_malformed_packets)
{
	uint16_t port = call("echo", 3, 40020, "0", "sendrecv");
	uint8_t b[200];
	struct out o[4];
	uint16_t len = rtp_pkt(b, 0, 1, 1, 1, 0, 160);

	inject(40022, port, b, len);             /* the right IP, another port */
	inject_from(SPOOF, 40020, port, b, len); /* another IP, the right port */
	inject(40020, port, b, 11);              /* shorter than an RTP header */
	b[0] = 0x40;
	inject(40020, port, b, len); /* version 1 */
	inject(40021, (uint16_t)(port + 1), b, 8);
	inject(40020, (uint16_t)(port + 2), b, len); /* nobody's port */
	poll_n(2);
	cr_assert_eq(collect(o, RTE_DIM(o)), 0, "nothing reflected");
	cr_assert_eq(pc[DPV_C_drop_rtp_bad_source], 2);
	cr_assert_eq(pc[DPV_C_drop_rtp_malformed], 2);
	cr_assert_eq(pc[DPV_C_drop_rtcp_malformed], 1);
	cr_assert_eq(pc[DPV_C_drop_rtp_no_flow], 1);
}

/* One RTP packet from @a from reaches exactly @a n others, each as it should. */
Test(media, bridge_full_mesh_headers_checksums_and_law_conversion)
{
	uint16_t a = call("conf-x", 10, 40100, "0", "sendrecv");
	uint16_t b = call("conf-x", 11, 40110, "0", "sendrecv");
	uint16_t c = call("conf-x", 12, 40120, "8", "sendrecv");
	struct dpv_media_port_stats st;
	uint8_t p[200];
	struct out o[8];
	uint16_t len = rtp_pkt(p, 0, 100, 16000, 0xabcdef01, 0x2a, 160);
	unsigned n, seen_b = 0, seen_c = 0;

	poll_n(8); /* the joins go by message to the bridge's owner and back */
	(void)collect(o, RTE_DIM(o));
	inject(40100, a, p, len);
	poll_n(2);
	n = collect(o, RTE_DIM(o));
	cr_assert_eq(n, 2, "A's packet reaches B and C, never A (got %u)", n);
	for (unsigned i = 0; i < n; i++) {
		cr_assert(o[i].cksum_ok, "checksum of the copy to %u", o[i].dst_port);
		cr_assert_eq(o[i].src_ip, ENG_IP);
		cr_assert_eq(o[i].dst_ip, PEER_IP);
		cr_assert_eq(o[i].len, len);
		cr_assert_eq(memcmp(o[i].payload + 2, p + 2, 10), 0, "seq, ts, SSRC untouched");
		if (o[i].dst_port == 40110) {
			seen_b++;
			cr_assert_eq(o[i].src_port, b);
			cr_assert_eq(memcmp(o[i].payload, p, len), 0, "same law: untouched");
		} else {
			seen_c++;
			cr_assert_eq(o[i].dst_port, 40120);
			cr_assert_eq(o[i].src_port, c);
			cr_assert_eq(o[i].payload[1], RTP_PT_PCMA);
			for (unsigned k = 12; k < len; k++)
				cr_assert_eq(o[i].payload[k], rtp_g711_ulaw_to_alaw[0x2a]);
		}
	}
	cr_assert_eq(seen_b, 1);
	cr_assert_eq(seen_c, 1);
	cr_assert_eq(dpv_media_port_stats(&eng, a, &st), 0);
	cr_assert_eq(st.rx_pkts, 1);
	cr_assert_eq(st.latched_ip, PEER_IP);
	cr_assert_eq(dpv_media_port_stats(&eng, b, &st), 0);
	cr_assert_eq(st.tx_pkts, 1);

	/* RTCP from C goes to the others' RTCP ports */
	{
		uint8_t r[8] = {0x80, RTCP_PT_RR, 0, 1, 0, 0, 0, 9};

		inject(40121, (uint16_t)(c + 1), r, sizeof(r));
		poll_n(2);
		n = collect(o, RTE_DIM(o));
		cr_assert_eq(n, 2);
		for (unsigned i = 0; i < n; i++) {
			cr_assert(o[i].dst_port == 40101 || o[i].dst_port == 40111);
			cr_assert_eq(o[i].src_port, o[i].dst_port == 40101 ? a + 1 : b + 1);
			cr_assert_eq(memcmp(o[i].payload, r, sizeof(r)), 0);
			cr_assert(o[i].cksum_ok);
		}
	}
}

Test(media, a_member_that_does_not_receive_gets_nothing)
{
	uint16_t a = call("conf-h", 20, 40200, "0", "sendrecv");
	uint16_t b = call("conf-h", 21, 40210, "0", "sendonly"); /* B only sends: on hold */
	uint8_t p[200];
	struct out o[4];
	uint16_t len = rtp_pkt(p, 0, 1, 1, 5, 0x11, 160);

	poll_n(8);
	(void)collect(o, RTE_DIM(o));
	inject(40200, a, p, len);
	poll_n(2);
	cr_assert_eq(collect(o, RTE_DIM(o)), 0, "nothing to a member that does not receive");
	inject(40210, b, p, len);
	poll_n(2);
	cr_assert_eq(collect(o, RTE_DIM(o)), 1, "what B sends still reaches A");
	cr_assert_eq(o[0].dst_port, 40200);
}

Test(media, a_flooding_member_is_held_to_its_budget)
{
	uint16_t a = call("conf-f", 30, 40300, "0", "sendrecv");
	uint8_t p[200];
	struct out o[64];
	uint16_t len;
	unsigned sent = 0, earned;
	uint64_t t0;

	(void)call("conf-f", 31, 40310, "0", "sendrecv");
	poll_n(8);
	(void)collect(o, RTE_DIM(o));
	t0 = rte_rdtsc();
	for (unsigned i = 0; i < 200; i++) {
		len = rtp_pkt(p, 0, (uint16_t)i, i * 160, 7, 0, 160);
		inject(40300, a, p, len);
		if (i % 32 == 31) {
			poll_n(1);
			sent += collect(o, RTE_DIM(o));
		}
	}
	poll_n(2);
	sent += collect(o, RTE_DIM(o));
	/* 200 packets at once, far faster than 200/s: the burst tolerance passes, the rest not,
	 * beyond what the rate earned while the loop ran (a loaded machine may stretch it) */
	earned = (unsigned)((rte_rdtsc() - t0) * eng.cfg.rtp.flood_pps / rte_get_tsc_hz());
	cr_assert_leq(sent, eng.cfg.rtp.flood_burst + earned + 2, "sent %u, earned %u", sent,
	              earned);
	cr_assert_geq(sent, eng.cfg.rtp.flood_burst - 2);
	cr_assert_eq(pc[DPV_C_drop_rtp_flood], 200 - sent);
}

/* The header rewrite's incremental UDP checksum equals a full recomputation. */
Test(media, fwd_headers_checksum_matches_full_recomputation)
{
	uint8_t frame[14 + 20 + 8 + 172];
	struct rte_ether_addr s = {{2, 0, 0, 0, 0, 1}}, d = {{2, 0, 0, 0, 0, 2}};

	for (unsigned round = 0; round < 2000; round++) {
		struct media_fwd_addr in = {(uint32_t)rte_rand(), (uint32_t)rte_rand(),
		                            (uint16_t)rte_rand(), (uint16_t)rte_rand()};
		struct media_fwd_addr out = {(uint32_t)rte_rand(), (uint32_t)rte_rand(),
		                             (uint16_t)rte_rand(), (uint16_t)rte_rand()};
		uint16_t plen = (uint16_t)(rte_rand() % 173);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + 14);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
		uint16_t in_ck;

		for (unsigned k = 0; k < plen; k++)
			frame[42 + k] = (uint8_t)rte_rand();
		/* the datagram as received, with its full checksum */
		media_fwd_headers(frame, &s, &d, &in, &in, (uint16_t)(8 + plen), 0);
		udp->dgram_cksum = 0;
		in_ck = rte_ipv4_udptcp_cksum(ip, udp);
		media_fwd_headers(frame, &s, &d, &in, &out, (uint16_t)(8 + plen), in_ck);
		cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff);
		cr_assert_eq(rte_ipv4_udptcp_cksum_verify(ip, udp), 0, "round %u", round);
		cr_assert_eq(rte_be_to_cpu_32(ip->dst_addr), out.dst_ip);
		cr_assert_eq(rte_be_to_cpu_16(udp->src_port), out.src_port);
		/* a datagram sent without a checksum stays without one */
		media_fwd_headers(frame, &s, &d, &in, &out, (uint16_t)(8 + plen), 0);
		cr_assert_eq(udp->dgram_cksum, 0);
	}
}

/* [rtp] media-timeout-s: a call whose peer sends nothing is ended with a BYE, once; a call
 * whose RTP keeps coming is not. Real time: the timeout is 1 s, the wait bounded at 8 s. */
Test(media, a_silent_call_is_ended_by_the_media_timeout)
{
	uint16_t silent = call("echo", 30, 40030, "0", "sendrecv");
	uint16_t talking = call("echo", 31, 40032, "0", "sendrecv");
	const struct rtp_media_stats *ms = rtp_media_stats(dpv_sig_worker_media(&eng.workers[0]));
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), next_rtp = 0;
	uint64_t bye_at = 0;
	unsigned byes_silent = 0, byes_talking = 0;
	char branch[64] = "";
	uint16_t seq = 0;
	uint8_t b[200];
	struct out o[16];

	cr_assert_neq(silent, talking);
	eng.cfg.rtp.media_timeout_s = 1;
	/* run until the silent call's BYE, plus 1 s to see nothing else ends */
	while (rte_rdtsc() - start < 8 * hz && (bye_at == 0 || rte_rdtsc() - bye_at < hz)) {
		unsigned n;

		if (rte_rdtsc() >= next_rtp) {
			uint16_t len = rtp_pkt(b, 0, seq, seq * 160u, 0x0a0b0c0d, 0x11, 160);

			seq++;
			inject(40032, talking, b, len);
			next_rtp = rte_rdtsc() + hz / 20;
		}
		poll_n(1);
		n = collect(o, RTE_DIM(o));
		for (unsigned i = 0; i < n; i++) {
			char msg[1600];

			if (o[i].dst_port != 5070)
				continue; /* echoed RTP */
			snprintf(msg, sizeof(msg), "%.*s", o[i].len, (const char *)o[i].payload);
			if (strncmp(msg, "BYE ", 4) != 0)
				continue;
			if (strstr(msg, "\r\nCall-ID: media30@198.18.0.2\r\n") != NULL) {
				const char *br = strstr(msg, "branch=");
				char this[64];

				cr_assert_not_null(br);
				snprintf(this, sizeof(this), "%.*s", (int)strcspn(br, ";\r\n"), br);
				/* the peer does not answer: Timer E retransmits the same request */
				if (strcmp(this, branch) != 0)
					byes_silent++;
				snprintf(branch, sizeof(branch), "%s", this);
				if (bye_at == 0)
					bye_at = rte_rdtsc();
			}
			if (strstr(msg, "\r\nCall-ID: media31@198.18.0.2\r\n") != NULL)
				byes_talking++;
		}
	}
	cr_assert_neq(bye_at, 0, "the silent call got no BYE within 8 s");
	cr_expect_geq(bye_at - start, hz, "not before the timeout (%.2f s)",
	              (double)(bye_at - start) / hz);
	cr_expect_eq(byes_silent, 1, "one BYE transaction (its retransmissions aside)");
	cr_expect_eq(byes_talking, 0, "the call whose RTP flows stays up");
	cr_expect_eq(ms->media_timeouts, 1);
}

/* DTMF (RFC 4733 telephone-event) is forwarded like audio: untouched to a member with the
 * same payload type, renumbered for one that negotiated another, never converted as G.711,
 * and not sent to a member that negotiated none. */
Test(media, telephone_events_cross_the_bridge_renumbered_per_member)
{
	uint16_t a = call_te("conf-d", 40, 40400, "0", "sendrecv", 101);
	uint16_t b = call_te("conf-d", 41, 40410, "0", "sendrecv", 101);
	uint16_t c = call_te("conf-d", 42, 40420, "8", "sendrecv", 96);
	uint16_t d = call_te("conf-d", 43, 40430, "0", "sendrecv", 0);
	/* event 5, end bit, volume 10, duration 800 */
	uint8_t ev[16] = {0x80, 101,  0,    50,   0, 0,    0x3e, 0x80,
	                  0xde, 0xad, 0xbe, 0xef, 5, 0x8a, 0x03, 0x20};
	unsigned seen_b = 0, seen_c = 0, n;
	struct out o[8];

	cr_assert(a && b && c && d);
	poll_n(8);
	(void)collect(o, RTE_DIM(o));
	inject(40400, a, ev, sizeof(ev));
	poll_n(2);
	n = collect(o, RTE_DIM(o));
	cr_assert_eq(n, 2, "B and C; D negotiated no telephone-event (got %u)", n);
	for (unsigned i = 0; i < n; i++) {
		cr_assert(o[i].cksum_ok);
		cr_assert_eq(o[i].len, sizeof(ev));
		cr_assert_eq(memcmp(o[i].payload + 2, ev + 2, sizeof(ev) - 2), 0,
		             "seq, ts, SSRC and the event untouched (no law conversion)");
		if (o[i].dst_port == 40410) {
			seen_b++;
			cr_assert_eq(o[i].payload[1], 101);
		} else {
			cr_assert_eq(o[i].dst_port, 40420);
			seen_c++;
			cr_assert_eq(o[i].payload[1], 96, "renumbered to C's payload type");
		}
	}
	cr_assert_eq(seen_b, 1);
	cr_assert_eq(seen_c, 1);
	/* the marker bit survives renumbering */
	ev[1] = 0x80 | 101;
	inject(40400, a, ev, sizeof(ev));
	poll_n(2);
	n = collect(o, RTE_DIM(o));
	cr_assert_eq(n, 2);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(o[i].payload[1], o[i].dst_port == 40420 ? (0x80 | 96) : (0x80 | 101));
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Where the engine is the endpoint (tone) it sends its own RTCP to port + 1 of the peer: an SR
 * counting what it sent, with a report block on what it received from the peer (one packet of
 * ten lost). Real time: the first report comes 2.5 to 7.5 s in (RFC 3550 6.3.1's spread). */
Test(media, a_tone_sends_its_own_sender_report_with_what_it_received)
{
	uint16_t port;
	uint64_t hz = rte_get_tsc_hz(), deadline;
	uint32_t tone_ssrc = 0, sent = 0;
	struct rtcp_view v;
	bool got_sr = false;
	uint8_t b[200];
	struct out o[16];

	/* The tone starts with the 200: its packets are counted from the first, those that
	 * call() collected included (the more of them, the longer the set-up took). */
	watch_port = 40500;
	watched = 0;
	port = call("tone", 50, 40500, "0", "sendrecv");
	deadline = rte_rdtsc() + 10 * hz;

	for (uint16_t seq = 1; seq <= 10; seq++) {
		uint16_t len = rtp_pkt(b, 0, seq, seq * 160u, 0x5eed5eed, 0xff, 160);

		if (seq != 4) /* the peer's packet 4 is lost on the way */
			inject(40500, port, b, len);
		poll_n(1);
	}
	while (!got_sr && rte_rdtsc() < deadline) {
		unsigned n;

		poll_n(1);
		sent = watched; /* the tone packets that left before this batch */
		n = collect(o, RTE_DIM(o));
		for (unsigned i = 0; i < n && !got_sr; i++) {
			if (o[i].dst_port == 40500) {
				tone_ssrc = be32(o[i].payload + 8);
				sent++;
				continue;
			}
			cr_assert_eq(o[i].dst_port, 40501, "RTCP to the peer's port + 1");
			cr_assert_eq(o[i].src_port, port + 1, "from the engine's RTCP port");
			cr_assert(o[i].cksum_ok);
			cr_assert_eq(rtcp_parse(o[i].payload, o[i].len, &v), 0);
			got_sr = true;
		}
	}
	watch_port = 0;
	cr_assert(got_sr, "no RTCP report within 10 s");
	cr_assert_eq(v.pt, RTCP_PT_SR, "the tone has sent: a sender report");
	cr_expect_eq(v.ssrc, tone_ssrc, "the SR's SSRC is the tone's");
	/* the report and the tone packet of the same pass may leave in either order */
	cr_expect(v.pkt_count == sent || v.pkt_count == sent + 1,
	          "it counts the tone packets sent before it: %u, %u seen", v.pkt_count, sent);
	cr_expect_eq(v.octet_count, v.pkt_count * 160);
	cr_assert_eq(v.rc, 1);
	cr_expect_eq(v.rb.ssrc, 0x5eed5eedu, "the block reports on the peer's stream");
	cr_expect_eq(v.rb.cum_lost, 1);
	cr_expect_eq(v.rb.ext_max_seq, 10);
	/* RFC 3550 A.1: the source is valid from its second packet, so 9 expected, 8 received */
	cr_expect_eq(v.rb.fraction_lost, 256 / 9);
}

/* Bridge copies take a destination's route and MAC from its port state, looked up again every
 * 100 ms: a peer whose MAC changes gets the copies at its new MAC soon after (bounded at 2 s),
 * with headers and checksums rebuilt for it. */
Test(media, a_changed_peer_mac_reaches_the_bridge_copies)
{
	static const struct rte_ether_addr moved = {{0x02, 0, 0, 0, 0, 0x77}};
	uint16_t a = call("conf-mac", 60, 40600, "0", "sendrecv");
	uint64_t hz = rte_get_tsc_hz(), deadline;
	bool seen_new = false;
	uint16_t seq = 0, len;
	uint8_t p[200];
	struct out o[8];
	unsigned n;

	(void)call("conf-mac", 61, 40610, "0", "sendrecv");
	poll_n(8);
	(void)collect(o, RTE_DIM(o));
	len = rtp_pkt(p, 0, seq++, 0, 0x6060, 0x11, 160);
	inject(40600, a, p, len);
	poll_n(2);
	cr_assert_eq(collect(o, RTE_DIM(o)), 1);
	cr_assert(rte_is_same_ether_addr(&o[0].dst_mac, &peer.mac));
	cr_assert_geq(dpv_arp_learn(&eng.ports[0].arp, PEER_IP, &moved, rte_rdtsc()), 0);
	deadline = rte_rdtsc() + 2 * hz;
	while (!seen_new && rte_rdtsc() < deadline) {
		uint64_t next = rte_rdtsc() + hz / 100;

		len = rtp_pkt(p, 0, seq, seq * 160u, 0x6060, 0x11, 160);
		seq++;
		inject(40600, a, p, len);
		poll_n(2);
		n = collect(o, RTE_DIM(o));
		for (unsigned i = 0; i < n; i++) {
			cr_assert(o[i].cksum_ok);
			cr_assert_eq(o[i].dst_port, 40610);
			seen_new = seen_new || rte_is_same_ether_addr(&o[i].dst_mac, &moved);
		}
		while (rte_rdtsc() < next)
			poll_n(1);
	}
	cr_assert(seen_new, "the copies never went to the peer's new MAC");
}

/* Two members of the other law (one of them served by the received mbuf itself) get the payload
 * converted once, each with a correct UDP checksum, for even and odd payload lengths; the
 * member of the same law gets it untouched. */
Test(media, law_conversion_for_several_members_keeps_every_checksum)
{
	uint16_t a = call("conf-y", 20, 40200, "0", "sendrecv");
	uint16_t c1 = call("conf-y", 21, 40210, "8", "sendrecv");
	uint16_t b = call("conf-y", 22, 40220, "0", "sendrecv");
	uint16_t c2 = call("conf-y", 23, 40230, "8", "sendrecv");
	static const uint16_t lens[] = {160, 161, 20};
	uint8_t p[200];
	struct out o[8];

	(void)c1;
	(void)c2;
	(void)b;
	poll_n(8);
	(void)collect(o, RTE_DIM(o));
	for (unsigned t = 0; t < RTE_DIM(lens); t++) {
		uint16_t len = rtp_pkt(p, 0, (uint16_t)(200 + t), 32000, 0x1234567, 0, lens[t]);
		unsigned n, conv = 0;

		for (unsigned k = 12; k < len; k++)
			p[k] = (uint8_t)(k * 37 + t); /* every u-law value class, not one byte */
		inject(40200, a, p, len);
		poll_n(2);
		n = collect(o, RTE_DIM(o));
		cr_assert_eq(n, 3, "A's packet reaches the three others (got %u)", n);
		for (unsigned i = 0; i < n; i++) {
			cr_assert(o[i].cksum_ok, "checksum of the %u-byte copy to %u", len,
			          o[i].dst_port);
			cr_assert_eq(o[i].len, len);
			if (o[i].dst_port == 40220) {
				cr_assert_eq(memcmp(o[i].payload, p, len), 0,
				             "same law: untouched");
				continue;
			}
			conv++;
			cr_assert_eq(o[i].payload[1], RTP_PT_PCMA);
			for (unsigned k = 12; k < len; k++)
				cr_assert_eq(o[i].payload[k], rtp_g711_ulaw_to_alaw[p[k]],
				             "byte %u", k);
		}
		cr_assert_eq(conv, 2);
	}
}
