/* Engine internals shared by the engine's own files: config, ports, L2/L3, lcores, control. */
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

#include "dpv.h"
#include "sip.h"
#include "rtp.h"
#include "sip.h"

#define DPV_MAX_PORTS   8
#define DPV_MAX_WORKERS 64
#define DPV_BURST       32
#define DPV_ARP_ENTRIES 256 /* per port, power of two */
#define DPV_ERR_LINE    512
#define DPV_MIN_MTU     576 /* a port reporting less is given 1500 (port.c) */

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
	/* [portN] */
	struct dpv_port_conf ports[DPV_MAX_PORTS];
	struct sip_conf sip;
	struct rtp_conf rtp;
	struct sip_dialplan_conf dialplan; /* with the compiled dialplan: dpv_config_free() */
	/* [control] */
	char ctl_socket[108];
};

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

/* ---- counters ---- */

/* Every per-port counter, by name. Drops start with drop_. */
#define DPV_PORT_COUNTERS(X)                                                                       \
	X(rx)                                                                                      \
	X(tx)                                                                                      \
	X(rx_arp)                                                                                  \
	X(rx_icmp)                                                                                 \
	X(rx_udp)                                                                                  \
	X(rx_sip)                                                                                  \
	X(rx_rtp)                                                                                  \
	X(tx_arp_reply)                                                                            \
	X(tx_arp_request)                                                                          \
	X(tx_icmp_reply)                                                                           \
	X(arp_learned)                                                                             \
	X(drop_short_frame)                                                                        \
	X(drop_l2_not_ours)                                                                        \
	X(drop_ethertype)                                                                          \
	X(drop_ipv6)                                                                               \
	X(drop_arp_malformed)                                                                      \
	X(drop_arp_not_ours)                                                                       \
	X(drop_ip_version)                                                                         \
	X(drop_ip_hdr_len)                                                                         \
	X(drop_ip_cksum)                                                                           \
	X(drop_ip_len)                                                                             \
	X(drop_ip_frag)                                                                            \
	X(drop_ip_not_ours)                                                                        \
	X(drop_ip_proto)                                                                           \
	X(drop_icmp_malformed)                                                                     \
	X(drop_icmp_type)                                                                          \
	X(drop_udp_len)                                                                            \
	X(drop_udp_cksum)                                                                          \
	X(drop_udp_port)                                                                           \
	X(drop_sig_ring_full)                                                                      \
	X(drop_rtp_no_flow)                                                                        \
	X(drop_tx_full)                                                                            \
	X(drop_sip_unhandled)

enum dpv_port_counter {
#define DPV_X(n) DPV_C_##n,
	DPV_PORT_COUNTERS(DPV_X)
#undef DPV_X
	    DPV_C_MAX
};

extern const char *const dpv_port_counter_names[DPV_C_MAX];

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
	X(sip_tx_fragmented)

enum dpv_lcore_counter {
#define DPV_X(n) DPV_LC_##n,
	DPV_LCORE_COUNTERS(DPV_X)
#undef DPV_X
	    DPV_LC_MAX
};

extern const char *const dpv_lcore_counter_names[DPV_LC_MAX];

/* ---- ARP cache (net.c) ---- */

struct dpv_arp_entry {
	uint32_t seq; /* odd while being written */
	uint32_t ip;  /* host order, 0: empty */
	struct rte_ether_addr mac;
	uint64_t updated_tsc;
};

struct dpv_arp_cache {
	struct dpv_arp_entry e[DPV_ARP_ENTRIES];
};

/** Learn or refresh @a ip -> @a mac. Lock-free for readers; a busy slot skips the update. */
void dpv_arp_learn(struct dpv_arp_cache *c, uint32_t ip, const struct rte_ether_addr *mac,
                   uint64_t now_tsc);
/** Look up @a ip; 0 and @a mac filled when known, -1 otherwise. */
int dpv_arp_lookup(const struct dpv_arp_cache *c, uint32_t ip, struct rte_ether_addr *mac);

/* ---- L2/L3 (net.c) ---- */

/* What the packet path decided for one frame. */
enum dpv_verdict {
	DPV_V_DROP,  /* counted in the drop counter named by the caller's counters */
	DPV_V_REPLY, /* a reply was built in place: send it out of the same port */
	DPV_V_SIP,   /* UDP to the SIP port: info filled */
	DPV_V_RTP,   /* UDP to a port in the RTP range: info filled */
};

/* Where things are in a classified UDP packet. */
struct dpv_pkt_info {
	uint32_t src_ip, dst_ip; /* host order */
	uint16_t src_port, dst_port;
	uint16_t l3_off, l4_off;
	uint16_t payload_off, payload_len;
};

/* The private area of the engine's mbufs: every pool the engine makes (ports, signaling) has
 * DPV_MBUF_PRIV bytes of it. */
struct dpv_mbuf_priv {
	struct dpv_pkt_info info; /* rx: where dpv_net_input found things */
	uint32_t flags;           /* tx: DPV_MBUF_F_*, egress.c's (reset by egress_msg_alloc) */
};

#define DPV_MBUF_PRIV     RTE_ALIGN(sizeof(struct dpv_mbuf_priv), RTE_MBUF_PRIV_ALIGN)
#define DPV_MBUF_F_FRAMED 1u /* egress put the Ethernet/IPv4/UDP headers in front */

static inline struct dpv_mbuf_priv *
dpv_mbuf_priv(struct rte_mbuf *m)
{
	return (struct dpv_mbuf_priv *)rte_mbuf_to_priv(m);
}

/* Where dpv_net_input left a classified packet's dpv_pkt_info. */
static inline struct dpv_pkt_info *
dpv_mbuf_info(struct rte_mbuf *m)
{
	return &dpv_mbuf_priv(m)->info;
}

/* Everything the classifier needs to know about the port a frame came in on. */
struct dpv_net_ctx {
	uint16_t port_id;
	struct rte_ether_addr mac;
	uint32_t addr; /* host order */
	uint32_t netmask;
	uint32_t gateway; /* host order, 0: none */
	uint16_t sip_port;
	uint16_t rtp_min, rtp_max;
	bool rx_l3_cksum_offload; /* PMD sets RTE_MBUF_F_RX_IP_CKSUM_* */
	bool rx_l4_cksum_offload; /* PMD sets RTE_MBUF_F_RX_L4_CKSUM_* */
	struct dpv_arp_cache *arp;
};

/**
 * Classify one received frame and handle what L2/L3 answers itself (ARP
 * reply, ICMP echo reply, both built in place). On DPV_V_DROP,
 * counters[DPV_C_drop_*] has been incremented for the cause; the other
 * counters (rx_arp, rx_icmp, ...) are incremented too. The caller counts rx
 * and tx and frees dropped frames.
 */
enum dpv_verdict dpv_net_input(const struct dpv_net_ctx *ctx, struct rte_mbuf *m,
                               struct dpv_pkt_info *info, uint64_t *counters, uint64_t now_tsc);

/**
 * Turn @a m (a received UDP packet described by @a info) into a UDP packet
 * back to its source carrying @a len bytes already written at the payload
 * offset: swaps addresses and ports, fixes lengths and checksums.
 */
void dpv_net_udp_reply(struct rte_mbuf *m, const struct dpv_pkt_info *info, uint16_t len);

/**
 * Build a UDP/IPv4 frame in @a m (empty mbuf) from @a ctx's address and
 * @a src_port to @a dst_ip:@a dst_port with @a payload. The next hop's MAC
 * comes from the ARP cache (gateway when off-link); @return 0, or -1 when
 * it is not known yet (the caller may send dpv_net_arp_request()).
 */
int dpv_net_udp_build(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, uint16_t src_port,
                      uint32_t dst_ip, uint16_t dst_port, const void *payload, uint16_t len);

/**
 * Put Ethernet/IPv4/UDP headers from @a ctx's address and @a src_port to @a dst_ip:@a dst_port
 * in front of the payload that @a m already holds (it needs the headroom). @return 0, or -1
 * with @a m unchanged when the next hop's MAC is not known yet (or off-link with no gateway).
 */
int dpv_net_udp_encap(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, uint16_t src_port,
                      uint32_t dst_ip, uint16_t dst_port);

/**
 * Put Ethernet/IPv4/UDP headers from @a ctx's address and @a src_port to @a dst_ip:@a dst_port,
 * for the next hop @a mac, in front of the payload that @a m already holds (one segment, with
 * the headroom). @return 0, or -1 with @a m unchanged.
 */
int dpv_net_udp_frame(const struct dpv_net_ctx *ctx, struct rte_mbuf *m,
                      const struct rte_ether_addr *mac, uint16_t src_port, uint32_t dst_ip,
                      uint16_t dst_port);

/** The next hop for @a dst_ip from @a ctx: itself on-link, else the gateway, else 0. */
uint32_t dpv_net_next_hop(const struct dpv_net_ctx *ctx, uint32_t dst_ip);

/** Build an ARP request for @a ip in the empty mbuf @a m. */
void dpv_net_arp_request(const struct dpv_net_ctx *ctx, struct rte_mbuf *m, uint32_t ip);


/* ---- runtime (main.c, port.c, lcore.c) ---- */

enum dpv_role {
	DPV_ROLE_MEDIA = 1,
	DPV_ROLE_SIGNALING = 2,
};

struct dpv_sig;

/* One worker lcore: its roles, queues, ring and counters. Written only by its own lcore. */
struct dpv_worker {
	struct dpv_engine *eng; /* the engine this worker belongs to */
	unsigned lcore_id;
	unsigned roles;            /* DPV_ROLE_* */
	int sig_index;             /* index among signaling workers, -1 if none */
	uint16_t rxq;              /* rx queue on every port (media role, or hw-steered SIP) */
	uint16_t txq;              /* own tx queue on every port */
	struct rte_ring *sig_ring; /* signaling role: SIP steered to this lcore */
	struct dpv_sig *sig;       /* signaling role: the SIP stack of this lcore (sig.c) */
	struct rte_eth_dev_tx_buffer *txb[DPV_MAX_PORTS];
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
};

struct dpv_engine {
	struct dpv_config cfg;
	struct dpv_worker workers[DPV_MAX_WORKERS];
	unsigned nb_workers;
	struct dpv_worker *sig_workers[DPV_MAX_WORKERS]; /* by sig_index */
	unsigned nb_sig;
	struct dpv_port ports[DPV_MAX_PORTS];
	unsigned nb_ports;
	uint64_t start_tsc;
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

/** Register /dpvoip/... telemetry commands. 0 or -errno. */
int dpv_telemetry_init(struct dpv_engine *e);

#endif /* DPV_ENGINE_INT_H */
