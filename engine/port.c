/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runtime set-up: workers and their roles, signaling rings, and every
 * configured DPDK port with its pool, queues, offloads and (where the PMD
 * can) rte_flow rules that send SIP straight to the signaling lcores.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "engine_int.h"
#include "lcore_int.h"

#define DPV_POOL_CACHE      256
#define DPV_TX_HANDOFF_RING 1024 /* frames in flight from signaling-only workers */

static int
workers_init(struct dpv_engine *e, FILE *err)
{
	struct dpv_config *c = &e->cfg;
	struct dpv_lcore_slot plan[DPV_MAX_WORKERS];
	char why[128];
	unsigned rxq = 0;
	int n = dpv_lcore_plan(c, plan, DPV_MAX_WORKERS, why, sizeof(why));

	if (n < 0) {
		fprintf(err, "%s: [cpu]: %s\n", c->path, why);
		return -1;
	}
	e->nb_workers = 0;
	e->nb_sig = 0;
	e->nb_media = 0;
	for (int i = 0; i < n; i++) {
		struct dpv_worker *w = &e->workers[e->nb_workers];
		unsigned lcore = plan[i].lcore_id;

		if (!rte_lcore_is_enabled(lcore)) {
			fprintf(err, "%s: [cpu]: CPU %u is not available to DPDK\n", c->path,
			        plan[i].cpu);
			return -1;
		}
		memset(w, 0, sizeof(*w));
		w->eng = e;
		w->lcore_id = lcore;
		w->cpu = plan[i].cpu;
		w->sig_index = -1;
		w->media_index = -1;
		if (plan[i].roles & DPV_ROLE_MEDIA) {
			w->roles |= DPV_ROLE_MEDIA;
			w->txq = (uint16_t)e->nb_media;
			w->rxq = (uint16_t)rxq++;
			w->media_index = (int)e->nb_media;
			e->media_workers[e->nb_media++] = w;
		}
		if (plan[i].roles & DPV_ROLE_SIGNALING) {
			char name[RTE_RING_NAMESIZE];

			w->roles |= DPV_ROLE_SIGNALING;
			w->sig_index = (int)e->nb_sig;
			e->sig_workers[e->nb_sig++] = w;
			snprintf(name, sizeof(name), "dpv_sig%u", lcore);
			w->sig_ring =
			    rte_ring_create(name, c->sig_ring_size,
			                    (int)rte_lcore_to_socket_id(lcore), RING_F_SC_DEQ);
			if (w->sig_ring == NULL) {
				fprintf(
				    err,
				    "%s: [cpu] sig-ring-size: cannot create ring for CPU %u: %s\n",
				    c->path, plan[i].cpu, rte_strerror(rte_errno));
				return -1;
			}
		}
		e->nb_workers++;
	}
	/* Signaling-only workers get the queues after the media ones, used only where rte_flow
	 * steers SIP to them (dpv_worker_poll checks the port's hw_sip_steer). */
	for (unsigned i = 0, k = 0; i < e->nb_workers; i++) {
		struct dpv_worker *w = &e->workers[i];

		if (w->roles & DPV_ROLE_MEDIA)
			continue;
		w->rxq = (uint16_t)rxq++;
		/* tx queues too: the media workers' first, so a port with fewer than one per
		 * worker still has one for each media worker */
		w->txq = (uint16_t)(e->nb_media + k++);
	}
	return 0;
}

/* A media worker's ring for frames of signaling-only workers without a tx queue of their own
 * on some port (set_tx_via). */
static int
tx_handoff_init(struct dpv_engine *e, FILE *err)
{
	for (unsigned m = 0; m < e->nb_media; m++) {
		struct dpv_worker *w = e->media_workers[m];
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "dpv_txh%u", w->lcore_id);
		w->tx_handoff =
		    rte_ring_create(name, DPV_TX_HANDOFF_RING,
		                    (int)rte_lcore_to_socket_id(w->lcore_id), RING_F_SC_DEQ);
		if (w->tx_handoff == NULL) {
			fprintf(err, "%s: cannot create the tx hand-off ring of lcore %u: %s\n",
			        e->cfg.path, w->lcore_id, rte_strerror(rte_errno));
			return -1;
		}
	}
	return 0;
}

/* Signaling-only workers whose tx queue the port does not have send through a media worker. */
static bool
set_tx_via(struct dpv_engine *e, struct dpv_port *p)
{
	bool any = false;

	for (unsigned i = 0; i < e->nb_workers; i++) {
		struct dpv_worker *w = &e->workers[i];

		w->tx_via[p->port_id] = NULL;
		if (w->txq < p->nb_txq)
			continue;
		w->tx_via[p->port_id] = e->media_workers[(unsigned)w->sig_index % e->nb_media];
		any = true;
	}
	return any;
}

/* Number of rx queues: one per media worker, plus one per signaling-only worker when SIP may be
 * steered in hardware. */
static unsigned
rxq_count(const struct dpv_engine *e, bool with_sig_only)
{
	unsigned n = 0;

	for (unsigned i = 0; i < e->nb_workers; i++)
		if (e->workers[i].roles & DPV_ROLE_MEDIA)
			n++;
		else if (with_sig_only)
			n++;
	return n;
}

static int
port_queues_setup(struct dpv_engine *e, struct dpv_port *p, unsigned nb_rxq, FILE *err)
{
	const struct dpv_config *c = &e->cfg;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t rx_desc = (uint16_t)c->rx_desc, tx_desc = (uint16_t)c->tx_desc;
	int socket = rte_eth_dev_socket_id(p->port_id);
	unsigned nb_txq;
	int rc;

	if (socket < 0)
		socket = 0;
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc < 0)
		goto fail;
	/* Media workers need a tx queue each; signaling-only ones use theirs where the port has
	 * it and hand frames to a media worker where not (set_tx_via). */
	nb_txq = RTE_MIN(e->nb_workers, (unsigned)info.max_tx_queues);
	if (nb_rxq > info.max_rx_queues || e->nb_media > nb_txq) {
		fprintf(
		    err,
		    "%s:%u: [port%u]: port %s has %u rx / %u tx queues, the CPU roles need %u rx / "
		    "%u tx (for af_packet add qpairs=%u to its --vdev)\n",
		    c->path, c->ports[p->port_id].line, p->port_id, p->name, info.max_rx_queues,
		    info.max_tx_queues, nb_rxq, e->nb_media, RTE_MAX(nb_rxq, e->nb_media));
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	p->rss = false;
	if (nb_rxq > 1 && (info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP))) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
		    info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
		p->rss = true;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_UDP_CKSUM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	p->net.rx_l3_cksum_offload = conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	p->net.rx_l4_cksum_offload = conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_UDP_CKSUM;

	rc = rte_eth_dev_configure(p->port_id, (uint16_t)nb_rxq, (uint16_t)nb_txq, &conf);
	if (rc < 0)
		goto fail;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rx_desc, &tx_desc);
	if (rc < 0)
		goto fail;
	for (uint16_t q = 0; q < nb_rxq; q++) {
		struct rte_eth_rxconf rxconf = info.default_rxconf;

		rxconf.offloads = conf.rxmode.offloads;
		rc = rte_eth_rx_queue_setup(p->port_id, q, rx_desc, (unsigned)socket, &rxconf,
		                            p->pool);
		if (rc < 0)
			goto fail;
	}
	for (uint16_t q = 0; q < nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, tx_desc, (unsigned)socket, NULL);
		if (rc < 0)
			goto fail;
	}
	p->nb_rxq = (uint16_t)nb_rxq;
	p->nb_txq = (uint16_t)nb_txq;
	return 0;
fail:
	fprintf(err, "%s:%u: [port%u]: cannot set up port %s: %s\n", c->path,
	        c->ports[p->port_id].line, p->port_id, p->name, rte_strerror(-rc));
	return -1;
}

/*
 * Ask the NIC to deliver UDP to our SIP port on the signaling-only workers' queues (RSS over them
 * when there are several, so one source keeps to one queue; the signaling lcore re-steers by
 * Call-ID when another one owns the call). Returns true when the rule is in place.
 */
static bool
port_flow_sip(struct dpv_engine *e, struct dpv_port *p)
{
	uint16_t queues[DPV_MAX_WORKERS];
	unsigned nq = 0;
	struct rte_flow_error ferr;
	struct rte_flow_attr attr = {.ingress = 1};
	struct rte_flow_item_ipv4 ip_spec = {.hdr.dst_addr = rte_cpu_to_be_32(p->net.addr)};
	struct rte_flow_item_ipv4 ip_mask = {.hdr.dst_addr = RTE_BE32(0xffffffff)};
	struct rte_flow_item_udp udp_spec = {.hdr.dst_port = rte_cpu_to_be_16(e->cfg.sip.port)};
	struct rte_flow_item_udp udp_mask = {.hdr.dst_port = RTE_BE16(0xffff)};
	struct rte_flow_item pattern[] = {
	    {.type = RTE_FLOW_ITEM_TYPE_ETH},
	    {.type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip_spec, .mask = &ip_mask},
	    {.type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp_spec, .mask = &udp_mask},
	    {.type = RTE_FLOW_ITEM_TYPE_END},
	};
	struct rte_flow_action_queue queue;
	struct rte_flow_action_rss rss;
	struct rte_flow_action actions[2] = {{.type = RTE_FLOW_ACTION_TYPE_END},
	                                     {.type = RTE_FLOW_ACTION_TYPE_END}};

	for (unsigned i = 0; i < e->nb_workers; i++)
		if (!(e->workers[i].roles & DPV_ROLE_MEDIA))
			queues[nq++] = e->workers[i].rxq;
	if (nq == 0)
		return false;
	if (nq == 1) {
		queue.index = queues[0];
		actions[0].type = RTE_FLOW_ACTION_TYPE_QUEUE;
		actions[0].conf = &queue;
	} else {
		memset(&rss, 0, sizeof(rss));
		rss.types = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_UDP;
		rss.queue_num = nq;
		rss.queue = queues;
		actions[0].type = RTE_FLOW_ACTION_TYPE_RSS;
		actions[0].conf = &rss;
	}
	if (rte_flow_validate(p->port_id, &attr, pattern, actions, &ferr) != 0)
		return false;
	return rte_flow_create(p->port_id, &attr, pattern, actions, &ferr) != NULL;
}

/* With hardware steering, RSS must spread everything else over the media queues only. */
static int
port_reta_media_only(struct dpv_engine *e, struct dpv_port *p)
{
	struct rte_eth_dev_info info;
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t media[DPV_MAX_WORKERS];
	unsigned nm = 0;

	for (unsigned i = 0; i < e->nb_workers; i++)
		if (e->workers[i].roles & DPV_ROLE_MEDIA)
			media[nm++] = e->workers[i].rxq;
	if (rte_eth_dev_info_get(p->port_id, &info) < 0 || info.reta_size == 0 ||
	    info.reta_size > RTE_ETH_RSS_RETA_SIZE_512 || nm == 0)
		return -1;
	memset(reta, 0, sizeof(reta));
	for (unsigned i = 0; i < info.reta_size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= UINT64_C(1)
		                                          << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = media[i % nm];
	}
	return rte_eth_dev_rss_reta_update(p->port_id, reta, info.reta_size);
}

static unsigned
pool_size(const struct dpv_engine *e, unsigned nb_rxq)
{
	const struct dpv_config *c = &e->cfg;
	unsigned n;

	if (c->mbufs)
		return c->mbufs;
	n = nb_rxq * c->rx_desc + e->nb_workers * (c->tx_desc + DPV_BURST + DPV_POOL_CACHE) +
	    e->nb_sig * c->sig_ring_size + 4096;
	return rte_align32pow2(n) - 1; /* mempools are most efficient at 2^n - 1 */
}

static int
port_init(struct dpv_engine *e, struct dpv_port *p, FILE *err)
{
	const struct dpv_config *c = &e->cfg;
	const struct dpv_port_conf *pc = &c->ports[p->port_id];
	unsigned sig_only = rxq_count(e, true) - rxq_count(e, false);
	unsigned nb_rxq;
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_eth_dev_info info;
	int rc;

	/* Queues for hardware SIP steering only where the port has them (af_packet's qpairs
	 * are fixed at probe): otherwise the media lcores steer SIP. */
	if (sig_only && (rte_eth_dev_info_get(p->port_id, &info) != 0 ||
	                 info.max_rx_queues < rxq_count(e, true)))
		sig_only = 0;
	nb_rxq = rxq_count(e, sig_only > 0);
	rte_eth_dev_get_name_by_port(p->port_id, p->name);
	snprintf(name, sizeof(name), "dpv_mbuf_p%u", p->port_id);
	p->pool = rte_pktmbuf_pool_create(
	    name, pool_size(e, nb_rxq), DPV_POOL_CACHE, DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE,
	    rte_eth_dev_socket_id(p->port_id) < 0 ? 0 : rte_eth_dev_socket_id(p->port_id));
	if (p->pool == NULL) {
		fprintf(err, "%s: [dpdk] mbufs: cannot allocate %u mbufs for port %u: %s\n",
		        c->path, pool_size(e, nb_rxq), p->port_id, rte_strerror(rte_errno));
		return -1;
	}
	p->net.port_id = p->port_id;
	p->net.addr = pc->addr;
	p->net.netmask = pc->prefixlen ? ~0u << (32 - pc->prefixlen) : 0;
	p->net.gateway = pc->gateway;
	p->net.sip_port = c->sip.port;
	p->net.rtp_min = c->rtp.port_min;
	p->net.rtp_max = c->rtp.port_max;
	p->net.arp = &p->arp;
	rte_eth_macaddr_get(p->port_id, &p->net.mac);

	if (port_queues_setup(e, p, nb_rxq, err) < 0)
		return -1;
	rc = rte_eth_dev_start(p->port_id);
	if (rc < 0) {
		fprintf(err, "%s:%u: [port%u]: cannot start port %s: %s\n", c->path, pc->line,
		        p->port_id, p->name, rte_strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_mtu(p->port_id, &p->mtu) != 0 || p->mtu < DPV_MIN_MTU)
		p->mtu = RTE_ETHER_MTU;
	p->hw_sip_steer = false;
	if (sig_only) {
		if ((!p->rss || port_reta_media_only(e, p) == 0) && port_flow_sip(e, p)) {
			p->hw_sip_steer = true;
		} else {
			/* No rte_flow: restart with media queues only; media lcores steer SIP. */
			rte_eth_dev_stop(p->port_id);
			nb_rxq = rxq_count(e, false);
			if (port_queues_setup(e, p, nb_rxq, err) < 0)
				return -1;
			rc = rte_eth_dev_start(p->port_id);
			if (rc < 0) {
				fprintf(err, "%s:%u: [port%u]: cannot restart port %s: %s\n",
				        c->path, pc->line, p->port_id, p->name, rte_strerror(-rc));
				return -1;
			}
		}
	}
	DPV_LOG(INFO, "port %u (%s): %u rx / %u tx queues, rss %s, SIP steering in %s", p->port_id,
	        p->name, p->nb_rxq, p->nb_txq, p->rss ? "on" : "off",
	        p->hw_sip_steer ? "hardware (rte_flow)" : "software");
	return 0;
}

static int
tx_buffers_init(struct dpv_engine *e, FILE *err)
{
	for (unsigned i = 0; i < e->nb_workers; i++) {
		struct dpv_worker *w = &e->workers[i];
		uint16_t size = w->roles & DPV_ROLE_SIGNALING ? DPV_SIG_TX_BUFFER : DPV_BURST;

		for (unsigned p = 0; p < e->nb_ports; p++) {
			uint16_t id = e->ports[p].port_id;
			struct rte_eth_dev_tx_buffer *b =
			    rte_zmalloc_socket("dpv_txb", RTE_ETH_TX_BUFFER_SIZE(size), 0,
			                       (int)rte_lcore_to_socket_id(w->lcore_id));

			if (b == NULL || rte_eth_tx_buffer_init(b, size) != 0) {
				fprintf(err, "%s: cannot allocate tx buffers\n", e->cfg.path);
				return -1;
			}
			rte_eth_tx_buffer_set_err_callback(b, rte_eth_tx_buffer_count_callback,
			                                   &w->pc[id][DPV_C_drop_tx_full]);
			w->txb[id] = b;
		}
	}
	return 0;
}

/* [security] flood-rate: a table per worker that reads SIP from the ports (media workers, and
 * signaling workers where rte_flow steers SIP to their queues: every worker, to keep it simple). */
static int
flood_init(struct dpv_engine *e, FILE *err)
{
	const struct dpv_security_conf *sc = &e->cfg.security;

	if (sc->flood_rate == 0)
		return 0;
	for (unsigned i = 0; i < e->nb_workers; i++) {
		struct dpv_flood_cfg fc = {
		    .rate = sc->flood_rate,
		    .burst = sc->flood_burst,
		    .block_s = sc->flood_block_s,
		    .entries = sc->flood_table,
		    .hz = rte_get_tsc_hz(),
		    .seed = rte_rand(),
		    .allow = sc->allow,
		    .nb_allow = sc->nb_allow,
		};

		e->workers[i].flood = dpv_flood_create(&fc);
		if (e->workers[i].flood == NULL) {
			fprintf(err,
			        "%s: [security] flood-table: cannot allocate %u sources for lcore "
			        "%u: out of memory\n",
			        e->cfg.path, sc->flood_table, e->workers[i].lcore_id);
			return -1;
		}
	}
	return 0;
}

int
dpv_runtime_init(struct dpv_engine *e, FILE *err)
{
	const struct dpv_config *c = &e->cfg;
	bool handoff = false;

	if (workers_init(e, err) < 0)
		return -1;
	e->nb_ports = 0;
	for (uint16_t id = 0; id < DPV_MAX_PORTS; id++) {
		if (!c->ports[id].present)
			continue;
		e->ports[e->nb_ports].port_id = id;
		if (port_init(e, &e->ports[e->nb_ports], err) < 0)
			return -1;
		if (set_tx_via(e, &e->ports[e->nb_ports])) {
			DPV_LOG(INFO,
			        "port %u has %u tx queues for %u workers: signaling-only workers "
			        "send through the media workers",
			        id, e->ports[e->nb_ports].nb_txq, e->nb_workers);
			handoff = true;
		}
		e->nb_ports++;
	}
	/* the rings only where some port needs them: the media loop drains them every pass */
	if (handoff && tx_handoff_init(e, err) < 0)
		return -1;
	if (flood_init(e, err) < 0)
		return -1;
	return tx_buffers_init(e, err);
}

void
dpv_port_watch(struct dpv_engine *e)
{
	bool came_up = false;

	for (unsigned i = 0; i < e->nb_ports; i++) {
		struct dpv_port *p = &e->ports[i];
		struct rte_eth_link l;

		if (rte_eth_link_get_nowait(p->port_id, &l) != 0)
			continue;
		if (l.link_status == RTE_ETH_LINK_UP && !p->link_up) {
			DPV_LOG(INFO, "port %u (%s): link up", p->port_id, p->name);
			came_up = true;
		}
		p->link_up = l.link_status == RTE_ETH_LINK_UP;
	}
	if (came_up) {
		uint64_t t = rte_rdtsc();
		size_t b = dpv_prefault_shared();

		DPV_LOG(INFO, "%zu MiB of shared rings paged in in %.3f s", b >> 20,
		        (double)(rte_rdtsc() - t) / (double)rte_get_tsc_hz());
	}
}

void
dpv_runtime_fini(struct dpv_engine *e)
{
	for (unsigned p = 0; p < e->nb_ports; p++) {
		rte_flow_flush(e->ports[p].port_id, NULL);
		rte_eth_dev_stop(e->ports[p].port_id);
		rte_eth_dev_close(e->ports[p].port_id);
	}
	for (unsigned i = 0; i < e->nb_workers; i++) {
		for (unsigned p = 0; p < DPV_MAX_PORTS; p++)
			rte_free(e->workers[i].txb[p]);
		rte_ring_free(e->workers[i].sig_ring);
		dpv_flood_destroy(e->workers[i].flood);
		e->workers[i].flood = NULL;
		if (e->workers[i].tx_handoff != NULL) {
			struct rte_mbuf *m;

			while (rte_ring_dequeue(e->workers[i].tx_handoff, (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(e->workers[i].tx_handoff);
		}
	}
}
