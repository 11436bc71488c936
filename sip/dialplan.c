/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dialplan: every rule in one hyperscan database, so a user part is scanned once
 * whatever the number of rules. Hyperscan reports matches in end-offset order,
 * so the callback only marks matched rule ids in a bitmap and the lowest marked
 * id decides. Hyperscan has no captures: bridge rules that name the bridge by
 * their first capture also keep a POSIX regex, run only on the deciding rule.
 */
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "sip.h"

#define WORDS (SIP_DIALPLAN_MAX_RULES / 64)

struct dp_rule {
	enum dpv_call_action action;
	uint16_t reject_code;
	bool from_capture;
	bool has_regex;
	regex_t re; /* from_capture only */
	uint8_t bridge_len;
	char bridge[DPV_BRIDGE_NAME_MAX + 1];
};

struct sip_dialplan {
	hs_database_t *db;
	unsigned nb_rules;
	struct dp_rule rules[];
};

struct sip_dialplan_scratch {
	hs_scratch_t *hs;
	const struct sip_dialplan *dp;
	uint64_t matched[WORDS]; /* rule ids hyperscan reported in the current scan */
	struct sip_dialplan_stats stats;
} __rte_cache_aligned;

static void
rules_free(struct sip_dialplan *dp, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (dp->rules[i].has_regex)
			regfree(&dp->rules[i].re);
}

struct sip_dialplan *
sip_dialplan_create(const struct sip_dialplan_rule *rules, unsigned n, char *err, size_t errlen,
                    int *bad_rule)
{
	const char *exprs[SIP_DIALPLAN_MAX_RULES];
	unsigned flags[SIP_DIALPLAN_MAX_RULES], ids[SIP_DIALPLAN_MAX_RULES];
	hs_compile_error_t *cerr = NULL;
	struct sip_dialplan *dp;
	int bad = -1; /* the rule at fault */
	unsigned i;

	if (bad_rule != NULL)
		*bad_rule = -1;
	if (n == 0 || n > SIP_DIALPLAN_MAX_RULES) {
		snprintf(err, errlen, "dialplan needs 1..%u rules, got %u", SIP_DIALPLAN_MAX_RULES,
		         n);
		return NULL;
	}
	dp = calloc(1, sizeof(*dp) + n * sizeof(dp->rules[0]));
	if (dp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		const struct sip_dialplan_rule *r = &rules[i];
		struct dp_rule *d = &dp->rules[i];
		int rc;

		bad = (int)i; /* if this rule fails */
		if (r->pattern == NULL || r->action == DPV_CALL_NONE ||
		    r->action == DPV_CALL_RELAY || r->action >= DPV_CALL_ACTION_MAX) {
			snprintf(err, errlen, "rule %u: no pattern or unknown action", i);
			goto fail;
		}
		d->action = r->action;
		if (r->action == DPV_CALL_REJECT) {
			if (r->reject_code < 400 || r->reject_code > 699) {
				snprintf(err, errlen,
				         "rule %u (\"%s\"): reject code %u not in 400..699", i,
				         r->pattern, r->reject_code);
				goto fail;
			}
			d->reject_code = r->reject_code;
		}
		if (r->action == DPV_CALL_BRIDGE && r->bridge != NULL) {
			size_t bl = strlen(r->bridge);

			if (!dpv_bridge_name_valid(r->bridge, bl)) {
				snprintf(err, errlen,
				         "rule %u (\"%s\"): bridge name \"%s\" is not 1..%u of "
				         "[A-Za-z0-9._-]",
				         i, r->pattern, r->bridge, DPV_BRIDGE_NAME_MAX);
				goto fail;
			}
			memcpy(d->bridge, r->bridge, bl + 1);
			d->bridge_len = (uint8_t)bl;
		} else if (r->action == DPV_CALL_BRIDGE) {
			d->from_capture = true;
			rc = regcomp(&d->re, r->pattern, REG_EXTENDED);
			if (rc != 0) {
				char msg[128];

				regerror(rc, &d->re, msg, sizeof(msg));
				snprintf(err, errlen, "rule %u (\"%s\"): %s", i, r->pattern, msg);
				goto fail;
			}
			d->has_regex = true;
			if (d->re.re_nsub < 1) {
				snprintf(err, errlen,
				         "rule %u (\"%s\"): bridge without a name needs a capture "
				         "group",
				         i, r->pattern);
				goto fail;
			}
		}
		exprs[i] = r->pattern;
		/* DOTALL: POSIX '.' (used for captures) matches any byte too. ALLOWEMPTY: ".*"
		 * must also match an empty user part. */
		flags[i] = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY | HS_FLAG_DOTALL;
		ids[i] = i;
	}
	bad = -1;
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, &dp->db, &cerr) !=
	    HS_SUCCESS) {
		if (cerr != NULL && cerr->expression >= 0 && (unsigned)cerr->expression < n) {
			snprintf(err, errlen, "rule %d (\"%s\"): %s", cerr->expression,
			         exprs[cerr->expression], cerr->message);
			bad = cerr->expression;
		} else
			snprintf(err, errlen, "dialplan: %s",
			         cerr != NULL ? cerr->message : "hyperscan compile failed");
		hs_free_compile_error(cerr);
		goto fail;
	}
	dp->nb_rules = n;
	return dp;
fail:
	if (bad_rule != NULL)
		*bad_rule = bad;
	rules_free(dp, n); /* calloc: rules never reached have has_regex false */
	free(dp);
	return NULL;
}

void
sip_dialplan_destroy(struct sip_dialplan *dp)
{
	if (dp == NULL)
		return;
	rules_free(dp, dp->nb_rules);
	hs_free_database(dp->db);
	free(dp);
}

unsigned
sip_dialplan_nb_rules(const struct sip_dialplan *dp)
{
	return dp->nb_rules;
}

struct sip_dialplan_scratch *
sip_dialplan_scratch_alloc(const struct sip_dialplan *dp)
{
	struct sip_dialplan_scratch *s;

	if (posix_memalign((void **)&s, RTE_CACHE_LINE_SIZE, sizeof(*s)) != 0)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->dp = dp;
	if (hs_alloc_scratch(dp->db, &s->hs) != HS_SUCCESS) {
		free(s);
		return NULL;
	}
	return s;
}

void
sip_dialplan_scratch_free(struct sip_dialplan_scratch *s)
{
	if (s == NULL)
		return;
	hs_free_scratch(s->hs);
	free(s);
}

const struct sip_dialplan_stats *
sip_dialplan_scratch_stats(const struct sip_dialplan_scratch *s)
{
	return &s->stats;
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
         void *ctx)
{
	struct sip_dialplan_scratch *s = ctx;

	s->matched[id / 64] |= UINT64_C(1) << (id % 64);
	/* Rule 0 wins whatever else matches: stop scanning. */
	return id == 0;
}

/* Copy the first capture of rule @a d into @a out; -1 when the POSIX regex does not match. */
static int
capture_name(const struct dp_rule *d, const char *user, uint32_t len,
             struct sip_dialplan_result *out, bool *valid)
{
	char buf[SIP_DIALPLAN_MAX_USER + 1];
	regmatch_t m[2];
	size_t cl;

	memcpy(buf, user, len);
	buf[len] = '\0';
	if (regexec(&d->re, buf, 2, m, 0) != 0)
		return -1;
	*valid = false;
	if (m[1].rm_so < 0 || m[1].rm_eo < m[1].rm_so)
		return 0;
	cl = (size_t)(m[1].rm_eo - m[1].rm_so);
	if (!dpv_bridge_name_valid(buf + m[1].rm_so, cl))
		return 0;
	memcpy(out->bridge, buf + m[1].rm_so, cl);
	out->bridge[cl] = '\0';
	out->bridge_len = (uint8_t)cl;
	*valid = true;
	return 0;
}

enum sip_dp_status
sip_dialplan_match(const struct sip_dialplan *dp, struct sip_dialplan_scratch *s, const char *user,
                   uint32_t len, struct sip_dialplan_result *out)
{
	unsigned words = (dp->nb_rules + 63) / 64;
	hs_error_t rc;

	if (s->dp != dp) { /* hits[] and the hyperscan scratch belong to another dialplan */
		s->stats.scan_error++;
		return SIP_DP_NO_MATCH;
	}
	if (len > SIP_DIALPLAN_MAX_USER) {
		s->stats.too_long++;
		return SIP_DP_NO_MATCH;
	}
	/* RFC 3261 users have no raw control bytes; refusing them also keeps NUL away
	 * from regexec and a trailing LF away from hyperscan's '$'. */
	for (uint32_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)user[i];

		if (c < 0x20 || c == 0x7f) {
			s->stats.bad_user++;
			return SIP_DP_NO_MATCH;
		}
	}
	memset(s->matched, 0, sizeof(s->matched));
	rc = hs_scan(dp->db, len ? user : "", len, 0, s->hs, on_match, s);
	if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) {
		s->stats.scan_error++;
		return SIP_DP_NO_MATCH;
	}
	for (unsigned w = 0; w < words; w++) {
		uint64_t bits = s->matched[w];

		while (bits != 0) {
			unsigned id = w * 64 + (unsigned)__builtin_ctzll(bits);
			const struct dp_rule *d = &dp->rules[id];
			bool valid = true;

			bits &= bits - 1;
			memset(out, 0, sizeof(*out));
			out->action = d->action;
			out->reject_code = d->reject_code;
			out->rule = (uint16_t)id;
			if (d->from_capture) {
				if (capture_name(d, user, len, out, &valid) < 0) {
					s->stats.capture_miss++;
					continue;
				}
			} else if (d->action == DPV_CALL_BRIDGE) {
				memcpy(out->bridge, d->bridge, d->bridge_len + 1);
				out->bridge_len = d->bridge_len;
			}
			s->stats.hits[id]++;
			if (!valid) {
				s->stats.bad_bridge_name++;
				return SIP_DP_BAD_BRIDGE_NAME;
			}
			return SIP_DP_MATCH;
		}
	}
	s->stats.no_match++;
	return SIP_DP_NO_MATCH;
}
