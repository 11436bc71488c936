/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The eager fields' fast paths (parse.c) give what the general parsers give: the same return
 * code and every field (the same views, not just equal bytes) of sip_uri, sip_naddr and
 * sip_via, on every Via/From/To/Contact/Route value (whole and each list element) and
 * Request-URI of every corpus message (RFC 4475, RFC 5118, PROTOS c07-sip, the pjproject SIP
 * fuzz seeds), on seeded random mutations of them, and with the fast paths reading up to the
 * message's end or only up to the value's. sip_parse()'s eager fields match the general
 * parsers too. White box (sip_msg_int.h). Needs DPV_CORPORA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sip_msg_int.h"
#include "sip_test_helpers.h"

static unsigned n_values, n_fast_vias, n_fast_naddrs;

static uint64_t rng = 0x2545f4914f6cdd1dull; /* fixed seed: failures repeat */

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool
same(struct dpv_str a, struct dpv_str b)
{
	return a.p == b.p && a.len == b.len;
}

static void
uri_same(const struct sip_uri *a, const struct sip_uri *b, const char *what)
{
	cr_assert(same(a->raw, b->raw) && same(a->scheme_str, b->scheme_str) &&
	              a->scheme == b->scheme && same(a->user, b->user) &&
	              same(a->password, b->password) && same(a->host, b->host) &&
	              a->port == b->port && a->has_port == b->has_port &&
	              same(a->params, b->params) && same(a->headers, b->headers),
	          "%s: URI fields differ", what);
}

static void
naddr_same(const struct sip_naddr *a, const struct sip_naddr *b, const char *what)
{
	cr_assert(same(a->raw, b->raw) && same(a->display, b->display) &&
	              same(a->params, b->params) && same(a->tag, b->tag) &&
	              a->has_tag == b->has_tag && a->star == b->star,
	          "%s: name-addr fields differ", what);
	uri_same(&a->uri, &b->uri, what);
}

static void
via_same(const struct sip_via *a, const struct sip_via *b, const char *what)
{
	cr_assert(same(a->raw, b->raw) && same(a->transport, b->transport) &&
	              same(a->host, b->host) && a->port == b->port && a->has_port == b->has_port &&
	              same(a->params, b->params) && same(a->branch, b->branch) &&
	              a->has_branch == b->has_branch && same(a->received, b->received) &&
	              a->has_received == b->has_received && same(a->rport, b->rport) &&
	              a->has_rport == b->has_rport,
	          "%s: Via fields differ", what);
}

/* Every parse of @a s (inside a buffer readable up to @a lim) against the general one. */
static void
check_value(struct dpv_str s, const char *lim, const char *what)
{
	struct sip_uri u, ug;
	struct sip_naddr na, nag;
	struct sip_via v, vg;
	int rg, r;

	/* dirty records: the parsers must clear what they do not set */
	memset(&u, 0xa5, sizeof(u));
	memset(&na, 0xa5, sizeof(na));
	memset(&v, 0xa5, sizeof(v));

	rg = sip_uri_parse_general(s, &ug);
	r = sip_uri_parse(s, &u);
	cr_assert_eq(r, rg, "%s: URI parse %d, general %d", what, r, rg);
	uri_same(&u, &ug, what);

	rg = sip_naddr_parse_general(s, &nag);
	r = sip_naddr_parse(s, &na);
	cr_assert_eq(r, rg, "%s: name-addr parse %d, general %d", what, r, rg);
	naddr_same(&na, &nag, what);
	memset(&na, 0xa5, sizeof(na));
	r = sip_naddr_parse_in(s, lim, &na);
	cr_assert_eq(r, rg, "%s: name-addr parse (to the buffer's end) %d, general %d", what, r,
	             rg);
	naddr_same(&na, &nag, what);
	n_fast_naddrs += rg == 0;

	/* the URI inside the brackets, as the name-addr parse cut it */
	if (nag.uri.raw.p && nag.uri.raw.len > 0) {
		rg = sip_uri_parse_general(nag.uri.raw, &ug);
		r = sip_uri_parse(nag.uri.raw, &u);
		cr_assert_eq(r, rg, "%s: inner URI parse %d, general %d", what, r, rg);
		uri_same(&u, &ug, what);
	}

	rg = sip_via_parse_general(s, &vg);
	r = sip_via_parse(s, &v);
	cr_assert_eq(r, rg, "%s: Via parse %d, general %d", what, r, rg);
	via_same(&v, &vg, what);
	memset(&v, 0xa5, sizeof(v));
	r = sip_via_parse_in(s, lim, &v);
	cr_assert_eq(r, rg, "%s: Via parse (to the buffer's end) %d, general %d", what, r, rg);
	via_same(&v, &vg, what);
	n_fast_vias += rg == 0;
	n_values++;
}

/* Bytes a mutation draws from: the ones the grammar turns on, and some of anything. */
static char
mut_byte(void)
{
	static const char dense[] = "<>\"@:;?=,[]\\ \t\r\n/.-_+%*!~'`aZ09\x7f\x80\xff";
	uint64_t r = next_rand();

	return (r & 3) ? dense[(r >> 2) % (sizeof(dense) - 1)] : (char)(r >> 8);
}

/* @a s and seeded mutations of it, each in a buffer of its own exact size (so that the
 * sanitizers see a read past it), and once more with bytes after it up to a readable limit. */
static void
check_mutations(struct dpv_str s, const char *what)
{
	char w[96];
	uint32_t cap = s.len + 8;
	char *b = malloc(cap + 32);

	cr_assert_not_null(b);
	for (unsigned k = 0; k < 24; k++) {
		uint32_t n = s.len;

		memcpy(b, s.p, s.len);
		switch (k % 4) {
		case 0: /* change one to three bytes */
			for (unsigned j = 0; j < 1 + next_rand() % 3 && n > 0; j++)
				b[next_rand() % n] = mut_byte();
			break;
		case 1: /* cut it */
			n = n ? (uint32_t)(next_rand() % n) : 0;
			break;
		case 2: /* insert a byte */
			if (n < cap) {
				uint32_t at = (uint32_t)(next_rand() % (n + 1));
				memmove(b + at + 1, b + at, n - at);
				b[at] = mut_byte();
				n++;
			}
			break;
		default: /* delete a byte */
			if (n > 0) {
				uint32_t at = (uint32_t)(next_rand() % n);
				memmove(b + at, b + at + 1, n - at - 1);
				n--;
			}
			break;
		}
		char *x = malloc(n ? n : 1);
		cr_assert_not_null(x);
		memcpy(x, b, n);
		snprintf(w, sizeof(w), "%s, mutation %u", what, k);
		check_value(sip_str(x, x + n), x + n, w);
		free(x);
		/* with 32 bytes after it that the fast paths may read */
		for (unsigned j = 0; j < 32; j++)
			b[n + j] = mut_byte();
		check_value(sip_str(b, b + n), b + n + 32, w);
	}
	free(b);
}

static void
check_elements(const struct sip_msg *m, enum sip_hdr_type type, const char *lim, const char *what)
{
	struct sip_list_iter it;
	struct dpv_str s;
	char w[96];
	unsigned k = 0;
	int rc;

	sip_list_iter_init(&it, m, type);
	while ((rc = sip_list_next(&it, &s)) != 0 && k < 64) {
		if (rc == 1) {
			snprintf(w, sizeof(w), "%s, element %u of type %d", what, k, (int)type);
			check_value(s, lim, w);
			check_mutations(s, w);
		}
		k++;
	}
}

/* The request line's second word, as parse_request_line cuts it. */
static bool
request_uri(const char *b, uint32_t len, struct dpv_str *uri)
{
	const char *e = b + len, *p = b, *sp1, *sp2, *lf;

	while (p < e && (*p == '\r' || *p == '\n'))
		p++;
	lf = memchr(p, '\n', (size_t)(e - p));
	if (!lf)
		return false;
	sp1 = memchr(p, ' ', (size_t)(lf - p));
	if (!sp1)
		return false;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(lf - sp1 - 1));
	if (!sp2)
		return false;
	*uri = sip_str(sp1 + 1, sp2);
	return true;
}

static void
check_msg(const char *b, uint32_t len, const char *what)
{
	static struct sip_msg m;
	struct dpv_str ruri;
	char w[160];
	int rc = sip_parse(b, len, &m);
	const char *lim = b + len;

	for (unsigned i = 0; i < m.n_hdrs; i++) {
		uint8_t t = m.hdrs[i].type;

		if (t == SIP_HDR_VIA || t == SIP_HDR_FROM || t == SIP_HDR_TO ||
		    t == SIP_HDR_CONTACT || t == SIP_HDR_ROUTE || t == SIP_HDR_RECORD_ROUTE) {
			snprintf(w, sizeof(w), "%s, header %u", what, i);
			check_value(m.hdrs[i].value, lim, w);
			check_mutations(m.hdrs[i].value, w);
		}
	}
	check_elements(&m, SIP_HDR_VIA, lim, what);
	check_elements(&m, SIP_HDR_CONTACT, lim, what);
	if (request_uri(b, len, &ruri)) {
		snprintf(w, sizeof(w), "%s, Request-URI", what);
		check_value(ruri, lim, w);
		check_mutations(ruri, w);
	}

	/* sip_parse's own eager fields against the general parsers */
	if (rc == 0) {
		struct sip_naddr na;
		struct sip_via v;
		struct sip_uri u;
		struct sip_list_iter it;
		struct dpv_str s;

		cr_assert_eq(sip_naddr_parse_general(sip_msg_hdr(&m, SIP_HDR_FROM)->value, &na), 0,
		             "%s", what);
		naddr_same(&m.from, &na, what);
		cr_assert_eq(sip_naddr_parse_general(sip_msg_hdr(&m, SIP_HDR_TO)->value, &na), 0,
		             "%s", what);
		naddr_same(&m.to, &na, what);
		sip_list_iter_init(&it, &m, SIP_HDR_VIA);
		cr_assert_eq(sip_list_next(&it, &s), 1, "%s", what);
		cr_assert_eq(sip_via_parse_general(s, &v), 0, "%s", what);
		via_same(&m.via, &v, what);
		/* whole: the first Via header is one value, as the list walk sees it */
		struct dpv_str first = sip_msg_hdr(&m, SIP_HDR_VIA)->value;
		cr_assert_eq(m.via_whole, same(s, first) && !memchr(first.p, ',', first.len),
		             "%s: via_whole", what);
		if (m.is_request) {
			cr_assert(request_uri(b, len, &ruri));
			cr_assert_eq(sip_uri_parse_general(ruri, &u), 0, "%s", what);
			uri_same(&m.ruri, &u, what);
		}
	}
}

static void
check_buf(const char *data, uint32_t len, const char *what)
{
	char *b = malloc(len ? len : 1);

	cr_assert_not_null(b);
	memcpy(b, data, len);
	check_msg(b, len, what);
	free(b);
}

static void
check_path(const char *path, void *arg)
{
	uint32_t len;
	char *b = slurp(path, &len);

	(void)arg;
	check_buf(b, len, path);
	free(b);
}

Test(fastpath, rfc4475_rfc5118)
{
	corpus_dir_each("rfc4475", check_path, NULL);
	corpus_dir_each("rfc5118/archive-lf", check_path, NULL);
	corpus_dir_each("rfc5118/wire-crlf-ersip", check_path, NULL);
	cr_log_info("%u values compared (%u parse as Via, %u as name-addr)", n_values, n_fast_vias,
	            n_fast_naddrs);
}

static void
check_protos(const char *t, uint32_t tl, unsigned i, int part, void *arg)
{
	char what[64];

	(void)arg;
	snprintf(what, sizeof(what), "PROTOS case %u part %d", i, part);
	check_buf(t, tl, what);
}

Test(fastpath, protos_c07_sip, .timeout = 280)
{
	cr_assert_eq(protos_each(check_protos, NULL), 4527);
}

Test(fastpath, pjproject_sip_seeds)
{
	pjproject_sip_seeds_each(check_path, NULL);
}

/* Values of the shapes the fast paths take, and near misses, with their mutations. */
Test(fastpath, shapes)
{
	static const char *const vals[] = {
	    "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9;rport",
	    "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK1f00",
	    "sip/2.0/tcp host.example.com;received=192.0.2.9;rport=5062;branch=z9hG4bKx",
	    "SIP/2.0/UDP h;branch=\"quoted\"",
	    "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1",
	    "SIP/2.0/UDP  h : 5060 ; branch = z9 ; rport",
	    "SIP/2.0/UDP h:65536;branch=a",
	    "SIP/2.0/UDP h:123456;branch=a",
	    "SIP/2.0/UDP h;branch=;rport",
	    "SIP/2.0/UDP h;branch=a;branch=b",
	    "SIP/2.0/UDP h,SIP/2.0/TCP g",
	    "\"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl",
	    "<sip:bob@biloxi.example.com>",
	    "<sip:bob@biloxi.example.com>;tag=8321234356",
	    "<sip:alice@192.0.2.1:5060;transport=udp>",
	    "<sips:u:pw@h.example.com:5061;a=b?c=d>",
	    "<SIP:x@Y>;TAG=1",
	    "<sip:a;b@c>",
	    "<sip:@h>",
	    "<sip:h:>",
	    "<sip:h?x>;tag=",
	    "<sip:u@[::1]>",
	    "<tel:+1-555;x=y>",
	    "<mailto:a@b>",
	    "\"a\\\"b\" <sip:h>",
	    "Bob <sip:bob@h>",
	    "sip:bob@h;tag=1",
	    "*",
	    "<sip:a@very.long.host.name.example.com.with.many.labels.and.more.labels.to.pass.64>",
	    "sip:bob@biloxi.example.com",
	    "sip:h",
	    "sips:a@b:1;c?d",
	};
	char what[64];

	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint32_t n = (uint32_t)strlen(vals[i]);
		char *b = malloc(n ? n : 1);

		cr_assert_not_null(b);
		memcpy(b, vals[i], n);
		snprintf(what, sizeof(what), "shape %u", i);
		check_value(sip_str(b, b + n), b + n, what);
		for (unsigned k = 0; k < 200; k++)
			check_mutations(sip_str(b, b + n), what);
		free(b);
	}
	cr_log_info("%u values compared", n_values);
}
