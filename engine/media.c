/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The media plane's entry from the worker loop (being written: until then every RTP/RTCP
 * datagram is counted as drop_rtp_no_flow and freed).
 */
#include <errno.h>

#include <rte_mbuf.h>

#include "media_int.h"

const char *const dpv_media_drop_names[DPV_MD_MAX] = {
#define DPV_X(n) #n,
    DPV_MEDIA_DROPS(DPV_X)
#undef DPV_X
};

int
dpv_media_init(struct dpv_engine *e, FILE *err)
{
	(void)e;
	(void)err;
	return 0;
}

void
dpv_media_fini(struct dpv_engine *e)
{
	(void)e;
}

void
media_rtp_input(struct dpv_worker *w, struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	(void)now;
	for (uint16_t i = 0; i < n; i++)
		w->pc[pkts[i]->port][DPV_C_drop_rtp_no_flow]++;
	rte_pktmbuf_free_bulk(pkts, n);
}

unsigned
media_tick(struct dpv_worker *w, uint64_t now)
{
	(void)w;
	(void)now;
	return 0;
}

int
dpv_media_port_stats(const struct dpv_engine *e, uint16_t port, struct dpv_media_port_stats *out)
{
	(void)e;
	(void)port;
	(void)out;
	return -ENOENT;
}
