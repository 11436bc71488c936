/* SPDX-License-Identifier: BSD-3-Clause */
/* Field-by-field comparison of two SDP parses (sdp_diff.c). */
#ifndef DPV_TEST_SDP_DIFF_H
#define DPV_TEST_SDP_DIFF_H

#include <stddef.h>

#include "rtp.h"

/* The first field in which two parses of @a body differ (its name), or NULL: views must point at
 * the same bytes of the body, or hold the same text when outside it. */
const char *sdp_diff(const struct rtp_sdp *a, const struct rtp_sdp *b, const char *body,
                     size_t len);
/* The same for two negotiations of those parses. */
const char *sdp_neg_diff(const struct rtp_sdp_neg *a, const struct rtp_sdp_neg *b, const char *body,
                         size_t len);

#endif
