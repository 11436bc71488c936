/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The media plane on media lcores: every RTP/RTCP datagram to a port of the RTP range arrives
 * here from the worker loop, one vector per rx burst, and is handled to completion. One packet,
 * top-down:
 *
 *   flow       the local port's flow (rtp_flow_get, under RCU: the owner signaling lcore
 *              publishes it); even port RTP, odd port RTCP, or RFC 5761 demultiplexing on an
 *              rtcp-mux port; none: drop no_flow;
 *   source     the peer's IP before anything else (a spray from elsewhere costs one compare),
 *              then the header is validated (RTP or compound RTCP: a malformed packet is never
 *              forwarded, and in learn mode never latches), then rtp_latch_ok: strict takes the
 *              SDP's address and port only, learn locks the first port of the signaled IP;
 *   direction  RTP from a peer that negotiated not to send is dropped (not_receiving); RTCP
 *              flows in every direction, as RFC 3264 wants on hold;
 *   budget     a GCRA per port (flood-pps, flood-burst): a member flooding its port cannot
 *              take the lcore from the others;
 *   action     echo: the frame goes back as it came, addresses swapped in place (the UDP
 *              checksum does not change, the IP one for the TTL only); tone: the peer's RTP is
 *              accounted (for our receiver reports) and freed; bridge: full mesh to every other
 *              member that receives, each copy with its own headers; the last destination
 *              takes the received mbuf itself, so a 2-party bridge forwards with no copy;
 *              relay (a leg of an NG call, engine/ng.c): to the other leg's peer from the
 *              other leg's port, the received mbuf re-addressed, payload and payload type as
 *              they came.
 *
 * Forwarded packets keep SSRC, sequence, timestamp and payload; their UDP checksum is updated
 * incrementally (RFC 1624) for the new addresses and ports, so a corrupted payload reaches the
 * receiver with a bad checksum and is dropped there; net.c does not read RTP payloads to verify
 * them either. Only a member of the other G.711 law gets a converted payload: converted once
 * per packet into the first such member's frame (rtp_g711_convert_sum, AVX2 where the CPU has
 * it), with its checksum carried over by the sum's change the conversion gathers; the other
 * members of that law copy that frame's RTP.
 *
 * Tone streams live on the media lcore their flow names: a FIFO of streams ordered by their
 * next send time (every stream has the same 20 ms period, so appending keeps the order), paced
 * by the TSC, with an SR/RR every 5 s randomised. A stream stops at its first send after its
 * flow is gone. New tone flows are announced on the lcore's tone ring, and a slow scan of the
 * flow table finds any the ring missed.
 *
 * Per-port statistics are per media lcore (no shared writes on the packet path but the slot's
 * last_rx_tsc, written at most 16 times a second); dpv_media_port_stats sums them.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "egress_int.h"
#include "lcore_int.h"
#include "media_int.h"

#define ETH_LEN  ((uint32_t)RTE_ETHER_HDR_LEN)
#define IP_LEN   ((uint32_t)sizeof(struct rte_ipv4_hdr))
#define UDP_LEN  ((uint32_t)sizeof(struct rte_udp_hdr))
#define HDRS_LEN (ETH_LEN + IP_LEN + UDP_LEN)
#define TTL      64

#define MEDIA_POOL_CACHE   256
#define TONE_SAMPLES       160 /* 20 ms at 8 kHz */
#define TONE_PERIOD_US     20000
#define TONE_LATE_PERIODS  5 /* further behind than this: resynchronise, counted */
#define TONE_SCAN_US       100000
#define ARP_SOLICIT_US     10000 /* at most one ARP request per lcore this often */
#define LAST_RX_RESOLUTION 16    /* slot->last_rx_tsc written at most this often per second */

const char *const dpv_media_drop_names[DPV_MD_MAX] = {
#define DPV_X(n) #n,
    DPV_MEDIA_DROPS(DPV_X)
#undef DPV_X
};

/* What one media lcore keeps per local port. */
struct port_state {
	uint32_t gen; /* the flow generation these belong to; 0: none yet */
	uint32_t ssrc;
	uint64_t tat; /* GCRA theoretical arrival time (TSC) */
	struct rtp_rx_stats rx;
	uint32_t latched_ip;
	uint16_t latched_port;
	bool tone;         /* this lcore plays a tone on the port (tones[] holds it) */
	uint32_t peer_lsr; /* the peer's last SR, middle NTP bits (for our DLSR) */
	uint64_t peer_lsr_tsc;
	struct dpv_media_port_stats st; /* latched_*, ssrc, rx_* filled when read */
	/* where this port's peer was routed last (route_cached): good until rt_until */
	const struct dpv_port *rt_port;
	uint32_t rt_ip;
	struct rte_ether_addr rt_mac;
	uint64_t rt_until;
	/* the Ethernet/IPv4/UDP headers of what is forwarded to this port's peer, built for
	 * hdr_key and copied into each frame (fwd_one); hdr_len 0: none built */
	struct hdr_key {
		struct media_fwd_addr addr;
		struct rte_ether_addr mac;
		uint16_t udp_len;
		uint16_t port_id; /* the port it leaves by: its source MAC */
	} hdr_key;
	uint8_t hdr[HDRS_LEN];
};

/* A tone stream (RFC 3550 sender). */
struct tone {
	uint64_t session_id;
	uint64_t next_tsc, next_rtcp_tsc;
	uint32_t ssrc, ts;
	uint32_t pkts, octets;
	uint16_t seq;
};

struct media_lcore {
	unsigned index; /* among media lcores */
	struct rte_mempool *pool;
	struct rtp_flow_table *t;
	struct bridge_table *bridges;
	struct port_state *ps; /* by flow slot */
	struct tone *tones;    /* by flow slot */
	uint32_t *fifo;        /* slots with a tone, by next send time */
	uint32_t fifo_mask, fifo_head, fifo_tail;
	uint64_t hz, tone_period, flood_period, flood_tolerance, last_rx_step;
	uint64_t next_scan, next_solicit;
	uint32_t scan;
	uint64_t ntp_base; /* NTP time (32.32) at tsc_base */
	uint64_t tsc_base;
	char cname[32];
	struct dpv_media_port_stats tot; /* every port of this lcore */
	uint64_t tone_late, tone_started, tone_stopped;
};

static inline uint32_t
slot_index(const struct rtp_flow_table *t, const struct rtp_flow_slot *s)
{
	return (uint32_t)(s - t->slots);
}

static void
ps_reset(struct port_state *ps, uint32_t gen)
{
	bool tone = ps->tone;

	memset(ps, 0, sizeof(*ps));
	ps->gen = gen;
	ps->tone = tone;
	rtp_rx_init(&ps->rx);
}

static inline void
drop(struct dpv_worker *w, struct media_lcore *ml, struct port_state *ps, struct rte_mbuf *m,
     enum dpv_media_drop why, enum dpv_port_counter pc)
{
	w->pc[m->port][pc]++;
	ml->tot.drops[why]++;
	if (ps != NULL)
		ps->st.drops[why]++;
	rte_pktmbuf_free(m);
}

/* ---- egress: route, next hop, ARP ---- */

static void
arp_solicit(struct dpv_worker *w, struct media_lcore *ml, const struct dpv_port *p, uint32_t hop,
            uint64_t now)
{
	struct rte_mbuf *m;

	if (now < ml->next_solicit)
		return;
	ml->next_solicit = now + ml->hz / (1000000 / ARP_SOLICIT_US);
	m = rte_pktmbuf_alloc(ml->pool);
	if (m == NULL)
		return;
	dpv_net_arp_request(&p->net, m, hop);
	w->pc[p->port_id][DPV_C_tx_arp_request]++;
	dpv_tx(w, p->port_id, m);
}

/* Where a datagram to @a dst_ip leaves: the port, and the next hop's MAC. NULL when unknown
 * (an ARP request is on its way; counted drop_rtp_arp_miss on that port by the caller). */
static const struct dpv_port *
route(struct dpv_worker *w, struct media_lcore *ml, uint32_t dst_ip, struct rte_ether_addr *mac,
      uint64_t now)
{
	const struct dpv_port *p = egress_route(w->eng, dst_ip);
	uint32_t hop = dpv_net_next_hop(&p->net, dst_ip);

	if (hop != 0 && dpv_arp_lookup(p->net.arp, hop, mac) == 0)
		return p;
	w->pc[p->port_id][DPV_C_drop_rtp_arp_miss]++;
	if (hop != 0)
		arp_solicit(w, ml, p, hop, now);
	return NULL;
}

/* route() for the peer of port state @a ps, looked up again at most every ROUTE_TTL_MS: a fan-out
 * to N members would otherwise walk the routes and the ARP cache N-1 times per packet. A MAC
 * that changes reaches the copies within ROUTE_TTL_MS. */
#define ROUTE_TTL_MS 100

static inline const struct dpv_port *
route_cached(struct dpv_worker *w, struct media_lcore *ml, struct port_state *ps, uint32_t dst_ip,
             struct rte_ether_addr *mac, uint64_t now)
{
	const struct dpv_port *p;

	if (ps->rt_port != NULL && ps->rt_ip == dst_ip && now < ps->rt_until) {
		*mac = ps->rt_mac;
		return ps->rt_port;
	}
	p = route(w, ml, dst_ip, mac, now);
	ps->rt_port = p;
	if (p != NULL) {
		ps->rt_ip = dst_ip;
		ps->rt_mac = *mac;
		ps->rt_until = now + ROUTE_TTL_MS * (ml->hz / 1000);
	}
	return p;
}

/* ---- forwarding: headers for one destination ---- */

void
media_fwd_headers(uint8_t *frame, const struct rte_ether_addr *src_mac,
                  const struct rte_ether_addr *dst_mac, const struct media_fwd_addr *in,
                  const struct media_fwd_addr *out, uint16_t udp_len, uint16_t in_cksum)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + ETH_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(frame + ETH_LEN + IP_LEN);
	uint16_t ck = in_cksum;

	rte_ether_addr_copy(dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(src_mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(IP_LEN + udp_len));
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = TTL;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(out->src_ip);
	ip->dst_addr = rte_cpu_to_be_32(out->dst_ip);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip); /* 20 header bytes, never the payload */
	/* The pseudo-header's addresses and the ports change; length and payload do not. */
	ck = dpv_udp_cksum_update32(ck, rte_cpu_to_be_32(in->src_ip), ip->src_addr);
	ck = dpv_udp_cksum_update32(ck, rte_cpu_to_be_32(in->dst_ip), ip->dst_addr);
	udp->src_port = rte_cpu_to_be_16(out->src_port);
	udp->dst_port = rte_cpu_to_be_16(out->dst_port);
	ck = dpv_udp_cksum_update16(ck, rte_cpu_to_be_16(in->src_port), udp->src_port);
	ck = dpv_udp_cksum_update16(ck, rte_cpu_to_be_16(in->dst_port), udp->dst_port);
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	udp->dgram_cksum = ck;
}

/* One destination of a forwarded packet. */
struct fwd_dst {
	const struct dpv_port *p;
	struct rte_ether_addr mac;
	struct media_fwd_addr addr;
	struct port_state *ps;            /* the destination port's state (tx counters) */
	const struct rtp_g711_xlat *xlat; /* G.711 conversion, NULL: none */
	uint8_t pt;                       /* payload type to write when it changes (xlat, DTMF) */
	bool set_pt;
};

/*
 * The headers of a frame for @a d: the destination's template, rebuilt by media_fwd_headers
 * when what it was built for changed (a new route or MAC, a latched port, another length, RTCP
 * after RTP), copied in; the UDP checksum in *@a cksum updated for the changed pseudo-header
 * addresses and ports (RFC 1624), left for the caller to store.
 */
static inline void
fwd_headers_cached(uint8_t *frame, const struct fwd_dst *d, const struct media_fwd_addr *in,
                   uint16_t udp_len, uint16_t *cksum)
{
	struct port_state *ps = d->ps;
	const struct media_fwd_addr *out = &d->addr;
	uint16_t ck = *cksum;

	if (ps->hdr_key.udp_len != udp_len || ps->hdr_key.port_id != d->p->port_id ||
	    memcmp(&ps->hdr_key.addr, out, sizeof(*out)) != 0 ||
	    !rte_is_same_ether_addr(&ps->hdr_key.mac, &d->mac)) {
		memset(&ps->hdr_key, 0, sizeof(ps->hdr_key));
		ps->hdr_key.addr = *out;
		ps->hdr_key.mac = d->mac;
		ps->hdr_key.udp_len = udp_len;
		ps->hdr_key.port_id = d->p->port_id;
		media_fwd_headers(ps->hdr, &d->p->net.mac, &d->mac, out, out, udp_len, 0);
	}
	rte_memcpy(frame, ps->hdr, HDRS_LEN);
	ck =
	    dpv_udp_cksum_update32(ck, rte_cpu_to_be_32(in->src_ip), rte_cpu_to_be_32(out->src_ip));
	ck =
	    dpv_udp_cksum_update32(ck, rte_cpu_to_be_32(in->dst_ip), rte_cpu_to_be_32(out->dst_ip));
	ck = dpv_udp_cksum_update16(ck, rte_cpu_to_be_16(in->src_port),
	                            rte_cpu_to_be_16(out->src_port));
	ck = dpv_udp_cksum_update16(ck, rte_cpu_to_be_16(in->dst_port),
	                            rte_cpu_to_be_16(out->dst_port));
	*cksum = ck;
}

/* Where the first copy for a member of the other G.711 law put its converted RTP, and the UDP
 * checksum it has under the received addresses: the other members of that law copy both. */
struct fwd_conv {
	bool ready;
	uint16_t cksum;
	const uint8_t *rtp;
};

/*
 * Write @a rx's RTP (@a rv its header) at @a rtp with the payload converted through @a xlat
 * (in place when they are the same); the checksum follows by RFC 1624 from @a rx_cksum over
 * the bytes that changed, summed as they are converted (the RTP header's length is a multiple
 * of 4, so the payload keeps its word alignment), never by a second pass over the payload.
 */
static inline void
fwd_convert(struct fwd_conv *c, uint8_t *rtp, const uint8_t *rx, const struct rtp_hdr_view *rv,
            uint16_t rx_cksum, const struct rtp_g711_xlat *xlat)
{
	uint32_t delta;

	if (rtp != rx) {
		rte_memcpy(rtp, rx, rv->hdr_len);
		if (rv->pad_len != 0)
			memcpy(rtp + rv->hdr_len + rv->payload_len,
			       rx + rv->hdr_len + rv->payload_len, rv->pad_len);
	}
	delta = rtp_g711_convert_sum(rtp + rv->hdr_len, rx + rv->hdr_len, rv->payload_len, xlat);
	c->cksum = rx_cksum;
	if (rx_cksum != 0) { /* 0: sent without a checksum, and so it stays */
		c->cksum = (uint16_t)~dpv_cksum_fold((uint16_t)~rx_cksum + delta);
		if (c->cksum == 0)
			c->cksum = 0xffff;
	}
	c->rtp = rtp;
	c->ready = true;
}

/*
 * Build the frame for @a d into @a o, a fresh mbuf (or, when @a o is @a m, rewrite @a m in
 * place); for a member of the other law the payload is converted (the first such member, into
 * its own frame, which @a conv then points at) or copied from @a conv. Returns the frame, or
 * NULL (@a o freed unless it is @a m).
 */
static struct rte_mbuf *
fwd_one(struct rte_mbuf *o, struct rte_mbuf *m, const struct dpv_pkt_info *info,
        const struct rtp_hdr_view *rv, const struct media_fwd_addr *in, const struct fwd_dst *d,
        struct fwd_conv *conv)
{
	bool in_place = o == m, cv = d->xlat != NULL, first = cv && !conv->ready;
	const uint8_t *rx = rte_pktmbuf_mtod_offset(m, const uint8_t *, info->payload_off);
	const uint8_t *src = cv && !first ? conv->rtp : rx;
	uint16_t plen = info->payload_len, udp_len = (uint16_t)(UDP_LEN + plen);
	uint16_t cksum = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, info->l4_off)
	                     ->dgram_cksum; /* read before an in-place rewrite covers it */
	uint8_t *frame, *pl;

	if (first && rv == NULL) { /* never: only RTP is converted, and rtp_input parsed it */
		if (!in_place)
			rte_pktmbuf_free(o);
		return NULL;
	}
	if (in_place) {
		/* Drop whatever came before the payload (IP options too) and rebuild in front: the
		 * RTP stays where it is. */
		rte_pktmbuf_adj(m, info->payload_off);
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - plen));
		frame = (uint8_t *)rte_pktmbuf_prepend(m, HDRS_LEN);
		if (frame != NULL && cv && !first)
			rte_memcpy(frame + HDRS_LEN, src, plen);
	} else {
		frame = (uint8_t *)rte_pktmbuf_append(o, (uint16_t)(HDRS_LEN + plen));
		if (frame != NULL && !first)
			rte_memcpy(frame + HDRS_LEN, src, plen);
	}
	if (frame == NULL) {
		if (!in_place)
			rte_pktmbuf_free(o);
		return NULL; /* the received mbuf stays the caller's */
	}
	pl = frame + HDRS_LEN;
	if (first)
		fwd_convert(conv, pl, rx, rv, cksum, d->xlat);
	if (cv)
		cksum = conv->cksum;
	fwd_headers_cached(frame, d, in, udp_len, &cksum);
	if (d->set_pt) {
		/* the new word made in a register and stored whole: a byte store read back as a
		 * word cannot be forwarded and waits for it (a sixth of forward's time in mix3) */
		rte_be16_t old_w, new_w;

		memcpy(&old_w, pl, 2);
		new_w = rte_cpu_to_be_16((uint16_t)((rte_be_to_cpu_16(old_w) & 0xff80) | d->pt));
		memcpy(pl, &new_w, 2);
		cksum = dpv_udp_cksum_update16(cksum, old_w, new_w);
		if (first) /* the others of this law copy these bytes, the new type with them */
			conv->cksum = dpv_udp_cksum_update16(conv->cksum, old_w, new_w);
	}
	{
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(frame + ETH_LEN + IP_LEN);

		udp->dgram_cksum = cksum;
	}
	o->l2_len = ETH_LEN;
	o->l3_len = IP_LEN;
	o->port = d->p->port_id;
	return o;
}

static inline void
account_tx(struct dpv_worker *w, struct media_lcore *ml, struct port_state *ps, uint16_t port_id,
           uint32_t bytes, bool rtcp)
{
	w->pc[port_id][rtcp ? DPV_C_tx_rtcp : DPV_C_tx_rtp]++;
	ml->tot.tx_pkts++;
	ml->tot.tx_bytes += bytes;
	ml->tot.tx_rtcp += rtcp;
	if (ps != NULL) {
		ps->st.tx_pkts++;
		ps->st.tx_bytes += bytes;
		ps->st.tx_rtcp += rtcp;
	}
}

static inline struct port_state *
ps_of(struct media_lcore *ml, const struct rtp_flow_slot *s, const struct rtp_flow *f)
{
	struct port_state *ps = &ml->ps[slot_index(ml->t, s)];

	if (ps->gen != f->gen)
		ps_reset(ps, f->gen);
	return ps;
}

/*
 * Where a packet of flow @a f goes when it reaches flow @a df (slot @a ds): @a d filled, false
 * when that flow takes nothing now. A bridge member's RTP reaches a member that receives, in
 * its payload: the other G.711 law converted, telephone-event renumbered, dropped for a member
 * without it. An NG relay leg's RTP passes to the other leg as it came (the endpoints chose the
 * codecs between them). RTCP reaches every flow with an address.
 */
static inline __attribute__((always_inline)) bool
dst_fill(struct dpv_worker *w, struct media_lcore *ml, const struct rtp_flow *f,
         struct rtp_flow_slot *ds, const struct rtp_flow *df, bool rtcp, uint8_t pt,
         struct fwd_dst *d, uint64_t now)
{
	d->xlat = NULL;
	d->set_pt = false;
	if (!rtcp) {
		if (!df->send)
			return false; /* on hold, or recvonly from our side */
		if (f->action != DPV_CALL_BRIDGE) {
			/* a relay leg: payload and payload type as they came */
		} else if (pt == f->pt) {
			if (df->codec != f->codec) {
				d->xlat = f->codec == RTP_PT_PCMA ? &rtp_g711_xlat_a2u
				                                  : &rtp_g711_xlat_u2a;
			}
			d->set_pt = df->pt != pt;
			d->pt = df->pt;
		} else if (f->te_pt >= 0 && pt == (uint8_t)f->te_pt) {
			if (df->te_pt < 0)
				return false; /* it negotiated no telephone-event */
			d->set_pt = df->te_pt != pt;
			d->pt = (uint8_t)df->te_pt;
		}
	}
	d->addr.src_ip = df->local_ip;
	d->addr.dst_ip = df->peer_ip;
	d->addr.src_port = (uint16_t)(df->local_port + (rtcp && !df->rtcp_mux));
	d->addr.dst_port = rtp_flow_dst_port(df, ds, rtcp && !df->rtcp_mux);
	d->ps = ps_of(ml, ds, df);
	d->p = route_cached(w, ml, d->ps, df->peer_ip, &d->mac, now);
	return d->p != NULL;
}

/* The destinations of a bridge member's packet: every other member dst_fill takes. */
static unsigned
bridge_dsts(struct dpv_worker *w, struct media_lcore *ml, const struct rtp_flow *f, bool rtcp,
            uint8_t pt, struct fwd_dst *dst, uint64_t now)
{
	const struct bridge *b = bridge_get(ml->bridges, f->bridge_id, f->bridge_gen);
	const struct bridge_members *ms;
	unsigned n = 0;

	if (b == NULL)
		return UINT_MAX;
	ms = bridge_members(b);
	for (uint32_t i = 0; i < ms->n; i++) {
		const struct bridge_member *mb = &ms->m[i];
		struct rtp_flow_slot *ds;
		const struct rtp_flow *df;

		if (mb->port == f->local_port)
			continue;
		ds = rtp_flow_slot(ml->t, mb->port);
		df = ds ? rtp_flow_get(ds) : NULL;
		if (df == NULL || df->peer_ip == 0 || df->session_id != mb->session_id)
			continue;
		if (dst_fill(w, ml, f, ds, df, rtcp, pt, &dst[n], now))
			n++;
	}
	return n;
}

/* The destination of an NG relay leg's packet: the other leg of the same call, when it has an
 * address (before the answer it has none, and the packet has nowhere to go: not a drop). */
static unsigned
relay_dst(struct dpv_worker *w, struct media_lcore *ml, const struct rtp_flow *f, bool rtcp,
          struct fwd_dst *dst, uint64_t now)
{
	struct rtp_flow_slot *ds = f->relay_port ? rtp_flow_slot(ml->t, f->relay_port) : NULL;
	const struct rtp_flow *df = ds ? rtp_flow_get(ds) : NULL;

	if (df == NULL || df->action != DPV_CALL_RELAY || df->session_id != f->session_id)
		return UINT_MAX;
	if (df->peer_ip == 0)
		return 0;
	return dst_fill(w, ml, f, ds, df, rtcp, 0, dst, now) ? 1 : 0;
}

static void
forward(struct dpv_worker *w, struct media_lcore *ml, struct rte_mbuf *m,
        const struct dpv_pkt_info *info, const struct rtp_hdr_view *rv, struct port_state *ps,
        const struct rtp_flow *f, bool rtcp, uint8_t pt, uint64_t now)
{
	struct fwd_dst dst[BRIDGE_MAX_MEMBERS];
	struct rte_mbuf *copies[BRIDGE_MAX_MEMBERS];
	struct media_fwd_addr in = {info->src_ip, info->dst_ip, info->src_port, info->dst_port};
	unsigned n = f->action == DPV_CALL_RELAY ? relay_dst(w, ml, f, rtcp, dst, now)
	                                         : bridge_dsts(w, ml, f, rtcp, pt, dst, now);
	struct fwd_conv conv = {.ready = false};
	struct rte_mbuf *held = NULL; /* the converted copy the others of its law copy from */

	if (n == UINT_MAX) {
		drop(w, ml, ps, m, DPV_MD_not_joined, DPV_C_drop_rtp_not_joined);
		return;
	}
	/* the copies in one go from the pool (one cache access), the received mbuf for the last */
	if (n > 1 && rte_pktmbuf_alloc_bulk(ml->pool, copies, n - 1) != 0) {
		for (unsigned i = 0; i + 1 < n; i++)
			copies[i] = rte_pktmbuf_alloc(ml->pool); /* as many as there are */
	}
	for (unsigned i = 0; i < n; i++) {
		bool last = i + 1 == n, first_conv = dst[i].xlat != NULL && !conv.ready;
		struct rte_mbuf *o = last ? m : copies[i];

		if (o != NULL)
			o = fwd_one(o, m, info, rv, &in, &dst[i], &conv);
		if (o == NULL) {
			w->pc[dst[i].p->port_id][DPV_C_drop_rtp_no_mbuf]++;
			if (last)
				rte_pktmbuf_free(m);
			continue;
		}
		account_tx(w, ml, dst[i].ps, o->port, info->payload_len, rtcp);
		if (first_conv && !last) {
			held = o; /* a tx flush could free it before the others have copied it */
			continue;
		}
		dpv_tx(w, o->port, o);
	}
	if (held != NULL)
		dpv_tx(w, held->port, held);
	if (n == 0)
		rte_pktmbuf_free(m); /* nobody else in the bridge takes it now: not a drop */
}

/* Echo: the frame goes back to where it came from, from the port it reached. */
static void
echo(struct dpv_worker *w, struct media_lcore *ml, struct rte_mbuf *m,
     const struct dpv_pkt_info *info, struct port_state *ps, bool rtcp)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + info->l3_off);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + info->l4_off);
	struct rte_ether_addr mac;
	rte_be32_t a;
	rte_be16_t port;
	uint16_t old_w, new_w;

	/* Swapping addresses and ports leaves both checksums as they were; the TTL does not. */
	rte_ether_addr_copy(&eth->dst_addr, &mac);
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&mac, &eth->src_addr);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	memcpy(&old_w, &ip->time_to_live, 2);
	ip->time_to_live = TTL;
	memcpy(&new_w, &ip->time_to_live, 2);
	ip->hdr_checksum = dpv_cksum_update16(ip->hdr_checksum, old_w, new_w);
	port = udp->src_port;
	udp->src_port = udp->dst_port;
	udp->dst_port = port;
	account_tx(w, ml, ps, m->port, info->payload_len, rtcp);
	dpv_tx(w, m->port, m);
}

/* RTCP from a tone call's peer: remember its SR for our report's LSR/DLSR. */
static void
tone_peer_rtcp(struct media_lcore *ml, struct port_state *ps, const struct rtcp_view *v,
               uint64_t now)
{
	(void)ml;
	if (v->pt == RTCP_PT_SR) {
		ps->peer_lsr = v->ntp_mid;
		ps->peer_lsr_tsc = now;
	}
}

static void
rx_one(struct dpv_worker *w, struct media_lcore *ml, struct rte_mbuf *m, uint64_t now)
{
	const struct dpv_pkt_info *info = dpv_mbuf_info(m);
	struct rtp_flow_slot *s = rtp_flow_slot(ml->t, info->dst_port);
	const struct rtp_flow *f = s ? rtp_flow_get(s) : NULL;
	const uint8_t *pl = rte_pktmbuf_mtod_offset(m, const uint8_t *, info->payload_off);
	struct port_state *ps;
	struct rtp_hdr_view rv;
	struct rtcp_view cv;
	bool rtcp;
	int rc;

	if (f == NULL || ((info->dst_port & 1) && f->rtcp_mux)) {
		drop(w, ml, NULL, m, DPV_MD_no_flow, DPV_C_drop_rtp_no_flow);
		return;
	}
	ps = ps_of(ml, s, f);
	rtcp = (info->dst_port & 1) || (f->rtcp_mux && rtp_is_rtcp(pl, info->payload_len));
	if (info->src_ip != f->peer_ip || f->peer_ip == 0) {
		drop(w, ml, ps, m, DPV_MD_bad_source, DPV_C_drop_rtp_bad_source);
		return;
	}
	rc = rtcp ? rtcp_parse(pl, info->payload_len, &cv)
	          : rtp_hdr_parse(pl, info->payload_len, &rv);
	if (rc != 0) {
		if (rtcp)
			drop(w, ml, ps, m, DPV_MD_rtcp_malformed, DPV_C_drop_rtcp_malformed);
		else
			drop(w, ml, ps, m, DPV_MD_malformed, DPV_C_drop_rtp_malformed);
		return;
	}
	if (!rtp_latch_ok(f, s, rtcp && !f->rtcp_mux, info->src_ip, info->src_port)) {
		drop(w, ml, ps, m, DPV_MD_bad_source, DPV_C_drop_rtp_bad_source);
		return;
	}
	if (!rtcp && !f->recv) {
		drop(w, ml, ps, m, DPV_MD_not_receiving, DPV_C_drop_rtp_not_receiving);
		return;
	}
	if (ml->flood_period) {
		/* GCRA: a packet conforms while the theoretical arrival time is within the
		 * tolerance of now; each one moves it one period on. */
		uint64_t tat = ps->tat > now ? ps->tat : now;

		if (tat - now > ml->flood_tolerance) {
			drop(w, ml, ps, m, DPV_MD_flood, DPV_C_drop_rtp_flood);
			return;
		}
		ps->tat = tat + ml->flood_period;
	}
	if (now - __atomic_load_n(&s->last_rx_tsc, __ATOMIC_RELAXED) > ml->last_rx_step)
		__atomic_store_n(&s->last_rx_tsc, now, __ATOMIC_RELAXED);
	ps->st.rx_pkts++;
	ps->st.rx_bytes += info->payload_len;
	ml->tot.rx_pkts++;
	ml->tot.rx_bytes += info->payload_len;
	if (ps->st.latched_ip == 0) {
		ps->st.latched_ip = info->src_ip;
		ps->st.latched_port = info->src_port;
	}
	if (rtcp) {
		ps->st.rx_rtcp++;
		ps->st.rx_rtcp_bytes += info->payload_len;
		ml->tot.rx_rtcp++;
		ml->tot.rx_rtcp_bytes += info->payload_len;
		w->pc[m->port][DPV_C_rx_rtcp]++;
	} else {
		if (rv.ssrc != ps->ssrc || ps->st.rx_pkts == 1) {
			ps->ssrc = rv.ssrc;
			rtp_rx_init(&ps->rx);
		}
		/* arrival in timestamp units: 8 kHz for the G.711 streams this engine takes */
		rtp_rx_update(&ps->rx, rv.seq, rv.ts, (uint32_t)(now / (ml->hz / 8000)));
	}
	switch (f->action) {
	case DPV_CALL_ECHO:
		if (!rtcp && !f->send) {
			drop(w, ml, ps, m, DPV_MD_held, DPV_C_drop_rtp_held);
			return;
		}
		echo(w, ml, m, info, ps, rtcp);
		return;
	case DPV_CALL_BRIDGE:
		if (f->bridge_id == BRIDGE_NONE) {
			drop(w, ml, ps, m, DPV_MD_not_joined, DPV_C_drop_rtp_not_joined);
			return;
		}
		forward(w, ml, m, info, rtcp ? NULL : &rv, ps, f, rtcp, rtcp ? 0 : rv.pt, now);
		return;
	case DPV_CALL_RELAY: /* an NG call's leg: to the other leg, untouched */
		forward(w, ml, m, info, NULL, ps, f, rtcp, 0, now);
		return;
	case DPV_CALL_TONE:
		if (rtcp)
			tone_peer_rtcp(ml, ps, &cv, now);
		rte_pktmbuf_free(m); /* accounted: the tone's receiver reports say what came */
		return;
	case DPV_CALL_NONE: /* out of its bridge (bridge remove, destroy), or never in one */
		drop(w, ml, ps, m, DPV_MD_not_joined, DPV_C_drop_rtp_not_joined);
		return;
	default:
		drop(w, ml, ps, m, DPV_MD_no_flow, DPV_C_drop_rtp_no_flow);
		return;
	}
}

void
media_rtp_input(struct dpv_worker *w, struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	struct media_lcore *ml = w->media;

	if (ml == NULL) {
		for (uint16_t i = 0; i < n; i++)
			w->pc[pkts[i]->port][DPV_C_drop_rtp_no_flow]++;
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rtp_flow_slot(ml->t, dpv_mbuf_info(pkts[i + 1])->dst_port));
		rx_one(w, ml, pkts[i], now);
	}
}

/* ---- tone streams ---- */

static inline uint64_t
ntp_now(const struct media_lcore *ml, uint64_t now)
{
	uint64_t d = now - ml->tsc_base;

	return ml->ntp_base + (d / ml->hz << 32) + ((d % ml->hz) << 32) / ml->hz;
}

/* A frame of @a len payload bytes at @a data to @a f's peer, from a fresh mbuf. */
static int
tone_send(struct dpv_worker *w, struct media_lcore *ml, const struct rtp_flow *f,
          const struct rtp_flow_slot *s, struct port_state *ps, bool rtcp, const uint8_t *data,
          uint32_t len, uint64_t now)
{
	struct rte_ether_addr mac;
	const struct dpv_port *p = route(w, ml, f->peer_ip, &mac, now);
	struct rte_mbuf *m;
	uint8_t *dst;
	bool to_rtcp = rtcp && !f->rtcp_mux;

	if (p == NULL)
		return -1;
	m = rte_pktmbuf_alloc(ml->pool);
	if (m == NULL) {
		w->pc[p->port_id][DPV_C_drop_rtp_no_mbuf]++;
		return -1;
	}
	dst = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (dst != NULL)
		memcpy(dst, data, len);
	if (dst == NULL || dpv_net_udp_frame(&p->net, m, &mac, (uint16_t)(f->local_port + to_rtcp),
	                                     f->peer_ip, rtp_flow_dst_port(f, s, to_rtcp)) < 0) {
		w->pc[p->port_id][DPV_C_drop_rtp_no_mbuf]++;
		rte_pktmbuf_free(m);
		return -1;
	}
	account_tx(w, ml, ps, p->port_id, len, rtcp);
	dpv_tx(w, p->port_id, m);
	return 0;
}

static void
tone_report(struct dpv_worker *w, struct media_lcore *ml, const struct rtp_flow *f,
            const struct rtp_flow_slot *s, struct port_state *ps, struct tone *t, uint64_t now)
{
	uint8_t buf[RTCP_REPORT_MAX];
	struct rtcp_report r = {
	    .ssrc = t->ssrc,
	    .ntp = ntp_now(ml, now),
	    .pkt_count = t->pkts,
	    .octet_count = t->octets,
	    .cname = {ml->cname, strlen(ml->cname)},
	};
	int len;

	/* the timestamp of this instant: the next packet's, less the time until it is due */
	r.rtp_ts =
	    t->ts - (uint32_t)((t->next_tsc > now ? t->next_tsc - now : 0) / (ml->hz / 8000));
	if (rtp_rx_valid(&ps->rx)) {
		r.has_rb = true;
		rtp_rx_fill_rb(&ps->rx, &r.rb);
		r.rb.ssrc = ps->ssrc;
		if (ps->peer_lsr_tsc) {
			r.rb.lsr = ps->peer_lsr;
			r.rb.dlsr = (uint32_t)(((now - ps->peer_lsr_tsc) << 16) / ml->hz);
		}
	}
	len = rtcp_write_report(buf, sizeof(buf), &r);
	if (len > 0)
		(void)tone_send(w, ml, f, s, ps, true, buf, (uint32_t)len, now);
}

static void
tone_packet(struct dpv_worker *w, struct media_lcore *ml, const struct rtp_flow *f,
            const struct rtp_flow_slot *s, struct port_state *ps, struct tone *t, uint64_t now)
{
	uint8_t pkt[RTP_HDR_LEN + TONE_SAMPLES];

	pkt[0] = 0x80;
	pkt[1] = (uint8_t)((t->pkts == 0 ? 0x80 : 0) | (f->pt & 0x7f)); /* marker: first */
	pkt[2] = (uint8_t)(t->seq >> 8);
	pkt[3] = (uint8_t)t->seq;
	pkt[4] = (uint8_t)(t->ts >> 24);
	pkt[5] = (uint8_t)(t->ts >> 16);
	pkt[6] = (uint8_t)(t->ts >> 8);
	pkt[7] = (uint8_t)t->ts;
	pkt[8] = (uint8_t)(t->ssrc >> 24);
	pkt[9] = (uint8_t)(t->ssrc >> 16);
	pkt[10] = (uint8_t)(t->ssrc >> 8);
	pkt[11] = (uint8_t)t->ssrc;
	rtp_tone_fill(f->codec, t->ts, pkt + RTP_HDR_LEN, TONE_SAMPLES);
	if (tone_send(w, ml, f, s, ps, false, pkt, sizeof(pkt), now) == 0) {
		t->pkts++;
		t->octets += TONE_SAMPLES;
	}
	/* a packet that could not leave is a gap in the stream, as a lost one would be */
	t->seq++;
	t->ts += TONE_SAMPLES;
}

static inline void
fifo_push(struct media_lcore *ml, uint32_t i)
{
	ml->fifo[ml->fifo_tail++ & ml->fifo_mask] = i;
}

/* A new stream for @a f's session (RFC 3550 5.1: random SSRC, first sequence and timestamp). */
static void
tone_init(struct media_lcore *ml, struct tone *t, const struct rtp_flow *f, uint64_t now)
{
	t->session_id = f->session_id;
	t->ssrc = (uint32_t)rte_rand();
	t->seq = (uint16_t)rte_rand();
	t->ts = (uint32_t)rte_rand();
	t->pkts = t->octets = 0;
	t->next_tsc = now;
	t->next_rtcp_tsc = now + rtcp_interval_ms((uint32_t)rte_rand()) * (ml->hz / 1000);
	ml->tone_started++;
}

/* Start the tone of slot @a i when its flow is a tone for this lcore and none plays yet. */
static void
tone_start(struct media_lcore *ml, uint32_t i, uint64_t now)
{
	const struct rtp_flow *f = rtp_flow_get(&ml->t->slots[i]);
	struct port_state *ps;

	if (f == NULL || f->action != DPV_CALL_TONE || f->media_lcore != ml->index)
		return;
	ps = ps_of(ml, &ml->t->slots[i], f);
	if (ps->tone)
		return;
	ps->tone = true;
	tone_init(ml, &ml->tones[i], f, now);
	fifo_push(ml, i);
}

/* Send what is due, oldest first; a stream whose flow is gone stops here. */
static unsigned
tone_run(struct dpv_worker *w, struct media_lcore *ml, uint64_t now)
{
	unsigned work = 0;

	while (ml->fifo_head != ml->fifo_tail) {
		uint32_t i = ml->fifo[ml->fifo_head & ml->fifo_mask];
		struct tone *t = &ml->tones[i];
		struct rtp_flow_slot *s = &ml->t->slots[i];
		const struct rtp_flow *f;
		struct port_state *ps;

		if (t->next_tsc > now)
			break;
		ml->fifo_head++;
		f = rtp_flow_get(s);
		ps = &ml->ps[i];
		if (f == NULL || f->action != DPV_CALL_TONE || f->media_lcore != ml->index) {
			ps->tone = false;
			ml->tone_stopped++;
			continue;
		}
		if (f->session_id != t->session_id) {
			/* the port went to another tone call before this stream noticed */
			ml->tone_stopped++;
			tone_init(ml, t, f, now);
		}
		ps = ps_of(ml, s, f); /* a re-INVITE republished it: the stream goes on */
		ps->tone = true;
		if (f->send)
			tone_packet(w, ml, f, s, ps, t, now);
		else {
			t->seq++; /* on hold: time passes for the stream, nothing is sent */
			t->ts += TONE_SAMPLES;
		}
		if (now >= t->next_rtcp_tsc) {
			tone_report(w, ml, f, s, ps, t, now);
			t->next_rtcp_tsc =
			    now + rtcp_interval_ms((uint32_t)rte_rand()) * (ml->hz / 1000);
		}
		t->next_tsc += ml->tone_period;
		if (now > t->next_tsc + TONE_LATE_PERIODS * ml->tone_period) {
			t->next_tsc = now + ml->tone_period;
			ml->tone_late++;
		}
		fifo_push(ml, i);
		work++;
	}
	return work;
}

unsigned
media_tick(struct dpv_worker *w, uint64_t now)
{
	struct media_lcore *ml = w->media;
	struct rte_ring *r;
	void *ports[32];
	unsigned n, work = 0;

	if (ml == NULL)
		return 0;
	r = ml->t->tone_ring[ml->index];
	n = rte_ring_sc_dequeue_burst(r, ports, RTE_DIM(ports), NULL);
	for (unsigned i = 0; i < n; i++) {
		struct rtp_flow_slot *s = rtp_flow_slot(ml->t, (uint16_t)(uintptr_t)ports[i]);

		if (s != NULL)
			tone_start(ml, slot_index(ml->t, s), now);
	}
	work += n;
	if (now >= ml->next_scan) {
		/* the safety net: a tenth of the table every scan, all of it every second */
		uint32_t step = ml->t->nb_slots / 10 + 1;

		ml->next_scan = now + ml->hz / (1000000 / TONE_SCAN_US);
		for (uint32_t k = 0; k < step; k++) {
			uint32_t i = ml->scan++ % ml->t->nb_slots;

			if (!ml->ps[i].tone && rtp_flow_get(&ml->t->slots[i]) != NULL)
				tone_start(ml, i, now);
		}
	}
	return work + tone_run(w, ml, now);
}

/* ---- set-up and statistics ---- */

static void
media_lcore_free(struct media_lcore *ml)
{
	if (ml == NULL)
		return;
	rte_free(ml->ps);
	rte_free(ml->tones);
	rte_free(ml->fifo);
	rte_mempool_free(ml->pool);
	rte_free(ml);
}

static struct media_lcore *
media_lcore_create(struct dpv_engine *e, struct dpv_worker *w, FILE *err)
{
	const struct dpv_config *c = &e->cfg;
	struct media_lcore *ml = rte_zmalloc("dpv_media", sizeof(*ml), RTE_CACHE_LINE_SIZE);
	uint32_t nb = e->flows->nb_slots, fifo = rte_align32pow2(nb + 1);
	char name[RTE_MEMPOOL_NAMESIZE];
	struct timespec ts;

	if (ml == NULL)
		goto nomem;
	ml->index = (unsigned)w->media_index;
	ml->t = e->flows;
	ml->bridges = e->bridges;
	ml->hz = rte_get_tsc_hz();
	ml->tone_period = ml->hz / (1000000 / TONE_PERIOD_US);
	ml->last_rx_step = ml->hz / LAST_RX_RESOLUTION;
	if (c->rtp.flood_pps) {
		ml->flood_period = ml->hz / c->rtp.flood_pps;
		ml->flood_tolerance = ml->flood_period * c->rtp.flood_burst;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ml->tsc_base = rte_rdtsc();
	ml->ntp_base = ((uint64_t)ts.tv_sec + 2208988800u) << 32 |
	               (uint64_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000u);
	snprintf(ml->cname, sizeof(ml->cname), "dpvoip-%u@%u", ml->index, (unsigned)getpid());
	ml->ps = rte_zmalloc("dpv_media_ps", sizeof(*ml->ps) * nb, RTE_CACHE_LINE_SIZE);
	ml->tones = rte_zmalloc("dpv_media_tones", sizeof(*ml->tones) * nb, RTE_CACHE_LINE_SIZE);
	ml->fifo = rte_zmalloc("dpv_media_fifo", sizeof(*ml->fifo) * fifo, RTE_CACHE_LINE_SIZE);
	ml->fifo_mask = fifo - 1;
	snprintf(name, sizeof(name), "dpv_media%u", ml->index);
	ml->pool = rte_pktmbuf_pool_create(name, c->rtp.media_mbufs, MEDIA_POOL_CACHE,
	                                   DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE,
	                                   (int)rte_lcore_to_socket_id(w->lcore_id));
	if (ml->ps == NULL || ml->tones == NULL || ml->fifo == NULL || ml->pool == NULL)
		goto nomem;
	for (uint32_t i = 0; i < nb; i++)
		rtp_rx_init(&ml->ps[i].rx);
	return ml;
nomem:
	fprintf(err,
	        "%s: [rtp] media-mbufs: cannot allocate media lcore %d's state (%u ports, %u "
	        "mbufs): %s\n",
	        c->path, w->media_index, nb, c->rtp.media_mbufs, rte_strerror(rte_errno));
	media_lcore_free(ml);
	return NULL;
}

int
dpv_media_init(struct dpv_engine *e, FILE *err)
{
	if (e->flows == NULL)
		return 0;
	for (unsigned i = 0; i < e->nb_media; i++) {
		struct dpv_worker *w = e->media_workers[i];

		w->media = media_lcore_create(e, w, err);
		if (w->media == NULL) {
			dpv_media_fini(e);
			return -ENOMEM;
		}
	}
	return 0;
}

void
dpv_media_fini(struct dpv_engine *e)
{
	for (unsigned i = 0; i < e->nb_media; i++) {
		struct dpv_worker *w = e->media_workers[i];

		media_lcore_free(w->media);
		w->media = NULL;
	}
}

static void
stats_add(struct dpv_media_port_stats *to, const struct dpv_media_port_stats *from)
{
	to->rx_pkts += from->rx_pkts;
	to->rx_bytes += from->rx_bytes;
	to->rx_rtcp += from->rx_rtcp;
	to->rx_rtcp_bytes += from->rx_rtcp_bytes;
	to->tx_pkts += from->tx_pkts;
	to->tx_bytes += from->tx_bytes;
	to->tx_rtcp += from->tx_rtcp;
	for (unsigned d = 0; d < DPV_MD_MAX; d++)
		to->drops[d] += from->drops[d];
}

int
dpv_media_port_stats(const struct dpv_engine *e, uint16_t port, struct dpv_media_port_stats *out)
{
	struct rtp_flow_slot *s = e->flows ? rtp_flow_slot(e->flows, port) : NULL;
	const struct rtp_flow *f = s ? rtp_flow_get(s) : NULL;
	uint32_t best = 0;

	memset(out, 0, sizeof(*out));
	if (f == NULL)
		return -ENOENT;
	for (unsigned i = 0; i < e->nb_media; i++) {
		const struct media_lcore *ml = e->media_workers[i]->media;
		const struct port_state *ps;

		if (ml == NULL)
			continue;
		ps = &ml->ps[slot_index(e->flows, s)];
		if (ps->gen != f->gen)
			continue;
		stats_add(out, &ps->st);
		if (out->latched_ip == 0 && ps->st.latched_ip) {
			out->latched_ip = ps->st.latched_ip;
			out->latched_port = ps->st.latched_port;
		}
		if (ps->rx.received >= best && rtp_rx_valid(&ps->rx)) {
			best = ps->rx.received;
			out->ssrc = ps->ssrc;
			out->rx_expected = rtp_rx_expected(&ps->rx);
			out->rx_lost = rtp_rx_cum_lost(&ps->rx);
			out->jitter = rtp_rx_jitter(&ps->rx);
		}
	}
	return 0;
}

void
dpv_media_lcore_totals(const struct dpv_engine *e, unsigned media_index,
                       struct dpv_media_port_stats *out)
{
	const struct media_lcore *ml =
	    media_index < e->nb_media ? e->media_workers[media_index]->media : NULL;

	memset(out, 0, sizeof(*out));
	if (ml != NULL)
		*out = ml->tot;
}
