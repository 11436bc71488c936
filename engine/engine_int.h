/* SPDX-License-Identifier: BSD-3-Clause */
/* Engine internals shared by the engine's own files: config, ports, lcores, control. What
 * benchmarks and tools may use (L2/L3 and its counters) is engine.h. */
#ifndef DPV_ENGINE_INT_H
#define DPV_ENGINE_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ethdev.h>

#include "bridge.h"
#include "dpv.h"
#include "engine.h"
#include "ng_int.h"
#include "rtp.h"
#include "security_int.h"
#include "sip.h"

#define DPV_MAX_PORTS   8
#define DPV_MAX_WORKERS 64
#define DPV_MIN_MTU     576 /* a port reporting less is given 1500 (port.c) */

/* A signaling worker's tx buffer per port: the answers to one burst of SIP (up to three per
 * INVITE: 100, 180, 200) leave in one tx burst when the poll loop flushes, not in 32s. */
#define DPV_SIG_TX_BUFFER (4 * DPV_BURST)

/* ---- startup file (config.c) ----
 *
 * The engine owns [dpdk], [cpu], [portN] and [control] and the checks across layers; [sip] and
 * [dialplan] are the sip layer's (sip_conf.h), [rtp] the rtp layer's (rtp.h). lib's reader
 * (dpv_cfg_load) reads the file against the list of all of them.
 */

struct dpv_port_conf {
	bool present;
	unsigned line; /* line of the [portN] header */
	uint32_t addr; /* host order */
	uint8_t prefixlen;
	uint32_t gateway; /* host order, 0: none */
};

struct dpv_config {
	char path[PATH_MAX];
	/* [dpdk] */
	char eal[1024];
	unsigned eal_line;
	unsigned mbufs;   /* mbufs per port pool, 0: computed */
	unsigned rx_desc; /* per rx queue */
	unsigned tx_desc; /* per tx queue */
	/* [cpu] */
	unsigned main_core;
	struct dpv_cpuset media;
	struct dpv_cpuset signaling;
	unsigned idle_sleep_us;
	unsigned sig_ring_size; /* entries per signaling ring, power of two */
	bool cpu_threads;       /* shared-cpu = threads: a thread per role on a CPU in both lists */
	unsigned sig_per_cpu; /* signaling-per-cpu: signaling lcores per signaling CPU (threads) */
	/* [portN] */
	struct dpv_port_conf ports[DPV_MAX_PORTS];
	struct sip_conf sip;
	struct rtp_conf rtp;
	struct sip_dialplan_conf dialplan; /* with the compiled dialplan: dpv_config_free() */
	struct bridge_conf bridge;
	struct dpv_security_conf security; /* with the compiled scanner: dpv_config_free() */
	struct dpv_ng_conf ng;             /* [ng] (ng.c) */
	/* [control] */
	char ctl_socket[108];
};

/** One worker thread of the [cpu] layout. */
struct dpv_lcore_slot {
	unsigned lcore_id; /* the EAL lcore it runs as */
	unsigned cpu;      /* the CPU that lcore is pinned to */
	unsigned roles;    /* DPV_ROLE_* */
};

/**
 * The worker layout [cpu] gives, in CPU order. A CPU in both role lists is one worker with
 * both roles in one loop (shared-cpu = loop), or two workers pinned to it, media first
 * (shared-cpu = threads): the second runs as an lcore id above every CPU the file names.
 * Returns the number of workers, or -1 (reason in @a why) when they do not fit.
 */
int dpv_lcore_plan(const struct dpv_config *c, struct dpv_lcore_slot *out, unsigned max, char *why,
                   size_t whylen);

/** Fill @a cfg with the defaults of every key (allocates: dpv_config_free() releases it). */
void dpv_config_defaults(struct dpv_config *cfg);

/**
 * Read and validate the startup file @a path into @a cfg (not holding a loaded config: free
 * that first). Every problem is printed to @a err as one line
 * "FILE:LINE: [section] key: what is wrong". The dialplan is compiled as the engine runs it
 * (cfg->dialplan.dp). @return the number of problems (0: valid).
 */
int dpv_config_load(const char *path, struct dpv_config *cfg, FILE *err);

/** Release what a loaded (or defaulted) config holds: rules, the compiled dialplan. */
void dpv_config_free(struct dpv_config *cfg);

/**
 * Checks that need the running EAL: every configured port exists. Prints
 * problems to @a err like dpv_config_load. @return the number of problems.
 */
int dpv_config_check_ports(const struct dpv_config *cfg, unsigned nb_ports, FILE *err);

/** Count of ports an EAL argument string will create when it has --no-pci (vdevs), else -1. */
int dpv_config_eal_port_estimate(const char *eal);

/* Every per-lcore counter (not per port). */
#define DPV_LCORE_COUNTERS(X)                                                                      \
	X(iter_busy)                                                                               \
	X(iter_idle)                                                                               \
	X(idle_sleeps)                                                                             \
	X(sip_steered)                                                                             \
	X(sip_local)                                                                               \
	X(sig_dequeued)                                                                            \
	X(sip_processed)                                                                           \
	X(sip_tx_no_mbuf)                                                                          \
	X(sip_tx_arp_miss)                                                                         \
	X(sip_tx_fragmented)                                                                       \
	X(flood_blocks)    /* [security]: sources this lcore started blocking */                   \
	X(flood_untracked) /* [security]: requests from a source the full table could not track */ \
	X(busy_cycles)  /* TSC cycles in loop passes that did work: per packet, cycles it cost */  \
	X(media_cycles) /* TSC cycles in the RTP relay (media_rtp_input), PMD rx not included */

/* Counters of a signaling lcore's glue (sig.c), beside the UA's and the rtp layer's. */
#define DPV_SIG_COUNTERS(X)                                                                        \
	X(msg_no_buffer)      /* no free message for another lcore */                              \
	X(msg_ring_full)      /* another lcore's message ring full */                              \
	X(bridge_join_failed) /* the bridge was full, or no slot was free */                       \
	X(media_timeouts)     /* calls ended for [rtp] media-timeout-s without RTP */              \
	X(scanner_dropped)    /* [security] scanner: new requests dropped without an answer */

enum dpv_sig_counter {
#define DPV_X(n) DPV_SIG_C_##n,
	DPV_SIG_COUNTERS(DPV_X)
#undef DPV_X
	    DPV_SIG_C_MAX
};

extern const char *const dpv_sig_counter_names[DPV_SIG_C_MAX];

enum dpv_lcore_counter {
#define DPV_X(n) DPV_LC_##n,
	DPV_LCORE_COUNTERS(DPV_X)
#undef DPV_X
	    DPV_LC_MAX
};

extern const char *const dpv_lcore_counter_names[DPV_LC_MAX];

/* ---- runtime (main.c, port.c, lcore.c) ---- */

enum dpv_role {
	DPV_ROLE_MEDIA = 1,
	DPV_ROLE_SIGNALING = 2,
};

struct dpv_sig;
struct media_lcore;

/* One worker lcore: its roles, queues, ring and counters. Written only by its own lcore. */
struct dpv_worker {
	struct dpv_engine *eng; /* the engine this worker belongs to */
	unsigned lcore_id;
	unsigned cpu;    /* the CPU its lcore is pinned to */
	unsigned roles;  /* DPV_ROLE_* */
	int sig_index;   /* index among signaling workers, -1 if none */
	int media_index; /* index among media workers, -1 if none */
	uint16_t rxq;    /* rx queue on every port (media role, or hw-steered SIP) */
	uint16_t txq;    /* own tx queue on every port that has it */
	/* A signaling-only worker on a port with fewer tx queues than workers (af_packet's
	 * qpairs) hands its frames to a media worker's tx_handoff ring: tx_via[port] is that
	 * worker, NULL where this one has its own queue. */
	struct dpv_worker *tx_via[DPV_MAX_PORTS];
	struct rte_ring *tx_handoff; /* media role: frames other workers hand over (MP/SC) */
	struct rte_ring *sig_ring;   /* signaling role: SIP steered to this lcore */
	struct rte_ring *msg_ring;   /* signaling role: struct sig_msg for this lcore (sigmsg.c) */
	struct dpv_sig *sig;         /* signaling role: the SIP stack of this lcore (sig.c) */
	struct media_lcore *media;   /* media role: its media plane state (media.c) */
	struct dpv_flood *flood; /* [security] flood-rate: sources of the SIP this worker reads */
	struct rte_eth_dev_tx_buffer *txb[DPV_MAX_PORTS];
	/* Frames for tx_via[port] gathered during a pass and handed over in one enqueue per port
	 * (dpv_tx_handoff, flushed by the poll loop as the tx buffers are): the handoff ring is
	 * multi-producer, and a compare-and-swap per frame is what a burst saves. */
	struct rte_mbuf *handoff_buf[DPV_MAX_PORTS][DPV_BURST];
	uint16_t nb_handoff[DPV_MAX_PORTS];
	/* egress (egress.c): IPv4 fragments of datagrams over the MTU are copied into frag_pool
	 * (lent by the signaling state, sig.c; NULL: this worker sends nothing that large) */
	struct rte_mempool *frag_pool;
	uint16_t ip_seq; /* IP ids of this worker's fragmented datagrams */
	uint64_t lc[DPV_LC_MAX];
	uint64_t pc[DPV_MAX_PORTS][DPV_C_MAX];
} __rte_cache_aligned;

struct dpv_port {
	uint16_t port_id;
	char name[RTE_DEV_NAME_MAX_LEN];
	struct dpv_net_ctx net;
	struct rte_mempool *pool;
	uint16_t nb_rxq, nb_txq;
	bool rss;
	bool hw_sip_steer; /* rte_flow sends SIP to signaling queues */
	uint16_t mtu;      /* IPv4 datagrams longer than this leave as fragments */
	struct dpv_arp_cache arp;
	bool link_up; /* as the main lcore last saw it (dpv_port_watch) */
};

struct dpv_engine {
	struct dpv_config cfg;
	struct dpv_worker workers[DPV_MAX_WORKERS];
	unsigned nb_workers;
	struct dpv_worker *sig_workers[DPV_MAX_WORKERS]; /* by sig_index */
	unsigned nb_sig;
	struct dpv_worker *media_workers[DPV_MAX_WORKERS]; /* by media_index */
	unsigned nb_media;
	struct dpv_port ports[DPV_MAX_PORTS];
	unsigned nb_ports;
	uint64_t start_tsc;
	struct rte_mempool *sig_msgs; /* struct sig_msg (sigmsg.c) */
	struct rtp_flow_table *flows; /* every local RTP port's flow (media plane) */
	struct bridge_table *bridges; /* every bridge */
	/* events for subscribers (event.c): posted by any lcore, drained by the main lcore */
	struct rte_ring *events;      /* struct dpv_event elements, MP/SC */
	uint64_t events_posted;       /* every event that happened */
	uint64_t events_dropped;      /* queue full (a subscriber misses it) */
	uint32_t subscribers;         /* written by the main lcore (ctl.c), read by posters */
	uint64_t subscribers_dropped; /* disconnected: their output passed the bound (ctl.c) */
	volatile bool quit;
};

extern struct dpv_engine dpv_eng;

/** Signaling worker that owns a Call-ID (the sip layer's rule, sip_call_id_owner). */
static inline struct dpv_worker *
dpv_sig_owner(const struct dpv_engine *e, struct dpv_str callid)
{
	return e->sig_workers[sip_call_id_owner(callid, e->nb_sig)];
}

/* ---- control socket and telemetry (ctl.c, telemetry.c) ---- */

struct json_t;
/** Build the `stats` object (engine, lcores, ports, drops). Returns a new reference. */
struct json_t *dpv_stats_json(const struct dpv_engine *e);
/** Every session with its media counters (`sessions`), inside an RCU read-side section of a
 *  registered thread. Returns a new reference. */
struct json_t *dpv_sessions_json(const struct dpv_engine *e);

/** The media counters of local port @a port (latched source, rx/tx, loss, jitter) into @a o. */
void dpv_media_json(const struct dpv_engine *e, uint16_t port, struct json_t *o);

/* A control command: fills *reply (a JSON object) or returns -1 with *error set. */
typedef int (*dpv_ctl_fn)(struct dpv_engine *e, const struct json_t *req, struct json_t *reply,
                          const char **error);

struct dpv_ctl_cmd {
	const char *name; /* "stats", "bridge create", ... */
	dpv_ctl_fn fn;
	const char *help;
};

/** Register a control command (before dpv_ctl_open()). */
void dpv_ctl_register(const struct dpv_ctl_cmd *cmd);
/** Open the control socket at @a path; 0 or -errno. */
int dpv_ctl_open(struct dpv_engine *e, const char *path);
/** Serve pending control clients, waiting at most @a timeout_ms. Main lcore only. */
void dpv_ctl_poll(struct dpv_engine *e, int timeout_ms);
void dpv_ctl_close(void);

/** The `security` object: [security] settings, counters, blocked sources. New reference. */
struct json_t *dpv_security_json(const struct dpv_engine *e);
/** Register the `security` control command (secctl.c). */
void dpv_security_ctl_register(void);

/** Register /dpvoip/... telemetry commands. 0 or -errno. */
int dpv_telemetry_init(struct dpv_engine *e);

#endif /* DPV_ENGINE_INT_H */
