/** @file sip.h  sip layer: what other layers include (parser/writer, transactions, dialplan, UA).
 */
#ifndef DPV_SIP_H
#define DPV_SIP_H

#include "sip_types.h"
#include "sip_msg.h"
#include "sip_tx.h"
#include "dialplan.h"
#include "sip_ua.h"

#endif /* DPV_SIP_H */
