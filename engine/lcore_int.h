/* Worker loop hooks: upper layers plug their per-packet handlers in here. */
#ifndef DPV_LCORE_INT_H
#define DPV_LCORE_INT_H

#include "engine_int.h"

/* Handlers get the mbuf (owned from then on) and its classification. */
typedef void (*dpv_sip_handler_fn)(struct dpv_engine *e, struct dpv_worker *w, struct rte_mbuf *m,
                                   const struct dpv_pkt_info *info);
typedef void (*dpv_rtp_handler_fn)(struct dpv_engine *e, struct dpv_worker *w, struct rte_mbuf *m,
                                   const struct dpv_pkt_info *info);
/* Signaling housekeeping once per loop (timers, reclaim); returns work done. */
typedef unsigned (*dpv_sig_tick_fn)(struct dpv_engine *e, struct dpv_worker *w, uint64_t now_tsc);

extern dpv_sip_handler_fn dpv_sip_handler;
extern dpv_rtp_handler_fn dpv_rtp_handler;
extern dpv_sig_tick_fn dpv_sig_tick;

/** Queue @a m for transmission on @a port_id from worker @a w (buffered; flushed each loop). */
static inline void
dpv_tx(struct dpv_worker *w, uint16_t port_id, struct rte_mbuf *m)
{
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

#endif /* DPV_LCORE_INT_H */
