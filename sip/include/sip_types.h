/* SPDX-License-Identifier: BSD-3-Clause */
/* Types every part of the SIP layer shares. Included by sip.h; no other layer includes it directly.
 */
#ifndef DPV_SIP_TYPES_H
#define DPV_SIP_TYPES_H

#ifndef DPV_SIP_H_INSIDE
#error "include sip.h, the sip layer's one public header"
#endif

#include <stdint.h>

#include "dpv.h"

enum sip_method {
	SIP_METHOD_UNKNOWN = 0, /* any extension method: compare the token itself */
	SIP_METHOD_INVITE,
	SIP_METHOD_ACK,
	SIP_METHOD_BYE,
	SIP_METHOD_CANCEL,
	SIP_METHOD_OPTIONS,
	SIP_METHOD_REGISTER,
	SIP_METHOD_PRACK,
	SIP_METHOD_INFO,
	SIP_METHOD_UPDATE,
	SIP_METHOD_REFER,
	SIP_METHOD_NOTIFY,
	SIP_METHOD_SUBSCRIBE,
	SIP_METHOD_MESSAGE,
	SIP_METHOD_MAX
};

/** RFC 3261 8.1.1.7: a branch that starts with this (case-sensitively) is unique per request. */
#define SIP_MAGIC_COOKIE "z9hG4bK"
/** The SIP port a URI or Via without one means (RFC 3261 19.1.2, 18.2.2). */
#define SIP_DEFAULT_PORT 5060

#endif /* DPV_SIP_TYPES_H */
