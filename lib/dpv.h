/** @file dpv.h  lib layer: small shared pieces (strings, CPU sets, hashing, logging). */
#ifndef DPV_H
#define DPV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_log.h>

/** A zero-copy string: pointer and length into someone else's buffer. */
struct dpv_str {
	const char *p;
	uint32_t len;
};

#define DPV_STR_NULL ((struct dpv_str){NULL, 0})
#define DPV_STR_LIT(s) ((struct dpv_str){(s), sizeof(s) - 1})

/** True when @a s equals the NUL-terminated @a lit, case-insensitively. */
bool dpv_str_caseeq(struct dpv_str s, const char *lit);
/** True when @a a and @a b hold the same bytes. */
bool dpv_str_eq(struct dpv_str a, struct dpv_str b);
/** Parse an unsigned decimal that must span all of @a s; -1 on error or overflow past @a max. */
int dpv_str_to_u32(struct dpv_str s, uint32_t max, uint32_t *out);

/** Largest CPU id a startup file may name. */
#define DPV_MAX_CPUS 256

/** A set of CPU ids. */
struct dpv_cpuset {
	uint64_t bits[DPV_MAX_CPUS / 64];
};

static inline void
dpv_cpuset_set(struct dpv_cpuset *s, unsigned cpu)
{
	s->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

static inline bool
dpv_cpuset_isset(const struct dpv_cpuset *s, unsigned cpu)
{
	return cpu < DPV_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

/** Number of CPUs in the set. */
unsigned dpv_cpuset_count(const struct dpv_cpuset *s);
/** Next CPU id >= @a from in the set, or DPV_MAX_CPUS when none. */
unsigned dpv_cpuset_next(const struct dpv_cpuset *s, unsigned from);
/** Format as a DPDK -l list ("1-3,5") into @a buf; returns @a buf. */
char *dpv_cpuset_format(const struct dpv_cpuset *s, char *buf, size_t len);

#define DPV_CPUSET_FOREACH(cpu, set)                                                               \
	for ((cpu) = dpv_cpuset_next((set), 0); (cpu) < DPV_MAX_CPUS;                              \
	     (cpu) = dpv_cpuset_next((set), (cpu) + 1))

/**
 * Parse a DPDK -l style CPU list ("1-3,5", "0", "2,4-6") into @a out.
 * @return 0, or -1 with a reason in @a err (no trailing newline).
 */
int dpv_cpulist_parse(const char *s, struct dpv_cpuset *out, char *err, size_t errlen);

/** 32-bit hash of a byte string (FNV-1a), stable across runs and processes. */
static inline uint32_t
dpv_hash32(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/** The dpvoip log type, registered at startup. */
extern int dpv_logtype;

#define DPV_LOG(level, fmt, ...)                                                                   \
	rte_log(RTE_LOG_##level, dpv_logtype, "dpvoip: " fmt "\n", ##__VA_ARGS__)

#endif /* DPV_H */
