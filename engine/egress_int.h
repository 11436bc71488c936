/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP/IPv4 egress (egress.c): the one way a datagram the engine originates leaves a port. */
#ifndef DPV_EGRESS_INT_H
#define DPV_EGRESS_INT_H

#include "engine_int.h"

enum egress_status {
	EGRESS_ERROR = -1,      /* not sent, and trying again will not help by itself */
	EGRESS_SENT = 0,        /* handed to the port (whole, or as IPv4 fragments) */
	EGRESS_ARP_PENDING = 1, /* next hop's MAC unknown: an ARP request went out, send again */
};

/**
 * The port @a dst_ip is reached through: the one whose subnet holds it, else the first one
 * with a gateway, else the first port. Its net.addr is the local address that faces the peer.
 */
const struct dpv_port *egress_route(const struct dpv_engine *e, uint32_t dst_ip);

/**
 * An mbuf from @a mp for a message egress_udp_send() will frame: write the UDP payload at
 * rte_pktmbuf_mtod(). @a mp must have DPV_MBUF_PRIV private bytes (the mark "framed" lives
 * there). NULL when the pool is empty.
 */
struct rte_mbuf *egress_msg_alloc(struct rte_mempool *mp);

/**
 * Send the UDP datagram @a m (from egress_msg_alloc; its data is the payload) from @a src_port
 * on the routed port's address to @a dst_ip:@a dst_port (host order). The first send that
 * knows the next hop's MAC puts the Ethernet/IPv4/UDP headers in front of the payload; later
 * sends of the same message (a retransmission: same bytes, same destination) reuse that frame.
 * A datagram over the port's MTU leaves as IPv4 fragments copied from it (w->frag_pool).
 *
 * The caller keeps @a m: each send hands the PMD a reference of its own, or copies.
 * @return EGRESS_SENT; EGRESS_ARP_PENDING (counted sip_tx_arp_miss, and tx_arp_request once the
 * request is out) with @a m left unframed; or EGRESS_ERROR (no next hop, no room for the
 * headers, or no mbufs for the fragments).
 */
enum egress_status egress_udp_send(struct dpv_worker *w, struct rte_mbuf *m, uint16_t src_port,
                                   uint32_t dst_ip, uint16_t dst_port);

#endif /* DPV_EGRESS_INT_H */
