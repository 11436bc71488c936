/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests the UA sends: the INVITE it originates, the ACKs (13.2.2.4 for a 2xx, 17.1.1.3 for
 * a 3xx-6xx), CANCEL (9.1) and BYE (15.1.1), and the client transactions that carry them.
 */
#include <string.h>

#include "ua_int.h"

/* Via and the dialog's identifiers: what every request the UA sends in a session carries. */
static void
fill_common(const struct sip_ua *ua, const struct ua_sess *s, struct sip_req_fields *f)
{
	f->via_host = (struct dpv_str){s->dlg.host, s->dlg.host_len};
	f->via_port = ua->cfg.local_port;
	f->rport = true;
	f->from = ua_dlg(s, DF_LOCAL_NAMEADDR);
	f->from_tag = (struct dpv_str){s->dlg.ltag, s->dlg.ltag_len};
	f->to = ua_dlg(s, DF_REMOTE_NAMEADDR);
	f->call_id = ua_dlg(s, DF_CALLID);
	f->route = ua_dlg(s, DF_ROUTE);
}

/* A request inside the dialog (12.2.1.1): its own branch, the remote target, the remote tag. */
static void
fill_dialog(const struct sip_ua *ua, const struct ua_sess *s, enum sip_method method,
            struct dpv_str branch, uint32_t cseq, struct sip_req_fields *f)
{
	fill_common(ua, s, f);
	f->method = method;
	f->ruri = ua_dlg(s, DF_TARGET);
	f->branch = branch;
	f->to_tag = s->dlg.remote_nameaddr_tagged ? DPV_STR_NULL : ua_dlg(s, DF_REMOTE_TAG);
	f->cseq = cseq;
}

/* What a request in our INVITE's own transaction repeats from it (9.1 CANCEL, 17.1.1.3 ACK):
 * Request-URI, Via branch, From, To (no remote tag), Call-ID, CSeq number and Route. */
static void
fill_invite(const struct sip_ua *ua, const struct ua_sess *s, enum sip_method method,
            struct sip_req_fields *f)
{
	fill_common(ua, s, f);
	f->method = method;
	f->ruri = (struct dpv_str){s->uac.ruri, s->uac.ruri_len};
	f->branch = dpv_cstr(s->uac.branch);
	f->cseq = s->uac.cseq;
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

	h = ua_msg_new(ua, &buf, &cap);
	if (h == NULL)
		return -1;
	len = sip_write_request(buf, cap, f);
	c = len >= 0 ? ua_txc_new(ua, s, ip, port, f->method) : NULL;
	if (c == NULL) {
		ua_msg_free(ua, h);
		return -1;
	}
	c->req_len = (uint32_t)len;
	k.branch = f->branch;
	k.method = f->method;
	k.call_id = f->call_id;
	k.cseq = f->cseq;
	tx = sip_tx_client_new(ua->txt, &k, h, c);
	if (tx == NULL) {
		ua_msg_free(ua, h);
		ua_txc_abort(ua, c);
		return -1;
	}
	c->tx = tx;
	if (out != NULL)
		*out = tx;
	return 0;
}

void
ua_send_bye(struct sip_ua *ua, struct ua_sess *s)
{
	struct sip_req_fields f = {0};
	char branch[32];

	ua_media_stop(ua, s);
	fill_dialog(ua, s, SIP_METHOD_BYE, ua_token(ua, branch, sizeof(branch), SIP_MAGIC_COOKIE),
	            ++s->dlg.local_cseq, &f);
	ua_sess_set_state(ua, s, SIP_SESS_TERMINATING);
	if (send_client(ua, s, &f, s->dlg.peer_ip, s->dlg.peer_port, NULL) != 0)
		ua_sess_end(ua, s); /* no buffer or transaction: nothing left to wait for */
}

/* 9.1: our CANCEL got no final answer to the INVITE in 64*T1: give up on it. */
static void
cancel_timeout(struct dpv_timer *t, void *arg)
{
	struct ua_sess *s = arg;

	ua_sess_end(s->ua, s);
}

void
ua_send_cancel(struct sip_ua *ua, struct ua_sess *s)
{
	struct sip_req_fields f = {0};

	fill_invite(ua, s, SIP_METHOD_CANCEL, &f);
	s->uac.cancel_pending = false;
	ua_sess_set_state(ua, s, SIP_SESS_TERMINATING);
	(void)send_client(ua, s, &f, s->uac.dst_ip, s->uac.dst_port, NULL);
	dpv_timer_arm(ua->cfg.wheel, &s->uac.t_cancel, ua_now(ua) + 64ull * ua->t1, cancel_timeout,
	              s);
}

int
ua_send_invite(struct sip_ua *ua, struct ua_sess *s, struct dpv_str sdp)
{
	struct sip_req_fields f = {0};
	char contact[64];

	fill_invite(ua, s, SIP_METHOD_INVITE, &f); /* no route set yet */
	f.contact = ua_dlg_contact(ua, s, contact, sizeof(contact));
	f.extra = DPV_STR_LIT(ALLOW_HDR SUPPORTED_HDR);
	f.body = sdp;
	f.content_type = SDP_TYPE;
	return send_client(ua, s, &f, s->uac.dst_ip, s->uac.dst_port, &s->uac.inv);
}

void
ua_send_ack_2xx(struct sip_ua *ua, struct ua_sess *s)
{
	struct sip_req_fields f = {0};
	char branch[32];
	uint32_t cap;
	char *buf;
	int len;

	if (s->uac.ack == NULL) {
		s->uac.ack = ua_msg_new(ua, &buf, &cap);
		if (s->uac.ack == NULL)
			return;
		fill_dialog(ua, s, SIP_METHOD_ACK,
		            ua_token(ua, branch, sizeof(branch), SIP_MAGIC_COOKIE), s->uac.cseq,
		            &f);
		len = sip_write_request(buf, cap, &f);
		if (len < 0) {
			ua_msg_free(ua, s->uac.ack);
			s->uac.ack = NULL;
			return;
		}
		s->uac.ack_len = (uint32_t)len;
	}
	ua_msg_send(ua, s->uac.ack, s->uac.ack_len, s->dlg.peer_ip, s->dlg.peer_port, true);
}

void
ua_send_ack_non2xx(struct sip_ua *ua, struct ua_sess *s, const struct sip_msg *resp, uint32_t ip,
                   uint16_t port)
{
	struct sip_req_fields f = {0};
	uint32_t cap;
	char *buf;
	void *h;
	int len;

	fill_invite(ua, s, SIP_METHOD_ACK, &f);
	f.to = resp->to.raw; /* the response's To, tag included */
	h = ua_msg_new(ua, &buf, &cap);
	if (h == NULL)
		return;
	len = sip_write_request(buf, cap, &f);
	if (len >= 0)
		ua_msg_send(ua, h, (uint32_t)len, ip, port, true);
	ua_msg_free(ua, h);
}
