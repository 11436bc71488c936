/* SPDX-License-Identifier: BSD-3-Clause */
/* [security]: the per-source flood table on a virtual clock (1 tick = 1 ms), and the scanner
 * matcher on parsed requests. */
#include <string.h>

#include <criterion/criterion.h>

#include "engine_int.h"
#include "security_int.h"

#define HZ  1000
#define SRC 0xc6120003 /* 198.18.0.3 */

static struct dpv_flood *
table(uint32_t rate, uint32_t burst, uint32_t block_s, uint32_t entries,
      const struct dpv_cidr *allow, unsigned nb_allow)
{
	struct dpv_flood_cfg c = {.rate = rate,
	                          .burst = burst,
	                          .block_s = block_s,
	                          .entries = entries,
	                          .hz = HZ,
	                          .seed = 42,
	                          .allow = allow,
	                          .nb_allow = nb_allow};
	struct dpv_flood *f = dpv_flood_create(&c);

	cr_assert_not_null(f);
	return f;
}

/* How many of @a n requests from @a ip at @a now pass. */
static unsigned
passes(struct dpv_flood *f, uint32_t ip, uint64_t now, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		k += dpv_flood_check(f, ip, now) == DPV_FLOOD_PASS;
	return k;
}

Test(flood, bad_config_is_refused)
{
	struct dpv_flood_cfg c = {.rate = 10, .burst = 5, .block_s = 1, .entries = 1000, .hz = HZ};

	cr_expect_null(dpv_flood_create(&c), "entries not a power of two");
	c.entries = 4;
	cr_expect_null(dpv_flood_create(&c), "fewer entries than a window");
	c.entries = 64;
	c.rate = 0;
	cr_expect_null(dpv_flood_create(&c), "rate 0 is no table");
	c.rate = 10;
	c.burst = 0;
	cr_expect_null(dpv_flood_create(&c));
}

Test(flood, burst_then_block)
{
	struct dpv_flood *f = table(10, 5, 30, 1024, NULL, 0);

	cr_expect_eq(passes(f, SRC, 1000, 5), 5, "a burst of 5 passes");
	cr_expect_eq(dpv_flood_check(f, SRC, 1000), DPV_FLOOD_DROP, "the 6th starts a block");
	cr_expect_eq(f->st.blocks, 1);
	cr_expect_eq(passes(f, SRC, 1001, 10), 0, "blocked");
	cr_expect_eq(f->st.blocks, 1, "one block, however much it sends");
	cr_expect_eq(f->st.dropped, 11);
	dpv_flood_destroy(f);
}

Test(flood, rate)
{
	struct dpv_flood *f = table(10, 5, 30, 1024, NULL, 0);
	unsigned k = 0;

	/* exactly the rate (one per 100 ms) for 100 s: never limited */
	for (unsigned i = 0; i < 1000; i++)
		k += dpv_flood_check(f, SRC, 1000 + 100 * i) == DPV_FLOOD_PASS;
	cr_expect_eq(k, 1000);
	cr_expect_eq(f->st.blocks, 0);
	/* twice the rate from a full bucket: request i needs 100 + 50 i <= 500, so 9 pass */
	dpv_flood_destroy(f);
	f = table(10, 5, 30, 1024, NULL, 0);
	for (k = 0; k < 100 && dpv_flood_check(f, SRC, 1000 + 50 * k) == DPV_FLOOD_PASS; k++)
		;
	cr_expect_eq(k, 9);
	cr_expect_eq(f->st.blocks, 1);
	dpv_flood_destroy(f);
}

struct seen {
	uint32_t ip;
	uint64_t dropped, left;
};

static void
visit(void *arg, uint32_t ip, uint64_t dropped, uint64_t left)
{
	struct seen *s = arg;

	s->ip = ip;
	s->dropped = dropped;
	s->left = left;
}

Test(flood, block_expires_on_the_clock)
{
	struct dpv_flood *f = table(10, 5, 30, 1024, NULL, 0);
	struct seen seen = {0};

	cr_assert_eq(passes(f, SRC, 1000, 6), 5);
	cr_expect_eq(dpv_flood_blocked(f, 1000, NULL, NULL), 1);
	cr_expect_eq(dpv_flood_check(f, SRC, 1000 + 29999), DPV_FLOOD_DROP, "a tick before");
	/* listed with what it dropped in this block and the time left */
	cr_expect_eq(dpv_flood_blocked(f, 11000, visit, &seen), 1);
	cr_expect_eq(seen.ip, SRC);
	cr_expect_eq(seen.dropped, 2);
	cr_expect_eq(seen.left, 20000);
	cr_expect_eq(passes(f, SRC, 1000 + 30000, 5), 5, "served its time: a full bucket");
	cr_expect_eq(dpv_flood_blocked(f, 31000, NULL, NULL), 0);
	cr_expect_eq(dpv_flood_check(f, SRC, 31000), DPV_FLOOD_DROP, "over again: blocked again");
	cr_expect_eq(f->st.blocks, 2);
	dpv_flood_destroy(f);
}

Test(flood, sources_are_independent)
{
	struct dpv_flood *f = table(10, 5, 30, 1024, NULL, 0);

	cr_assert_eq(passes(f, SRC, 1000, 100), 5);
	cr_expect_eq(passes(f, SRC + 1, 1000, 5), 5, "another source keeps its own bucket");
	dpv_flood_destroy(f);
}

Test(flood, allowlist)
{
	const struct dpv_cidr allow[] = {{0xc6120000, 0xffffff00}, {0x0a000001, 0xffffffff}};
	struct dpv_flood *f = table(10, 5, 30, 1024, allow, 2);

	cr_expect_eq(passes(f, SRC, 1000, 10000), 10000, "198.18.0.3 is in 198.18.0.0/24");
	cr_expect_eq(passes(f, 0x0a000001, 1000, 10000), 10000);
	cr_expect_eq(passes(f, 0x0a000002, 1000, 100), 5, "10.0.0.2 is not allowed");
	cr_expect(dpv_cidr_match(allow, 2, 0xc61200ff));
	cr_expect(!dpv_cidr_match(allow, 2, 0xc6120100));
	dpv_flood_destroy(f);
}

Test(flood, table_full)
{
	/* 8 slots: one window, every source lands in it */
	struct dpv_flood *f = table(10, 1, 30, 8, NULL, 0);
	uint64_t t = 1000;

	for (uint32_t s = 1; s <= 8; s++)
		cr_assert_eq(passes(f, SRC + s, t, 2), 1, "source %u blocked", s);
	cr_expect_eq(f->st.blocks, 8);
	/* every slot holds a block: a newcomer is not tracked, and blocks are not cut short */
	cr_expect_eq(passes(f, SRC + 100, t, 3), 3);
	cr_expect_eq(f->st.untracked, 3);
	for (uint32_t s = 1; s <= 8; s++)
		cr_expect_eq(dpv_flood_check(f, SRC + s, t + 1), DPV_FLOOD_DROP);
	/* once the blocks end, newcomers evict the oldest entries; the table does not grow */
	t += 30000;
	for (uint32_t s = 200; s < 300; s++)
		cr_expect_eq(dpv_flood_check(f, SRC + s, t), DPV_FLOOD_PASS);
	cr_expect_eq(f->st.evicted, 100);
	/* a source blocked now survives a stream of newcomers */
	cr_assert_eq(passes(f, SRC, t, 2), 1);
	for (uint32_t s = 300; s < 400; s++)
		dpv_flood_check(f, SRC + s, t);
	cr_expect_eq(dpv_flood_check(f, SRC, t + 1), DPV_FLOOD_DROP);
	cr_expect_eq(dpv_flood_blocked(f, t + 1, NULL, NULL), 1);
	dpv_flood_destroy(f);
}

Test(flood, what_the_bucket_counts)
{
	cr_expect(dpv_flood_counts("INVITE sip:a@b SIP/2.0\r\n", 24));
	cr_expect(dpv_flood_counts("BYE sip:a@b SIP/2.0\r\n", 21));
	cr_expect(dpv_flood_counts("OPTIONS sip:a@b SIP/2.0\r\n", 25));
	cr_expect(!dpv_flood_counts("ACK sip:a@b SIP/2.0\r\n", 21));
	cr_expect(!dpv_flood_counts("SIP/2.0 200 OK\r\n", 16));
}

/* ---- scanner ---- */

static const char *const pats[] = {"friendly-scanner", "sipvicious", "^sipcli", "VaxSIPUserAgent"};

Test(scanner, compile_errors_name_the_pattern)
{
	const char *bad[] = {"ok", "^(ab", "fine"};
	char err[256];
	int which;

	cr_expect_null(dpv_scanner_create(bad, 3, err, sizeof(err), &which));
	cr_expect_eq(which, 1);
	cr_expect_str_eq(err, "Missing close parenthesis for group started at index 1.");
	cr_expect_null(dpv_scanner_create(bad, 0, err, sizeof(err), &which));
	cr_expect_eq(which, -1);
}

Test(scanner, match_is_caseless_and_unanchored)
{
	char err[256];
	int bad;
	struct dpv_scanner *s = dpv_scanner_create(pats, 4, err, sizeof(err), &bad);
	struct dpv_scanner_scratch *x;

	cr_assert_not_null(s, "%s", err);
	x = dpv_scanner_scratch_alloc(s);
	cr_assert_not_null(x);
	cr_expect(dpv_scanner_match(s, x, "friendly-scanner", 16));
	cr_expect(dpv_scanner_match(s, x, "Friendly-Scanner 1.0", 20));
	cr_expect(dpv_scanner_match(s, x, "x SIPVICIOUS y", 14));
	cr_expect(dpv_scanner_match(s, x, "sipcli/v1.8", 11));
	cr_expect(!dpv_scanner_match(s, x, "my sipcli", 9), "^ anchors at the value's start");
	cr_expect(!dpv_scanner_match(s, x, "Linphone/5.0", 12));
	cr_expect(!dpv_scanner_match(s, x, "friendly-scanner", 0), "empty: no match");
	dpv_scanner_scratch_free(x);
	dpv_scanner_destroy(s);
}

static bool
request_matches(const struct dpv_scanner *s, struct dpv_scanner_scratch *x, const char *text)
{
	static struct sip_msg m;

	cr_assert_eq(sip_parse(text, (uint32_t)strlen(text), &m), 0, "%s", text);
	return dpv_scanner_request(s, x, &m);
}

#define REQ(method, from, to, extra)                                                               \
	method " sip:100@198.18.0.1 SIP/2.0\r\n"                                                   \
	       "Via: SIP/2.0/UDP 198.18.0.3:5060;branch=z9hG4bK-1\r\n"                             \
	       "From: " from ";tag=1\r\n"                                                          \
	       "To: " to "\r\n"                                                                    \
	       "Call-ID: c1@198.18.0.3\r\n"                                                        \
	       "CSeq: 1 " method "\r\n"                                                            \
	       "Max-Forwards: 70\r\n" extra "Content-Length: 0\r\n\r\n"

Test(scanner, new_requests_by_user_agent_and_from)
{
	char err[256];
	int bad;
	struct dpv_scanner *s = dpv_scanner_create(pats, 4, err, sizeof(err), &bad);
	struct dpv_scanner_scratch *x = dpv_scanner_scratch_alloc(s);

	cr_assert_not_null(x);
	cr_expect(request_matches(s, x,
	                          REQ("OPTIONS", "<sip:100@198.18.0.3>", "<sip:100@198.18.0.1>",
	                              "User-Agent: friendly-scanner\r\n")));
	cr_expect(request_matches(s, x,
	                          REQ("INVITE", "\"sipvicious\" <sip:100@198.18.0.3>",
	                              "<sip:100@198.18.0.1>", "")),
	          "From display name");
	cr_expect(request_matches(s, x,
	                          REQ("REGISTER", "<sip:VaxSIPUserAgent@198.18.0.3>",
	                              "<sip:100@198.18.0.1>", "")),
	          "From URI");
	cr_expect(!request_matches(s, x,
	                           REQ("OPTIONS", "<sip:100@198.18.0.3>", "<sip:100@198.18.0.1>",
	                               "User-Agent: Linphone/5.0\r\n")),
	          "another User-Agent");
	cr_expect(!request_matches(s, x,
	                           REQ("ACK", "<sip:100@198.18.0.3>", "<sip:100@198.18.0.1>",
	                               "User-Agent: friendly-scanner\r\n")),
	          "ACK is never filtered");
	cr_expect(!request_matches(s, x,
	                           REQ("BYE", "<sip:100@198.18.0.3>", "<sip:100@198.18.0.1>;tag=9",
	                               "User-Agent: friendly-scanner\r\n")),
	          "in-dialog (To tag): not a new request");
	dpv_scanner_scratch_free(x);
	dpv_scanner_destroy(s);
}
