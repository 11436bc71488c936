/* SPDX-License-Identifier: BSD-3-Clause */
/** @file sip_tx.h  SIP transaction layer (RFC 3261 section 17, RFC 6026), UDP timer values. */
#ifndef DPV_SIP_TX_H
#define DPV_SIP_TX_H

#ifndef DPV_SIP_H_INSIDE
#error "include sip.h, the sip layer's one public header"
#endif

#include <stdbool.h>
#include <stdint.h>

#include "dpv.h"

/*
 * One table per signaling lcore. Everything here runs on that lcore; the table's hash is a
 * liburcu lock-free table (QSBR) so other lcores may read it under rcu_read_lock, and deleted
 * transactions go back to the pool only after a grace period (sip_tx_table_reclaim).
 * The lcore thread must be rcu_register_thread()ed and call rcu_quiescent_state() in its loop.
 * Time comes from the timer wheel given at creation (dpv_timer_wheel_now), so tests drive every
 * state machine with a virtual clock through dpv_timer_wheel_advance.
 */

struct sip_tx;
struct sip_tx_table;

/** Which of the four state machines. */
enum sip_tx_kind {
	SIP_TX_ICT,  /* INVITE client, 17.1.1 */
	SIP_TX_NICT, /* non-INVITE client, 17.1.2 */
	SIP_TX_IST,  /* INVITE server, 17.2.1 */
	SIP_TX_NIST, /* non-INVITE server, 17.2.2 */
};

/** Transaction states (the subset each machine uses is in the RFC figures). */
enum sip_tx_state {
	SIP_TX_CALLING,
	SIP_TX_TRYING,
	SIP_TX_PROCEEDING,
	SIP_TX_COMPLETED,
	SIP_TX_CONFIRMED,
	SIP_TX_ACCEPTED, /* RFC 6026 */
	SIP_TX_TERMINATED,
	SIP_TX_STATE_MAX
};

/** RFC 3261 / RFC 6026 timer names. */
enum sip_tx_timer {
	SIP_TX_TIMER_A,
	SIP_TX_TIMER_B,
	SIP_TX_TIMER_D,
	SIP_TX_TIMER_E,
	SIP_TX_TIMER_F,
	SIP_TX_TIMER_K,
	SIP_TX_TIMER_G,
	SIP_TX_TIMER_H,
	SIP_TX_TIMER_I,
	SIP_TX_TIMER_J,
	SIP_TX_TIMER_L,
	SIP_TX_TIMER_M,
	SIP_TX_TIMER_MAX
};

/**
 * What identifies a transaction, as zero-copy strings into the received (or sent) message;
 * the transaction copies what it keeps. The parser fills it; this layer never sees the parser.
 */
struct sip_tx_key {
	struct dpv_str branch;       /* top Via branch; RFC 3261 when it starts with z9hG4bK */
	struct dpv_str sent_by_host; /* top Via sent-by host (server matching) */
	uint16_t sent_by_port;       /* top Via sent-by port, normalised by the caller (5060) */
	enum sip_method method;      /* request method, or CSeq method of a response */
	struct dpv_str method_name;  /* the token, needed when method is SIP_METHOD_UNKNOWN */
	/* RFC 2543 fallback (branch without the magic cookie), server side only: */
	struct dpv_str request_uri;
	struct dpv_str from_tag;
	struct dpv_str to_tag; /* ignored for ACK (it carries the tag of our response) */
	struct dpv_str call_id;
	uint32_t cseq;      /* CSeq number */
	struct dpv_str via; /* top Via header field value */
	/*
	 * The index hash of this key, as sip_tx_key_hash() computed it, and what for (0: not
	 * computed; it names the side and the method matched, so a key whose method was changed
	 * afterwards is hashed anew). Zero it when filling a key by hand.
	 */
	uint32_t hash;
	uint16_t hash_as;
};

/**
 * Compute (once) the index hash of @a key for the @a server side and keep it in the key, so
 * that the lookups and the creation that follow with this key (or a copy) do not hash again.
 */
uint32_t sip_tx_key_hash(struct sip_tx_key *key, bool server);

/** What the TU keeps in a compact record (opaque to this layer). */
#define SIP_TX_CDATA_MAX 48
struct sip_tx_cdata {
	uint8_t b[SIP_TX_CDATA_MAX];
};

/** A compact record as a lookup found it (valid until the next call into the table). */
struct sip_tx_hit {
	enum sip_tx_kind kind;
	enum sip_tx_state state; /* the state the transaction was compacted in */
	enum sip_method method;
	const struct sip_tx_cdata *data;
};

/**
 * TU callbacks. Messages are opaque handles the TU owns (e.g. an mbuf with a reference kept);
 * the transaction only hands them back to be (re)sent. After on_terminated the TU must drop
 * its pointer to the transaction and may release the request / last response handles.
 */
struct sip_tx_ops {
	/** Send (or resend) the request of a client transaction. */
	void (*send_request)(struct sip_tx *tx, void *req, void *arg);
	/** Send (or resend) a response of a server transaction. */
	void (*send_response)(struct sip_tx *tx, void *resp, void *arg);
	/** INVITE client got a 3xx-6xx: send (or resend) the ACK (the TU builds it, 17.1.1.3). */
	void (*send_ack)(struct sip_tx *tx, void *arg);
	/** A client transaction passes a response up to the TU. */
	void (*on_response)(struct sip_tx *tx, unsigned code, void *arg);
	/** Timer B, F or H ended the transaction (it terminates right after). */
	void (*on_timeout)(struct sip_tx *tx, enum sip_tx_timer which, void *arg);
	/** The transport reported an error (the transaction terminates right after). */
	void (*on_transport_error)(struct sip_tx *tx, void *arg);
	/** The transaction reached Terminated and left the table. */
	void (*on_terminated)(struct sip_tx *tx, void *arg);
	/**
	 * Optional. The transaction reached a state where it only waits for stray retransmissions
	 * (IST Accepted or Confirmed, NIST Completed, ICT Accepted, NICT Completed): fill @a d with
	 * what the TU needs to answer a retransmission the same way (e.g. the status and To tag of
	 * the final response, to rewrite it from the retransmitted request) and return true; the
	 * table then keeps only a compact record (struct sip_tx_cdata plus the key) until the
	 * state's timer, and the transaction itself terminates (on_terminated) at the next
	 * sip_tx_table_service(). false keeps the full transaction until its timer.
	 */
	bool (*compact)(struct sip_tx *tx, struct sip_tx_cdata *d, void *arg);
};

/** Table configuration. */
struct sip_tx_table_cfg {
	uint32_t max_tx; /* pool size */
	uint32_t t1_ms, t2_ms, t4_ms;
	uint32_t timer_d_ms; /* 0: 32000 (RFC 3261 17.1.1.2, unreliable transport) */
	/* Compact records of finished transactions (with ops->compact): how many may wait out
	 * 64*T1 (Timers J, L, M); those that wait T4 (I, K) get a ring scaled by T4 / 64*T1.
	 * 0: max_tx. */
	uint32_t max_completed;
	struct dpv_timer_wheel *wheel; /* the lcore's wheel, shared with other layers */
	const struct sip_tx_ops *ops;
	void *ops_arg;
};

/** Counters per table. */
struct sip_tx_stats {
	uint64_t created;
	uint64_t terminated;
	uint64_t timer_fired[SIP_TX_TIMER_MAX]; /* every firing, by timer */
	uint64_t timeouts;                      /* B, F, H reported to the TU */
	uint64_t retrans_sent;                  /* requests, responses and ACKs resent */
	uint64_t retrans_absorbed; /* retransmissions received and not passed to the TU */
	uint64_t pool_exhausted;   /* sip_tx_*_new found no free object */
	uint64_t key_too_long;     /* key does not fit the transaction, not created */
	uint64_t duplicate;        /* sip_tx_server_new for a key already in the table */
	uint64_t transport_errors;
	uint64_t stray_responses;    /* response_in matched no client transaction */
	uint64_t responses_rejected; /* TU response not allowed in the current state */
	uint64_t reclaimed;          /* objects back in the pool after a grace period */
	uint64_t compacted;          /* transactions reduced to a compact record */
	uint64_t compact_refused;    /* TU declined, key too long or RFC 2543 key: kept whole */
	uint64_t compact_hits;       /* retransmissions that matched a compact record */
	uint64_t compact_expired;    /* records whose wait ended */
	uint64_t compact_evicted;    /* records dropped before their time: the ring was full */
};

/** What sip_tx_request_in did with a received request. */
enum sip_tx_rx {
	SIP_TX_RX_NO_MATCH,      /* no transaction: the TU creates one (sip_tx_server_new) or, for
	                            an ACK, handles it as the ACK of a 2xx (new branch, RFC 3261) */
	SIP_TX_RX_ABSORBED,      /* retransmission; the last response was resent if there was one */
	SIP_TX_RX_ACK_CONFIRMED, /* ACK of our 3xx-6xx: Completed -> Confirmed, not for the TU */
	SIP_TX_RX_TO_TU,   /* ACK matching an INVITE transaction in Accepted: pass to the TU */
	SIP_TX_RX_COMPACT, /* a retransmission matched a compact record (sip_tx_table_hit): the
	                      TU answers it again from the record's data (NIST Completed) or
	                      decides (IST Accepted: an INVITE whose 2xx the TU resends) */
};

/** Create a table; NULL on bad config or allocation failure. Call on the owning lcore. */
struct sip_tx_table *sip_tx_table_create(const struct sip_tx_table_cfg *cfg);
/** Terminate what is left (no callbacks), wait for in-flight grace periods, free everything. */
void sip_tx_table_destroy(struct sip_tx_table *t);
/** Put transactions deleted at least one grace period ago back in the pool; returns how many. */
unsigned sip_tx_table_reclaim(struct sip_tx_table *t);
/**
 * Reduce transactions that reached a waiting state to compact records (ops->compact) and end
 * the records whose wait is over, by the wheel's clock; returns the work done. Call from the
 * lcore loop (sip_ua_tick does).
 */
unsigned sip_tx_table_service(struct sip_tx_table *t);
/** The compact record the last request_in/response_in/sip_tx_table_find_rec matched, or NULL. */
const struct sip_tx_hit *sip_tx_table_hit(const struct sip_tx_table *t);
/** Look a compact record up by key (no state change); NULL when there is none. */
const struct sip_tx_hit *sip_tx_table_find_rec(struct sip_tx_table *t, const struct sip_tx_key *key,
                                               bool server);
/** True when the 64*T1 record ring is 15/16 full: shed new work before it drops records. */
bool sip_tx_table_records_full(const struct sip_tx_table *t);
/** Compact records held (both rings), and bytes per record. */
uint32_t sip_tx_table_records(const struct sip_tx_table *t);
size_t sip_tx_record_size(void);
/** Bytes of a full transaction object. */
size_t sip_tx_size(void);
/** Bytes a table of @a cfg (with ops->compact) maps for its records: both rings and their
 *  index, touched only as they fill. */
uint64_t sip_tx_records_bytes(const struct sip_tx_table_cfg *cfg);
/** Counters. */
const struct sip_tx_stats *sip_tx_table_stats(const struct sip_tx_table *t);
/** Transactions in the table (not Terminated). */
uint32_t sip_tx_table_count(const struct sip_tx_table *t);
/** Deleted transactions waiting for a grace period. */
uint32_t sip_tx_table_limbo(const struct sip_tx_table *t);
/** Free objects in the transaction pool. */
uint32_t sip_tx_table_avail(const struct sip_tx_table *t);

/**
 * TU sends a request: create an INVITE or non-INVITE client transaction (by key->method) and
 * send @a req through ops->send_request. NULL when the pool is full or the key too long.
 */
struct sip_tx *sip_tx_client_new(struct sip_tx_table *t, const struct sip_tx_key *key, void *req,
                                 void *user);
/** A response arrived (@a key from its top Via and CSeq): match (17.1.3) and run the machine. */
struct sip_tx *sip_tx_response_in(struct sip_tx_table *t, const struct sip_tx_key *key,
                                  unsigned code);

/**
 * A request arrived: match it (17.2.3, ACK against its INVITE) and absorb retransmissions.
 * @a out gets the matched transaction, or NULL.
 */
enum sip_tx_rx sip_tx_request_in(struct sip_tx_table *t, const struct sip_tx_key *key,
                                 struct sip_tx **out);
/**
 * Create a server transaction for a request that matched none (never for ACK). NULL when the
 * pool is full (count in pool_exhausted; the UAS answers 503 with Retry-After), the key is too
 * long, or a transaction with this key exists.
 */
struct sip_tx *sip_tx_server_new(struct sip_tx_table *t, const struct sip_tx_key *key, void *req,
                                 void *user);
/** The INVITE server transaction a CANCEL (given by its key) cancels, or NULL (17.2.3, 9.2). */
struct sip_tx *sip_tx_find_cancelled(struct sip_tx_table *t, const struct sip_tx_key *cancel_key);
/** Find a transaction by key: server when @a server, else client. */
struct sip_tx *sip_tx_find(struct sip_tx_table *t, const struct sip_tx_key *key, bool server);

/**
 * Start loading the index bucket of @a key (hashed for @a server side, kept in the key) into
 * the cache, for a lookup a message or two later: a burst's next message is prefetched while
 * this one is handled. No effect on the table's state.
 */
void sip_tx_prefetch(const struct sip_tx_table *t, struct sip_tx_key *key, bool server);
/**
 * Then, once that bucket is in the cache, start loading the first transaction and record its
 * chains hold (what the lookup compares first), for the key sip_tx_key_hash() gave @a hash.
 */
void sip_tx_prefetch_chain(const struct sip_tx_table *t, uint32_t hash);

/**
 * TU sends a response on a server transaction; @a resp becomes the last response, resent on
 * request retransmissions. 0, or -EINVAL when the state does not allow it (e.g. after the
 * final response of a non-INVITE transaction, or a non-2xx in Accepted).
 */
int sip_tx_send_response(struct sip_tx *tx, unsigned code, void *resp);
/** The transport failed to send for this transaction: tell the TU and terminate. */
void sip_tx_transport_error(struct sip_tx *tx);

/** State. */
enum sip_tx_state sip_tx_state(const struct sip_tx *tx);
/** Kind. */
enum sip_tx_kind sip_tx_kind(const struct sip_tx *tx);
/** Method of the request that created it. */
enum sip_method sip_tx_method(const struct sip_tx *tx);
/** The TU's pointer given at creation. */
void *sip_tx_user(const struct sip_tx *tx);
/** The request handle given at creation. */
void *sip_tx_request(const struct sip_tx *tx);
/** The last response sent (server) or NULL. */
void *sip_tx_last_response(const struct sip_tx *tx);
/** Status code of the last response sent (server) or received (client), 0 before any. */
unsigned sip_tx_last_code(const struct sip_tx *tx);
/** Name of a state, for logs and the control socket. */
const char *sip_tx_state_name(enum sip_tx_state s);
/** Name of a timer ("A".."M"). */
const char *sip_tx_timer_name(enum sip_tx_timer tm);

#endif /* DPV_SIP_TX_H */
