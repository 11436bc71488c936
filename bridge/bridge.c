/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bridges: a fixed table of slots, a name index (a fixed-size cds_lfht, QSBR), and per owner
 * lcore a writer that hands out its own slots and member arrays. Slots are split between the
 * owners (slot = owner + k * nb_owners), so no two writers ever touch the same one. A join or
 * a leave publishes a new member array with rcu_assign_pointer and retires the old one; a
 * destroyed bridge leaves the index at once and its slot is reused after a grace period.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

struct bridge_table {
	uint32_t size, nb_owners, per_owner;
	uint32_t live; /* written by the owners, read racily */
	struct cds_lfht *ht;
	struct bridge *slots;
};

struct bridge_writer {
	struct bridge_table *t;
	uint32_t index;
	uint32_t *free_k; /* stack of free k (slot = index + k * nb_owners) */
	uint32_t nb_free;
	struct dpv_pool *arrays; /* struct bridge_members */
	struct dpv_defer limbo;  /* retired arrays and bridges */
};

static uint32_t
name_hash(const char *name)
{
	return dpv_hash32(name, strlen(name));
}

static int
name_match(struct cds_lfht_node *node, const void *key)
{
	const struct bridge *b = caa_container_of(node, struct bridge, node);

	return strcmp(b->name, key) == 0;
}

struct bridge_table *
bridge_table_create(const struct bridge_table_cfg *cfg)
{
	struct bridge_table *t;
	unsigned long buckets = 1;

	if (cfg == NULL || cfg->nb_owners == 0 || cfg->max_bridges < cfg->nb_owners)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->nb_owners = cfg->nb_owners;
	t->per_owner = cfg->max_bridges / cfg->nb_owners;
	t->size = t->per_owner * cfg->nb_owners;
	t->slots = calloc(t->size, sizeof(*t->slots));
	while (buckets < t->size)
		buckets <<= 1;
	/* fixed size: resizing would allocate and run on the call_rcu thread */
	t->ht = cds_lfht_new(buckets, buckets, buckets, 0, NULL);
	if (t->slots == NULL || t->ht == NULL) {
		bridge_table_destroy(t);
		return NULL;
	}
	for (uint32_t i = 0; i < t->size; i++) {
		t->slots[i].id = i;
		t->slots[i].owner = (uint16_t)(i % t->nb_owners);
		cds_lfht_node_init(&t->slots[i].node);
	}
	return t;
}

void
bridge_table_destroy(struct bridge_table *t)
{
	if (t == NULL)
		return;
	if (t->ht != NULL)
		cds_lfht_destroy(t->ht, NULL);
	free(t->slots);
	free(t);
}

struct bridge_writer *
bridge_writer_create(struct bridge_table *t, uint32_t index)
{
	struct bridge_writer *w;
	char name[32];

	if (t == NULL || index >= t->nb_owners)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->t = t;
	w->index = index;
	dpv_defer_init(&w->limbo);
	w->free_k = calloc(t->per_owner, sizeof(*w->free_k));
	snprintf(name, sizeof(name), "bridge%u_members", index);
	/* every bridge holds one array, and a swap needs a second while readers finish */
	w->arrays = dpv_pool_create(name, 2 * t->per_owner + 16, sizeof(struct bridge_members));
	if (w->free_k == NULL || w->arrays == NULL) {
		free(w->free_k);
		dpv_pool_free(w->arrays);
		free(w);
		return NULL;
	}
	for (uint32_t k = 0; k < t->per_owner; k++)
		w->free_k[w->nb_free++] = t->per_owner - 1 - k; /* lowest slot first */
	return w;
}

/* What a grace period frees: a member array (back to the pool) or a bridge (its slot). */
static void
release(struct dpv_defer_node *n, void *arg)
{
	struct bridge_writer *w = arg;
	struct bridge_table *t = w->t;
	uintptr_t p = (uintptr_t)n;

	if (p >= (uintptr_t)t->slots && p < (uintptr_t)(t->slots + t->size)) {
		struct bridge *b = caa_container_of(n, struct bridge, limbo);

		w->free_k[w->nb_free++] = b->id / t->nb_owners;
		return;
	}
	dpv_pool_put(w->arrays, caa_container_of(n, struct bridge_members, limbo));
}

unsigned
bridge_writer_reclaim(struct bridge_writer *w)
{
	return dpv_defer_reclaim(&w->limbo, release, w);
}

void
bridge_writer_destroy(struct bridge_writer *w)
{
	struct bridge_table *t;

	if (w == NULL)
		return;
	t = w->t;
	for (uint32_t k = 0; k < t->per_owner; k++) {
		struct bridge *b = &t->slots[w->index + k * t->nb_owners];

		if (b->live)
			bridge_destroy(w, b);
	}
	dpv_defer_drain(&w->limbo, release, w);
	free(w->free_k);
	dpv_pool_free(w->arrays);
	free(w);
}

struct bridge *
bridge_writer_find(struct bridge_writer *w, const char *name)
{
	const struct bridge *b;

	rcu_read_lock();
	b = bridge_find(w->t, name);
	rcu_read_unlock();
	/* only this lcore unpublishes its bridges: the pointer stays valid here */
	return b != NULL && b->owner == w->index ? (struct bridge *)b : NULL;
}

int
bridge_create(struct bridge_writer *w, const char *name, bool persistent, uint64_t now_ms,
              struct bridge **out)
{
	struct bridge_table *t = w->t;
	struct bridge_members *ms;
	struct cds_lfht_node *got;
	struct bridge *b;
	size_t len = name != NULL ? strlen(name) : 0;

	if (!dpv_bridge_name_valid(name, len))
		return -EINVAL;
	if (bridge_owner(name, t->nb_owners) != w->index)
		return -EXDEV;
	b = bridge_writer_find(w, name);
	if (b != NULL) {
		*out = b;
		return -EEXIST;
	}
	if (w->nb_free == 0)
		return -ENOSPC;
	ms = dpv_pool_get(w->arrays);
	if (ms == NULL)
		return -ENOMEM;
	ms->n = 0;
	b = &t->slots[w->index + w->free_k[w->nb_free - 1] * t->nb_owners];
	memcpy(b->name, name, len + 1);
	b->gen++;
	b->persistent = persistent;
	b->created_ms = now_ms;
	b->members = ms;
	cds_lfht_node_init(&b->node);
	rcu_read_lock();
	got = cds_lfht_add_unique(t->ht, name_hash(name), name_match, b->name, &b->node);
	rcu_read_unlock();
	if (got != &b->node) { /* cannot happen: only this lcore adds this name */
		dpv_pool_put(w->arrays, ms);
		return -EEXIST;
	}
	w->nb_free--;
	__atomic_store_n(&b->live, true, __ATOMIC_RELEASE);
	__atomic_fetch_add(&t->live, 1, __ATOMIC_RELAXED);
	*out = b;
	return 0;
}

void
bridge_destroy(struct bridge_writer *w, struct bridge *b)
{
	struct bridge_table *t = w->t;

	if (!b->live || b->owner != w->index)
		return;
	__atomic_store_n(&b->live, false, __ATOMIC_RELEASE);
	rcu_read_lock();
	cds_lfht_del(t->ht, &b->node);
	rcu_read_unlock();
	__atomic_fetch_sub(&t->live, 1, __ATOMIC_RELAXED);
	/* a reader that found it may still walk its members: both go after a grace period */
	dpv_defer_add(&w->limbo, &b->members->limbo);
	dpv_defer_add(&w->limbo, &b->limbo);
}

/* Publish @a next as @a b's members and retire the array it replaces. */
static void
swap_members(struct bridge_writer *w, struct bridge *b, struct bridge_members *next)
{
	struct bridge_members *old = b->members;

	rcu_assign_pointer(b->members, next);
	dpv_defer_add(&w->limbo, &old->limbo);
}

int
bridge_member_add(struct bridge_writer *w, struct bridge *b, const struct bridge_member *m)
{
	const struct bridge_members *cur = b->members;
	struct bridge_members *next;

	for (uint32_t i = 0; i < cur->n; i++)
		if (cur->m[i].session_id == m->session_id)
			return -EEXIST;
	if (cur->n == BRIDGE_MAX_MEMBERS)
		return -ENOSPC;
	next = dpv_pool_get(w->arrays);
	if (next == NULL)
		return -ENOMEM;
	memcpy(next->m, cur->m, cur->n * sizeof(cur->m[0]));
	next->m[cur->n] = *m;
	next->n = cur->n + 1;
	swap_members(w, b, next);
	return (int)next->n;
}

int
bridge_member_remove(struct bridge_writer *w, struct bridge *b, uint64_t session_id)
{
	const struct bridge_members *cur = b->members;
	struct bridge_members *next;
	uint32_t i, k = 0;

	for (i = 0; i < cur->n && cur->m[i].session_id != session_id; i++)
		;
	if (i == cur->n)
		return -ENOENT;
	next = dpv_pool_get(w->arrays);
	if (next == NULL)
		return -ENOMEM;
	for (uint32_t j = 0; j < cur->n; j++)
		if (j != i)
			next->m[k++] = cur->m[j];
	next->n = k;
	swap_members(w, b, next);
	return (int)k;
}

const struct bridge *
bridge_find(struct bridge_table *t, const char *name)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	if (name == NULL)
		return NULL;
	cds_lfht_lookup(t->ht, name_hash(name), name_match, name, &it);
	node = cds_lfht_iter_get_node(&it);
	return node != NULL ? caa_container_of(node, struct bridge, node) : NULL;
}

const struct bridge *
bridge_get(const struct bridge_table *t, uint32_t id, uint32_t gen)
{
	const struct bridge *b;

	if (id >= t->size)
		return NULL;
	b = &t->slots[id];
	return __atomic_load_n(&b->live, __ATOMIC_ACQUIRE) && b->gen == gen ? b : NULL;
}

unsigned
bridge_foreach(struct bridge_table *t, void (*cb)(const struct bridge *, void *), void *arg)
{
	struct cds_lfht_iter it;
	struct bridge *b;
	unsigned n = 0;

	DPV_LFHT_FOREACH(t->ht, &it, b, node)
	{
		if (cb != NULL)
			cb(b, arg);
		n++;
	}
	return n;
}

uint32_t
bridge_table_count(const struct bridge_table *t)
{
	return __atomic_load_n(&t->live, __ATOMIC_RELAXED);
}

uint32_t
bridge_table_size(const struct bridge_table *t)
{
	return t->size;
}
