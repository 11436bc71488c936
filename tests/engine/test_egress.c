/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP/IPv4 egress (engine/egress.c) on two ring PMD ports: the route, ARP on a miss, framing
 * once per held message, and fragments over the MTU. One worker sends from the test thread;
 * its tx buffers are flushed by hand and the frames read back from the ports' tx rings.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "egress_int.h"
#include "engine_int.h"
#include "ring_ports.h"
#include "lcore_int.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define P0_IP          IP(198, 18, 0, 1) /* port 0: 198.18.0.0/24, no gateway */
#define P0_PEER        IP(198, 18, 0, 2)
#define P1_IP          IP(198, 19, 0, 1) /* port 1: 198.19.0.0/24, gateway .254 */
#define P1_PEER        IP(198, 19, 0, 2)
#define P1_GW          IP(198, 19, 0, 254)
#define FAR_IP         IP(198, 19, 7, 7) /* off both subnets */
#define HDRS           42                /* Ethernet + IPv4 + UDP */

static struct dpv_engine eng;
static struct rte_ring *rx_ring[2], *tx_ring[2];
static struct rte_mempool *port_pool, *msg_pool, *frag_pool;
static const struct rte_ether_addr peer_mac = {{0x02, 0, 0, 0, 0, 0x02}};
static const struct rte_ether_addr gw_mac = {{0x02, 0, 0, 0, 0, 0xfe}};

static struct dpv_worker *
worker(void)
{
	return &eng.workers[0];
}

static void
port_setup(unsigned i, uint32_t addr, uint32_t gateway)
{
	test_ring_port(&eng, i, port_pool, addr, gateway, 1, &rx_ring[i], &tx_ring[i]);
	test_worker_txb(worker(), eng.ports[i].port_id);
}

static void
setup(void)
{
	struct dpv_worker *w = worker();

	test_eal_init("dpvegress", "64");
	port_pool =
	    rte_pktmbuf_pool_create("port", 1023, 0, DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	msg_pool =
	    rte_pktmbuf_pool_create("msg", 63, 0, DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	frag_pool =
	    rte_pktmbuf_pool_create("frag", 255, 0, DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	cr_assert(port_pool && msg_pool && frag_pool);

	memset(&eng, 0, sizeof(eng));
	eng.nb_workers = 1;
	w->eng = &eng;
	w->roles = DPV_ROLE_SIGNALING;
	w->txq = 0;
	w->frag_pool = frag_pool;
	port_setup(0, P0_IP, 0);
	port_setup(1, P1_IP, P1_GW);
	eng.nb_ports = 2;
}

TestSuite(egress, .init = setup);

/* ---- helpers ---- */

static uint64_t *
pc(unsigned port)
{
	return worker()->pc[eng.ports[port].port_id];
}

/* A message holding @a len bytes of payload, as the signaling side hands it over. */
static struct rte_mbuf *
msg(const void *payload, uint16_t len)
{
	struct rte_mbuf *m = egress_msg_alloc(msg_pool);

	cr_assert_not_null(m);
	memcpy(rte_pktmbuf_append(m, len), payload, len);
	return m;
}

static enum egress_status
send_to(struct rte_mbuf *m, uint32_t ip)
{
	return egress_udp_send(worker(), m, 5060, ip, 5070);
}

/* Flush the worker's tx buffers as its loop does, and take what port @a port put on the wire. */
static unsigned
wire(unsigned port, struct rte_mbuf **out, unsigned max)
{
	for (unsigned p = 0; p < eng.nb_ports; p++) {
		uint16_t id = eng.ports[p].port_id;

		worker()->pc[id][DPV_C_tx] += rte_eth_tx_buffer_flush(id, 0, worker()->txb[id]);
	}
	return rte_ring_dequeue_burst(tx_ring[port], (void **)out, max, NULL);
}

static void
free_all(struct rte_mbuf **m, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

static void
learn(unsigned port, uint32_t ip, const struct rte_ether_addr *mac)
{
	dpv_arp_learn(&eng.ports[port].arp, ip, mac, 1);
}

/* @a f is a whole UDP/IPv4 frame from port @a port to @a mac, @a dst:5070 with @a payload. */
static void
assert_udp_frame(struct rte_mbuf *f, unsigned port, const struct rte_ether_addr *mac, uint32_t dst,
                 const void *payload, uint16_t len)
{
	const uint8_t *b = rte_pktmbuf_mtod(f, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)b;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(b + 14);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(b + 34);

	cr_assert_eq(f->pkt_len, HDRS + len);
	cr_assert(rte_is_same_ether_addr(&eth->dst_addr, mac));
	cr_assert(rte_is_same_ether_addr(&eth->src_addr, &eng.ports[port].net.mac));
	cr_assert_eq(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	cr_assert_eq(ip->src_addr, rte_cpu_to_be_32(eng.ports[port].net.addr));
	cr_assert_eq(ip->dst_addr, rte_cpu_to_be_32(dst));
	cr_assert_eq(rte_be_to_cpu_16(ip->total_length), 28 + len);
	cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff, "IPv4 header checksum");
	cr_assert_eq(udp->src_port, RTE_BE16(5060));
	cr_assert_eq(udp->dst_port, RTE_BE16(5070));
	cr_assert_eq(rte_ipv4_udptcp_cksum_verify(ip, udp), 0, "UDP checksum");
	cr_assert_arr_eq(b + HDRS, payload, len);
}

/* ---- route ---- */

Test(egress, route_by_subnet_then_gateway_then_first)
{
	cr_assert_eq(egress_route(&eng, P0_PEER), &eng.ports[0]);
	cr_assert_eq(egress_route(&eng, P1_PEER), &eng.ports[1]);
	cr_assert_eq(egress_route(&eng, FAR_IP), &eng.ports[1],
	             "off-link: the port with a gateway");
	eng.ports[1].net.gateway = 0;
	cr_assert_eq(egress_route(&eng, FAR_IP), &eng.ports[0], "no gateway anywhere: the first");
}

Test(egress, each_destination_leaves_by_its_port_and_next_hop)
{
	static const char a[] = "to port 1's subnet", b[] = "beyond port 1's gateway";
	struct rte_mbuf *m1 = msg(a, sizeof(a)), *m2 = msg(b, sizeof(b)), *out[4];

	learn(1, P1_PEER, &peer_mac);
	learn(1, P1_GW, &gw_mac);
	cr_assert_eq(send_to(m1, P1_PEER), EGRESS_SENT);
	cr_assert_eq(send_to(m2, FAR_IP), EGRESS_SENT);
	cr_assert_eq(wire(0, out, 4), 0, "nothing on port 0");
	cr_assert_eq(wire(1, out, 4), 2);
	assert_udp_frame(out[0], 1, &peer_mac, P1_PEER, a, sizeof(a));
	assert_udp_frame(out[1], 1, &gw_mac, FAR_IP, b, sizeof(b));
	cr_assert_eq(pc(1)[DPV_C_tx], 2);
	free_all(out, 2);
	rte_pktmbuf_free(m1);
	rte_pktmbuf_free(m2);
	cr_assert_eq(rte_mempool_in_use_count(msg_pool), 0);
}

/* ---- ARP ---- */

Test(egress, arp_miss_sends_one_request_for_the_next_hop_and_reports_pending)
{
	static const char p[] = "OPTIONS sip:x SIP/2.0\r\n\r\n";
	struct rte_mbuf *m = msg(p, sizeof(p)), *out[4];
	const struct rte_arp_hdr *arp;

	cr_assert_eq(send_to(m, FAR_IP), EGRESS_ARP_PENDING);
	cr_assert_eq(worker()->lc[DPV_LC_sip_tx_arp_miss], 1);
	cr_assert_eq(pc(1)[DPV_C_tx_arp_request], 1);
	cr_assert_eq(pc(0)[DPV_C_tx_arp_request], 0);
	cr_assert_eq(wire(0, out, 4), 0);
	cr_assert_eq(wire(1, out, 4), 1, "one ARP request");
	cr_assert_eq(rte_pktmbuf_mtod(out[0], struct rte_ether_hdr *)->ether_type,
	             RTE_BE16(RTE_ETHER_TYPE_ARP));
	arp = rte_pktmbuf_mtod_offset(out[0], const struct rte_arp_hdr *, 14);
	cr_assert_eq(arp->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
	cr_assert_eq(arp->arp_data.arp_tip, rte_cpu_to_be_32(P1_GW), "asks for the gateway");
	cr_assert_eq(arp->arp_data.arp_sip, rte_cpu_to_be_32(P1_IP));
	free_all(out, 1);
	/* The message is as it was: only the payload, no reference given away. */
	cr_assert_eq(m->data_off, RTE_PKTMBUF_HEADROOM);
	cr_assert_eq(m->pkt_len, sizeof(p));
	cr_assert_eq(rte_mbuf_refcnt_read(m), 1);

	/* The answer arrives; the retransmission goes out. */
	learn(1, P1_GW, &gw_mac);
	cr_assert_eq(send_to(m, FAR_IP), EGRESS_SENT);
	cr_assert_eq(wire(1, out, 4), 1);
	assert_udp_frame(out[0], 1, &gw_mac, FAR_IP, p, sizeof(p));
	cr_assert_eq(worker()->lc[DPV_LC_sip_tx_arp_miss], 1);
	free_all(out, 1);
	rte_pktmbuf_free(m);
}

Test(egress, no_next_hop_is_an_error_without_arp)
{
	struct rte_mbuf *m = msg("x", 1), *out[4];

	eng.ports[1].net.gateway = 0;
	cr_assert_eq(send_to(m, FAR_IP), EGRESS_ERROR);
	cr_assert_eq(wire(0, out, 4) + wire(1, out, 4), 0);
	cr_assert_eq(worker()->lc[DPV_LC_sip_tx_arp_miss], 1);
	rte_pktmbuf_free(m);
}

/* ---- framing ---- */

Test(egress, a_retransmitted_held_message_is_framed_once)
{
	static const char p[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct rte_mbuf *m = msg(p, sizeof(p)), *out[8];

	learn(0, P0_PEER, &peer_mac);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(send_to(m, P0_PEER), EGRESS_SENT);
	/* Headers put in front once: one 42-byte step into the headroom, not three. */
	cr_assert_eq(m->data_off, RTE_PKTMBUF_HEADROOM - HDRS);
	cr_assert_eq(m->pkt_len, HDRS + sizeof(p));
	cr_assert_eq(rte_mbuf_refcnt_read(m), 4, "the caller's and one per send");
	cr_assert_eq(wire(0, out, 8), 3);
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(out[i], m, "the held frame itself, by reference");
		assert_udp_frame(out[i], 0, &peer_mac, P0_PEER, p, sizeof(p));
	}
	free_all(out, 3);
	cr_assert_eq(rte_mbuf_refcnt_read(m), 1);
	cr_assert_eq(pc(0)[DPV_C_tx], 3);
	rte_pktmbuf_free(m);
	cr_assert_eq(rte_mempool_in_use_count(msg_pool), 0);
}

Test(egress, framed_whatever_the_hash_field_holds)
{
	static const char p[] = "INVITE sip:x SIP/2.0\r\n\r\n";
	struct rte_mbuf *m = msg(p, sizeof(p)), *out[4];

	/* hash.rss is the PMD's on receive (RSS), and hash.usr shares it: the "headers already in
	 * front" mark must not live there. This is the value the mark once used. */
	m->hash.rss = 0x44505646u;
	learn(0, P0_PEER, &peer_mac);
	cr_assert_eq(send_to(m, P0_PEER), EGRESS_SENT);
	cr_assert_eq(wire(0, out, 4), 1);
	assert_udp_frame(out[0], 0, &peer_mac, P0_PEER, p, sizeof(p));
	free_all(out, 1);
	rte_pktmbuf_free(m);
}

Test(egress, a_recycled_mbuf_starts_unframed)
{
	static const char a[] = "first message", b[] = "second, longer message";
	struct rte_mempool *one =
	    rte_pktmbuf_pool_create("one", 1, 0, DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	struct rte_mbuf *m, *m2, *out[4];

	cr_assert_not_null(one);
	learn(0, P0_PEER, &peer_mac);
	m = egress_msg_alloc(one);
	memcpy(rte_pktmbuf_append(m, sizeof(a)), a, sizeof(a));
	cr_assert_eq(send_to(m, P0_PEER), EGRESS_SENT);
	cr_assert_eq(wire(0, out, 4), 1);
	free_all(out, 1);
	rte_pktmbuf_free(m);
	/* The pool's only mbuf again, as a new message: framed anew, not taken as framed. */
	m2 = egress_msg_alloc(one);
	cr_assert_eq(m2, m);
	memcpy(rte_pktmbuf_append(m2, sizeof(b)), b, sizeof(b));
	cr_assert_eq(send_to(m2, P0_PEER), EGRESS_SENT);
	cr_assert_eq(wire(0, out, 4), 1);
	assert_udp_frame(out[0], 0, &peer_mac, P0_PEER, b, sizeof(b));
	free_all(out, 1);
	rte_pktmbuf_free(m2);
}

/* ---- fragments ---- */

/* Put the fragments of one datagram back together; returns the UDP datagram's length. */
static unsigned
reassemble(struct rte_mbuf **f, unsigned n, uint8_t *dgram, unsigned cap,
           struct rte_ipv4_hdr *first, uint16_t mtu)
{
	unsigned next = 0, total = 0;
	uint16_t id = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip =
		    rte_pktmbuf_mtod_offset(f[i], const struct rte_ipv4_hdr *, 14);
		uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
		unsigned off = (unsigned)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8;
		unsigned len = rte_be_to_cpu_16(ip->total_length) - 20u;
		bool last = i + 1 == n;

		cr_assert_eq(f[i]->nb_segs, 1, "single segment");
		cr_assert_eq(f[i]->pkt_len, 14 + 20 + len);
		cr_assert_leq(20 + len, mtu, "fragment %u within the MTU", i);
		cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff, "fragment %u header checksum", i);
		cr_assert_eq(fo & RTE_IPV4_HDR_DF_FLAG, 0, "DF cleared");
		cr_assert_eq(!!(fo & RTE_IPV4_HDR_MF_FLAG), !last, "MF on all but the last");
		if (i == 0) {
			id = ip->packet_id;
			*first = *ip;
		}
		cr_assert_eq(ip->packet_id, id, "one IP id");
		cr_assert_eq(off, next, "fragments in order, no hole or overlap");
		cr_assert_leq(off + len, cap);
		memcpy(dgram + off, (const uint8_t *)ip + 20, len);
		next = off + len;
		total = next;
	}
	return total;
}

Test(egress, a_datagram_over_the_mtu_leaves_as_fragments_that_reassemble)
{
	static uint8_t payload[1800], dgram[2048] __rte_aligned(8);
	struct {
		struct rte_ipv4_hdr ip;
		uint8_t udp[sizeof(dgram)];
	} __rte_packed whole;
	struct rte_mbuf *m, *out[16];
	unsigned n, len;

	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	m = msg(payload, sizeof(payload));
	eng.ports[0].mtu = 576;
	learn(0, P0_PEER, &peer_mac);
	cr_assert_eq(send_to(m, P0_PEER), EGRESS_SENT);
	cr_assert_eq(worker()->lc[DPV_LC_sip_tx_fragmented], 1);
	n = wire(0, out, 16);
	cr_assert_eq(n, 4, "8 + 1800 bytes in 552-byte pieces");
	for (unsigned i = 0; i < n; i++) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(out[i], struct rte_ether_hdr *);

		cr_assert_neq(out[i], m, "copies, not the held frame");
		cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &peer_mac));
		cr_assert(rte_is_same_ether_addr(&eth->src_addr, &eng.ports[0].net.mac));
		cr_assert_eq(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	}
	len = reassemble(out, n, dgram, sizeof(dgram), &whole.ip, 576);
	cr_assert_eq(len, 8 + sizeof(payload));
	cr_assert_neq(whole.ip.packet_id, 0, "a fragmented datagram has an id");
	cr_assert_eq(whole.ip.src_addr, rte_cpu_to_be_32(P0_IP));
	cr_assert_eq(whole.ip.dst_addr, rte_cpu_to_be_32(P0_PEER));
	/* The reassembled datagram: the original UDP header, checksum and payload. */
	whole.ip.total_length = rte_cpu_to_be_16((uint16_t)(20 + len));
	whole.ip.fragment_offset = 0;
	memcpy(whole.udp, dgram, len);
	cr_assert_eq(rte_be_to_cpu_16(((struct rte_udp_hdr *)whole.udp)->dgram_len), len);
	cr_assert_eq(rte_ipv4_udptcp_cksum_verify(&whole.ip, (struct rte_udp_hdr *)whole.udp), 0,
	             "UDP checksum over the whole datagram");
	cr_assert_arr_eq(whole.udp + 8, payload, sizeof(payload));
	free_all(out, n);

	/* The held frame is untouched: a retransmission fragments it again, with the same id. */
	cr_assert_eq(m->pkt_len, HDRS + sizeof(payload));
	cr_assert_eq(rte_mbuf_refcnt_read(m), 1);
	cr_assert_eq(send_to(m, P0_PEER), EGRESS_SENT);
	cr_assert_eq(worker()->lc[DPV_LC_sip_tx_fragmented], 2);
	n = wire(0, out, 16);
	cr_assert_eq(n, 4);
	cr_assert_eq(rte_pktmbuf_mtod_offset(out[0], struct rte_ipv4_hdr *, 14)->packet_id,
	             whole.ip.packet_id);
	free_all(out, n);
	rte_pktmbuf_free(m);
	cr_assert_eq(rte_mempool_in_use_count(frag_pool), 0);
	cr_assert_eq(rte_mempool_in_use_count(msg_pool), 0);
}

Test(egress, over_the_mtu_without_a_fragment_pool_is_an_error)
{
	static uint8_t payload[1600];
	struct rte_mbuf *m = msg(payload, sizeof(payload)), *out[4];

	worker()->frag_pool = NULL;
	learn(0, P0_PEER, &peer_mac);
	cr_assert_eq(send_to(m, P0_PEER), EGRESS_ERROR);
	cr_assert_eq(worker()->lc[DPV_LC_sip_tx_no_mbuf], 1);
	cr_assert_eq(wire(0, out, 4), 0);
	rte_pktmbuf_free(m);
}
