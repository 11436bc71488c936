/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * G.711 mu-law and A-law (rtp_int.h has the quantisation), and in-place conversion between the
 * laws through the tables gen_tables.c writes at build time (rtp_tables.c).
 */
#include "rtp.h"
#include "rtp_int.h"

uint8_t
rtp_g711_ulaw_encode(int16_t x)
{
	return g711_ulaw_encode(x);
}

int16_t
rtp_g711_ulaw_decode(uint8_t u)
{
	return g711_ulaw_decode(u);
}

uint8_t
rtp_g711_alaw_encode(int16_t x)
{
	return g711_alaw_encode(x);
}

int16_t
rtp_g711_alaw_decode(uint8_t a)
{
	return g711_alaw_decode(a);
}

void
rtp_g711_convert(uint8_t *payload, uint32_t len, const uint8_t table[256])
{
	for (uint32_t i = 0; i < len; i++)
		payload[i] = table[payload[i]];
}
