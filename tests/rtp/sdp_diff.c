/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Comparing two parses (and two negotiations) of one SDP body field by field, for test_sdp's
 * and fuzz_sdp's differential checks of the SSE2 parser against its scalar twin.
 */
#include <stdint.h>
#include <string.h>

#include "sdp_diff.h"

/* Views are the same when they point at the same bytes; outside the body (the malformed
 * rtpmap name, a static of each parser) when they hold the same text. */
static bool
view_same(struct dpv_str a, struct dpv_str b, const char *body, size_t len)
{
	uintptr_t lo = (uintptr_t)body, hi = lo + len, pa = (uintptr_t)a.p, pb = (uintptr_t)b.p;

	if (a.len != b.len)
		return false;
	if (pa == pb)
		return true;
	if ((pa >= lo && pa <= hi) || (pb >= lo && pb <= hi) || a.p == NULL || b.p == NULL)
		return false;
	return memcmp(a.p, b.p, a.len) == 0;
}

#define DIFF_FIELD(f)                                                                              \
	do {                                                                                       \
		if (a->f != b->f)                                                                  \
			return #f;                                                                 \
	} while (0)
#define DIFF_VIEW(f)                                                                               \
	do {                                                                                       \
		if (!view_same(a->f, b->f, body, len))                                             \
			return #f;                                                                 \
	} while (0)

static const char *
conn_diff(const struct rtp_sdp_conn *a, const struct rtp_sdp_conn *b, const char *body, size_t len)
{
	DIFF_FIELD(af);
	DIFF_VIEW(addr);
	DIFF_FIELD(ip4);
	DIFF_FIELD(host_name);
	return NULL;
}

static const char *
media_diff(const struct rtp_sdp_media *a, const struct rtp_sdp_media *b, const char *body,
           size_t len)
{
	const char *d;

	DIFF_VIEW(type);
	DIFF_VIEW(proto);
	DIFF_VIEW(fmts);
	DIFF_FIELD(port);
	DIFF_FIELD(rtp_avp);
	DIFF_FIELD(nb_pts);
	for (unsigned i = 0; i < a->nb_pts && i < RTP_SDP_MAX_FMTS; i++)
		DIFF_FIELD(pts[i]);
	DIFF_FIELD(nb_rtpmap);
	for (unsigned i = 0; i < a->nb_rtpmap && i < RTP_SDP_MAX_RTPMAP; i++) {
		DIFF_FIELD(rtpmap[i].pt);
		DIFF_FIELD(rtpmap[i].clock);
		DIFF_FIELD(rtpmap[i].channels);
		DIFF_VIEW(rtpmap[i].name);
		DIFF_VIEW(rtpmap[i].fmtp);
	}
	if ((d = conn_diff(&a->conn, &b->conn, body, len)) != NULL)
		return d;
	DIFF_FIELD(dir);
	DIFF_FIELD(ptime);
	DIFF_FIELD(rtcp_port);
	DIFF_FIELD(rtcp_mux);
	if ((d = conn_diff(&a->rtcp_conn, &b->rtcp_conn, body, len)) != NULL)
		return d;
	DIFF_FIELD(line);
	return NULL;
}

const char *
sdp_diff(const struct rtp_sdp *a, const struct rtp_sdp *b, const char *body, size_t len)
{
	const char *d;

	DIFF_VIEW(o_user);
	DIFF_VIEW(o_sess_id);
	DIFF_VIEW(o_sess_version);
	DIFF_VIEW(o_addr);
	DIFF_VIEW(session_name);
	DIFF_VIEW(timing);
	if ((d = conn_diff(&a->conn, &b->conn, body, len)) != NULL)
		return d;
	DIFF_FIELD(dir);
	DIFF_FIELD(nb_media);
	for (unsigned i = 0; i < a->nb_media && i < RTP_SDP_MAX_MEDIA; i++)
		if ((d = media_diff(&a->media[i], &b->media[i], body, len)) != NULL)
			return d;
	DIFF_FIELD(err_line);
	return NULL;
}

const char *
sdp_neg_diff(const struct rtp_sdp_neg *a, const struct rtp_sdp_neg *b, const char *body, size_t len)
{
	DIFF_FIELD(media);
	DIFF_FIELD(pt);
	DIFF_FIELD(codec);
	DIFF_FIELD(te_pt);
	DIFF_VIEW(te_fmtp);
	DIFF_FIELD(remote_ip);
	DIFF_FIELD(remote_port);
	DIFF_FIELD(remote_rtcp_port);
	DIFF_FIELD(rtcp_mux);
	DIFF_FIELD(ptime);
	DIFF_FIELD(offer_dir);
	DIFF_FIELD(answer_dir);
	DIFF_FIELD(hold);
	return NULL;
}
