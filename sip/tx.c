/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP transactions: RFC 3261 section 17 with the RFC 6026 Accepted state on both INVITE
 * machines, UDP (unreliable transport) timer values.
 *
 * Design notes:
 * - Transactions come from a dpv_pool sized by max-transactions; keys are copied into the
 *   object (the message they come from is freed long before the transaction ends).
 * - The index is the table's own: a fixed array of buckets (a power of two, one per
 *   transaction and one per record at least), each the head of a chain of live transactions,
 *   linked through them both ways, and the head of a chain of compact records (below), so
 *   that a request no transaction knows (every new one) reads one cache line to learn it.
 *   Only the owning lcore reads or writes it, so it needs neither RCU nor atomics. It was a
 *   cds_lfht until issue 11: no other thread ever read it, and its split-ordered list cost
 *   two dependent cache misses on every lookup of a new request (the bucket's dummy node, then
 *   the next bucket's to end the walk) and a walk on every delete; with three lookups, two
 *   inserts and two deletes per call, cds_lfht_lookup was the largest single symbol of the
 *   signaling lcore's profile at 80,000 calls/s (bench/RESULTS.md). Here a miss reads one
 *   bucket, a delete writes its neighbours. Sessions have no hash table either: the slot
 *   their tag names is their index (session.c).
 * - A terminated transaction leaves the index at once and is parked in the table's struct
 *   dpv_defer (polled grace periods over call_rcu, one request in flight per table);
 *   sip_tx_table_reclaim() returns it to the pool once the grace period has elapsed, so a
 *   pointer the TU still holds in the pass that ended it stays valid.
 * - 2xx retransmission in the INVITE server's Accepted state is the TU's job (RFC 6026 8.5):
 *   the transaction never resends a 2xx on its own and absorbs INVITE retransmissions silently;
 *   a 2xx the TU sends again through sip_tx_send_response goes out through ops->send_response.
 * - 100 Trying is the TU's to send (17.2.1 allows the TU to send a provisional instead).
 * - Compact records (RFC 3261 17.2 and 8.2.6 allow answering a retransmission from the
 *   request itself): a transaction that only waits out its Timer J, L, M, I or K is queued when
 *   it enters that state and, at the next sip_tx_table_service(), replaced by a record of at
 *   most 256 bytes (key, kind, state, the TU's struct sip_tx_cdata) in one of two rings by
 *   expiry (64*T1 and T4): records of a ring all wait the same time and enter in time order, so
 *   insert, expiry and the ring's memory are O(1) and flat whatever the load. The full object,
 *   its response buffer and the TU's context (and the session it pins) go back at once. A ring
 *   that is full drops its oldest record early (compact_evicted). Records are chained by id
 *   from the same buckets as the live transactions: only the owning lcore looks transactions
 *   up, so it needs no RCU, a slot is reused as soon as it is unlinked, and a table sized for
 *   millions of records costs nothing to build or tear down (anonymous mappings). A lookup
 *   tries the live transactions first, then the records, in the same bucket.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <stddef.h>

#include <urcu-qsbr.h>
#include <urcu/list.h>

#include "dpv.h"
#include "sip.h"

#define TX_KEYBUF 384

enum key_field {
	KF_BRANCH,
	KF_HOST,
	KF_MNAME,
	KF_RURI,
	KF_FTAG,
	KF_TTAG,
	KF_CALLID,
	KF_VIA,
	KF_MAX
};

struct sip_tx {
	struct sip_tx *hnext, *hprev; /* index chain (hprev NULL: the bucket's first) */
	uint32_t idx;                 /* in the pool: what a bucket holds */
	bool linked;                  /* in the index */
	bool cpending;                /* queued for compaction */
	uint32_t hash;
	uint64_t wait_until; /* end of the waiting state it was queued in */
	uint32_t wait_ms;    /* and its length: the ring of its record */
	struct cds_list_head cnode;
	struct sip_tx_table *table;
	enum sip_tx_kind kind;
	enum sip_tx_state state;
	enum sip_method method; /* of the request; ACK never creates a transaction */
	bool legacy;            /* RFC 2543 key (server side, no magic cookie) */
	uint16_t sent_by_port;
	uint32_t cseq;
	unsigned last_code;
	uint32_t retx_ms; /* current A/E/G interval */
	struct dpv_timer t_retx;
	struct dpv_timer t_tout;
	enum sip_tx_timer retx_id, tout_id;
	void *req;
	void *last_resp;
	void *user;
	struct dpv_defer_node limbo;
	uint16_t koff[KF_MAX], klen[KF_MAX];
	char keybuf[TX_KEYBUF];
};

/* A finished transaction's compact record. */
#define REC_KEYBUF 148
struct tx_rec {
	uint32_t hnext; /* next record id + 1 in its hash chain, 0: end */
	uint32_t hash;  /* the transaction's key hash */
	uint8_t kind;
	uint8_t state;
	uint8_t method;
	uint16_t sent_by_port;
	uint8_t blen, hlen, mlen; /* branch, sent-by host, method name: back to back in key */
	uint64_t expires;
	struct sip_tx_cdata data;
	char key[REC_KEYBUF];
};
_Static_assert(sizeof(struct tx_rec) <= 256, "a finished transaction keeps at most 256 bytes");
_Static_assert(SIP_METHOD_UNKNOWN < 256, "method fits a byte");

/* A bucket of the index: the heads of the live transactions' chain (pool index + 1) and of the
 * records' (record id + 1); 0: empty. Eight bytes: the shipped 2.6 million records take a
 * 4-million-bucket index. */
struct tx_bucket {
	uint32_t tx;
	uint32_t rec;
};

/* Records that wait the same time, in expiry order. */
struct tx_ring {
	struct tx_rec *recs;
	uint32_t cap, head, count;
	uint32_t wait_ms;
};

struct sip_tx_table {
	struct tx_bucket *bkt; /* the index, by hash & bmask */
	uint32_t bmask;
	struct tx_ring ring_long;  /* 64*T1: J, L, M; record ids [0, cap) */
	struct tx_ring ring_short; /* T4: I, K; record ids [ring_long.cap, + cap) */
	bool records;              /* the TU takes compact records */
	struct cds_list_head pending;
	struct sip_tx_hit hit_buf;
	const struct sip_tx_hit *hit;
	struct dpv_pool *pool;
	struct dpv_timer_wheel *wheel;
	const struct sip_tx_ops *ops;
	void *ops_arg;
	uint32_t t1, t2, t4, td;
	uint32_t count;
	struct dpv_defer limbo; /* terminated, waiting for a grace period */
	struct sip_tx_stats stats;
};

/* What a lookup compares against. */
struct lkey {
	const struct sip_tx_key *k;
	bool server;
	bool legacy;
	enum sip_method m; /* ACK already mapped to INVITE */
	uint32_t hash;
};

static const char *const state_names[SIP_TX_STATE_MAX] = {
    "calling", "trying", "proceeding", "completed", "confirmed", "accepted", "terminated",
};
static const char *const timer_names[SIP_TX_TIMER_MAX] = {
    "A", "B", "D", "E", "F", "K", "G", "H", "I", "J", "L", "M",
};

const char *
sip_tx_state_name(enum sip_tx_state s)
{
	return (unsigned)s < SIP_TX_STATE_MAX ? state_names[s] : "?";
}

const char *
sip_tx_timer_name(enum sip_tx_timer tm)
{
	return (unsigned)tm < SIP_TX_TIMER_MAX ? timer_names[tm] : "?";
}

/* ---- keys ---- */

static bool
is_rfc3261_branch(struct dpv_str b)
{
	return b.len > sizeof(SIP_MAGIC_COOKIE) - 1 &&
	       memcmp(b.p, SIP_MAGIC_COOKIE, sizeof(SIP_MAGIC_COOKIE) - 1) == 0;
}

static uint64_t
hash_str(uint64_t h, struct dpv_str s, bool fold)
{
	return dpv_hashw_add(h, s.p, s.len, fold);
}

/* What a key's kept hash was computed for: the side and the method matched (never 0). */
static inline uint16_t
hash_as(const struct lkey *lk)
{
	return (uint16_t)(1u + (lk->server ? 1u : 0u) + 2u * (unsigned)lk->m);
}

static void
lkey_init(struct lkey *lk, const struct sip_tx_key *k, bool server)
{
	uint64_t h = DPV_HASHW_INIT;
	uint32_t mix[3];

	lk->k = k;
	lk->server = server;
	lk->m = k->method == SIP_METHOD_ACK && server ? SIP_METHOD_INVITE : k->method;
	lk->legacy = server && !is_rfc3261_branch(k->branch);
	if (k->hash_as == hash_as(lk)) {
		lk->hash = k->hash;
		return;
	}
	if (lk->legacy) {
		h = hash_str(h, k->call_id, false);
		h = hash_str(h, k->from_tag, false);
		mix[2] = k->cseq;
	} else {
		h = hash_str(h, k->branch, false);
		if (server)
			h = hash_str(h, k->sent_by_host, true);
		mix[2] = server ? k->sent_by_port : 0;
	}
	mix[0] = (uint32_t)lk->m;
	mix[1] = server ? 1 : 2;
	if (lk->m == SIP_METHOD_UNKNOWN)
		h = hash_str(h, k->method_name, false);
	lk->hash = dpv_hashw_fin(dpv_hashw_add(h, mix, sizeof(mix), false));
}

static inline struct dpv_str
kf(const struct sip_tx *tx, enum key_field f)
{
	return (struct dpv_str){tx->keybuf + tx->koff[f], tx->klen[f]};
}

static int
rec_match(const struct tx_rec *r, const struct lkey *lk)
{
	const struct sip_tx_key *k = lk->k;
	bool server = r->kind == SIP_TX_IST || r->kind == SIP_TX_NIST;

	if (lk->legacy || server != lk->server || r->method != lk->m)
		return 0;
	if (lk->m == SIP_METHOD_UNKNOWN &&
	    !dpv_str_eq((struct dpv_str){r->key + r->blen + r->hlen, r->mlen}, k->method_name))
		return 0;
	if (!dpv_str_eq((struct dpv_str){r->key, r->blen}, k->branch))
		return 0;
	if (server &&
	    (r->sent_by_port != k->sent_by_port ||
	     !dpv_str_caseeq((struct dpv_str){r->key + r->blen, r->hlen}, k->sent_by_host)))
		return 0;
	return 1;
}

static int
tx_match(const struct sip_tx *tx, const struct lkey *lk)
{
	const struct sip_tx_key *k = lk->k;
	bool server = tx->kind == SIP_TX_IST || tx->kind == SIP_TX_NIST;

	if (server != lk->server || tx->legacy != lk->legacy || tx->method != lk->m)
		return 0;
	if (lk->m == SIP_METHOD_UNKNOWN && !dpv_str_eq(kf(tx, KF_MNAME), k->method_name))
		return 0;
	if (lk->legacy) {
		/* 17.2.3 RFC 2543 rules; the To tag of an ACK is that of our response, which
		 * this layer does not see, so it is not compared for ACK. */
		return tx->cseq == k->cseq && dpv_str_eq(kf(tx, KF_CALLID), k->call_id) &&
		       dpv_str_eq(kf(tx, KF_FTAG), k->from_tag) &&
		       dpv_str_eq(kf(tx, KF_RURI), k->request_uri) &&
		       dpv_str_eq(kf(tx, KF_VIA), k->via) &&
		       (k->method == SIP_METHOD_ACK || dpv_str_eq(kf(tx, KF_TTAG), k->to_tag));
	}
	if (!dpv_str_eq(kf(tx, KF_BRANCH), k->branch))
		return 0;
	if (server && (tx->sent_by_port != k->sent_by_port ||
	               !dpv_str_caseeq(kf(tx, KF_HOST), k->sent_by_host)))
		return 0;
	return 1;
}

/* Copy what the key needs into the transaction; false when it does not fit. */
static bool
key_store(struct sip_tx *tx, const struct sip_tx_key *k, const struct lkey *lk)
{
	struct dpv_str f[KF_MAX] = {DPV_STR_NULL};
	uint32_t off = 0;

	f[KF_MNAME] = lk->m == SIP_METHOD_UNKNOWN ? k->method_name : DPV_STR_NULL;
	if (lk->legacy) {
		f[KF_RURI] = k->request_uri;
		f[KF_FTAG] = k->from_tag;
		f[KF_TTAG] = k->to_tag;
		f[KF_CALLID] = k->call_id;
		f[KF_VIA] = k->via;
	} else {
		f[KF_BRANCH] = k->branch;
		if (lk->server)
			f[KF_HOST] = k->sent_by_host;
	}
	for (int i = 0; i < KF_MAX; i++) {
		if (f[i].len > TX_KEYBUF - off)
			return false;
		if (f[i].len)
			memcpy(tx->keybuf + off, f[i].p, f[i].len);
		tx->koff[i] = (uint16_t)off;
		tx->klen[i] = (uint16_t)f[i].len;
		off += f[i].len;
	}
	tx->legacy = lk->legacy;
	tx->method = lk->m;
	tx->cseq = k->cseq;
	tx->sent_by_port = lk->server && !lk->legacy ? k->sent_by_port : 0;
	return true;
}

static inline struct tx_rec *
rec_at(const struct sip_tx_table *t, uint32_t id)
{
	return id < t->ring_long.cap ? &t->ring_long.recs[id]
	                             : &t->ring_short.recs[id - t->ring_long.cap];
}

static struct tx_rec *
rec_find(const struct sip_tx_table *t, const struct lkey *lk)
{
	if (!t->records)
		return NULL;
	for (uint32_t id = t->bkt[lk->hash & t->bmask].rec; id != 0;) {
		struct tx_rec *r = rec_at(t, id - 1);

		if (r->hash == lk->hash && rec_match(r, lk))
			return r;
		id = r->hnext;
	}
	return NULL;
}

/* The transaction or record for @a lk; a record lands in t->hit (and NULL is returned). */
static struct sip_tx *
lookup(struct sip_tx_table *t, const struct lkey *lk)
{
	uint32_t first = t->bkt[lk->hash & t->bmask].tx;
	const struct tx_rec *r;

	t->hit = NULL;
	for (struct sip_tx *tx = first ? dpv_pool_at(t->pool, first - 1) : NULL; tx != NULL;
	     tx = tx->hnext)
		if (tx->hash == lk->hash && tx_match(tx, lk))
			return tx;
	r = rec_find(t, lk);
	if (r == NULL)
		return NULL;
	t->hit_buf = (struct sip_tx_hit){.kind = (enum sip_tx_kind)r->kind,
	                                 .state = (enum sip_tx_state)r->state,
	                                 .method = (enum sip_method)r->method,
	                                 .data = &r->data};
	t->hit = &t->hit_buf;
	return NULL;
}

/* ---- lifecycle ---- */

static void tx_timer_cb(struct dpv_timer *tm, void *arg);

static void
arm(struct sip_tx *tx, bool retx, enum sip_tx_timer id, uint32_t ms)
{
	struct dpv_timer *tm = retx ? &tx->t_retx : &tx->t_tout;

	if (retx)
		tx->retx_id = id;
	else
		tx->tout_id = id;
	dpv_timer_arm(tx->table->wheel, tm, dpv_timer_wheel_now(tx->table->wheel) + ms, tx_timer_cb,
	              tx);
}

static void
stop_timers(struct sip_tx *tx)
{
	dpv_timer_cancel(tx->table->wheel, &tx->t_retx);
	dpv_timer_cancel(tx->table->wheel, &tx->t_tout);
}

/* Arm the timer of a state that only waits for stray retransmissions, and offer the
 * transaction for compaction when the TU takes records. */
static void
arm_wait(struct sip_tx *tx, enum sip_tx_timer id, uint32_t ms)
{
	struct sip_tx_table *t = tx->table;

	arm(tx, false, id, ms);
	if (t->ops->compact == NULL || tx->legacy || tx->cpending)
		return;
	tx->cpending = true;
	tx->wait_until = dpv_timer_wheel_now(t->wheel) + ms;
	tx->wait_ms = ms;
	cds_list_add_tail(&tx->cnode, &t->pending);
}

static void
unlink_tx(struct sip_tx *tx)
{
	if (!tx->linked)
		return;
	if (tx->hprev != NULL)
		tx->hprev->hnext = tx->hnext;
	else
		tx->table->bkt[tx->hash & tx->table->bmask].tx = tx->hnext ? tx->hnext->idx + 1 : 0;
	if (tx->hnext != NULL)
		tx->hnext->hprev = tx->hprev;
	tx->linked = false;
}

static void
terminate(struct sip_tx *tx)
{
	struct sip_tx_table *t = tx->table;

	if (tx->state == SIP_TX_TERMINATED)
		return;
	if (tx->cpending) {
		cds_list_del(&tx->cnode);
		tx->cpending = false;
	}
	stop_timers(tx);
	tx->state = SIP_TX_TERMINATED;
	unlink_tx(tx);
	t->count--;
	t->stats.terminated++;
	dpv_defer_add(&t->limbo, &tx->limbo);
	if (t->ops->on_terminated != NULL)
		t->ops->on_terminated(tx, t->ops_arg);
}

static void
tx_release(struct dpv_defer_node *n, void *arg)
{
	struct sip_tx_table *t = arg;

	dpv_pool_put(t->pool, caa_container_of(n, struct sip_tx, limbo));
}

unsigned
sip_tx_table_reclaim(struct sip_tx_table *t)
{
	unsigned n = dpv_defer_reclaim(&t->limbo, tx_release, t);

	t->stats.reclaimed += n;
	return n;
}

static struct sip_tx *
tx_new(struct sip_tx_table *t, const struct sip_tx_key *k, bool server, void *req, void *user)
{
	struct lkey lk;
	struct sip_tx *tx, *first;
	struct tx_bucket *b;

	if (k->method == SIP_METHOD_ACK) /* ACK never creates a transaction (17.1, 17.2.3) */
		return NULL;
	lkey_init(&lk, k, server);
	tx = dpv_pool_get(t->pool);
	if (tx == NULL) {
		t->stats.pool_exhausted++;
		return NULL;
	}
	if (!key_store(tx, k, &lk)) {
		t->stats.key_too_long++;
		dpv_pool_put(t->pool, tx);
		return NULL;
	}
	tx->cpending = false;
	tx->hash = lk.hash;
	tx->table = t;
	if (server)
		tx->kind = lk.m == SIP_METHOD_INVITE ? SIP_TX_IST : SIP_TX_NIST;
	else
		tx->kind = lk.m == SIP_METHOD_INVITE ? SIP_TX_ICT : SIP_TX_NICT;
	tx->last_code = 0;
	tx->retx_ms = 0;
	dpv_timer_init(&tx->t_retx);
	dpv_timer_init(&tx->t_tout);
	tx->req = req;
	tx->last_resp = NULL;
	tx->user = user;
	b = &t->bkt[lk.hash & t->bmask];
	first = b->tx ? dpv_pool_at(t->pool, b->tx - 1) : NULL;
	for (const struct sip_tx *o = first; o != NULL; o = o->hnext) {
		if (o->hash == lk.hash && tx_match(o, &lk)) {
			t->stats.duplicate++;
			dpv_pool_put(t->pool, tx);
			return NULL;
		}
	}
	tx->idx = (uint32_t)dpv_pool_index(t->pool, tx);
	tx->hnext = first;
	tx->hprev = NULL;
	if (first != NULL)
		first->hprev = tx;
	b->tx = tx->idx + 1;
	tx->linked = true;
	t->count++;
	t->stats.created++;
	return tx;
}

/* ---- client transactions ---- */

struct sip_tx *
sip_tx_client_new(struct sip_tx_table *t, const struct sip_tx_key *key, void *req, void *user)
{
	struct sip_tx *tx = tx_new(t, key, false, req, user);

	if (tx == NULL)
		return NULL;
	tx->retx_ms = t->t1;
	if (tx->kind == SIP_TX_ICT) {
		tx->state = SIP_TX_CALLING;
		arm(tx, true, SIP_TX_TIMER_A, t->t1);
		arm(tx, false, SIP_TX_TIMER_B, 64 * t->t1);
	} else {
		tx->state = SIP_TX_TRYING;
		arm(tx, true, SIP_TX_TIMER_E, t->t1);
		arm(tx, false, SIP_TX_TIMER_F, 64 * t->t1);
	}
	t->ops->send_request(tx, req, t->ops_arg);
	return tx;
}

static void
to_tu(struct sip_tx *tx, unsigned code)
{
	if (tx->table->ops->on_response != NULL)
		tx->table->ops->on_response(tx, code, tx->table->ops_arg);
}

static void
ict_response(struct sip_tx *tx, unsigned code)
{
	struct sip_tx_table *t = tx->table;

	switch (tx->state) {
	case SIP_TX_CALLING:
	case SIP_TX_PROCEEDING:
		tx->last_code = code;
		if (code < 200) {
			/* No retransmissions and no Timer B once a provisional arrived. */
			stop_timers(tx);
			tx->state = SIP_TX_PROCEEDING;
		} else if (code < 300) {
			stop_timers(tx);
			tx->state = SIP_TX_ACCEPTED;
			arm_wait(tx, SIP_TX_TIMER_M, 64 * t->t1);
		} else {
			stop_timers(tx);
			tx->state = SIP_TX_COMPLETED;
			arm(tx, false, SIP_TX_TIMER_D, t->td);
			t->ops->send_ack(tx, t->ops_arg);
		}
		to_tu(tx, code);
		break;
	case SIP_TX_COMPLETED:
		t->stats.retrans_absorbed++;
		if (code >= 300) {
			t->stats.retrans_sent++;
			t->ops->send_ack(tx, t->ops_arg);
		}
		break;
	case SIP_TX_ACCEPTED:
		/* RFC 6026 7.2: 2xx retransmissions (and forks) go to the TU, which ACKs. */
		if (code >= 200 && code < 300)
			to_tu(tx, code);
		else
			t->stats.retrans_absorbed++;
		break;
	default:
		break;
	}
}

static void
nict_response(struct sip_tx *tx, unsigned code)
{
	struct sip_tx_table *t = tx->table;

	switch (tx->state) {
	case SIP_TX_TRYING:
	case SIP_TX_PROCEEDING:
		tx->last_code = code;
		if (code < 200) {
			tx->state = SIP_TX_PROCEEDING;
		} else {
			stop_timers(tx);
			tx->state = SIP_TX_COMPLETED;
			arm_wait(tx, SIP_TX_TIMER_K, t->t4);
		}
		to_tu(tx, code);
		break;
	case SIP_TX_COMPLETED:
		t->stats.retrans_absorbed++;
		break;
	default:
		break;
	}
}

struct sip_tx *
sip_tx_response_in(struct sip_tx_table *t, const struct sip_tx_key *key, unsigned code)
{
	struct lkey lk;
	struct sip_tx *tx;

	lkey_init(&lk, key, false);
	tx = lookup(t, &lk);
	if (tx == NULL && t->hit != NULL) {
		/* A retransmission after the end: absorbed, except a 2xx to an INVITE whose
		 * transaction is over, which the TU ACKs again from its dialog (13.2.2.4). */
		t->stats.compact_hits++;
		if (!(t->hit->kind == SIP_TX_ICT && code >= 200 && code < 300))
			t->stats.retrans_absorbed++;
		return NULL;
	}
	if (tx == NULL || code < 100 || code > 699) {
		t->stats.stray_responses++;
		return NULL;
	}
	if (tx->kind == SIP_TX_ICT)
		ict_response(tx, code);
	else
		nict_response(tx, code);
	return tx;
}

/* ---- server transactions ---- */

struct sip_tx *
sip_tx_server_new(struct sip_tx_table *t, const struct sip_tx_key *key, void *req, void *user)
{
	struct sip_tx *tx = tx_new(t, key, true, req, user);

	if (tx == NULL)
		return NULL;
	tx->state = tx->kind == SIP_TX_IST ? SIP_TX_PROCEEDING : SIP_TX_TRYING;
	return tx;
}

static void
resend_last(struct sip_tx *tx)
{
	if (tx->last_resp == NULL)
		return;
	tx->table->stats.retrans_sent++;
	tx->table->ops->send_response(tx, tx->last_resp, tx->table->ops_arg);
}

enum sip_tx_rx
sip_tx_request_in(struct sip_tx_table *t, const struct sip_tx_key *key, struct sip_tx **out)
{
	struct lkey lk;
	struct sip_tx *tx;

	lkey_init(&lk, key, true);
	tx = lookup(t, &lk);
	*out = tx;
	if (tx == NULL && t->hit != NULL) {
		t->stats.compact_hits++;
		if (key->method == SIP_METHOD_ACK) {
			if (t->hit->kind == SIP_TX_IST && t->hit->state == SIP_TX_ACCEPTED)
				return SIP_TX_RX_TO_TU; /* the ACK of a 2xx is the TU's */
			t->stats.retrans_absorbed++;
			return SIP_TX_RX_ABSORBED;
		}
		t->stats.retrans_absorbed++;
		/* Confirmed: done; Completed (non-INVITE): the TU answers again; Accepted: the TU
		 * owns the 2xx. */
		return t->hit->state == SIP_TX_CONFIRMED ? SIP_TX_RX_ABSORBED : SIP_TX_RX_COMPACT;
	}
	if (tx == NULL)
		return SIP_TX_RX_NO_MATCH;
	if (key->method == SIP_METHOD_ACK) {
		switch (tx->state) {
		case SIP_TX_COMPLETED:
			dpv_timer_cancel(t->wheel, &tx->t_retx);
			dpv_timer_cancel(t->wheel, &tx->t_tout);
			tx->state = SIP_TX_CONFIRMED;
			arm_wait(tx, SIP_TX_TIMER_I, t->t4);
			return SIP_TX_RX_ACK_CONFIRMED;
		case SIP_TX_ACCEPTED:
			return SIP_TX_RX_TO_TU;
		default:
			t->stats.retrans_absorbed++;
			return SIP_TX_RX_ABSORBED;
		}
	}
	t->stats.retrans_absorbed++;
	switch (tx->state) {
	case SIP_TX_PROCEEDING:
	case SIP_TX_COMPLETED:
		resend_last(tx);
		break;
	default: /* Trying: nothing sent yet; Accepted: the 2xx is the TU's; Confirmed: done */
		break;
	}
	return SIP_TX_RX_ABSORBED;
}

struct sip_tx *
sip_tx_find(struct sip_tx_table *t, const struct sip_tx_key *key, bool server)
{
	struct lkey lk;

	lkey_init(&lk, key, server);
	return lookup(t, &lk);
}

uint32_t
sip_tx_key_hash(struct sip_tx_key *key, bool server)
{
	struct lkey lk;

	lkey_init(&lk, key, server);
	key->hash = lk.hash;
	key->hash_as = hash_as(&lk);
	return lk.hash;
}

void
sip_tx_prefetch(const struct sip_tx_table *t, struct sip_tx_key *key, bool server)
{
	__builtin_prefetch(&t->bkt[sip_tx_key_hash(key, server) & t->bmask]);
}

void
sip_tx_prefetch_chain(const struct sip_tx_table *t, uint32_t hash)
{
	const struct tx_bucket *b = &t->bkt[hash & t->bmask];

	if (b->tx != 0)
		__builtin_prefetch(dpv_pool_at(t->pool, b->tx - 1));
	if (b->rec != 0)
		__builtin_prefetch(rec_at(t, b->rec - 1));
}

struct sip_tx *
sip_tx_find_cancelled(struct sip_tx_table *t, const struct sip_tx_key *cancel_key)
{
	struct sip_tx_key k = *cancel_key;
	struct sip_tx *tx;

	/* 9.2: same top Via branch and sent-by (or, RFC 2543, same fields but method) as the
	 * INVITE; the To tag of a CANCEL is that of the INVITE, so legacy matching holds. */
	k.method = SIP_METHOD_INVITE;
	tx = sip_tx_find(t, &k, true);
	return tx != NULL && tx->kind == SIP_TX_IST ? tx : NULL;
}

int
sip_tx_send_response(struct sip_tx *tx, unsigned code, void *resp)
{
	struct sip_tx_table *t = tx->table;

	if (code < 100 || code > 699)
		goto reject;
	switch (tx->kind) {
	case SIP_TX_IST:
		if (tx->state == SIP_TX_PROCEEDING) {
			if (code >= 200 && code < 300) {
				tx->state = SIP_TX_ACCEPTED;
				arm_wait(tx, SIP_TX_TIMER_L, 64 * t->t1);
			} else if (code >= 300) {
				tx->state = SIP_TX_COMPLETED;
				tx->retx_ms = t->t1;
				arm(tx, true, SIP_TX_TIMER_G, t->t1);
				arm(tx, false, SIP_TX_TIMER_H, 64 * t->t1);
			}
		} else if (tx->state != SIP_TX_ACCEPTED || code < 200 || code >= 300) {
			goto reject;
		}
		break;
	case SIP_TX_NIST:
		if (tx->state != SIP_TX_TRYING && tx->state != SIP_TX_PROCEEDING)
			goto reject;
		if (code < 200) {
			tx->state = SIP_TX_PROCEEDING;
		} else {
			tx->state = SIP_TX_COMPLETED;
			arm_wait(tx, SIP_TX_TIMER_J, 64 * t->t1);
		}
		break;
	default:
		goto reject;
	}
	tx->last_code = code;
	tx->last_resp = resp;
	t->ops->send_response(tx, resp, t->ops_arg);
	return 0;
reject:
	t->stats.responses_rejected++;
	return -EINVAL;
}

void
sip_tx_transport_error(struct sip_tx *tx)
{
	struct sip_tx_table *t = tx->table;

	if (tx->state == SIP_TX_TERMINATED)
		return;
	t->stats.transport_errors++;
	if (t->ops->on_transport_error != NULL)
		t->ops->on_transport_error(tx, t->ops_arg);
	terminate(tx);
}

/* ---- timers ---- */

static void
retransmit(struct sip_tx *tx)
{
	struct sip_tx_table *t = tx->table;

	t->stats.retrans_sent++;
	if (tx->kind == SIP_TX_ICT || tx->kind == SIP_TX_NICT)
		t->ops->send_request(tx, tx->req, t->ops_arg);
	else
		t->ops->send_response(tx, tx->last_resp, t->ops_arg);
}

static void
tx_timer_cb(struct dpv_timer *tm, void *arg)
{
	struct sip_tx *tx = arg;
	struct sip_tx_table *t = tx->table;
	bool retx = tm == &tx->t_retx;
	enum sip_tx_timer id = retx ? tx->retx_id : tx->tout_id;

	t->stats.timer_fired[id]++;
	switch (id) {
	case SIP_TX_TIMER_A: /* 17.1.1.2: doubles, no cap */
		retransmit(tx);
		tx->retx_ms *= 2;
		arm(tx, true, id, tx->retx_ms);
		break;
	case SIP_TX_TIMER_E: /* 17.1.2.2: doubles up to T2 in Trying, T2 in Proceeding */
		retransmit(tx);
		tx->retx_ms =
		    tx->state == SIP_TX_TRYING && 2 * tx->retx_ms < t->t2 ? 2 * tx->retx_ms : t->t2;
		arm(tx, true, id, tx->retx_ms);
		break;
	case SIP_TX_TIMER_G: /* 17.2.1: doubles up to T2 */
		retransmit(tx);
		tx->retx_ms = 2 * tx->retx_ms < t->t2 ? 2 * tx->retx_ms : t->t2;
		arm(tx, true, id, tx->retx_ms);
		break;
	case SIP_TX_TIMER_B:
	case SIP_TX_TIMER_F:
	case SIP_TX_TIMER_H:
		t->stats.timeouts++;
		if (t->ops->on_timeout != NULL)
			t->ops->on_timeout(tx, id, t->ops_arg);
		terminate(tx);
		break;
	default: /* D, K, I, J, L, M: the wait for stray retransmissions is over */
		terminate(tx);
		break;
	}
}

/* ---- compact records ---- */

/* The id of slot @a slot of ring @a rg: the long ring's ids first, then the short one's. */
static inline uint32_t
rec_id(const struct sip_tx_table *t, const struct tx_ring *rg, uint32_t slot)
{
	return (rg == &t->ring_long ? 0 : t->ring_long.cap) + slot;
}

static void
ring_drop_head(struct sip_tx_table *t, struct tx_ring *rg)
{
	uint32_t id = rec_id(t, rg, rg->head);
	struct tx_rec *r = &rg->recs[rg->head];
	uint32_t *link = &t->bkt[r->hash & t->bmask].rec;

	/* unlink it from its chain (short: a bucket per record) */
	while (*link != id + 1)
		link = &rec_at(t, *link - 1)->hnext;
	*link = r->hnext;
	rg->head = rg->head + 1 == rg->cap ? 0 : rg->head + 1;
	rg->count--;
}

/* Replace @a tx by a record holding @a d; false when the key does not fit. */
static bool
compact_one(struct sip_tx_table *t, struct sip_tx *tx, const struct sip_tx_cdata *d)
{
	struct tx_ring *rg = tx->wait_ms == t->ring_long.wait_ms ? &t->ring_long : &t->ring_short;
	struct dpv_str b = kf(tx, KF_BRANCH), h = kf(tx, KF_HOST), m = kf(tx, KF_MNAME);
	struct tx_rec *r;
	uint32_t slot;

	_Static_assert(REC_KEYBUF < 256, "each length fits the record's byte");
	if (rg->cap == 0 || b.len + h.len + m.len > REC_KEYBUF)
		return false;
	if (rg->count == rg->cap) {
		ring_drop_head(t, rg);
		t->stats.compact_evicted++;
	}
	slot = rg->head + rg->count;
	if (slot >= rg->cap)
		slot -= rg->cap;
	r = &rg->recs[slot];
	r->kind = (uint8_t)tx->kind;
	r->state = (uint8_t)tx->state;
	r->method = (uint8_t)tx->method;
	r->sent_by_port = tx->sent_by_port;
	r->blen = (uint8_t)b.len;
	r->hlen = (uint8_t)h.len;
	r->mlen = (uint8_t)m.len;
	memcpy(r->key, b.p, b.len);
	memcpy(r->key + b.len, h.p, h.len);
	memcpy(r->key + b.len + h.len, m.p, m.len);
	r->expires = tx->wait_until;
	r->data = *d;
	rg->count++;
	/* The transaction leaves first (its on_terminated frees what the TU kept for it), then
	 * the record takes its key: never two entries for one key. */
	terminate(tx);
	r->hash = tx->hash;
	r->hnext = t->bkt[r->hash & t->bmask].rec;
	t->bkt[r->hash & t->bmask].rec = rec_id(t, rg, slot) + 1;
	t->stats.compacted++;
	return true;
}

static unsigned
ring_expire(struct sip_tx_table *t, struct tx_ring *rg, uint64_t now)
{
	unsigned n = 0;

	while (rg->count > 0 && rg->recs[rg->head].expires <= now) {
		ring_drop_head(t, rg);
		n++;
	}
	t->stats.compact_expired += n;
	return n;
}

unsigned
sip_tx_table_service(struct sip_tx_table *t)
{
	uint64_t now = dpv_timer_wheel_now(t->wheel);
	struct sip_tx_cdata d;
	unsigned n = 0;

	while (!cds_list_empty(&t->pending)) {
		struct sip_tx *tx = cds_list_first_entry(&t->pending, struct sip_tx, cnode);

		cds_list_del(&tx->cnode);
		tx->cpending = false;
		memset(&d, 0, sizeof(d));
		if (!t->ops->compact(tx, &d, t->ops_arg) || !compact_one(t, tx, &d))
			t->stats.compact_refused++;
		n++;
	}
	n += ring_expire(t, &t->ring_long, now);
	n += ring_expire(t, &t->ring_short, now);
	return n;
}

const struct sip_tx_hit *
sip_tx_table_hit(const struct sip_tx_table *t)
{
	return t->hit;
}

const struct sip_tx_hit *
sip_tx_table_find_rec(struct sip_tx_table *t, const struct sip_tx_key *key, bool server)
{
	struct lkey lk;

	lkey_init(&lk, key, server);
	(void)lookup(t, &lk);
	return t->hit;
}

bool
sip_tx_table_records_full(const struct sip_tx_table *t)
{
	return t->ring_long.cap != 0 &&
	       t->ring_long.count >= t->ring_long.cap - t->ring_long.cap / 16;
}

uint32_t
sip_tx_table_records(const struct sip_tx_table *t)
{
	return t->ring_long.count + t->ring_short.count;
}

size_t
sip_tx_record_size(void)
{
	return sizeof(struct tx_rec);
}

size_t
sip_tx_size(void)
{
	return sizeof(struct sip_tx);
}

/* Rings are anonymous mappings: the kernel fills their pages with zeros on first use, so a
 * table sized for millions of records is ready at once and costs memory only as it fills (a
 * calloc() from an allocator that reuses freed memory would clear it all up front). */
static int
ring_init(struct tx_ring *rg, uint32_t cap, uint32_t wait_ms)
{
	rg->cap = cap;
	rg->wait_ms = wait_ms;
	rg->head = rg->count = 0;
	rg->recs = cap ? dpv_zmap((size_t)cap * sizeof(*rg->recs)) : NULL;
	return cap && rg->recs == NULL ? -1 : 0;
}

/* Release the rings (each may be unset). */
static void
records_fini(struct sip_tx_table *t)
{
	dpv_unmap(t->ring_long.recs, (size_t)t->ring_long.cap * sizeof(struct tx_rec));
	dpv_unmap(t->ring_short.recs, (size_t)t->ring_short.cap * sizeof(struct tx_rec));
	t->ring_long.recs = t->ring_short.recs = NULL;
}

/* The two rings' sizes for @a cfg (the T4 one scaled by T4 / 64*T1), and the buckets of their
 * index (a power of two, one per record at least). */
static void
record_sizes(const struct sip_tx_table_cfg *cfg, uint32_t *lng, uint32_t *shrt, uint64_t *nb)
{
	uint64_t s;

	*lng = cfg->max_completed ? cfg->max_completed : cfg->max_tx;
	s = (uint64_t)*lng * cfg->t4_ms / (64ull * cfg->t1_ms) + 1024;
	*shrt = s < *lng ? (uint32_t)s : *lng;
	for (*nb = 1; *nb < (uint64_t)*lng + *shrt;)
		*nb <<= 1;
}

uint64_t
sip_tx_records_bytes(const struct sip_tx_table_cfg *cfg)
{
	uint32_t lng, shrt;
	uint64_t nb;

	record_sizes(cfg, &lng, &shrt, &nb);
	/* their share of the index: the buckets beyond the transactions' */
	return ((uint64_t)lng + shrt) * sizeof(struct tx_rec) + nb * sizeof(struct tx_bucket);
}

/* ---- table ---- */

struct sip_tx_table *
sip_tx_table_create(const struct sip_tx_table_cfg *cfg)
{
	struct sip_tx_table *t;
	unsigned long buckets = 1;
	char name[32];

	if (cfg == NULL || cfg->max_tx == 0 || cfg->t1_ms == 0 || cfg->t2_ms < cfg->t1_ms ||
	    cfg->t4_ms == 0 || cfg->wheel == NULL || cfg->ops == NULL ||
	    cfg->ops->send_request == NULL || cfg->ops->send_response == NULL ||
	    cfg->ops->send_ack == NULL || cfg->t1_ms > UINT32_MAX / 64)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	CDS_INIT_LIST_HEAD(&t->pending);
	while (buckets < cfg->max_tx)
		buckets <<= 1;
	if (cfg->ops->compact != NULL) {
		/* Records share the index (only this lcore reads it): a bucket per record at
		 * least, filled on first use like the rings. */
		uint32_t lng, shrt;
		uint64_t nb;

		record_sizes(cfg, &lng, &shrt, &nb);
		if (nb > buckets)
			buckets = (unsigned long)nb;
		t->records = true;
		if (ring_init(&t->ring_long, lng, 64 * cfg->t1_ms) != 0 ||
		    ring_init(&t->ring_short, shrt, cfg->t4_ms) != 0) {
			records_fini(t);
			free(t);
			return NULL;
		}
	}
	snprintf(name, sizeof(name), "sip_tx_%p", (void *)t);
	t->pool = dpv_pool_create(name, cfg->max_tx, sizeof(struct sip_tx));
	t->bkt = dpv_zmap(buckets * sizeof(*t->bkt));
	t->bmask = (uint32_t)(buckets - 1);
	if (t->pool == NULL || t->bkt == NULL) {
		dpv_unmap(t->bkt, buckets * sizeof(*t->bkt));
		dpv_pool_free(t->pool);
		records_fini(t);
		free(t);
		return NULL;
	}
	dpv_defer_init(&t->limbo);
	t->wheel = cfg->wheel;
	t->ops = cfg->ops;
	t->ops_arg = cfg->ops_arg;
	t->t1 = cfg->t1_ms;
	t->t2 = cfg->t2_ms;
	t->t4 = cfg->t4_ms;
	t->td = cfg->timer_d_ms ? cfg->timer_d_ms : 32000;
	return t;
}

void
sip_tx_table_destroy(struct sip_tx_table *t)
{
	if (t == NULL)
		return;
	for (uint64_t b = 0; b <= t->bmask; b++) {
		for (struct sip_tx *tx = t->bkt[b].tx ? dpv_pool_at(t->pool, t->bkt[b].tx - 1)
		                                      : NULL;
		     tx != NULL; tx = tx->hnext)
			stop_timers(tx);
	}
	/* The call_rcu callback of the table's grace periods writes into it: wait for it. */
	dpv_gp_barrier();
	dpv_unmap(t->bkt, ((size_t)t->bmask + 1) * sizeof(*t->bkt));
	dpv_pool_free(t->pool);
	records_fini(t);
	free(t);
}

const struct sip_tx_stats *
sip_tx_table_stats(const struct sip_tx_table *t)
{
	return &t->stats;
}

uint32_t
sip_tx_table_count(const struct sip_tx_table *t)
{
	return t->count;
}

uint32_t
sip_tx_table_limbo(const struct sip_tx_table *t)
{
	return t->limbo.count;
}

uint32_t
sip_tx_table_avail(const struct sip_tx_table *t)
{
	return dpv_pool_avail(t->pool);
}

/* ---- accessors ---- */

enum sip_tx_state
sip_tx_state(const struct sip_tx *tx)
{
	return tx->state;
}

enum sip_tx_kind
sip_tx_kind(const struct sip_tx *tx)
{
	return tx->kind;
}

enum sip_method
sip_tx_method(const struct sip_tx *tx)
{
	return tx->method;
}

void *
sip_tx_user(const struct sip_tx *tx)
{
	return tx->user;
}

void *
sip_tx_request(const struct sip_tx *tx)
{
	return tx->req;
}

void *
sip_tx_last_response(const struct sip_tx *tx)
{
	return tx->last_resp;
}

unsigned
sip_tx_last_code(const struct sip_tx *tx)
{
	return tx->last_code;
}
