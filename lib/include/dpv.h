/* SPDX-License-Identifier: BSD-3-Clause */
/** @file dpv.h  lib layer: small shared pieces (strings, CPU sets, hashing, logging, RCU). */
#ifndef DPV_H
#define DPV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_log.h>
#include <urcu-qsbr.h>

/** A zero-copy string: pointer and length into someone else's buffer. */
struct dpv_str {
	const char *p;
	uint32_t len;
};

#define DPV_STR_NULL   ((struct dpv_str){NULL, 0})
#define DPV_STR_LIT(s) ((struct dpv_str){(s), sizeof(s) - 1})

/** True when @a a and @a b hold the same bytes up to ASCII case. */
bool dpv_str_caseeq(struct dpv_str a, struct dpv_str b);
/** dpv_str_caseeq against a string literal. */
#define DPV_STR_CASEEQ_LIT(s, lit) dpv_str_caseeq((s), DPV_STR_LIT(lit))
/** True when @a a and @a b hold the same bytes. */
bool dpv_str_eq(struct dpv_str a, struct dpv_str b);
/** A NUL-terminated string as a view. */
static inline struct dpv_str
dpv_cstr(const char *s)
{
	return (struct dpv_str){s, s != NULL ? (uint32_t)strlen(s) : 0};
}

/**
 * Parse 1*DIGIT (leading zeros allowed, any length) spanning all of @a s into @a out.
 * @return 0, -1 when @a s is empty or holds a non-digit, -2 when the value exceeds @a max.
 */
int dpv_str_to_u32(struct dpv_str s, uint32_t max, uint32_t *out);

/* ---- bounded appender ---- */

/**
 * Appends into a caller's buffer. Once anything does not fit, every later append is a no-op
 * and dpv_buf_end() returns -1, so writers check once, at the end.
 */
struct dpv_buf {
	char *p;
	uint32_t len, cap;
	bool over;
};

#define DPV_BUF(buf, cap) ((struct dpv_buf){(buf), 0, (uint32_t)(cap), false})

/** Append @a n bytes. */
static inline void
dpv_buf_put(struct dpv_buf *b, const void *d, uint32_t n)
{
	if (b->over || n > b->cap - b->len) {
		b->over = true;
		return;
	}
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

/** Append a view. */
static inline void
dpv_buf_str(struct dpv_buf *b, struct dpv_str s)
{
	dpv_buf_put(b, s.p, s.len);
}

/** Append a NUL-terminated string. */
static inline void
dpv_buf_cstr(struct dpv_buf *b, const char *s)
{
	dpv_buf_str(b, dpv_cstr(s));
}

/*
 * Integers as text without printf: what the signaling path writes (status codes, CSeq,
 * Content-Length, ports, SDP o= ids, tags). vfprintf parses its format and goes through
 * libio's stream layer for every call; these write the digits by table, two at a time.
 */

/** Longest unsigned 64-bit decimal (UINT64_MAX is 20 digits). */
#define DPV_U64_DIGITS 20
/** Write @a v in decimal at @a out (room for DPV_U64_DIGITS, no NUL); returns its length. */
uint32_t dpv_fmt_u64(char *out, uint64_t v);
/** Append @a v in decimal. */
void dpv_buf_u64(struct dpv_buf *b, uint64_t v);
/** Append @a v in decimal. */
static inline void
dpv_buf_u32(struct dpv_buf *b, uint32_t v)
{
	dpv_buf_u64(b, v);
}
/** Append the low 4 * @a digits bits of @a v as @a digits (1..16) lowercase hex digits,
 *  zero-padded (printf "%0*llx" of a value that fits); another width sets over. */
void dpv_buf_hex(struct dpv_buf *b, uint64_t v, unsigned digits);
/** Copy @a s into @a dst of @a cap bytes (> 0), cut to cap - 1, NUL-terminated: what
 *  snprintf "%.*s" does, without it. Returns the bytes copied. */
uint32_t dpv_str_copy(char *dst, size_t cap, struct dpv_str s);
/** Longest text one dpv_buf_printf() may append. */
#define DPV_BUF_PRINTF_MAX 256
/** Append printf-style, at most DPV_BUF_PRINTF_MAX - 1 bytes (control plane, rare paths;
 *  never on the signaling packet path: see tools/check_packet_path.sh). */
void dpv_buf_printf(struct dpv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Copy @a n bytes to @a p and return their end: for a writer that checked its room once
 *  for a bounded sequence of pieces (a dpv_buf checks it for every piece). */
static inline char *
dpv_put(char *p, const void *s, uint32_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/** dpv_put() of a view; an empty one (whose pointer may be NULL) copies nothing. */
static inline char *
dpv_put_str(char *p, struct dpv_str s)
{
	if (s.len)
		memcpy(p, s.p, s.len);
	return p + s.len;
}

/** dpv_put() of a string literal, its length known at compile time. */
#define DPV_PUT_LIT(p, lit) dpv_put((p), "" lit, sizeof(lit) - 1)

/** Bytes written, or -1 when something did not fit. */
static inline int
dpv_buf_end(const struct dpv_buf *b)
{
	return b->over ? -1 : (int)b->len;
}

/* ---- IPv4 addresses (host byte order) ---- */

/** Longest dotted quad with its NUL. */
#define DPV_IPV4_STRLEN 16

/**
 * Length of the dotted-decimal IPv4 address at the start of @a s ("198.18.0.1"): four
 * decimal parts of 1-3 digits, each at most 255, without leading zeros (RFC 3986
 * dec-octet: "010" is 8 to inet_aton and 10 to others, so it is refused everywhere).
 * @return the bytes it spans with @a out set, or 0 when @a s does not start with one.
 */
uint32_t dpv_ipv4_scan(struct dpv_str s, uint32_t *out);
/** True with @a out set when all of @a s is an IPv4 address (dpv_ipv4_scan). */
bool dpv_ipv4_parse(struct dpv_str s, uint32_t *out);
/** Write @a ip as a dotted quad into @a buf (DPV_IPV4_STRLEN bytes); returns its length. */
uint32_t dpv_ipv4_format(uint32_t ip, char *buf);

/* ---- calls: what the engine does with one, bridge names ---- */

/** What a call's media does: the dialplan's decision, or a bridge the control plane chose. */
enum dpv_call_action {
	DPV_CALL_NONE,   /**< no media action (yet): an originated call not in a bridge */
	DPV_CALL_TONE,   /**< the engine sends a 440 Hz tone */
	DPV_CALL_ECHO,   /**< the caller's RTP goes back to it */
	DPV_CALL_BRIDGE, /**< a member of the bridge named in the media description */
	DPV_CALL_REJECT, /**< the dialplan rejects the call (never a session's media action) */
	DPV_CALL_RELAY,  /**< one leg of an NG call: RTP goes to the other leg (never a dialplan
	                      action) */
	DPV_CALL_ACTION_MAX
};

/** "none", "tone", "echo", "bridge", "reject", "relay". */
const char *dpv_call_action_name(enum dpv_call_action a);

/** Longest bridge name; a name is 1..DPV_BRIDGE_NAME_MAX of [A-Za-z0-9._-]. */
#define DPV_BRIDGE_NAME_MAX 63
/** The one bridge-name rule (startup file, dialplan captures, control socket). */
bool dpv_bridge_name_valid(const char *p, size_t len);

/** The media side of a call, shared by the signaling layer (which owns it) and the media layer
 * (which negotiates and runs it). */
struct dpv_media {
	uint64_t session_id;
	enum dpv_call_action action;
	char bridge[DPV_BRIDGE_NAME_MAX + 1]; /**< NUL-terminated, DPV_CALL_BRIDGE */
	uint32_t local_ip;                    /**< the engine's address facing the peer (SDP c=) */
	uint16_t local_port;                  /**< even RTP port from the pool; RTCP on +1 */
	uint32_t remote_ip;                   /**< 0 when on hold with c=0.0.0.0 */
	uint16_t remote_port;
	uint16_t remote_rtcp_port;
	uint8_t pt;      /**< payload type negotiated */
	uint8_t codec;   /**< the G.711 law pt stands for: 0 PCMU, 8 PCMA */
	int16_t te_pt;   /**< telephone-event payload type, -1 when none */
	bool send, recv; /**< direction from the engine's side after offer/answer */
	bool rtcp_mux;   /**< RTP and RTCP share local_port and remote_port (RFC 5761) */
};

/**
 * Media negotiation, as the signaling layer calls it (the rtp layer implements it: rtp.h
 * rtp_media_ops). Before each call m->session_id, action, bridge and local_ip are the
 * caller's; the callee fills the rest.
 */
struct dpv_media_ops {
	/** UAS: answer the SDP @a offer (a port is taken on the first offer of the session).
	 *  Returns the answer's length in @a buf, or -STATUS to reject (-488, -503 no port). */
	int (*answer)(void *arg, const char *offer, uint32_t len, char *buf, uint32_t cap,
	              struct dpv_media *m);
	/** UAC (or a UAS INVITE without SDP): write an offer (taking a port). Length or -STATUS. */
	int (*offer)(void *arg, char *buf, uint32_t cap, struct dpv_media *m);
	/** The peer's SDP answer to our offer. 0, or -STATUS (the caller then ends the call). */
	int (*answered)(void *arg, const char *answer, uint32_t len, struct dpv_media *m);
	/** Media starts (session confirmed) or changes (re-INVITE, bridge change). */
	void (*update)(void *arg, const struct dpv_media *m);
	/** The session is over: stop its media and give its port back. */
	void (*stop)(void *arg, const struct dpv_media *m);
};

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

/** FNV-1a offset basis: the start of an incremental dpv_hash32_add() chain. */
#define DPV_HASH32_INIT 2166136261u

/** Add @a len bytes to the FNV-1a hash @a h (start from DPV_HASH32_INIT). */
static inline uint32_t
dpv_hash32_add(uint32_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/** dpv_hash32_add with ASCII letters folded to lower case (for case-insensitive keys). */
static inline uint32_t
dpv_hash32_add_fold(uint32_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];

		h ^= (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
		h *= 16777619u;
	}
	return h;
}

/** 32-bit hash of a byte string (FNV-1a), stable across runs and processes. */
static inline uint32_t
dpv_hash32(const void *data, size_t len)
{
	return dpv_hash32_add(DPV_HASH32_INIT, data, len);
}

/*
 * A word-at-a-time hash for tables private to one process (transaction keys, session keys):
 * eight bytes per multiply, against FNV-1a's one, whose multiply chain made hashing a
 * transaction key (a 30-byte branch and its host) cost more than looking it up. Its values
 * are this build's only: nothing outside the process may depend on them (the Call-ID steering
 * rule stays on dpv_hash32).
 */
#define DPV_HASHW_INIT 0x243f6a8885a308d3ull

static inline uint64_t
dpv_hashw_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 32);
}

/** Each byte of @a w with ASCII letters folded to lower case (eight at once). */
static inline uint64_t
dpv_hashw_lower(uint64_t w)
{
	const uint64_t hi = 0x8080808080808080ull;
	/* per byte (no borrow crosses a byte: each is at least 0x80 before the subtraction):
	 * the high bit of a is c >= 'A', of b c > 'Z', both on the low 7 bits; ~w: c < 0x80 */
	uint64_t a = (w | hi) - 0x4141414141414141ull, b = (w | hi) - 0x5b5b5b5b5b5b5b5bull;

	return w | ((a & ~b & ~w & hi) >> 2);
}

/** Add @a len bytes to @a h (start from DPV_HASHW_INIT); @a fold: case-insensitive. */
static inline uint64_t
dpv_hashw_add(uint64_t h, const void *data, size_t len, bool fold)
{
	const uint8_t *p = data;
	uint64_t w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = dpv_hashw_mix(h, fold ? dpv_hashw_lower(w) : w);
	}
	w = 0; /* the 0-7 bytes left, without a call to memcpy of a variable length */
	if (len & 4) {
		uint32_t x;

		memcpy(&x, p, 4);
		w = x;
		p += 4;
	}
	if (len & 2) {
		uint16_t x;

		memcpy(&x, p, 2);
		w |= (uint64_t)x << ((len & 4) * 8);
		p += 2;
	}
	if (len & 1)
		w |= (uint64_t)*p << ((len & 6) * 8);
	/* the tail's length goes in with it, so "a" and "a\0" differ */
	return dpv_hashw_mix(h, (fold ? dpv_hashw_lower(w) : w) ^ ((uint64_t)len << 59));
}

/** The 32 bits of a dpv_hashw_add() chain a table takes. */
static inline uint32_t
dpv_hashw_fin(uint64_t h)
{
	h *= 0xff51afd7ed558ccdull;
	return (uint32_t)(h ^ (h >> 29));
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
/** @a len zero bytes, page-aligned, that cost memory only as they are first touched (an
 *  anonymous mapping: nothing to clear up front, whatever the size); NULL on failure. */
void *dpv_zmap(size_t len);
/** Give back what dpv_zmap() returned (NULL: nothing). */
void dpv_unmap(void *p, size_t len);
/** Page in the process's pools before the lcores start (lib/prefault.c): the top of DPDK's
 *  heap in use and every private anonymous writable mapping of 1 MiB or more, so that the
 *  packet path takes no page fault in them; returns the bytes paged in (best effort). */
size_t dpv_prefault(void);
/** Page in the shared memory a peer hands over at run time: every shared writable memfd
 *  mapping of 1 MiB or more outside DPDK's own memory (a memif link's rings and buffers,
 *  mapped when the peer connects), so that the first pass through the rings takes no page
 *  fault per buffer; call it once the link is up. Returns the bytes paged in (best effort). */
size_t dpv_prefault_shared(void);
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
/** The object at index @a i (0..size-1), handed out or not: dpv_pool_index()'s inverse. */
void *dpv_pool_at(const struct dpv_pool *p, uint32_t i);
/** The pool's name. */
const char *dpv_pool_name(const struct dpv_pool *p);
/** Counters. */
const struct dpv_pool_stats *dpv_pool_stats(const struct dpv_pool *p);

/**
 * cds_lfht_for_each_entry without its end-of-table step, which applies container_of to a NULL
 * node (undefined behaviour UBSan reports when @a member is not the first field): @a pos is
 * only formed from a node that exists. Needs <urcu/rculfhash.h>; same read-side rules.
 */
#define DPV_LFHT_FOREACH(ht, iter, pos, member)                                                    \
	for (cds_lfht_first((ht), (iter));                                                         \
	     cds_lfht_iter_get_node(iter) != NULL &&                                               \
	     ((pos) = caa_container_of(cds_lfht_iter_get_node(iter), __typeof__(*(pos)), member),  \
	     1);                                                                                   \
	     cds_lfht_next((ht), (iter)))

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
/** Release every parked node, waiting for grace periods as needed, and return with no
 * grace-period request in flight, so @a d (and what embeds it) may be freed. Teardown only. */
void dpv_defer_drain(struct dpv_defer *d, void (*release)(struct dpv_defer_node *n, void *arg),
                     void *arg);
/** Wait for every queued call_rcu callback and then a grace period (offline meanwhile when the
 * calling QSBR thread is online): before freeing a dpv_gp or what readers may still hold. */
void dpv_gp_barrier(void);

/* ---- startup file reader (cfg.c) ----
 *
 * An INI file read with inih one physical line at a time, so every problem names its line.
 * Each layer declares the sections it owns as a struct dpv_cfg_section with a key table (in
 * the style of HAProxy's cfg_kw_list or nginx's ngx_command_t); dpv_cfg_load() reads a file
 * against the list the program assembles. Every problem is one line
 * "FILE:LINE: [section] key: what is wrong" and reading goes on, so one run shows them all.
 * Unknown sections and keys, duplicate keys, empty values and missing required keys and
 * sections are the reader's; values are the parse functions', whole sections their checks'.
 */

/** One load in progress: what parse functions and checks report through and ask about. */
struct dpv_cfg;
struct dpv_cfg_key;
struct dpv_cfg_section;

/** Parse @a v (not empty) into @a field; @return 0, or dpv_cfg_err()'s -1. */
typedef int (*dpv_cfg_parse_fn)(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field,
                                const char *v);
/** Run once the whole file was read, whether the section was in it or not. */
typedef void (*dpv_cfg_check_fn)(struct dpv_cfg *c, const struct dpv_cfg_section *s);

#define DPV_CFG_REQUIRED 1u  /**< each instance of the section present must set it */
#define DPV_CFG_POW2     2u  /**< dpv_cfg_parse_uint: a power of two */
#define DPV_CFG_ZERO_OK  4u  /**< dpv_cfg_parse_uint: 0 is allowed besides min..max */
#define DPV_CFG_EVEN     8u  /**< dpv_cfg_parse_uint: even */
#define DPV_CFG_REPEAT   16u /**< may appear many times (each is parsed; its line is the first) */

/** A key: what parses it, and where (offset and size in the section's struct). */
struct dpv_cfg_key {
	const char *name; /**< NULL ends a key table */
	dpv_cfg_parse_fn parse;
	size_t off, size;
	uint32_t min, max;   /**< dpv_cfg_parse_uint's range (other parsers may use them) */
	unsigned flags;      /**< DPV_CFG_* */
	const char *missing; /**< why a DPV_CFG_REQUIRED key matters, for its error */
};

/** Offset and size of member @a f of @a type, for a struct dpv_cfg_key. */
#define DPV_CFG_FIELD(type, f) offsetof(type, f), sizeof(((type *)0)->f)

/** A section. A section without a name is only a check, run in list order (cross-section). */
struct dpv_cfg_section {
	const char *name;
	unsigned instances; /**< 1: [name]; N > 1: [name0]..[nameN-1] */
	bool required;      /**< at least one instance must be in the file */
	const struct dpv_cfg_key *keys;
	void *base;             /**< the struct the keys write into (instance 0) */
	size_t stride;          /**< instance i is at base + i * stride */
	dpv_cfg_check_fn check; /**< NULL: none */
};

/** Read @a path against @a n sections; problems go to @a err (NULL: counted only).
 *  @return the number of problems (0: valid). */
int dpv_cfg_load(const char *path, const struct dpv_cfg_section *secs, unsigned n, FILE *err);
/** Parser: report a problem with the key being parsed, on its line; @return -1. */
int dpv_cfg_err(struct dpv_cfg *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Check: report a problem on key @a key's line, else (NULL or not set) its section's line. */
void dpv_cfg_blame(struct dpv_cfg *c, const char *sec, unsigned inst, const char *key,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/** Report on @a line (0: the file) as "[label] key: " (either may be NULL). */
void dpv_cfg_report(struct dpv_cfg *c, unsigned line, const char *label, const char *key,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/** True when the file set key @a key of section @a sec, instance @a inst. */
bool dpv_cfg_is_set(const struct dpv_cfg *c, const char *sec, unsigned inst, const char *key);
/** True when the key holds a usable value: parsed without error, or unset (its default). */
bool dpv_cfg_usable(const struct dpv_cfg *c, const char *sec, unsigned inst, const char *key);
/** First line of key @a key, else (NULL or not set) of the section header; 0: neither. */
unsigned dpv_cfg_line(const struct dpv_cfg *c, const char *sec, unsigned inst, const char *key);
/** The line being parsed. */
unsigned dpv_cfg_lineno(const struct dpv_cfg *c);
/** Unsigned in k->min..k->max, with DPV_CFG_POW2, ZERO_OK, EVEN; a field of 2 or 4 bytes. */
int dpv_cfg_parse_uint(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v);
/** A string shorter than k->size (a char array). */
int dpv_cfg_parse_string(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field,
                         const char *v);

/* ---- Internet checksum ----
 *
 * Incremental update of a 16-bit ones' complement checksum (IPv4 header, UDP) when a field
 * changes, per RFC 1624 equation 3: HC' = ~(~HC + ~m + m'). Every value is taken as it is stored
 * in the header (network byte order, read with memcpy or as rte_be16_t/rte_be32_t): the
 * ones' complement sum does not depend on byte order as long as all of them agree.
 */

/** Fold a 32-bit sum of 16-bit words into 16 bits with end-around carry. */
static inline uint16_t
dpv_cksum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/**
 * The 16-bit ones' complement sum (RFC 1071) of @a len bytes at @a buf plus @a init (a partial
 * sum such as a pseudo-header's), folded and not complemented: rte_raw_cksum()'s value, at a
 * fraction of its cost (lib/cksum.c). A buffer checks out when the sum over it, its checksum
 * field included, is 0xFFFF.
 */
uint16_t dpv_cksum_sum(const void *buf, size_t len, uint32_t init);
/** Force one implementation of dpv_cksum_sum ("scalar", or "sse2", the default where the
 *  compiler targets it): for tests and benchmarks. -1: unknown or not built here. */
int dpv_cksum_use(const char *name);
/** The implementation in use. */
const char *dpv_cksum_variant(void);

/** Checksum @a cksum after a 16-bit word of the covered data changes from @a old_w to @a new_w. */
static inline uint16_t
dpv_cksum_update16(uint16_t cksum, uint16_t old_w, uint16_t new_w)
{
	return (uint16_t)~dpv_cksum_fold((uint32_t)(uint16_t)~cksum + (uint16_t)~old_w + new_w);
}

/** Checksum @a cksum after a 32-bit word (an IPv4 address) changes from @a old_w to @a new_w. */
static inline uint16_t
dpv_cksum_update32(uint16_t cksum, uint32_t old_w, uint32_t new_w)
{
	uint32_t sum = (uint32_t)(uint16_t)~cksum;

	sum += (uint16_t) ~(old_w >> 16) + (uint32_t)(uint16_t) ~(old_w & 0xffff);
	sum += (new_w >> 16) + (new_w & 0xffff);
	return (uint16_t)~dpv_cksum_fold(sum);
}

/** A UDP checksum field after a 16-bit change: 0 (no checksum, RFC 768) stays 0, and a
 *  computed 0 is sent as 0xFFFF. */
static inline uint16_t
dpv_udp_cksum_update16(uint16_t cksum, uint16_t old_w, uint16_t new_w)
{
	if (cksum == 0)
		return 0;
	cksum = dpv_cksum_update16(cksum, old_w, new_w);
	return cksum == 0 ? 0xffff : cksum;
}

/** dpv_udp_cksum_update16 for a 32-bit word (an address in the pseudo-header). */
static inline uint16_t
dpv_udp_cksum_update32(uint16_t cksum, uint32_t old_w, uint32_t new_w)
{
	if (cksum == 0)
		return 0;
	cksum = dpv_cksum_update32(cksum, old_w, new_w);
	return cksum == 0 ? 0xffff : cksum;
}

/* ---- bencode (BEP 3), for the NG control protocol ---- */

#define DPV_BENC_MAX_DEPTH 32 /* containers open at once */

enum dpv_benc_type { DPV_BENC_INT, DPV_BENC_STR, DPV_BENC_LIST, DPV_BENC_DICT };

/** One value; containers link their children by index (child, then each next). */
struct dpv_benc_node {
	enum dpv_benc_type type;
	uint32_t child; /* list/dict: first child (a dict's children alternate key, value) */
	uint32_t next;  /* next sibling; 0: none (node 0 is the root, never a sibling) */
	uint32_t count; /* list: elements; dict: pairs */
	uint32_t off;   /* where it starts in the input */
	int64_t i;
	struct dpv_str s; /* a string, pointing into the input */
};

enum dpv_benc_err {
	DPV_BENC_OK,
	DPV_BENC_E_TRUNCATED,
	DPV_BENC_E_BAD_INT,
	DPV_BENC_E_INT_RANGE,
	DPV_BENC_E_BAD_LEN,
	DPV_BENC_E_LEN_BEYOND,
	DPV_BENC_E_DEPTH,
	DPV_BENC_E_NODES,
	DPV_BENC_E_KEY,
	DPV_BENC_E_TYPE,
	DPV_BENC_E_TRAILING,
	DPV_BENC_E_EMPTY,
	DPV_BENC_E_MAX
};

struct dpv_benc_result {
	uint32_t nodes;        /* used, on success */
	enum dpv_benc_err err; /* on failure, and where */
	uint32_t offset;
};

/** Parse one value that is the whole of @a buf into @a nodes (at most @a cap); 0 or -1 with
 *  res->err and res->offset. The root is nodes[0]; strings point into @a buf. */
int dpv_benc_parse(const char *buf, uint32_t len, struct dpv_benc_node *nodes, uint32_t cap,
                   struct dpv_benc_result *res);
/** A short English reason for @a e, for an error-reason reply. */
const char *dpv_benc_strerror(enum dpv_benc_err e);
/** The value of @a key in @a dict, or NULL; @a fold: '-', ' ' and '_' are one character. */
const struct dpv_benc_node *dpv_benc_get(const struct dpv_benc_node *nodes,
                                         const struct dpv_benc_node *dict, const char *key,
                                         bool fold);
/** A container's first child, and a node's next sibling; NULL at the end. */
const struct dpv_benc_node *dpv_benc_child(const struct dpv_benc_node *nodes,
                                           const struct dpv_benc_node *c);
const struct dpv_benc_node *dpv_benc_next(const struct dpv_benc_node *nodes,
                                          const struct dpv_benc_node *x);
/** Writers: a string, an integer, a list or dict opened and closed, appended to @a b. */
void dpv_benc_str(struct dpv_buf *b, struct dpv_str s);
void dpv_benc_cstr(struct dpv_buf *b, const char *s);
void dpv_benc_int(struct dpv_buf *b, int64_t v);
void dpv_benc_open(struct dpv_buf *b, bool dict);
void dpv_benc_close(struct dpv_buf *b);

#endif /* DPV_H */
