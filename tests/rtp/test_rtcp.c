/* SPDX-License-Identifier: BSD-3-Clause */
/* RTCP reports: an SR that parses back with rtcp_parse and has every field at the offset RFC 3550
 * 6.4.1 gives, an RR when nothing was sent, lengths multiple of 4 for every CNAME length, -1 one
 * byte short (nothing written beyond), and the randomised interval's range and mean. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "rtp.h"

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct rtcp_report
sample_report(void)
{
	return (struct rtcp_report){
	    .ssrc = 0x11111111,
	    .ntp = 0xe8000001c0000000ull, /* 0.75 s past a second */
	    .rtp_ts = 0x00abcdef,
	    .pkt_count = 250,
	    .octet_count = 40000,
	    .has_rb = true,
	    .rb = {.ssrc = 0x22222222,
	           .fraction_lost = 25,
	           .cum_lost = -5,
	           .ext_max_seq = 0x00020010,
	           .jitter = 17,
	           .lsr = 0x0001c000,
	           .dlsr = 0x00008000},
	    .cname = DPV_STR_LIT("dpvoip@198.18.0.1"),
	};
}

Test(rtcp_write, sr_fields_at_rfc_offsets)
{
	struct rtcp_report r = sample_report();
	uint8_t b[RTCP_REPORT_MAX];
	int n = rtcp_write_report(b, sizeof(b), &r);
	uint32_t cl = (uint32_t)r.cname.len, chunk = (4 + 2 + cl + 4) & ~3u;

	cr_assert_eq(n, 52 + 4 + (int)chunk);
	cr_expect_eq(n % 4, 0);
	/* SR: V=2 P=0 RC=1, PT 200, length in words - 1 */
	cr_expect_eq(b[0], 0x81);
	cr_expect_eq(b[1], 200);
	cr_expect_eq(rd16(b + 2), 52 / 4 - 1);
	cr_expect_eq(rd32(b + 4), 0x11111111);
	cr_expect_eq(rd32(b + 8), 0xe8000001);  /* NTP seconds */
	cr_expect_eq(rd32(b + 12), 0xc0000000); /* NTP fraction */
	cr_expect_eq(rd32(b + 16), 0x00abcdef);
	cr_expect_eq(rd32(b + 20), 250);
	cr_expect_eq(rd32(b + 24), 40000);
	/* report block */
	cr_expect_eq(rd32(b + 28), 0x22222222);
	cr_expect_eq(b[32], 25);
	cr_expect_eq(b[33], 0xff);
	cr_expect_eq(rd16(b + 34), 0xfffb); /* -5 in 24 bits */
	cr_expect_eq(rd32(b + 36), 0x00020010);
	cr_expect_eq(rd32(b + 40), 17);
	cr_expect_eq(rd32(b + 44), 0x0001c000);
	cr_expect_eq(rd32(b + 48), 0x00008000);
	/* SDES: V=2 SC=1, PT 202, one chunk: SSRC, CNAME item, null octets to the boundary */
	cr_expect_eq(b[52], 0x81);
	cr_expect_eq(b[53], 202);
	cr_expect_eq(rd16(b + 54), (4 + chunk) / 4 - 1);
	cr_expect_eq(rd32(b + 56), 0x11111111);
	cr_expect_eq(b[60], 1);
	cr_expect_eq(b[61], cl);
	cr_expect_arr_eq(b + 62, r.cname.p, cl);
	for (int i = 62 + (int)cl; i < n; i++)
		cr_expect_eq(b[i], 0, "null octet at %d", i);
}

Test(rtcp_write, sr_parses_back)
{
	struct rtcp_report r = sample_report();
	uint8_t b[RTCP_REPORT_MAX];
	struct rtcp_view v;
	int n = rtcp_write_report(b, sizeof(b), &r);

	cr_assert_gt(n, 0);
	cr_assert_eq(rtcp_parse(b, (uint32_t)n, &v), 0, "%s",
	             rtp_pkt_strerror(rtcp_parse(b, (uint32_t)n, &v)));
	cr_expect_eq(v.pt, RTCP_PT_SR);
	cr_expect_eq(v.nb_pkts, 2);
	cr_expect_not(v.bye);
	cr_expect_eq(v.ssrc, r.ssrc);
	cr_expect_eq(v.ntp, r.ntp);
	cr_expect_eq(v.ntp_mid, 0x0001c000, "the LSR a peer sends back");
	cr_expect_eq(v.rtp_ts, r.rtp_ts);
	cr_expect_eq(v.pkt_count, r.pkt_count);
	cr_expect_eq(v.octet_count, r.octet_count);
	cr_expect_eq(v.rc, 1);
	cr_expect_eq(v.rb_off, 28);
	cr_expect_eq(v.rb.ssrc, r.rb.ssrc);
	cr_expect_eq(v.rb.fraction_lost, r.rb.fraction_lost);
	cr_expect_eq(v.rb.cum_lost, r.rb.cum_lost);
	cr_expect_eq(v.rb.ext_max_seq, r.rb.ext_max_seq);
	cr_expect_eq(v.rb.jitter, r.rb.jitter);
	cr_expect_eq(v.rb.lsr, r.rb.lsr);
	cr_expect_eq(v.rb.dlsr, r.rb.dlsr);
}

Test(rtcp_write, rr_when_nothing_sent)
{
	struct rtcp_report r = sample_report();
	uint8_t b[RTCP_REPORT_MAX];
	struct rtcp_view v;
	int n;

	r.pkt_count = 0;
	r.octet_count = 0;
	n = rtcp_write_report(b, sizeof(b), &r);
	cr_assert_gt(n, 0);
	cr_expect_eq(b[0], 0x81);
	cr_expect_eq(b[1], 201);
	cr_expect_eq(rd16(b + 2), 32 / 4 - 1);
	cr_expect_eq(rd32(b + 4), r.ssrc);
	cr_expect_eq(rd32(b + 8), r.rb.ssrc, "the report block follows the SSRC");
	cr_expect_eq(b[32 + 1], 202);
	cr_assert_eq(rtcp_parse(b, (uint32_t)n, &v), 0);
	cr_expect_eq(v.pt, RTCP_PT_RR);
	cr_expect_eq(v.rb_off, 8);
	cr_expect_eq(v.rb.cum_lost, -5);
	cr_expect_eq(v.ntp_mid, 0);
	/* nothing received either: an empty RR */
	r.has_rb = false;
	n = rtcp_write_report(b, sizeof(b), &r);
	cr_assert_gt(n, 0);
	cr_expect_eq(b[0], 0x80);
	cr_expect_eq(rd16(b + 2), 1);
	cr_assert_eq(rtcp_parse(b, (uint32_t)n, &v), 0);
	cr_expect_eq(v.rc, 0);
	/* an SR without a block */
	r.pkt_count = 1;
	n = rtcp_write_report(b, sizeof(b), &r);
	cr_assert_eq(rtcp_parse(b, (uint32_t)n, &v), 0);
	cr_expect_eq(v.pt, RTCP_PT_SR);
	cr_expect_eq(v.rc, 0);
	cr_expect_eq(b[28 + 1], 202);
}

/* Every CNAME length: a multiple of 4, parses, fits exactly, -1 one byte short without writing
 * past the buffer (an exact-size heap buffer: ASan sees any byte beyond). */
Test(rtcp_write, every_cname_length_and_one_byte_short)
{
	static char name[256];
	struct rtcp_report r = sample_report();

	memset(name, 'x', sizeof(name));
	r.cname.p = name;
	for (uint32_t cl = 1; cl <= 255; cl++) {
		uint8_t big[RTCP_REPORT_MAX + 8], *exact, *shorter;
		struct rtcp_view v;
		int n;

		r.cname.len = cl;
		r.pkt_count = cl % 2; /* SR and RR alike */
		n = rtcp_write_report(big, sizeof(big), &r);
		cr_assert_gt(n, 0, "cname %u", cl);
		cr_assert_leq(n, RTCP_REPORT_MAX);
		cr_expect_eq(n % 4, 0, "cname %u: %d", cl, n);
		cr_expect_eq(rtcp_parse(big, (uint32_t)n, &v), 0, "cname %u", cl);
		exact = malloc((size_t)n);
		shorter = malloc((size_t)n - 1);
		cr_expect_eq(rtcp_write_report(exact, (uint32_t)n, &r), n);
		cr_expect_arr_eq(exact, big, (size_t)n);
		cr_expect_eq(rtcp_write_report(shorter, (uint32_t)n - 1, &r), -1, "cname %u", cl);
		free(exact);
		free(shorter);
	}
	r.cname.len = 0;
	cr_expect_eq(rtcp_write_report((uint8_t *)name, 0, &r), -1);
	{
		uint8_t b[RTCP_REPORT_MAX * 2];

		cr_expect_eq(rtcp_write_report(b, sizeof(b), &r), -1, "empty CNAME");
		r.cname.len = 256;
		cr_expect_eq(rtcp_write_report(b, sizeof(b), &r), -1, "CNAME over 255");
	}
}

/* The pieces together: a receiver's statistics through a report block and back. */
Test(rtcp_write, stats_into_a_report)
{
	struct rtp_rx_stats s;
	struct rtcp_report r = sample_report();
	uint8_t b[RTCP_REPORT_MAX];
	struct rtcp_view v;

	rtp_rx_init(&s);
	for (uint16_t q = 0; q < 60; q++)
		if (q % 10 != 5) /* one in ten lost */
			rtp_rx_update(&s, q, q * 160u, q * 160u);
	r.rb.ssrc = 0xabc;
	rtp_rx_fill_rb(&s, &r.rb);
	cr_assert_eq(rtcp_parse(b, (uint32_t)rtcp_write_report(b, sizeof(b), &r), &v), 0);
	cr_expect_eq(v.rb.ssrc, 0xabc);
	cr_expect_eq(v.rb.cum_lost, 6);
	cr_expect_eq(v.rb.fraction_lost, (6 << 8) / 59);
	cr_expect_eq(v.rb.ext_max_seq, 59);
	cr_expect_eq(v.rb.jitter, 0);
}

Test(rtcp_interval, range_and_mean)
{
	uint64_t sum = 0;
	uint32_t lo = UINT32_MAX, hi = 0, r = 2463534242u;
	const int rounds = 200000;

	cr_expect_eq(rtcp_interval_ms(0), 2500);
	cr_expect_eq(rtcp_interval_ms(UINT32_MAX), 7499);
	cr_expect_eq(rtcp_interval_ms(1u << 31), 5000);
	for (int i = 0; i < rounds; i++) {
		uint32_t t;

		r ^= r << 13;
		r ^= r >> 17;
		r ^= r << 5;
		t = rtcp_interval_ms(r);
		cr_assert(t >= 2500 && t <= 7500, "%u", t);
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
		sum += t;
	}
	/* uniform over 5000 ms: the mean's standard error is 5000 / sqrt(12 * rounds), about 3 ms
	 */
	cr_expect(llabs((long long)(sum / rounds) - 5000) < 20, "mean %llu",
	          (unsigned long long)(sum / rounds));
	cr_expect_lt(lo, 2510);
	cr_expect_gt(hi, 7490);
}
