/* SPDX-License-Identifier: BSD-3-Clause */
/* Media port pool: a FIFO ring of free port slots plus an in-use flag per slot. */
#include <stdlib.h>

#include "rtp.h"

struct rtp_portpool {
	uint16_t base;   /* first RTP port (even) */
	uint32_t size;   /* number of slots; slot i is port base + 2 * i */
	uint32_t head;   /* next slot of the ring to hand out */
	uint32_t count;  /* free slots in the ring */
	uint16_t *ring;  /* size entries: free slot numbers, oldest first from head */
	uint8_t *in_use; /* size entries: 1 while allocated */
	uint64_t allocs, frees, exhausted, bad_free;
};

struct rtp_portpool *
rtp_portpool_create(uint16_t min, uint16_t max)
{
	struct rtp_portpool *pp;
	uint32_t first = min + (min & 1u);

	/* Port 0 is not a port; the last RTP port needs max >= port + 1 for RTCP. */
	if (min == 0 || first + 1 > max)
		return NULL;
	pp = calloc(1, sizeof(*pp));
	if (pp == NULL)
		return NULL;
	pp->base = (uint16_t)first;
	pp->size = (max - first + 1) / 2;
	pp->ring = calloc(pp->size, sizeof(*pp->ring));
	pp->in_use = calloc(pp->size, sizeof(*pp->in_use));
	if (pp->ring == NULL || pp->in_use == NULL) {
		rtp_portpool_destroy(pp);
		return NULL;
	}
	for (uint32_t i = 0; i < pp->size; i++)
		pp->ring[i] = (uint16_t)i;
	pp->count = pp->size;
	return pp;
}

void
rtp_portpool_destroy(struct rtp_portpool *pp)
{
	if (pp == NULL)
		return;
	free(pp->ring);
	free(pp->in_use);
	free(pp);
}

int
rtp_portpool_alloc(struct rtp_portpool *pp)
{
	uint16_t slot;

	if (pp->count == 0) {
		pp->exhausted++;
		return -1;
	}
	slot = pp->ring[pp->head];
	pp->head = pp->head + 1 == pp->size ? 0 : pp->head + 1;
	pp->count--;
	pp->in_use[slot] = 1;
	pp->allocs++;
	return pp->base + 2 * slot;
}

int
rtp_portpool_free(struct rtp_portpool *pp, uint16_t port)
{
	uint32_t off, slot, tail;

	if (port < pp->base || ((port - pp->base) & 1u) != 0)
		goto bad;
	off = port - pp->base;
	slot = off / 2;
	if (slot >= pp->size || !pp->in_use[slot])
		goto bad;
	pp->in_use[slot] = 0;
	/* The ring cannot overflow: a slot is in it only while not in use. */
	tail = pp->head + pp->count;
	if (tail >= pp->size)
		tail -= pp->size;
	pp->ring[tail] = (uint16_t)slot;
	pp->count++;
	pp->frees++;
	return 0;
bad:
	pp->bad_free++;
	return -1;
}

uint32_t
rtp_portpool_avail(const struct rtp_portpool *pp)
{
	return pp->count;
}

void
rtp_portpool_stats(const struct rtp_portpool *pp, struct rtp_portpool_stats *st)
{
	st->size = pp->size;
	st->in_use = pp->size - pp->count;
	st->avail = pp->count;
	st->allocs = pp->allocs;
	st->frees = pp->frees;
	st->exhausted = pp->exhausted;
	st->bad_free = pp->bad_free;
}
