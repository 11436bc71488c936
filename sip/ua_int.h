/* UA core internals: sessions (with their dialog), per-transaction context, the UA itself. */
#ifndef DPV_SIP_UA_INT_H
#define DPV_SIP_UA_INT_H

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "dialplan.h"
#include "sip_msg.h"
#include "sip_tx.h"
#include "sip_ua.h"

#define UA_CALLID_MAX 128
#define UA_TAG_MAX    64
#define UA_NA_MAX     192 /* a From/To value */
#define UA_URI_MAX    192
#define UA_ROUTE_MAX  384
#define UA_BUF_MAX    4096 /* SDP scratch */

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
	struct ua_sess *limbo_next;
	uint64_t gp_cookie;
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
	uint16_t callid_len, ltag_len, rtag_len, lna_len, rna_len, target_len, route_len;
	char call_id[UA_CALLID_MAX];
	char ltag[UA_TAG_MAX];
	char rtag[UA_TAG_MAX];
	char lna[UA_NA_MAX]; /* local name-addr without tag */
	char rna[UA_NA_MAX]; /* remote name-addr; UAS: the From value, its tag included */
	bool rna_has_tag;
	char target[UA_URI_MAX]; /* remote target (Request-URI of in-dialog requests) */
	char route[UA_ROUTE_MAX];
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
	struct sip_sess_media media;
};

struct ua_gp {
	struct rcu_head head;
	uint64_t seq, issued, completed;
	bool in_flight, want_next;
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
	struct ua_sess *limbo_head, *limbo_tail;
	struct ua_gp gp;
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
