/* SPDX-License-Identifier: BSD-3-Clause */
/* Dialplan: first match wins, anchors, captures, bad input, bad patterns, counters; the rule
 * grammar and the [sip] and [dialplan] startup-file sections. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sip.h"

/* DESIGN.md section 4. */
static const struct sip_dialplan_rule design_rules[] = {
    {"^conf-(.+)$", DPV_CALL_BRIDGE, 0, NULL},
    {"^echo$", DPV_CALL_ECHO, 0, NULL},
    {"^busy$", DPV_CALL_REJECT, 486, NULL},
    {".*", DPV_CALL_TONE, 0, NULL},
};

static struct sip_dialplan *dp;
static struct sip_dialplan_scratch *sc;
static char err[256];

static void
load(const struct sip_dialplan_rule *rules, unsigned n)
{
	dp = sip_dialplan_create(rules, n, err, sizeof(err), NULL);
	cr_assert_not_null(dp, "create: %s", err);
	sc = sip_dialplan_scratch_alloc(dp);
	cr_assert_not_null(sc);
}

static void
unload(void)
{
	sip_dialplan_scratch_free(sc);
	sip_dialplan_destroy(dp);
	sc = NULL;
	dp = NULL;
}

static enum sip_dp_status
match(const char *user, struct sip_dialplan_result *r)
{
	/* Pass a copy with no NUL after it, like a view into a packet. */
	static char buf[1024];
	size_t n = strlen(user);

	memcpy(buf, user, n);
	memset(buf + n, 'Z', sizeof(buf) - n);
	return sip_dialplan_match(dp, sc, buf, (uint32_t)n, r);
}

static void
design_setup(void)
{
	load(design_rules, 4);
}

TestSuite(dialplan_design, .init = design_setup, .fini = unload);

Test(dialplan_design, conf_bridge_from_capture)
{
	struct sip_dialplan_result r;

	cr_assert_eq(match("conf-abc", &r), SIP_DP_MATCH);
	cr_expect_eq(r.action, DPV_CALL_BRIDGE);
	cr_expect_eq(r.rule, 0);
	cr_expect_str_eq(r.bridge, "abc");
	cr_expect_eq(r.bridge_len, 3);
}

Test(dialplan_design, echo_busy_tone)
{
	struct sip_dialplan_result r;

	cr_assert_eq(match("echo", &r), SIP_DP_MATCH);
	cr_expect_eq(r.action, DPV_CALL_ECHO);
	cr_expect_eq(r.rule, 1);

	cr_assert_eq(match("busy", &r), SIP_DP_MATCH);
	cr_expect_eq(r.action, DPV_CALL_REJECT);
	cr_expect_eq(r.reject_code, 486);
	cr_expect_eq(r.rule, 2);

	cr_assert_eq(match("alice", &r), SIP_DP_MATCH);
	cr_expect_eq(r.action, DPV_CALL_TONE);
	cr_expect_eq(r.rule, 3);
	cr_expect_eq(r.bridge_len, 0);
}

Test(dialplan_design, anchors_mean_whole_user)
{
	struct sip_dialplan_result r;

	/* "echo" inside a longer user is not ^echo$: falls to the tone rule. */
	cr_assert_eq(match("echo2", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 3);
	cr_assert_eq(match("xecho", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 3);
	cr_assert_eq(match("busy ", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 3);
	cr_assert_eq(match("myconf-abc", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 3);
	/* "conf-" with nothing after: (.+) needs a byte. */
	cr_assert_eq(match("conf-", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 3);
}

Test(dialplan_design, case_sensitive)
{
	struct sip_dialplan_result r;

	cr_assert_eq(match("ECHO", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 3);
	cr_assert_eq(match("Conf-abc", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 3);
	cr_assert_eq(match("conf-ABC", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 0);
	cr_expect_str_eq(r.bridge, "ABC");
}

Test(dialplan_design, empty_user_matches_dot_star)
{
	struct sip_dialplan_result r;

	cr_assert_eq(sip_dialplan_match(dp, sc, NULL, 0, &r), SIP_DP_MATCH);
	cr_expect_eq(r.action, DPV_CALL_TONE);
	cr_expect_eq(r.rule, 3);
}

Test(dialplan_design, long_user)
{
	struct sip_dialplan_result r;
	char u[SIP_DIALPLAN_MAX_USER + 2];

	/* Exactly the limit still matches. */
	memset(u, 'a', sizeof(u));
	cr_assert_eq(sip_dialplan_match(dp, sc, u, SIP_DIALPLAN_MAX_USER, &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 3);
	cr_assert_eq(sip_dialplan_match(dp, sc, u, SIP_DIALPLAN_MAX_USER + 1, &r), SIP_DP_NO_MATCH);
	cr_expect_eq(sip_dialplan_scratch_stats(sc)->too_long, 1);
	cr_expect_eq(sip_dialplan_scratch_stats(sc)->no_match, 0);

	/* A capture at the limit: 5 bytes "conf-" + 251 bytes name: too long a name. */
	memcpy(u, "conf-", 5);
	cr_assert_eq(sip_dialplan_match(dp, sc, u, SIP_DIALPLAN_MAX_USER, &r),
	             SIP_DP_BAD_BRIDGE_NAME);
	cr_expect_eq(r.rule, 0);
	/* 63 bytes is the longest name. */
	cr_assert_eq(sip_dialplan_match(dp, sc, u, 5 + 63, &r), SIP_DP_MATCH);
	cr_expect_eq(r.bridge_len, 63);
	cr_expect_eq(strlen(r.bridge), 63);
	cr_assert_eq(sip_dialplan_match(dp, sc, u, 5 + 64, &r), SIP_DP_BAD_BRIDGE_NAME);
}

Test(dialplan_design, invalid_capture_name)
{
	struct sip_dialplan_result r;

	cr_expect_eq(match("conf-a/b", &r), SIP_DP_BAD_BRIDGE_NAME);
	cr_expect_eq(r.rule, 0);
	cr_expect_eq(match("conf-a b", &r), SIP_DP_BAD_BRIDGE_NAME);
	cr_expect_eq(match("conf-%41", &r), SIP_DP_BAD_BRIDGE_NAME);
	cr_expect_eq(match("conf-\xc3\xa9", &r), SIP_DP_BAD_BRIDGE_NAME);
	cr_assert_eq(match("conf-A.b_c-9", &r), SIP_DP_MATCH);
	cr_expect_str_eq(r.bridge, "A.b_c-9");
	cr_expect_eq(sip_dialplan_scratch_stats(sc)->bad_bridge_name, 4);
}

Test(dialplan_design, control_bytes_refused)
{
	struct sip_dialplan_result r;

	/* Without the check, hyperscan's $ would accept a trailing LF. */
	cr_expect_eq(sip_dialplan_match(dp, sc, "busy\n", 5, &r), SIP_DP_NO_MATCH);
	cr_expect_eq(sip_dialplan_match(dp, sc, "ec\0ho", 5, &r), SIP_DP_NO_MATCH);
	cr_expect_eq(sip_dialplan_match(dp, sc, "x\x7f", 2, &r), SIP_DP_NO_MATCH);
	cr_expect_eq(sip_dialplan_scratch_stats(sc)->bad_user, 3);
}

Test(dialplan_design, counters)
{
	struct sip_dialplan_result r;
	const struct sip_dialplan_stats *st = sip_dialplan_scratch_stats(sc);

	match("conf-a", &r);
	match("conf-b", &r);
	match("echo", &r);
	match("busy", &r);
	match("busy", &r);
	match("busy", &r);
	match("zz", &r);
	match("conf-!", &r);
	cr_expect_eq(st->hits[0], 3); /* the bad name was decided by rule 0 too */
	cr_expect_eq(st->hits[1], 1);
	cr_expect_eq(st->hits[2], 3);
	cr_expect_eq(st->hits[3], 1);
	cr_expect_eq(st->bad_bridge_name, 1);
	cr_expect_eq(st->no_match, 0);
	cr_expect_eq(st->capture_miss, 0);
	cr_expect_eq(st->scan_error, 0);

	/* Counters are per scratch. */
	struct sip_dialplan_scratch *other = sip_dialplan_scratch_alloc(dp);

	cr_assert_not_null(other);
	cr_expect_eq(sip_dialplan_match(dp, other, "echo", 4, &r), SIP_DP_MATCH);
	cr_expect_eq(sip_dialplan_scratch_stats(other)->hits[1], 1);
	cr_expect_eq(sip_dialplan_scratch_stats(other)->hits[2], 0);
	cr_expect_eq(st->hits[1], 1);
	sip_dialplan_scratch_free(other);
}

Test(dialplan, first_match_wins)
{
	/* Later rules end their match earlier in the user; hyperscan reports them first. */
	static const struct sip_dialplan_rule rules[] = {
	    {"^1234$", DPV_CALL_REJECT, 403, NULL},   {"^12", DPV_CALL_ECHO, 0, NULL},
	    {"^1", DPV_CALL_REJECT, 480, NULL},       {"^(12)(34)?", DPV_CALL_BRIDGE, 0, NULL},
	    {"^1", DPV_CALL_BRIDGE, 0, "fixed-room"},
	};
	struct sip_dialplan_result r;

	load(rules, 5);
	cr_assert_eq(match("1234", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 0);
	cr_expect_eq(r.reject_code, 403);
	cr_assert_eq(match("12345", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 1);
	cr_expect_eq(r.action, DPV_CALL_ECHO);
	cr_assert_eq(match("13", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 2);
	cr_expect_eq(r.reject_code, 480);
	cr_expect_eq(match("2", &r), SIP_DP_NO_MATCH);
	cr_expect_eq(match("", &r), SIP_DP_NO_MATCH);
	cr_expect_eq(sip_dialplan_scratch_stats(sc)->no_match, 2);
	unload();

	/* Without the earlier rules: capture rule, then the fixed bridge name. */
	load(rules + 3, 2);
	cr_assert_eq(match("1234", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 0);
	cr_expect_str_eq(r.bridge, "12");
	cr_assert_eq(match("1x", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 1);
	cr_expect_eq(r.action, DPV_CALL_BRIDGE);
	cr_expect_str_eq(r.bridge, "fixed-room");
	unload();
}

Test(dialplan, many_rules_across_words)
{
	static struct sip_dialplan_rule rules[SIP_DIALPLAN_MAX_RULES];
	static char pats[SIP_DIALPLAN_MAX_RULES][16];
	struct sip_dialplan_result r;

	for (unsigned i = 0; i < SIP_DIALPLAN_MAX_RULES; i++) {
		snprintf(pats[i], sizeof(pats[i]), "^u%u$", i);
		rules[i] = (struct sip_dialplan_rule){pats[i], DPV_CALL_ECHO, 0, NULL};
	}
	rules[200].pattern = "^u.*9$";
	load(rules, SIP_DIALPLAN_MAX_RULES);
	cr_assert_eq(match("u255", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 255);
	cr_assert_eq(match("u64", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 64);
	cr_assert_eq(match("u199", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 199);
	cr_assert_eq(match("u209", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 200);
	cr_expect_eq(match("u256", &r), SIP_DP_NO_MATCH);
	unload();
}

static void
expect_create_error(const struct sip_dialplan_rule *rules, unsigned n, const char *want)
{
	char e[256] = "";

	cr_expect_null(sip_dialplan_create(rules, n, e, sizeof(e), NULL));
	cr_expect_str_eq(e, want);
}

Test(dialplan, bad_patterns_name_the_rule)
{
	static const struct sip_dialplan_rule backref[] = {
	    {"^ok$", DPV_CALL_ECHO, 0, NULL},
	    {"^(a)\\1$", DPV_CALL_TONE, 0, NULL},
	};
	static const struct sip_dialplan_rule unbalanced[] = {
	    {"^ok$", DPV_CALL_ECHO, 0, NULL},
	    {"^ok$", DPV_CALL_ECHO, 0, NULL},
	    {"^(ab$", DPV_CALL_TONE, 0, NULL},
	};
	static const struct sip_dialplan_rule posix_bad[] = {
	    {"^conf-(a{2,1})$", DPV_CALL_BRIDGE, 0, NULL},
	};
	static const struct sip_dialplan_rule no_capture[] = {
	    {"^conf-.+$", DPV_CALL_BRIDGE, 0, NULL},
	};
	static const struct sip_dialplan_rule bad_code[] = {
	    {"^busy$", DPV_CALL_REJECT, 200, NULL},
	};
	static const struct sip_dialplan_rule bad_fixed[] = {
	    {"^x$", DPV_CALL_BRIDGE, 0, "a room"},
	};
	char e[256] = "";

	expect_create_error(backref, 2, "rule 1 (\"^(a)\\1$\"): Back-references are unsupported.");
	cr_expect_null(sip_dialplan_create(unbalanced, 3, e, sizeof(e), NULL));
	cr_expect_eq(strncmp(e, "rule 2 (\"^(ab$\"): ", 18), 0, "%s", e);
	cr_expect_null(sip_dialplan_create(posix_bad, 1, e, sizeof(e), NULL));
	cr_expect_eq(strncmp(e, "rule 0 (\"^conf-(a{2,1})$\"): ", 28), 0, "%s", e);
	expect_create_error(no_capture, 1,
	                    "rule 0 (\"^conf-.+$\"): bridge without a name needs a capture group");
	expect_create_error(bad_code, 1, "rule 0 (\"^busy$\"): reject code 200 not in 400..699");
	expect_create_error(bad_fixed, 1,
	                    "rule 0 (\"^x$\"): bridge name \"a room\" is not 1..63 of "
	                    "[A-Za-z0-9._-]");
	expect_create_error(design_rules, 0, "dialplan needs 1..256 rules, got 0");
}

Test(dialplan, capture_syntax_mismatch_skips_rule)
{
	/* glibc's ERE reads \\d as 'd', hyperscan as a digit: they disagree on "conf-12". */
	static const struct sip_dialplan_rule rules[] = {
	    {"^conf-(\\d+)$", DPV_CALL_BRIDGE, 0, NULL},
	    {"^conf-", DPV_CALL_REJECT, 404, NULL},
	};
	struct sip_dialplan_result r;

	load(rules, 2);
	cr_assert_eq(match("conf-12", &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 1);
	cr_expect_eq(r.reject_code, 404);
	cr_expect_eq(sip_dialplan_scratch_stats(sc)->capture_miss, 1);
	cr_expect_eq(sip_dialplan_scratch_stats(sc)->hits[0], 0);
	cr_expect_eq(sip_dialplan_scratch_stats(sc)->hits[1], 1);
	unload();
}

Test(dialplan, scratch_of_another_dialplan_refused)
{
	struct sip_dialplan *other = sip_dialplan_create(design_rules, 2, err, sizeof(err), NULL);
	struct sip_dialplan_result r;

	cr_assert_not_null(other, "%s", err);
	load(design_rules, 4);
	cr_expect_eq(sip_dialplan_match(other, sc, "echo", 4, &r), SIP_DP_NO_MATCH);
	cr_expect_eq(sip_dialplan_scratch_stats(sc)->scan_error, 1);
	cr_expect_eq(sip_dialplan_nb_rules(other), 2);
	cr_expect_eq(sip_dialplan_nb_rules(dp), 4);
	unload();
	sip_dialplan_destroy(other);
}

Test(dialplan, create_names_the_bad_rule_by_index)
{
	static const struct sip_dialplan_rule rules[] = {
	    {"^ok$", DPV_CALL_ECHO, 0, NULL},
	    {"^busy$", DPV_CALL_REJECT, 486, NULL},
	    {"^x**$", DPV_CALL_TONE, 0, NULL},      /* hyperscan refuses it */
	    {"^busy$", DPV_CALL_REJECT, 200, NULL}, /* refused before hyperscan is asked */
	};
	struct sip_dialplan *d;
	int bad = 7;

	cr_expect_null(sip_dialplan_create(rules, 3, err, sizeof(err), &bad));
	cr_expect_eq(bad, 2);
	cr_expect_str_eq(err, "rule 2 (\"^x**$\"): Invalid repeat at index 3.");
	cr_expect_null(sip_dialplan_create(rules, 4, err, sizeof(err), &bad));
	cr_expect_eq(bad, 3);
	cr_expect_null(sip_dialplan_create(rules, 0, err, sizeof(err), &bad));
	cr_expect_eq(bad, -1, "no rule at fault");
	d = sip_dialplan_create(rules, 2, err, sizeof(err), &bad);
	cr_assert_not_null(d, "%s", err);
	cr_expect_eq(bad, -1);
	sip_dialplan_destroy(d);
}

/* ---- the rule grammar ---- */

static void
expect_rule(const char *text, const char *pattern, enum dpv_call_action action, uint16_t code,
            const char *bridge)
{
	struct sip_dialplan_rule r;
	char buf[512], e[256] = "";

	cr_assert_eq(sip_dialplan_rule_parse(text, &r, buf, sizeof(buf), e, sizeof(e)), 0, "%s: %s",
	             text, e);
	cr_expect_str_eq(r.pattern, pattern, "%s", text);
	cr_expect_eq(r.action, action, "%s", text);
	cr_expect_eq(r.reject_code, code, "%s", text);
	if (bridge == NULL)
		cr_expect_null(r.bridge, "%s", text);
	else
		cr_expect_str_eq(r.bridge, bridge, "%s", text);
}

static void
expect_rule_error(const char *text, const char *want)
{
	struct sip_dialplan_rule r;
	char buf[1024], e[256] = "";

	cr_expect_eq(sip_dialplan_rule_parse(text, &r, buf, sizeof(buf), e, sizeof(e)), -1, "%s",
	             text);
	cr_expect_str_eq(e, want, "%s", text);
}

Test(dialplan, rule_grammar)
{
	char longp[400];

	expect_rule("^conf-(.+)$ bridge", "^conf-(.+)$", DPV_CALL_BRIDGE, 0, NULL);
	expect_rule("^room (a|b)$  bridge   lobby", "^room (a|b)$", DPV_CALL_BRIDGE, 0, "lobby");
	expect_rule("^busy$ reject 486", "^busy$", DPV_CALL_REJECT, 486, NULL);
	expect_rule("a b c tone", "a b c", DPV_CALL_TONE, 0, NULL);
	/* a two-token action needs a pattern before it */
	expect_rule("bridge echo", "bridge", DPV_CALL_ECHO, 0, NULL);
	expect_rule("reject 486 echo", "reject 486", DPV_CALL_ECHO, 0, NULL);

	expect_rule_error("echo", "expected 'PATTERN ACTION', got 'echo'");
	expect_rule_error("x dance",
	                  "unknown action 'dance' (tone, echo, reject CODE, bridge [NAME])");
	expect_rule_error("x reject", "action 'reject' needs a SIP status code (400..699)");
	expect_rule_error("x reject 700", "reject code '700' is not a SIP status code in 400..699");
	expect_rule_error("x reject 4x6", "reject code '4x6' is not a SIP status code in 400..699");
	/* the one bridge-name rule, dpv_bridge_name_valid */
	expect_rule_error("x bridge a/b", "bad bridge name 'a/b': 1..63 characters of A-Z a-z 0-9 "
	                                  ". _ -");
	expect_rule_error("^conf$ bridge",
	                  "'bridge' without a name takes it from the first capture "
	                  "group, and '^conf$' has none");
	expect_rule_error("^(x tone", "bad regex '^(x': Unmatched ( or \\(");
	memset(longp, 'a', 256);
	strcpy(longp + 256, " tone");
	expect_rule_error(longp, "pattern longer than 255 characters");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	{
		struct sip_dialplan_rule r;
		char small[16], e[64];

		cr_expect_eq(sip_dialplan_rule_parse(longp, &r, small, sizeof(small), e, sizeof(e)),
		             -1);
		cr_expect_str_eq(e, "rule too long");
	}
}

/* ---- the [sip] and [dialplan] sections, read by lib's reader ---- */

static struct sip_conf sconf;
static struct sip_dialplan_conf dconf;

/* Read @a text as a startup file holding only the sip layer's sections; problems in @a out. */
static int
read_conf(const char *text, char *out, size_t outlen, char *file)
{
	struct dpv_cfg_section secs[2];
	FILE *f, *e;
	int fd, n;

	strcpy(file, "/tmp/dpv-test-dialplan-XXXXXX");
	fd = mkstemp(file);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	sip_conf_defaults(&sconf);
	sip_dialplan_conf_free(&dconf);
	sip_dialplan_conf_defaults(&dconf);
	secs[0] = sip_conf_section(&sconf);
	secs[1] = sip_dialplan_conf_section(&dconf);
	memset(out, 0, outlen);
	e = fmemopen(out, outlen, "w");
	cr_assert_not_null(e);
	n = dpv_cfg_load(file, secs, 2, e);
	fclose(e);
	unlink(file);
	return n;
}

static void
conf_fini(void)
{
	sip_dialplan_conf_free(&dconf);
}

TestSuite(dialplan_conf, .fini = conf_fini);

Test(dialplan_conf, defaults_compile_to_dot_star_tone)
{
	char out[1024], file[64];

	cr_assert_eq(read_conf("[sip]\nport = 5070\n", out, sizeof(out), file), 0, "%s", out);
	cr_expect_eq(sconf.port, 5070);
	cr_expect_eq(sconf.max_dialogs, 65536);
	cr_assert_eq(dconf.nb_rules, 1);
	cr_expect_str_eq(dconf.rules[0].rule.pattern, ".*");
	cr_expect_eq(dconf.rules[0].line, 0);
	cr_assert_not_null(dconf.dp);
	cr_expect_eq(sip_dialplan_nb_rules(dconf.dp), 1);
}

Test(dialplan_conf, every_bad_rule_on_its_own_line)
{
	static const char text[] = "[sip]\n"                  /* 1 */
	                           "t1-ms = 600\n"            /* 2 */
	                           "t2-ms = 500\n"            /* 3 */
	                           "max-dialogs = 16777216\n" /* 4 */
	                           "[dialplan]\n"             /* 5 */
	                           "rule = ^ok$ echo\n"       /* 6 */
	                           "rule = ^a++$ tone\n"      /* 7: possessive */
	                           "rule = ^(a)\\1$ tone\n"   /* 8: back-reference */
	                           "rule = ^(a tone\n"        /* 9: POSIX too */
	                           "rule = .* tone\n";        /* 10 */
	char out[2048], want[2048], file[64];

	cr_assert_eq(read_conf(text, out, sizeof(out), file), 5, "%s", out);
	snprintf(want, sizeof(want),
	         "%s:4: [sip] max-dialogs: 16777216 is out of range (16..16777215)\n"
	         "%s:9: [dialplan] rule: bad regex '^(a': Unmatched ( or \\(\n"
	         "%s:3: [sip] t2-ms: t1-ms (600) must be less than t2-ms (500)\n"
	         "%s:7: [dialplan] rule: bad regex '^a++$': Possessive quantifiers are not "
	         "supported.\n"
	         "%s:8: [dialplan] rule: bad regex '^(a)\\1$': Back-references are unsupported.\n",
	         file, file, file, file, file);
	cr_expect_str_eq(out, want);
	cr_expect_eq(dconf.nb_rules, 4);
	cr_expect_null(dconf.dp, "a dialplan without the file's bad rules is not the file's");
}

Test(dialplan_conf, section_without_rule)
{
	char out[1024], want[1024], file[64];

	cr_assert_eq(read_conf("[dialplan]\n; nothing\n", out, sizeof(out), file), 1);
	snprintf(want, sizeof(want),
	         "%s:1: [dialplan]: no rule: remove the section for the default '.* tone', or add "
	         "rules\n",
	         file);
	cr_expect_str_eq(out, want);
}
