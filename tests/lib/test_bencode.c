/* SPDX-License-Identifier: BSD-3-Clause */
/* Bencode: NG-shaped messages parse to the right tree; every malformation gets its reason and
 * the offset, never a read past the input; the writers produce what the parser reads back. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dpv.h"

static struct dpv_benc_node nodes[64];
static struct dpv_benc_result res;

static int
parse(const char *s)
{
	return dpv_benc_parse(s, (uint32_t)strlen(s), nodes, 64, &res);
}

static bool
str_is(const struct dpv_benc_node *n, const char *want)
{
	return n != NULL && n->type == DPV_BENC_STR && n->s.len == strlen(want) &&
	       memcmp(n->s.p, want, n->s.len) == 0;
}

Test(bencode, an_ng_offer_parses_to_its_dict)
{
	/* rtpengine's docs: an offer with flags and replace lists, keys in any order */
	const struct dpv_benc_node *root = &nodes[0], *rep, *x;
	const char *m =
	    "d7:command5:offer3:sdp12:v=0\r\no=- 1 27:call-id6:abc1238:from-tag3:ft17:replace"
	    "l6:origin18:session-connectione5:flagsl13:trust-addressee";
	cr_assert_eq(parse(m), 0, "%s at %u", dpv_benc_strerror(res.err), res.offset);
	cr_assert_eq(root->type, DPV_BENC_DICT);
	cr_assert_eq(root->count, 6);
	cr_assert(str_is(dpv_benc_get(nodes, root, "command", false), "offer"));
	cr_assert(str_is(dpv_benc_get(nodes, root, "sdp", false), "v=0\r\no=- 1 2"));
	cr_assert(str_is(dpv_benc_get(nodes, root, "call-id", false), "abc123"));
	cr_assert(str_is(dpv_benc_get(nodes, root, "from tag", true), "ft1"), "folded key");
	cr_assert(str_is(dpv_benc_get(nodes, root, "from_tag", true), "ft1"));
	cr_assert_null(dpv_benc_get(nodes, root, "from tag", false), "not folded: another key");
	cr_assert_null(dpv_benc_get(nodes, root, "to-tag", true));
	rep = dpv_benc_get(nodes, root, "replace", false);
	cr_assert_not_null(rep);
	cr_assert_eq(rep->type, DPV_BENC_LIST);
	cr_assert_eq(rep->count, 2);
	x = dpv_benc_child(nodes, rep);
	cr_assert(str_is(x, "origin"));
	x = dpv_benc_next(nodes, x);
	cr_assert(str_is(x, "session-connection"));
	cr_assert_null(dpv_benc_next(nodes, x));
	cr_assert_eq(res.nodes, 16);
}

Test(bencode, scalars_empty_containers_and_integer_bounds)
{
	cr_assert_eq(parse("i0e"), 0);
	cr_assert_eq(nodes[0].i, 0);
	cr_assert_eq(parse("i-42e"), 0);
	cr_assert_eq(nodes[0].i, -42);
	cr_assert_eq(parse("i9223372036854775807e"), 0);
	cr_assert_eq(nodes[0].i, INT64_MAX);
	cr_assert_eq(parse("i-9223372036854775808e"), 0);
	cr_assert_eq(nodes[0].i, INT64_MIN);
	cr_assert_eq(parse("0:"), 0);
	cr_assert_eq(nodes[0].s.len, 0);
	cr_assert_eq(parse("le"), 0);
	cr_assert_eq(nodes[0].count, 0);
	cr_assert_null(dpv_benc_child(nodes, &nodes[0]));
	cr_assert_eq(parse("de"), 0);
	cr_assert_null(dpv_benc_get(nodes, &nodes[0], "x", true));
	cr_assert_eq(parse("d1:ad1:bi1eee"), 0, "nested dict");
	cr_assert_eq(dpv_benc_get(nodes, dpv_benc_get(nodes, &nodes[0], "a", false), "b", false)->i,
	             1);
}

/* Each malformation: its reason and where it was found. */
static void
bad(const char *s, enum dpv_benc_err e, uint32_t at)
{
	cr_assert_eq(parse(s), -1, "%s parsed", s);
	cr_assert_eq(res.err, e, "%s: %s, wanted %s", s, dpv_benc_strerror(res.err),
	             dpv_benc_strerror(e));
	cr_assert_eq(res.offset, at, "%s: at %u, wanted %u", s, res.offset, at);
}

Test(bencode, malformations_get_a_reason)
{
	bad("", DPV_BENC_E_EMPTY, 0);
	bad("d7:command", DPV_BENC_E_TRUNCATED, 10);
	bad("d7:command4:ping", DPV_BENC_E_TRUNCATED, 16);
	bad("d7:command4:pi", DPV_BENC_E_LEN_BEYOND, 10);
	bad("5:abc", DPV_BENC_E_LEN_BEYOND, 0);
	bad("4294967296:x", DPV_BENC_E_BAD_LEN, 0);
	bad("03:abc", DPV_BENC_E_BAD_LEN, 0);
	bad("i12", DPV_BENC_E_TRUNCATED, 3);
	bad("ie", DPV_BENC_E_BAD_INT, 0);
	bad("i-e", DPV_BENC_E_BAD_INT, 0);
	bad("i-0e", DPV_BENC_E_BAD_INT, 0);
	bad("i007e", DPV_BENC_E_BAD_INT, 0);
	bad("i1x2e", DPV_BENC_E_BAD_INT, 0);
	bad("i9223372036854775808e", DPV_BENC_E_INT_RANGE, 0);
	bad("i-9223372036854775809e", DPV_BENC_E_INT_RANGE, 0);
	bad("di1ei2ee", DPV_BENC_E_KEY, 1);
	bad("d1:ae", DPV_BENC_E_TRUNCATED, 5);
	bad("x", DPV_BENC_E_TYPE, 0);
	bad("e", DPV_BENC_E_TYPE, 0);
	bad("i1ei2e", DPV_BENC_E_TRAILING, 3);
	bad("dee", DPV_BENC_E_TRAILING, 2);
}

Test(bencode, limits_on_depth_and_elements)
{
	char deep[2 * DPV_BENC_MAX_DEPTH + 4];
	struct dpv_benc_node few[3];

	memset(deep, 'l', DPV_BENC_MAX_DEPTH);
	memset(deep + DPV_BENC_MAX_DEPTH, 'e', DPV_BENC_MAX_DEPTH);
	deep[2 * DPV_BENC_MAX_DEPTH] = '\0';
	cr_assert_eq(parse(deep), 0, "%u lists deep is the limit", DPV_BENC_MAX_DEPTH);
	memset(deep, 'l', DPV_BENC_MAX_DEPTH + 1);
	memset(deep + DPV_BENC_MAX_DEPTH + 1, 'e', DPV_BENC_MAX_DEPTH + 1);
	deep[2 * DPV_BENC_MAX_DEPTH + 2] = '\0';
	bad(deep, DPV_BENC_E_DEPTH, DPV_BENC_MAX_DEPTH);
	cr_assert_eq(dpv_benc_parse("li1ei2ee", 8, few, 3, &res), 0);
	cr_assert_eq(dpv_benc_parse("li1ei2ei3ee", 11, few, 3, &res), -1);
	cr_assert_eq(res.err, DPV_BENC_E_NODES);
}

Test(bencode, every_prefix_of_a_message_fails_cleanly)
{
	/* each truncation of a valid message is refused, from a heap copy of exactly that size
	 * (ASan would catch a read past it) */
	const char *m = "d6:result4:pong7:warningl1:ai-7eee";

	for (size_t n = 0; n < strlen(m); n++) {
		char *c = malloc(n + 1);

		memcpy(c, m, n);
		cr_assert_eq(dpv_benc_parse(c, (uint32_t)n, nodes, 64, &res), -1, "prefix %zu", n);
		free(c);
	}
	cr_assert_eq(parse(m), 0);
}

Test(bencode, writers_produce_what_the_parser_reads)
{
	char out[256];
	struct dpv_buf b = DPV_BUF(out, sizeof(out));
	const struct dpv_benc_node *t;

	dpv_benc_open(&b, true);
	dpv_benc_cstr(&b, "result");
	dpv_benc_cstr(&b, "ok");
	dpv_benc_cstr(&b, "created");
	dpv_benc_int(&b, 1764633600);
	dpv_benc_cstr(&b, "neg");
	dpv_benc_int(&b, INT64_MIN);
	dpv_benc_cstr(&b, "tags");
	dpv_benc_open(&b, false);
	dpv_benc_str(&b, DPV_STR_LIT("a b"));
	dpv_benc_close(&b);
	dpv_benc_close(&b);
	cr_assert_geq(dpv_buf_end(&b), 0);
	cr_assert_eq(b.len, strlen("d6:result2:ok7:createdi1764633600e3:negi-9223372036854775808e"
	                           "4:tagsl3:a bee"));
	cr_assert_eq(
	    memcmp(out,
	           "d6:result2:ok7:createdi1764633600e3:negi-9223372036854775808e4:tagsl3:a "
	           "bee",
	           b.len),
	    0);
	cr_assert_eq(dpv_benc_parse(out, b.len, nodes, 64, &res), 0);
	cr_assert_eq(dpv_benc_get(nodes, &nodes[0], "neg", false)->i, INT64_MIN);
	t = dpv_benc_get(nodes, &nodes[0], "tags", false);
	cr_assert(str_is(dpv_benc_child(nodes, t), "a b"));
	/* a buffer too small says so once, at the end */
	b = DPV_BUF(out, 4);
	dpv_benc_cstr(&b, "toolong");
	cr_assert_lt(dpv_buf_end(&b), 0);
}
