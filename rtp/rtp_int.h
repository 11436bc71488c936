/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtp layer internals shared by its sources and by its build-time table generator
 * (gen_tables.c): G.711 quantisation and the definition of the tone. Only <stdint.h> here, so
 * that the generator builds without the rest of the tree.
 */
#ifndef DPV_RTP_INT_H
#define DPV_RTP_INT_H

#include <stdint.h>

/*
 * G.711 (ITU-T, 11/88), section 2 and tables 1a/2a, in sign-magnitude as the standard gives it:
 * a negative sample quantises like its magnitude, so the laws are symmetric about zero.
 *
 * A-law works on a 12-bit magnitude (16-bit linear >> 3). Segment 0 and 1 have 16 steps of 2,
 * each later segment doubles the step; the value decoded is the middle of the interval. The
 * character is sign (1 = positive), 3 bits of segment and 4 of step, even bits inverted
 * (XOR 0x55).
 *
 * mu-law works on a 13-bit magnitude (16-bit linear >> 2) biased by 33, which makes every
 * segment a power of two wide: the segment is the position of the top bit of the biased value
 * (bit 5 .. bit 12), the step the 4 bits below it. The character is sign (1 = negative), segment
 * and step, all bits inverted. Codes 0xFF (+0) and 0x7F (-0) both decode to 0.
 *
 * Decoded values are scaled back to 16 bits: A-law +-8 .. +-32256, mu-law 0 .. +-32124.
 */

#define G711_ULAW_BIAS 33

static inline uint32_t
g711_mag(int16_t x)
{
	return x < 0 ? (uint32_t)(-(int32_t)x) : (uint32_t)x; /* 0 .. 32768 */
}

/* Position of the highest set bit of @a v (v != 0). */
static inline unsigned
g711_top_bit(uint32_t v)
{
	return 31u - (unsigned)__builtin_clz(v);
}

static inline uint8_t
g711_alaw_encode(int16_t x)
{
	uint32_t mag = g711_mag(x) >> 3; /* 0 .. 4096 */
	uint8_t code = x < 0 ? 0x00 : 0x80;
	unsigned seg;

	if (mag > 0xfff)
		mag = 0xfff;
	if (mag < 32) {
		code |= (uint8_t)(mag >> 1);
	} else {
		seg = g711_top_bit(mag) - 4; /* 32..63 -> 1, .., 2048..4095 -> 7 */
		code |= (uint8_t)(seg << 4 | ((mag >> seg) & 0xf));
	}
	return code ^ 0x55;
}

static inline int16_t
g711_alaw_decode(uint8_t a)
{
	unsigned v = a ^ 0x55u, seg = (v >> 4) & 7, step = v & 0xf;
	int32_t mag =
	    seg == 0 ? (int32_t)(step << 1) + 1 : ((int32_t)(step << 1) + 33) << (seg - 1);

	mag <<= 3;
	return (int16_t)(v & 0x80 ? mag : -mag);
}

static inline uint8_t
g711_ulaw_encode(int16_t x)
{
	uint32_t mag = (g711_mag(x) >> 2) + G711_ULAW_BIAS; /* 33 .. 8225 */
	uint8_t sign = x < 0 ? 0x80 : 0x00;
	unsigned seg;

	if (mag > 0x1fff)
		mag = 0x1fff;
	seg = g711_top_bit(mag) - 5; /* 33..63 -> 0, .., 4096..8191 -> 7 */
	return (uint8_t) ~(sign | seg << 4 | ((mag >> (seg + 1)) & 0xf));
}

static inline int16_t
g711_ulaw_decode(uint8_t u)
{
	unsigned v = (uint8_t)~u, seg = (v >> 4) & 7, step = v & 0xf;
	int32_t mag = ((((int32_t)step << 1) + G711_ULAW_BIAS) << seg) - G711_ULAW_BIAS;

	mag <<= 2;
	return (int16_t)(v & 0x80 ? -mag : mag);
}

/*
 * What the vector conversion (g711.c) needs of a 256-entry table, found once per table (by
 * gen_tables.c for the two G.711 ones, by rtp_g711_xlat_init for any other): the first half
 * as eight 16-byte rows, each XORed with the row before it (row 0 as it is), so that a lookup
 * XORs the rows from 0 up to the character's and the earlier ones cancel; and the characters
 * of the sign half (0x80..0xff) that are not their mirror's entry with the sign bit flipped,
 * with the XOR that corrects the mirrored result. Returns how many such characters there are,
 * at most @a max + 1 (more than @a max: the vector way cannot take the table); @a exc_in and
 * @a exc_fix get the first @a max of them.
 */
#define G711_EXC_MAX 4 /* RTP_G711_EXC_MAX of rtp.h, which the generator does not include */

static inline unsigned
g711_xlat_build(const uint8_t table[256], uint8_t rows[8][16], uint8_t *exc_in, uint8_t *exc_fix,
                unsigned max)
{
	unsigned n = 0;

	for (unsigned c = 0; c < 128; c++)
		rows[c >> 4][c & 15] = (uint8_t)(table[c] ^ (c >= 16 ? table[c - 16] : 0));
	for (unsigned c = 128; c < 256 && n <= max; c++) {
		uint8_t fix = (uint8_t)(table[c] ^ table[c - 128] ^ 0x80);

		if (fix == 0)
			continue;
		if (n < max) {
			exc_in[n] = (uint8_t)c;
			exc_fix[n] = fix;
		}
		n++;
	}
	return n;
}

/*
 * The tone: 440 Hz at 8000 samples/s is 11 cycles in 200 samples, so one period of the samples
 * is 200 long and sample n of the stream is table[n % 200]. Level -10 dBm0: the mu-law 0 dBm0
 * sine has its peak 3.17 dB below full scale (G.711's overload point, +3.17 dBm0, at 8159 of
 * 14 bits, 32636 of 16), so -10 dBm0 peaks at 32636 * 10^(-13.17 / 20) = 7163, 0.22 of full
 * scale. The same samples are used for A-law (its overload point, +3.14 dBm0, is 0.03 dB away).
 */
#define RTP_TONE_HZ      440
#define RTP_TONE_RATE    8000
#define RTP_TONE_PERIOD  200
#define RTP_TONE_DBM0    (-10.0)
#define RTP_TONE_FS_DBM0 3.17
#define RTP_TONE_FULL    32636.0

/* One period of the tone in each law (generated at build time: rtp_tables.c). */
extern const uint8_t rtp_tone_ulaw[RTP_TONE_PERIOD];
extern const uint8_t rtp_tone_alaw[RTP_TONE_PERIOD];

#endif /* DPV_RTP_INT_H */
