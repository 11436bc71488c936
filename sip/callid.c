/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Call-IDs and the steering contract: a call belongs to one signaling lcore, the one
 * sip_call_id_owner() names for its Call-ID. The engine finds the Call-ID of a datagram with
 * sip_peek_call_id() before any parse and steers it there; the UAC makes Call-IDs that map to
 * its own lcore, so the answers to its requests come back to it.
 */
#include "sip_msg_int.h"
#include "ua_int.h"

/* End of the line starting at @a p (the LF), or NULL when the line is not terminated. */
static inline const char *
line_end(const char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

static inline bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* End of @a v..@a le without its trailing blanks. */
static inline const char *
rtrim(const char *v, const char *le)
{
	while (le > v && is_wsp(le[-1]))
		le--;
	return le;
}

int
sip_peek_call_id(const char *msg, uint32_t len, struct dpv_str *out)
{
	const char *end = msg + len, *p = msg, *eol;

	/* RFC 3261 7.5: CRLFs before the start line are ignored. */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end || (eol = line_end(p, end)) == NULL)
		return -1;
	/*
	 * Header lines follow the start line. Each must be complete (end in LF): a datagram cut
	 * inside the Call-ID line has no trustworthy value. A missing blank line after complete
	 * lines is left to the parser.
	 */
	for (p = eol + 1; p < end; p = eol + 1) {
		const char *le, *name_end, *v;

		eol = line_end(p, end);
		if (eol == NULL)
			return -1;
		le = (eol > p && eol[-1] == '\r') ? eol - 1 : eol;
		if (le == p)
			return -1; /* blank line: end of the headers */
		if (is_wsp(*p))
			continue; /* a folded continuation, not a header start */
		/* The parser's own name table: full and compact forms, any case (HCOLON). */
		name_end = sip_skip_cls(p, le, SIP_C_TOKEN);
		if (sip_hdr_lookup(sip_str(p, name_end)) != SIP_HDR_CALL_ID)
			continue;
		v = name_end;
		while (v < le && is_wsp(*v))
			v++;
		if (v == le || *v != ':')
			continue;
		/* SWS after the colon may fold onto following lines. */
		for (v++; v < le && is_wsp(*v); v++)
			;
		while (v == le && eol + 1 < end && is_wsp(eol[1])) {
			p = eol + 1;
			eol = line_end(p, end);
			if (eol == NULL)
				return -1;
			le = (eol > p && eol[-1] == '\r') ? eol - 1 : eol;
			for (v = p; v < le && is_wsp(*v); v++)
				;
		}
		le = rtrim(v, le);
		if (le == v)
			return -1;
		*out = sip_str(v, le);
		return 0;
	}
	return -1;
}

void
ua_make_call_id(struct sip_ua *ua, struct ua_sess *s)
{
	/* nb_uas tries on average; the bound only guards a broken hash */
	for (unsigned i = 0; i < 64 * 1024; i++) {
		char cid[64];
		struct dpv_buf b = DPV_BUF(cid, sizeof(cid));
		struct dpv_str v;

		/* "%016llx%08x@host", by table: 16 + 8 + 1 + at most 15 bytes, it fits */
		dpv_buf_hex(&b, ua_rand(ua), 16);
		dpv_buf_hex(&b, ua->next_unique, 8);
		dpv_buf_put(&b, "@", 1);
		dpv_buf_put(&b, s->dlg.host, s->dlg.host_len);
		v = (struct dpv_str){cid, b.len};

		ua_dlg_set(s, DF_CALLID, v);
		if (sip_call_id_owner(v, ua->cfg.nb_uas) == ua->cfg.index)
			break;
	}
}
