/* SPDX-License-Identifier: BSD-3-Clause */
/* CPU sets and the DPDK -l list syntax ("1-3,5"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dpv.h"

int dpv_logtype = RTE_LOGTYPE_USER1;

unsigned
dpv_cpuset_count(const struct dpv_cpuset *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < DPV_MAX_CPUS / 64; i++)
		n += (unsigned)__builtin_popcountll(s->bits[i]);
	return n;
}

unsigned
dpv_cpuset_next(const struct dpv_cpuset *s, unsigned from)
{
	for (unsigned cpu = from; cpu < DPV_MAX_CPUS; cpu++)
		if (dpv_cpuset_isset(s, cpu))
			return cpu;
	return DPV_MAX_CPUS;
}

char *
dpv_cpuset_format(const struct dpv_cpuset *s, char *buf, size_t len)
{
	size_t off = 0;
	unsigned cpu = dpv_cpuset_next(s, 0);

	if (len)
		buf[0] = '\0';
	while (cpu < DPV_MAX_CPUS && off < len) {
		unsigned last = cpu;

		while (last + 1 < DPV_MAX_CPUS && dpv_cpuset_isset(s, last + 1))
			last++;
		int n = last == cpu
		            ? snprintf(buf + off, len - off, "%s%u", off ? "," : "", cpu)
		            : snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "", cpu, last);
		if (n < 0)
			break;
		off += (size_t)n;
		cpu = dpv_cpuset_next(s, last + 1);
	}
	return buf;
}

static int
parse_cpu(const char **pp, unsigned *out, char *err, size_t errlen)
{
	const char *p = *pp;
	char *end;
	unsigned long v;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9') {
		snprintf(err, errlen, "expected a CPU number at '%s'", *p ? p : "end of list");
		return -1;
	}
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || v >= DPV_MAX_CPUS) {
		snprintf(err, errlen, "CPU %.*s out of range (0-%d)", (int)(end - p), p,
		         DPV_MAX_CPUS - 1);
		return -1;
	}
	while (*end == ' ' || *end == '\t')
		end++;
	*out = (unsigned)v;
	*pp = end;
	return 0;
}

int
dpv_cpulist_parse(const char *s, struct dpv_cpuset *out, char *err, size_t errlen)
{
	const char *p = s;

	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0') {
		snprintf(err, errlen, "empty CPU list");
		return -1;
	}
	for (;;) {
		unsigned lo, hi;

		if (parse_cpu(&p, &lo, err, errlen) < 0)
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_cpu(&p, &hi, err, errlen) < 0)
				return -1;
			if (hi < lo) {
				snprintf(err, errlen, "descending range %u-%u", lo, hi);
				return -1;
			}
		}
		for (unsigned c = lo; c <= hi; c++) {
			if (dpv_cpuset_isset(out, c)) {
				snprintf(err, errlen, "CPU %u listed twice", c);
				return -1;
			}
			dpv_cpuset_set(out, c);
		}
		if (*p == '\0')
			return 0;
		if (*p != ',') {
			snprintf(err, errlen, "unexpected '%c' in CPU list", *p);
			return -1;
		}
		p++;
	}
}
