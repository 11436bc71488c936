/* SPDX-License-Identifier: BSD-3-Clause */
/* Character classes and scanning helpers shared by parse.c, msg.c and write.c. */
#ifndef DPV_SIP_MSG_INT_H
#define DPV_SIP_MSG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sip.h"

#define SIP_C_TOKEN 0x01 /* RFC 3261 token */
#define SIP_C_WS    0x02 /* SP HT CR LF: inside a value CR LF only come from folding */
#define SIP_C_HOST  0x04 /* hostname / IPv4 characters (and '_' seen in the wild) */
#define SIP_C_WORD  0x08 /* Call-ID word */
#define SIP_C_PVAL  0x10 /* generic-param value: token, host, IPv6 reference */
#define SIP_C_URI   0x20 /* any byte allowed inside a URI view */

extern uint8_t sip_ctype[256]; /* filled by a constructor in parse.c */

static inline bool
sip_is(uint8_t c, uint8_t cls)
{
	return (sip_ctype[c] & cls) != 0;
}

static inline const char *
sip_skip_ws(const char *p, const char *e)
{
	while (p < e && sip_is((uint8_t)*p, SIP_C_WS))
		p++;
	return p;
}

static inline const char *
sip_skip_cls(const char *p, const char *e, uint8_t cls)
{
	while (p < e && sip_is((uint8_t)*p, cls))
		p++;
	return p;
}

static inline struct dpv_str
sip_str(const char *b, const char *e)
{
	return (struct dpv_str){b, (uint32_t)(e - b)};
}

static inline struct dpv_str
sip_trim(struct dpv_str s)
{
	const char *b = s.p, *e = s.p + s.len;

	if (s.len == 0)
		return s;
	b = sip_skip_ws(b, e);
	while (e > b && sip_is((uint8_t)e[-1], SIP_C_WS))
		e--;
	return sip_str(b, e);
}

static inline uint8_t
sip_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

#define SIP_CASEEQ(s, lit) DPV_STR_CASEEQ_LIT((s), lit)

/* A parameter sip_params_scan() picks up while it validates, saving a second scan. */
struct sip_pcap {
	struct dpv_str name;
	struct dpv_str *val;
	bool *has;
};

/* Parse ';'-separated generic params starting at *pp (LWS allowed); stops at the first
 * byte that cannot continue them. Sets *params to the span after the first ';' and fills
 * the @a caps found. -1 on a malformed parameter. */
int sip_params_scan(const char **pp, const char *e, struct dpv_str *params,
                    const struct sip_pcap *caps, unsigned ncaps);

#endif /* DPV_SIP_MSG_INT_H */
