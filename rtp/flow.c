/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media flows: a fixed array of slots, one per even port of the RTP range, each an RCU
 * pointer to an immutable struct rtp_flow. A port's owner (the signaling lcore whose pool
 * slice holds it) is its only writer; flows come from the writer's pool and go back after a
 * grace period (struct dpv_defer), so a media lcore never reads a flow that is being reused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "rtp.h"

struct rtp_flow_writer {
	struct rtp_flow_table *t;
	struct dpv_pool *pool;
	struct dpv_defer limbo;
	uint32_t live;
	uint32_t id; /* for ring names */
};

struct rtp_flow_table *
rtp_flow_table_create(uint16_t port_min, uint16_t port_max, uint32_t nb_media, uint32_t ring_size)
{
	static unsigned instance;
	struct rtp_flow_table *t;
	uint32_t first = port_min + (port_min & 1u);
	char name[RTE_RING_NAMESIZE];

	if (port_min == 0 || first + 1 > port_max || nb_media > RTP_MAX_MEDIA_LCORES)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->port_min = (uint16_t)first;
	t->nb_slots = (port_max - first + 1) / 2;
	t->nb_media = nb_media;
	t->slots = rte_zmalloc("rtp_flows", t->nb_slots * sizeof(*t->slots), RTE_CACHE_LINE_SIZE);
	if (t->slots == NULL)
		goto fail;
	instance++;
	for (uint32_t i = 0; i < nb_media; i++) {
		snprintf(name, sizeof(name), "dpv_tone%u_%u", instance, i);
		t->tone_ring[i] = rte_ring_create(name, ring_size, SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (t->tone_ring[i] == NULL)
			goto fail;
	}
	return t;
fail:
	rtp_flow_table_destroy(t);
	return NULL;
}

void
rtp_flow_table_destroy(struct rtp_flow_table *t)
{
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < t->nb_media; i++)
		rte_ring_free(t->tone_ring[i]);
	rte_free(t->slots);
	free(t);
}

struct rtp_flow_writer *
rtp_flow_writer_create(struct rtp_flow_table *t, uint32_t nb_flows)
{
	static unsigned writers;
	struct rtp_flow_writer *w;
	char name[32];

	if (t == NULL || nb_flows == 0)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->t = t;
	w->id = writers++;
	snprintf(name, sizeof(name), "rtp_flows%u", w->id);
	/* every port holds one flow, and a replacement needs a second while readers finish */
	w->pool = dpv_pool_create(name, 2 * nb_flows + 64, sizeof(struct rtp_flow));
	if (w->pool == NULL) {
		free(w);
		return NULL;
	}
	dpv_defer_init(&w->limbo);
	return w;
}

static void
release(struct dpv_defer_node *n, void *arg)
{
	struct rtp_flow_writer *w = arg;

	dpv_pool_put(w->pool, caa_container_of(n, struct rtp_flow, limbo));
}

unsigned
rtp_flow_writer_reclaim(struct rtp_flow_writer *w)
{
	return dpv_defer_reclaim(&w->limbo, release, w);
}

static void
retire(struct rtp_flow_writer *w, struct rtp_flow_slot *s, struct rtp_flow *next)
{
	struct rtp_flow *old = s->flow;

	rcu_assign_pointer(s->flow, next);
	if (old != NULL) {
		dpv_defer_add(&w->limbo, &old->limbo);
		w->live--;
	}
	if (next != NULL)
		w->live++;
}

int
rtp_flow_publish(struct rtp_flow_writer *w, const struct rtp_flow *f)
{
	struct rtp_flow_slot *s = rtp_flow_slot(w->t, f->local_port);
	struct rtp_flow *next;

	if (s == NULL || (f->local_port & 1u))
		return -ERANGE;
	next = dpv_pool_get(w->pool);
	if (next == NULL)
		return -ENOMEM;
	*next = *f;
	next->gen = ++s->gen;
	retire(w, s, next);
	if (next->action == DPV_CALL_TONE && w->t->nb_media > 0) {
		/* the tone starts as soon as its media lcore dequeues this; a full ring only
		 * delays it to that lcore's next scan of its slots (engine/media.c) */
		(void)rte_ring_mp_enqueue(w->t->tone_ring[next->media_lcore % w->t->nb_media],
		                          (void *)(uintptr_t)next->local_port);
	}
	return 0;
}

void
rtp_flow_remove(struct rtp_flow_writer *w, uint16_t port)
{
	struct rtp_flow_slot *s = rtp_flow_slot(w->t, port);

	if (s != NULL && s->flow != NULL)
		retire(w, s, NULL);
}

uint32_t
rtp_flow_writer_count(const struct rtp_flow_writer *w)
{
	return w->live;
}

void
rtp_flow_writer_destroy(struct rtp_flow_writer *w)
{
	if (w == NULL)
		return;
	for (uint32_t i = 0; i < w->t->nb_slots; i++) {
		struct rtp_flow_slot *s = &w->t->slots[i];
		struct rtp_flow *f = s->flow;

		/* only this writer's flows: they come from its pool */
		if (f != NULL && dpv_pool_index(w->pool, f) >= 0)
			retire(w, s, NULL);
	}
	dpv_defer_drain(&w->limbo, release, w);
	dpv_pool_free(w->pool);
	free(w);
}
