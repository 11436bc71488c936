/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The parser's structural scanners (scan.c) agree: every variant this CPU can run gives the
 * LF and colon masks a plain byte loop gives, at every offset of every corpus message (RFC
 * 4475, RFC 5118, PROTOS c07-sip, the pjproject SIP fuzz seeds) and of seeded random bytes;
 * and sip_parse() gives the same result whichever variant it runs on. White box (sip_msg_int.h).
 * Needs DPV_CORPORA for the corpus tests.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sip_msg_int.h"
#include "sip_test_helpers.h"

static unsigned n_bufs, n_blocks;

/* The definition the variants must meet, byte by byte. */
static struct sip_scan_masks
scan_ref(const char *p, uint32_t n)
{
	struct sip_scan_masks out = {0, 0};

	for (uint32_t i = 0; i < n && i < 64; i++) {
		if (p[i] == '\n')
			out.lf |= 1ull << i;
		if (p[i] == ':')
			out.colon |= 1ull << i;
	}
	return out;
}

/* Every start offset for messages up to 4 KB; beyond, a stride prime to 64 so that block
 * starts still fall on every alignment. */
static void
check_masks(const char *b, uint32_t len, const char *what)
{
	uint32_t step = len <= 4096 ? 1 : 61;

	for (int v = 0; v < SIP_SCAN_N; v++) {
		sip_scan_fn fn = sip_scan_get((enum sip_scan_variant)v);
		if (!fn)
			continue;
		for (uint32_t off = 0; off <= len; off += step) {
			uint32_t n = len - off < 64 ? len - off : 64;
			struct sip_scan_masks got = fn(b + off, n), want = scan_ref(b + off, n);

			cr_assert(
			    got.lf == want.lf && got.colon == want.colon,
			    "%s: %s at offset %u (%u bytes): lf %016llx colon %016llx, expected "
			    "%016llx %016llx",
			    what, sip_scan_name((enum sip_scan_variant)v), off, n,
			    (unsigned long long)got.lf, (unsigned long long)got.colon,
			    (unsigned long long)want.lf, (unsigned long long)want.colon);
			n_blocks++;
		}
	}
}

static bool
str_same(struct dpv_str a, struct dpv_str b)
{
	return a.p == b.p && a.len == b.len;
}

/* sip_parse() on every variant: the same result, header table and eager fields. */
static void
check_parse(const char *b, uint32_t len, const char *what)
{
	static struct sip_msg ref, m;
	int rc_ref;

	cr_assert_eq(sip_scan_select(SIP_SCAN_SWAR), 0);
	rc_ref = sip_parse(b, len, &ref);
	for (int v = SIP_SCAN_SWAR + 1; v < SIP_SCAN_N; v++) {
		if (sip_scan_select((enum sip_scan_variant)v) != 0)
			continue;
		int rc = sip_parse(b, len, &m);
		const char *vn = sip_scan_name((enum sip_scan_variant)v);

		cr_assert_eq(rc, rc_ref, "%s: %s parses %d, swar %d", what, vn, rc, rc_ref);
		cr_assert_eq(m.n_hdrs, ref.n_hdrs, "%s: %s", what, vn);
		cr_assert_eq(memcmp(m.first, ref.first, sizeof(m.first)), 0, "%s: %s", what, vn);
		for (unsigned i = 0; i < m.n_hdrs; i++)
			cr_assert(str_same(m.hdrs[i].name, ref.hdrs[i].name) &&
			              str_same(m.hdrs[i].value, ref.hdrs[i].value) &&
			              m.hdrs[i].type == ref.hdrs[i].type &&
			              m.hdrs[i].next == ref.hdrs[i].next,
			          "%s: %s: header %u differs", what, vn, i);
		cr_assert(m.flags == ref.flags && m.method == ref.method &&
		              m.status == ref.status && str_same(m.ruri.raw, ref.ruri.raw) &&
		              str_same(m.via.branch, ref.via.branch) &&
		              str_same(m.from.tag, ref.from.tag) &&
		              str_same(m.to.tag, ref.to.tag) && str_same(m.call_id, ref.call_id) &&
		              m.cseq == ref.cseq && m.content_length == ref.content_length &&
		              str_same(m.body, ref.body),
		          "%s: %s: eager fields differ", what, vn);
	}
	cr_assert_eq(sip_scan_select(sip_scan_best()), 0);
}

/* Copied to a buffer of exactly @a len bytes so that the sanitizers see any read past it. */
static void
check_buf(const char *data, uint32_t len, const char *what)
{
	char *b = malloc(len ? len : 1);

	cr_assert_not_null(b);
	memcpy(b, data, len);
	check_masks(b, len, what);
	check_parse(b, len, what);
	free(b);
	n_bufs++;
}

static void
check_file(const char *path)
{
	uint32_t len;
	char *b = slurp(path, &len);

	check_buf(b, len, path);
	free(b);
}

Test(scan, variants)
{
	/* the load-time choice is the best this CPU has, and SWAR is always there */
	cr_assert(sip_scan_available(SIP_SCAN_SWAR));
	if (!getenv("DPV_SIP_SCAN")) /* the override bench_parse uses to compare variants */
		cr_assert_eq(sip_scan_block, sip_scan_get(sip_scan_best()));
	for (int v = 0; v < SIP_SCAN_N; v++)
		cr_log_info("scan variant %s: %s", sip_scan_name((enum sip_scan_variant)v),
		            sip_scan_available((enum sip_scan_variant)v) ? "available" : "no");
	cr_assert_eq(sip_scan_select(SIP_SCAN_N), -1);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull; /* fixed seed: failures repeat */

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random bytes, one buffer in two drawn mostly from the bytes the scanners and the parser
 * care about (LF CR SP HT ':' NUL and a few letters) so that lines, folds and colons are
 * dense, and the rest uniform over all 256 values. */
Test(scan, random_bytes)
{
	static const char dense[] = "\n\r \t::\0aVv-;,<>\"\x80\xff";
	static char buf[1024];
	char what[64];

	for (unsigned k = 0; k < 20000; k++) {
		uint32_t len = (uint32_t)(next_rand() % sizeof(buf));
		bool skew = k & 1;

		for (uint32_t i = 0; i < len; i++) {
			uint64_t r = next_rand();
			buf[i] = skew ? dense[r % (sizeof(dense) - 1)] : (char)(r & 0xff);
		}
		snprintf(what, sizeof(what), "random buffer %u (%u bytes)", k, len);
		check_buf(buf, len, what);
	}
	/* the same with a valid request line, so that the header split runs on the noise */
	for (unsigned k = 0; k < 5000; k++) {
		static const char start[] = "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n";
		uint32_t len = (uint32_t)(sizeof(start) - 1 + next_rand() % 512);

		memcpy(buf, start, sizeof(start) - 1);
		for (uint32_t i = sizeof(start) - 1; i < len; i++)
			buf[i] = dense[next_rand() % (sizeof(dense) - 1)];
		snprintf(what, sizeof(what), "random headers %u (%u bytes)", k, len);
		check_buf(buf, len, what);
	}
}

static void
check_path(const char *path, void *arg)
{
	(void)arg;
	check_file(path);
}

static void
check_dir(const char *sub)
{
	corpus_dir_each(sub, check_path, NULL);
}

Test(scan, rfc4475_rfc5118)
{
	check_dir("rfc4475");
	check_dir("rfc5118/archive-lf");
	check_dir("rfc5118/wire-crlf-ersip");
	cr_log_info("%u messages, %u blocks compared", n_bufs, n_blocks);
}

static void
check_protos(const char *t, uint32_t tl, unsigned i, int part, void *arg)
{
	char what[64];

	(void)arg;
	snprintf(what, sizeof(what), "PROTOS case %u part %d", i, part);
	check_buf(t, tl, what);
}

Test(scan, protos_c07_sip, .timeout = 280)
{
	cr_assert_eq(protos_each(check_protos, NULL), 4527);
}

static void
check_seed(const char *path, void *arg)
{
	(void)arg;
	check_file(path);
}

Test(scan, pjproject_sip_seeds)
{
	pjproject_sip_seeds_each(check_seed, NULL);
}

/* The table lookups the fast paths use give what the names say, in any case, and nothing
 * for near misses (a byte more, less or changed). */
Test(scan, name_tables)
{
	static const struct {
		const char *name;
		enum sip_hdr_type type;
	} names[] = {
	    {"Via", SIP_HDR_VIA},
	    {"v", SIP_HDR_VIA},
	    {"From", SIP_HDR_FROM},
	    {"f", SIP_HDR_FROM},
	    {"To", SIP_HDR_TO},
	    {"t", SIP_HDR_TO},
	    {"Call-ID", SIP_HDR_CALL_ID},
	    {"i", SIP_HDR_CALL_ID},
	    {"CSeq", SIP_HDR_CSEQ},
	    {"Max-Forwards", SIP_HDR_MAX_FORWARDS},
	    {"Content-Length", SIP_HDR_CONTENT_LENGTH},
	    {"l", SIP_HDR_CONTENT_LENGTH},
	    {"Content-Type", SIP_HDR_CONTENT_TYPE},
	    {"c", SIP_HDR_CONTENT_TYPE},
	    {"Content-Encoding", SIP_HDR_CONTENT_ENCODING},
	    {"e", SIP_HDR_CONTENT_ENCODING},
	    {"Contact", SIP_HDR_CONTACT},
	    {"m", SIP_HDR_CONTACT},
	    {"Route", SIP_HDR_ROUTE},
	    {"Record-Route", SIP_HDR_RECORD_ROUTE},
	    {"Require", SIP_HDR_REQUIRE},
	    {"Proxy-Require", SIP_HDR_PROXY_REQUIRE},
	    {"Supported", SIP_HDR_SUPPORTED},
	    {"k", SIP_HDR_SUPPORTED},
	    {"Unsupported", SIP_HDR_UNSUPPORTED},
	    {"Allow", SIP_HDR_ALLOW},
	    {"Accept", SIP_HDR_ACCEPT},
	    {"Expires", SIP_HDR_EXPIRES},
	    {"Subject", SIP_HDR_SUBJECT},
	    {"s", SIP_HDR_SUBJECT},
	    {"Event", SIP_HDR_EVENT},
	    {"o", SIP_HDR_EVENT},
	    {"Allow-Events", SIP_HDR_ALLOW_EVENTS},
	    {"u", SIP_HDR_ALLOW_EVENTS},
	    {"Refer-To", SIP_HDR_REFER_TO},
	    {"r", SIP_HDR_REFER_TO},
	    {"Referred-By", SIP_HDR_REFERRED_BY},
	    {"b", SIP_HDR_REFERRED_BY},
	    {"Session-Expires", SIP_HDR_SESSION_EXPIRES},
	    {"x", SIP_HDR_SESSION_EXPIRES},
	    {"Identity", SIP_HDR_IDENTITY},
	    {"y", SIP_HDR_IDENTITY},
	    {"Authorization", SIP_HDR_AUTHORIZATION},
	    {"Proxy-Authorization", SIP_HDR_PROXY_AUTHORIZATION},
	    {"WWW-Authenticate", SIP_HDR_WWW_AUTHENTICATE},
	    {"Proxy-Authenticate", SIP_HDR_PROXY_AUTHENTICATE},
	    {"RSeq", SIP_HDR_RSEQ},
	    {"RAck", SIP_HDR_RACK},
	    {"Timestamp", SIP_HDR_TIMESTAMP},
	    {"User-Agent", SIP_HDR_USER_AGENT},
	    {"Server", SIP_HDR_SERVER},
	    {"Warning", SIP_HDR_WARNING},
	    {"Reason", SIP_HDR_REASON},
	    {"Date", SIP_HDR_DATE},
	};
	char buf[64], msg[256];

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].name);

		for (int form = 0; form < 3; form++) {
			for (size_t k = 0; k < n; k++) {
				char c = names[i].name[k];
				buf[k] = form == 0   ? c
				         : form == 1 ? (char)tolower(c)
				                     : (char)toupper(c);
			}
			cr_assert_eq(sip_hdr_lookup((struct dpv_str){buf, (uint32_t)n}),
			             names[i].type, "%.*s", (int)n, buf);
			/* the same name inside a message, where the parser's own lookup runs */
			int len = snprintf(msg, sizeof(msg),
			                   "OPTIONS sip:a@b SIP/2.0\r\n%.*s: x\r\nX: 1\r\n\r\n",
			                   (int)n, buf);
			struct sip_msg m;
			(void)sip_parse(msg, (uint32_t)len, &m);
			cr_assert_eq(m.hdrs[0].type, names[i].type, "%s in a message", buf);
			cr_assert_eq(m.hdrs[0].name.len, n);
		}
		memcpy(buf, names[i].name, n);
		buf[n] = 'x';
		cr_assert_eq(sip_hdr_lookup((struct dpv_str){buf, (uint32_t)n + 1}), SIP_HDR_OTHER);
		cr_assert_eq(sip_hdr_lookup((struct dpv_str){buf + 1, (uint32_t)n - 1}) ==
		                 names[i].type,
		             false, "%s less its first byte", names[i].name);
		for (size_t k = 0; k < n; k++) {
			memcpy(buf, names[i].name, n);
			buf[k] ^= 0x01;
			cr_assert_neq(sip_hdr_lookup((struct dpv_str){buf, (uint32_t)n}),
			              names[i].type, "%.*s", (int)n, buf);
			buf[k] = '\r'; /* not a letter: must not fold onto '-' or a letter */
			cr_assert_neq(sip_hdr_lookup((struct dpv_str){buf, (uint32_t)n}),
			              names[i].type, "%.*s", (int)n, buf);
		}
	}
	for (int meth = SIP_METHOD_UNKNOWN + 1; meth < SIP_METHOD_MAX; meth++) {
		const char *nm = sip_method_name((enum sip_method)meth);
		size_t n = strlen(nm);

		cr_assert_eq(sip_method_from_str((struct dpv_str){nm, (uint32_t)n}), meth, "%s",
		             nm);
		for (size_t k = 0; k < n; k++) {
			memcpy(buf, nm, n);
			buf[k] = (char)tolower(buf[k]); /* methods are case-sensitive */
			cr_assert_eq(sip_method_from_str((struct dpv_str){buf, (uint32_t)n}),
			             SIP_METHOD_UNKNOWN, "%.*s", (int)n, buf);
		}
		cr_assert_eq(sip_method_from_str((struct dpv_str){nm, (uint32_t)n - 1}),
		             SIP_METHOD_UNKNOWN);
	}
}

/* Call-ID = word ["@" word] (RFC 3261 25.1), checked in runs rather than byte by byte. */
Test(scan, call_id_forms)
{
	static const struct {
		const char *id;
		bool ok;
	} ids[] = {
	    {"a", true},
	    {"a@b", true},
	    {"abc@def.example", true},
	    {"@b", false},
	    {"a@", false},
	    {"a@@b", false},
	    {"a@b@c", false},
	    {"@", false},
	    {"a b", false},
	    {"(x)@[y]", true},
	    {"a\"b", true},
	    {"a;b", false},
	    {"3848276298220188511@atlanta.example.com", true},
	};
	char msg[512];

	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int len =
		    snprintf(msg, sizeof(msg),
		             "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
		             "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: %s\r\n"
		             "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		             ids[i].id);
		struct sip_msg m;
		int rc = sip_parse(msg, (uint32_t)len, &m);
		cr_assert_eq(rc, ids[i].ok ? 0 : SIP_PERR_CALL_ID, "Call-ID %s: %d", ids[i].id, rc);
	}
}

/* Ports are read as their digits go by: the same range and length limits as before. */
Test(scan, port_forms)
{
	static const struct {
		const char *port;
		bool ok;
	} ports[] = {
	    {"5060", true},    {"0", true},       {"65535", true},  {"65536", false},
	    {"00080", true},   {"000080", false}, {"99999", false}, {"", false},
	    {"123456", false}, {"1x", false},
	};
	char msg[512];

	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		const char *pt = ports[i].port;
		int len = snprintf(
		    msg, sizeof(msg),
		    "OPTIONS sip:a@b:%s SIP/2.0\r\nVia: SIP/2.0/UDP h:%s;branch=z9hG4bKx\r\n"
		    "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
		    "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		    pt, pt);
		struct sip_msg m;
		int rc = sip_parse(msg, (uint32_t)len, &m);
		cr_assert_eq(rc, ports[i].ok ? 0 : SIP_PERR_RURI, "port \"%s\": %d", pt, rc);
		/* the same port in the Via only */
		len =
		    snprintf(msg, sizeof(msg),
		             "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h:%s;branch=z9hG4bKx\r\n"
		             "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
		             "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		             pt);
		rc = sip_parse(msg, (uint32_t)len, &m);
		cr_assert_eq(rc, ports[i].ok ? 0 : SIP_PERR_VIA, "Via port \"%s\": %d", pt, rc);
		if (ports[i].ok)
			cr_assert_eq(m.via.port, (uint16_t)strtoul(pt, NULL, 10));
	}
}

/* Hosts are scanned 16 bytes at a time: a host of any length up to 80 with a byte outside
 * the host alphabet at any place must fail exactly where the byte-at-a-time rule says. */
Test(scan, host_runs)
{
	static const char alpha[] = "aZ09-._!~%\x80";
	char uri[128], what[160];

	for (unsigned k = 0; k < 20000; k++) {
		uint32_t n = 1 + (uint32_t)(next_rand() % 80);
		bool ok = true;

		memcpy(uri, "sip:", 4);
		for (uint32_t i = 0; i < n; i++) {
			/* mostly host bytes, so that long valid runs and late failures both occur
			 */
			uint64_t r = next_rand();
			char c = r % 8 ? alpha[r % 7] : alpha[7 + (r >> 8) % 4];
			uri[4 + i] = c;
			ok = ok && (isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_');
		}
		struct sip_uri u;
		int rc = sip_uri_parse((struct dpv_str){uri, 4 + n}, &u);
		snprintf(what, sizeof(what), "%.*s", (int)(4 + n), uri);
		cr_assert_eq(rc, ok ? 0 : -1, "%s", what);
		if (ok)
			cr_assert_eq(u.host.len, n, "%s", what);
	}
}

/* RFC 3261 word: alphanumerics and -.!%*_+`'~()<>:\"/[]?{} */
static bool
is_word(unsigned char c)
{
	return isalnum(c) || (c != 0 && strchr("-.!%*_+`'~()<>:\\\"/[]?{}", c) != NULL);
}

/* Call-IDs are checked 16 bytes at a time: random ones of up to 70 bytes, over every
 * printable byte and a few others, pass or fail as word ["@" word] says byte by byte. */
Test(scan, call_id_runs)
{
	char id[80], msg[512];

	for (unsigned k = 0; k < 20000; k++) {
		uint32_t n = 1 + (uint32_t)(next_rand() % 70), at = 0, ats = 0;
		bool ok = true;

		for (uint32_t i = 0; i < n; i++) {
			uint64_t r = next_rand();
			/* mostly word bytes so that long runs occur; then any printable, NUL, 0x80
			 */
			char c = r % 4          ? "aZ9-.!%*_+`'~()<>:\\\"/[]?{}"[r % 26]
			         : (r >> 8) % 8 ? (char)(0x21 + (r >> 16) % 94)
			                        : "\0\x80\xff "[(r >> 16) % 4];
			if (i == 0 || i == n - 1)
				c = c == ' ' ? 'a' : c; /* the value is trimmed: keep its ends */
			id[i] = c;
			if (c == '@') {
				ats++;
				at = i;
			} else if (!is_word((unsigned char)c)) {
				ok = false;
			}
		}
		ok = ok && (ats == 0 || (ats == 1 && at > 0 && at + 1 < n));
		int len =
		    snprintf(msg, sizeof(msg),
		             "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
		             "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: ");
		memcpy(msg + len, id, n);
		len += (int)n;
		len += snprintf(msg + len, sizeof(msg) - (size_t)len,
		                "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
		struct sip_msg m;
		int rc = sip_parse(msg, (uint32_t)len, &m);
		cr_assert_eq(rc, ok ? 0 : SIP_PERR_CALL_ID, "Call-ID %u \"%.*s\": %d", k, (int)n,
		             id, rc);
	}
}
