/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media negotiation for the signaling layer (struct dpv_media_ops, lib/dpv.h): SDP offer and
 * answer with the rtp layer's own parser and writer, the session's RTP port from this lcore's
 * pool, and (with a flow table) the port's flow for the media lcores. One struct rtp_media per
 * signaling lcore; nothing here is thread-safe.
 *
 * A port's life: taken on the session's first offer or answer; its flow published when the
 * media starts or changes (update) and removed when it stops; the port itself goes back to the
 * pool only after a grace period, so no media lcore still holding the old flow can see the
 * port handed to a new call. Bridge membership is the owner's (the bridge layer sits above
 * this one): update and stop tell it through bridge_change, and it tells the flow which bridge
 * slot the session got with rtp_media_bridge_joined.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "rtp.h"

/* What this lcore keeps per port of its slice. */
struct media_port {
	uint64_t session_id;
	uint32_t bridge_id, bridge_gen;       /* slot of the bridge it joined, or UINT32_MAX */
	char bridge[DPV_BRIDGE_NAME_MAX + 1]; /* the bridge it asked to join ("": none) */
	bool published;                       /* a flow is out for it */
	bool expects_rtp;                     /* the peer sends: media timeout applies */
	uint64_t since_tsc;                   /* when its flow was first published */
	struct rtp_flow flow;                 /* what was published last */
	struct dpv_defer_node limbo;          /* stopped: the port waits for a grace period */
};

struct rtp_media {
	struct rtp_media_cfg cfg;
	struct rtp_portpool *ports;
	struct rtp_flow_writer *flows;
	uint16_t first; /* even port of slot 0 of this slice */
	uint32_t nb_ports;
	struct media_port *port;
	struct dpv_defer limbo; /* stopped ports, back to the pool after a grace period */
	uint64_t sess_version;  /* o= version of the SDP we write, one more each time */
	uint32_t scan;          /* next slot the timeout scan looks at */
	struct rtp_media_stats stats;
	struct rtp_sdp sdp; /* parse scratch, ~8 KB: one per lcore, never on the stack */
};

struct rtp_media *
rtp_media_create(const struct rtp_media_cfg *cfg)
{
	struct rtp_media *rm = calloc(1, sizeof(*rm));

	if (rm == NULL)
		return NULL;
	rm->cfg = *cfg;
	rm->ports = rtp_portpool_create(cfg->port_min, cfg->port_max);
	if (rm->ports == NULL)
		goto fail;
	rm->first = (uint16_t)(cfg->port_min + (cfg->port_min & 1u));
	rm->nb_ports = rtp_portpool_avail(rm->ports);
	rm->port = calloc(rm->nb_ports, sizeof(*rm->port));
	if (rm->port == NULL)
		goto fail;
	dpv_defer_init(&rm->limbo);
	if (cfg->flows != NULL) {
		rm->flows = rtp_flow_writer_create(cfg->flows, rm->nb_ports);
		if (rm->flows == NULL)
			goto fail;
	}
	return rm;
fail:
	rtp_media_destroy(rm);
	return NULL;
}

void
rtp_media_destroy(struct rtp_media *rm)
{
	if (rm == NULL)
		return;
	rtp_flow_writer_destroy(rm->flows);
	dpv_gp_barrier(); /* the limbo's grace-period callback writes into rm */
	rtp_portpool_destroy(rm->ports);
	free(rm->port);
	free(rm);
}

const struct rtp_media_stats *
rtp_media_stats(const struct rtp_media *rm)
{
	return &rm->stats;
}

const struct rtp_portpool *
rtp_media_ports(const struct rtp_media *rm)
{
	return rm->ports;
}

static struct media_port *
port_of(struct rtp_media *rm, uint16_t port)
{
	uint32_t i = (uint32_t)(port - rm->first) >> 1;

	return port >= rm->first && i < rm->nb_ports ? &rm->port[i] : NULL;
}

/* Parse an SDP body and choose the stream and codec we use from it (an offer, or the peer's
 * answer to ours: either way it names where to send and what). */
static int
negotiate(struct rtp_media *rm, const char *body, uint32_t len, struct rtp_sdp_neg *neg)
{
	if (body == NULL || len == 0 || rtp_sdp_parse(body, len, &rm->sdp) != RTP_SDP_OK ||
	    rtp_sdp_negotiate(&rm->sdp, neg) != RTP_SDP_OK) {
		rm->stats.sdp_rejected++;
		return -1;
	}
	return 0;
}

void
rtp_media_from_neg(struct dpv_media *m, const struct rtp_sdp_neg *neg)
{
	m->remote_ip = neg->remote_ip;
	m->remote_port = neg->remote_port;
	m->remote_rtcp_port = neg->remote_rtcp_port;
	m->rtcp_mux = neg->rtcp_mux;
	m->pt = neg->pt;
	m->codec = neg->codec;
	m->te_pt = neg->te_pt;
	m->send = neg->answer_dir == RTP_DIR_SENDRECV || neg->answer_dir == RTP_DIR_SENDONLY;
	m->recv = neg->answer_dir == RTP_DIR_SENDRECV || neg->answer_dir == RTP_DIR_RECVONLY;
}

/* The session's RTP port: taken from the pool on its first offer or answer. */
static int
take_port(struct rtp_media *rm, struct dpv_media *m)
{
	struct media_port *mp;
	int port;

	if (m->local_port != 0)
		return 0;
	port = rtp_portpool_alloc(rm->ports);
	if (port < 0) {
		rm->stats.ports_exhausted++;
		return -1;
	}
	m->local_port = (uint16_t)port;
	mp = port_of(rm, m->local_port);
	memset(mp, 0, sizeof(*mp));
	mp->session_id = m->session_id;
	mp->bridge_id = UINT32_MAX;
	return 0;
}

static int
media_answer(void *arg, const char *offer, uint32_t len, char *buf, uint32_t cap,
             struct dpv_media *m)
{
	struct rtp_media *rm = arg;
	struct rtp_sdp_neg neg;
	int n;

	if (negotiate(rm, offer, len, &neg) < 0)
		return -488;
	if (take_port(rm, m) < 0)
		return -503;
	n = rtp_sdp_write_answer(buf, cap, &rm->sdp, &neg, m->local_ip, m->local_port,
	                         m->session_id, ++rm->sess_version);
	if (n < 0)
		return -500;
	rtp_media_from_neg(m, &neg);
	return n;
}

static int
media_offer(void *arg, char *buf, uint32_t cap, struct dpv_media *m)
{
	struct rtp_media *rm = arg;
	int n;

	if (take_port(rm, m) < 0)
		return -503;
	n = rtp_sdp_write_offer(buf, cap, m->local_ip, m->local_port, m->session_id,
	                        ++rm->sess_version);
	return n < 0 ? -500 : n;
}

static int
media_answered(void *arg, const char *answer, uint32_t len, struct dpv_media *m)
{
	struct rtp_media *rm = arg;
	struct rtp_sdp_neg neg;

	/* The answer is read like an offer: its stream, codec and address are what we send to. */
	if (negotiate(rm, answer, len, &neg) < 0)
		return -488;
	rtp_media_from_neg(m, &neg);
	return 0;
}

/* Publish the flow @a mp describes; counted when no flow object is free. */
static void
publish(struct rtp_media *rm, struct media_port *mp)
{
	if (rtp_flow_publish(rm->flows, &mp->flow) == 0) {
		if (!mp->published)
			mp->since_tsc = rte_rdtsc();
		mp->published = true;
	} else {
		rm->stats.flows_exhausted++;
	}
}

/* Leave the bridge @a mp asked for, if any. */
static void
leave_bridge(struct rtp_media *rm, struct media_port *mp, const struct dpv_media *m)
{
	if (mp->bridge[0] != '\0' && rm->cfg.bridge_change != NULL)
		rm->cfg.bridge_change(rm->cfg.bridge_arg, m, mp->bridge, NULL);
	mp->bridge[0] = '\0';
	mp->bridge_id = UINT32_MAX;
}

static void
media_update(void *arg, const struct dpv_media *m)
{
	struct rtp_media *rm = arg;
	struct media_port *mp = port_of(rm, m->local_port);
	const char *want = m->action == DPV_CALL_BRIDGE ? m->bridge : "";
	struct rtp_flow *f;

	if (rm->flows == NULL || mp == NULL)
		return;
	if (strcmp(mp->bridge, want) != 0) {
		char old[sizeof(mp->bridge)];

		memcpy(old, mp->bridge, sizeof(old));
		mp->bridge_id = UINT32_MAX;
		memcpy(mp->bridge, want, strlen(want) + 1);
		if (rm->cfg.bridge_change != NULL)
			rm->cfg.bridge_change(rm->cfg.bridge_arg, m, old[0] ? old : NULL,
			                      want[0] ? want : NULL);
	}
	f = &mp->flow;
	memset(f, 0, sizeof(*f));
	f->session_id = m->session_id;
	f->action = m->action;
	f->bridge_id = mp->bridge_id;
	f->bridge_gen = mp->bridge_gen;
	f->local_ip = m->local_ip;
	f->local_port = m->local_port;
	f->peer_ip = m->remote_ip;
	f->peer_port = m->remote_port;
	f->peer_rtcp_port = m->remote_rtcp_port;
	f->rtcp_mux = m->rtcp_mux;
	f->send = m->send && m->remote_ip != 0;
	f->recv = m->recv;
	f->latch = rm->cfg.latch;
	f->pt = m->pt;
	f->codec = m->codec;
	f->te_pt = m->te_pt;
	f->media_lcore =
	    (uint16_t)(rm->cfg.nb_media
	                   ? ((uint32_t)(m->local_port - rm->first) >> 1) % rm->cfg.nb_media
	                   : 0);
	mp->expects_rtp = f->recv && f->peer_ip != 0;
	publish(rm, mp);
}

static void
port_release(struct dpv_defer_node *n, void *arg)
{
	struct rtp_media *rm = arg;
	struct media_port *mp = caa_container_of(n, struct media_port, limbo);

	rtp_portpool_free(rm->ports, (uint16_t)(rm->first + 2 * (uint32_t)(mp - rm->port)));
}

static void
media_stop(void *arg, const struct dpv_media *m)
{
	struct rtp_media *rm = arg;
	struct media_port *mp = m->local_port ? port_of(rm, m->local_port) : NULL;

	if (mp == NULL)
		return;
	leave_bridge(rm, mp, m);
	if (mp->published)
		rtp_flow_remove(rm->flows, m->local_port);
	mp->published = false;
	mp->expects_rtp = false;
	mp->session_id = 0;
	if (rm->flows == NULL) {
		rtp_portpool_free(rm->ports, m->local_port); /* no reader ever saw it */
		return;
	}
	dpv_defer_add(&rm->limbo, &mp->limbo);
}

int
rtp_media_bridge_joined(struct rtp_media *rm, uint16_t port, uint64_t session_id,
                        const char *bridge, uint32_t bridge_id, uint32_t bridge_gen)
{
	struct media_port *mp = port_of(rm, port);

	/* the session may have left, or asked for another bridge, since it asked for this one */
	if (mp == NULL || mp->session_id != session_id || strcmp(mp->bridge, bridge) != 0)
		return -ENOENT;
	mp->bridge_id = bridge_id;
	mp->bridge_gen = bridge_gen;
	if (mp->published && mp->flow.action == DPV_CALL_BRIDGE) {
		mp->flow.bridge_id = bridge_id;
		mp->flow.bridge_gen = bridge_gen;
		publish(rm, mp);
	}
	return 0;
}

unsigned
rtp_media_reclaim(struct rtp_media *rm)
{
	unsigned n = dpv_defer_reclaim(&rm->limbo, port_release, rm);

	if (rm->flows != NULL)
		n += rtp_flow_writer_reclaim(rm->flows);
	return n;
}

unsigned
rtp_media_timeouts(struct rtp_media *rm, uint64_t now_tsc, uint64_t timeout_tsc, uint32_t max_scan,
                   void (*cb)(void *arg, uint64_t session_id), void *arg)
{
	const struct rtp_flow_table *t = rm->cfg.flows;
	unsigned n = 0;

	if (t == NULL || timeout_tsc == 0 || rm->nb_ports == 0)
		return 0;
	for (uint32_t k = 0; k < max_scan && k < rm->nb_ports; k++) {
		uint32_t i = rm->scan++ % rm->nb_ports;
		struct media_port *mp = &rm->port[i];
		const struct rtp_flow_slot *s;
		uint64_t last;

		if (!mp->published || !mp->expects_rtp)
			continue;
		s = rtp_flow_slot(t, (uint16_t)(rm->first + 2 * i));
		last = __atomic_load_n(&s->last_rx_tsc, __ATOMIC_RELAXED);
		if (last < mp->since_tsc)
			last = mp->since_tsc;
		if (now_tsc > last && now_tsc - last > timeout_tsc) {
			mp->expects_rtp = false; /* once: the owner ends the call */
			rm->stats.media_timeouts++;
			cb(arg, mp->session_id);
			n++;
		}
	}
	return n;
}

const struct dpv_media_ops rtp_media_ops = {
    .answer = media_answer,
    .offer = media_offer,
    .answered = media_answered,
    .update = media_update,
    .stop = media_stop,
};
