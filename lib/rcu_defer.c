/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Grace-period cookies over call_rcu. liburcu 0.13 (Debian 12) has no
 * start_poll_synchronize_rcu/poll_state_synchronize_rcu (they arrived in 0.14), so this builds
 * the same thing: each grace-period request has a sequence number, a start gets the number of
 * the first request that begins after it, and the call_rcu callback publishes the number it
 * completed. Starts made while a request is in flight share the next one, so the cost is one
 * call_rcu per grace period, not per deferred object. Only the owning thread calls start and
 * poll; the callback writes `completed` alone.
 *
 * struct dpv_defer is the use both owners make of it: a FIFO of unpublished objects, each with
 * the cookie it got when parked. Cookies grow along the FIFO, so reclaim stops at the first one
 * still pending.
 */
#include <string.h>

#include "dpv.h"

static void
gp_complete(struct rcu_head *head)
{
	struct dpv_gp *gp = caa_container_of(head, struct dpv_gp, head);

	__atomic_store_n(&gp->completed, gp->issued, __ATOMIC_RELEASE);
}

void
dpv_gp_init(struct dpv_gp *gp)
{
	memset(gp, 0, sizeof(*gp));
	(void)get_default_call_rcu_data();
}

void
dpv_gp_poll(struct dpv_gp *gp)
{
	if (gp->in_flight && __atomic_load_n(&gp->completed, __ATOMIC_ACQUIRE) == gp->issued)
		gp->in_flight = false;
	if (!gp->in_flight && gp->want_next) {
		gp->want_next = false;
		gp->issued = ++gp->seq;
		gp->in_flight = true;
		call_rcu(&gp->head, gp_complete);
	}
}

uint64_t
dpv_gp_start(struct dpv_gp *gp)
{
	dpv_gp_poll(gp);
	gp->want_next = true;
	if (gp->in_flight)
		return gp->seq + 1;
	dpv_gp_poll(gp);
	return gp->seq;
}

bool
dpv_gp_done(const struct dpv_gp *gp, uint64_t cookie)
{
	return __atomic_load_n(&gp->completed, __ATOMIC_ACQUIRE) >= cookie;
}

void
dpv_gp_barrier(void)
{
	/* A QSBR thread must be offline while it waits, or the grace period it waits for would
	 * wait for it. */
	bool online = rcu_read_ongoing();

	if (online)
		rcu_thread_offline();
	rcu_barrier();
	synchronize_rcu();
	if (online)
		rcu_thread_online();
}

void
dpv_defer_init(struct dpv_defer *d)
{
	d->head = d->tail = NULL;
	d->count = 0;
	dpv_gp_init(&d->gp);
}

void
dpv_defer_add(struct dpv_defer *d, struct dpv_defer_node *n)
{
	n->cookie = dpv_gp_start(&d->gp);
	n->next = NULL;
	if (d->tail != NULL)
		d->tail->next = n;
	else
		d->head = n;
	d->tail = n;
	d->count++;
}

unsigned
dpv_defer_reclaim(struct dpv_defer *d, void (*release)(struct dpv_defer_node *n, void *arg),
                  void *arg)
{
	unsigned k = 0;

	dpv_gp_poll(&d->gp);
	while (d->head != NULL && dpv_gp_done(&d->gp, d->head->cookie)) {
		struct dpv_defer_node *n = d->head;

		d->head = n->next;
		if (d->head == NULL)
			d->tail = NULL;
		d->count--;
		release(n, arg);
		k++;
	}
	return k;
}

void
dpv_defer_drain(struct dpv_defer *d, void (*release)(struct dpv_defer_node *n, void *arg),
                void *arg)
{
	/* A reclaim polls, and a poll may issue the next request: its callback would write into
	 * d after a plain barrier-then-reclaim returned. Loop until nothing is parked or asked. */
	for (;;) {
		dpv_defer_reclaim(d, release, arg);
		if (d->head == NULL && !d->gp.in_flight && !d->gp.want_next)
			return;
		dpv_gp_barrier();
	}
}
