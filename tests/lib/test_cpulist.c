/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK -l style CPU lists: parsing, and formatting back. */
#include <criterion/criterion.h>

#include "dpv.h"

static void
good(const char *list, const unsigned *cpus, unsigned n, const char *formatted)
{
	struct dpv_cpuset set, want = {0};
	char err[128] = "", buf[128];

	cr_assert_eq(dpv_cpulist_parse(list, &set, err, sizeof(err)), 0, "%s: %s", list, err);
	for (unsigned i = 0; i < n; i++)
		dpv_cpuset_set(&want, cpus[i]);
	cr_assert_eq(memcmp(&set, &want, sizeof(set)), 0, "%s", list);
	cr_assert_eq(dpv_cpuset_count(&set), n);
	cr_assert_str_eq(dpv_cpuset_format(&set, buf, sizeof(buf)), formatted);
}

static void
bad(const char *list, const char *why)
{
	struct dpv_cpuset set;
	char err[128] = "";

	cr_assert_eq(dpv_cpulist_parse(list, &set, err, sizeof(err)), -1, "%s", list);
	cr_assert_str_eq(err, why, "%s", list);
}

Test(cpulist, single)
{
	good("1", (const unsigned[]){1}, 1, "1");
	good("0", (const unsigned[]){0}, 1, "0");
	good("255", (const unsigned[]){255}, 1, "255");
}

Test(cpulist, ranges_and_lists)
{
	good("0-3,5", (const unsigned[]){0, 1, 2, 3, 5}, 5, "0-3,5");
	good("2,4-6", (const unsigned[]){2, 4, 5, 6}, 4, "2,4-6");
	good("3-3", (const unsigned[]){3}, 1, "3");
	/* order in the list does not matter; formatting is canonical */
	good("5,1,2,3", (const unsigned[]){1, 2, 3, 5}, 4, "1-3,5");
	good("63-64,127-128", (const unsigned[]){63, 64, 127, 128}, 4, "63-64,127-128");
}

Test(cpulist, bad)
{
	bad("", "empty CPU list");
	bad(NULL, "empty CPU list");
	bad("3-1", "descending range 3-1");
	bad("1,,2", "expected a CPU number at ',2'");
	bad("a", "expected a CPU number at 'a'");
	bad("1-", "expected a CPU number at 'end of list'");
	bad("1,", "expected a CPU number at 'end of list'");
	bad("999", "CPU 999 out of range (0-255)");
	bad("256", "CPU 256 out of range (0-255)");
	bad("99999999999999999999", "CPU 99999999999999999999 out of range (0-255)");
	bad("1x", "unexpected 'x' in CPU list");
	bad("-1", "expected a CPU number at '-1'");
}

Test(cpulist, duplicates)
{
	bad("1,1", "CPU 1 listed twice");
	bad("0-3,2", "CPU 2 listed twice");
	bad("4,2-5", "CPU 4 listed twice");
}

Test(cpulist, format_empty_and_truncated)
{
	struct dpv_cpuset set = {0};
	char buf[8];

	cr_assert_str_eq(dpv_cpuset_format(&set, buf, sizeof(buf)), "");
	for (unsigned c = 0; c < 20; c += 2)
		dpv_cpuset_set(&set, c);
	/* never past the buffer, always terminated */
	cr_assert_str_eq(dpv_cpuset_format(&set, buf, sizeof(buf)), "0,2,4,6");
}

Test(cpulist, next_and_foreach)
{
	struct dpv_cpuset set;
	char err[64];
	unsigned cpu, seen[8], n = 0;

	cr_assert_eq(dpv_cpulist_parse("1,64,200", &set, err, sizeof(err)), 0);
	DPV_CPUSET_FOREACH(cpu, &set)
	seen[n++] = cpu;
	cr_assert_eq(n, 3);
	cr_assert_eq(seen[0], 1);
	cr_assert_eq(seen[1], 64);
	cr_assert_eq(seen[2], 200);
	cr_assert_eq(dpv_cpuset_next(&set, 201), DPV_MAX_CPUS);
}
