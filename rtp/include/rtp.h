/* SPDX-License-Identifier: BSD-3-Clause */
/** @file rtp.h  rtp layer: SDP offer/answer, the media port pool, media negotiation and
 * the [rtp] section. */
#ifndef DPV_RTP_H
#define DPV_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ring.h>
#include <urcu-qsbr.h>

#include "dpv.h"

/* ---- media port pool (portpool.c) ----
 *
 * Hands out RTP ports: even ports p with min <= p and p + 1 <= max (RTCP is
 * on p + 1). Freed ports go to the tail of a FIFO, so a port is reused only
 * after every other free port has been handed out: stray packets of a
 * finished call die out before the port belongs to a new call.
 *
 * A pool has a single owner (one signaling lcore, or the main lcore):
 * no function here is thread-safe. All memory is allocated in
 * rtp_portpool_create; alloc and free are O(1) and never allocate.
 */

struct rtp_portpool;

/** Counters of a port pool. */
struct rtp_portpool_stats {
	uint32_t size;      /**< ports the pool manages */
	uint32_t in_use;    /**< ports allocated now */
	uint32_t avail;     /**< ports free now */
	uint64_t allocs;    /**< successful allocations */
	uint64_t frees;     /**< successful frees */
	uint64_t exhausted; /**< allocations refused: no free port */
	uint64_t bad_free;  /**< frees refused: out of range, odd, or not allocated */
};

/**
 * Create a pool of the even ports in [@a min, @a max] whose RTCP port also fits.
 * @return the pool, or NULL when no port fits (min > max, min == 0, a single odd port...)
 *         or memory is short.
 */
struct rtp_portpool *rtp_portpool_create(uint16_t min, uint16_t max);
/** Free a pool (NULL is fine). */
void rtp_portpool_destroy(struct rtp_portpool *pp);
/** Take the port that has been free the longest. @return the even RTP port, or -1 if none. */
int rtp_portpool_alloc(struct rtp_portpool *pp);
/** Give @a port back. @return 0, or -1 (counted) when it is not a port this pool handed out. */
int rtp_portpool_free(struct rtp_portpool *pp, uint16_t port);
/** Number of free ports. */
uint32_t rtp_portpool_avail(const struct rtp_portpool *pp);
/** Copy the pool's counters into @a st. */
void rtp_portpool_stats(const struct rtp_portpool *pp, struct rtp_portpool_stats *st);

/* ---- SDP offer/answer (sdp.c) ----
 *
 * rtp_sdp_parse reads an SDP body (RFC 4566) into views that point into the
 * body (zero copy: the body must outlive the struct). rtp_sdp_negotiate picks
 * the stream and codec of the answer (RFC 3264), rtp_sdp_write_answer and
 * rtp_sdp_write_offer write SDP text. None of them allocate.
 */

#define RTP_SDP_MAX_LEN    8192 /* longest body accepted */
#define RTP_SDP_MAX_MEDIA  8    /* m= lines */
#define RTP_SDP_MAX_FMTS   32   /* payload types kept per m= line; later ones are ignored */
#define RTP_SDP_MAX_RTPMAP 16   /* a=rtpmap lines kept per m= line; later ones are ignored */

#define RTP_PT_PCMU 0
#define RTP_PT_PCMA 8
#define RTP_PT_TE   101 /* telephone-event in the offers this engine writes */

/** Parse and negotiation errors; 0 is success. rtp_sdp_strerror names them. */
enum rtp_sdp_err {
	RTP_SDP_OK = 0,
	RTP_SDP_E_EMPTY,           /**< no body */
	RTP_SDP_E_TOO_LONG,        /**< body longer than RTP_SDP_MAX_LEN */
	RTP_SDP_E_MALFORMED_LINE,  /**< a line is not "x=value", or has a control byte */
	RTP_SDP_E_BAD_VERSION,     /**< first line is not v=0 */
	RTP_SDP_E_BAD_ORIGIN,      /**< o= missing or not six fields */
	RTP_SDP_E_NO_SESSION_NAME, /**< s= missing */
	RTP_SDP_E_BAD_CONNECTION,  /**< c= is not "IN IP4 addr" / "IN IP6 addr" */
	RTP_SDP_E_BAD_MEDIA,       /**< m= has too few fields or a bad format */
	RTP_SDP_E_BAD_PORT,        /**< m= or a=rtcp port is not 0..65535 */
	RTP_SDP_E_BAD_ATTR,        /**< a=rtpmap, a=fmtp, a=ptime or a=rtcp is malformed */
	RTP_SDP_E_TOO_MANY_MEDIA,  /**< more than RTP_SDP_MAX_MEDIA m= lines */
	RTP_SDP_E_NO_AUDIO,        /**< no m=audio RTP/AVP stream with a non-zero port */
	RTP_SDP_E_MISSING_CONN,    /**< the audio stream has no c= (session or media) */
	RTP_SDP_E_IP6,             /**< the audio stream is IPv6: unsupported */
	RTP_SDP_E_NO_CODEC,        /**< no PCMU or PCMA offered: the UAS answers 488 */
	RTP_SDP_E_HOST_NAME,       /**< the audio stream's c= is a host name: unsupported */
	RTP_SDP_E_MAX
};

/** Media direction (RFC 3264 attributes). UNSET: no attribute at that level. */
enum rtp_dir {
	RTP_DIR_UNSET = 0,
	RTP_DIR_SENDRECV,
	RTP_DIR_SENDONLY,
	RTP_DIR_RECVONLY,
	RTP_DIR_INACTIVE,
};

enum rtp_sdp_af {
	RTP_SDP_AF_NONE = 0, /**< no c= at this level */
	RTP_SDP_AF_IP4,
	RTP_SDP_AF_IP6,
};

/** A c= line. */
struct rtp_sdp_conn {
	enum rtp_sdp_af af;
	struct dpv_str addr; /**< address text (without /ttl) */
	uint32_t ip4;        /**< IP4: the address, host byte order (0 for a host name) */
	bool host_name;      /**< IP4 given as a host name (addr holds it) */
};

/** An a=rtpmap line. */
struct rtp_sdp_rtpmap {
	uint8_t pt;
	uint32_t clock;
	uint8_t channels;    /**< 0: not given */
	struct dpv_str name; /**< encoding name, e.g. "PCMU" */
	struct dpv_str fmtp; /**< parameters of the a=fmtp line for this pt, or empty */
};

/** An m= section. */
struct rtp_sdp_media {
	struct dpv_str type;  /**< "audio", "video", ... */
	struct dpv_str proto; /**< "RTP/AVP", ... */
	struct dpv_str fmts;  /**< the whole format list, as offered */
	uint16_t port;
	bool rtp_avp; /**< proto is RTP/AVP: fmts are payload types */
	uint8_t nb_pts;
	uint8_t pts[RTP_SDP_MAX_FMTS];
	uint8_t nb_rtpmap;
	struct rtp_sdp_rtpmap rtpmap[RTP_SDP_MAX_RTPMAP];
	struct rtp_sdp_conn conn; /**< media-level c= */
	enum rtp_dir dir;         /**< media-level direction attribute */
	uint32_t ptime;           /**< a=ptime, 0: not given */
	uint16_t rtcp_port;       /**< a=rtcp, 0: not given */
	bool rtcp_mux;            /**< a=rtcp-mux (RFC 5761) */
	struct rtp_sdp_conn rtcp_conn;
	unsigned line; /**< line number of the m= line */
};

/** A parsed SDP body (about 8 KB: keep one per lcore, not on a small stack). Views point into the
 * body. */
struct rtp_sdp {
	struct dpv_str o_user, o_sess_id, o_sess_version, o_addr;
	struct dpv_str session_name;
	struct dpv_str timing;    /**< value of the first t= line ("0 0") */
	struct rtp_sdp_conn conn; /**< session-level c= */
	enum rtp_dir dir;         /**< session-level direction attribute */
	uint8_t nb_media;
	struct rtp_sdp_media media[RTP_SDP_MAX_MEDIA];
	unsigned err_line; /**< after an error: the 1-based line it was found on, 0: none */
};

/** What the answer to an offer carries, and what media to send where. */
struct rtp_sdp_neg {
	uint8_t media;          /**< index of the accepted audio m= line */
	uint8_t pt;             /**< payload type of the chosen codec (as the offer numbers it) */
	uint8_t codec;          /**< RTP_PT_PCMU or RTP_PT_PCMA: which codec pt stands for */
	int16_t te_pt;          /**< telephone-event payload type, -1: not offered */
	struct dpv_str te_fmtp; /**< offered telephone-event a=fmtp value, empty if none */
	uint32_t remote_ip;     /**< host byte order; 0 when the offer holds with c=0.0.0.0 */
	uint16_t remote_port;   /**< where to send RTP */
	uint16_t
	    remote_rtcp_port;   /**< remote_port with rtcp-mux, else a=rtcp, else remote_port + 1 */
	bool rtcp_mux;          /**< the offer has a=rtcp-mux: the answer accepts it */
	uint32_t ptime;         /**< offered ptime, 0: not given */
	enum rtp_dir offer_dir; /**< effective direction of the offer (see rtp_sdp_negotiate) */
	enum rtp_dir answer_dir; /**< direction to put in the answer */
	bool hold;               /**< offer is on hold (sendonly, inactive or c=0.0.0.0) */
};

/** Name of an error code ("malformed line", ...). */
const char *rtp_sdp_strerror(enum rtp_sdp_err err);

/**
 * Parse @a len bytes of SDP at @a body into @a sdp. Lines end in CRLF or LF;
 * the last line may lack one. @return RTP_SDP_OK or an error (sdp->err_line says where).
 */
enum rtp_sdp_err rtp_sdp_parse(const char *body, size_t len, struct rtp_sdp *sdp);

/**
 * Choose the answer to @a offer (RFC 3264 section 6): the first m=audio RTP/AVP
 * line with a non-zero port, and in it the first offered of PCMU/PCMA; telephone-
 * event (8000 Hz) is kept when offered. Direction: sendonly -> recvonly,
 * recvonly -> sendonly, inactive -> inactive, else sendrecv. A c=0.0.0.0 offer
 * (RFC 2543 hold) is treated as sendonly (or inactive when it also says
 * recvonly/inactive), with remote_ip 0: nothing is sent to it.
 * The UAC side can run it on the answer to its own offer: pt, codec, te_pt and
 * the remote address are then what the remote chose, and offer_dir is its direction.
 * @return RTP_SDP_OK, or NO_AUDIO, NO_CODEC, MISSING_CONN, IP6, HOST_NAME (the UAS
 *         answers 488).
 */
enum rtp_sdp_err rtp_sdp_negotiate(const struct rtp_sdp *offer, struct rtp_sdp_neg *neg);

/**
 * Write the answer to @a offer as chosen in @a neg: every offered m= line is
 * answered, the accepted one with @a local_port, the others with port 0.
 * @a local_ip is in host byte order. @return the length of the text written
 * (NUL-terminated, so @a cap must exceed it), or -1 when @a cap is too small.
 */
int rtp_sdp_write_answer(char *buf, size_t cap, const struct rtp_sdp *offer,
                         const struct rtp_sdp_neg *neg, uint32_t local_ip, uint16_t local_port,
                         uint64_t sess_id, uint64_t sess_version);

/**
 * Write an offer (UAC side): PCMU, PCMA and telephone-event (RTP_PT_TE), ptime 20,
 * sendrecv. @return the length of the text (NUL-terminated), or -1 when @a cap is too small.
 */
int rtp_sdp_write_offer(char *buf, size_t cap, uint32_t local_ip, uint16_t local_port,
                        uint64_t sess_id, uint64_t sess_version);

/* ---- media flows (flow.c) ----
 *
 * What the packet path knows of a local RTP port: an immutable struct rtp_flow per port,
 * published by the port's owner (the signaling lcore whose pool slice holds it) with
 * rcu_assign_pointer and replaced by copy-and-swap, read by media lcores under RCU without
 * locks. A replaced or removed flow goes back to its writer's pool after a grace period, and a
 * port goes back to the port pool only after its flow is gone, so no media lcore can see a
 * recycled port's old flow. Each publish of a port gets a new generation: per-lcore state
 * keyed by port (stream statistics, a learned source) resets when it changes.
 */

/** Source latching (RFC 3550 leaves it to the application; the RTP Bleed class is why it is
 *  strict by default). */
enum rtp_latch {
	RTP_LATCH_STRICT, /**< only the address and port the peer's SDP names */
	RTP_LATCH_LEARN,  /**< the signaled IP on any port: the first packet locks the port */
};

/** One local RTP port's media, as the packet path uses it. */
struct rtp_flow {
	uint64_t session_id;
	uint32_t gen;                /**< set by rtp_flow_publish */
	enum dpv_call_action action; /**< TONE, ECHO, BRIDGE, RELAY or NONE */
	uint32_t bridge_id;          /**< DPV_CALL_BRIDGE: the bridge's slot, or UINT32_MAX */
	uint32_t bridge_gen;         /**< and that slot's generation (bridge_get) */
	uint32_t local_ip;
	uint16_t local_port; /**< even; RTCP on local_port + 1 unless rtcp_mux */
	uint16_t peer_port, peer_rtcp_port;
	uint32_t peer_ip; /**< 0: nothing to send to, nothing accepted (c=0.0.0.0 hold) */
	bool rtcp_mux;
	bool send;     /**< the engine sends to the peer */
	bool recv;     /**< the engine takes what the peer sends */
	uint8_t latch; /**< enum rtp_latch */
	uint8_t pt, codec;
	int16_t te_pt;
	uint16_t media_lcore; /**< TONE: the media lcore (0..nb_media-1) that sends it */
	uint16_t relay_port;  /**< RELAY: the other leg's local port (same session_id), 0: none */
	bool asymmetric; /**< learn latching, but send to the SDP's port, not the learned one */
	struct dpv_defer_node limbo;
};

/** What media lcores keep per port besides the flow: the learned sources, the last packet. */
struct rtp_flow_slot {
	struct rtp_flow *flow; /**< RCU: rtp_flow_get() */
	uint64_t latch[2];     /**< learned source of RTP [0] and RTCP [1]: see rtp_latch_ok */
	uint64_t last_rx_tsc;  /**< last packet accepted from the peer (any media lcore) */
	uint32_t gen;          /**< the owner's generation counter for this port */
};

/** Media lcores a table can hand tone flows to. */
#define RTP_MAX_MEDIA_LCORES 64

/** The flows of every local RTP port, and the rings that tell media lcores of tone flows. */
struct rtp_flow_table {
	uint16_t port_min; /**< even */
	uint32_t nb_slots; /**< one per even port in [port_min, port_max] */
	uint32_t nb_media; /**< media lcores (tone rings) */
	struct rtp_flow_slot *slots;
	struct rte_ring *tone_ring[RTP_MAX_MEDIA_LCORES]; /**< ports of new tone flows, by lcore */
};

/** A table for the RTP ports in [@a port_min, @a port_max] and @a nb_media media lcores (tone
 *  rings of @a ring_size entries each). NULL on error. */
struct rtp_flow_table *rtp_flow_table_create(uint16_t port_min, uint16_t port_max,
                                             uint32_t nb_media, uint32_t ring_size);
/** Free it (no flow may be published any more, no reader left). */
void rtp_flow_table_destroy(struct rtp_flow_table *t);

/** The slot of local port @a port (RTP or its RTCP port + 1), or NULL when out of range. */
static inline struct rtp_flow_slot *
rtp_flow_slot(const struct rtp_flow_table *t, uint16_t port)
{
	uint32_t i = (uint32_t)(port - t->port_min) >> 1;

	return port >= t->port_min && i < t->nb_slots ? &t->slots[i] : NULL;
}

/** Reader: the flow in @a s, or NULL (inside an RCU read-side section). */
static inline const struct rtp_flow *
rtp_flow_get(const struct rtp_flow_slot *s)
{
	return rcu_dereference(s->flow);
}

/**
 * Reader: may a packet from @a ip:@a port reach @a f's stream (@a rtcp: its RTCP)? Strict: the
 * SDP's address and port only. Learn: the SDP's IP on any port; the first such packet locks the
 * port (one CAS on the slot's latch word, tagged with the flow's generation) and it never moves
 * again. Either way nothing from another address is accepted or latches anything.
 */
static inline bool
rtp_latch_ok(const struct rtp_flow *f, struct rtp_flow_slot *s, bool rtcp, uint32_t ip,
             uint16_t port)
{
	uint16_t want = rtcp ? f->peer_rtcp_port : f->peer_port;
	uint64_t *lw = &s->latch[rtcp], cur, mine;

	if (ip != f->peer_ip || ip == 0)
		return false;
	if (f->latch == RTP_LATCH_STRICT)
		return port == want;
	mine = UINT64_C(1) << 63 | (uint64_t)(f->gen & 0x7fff) << 48 | (uint64_t)port;
	cur = __atomic_load_n(lw, __ATOMIC_ACQUIRE);
	for (;;) {
		if ((cur >> 63) && ((cur >> 48) & 0x7fff) == (f->gen & 0x7fff))
			return (uint16_t)cur == port;
		if (__atomic_compare_exchange_n(lw, &cur, mine, false, __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE))
			return true;
	}
}

/** Reader: where to send @a f's RTP (@a rtcp: RTCP) now: the latched port when learning has
 *  locked one, else the SDP's. */
static inline uint16_t
rtp_flow_dst_port(const struct rtp_flow *f, const struct rtp_flow_slot *s, bool rtcp)
{
	uint64_t cur = __atomic_load_n(&s->latch[rtcp], __ATOMIC_ACQUIRE);

	if (f->latch == RTP_LATCH_LEARN && !f->asymmetric && (cur >> 63) &&
	    ((cur >> 48) & 0x7fff) == (f->gen & 0x7fff))
		return (uint16_t)cur;
	return rtcp ? f->peer_rtcp_port : f->peer_port;
}

struct rtp_flow_writer;

/** The writer of the ports a signaling lcore owns, with a pool of @a nb_flows flows. */
struct rtp_flow_writer *rtp_flow_writer_create(struct rtp_flow_table *t, uint32_t nb_flows);
/** Remove its flows, wait for readers, free it. */
void rtp_flow_writer_destroy(struct rtp_flow_writer *w);
/**
 * Writer: publish a copy of @a f for port f->local_port (a new generation), retiring the flow
 * it replaces; a TONE flow is announced on its media lcore's ring. @return 0, -ENOMEM (no flow
 * free until a grace period ends), -ERANGE (port outside the table).
 */
int rtp_flow_publish(struct rtp_flow_writer *w, const struct rtp_flow *f);
/** Writer: unpublish port @a port's flow (nothing reaches it any more). */
void rtp_flow_remove(struct rtp_flow_writer *w, uint16_t port);
/** Writer: back to the pool what a grace period released; returns how many. */
unsigned rtp_flow_writer_reclaim(struct rtp_flow_writer *w);
/** Writer: flows published now. */
uint32_t rtp_flow_writer_count(const struct rtp_flow_writer *w);

/* ---- media negotiation for the signaling layer (media.c) ----
 *
 * rtp_media_ops implements struct dpv_media_ops (lib/dpv.h) with the SDP code above and a port
 * pool: a signaling lcore gives its UA rtp_media_ops and its own struct rtp_media as the arg.
 * A session's port is taken on its first offer or answer and given back by stop.
 */

struct rtp_media;

/** Counters of one struct rtp_media. */
struct rtp_media_stats {
	uint64_t sdp_rejected;    /**< an offer or answer we could not parse or take: 488 */
	uint64_t ports_exhausted; /**< no free RTP port: 503 */
	uint64_t flows_exhausted; /**< no flow object free (until a grace period ends) */
	uint64_t media_timeouts;  /**< calls whose peer sent nothing for the timeout */
};

/** What one lcore's media negotiation works with. */
struct rtp_media_cfg {
	uint16_t port_min, port_max;  /**< this lcore's slice of the RTP range */
	struct rtp_flow_table *flows; /**< NULL: negotiation only, no media plane */
	uint8_t latch;                /**< enum rtp_latch of the flows it publishes */
	uint32_t nb_media;            /**< media lcores: tone flows are spread over them */
	/**
	 * The session of @a m leaves bridge @a leave and/or joins bridge @a join (either NULL).
	 * The owner does it (the bridge layer is above this one) and reports the slot a join got
	 * with rtp_media_bridge_joined(). NULL: bridges are not served.
	 */
	void (*bridge_change)(void *arg, const struct dpv_media *m, const char *leave,
	                      const char *join);
	void *bridge_arg;
};

/** The ops a UA negotiates media through; their arg is a struct rtp_media. */
extern const struct dpv_media_ops rtp_media_ops;

/** Media state for one lcore; NULL on error (no port fits the slice, no memory). */
struct rtp_media *rtp_media_create(const struct rtp_media_cfg *cfg);
/** Free it, its flows removed (NULL is fine). */
void rtp_media_destroy(struct rtp_media *rm);
/** Counters. */
const struct rtp_media_stats *rtp_media_stats(const struct rtp_media *rm);
/** The lcore's port pool (for its counters). */
const struct rtp_portpool *rtp_media_ports(const struct rtp_media *rm);
/** The session on @a port joined @a bridge, slot @a bridge_id of @a bridge_gen: its flow says so
 * from now on. -ENOENT when the port's session or its bridge changed meanwhile (nothing done). */
int rtp_media_bridge_joined(struct rtp_media *rm, uint16_t port, uint64_t session_id,
                            const char *bridge, uint32_t bridge_id, uint32_t bridge_gen);
/** Flows and ports a grace period has released go back; returns how many. Call each tick. */
unsigned rtp_media_reclaim(struct rtp_media *rm);
/**
 * Look at up to @a max_scan ports (round robin) for calls whose peer should send RTP and sent
 * none for @a timeout_tsc: @a cb gets each such session once. @return how many.
 */
unsigned rtp_media_timeouts(struct rtp_media *rm, uint64_t now_tsc, uint64_t timeout_tsc,
                            uint32_t max_scan, void (*cb)(void *arg, uint64_t session_id),
                            void *arg);
/** Fill a media description's peer, payload types and direction from a negotiation. */
void rtp_media_from_neg(struct dpv_media *m, const struct rtp_sdp_neg *neg);

/* ---- startup-file section [rtp] (config.c) ---- */

/** [rtp]: the media port range (the signaling lcores split it into their port pools). */
struct rtp_conf {
	uint16_t port_min;        /**< even, first RTP port */
	uint16_t port_max;        /**< last port (RTCP of the last even RTP port may be it) */
	uint8_t latching;         /**< enum rtp_latch: "strict" (default) or "learn" */
	uint32_t media_timeout_s; /**< end a call whose peer sent no RTP this long (0: off) */
	uint32_t flood_pps;       /**< packets a port takes per second, sustained (0: no limit) */
	uint32_t flood_burst;     /**< and in a burst above that rate */
	uint32_t media_mbufs;     /**< mbufs of each media lcore's pool (copies, tone, reports) */
};

/** The defaults of every [rtp] key. */
void rtp_conf_defaults(struct rtp_conf *rc);
/** The [rtp] section, its keys writing into @a rc; its check wants port-min < port-max. */
struct dpv_cfg_section rtp_conf_section(struct rtp_conf *rc);

/* ---- G.711 (g711.c) ----
 *
 * ITU-T G.711 mu-law (PCMU) and A-law (PCMA) between 16-bit linear samples and 8-bit
 * characters, with the standard's bit inversions (A-law XOR 0x55, mu-law complement). Encoding
 * is sign-magnitude, symmetric about zero; decoding gives the middle of the quantisation
 * interval (A-law +-8 .. +-32256, mu-law 0 .. +-32124). mu-law 0xFF (+0) and 0x7F (-0) both
 * decode to 0, which encodes as 0xFF: encode(decode(c)) == c for every other character of
 * either law. The conversion tables are constant data built with the library.
 */

/** mu-law character of a linear sample. */
uint8_t rtp_g711_ulaw_encode(int16_t x);
/** Linear sample of a mu-law character. */
int16_t rtp_g711_ulaw_decode(uint8_t u);
/** A-law character of a linear sample. */
uint8_t rtp_g711_alaw_encode(int16_t x);
/** Linear sample of an A-law character. */
int16_t rtp_g711_alaw_decode(uint8_t a);
/** mu-law character -> A-law character of its decoded sample. */
extern const uint8_t rtp_g711_ulaw_to_alaw[256];
/** A-law character -> mu-law character of its decoded sample. */
extern const uint8_t rtp_g711_alaw_to_ulaw[256];
/** The most characters of a table's sign half that rtp_g711_convert_sum's vector way corrects
 * (mu-law -> A-law has one: 0xFF, +0, which is A-law 0xD5 like -0). */
#define RTP_G711_EXC_MAX 4

/**
 * A conversion table (one of the two above, or any other 256-entry one) with what the vector
 * conversion needs of it, found once: rtp_g711_xlat_init, or the two constant ones below.
 */
struct rtp_g711_xlat {
	/** the table's first half by 16-byte rows, each XOR the row before (row 0 as it is) */
	uint8_t rows[8][16] __attribute__((aligned(64)));
	/** the sign half's characters whose entry is not their mirror's with the sign flipped */
	uint8_t exc_in[RTP_G711_EXC_MAX];
	/** XOR that corrects each (0 past nexc) */
	uint8_t exc_fix[RTP_G711_EXC_MAX];
	/** how many of those; above RTP_G711_EXC_MAX, conversion goes byte by byte */
	uint8_t nexc;
	/** the table itself */
	uint8_t table[256];
};
/** rtp_g711_ulaw_to_alaw prepared (constant data built with the library). */
extern const struct rtp_g711_xlat rtp_g711_xlat_u2a;
/** rtp_g711_alaw_to_ulaw prepared (constant data built with the library). */
extern const struct rtp_g711_xlat rtp_g711_xlat_a2u;
/** Prepare @a x for @a table (copied in). Returns true when the vector way can take it. */
bool rtp_g711_xlat_init(struct rtp_g711_xlat *x, const uint8_t table[256]);
/**
 * Convert @a len characters from @a src into @a dst (the same buffer, or apart) through @a x's
 * table, and return the change of their ones' complement sum (RFC 1071: 16-bit words as they
 * lie in memory, from @a src's first byte): with the received UDP checksum C, the converted
 * packet's is ~fold(~C + delta) (RFC 1624 eqn. 3), without summing the payload again. The
 * change is in [0, 0xffff). AVX2 where the CPU has it, else byte by byte.
 */
uint32_t rtp_g711_convert_sum(uint8_t *dst, const uint8_t *src, uint32_t len,
                              const struct rtp_g711_xlat *x);
/** rtp_g711_convert_sum() byte by byte through @a table, on every CPU (the reference the vector
 * one is tested against). */
uint32_t rtp_g711_convert_sum_scalar(uint8_t *dst, const uint8_t *src, uint32_t len,
                                     const uint8_t table[256]);

/* ---- tone (tone.c) ---- */

/**
 * Write @a n samples of the 440 Hz tone (-10 dBm0, peak 0.22 of full scale) in @a codec
 * (RTP_PT_PCMA, else PCMU) to @a out, the first being sample @a first_sample of the stream (its
 * RTP timestamp at 8000 Hz): frames written back to back are phase-continuous (the phase jumps
 * once when the timestamp wraps, every 2^32 samples).
 */
void rtp_tone_fill(uint8_t codec, uint32_t first_sample, uint8_t *out, uint32_t n);

/* ---- RTP and RTCP headers (packet.c) ----
 *
 * Views of RTP and RTCP packets in a byte buffer (RFC 3550), filled by functions that read
 * nothing beyond the length given. Errors are negative, with stable names (rtp_pkt_strerror)
 * that fit counter names.
 */

#define RTP_HDR_LEN  12 /* fixed RTP header */
#define RTCP_PT_SR   200
#define RTCP_PT_RR   201
#define RTCP_PT_SDES 202
#define RTCP_PT_BYE  203
#define RTCP_PT_APP  204
#define RTCP_SR_LEN  28 /* SR header, SSRC and sender info, before its report blocks */
#define RTCP_RR_LEN  8  /* RR header and SSRC */
#define RTCP_RB_LEN  24 /* a report block */

/** What rtp_hdr_parse and rtcp_parse return: 0, or one of these. */
enum rtp_pkt_err {
	RTP_PKT_OK = 0,
	RTP_E_SHORT = -1,          /**< shorter than the 12-byte fixed header */
	RTP_E_VERSION = -2,        /**< version is not 2 */
	RTP_E_CSRC = -3,           /**< the CSRC list runs beyond the packet */
	RTP_E_EXT_HDR = -4,        /**< X set and the 4-byte extension header runs beyond it */
	RTP_E_EXT_LEN = -5,        /**< the extension's length runs beyond the packet */
	RTP_E_PAD_ZERO = -6,       /**< P set and the padding count is 0 */
	RTP_E_PAD_LEN = -7,        /**< P set and the padding count exceeds the payload */
	RTCP_E_SHORT = -8,         /**< shorter than an RR header and SSRC (8 bytes) */
	RTCP_E_VERSION = -9,       /**< a packet's version is not 2 */
	RTCP_E_FIRST_PT = -10,     /**< the first packet is neither SR nor RR */
	RTCP_E_TRUNC = -11,        /**< a packet's length runs beyond the datagram */
	RTCP_E_TRAILING = -12,     /**< 1-3 bytes after the last packet */
	RTCP_E_PAD_NOT_LAST = -13, /**< P set on a packet other than the last */
	RTCP_E_PAD = -14,          /**< padding count 0, or beyond the last packet's body */
	RTCP_E_REPORT_LEN = -15,   /**< the SR/RR is too short for its sender info and blocks */
	RTP_PKT_E_MIN = -16
};

/** An RTP packet's header, as rtp_hdr_parse found it. */
struct rtp_hdr_view {
	uint8_t pt;           /**< payload type (7 bits) */
	bool marker;          /**< M bit */
	uint8_t cc;           /**< CSRC count; the CSRCs are at offset 12 */
	bool ext;             /**< X bit: a header extension follows the CSRCs */
	uint16_t seq;         /**< sequence number */
	uint16_t ext_profile; /**< the extension's first 16 bits (0 without one) */
	uint32_t ts;          /**< timestamp */
	uint32_t ssrc;        /**< synchronisation source */
	uint32_t ext_len;     /**< bytes of extension data after its 4-byte header (0: none) */
	uint32_t hdr_len;     /**< fixed header, CSRCs and extension: the payload's offset */
	uint32_t payload_len; /**< payload bytes, padding excluded */
	uint32_t pad_len;     /**< padding bytes at the end, its count included (0: none) */
};

/** A report block (RFC 3550 6.4.1). */
struct rtcp_rb {
	uint32_t ssrc;         /**< the source it reports on */
	uint8_t fraction_lost; /**< lost since the previous report, in 1/256 */
	int32_t cum_lost;      /**< cumulative lost, 24-bit signed */
	uint32_t ext_max_seq;  /**< extended highest sequence number received */
	uint32_t jitter;       /**< interarrival jitter, timestamp units */
	uint32_t lsr;  /**< middle 32 bits of the NTP time of the last SR received, 0: none */
	uint32_t dlsr; /**< delay since that SR, 1/65536 s */
};

/** What a receiver takes from a compound RTCP packet (rtcp_parse). */
struct rtcp_view {
	uint8_t pt;           /**< RTCP_PT_SR or RTCP_PT_RR: the first packet */
	uint8_t rc;           /**< report blocks in it */
	uint8_t nb_pkts;      /**< packets in the compound (at most 255 counted) */
	bool bye;             /**< one of them is a BYE */
	uint32_t ssrc;        /**< the sender's SSRC */
	uint32_t rb_off;      /**< offset of the first report block (rtcp_rb_read; rc of them) */
	uint64_t ntp;         /**< SR: the NTP timestamp (0 for an RR) */
	uint32_t ntp_mid;     /**< SR: its middle 32 bits, what our next LSR says */
	uint32_t rtp_ts;      /**< SR: the RTP timestamp of the same instant */
	uint32_t pkt_count;   /**< SR: packets sent */
	uint32_t octet_count; /**< SR: payload octets sent */
	struct rtcp_rb rb;    /**< the first report block when rc > 0 */
};

/** Stable name of a packet error ("rtp_short", "rtcp_trunc", "ok"; "unknown" for others). */
const char *rtp_pkt_strerror(int err);
/** Parse the RTP header of @a len bytes at @a p into @a v. @return 0 or an RTP_E_* error. */
int rtp_hdr_parse(const uint8_t *p, uint32_t len, struct rtp_hdr_view *v);
/** RFC 5761 section 4 demultiplexing on an rtcp-mux port: true when the second byte is 192..223
 *  (RTCP packet types 192-223; RTP payload types 64-95 with the marker bit look the same). */
bool rtp_is_rtcp(const uint8_t *p, uint32_t len);
/** Validate a compound RTCP packet (RFC 3550 6.1, A.2: version 2 throughout, lengths adding up
 *  to @a len, the first an SR or RR, padding only in the last) and fill @a v.
 *  @return 0 or an RTCP_E_* error. */
int rtcp_parse(const uint8_t *p, uint32_t len, struct rtcp_view *v);
/** Read the 24-byte report block at @a p (p + rb_off + 24 * i of a parsed packet). */
void rtcp_rb_read(const uint8_t *p, struct rtcp_rb *rb);

/* ---- stream statistics (stats.c) ----
 *
 * What a receiver keeps per RTP source (RFC 3550 A.1, A.3, A.8): rtp_rx_update on every packet
 * of the source, the getters when writing a report. A new SSRC is a new source: rtp_rx_init.
 * The source is valid after MIN_SEQUENTIAL (2) packets in sequence; a jump of MAX_DROPOUT
 * (3000) or more is believed, and the stream restarted, when the next packet follows it.
 * Packets up to MAX_MISORDER (100) behind the highest are late: a duplicate when a 64-packet
 * window says it was seen, else reordered. As in RFC 3550, duplicates count as received, so the
 * cumulative loss may go negative.
 */

/** Receive statistics of one source. Fields are read-only outside stats.c. */
struct rtp_rx_stats {
	uint64_t seen;           /**< bit i: sequence max_seq - i was received */
	uint32_t cycles;         /**< sequence wraps, times 65536 */
	uint32_t base_seq;       /**< first sequence number of the (re)started stream */
	uint32_t bad_seq;        /**< the sequence number that would confirm a jump */
	uint32_t received;       /**< packets counted since the stream (re)started */
	uint32_t expected_prior; /**< expected at the last rtp_rx_fraction_lost */
	uint32_t received_prior; /**< received at the last rtp_rx_fraction_lost */
	uint32_t transit;        /**< arrival - timestamp of the previous packet */
	uint32_t jitter16;       /**< interarrival jitter in timestamp units, times 16 */
	uint32_t duplicates;     /**< packets seen twice (since rtp_rx_init) */
	uint32_t reordered;      /**< packets that came late but first (since rtp_rx_init) */
	uint32_t rejected;       /**< packets not counted: probation, unconfirmed jumps */
	uint16_t max_seq;        /**< highest sequence number */
	uint8_t probation;       /**< packets in sequence still needed for a valid source */
	uint8_t flags;
};
_Static_assert(sizeof(struct rtp_rx_stats) == 56, "rtp_rx_stats is 56 bytes");

#define RTP_RX_LOST_MAX 0x7fffff /* cumulative lost clamps to 24 bits signed */
#define RTP_RX_LOST_MIN -0x800000

/** Start a new source. */
void rtp_rx_init(struct rtp_rx_stats *s);
/** Account a packet: @a seq, its timestamp @a ts and its @a arrival time in timestamp units
 *  (the caller converts). @return true when counted, false during probation or a jump. */
bool rtp_rx_update(struct rtp_rx_stats *s, uint16_t seq, uint32_t ts, uint32_t arrival);
/** True once the source has passed probation. */
bool rtp_rx_valid(const struct rtp_rx_stats *s);
/** Extended highest sequence number received (cycles + max_seq). */
uint32_t rtp_rx_ext_max_seq(const struct rtp_rx_stats *s);
/** Packets expected since the stream (re)started (0 before it is valid). */
uint32_t rtp_rx_expected(const struct rtp_rx_stats *s);
/** Cumulative packets lost, expected - received, clamped to 24 bits signed (RFC 3550 6.4.1). */
int32_t rtp_rx_cum_lost(const struct rtp_rx_stats *s);
/** Fraction lost since the previous call, in 1/256 (0 when none or more came), and start the
 *  next interval: call it once per report. */
uint8_t rtp_rx_fraction_lost(struct rtp_rx_stats *s);
/** Interarrival jitter in timestamp units. */
uint32_t rtp_rx_jitter(const struct rtp_rx_stats *s);
/** Fill a report block's fraction (starting the next interval), cumulative lost, extended highest
 *  sequence and jitter; its ssrc, lsr and dlsr are the caller's. */
void rtp_rx_fill_rb(struct rtp_rx_stats *s, struct rtcp_rb *rb);

/* ---- RTCP reports (rtcp.c) ----
 *
 * The compound packet a media stream sends every rtcp_interval_ms: an SR (RFC 3550 6.4.1), or an
 * RR (6.4.2) when we have sent nothing, with at most one report block, then an SDES with our
 * CNAME (6.5; 6.1: every compound has both). The interval is the 5 s minimum, randomised
 * (6.3.1): with two parties and RTCP at a few hundred bytes, the bandwidth share never raises it
 * above the minimum. Nothing is timer-reconsidered (6.3.6), so no e - 3/2 compensation.
 */

#define RTCP_SDES_CNAME  1
#define RTCP_INTERVAL_MS 5000
#define RTCP_REPORT_MAX  320 /* longest rtcp_write_report: SR, a block, a 255-byte CNAME */

/** What one report says. */
struct rtcp_report {
	uint32_t ssrc;        /**< ours */
	uint64_t ntp;         /**< SR: wallclock now, NTP format (32.32 seconds since 1900) */
	uint32_t rtp_ts;      /**< SR: the RTP timestamp of that instant */
	uint32_t pkt_count;   /**< packets sent; 0 writes an RR */
	uint32_t octet_count; /**< payload octets sent */
	bool has_rb;          /**< a report block about rb.ssrc follows */
	struct rtcp_rb rb;    /**< its cum_lost is clamped to 24 bits */
	struct dpv_str cname; /**< 1..255 bytes */
};

/** Write @a r as a compound packet into @a buf. @return its length (a multiple of 4), or -1
 *  when it does not fit @a cap (nothing is written beyond it) or the CNAME is empty or too long. */
int rtcp_write_report(uint8_t *buf, uint32_t cap, const struct rtcp_report *r);
/** Milliseconds to the next report: 5000 times a factor in [0.5, 1.5) from @a random, uniform
 *  when it is (2500 .. 7499). */
uint32_t rtcp_interval_ms(uint32_t random);

#endif /* DPV_RTP_H */
