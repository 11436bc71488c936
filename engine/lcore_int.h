/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker loop (lcore.c) and the runtime set-up (port.c). */
#ifndef DPV_LCORE_INT_H
#define DPV_LCORE_INT_H

#include "engine_int.h"

/** Hand @a m to the worker that transmits for @a w on @a port_id (w->tx_via). */
void dpv_tx_handoff(struct dpv_worker *w, uint16_t port_id, struct rte_mbuf *m);

/** Queue @a m for transmission on @a port_id from worker @a w (buffered; flushed each loop). */
static inline void
dpv_tx(struct dpv_worker *w, uint16_t port_id, struct rte_mbuf *m)
{
	if (unlikely(w->tx_via[port_id] != NULL)) {
		dpv_tx_handoff(w, port_id, m);
		return;
	}
	w->pc[port_id][DPV_C_tx] += rte_eth_tx_buffer(port_id, w->txq, w->txb[port_id], m);
}

/** One pass of a worker's loop; returns the work done (packets handled). */
unsigned dpv_worker_poll(struct dpv_engine *e, struct dpv_worker *w);
/** The worker lcore entry point (rte_eal_remote_launch). */
int dpv_worker_main(void *arg);

/** Set up workers, rings and ports from the config after rte_eal_init. Errors to @a err. */
int dpv_runtime_init(struct dpv_engine *e, FILE *err);
/** Stop and close ports, free rings. */
void dpv_runtime_fini(struct dpv_engine *e);
/** On the main lcore, each pass of its loop: a port whose link came up since the last look
 *  (a memif peer connected: its rings are mapped now) has its shared memory paged in, so the
 *  lcores' first pass through the rings takes no page fault; logged with the bytes. */
void dpv_port_watch(struct dpv_engine *e);

#endif /* DPV_LCORE_INT_H */
