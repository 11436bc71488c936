/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixed-size object pool: one cache-aligned block carved into equal objects, and a stack of
 * free indices, so get and put are O(1) and nothing is allocated after create. A per-object
 * flag catches double puts, which would otherwise hand the same object out twice.
 */
#include <stdlib.h>
#include <string.h>

#include "dpv.h"

#define POOL_ALIGN 64

struct dpv_pool {
	char name[32];
	uint8_t *base;
	size_t stride;
	uint32_t size;
	uint32_t nb_free;
	uint32_t *free_idx; /* stack of free object indices */
	uint8_t *in_use;    /* 1 while handed out */
	struct dpv_pool_stats stats;
};

struct dpv_pool *
dpv_pool_create(const char *name, uint32_t nb_objs, uint32_t obj_size)
{
	struct dpv_pool *p;
	size_t stride;

	if (nb_objs == 0 || obj_size == 0)
		return NULL;
	stride = ((size_t)obj_size + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
	if (stride != 0 && (size_t)nb_objs > SIZE_MAX / stride)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	snprintf(p->name, sizeof(p->name), "%s", name != NULL ? name : "");
	p->stride = stride;
	p->size = nb_objs;
	p->base = aligned_alloc(POOL_ALIGN, stride * nb_objs);
	p->free_idx = calloc(nb_objs, sizeof(*p->free_idx));
	p->in_use = calloc(nb_objs, 1);
	if (p->base == NULL || p->free_idx == NULL || p->in_use == NULL) {
		dpv_pool_free(p);
		return NULL;
	}
	memset(p->base, 0, stride * nb_objs);
	/* Lowest index on top, so a fresh pool hands objects out in address order. */
	for (uint32_t i = 0; i < nb_objs; i++)
		p->free_idx[i] = nb_objs - 1 - i;
	p->nb_free = nb_objs;
	return p;
}

void
dpv_pool_free(struct dpv_pool *p)
{
	if (p == NULL)
		return;
	free(p->base);
	free(p->free_idx);
	free(p->in_use);
	free(p);
}

void *
dpv_pool_get(struct dpv_pool *p)
{
	uint32_t i;

	if (p->nb_free == 0) {
		p->stats.empty++;
		return NULL;
	}
	i = p->free_idx[--p->nb_free];
	p->in_use[i] = 1;
	p->stats.gets++;
	return p->base + (size_t)i * p->stride;
}

int64_t
dpv_pool_index(const struct dpv_pool *p, const void *obj)
{
	uintptr_t o = (uintptr_t)obj, b = (uintptr_t)p->base;

	if (o < b || o >= b + p->stride * p->size || (o - b) % p->stride != 0)
		return -1;
	return (int64_t)((o - b) / p->stride);
}

void
dpv_pool_put(struct dpv_pool *p, void *obj)
{
	int64_t i = dpv_pool_index(p, obj);

	if (i < 0 || !p->in_use[i]) {
		p->stats.bad_put++;
		return;
	}
	p->in_use[i] = 0;
	p->free_idx[p->nb_free++] = (uint32_t)i;
	p->stats.puts++;
}

uint32_t
dpv_pool_avail(const struct dpv_pool *p)
{
	return p->nb_free;
}

uint32_t
dpv_pool_in_use(const struct dpv_pool *p)
{
	return p->size - p->nb_free;
}

uint32_t
dpv_pool_size(const struct dpv_pool *p)
{
	return p->size;
}

const char *
dpv_pool_name(const struct dpv_pool *p)
{
	return p->name;
}

const struct dpv_pool_stats *
dpv_pool_stats(const struct dpv_pool *p)
{
	return &p->stats;
}
