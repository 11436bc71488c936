/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: rtp_sdp_parse on any bytes, differential. The library's parser (SSE2 line
 * scan) and its scalar twin must give the same error, err_line and fields, and when the body
 * parses, the same negotiation; the answer is then written into a buffer that is sometimes too
 * small. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp_int.h"
#include "sdp_diff.h"

static struct rtp_sdp b, c;
static char out[2 * RTP_SDP_MAX_LEN];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct rtp_sdp_neg na, nb;
	enum rtp_sdp_err ea, eb, ec;

	if (size > RTP_SDP_MAX_LEN + 16)
		return 0;
	eb = rtp_sdp_parse(body, size, &b);
	ec = rtp_sdp_parse_scalar(body, size, &c);
	if (eb != ec || sdp_diff(&c, &b, body, size) != NULL)
		abort();
	if (eb != RTP_SDP_OK)
		return 0;
	ea = rtp_sdp_negotiate(&c, &na);
	eb = rtp_sdp_negotiate(&b, &nb);
	if (ea != eb || sdp_neg_diff(&na, &nb, body, size) != NULL)
		abort();
	if (eb == RTP_SDP_OK &&
	    rtp_sdp_write_answer(out, (size & 1) ? size / 2 : sizeof(out), &b, &nb, 0xc6120001u,
	                         30000, 1, 1) > (int)sizeof(out))
		abort();
	return 0;
}
