/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L2/L3 on the packet path: ARP (cache, replies, requests), ICMP echo, IPv4
 * and UDP checks, classification into SIP / RTP, UDP replies and frames
 * built from scratch. These are pure frame operations on one mbuf; choosing
 * the port, resolving the next hop and fragmenting are egress.c's.
 *
 * Everything here runs per packet: no heap, locks, logging or syscalls.
 * Frames must sit in one contiguous segment; a chained mbuf is dropped and
 * counted as drop_short_frame, because its headers are not guaranteed to be
 * in the first segment and nothing we receive needs more than one segment.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_udp.h>

#include "engine_int.h"

#define ETH_LEN    ((uint32_t)sizeof(struct rte_ether_hdr))
#define ARP_LEN    ((uint32_t)sizeof(struct rte_arp_hdr))
#define IP_MIN_LEN ((uint32_t)sizeof(struct rte_ipv4_hdr))
#define UDP_LEN    ((uint32_t)sizeof(struct rte_udp_hdr))
#define ICMP_LEN   ((uint32_t)sizeof(struct rte_icmp_hdr))
#define TTL        64

/* ---- ARP cache ---- */

/*
 * Open addressing with a bounded probe window: an IP lives in one of
 * ARP_PROBE slots after its hash. Slots are never emptied, only replaced
 * (the oldest of the window) when the window is full.
 *
 * Each slot is a seqlock: a writer moves seq from even to odd with a CAS
 * (another media lcore holding the slot makes it skip the update: the next
 * ARP packet will refresh it), writes, then publishes seq + 2. Readers take
 * a snapshot between two equal even reads of seq. Data fields are accessed
 * with relaxed atomics and fences in the C11 seqlock pattern, so there is no
 * data race even in the formal model.
 */
#define ARP_PROBE 8
#define ARP_TRIES 4
#define ARP_MASK  (DPV_ARP_ENTRIES - 1)
#define ARP_BITS  __builtin_ctz(DPV_ARP_ENTRIES)

_Static_assert((DPV_ARP_ENTRIES & (DPV_ARP_ENTRIES - 1)) == 0, "DPV_ARP_ENTRIES: power of two");
_Static_assert(DPV_ARP_ENTRIES >= ARP_PROBE, "DPV_ARP_ENTRIES smaller than the probe window");

static inline uint32_t
arp_hash(uint32_t ip)
{
	/* Fibonacci hashing: neighbours on one subnet differ in the low bits. */
	return (ip * 2654435761u) >> (32 - ARP_BITS);
}

static inline void
arp_mac_load(const struct dpv_arp_entry *e, struct rte_ether_addr *mac)
{
	for (unsigned i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		mac->addr_bytes[i] = __atomic_load_n(&e->mac.addr_bytes[i], __ATOMIC_RELAXED);
}

static inline void
arp_mac_store(struct dpv_arp_entry *e, const struct rte_ether_addr *mac)
{
	for (unsigned i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		__atomic_store_n(&e->mac.addr_bytes[i], mac->addr_bytes[i], __ATOMIC_RELAXED);
}

int
dpv_arp_learn(struct dpv_arp_cache *c, uint32_t ip, const struct rte_ether_addr *mac,
              uint64_t now_tsc)
{
	uint32_t h = arp_hash(ip);
	struct dpv_arp_entry *pick = NULL, *empty = NULL, *oldest = NULL;
	uint32_t pick_seq = 0, empty_seq = 0, oldest_seq = 0;
	uint64_t oldest_tsc = UINT64_MAX;
	struct rte_ether_addr cur;
	bool match = false;

	if (ip == 0)
		return 0;
	for (unsigned i = 0; i < ARP_PROBE; i++) {
		struct dpv_arp_entry *e = &c->e[(h + i) & ARP_MASK];
		uint32_t s = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		uint32_t eip = __atomic_load_n(&e->ip, __ATOMIC_RELAXED);
		uint64_t t = __atomic_load_n(&e->updated_tsc, __ATOMIC_RELAXED);

		if (eip == ip) {
			/* Even mid-write: never start a second slot for the same IP. */
			pick = e;
			pick_seq = s;
			match = true;
			break;
		}
		if (s & 1)
			continue;
		if (eip == 0) {
			if (empty == NULL) {
				empty = e;
				empty_seq = s;
			}
		} else if (t < oldest_tsc) {
			oldest_tsc = t;
			oldest = e;
			oldest_seq = s;
		}
	}
	if (!match) {
		pick = empty ? empty : oldest;
		pick_seq = empty ? empty_seq : oldest_seq;
	}
	if (pick == NULL || (pick_seq & 1))
		return 0;
	/* The CAS from the scanned value also proves the slot did not change since the scan. */
	if (!__atomic_compare_exchange_n(&pick->seq, &pick_seq, pick_seq + 1, false,
	                                 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	/* Orders seq (odd) before the data stores for readers' fence-fence synchronisation. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	arp_mac_load(pick, &cur);
	int changed = !match || !rte_is_same_ether_addr(&cur, mac);
	__atomic_store_n(&pick->ip, ip, __ATOMIC_RELAXED);
	arp_mac_store(pick, mac);
	__atomic_store_n(&pick->updated_tsc, now_tsc, __ATOMIC_RELAXED);
	__atomic_store_n(&pick->seq, pick_seq + 2, __ATOMIC_RELEASE);
	return changed;
}

int
dpv_arp_lookup(const struct dpv_arp_cache *c, uint32_t ip, struct rte_ether_addr *mac)
{
	uint32_t h = arp_hash(ip);

	if (ip == 0)
		return -1;
	for (unsigned i = 0; i < ARP_PROBE; i++) {
		const struct dpv_arp_entry *e = &c->e[(h + i) & ARP_MASK];

		for (unsigned t = 0; t < ARP_TRIES; t++) {
			struct rte_ether_addr tmp;
			uint32_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
			uint32_t eip = __atomic_load_n(&e->ip, __ATOMIC_RELAXED);

			arp_mac_load(e, &tmp);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if ((s1 & 1) || __atomic_load_n(&e->seq, __ATOMIC_RELAXED) != s1) {
				rte_pause();
				continue;
			}
			if (eip != ip)
				break;
			*mac = tmp;
			return 0;
		}
	}
	return -1;
}

/* ---- helpers ---- */

static inline enum dpv_verdict
drop(uint64_t *counters, enum dpv_port_counter cause)
{
	counters[cause]++;
	return DPV_V_DROP;
}

static inline bool
on_link(const struct dpv_net_ctx *ctx, uint32_t ip)
{
	return ((ip ^ ctx->addr) & ctx->netmask) == 0;
}

/* RFC 1624 eqn. 3 on raw 16-bit words; byte order does not matter to a ones' complement sum. */
static inline uint16_t
cksum_adjust(uint16_t hc, uint16_t old, uint16_t new)
{
	uint32_t s = (uint32_t)(uint16_t)~hc + (uint16_t)~old + new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Masked RX checksum flags: 0 NIC says good, 1 NIC says bad, -1 verify in software. */
static inline int
ol_verdict(uint64_t f, uint64_t good, uint64_t bad, uint64_t none)
{
	/* NONE: data not checksummed but integrity verified (virtio): as good as GOOD. */
	if (f == good || f == none)
		return 0;
	return f == bad ? 1 : -1;
}

/* ---- ARP ---- */

static enum dpv_verdict
arp_input(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, uint8_t *p, uint32_t len,
          uint64_t *counters, uint64_t now_tsc)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(p + ETH_LEN);

	counters[DPV_C_rx_arp]++;
	if (unlikely(len < ETH_LEN + ARP_LEN))
		return drop(counters, DPV_C_drop_arp_malformed);
	uint16_t op = rte_be_to_cpu_16(arp->arp_opcode);
	if (unlikely(arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	             arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	             arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	             (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY)))
		return drop(counters, DPV_C_drop_arp_malformed);

	uint32_t sip = rte_be_to_cpu_32(arp->arp_data.arp_sip);
	uint32_t tip = rte_be_to_cpu_32(arp->arp_data.arp_tip);
	/* Only unicast neighbours on our subnet; never ourselves, 0 (probes) or the broadcast. */
	if (on_link(ctx, sip) && sip != ctx->addr && sip != 0 &&
	    sip != (ctx->addr | ~ctx->netmask) &&
	    rte_is_unicast_ether_addr(&arp->arp_data.arp_sha) &&
	    !rte_is_zero_ether_addr(&arp->arp_data.arp_sha))
		counters[DPV_C_arp_learned] +=
		    dpv_arp_learn(ctx->arp, sip, &arp->arp_data.arp_sha, now_tsc);

	if (op != RTE_ARP_OP_REQUEST || tip != ctx->addr)
		return drop(counters, DPV_C_drop_arp_not_ours);

	rte_ether_addr_copy(&arp->arp_data.arp_sha, &eth->dst_addr);
	rte_ether_addr_copy(&ctx->mac, &eth->src_addr);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	rte_ether_addr_copy(&ctx->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = rte_cpu_to_be_32(ctx->addr);
	/* The request's Ethernet padding is not ours to send back; the NIC pads. */
	rte_pktmbuf_trim(m, (uint16_t)(len - ETH_LEN - ARP_LEN));
	counters[DPV_C_tx_arp_reply]++;
	return DPV_V_REPLY;
}

/* ---- ICMP ---- */

static enum dpv_verdict
icmp_input(const struct dpv_net_ctx *ctx, uint8_t *p, struct rte_ipv4_hdr *ip, uint32_t ihl,
           uint32_t tl, uint64_t *counters)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	uint32_t l4len = tl - ihl;

	counters[DPV_C_rx_icmp]++;
	if (unlikely(l4len < ICMP_LEN || rte_raw_cksum(icmp, l4len) != 0xffff))
		return drop(counters, DPV_C_drop_icmp_malformed);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0)
		return drop(counters, DPV_C_drop_icmp_type);

	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&ctx->mac, &eth->src_addr);
	ip->dst_addr = ip->src_addr;
	ip->src_addr = rte_cpu_to_be_32(ctx->addr);
	ip->time_to_live = TTL;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = cksum_adjust(icmp->icmp_cksum, RTE_BE16(RTE_IP_ICMP_ECHO_REQUEST << 8),
	                                RTE_BE16(RTE_IP_ICMP_ECHO_REPLY << 8));
	counters[DPV_C_tx_icmp_reply]++;
	return DPV_V_REPLY;
}

/* ---- UDP ---- */

static enum dpv_verdict
udp_input(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, uint8_t *p, struct rte_ipv4_hdr *ip,
          uint32_t ihl, uint32_t tl, struct dpv_pkt_info *info, uint64_t *counters)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)((uint8_t *)ip + ihl);
	uint32_t l4len = tl - ihl;

	counters[DPV_C_rx_udp]++;
	if (unlikely(l4len < UDP_LEN || rte_be_to_cpu_16(udp->dgram_len) != l4len))
		return drop(counters, DPV_C_drop_udp_len);
	uint16_t dport = rte_be_to_cpu_16(udp->dst_port);
	bool rtp = dport != ctx->sip_port && dport >= ctx->rtp_min && dport <= ctx->rtp_max;

	if (udp->dgram_cksum != 0) {
		int v = -1;

		if (ctx->rx_l4_cksum_offload)
			v = ol_verdict(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
			               RTE_MBUF_F_RX_L4_CKSUM_GOOD, RTE_MBUF_F_RX_L4_CKSUM_BAD,
			               RTE_MBUF_F_RX_L4_CKSUM_NONE);
		/*
		 * Media is not verified in software: the relay updates the checksum for its new
		 * headers without reading the payload (media.c), so a corrupted packet reaches the
		 * receiver with its bad checksum and is dropped there. Summing 172 bytes here would
		 * be most of the relay's cost. What a NIC already verified is still honoured.
		 */
		if (v < 0 && !rtp)
			v = dpv_cksum_sum(udp, l4len, rte_ipv4_phdr_cksum(ip, 0)) != 0xffff;
		if (unlikely(v > 0))
			return drop(counters, DPV_C_drop_udp_cksum);
	}

	enum dpv_verdict v;
	if (dport == ctx->sip_port) {
		counters[DPV_C_rx_sip]++;
		v = DPV_V_SIP;
	} else if (dport >= ctx->rtp_min && dport <= ctx->rtp_max) {
		counters[DPV_C_rx_rtp]++;
		v = DPV_V_RTP;
	} else {
		return drop(counters, DPV_C_drop_udp_port);
	}

	/*
	 * A broadcast MAC with our unicast IP: make the frame look addressed to
	 * us, so replies built in place from it (dpv_net_udp_reply) are sourced
	 * from our MAC.
	 */
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, &ctx->mac)))
		rte_ether_addr_copy(&ctx->mac, &eth->dst_addr);

	info->src_ip = rte_be_to_cpu_32(ip->src_addr);
	info->dst_ip = rte_be_to_cpu_32(ip->dst_addr);
	info->src_port = rte_be_to_cpu_16(udp->src_port);
	info->dst_port = dport;
	info->l3_off = ETH_LEN;
	info->l4_off = (uint16_t)(ETH_LEN + ihl);
	info->payload_off = (uint16_t)(ETH_LEN + ihl + UDP_LEN);
	info->payload_len = (uint16_t)(l4len - UDP_LEN);
	return v;
}

/* ---- IPv4 ---- */

static enum dpv_verdict
ipv4_input(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, uint8_t *p, uint32_t len,
           struct dpv_pkt_info *info, uint64_t *counters)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + ETH_LEN);
	uint32_t l3len = len - ETH_LEN;

	if (unlikely(l3len < IP_MIN_LEN))
		return drop(counters, DPV_C_drop_short_frame);
	if (unlikely((ip->version_ihl >> 4) != 4))
		return drop(counters, DPV_C_drop_ip_version);
	uint32_t ihl =
	    (uint32_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	if (unlikely(ihl < IP_MIN_LEN || ihl > l3len))
		return drop(counters, DPV_C_drop_ip_hdr_len);

	int bad = -1;
	if (ctx->rx_l3_cksum_offload)
		bad = ol_verdict(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK,
		                 RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_BAD,
		                 RTE_MBUF_F_RX_IP_CKSUM_NONE);
	if (bad < 0)
		bad = rte_raw_cksum(ip, ihl) != 0xffff;
	if (unlikely(bad))
		return drop(counters, DPV_C_drop_ip_cksum);

	uint32_t tl = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tl < ihl || tl > l3len))
		return drop(counters, DPV_C_drop_ip_len);
	if (tl < l3len)
		rte_pktmbuf_trim(m, (uint16_t)(l3len - tl)); /* Ethernet padding */
	if (unlikely(ip->fragment_offset &
	             RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
		return drop(counters, DPV_C_drop_ip_frag);
	if (unlikely(ip->dst_addr != rte_cpu_to_be_32(ctx->addr)))
		return drop(counters, DPV_C_drop_ip_not_ours);

	switch (ip->next_proto_id) {
	case IPPROTO_UDP:
		return udp_input(ctx, m, p, ip, ihl, tl, info, counters);
	case IPPROTO_ICMP:
		return icmp_input(ctx, p, ip, ihl, tl, counters);
	default:
		return drop(counters, DPV_C_drop_ip_proto);
	}
}

enum dpv_verdict
dpv_net_input(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, struct dpv_pkt_info *info,
              uint64_t *counters, uint64_t now_tsc)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = m->data_len;
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;

	if (unlikely(m->nb_segs != 1 || len < ETH_LEN))
		return drop(counters, DPV_C_drop_short_frame);
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, &ctx->mac) &&
	             !rte_is_broadcast_ether_addr(&eth->dst_addr)))
		return drop(counters, DPV_C_drop_l2_not_ours);

	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		return ipv4_input(ctx, m, p, len, info, counters);
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		return arp_input(ctx, m, p, len, counters, now_tsc);
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		return drop(counters, DPV_C_drop_ipv6); /* the place for IPv6 when it comes */
	default:
		/* VLAN and QinQ tags included: ports are untagged for now. */
		return drop(counters, DPV_C_drop_ethertype);
	}
}

/* ---- building frames ---- */

/* IPv4 header fields both builders share; the checksum is left to the caller. */
static inline void
ip_fill(struct rte_ipv4_hdr *ip, uint32_t ihl, uint16_t total, rte_be32_t src, rte_be32_t dst)
{
	ip->version_ihl = (uint8_t)(0x40 | (ihl / RTE_IPV4_IHL_MULTIPLIER));
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(total);
	/* DF and id 0: an atomic datagram (RFC 6864). One over the port's MTU is given an id and
	 * no DF by egress.c, which sends it as fragments. */
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = TTL;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = 0;
}

/* Checksums of a finished UDP/IPv4 frame, and the lengths TX offload would need. */
static inline void
udp_finish(struct rte_mbuf *m, struct rte_ipv4_hdr *ip, uint32_t ihl, struct rte_udp_hdr *udp)
{
	m->l2_len = ETH_LEN;
	m->l3_len = ihl;
	/*
	 * Software checksums. With TX offload, this is where to set
	 * RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM
	 * and put rte_ipv4_phdr_cksum() in udp->dgram_cksum instead.
	 */
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->dgram_cksum = 0;
	uint16_t ck = (uint16_t)~dpv_cksum_sum(udp, rte_be_to_cpu_16(udp->dgram_len),
	                                       rte_ipv4_phdr_cksum(ip, 0));
	udp->dgram_cksum = ck == 0 ? 0xffff : ck; /* a computed 0 is sent as all ones (RFC 768) */
}

void
dpv_net_udp_reply(struct rte_mbuf *m, const struct dpv_pkt_info *info, uint16_t len)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + info->l3_off);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + info->l4_off);
	uint32_t ihl = (uint32_t)info->l4_off - info->l3_off;
	struct rte_ether_addr mac;
	rte_be16_t port;

	/* dpv_net_input made dst our MAC even when the frame came broadcast. */
	rte_ether_addr_copy(&eth->dst_addr, &mac);
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&mac, &eth->src_addr);

	/* The sender's options (record route, source route) are not echoed: NOPs keep offsets. */
	if (ihl > IP_MIN_LEN)
		memset(ip + 1, RTE_IPV4_HDR_OPT_NOP, ihl - IP_MIN_LEN);
	ip_fill(ip, ihl, (uint16_t)(ihl + UDP_LEN + len), ip->dst_addr, ip->src_addr);

	port = udp->src_port;
	udp->src_port = udp->dst_port;
	udp->dst_port = port;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(UDP_LEN + len));
	udp_finish(m, ip, ihl, udp);

	m->data_len = (uint16_t)(info->payload_off + len);
	m->pkt_len = m->data_len;
}

uint32_t
dpv_net_next_hop(const struct dpv_net_ctx *ctx, uint32_t dst_ip)
{
	return on_link(ctx, dst_ip) ? dst_ip : ctx->gateway;
}

/* Ethernet/IPv4/UDP headers at @a p for @a len payload bytes that follow them. */
static void
udp_headers(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, uint8_t *p,
            const struct rte_ether_addr *mac, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
            uint16_t len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + ETH_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + ETH_LEN + IP_MIN_LEN);

	rte_ether_addr_copy(mac, &eth->dst_addr);
	rte_ether_addr_copy(&ctx->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip_fill(ip, IP_MIN_LEN, (uint16_t)(IP_MIN_LEN + UDP_LEN + len), rte_cpu_to_be_32(ctx->addr),
	        rte_cpu_to_be_32(dst_ip));
	udp->src_port = rte_cpu_to_be_16(src_port);
	udp->dst_port = rte_cpu_to_be_16(dst_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(UDP_LEN + len));
	udp_finish(m, ip, IP_MIN_LEN, udp);
}

#define UDP_MAX_PAYLOAD (UINT16_MAX - ETH_LEN - IP_MIN_LEN - UDP_LEN) /* frame length fits */

int
dpv_net_udp_frame(const struct dpv_net_ctx *ctx, struct rte_mbuf *m,
                  const struct rte_ether_addr *mac, uint16_t src_port, uint32_t dst_ip,
                  uint16_t dst_port)
{
	uint32_t len = m->data_len;

	/* The checksum reads the payload as one run of bytes: one segment only. */
	if (m->nb_segs != 1 || len > UDP_MAX_PAYLOAD)
		return -1;
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(m, ETH_LEN + IP_MIN_LEN + UDP_LEN);
	if (p == NULL)
		return -1;
	udp_headers(ctx, m, p, mac, src_port, dst_ip, dst_port, (uint16_t)len);
	return 0;
}

void
dpv_net_arp_request(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, uint32_t ip)
{
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(ETH_LEN + ARP_LEN));

	if (p == NULL)
		return; /* no room: m stays empty, the caller sees pkt_len 0 */
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(p + ETH_LEN);

	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&ctx->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&ctx->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = rte_cpu_to_be_32(ctx->addr);
	memset(&arp->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	arp->arp_data.arp_tip = rte_cpu_to_be_32(ip);
}
