/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dialog (RFC 3261 12): its identifiers and peer-given strings in one per-session arena,
 * the route set and remote target, and the checks an in-dialog request passes (12.2.2).
 */
#include <string.h>

#include "ua_int.h"

#define MAX_RR 16 /* Record-Route values kept in a route set */

/* Offset of dialog field @a f in the arena: the fields before it, each with its NUL. */
static uint32_t
dlg_off(const struct ua_dialog *d, enum ua_dlg_field f)
{
	uint32_t off = 0;

	for (int i = 0; i < (int)f; i++)
		off += d->dlen[i] + 1u;
	return off;
}

struct dpv_str
ua_dlg(const struct ua_sess *s, enum ua_dlg_field f)
{
	return (struct dpv_str){s->dlg.arena + dlg_off(&s->dlg, f), s->dlg.dlen[f]};
}

/* Replace field @a f by @a v (moving the fields after it); false when the arena would
 * overflow, leaving the dialog unchanged. */
bool
ua_dlg_set(struct ua_sess *s, enum ua_dlg_field f, struct dpv_str v)
{
	struct ua_dialog *d = &s->dlg;
	uint32_t off = 0, end = 0, old = d->dlen[f] + 1u;

	for (int i = 0; i < DF_MAX; i++) { /* dlg_off() of f and of the end, in one walk */
		if (i == (int)f)
			off = end;
		end += d->dlen[i] + 1u;
	}
	if (end - old + v.len + 1u > sizeof(d->arena))
		return false;
	if (v.len + 1u != old)
		memmove(d->arena + off + v.len + 1, d->arena + off + old, end - off - old);
	if (v.len)
		memcpy(d->arena + off, v.p, v.len);
	d->arena[off + v.len] = '\0';
	d->dlen[f] = (uint16_t)v.len;
	return true;
}

/* Every field at once, back to back (a new dialog: nothing to move); false when they do not
 * fit, with the dialog left empty. */
static bool
dlg_set_all(struct ua_dialog *d, const struct dpv_str v[DF_MAX])
{
	uint32_t off = 0;

	for (int i = 0; i < DF_MAX; i++) {
		if (off + v[i].len + 1u > sizeof(d->arena)) {
			memset(d->dlen, 0, sizeof(d->dlen));
			return false;
		}
		if (v[i].len)
			memcpy(d->arena + off, v[i].p, v[i].len);
		d->arena[off + v[i].len] = '\0';
		d->dlen[i] = (uint16_t)v[i].len;
		off += v[i].len + 1u;
	}
	return true;
}

/* In-dialog requests go to @a u's host (when an IPv4 literal) and port. */
static void
set_peer(struct ua_sess *s, const struct sip_uri *u)
{
	uint32_t ip;

	if (dpv_ipv4_parse(u->host, &ip)) {
		s->dlg.peer_ip = ip;
		s->dlg.peer_port = u->has_port ? u->port : SIP_DEFAULT_PORT;
	}
}

void
ua_dlg_set_target(struct sip_ua *ua, struct ua_sess *s, const struct sip_msg *m)
{
	struct sip_list_iter it;
	struct sip_naddr na;
	const struct sip_naddr *c = &na;
	bool have;

	if (ua->rx_contact_of == m) { /* a request: its check parsed the first Contact */
		c = &ua->rx_contact;
		have = ua->rx_has_contact;
	} else {
		sip_list_iter_init(&it, m, SIP_HDR_CONTACT);
		have = sip_naddr_next(&it, &na) == 1;
	}
	if (have && !c->star && ua_dlg_set(s, DF_TARGET, c->uri.raw)) {
		/* with a route set, requests go to its first hop instead (ua_dlg_set_route) */
		if (s->dlg.dlen[DF_ROUTE] == 0)
			set_peer(s, &c->uri);
	}
}

/* The route set of @a m's Record-Route values (reversed for the UAC) into @a route
 * (UA_DLG_MAX), and its first hop; false when it does not fit. */
static bool
route_set(const struct sip_msg *m, bool reverse, char *route, struct dpv_str *set,
          struct dpv_str *first)
{
	struct dpv_str v[MAX_RR];
	struct dpv_buf b = DPV_BUF(route, UA_DLG_MAX - 1);
	struct sip_list_iter it;
	unsigned n = 0;

	sip_list_iter_init(&it, m, SIP_HDR_RECORD_ROUTE);
	while (n < MAX_RR && sip_list_next(&it, &v[n]) == 1)
		n++;
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			dpv_buf_put(&b, ", ", 2);
		dpv_buf_str(&b, v[reverse ? n - 1 - i : i]);
	}
	*set = (struct dpv_str){route, b.len};
	*first = n > 0 ? v[reverse ? n - 1 : 0] : DPV_STR_NULL;
	return dpv_buf_end(&b) >= 0;
}

/* With a route set, in-dialog requests go to its first hop @a first. */
static void
route_peer(struct ua_sess *s, struct dpv_str first)
{
	struct sip_naddr na;

	if (first.len > 0 && sip_naddr_parse(first, &na) == 0)
		set_peer(s, &na.uri);
}

bool
ua_dlg_set_route(struct ua_sess *s, const struct sip_msg *m, bool reverse)
{
	char route[UA_DLG_MAX];
	struct dpv_str set, first;

	if (!route_set(m, reverse, route, &set, &first) || !ua_dlg_set(s, DF_ROUTE, set))
		return false;
	route_peer(s, first);
	return true;
}

bool
ua_dlg_init_uas(struct sip_ua *ua, struct ua_sess *s, const struct sip_msg *m, struct dpv_str ltag)
{
	char route[UA_DLG_MAX];
	struct dpv_str v[DF_MAX], first;

	memcpy(s->dlg.ltag, ltag.p, ltag.len);
	s->dlg.ltag_len = (uint16_t)ltag.len;
	/* In-dialog requests go to the source, unless a route set or, without one, the Contact
	 * says otherwise. */
	s->dlg.peer_ip = ua->src_ip;
	s->dlg.peer_port = ua->src_port;
	v[DF_CALLID] = m->call_id;
	v[DF_REMOTE_TAG] = m->from.tag;
	v[DF_REMOTE_NAMEADDR] = m->from.raw;
	v[DF_LOCAL_NAMEADDR] = m->to.raw;
	v[DF_TARGET] = m->from.uri.raw;
	if (!route_set(m, false, route, &v[DF_ROUTE], &first) || !dlg_set_all(&s->dlg, v))
		return false;
	route_peer(s, first);
	s->dlg.remote_nameaddr_tagged = true;
	ua_dlg_set_target(ua, s, m);
	s->dlg.remote_cseq = m->cseq;
	s->dlg.remote_cseq_set = true;
	return true;
}

struct ua_sess *
ua_dlg_match(struct sip_ua *ua, const struct sip_msg *m, struct sip_tx *tx)
{
	struct ua_sess *s = ua_sess_find(ua, m->call_id, m->to.tag);

	if (s == NULL || ua_sess_ended(s) ||
	    (s->dlg.dlen[DF_REMOTE_TAG] && !dpv_str_eq(m->from.tag, ua_dlg(s, DF_REMOTE_TAG)))) {
		ua_respond(ua, tx, m, 481, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		           "no such dialog");
		return NULL;
	}
	if (s->dlg.remote_cseq_set && m->cseq < s->dlg.remote_cseq) {
		ua_respond(ua, tx, m, 500, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		           "CSeq lower than the last one");
		return NULL;
	}
	s->dlg.remote_cseq = m->cseq;
	s->dlg.remote_cseq_set = true;
	return s;
}

struct dpv_str
ua_dlg_contact(const struct sip_ua *ua, const struct ua_sess *s, char *buf, uint32_t cap)
{
	struct dpv_buf b = DPV_BUF(buf, cap);

	dpv_buf_cstr(&b, "<sip:engine@");
	dpv_buf_put(&b, s->dlg.host, s->dlg.host_len);
	dpv_buf_put(&b, ua->contact_tail, ua->contact_tail_len);
	return (struct dpv_str){buf, dpv_buf_end(&b) < 0 ? 0 : b.len};
}
