/* SPDX-License-Identifier: BSD-3-Clause */
/* The engine on ring PMD ports, for tests that drive workers by hand from the test thread. */
#ifndef DPV_TESTS_ENGINE_RING_PORTS_H
#define DPV_TESTS_ENGINE_RING_PORTS_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "engine_int.h"

/* EAL for one test process: no hugepages, no shared config, lcore 0, @a mem_mb of memory. */
static inline void
test_eal_init(const char *prog, const char *mem_mb)
{
	char prefix[64];
	char *argv[] = {(char *)prog,
	                "--no-huge",
	                "-m",
	                (char *)mem_mb,
	                "--no-pci",
	                "--no-shconf",
	                "--no-telemetry",
	                "--log-level=lib.eal:error",
	                "-l",
	                "0",
	                prefix};

	snprintf(prefix, sizeof(prefix), "--file-prefix=%s%d", prog, (int)getpid());
	cr_assert_geq(rte_eal_init(RTE_DIM(argv), argv), 0, "EAL init");
}

/*
 * Engine port @a i: a ring PMD port with one rx queue fed from *@a rx and @a nb_txq tx queues
 * all draining into *@a tx (the rings are made here), its net context at @a addr/24 with
 * @a gateway (0: none), and the receive pool @a pool.
 */
static inline void
test_ring_port(struct dpv_engine *e, unsigned i, struct rte_mempool *pool, uint32_t addr,
               uint32_t gateway, uint16_t nb_txq, struct rte_ring **rx, struct rte_ring **tx)
{
	struct rte_ring *txs[DPV_MAX_WORKERS];
	struct dpv_port *p = &e->ports[i];
	struct rte_eth_conf conf;
	char name[16];
	int id;

	snprintf(name, sizeof(name), "rx%u", i);
	*rx = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "tx%u", i);
	*tx = rte_ring_create(name, 1024, 0, RING_F_SC_DEQ);
	cr_assert(*rx != NULL && *tx != NULL);
	for (uint16_t q = 0; q < nb_txq; q++)
		txs[q] = *tx;
	snprintf(name, sizeof(name), "r%u", i);
	id = rte_eth_from_rings(name, rx, 1, txs, nb_txq, 0);
	cr_assert_geq(id, 0);
	memset(&conf, 0, sizeof(conf));
	cr_assert_eq(rte_eth_dev_configure((uint16_t)id, 1, nb_txq, &conf), 0);
	cr_assert_eq(rte_eth_rx_queue_setup((uint16_t)id, 0, 512, 0, NULL, pool), 0);
	for (uint16_t q = 0; q < nb_txq; q++)
		cr_assert_eq(rte_eth_tx_queue_setup((uint16_t)id, q, 512, 0, NULL), 0);
	cr_assert_eq(rte_eth_dev_start((uint16_t)id), 0);
	p->port_id = (uint16_t)id;
	p->pool = pool;
	p->mtu = RTE_ETHER_MTU;
	p->net = (struct dpv_net_ctx){
	    .port_id = (uint16_t)id,
	    .addr = addr,
	    .netmask = 0xffffff00,
	    .gateway = gateway,
	    .sip_port = 5060,
	    .rtp_min = 20000,
	    .rtp_max = 29999,
	    .arp = &p->arp,
	};
	rte_eth_macaddr_get((uint16_t)id, &p->net.mac);
}

/* A zeroed engine with the default config, small SIP pools and the default dialplan (".* tone")
 * compiled as dpv_config_load's check does. */
static inline void
test_engine_config(struct dpv_engine *e)
{
	char err[256];

	memset(e, 0, sizeof(*e));
	dpv_config_defaults(&e->cfg);
	snprintf(e->cfg.path, sizeof(e->cfg.path), "test.conf");
	e->cfg.sip.max_transactions = 64;
	e->cfg.sip.max_dialogs = 64;
	e->cfg.dialplan.dp =
	    sip_dialplan_create(&e->cfg.dialplan.rules[0].rule, 1, err, sizeof(err), NULL);
	cr_assert_not_null(e->cfg.dialplan.dp, "%s", err);
	e->start_tsc = rte_rdtsc();
}

/* Replace @a e's dialplan with the rules in @a text ("REGEX ACTION" each, at most 8), compiled
 * as the engine does; the parsed rules live in this test's static storage. */
static inline void
test_engine_dialplan(struct dpv_engine *e, const char *const *text, unsigned n)
{
	static struct sip_dialplan_rule rules[8];
	static char buf[8][64];
	char err[256];

	cr_assert_leq(n, RTE_DIM(rules));
	sip_dialplan_destroy(e->cfg.dialplan.dp);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(sip_dialplan_rule_parse(text[i], &rules[i], buf[i], sizeof(buf[i]),
		                                     err, sizeof(err)),
		             0, "%s", err);
	e->cfg.dialplan.dp = sip_dialplan_create(rules, n, err, sizeof(err), NULL);
	cr_assert_not_null(e->cfg.dialplan.dp, "%s", err);
}

/* Worker @a w's tx buffer on port @a port_id. */
static inline void
test_worker_txb(struct dpv_worker *w, uint16_t port_id)
{
	w->txb[port_id] = rte_zmalloc(NULL, RTE_ETH_TX_BUFFER_SIZE(DPV_BURST), 0);
	cr_assert_not_null(w->txb[port_id]);
	rte_eth_tx_buffer_init(w->txb[port_id], DPV_BURST);
}

#endif /* DPV_TESTS_ENGINE_RING_PORTS_H */
