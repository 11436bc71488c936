/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rtpengine NG control protocol (engine/ng*.c): what SIP proxies (Kamailio's and OpenSIPS's
 * rtpengine modules) send to set up media relays, served by the main lcore on a kernel UDP
 * socket. The pieces that have no engine state (request decoding, the cookie cache, the SDP
 * rewrite) are here for their unit tests; ng.c holds the calls and the socket.
 */
#ifndef DPV_NG_INT_H
#define DPV_NG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dpv.h"
#include "rtp.h"

struct dpv_config;

/* ---- startup-file section [ng] ---- */

struct dpv_ng_conf {
	bool enabled;              /* listen is set */
	uint32_t ip;               /* host order */
	uint16_t port;             /* of listen */
	uint32_t timeout_s;        /* a call whose media stopped this long is deleted (0: never) */
	uint32_t silent_timeout_s; /* the same for a call on hold (sendonly/inactive/0.0.0.0) */
	uint32_t delete_delay_s;   /* a deleted call lingers this long (stats, late packets) */
	uint32_t max_sessions;     /* calls at once, 0: as many as the ports allow */
	uint32_t ports;            /* RTP ports the NG calls take from [rtp] (0: an equal share) */
};

void dpv_ng_conf_defaults(struct dpv_ng_conf *nc);
struct dpv_cfg_section dpv_ng_conf_section(struct dpv_ng_conf *nc);

/* ---- requests (ng_req.c) ---- */

enum ng_cmd {
	NG_CMD_UNKNOWN = 0,
	NG_CMD_PING,
	NG_CMD_OFFER,
	NG_CMD_ANSWER,
	NG_CMD_DELETE,
	NG_CMD_QUERY,
	NG_CMD_LIST,
	NG_CMD_STATISTICS,
	NG_CMD_MAX
};

/* The flags this engine acts on (struct ng_req.flags). */
#define NG_F_TRUST_ADDRESS     (1u << 0)  /* the SDP's c= is where media goes (the default) */
#define NG_F_SIP_SOURCE        (1u << 1)  /* no: the SIP message's source (received-from) */
#define NG_F_STRICT_SOURCE     (1u << 2)  /* only the latched source, ever (always true here) */
#define NG_F_PORT_LATCHING     (1u << 3)  /* lock on the first port the signaled IP sends from */
#define NG_F_ASYMMETRIC        (1u << 4)  /* learn where it sends from, send to the SDP's port */
#define NG_F_SYMMETRIC         (1u << 5)  /* the default: send to where it sends from */
#define NG_F_FATAL             (1u << 6)  /* delete: an unknown call is an error, not a warning */
#define NG_F_FAST              (1u << 7)  /* delete: no statistics in the reply */
#define NG_F_TO_TAG            (1u << 8)  /* delete: honour the to-tag */
#define NG_F_REPLACE_ORIGIN    (1u << 9)  /* o=: the engine's address */
#define NG_F_REPLACE_SESS_CONN (1u << 10) /* session-level c=: the engine's (always done) */
#define NG_F_LOAD_LIMIT        (1u << 11) /* supports: the proxy understands "load limit" */
#define NG_F_ICE_REMOVE        (1u << 12) /* strip ICE attributes (always done) */

#define NG_MAX_UNKNOWN 8 /* unknown flags remembered per request, for the log */

struct ng_req {
	enum ng_cmd cmd;
	struct dpv_str command; /* as sent */
	struct dpv_str call_id, from_tag, to_tag, via_branch, sdp, label;
	struct dpv_str transport; /* transport-protocol, or a RTP/AVP-style flag */
	struct dpv_str direction[2];
	unsigned nb_direction;
	uint32_t received_from; /* host order, 0: none given */
	bool has_delete_delay;
	int64_t delete_delay;
	int64_t limit; /* list; -1: not given */
	unsigned flags;
	unsigned nb_unknown;
	struct dpv_str unknown[NG_MAX_UNKNOWN];
};

/** Nodes a request may have (a bigger one is refused: "too many elements"). */
#define NG_MAX_NODES 512

/**
 * Decode the bencoded dictionary @a buf (the datagram after its cookie) into @a r, with
 * @a nodes (NG_MAX_NODES) as the parser's work space. 0, or -1 with the error-reason reply's
 * text in @a why. Keys are matched with '-', ' ' and '_' folded ("call-id", "call id"), flags
 * case-insensitively with the same folding; a flag it does not know is kept in r->unknown.
 */
int ng_req_parse(const char *buf, uint32_t len, struct dpv_benc_node *nodes, struct ng_req *r,
                 char *why, size_t whylen);

/** Command name of @a c ("offer"), "?" for NG_CMD_UNKNOWN. */
const char *ng_cmd_name(enum ng_cmd c);

/* ---- retransmissions (ng_cookie.c) ---- */

enum ng_cookie_state {
	NG_COOKIE_NEW,       /* first seen: run it, then ng_cookie_done() */
	NG_COOKIE_IN_FLIGHT, /* the first copy is still being run: drop this one */
	NG_COOKIE_DONE,      /* answered before: send the cached reply again */
};

struct ng_cookie_cache;

/** A cache of at most @a max replies, each kept @a ttl_ms after it was made. */
struct ng_cookie_cache *ng_cookie_create(uint32_t max, uint64_t ttl_ms);
void ng_cookie_destroy(struct ng_cookie_cache *c);
/**
 * Look up the request @a key (its cookie and the address it came from) at @a now_ms. NEW
 * enters it as in flight; DONE sets @a reply / @a len to the reply that was sent.
 */
enum ng_cookie_state ng_cookie_begin(struct ng_cookie_cache *c, struct dpv_str key, uint64_t now_ms,
                                     const char **reply, uint32_t *len);
/** The reply to the in-flight request @a key; kept for the TTL (copied). */
void ng_cookie_done(struct ng_cookie_cache *c, struct dpv_str key, const char *reply, uint32_t len,
                    uint64_t now_ms);
/** Forget what is older than the TTL at @a now_ms. @return how many. */
unsigned ng_cookie_expire(struct ng_cookie_cache *c, uint64_t now_ms);
uint32_t ng_cookie_count(const struct ng_cookie_cache *c);

/* ---- SDP rewrite (ng_sdp.c) ---- */

struct ng_sdp_rewrite {
	uint32_t ip;         /* the engine's address for c=, a=rtcp and (replace_origin) o= */
	bool replace_origin; /* o= gets the engine's address */
	uint8_t nb_ports;    /* m= lines described in ports[] */
	uint16_t ports[RTP_SDP_MAX_MEDIA]; /* per m= line: the engine's port; 0: left as it is */
};

/**
 * Rewrite the SDP @a in (already accepted by rtp_sdp_parse) for the other side of a relay: every
 * IPv4 c= (session and media, but 0.0.0.0, which means hold) names the engine, each m= line's
 * port is its ports[] entry, a=rtcp follows (port + 1, or the port itself when it named the
 * RTP port: rtcp-mux), ICE candidates and credentials are removed (the relay does no ICE, and
 * a candidate would route media around it). Line endings are kept. @return the length written,
 * or -1 when @a cap is too small.
 */
int ng_sdp_rewrite(const char *in, uint32_t len, const struct ng_sdp_rewrite *rw, char *out,
                   uint32_t cap);

/* ---- the protocol on the main lcore (ng.c) ---- */

struct dpv_config;
struct dpv_engine;
struct json_t;

/** Open the [ng] socket and its state (after dpv_sig_init: it takes its share of the ports). */
int dpv_ng_init(struct dpv_engine *e, FILE *err);
void dpv_ng_fini(struct dpv_engine *e);
/** Serve what the socket holds, expire what is due. Main lcore. */
void dpv_ng_poll(struct dpv_engine *e);
/** The socket, for the main lcore's poll (-1: none). */
int dpv_ng_fd(void);
/** The `ng` object of `stats`; NG calls as `sessions` entries (append to @a arr). */
struct json_t *dpv_ng_stats_json(const struct dpv_engine *e);
void dpv_ng_sessions_json(const struct dpv_engine *e, struct json_t *arr);
/** The ports [ng] takes from [rtp] with @a nb_sig signaling lcores (0: [ng] is off). */
unsigned dpv_ng_port_share(const struct dpv_config *c, unsigned nb_sig);

#endif /* DPV_NG_INT_H */
