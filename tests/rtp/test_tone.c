/* SPDX-License-Identifier: BSD-3-Clause */
/* The 440 Hz tone: a Goertzel filter finds its energy at 440 Hz, well above 880 and 1000 Hz; its
 * level is -10 dBm0; frames written back to back are the same as one longer fill. */
#include <criterion/criterion.h>
#include <math.h>

#include "rtp.h"

#define RATE 8000

static void
decode(uint8_t codec, const uint8_t *in, double *out, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		out[i] = codec == RTP_PT_PCMA ? rtp_g711_alaw_decode(in[i])
		                              : rtp_g711_ulaw_decode(in[i]);
}

/* Power of @a x at @a hz (Goertzel). */
static double
goertzel(const double *x, uint32_t n, double hz)
{
	double coeff = 2.0 * cos(2.0 * M_PI * hz / RATE), s1 = 0, s2 = 0;

	for (uint32_t i = 0; i < n; i++) {
		double s = x[i] + coeff * s1 - s2;

		s2 = s1;
		s1 = s;
	}
	return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

static void
check_spectrum(uint8_t codec)
{
	static uint8_t buf[RATE];
	static double x[RATE];
	double p440, peak = 0, rms = 0;

	rtp_tone_fill(codec, 12345, buf, RATE);
	decode(codec, buf, x, RATE);
	p440 = goertzel(x, RATE, 440);
	cr_expect_gt(10 * log10(p440 / goertzel(x, RATE, 880)), 20.0);
	cr_expect_gt(10 * log10(p440 / goertzel(x, RATE, 1000)), 20.0);
	cr_expect_gt(10 * log10(p440 / goertzel(x, RATE, 400)), 20.0);
	for (int i = 0; i < RATE; i++) {
		peak = fmax(peak, fabs(x[i]));
		rms += x[i] * x[i];
	}
	rms = sqrt(rms / RATE);
	/* -10 dBm0: peak 7163 of 16 bits (0.22 of full scale), rms peak / sqrt(2); a step of the
	 * law at that level is 256 (mu-law) or 512 (A-law) wide. */
	cr_expect(peak > 7163 - 256 && peak < 7163 + 256, "peak %.0f", peak);
	cr_expect(fabs(20 * log10(rms / (7163 / M_SQRT2))) < 0.3, "rms %.0f", rms);
}

Test(tone, pcmu_spectrum_and_level)
{
	check_spectrum(RTP_PT_PCMU);
}

Test(tone, pcma_spectrum_and_level)
{
	check_spectrum(RTP_PT_PCMA);
}

/* One second is exactly 440 cycles: sample n and n + 8000 are the same. */
Test(tone, whole_seconds_repeat)
{
	uint8_t a[160], b[160];

	rtp_tone_fill(RTP_PT_PCMU, 777, a, sizeof(a));
	rtp_tone_fill(RTP_PT_PCMU, 777 + 8000 * 3, b, sizeof(b));
	cr_expect_arr_eq(a, b, sizeof(a));
}

Test(tone, frames_are_phase_continuous)
{
	static const uint32_t starts[] = {0, 40, 160, 199, 200, 7999, 123456789, 0xffffff00u - 320};
	uint8_t codecs[] = {RTP_PT_PCMU, RTP_PT_PCMA};

	for (unsigned c = 0; c < 2; c++) {
		for (unsigned i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
			uint8_t one[320], two[320 + 1];

			two[320] = 0x5a;
			rtp_tone_fill(codecs[c], starts[i], one, 320);
			rtp_tone_fill(codecs[c], starts[i], two, 160);
			rtp_tone_fill(codecs[c], starts[i] + 160, two + 160, 160);
			cr_expect_arr_eq(one, two, 320, "codec %u start %u", codecs[c], starts[i]);
			cr_expect_eq(two[320], 0x5a, "no byte beyond n is written");
		}
	}
}

/* The two laws carry the same tone: decoding either gives samples within a step of the other. */
Test(tone, laws_agree)
{
	uint8_t u[400], a[400];

	rtp_tone_fill(RTP_PT_PCMU, 5, u, sizeof(u));
	rtp_tone_fill(RTP_PT_PCMA, 5, a, sizeof(a));
	for (int i = 0; i < 400; i++)
		cr_expect_leq(abs(rtp_g711_ulaw_decode(u[i]) - rtp_g711_alaw_decode(a[i])), 512,
		              "%d", i);
	rtp_tone_fill(RTP_PT_PCMU, 0, u, 1);
	cr_expect_eq(u[0], 0xff, "sample 0 is the zero crossing");
}
