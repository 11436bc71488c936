/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcore loop. One loop per worker CPU runs every role that CPU has. A pass reads
 * top-down:
 *
 *   rx (media role; signaling lcores too on ports where rte_flow sends SIP to their queues):
 *     one rx burst per port -> dpv_net_input (net.c) classifies the whole burst into one
 *     vector per verdict -> the replies it built in place (ARP, ICMP echo) go back out ->
 *     the SIP vector is steered by Call-ID, one rte_ring_enqueue_burst per owner signaling
 *     lcore, and what this lcore owns goes straight to dpv_sig_input (sig.c) -> the RTP vector
 *     goes to media_rtp_input (media.c) -> the drops are freed;
 *   signaling role: the SIP ring is dequeued in a burst into dpv_sig_input, then dpv_sig_tick
 *     runs the SIP timers and the control mailbox;
 *   every role: the tx buffers are flushed.
 *
 * Every hand-off is a direct call. Nothing here allocates, locks, logs or makes syscalls other
 * than the PMD's, except the optional idle sleep.
 */
#include <urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "engine_int.h"
#include "lcore_int.h"
#include "media_int.h"
#include "sig_int.h"

/* Idle iterations in a row before an idle sleep is considered. */
#define DPV_IDLE_SPELL 1000

/* SIP datagrams reach this lcore's SIP stack: steered here, or owned by this lcore. */
static inline void
sip_deliver(struct dpv_worker *w, struct rte_mbuf **pkts, unsigned n)
{
	w->lc[DPV_LC_sip_processed] += n;
	dpv_sig_input(w, pkts, n);
}

/* The signaling lcore that owns a SIP datagram: by its Call-ID, else by its source (a message
 * without Call-ID still deserves an answer, 400, and retransmissions must land on one lcore). */
static struct dpv_worker *
sip_owner(const struct dpv_engine *e, struct rte_mbuf *m)
{
	const struct dpv_pkt_info *info = dpv_mbuf_info(m);
	const char *payload = rte_pktmbuf_mtod_offset(m, const char *, info->payload_off);
	struct dpv_str key;
	struct {
		uint32_t ip;
		uint16_t port;
	} __rte_packed src = {info->src_ip, info->src_port};

	if (sip_peek_call_id(payload, info->payload_len, &key) < 0) {
		key.p = (const char *)&src;
		key.len = sizeof(src);
	}
	return dpv_sig_owner(e, key);
}

/*
 * [security] flood-rate: requests (not ACK) from a source over its rate, or blocked, are freed
 * here (drop_sip_flood) before they cost a Call-ID hash or a ring slot; the rest are packed to
 * the front of @a pkts. A table lookup per request: a hash and at most DPV_FLOOD_WINDOW compares.
 */
static uint16_t
sip_flood_filter(struct dpv_worker *w, struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	struct dpv_flood *f = w->flood;
	uint64_t blocks = f->st.blocks, untracked = f->st.untracked;
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct dpv_pkt_info *info = dpv_mbuf_info(m);

		if (dpv_flood_counts(rte_pktmbuf_mtod_offset(m, const char *, info->payload_off),
		                     info->payload_len) &&
		    dpv_flood_check(f, info->src_ip, now) == DPV_FLOOD_DROP) {
			w->pc[m->port][DPV_C_drop_sip_flood]++;
			rte_pktmbuf_free(m);
			continue;
		}
		pkts[k++] = m;
	}
	w->lc[DPV_LC_flood_blocks] += f->st.blocks - blocks;
	w->lc[DPV_LC_flood_untracked] += f->st.untracked - untracked;
	return k;
}

/*
 * Steer the SIP vector of one rx burst: one ring enqueue per owner signaling lcore, in arrival
 * order; what this lcore owns is handled here and now. A full ring is the owner's overload: the
 * datagrams it did not take are counted drops (drop_sig_ring_full), never a wait.
 */
static void
sip_steer_burst(struct dpv_engine *e, struct dpv_worker *w, struct rte_mbuf **pkts, uint16_t n,
                uint64_t now)
{
	struct dpv_worker *owner[DPV_BURST];
	struct rte_mbuf *batch[DPV_BURST];

	if (w->flood != NULL)
		n = sip_flood_filter(w, pkts, n, now);
	for (uint16_t i = 0; i < n; i++)
		owner[i] = sip_owner(e, pkts[i]);
	/* A burst has few owners: gather each one's datagrams and clear them from the list. */
	for (uint16_t i = 0; i < n; i++) {
		struct dpv_worker *o = owner[i];
		unsigned nb = 0, sent;

		if (o == NULL)
			continue;
		for (uint16_t j = i; j < n; j++) {
			if (owner[j] == o) {
				batch[nb++] = pkts[j];
				owner[j] = NULL;
			}
		}
		if (o == w) {
			w->lc[DPV_LC_sip_local] += nb;
			sip_deliver(w, batch, nb);
			continue;
		}
		sent = rte_ring_enqueue_burst(o->sig_ring, (void **)batch, nb, NULL);
		w->lc[DPV_LC_sip_steered] += sent;
		for (unsigned k = sent; k < nb; k++) {
			w->pc[batch[k]->port][DPV_C_drop_sig_ring_full]++;
			rte_pktmbuf_free(batch[k]);
		}
	}
}

/* One rx burst from @a port: classify it all, then hand each verdict's vector on in one call. */
static void
port_rx(struct dpv_engine *e, struct dpv_worker *w, struct dpv_port *port, struct rte_mbuf **pkts,
        uint16_t n, uint64_t now)
{
	struct rte_mbuf *reply[DPV_BURST], *sip[DPV_BURST], *rtp[DPV_BURST], *drop[DPV_BURST];
	uint16_t nreply = 0, nsip = 0, nrtp = 0, ndrop = 0;
	uint64_t *pc = w->pc[port->port_id];

	pc[DPV_C_rx] += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		m->port = port->port_id;
		switch (dpv_net_input(&port->net, m, dpv_mbuf_info(m), pc, now)) {
		case DPV_V_REPLY:
			reply[nreply++] = m;
			break;
		case DPV_V_SIP:
			sip[nsip++] = m;
			break;
		case DPV_V_RTP:
			rtp[nrtp++] = m;
			break;
		case DPV_V_DROP:
		default:
			drop[ndrop++] = m;
			break;
		}
	}
	for (uint16_t i = 0; i < nreply; i++)
		dpv_tx(w, port->port_id, reply[i]);
	if (nsip)
		sip_steer_burst(e, w, sip, nsip, now);
	if (nrtp) {
		uint64_t t0 = rte_rdtsc();

		media_rtp_input(w, rtp, nrtp, now);
		w->lc[DPV_LC_media_cycles] += rte_rdtsc() - t0;
	}
	if (ndrop)
		rte_pktmbuf_free_bulk(drop, ndrop);
}

/* The frames gathered for @a port_id's transmitting worker, in one enqueue; what its full ring
 * does not take is a counted drop (drop_tx_handoff_full), never a wait. */
static void
tx_handoff_flush(struct dpv_worker *w, uint16_t port_id)
{
	unsigned n = w->nb_handoff[port_id], sent;
	struct rte_mbuf **pkts = w->handoff_buf[port_id];

	if (n == 0)
		return;
	sent = rte_ring_mp_enqueue_burst(w->tx_via[port_id]->tx_handoff, (void **)pkts, n, NULL);
	w->pc[port_id][DPV_C_tx_handed_off] += sent;
	if (sent < n) {
		w->pc[port_id][DPV_C_drop_tx_handoff_full] += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
	w->nb_handoff[port_id] = 0;
}

void
dpv_tx_handoff(struct dpv_worker *w, uint16_t port_id, struct rte_mbuf *m)
{
	m->port = port_id;
	w->handoff_buf[port_id][w->nb_handoff[port_id]++] = m;
	if (w->nb_handoff[port_id] == DPV_BURST)
		tx_handoff_flush(w, port_id);
}

/* Frames signaling-only workers handed over: out through this worker's own queues. */
static unsigned
tx_handoff_drain(struct dpv_worker *w)
{
	struct rte_mbuf *pkts[DPV_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(w->tx_handoff, (void **)pkts, DPV_BURST, NULL);

	for (unsigned i = 0; i < n; i++)
		dpv_tx(w, pkts[i]->port, pkts[i]);
	return n;
}

/* One pass over every queue and ring this worker owns; returns the work done. */
unsigned
dpv_worker_poll(struct dpv_engine *e, struct dpv_worker *w)
{
	struct rte_mbuf *pkts[DPV_BURST];
	uint64_t now = rte_rdtsc();
	unsigned work = 0;

	/* Signaling time first: what arrives in this pass is handled at `now`, and the timers it
	 * arms count from there, not from the previous pass (which may be long ago: the first
	 * pass after start, or after an idle sleep). */
	if (w->roles & DPV_ROLE_SIGNALING)
		work += dpv_sig_tick(w, now);
	for (unsigned p = 0; p < e->nb_ports; p++) {
		struct dpv_port *port = &e->ports[p];
		uint16_t n;

		if (!(w->roles & DPV_ROLE_MEDIA) && !port->hw_sip_steer)
			continue;
		n = rte_eth_rx_burst(port->port_id, w->rxq, pkts, DPV_BURST);
		if (n) {
			port_rx(e, w, port, pkts, n, now);
			work += n;
		}
	}
	if (w->sig_ring) {
		unsigned n = rte_ring_dequeue_burst(w->sig_ring, (void **)pkts, DPV_BURST, NULL);

		w->lc[DPV_LC_sig_dequeued] += n;
		if (n)
			sip_deliver(w, pkts, n);
		work += n;
	}
	if (w->roles & DPV_ROLE_MEDIA)
		work += media_tick(w, now);
	if (w->tx_handoff != NULL)
		work += tx_handoff_drain(w);
	/* What this pass sent leaves now, in one burst per port: the answers to a whole SIP burst
	 * fit a signaling worker's tx buffer (DPV_SIG_TX_BUFFER), and frames for another worker's
	 * queue go to its ring in one enqueue. */
	for (unsigned p = 0; p < e->nb_ports; p++) {
		uint16_t id = e->ports[p].port_id;

		if (w->tx_via[id] != NULL)
			tx_handoff_flush(w, id);
		w->pc[id][DPV_C_tx] += rte_eth_tx_buffer_flush(id, w->txq, w->txb[id]);
	}
	if (work)
		w->lc[DPV_LC_busy_cycles] += rte_rdtsc() - now;
	return work;
}

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
