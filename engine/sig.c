/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signaling glue: one SIP UA per signaling lcore, fed with the SIP datagrams steered to that
 * lcore, sending through mbufs on the lcore's own tx queues, negotiating media with the rtp
 * layer (which publishes the media flows), writing the bridges bridge_owner() gives it, and
 * taking messages (sigmsg.c) from the control socket and from the other signaling lcores:
 * a session joins a bridge by message to the bridge's owner, which answers with the bridge's
 * slot for the session's flow.
 */
#include <errno.h>
#include <string.h>

#include <urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "egress_int.h"
#include "engine_int.h"
#include "event_int.h"
#include "rtp.h"
#include "sig_int.h"
#include "sip.h"

#define DPV_WHEEL_SLOTS     4096
#define DPV_WHEEL_TICK_MS   1
#define DPV_SIG_LARGE_MBUFS 255
#define DPV_SIG_FRAG_MBUFS  4095
#define DPV_SIG_MSG_RING    4096  /* messages waiting for one signaling lcore */
#define DPV_SIG_MSGS        16383 /* messages in flight, engine-wide */
#define DPV_TONE_RING       4096  /* new tone flows waiting for one media lcore */

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
	struct rtp_media *media;       /* SDP, this lcore's slice of the RTP ports, their flows */
	struct bridge_writer *bridges; /* the bridges this lcore owns */
	unsigned index;                /* among signaling lcores */
	uint32_t nb_ports;             /* RTP ports of its slice */
	struct dpv_timer_wheel wheel;
	uint64_t tsc_per_ms;
	uint64_t next_timeout_scan;       /* TSC of the next media-timeout scan */
	uint64_t next_tick;               /* TSC of the next timer and reclaim pass */
	struct dpv_scanner_scratch *scan; /* [security] scanner: NULL when it has no pattern */
	uint64_t cnt[DPV_SIG_C_MAX];
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

static void session_state(void *arg, uint64_t session_id, enum sip_sess_state st);

/* [security] scanner: a new request from a known scanner gets no answer, only a count. */
static bool
request_filter(void *arg, const struct sip_msg *m)
{
	struct dpv_sig *s = arg;

	if (s->scan == NULL || !dpv_scanner_request(s->e->cfg.security.scanner, s->scan, m))
		return false;
	s->cnt[DPV_SIG_C_scanner_dropped]++;
	return true;
}

static const struct sip_ua_ops ua_ops = {
    .msg_alloc = msg_alloc,
    .msg_alloc_large = msg_alloc_large,
    .msg_send = msg_send,
    .msg_free = msg_free,
    .local_addr = local_addr,
    .session_state = session_state,
    .request_filter = request_filter,
};

/* Cache lines of a message's payload dpv_sig_input asks for ahead: a typical request's
 * start line, Via, From, To, Call-ID and CSeq, which the parser reads first. */
#define SIG_PREFETCH_LINES 3

/*
 * A burst of SIP datagrams through the UA, in order (sip_ua_input_burst, which parses each
 * message while the one before is handled). Datagrams from the SIP ring were written by
 * another lcore (the one that received them), so their cache lines are that core's: the mbuf
 * and its rx info are loaded two messages ahead, since reading them is what locates the
 * payload, and the payload one ahead, while this burst's list is made. What the UA sends
 * meanwhile goes into the tx buffers (egress.c, dpv_tx), which the poll loop flushes once per
 * pass: the burst's answers leave in one tx burst per port.
 */
void
dpv_sig_input(struct dpv_worker *w, struct rte_mbuf **pkts, unsigned n)
{
	struct dpv_sig *s = w->sig;
	struct sip_ua_dgram d[DPV_BURST];

	if (s == NULL) {
		for (unsigned i = 0; i < n; i++)
			w->pc[pkts[i]->port][DPV_C_drop_sip_unhandled]++;
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	for (unsigned done = 0; done < n;) {
		unsigned k = n - done < DPV_BURST ? n - done : DPV_BURST;
		struct rte_mbuf **p = pkts + done;

		if (k > 1)
			rte_prefetch0(dpv_mbuf_info(p[1]));
		for (unsigned i = 0; i < k; i++) {
			const struct dpv_pkt_info *info = dpv_mbuf_info(p[i]);

			if (i + 2 < k) {
				rte_prefetch0(p[i + 2]);
				rte_prefetch0(dpv_mbuf_info(p[i + 2]));
			}
			d[i] = (struct sip_ua_dgram){
			    rte_pktmbuf_mtod_offset(p[i], const char *, info->payload_off),
			    info->payload_len, info->src_ip, info->src_port};
			for (unsigned l = 0; l < SIG_PREFETCH_LINES; l++)
				rte_prefetch0(d[i].buf + l * RTE_CACHE_LINE_SIZE);
		}
		sip_ua_input_burst(s->ua, d, k);
		done += k;
	}
	rte_pktmbuf_free_bulk(pkts, n);
}

/* ---- bridges: the owner's side ---- */

static void
post_event(struct dpv_sig *s, enum dpv_event_type type, const char *bridge, uint64_t session_id)
{
	struct dpv_event ev = {.type = type, .session_id = session_id};

	if (bridge != NULL)
		dpv_str_copy(ev.bridge, sizeof(ev.bridge), dpv_cstr(bridge));
	dpv_event_post(s->e, &ev);
}

/* Answer a join: the session's lcore gets the slot (or the error) for its flow. */
static void
post_joined(struct dpv_sig *s, const struct sig_msg *join, const struct bridge *b, int rc)
{
	struct sig_msg *m = sig_msg_alloc(s->e, SIG_MSG_BRIDGE_JOINED);

	if (m == NULL) {
		s->cnt[DPV_SIG_C_msg_no_buffer]++;
		return;
	}
	m->from = (uint16_t)s->index;
	m->rc = rc;
	m->session_id = join->session_id;
	m->port = join->port;
	memcpy(m->bridge, join->bridge, sizeof(m->bridge));
	if (b != NULL) {
		m->bridge_id = b->id;
		m->bridge_gen = b->gen;
	}
	if (sig_msg_post(s->e, join->from, m) != 0)
		s->cnt[DPV_SIG_C_msg_ring_full]++;
}

/* A session joins: the bridge is made when it does not exist (a dialplan or originate
 * bridge: it goes when its last member leaves). */
static int
bridge_join(struct dpv_sig *s, const struct sig_msg *m)
{
	struct bridge_member mem = {.session_id = m->session_id, .port = m->port};
	struct bridge *b = bridge_writer_find(s->bridges, m->bridge);
	int rc = 0;

	if (b == NULL) {
		rc = bridge_create(s->bridges, m->bridge, false, now_ms(s, rte_rdtsc()), &b);
		if (rc < 0) {
			s->cnt[DPV_SIG_C_bridge_join_failed]++;
			post_joined(s, m, NULL, rc);
			return rc;
		}
		post_event(s, DPV_EV_BRIDGE_CREATED, b->name, 0);
	}
	rc = bridge_member_add(s->bridges, b, &mem);
	if (rc < 0 && rc != -EEXIST) {
		s->cnt[DPV_SIG_C_bridge_join_failed]++;
		if (bridge_members(b)->n == 0 && !b->persistent) {
			bridge_destroy(s->bridges, b);
			post_event(s, DPV_EV_BRIDGE_DESTROYED, m->bridge, 0);
		}
		post_joined(s, m, NULL, rc);
		return rc;
	}
	if (rc != -EEXIST)
		post_event(s, DPV_EV_MEMBER_JOINED, b->name, m->session_id);
	post_joined(s, m, b, 0);
	return 0;
}

static int
bridge_leave(struct dpv_sig *s, const struct sig_msg *m)
{
	struct bridge *b = bridge_writer_find(s->bridges, m->bridge);
	int left;

	if (b == NULL)
		return -ENOENT;
	left = bridge_member_remove(s->bridges, b, m->session_id);
	if (left < 0)
		return left;
	post_event(s, DPV_EV_MEMBER_LEFT, b->name, m->session_id);
	if (left == 0 && !b->persistent) {
		bridge_destroy(s->bridges, b);
		post_event(s, DPV_EV_BRIDGE_DESTROYED, m->bridge, 0);
	}
	return 0;
}

/* The control socket destroys a bridge: its members are told to leave it first. */
static int
bridge_destroy_cmd(struct dpv_sig *s, const struct sig_msg *m)
{
	struct bridge *b = bridge_writer_find(s->bridges, m->bridge);
	const struct bridge_members *ms;

	if (b == NULL)
		return -ENOENT;
	ms = b->members;
	for (uint32_t i = 0; i < ms->n; i++) {
		struct sig_msg *g = sig_msg_alloc(s->e, SIG_MSG_BRIDGE_GONE);

		if (g == NULL) {
			s->cnt[DPV_SIG_C_msg_no_buffer]++;
			continue;
		}
		g->from = (uint16_t)s->index;
		g->session_id = ms->m[i].session_id;
		memcpy(g->bridge, b->name, sizeof(g->bridge));
		if (sig_msg_post(s->e, sip_ua_session_owner(g->session_id), g) != 0)
			s->cnt[DPV_SIG_C_msg_ring_full]++;
		post_event(s, DPV_EV_MEMBER_LEFT, b->name, ms->m[i].session_id);
	}
	bridge_destroy(s->bridges, b);
	post_event(s, DPV_EV_BRIDGE_DESTROYED, m->bridge, 0);
	return 0;
}

/* ---- bridges: the session's side (rtp_media's bridge_change hook) ---- */

static void
post_membership(struct dpv_sig *s, enum sig_msg_type type, const struct dpv_media *m,
                const char *bridge)
{
	struct sig_msg *msg = sig_msg_alloc(s->e, type);

	if (msg == NULL) {
		s->cnt[DPV_SIG_C_msg_no_buffer]++;
		return;
	}
	msg->from = (uint16_t)s->index;
	msg->session_id = m->session_id;
	msg->port = m->local_port;
	dpv_str_copy(msg->bridge, sizeof(msg->bridge), dpv_cstr(bridge));
	if (sig_msg_post(s->e, bridge_owner(bridge, s->e->nb_sig), msg) != 0)
		s->cnt[DPV_SIG_C_msg_ring_full]++;
}

static void
bridge_change(void *arg, const struct dpv_media *m, const char *leave, const char *join)
{
	struct dpv_sig *s = arg;

	if (leave != NULL)
		post_membership(s, SIG_MSG_BRIDGE_LEAVE, m, leave);
	if (join != NULL)
		post_membership(s, SIG_MSG_BRIDGE_JOIN, m, join);
}

/* ---- bridges: the control socket's requests, on the session's lcore ---- */

/* The session joins m->bridge (when it is answered, if it is not yet): its media leaves
 * whatever action it had (tone, echo) for the bridge. */
static int
session_add(struct dpv_sig *s, struct sig_msg *m)
{
	struct sip_sess_info si;
	int rc = sip_ua_session_info(s->ua, m->session_id, &si);

	if (rc < 0)
		return rc;
	if (si.action == DPV_CALL_BRIDGE) {
		if (strcmp(si.bridge, m->bridge) == 0)
			return -EALREADY;
		dpv_str_copy(m->uri, sizeof(m->uri), dpv_cstr(si.bridge));
		return -EBUSY;
	}
	return sip_ua_set_bridge(s->ua, m->session_id, m->bridge);
}

/* The session leaves m->bridge, if that is still its bridge (a BRIDGE_GONE may come after it
 * moved on): the call stays up with no media action. */
static int
session_remove(struct dpv_sig *s, const struct sig_msg *m)
{
	struct sip_sess_info si;
	int rc = sip_ua_session_info(s->ua, m->session_id, &si);

	if (rc < 0)
		return rc;
	if (si.action != DPV_CALL_BRIDGE || strcmp(si.bridge, m->bridge) != 0)
		return -ESRCH;
	return sip_ua_set_bridge(s->ua, m->session_id, NULL);
}

/* ---- messages ---- */

void
dpv_sig_handle(struct dpv_worker *w, struct sig_msg *m)
{
	struct dpv_sig *s = w->sig;
	int rc = -EINVAL;

	if (s == NULL) {
		sig_msg_done(w->eng, m, -ENOENT);
		return;
	}
	switch (m->type) {
	case SIG_MSG_ORIGINATE:
		rc = sip_ua_originate(s->ua, m->uri, m->bridge[0] ? m->bridge : NULL,
		                      &m->session_id);
		break;
	case SIG_MSG_HANGUP:
		rc = sip_ua_hangup(s->ua, m->session_id);
		break;
	case SIG_MSG_BRIDGE_ADD:
		rc = session_add(s, m);
		break;
	case SIG_MSG_BRIDGE_REMOVE:
	case SIG_MSG_BRIDGE_GONE:
		rc = session_remove(s, m);
		break;
	case SIG_MSG_BRIDGE_CREATE: {
		struct bridge *b;

		rc = bridge_create(s->bridges, m->bridge, true, now_ms(s, rte_rdtsc()), &b);
		if (rc == 0)
			post_event(s, DPV_EV_BRIDGE_CREATED, m->bridge, 0);
		break;
	}
	case SIG_MSG_BRIDGE_DESTROY:
		rc = bridge_destroy_cmd(s, m);
		break;
	case SIG_MSG_BRIDGE_JOIN:
		rc = bridge_join(s, m);
		break;
	case SIG_MSG_BRIDGE_LEAVE:
		rc = bridge_leave(s, m);
		break;
	case SIG_MSG_BRIDGE_JOINED:
		rc = m->rc;
		if (rc == 0)
			rc = rtp_media_bridge_joined(s->media, m->port, m->session_id, m->bridge,
			                             m->bridge_id, m->bridge_gen);
		break;
	}
	sig_msg_done(w->eng, m, rc);
}

/* ---- media timeouts ---- */

static void
media_timeout(void *arg, uint64_t session_id)
{
	struct dpv_sig *s = arg;
	struct dpv_event ev = {.type = DPV_EV_MEDIA_TIMEOUT, .session_id = session_id};

	s->cnt[DPV_SIG_C_media_timeouts]++;
	dpv_event_post(s->e, &ev);
	(void)sip_ua_hangup(s->ua, session_id);
}

static void
session_state(void *arg, uint64_t session_id, enum sip_sess_state st)
{
	struct dpv_sig *s = arg;
	struct dpv_event ev = {.type = DPV_EV_SESSION, .session_id = session_id, .state = st};

	dpv_event_post(s->e, &ev);
}

#define TIMEOUT_SCAN_MS 100 /* how often a slice of the ports is looked at */

unsigned
dpv_sig_tick(struct dpv_worker *w, uint64_t now_tsc)
{
	struct dpv_sig *s = w->sig;
	const struct dpv_config *c;
	unsigned work;

	if (s == NULL)
		return 0;
	c = &s->e->cfg;
	work = sig_msg_poll(w);
	/* Timers have a 1 ms tick and reclaim waits for grace periods: four times a millisecond
	 * is enough for both, and a busy-polling lcore's passes (a few hundred ns when idle)
	 * no longer pay for them each time. */
	if (now_tsc < s->next_tick)
		return work;
	s->next_tick = now_tsc + s->tsc_per_ms / 4;
	work += sip_ua_tick(s->ua, now_ms(s, now_tsc));
	work += rtp_media_reclaim(s->media);
	work += bridge_writer_reclaim(s->bridges);
	if (c->rtp.media_timeout_s && now_tsc >= s->next_timeout_scan) {
		/* every port once a second, a tenth at a time */
		s->next_timeout_scan = now_tsc + TIMEOUT_SCAN_MS * s->tsc_per_ms;
		work += rtp_media_timeouts(s->media, now_tsc,
		                           (uint64_t)c->rtp.media_timeout_s * 1000 * s->tsc_per_ms,
		                           s->nb_ports / 10 + 1, media_timeout, s);
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
	dpv_scanner_scratch_free(s->scan);
	rtp_media_destroy(s->media);
	bridge_writer_destroy(s->bridges);
	if (s->w != NULL) {
		rte_ring_free(s->w->msg_ring);
		s->w->msg_ring = NULL;
	}
	dpv_timer_wheel_fini(&s->wheel);
	rte_mempool_free(s->pool);
	rte_mempool_free(s->pool_large);
	rte_mempool_free(s->frag_pool);
	rte_free(s);
}

/* The UA's settings that come from [sip], as every signaling lcore has them. */
static struct sip_ua_cfg
ua_cfg_of(const struct dpv_config *c)
{
	return (struct sip_ua_cfg){
	    .local_port = c->sip.port,
	    .max_transactions = c->sip.max_transactions,
	    .max_dialogs = c->sip.max_dialogs,
	    .max_completed = c->sip.max_completed,
	    .max_calls_per_source = c->sip.max_calls_per_source,
	    .t1_ms = c->sip.t1_ms,
	    .t2_ms = c->sip.t2_ms,
	    .t4_ms = c->sip.t4_ms,
	    .answer_delay_ms = c->sip.answer_delay_ms,
	    .dialplan = c->dialplan.dp,
	    .ops = &ua_ops,
	};
}

void
dpv_sig_print_capacity(const struct dpv_config *c, FILE *f)
{
	struct sip_ua_cfg u = ua_cfg_of(c);
	/* rte_pktmbuf_pool_create: mempool header, struct rte_mbuf, private area, buffer */
	uint64_t mbuf = 64 + sizeof(struct rte_mbuf) + DPV_MBUF_PRIV + RTE_MBUF_DEFAULT_BUF_SIZE;
	uint64_t nmbuf = (uint64_t)c->sip.max_transactions + DPV_SIG_POOL_SLACK;
	struct sip_ua_capacity cap;
	/* as dpv_lcore_plan counts them: signaling-per-cpu only with shared-cpu = threads */
	unsigned nb_sig = dpv_cpuset_count(&c->signaling) * (c->cpu_threads ? c->sig_per_cpu : 1);

	sip_ua_capacity(&u, &cap);
	fprintf(f,
	        "per signaling lcore: %.0f finished calls/s (max-completed %u records of %u bytes "
	        "for 64*T1 = %u s, 2 per call), %u live dialogs, %u live transactions; "
	        "%" PRIu64 " MB of EAL memory (%" PRIu64 " signaling mbufs), at most %" PRIu64
	        " MB of heap\n",
	        cap.calls_per_s, c->sip.max_completed, cap.record_size, 64 * c->sip.t1_ms / 1000,
	        c->sip.max_dialogs, c->sip.max_transactions, (nmbuf * mbuf) >> 20, nmbuf,
	        cap.heap_bytes >> 20);
	fprintf(f,
	        "rtp: %u calls with media at once (ports %u-%u, split between the signaling "
	        "lcores)\n",
	        (c->rtp.port_max - c->rtp.port_min + 1 - dpv_ng_port_share(c, nb_sig)) / 2,
	        c->rtp.port_min, c->rtp.port_max - dpv_ng_port_share(c, nb_sig));
	if (c->ng.enabled)
		fprintf(
		    f, "ng: %u relayed calls of one stream at once (ports %u-%u, 2 per stream)\n",
		    dpv_ng_port_share(c, nb_sig) / 4,
		    (c->rtp.port_max - dpv_ng_port_share(c, nb_sig) + 2) & ~1u, c->rtp.port_max);
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
	struct sip_ua_cfg ucfg = ua_cfg_of(c);
	struct dpv_sig *s = rte_zmalloc("dpv_sig", sizeof(*s), RTE_CACHE_LINE_SIZE);

	if (s == NULL) {
		fprintf(err,
		        "%s:%u: [dpdk] eal: cannot allocate the signaling state of lcore %u "
		        "(give EAL more memory with -m)\n",
		        c->path, c->eal_line, w->lcore_id);
		return NULL;
	}
	ucfg.index = i;
	ucfg.nb_uas = e->nb_sig;
	ucfg.local_ip = e->ports[0].net.addr;
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
	s->index = i;
	s->nb_ports = ((uint32_t)hi - lo + 1) / 2;
	snprintf(name, sizeof(name), "dpv_sigmsg%u", i);
	w->msg_ring = rte_ring_create(name, DPV_SIG_MSG_RING, socket, RING_F_SC_DEQ);
	if (w->msg_ring == NULL) {
		fprintf(err,
		        "%s:%u: [dpdk] eal: cannot allocate the message ring of lcore %u: %s\n",
		        c->path, c->eal_line, w->lcore_id, rte_strerror(rte_errno));
		goto fail;
	}
	s->bridges = bridge_writer_create(e->bridges, i);
	if (s->bridges == NULL) {
		fprintf(err, "%s: [bridge] max-bridges: cannot allocate the bridges of lcore %u\n",
		        c->path, w->lcore_id);
		goto fail;
	}
	s->media = rtp_media_create(&(struct rtp_media_cfg){
	    .port_min = lo,
	    .port_max = hi,
	    .flows = e->flows,
	    .latch = c->rtp.latching,
	    .nb_media = e->nb_media,
	    .bridge_change = bridge_change,
	    .bridge_arg = s,
	});
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
	if (c->security.scanner != NULL) {
		s->scan = dpv_scanner_scratch_alloc(c->security.scanner);
		if (s->scan == NULL) {
			fprintf(
			    err,
			    "%s: [security] scanner: cannot allocate the pattern scratch of lcore "
			    "%u: out of memory\n",
			    c->path, w->lcore_id);
			goto fail;
		}
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
	unsigned span, top, nb = e->nb_sig;

	if (dialplan_check(c, err) < 0)
		return -1;
	/* Each signaling lcore owns an equal slice of the RTP range (even-aligned), below the
	 * share [ng] takes from its top (ng.c). */
	top = (unsigned)c->rtp.port_max - dpv_ng_port_share(c, nb);
	span = (top >= c->rtp.port_min ? (top - c->rtp.port_min + 1) / nb : 0) & ~1u;
	if (c->ng.enabled &&
	    (top < c->rtp.port_min || span < 2 || (unsigned)c->rtp.port_max - top < 4)) {
		fprintf(err,
		        "%s: [ng] ports: %u of [rtp] %u-%u leave too few for %u signaling lcores\n",
		        c->path, dpv_ng_port_share(c, nb), c->rtp.port_min, c->rtp.port_max, nb);
		goto fail;
	}
	if (span < 2) {
		fprintf(err, "%s: [rtp] port-min: range too small for %u signaling lcores\n",
		        c->path, nb);
		goto fail;
	}
	if (sig_msg_init(e, DPV_SIG_MSGS) < 0) {
		fprintf(err, "%s:%u: [dpdk] eal: cannot allocate %u signaling messages\n", c->path,
		        c->eal_line, DPV_SIG_MSGS);
		goto fail;
	}
	e->flows =
	    rtp_flow_table_create(c->rtp.port_min, c->rtp.port_max, e->nb_media, DPV_TONE_RING);
	if (e->flows == NULL) {
		fprintf(err, "%s: [rtp] port-min: cannot allocate the media flows of %u-%u\n",
		        c->path, c->rtp.port_min, c->rtp.port_max);
		goto fail;
	}
	e->bridges = bridge_table_create(
	    &(struct bridge_table_cfg){.max_bridges = c->bridge.max_bridges, .nb_owners = nb});
	if (e->bridges == NULL) {
		fprintf(err, "%s: [bridge] max-bridges: cannot allocate %u bridges for %u lcores\n",
		        c->path, c->bridge.max_bridges, nb);
		goto fail;
	}
	for (unsigned i = 0; i < nb; i++) {
		struct dpv_worker *w = e->sig_workers[i];
		uint16_t lo = (uint16_t)(c->rtp.port_min + i * span);
		uint16_t hi = i + 1 == nb ? (uint16_t)top : (uint16_t)(lo + span - 1);
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
	/* every writer is gone and has waited for its readers */
	bridge_table_destroy(e->bridges);
	e->bridges = NULL;
	rtp_flow_table_destroy(e->flows);
	e->flows = NULL;
	sig_msg_fini(e);
}

struct sip_ua *
dpv_sig_worker_ua(const struct dpv_worker *w)
{
	return w->sig ? w->sig->ua : NULL;
}

const uint64_t *
dpv_sig_worker_counters(const struct dpv_worker *w)
{
	return w->sig ? w->sig->cnt : NULL;
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
