/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A log-linear histogram for the bench generators (sipgen's response times in microseconds,
 * rtpgen's latencies in TSC cycles): BENCH_HIST_SUB linear buckets per power of two, so a
 * percentile is within 1/16 (6 %) of the value, over the whole uint64_t range; fixed size, no
 * allocation, one increment per sample.
 */
#ifndef DPV_BENCH_HIST_H
#define DPV_BENCH_HIST_H

#include <stdint.h>

#define BENCH_HIST_SUB     16u
#define BENCH_HIST_BUCKETS (61u * BENCH_HIST_SUB) /* exponents 4..63 after the linear 0..15 */

struct bench_hist {
	uint64_t b[BENCH_HIST_BUCKETS];
	uint64_t n;
};

static inline unsigned
bench_hist_bucket(uint64_t v)
{
	unsigned e;

	if (v < BENCH_HIST_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v); /* >= 4 */
	return (e - 3) * BENCH_HIST_SUB + (unsigned)((v >> (e - 4)) & (BENCH_HIST_SUB - 1));
}

/* The lower edge of bucket @a b (inverse of bench_hist_bucket). */
static inline uint64_t
bench_hist_value(unsigned b)
{
	unsigned e;

	if (b < BENCH_HIST_SUB)
		return b;
	e = b / BENCH_HIST_SUB + 3;
	return (1ull << e) | (uint64_t)(b % BENCH_HIST_SUB) << (e - 4);
}

static inline void
bench_hist_add(struct bench_hist *h, uint64_t v)
{
	h->b[bench_hist_bucket(v)]++;
	h->n++;
}

/* The @a pct percentile (lower edge of its bucket); 0 when empty. */
static inline uint64_t
bench_hist_pct(const struct bench_hist *h, double pct)
{
	uint64_t want = (uint64_t)((double)h->n * pct / 100.0), seen = 0;

	if (h->n == 0)
		return 0;
	for (unsigned b = 0; b < BENCH_HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen > want)
			return bench_hist_value(b);
	}
	return bench_hist_value(BENCH_HIST_BUCKETS - 1);
}

#endif /* DPV_BENCH_HIST_H */
