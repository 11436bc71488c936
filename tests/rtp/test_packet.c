/* SPDX-License-Identifier: BSD-3-Clause */
/* RTP and RTCP headers: fields and offsets of valid packets (CSRCs, extension, padding), one
 * error code per malformation, every truncation parsed from a buffer of exactly its length
 * (ASan catches a read beyond it), and RFC 5761 demultiplexing. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "rtp.h"

static uint32_t
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static uint32_t
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
	return 4;
}

/* An RTP packet: @a cc CSRCs, an extension of @a ext_words words (-1: none), @a payload bytes,
 * @a pad bytes of padding (0: P clear). Returns its length. */
static uint32_t
build_rtp(uint8_t *b, unsigned cc, int ext_words, uint32_t payload, uint8_t pad)
{
	uint32_t n = 0;

	b[n++] = (uint8_t)(0x80 | (pad ? 0x20 : 0) | (ext_words >= 0 ? 0x10 : 0) | cc);
	b[n++] = 0x80 | 8; /* M, PCMA */
	n += put16(b + n, 0xfffe);
	n += put32(b + n, 0x11223344);
	n += put32(b + n, 0xdeadbeef);
	for (unsigned i = 0; i < cc; i++)
		n += put32(b + n, 0x1000 + i);
	if (ext_words >= 0) {
		n += put16(b + n, 0xbede);
		n += put16(b + n, (uint16_t)ext_words);
		for (int i = 0; i < ext_words; i++)
			n += put32(b + n, 0xeeeeeeee);
	}
	for (uint32_t i = 0; i < payload; i++)
		b[n++] = (uint8_t)(0xd5 ^ i);
	for (unsigned i = 0; i < pad; i++)
		b[n++] = i + 1u == pad ? pad : 0;
	return n;
}

/* Parse @a len bytes of @a b from a heap copy of exactly that size. */
static int
parse_exact(const uint8_t *b, uint32_t len, struct rtp_hdr_view *v)
{
	uint8_t *copy = malloc(len ? len : 1);
	int e;

	cr_assert_not_null(copy);
	memcpy(copy, b, len);
	e = rtp_hdr_parse(len ? copy : copy + 1, len, v); /* len 0: a pointer to nothing */
	free(copy);
	return e;
}

Test(rtp_hdr, plain)
{
	uint8_t b[256];
	struct rtp_hdr_view v;
	uint32_t len = build_rtp(b, 0, -1, 160, 0);

	cr_assert_eq(rtp_hdr_parse(b, len, &v), 0);
	cr_expect_eq(v.pt, 8);
	cr_expect(v.marker);
	cr_expect_eq(v.seq, 0xfffe);
	cr_expect_eq(v.ts, 0x11223344);
	cr_expect_eq(v.ssrc, 0xdeadbeef);
	cr_expect_eq(v.cc, 0);
	cr_expect_not(v.ext);
	cr_expect_eq(v.hdr_len, 12);
	cr_expect_eq(v.payload_len, 160);
	cr_expect_eq(v.pad_len, 0);
	b[1] = 0; /* PT 0, no marker */
	cr_assert_eq(rtp_hdr_parse(b, 12, &v), 0);
	cr_expect_eq(v.pt, 0);
	cr_expect_not(v.marker);
	cr_expect_eq(v.payload_len, 0);
}

Test(rtp_hdr, csrc_extension_padding)
{
	uint8_t b[512];
	struct rtp_hdr_view v;
	uint32_t len = build_rtp(b, 3, 2, 100, 7);

	cr_assert_eq(len, 12 + 12 + 4 + 8 + 100 + 7);
	cr_assert_eq(rtp_hdr_parse(b, len, &v), 0);
	cr_expect_eq(v.cc, 3);
	cr_expect(v.ext);
	cr_expect_eq(v.ext_profile, 0xbede);
	cr_expect_eq(v.ext_len, 8);
	cr_expect_eq(v.hdr_len, 36);
	cr_expect_eq(v.payload_len, 100);
	cr_expect_eq(v.pad_len, 7);
	cr_expect_eq(b[v.hdr_len], 0xd5, "the payload starts at hdr_len");
	cr_expect_eq(b[12 + 4 * 2 + 3], 0x02, "CSRC 3 at 12 + 8");
	/* 15 CSRCs and an empty extension */
	len = build_rtp(b, 15, 0, 1, 0);
	cr_assert_eq(rtp_hdr_parse(b, len, &v), 0);
	cr_expect_eq(v.hdr_len, 12 + 60 + 4);
	cr_expect_eq(v.ext_len, 0);
	cr_expect_eq(v.payload_len, 1);
	/* padding that is all of the payload */
	len = build_rtp(b, 0, -1, 0, 4);
	cr_assert_eq(rtp_hdr_parse(b, len, &v), 0);
	cr_expect_eq(v.payload_len, 0);
	cr_expect_eq(v.pad_len, 4);
}

Test(rtp_hdr, each_malformation)
{
	uint8_t b[512];
	struct rtp_hdr_view v;
	uint32_t len;

	len = build_rtp(b, 0, -1, 0, 0);
	cr_expect_eq(rtp_hdr_parse(b, 11, &v), RTP_E_SHORT);
	cr_expect_eq(rtp_hdr_parse(b, 0, &v), RTP_E_SHORT);
	for (uint8_t ver = 0; ver < 4; ver++) {
		b[0] = (uint8_t)(ver << 6);
		cr_expect_eq(rtp_hdr_parse(b, len, &v), ver == 2 ? 0 : RTP_E_VERSION, "v%u", ver);
	}
	len = build_rtp(b, 2, -1, 0, 0); /* 20 bytes: CSRC list ends exactly at the end */
	cr_expect_eq(rtp_hdr_parse(b, len, &v), 0);
	cr_expect_eq(rtp_hdr_parse(b, len - 1, &v), RTP_E_CSRC);
	b[0] |= 0x0f;
	cr_expect_eq(rtp_hdr_parse(b, len, &v), RTP_E_CSRC);
	len = build_rtp(b, 1, 1, 0, 0); /* 12 + 4 + 4 + 4 */
	cr_expect_eq(rtp_hdr_parse(b, len, &v), 0);
	cr_expect_eq(rtp_hdr_parse(b, 16 + 3, &v), RTP_E_EXT_HDR);
	cr_expect_eq(rtp_hdr_parse(b, 16, &v), RTP_E_EXT_HDR);
	cr_expect_eq(rtp_hdr_parse(b, len - 1, &v), RTP_E_EXT_LEN);
	put16(b + 18, 0xffff);
	cr_expect_eq(rtp_hdr_parse(b, len, &v), RTP_E_EXT_LEN);
	len = build_rtp(b, 0, -1, 10, 3);
	b[len - 1] = 0;
	cr_expect_eq(rtp_hdr_parse(b, len, &v), RTP_E_PAD_ZERO);
	b[len - 1] = 14;
	cr_expect_eq(rtp_hdr_parse(b, len, &v), RTP_E_PAD_LEN);
	b[len - 1] = 13;
	cr_expect_eq(rtp_hdr_parse(b, len, &v), 0);
	cr_expect_eq(v.payload_len, 0);
	len = build_rtp(b, 0, -1, 0, 0);
	b[0] |= 0x20; /* P set, nothing after the header to hold the count */
	cr_expect_eq(rtp_hdr_parse(b, len, &v), RTP_E_PAD_LEN);
}

/* Every prefix of a valid packet, from a buffer of exactly that length: no read beyond it, and
 * when a prefix parses, its parts add up to its length. */
Test(rtp_hdr, every_truncation)
{
	static const struct {
		unsigned cc;
		int ext;
		uint32_t payload;
		uint8_t pad;
	} shapes[] = {{0, -1, 160, 0}, {3, 2, 20, 5}, {15, 0, 0, 1}, {0, 4, 1, 0}, {1, -1, 0, 8}};
	uint8_t b[512];

	for (unsigned s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		uint32_t len =
		    build_rtp(b, shapes[s].cc, shapes[s].ext, shapes[s].payload, shapes[s].pad);
		struct rtp_hdr_view v;

		cr_assert_eq(parse_exact(b, len, &v), 0, "shape %u", s);
		for (uint32_t l = 0; l < len; l++) {
			int e = parse_exact(b, l, &v);

			cr_expect_leq(e, 0);
			if (e == 0)
				cr_expect_eq(v.hdr_len + v.payload_len + v.pad_len, l);
			if (l < 12)
				cr_expect_eq(e, RTP_E_SHORT);
		}
	}
}

/* Random bytes of random lengths: never a read beyond the buffer, never a length that does not
 * add up. */
Test(rtp_hdr, random_bytes)
{
	uint32_t r = 99;

	for (int i = 0; i < 20000; i++) {
		uint32_t len = (r = r * 1103515245 + 12345) >> 24;
		uint8_t *b = malloc(len ? len : 1);
		struct rtp_hdr_view v;

		for (uint32_t k = 0; k < len; k++)
			b[k] = (uint8_t)((r = r * 1103515245 + 12345) >> 16);
		if (len > 0)
			b[0] = (uint8_t)(0x80 | (b[0] & 0x3f));
		if (rtp_hdr_parse(b, len, &v) == 0)
			cr_assert_eq(v.hdr_len + v.payload_len + v.pad_len, len);
		free(b);
	}
}

Test(rtp_hdr, error_names)
{
	cr_expect_str_eq(rtp_pkt_strerror(0), "ok");
	cr_expect_str_eq(rtp_pkt_strerror(RTP_E_SHORT), "rtp_short");
	cr_expect_str_eq(rtp_pkt_strerror(RTP_E_EXT_LEN), "rtp_ext_len");
	cr_expect_str_eq(rtp_pkt_strerror(RTCP_E_FIRST_PT), "rtcp_first_pt");
	cr_expect_str_eq(rtp_pkt_strerror(RTCP_E_REPORT_LEN), "rtcp_report_len");
	cr_expect_str_eq(rtp_pkt_strerror(RTP_PKT_E_MIN), "unknown");
	cr_expect_str_eq(rtp_pkt_strerror(1), "unknown");
	for (int e = RTP_PKT_E_MIN + 1; e < 0; e++) {
		const char *n = rtp_pkt_strerror(e);

		cr_expect(strncmp(n, "rtp_", 4) == 0 || strncmp(n, "rtcp_", 5) == 0, "%d: %s", e,
		          n);
		for (int f = e + 1; f < 0; f++)
			cr_expect_str_neq(n, rtp_pkt_strerror(f));
	}
}

/* RFC 5761 section 4: the second byte decides. */
Test(rtp_demux, rfc5761)
{
	struct {
		uint8_t b1;
		bool rtcp;
	} cases[] = {
	    {200, true},                       /* SR, which is RTP PT 72 with M set */
	    {201, true},                       /* RR, PT 73 with M */
	    {202, true},                       /* SDES */
	    {203, true},                       /* BYE */
	    {192, true},                       /* lowest of the range */
	    {223, true},                       /* highest */
	    {72, false},                       /* RTP PT 72 without M */
	    {73, false},                       /* PT 73 without M */
	    {0, false},                        /* PCMU */
	    {0x80 | 0, false},                 /* PCMU with M */
	    {8, false},                        /* PCMA */
	    {0x80 | 8, false},   {101, false}, /* telephone-event */
	    {0x80 | 101, false}, {191, false}, /* PT 63 with M */
	    {224, false},                      /* PT 96 with M */
	};
	uint8_t b[8] = {0x80};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b[1] = cases[i].b1;
		cr_expect_eq(rtp_is_rtcp(b, sizeof(b)), cases[i].rtcp, "second byte %u", b[1]);
	}
	b[1] = 200;
	cr_expect(rtp_is_rtcp(b, 2));
	cr_expect_not(rtp_is_rtcp(b, 1));
	cr_expect_not(rtp_is_rtcp(b, 0));
}

/* ---- RTCP ---- */

/* An SR from 0x01020304 with @a rc report blocks, NTP 0xAABBCCDD11223344. */
static uint32_t
build_sr(uint8_t *b, unsigned rc, uint8_t pad)
{
	uint32_t n = 0, words = 6 + 6 * rc + pad / 4;

	b[n++] = (uint8_t)(0x80 | (pad ? 0x20 : 0) | rc);
	b[n++] = RTCP_PT_SR;
	n += put16(b + n, (uint16_t)words);
	n += put32(b + n, 0x01020304);
	n += put32(b + n, 0xaabbccdd);
	n += put32(b + n, 0x11223344);
	n += put32(b + n, 160000);
	n += put32(b + n, 1000);
	n += put32(b + n, 160000);
	for (unsigned i = 0; i < rc; i++) {
		n += put32(b + n, 0x50000 + i);
		n += put32(b + n, i == 0 ? 0x40fffffe : 0x00000010); /* 1/4 lost, cum -2 */
		n += put32(b + n, 0x00010005);
		n += put32(b + n, 42);
		n += put32(b + n, 0x12345678);
		n += put32(b + n, 0x00018000);
	}
	for (unsigned i = 0; i < pad; i++)
		b[n++] = i + 1u == pad ? pad : 0;
	return n;
}

static uint32_t
build_rr(uint8_t *b, unsigned rc)
{
	uint32_t n = 0;

	b[n++] = (uint8_t)(0x80 | rc);
	b[n++] = RTCP_PT_RR;
	n += put16(b + n, (uint16_t)(1 + 6 * rc));
	n += put32(b + n, 0x0a0b0c0d);
	for (unsigned i = 0; i < rc; i++) {
		n += put32(b + n, 0x777);
		n += put32(b + n, 0x01000001);
		n += put32(b + n, 0x0002ffff);
		n += put32(b + n, 7);
		n += put32(b + n, 0);
		n += put32(b + n, 0);
	}
	return n;
}

/* SDES with one CNAME item "ab" (12 bytes) */
static uint32_t
build_sdes(uint8_t *b, bool pad)
{
	static const uint8_t sdes[] = {0x81, 202, 0, 2, 1, 2, 3, 4, 1, 2, 'a', 'b'};
	uint32_t n = sizeof(sdes);

	memcpy(b, sdes, n);
	if (pad) {
		b[0] |= 0x20;
		b[3] = 3;
		memcpy(b + n, "\0\0\0\4", 4);
		n += 4;
	}
	return n;
}

static uint32_t
build_bye(uint8_t *b)
{
	static const uint8_t bye[] = {0x81, 203, 0, 1, 1, 2, 3, 4};

	memcpy(b, bye, sizeof(bye));
	return sizeof(bye);
}

static int
rtcp_exact(const uint8_t *b, uint32_t len, struct rtcp_view *v)
{
	uint8_t *copy = malloc(len ? len : 1);
	int e;

	cr_assert_not_null(copy);
	memcpy(copy, b, len);
	e = rtcp_parse(len ? copy : copy + 1, len, v);
	free(copy);
	return e;
}

Test(rtcp_parse, sr_sdes_bye)
{
	uint8_t b[512];
	struct rtcp_view v;
	uint32_t n = build_sr(b, 2, 0);
	struct rtcp_rb rb;

	cr_assert_eq(n, 28 + 48);
	n += build_sdes(b + n, false);
	n += build_bye(b + n);
	cr_assert_eq(rtcp_parse(b, n, &v), 0);
	cr_expect_eq(v.pt, RTCP_PT_SR);
	cr_expect_eq(v.rc, 2);
	cr_expect_eq(v.nb_pkts, 3);
	cr_expect(v.bye);
	cr_expect_eq(v.ssrc, 0x01020304);
	cr_expect_eq(v.ntp, 0xaabbccdd11223344ull);
	cr_expect_eq(v.ntp_mid, 0xccdd1122);
	cr_expect_eq(v.rtp_ts, 160000);
	cr_expect_eq(v.pkt_count, 1000);
	cr_expect_eq(v.octet_count, 160000);
	cr_expect_eq(v.rb_off, 28);
	cr_expect_eq(v.rb.ssrc, 0x50000);
	cr_expect_eq(v.rb.fraction_lost, 0x40);
	cr_expect_eq(v.rb.cum_lost, -2);
	cr_expect_eq(v.rb.ext_max_seq, 0x00010005);
	cr_expect_eq(v.rb.jitter, 42);
	cr_expect_eq(v.rb.lsr, 0x12345678);
	cr_expect_eq(v.rb.dlsr, 0x00018000);
	rtcp_rb_read(b + v.rb_off + RTCP_RB_LEN, &rb);
	cr_expect_eq(rb.ssrc, 0x50001);
	cr_expect_eq(rb.cum_lost, 16);
}

Test(rtcp_parse, rr_alone_and_with_padding_last)
{
	uint8_t b[512];
	struct rtcp_view v;
	uint32_t n = build_rr(b, 0);

	cr_assert_eq(n, 8);
	cr_assert_eq(rtcp_parse(b, n, &v), 0);
	cr_expect_eq(v.pt, RTCP_PT_RR);
	cr_expect_eq(v.rc, 0);
	cr_expect_eq(v.ssrc, 0x0a0b0c0d);
	cr_expect_eq(v.ntp_mid, 0);
	n = build_rr(b, 1);
	n += build_sdes(b + n, true);
	cr_assert_eq(rtcp_parse(b, n, &v), 0);
	cr_expect_eq(v.nb_pkts, 2);
	cr_expect_not(v.bye);
	cr_expect_eq(v.rb.ssrc, 0x777);
	cr_expect_eq(v.rb.fraction_lost, 1);
	cr_expect_eq(v.rb.cum_lost, 1);
	/* the most negative and most positive 24-bit values */
	b[13] = 0x80, b[14] = 0, b[15] = 0;
	cr_assert_eq(rtcp_parse(b, n, &v), 0);
	cr_expect_eq(v.rb.cum_lost, -0x800000);
	b[13] = 0x7f, b[14] = 0xff, b[15] = 0xff;
	cr_assert_eq(rtcp_parse(b, n, &v), 0);
	cr_expect_eq(v.rb.cum_lost, 0x7fffff);
	/* a lone SR with padding: the first packet is also the last */
	n = build_sr(b, 1, 8);
	cr_assert_eq(rtcp_parse(b, n, &v), 0);
	cr_expect_eq(v.rc, 1);
}

Test(rtcp_parse, each_malformation)
{
	uint8_t b[512];
	struct rtcp_view v;
	uint32_t n, sr;

	n = build_rr(b, 0);
	cr_expect_eq(rtcp_parse(b, 7, &v), RTCP_E_SHORT);
	cr_expect_eq(rtcp_parse(b, 0, &v), RTCP_E_SHORT);
	b[0] = 0x40;
	cr_expect_eq(rtcp_parse(b, n, &v), RTCP_E_VERSION);
	sr = build_sr(b, 0, 0);
	n = sr + build_sdes(b + sr, false);
	b[sr] = 0xc1; /* version 3 in the second packet */
	cr_expect_eq(rtcp_parse(b, n, &v), RTCP_E_VERSION);
	/* first packet not SR or RR */
	n = build_sdes(b, false);
	n += build_rr(b + n, 0);
	cr_expect_eq(rtcp_parse(b, n, &v), RTCP_E_FIRST_PT);
	n = build_bye(b);
	cr_expect_eq(rtcp_parse(b, n, &v), RTCP_E_FIRST_PT);
	/* lengths: running beyond, bytes left over */
	sr = build_sr(b, 1, 0);
	n = sr + build_sdes(b + sr, false);
	cr_expect_eq(rtcp_parse(b, n - 4, &v), RTCP_E_TRUNC);
	cr_expect_eq(rtcp_parse(b, sr - 1, &v), RTCP_E_TRUNC);
	cr_expect_eq(rtcp_parse(b, sr + 3, &v), RTCP_E_TRAILING);
	cr_expect_eq(rtcp_parse(b, sr + 2, &v), RTCP_E_TRAILING);
	b[n] = 0;
	cr_expect_eq(rtcp_parse(b, n + 1, &v), RTCP_E_TRAILING);
	cr_expect_eq(rtcp_parse(b, n, &v), 0);
	/* padding on the first of two */
	b[0] |= 0x20;
	cr_expect_eq(rtcp_parse(b, n, &v), RTCP_E_PAD_NOT_LAST);
	b[0] &= (uint8_t)~0x20;
	/* padding counts: 0, beyond the packet, exactly its body */
	sr = build_sr(b, 0, 0);
	n = sr + build_sdes(b + sr, true);
	cr_expect_eq(rtcp_parse(b, n, &v), 0);
	b[n - 1] = 0;
	cr_expect_eq(rtcp_parse(b, n, &v), RTCP_E_PAD);
	b[n - 1] = 17; /* the SDES is 16 bytes: 12 of body after its 4-byte header */
	cr_expect_eq(rtcp_parse(b, n, &v), RTCP_E_PAD);
	b[n - 1] = 12;
	cr_expect_eq(rtcp_parse(b, n, &v), 0);
	/* an SR or RR too short for what it says */
	n = build_sr(b, 1, 0);
	b[0] = 0x82; /* RC 2 in a packet with room for 1 */
	cr_expect_eq(rtcp_parse(b, n, &v), RTCP_E_REPORT_LEN);
	n = build_sr(b, 0, 0);
	b[3] = 5; /* 24 bytes: no room for the sender info */
	cr_expect_eq(rtcp_parse(b, 24, &v), RTCP_E_REPORT_LEN);
	n = build_rr(b, 1);
	b[0] = 0x81 | 0x20; /* padding eats into the report block */
	b[n - 1] = 4;
	cr_expect_eq(rtcp_parse(b, n, &v), RTCP_E_REPORT_LEN);
}

/* Every prefix of a valid compound from a buffer of exactly its length: an error unless the
 * prefix ends on a packet boundary, and never a read beyond it. */
Test(rtcp_parse, every_truncation)
{
	uint8_t b[512];
	uint32_t bounds[4], nb = 0, n;
	struct rtcp_view v;

	n = build_sr(b, 2, 0);
	bounds[nb++] = n;
	n += build_sdes(b + n, false);
	bounds[nb++] = n;
	n += build_bye(b + n);
	bounds[nb++] = n;
	for (uint32_t l = 0; l <= n; l++) {
		bool boundary = false;
		int e = rtcp_exact(b, l, &v);

		for (uint32_t k = 0; k < nb; k++)
			boundary |= bounds[k] == l;
		cr_expect_eq(e == 0, boundary, "prefix %u: %s", l, rtp_pkt_strerror(e));
	}
	n = build_rr(b, 1);
	n += build_sdes(b + n, true);
	for (uint32_t l = 0; l < n; l++)
		cr_expect_eq(rtcp_exact(b, l, &v) == 0, l == 32, "prefix %u", l);
}

Test(rtcp_parse, random_bytes)
{
	uint32_t r = 7;

	for (int i = 0; i < 20000; i++) {
		uint32_t len = ((r = r * 1103515245 + 12345) >> 24) & ~3u;
		uint8_t *b = malloc(len ? len : 1);
		struct rtcp_view v;

		for (uint32_t k = 0; k < len; k++)
			b[k] = (uint8_t)((r = r * 1103515245 + 12345) >> 16);
		/* plausible headers every 4 bytes so that some get past the first checks */
		for (uint32_t k = 0; k + 4 <= len; k += 4 * (1 + (b[k] & 3))) {
			b[k] = (uint8_t)(0x80 | (b[k] & 0x3f));
			b[k + 1] = (uint8_t)(200 + (b[k + 1] & 3));
			b[k + 2] = 0;
			b[k + 3] &= 7;
		}
		(void)rtcp_parse(b, len, &v);
		free(b);
	}
}
