/* SIP message writer: responses (RFC 3261 8.2.6) and UAC requests into a caller's buffer. */
#include <string.h>

#include "sip_msg_int.h"

/* Bounded appender: once anything does not fit, every later append is a no-op and the
 * final length is -1, so callers check once at the end. */
struct wbuf {
	char *p;
	uint32_t len, cap;
	bool over;
};

static void
w_bytes(struct wbuf *w, const void *d, uint32_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = true;
		return;
	}
	if (n)
		memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void
w_cstr(struct wbuf *w, const char *s)
{
	w_bytes(w, s, (uint32_t)strlen(s));
}

static void
w_str(struct wbuf *w, struct dpv_str s)
{
	w_bytes(w, s.p, s.len);
}

static void
w_u32(struct wbuf *w, uint32_t v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	w_bytes(w, tmp + sizeof(tmp) - n, (uint32_t)n);
}

static void
w_hdr(struct wbuf *w, const char *name, struct dpv_str value)
{
	w_cstr(w, name);
	w_cstr(w, ": ");
	w_str(w, value);
	w_cstr(w, "\r\n");
}

static int
w_end(struct wbuf *w)
{
	return w->over ? -1 : (int)w->len;
}

static void
w_body(struct wbuf *w, struct dpv_str extra, struct dpv_str body, struct dpv_str ctype)
{
	w_str(w, extra);
	if (body.len > 0 && ctype.len > 0)
		w_hdr(w, "Content-Type", ctype);
	w_cstr(w, "Content-Length: ");
	w_u32(w, body.len);
	w_cstr(w, "\r\n\r\n");
	w_str(w, body);
}

int
sip_write_response(char *buf, uint32_t cap, const struct sip_msg *req, uint16_t code,
                   const char *reason, struct dpv_str to_tag, struct dpv_str extra,
                   struct dpv_str body, struct dpv_str content_type)
{
	struct wbuf w = {buf, 0, cap, false};
	static const uint8_t copy[] = {SIP_HDR_VIA, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CALL_ID,
	                               SIP_HDR_CSEQ};
	static const char *const names[] = {"Via", "From", "To", "Call-ID", "CSeq"};
	const struct sip_hdr *h;

	if (code < 100 || code > 699 || !req->is_request)
		return -1;
	for (unsigned i = 0; i < sizeof(copy); i++)
		if (!sip_msg_hdr(req, (enum sip_hdr_type)copy[i]))
			return -1;

	w_cstr(&w, "SIP/2.0 ");
	w_u32(&w, code);
	w_cstr(&w, " ");
	w_cstr(&w, reason ? reason : sip_status_phrase(code));
	w_cstr(&w, "\r\n");
	for (unsigned i = 0; i < sizeof(copy); i++) {
		/* every Via line, in order; the others once */
		for (h = sip_msg_hdr(req, (enum sip_hdr_type)copy[i]); h;
		     h = copy[i] == SIP_HDR_VIA ? sip_msg_hdr_next(req, h) : NULL) {
			w_cstr(&w, names[i]);
			w_cstr(&w, ": ");
			w_str(&w, h->value);
			if (copy[i] == SIP_HDR_TO && to_tag.len > 0 && !req->to.has_tag &&
			    req->to.raw.p == h->value.p) {
				w_cstr(&w, ";tag=");
				w_str(&w, to_tag);
			}
			w_cstr(&w, "\r\n");
		}
	}
	w_body(&w, extra, body, content_type);
	return w_end(&w);
}

int
sip_write_reject(char *buf, uint32_t cap, const struct sip_msg *req, uint16_t code, const char *why,
                 const char *agent, struct dpv_str to_tag, struct dpv_str unsupported)
{
	char extra[512];
	struct wbuf w = {extra, 0, sizeof(extra), false};

	if (why) {
		w_cstr(&w, "Warning: 399 ");
		w_cstr(&w, agent ? agent : "dpvoip");
		w_cstr(&w, " \"");
		for (const char *p = why; *p; p++) {
			if (*p == '"' || *p == '\\')
				w_cstr(&w, "\\");
			w_bytes(&w, p, 1);
		}
		w_cstr(&w, "\"\r\n");
	}
	if (unsupported.len > 0)
		w_hdr(&w, "Unsupported", unsupported);
	/* RFC 3261 21.4.13: a 415 lists what is acceptable; the engine only takes SDP */
	if (code == 415)
		w_cstr(&w, "Accept: application/sdp\r\n");
	if (w.over)
		return -1;
	return sip_write_response(buf, cap, req, code, NULL, to_tag, (struct dpv_str){extra, w.len},
	                          DPV_STR_NULL, DPV_STR_NULL);
}

int
sip_write_request(char *buf, uint32_t cap, const struct sip_req_fields *f)
{
	struct wbuf w = {buf, 0, cap, false};
	const char *method = sip_method_name(f->method);

	if (!method || f->ruri.len == 0 || f->via_host.len == 0 || f->branch.len == 0 ||
	    f->from.len == 0 || f->to.len == 0 || f->call_id.len == 0)
		return -1;
	w_cstr(&w, method);
	w_cstr(&w, " ");
	w_str(&w, f->ruri);
	w_cstr(&w, " SIP/2.0\r\nVia: SIP/2.0/");
	if (f->via_transport.len)
		w_str(&w, f->via_transport);
	else
		w_cstr(&w, "UDP");
	w_cstr(&w, " ");
	w_str(&w, f->via_host);
	if (f->via_port) {
		w_cstr(&w, ":");
		w_u32(&w, f->via_port);
	}
	w_cstr(&w, ";branch=");
	w_str(&w, f->branch);
	if (f->rport)
		w_cstr(&w, ";rport");
	w_cstr(&w, "\r\nMax-Forwards: ");
	w_u32(&w, f->max_forwards ? f->max_forwards : 70);
	w_cstr(&w, "\r\n");
	if (f->route.len)
		w_hdr(&w, "Route", f->route);
	w_cstr(&w, "From: ");
	w_str(&w, f->from);
	if (f->from_tag.len) {
		w_cstr(&w, ";tag=");
		w_str(&w, f->from_tag);
	}
	w_cstr(&w, "\r\nTo: ");
	w_str(&w, f->to);
	if (f->to_tag.len) {
		w_cstr(&w, ";tag=");
		w_str(&w, f->to_tag);
	}
	w_cstr(&w, "\r\n");
	w_hdr(&w, "Call-ID", f->call_id);
	w_cstr(&w, "CSeq: ");
	w_u32(&w, f->cseq);
	w_cstr(&w, " ");
	w_cstr(&w, method);
	w_cstr(&w, "\r\n");
	if (f->contact.len)
		w_hdr(&w, "Contact", f->contact);
	w_body(&w, f->extra, f->body, f->content_type);
	return w_end(&w);
}
