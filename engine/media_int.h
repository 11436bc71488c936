/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker loop's RTP hand-off (media.c). */
#ifndef DPV_MEDIA_INT_H
#define DPV_MEDIA_INT_H

#include "engine_int.h"

/**
 * Take the @a n RTP/RTCP datagrams of one rx burst (UDP to a port in the RTP range, classified:
 * dpv_mbuf_info() holds where things are). The mbufs are the callee's from then on.
 */
void media_rtp_input(struct dpv_worker *w, struct rte_mbuf **pkts, uint16_t n);

#endif /* DPV_MEDIA_INT_H */
