/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events for control-socket subscribers: one multi-producer, single-consumer rte_ring whose
 * slots are struct dpv_event itself (rte_ring's element API copies the 80 bytes in and out), so
 * a post is one enqueue into memory allocated at start: no mempool, no allocation, no wait. A
 * full ring is a counted drop. The main lcore drains it in dpv_ctl_poll (ctl.c) and writes each
 * event as one JSON line to every subscriber.
 *
 * Nothing is queued while nobody subscribes (the main lcore keeps the count): an engine no one
 * watches does not fill the queue, and a subscriber hears only of what happens after its
 * `subscribe`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "event_int.h"

_Static_assert(sizeof(struct dpv_event) % 4 == 0, "rte_ring elements are multiples of 4 bytes");

int
dpv_event_init(struct dpv_engine *e, unsigned size)
{
	ssize_t bytes;
	struct rte_ring *r;

	if (e->events != NULL || size < 2 || (size & (size - 1)) != 0)
		return -EINVAL;
	bytes = rte_ring_get_memsize_elem(sizeof(struct dpv_event), size);
	if (bytes < 0)
		return -EINVAL;
	r = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN((size_t)bytes, RTE_CACHE_LINE_SIZE));
	if (r == NULL)
		return -ENOMEM;
	if (rte_ring_init(r, "dpv_events", size, RING_F_SC_DEQ) != 0) {
		free(r);
		return -EINVAL;
	}
	e->events = r;
	return 0;
}

void
dpv_event_fini(struct dpv_engine *e)
{
	free(e->events);
	e->events = NULL;
}

void
dpv_event_post(struct dpv_engine *e, const struct dpv_event *ev)
{
	__atomic_fetch_add(&e->events_posted, 1, __ATOMIC_RELAXED);
	if (e->events == NULL || __atomic_load_n(&e->subscribers, __ATOMIC_RELAXED) == 0)
		return;
	if (rte_ring_mp_enqueue_elem(e->events, (void *)ev, sizeof(*ev)) != 0)
		__atomic_fetch_add(&e->events_dropped, 1, __ATOMIC_RELAXED);
}

unsigned
dpv_event_drain(struct dpv_engine *e, struct dpv_event *out, unsigned max)
{
	if (e->events == NULL)
		return 0;
	return rte_ring_sc_dequeue_burst_elem(e->events, out, sizeof(*out), max, NULL);
}

static const char *const event_names[DPV_EV_MAX] = {
    [DPV_EV_SESSION] = "session",
    [DPV_EV_BRIDGE_CREATED] = "bridge-created",
    [DPV_EV_BRIDGE_DESTROYED] = "bridge-destroyed",
    [DPV_EV_MEMBER_JOINED] = "member-joined",
    [DPV_EV_MEMBER_LEFT] = "member-left",
    [DPV_EV_MEDIA_TIMEOUT] = "media-timeout",
};

/* Bridge names are [A-Za-z0-9._-] (dpv_bridge_name_valid) and state names plain words: nothing
 * in a line needs JSON escaping. */
size_t
dpv_event_format(const struct dpv_event *ev, char *buf, size_t cap)
{
	const char *name = (unsigned)ev->type < DPV_EV_MAX ? event_names[ev->type] : "unknown";
	int n;

	switch (ev->type) {
	case DPV_EV_SESSION:
		n = snprintf(buf, cap,
		             "{\"event\":\"%s\",\"session\":%" PRIu64 ",\"state\":\"%s\"}\n", name,
		             ev->session_id, sip_sess_state_name(ev->state));
		break;
	case DPV_EV_BRIDGE_CREATED:
	case DPV_EV_BRIDGE_DESTROYED:
		n = snprintf(buf, cap, "{\"event\":\"%s\",\"bridge\":\"%.*s\"}\n", name,
		             DPV_BRIDGE_NAME_MAX, ev->bridge);
		break;
	case DPV_EV_MEMBER_JOINED:
	case DPV_EV_MEMBER_LEFT:
		n = snprintf(buf, cap,
		             "{\"event\":\"%s\",\"bridge\":\"%.*s\",\"session\":%" PRIu64 "}\n",
		             name, DPV_BRIDGE_NAME_MAX, ev->bridge, ev->session_id);
		break;
	default:
		n = snprintf(buf, cap, "{\"event\":\"%s\",\"session\":%" PRIu64 "}\n", name,
		             ev->session_id);
		break;
	}
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}
