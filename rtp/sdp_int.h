/* SPDX-License-Identifier: BSD-3-Clause */
/* sdp.c internals for the tests: the parser with its line scan forced to the byte loop. */
#ifndef DPV_RTP_SDP_INT_H
#define DPV_RTP_SDP_INT_H

#include "rtp.h"

/** rtp_sdp_parse, the line scan without SSE2 (the fallback of other targets): the tests check
 *  that both give the same results. */
enum rtp_sdp_err rtp_sdp_parse_scalar(const char *body, size_t len, struct rtp_sdp *sdp);

#endif
