/* SPDX-License-Identifier: BSD-3-Clause */
/* G.711: code points of the ITU tables, full scale, zero, monotonic decoding, round trips,
 * quantisation error bounds, the conversion tables and in-place conversion. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "rtp.h"

/* Characters of the first step of segments 0..7 (positive) and what they decode to (16-bit;
 * G.711 table 2a gives 0, 33, 99, 231, 495, 1023, 2079, 4191 in 14-bit units for mu-law, table
 * 1a 1, 33, 66, 132, 264, 528, 1056, 2112 in 12-bit units for A-law). */
static const uint8_t ulaw_seg_code[8] = {0xff, 0xef, 0xdf, 0xcf, 0xbf, 0xaf, 0x9f, 0x8f};
static const int16_t ulaw_seg_value[8] = {0, 132, 396, 924, 1980, 4092, 8316, 16764};
static const uint8_t alaw_seg_code[8] = {0xd5, 0xc5, 0xf5, 0xe5, 0x95, 0x85, 0xb5, 0xa5};
static const int16_t alaw_seg_value[8] = {8, 264, 528, 1056, 2112, 4224, 8448, 16896};

Test(g711, ulaw_code_points)
{
	cr_expect_eq(rtp_g711_ulaw_decode(0xff), 0);
	cr_expect_eq(rtp_g711_ulaw_decode(0x7f), 0);
	cr_expect_eq(rtp_g711_ulaw_decode(0xfe), 8);
	cr_expect_eq(rtp_g711_ulaw_decode(0x7e), -8);
	cr_expect_eq(rtp_g711_ulaw_decode(0x80), 32124);
	cr_expect_eq(rtp_g711_ulaw_decode(0x00), -32124);
	cr_expect_eq(rtp_g711_ulaw_encode(0), 0xff);
	cr_expect_eq(rtp_g711_ulaw_encode(3), 0xff);
	cr_expect_eq(rtp_g711_ulaw_encode(-3), 0x7f);
	cr_expect_eq(rtp_g711_ulaw_encode(4), 0xfe);
	cr_expect_eq(rtp_g711_ulaw_encode(32767), 0x80);
	cr_expect_eq(rtp_g711_ulaw_encode(-32768), 0x00);
	cr_expect_eq(rtp_g711_ulaw_encode(-32767), 0x00);
	for (int s = 0; s < 8; s++) {
		cr_expect_eq(rtp_g711_ulaw_decode(ulaw_seg_code[s]), ulaw_seg_value[s], "seg %d",
		             s);
		cr_expect_eq(rtp_g711_ulaw_decode(ulaw_seg_code[s] & 0x7f), -ulaw_seg_value[s]);
		cr_expect_eq(rtp_g711_ulaw_encode(ulaw_seg_value[s]), ulaw_seg_code[s]);
	}
}

Test(g711, alaw_code_points)
{
	cr_expect_eq(rtp_g711_alaw_decode(0xd5), 8);
	cr_expect_eq(rtp_g711_alaw_decode(0x55), -8);
	cr_expect_eq(rtp_g711_alaw_decode(0xaa), 32256);
	cr_expect_eq(rtp_g711_alaw_decode(0x2a), -32256);
	cr_expect_eq(rtp_g711_alaw_encode(0), 0xd5);
	cr_expect_eq(rtp_g711_alaw_encode(-1), 0x55);
	cr_expect_eq(rtp_g711_alaw_encode(32767), 0xaa);
	cr_expect_eq(rtp_g711_alaw_encode(-32768), 0x2a);
	for (int s = 0; s < 8; s++) {
		cr_expect_eq(rtp_g711_alaw_decode(alaw_seg_code[s]), alaw_seg_value[s], "seg %d",
		             s);
		cr_expect_eq(rtp_g711_alaw_decode(alaw_seg_code[s] ^ 0x80), -alaw_seg_value[s]);
		cr_expect_eq(rtp_g711_alaw_encode(alaw_seg_value[s]), alaw_seg_code[s]);
	}
}

/* Within each half, decoding is strictly monotonic in the magnitude bits (before inversion). */
Test(g711, decode_monotonic_per_half)
{
	for (int i = 1; i < 128; i++) {
		cr_expect_gt(rtp_g711_ulaw_decode((uint8_t)(0xff - i)),
		             rtp_g711_ulaw_decode((uint8_t)(0xff - i + 1)), "mu+ %d", i);
		cr_expect_lt(rtp_g711_ulaw_decode((uint8_t)(0x7f - i)),
		             rtp_g711_ulaw_decode((uint8_t)(0x7f - i + 1)), "mu- %d", i);
		cr_expect_gt(rtp_g711_alaw_decode((uint8_t)((0x80 | i) ^ 0x55)),
		             rtp_g711_alaw_decode((uint8_t)((0x80 | (i - 1)) ^ 0x55)), "A+ %d", i);
		cr_expect_lt(rtp_g711_alaw_decode((uint8_t)(i ^ 0x55)),
		             rtp_g711_alaw_decode((uint8_t)((i - 1) ^ 0x55)), "A- %d", i);
	}
}

/* encode(decode(c)) == c for every character; mu-law -0 (0x7F) comes back as +0 (0xFF). */
Test(g711, round_trip_every_character)
{
	for (int c = 0; c < 256; c++) {
		uint8_t u = rtp_g711_ulaw_encode(rtp_g711_ulaw_decode((uint8_t)c));

		cr_expect_eq(u, c == 0x7f ? 0xff : c, "mu-law %02x -> %02x", c, u);
		cr_expect_eq(rtp_g711_alaw_encode(rtp_g711_alaw_decode((uint8_t)c)), c,
		             "A-law %02x", c);
	}
}

/* Step of the interval a character stands for, in 16-bit units. */
static int
ulaw_step(uint8_t u)
{
	return 8 << ((~u >> 4) & 7);
}

static int
alaw_step(uint8_t a)
{
	int seg = ((a ^ 0x55) >> 4) & 7;

	return 16 << (seg ? seg - 1 : 0);
}

/* Every sample quantises monotonically, within half a step of its value below overload. */
Test(g711, encode_error_within_half_step)
{
	int prev_u = -32768, prev_a = -32768;

	for (int x = -32768; x <= 32767; x++) {
		uint8_t u = rtp_g711_ulaw_encode((int16_t)x), a = rtp_g711_alaw_encode((int16_t)x);
		int du = rtp_g711_ulaw_decode(u), da = rtp_g711_alaw_decode(a);

		cr_assert_geq(du, prev_u, "mu-law not monotonic at %d", x);
		cr_assert_geq(da, prev_a, "A-law not monotonic at %d", x);
		prev_u = du;
		prev_a = da;
		if (abs(x) <= 32636) /* mu-law overload: 8159 in 14 bits */
			cr_assert_leq(abs(du - x), ulaw_step(u) / 2, "mu-law %d -> %d", x, du);
		cr_assert_leq(abs(da - x), alaw_step(a) / 2, "A-law %d -> %d", x, da);
	}
}

Test(g711, conversion_tables)
{
	for (int c = 0; c < 256; c++) {
		cr_expect_eq(rtp_g711_ulaw_to_alaw[c],
		             rtp_g711_alaw_encode(rtp_g711_ulaw_decode((uint8_t)c)), "u2a %02x", c);
		cr_expect_eq(rtp_g711_alaw_to_ulaw[c],
		             rtp_g711_ulaw_encode(rtp_g711_alaw_decode((uint8_t)c)), "a2u %02x", c);
	}
	cr_expect_eq(rtp_g711_ulaw_to_alaw[0xff], 0xd5); /* 0 -> +8 */
	cr_expect_eq(rtp_g711_ulaw_to_alaw[0x80], 0xaa); /* full scale */
	cr_expect_eq(rtp_g711_alaw_to_ulaw[0xd5], 0xfe); /* +8 -> +8 */
	cr_expect_eq(rtp_g711_alaw_to_ulaw[0x2a], 0x00);
}

Test(g711, convert_in_place)
{
	uint8_t buf[300], orig[300];

	for (int i = 0; i < 300; i++)
		orig[i] = buf[i] = (uint8_t)(i * 7 + 3);
	rtp_g711_convert(buf, 0, rtp_g711_ulaw_to_alaw);
	cr_expect_arr_eq(buf, orig, sizeof(buf));
	rtp_g711_convert(buf, 299, rtp_g711_ulaw_to_alaw);
	for (int i = 0; i < 299; i++)
		cr_expect_eq(buf[i], rtp_g711_ulaw_to_alaw[orig[i]], "at %d", i);
	cr_expect_eq(buf[299], orig[299], "the byte after len is untouched");
	/* Each converted character stands for its source's sample to within half an A-law step. */
	for (int i = 0; i < 299; i++)
		cr_expect_leq(abs(rtp_g711_alaw_decode(buf[i]) - rtp_g711_ulaw_decode(orig[i])),
		              alaw_step(buf[i]) / 2, "at %d", i);
	/* And back: an A-law buffer through alaw_to_ulaw. */
	memcpy(orig, buf, sizeof(buf));
	rtp_g711_convert(buf, sizeof(buf), rtp_g711_alaw_to_ulaw);
	for (int i = 0; i < 300; i++)
		cr_expect_eq(buf[i], rtp_g711_alaw_to_ulaw[orig[i]], "at %d", i);
}
