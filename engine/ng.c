/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rtpengine NG protocol on the main lcore: dpvoip as the media relay a SIP proxy drives
 * (Kamailio's or OpenSIPS's rtpengine module pointed at [ng] listen), with the media of every
 * NG call forwarded by the media lcores like any other flow.
 *
 * One kernel UDP socket (the kernel reassembles fragments: an offer with a large SDP, or a
 * query's reply, is several), served between control-socket polls, single-threaded, so the
 * call table here has no locks; heap memory, as the control plane may. Per datagram:
 *
 *   "COOKIE d...e"  -> cookie cache (ng_cookie.c): a retransmission gets the reply made for
 *                      its first copy and is never run twice;
 *                   -> ng_req_parse (ng_req.c): malformed bencode, a missing command, get
 *                      `result: error` with the reason; no cookie: a counted drop (nothing
 *                      to reply to);
 *                   -> the command; the reply goes to the request's source.
 *
 * A call is legs by SIP tag: leg 0 the first offerer (From tag), then one leg per branch of
 * its offer (via-branch; one without when none is given), the answerer's tag set by the
 * answer. Each leg has a local port per m= line, from NG's share of [rtp]; the SDP handed to a
 * leg's peer names the other leg's ports (ng_sdp.c). Each port's flow is a RELAY flow
 * (rtp.h): latched to its leg's endpoint as the SDP (or, with SIP-source-address, the SIP
 * source) gives it, under the [rtp] latching rules, forwarding to the other leg's endpoint
 * from the other leg's port. A re-offer keeps its ports; an offer from the answerer's tag is a
 * re-INVITE the other way.
 *
 * Limits answer as the proxies expect them, so that they fail over to the next node:
 * max-sessions gives `result: load limit` to a proxy that says it supports it ("Parallel
 * session limit reached" to one that does not), an empty port pool "Ran out of ports". A call
 * whose media stopped for [ng] timeout (silent-timeout on hold) is deleted; a deleted call
 * stays for delete-delay seconds (its media still flows, query still answers), then its flows
 * go, and its ports return to the pool after a grace period (no media lcore can then be
 * reading their old flows).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <urcu-qsbr.h>

#include "egress_int.h"
#include "engine_int.h"
#include "media_int.h"
#include "ng_int.h"

#define NG_MAX_BRANCHES  4
#define NG_MAX_LEGS      (1 + NG_MAX_BRANCHES)
#define NG_TAG_MAX       127
#define NG_CALLID_MAX    255
#define NG_LABEL_MAX     63
#define NG_DGRAM_MAX     65536
#define NG_COOKIES       65536
#define NG_COOKIE_TTL_MS 30000 /* Kamailio retries 5 times a second apart; rtpengine keeps 30 s */
#define NG_BURST         256   /* datagrams per poll */
#define NG_SCAN_MS       1000  /* timeouts and delete delays looked at this often */
#define NG_UNKNOWN_SEEN  64    /* unknown flags logged once each (by hash) */
/* session ids of NG calls: apart from SIP's (whose top 16 bits are the signaling lcore's index,
 * below 64) and positive as a JSON integer */
#define NG_ID_BIT (UINT64_C(0x7000) << 48)

#define NG_COUNTERS(X)                                                                             \
	X(requests)        /* datagrams taken */                                                   \
	X(retransmissions) /* answered from the cookie cache */                                    \
	X(in_flight)       /* dropped: the first copy was still being run */                       \
	X(no_cookie)       /* dropped: no "COOKIE " prefix, nothing to reply to */                 \
	X(errors)          /* replied result: error */                                             \
	X(load_limit)      /* replied result: load limit (or the session-limit error) */           \
	X(ports_exhausted) /* "Ran out of ports" */                                                \
	X(calls_created)                                                                           \
	X(calls_deleted)                                                                           \
	X(timeouts)        /* calls deleted for [ng] timeout */                                    \
	X(silent_timeouts) /* and for silent-timeout (on hold) */                                  \
	X(send_failed)     /* a reply the kernel did not take */

enum {
#define NG_X(n) NG_C_##n,
	NG_COUNTERS(NG_X)
#undef NG_X
	    NG_C_MAX
};

static const char *const ng_counter_names[NG_C_MAX] = {
#define NG_X(n) #n,
    NG_COUNTERS(NG_X)
#undef NG_X
};

struct ng_stream {
	uint16_t local_port; /* 0: none (a rejected m= line) */
	uint32_t peer_ip;    /* where its media goes, host order; 0: not known or hold */
	uint16_t peer_port, peer_rtcp_port;
	uint32_t adv_ip; /* as the SDP said it */
	uint16_t adv_port;
	bool mux;  /* its SDP has a=rtcp-mux */
	bool hold; /* sendonly, inactive, or c=0.0.0.0 */
	char type[16], proto[32];
};

struct ng_leg {
	bool used;
	bool have_sdp; /* its endpoint's SDP has been seen */
	char tag[NG_TAG_MAX + 1];
	char branch[NG_TAG_MAX + 1];
	char label[NG_LABEL_MAX + 1];
	uint32_t local_ip; /* the engine's address this leg's endpoint sends to */
	uint8_t nb;
	struct ng_stream s[RTP_SDP_MAX_MEDIA];
	time_t created;
};

struct ng_call {
	struct ng_call *hnext;
	struct ng_call *prev, *next; /* every call, oldest first */
	uint32_t hash;
	uint64_t id;
	char call_id[NG_CALLID_MAX + 1];
	time_t created, last_signal;
	uint64_t created_tsc;
	uint64_t signal_tsc;   /* last offer/answer */
	uint64_t delete_at_ms; /* 0: live; else deleted, removed at this time */
	int peer;              /* the leg in dialogue with leg 0 (answered), -1: none yet */
	int pending;           /* the leg the last offer of leg 0 went to */
	uint8_t latch;
	bool asymmetric;
	struct ng_leg leg[NG_MAX_LEGS];
};

struct port_free {
	uint16_t port;
	uint64_t cookie;
};

static struct {
	struct dpv_engine *e;
	int fd;
	struct rtp_portpool *ports;
	struct rtp_flow_writer *flows;
	uint16_t port_lo, port_hi;
	struct ng_cookie_cache *cookies;
	struct ng_call **buckets;
	uint32_t mask;
	uint32_t nb_calls;
	struct ng_call *oldest, *newest;
	uint64_t next_id;
	uint64_t next_scan_ms;
	uint64_t hz;
	/* ports waiting out a grace period before they go back to the pool (FIFO) */
	struct dpv_gp gp;
	struct port_free *frees;
	uint32_t frees_cap, frees_head, frees_len;
	uint32_t unknown_seen[NG_UNKNOWN_SEEN];
	uint64_t cnt[NG_C_MAX];
	uint64_t cmds[NG_CMD_MAX];
	/* work space */
	struct dpv_benc_node nodes[NG_MAX_NODES];
	char in[NG_DGRAM_MAX + 1];
	char out[NG_DGRAM_MAX];
	char sdp[2 * RTP_SDP_MAX_LEN];
} ng = {.fd = -1};

/* ---- [ng] ---- */

static int
parse_listen(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	struct dpv_ng_conf *nc = field;
	const char *colon = strrchr(v, ':');
	char *end;
	unsigned long port;

	(void)k;
	if (colon == NULL || !dpv_ipv4_parse((struct dpv_str){v, (uint32_t)(colon - v)}, &nc->ip))
		return dpv_cfg_err(c, "\"%s\" is not IPV4:PORT", v);
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || port == 0 || port > 65535)
		return dpv_cfg_err(c, "\"%s\": the port is not 1..65535", v);
	nc->port = (uint16_t)port;
	nc->enabled = true;
	return 0;
}

#define NF(f) DPV_CFG_FIELD(struct dpv_ng_conf, f)
static const struct dpv_cfg_key ng_keys[] = {
    /* listen writes ip, port and enabled: it is given the whole struct */
    {"listen", parse_listen, 0, sizeof(struct dpv_ng_conf), 0, 0, 0, NULL},
    {"timeout", dpv_cfg_parse_uint, NF(timeout_s), 1, 86400, DPV_CFG_ZERO_OK, NULL},
    {"silent-timeout", dpv_cfg_parse_uint, NF(silent_timeout_s), 1, 86400, DPV_CFG_ZERO_OK, NULL},
    {"delete-delay", dpv_cfg_parse_uint, NF(delete_delay_s), 0, 3600, 0, NULL},
    {"max-sessions", dpv_cfg_parse_uint, NF(max_sessions), 1, 1000000, DPV_CFG_ZERO_OK, NULL},
    {"ports", dpv_cfg_parse_uint, NF(ports), 4, 65534, DPV_CFG_ZERO_OK | DPV_CFG_EVEN, NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL},
};
#undef NF

void
dpv_ng_conf_defaults(struct dpv_ng_conf *nc)
{
	memset(nc, 0, sizeof(*nc));
	nc->timeout_s = 60;
	nc->silent_timeout_s = 3600;
	nc->delete_delay_s = 30;
}

struct dpv_cfg_section
dpv_ng_conf_section(struct dpv_ng_conf *nc)
{
	return (struct dpv_cfg_section){.name = "ng", .instances = 1, .keys = ng_keys, .base = nc};
}

unsigned
dpv_ng_port_share(const struct dpv_config *c, unsigned nb_sig)
{
	unsigned range = (unsigned)(c->rtp.port_max - c->rtp.port_min + 1);

	if (!c->ng.enabled)
		return 0;
	if (c->ng.ports)
		return c->ng.ports;
	return (range / (nb_sig + 1)) & ~1u;
}

/* ---- time ---- */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wall-clock seconds of TSC instant @a tsc (a packet's arrival). */
static int64_t
tsc_to_unix(uint64_t tsc)
{
	uint64_t now = rte_rdtsc();

	if (tsc == 0)
		return 0;
	return (int64_t)time(NULL) - (int64_t)((now > tsc ? now - tsc : 0) / ng.hz);
}

/* ---- ports ---- */

static void
ports_reclaim(void)
{
	dpv_gp_poll(&ng.gp);
	while (ng.frees_len > 0 && dpv_gp_done(&ng.gp, ng.frees[ng.frees_head].cookie)) {
		rtp_portpool_free(ng.ports, ng.frees[ng.frees_head].port);
		ng.frees_head = (ng.frees_head + 1) % ng.frees_cap;
		ng.frees_len--;
	}
	rtp_flow_writer_reclaim(ng.flows);
}

/* Unpublish @a port's flow; the port returns to the pool after a grace period. */
static void
port_release(uint16_t port)
{
	if (port == 0)
		return;
	rtp_flow_remove(ng.flows, port);
	if (ng.frees_len == ng.frees_cap) { /* cannot happen: one entry per port */
		rtp_portpool_free(ng.ports, port);
		return;
	}
	ng.frees[(ng.frees_head + ng.frees_len) % ng.frees_cap] =
	    (struct port_free){port, dpv_gp_start(&ng.gp)};
	ng.frees_len++;
}

/* ---- calls ---- */

static struct ng_call *
call_find(struct dpv_str id)
{
	uint32_t h = dpv_hash32(id.p, id.len);

	for (struct ng_call *c = ng.buckets[h & ng.mask]; c != NULL; c = c->hnext) {
		if (c->hash == h && dpv_str_eq(dpv_cstr(c->call_id), id))
			return c;
	}
	return NULL;
}

static struct ng_call *
call_new(struct dpv_str id)
{
	struct ng_call *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	dpv_str_copy(c->call_id, sizeof(c->call_id), id);
	c->hash = dpv_hash32(id.p, id.len);
	c->id = NG_ID_BIT | ++ng.next_id;
	c->created = c->last_signal = time(NULL);
	c->signal_tsc = c->created_tsc = rte_rdtsc();
	c->peer = c->pending = -1;
	c->latch = ng.e->cfg.rtp.latching;
	c->hnext = ng.buckets[c->hash & ng.mask];
	ng.buckets[c->hash & ng.mask] = c;
	c->prev = ng.newest;
	if (ng.newest)
		ng.newest->next = c;
	else
		ng.oldest = c;
	ng.newest = c;
	ng.nb_calls++;
	ng.cnt[NG_C_calls_created]++;
	return c;
}

static void
leg_release(struct ng_leg *l)
{
	for (unsigned i = 0; i < l->nb; i++)
		port_release(l->s[i].local_port);
	memset(l, 0, sizeof(*l));
}

static void
call_free(struct ng_call *c)
{
	struct ng_call **pp = &ng.buckets[c->hash & ng.mask];

	for (unsigned i = 0; i < NG_MAX_LEGS; i++)
		leg_release(&c->leg[i]);
	while (*pp != c)
		pp = &(*pp)->hnext;
	*pp = c->hnext;
	if (c->prev)
		c->prev->next = c->next;
	else
		ng.oldest = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		ng.newest = c->prev;
	ng.nb_calls--;
	ng.cnt[NG_C_calls_deleted]++;
	free(c);
}

static int
leg_by_tag(const struct ng_call *c, struct dpv_str tag)
{
	if (tag.len == 0)
		return -1;
	for (int i = 0; i < NG_MAX_LEGS; i++) {
		if (c->leg[i].used && c->leg[i].tag[0] != '\0' &&
		    dpv_str_eq(dpv_cstr(c->leg[i].tag), tag))
			return i;
	}
	return -1;
}

static int
branch_by_name(const struct ng_call *c, struct dpv_str br)
{
	for (int i = 1; i < NG_MAX_LEGS; i++) {
		if (c->leg[i].used && dpv_str_eq(dpv_cstr(c->leg[i].branch), br))
			return i;
	}
	return -1;
}

static int
branch_new(struct ng_call *c, struct dpv_str br)
{
	for (int i = 1; i < NG_MAX_LEGS; i++) {
		if (!c->leg[i].used) {
			c->leg[i].used = true;
			c->leg[i].created = time(NULL);
			dpv_str_copy(c->leg[i].branch, sizeof(c->leg[i].branch), br);
			return i;
		}
	}
	return -1;
}

/* The leg an offer from leg 0 goes to: its branch, else the answered one, else a new one. */
static int
offer_target(struct ng_call *c, struct dpv_str br)
{
	int i;

	if (br.len > 0) {
		i = branch_by_name(c, br);
		return i >= 0 ? i : branch_new(c, br);
	}
	if (c->peer > 0)
		return c->peer;
	i = branch_by_name(c, br);
	return i >= 0 ? i : branch_new(c, br);
}

/* Ports legs @a x and @a y lack for their first @a n streams (those @a want). */
static unsigned
ports_needed(const struct ng_leg *x, const struct ng_leg *y, unsigned n, const bool *want)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		k += want[i] ? (x->s[i].local_port == 0) + (y->s[i].local_port == 0) : 0;
	return k;
}

/* Give @a l a port for each of its first @a n streams that has none. -1: the pool is empty. */
static int
leg_ports(struct ng_leg *l, unsigned n, const bool *want)
{
	for (unsigned i = 0; i < n; i++) {
		int p;

		if (!want[i] || l->s[i].local_port != 0)
			continue;
		p = rtp_portpool_alloc(ng.ports);
		if (p < 0)
			return -1;
		l->s[i].local_port = (uint16_t)p;
	}
	if (n > l->nb)
		l->nb = (uint8_t)n;
	return 0;
}

/* Publish leg @a x's flows: its endpoint, relaying to leg @a y's ports. */
static void
publish_leg(const struct ng_call *c, const struct ng_leg *x, const struct ng_leg *y)
{
	for (unsigned i = 0; i < x->nb; i++) {
		const struct ng_stream *s = &x->s[i];
		const struct ng_stream *o = y != NULL && i < y->nb ? &y->s[i] : NULL;
		struct rtp_flow f = {
		    .session_id = c->id,
		    .action = DPV_CALL_RELAY,
		    .bridge_id = BRIDGE_NONE,
		    .local_ip = x->local_ip,
		    .local_port = s->local_port,
		    .peer_ip = x->have_sdp ? s->peer_ip : 0,
		    .peer_port = s->peer_port,
		    .peer_rtcp_port = s->peer_rtcp_port,
		    /* RFC 5761: muxed once both sides said so; before the answer as offered */
		    .rtcp_mux = s->mux && (o == NULL || !y->have_sdp || o->mux),
		    .send = true,
		    .recv = true,
		    .latch = c->latch,
		    .asymmetric = c->asymmetric,
		    .te_pt = -1,
		    .relay_port = o ? o->local_port : 0,
		};

		if (s->local_port == 0)
			continue;
		if (f.rtcp_mux)
			f.peer_rtcp_port = f.peer_port;
		if (rtp_flow_publish(ng.flows, &f) < 0)
			DPV_LOG(WARNING, "ng: call %s: no flow object for port %u", c->call_id,
			        s->local_port);
	}
}

/* The engine's address facing @a ip (the route's port address). */
static uint32_t
addr_facing(uint32_t ip)
{
	return egress_route(ng.e, ip)->net.addr;
}

/*
 * Take leg @a l's endpoint from SDP @a sdp: per m= line its address and ports, as the SDP says
 * them, or with SIP-source-address at the SIP source. Returns an error reason, or NULL.
 */
static const char *
leg_take_sdp(struct ng_leg *l, const struct rtp_sdp *sdp, const struct ng_req *r, uint32_t ng_src,
             bool *want)
{
	uint32_t src = r->received_from ? r->received_from : ng_src;

	for (unsigned i = 0; i < sdp->nb_media; i++) {
		const struct rtp_sdp_media *m = &sdp->media[i];
		const struct rtp_sdp_conn *cn =
		    m->conn.af != RTP_SDP_AF_NONE ? &m->conn : &sdp->conn;
		struct ng_stream *s = &l->s[i];
		enum rtp_dir dir = m->dir != RTP_DIR_UNSET ? m->dir : sdp->dir;

		want[i] = m->port != 0;
		if (m->port == 0)
			continue;
		if (cn->af == RTP_SDP_AF_IP6)
			return "IPv6 media is not supported by this relay";
		if (cn->af == RTP_SDP_AF_NONE)
			return "Incomplete SDP specification";
		if (cn->host_name)
			return "Incomplete SDP specification: a host name in c=";
		dpv_str_copy(s->type, sizeof(s->type), m->type);
		dpv_str_copy(s->proto, sizeof(s->proto), m->proto);
		s->adv_ip = cn->ip4;
		s->adv_port = m->port;
		s->peer_ip = (r->flags & NG_F_SIP_SOURCE) && src && cn->ip4 ? src : cn->ip4;
		s->peer_port = m->port;
		s->peer_rtcp_port = m->rtcp_port ? m->rtcp_port : (uint16_t)(m->port + 1);
		s->mux = m->rtcp_mux;
		s->hold = cn->ip4 == 0 || dir == RTP_DIR_SENDONLY || dir == RTP_DIR_INACTIVE;
	}
	l->have_sdp = true;
	if (l->local_ip == 0) {
		uint32_t to = sdp->nb_media
		                  ? (sdp->media[0].conn.af ? sdp->media[0].conn.ip4 : sdp->conn.ip4)
		                  : 0;

		l->local_ip = addr_facing(to);
	}
	return NULL;
}

/* ---- replies ---- */

static void
kv_str(struct dpv_buf *b, const char *k, struct dpv_str v)
{
	dpv_benc_cstr(b, k);
	dpv_benc_str(b, v);
}

static void
kv_cstr(struct dpv_buf *b, const char *k, const char *v)
{
	dpv_benc_cstr(b, k);
	dpv_benc_cstr(b, v);
}

static void
kv_int(struct dpv_buf *b, const char *k, int64_t v)
{
	dpv_benc_cstr(b, k);
	dpv_benc_int(b, v);
}

static void
kv_stats(struct dpv_buf *b, const char *k, uint64_t pkts, uint64_t bytes, uint64_t errors)
{
	dpv_benc_cstr(b, k);
	dpv_benc_open(b, true);
	kv_int(b, "packets", (int64_t)pkts);
	kv_int(b, "bytes", (int64_t)bytes);
	kv_int(b, "errors", (int64_t)errors);
	dpv_benc_close(b);
}

static void
kv_endpoint(struct dpv_buf *b, const char *k, uint32_t ip, uint16_t port)
{
	char s[DPV_IPV4_STRLEN];

	dpv_ipv4_format(ip, s);
	dpv_benc_cstr(b, k);
	dpv_benc_open(b, true);
	kv_cstr(b, "family", "IPv4");
	kv_cstr(b, "address", s);
	kv_int(b, "port", port);
	dpv_benc_close(b);
}

struct totals {
	uint64_t rtp_pkts, rtp_bytes, rtp_err, rtcp_pkts, rtcp_bytes;
};

static uint64_t
drops_of(const struct dpv_media_port_stats *st)
{
	uint64_t n = 0;

	for (unsigned d = 0; d < DPV_MD_MAX; d++)
		n += st->drops[d];
	return n;
}

/* One m= line of one leg: its RTP and RTCP streams, as rtpengine's query shows them. */
static void
media_stats(struct dpv_buf *b, const struct ng_leg *l, unsigned i, struct totals *t,
            struct dpv_buf *ssrc)
{
	const struct ng_stream *s = &l->s[i];
	struct dpv_media_port_stats st;
	struct rtp_flow_slot *slot = rtp_flow_slot(ng.e->flows, s->local_port);
	int64_t last =
	    slot ? tsc_to_unix(__atomic_load_n(&slot->last_rx_tsc, __ATOMIC_RELAXED)) : 0;
	uint64_t rtp_pkts, rtp_bytes, err;

	if (s->local_port == 0 || dpv_media_port_stats(ng.e, s->local_port, &st) < 0)
		memset(&st, 0, sizeof(st));
	rtp_pkts = st.rx_pkts - st.rx_rtcp;
	rtp_bytes = st.rx_bytes - st.rx_rtcp_bytes;
	err = drops_of(&st);
	t->rtp_pkts += rtp_pkts;
	t->rtp_bytes += rtp_bytes;
	t->rtp_err += err;
	t->rtcp_pkts += st.rx_rtcp;
	t->rtcp_bytes += st.rx_rtcp_bytes;

	dpv_benc_open(b, true);
	kv_int(b, "index", i + 1);
	kv_cstr(b, "type", s->type);
	kv_cstr(b, "protocol", s->proto);
	dpv_benc_cstr(b, "flags");
	dpv_benc_open(b, false);
	dpv_benc_cstr(b, "initialized");
	if (s->mux)
		dpv_benc_cstr(b, "rtcp-mux");
	dpv_benc_cstr(b, "passthrough");
	dpv_benc_close(b);
	dpv_benc_cstr(b, "streams");
	dpv_benc_open(b, false);
	for (unsigned rtcp = 0; rtcp < 2; rtcp++) {
		dpv_benc_open(b, true);
		if (s->local_port)
			kv_int(b, "local port", s->local_port + (rtcp && !s->mux));
		kv_endpoint(b, "endpoint", st.latched_ip ? st.latched_ip : s->peer_ip,
		            rtcp ? s->peer_rtcp_port
		                 : (st.latched_port ? st.latched_port : s->peer_port));
		kv_endpoint(b, "advertised endpoint", s->adv_ip,
		            rtcp ? s->peer_rtcp_port : s->adv_port);
		if (last)
			kv_int(b, "last packet", last);
		dpv_benc_cstr(b, "flags");
		dpv_benc_open(b, false);
		dpv_benc_cstr(b, rtcp ? "RTCP" : "RTP");
		if (st.latched_ip)
			dpv_benc_cstr(b, "confirmed");
		dpv_benc_close(b);
		if (rtcp)
			kv_stats(b, "stats", st.rx_rtcp, st.rx_rtcp_bytes, 0);
		else
			kv_stats(b, "stats", rtp_pkts, rtp_bytes, err);
		dpv_benc_close(b);
	}
	dpv_benc_close(b);
	dpv_benc_close(b);
	if (st.ssrc != 0 || rtp_pkts > 0) {
		char k[16];
		struct dpv_buf kb = DPV_BUF(k, sizeof(k));

		dpv_buf_u32(&kb, st.ssrc);
		dpv_benc_str(ssrc, (struct dpv_str){k, kb.len});
		dpv_benc_open(ssrc, true);
		kv_int(ssrc, "packets", (int64_t)rtp_pkts);
		kv_int(ssrc, "bytes", (int64_t)rtp_bytes);
		kv_int(ssrc, "lost", st.rx_lost);
		kv_int(ssrc, "jitter", st.jitter);
		kv_cstr(ssrc, "tag", l->tag);
		dpv_benc_close(ssrc);
	}
}

/* created, last signal, tags with their medias and streams, SSRC and totals (query, delete). */
static void
call_stats(struct dpv_buf *b, const struct ng_call *c)
{
	static char ssrc_buf[16384];
	struct dpv_buf ssrc = DPV_BUF(ssrc_buf, sizeof(ssrc_buf));
	struct totals t = {0};

	rcu_thread_online();
	rcu_read_lock();
	kv_int(b, "created", c->created);
	kv_int(b, "last signal", c->last_signal);
	dpv_benc_cstr(b, "tags");
	dpv_benc_open(b, true);
	for (int i = 0; i < NG_MAX_LEGS; i++) {
		const struct ng_leg *l = &c->leg[i];
		int other = i == 0 ? c->peer : 0;

		if (!l->used)
			continue;
		dpv_benc_cstr(b, l->tag);
		dpv_benc_open(b, true);
		kv_cstr(b, "tag", l->tag);
		kv_int(b, "created", l->created);
		if (l->label[0])
			kv_cstr(b, "label", l->label);
		if (i != 0 && c->peer != i)
			other = -1; /* an unanswered branch */
		if (other >= 0 && c->leg[other].tag[0])
			kv_cstr(b, "in dialogue with", c->leg[other].tag);
		dpv_benc_cstr(b, "medias");
		dpv_benc_open(b, false);
		for (unsigned m = 0; m < l->nb; m++)
			media_stats(b, l, m, &t, &ssrc);
		dpv_benc_close(b);
		dpv_benc_close(b);
	}
	dpv_benc_close(b);
	rcu_read_unlock();
	rcu_thread_offline();
	if (!ssrc.over) {
		dpv_benc_cstr(b, "SSRC");
		dpv_benc_open(b, true);
		dpv_buf_put(b, ssrc.p, ssrc.len);
		dpv_benc_close(b);
	}
	dpv_benc_cstr(b, "totals");
	dpv_benc_open(b, true);
	kv_stats(b, "RTP", t.rtp_pkts, t.rtp_bytes, t.rtp_err);
	kv_stats(b, "RTCP", t.rtcp_pkts, t.rtcp_bytes, 0);
	dpv_benc_close(b);
}

/* ---- commands: each writes its keys into the open reply dict, or returns an error ---- */

struct ctx {
	const struct ng_req *r;
	uint32_t src_ip; /* the request's source, host order */
	struct dpv_buf *b;
	const char *result;    /* "ok" unless set */
	const char *limit_msg; /* result: load limit, with this message */
	char why[160];         /* error-reason built here */
};

static void
log_unknown(const struct ng_req *r)
{
	for (unsigned i = 0; i < r->nb_unknown; i++) {
		uint32_t h = dpv_hash32(r->unknown[i].p, r->unknown[i].len) | 1;
		uint32_t *slot = &ng.unknown_seen[h % NG_UNKNOWN_SEEN];

		if (*slot == h)
			continue;
		*slot = h;
		DPV_LOG(INFO, "ng: ignoring flag \"%.*s\" (not one this relay acts on)",
		        (int)r->unknown[i].len, r->unknown[i].p);
	}
}

static const char *
basic_checks(const struct ng_req *r, bool answer)
{
	if (r->sdp.len == 0)
		return "No SDP body in message";
	if (r->call_id.len == 0)
		return "No call-id in message";
	if (r->from_tag.len == 0)
		return "No from-tag in message";
	if (answer && r->to_tag.len == 0)
		return "No to-tag in message";
	if (r->call_id.len > NG_CALLID_MAX || r->from_tag.len > NG_TAG_MAX ||
	    r->to_tag.len > NG_TAG_MAX || r->via_branch.len > NG_TAG_MAX)
		return "call-id, tag or via-branch too long";
	return NULL;
}

static const char *
parse_sdp(struct ctx *x, struct rtp_sdp *sdp)
{
	enum rtp_sdp_err e = rtp_sdp_parse(x->r->sdp.p, x->r->sdp.len, sdp);

	if (e != RTP_SDP_OK) {
		snprintf(x->why, sizeof(x->why), "Failed to parse SDP: %s", rtp_sdp_strerror(e));
		return x->why;
	}
	return NULL;
}

/* The rewritten SDP for the endpoint of leg @a to, naming leg @a via's ports. */
static const char *
reply_sdp(struct ctx *x, const struct rtp_sdp *sdp, const struct ng_leg *via)
{
	struct ng_sdp_rewrite rw = {.ip = via->local_ip,
	                            .replace_origin = (x->r->flags & NG_F_REPLACE_ORIGIN) != 0,
	                            .nb_ports = sdp->nb_media};
	int n;

	for (unsigned i = 0; i < sdp->nb_media && i < via->nb; i++)
		rw.ports[i] = sdp->media[i].port ? via->s[i].local_port : 0;
	n = ng_sdp_rewrite(x->r->sdp.p, x->r->sdp.len, &rw, ng.sdp, sizeof(ng.sdp));
	if (n < 0)
		return "Error rewriting SDP";
	kv_str(x->b, "sdp", (struct dpv_str){ng.sdp, (uint32_t)n});
	return NULL;
}

static void
apply_flags(struct ng_call *c, const struct ng_req *r)
{
	if (r->flags & (NG_F_PORT_LATCHING | NG_F_ASYMMETRIC))
		c->latch = RTP_LATCH_LEARN;
	if (r->flags & NG_F_ASYMMETRIC)
		c->asymmetric = true;
	if (r->flags & NG_F_SYMMETRIC)
		c->asymmetric = false;
}

static void
transport_warning(struct ctx *x, const struct rtp_sdp *sdp)
{
	if (x->r->transport.len == 0)
		return;
	for (unsigned i = 0; i < sdp->nb_media; i++) {
		const struct dpv_str *p = &sdp->media[i].proto;

		if (sdp->media[i].port != 0 &&
		    (p->len != x->r->transport.len ||
		     strncasecmp(p->p, x->r->transport.p, p->len) != 0)) {
			snprintf(
			    x->why, sizeof(x->why),
			    "transport-protocol %.*s not applied: this relay passes %.*s through "
			    "unchanged",
			    (int)x->r->transport.len, x->r->transport.p, (int)p->len, p->p);
			kv_cstr(x->b, "warning", x->why);
			return;
		}
	}
}

static const char *
cmd_offer(struct ctx *x)
{
	const struct ng_req *r = x->r;
	struct rtp_sdp sdp;
	struct ng_call *c;
	const char *err;
	bool want[RTP_SDP_MAX_MEDIA] = {false}, created = false;
	int from, to;

	if ((err = basic_checks(r, false)) != NULL || (err = parse_sdp(x, &sdp)) != NULL)
		return err;
	c = call_find(r->call_id);
	if (c == NULL) {
		if (ng.e->cfg.ng.max_sessions && ng.nb_calls >= ng.e->cfg.ng.max_sessions) {
			ng.cnt[NG_C_load_limit]++;
			if (r->flags & NG_F_LOAD_LIMIT) {
				x->limit_msg = "Parallel session limit reached";
				return NULL;
			}
			return "Parallel session limit reached";
		}
		c = call_new(r->call_id);
		if (c == NULL)
			return "Out of memory";
		created = true;
	}
	if (c->delete_at_ms) /* a new offer brings a deleted call back, as rtpengine does */
		c->delete_at_ms = 0;
	from = leg_by_tag(c, r->from_tag);
	if (from < 0 && !c->leg[0].used) {
		from = 0;
		c->leg[0].used = true;
		c->leg[0].created = time(NULL);
		dpv_str_copy(c->leg[0].tag, sizeof(c->leg[0].tag), r->from_tag);
	}
	if (from < 0)
		return "Invalid dialogue association";
	to = from == 0 ? offer_target(c, r->via_branch) : 0;
	if (to < 0)
		return "Too many branches for this call";
	if (r->label.len)
		dpv_str_copy(c->leg[from].label, sizeof(c->leg[from].label), r->label);
	apply_flags(c, r);
	err = leg_take_sdp(&c->leg[from], &sdp, r, x->src_ip, want);
	if (err != NULL)
		goto fail;
	if (c->leg[to].local_ip == 0) {
		uint32_t dir_ip = 0;

		/* direction: [from-side, to-side]; an interface is named by its address here */
		if (r->nb_direction == 2 && !dpv_ipv4_parse(r->direction[1], &dir_ip))
			dir_ip = 0;
		c->leg[to].local_ip = dir_ip ? dir_ip : c->leg[from].local_ip;
	}
	/* all or nothing: a refused offer takes no port (which would wait out a grace period) */
	if (ports_needed(&c->leg[from], &c->leg[to], sdp.nb_media, want) >
	        rtp_portpool_avail(ng.ports) ||
	    leg_ports(&c->leg[from], sdp.nb_media, want) < 0 ||
	    leg_ports(&c->leg[to], sdp.nb_media, want) < 0) {
		ng.cnt[NG_C_ports_exhausted]++;
		err = "Ran out of ports";
		goto fail;
	}
	if (from == 0)
		c->pending = to;
	publish_leg(c, &c->leg[from], &c->leg[to]);
	publish_leg(c, &c->leg[to], &c->leg[from]);
	c->last_signal = time(NULL);
	c->signal_tsc = rte_rdtsc();
	err = reply_sdp(x, &sdp, &c->leg[to]);
	if (err == NULL)
		transport_warning(x, &sdp);
	return err;
fail:
	if (created)
		call_free(c);
	return err;
}

static const char *
cmd_answer(struct ctx *x)
{
	const struct ng_req *r = x->r;
	struct rtp_sdp sdp;
	struct ng_call *c;
	const char *err;
	bool want[RTP_SDP_MAX_MEDIA] = {false};
	int from, to;

	if ((err = basic_checks(r, true)) != NULL || (err = parse_sdp(x, &sdp)) != NULL)
		return err;
	c = call_find(r->call_id);
	if (c == NULL)
		return "Unknown call-id";
	from = leg_by_tag(c, r->from_tag); /* the offerer */
	if (from < 0)
		return "Invalid dialogue association";
	if (from == 0) {
		to =
		    r->via_branch.len ? branch_by_name(c, r->via_branch) : leg_by_tag(c, r->to_tag);
		if (to < 0)
			to = c->pending;
		if (to <= 0)
			return "Invalid dialogue association";
		if (c->leg[to].tag[0] != '\0' && !dpv_str_eq(dpv_cstr(c->leg[to].tag), r->to_tag))
			return "Invalid dialogue association";
	} else {
		to = 0;
		if (!dpv_str_eq(dpv_cstr(c->leg[0].tag), r->to_tag))
			return "Invalid dialogue association";
	}
	if (c->leg[to].tag[0] == '\0')
		dpv_str_copy(c->leg[to].tag, sizeof(c->leg[to].tag), r->to_tag);
	if (r->label.len)
		dpv_str_copy(c->leg[to].label, sizeof(c->leg[to].label), r->label);
	apply_flags(c, r);
	err = leg_take_sdp(&c->leg[to], &sdp, r, x->src_ip, want);
	if (err != NULL)
		return err;
	if (ports_needed(&c->leg[to], &c->leg[from], sdp.nb_media, want) >
	        rtp_portpool_avail(ng.ports) ||
	    leg_ports(&c->leg[to], sdp.nb_media, want) < 0 ||
	    leg_ports(&c->leg[from], sdp.nb_media, want) < 0) {
		ng.cnt[NG_C_ports_exhausted]++;
		return "Ran out of ports";
	}
	if (from == 0)
		c->peer = to;
	publish_leg(c, &c->leg[to], &c->leg[from]);
	publish_leg(c, &c->leg[from], &c->leg[to]);
	c->last_signal = time(NULL);
	c->signal_tsc = rte_rdtsc();
	err = reply_sdp(x, &sdp, &c->leg[from]);
	if (err == NULL)
		transport_warning(x, &sdp);
	return err;
}

static void
call_delete(struct ng_call *c, uint32_t delay_s)
{
	if (delay_s == 0) {
		call_free(c);
		return;
	}
	c->delete_at_ms = now_ms() + (uint64_t)delay_s * 1000;
}

static const char *
cmd_delete(struct ctx *x)
{
	const struct ng_req *r = x->r;
	struct ng_call *c;
	uint32_t delay = ng.e->cfg.ng.delete_delay_s;
	int br = -1;

	if (r->call_id.len == 0)
		return "No call-id in message";
	if (r->has_delete_delay) {
		if (r->delete_delay < 0)
			return "delete-delay must not be negative";
		delay = r->delete_delay > 3600 ? 3600 : (uint32_t)r->delete_delay;
	}
	c = call_find(r->call_id);
	if (c != NULL && r->from_tag.len && leg_by_tag(c, r->from_tag) < 0)
		c = NULL; /* tags did not match */
	/* one branch only: the via-branch of an unanswered fork, or (flag to-tag) a to-tag */
	if (c != NULL && r->via_branch.len)
		br = branch_by_name(c, r->via_branch);
	if (c != NULL && br < 0 && (r->flags & NG_F_TO_TAG) && r->to_tag.len)
		br = leg_by_tag(c, r->to_tag);
	/* a via-branch that names no fork (a BYE's own branch, as Kamailio may send it) deletes
	 * the call, as rtpengine does: it is a hint, not a condition */
	if (c == NULL) {
		if (r->flags & NG_F_FATAL)
			return "Call-ID not found or tags didn't match";
		kv_cstr(x->b, "warning", "Call-ID not found or tags didn't match");
		return NULL;
	}
	if (!(r->flags & NG_F_FAST))
		call_stats(x->b, c);
	if (br > 0 && br != c->peer) {
		leg_release(&c->leg[br]);
		if (c->pending == br)
			c->pending = -1;
		return NULL;
	}
	call_delete(c, delay);
	return NULL;
}

static const char *
cmd_query(struct ctx *x)
{
	struct ng_call *c;

	if (x->r->call_id.len == 0)
		return "No call-id in message";
	c = call_find(x->r->call_id);
	if (c == NULL)
		return "Unknown call-id";
	call_stats(x->b, c);
	return NULL;
}

static const char *
cmd_list(struct ctx *x)
{
	int64_t limit = x->r->limit < 0 ? 32 : x->r->limit;

	if (x->r->limit == 0)
		return "invalid limit, must be > 0";
	dpv_benc_cstr(x->b, "calls");
	dpv_benc_open(x->b, false);
	for (struct ng_call *c = ng.oldest; c != NULL && limit > 0; c = c->next, limit--)
		dpv_benc_cstr(x->b, c->call_id);
	dpv_benc_close(x->b);
	return NULL;
}

static const char *
cmd_statistics(struct ctx *x)
{
	struct dpv_buf *b = x->b;
	uint64_t live = 0;

	for (struct ng_call *c = ng.oldest; c != NULL; c = c->next)
		live += c->delete_at_ms == 0;
	dpv_benc_cstr(b, "statistics");
	dpv_benc_open(b, true);
	dpv_benc_cstr(b, "currentstatistics");
	dpv_benc_open(b, true);
	kv_int(b, "sessionsown", (int64_t)live);
	kv_int(b, "sessionsforeign", 0);
	kv_int(b, "sessionstotal", (int64_t)live);
	kv_int(b, "transcodedmedia", 0);
	dpv_benc_close(b);
	dpv_benc_cstr(b, "totalstatistics");
	dpv_benc_open(b, true);
	kv_int(b, "managedsessions", (int64_t)ng.cnt[NG_C_calls_created]);
	kv_int(b, "rejectedsessions",
	       (int64_t)(ng.cnt[NG_C_load_limit] + ng.cnt[NG_C_ports_exhausted]));
	kv_int(b, "timeoutsessions", (int64_t)ng.cnt[NG_C_timeouts]);
	kv_int(b, "silenttimeoutsessions", (int64_t)ng.cnt[NG_C_silent_timeouts]);
	kv_int(b, "regularterminatedsessions",
	       (int64_t)(ng.cnt[NG_C_calls_deleted] - ng.cnt[NG_C_timeouts] -
	                 ng.cnt[NG_C_silent_timeouts]));
	dpv_benc_close(b);
	dpv_benc_cstr(b, "control");
	dpv_benc_open(b, true);
	for (unsigned i = NG_CMD_PING; i < NG_CMD_MAX; i++)
		kv_int(b, ng_cmd_name((enum ng_cmd)i), (int64_t)ng.cmds[i]);
	kv_int(b, "errors", (int64_t)ng.cnt[NG_C_errors]);
	dpv_benc_close(b);
	dpv_benc_close(b);
	return NULL;
}

/*
 * Run the request @a msg (the dictionary after the cookie) and write the whole reply (cookie,
 * space, dictionary) into @a out. @return its length.
 */
static uint32_t
run(const char *cookie, uint32_t cookie_len, const char *msg, uint32_t len, uint32_t src_ip,
    char *out, uint32_t cap)
{
	struct dpv_buf b = DPV_BUF(out, cap);
	struct ng_req r;
	struct ctx x = {.r = &r, .src_ip = src_ip, .b = &b, .result = "ok"};
	const char *err = NULL;
	uint32_t mark;

	dpv_buf_put(&b, cookie, cookie_len);
	dpv_buf_put(&b, " ", 1);
	mark = b.len;
	dpv_benc_open(&b, true);
	if (ng_req_parse(msg, len, ng.nodes, &r, x.why, sizeof(x.why)) < 0) {
		err = x.why;
	} else {
		ng.cmds[r.cmd]++;
		log_unknown(&r);
		switch (r.cmd) {
		case NG_CMD_PING:
			x.result = "pong";
			break;
		case NG_CMD_OFFER:
			err = cmd_offer(&x);
			break;
		case NG_CMD_ANSWER:
			err = cmd_answer(&x);
			break;
		case NG_CMD_DELETE:
			err = cmd_delete(&x);
			break;
		case NG_CMD_QUERY:
			err = cmd_query(&x);
			break;
		case NG_CMD_LIST:
			err = cmd_list(&x);
			break;
		case NG_CMD_STATISTICS:
			err = cmd_statistics(&x);
			break;
		default:
			err = "Unrecognized command";
			break;
		}
	}
	if (err != NULL || x.limit_msg != NULL || b.over) {
		/* nothing but the result and its reason: start the dictionary again */
		b.len = mark;
		b.over = false;
		dpv_benc_open(&b, true);
		if (x.limit_msg != NULL) {
			kv_cstr(&b, "result", "load limit");
			kv_cstr(&b, "message", x.limit_msg);
		} else {
			ng.cnt[NG_C_errors]++;
			kv_cstr(&b, "result", "error");
			kv_cstr(&b, "error-reason", err ? err : "Reply too large for a datagram");
		}
	} else {
		kv_cstr(&b, "result", x.result);
	}
	dpv_benc_close(&b);
	return b.len;
}

/* One datagram from @a sa. */
static void
serve(const char *d, uint32_t len, const struct sockaddr_in *sa)
{
	const char *sp = memchr(d, ' ', len);
	char key[NG_TAG_MAX + 32];
	struct dpv_buf kb = DPV_BUF(key, sizeof(key));
	const char *cached;
	uint32_t clen, n, cookie_len;
	enum ng_cookie_state st;
	uint64_t now = now_ms();

	ng.cnt[NG_C_requests]++;
	if (sp == NULL || sp == d || sp - d > NG_TAG_MAX) {
		ng.cnt[NG_C_no_cookie]++;
		return;
	}
	cookie_len = (uint32_t)(sp - d);
	dpv_buf_put(&kb, d, cookie_len);
	dpv_buf_put(&kb, &sa->sin_addr, 4);
	dpv_buf_put(&kb, &sa->sin_port, 2);
	st = ng_cookie_begin(ng.cookies, (struct dpv_str){key, kb.len}, now, &cached, &clen);
	if (st == NG_COOKIE_IN_FLIGHT) {
		ng.cnt[NG_C_in_flight]++;
		return;
	}
	if (st == NG_COOKIE_DONE) {
		ng.cnt[NG_C_retransmissions]++;
		if (sendto(ng.fd, cached, clen, 0, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
			ng.cnt[NG_C_send_failed]++;
		return;
	}
	n = run(d, cookie_len, sp + 1, len - cookie_len - 1, ntohl(sa->sin_addr.s_addr), ng.out,
	        sizeof(ng.out));
	ng_cookie_done(ng.cookies, (struct dpv_str){key, kb.len}, ng.out, n, now);
	if (sendto(ng.fd, ng.out, n, 0, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		ng.cnt[NG_C_send_failed]++;
}

/* Calls whose media stopped, and deleted calls whose delay is over. */
static void
scan(uint64_t now)
{
	const struct dpv_ng_conf *nc = &ng.e->cfg.ng;
	uint64_t tsc = rte_rdtsc();
	struct ng_call *next;

	for (struct ng_call *c = ng.oldest; c != NULL; c = next) {
		uint64_t last = c->signal_tsc, limit;
		bool hold = false;

		next = c->next;
		if (c->delete_at_ms) {
			if (now >= c->delete_at_ms)
				call_free(c);
			continue;
		}
		for (int i = 0; i < NG_MAX_LEGS; i++) {
			for (unsigned m = 0; m < c->leg[i].nb; m++) {
				struct rtp_flow_slot *s =
				    rtp_flow_slot(ng.e->flows, c->leg[i].s[m].local_port);
				uint64_t rx =
				    s ? __atomic_load_n(&s->last_rx_tsc, __ATOMIC_RELAXED) : 0;

				if (rx > last)
					last = rx;
				hold |= c->leg[i].s[m].hold;
			}
		}
		limit = hold ? nc->silent_timeout_s : nc->timeout_s;
		if (limit == 0 || tsc - last < limit * ng.hz)
			continue;
		ng.cnt[hold ? NG_C_silent_timeouts : NG_C_timeouts]++;
		DPV_LOG(INFO, "ng: call %s: no media for %u s, deleted", c->call_id,
		        (unsigned)limit);
		call_free(c);
	}
}

void
dpv_ng_poll(struct dpv_engine *e)
{
	struct sockaddr_in sa;
	uint64_t now;

	if (ng.fd < 0)
		return;
	rcu_thread_online();
	ports_reclaim(); /* first: a request that needs ports gets what a grace period gave back */
	for (unsigned i = 0; i < NG_BURST; i++) {
		socklen_t sl = sizeof(sa);
		ssize_t n = recvfrom(ng.fd, ng.in, NG_DGRAM_MAX, 0, (struct sockaddr *)&sa, &sl);

		if (n < 0)
			break;
		if (sl != sizeof(sa) || sa.sin_family != AF_INET)
			continue;
		ng.in[n] = '\0';
		serve(ng.in, (uint32_t)n, &sa);
	}
	now = now_ms();
	if (now >= ng.next_scan_ms) {
		ng.next_scan_ms = now + NG_SCAN_MS;
		scan(now);
		ng_cookie_expire(ng.cookies, now);
	}
	ports_reclaim();
	rcu_thread_offline();
	(void)e;
}

int
dpv_ng_fd(void)
{
	return ng.fd;
}

int
dpv_ng_init(struct dpv_engine *e, FILE *err)
{
	const struct dpv_config *c = &e->cfg;
	unsigned share = dpv_ng_port_share(c, e->nb_sig);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1, rcv = 4 << 20;
	uint32_t n = 1024;

	ng.e = e;
	if (!c->ng.enabled)
		return 0;
	ng.hz = rte_get_tsc_hz();
	ng.port_hi = c->rtp.port_max;
	ng.port_lo = (uint16_t)((c->rtp.port_max - share + 2) & ~1u);
	ng.ports = rtp_portpool_create(ng.port_lo, ng.port_hi);
	ng.flows = ng.ports ? rtp_flow_writer_create(e->flows, rtp_portpool_avail(ng.ports)) : NULL;
	if (ng.flows == NULL) {
		fprintf(err, "%s:%u: [ng] ports: cannot make the pool of %u ports (%u-%u)\n",
		        c->path, 0, share, ng.port_lo, ng.port_hi);
		goto fail;
	}
	ng.frees_cap = rtp_portpool_avail(ng.ports);
	ng.frees = calloc(ng.frees_cap, sizeof(ng.frees[0]));
	while (n < ng.frees_cap && n < (1u << 24))
		n <<= 1;
	ng.buckets = calloc(n, sizeof(ng.buckets[0]));
	ng.mask = n - 1;
	ng.cookies = ng_cookie_create(NG_COOKIES, NG_COOKIE_TTL_MS);
	if (ng.frees == NULL || ng.buckets == NULL || ng.cookies == NULL) {
		fprintf(err, "%s: [ng]: out of memory\n", c->path);
		goto fail;
	}
	dpv_gp_init(&ng.gp);
	ng.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ng.fd < 0)
		goto sock_fail;
	setsockopt(ng.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(ng.fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	setsockopt(ng.fd, SOL_SOCKET, SO_SNDBUF, &rcv, sizeof(rcv));
	sa.sin_addr.s_addr = htonl(c->ng.ip);
	sa.sin_port = htons(c->ng.port);
	if (bind(ng.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto sock_fail;
	DPV_LOG(INFO, "ng: listening on UDP %u.%u.%u.%u:%u, RTP ports %u-%u", c->ng.ip >> 24,
	        (c->ng.ip >> 16) & 255, (c->ng.ip >> 8) & 255, c->ng.ip & 255, c->ng.port,
	        ng.port_lo, ng.port_hi);
	return 0;
sock_fail:
	fprintf(err, "%s: [ng] listen: cannot listen on UDP %u.%u.%u.%u:%u: %s\n", c->path,
	        c->ng.ip >> 24, (c->ng.ip >> 16) & 255, (c->ng.ip >> 8) & 255, c->ng.ip & 255,
	        c->ng.port, strerror(errno));
fail:
	dpv_ng_fini(e);
	return -1;
}

void
dpv_ng_fini(struct dpv_engine *e)
{
	(void)e;
	if (ng.fd >= 0)
		close(ng.fd);
	ng.fd = -1;
	while (ng.oldest)
		call_free(ng.oldest);
	if (ng.flows)
		rtp_flow_writer_destroy(ng.flows); /* waits for readers */
	ng.flows = NULL;
	if (ng.frees_cap)
		dpv_gp_barrier(); /* no grace-period request of ours left running */
	while (ng.frees_len > 0) {
		rtp_portpool_free(ng.ports, ng.frees[ng.frees_head].port);
		ng.frees_head = (ng.frees_head + 1) % ng.frees_cap;
		ng.frees_len--;
	}
	free(ng.frees);
	ng.frees = NULL;
	ng.frees_cap = 0;
	rtp_portpool_destroy(ng.ports);
	ng.ports = NULL;
	free(ng.buckets);
	ng.buckets = NULL;
	ng_cookie_destroy(ng.cookies);
	ng.cookies = NULL;
}

/* ---- control socket and telemetry ---- */

json_t *
dpv_ng_stats_json(const struct dpv_engine *e)
{
	json_t *o = json_object(), *cmds;

	json_object_set_new(o, "enabled", json_boolean(e->cfg.ng.enabled));
	if (!e->cfg.ng.enabled)
		return o;
	cmds = json_object();
	json_object_set_new(o, "calls", json_integer(ng.nb_calls));
	json_object_set_new(o, "ports_free",
	                    json_integer(ng.ports ? rtp_portpool_avail(ng.ports) : 0));
	json_object_set_new(o, "port_min", json_integer(ng.port_lo));
	json_object_set_new(o, "port_max", json_integer(ng.port_hi));
	json_object_set_new(o, "cookies",
	                    json_integer(ng.cookies ? ng_cookie_count(ng.cookies) : 0));
	for (unsigned i = 0; i < NG_C_MAX; i++)
		json_object_set_new(o, ng_counter_names[i], json_integer((json_int_t)ng.cnt[i]));
	for (unsigned i = NG_CMD_UNKNOWN; i < NG_CMD_MAX; i++)
		json_object_set_new(cmds,
		                    i == NG_CMD_UNKNOWN ? "unknown" : ng_cmd_name((enum ng_cmd)i),
		                    json_integer((json_int_t)ng.cmds[i]));
	json_object_set_new(o, "commands", cmds);
	return o;
}

void
dpv_ng_sessions_json(const struct dpv_engine *e, json_t *arr)
{
	uint64_t now = rte_rdtsc();

	for (struct ng_call *c = ng.oldest; c != NULL; c = c->next) {
		for (int i = 0; i < NG_MAX_LEGS; i++) {
			const struct ng_leg *l = &c->leg[i];
			const struct ng_stream *s = &l->s[0];
			char remote[32];
			const char *state = c->delete_at_ms ? "deleting"
			                    : c->peer >= 0  ? "answered"
			                                    : "offered";
			json_t *o;

			if (!l->used || l->nb == 0)
				continue;
			dpv_ipv4_format(s->peer_ip, remote);
			snprintf(remote + strlen(remote), sizeof(remote) - strlen(remote), ":%u",
			         s->peer_port);
			o = json_pack(
			    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:I, s:i}", "id",
			    (json_int_t)c->id, "state", state, "direction", "ng", "call_id",
			    c->call_id, "peer", l->tag, "action", "relay", "bridge", "",
			    "local_port", s->local_port, "remote_media", remote, "age_ms",
			    (json_int_t)((now - c->created_tsc) * 1000 / ng.hz), "last_code", 0);
			if (o == NULL) /* a tag or call-id that is not UTF-8 */
				o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)c->id, "state",
				              state, "direction", "ng");
			dpv_media_json(e, s->local_port, o);
			json_array_append_new(arr, o);
		}
	}
}
