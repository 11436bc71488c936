/* SPDX-License-Identifier: BSD-3-Clause */
/* The reference SDP parser and negotiation of test_sdp (sdp_ref.c). */
#ifndef DPV_TEST_SDP_REF_H
#define DPV_TEST_SDP_REF_H

#include <stddef.h>

#include "rtp.h"

enum rtp_sdp_err sdp_ref_parse(const char *body, size_t len, struct rtp_sdp *sdp);
enum rtp_sdp_err sdp_ref_negotiate(const struct rtp_sdp *offer, struct rtp_sdp_neg *neg);
/* The first field in which two parses of @a body differ (its name), or NULL: views must point at
 * the same bytes of the body, or hold the same text when outside it. */
const char *sdp_ref_diff(const struct rtp_sdp *a, const struct rtp_sdp *b, const char *body,
                         size_t len);
/* The same for two negotiations of those parses. */
const char *sdp_ref_neg_diff(const struct rtp_sdp_neg *a, const struct rtp_sdp_neg *b,
                             const char *body, size_t len);

#endif
