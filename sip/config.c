/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sip layer's startup-file sections: [sip] (the UA's port, timers and sizes) and
 * [dialplan] (its rules). The limits are the UA's and the dialplan's own, and the dialplan
 * check compiles the rules with sip_dialplan_create() exactly as the engine runs them, so a
 * file that passes `--check` is one the engine starts with; the compiled dialplan is kept for
 * the engine.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip.h"

#define SF(f) DPV_CFG_FIELD(struct sip_conf, f)

/* ---- [sip] ---- */

static const struct dpv_cfg_key sip_keys[] = {
    {"port", dpv_cfg_parse_uint, SF(port), 1, 65535, 0, NULL},
    {"t1-ms", dpv_cfg_parse_uint, SF(t1_ms), 10, 10000, 0, NULL},
    {"t2-ms", dpv_cfg_parse_uint, SF(t2_ms), 100, 60000, 0, NULL},
    {"t4-ms", dpv_cfg_parse_uint, SF(t4_ms), 100, 60000, 0, NULL},
    {"max-transactions", dpv_cfg_parse_uint, SF(max_transactions), 16, 16777216, 0, NULL},
    {"max-dialogs", dpv_cfg_parse_uint, SF(max_dialogs), 16, SIP_UA_MAX_DIALOGS, 0, NULL},
    {"max-completed", dpv_cfg_parse_uint, SF(max_completed), 1024, 67108864, 0, NULL},
    {"max-calls-per-source", dpv_cfg_parse_uint, SF(max_calls_per_source), 0, 16777216, 0, NULL},
    {"answer-delay-ms", dpv_cfg_parse_uint, SF(answer_delay_ms), 0, 60000, 0, NULL},
    {NULL},
};

void
sip_conf_defaults(struct sip_conf *sc)
{
	*sc = (struct sip_conf){
	    .port = 5060,
	    .t1_ms = 500,
	    .t2_ms = 4000,
	    .t4_ms = 5000,
	    .max_transactions = 65536,
	    .max_dialogs = 65536,
	    /* 40,960 calls/s (above one lcore's limit on the reference VM) of two records (INVITE,
	       BYE) for 64*T1 = 32 s each */
	    .max_completed = 2621440,
	    /* a quarter of the dialogs: one host never holds them all (a proxy in front: raise) */
	    .max_calls_per_source = 16384,
	};
}

/* The UA refuses t2 < t1; the file must have t1 < t2 (RFC 3261: T2 caps the doubling of T1). */
static void
check_sip(struct dpv_cfg *c, const struct dpv_cfg_section *s)
{
	const struct sip_conf *sc = s->base;
	const char *key = dpv_cfg_is_set(c, s->name, 0, "t2-ms") ? "t2-ms" : "t1-ms";

	if (dpv_cfg_usable(c, s->name, 0, "t1-ms") && dpv_cfg_usable(c, s->name, 0, "t2-ms") &&
	    sc->t1_ms >= sc->t2_ms)
		dpv_cfg_blame(c, s->name, 0, key, "t1-ms (%u) must be less than t2-ms (%u)",
		              sc->t1_ms, sc->t2_ms);
}

struct dpv_cfg_section
sip_conf_section(struct sip_conf *sc)
{
	return (struct dpv_cfg_section){
	    .name = "sip", .instances = 1, .keys = sip_keys, .base = sc, .check = check_sip};
}

/* ---- the rule grammar ---- */

/* Start of the last token of [s, e). */
static char *
tok_start(char *s, char *e)
{
	while (e > s && !isspace((unsigned char)e[-1]))
		e--;
	return e;
}

/* End of [s, e) without its trailing blanks. */
static char *
trim_end(char *s, char *e)
{
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return e;
}

static bool
tok_is(const char *t, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(t, lit, n) == 0;
}

/*
 * PATTERN ACTION, the action being the last token or two: the pattern may hold blanks, the
 * action never does. A two-token action needs a pattern before it, so "bridge echo" is the
 * pattern "bridge" with the action echo.
 */
int
sip_dialplan_rule_parse(const char *text, struct sip_dialplan_rule *r, char *buf, size_t len,
                        char *err, size_t errlen)
{
	char *e, *a, *pe, *b, *act, *arg = NULL;
	regex_t re;
	int rc;

	*r = (struct sip_dialplan_rule){0};
	if ((size_t)snprintf(buf, len, "%s", text) >= len) {
		snprintf(err, errlen, "rule too long");
		return -1;
	}
	e = trim_end(buf, buf + strlen(buf));
	a = tok_start(buf, e);
	pe = trim_end(buf, a);
	if (pe == buf) {
		snprintf(err, errlen, "expected 'PATTERN ACTION', got '%s'", text);
		return -1;
	}
	b = tok_start(buf, pe);
	act = a;
	if (b > buf &&
	    (tok_is(b, (size_t)(pe - b), "reject") || tok_is(b, (size_t)(pe - b), "bridge"))) {
		act = b;
		arg = a;
		*e = '\0';
		*pe = '\0';
		pe = trim_end(buf, b);
	} else {
		*e = '\0';
	}
	*pe = '\0';

	if (strcmp(act, "tone") == 0) {
		r->action = DPV_CALL_TONE;
	} else if (strcmp(act, "echo") == 0) {
		r->action = DPV_CALL_ECHO;
	} else if (strcmp(act, "reject") == 0) {
		uint32_t code;

		if (arg == NULL) {
			snprintf(err, errlen, "action 'reject' needs a SIP status code (400..699)");
			return -1;
		}
		if (dpv_str_to_u32(dpv_cstr(arg), UINT32_MAX, &code) < 0 || code < 400 ||
		    code > 699) {
			snprintf(err, errlen,
			         "reject code '%s' is not a SIP status code in 400..699", arg);
			return -1;
		}
		r->action = DPV_CALL_REJECT;
		r->reject_code = (uint16_t)code;
	} else if (strcmp(act, "bridge") == 0) {
		r->action = DPV_CALL_BRIDGE;
		if (arg != NULL && !dpv_bridge_name_valid(arg, strlen(arg))) {
			snprintf(err, errlen,
			         "bad bridge name '%s': 1..%d characters of A-Z a-z 0-9 . _ -", arg,
			         DPV_BRIDGE_NAME_MAX);
			return -1;
		}
		r->bridge = arg;
	} else {
		snprintf(err, errlen,
		         "unknown action '%s' (tone, echo, reject CODE, bridge [NAME])", act);
		return -1;
	}

	if (strlen(buf) > SIP_DIALPLAN_MAX_PATTERN) {
		snprintf(err, errlen, "pattern longer than %d characters",
		         SIP_DIALPLAN_MAX_PATTERN);
		return -1;
	}
	/* POSIX extracts the bridge name of a capture rule: it must take the pattern too. */
	rc = regcomp(&re, buf, REG_EXTENDED);
	if (rc != 0) {
		char why[128];

		regerror(rc, &re, why, sizeof(why));
		snprintf(err, errlen, "bad regex '%s': %s", buf, why);
		return -1;
	}
	if (r->action == DPV_CALL_BRIDGE && arg == NULL && re.re_nsub == 0) {
		regfree(&re);
		snprintf(err, errlen,
		         "'bridge' without a name takes it from the first capture group, and '%s' "
		         "has none",
		         buf);
		return -1;
	}
	regfree(&re);
	r->pattern = buf;
	return 0;
}

/* ---- [dialplan] ---- */

/* Keep @a r in @a dc, its strings copied into one heap block. */
static int
rule_add(struct sip_dialplan_conf *dc, const struct sip_dialplan_rule *r, unsigned line)
{
	size_t pl = strlen(r->pattern), bl = r->bridge ? strlen(r->bridge) : 0;
	char *p = malloc(pl + 1 + bl + 1);
	struct sip_dialplan_line *l = &dc->rules[dc->nb_rules];

	if (p == NULL)
		return -1;
	memcpy(p, r->pattern, pl + 1);
	l->rule = *r;
	l->rule.pattern = p;
	if (r->bridge != NULL)
		l->rule.bridge = memcpy(p + pl + 1, r->bridge, bl + 1);
	l->line = line;
	dc->nb_rules++;
	return 0;
}

static void
rules_free(struct sip_dialplan_conf *dc)
{
	for (unsigned i = 0; i < dc->nb_rules; i++)
		free((char *)dc->rules[i].rule.pattern);
	dc->nb_rules = 0;
}

static int
parse_rule(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	struct sip_dialplan_conf *dc = field;
	struct sip_dialplan_rule r;
	char buf[512], why[DPV_BUF_PRINTF_MAX];

	if (dc->nb_rules > 0 && dc->rules[0].line == 0)
		rules_free(dc); /* the file's rules replace the default */
	if (dc->nb_rules >= SIP_DIALPLAN_MAX_RULES)
		return dpv_cfg_err(c, "too many rules (max %d)", SIP_DIALPLAN_MAX_RULES);
	if (sip_dialplan_rule_parse(v, &r, buf, sizeof(buf), why, sizeof(why)) < 0)
		return dpv_cfg_err(c, "%s", why);
	if (rule_add(dc, &r, dpv_cfg_lineno(c)) < 0)
		return dpv_cfg_err(c, "out of memory");
	return 0;
}

static const struct dpv_cfg_key dialplan_keys[] = {
    {"rule", parse_rule, 0, sizeof(struct sip_dialplan_conf), 0, 0, DPV_CFG_REPEAT, NULL},
    {NULL},
};

void
sip_dialplan_conf_defaults(struct sip_dialplan_conf *dc)
{
	static const struct sip_dialplan_rule dflt = {".*", DPV_CALL_TONE, 0, NULL};

	dc->nb_rules = 0;
	dc->dp = NULL;
	rule_add(dc, &dflt, 0); /* out of memory: no rule, which the check reports */
}

void
sip_dialplan_conf_free(struct sip_dialplan_conf *dc)
{
	rules_free(dc);
	sip_dialplan_destroy(dc->dp);
	dc->dp = NULL;
}

/* What sip_dialplan_create said about rule @a i (@a pattern), without its "rule N (...): ". */
static const char *
reason(const char *msg, int i, const char *pattern)
{
	char head[SIP_DIALPLAN_MAX_PATTERN + 32];
	int n = snprintf(head, sizeof(head), "rule %d (\"%s\"): ", i, pattern);

	return n > 0 && (size_t)n < sizeof(head) && strncmp(msg, head, (size_t)n) == 0 ? msg + n
	                                                                               : msg;
}

/*
 * Build the dialplan the engine will run. Hyperscan names one failing expression per compile:
 * report it on its rule's line, leave it out and compile again, so every bad rule is reported.
 */
static void
check_dialplan(struct dpv_cfg *c, const struct dpv_cfg_section *s)
{
	struct sip_dialplan_conf *dc = s->base;
	struct sip_dialplan_rule rules[SIP_DIALPLAN_MAX_RULES];
	unsigned idx[SIP_DIALPLAN_MAX_RULES], n = 0;
	struct sip_dialplan *dp = NULL;
	char why[512];
	bool dropped = false;
	int bad;

	if (dpv_cfg_line(c, s->name, 0, NULL) != 0 && !dpv_cfg_is_set(c, s->name, 0, "rule"))
		dpv_cfg_blame(
		    c, s->name, 0, NULL,
		    "no rule: remove the section for the default '.* tone', or add rules");
	sip_dialplan_destroy(dc->dp);
	dc->dp = NULL;
	for (unsigned i = 0; i < dc->nb_rules; i++) {
		rules[n] = dc->rules[i].rule;
		idx[n++] = i;
	}
	while (n > 0 && (dp = sip_dialplan_create(rules, n, why, sizeof(why), &bad)) == NULL) {
		if (bad < 0 || (unsigned)bad >= n) {
			dpv_cfg_blame(c, s->name, 0, "rule", "%s", why);
			return;
		}
		dpv_cfg_report(c, dc->rules[idx[bad]].line, s->name, "rule", "bad regex '%s': %s",
		               rules[bad].pattern, reason(why, bad, rules[bad].pattern));
		n--;
		memmove(&rules[bad], &rules[bad + 1], (n - (unsigned)bad) * sizeof(rules[0]));
		memmove(&idx[bad], &idx[bad + 1], (n - (unsigned)bad) * sizeof(idx[0]));
		dropped = true;
	}
	if (dropped || dc->nb_rules == 0)
		sip_dialplan_destroy(dp); /* not the file's dialplan */
	else
		dc->dp = dp;
}

struct dpv_cfg_section
sip_dialplan_conf_section(struct sip_dialplan_conf *dc)
{
	return (struct dpv_cfg_section){.name = "dialplan",
	                                .instances = 1,
	                                .keys = dialplan_keys,
	                                .base = dc,
	                                .check = check_dialplan};
}
