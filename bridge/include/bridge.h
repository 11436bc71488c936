/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file bridge.h  bridge layer: N-way bridges (full mesh, no mixing) and their membership.
 *
 * A bridge is a name and an immutable array of members (session id and local RTP port),
 * replaced by copy-and-swap under RCU on every join or leave, so media lcores read it without
 * locks. Each bridge has one writer, the signaling lcore bridge_owner() names for it; sessions
 * on other lcores join and leave by message to that lcore, never by a shared lock. Bridges
 * live in a fixed table of slots: a slot id is what a media flow records, and a slot is reused
 * only after a grace period, so no reader sees a recycled bridge.
 *
 * Threads: bridge_table_* on the main lcore at start and stop; bridge_writer_* and the
 * functions marked "owner" on the bridge's owner lcore only; the rest from any thread that is
 * an RCU (QSBR) reader, inside its read-side section.
 */
#ifndef DPV_BRIDGE_H
#define DPV_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "dpv.h"

/** Members one bridge holds at most. */
#define BRIDGE_MAX_MEMBERS 64
/** Bridge ids are slots 0..max-1; this one means "none". */
#define BRIDGE_NONE UINT32_MAX

/** One member: a session and the local RTP port its media uses. */
struct bridge_member {
	uint64_t session_id;
	uint16_t port;
};

/** A bridge's members, immutable once published. */
struct bridge_members {
	uint32_t n;
	struct dpv_defer_node limbo; /* retired by the owner after a swap */
	struct bridge_member m[BRIDGE_MAX_MEMBERS];
};

/** A bridge slot. The name and flags are written by the owner before it is published. */
struct bridge {
	char name[DPV_BRIDGE_NAME_MAX + 1];
	uint32_t id;
	uint32_t gen;        /**< one more each time the slot holds a new bridge */
	uint16_t owner;      /**< signaling lcore index */
	bool persistent;     /**< made by the control socket: lives until destroyed there */
	bool live;           /**< published (readers check it after the lookup) */
	uint64_t created_ms; /**< on the owner's clock */
	struct bridge_members *members; /**< RCU: rcu_dereference() it (bridge_members()) */
	struct cds_lfht_node node;      /**< in the name index */
	struct dpv_defer_node limbo;
};

struct bridge_table;
struct bridge_writer;

/** Table configuration. */
struct bridge_table_cfg {
	uint32_t max_bridges; /**< slots, split evenly between the owners */
	uint32_t nb_owners;   /**< signaling lcores */
};

/** A table of @a cfg->max_bridges slots; NULL on bad config or no memory. */
struct bridge_table *bridge_table_create(const struct bridge_table_cfg *cfg);
/** Free it; every writer must be destroyed first. */
void bridge_table_destroy(struct bridge_table *t);

/** The signaling lcore (0..nb-1) that owns bridge @a name (any thread). */
static inline uint32_t
bridge_owner(const char *name, uint32_t nb)
{
	return nb <= 1 ? 0 : dpv_hash32(name, strlen(name)) % nb;
}

/** The writer state of owner @a index (its lcore), with the member arrays it may swap in. */
struct bridge_writer *bridge_writer_create(struct bridge_table *t, uint32_t index);
/** Destroy every bridge the writer owns, wait for readers, free it. */
void bridge_writer_destroy(struct bridge_writer *w);

/**
 * Owner: a new bridge @a name (dpv_bridge_name_valid), empty. @return 0 with *out, -EINVAL
 * bad name, -EEXIST it exists (*out is that one), -ENOSPC no free slot, -EXDEV not this
 * writer's name (bridge_owner).
 */
int bridge_create(struct bridge_writer *w, const char *name, bool persistent, uint64_t now_ms,
                  struct bridge **out);
/** Owner: unpublish @a b (its members are dropped with it); the slot is reused after a grace
 *  period. */
void bridge_destroy(struct bridge_writer *w, struct bridge *b);
/** Owner: add @a m. @return the member count, -EEXIST (that session is a member), -ENOSPC
 *  (full) or -ENOMEM (no member array free until a grace period ends). */
int bridge_member_add(struct bridge_writer *w, struct bridge *b, const struct bridge_member *m);
/** Owner: remove session @a session_id. @return the member count left, or -ENOENT. */
int bridge_member_remove(struct bridge_writer *w, struct bridge *b, uint64_t session_id);
/** Owner: give back what a grace period has released; returns how many. */
unsigned bridge_writer_reclaim(struct bridge_writer *w);
/** Owner: the writer's bridge @a name, or NULL. */
struct bridge *bridge_writer_find(struct bridge_writer *w, const char *name);

/** Reader: bridge @a name, or NULL. */
const struct bridge *bridge_find(struct bridge_table *t, const char *name);
/** Reader: the bridge in slot @a id of generation @a gen, or NULL when the slot holds none, or
 *  another one (a flow that still names a destroyed bridge never reaches its successor). */
const struct bridge *bridge_get(const struct bridge_table *t, uint32_t id, uint32_t gen);
/** Reader: the members of @a b (never NULL for a live bridge). */
static inline const struct bridge_members *
bridge_members(const struct bridge *b)
{
	return rcu_dereference(b->members);
}
/** Reader: call @a cb for every live bridge; @return how many. */
unsigned bridge_foreach(struct bridge_table *t, void (*cb)(const struct bridge *, void *),
                        void *arg);
/** Bridges live now (any thread, racy). */
uint32_t bridge_table_count(const struct bridge_table *t);
/** Slots in the table. */
uint32_t bridge_table_size(const struct bridge_table *t);

/* ---- startup-file section [bridge] (config.c) ---- */

/** [bridge]. */
struct bridge_conf {
	uint32_t max_bridges; /**< slots in the table, split between the signaling lcores */
};

/** The defaults of every [bridge] key. */
void bridge_conf_defaults(struct bridge_conf *bc);
/** The [bridge] section, its keys writing into @a bc. */
struct dpv_cfg_section bridge_conf_section(struct bridge_conf *bc);

#endif /* DPV_BRIDGE_H */
