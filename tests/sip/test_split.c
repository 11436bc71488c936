/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip_parse()'s two framings agree (sip_msg_int.h: sip_frame_avx2, sip_parse_split_general):
 * the AVX2 loop with its straight path for the common header line gives what the general loop
 * gives, on every corpus message (RFC 4475, RFC 5118, PROTOS c07-sip, the pjproject SIP fuzz
 * seeds), on seeded random mutations of them and on generated header sections: the same
 * result code, header table (names, values, types, links, first[]), flags, start line, body
 * and eager fields. Each input sits in a buffer of exactly its size, at every alignment, so
 * that the sanitizers see a read past it. White box. Needs DPV_CORPORA for the corpus tests;
 * on a CPU without AVX2/BMI2 the framings are one and the comparisons are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sip_msg_int.h"
#include "sip_test_helpers.h"

static unsigned n_msgs, n_ok;

static bool
fast_available(void)
{
	bool on;

	(void)sip_parse_split_general(false);
	on = sip_frame_avx2;
	return on;
}

static bool
str_same(struct dpv_str a, struct dpv_str b)
{
	return a.p == b.p && a.len == b.len;
}

static bool
uri_same(const struct sip_uri *a, const struct sip_uri *b)
{
	return str_same(a->raw, b->raw) && a->scheme == b->scheme &&
	       str_same(a->scheme_str, b->scheme_str) && str_same(a->user, b->user) &&
	       str_same(a->password, b->password) && str_same(a->host, b->host) &&
	       a->port == b->port && a->has_port == b->has_port && str_same(a->params, b->params) &&
	       str_same(a->headers, b->headers);
}

static bool
naddr_same(const struct sip_naddr *a, const struct sip_naddr *b)
{
	return str_same(a->raw, b->raw) && str_same(a->display, b->display) &&
	       uri_same(&a->uri, &b->uri) && str_same(a->params, b->params) &&
	       str_same(a->tag, b->tag) && a->has_tag == b->has_tag && a->star == b->star;
}

static bool
via_same(const struct sip_via *a, const struct sip_via *b)
{
	return str_same(a->raw, b->raw) && str_same(a->transport, b->transport) &&
	       str_same(a->host, b->host) && a->port == b->port && a->has_port == b->has_port &&
	       str_same(a->branch, b->branch) && a->has_branch == b->has_branch &&
	       str_same(a->received, b->received) && a->has_received == b->has_received &&
	       str_same(a->rport, b->rport) && a->has_rport == b->has_rport &&
	       str_same(a->params, b->params);
}

/* sip_parse() of [b, b + len) with the general framing and with the AVX2 one: the same. */
static void
check_parse(const char *b, uint32_t len, const char *what)
{
	static struct sip_msg ref, m;
	int rc_ref, rc;

	memset(&ref, 0xa5, sizeof(ref)); /* what neither parse writes stays the same too */
	memset(&m, 0xa5, sizeof(m));
	(void)sip_parse_split_general(true);
	cr_assert(!sip_frame_avx2);
	rc_ref = sip_parse(b, len, &ref);
	(void)sip_parse_split_general(false);
	cr_assert(sip_frame_avx2);
	rc = sip_parse(b, len, &m);

	cr_assert_eq(rc, rc_ref, "%s: the AVX2 framing parses %d, the general one %d", what, rc,
	             rc_ref);
	cr_assert_eq(m.n_hdrs, ref.n_hdrs, "%s: %u headers, expected %u", what, m.n_hdrs,
	             ref.n_hdrs);
	cr_assert_eq(memcmp(m.first, ref.first, sizeof(m.first)), 0, "%s: first[] differs", what);
	for (unsigned i = 0; i < m.n_hdrs; i++) {
		const struct sip_hdr *x = &m.hdrs[i], *y = &ref.hdrs[i];

		cr_assert(str_same(x->name, y->name) && str_same(x->value, y->value) &&
		              x->type == y->type && x->next == y->next,
		          "%s: header %u differs: '%.*s' (%u bytes at %td) type %u next %u, "
		          "expected '%.*s' (%u bytes at %td) type %u next %u",
		          what, i, (int)x->name.len, x->name.p, x->value.len, x->value.p - b,
		          x->type, x->next, (int)y->name.len, y->name.p, y->value.len,
		          y->value.p - b, y->type, y->next);
	}
	for (unsigned i = m.n_hdrs; i < SIP_MAX_HEADERS; i++) /* entries past the table untouched */
		cr_assert_eq(memcmp(&m.hdrs[i], &ref.hdrs[i], sizeof(m.hdrs[i])), 0, "%s: hdrs[%u]",
		             what, i);
	cr_assert(m.buf == ref.buf && m.len == ref.len && m.flags == ref.flags &&
	              m.is_request == ref.is_request && m.method == ref.method &&
	              str_same(m.method_str, ref.method_str) && uri_same(&m.ruri, &ref.ruri) &&
	              m.status == ref.status && str_same(m.reason, ref.reason),
	          "%s: start line or flags differ (flags %x, expected %x)", what, m.flags,
	          ref.flags);
	cr_assert(via_same(&m.via, &ref.via) && m.via_whole == ref.via_whole &&
	              naddr_same(&m.from, &ref.from) && naddr_same(&m.to, &ref.to) &&
	              str_same(m.call_id, ref.call_id) && m.cseq == ref.cseq &&
	              m.cseq_method == ref.cseq_method &&
	              str_same(m.cseq_method_str, ref.cseq_method_str) &&
	              m.max_forwards == ref.max_forwards &&
	              m.content_length == ref.content_length &&
	              str_same(m.content_type, ref.content_type) && str_same(m.body, ref.body) &&
	              m.tx_hash == ref.tx_hash && m.tx_hash_as == ref.tx_hash_as,
	          "%s: eager fields or body differ", what);
	n_msgs++;
	n_ok += rc == 0;
}

/* At every alignment of the buffer's start modulo 64 (a few for big inputs), each in a heap
 * block that ends where the message does, so that the sanitizers catch a read past it. */
static void
check_buf(const char *data, uint32_t len, const char *what)
{
	unsigned step = len > 2048 ? 13 : 1;

	for (unsigned a = 0; a < 64; a += step) {
		char *blk = malloc(len + a ? len + a : 1), *b = blk + a;

		cr_assert_not_null(blk);
		memcpy(b, data, len);
		check_parse(b, len, what);
		free(blk);
	}
}

static uint64_t rng = 0x243f6a8885a308d3ull; /* fixed seed: failures repeat */

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The bytes framing turns on, and a few letters that make and break known names. */
static const char dense[] = "\r\n \t:\0aAvVcCiI-;,<>\"xX\x80\xff";

/* @a nmut random edits of [data, data + len): a byte changed (to a dense one or any), one
 * inserted, one removed, a run duplicated, the end cut, a name's case flipped. */
static void
check_mutations(const char *data, uint32_t len, unsigned nmut, const char *what)
{
	static char buf[SIP_MAX_MSG_LEN + 256];
	char w[300];

	if (len + 128 > sizeof(buf))
		return;
	for (unsigned k = 0; k < nmut; k++) {
		uint32_t n = len;
		unsigned edits = 1 + (unsigned)(next_rand() % 4);

		memcpy(buf, data, len);
		for (unsigned j = 0; j < edits && n > 0; j++) {
			uint32_t at = (uint32_t)(next_rand() % n);
			uint64_t r = next_rand();

			switch (r % 7) {
			case 0:
			case 1:
				buf[at] = dense[(r >> 8) % (sizeof(dense) - 1)];
				break;
			case 2:
				buf[at] = (char)(r >> 8);
				break;
			case 3:
				if (n + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = dense[(r >> 8) % (sizeof(dense) - 1)];
					n++;
				}
				break;
			case 4:
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
				break;
			case 5: {
				uint32_t run = (uint32_t)((r >> 8) % 40);
				if (run > n - at)
					run = n - at;
				if (n + run < sizeof(buf)) {
					memmove(buf + at + run, buf + at, n - at);
					n += run;
				}
				break;
			}
			default:
				if ((buf[at] | 0x20) >= 'a' && (buf[at] | 0x20) <= 'z')
					buf[at] ^= 0x20;
				else
					n = at; /* cut */
				break;
			}
		}
		snprintf(w, sizeof(w), "%s, mutation %u", what, k);
		char *exact = malloc(n ? n : 1);
		cr_assert_not_null(exact);
		memcpy(exact, buf, n);
		check_parse(exact, n, w);
		free(exact);
	}
}

static void
check_file(const char *path, void *arg)
{
	uint32_t len;
	char *b = slurp(path, &len);
	unsigned nmut = arg ? *(unsigned *)arg : 0;

	check_buf(b, len, path);
	check_mutations(b, len, nmut, path);
	free(b);
}

Test(split, rfc4475_rfc5118)
{
	unsigned nmut = 300;

	if (!fast_available())
		cr_skip_test("no AVX2/BMI2: one framing only");
	corpus_dir_each("rfc4475", check_file, &nmut);
	corpus_dir_each("rfc5118/archive-lf", check_file, &nmut);
	corpus_dir_each("rfc5118/wire-crlf-ersip", check_file, &nmut);
	(void)sip_parse_split_general(false);
	cr_log_info("%u parses compared, %u of them 0", n_msgs, n_ok);
}

static void
check_protos(const char *t, uint32_t tl, unsigned i, int part, void *arg)
{
	char what[64];
	char *exact = malloc(tl ? tl : 1);

	(void)arg;
	snprintf(what, sizeof(what), "PROTOS case %u part %d", i, part);
	cr_assert_not_null(exact);
	memcpy(exact, t, tl);
	check_parse(exact, tl, what);
	free(exact);
	check_mutations(t, tl, 2, what);
}

Test(split, protos_c07_sip, .timeout = 280)
{
	if (!fast_available())
		cr_skip_test("no AVX2/BMI2: one framing only");
	cr_assert_eq(protos_each(check_protos, NULL), 4527);
	(void)sip_parse_split_general(false);
}

Test(split, pjproject_sip_seeds)
{
	unsigned nmut = 20;

	if (!fast_available())
		cr_skip_test("no AVX2/BMI2: one framing only");
	pjproject_sip_seeds_each(check_file, &nmut);
	(void)sip_parse_split_general(false);
}

/*
 * Generated header sections: lines of known names (full, compact, any case, one byte off),
 * unknown ones, whitespace around the colon and the value, folds, bare LFs and CRs, long
 * lines that cross windows, empty values, then the blank line or the end at any byte.
 */
Test(split, generated)
{
	static const char *const names[] = {
	    "Via",
	    "v",
	    "From",
	    "f",
	    "To",
	    "t",
	    "Call-ID",
	    "i",
	    "CSeq",
	    "Max-Forwards",
	    "Content-Length",
	    "l",
	    "Content-Type",
	    "c",
	    "Contact",
	    "m",
	    "Record-Route",
	    "Route",
	    "User-Agent",
	    "RSeq",
	    "RAck",
	    "WWW-Authenticate",
	    "Proxy-Authorization",
	    "Session-Expires",
	    "Content-Encoding",
	    "X-Custom",
	    "Viaa",
	    "Vi",
	    "Call-Id",
	    "CALL-ID",
	    "content-lengtH",
	    "Supported",
	    "X",
	    "Allow-Events",
	    "Proxy-Authenticate",
	    "Contact2",
	};
	static const char *const harmless[] = {
	    "Route",   "User-Agent", "Supported", "X-Custom", "Record-Route", "RSeq", "m",
	    "Contact", "k",          "Subject",   "s",        "Date",         "X",    "Allow",
	};
	static const char *const seps[] = {": ", ":", " : ", ":  ", ":\t", "\t:", ": \t"};
	static const char *const ends[] = {"\r\n", "\r\n", "\r\n", "\n", "\r\n ", "\r\n\t", "\r"};
	static char buf[8192];
	char what[64];

	if (!fast_available())
		cr_skip_test("no AVX2/BMI2: one framing only");
	for (unsigned k = 0; k < 30000; k++) {
		uint32_t n = 0;
		unsigned lines = (unsigned)(next_rand() % 24);

		n += (uint32_t)snprintf(buf, sizeof(buf), "%s",
		                        k % 3 == 2
		                            ? "SIP/2.0 200 OK\r\n"
		                            : "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n");
		bool valid =
		    k % 4 == 0; /* a message that parses: the eager lines, then harmless ones */
		if (valid)
			n += (uint32_t)snprintf(
			    buf + n, sizeof(buf) - n,
			    "Via: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: "
			    "<sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x@y\r\n"
			    "CSeq: 1 %s\r\n",
			    "INVITE");
		for (unsigned i = 0; i < lines && n < sizeof(buf) - 600; i++) {
			uint64_t r = next_rand();
			const char *nm =
			    valid ? harmless[r % (sizeof(harmless) / sizeof(harmless[0]))]
			          : names[r % (sizeof(names) / sizeof(names[0]))];
			const char *sep = (r >> 8) % 4 ? ": " : seps[(r >> 12) % 7];
			const char *end = (r >> 16) % 5 ? "\r\n" : ends[(r >> 20) % 7];
			unsigned vlen = (unsigned)((r >> 24) % ((r >> 40) % 8 == 0 ? 200 : 40));
			bool noisy = !valid || (r >> 52) % 8 == 0;
			size_t nl = strlen(nm);

			memcpy(buf + n, nm, nl);
			for (size_t j = 0; j < nl && (r >> 44) % 3 == 0; j++)
				if ((next_rand() & 3) == 0 && ((buf[n + j] | 0x20) >= 'a'))
					buf[n + j] ^= 0x20;
			n += (uint32_t)nl;
			n += (uint32_t)snprintf(buf + n, sizeof(buf) - n, "%s", sep);
			for (unsigned j = 0; j < vlen; j++) {
				uint64_t c = next_rand();
				buf[n++] = noisy && c % 11 == 0 ? dense[(c >> 8) % 6]
				                                : (char)('a' + (c >> 8) % 26);
			}
			if ((r >> 48) % 6 == 0)
				buf[n++] = ' ';
			n += (uint32_t)snprintf(buf + n, sizeof(buf) - n, "%s", end);
		}
		if (k % 4 != 3)
			n += (uint32_t)snprintf(buf + n, sizeof(buf) - n, "\r\n%s",
			                        k % 2 ? "v=0\r\n" : "");
		if (k % 5 == 4 && n > 0)
			n = (uint32_t)(next_rand() % n);
		snprintf(what, sizeof(what), "generated %u (%u bytes)", k, n);
		char *exact = malloc(n ? n : 1);
		cr_assert_not_null(exact);
		memcpy(exact, buf, n);
		check_parse(exact, n, what);
		free(exact);
	}
	(void)sip_parse_split_general(false);
	cr_log_info("%u parses compared, %u of them 0", n_msgs, n_ok);
}

/* The framing in force follows the scan variant: the AVX2 loop only with AVX2 selected. */
Test(split, selection)
{
	int was = sip_parse_split_general(false);

	cr_assert_eq(was, 0);
	if (sip_scan_select(SIP_SCAN_SWAR) == 0)
		cr_assert(!sip_frame_avx2);
	if (sip_scan_select(SIP_SCAN_AVX2) == 0) {
		cr_assert_eq(sip_parse_split_general(true), 0);
		cr_assert(!sip_frame_avx2);
		cr_assert_eq(sip_parse_split_general(false), 1);
	}
	cr_assert_eq(sip_scan_select(sip_scan_best()), 0);
}

/*
 * Start lines, each followed by a valid header section long enough for the AVX2 path's one
 * 64-byte scan: known and unknown methods, SPs and HTs in every place, CR and NUL inside,
 * versions and status codes just off, and random edits of them.
 */
Test(split, start_lines)
{
	static const char *const lines[] = {
	    "INVITE sip:bob@biloxi.example.com SIP/2.0",
	    "ACK sip:a@b SIP/2.0",
	    "BYE sip:a@b SIP/2.0",
	    "CANCEL sip:a@b SIP/2.0",
	    "OPTIONS sip:a@b SIP/2.0",
	    "REGISTER sip:a@b SIP/2.0",
	    "SUBSCRIBE sip:a@b SIP/2.0",
	    "SUBSCRIBX sip:a@b SIP/2.0",
	    "MESSAGE sip:a@b SIP/2.0",
	    "NOTIFY sip:a@b SIP/2.0",
	    "PRACK sip:a@b SIP/2.0",
	    "REFER sip:a@b SIP/2.0",
	    "INFO sip:a@b SIP/2.0",
	    "UPDATE sip:a@b SIP/2.0",
	    "invite sip:a@b SIP/2.0",
	    "FOO-BAR.baz sip:a@b SIP/2.0",
	    "INV(TE sip:a@b SIP/2.0",
	    " INVITE sip:a@b SIP/2.0",
	    "INVITE  sip:a@b SIP/2.0",
	    "INVITE sip:a@b  SIP/2.0",
	    "INVITE sip:a@b SIP/2.0 ",
	    "INVITE sip:a@b SIP/2.0\t",
	    "INVITE\tsip:a@b SIP/2.0",
	    "INVITE sip:a@b\tSIP/2.0",
	    "INVITE sip:a@b SIP/3.0",
	    "INVITE sip:a@b sip/2.0",
	    "INVITE sip:a@b SIP/",
	    "INVITE sip:a@b HTTP/1.1",
	    "INVITE sip:a@b?x=y SIP/2.0",
	    "INVITE <sip:a@b> SIP/2.0",
	    "INVITE",
	    "INVITE ",
	    "INVITE sip:a@b",
	    "INVITE  SIP/2.0",
	    "INVITE sip:a@b SIP/2.0\tx",
	    "INVITE sip:a@b SIP/\t2.0",
	    "SIP/2.0 200\tOK",
	    "SIP/2.0\t200 OK",
	    "SIP/2.0 200 OK",
	    "SIP/2.0 100 Trying",
	    "SIP/2.0 699 x",
	    "SIP/2.0 700 x",
	    "SIP/2.0 099 x",
	    "SIP/2.0 20x OK",
	    "SIP/2.0 2000 OK",
	    "SIP/2.0 200",
	    "SIP/2.0 20",
	    "SIP/2.0  200 OK",
	    "SIP/2.1 200 OK",
	    "sip/2.0 200 OK",
	    "SIP/2.0",
	    "SIP/",
	    "SIP",
	    "INVITE sip:a@b SIP/2.0 and a start line that runs past the first 64 bytes",
	};
	static const char hdrs[] = "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n"
	                           "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x@y\r\n"
	                           "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	static char buf[1024];
	char what[128];

	if (!fast_available())
		cr_skip_test("no AVX2/BMI2: one framing only");
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		for (unsigned form = 0; form < 4; form++) {
			/* CRLF, bare LF, CR inside, NUL inside */
			int n = snprintf(buf, sizeof(buf), "%s%s%s", form == 0 ? "" : "\r\n",
			                 lines[i], form == 1 ? "\n" : "\r\n");
			memcpy(buf + n, hdrs, sizeof(hdrs) - 1);
			n += (int)sizeof(hdrs) - 1;
			if (form >= 2 && strlen(lines[i]) > 3)
				buf[(form == 2 ? 2 : 0) + 3] = form == 2 ? '\r' : '\0';
			snprintf(what, sizeof(what), "start line '%s' form %u", lines[i], form);
			check_buf(buf, (uint32_t)n, what);
			check_mutations(buf, (uint32_t)n, 200, what);
		}
	}
	(void)sip_parse_split_general(false);
}
