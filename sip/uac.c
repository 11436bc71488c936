/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UAC: calls the engine originates (INVITE with an SDP offer, ACK of the 2xx, ACK and
 * report of a 3xx-6xx), responses in, and hanging up any session (BYE, CANCEL, or a final
 * answer to an incoming call not yet answered).
 */
#include <errno.h>
#include <string.h>

#include "ua_int.h"

static void
uac_invite_response(struct sip_ua *ua, struct ua_sess *s, const struct sip_msg *m, unsigned code)
{
	s->uac.last_code = (uint16_t)code;
	if (code < 200) {
		if (m->to.has_tag && s->state == SIP_SESS_CALLING) {
			if (ua_dlg_set(s, DF_REMOTE_TAG, m->to.tag))
				ua_sess_set_state(ua, s, SIP_SESS_EARLY);
		}
		if (s->uac.cancel_pending)
			ua_send_cancel(ua, s);
		return;
	}
	if (code >= 300) {
		/* the transaction layer has ACKed it (send_ack) */
		if (s->state == SIP_SESS_TERMINATING)
			CNT(ua, calls_cancelled);
		else
			CNT(ua, calls_failed);
		s->uac.inv = NULL;
		ua_sess_end(ua, s);
		return;
	}
	/* 2xx */
	if (s->uac.ack != NULL || s->state == SIP_SESS_CONFIRMED) {
		ua_send_ack_2xx(ua, s); /* retransmission of the 2xx: ACK again */
		return;
	}
	if (!m->to.has_tag || !ua_dlg_set(s, DF_REMOTE_TAG, m->to.tag) ||
	    !ua_dlg_set_route(s, m, true)) {
		CNT(ua, rx_dropped);
		return;
	}
	ua_dlg_set_target(ua, s, m);
	dpv_timer_cancel(ua->cfg.wheel, &s->uac.t_cancel);
	ua_send_ack_2xx(ua, s);
	CNT(ua, calls_answered);
	if (s->state == SIP_SESS_TERMINATING || s->uac.cancel_pending ||
	    (ua->media->answered != NULL &&
	     ua->media->answered(ua->media_arg, m->body.p, m->body.len, &s->media) != 0)) {
		s->uac.cancel_pending = false;
		ua_send_bye(ua, s);
		return;
	}
	ua_sess_set_state(ua, s, SIP_SESS_CONFIRMED);
	ua_media_update(ua, s);
}

void
ua_uac_tx_response(struct sip_ua *ua, struct ua_sess *s, const struct ua_txc *c, unsigned code)
{
	switch (c->method) {
	case SIP_METHOD_INVITE:
		uac_invite_response(ua, s, ua->cur_resp, code);
		break;
	case SIP_METHOD_BYE:
		if (code >= 200) {
			CNT(ua, calls_ended);
			ua_sess_end(ua, s);
		}
		break;
	default: /* CANCEL: the INVITE's 487 decides */
		break;
	}
}

void
ua_tx_timeout(struct sip_ua *ua, struct ua_sess *s, const struct ua_txc *c, enum sip_tx_timer which)
{
	if (c->method == SIP_METHOD_INVITE && which == SIP_TX_TIMER_B) {
		s->uac.last_code = 408;
		s->uac.inv = NULL;
		if (s->state == SIP_SESS_TERMINATING)
			CNT(ua, calls_cancelled);
		else
			CNT(ua, calls_failed);
		ua_sess_end(ua, s);
	} else if (c->method == SIP_METHOD_BYE) {
		CNT(ua, calls_ended);
		ua_sess_end(ua, s);
	} else if (c->method == SIP_METHOD_INVITE && which == SIP_TX_TIMER_H) {
		ua_sess_end(ua, s); /* our non-2xx was never ACKed */
	}
}

void
ua_response_in(struct sip_ua *ua, const struct sip_msg *m)
{
	struct sip_tx_key k;
	struct sip_tx *tx;
	struct ua_sess *s;

	CNT(ua, rx_responses);
	ua_key_from_msg(&k, m);
	ua->cur_resp = m;
	tx = sip_tx_response_in(ua->txt, &k, m->status);
	ua->cur_resp = NULL;
	if (tx != NULL)
		return;
	/* A compact record absorbed it, unless it is a 2xx to our INVITE: ACKed below. */
	if (sip_tx_table_hit(ua->txt) != NULL &&
	    !(m->cseq_method == SIP_METHOD_INVITE && m->status >= 200 && m->status < 300))
		return;
	/* A 2xx retransmission after the INVITE transaction ended: ACK it again (13.2.2.4). */
	s = ua_sess_find(ua, m->call_id, m->from.tag);
	if (s != NULL && s->outgoing && m->cseq_method == SIP_METHOD_INVITE && m->status >= 200 &&
	    m->status < 300 && s->uac.ack != NULL) {
		ua_send_ack_2xx(ua, s);
		return;
	}
	CNT(ua, rx_dropped);
}

/* The media action an originated call starts with: a bridge to join once answered, or none. */
static int
set_bridge(struct ua_sess *s, const char *bridge)
{
	size_t len = bridge != NULL ? strlen(bridge) : 0;

	if (bridge != NULL && !dpv_bridge_name_valid(bridge, len))
		return -EINVAL;
	s->media.action = bridge != NULL ? DPV_CALL_BRIDGE : DPV_CALL_NONE;
	memcpy(s->media.bridge, bridge != NULL ? bridge : "", len + 1);
	return 0;
}

int
sip_ua_originate(struct sip_ua *ua, const char *uri, const char *bridge, uint64_t *session_id)
{
	char rna[UA_URI_MAX + 3], contact[64];
	struct dpv_buf rb = DPV_BUF(rna, sizeof(rna));
	struct dpv_str us = dpv_cstr(uri);
	struct sip_uri u;
	struct ua_sess *s;
	uint32_t ip;
	int n;

	if (uri == NULL || sip_uri_parse(us, &u) != 0 || u.scheme != SIP_SCHEME_SIP ||
	    !dpv_ipv4_parse(u.host, &ip) || us.len >= UA_URI_MAX ||
	    (bridge != NULL && !dpv_bridge_name_valid(bridge, strlen(bridge))))
		return -EINVAL;
	s = ua_sess_alloc(ua, true, ip);
	if (s == NULL)
		return -ENOSPC;
	s->uac.dst_ip = s->dlg.peer_ip = ip;
	s->uac.dst_port = s->dlg.peer_port = u.has_port ? u.port : SIP_DEFAULT_PORT;
	/* fits: the URI was checked against UA_URI_MAX */
	s->uac.ruri_len = (uint16_t)dpv_str_copy(s->uac.ruri, sizeof(s->uac.ruri), us);
	dpv_buf_put(&rb, "<", 1);
	dpv_buf_str(&rb, us);
	dpv_buf_put(&rb, ">", 1);
	ua_dlg_set(s, DF_TARGET, (struct dpv_str){s->uac.ruri, s->uac.ruri_len});
	ua_dlg_set(s, DF_REMOTE_NAMEADDR, (struct dpv_str){rna, rb.len});
	ua_dlg_set(s, DF_LOCAL_NAMEADDR, ua_dlg_contact(ua, s, contact, sizeof(contact)));
	dpv_str_copy(s->peer_uri, sizeof(s->peer_uri), us);
	s->dlg.ltag_len = (uint16_t)ua_sess_tag(ua, s, s->dlg.ltag, sizeof(s->dlg.ltag)).len;
	ua_make_call_id(ua, s);
	ua_token(ua, s->uac.branch, sizeof(s->uac.branch), SIP_MAGIC_COOKIE);
	s->dlg.local_cseq = s->uac.cseq = 1;
	set_bridge(s, bridge);
	n = ua->media->offer(ua->media_arg, ua->sdp, sizeof(ua->sdp), &s->media);
	if (n < 0 || n > (int)sizeof(ua->sdp)) {
		ua_sess_drop(ua, s);
		return n == -503 ? -ENOSPC : -EIO;
	}
	s->media_on = true;
	ua_sess_set_state(ua, s, SIP_SESS_CALLING);
	if (!ua_sess_insert(ua, s)) {
		ua_sess_end(ua, s);
		return -EEXIST;
	}
	if (ua_send_invite(ua, s, (struct dpv_str){ua->sdp, (uint32_t)n}) != 0) {
		ua_sess_end(ua, s);
		return -ENOSPC;
	}
	CNT(ua, calls_out);
	*session_id = s->id;
	return 0;
}

int
sip_ua_hangup(struct sip_ua *ua, uint64_t session_id)
{
	struct ua_sess *s = ua_sess_by_id(ua, session_id);

	if (s == NULL)
		return -ENOENT;
	switch (s->state) {
	case SIP_SESS_CONFIRMED:
		if (s->uas.phase == UA_INV_ACK_WAIT)
			s->uas.bye_after_ack = true; /* re-INVITE 2xx pending: BYE once ACKed */
		else
			ua_send_bye(ua, s);
		break;
	case SIP_SESS_ANSWERED:
		s->uas.bye_after_ack = true; /* 15: no BYE before the ACK (or its timeout) */
		break;
	case SIP_SESS_CALLING:
	case SIP_SESS_EARLY:
		if (s->uac.inv != NULL && sip_tx_state(s->uac.inv) == SIP_TX_PROCEEDING)
			ua_send_cancel(ua, s);
		else
			s->uac.cancel_pending = true; /* 9.1: CANCEL once a provisional arrives */
		break;
	case SIP_SESS_INCOMING:
		ua_uas_final(ua, s, 480);
		ua_sess_end(ua, s);
		break;
	default:
		break;
	}
	return 0;
}

int
sip_ua_set_bridge(struct sip_ua *ua, uint64_t session_id, const char *bridge)
{
	struct ua_sess *s = ua_sess_by_id(ua, session_id);

	if (s == NULL)
		return -ENOENT;
	/* one bridge at a time: leave it (NULL) before joining another */
	if (bridge != NULL && s->media.action == DPV_CALL_BRIDGE &&
	    strcmp(s->media.bridge, bridge) != 0)
		return -EBUSY;
	if (set_bridge(s, bridge) != 0)
		return -EINVAL;
	if (s->state == SIP_SESS_CONFIRMED && s->media_on)
		ua_media_update(ua, s);
	return 0;
}
