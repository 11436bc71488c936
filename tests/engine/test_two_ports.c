/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A two-port engine: a call that arrives on port 1 is answered with port 1's address in its
 * Contact, its SDP c= and o=, and the Via of the requests the engine sends in it; a call on
 * port 0 keeps port 0's. Two ring PMD ports, one media+signaling worker polled by hand.
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

#define NB_PORTS 2

static const uint32_t eng_ip[NB_PORTS] = {0xC6120001u, 0xC6130001u};  /* 198.18/19.0.1 */
static const uint32_t peer_ip[NB_PORTS] = {0xC6120002u, 0xC6130002u}; /* 198.18/19.0.2 */

static struct dpv_engine eng;
static struct rte_ring *rx_ring[NB_PORTS], *tx_ring[NB_PORTS];
static struct rte_mempool *pool;
static struct dpv_net_ctx peer[NB_PORTS]; /* the host on each port's link */
static struct dpv_arp_cache peer_arp[NB_PORTS];

static void
setup(void)
{
	struct dpv_engine *e = &eng;
	struct dpv_worker *w = &e->workers[0];

	test_eal_init("dpv2p", "128");
	rcu_register_thread();
	pool =
	    rte_pktmbuf_pool_create("port", 1023, 0, DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	cr_assert_not_null(pool);
	test_engine_config(e);
	e->nb_ports = NB_PORTS;
	e->nb_workers = 1;
	w->eng = e;
	w->roles = DPV_ROLE_MEDIA | DPV_ROLE_SIGNALING;
	w->sig_index = 0;
	w->sig_ring = rte_ring_create("sig0", 16, 0, RING_F_SC_DEQ);
	e->sig_workers[e->nb_sig++] = w;
	for (unsigned p = 0; p < NB_PORTS; p++) {
		test_ring_port(e, p, pool, eng_ip[p], 0, 1, &rx_ring[p], &tx_ring[p]);
		test_worker_txb(w, e->ports[p].port_id);

		peer[p].mac = (struct rte_ether_addr){{0x02, 0, 0, 0, 1, (uint8_t)p}};
		peer[p].addr = peer_ip[p];
		peer[p].netmask = 0xffffff00;
		peer[p].sip_port = 5070;
		peer[p].arp = &peer_arp[p];
		dpv_arp_learn(&peer_arp[p], eng_ip[p], &e->ports[p].net.mac, 0);
	}
	cr_assert_eq(dpv_sig_init(e, stderr), 0);
}

static void
teardown(void)
{
	dpv_sig_fini(&eng);
}

TestSuite(two_ports, .init = setup, .fini = teardown);

/* The peer on port @a p says @a payload to the engine's SIP port (after an ARP request, so the
 * engine knows where to answer). */
static void
peer_says(unsigned p, const char *payload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	cr_assert_not_null(m);
	dpv_net_arp_request(&peer[p], m, eng_ip[p]);
	cr_assert_eq(rte_ring_enqueue(rx_ring[p], m), 0);
	m = rte_pktmbuf_alloc(pool);
	cr_assert_not_null(m);
	cr_assert_eq(
	    frame_udp_build(&peer[p], m, 5070, eng_ip[p], 5060, payload, (uint16_t)strlen(payload)),
	    0);
	cr_assert_eq(rte_ring_enqueue(rx_ring[p], m), 0);
	dpv_worker_poll(&eng, &eng.workers[0]);
}

/* The SIP datagrams that left by port @a p, NUL-terminated into @a out[]; their source
 * address is the port's own. Returns how many. */
static unsigned
sent_on(unsigned p, char out[][2048], unsigned max)
{
	struct rte_mbuf *m[16];
	unsigned n = rte_ring_dequeue_burst(tx_ring[p], (void **)m, RTE_DIM(m), NULL), k = 0;
	uint64_t cnt[DPV_C_MAX] = {0};

	for (unsigned i = 0; i < n; i++) {
		struct dpv_pkt_info info;

		if (dpv_net_input(&peer[p], m[i], &info, cnt, 0) == DPV_V_SIP && k < max) {
			cr_assert_eq(info.src_ip, eng_ip[p], "sent from the port's own address");
			cr_assert_lt(info.payload_len, 2048);
			memcpy(out[k], rte_pktmbuf_mtod_offset(m[i], char *, info.payload_off),
			       info.payload_len);
			out[k++][info.payload_len] = '\0';
		}
		rte_pktmbuf_free(m[i]);
	}
	return k;
}

static const char *
invite(unsigned p, const char *callid)
{
	static char msg[1024];
	static const char *const host[NB_PORTS] = {"198.18.0", "198.19.0"};
	char sdp[256];
	int n = snprintf(sdp, sizeof(sdp),
	                 "v=0\r\no=- 1 1 IN IP4 %s.2\r\ns=-\r\nc=IN IP4 %s.2\r\nt=0 0\r\n"
	                 "m=audio 30000 RTP/AVP 0\r\n",
	                 host[p], host[p]);

	snprintf(msg, sizeof(msg),
	         "INVITE sip:tone@%s.1 SIP/2.0\r\nVia: SIP/2.0/UDP %s.2:5070;branch=z9hG4bK%s\r\n"
	         "From: <sip:a@%s.2>;tag=a\r\nTo: <sip:tone@%s.1>\r\nCall-ID: %s\r\n"
	         "CSeq: 1 INVITE\r\nContact: <sip:a@%s.2:5070>\r\nMax-Forwards: 70\r\n"
	         "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
	         host[p], host[p], callid, host[p], host[p], callid, host[p], n, sdp);
	return msg;
}

Test(two_ports, each_call_names_the_address_of_the_port_it_came_in_on)
{
	static char out[8][2048];
	static const char *const want[NB_PORTS][3] = {
	    {"Contact: <sip:engine@198.18.0.1:5060>\r\n", "c=IN IP4 198.18.0.1\r\n", "o=dpvoip "},
	    {"Contact: <sip:engine@198.19.0.1:5060>\r\n", "c=IN IP4 198.19.0.1\r\n",
	     "IN IP4 198.19.0.1\r\ns=dpvoip"},
	};

	for (unsigned p = NB_PORTS; p-- > 0;) {
		char callid[32];
		unsigned n;

		snprintf(callid, sizeof(callid), "twoport%u", p);
		peer_says(p, invite(p, callid));
		n = sent_on(p, out, 8);
		cr_assert_eq(n, 3, "100, 180 and 200 leave by port %u (%u: %s)", p, n,
		             n ? out[n - 1] : "");
		cr_assert_eq(strncmp(out[2], "SIP/2.0 200 OK\r\n", 16), 0, "%s", out[2]);
		for (unsigned k = 0; k < 3; k++)
			cr_assert_not_null(strstr(out[2], want[p][k]), "port %u: no \"%s\" in:\n%s",
			                   p, want[p][k], out[2]);
		cr_assert_eq(sent_on(1 - p, out, 8), 0, "nothing leaves by the other port");
	}
}

struct found {
	unsigned n;
	uint64_t id;
};

static void
collect(const struct sip_sess_info *i, void *arg)
{
	struct found *f = arg;

	f->id = i->id;
	f->n++;
}

Test(two_ports, a_bye_the_engine_sends_carries_the_ports_address_in_its_via)
{
	static char out[8][2048];
	struct sip_msg m;
	char ack[512], tag[64];
	struct found found = {0};

	peer_says(1, invite(1, "byecall"));
	cr_assert_eq(sent_on(1, out, 8), 3);
	cr_assert_eq(sip_parse(out[2], (uint32_t)strlen(out[2]), &m), 0);
	snprintf(tag, sizeof(tag), "%.*s", (int)m.to.tag.len, m.to.tag.p);
	snprintf(ack, sizeof(ack),
	         "ACK sip:engine@198.19.0.1:5060 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 198.19.0.2:5070;branch=z9hG4bKack\r\n"
	         "From: <sip:a@198.19.0.2>;tag=a\r\nTo: <sip:tone@198.19.0.1>;tag=%s\r\n"
	         "Call-ID: byecall\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
	         tag);
	peer_says(1, ack);
	sent_on(1, out, 8);
	sip_ua_sessions(dpv_sig_ua(&eng, 0), collect, &found);
	cr_assert_eq(found.n, 1);
	cr_assert_eq(sip_ua_hangup(dpv_sig_ua(&eng, 0), found.id), 0);
	dpv_worker_poll(&eng, &eng.workers[0]);
	cr_assert_eq(sent_on(1, out, 8), 1);
	cr_assert_eq(strncmp(out[0], "BYE sip:a@198.19.0.2:5070 SIP/2.0\r\n", 35), 0, "%s", out[0]);
	cr_assert_not_null(strstr(out[0], "Via: SIP/2.0/UDP 198.19.0.1:5060;branch="), "%s",
	                   out[0]);
}
