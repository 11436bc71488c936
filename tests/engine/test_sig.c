/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The signaling side (engine/sig.c) on a ring PMD port: start-up that fails part way leaves
 * nothing behind, and a SIP request goes through the worker loop's direct calls (classify,
 * steer to the local SIP stack, the UA, egress) to an answer on the wire. One media+signaling
 * worker is polled by hand from the test thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "engine_int.h"
#include "frames.h"
#include "ring_ports.h"
#include "lcore_int.h"
#include "sig_int.h"

#define ENG_IP  0xC6120001u /* 198.18.0.1 */
#define PEER_IP 0xC6120002u /* 198.18.0.2 */

static struct dpv_engine eng;
static struct rte_ring *rx_ring, *tx_ring;
static struct rte_mempool *pool;
static struct dpv_net_ctx peer; /* builds the frames the engine receives */
static struct dpv_arp_cache peer_arp;
static const char *const pool_names[] = {"dpv_sigtx0", "dpv_siglg0", "dpv_sigfr0"};

static void
setup(void)
{
	struct dpv_engine *e = &eng;
	struct dpv_worker *w = &e->workers[0];

	test_eal_init("dpvsig", "128");
	rcu_register_thread();
	pool =
	    rte_pktmbuf_pool_create("port", 1023, 0, DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	cr_assert_not_null(pool);
	test_engine_config(e);
	test_ring_port(e, 0, pool, ENG_IP, 0, 1, &rx_ring, &tx_ring);
	e->nb_ports = 1;

	/* One worker with both roles, owning every Call-ID. */
	e->nb_workers = 1;
	w->eng = e;
	w->lcore_id = 0;
	w->roles = DPV_ROLE_MEDIA | DPV_ROLE_SIGNALING;
	w->sig_index = 0;
	w->sig_ring = rte_ring_create("sig0", 16, 0, RING_F_SC_DEQ);
	test_worker_txb(w, e->ports[0].port_id);
	e->sig_workers[e->nb_sig++] = w;

	peer.mac = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0x02}};
	peer.addr = PEER_IP;
	peer.netmask = 0xffffff00;
	peer.arp = &peer_arp;
	dpv_arp_learn(&peer_arp, ENG_IP, &e->ports[0].net.mac, 0);
}

TestSuite(sig, .init = setup);

/* dpv_sig_init with its errors in a string (freed by the caller). */
static int
sig_init(char **msg)
{
	size_t len;
	FILE *f = open_memstream(msg, &len);
	int rc;

	cr_assert_not_null(f);
	rc = dpv_sig_init(&eng, f);
	fclose(f);
	return rc;
}

static void
assert_no_pool_left(void)
{
	for (unsigned i = 0; i < RTE_DIM(pool_names); i++)
		cr_assert_null(rte_mempool_lookup(pool_names[i]), "%s left behind", pool_names[i]);
}

Test(sig, init_failing_part_way_frees_what_it_made_and_a_retry_succeeds)
{
	struct dpv_worker *w = &eng.workers[0];
	char *msg = NULL;

	/* Past the SIP stack's limit (0xffffff): the mempools are made before it refuses. */
	eng.cfg.sip.max_dialogs = 0x1000000;
	cr_assert_eq(sig_init(&msg), -1);
	cr_assert_not_null(strstr(msg, "[sip] max-dialogs"), "names the key: %s", msg);
	free(msg);
	assert_no_pool_left();
	cr_assert_null(w->sig);
	cr_assert_null(w->frag_pool);

	eng.cfg.sip.max_dialogs = 64;
	cr_assert_eq(sig_init(&msg), 0, "a second start with good values: %s", msg);
	free(msg);
	cr_assert_not_null(w->sig);
	cr_assert_not_null(dpv_sig_worker_ua(w));
	cr_assert_not_null(w->frag_pool);
	dpv_sig_fini(&eng);
	assert_no_pool_left();
	cr_assert_null(w->frag_pool);
}

Test(sig, no_dialplan_fails_before_any_pool)
{
	char *msg = NULL;

	sip_dialplan_destroy(eng.cfg.dialplan.dp);
	eng.cfg.dialplan.dp = NULL;
	cr_assert_eq(sig_init(&msg), -1);
	cr_assert_not_null(strstr(msg, "[dialplan] rule"), "%s", msg);
	free(msg);
	assert_no_pool_left();
}

/* Put one UDP datagram from the peer on the wire towards the engine. */
static void
inject(const char *payload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	cr_assert_not_null(m);
	cr_assert_eq(
	    frame_udp_build(&peer, m, 5070, ENG_IP, 5060, payload, (uint16_t)strlen(payload)), 0);
	cr_assert_eq(rte_ring_enqueue(rx_ring, m), 0);
}

Test(sig, a_request_is_answered_through_the_loop)
{
	static const char options[] = "OPTIONS sip:x@198.18.0.1 SIP/2.0\r\n"
	                              "Via: SIP/2.0/UDP 198.18.0.2:5070;branch=z9hG4bK1\r\n"
	                              "From: <sip:p@198.18.0.2>;tag=1\r\n"
	                              "To: <sip:x@198.18.0.1>\r\n"
	                              "Call-ID: loop@198.18.0.2\r\n"
	                              "CSeq: 1 OPTIONS\r\n"
	                              "Max-Forwards: 70\r\n"
	                              "Content-Length: 0\r\n\r\n";
	struct dpv_worker *w = &eng.workers[0];
	struct dpv_pkt_info info;
	uint64_t cnt[DPV_C_MAX] = {0};
	struct rte_mbuf *out[8];
	char *msg = NULL;
	unsigned n;

	cr_assert_eq(sig_init(&msg), 0, "%s", msg);
	free(msg);
	/* The peer's ARP request teaches the engine its MAC (and is answered). */
	out[0] = rte_pktmbuf_alloc(pool);
	dpv_net_arp_request(&peer, out[0], ENG_IP);
	cr_assert_eq(rte_ring_enqueue(rx_ring, out[0]), 0);
	inject(options);
	cr_assert_geq(dpv_worker_poll(&eng, w), 2);
	cr_assert_eq(w->lc[DPV_LC_sip_local], 1);
	cr_assert_eq(w->lc[DPV_LC_sip_processed], 1);
	cr_assert_eq(w->lc[DPV_LC_sip_steered], 0);
	cr_assert_eq(w->pc[eng.ports[0].port_id][DPV_C_drop_sip_unhandled], 0);

	n = rte_ring_dequeue_burst(tx_ring, (void **)out, RTE_DIM(out), NULL);
	cr_assert_eq(n, 2, "the ARP reply and the answer");
	cr_assert_eq(dpv_net_input(&peer, out[0], &info, cnt, 0), DPV_V_DROP, "ARP reply");
	peer.sip_port = 5070;
	cr_assert_eq(dpv_net_input(&peer, out[1], &info, cnt, 0), DPV_V_SIP, "a UDP/IPv4 frame");
	cr_assert_eq(info.src_ip, ENG_IP);
	cr_assert_eq(info.src_port, 5060);
	cr_assert_eq(info.dst_port, 5070);
	cr_assert_eq(strncmp(rte_pktmbuf_mtod_offset(out[1], const char *, info.payload_off),
	                     "SIP/2.0 200 ", 12),
	             0);
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	dpv_sig_fini(&eng);
}
