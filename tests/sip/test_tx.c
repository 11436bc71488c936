/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <urcu-qsbr.h>

#include "dpv.h"
#include "sip.h"

#define T1 500
#define T2 4000
#define T4 5000

enum ev_type { EV_REQ, EV_RESP, EV_ACK, EV_ONRESP, EV_TIMEOUT, EV_TERR, EV_TERM, EV_MAX };

struct ev {
	enum ev_type type;
	struct sip_tx *tx;
	void *msg;
	unsigned val;
	uint64_t at;
};

#define MAXEV 4096
static struct ev evs[MAXEV];
static unsigned nev;
static struct dpv_timer_wheel wheel;
static struct sip_tx_table *tab;

static void
log_ev(enum ev_type type, struct sip_tx *tx, void *msg, unsigned val)
{
	cr_assert_lt(nev, MAXEV);
	evs[nev++] = (struct ev){type, tx, msg, val, dpv_timer_wheel_now(&wheel)};
}

static void
op_send_request(struct sip_tx *tx, void *req, void *arg)
{
	log_ev(EV_REQ, tx, req, 0);
}

static void
op_send_response(struct sip_tx *tx, void *resp, void *arg)
{
	log_ev(EV_RESP, tx, resp, 0);
}

static void
op_send_ack(struct sip_tx *tx, void *arg)
{
	log_ev(EV_ACK, tx, NULL, 0);
}

static void
op_on_response(struct sip_tx *tx, unsigned code, void *arg)
{
	log_ev(EV_ONRESP, tx, NULL, code);
}

static void
op_on_timeout(struct sip_tx *tx, enum sip_tx_timer which, void *arg)
{
	log_ev(EV_TIMEOUT, tx, NULL, which);
}

static void
op_on_transport_error(struct sip_tx *tx, void *arg)
{
	log_ev(EV_TERR, tx, NULL, 0);
}

static void
op_on_terminated(struct sip_tx *tx, void *arg)
{
	cr_assert_eq(sip_tx_state(tx), SIP_TX_TERMINATED);
	log_ev(EV_TERM, tx, NULL, 0);
}

static const struct sip_tx_ops ops = {
    .send_request = op_send_request,
    .send_response = op_send_response,
    .send_ack = op_send_ack,
    .on_response = op_on_response,
    .on_timeout = op_on_timeout,
    .on_transport_error = op_on_transport_error,
    .on_terminated = op_on_terminated,
};

static struct sip_tx_table *
mktable(uint32_t max)
{
	struct sip_tx_table_cfg cfg = {
	    .max_tx = max,
	    .t1_ms = T1,
	    .t2_ms = T2,
	    .t4_ms = T4,
	    .wheel = &wheel,
	    .ops = &ops,
	};

	return sip_tx_table_create(&cfg);
}

static void
setup(void)
{
	rcu_register_thread();
	nev = 0;
	cr_assert_eq(dpv_timer_wheel_init(&wheel, 512, 10, 0), 0);
	tab = mktable(16);
	cr_assert_not_null(tab);
}

static void
teardown(void)
{
	sip_tx_table_destroy(tab);
	dpv_timer_wheel_fini(&wheel);
	rcu_unregister_thread();
}

static unsigned
count(enum ev_type type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nev; i++)
		n += evs[i].type == type;
	return n;
}

static const struct ev *
nth(enum ev_type type, unsigned k)
{
	for (unsigned i = 0; i < nev; i++)
		if (evs[i].type == type && k-- == 0)
			return &evs[i];
	cr_assert_fail("no event %d #%u", type, k);
	return NULL;
}

static const struct ev *
last(void)
{
	cr_assert_gt(nev, 0);
	return &evs[nev - 1];
}

static void
adv(uint64_t ms)
{
	dpv_timer_wheel_advance(&wheel, ms);
}

/* Assert that an event of @a type happens exactly at @a at: none at at-1, one more at at. */
static void
expect_at(enum ev_type type, uint64_t at)
{
	unsigned before;

	adv(at - 1);
	before = count(type);
	adv(at);
	cr_assert_eq(count(type), before + 1, "event %d expected at %lu", type, (unsigned long)at);
	cr_assert_eq(nth(type, before)->at, at);
}

static struct sip_tx_key
ckey(const char *branch, enum sip_method m)
{
	return (struct sip_tx_key){.branch = {branch, (uint32_t)strlen(branch)}, .method = m};
}

static struct sip_tx_key
skey(const char *branch, const char *host, uint16_t port, enum sip_method m)
{
	return (struct sip_tx_key){
	    .branch = {branch, (uint32_t)strlen(branch)},
	    .sent_by_host = {host, (uint32_t)strlen(host)},
	    .sent_by_port = port,
	    .method = m,
	};
}

static int req_msg, resp1, resp2, resp3;

TestSuite(tx, .init = setup, .fini = teardown);

/* ---- INVITE client ---- */

Test(tx, ict_retransmits_at_t1_3t1_7t1_then_timer_b)
{
	struct sip_tx_key k = ckey("z9hG4bKict1", SIP_METHOD_INVITE);
	struct sip_tx *tx = sip_tx_client_new(tab, &k, &req_msg, NULL);
	uint64_t want[] = {500, 1500, 3500, 7500, 15500, 31500};

	cr_assert_not_null(tx);
	cr_assert_eq(sip_tx_kind(tx), SIP_TX_ICT);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_CALLING);
	cr_assert_eq(count(EV_REQ), 1);
	cr_assert_eq(nth(EV_REQ, 0)->at, 0);
	cr_assert_eq(nth(EV_REQ, 0)->msg, &req_msg);
	for (unsigned i = 0; i < 6; i++)
		expect_at(EV_REQ, want[i]);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_CALLING);
	expect_at(EV_TIMEOUT, 64 * T1);
	cr_assert_eq(nth(EV_TIMEOUT, 0)->val, SIP_TX_TIMER_B);
	cr_assert_eq(last()->type, EV_TERM);
	cr_assert_eq(count(EV_REQ), 7);
	cr_assert_eq(sip_tx_table_stats(tab)->retrans_sent, 6);
	cr_assert_eq(sip_tx_table_stats(tab)->timer_fired[SIP_TX_TIMER_A], 6);
	cr_assert_eq(sip_tx_table_stats(tab)->timer_fired[SIP_TX_TIMER_B], 1);
	cr_assert_eq(sip_tx_table_stats(tab)->timeouts, 1);
	cr_assert_eq(sip_tx_table_count(tab), 0);
	cr_assert_eq(sip_tx_table_limbo(tab), 1);
	cr_assert_null(sip_tx_find(tab, &k, false), "terminated: out of the table");
	adv(200000);
	cr_assert_eq(count(EV_REQ), 7, "nothing after termination");
}

Test(tx, ict_schedule_survives_one_big_clock_jump)
{
	struct sip_tx_key k = ckey("z9hG4bKict2", SIP_METHOD_INVITE);
	uint64_t want[] = {0, 500, 1500, 3500, 7500, 15500, 31500};

	cr_assert_not_null(sip_tx_client_new(tab, &k, &req_msg, NULL));
	adv(100000);
	cr_assert_eq(count(EV_REQ), 7);
	for (unsigned i = 0; i < 7; i++)
		cr_assert_eq(nth(EV_REQ, i)->at, want[i]);
	cr_assert_eq(nth(EV_TIMEOUT, 0)->at, 32000);
}

Test(tx, ict_provisional_then_486_completed_ack_and_timer_d)
{
	struct sip_tx_key k = ckey("z9hG4bKict3", SIP_METHOD_INVITE);
	struct sip_tx *tx = sip_tx_client_new(tab, &k, &req_msg, NULL);

	adv(600); /* one retransmission at 500 */
	cr_assert_eq(sip_tx_response_in(tab, &k, 180), tx);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_PROCEEDING);
	cr_assert_eq(last()->type, EV_ONRESP);
	cr_assert_eq(last()->val, 180);
	adv(100000); /* no retransmission, no Timer B in Proceeding */
	cr_assert_eq(count(EV_REQ), 2);
	cr_assert_eq(count(EV_TIMEOUT), 0);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_PROCEEDING);

	cr_assert_eq(sip_tx_response_in(tab, &k, 486), tx);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_COMPLETED);
	cr_assert_eq(count(EV_ACK), 1);
	cr_assert_eq(count(EV_ONRESP), 2);
	cr_assert_eq(last()->val, 486);
	/* retransmitted final: ACK again, not passed up */
	cr_assert_eq(sip_tx_response_in(tab, &k, 486), tx);
	cr_assert_eq(count(EV_ACK), 2);
	cr_assert_eq(count(EV_ONRESP), 2);
	cr_assert_eq(sip_tx_table_stats(tab)->retrans_absorbed, 1);
	expect_at(EV_TERM, 100000 + 32000);
	cr_assert_eq(sip_tx_table_stats(tab)->timer_fired[SIP_TX_TIMER_D], 1);
	cr_assert_eq(count(EV_TIMEOUT), 0);
}

Test(tx, ict_2xx_accepted_passes_retransmissions_up_and_timer_m)
{
	struct sip_tx_key k = ckey("z9hG4bKict4", SIP_METHOD_INVITE);
	struct sip_tx *tx = sip_tx_client_new(tab, &k, &req_msg, NULL);

	adv(100);
	cr_assert_eq(sip_tx_response_in(tab, &k, 200), tx);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_ACCEPTED);
	cr_assert_eq(count(EV_ONRESP), 1);
	cr_assert_eq(count(EV_ACK), 0, "the ACK of a 2xx is the TU's");
	cr_assert_eq(sip_tx_response_in(tab, &k, 200), tx);
	cr_assert_eq(count(EV_ONRESP), 2, "RFC 6026: 2xx retransmissions reach the TU");
	cr_assert_eq(sip_tx_response_in(tab, &k, 180), tx);
	cr_assert_eq(count(EV_ONRESP), 2);
	expect_at(EV_TERM, 100 + 64 * T1);
	cr_assert_eq(count(EV_REQ), 1, "no retransmission after the 2xx");
	cr_assert_eq(sip_tx_table_stats(tab)->timer_fired[SIP_TX_TIMER_M], 1);
}

Test(tx, ict_transport_error_terminates)
{
	struct sip_tx_key k = ckey("z9hG4bKict5", SIP_METHOD_INVITE);
	struct sip_tx *tx = sip_tx_client_new(tab, &k, &req_msg, NULL);

	sip_tx_transport_error(tx);
	cr_assert_eq(count(EV_TERR), 1);
	cr_assert_eq(last()->type, EV_TERM);
	cr_assert_eq(sip_tx_table_stats(tab)->transport_errors, 1);
	adv(100000);
	cr_assert_eq(count(EV_REQ), 1);
	cr_assert_eq(count(EV_TIMEOUT), 0);
}

/* ---- non-INVITE client ---- */

Test(tx, nict_retransmits_double_to_t2_then_every_t2_timer_f)
{
	struct sip_tx_key k = ckey("z9hG4bKnict1", SIP_METHOD_OPTIONS);
	struct sip_tx *tx = sip_tx_client_new(tab, &k, &req_msg, NULL);
	uint64_t want[] = {500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500};

	cr_assert_eq(sip_tx_kind(tx), SIP_TX_NICT);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_TRYING);
	for (unsigned i = 0; i < 10; i++)
		expect_at(EV_REQ, want[i]);
	expect_at(EV_TIMEOUT, 64 * T1);
	cr_assert_eq(nth(EV_TIMEOUT, 0)->val, SIP_TX_TIMER_F);
	cr_assert_eq(last()->type, EV_TERM);
	cr_assert_eq(count(EV_REQ), 11);
}

Test(tx, nict_proceeding_retransmits_every_t2_then_final_and_timer_k)
{
	struct sip_tx_key k = ckey("z9hG4bKnict2", SIP_METHOD_BYE);
	struct sip_tx *tx = sip_tx_client_new(tab, &k, &req_msg, NULL);

	adv(2000); /* retransmissions at 500, 1500; next E due at 3500 */
	cr_assert_eq(sip_tx_response_in(tab, &k, 100), tx);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_PROCEEDING);
	cr_assert_eq(last()->type, EV_ONRESP);
	expect_at(EV_REQ, 3500);
	expect_at(EV_REQ, 7500);
	expect_at(EV_REQ, 11500);
	cr_assert_eq(sip_tx_response_in(tab, &k, 200), tx);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_COMPLETED);
	cr_assert_eq(last()->val, 200);
	cr_assert_eq(sip_tx_response_in(tab, &k, 200), tx);
	cr_assert_eq(count(EV_ONRESP), 2, "retransmitted final absorbed");
	cr_assert_eq(sip_tx_table_stats(tab)->retrans_absorbed, 1);
	expect_at(EV_TERM, 11500 + T4);
	cr_assert_eq(count(EV_REQ), 6);
	cr_assert_eq(count(EV_TIMEOUT), 0);
	cr_assert_eq(sip_tx_table_stats(tab)->timer_fired[SIP_TX_TIMER_K], 1);
}

/* ---- INVITE server ---- */

Test(tx, ist_provisional_absorbs_retransmission_486_timer_g_and_h)
{
	struct sip_tx_key k = skey("z9hG4bKist1", "198.18.0.2", 5060, SIP_METHOD_INVITE);
	struct sip_tx *tx, *m;
	uint64_t want[] = {500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500};

	cr_assert_eq(sip_tx_request_in(tab, &k, &m), SIP_TX_RX_NO_MATCH);
	cr_assert_null(m);
	tx = sip_tx_server_new(tab, &k, &req_msg, &resp3);
	cr_assert_not_null(tx);
	cr_assert_eq(sip_tx_kind(tx), SIP_TX_IST);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_PROCEEDING);
	cr_assert_eq(sip_tx_user(tx), &resp3);
	/* retransmission before any response: absorbed, nothing to resend */
	cr_assert_eq(sip_tx_request_in(tab, &k, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(m, tx);
	cr_assert_eq(count(EV_RESP), 0);

	cr_assert_eq(sip_tx_send_response(tx, 100, &resp1), 0);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_PROCEEDING);
	cr_assert_eq(count(EV_RESP), 1);
	cr_assert_eq(sip_tx_request_in(tab, &k, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(count(EV_RESP), 2);
	cr_assert_eq(last()->msg, &resp1, "the last response is resent");
	cr_assert_eq(sip_tx_table_stats(tab)->retrans_absorbed, 2);
	cr_assert_eq(sip_tx_table_count(tab), 1, "never a new transaction");

	cr_assert_eq(sip_tx_send_response(tx, 486, &resp2), 0);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_COMPLETED);
	cr_assert_eq(sip_tx_last_response(tx), &resp2);
	cr_assert_eq(sip_tx_last_code(tx), 486);
	for (unsigned i = 0; i < 10; i++) {
		expect_at(EV_RESP, want[i]);
		cr_assert_eq(last()->msg, &resp2);
	}
	expect_at(EV_TIMEOUT, 64 * T1);
	cr_assert_eq(nth(EV_TIMEOUT, 0)->val, SIP_TX_TIMER_H);
	cr_assert_eq(last()->type, EV_TERM);
	cr_assert_eq(sip_tx_table_stats(tab)->timer_fired[SIP_TX_TIMER_G], 10);
}

Test(tx, ist_ack_confirms_and_timer_i)
{
	struct sip_tx_key k = skey("z9hG4bKist2", "198.18.0.2", 5060, SIP_METHOD_INVITE);
	struct sip_tx_key ack = skey("z9hG4bKist2", "198.18.0.2", 5060, SIP_METHOD_ACK);
	struct sip_tx *tx = sip_tx_server_new(tab, &k, &req_msg, NULL), *m;

	cr_assert_eq(sip_tx_send_response(tx, 603, &resp2), 0);
	adv(1000); /* one G retransmission at 500 */
	cr_assert_eq(count(EV_RESP), 2);
	cr_assert_eq(sip_tx_request_in(tab, &k, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(count(EV_RESP), 3, "INVITE retransmission in Completed resends the final");
	cr_assert_eq(sip_tx_request_in(tab, &ack, &m), SIP_TX_RX_ACK_CONFIRMED);
	cr_assert_eq(m, tx);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_CONFIRMED);
	cr_assert_eq(sip_tx_request_in(tab, &ack, &m), SIP_TX_RX_ABSORBED);
	expect_at(EV_TERM, 1000 + T4);
	cr_assert_eq(count(EV_RESP), 3, "no G after the ACK");
	cr_assert_eq(count(EV_TIMEOUT), 0, "no H after the ACK");
	cr_assert_eq(sip_tx_table_stats(tab)->timer_fired[SIP_TX_TIMER_I], 1);
}

Test(tx, ist_2xx_accepted_absorbs_invite_timer_l)
{
	struct sip_tx_key k = skey("z9hG4bKist3", "198.18.0.2", 5060, SIP_METHOD_INVITE);
	struct sip_tx_key ack = skey("z9hG4bKist3", "198.18.0.2", 5060, SIP_METHOD_ACK);
	struct sip_tx *tx = sip_tx_server_new(tab, &k, &req_msg, NULL), *m;

	adv(300);
	cr_assert_eq(sip_tx_send_response(tx, 180, &resp1), 0);
	cr_assert_eq(sip_tx_send_response(tx, 200, &resp2), 0);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_ACCEPTED);
	cr_assert_eq(count(EV_RESP), 2);
	cr_assert_eq(sip_tx_request_in(tab, &k, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(count(EV_RESP), 2, "the transaction never resends a 2xx itself");
	/* the TU's own 2xx retransmission passes through */
	adv(800);
	cr_assert_eq(sip_tx_send_response(tx, 200, &resp2), 0);
	cr_assert_eq(count(EV_RESP), 3);
	cr_assert_eq(sip_tx_send_response(tx, 486, &resp3), -EINVAL);
	cr_assert_eq(sip_tx_table_stats(tab)->responses_rejected, 1);
	cr_assert_eq(sip_tx_request_in(tab, &ack, &m), SIP_TX_RX_TO_TU);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_ACCEPTED);
	expect_at(EV_TERM, 300 + 64 * T1);
	cr_assert_eq(count(EV_RESP), 3);
	cr_assert_eq(count(EV_TIMEOUT), 0);
	cr_assert_eq(sip_tx_table_stats(tab)->timer_fired[SIP_TX_TIMER_L], 1);
}

/* ---- non-INVITE server ---- */

Test(tx, nist_trying_proceeding_completed_timer_j)
{
	struct sip_tx_key k = skey("z9hG4bKnist1", "198.18.0.2", 5060, SIP_METHOD_BYE);
	struct sip_tx *tx = sip_tx_server_new(tab, &k, &req_msg, NULL), *m;

	cr_assert_eq(sip_tx_kind(tx), SIP_TX_NIST);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_TRYING);
	cr_assert_eq(sip_tx_request_in(tab, &k, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(count(EV_RESP), 0);
	cr_assert_eq(sip_tx_send_response(tx, 100, &resp1), 0);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_PROCEEDING);
	cr_assert_eq(sip_tx_request_in(tab, &k, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(last()->msg, &resp1);
	adv(1000);
	cr_assert_eq(sip_tx_send_response(tx, 200, &resp2), 0);
	cr_assert_eq(sip_tx_state(tx), SIP_TX_COMPLETED);
	cr_assert_eq(sip_tx_send_response(tx, 500, &resp3), -EINVAL);
	cr_assert_eq(sip_tx_request_in(tab, &k, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(last()->msg, &resp2);
	cr_assert_eq(count(EV_RESP), 4);
	expect_at(EV_TERM, 1000 + 64 * T1);
	cr_assert_eq(count(EV_RESP), 4, "no timer-driven retransmission on a NIST");
	cr_assert_eq(sip_tx_table_stats(tab)->timer_fired[SIP_TX_TIMER_J], 1);
	cr_assert_eq(sip_tx_table_stats(tab)->retrans_absorbed, 3);
}

/* ---- matching ---- */

Test(tx, client_matching_branch_and_cseq_method)
{
	struct sip_tx_key inv = ckey("z9hG4bKc1", SIP_METHOD_INVITE);
	struct sip_tx_key can = ckey("z9hG4bKc1", SIP_METHOD_CANCEL);
	struct sip_tx_key other = ckey("z9hG4bKc2", SIP_METHOD_INVITE);
	struct sip_tx *ti = sip_tx_client_new(tab, &inv, &req_msg, NULL);
	struct sip_tx *tc = sip_tx_client_new(tab, &can, &req_msg, NULL);

	cr_assert_not_null(ti);
	cr_assert_not_null(tc, "CANCEL shares the INVITE's branch but is its own transaction");
	cr_assert_neq(ti, tc);
	cr_assert_eq(sip_tx_kind(tc), SIP_TX_NICT);
	cr_assert_eq(sip_tx_response_in(tab, &can, 200), tc);
	cr_assert_eq(sip_tx_state(tc), SIP_TX_COMPLETED);
	cr_assert_eq(sip_tx_state(ti), SIP_TX_CALLING);
	cr_assert_eq(sip_tx_response_in(tab, &inv, 487), ti);
	cr_assert_eq(sip_tx_state(ti), SIP_TX_COMPLETED);
	cr_assert_null(sip_tx_response_in(tab, &other, 200));
	cr_assert_eq(sip_tx_table_stats(tab)->stray_responses, 1);
	cr_assert_null(sip_tx_client_new(tab, &inv, &req_msg, NULL));
	cr_assert_eq(sip_tx_table_stats(tab)->duplicate, 1);
}

Test(tx, server_matching_sent_by_ack_and_cancel)
{
	struct sip_tx_key inv = skey("z9hG4bKs1", "Host.Example", 5060, SIP_METHOD_INVITE);
	struct sip_tx_key inv_case = skey("z9hG4bKs1", "host.example", 5060, SIP_METHOD_INVITE);
	struct sip_tx_key inv_port = skey("z9hG4bKs1", "host.example", 5070, SIP_METHOD_INVITE);
	struct sip_tx_key inv_host = skey("z9hG4bKs1", "other.example", 5060, SIP_METHOD_INVITE);
	struct sip_tx_key ack = skey("z9hG4bKs1", "host.example", 5060, SIP_METHOD_ACK);
	struct sip_tx_key can = skey("z9hG4bKs1", "host.example", 5060, SIP_METHOD_CANCEL);
	struct sip_tx_key can2 = skey("z9hG4bKs9", "host.example", 5060, SIP_METHOD_CANCEL);
	struct sip_tx *ti = sip_tx_server_new(tab, &inv, &req_msg, NULL), *tc, *m;

	cr_assert_eq(sip_tx_request_in(tab, &inv_case, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(m, ti, "sent-by host compares case-insensitively");
	cr_assert_eq(sip_tx_request_in(tab, &inv_port, &m), SIP_TX_RX_NO_MATCH);
	cr_assert_eq(sip_tx_request_in(tab, &inv_host, &m), SIP_TX_RX_NO_MATCH);
	cr_assert_eq(sip_tx_request_in(tab, &ack, &m), SIP_TX_RX_ABSORBED,
	             "ACK before a final response matches the INVITE and is dropped");
	cr_assert_eq(m, ti);
	cr_assert_null(sip_tx_server_new(tab, &ack, &req_msg, NULL), "ACK never creates one");

	cr_assert_eq(sip_tx_request_in(tab, &can, &m), SIP_TX_RX_NO_MATCH);
	cr_assert_eq(sip_tx_find_cancelled(tab, &can), ti);
	cr_assert_null(sip_tx_find_cancelled(tab, &can2));
	tc = sip_tx_server_new(tab, &can, &req_msg, NULL);
	cr_assert_not_null(tc);
	cr_assert_eq(sip_tx_kind(tc), SIP_TX_NIST);
	cr_assert_eq(sip_tx_method(tc), SIP_METHOD_CANCEL);
	cr_assert_eq(sip_tx_request_in(tab, &can, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(m, tc);
	cr_assert_eq(sip_tx_find(tab, &inv, true), ti);
	cr_assert_null(sip_tx_find(tab, &inv, false), "server and client sides are apart");
	cr_assert_eq(sip_tx_table_count(tab), 2);
}

/*
 * A key keeps the hash sip_tx_key_hash (or sip_tx_prefetch) computed, for the lookups and the
 * creation after it: a key hashed for one side or method and then used for another (a CANCEL's
 * key turned into its INVITE's, a client key looked up as a server's) is hashed again, so it
 * finds what a fresh key finds; and a kept hash is the fresh one.
 */
Test(tx, a_kept_key_hash_is_used_only_for_what_it_was_computed_for)
{
	struct sip_tx_key inv = skey("z9hG4bKh1", "host.example", 5060, SIP_METHOD_INVITE);
	struct sip_tx_key fresh = inv,
	                  can = skey("z9hG4bKh1", "host.example", 5060, SIP_METHOD_CANCEL);
	struct sip_tx_key ack = skey("z9hG4bKh1", "host.example", 5060, SIP_METHOD_ACK);
	struct sip_tx *ti, *tc, *m;
	uint32_t h = sip_tx_key_hash(&inv, true);

	cr_assert_neq(inv.hash_as, 0);
	cr_assert_eq(inv.hash, h);
	cr_assert_eq(sip_tx_key_hash(&fresh, true), h, "the same key, the same hash");
	cr_assert_neq(sip_tx_key_hash(&fresh, false), h, "the client side hashes apart");
	sip_tx_prefetch(tab, &inv, true);
	cr_assert_eq(inv.hash, h);
	ti = sip_tx_server_new(tab, &inv, &req_msg, NULL);
	cr_assert_not_null(ti);
	sip_tx_prefetch_chain(tab, h);
	cr_assert_eq(sip_tx_find(tab, &inv, true), ti);
	cr_assert_null(sip_tx_find(tab, &inv, false), "a server hash is not used for the client");
	fresh = inv;
	fresh.hash_as = 0;
	cr_assert_eq(sip_tx_find(tab, &fresh, true), ti);
	/* an ACK matches its INVITE's transaction: the same hash, kept or not */
	cr_assert_eq(sip_tx_key_hash(&ack, true), h);
	cr_assert_eq(sip_tx_request_in(tab, &ack, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(m, ti);
	/* hashed as a CANCEL, then matched as the INVITE it cancels */
	(void)sip_tx_key_hash(&can, true);
	cr_assert_neq(can.hash, h);
	cr_assert_eq(sip_tx_find_cancelled(tab, &can), ti);
	tc = sip_tx_server_new(tab, &can, &req_msg, NULL);
	cr_assert_not_null(tc);
	cr_assert_eq(sip_tx_request_in(tab, &can, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(m, tc);
	can.method = SIP_METHOD_INVITE;
	cr_assert_eq(sip_tx_find(tab, &can, true), ti, "the method changed after hashing");
	cr_assert_eq(sip_tx_table_count(tab), 2);
}

Test(tx, extension_methods_compare_the_token)
{
	struct sip_tx_key a = skey("z9hG4bKx1", "h", 5060, SIP_METHOD_UNKNOWN);
	struct sip_tx_key b = a;
	struct sip_tx *ta, *m;

	a.method_name = DPV_STR_LIT("FOO");
	b.method_name = DPV_STR_LIT("BAR");
	ta = sip_tx_server_new(tab, &a, &req_msg, NULL);
	cr_assert_not_null(ta);
	cr_assert_eq(sip_tx_request_in(tab, &a, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(sip_tx_request_in(tab, &b, &m), SIP_TX_RX_NO_MATCH);
}

Test(tx, rfc2543_fallback_matching)
{
	struct sip_tx_key k = {
	    .branch = DPV_STR_LIT("1234"), /* no magic cookie */
	    .sent_by_host = DPV_STR_LIT("h"),
	    .sent_by_port = 5060,
	    .method = SIP_METHOD_INVITE,
	    .request_uri = DPV_STR_LIT("sip:bob@198.18.0.1"),
	    .from_tag = DPV_STR_LIT("ft1"),
	    .call_id = DPV_STR_LIT("cid-1@198.18.0.2"),
	    .cseq = 7,
	    .via = DPV_STR_LIT("SIP/2.0/UDP h;branch=1234"),
	};
	struct sip_tx_key x;
	struct sip_tx *tx = sip_tx_server_new(tab, &k, &req_msg, NULL), *m;

	cr_assert_not_null(tx);
	cr_assert_eq(sip_tx_send_response(tx, 486, &resp2), 0);
	x = k;
	cr_assert_eq(sip_tx_request_in(tab, &x, &m), SIP_TX_RX_ABSORBED);
	x.cseq = 8;
	cr_assert_eq(sip_tx_request_in(tab, &x, &m), SIP_TX_RX_NO_MATCH);
	x = k;
	x.from_tag = DPV_STR_LIT("ft2");
	cr_assert_eq(sip_tx_request_in(tab, &x, &m), SIP_TX_RX_NO_MATCH);
	x = k;
	x.request_uri = DPV_STR_LIT("sip:carol@198.18.0.1");
	cr_assert_eq(sip_tx_request_in(tab, &x, &m), SIP_TX_RX_NO_MATCH);
	x = k;
	x.via = DPV_STR_LIT("SIP/2.0/UDP h2;branch=1234");
	cr_assert_eq(sip_tx_request_in(tab, &x, &m), SIP_TX_RX_NO_MATCH);
	x = k;
	x.to_tag = DPV_STR_LIT("tt");
	cr_assert_eq(sip_tx_request_in(tab, &x, &m), SIP_TX_RX_NO_MATCH);
	x.method = SIP_METHOD_ACK; /* the ACK carries our To tag */
	cr_assert_eq(sip_tx_request_in(tab, &x, &m), SIP_TX_RX_ACK_CONFIRMED);
	cr_assert_eq(m, tx);
	x = k;
	x.method = SIP_METHOD_CANCEL;
	cr_assert_eq(sip_tx_find_cancelled(tab, &x), tx);
}

Test(tx, key_too_long_is_refused_and_counted)
{
	static char big[1000];
	struct sip_tx_key k;

	memset(big, 'a', sizeof(big));
	memcpy(big, "z9hG4bK", 7);
	k = ckey("z9hG4bK", SIP_METHOD_INVITE);
	k.branch = (struct dpv_str){big, sizeof(big)};
	cr_assert_null(sip_tx_client_new(tab, &k, &req_msg, NULL));
	cr_assert_eq(sip_tx_table_stats(tab)->key_too_long, 1);
	cr_assert_eq(sip_tx_table_avail(tab), 16);
	cr_assert_eq(count(EV_REQ), 0);
}

/* ---- pool, limbo, grace periods ---- */

static void
grace_period(void)
{
	/* This thread is a QSBR reader: announce a quiescent state, then wait, offline, for the
	 * call_rcu callbacks (the table's grace-period request) to have run. */
	rcu_quiescent_state();
	rcu_thread_offline();
	rcu_barrier();
	rcu_thread_online();
}

Test(tx, pool_exhaustion_and_reclaim_after_grace_period)
{
	struct sip_tx_table *small = mktable(2);
	struct sip_tx_key k1 = skey("z9hG4bKp1", "h", 5060, SIP_METHOD_OPTIONS);
	struct sip_tx_key k2 = skey("z9hG4bKp2", "h", 5060, SIP_METHOD_OPTIONS);
	struct sip_tx_key k3 = skey("z9hG4bKp3", "h", 5060, SIP_METHOD_OPTIONS);
	struct sip_tx *t1 = sip_tx_server_new(small, &k1, &req_msg, NULL);
	struct sip_tx *t2 = sip_tx_server_new(small, &k2, &req_msg, NULL);

	cr_assert_not_null(t1);
	cr_assert_not_null(t2);
	cr_assert_null(sip_tx_server_new(small, &k3, &req_msg, NULL));
	cr_assert_eq(sip_tx_table_stats(small)->pool_exhausted, 1);
	cr_assert_eq(sip_tx_table_stats(small)->created, 2);

	sip_tx_transport_error(t1);
	cr_assert_eq(sip_tx_table_count(small), 1);
	cr_assert_eq(sip_tx_table_limbo(small), 1);
	/* This thread has not passed a quiescent state since the delete: no grace period. */
	cr_assert_eq(sip_tx_table_reclaim(small), 0);
	cr_assert_null(sip_tx_server_new(small, &k3, &req_msg, NULL), "still in limbo");
	cr_assert_eq(sip_tx_table_stats(small)->pool_exhausted, 2);

	grace_period();
	cr_assert_eq(sip_tx_table_reclaim(small), 1);
	cr_assert_eq(sip_tx_table_limbo(small), 0);
	cr_assert_eq(sip_tx_table_stats(small)->reclaimed, 1);
	cr_assert_not_null(sip_tx_server_new(small, &k3, &req_msg, NULL));
	sip_tx_table_destroy(small);
}

Test(tx, deletions_during_a_pending_grace_period_wait_for_the_next_one)
{
	struct sip_tx_key k1 = skey("z9hG4bKg1", "h", 5060, SIP_METHOD_OPTIONS);
	struct sip_tx_key k2 = skey("z9hG4bKg2", "h", 5060, SIP_METHOD_OPTIONS);
	struct sip_tx *t1 = sip_tx_server_new(tab, &k1, &req_msg, NULL);
	struct sip_tx *t2 = sip_tx_server_new(tab, &k2, &req_msg, NULL);

	sip_tx_transport_error(t1);
	grace_period();             /* completes the request made for t1 */
	sip_tx_transport_error(t2); /* the first request is done but not yet seen: new one */
	cr_assert_eq(sip_tx_table_reclaim(tab), 1, "t1 only");
	cr_assert_eq(sip_tx_table_limbo(tab), 1);
	cr_assert_eq(sip_tx_table_reclaim(tab), 0);
	grace_period();
	cr_assert_eq(sip_tx_table_reclaim(tab), 1, "t2 after its own grace period");
	cr_assert_eq(sip_tx_table_avail(tab), 16);
}

struct reader {
	int go[2];
	int ready[2];
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
	rcu_quiescent_state();
	rcu_unregister_thread();
	return ok ? r : NULL;
}

Test(tx, an_online_reader_holds_back_reclaim)
{
	struct sip_tx_key k1 = skey("z9hG4bKr1", "h", 5060, SIP_METHOD_OPTIONS);
	struct sip_tx *t1 = sip_tx_server_new(tab, &k1, &req_msg, NULL);
	struct reader r;
	pthread_t th;
	char c = 0;

	cr_assert_eq(pipe(r.go), 0);
	cr_assert_eq(pipe(r.ready), 0);
	cr_assert_eq(pthread_create(&th, NULL, reader_main, &r), 0);
	cr_assert_eq(read(r.ready[0], &c, 1), 1);
	unsigned early, limbo;

	sip_tx_transport_error(t1);
	rcu_quiescent_state(); /* this thread is past it; the reader is not */
	/* Assert only once the reader is gone: a failed assert with the reader still online
	 * would leave teardown waiting for a grace period forever. */
	early = sip_tx_table_reclaim(tab);
	limbo = sip_tx_table_limbo(tab);
	cr_assert_eq(write(r.go[1], &c, 1), 1);
	void *ret = NULL;

	cr_assert_eq(pthread_join(th, &ret), 0);
	cr_assert_eq(ret, &r);
	cr_assert_eq(early, 0, "an online reader must hold the object in limbo");
	cr_assert_eq(limbo, 1);
	grace_period();
	cr_assert_eq(sip_tx_table_reclaim(tab), 1);
	cr_assert_eq(sip_tx_table_avail(tab), 16);
}

Test(tx, table_create_rejects_bad_config)
{
	struct sip_tx_table_cfg cfg = {
	    .max_tx = 4, .t1_ms = T1, .t2_ms = T2, .t4_ms = T4, .wheel = &wheel, .ops = &ops};

	cfg.max_tx = 0;
	cr_assert_null(sip_tx_table_create(&cfg));
	cfg.max_tx = 4;
	cfg.t2_ms = 100; /* T2 < T1 */
	cr_assert_null(sip_tx_table_create(&cfg));
	cfg.t2_ms = T2;
	cfg.wheel = NULL;
	cr_assert_null(sip_tx_table_create(&cfg));
}

Test(tx, names)
{
	cr_assert_str_eq(sip_tx_state_name(SIP_TX_ACCEPTED), "accepted");
	cr_assert_str_eq(sip_tx_timer_name(SIP_TX_TIMER_L), "L");
	cr_assert_str_eq(sip_tx_timer_name(SIP_TX_TIMER_MAX), "?");
}

enum { N_BIG = 1000 };
static char br[N_BIG][32];
static struct sip_tx *txs[N_BIG];

/* A table of N_BIG server transactions, branches PREFIX-i; every odd one an INVITE with
 * @a mixed, else all BYE. */
static struct sip_tx_table *
fill_big(const char *prefix, bool mixed)
{
	struct sip_tx_table *big = mktable(N_BIG);
	struct sip_tx_key k;

	cr_assert_not_null(big);
	for (int i = 0; i < N_BIG; i++) {
		snprintf(br[i], sizeof(br[i]), "%s-%d", prefix, i);
		k = skey(br[i], "198.18.0.2", 5060,
		         mixed && i % 2 ? SIP_METHOD_INVITE : SIP_METHOD_BYE);
		txs[i] = sip_tx_server_new(big, &k, &req_msg, NULL);
		cr_assert_not_null(txs[i], "tx %d", i);
	}
	return big;
}

Test(tx, full_table_lookups_and_bulk_reclaim)
{
	enum { N = N_BIG };
	struct sip_tx_table *big = fill_big("z9hG4bK", true);
	struct sip_tx_key k;
	struct sip_tx *m;

	k = skey("z9hG4bK-x", "198.18.0.2", 5060, SIP_METHOD_BYE);
	cr_assert_null(sip_tx_server_new(big, &k, &req_msg, NULL));
	for (int i = 0; i < N; i++) {
		k = skey(br[i], "198.18.0.2", 5060, i % 2 ? SIP_METHOD_INVITE : SIP_METHOD_BYE);
		cr_assert_eq(sip_tx_request_in(big, &k, &m), SIP_TX_RX_ABSORBED);
		cr_assert_eq(m, txs[i], "tx %d", i);
		k.method = i % 2 ? SIP_METHOD_BYE : SIP_METHOD_INVITE;
		cr_assert_eq(sip_tx_request_in(big, &k, &m), SIP_TX_RX_NO_MATCH);
	}
	for (int i = 0; i < N; i++)
		sip_tx_transport_error(txs[i]);
	cr_assert_eq(sip_tx_table_count(big), 0);
	cr_assert_eq(sip_tx_table_limbo(big), N);
	/* The first delete started a grace period; the other N-1 came after it started and share
	 * the next one, issued when the first is seen complete. */
	grace_period();
	cr_assert_eq(sip_tx_table_reclaim(big), 1);
	grace_period();
	cr_assert_eq(sip_tx_table_reclaim(big), N - 1);
	cr_assert_eq(sip_tx_table_avail(big), N);
	sip_tx_table_destroy(big);
}

/* The index's chains (1,000 transactions over 1,024 heads share some) unlinked from the
 * middle, the front and the back: whatever is left is still found, and what left is gone, its
 * key free for a new transaction. */
Test(tx, index_unlinks_in_any_order)
{
	enum { N = N_BIG };
	struct sip_tx_table *big = fill_big("z9hG4bK-u", false);
	struct sip_tx_key k;
	struct sip_tx *m;

	for (int i = 0; i < N; i += 3)
		sip_tx_transport_error(txs[i]);
	for (int i = 0; i < N; i++) {
		k = skey(br[i], "198.18.0.2", 5060, SIP_METHOD_BYE);
		cr_assert_eq(sip_tx_request_in(big, &k, &m),
		             i % 3 ? SIP_TX_RX_ABSORBED : SIP_TX_RX_NO_MATCH, "tx %d", i);
		cr_assert_eq(m, i % 3 ? txs[i] : NULL, "tx %d", i);
	}
	cr_assert_eq(sip_tx_table_count(big), N - (N + 2) / 3);
	grace_period();
	sip_tx_table_reclaim(big);
	grace_period();
	sip_tx_table_reclaim(big);
	/* a second one for a live key is a duplicate; a gone key takes a new transaction */
	k = skey(br[1], "198.18.0.2", 5060, SIP_METHOD_BYE);
	cr_assert_null(sip_tx_server_new(big, &k, &req_msg, NULL));
	cr_assert_eq(sip_tx_table_stats(big)->duplicate, 1);
	for (int i = 0; i < N; i += 3) {
		k = skey(br[i], "198.18.0.2", 5060, SIP_METHOD_BYE);
		txs[i] = sip_tx_server_new(big, &k, &req_msg, NULL);
		cr_assert_not_null(txs[i], "tx %d again", i);
	}
	for (int i = N - 1; i >= 0; i--) {
		k = skey(br[i], "198.18.0.2", 5060, SIP_METHOD_BYE);
		cr_assert_eq(sip_tx_request_in(big, &k, &m), SIP_TX_RX_ABSORBED, "tx %d", i);
		cr_assert_eq(m, txs[i], "tx %d", i);
		sip_tx_transport_error(txs[i]);
		cr_assert_eq(sip_tx_request_in(big, &k, &m), SIP_TX_RX_NO_MATCH, "tx %d", i);
	}
	cr_assert_eq(sip_tx_table_count(big), 0);
	sip_tx_table_destroy(big);
}

Test(tx, uas_cancel_flow_200_then_487_and_ack)
{
	struct sip_tx_key inv = skey("z9hG4bKcf", "198.18.0.2", 5060, SIP_METHOD_INVITE);
	struct sip_tx_key can = skey("z9hG4bKcf", "198.18.0.2", 5060, SIP_METHOD_CANCEL);
	struct sip_tx_key ack = skey("z9hG4bKcf", "198.18.0.2", 5060, SIP_METHOD_ACK);
	struct sip_tx *ti = sip_tx_server_new(tab, &inv, &req_msg, NULL), *tc, *m;

	cr_assert_eq(sip_tx_send_response(ti, 100, &resp1), 0);
	adv(1000);
	cr_assert_eq(sip_tx_request_in(tab, &can, &m), SIP_TX_RX_NO_MATCH);
	cr_assert_eq(sip_tx_find_cancelled(tab, &can), ti);
	tc = sip_tx_server_new(tab, &can, &req_msg, NULL);
	cr_assert_eq(sip_tx_send_response(tc, 200, &resp2), 0);
	cr_assert_eq(sip_tx_send_response(ti, 487, &resp3), 0);
	cr_assert_eq(sip_tx_state(tc), SIP_TX_COMPLETED);
	cr_assert_eq(sip_tx_state(ti), SIP_TX_COMPLETED);
	cr_assert_eq(sip_tx_request_in(tab, &can, &m), SIP_TX_RX_ABSORBED);
	cr_assert_eq(m, tc);
	cr_assert_eq(last()->msg, &resp2, "a CANCEL retransmission gets the CANCEL's 200");
	expect_at(EV_RESP, 1500); /* Timer G resends the 487 */
	cr_assert_eq(last()->msg, &resp3);
	cr_assert_eq(sip_tx_request_in(tab, &ack, &m), SIP_TX_RX_ACK_CONFIRMED);
	cr_assert_eq(m, ti);
	expect_at(EV_TERM, 1500 + T4);
	cr_assert_eq(last()->tx, ti);
	expect_at(EV_TERM, 1000 + 64 * T1);
	cr_assert_eq(last()->tx, tc);
	cr_assert_eq(sip_tx_table_count(tab), 0);
}
