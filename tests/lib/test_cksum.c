/* SPDX-License-Identifier: BSD-3-Clause */
/* Incremental checksum (RFC 1624 eqn 3) against a full recomputation with DPDK's rte_raw_cksum:
 * random IPv4-like headers and random 16/32-bit changes, both byte orders, and the UDP
 * 0 (no checksum) / 0xFFFF (computed zero) cases. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "dpv.h"

#define HDR_LEN  20
#define CK_OFF   10 /* the checksum field of an IPv4 header */
#define ROUNDS   20000
#define UDP_LEN  40 /* pseudo-header (12) + UDP header (8) + 20 bytes of payload */
#define UDP_CK   18 /* the UDP checksum field in that buffer */
#define UDP_PORT 14 /* destination port */
#define UDP_ADDR 4  /* destination address in the pseudo-header */

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static uint16_t
get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void
put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* The checksum of @a len bytes with the field at @a off counted as zero, as stored (raw). */
static uint16_t
full(uint8_t *b, size_t len, size_t off)
{
	uint16_t saved = get16(b + off), ck;

	put16(b + off, 0);
	ck = (uint16_t)~rte_raw_cksum(b, len);
	put16(b + off, saved);
	return ck;
}

/* UDP: a computed 0 goes out as 0xFFFF. */
static uint16_t
full_udp(uint8_t *b)
{
	uint16_t ck = full(b, UDP_LEN, UDP_CK);

	return ck == 0 ? 0xffff : ck;
}

static void
random_fill(uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)rnd();
}

/* An even offset in [0, len) other than the checksum's. */
static size_t
word_off(size_t len, size_t ck_off, size_t width)
{
	size_t off;

	do
		off = (rnd() % ((len - width) / 2 + 1)) * 2;
	while (off <= ck_off + 1 && off + width > ck_off);
	return off;
}

Test(cksum, update16_matches_full)
{
	uint8_t h[HDR_LEN];

	for (int i = 0; i < ROUNDS; i++) {
		size_t off;
		uint16_t ck, old_w, new_w;

		random_fill(h, sizeof(h));
		put16(h + CK_OFF, full(h, HDR_LEN, CK_OFF));
		off = word_off(HDR_LEN, CK_OFF, 2);
		old_w = get16(h + off);
		new_w = (i % 8 == 0) ? old_w : (uint16_t)rnd(); /* no change keeps it */
		put16(h + off, new_w);
		ck = dpv_cksum_update16(get16(h + CK_OFF), old_w, new_w);
		cr_assert_eq(ck, full(h, HDR_LEN, CK_OFF), "round %d off %zu", i, off);
		/* The same update in host byte order gives the same checksum in host order. */
		cr_assert_eq(dpv_cksum_update16(rte_be_to_cpu_16(get16(h + CK_OFF)),
		                                rte_be_to_cpu_16(old_w), rte_be_to_cpu_16(new_w)),
		             rte_be_to_cpu_16(ck));
	}
}

Test(cksum, update32_matches_full)
{
	uint8_t h[HDR_LEN];

	for (int i = 0; i < ROUNDS; i++) {
		size_t off = (i & 1) ? 12 + 4 * (size_t)(rnd() % 2) : word_off(HDR_LEN, CK_OFF, 4);
		uint32_t old_w, new_w;
		uint16_t ck, ck_host;

		random_fill(h, sizeof(h));
		put16(h + CK_OFF, full(h, HDR_LEN, CK_OFF));
		old_w = get32(h + off);
		new_w = rnd();
		put32(h + off, new_w);
		ck = dpv_cksum_update32(get16(h + CK_OFF), old_w, new_w);
		cr_assert_eq(ck, full(h, HDR_LEN, CK_OFF), "round %d off %zu", i, off);
		ck_host = dpv_cksum_update32(rte_be_to_cpu_16(get16(h + CK_OFF)),
		                             rte_be_to_cpu_32(old_w), rte_be_to_cpu_32(new_w));
		cr_assert_eq(ck_host, rte_be_to_cpu_16(ck));
		/* Two 16-bit updates are one 32-bit update. */
		cr_assert_eq(dpv_cksum_update16(
		                 dpv_cksum_update16(get16(h + CK_OFF), get16((uint8_t *)&old_w),
		                                    get16((uint8_t *)&new_w)),
		                 get16((uint8_t *)&old_w + 2), get16((uint8_t *)&new_w + 2)),
		             ck);
	}
}

/* A new value for the 16-bit word at @a off that makes the full checksum 0, or -1. */
static int
word_making_zero(uint8_t *b, size_t len, size_t off, size_t ck_off)
{
	uint16_t saved = get16(b + off);

	for (uint32_t w = 0; w <= 0xffff; w++) {
		put16(b + off, (uint16_t)w);
		if (full(b, len, ck_off) == 0) {
			put16(b + off, saved);
			return (int)w;
		}
	}
	put16(b + off, saved);
	return -1;
}

Test(cksum, udp_random_changes)
{
	uint8_t u[UDP_LEN];

	for (int i = 0; i < ROUNDS; i++) {
		uint16_t old16, new16;
		uint32_t old32, new32;

		random_fill(u, sizeof(u));
		put16(u + UDP_CK, full_udp(u));
		old16 = get16(u + UDP_PORT);
		new16 = (uint16_t)rnd();
		put16(u + UDP_PORT, new16);
		put16(u + UDP_CK, dpv_udp_cksum_update16(get16(u + UDP_CK), old16, new16));
		cr_assert_eq(get16(u + UDP_CK), full_udp(u), "round %d", i);
		old32 = get32(u + UDP_ADDR);
		new32 = rnd();
		put32(u + UDP_ADDR, new32);
		put16(u + UDP_CK, dpv_udp_cksum_update32(get16(u + UDP_CK), old32, new32));
		cr_assert_eq(get16(u + UDP_CK), full_udp(u), "round %d", i);
	}
}

Test(cksum, udp_zero_means_none)
{
	uint8_t u[UDP_LEN];

	random_fill(u, sizeof(u));
	put16(u + UDP_CK, 0);
	cr_expect_eq(dpv_udp_cksum_update16(0, get16(u + UDP_PORT), 0x1234), 0);
	cr_expect_eq(dpv_udp_cksum_update32(0, get32(u + UDP_ADDR), 0xc6120001), 0);
	/* The plain IP update has no such rule: 0 is an ordinary value there. */
	cr_expect_neq(dpv_cksum_update16(0, 0x0000, 0x1234), 0);
}

Test(cksum, udp_computed_zero_is_ffff)
{
	uint8_t u[UDP_LEN];
	int w = -1;

	for (int tries = 0; tries < 16 && w < 0; tries++) {
		random_fill(u, sizeof(u));
		w = word_making_zero(u, UDP_LEN, UDP_PORT, UDP_CK);
	}
	cr_assert_geq(w, 0);
	put16(u + UDP_CK, full_udp(u));
	{
		uint16_t old16 = get16(u + UDP_PORT);
		uint16_t ck_ip = dpv_cksum_update16(get16(u + UDP_CK), old16, (uint16_t)w);
		uint16_t ck_udp = dpv_udp_cksum_update16(get16(u + UDP_CK), old16, (uint16_t)w);

		put16(u + UDP_PORT, (uint16_t)w);
		cr_assert_eq(full(u, UDP_LEN, UDP_CK), 0);
		cr_expect_eq(ck_ip, 0x0000, "RFC 1624 eqn 3 gives +0 for a zero checksum");
		cr_expect_eq(ck_udp, 0xffff, "UDP sends a computed zero as 0xFFFF");
		put16(u + UDP_CK, ck_udp);
	}
	/* From 0xFFFF (computed zero) an update still agrees with the full sum. */
	{
		uint32_t old32 = get32(u + UDP_ADDR), new32 = 0xc6120002;

		put32(u + UDP_ADDR, new32);
		cr_expect_eq(dpv_udp_cksum_update32(0xffff, old32, new32), full_udp(u));
		put32(u + UDP_ADDR, old32);
	}
	/* And an IPv4-style header whose checksum becomes 0x0000 after an address change. */
	{
		uint8_t h[HDR_LEN];
		int a = -1;

		for (int tries = 0; tries < 16 && a < 0; tries++) {
			random_fill(h, sizeof(h));
			a = word_making_zero(h, HDR_LEN, 12, CK_OFF);
		}
		cr_assert_geq(a, 0);
		put16(h + CK_OFF, full(h, HDR_LEN, CK_OFF));
		{
			uint32_t old32 = get32(h + 12), new32;

			put16(h + 12, (uint16_t)a);
			new32 = get32(h + 12);
			cr_expect_eq(dpv_cksum_update32(get16(h + CK_OFF), old32, new32), 0x0000);
			cr_expect_eq(full(h, HDR_LEN, CK_OFF), 0x0000);
		}
	}
}

/* ---- the full sum over a buffer (lib/cksum.c) ---- */

#define SUM_MAX 2100 /* past a jumbo SIP datagram's 1,500, and every tail length of each block */

static const char *const variants[] = {"scalar", "sse2"};

/* Every implementation this CPU has against rte_raw_cksum: every length 0..SUM_MAX at every
 * offset 0..7 (misaligned starts), random data, with and without a partial sum to add. */
Test(cksum, sum_matches_rte_raw_cksum)
{
	static uint8_t b[SUM_MAX + 8];
	unsigned tried = 0;

	random_fill(b, sizeof(b));
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		if (dpv_cksum_use(variants[v]) != 0) {
			cr_assert_str_neq(variants[v], "scalar");
			continue;
		}
		cr_assert_str_eq(dpv_cksum_variant(), variants[v]);
		tried++;
		for (size_t len = 0; len <= SUM_MAX; len++)
			for (size_t off = 0; off < 8; off++) {
				uint32_t init = (uint32_t)rnd() & 0x3ffff;
				uint32_t want = rte_raw_cksum(b + off, len) + init;

				want = dpv_cksum_fold(want);
				cr_assert_eq(dpv_cksum_sum(b + off, len, 0),
				             rte_raw_cksum(b + off, len), "%s len %zu off %zu",
				             variants[v], len, off);
				cr_assert_eq(dpv_cksum_sum(b + off, len, init), want,
				             "%s len %zu off %zu init %u", variants[v], len, off,
				             init);
			}
	}
#ifdef __SSE2__
	cr_assert_eq(tried, 2);
#endif
	cr_assert_eq(dpv_cksum_use("avx2"), -1);
}

/* Sums whose lanes carry the most: all ones, all zeros, and a buffer that sums to 0xFFFF only
 * with its checksum word (what a receiver checks). */
Test(cksum, sum_extremes)
{
	static uint8_t b[SUM_MAX];

	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		if (dpv_cksum_use(variants[v]) != 0)
			continue;
		memset(b, 0xff, sizeof(b));
		for (size_t len = 0; len <= SUM_MAX; len += 7)
			cr_assert_eq(dpv_cksum_sum(b, len, 0), rte_raw_cksum(b, len), "%s ones %zu",
			             variants[v], len);
		memset(b, 0, sizeof(b));
		cr_assert_eq(dpv_cksum_sum(b, SUM_MAX, 0), 0);
		random_fill(b, sizeof(b));
		put16(b + 6, 0);
		put16(b + 6, (uint16_t)~dpv_cksum_sum(b, 1400, 0));
		cr_assert_eq(dpv_cksum_sum(b, 1400, 0), 0xffff, "%s", variants[v]);
		b[700] ^= 0x10;
		cr_assert_neq(dpv_cksum_sum(b, 1400, 0), 0xffff, "%s: a flipped bit", variants[v]);
	}
}
