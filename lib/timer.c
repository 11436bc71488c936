/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hashed timer wheel. A timer lives in slot (expire_ms / tick_ms) & mask and keeps its absolute
 * tick, so timeouts longer than one rotation (Timer C, 64*T1) simply stay in their slot for more
 * rounds: a scan only takes the timers whose tick is the one being processed. Firing is exact to
 * the millisecond (a timer fires on the first advance with now >= expiry), the tick only sets
 * how many timers share a slot list.
 */
#include <errno.h>
#include <stdlib.h>

#include "dpv.h"

static inline void
link_init(struct dpv_timer_link *l)
{
	l->next = l->prev = l;
}

static inline void
link_add_tail(struct dpv_timer_link *head, struct dpv_timer_link *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void
link_del(struct dpv_timer_link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

static inline struct dpv_timer *
link_timer(struct dpv_timer_link *l)
{
	return (struct dpv_timer *)((char *)l - offsetof(struct dpv_timer, link));
}

int
dpv_timer_wheel_init_mem(struct dpv_timer_wheel *w, struct dpv_timer_link *slots, uint32_t nb_slots,
                         uint32_t tick_ms, uint64_t now_ms)
{
	if (w == NULL || slots == NULL || nb_slots == 0 || (nb_slots & (nb_slots - 1)) != 0 ||
	    tick_ms == 0)
		return -EINVAL;
	w->slots = slots;
	w->nb_slots = nb_slots;
	w->tick_ms = tick_ms;
	w->cur_tick = now_ms / tick_ms;
	w->now_ms = now_ms;
	w->own_slots = false;
	w->nb_armed = 0;
	w->nb_fired = 0;
	for (uint32_t i = 0; i < nb_slots; i++)
		link_init(&slots[i]);
	return 0;
}

int
dpv_timer_wheel_init(struct dpv_timer_wheel *w, uint32_t nb_slots, uint32_t tick_ms,
                     uint64_t now_ms)
{
	uint32_t n = 1;
	struct dpv_timer_link *slots;
	int ret;

	if (nb_slots == 0 || nb_slots > (UINT32_C(1) << 24))
		return -EINVAL;
	while (n < nb_slots)
		n <<= 1;
	slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	ret = dpv_timer_wheel_init_mem(w, slots, n, tick_ms, now_ms);
	if (ret < 0) {
		free(slots);
		return ret;
	}
	w->own_slots = true;
	return 0;
}

void
dpv_timer_wheel_fini(struct dpv_timer_wheel *w)
{
	if (w->own_slots)
		free(w->slots);
	w->slots = NULL;
	w->nb_slots = 0;
}

void
dpv_timer_cancel(struct dpv_timer_wheel *w, struct dpv_timer *t)
{
	if (!dpv_timer_armed(t))
		return;
	link_del(&t->link);
	w->nb_armed--;
}

void
dpv_timer_arm(struct dpv_timer_wheel *w, struct dpv_timer *t, uint64_t expire_ms, dpv_timer_cb cb,
              void *arg)
{
	uint64_t tick = expire_ms / w->tick_ms;

	dpv_timer_cancel(w, t);
	/* A timer already due goes in the current slot: the next advance (or the ongoing one, which
	 * rescans the slot) fires it. */
	if (tick < w->cur_tick)
		tick = w->cur_tick;
	t->expire_ms = expire_ms;
	t->tick = tick;
	t->cb = cb;
	t->arg = arg;
	link_add_tail(&w->slots[tick & (w->nb_slots - 1)], &t->link);
	w->nb_armed++;
}

/* Move the timers of @a tick that are due at @a now into @a batch, sorted by expiry; equal
 * expiries keep arm order (the slot list is in arm order and the insertion is stable). */
static unsigned
collect(struct dpv_timer_wheel *w, uint64_t tick, uint64_t now, struct dpv_timer_link *batch)
{
	struct dpv_timer_link *slot = &w->slots[tick & (w->nb_slots - 1)];
	struct dpv_timer_link *l = slot->next, *next;
	unsigned n = 0;

	for (; l != slot; l = next) {
		struct dpv_timer *t = link_timer(l);
		struct dpv_timer_link *pos;

		next = l->next;
		if (t->tick != tick || t->expire_ms > now)
			continue;
		link_del(l);
		for (pos = batch->prev; pos != batch; pos = pos->prev)
			if (link_timer(pos)->expire_ms <= t->expire_ms)
				break;
		/* insert after pos */
		l->prev = pos;
		l->next = pos->next;
		pos->next->prev = l;
		pos->next = l;
		n++;
	}
	return n;
}

unsigned
dpv_timer_wheel_advance(struct dpv_timer_wheel *w, uint64_t now_ms)
{
	uint64_t last = now_ms / w->tick_ms;
	unsigned fired = 0;

	if (now_ms < w->now_ms)
		return 0;
	if (w->nb_armed == 0) /* nothing to find: skip the walk over idle ticks */
		w->cur_tick = last;
	for (uint64_t tick = w->cur_tick; tick <= last; tick++) {
		struct dpv_timer_link batch;

		w->cur_tick = tick;
		link_init(&batch);
		/* Rescan: a callback may re-arm a timer to a time already due within this tick. */
		while (collect(w, tick, now_ms, &batch) > 0) {
			while (batch.next != &batch) {
				struct dpv_timer *t = link_timer(batch.next);

				/* Stays linked in the batch until its turn, so a callback can
				 * cancel or re-arm another timer of the same batch. */
				link_del(&t->link);
				w->nb_armed--;
				w->nb_fired++;
				fired++;
				if (t->expire_ms > w->now_ms)
					w->now_ms = t->expire_ms;
				t->cb(t, t->arg);
			}
		}
	}
	w->cur_tick = last;
	w->now_ms = now_ms;
	return fired;
}
