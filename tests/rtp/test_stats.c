/* SPDX-License-Identifier: BSD-3-Clause */
/* Stream statistics (RFC 3550 A.1, A.3, A.8): jitter against a hand-computed sequence, loss with
 * a gap and its fraction per interval, duplicates, reordering, the sequence wrap, probation of a
 * new source, and the jumps of MAX_DROPOUT that resynchronise. */
#include <criterion/criterion.h>
#include <math.h>

#include "rtp.h"

/* Feed packets seq, seq+1, ... (ts 160 apart, arriving on time). */
static void
feed(struct rtp_rx_stats *s, uint16_t seq, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint16_t q = (uint16_t)(seq + i);

		rtp_rx_update(s, q, q * 160u, q * 160u + 1000);
	}
}

/*
 * 20 ms packets at 8 kHz, arrival in timestamp units. J16 is the integer form of A.8
 * (J16 += |D| - ((J16 + 8) >> 4)), J = J16 >> 4 what a report says; the floating form
 * J += (|D| - J) / 16 is in the last column.
 *
 *   seq  ts    arrival transit  D     J16  J   float J
 *   100  0     1000    -        -     -    -   -        probation: not counted
 *   101  160   1160    1000     -     0    0   0        first counted: no D yet
 *   102  320   1330    1010     10    10   0   0.625
 *   103  480   1470    990      -20   29   1   1.836
 *   104  640   1640    1000     10    37   2   2.346
 *   105  800   1900    1100     100   135  8   8.449
 *   106  960   1960    1000     -100  227  14  14.171
 *   107  1120  2120    1000     0     213  13  13.285
 */
Test(stats, jitter_hand_computed)
{
	static const struct {
		uint16_t seq;
		uint32_t ts, arrival, j16, j;
		double jf;
	} p[] = {
	    {101, 160, 1160, 0, 0, 0},          {102, 320, 1330, 10, 0, 0.625},
	    {103, 480, 1470, 29, 1, 1.836},     {104, 640, 1640, 37, 2, 2.346},
	    {105, 800, 1900, 135, 8, 8.449},    {106, 960, 1960, 227, 14, 14.171},
	    {107, 1120, 2120, 213, 13, 13.285},
	};
	struct rtp_rx_stats s;
	double jf = 0, prev_transit = 0;

	rtp_rx_init(&s);
	cr_expect_not(rtp_rx_update(&s, 100, 0, 1000));
	for (unsigned i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		double transit = (double)p[i].arrival - p[i].ts;

		cr_assert(rtp_rx_update(&s, p[i].seq, p[i].ts, p[i].arrival));
		cr_expect_eq(s.jitter16, p[i].j16, "seq %u: J16 %u", p[i].seq, s.jitter16);
		cr_expect_eq(rtp_rx_jitter(&s), p[i].j, "seq %u", p[i].seq);
		if (i > 0)
			jf += (fabs(transit - prev_transit) - jf) / 16;
		prev_transit = transit;
		cr_expect(fabs(jf - p[i].jf) < 0.001, "seq %u: float %.3f", p[i].seq, jf);
		cr_expect(fabs(jf - rtp_rx_jitter(&s)) < 1.0);
	}
	cr_expect_eq(rtp_rx_cum_lost(&s), 0);
}

/* The same stream with timestamps and arrival times that wrap 2^32 gives the same jitter. */
Test(stats, jitter_across_timestamp_wrap)
{
	struct rtp_rx_stats a, b;
	uint32_t r = 1;

	rtp_rx_init(&a);
	rtp_rx_init(&b);
	for (uint16_t i = 0; i < 2000; i++) {
		uint32_t ts = i * 160u, arr = ts + 500 + ((r = r * 1103515245 + 12345) >> 24);

		rtp_rx_update(&a, i, ts, arr);
		rtp_rx_update(&b, i, ts - 160000u, arr - 123456u); /* ts wraps at i = 1000 */
	}
	cr_expect_eq(a.jitter16, b.jitter16);
	cr_expect_gt(rtp_rx_jitter(&a), 50);
	cr_expect_lt(rtp_rx_jitter(&a), 128);
}

Test(stats, loss_with_a_gap)
{
	struct rtp_rx_stats s;

	rtp_rx_init(&s);
	feed(&s, 10, 11); /* 10 is probation, 11..20 counted */
	cr_expect_eq(s.received, 10);
	cr_expect_eq(rtp_rx_expected(&s), 10);
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 20);
	cr_expect_eq(rtp_rx_fraction_lost(&s), 0);
	/* 21..30 without 23 and 24 */
	feed(&s, 21, 2);
	feed(&s, 25, 6);
	cr_expect_eq(rtp_rx_cum_lost(&s), 2);
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 30);
	cr_expect_eq(rtp_rx_fraction_lost(&s), (2 << 8) / 10); /* 51 */
	/* an interval with nothing new: 0; then all of one lost: 255, not 256 */
	cr_expect_eq(rtp_rx_fraction_lost(&s), 0);
	feed(&s, 40, 1); /* 31..39 lost, 40 received: 9 of 10 */
	cr_expect_eq(rtp_rx_fraction_lost(&s), (9 << 8) / 10);
	cr_expect_eq(rtp_rx_cum_lost(&s), 11);
	/* a late arrival of a lost one brings the count down, and this interval gains more than
	 * expected: 0 */
	feed(&s, 35, 1);
	cr_expect_eq(rtp_rx_cum_lost(&s), 10);
	cr_expect_eq(rtp_rx_fraction_lost(&s), 0);
	cr_expect_eq(s.reordered, 1);
	{
		struct rtcp_rb rb = {.ssrc = 5};

		feed(&s, 41, 1);
		feed(&s, 50, 1);
		rtp_rx_fill_rb(&s, &rb);
		cr_expect_eq(rb.ssrc, 5);
		cr_expect_eq(rb.fraction_lost, (8 << 8) / 10);
		cr_expect_eq(rb.cum_lost, 18);
		cr_expect_eq(rb.ext_max_seq, 50);
		cr_expect_eq(rb.jitter, 0);
	}
}

Test(stats, fraction_all_lost_saturates)
{
	struct rtp_rx_stats s;

	rtp_rx_init(&s);
	feed(&s, 0, 3);
	(void)rtp_rx_fraction_lost(&s);
	/* expected grows by 10 with one packet: 9 lost */
	feed(&s, 12, 1);
	cr_expect_eq(rtp_rx_fraction_lost(&s), 230);
	/* An interval that received nothing would be 256/256: reported as 255. rtp_rx_update
	 * counts every packet that raises the expected count, so only a forged state gets there. */
	s.received_prior = s.received + 1;
	feed(&s, 20, 1);
	cr_expect_eq(rtp_rx_fraction_lost(&s), 255);
}

Test(stats, duplicates)
{
	struct rtp_rx_stats s;

	rtp_rx_init(&s);
	feed(&s, 49, 2);
	feed(&s, 50, 1); /* the highest again */
	cr_expect_eq(s.duplicates, 1);
	cr_expect_eq(s.reordered, 0);
	cr_expect_eq(s.received, 2, "a duplicate counts as received (RFC 3550 6.4.1)");
	cr_expect_eq(rtp_rx_cum_lost(&s), -1);
	feed(&s, 51, 1);
	feed(&s, 53, 1);
	feed(&s, 52, 1); /* late, first time: reordered */
	feed(&s, 52, 1); /* late, again: duplicate */
	feed(&s, 51, 1); /* duplicate */
	cr_expect_eq(s.duplicates, 3);
	cr_expect_eq(s.reordered, 1);
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 53);
	cr_expect_eq(rtp_rx_cum_lost(&s), -3);
}

Test(stats, reorder)
{
	struct rtp_rx_stats s;

	rtp_rx_init(&s);
	feed(&s, 0, 3); /* 1, 2 counted */
	feed(&s, 4, 1);
	feed(&s, 3, 1);
	feed(&s, 5, 1);
	cr_expect_eq(s.reordered, 1);
	cr_expect_eq(s.duplicates, 0);
	cr_expect_eq(rtp_rx_cum_lost(&s), 0);
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 5);
	/* 99 behind is late; 100 behind is a jump (not counted) */
	feed(&s, 6, 995); /* up to 1000 */
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 1000);
	cr_expect(rtp_rx_update(&s, 901, 0, 0));
	cr_expect_eq(s.reordered, 2, "beyond the 64-packet window, still late");
	cr_expect_not(rtp_rx_update(&s, 900, 0, 0));
	cr_expect_eq(s.rejected, 2, "the probation packet and the 100-behind one");
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 1000);
}

Test(stats, sequence_wrap)
{
	struct rtp_rx_stats s;

	rtp_rx_init(&s);
	feed(&s, 65533, 6); /* 65533 (probation), 65534, 65535, 0, 1, 2 */
	cr_expect_eq(s.received, 5);
	cr_expect_eq(s.cycles, 65536);
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 65536 + 2);
	cr_expect_eq(rtp_rx_expected(&s), 5);
	cr_expect_eq(rtp_rx_cum_lost(&s), 0);
	/* a late packet from before the wrap does not wrap again */
	feed(&s, 65535, 1);
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 65536 + 2);
	cr_expect_eq(s.duplicates, 1);
	/* a gap across the wrap */
	rtp_rx_init(&s);
	feed(&s, 65530, 3);
	feed(&s, 3, 1);
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 65536 + 3);
	cr_expect_eq(rtp_rx_cum_lost(&s), 6); /* 65533 .. 2 */
	/* probation itself across the wrap */
	rtp_rx_init(&s);
	cr_expect_not(rtp_rx_update(&s, 65535, 0, 0));
	cr_expect(rtp_rx_update(&s, 0, 160, 160));
	cr_expect_eq(s.base_seq, 0);
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 0);
}

Test(stats, probation_of_a_new_source)
{
	struct rtp_rx_stats s;

	rtp_rx_init(&s);
	cr_expect_not(rtp_rx_valid(&s));
	cr_expect_eq(rtp_rx_expected(&s), 0);
	cr_expect_eq(rtp_rx_cum_lost(&s), 0);
	cr_expect_not(rtp_rx_update(&s, 10, 0, 0));
	cr_expect_not(rtp_rx_update(&s, 12, 0, 0)); /* out of sequence: probation again */
	cr_expect_not(rtp_rx_valid(&s));
	cr_expect(rtp_rx_update(&s, 13, 0, 0));
	cr_expect(rtp_rx_valid(&s));
	cr_expect_eq(s.base_seq, 13);
	cr_expect_eq(s.received, 1);
	cr_expect_eq(s.rejected, 2);
	cr_expect_eq(rtp_rx_expected(&s), 1);
	cr_expect_eq(rtp_rx_cum_lost(&s), 0);
	/* a duplicate during probation starts it over */
	rtp_rx_init(&s);
	cr_expect_not(rtp_rx_update(&s, 7, 0, 0));
	cr_expect_not(rtp_rx_update(&s, 7, 0, 0));
	cr_expect(rtp_rx_update(&s, 8, 0, 0));
}

Test(stats, large_jump_resynchronises)
{
	struct rtp_rx_stats s;

	rtp_rx_init(&s);
	feed(&s, 100, 11); /* 101..110 counted */
	cr_expect_eq(s.received, 10);
	/* MAX_DROPOUT - 1 ahead is a gap, not a jump */
	{
		struct rtp_rx_stats t = s;

		cr_expect(rtp_rx_update(&t, 110 + 2999, 0, 0));
		cr_expect_eq(rtp_rx_cum_lost(&t), 2998);
	}
	/* a jump of MAX_DROPOUT: not counted, and nothing changes */
	cr_expect_not(rtp_rx_update(&s, 110 + 3000, 0, 0));
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 110);
	cr_expect_eq(s.received, 10);
	/* the old stream goes on meanwhile */
	cr_expect(rtp_rx_update(&s, 111, 0, 0));
	/* another jump, not followed by its next packet: still not believed */
	cr_expect_not(rtp_rx_update(&s, 9000, 0, 0));
	cr_expect_not(rtp_rx_update(&s, 9500, 0, 0));
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 111);
	/* 9501 follows 9500: the source restarted there */
	cr_expect(rtp_rx_update(&s, 9501, 0, 0));
	cr_expect_eq(s.base_seq, 9501);
	cr_expect_eq(s.received, 1);
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 9501);
	cr_expect_eq(rtp_rx_cum_lost(&s), 0);
	cr_expect(rtp_rx_update(&s, 9502, 0, 0));
	cr_expect_eq(rtp_rx_expected(&s), 2);
	cr_expect_eq(s.rejected, 4);
	/* a jump backwards behaves the same */
	cr_expect_not(rtp_rx_update(&s, 100, 0, 0));
	cr_expect(rtp_rx_update(&s, 101, 0, 0));
	cr_expect_eq(rtp_rx_ext_max_seq(&s), 101);
}

Test(stats, cum_lost_clamps_to_24_bits)
{
	struct rtp_rx_stats s;

	rtp_rx_init(&s);
	feed(&s, 0, 3);
	s.cycles = 65536u * 200; /* as if 13 million packets were expected */
	cr_expect_eq(rtp_rx_cum_lost(&s), RTP_RX_LOST_MAX);
	s.cycles = 0;
	s.received = 0x900000; /* far more duplicates than packets */
	cr_expect_eq(rtp_rx_cum_lost(&s), RTP_RX_LOST_MIN);
}
