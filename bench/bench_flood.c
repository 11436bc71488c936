/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-benchmark: CPU ns per dpv_flood_check() (the [security] flood-rate check the media lcore
 * makes per SIP request before steering), for one source, for 1,000 sources cycling (the table's
 * lines in cache) and for 1M sources cycling through a 4,096-entry table (every check a miss,
 * an eviction). CPU time (CLOCK_THREAD_CPUTIME_ID), as bench_parse. usage: bench_flood [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine.h"

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
run(const char *what, uint32_t sources, uint32_t entries, unsigned long n)
{
	struct dpv_flood_cfg c = {.rate = 1000000,
	                          .burst = 1000000,
	                          .block_s = 60,
	                          .entries = entries,
	                          .hz = 1000000000,
	                          .seed = 7};
	struct dpv_flood *f = dpv_flood_create(&c);
	unsigned long pass = 0;
	double t0, t1;

	if (f == NULL) {
		fprintf(stderr, "bench_flood: cannot create a table of %u\n", entries);
		exit(1);
	}
	t0 = now_ns();
	for (unsigned long i = 0; i < n; i++)
		pass += dpv_flood_check(f, 0xc6120000u + (uint32_t)(i % sources) + 1,
		                        (uint64_t)i * 1000) == DPV_FLOOD_PASS;
	t1 = now_ns();
	printf("%-34s %6.1f ns/check  (%lu checks, %lu passed, %lu evicted)\n", what,
	       (t1 - t0) / (double)n, n, pass, (unsigned long)f->st.evicted);
	dpv_flood_destroy(f);
}

int
main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000000ul;

	run("1 source, 4096 entries", 1, 4096, n);
	run("1000 sources, 4096 entries", 1000, 4096, n);
	run("1M sources, 4096 entries (misses)", 1u << 20, 4096, n);
	return 0;
}
