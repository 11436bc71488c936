/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conformance through the server path: the RFC 4475 / RFC 5118 torture messages and the 4527
 * PROTOS c07-sip cases fed to sip_ua_input of a UA with the DESIGN.md dialplan and the real SDP
 * offer/answer code, then run until every transaction and session must have ended.
 * Needs DPV_CORPORA; without it the tests fail (the runner decides whether to run them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <urcu-qsbr.h>

#include "sip.h"
#include "dpv.h"
#include "rtp.h"
#include "sip_test_helpers.h"
#include "ua_int.h" /* white box: the transaction table and live transaction list */

#define T1        500
#define LOCAL_IP  0xC6120001u /* 198.18.0.1 */
#define PEER_IP   0xC6120002u /* 198.18.0.2 */
#define PEER_PORT 5060
#define MSG_CAP   4096
#define MAXSENT   64
#define UDP_MAX   65507 /* largest IPv4 UDP payload: all a datagram can carry */

/* ---- fake owner: buffers and captured datagrams; media is the real rtp_media_ops ---- */

struct sent {
	char data[MSG_CAP + 1];
	uint32_t len, ip;
	uint16_t port;
};

static struct sent sent[MAXSENT];
static unsigned nsent;
static uint64_t nalloc, nfree, nsent_total, nlarge;
static uint32_t max_sent;       /* longest datagram sent */
static uint64_t n5xx_own;       /* 5xx other than 505: the UA's own trouble */
static bool capture;            /* keep datagrams in sent[] (corpus) or only check them (PROTOS) */
static struct sip_msg sent_msg; /* every datagram the UA writes must parse back */

/* The engine's media negotiation: the rtp layer's SDP code and a port pool. */
static struct rtp_media *media;

static struct dpv_timer_wheel wheel;
static struct sip_dialplan *dp;
static struct sip_ua *ua;
static uint64_t now;

static int cur_case = -1;

/* 5xx are worth a look: the UA's own trouble (pools, buffers), never the peer's */
static void
n5xx_log(const void *msg, uint32_t len)
{
	if (getenv("DPV_DUMP") != NULL)
		cr_log_warn("case %d: %.*s", cur_case, (int)len, (const char *)msg);
}

static void *
op_alloc(void *arg, char **buf, uint32_t *cap)
{
	char *p = malloc(MSG_CAP);

	cr_assert_not_null(p);
	nalloc++;
	*buf = p;
	*cap = MSG_CAP;
	return p;
}

/* The engine's mbufs are small: answers to long requests come from here (sip_ua.h). */
static void *
op_alloc_large(void *arg, uint32_t need, char **buf, uint32_t *cap)
{
	char *p = malloc(need);

	cr_assert_not_null(p);
	cr_assert_eq(need, SIP_UA_MSG_MAX);
	nalloc++;
	nlarge++;
	*buf = p;
	*cap = need;
	return p;
}

static int
op_send(void *arg, void *msg, uint32_t len, uint32_t ip, uint16_t port)
{
	int rc;

	cr_assert_leq(len, SIP_UA_MSG_MAX);
	if (len > max_sent)
		max_sent = len;
	cr_assert(sent_parses(msg, len, &sent_msg, &rc),
	          "the UA wrote a message that does not parse (%s):\n%.*s", sip_parse_strerror(rc),
	          (int)len, (const char *)msg);
	nsent_total++;
	if (!sent_msg.is_request && sent_msg.status >= 500)
		n5xx_log(msg, len);
	if (!sent_msg.is_request && sent_msg.status >= 500 && sent_msg.status != 505)
		n5xx_own++;
	if (capture && nsent < MAXSENT) {
		cr_assert_leq(len, MSG_CAP);
		struct sent *s = &sent[nsent++];

		memcpy(s->data, msg, len);
		s->data[len] = '\0';
		s->len = len;
		s->ip = ip;
		s->port = port;
	}
	return 0;
}

static void
op_free(void *arg, void *msg)
{
	nfree++;
	free(msg);
}

static const struct sip_ua_ops ops = {
    .msg_alloc = op_alloc,
    .msg_alloc_large = op_alloc_large,
    .msg_send = op_send,
    .msg_free = op_free,
};

/* The dialplan of DESIGN.md. */
static const struct sip_dialplan_rule rules[] = {
    {"^conf-(.+)$", DPV_CALL_BRIDGE, 0, NULL},
    {"^echo$", DPV_CALL_ECHO, 0, NULL},
    {"^busy$", DPV_CALL_REJECT, 486, NULL},
    {".*", DPV_CALL_TONE, 0, NULL},
};

static void
ua_start(uint32_t answer_delay, uint32_t max_dialogs, uint32_t max_tx)
{
	struct sip_ua_cfg cfg = {
	    .index = 0,
	    .nb_uas = 1,
	    .local_ip = LOCAL_IP,
	    .local_port = 5060,
	    .max_transactions = max_tx,
	    .max_dialogs = max_dialogs,
	    .t1_ms = T1,
	    .t2_ms = 4000,
	    .t4_ms = 5000,
	    .answer_delay_ms = answer_delay,
	    .dialplan = dp,
	    .wheel = &wheel,
	    .ops = &ops,
	    .media = &rtp_media_ops,
	};

	nsent = 0;
	nalloc = nfree = nsent_total = nlarge = 0;
	max_sent = 0;
	n5xx_own = 0;
	now = 1000;
	cr_assert_eq(dpv_timer_wheel_init(&wheel, 1024, 1, now), 0);
	media = rtp_media_create(&(struct rtp_media_cfg){.port_min = 20000, .port_max = 29999});
	cr_assert_not_null(media);
	cfg.media_arg = media;
	ua = sip_ua_create(&cfg);
	cr_assert_not_null(ua);
}

static uint64_t
counter(enum sip_ua_counter c)
{
	return sip_ua_counters(ua)[c];
}

static void
count_sess(const struct sip_sess_info *i, void *arg)
{
	(*(unsigned *)arg)++;
}

/* Run the clock to @a to in one-second steps (timers fire in order whatever the step). */
static void
advance(uint64_t to)
{
	while (now < to) {
		now = now + 1000 < to ? now + 1000 : to;
		sip_ua_tick(ua, now);
		rcu_quiescent_state();
	}
}

/*
 * Let every timer run out (64*T1 for the ACK wait, then a BYE that nobody answers, another
 * 64*T1), then check nothing is left: no session, no transaction, no buffer in use, no port.
 */
static void
assert_idle(const char *what)
{
	struct rtp_portpool_stats ps;
	unsigned listed = 0;

	advance(now + 4 * 64 * T1 + 10000);
	cr_assert_eq(sip_ua_sessions(ua, count_sess, &listed), 0, "%s: sessions left", what);
	cr_assert_eq(listed, 0, "%s: sessions listed", what);
	cr_assert_eq(counter(SIP_UA_C_sessions_active), 0, "%s: sessions_active %lu", what,
	             (unsigned long)counter(SIP_UA_C_sessions_active));
	cr_assert_eq(sip_tx_table_count(ua->txt), 0, "%s: %u transactions left", what,
	             sip_tx_table_count(ua->txt));
	cr_assert_null(ua->txc_live, "%s: a transaction context is still live", what);
	cr_assert_eq(nalloc, nfree, "%s: %lu buffers allocated, %lu freed before destroy", what,
	             (unsigned long)nalloc, (unsigned long)nfree);
	rtp_portpool_stats(rtp_media_ports(media), &ps);
	cr_assert_eq(ps.in_use, 0, "%s: %u RTP ports still in use", what, ps.in_use);
	cr_assert_eq(ps.bad_free, 0, "%s: bad port frees (a port freed twice)", what);
}

static void
ua_stop(const char *what)
{
	sip_ua_destroy(ua);
	ua = NULL;
	cr_assert_eq(nalloc, nfree, "%s: %lu buffers allocated, %lu freed after destroy", what,
	             (unsigned long)nalloc, (unsigned long)nfree);
	rtp_media_destroy(media);
	media = NULL;
	dpv_timer_wheel_fini(&wheel);
}

static void
suite_init(void)
{
	char err[256];

	rcu_register_thread();
	dp = sip_dialplan_create(rules, sizeof(rules) / sizeof(rules[0]), err, sizeof(err), NULL);
	cr_assert_not_null(dp, "%s", err);
}

static void
suite_fini(void)
{
	sip_dialplan_destroy(dp);
	dp = NULL;
	rcu_unregister_thread();
}

/* ---- corpus helpers ---- */

/* The status codes sent, space-separated ("100 180 200"); requests the UA sent show as "REQ". */
static void
statuses(char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < nsent && o < cap; i++) {
		const struct sent *s = &sent[i];

		if (strncmp(s->data, "SIP/2.0 ", 8) == 0)
			o +=
			    (size_t)snprintf(out + o, cap - o, "%s%.3s", i ? " " : "", s->data + 8);
		else
			o += (size_t)snprintf(out + o, cap - o, "%sREQ", i ? " " : "");
	}
}

/* ---- 1. RFC 4475 / RFC 5118 through sip_ua_input ---- */

struct ua_outcome {
	const char *file;
	const char *sent;    /* statuses sent on input, "" for nothing */
	const char *warning; /* Warning line of the first response, NULL: none */
	const char *also;    /* another header line the first response must carry, or NULL */
	const char *counter; /* for a drop: besides rx_dropped, this counter must be 1 */
};

#define W(s)    "Warning: 399 dpvoip \"" s "\"\r\n"
#define ALLOW   "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n"
#define INVITED "100 180 200"
#define PERR    "rx_parse_errors"
#define RESP    "rx_responses"

/*
 * One row per file; the RFC expectation is in rfc4475/README.md. The UA is an endpoint, not a
 * registrar: REGISTER (and MESSAGE) get 405 with Allow. Requests with a To tag and no dialog get
 * 481. Every row is the RFC's expectation (or one of the answers it allows); a row that is
 * not would be marked "DEVIATION".
 */
static const struct ua_outcome rfc4475[] = {
    /* 3.1.1 valid: must accept */
    {"wsinv.dat", "481", W("no such dialog"), NULL, NULL}, /* INVITE with a To tag */
    {"intmeth.dat", "501", W("unknown method"), ALLOW, NULL},
    /* the SDP's unused video stream has "a=rtpmap:31 LPC" (no clock rate): a malformed rtpmap
     * only matters for a payload type we would choose, so the call is taken */
    {"esc01.dat", INVITED, NULL, NULL, NULL},
    {"escnull.dat", "405", W("method not allowed"), ALLOW, NULL}, /* REGISTER */
    {"esc02.dat", "501", W("unknown method"), ALLOW, NULL},
    {"lwsdisp.dat", "200", NULL, ALLOW, NULL}, /* OPTIONS */
    /* the long From/To/Call-ID/tag fit the per-session dialog arena (UA_DLG_MAX) */
    {"longreq.dat", INVITED, NULL, NULL, NULL},
    {"dblreq.dat", "405", W("method not allowed"), ALLOW, NULL},  /* REGISTER; trailer ignored */
    {"semiuri.dat", "200", NULL, ALLOW, NULL},                    /* OPTIONS */
    {"transports.dat", "200", NULL, ALLOW, NULL},                 /* OPTIONS */
    {"mpart01.dat", "405", W("method not allowed"), ALLOW, NULL}, /* MESSAGE */
    {"unreason.dat", "", NULL, NULL, RESP}, /* a response matching no transaction */
    {"noreason.dat", "", NULL, NULL, RESP},
    /* 3.1.2 invalid */
    /* 3.1.2 invalid: a request that fails to parse gets 400 (505 for the version) whenever its
     * top Via names a sent-by to answer, with the Via/From/To/Call-ID/CSeq lines copied as
     * received, malformed ones included */
    {"badinv01.dat", "400", W("malformed Via header"), "Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n",
     NULL},
    {"clerr.dat", "400", W("Content-Length larger than the message"), NULL, NULL},
    {"ncl.dat", "400", W("malformed Content-Length header"), NULL, NULL},
    {"scalar02.dat", "400", W("malformed CSeq header"), "CSeq: 36893488147419103232 REGISTER\r\n",
     NULL},                                 /* CSeq > 2^32-1 */
    {"scalarlg.dat", "", NULL, NULL, PERR}, /* response: discard */
    {"quotbal.dat", "400", W("malformed To header"),
     "To: \"Mr. J. User <sip:j.user@example.com>\r\n", NULL}, /* no To tag on a bad To */
    /* a bad request line: sip_parse still indexes the headers, so the UA can answer */
    {"ltgtruri.dat", "400", W("malformed Request-URI"), NULL, NULL},
    {"lwsruri.dat", "400", W("malformed start line"), NULL, NULL},
    {"lwsstart.dat", "400", W("malformed start line"), NULL, NULL},
    {"trws.dat", "400", W("malformed start line"), NULL, NULL},
    {"escruri.dat", "400", W("headers in Request-URI"), NULL, NULL},
    /* the Date is accepted, and the same "a=rtpmap:31 LPC" SDP as esc01 */
    {"baddate.dat", INVITED, NULL, NULL, NULL},
    {"regbadct.dat", "405", W("method not allowed"), ALLOW, NULL}, /* REGISTER */
    {"badaspec.dat", "400", W("malformed To header"), NULL, NULL},
    {"baddn.dat", "400", W("malformed From header"), NULL, NULL},
    /* the Via's "SIP/7.0/UDP" is read leniently for its sent-by */
    {"badvers.dat", "505", W("unsupported SIP version"),
     "Via: SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\r\n", NULL},
    /* RFC: 400 (mismatch02 may get 501 instead) */
    {"mismatch01.dat", "400", W("CSeq method does not match request method"), NULL, NULL},
    {"mismatch02.dat", "400", W("CSeq method does not match request method"), NULL, NULL},
    {"bigcode.dat", "", NULL, NULL, PERR}, /* response: drop */
    /* 3.2 - 3.4 */
    {"badbranch.dat", "400", W("empty branch after magic cookie"), NULL, NULL},
    /* "ideally 400": the lines it has (Via, CSeq) are copied */
    {"insuf.dat", "400", W("missing From header"), "CSeq: 193942 INVITE\r\n", NULL},
    {"unkscm.dat", "416", W("unsupported URI scheme"), NULL, NULL},
    {"novelsc.dat", "416", W("unsupported URI scheme"), NULL, NULL},
    {"unksm2.dat", "405", W("method not allowed"), ALLOW, NULL}, /* REGISTER */
    {"bext01.dat", "420", W("unsupported extension required"),
     "Unsupported: nothingSupportsThis\r\n", NULL},
    {"invut.dat", "415", W("unsupported Content-Type"), "Accept: application/sdp\r\n", NULL},
    {"regaut01.dat", "405", W("method not allowed"), ALLOW, NULL}, /* non-registrar: 405 */
    /* duplicate From/To/Call-ID/CSeq: the first of each is copied */
    {"multi01.dat", "400", W("more than one From header"), "CSeq: 5 INVITE\r\n", NULL},
    {"mcl01.dat", "400", W("more than one Content-Length value"), NULL, NULL},
    {"bcast.dat", "", NULL, NULL, RESP},      /* endpoint discards */
    {"zeromf.dat", "200", NULL, ALLOW, NULL}, /* endpoint processes Max-Forwards 0 */
    {"cparam01.dat", "405", W("method not allowed"), ALLOW, NULL}, /* REGISTER */
    {"cparam02.dat", "405", W("method not allowed"), ALLOW, NULL},
    {"regescrt.dat", "405", W("method not allowed"), ALLOW, NULL},
    {"sdp01.dat", "406", W("Accept does not allow application/sdp"), NULL, NULL},
    {"inv2543.dat", INVITED, NULL, NULL, NULL},
    {"test.dat", "", NULL, NULL, PERR}, /* not in the RFC; invalid request line */
};

/* rfc5118/README.md. All the REGISTERs get 405; BYEs with a To tag 481 (no dialog). */
#define RFC5118_COMMON                                                                             \
	/* a bad Request-URI: its headers are still indexed, 400 */                                \
	{"ipv6-bad", "400", W("malformed Request-URI"), NULL, NULL},                               \
	    {"ipv6-good", "405", W("method not allowed"), ALLOW, NULL},                            \
	    {"port-ambiguous", "405", W("method not allowed"), ALLOW, NULL},                       \
	    {"port-unambiguous", "405", W("method not allowed"), ALLOW, NULL},                     \
	    {"via-received-param-with-delim", "481", W("no such dialog"), NULL, NULL},             \
	    {"via-received-param-no-delim", "200", NULL, ALLOW, NULL},                             \
	{                                                                                          \
		"mult-ip-in-header", "481", W("no such dialog"), NULL, NULL                        \
	}

static const struct ua_outcome rfc5118_lf[] = {
    RFC5118_COMMON,
    /* as archived these two end after their last header line, without the empty line RFC 3261
     * 7 requires (rfc5118/README.md: "not legal wire bytes"): 400 */
    {"ipv6-bug-abnf-3-colons", "400", W("no blank line after the headers"), NULL, NULL},
    {"ipv6-correct-abnf-2-colons", "400", W("no blank line after the headers"), NULL, NULL},
    /* declared Content-Length beyond the datagram: 400 (RFC 3261 18.3) */
    {"ipv6-in-sdp", "400", W("Content-Length larger than the message"), NULL, NULL},
    {"mult-ip-in-sdp", "400", W("Content-Length larger than the message"), NULL, NULL},
    /* IPv6 media (c=IN IP6 ::ffff:192.0.2.2, G726 only) is unsupported: 488 */
    {"ipv4-mapped-ipv6", "488", W("media answer failed"), NULL, NULL},
};

static const struct ua_outcome rfc5118_crlf[] = {
    RFC5118_COMMON,
    /* ersip added the closing CRLF: OPTIONS answered */
    {"ipv6-bug-abnf-3-colons", "200", NULL, ALLOW, NULL},
    {"ipv6-correct-abnf-2-colons", "200", NULL, ALLOW, NULL},
    /* In this variant Content-Length cuts the last SDP line ("a=rtpmap:107 H263-19", video):
     * a malformed rtpmap on a stream we do not take is ignored, so mult-ip-in-sdp's IPv4 PCMU
     * audio is accepted; ipv6-in-sdp and ipv4-mapped-ipv6 are IPv6 media: 488. */
    {"ipv6-in-sdp", "488", W("media answer failed"), NULL, NULL},
    {"mult-ip-in-sdp", INVITED, NULL, NULL, NULL},
    {"ipv4-mapped-ipv6", "488", W("media answer failed"), NULL, NULL},
};

static int
counter_by_name(const char *name)
{
	for (int i = 0; i < SIP_UA_C_MAX; i++)
		if (strcmp(sip_ua_counter_names[i], name) == 0)
			return i;
	cr_assert_fail("no counter %s", name);
	return -1;
}

/* The first Warning header line of sent[0], or "" (static buffer). */
static const char *
warning_of(const struct sent *s)
{
	static char w[512];
	const char *p = memmem(s->data, s->len, "\r\nWarning: ", 11);
	const char *e;

	w[0] = '\0';
	if (p == NULL)
		return w;
	p += 2;
	e = memmem(p, s->len - (uint32_t)(p - s->data), "\r\n", 2);
	snprintf(w, sizeof(w), "%.*s", (int)(e - p + 2), p);
	return w;
}

static void
run_file(const char *sub, const char *name, const struct ua_outcome *o)
{
	char path[4600], what[512], got[256];
	uint32_t len;
	char *b;

	snprintf(path, sizeof(path), "%s/%s/%s", corpora(), sub, name);
	snprintf(what, sizeof(what), "%s/%s", sub, name);
	b = slurp(path, &len);
	ua_start(0, 64, 256);
	capture = true;
	sip_ua_input(ua, b, len, PEER_IP, PEER_PORT);
	free(b); /* the UA copies what it keeps */
	statuses(got, sizeof(got));
	if (getenv("DPV_DUMP") != NULL && nsent == 0)
		for (int i = 0; i < SIP_UA_C_MAX; i++)
			if (counter(i))
				cr_log_warn("%s: %s=%lu", what, sip_ua_counter_names[i],
				            (unsigned long)counter(i));
	if (getenv("DPV_DUMP") != NULL)
		cr_log_warn(
		    "%s: sent \"%s\" %s", what, got,
		    nsent ? (getenv("DPV_DUMP")[0] == '2' ? sent[0].data : warning_of(&sent[0]))
		          : "");
	cr_expect_str_eq(got, o->sent, "%s: sent \"%s\", expected \"%s\"", what, got, o->sent);
	if (nsent > 0) {
		const char *w = warning_of(&sent[0]);

		cr_expect_str_eq(w, o->warning ? o->warning : "", "%s: Warning \"%s\"", what, w);
		if (o->also != NULL)
			cr_expect_not_null(
			    memmem(sent[0].data, sent[0].len, o->also, strlen(o->also)),
			    "%s: no \"%s\" in\n%s", what, o->also, sent[0].data);
	} else {
		cr_expect_eq(counter(SIP_UA_C_rx_dropped), 1, "%s: rx_dropped", what);
		cr_expect_not_null(o->counter, "%s: dropped, the table expects a response", what);
		if (o->counter != NULL)
			cr_expect_eq(counter((enum sip_ua_counter)counter_by_name(o->counter)), 1,
			             "%s: counter %s", what, o->counter);
	}
	assert_idle(what);
	ua_stop(what);
}

static void
run_dir(const char *sub, const struct ua_outcome *tab, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		run_file(sub, tab[i].file, &tab[i]);
	/* every file of the directory has a row */
	char dir[4200], cmd[4400];
	snprintf(dir, sizeof(dir), "%s/%s", corpora(), sub);
	snprintf(cmd, sizeof(cmd),
	         "test \"$(ls '%s' | grep -v -e '^README' -e '^SHA256' | wc -l)\" = %u", dir, n);
	cr_assert_eq(system(cmd), 0, "%s: the table does not have one row per file", sub);
}

TestSuite(conformance_ua, .init = suite_init, .fini = suite_fini);

Test(conformance_ua, rfc4475)
{
	run_dir("rfc4475", rfc4475, sizeof(rfc4475) / sizeof(rfc4475[0]));
}

Test(conformance_ua, rfc5118_archive_lf)
{
	run_dir("rfc5118/archive-lf", rfc5118_lf, sizeof(rfc5118_lf) / sizeof(rfc5118_lf[0]));
}

Test(conformance_ua, rfc5118_wire_crlf)
{
	run_dir("rfc5118/wire-crlf-ersip", rfc5118_crlf,
	        sizeof(rfc5118_crlf) / sizeof(rfc5118_crlf[0]));
}

/* ---- 2. PROTOS c07-sip through one long-lived UA ---- */

/*
 * protos/README.md: each case is "<len> <INVITE template>" then "<len> <teardown template>",
 * with <Name> placeholders. Each case gets its own Call-ID and branch, as a stream of distinct
 * calls to a server would.
 */
static char protos_callid[64], protos_branch[64];

static const char *
protos_value(const char *t, uint32_t left, size_t *pl)
{
	static const struct {
		const char *ph, *val;
	} fixed[] = {
	    {"<To>", "tone@198.18.0.1"},      {"<From>", "alice@198.18.0.2"},
	    {"<From-Address>", "198.18.0.2"}, {"<From-IP>", "198.18.0.2"},
	    {"<Local-Port>", "5060"},         {"<CSeq>", "1"},
	    {"<Teardown-Method>", "CANCEL"},
	};

	for (unsigned k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++) {
		*pl = strlen(fixed[k].ph);
		if (left >= *pl && memcmp(t, fixed[k].ph, *pl) == 0)
			return fixed[k].val;
	}
	*pl = 11;
	if (left >= *pl && memcmp(t, "<Branch-ID>", *pl) == 0)
		return protos_branch;
	*pl = 9;
	if (left >= *pl && memcmp(t, "<Call-ID>", *pl) == 0)
		return protos_callid;
	return NULL;
}

static uint32_t
protos_fill(const char *t, uint32_t tl, char *out, const char *cl)
{
	uint32_t o = 0;

	for (uint32_t i = 0; i < tl;) {
		if (t[i] == '<') {
			size_t pl;
			const char *v = protos_value(t + i, tl - i, &pl);

			if (v == NULL && cl != NULL && tl - i >= 16 &&
			    memcmp(t + i, "<Content-Length>", 16) == 0) {
				v = cl;
				pl = 16;
			}
			if (v != NULL) {
				memcpy(out + o, v, strlen(v));
				o += (uint32_t)strlen(v);
				i += (uint32_t)pl;
				continue;
			}
		}
		out[o++] = t[i++];
	}
	return o;
}

/* Fill @a t (Content-Length = the body that follows the blank line) and feed it to the UA. */
static void
protos_send(const char *t, uint32_t tl, char *work, char *msgbuf)
{
	uint32_t n = protos_fill(t, tl, work, NULL), body = 0;
	char cl[16];

	for (uint32_t i = 0; i + 3 < n; i++) {
		if (memcmp(work + i, "\r\n\r\n", 4) == 0) {
			body = n - (i + 4);
			break;
		}
	}
	snprintf(cl, sizeof(cl), "%u", body);
	n = protos_fill(t, tl, msgbuf, cl);
	/* a datagram carries at most UDP_MAX bytes: larger cases arrive cut */
	sip_ua_input(ua, msgbuf, n < UDP_MAX ? n : UDP_MAX, PEER_IP, PEER_PORT);
}

Test(conformance_ua, protos_c07_sip, .timeout = 280)
{
	char tmp[] = "/tmp/dpv-protos-ua-XXXXXX", cmd[8192], path[4200];
	char *work = malloc(1u << 20), *mb = malloc(1u << 20);
	unsigned cases = 0;

	cr_assert_not_null(work);
	cr_assert_not_null(mb);
	cr_assert_not_null(mkdtemp(tmp));
	snprintf(cmd, sizeof(cmd), "tar -xzf '%s/protos/c07-sip-r2-testcases.tar.gz' -C '%s'",
	         corpora(), tmp);
	cr_assert_eq(system(cmd), 0, "extracting PROTOS failed: %s", cmd);

	/* a server: rings a second before answering, so the CANCEL that follows each INVITE
	 * meets a ringing call (CANCEL -> 200 + 487) */
	ua_start(1000, 8192, 16384);
	capture = false;
	for (unsigned i = 0;; i++) {
		uint32_t len, tl;

		snprintf(path, sizeof(path), "%s/testcases/%07u", tmp, i);
		if (access(path, R_OK) != 0)
			break;
		char *b = slurp(path, &len);
		const char *p = b, *e = b + len;

		cr_assert_lt(len, 1u << 19, "case %u too large for the work buffers", i);
		cur_case = (int)i;
		snprintf(protos_callid, sizeof(protos_callid), "protos-%u",
		         i); /* the template adds @<From-Address> */
		snprintf(protos_branch, sizeof(protos_branch), "%u",
		         i); /* after the template's z9hG4bK00000 */
		for (int part = 0; part < 2; part++) {
			const char *t = protos_template(p, e, &tl);

			protos_send(t, tl, work, mb);
			p = t + tl;
		}
		cr_assert_eq(p, e, "case %u: trailing bytes", i);
		free(b);
		cases++;
		advance(now + 20); /* 50 cases a second */
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	cr_assert_eq(system(cmd), 0);
	free(work);
	free(mb);
	cr_assert_eq(cases, 4527);

	const uint64_t *c = sip_ua_counters(ua);
	cr_log_info("PROTOS through the UA: %u cases, %lu requests, %lu parse errors, %lu dropped, "
	            "%lu calls in, %lu cancelled, %lu 4xx, %lu 5xx, %lu datagrams sent",
	            cases, (unsigned long)c[SIP_UA_C_rx_requests],
	            (unsigned long)c[SIP_UA_C_rx_parse_errors],
	            (unsigned long)c[SIP_UA_C_rx_dropped], (unsigned long)c[SIP_UA_C_calls_in],
	            (unsigned long)c[SIP_UA_C_calls_cancelled],
	            (unsigned long)c[SIP_UA_C_rejected_4xx],
	            (unsigned long)c[SIP_UA_C_rejected_5xx], (unsigned long)nsent_total);
	/* the valid case 0 made a call */
	cr_assert_geq(c[SIP_UA_C_calls_in], 1);
	/* Cases 382-385 (sip-via-host, a Via host of thousands of bytes) make a transaction key
	 * the table refuses: a bad request, 400 "transaction key too long" (8: INVITE and CANCEL
	 * of 4 cases), counted as bad_tx_key, not as overload. The longest answers need the large
	 * buffers. The pools themselves (8192 dialogs, 16384 transactions) never run dry at 50
	 * calls/s: no 503. */
	cr_log_info("PROTOS: %lu large buffers, longest datagram sent %u bytes",
	            (unsigned long)nlarge, max_sent);
	cr_assert_eq(c[SIP_UA_C_bad_tx_key], 8, "bad_tx_key %lu",
	             (unsigned long)c[SIP_UA_C_bad_tx_key]);
	cr_assert_eq(c[SIP_UA_C_overload_503], 0, "overload_503 %lu",
	             (unsigned long)c[SIP_UA_C_overload_503]);
	/* the 5xx are all 505 to the SIP-version cases */
	cr_assert_eq(n5xx_own, 0, "%lu 5xx other than 505", (unsigned long)n5xx_own);
	cr_assert_gt(c[SIP_UA_C_rejected_5xx], 0);
	cr_assert_eq(c[SIP_UA_C_resp_too_big], 0);
	cr_assert_eq(c[SIP_UA_C_no_buffer], 0);
	assert_idle("PROTOS");
	ua_stop("PROTOS");
}

/* ---- 3. framing and header abuse, one message each ---- */

static void
framing_init(void)
{
	suite_init();
	ua_start(0, 64, 256);
	capture = true;
}

static void
framing_fini(void)
{
	assert_idle("framing");
	ua_stop("framing");
	suite_fini();
}

TestSuite(framing, .init = framing_init, .fini = framing_fini);

static char fbuf[32768];
static uint32_t flen;

/* An OPTIONS with header lines @a pre before the usual ones and @a post after; @a skip names a
 * mandatory header left out ("Via", "From", ...). Content-Length is in @a post when wanted. */
static void
options(const char *skip, const char *pre, const char *post, const char *body)
{
	static const char *const lines[][2] = {
	    {"Via", "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bKf1\r\n"},
	    {"From", "From: <sip:alice@198.18.0.2>;tag=f1\r\n"},
	    {"To", "To: <sip:tone@198.18.0.1>\r\n"},
	    {"Call-ID", "Call-ID: framing1@198.18.0.2\r\n"},
	    {"CSeq", "CSeq: 1 OPTIONS\r\n"},
	    {"Max-Forwards", "Max-Forwards: 70\r\n"},
	};
	int n = snprintf(fbuf, sizeof(fbuf), "OPTIONS sip:tone@198.18.0.1 SIP/2.0\r\n%s", pre);

	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (skip == NULL || strcmp(skip, lines[i][0]) != 0)
			n += snprintf(fbuf + n, sizeof(fbuf) - (size_t)n, "%s", lines[i][1]);
	n += snprintf(fbuf + n, sizeof(fbuf) - (size_t)n, "%s\r\n%s", post, body);
	flen = (uint32_t)n;
}

static void
feed(void)
{
	sip_ua_input(ua, fbuf, flen, PEER_IP, PEER_PORT);
	if (getenv("DPV_DUMP") != NULL)
		cr_log_warn("sent %u: %s", nsent, nsent ? sent[0].data : "");
}

/* The first response is @a status with the Warning @a why (NULL: no Warning). */
static void
assert_reply(const char *status_line, const char *why)
{
	char w[256];

	cr_assert_eq(nsent, 1, "%u datagrams sent", nsent);
	cr_assert_eq(strncmp(sent[0].data, status_line, strlen(status_line)), 0, "%s",
	             sent[0].data);
	if (why != NULL) {
		snprintf(w, sizeof(w), W("%s"), why);
		cr_assert_str_eq(warning_of(&sent[0]), w);
	} else {
		cr_assert_str_eq(warning_of(&sent[0]), "");
	}
	cr_assert_eq(counter(SIP_UA_C_rx_dropped), 0);
}

static void
assert_dropped(void)
{
	cr_assert_eq(nsent, 0, "sent:\n%s", sent[0].data);
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 1);
	cr_assert_eq(counter(SIP_UA_C_rx_dropped), 1);
}

Test(framing, valid_options_baseline)
{
	options(NULL, "", "Content-Length: 0\r\n", "");
	feed();
	assert_reply("SIP/2.0 200 OK\r\n", NULL);
}

Test(framing, duplicate_content_length)
{
	options(NULL, "", "Content-Length: 4\r\nContent-Length: 4\r\n", "abcd");
	feed();
	assert_reply("SIP/2.0 400 ", "more than one Content-Length value");
}

Test(framing, negative_content_length)
{
	options(NULL, "", "Content-Length: -4\r\n", "abcd");
	feed();
	assert_reply("SIP/2.0 400 ", "malformed Content-Length header");
}

/* Beyond any datagram (SIP_MAX_MSG_LEN): 413; within it but past the end: 400 (18.3) */
Test(framing, huge_content_length)
{
	options(NULL, "", "Content-Length: 18446744073709551620\r\n", "abcd");
	feed();
	assert_reply("SIP/2.0 413 ", "Content-Length too large");
}

Test(framing, content_length_4g)
{
	options(NULL, "", "Content-Length: 4294967295\r\n", "abcd");
	feed();
	assert_reply("SIP/2.0 413 ", "Content-Length too large");
}

Test(framing, content_length_beyond_datagram)
{
	options(NULL, "", "Content-Length: 100\r\n", "abcd");
	feed();
	assert_reply("SIP/2.0 400 ", "Content-Length larger than the message");
}

Test(framing, missing_via)
{
	options("Via", "", "Content-Length: 0\r\n", "");
	feed();
	assert_dropped();
}

/* A Via without any sent-by gives no place to answer: a counted drop. */
Test(framing, via_without_sent_by)
{
	options("Via", "Via: SIP/2.0/UDP ;branch=z9hG4bKx\r\n", "Content-Length: 0\r\n", "");
	feed();
	assert_dropped();
}

/* The bad Via's sent-by port is where the answer goes (to the source address, 18.2.2). */
Test(framing, bad_via_answered_at_its_sent_by_port)
{
	options("Via", "Via: SIP/2.0/UDP 198.18.0.2:5072;;branch=z9hG4bKx\r\n",
	        "Content-Length: 0\r\n", "");
	feed();
	assert_reply("SIP/2.0 400 ", "malformed Via header");
	cr_assert_eq(sent[0].ip, PEER_IP);
	cr_assert_eq(sent[0].port, 5072);
	cr_assert_not_null(
	    strstr(sent[0].data, "\r\nVia: SIP/2.0/UDP 198.18.0.2:5072;;branch=z9hG4bKx\r\n"));
	/* the To had no tag: one is added */
	cr_assert_not_null(strstr(sent[0].data, "\r\nTo: <sip:tone@198.18.0.1>;tag="));
}

/* A bad request line still gets its answer, with every line copied (RFC 4475 3.1.2.x). */
Test(framing, bad_version_gets_505)
{
	options(NULL, "", "Content-Length: 0\r\n", "");
	memcpy(fbuf + strlen("OPTIONS sip:tone@198.18.0.1 SIP/"), "3", 1);
	feed();
	assert_reply("SIP/2.0 505 Version Not Supported\r\n", "unsupported SIP version");
	cr_assert_not_null(strstr(sent[0].data, "\r\nCall-ID: framing1@198.18.0.2\r\n"));
	cr_assert_not_null(strstr(sent[0].data, "\r\nCSeq: 1 OPTIONS\r\n"));
	cr_assert_not_null(strstr(sent[0].data, "\r\nFrom: <sip:alice@198.18.0.2>;tag=f1\r\n"));
}

/* An ACK is never answered, parse error or not. */
Test(framing, bad_ack_is_dropped)
{
	options(NULL, "", "Content-Length: 0\r\n", "");
	memcpy(fbuf, "ACK    ", 7); /* "ACK    sip:...": a malformed request line */
	memcpy(strstr(fbuf, "CSeq: 1 OPTIONS"), "CSeq: 1 ACK    ", 15);
	feed();
	assert_dropped();
}

Test(framing, missing_from)
{
	options("From", "", "Content-Length: 0\r\n", "");
	feed();
	/* answered with the lines it has (RFC 4475 insuf: "ideally 400") */
	assert_reply("SIP/2.0 400 ", "missing From header");
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 1);
}

Test(framing, missing_to)
{
	options("To", "", "Content-Length: 0\r\n", "");
	feed();
	/* answered with the lines it has (RFC 4475 insuf: "ideally 400") */
	assert_reply("SIP/2.0 400 ", "missing To header");
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 1);
}

Test(framing, missing_call_id)
{
	options("Call-ID", "", "Content-Length: 0\r\n", "");
	feed();
	/* answered with the lines it has (RFC 4475 insuf: "ideally 400") */
	assert_reply("SIP/2.0 400 ", "missing Call-ID header");
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 1);
}

Test(framing, missing_cseq)
{
	options("CSeq", "", "Content-Length: 0\r\n", "");
	feed();
	/* answered with the lines it has (RFC 4475 insuf: "ideally 400") */
	assert_reply("SIP/2.0 400 ", "missing CSeq header");
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 1);
}

Test(framing, missing_max_forwards_is_accepted)
{
	options("Max-Forwards", "", "Content-Length: 0\r\n", "");
	feed();
	assert_reply("SIP/2.0 200 OK\r\n", NULL);
}

Test(framing, oversized_header)
{
	char big[SIP_MAX_HDR_LINE + 64];

	memcpy(big, "Subject: ", 9);
	memset(big + 9, 'x', SIP_MAX_HDR_LINE + 16);
	memcpy(big + 9 + SIP_MAX_HDR_LINE + 16, "\r\n", 3);
	options(NULL, "", big, "");
	feed();
	assert_reply("SIP/2.0 400 ", "header line too long");
}

Test(framing, nul_in_header)
{
	char *x;

	options(NULL, "", "Subject: a#b\r\nContent-Length: 0\r\n", "");
	x = memchr(fbuf, '#', flen);
	cr_assert_not_null(x);
	*x = '\0';
	feed();
	/* a raw NUL is not TEXT-UTF8 (RFC 3261 25.1): 400 */
	assert_reply("SIP/2.0 400 ", "NUL in header value");
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 1);
}

Test(framing, no_blank_line)
{
	options(NULL, "", "Content-Length: 0\r\n", "");
	flen -= 2; /* the headers are never closed (like rfc4475 baddn.dat) */
	feed();
	/* RFC 3261 7 requires the empty line even without a body */
	assert_reply("SIP/2.0 400 ", "no blank line after the headers");
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 1);
}

/* A NUL escaped by a quoted-pair inside a quoted string is allowed (RFC 4475 intmeth). */
Test(framing, nul_in_quoted_pair)
{
	char *x;

	options(NULL, "", "Subject: \"a\\#b\"\r\nContent-Length: 0\r\n", "");
	x = memchr(fbuf, '#', flen);
	cr_assert_not_null(x);
	*x = '\0';
	feed();
	assert_reply("SIP/2.0 200 OK\r\n", NULL);
}

/* Raw (not escaped) inside a quoted string, it is still not allowed (qdtext). */
Test(framing, raw_nul_in_quoted_string)
{
	char *x;

	options(NULL, "", "Subject: \"a#b\"\r\nContent-Length: 0\r\n", "");
	x = memchr(fbuf, '#', flen);
	cr_assert_not_null(x);
	*x = '\0';
	feed();
	assert_reply("SIP/2.0 400 ", "NUL in header value");
}

/* NULs in a body are the body's business. */
Test(framing, nul_in_body)
{
	options(NULL, "", "Content-Type: application/octet-stream\r\nContent-Length: 4\r\n",
	        "a#bc");
	*(char *)memchr(fbuf, '#', flen) = '\0';
	feed();
	cr_assert_eq(nsent, 1);
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 0);
}

/* A response without the empty line is dropped like any malformed response. */
Test(framing, response_without_blank_line_is_dropped)
{
	static const char r[] =
	    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bKr1\r\n"
	    "From: <sip:a@198.18.0.1>;tag=1\r\nTo: <sip:b@198.18.0.2>;tag=2\r\n"
	    "Call-ID: r1@198.18.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n";

	sip_ua_input(ua, r, sizeof(r) - 1, PEER_IP, PEER_PORT);
	cr_assert_eq(nsent, 0);
	cr_assert_eq(counter(SIP_UA_C_rx_parse_errors), 1);
	cr_assert_eq(counter(SIP_UA_C_rx_dropped), 1);
	cr_assert_eq(counter(SIP_UA_C_rx_responses), 0);
}

Test(framing, space_before_colon)
{
	/* HCOLON = *( SP / HTAB ) ":" SWS (RFC 3261 25.1): valid */
	options(NULL, "Subject : hi\r\n", "Content-Length : 0\r\n", "");
	feed();
	assert_reply("SIP/2.0 200 OK\r\n", NULL);
}
