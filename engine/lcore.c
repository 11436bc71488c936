/*
 * Worker lcore loop. One loop per worker CPU runs every role that CPU has:
 * media (poll rx queues, L2/L3, RTP, steer SIP) and signaling (drain the
 * SIP ring). Nothing here allocates, locks, logs or makes syscalls other
 * than the PMD's, except the optional idle sleep.
 */
#include <urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "engine_int.h"
#include "lcore_int.h"

/* Idle iterations in a row before an idle sleep is considered. */
#define DPV_IDLE_SPELL 1000

static inline struct dpv_pkt_info *
pkt_info(struct rte_mbuf *m)
{
	return rte_mbuf_to_priv(m);
}

/* Default signaling handler until the SIP layer claims the packets. */
static void
sip_unhandled(struct dpv_engine *e, struct dpv_worker *w, struct rte_mbuf *m,
              const struct dpv_pkt_info *info)
{
	w->pc[m->port][DPV_C_drop_sip_unhandled]++;
	rte_pktmbuf_free(m);
}

dpv_sip_handler_fn dpv_sip_handler = sip_unhandled;

static inline void
sip_deliver(struct dpv_engine *e, struct dpv_worker *w, struct rte_mbuf *m)
{
	w->lc[DPV_LC_sip_processed]++;
	dpv_sip_handler(e, w, m, pkt_info(m));
}

/* Steer a SIP datagram to the signaling lcore that owns its Call-ID. */
static void
sip_steer(struct dpv_engine *e, struct dpv_worker *w, struct rte_mbuf *m,
          const struct dpv_pkt_info *info)
{
	const char *payload = rte_pktmbuf_mtod_offset(m, const char *, info->payload_off);
	struct dpv_str key;
	struct dpv_worker *owner;
	struct {
		uint32_t ip;
		uint16_t port;
	} __rte_packed src = {info->src_ip, info->src_port};

	/* Without a Call-ID the message still deserves an answer (400): key on the source. */
	if (dpv_sip_find_callid(payload, info->payload_len, &key) < 0) {
		key.p = (const char *)&src;
		key.len = sizeof(src);
	}
	owner = dpv_sig_owner(e, key);
	if (owner == w) {
		w->lc[DPV_LC_sip_local]++;
		sip_deliver(e, w, m);
		return;
	}
	if (rte_ring_enqueue(owner->sig_ring, m) != 0) {
		w->pc[m->port][DPV_C_drop_sig_ring_full]++;
		rte_pktmbuf_free(m);
		return;
	}
	w->lc[DPV_LC_sip_steered]++;
}

static void
rtp_unhandled(struct dpv_engine *e, struct dpv_worker *w, struct rte_mbuf *m,
              const struct dpv_pkt_info *info)
{
	w->pc[m->port][DPV_C_drop_rtp_no_flow]++;
	rte_pktmbuf_free(m);
}

dpv_rtp_handler_fn dpv_rtp_handler = rtp_unhandled;

static inline void
media_rx(struct dpv_engine *e, struct dpv_worker *w, struct dpv_port *port, struct rte_mbuf **pkts,
         uint16_t n, uint64_t now)
{
	uint64_t *pc = w->pc[port->port_id];

	pc[DPV_C_rx] += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dpv_pkt_info *info = pkt_info(m);

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		m->port = port->port_id;
		switch (dpv_net_input(&port->net, m, info, pc, now)) {
		case DPV_V_REPLY:
			dpv_tx(w, port->port_id, m);
			break;
		case DPV_V_SIP:
			sip_steer(e, w, m, info);
			break;
		case DPV_V_RTP:
			dpv_rtp_handler(e, w, m, info);
			break;
		case DPV_V_DROP:
		default:
			rte_pktmbuf_free(m);
			break;
		}
	}
}

/* One pass over every queue and ring this worker owns; returns the work done. */
unsigned
dpv_worker_poll(struct dpv_engine *e, struct dpv_worker *w)
{
	struct rte_mbuf *pkts[DPV_BURST];
	uint64_t now = rte_rdtsc();
	unsigned work = 0;

	for (unsigned p = 0; p < e->nb_ports; p++) {
		struct dpv_port *port = &e->ports[p];
		uint16_t n;

		if (!(w->roles & DPV_ROLE_MEDIA) && !port->hw_sip_steer)
			continue;
		n = rte_eth_rx_burst(port->port_id, w->rxq, pkts, DPV_BURST);
		if (n) {
			media_rx(e, w, port, pkts, n, now);
			work += n;
		}
	}
	if (w->sig_ring) {
		unsigned n = rte_ring_dequeue_burst(w->sig_ring, (void **)pkts, DPV_BURST, NULL);

		w->lc[DPV_LC_sig_dequeued] += n;
		for (unsigned i = 0; i < n; i++)
			sip_deliver(e, w, pkts[i]);
		work += n;
	}
	if (dpv_sig_tick && (w->roles & DPV_ROLE_SIGNALING))
		work += dpv_sig_tick(e, w, now);
	for (unsigned p = 0; p < e->nb_ports; p++) {
		uint16_t id = e->ports[p].port_id;

		w->pc[id][DPV_C_tx] += rte_eth_tx_buffer_flush(id, w->txq, w->txb[id]);
	}
	return work;
}

dpv_sig_tick_fn dpv_sig_tick;

int
dpv_worker_main(void *arg)
{
	struct dpv_worker *w = arg;
	struct dpv_engine *e = w->eng;
	unsigned idle = 0;

	rcu_register_thread();
	while (!__atomic_load_n(&e->quit, __ATOMIC_RELAXED)) {
		unsigned work = dpv_worker_poll(e, w);

		rcu_quiescent_state();
		if (work) {
			w->lc[DPV_LC_iter_busy]++;
			idle = 0;
			continue;
		}
		w->lc[DPV_LC_iter_idle]++;
		if (e->cfg.idle_sleep_us && ++idle >= DPV_IDLE_SPELL) {
			/* Offline while asleep so RCU grace periods need not wait for us. */
			rcu_thread_offline();
			rte_delay_us_sleep(e->cfg.idle_sleep_us);
			rcu_thread_online();
			w->lc[DPV_LC_idle_sleeps]++;
		}
	}
	rcu_unregister_thread();
	return 0;
}
