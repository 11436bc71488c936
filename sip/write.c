/* SPDX-License-Identifier: BSD-3-Clause */
/* SIP message writer: responses (RFC 3261 8.2.6) and UAC requests into a caller's buffer. */
#include <string.h>

#include "sip_msg_int.h"

static void
w_hdr(struct dpv_buf *w, const char *name, struct dpv_str value)
{
	dpv_buf_cstr(w, name);
	dpv_buf_cstr(w, ": ");
	dpv_buf_str(w, value);
	dpv_buf_cstr(w, "\r\n");
}

static void
w_body(struct dpv_buf *w, struct dpv_str extra, struct dpv_str body, struct dpv_str ctype)
{
	dpv_buf_str(w, extra);
	if (body.len > 0 && ctype.len > 0)
		w_hdr(w, "Content-Type", ctype);
	dpv_buf_cstr(w, "Content-Length: ");
	dpv_buf_u32(w, body.len);
	dpv_buf_cstr(w, "\r\n\r\n");
	dpv_buf_str(w, body);
}

/*
 * The status lines the UA sends on every call, ready; an empty view for the others, which
 * are composed from sip_status_phrase() (tests/sip/test_write.c holds the two to the same
 * bytes for every code).
 */
static struct dpv_str
status_line(uint16_t code)
{
	switch (code) {
	case 100:
		return DPV_STR_LIT("SIP/2.0 100 Trying\r\n");
	case 180:
		return DPV_STR_LIT("SIP/2.0 180 Ringing\r\n");
	case 183:
		return DPV_STR_LIT("SIP/2.0 183 Session Progress\r\n");
	case 200:
		return DPV_STR_LIT("SIP/2.0 200 OK\r\n");
	case 481:
		return DPV_STR_LIT("SIP/2.0 481 Call/Transaction Does Not Exist\r\n");
	case 487:
		return DPV_STR_LIT("SIP/2.0 487 Request Terminated\r\n");
	default:
		return DPV_STR_NULL;
	}
}

/*
 * "Name: value" of a copied header at @a p; @a name is the canonical name with ": " (@a n
 * bytes). When the request wrote the line that way (most do), it is one copy from the request.
 */
static inline __attribute__((always_inline)) char *
w_copied(char *p, const struct sip_hdr *h, const char *name, uint32_t n)
{
	if (h->value.p == h->name.p + n && memcmp(h->name.p, name, n) == 0)
		return dpv_put(p, h->name.p, n + h->value.len);
	return dpv_put_str(dpv_put(p, name, n), h->value);
}

#define W_COPIED(p, h, name) w_copied((p), (h), "" name, sizeof(name) - 1)
/* Bytes of a copied line: "Name: value" CRLF. */
#define COPIED_LEN(h, name) (sizeof(name) - 1 + (uint64_t)(h)->value.len + 2)

/*
 * The whole length is known before a byte is written (the pieces are the request's lines and
 * the caller's views), so capacity is checked once and a response that does not fit writes
 * nothing; then the pieces go in with plain copies.
 */
int
sip_write_response(char *buf, uint32_t cap, const struct sip_msg *req, uint16_t code,
                   const char *reason, struct dpv_str to_tag, struct dpv_str extra,
                   struct dpv_str body, struct dpv_str content_type)
{
	const struct sip_hdr *via, *from, *to, *cid, *cseq, *h;
	struct dpv_str status = reason ? DPV_STR_NULL : status_line(code), phrase = DPV_STR_NULL;
	bool tag, ctype = body.len > 0 && content_type.len > 0;
	char cl[DPV_U64_DIGITS];
	uint32_t cl_len;
	uint64_t len;
	char *p = buf;

	if (code < 100 || code > 699 || !req->is_request)
		return -1;
	via = sip_msg_hdr(req, SIP_HDR_VIA);
	from = sip_msg_hdr(req, SIP_HDR_FROM);
	to = sip_msg_hdr(req, SIP_HDR_TO);
	cid = sip_msg_hdr(req, SIP_HDR_CALL_ID);
	cseq = sip_msg_hdr(req, SIP_HDR_CSEQ);
	if (!via || !from || !to || !cid || !cseq)
		return -1;
	tag = to_tag.len > 0 && !req->to.has_tag && req->to.raw.p == to->value.p;
	if (status.len == 0)
		phrase = dpv_cstr(reason ? reason : sip_status_phrase(code));
	cl_len = dpv_fmt_u64(cl, body.len);

	len = status.len ? status.len : sizeof("SIP/2.0 000 \r\n") - 1 + (uint64_t)phrase.len;
	for (h = via; h; h = sip_msg_hdr_next(req, h))
		len += COPIED_LEN(h, "Via: ");
	len += COPIED_LEN(from, "From: ") + COPIED_LEN(to, "To: ") + COPIED_LEN(cid, "Call-ID: ") +
	       COPIED_LEN(cseq, "CSeq: ");
	if (tag)
		len += sizeof(";tag=") - 1 + to_tag.len;
	len += extra.len + (ctype ? sizeof("Content-Type: \r\n") - 1 + content_type.len : 0) +
	       sizeof("Content-Length: \r\n\r\n") - 1 + cl_len + body.len;
	if (len > cap)
		return -1;

	if (status.len) {
		p = dpv_put_str(p, status);
	} else {
		p = DPV_PUT_LIT(p, "SIP/2.0 ");
		*p++ = (char)('0' + code / 100);
		*p++ = (char)('0' + code / 10 % 10);
		*p++ = (char)('0' + code % 10);
		*p++ = ' ';
		p = DPV_PUT_LIT(dpv_put_str(p, phrase), "\r\n");
	}
	for (h = via; h; h = sip_msg_hdr_next(req, h)) /* every Via line, in order */
		p = DPV_PUT_LIT(W_COPIED(p, h, "Via: "), "\r\n");
	p = DPV_PUT_LIT(W_COPIED(p, from, "From: "), "\r\n");
	p = W_COPIED(p, to, "To: ");
	if (tag) {
		p = DPV_PUT_LIT(p, ";tag=");
		p = dpv_put_str(p, to_tag);
	}
	p = DPV_PUT_LIT(p, "\r\n");
	p = DPV_PUT_LIT(W_COPIED(p, cid, "Call-ID: "), "\r\n");
	p = DPV_PUT_LIT(W_COPIED(p, cseq, "CSeq: "), "\r\n");
	p = dpv_put_str(p, extra);
	if (ctype) {
		p = DPV_PUT_LIT(p, "Content-Type: ");
		p = DPV_PUT_LIT(dpv_put_str(p, content_type), "\r\n");
	}
	p = DPV_PUT_LIT(p, "Content-Length: ");
	p = DPV_PUT_LIT(dpv_put(p, cl, cl_len), "\r\n\r\n");
	p = dpv_put_str(p, body);
	return (int)(p - buf);
}

int
sip_write_reject(char *buf, uint32_t cap, const struct sip_msg *req, uint16_t code, const char *why,
                 const char *agent, struct dpv_str to_tag, struct dpv_str unsupported)
{
	char extra[512];
	struct dpv_buf w = DPV_BUF(extra, sizeof(extra));

	if (why) {
		dpv_buf_cstr(&w, "Warning: 399 ");
		dpv_buf_cstr(&w, agent ? agent : "dpvoip");
		dpv_buf_cstr(&w, " \"");
		for (const char *p = why; *p; p++) {
			if (*p == '"' || *p == '\\')
				dpv_buf_cstr(&w, "\\");
			dpv_buf_put(&w, p, 1);
		}
		dpv_buf_cstr(&w, "\"\r\n");
	}
	if (unsupported.len > 0)
		w_hdr(&w, "Unsupported", unsupported);
	/* RFC 3261 21.4.13: a 415 lists what is acceptable; the engine only takes SDP */
	if (code == 415)
		dpv_buf_cstr(&w, "Accept: application/sdp\r\n");
	if (w.over)
		return -1;
	return sip_write_response(buf, cap, req, code, NULL, to_tag, (struct dpv_str){extra, w.len},
	                          DPV_STR_NULL, DPV_STR_NULL);
}

int
sip_write_request(char *buf, uint32_t cap, const struct sip_req_fields *f)
{
	struct dpv_buf w = DPV_BUF(buf, cap);
	const char *method = sip_method_name(f->method);

	if (!method || f->ruri.len == 0 || f->via_host.len == 0 || f->branch.len == 0 ||
	    f->from.len == 0 || f->to.len == 0 || f->call_id.len == 0)
		return -1;
	dpv_buf_cstr(&w, method);
	dpv_buf_cstr(&w, " ");
	dpv_buf_str(&w, f->ruri);
	dpv_buf_cstr(&w, " SIP/2.0\r\nVia: SIP/2.0/");
	if (f->via_transport.len)
		dpv_buf_str(&w, f->via_transport);
	else
		dpv_buf_cstr(&w, "UDP");
	dpv_buf_cstr(&w, " ");
	dpv_buf_str(&w, f->via_host);
	if (f->via_port) {
		dpv_buf_cstr(&w, ":");
		dpv_buf_u32(&w, f->via_port);
	}
	dpv_buf_cstr(&w, ";branch=");
	dpv_buf_str(&w, f->branch);
	if (f->rport)
		dpv_buf_cstr(&w, ";rport");
	dpv_buf_cstr(&w, "\r\nMax-Forwards: ");
	dpv_buf_u32(&w, f->max_forwards ? f->max_forwards : 70);
	dpv_buf_cstr(&w, "\r\n");
	if (f->route.len)
		w_hdr(&w, "Route", f->route);
	dpv_buf_cstr(&w, "From: ");
	dpv_buf_str(&w, f->from);
	if (f->from_tag.len) {
		dpv_buf_cstr(&w, ";tag=");
		dpv_buf_str(&w, f->from_tag);
	}
	dpv_buf_cstr(&w, "\r\nTo: ");
	dpv_buf_str(&w, f->to);
	if (f->to_tag.len) {
		dpv_buf_cstr(&w, ";tag=");
		dpv_buf_str(&w, f->to_tag);
	}
	dpv_buf_cstr(&w, "\r\n");
	w_hdr(&w, "Call-ID", f->call_id);
	dpv_buf_cstr(&w, "CSeq: ");
	dpv_buf_u32(&w, f->cseq);
	dpv_buf_cstr(&w, " ");
	dpv_buf_cstr(&w, method);
	dpv_buf_cstr(&w, "\r\n");
	if (f->contact.len)
		w_hdr(&w, "Contact", f->contact);
	w_body(&w, f->extra, f->body, f->content_type);
	return dpv_buf_end(&w);
}

/* "Name: value[;tag=TAG]" CRLF, the value as it was received. */
static void
w_copy_line(struct dpv_buf *w, const char *name, struct dpv_str v, struct dpv_str tag)
{
	dpv_buf_cstr(w, name);
	dpv_buf_cstr(w, ": ");
	dpv_buf_str(w, v);
	if (tag.len) {
		dpv_buf_cstr(w, ";tag=");
		dpv_buf_str(w, tag);
	}
	dpv_buf_cstr(w, "\r\n");
}

int
sip_write_parse_reject(char *buf, uint32_t cap, const struct sip_msg *m, uint16_t code,
                       const char *why, const char *agent, struct dpv_str to_tag)
{
	static const struct {
		uint8_t type;
		const char *name;
	} copy[] = {{SIP_HDR_FROM, "From"},
	            {SIP_HDR_TO, "To"},
	            {SIP_HDR_CALL_ID, "Call-ID"},
	            {SIP_HDR_CSEQ, "CSeq"}};
	struct dpv_buf w = DPV_BUF(buf, cap);
	const struct sip_hdr *h;
	struct sip_naddr to;

	dpv_buf_cstr(&w, "SIP/2.0 ");
	dpv_buf_u32(&w, code);
	dpv_buf_cstr(&w, " ");
	dpv_buf_cstr(&w, sip_status_phrase(code));
	dpv_buf_cstr(&w, "\r\n");
	for (h = sip_msg_hdr(m, SIP_HDR_VIA); h != NULL; h = sip_msg_hdr_next(m, h))
		w_copy_line(&w, "Via", h->value, DPV_STR_NULL);
	for (unsigned i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
		struct dpv_str t = DPV_STR_NULL;

		h = sip_msg_hdr(m, (enum sip_hdr_type)copy[i].type);
		if (h == NULL)
			continue;
		if (copy[i].type == SIP_HDR_TO && sip_naddr_parse(h->value, &to) == 0 && !to.star &&
		    !to.has_tag)
			t = to_tag;
		w_copy_line(&w, copy[i].name, h->value, t);
	}
	dpv_buf_cstr(&w, "Warning: 399 ");
	dpv_buf_cstr(&w, agent);
	dpv_buf_cstr(&w, " \"");
	dpv_buf_cstr(&w, why);
	dpv_buf_cstr(&w, "\"\r\nContent-Length: 0\r\n\r\n");
	return dpv_buf_end(&w);
}
