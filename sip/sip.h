/** @file sip.h  sip layer: what other layers include (parser/writer, transactions, dialplan, UA,
 * its startup-file sections). */
#ifndef DPV_SIP_H
#define DPV_SIP_H

#include "sip_types.h"
#include "sip_msg.h"
#include "sip_tx.h"
#include "dialplan.h"
#include "sip_ua.h"
#include "sip_conf.h"

#endif /* DPV_SIP_H */
