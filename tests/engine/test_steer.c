/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software SIP steering in the worker loop: a media worker polls a ring PMD
 * port and hands each SIP datagram to the signaling lcore that owns its
 * Call-ID (through that lcore's ring), or handles it in the same loop when it
 * is the owner. Workers are polled by hand from the test thread; EAL runs
 * with --no-huge --no-shconf and a net_ring port.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

#define ENG_IP  0xC6120001u /* 198.18.0.1 */
#define PEER_IP 0xC6120002u /* 198.18.0.2 */
#define NB_SIG  2

struct dpv_engine dpv_eng;
static struct rte_ring *rx_ring, *tx_ring;
static struct rte_mempool *pool;
static struct dpv_net_ctx peer; /* builds the frames the engine receives */
static struct dpv_arp_cache peer_arp;

static void
setup(void)
{
	struct dpv_engine *e = &dpv_eng;
	uint16_t port;

	test_eal_init("dpvsteer", "64");
	pool =
	    rte_pktmbuf_pool_create("steer", 1023, 0, DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	cr_assert_not_null(pool);
	memset(e, 0, sizeof(*e));
	/* Every worker has its own tx queue; here they all drain into one ring. */
	test_ring_port(e, 0, pool, ENG_IP, 0, NB_SIG + 1, &rx_ring, &tx_ring);
	e->nb_ports = 1;
	port = e->ports[0].port_id;

	/* Worker 0: media only. Workers 1 and 2: signaling only, each with its ring. */
	e->nb_workers = NB_SIG + 1;
	for (unsigned i = 0; i < e->nb_workers; i++) {
		struct dpv_worker *w = &e->workers[i];
		char name[32];

		w->lcore_id = i;
		w->txq = (uint16_t)i;
		w->sig_index = -1;
		test_worker_txb(w, port);
		if (i == 0) {
			w->roles = DPV_ROLE_MEDIA;
			continue;
		}
		w->roles = DPV_ROLE_SIGNALING;
		w->sig_index = (int)(i - 1);
		snprintf(name, sizeof(name), "sig%u", i);
		w->sig_ring = rte_ring_create(name, 16, 0, RING_F_SC_DEQ);
		e->sig_workers[e->nb_sig++] = w;
	}

	peer.addr = PEER_IP;
	peer.netmask = 0xffffff00;
	peer.arp = &peer_arp;
	dpv_arp_learn(&peer_arp, ENG_IP, &e->ports[0].net.mac, 0);
}

TestSuite(steer, .init = setup);

/* Put one UDP datagram from the peer on the wire towards the engine. */
static void
inject(uint16_t dport, const char *payload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	cr_assert_not_null(m);
	cr_assert_eq(
	    frame_udp_build(&peer, m, 5060, ENG_IP, dport, payload, (uint16_t)strlen(payload)), 0);
	cr_assert_eq(rte_ring_enqueue(rx_ring, m), 0);
}

static void
inject_sip(const char *callid)
{
	char msg[512];

	snprintf(
	    msg, sizeof(msg),
	    "OPTIONS sip:x@198.18.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.0.2;branch=z9hG4bK1\r\n"
	    "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    callid);
	inject(5060, msg);
}

static unsigned
owner_of(const char *callid)
{
	struct dpv_str s = {callid, (uint32_t)strlen(callid)};

	return (unsigned)dpv_sig_owner(&dpv_eng, s)->sig_index;
}

Test(steer, sip_goes_to_the_owner_of_its_call_id)
{
	struct dpv_engine *e = &dpv_eng;
	unsigned want[NB_SIG] = {0};
	char id[32];

	for (unsigned i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "call-%u@198.18.0.2", i);
		inject_sip(id);
		want[owner_of(id)]++;
	}
	cr_assert_gt(want[0], 0, "the 12 Call-IDs spread over both lcores");
	cr_assert_gt(want[1], 0);
	cr_assert_eq(dpv_worker_poll(e, &e->workers[0]), 12);
	cr_assert_eq(e->workers[0].lc[DPV_LC_sip_steered], 12);
	cr_assert_eq(e->workers[0].pc[0][DPV_C_rx_sip], 12);
	for (unsigned s = 0; s < NB_SIG; s++) {
		struct dpv_worker *w = e->sig_workers[s];

		cr_assert_eq(rte_ring_count(w->sig_ring), want[s]);
		cr_assert_eq(dpv_worker_poll(e, w), want[s]);
		cr_assert_eq(w->lc[DPV_LC_sig_dequeued], want[s]);
		cr_assert_eq(w->lc[DPV_LC_sip_processed], want[s]);
		/* No SIP stack is plugged in here: the default handler counts and frees. */
		cr_assert_eq(w->pc[0][DPV_C_drop_sip_unhandled], want[s]);
	}
	cr_assert_eq(rte_mempool_in_use_count(pool), 0, "every mbuf back in the pool");
}

Test(steer, same_call_id_always_same_lcore_and_retransmissions_follow)
{
	struct dpv_engine *e = &dpv_eng;
	unsigned o = owner_of("retrans@198.18.0.2");

	for (unsigned i = 0; i < 3; i++)
		inject_sip("retrans@198.18.0.2");
	dpv_worker_poll(e, &e->workers[0]);
	cr_assert_eq(rte_ring_count(e->sig_workers[o]->sig_ring), 3);
	cr_assert_eq(rte_ring_count(e->sig_workers[1 - o]->sig_ring), 0);
	dpv_worker_poll(e, e->sig_workers[o]);
}

Test(steer, full_ring_is_a_counted_drop)
{
	struct dpv_engine *e = &dpv_eng;
	unsigned o = owner_of("flood@198.18.0.2");

	/* A ring of 16 holds 15. */
	for (unsigned i = 0; i < 20; i++)
		inject_sip("flood@198.18.0.2");
	dpv_worker_poll(e, &e->workers[0]);
	cr_assert_eq(rte_ring_count(e->sig_workers[o]->sig_ring), 15);
	cr_assert_eq(e->workers[0].pc[0][DPV_C_drop_sig_ring_full], 5);
	cr_assert_eq(e->workers[0].lc[DPV_LC_sip_steered], 15);
	dpv_worker_poll(e, e->sig_workers[o]);
	cr_assert_eq(rte_mempool_in_use_count(pool), 0);
}

Test(steer, no_call_id_is_steered_by_source)
{
	struct dpv_engine *e = &dpv_eng;

	inject(5060, "garbage without any header\r\n\r\n");
	inject(5060, "more garbage\r\n\r\n");
	dpv_worker_poll(e, &e->workers[0]);
	/* Same source, same owner: both land on one ring. */
	cr_assert(rte_ring_count(e->sig_workers[0]->sig_ring) == 2 ||
	          rte_ring_count(e->sig_workers[1]->sig_ring) == 2);
}

Test(steer, shared_roles_handle_sip_in_the_same_loop)
{
	struct dpv_engine *e = &dpv_eng;
	struct dpv_worker *w = e->sig_workers[0];
	char id[32];
	unsigned i = 0;

	/* Make worker 0 a media+signaling worker that owns index 0. */
	e->workers[0].roles |= DPV_ROLE_SIGNALING;
	e->workers[0].sig_index = 0;
	e->workers[0].sig_ring = w->sig_ring;
	e->sig_workers[0] = &e->workers[0];
	do
		snprintf(id, sizeof(id), "local-%u", i++);
	while (owner_of(id) != 0);
	inject_sip(id);
	dpv_worker_poll(e, &e->workers[0]);
	cr_assert_eq(e->workers[0].lc[DPV_LC_sip_local], 1);
	cr_assert_eq(e->workers[0].lc[DPV_LC_sip_steered], 0);
	cr_assert_eq(e->workers[0].lc[DPV_LC_sip_processed], 1);
	cr_assert_eq(rte_ring_count(w->sig_ring), 0);
}

Test(steer, rtp_range_reaches_the_media_worker_and_arp_is_answered)
{
	struct dpv_engine *e = &dpv_eng;
	struct rte_mbuf *m;

	inject(20000, "rtp");
	inject(29999, "rtp");
	inject(30000, "not rtp");
	dpv_worker_poll(e, &e->workers[0]);
	cr_assert_eq(e->workers[0].pc[0][DPV_C_rx_rtp], 2);
	cr_assert_eq(e->workers[0].pc[0][DPV_C_drop_rtp_no_flow], 2);
	cr_assert_eq(e->workers[0].pc[0][DPV_C_drop_udp_port], 1);

	/* An ARP request for the engine comes back out of the port as a reply. */
	m = rte_pktmbuf_alloc(pool);
	dpv_net_arp_request(&peer, m, ENG_IP);
	cr_assert_eq(rte_ring_enqueue(rx_ring, m), 0);
	dpv_worker_poll(e, &e->workers[0]);
	cr_assert_eq(e->workers[0].pc[0][DPV_C_tx_arp_reply], 1);
	cr_assert_eq(e->workers[0].pc[0][DPV_C_tx], 1);
	cr_assert_eq(rte_ring_count(tx_ring), 1);
}

/* [security] flood-rate: on the media worker, before steering. The test's TSC runs, so the rate
 * is 1 request/s: a burst of 4 passes, the 5th blocks the source for an hour, ACKs and
 * responses are never counted, and what was dropped never reaches a signaling ring. */
Test(steer, flood_control_drops_before_steering)
{
	struct dpv_engine *e = &dpv_eng;
	struct dpv_flood_cfg fc = {.rate = 1,
	                           .burst = 4,
	                           .block_s = 3600,
	                           .entries = 256,
	                           .hz = rte_get_tsc_hz(),
	                           .seed = 1};
	unsigned queued = 0;
	char id[32];

	e->workers[0].flood = dpv_flood_create(&fc);
	cr_assert_not_null(e->workers[0].flood);
	for (unsigned i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "flood-%u@198.18.0.2", i);
		inject_sip(id);
	}
	inject(5060, "ACK sip:x@198.18.0.1 SIP/2.0\r\nCall-ID: a1\r\n\r\n");
	inject(5060, "SIP/2.0 200 OK\r\nCall-ID: r1\r\n\r\n");
	cr_assert_eq(dpv_worker_poll(e, &e->workers[0]), 12);
	cr_assert_eq(e->workers[0].pc[0][DPV_C_drop_sip_flood], 6);
	cr_assert_eq(e->workers[0].lc[DPV_LC_flood_blocks], 1);
	cr_assert_eq(e->workers[0].lc[DPV_LC_sip_steered], 6, "4 requests, the ACK, the 200");
	for (unsigned s = 0; s < NB_SIG; s++)
		queued += rte_ring_count(e->sig_workers[s]->sig_ring);
	cr_assert_eq(queued, 6);
	cr_assert_eq(dpv_flood_blocked(e->workers[0].flood, rte_rdtsc(), NULL, NULL), 1);
	for (unsigned s = 0; s < NB_SIG; s++)
		dpv_worker_poll(e, e->sig_workers[s]);
	dpv_flood_destroy(e->workers[0].flood);
	e->workers[0].flood = NULL;
	cr_assert_eq(rte_mempool_in_use_count(pool), 0, "every mbuf back in the pool");
}
