/* SPDX-License-Identifier: BSD-3-Clause */
/* The 440 Hz tone: copies of one 200-sample period (rtp_int.h), phase given by the timestamp. */
#include <string.h>

#include "rtp.h"
#include "rtp_int.h"

void
rtp_tone_fill(uint8_t codec, uint32_t first_sample, uint8_t *out, uint32_t n)
{
	const uint8_t *t = codec == RTP_PT_PCMA ? rtp_tone_alaw : rtp_tone_ulaw;
	uint32_t pos = first_sample % RTP_TONE_PERIOD;

	while (n > 0) {
		uint32_t k = RTP_TONE_PERIOD - pos < n ? RTP_TONE_PERIOD - pos : n;

		memcpy(out, t + pos, k);
		out += k;
		n -= k;
		pos = 0;
	}
}
