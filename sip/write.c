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

int
sip_write_response(char *buf, uint32_t cap, const struct sip_msg *req, uint16_t code,
                   const char *reason, struct dpv_str to_tag, struct dpv_str extra,
                   struct dpv_str body, struct dpv_str content_type)
{
	struct dpv_buf w = DPV_BUF(buf, cap);
	static const uint8_t copy[] = {SIP_HDR_VIA, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CALL_ID,
	                               SIP_HDR_CSEQ};
	static const char *const names[] = {"Via", "From", "To", "Call-ID", "CSeq"};
	const struct sip_hdr *h;

	if (code < 100 || code > 699 || !req->is_request)
		return -1;
	for (unsigned i = 0; i < sizeof(copy); i++)
		if (!sip_msg_hdr(req, (enum sip_hdr_type)copy[i]))
			return -1;

	dpv_buf_cstr(&w, "SIP/2.0 ");
	dpv_buf_u32(&w, code);
	dpv_buf_cstr(&w, " ");
	dpv_buf_cstr(&w, reason ? reason : sip_status_phrase(code));
	dpv_buf_cstr(&w, "\r\n");
	for (unsigned i = 0; i < sizeof(copy); i++) {
		/* every Via line, in order; the others once */
		for (h = sip_msg_hdr(req, (enum sip_hdr_type)copy[i]); h;
		     h = copy[i] == SIP_HDR_VIA ? sip_msg_hdr_next(req, h) : NULL) {
			dpv_buf_cstr(&w, names[i]);
			dpv_buf_cstr(&w, ": ");
			dpv_buf_str(&w, h->value);
			if (copy[i] == SIP_HDR_TO && to_tag.len > 0 && !req->to.has_tag &&
			    req->to.raw.p == h->value.p) {
				dpv_buf_cstr(&w, ";tag=");
				dpv_buf_str(&w, to_tag);
			}
			dpv_buf_cstr(&w, "\r\n");
		}
	}
	w_body(&w, extra, body, content_type);
	return dpv_buf_end(&w);
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
