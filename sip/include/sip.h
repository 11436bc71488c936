/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file sip.h  sip layer: the one header other layers include. It brings the parser and
 * writer (sip_msg.h), transactions (sip_tx.h), the dialplan (sip_dialplan.h), the user agent
 * and the steering contract (sip_ua.h) and the startup-file sections (sip_conf.h); those are
 * not for direct inclusion (as DPDK's indirect headers) and refuse to be.
 */
#ifndef DPV_SIP_H
#define DPV_SIP_H

#define DPV_SIP_H_INSIDE
#include "sip_types.h"
#include "sip_msg.h"
#include "sip_tx.h"
#include "sip_dialplan.h"
#include "sip_ua.h"
#include "sip_conf.h"
#undef DPV_SIP_H_INSIDE

#endif /* DPV_SIP_H */
