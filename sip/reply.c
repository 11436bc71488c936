/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Responses the UA sends: on a server transaction (which keeps the last one for
 * retransmissions), statelessly (checks, overload), and to requests that failed to parse.
 */
#include <string.h>

#include "ua_int.h"

#define RETRY_AFTER "Retry-After: 5\r\n"

void
ua_via_dest(const struct sip_ua *ua, const struct sip_via *v, uint32_t *ip, uint16_t *port)
{
	uint32_t rip;

	if (v->has_rport) {
		*ip = ua->src_ip;
		*port = ua->src_port;
		return;
	}
	if (v->has_received && dpv_ipv4_parse(v->received, &rip))
		*ip = rip;
	else if (dpv_ipv4_parse(v->host, &rip))
		*ip = rip;
	else
		*ip = ua->src_ip; /* a name we cannot resolve here: the packet came from there */
	*port = v->has_port ? v->port : SIP_DEFAULT_PORT;
}

static void
count_status(struct sip_ua *ua, unsigned code)
{
	if (code >= 500)
		CNT(ua, rejected_5xx);
	else if (code >= 400)
		CNT(ua, rejected_4xx);
}

/* Header lines for a rejection: Warning naming the cause, and what the status calls for. */
static uint32_t
reject_extra(char *extra, uint32_t cap, unsigned code, const char *why, struct dpv_str unsupported)
{
	struct dpv_buf b = DPV_BUF(extra, cap);

	if (why != NULL) {
		dpv_buf_cstr(&b, "Warning: 399 " UA_AGENT " \"");
		dpv_buf_cstr(&b, why);
		dpv_buf_cstr(&b, "\"\r\n");
	}
	if (unsupported.len) {
		dpv_buf_cstr(&b, "Unsupported: ");
		dpv_buf_str(&b, unsupported);
		dpv_buf_cstr(&b, "\r\n");
	}
	if (code == 501 || code == 405)
		dpv_buf_cstr(&b, ALLOW_HDR);
	if (code == 503)
		dpv_buf_cstr(&b, RETRY_AFTER);
	if (code == 415)
		dpv_buf_cstr(&b, "Accept: application/sdp\r\n");
	return dpv_buf_end(&b) < 0 ? 0 : b.len;
}

void
ua_respond_stateless(struct sip_ua *ua, const struct sip_msg *m, unsigned code, const char *why,
                     struct dpv_str unsupported)
{
	char extra[512], tagbuf[24];
	struct dpv_str tag;
	uint32_t cap, ip;
	uint16_t port;
	char *buf;
	void *h;
	int len;

	if (m->method == SIP_METHOD_ACK) {
		CNT(ua, rx_dropped);
		return;
	}
	h = ua_msg_new(ua, &buf, &cap);
	if (h == NULL)
		return;
	tag = ua_token(ua, tagbuf, sizeof(tagbuf), "");
	for (;;) {
		len = sip_write_response(
		    buf, cap, m, (uint16_t)code, NULL, m->to.has_tag ? DPV_STR_NULL : tag,
		    (struct dpv_str){extra,
		                     reject_extra(extra, sizeof(extra), code, why, unsupported)},
		    DPV_STR_NULL, DPV_STR_NULL);
		if (len >= 0)
			break;
		if (!ua_msg_grow(ua, &h, &buf, &cap)) {
			CNT(ua, rx_dropped);
			return;
		}
	}
	ua_via_dest(ua, &m->via, &ip, &port);
	count_status(ua, code);
	ua_msg_send(ua, h, (uint32_t)len, ip, port, false);
	ua_msg_free(ua, h);
}

/*
 * NULL when there is none, @a m answered: 503 when the pools are full (overload), 400 when the
 * transaction key (Via branch, sent-by, and for RFC 2543 peers Request-URI, tags, Call-ID, Via)
 * does not fit a transaction: that is the request's fault (PROTOS sip-via-host), not overload.
 */
struct sip_tx *
ua_server_tx(struct sip_ua *ua, const struct sip_msg *m)
{
	uint64_t too_long = sip_tx_table_stats(ua->txt)->key_too_long;
	struct sip_tx_key k;
	struct ua_txc *c;
	struct sip_tx *tx;
	uint32_t ip;
	uint16_t port;

	ua_via_dest(ua, &m->via, &ip, &port);
	/* Overload sheds in a fixed order: new calls first, while the calls in progress still get
	 * transactions (the last 1/16 of the pool is theirs) and finished ones keep their records
	 * (a new call is refused before the record ring would have to drop its oldest early). */
	if (m->method == SIP_METHOD_INVITE && !m->to.has_tag &&
	    (dpv_pool_avail(ua->txc_pool) <= ua->cfg.max_transactions / 16 ||
	     sip_tx_table_records_full(ua->txt))) {
		CNT(ua, overload_503);
		CNT(ua, shed_new_calls);
		ua_respond_stateless(ua, m, 503, "overloaded: new calls shed", DPV_STR_NULL);
		return NULL;
	}
	c = ua_txc_new(ua, NULL, ip, port, m->method);
	if (c == NULL) {
		CNT(ua, overload_503);
		ua_respond_stateless(ua, m, 503, "transaction pool full", DPV_STR_NULL);
		return NULL;
	}
	ua_key_from_msg(&k, m);
	tx = sip_tx_server_new(ua->txt, &k, NULL, c);
	if (tx == NULL) {
		ua_txc_abort(ua, c);
		if (sip_tx_table_stats(ua->txt)->key_too_long != too_long) {
			CNT(ua, bad_tx_key);
			ua_respond_stateless(ua, m, 400, "transaction key too long", DPV_STR_NULL);
		} else {
			CNT(ua, overload_503);
			ua_respond_stateless(ua, m, 503, "transaction pool full", DPV_STR_NULL);
		}
		return NULL;
	}
	c->tx = tx;
	return tx;
}

/* The previous response the transaction held is freed (it will not be resent any more) unless
 * it is a session-owned 2xx. */
int
ua_tx_respond(struct sip_ua *ua, struct sip_tx *tx, unsigned code, void *h, uint32_t len)
{
	struct ua_txc *c = sip_tx_user(tx);
	void *old = sip_tx_last_response(tx);
	unsigned old_code = sip_tx_last_code(tx);
	uint32_t old_len = c->resp_len;

	c->resp_len = len;
	if (sip_tx_send_response(tx, code, h) != 0) {
		c->resp_len = old_len;
		return -1;
	}
	if (old != NULL && old != h && !ua_resp_is_session_2xx(c->method, old_code))
		ua_msg_free(ua, old);
	count_status(ua, code);
	return 0;
}

/*
 * The response to @a m in a buffer of its own: the @a extra header lines, then what a
 * rejection carries (Warning with @a why, ...), @a body as SDP. The one writer of answers on a
 * transaction, so that an answer written again from a compact record is the same bytes.
 * The buffer, or NULL (none, or the answer does not fit the largest).
 */
static void *
write_answer(struct sip_ua *ua, const struct sip_msg *m, unsigned code, struct dpv_str to_tag,
             struct dpv_str extra, struct dpv_str body, const char *why, uint32_t *len)
{
	char hdrs[768];
	uint32_t cap, n = 0;
	char *buf;
	void *h;
	int w;

	if (extra.len > 0 && extra.len < sizeof(hdrs)) {
		memcpy(hdrs, extra.p, extra.len);
		n = extra.len;
	}
	if (code >= 300)
		n += reject_extra(hdrs + n, sizeof(hdrs) - n, code, why, DPV_STR_NULL);
	h = ua_msg_new(ua, &buf, &cap);
	if (h == NULL)
		return NULL;
	while ((w = sip_write_response(buf, cap, m, (uint16_t)code, NULL, to_tag,
	                               (struct dpv_str){hdrs, n}, body,
	                               body.len ? SDP_TYPE : DPV_STR_NULL)) < 0)
		if (!ua_msg_grow(ua, &h, &buf, &cap))
			return NULL;
	*len = (uint32_t)w;
	return h;
}

int
ua_respond(struct sip_ua *ua, struct sip_tx *tx, const struct sip_msg *m, unsigned code,
           struct dpv_str to_tag, struct dpv_str extra, struct dpv_str body, const char *why)
{
	uint32_t len;
	void *h;

	if (tx == NULL) {
		ua_respond_stateless(ua, m, code, why, DPV_STR_NULL);
		return 0;
	}
	h = write_answer(ua, m, code, to_tag, extra, body, why, &len);
	if (h == NULL)
		goto fail;
	if (ua_tx_respond(ua, tx, code, h, len) != 0) {
		ua_msg_free(ua, h);
		goto fail;
	}
	if (code >= 200) { /* what a compact record needs to write this answer again */
		struct ua_txc *c = sip_tx_user(tx);

		memset(&c->cd, 0, sizeof(c->cd));
		c->cd.code = (uint16_t)code;
		c->cd.why = why;
		c->cd_ok = false;
		if (to_tag.len <= sizeof(c->cd.tag)) {
			if (to_tag.len)
				memcpy(c->cd.tag, to_tag.p, to_tag.len);
			c->cd.tag_len = (uint8_t)to_tag.len;
			/* other header lines or a body: only their writer can say (uas_options) */
			c->cd_ok = body.len == 0 && extra.len == 0;
		}
	}
	return 0;
fail:
	/* A server transaction left without its final response would never end: end it. */
	if (code >= 200 && sip_tx_last_code(tx) < 200)
		sip_tx_transport_error(tx);
	return -1;
}

void
ua_respond_again(struct sip_ua *ua, const struct sip_msg *m, const struct ua_cdata *d)
{
	static const char options[] = OPTIONS_EXTRA;
	struct dpv_str extra = d->extra == UA_CD_OPTIONS ? DPV_STR_LIT(options) : DPV_STR_NULL;
	uint32_t len, ip;
	uint16_t port;
	void *h;

	h = write_answer(ua, m, d->code, (struct dpv_str){d->tag, d->tag_len}, extra, DPV_STR_NULL,
	                 d->why, &len);
	if (h == NULL)
		return;
	ua_via_dest(ua, &m->via, &ip, &port);
	CNT(ua, retrans_answered);
	ua_msg_send(ua, h, len, ip, port, false);
	ua_msg_free(ua, h);
}

void
ua_parse_reject(struct sip_ua *ua, const struct sip_msg *m, int err, const char *why)
{
	unsigned code = err ? sip_parse_status(err) : 400;
	char tagbuf[24], *buf;
	struct dpv_str tag;
	struct sip_list_iter it;
	struct sip_via v;
	uint32_t cap, ip;
	uint16_t port;
	void *h;
	int len;

	/* m->via is not to be trusted after an error: parse the top Via again, and when it does
	 * not parse, read its sent-by leniently (18.2.2: the answer goes to the source address
	 * and the sent-by port). */
	sip_list_iter_init(&it, m, SIP_HDR_VIA);
	if (sip_via_next(&it, &v) == 1) {
		ua_via_dest(ua, &v, &ip, &port);
	} else if (sip_via_sent_by_lenient(m, &port) == 0) {
		ip = ua->src_ip;
	} else {
		CNT(ua, rx_dropped);
		return;
	}
	h = ua_msg_new(ua, &buf, &cap);
	if (h == NULL)
		return;
	tag = ua_token(ua, tagbuf, sizeof(tagbuf), "");
	while ((len = sip_write_parse_reject(buf, cap, m, (uint16_t)code, why, UA_AGENT, tag)) < 0)
		if (!ua_msg_grow(ua, &h, &buf, &cap)) {
			CNT(ua, rx_dropped);
			return;
		}
	count_status(ua, code);
	ua_msg_send(ua, h, (uint32_t)len, ip, port, false);
	ua_msg_free(ua, h);
}
