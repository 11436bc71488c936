/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file sip_conf.h  sip layer: the startup-file sections it owns, [sip] and [dialplan]
 * (config.c). The program puts sip_conf_section() and sip_dialplan_conf_section() in the list
 * it hands to dpv_cfg_load(); their limits are the ones the UA and the dialplan enforce.
 */
#ifndef DPV_SIP_CONF_H
#define DPV_SIP_CONF_H

#ifndef DPV_SIP_H_INSIDE
#error "include sip.h, the sip layer's one public header"
#endif

#include <stddef.h>
#include <stdint.h>

#include "dpv.h"

/** [sip]: the SIP port, the UA's sizes and timers (what struct sip_ua_cfg takes). */
struct sip_conf {
	uint16_t port;
	uint32_t t1_ms, t2_ms, t4_ms;
	uint32_t max_transactions;
	uint32_t max_dialogs;          /**< 16..SIP_UA_MAX_DIALOGS */
	uint32_t max_completed;        /**< compact records of finished transactions (64*T1 each) */
	uint32_t max_calls_per_source; /**< incoming calls one source address holds (0: any) */
	uint32_t answer_delay_ms;
};

/** The defaults of every [sip] key. */
void sip_conf_defaults(struct sip_conf *sc);
/** The [sip] section, its keys writing into @a sc; its check wants t1-ms < t2-ms. */
struct dpv_cfg_section sip_conf_section(struct sip_conf *sc);

/** Longest dialplan pattern. */
#define SIP_DIALPLAN_MAX_PATTERN 255

/** One [dialplan] rule: the dialplan's own rule type and the line it came from. */
struct sip_dialplan_line {
	struct sip_dialplan_rule rule; /**< pattern and bridge in one heap block at pattern */
	unsigned line;                 /**< 0: the default rule */
};

/** [dialplan]: the rules in file order, and the dialplan its check compiled from them. */
struct sip_dialplan_conf {
	struct sip_dialplan_line rules[SIP_DIALPLAN_MAX_RULES];
	unsigned nb_rules;
	struct sip_dialplan *dp; /**< NULL unless every rule compiled; owned by the conf */
};

/** The default dialplan, ".* tone" (allocates: sip_dialplan_conf_free releases it). */
void sip_dialplan_conf_defaults(struct sip_dialplan_conf *dc);
/** The [dialplan] section (rule, repeated); its check builds @a dc->dp with
 *  sip_dialplan_create() as the engine runs it, blaming a failing rule on its own line. */
struct dpv_cfg_section sip_dialplan_conf_section(struct sip_dialplan_conf *dc);
/** Free the rules' strings and the compiled dialplan; @a dc is left with no rule. */
void sip_dialplan_conf_free(struct sip_dialplan_conf *dc);

/**
 * Parse one rule "PATTERN ACTION", ACTION being tone, echo, reject CODE or bridge [NAME] (the
 * pattern may hold blanks, the action never does), into @a r, whose strings then point into
 * @a buf (@a len bytes, more than strlen(@a text)). @return 0, or -1 with why in @a err.
 */
int sip_dialplan_rule_parse(const char *text, struct sip_dialplan_rule *r, char *buf, size_t len,
                            char *err, size_t errlen);

#endif /* DPV_SIP_CONF_H */
