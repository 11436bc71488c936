/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP user agent core (RFC 3261 UDP): the UA object, its input and tick, its message buffers,
 * and what it keeps beside each transaction.
 *
 * Design notes:
 * - Every transaction carries a struct ua_txc (its destination and message lengths, since the
 *   owner's message handles are opaque). Responses it sends are the transaction's and freed
 *   when it terminates, except 2xx to INVITE: those belong to the session, which resends them
 *   until the ACK (13.3.1.4; the transaction layer leaves that to us, RFC 6026).
 * - Sessions and their dialogs: session.c and dialog.c; what arrives goes to uas.c (requests)
 *   and uac.c (responses); what the UA writes is in request.c and reply.c (ua_int.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "ua_int.h"

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

/* ---- randomness, time ---- */

uint64_t
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

struct dpv_str
ua_token(struct sip_ua *ua, char *out, size_t cap, const char *prefix)
{
	/* a tag or branch per message: by table, not snprintf "%s%016llx" */
	struct dpv_buf b = DPV_BUF(out, cap - 1);

	dpv_buf_cstr(&b, prefix);
	dpv_buf_hex(&b, ua_rand(ua), 16);
	if (b.over)
		b.len = 0; /* every caller has room: a bug, not a message to send */
	out[b.len] = '\0';
	return (struct dpv_str){out, b.len};
}

uint64_t
ua_now(const struct sip_ua *ua)
{
	return dpv_timer_wheel_now(ua->cfg.wheel);
}

/* ---- message buffers ---- */

void *
ua_msg_new(struct sip_ua *ua, char **buf, uint32_t *cap)
{
	void *h = ua->ops->msg_alloc(ua->arg, buf, cap);

	if (h == NULL)
		CNT(ua, no_buffer);
	return h;
}

void
ua_msg_free(struct sip_ua *ua, void *h)
{
	if (h != NULL)
		ua->ops->msg_free(ua->arg, h);
}

/*
 * After a write into @a *h failed for room: swap it for a large buffer when the owner has
 * them (true: write again), else free it and count the answer as too big.
 */
bool
ua_msg_grow(struct sip_ua *ua, void **h, char **buf, uint32_t *cap)
{
	bool small = *cap < SIP_UA_MSG_MAX;

	ua_msg_free(ua, *h);
	*h = NULL;
	if (small && ua->ops->msg_alloc_large != NULL) {
		*h = ua->ops->msg_alloc_large(ua->arg, SIP_UA_MSG_MAX, buf, cap);
		if (*h != NULL && *cap >= SIP_UA_MSG_MAX)
			return true;
		ua_msg_free(ua, *h);
		*h = NULL;
	}
	CNT(ua, resp_too_big);
	return false;
}

void
ua_msg_send(struct sip_ua *ua, void *h, uint32_t len, uint32_t ip, uint16_t port, bool request)
{
	if (request)
		CNT(ua, tx_requests);
	else
		CNT(ua, tx_responses);
	/* A failed send is left to the retransmission timers (or to the peer's). */
	(void)ua->ops->msg_send(ua->arg, h, len, ip, port);
}

/* ---- per-transaction context ---- */

void
ua_key_from_msg(struct sip_tx_key *k, const struct sip_msg *m)
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
	k->hash = m->tx_hash;
	k->hash_as = m->tx_hash_as;
}

struct ua_txc *
ua_txc_new(struct sip_ua *ua, struct ua_sess *s, uint32_t ip, uint16_t port, enum sip_method method)
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

void
ua_txc_release(struct sip_ua *ua, struct ua_txc *c)
{
	struct ua_sess *s = c->sess;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ua->txc_live = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	dpv_pool_put(ua->txc_pool, c);
	if (s != NULL && --s->ntx == 0 && s->life == UA_LIFE_ENDED)
		ua_sess_retire(ua, s);
}

void
ua_txc_abort(struct sip_ua *ua, struct ua_txc *c)
{
	/* The session never saw this transaction: no retire on its account. */
	if (c->sess != NULL)
		c->sess->ntx--;
	c->sess = NULL;
	ua_txc_release(ua, c);
}

void
ua_txc_attach(struct ua_sess *s, struct sip_tx *tx)
{
	((struct ua_txc *)sip_tx_user(tx))->sess = s;
	s->ntx++;
}

bool
ua_resp_is_session_2xx(enum sip_method method, unsigned code)
{
	return method == SIP_METHOD_INVITE && code >= 200 && code < 300;
}

void
ua_tx_free_msgs(struct sip_ua *ua, struct sip_tx *tx, const struct ua_txc *c)
{
	void *resp = sip_tx_last_response(tx);

	if (sip_tx_kind(tx) == SIP_TX_ICT || sip_tx_kind(tx) == SIP_TX_NICT)
		ua_msg_free(ua, sip_tx_request(tx));
	else if (resp != NULL && !ua_resp_is_session_2xx(c->method, sip_tx_last_code(tx)))
		ua_msg_free(ua, resp);
}

/* ---- transaction callbacks ---- */

static void
cb_send_request(struct sip_tx *tx, void *req, void *arg)
{
	struct ua_txc *c = sip_tx_user(tx);

	ua_msg_send(arg, req, c->req_len, c->ip, c->port, true);
}

static void
cb_send_response(struct sip_tx *tx, void *resp, void *arg)
{
	struct ua_txc *c = sip_tx_user(tx);

	ua_msg_send(arg, resp, c->resp_len, c->ip, c->port, false);
}

static void
cb_send_ack(struct sip_tx *tx, void *arg)
{
	struct sip_ua *ua = arg;
	struct ua_txc *c = sip_tx_user(tx);

	if (c->sess != NULL && ua->cur_resp != NULL)
		ua_send_ack_non2xx(ua, c->sess, ua->cur_resp, c->ip, c->port);
}

static void
cb_on_response(struct sip_tx *tx, unsigned code, void *arg)
{
	struct sip_ua *ua = arg;
	struct ua_txc *c = sip_tx_user(tx);

	if (c->sess != NULL && !ua_sess_ended(c->sess) && ua->cur_resp != NULL)
		ua_uac_tx_response(ua, c->sess, c, code);
}

static void
cb_on_timeout(struct sip_tx *tx, enum sip_tx_timer which, void *arg)
{
	struct ua_txc *c = sip_tx_user(tx);

	if (c->sess != NULL && !ua_sess_ended(c->sess))
		ua_tx_timeout(arg, c->sess, c, which);
}

static void
cb_on_terminated(struct sip_tx *tx, void *arg)
{
	struct sip_ua *ua = arg;
	struct ua_txc *c = sip_tx_user(tx);
	struct ua_sess *s = c->sess;

	ua_tx_free_msgs(ua, tx, c);
	if (s != NULL) {
		if (s->uas.phase == UA_INV_PENDING && s->uas.tx == tx) {
			s->uas.phase = UA_INV_NONE;
			s->uas.tx = NULL;
			if (!ua_sess_ended(s) && s->state == SIP_SESS_INCOMING)
				ua_sess_end(ua, s);
		}
		if (s->uac.inv == tx)
			s->uac.inv = NULL;
	}
	ua_txc_release(ua, c);
}

/* A transaction that only waits for retransmissions now: what its compact record keeps. */
static bool
cb_compact(struct sip_tx *tx, struct sip_tx_cdata *d, void *arg)
{
	struct sip_ua *ua = arg;
	struct ua_txc *c = sip_tx_user(tx);
	struct ua_cdata cd;

	memset(&cd, 0, sizeof(cd));
	switch (sip_tx_kind(tx)) {
	case SIP_TX_NIST:
		if (!c->cd_ok)
			return false;
		cd = c->cd;
		break;
	case SIP_TX_IST:
		/* Accepted: the 2xx is the session's (a retransmitted INVITE asks it to resend);
		 * Confirmed: ACKs and INVITEs are absorbed. Either way nothing to write again. */
		if (c->sess != NULL && sip_tx_state(tx) == SIP_TX_ACCEPTED) {
			cd.sess_id = c->sess->id;
			cd.code = 200;
			if (c->sess->dlg.ltag_len <= sizeof(cd.tag)) {
				memcpy(cd.tag, c->sess->dlg.ltag, c->sess->dlg.ltag_len);
				cd.tag_len = (uint8_t)c->sess->dlg.ltag_len;
			}
		}
		break;
	default: /* client: response retransmissions are absorbed; a 2xx re-ACKed by its dialog */
		break;
	}
	memcpy(d->b, &cd, sizeof(cd));
	CNT(ua, tx_compacted);
	return true;
}

const struct sip_tx_ops ua_tx_ops = {
    .compact = cb_compact,
    .send_request = cb_send_request,
    .send_response = cb_send_response,
    .send_ack = cb_send_ack,
    .on_response = cb_on_response,
    .on_timeout = cb_on_timeout,
    .on_terminated = cb_on_terminated,
};

/* ---- public ---- */

/*
 * Parse a datagram and check its grammar; NULL when it is good, else why not (@a err: the
 * parser's result). A good message's transaction key is hashed here, once for the lookups
 * and the creation that follow, and its index bucket starts loading.
 */
static const char *
ua_parse(struct sip_ua *ua, const char *buf, uint32_t len, struct sip_msg *m, int *err)
{
	const char *why;
	struct sip_tx_key k;

	*err = sip_parse(buf, len, m);
	why = *err != 0 ? sip_parse_strerror(*err) : sip_msg_check_grammar(m);
	if (why == NULL) {
		ua_key_from_msg(&k, m);
		sip_tx_prefetch(ua->txt, &k, m->is_request);
		m->tx_hash = k.hash;
		m->tx_hash_as = k.hash_as;
		/* in-dialog: the session our tag names (To for a request, From for a response) */
		if (m->is_request ? m->to.has_tag : m->from.has_tag)
			ua_sess_prefetch(ua, m->is_request ? m->to.tag : m->from.tag);
	}
	return why;
}

static void
ua_handle(struct sip_ua *ua, const struct sip_msg *m, int err, const char *why, uint32_t src_ip,
          uint16_t src_port)
{
	ua->src_ip = src_ip;
	ua->src_port = src_port;
	if (why != NULL) {
		CNT(ua, rx_parse_errors);
		if (m->is_request && m->method != SIP_METHOD_ACK)
			ua_parse_reject(ua, m, err, why);
		else
			CNT(ua, rx_dropped);
		return;
	}
	if (m->is_request && ua->ops->request_filter != NULL && ua->ops->request_filter(ua->arg, m))
		return;
	if (m->is_request)
		ua_request_in(ua, m);
	else
		ua_response_in(ua, m);
}

void
sip_ua_input(struct sip_ua *ua, const char *buf, uint32_t len, uint32_t src_ip, uint16_t src_port)
{
	int err;
	const char *why = ua_parse(ua, buf, len, &ua->msg[0], &err);

	ua_handle(ua, &ua->msg[0], err, why, src_ip, src_port);
}

/*
 * Two messages in flight: message i+1 is parsed (and its bucket prefetched) before message i
 * is handled, and the bucket of message i, loaded meanwhile, names the chain entries to load
 * before its parse; so the index's two dependent misses of each lookup overlap the work on
 * the messages around it. Parsing is pure, so handling stays in order and sees what it would
 * have seen one by one.
 */
void
sip_ua_input_burst(struct sip_ua *ua, const struct sip_ua_dgram *d, unsigned n)
{
	const char *why[2];
	int err[2];

	if (n == 0)
		return;
	why[0] = ua_parse(ua, d[0].buf, d[0].len, &ua->msg[0], &err[0]);
	for (unsigned i = 0; i < n; i++) {
		unsigned c = i & 1, x = c ^ 1;

		if (why[c] == NULL)
			sip_tx_prefetch_chain(ua->txt, ua->msg[c].tx_hash);
		if (i + 1 < n)
			why[x] = ua_parse(ua, d[i + 1].buf, d[i + 1].len, &ua->msg[x], &err[x]);
		ua_handle(ua, &ua->msg[c], err[c], why[c], d[i].src_ip, d[i].src_port);
	}
}

unsigned
sip_ua_tick(struct sip_ua *ua, uint64_t now)
{
	unsigned n = dpv_timer_wheel_advance(ua->cfg.wheel, now);

	n += sip_tx_table_service(ua->txt);
	n += sip_tx_table_reclaim(ua->txt);
	n += ua_sess_reclaim(ua);
	return n;
}

const uint64_t *
sip_ua_counters(const struct sip_ua *ua)
{
	return ua->cnt;
}

const struct sip_tx_stats *
sip_ua_tx_stats(const struct sip_ua *ua)
{
	return sip_tx_table_stats(ua->txt);
}

void
sip_ua_occupancy(const struct sip_ua *ua, struct sip_ua_occupancy *o)
{
	o->tx_live = sip_tx_table_count(ua->txt);
	o->tx_limbo = sip_tx_table_limbo(ua->txt);
	o->tx_free = sip_tx_table_avail(ua->txt);
	o->sess_live = (uint32_t)ua->cnt[SIP_UA_C_sessions_active];
	o->sess_held = dpv_pool_in_use(ua->sess_pool);
	o->sess_limbo = ua->limbo.count;
	o->sess_free = dpv_pool_avail(ua->sess_pool);
	o->tx_records = sip_tx_table_records(ua->txt);
}

/* The transaction table a UA of @a cfg makes (its wheel and ops set by sip_ua_create). */
static struct sip_tx_table_cfg
tx_cfg_of(const struct sip_ua_cfg *cfg)
{
	return (struct sip_tx_table_cfg){
	    .max_tx = cfg->max_transactions,
	    .max_completed = cfg->max_completed,
	    .t1_ms = cfg->t1_ms,
	    .t2_ms = cfg->t2_ms,
	    .t4_ms = cfg->t4_ms ? cfg->t4_ms : 5000,
	    .ops = &ua_tx_ops,
	};
}

void
sip_ua_capacity(const struct sip_ua_cfg *cfg, struct sip_ua_capacity *out)
{
	struct sip_tx_table_cfg tc = tx_cfg_of(cfg);
	uint64_t recs = tc.max_completed ? tc.max_completed : tc.max_tx;

	out->record_size = (uint32_t)sip_tx_record_size();
	out->calls_per_s = (double)recs / (2.0 * 64.0 * cfg->t1_ms / 1000.0);
	out->heap_bytes =
	    (uint64_t)cfg->max_dialogs * (sizeof(struct ua_sess) + sizeof(void *)) +
	    (uint64_t)cfg->max_transactions * (sip_tx_size() + sizeof(struct ua_txc)) +
	    sip_tx_records_bytes(&tc);
}

struct sip_ua *
sip_ua_create(const struct sip_ua_cfg *cfg)
{
	struct sip_tx_table_cfg tc;
	struct sip_ua *ua;
	unsigned long buckets = 1;
	char name[48];

	if (cfg == NULL || cfg->wheel == NULL || cfg->ops == NULL || cfg->ops->msg_alloc == NULL ||
	    cfg->ops->msg_send == NULL || cfg->ops->msg_free == NULL || cfg->media == NULL ||
	    cfg->media->answer == NULL || cfg->media->offer == NULL || cfg->max_dialogs == 0 ||
	    cfg->max_dialogs > SIP_UA_MAX_DIALOGS || cfg->max_transactions == 0 ||
	    cfg->index > 0xffff || (cfg->nb_uas > 1 && cfg->index >= cfg->nb_uas) ||
	    cfg->t1_ms == 0 || cfg->t2_ms < cfg->t1_ms)
		return NULL;
	ua = calloc(1, sizeof(*ua));
	if (ua == NULL)
		return NULL;
	dpv_defer_init(&ua->limbo);
	ua->cfg = *cfg;
	ua->ops = cfg->ops;
	ua->arg = cfg->ops_arg;
	ua->media = cfg->media;
	ua->media_arg = cfg->media_arg;
	ua->t1 = cfg->t1_ms;
	ua->t2 = cfg->t2_ms;
	{
		struct dpv_buf b = DPV_BUF(ua->contact_tail, sizeof(ua->contact_tail));

		dpv_buf_put(&b, ":", 1);
		dpv_buf_u32(&b, cfg->local_port);
		dpv_buf_put(&b, ">", 1);
		ua->contact_tail_len = (uint8_t)b.len; /* fits: at most ":65535>" */
	}
	ua->rnd = rte_rdtsc() ^ ((uint64_t)cfg->index << 32) ^ (uintptr_t)ua;
	if (ua->rnd == 0)
		ua->rnd = 0x9e3779b97f4a7c15ULL;
	tc = tx_cfg_of(cfg);
	tc.wheel = cfg->wheel;
	tc.ops_arg = ua;
	ua->txt = sip_tx_table_create(&tc);
	snprintf(name, sizeof(name), "ua%u_sess", cfg->index);
	ua->sess_pool = dpv_pool_create(name, cfg->max_dialogs, sizeof(struct ua_sess));
	snprintf(name, sizeof(name), "ua%u_txc", cfg->index);
	ua->txc_pool = dpv_pool_create(name, cfg->max_transactions, sizeof(struct ua_txc));
	ua->by_slot = calloc(cfg->max_dialogs, sizeof(*ua->by_slot));
	while (buckets < cfg->max_dialogs)
		buckets <<= 1;
	if (cfg->max_calls_per_source != 0) {
		ua->src = calloc(2 * buckets, sizeof(*ua->src));
		ua->src_mask = 2 * (uint32_t)buckets - 1;
	}
	if (cfg->dialplan != NULL)
		ua->dps = sip_dialplan_scratch_alloc(cfg->dialplan);
	if (ua->txt == NULL || ua->sess_pool == NULL || ua->txc_pool == NULL ||
	    ua->by_slot == NULL || (cfg->dialplan != NULL && ua->dps == NULL) ||
	    (cfg->max_calls_per_source != 0 && ua->src == NULL)) {
		sip_ua_destroy(ua);
		return NULL;
	}
	return ua;
}

void
sip_ua_destroy(struct sip_ua *ua)
{
	if (ua == NULL)
		return;
	/* Sessions first (media off, their messages freed), then what transactions hold. */
	for (uint32_t slot = 0; ua->by_slot != NULL && slot < dpv_pool_size(ua->sess_pool); slot++)
		if (ua->by_slot[slot] != NULL && ua->by_slot[slot]->life == UA_LIFE_LIVE)
			ua_sess_end(ua, ua->by_slot[slot]);
	while (ua->txc_live != NULL) {
		struct ua_txc *c = ua->txc_live;

		ua_tx_free_msgs(ua, c->tx, c);
		ua_txc_release(ua, c);
	}
	sip_tx_table_destroy(ua->txt);
	/* the session grace-period callback writes into ua: wait for it */
	dpv_gp_barrier();
	sip_dialplan_scratch_free(ua->dps);
	dpv_pool_free(ua->sess_pool);
	dpv_pool_free(ua->txc_pool);
	free(ua->by_slot);
	free(ua->src);
	free(ua);
}
