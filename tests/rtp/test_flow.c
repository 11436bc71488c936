/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RTP flow table (rtp/flow.c) and source latching (rtp_latch_ok in rtp.h): publication
 * and generations, retirement through a grace period (a replaced flow is not reused while a
 * reader may hold it), tone announcements, and the strict and learn latching rules, the
 * learned port raced by two readers.
 */
#include <pthread.h>
#include <string.h>

#include <urcu-qsbr.h>

#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_ring.h>

#include "rtp.h"

#define PEER_IP  0xC6120002u /* 198.18.0.2 */
#define OTHER_IP 0xC6120003u /* 198.18.0.3 */
#define WAIT_NS  10000000000ull

static struct rtp_flow_table *t;
static struct rtp_flow_writer *w;

static void
setup(void)
{
	static char *args[] = {"test_flow",
	                       "--no-huge",
	                       "-m",
	                       "64",
	                       "--no-pci",
	                       "--no-shconf",
	                       "--no-telemetry",
	                       "--log-level=lib.eal:error",
	                       "--file-prefix=dpvtflow",
	                       NULL};

	cr_assert_geq(rte_eal_init(RTE_DIM(args) - 1, args), 0);
	rcu_register_thread();
	t = rtp_flow_table_create(20000, 20099, 2, 64);
	cr_assert_not_null(t);
	w = rtp_flow_writer_create(t, 1);
	cr_assert_not_null(w);
}

static void
teardown(void)
{
	rtp_flow_writer_destroy(w);
	rtp_flow_table_destroy(t);
	rcu_unregister_thread();
	rte_eal_cleanup();
}

TestSuite(flow, .init = setup, .fini = teardown);

static struct rtp_flow
flow(uint16_t port, enum rtp_latch latch)
{
	return (struct rtp_flow){.session_id = 7,
	                         .action = DPV_CALL_ECHO,
	                         .local_ip = 0xC6120001u,
	                         .local_port = port,
	                         .peer_ip = PEER_IP,
	                         .peer_port = 40000,
	                         .peer_rtcp_port = 40001,
	                         .send = true,
	                         .recv = true,
	                         .latch = (uint8_t)latch,
	                         .te_pt = -1};
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reclaim until @a want flows came back, passing quiescent states; false after WAIT_NS. */
static bool
reclaim_until(unsigned want)
{
	uint64_t end = now_ns() + WAIT_NS;
	unsigned got = 0;

	while (got < want) {
		got += rtp_flow_writer_reclaim(w);
		if (now_ns() > end)
			return false;
		rcu_quiescent_state();
	}
	return true;
}

Test(flow, publish_replace_remove_with_generations)
{
	struct rtp_flow f = flow(20010, RTP_LATCH_STRICT);
	struct rtp_flow_slot *s = rtp_flow_slot(t, 20010);
	const struct rtp_flow *got, *first;

	cr_assert_not_null(s);
	cr_assert_eq(rtp_flow_slot(t, 20011), s, "the RTCP port shares the RTP port's slot");
	cr_assert_null(rtp_flow_slot(t, 19998));
	cr_assert_null(rtp_flow_slot(t, 20100));
	rcu_read_lock();
	cr_assert_null(rtp_flow_get(s));
	rcu_read_unlock();

	cr_assert_eq(rtp_flow_publish(w, &f), 0);
	rcu_read_lock();
	first = got = rtp_flow_get(s);
	cr_assert_not_null(got);
	cr_expect_eq(got->gen, 1);
	cr_expect_eq(got->peer_port, 40000);
	cr_expect_eq(got->action, DPV_CALL_ECHO);
	rcu_read_unlock();
	cr_expect_eq(rtp_flow_writer_count(w), 1);

	f.peer_port = 40100;
	cr_assert_eq(rtp_flow_publish(w, &f), 0);
	rcu_read_lock();
	got = rtp_flow_get(s);
	cr_expect_neq(got, first, "a replacement is a new object: readers of the old one finish");
	cr_expect_eq(got->gen, 2);
	cr_expect_eq(got->peer_port, 40100);
	rcu_read_unlock();
	cr_expect_eq(rtp_flow_writer_count(w), 1);

	rtp_flow_remove(w, 20010);
	rcu_read_lock();
	cr_expect_null(rtp_flow_get(s));
	rcu_read_unlock();
	cr_expect_eq(rtp_flow_writer_count(w), 0);
	cr_expect(reclaim_until(2), "both retired flows come back after a grace period");

	f.local_port = 20011;
	cr_expect_eq(rtp_flow_publish(w, &f), -ERANGE, "odd ports are RTCP's");
	f.local_port = 20100;
	cr_expect_eq(rtp_flow_publish(w, &f), -ERANGE);
}

/* A reader that holds a flow keeps it from being reused: the pool (2 * 1 + 64 flows) runs
 * dry while the reader stays inside its read-side section, and refills once it leaves. */
struct holder {
	struct rtp_flow_slot *s;
	const struct rtp_flow *seen;
	uint16_t peer_port;
	int go, leave, done;
};

static void *
hold(void *arg)
{
	struct holder *h = arg;

	rcu_register_thread();
	rcu_read_lock();
	h->seen = rtp_flow_get(h->s);
	__atomic_store_n(&h->go, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&h->leave, __ATOMIC_ACQUIRE))
		;
	h->peer_port = h->seen->peer_port; /* still the flow it saw, never a reused one */
	rcu_read_unlock();
	rcu_unregister_thread();
	__atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

Test(flow, a_reader_holds_a_replaced_flow_until_it_leaves)
{
	struct rtp_flow f = flow(20020, RTP_LATCH_STRICT);
	struct holder h = {.s = rtp_flow_slot(t, 20020)};
	pthread_t th;
	int rc = 0;
	unsigned published = 1;

	cr_assert_eq(rtp_flow_publish(w, &f), 0);
	cr_assert_eq(pthread_create(&th, NULL, hold, &h), 0);
	while (!__atomic_load_n(&h.go, __ATOMIC_ACQUIRE))
		;
	/* replace it until the pool is empty: nothing can come back while h reads */
	for (unsigned i = 0; i < 200 && rc == 0; i++) {
		f.peer_port = (uint16_t)(41000 + i);
		rc = rtp_flow_publish(w, &f);
		(void)rtp_flow_writer_reclaim(w);
		rcu_quiescent_state();
		published += rc == 0;
	}
	cr_expect_eq(rc, -ENOMEM);
	cr_expect_eq(published, 2 * 1 + 64, "every flow of the pool was used once");
	__atomic_store_n(&h.leave, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	cr_expect_eq(h.peer_port, 40000, "the reader's flow was not overwritten under it");
	cr_expect(reclaim_until(2 * 1 + 64 - 1), "all but the published one come back");
	f.peer_port = 42000;
	cr_expect_eq(rtp_flow_publish(w, &f), 0);
}

Test(flow, a_tone_flow_is_announced_to_its_media_lcore)
{
	struct rtp_flow f = flow(20030, RTP_LATCH_STRICT);
	void *port;

	f.action = DPV_CALL_TONE;
	f.media_lcore = 1;
	cr_assert_eq(rtp_flow_publish(w, &f), 0);
	cr_expect_eq(rte_ring_count(t->tone_ring[0]), 0);
	cr_assert_eq(rte_ring_dequeue(t->tone_ring[1], &port), 0);
	cr_expect_eq((uintptr_t)port, 20030);
	f.action = DPV_CALL_ECHO;
	cr_assert_eq(rtp_flow_publish(w, &f), 0);
	cr_expect_eq(rte_ring_count(t->tone_ring[1]), 0, "only tone flows are announced");
}

Test(flow, strict_latching_takes_the_sdp_address_and_port_only)
{
	struct rtp_flow f = flow(20040, RTP_LATCH_STRICT);
	struct rtp_flow_slot *s = rtp_flow_slot(t, 20040);

	cr_expect(rtp_latch_ok(&f, s, false, PEER_IP, 40000));
	cr_expect(rtp_latch_ok(&f, s, true, PEER_IP, 40001));
	cr_expect(!rtp_latch_ok(&f, s, false, PEER_IP, 40002), "another port of the peer");
	cr_expect(!rtp_latch_ok(&f, s, true, PEER_IP, 40000), "RTCP from the RTP port");
	cr_expect(!rtp_latch_ok(&f, s, false, OTHER_IP, 40000), "another host");
	cr_expect_eq(rtp_flow_dst_port(&f, s, false), 40000);
	cr_expect_eq(rtp_flow_dst_port(&f, s, true), 40001);
	f.peer_ip = 0; /* c=0.0.0.0 hold: nothing is accepted */
	cr_expect(!rtp_latch_ok(&f, s, false, 0, 40000));
}

Test(flow, learn_latching_locks_the_first_port_of_the_signaled_ip)
{
	struct rtp_flow f = flow(20050, RTP_LATCH_LEARN);
	struct rtp_flow_slot *s = rtp_flow_slot(t, 20050);

	cr_assert_eq(rtp_flow_publish(w, &f), 0);
	rcu_read_lock();
	const struct rtp_flow *p = rtp_flow_get(s);

	cr_expect(!rtp_latch_ok(p, s, false, OTHER_IP, 5000), "another host never latches");
	cr_expect_eq(rtp_flow_dst_port(p, s, false), 40000, "nothing learned: the SDP's port");
	cr_expect(rtp_latch_ok(p, s, false, PEER_IP, 5000), "the signaled IP, a NATed port");
	cr_expect(rtp_latch_ok(p, s, false, PEER_IP, 5000));
	cr_expect(!rtp_latch_ok(p, s, false, PEER_IP, 5002), "locked: it never moves again");
	cr_expect(!rtp_latch_ok(p, s, false, PEER_IP, 40000), "not even to the SDP's port");
	cr_expect_eq(rtp_flow_dst_port(p, s, false), 5000, "sent where it was learned");
	cr_expect_eq(rtp_flow_dst_port(p, s, true), 40001, "RTCP learns on its own");
	cr_expect(rtp_latch_ok(p, s, true, PEER_IP, 5001));
	cr_expect_eq(rtp_flow_dst_port(p, s, true), 5001);
	rcu_read_unlock();

	/* a new generation (a re-INVITE, a new call on the port) learns afresh */
	cr_assert_eq(rtp_flow_publish(w, &f), 0);
	rcu_read_lock();
	p = rtp_flow_get(s);
	cr_expect_eq(rtp_flow_dst_port(p, s, false), 40000);
	cr_expect(rtp_latch_ok(p, s, false, PEER_IP, 6000));
	cr_expect(!rtp_latch_ok(p, s, false, PEER_IP, 5000));
	rcu_read_unlock();
}

/* Two media lcores see the first packets of a learning flow from two ports at once: exactly
 * one port wins, and both agree on it from then on. */
struct racer {
	const struct rtp_flow *f;
	struct rtp_flow_slot *s;
	uint16_t port;
	int *start;
	bool won, agrees;
};

static void *
race(void *arg)
{
	struct racer *r = arg;

	while (!__atomic_load_n(r->start, __ATOMIC_ACQUIRE))
		;
	r->won = rtp_latch_ok(r->f, r->s, false, PEER_IP, r->port);
	r->agrees = rtp_latch_ok(r->f, r->s, false, PEER_IP, r->port) == r->won;
	return NULL;
}

Test(flow, learn_latching_has_one_winner_under_a_race)
{
	for (unsigned round = 0; round < 200; round++) {
		struct rtp_flow f = flow(20060, RTP_LATCH_LEARN);
		struct rtp_flow_slot *s = rtp_flow_slot(t, 20060);
		int start = 0;
		struct racer r[2] = {{&f, s, 7000, &start, false, false},
		                     {&f, s, 7002, &start, false, false}};
		pthread_t th[2];

		f.gen = round + 1; /* a fresh generation each round: nothing latched yet */
		for (unsigned i = 0; i < 2; i++)
			cr_assert_eq(pthread_create(&th[i], NULL, race, &r[i]), 0);
		__atomic_store_n(&start, 1, __ATOMIC_RELEASE);
		for (unsigned i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		cr_assert_neq(r[0].won, r[1].won, "round %u: exactly one port latches", round);
		cr_assert(r[0].agrees && r[1].agrees, "round %u", round);
		cr_assert_eq(rtp_flow_dst_port(&f, s, false), r[0].won ? 7000 : 7002);
	}
}
