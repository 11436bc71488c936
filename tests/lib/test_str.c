/* SPDX-License-Identifier: BSD-3-Clause */
/* lib strings: views, unsigned parse, the appender, IPv4 text, bridge names, call actions. */
#include <ctype.h>
#include <stdio.h>

#include <criterion/criterion.h>

#include "dpv.h"

#define S(lit) DPV_STR_LIT(lit)

Test(str, caseeq_folds_ascii_only)
{
	cr_assert(dpv_str_caseeq(S("Call-ID"), S("call-id")));
	cr_assert(DPV_STR_CASEEQ_LIT(S("INVITE"), "invite"));
	cr_assert_not(dpv_str_caseeq(S("abc"), S("abd")));
	cr_assert_not(dpv_str_caseeq(S("abc"), S("abcd")));
	cr_assert_not(dpv_str_caseeq(S("\xc4"), S("\xe4")), "no folding beyond ASCII");
	cr_assert(dpv_str_caseeq(DPV_STR_NULL, S("")));
}

Test(str, to_u32_digits_leading_zeros_and_overflow)
{
	uint32_t v = 7;

	cr_assert_eq(dpv_str_to_u32(S("0"), 10, &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(dpv_str_to_u32(S("000000000000000065535"), 65535, &v), 0);
	cr_assert_eq(v, 65535);
	cr_assert_eq(dpv_str_to_u32(S("65536"), 65535, &v), -2);
	cr_assert_eq(dpv_str_to_u32(S("99999999999999999999"), UINT32_MAX, &v), -2);
	cr_assert_eq(dpv_str_to_u32(S("4294967295"), UINT32_MAX, &v), 0);
	cr_assert_eq(v, UINT32_MAX);
	cr_assert_eq(dpv_str_to_u32(S(""), 10, &v), -1);
	cr_assert_eq(dpv_str_to_u32(S("1a"), 10, &v), -1);
	cr_assert_eq(dpv_str_to_u32(S("-1"), 10, &v), -1);
	cr_assert_eq(dpv_str_to_u32(S(" 1"), 10, &v), -1);
}

Test(str, ipv4_parse_and_format)
{
	char buf[DPV_IPV4_STRLEN];
	uint32_t ip = 0;

	cr_assert(dpv_ipv4_parse(S("198.18.0.1"), &ip));
	cr_assert_eq(ip, 0xC6120001u);
	cr_assert(dpv_ipv4_parse(S("0.0.0.0"), &ip));
	cr_assert_eq(ip, 0);
	cr_assert(dpv_ipv4_parse(S("255.255.255.255"), &ip));
	cr_assert_eq(ip, UINT32_MAX);
	static const char *const bad[] = {
	    "",         "1.2.3",    "1.2.3.4.", "1.2.3.256",  "01.2.3.4", "1.2.3.04",   "1..3.4",
	    "1.2.3.4 ", " 1.2.3.4", "a.b.c.d",  "1.2.3.1000", "1.2.3.-4", "1.2.3.4/24",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(dpv_ipv4_parse(dpv_cstr(bad[i]), &ip), "'%s' is no address", bad[i]);
	cr_assert_eq(dpv_ipv4_scan(S("10.0.0.1/24"), &ip), 8, "scan stops after the address");
	cr_assert_eq(ip, 0x0A000001u);
	cr_assert_eq(dpv_ipv4_scan(S("10.0.0.01/24"), &ip), 0);
	cr_assert_eq(dpv_ipv4_format(0xC6120001u, buf), 10);
	cr_assert_str_eq(buf, "198.18.0.1");
	cr_assert_eq(dpv_ipv4_format(UINT32_MAX, buf), 15);
	cr_assert_str_eq(buf, "255.255.255.255");
	dpv_ipv4_format(0, buf);
	cr_assert_str_eq(buf, "0.0.0.0");
	/* every octet value in every position, against printf */
	for (uint32_t i = 0; i < 4 * 256; i++) {
		char want[DPV_IPV4_STRLEN];
		uint32_t a =
		    (i & 0xff) << (8 * (i >> 8)) | (0x01020304u & ~(0xffu << (8 * (i >> 8))));

		snprintf(want, sizeof(want), "%u.%u.%u.%u", a >> 24, a >> 16 & 0xff, a >> 8 & 0xff,
		         a & 0xff);
		cr_assert_eq(dpv_ipv4_format(a, buf), strlen(want));
		cr_assert_str_eq(buf, want);
	}
}

Test(str, buf_refuses_what_does_not_fit_and_says_so_once)
{
	char out[8];
	struct dpv_buf b = DPV_BUF(out, sizeof(out));

	dpv_buf_cstr(&b, "abc");
	dpv_buf_u32(&b, 4096);
	cr_assert_eq(dpv_buf_end(&b), 7);
	cr_assert_eq(memcmp(out, "abc4096", 7), 0);
	dpv_buf_put(&b, "x", 1);
	cr_assert_eq(dpv_buf_end(&b), 8);
	dpv_buf_put(&b, "y", 1);
	cr_assert_eq(dpv_buf_end(&b), -1);
	dpv_buf_put(&b, "", 0);
	cr_assert_eq(dpv_buf_end(&b), -1, "stays over");

	b = DPV_BUF(out, sizeof(out));
	dpv_buf_printf(&b, "%u-%s", 12u, "ab");
	cr_assert_eq(dpv_buf_end(&b), 5);
	dpv_buf_printf(&b, "%s", "toolong");
	cr_assert_eq(dpv_buf_end(&b), -1);
}

/* The table formatter against printf on @a v: same digits, same length, no NUL written. */
static void
expect_u64(uint64_t v)
{
	char want[32], got[DPV_U64_DIGITS + 1];
	int n = snprintf(want, sizeof(want), "%llu", (unsigned long long)v);

	memset(got, '#', sizeof(got));
	cr_assert_eq(dpv_fmt_u64(got, v), (uint32_t)n, "length of %s", want);
	cr_assert_eq(memcmp(got, want, (size_t)n), 0, "digits of %s", want);
	cr_assert_eq(got[n], '#', "nothing after the digits of %s", want);
}

Test(str, fmt_u64_every_width_and_boundary)
{
	uint64_t p = 1;

	expect_u64(0);
	expect_u64(UINT32_MAX);
	expect_u64((uint64_t)UINT32_MAX + 1);
	expect_u64(UINT64_MAX);
	expect_u64(UINT64_MAX - 1);
	/* every width 1..20: its first and last value, and the odd/even digit-pair tails */
	for (unsigned w = 1; w <= DPV_U64_DIGITS; w++) {
		expect_u64(p);
		expect_u64(p + 1);
		if (w < DPV_U64_DIGITS) {
			expect_u64(p * 10 - 1);
			expect_u64(p * 5);
			p *= 10;
		}
	}
	/* every value up to 100000 (the short fast paths and their ends), then a spread of
	 * values against printf (xorshift64: repeatable) */
	for (uint64_t v = 0; v <= 100000; v++)
		expect_u64(v);
	for (uint64_t x = 88172645463325252ull, i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		expect_u64(x);
		expect_u64(x >> (i % 64));
	}
}

Test(str, buf_u64_never_writes_past_cap)
{
	char out[48];

	/* every cap around the length of every width, on both of the appender's paths (room for
	 * the longest number or not) */
	for (unsigned w = 1; w <= DPV_U64_DIGITS; w++) {
		char want[32];
		uint64_t v = w == DPV_U64_DIGITS ? UINT64_MAX : 1;

		for (unsigned i = 1; i < w && w < DPV_U64_DIGITS; i++)
			v = v * 10 + i % 10;
		cr_assert_eq(snprintf(want, sizeof(want), "%llu", (unsigned long long)v), (int)w);
		for (unsigned pre = 0; pre <= 3; pre++)
			for (unsigned cap = pre; cap <= pre + w + DPV_U64_DIGITS + 1; cap++) {
				struct dpv_buf b = DPV_BUF(out, cap);

				memset(out, '#', sizeof(out));
				dpv_buf_put(&b, "abc", pre);
				dpv_buf_u64(&b, v);
				for (unsigned k = cap; k < sizeof(out); k++)
					cr_assert_eq(out[k], '#', "byte %u written, cap %u", k,
					             cap);
				if (pre + w <= cap) {
					cr_assert_eq(dpv_buf_end(&b), (int)(pre + w));
					cr_assert_eq(memcmp(out + pre, want, w), 0);
				} else {
					cr_assert_eq(dpv_buf_end(&b), -1, "%u digits in %u", w,
					             cap - pre);
					dpv_buf_put(&b, "", 0);
					dpv_buf_u32(&b, 1);
					cr_assert_eq(dpv_buf_end(&b), -1, "stays over");
					for (unsigned k = pre; k < cap; k++)
						cr_assert_eq(out[k], '#',
						             "a number cut short, cap %u", cap);
				}
			}
	}
}

Test(str, buf_hex_every_width)
{
	char out[24], want[24];
	const uint64_t v = 0x0123456789abcdefull;

	for (unsigned d = 1; d <= 16; d++) {
		struct dpv_buf b = DPV_BUF(out, sizeof(out));
		uint64_t low = d == 16 ? v : v & ((1ull << (4 * d)) - 1);

		snprintf(want, sizeof(want), "%0*llx", (int)d, (unsigned long long)low);
		dpv_buf_hex(&b, v, d);
		cr_assert_eq(dpv_buf_end(&b), (int)d);
		cr_assert_eq(memcmp(out, want, d), 0, "width %u: %s", d, want);
		b = DPV_BUF(out, d - 1);
		dpv_buf_hex(&b, v, d);
		cr_assert_eq(dpv_buf_end(&b), -1, "width %u in %u", d, d - 1);
	}
	/* every nibble value in every position, at every width, against printf */
	for (uint64_t x = 88172645463325252ull, i = 0; i < 20000; i++) {
		struct dpv_buf b = DPV_BUF(out, sizeof(out));
		unsigned d = 1 + i % 16;
		uint64_t y = i < 256 ? 0x1111111111111111ull * (i & 0xf) ^ (i >> 4) : x;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		snprintf(want, sizeof(want), "%0*llx", (int)d,
		         (unsigned long long)(d == 16 ? y : y & ((1ull << (4 * d)) - 1)));
		dpv_buf_hex(&b, y, d);
		cr_assert_eq(dpv_buf_end(&b), (int)d);
		cr_assert_eq(memcmp(out, want, d), 0, "%016llx width %u: %s", (unsigned long long)y,
		             d, want);
	}
	struct dpv_buf b = DPV_BUF(out, sizeof(out));

	dpv_buf_hex(&b, 0, 16);
	cr_assert_eq(memcmp(out, "0000000000000000", 16), 0);
	dpv_buf_hex(&b, UINT64_MAX, 0);
	cr_assert_eq(dpv_buf_end(&b), -1, "no width is an error, not nothing");
	b = DPV_BUF(out, sizeof(out));
	dpv_buf_hex(&b, UINT64_MAX, 17);
	cr_assert_eq(dpv_buf_end(&b), -1);
}

Test(str, str_copy_cuts_and_terminates)
{
	char out[8];

	memset(out, '#', sizeof(out));
	cr_assert_eq(dpv_str_copy(out, sizeof(out), S("abcdefghij")), 7);
	cr_assert_str_eq(out, "abcdefg");
	cr_assert_eq(dpv_str_copy(out, sizeof(out), S("abcdefg")), 7);
	cr_assert_str_eq(out, "abcdefg");
	cr_assert_eq(dpv_str_copy(out, sizeof(out), S("ab")), 2);
	cr_assert_str_eq(out, "ab");
	cr_assert_eq(dpv_str_copy(out, sizeof(out), DPV_STR_NULL), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(dpv_str_copy(out, 1, S("ab")), 0);
	cr_assert_str_eq(out, "");
}

Test(str, one_bridge_name_rule)
{
	char long_name[DPV_BRIDGE_NAME_MAX + 2];

	cr_assert(dpv_bridge_name_valid("conf-1.a_B", 10));
	cr_assert_not(dpv_bridge_name_valid("a b", 3));
	cr_assert_not(dpv_bridge_name_valid("a/b", 3));
	cr_assert_not(dpv_bridge_name_valid("", 0));
	cr_assert_not(dpv_bridge_name_valid(NULL, 0));
	memset(long_name, 'x', sizeof(long_name));
	cr_assert(dpv_bridge_name_valid(long_name, DPV_BRIDGE_NAME_MAX));
	cr_assert_not(dpv_bridge_name_valid(long_name, DPV_BRIDGE_NAME_MAX + 1));
}

Test(str, call_action_names)
{
	cr_assert_str_eq(dpv_call_action_name(DPV_CALL_NONE), "none");
	cr_assert_str_eq(dpv_call_action_name(DPV_CALL_TONE), "tone");
	cr_assert_str_eq(dpv_call_action_name(DPV_CALL_ECHO), "echo");
	cr_assert_str_eq(dpv_call_action_name(DPV_CALL_BRIDGE), "bridge");
	cr_assert_str_eq(dpv_call_action_name(DPV_CALL_REJECT), "reject");
	cr_assert_str_eq(dpv_call_action_name(DPV_CALL_RELAY), "relay");
	cr_assert_str_eq(dpv_call_action_name(DPV_CALL_ACTION_MAX), "?");
}

Test(str, hash_fold_is_case_insensitive_and_matches_plain_on_lower)
{
	uint32_t a = dpv_hash32_add_fold(DPV_HASH32_INIT, "Host.Example", 12);
	uint32_t b = dpv_hash32_add_fold(DPV_HASH32_INIT, "host.example", 12);

	cr_assert_eq(a, b);
	cr_assert_eq(b, dpv_hash32("host.example", 12));
	cr_assert_neq(dpv_hash32("Host.Example", 12), b);
	/* FNV-1a test vector: "a" */
	cr_assert_eq(dpv_hash32("a", 1), 0xe40c292cu);
}

/* dpv_hashw: case folding only where asked, and only of letters; every length and every byte
 * position counts. */
Test(hash, word_hash_folds_letters_and_sees_every_byte)
{
	char a[80], b[80];

	for (size_t len = 0; len < sizeof(a); len++) {
		for (size_t i = 0; i < len; i++)
			a[i] = (char)("Host.EXAMPLE-9_z@[]`{"[(i * 7 + len) % 21]);
		for (size_t i = 0; i < len; i++)
			b[i] = (char)tolower((unsigned char)a[i]);
		cr_assert_eq(dpv_hashw_add(DPV_HASHW_INIT, a, len, true),
		             dpv_hashw_add(DPV_HASHW_INIT, b, len, false), "len %zu", len);
		cr_assert_eq(dpv_hashw_add(DPV_HASHW_INIT, a, len, true),
		             dpv_hashw_add(DPV_HASHW_INIT, b, len, true), "len %zu", len);
		/* one more byte, of value 0, is another string */
		b[len] = '\0';
		cr_assert_neq(dpv_hashw_add(DPV_HASHW_INIT, b, len, false),
		              dpv_hashw_add(DPV_HASHW_INIT, b, len + 1, false), "len %zu", len);
		for (size_t i = 0; i < len; i++) {
			memcpy(b, a, len);
			b[i] ^= 0x01;
			cr_assert_neq(dpv_hashw_add(DPV_HASHW_INIT, a, len, false),
			              dpv_hashw_add(DPV_HASHW_INIT, b, len, false),
			              "len %zu at %zu", len, i);
		}
	}
	/* '@' '[' '`' '{' and bytes over 0x7f are not letters: never folded */
	for (unsigned c = 0; c < 256; c++) {
		unsigned char x = (unsigned char)c, y = (unsigned char)(c ^ 0x20);
		bool letters = c < 0x80 && isalpha((int)c);

		if (letters)
			cr_assert_eq(dpv_hashw_add(DPV_HASHW_INIT, &x, 1, true),
			             dpv_hashw_add(DPV_HASHW_INIT, &y, 1, true), "0x%02x", c);
		else
			cr_assert_neq(dpv_hashw_add(DPV_HASHW_INIT, &x, 1, true),
			              dpv_hashw_add(DPV_HASHW_INIT, &y, 1, true), "0x%02x", c);
	}
}

/* Spread: 100,000 branch-like keys over 2^16 buckets fill about as many as uniform does. */
Test(hash, word_hash_spreads_branch_keys)
{
	static uint8_t used[1 << 16];
	unsigned filled = 0;
	char k[48];

	for (int i = 0; i < 100000; i++) {
		int n = snprintf(k, sizeof(k), "z9hG4bK-%08x-%d", (unsigned)i * 2654435761u, i);
		uint32_t h = dpv_hashw_fin(dpv_hashw_add(DPV_HASHW_INIT, k, (size_t)n, false));

		filled += !used[h & 0xffff];
		used[h & 0xffff] = 1;
	}
	/* uniform: 65536 * (1 - e^(-100000/65536)) = 51,300 */
	cr_assert_gt(filled, 50000, "%u", filled);
}
