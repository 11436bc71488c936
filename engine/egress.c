/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP/IPv4 egress: the one place where a datagram the engine originates (today: SIP messages,
 * held by the UA and resent as retransmissions) becomes frames on a port. One send, top-down:
 *
 *   route      the port whose subnet holds the destination, else one with a gateway, else the
 *              first (egress_route);
 *   next hop   the destination when on-link, else the port's gateway: computed once, here;
 *   ARP        the next hop's MAC from the port's cache; on a miss an ARP request for the next
 *              hop goes out and the caller hears EGRESS_ARP_PENDING, so its retransmission
 *              timers send again once the answer has filled the cache;
 *   framing    Ethernet/IPv4/UDP headers put in front of the payload once per message
 *              (dpv_net_udp_frame), and the mbuf marked framed: a retransmission of a held
 *              message goes out as the same frame;
 *   fragments  a datagram longer than the port's MTU is given an IP id and no DF when it is
 *              framed, and every send copies it into single-segment IPv4 fragments (any PMD
 *              can send those), leaving the held frame as it was.
 *
 * The fragment pool is the signaling state's (sig.c), lent through w->frag_pool: only SIP
 * answers outgrow an MTU (RTP never does), so only signaling lcores need one, it is sized next
 * to the signaling pools whose messages it copies, and it is made and freed with them. A worker
 * without one sends nothing over the MTU.
 *
 * The counters are still the signaling ones (sip_tx_*): SIP is egress's only user so far.
 */
#include <rte_debug.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "egress_int.h"
#include "lcore_int.h"

#define ETH_LEN ((uint32_t)RTE_ETHER_HDR_LEN)
/* Payload bytes per fragment at the smallest MTU a port has (a multiple of 8 past the header),
 * and so the most fragments one datagram can need. */
#define FRAG_MIN_PAYLOAD ((DPV_MIN_MTU - (uint32_t)sizeof(struct rte_ipv4_hdr)) & ~7u)
#define MAX_FRAGS                                                                                  \
	((UINT16_MAX - (uint32_t)sizeof(struct rte_ipv4_hdr) + FRAG_MIN_PAYLOAD - 1) /             \
	 FRAG_MIN_PAYLOAD)

/*
 * The "headers already in front" mark is a flag in the mbuf's private area, beside the rx
 * dpv_pkt_info, not in an mbuf field: hash.usr shares its bytes with hash.rss, which an RSS
 * PMD writes on receive, so a value left there could pass for the mark. A registered dynfield
 * would do too, but it needs a process-wide registration and a global offset, read on every
 * send; the private area is already on every engine pool and costs nothing. Private bytes
 * outlive a free, so egress_msg_alloc clears the flag.
 */
static inline bool
is_framed(struct rte_mbuf *m)
{
	return dpv_mbuf_priv(m)->flags & DPV_MBUF_F_FRAMED;
}

static inline void
set_framed(struct rte_mbuf *m, bool framed)
{
	if (framed)
		dpv_mbuf_priv(m)->flags |= DPV_MBUF_F_FRAMED;
	else
		dpv_mbuf_priv(m)->flags &= ~DPV_MBUF_F_FRAMED;
}

const struct dpv_port *
egress_route(const struct dpv_engine *e, uint32_t dst_ip)
{
	const struct dpv_port *gw = NULL;

	for (unsigned i = 0; i < e->nb_ports; i++) {
		const struct dpv_port *p = &e->ports[i];

		if ((dst_ip & p->net.netmask) == (p->net.addr & p->net.netmask))
			return p;
		if (gw == NULL && p->net.gateway)
			gw = p;
	}
	return gw ? gw : &e->ports[0];
}

struct rte_mbuf *
egress_msg_alloc(struct rte_mempool *mp)
{
	struct rte_mbuf *m;

	/* A pool without the private area would have the flag written over its headroom. */
	RTE_VERIFY(rte_pktmbuf_priv_size(mp) >= sizeof(struct dpv_mbuf_priv));
	m = rte_pktmbuf_alloc(mp);
	if (m != NULL)
		set_framed(m, false);
	return m;
}

/* Ask the next hop @a hop for its MAC; a media lcore learns the answer into the port's cache. */
static void
arp_solicit(struct dpv_worker *w, const struct dpv_port *p, uint32_t hop)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);

	if (m == NULL) {
		w->lc[DPV_LC_sip_tx_no_mbuf]++;
		return;
	}
	dpv_net_arp_request(&p->net, m, hop);
	w->pc[p->port_id][DPV_C_tx_arp_request]++;
	dpv_tx(w, p->port_id, m);
}

/*
 * A datagram about to be fragmented needs an IP id and no Don't Fragment bit. Ids are unique
 * per source, destination and protocol while fragments may live (RFC 6864): each worker counts
 * its own, interleaved with the other workers' so that two lcores never pick the same one.
 */
static void
allow_fragments(struct dpv_worker *w, struct rte_mbuf *m)
{
	const struct dpv_engine *e = w->eng;
	unsigned index = (unsigned)(w - e->workers);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH_LEN);
	uint16_t id = (uint16_t)(++w->ip_seq * (e->nb_workers ? e->nb_workers : 1) + index);

	ip->packet_id = rte_cpu_to_be_16(id);
	ip->fragment_offset = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Headers in front of @a m once: EGRESS_SENT when @a m is (or already was) framed. */
static enum egress_status
frame(struct dpv_worker *w, const struct dpv_port *p, struct rte_mbuf *m, uint16_t src_port,
      uint32_t dst_ip, uint16_t dst_port)
{
	struct rte_ether_addr mac;
	uint32_t hop;

	if (is_framed(m))
		return EGRESS_SENT;
	hop = dpv_net_next_hop(&p->net, dst_ip);
	if (hop == 0) {
		/* Off-link and no port has a gateway: nobody to ask (counted as ever). */
		w->lc[DPV_LC_sip_tx_arp_miss]++;
		return EGRESS_ERROR;
	}
	if (dpv_arp_lookup(p->net.arp, hop, &mac) != 0) {
		w->lc[DPV_LC_sip_tx_arp_miss]++;
		arp_solicit(w, p, hop);
		return EGRESS_ARP_PENDING;
	}
	if (dpv_net_udp_frame(&p->net, m, &mac, src_port, dst_ip, dst_port) < 0) {
		/* No headroom, chained, or longer than a datagram: no room for this frame. */
		w->lc[DPV_LC_sip_tx_no_mbuf]++;
		return EGRESS_ERROR;
	}
	set_framed(m, true);
	if (m->pkt_len > ETH_LEN + p->mtu)
		allow_fragments(w, m);
	return EGRESS_SENT;
}

/*
 * Send the framed datagram @a m, larger than the port's MTU, as IPv4 fragments: each is copied
 * into its own mbuf behind a copy of the frame's Ethernet header. @a m is left as it was.
 */
static enum egress_status
send_fragments(struct dpv_worker *w, const struct dpv_port *p, struct rte_mbuf *m)
{
	struct rte_mbuf *frags[MAX_FRAGS];
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	int n = -1;

	if (w->frag_pool != NULL) {
		rte_pktmbuf_adj(m, ETH_LEN);
		n = rte_ipv4_fragment_copy_nonseg_packet(m, frags, MAX_FRAGS, p->mtu, w->frag_pool);
		rte_pktmbuf_prepend(m, ETH_LEN);
	}
	if (n < 0) {
		w->lc[DPV_LC_sip_tx_no_mbuf]++;
		return EGRESS_ERROR;
	}
	for (int i = 0; i < n; i++) {
		struct rte_ether_hdr *h =
		    (struct rte_ether_hdr *)rte_pktmbuf_prepend(frags[i], ETH_LEN);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(h + 1);

		rte_memcpy(h, eth, ETH_LEN);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		dpv_tx(w, p->port_id, frags[i]);
	}
	w->lc[DPV_LC_sip_tx_fragmented]++;
	return EGRESS_SENT;
}

enum egress_status
egress_udp_send(struct dpv_worker *w, struct rte_mbuf *m, uint16_t src_port, uint32_t dst_ip,
                uint16_t dst_port)
{
	const struct dpv_port *p = egress_route(w->eng, dst_ip);
	enum egress_status rc = frame(w, p, m, src_port, dst_ip, dst_port);

	if (rc != EGRESS_SENT)
		return rc;
	if (m->pkt_len > ETH_LEN + p->mtu)
		return send_fragments(w, p, m);
	rte_mbuf_refcnt_update(m, 1);
	dpv_tx(w, p->port_id, m);
	return EGRESS_SENT;
}
