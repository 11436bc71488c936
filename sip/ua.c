/*
 * SIP user agent core (RFC 3261 UDP): dialogs and sessions over the transaction layer.
 *
 * Design notes:
 * - A session holds its one dialog (no forking: the first remote tag wins). Sessions come from
 *   a dpv_pool sized by max_dialogs and are indexed in a fixed-size cds_lfht (QSBR) by Call-ID
 *   and local tag, so the main lcore can list them under rcu_read_lock.
 * - A session that ends leaves the table at once, but goes back to the pool only when no
 *   transaction refers to it any more (ntx) and a grace period has elapsed (struct dpv_defer,
 *   as the transaction table: liburcu 0.13 has no poll_state_synchronize_rcu).
 * - Every transaction carries a struct ua_txc (its destination and message lengths, since the
 *   owner's message handles are opaque). Responses it sends are the transaction's and freed
 *   when it terminates, except 2xx to INVITE: those belong to the session, which resends them
 *   until the ACK (13.3.1.4; the transaction layer leaves that to us, RFC 6026).
 * - The 487 to a cancelled INVITE is written from the CANCEL (same Via, From, To, Call-ID and
 *   CSeq number, 9.2) with its CSeq header view pointed at "N INVITE".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "ua_int.h"

#define ALLOW_HDR     "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n"
#define SUPPORTED_HDR "Supported: \r\n"
#define RETRY_AFTER   "Retry-After: 5\r\n"
#define AGENT         "dpvoip"
#define SDP_TYPE      DPV_STR_LIT("application/sdp")
#define MAX_RR        16

const char *const sip_ua_counter_names[SIP_UA_C_MAX] = {
#define SIP_X(n) #n,
    SIP_UA_COUNTERS(SIP_X)
#undef SIP_X
};

static const char *const state_names[SIP_SESS_STATE_MAX] = {
    "incoming", "calling", "early", "answered", "confirmed", "terminating", "terminated",
};

const char *
sip_sess_state_name(enum sip_sess_state s)
{
	return (unsigned)s < SIP_SESS_STATE_MAX ? state_names[s] : "?";
}

#define CNT(ua, n) ((ua)->cnt[SIP_UA_C_##n]++)

/* ---- small helpers ---- */

static inline struct dpv_str
mkstr(const char *p, uint32_t len)
{
	return (struct dpv_str){p, len};
}

static inline struct dpv_str
cstr(const char *p)
{
	return (struct dpv_str){p, (uint32_t)strlen(p)};
}

/* Offset of dialog field @a f in the arena: the fields before it, each with its NUL. */
static uint32_t
dlg_off(const struct ua_sess *s, enum ua_dlg_field f)
{
	uint32_t off = 0;

	for (int i = 0; i < (int)f; i++)
		off += s->dlen[i] + 1u;
	return off;
}

static struct dpv_str
dlg(const struct ua_sess *s, enum ua_dlg_field f)
{
	return mkstr(s->dlg + dlg_off(s, f), s->dlen[f]);
}

/* Replace dialog field @a f by @a v (moving the fields after it); false when the arena would
 * overflow, leaving the session unchanged. */
static bool
dlg_set(struct ua_sess *s, enum ua_dlg_field f, struct dpv_str v)
{
	uint32_t off = dlg_off(s, f), old = s->dlen[f] + 1u, end = dlg_off(s, DF_MAX);

	if (end - old + v.len + 1u > sizeof(s->dlg))
		return false;
	memmove(s->dlg + off + v.len + 1, s->dlg + off + old, end - off - old);
	if (v.len)
		memcpy(s->dlg + off, v.p, v.len);
	s->dlg[off + v.len] = '\0';
	s->dlen[f] = (uint16_t)v.len;
	return true;
}

static uint64_t
ua_rand(struct sip_ua *ua)
{
	/* xorshift64*: tags, branches and Call-IDs need uniqueness, not secrecy */
	uint64_t x = ua->rnd;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	ua->rnd = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void
hex_token(struct sip_ua *ua, char *out, size_t cap, const char *prefix)
{
	snprintf(out, cap, "%s%016llx", prefix, (unsigned long long)ua_rand(ua));
}

static uint64_t
now_ms(const struct sip_ua *ua)
{
	return dpv_timer_wheel_now(ua->cfg.wheel);
}

/* ---- message buffers ---- */

static void *
msg_new(struct sip_ua *ua, char **buf, uint32_t *cap)
{
	void *h = ua->ops->msg_alloc(ua->arg, buf, cap);

	if (h == NULL)
		CNT(ua, no_buffer);
	return h;
}

static void
msg_free(struct sip_ua *ua, void *h)
{
	if (h != NULL)
		ua->ops->msg_free(ua->arg, h);
}

/*
 * After a write into @a *h failed for room: swap it for a large buffer when the owner has
 * them (true: write again), else free it and count the answer as too big.
 */
static bool
msg_grow(struct sip_ua *ua, void **h, char **buf, uint32_t *cap)
{
	bool small = *cap < SIP_UA_MSG_MAX;

	msg_free(ua, *h);
	*h = NULL;
	if (small && ua->ops->msg_alloc_large != NULL) {
		*h = ua->ops->msg_alloc_large(ua->arg, SIP_UA_MSG_MAX, buf, cap);
		if (*h != NULL && *cap >= SIP_UA_MSG_MAX)
			return true;
		msg_free(ua, *h);
		*h = NULL;
	}
	CNT(ua, resp_too_big);
	return false;
}

static void
msg_send(struct sip_ua *ua, void *h, uint32_t len, uint32_t ip, uint16_t port, bool request)
{
	if (request)
		CNT(ua, tx_requests);
	else
		CNT(ua, tx_responses);
	/* A failed send is left to the retransmission timers (or to the peer's). */
	(void)ua->ops->msg_send(ua->arg, h, len, ip, port);
}

/* Where responses to a request with top Via @a v go: RFC 3261 18.2.2 with RFC 3581 rport. */
static void
via_dest(const struct sip_ua *ua, const struct sip_via *v, uint32_t *ip, uint16_t *port)
{
	uint32_t rip;

	if (v->has_rport) {
		*ip = ua->src_ip;
		*port = ua->src_port;
		return;
	}
	if (v->has_received && dpv_ipv4_parse(v->received, &rip))
		*ip = rip;
	else if (dpv_ipv4_parse(v->host, &rip))
		*ip = rip;
	else
		*ip = ua->src_ip; /* a name we cannot resolve here: the packet came from there */
	*port = v->has_port ? v->port : SIP_DEFAULT_PORT;
}

static void
resp_dest(const struct sip_ua *ua, const struct sip_msg *m, uint32_t *ip, uint16_t *port)
{
	via_dest(ua, &m->via, ip, port);
}

static void
count_status(struct sip_ua *ua, unsigned code)
{
	if (code >= 500)
		CNT(ua, rejected_5xx);
	else if (code >= 400)
		CNT(ua, rejected_4xx);
}

/* Header lines for a rejection: Warning naming the cause, and what the status calls for. */
static uint32_t
reject_extra(char *extra, size_t cap, unsigned code, const char *why, struct dpv_str unsupported)
{
	int n = 0;

	if (why != NULL)
		n += snprintf(extra + n, cap - n, "Warning: 399 " AGENT " \"%s\"\r\n", why);
	if (unsupported.len && (size_t)n < cap)
		n += snprintf(extra + n, cap - n, "Unsupported: %.*s\r\n", (int)unsupported.len,
		              unsupported.p);
	if ((code == 501 || code == 405) && (size_t)n < cap)
		n += snprintf(extra + n, cap - n, ALLOW_HDR);
	if (code == 503 && (size_t)n < cap)
		n += snprintf(extra + n, cap - n, RETRY_AFTER);
	if (code == 415 && (size_t)n < cap)
		n += snprintf(extra + n, cap - n, "Accept: application/sdp\r\n");
	if ((size_t)n >= cap)
		n = 0;
	return (uint32_t)n;
}

/* Answer @a m without a transaction (parse errors, overload, checks). Never an ACK. */
static void
respond_stateless(struct sip_ua *ua, const struct sip_msg *m, unsigned code, const char *why,
                  struct dpv_str unsupported)
{
	char extra[512], tag[24];
	uint32_t cap, ip;
	uint16_t port;
	char *buf;
	void *h;
	int len;

	if (m->method == SIP_METHOD_ACK) {
		CNT(ua, rx_dropped);
		return;
	}
	h = msg_new(ua, &buf, &cap);
	if (h == NULL)
		return;
	hex_token(ua, tag, sizeof(tag), "");
	for (;;) {
		len = sip_write_response(
		    buf, cap, m, (uint16_t)code, NULL, m->to.has_tag ? DPV_STR_NULL : cstr(tag),
		    mkstr(extra, reject_extra(extra, sizeof(extra), code, why, unsupported)),
		    DPV_STR_NULL, DPV_STR_NULL);
		if (len >= 0)
			break;
		if (!msg_grow(ua, &h, &buf, &cap)) {
			CNT(ua, rx_dropped);
			return;
		}
	}
	resp_dest(ua, m, &ip, &port);
	count_status(ua, code);
	msg_send(ua, h, (uint32_t)len, ip, port, false);
	msg_free(ua, h);
}

/* ---- transactions ---- */

static void
key_from_msg(struct sip_tx_key *k, const struct sip_msg *m)
{
	memset(k, 0, sizeof(*k));
	k->branch = m->via.branch;
	k->sent_by_host = m->via.host;
	k->sent_by_port = m->via.has_port ? m->via.port : SIP_DEFAULT_PORT;
	k->method = m->is_request ? m->method : m->cseq_method;
	k->method_name = m->is_request ? m->method_str : m->cseq_method_str;
	k->request_uri = m->ruri.raw;
	k->from_tag = m->from.tag;
	k->to_tag = m->to.tag;
	k->call_id = m->call_id;
	k->cseq = m->cseq;
	k->via = m->via.raw;
}

static struct ua_txc *
txc_new(struct sip_ua *ua, struct ua_sess *s, uint32_t ip, uint16_t port, enum sip_method method)
{
	struct ua_txc *c = dpv_pool_get(ua->txc_pool);

	if (c == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->sess = s;
	c->ip = ip;
	c->port = port;
	c->method = method;
	c->next = ua->txc_live;
	if (c->next != NULL)
		c->next->prev = c;
	ua->txc_live = c;
	if (s != NULL)
		s->ntx++;
	return c;
}

static void sess_retire(struct sip_ua *ua, struct ua_sess *s);

static void
txc_release(struct sip_ua *ua, struct ua_txc *c)
{
	struct ua_sess *s = c->sess;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ua->txc_live = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	dpv_pool_put(ua->txc_pool, c);
	if (s != NULL && --s->ntx == 0 && s->ended)
		sess_retire(ua, s);
}

/*
 * A server transaction for @a m (which matched none). NULL when there is none, @a m answered:
 * 503 when the pools are full (overload), 400 when the transaction key (Via branch, sent-by,
 * and for RFC 2543 peers Request-URI, tags, Call-ID, Via) does not fit a transaction: that
 * is the request's fault (PROTOS sip-via-host), not an overload.
 */
static struct sip_tx *
server_tx(struct sip_ua *ua, const struct sip_msg *m, struct ua_sess *s)
{
	uint64_t too_long = sip_tx_table_stats(ua->txt)->key_too_long;
	struct sip_tx_key k;
	struct ua_txc *c;
	struct sip_tx *tx;
	uint32_t ip;
	uint16_t port;

	resp_dest(ua, m, &ip, &port);
	c = txc_new(ua, s, ip, port, m->method);
	if (c == NULL) {
		CNT(ua, overload_503);
		respond_stateless(ua, m, 503, "transaction pool full", DPV_STR_NULL);
		return NULL;
	}
	key_from_msg(&k, m);
	tx = sip_tx_server_new(ua->txt, &k, NULL, c);
	if (tx == NULL) {
		c->sess = NULL;
		if (s != NULL)
			s->ntx--;
		txc_release(ua, c);
		if (sip_tx_table_stats(ua->txt)->key_too_long != too_long) {
			CNT(ua, bad_tx_key);
			respond_stateless(ua, m, 400, "transaction key too long", DPV_STR_NULL);
		} else {
			CNT(ua, overload_503);
			respond_stateless(ua, m, 503, "transaction pool full", DPV_STR_NULL);
		}
		return NULL;
	}
	c->tx = tx;
	return tx;
}

/*
 * Send a response on a server transaction. The previous response it held is freed (it will
 * not be resent any more) unless it is a session-owned 2xx.
 */
static int
tx_respond(struct sip_ua *ua, struct sip_tx *tx, unsigned code, void *h, uint32_t len)
{
	struct ua_txc *c = sip_tx_user(tx);
	void *old = sip_tx_last_response(tx);
	unsigned old_code = sip_tx_last_code(tx);
	uint32_t old_len = c->resp_len;

	c->resp_len = len;
	if (sip_tx_send_response(tx, code, h) != 0) {
		c->resp_len = old_len;
		return -1;
	}
	if (old != NULL && old != h && !(c->method == SIP_METHOD_INVITE && old_code >= 200))
		msg_free(ua, old);
	count_status(ua, code);
	return 0;
}

/* Write and send a response to @a m on @a tx (or statelessly when tx is NULL). */
static int
respond(struct sip_ua *ua, struct sip_tx *tx, const struct sip_msg *m, unsigned code,
        struct dpv_str to_tag, struct dpv_str extra, struct dpv_str body, const char *why)
{
	char hdrs[768];
	uint32_t cap, n = 0;
	char *buf;
	void *h;
	int len;

	if (tx == NULL) {
		respond_stateless(ua, m, code, why, DPV_STR_NULL);
		return 0;
	}
	if (extra.len > 0 && extra.len < sizeof(hdrs)) {
		memcpy(hdrs, extra.p, extra.len);
		n = extra.len;
	}
	if (code >= 300)
		n += reject_extra(hdrs + n, sizeof(hdrs) - n, code, why, DPV_STR_NULL);
	h = msg_new(ua, &buf, &cap);
	if (h == NULL)
		goto fail;
	while ((len = sip_write_response(buf, cap, m, (uint16_t)code, NULL, to_tag, mkstr(hdrs, n),
	                                 body, body.len ? SDP_TYPE : DPV_STR_NULL)) < 0)
		if (!msg_grow(ua, &h, &buf, &cap))
			goto fail;
	if (tx_respond(ua, tx, code, h, (uint32_t)len) != 0) {
		msg_free(ua, h);
		goto fail;
	}
	return 0;
fail:
	/* A server transaction left without its final response would never end: end it. */
	if (code >= 200 && sip_tx_last_code(tx) < 200)
		sip_tx_transport_error(tx);
	return -1;
}

/* ---- sessions ---- */

static uint32_t
sess_hash(struct dpv_str call_id, struct dpv_str ltag)
{
	uint32_t h = dpv_hash32(call_id.p, call_id.len);

	return h ^ (dpv_hash32(ltag.p, ltag.len) * 31u);
}

struct sess_key {
	struct dpv_str call_id, ltag;
};

static int
sess_match(struct cds_lfht_node *node, const void *key)
{
	const struct ua_sess *s = caa_container_of(node, struct ua_sess, node);
	const struct sess_key *k = key;

	return s->dlen[DF_CALLID] == k->call_id.len && s->ltag_len == k->ltag.len &&
	       memcmp(s->dlg, k->call_id.p, k->call_id.len) == 0 &&
	       memcmp(s->ltag, k->ltag.p, k->ltag.len) == 0;
}

static struct ua_sess *
sess_find(struct sip_ua *ua, struct dpv_str call_id, struct dpv_str ltag)
{
	struct sess_key k = {call_id, ltag};
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	if (ltag.len == 0)
		return NULL;
	rcu_read_lock();
	cds_lfht_lookup(ua->ht, sess_hash(call_id, ltag), sess_match, &k, &it);
	node = cds_lfht_iter_get_node(&it);
	rcu_read_unlock();
	/* Only this lcore frees sessions, after a grace period: the pointer stays valid. */
	return node != NULL ? caa_container_of(node, struct ua_sess, node) : NULL;
}

static struct ua_sess *
sess_alloc(struct sip_ua *ua, bool outgoing)
{
	struct ua_sess *s = dpv_pool_get(ua->sess_pool);
	int64_t slot;

	if (s == NULL)
		return NULL;
	slot = dpv_pool_index(ua->sess_pool, s);
	memset(s, 0, sizeof(*s));
	s->ua = ua;
	s->slot = (uint32_t)slot;
	ua->by_slot[slot] = s;
	/* id: UA index (16 bits) | generation (24 bits) | pool slot (24 bits) */
	s->id = (uint64_t)ua->cfg.index << 48 | (++ua->next_unique & 0xffffff) << 24 |
	        ((uint64_t)slot & 0xffffff);
	s->outgoing = outgoing;
	s->created_ms = now_ms(ua);
	s->media.session_id = s->id;
	s->media.action = DPV_CALL_NONE;
	s->media.te_pt = -1;
	dpv_timer_init(&s->t_retx);
	dpv_timer_init(&s->t_guard);
	dpv_timer_init(&s->t_answer);
	cds_lfht_node_init(&s->node);
	return s;
}

/* Back to the pool before it was published (no table entry, no transaction, no media). */
static void
sess_drop(struct sip_ua *ua, struct ua_sess *s)
{
	s->retired = true;
	dpv_pool_put(ua->sess_pool, s);
}

static bool
sess_insert(struct sip_ua *ua, struct ua_sess *s)
{
	struct sess_key k = {dlg(s, DF_CALLID), mkstr(s->ltag, s->ltag_len)};
	struct cds_lfht_node *got;

	rcu_read_lock();
	got = cds_lfht_add_unique(ua->ht, sess_hash(k.call_id, k.ltag), sess_match, &k, &s->node);
	rcu_read_unlock();
	if (got != &s->node)
		return false;
	s->in_table = true;
	ua->cnt[SIP_UA_C_sessions_active]++;
	return true;
}

static void
sess_retire(struct sip_ua *ua, struct ua_sess *s)
{
	if (s->retired)
		return;
	s->retired = true;
	dpv_defer_add(&ua->limbo, &s->limbo);
}

static void
sess_release(struct dpv_defer_node *n, void *arg)
{
	struct sip_ua *ua = arg;

	dpv_pool_put(ua->sess_pool, caa_container_of(n, struct ua_sess, limbo));
}

static unsigned
sess_reclaim(struct sip_ua *ua)
{
	return dpv_defer_reclaim(&ua->limbo, sess_release, ua);
}

static void
stop_timers(struct sip_ua *ua, struct ua_sess *s)
{
	dpv_timer_cancel(ua->cfg.wheel, &s->t_retx);
	dpv_timer_cancel(ua->cfg.wheel, &s->t_guard);
	dpv_timer_cancel(ua->cfg.wheel, &s->t_answer);
}

static void
media_stop(struct sip_ua *ua, struct ua_sess *s)
{
	if (!s->media_on)
		return;
	s->media_on = false;
	if (ua->ops->media_stop != NULL)
		ua->ops->media_stop(ua->arg, &s->media);
}

/* The session is over: media off, out of the table, back to the pool when nothing refers to it. */
static void
sess_end(struct sip_ua *ua, struct ua_sess *s)
{
	if (s->ended)
		return;
	s->ended = true;
	s->state = SIP_SESS_TERMINATED;
	stop_timers(ua, s);
	media_stop(ua, s);
	msg_free(ua, s->resp_2xx);
	s->resp_2xx = NULL;
	s->ack_wait = false;
	msg_free(ua, s->ack);
	s->ack = NULL;
	if (s->in_table) {
		rcu_read_lock();
		cds_lfht_del(ua->ht, &s->node);
		rcu_read_unlock();
		s->in_table = false;
		ua->cnt[SIP_UA_C_sessions_active]--;
	}
	if (s->ntx == 0)
		sess_retire(ua, s);
}

/* ---- requests the UA sends ---- */

static void
fill_dialog_fields(const struct ua_sess *s, struct sip_req_fields *f)
{
	f->via_host = cstr(s->ua->host);
	f->via_port = s->ua->cfg.local_port;
	f->rport = true;
	f->from = dlg(s, DF_LNA);
	f->from_tag = mkstr(s->ltag, s->ltag_len);
	f->to = dlg(s, DF_RNA);
	f->to_tag = s->rna_has_tag ? DPV_STR_NULL : dlg(s, DF_RTAG);
	f->call_id = dlg(s, DF_CALLID);
	f->route = dlg(s, DF_ROUTE);
}

/* What a request in our INVITE's own transaction repeats from it (9.1 CANCEL, 17.1.1.3 ACK):
 * Request-URI, Via branch, From, To (no remote tag), Call-ID, CSeq number and Route. */
static void
fill_invite_fields(const struct ua_sess *s, enum sip_method method, struct sip_req_fields *f)
{
	f->method = method;
	f->ruri = mkstr(s->ruri, s->ruri_len);
	f->via_host = cstr(s->ua->host);
	f->via_port = s->ua->cfg.local_port;
	f->rport = true;
	f->branch = cstr(s->branch);
	f->from = dlg(s, DF_LNA);
	f->from_tag = mkstr(s->ltag, s->ltag_len);
	f->to = dlg(s, DF_RNA);
	f->call_id = dlg(s, DF_CALLID);
	f->cseq = s->inv_cseq;
	f->route = dlg(s, DF_ROUTE);
}

/* Send a request in a client transaction (BYE, CANCEL, INVITE). 0 or -1. */
static int
send_client(struct sip_ua *ua, struct ua_sess *s, const struct sip_req_fields *f, uint32_t ip,
            uint16_t port, struct sip_tx **out)
{
	struct sip_tx_key k = {0};
	struct ua_txc *c;
	struct sip_tx *tx;
	uint32_t cap;
	char *buf;
	void *h;
	int len;

	h = msg_new(ua, &buf, &cap);
	if (h == NULL)
		return -1;
	len = sip_write_request(buf, cap, f);
	c = len >= 0 ? txc_new(ua, s, ip, port, f->method) : NULL;
	if (c == NULL) {
		msg_free(ua, h);
		return -1;
	}
	c->req_len = (uint32_t)len;
	k.branch = f->branch;
	k.method = f->method;
	k.call_id = f->call_id;
	k.cseq = f->cseq;
	tx = sip_tx_client_new(ua->txt, &k, h, c);
	if (tx == NULL) {
		msg_free(ua, h);
		c->sess = NULL;
		if (s != NULL)
			s->ntx--;
		txc_release(ua, c);
		return -1;
	}
	c->tx = tx;
	if (out != NULL)
		*out = tx;
	return 0;
}

/* BYE the dialog; the session is Terminating until the BYE's final response or timeout. */
static void
send_bye(struct sip_ua *ua, struct ua_sess *s)
{
	struct sip_req_fields f = {0};
	char branch[32];

	media_stop(ua, s);
	hex_token(ua, branch, sizeof(branch), SIP_MAGIC_COOKIE);
	fill_dialog_fields(s, &f);
	f.method = SIP_METHOD_BYE;
	f.ruri = dlg(s, DF_TARGET);
	f.branch = cstr(branch);
	f.cseq = ++s->local_cseq;
	s->state = SIP_SESS_TERMINATING;
	if (send_client(ua, s, &f, s->peer_ip, s->peer_port, NULL) != 0)
		sess_end(ua, s); /* no buffer or transaction: nothing left to wait for */
}

static void
guard_cb(struct dpv_timer *t, void *arg)
{
	struct ua_sess *s = arg;
	struct sip_ua *ua = s->ua;

	if (s->ack_wait) {
		/* 13.3.1.4: no ACK within 64*T1: confirm and end the session with a BYE */
		s->ack_wait = false;
		dpv_timer_cancel(ua->cfg.wheel, &s->t_retx);
		msg_free(ua, s->resp_2xx);
		s->resp_2xx = NULL;
		CNT(ua, ack_timeouts);
		send_bye(ua, s);
		return;
	}
	/* 9.1: our CANCEL got no final answer to the INVITE in 64*T1: give up on it */
	sess_end(ua, s);
}

static void
send_cancel(struct sip_ua *ua, struct ua_sess *s)
{
	struct sip_req_fields f = {0};

	fill_invite_fields(s, SIP_METHOD_CANCEL, &f);
	s->hangup = false;
	s->state = SIP_SESS_TERMINATING;
	(void)send_client(ua, s, &f, s->dst_ip, s->dst_port, NULL);
	dpv_timer_arm(ua->cfg.wheel, &s->t_guard, now_ms(ua) + 64ull * ua->t1, guard_cb, s);
}

/* ---- UAS ---- */

static void
retx_cb(struct dpv_timer *t, void *arg)
{
	struct ua_sess *s = arg;
	struct sip_ua *ua = s->ua;

	if (!s->ack_wait || s->resp_2xx == NULL)
		return;
	msg_send(ua, s->resp_2xx, s->resp_2xx_len, s->resp_ip, s->resp_port, false);
	s->retx_ms = 2 * s->retx_ms < ua->t2 ? 2 * s->retx_ms : ua->t2;
	dpv_timer_arm(ua->cfg.wheel, &s->t_retx, now_ms(ua) + s->retx_ms, retx_cb, s);
}

/* Send the prepared 2xx on the pending INVITE transaction and start resending it. */
static void
send_2xx(struct sip_ua *ua, struct ua_sess *s)
{
	struct sip_tx *tx = s->inv_tx;
	uint64_t now = now_ms(ua);

	if (tx == NULL || s->resp_2xx == NULL)
		return;
	if (tx_respond(ua, tx, 200, s->resp_2xx, s->resp_2xx_len) != 0) {
		msg_free(ua, s->resp_2xx);
		s->resp_2xx = NULL;
		sess_end(ua, s);
		return;
	}
	s->inv_tx = NULL;
	s->ack_wait = true;
	if (!s->reinvite) {
		s->state = SIP_SESS_ANSWERED;
		CNT(ua, calls_answered);
	}
	s->retx_ms = ua->t1;
	dpv_timer_arm(ua->cfg.wheel, &s->t_retx, now + ua->t1, retx_cb, s);
	dpv_timer_arm(ua->cfg.wheel, &s->t_guard, now + 64ull * ua->t1, guard_cb, s);
}

/*
 * A final non-2xx to the pending INVITE without the INVITE at hand: the prepared 2xx holds
 * its Via, From, To (with our tag), Call-ID and CSeq lines, which is all a response copies.
 */
static void
inv_final(struct sip_ua *ua, struct ua_sess *s, unsigned code)
{
	if (s->inv_tx == NULL || s->resp_2xx == NULL ||
	    sip_parse(s->resp_2xx_buf, s->resp_2xx_len, &ua->msg2) != 0)
		return;
	/* the writer answers requests only: this view stands for the INVITE it came from */
	ua->msg2.is_request = true;
	ua->msg2.method = SIP_METHOD_INVITE;
	respond(ua, s->inv_tx, &ua->msg2, code, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL, NULL);
	s->inv_tx = NULL;
}

static void
answer_cb(struct dpv_timer *t, void *arg)
{
	send_2xx(((struct ua_sess *)arg)->ua, arg);
}

/* Remote target from Contact (12.1.1) and where in-dialog requests go. */
static void
set_target(struct sip_ua *ua, struct ua_sess *s, const struct sip_msg *m)
{
	struct sip_list_iter it;
	struct sip_naddr na;
	uint32_t ip;

	sip_list_iter_init(&it, m, SIP_HDR_CONTACT);
	if (sip_naddr_next(&it, &na) == 1 && !na.star && dlg_set(s, DF_TARGET, na.uri.raw)) {
		if (s->dlen[DF_ROUTE] == 0 && dpv_ipv4_parse(na.uri.host, &ip)) {
			s->peer_ip = ip;
			s->peer_port = na.uri.has_port ? na.uri.port : SIP_DEFAULT_PORT;
		}
	}
}

/* Route set from Record-Route (12.1.1: as is for the UAS, reversed for the UAC). */
static bool
set_route(struct sip_ua *ua, struct ua_sess *s, const struct sip_msg *m, bool reverse)
{
	struct dpv_str v[MAX_RR];
	char route[UA_DLG_MAX];
	struct sip_list_iter it;
	struct sip_naddr na;
	unsigned n = 0;
	uint32_t len = 0, ip;

	sip_list_iter_init(&it, m, SIP_HDR_RECORD_ROUTE);
	while (n < MAX_RR && sip_list_next(&it, &v[n]) == 1)
		n++;
	for (unsigned i = 0; i < n; i++) {
		struct dpv_str r = v[reverse ? n - 1 - i : i];

		if (len + r.len + 3 >= sizeof(route))
			return false;
		if (i > 0) {
			memcpy(route + len, ", ", 2);
			len += 2;
		}
		memcpy(route + len, r.p, r.len);
		len += r.len;
	}
	if (!dlg_set(s, DF_ROUTE, mkstr(route, len)))
		return false;
	if (n > 0 && sip_naddr_parse(v[reverse ? n - 1 : 0], &na) == 0 &&
	    dpv_ipv4_parse(na.uri.host, &ip)) {
		s->peer_ip = ip;
		s->peer_port = na.uri.has_port ? na.uri.port : SIP_DEFAULT_PORT;
	}
	return true;
}

static void
media_action_from_dp(struct ua_sess *s, const struct sip_dialplan_result *r)
{
	s->media.action = r->action;
	if (r->action == DPV_CALL_BRIDGE)
		memcpy(s->media.bridge, r->bridge, r->bridge_len + 1u);
}

static void
uas_invite(struct sip_ua *ua, const struct sip_msg *m)
{
	char tag[24], extra[256];
	struct sip_dialplan_result dr;
	enum sip_dp_status st;
	struct ua_sess *s;
	struct sip_tx *tx;
	uint32_t cap;
	char *buf;
	int n, xlen, len;

	hex_token(ua, tag, sizeof(tag), "");
	tx = server_tx(ua, m, NULL);
	if (tx == NULL)
		return; /* answered */
	st = ua->cfg.dialplan != NULL ? sip_dialplan_match(ua->cfg.dialplan, ua->dps,
	                                                   m->ruri.user.p, m->ruri.user.len, &dr)
	                              : SIP_DP_NO_MATCH;
	if (st == SIP_DP_NO_MATCH) {
		respond(ua, tx, m, 404, cstr(tag), DPV_STR_NULL, DPV_STR_NULL, "no dialplan match");
		return;
	}
	if (st == SIP_DP_BAD_BRIDGE_NAME) {
		respond(ua, tx, m, 400, cstr(tag), DPV_STR_NULL, DPV_STR_NULL, "bad bridge name");
		return;
	}
	if (dr.action == DPV_CALL_REJECT) {
		respond(ua, tx, m, dr.reject_code, cstr(tag), DPV_STR_NULL, DPV_STR_NULL,
		        "rejected by dialplan");
		return;
	}
	s = sess_alloc(ua, false);
	if (s == NULL) {
		CNT(ua, overload_503);
		respond(ua, tx, m, 503, cstr(tag), DPV_STR_NULL, DPV_STR_NULL, "dialog pool full");
		return;
	}
	snprintf(s->ltag, sizeof(s->ltag), "%s", tag);
	s->ltag_len = (uint16_t)strlen(tag);
	/* In-dialog requests go to the source, unless a route set (set_route) or, without one, the
	 * Contact (set_target) says otherwise. */
	s->peer_ip = ua->src_ip;
	s->peer_port = ua->src_port;
	if (!dlg_set(s, DF_CALLID, m->call_id) || !dlg_set(s, DF_RTAG, m->from.tag) ||
	    !dlg_set(s, DF_RNA, m->from.raw) || !dlg_set(s, DF_LNA, m->to.raw) ||
	    !dlg_set(s, DF_TARGET, m->from.uri.raw) || !set_route(ua, s, m, false)) {
		sess_drop(ua, s);
		respond(ua, tx, m, 400, cstr(tag), DPV_STR_NULL, DPV_STR_NULL,
		        "dialog field too long");
		return;
	}
	s->rna_has_tag = true;
	snprintf(s->peer_uri, sizeof(s->peer_uri), "%.*s", (int)m->from.uri.raw.len,
	         m->from.uri.raw.p);
	set_target(ua, s, m);
	s->remote_cseq = m->cseq;
	s->remote_cseq_set = true;
	s->inv_cseq = m->cseq;
	s->state = SIP_SESS_INCOMING;
	media_action_from_dp(s, &dr);

	/* 13.2.1: an INVITE without an offer gets ours in the 2xx, the answer comes in the ACK */
	s->offer_in_2xx = m->body.len == 0;
	if (s->offer_in_2xx)
		n = ua->ops->media_offer(ua->arg, ua->sdp, sizeof(ua->sdp), &s->media);
	else
		n = ua->ops->media_answer(ua->arg, m->body.p, m->body.len, ua->sdp, sizeof(ua->sdp),
		                          &s->media);
	if (n < 0 || n > (int)sizeof(ua->sdp)) {
		unsigned code = n < -399 && n > -700 ? (unsigned)-n : 488;

		sess_drop(ua, s);
		respond(ua, tx, m, code, cstr(tag), DPV_STR_NULL, DPV_STR_NULL,
		        "media answer failed");
		return;
	}
	s->media_on = true;
	/* From here the session owns the media port: every failure goes through sess_end. */
	((struct ua_txc *)sip_tx_user(tx))->sess = s;
	s->ntx++;
	s->inv_tx = tx;
	if (!sess_insert(ua, s)) {
		respond(ua, tx, m, 500, cstr(tag), DPV_STR_NULL, DPV_STR_NULL, "duplicate dialog");
		sess_end(ua, s);
		return;
	}
	CNT(ua, calls_in);
	respond(ua, tx, m, 100, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL, NULL);
	respond(ua, tx, m, 180, cstr(tag), DPV_STR_NULL, DPV_STR_NULL, NULL);

	s->resp_2xx = msg_new(ua, &buf, &cap);
	if (s->resp_2xx == NULL) {
		respond(ua, tx, m, 500, cstr(tag), DPV_STR_NULL, DPV_STR_NULL, "no buffer");
		sess_end(ua, s);
		return;
	}
	xlen =
	    snprintf(extra, sizeof(extra), "Contact: %s\r\n" ALLOW_HDR SUPPORTED_HDR, ua->contact);
	for (;;) {
		len = sip_write_response(buf, cap, m, 200, NULL, cstr(tag),
		                         mkstr(extra, (uint32_t)xlen), mkstr(ua->sdp, (uint32_t)n),
		                         SDP_TYPE);
		if (len >= 0 || !msg_grow(ua, &s->resp_2xx, &buf, &cap))
			break;
	}
	if (len < 0) {
		msg_free(ua, s->resp_2xx); /* NULL after a failed msg_grow: no-op */
		s->resp_2xx = NULL;
		respond(ua, tx, m, 500, cstr(tag), DPV_STR_NULL, DPV_STR_NULL, "2xx too big");
		sess_end(ua, s);
		return;
	}
	s->resp_2xx_len = (uint32_t)len;
	s->resp_2xx_buf = buf;
	resp_dest(ua, m, &s->resp_ip, &s->resp_port);
	if (ua->cfg.answer_delay_ms == 0)
		send_2xx(ua, s);
	else
		dpv_timer_arm(ua->cfg.wheel, &s->t_answer, now_ms(ua) + ua->cfg.answer_delay_ms,
		              answer_cb, s);
}

/* In-dialog request: the session, or a 481 / 500 answer already sent (NULL). */
static struct ua_sess *
dialog_for(struct sip_ua *ua, const struct sip_msg *m, struct sip_tx *tx)
{
	struct ua_sess *s = sess_find(ua, m->call_id, m->to.tag);

	if (s == NULL || s->ended ||
	    (s->dlen[DF_RTAG] && !dpv_str_eq(m->from.tag, dlg(s, DF_RTAG)))) {
		respond(ua, tx, m, 481, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL, "no such dialog");
		return NULL;
	}
	if (s->remote_cseq_set && m->cseq < s->remote_cseq) {
		respond(ua, tx, m, 500, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		        "CSeq lower than the last one");
		return NULL;
	}
	s->remote_cseq = m->cseq;
	s->remote_cseq_set = true;
	return s;
}

static void
uas_reinvite(struct sip_ua *ua, const struct sip_msg *m, struct sip_tx *tx)
{
	char extra[256];
	struct ua_sess *s = dialog_for(ua, m, tx);
	bool cli_pending;
	uint32_t cap;
	char *buf;
	void *h;
	int n, len;

	if (s == NULL)
		return;
	cli_pending = s->cli_inv != NULL && sip_tx_state(s->cli_inv) != SIP_TX_ACCEPTED &&
	              sip_tx_state(s->cli_inv) != SIP_TX_COMPLETED;
	if (s->inv_tx != NULL || s->ack_wait || cli_pending) {
		respond(ua, tx, m, 491, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		        "another INVITE is pending");
		return;
	}
	if (s->state != SIP_SESS_CONFIRMED) {
		respond(ua, tx, m, 500, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		        "session not confirmed");
		return;
	}
	if (m->body.len == 0) {
		respond(ua, tx, m, 488, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL, "no SDP offer");
		return;
	}
	n = ua->ops->media_answer(ua->arg, m->body.p, m->body.len, ua->sdp, sizeof(ua->sdp),
	                          &s->media);
	if (n < 0 || n > (int)sizeof(ua->sdp)) {
		unsigned code = n < -399 && n > -700 ? (unsigned)-n : 488;

		respond(ua, tx, m, code, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		        "media answer failed");
		return;
	}
	set_target(ua, s, m);
	h = msg_new(ua, &buf, &cap);
	if (h == NULL)
		return;
	len =
	    snprintf(extra, sizeof(extra), "Contact: %s\r\n" ALLOW_HDR SUPPORTED_HDR, ua->contact);
	len = sip_write_response(buf, cap, m, 200, NULL, DPV_STR_NULL, mkstr(extra, (uint32_t)len),
	                         mkstr(ua->sdp, (uint32_t)n), SDP_TYPE);
	if (len < 0) {
		msg_free(ua, h);
		respond(ua, tx, m, 500, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL, "2xx too big");
		return;
	}
	((struct ua_txc *)sip_tx_user(tx))->sess = s;
	s->ntx++;
	s->inv_tx = tx;
	s->inv_cseq = m->cseq;
	s->reinvite = true;
	s->resp_2xx = h;
	s->resp_2xx_buf = buf;
	s->resp_2xx_len = (uint32_t)len;
	resp_dest(ua, m, &s->resp_ip, &s->resp_port);
	send_2xx(ua, s);
}

static void
uas_ack(struct sip_ua *ua, const struct sip_msg *m)
{
	struct ua_sess *s = sess_find(ua, m->call_id, m->to.tag);

	if (s == NULL || s->ended || !s->ack_wait || m->cseq != s->inv_cseq) {
		CNT(ua, rx_dropped); /* stray or retransmitted ACK */
		return;
	}
	s->ack_wait = false;
	dpv_timer_cancel(ua->cfg.wheel, &s->t_retx);
	dpv_timer_cancel(ua->cfg.wheel, &s->t_guard);
	msg_free(ua, s->resp_2xx);
	s->resp_2xx = NULL;
	s->reinvite = false;
	s->state = SIP_SESS_CONFIRMED;
	if (s->offer_in_2xx) {
		s->offer_in_2xx = false;
		/* no answer, or one we cannot take: end the call (13.3.1.4 leaves it to us) */
		if (m->body.len == 0 || ua->ops->media_answered == NULL ||
		    ua->ops->media_answered(ua->arg, m->body.p, m->body.len, &s->media) != 0) {
			send_bye(ua, s);
			return;
		}
	}
	if (ua->ops->media_update != NULL)
		ua->ops->media_update(ua->arg, &s->media);
	if (s->bye_after_ack) {
		s->bye_after_ack = false;
		send_bye(ua, s);
	}
}

static void
uas_cancel(struct sip_ua *ua, const struct sip_msg *m)
{
	struct sip_tx_key k;
	struct sip_tx *inv, *tx;
	struct ua_txc *ic;
	struct ua_sess *s = NULL;
	struct sip_msg im;
	char cseq[32];
	int n;

	key_from_msg(&k, m);
	inv = sip_tx_find_cancelled(ua->txt, &k);
	ic = inv != NULL ? sip_tx_user(inv) : NULL;
	if (ic != NULL && ic->sess != NULL && !ic->sess->ended)
		s = ic->sess;
	tx = server_tx(ua, m, NULL);
	if (tx == NULL)
		return; /* answered */
	if (inv == NULL) {
		respond(ua, tx, m, 481, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		        "no matching INVITE");
		return;
	}
	respond(ua, tx, m, 200, s != NULL ? mkstr(s->ltag, s->ltag_len) : DPV_STR_NULL,
	        DPV_STR_NULL, DPV_STR_NULL, NULL);
	if (s == NULL || s->inv_tx != inv || sip_tx_state(inv) != SIP_TX_PROCEEDING)
		return; /* answered already: the CANCEL has no effect (9.2) */
	/* The 487 answers the INVITE: the CANCEL's header lines with the INVITE's CSeq. */
	im = *m;
	n = snprintf(cseq, sizeof(cseq), "%u INVITE", m->cseq);
	im.hdrs[im.first[SIP_HDR_CSEQ]].value = mkstr(cseq, (uint32_t)n);
	im.method = SIP_METHOD_INVITE;
	respond(ua, inv, &im, 487, mkstr(s->ltag, s->ltag_len), DPV_STR_NULL, DPV_STR_NULL, NULL);
	s->inv_tx = NULL;
	CNT(ua, calls_cancelled);
	sess_end(ua, s);
}

static void
uas_bye(struct sip_ua *ua, const struct sip_msg *m, struct sip_tx *tx)
{
	struct ua_sess *s = dialog_for(ua, m, tx);

	if (s == NULL)
		return;
	respond(ua, tx, m, 200, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL, NULL);
	if (s->inv_tx != NULL)
		inv_final(ua, s, 487); /* 15.1.2: BYE before the final answer */
	CNT(ua, calls_ended);
	sess_end(ua, s);
}

static void
uas_options(struct sip_ua *ua, const struct sip_msg *m, struct sip_tx *tx)
{
	static const char extra[] = ALLOW_HDR "Accept: application/sdp\r\n" SUPPORTED_HDR;
	char tag[24];

	if (m->to.has_tag && dialog_for(ua, m, tx) == NULL)
		return;
	hex_token(ua, tag, sizeof(tag), "");
	respond(ua, tx, m, 200, m->to.has_tag ? DPV_STR_NULL : cstr(tag),
	        mkstr(extra, sizeof(extra) - 1), DPV_STR_NULL, NULL);
}

static const struct sip_check_cfg check_cfg = {
    .methods = 1u << SIP_METHOD_INVITE | 1u << SIP_METHOD_ACK | 1u << SIP_METHOD_BYE |
               1u << SIP_METHOD_CANCEL | 1u << SIP_METHOD_OPTIONS,
};

static void
request_in(struct sip_ua *ua, const struct sip_msg *m)
{
	struct sip_check_result cr;
	struct sip_tx_key k;
	struct sip_tx *tx;
	enum sip_tx_rx rx;

	CNT(ua, rx_requests);
	if (sip_msg_check_request(m, &check_cfg, &cr) != 0) {
		respond_stateless(ua, m, cr.status, cr.reason, cr.unsupported);
		return;
	}
	key_from_msg(&k, m);
	rx = sip_tx_request_in(ua->txt, &k, &tx);
	if (m->method == SIP_METHOD_ACK) {
		if (rx == SIP_TX_RX_NO_MATCH || rx == SIP_TX_RX_TO_TU)
			uas_ack(ua, m);
		return;
	}
	if (rx != SIP_TX_RX_NO_MATCH)
		return; /* retransmission: the transaction resent its last response */
	if (m->method == SIP_METHOD_CANCEL) {
		uas_cancel(ua, m);
		return;
	}
	if (m->method == SIP_METHOD_INVITE && !m->to.has_tag) {
		uas_invite(ua, m);
		return;
	}
	tx = server_tx(ua, m, NULL);
	if (tx == NULL)
		return; /* answered */
	switch (m->method) {
	case SIP_METHOD_INVITE:
		uas_reinvite(ua, m, tx);
		break;
	case SIP_METHOD_BYE:
		if (!m->to.has_tag)
			respond(ua, tx, m, 481, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
			        "BYE outside a dialog");
		else
			uas_bye(ua, m, tx);
		break;
	case SIP_METHOD_OPTIONS:
		uas_options(ua, m, tx);
		break;
	default:
		respond(ua, tx, m, 501, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		        "method not implemented");
		break;
	}
}

/* ---- UAC ---- */

/* ACK for a 2xx (13.2.2.4): its own transaction-less request, kept to answer retransmissions. */
static void
uac_ack_2xx(struct sip_ua *ua, struct ua_sess *s)
{
	struct sip_req_fields f = {0};
	char branch[32];
	uint32_t cap;
	char *buf;
	int len;

	if (s->ack == NULL) {
		s->ack = msg_new(ua, &buf, &cap);
		if (s->ack == NULL)
			return;
		hex_token(ua, branch, sizeof(branch), SIP_MAGIC_COOKIE);
		fill_dialog_fields(s, &f);
		f.method = SIP_METHOD_ACK;
		f.ruri = dlg(s, DF_TARGET);
		f.branch = cstr(branch);
		f.cseq = s->inv_cseq;
		len = sip_write_request(buf, cap, &f);
		if (len < 0) {
			msg_free(ua, s->ack);
			s->ack = NULL;
			return;
		}
		s->ack_len = (uint32_t)len;
	}
	msg_send(ua, s->ack, s->ack_len, s->peer_ip, s->peer_port, true);
}

static void
uac_invite_response(struct sip_ua *ua, struct ua_sess *s, const struct sip_msg *m, unsigned code)
{
	s->last_code = (uint16_t)code;
	if (code < 200) {
		if (m->to.has_tag && s->state == SIP_SESS_CALLING) {
			if (dlg_set(s, DF_RTAG, m->to.tag))
				s->state = SIP_SESS_EARLY;
		}
		if (s->hangup)
			send_cancel(ua, s);
		return;
	}
	if (code >= 300) {
		/* the transaction layer has ACKed it (send_ack) */
		if (s->state == SIP_SESS_TERMINATING)
			CNT(ua, calls_cancelled);
		else
			CNT(ua, calls_failed);
		s->cli_inv = NULL;
		sess_end(ua, s);
		return;
	}
	/* 2xx */
	if (s->ack != NULL || s->state == SIP_SESS_CONFIRMED) {
		uac_ack_2xx(ua, s); /* retransmission of the 2xx: ACK again */
		return;
	}
	if (!m->to.has_tag || !dlg_set(s, DF_RTAG, m->to.tag) || !set_route(ua, s, m, true)) {
		CNT(ua, rx_dropped);
		return;
	}
	set_target(ua, s, m);
	dpv_timer_cancel(ua->cfg.wheel, &s->t_guard);
	uac_ack_2xx(ua, s);
	CNT(ua, calls_answered);
	if (s->state == SIP_SESS_TERMINATING || s->hangup ||
	    (ua->ops->media_answered != NULL &&
	     ua->ops->media_answered(ua->arg, m->body.p, m->body.len, &s->media) != 0)) {
		s->hangup = false;
		send_bye(ua, s);
		return;
	}
	s->state = SIP_SESS_CONFIRMED;
	if (ua->ops->media_update != NULL)
		ua->ops->media_update(ua->arg, &s->media);
}

static void
response_in(struct sip_ua *ua, const struct sip_msg *m)
{
	struct sip_tx_key k;
	struct sip_tx *tx;
	struct ua_sess *s;

	CNT(ua, rx_responses);
	key_from_msg(&k, m);
	ua->cur_resp = m;
	tx = sip_tx_response_in(ua->txt, &k, m->status);
	ua->cur_resp = NULL;
	if (tx != NULL)
		return;
	/* A 2xx retransmission after the INVITE transaction ended: ACK it again (13.2.2.4). */
	s = sess_find(ua, m->call_id, m->from.tag);
	if (s != NULL && s->outgoing && m->cseq_method == SIP_METHOD_INVITE && m->status >= 200 &&
	    m->status < 300 && s->ack != NULL) {
		uac_ack_2xx(ua, s);
		return;
	}
	CNT(ua, rx_dropped);
}

/* ---- transaction callbacks ---- */

static void
cb_send_request(struct sip_tx *tx, void *req, void *arg)
{
	struct ua_txc *c = sip_tx_user(tx);

	msg_send(arg, req, c->req_len, c->ip, c->port, true);
}

static void
cb_send_response(struct sip_tx *tx, void *resp, void *arg)
{
	struct ua_txc *c = sip_tx_user(tx);

	msg_send(arg, resp, c->resp_len, c->ip, c->port, false);
}

/* 17.1.1.3: ACK to a 3xx-6xx, in the INVITE's transaction, To from the response. */
static void
cb_send_ack(struct sip_tx *tx, void *arg)
{
	struct sip_ua *ua = arg;
	struct ua_txc *c = sip_tx_user(tx);
	struct ua_sess *s = c->sess;
	const struct sip_msg *m = ua->cur_resp;
	struct sip_req_fields f = {0};
	uint32_t cap;
	char *buf;
	void *h;
	int len;

	if (s == NULL || m == NULL)
		return;
	fill_invite_fields(s, SIP_METHOD_ACK, &f);
	f.to = m->to.raw; /* the response's To, tag included */
	h = msg_new(ua, &buf, &cap);
	if (h == NULL)
		return;
	len = sip_write_request(buf, cap, &f);
	if (len >= 0)
		msg_send(ua, h, (uint32_t)len, c->ip, c->port, true);
	msg_free(ua, h);
}

static void
cb_on_response(struct sip_tx *tx, unsigned code, void *arg)
{
	struct sip_ua *ua = arg;
	struct ua_txc *c = sip_tx_user(tx);
	struct ua_sess *s = c->sess;

	if (s == NULL || s->ended || ua->cur_resp == NULL)
		return;
	switch (c->method) {
	case SIP_METHOD_INVITE:
		uac_invite_response(ua, s, ua->cur_resp, code);
		break;
	case SIP_METHOD_BYE:
		if (code >= 200) {
			CNT(ua, calls_ended);
			sess_end(ua, s);
		}
		break;
	default: /* CANCEL: the INVITE's 487 decides */
		break;
	}
}

static void
cb_on_timeout(struct sip_tx *tx, enum sip_tx_timer which, void *arg)
{
	struct sip_ua *ua = arg;
	struct ua_txc *c = sip_tx_user(tx);
	struct ua_sess *s = c->sess;

	if (s == NULL || s->ended)
		return;
	if (c->method == SIP_METHOD_INVITE && which == SIP_TX_TIMER_B) {
		s->last_code = 408;
		s->cli_inv = NULL;
		if (s->state == SIP_SESS_TERMINATING)
			CNT(ua, calls_cancelled);
		else
			CNT(ua, calls_failed);
		sess_end(ua, s);
	} else if (c->method == SIP_METHOD_BYE) {
		CNT(ua, calls_ended);
		sess_end(ua, s);
	} else if (c->method == SIP_METHOD_INVITE && which == SIP_TX_TIMER_H) {
		sess_end(ua, s); /* our non-2xx was never ACKed */
	}
}

static void
cb_on_terminated(struct sip_tx *tx, void *arg)
{
	struct sip_ua *ua = arg;
	struct ua_txc *c = sip_tx_user(tx);
	struct ua_sess *s = c->sess;
	void *resp = sip_tx_last_response(tx);

	if (sip_tx_kind(tx) == SIP_TX_ICT || sip_tx_kind(tx) == SIP_TX_NICT)
		msg_free(ua, sip_tx_request(tx));
	else if (resp != NULL && !(c->method == SIP_METHOD_INVITE && sip_tx_last_code(tx) >= 200 &&
	                           sip_tx_last_code(tx) < 300))
		msg_free(ua, resp);
	if (s != NULL) {
		if (s->inv_tx == tx) {
			s->inv_tx = NULL;
			if (!s->ended && s->state == SIP_SESS_INCOMING)
				sess_end(ua, s);
		}
		if (s->cli_inv == tx)
			s->cli_inv = NULL;
	}
	txc_release(ua, c);
}

static const struct sip_tx_ops tx_ops = {
    .send_request = cb_send_request,
    .send_response = cb_send_response,
    .send_ack = cb_send_ack,
    .on_response = cb_on_response,
    .on_timeout = cb_on_timeout,
    .on_terminated = cb_on_terminated,
};

/* ---- public ---- */

/*
 * Where to answer a request whose top Via did not parse: RFC 3261 18.2.2 sends a response to
 * the source address ("received") and the sent-by port, so all we need from the Via is
 * "SIP/2.0/<transport> host[:port]" at its start, read leniently (any tokens for protocol,
 * version and transport: RFC 4475 badvers says "SIP/7.0/UDP" and expects a 505). False when
 * no host can be found: then nobody can be answered and the request is dropped.
 */
static bool
via_dest_lenient(const struct sip_ua *ua, const struct sip_msg *m, uint32_t *ip, uint16_t *port)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_VIA);
	const char *p, *e, *q;
	uint32_t n = 0;

	if (h == NULL)
		return false;
	p = h->value.p;
	e = p + h->value.len;
	for (int i = 0; i < 3; i++) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		q = p;
		while (p<e && * p> ' ' && *p < 0x7f && *p != '/' && *p != ';' && *p != ',')
			p++;
		if (p == q)
			return false;
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		if (i < 2 && (p >= e || *p++ != '/'))
			return false;
	}
	if (p < e && *p == '[') {
		while (p < e && *p != ']')
			p++;
		if (p++ >= e)
			return false;
	} else {
		q = p;
		while (p<e && * p> ' ' && *p < 0x7f && *p != ':' && *p != ';' && *p != ',')
			p++;
		if (p == q)
			return false;
	}
	*ip = ua->src_ip;
	*port = SIP_DEFAULT_PORT;
	if (p < e && *p == ':') {
		q = ++p;
		while (p < e && *p >= '0' && *p <= '9' && n <= 65535)
			n = n * 10 + (uint32_t)(*p++ - '0');
		if (p == q || n == 0 || n > 65535)
			return false;
		*port = (uint16_t)n;
	}
	return true;
}

/* Bounded appender for write_parse_reject. */
struct rbuf {
	char *p;
	uint32_t len, cap;
	bool over;
};

static void
r_put(struct rbuf *w, const char *d, uint32_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void
r_line(struct rbuf *w, const char *name, struct dpv_str v, struct dpv_str tag)
{
	r_put(w, name, (uint32_t)strlen(name));
	r_put(w, ": ", 2);
	if (v.len)
		r_put(w, v.p, v.len);
	if (tag.len) {
		r_put(w, ";tag=", 5);
		r_put(w, tag.p, tag.len);
	}
	r_put(w, "\r\n", 2);
}

/*
 * The answer to a request that failed to parse (RFC 4475 3.1.2: "respond with 400", 505 for
 * a version): every Via line, then the first From, To, Call-ID and CSeq as they were received,
 * malformed or not (the sender gets back what it sent; a missing one is left out), a To tag
 * when the To parses without one, a Warning naming the problem, no body. -1 when it does not
 * fit @a cap.
 */
static int
write_parse_reject(char *buf, uint32_t cap, const struct sip_msg *m, unsigned code, const char *why,
                   const char *tag)
{
	static const struct {
		uint8_t type;
		const char *name;
	} copy[] = {{SIP_HDR_FROM, "From"},
	            {SIP_HDR_TO, "To"},
	            {SIP_HDR_CALL_ID, "Call-ID"},
	            {SIP_HDR_CSEQ, "CSeq"}};
	struct rbuf w = {buf, 0, cap, false};
	const struct sip_hdr *h;
	struct sip_naddr to;
	char line[160];
	int n;

	n = snprintf(line, sizeof(line), "SIP/2.0 %u %s\r\n", code,
	             sip_status_phrase((uint16_t)code));
	r_put(&w, line, (uint32_t)n);
	for (h = sip_msg_hdr(m, SIP_HDR_VIA); h != NULL; h = sip_msg_hdr_next(m, h))
		r_line(&w, "Via", h->value, DPV_STR_NULL);
	for (unsigned i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
		struct dpv_str t = DPV_STR_NULL;

		h = sip_msg_hdr(m, (enum sip_hdr_type)copy[i].type);
		if (h == NULL)
			continue;
		if (copy[i].type == SIP_HDR_TO && sip_naddr_parse(h->value, &to) == 0 && !to.star &&
		    !to.has_tag)
			t = cstr(tag);
		r_line(&w, copy[i].name, h->value, t);
	}
	n = snprintf(line, sizeof(line),
	             "Warning: 399 " AGENT " \"%s\"\r\nContent-Length: 0\r\n\r\n", why);
	r_put(&w, line, (uint32_t)n);
	return w.over ? -1 : (int)w.len;
}

/* Answer a request sip_parse() refused with @a err (0: parsed, but malformed as @a why says),
 * or drop it when no Via gives a place to send the answer to. */
static void
parse_reject(struct sip_ua *ua, const struct sip_msg *m, int err, const char *why)
{
	unsigned code = err ? sip_parse_status(err) : 400;
	char tag[24], *buf;
	struct sip_list_iter it;
	struct sip_via v;
	uint32_t cap, ip;
	uint16_t port;
	void *h;
	int len;

	/* m->via is not to be trusted after an error: parse the top Via again */
	sip_list_iter_init(&it, m, SIP_HDR_VIA);
	if (sip_via_next(&it, &v) == 1)
		via_dest(ua, &v, &ip, &port);
	else if (!via_dest_lenient(ua, m, &ip, &port)) {
		CNT(ua, rx_dropped);
		return;
	}
	h = msg_new(ua, &buf, &cap);
	if (h == NULL)
		return;
	hex_token(ua, tag, sizeof(tag), "");
	while ((len = write_parse_reject(buf, cap, m, code, why, tag)) < 0)
		if (!msg_grow(ua, &h, &buf, &cap)) {
			CNT(ua, rx_dropped);
			return;
		}
	count_status(ua, code);
	msg_send(ua, h, (uint32_t)len, ip, port, false);
	msg_free(ua, h);
}

/*
 * RFC 3261 grammar the parser leaves to its users (it flags, it does not refuse):
 *  - 7: "the empty line MUST be present even if the message-body is not" (RFC 4475 baddn is
 *    cut before it): a message whose header section runs to the end of the datagram is
 *    malformed.
 *  - 25.1: header values are TEXT-UTF8 (%x21-7E, UTF-8), LWS and quoted strings; a raw NUL is
 *    allowed only as the escaped octet of a quoted-pair inside a quoted string (RFC 4475
 *    intmeth's To carries "\<NUL>", and must be accepted). Bodies may hold anything.
 * Both apply to requests (400) and responses (dropped) alike. NULL when neither is found.
 */
static const char *
grammar_error(const struct sip_msg *m)
{
	const char *hend = m->body.p != NULL ? m->body.p : m->buf + m->len;

	if (m->flags & SIP_MSG_F_NO_BLANK_LINE)
		return "no blank line after the headers";
	if (memchr(m->buf, '\0', (size_t)(hend - m->buf)) == NULL)
		return NULL; /* the common case: one scan of the header section */
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		struct dpv_str v = m->hdrs[i].value;
		bool quoted = false;

		if (v.len == 0 || memchr(v.p, '\0', v.len) == NULL)
			continue;
		for (uint32_t k = 0; k < v.len; k++) {
			if (v.p[k] == '"')
				quoted = !quoted;
			else if (quoted && v.p[k] == '\\')
				k++; /* quoted-pair: any octet but CR and LF */
			else if (v.p[k] == '\0')
				return "NUL in header value";
		}
	}
	return NULL;
}

void
sip_ua_input(struct sip_ua *ua, const char *buf, uint32_t len, uint32_t src_ip, uint16_t src_port)
{
	struct sip_msg *m = &ua->msg;
	const char *why;
	int err;

	ua->src_ip = src_ip;
	ua->src_port = src_port;
	err = sip_parse(buf, len, m);
	why = err != 0 ? sip_parse_strerror(err) : grammar_error(m);
	if (why != NULL) {
		CNT(ua, rx_parse_errors);
		if (m->is_request && m->method != SIP_METHOD_ACK)
			parse_reject(ua, m, err, why);
		else
			CNT(ua, rx_dropped);
		return;
	}
	if (m->is_request)
		request_in(ua, m);
	else
		response_in(ua, m);
}

unsigned
sip_ua_tick(struct sip_ua *ua, uint64_t now)
{
	unsigned n = dpv_timer_wheel_advance(ua->cfg.wheel, now);

	n += sip_tx_table_reclaim(ua->txt);
	n += sess_reclaim(ua);
	return n;
}

static struct ua_sess *
sess_by_id(struct sip_ua *ua, uint64_t id)
{
	uint64_t slot = id & 0xffffff;
	struct ua_sess *s;

	if (sip_ua_session_owner(id) != ua->cfg.index || slot >= dpv_pool_size(ua->sess_pool))
		return NULL;
	s = ua->by_slot[slot];
	return s != NULL && s->id == id && !s->ended && !s->retired ? s : NULL;
}

int
sip_ua_originate(struct sip_ua *ua, const char *uri, const char *bridge, uint64_t *session_id)
{
	char rna[UA_URI_MAX + 3];
	struct sip_req_fields f = {0};
	char extra[160];
	struct sip_uri u;
	struct ua_sess *s;
	uint32_t ip;
	int n, len;

	if (uri == NULL || sip_uri_parse(cstr(uri), &u) != 0 || u.scheme != SIP_SCHEME_SIP ||
	    !dpv_ipv4_parse(u.host, &ip) || strlen(uri) >= UA_URI_MAX ||
	    (bridge != NULL && !dpv_bridge_name_valid(bridge, strlen(bridge))))
		return -EINVAL;
	s = sess_alloc(ua, true);
	if (s == NULL)
		return -ENOSPC;
	s->dst_ip = s->peer_ip = ip;
	s->dst_port = s->peer_port = u.has_port ? u.port : SIP_DEFAULT_PORT;
	snprintf(s->ruri, sizeof(s->ruri), "%s", uri);
	s->ruri_len = (uint16_t)strlen(s->ruri);
	snprintf(rna, sizeof(rna), "<%s>", uri);
	/* fits: the URI was checked against UA_URI_MAX */
	dlg_set(s, DF_TARGET, mkstr(s->ruri, s->ruri_len));
	dlg_set(s, DF_RNA, cstr(rna));
	dlg_set(s, DF_LNA, cstr(ua->contact));
	snprintf(s->peer_uri, sizeof(s->peer_uri), "%s", uri);
	hex_token(ua, s->ltag, sizeof(s->ltag), "");
	s->ltag_len = (uint16_t)strlen(s->ltag);
	/* The engine steers SIP by dpv_hash32(Call-ID) % nb_uas: the answers to our INVITE must
	 * come back to this lcore, so draw Call-IDs until one hashes here (nb_uas tries on
	 * average). */
	for (unsigned i = 0; i < 64 * 1024; i++) {
		char cid[64];
		int n =
		    snprintf(cid, sizeof(cid), "%016llx%08x@%s", (unsigned long long)ua_rand(ua),
		             (unsigned)ua->next_unique, ua->host);

		dlg_set(s, DF_CALLID, mkstr(cid, (uint32_t)n));
		if (ua->cfg.nb_uas <= 1 ||
		    dpv_hash32(cid, (uint32_t)n) % ua->cfg.nb_uas == ua->cfg.index)
			break;
	}
	hex_token(ua, s->branch, sizeof(s->branch), SIP_MAGIC_COOKIE);
	s->local_cseq = s->inv_cseq = 1;
	if (bridge != NULL) {
		s->media.action = DPV_CALL_BRIDGE;
		snprintf(s->media.bridge, sizeof(s->media.bridge), "%s", bridge);
	}
	n = ua->ops->media_offer(ua->arg, ua->sdp, sizeof(ua->sdp), &s->media);
	if (n < 0 || n > (int)sizeof(ua->sdp)) {
		sess_drop(ua, s);
		return n == -503 ? -ENOSPC : -EIO;
	}
	s->media_on = true;
	s->state = SIP_SESS_CALLING;
	if (!sess_insert(ua, s)) {
		sess_end(ua, s);
		return -EEXIST;
	}
	len = snprintf(extra, sizeof(extra), ALLOW_HDR SUPPORTED_HDR);
	fill_invite_fields(s, SIP_METHOD_INVITE, &f); /* CSeq 1, no route set yet */
	f.contact = cstr(ua->contact);
	f.extra = mkstr(extra, (uint32_t)len);
	f.body = mkstr(ua->sdp, (uint32_t)n);
	f.content_type = SDP_TYPE;
	if (send_client(ua, s, &f, s->dst_ip, s->dst_port, &s->cli_inv) != 0) {
		sess_end(ua, s);
		return -ENOSPC;
	}
	CNT(ua, calls_out);
	*session_id = s->id;
	return 0;
}

int
sip_ua_hangup(struct sip_ua *ua, uint64_t session_id)
{
	struct ua_sess *s = sess_by_id(ua, session_id);

	if (s == NULL)
		return -ENOENT;
	switch (s->state) {
	case SIP_SESS_CONFIRMED:
		if (s->ack_wait)
			s->bye_after_ack = true; /* re-INVITE 2xx pending: BYE once ACKed */
		else
			send_bye(ua, s);
		break;
	case SIP_SESS_ANSWERED:
		s->bye_after_ack = true; /* 15: no BYE before the ACK (or its timeout) */
		break;
	case SIP_SESS_CALLING:
	case SIP_SESS_EARLY:
		if (s->cli_inv != NULL && sip_tx_state(s->cli_inv) == SIP_TX_PROCEEDING)
			send_cancel(ua, s);
		else
			s->hangup = true; /* 9.1: CANCEL once a provisional arrives */
		break;
	case SIP_SESS_INCOMING:
		inv_final(ua, s, 480);
		sess_end(ua, s);
		break;
	default:
		break;
	}
	return 0;
}

int
sip_ua_set_bridge(struct sip_ua *ua, uint64_t session_id, const char *bridge)
{
	struct ua_sess *s = sess_by_id(ua, session_id);

	if (s == NULL)
		return -ENOENT;
	if (bridge != NULL && !dpv_bridge_name_valid(bridge, strlen(bridge)))
		return -EINVAL;
	if (bridge != NULL) {
		s->media.action = DPV_CALL_BRIDGE;
		snprintf(s->media.bridge, sizeof(s->media.bridge), "%s", bridge);
	} else {
		s->media.action = DPV_CALL_NONE;
		s->media.bridge[0] = '\0';
	}
	if (s->state == SIP_SESS_CONFIRMED && s->media_on && ua->ops->media_update != NULL)
		ua->ops->media_update(ua->arg, &s->media);
	return 0;
}

unsigned
sip_ua_sessions(struct sip_ua *ua, void (*cb)(const struct sip_sess_info *, void *), void *arg)
{
	struct cds_lfht_iter it;
	struct sip_sess_info info;
	struct ua_sess *s;
	uint64_t now = __atomic_load_n(&ua->cfg.wheel->now_ms, __ATOMIC_RELAXED);
	unsigned n = 0;

	rcu_read_lock();
	cds_lfht_for_each_entry(ua->ht, &it, s, node)
	{
		/* Fields may change under us: copy them once, bounded, NUL-terminated. */
		memset(&info, 0, sizeof(info));
		info.id = __atomic_load_n(&s->id, __ATOMIC_RELAXED);
		info.state = __atomic_load_n(&s->state, __ATOMIC_RELAXED);
		info.outgoing = s->outgoing;
		memcpy(info.call_id, s->dlg, sizeof(info.call_id) - 1);
		memcpy(info.peer_uri, s->peer_uri, sizeof(info.peer_uri) - 1);
		memcpy(info.bridge, s->media.bridge, sizeof(info.bridge) - 1);
		info.action = s->media.action;
		info.local_port = s->media.local_port;
		info.remote_ip = s->media.remote_ip;
		info.remote_port = s->media.remote_port;
		info.age_ms = now > s->created_ms ? now - s->created_ms : 0;
		info.last_code = s->last_code;
		if (cb != NULL)
			cb(&info, arg);
		n++;
	}
	rcu_read_unlock();
	return n;
}

const uint64_t *
sip_ua_counters(const struct sip_ua *ua)
{
	return ua->cnt;
}

struct sip_ua *
sip_ua_create(const struct sip_ua_cfg *cfg)
{
	struct sip_tx_table_cfg tc = {0};
	struct sip_ua *ua;
	unsigned long buckets = 1;
	char name[48];

	if (cfg == NULL || cfg->wheel == NULL || cfg->ops == NULL || cfg->ops->msg_alloc == NULL ||
	    cfg->ops->msg_send == NULL || cfg->ops->msg_free == NULL ||
	    cfg->ops->media_answer == NULL || cfg->ops->media_offer == NULL ||
	    cfg->max_dialogs == 0 || cfg->max_dialogs > SIP_UA_MAX_DIALOGS ||
	    cfg->max_transactions == 0 || cfg->index > 0xffff ||
	    (cfg->nb_uas > 1 && cfg->index >= cfg->nb_uas) || cfg->t1_ms == 0 ||
	    cfg->t2_ms < cfg->t1_ms)
		return NULL;
	ua = calloc(1, sizeof(*ua));
	if (ua == NULL)
		return NULL;
	dpv_defer_init(&ua->limbo);
	ua->cfg = *cfg;
	ua->ops = cfg->ops;
	ua->arg = cfg->ops_arg;
	ua->t1 = cfg->t1_ms;
	ua->t2 = cfg->t2_ms;
	ua->rnd = rte_rdtsc() ^ ((uint64_t)cfg->index << 32) ^ (uintptr_t)ua;
	if (ua->rnd == 0)
		ua->rnd = 0x9e3779b97f4a7c15ULL;
	dpv_ipv4_format(cfg->local_ip, ua->host);
	snprintf(ua->contact, sizeof(ua->contact), "<sip:engine@%s:%u>", ua->host, cfg->local_port);
	tc.max_tx = cfg->max_transactions;
	tc.t1_ms = cfg->t1_ms;
	tc.t2_ms = cfg->t2_ms;
	tc.t4_ms = cfg->t4_ms ? cfg->t4_ms : 5000;
	tc.wheel = cfg->wheel;
	tc.ops = &tx_ops;
	tc.ops_arg = ua;
	ua->txt = sip_tx_table_create(&tc);
	snprintf(name, sizeof(name), "ua%u_sess", cfg->index);
	ua->sess_pool = dpv_pool_create(name, cfg->max_dialogs, sizeof(struct ua_sess));
	snprintf(name, sizeof(name), "ua%u_txc", cfg->index);
	ua->txc_pool = dpv_pool_create(name, cfg->max_transactions, sizeof(struct ua_txc));
	ua->by_slot = calloc(cfg->max_dialogs, sizeof(*ua->by_slot));
	while (buckets < cfg->max_dialogs)
		buckets <<= 1;
	/* fixed size: resizing would allocate and run on the call_rcu thread */
	ua->ht = cds_lfht_new(buckets, buckets, buckets, 0, NULL);
	if (cfg->dialplan != NULL)
		ua->dps = sip_dialplan_scratch_alloc(cfg->dialplan);
	if (ua->txt == NULL || ua->sess_pool == NULL || ua->txc_pool == NULL ||
	    ua->by_slot == NULL || ua->ht == NULL || (cfg->dialplan != NULL && ua->dps == NULL)) {
		sip_ua_destroy(ua);
		return NULL;
	}
	return ua;
}

void
sip_ua_destroy(struct sip_ua *ua)
{
	struct cds_lfht_iter it;
	struct ua_sess *s;

	if (ua == NULL)
		return;
	/* Sessions first (media off, their messages freed), then what transactions hold. */
	if (ua->ht != NULL) {
		rcu_read_lock();
		cds_lfht_for_each_entry(ua->ht, &it, s, node) sess_end(ua, s);
		rcu_read_unlock();
	}
	while (ua->txc_live != NULL) {
		struct ua_txc *c = ua->txc_live;
		enum sip_tx_kind kind = sip_tx_kind(c->tx);
		void *resp = sip_tx_last_response(c->tx);

		if (kind == SIP_TX_ICT || kind == SIP_TX_NICT)
			msg_free(ua, sip_tx_request(c->tx));
		else if (resp != NULL &&
		         !(c->method == SIP_METHOD_INVITE && sip_tx_last_code(c->tx) >= 200 &&
		           sip_tx_last_code(c->tx) < 300))
			msg_free(ua, resp);
		txc_release(ua, c);
	}
	sip_tx_table_destroy(ua->txt);
	/* the session grace-period callback writes into ua: wait for it */
	dpv_gp_barrier();
	if (ua->ht != NULL)
		cds_lfht_destroy(ua->ht, NULL);
	sip_dialplan_scratch_free(ua->dps);
	dpv_pool_free(ua->sess_pool);
	dpv_pool_free(ua->txc_pool);
	free(ua->by_slot);
	free(ua);
}
