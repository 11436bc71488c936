/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixed-size object pool: one page-aligned block carved into equal objects, and a stack of
 * free indices, so get and put are O(1) and nothing is allocated after create. A per-object
 * flag catches double puts, which would otherwise hand the same object out twice.
 *
 * Creation is lazy, so a pool of millions of objects is ready at once: the block is an
 * anonymous mapping (zero pages the kernel fills on first touch, not a memset of gigabytes),
 * and objects never handed out are not on the stack: those at and above `fresh` are free
 * implicitly and go out in address order once the stack is empty.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dpv.h"

#define POOL_ALIGN 64
/* mappings from this size on ask for transparent huge pages (2 MiB on x86) */
#define DPV_ZMAP_HUGE_MIN (2u << 20)

struct dpv_pool {
	char name[32];
	uint8_t *base;
	size_t stride;
	size_t map_len;
	uint32_t size;
	uint32_t fresh;     /* objects [fresh, size) were never handed out */
	uint32_t nb_free;   /* on the stack */
	uint32_t *free_idx; /* stack of free object indices (objects handed out and put back) */
	uint8_t *in_use;    /* 1 while handed out */
	struct dpv_pool_stats stats;
};

void *
dpv_zmap(size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	/*
	 * Transparent huge pages where the kernel has them (THP "madvise" or "always"): the
	 * tables are read at random, one or two lines a message, so with 4 KiB pages nearly every
	 * lookup missed the TLB as well as the cache, and a prefetch of the next message's bucket
	 * stalled on the page walk. Best effort: without THP the mapping stays as it is.
	 */
	if (len >= DPV_ZMAP_HUGE_MIN)
		(void)madvise(m, len, MADV_HUGEPAGE);
	return m;
}

void
dpv_unmap(void *p, size_t len)
{
	if (p != NULL)
		munmap(p, len);
}

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
	p->map_len = stride * nb_objs;
	p->base = dpv_zmap(p->map_len);
	p->free_idx = malloc((size_t)nb_objs * sizeof(*p->free_idx));
	p->in_use = calloc(nb_objs, 1);
	if (p->base == NULL || p->free_idx == NULL || p->in_use == NULL) {
		dpv_pool_free(p);
		return NULL;
	}
	return p;
}

void
dpv_pool_free(struct dpv_pool *p)
{
	if (p == NULL)
		return;
	dpv_unmap(p->base, p->map_len);
	free(p->free_idx);
	free(p->in_use);
	free(p);
}

void *
dpv_pool_get(struct dpv_pool *p)
{
	uint32_t i;

	if (p->nb_free > 0) {
		i = p->free_idx[--p->nb_free];
	} else if (p->fresh < p->size) {
		i = p->fresh++;
	} else {
		p->stats.empty++;
		return NULL;
	}
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

void *
dpv_pool_at(const struct dpv_pool *p, uint32_t i)
{
	return i < p->size ? p->base + (size_t)i * p->stride : NULL;
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
	return p->nb_free + (p->size - p->fresh);
}

uint32_t
dpv_pool_in_use(const struct dpv_pool *p)
{
	return p->size - dpv_pool_avail(p);
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
