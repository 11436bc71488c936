/** @file dpv.h  lib layer: small shared pieces (strings, CPU sets, hashing, logging, RCU). */
#ifndef DPV_H
#define DPV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_log.h>
#include <urcu-qsbr.h>

/** A zero-copy string: pointer and length into someone else's buffer. */
struct dpv_str {
	const char *p;
	uint32_t len;
};

#define DPV_STR_NULL   ((struct dpv_str){NULL, 0})
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

/* ---- timers ---- */

struct dpv_timer;
/** Timer callback; the timer is already disarmed when it runs and may be re-armed. */
typedef void (*dpv_timer_cb)(struct dpv_timer *t, void *arg);

/** Intrusive doubly linked list node / list head (a slot of the wheel). */
struct dpv_timer_link {
	struct dpv_timer_link *next, *prev;
};

/** A timer embedded in its owner object; zero it (or dpv_timer_init) before first use. */
struct dpv_timer {
	struct dpv_timer_link link; /* next == NULL when not armed */
	uint64_t expire_ms;
	uint64_t tick;
	dpv_timer_cb cb;
	void *arg;
};

/** A hashed timer wheel: one per lcore, single-threaded, no allocation after init. */
struct dpv_timer_wheel {
	struct dpv_timer_link *slots;
	uint32_t nb_slots; /* power of two */
	uint32_t tick_ms;
	uint64_t cur_tick; /* every timer of an earlier tick has fired */
	uint64_t now_ms;
	bool own_slots;
	uint64_t nb_armed;
	uint64_t nb_fired;
};

/** Mark @a t as not armed. */
static inline void
dpv_timer_init(struct dpv_timer *t)
{
	t->link.next = t->link.prev = NULL;
}

/** True while @a t waits in a wheel. */
static inline bool
dpv_timer_armed(const struct dpv_timer *t)
{
	return t->link.next != NULL;
}

/** Init @a w with @a nb_slots (rounded up to a power of two) allocated here; 0 or -errno. */
int dpv_timer_wheel_init(struct dpv_timer_wheel *w, uint32_t nb_slots, uint32_t tick_ms,
                         uint64_t now_ms);
/** Init @a w on a caller-provided array of @a nb_slots (a power of two) slots; 0 or -errno. */
int dpv_timer_wheel_init_mem(struct dpv_timer_wheel *w, struct dpv_timer_link *slots,
                             uint32_t nb_slots, uint32_t tick_ms, uint64_t now_ms);
/** Release slots allocated by dpv_timer_wheel_init; armed timers are forgotten. */
void dpv_timer_wheel_fini(struct dpv_timer_wheel *w);
/** Arm (or re-arm) @a t to fire at absolute time @a expire_ms. */
void dpv_timer_arm(struct dpv_timer_wheel *w, struct dpv_timer *t, uint64_t expire_ms,
                   dpv_timer_cb cb, void *arg);
/** Disarm @a t; harmless when not armed. */
void dpv_timer_cancel(struct dpv_timer_wheel *w, struct dpv_timer *t);
/** Move the clock to @a now_ms, firing every timer with expiry <= now in expiry order. */
unsigned dpv_timer_wheel_advance(struct dpv_timer_wheel *w, uint64_t now_ms);

/** The wheel's clock; inside a callback, the expiry time of the firing timer. */
static inline uint64_t
dpv_timer_wheel_now(const struct dpv_timer_wheel *w)
{
	return w->now_ms;
}

/* ---- pools ---- */

/** A fixed-size object pool, single-threaded per owner lcore. */
struct dpv_pool;

/** Pool counters. */
struct dpv_pool_stats {
	uint64_t gets;
	uint64_t puts;
	uint64_t empty;   /* dpv_pool_get found no free object */
	uint64_t bad_put; /* put of a foreign pointer or of a free object, ignored */
};

/** Create a pool of @a nb_objs objects of @a obj_size bytes, cache-line aligned; NULL on error. */
struct dpv_pool *dpv_pool_create(const char *name, uint32_t nb_objs, uint32_t obj_size);
/** Free the pool and all its objects. */
void dpv_pool_free(struct dpv_pool *p);
/** Take a free object in O(1), or NULL when empty (counted in stats.empty). */
void *dpv_pool_get(struct dpv_pool *p);
/** Return @a obj to its pool; foreign or already-free pointers are counted and ignored. */
void dpv_pool_put(struct dpv_pool *p, void *obj);
/** Number of free objects. */
uint32_t dpv_pool_avail(const struct dpv_pool *p);
/** Number of objects handed out. */
uint32_t dpv_pool_in_use(const struct dpv_pool *p);
/** Capacity. */
uint32_t dpv_pool_size(const struct dpv_pool *p);
/** Index of @a obj in the pool (0..size-1), or -1 when it is not one of the pool's objects. */
int64_t dpv_pool_index(const struct dpv_pool *p, const void *obj);
/** The pool's name. */
const char *dpv_pool_name(const struct dpv_pool *p);
/** Counters. */
const struct dpv_pool_stats *dpv_pool_stats(const struct dpv_pool *p);

/* ---- grace-period cookies, deferred release (rcu_defer.c) ---- */

/** Polled grace periods for one writer thread, built on call_rcu (liburcu 0.13 has no
 * start_poll_synchronize_rcu): at most one request in flight, later starts share the next. */
struct dpv_gp {
	struct rcu_head head;
	uint64_t seq;       /* requests issued */
	uint64_t issued;    /* number of the request in flight */
	uint64_t completed; /* written by the call_rcu worker */
	bool in_flight;
	bool want_next;
};

/** Zero @a gp and create the call_rcu worker now, not on the first dpv_gp_start. */
void dpv_gp_init(struct dpv_gp *gp);
/** Cookie of a grace period that starts after now; requests one when none is pending. */
uint64_t dpv_gp_start(struct dpv_gp *gp);
/** Take note of a finished request and issue the pending one; call before dpv_gp_done. */
void dpv_gp_poll(struct dpv_gp *gp);
/** True once the grace period of @a cookie has elapsed (as of the last completed request). */
bool dpv_gp_done(const struct dpv_gp *gp, uint64_t cookie);
/** Link of an object parked in a struct dpv_defer, embedded in the object. */
struct dpv_defer_node {
	struct dpv_defer_node *next;
	uint64_t cookie; /* dpv_gp_start() when it was parked */
};

/** Objects unpublished by one writer thread, released in order once readers are past them. */
struct dpv_defer {
	struct dpv_gp gp;
	struct dpv_defer_node *head, *tail;
	uint32_t count; /* parked, not yet released */
};

/** Empty @a d and dpv_gp_init its grace periods. */
void dpv_defer_init(struct dpv_defer *d);
/** Park @a n (already unreachable for new readers) until a grace period that starts now ends. */
void dpv_defer_add(struct dpv_defer *d, struct dpv_defer_node *n);
/** Unlink and pass to @a release each parked node whose grace period has ended, oldest first;
 * returns how many. */
unsigned dpv_defer_reclaim(struct dpv_defer *d,
                           void (*release)(struct dpv_defer_node *n, void *arg), void *arg);
/** Wait for every queued call_rcu callback and then a grace period (offline meanwhile when the
 * calling QSBR thread is online): before freeing a dpv_gp or what readers may still hold. */
void dpv_gp_barrier(void);

#endif /* DPV_H */
