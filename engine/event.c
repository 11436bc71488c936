/* SPDX-License-Identifier: BSD-3-Clause */
/* Events for control-socket subscribers: the queue to the main lcore. */
#include "event_int.h"

void
dpv_event_post(struct dpv_engine *e, const struct dpv_event *ev)
{
	/* The subscriber side (a queue drained by the main lcore into `subscribe` clients)
	 * is being added; until then events are counted only. */
	__atomic_fetch_add(&e->events_posted, 1, __ATOMIC_RELAXED);
}
