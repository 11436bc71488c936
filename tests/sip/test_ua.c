/* SPDX-License-Identifier: BSD-3-Clause */
/* UA core: UAS call flow by the dialplan, dialogs, CANCEL/BYE/re-INVITE, UAC, listing. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <ctype.h>
#include <urcu-qsbr.h>

#include "sip.h"
#include "dpv.h"
#include "sip_test_helpers.h"

#define T1       500
#define T2       4000
#define LOCAL_IP 0xC6120001u /* 198.18.0.1 */
#define PEER_IP  0xC6120002u /* 198.18.0.2 */
#define MSG_CAP  4096

struct sent {
	char data[MSG_CAP + 1];
	uint32_t len, ip;
	uint16_t port;
	uint64_t at;
};

#define MAXSENT 128
static struct sent sent[MAXSENT];
static unsigned nsent;
static int nalloc, nfree;
static bool alloc_fail;

static unsigned n_answer, n_offer, n_answered, n_update, n_stop;
static char last_offer[1024];
static struct dpv_media last_media;

static struct dpv_timer_wheel wheel;
static struct sip_dialplan *dp;
static struct sip_ua *ua;
static uint64_t now;

static const char fake_answer[] =
    "v=0\r\no=- 1 1 IN IP4 198.18.0.1\r\ns=-\r\nc=IN IP4 198.18.0.1\r\n"
    "t=0 0\r\nm=audio 20000 RTP/AVP 0\r\na=sendrecv\r\n";
static const char fake_hold_answer[] = "v=0\r\no=- 1 2 IN IP4 198.18.0.1\r\ns=-\r\n"
                                       "c=IN IP4 198.18.0.1\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0\r\n"
                                       "a=recvonly\r\n";
static const char fake_offer[] =
    "v=0\r\no=- 7 7 IN IP4 198.18.0.1\r\ns=-\r\nc=IN IP4 198.18.0.1\r\n"
    "t=0 0\r\nm=audio 20002 RTP/AVP 0 8\r\n";
static const char offer_sdp[] = "v=0\r\no=- 5 5 IN IP4 198.18.0.2\r\ns=-\r\nc=IN IP4 198.18.0.2\r\n"
                                "t=0 0\r\nm=audio 30000 RTP/AVP 0\r\n";
static const char hold_sdp[] = "v=0\r\no=- 5 6 IN IP4 198.18.0.2\r\ns=-\r\nc=IN IP4 198.18.0.2\r\n"
                               "t=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=sendonly\r\n";

/* ---- fake owner ---- */

static void *
op_alloc(void *arg, char **buf, uint32_t *cap)
{
	char *p;

	if (alloc_fail)
		return NULL;
	p = malloc(MSG_CAP);
	cr_assert_not_null(p);
	nalloc++;
	*buf = p;
	*cap = MSG_CAP;
	return p;
}

static int
op_send(void *arg, void *msg, uint32_t len, uint32_t ip, uint16_t port)
{
	struct sent *s;

	cr_assert_lt(nsent, MAXSENT);
	cr_assert_leq(len, MSG_CAP);
	s = &sent[nsent++];
	memcpy(s->data, msg, len);
	s->data[len] = '\0';
	s->len = len;
	s->ip = ip;
	s->port = port;
	s->at = dpv_timer_wheel_now(&wheel); /* inside a timer: its expiry */
	return 0;
}

static void
op_free(void *arg, void *msg)
{
	nfree++;
	free(msg);
}

static int
op_answer(void *arg, const char *offer, uint32_t len, char *buf, uint32_t cap, struct dpv_media *m)
{
	const char *ans = memmem(offer, len, "a=sendonly", 10) ? fake_hold_answer : fake_answer;

	n_answer++;
	cr_assert_lt(len, sizeof(last_offer));
	memcpy(last_offer, offer, len);
	last_offer[len] = '\0';
	if (memmem(offer, len, "m=video", 7))
		return -488;
	m->local_port = 20000;
	m->remote_ip = PEER_IP;
	m->remote_port = 30000;
	m->send = m->recv = ans == fake_answer;
	last_media = *m;
	memcpy(buf, ans, strlen(ans));
	return (int)strlen(ans);
}

static int
op_offer(void *arg, char *buf, uint32_t cap, struct dpv_media *m)
{
	n_offer++;
	m->local_port = 20002;
	memcpy(buf, fake_offer, strlen(fake_offer));
	return (int)strlen(fake_offer);
}

static int
op_answered(void *arg, const char *answer, uint32_t len, struct dpv_media *m)
{
	n_answered++;
	snprintf(last_offer, sizeof(last_offer), "%.*s", (int)len, answer ? answer : "");
	m->remote_ip = PEER_IP;
	m->remote_port = 30000;
	return 0;
}

static void
op_update(void *arg, const struct dpv_media *m)
{
	n_update++;
	last_media = *m;
}

static void
op_stop(void *arg, const struct dpv_media *m)
{
	n_stop++;
	last_media = *m;
}

static const struct sip_ua_ops ops = {
    .msg_alloc = op_alloc,
    .msg_send = op_send,
    .msg_free = op_free,
};

/* An owner with two ports: peers in 198.19.0.0/24 are reached through 198.19.0.1. */
#define PORT1_IP   0xC6130001u /* 198.19.0.1 */
#define PORT1_PEER 0xC6130002u /* 198.19.0.2 */

static uint32_t
op_local_addr(void *arg, uint32_t peer_ip)
{
	return (peer_ip >> 8) == (PORT1_IP >> 8) ? PORT1_IP : LOCAL_IP;
}

static const struct sip_ua_ops ops_two_ports = {
    .msg_alloc = op_alloc,
    .msg_send = op_send,
    .msg_free = op_free,
    .local_addr = op_local_addr,
};

static const struct sip_ua_ops *start_ops = &ops;
static uint32_t start_per_source; /* cfg.max_calls_per_source of the next start() */

/* A media layer the tests control: fixed SDP, counted calls. */
static const struct dpv_media_ops media_ops = {
    .answer = op_answer,
    .offer = op_offer,
    .answered = op_answered,
    .update = op_update,
    .stop = op_stop,
};

static const struct sip_dialplan_rule rules[] = {
    {"^conf-(.+)$", DPV_CALL_BRIDGE, 0, NULL},
    {"^busy$", DPV_CALL_REJECT, 486, NULL},
    {"^echo$", DPV_CALL_ECHO, 0, NULL},
    {"^(tone|svc[0-9]+)$", DPV_CALL_TONE, 0, NULL},
};

static void
start(uint32_t answer_delay, uint32_t max_dialogs, uint32_t max_tx)
{
	char err[256];
	struct sip_ua_cfg cfg = {
	    .index = 3,
	    .nb_uas = 4,
	    .local_ip = LOCAL_IP,
	    .local_port = 5060,
	    .max_transactions = max_tx,
	    .max_dialogs = max_dialogs,
	    .t1_ms = T1,
	    .t2_ms = T2,
	    .t4_ms = 5000,
	    .answer_delay_ms = answer_delay,
	    .max_calls_per_source = start_per_source,
	    .wheel = &wheel,
	    .ops = start_ops,
	    .media = &media_ops,
	};

	rcu_register_thread();
	nsent = 0;
	nalloc = nfree = 0;
	n_answer = n_offer = n_answered = n_update = n_stop = 0;
	alloc_fail = false;
	now = 1000;
	cr_assert_eq(dpv_timer_wheel_init(&wheel, 1024, 1, now), 0);
	dp = sip_dialplan_create(rules, sizeof(rules) / sizeof(rules[0]), err, sizeof(err), NULL);
	cr_assert_not_null(dp, "%s", err);
	cfg.dialplan = dp;
	ua = sip_ua_create(&cfg);
	cr_assert_not_null(ua);
}

static void
setup(void)
{
	start(0, 64, 256);
}

static void
setup_delay(void)
{
	start(2000, 64, 256);
}

static void
teardown(void)
{
	sip_ua_destroy(ua);
	ua = NULL;
	sip_dialplan_destroy(dp);
	dpv_timer_wheel_fini(&wheel);
	start_ops = &ops;
	/* every buffer the UA asked for went back */
	cr_assert_eq(nalloc, nfree, "alloc %d free %d", nalloc, nfree);
	rcu_unregister_thread();
}

static void
advance(uint64_t to)
{
	now = to;
	sip_ua_tick(ua, now);
	rcu_quiescent_state();
}

static uint64_t
counter(enum sip_ua_counter c)
{
	return sip_ua_counters(ua)[c];
}

/* ---- messages ---- */

static void
input_from(const char *msg, uint32_t src_ip)
{
	sip_ua_input(ua, msg, (uint32_t)strlen(msg), src_ip, 40000);
}

static void
input(const char *msg)
{
	input_from(msg, PEER_IP);
}

static char inbuf[8192];

/* A request from the peer (Via with rport: responses go to the source port). */
static const char *
req(const char *method, const char *user, const char *callid, const char *branch,
    const char *to_tag, unsigned cseq, const char *cseq_method, const char *extra, const char *body)
{
	snprintf(inbuf, sizeof(inbuf),
	         "%s sip:%s@198.18.0.1:5060 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 198.18.0.2:5070;branch=%s;rport\r\n"
	         "Max-Forwards: 70\r\n"
	         "From: \"Alice\" <sip:alice@198.18.0.2:5070>;tag=alice1\r\n"
	         "To: <sip:%s@198.18.0.1>%s%s\r\n"
	         "Call-ID: %s\r\n"
	         "CSeq: %u %s\r\n"
	         "Contact: <sip:alice@198.18.0.2:5070>\r\n"
	         "%s"
	         "%s"
	         "Content-Length: %zu\r\n\r\n%s",
	         method, user, branch, user, to_tag ? ";tag=" : "", to_tag ? to_tag : "", callid,
	         cseq, cseq_method ? cseq_method : method, extra ? extra : "",
	         body ? "Content-Type: application/sdp\r\n" : "", body ? strlen(body) : 0,
	         body ? body : "");
	return inbuf;
}

static void
invite(const char *user, const char *callid, const char *branch)
{
	input(req("INVITE", user, callid, branch, NULL, 1, NULL, NULL, offer_sdp));
}

static bool
starts(const struct sent *s, const char *p)
{
	return strncmp(s->data, p, strlen(p)) == 0;
}

static bool
has(const struct sent *s, const char *p)
{
	return strstr(s->data, p) != NULL;
}

/* The To tag of a sent message (static buffer). */
static const char *
to_tag_of(const struct sent *s)
{
	static char tag[64];
	struct sip_msg m;

	cr_assert_eq(sip_parse(s->data, s->len, &m), 0, "%s", s->data);
	if (!m.to.has_tag)
		return NULL;
	snprintf(tag, sizeof(tag), "%.*s", (int)m.to.tag.len, m.to.tag.p);
	return tag;
}

static void
assert_body(const struct sent *s, const char *body)
{
	char cl[64];
	const char *b = strstr(s->data, "\r\n\r\n");

	snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(body));
	cr_assert(has(s, cl), "%s", s->data);
	cr_assert(has(s, "Content-Type: application/sdp\r\n"), "%s", s->data);
	cr_assert_not_null(b);
	cr_assert_str_eq(b + 4, body);
}

static const char via_line[] = "Via: SIP/2.0/UDP 198.18.0.2:5070;branch=z9hG4bKa1;rport\r\n";

struct listing {
	unsigned n;
	struct sip_sess_info info[8];
};

static void
collect(const struct sip_sess_info *i, void *arg)
{
	struct listing *l = arg;

	if (l->n < 8)
		l->info[l->n] = *i;
	l->n++;
}

static unsigned
nsessions(void)
{
	struct listing l = {0};

	return sip_ua_sessions(ua, collect, &l);
}

/* Establish a UAS call (answer at once) and ACK it; returns the To tag. */
static const char *
uas_call(const char *callid)
{
	static char tag[64];
	unsigned base = nsent;

	invite("tone", callid, "z9hG4bKa1");
	cr_assert_eq(nsent, base + 3);
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[base + 2]));
	input(req("ACK", "tone", callid, "z9hG4bKack1", tag, 1, NULL, NULL, NULL));
	return tag;
}

/* ---- UAS ---- */

TestSuite(uas, .init = setup, .fini = teardown);

Test(uas, invite_100_180_200)
{
	char tag[64];

	invite("tone", "call1@alice", "z9hG4bKa1");
	cr_assert_eq(nsent, 3);
	cr_assert(starts(&sent[0], "SIP/2.0 100 Trying\r\n"), "%s", sent[0].data);
	cr_assert(has(&sent[0], via_line));
	cr_assert_null(to_tag_of(&sent[0]));
	cr_assert(has(&sent[0], "Content-Length: 0\r\n"));
	cr_assert(starts(&sent[1], "SIP/2.0 180 Ringing\r\n"), "%s", sent[1].data);
	cr_assert_not_null(to_tag_of(&sent[1]));
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[1]));
	cr_assert(starts(&sent[2], "SIP/2.0 200 OK\r\n"), "%s", sent[2].data);
	cr_assert(has(&sent[2], via_line));
	cr_assert_str_eq(to_tag_of(&sent[2]), tag);
	cr_assert(has(&sent[2], "Call-ID: call1@alice\r\n"));
	cr_assert(has(&sent[2], "CSeq: 1 INVITE\r\n"));
	cr_assert(has(&sent[2], "Contact: <sip:engine@198.18.0.1:5060>\r\n"));
	cr_assert(has(&sent[2], "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n"));
	cr_assert(has(&sent[2], "Supported:"));
	assert_body(&sent[2], fake_answer);
	/* rport: to the source address and port */
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(sent[i].ip, PEER_IP);
		cr_assert_eq(sent[i].port, 40000);
	}
	cr_assert_str_eq(last_offer, offer_sdp);
	cr_assert_eq(last_media.action, DPV_CALL_TONE);
	cr_assert_eq(counter(SIP_UA_C_calls_in), 1);
	cr_assert_eq(counter(SIP_UA_C_calls_answered), 1);
	cr_assert_eq(counter(SIP_UA_C_sessions_active), 1);
	cr_assert_eq(n_update, 1, "the media of the answer holds from the 200, not the ACK");
}

Test(uas, response_to_via_port_without_rport)
{
	snprintf(inbuf, sizeof(inbuf),
	         "OPTIONS sip:tone@198.18.0.1 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 198.18.0.9:5080;branch=z9hG4bKo9;received=198.18.0.7\r\n"
	         "From: <sip:a@198.18.0.9>;tag=x\r\nTo: <sip:tone@198.18.0.1>\r\n"
	         "Call-ID: opt9\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	input(inbuf);
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 200 OK\r\n"));
	cr_assert_eq(sent[0].ip, 0xC6120007u); /* received */
	cr_assert_eq(sent[0].port, 5080);      /* the Via port */
}

Test(uas, retransmitted_invite_gets_last_response_and_no_second_session)
{
	invite("tone", "call1@alice", "z9hG4bKa1");
	cr_assert_eq(nsent, 3);
	invite("tone", "call1@alice", "z9hG4bKa1");
	/* the transaction is Accepted: the 2xx is the UA's to resend, on its timer */
	cr_assert_eq(nsent, 3);
	cr_assert_eq(counter(SIP_UA_C_calls_in), 1);
	cr_assert_eq(nsessions(), 1);
	cr_assert_eq(n_answer, 1);
}

Test(uas, ack_confirms_and_updates_media)
{
	const char *tag = uas_call("call1@alice");
	struct listing l = {0};

	(void)tag;
	cr_assert_eq(n_update, 1);
	cr_assert_eq(sip_ua_sessions(ua, collect, &l), 1);
	cr_assert_eq(l.info[0].state, SIP_SESS_CONFIRMED);
	cr_assert_str_eq(l.info[0].call_id, "call1@alice");
	cr_assert_eq(l.info[0].local_port, 20000);
	cr_assert_eq(sip_ua_session_owner(l.info[0].id), 3);
	/* no 2xx retransmission after the ACK */
	advance(now + 40000);
	cr_assert_eq(nsent, 3);
	cr_assert_eq(counter(SIP_UA_C_ack_timeouts), 0);
}

Test(uas, twoxx_retransmitted_t1_doubling_to_t2_then_bye_on_ack_timeout)
{
	static const uint64_t at[] = {500,   1500,  3500,  7500,  11500,
	                              15500, 19500, 23500, 27500, 31500};
	uint64_t t0 = now;
	struct sip_msg m;
	char bye200[2048];
	int len;

	invite("tone", "call1@alice", "z9hG4bKa1");
	cr_assert_eq(nsent, 3);
	for (uint64_t t = t0 + 250; t < t0 + 32000; t += 250)
		advance(t);
	cr_assert_eq(nsent, 3 + 10, "sent %u", nsent);
	for (unsigned i = 0; i < 10; i++) {
		cr_assert_eq(sent[3 + i].at - t0, at[i], "retransmission %u at %llu", i,
		             (unsigned long long)(sent[3 + i].at - t0));
		cr_assert_str_eq(sent[3 + i].data, sent[2].data);
	}
	advance(t0 + 32000);
	cr_assert_eq(nsent, 14);
	cr_assert(starts(&sent[13], "BYE sip:alice@198.18.0.2:5070 SIP/2.0\r\n"), "%s",
	          sent[13].data);
	cr_assert(has(&sent[13], "CSeq: 1 BYE\r\n"));
	cr_assert(has(&sent[13], "To: \"Alice\" <sip:alice@198.18.0.2:5070>;tag=alice1\r\n"));
	cr_assert_eq(sent[13].ip, PEER_IP);
	cr_assert_eq(sent[13].port, 5070); /* the Contact */
	cr_assert_eq(counter(SIP_UA_C_ack_timeouts), 1);
	cr_assert_eq(n_stop, 1);
	/* the peer answers the BYE: the session ends */
	cr_assert_eq(sip_parse(sent[13].data, sent[13].len, &m), 0);
	len = sip_write_response(bye200, sizeof(bye200), &m, 200, NULL, DPV_STR_NULL, DPV_STR_NULL,
	                         DPV_STR_NULL, DPV_STR_NULL);
	cr_assert_gt(len, 0);
	sip_ua_input(ua, bye200, (uint32_t)len, PEER_IP, 5070);
	cr_assert_eq(nsessions(), 0);
	cr_assert_eq(counter(SIP_UA_C_sessions_active), 0);
	cr_assert_eq(n_stop, 1);
}

Test(uas, bye_gets_200_and_stops_media)
{
	const char *tag = uas_call("call1@alice");

	input(req("BYE", "tone", "call1@alice", "z9hG4bKb1", tag, 2, NULL, NULL, NULL));
	cr_assert_eq(nsent, 4);
	cr_assert(starts(&sent[3], "SIP/2.0 200 OK\r\n"), "%s", sent[3].data);
	cr_assert(has(&sent[3], "CSeq: 2 BYE\r\n"));
	cr_assert_eq(n_stop, 1);
	cr_assert_eq(last_media.local_port, 20000);
	cr_assert_eq(nsessions(), 0);
	cr_assert_eq(counter(SIP_UA_C_calls_ended), 1);
	/* a retransmitted BYE gets the same 200 from its transaction */
	input(req("BYE", "tone", "call1@alice", "z9hG4bKb1", tag, 2, NULL, NULL, NULL));
	cr_assert_eq(nsent, 5);
	cr_assert_str_eq(sent[4].data, sent[3].data);
	cr_assert_eq(n_stop, 1);
	/* the session goes back to the pool after a grace period */
	advance(now + 1);
	advance(now + 1);
}

Test(uas, in_dialog_request_with_unknown_dialog_gets_481)
{
	input(req("BYE", "tone", "nocall@alice", "z9hG4bKb1", "nosuchtag", 2, NULL, NULL, NULL));
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 481 Call/Transaction Does Not Exist\r\n"), "%s",
	          sent[0].data);
}

/* The To tag names the session's slot (sip/session.c): a BYE whose tag names a live call's slot
 * but differs from its tag, or carries its tag with another Call-ID, is not that call's. */
Test(uas, tag_naming_a_live_slot_is_still_matched_whole)
{
	char forged[32];
	const char *tag = uas_call("call1@alice");
	unsigned base;

	cr_assert_eq(strlen(tag), 16, "%s", tag);
	snprintf(forged, sizeof(forged), "%s", tag);
	forged[0] = forged[0] == '0' ? '1' : '0'; /* same slot digits, other random part */
	base = nsent;
	input(req("BYE", "tone", "call1@alice", "z9hG4bKf1", forged, 2, NULL, NULL, NULL));
	cr_assert_eq(nsent, base + 1);
	cr_assert(starts(&sent[base], "SIP/2.0 481 "), "%s", sent[base].data);
	input(req("BYE", "tone", "other@alice", "z9hG4bKf2", tag, 2, NULL, NULL, NULL));
	cr_assert_eq(nsent, base + 2);
	cr_assert(starts(&sent[base + 1], "SIP/2.0 481 "), "%s", sent[base + 1].data);
	cr_assert_eq(nsessions(), 1);
	/* upper case hex is another tag (tags compare byte for byte) */
	snprintf(forged, sizeof(forged), "%s", tag);
	for (char *c = forged; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	if (strcmp(forged, tag) != 0) {
		input(req("BYE", "tone", "call1@alice", "z9hG4bKf3", forged, 2, NULL, NULL, NULL));
		cr_assert(starts(&sent[nsent - 1], "SIP/2.0 481 "), "%s", sent[nsent - 1].data);
	}
	input(req("BYE", "tone", "call1@alice", "z9hG4bKb1", tag, 2, NULL, NULL, NULL));
	cr_assert(starts(&sent[nsent - 1], "SIP/2.0 200 OK\r\n"), "%s", sent[nsent - 1].data);
	cr_assert_eq(nsessions(), 0);
}

/* A burst's messages, each in a buffer of its own as datagrams are. */
static char burst_buf[8][sizeof(inbuf)];

static struct sip_ua_dgram
dgram(unsigned i, const char *msg)
{
	snprintf(burst_buf[i], sizeof(burst_buf[i]), "%s", msg);
	return (struct sip_ua_dgram){burst_buf[i], (uint32_t)strlen(burst_buf[i]), PEER_IP, 40000};
}

/*
 * sip_ua_input_burst parses each message before the one ahead of it is handled: what a
 * message does must still be seen by the next one in the same burst (a retransmission of an
 * INVITE just handled, a CANCEL of it), whichever of its two message slots each lands in, and
 * a malformed message in between is answered in its place.
 */
Test(uas, burst_is_handled_in_order_as_one_by_one)
{
	struct sip_ua_dgram d[8];
	char tag_a[64], tag_b[64];

	d[0] =
	    dgram(0, req("INVITE", "tone", "burst-a", "z9hG4bKba", NULL, 1, NULL, NULL, offer_sdp));
	d[1] = dgram(1, req("INVITE", "tone", "burst-a", "z9hG4bKba", NULL, 1, NULL, NULL,
	                    offer_sdp)); /* its retransmission */
	d[2] = dgram(2, req("INVITE", "tone", "burst-x", "z9hG4bKbx", NULL, 1, "BYE", NULL,
	                    NULL)); /* CSeq names another method: 400 */
	d[3] =
	    dgram(3, req("INVITE", "tone", "burst-b", "z9hG4bKbb", NULL, 1, NULL, NULL, offer_sdp));
	d[4] = dgram(4, req("OPTIONS", "tone", "burst-o", "z9hG4bKbo", NULL, 1, NULL, NULL, NULL));
	sip_ua_input_burst(ua, d, 5);
	cr_assert_eq(nsent, 3 + 1 + 3 + 1, "sent %u", nsent);
	cr_assert(starts(&sent[0], "SIP/2.0 100 Trying\r\n"), "%s", sent[0].data);
	cr_assert(starts(&sent[2], "SIP/2.0 200 OK\r\n"), "%s", sent[2].data);
	cr_assert(has(&sent[2], "Call-ID: burst-a\r\n"));
	/* the retransmission met the transaction the first made: nothing more (Accepted) */
	cr_assert(starts(&sent[3], "SIP/2.0 400 "), "%s", sent[3].data);
	cr_assert(starts(&sent[4], "SIP/2.0 100 Trying\r\n"), "%s", sent[4].data);
	cr_assert(starts(&sent[6], "SIP/2.0 200 OK\r\n"), "%s", sent[6].data);
	cr_assert(has(&sent[6], "Call-ID: burst-b\r\n"));
	cr_assert(starts(&sent[7], "SIP/2.0 200 OK\r\n"), "%s", sent[7].data);
	cr_assert(has(&sent[7], "CSeq: 1 OPTIONS\r\n"));
	cr_assert_eq(counter(SIP_UA_C_calls_in), 2);
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 1);
	cr_assert_eq(nsessions(), 2);
	snprintf(tag_a, sizeof(tag_a), "%s", to_tag_of(&sent[2]));
	snprintf(tag_b, sizeof(tag_b), "%s", to_tag_of(&sent[6]));

	/* ACK and BYE of one call back to back, the other's BYE with a wrong tag, a burst of
	 * one and an empty one */
	d[0] = dgram(0, req("ACK", "tone", "burst-a", "z9hG4bKbaa", tag_a, 1, NULL, NULL, NULL));
	d[1] = dgram(1, req("BYE", "tone", "burst-a", "z9hG4bKbab", tag_a, 2, NULL, NULL, NULL));
	d[2] = dgram(2, req("ACK", "tone", "burst-b", "z9hG4bKbba", tag_b, 1, NULL, NULL, NULL));
	d[3] = dgram(3, req("BYE", "tone", "burst-b", "z9hG4bKbbb", "0000000000000000", 2, NULL,
	                    NULL, NULL));
	sip_ua_input_burst(ua, d, 4);
	cr_assert_eq(nsent, 10, "sent %u", nsent);
	cr_assert(starts(&sent[8], "SIP/2.0 200 OK\r\n"), "%s", sent[8].data);
	cr_assert(has(&sent[8], "CSeq: 2 BYE\r\n"));
	cr_assert(starts(&sent[9], "SIP/2.0 481 "), "%s", sent[9].data);
	cr_assert_eq(counter(SIP_UA_C_calls_ended), 1);
	cr_assert_eq(nsessions(), 1);
	sip_ua_input_burst(ua, d, 0);
	cr_assert_eq(nsent, 10);
	d[0] = dgram(0, req("BYE", "tone", "burst-b", "z9hG4bKbbc", tag_b, 2, NULL, NULL, NULL));
	sip_ua_input_burst(ua, d, 1);
	cr_assert_eq(nsent, 11);
	cr_assert(starts(&sent[10], "SIP/2.0 200 OK\r\n"), "%s", sent[10].data);
	cr_assert_eq(nsessions(), 0);
	advance(now + 1);
	advance(now + 1);
}

Test(uas, lower_cseq_gets_500)
{
	const char *tag = uas_call("call1@alice");
	char t[64];

	snprintf(t, sizeof(t), "%s", tag);
	input(req("OPTIONS", "tone", "call1@alice", "z9hG4bKo1", t, 5, NULL, NULL, NULL));
	cr_assert_eq(nsent, 4);
	cr_assert(starts(&sent[3], "SIP/2.0 200 OK\r\n"));
	input(req("BYE", "tone", "call1@alice", "z9hG4bKb1", t, 4, NULL, NULL, NULL));
	cr_assert_eq(nsent, 5);
	cr_assert(starts(&sent[4], "SIP/2.0 500 "), "%s", sent[4].data);
	cr_assert_eq(n_stop, 0);
	cr_assert_eq(nsessions(), 1);
}

Test(uas, reinvite_hold_answered_with_owner_sdp)
{
	const char *tag = uas_call("call1@alice");
	char t[64];

	snprintf(t, sizeof(t), "%s", tag);
	input(req("INVITE", "tone", "call1@alice", "z9hG4bKr1", t, 2, NULL, NULL, hold_sdp));
	cr_assert_eq(nsent, 4);
	cr_assert(starts(&sent[3], "SIP/2.0 200 OK\r\n"), "%s", sent[3].data);
	cr_assert(has(&sent[3], "CSeq: 2 INVITE\r\n"));
	cr_assert_str_eq(to_tag_of(&sent[3]), t);
	assert_body(&sent[3], fake_hold_answer);
	cr_assert_str_eq(last_offer, hold_sdp);
	/* on hold from the 200: the peer said it no longer receives */
	cr_assert_eq(n_update, 2);
	cr_assert(!last_media.send);
	input(req("ACK", "tone", "call1@alice", "z9hG4bKack2", t, 2, NULL, NULL, NULL));
	cr_assert_eq(n_update, 2, "the ACK without a body changes nothing");
	advance(now + 40000);
	cr_assert_eq(nsent, 4);
}

Test(uas, reinvite_while_2xx_unacked_gets_491)
{
	const char *tag = uas_call("call1@alice");
	char t[64];

	snprintf(t, sizeof(t), "%s", tag);
	input(req("INVITE", "tone", "call1@alice", "z9hG4bKr1", t, 2, NULL, NULL, hold_sdp));
	cr_assert_eq(nsent, 4);
	input(req("INVITE", "tone", "call1@alice", "z9hG4bKr2", t, 3, NULL, NULL, offer_sdp));
	cr_assert_eq(nsent, 5);
	cr_assert(starts(&sent[4], "SIP/2.0 491 Request Pending\r\n"), "%s", sent[4].data);
	cr_assert(has(&sent[4], "CSeq: 3 INVITE\r\n"));
	cr_assert_eq(n_answer, 2);
}

Test(uas, options_outside_dialog)
{
	input(req("OPTIONS", "tone", "opt1", "z9hG4bKo1", NULL, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 200 OK\r\n"));
	cr_assert(has(&sent[0], "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n"));
	cr_assert(has(&sent[0], "Accept: application/sdp\r\n"));
	cr_assert(has(&sent[0], "Supported:"));
	cr_assert_not_null(to_tag_of(&sent[0]));
	cr_assert_eq(nsessions(), 0);
}

Test(uas, reject_rule_gets_486_and_its_ack_is_absorbed)
{
	invite("busy", "call2@alice", "z9hG4bKa2");
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 486 Busy Here\r\n"), "%s", sent[0].data);
	cr_assert_not_null(to_tag_of(&sent[0]));
	cr_assert_eq(counter(SIP_UA_C_rejected_4xx), 1);
	cr_assert_eq(n_answer, 0);
	/* Timer G resends it until the ACK (same branch) */
	advance(now + T1);
	cr_assert_eq(nsent, 2);
	cr_assert_str_eq(sent[1].data, sent[0].data);
	input(req("ACK", "busy", "call2@alice", "z9hG4bKa2", to_tag_of(&sent[0]), 1, NULL, NULL,
	          NULL));
	advance(now + 10000);
	cr_assert_eq(nsent, 2);
	cr_assert_eq(counter(SIP_UA_C_rx_dropped), 0);
	cr_assert_eq(nsessions(), 0);
}

Test(uas, no_match_gets_404)
{
	invite("nobody", "call3@alice", "z9hG4bKa3");
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 404 Not Found\r\n"), "%s", sent[0].data);
	cr_assert_eq(nsessions(), 0);
}

Test(uas, bridge_rule_sets_media_bridge)
{
	invite("conf-room1", "call4@alice", "z9hG4bKa4");
	cr_assert_eq(nsent, 3);
	cr_assert_eq(last_media.action, DPV_CALL_BRIDGE);
	cr_assert_str_eq(last_media.bridge, "room1");
}

Test(uas, media_answer_failure_gets_its_status)
{
	static const char video[] = "v=0\r\no=- 5 5 IN IP4 198.18.0.2\r\ns=-\r\n"
	                            "c=IN IP4 198.18.0.2\r\nt=0 0\r\nm=video 30000 RTP/AVP 96\r\n";

	input(req("INVITE", "tone", "call5", "z9hG4bKa5", NULL, 1, NULL, NULL, video));
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 488 "), "%s", sent[0].data);
	cr_assert_eq(n_stop, 0);
	cr_assert_eq(nsessions(), 0);
}

Test(uas, unknown_method_gets_501_with_allow)
{
	input(req("FOO", "tone", "foo1", "z9hG4bKf1", NULL, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 501 Not Implemented\r\n"), "%s", sent[0].data);
	cr_assert(has(&sent[0], "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n"));
	cr_assert(has(&sent[0], "CSeq: 1 FOO\r\n"));
	cr_assert_eq(counter(SIP_UA_C_rejected_5xx), 1);
	/* a method the parser knows but the engine does not do: 405, with Allow too */
	input(req("SUBSCRIBE", "tone", "sub1", "z9hG4bKs1", NULL, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 2);
	cr_assert(starts(&sent[1], "SIP/2.0 405 Method Not Allowed\r\n"), "%s", sent[1].data);
	cr_assert(has(&sent[1], "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n"));
}

Test(uas, malformed_request_gets_400_with_warning)
{
	snprintf(inbuf, sizeof(inbuf),
	         "OPTIONS sip:tone@198.18.0.1 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 198.18.0.2:5070;branch=z9hG4bKm1;rport\r\n"
	         "From: <sip:a@198.18.0.2>;tag=x\r\nTo: <sip:tone@198.18.0.1>\r\n"
	         "Call-ID: bad1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: lots\r\n"
	         "Content-Length: 0\r\n\r\n");
	input(inbuf);
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 400 Bad Request\r\n"), "%s", sent[0].data);
	cr_assert(has(&sent[0], "Warning: 399 dpvoip \""), "%s", sent[0].data);
	cr_assert(has(&sent[0], "Call-ID: bad1\r\n"));
	cr_assert_eq(sent[0].port, 40000);
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 1);
	/* garbage: nothing to answer to, a counted drop */
	input("\x01\x02 hello");
	cr_assert_eq(nsent, 1);
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 2);
	cr_assert_eq(counter(SIP_UA_C_rx_dropped), 1);
	/* an unparsable response is dropped too */
	input("SIP/2.0 2000 Nope\r\n\r\n");
	cr_assert_eq(nsent, 1);
	cr_assert_eq(counter(SIP_UA_C_rx_dropped), 2);
}

/* RFC 4475 longreq-sized fields fit the dialog arena; beyond it: 400 naming the cause. */
Test(uas, dialog_fields_beyond_the_arena_get_400)
{
	static char cid[2000]; /* the arena (UA_DLG_MAX) is 2048 bytes */
	unsigned base;

	memset(cid, 'c', sizeof(cid) - 1);
	memcpy(cid, "long1", 5);
	/* the Call-ID alone fits, the From/To/target beside it no longer do */
	input(req("INVITE", "tone", cid, "z9hG4bKl1", NULL, 1, NULL, NULL, offer_sdp));
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 400 Bad Request\r\n"), "%s", sent[0].data);
	cr_assert(has(&sent[0], "Warning: 399 dpvoip \"dialog field too long\"\r\n"));
	cr_assert_eq(counter(SIP_UA_C_calls_in), 0);
	cr_assert_eq(counter(SIP_UA_C_sessions_active), 0);
	/* 1 KB of Call-ID is taken */
	cid[1024] = '\0';
	base = nsent;
	input(req("INVITE", "tone", cid, "z9hG4bKl2", NULL, 1, NULL, NULL, offer_sdp));
	cr_assert_eq(nsent, base + 3);
	cr_assert(starts(&sent[base + 2], "SIP/2.0 200 OK\r\n"), "%s", sent[base + 2].data);
	cr_assert_eq(counter(SIP_UA_C_calls_in), 1);
}

/* A key the transaction table cannot hold is the request's fault: 400, not overload. */
Test(uas, transaction_key_too_long_gets_400)
{
	char branch[1200];

	memcpy(branch, "z9hG4bK", 7);
	memset(branch + 7, 'b', sizeof(branch) - 8);
	branch[sizeof(branch) - 1] = '\0';
	invite("tone", "key1@alice", branch);
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 400 Bad Request\r\n"), "%s", sent[0].data);
	cr_assert(has(&sent[0], "Warning: 399 dpvoip \"transaction key too long\"\r\n"));
	cr_assert_eq(counter(SIP_UA_C_bad_tx_key), 1);
	cr_assert_eq(counter(SIP_UA_C_overload_503), 0);
	cr_assert_eq(counter(SIP_UA_C_calls_in), 0);
	input(req("OPTIONS", "tone", "key2@alice", branch, NULL, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 2);
	cr_assert(starts(&sent[1], "SIP/2.0 400 Bad Request\r\n"), "%s", sent[1].data);
	cr_assert_eq(counter(SIP_UA_C_bad_tx_key), 2);
}

/* This owner has no large buffers: an answer beyond its 4 KB is counted, not sent, and its
 * transaction ends. */
Test(uas, answer_beyond_the_owner_buffer_is_counted)
{
	static char extra[5200];

	memcpy(extra, "Via: SIP/2.0/UDP 198.18.0.9;x=", 30);
	memset(extra + 30, 'v', sizeof(extra) - 33);
	memcpy(extra + sizeof(extra) - 3, "\r\n", 3);
	input(req("OPTIONS", "tone", "big1@alice", "z9hG4bKbig1", NULL, 1, NULL, extra, NULL));
	cr_assert_eq(nsent, 0);
	cr_assert_eq(counter(SIP_UA_C_resp_too_big), 1);
	cr_assert_eq(counter(SIP_UA_C_rx_requests), 1);
}

/* A bad request line is answered like any parse error, to where its Via (rport) says. */
Test(uas, bad_request_uri_gets_400_at_the_rport)
{
	snprintf(inbuf, sizeof(inbuf),
	         "OPTIONS <sip:tone@198.18.0.1> SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 198.18.0.2:5070;branch=z9hG4bKr1;rport\r\n"
	         "From: <sip:a@198.18.0.2>;tag=x\r\nTo: <sip:tone@198.18.0.1>\r\n"
	         "Call-ID: badruri1\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	input(inbuf);
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 400 Bad Request\r\n"), "%s", sent[0].data);
	cr_assert(has(&sent[0], "Warning: 399 dpvoip \"malformed Request-URI\"\r\n"));
	cr_assert(has(&sent[0], "\r\nCall-ID: badruri1\r\nCSeq: 7 OPTIONS\r\n"), "%s",
	          sent[0].data);
	cr_assert_not_null(to_tag_of(&sent[0]));
	cr_assert_eq(sent[0].ip, PEER_IP);
	cr_assert_eq(sent[0].port, 40000);
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 1);
	cr_assert_eq(counter(SIP_UA_C_rx_requests), 0);
	cr_assert_eq(counter(SIP_UA_C_rejected_4xx), 1);
}

/* Every dialog field comes back out of the arena intact in our BYE, longreq-sized ones too. */
Test(uas, dialog_arena_fields_in_the_bye)
{
	static const char rr[] = "Record-Route: <sip:p1@198.18.0.7;lr>, <sip:p2@198.18.0.8;lr>\r\n";
	char callid[600], bye_from[128], bye_to[128], bye_cid[700], tag[64];
	struct listing l = {0};
	struct sip_msg m;

	memset(callid, 'k', sizeof(callid) - 1);
	callid[sizeof(callid) - 1] = '\0';
	input(req("INVITE", "tone", callid, "z9hG4bKar1", NULL, 1, NULL, rr, offer_sdp));
	cr_assert_eq(nsent, 3);
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[2]));
	input(req("ACK", "tone", callid, "z9hG4bKar2", tag, 1, NULL, NULL, NULL));
	cr_assert_eq(sip_ua_sessions(ua, collect, &l), 1);
	cr_assert_eq(sip_ua_hangup(ua, l.info[0].id), 0);
	cr_assert_eq(nsent, 4);
	cr_assert(starts(&sent[3], "BYE sip:alice@198.18.0.2:5070 SIP/2.0\r\n"), "%s",
	          sent[3].data);
	snprintf(bye_from, sizeof(bye_from), "From: <sip:tone@198.18.0.1>;tag=%s\r\n", tag);
	snprintf(bye_to, sizeof(bye_to),
	         "To: \"Alice\" <sip:alice@198.18.0.2:5070>;tag=alice1\r\n");
	snprintf(bye_cid, sizeof(bye_cid), "Call-ID: %s\r\n", callid);
	cr_assert(has(&sent[3], bye_from), "%s", sent[3].data);
	cr_assert(has(&sent[3], bye_to), "%s", sent[3].data);
	cr_assert(has(&sent[3], bye_cid), "%s", sent[3].data);
	cr_assert(has(&sent[3], "Route: <sip:p1@198.18.0.7;lr>, <sip:p2@198.18.0.8;lr>\r\n"), "%s",
	          sent[3].data);
	/* Loose routing: the BYE goes to the first route hop, not to the packet's source. */
	cr_assert_eq(sent[3].ip, 0xC6120007u);
	cr_assert_eq(sent[3].port, 5060);
	cr_assert_eq(sip_parse(sent[3].data, sent[3].len, &m), 0);
}

static void
setup_two_ports(void)
{
	start_ops = &ops_two_ports;
	start(0, 64, 256);
}

TestSuite(two_ports, .init = setup_two_ports, .fini = teardown);

/* The session's Via, Contact and media address are those of the port that faces its peer. */
Test(two_ports, an_incoming_call_names_the_address_facing_its_caller)
{
	struct listing l = {0};
	char tag[64];

	input_from(req("INVITE", "tone", "p1call", "z9hG4bKp1", NULL, 1, NULL, NULL, offer_sdp),
	           PORT1_PEER);
	cr_assert_eq(nsent, 3);
	cr_assert(has(&sent[2], "Contact: <sip:engine@198.19.0.1:5060>\r\n"), "%s", sent[2].data);
	cr_assert_eq(sent[2].ip, PORT1_PEER);
	cr_assert_eq(last_media.local_ip, PORT1_IP, "the SDP answer is written for 198.19.0.1");
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[2]));
	input_from(req("ACK", "tone", "p1call", "z9hG4bKp2", tag, 1, NULL, NULL, NULL), PORT1_PEER);
	cr_assert_eq(sip_ua_sessions(ua, collect, &l), 1);
	cr_assert_eq(sip_ua_hangup(ua, l.info[0].id), 0);
	cr_assert_eq(nsent, 4);
	cr_assert(starts(&sent[3], "BYE "), "%s", sent[3].data);
	cr_assert(has(&sent[3], "Via: SIP/2.0/UDP 198.19.0.1:5060;branch="), "%s", sent[3].data);

	/* A call from the first port's side on the same UA keeps the first address. */
	invite("tone", "p0call", "z9hG4bKp3");
	cr_assert_eq(nsent, 7);
	cr_assert(has(&sent[6], "Contact: <sip:engine@198.18.0.1:5060>\r\n"), "%s", sent[6].data);
	cr_assert_eq(last_media.local_ip, LOCAL_IP);
}

Test(two_ports, an_originated_call_names_the_address_facing_its_callee)
{
	uint64_t id;

	cr_assert_eq(sip_ua_originate(ua, "sip:bob@198.19.0.2:5062", NULL, &id), 0);
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "INVITE sip:bob@198.19.0.2:5062 SIP/2.0\r\n"), "%s",
	          sent[0].data);
	cr_assert(has(&sent[0], "Via: SIP/2.0/UDP 198.19.0.1:5060;branch="), "%s", sent[0].data);
	cr_assert(has(&sent[0], "Contact: <sip:engine@198.19.0.1:5060>\r\n"), "%s", sent[0].data);
	cr_assert(has(&sent[0], "From: <sip:engine@198.19.0.1:5060>;tag="), "%s", sent[0].data);
	cr_assert(has(&sent[0], "Call-ID: "), "%s", sent[0].data);
	cr_assert(strstr(sent[0].data, "@198.19.0.1\r\n") != NULL, "the Call-ID's host: %s",
	          sent[0].data);
}

/* What the UA holds, as bench and the control plane read it. */
Test(uas, occupancy_follows_a_call_to_its_reclaim)
{
	struct sip_ua_occupancy o;
	struct listing l = {0};

	sip_ua_occupancy(ua, &o);
	cr_assert_eq(o.tx_live + o.tx_limbo + o.sess_live + o.sess_held + o.sess_limbo, 0);
	cr_assert_eq(o.tx_free, 256);
	cr_assert_eq(o.sess_free, 64);
	uas_call("occ1");
	sip_ua_occupancy(ua, &o);
	cr_assert_eq(o.tx_live, 1, "the INVITE transaction (Accepted, then Timer L)");
	cr_assert_eq(o.sess_live, 1);
	cr_assert_eq(o.sess_held, 1);
	cr_assert_eq(o.sess_free, 63);
	cr_assert_eq(sip_ua_sessions(ua, collect, &l), 1);
	cr_assert_eq(sip_ua_hangup(ua, l.info[0].id), 0);
	input(req("BYE", "tone", "occ1", "z9hG4bKo2", "x", 9, NULL, NULL, NULL));
	sip_ua_occupancy(ua, &o);
	cr_assert_eq(o.sess_live, 1, "the session waits for its BYE's answer");
	advance(now + 64 * T1 + 1000); /* BYE Timer F ends the session */
	sip_ua_occupancy(ua, &o);
	cr_assert_eq(o.sess_live, 0);
	cr_assert_eq(o.sess_held, 1, "held while a grace period runs");
	/* Each round waits, offline, for the queued grace-period callbacks; a request issued
	 * while another was in flight needs the next round. */
	for (int i = 0; i < 4 && (o.sess_held || o.tx_limbo || o.tx_live); i++) {
		rcu_quiescent_state();
		rcu_thread_offline();
		rcu_barrier();
		rcu_thread_online();
		advance(now + 64 * T1 + 10000);
		sip_ua_occupancy(ua, &o);
	}
	cr_assert_eq(o.sess_held, 0);
	cr_assert_eq(o.sess_limbo, 0);
	cr_assert_eq(o.tx_live, 0);
	cr_assert_eq(o.tx_limbo, 0);
	cr_assert_eq(o.sess_free, 64);
	cr_assert_eq(o.tx_free, 256);
}

Test(uas, stray_ack_is_a_counted_drop)
{
	input(req("ACK", "tone", "nocall", "z9hG4bKx", "t1", 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 0);
	cr_assert_eq(counter(SIP_UA_C_rx_dropped), 1);
}

TestSuite(uas_delay, .init = setup_delay, .fini = teardown);

Test(uas_delay, answer_after_delay)
{
	uint64_t t0 = now;

	invite("tone", "call1@alice", "z9hG4bKa1");
	cr_assert_eq(nsent, 2);
	cr_assert(starts(&sent[1], "SIP/2.0 180 Ringing\r\n"));
	advance(t0 + 1999);
	cr_assert_eq(nsent, 2);
	advance(t0 + 2000);
	cr_assert_eq(nsent, 3);
	cr_assert(starts(&sent[2], "SIP/2.0 200 OK\r\n"));
	cr_assert_str_eq(to_tag_of(&sent[2]), to_tag_of(&sent[1]));
	assert_body(&sent[2], fake_answer);
}

Test(uas_delay, retransmitted_invite_gets_180_again)
{
	invite("tone", "call1@alice", "z9hG4bKa1");
	cr_assert_eq(nsent, 2);
	invite("tone", "call1@alice", "z9hG4bKa1");
	cr_assert_eq(nsent, 3);
	cr_assert_str_eq(sent[2].data, sent[1].data);
	cr_assert_eq(counter(SIP_UA_C_calls_in), 1);
	cr_assert_eq(nsessions(), 1);
}

Test(uas_delay, cancel_before_answer_gets_200_and_487)
{
	char tag[64];

	invite("tone", "call1@alice", "z9hG4bKa1");
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[1]));
	input(req("CANCEL", "tone", "call1@alice", "z9hG4bKa1", NULL, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 4);
	cr_assert(starts(&sent[2], "SIP/2.0 200 OK\r\n"), "%s", sent[2].data);
	cr_assert(has(&sent[2], "CSeq: 1 CANCEL\r\n"));
	cr_assert(starts(&sent[3], "SIP/2.0 487 Request Terminated\r\n"), "%s", sent[3].data);
	cr_assert(has(&sent[3], "CSeq: 1 INVITE\r\n"));
	cr_assert(has(&sent[3], via_line));
	cr_assert_str_eq(to_tag_of(&sent[3]), tag);
	cr_assert_eq(n_stop, 1);
	cr_assert_eq(counter(SIP_UA_C_calls_cancelled), 1);
	cr_assert_eq(nsessions(), 0);
	/* the answer delay does not fire any more; the 487's ACK is absorbed */
	input(req("ACK", "tone", "call1@alice", "z9hG4bKa1", tag, 1, NULL, NULL, NULL));
	advance(now + 3000);
	cr_assert_eq(nsent, 4);
	cr_assert_eq(counter(SIP_UA_C_rx_dropped), 0);
}

Test(uas_delay, cancel_unknown_gets_481)
{
	input(req("CANCEL", "tone", "nocall", "z9hG4bKzz", NULL, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 481 "), "%s", sent[0].data);
}

Test(uas_delay, reinvite_during_initial_invite_gets_491)
{
	char tag[64];

	invite("tone", "call1@alice", "z9hG4bKa1");
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[1]));
	input(req("INVITE", "tone", "call1@alice", "z9hG4bKr1", tag, 2, NULL, NULL, hold_sdp));
	cr_assert_eq(nsent, 3);
	cr_assert(starts(&sent[2], "SIP/2.0 491 Request Pending\r\n"), "%s", sent[2].data);
}

Test(uas_delay, hangup_incoming_rejects_480)
{
	struct listing l = {0};

	invite("tone", "call1@alice", "z9hG4bKa1");
	cr_assert_eq(sip_ua_sessions(ua, collect, &l), 1);
	cr_assert_eq(l.info[0].state, SIP_SESS_INCOMING);
	cr_assert_eq(sip_ua_hangup(ua, l.info[0].id), 0);
	cr_assert_eq(nsent, 3);
	cr_assert(starts(&sent[2], "SIP/2.0 480 "), "%s", sent[2].data);
	cr_assert(has(&sent[2], "CSeq: 1 INVITE\r\n"));
	cr_assert(has(&sent[2], via_line));
	cr_assert_eq(n_stop, 1);
	cr_assert_eq(sip_ua_hangup(ua, l.info[0].id), -ENOENT);
}

static void
setup_small(void)
{
	start(0, 1, 256);
}

TestSuite(uas_small, .init = setup_small, .fini = teardown);

Test(uas_small, dialog_pool_full_gets_503_retry_after)
{
	invite("tone", "call1@alice", "z9hG4bKa1");
	cr_assert_eq(nsent, 3);
	invite("tone", "call2@alice", "z9hG4bKa2");
	cr_assert_eq(nsent, 4);
	cr_assert(starts(&sent[3], "SIP/2.0 503 Service Unavailable\r\n"), "%s", sent[3].data);
	cr_assert(has(&sent[3], "Retry-After: "));
	cr_assert_eq(counter(SIP_UA_C_overload_503), 1);
	cr_assert_eq(counter(SIP_UA_C_calls_in), 1);
}

static void
setup_tiny_tx(void)
{
	start(0, 8, 1);
}

TestSuite(uas_tiny, .init = setup_tiny_tx, .fini = teardown);

Test(uas_tiny, transaction_pool_full_gets_503_retry_after)
{
	invite("tone", "call1@alice", "z9hG4bKa1");
	cr_assert_eq(nsent, 3);
	input(req("OPTIONS", "tone", "opt1", "z9hG4bKo1", NULL, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 4);
	cr_assert(starts(&sent[3], "SIP/2.0 503 Service Unavailable\r\n"), "%s", sent[3].data);
	cr_assert(has(&sent[3], "Retry-After: "));
	cr_assert_eq(counter(SIP_UA_C_overload_503), 1);
}

/* ---- UAC ---- */

static struct sip_msg sent_msg;
static char rbuf[4096];

/* The peer's response to sent[i] (a request), with To tag "bob9" for codes above 100. */
static void
peer_respond(unsigned i, unsigned code, const char *body)
{
	static const char contact[] = "Contact: <sip:bob@198.18.0.2:5062>\r\n";
	int len;

	cr_assert_eq(sip_parse(sent[i].data, sent[i].len, &sent_msg), 0, "%s", sent[i].data);
	len =
	    sip_write_response(rbuf, sizeof(rbuf), &sent_msg, (uint16_t)code, NULL,
	                       code > 100 ? DPV_STR_LIT("bob9") : DPV_STR_NULL,
	                       code > 100 && code < 300 ? DPV_STR_LIT(contact) : DPV_STR_NULL,
	                       body ? (struct dpv_str){body, (uint32_t)strlen(body)} : DPV_STR_NULL,
	                       body ? DPV_STR_LIT("application/sdp") : DPV_STR_NULL);
	cr_assert_gt(len, 0);
	sip_ua_input(ua, rbuf, (uint32_t)len, PEER_IP, 5062);
}

static enum sip_sess_state
state_of(uint64_t id)
{
	struct listing l = {0};

	sip_ua_sessions(ua, collect, &l);
	for (unsigned i = 0; i < l.n && i < 8; i++)
		if (l.info[i].id == id)
			return l.info[i].state;
	return SIP_SESS_TERMINATED;
}

static uint64_t
originate(void)
{
	uint64_t id = 0;

	cr_assert_eq(sip_ua_originate(ua, "sip:bob@198.18.0.2:5062", NULL, &id), 0);
	cr_assert_eq(sip_ua_session_owner(id), 3);
	return id;
}

TestSuite(uac, .init = setup, .fini = teardown);

Test(uac, originate_sends_invite)
{
	uint64_t id = originate();
	struct sip_msg m;

	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "INVITE sip:bob@198.18.0.2:5062 SIP/2.0\r\n"), "%s",
	          sent[0].data);
	cr_assert(has(&sent[0], "Via: SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bK"));
	cr_assert(has(&sent[0], "CSeq: 1 INVITE\r\n"));
	cr_assert(has(&sent[0], "Contact: <sip:engine@198.18.0.1:5060>\r\n"));
	cr_assert(has(&sent[0], "To: <sip:bob@198.18.0.2:5062>\r\n"));
	assert_body(&sent[0], fake_offer);
	cr_assert_eq(sip_parse(sent[0].data, sent[0].len, &m), 0);
	cr_assert(m.from.has_tag);
	cr_assert_gt(m.call_id.len, 0);
	/* the engine steers by Call-ID hash: answers must come back to UA 3 of 4 */
	cr_assert_eq(dpv_hash32(m.call_id.p, m.call_id.len) % 4, 3);
	cr_assert_eq(sent[0].ip, PEER_IP);
	cr_assert_eq(sent[0].port, 5062);
	cr_assert_eq(state_of(id), SIP_SESS_CALLING);
	cr_assert_eq(counter(SIP_UA_C_calls_out), 1);
	/* Timer A resends it */
	advance(now + T1);
	cr_assert_eq(nsent, 2);
	cr_assert_str_eq(sent[1].data, sent[0].data);
}

Test(uac, bad_uri_is_einval)
{
	uint64_t id;

	cr_assert_eq(sip_ua_originate(ua, "sip:bob@example.com", NULL, &id), -EINVAL);
	cr_assert_eq(sip_ua_originate(ua, "nonsense", NULL, &id), -EINVAL);
	cr_assert_eq(nsent, 0);
}

Test(uac, ringing_then_200_sends_ack_and_confirms)
{
	uint64_t id = originate();

	peer_respond(0, 180, NULL);
	cr_assert_eq(state_of(id), SIP_SESS_EARLY);
	cr_assert_eq(nsent, 1);
	peer_respond(0, 200, fake_answer);
	cr_assert_eq(nsent, 2);
	cr_assert(starts(&sent[1], "ACK sip:bob@198.18.0.2:5062 SIP/2.0\r\n"), "%s", sent[1].data);
	cr_assert(has(&sent[1], "CSeq: 1 ACK\r\n"));
	cr_assert_str_eq(to_tag_of(&sent[1]), "bob9");
	cr_assert_eq(sent[1].port, 5062);
	cr_assert_eq(n_answered, 1);
	cr_assert_str_eq(last_offer, fake_answer);
	cr_assert_eq(n_update, 1);
	cr_assert_eq(state_of(id), SIP_SESS_CONFIRMED);
	cr_assert_eq(counter(SIP_UA_C_calls_answered), 1);
	/* a retransmitted 2xx gets the same ACK again */
	peer_respond(0, 200, fake_answer);
	cr_assert_eq(nsent, 3);
	cr_assert_str_eq(sent[2].data, sent[1].data);
	cr_assert_eq(n_update, 1);
}

Test(uac, busy_gets_ack_and_fails)
{
	uint64_t id = originate();
	struct sip_msg inv, ack;

	peer_respond(0, 486, NULL);
	cr_assert_eq(nsent, 2);
	cr_assert(starts(&sent[1], "ACK sip:bob@198.18.0.2:5062 SIP/2.0\r\n"), "%s", sent[1].data);
	cr_assert(has(&sent[1], "CSeq: 1 ACK\r\n"));
	cr_assert_str_eq(to_tag_of(&sent[1]), "bob9");
	/* 17.1.1.3: same branch as the INVITE */
	cr_assert_eq(sip_parse(sent[0].data, sent[0].len, &inv), 0);
	cr_assert_eq(sip_parse(sent[1].data, sent[1].len, &ack), 0);
	cr_assert(dpv_str_eq(inv.via.branch, ack.via.branch));
	cr_assert_eq(counter(SIP_UA_C_calls_failed), 1);
	cr_assert_eq(state_of(id), SIP_SESS_TERMINATED);
	cr_assert_eq(n_stop, 1);
	cr_assert_eq(sip_ua_hangup(ua, id), -ENOENT);
}

Test(uac, timer_b_fails_the_call)
{
	uint64_t id = originate();

	for (uint64_t t = now; t <= 1000 + 64 * T1; t += 100)
		advance(t);
	cr_assert_eq(state_of(id), SIP_SESS_TERMINATED);
	cr_assert_eq(counter(SIP_UA_C_calls_failed), 1);
	cr_assert_eq(n_stop, 1);
}

Test(uac, hangup_confirmed_sends_bye)
{
	uint64_t id = originate();

	peer_respond(0, 200, fake_answer);
	cr_assert_eq(nsent, 2);
	cr_assert_eq(sip_ua_hangup(ua, id), 0);
	cr_assert_eq(nsent, 3);
	cr_assert(starts(&sent[2], "BYE sip:bob@198.18.0.2:5062 SIP/2.0\r\n"), "%s", sent[2].data);
	cr_assert(has(&sent[2], "CSeq: 2 BYE\r\n"));
	cr_assert_str_eq(to_tag_of(&sent[2]), "bob9");
	cr_assert_eq(state_of(id), SIP_SESS_TERMINATING);
	cr_assert_eq(n_stop, 1);
	peer_respond(2, 200, NULL);
	cr_assert_eq(state_of(id), SIP_SESS_TERMINATED);
	cr_assert_eq(n_stop, 1);
	cr_assert_eq(counter(SIP_UA_C_calls_ended), 1);
}

Test(uac, remote_bye_gets_200)
{
	uint64_t id = originate();
	struct sip_msg inv;
	char ltag[64];

	peer_respond(0, 200, fake_answer);
	cr_assert_eq(sip_parse(sent[0].data, sent[0].len, &inv), 0);
	snprintf(ltag, sizeof(ltag), "%.*s", (int)inv.from.tag.len, inv.from.tag.p);
	snprintf(inbuf, sizeof(inbuf),
	         "BYE sip:engine@198.18.0.1:5060 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 198.18.0.2:5062;branch=z9hG4bKbye7\r\n"
	         "From: <sip:bob@198.18.0.2:5062>;tag=bob9\r\nTo: %.*s\r\n"
	         "Call-ID: %.*s\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
	         (int)inv.from.raw.len, inv.from.raw.p, (int)inv.call_id.len, inv.call_id.p);
	input(inbuf);
	cr_assert_eq(nsent, 3);
	cr_assert(starts(&sent[2], "SIP/2.0 200 OK\r\n"), "%s", sent[2].data);
	cr_assert_eq(state_of(id), SIP_SESS_TERMINATED);
	cr_assert_eq(n_stop, 1);
}

Test(uac, hangup_early_sends_cancel)
{
	uint64_t id = originate();
	struct sip_msg inv, can;

	peer_respond(0, 180, NULL);
	cr_assert_eq(sip_ua_hangup(ua, id), 0);
	cr_assert_eq(nsent, 2);
	cr_assert(starts(&sent[1], "CANCEL sip:bob@198.18.0.2:5062 SIP/2.0\r\n"), "%s",
	          sent[1].data);
	cr_assert(has(&sent[1], "CSeq: 1 CANCEL\r\n"));
	cr_assert_null(to_tag_of(&sent[1]));
	cr_assert_eq(sip_parse(sent[0].data, sent[0].len, &inv), 0);
	cr_assert_eq(sip_parse(sent[1].data, sent[1].len, &can), 0);
	cr_assert(dpv_str_eq(inv.via.branch, can.via.branch));
	peer_respond(1, 200, NULL);
	cr_assert_eq(state_of(id), SIP_SESS_TERMINATING);
	peer_respond(0, 487, NULL);
	cr_assert_eq(nsent, 3);
	cr_assert(starts(&sent[2], "ACK "), "%s", sent[2].data);
	cr_assert_eq(state_of(id), SIP_SESS_TERMINATED);
	cr_assert_eq(counter(SIP_UA_C_calls_cancelled), 1);
	cr_assert_eq(n_stop, 1);
}

Test(uac, hangup_before_provisional_cancels_on_first_1xx)
{
	uint64_t id = originate();

	cr_assert_eq(sip_ua_hangup(ua, id), 0);
	cr_assert_eq(nsent, 1);
	peer_respond(0, 100, NULL);
	cr_assert_eq(nsent, 2);
	cr_assert(starts(&sent[1], "CANCEL "), "%s", sent[1].data);
	/* no final answer to the INVITE within 64*T1: the session ends anyway */
	for (uint64_t t = now, end = now + 64 * T1 + 100; t <= end; t += 500)
		advance(t);
	cr_assert_eq(state_of(id), SIP_SESS_TERMINATED);
	cr_assert_eq(n_stop, 1);
}

Test(uac, set_bridge_updates_media)
{
	uint64_t id = originate();

	peer_respond(0, 200, fake_answer);
	cr_assert_eq(sip_ua_set_bridge(ua, id, "room7"), 0);
	cr_assert_eq(n_update, 2);
	cr_assert_eq(last_media.action, DPV_CALL_BRIDGE);
	cr_assert_str_eq(last_media.bridge, "room7");
	cr_assert_eq(sip_ua_set_bridge(ua, id + 1, NULL), -ENOENT);
}

/* ---- listing from another thread ---- */

struct reader_arg {
	struct listing l;
	unsigned n;
};

static void *
reader(void *p)
{
	struct reader_arg *a = p;

	rcu_register_thread();
	a->n = sip_ua_sessions(ua, collect, &a->l);
	rcu_unregister_thread();
	return NULL;
}

Test(uac, sessions_listed_from_another_thread)
{
	struct reader_arg a = {0};
	pthread_t th;
	uint64_t id = originate();

	peer_respond(0, 200, fake_answer);
	invite("echo", "call9@alice", "z9hG4bKa9");
	/* the writer goes offline while it waits, or the reader's grace periods would wait */
	rcu_thread_offline();
	cr_assert_eq(pthread_create(&th, NULL, reader, &a), 0);
	pthread_join(th, NULL);
	rcu_thread_online();
	cr_assert_eq(a.n, 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct sip_sess_info *s = &a.l.info[i];

		if (s->id == id) {
			cr_assert(s->outgoing);
			cr_assert_eq(s->state, SIP_SESS_CONFIRMED);
			cr_assert_str_eq(s->peer_uri, "sip:bob@198.18.0.2:5062");
			cr_assert_eq(s->local_port, 20002);
		} else {
			cr_assert(!s->outgoing);
			cr_assert_eq(s->state, SIP_SESS_ANSWERED);
			cr_assert_str_eq(s->call_id, "call9@alice");
			cr_assert_str_eq(s->peer_uri, "sip:alice@198.18.0.2:5070");
			cr_assert_eq(s->action, DPV_CALL_ECHO);
		}
	}
}

Test(uas, no_buffer_ends_the_transaction_and_session)
{
	alloc_fail = true;
	invite("tone", "call1@alice", "z9hG4bKa1");
	cr_assert_eq(nsent, 0);
	cr_assert_geq(counter(SIP_UA_C_no_buffer), 3);
	cr_assert_eq(nsessions(), 0);
	cr_assert_eq(n_stop, 1);
	cr_assert_eq(counter(SIP_UA_C_sessions_active), 0);
	/* buffers are back: the retransmission is a fresh INVITE */
	alloc_fail = false;
	invite("tone", "call1@alice", "z9hG4bKa1");
	cr_assert_eq(nsent, 3);
	cr_assert(starts(&sent[2], "SIP/2.0 200 OK\r\n"));
	cr_assert_eq(nsessions(), 1);
}

Test(uas, invite_without_offer_gets_ours_and_the_answer_comes_in_the_ack)
{
	char tag[64];

	input(req("INVITE", "tone", "call6", "z9hG4bKa6", NULL, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 3);
	cr_assert_eq(n_offer, 1);
	cr_assert_eq(n_answer, 0);
	assert_body(&sent[2], fake_offer);
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[2]));
	input(req("ACK", "tone", "call6", "z9hG4bKack6", tag, 1, NULL, NULL, offer_sdp));
	cr_assert_eq(n_answered, 1);
	cr_assert_str_eq(last_offer, offer_sdp);
	cr_assert_eq(n_update, 1);
	cr_assert_eq(nsessions(), 1);
}

Test(uas, ack_without_the_answer_ends_the_call)
{
	char tag[64];

	input(req("INVITE", "tone", "call6", "z9hG4bKa6", NULL, 1, NULL, NULL, NULL));
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[2]));
	input(req("ACK", "tone", "call6", "z9hG4bKack6", tag, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 4);
	cr_assert(starts(&sent[3], "BYE "), "%s", sent[3].data);
	cr_assert_eq(n_update, 0);
	cr_assert_eq(n_stop, 1);
}

Test(uas_delay, bye_before_answer_gets_200_and_487)
{
	char tag[64];

	invite("tone", "call1@alice", "z9hG4bKa1");
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[1]));
	input(req("BYE", "tone", "call1@alice", "z9hG4bKb1", tag, 2, NULL, NULL, NULL));
	cr_assert_eq(nsent, 4);
	cr_assert(starts(&sent[2], "SIP/2.0 200 OK\r\n"), "%s", sent[2].data);
	cr_assert(starts(&sent[3], "SIP/2.0 487 Request Terminated\r\n"), "%s", sent[3].data);
	cr_assert(has(&sent[3], "CSeq: 1 INVITE\r\n"));
	cr_assert_eq(n_stop, 1);
	advance(now + T1);
	cr_assert_eq(nsent, 5); /* Timer G: the 487 again, until its ACK */
	cr_assert_str_eq(sent[4].data, sent[3].data);
}

Test(uas, bad_bridge_name_gets_400)
{
	invite("conf-a!b", "call7", "z9hG4bKa7");
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 400 Bad Request\r\n"), "%s", sent[0].data);
	cr_assert(has(&sent[0], "Warning: 399 dpvoip \"bad bridge name\"\r\n"));
	cr_assert_eq(n_answer, 0);
	cr_assert_eq(nsessions(), 0);
}

Test(uas, every_truncation_of_an_invite_is_answered_or_dropped)
{
	char full[8192];
	struct sip_msg m;
	size_t n;
	int rc;

	snprintf(full, sizeof(full), "%s",
	         req("INVITE", "tone", "trunc1", "z9hG4bKt1", NULL, 1, NULL, NULL, offer_sdp));
	n = strlen(full);
	for (size_t len = 0; len < n; len++) {
		/* a copy of exactly len bytes, so ASan sees any read past it */
		char *p = malloc(len ? len : 1);

		memcpy(p, full, len);
		nsent = 0;
		sip_ua_input(ua, p, (uint32_t)len, PEER_IP, 40000);
		free(p);
		/* whatever went out is a well-formed response */
		for (unsigned i = 0; i < nsent; i++) {
			cr_assert(sent_parses(sent[i].data, sent[i].len, &m, &rc), "%zu: %s", len,
			          sent[i].data);
			cr_assert(!m.is_request);
		}
	}
	/* every datagram was either a parse error or a request (a cut at the end of a header
	 * line leaves a valid INVITE without Content-Length, which UDP allows) */
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors) + counter(SIP_UA_C_rx_requests), n);
	cr_assert_gt(counter(SIP_UA_C_rx_parse_errors), n / 2);
}

Test(uas, mutated_requests_and_responses_never_crash_and_answers_are_well_formed)
{
	char base[3][8192], buf[8192];
	uint64_t id = originate();
	uint32_t x = 12345;
	struct sip_msg m;
	size_t n[3];
	int rc;

	snprintf(base[0], sizeof(base[0]), "%s",
	         req("INVITE", "tone", "mut1", "z9hG4bKm1", NULL, 1, NULL, NULL, offer_sdp));
	snprintf(base[1], sizeof(base[1]), "%s",
	         req("BYE", "tone", "mut1", "z9hG4bKm2", "t", 2, NULL, NULL, NULL));
	cr_assert_eq(sip_parse(sent[0].data, sent[0].len, &sent_msg), 0);
	n[2] = (size_t)sip_write_response(base[2], sizeof(base[2]), &sent_msg, 200, NULL,
	                                  DPV_STR_LIT("bob9"), DPV_STR_NULL, DPV_STR_NULL,
	                                  DPV_STR_NULL);
	n[0] = strlen(base[0]);
	n[1] = strlen(base[1]);
	(void)id;
	for (unsigned round = 0; round < 20000; round++) {
		unsigned which = round % 3, flips;
		size_t len = n[which];

		memcpy(buf, base[which], len);
		x = x * 1103515245u + 12345u;
		flips = 1 + (x >> 16) % 4;
		for (unsigned f = 0; f < flips; f++) {
			x = x * 1103515245u + 12345u;
			buf[(x >> 8) % len] = (char)(x >> 24);
		}
		x = x * 1103515245u + 12345u;
		if ((x >> 20) % 4 == 0)
			len = (x >> 4) % len;
		nsent = 0;
		sip_ua_input(ua, buf, (uint32_t)len, PEER_IP, 40000);
		for (unsigned i = 0; i < nsent; i++)
			cr_assert(sent_parses(sent[i].data, sent[i].len, &m, &rc), "%u: %s", round,
			          sent[i].data);
		if (round % 100 == 0)
			advance(now + 700);
	}
}

Test(uas, hangup_before_the_ack_byes_once_acked)
{
	struct listing l = {0};
	char tag[64];

	invite("tone", "call1@alice", "z9hG4bKa1");
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[2]));
	cr_assert_eq(sip_ua_sessions(ua, collect, &l), 1);
	cr_assert_eq(l.info[0].state, SIP_SESS_ANSWERED);
	cr_assert_eq(sip_ua_hangup(ua, l.info[0].id), 0);
	cr_assert_eq(nsent, 3); /* RFC 3261 15: no BYE before the ACK */
	input(req("ACK", "tone", "call1@alice", "z9hG4bKack1", tag, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 4);
	cr_assert(starts(&sent[3], "BYE sip:alice@198.18.0.2:5070 SIP/2.0\r\n"), "%s",
	          sent[3].data);
	cr_assert_eq(n_stop, 1);
}

/* The one bridge-name rule (dpv_bridge_name_valid), whoever asks: nothing sent, nothing changed. */
Test(uac, bad_bridge_names_are_einval)
{
	char longname[DPV_BRIDGE_NAME_MAX + 2];
	uint64_t id;

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr_assert_eq(sip_ua_originate(ua, "sip:bob@198.18.0.2:5062", "a b", &id), -EINVAL);
	cr_assert_eq(sip_ua_originate(ua, "sip:bob@198.18.0.2:5062", "", &id), -EINVAL);
	cr_assert_eq(sip_ua_originate(ua, "sip:bob@198.18.0.2:5062", longname, &id), -EINVAL);
	cr_assert_eq(nsent, 0);
	id = originate();
	peer_respond(0, 200, fake_answer);
	cr_assert_eq(sip_ua_set_bridge(ua, id, "room/7"), -EINVAL);
	cr_assert_eq(last_media.action, DPV_CALL_NONE);
	longname[DPV_BRIDGE_NAME_MAX] = '\0'; /* 63: the longest name */
	cr_assert_eq(sip_ua_set_bridge(ua, id, longname), 0);
	cr_assert_str_eq(last_media.bridge, longname);
}

/* ---- compact records: finished transactions answer retransmissions from 256 bytes ---- */

TestSuite(compact, .init = setup, .fini = teardown);

/* Run grace periods until @a o shows no held session (bounded). */
static void
drain_grace(struct sip_ua_occupancy *o)
{
	for (int i = 0; i < 4; i++) {
		rcu_quiescent_state();
		rcu_thread_offline();
		rcu_barrier();
		rcu_thread_online();
		advance(now + 1);
		sip_ua_occupancy(ua, o);
		if (o->sess_held == 0 && o->tx_limbo == 0)
			return;
	}
}

static const uint32_t retx_at[] = {1000, 10000, 31000};

Test(compact, bye_retransmissions_get_the_same_200_and_the_session_is_gone_at_once)
{
	static char first[MSG_CAP + 1], tag[64];
	struct sip_ua_occupancy o;
	uint64_t t0;
	unsigned n;

	snprintf(tag, sizeof(tag), "%s", uas_call("cb1"));
	input(req("BYE", "tone", "cb1", "z9hG4bKbye1", tag, 2, NULL, NULL, NULL));
	cr_assert(starts(&sent[nsent - 1], "SIP/2.0 200 OK\r\n"), "%s", sent[nsent - 1].data);
	memcpy(first, sent[nsent - 1].data, sent[nsent - 1].len + 1);
	advance(now + 1); /* the INVITE's and the BYE's transactions become records */
	sip_ua_occupancy(ua, &o);
	cr_assert_eq(o.tx_live, 0, "no full transaction once the call ended");
	cr_assert_eq(o.tx_records, 2, "the INVITE's (Timer L) and the BYE's (Timer J)");
	cr_assert_eq(counter(SIP_UA_C_tx_compacted), 2);
	cr_assert_eq(o.sess_live, 0);
	drain_grace(&o);
	cr_assert_eq(o.sess_held, 0, "the session went back after one grace period, not at 64*T1");
	cr_assert_eq(o.tx_limbo, 0);
	cr_assert_eq(o.tx_free, 256);
	cr_assert_eq(nalloc, nfree, "the responses' buffers went back too");
	cr_assert_leq(sip_tx_record_size(), 256);
	t0 = now;
	for (unsigned i = 0; i < 3; i++) {
		advance(t0 + retx_at[i]);
		n = nsent;
		input(req("BYE", "tone", "cb1", "z9hG4bKbye1", tag, 2, NULL, NULL, NULL));
		cr_assert_eq(nsent, n + 1, "answered at +%u ms", retx_at[i]);
		cr_assert_str_eq(sent[n].data, first, "the same 200 at +%u ms", retx_at[i]);
		cr_assert_eq(sent[n].port, 40000);
	}
	cr_assert_eq(counter(SIP_UA_C_retrans_answered), 3);
	/* 64*T1 + T4 after the 200: a new transaction, for a dialog that is gone */
	advance(t0 + 64 * T1 + 5000);
	sip_ua_occupancy(ua, &o);
	cr_assert_eq(o.tx_records, 0, "both records expired");
	n = nsent;
	input(req("BYE", "tone", "cb1", "z9hG4bKbye1", tag, 2, NULL, NULL, NULL));
	cr_assert_eq(nsent, n + 1);
	cr_assert(starts(&sent[n], "SIP/2.0 481 "), "%s", sent[n].data);
}

Test(compact, options_retransmissions_get_the_same_to_tag_then_a_new_transaction)
{
	static char first[MSG_CAP + 1], tag[64];
	uint64_t t0;
	unsigned n;

	input(req("OPTIONS", "probe", "co1", "z9hG4bKopt1", NULL, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 200 OK\r\n"), "%s", sent[0].data);
	cr_assert(has(&sent[0], "Accept: application/sdp\r\n"), "%s", sent[0].data);
	cr_assert_not_null(to_tag_of(&sent[0]));
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[0]));
	memcpy(first, sent[0].data, sent[0].len + 1);
	advance(now + 1);
	cr_assert_eq(sip_ua_tx_stats(ua)->compacted, 1);
	t0 = now;
	for (unsigned i = 0; i < 3; i++) {
		advance(t0 + retx_at[i]);
		n = nsent;
		input(req("OPTIONS", "probe", "co1", "z9hG4bKopt1", NULL, 1, NULL, NULL, NULL));
		cr_assert_eq(nsent, n + 1);
		cr_assert_str_eq(sent[n].data, first, "same status, To tag and Via at +%u ms",
		                 retx_at[i]);
	}
	advance(t0 + 64 * T1 + 5000);
	n = nsent;
	input(req("OPTIONS", "probe", "co1", "z9hG4bKopt1", NULL, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, n + 1);
	cr_assert(starts(&sent[n], "SIP/2.0 200 OK\r\n"), "%s", sent[n].data);
	cr_assert_str_neq(to_tag_of(&sent[n]), tag, "a new transaction: a new To tag");
}

Test(compact, a_rejection_is_written_again_with_its_warning)
{
	static char first[MSG_CAP + 1];
	unsigned n;

	/* a BYE outside any dialog: 481 with a Warning, from a record after the first */
	input(req("BYE", "tone", "cr1", "z9hG4bKrej1", "nosuch", 2, NULL, NULL, NULL));
	cr_assert_eq(nsent, 1);
	cr_assert(starts(&sent[0], "SIP/2.0 481 "), "%s", sent[0].data);
	cr_assert(has(&sent[0], "Warning: 399 dpvoip \""), "%s", sent[0].data);
	memcpy(first, sent[0].data, sent[0].len + 1);
	advance(now + 1);
	cr_assert_eq(sip_ua_tx_stats(ua)->compacted, 1);
	advance(now + 10000);
	n = nsent;
	input(req("BYE", "tone", "cr1", "z9hG4bKrej1", "nosuch", 2, NULL, NULL, NULL));
	cr_assert_eq(nsent, n + 1);
	cr_assert_str_eq(sent[n].data, first);
}

Test(compact, invite_retransmissions_before_the_ack_get_the_same_200)
{
	char tag[64];
	uint64_t created, t0;
	unsigned n;

	invite("tone", "ci1", "z9hG4bKa1");
	cr_assert_eq(nsent, 3);
	cr_assert(starts(&sent[2], "SIP/2.0 200 OK\r\n"), "%s", sent[2].data);
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[2]));
	t0 = now;
	advance(now + 1);
	cr_assert_eq(sip_ua_tx_stats(ua)->compacted, 1, "the INVITE's Accepted transaction");
	for (unsigned i = 0; i < 3; i++) {
		advance(t0 + retx_at[i]);
		n = nsent;
		invite("tone", "ci1", "z9hG4bKa1");
		cr_assert_eq(nsent, n + 1, "the 2xx at once at +%u ms", retx_at[i]);
		cr_assert(starts(&sent[n], "SIP/2.0 200 OK\r\n"), "%s", sent[n].data);
		cr_assert_str_eq(to_tag_of(&sent[n]), tag);
		cr_assert(has(&sent[n], via_line), "%s", sent[n].data);
		cr_assert_str_eq(sent[n].data, sent[2].data);
	}
	/* no ACK: at 64*T1 the session sends its BYE; after T4 more the INVITE is new again */
	advance(t0 + 64 * T1 + 5000);
	created = sip_ua_tx_stats(ua)->created;
	invite("tone", "ci1", "z9hG4bKa1");
	cr_assert_eq(sip_ua_tx_stats(ua)->created, created + 1, "a new server transaction");
}

Test(compact, an_ack_still_confirms_the_call_after_the_invite_became_a_record)
{
	uint64_t t0 = now;
	char tag[64];

	invite("tone", "ca1", "z9hG4bKa1");
	snprintf(tag, sizeof(tag), "%s", to_tag_of(&sent[2]));
	advance(t0 + 1);
	cr_assert_eq(sip_ua_tx_stats(ua)->compacted, 1);
	input(req("ACK", "tone", "ca1", "z9hG4bKack1", tag, 1, NULL, NULL, NULL));
	cr_assert_eq(nsessions(), 1);
	/* confirmed: no more 2xx retransmissions */
	advance(t0 + 2000);
	cr_assert_eq(nsent, 3);
}

Test(compact, cancel_after_the_answer_gets_200_from_the_record)
{
	char tag[64];
	unsigned n;

	snprintf(tag, sizeof(tag), "%s", uas_call("cc1"));
	advance(now + 1);
	n = nsent;
	input(req("CANCEL", "tone", "cc1", "z9hG4bKa1", NULL, 1, NULL, NULL, NULL));
	cr_assert_eq(nsent, n + 1);
	cr_assert(starts(&sent[n], "SIP/2.0 200 OK\r\n"), "%s", sent[n].data);
	cr_assert_str_eq(to_tag_of(&sent[n]), tag);
	cr_assert_eq(nsessions(), 1, "the CANCEL has no effect on an answered call");
}

Test(compact, the_uac_side_keeps_records_and_frees_its_session_after_the_bye)
{
	struct sip_ua_occupancy o;
	uint64_t id = originate();
	unsigned n;

	peer_respond(0, 200, fake_answer);
	cr_assert_eq(nsent, 2, "INVITE, ACK");
	advance(now + 1);
	sip_ua_occupancy(ua, &o);
	cr_assert_eq(o.tx_live, 0, "the INVITE client transaction (Accepted) is a record");
	cr_assert_eq(o.tx_records, 1);
	/* a retransmitted 2xx is ACKed again by the dialog */
	peer_respond(0, 200, fake_answer);
	cr_assert_eq(nsent, 3);
	cr_assert_str_eq(sent[2].data, sent[1].data);
	cr_assert_eq(sip_ua_hangup(ua, id), 0);
	cr_assert(starts(&sent[3], "BYE "), "%s", sent[3].data);
	peer_respond(3, 200, NULL);
	advance(now + 1);
	sip_ua_occupancy(ua, &o);
	cr_assert_eq(o.tx_live, 0);
	cr_assert_eq(o.tx_records, 2, "the BYE's client transaction waits Timer K as a record");
	n = nsent;
	peer_respond(3, 200, NULL); /* absorbed */
	cr_assert_eq(nsent, n);
	cr_assert_eq(counter(SIP_UA_C_rx_dropped), 0);
	drain_grace(&o);
	cr_assert_eq(o.sess_held, 0);
}

/* Overload sheds new calls first: the last 1/16 of the transaction pool is for calls in
 * progress. */
static void
setup_shed(void)
{
	start(2000, 64, 32); /* answer delay 2 s: INVITE transactions stay pending */
}

TestSuite(shed, .init = setup_shed, .fini = teardown);

Test(shed, a_full_pool_sheds_new_calls_and_still_serves_calls_in_progress)
{
	char callid[32], branch[32];
	unsigned n;

	for (unsigned i = 0; i < 30; i++) {
		snprintf(callid, sizeof(callid), "shed%u", i);
		snprintf(branch, sizeof(branch), "z9hG4bKs%u", i);
		invite("tone", callid, branch);
	}
	cr_assert_eq(counter(SIP_UA_C_shed_new_calls), 0, "30 of 32 transactions: still room");
	n = nsent;
	invite("tone", "shed30", "z9hG4bKs30");
	cr_assert_eq(nsent, n + 1);
	cr_assert(starts(&sent[n], "SIP/2.0 503 "), "%s", sent[n].data);
	cr_assert(has(&sent[n], "Warning: 399 dpvoip \"overloaded: new calls shed\"\r\n"), "%s",
	          sent[n].data);
	cr_assert(has(&sent[n], "Retry-After: "), "%s", sent[n].data);
	cr_assert_eq(counter(SIP_UA_C_shed_new_calls), 1);
	/* a call in progress is cancelled: its CANCEL gets a transaction from the reserve */
	n = nsent;
	input(req("CANCEL", "tone", "shed3", "z9hG4bKs3", NULL, 1, NULL, NULL, NULL));
	cr_assert_geq(nsent, n + 2);
	cr_assert(starts(&sent[n], "SIP/2.0 200 OK\r\n"), "%s", sent[n].data);
	cr_assert(starts(&sent[n + 1], "SIP/2.0 487 "), "%s", sent[n + 1].data);
}

/* One source holds at most max_calls_per_source incoming calls; others are unaffected, and
 * its budget comes back as its calls end. */
static void
setup_per_source(void)
{
	start_per_source = 3;
	start(0, 64, 256);
	start_per_source = 0;
}

TestSuite(per_source, .init = setup_per_source, .fini = teardown);

Test(per_source, a_source_at_its_limit_gets_503_and_others_do_not)
{
	char callid[32], branch[32], tags[4][64];
	unsigned n;

	for (unsigned i = 0; i < 3; i++) {
		snprintf(callid, sizeof(callid), "ps%u", i);
		snprintf(branch, sizeof(branch), "z9hG4bKp%u", i);
		invite("tone", callid, branch);
		snprintf(tags[i], sizeof(tags[i]), "%s", to_tag_of(&sent[nsent - 1]));
	}
	cr_assert_eq(nsessions(), 3);
	n = nsent;
	invite("tone", "ps3", "z9hG4bKp3");
	cr_assert_eq(nsent, n + 1);
	cr_assert(starts(&sent[n], "SIP/2.0 503 "), "%s", sent[n].data);
	cr_assert(has(&sent[n], "\"too many calls from this source\""), "%s", sent[n].data);
	cr_assert_eq(counter(SIP_UA_C_shed_source_calls), 1);
	/* another host is not limited by it */
	input_from(req("INVITE", "tone", "other0", "z9hG4bKo0", NULL, 1, NULL, NULL, offer_sdp),
	           0xC6120003u);
	cr_assert(starts(&sent[nsent - 1], "SIP/2.0 200 OK\r\n"), "%s", sent[nsent - 1].data);
	cr_assert_eq(nsessions(), 4);
	/* one of its calls ends: it may place one more */
	input(req("BYE", "tone", "ps1", "z9hG4bKpb1", tags[1], 2, NULL, NULL, NULL));
	cr_assert_eq(nsessions(), 3);
	invite("tone", "ps4", "z9hG4bKp4");
	cr_assert(starts(&sent[nsent - 1], "SIP/2.0 200 OK\r\n"), "%s", sent[nsent - 1].data);
	cr_assert_eq(counter(SIP_UA_C_shed_source_calls), 1);
}
