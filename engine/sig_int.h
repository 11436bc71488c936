/* SPDX-License-Identifier: BSD-3-Clause */
/* Signaling glue (sig.c): the SIP UA of each signaling lcore, and the messages it takes. */
#ifndef DPV_SIG_INT_H
#define DPV_SIG_INT_H

#include "engine_int.h"

struct sip_ua;
struct rtp_media;

/* ---- messages to signaling lcores (sigmsg.c) ---- */

enum sig_msg_type {
	SIG_MSG_ORIGINATE,      /* main: sip_ua_originate(uri, bridge) -> session_id */
	SIG_MSG_HANGUP,         /* main: sip_ua_hangup(session_id) */
	SIG_MSG_BRIDGE_ADD,     /* main -> session's lcore: session_id joins bridge (-ENOENT no
	                           session, -EALREADY a member, -EBUSY in the bridge named in uri) */
	SIG_MSG_BRIDGE_REMOVE,  /* main -> session's lcore: session_id leaves bridge (-ENOENT no
	                           session, -ESRCH not in that bridge) */
	SIG_MSG_BRIDGE_CREATE,  /* main -> owner: a bridge made by the control socket */
	SIG_MSG_BRIDGE_DESTROY, /* main -> owner: its members are sent BRIDGE_GONE */
	SIG_MSG_BRIDGE_JOIN,    /* session's lcore -> owner: session_id, port, from */
	SIG_MSG_BRIDGE_LEAVE,   /* session's lcore -> owner: session_id */
	SIG_MSG_BRIDGE_JOINED,  /* owner -> session's lcore: bridge_id, bridge_gen (rc < 0: not) */
	SIG_MSG_BRIDGE_GONE,    /* owner -> session's lcore: its bridge was destroyed (the session
	                           stays up with no media action) */
};

#define SIG_FROM_MAIN      UINT16_MAX
#define DPV_SIG_POOL_SLACK 1024 /* beyond one held message per transaction: ARP, ACKs */

/** What each signaling lcore sustains and costs with the file's pools (`--check` prints it). */
void dpv_sig_print_capacity(const struct dpv_config *c, FILE *f);

/* A message; the fields each type uses are in its comment. */
struct sig_msg {
	enum sig_msg_type type;
	uint32_t refs; /* 2 while a caller waits (sig_msg_call) */
	uint32_t done; /* the handler answered (release) */
	int rc;        /* its answer: 0 or -errno */
	uint16_t from; /* the sender's signaling index, SIG_FROM_MAIN for the main lcore */
	uint16_t port; /* a member's local RTP port */
	uint32_t bridge_id, bridge_gen;
	uint64_t session_id; /* in, and out for ORIGINATE */
	char bridge[DPV_BRIDGE_NAME_MAX + 1];
	char uri[256]; /* ORIGINATE's URI; BRIDGE_ADD's answer for -EBUSY */
};

/** The engine's message pool (dpv_sig_init). */
int sig_msg_init(struct dpv_engine *e, unsigned nb_msgs);
void sig_msg_fini(struct dpv_engine *e);
/** A zeroed message of @a type with one reference (any lcore), or NULL when none is free. */
struct sig_msg *sig_msg_alloc(struct dpv_engine *e, enum sig_msg_type type);
/** Drop a reference; the last one frees. */
void sig_msg_put(struct dpv_engine *e, struct sig_msg *m);
/** Hand @a m (and its reference) to signaling lcore @a to without waiting. 0, or -ENOENT/-ENOBUFS
 *  with @a m freed. */
int sig_msg_post(struct dpv_engine *e, unsigned to, struct sig_msg *m);
/**
 * Main lcore: post @a m to @a to and wait up to @a timeout_ms for its answer. 0: m->rc and the
 * out fields are set and the caller sig_msg_put()s it; -ENOENT, -ENOBUFS, -ETIMEDOUT: @a m is
 * no longer the caller's.
 */
int sig_msg_call(struct dpv_engine *e, unsigned to, struct sig_msg *m, unsigned timeout_ms);
/** Handler: answer @a m with @a rc and drop the handler's reference. */
void sig_msg_done(struct dpv_engine *e, struct sig_msg *m, int rc);
/** Handle the messages waiting for worker @a w (its loop); returns how many. */
unsigned sig_msg_poll(struct dpv_worker *w);
/** Handle one message (sig.c). */
void dpv_sig_handle(struct dpv_worker *w, struct sig_msg *m);

/** Create a UA per signaling lcore, the dialplan, the RTP port pools. */
int dpv_sig_init(struct dpv_engine *e, FILE *err);
void dpv_sig_fini(struct dpv_engine *e);
/**
 * Hand @a n classified SIP datagrams (dpv_mbuf_info() filled) to worker @a w's SIP stack, from
 * its ring or from its own rx; the mbufs are freed. A worker without a SIP stack counts each one
 * as drop_sip_unhandled.
 */
void dpv_sig_input(struct dpv_worker *w, struct rte_mbuf **pkts, unsigned n);
/** Signaling housekeeping once per loop: SIP timers, the control mailbox. Returns work done. */
unsigned dpv_sig_tick(struct dpv_worker *w, uint64_t now_tsc);
/** The UA of worker @a w, or NULL when it has none. */
struct sip_ua *dpv_sig_worker_ua(const struct dpv_worker *w);
/** The media negotiation state of worker @a w, or NULL when it has none. */
const struct rtp_media *dpv_sig_worker_media(const struct dpv_worker *w);
/** The counters of worker @a w's signaling glue (DPV_SIG_C_MAX), or NULL when it has none. */
const uint64_t *dpv_sig_worker_counters(const struct dpv_worker *w);
/** The UA of signaling lcore @a index, or NULL. */
struct sip_ua *dpv_sig_ua(struct dpv_engine *e, unsigned index);
/** Register the control commands: sessions, bridges, bridge create|destroy|add|remove, call
 *  originate, call hangup. */
void dpv_sig_ctl_register(void);

#endif /* DPV_SIG_INT_H */
