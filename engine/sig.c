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
#include <rte_ip_frag.h>
#include <rte_malloc.h>

#include "engine_int.h"
#include "lcore_int.h"
#include "rtp.h"
#include "sig_int.h"
#include "sip.h"

#define DPV_WHEEL_SLOTS     4096
#define DPV_WHEEL_TICK_MS   1
#define DPV_SIG_LARGE_MBUFS 255
#define DPV_SIG_FRAG_MBUFS  4095
#define DPV_SIG_MAX_FRAGS   48          /* 65535 / (1500 - 20) rounded up */
#define DPV_SIG_POOL_SLACK  1024        /* beyond one held message per transaction: ARP, ACKs */
#define MBUF_FRAMED         0x44505646u /* "DPVF" in hash.usr: headers already in front */

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
	 * frag_pool. */
	struct rte_mempool *pool_large;
	struct rte_mempool *frag_pool;
	uint16_t ip_id;
	struct dpv_worker *w;
	struct sip_ua *ua;
	struct rtp_portpool *ports;
	struct dpv_timer_wheel wheel;
	uint64_t tsc_per_ms;
	uint64_t sess_version;
	struct dpv_sig_cmd
	    cmd; /* written by the main lcore while FREE, by this lcore while POSTED */
};

static struct sip_dialplan *dialplan;

static inline uint64_t
now_ms(const struct dpv_sig *s, uint64_t tsc)
{
	return (tsc - s->e->start_tsc) / s->tsc_per_ms;
}

/* The port a destination is reached through: the one whose subnet holds it, else one with a
 * gateway, else the first. */
static struct dpv_port *
route(struct dpv_engine *e, uint32_t ip)
{
	struct dpv_port *gw = NULL;

	for (unsigned i = 0; i < e->nb_ports; i++) {
		struct dpv_port *p = &e->ports[i];

		if ((ip & p->net.netmask) == (p->net.addr & p->net.netmask))
			return p;
		if (gw == NULL && p->net.gateway)
			gw = p;
	}
	return gw ? gw : &e->ports[0];
}

static void *
msg_alloc(void *arg, char **buf, uint32_t *cap)
{
	struct dpv_sig *s = arg;
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->pool);

	if (m == NULL) {
		s->w->lc[DPV_LC_sip_tx_no_mbuf]++;
		return NULL;
	}
	m->hash.usr = 0;
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
	m = rte_pktmbuf_alloc(s->pool_large);
	if (m == NULL) {
		s->w->lc[DPV_LC_sip_tx_no_mbuf]++;
		return NULL;
	}
	if (rte_pktmbuf_tailroom(m) <
	    need + RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	m->hash.usr = 0;
	*buf = rte_pktmbuf_mtod(m, char *);
	*cap = rte_pktmbuf_tailroom(m);
	return m;
}

/*
 * Send a framed datagram larger than the port's MTU as IPv4 fragments, each copied into its own
 * mbuf (single segment, so any PMD can send it) behind a copy of the held frame's Ethernet
 * header. The held mbuf itself is left as it was, ready for a retransmission.
 */
static int
send_fragments(struct dpv_sig *s, struct dpv_port *p, struct rte_mbuf *m)
{
	struct rte_mbuf *frags[DPV_SIG_MAX_FRAGS];
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	int n;

	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	n = rte_ipv4_fragment_copy_nonseg_packet(m, frags, DPV_SIG_MAX_FRAGS, p->mtu, s->frag_pool);
	rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	if (n < 0) {
		s->w->lc[DPV_LC_sip_tx_no_mbuf]++;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct rte_ether_hdr *h =
		    (struct rte_ether_hdr *)rte_pktmbuf_prepend(frags[i], RTE_ETHER_HDR_LEN);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(h + 1);

		rte_memcpy(h, eth, RTE_ETHER_HDR_LEN);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		dpv_tx(s->w, p->port_id, frags[i]);
	}
	s->w->lc[DPV_LC_sip_tx_fragmented]++;
	return 0;
}

/* A datagram about to be fragmented needs an IP id and no Don't Fragment bit. */
static void
allow_fragments(struct dpv_sig *s, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip =
	    rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);

	ip->packet_id = rte_cpu_to_be_16(++s->ip_id);
	ip->fragment_offset = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void
arp_solicit(struct dpv_sig *s, struct dpv_port *p, uint32_t ip)
{
	uint32_t hop = dpv_net_next_hop(&p->net, ip);
	struct rte_mbuf *m;

	if (hop == 0)
		return;
	m = rte_pktmbuf_alloc(p->pool);
	if (m == NULL) {
		s->w->lc[DPV_LC_sip_tx_no_mbuf]++;
		return;
	}
	dpv_net_arp_request(&p->net, m, hop);
	s->w->pc[p->port_id][DPV_C_tx_arp_request]++;
	dpv_tx(s->w, p->port_id, m);
}

/* The UA keeps its messages to resend them: each send hands the PMD one more reference. */
static int
msg_send(void *arg, void *msg, uint32_t len, uint32_t ip, uint16_t port)
{
	struct dpv_sig *s = arg;
	struct rte_mbuf *m = msg;
	struct dpv_port *p = route(s->e, ip);

	if (m->hash.usr != MBUF_FRAMED) {
		rte_pktmbuf_reset(m);
		m->hash.usr = 0;
		if (rte_pktmbuf_append(m, (uint16_t)len) == NULL)
			return -1;
		if (dpv_net_udp_encap(&p->net, m, s->e->cfg.sip.port, ip, port) < 0) {
			/* Next hop unknown: ask, and let the retransmission timers try again. */
			s->w->lc[DPV_LC_sip_tx_arp_miss]++;
			arp_solicit(s, p, ip);
			return -1;
		}
		m->hash.usr = MBUF_FRAMED;
		if (m->pkt_len > (uint32_t)RTE_ETHER_HDR_LEN + p->mtu)
			allow_fragments(s, m);
	}
	if (m->pkt_len > (uint32_t)RTE_ETHER_HDR_LEN + p->mtu)
		return send_fragments(s, p, m);
	rte_mbuf_refcnt_update(m, 1);
	dpv_tx(s->w, p->port_id, m);
	return 0;
}

static void
msg_free(void *arg, void *msg)
{
	rte_pktmbuf_free(msg);
}

/* Parse an SDP body and choose the stream and codec we use from it (an offer, or the peer's
 * answer to ours: either way it names where to send and what). */
static int
media_negotiate(struct dpv_sig *s, const char *body, uint32_t len, struct rtp_sdp *sdp,
                struct rtp_sdp_neg *neg)
{
	if (body == NULL || len == 0 || rtp_sdp_parse(body, len, sdp) != RTP_SDP_OK ||
	    rtp_sdp_negotiate(sdp, neg) != RTP_SDP_OK) {
		s->w->lc[DPV_LC_sdp_rejected]++;
		return -1;
	}
	return 0;
}

void
dpv_sess_media_from_neg(struct dpv_media *m, const struct rtp_sdp_neg *neg)
{
	m->remote_ip = neg->remote_ip;
	m->remote_port = neg->remote_port;
	m->pt = neg->pt;
	m->te_pt = neg->te_pt;
	m->send = neg->answer_dir == RTP_DIR_SENDRECV || neg->answer_dir == RTP_DIR_SENDONLY;
	m->recv = neg->answer_dir == RTP_DIR_SENDRECV || neg->answer_dir == RTP_DIR_RECVONLY;
}

/* The session's RTP port: taken from this lcore's pool on the first offer or answer. */
static int
media_port(struct dpv_sig *s, struct dpv_media *m)
{
	int port;

	if (m->local_port != 0)
		return 0;
	port = rtp_portpool_alloc(s->ports);
	if (port < 0) {
		s->w->lc[DPV_LC_rtp_ports_exhausted]++;
		return -1;
	}
	m->local_port = (uint16_t)port;
	return 0;
}

static int
media_answer(void *arg, const char *offer, uint32_t len, char *buf, uint32_t cap,
             struct dpv_media *m)
{
	struct dpv_sig *s = arg;
	struct rtp_sdp sdp;
	struct rtp_sdp_neg neg;
	int n;

	if (media_negotiate(s, offer, len, &sdp, &neg) < 0)
		return -488;
	if (media_port(s, m) < 0)
		return -503;
	n = rtp_sdp_write_answer(buf, cap, &sdp, &neg, s->e->ports[0].net.addr, m->local_port,
	                         m->session_id, ++s->sess_version);
	if (n < 0)
		return -500;
	dpv_sess_media_from_neg(m, &neg);
	return n;
}

static int
media_offer(void *arg, char *buf, uint32_t cap, struct dpv_media *m)
{
	struct dpv_sig *s = arg;
	int n;

	if (media_port(s, m) < 0)
		return -503;
	n = rtp_sdp_write_offer(buf, cap, s->e->ports[0].net.addr, m->local_port, m->session_id,
	                        ++s->sess_version);
	return n < 0 ? -500 : n;
}

static int
media_answered(void *arg, const char *answer, uint32_t len, struct dpv_media *m)
{
	struct dpv_sig *s = arg;
	struct rtp_sdp sdp;
	struct rtp_sdp_neg neg;

	/* The answer is read like an offer: its stream, codec and address are what we send to. */
	if (media_negotiate(s, answer, len, &sdp, &neg) < 0)
		return -488;
	dpv_sess_media_from_neg(m, &neg);
	return 0;
}

/* Media flows are installed by the media layer; until it lands the session's port and peer
 * are only recorded by the UA (dpvoipctl sessions shows them). */
static void
media_update(void *arg, const struct dpv_media *m)
{
}

static void
media_stop(void *arg, const struct dpv_media *m)
{
	struct dpv_sig *s = arg;

	if (m->local_port)
		rtp_portpool_free(s->ports, m->local_port);
}

static const struct sip_ua_ops ua_ops = {
    .msg_alloc = msg_alloc,
    .msg_alloc_large = msg_alloc_large,
    .msg_send = msg_send,
    .msg_free = msg_free,
    .media_answer = media_answer,
    .media_offer = media_offer,
    .media_answered = media_answered,
    .media_update = media_update,
    .media_stop = media_stop,
};

static void
sig_input(struct dpv_engine *e, struct dpv_worker *w, struct rte_mbuf *m,
          const struct dpv_pkt_info *info)
{
	sip_ua_input(w->sig->ua, rte_pktmbuf_mtod_offset(m, const char *, info->payload_off),
	             info->payload_len, info->src_ip, info->src_port);
	rte_pktmbuf_free(m);
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

static unsigned
sig_tick(struct dpv_engine *e, struct dpv_worker *w, uint64_t now_tsc)
{
	struct dpv_sig *s = w->sig;
	unsigned work = sip_ua_tick(s->ua, now_ms(s, now_tsc));

	if (__atomic_load_n(&s->cmd.state, __ATOMIC_ACQUIRE) == CMD_POSTED) {
		cmd_run(s, &s->cmd);
		__atomic_store_n(&s->cmd.state, CMD_DONE, __ATOMIC_RELEASE);
		work++;
	}
	return work;
}

/* The dialplan the startup file's check compiled (dpv_config_load); the config owns it. */
static int
dialplan_init(const struct dpv_config *c, FILE *err)
{
	dialplan = c->dialplan.dp;
	if (dialplan == NULL) {
		fprintf(err,
		        "%s: [dialplan] rule: no compiled dialplan (the file was not loaded)\n",
		        c->path);
		return -1;
	}
	return 0;
}

int
dpv_sig_init(struct dpv_engine *e, FILE *err)
{
	const struct dpv_config *c = &e->cfg;
	unsigned span, nb = e->nb_sig;
	char name[RTE_MEMPOOL_NAMESIZE];

	if (dialplan_init(c, err) < 0)
		return -1;
	/* Each signaling lcore owns an equal slice of the RTP range (even-aligned). */
	span = ((unsigned)(c->rtp.port_max - c->rtp.port_min + 1) / nb) & ~1u;
	if (span < 2) {
		fprintf(err, "%s: [rtp] port-min: range too small for %u signaling lcores\n",
		        c->path, nb);
		return -1;
	}
	for (unsigned i = 0; i < nb; i++) {
		struct dpv_worker *w = e->sig_workers[i];
		struct dpv_sig *s = rte_zmalloc("dpv_sig", sizeof(*s), RTE_CACHE_LINE_SIZE);
		uint16_t lo = (uint16_t)(c->rtp.port_min + i * span);
		uint16_t hi = i + 1 == nb ? c->rtp.port_max : (uint16_t)(lo + span - 1);
		struct sip_ua_cfg ucfg = {
		    .index = i,
		    .nb_uas = nb,
		    .local_ip = e->ports[0].net.addr,
		    .local_port = c->sip.port,
		    .max_transactions = c->sip.max_transactions,
		    .max_dialogs = c->sip.max_dialogs,
		    .t1_ms = c->sip.t1_ms,
		    .t2_ms = c->sip.t2_ms,
		    .t4_ms = c->sip.t4_ms,
		    .answer_delay_ms = c->sip.answer_delay_ms,
		    .dialplan = dialplan,
		    .ops = &ua_ops,
		};

		if (s == NULL) {
			fprintf(err, "%s: cannot allocate signaling state\n", c->path);
			return -1;
		}
		s->e = e;
		s->w = w;
		snprintf(name, sizeof(name), "dpv_sigtx%u", i);
		s->pool = rte_pktmbuf_pool_create(
		    name, c->sip.max_transactions + DPV_SIG_POOL_SLACK, 256, 0,
		    RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_lcore_to_socket_id(w->lcore_id));
		snprintf(name, sizeof(name), "dpv_siglg%u", i);
		s->pool_large = rte_pktmbuf_pool_create(name, DPV_SIG_LARGE_MBUFS, 0, 0, UINT16_MAX,
		                                        (int)rte_lcore_to_socket_id(w->lcore_id));
		snprintf(name, sizeof(name), "dpv_sigfr%u", i);
		s->frag_pool = rte_pktmbuf_pool_create(name, DPV_SIG_FRAG_MBUFS, 64, 0,
		                                       RTE_MBUF_DEFAULT_BUF_SIZE,
		                                       (int)rte_lcore_to_socket_id(w->lcore_id));
		if (s->pool == NULL || s->pool_large == NULL || s->frag_pool == NULL) {
			fprintf(
			    err,
			    "%s: [sip] max-transactions: cannot allocate %u signaling mbufs: %s "
			    "(give EAL more memory with -m, or lower max-transactions)\n",
			    c->path, c->sip.max_transactions + DPV_SIG_POOL_SLACK,
			    rte_strerror(rte_errno));
			rte_mempool_free(s->pool);
			rte_mempool_free(s->pool_large);
			rte_mempool_free(s->frag_pool);
			rte_free(s);
			return -1;
		}
		s->tsc_per_ms = rte_get_tsc_hz() / 1000;
		s->ports = rtp_portpool_create(lo, hi);
		if (s->ports == NULL ||
		    dpv_timer_wheel_init(&s->wheel, DPV_WHEEL_SLOTS, DPV_WHEEL_TICK_MS, 0) < 0) {
			fprintf(err, "%s: [rtp]: cannot create the port pool %u-%u\n", c->path, lo,
			        hi);
			return -1;
		}
		ucfg.wheel = &s->wheel;
		ucfg.ops_arg = s;
		s->ua = sip_ua_create(&ucfg);
		if (s->ua == NULL) {
			fprintf(err,
			        "%s: [sip] max-transactions: cannot create the SIP stack "
			        "(%u transactions, %u dialogs)\n",
			        c->path, c->sip.max_transactions, c->sip.max_dialogs);
			return -1;
		}
		w->sig = s;
	}
	dpv_sip_handler = sig_input;
	dpv_sig_tick = sig_tick;
	return 0;
}

void
dpv_sig_fini(struct dpv_engine *e)
{
	for (unsigned i = 0; i < e->nb_sig; i++) {
		struct dpv_sig *s = e->sig_workers[i]->sig;

		if (s == NULL)
			continue;
		if (s->ua)
			sip_ua_destroy(s->ua);
		rtp_portpool_destroy(s->ports);
		dpv_timer_wheel_fini(&s->wheel);
		rte_mempool_free(s->pool);
		rte_mempool_free(s->pool_large);
		rte_mempool_free(s->frag_pool);
		rte_free(s);
		e->sig_workers[i]->sig = NULL;
	}
	dialplan = NULL; /* the config's: dpv_config_free() */
}

struct sip_ua *
dpv_sig_worker_ua(const struct dpv_worker *w)
{
	return w->sig ? w->sig->ua : NULL;
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
