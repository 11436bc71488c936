/* SPDX-License-Identifier: BSD-3-Clause */
/* The media plane on media lcores (media.c): RTP/RTCP relay, echo, tone, and its statistics. */
#ifndef DPV_MEDIA_INT_H
#define DPV_MEDIA_INT_H

#include "engine_int.h"

/* Why a packet for a media port was dropped, per local port (what `sessions` shows). */
#define DPV_MEDIA_DROPS(X)                                                                         \
	X(no_flow)        /* no call on the port (or the RTCP port of an rtcp-mux call) */         \
	X(malformed)      /* RTP that fails rtp_hdr_parse */                                       \
	X(rtcp_malformed) /* RTCP that fails rtcp_parse */                                         \
	X(bad_source)     /* not from the address and port the call latched */                     \
	X(not_receiving)  /* the peer's direction says it does not send (hold, inactive) */        \
	X(flood)          /* over the port's packet budget */                                      \
	X(not_joined)     /* a bridge call whose bridge is not (or no longer) there, or a call     \
	                     with no media action (out of its bridge) */                           \
	X(held)           /* echo to a peer that does not receive (hold) */

enum dpv_media_drop {
#define DPV_X(n) DPV_MD_##n,
	DPV_MEDIA_DROPS(DPV_X)
#undef DPV_X
	    DPV_MD_MAX
};

extern const char *const dpv_media_drop_names[DPV_MD_MAX];

/** Media totals of one local RTP port (its RTP and RTCP), summed over media lcores. */
struct dpv_media_port_stats {
	uint64_t rx_pkts, rx_bytes; /* accepted from the peer (RTP and RTCP) */
	uint64_t rx_rtcp;           /* of which RTCP */
	uint64_t rx_rtcp_bytes;     /* and their bytes */
	uint64_t tx_pkts, tx_bytes; /* sent to the peer (forwarded, echoed, tone, reports) */
	uint64_t tx_rtcp;           /* of which RTCP */
	uint64_t drops[DPV_MD_MAX]; /* packets to this port dropped, by cause */
	uint32_t latched_ip;        /* host order, 0: nothing accepted yet */
	uint16_t latched_port;      /* the source RTP came from */
	uint32_t ssrc;              /* the peer's RTP source (last seen) */
	uint32_t rx_expected;       /* RFC 3550 A.3, of that source (media lcore that saw most) */
	int32_t rx_lost;            /* cumulative lost */
	uint32_t jitter;            /* interarrival jitter, timestamp units (A.8) */
};

/** Totals of media lcore @a media_index over every port (any thread, racy). */
void dpv_media_lcore_totals(const struct dpv_engine *e, unsigned media_index,
                            struct dpv_media_port_stats *out);

/** The addresses (host order) of a forwarded datagram, as received or as sent. */
struct media_fwd_addr {
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
};

/**
 * Write the Ethernet/IPv4/UDP headers (42 bytes, no IP options) at @a frame for a datagram of
 * @a udp_len UDP bytes whose payload follows them unchanged, received as @a in with UDP
 * checksum @a in_cksum (as stored) and sent as @a out: the IP checksum is computed over the
 * header, the UDP one updated from @a in_cksum for the new addresses and ports (RFC 1624), so
 * the payload is never read.
 */
void media_fwd_headers(uint8_t *frame, const struct rte_ether_addr *src_mac,
                       const struct rte_ether_addr *dst_mac, const struct media_fwd_addr *in,
                       const struct media_fwd_addr *out, uint16_t udp_len, uint16_t in_cksum);

/** Allocate every media worker's state (after dpv_runtime_init and dpv_sig_init). 0 or -errno. */
int dpv_media_init(struct dpv_engine *e, FILE *err);
void dpv_media_fini(struct dpv_engine *e);

/**
 * Take the @a n RTP/RTCP datagrams of one rx burst (UDP to a port in the RTP range, classified:
 * dpv_mbuf_info() holds where things are). The mbufs are the callee's from then on.
 */
void media_rtp_input(struct dpv_worker *w, struct rte_mbuf **pkts, uint16_t n, uint64_t now);

/** The media lcore's timed work (tone packets, RTCP reports, new tone flows); returns work. */
unsigned media_tick(struct dpv_worker *w, uint64_t now);

/**
 * Totals of local port @a port (its even RTP port) for the flow generation published now, summed
 * over the media lcores (any thread; racy reads of counters, fine for display). -ENOENT when no
 * flow is published on it.
 */
int dpv_media_port_stats(const struct dpv_engine *e, uint16_t port,
                         struct dpv_media_port_stats *out);

#endif /* DPV_MEDIA_INT_H */
