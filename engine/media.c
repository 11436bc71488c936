/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The media plane's entry from the worker loop: every RTP/RTCP datagram of an rx burst arrives
 * here in one vector. No media flow exists yet, so each one is counted as drop_rtp_no_flow and
 * freed. The media plane (flow lookup, latching, forwarding) replaces this body; the loop in
 * lcore.c does not change.
 */
#include <rte_mbuf.h>

#include "media_int.h"

void
media_rtp_input(struct dpv_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		w->pc[pkts[i]->port][DPV_C_drop_rtp_no_flow]++;
	rte_pktmbuf_free_bulk(pkts, n);
}
