/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket against a running engine: one media+signaling worker on a thread of its
 * own (dpv_worker_main, as on an lcore) over a ring PMD port, the test thread as the main lcore
 * (dpv_ctl_poll, RCU-offline between commands) and as the SIP peer on the wire. Bridge commands
 * with their exact replies and errors, and the exact event stream a subscriber sees for calls
 * and bridges: a dialplan bridge call, a call the engine originates into a bridge, a call moved
 * in and out of a control-socket bridge, a media timeout.
 */
#include <inttypes.h>
#include <pthread.h>

#include <urcu-qsbr.h>

#include "ctl_helpers.h"
#include "event_int.h"
#include "frames.h"
#include "lcore_int.h"
#include "media_int.h"
#include "ring_ports.h"
#include "sig_int.h"

#define ENG_IP  0xC6120001u /* 198.18.0.1 */
#define PEER_IP 0xC6120002u /* 198.18.0.2 */

static struct rte_ring *rx_ring, *tx_ring;
static struct rte_mempool *pool;
static struct dpv_net_ctx peer;
static struct dpv_arp_cache peer_arp;
static pthread_t workers[2];

static void *
worker_main(void *arg)
{
	dpv_worker_main(arg);
	return NULL;
}

/* The engine with @a nb_sig signaling lcores: worker 0 media and signaling, worker 1 (if any)
 * signaling only, steered to by worker 0. */
static void
start(unsigned media_timeout_s, unsigned nb_sig)
{
	static const char *const text[] = {"^conf-(.+)$ bridge", "^echo$ echo", ".* tone"};
	struct dpv_engine *e = &eng;
	struct dpv_worker *w = &e->workers[0];
	char *msg = NULL;
	size_t len;
	FILE *f;

	test_eal_init("dpvctleng", "256");
	rcu_register_thread();
	pool =
	    rte_pktmbuf_pool_create("port", 2047, 0, DPV_MBUF_PRIV, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	cr_assert_not_null(pool);
	test_engine_config(e);
	test_engine_dialplan(e, text, RTE_DIM(text));
	e->cfg.rtp.media_mbufs = 1024;
	e->cfg.rtp.media_timeout_s = media_timeout_s;
	e->cfg.bridge.max_bridges = 2 * nb_sig;
	e->cfg.sip.max_dialogs = 128; /* a full bridge and one more */
	e->cfg.sip.max_transactions = 256;
	e->cfg.idle_sleep_us = 500; /* two CPUs shared with the test thread and other tests */
	test_ring_port(e, 0, pool, ENG_IP, 0, (uint16_t)nb_sig, &rx_ring, &tx_ring);
	e->nb_ports = 1;

	e->nb_workers = nb_sig;
	w->eng = e;
	w->lcore_id = 0;
	w->roles = DPV_ROLE_MEDIA | DPV_ROLE_SIGNALING;
	w->sig_index = 0;
	w->media_index = 0;
	w->sig_ring = rte_ring_create("sig0", 16, 0, RING_F_SC_DEQ);
	test_worker_txb(w, e->ports[0].port_id);
	e->sig_workers[e->nb_sig++] = w;
	e->media_workers[e->nb_media++] = w;
	if (nb_sig == 2) {
		struct dpv_worker *w1 = &e->workers[1];

		w1->eng = e;
		w1->lcore_id = 1;
		w1->roles = DPV_ROLE_SIGNALING;
		w1->sig_index = 1;
		w1->media_index = -1;
		w1->txq = 1;
		w1->sig_ring = rte_ring_create("sig1", 64, 0, RING_F_SC_DEQ);
		test_worker_txb(w1, e->ports[0].port_id);
		e->sig_workers[e->nb_sig++] = w1;
	}

	peer.mac = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0x02}};
	peer.addr = PEER_IP;
	peer.netmask = 0xffffff00;
	peer.arp = &peer_arp;
	dpv_arp_learn(&peer_arp, ENG_IP, &e->ports[0].net.mac, 0);
	dpv_arp_learn(&e->ports[0].arp, PEER_IP, &peer.mac, 0);

	f = open_memstream(&msg, &len);
	cr_assert_eq(dpv_sig_init(e, f), 0);
	cr_assert_eq(dpv_media_init(e, f), 0);
	fclose(f);
	free(msg);
	cr_assert_eq(dpv_event_init(e, 1024), 0);
	make_tmpdir();
	dpv_sig_ctl_register();
	cr_assert_eq(dpv_ctl_open(e, sock_path), 0);
	for (unsigned i = 0; i < e->nb_workers; i++)
		cr_assert_eq(pthread_create(&workers[i], NULL, worker_main, &e->workers[i]), 0);
	rcu_thread_offline(); /* as the main lcore: online only inside commands */
}

static void
setup(void)
{
	start(0, 1);
}

static void
setup_timeout(void)
{
	start(1, 1);
}

static void
setup_two(void)
{
	start(0, 2);
}

static void
teardown(void)
{
	__atomic_store_n(&eng.quit, true, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < eng.nb_workers; i++)
		pthread_join(workers[i], NULL);
	rcu_thread_online();
	rm_tmpdir();
	dpv_event_fini(&eng);
	dpv_media_fini(&eng);
	dpv_sig_fini(&eng);
}

TestSuite(ctl_engine, .init = setup, .fini = teardown);
TestSuite(ctl_timeout, .init = setup_timeout, .fini = teardown);
TestSuite(ctl_two, .init = setup_two, .fini = teardown);

/* ---- the SIP peer ---- */

static void
inject(uint16_t sport, uint16_t dport, const void *payload, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	cr_assert_not_null(m);
	cr_assert_eq(frame_udp_build(&peer, m, sport, ENG_IP, dport, payload, len), 0);
	cr_assert_eq(rte_ring_enqueue(rx_ring, m), 0);
}

static void
inject_sip(const char *msg)
{
	inject(5070, 5060, msg, (uint16_t)strlen(msg));
}

/* The next SIP message the engine sends whose first line starts with @a prefix, into @a out
 * (NUL-terminated); others are skipped. Fails after 5 s. */
static void
wait_sip(const char *prefix, char *out, size_t cap)
{
	uint64_t deadline = rte_rdtsc() + 5 * rte_get_tsc_hz();

	while (rte_rdtsc() < deadline) {
		struct rte_mbuf *m;
		struct rte_ether_hdr *eth;
		struct rte_ipv4_hdr *ip;
		struct rte_udp_hdr *udp;
		size_t len;

		if (rte_ring_dequeue(tx_ring, (void **)&m) != 0) {
			rte_delay_us_sleep(200);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		ip = (struct rte_ipv4_hdr *)(eth + 1);
		udp = (struct rte_udp_hdr *)((uint8_t *)ip + rte_ipv4_hdr_len(ip));
		if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		    rte_be_to_cpu_16(udp->src_port) != 5060) {
			rte_pktmbuf_free(m);
			continue;
		}
		len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
		if (len >= cap)
			len = cap - 1;
		memcpy(out, udp + 1, len);
		out[len] = '\0';
		rte_pktmbuf_free(m);
		if (strncmp(out, prefix, strlen(prefix)) == 0)
			return;
	}
	cr_assert_fail("no \"%s\" from the engine within 5 s", prefix);
}

/* Append the header line of @a msg named @a name (with its CRLF) to @a out; "" if none. */
static void
copy_header(const char *msg, const char *name, char *out, size_t cap, const char *add)
{
	char key[32];
	const char *p, *end;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	p = strstr(msg, key);
	cr_assert_not_null(p, "no %s in:\n%s", name, msg);
	p += 2;
	end = strstr(p, "\r\n");
	snprintf(out + strlen(out), cap - strlen(out), "%.*s%s\r\n", (int)(end - p), p,
	         add != NULL && memmem(p, (size_t)(end - p), ";tag=", 5) == NULL ? add : "");
}

/* The peer's @a code answer to request @a req, with @a sdp as its body (NULL: none). */
static void
respond(const char *req, unsigned code, const char *sdp)
{
	char r[2048];

	snprintf(r, sizeof(r), "SIP/2.0 %u %s\r\n", code, code == 200 ? "OK" : "Ringing");
	copy_header(req, "Via", r, sizeof(r), NULL);
	copy_header(req, "From", r, sizeof(r), NULL);
	copy_header(req, "To", r, sizeof(r), ";tag=peer1");
	copy_header(req, "Call-ID", r, sizeof(r), NULL);
	copy_header(req, "CSeq", r, sizeof(r), NULL);
	snprintf(r + strlen(r), sizeof(r) - strlen(r),
	         "Contact: <sip:uas@198.18.0.2:5070>\r\n%sContent-Length: %zu\r\n\r\n%s",
	         sdp ? "Content-Type: application/sdp\r\n" : "", sdp ? strlen(sdp) : 0,
	         sdp ? sdp : "");
	inject_sip(r);
}

static const char *
find_line(const char *s, const char *prefix)
{
	const char *p = strstr(s, prefix);

	cr_assert_not_null(p, "no %s in:\n%s", prefix, s);
	return p + strlen(prefix);
}

/* An SDP offer or answer from the peer's RTP port @a rtp. */
static void
peer_sdp(char *out, size_t cap, uint16_t rtp)
{
	snprintf(out, cap,
	         "v=0\r\no=p 1 1 IN IP4 198.18.0.2\r\ns=-\r\nc=IN IP4 198.18.0.2\r\nt=0 0\r\n"
	         "m=audio %u RTP/AVP 0\r\na=sendrecv\r\n",
	         rtp);
}

/* A call from the peer to @a user (Call-ID ctl@ID) from RTP port @a rtp, answered and ACKed;
 * its To tag into @a tag, the engine's RTP port returned. */
static uint16_t
uas_call(const char *user, unsigned id, uint16_t rtp, char tag[64])
{
	char sdp[512], inv[2048], ack[1024], ok[4096];
	const char *p;

	peer_sdp(sdp, sizeof(sdp), rtp);
	snprintf(inv, sizeof(inv),
	         "INVITE sip:%s@198.18.0.1 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 198.18.0.2:5070;branch=z9hG4bKi%u\r\n"
	         "From: <sip:p@198.18.0.2>;tag=f%u\r\nTo: <sip:%s@198.18.0.1>\r\n"
	         "Call-ID: ctl%u@198.18.0.2\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
	         "Contact: <sip:p@198.18.0.2:5070>\r\nContent-Type: application/sdp\r\n"
	         "Content-Length: %zu\r\n\r\n%s",
	         user, id, id, user, id, strlen(sdp), sdp);
	inject_sip(inv);
	wait_sip("SIP/2.0 200 ", ok, sizeof(ok));
	p = strstr(find_line(ok, "\r\nTo: "), "tag=");
	cr_assert_not_null(p);
	snprintf(tag, 64, "%.*s", (int)strcspn(p + 4, "\r\n;"), p + 4);
	snprintf(ack, sizeof(ack),
	         "ACK sip:%s@198.18.0.1 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 198.18.0.2:5070;branch=z9hG4bKa%u\r\n"
	         "From: <sip:p@198.18.0.2>;tag=f%u\r\nTo: <sip:%s@198.18.0.1>;tag=%s\r\n"
	         "Call-ID: ctl%u@198.18.0.2\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
	         "Content-Length: 0\r\n\r\n",
	         user, id, id, user, tag, id);
	inject_sip(ack);
	return (uint16_t)strtoul(find_line(ok, "m=audio "), NULL, 10);
}

static void
uas_bye(const char *user, unsigned id, const char *tag)
{
	char m[1024], ok[2048];

	snprintf(m, sizeof(m),
	         "BYE sip:%s@198.18.0.1 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 198.18.0.2:5070;branch=z9hG4bKb%u\r\n"
	         "From: <sip:p@198.18.0.2>;tag=f%u\r\nTo: <sip:%s@198.18.0.1>;tag=%s\r\n"
	         "Call-ID: ctl%u@198.18.0.2\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\n"
	         "Content-Length: 0\r\n\r\n",
	         user, id, id, user, tag, id);
	inject_sip(m);
	wait_sip("SIP/2.0 200 ", ok, sizeof(ok));
	cr_assert_not_null(strstr(ok, "CSeq: 2 BYE"), "%s", ok);
}

/* ---- the control side ---- */

/* Send @a request and expect exactly @a want back. */
static void
req(struct tclient *c, const char *request, const char *want)
{
	char line[1024];

	snprintf(line, sizeof(line), "%s\n", request);
	tsends(c, line);
	cr_expect_line(c, want);
}

static struct tclient *
tsubscribe(void)
{
	struct tclient *c = tconnect(sock_path);

	req(c, "{\"cmd\":\"subscribe\"}", "{\"ok\":true,\"subscribed\":true}");
	return c;
}

/* The session id of the next event line, which must be {"event":"session","session":ID,
 * "state":"@a state"}. */
static uint64_t
event_session(struct tclient *s, const char *state)
{
	static const char prefix[] = "{\"event\":\"session\",\"session\":";
	char *line = tline(s), *end, want[64];
	uint64_t id;

	cr_assert_eq(strncmp(line, prefix, strlen(prefix)), 0, "%s", line);
	id = strtoull(line + strlen(prefix), &end, 10);
	snprintf(want, sizeof(want), ",\"state\":\"%s\"}", state);
	cr_assert_str_eq(end, want, "%s", line);
	free(line);
	return id;
}

/* Expect the event line printf(@a fmt, ...) next. */
static void __attribute__((format(printf, 2, 3)))
expect_event(struct tclient *s, const char *fmt, ...)
{
	char want[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	cr_expect_line(s, want);
}

/*
 * The next three event lines are a call's "confirmed" (posted by its lcore at the ACK) and the
 * bridge's "bridge-created" (when @a created) and "member-joined" (posted by the bridge's owner
 * when the 200 with the answer leaves): the two lcores' events interleave in any order, each
 * lcore's in its own order.
 */
static void
expect_join_and_confirm(struct tclient *s, const char *bridge, uint64_t id, bool created)
{
	char confirmed[128], made[128], joined[128];
	unsigned seen_confirmed = 0, seen_made = 0, seen_joined = 0;

	snprintf(confirmed, sizeof(confirmed),
	         "{\"event\":\"session\",\"session\":%" PRIu64 ",\"state\":\"confirmed\"}", id);
	snprintf(made, sizeof(made), "{\"event\":\"bridge-created\",\"bridge\":\"%s\"}", bridge);
	snprintf(joined, sizeof(joined),
	         "{\"event\":\"member-joined\",\"bridge\":\"%s\",\"session\":%" PRIu64 "}", bridge,
	         id);
	for (unsigned i = 0; i < 2u + created; i++) {
		char *line = tline(s);

		if (strcmp(line, confirmed) == 0)
			seen_confirmed++;
		else if (created && strcmp(line, made) == 0)
			seen_made++;
		else if (strcmp(line, joined) == 0) {
			cr_expect(!created || seen_made, "joined before created: %s", line);
			seen_joined++;
		} else
			cr_expect_fail("unexpected event %s", line);
		free(line);
	}
	cr_expect_eq(seen_confirmed, 1);
	cr_expect_eq(seen_made, created ? 1u : 0u);
	cr_expect_eq(seen_joined, 1);
}

/* The reply to @a request as JSON (for members whose values are not known exactly). */
static json_t *
req_json(struct tclient *c, const char *request)
{
	char line[1024];
	json_error_t jerr;
	char *got;
	json_t *j;

	snprintf(line, sizeof(line), "%s\n", request);
	tsends(c, line);
	got = tline(c);
	j = json_loads(got, 0, &jerr);
	cr_assert_not_null(j, "%s: %s", jerr.text, got);
	free(got);
	return j;
}

/* ---- tests ---- */

Test(ctl_engine, bridge_commands_and_their_errors)
{
	struct tclient *c = tconnect(sock_path);

	req(c, "{\"cmd\":\"bridges\"}", "{\"ok\":true,\"bridges\":[]}");
	req(c, "{\"cmd\":\"bridge create\"}",
	    "{\"ok\":false,\"error\":\"usage: bridge create NAME\"}");
	req(c, "{\"cmd\":\"bridge create\",\"args\":[\"a b\"]}",
	    "{\"ok\":false,\"error\":\"invalid bridge name 'a b': 1..63 characters of A-Z a-z 0-9 "
	    ". _ -\"}");
	req(c, "{\"cmd\":\"bridge create\",\"args\":[\"b1\"]}", "{\"ok\":true,\"bridge\":\"b1\"}");
	req(c, "{\"cmd\":\"bridge create\",\"args\":[\"b1\"]}",
	    "{\"ok\":false,\"error\":\"bridge b1 exists\"}");
	req(c, "{\"cmd\":\"bridge create\",\"args\":[\"b2\"]}", "{\"ok\":true,\"bridge\":\"b2\"}");
	req(c, "{\"cmd\":\"bridge create\",\"args\":[\"b3\"]}",
	    "{\"ok\":false,\"error\":\"bridge table full (2 bridges per signaling lcore, [bridge] "
	    "max-bridges)\"}");
	req(c, "{\"cmd\":\"bridges\"}",
	    "{\"ok\":true,\"bridges\":[{\"name\":\"b1\",\"origin\":\"control\",\"count\":0,"
	    "\"members\":[]},{\"name\":\"b2\",\"origin\":\"control\",\"count\":0,\"members\":[]}]"
	    "}");
	req(c, "{\"cmd\":\"bridge destroy\",\"args\":[\"nosuch\"]}",
	    "{\"ok\":false,\"error\":\"no such bridge nosuch\"}");
	req(c, "{\"cmd\":\"bridge destroy\",\"args\":[\"b2\"]}", "{\"ok\":true,\"bridge\":\"b2\"}");
	req(c, "{\"cmd\":\"bridge add\",\"args\":[\"b1\"]}",
	    "{\"ok\":false,\"error\":\"usage: bridge add NAME SESSION\"}");
	req(c, "{\"cmd\":\"bridge add\",\"args\":[\"nosuch\",\"1\"]}",
	    "{\"ok\":false,\"error\":\"no such bridge nosuch\"}");
	req(c, "{\"cmd\":\"bridge add\",\"args\":[\"b/1\",\"1\"]}",
	    "{\"ok\":false,\"error\":\"invalid bridge name 'b/1': 1..63 characters of A-Z a-z 0-9 "
	    ". _ -\"}");
	req(c, "{\"cmd\":\"bridge add\",\"args\":[\"b1\",\"x\"]}",
	    "{\"ok\":false,\"error\":\"SESSION must be a session id (dpvoipctl sessions)\"}");
	req(c, "{\"cmd\":\"bridge add\",\"args\":[\"b1\",\"12345\"]}",
	    "{\"ok\":false,\"error\":\"no session 12345\"}");
	/* a session id of signaling lcore 1, which this engine does not have */
	req(c, "{\"cmd\":\"bridge add\",\"args\":[\"b1\",\"281474976710661\"]}",
	    "{\"ok\":false,\"error\":\"no session 281474976710661\"}");
	req(c, "{\"cmd\":\"bridge remove\",\"args\":[\"b1\",\"12345\"]}",
	    "{\"ok\":false,\"error\":\"no session 12345\"}");
	req(c, "{\"cmd\":\"bridge remove\",\"args\":[\"b2\",\"12345\"]}",
	    "{\"ok\":false,\"error\":\"no such bridge b2\"}");
	/* the slot b2 had is free again (after a grace period the owner's loop sees) */
	for (int i = 0; i < 500; i++) {
		json_t *r = req_json(c, "{\"cmd\":\"bridge create\",\"args\":[\"b3\"]}");
		bool ok = json_is_true(json_object_get(r, "ok"));

		json_decref(r);
		if (ok)
			break;
		rte_delay_us_sleep(10000);
		cr_assert_lt(i, 499, "b2's slot never came back within 5 s");
	}
	req(c, "{\"cmd\":\"bridge destroy\",\"args\":[\"b3\"]}", "{\"ok\":true,\"bridge\":\"b3\"}");
	req(c, "{\"cmd\":\"bridge destroy\",\"args\":[\"b1\"]}", "{\"ok\":true,\"bridge\":\"b1\"}");
	req(c, "{\"cmd\":\"bridges\"}", "{\"ok\":true,\"bridges\":[]}");
	tclose(c);
}

/* A dialplan bridge (conf-NAME): made by its first member, gone with its last. */
Test(ctl_engine, subscriber_sees_a_dialplan_bridge_call)
{
	struct tclient *s = tsubscribe(), *c = tconnect(sock_path);
	char tag[64], want[1024];
	uint16_t port;
	uint64_t id;

	port = uas_call("conf-room", 1, 40000, tag);
	id = event_session(s, "incoming");
	cr_assert_neq(id, 0);
	expect_event(s, "{\"event\":\"session\",\"session\":%" PRIu64 ",\"state\":\"answered\"}",
	             id);
	expect_join_and_confirm(s, "room", id, true);
	snprintf(want, sizeof(want),
	         "{\"ok\":true,\"bridges\":[{\"name\":\"room\",\"origin\":\"dialplan\",\"count\":1,"
	         "\"members\":[{\"session\":%" PRIu64 ",\"direction\":\"in\",\"remote_media\":"
	         "\"198.18.0.2:40000\",\"local_port\":%u,\"latched\":\"\",\"rx_pkts\":0,"
	         "\"rx_bytes\":0,\"tx_pkts\":0,\"tx_bytes\":0,\"rx_lost\":0,\"jitter\":0}]}]}",
	         id, port);
	req(c, "{\"cmd\":\"bridges\"}", want);
	uas_bye("conf-room", 1, tag);
	expect_event(s, "{\"event\":\"session\",\"session\":%" PRIu64 ",\"state\":\"terminated\"}",
	             id);
	expect_event(s, "{\"event\":\"member-left\",\"bridge\":\"room\",\"session\":%" PRIu64 "}",
	             id);
	expect_event(s, "{\"event\":\"bridge-destroyed\",\"bridge\":\"room\"}");
	req(c, "{\"cmd\":\"bridges\"}", "{\"ok\":true,\"bridges\":[]}");
	cr_expect_eq(eng.events_dropped, 0);
	tclose(c);
	tclose(s);
}

/* `call originate URI --bridge NAME` joins NAME once answered; `call hangup` ends it. */
Test(ctl_engine, originate_into_a_bridge_and_hang_up)
{
	struct tclient *s = tsubscribe(), *c = tconnect(sock_path);
	char inv[4096], bye[2048], sdp[512], want[1024];
	json_t *r;
	uint64_t id;

	r = req_json(c, "{\"cmd\":\"call originate\",\"args\":[\"sip:uas@198.18.0.2:5070\"],"
	                "\"bridge\":\"conf1\"}");
	cr_assert(json_is_true(json_object_get(r, "ok")));
	id = (uint64_t)json_integer_value(json_object_get(r, "session"));
	json_decref(r);
	cr_assert_neq(id, 0);
	expect_event(s, "{\"event\":\"session\",\"session\":%" PRIu64 ",\"state\":\"calling\"}",
	             id);
	wait_sip("INVITE sip:uas@198.18.0.2:5070 SIP/2.0", inv, sizeof(inv));
	peer_sdp(sdp, sizeof(sdp), 40100);
	respond(inv, 200, sdp);
	wait_sip("ACK ", bye, sizeof(bye));
	expect_event(s, "{\"event\":\"session\",\"session\":%" PRIu64 ",\"state\":\"confirmed\"}",
	             id);
	expect_event(s, "{\"event\":\"bridge-created\",\"bridge\":\"conf1\"}");
	expect_event(
	    s, "{\"event\":\"member-joined\",\"bridge\":\"conf1\",\"session\":%" PRIu64 "}", id);
	r = req_json(c, "{\"cmd\":\"bridges\"}");
	{
		json_t *b = json_array_get(json_object_get(r, "bridges"), 0);
		json_t *m = json_array_get(json_object_get(b, "members"), 0);

		cr_expect_str_eq(json_string_value(json_object_get(b, "name")), "conf1");
		cr_expect_str_eq(json_string_value(json_object_get(b, "origin")), "dialplan");
		cr_expect_eq(json_integer_value(json_object_get(m, "session")), (json_int_t)id);
		cr_expect_str_eq(json_string_value(json_object_get(m, "direction")), "out");
		cr_expect_str_eq(json_string_value(json_object_get(m, "remote_media")),
		                 "198.18.0.2:40100");
	}
	json_decref(r);
	snprintf(want, sizeof(want), "{\"ok\":true,\"session\":%" PRIu64 "}", id);
	snprintf(inv, sizeof(inv), "{\"cmd\":\"call hangup\",\"args\":[\"%" PRIu64 "\"]}", id);
	req(c, inv, want);
	expect_event(s, "{\"event\":\"session\",\"session\":%" PRIu64 ",\"state\":\"terminating\"}",
	             id);
	/* the media stops with the BYE: the session leaves its bridge, the last member */
	wait_sip("BYE ", bye, sizeof(bye));
	expect_event(s, "{\"event\":\"member-left\",\"bridge\":\"conf1\",\"session\":%" PRIu64 "}",
	             id);
	expect_event(s, "{\"event\":\"bridge-destroyed\",\"bridge\":\"conf1\"}");
	respond(bye, 200, NULL);
	expect_event(s, "{\"event\":\"session\",\"session\":%" PRIu64 ",\"state\":\"terminated\"}",
	             id);
	snprintf(want, sizeof(want), "{\"ok\":false,\"error\":\"no session %" PRIu64 "\"}", id);
	req(c, inv, want);
	tclose(c);
	tclose(s);
}

/* Poll `sessions` until the one session's @a key is @a want (an integer, or a string); returns
 * that session. Bounded. */
static json_t *
wait_session(struct tclient *c, const char *key, json_int_t want_int, const char *want_str)
{
	for (int i = 0; i < 1000; i++) { /* 5 s */
		json_t *r = req_json(c, "{\"cmd\":\"sessions\"}");
		json_t *o = json_array_get(json_object_get(r, "sessions"), 0);
		json_t *v = json_object_get(o, key);

		if (v != NULL &&
		    (want_str ? json_is_string(v) && strcmp(json_string_value(v), want_str) == 0
		              : json_integer_value(v) == want_int)) {
			json_incref(o);
			json_decref(r);
			return o;
		}
		json_decref(r);
		rte_delay_us_sleep(5000);
	}
	cr_assert_fail("session %s never became what was wanted", key);
	return NULL;
}

/* An RTP packet of 160 payload bytes. */
static uint16_t
rtp_pkt(uint8_t *b, uint16_t seq, uint32_t ts)
{
	memset(b, 0x55, 172);
	b[0] = 0x80;
	b[1] = 0;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = (uint8_t)(ts >> 24);
	b[5] = (uint8_t)(ts >> 16);
	b[6] = (uint8_t)(ts >> 8);
	b[7] = (uint8_t)ts;
	b[8] = 0x11;
	b[9] = 0x22;
	b[10] = 0x33;
	b[11] = 0x44;
	return 172;
}

/* A call moves into a control-socket bridge, between bridges and out; the bridge stays. */
Test(ctl_engine, a_call_joins_and_leaves_control_bridges)
{
	struct tclient *s = tsubscribe(), *c = tconnect(sock_path);
	char tag[64], r[256], want[256];
	uint8_t pkt[200];
	uint16_t port;
	uint64_t id;
	json_t *o;

	req(c, "{\"cmd\":\"bridge create\",\"args\":[\"b1\"]}", "{\"ok\":true,\"bridge\":\"b1\"}");
	expect_event(s, "{\"event\":\"bridge-created\",\"bridge\":\"b1\"}");
	port = uas_call("echo", 5, 40200, tag);
	id = event_session(s, "incoming");
	cr_assert_eq(event_session(s, "answered"), id);
	cr_assert_eq(event_session(s, "confirmed"), id);

	/* echo: one packet in, one out, and the session shows them */
	inject(40200, port, pkt, rtp_pkt(pkt, 1, 160));
	o = wait_session(c, "tx_pkts", 1, NULL);
	cr_expect_eq(json_integer_value(json_object_get(o, "id")), (json_int_t)id);
	cr_expect_str_eq(json_string_value(json_object_get(o, "action")), "echo");
	cr_expect_str_eq(json_string_value(json_object_get(o, "latched")), "198.18.0.2:40200");
	cr_expect_str_eq(json_string_value(json_object_get(o, "remote_media")), "198.18.0.2:40200");
	cr_expect_eq(json_integer_value(json_object_get(o, "rx_pkts")), 1);
	cr_expect_eq(json_integer_value(json_object_get(o, "rx_bytes")), 172);
	cr_expect_eq(json_integer_value(json_object_get(o, "tx_bytes")), 172);
	cr_expect_eq(json_integer_value(json_object_get(o, "rx_lost")), 0);
	json_decref(o);

	snprintf(r, sizeof(r), "{\"cmd\":\"bridge add\",\"args\":[\"b1\",\"%" PRIu64 "\"]}", id);
	snprintf(want, sizeof(want), "{\"ok\":true,\"bridge\":\"b1\",\"session\":%" PRIu64 "}", id);
	req(c, r, want);
	expect_event(s, "{\"event\":\"member-joined\",\"bridge\":\"b1\",\"session\":%" PRIu64 "}",
	             id);
	snprintf(want, sizeof(want),
	         "{\"ok\":false,\"error\":\"session %" PRIu64 " is in bridge b1 already\"}", id);
	req(c, r, want);
	req(c, "{\"cmd\":\"bridge create\",\"args\":[\"b2\"]}", "{\"ok\":true,\"bridge\":\"b2\"}");
	expect_event(s, "{\"event\":\"bridge-created\",\"bridge\":\"b2\"}");
	snprintf(r, sizeof(r), "{\"cmd\":\"bridge add\",\"args\":[\"b2\",\"%" PRIu64 "\"]}", id);
	snprintf(want, sizeof(want),
	         "{\"ok\":false,\"error\":\"session %" PRIu64
	         " is in bridge b1: remove it first\"}",
	         id);
	req(c, r, want);
	snprintf(r, sizeof(r), "{\"cmd\":\"bridge remove\",\"args\":[\"b2\",\"%" PRIu64 "\"]}", id);
	snprintf(want, sizeof(want),
	         "{\"ok\":false,\"error\":\"session %" PRIu64 " is not in bridge b2\"}", id);
	req(c, r, want);
	snprintf(r, sizeof(r), "{\"cmd\":\"bridge remove\",\"args\":[\"b1\",\"%" PRIu64 "\"]}", id);
	snprintf(want, sizeof(want), "{\"ok\":true,\"bridge\":\"b1\",\"session\":%" PRIu64 "}", id);
	req(c, r, want);
	expect_event(s, "{\"event\":\"member-left\",\"bridge\":\"b1\",\"session\":%" PRIu64 "}",
	             id);
	/* a control-socket bridge outlives its last member */
	req(c, "{\"cmd\":\"bridges\"}",
	    "{\"ok\":true,\"bridges\":[{\"name\":\"b1\",\"origin\":\"control\",\"count\":0,"
	    "\"members\":[]},{\"name\":\"b2\",\"origin\":\"control\",\"count\":0,\"members\":[]}]"
	    "}");

	/* destroying a bridge with a member: it leaves, and its call stays up without media */
	snprintf(r, sizeof(r), "{\"cmd\":\"bridge add\",\"args\":[\"b2\",\"%" PRIu64 "\"]}", id);
	snprintf(want, sizeof(want), "{\"ok\":true,\"bridge\":\"b2\",\"session\":%" PRIu64 "}", id);
	req(c, r, want);
	expect_event(s, "{\"event\":\"member-joined\",\"bridge\":\"b2\",\"session\":%" PRIu64 "}",
	             id);
	req(c, "{\"cmd\":\"bridge destroy\",\"args\":[\"b2\"]}", "{\"ok\":true,\"bridge\":\"b2\"}");
	expect_event(s, "{\"event\":\"member-left\",\"bridge\":\"b2\",\"session\":%" PRIu64 "}",
	             id);
	expect_event(s, "{\"event\":\"bridge-destroyed\",\"bridge\":\"b2\"}");
	o = wait_session(c, "action", 0, "none");
	cr_expect_str_eq(json_string_value(json_object_get(o, "state")), "confirmed");
	cr_expect_str_eq(json_string_value(json_object_get(o, "bridge")), "");
	json_decref(o);
	/* what it sends now goes nowhere, counted */
	{
		const volatile uint64_t *nj =
		    &eng.workers[0].pc[eng.ports[0].port_id][DPV_C_drop_rtp_not_joined];
		uint64_t deadline = rte_rdtsc() + 5 * rte_get_tsc_hz();

		inject(40200, port, pkt, rtp_pkt(pkt, 2, 320));
		while (*nj == 0 && rte_rdtsc() < deadline)
			rte_delay_us_sleep(1000);
		cr_expect_eq(*nj, 1);
	}
	req(c, r, "{\"ok\":false,\"error\":\"no such bridge b2\"}");

	uas_bye("echo", 5, tag);
	cr_expect_eq(event_session(s, "terminated"), id);
	req(c, "{\"cmd\":\"bridges\"}",
	    "{\"ok\":true,\"bridges\":[{\"name\":\"b1\",\"origin\":\"control\",\"count\":0,"
	    "\"members\":[]}]}");
	req(c, "{\"cmd\":\"sessions\"}", "{\"ok\":true,\"sessions\":[]}");
	tclose(c);
	tclose(s);
}

/* A bridge holds BRIDGE_MAX_MEMBERS: `bridge add` says so, a dialplan join past it is counted. */
Test(ctl_engine, a_full_bridge)
{
	struct tclient *s = tsubscribe(), *c = tconnect(sock_path);
	char tag[64], r[256], want[256];
	uint64_t id;
	json_t *st;

	for (unsigned i = 0; i < BRIDGE_MAX_MEMBERS; i++) {
		(void)uas_call("conf-big", 100 + i, (uint16_t)(41000 + 2 * i), tag);
		id = event_session(s, "incoming");
		cr_assert_eq(event_session(s, "answered"), id);
		expect_join_and_confirm(s, "big", id, i == 0);
	}
	/* one more by the dialplan: answered, but no member */
	(void)uas_call("conf-big", 200, 42000, tag);
	id = event_session(s, "incoming");
	cr_assert_eq(event_session(s, "answered"), id);
	cr_assert_eq(event_session(s, "confirmed"), id);
	/* and one more by the control socket */
	(void)uas_call("tone", 201, 42002, tag);
	id = event_session(s, "incoming");
	cr_assert_eq(event_session(s, "answered"), id);
	cr_assert_eq(event_session(s, "confirmed"), id);
	snprintf(r, sizeof(r), "{\"cmd\":\"bridge add\",\"args\":[\"big\",\"%" PRIu64 "\"]}", id);
	snprintf(want, sizeof(want), "{\"ok\":false,\"error\":\"bridge big full (%d members)\"}",
	         BRIDGE_MAX_MEMBERS);
	req(c, r, want);
	st = req_json(c, "{\"cmd\":\"stats\"}");
	cr_expect_eq(
	    json_integer_value(json_object_get(
	        json_object_get(
	            json_array_get(json_object_get(json_object_get(st, "stats"), "lcores"), 0),
	            "sig"),
	        "bridge_join_failed")),
	    1);
	cr_expect_eq(json_integer_value(json_object_get(
	                 json_object_get(json_object_get(st, "stats"), "engine"), "bridges")),
	             1);
	json_decref(st);
	tclose(c);
	tclose(s);
}

/* [rtp] media-timeout-s: a call whose peer sends no RTP is ended, and subscribers hear why. */
Test(ctl_timeout, media_timeout_is_an_event_before_the_bye)
{
	struct tclient *s = tsubscribe();
	char tag[64], bye[2048];
	uint64_t id;

	(void)uas_call("tone", 9, 40300, tag);
	id = event_session(s, "incoming");
	cr_assert_eq(event_session(s, "answered"), id);
	cr_assert_eq(event_session(s, "confirmed"), id);
	/* within [rtp] media-timeout-s and one scan of the ports (tline waits up to 5 s) */
	expect_event(s, "{\"event\":\"media-timeout\",\"session\":%" PRIu64 "}", id);
	cr_assert_eq(event_session(s, "terminating"), id);
	wait_sip("BYE ", bye, sizeof(bye));
	respond(bye, 200, NULL);
	cr_assert_eq(event_session(s, "terminated"), id);
	tclose(s);
}

/* The first "PREFIX<n>" name (n from 0) that bridge_owner gives to signaling lcore @a owner. */
static void
name_owned_by(char *out, size_t cap, const char *prefix, unsigned owner)
{
	for (unsigned n = 0; n < 1000; n++) {
		snprintf(out, cap, "%s%u", prefix, n);
		if (bridge_owner(out, 2) == owner)
			return;
	}
	cr_assert_fail("no name for owner %u", owner);
}

/* The first call id from @a from whose Call-ID (ctlID@198.18.0.2) lcore @a owner owns. */
static unsigned
call_owned_by(unsigned from, unsigned owner)
{
	char cid[64];

	for (unsigned id = from; id < from + 1000; id++) {
		snprintf(cid, sizeof(cid), "ctl%u@198.18.0.2", id);
		if (sip_call_id_owner(dpv_cstr(cid), 2) == owner)
			return id;
	}
	cr_assert_fail("no Call-ID for owner %u", owner);
	return 0;
}

/* Two signaling lcores: bridges and sessions on different ones, by message both ways. */
Test(ctl_two, bridges_and_sessions_on_different_lcores)
{
	struct tclient *s = tsubscribe(), *c = tconnect(sock_path);
	char b0[16], b1[16], conf[32], r[256], want[512], tag0[64], tag1[64];
	unsigned c0 = call_owned_by(1, 0), c1 = call_owned_by(1, 1);
	uint64_t id0, id1;

	name_owned_by(b0, sizeof(b0), "x", 0);
	name_owned_by(b1, sizeof(b1), "y", 1);
	snprintf(r, sizeof(r), "{\"cmd\":\"bridge create\",\"args\":[\"%s\"]}", b1);
	snprintf(want, sizeof(want), "{\"ok\":true,\"bridge\":\"%s\"}", b1);
	req(c, r, want);
	expect_event(s, "{\"event\":\"bridge-created\",\"bridge\":\"%s\"}", b1);

	/* a call on lcore 0 into a control bridge of lcore 1 */
	(void)uas_call("echo", c0, 40400, tag0);
	id0 = event_session(s, "incoming");
	cr_assert_eq(sip_ua_session_owner(id0), 0);
	cr_assert_eq(event_session(s, "answered"), id0);
	cr_assert_eq(event_session(s, "confirmed"), id0);
	snprintf(r, sizeof(r), "{\"cmd\":\"bridge add\",\"args\":[\"%s\",\"%" PRIu64 "\"]}", b1,
	         id0);
	snprintf(want, sizeof(want), "{\"ok\":true,\"bridge\":\"%s\",\"session\":%" PRIu64 "}", b1,
	         id0);
	req(c, r, want);
	expect_event(s, "{\"event\":\"member-joined\",\"bridge\":\"%s\",\"session\":%" PRIu64 "}",
	             b1, id0);

	/* a call on lcore 1 into a dialplan bridge of lcore 0 */
	name_owned_by(b0, sizeof(b0), "z", 0);
	snprintf(conf, sizeof(conf), "conf-%s", b0);
	(void)uas_call(conf, c1, 40402, tag1);
	id1 = event_session(s, "incoming");
	cr_assert_eq(sip_ua_session_owner(id1), 1);
	cr_assert_eq(event_session(s, "answered"), id1);
	expect_join_and_confirm(s, b0, id1, true);
	{
		json_t *j = req_json(c, "{\"cmd\":\"bridges\"}");
		json_t *bs = json_object_get(j, "bridges");
		/* by name: y... (lcore 1's) before z... (lcore 0's) */
		json_t *y = json_array_get(bs, 0), *x = json_array_get(bs, 1);

		cr_expect_eq(json_array_size(bs), 2);
		cr_expect_str_eq(json_string_value(json_object_get(x, "name")), b0);
		cr_expect_str_eq(json_string_value(json_object_get(x, "origin")), "dialplan");
		cr_expect_eq(json_integer_value(json_object_get(
		                 json_array_get(json_object_get(x, "members"), 0), "session")),
		             (json_int_t)id1);
		cr_expect_str_eq(json_string_value(json_object_get(y, "name")), b1);
		cr_expect_str_eq(json_string_value(json_object_get(y, "origin")), "control");
		cr_expect_eq(json_integer_value(json_object_get(
		                 json_array_get(json_object_get(y, "members"), 0), "session")),
		             (json_int_t)id0);
		json_decref(j);
	}
	/* lcore 1 destroys its bridge; lcore 0's session leaves it and stays up */
	snprintf(r, sizeof(r), "{\"cmd\":\"bridge destroy\",\"args\":[\"%s\"]}", b1);
	snprintf(want, sizeof(want), "{\"ok\":true,\"bridge\":\"%s\"}", b1);
	req(c, r, want);
	expect_event(s, "{\"event\":\"member-left\",\"bridge\":\"%s\",\"session\":%" PRIu64 "}", b1,
	             id0);
	expect_event(s, "{\"event\":\"bridge-destroyed\",\"bridge\":\"%s\"}", b1);
	/* and moves into lcore 0's dialplan bridge, then the dialplan call leaves it */
	snprintf(r, sizeof(r), "{\"cmd\":\"bridge add\",\"args\":[\"%s\",\"%" PRIu64 "\"]}", b0,
	         id0);
	for (int i = 0; i < 1000; i++) { /* the member leaves b1 by message: bounded wait */
		json_t *j = req_json(c, r);
		bool ok = json_is_true(json_object_get(j, "ok"));

		json_decref(j);
		if (ok)
			break;
		rte_delay_us_sleep(5000);
		cr_assert_lt(i, 999, "session %" PRIu64 " never left %s", id0, b1);
	}
	expect_event(s, "{\"event\":\"member-joined\",\"bridge\":\"%s\",\"session\":%" PRIu64 "}",
	             b0, id0);
	uas_bye(conf, c1, tag1);
	cr_assert_eq(event_session(s, "terminated"), id1);
	expect_event(s, "{\"event\":\"member-left\",\"bridge\":\"%s\",\"session\":%" PRIu64 "}", b0,
	             id1);
	uas_bye("echo", c0, tag0);
	cr_assert_eq(event_session(s, "terminated"), id0);
	expect_event(s, "{\"event\":\"member-left\",\"bridge\":\"%s\",\"session\":%" PRIu64 "}", b0,
	             id0);
	expect_event(s, "{\"event\":\"bridge-destroyed\",\"bridge\":\"%s\"}", b0);
	req(c, "{\"cmd\":\"bridges\"}", "{\"ok\":true,\"bridges\":[]}");
	cr_expect_eq(eng.events_dropped, 0);
	tclose(c);
	tclose(s);
}
