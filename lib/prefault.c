/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Page in, before the lcores start, the memory the packet path will write, so that no
 * message or packet takes a page fault in it. Pools and tables are anonymous mappings filled
 * on first touch (lib/pool.c's dpv_zmap), and a signaling lcore hands out fresh transactions,
 * sessions and compact records for 64*T1 (32 s) before it reuses any: without this, at tens of
 * thousands of calls/s nearly every call touches new pages for the kernel to clear (8 % of a
 * loaded signaling lcore's time in clear_page, measured over memif). Two kinds of memory:
 *  - DPDK's memory (with --no-huge plain 4 KiB pages filled on first touch; hugepages are
 *    already resident): the heap carves allocations from the top of its free space, so the
 *    part in use is the top heap_allocsz_bytes (plus slack) of each memory segment list;
 *  - every private anonymous writable mapping of 1 MiB or more outside DPDK's memory: the
 *    object pools, the hash tables' bucket arrays, the record rings, large callocs.
 * Best effort: a kernel without MADV_POPULATE_WRITE (before 5.14) leaves them to fault.
 *
 * A memif link's rings and buffers are a third kind: shared memory the client creates and the
 * server maps when the client connects, both after the lcores have started. dpv_prefault_shared()
 * pages them in once the link is up (before it, each process took a fault per 4 KiB of buffers
 * on its first pass through the rings: 16,000 of them on the engine's signaling lcore in the
 * first 0.2 s of a sipgen run). Populating does not change what the pages hold, so it is safe
 * while the peer already writes them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "dpv.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static int
prefault_msl(const struct rte_memseg_list *msl, void *arg)
{
	size_t *want = arg, len;
	uintptr_t top, from;

	if (msl->base_va == NULL || msl->len == 0)
		return 0;
	len = want[0] < msl->len ? want[0] : msl->len;
	top = (uintptr_t)msl->base_va + msl->len;
	from = (top - len) & ~(uintptr_t)4095;
	if (madvise((void *)from, top - from, MADV_POPULATE_WRITE) == 0)
		want[1] += top - from;
	return 0;
}

/* The mappings of /proc/self/maps of 1 MiB or more outside DPDK's memory with permissions
 * @a perm_want whose path is empty (@a path_prefix NULL) or starts with @a path_prefix: populated
 * for write; returns their bytes. */
static size_t
populate_maps(const char *perm_want, const char *path_prefix)
{
	char ln[512];
	size_t done = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (f == NULL)
		return 0;
	while (fgets(ln, sizeof(ln), f) != NULL) {
		uintptr_t a, b;
		char perm[8];
		unsigned long off, inode;
		const char *path;
		int n = 0;

		/* "start-end perms offset dev inode [path]": anonymous when inode 0, no path */
		if (sscanf(ln, "%" SCNxPTR "-%" SCNxPTR " %7s %lx %*s %lu %n", &a, &b, perm, &off,
		           &inode, &n) < 5 ||
		    strcmp(perm, perm_want) != 0 || b - a < (1u << 20) ||
		    rte_mem_virt2memseg_list((void *)a) != NULL)
			continue;
		path = ln + n;
		if (path_prefix == NULL ? inode != 0 || (*path != '\0' && *path != '\n')
		                        : strncmp(path, path_prefix, strlen(path_prefix)) != 0)
			continue;
		if (madvise((void *)a, b - a, MADV_POPULATE_WRITE) == 0)
			done += b - a;
	}
	fclose(f);
	return done;
}

size_t
dpv_prefault_shared(void)
{
	return populate_maps("rw-s", "/memfd:");
}

size_t
dpv_prefault(void)
{
	struct rte_malloc_socket_stats st;
	size_t done = 0;

	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &st) == 0) {
		size_t want[2] = {st.heap_allocsz_bytes + st.heap_allocsz_bytes / 16 + (16u << 20),
		                  0};

		rte_memseg_list_walk(prefault_msl, want);
		done += want[1];
	}
	return done + populate_maps("rw-p", NULL);
}
