/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include <criterion/criterion.h>

#include "dpv.h"

#define MAXLOG 64

struct fire_log {
	unsigned n;
	int id[MAXLOG];
	uint64_t at[MAXLOG]; /* wheel clock seen by the callback */
};

struct obj {
	struct dpv_timer t;
	int id;
	struct fire_log *log;
	struct dpv_timer_wheel *w;
	unsigned rearm_left; /* re-arm this many times, period ms */
	uint64_t period;
	struct obj *victim; /* cancel this one when firing */
};

static void
on_fire(struct dpv_timer *t, void *arg)
{
	struct obj *o = arg;

	cr_assert_eq(t, &o->t);
	cr_assert(!dpv_timer_armed(t));
	cr_assert_lt(o->log->n, MAXLOG);
	o->log->id[o->log->n] = o->id;
	o->log->at[o->log->n] = dpv_timer_wheel_now(o->w);
	o->log->n++;
	if (o->victim != NULL)
		dpv_timer_cancel(o->w, &o->victim->t);
	if (o->rearm_left > 0) {
		o->rearm_left--;
		dpv_timer_arm(o->w, t, dpv_timer_wheel_now(o->w) + o->period, on_fire, o);
	}
}

static struct dpv_timer_wheel w;
static struct fire_log lg;

static void
setup(void)
{
	memset(&lg, 0, sizeof(lg));
	cr_assert_eq(dpv_timer_wheel_init(&w, 256, 10, 1000), 0);
}

static void
teardown(void)
{
	dpv_timer_wheel_fini(&w);
}

static void
mk(struct obj *o, int id)
{
	memset(o, 0, sizeof(*o));
	dpv_timer_init(&o->t);
	o->id = id;
	o->log = &lg;
	o->w = &w;
}

TestSuite(timer, .init = setup, .fini = teardown);

Test(timer, init_rejects_bad_args)
{
	struct dpv_timer_wheel x;
	struct dpv_timer_link slots[3];

	cr_assert_eq(dpv_timer_wheel_init(&x, 0, 10, 0), -EINVAL);
	cr_assert_eq(dpv_timer_wheel_init(&x, 8, 0, 0), -EINVAL);
	cr_assert_eq(dpv_timer_wheel_init_mem(&x, slots, 3, 1, 0), -EINVAL);
	cr_assert_eq(dpv_timer_wheel_init_mem(&x, slots, 2, 1, 0), 0);
	cr_assert_eq(x.nb_slots, 2);
	cr_assert_eq(dpv_timer_wheel_init(&x, 100, 1, 0), 0);
	cr_assert_eq(x.nb_slots, 128, "slot count rounds up to a power of two");
	dpv_timer_wheel_fini(&x);
}

Test(timer, fires_at_exact_ms_not_before)
{
	struct obj a;

	mk(&a, 1);
	dpv_timer_arm(&w, &a.t, 1503, on_fire, &a);
	cr_assert(dpv_timer_armed(&a.t));
	cr_assert_eq(dpv_timer_wheel_advance(&w, 1502), 0);
	cr_assert_eq(lg.n, 0);
	cr_assert_eq(dpv_timer_wheel_advance(&w, 1503), 1);
	cr_assert_eq(lg.n, 1);
	cr_assert_eq(lg.at[0], 1503);
	cr_assert(!dpv_timer_armed(&a.t));
	cr_assert_eq(dpv_timer_wheel_advance(&w, 5000), 0, "fires exactly once");
	cr_assert_eq(w.nb_armed, 0);
}

Test(timer, expiry_order_within_one_tick_and_across_ticks)
{
	struct obj o[6];
	/* 10 ms ticks: 1005/1001/1009 share one tick; 1001 twice keeps arm order (ids 2, 5). */
	uint64_t exp[6] = {1005, 1001, 1009, 1500, 1200, 1001};
	int want[6] = {1, 5, 0, 2, 4, 3};

	for (int i = 0; i < 6; i++) {
		mk(&o[i], i);
		dpv_timer_arm(&w, &o[i].t, exp[i], on_fire, &o[i]);
	}
	cr_assert_eq(dpv_timer_wheel_advance(&w, 2000), 6);
	for (int i = 0; i < 6; i++) {
		cr_assert_eq(lg.id[i], want[i], "position %d: id %d", i, lg.id[i]);
		cr_assert_eq(lg.at[i], exp[want[i]]);
	}
}

Test(timer, long_timeouts_beyond_one_rotation)
{
	/* 256 slots * 10 ms = 2.56 s per rotation; 64*T1 = 32 s and Timer C = 180 s go round. */
	struct obj b, c, near;

	mk(&b, 1);
	mk(&c, 2);
	mk(&near, 3);
	dpv_timer_arm(&w, &b.t, 1000 + 32000, on_fire, &b);
	dpv_timer_arm(&w, &c.t, 1000 + 180000, on_fire, &c);
	/* same slot as b, one rotation earlier */
	dpv_timer_arm(&w, &near.t, 1000 + 32000 - 2560 * 5, on_fire, &near);
	for (uint64_t now = 1000; now < 1000 + 32000; now += 7)
		dpv_timer_wheel_advance(&w, now);
	cr_assert_eq(lg.n, 1);
	cr_assert_eq(lg.id[0], 3);
	dpv_timer_wheel_advance(&w, 1000 + 32000);
	cr_assert_eq(lg.n, 2);
	cr_assert_eq(lg.id[1], 1);
	cr_assert_eq(lg.at[1], 33000);
	dpv_timer_wheel_advance(&w, 1000 + 179999);
	cr_assert_eq(lg.n, 2);
	dpv_timer_wheel_advance(&w, 1000 + 180000);
	cr_assert_eq(lg.n, 3);
	cr_assert_eq(lg.id[2], 2);
}

Test(timer, cancel_and_rearm)
{
	struct obj a, b;

	mk(&a, 1);
	mk(&b, 2);
	dpv_timer_arm(&w, &a.t, 1100, on_fire, &a);
	dpv_timer_arm(&w, &b.t, 1100, on_fire, &b);
	dpv_timer_cancel(&w, &a.t);
	dpv_timer_cancel(&w, &a.t); /* twice is harmless */
	cr_assert(!dpv_timer_armed(&a.t));
	dpv_timer_arm(&w, &b.t, 1300, on_fire, &b); /* re-arm moves it */
	cr_assert_eq(w.nb_armed, 1);
	cr_assert_eq(dpv_timer_wheel_advance(&w, 1299), 0);
	cr_assert_eq(dpv_timer_wheel_advance(&w, 1300), 1);
	cr_assert_eq(lg.id[0], 2);
}

Test(timer, rearm_from_callback_keeps_schedule_in_one_big_advance)
{
	struct obj a;

	mk(&a, 1);
	a.rearm_left = 3;
	a.period = 500;
	dpv_timer_arm(&w, &a.t, 1500, on_fire, &a);
	/* one advance covers all four expiries: the callback sees the expiry as "now" */
	cr_assert_eq(dpv_timer_wheel_advance(&w, 10000), 4);
	cr_assert_eq(lg.n, 4);
	cr_assert_eq(lg.at[0], 1500);
	cr_assert_eq(lg.at[1], 2000);
	cr_assert_eq(lg.at[2], 2500);
	cr_assert_eq(lg.at[3], 3000);
	cr_assert_eq(dpv_timer_wheel_now(&w), 10000);
}

Test(timer, rearm_to_due_time_fires_in_same_advance)
{
	struct obj a;

	mk(&a, 1);
	a.rearm_left = 1;
	a.period = 0;
	dpv_timer_arm(&w, &a.t, 1001, on_fire, &a);
	cr_assert_eq(dpv_timer_wheel_advance(&w, 1001), 2);
	cr_assert_eq(lg.n, 2);
}

Test(timer, callback_cancels_timer_of_same_batch)
{
	struct obj a, b;

	mk(&a, 1);
	mk(&b, 2);
	a.victim = &b;
	dpv_timer_arm(&w, &a.t, 1001, on_fire, &a);
	dpv_timer_arm(&w, &b.t, 1002, on_fire, &b);
	cr_assert_eq(dpv_timer_wheel_advance(&w, 1009), 1);
	cr_assert_eq(lg.n, 1);
	cr_assert_eq(lg.id[0], 1);
	cr_assert(!dpv_timer_armed(&b.t));
	cr_assert_eq(w.nb_armed, 0);
}

Test(timer, arm_in_past_fires_on_next_advance)
{
	struct obj a;

	mk(&a, 1);
	dpv_timer_wheel_advance(&w, 5000);
	dpv_timer_arm(&w, &a.t, 100, on_fire, &a);
	cr_assert_eq(dpv_timer_wheel_advance(&w, 5000), 1);
	cr_assert_eq(lg.n, 1);
}

Test(timer, clock_going_backwards_is_ignored)
{
	struct obj a;

	mk(&a, 1);
	dpv_timer_wheel_advance(&w, 5000);
	dpv_timer_arm(&w, &a.t, 5001, on_fire, &a);
	cr_assert_eq(dpv_timer_wheel_advance(&w, 4000), 0);
	cr_assert_eq(dpv_timer_wheel_now(&w), 5000);
	cr_assert_eq(dpv_timer_wheel_advance(&w, 5001), 1);
}
