/* SPDX-License-Identifier: BSD-3-Clause */
/* Signaling glue (sig.c): the SIP UA of each signaling lcore and its mailbox. */
#ifndef DPV_SIG_INT_H
#define DPV_SIG_INT_H

#include "engine_int.h"

struct sip_ua;
struct rtp_media;

enum dpv_cmd_op {
	DPV_CMD_ORIGINATE,
	DPV_CMD_HANGUP,
	DPV_CMD_SET_BRIDGE,
};

/* A command from the main lcore to a signaling lcore. */
struct dpv_sig_cmd {
	uint32_t state;
	enum dpv_cmd_op op;
	char uri[256];
	char bridge[64];
	uint64_t session_id; /* in: HANGUP/SET_BRIDGE; out: ORIGINATE */
	int rc;              /* the UA's answer: 0 or -errno */
};

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
/** The UA of signaling lcore @a index, or NULL. */
struct sip_ua *dpv_sig_ua(struct dpv_engine *e, unsigned index);
/**
 * Run @a c on signaling lcore @a index and wait up to @a timeout_ms (main lcore only).
 * @return 0 with c->rc and c->session_id set, -EBUSY, -ENOENT or -ETIMEDOUT.
 */
int dpv_sig_command(struct dpv_engine *e, unsigned index, struct dpv_sig_cmd *c,
                    unsigned timeout_ms);
/** Register the control commands: sessions, call originate, call hangup. */
void dpv_sig_ctl_register(void);

#endif /* DPV_SIG_INT_H */
