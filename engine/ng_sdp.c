/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SDP an NG offer or answer hands back: the endpoint's SDP with the engine put in the media
 * path, everything else as the endpoint wrote it (codecs, directions, crypto and bandwidth lines
 * pass through: the relay forwards the payload untouched, so the endpoints negotiate it between
 * them, as with rtpengine without transcoding flags).
 *
 * Line by line, in one pass: the input was accepted by rtp_sdp_parse, so every line is "x=..."
 * and the m= lines are the ones it counted. What is rewritten:
 *   o=   the address, with replace: [origin];
 *   c=   every IPv4 one, session and media level, names the engine (a session-level c= left
 *        alone would send the media of any m= without its own c= around the relay, so it is
 *        always replaced, as replace: [session-connection] asks); 0.0.0.0 stays: it is hold;
 *   m=   the port, from ports[] (0 there: the line as it is, e.g. a rejected stream);
 *   a=rtcp  the port that follows (the RTP port itself when it named it: rtcp-mux), and its
 *        address when it has one;
 *   ICE  a=candidate, a=ice-*, a=remote-candidates and a=end-of-candidates are dropped: the
 *        engine answers no STUN, and a candidate would let the endpoints route around it.
 */
#include <string.h>

#include "ng_int.h"

static void
put_ip(struct dpv_buf *b, uint32_t ip)
{
	char s[DPV_IPV4_STRLEN];

	dpv_buf_put(b, s, dpv_ipv4_format(ip, s));
}

static bool
starts(struct dpv_str l, const char *lit)
{
	size_t n = strlen(lit);

	return l.len >= n && memcmp(l.p, lit, n) == 0;
}

/* Token @a i (0-based, space separated) of @a l, as a view; len 0 when there is none. */
static struct dpv_str
token(struct dpv_str l, unsigned i)
{
	uint32_t p = 0;

	for (;;) {
		uint32_t start;

		while (p < l.len && l.p[p] == ' ')
			p++;
		start = p;
		while (p < l.len && l.p[p] != ' ')
			p++;
		if (start == p)
			return (struct dpv_str){l.p + p, 0};
		if (i-- == 0)
			return (struct dpv_str){l.p + start, p - start};
	}
}

/* The line with view @a v (inside it) replaced by @a by_ip (an address) or @a by_port. */
static void
put_replaced(struct dpv_buf *b, struct dpv_str l, struct dpv_str v, const uint32_t *by_ip,
             const uint32_t *by_port)
{
	dpv_buf_put(b, l.p, (uint32_t)(v.p - l.p));
	if (by_ip)
		put_ip(b, *by_ip);
	else
		dpv_buf_u32(b, *by_port);
	dpv_buf_put(b, v.p + v.len, (uint32_t)(l.p + l.len - (v.p + v.len)));
}

static bool
is_ice(struct dpv_str l)
{
	return starts(l, "a=candidate:") || starts(l, "a=ice-") ||
	       starts(l, "a=remote-candidates") || starts(l, "a=end-of-candidates");
}

/* An IPv4 address other than 0.0.0.0 in "IN IP4 addr[/ttl]" tokens @a at.. of @a l: its view. */
static struct dpv_str
ip4_addr(struct dpv_str l, unsigned at)
{
	struct dpv_str nt = token(l, at), at4 = token(l, at + 1), a = token(l, at + 2);
	const char *slash;
	uint32_t ip;

	if (nt.len != 2 || memcmp(nt.p, "IN", 2) != 0 || at4.len != 3 ||
	    memcmp(at4.p, "IP4", 3) != 0 || a.len == 0)
		return (struct dpv_str){NULL, 0};
	slash = memchr(a.p, '/', a.len);
	if (slash != NULL)
		a.len = (uint32_t)(slash - a.p);
	if (dpv_ipv4_parse(a, &ip) && ip == 0)
		return (struct dpv_str){NULL, 0};
	return a;
}

int
ng_sdp_rewrite(const char *in, uint32_t len, const struct ng_sdp_rewrite *rw, char *out,
               uint32_t cap)
{
	struct dpv_buf b = DPV_BUF(out, cap);
	uint32_t pos = 0;
	int media = -1; /* m= line of the section being copied, -1: the session part */
	uint32_t m_port = 0;

	while (pos < len) {
		const char *nl = memchr(in + pos, '\n', len - pos);
		uint32_t end = nl ? (uint32_t)(nl - in) : len; /* the line without its \n */
		uint32_t body_end = end > pos && in[end - 1] == '\r' ? end - 1 : end;
		struct dpv_str l = {in + pos, body_end - pos};
		struct dpv_str eol = {in + body_end, (nl ? end + 1 : end) - body_end};
		uint16_t port = media >= 0 && media < rw->nb_ports ? rw->ports[media] : 0;

		pos = nl ? end + 1 : len;
		if (starts(l, "m=")) {
			struct dpv_str p;
			uint32_t v;

			media++;
			port = media < rw->nb_ports ? rw->ports[media] : 0;
			p = token((struct dpv_str){l.p + 2, l.len - 2}, 1);
			if (p.len > 0 && memchr(p.p, '/', p.len))
				p.len = (uint32_t)((const char *)memchr(p.p, '/', p.len) - p.p);
			m_port = 0;
			for (uint32_t i = 0; i < p.len && p.p[i] >= '0' && p.p[i] <= '9'; i++)
				m_port = m_port * 10 + (uint32_t)(p.p[i] - '0');
			if (port != 0 && p.len > 0) {
				v = port;
				put_replaced(&b, l, p, NULL, &v);
			} else {
				dpv_buf_str(&b, l);
			}
		} else if (starts(l, "c=")) {
			struct dpv_str a = ip4_addr((struct dpv_str){l.p + 2, l.len - 2}, 0);

			/* the session-level one, or a stream the engine relays */
			if (a.len > 0 && (media < 0 || port != 0))
				put_replaced(&b, l, a, &rw->ip, NULL);
			else
				dpv_buf_str(&b, l);
		} else if (starts(l, "o=")) {
			struct dpv_str a = ip4_addr((struct dpv_str){l.p + 2, l.len - 2}, 3);

			if (rw->replace_origin && a.len > 0)
				put_replaced(&b, l, a, &rw->ip, NULL);
			else
				dpv_buf_str(&b, l);
		} else if (starts(l, "a=rtcp:") && media >= 0 && port != 0) {
			struct dpv_str rest = {l.p + 7, l.len - 7};
			struct dpv_str p = token(rest, 0);
			struct dpv_str a = ip4_addr(rest, 1);
			uint32_t old = 0, v;

			for (uint32_t i = 0; i < p.len && p.p[i] >= '0' && p.p[i] <= '9'; i++)
				old = old * 10 + (uint32_t)(p.p[i] - '0');
			v = old == m_port ? port : (uint32_t)port + 1;
			dpv_buf_put(&b, l.p, 7);
			dpv_buf_u32(&b, v);
			if (a.len > 0) {
				dpv_buf_put(&b, p.p + p.len, (uint32_t)(a.p - (p.p + p.len)));
				put_ip(&b, rw->ip);
				dpv_buf_put(&b, a.p + a.len,
				            (uint32_t)(l.p + l.len - (a.p + a.len)));
			} else {
				dpv_buf_put(&b, p.p + p.len,
				            (uint32_t)(l.p + l.len - (p.p + p.len)));
			}
		} else if (is_ice(l)) {
			continue; /* the line and its end both go */
		} else {
			dpv_buf_str(&b, l);
		}
		dpv_buf_str(&b, eol);
	}
	return b.over ? -1 : (int)b.len;
}
