/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [security] (security.c): per-source flood control on the lcores that read the ports, and the
 * scanner filter on the signaling lcores.
 *
 * Flood control: a token bucket per source IPv4 address, kept in the GCRA form (one
 * "theoretical arrival time" per source: a request at t is within the limit when
 * max(tat, t) + interval - t <= burst * interval), in a fixed-size open-addressing table per
 * worker. A source over its limit is blocked for flood-block-s: everything it sends that the
 * bucket counts is dropped until then. The bucket counts every SIP request but ACK (ACK has no
 * transaction and no answer); requests inside a dialog count too, so a forged To tag cannot buy
 * a way around the limit. Responses are never counted.
 *
 * The table: 2^k slots, a source hashes (salted multiplicative hash) to a window of
 * DPV_FLOOD_WINDOW consecutive slots. Slots are filled, never emptied; a new source takes the
 * first empty slot of its window, else evicts the entry of the window that is least worth
 * keeping: not blocked, with the oldest tat (its bucket is fullest: forgetting it forgives
 * nothing). When every entry of the window is blocked, the new source is not tracked (its
 * packet passes, counted untracked): blocks are never cut short by newcomers.
 *
 * Scanner filter: every `scanner` pattern in one hyperscan database, caseless, unanchored
 * (a pattern matches anywhere in the value), scanned over User-Agent and the From display name
 * and URI of each new request (no To tag, not ACK). A match is dropped without an answer.
 */
#ifndef DPV_SECURITY_INT_H
#define DPV_SECURITY_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dpv.h"
#include "engine.h"

#define DPV_SEC_MAX_SCANNERS 128 /* scanner = PATTERN lines */
#define DPV_SEC_MAX_PATTERN  256 /* longest scanner pattern */

/* ---- [security] ---- */

struct dpv_security_conf {
	uint32_t flood_rate;    /* requests/s per source; 0: flood control off */
	uint32_t flood_burst;   /* requests a source may send back to back */
	uint32_t flood_block_s; /* block time once over the limit */
	uint32_t flood_table;   /* sources tracked per worker, power of two */
	unsigned nb_allow;
	struct dpv_cidr allow[DPV_SEC_MAX_ALLOW];
	unsigned nb_scanners;
	char *scanners[DPV_SEC_MAX_SCANNERS]; /* heap copies; dpv_security_conf_free */
	unsigned scanner_line[DPV_SEC_MAX_SCANNERS];
	struct dpv_scanner *scanner; /* compiled by the section's check; NULL: none */
};

struct dpv_cfg_section;
/** Defaults: flood control off, no allowlist, no scanner pattern. */
void dpv_security_conf_defaults(struct dpv_security_conf *sc);
/** The [security] section; its check compiles the scanner patterns (bad ones on their line). */
struct dpv_cfg_section dpv_security_conf_section(struct dpv_security_conf *sc);
/** Free the patterns and the compiled scanner. */
void dpv_security_conf_free(struct dpv_security_conf *sc);

/* ---- scanner filter ---- */

struct dpv_scanner;
struct dpv_scanner_scratch;
struct sip_msg;

/** Compile @a n patterns. NULL with @a err set; *@a bad is the failing pattern, or -1. */
struct dpv_scanner *dpv_scanner_create(const char *const *patterns, unsigned n, char *err,
                                       size_t errlen, int *bad);
void dpv_scanner_destroy(struct dpv_scanner *s);
/** Per-lcore scratch (never shared between threads). NULL: out of memory. */
struct dpv_scanner_scratch *dpv_scanner_scratch_alloc(const struct dpv_scanner *s);
void dpv_scanner_scratch_free(struct dpv_scanner_scratch *x);
/** True when @a len bytes at @a p match a pattern. */
bool dpv_scanner_match(const struct dpv_scanner *s, struct dpv_scanner_scratch *x, const char *p,
                       uint32_t len);
/** True when the request @a m is a new one (not ACK, no To tag) whose User-Agent or From
 *  (display name, URI) matches a pattern. */
bool dpv_scanner_request(const struct dpv_scanner *s, struct dpv_scanner_scratch *x,
                         const struct sip_msg *m);

#endif /* DPV_SECURITY_INT_H */
