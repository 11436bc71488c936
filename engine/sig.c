/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signaling glue: one SIP UA per signaling lcore, fed with the SIP datagrams
 * steered to that lcore, sending through mbufs on the lcore's own tx queues,
 * negotiating media with the rtp layer, and taking originate/hangup commands
 * from the control socket through a one-slot mailbox polled by the loop.
 */
#include <errno.h>
#include <string.h>

#include <urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "egress_int.h"
#include "engine_int.h"
#include "rtp.h"
#include "sig_int.h"
#include "sip.h"

#define DPV_WHEEL_SLOTS     4096
#define DPV_WHEEL_TICK_MS   1
#define DPV_SIG_LARGE_MBUFS 255
#define DPV_SIG_FRAG_MBUFS  4095
#define DPV_SIG_POOL_SLACK  1024 /* beyond one held message per transaction: ARP, ACKs */

enum dpv_cmd_state {
	CMD_FREE,
	CMD_POSTED,
	CMD_DONE,
};

struct dpv_sig {
	struct dpv_engine *e;
	/* The UA keeps each transaction's last message for retransmission, up to 64*T1 after the
	 * call: those mbufs come from this lcore's own pool (sized by max-transactions) so that
	 * held SIP messages can never starve the ports' receive pools. */
	struct rte_mempool *pool;
	/* Answers larger than one of those (they copy every Via of the request) come from a few
	 * 64 KB mbufs, and whatever is larger than the MTU leaves as IPv4 fragments copied into
	 * frag_pool (lent to egress.c as w->frag_pool). */
	struct rte_mempool *pool_large;
	struct rte_mempool *frag_pool;
	struct dpv_worker *w;
	struct sip_ua *ua;
	struct rtp_media *media; /* SDP and this lcore's slice of the RTP ports */
	struct dpv_timer_wheel wheel;
	uint64_t tsc_per_ms;
	struct dpv_sig_cmd
	    cmd; /* written by the main lcore while FREE, by this lcore while POSTED */
};

static inline uint64_t
now_ms(const struct dpv_sig *s, uint64_t tsc)
{
	return (tsc - s->e->start_tsc) / s->tsc_per_ms;
}

static void *
msg_alloc(void *arg, char **buf, uint32_t *cap)
{
	struct dpv_sig *s = arg;
	struct rte_mbuf *m = egress_msg_alloc(s->pool);

	if (m == NULL) {
		s->w->lc[DPV_LC_sip_tx_no_mbuf]++;
		return NULL;
	}
	*buf = rte_pktmbuf_mtod(m, char *);
	*cap = rte_pktmbuf_tailroom(m);
	return m;
}

static void *
msg_alloc_large(void *arg, uint32_t need, char **buf, uint32_t *cap)
{
	struct dpv_sig *s = arg;
	struct rte_mbuf *m;

	/* Beyond one UDP datagram nothing can carry it. */
	if (need > UINT16_MAX - sizeof(struct rte_ipv4_hdr) - sizeof(struct rte_udp_hdr))
		return NULL;
	m = egress_msg_alloc(s->pool_large);
	if (m == NULL) {
		s->w->lc[DPV_LC_sip_tx_no_mbuf]++;
		return NULL;
	}
	if (rte_pktmbuf_tailroom(m) <
	    need + RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	*buf = rte_pktmbuf_mtod(m, char *);
	*cap = rte_pktmbuf_tailroom(m);
	return m;
}

/* The UA keeps its messages to resend them. The first send gives the mbuf its payload's length;
 * egress frames it once and hands the PMD a reference of its own on every send. */
static int
msg_send(void *arg, void *msg, uint32_t len, uint32_t ip, uint16_t port)
{
	struct dpv_sig *s = arg;
	struct rte_mbuf *m = msg;

	if (m->pkt_len == 0 && rte_pktmbuf_append(m, (uint16_t)len) == NULL)
		return -1;
	return egress_udp_send(s->w, m, s->e->cfg.sip.port, ip, port) == EGRESS_SENT ? 0 : -1;
}

static void
msg_free(void *arg, void *msg)
{
	rte_pktmbuf_free(msg);
}

/* The address of the port that reaches @a peer_ip: a session's Via, Contact and SDP c=. */
static uint32_t
local_addr(void *arg, uint32_t peer_ip)
{
	struct dpv_sig *s = arg;

	return egress_route(s->e, peer_ip)->net.addr;
}

static const struct sip_ua_ops ua_ops = {
    .msg_alloc = msg_alloc,
    .msg_alloc_large = msg_alloc_large,
    .msg_send = msg_send,
    .msg_free = msg_free,
    .local_addr = local_addr,
};

void
dpv_sig_input(struct dpv_worker *w, struct rte_mbuf **pkts, unsigned n)
{
	struct dpv_sig *s = w->sig;

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct dpv_pkt_info *info = dpv_mbuf_info(m);

		if (s == NULL)
			w->pc[m->port][DPV_C_drop_sip_unhandled]++;
		else
			sip_ua_input(s->ua,
			             rte_pktmbuf_mtod_offset(m, const char *, info->payload_off),
			             info->payload_len, info->src_ip, info->src_port);
	}
	rte_pktmbuf_free_bulk(pkts, n);
}

static void
cmd_run(struct dpv_sig *s, struct dpv_sig_cmd *c)
{
	switch (c->op) {
	case DPV_CMD_ORIGINATE:
		c->rc = sip_ua_originate(s->ua, c->uri, c->bridge[0] ? c->bridge : NULL,
		                         &c->session_id);
		break;
	case DPV_CMD_HANGUP:
		c->rc = sip_ua_hangup(s->ua, c->session_id);
		break;
	case DPV_CMD_SET_BRIDGE:
		c->rc = sip_ua_set_bridge(s->ua, c->session_id, c->bridge[0] ? c->bridge : NULL);
		break;
	default:
		c->rc = -EINVAL;
	}
}

unsigned
dpv_sig_tick(struct dpv_worker *w, uint64_t now_tsc)
{
	struct dpv_sig *s = w->sig;
	unsigned work;

	if (s == NULL)
		return 0;
	work = sip_ua_tick(s->ua, now_ms(s, now_tsc));

	if (__atomic_load_n(&s->cmd.state, __ATOMIC_ACQUIRE) == CMD_POSTED) {
		cmd_run(s, &s->cmd);
		__atomic_store_n(&s->cmd.state, CMD_DONE, __ATOMIC_RELEASE);
		work++;
	}
	return work;
}

/* The dialplan the startup file's check compiled (dpv_config_load); the config owns it. */
static int
dialplan_check(const struct dpv_config *c, FILE *err)
{
	if (c->dialplan.dp == NULL) {
		fprintf(err,
		        "%s: [dialplan] rule: no compiled dialplan (the file was not loaded)\n",
		        c->path);
		return -1;
	}
	return 0;
}

/* Free a signaling state and what it holds; any part may be missing. The UA goes first: it
 * hands its held messages back to the pools. */
static void
sig_free(struct dpv_sig *s)
{
	if (s == NULL)
		return;
	sip_ua_destroy(s->ua);
	rtp_media_destroy(s->media);
	dpv_timer_wheel_fini(&s->wheel);
	rte_mempool_free(s->pool);
	rte_mempool_free(s->pool_large);
	rte_mempool_free(s->frag_pool);
	rte_free(s);
}

/*
 * The signaling state of signaling lcore @a i, with the RTP ports @a lo-@a hi. NULL when a part
 * cannot be made: the message names the key that sizes it, and nothing made is left behind.
 */
static struct dpv_sig *
sig_create(struct dpv_engine *e, unsigned i, uint16_t lo, uint16_t hi, FILE *err)
{
	const struct dpv_config *c = &e->cfg;
	struct dpv_worker *w = e->sig_workers[i];
	int socket = (int)rte_lcore_to_socket_id(w->lcore_id);
	char name[RTE_MEMPOOL_NAMESIZE];
	struct sip_ua_cfg ucfg = {
	    .index = i,
	    .nb_uas = e->nb_sig,
	    .local_ip = e->ports[0].net.addr,
	    .local_port = c->sip.port,
	    .max_transactions = c->sip.max_transactions,
	    .max_dialogs = c->sip.max_dialogs,
	    .t1_ms = c->sip.t1_ms,
	    .t2_ms = c->sip.t2_ms,
	    .t4_ms = c->sip.t4_ms,
	    .answer_delay_ms = c->sip.answer_delay_ms,
	    .dialplan = c->dialplan.dp,
	    .ops = &ua_ops,
	};
	struct dpv_sig *s = rte_zmalloc("dpv_sig", sizeof(*s), RTE_CACHE_LINE_SIZE);

	if (s == NULL) {
		fprintf(err,
		        "%s:%u: [dpdk] eal: cannot allocate the signaling state of lcore %u "
		        "(give EAL more memory with -m)\n",
		        c->path, c->eal_line, w->lcore_id);
		return NULL;
	}
	s->e = e;
	s->w = w;
	s->tsc_per_ms = rte_get_tsc_hz() / 1000;

	snprintf(name, sizeof(name), "dpv_sigtx%u", i);
	s->pool = rte_pktmbuf_pool_create(name, c->sip.max_transactions + DPV_SIG_POOL_SLACK, 256,
	                                  DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (s->pool == NULL) {
		fprintf(err,
		        "%s: [sip] max-transactions: cannot allocate %u signaling mbufs for lcore "
		        "%u: %s (give EAL more memory with -m, or lower max-transactions)\n",
		        c->path, c->sip.max_transactions + DPV_SIG_POOL_SLACK, w->lcore_id,
		        rte_strerror(rte_errno));
		goto fail;
	}
	snprintf(name, sizeof(name), "dpv_siglg%u", i);
	s->pool_large = rte_pktmbuf_pool_create(name, DPV_SIG_LARGE_MBUFS, 0, DPV_MBUF_PRIV,
	                                        UINT16_MAX, socket);
	if (s->pool_large == NULL) {
		fprintf(err,
		        "%s:%u: [dpdk] eal: cannot allocate %u large (64 KB) signaling mbufs for "
		        "lcore %u: %s (give EAL more memory with -m)\n",
		        c->path, c->eal_line, DPV_SIG_LARGE_MBUFS, w->lcore_id,
		        rte_strerror(rte_errno));
		goto fail;
	}
	snprintf(name, sizeof(name), "dpv_sigfr%u", i);
	s->frag_pool = rte_pktmbuf_pool_create(name, DPV_SIG_FRAG_MBUFS, 64, DPV_MBUF_PRIV,
	                                       RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (s->frag_pool == NULL) {
		fprintf(err,
		        "%s:%u: [dpdk] eal: cannot allocate %u IPv4 fragment mbufs for lcore %u: "
		        "%s (give EAL more memory with -m)\n",
		        c->path, c->eal_line, DPV_SIG_FRAG_MBUFS, w->lcore_id,
		        rte_strerror(rte_errno));
		goto fail;
	}
	s->media = rtp_media_create(&(struct rtp_media_cfg){.port_min = lo, .port_max = hi});
	if (s->media == NULL) {
		fprintf(err,
		        "%s: [rtp] port-min: cannot create the RTP port pool %u-%u of lcore %u\n",
		        c->path, lo, hi, w->lcore_id);
		goto fail;
	}
	if (dpv_timer_wheel_init(&s->wheel, DPV_WHEEL_SLOTS, DPV_WHEEL_TICK_MS, 0) < 0) {
		fprintf(
		    err,
		    "%s: [sip]: cannot allocate the SIP timer wheel of lcore %u (%u slots, no key "
		    "sizes it): out of memory\n",
		    c->path, w->lcore_id, DPV_WHEEL_SLOTS);
		goto fail;
	}
	ucfg.wheel = &s->wheel;
	ucfg.ops_arg = s;
	ucfg.media = &rtp_media_ops;
	ucfg.media_arg = s->media;
	s->ua = sip_ua_create(&ucfg);
	if (s->ua == NULL) {
		fprintf(err,
		        "%s: [sip] max-dialogs: cannot create the SIP stack of lcore %u with %u "
		        "dialogs and %u transactions ([sip] max-transactions): too many for the "
		        "stack, or out of memory\n",
		        c->path, w->lcore_id, c->sip.max_dialogs, c->sip.max_transactions);
		goto fail;
	}
	return s;
fail:
	sig_free(s);
	return NULL;
}

int
dpv_sig_init(struct dpv_engine *e, FILE *err)
{
	const struct dpv_config *c = &e->cfg;
	unsigned span, nb = e->nb_sig;

	if (dialplan_check(c, err) < 0)
		return -1;
	/* Each signaling lcore owns an equal slice of the RTP range (even-aligned). */
	span = ((unsigned)(c->rtp.port_max - c->rtp.port_min + 1) / nb) & ~1u;
	if (span < 2) {
		fprintf(err, "%s: [rtp] port-min: range too small for %u signaling lcores\n",
		        c->path, nb);
		goto fail;
	}
	for (unsigned i = 0; i < nb; i++) {
		struct dpv_worker *w = e->sig_workers[i];
		uint16_t lo = (uint16_t)(c->rtp.port_min + i * span);
		uint16_t hi = i + 1 == nb ? c->rtp.port_max : (uint16_t)(lo + span - 1);
		struct dpv_sig *s = sig_create(e, i, lo, hi, err);

		if (s == NULL)
			goto fail;
		w->sig = s;
		w->frag_pool = s->frag_pool;
	}
	return 0;
fail:
	/* Undo the lcores set up so far: a failed start leaves nothing behind, and
	 * another start can make the same pool names again. */
	dpv_sig_fini(e);
	return -1;
}

void
dpv_sig_fini(struct dpv_engine *e)
{
	for (unsigned i = 0; i < e->nb_sig; i++) {
		struct dpv_worker *w = e->sig_workers[i];

		sig_free(w->sig);
		w->sig = NULL;
		w->frag_pool = NULL;
	}
}

struct sip_ua *
dpv_sig_worker_ua(const struct dpv_worker *w)
{
	return w->sig ? w->sig->ua : NULL;
}

const struct rtp_media *
dpv_sig_worker_media(const struct dpv_worker *w)
{
	return w->sig ? w->sig->media : NULL;
}

struct sip_ua *
dpv_sig_ua(struct dpv_engine *e, unsigned index)
{
	return index < e->nb_sig && e->sig_workers[index]->sig ? e->sig_workers[index]->sig->ua
	                                                       : NULL;
}

int
dpv_sig_command(struct dpv_engine *e, unsigned index, struct dpv_sig_cmd *c, unsigned timeout_ms)
{
	struct dpv_sig *s;
	uint64_t deadline;

	if (index >= e->nb_sig || (s = e->sig_workers[index]->sig) == NULL)
		return -ENOENT;
	if (__atomic_load_n(&s->cmd.state, __ATOMIC_ACQUIRE) == CMD_DONE)
		s->cmd.state = CMD_FREE; /* the answer of an earlier command nobody waited for */
	if (s->cmd.state != CMD_FREE)
		return -EBUSY;
	s->cmd.op = c->op;
	memcpy(s->cmd.uri, c->uri, sizeof(s->cmd.uri));
	memcpy(s->cmd.bridge, c->bridge, sizeof(s->cmd.bridge));
	s->cmd.session_id = c->session_id;
	__atomic_store_n(&s->cmd.state, CMD_POSTED, __ATOMIC_RELEASE);
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() * timeout_ms / 1000;
	while (__atomic_load_n(&s->cmd.state, __ATOMIC_ACQUIRE) != CMD_DONE) {
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		rte_delay_us_sleep(200);
	}
	c->rc = s->cmd.rc;
	c->session_id = s->cmd.session_id;
	s->cmd.state = CMD_FREE;
	return 0;
}
