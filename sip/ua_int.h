/* UA core internals: sessions (with their dialog), per-transaction context, the UA itself. */
#ifndef DPV_SIP_UA_INT_H
#define DPV_SIP_UA_INT_H

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "dialplan.h"
#include "sip_msg.h"
#include "sip_tx.h"
#include "sip_ua.h"

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

/* Fields of the dialog arena, in storage order (the Call-ID first: it never moves, so the
 * control plane can read it racily as a C string at offset 0). */
enum ua_dlg_field { DF_CALLID, DF_RTAG, DF_RNA, DF_LNA, DF_TARGET, DF_ROUTE, DF_MAX };

struct ua_sess;

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
};

/* One call: the session and its dialog (the UA does one dialog per session, no forking). */
struct ua_sess {
	struct cds_lfht_node node;
	struct sip_ua *ua;
	struct dpv_defer_node limbo;
	uint64_t id;
	uint64_t created_ms;
	uint32_t slot;
	enum sip_sess_state state;
	bool outgoing;
	bool in_table;
	bool media_on;      /* media_answer/media_offer succeeded: media_stop owed */
	bool ended;         /* left the table; retired once ntx drops to 0 */
	bool retired;       /* in limbo or back in the pool */
	bool ack_wait;      /* UAS: 2xx sent, waiting for its ACK */
	bool reinvite;      /* the pending 2xx answers a re-INVITE */
	bool offer_in_2xx;  /* UAS: INVITE without SDP: our offer in the 2xx, answer in the ACK */
	bool hangup;        /* UAC hangup asked while CALLING: CANCEL on the first 1xx */
	bool bye_after_ack; /* UAS hangup asked while the 2xx waits for its ACK */
	uint16_t last_code;
	uint32_t ntx; /* transactions whose txc points here */

	/* dialog */
	uint16_t ltag_len;
	char ltag[UA_TAG_MAX];
	/*
	 * dlg holds each field NUL-terminated, back to back in enum order: DF_LNA is the local
	 * name-addr without tag, DF_RNA the remote one (UAS: the From value, its tag included),
	 * DF_TARGET the remote target (Request-URI of in-dialog requests), DF_ROUTE the route set.
	 */
	uint16_t dlen[DF_MAX];
	char dlg[UA_DLG_MAX];
	bool rna_has_tag;
	uint32_t peer_ip; /* in-dialog requests go here */
	uint16_t peer_port;
	uint32_t local_cseq, remote_cseq;
	bool remote_cseq_set;

	/* UAS INVITE in progress */
	struct sip_tx *inv_tx; /* server INVITE transaction before its final response */
	uint32_t inv_cseq;
	void *resp_2xx; /* owned here: sent after the delay, resent until the ACK */
	const char *resp_2xx_buf;
	uint32_t resp_2xx_len;
	uint32_t resp_ip;
	uint16_t resp_port;
	uint32_t retx_ms;
	struct dpv_timer t_retx;   /* 2xx retransmission (13.3.1.4) */
	struct dpv_timer t_guard;  /* ACK wait (64*T1), or CANCEL without final answer */
	struct dpv_timer t_answer; /* answer delay */

	/* UAC */
	struct sip_tx *cli_inv;
	char branch[32];
	char ruri[UA_URI_MAX]; /* Request-URI of our INVITE (for CANCEL) */
	uint16_t ruri_len;
	uint32_t dst_ip; /* where our INVITE went */
	uint16_t dst_port;
	void *ack; /* ACK of the 2xx, resent on 2xx retransmissions */
	uint32_t ack_len;

	char peer_uri[128];
	struct dpv_media media;
};

struct sip_ua {
	struct sip_ua_cfg cfg;
	const struct sip_ua_ops *ops;
	void *arg;
	struct sip_tx_table *txt;
	struct dpv_pool *sess_pool;
	struct dpv_pool *txc_pool;
	struct ua_sess **by_slot;
	struct cds_lfht *ht;
	struct sip_dialplan_scratch *dps;
	struct ua_txc *txc_live;
	struct dpv_defer limbo; /* retired sessions waiting for a grace period */
	uint64_t next_unique;
	uint64_t rnd;
	uint32_t t1, t2;
	char contact[64]; /* <sip:engine@ip:port> */
	char host[24];    /* ip */
	/* per-datagram scratch */
	uint32_t src_ip;
	uint16_t src_port;
	const struct sip_msg *cur_resp; /* response being passed to sip_tx_response_in */
	struct sip_msg msg;
	struct sip_msg msg2; /* a prepared 2xx re-read (inv_final) */
	char sdp[UA_BUF_MAX];
	uint64_t cnt[SIP_UA_C_MAX];
};

#endif /* DPV_SIP_UA_INT_H */
