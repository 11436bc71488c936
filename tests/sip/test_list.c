/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The list walk and the request check after their rework (white box, sip_msg_int.h):
 *  - the element scanner's vector and scalar paths find the comma the byte loop they replace
 *    finds, from every start offset of every header value of the corpora (RFC 4475, RFC 5118,
 *    PROTOS c07-sip, the pjproject seeds), of their mutations and of seeded random values;
 *  - sip_params_scan()'s 16-byte parameter value skip stops where the class table does, on
 *    the same bytes and on every byte value at every position;
 *  - sip_list_next() gives the results (values and -1/0/1) of that byte loop for every header
 *    type of those messages and of built header sets (empty headers, "a,", ",a");
 *  - sip_msg_check_request() gives the same status and reason whether or not it skips the
 *    top Via sip_parse() already parsed, and hands back the first Contact as a fresh parse;
 *  - malformed second and later Via values are still refused, whichever header holds them.
 * Needs DPV_CORPORA for the corpus tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sip_msg_int.h"
#include "sip_test_helpers.h"

static unsigned n_msgs, n_ends;

/* The byte loop sip_list_next() ran before it skipped ahead: the definition to meet. */
static const char *
ref_end(const char *p, const char *e)
{
	bool quote = false, angle = false;

	for (; p < e; p++) {
		if (quote) {
			if (*p == '\\' && p + 1 < e)
				p++;
			else if (*p == '"')
				quote = false;
		} else if (*p == '"' && !angle) {
			quote = true;
		} else if (*p == '<') {
			angle = true;
		} else if (*p == '>') {
			angle = false;
		} else if (*p == ',' && !angle) {
			break;
		}
	}
	return p;
}

/* The whole sip_list_next() as it was, on the same iterator. */
static int
ref_next(struct sip_list_iter *it, struct dpv_str *value)
{
	while (it->h) {
		const char *b = it->h->value.p, *e = b + it->h->value.len;
		const char *p = sip_skip_ws(b + it->pos, e), *s = p;

		if (p >= e) {
			if (it->pending || it->h->value.len == 0)
				return -1;
			it->h = sip_msg_hdr_next(it->m, it->h);
			it->pos = 0;
			continue;
		}
		p = ref_end(p, e);
		*value = sip_trim(sip_str(s, p));
		it->pending = p < e;
		it->pos = (uint32_t)(p < e ? p + 1 - b : e - b);
		return value->len > 0 ? 1 : -1;
	}
	return 0;
}

/* [b, e) copied to a buffer of exactly its size (so that valgrind and the sanitizers see a
 * read past either end), then every start offset through both paths of the element scan and
 * through the parameter value skip. */
static void
check_ends(const char *data, uint32_t len, const char *what)
{
	char *b = malloc(len ? len : 1);
	const char *e = b + len;

	cr_assert_not_null(b);
	memcpy(b, data, len);
	/* every start offset up to 512 bytes; beyond, a stride prime to 16 (each scan is linear,
	 * and PROTOS has values of kilobytes), still every offset near both ends */
	uint32_t step = len <= 512 ? 1 : 61;

	for (const char *p = b; p <= e; p += (p - b < 64 || e - p < 64) ? 1 : step) {
		const char *want = ref_end(p, e), *s = sip_list_end_scalar(p, e),
		           *v = sip_list_end_vector(b, p, e);

		cr_assert(s == want && v == want,
		          "%s: from offset %td of %u bytes: scalar %td, vector %td, expected %td",
		          what, p - b, len, s - b, v - b, want - b);
		n_ends++;
		const char *pv = sip_skip_pval_vector(p, e), *pt = sip_skip_cls(p, e, SIP_C_PVAL);
		cr_assert(pv == pt,
		          "%s: parameter value from offset %td of %u bytes: %td, table %td", what,
		          p - b, len, pv - b, pt - b);
	}
	free(b);
}

static bool
str_same(struct dpv_str a, struct dpv_str b)
{
	return a.len == b.len && (a.len == 0 || a.p == b.p);
}

/* Every header type's walk against the reference walk, element by element. */
static void
check_walks(const struct sip_msg *m, const char *what)
{
	for (int t = 0; t < SIP_HDR_MAX; t++) {
		struct sip_list_iter a, b;
		struct dpv_str va = {0}, vb = {0};
		int ra, rb, k = 0;

		sip_list_iter_init(&a, m, (enum sip_hdr_type)t);
		sip_list_iter_init(&b, m, (enum sip_hdr_type)t);
		do {
			ra = sip_list_next(&a, &va);
			rb = ref_next(&b, &vb);
			cr_assert_eq(ra, rb, "%s: header type %d element %d: %d, expected %d", what,
			             t, k, ra, rb);
			if (ra == 1)
				cr_assert(str_same(va, vb), "%s: header type %d element %d: '%.*s'",
				          what, t, k, (int)va.len, va.p);
			cr_assert(a.h == b.h && a.pos == b.pos && a.pending == b.pending,
			          "%s: header type %d element %d: iterator state differs", what, t,
			          k);
			k++;
		} while (ra == 1 && k < 1000);
	}
}

static const struct sip_check_cfg check_cfg = {
    .methods = 1u << SIP_METHOD_INVITE | 1u << SIP_METHOD_ACK | 1u << SIP_METHOD_BYE |
               1u << SIP_METHOD_CANCEL | 1u << SIP_METHOD_OPTIONS,
    .extensions = (const char *const[]){"100rel", "timer"},
    .n_extensions = 2,
};

static bool
naddr_same(const struct sip_naddr *a, const struct sip_naddr *b)
{
	return str_same(a->raw, b->raw) && str_same(a->display, b->display) &&
	       str_same(a->uri.raw, b->uri.raw) && a->uri.scheme == b->uri.scheme &&
	       str_same(a->uri.user, b->uri.user) && str_same(a->uri.host, b->uri.host) &&
	       a->uri.port == b->uri.port && a->uri.has_port == b->uri.has_port &&
	       str_same(a->uri.params, b->uri.params) && str_same(a->params, b->params) &&
	       str_same(a->tag, b->tag) && a->has_tag == b->has_tag && a->star == b->star;
}

/* The check with the top Via skipped equals the check that walks it (via_whole cleared is the
 * walk as it was), and the Contact it hands back is what a fresh walk parses. */
static void
check_check(const struct sip_msg *m, const char *what)
{
	static struct sip_msg walk;
	struct sip_check_result r1, r2, r3;
	struct sip_naddr c, fresh;
	struct sip_list_iter it;
	bool has = true;

	if (!m->is_request)
		return;
	walk = *m;
	walk.via_whole = false;
	uint16_t s1 = sip_msg_check_request(m, &check_cfg, &r1);
	uint16_t s2 = sip_msg_check_request(&walk, &check_cfg, &r2);
	uint16_t s3 = sip_msg_check_request_contact(m, &check_cfg, &r3, &c, &has);

	cr_assert(s1 == s2 && s1 == s3, "%s: check %u, with the top Via walked %u, contact %u",
	          what, s1, s2, s3);
	cr_assert(r1.reason == r2.reason && r1.reason == r3.reason, "%s: '%s' / '%s' / '%s'", what,
	          r1.reason, r2.reason, r3.reason);
	cr_assert(str_same(r1.unsupported, r2.unsupported) &&
	          str_same(r1.unsupported, r3.unsupported));
	if (s1 != 0)
		return;
	sip_list_iter_init(&it, m, SIP_HDR_CONTACT);
	int rc = sip_naddr_next(&it, &fresh);
	cr_assert_eq(has, rc == 1, "%s: has_contact %d, first Contact %d", what, has, rc);
	if (has)
		cr_assert(naddr_same(&c, &fresh), "%s: the handed Contact differs", what);
}

static void
check_msg(const char *data, uint32_t len, const char *what)
{
	static struct sip_msg m;
	char *b = malloc(len ? len : 1);
	char w[600];

	cr_assert_not_null(b);
	memcpy(b, data, len);
	int rc = sip_parse(b, len, &m); /* on errors m still holds the headers found */

	for (unsigned i = 0; i < m.n_hdrs; i++) {
		snprintf(w, sizeof(w), "%s header %u", what, i);
		check_ends(m.hdrs[i].value.p, m.hdrs[i].value.len, w);
	}
	check_walks(&m, what);
	if (rc == 0)
		check_check(&m, what);
	free(b);
	n_msgs++;
}

static uint64_t rng = 0x2545f4914f6cdd1dull; /* fixed seed: failures repeat */

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A message and mutations of it that put the bytes the walk reacts to anywhere. */
static void
check_with_mutations(const char *data, uint32_t len, const char *what, unsigned n_mut)
{
	static const char special[] = ",\"<>\\; \t";
	char w[600];
	char *b;

	check_msg(data, len, what);
	if (len == 0)
		return;
	b = malloc(len);
	cr_assert_not_null(b);
	for (unsigned k = 0; k < n_mut; k++) {
		memcpy(b, data, len);
		for (unsigned j = 0, n = 1 + (unsigned)(next_rand() % 4); j < n; j++)
			b[next_rand() % len] = special[next_rand() % (sizeof(special) - 1)];
		snprintf(w, sizeof(w), "%s mutation %u", what, k);
		check_msg(b, len, w);
	}
	free(b);
}

static void
check_file(const char *path, unsigned n_mut)
{
	uint32_t len;
	char *b = slurp(path, &len);

	check_with_mutations(b, len, path, n_mut);
	free(b);
}

static void
check_path(const char *path, void *arg)
{
	(void)arg;
	check_file(path, 50);
}

static void
check_dir(const char *sub)
{
	corpus_dir_each(sub, check_path, NULL);
}

Test(list, rfc4475_rfc5118)
{
	check_dir("rfc4475");
	check_dir("rfc5118/archive-lf");
	check_dir("rfc5118/wire-crlf-ersip");
	cr_log_info("%u messages, %u element ends compared", n_msgs, n_ends);
}

static void
check_protos(const char *t, uint32_t tl, unsigned i, int part, void *arg)
{
	char what[64];

	(void)arg;
	snprintf(what, sizeof(what), "PROTOS case %u part %d", i, part);
	check_with_mutations(t, tl, what, 2);
}

Test(list, protos_c07_sip, .timeout = 280)
{
	cr_assert_eq(protos_each(check_protos, NULL), 4527);
	cr_log_info("%u messages, %u element ends compared", n_msgs, n_ends);
}

static void
check_seed(const char *path, void *arg)
{
	(void)arg;
	check_file(path, 10);
}

Test(list, pjproject_sip_seeds)
{
	pjproject_sip_seeds_each(check_seed, NULL);
}

/* Every length 0..100 with each byte the walk reacts to at every position, alone and with a
 * second one at a random later position; then random values over a dense alphabet. */
Test(list, positions_and_random)
{
	static const char special[] = ",\"<>\\;";
	static const char dense[] = ",,\"\"<>\\;  \tab=:@";
	char buf[128], what[96];

	for (uint32_t len = 0; len <= 100; len++) {
		for (uint32_t i = 0; i < len; i++)
			buf[i] = (char)('a' + i % 26);
		check_ends(buf, len, "letters");
		for (uint32_t i = 0; i < len; i++)
			for (unsigned c = 0; c < sizeof(special) - 1; c++)
				for (unsigned c2 = 0; c2 <= sizeof(special) - 1; c2++) {
					for (uint32_t k = 0; k < len; k++)
						buf[k] = (char)('a' + k % 26);
					buf[i] = special[c];
					if (c2 < sizeof(special) - 1 && i + 1 < len)
						buf[i + 1 + next_rand() % (len - i - 1)] =
						    special[c2];
					snprintf(what, sizeof(what), "'%c' at %u of %u", special[c],
					         i, len);
					check_ends(buf, len, what);
				}
	}
	for (unsigned k = 0; k < 20000; k++) {
		uint32_t len = (uint32_t)(next_rand() % 101);
		bool skew = k & 1;

		for (uint32_t i = 0; i < len; i++) {
			uint64_t r = next_rand();
			buf[i] = skew ? dense[r % (sizeof(dense) - 1)] : (char)(r & 0xff);
		}
		snprintf(what, sizeof(what), "random value %u (%u bytes)", k, len);
		check_ends(buf, len, what);
	}
	cr_log_info("%u element ends compared", n_ends);
}

/* Header sets built by hand (empty headers, trailing and leading commas across headers):
 * sip_list_next against the walk it replaces. */
Test(list, built_header_sets)
{
	static const char *const vals[] = {
	    "",
	    ",",
	    "a,",
	    ",a",
	    "a",
	    "a, b",
	    " a , b ",
	    "<sip:x,y>, z",
	    "\"q,\\\"\", r",
	    "\"open, x",
	    "<open, x",
	    "a\\",
	    "\"a\\",
	    "a>,b",
	    "x<y>z,w",
	    "\"<\",\">\"",
	    "a,,b",
	    "\t,\t",
	};
	const unsigned nv = sizeof(vals) / sizeof(vals[0]);
	static struct sip_msg m;
	char what[64];

	for (unsigned k = 0; k < 20000; k++) {
		unsigned n = 1 + (unsigned)(next_rand() % 4);

		memset(&m, 0, sizeof(m));
		memset(m.first, 0xff, sizeof(m.first));
		for (unsigned i = 0; i < n; i++) {
			const char *v = vals[next_rand() % nv];
			m.hdrs[i].value = (struct dpv_str){v, (uint32_t)strlen(v)};
			m.hdrs[i].type = SIP_HDR_CONTACT;
			m.hdrs[i].next = i + 1 < n ? (uint8_t)(i + 1) : 0xff;
		}
		m.n_hdrs = (uint8_t)n;
		m.first[SIP_HDR_CONTACT] = 0;
		snprintf(what, sizeof(what), "header set %u", k);
		check_walks(&m, what);
	}
}

/* A request with the given Via lines, checked and checked again with the top Via walked. */
static uint16_t
check_vias(const char *vias, const char **reason)
{
	static char buf[2048];
	static struct sip_msg m, walk;
	struct sip_check_result res, res2;
	int n = snprintf(buf, sizeof(buf),
	                 "OPTIONS sip:b@example.com SIP/2.0\r\n%s"
	                 "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n"
	                 "Call-ID: x@y\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
	                 "Content-Length: 0\r\n\r\n",
	                 vias);

	cr_assert_eq(sip_parse(buf, (uint32_t)n, &m), 0, "%s", vias);
	walk = m;
	walk.via_whole = false;
	uint16_t st = sip_msg_check_request(&m, &check_cfg, &res);
	cr_assert_eq(sip_msg_check_request(&walk, &check_cfg, &res2), st);
	cr_assert_eq(res.reason, res2.reason);
	*reason = res.reason;
	return st;
}

#define VIA_OK(n) "Via: SIP/2.0/UDP h" #n ".example.com:5060;branch=z9hG4bK" #n "\r\n"

Test(list, check_request_vias)
{
	static const char *const good[] = {
	    VIA_OK(1),
	    VIA_OK(1) VIA_OK(2),
	    VIA_OK(1) VIA_OK(2) VIA_OK(3),
	    "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2\r\n",
	    VIA_OK(1) "Via: SIP/2.0/UDP b;branch=z9hG4bK2, SIP/2.0/TCP c:5061\r\n" VIA_OK(3),
	};
	static const char *const bad[] = {
	    /* a second or later value in the first header */
	    "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP\r\n",
	    "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b, SIP/3.0/UDP c\r\n",
	    "Via: SIP/2.0/UDP a;branch=z9hG4bK1,\r\n",
	    "Via: SIP/2.0/UDP a;branch=z9hG4bK1,,SIP/2.0/UDP b\r\n",
	    /* a malformed second header, after a top Via parsed whole */
	    VIA_OK(1) "Via: SIP/2.0/UDP\r\n",
	    VIA_OK(1) "Via: SIP/2.0/UDP h:99999\r\n",
	    VIA_OK(1) "Via: \r\n",
	    VIA_OK(1) "Via: SIP/2.0/UDP b, SIP/2.0/UDP c;=x\r\n",
	    VIA_OK(1) "Via: SIP/2.0/UDP b,\r\n",
	    /* a malformed third header */
	    VIA_OK(1) VIA_OK(2) "Via: garbage\r\n",
	    VIA_OK(1) VIA_OK(2) "Via: SIP/2.0/UDP c;branch=\r\n",
	    VIA_OK(1) VIA_OK(2) "Via: SIP/2.0/UDP c, SIP/2.0/UDP [::1\r\n",
	};
	const char *reason;

	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_assert_eq(check_vias(good[i], &reason), 0, "%s: %s", good[i], reason);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(check_vias(bad[i], &reason), 400, "%s", bad[i]);
		cr_assert_str_eq(reason, "malformed Via header", "%s", bad[i]);
	}
}

/* Each of the 256 byte values at each position of runs of value bytes: the vector class test
 * is the table's for every byte, in every lane and in the table's tail. */
Test(list, pval_every_byte)
{
	char buf[48];

	for (int c = 0; c < 256; c++)
		for (uint32_t len = 1; len <= sizeof(buf); len++)
			for (uint32_t i = 0; i < len; i++) {
				memset(buf, 'a', len);
				buf[i] = (char)c;
				const char *e = buf + len;
				for (const char *p = buf; p <= e; p++)
					cr_assert_eq(sip_skip_pval_vector(p, e),
					             sip_skip_cls(p, e, SIP_C_PVAL),
					             "byte 0x%02x at %u of %u, from %td", c, i, len,
					             p - buf);
			}
}
