/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UAS: requests in, by method. INVITE -> 100 -> 180 -> 200 with the SDP answer (after the
 * answer delay), the 200 resent until the ACK (13.3.1.4); re-INVITE; CANCEL -> 200 + 487; BYE;
 * OPTIONS. The 487 to a cancelled INVITE is written from the CANCEL (same Via, From, To,
 * Call-ID and CSeq number, 9.2) with its CSeq header view pointed at "N INVITE".
 */
#include <string.h>

#include "sip_msg_int.h"
#include "ua_int.h"

void
ua_uas_stop_timers(struct sip_ua *ua, struct ua_sess *s)
{
	dpv_timer_cancel(ua->cfg.wheel, &s->uas.t_retx);
	dpv_timer_cancel(ua->cfg.wheel, &s->uas.t_ack);
	dpv_timer_cancel(ua->cfg.wheel, &s->uas.t_answer);
}

static void
retx_cb(struct dpv_timer *t, void *arg)
{
	struct ua_sess *s = arg;
	struct sip_ua *ua = s->ua;

	if (s->uas.phase != UA_INV_ACK_WAIT || s->uas.resp_2xx == NULL)
		return;
	ua_msg_send(ua, s->uas.resp_2xx, s->uas.resp_2xx_len, s->uas.resp_ip, s->uas.resp_port,
	            false);
	s->uas.retx_ms = 2 * s->uas.retx_ms < ua->t2 ? 2 * s->uas.retx_ms : ua->t2;
	dpv_timer_arm(ua->cfg.wheel, &s->uas.t_retx, ua_now(ua) + s->uas.retx_ms, retx_cb, s);
}

/* 13.3.1.4: no ACK within 64*T1: confirm and end the session with a BYE. */
static void
ack_timeout(struct dpv_timer *t, void *arg)
{
	struct ua_sess *s = arg;
	struct sip_ua *ua = s->ua;

	if (s->uas.phase != UA_INV_ACK_WAIT)
		return;
	s->uas.phase = UA_INV_NONE;
	dpv_timer_cancel(ua->cfg.wheel, &s->uas.t_retx);
	ua_msg_free(ua, s->uas.resp_2xx);
	s->uas.resp_2xx = NULL;
	CNT(ua, ack_timeouts);
	ua_send_bye(ua, s);
}

/* Send the prepared 2xx on the pending INVITE transaction and start resending it. */
static void
send_2xx(struct sip_ua *ua, struct ua_sess *s)
{
	uint64_t now = ua_now(ua);

	if (s->uas.phase != UA_INV_PENDING || s->uas.resp_2xx == NULL)
		return;
	if (ua_tx_respond(ua, s->uas.tx, 200, s->uas.resp_2xx, s->uas.resp_2xx_len) != 0) {
		ua_msg_free(ua, s->uas.resp_2xx);
		s->uas.resp_2xx = NULL;
		ua_sess_end(ua, s);
		return;
	}
	s->uas.tx = NULL;
	s->uas.phase = UA_INV_ACK_WAIT;
	if (!s->uas.reinvite) {
		ua_sess_set_state(ua, s, SIP_SESS_ANSWERED);
		CNT(ua, calls_answered);
	}
	s->uas.retx_ms = ua->t1;
	dpv_timer_arm(ua->cfg.wheel, &s->uas.t_retx, now + ua->t1, retx_cb, s);
	dpv_timer_arm(ua->cfg.wheel, &s->uas.t_ack, now + 64ull * ua->t1, ack_timeout, s);
	/* The 2xx carries our answer: the media it describes holds from now (RFC 3264 6: the
	 * answerer must be ready to receive once it answered, and a sendonly or inactive offer
	 * means send nothing more), not only from the ACK an RTT later (or never, when it is lost
	 * until a retransmission). An answer that comes in the ACK is applied there. */
	if (!s->uas.offer_in_2xx)
		ua_media_update(ua, s);
}

static void
answer_cb(struct dpv_timer *t, void *arg)
{
	send_2xx(((struct ua_sess *)arg)->ua, arg);
}

/*
 * A final non-2xx to the pending INVITE without the INVITE at hand: the prepared 2xx holds
 * its Via, From, To (with our tag), Call-ID and CSeq lines, which is all a response copies.
 */
void
ua_uas_final(struct sip_ua *ua, struct ua_sess *s, unsigned code)
{
	if (s->uas.phase != UA_INV_PENDING || s->uas.resp_2xx == NULL ||
	    sip_parse(s->uas.resp_2xx_buf, s->uas.resp_2xx_len, &ua->msg2) != 0)
		return;
	/* the writer answers requests only: this view stands for the INVITE it came from */
	ua->msg2.is_request = true;
	ua->msg2.method = SIP_METHOD_INVITE;
	ua_respond(ua, s->uas.tx, &ua->msg2, code, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL, NULL);
	s->uas.phase = UA_INV_NONE;
	s->uas.tx = NULL;
}

/* The 2xx to @a m (INVITE or re-INVITE) with @a sdp, kept by the session; false when it does
 * not fit (answered 500) or there is no buffer. */
static bool
prepare_2xx(struct sip_ua *ua, struct ua_sess *s, struct sip_tx *tx, const struct sip_msg *m,
            struct dpv_str to_tag, int sdp_len)
{
	char extra[160];
	struct dpv_buf x = DPV_BUF(extra, sizeof(extra));
	char contact[64];
	uint32_t cap;
	char *buf;
	void *h;
	int len;

	dpv_buf_cstr(&x, "Contact: ");
	dpv_buf_str(&x, ua_dlg_contact(ua, s, contact, sizeof(contact)));
	dpv_buf_cstr(&x, "\r\n" ALLOW_HDR SUPPORTED_HDR);
	h = ua_msg_new(ua, &buf, &cap);
	if (h == NULL) {
		ua_respond(ua, tx, m, 500, to_tag, DPV_STR_NULL, DPV_STR_NULL, "no buffer");
		return false;
	}
	for (;;) {
		len = sip_write_response(buf, cap, m, 200, NULL, to_tag,
		                         (struct dpv_str){extra, x.len},
		                         (struct dpv_str){ua->sdp, (uint32_t)sdp_len}, SDP_TYPE);
		if (len >= 0 || !ua_msg_grow(ua, &h, &buf, &cap))
			break;
	}
	if (len < 0) {
		ua_msg_free(ua, h); /* NULL after a failed ua_msg_grow: no-op */
		ua_respond(ua, tx, m, 500, to_tag, DPV_STR_NULL, DPV_STR_NULL, "2xx too big");
		return false;
	}
	s->uas.resp_2xx = h;
	s->uas.resp_2xx_buf = buf;
	s->uas.resp_2xx_len = (uint32_t)len;
	ua_via_dest(ua, &m->via, &s->uas.resp_ip, &s->uas.resp_port);
	return true;
}

/* The SDP answer to @a m's offer, or (13.2.1) our offer when it has none, into ua->sdp.
 * Its length, or a status to reject the INVITE with (negative). */
static int
media_for_invite(struct sip_ua *ua, struct ua_sess *s, const struct sip_msg *m)
{
	int n;

	if (s->uas.offer_in_2xx)
		n = ua->media->offer(ua->media_arg, ua->sdp, sizeof(ua->sdp), &s->media);
	else
		n = ua->media->answer(ua->media_arg, m->body.p, m->body.len, ua->sdp,
		                      sizeof(ua->sdp), &s->media);
	if (n < 0 || n > (int)sizeof(ua->sdp))
		return -(int)ua_media_status(n);
	return n;
}

static void
uas_invite(struct sip_ua *ua, const struct sip_msg *m)
{
	char tagbuf[24];
	struct dpv_str tag;
	struct sip_dialplan_result dr;
	enum sip_dp_status st;
	struct ua_sess *s;
	struct sip_tx *tx;
	int n;

	tx = ua_server_tx(ua, m);
	if (tx == NULL)
		return; /* answered */
	st = ua->cfg.dialplan != NULL ? sip_dialplan_match(ua->cfg.dialplan, ua->dps,
	                                                   m->ruri.user.p, m->ruri.user.len, &dr)
	                              : SIP_DP_NO_MATCH;
	if (st == SIP_DP_NO_MATCH) {
		ua_respond(ua, tx, m, 404, ua_token(ua, tagbuf, sizeof(tagbuf), ""), DPV_STR_NULL,
		           DPV_STR_NULL, "no dialplan match");
		return;
	}
	if (st == SIP_DP_BAD_BRIDGE_NAME) {
		ua_respond(ua, tx, m, 400, ua_token(ua, tagbuf, sizeof(tagbuf), ""), DPV_STR_NULL,
		           DPV_STR_NULL, "bad bridge name");
		return;
	}
	if (dr.action == DPV_CALL_REJECT) {
		ua_respond(ua, tx, m, dr.reject_code, ua_token(ua, tagbuf, sizeof(tagbuf), ""),
		           DPV_STR_NULL, DPV_STR_NULL, "rejected by dialplan");
		return;
	}
	if (!ua_src_admit(ua, ua->src_ip)) {
		CNT(ua, overload_503);
		CNT(ua, shed_source_calls);
		ua_respond(ua, tx, m, 503, ua_token(ua, tagbuf, sizeof(tagbuf), ""), DPV_STR_NULL,
		           DPV_STR_NULL, "too many calls from this source");
		return;
	}
	s = ua_sess_alloc(ua, false, ua->src_ip);
	if (s == NULL) {
		CNT(ua, overload_503);
		ua_respond(ua, tx, m, 503, ua_token(ua, tagbuf, sizeof(tagbuf), ""), DPV_STR_NULL,
		           DPV_STR_NULL, "dialog pool full");
		return;
	}
	ua_src_hold(ua, s, ua->src_ip);
	/* the dialog's tag names the slot; a rejection before this point gets a plain one */
	tag = ua_sess_tag(ua, s, tagbuf, sizeof(tagbuf));
	if (!ua_dlg_init_uas(ua, s, m, tag)) {
		ua_sess_drop(ua, s);
		ua_respond(ua, tx, m, 400, tag, DPV_STR_NULL, DPV_STR_NULL,
		           "dialog field too long");
		return;
	}
	dpv_str_copy(s->peer_uri, sizeof(s->peer_uri), m->from.uri.raw);
	s->uas.cseq = m->cseq;
	ua_sess_set_state(ua, s, SIP_SESS_INCOMING);
	s->media.action = dr.action;
	if (dr.action == DPV_CALL_BRIDGE)
		memcpy(s->media.bridge, dr.bridge, dr.bridge_len + 1u);

	s->uas.offer_in_2xx = m->body.len == 0;
	n = media_for_invite(ua, s, m);
	if (n < 0) {
		ua_sess_drop(ua, s);
		ua_respond(ua, tx, m, (unsigned)-n, tag, DPV_STR_NULL, DPV_STR_NULL,
		           "media answer failed");
		return;
	}
	s->media_on = true;
	/* From here the session owns the media port: every failure goes through ua_sess_end. */
	ua_txc_attach(s, tx);
	s->uas.phase = UA_INV_PENDING;
	s->uas.tx = tx;
	if (!ua_sess_insert(ua, s)) {
		ua_respond(ua, tx, m, 500, tag, DPV_STR_NULL, DPV_STR_NULL, "duplicate dialog");
		ua_sess_end(ua, s);
		return;
	}
	CNT(ua, calls_in);
	ua_respond(ua, tx, m, 100, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL, NULL);
	ua_respond(ua, tx, m, 180, tag, DPV_STR_NULL, DPV_STR_NULL, NULL);
	if (!prepare_2xx(ua, s, tx, m, tag, n)) {
		ua_sess_end(ua, s);
		return;
	}
	if (ua->cfg.answer_delay_ms == 0)
		send_2xx(ua, s);
	else
		dpv_timer_arm(ua->cfg.wheel, &s->uas.t_answer, ua_now(ua) + ua->cfg.answer_delay_ms,
		              answer_cb, s);
}

static void
uas_reinvite(struct sip_ua *ua, const struct sip_msg *m, struct sip_tx *tx)
{
	struct ua_sess *s = ua_dlg_match(ua, m, tx);
	bool cli_pending;
	int n;

	if (s == NULL)
		return;
	cli_pending = s->uac.inv != NULL && sip_tx_state(s->uac.inv) != SIP_TX_ACCEPTED &&
	              sip_tx_state(s->uac.inv) != SIP_TX_COMPLETED;
	if (s->uas.phase != UA_INV_NONE || cli_pending) {
		ua_respond(ua, tx, m, 491, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		           "another INVITE is pending");
		return;
	}
	if (s->state != SIP_SESS_CONFIRMED) {
		ua_respond(ua, tx, m, 500, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		           "session not confirmed");
		return;
	}
	if (m->body.len == 0) {
		ua_respond(ua, tx, m, 488, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		           "no SDP offer");
		return;
	}
	n = media_for_invite(ua, s, m);
	if (n < 0) {
		ua_respond(ua, tx, m, (unsigned)-n, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		           "media answer failed");
		return;
	}
	ua_dlg_set_target(ua, s, m);
	if (!prepare_2xx(ua, s, tx, m, DPV_STR_NULL, n))
		return;
	ua_txc_attach(s, tx);
	s->uas.phase = UA_INV_PENDING;
	s->uas.tx = tx;
	s->uas.cseq = m->cseq;
	s->uas.reinvite = true;
	send_2xx(ua, s);
}

static void
uas_ack(struct sip_ua *ua, const struct sip_msg *m)
{
	struct ua_sess *s = ua_sess_find(ua, m->call_id, m->to.tag);

	if (s == NULL || ua_sess_ended(s) || s->uas.phase != UA_INV_ACK_WAIT ||
	    m->cseq != s->uas.cseq) {
		CNT(ua, rx_dropped); /* stray or retransmitted ACK */
		return;
	}
	s->uas.phase = UA_INV_NONE;
	dpv_timer_cancel(ua->cfg.wheel, &s->uas.t_retx);
	dpv_timer_cancel(ua->cfg.wheel, &s->uas.t_ack);
	ua_msg_free(ua, s->uas.resp_2xx);
	s->uas.resp_2xx = NULL;
	s->uas.reinvite = false;
	ua_sess_set_state(ua, s, SIP_SESS_CONFIRMED);
	if (s->uas.offer_in_2xx) {
		s->uas.offer_in_2xx = false;
		/* no answer, or one we cannot take: end the call (13.3.1.4 leaves it to us) */
		if (m->body.len == 0 || ua->media->answered == NULL ||
		    ua->media->answered(ua->media_arg, m->body.p, m->body.len, &s->media) != 0) {
			ua_send_bye(ua, s);
			return;
		}
		ua_media_update(ua, s); /* the answer came now; one in our 2xx holds since then */
	}
	if (s->uas.bye_after_ack) {
		s->uas.bye_after_ack = false;
		ua_send_bye(ua, s);
	}
}

static void
uas_cancel(struct sip_ua *ua, const struct sip_msg *m)
{
	struct sip_tx_key k;
	struct sip_tx *inv, *tx;
	struct ua_txc *ic;
	struct ua_sess *s = NULL;
	struct dpv_str ltag = DPV_STR_NULL;
	struct sip_msg im;
	char cseq[32];
	struct dpv_buf cb = DPV_BUF(cseq, sizeof(cseq));

	ua_key_from_msg(&k, m);
	inv = sip_tx_find_cancelled(ua->txt, &k);
	ic = inv != NULL ? sip_tx_user(inv) : NULL;
	if (ic != NULL && ic->sess != NULL && !ua_sess_ended(ic->sess)) {
		s = ic->sess;
		ltag = (struct dpv_str){s->dlg.ltag, s->dlg.ltag_len};
	}
	tx = ua_server_tx(ua, m);
	if (tx == NULL)
		return; /* answered */
	if (inv == NULL) {
		const struct sip_tx_hit *hit;
		struct ua_cdata cd;

		k.method = SIP_METHOD_INVITE;
		hit = sip_tx_table_find_rec(ua->txt, &k, true);
		if (hit != NULL && hit->kind == SIP_TX_IST) {
			/* answered (and finished) already: the CANCEL has no effect (9.2) */
			memcpy(&cd, hit->data->b, sizeof(cd));
			ua_respond(ua, tx, m, 200, (struct dpv_str){cd.tag, cd.tag_len},
			           DPV_STR_NULL, DPV_STR_NULL, NULL);
			return;
		}
		ua_respond(ua, tx, m, 481, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		           "no matching INVITE");
		return;
	}
	ua_respond(ua, tx, m, 200, ltag, DPV_STR_NULL, DPV_STR_NULL, NULL);
	if (s == NULL || s->uas.phase != UA_INV_PENDING || s->uas.tx != inv ||
	    sip_tx_state(inv) != SIP_TX_PROCEEDING)
		return; /* answered already: the CANCEL has no effect (9.2) */
	/* The 487 answers the INVITE: the CANCEL's header lines with the INVITE's CSeq. */
	im = *m;
	dpv_buf_u32(&cb, m->cseq);
	dpv_buf_cstr(&cb, " INVITE"); /* fits: 10 digits at most */
	im.hdrs[im.first[SIP_HDR_CSEQ]].value = (struct dpv_str){cseq, cb.len};
	im.method = SIP_METHOD_INVITE;
	ua_respond(ua, inv, &im, 487, ltag, DPV_STR_NULL, DPV_STR_NULL, NULL);
	s->uas.phase = UA_INV_NONE;
	s->uas.tx = NULL;
	CNT(ua, calls_cancelled);
	ua_sess_end(ua, s);
}

static void
uas_bye(struct sip_ua *ua, const struct sip_msg *m, struct sip_tx *tx)
{
	struct ua_sess *s;

	if (!m->to.has_tag) {
		ua_respond(ua, tx, m, 481, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
		           "BYE outside a dialog");
		return;
	}
	s = ua_dlg_match(ua, m, tx);
	if (s == NULL)
		return;
	ua_respond(ua, tx, m, 200, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL, NULL);
	ua_uas_final(ua, s, 487); /* 15.1.2: BYE before the final answer */
	CNT(ua, calls_ended);
	ua_sess_end(ua, s);
}

static void
uas_options(struct sip_ua *ua, const struct sip_msg *m, struct sip_tx *tx)
{
	static const char extra[] = OPTIONS_EXTRA;
	struct ua_txc *c = sip_tx_user(tx);
	char tagbuf[24];
	struct dpv_str tag;

	if (m->to.has_tag && ua_dlg_match(ua, m, tx) == NULL)
		return;
	tag = m->to.has_tag ? DPV_STR_NULL : ua_token(ua, tagbuf, sizeof(tagbuf), "");
	if (ua_respond(ua, tx, m, 200, tag, (struct dpv_str){extra, sizeof(extra) - 1},
	               DPV_STR_NULL, NULL) == 0 &&
	    c->cd.code == 200 && c->cd.tag_len == tag.len) {
		c->cd.extra = UA_CD_OPTIONS; /* ua_respond_again writes the same lines */
		c->cd_ok = true;
	}
}

static void
uas_not_implemented(struct sip_ua *ua, const struct sip_msg *m, struct sip_tx *tx)
{
	ua_respond(ua, tx, m, 501, DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL,
	           "method not implemented");
}

/* Requests that get a server transaction here, by method (INVITE: re-INVITE only). */
static void (*const in_dialog[SIP_METHOD_MAX])(struct sip_ua *, const struct sip_msg *,
                                               struct sip_tx *) = {
    [SIP_METHOD_INVITE] = uas_reinvite,
    [SIP_METHOD_BYE] = uas_bye,
    [SIP_METHOD_OPTIONS] = uas_options,
};

static const struct sip_check_cfg check_cfg = {
    .methods = 1u << SIP_METHOD_INVITE | 1u << SIP_METHOD_ACK | 1u << SIP_METHOD_BYE |
               1u << SIP_METHOD_CANCEL | 1u << SIP_METHOD_OPTIONS,
};

/* A retransmitted request whose transaction ended in a compact record. */
static void
compact_hit(struct sip_ua *ua, const struct sip_msg *m)
{
	const struct sip_tx_hit *hit = sip_tx_table_hit(ua->txt);
	struct ua_cdata cd;
	struct ua_sess *s;

	memcpy(&cd, hit->data->b, sizeof(cd));
	if (hit->kind == SIP_TX_NIST) {
		ua_respond_again(ua, m, &cd);
		return;
	}
	/* An INVITE retransmitted after our 2xx: while that 2xx waits for its ACK, send it now
	 * rather than at the next Timer G step (the transaction would absorb it, RFC 6026). */
	s = hit->kind == SIP_TX_IST ? ua_sess_by_id(ua, cd.sess_id) : NULL;
	if (s != NULL && s->uas.phase == UA_INV_ACK_WAIT && s->uas.resp_2xx != NULL) {
		CNT(ua, retrans_answered);
		ua_msg_send(ua, s->uas.resp_2xx, s->uas.resp_2xx_len, s->uas.resp_ip,
		            s->uas.resp_port, false);
	}
}

static void
request_dispatch(struct sip_ua *ua, const struct sip_msg *m)
{
	struct sip_tx_key k;
	struct sip_tx *tx;
	enum sip_tx_rx rx;

	ua_key_from_msg(&k, m);
	rx = sip_tx_request_in(ua->txt, &k, &tx);
	if (m->method == SIP_METHOD_ACK) {
		if (rx == SIP_TX_RX_NO_MATCH || rx == SIP_TX_RX_TO_TU)
			uas_ack(ua, m);
		return;
	}
	if (rx == SIP_TX_RX_COMPACT) {
		compact_hit(ua, m);
		return;
	}
	if (rx != SIP_TX_RX_NO_MATCH)
		return; /* retransmission: the transaction resent its last response */
	if (m->method == SIP_METHOD_CANCEL) {
		uas_cancel(ua, m);
		return;
	}
	if (m->method == SIP_METHOD_INVITE && !m->to.has_tag) {
		uas_invite(ua, m);
		return;
	}
	tx = ua_server_tx(ua, m);
	if (tx == NULL)
		return; /* answered */
	(in_dialog[m->method] != NULL ? in_dialog[m->method] : uas_not_implemented)(ua, m, tx);
}

void
ua_request_in(struct sip_ua *ua, const struct sip_msg *m)
{
	struct sip_check_result cr;

	CNT(ua, rx_requests);
	if (sip_msg_check_request_contact(m, &check_cfg, &cr, &ua->rx_contact,
	                                  &ua->rx_has_contact) != 0) {
		ua_respond_stateless(ua, m, cr.status, cr.reason, cr.unsupported);
		return;
	}
	/* the parsed Contact is this request's only while it is handled (ua_dlg_set_target) */
	ua->rx_contact_of = m;
	request_dispatch(ua, m);
	ua->rx_contact_of = NULL;
}
