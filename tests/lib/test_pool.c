/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>

#include "dpv.h"

Test(pool, create_rejects_bad_args)
{
	cr_assert_null(dpv_pool_create("x", 0, 8));
	cr_assert_null(dpv_pool_create("x", 8, 0));
}

Test(pool, exhaustion_counts_and_reuse)
{
	struct dpv_pool *p = dpv_pool_create("tx", 4, 100);
	void *o[4];

	cr_assert_not_null(p);
	cr_assert_str_eq(dpv_pool_name(p), "tx");
	cr_assert_eq(dpv_pool_size(p), 4);
	cr_assert_eq(dpv_pool_avail(p), 4);
	cr_assert_eq(dpv_pool_in_use(p), 0);
	for (int i = 0; i < 4; i++) {
		o[i] = dpv_pool_get(p);
		cr_assert_not_null(o[i]);
		cr_assert_eq((uintptr_t)o[i] % 64, 0, "cache-line aligned");
		memset(o[i], 0xab, 100); /* whole object is writable (ASan checks) */
		cr_assert_eq(dpv_pool_index(p, o[i]), i);
		cr_assert_eq(dpv_pool_at(p, (uint32_t)i), o[i]);
	}
	cr_assert_null(dpv_pool_at(p, 4));
	cr_assert_eq(dpv_pool_avail(p), 0);
	cr_assert_eq(dpv_pool_in_use(p), 4);
	cr_assert_null(dpv_pool_get(p));
	cr_assert_null(dpv_pool_get(p));
	cr_assert_eq(dpv_pool_stats(p)->empty, 2);
	cr_assert_eq(dpv_pool_stats(p)->gets, 4);

	dpv_pool_put(p, o[2]);
	cr_assert_eq(dpv_pool_avail(p), 1);
	cr_assert_eq(dpv_pool_in_use(p), 3);
	cr_assert_eq(dpv_pool_get(p), o[2], "the freed object is reused");
	cr_assert_null(dpv_pool_get(p));
	for (int i = 0; i < 4; i++)
		dpv_pool_put(p, o[i]);
	cr_assert_eq(dpv_pool_avail(p), 4);
	cr_assert_eq(dpv_pool_stats(p)->puts, 5);
	cr_assert_eq(dpv_pool_stats(p)->bad_put, 0);
	dpv_pool_free(p);
}

Test(pool, objects_do_not_overlap)
{
	struct dpv_pool *p = dpv_pool_create("x", 3, 65);
	uint8_t *a = dpv_pool_get(p), *b = dpv_pool_get(p), *c = dpv_pool_get(p);

	memset(a, 1, 65);
	memset(b, 2, 65);
	memset(c, 3, 65);
	for (int i = 0; i < 65; i++)
		cr_assert(a[i] == 1 && b[i] == 2 && c[i] == 3);
	dpv_pool_free(p);
}

Test(pool, double_and_foreign_put_are_counted_and_ignored)
{
	struct dpv_pool *p = dpv_pool_create("x", 2, 16);
	char foreign[16];
	void *a = dpv_pool_get(p);

	dpv_pool_put(p, a);
	dpv_pool_put(p, a);
	dpv_pool_put(p, foreign);
	dpv_pool_put(p, (char *)dpv_pool_get(p) + 1); /* inside an object, not its start */
	cr_assert_eq(dpv_pool_stats(p)->bad_put, 3);
	cr_assert_eq(dpv_pool_avail(p), 1, "one object still handed out");
	cr_assert_not_null(dpv_pool_get(p));
	cr_assert_null(dpv_pool_get(p), "a double put must not create a second copy");
	dpv_pool_free(p);
}
