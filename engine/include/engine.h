/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file engine.h  engine layer: the packet path's building blocks that benchmarks, load
 * generators and tools drive directly: L2/L3 classification and frame building on one port
 * (net.c), the ARP cache, the per-port counters and the private area of the engine's mbufs.
 * Everything else of the engine (config, workers, signaling, control) is internal.
 */
#ifndef DPV_ENGINE_H
#define DPV_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dpv.h"

#define DPV_BURST       32  /**< packets per rx/tx burst */
#define DPV_ARP_ENTRIES 256 /**< ARP cache slots per port, power of two */

/* ---- counters ---- */

/* Every per-port counter, by name. Drops start with drop_. */
#define DPV_PORT_COUNTERS(X)                                                                       \
	X(rx)                                                                                      \
	X(tx)                                                                                      \
	X(tx_handed_off)                                                                           \
	X(rx_arp)                                                                                  \
	X(rx_icmp)                                                                                 \
	X(rx_udp)                                                                                  \
	X(rx_sip)                                                                                  \
	X(rx_rtp)                                                                                  \
	X(tx_arp_reply)                                                                            \
	X(tx_arp_request)                                                                          \
	X(tx_icmp_reply)                                                                           \
	X(arp_learned)                                                                             \
	X(drop_short_frame)                                                                        \
	X(drop_l2_not_ours)                                                                        \
	X(drop_ethertype)                                                                          \
	X(drop_ipv6)                                                                               \
	X(drop_arp_malformed)                                                                      \
	X(drop_arp_not_ours)                                                                       \
	X(drop_ip_version)                                                                         \
	X(drop_ip_hdr_len)                                                                         \
	X(drop_ip_cksum)                                                                           \
	X(drop_ip_len)                                                                             \
	X(drop_ip_frag)                                                                            \
	X(drop_ip_not_ours)                                                                        \
	X(drop_ip_proto)                                                                           \
	X(drop_icmp_malformed)                                                                     \
	X(drop_icmp_type)                                                                          \
	X(drop_udp_len)                                                                            \
	X(drop_udp_cksum)                                                                          \
	X(drop_udp_port)                                                                           \
	X(drop_sig_ring_full)                                                                      \
	X(drop_sip_flood) /* [security]: a source over flood-rate, or blocked */                   \
	X(drop_rtp_no_flow)                                                                        \
	X(drop_rtp_malformed)                                                                      \
	X(drop_rtcp_malformed)                                                                     \
	X(drop_rtp_bad_source)                                                                     \
	X(drop_rtp_not_receiving)                                                                  \
	X(drop_rtp_flood)                                                                          \
	X(drop_rtp_not_joined)                                                                     \
	X(drop_rtp_held)                                                                           \
	X(drop_rtp_arp_miss)                                                                       \
	X(drop_rtp_no_mbuf)                                                                        \
	X(rx_rtcp)                                                                                 \
	X(tx_rtp)                                                                                  \
	X(tx_rtcp)                                                                                 \
	X(drop_tx_full)                                                                            \
	X(drop_tx_handoff_full)                                                                    \
	X(drop_sip_unhandled)

enum dpv_port_counter {
#define DPV_X(n) DPV_C_##n,
	DPV_PORT_COUNTERS(DPV_X)
#undef DPV_X
	    DPV_C_MAX
};

extern const char *const dpv_port_counter_names[DPV_C_MAX];

/* ---- ARP cache (net.c) ---- */

struct dpv_arp_entry {
	uint32_t seq; /* odd while being written */
	uint32_t ip;  /* host order, 0: empty */
	struct rte_ether_addr mac;
	uint64_t updated_tsc;
};

struct dpv_arp_cache {
	struct dpv_arp_entry e[DPV_ARP_ENTRIES];
};

/** Learn or refresh @a ip -> @a mac. Lock-free for readers; a busy slot skips the update.
 *  @return 1 when the entry is new or its MAC changed, else 0. */
int dpv_arp_learn(struct dpv_arp_cache *c, uint32_t ip, const struct rte_ether_addr *mac,
                  uint64_t now_tsc);
/** Look up @a ip; 0 and @a mac filled when known, -1 otherwise. */
int dpv_arp_lookup(const struct dpv_arp_cache *c, uint32_t ip, struct rte_ether_addr *mac);

/* ---- per-source flood table ([security] flood-rate; security.c, security_int.h says how it
 * works) ---- */

#define DPV_FLOOD_WINDOW  8  /**< slots probed per source */
#define DPV_SEC_MAX_ALLOW 64 /**< allow = CIDR lines */

struct dpv_cidr {
	uint32_t net, mask; /* host order, net already masked */
};

/** True when @a ip (host order) is inside one of the @a n CIDRs. */
bool dpv_cidr_match(const struct dpv_cidr *list, unsigned n, uint32_t ip);

struct dpv_flood_entry {
	uint32_t ip;      /* host order; 0: empty slot */
	uint32_t allowed; /* in the allowlist: never limited */
	uint64_t tat;     /* theoretical arrival time of the next request */
	uint64_t blocked_until;
	uint64_t dropped; /* requests dropped in the current (or last) block */
};

struct dpv_flood_stats {
	uint64_t blocks;    /* blocks started */
	uint64_t dropped;   /* requests dropped (over the limit or blocked) */
	uint64_t untracked; /* sources not tracked: their window was all blocked */
	uint64_t evicted;   /* entries replaced by a new source */
};

struct dpv_flood_cfg {
	uint32_t rate, burst, block_s;
	uint32_t entries; /* power of two >= DPV_FLOOD_WINDOW */
	uint64_t hz;      /* clock ticks per second (the TSC's, or a test's virtual clock) */
	uint64_t seed;    /* hash salt */
	const struct dpv_cidr *allow;
	unsigned nb_allow;
};

struct dpv_flood {
	struct dpv_flood_entry *slots;
	uint64_t mask;     /* entries - 1 */
	unsigned shift;    /* 64 - log2(entries) */
	uint64_t interval; /* ticks per request at the rate */
	uint64_t tau;      /* burst * interval */
	uint64_t block;    /* ticks of a block */
	uint64_t hz;
	uint64_t seed;
	struct dpv_cidr allow[DPV_SEC_MAX_ALLOW];
	unsigned nb_allow;
	struct dpv_flood_stats st;
};

enum dpv_flood_verdict {
	DPV_FLOOD_PASS = 0,
	DPV_FLOOD_DROP,
};

/** Create a table (heap, at start-up). NULL: out of memory, or @a cfg out of range. */
struct dpv_flood *dpv_flood_create(const struct dpv_flood_cfg *cfg);
void dpv_flood_destroy(struct dpv_flood *f);
/** One counted request from @a ip at @a now (ticks). No allocation, no lock. */
enum dpv_flood_verdict dpv_flood_check(struct dpv_flood *f, uint32_t ip, uint64_t now);

/** Visit every source blocked at @a now (read from another thread: a racy snapshot). */
typedef void (*dpv_flood_visit_fn)(void *arg, uint32_t ip, uint64_t dropped, uint64_t ticks_left);
unsigned dpv_flood_blocked(const struct dpv_flood *f, uint64_t now, dpv_flood_visit_fn fn,
                           void *arg);

/** Does the bucket count this SIP datagram? Requests but ACK: a look at its first bytes. */
static inline bool
dpv_flood_counts(const char *p, uint32_t len)
{
	if (len < 4)
		return true; /* not SIP either way: the UA answers nothing, but it is a datagram */
	if (memcmp(p, "SIP/", 4) == 0)
		return false; /* a response */
	return memcmp(p, "ACK ", 4) != 0;
}

/* ---- L2/L3 (net.c) ---- */

/* What the packet path decided for one frame. */
enum dpv_verdict {
	DPV_V_DROP,  /* counted in the drop counter named by the caller's counters */
	DPV_V_REPLY, /* a reply was built in place: send it out of the same port */
	DPV_V_SIP,   /* UDP to the SIP port: info filled */
	DPV_V_RTP,   /* UDP to a port in the RTP range: info filled */
};

/* Where things are in a classified UDP packet. */
struct dpv_pkt_info {
	uint32_t src_ip, dst_ip; /* host order */
	uint16_t src_port, dst_port;
	uint16_t l3_off, l4_off;
	uint16_t payload_off, payload_len;
};

/* The private area of the engine's mbufs: every pool the engine makes (ports, signaling) has
 * DPV_MBUF_PRIV bytes of it. */
struct dpv_mbuf_priv {
	struct dpv_pkt_info info; /* rx: where dpv_net_input found things */
	uint32_t flags;           /* tx: DPV_MBUF_F_*, egress.c's (reset by egress_msg_alloc) */
};

#define DPV_MBUF_PRIV     RTE_ALIGN(sizeof(struct dpv_mbuf_priv), RTE_MBUF_PRIV_ALIGN)
#define DPV_MBUF_F_FRAMED 1u /* egress put the Ethernet/IPv4/UDP headers in front */

static inline struct dpv_mbuf_priv *
dpv_mbuf_priv(struct rte_mbuf *m)
{
	return (struct dpv_mbuf_priv *)rte_mbuf_to_priv(m);
}

/* Where dpv_net_input left a classified packet's dpv_pkt_info. */
static inline struct dpv_pkt_info *
dpv_mbuf_info(struct rte_mbuf *m)
{
	return &dpv_mbuf_priv(m)->info;
}

/* Everything the classifier needs to know about the port a frame came in on. */
struct dpv_net_ctx {
	uint16_t port_id;
	struct rte_ether_addr mac;
	uint32_t addr; /* host order */
	uint32_t netmask;
	uint32_t gateway; /* host order, 0: none */
	uint16_t sip_port;
	uint16_t rtp_min, rtp_max;
	bool rx_l3_cksum_offload; /* PMD sets RTE_MBUF_F_RX_IP_CKSUM_* */
	bool rx_l4_cksum_offload; /* PMD sets RTE_MBUF_F_RX_L4_CKSUM_* */
	struct dpv_arp_cache *arp;
};

/**
 * Classify one received frame and handle what L2/L3 answers itself (ARP
 * reply, ICMP echo reply, both built in place). On DPV_V_DROP,
 * counters[DPV_C_drop_*] has been incremented for the cause; the other
 * counters (rx_arp, rx_icmp, ...) are incremented too. The caller counts rx
 * and tx and frees dropped frames.
 */
enum dpv_verdict dpv_net_input(const struct dpv_net_ctx *ctx, struct rte_mbuf *m,
                               struct dpv_pkt_info *info, uint64_t *counters, uint64_t now_tsc);

/**
 * Turn @a m (a received UDP packet described by @a info) into a UDP packet
 * back to its source carrying @a len bytes already written at the payload
 * offset: swaps addresses and ports, fixes lengths and checksums.
 */
void dpv_net_udp_reply(struct rte_mbuf *m, const struct dpv_pkt_info *info, uint16_t len);

/**
 * Put Ethernet/IPv4/UDP headers from @a ctx's address and @a src_port to @a dst_ip:@a dst_port,
 * for the next hop @a mac, in front of the payload that @a m already holds (one segment, with
 * the headroom). @return 0, or -1 with @a m unchanged.
 */
int dpv_net_udp_frame(const struct dpv_net_ctx *ctx, struct rte_mbuf *m,
                      const struct rte_ether_addr *mac, uint16_t src_port, uint32_t dst_ip,
                      uint16_t dst_port);

/** The next hop for @a dst_ip from @a ctx: itself on-link, else the gateway, else 0. */
uint32_t dpv_net_next_hop(const struct dpv_net_ctx *ctx, uint32_t dst_ip);

/** Build an ARP request for @a ip in the empty mbuf @a m. */
void dpv_net_arp_request(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, uint32_t ip);

#endif /* DPV_ENGINE_H */
