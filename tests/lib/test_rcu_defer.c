/* SPDX-License-Identifier: BSD-3-Clause */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "dpv.h"

#define WAIT_NS 10000000000ull /* bound on waiting for a grace period that must come */
#define HOLD_NS 20000000ull    /* how long an online reader is watched holding one back */

static void
reg(void)
{
	rcu_register_thread();
}

static void
unreg(void)
{
	rcu_unregister_thread();
}

TestSuite(gp, .init = reg, .fini = unreg);

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Poll until @a cookie is done, this thread passing quiescent states meanwhile; false when it
 * is not done within WAIT_NS. */
static bool
wait_done(struct dpv_gp *gp, uint64_t cookie)
{
	uint64_t end = now_ns() + WAIT_NS;

	for (;;) {
		dpv_gp_poll(gp);
		if (dpv_gp_done(gp, cookie))
			return true;
		if (now_ns() > end)
			return false;
		rcu_quiescent_state();
	}
}

Test(gp, a_cookie_waits_for_this_thread_then_completes)
{
	struct dpv_gp gp;
	uint64_t c;

	dpv_gp_init(&gp);
	cr_assert(dpv_gp_done(&gp, 0), "nothing started: cookie 0 has nothing to wait for");
	c = dpv_gp_start(&gp);
	cr_assert_eq(c, 1);
	cr_assert(gp.in_flight);
	/* This thread is an online reader that has not passed a quiescent state since the start. */
	dpv_gp_poll(&gp);
	cr_assert_not(dpv_gp_done(&gp, c));
	cr_assert(wait_done(&gp, c));
	dpv_gp_poll(&gp);
	cr_assert_not(gp.in_flight, "nothing more was asked for");
	cr_assert_eq(dpv_gp_start(&gp), 2, "the next start gets a request of its own");
	cr_assert(wait_done(&gp, 2));
}

Test(gp, starts_during_a_request_share_the_next_one)
{
	struct dpv_gp gp;
	uint64_t c1, c2, c3;

	dpv_gp_init(&gp);
	c1 = dpv_gp_start(&gp);
	c2 = dpv_gp_start(&gp);
	c3 = dpv_gp_start(&gp);
	cr_assert_eq(c1, 1);
	cr_assert_eq(c2, 2, "request 1 may have begun before this start: wait for the next");
	cr_assert_eq(c3, 2);
	cr_assert_eq(gp.seq, 1, "one call_rcu in flight at a time");
	cr_assert(wait_done(&gp, c1));
	cr_assert(wait_done(&gp, c2));
	dpv_gp_poll(&gp);
	cr_assert_eq(gp.seq, 2, "three starts, two grace periods");
	cr_assert_not(gp.in_flight);
}

Test(gp, barrier_runs_the_pending_callback_and_leaves_the_thread_online)
{
	struct dpv_gp gp;
	uint64_t c;

	dpv_gp_init(&gp);
	c = dpv_gp_start(&gp);
	cr_assert_not(dpv_gp_done(&gp, c));
	dpv_gp_barrier();
	cr_assert(dpv_gp_done(&gp, c), "the callback ran before the barrier returned");
	cr_assert(rcu_read_ongoing(), "online again, as on entry");
}

struct reader {
	int ready[2];
	int go[2];
	int stop;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	char c = 0;
	bool ok;

	/* No Criterion asserts off the test thread: report through the return value. */
	rcu_register_thread(); /* online: every grace period now waits for this thread */
	ok = write(r->ready[1], &c, 1) == 1 && read(r->go[0], &c, 1) == 1;
	/* Quiescent states only from here, staying online (not unregistering) until told. */
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		rcu_quiescent_state();
	rcu_unregister_thread();
	return ok ? r : NULL;
}

Test(gp, an_online_reader_holds_a_cookie_until_its_quiescent_state)
{
	struct reader r = {.stop = 0};
	struct dpv_gp gp;
	bool early = false, done;
	pthread_t th;
	uint64_t c, end;
	void *ret = NULL;
	char b = 0;

	dpv_gp_init(&gp);
	cr_assert_eq(pipe(r.ready), 0);
	cr_assert_eq(pipe(r.go), 0);
	cr_assert_eq(pthread_create(&th, NULL, reader_main, &r), 0);
	cr_assert_eq(read(r.ready[0], &b, 1), 1);
	c = dpv_gp_start(&gp);
	/* Assert only once the reader is gone: a failed assert with the reader still online
	 * would leave teardown waiting for a grace period forever. This thread keeps passing
	 * quiescent states; only the reader holds the grace period back. */
	end = now_ns() + HOLD_NS;
	while (now_ns() < end && !early) {
		rcu_quiescent_state();
		dpv_gp_poll(&gp);
		early = dpv_gp_done(&gp, c);
	}
	if (write(r.go[1], &b, 1) == 1)
		done = wait_done(&gp, c);
	else
		done = false;
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	cr_assert_eq(pthread_join(th, &ret), 0);
	cr_assert_eq(ret, &r);
	cr_assert_not(early, "an online reader with no quiescent state must hold the cookie");
	cr_assert(done, "done once the reader passed a quiescent state");
	for (int i = 0; i < 2; i++) {
		close(r.ready[i]);
		close(r.go[i]);
	}
}

struct obj {
	int id;
	struct dpv_defer_node link;
};

struct released {
	int ids[8];
	unsigned n;
};

static void
release(struct dpv_defer_node *n, void *arg)
{
	struct released *r = arg;

	r->ids[r->n++] = caa_container_of(n, struct obj, link)->id;
}

Test(gp, defer_releases_in_order_once_each_grace_period_ends)
{
	struct obj o[3] = {{.id = 10}, {.id = 11}, {.id = 12}};
	struct released r = {.n = 0};
	struct dpv_defer d;

	dpv_defer_init(&d);
	cr_assert_eq(dpv_defer_reclaim(&d, release, &r), 0);
	dpv_defer_add(&d, &o[0].link);
	dpv_defer_add(&d, &o[1].link); /* request 1 is in flight: waits for request 2 */
	cr_assert_eq(o[0].link.cookie, 1);
	cr_assert_eq(o[1].link.cookie, 2);
	cr_assert_eq(d.count, 2);
	cr_assert_eq(dpv_defer_reclaim(&d, release, &r), 0, "this thread is not past them yet");
	cr_assert(wait_done(&d.gp, 1));
	cr_assert_eq(dpv_defer_reclaim(&d, release, &r), 1, "o[0] only: o[1] waits for request 2");
	cr_assert_eq(r.ids[0], 10);
	dpv_defer_add(&d, &o[2].link); /* request 2 in flight (issued by the reclaim): shares 3 */
	cr_assert_eq(o[2].link.cookie, 3);
	cr_assert(wait_done(&d.gp, 3));
	/* the last wait saw 3 done; one reclaim now releases both, oldest first */
	cr_assert_eq(d.count, 2);
	cr_assert_eq(dpv_defer_reclaim(&d, release, &r), 2);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.ids[1], 11);
	cr_assert_eq(r.ids[2], 12);
	cr_assert_eq(d.count, 0);
	cr_assert_null(d.head);
	cr_assert_null(d.tail);
}

/* The teardown case: nodes parked across two requests, the second not yet issued. A barrier
 * and one reclaim would issue it and return with its callback still to write into d. */
Test(gp, drain_releases_everything_and_leaves_no_request_in_flight)
{
	struct obj o[3] = {{.id = 20}, {.id = 21}, {.id = 22}};
	struct released r = {.n = 0};
	struct dpv_defer *d = malloc(sizeof(*d));

	cr_assert_not_null(d);
	dpv_defer_init(d);
	dpv_defer_add(d, &o[0].link);
	dpv_defer_add(d, &o[1].link);
	dpv_defer_add(d, &o[2].link);
	cr_assert(d->gp.in_flight && d->gp.want_next, "request 1 in flight, request 2 wanted");
	dpv_defer_drain(d, release, &r);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.ids[0], 20);
	cr_assert_eq(r.ids[2], 22);
	cr_assert_eq(d->count, 0);
	cr_assert(!d->gp.in_flight, "no callback may still be queued against d");
	cr_assert(!d->gp.want_next);
	free(d);
}
