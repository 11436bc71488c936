/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file sip_ua.h  The SIP user agent core: dialogs and sessions over the transaction layer,
 * the UAS call flow routed by the dialplan, the UAC side the engine originates calls with.
 *
 * One struct sip_ua per signaling lcore; everything runs on that lcore except the functions
 * marked "any thread". The UA knows nothing of mbufs or ports: it asks its owner for message
 * buffers and hands them back to be sent, through struct sip_ua_ops.
 */
#ifndef DPV_SIP_UA_H
#define DPV_SIP_UA_H

#ifndef DPV_SIP_H_INSIDE
#error "include sip.h, the sip layer's one public header"
#endif

#include <stdbool.h>
#include <stdint.h>

#include "dpv.h"

struct sip_ua;
struct sip_dialplan;
struct dpv_timer_wheel;
struct sip_tx_stats;

/** Session (call) states. */
enum sip_sess_state {
	SIP_SESS_INCOMING,    /* UAS: INVITE received, not yet answered (100/180 sent) */
	SIP_SESS_CALLING,     /* UAC: INVITE sent, no response yet */
	SIP_SESS_EARLY,       /* UAC: 1xx with a To tag (early dialog) */
	SIP_SESS_ANSWERED,    /* UAS: 2xx sent, waiting for the ACK */
	SIP_SESS_CONFIRMED,   /* ACK received (UAS) or sent (UAC): media flows */
	SIP_SESS_TERMINATING, /* BYE or CANCEL sent, waiting for its answer */
	SIP_SESS_TERMINATED,
	SIP_SESS_STATE_MAX
};

/** Owner callbacks. Message handles are opaque to the UA (the engine uses mbufs). */
struct sip_ua_ops {
	/**
	 * A buffer for one datagram: returns a handle and the writable area (*buf, *cap).
	 * NULL when none is free (the UA counts it and gives up on that message).
	 */
	void *(*msg_alloc)(void *arg, char **buf, uint32_t *cap);
	/**
	 * Optional (NULL: none). A buffer of at least @a need bytes (SIP_UA_MSG_MAX) for an answer
	 * that did not fit msg_alloc's: responses copy every Via line, so the answer to a request
	 * with long Vias (PROTOS sip-via-host: a 16 KB host) needs about the request's size. The
	 * UA asks for one only after a write failed; without it the answer is dropped and counted
	 * (resp_too_big). Freed through msg_free like the others.
	 */
	void *(*msg_alloc_large)(void *arg, uint32_t need, char **buf, uint32_t *cap);
	/**
	 * Send @a len bytes of @a msg to @a ip:@a port (host order). The UA keeps the handle (it
	 * may send it again as a retransmission, same bytes, same destination) until msg_free.
	 * Returns 0, or -1 when it could not be sent now (e.g. next hop not yet resolved): the
	 * retransmission timers try again.
	 */
	int (*msg_send)(void *arg, void *msg, uint32_t len, uint32_t ip, uint16_t port);
	/** The UA is done with @a msg. */
	void (*msg_free)(void *arg, void *msg);

	/**
	 * Optional (NULL: always cfg.local_ip). The engine's address facing @a peer_ip (host
	 * order): where a session's Via, Contact and SDP c= point. Asked once per session.
	 */
	uint32_t (*local_addr)(void *arg, uint32_t peer_ip);
	/**
	 * Optional. Session @a session_id (listed by sip_ua_sessions) is now in state @a st: once
	 * when it enters the table, on each change, and TERMINATED when it leaves.
	 */
	void (*session_state)(void *arg, uint64_t session_id, enum sip_sess_state st);
	/**
	 * Optional. A request that parsed, before the UA looks at it: true drops it without an
	 * answer (the owner counts it; the engine's [security] scanner filter).
	 */
	bool (*request_filter)(void *arg, const struct sip_msg *m);
};

/**
 * Largest datagram the UA may write: a response copies the request's Via/From/To/Call-ID/CSeq
 * lines (at most a whole datagram, SIP_MAX_MSG_LEN) and adds its own lines and an SDP body.
 */
#define SIP_UA_MSG_MAX (65535u + 8192u)

/** Most dialogs one UA holds: a session id keeps the dialog's slot in 24 bits. */
#define SIP_UA_MAX_DIALOGS 0xffffffu

/** Configuration of one UA. */
struct sip_ua_cfg {
	uint32_t index;      /* this UA's index among signaling lcores (in session ids) */
	uint32_t nb_uas;     /* signaling lcores: Call-IDs this UA makes are ones that
	                        sip_call_id_owner(call_id, nb_uas) maps to index */
	uint32_t local_ip;   /* the engine's address (ops->local_addr may choose another) */
	uint16_t local_port; /* SIP port */
	uint32_t max_transactions, max_dialogs; /* max_dialogs: 1..SIP_UA_MAX_DIALOGS */
	uint32_t max_completed; /* compact records of finished transactions (0: max_transactions) */
	uint32_t max_calls_per_source; /* incoming calls one source address may hold (0: any) */
	uint32_t t1_ms, t2_ms, t4_ms;
	uint32_t answer_delay_ms; /* UAS: ring this long before answering (0: answer at once) */
	const struct sip_dialplan *dialplan; /* shared, read-only; the UA allocates its scratch */
	struct dpv_timer_wheel *wheel;       /* this lcore's wheel */
	const struct sip_ua_ops *ops;
	void *ops_arg;
	/* Media negotiation (SDP, ports): the rtp layer's rtp_media_ops, or a test double. */
	const struct dpv_media_ops *media;
	void *media_arg;
};

/* Counters of one UA (only its lcore writes them). */
#define SIP_UA_COUNTERS(X)                                                                         \
	X(rx_requests)                                                                             \
	X(rx_responses)                                                                            \
	X(rx_parse_errors)                                                                         \
	X(rx_dropped) /* unparsable responses, stray ACKs, ... */                                  \
	X(tx_responses)                                                                            \
	X(tx_requests)                                                                             \
	X(rejected_4xx)                                                                            \
	X(rejected_5xx)                                                                            \
	X(overload_503)                                                                            \
	X(bad_tx_key) /* transaction key (Via branch/sent-by...) too long: 400, not overload */    \
	X(no_buffer)                                                                               \
	X(resp_too_big) /* an answer did not fit the owner's buffer: not sent */                   \
	X(calls_in)                                                                                \
	X(calls_out)                                                                               \
	X(calls_answered)                                                                          \
	X(calls_failed)                                                                            \
	X(calls_cancelled)                                                                         \
	X(calls_ended)                                                                             \
	X(ack_timeouts)                                                                            \
	X(tx_compacted)      /* finished transactions reduced to a compact record */               \
	X(shed_new_calls)    /* new INVITEs refused (503) to keep room for calls in progress */    \
	X(shed_source_calls) /* new INVITEs refused (503): their source holds its limit */         \
	X(retrans_answered)  /* retransmissions answered again from a compact record */            \
	X(sessions_active)

enum sip_ua_counter {
#define SIP_X(n) SIP_UA_C_##n,
	SIP_UA_COUNTERS(SIP_X)
#undef SIP_X
	    SIP_UA_C_MAX
};

/** Names of the counters, by enum sip_ua_counter. */
extern const char *const sip_ua_counter_names[SIP_UA_C_MAX];

/** A session as listed to the control plane. */
struct sip_sess_info {
	uint64_t id;
	enum sip_sess_state state;
	bool outgoing;
	char call_id[128];
	char peer_uri[128]; /* remote party (From for UAS, To for UAC) */
	char bridge[DPV_BRIDGE_NAME_MAX + 1];
	enum dpv_call_action action;
	uint16_t local_port;
	uint32_t remote_ip;
	uint16_t remote_port;
	uint64_t age_ms;
	uint16_t last_code; /* UAC: last final/provisional status received */
};

/** What a UA of @a cfg sustains and costs, for `dpvoip --check` and the docs. */
struct sip_ua_capacity {
	double calls_per_s;   /* finished calls/s whose records (2 per call, 64*T1) fit */
	uint64_t heap_bytes;  /* sessions, transactions, records (pages touched as they fill) */
	uint32_t record_size; /* bytes per finished transaction */
};
void sip_ua_capacity(const struct sip_ua_cfg *cfg, struct sip_ua_capacity *out);

/** Create a UA on the calling lcore (which must be rcu_register_thread()ed). NULL on error. */
struct sip_ua *sip_ua_create(const struct sip_ua_cfg *cfg);
/** End every session without signaling, free everything. */
void sip_ua_destroy(struct sip_ua *ua);

/**
 * One received datagram (not NUL-terminated; the caller frees it after the call: the UA
 * copies what it keeps) from @a src_ip:@a src_port.
 */
void sip_ua_input(struct sip_ua *ua, const char *buf, uint32_t len, uint32_t src_ip,
                  uint16_t src_port);

/** One datagram of a burst for sip_ua_input_burst. */
struct sip_ua_dgram {
	const char *buf;
	uint32_t len;
	uint32_t src_ip;
	uint16_t src_port;
};

/**
 * A burst of received datagrams, handled in order exactly as sip_ua_input would one by one;
 * the next message is parsed ahead so that the memory its transaction lookup needs is loading
 * while this one is handled. The caller frees the datagrams after the call.
 */
void sip_ua_input_burst(struct sip_ua *ua, const struct sip_ua_dgram *d, unsigned n);
/** Run timers due by @a now_ms and reclaim RCU-deferred objects; returns work done. */
unsigned sip_ua_tick(struct sip_ua *ua, uint64_t now_ms);

/**
 * Originate a call (UAC INVITE with an SDP offer) to @a uri ("sip:user@A.B.C.D[:port]"; the
 * request goes to that host:port, default 5060). @a bridge may be NULL or a bridge name to
 * join when answered. @return 0 with *session_id, or -errno (-EINVAL bad URI or bridge name
 * (dpv_bridge_name_valid), -ENOSPC pools full).
 */
int sip_ua_originate(struct sip_ua *ua, const char *uri, const char *bridge, uint64_t *session_id);
/** BYE a confirmed call, CANCEL an unanswered outgoing one, reject an unanswered incoming one
 *  (480). @return 0, or -ENOENT when there is no such session on this UA. */
int sip_ua_hangup(struct sip_ua *ua, uint64_t session_id);
/** Change the bridge a session's media belongs to (NULL: none); media_update is called.
 *  @return 0, -ENOENT (no such session) or -EINVAL (dpv_bridge_name_valid refuses it). */
int sip_ua_set_bridge(struct sip_ua *ua, uint64_t session_id, const char *bridge);

/*
 * The steering contract: a call belongs to the signaling lcore sip_call_id_owner() names for
 * its Call-ID. The engine steers each datagram by sip_peek_call_id(); a UA makes Call-IDs
 * that map to its own index.
 */

/**
 * Find the Call-ID value of a SIP datagram without parsing it (header names through the
 * parser's table: any case, compact "i", folding). @return 0 with @a out set, or -1 when the
 * datagram has no complete Call-ID line before its blank line.
 */
int sip_peek_call_id(const char *msg, uint32_t len, struct dpv_str *out);

/** Index (0..nb-1) of the signaling lcore that owns @a call_id among @a nb (0 when nb <= 1). */
static inline uint32_t
sip_call_id_owner(struct dpv_str call_id, uint32_t nb)
{
	return nb <= 1 ? 0 : dpv_hash32(call_id.p, call_id.len) % nb;
}

/** The UA index encoded in a session id (any thread). */
static inline uint32_t
sip_ua_session_owner(uint64_t session_id)
{
	return (uint32_t)(session_id >> 48);
}

/**
 * List sessions: calls @a cb for each (any thread registered with RCU; takes the RCU read
 * lock itself; values are a consistent-enough snapshot for display). @return count.
 */
unsigned sip_ua_sessions(struct sip_ua *ua, void (*cb)(const struct sip_sess_info *, void *),
                         void *arg);
/** Session @a session_id of this UA as sip_ua_sessions lists it (the UA's lcore). 0 or -ENOENT. */
int sip_ua_session_info(struct sip_ua *ua, uint64_t session_id, struct sip_sess_info *out);
/** Counters (any thread; racy reads of aligned 64-bit values). */
const uint64_t *sip_ua_counters(const struct sip_ua *ua);

/** What a UA holds: live objects, objects waiting for a grace period, free ones. */
struct sip_ua_occupancy {
	uint32_t tx_live;    /**< transactions in the table */
	uint32_t tx_limbo;   /**< terminated, waiting for a grace period */
	uint32_t tx_free;    /**< free in the transaction pool */
	uint32_t sess_live;  /**< sessions in the table */
	uint32_t sess_held;  /**< session objects out of the pool (live, ended, in limbo) */
	uint32_t sess_limbo; /**< retired, waiting for a grace period */
	uint32_t sess_free;  /**< free in the session pool */
	uint32_t tx_records; /**< compact records of finished transactions */
};

/** Occupancy of the UA's tables and pools (its own lcore; racy elsewhere). */
void sip_ua_occupancy(const struct sip_ua *ua, struct sip_ua_occupancy *o);
/** The UA's transaction-layer counters. */
const struct sip_tx_stats *sip_ua_tx_stats(const struct sip_ua *ua);
/** Name of a session state. */
const char *sip_sess_state_name(enum sip_sess_state s);

#endif /* DPV_SIP_UA_H */
