/* SPDX-License-Identifier: BSD-3-Clause */
/* lib strings: views, unsigned parse, the appender, IPv4 text, bridge names, call actions. */
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
