/* SPDX-License-Identifier: BSD-3-Clause */
/* G.711: code points of the ITU tables, full scale, zero, monotonic decoding, round trips,
 * quantisation error bounds, the conversion tables and in-place conversion. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
	(void)rtp_g711_convert_sum(buf, buf, 0, &rtp_g711_xlat_u2a);
	cr_expect_arr_eq(buf, orig, sizeof(buf));
	(void)rtp_g711_convert_sum(buf, buf, 299, &rtp_g711_xlat_u2a);
	for (int i = 0; i < 299; i++)
		cr_expect_eq(buf[i], rtp_g711_ulaw_to_alaw[orig[i]], "at %d", i);
	cr_expect_eq(buf[299], orig[299], "the byte after len is untouched");
	/* Each converted character stands for its source's sample to within half an A-law step. */
	for (int i = 0; i < 299; i++)
		cr_expect_leq(abs(rtp_g711_alaw_decode(buf[i]) - rtp_g711_ulaw_decode(orig[i])),
		              alaw_step(buf[i]) / 2, "at %d", i);
	/* And back: an A-law buffer through alaw_to_ulaw. */
	memcpy(orig, buf, sizeof(buf));
	(void)rtp_g711_convert_sum(buf, buf, sizeof(buf), &rtp_g711_xlat_a2u);
	for (int i = 0; i < 300; i++)
		cr_expect_eq(buf[i], rtp_g711_alaw_to_ulaw[orig[i]], "at %d", i);
}

/* The ones' complement sum of @a len bytes as 16-bit words in memory order (RFC 1071), not
 * folded: what the change from rtp_g711_convert_sum() is checked against. */
static uint64_t
ones_sum(const uint8_t *p, uint32_t len)
{
	uint64_t s = 0;
	uint32_t i = 0;
	uint16_t w;

	for (; i + 1 < len; i += 2) {
		memcpy(&w, p + i, 2);
		s += w;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, p + i, 1);
		s += w;
	}
	return s;
}

/* One conversion, vector (@a vec: rtp_g711_convert_sum through @a x) or byte by byte
 * (rtp_g711_convert_sum_scalar through @a x's table), @a len bytes at offset @a off (misaligned
 * on purpose), in place or into another buffer: every character through the table, nothing
 * beyond @a len touched, and the returned change takes the source's sum to the result's (mod
 * 0xffff). */
static void
check_convert_sum(const struct rtp_g711_xlat *x, bool vec, uint32_t len, uint32_t off,
                  bool in_place, unsigned seed)
{
	const char *name = vec ? "convert_sum" : "scalar";
	const uint8_t *table = x->table;
	uint8_t src[520], dst[520], orig[520];
	uint8_t *out = in_place ? src : dst;
	uint32_t delta;

	srand(seed);
	for (unsigned i = 0; i < sizeof(src); i++)
		orig[i] = src[i] = (uint8_t)rand();
	memset(dst, 0xa5, sizeof(dst));
	delta = vec ? rtp_g711_convert_sum(out + off, src + off, len, x)
	            : rtp_g711_convert_sum_scalar(out + off, src + off, len, table);
	cr_assert_lt(delta, 0xffff, "%s len %u: change %u out of range", name, len, delta);
	for (uint32_t i = 0; i < len; i++)
		cr_assert_eq(out[off + i], table[orig[off + i]], "%s len %u at %u", name, len, i);
	cr_assert_eq(out[off + len], in_place ? orig[off + len] : 0xa5,
	             "%s len %u: the byte after len is untouched", name, len);
	cr_assert_eq((ones_sum(orig + off, len) + delta) % 0xffff,
	             ones_sum(out + off, len) % 0xffff, "%s len %u off %u in_place %d", name, len,
	             off, in_place);
}

/* The vector conversion and the byte loop give the same bytes and a correct checksum change
 * for every length from 0 to 500, in place and apart, aligned and not; with the two prepared
 * G.711 tables (mu-law -> A-law has one character whose halves do not mirror, A-law -> mu-law
 * none), tables prepared here with two and with four such (the most the vector way takes) and
 * a random one (which it hands to the byte loop). */
Test(g711, convert_sum_matches_full_checksum)
{
	static struct rtp_g711_xlat two, four, rnd;
	const struct rtp_g711_xlat *xs[] = {&rtp_g711_xlat_u2a, &rtp_g711_xlat_a2u, &two, &four,
	                                    &rnd};
	uint8_t t[256];

	memcpy(t, rtp_g711_ulaw_to_alaw, 256);
	t[0x80] ^= 1;
	cr_assert(rtp_g711_xlat_init(&two, t));
	cr_assert_eq(two.nexc, 2);
	memcpy(t, rtp_g711_alaw_to_ulaw, 256);
	t[0x80] ^= 1;
	t[0x9f] ^= 2;
	t[0xc3] ^= 4;
	t[0xff] ^= 8;
	cr_assert(rtp_g711_xlat_init(&four, t));
	cr_assert_eq(four.nexc, 4);
	srand(7);
	for (int i = 0; i < 256; i++)
		t[i] = (uint8_t)rand();
	cr_assert_not(rtp_g711_xlat_init(&rnd, t));
	for (unsigned k = 0; k < sizeof(xs) / sizeof(xs[0]); k++)
		for (uint32_t len = 0; len <= 500; len++)
			for (uint32_t off = 0; off < 2; off++)
				for (int ip = 0; ip < 2; ip++) {
					check_convert_sum(xs[k], true, len, off, ip, len * 8 + k);
					check_convert_sum(xs[k], false, len, off, ip, len * 8 + k);
				}
}

/* The prepared constant tables are the 256-entry ones, prepared as rtp_g711_xlat_init prepares
 * them; and all 256 characters, in every position of a 32-byte step, convert through them as
 * the 256-entry tables say, the vector way and the byte loop alike, with the same change. */
Test(g711, prepared_tables_convert_every_character)
{
	const struct rtp_g711_xlat *xs[] = {&rtp_g711_xlat_u2a, &rtp_g711_xlat_a2u};
	const uint8_t *tables[] = {rtp_g711_ulaw_to_alaw, rtp_g711_alaw_to_ulaw};
	const unsigned nexc[] = {1, 0};

	for (unsigned k = 0; k < 2; k++) {
		struct rtp_g711_xlat built;
		uint8_t src[256 + 32], vec[sizeof(src)], sca[sizeof(src)];

		cr_assert_arr_eq(xs[k]->table, tables[k], 256);
		cr_assert(rtp_g711_xlat_init(&built, tables[k]));
		cr_assert_eq(memcmp(&built, xs[k], sizeof(built)), 0, "table %u as built", k);
		cr_assert_eq(xs[k]->nexc, nexc[k]);
		/* each character at each of the 32 positions of a step: shifted by 0..31 */
		for (unsigned shift = 0; shift < 32; shift++) {
			for (unsigned i = 0; i < sizeof(src); i++)
				src[i] = (uint8_t)(i + shift);
			cr_assert_eq(rtp_g711_convert_sum(vec, src, sizeof(src), xs[k]),
			             rtp_g711_convert_sum_scalar(sca, src, sizeof(src), tables[k]),
			             "table %u shift %u: the change", k, shift);
			for (unsigned i = 0; i < sizeof(src); i++)
				cr_assert_eq(vec[i], tables[k][src[i]], "table %u char %02x", k,
				             src[i]);
			cr_assert_arr_eq(vec, sca, sizeof(src));
		}
	}
}

/* A payload far longer than a packet: the change's lanes are widened on the way (every 8192
 * steps of 32 bytes), with the sum right at the end. */
Test(g711, convert_sum_long_buffer)
{
	uint32_t len = 32 * 8192 * 2 + 70;
	uint8_t *src = malloc(len), *dst = malloc(len), *ref = malloc(len);

	cr_assert(src != NULL && dst != NULL && ref != NULL);
	for (uint32_t i = 0; i < len; i++)
		src[i] = (uint8_t)(i < len / 2 ? 0x00 : i * 13); /* 0x00: the largest changes */
	cr_assert_eq(rtp_g711_convert_sum(dst, src, len, &rtp_g711_xlat_u2a),
	             rtp_g711_convert_sum_scalar(ref, src, len, rtp_g711_ulaw_to_alaw));
	cr_assert_eq(
	    (ones_sum(src, len) + rtp_g711_convert_sum(dst, src, len, &rtp_g711_xlat_u2a)) % 0xffff,
	    ones_sum(dst, len) % 0xffff);
	cr_assert_arr_eq(dst, ref, len);
	free(src);
	free(dst);
	free(ref);
}
