/* SPDX-License-Identifier: BSD-3-Clause */
/** @file dialplan.h  sip layer: the dialplan, matched on the Request-URI user part. */
#ifndef DPV_SIP_DIALPLAN_H
#define DPV_SIP_DIALPLAN_H

#ifndef DPV_SIP_H_INSIDE
#error "include sip.h, the sip layer's one public header"
#endif

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "dpv.h"

#define SIP_DIALPLAN_MAX_RULES 256
#define SIP_DIALPLAN_MAX_USER  256 /* longer user parts never match (counted: too_long) */

/**
 * One rule. The pattern is an extended regular expression matched against the
 * whole user part (^ and $ are its ends), case-sensitively, with '.' matching
 * any byte. Hyperscan decides which rules match, so its (PCRE) syntax applies;
 * back-references and other constructs it refuses fail sip_dialplan_create.
 * For DPV_CALL_BRIDGE, bridge NULL takes the bridge name from the first capture
 * group, extracted with POSIX regexec (REG_EXTENDED): write such patterns in
 * syntax both accept (no \d, \w, lazy quantifiers). When the two disagree on a
 * user part, that rule is skipped and counted (capture_miss).
 */
struct sip_dialplan_rule {
	const char *pattern;
	enum dpv_call_action action;
	uint16_t reject_code; /**< DPV_CALL_REJECT: 400..699 */
	const char *bridge;   /**< DPV_CALL_BRIDGE: fixed name, or NULL for the first capture */
};

/** Outcome of a match. */
enum sip_dp_status {
	SIP_DP_MATCH = 0,       /**< a rule matched; the result says what to do */
	SIP_DP_NO_MATCH,        /**< no rule matched (or the user part was unusable): reject 404 */
	SIP_DP_BAD_BRIDGE_NAME, /**< a bridge rule matched but the captured name is invalid: 400 */
};

struct sip_dialplan_result {
	enum dpv_call_action action;
	uint16_t reject_code;
	uint16_t rule; /**< index of the rule that decided */
	uint8_t bridge_len;
	char bridge[DPV_BRIDGE_NAME_MAX + 1]; /**< NUL-terminated bridge name (DPV_CALL_BRIDGE) */
};

/** Per-lcore counters (only that lcore writes them). */
struct sip_dialplan_stats {
	uint64_t hits[SIP_DIALPLAN_MAX_RULES]; /**< matches decided by each rule */
	uint64_t no_match;                     /**< no rule matched */
	uint64_t too_long;                     /**< user part over SIP_DIALPLAN_MAX_USER */
	uint64_t bad_user;        /**< user part with a control byte (not a SIP user) */
	uint64_t bad_bridge_name; /**< captured bridge name invalid */
	uint64_t capture_miss;    /**< hyperscan matched, POSIX regexec did not: rule skipped */
	uint64_t scan_error;      /**< hs_scan failed */
};

struct sip_dialplan;
struct sip_dialplan_scratch;

/**
 * Compile @a n rules into one dialplan. On failure returns NULL with a message in @a err: when
 * one rule is at fault it reads "rule N (\"PATTERN\"): REASON" and N is in *@a bad_rule (which
 * may be NULL), else *@a bad_rule is -1.
 */
struct sip_dialplan *sip_dialplan_create(const struct sip_dialplan_rule *rules, unsigned n,
                                         char *err, size_t errlen, int *bad_rule);
/** Free a dialplan (NULL is fine). Its scratches must be freed first. */
void sip_dialplan_destroy(struct sip_dialplan *dp);
/** Number of rules in @a dp. */
unsigned sip_dialplan_nb_rules(const struct sip_dialplan *dp);

/**
 * Allocate matching state for one lcore (hyperscan scratch and counters) bound
 * to @a dp. Never share one between threads. @return NULL when memory is short.
 */
struct sip_dialplan_scratch *sip_dialplan_scratch_alloc(const struct sip_dialplan *dp);
/** Free a scratch (NULL is fine). */
void sip_dialplan_scratch_free(struct sip_dialplan_scratch *s);
/** The counters of one scratch. */
const struct sip_dialplan_stats *sip_dialplan_scratch_stats(const struct sip_dialplan_scratch *s);

/**
 * Match the user part (@a len bytes at @a user, not NUL-terminated) against
 * the rules of @a dp, with the lowest-index matching rule deciding. No heap, no locks.
 * @return SIP_DP_MATCH with @a out filled, SIP_DP_NO_MATCH, or SIP_DP_BAD_BRIDGE_NAME
 *         (out->rule names the rule).
 */
enum sip_dp_status sip_dialplan_match(const struct sip_dialplan *dp, struct sip_dialplan_scratch *s,
                                      const char *user, uint32_t len,
                                      struct sip_dialplan_result *out);

#endif /* DPV_SIP_DIALPLAN_H */
