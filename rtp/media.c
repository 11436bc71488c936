/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media negotiation for the signaling layer (struct dpv_media_ops, lib/dpv.h): SDP offer and
 * answer with the rtp layer's own parser and writer, and the session's RTP port from this
 * lcore's pool. One struct rtp_media per signaling lcore; nothing here is thread-safe.
 */
#include <stdlib.h>
#include <string.h>

#include "rtp.h"

struct rtp_media {
	struct rtp_portpool *ports;
	uint64_t sess_version; /* o= version of the SDP we write, one more each time */
	struct rtp_media_stats stats;
	struct rtp_sdp sdp; /* parse scratch, ~8 KB: one per lcore, never on the stack */
};

struct rtp_media *
rtp_media_create(uint16_t port_min, uint16_t port_max)
{
	struct rtp_media *rm = calloc(1, sizeof(*rm));

	if (rm == NULL)
		return NULL;
	rm->ports = rtp_portpool_create(port_min, port_max);
	if (rm->ports == NULL) {
		free(rm);
		return NULL;
	}
	return rm;
}

void
rtp_media_destroy(struct rtp_media *rm)
{
	if (rm == NULL)
		return;
	rtp_portpool_destroy(rm->ports);
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
	int port;

	if (m->local_port != 0)
		return 0;
	port = rtp_portpool_alloc(rm->ports);
	if (port < 0) {
		rm->stats.ports_exhausted++;
		return -1;
	}
	m->local_port = (uint16_t)port;
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

/* Media flows come with the media plane; until then the session's port and peer are only
 * recorded by the signaling layer (dpvoipctl sessions shows them). */
static void
media_update(void *arg, const struct dpv_media *m)
{
}

static void
media_stop(void *arg, const struct dpv_media *m)
{
	struct rtp_media *rm = arg;

	if (m->local_port)
		rtp_portpool_free(rm->ports, m->local_port);
}

const struct dpv_media_ops rtp_media_ops = {
    .answer = media_answer,
    .offer = media_offer,
    .answered = media_answered,
    .update = media_update,
    .stop = media_stop,
};
