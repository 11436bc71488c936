/* SPDX-License-Identifier: BSD-3-Clause */
/* L2/L3 (engine/net.c): crafted frames in fake mbufs, exact verdicts, counters and bytes. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "engine_int.h"
#include "frames.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static const struct rte_ether_addr our_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr peer_mac = {{0x02, 0, 0, 0, 0, 0x02}};
static const struct rte_ether_addr gw_mac = {{0x02, 0, 0, 0, 0, 0xfe}};
static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
#define OUR_IP  IP(198, 18, 0, 1)
#define PEER_IP IP(198, 18, 0, 2)
#define GW_IP   IP(198, 18, 0, 254)

static struct dpv_arp_cache arp, peer_arp;
static struct dpv_net_ctx ctx, peer;
static uint64_t cnt[DPV_C_MAX], peer_cnt[DPV_C_MAX];
static struct dpv_pkt_info info;

/* An mbuf around a static buffer: enough for mtod/append/trim without an EAL. */
struct fake {
	struct rte_mbuf m;
	uint8_t buf[2048] __rte_aligned(64);
};
static struct fake fm;

static struct rte_mbuf *
fake_mbuf(struct fake *f, const void *frame, uint16_t len)
{
	memset(&f->m, 0, sizeof(f->m));
	memset(f->buf, 0xa5, sizeof(f->buf));
	f->m.buf_addr = f->buf;
	f->m.buf_len = sizeof(f->buf);
	f->m.data_off = RTE_PKTMBUF_HEADROOM;
	f->m.nb_segs = 1;
	f->m.next = NULL;
	rte_mbuf_refcnt_set(&f->m, 1);
	if (len)
		memcpy(f->buf + RTE_PKTMBUF_HEADROOM, frame, len);
	f->m.data_len = len;
	f->m.pkt_len = len;
	return &f->m;
}

static uint8_t *
data(struct fake *f)
{
	return rte_pktmbuf_mtod(&f->m, uint8_t *);
}

static void
setup(void)
{
	memset(&arp, 0, sizeof(arp));
	memset(&peer_arp, 0, sizeof(peer_arp));
	memset(cnt, 0, sizeof(cnt));
	memset(peer_cnt, 0, sizeof(peer_cnt));
	memset(&info, 0, sizeof(info));
	ctx = (struct dpv_net_ctx){
	    .port_id = 0,
	    .mac = our_mac,
	    .addr = OUR_IP,
	    .netmask = 0xffffff00,
	    .gateway = GW_IP,
	    .sip_port = 5060,
	    .rtp_min = 20000,
	    .rtp_max = 29999,
	    .arp = &arp,
	};
	peer = ctx;
	peer.mac = peer_mac;
	peer.addr = PEER_IP;
	peer.sip_port = 5070;
	peer.arp = &peer_arp;
}

/* Exactly one counter moved by exactly one, besides the ones named in @a also. */
static void
assert_only(const uint64_t *c, enum dpv_port_counter drop_cause, const enum dpv_port_counter *also,
            unsigned n)
{
	for (unsigned i = 0; i < DPV_C_MAX; i++) {
		uint64_t want = (i == drop_cause) ? 1 : 0;
		for (unsigned j = 0; j < n; j++)
			if (also[j] == i)
				want = 1;
		cr_assert_eq(c[i], want, "counter %s = %lu, want %lu", dpv_port_counter_names[i],
		             (unsigned long)c[i], (unsigned long)want);
	}
}

#define ASSERT_COUNTERS(c, cause, ...)                                                             \
	do {                                                                                       \
		const enum dpv_port_counter also_[] = {__VA_ARGS__};                               \
		assert_only((c), (cause), also_, sizeof(also_) / sizeof(also_[0]));                \
	} while (0)
#define NONE DPV_C_MAX

/* ---- frame crafting (independent of net.c: DPDK's own checksum helpers) ---- */

static uint16_t
put_eth(uint8_t *b, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
        uint16_t type)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)b;

	e->dst_addr = *dst;
	e->src_addr = *src;
	e->ether_type = rte_cpu_to_be_16(type);
	return sizeof(*e);
}

static struct rte_ipv4_hdr *
ip_at(uint8_t *b)
{
	return (struct rte_ipv4_hdr *)(b + RTE_ETHER_HDR_LEN);
}

static void
fix_ip_cksum(uint8_t *b)
{
	ip_at(b)->hdr_checksum = 0;
	ip_at(b)->hdr_checksum = rte_ipv4_cksum(ip_at(b));
}

static uint16_t
put_ip(uint8_t *b, uint8_t proto, uint32_t src, uint32_t dst, uint16_t l4len)
{
	struct rte_ipv4_hdr *ip = ip_at(b);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(20 + l4len);
	ip->packet_id = rte_cpu_to_be_16(0x1234);
	ip->time_to_live = 17;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	fix_ip_cksum(b);
	return 20;
}

static struct rte_udp_hdr *
udp_at(uint8_t *b)
{
	return (struct rte_udp_hdr *)(b + RTE_ETHER_HDR_LEN + (ip_at(b)->version_ihl & 0xf) * 4);
}

static void
fix_udp_cksum(uint8_t *b)
{
	udp_at(b)->dgram_cksum = 0;
	udp_at(b)->dgram_cksum = rte_ipv4_udptcp_cksum(ip_at(b), udp_at(b));
}

/* A UDP frame from the peer to us. */
static uint16_t
udp_frame(uint8_t *b, uint16_t sport, uint16_t dport, const char *payload)
{
	uint16_t plen = (uint16_t)strlen(payload);
	uint16_t n = put_eth(b, &our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4);

	n += put_ip(b, IPPROTO_UDP, PEER_IP, OUR_IP, 8 + plen);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(b + n);
	u->src_port = rte_cpu_to_be_16(sport);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16(8 + plen);
	memcpy(u + 1, payload, plen);
	fix_udp_cksum(b);
	return n + 8 + plen;
}

static uint16_t
arp_frame(uint8_t *b, const struct rte_ether_addr *edst, uint16_t op,
          const struct rte_ether_addr *sha, uint32_t sip, uint32_t tip)
{
	uint16_t n = put_eth(b, edst, sha, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(b + n);

	a->arp_hardware = RTE_BE16(1);
	a->arp_protocol = RTE_BE16(0x0800);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = *sha;
	a->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	memset(&a->arp_data.arp_tha, 0, 6);
	a->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	return n + sizeof(*a);
}

static enum dpv_verdict
input(struct fake *f, const void *frame, uint16_t len)
{
	fake_mbuf(f, frame, len);
	return dpv_net_input(&ctx, &f->m, &info, cnt, 100);
}

TestSuite(net, .init = setup);

/* ---- Ethernet ---- */

Test(net, short_frame)
{
	uint8_t b[64] = {0};

	cr_assert_eq(input(&fm, b, 13), DPV_V_DROP);
	ASSERT_COUNTERS(cnt, DPV_C_drop_short_frame, NONE);
}

Test(net, chained_mbuf_dropped_as_short)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "x");

	fake_mbuf(&fm, b, n);
	fm.m.nb_segs = 2;
	cr_assert_eq(dpv_net_input(&ctx, &fm.m, &info, cnt, 0), DPV_V_DROP);
	ASSERT_COUNTERS(cnt, DPV_C_drop_short_frame, NONE);
}

Test(net, l2_not_ours)
{
	static const struct rte_ether_addr other = {{0x02, 0, 0, 0, 0, 0x09}};
	static const struct rte_ether_addr mcast = {{0x01, 0x00, 0x5e, 0, 0, 0x01}};
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "x");

	put_eth(b, &other, &peer_mac, RTE_ETHER_TYPE_IPV4);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	put_eth(b, &mcast, &peer_mac, RTE_ETHER_TYPE_IPV4);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	cr_assert_eq(cnt[DPV_C_drop_l2_not_ours], 2);
	cr_assert_eq(cnt[DPV_C_rx_udp], 0);
}

Test(net, ipv6_and_vlan_and_other_ethertypes)
{
	uint8_t b[128];

	memset(b, 0, sizeof(b));
	put_eth(b, &our_mac, &peer_mac, RTE_ETHER_TYPE_IPV6);
	cr_assert_eq(input(&fm, b, 80), DPV_V_DROP);
	ASSERT_COUNTERS(cnt, DPV_C_drop_ipv6, NONE);

	memset(cnt, 0, sizeof(cnt));
	uint16_t n = udp_frame(b, 1000, 5060, "x");
	put_eth(b, &our_mac, &peer_mac, RTE_ETHER_TYPE_VLAN);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	put_eth(b, &our_mac, &peer_mac, RTE_ETHER_TYPE_QINQ);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	put_eth(b, &our_mac, &peer_mac, 0x88cc); /* LLDP */
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	cr_assert_eq(cnt[DPV_C_drop_ethertype], 3);
	cr_assert_eq(cnt[DPV_C_drop_ipv6], 0);
}

/* ---- ARP ---- */

Test(net, arp_request_for_us_exact_reply)
{
	uint8_t b[60] = {0}; /* padded to the Ethernet minimum like on the wire */
	static const uint8_t want[42] = {
	    0x02, 0,    0,    0,    0, 0x02,                   /* dst: the asker */
	    0x02, 0,    0,    0,    0, 0x01,                   /* src: us */
	    0x08, 0x06,                                        /* ARP */
	    0x00, 0x01, 0x08, 0x00, 6, 4,    0x00, 0x02,       /* reply */
	    0x02, 0,    0,    0,    0, 0x01, 198,  18,   0, 1, /* sha/spa: us */
	    0x02, 0,    0,    0,    0, 0x02, 198,  18,   0, 2, /* tha/tpa: the asker */
	};
	struct rte_ether_addr mac;

	arp_frame(b, &bcast, RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP, OUR_IP);
	cr_assert_eq(input(&fm, b, sizeof(b)), DPV_V_REPLY);
	cr_assert_eq(fm.m.data_len, 42);
	cr_assert_eq(fm.m.pkt_len, 42);
	cr_assert_arr_eq(data(&fm), want, sizeof(want));
	ASSERT_COUNTERS(cnt, NONE, DPV_C_rx_arp, DPV_C_arp_learned, DPV_C_tx_arp_reply);
	cr_assert_eq(dpv_arp_lookup(&arp, PEER_IP, &mac), 0);
	cr_assert(rte_is_same_ether_addr(&mac, &peer_mac));
}

Test(net, arp_request_for_other_ip_learns_and_drops)
{
	uint8_t b[60] = {0};
	struct rte_ether_addr mac;

	arp_frame(b, &bcast, RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP, IP(198, 18, 0, 77));
	cr_assert_eq(input(&fm, b, sizeof(b)), DPV_V_DROP);
	ASSERT_COUNTERS(cnt, DPV_C_drop_arp_not_ours, DPV_C_rx_arp, DPV_C_arp_learned);
	cr_assert_eq(dpv_arp_lookup(&arp, PEER_IP, &mac), 0);
	cr_assert(rte_is_same_ether_addr(&mac, &peer_mac));
}

Test(net, arp_reply_and_gratuitous_learn_counted_on_change_only)
{
	static const struct rte_ether_addr moved = {{0x02, 0, 0, 0, 0, 0x22}};
	uint8_t b[60] = {0};
	struct rte_ether_addr mac;

	arp_frame(b, &our_mac, RTE_ARP_OP_REPLY, &peer_mac, PEER_IP, OUR_IP);
	cr_assert_eq(input(&fm, b, sizeof(b)), DPV_V_DROP);
	cr_assert_eq(input(&fm, b, sizeof(b)), DPV_V_DROP); /* same MAC: refresh, not counted */
	cr_assert_eq(cnt[DPV_C_arp_learned], 1);
	/* gratuitous request announcing a new MAC */
	arp_frame(b, &bcast, RTE_ARP_OP_REQUEST, &moved, PEER_IP, PEER_IP);
	cr_assert_eq(input(&fm, b, sizeof(b)), DPV_V_DROP);
	cr_assert_eq(cnt[DPV_C_arp_learned], 2);
	cr_assert_eq(cnt[DPV_C_drop_arp_not_ours], 3);
	cr_assert_eq(cnt[DPV_C_rx_arp], 3);
	cr_assert_eq(dpv_arp_lookup(&arp, PEER_IP, &mac), 0);
	cr_assert(rte_is_same_ether_addr(&mac, &moved));
}

Test(net, arp_sender_off_subnet_or_ourselves_not_learned)
{
	uint8_t b[60] = {0};
	struct rte_ether_addr mac;

	arp_frame(b, &bcast, RTE_ARP_OP_REQUEST, &peer_mac, IP(10, 0, 0, 2), OUR_IP);
	cr_assert_eq(input(&fm, b, sizeof(b)), DPV_V_REPLY); /* still answered */
	arp_frame(b, &bcast, RTE_ARP_OP_REQUEST, &peer_mac, OUR_IP, IP(198, 18, 0, 9));
	cr_assert_eq(input(&fm, b, sizeof(b)), DPV_V_DROP);
	arp_frame(b, &bcast, RTE_ARP_OP_REQUEST, &peer_mac, 0, OUR_IP); /* probe */
	cr_assert_eq(input(&fm, b, sizeof(b)), DPV_V_REPLY);
	cr_assert_eq(cnt[DPV_C_arp_learned], 0);
	cr_assert_eq(dpv_arp_lookup(&arp, IP(10, 0, 0, 2), &mac), -1);
	cr_assert_eq(dpv_arp_lookup(&arp, OUR_IP, &mac), -1);
}

Test(net, arp_malformed)
{
	uint8_t b[60] = {0};
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(b + 14);
	unsigned n = 0;

#define BAD_ARP(stmt)                                                                              \
	do {                                                                                       \
		arp_frame(b, &bcast, RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP, OUR_IP);              \
		stmt;                                                                              \
		cr_assert_eq(input(&fm, b, sizeof(b)), DPV_V_DROP, #stmt);                         \
		n++;                                                                               \
	} while (0)
	BAD_ARP(a->arp_hardware = RTE_BE16(6));
	BAD_ARP(a->arp_protocol = RTE_BE16(0x86dd));
	BAD_ARP(a->arp_hlen = 8);
	BAD_ARP(a->arp_plen = 16);
	BAD_ARP(a->arp_opcode = RTE_BE16(3));
	BAD_ARP(a->arp_opcode = RTE_BE16(0));
#undef BAD_ARP
	arp_frame(b, &bcast, RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP, OUR_IP);
	cr_assert_eq(input(&fm, b, 14 + 27), DPV_V_DROP);
	n++;
	cr_assert_eq(cnt[DPV_C_drop_arp_malformed], n);
	cr_assert_eq(cnt[DPV_C_rx_arp], n);
	cr_assert_eq(cnt[DPV_C_arp_learned], 0);
	cr_assert_eq(cnt[DPV_C_tx_arp_reply], 0);
}

/* ---- IPv4 ---- */

Test(net, ip_short_header)
{
	uint8_t b[128];
	udp_frame(b, 1000, 5060, "x");

	cr_assert_eq(input(&fm, b, 14 + 19), DPV_V_DROP);
	ASSERT_COUNTERS(cnt, DPV_C_drop_short_frame, NONE);
}

Test(net, ip_version)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "x");

	ip_at(b)->version_ihl = 0x65;
	fix_ip_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	ASSERT_COUNTERS(cnt, DPV_C_drop_ip_version, NONE);
}

Test(net, ip_header_length)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "x");

	ip_at(b)->version_ihl = 0x44;
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	ip_at(b)->version_ihl = 0x4f; /* 60 bytes, frame holds 29 */
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	cr_assert_eq(cnt[DPV_C_drop_ip_hdr_len], 2);
	cr_assert_eq(cnt[DPV_C_drop_ip_cksum], 0);
}

Test(net, ip_bad_checksum)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "x");

	ip_at(b)->hdr_checksum ^= 0x0100;
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	ASSERT_COUNTERS(cnt, DPV_C_drop_ip_cksum, NONE);
}

Test(net, ip_total_length_too_big_or_too_small)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "x");

	ip_at(b)->total_length = rte_cpu_to_be_16(n - 14 + 1);
	fix_ip_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	ip_at(b)->total_length = rte_cpu_to_be_16(19);
	fix_ip_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	cr_assert_eq(cnt[DPV_C_drop_ip_len], 2);
	cr_assert_eq(cnt[DPV_C_rx_udp], 0);
}

Test(net, padded_frame_trimmed)
{
	uint8_t b[60];
	memset(b, 0xee, sizeof(b));
	uint16_t n = udp_frame(b, 1000, 20000, "rtp");

	cr_assert_eq(n, 45);
	cr_assert_eq(input(&fm, b, sizeof(b)), DPV_V_RTP);
	cr_assert_eq(fm.m.data_len, 45);
	cr_assert_eq(fm.m.pkt_len, 45);
	cr_assert_eq(info.payload_len, 3);
	ASSERT_COUNTERS(cnt, NONE, DPV_C_rx_udp, DPV_C_rx_rtp);
}

Test(net, fragments)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "x");

	ip_at(b)->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	fix_ip_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	ip_at(b)->fragment_offset = RTE_BE16(1);
	fix_ip_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	cr_assert_eq(cnt[DPV_C_drop_ip_frag], 2);
	ip_at(b)->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	fix_ip_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_SIP);
}

Test(net, not_our_ip)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "x");

	ip_at(b)->dst_addr = rte_cpu_to_be_32(IP(198, 18, 0, 3));
	fix_ip_cksum(b);
	fix_udp_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	ip_at(b)->dst_addr = RTE_BE32(0xffffffff);
	fix_ip_cksum(b);
	fix_udp_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	ip_at(b)->dst_addr = rte_cpu_to_be_32(IP(198, 18, 0, 255));
	fix_ip_cksum(b);
	fix_udp_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	cr_assert_eq(cnt[DPV_C_drop_ip_not_ours], 3);
	cr_assert_eq(cnt[DPV_C_rx_udp], 0);
}

Test(net, other_protocol)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "x");

	ip_at(b)->next_proto_id = IPPROTO_TCP;
	fix_ip_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	ASSERT_COUNTERS(cnt, DPV_C_drop_ip_proto, NONE);
}

/* ---- ICMP ---- */

static uint16_t
icmp_frame(uint8_t *b, uint8_t type)
{
	static const char pl[] = "0123456789abcdefghijklmnopqrstuvwxyz!"; /* odd length */
	uint16_t n = put_eth(b, &our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4);
	uint16_t l4 = sizeof(struct rte_icmp_hdr) + sizeof(pl) - 1;

	n += put_ip(b, IPPROTO_ICMP, PEER_IP, OUR_IP, l4);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(b + n);
	ic->icmp_type = type;
	ic->icmp_code = 0;
	ic->icmp_cksum = 0;
	ic->icmp_ident = RTE_BE16(0x4242);
	ic->icmp_seq_nb = RTE_BE16(7);
	memcpy(ic + 1, pl, sizeof(pl) - 1);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, l4);
	return n + l4;
}

Test(net, icmp_echo_reply)
{
	uint8_t b[128], orig[128];
	uint16_t n = icmp_frame(b, RTE_IP_ICMP_ECHO_REQUEST);

	memcpy(orig, b, n);
	cr_assert_eq(input(&fm, b, n), DPV_V_REPLY);
	ASSERT_COUNTERS(cnt, NONE, DPV_C_rx_icmp, DPV_C_tx_icmp_reply);

	uint8_t *r = data(&fm);
	struct rte_ipv4_hdr *ip = ip_at(r);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);
	cr_assert_eq(fm.m.data_len, n);
	cr_assert_arr_eq(r, &peer_mac, 6);
	cr_assert_arr_eq(r + 6, &our_mac, 6);
	cr_assert_eq(ip->src_addr, rte_cpu_to_be_32(OUR_IP));
	cr_assert_eq(ip->dst_addr, rte_cpu_to_be_32(PEER_IP));
	cr_assert_eq(ip->time_to_live, 64);
	cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff, "IP checksum");
	cr_assert_eq(ic->icmp_type, 0);
	cr_assert_eq(ic->icmp_code, 0);
	cr_assert_eq(ic->icmp_ident, RTE_BE16(0x4242));
	cr_assert_eq(ic->icmp_seq_nb, RTE_BE16(7));
	cr_assert_eq(rte_raw_cksum(ic, n - 34), 0xffff, "ICMP checksum");
	cr_assert_arr_eq(r + 42, orig + 42, n - 42, "payload echoed");
}

Test(net, icmp_malformed_and_other_types)
{
	uint8_t b[128];
	uint16_t n = icmp_frame(b, RTE_IP_ICMP_ECHO_REQUEST);

	b[34 + 8] ^= 1; /* payload changed under the checksum */
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	cr_assert_eq(cnt[DPV_C_drop_icmp_malformed], 1);

	n = icmp_frame(b, RTE_IP_ICMP_ECHO_REQUEST);
	ip_at(b)->total_length = rte_cpu_to_be_16(20 + 7);
	fix_ip_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	cr_assert_eq(cnt[DPV_C_drop_icmp_malformed], 2);

	n = icmp_frame(b, 13); /* timestamp */
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	n = icmp_frame(b, RTE_IP_ICMP_ECHO_REPLY);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	cr_assert_eq(cnt[DPV_C_drop_icmp_type], 2);
	cr_assert_eq(cnt[DPV_C_rx_icmp], 4);
	cr_assert_eq(cnt[DPV_C_tx_icmp_reply], 0);
}

/* ---- UDP ---- */

Test(net, udp_bad_length)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "hello");

	udp_at(b)->dgram_len = RTE_BE16(7);
	fix_udp_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	udp_frame(b, 1000, 5060, "hello");
	udp_at(b)->dgram_len = RTE_BE16(8 + 4); /* shorter than the IP payload */
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	udp_frame(b, 1000, 5060, "hello");
	udp_at(b)->dgram_len = RTE_BE16(8 + 6); /* longer than the IP payload */
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	udp_frame(b, 1000, 5060, "hello");
	ip_at(b)->total_length = rte_cpu_to_be_16(20 + 4); /* no room for a UDP header */
	fix_ip_cksum(b);
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	cr_assert_eq(cnt[DPV_C_drop_udp_len], 4);
	cr_assert_eq(cnt[DPV_C_rx_udp], 4);
	cr_assert_eq(cnt[DPV_C_drop_udp_cksum], 0);
}

Test(net, udp_bad_checksum)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "hello");

	b[n - 1] ^= 0x20;
	cr_assert_eq(input(&fm, b, n), DPV_V_DROP);
	ASSERT_COUNTERS(cnt, DPV_C_drop_udp_cksum, DPV_C_rx_udp);
}

/* RTP is relayed with its checksum updated, not verified: the receiver drops a corrupted one. */
Test(net, rtp_checksum_not_verified)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 20000, "rtp");

	b[n - 1] ^= 0x20;
	cr_assert_eq(input(&fm, b, n), DPV_V_RTP);
	ASSERT_COUNTERS(cnt, NONE, DPV_C_rx_udp, DPV_C_rx_rtp);
}

Test(net, udp_checksum_zero_accepted)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "hello");

	udp_at(b)->dgram_cksum = 0;
	b[n - 1] ^= 0x20;
	cr_assert_eq(input(&fm, b, n), DPV_V_SIP);
	ASSERT_COUNTERS(cnt, NONE, DPV_C_rx_udp, DPV_C_rx_sip);
}

Test(net, sip_port_fills_info)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 5099, 5060, "OPTIONS sip:x SIP/2.0\r\n");

	cr_assert_eq(input(&fm, b, n), DPV_V_SIP);
	ASSERT_COUNTERS(cnt, NONE, DPV_C_rx_udp, DPV_C_rx_sip);
	cr_assert_eq(info.src_ip, PEER_IP);
	cr_assert_eq(info.dst_ip, OUR_IP);
	cr_assert_eq(info.src_port, 5099);
	cr_assert_eq(info.dst_port, 5060);
	cr_assert_eq(info.l3_off, 14);
	cr_assert_eq(info.l4_off, 34);
	cr_assert_eq(info.payload_off, 42);
	cr_assert_eq(info.payload_len, 23);
	cr_assert_arr_eq(data(&fm) + info.payload_off, "OPTIONS sip:x SIP/2.0\r\n", 23);
}

Test(net, ip_options_shift_offsets)
{
	uint8_t b[128];
	const char *pl = "hi";
	uint16_t n = put_eth(b, &our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4);

	put_ip(b, IPPROTO_UDP, PEER_IP, OUR_IP, 0);
	struct rte_ipv4_hdr *ip = ip_at(b);
	ip->version_ihl = 0x46;
	ip->total_length = rte_cpu_to_be_16(24 + 8 + 2);
	memset(ip + 1, RTE_IPV4_HDR_OPT_NOP, 4);
	fix_ip_cksum(b);
	struct rte_udp_hdr *u = udp_at(b);
	u->src_port = RTE_BE16(1234);
	u->dst_port = RTE_BE16(5060);
	u->dgram_len = RTE_BE16(10);
	memcpy(u + 1, pl, 2);
	fix_udp_cksum(b);
	n += 24 + 10;
	cr_assert_eq(input(&fm, b, n), DPV_V_SIP);
	cr_assert_eq(info.l4_off, 38);
	cr_assert_eq(info.payload_off, 46);
	cr_assert_eq(info.payload_len, 2);
}

Test(net, rtp_range_edges)
{
	static const struct {
		uint16_t port;
		enum dpv_verdict v;
	} cases[] = {
	    {19999, DPV_V_DROP}, {20000, DPV_V_RTP},  {25000, DPV_V_RTP},
	    {29999, DPV_V_RTP},  {30000, DPV_V_DROP}, {5061, DPV_V_DROP},
	};
	uint8_t b[128];

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t n = udp_frame(b, 40000, cases[i].port, "rtp!");
		cr_assert_eq(input(&fm, b, n), cases[i].v, "port %u", cases[i].port);
		if (cases[i].v == DPV_V_RTP) {
			cr_assert_eq(info.dst_port, cases[i].port);
			cr_assert_eq(info.payload_len, 4);
		}
	}
	cr_assert_eq(cnt[DPV_C_rx_rtp], 3);
	cr_assert_eq(cnt[DPV_C_drop_udp_port], 3);
	cr_assert_eq(cnt[DPV_C_rx_udp], 6);
	cr_assert_eq(cnt[DPV_C_rx_sip], 0);
}

Test(net, sip_port_wins_inside_rtp_range)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 20000, "x");

	ctx.sip_port = 20000;
	cr_assert_eq(input(&fm, b, n), DPV_V_SIP);
}

/* ---- checksum offload flags ---- */

static enum dpv_verdict
input_flags(const void *frame, uint16_t len, uint64_t flags)
{
	fake_mbuf(&fm, frame, len);
	fm.m.ol_flags = flags;
	return dpv_net_input(&ctx, &fm.m, &info, cnt, 0);
}

Test(net, l3_offload_flags)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "x");

	ip_at(b)->hdr_checksum ^= 1; /* wrong in the data */
	/* not trusted while the port has no offload */
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_IP_CKSUM_GOOD), DPV_V_DROP);
	ctx.rx_l3_cksum_offload = true;
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_IP_CKSUM_GOOD), DPV_V_SIP);
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_IP_CKSUM_NONE), DPV_V_SIP);
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN), DPV_V_DROP);
	ip_at(b)->hdr_checksum ^= 1; /* right in the data, but the NIC says bad */
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_IP_CKSUM_BAD), DPV_V_DROP);
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN), DPV_V_SIP);
	cr_assert_eq(cnt[DPV_C_drop_ip_cksum], 3);
	cr_assert_eq(cnt[DPV_C_rx_sip], 3);
}

Test(net, l4_offload_flags)
{
	uint8_t b[128];
	uint16_t n = udp_frame(b, 1000, 5060, "hello");

	udp_at(b)->dgram_cksum ^= 1;
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_L4_CKSUM_GOOD), DPV_V_DROP);
	ctx.rx_l4_cksum_offload = true;
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_L4_CKSUM_GOOD), DPV_V_SIP);
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_L4_CKSUM_NONE), DPV_V_SIP);
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN), DPV_V_DROP);
	udp_at(b)->dgram_cksum ^= 1;
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_L4_CKSUM_BAD), DPV_V_DROP);
	cr_assert_eq(input_flags(b, n, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN), DPV_V_SIP);
	cr_assert_eq(cnt[DPV_C_drop_udp_cksum], 3);
	cr_assert_eq(cnt[DPV_C_rx_sip], 3);
}

/* ---- ARP cache ---- */

static struct rte_ether_addr
mac_of(uint32_t ip, uint8_t variant)
{
	struct rte_ether_addr m = {{0x02, variant, (uint8_t)(ip >> 24), (uint8_t)(ip >> 16),
	                            (uint8_t)(ip >> 8), (uint8_t)ip}};
	return m;
}

Test(net, arp_cache_learn_lookup_overwrite)
{
	struct rte_ether_addr a = mac_of(PEER_IP, 1), b = mac_of(PEER_IP, 2), got;

	cr_assert_eq(dpv_arp_lookup(&arp, PEER_IP, &got), -1);
	cr_assert_eq(dpv_arp_lookup(&arp, 0, &got), -1);
	dpv_arp_learn(&arp, PEER_IP, &a, 1);
	cr_assert_eq(dpv_arp_lookup(&arp, PEER_IP, &got), 0);
	cr_assert(rte_is_same_ether_addr(&got, &a));
	dpv_arp_learn(&arp, PEER_IP, &b, 2);
	cr_assert_eq(dpv_arp_lookup(&arp, PEER_IP, &got), 0);
	cr_assert(rte_is_same_ether_addr(&got, &b));
	cr_assert_eq(dpv_arp_lookup(&arp, PEER_IP + 1, &got), -1);

	unsigned used = 0;
	for (unsigned i = 0; i < DPV_ARP_ENTRIES; i++) {
		used += arp.e[i].ip != 0;
		cr_assert_eq(arp.e[i].seq & 1, 0);
	}
	cr_assert_eq(used, 1, "an overwrite reuses the slot");
	dpv_arp_learn(&arp, 0, &a, 3); /* 0 marks empty slots: never learned */
	cr_assert_eq(dpv_arp_lookup(&arp, 0, &got), -1);
}

Test(net, arp_cache_full_table)
{
	const uint32_t n = DPV_ARP_ENTRIES * 8, refreshed = IP(10, 9, 9, 9);
	struct rte_ether_addr got, keep = mac_of(refreshed, 7);
	unsigned found = 0;

	dpv_arp_learn(&arp, refreshed, &keep, 0);
	for (uint32_t i = 0; i < n; i++) {
		struct rte_ether_addr m = mac_of(IP(10, 1, 0, 0) + i, 1);
		dpv_arp_learn(&arp, IP(10, 1, 0, 0) + i, &m, 1 + 2 * i);
		/* always the newest of its window, so never the one replaced */
		dpv_arp_learn(&arp, refreshed, &keep, 2 + 2 * i);
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ip = IP(10, 1, 0, 0) + i;
		if (dpv_arp_lookup(&arp, ip, &got) == 0) {
			struct rte_ether_addr want = mac_of(ip, 1);
			cr_assert(rte_is_same_ether_addr(&got, &want), "right MAC for a found IP");
			found++;
		}
	}
	cr_assert_eq(found, DPV_ARP_ENTRIES - 1, "every slot used, one held by the refreshed IP");
	cr_assert_eq(dpv_arp_lookup(&arp, refreshed, &got), 0);
	cr_assert(rte_is_same_ether_addr(&got, &keep));
	cr_assert_eq(dpv_arp_lookup(&arp, IP(10, 1, 0, 0) + n - 1, &got), 0, "newest kept");
	/* the first learned was the oldest everywhere: replaced long ago, and learnable again */
	struct rte_ether_addr first = mac_of(IP(10, 1, 0, 0), 1);
	cr_assert_eq(dpv_arp_lookup(&arp, IP(10, 1, 0, 0), &got), -1);
	dpv_arp_learn(&arp, IP(10, 1, 0, 0), &first, 3 * n);
	cr_assert_eq(dpv_arp_lookup(&arp, IP(10, 1, 0, 0), &got), 0);
	cr_assert(rte_is_same_ether_addr(&got, &first));
}

Test(net, arp_cache_busy_slot_skips_update)
{
	struct rte_ether_addr a = mac_of(PEER_IP, 1), b = mac_of(PEER_IP, 2), got;
	unsigned slot = DPV_ARP_ENTRIES;

	dpv_arp_learn(&arp, PEER_IP, &a, 1);
	for (unsigned i = 0; i < DPV_ARP_ENTRIES; i++)
		if (arp.e[i].ip == PEER_IP)
			slot = i;
	cr_assert_neq(slot, DPV_ARP_ENTRIES);
	arp.e[slot].seq |= 1; /* another writer holds it */
	dpv_arp_learn(&arp, PEER_IP, &b, 2);
	cr_assert_eq(dpv_arp_lookup(&arp, PEER_IP, &got), -1, "a torn slot is never returned");
	arp.e[slot].seq++;
	cr_assert_eq(dpv_arp_lookup(&arp, PEER_IP, &got), 0);
	cr_assert(rte_is_same_ether_addr(&got, &a), "the busy slot was not written");
	unsigned used = 0;
	for (unsigned i = 0; i < DPV_ARP_ENTRIES; i++)
		used += arp.e[i].ip != 0;
	cr_assert_eq(used, 1, "no second slot for the same IP");
}

/* Two writers flip MACs until the reader is done; it must only ever see whole ones. */
#define RACE_IPS   1
#define RACE_READS 2000000
static volatile int race_stop;

static struct rte_ether_addr
race_mac(uint32_t ip, bool flipped)
{
	struct rte_ether_addr m = mac_of(ip, 0);

	/* flipped: every byte differs, so any mix of the two is visible */
	if (flipped)
		for (unsigned k = 0; k < 6; k++)
			m.addr_bytes[k] = (uint8_t)~m.addr_bytes[k];
	return m;
}

static void *
race_writer(void *arg)
{
	bool flipped = arg != NULL;

	for (uint64_t i = 0; !__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE); i++) {
		uint32_t ip = IP(198, 18, 1, 0) + i % RACE_IPS;
		struct rte_ether_addr m = race_mac(ip, flipped);
		dpv_arp_learn(&arp, ip, &m, i);
	}
	return NULL;
}

Test(net, arp_cache_concurrent_readers_never_see_torn_entries)
{
	pthread_t w[2];
	unsigned long hits = 0;

	for (unsigned i = 0; i < RACE_IPS; i++) {
		struct rte_ether_addr m = race_mac(IP(198, 18, 1, 0) + i, false);
		dpv_arp_learn(&arp, IP(198, 18, 1, 0) + i, &m, 0);
	}
	race_stop = 0;
	cr_assert_eq(pthread_create(&w[0], NULL, race_writer, NULL), 0);
	cr_assert_eq(pthread_create(&w[1], NULL, race_writer, (void *)1), 0);
	for (unsigned i = 0; i < RACE_READS; i++) {
		uint32_t ip = IP(198, 18, 1, 0) + i % RACE_IPS;
		struct rte_ether_addr got, a = race_mac(ip, false), b = race_mac(ip, true);

		if (dpv_arp_lookup(&arp, ip, &got) == 0) {
			hits++;
			cr_assert(rte_is_same_ether_addr(&got, &a) ||
			              rte_is_same_ether_addr(&got, &b),
			          "torn MAC for %08x", ip);
		}
	}
	__atomic_store_n(&race_stop, 1, __ATOMIC_RELEASE);
	pthread_join(w[0], NULL);
	pthread_join(w[1], NULL);
	for (unsigned i = 0; i < RACE_IPS; i++) {
		struct rte_ether_addr got;
		cr_assert_eq(dpv_arp_lookup(&arp, IP(198, 18, 1, 0) + i, &got), 0);
	}
	for (unsigned i = 0; i < DPV_ARP_ENTRIES; i++)
		cr_assert_eq(arp.e[i].seq & 1, 0, "no slot left locked");
	cr_assert_gt(hits, 0);
}

/* ---- building frames: round trips through the peer's dpv_net_input ---- */

static enum dpv_verdict
peer_input(struct fake *f)
{
	return dpv_net_input(&peer, &f->m, &info, peer_cnt, 0);
}

Test(net, udp_reply_round_trip)
{
	static const char resp[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	uint8_t b[256];
	uint16_t n = udp_frame(b, 5070, 5060, "OPTIONS sip:x SIP/2.0\r\n\r\n");

	cr_assert_eq(input(&fm, b, n), DPV_V_SIP);
	memcpy(data(&fm) + info.payload_off, resp, sizeof(resp) - 1);
	dpv_net_udp_reply(&fm.m, &info, sizeof(resp) - 1);
	cr_assert_eq(fm.m.data_len, 42 + sizeof(resp) - 1);
	cr_assert_eq(fm.m.pkt_len, fm.m.data_len);

	uint8_t *r = data(&fm);
	cr_assert_arr_eq(r, &peer_mac, 6);
	cr_assert_arr_eq(r + 6, &our_mac, 6);
	cr_assert_eq(ip_at(r)->time_to_live, 64);
	cr_assert_eq(rte_raw_cksum(ip_at(r), 20), 0xffff);
	cr_assert_eq(rte_ipv4_udptcp_cksum_verify(ip_at(r), udp_at(r)), 0);

	cr_assert_eq(peer_input(&fm), DPV_V_SIP);
	cr_assert_eq(info.src_ip, OUR_IP);
	cr_assert_eq(info.dst_ip, PEER_IP);
	cr_assert_eq(info.src_port, 5060);
	cr_assert_eq(info.dst_port, 5070);
	cr_assert_eq(info.payload_len, sizeof(resp) - 1);
	cr_assert_arr_eq(data(&fm) + info.payload_off, resp, sizeof(resp) - 1);
}

Test(net, udp_reply_to_broadcast_mac_sourced_from_our_mac)
{
	uint8_t b[256];
	uint16_t n = udp_frame(b, 5070, 5060, "OPTIONS sip:x SIP/2.0\r\n\r\n");

	put_eth(b, &bcast, &peer_mac, RTE_ETHER_TYPE_IPV4);
	cr_assert_eq(input(&fm, b, n), DPV_V_SIP);
	dpv_net_udp_reply(&fm.m, &info, 3);
	cr_assert_arr_eq(data(&fm) + 6, &our_mac, 6);
	cr_assert_eq(peer_input(&fm), DPV_V_SIP);
}

Test(net, udp_reply_with_ip_options_neutralised)
{
	uint8_t b[128];
	uint16_t n = put_eth(b, &our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4);

	put_ip(b, IPPROTO_UDP, PEER_IP, OUR_IP, 0);
	struct rte_ipv4_hdr *ip = ip_at(b);
	ip->version_ihl = 0x46;
	ip->total_length = rte_cpu_to_be_16(24 + 8 + 2);
	static const uint8_t rr[4] = {7, 4, 4, 0}; /* a record route with no room: just bytes */
	memcpy(ip + 1, rr, 4);
	fix_ip_cksum(b);
	struct rte_udp_hdr *u = udp_at(b);
	u->src_port = RTE_BE16(5070);
	u->dst_port = RTE_BE16(5060);
	u->dgram_len = RTE_BE16(10);
	memcpy(u + 1, "hi", 2);
	fix_udp_cksum(b);
	n += 24 + 10;
	cr_assert_eq(input(&fm, b, n), DPV_V_SIP);
	memcpy(data(&fm) + info.payload_off, "okay", 4);
	dpv_net_udp_reply(&fm.m, &info, 4);
	static const uint8_t nops[4] = {1, 1, 1, 1};
	cr_assert_arr_eq(data(&fm) + 34, nops, 4);
	cr_assert_eq(peer_input(&fm), DPV_V_SIP);
	cr_assert_eq(info.payload_len, 4);
	cr_assert_arr_eq(data(&fm) + info.payload_off, "okay", 4);
}

Test(net, udp_build_on_link)
{
	struct rte_ether_addr pm = peer_mac;

	fake_mbuf(&fm, NULL, 0);
	cr_assert_eq(frame_udp_build(&ctx, &fm.m, 20002, PEER_IP, 5070, "abc", 3), -1,
	             "MAC not known yet");
	cr_assert_eq(fm.m.data_len, 0, "nothing appended on failure");
	dpv_arp_learn(&arp, PEER_IP, &pm, 1);
	cr_assert_eq(frame_udp_build(&ctx, &fm.m, 20002, PEER_IP, 5070, "abc", 3), 0);
	cr_assert_eq(fm.m.data_len, 45);
	cr_assert_eq(fm.m.pkt_len, 45);
	cr_assert_arr_eq(data(&fm), &peer_mac, 6);
	cr_assert_arr_eq(data(&fm) + 6, &our_mac, 6);

	cr_assert_eq(peer_input(&fm), DPV_V_SIP);
	ASSERT_COUNTERS(peer_cnt, NONE, DPV_C_rx_udp, DPV_C_rx_sip);
	cr_assert_eq(info.src_ip, OUR_IP);
	cr_assert_eq(info.src_port, 20002);
	cr_assert_eq(info.payload_len, 3);
	cr_assert_arr_eq(data(&fm) + info.payload_off, "abc", 3);
}

Test(net, udp_build_off_link_via_gateway)
{
	struct rte_ether_addr gm = gw_mac;
	uint32_t far = IP(198, 19, 5, 5);

	fake_mbuf(&fm, NULL, 0);
	cr_assert_eq(frame_udp_build(&ctx, &fm.m, 20002, far, 30000, "x", 1), -1,
	             "gateway MAC not known yet");
	dpv_arp_learn(&arp, GW_IP, &gm, 1);
	cr_assert_eq(frame_udp_build(&ctx, &fm.m, 20002, far, 30000, "x", 1), 0);
	cr_assert_arr_eq(data(&fm), &gw_mac, 6);
	cr_assert_eq(ip_at(data(&fm))->dst_addr, rte_cpu_to_be_32(far));
	cr_assert_eq(rte_raw_cksum(ip_at(data(&fm)), 20), 0xffff);
	cr_assert_eq(rte_ipv4_udptcp_cksum_verify(ip_at(data(&fm)), udp_at(data(&fm))), 0);

	ctx.gateway = 0;
	fake_mbuf(&fm, NULL, 0);
	cr_assert_eq(frame_udp_build(&ctx, &fm.m, 20002, far, 30000, "x", 1), -1,
	             "off-link without a gateway");
	cr_assert_eq(fm.m.data_len, 0);
}

Test(net, udp_build_no_room)
{
	static uint8_t big[2048], huge[UINT16_MAX];
	struct rte_ether_addr pm = peer_mac;

	dpv_arp_learn(&arp, PEER_IP, &pm, 1);
	fake_mbuf(&fm, NULL, 0);
	cr_assert_eq(frame_udp_build(&ctx, &fm.m, 1, PEER_IP, 2, big, sizeof(big)), -1);
	cr_assert_eq(fm.m.data_len, 0);
	/* a length whose frame size wraps 16 bits must not turn into a tiny append */
	cr_assert_eq(frame_udp_build(&ctx, &fm.m, 1, PEER_IP, 2, huge, UINT16_MAX - 30), -1);
	cr_assert_eq(fm.m.data_len, 0);
}

Test(net, next_hop)
{
	cr_assert_eq(dpv_net_next_hop(&ctx, PEER_IP), PEER_IP);
	cr_assert_eq(dpv_net_next_hop(&ctx, IP(198, 18, 0, 255)), IP(198, 18, 0, 255));
	cr_assert_eq(dpv_net_next_hop(&ctx, IP(198, 18, 1, 2)), GW_IP);
	ctx.gateway = 0;
	cr_assert_eq(dpv_net_next_hop(&ctx, IP(198, 18, 1, 2)), 0);
}

Test(net, udp_encap_round_trip)
{
	static const char msg[] = "SIP/2.0 200 OK\r\n\r\n";
	struct rte_ether_addr pm = peer_mac;

	fake_mbuf(&fm, NULL, 0);
	memcpy(rte_pktmbuf_append(&fm.m, sizeof(msg) - 1), msg, sizeof(msg) - 1);
	cr_assert_eq(frame_udp_encap(&ctx, &fm.m, 5060, PEER_IP, 5070), -1, "MAC unknown");
	cr_assert_eq(fm.m.data_off, RTE_PKTMBUF_HEADROOM, "unchanged on failure");
	cr_assert_eq(fm.m.data_len, sizeof(msg) - 1);

	fm.m.nb_segs = 2;
	dpv_arp_learn(&arp, PEER_IP, &pm, 1);
	cr_assert_eq(frame_udp_encap(&ctx, &fm.m, 5060, PEER_IP, 5070), -1, "chained");
	fm.m.nb_segs = 1;

	cr_assert_eq(frame_udp_encap(&ctx, &fm.m, 5060, PEER_IP, 5070), 0);
	cr_assert_eq(fm.m.data_off, RTE_PKTMBUF_HEADROOM - 42);
	cr_assert_eq(fm.m.data_len, 42 + sizeof(msg) - 1);
	cr_assert_eq(fm.m.pkt_len, fm.m.data_len);
	cr_assert_eq(peer_input(&fm), DPV_V_SIP);
	cr_assert_eq(info.src_port, 5060);
	cr_assert_eq(info.payload_len, sizeof(msg) - 1);
	cr_assert_arr_eq(data(&fm) + info.payload_off, msg, sizeof(msg) - 1);

	/* not enough headroom for the headers */
	fake_mbuf(&fm, NULL, 0);
	fm.m.data_off = 41;
	memcpy(rte_pktmbuf_append(&fm.m, 3), "abc", 3);
	cr_assert_eq(frame_udp_encap(&ctx, &fm.m, 5060, PEER_IP, 5070), -1);
	cr_assert_eq(fm.m.data_off, 41);
	cr_assert_eq(fm.m.data_len, 3);
}

Test(net, arp_request_exact_and_round_trip)
{
	static const uint8_t want[42] = {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0,    0,    0, 0,   0x01, 0x08, 0x06,
	    0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01, 0x02, 0, 0,   0,    0,    0x01,
	    198,  18,   0,    1,    0,    0,    0,    0,    0,    0, 198, 18,   0,    2,
	};
	struct rte_ether_addr got;

	fake_mbuf(&fm, NULL, 0);
	dpv_net_arp_request(&ctx, &fm.m, PEER_IP);
	cr_assert_eq(fm.m.data_len, 42);
	cr_assert_arr_eq(data(&fm), want, 42);

	/* the peer answers and learns us; its answer teaches us the peer */
	cr_assert_eq(peer_input(&fm), DPV_V_REPLY);
	cr_assert_eq(peer_cnt[DPV_C_tx_arp_reply], 1);
	cr_assert_eq(dpv_arp_lookup(&peer_arp, OUR_IP, &got), 0);
	cr_assert(rte_is_same_ether_addr(&got, &our_mac));
	cr_assert_eq(dpv_net_input(&ctx, &fm.m, &info, cnt, 5), DPV_V_DROP);
	ASSERT_COUNTERS(cnt, DPV_C_drop_arp_not_ours, DPV_C_rx_arp, DPV_C_arp_learned);
	cr_assert_eq(dpv_arp_lookup(&arp, PEER_IP, &got), 0);
	cr_assert(rte_is_same_ether_addr(&got, &peer_mac));
}
