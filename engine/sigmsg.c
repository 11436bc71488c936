/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages to signaling lcores: one multi-producer ring per signaling lcore, messages from one
 * engine-wide mempool. The main lcore calls (posts and waits for the answer, bounded in time);
 * signaling lcores post to each other without waiting (a session joins a bridge another lcore
 * owns). A message a caller waits for has two references, the caller's and the handler's:
 * whoever lets go last frees it, so a caller that gave up waiting never has its message
 * written after it is gone. The handler runs in the owner's loop (dpv_sig_tick), in bursts.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "sig_int.h"

#define SIG_MSG_BURST 32

int
sig_msg_init(struct dpv_engine *e, unsigned nb_msgs)
{
	e->sig_msgs = rte_mempool_create("dpv_sigmsg", nb_msgs, sizeof(struct sig_msg), 0, 0, NULL,
	                                 NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	return e->sig_msgs != NULL ? 0 : -ENOMEM;
}

void
sig_msg_fini(struct dpv_engine *e)
{
	rte_mempool_free(e->sig_msgs);
	e->sig_msgs = NULL;
}

struct sig_msg *
sig_msg_alloc(struct dpv_engine *e, enum sig_msg_type type)
{
	struct sig_msg *m;

	if (e->sig_msgs == NULL || rte_mempool_get(e->sig_msgs, (void **)&m) != 0)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->refs = 1;
	m->from = SIG_FROM_MAIN;
	return m;
}

void
sig_msg_put(struct dpv_engine *e, struct sig_msg *m)
{
	if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0)
		rte_mempool_put(e->sig_msgs, m);
}

int
sig_msg_post(struct dpv_engine *e, unsigned to, struct sig_msg *m)
{
	struct dpv_worker *w = to < e->nb_sig ? e->sig_workers[to] : NULL;

	if (w == NULL || w->msg_ring == NULL || rte_ring_mp_enqueue(w->msg_ring, m) != 0) {
		sig_msg_put(e, m);
		return w == NULL ? -ENOENT : -ENOBUFS;
	}
	return 0;
}

int
sig_msg_call(struct dpv_engine *e, unsigned to, struct sig_msg *m, unsigned timeout_ms)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * timeout_ms / 1000;

	m->refs = 2;
	if (sig_msg_post(e, to, m) != 0) {
		int rc = to < e->nb_sig ? -ENOBUFS : -ENOENT;

		sig_msg_put(e, m); /* the post dropped the handler's reference */
		return rc;
	}
	while (!__atomic_load_n(&m->done, __ATOMIC_ACQUIRE)) {
		if (rte_get_timer_cycles() > deadline) {
			sig_msg_put(e, m); /* the handler frees it when it gets to it */
			return -ETIMEDOUT;
		}
		rte_delay_us_sleep(200);
	}
	return 0;
}

void
sig_msg_done(struct dpv_engine *e, struct sig_msg *m, int rc)
{
	m->rc = rc;
	__atomic_store_n(&m->done, 1, __ATOMIC_RELEASE);
	sig_msg_put(e, m);
}

unsigned
sig_msg_poll(struct dpv_worker *w)
{
	struct sig_msg *m[SIG_MSG_BURST];
	unsigned n;

	if (w->msg_ring == NULL)
		return 0;
	n = rte_ring_sc_dequeue_burst(w->msg_ring, (void **)m, SIG_MSG_BURST, NULL);
	for (unsigned i = 0; i < n; i++)
		dpv_sig_handle(w, m[i]);
	return n;
}
