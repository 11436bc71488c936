/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The oracle of test_sdp's differential tests: rtp_sdp_parse and rtp_sdp_negotiate as they were
 * at 88f59f9, before the parser's line scan went to SSE2 and its helpers were inlined (a memchr
 * per line, then a byte loop for controls; the name cascade of dpv_str_caseeq calls). Kept as
 * it was, only renamed: whatever the library's parser does, it must give these results.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdp_ref.h"

/* ---- parsing helpers on views ---- */

/* Split the next space-separated token off @a rest. False when none is left. */
static bool
next_token(struct dpv_str *rest, struct dpv_str *tok)
{
	uint32_t i = 0, start;

	if (rest->len == 0) { /* an attribute without a value has no pointer to step from */
		*tok = *rest;
		return false;
	}
	while (i < rest->len && (rest->p[i] == ' ' || rest->p[i] == '\t'))
		i++;
	start = i;
	while (i < rest->len && rest->p[i] != ' ' && rest->p[i] != '\t')
		i++;
	tok->p = rest->p + start;
	tok->len = i - start;
	rest->p += i;
	rest->len -= i;
	return tok->len > 0;
}

static struct dpv_str
trim(struct dpv_str s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/* Split @a s at the first @a c: head before it, tail after it. False when absent. */
static bool
split_at(struct dpv_str s, char c, struct dpv_str *head, struct dpv_str *tail)
{
	const char *q = s.len ? memchr(s.p, c, s.len) : NULL;

	if (q == NULL) {
		*head = s;
		*tail = DPV_STR_NULL;
		return false;
	}
	head->p = s.p;
	head->len = (uint32_t)(q - s.p);
	tail->p = q + 1;
	tail->len = s.len - head->len - 1;
	return true;
}

/* RFC 1035 letters, digits, hyphens and dots, with a letter somewhere (else a bad IPv4). */
static bool
is_host_name(struct dpv_str s)
{
	bool letter = false;

	for (uint32_t i = 0; i < s.len; i++) {
		char ch = s.p[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
			letter = true;
		else if (!((ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
			return false;
	}
	return letter;
}

/* "IN IP4 addr[/ttl]" or "IN IP6 addr". */
static int
parse_conn(struct dpv_str v, struct rtp_sdp_conn *c)
{
	struct dpv_str net, type, addr, extra, ttl;

	if (!next_token(&v, &net) || !next_token(&v, &type) || !next_token(&v, &addr) ||
	    next_token(&v, &extra) || !DPV_STR_CASEEQ_LIT(net, "IN"))
		return -1;
	split_at(addr, '/', &addr, &ttl);
	if (addr.len == 0)
		return -1;
	c->addr = addr;
	c->host_name = false;
	if (DPV_STR_CASEEQ_LIT(type, "IP4")) {
		c->af = RTP_SDP_AF_IP4;
		if (dpv_ipv4_parse(addr, &c->ip4))
			return 0;
		/* Host names are legal SDP; negotiation refuses them (no resolver here). */
		c->ip4 = 0;
		c->host_name = true;
		return is_host_name(addr) ? 0 : -1;
	} else if (DPV_STR_CASEEQ_LIT(type, "IP6")) {
		c->ip4 = 0;
		c->af = RTP_SDP_AF_IP6;
	} else {
		return -1;
	}
	return 0;
}

static enum rtp_sdp_err
parse_origin(struct dpv_str v, struct rtp_sdp *sdp)
{
	struct dpv_str net, type, extra;

	if (!next_token(&v, &sdp->o_user) || !next_token(&v, &sdp->o_sess_id) ||
	    !next_token(&v, &sdp->o_sess_version) || !next_token(&v, &net) ||
	    !next_token(&v, &type) || !next_token(&v, &sdp->o_addr) || next_token(&v, &extra))
		return RTP_SDP_E_BAD_ORIGIN;
	return RTP_SDP_OK;
}

static enum rtp_sdp_err
parse_media(struct dpv_str v, struct rtp_sdp_media *m)
{
	struct dpv_str port, nports, fmt, rest;
	uint32_t n;

	if (!next_token(&v, &m->type) || !next_token(&v, &port) || !next_token(&v, &m->proto))
		return RTP_SDP_E_BAD_MEDIA;
	m->fmts = trim(v);
	if (m->fmts.len == 0)
		return RTP_SDP_E_BAD_MEDIA;
	if (split_at(port, '/', &port, &nports) && dpv_str_to_u32(nports, 65535, &n) < 0)
		return RTP_SDP_E_BAD_PORT;
	if (dpv_str_to_u32(port, 65535, &n) < 0)
		return RTP_SDP_E_BAD_PORT;
	m->port = (uint16_t)n;
	m->rtp_avp = DPV_STR_CASEEQ_LIT(m->proto, "RTP/AVP");
	if (!m->rtp_avp)
		return RTP_SDP_OK;
	rest = m->fmts;
	while (next_token(&rest, &fmt)) {
		if (dpv_str_to_u32(fmt, 127, &n) < 0)
			return RTP_SDP_E_BAD_MEDIA;
		if (m->nb_pts < RTP_SDP_MAX_FMTS)
			m->pts[m->nb_pts++] = (uint8_t)n;
	}
	return RTP_SDP_OK;
}

static const struct rtp_sdp_rtpmap *
rtpmap_find(const struct rtp_sdp_media *m, uint8_t pt)
{
	for (unsigned i = 0; i < m->nb_rtpmap; i++)
		if (m->rtpmap[i].pt == pt)
			return &m->rtpmap[i];
	return NULL;
}

/* The rtpmap entry of @a pt, created (empty) when absent and there is room. */
static struct rtp_sdp_rtpmap *
rtpmap_get(struct rtp_sdp_media *m, uint8_t pt)
{
	for (unsigned i = 0; i < m->nb_rtpmap; i++)
		if (m->rtpmap[i].pt == pt)
			return &m->rtpmap[i];
	if (m->nb_rtpmap == RTP_SDP_MAX_RTPMAP)
		return NULL;
	m->rtpmap[m->nb_rtpmap] = (struct rtp_sdp_rtpmap){.pt = pt};
	return &m->rtpmap[m->nb_rtpmap++];
}

/*
 * Name of an rtpmap entry whose line was malformed: the entry is kept (clock 0) so that
 * negotiation can refuse the payload type if it would choose it, while a bad line on a payload
 * type nobody takes (RFC 4475 esc01: "a=rtpmap:31 LPC" on a video stream) does not fail the
 * whole offer.
 */
static const char rtpmap_bad[] = "(malformed rtpmap)";

/* "<pt> <name>/<clock>[/<channels>]"; @a audio: a bad payload type number is an error (it
 * cannot be tied to a format and the stream may be the one we take). */
/* A media line about to be parsed: every field zero but the rtpmap entries, which rtpmap_get
 * writes whole as it hands them out. */
static void
media_clear(struct rtp_sdp_media *m)
{
	memset(m, 0, offsetof(struct rtp_sdp_media, rtpmap));
	memset((char *)m + offsetof(struct rtp_sdp_media, conn), 0,
	       sizeof(*m) - offsetof(struct rtp_sdp_media, conn));
}

static enum rtp_sdp_err
parse_rtpmap(struct dpv_str v, struct rtp_sdp_media *m, bool audio)
{
	struct dpv_str pt, enc, extra, name, clock, ch;
	struct rtp_sdp_rtpmap *r;
	uint32_t npt, nclock, nch = 0;

	if (!next_token(&v, &pt) || dpv_str_to_u32(pt, 127, &npt) < 0)
		return audio ? RTP_SDP_E_BAD_ATTR : RTP_SDP_OK;
	r = rtpmap_get(m, (uint8_t)npt);
	if (r == NULL)
		return RTP_SDP_OK; /* past RTP_SDP_MAX_RTPMAP: ignored */
	if (!next_token(&v, &enc) || next_token(&v, &extra) || !split_at(enc, '/', &name, &clock) ||
	    name.len == 0 ||
	    (split_at(clock, '/', &clock, &ch) &&
	     (dpv_str_to_u32(ch, 255, &nch) < 0 || nch == 0)) ||
	    dpv_str_to_u32(clock, UINT32_MAX, &nclock) < 0 || nclock == 0) {
		r->name = (struct dpv_str){rtpmap_bad, sizeof(rtpmap_bad) - 1};
		r->clock = 0;
		r->channels = 0;
		return RTP_SDP_OK;
	}
	r->name = name;
	r->clock = nclock;
	r->channels = (uint8_t)nch;
	return RTP_SDP_OK;
}

/* "<pt> <params>" */
static enum rtp_sdp_err
parse_fmtp(struct dpv_str v, struct rtp_sdp_media *m)
{
	struct dpv_str pt;
	struct rtp_sdp_rtpmap *r;
	uint32_t npt;

	if (!next_token(&v, &pt) || dpv_str_to_u32(pt, 127, &npt) < 0)
		return RTP_SDP_E_BAD_ATTR;
	r = rtpmap_get(m, (uint8_t)npt);
	if (r != NULL)
		r->fmtp = trim(v);
	return RTP_SDP_OK;
}

/* "<port> [IN IP4 <addr>]" */
static enum rtp_sdp_err
parse_rtcp(struct dpv_str v, struct rtp_sdp_media *m)
{
	struct dpv_str port;
	uint32_t n;

	if (!next_token(&v, &port) || dpv_str_to_u32(port, 65535, &n) < 0 || n == 0)
		return RTP_SDP_E_BAD_PORT;
	v = trim(v);
	if (v.len > 0 && parse_conn(v, &m->rtcp_conn) < 0)
		return RTP_SDP_E_BAD_ATTR;
	m->rtcp_port = (uint16_t)n;
	return RTP_SDP_OK;
}

static enum rtp_sdp_err
parse_attr(struct dpv_str v, struct rtp_sdp *sdp, struct rtp_sdp_media *m)
{
	struct dpv_str name, val;
	enum rtp_dir dir = RTP_DIR_UNSET;
	uint32_t n;

	split_at(v, ':', &name, &val);
	if (DPV_STR_CASEEQ_LIT(name, "sendrecv"))
		dir = RTP_DIR_SENDRECV;
	else if (DPV_STR_CASEEQ_LIT(name, "sendonly"))
		dir = RTP_DIR_SENDONLY;
	else if (DPV_STR_CASEEQ_LIT(name, "recvonly"))
		dir = RTP_DIR_RECVONLY;
	else if (DPV_STR_CASEEQ_LIT(name, "inactive"))
		dir = RTP_DIR_INACTIVE;
	if (dir != RTP_DIR_UNSET) {
		if (m != NULL)
			m->dir = dir;
		else
			sdp->dir = dir;
		return RTP_SDP_OK;
	}
	/* The rest only matter on a stream we could accept; elsewhere they are opaque. */
	if (m == NULL || !m->rtp_avp)
		return RTP_SDP_OK;
	if (DPV_STR_CASEEQ_LIT(name, "rtpmap"))
		return parse_rtpmap(val, m, DPV_STR_CASEEQ_LIT(m->type, "audio"));
	if (DPV_STR_CASEEQ_LIT(name, "fmtp"))
		return parse_fmtp(val, m);
	if (DPV_STR_CASEEQ_LIT(name, "rtcp"))
		return parse_rtcp(val, m);
	if (DPV_STR_CASEEQ_LIT(name, "rtcp-mux")) {
		m->rtcp_mux = true; /* RFC 5761 5.1.1 */
		return RTP_SDP_OK;
	}
	if (DPV_STR_CASEEQ_LIT(name, "ptime")) {
		if (dpv_str_to_u32(trim(val), 10000, &n) < 0 || n == 0)
			return RTP_SDP_E_BAD_ATTR;
		m->ptime = n;
	}
	return RTP_SDP_OK;
}

enum rtp_sdp_err
sdp_ref_parse(const char *body, size_t len, struct rtp_sdp *sdp)
{
	struct rtp_sdp_media *m = NULL;
	bool seen_v = false, seen_o = false, seen_s = false, seen_t = false;
	enum rtp_sdp_err e = RTP_SDP_OK;
	size_t pos = 0;
	unsigned lineno = 0;

	/* Not the whole struct: its media lines are most of it (8 x 32 formats and 16 rtpmaps),
	 * and clearing them all cost 12 % of a call's UA work (bench/RESULTS.md, the per-call
	 * budget). Each m= line is cleared when it starts (media_clear); nothing reads
	 * media[nb_media..] or rtpmap[nb_rtpmap..]. */
	memset(sdp, 0, offsetof(struct rtp_sdp, media));
	sdp->err_line = 0;
	if (body == NULL || len == 0)
		return RTP_SDP_E_EMPTY;
	if (len > RTP_SDP_MAX_LEN)
		return RTP_SDP_E_TOO_LONG;
	while (pos < len) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		size_t eol = nl ? (size_t)(nl - body) : len;
		struct dpv_str line = {body + pos, (uint32_t)(eol - pos)}, v;

		pos = eol + 1;
		lineno++;
		if (line.len > 0 && line.p[line.len - 1] == '\r')
			line.len--;
		if (line.len == 0)
			continue; /* blank lines (often a trailing one) carry nothing */
		for (uint32_t i = 0; i < line.len; i++) {
			unsigned char c = (unsigned char)line.p[i];

			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				e = RTP_SDP_E_MALFORMED_LINE;
				goto out;
			}
		}
		if (!seen_v) {
			if (!dpv_str_eq(line, DPV_STR_LIT("v=0"))) {
				e = RTP_SDP_E_BAD_VERSION;
				goto out;
			}
			seen_v = true;
			continue;
		}
		if (line.len < 2 || line.p[1] != '=' || line.p[0] < 'a' || line.p[0] > 'z') {
			e = RTP_SDP_E_MALFORMED_LINE;
			goto out;
		}
		v = (struct dpv_str){line.p + 2, line.len - 2};
		switch (line.p[0]) {
		case 'v':
			e = RTP_SDP_E_BAD_VERSION;
			break;
		case 'o':
			e = seen_o || m != NULL ? RTP_SDP_E_BAD_ORIGIN : parse_origin(v, sdp);
			seen_o = true;
			break;
		case 's':
			if (m == NULL && !seen_s) {
				sdp->session_name = v;
				seen_s = true;
			}
			break;
		case 't':
			if (!seen_t)
				sdp->timing = trim(v);
			seen_t = true;
			break;
		case 'c':
			if (parse_conn(v, m != NULL ? &m->conn : &sdp->conn) < 0)
				e = RTP_SDP_E_BAD_CONNECTION;
			break;
		case 'm':
			if (!seen_o) {
				e = RTP_SDP_E_BAD_ORIGIN;
				break;
			}
			if (!seen_s) {
				e = RTP_SDP_E_NO_SESSION_NAME;
				break;
			}
			if (sdp->nb_media == RTP_SDP_MAX_MEDIA) {
				e = RTP_SDP_E_TOO_MANY_MEDIA;
				break;
			}
			m = &sdp->media[sdp->nb_media++];
			media_clear(m);
			m->line = lineno;
			e = parse_media(v, m);
			break;
		case 'a':
			e = parse_attr(v, sdp, m);
			break;
		default: /* i, u, e, p, b, r, z, k and unknown letters: nothing we use */
			break;
		}
		if (e != RTP_SDP_OK)
			goto out;
	}
	lineno = 0;
	if (!seen_v)
		e = RTP_SDP_E_BAD_VERSION;
	else if (!seen_o)
		e = RTP_SDP_E_BAD_ORIGIN;
	else if (!seen_s)
		e = RTP_SDP_E_NO_SESSION_NAME;
out:
	if (e != RTP_SDP_OK)
		sdp->err_line = lineno;
	return e;
}

/* ---- negotiation ---- */

/*
 * RTP_PT_PCMU / RTP_PT_PCMA when @a pt stands for that codec in @a m, else -1; -2 when @a pt is
 * one of those static types but its rtpmap line is malformed (we cannot tell what it means).
 */
static int
codec_of(const struct rtp_sdp_media *m, uint8_t pt)
{
	const struct rtp_sdp_rtpmap *r = rtpmap_find(m, pt);

	if (r != NULL && r->name.p == rtpmap_bad)
		return pt == RTP_PT_PCMU || pt == RTP_PT_PCMA ? -2 : -1;
	if (r == NULL || r->clock == 0) /* no rtpmap (an fmtp alone makes an empty entry) */
		return pt == RTP_PT_PCMU || pt == RTP_PT_PCMA ? pt : -1;
	if (r->clock != 8000 || r->channels > 1)
		return -1;
	if (DPV_STR_CASEEQ_LIT(r->name, "PCMU"))
		return RTP_PT_PCMU;
	if (DPV_STR_CASEEQ_LIT(r->name, "PCMA"))
		return RTP_PT_PCMA;
	return -1;
}

static enum rtp_dir
answer_dir(enum rtp_dir offer)
{
	switch (offer) {
	case RTP_DIR_SENDONLY:
		return RTP_DIR_RECVONLY;
	case RTP_DIR_RECVONLY:
		return RTP_DIR_SENDONLY;
	case RTP_DIR_INACTIVE:
		return RTP_DIR_INACTIVE;
	default:
		return RTP_DIR_SENDRECV;
	}
}

enum rtp_sdp_err
sdp_ref_negotiate(const struct rtp_sdp *offer, struct rtp_sdp_neg *neg)
{
	const struct rtp_sdp_media *m = NULL;
	const struct rtp_sdp_conn *c;
	bool audio = false;
	int codec = -1;
	unsigned i, k;

	memset(neg, 0, sizeof(*neg));
	neg->te_pt = -1;
	for (i = 0; i < offer->nb_media && codec < 0; i++) {
		m = &offer->media[i];
		if (!DPV_STR_CASEEQ_LIT(m->type, "audio") || !m->rtp_avp || m->port == 0)
			continue;
		audio = true;
		for (k = 0; k < m->nb_pts && codec < 0; k++) {
			codec = codec_of(m, m->pts[k]);
			if (codec == -2)
				return RTP_SDP_E_BAD_ATTR;
		}
	}
	if (!audio)
		return RTP_SDP_E_NO_AUDIO;
	if (codec < 0)
		return RTP_SDP_E_NO_CODEC;
	neg->media = (uint8_t)(i - 1);
	neg->pt = m->pts[k - 1];
	neg->codec = (uint8_t)codec;

	c = m->conn.af != RTP_SDP_AF_NONE ? &m->conn : &offer->conn;
	if (c->af == RTP_SDP_AF_NONE)
		return RTP_SDP_E_MISSING_CONN;
	if (c->af == RTP_SDP_AF_IP6)
		return RTP_SDP_E_IP6;
	if (c->host_name)
		return RTP_SDP_E_HOST_NAME;

	for (k = 0; k < m->nb_pts; k++) {
		const struct rtp_sdp_rtpmap *r = rtpmap_find(m, m->pts[k]);

		if (r != NULL && r->clock == 8000 &&
		    DPV_STR_CASEEQ_LIT(r->name, "telephone-event")) {
			neg->te_pt = r->pt;
			neg->te_fmtp = r->fmtp;
			break;
		}
	}
	neg->remote_ip = c->ip4;
	neg->remote_port = m->port;
	neg->rtcp_mux = m->rtcp_mux;
	neg->remote_rtcp_port = m->rtcp_mux    ? m->port
	                        : m->rtcp_port ? m->rtcp_port
	                                       : (uint16_t)(m->port + 1);
	neg->ptime = m->ptime;
	neg->offer_dir = m->dir ? m->dir : offer->dir ? offer->dir : RTP_DIR_SENDRECV;
	/* RFC 2543 hold: the offerer wants nothing sent to it. */
	if (c->ip4 == 0) {
		if (neg->offer_dir == RTP_DIR_SENDRECV)
			neg->offer_dir = RTP_DIR_SENDONLY;
		else if (neg->offer_dir == RTP_DIR_RECVONLY)
			neg->offer_dir = RTP_DIR_INACTIVE;
	}
	neg->answer_dir = answer_dir(neg->offer_dir);
	neg->hold = neg->offer_dir == RTP_DIR_SENDONLY || neg->offer_dir == RTP_DIR_INACTIVE;
	return RTP_SDP_OK;
}

/* ---- comparing two parses of one body (not part of the old parser) ---- */

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
sdp_ref_diff(const struct rtp_sdp *a, const struct rtp_sdp *b, const char *body, size_t len)
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
sdp_ref_neg_diff(const struct rtp_sdp_neg *a, const struct rtp_sdp_neg *b, const char *body,
                 size_t len)
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
