/* SPDX-License-Identifier: BSD-3-Clause */
/* The steering peek: the Call-ID of a SIP datagram before any parse (sip/callid.c). Corpus
 * messages are checked against the parser in test_conformance.c. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sip.h"

/* The message in a heap block of exactly its length, so ASan sees any over-read. */
static int
callid(const char *msg, char *out, size_t outlen)
{
	size_t n = strlen(msg);
	char *m = malloc(n ? n : 1);
	struct dpv_str s;
	int rc;

	memcpy(m, msg, n);
	rc = sip_peek_call_id(m, (uint32_t)n, &s);
	if (rc == 0) {
		cr_assert(s.p >= m && s.p + s.len <= m + n);
		cr_assert_lt(s.len, outlen);
		memcpy(out, s.p, s.len);
		out[s.len] = '\0';
	}
	free(m);
	return rc;
}

#define RL  "INVITE sip:bob@example.com SIP/2.0\r\n"
#define VIA "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bK1\r\n"

static void
assert_callid(const char *msg, const char *want)
{
	char got[256];

	cr_assert_eq(callid(msg, got, sizeof(got)), 0, "no Call-ID in: %s", msg);
	cr_assert_str_eq(got, want);
}

Test(callid, full_compact_case_whitespace)
{
	assert_callid(RL VIA "Call-ID: a84b4c76e66710@pc33\r\n\r\n", "a84b4c76e66710@pc33");
	assert_callid(RL "i: abc\r\n" VIA "\r\n", "abc");
	assert_callid(RL "I:abc\r\n\r\n", "abc");
	assert_callid(RL "cALL-iD:\tx@y \t\r\n\r\n", "x@y");
	assert_callid(RL "Call-ID \t : spaced\r\n\r\n", "spaced");
	assert_callid(RL "i  :  c\r\n\r\n", "c");
	assert_callid(RL "Call-ID:\r\n  folded@host\r\n\r\n", "folded@host");
	assert_callid("\r\n\r\n" RL "Call-ID: lead\r\n\r\n", "lead");
	assert_callid("INVITE sip:b SIP/2.0\nCall-ID: lf-only\n\n", "lf-only");
	/* not Call-ID: similar names, folded lines, the start line */
	assert_callid(RL "Call-Info: <http://x>\r\nIf: 1\r\nid: 2\r\n  i: 3\r\ni: real\r\n\r\n",
	              "real");
}

Test(callid, absent_or_outside_headers)
{
	char got[256];

	cr_assert_eq(callid(RL VIA "\r\n", got, sizeof(got)), -1);
	cr_assert_eq(callid(RL VIA "\r\ni: in-body\r\n", got, sizeof(got)), -1);
	cr_assert_eq(callid("i: start-line\r\n" VIA "\r\n", got, sizeof(got)), -1);
	cr_assert_eq(callid(RL "Call-ID:   \r\n\r\n", got, sizeof(got)), -1, "empty value");
	cr_assert_eq(callid(RL "Call-ID:\r\n\r\n", got, sizeof(got)), -1, "empty value, no fold");
	cr_assert_eq(callid("", got, sizeof(got)), -1);
	cr_assert_eq(callid("\r\n\r\n", got, sizeof(got)), -1);
	cr_assert_eq(callid(RL, got, sizeof(got)), -1);
}

Test(callid, no_header_end_and_truncated)
{
	char got[256];

	/* complete line, blank line missing: found */
	assert_callid(RL "Call-ID: whole\r\n", "whole");
	assert_callid(RL "Call-ID: whole\r\nCSeq: 1 INV", "whole");
	/* cut inside the value, the name or the fold: nothing */
	cr_assert_eq(callid(RL "Call-ID: cut@ho", got, sizeof(got)), -1);
	cr_assert_eq(callid(RL "Call-ID: cut@host\r", got, sizeof(got)), -1);
	cr_assert_eq(callid(RL "Call-I", got, sizeof(got)), -1);
	cr_assert_eq(callid(RL "i", got, sizeof(got)), -1);
	cr_assert_eq(callid(RL "Call-ID:\r\n  fold", got, sizeof(got)), -1);
	cr_assert_eq(callid(RL "Call-ID:\r\n", got, sizeof(got)), -1);
	cr_assert_eq(callid("INVITE sip:b SIP/2.0", got, sizeof(got)), -1);
}

Test(callid, every_truncation_stays_in_bounds)
{
	static const char full[] = RL VIA "Call-ID: k@h\r\nCSeq: 1 INVITE\r\n\r\nbody";
	char got[256];

	for (size_t n = 0; n <= sizeof(full) - 1; n++) {
		char *m = malloc(n ? n : 1);
		struct dpv_str s;

		memcpy(m, full, n);
		int rc = sip_peek_call_id(m, (uint32_t)n, &s);
		size_t line_done = strlen(RL VIA "Call-ID: k@h\r\n");
		cr_assert_eq(rc, n >= line_done ? 0 : -1, "len %zu", n);
		if (rc == 0) {
			memcpy(got, s.p, s.len);
			got[s.len] = '\0';
			cr_assert_str_eq(got, "k@h");
		}
		free(m);
	}
}

Test(callid, the_owner_rule_spreads_and_is_stable)
{
	unsigned seen[3] = {0};
	char id[32];

	for (unsigned i = 0; i < 300; i++) {
		int n = snprintf(id, sizeof(id), "call-%u@198.18.0.2", i);
		struct dpv_str s = {id, (uint32_t)n};
		uint32_t o = sip_call_id_owner(s, 3);

		cr_assert_lt(o, 3);
		cr_assert_eq(o, dpv_hash32(id, (size_t)n) % 3, "the documented rule");
		cr_assert_eq(sip_call_id_owner(s, 3), o, "stable");
		cr_assert_eq(sip_call_id_owner(s, 1), 0);
		cr_assert_eq(sip_call_id_owner(s, 0), 0);
		seen[o]++;
	}
	for (unsigned i = 0; i < 3; i++)
		cr_assert_gt(seen[i], 50, "lcore %u got %u of 300", i, seen[i]);
}
