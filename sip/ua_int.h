/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UA internals, shared by the UA's files (one concept each):
 *   ua.c       the UA itself: create/destroy, input, tick, counters, message buffers, the
 *              per-transaction context and the transaction callbacks
 *   session.c  the session table and a session's lifecycle (alloc, end, retire, reclaim)
 *   dialog.c   the dialog (RFC 3261 12): its string arena, route set, remote target, and the
 *              checks an in-dialog request passes
 *   request.c  requests the UA sends (INVITE, ACK, BYE, CANCEL) and their client transactions
 *   reply.c    responses the UA sends: on a server transaction, stateless, to parse errors
 *   uas.c      the UAS: requests in, by method
 *   uac.c      the UAC: originate, responses in, hangup
 *   callid.c   Call-IDs: the steering peek, the owner rule, the ones the UAC makes
 */
#ifndef DPV_SIP_UA_INT_H
#define DPV_SIP_UA_INT_H

#include <urcu-qsbr.h>

#include "sip.h"

#define UA_TAG_MAX 32  /* our own tags */
#define UA_URI_MAX 192 /* Request-URI of an INVITE we originate */
/*
 * The dialog's peer-given strings (Call-ID, remote tag, From/To name-addrs, remote target,
 * route set) share one per-session arena: RFC 4475 longreq (3515 bytes, From 590, To 486,
 * Call-ID 141, From tag 155) needs about 1.5 KB of it. What does not fit is refused with
 * 400 "dialog field too long", never truncated.
 */
#define UA_DLG_MAX 2048
#define UA_BUF_MAX 4096 /* SDP scratch */

#define ALLOW_HDR     "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n"
#define SUPPORTED_HDR "Supported: \r\n"
#define OPTIONS_EXTRA ALLOW_HDR "Accept: application/sdp\r\n" SUPPORTED_HDR
#define UA_AGENT      "dpvoip"
#define SDP_TYPE      DPV_STR_LIT("application/sdp")

#define CNT(ua, n) ((ua)->cnt[SIP_UA_C_##n]++)

/* Fields of the dialog arena, in storage order (the Call-ID first: it never moves, so the
 * control plane can read it racily as a C string at offset 0). */
enum ua_dlg_field {
	DF_CALLID,
	DF_REMOTE_TAG,
	DF_REMOTE_NAMEADDR, /* UAS: the From value, its tag included; UAC: the To we sent */
	DF_LOCAL_NAMEADDR,  /* without our tag */
	DF_TARGET,          /* remote target: Request-URI of in-dialog requests */
	DF_ROUTE,           /* route set, comma-separated name-addrs */
	DF_MAX
};

struct ua_sess;

/* What a compact record of a server transaction keeps (struct sip_tx_cdata): enough to write
 * the final response again from a retransmitted request (8.2.6, 17.2), byte for byte. */
enum ua_cd_extra {
	UA_CD_NONE,
	UA_CD_OPTIONS, /* the 200 to OPTIONS: Allow, Accept, Supported */
};
struct ua_cdata {
	uint64_t sess_id; /* IST: the session whose 2xx it was */
	const char *why;  /* Warning text of a rejection: a static string */
	uint16_t code;
	uint8_t extra; /* enum ua_cd_extra */
	uint8_t tag_len;
	char tag[UA_TAG_MAX - 8]; /* To tag we added (none when the request carried one) */
};
_Static_assert(sizeof(struct ua_cdata) <= SIP_TX_CDATA_MAX, "fits a compact record");

/* What the UA keeps beside each transaction (the tx's user pointer). */
struct ua_txc {
	struct ua_txc *next, *prev; /* live list, walked by sip_ua_destroy */
	struct sip_tx *tx;
	struct ua_sess *sess; /* NULL for out-of-dialog transactions */
	uint32_t ip;          /* where requests (client) or responses (server) go */
	uint16_t port;
	uint32_t req_len;  /* client: bytes of sip_tx_request() */
	uint32_t resp_len; /* server: bytes of sip_tx_last_response() */
	enum sip_method method;
	bool cd_ok; /* server: cd describes the final response (it can be written again) */
	struct ua_cdata cd;
};

/* The dialog (RFC 3261 12): one per session (no forking: the first remote tag wins). */
struct ua_dialog {
	uint16_t ltag_len;
	char ltag[UA_TAG_MAX];
	/* Each field NUL-terminated, back to back in enum order. */
	uint16_t dlen[DF_MAX];
	char arena[UA_DLG_MAX];
	bool remote_nameaddr_tagged; /* DF_REMOTE_NAMEADDR already carries the remote tag */
	uint32_t local_ip;           /* our address facing the peer: Via, Contact, SDP c= */
	uint8_t host_len;
	char host[DPV_IPV4_STRLEN]; /* local_ip as text */
	uint32_t peer_ip;           /* in-dialog requests go here */
	uint16_t peer_port;
	uint32_t local_cseq, remote_cseq;
	bool remote_cseq_set;
};

/* Where the INVITE the UAS answers (initial or re-INVITE) stands. */
enum ua_inv_phase {
	UA_INV_NONE,     /* no INVITE being answered */
	UA_INV_PENDING,  /* tx holds the server transaction; no final response yet */
	UA_INV_ACK_WAIT, /* 2xx sent: resent until the ACK (13.3.1.4) or 64*T1 */
};

/* The UAS side of a session: the INVITE being answered and its 2xx. */
struct ua_uas {
	enum ua_inv_phase phase;
	bool reinvite;      /* the pending INVITE is a re-INVITE */
	bool offer_in_2xx;  /* INVITE without SDP: our offer in the 2xx, the answer in the ACK */
	bool bye_after_ack; /* hangup asked while the 2xx waits for its ACK (15) */
	struct sip_tx *tx;  /* UA_INV_PENDING: the INVITE's server transaction */
	uint32_t cseq;      /* the INVITE's CSeq: its ACK carries the same */
	void *resp_2xx;     /* owned here: sent after the answer delay, resent until the ACK */
	const char *resp_2xx_buf;
	uint32_t resp_2xx_len;
	uint32_t resp_ip;
	uint16_t resp_port;
	uint32_t retx_ms;
	struct dpv_timer t_retx;   /* 2xx retransmission */
	struct dpv_timer t_ack;    /* ACK wait: 64*T1 */
	struct dpv_timer t_answer; /* answer delay */
};

/* The UAC side of a session: the INVITE we sent. */
struct ua_uac {
	struct sip_tx *inv;  /* our INVITE's client transaction, until it ends */
	bool cancel_pending; /* hangup asked before any provisional: CANCEL on the first (9.1) */
	uint16_t last_code;  /* last status received for the INVITE */
	uint32_t cseq;
	char branch[32];
	char ruri[UA_URI_MAX]; /* Request-URI of our INVITE (its CANCEL and ACK repeat it) */
	uint16_t ruri_len;
	uint32_t dst_ip; /* where our INVITE went */
	uint16_t dst_port;
	void *ack; /* ACK of the 2xx, resent on 2xx retransmissions */
	uint32_t ack_len;
	struct dpv_timer t_cancel; /* CANCEL sent: the INVITE's final answer within 64*T1 */
};

/* A session's place in its lifecycle. */
enum ua_sess_life {
	UA_LIFE_NEW,     /* allocated, not live yet (ua_sess_insert) */
	UA_LIFE_LIVE,    /* found by its tag, listed */
	UA_LIFE_ENDED,   /* neither; retired once no transaction refers to it */
	UA_LIFE_RETIRED, /* waiting for a grace period, or back in the pool */
};

/* One call: the session, its dialog and the UAS/UAC state of its INVITEs. */
struct ua_sess {
	struct sip_ua *ua;
	struct dpv_defer_node limbo;
	uint64_t id;
	uint64_t created_ms;
	uint32_t slot;
	uint32_t ntx; /* transactions whose txc points here */
	enum sip_sess_state state;
	enum ua_sess_life life;
	bool outgoing;
	bool media_on;     /* media answer/offer succeeded: a media stop is owed */
	uint32_t src_held; /* incoming: the source address it counts against (0: none) */
	struct ua_dialog dlg;
	struct ua_uas uas;
	struct ua_uac uac;
	char peer_uri[128];
	struct dpv_media media;
};

struct sip_ua {
	struct sip_ua_cfg cfg;
	const struct sip_ua_ops *ops;
	void *arg;
	const struct dpv_media_ops *media;
	void *media_arg;
	struct sip_tx_table *txt;
	struct dpv_pool *sess_pool;
	struct dpv_pool *txc_pool;
	struct ua_sess **by_slot;
	struct sip_dialplan_scratch *dps;
	struct ua_txc *txc_live;
	struct dpv_defer limbo; /* retired sessions waiting for a grace period */
	struct ua_src *src;     /* incoming sessions per source address, open addressing */
	uint32_t src_mask;
	uint64_t next_unique;
	uint64_t rnd;
	uint32_t t1, t2;
	/* Ready bytes for what every call writes of the engine itself, made once instead of
	 * formatted per message: ":PORT>" ending our Contact, and the text of the last local
	 * address a session got (the engine has few, one per port: nearly always a hit). */
	char contact_tail[8];
	uint8_t contact_tail_len;
	uint8_t host_len; /* 0: none yet */
	uint32_t host_ip;
	char host[DPV_IPV4_STRLEN];
	/* per-datagram scratch */
	uint32_t src_ip;
	uint16_t src_port;
	const struct sip_msg *cur_resp; /* response being passed to sip_tx_response_in */
	/* The first Contact of the request ua_request_in is handling, as its check parsed it
	 * (rx_contact_of is that request while it runs, else NULL). */
	const struct sip_msg *rx_contact_of;
	bool rx_has_contact;
	struct sip_naddr rx_contact;
	struct sip_msg msg[2]; /* received: the one handled, and the next of a burst */
	struct sip_msg msg2;   /* a prepared 2xx re-read (uas_final) */
	char sdp[UA_BUF_MAX];
	uint64_t cnt[SIP_UA_C_MAX];
};

/* ---- ua.c: the UA, buffers, randomness, transaction context ---- */

uint64_t ua_rand(struct sip_ua *ua);
/* @a prefix then 16 hex digits, NUL-terminated, into @a out (@a cap: at least 17 bytes +
 * prefix); returned as a view of @a out (empty when it does not fit). */
struct dpv_str ua_token(struct sip_ua *ua, char *out, size_t cap, const char *prefix);
uint64_t ua_now(const struct sip_ua *ua);
void *ua_msg_new(struct sip_ua *ua, char **buf, uint32_t *cap);
void ua_msg_free(struct sip_ua *ua, void *h);
bool ua_msg_grow(struct sip_ua *ua, void **h, char **buf, uint32_t *cap);
void ua_msg_send(struct sip_ua *ua, void *h, uint32_t len, uint32_t ip, uint16_t port,
                 bool request);
void ua_key_from_msg(struct sip_tx_key *k, const struct sip_msg *m);
struct ua_txc *ua_txc_new(struct sip_ua *ua, struct ua_sess *s, uint32_t ip, uint16_t port,
                          enum sip_method method);
/* Give a txc back; @a s loses it as a reference (and may be retired). */
void ua_txc_release(struct sip_ua *ua, struct ua_txc *c);
/* A txc made for a transaction that could not be created: undo ua_txc_new. */
void ua_txc_abort(struct sip_ua *ua, struct ua_txc *c);
/* The transaction @a tx now belongs to session @a s too. */
void ua_txc_attach(struct ua_sess *s, struct sip_tx *tx);
/* A 2xx to INVITE belongs to the session, which resends it until the ACK: never the tx's. */
bool ua_resp_is_session_2xx(enum sip_method method, unsigned code);
/* Free what a terminated transaction still holds, except a 2xx to INVITE (the session's). */
void ua_tx_free_msgs(struct sip_ua *ua, struct sip_tx *tx, const struct ua_txc *c);
extern const struct sip_tx_ops ua_tx_ops;

/* ---- session.c ---- */

struct ua_sess *ua_sess_alloc(struct sip_ua *ua, bool outgoing, uint32_t peer_ip);
/* Per-source bound on incoming calls (cfg.max_calls_per_source, 0: none): may @a ip open one
 * more; then count @a s against it until the session ends. */
struct ua_src {
	uint32_t ip; /* 0: empty */
	uint32_t n;
};
bool ua_src_admit(const struct sip_ua *ua, uint32_t ip);
void ua_src_hold(struct sip_ua *ua, struct ua_sess *s, uint32_t ip);
void ua_src_release(struct sip_ua *ua, struct ua_sess *s);
/* Back to the pool before it was published (no table entry, transaction or media). */
void ua_sess_drop(struct sip_ua *ua, struct ua_sess *s);
bool ua_sess_insert(struct sip_ua *ua, struct ua_sess *s);
struct ua_sess *ua_sess_find(struct sip_ua *ua, struct dpv_str call_id, struct dpv_str ltag);
/** Start loading what ua_sess_find and the in-dialog handling read first of the session a
 *  local tag names (its slot), for a message handled next; no effect otherwise. */
void ua_sess_prefetch(const struct sip_ua *ua, struct dpv_str ltag);
/** A new local tag for @a s that names its slot (what ua_sess_find reads back), in @a out. */
struct dpv_str ua_sess_tag(struct sip_ua *ua, const struct ua_sess *s, char *out, size_t cap);
struct ua_sess *ua_sess_by_id(struct sip_ua *ua, uint64_t id);
/* Media off, out of the table, back to the pool when nothing refers to it. */
void ua_sess_end(struct sip_ua *ua, struct ua_sess *s);
void ua_sess_retire(struct sip_ua *ua, struct ua_sess *s);
unsigned ua_sess_reclaim(struct sip_ua *ua);
bool ua_sess_ended(const struct ua_sess *s);
/* Set the state; the owner hears of it (ops->session_state) while the session is listed. */
void ua_sess_set_state(struct sip_ua *ua, struct ua_sess *s, enum sip_sess_state st);
/* The session's media: negotiated through ua->media, stopped once. */
void ua_media_stop(struct sip_ua *ua, struct ua_sess *s);
void ua_media_update(struct sip_ua *ua, struct ua_sess *s);
/* The status to reject an INVITE with when the media layer returned @a n (< 0). */
unsigned ua_media_status(int n);

/* ---- dialog.c ---- */

struct dpv_str ua_dlg(const struct ua_sess *s, enum ua_dlg_field f);
bool ua_dlg_set(struct ua_sess *s, enum ua_dlg_field f, struct dpv_str v);
/* Remote target from the Contact of @a m (12.1.1), and where in-dialog requests go. */
void ua_dlg_set_target(struct sip_ua *ua, struct ua_sess *s, const struct sip_msg *m);
/* Route set from Record-Route (as is for the UAS, reversed for the UAC); false on overflow. */
bool ua_dlg_set_route(struct ua_sess *s, const struct sip_msg *m, bool reverse);
/* UAS: the dialog an INVITE creates (12.1.1); false when a field does not fit. */
bool ua_dlg_init_uas(struct sip_ua *ua, struct ua_sess *s, const struct sip_msg *m,
                     struct dpv_str ltag);
/* The session of an in-dialog request, or NULL with 481/500 answered on @a tx. */
struct ua_sess *ua_dlg_match(struct sip_ua *ua, const struct sip_msg *m, struct sip_tx *tx);
/* "<sip:engine@HOST:PORT>" for the session's local address, into @a buf. */
struct dpv_str ua_dlg_contact(const struct sip_ua *ua, const struct ua_sess *s, char *buf,
                              uint32_t cap);

/* ---- request.c ---- */

/* BYE the dialog; the session is Terminating until the BYE's final response or timeout. */
void ua_send_bye(struct sip_ua *ua, struct ua_sess *s);
/* CANCEL our INVITE (9.1) and give its final answer 64*T1. */
void ua_send_cancel(struct sip_ua *ua, struct ua_sess *s);
/* Our INVITE, the session's first request; 0, or -1 when no buffer or transaction. */
int ua_send_invite(struct sip_ua *ua, struct ua_sess *s, struct dpv_str sdp);
/* ACK a 2xx (13.2.2.4), kept to answer its retransmissions. */
void ua_send_ack_2xx(struct sip_ua *ua, struct ua_sess *s);
/* ACK a 3xx-6xx in the INVITE's transaction (17.1.1.3), To from @a resp. */
void ua_send_ack_non2xx(struct sip_ua *ua, struct ua_sess *s, const struct sip_msg *resp,
                        uint32_t ip, uint16_t port);

/* ---- reply.c ---- */

/* Where responses to a request with top Via @a v go: 18.2.2 with RFC 3581 rport. */
void ua_via_dest(const struct sip_ua *ua, const struct sip_via *v, uint32_t *ip, uint16_t *port);
/* A server transaction for @a m (which matched none), or NULL with @a m answered (503/400). */
struct sip_tx *ua_server_tx(struct sip_ua *ua, const struct sip_msg *m);
/* Write and send a response to @a m on @a tx (statelessly when tx is NULL); 0 or -1. */
int ua_respond(struct sip_ua *ua, struct sip_tx *tx, const struct sip_msg *m, unsigned code,
               struct dpv_str to_tag, struct dpv_str extra, struct dpv_str body, const char *why);
/* Send the prepared response @a h on @a tx; 0 or -1 (the state does not allow it). */
int ua_tx_respond(struct sip_ua *ua, struct sip_tx *tx, unsigned code, void *h, uint32_t len);
/* A retransmission of a request whose transaction is a compact record now: the same answer. */
void ua_respond_again(struct sip_ua *ua, const struct sip_msg *m, const struct ua_cdata *d);
/* Answer @a m without a transaction (checks, overload). Never an ACK. */
void ua_respond_stateless(struct sip_ua *ua, const struct sip_msg *m, unsigned code,
                          const char *why, struct dpv_str unsupported);
/* Answer a request sip_parse() refused (err) or the grammar check did (why), or drop it. */
void ua_parse_reject(struct sip_ua *ua, const struct sip_msg *m, int err, const char *why);

/* ---- uas.c, uac.c ---- */

void ua_request_in(struct sip_ua *ua, const struct sip_msg *m);
void ua_response_in(struct sip_ua *ua, const struct sip_msg *m);
/* The INVITE we answer gets a final non-2xx (BYE or hangup before the answer). */
void ua_uas_final(struct sip_ua *ua, struct ua_sess *s, unsigned code);
/* A client transaction passed a response to the TU. */
void ua_uac_tx_response(struct sip_ua *ua, struct ua_sess *s, const struct ua_txc *c,
                        unsigned code);
/* Timer B or F, or H for our own INVITE server transaction. */
void ua_tx_timeout(struct sip_ua *ua, struct ua_sess *s, const struct ua_txc *c,
                   enum sip_tx_timer which);
void ua_uas_stop_timers(struct sip_ua *ua, struct ua_sess *s);

/* ---- callid.c ---- */

/* A fresh Call-ID for a call this UA originates, one that sip_call_id_owner() maps here. */
void ua_make_call_id(struct sip_ua *ua, struct ua_sess *s);

#endif /* DPV_SIP_UA_INT_H */
