/* SPDX-License-Identifier: BSD-3-Clause */
/* Media port pool: exact allocation order, exhaustion, FIFO reuse, bad frees. */
#include <criterion/criterion.h>

#include "rtp.h"

static void
check_stats(const struct rtp_portpool *pp, uint32_t in_use, uint32_t avail, uint64_t allocs,
            uint64_t frees, uint64_t exhausted, uint64_t bad_free)
{
	struct rtp_portpool_stats st;

	rtp_portpool_stats(pp, &st);
	cr_expect_eq(st.in_use, in_use);
	cr_expect_eq(st.avail, avail);
	cr_expect_eq(st.size, in_use + avail);
	cr_expect_eq(st.allocs, allocs);
	cr_expect_eq(st.frees, frees);
	cr_expect_eq(st.exhausted, exhausted);
	cr_expect_eq(st.bad_free, bad_free);
}

Test(portpool, ports_in_order_then_exhausted)
{
	struct rtp_portpool *pp = rtp_portpool_create(20000, 20009);

	cr_assert_not_null(pp);
	cr_expect_eq(rtp_portpool_avail(pp), 5);
	cr_expect_eq(rtp_portpool_alloc(pp), 20000);
	cr_expect_eq(rtp_portpool_alloc(pp), 20002);
	cr_expect_eq(rtp_portpool_alloc(pp), 20004);
	cr_expect_eq(rtp_portpool_alloc(pp), 20006);
	cr_expect_eq(rtp_portpool_alloc(pp), 20008);
	cr_expect_eq(rtp_portpool_avail(pp), 0);
	cr_expect_eq(rtp_portpool_alloc(pp), -1);
	cr_expect_eq(rtp_portpool_alloc(pp), -1);
	check_stats(pp, 5, 0, 5, 0, 2, 0);
	rtp_portpool_destroy(pp);
}

Test(portpool, fifo_reuse)
{
	struct rtp_portpool *pp = rtp_portpool_create(20000, 20007);

	cr_assert_not_null(pp);
	cr_expect_eq(rtp_portpool_alloc(pp), 20000);
	cr_expect_eq(rtp_portpool_alloc(pp), 20002);
	/* A just-freed port goes behind the ports never used. */
	cr_expect_eq(rtp_portpool_free(pp, 20000), 0);
	cr_expect_eq(rtp_portpool_alloc(pp), 20004);
	cr_expect_eq(rtp_portpool_alloc(pp), 20006);
	cr_expect_eq(rtp_portpool_free(pp, 20006), 0);
	cr_expect_eq(rtp_portpool_free(pp, 20002), 0);
	/* Oldest free first: 20000, then 20006, then 20002. */
	cr_expect_eq(rtp_portpool_alloc(pp), 20000);
	cr_expect_eq(rtp_portpool_alloc(pp), 20006);
	cr_expect_eq(rtp_portpool_alloc(pp), 20002);
	cr_expect_eq(rtp_portpool_alloc(pp), -1);
	check_stats(pp, 4, 0, 7, 3, 1, 0);
	rtp_portpool_destroy(pp);
}

Test(portpool, wraps_many_times)
{
	struct rtp_portpool *pp = rtp_portpool_create(30000, 30005);
	int expect[] = {30000, 30002, 30004};

	cr_assert_not_null(pp);
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 3; i++) {
			int p = rtp_portpool_alloc(pp);

			cr_assert_eq(p, expect[i], "round %d: got %d", round, p);
			cr_assert_eq(rtp_portpool_free(pp, (uint16_t)p), 0);
		}
	}
	check_stats(pp, 0, 3, 30, 30, 0, 0);
	rtp_portpool_destroy(pp);
}

Test(portpool, double_free_and_out_of_range)
{
	struct rtp_portpool *pp = rtp_portpool_create(20000, 20009);

	cr_assert_not_null(pp);
	cr_expect_eq(rtp_portpool_alloc(pp), 20000);
	cr_expect_eq(rtp_portpool_free(pp, 20000), 0);
	cr_expect_eq(rtp_portpool_free(pp, 20000), -1); /* double free */
	cr_expect_eq(rtp_portpool_free(pp, 20002), -1); /* never allocated */
	cr_expect_eq(rtp_portpool_free(pp, 20001), -1); /* RTCP port */
	cr_expect_eq(rtp_portpool_free(pp, 19998), -1); /* below */
	cr_expect_eq(rtp_portpool_free(pp, 20010), -1); /* above */
	cr_expect_eq(rtp_portpool_free(pp, 0), -1);
	cr_expect_eq(rtp_portpool_free(pp, 65535), -1);
	cr_expect_eq(rtp_portpool_avail(pp), 5);
	check_stats(pp, 0, 5, 1, 1, 0, 7);
	/* The refused frees did not disturb the ring. */
	cr_expect_eq(rtp_portpool_alloc(pp), 20002);
	cr_expect_eq(rtp_portpool_alloc(pp), 20004);
	cr_expect_eq(rtp_portpool_alloc(pp), 20006);
	cr_expect_eq(rtp_portpool_alloc(pp), 20008);
	cr_expect_eq(rtp_portpool_alloc(pp), 20000);
	cr_expect_eq(rtp_portpool_alloc(pp), -1);
	rtp_portpool_destroy(pp);
}

Test(portpool, odd_bounds)
{
	/* 20001..20006: 20002 (RTCP 20003), 20004 (RTCP 20005); 20006 has no room for RTCP. */
	struct rtp_portpool *pp = rtp_portpool_create(20001, 20006);

	cr_assert_not_null(pp);
	cr_expect_eq(rtp_portpool_avail(pp), 2);
	cr_expect_eq(rtp_portpool_alloc(pp), 20002);
	cr_expect_eq(rtp_portpool_alloc(pp), 20004);
	cr_expect_eq(rtp_portpool_alloc(pp), -1);
	cr_expect_eq(rtp_portpool_free(pp, 20006), -1);
	rtp_portpool_destroy(pp);

	/* The shipped range: 20000..29999 is 5000 pairs. */
	pp = rtp_portpool_create(20000, 29999);
	cr_assert_not_null(pp);
	cr_expect_eq(rtp_portpool_avail(pp), 5000);
	rtp_portpool_destroy(pp);

	/* Top of the port space. */
	pp = rtp_portpool_create(65533, 65535);
	cr_assert_not_null(pp);
	cr_expect_eq(rtp_portpool_avail(pp), 1);
	cr_expect_eq(rtp_portpool_alloc(pp), 65534);
	cr_expect_eq(rtp_portpool_alloc(pp), -1);
	cr_expect_eq(rtp_portpool_free(pp, 65534), 0);
	rtp_portpool_destroy(pp);
}

Test(portpool, ranges_without_a_port)
{
	cr_expect_null(rtp_portpool_create(0, 100));       /* port 0 */
	cr_expect_null(rtp_portpool_create(20000, 19000)); /* reversed */
	cr_expect_null(rtp_portpool_create(20000, 20000)); /* no room for RTCP */
	cr_expect_null(rtp_portpool_create(20001, 20002)); /* 20002 has no RTCP port */
	cr_expect_null(rtp_portpool_create(65535, 65535));
	rtp_portpool_destroy(NULL);
}
