/* SPDX-License-Identifier: BSD-3-Clause */
/* Test frames: what a peer host puts on the wire, built with the engine's own L2/L3 pieces. */
#ifndef DPV_TESTS_ENGINE_FRAMES_H
#define DPV_TESTS_ENGINE_FRAMES_H

#include <string.h>

#include "engine.h"

/* Headers from @a ctx's address and @a src_port to @a dst_ip:@a dst_port in front of the
 * payload @a m holds, for the next hop's MAC from @a ctx's ARP cache; -1 with @a m unchanged
 * when it is not known (or off-link with no gateway). */
static inline int
frame_udp_encap(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, uint16_t src_port,
                uint32_t dst_ip, uint16_t dst_port)
{
	struct rte_ether_addr mac;
	uint32_t nh = dpv_net_next_hop(ctx, dst_ip);

	if (nh == 0 || dpv_arp_lookup(ctx->arp, nh, &mac) != 0)
		return -1;
	return dpv_net_udp_frame(ctx, m, &mac, src_port, dst_ip, dst_port);
}

/* A whole UDP/IPv4 frame with @a payload in the empty mbuf @a m; -1 (m left empty) when the
 * next hop's MAC is not known or it does not fit. */
static inline int
frame_udp_build(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, uint16_t src_port,
                uint32_t dst_ip, uint16_t dst_port, const void *payload, uint16_t len)
{
	char *p = rte_pktmbuf_append(m, len);

	if (p == NULL)
		return -1;
	if (len)
		memcpy(p, payload, len);
	if (frame_udp_encap(ctx, m, src_port, dst_ip, dst_port) != 0) {
		rte_pktmbuf_reset(m);
		return -1;
	}
	return 0;
}

#endif /* DPV_TESTS_ENGINE_FRAMES_H */
