/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signaling benchmark: complete calls (INVITE -> 100/180/200 -> ACK -> BYE -> 200) per second
 * on one lcore, with the UA's tables pre-filled to N established calls.
 *
 * One thread plays both sides, as two stages of one poll loop:
 * - the UA stage is what a signaling lcore runs (engine/sig.c): datagrams come out of an
 *   rte_ring of mbufs into sip_ua_input, then sip_ua_tick and rcu_quiescent_state; the UA's
 *   msg_send takes a reference and puts the mbuf on the "wire" ring (sig.c hands it to the PMD
 *   instead, after the UDP/IP/Ethernet headers, which this bench does not write). As on the
 *   signaling lcore, each dequeued burst is handled with the next message's first cache lines
 *   prefetched, and what it sends is collected and put on the wire in one burst (the engine's
 *   tx buffer); --per-message runs the stage the way it was before, one enqueue per send and
 *   no prefetch, to compare the two in one binary;
 * - the UAC stage writes the requests with sip_write_request into mbufs, and parses every
 *   response from the wire ring to learn the To tag and move its calls on.
 * Media is the engine's: rtp_media_ops (real SDP parse/negotiate/answer, an RTP port pool).
 * Prefilled calls get a fixed port outside the pool, since N (up to 1M) is far more than one
 * pool's ports: a thin wrapper sets it before rtp_media_ops runs, which then takes no port.
 *
 * Time is the TSC in ms, as in the engine, plus a skew this bench adds to jump over the 64*T1
 * lifetime of finished transactions (after the prefill, and to measure that deferred work).
 * CPU time is the thread's (CLOCK_THREAD_CPUTIME_ID): this VM loses wall time to other guests.
 * The split between the two stages is by TSC cycles spent in each.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

/* Under valgrind --tool=callgrind the phases are dumped apart (prefill, measured, deferred); the
 * client requests cost a few instructions and do nothing outside valgrind. */
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_DUMP_STATS_AT(s)
#endif

#include "rtp.h"
#include "sip.h"

#define UA_IP       0xC6120001u /* 198.18.0.1 */
#define UAC_IP      0xC6120002u /* 198.18.0.2 */
#define UA_PORT     5060
#define UAC_PORT    5070
#define T1_MS       500
#define T2_MS       4000
#define T4_MS       5000
#define WHEEL_SLOTS 4096
#define BURST       32
#define RTP_MIN     10000
#define RTP_MAX     65534
#define PREFILL_RTP 4000 /* prefilled calls' port: outside the pool */
#define STALL_S     5
#define SLACK       8192        /* pool entries beyond what the run needs */
#define OUT_MAX     (4 * BURST) /* sends collected per burst: up to 3 answers per request */

enum uac_state {
	UAC_FREE,
	UAC_INVITING, /* INVITE sent */
	UAC_BYEING,   /* ACK and BYE sent */
};

struct uac_call {
	enum uac_state state;
	uint64_t num;
	uint8_t tag_len;
	char to_tag[64];
};

struct uac_stats {
	uint64_t started, established, completed;
	uint64_t rx_100, rx_180, rx_200_invite, rx_200_bye;
	uint64_t retrans_seen; /* 2xx for a call already ACKed: the UA resent it (T1 fired) */
	uint64_t unexpected;   /* other status, unknown call, bad parse, missing SDP */
	uint64_t ring_full;    /* a request did not fit the ring to the UA */
	uint64_t no_mbuf;
	uint16_t last_bad_status;
};

struct bench {
	struct rte_mempool *pool;
	struct rte_ring *to_ua, *wire;
	struct rtp_media *media;
	struct dpv_timer_wheel wheel;
	struct sip_dialplan *dp;
	struct sip_ua *ua;
	bool prefill;
	bool per_msg; /* --per-message: one wire enqueue per send, no prefetch */
	uint64_t wire_full;
	struct rte_mbuf *out[OUT_MAX]; /* what the UA sent during this burst */
	unsigned nb_out;

	uint64_t tsc0, tsc_per_ms, skew_ms;
	uint64_t tsc_ua, tsc_uac;

	uint32_t window;
	struct uac_call *calls;
	uint32_t *free_slots, nb_free;
	uint64_t next_num;
	struct uac_stats st;
	struct sip_msg resp;
};

static struct bench B;

static inline uint64_t
now_ms(void)
{
	return (rte_rdtsc() - B.tsc0) / B.tsc_per_ms + B.skew_ms;
}

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the UA's owner: mbufs on a ring instead of a port ---- */

static void *
op_alloc(void *arg, char **buf, uint32_t *cap)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(B.pool);

	if (m == NULL)
		return NULL;
	*buf = rte_pktmbuf_mtod(m, char *);
	*cap = rte_pktmbuf_tailroom(m);
	return m;
}

/* The sends collected so far onto the wire in one enqueue (the engine's tx buffer flush). */
static void
out_flush(void)
{
	unsigned sent = rte_ring_sp_enqueue_burst(B.wire, (void **)B.out, B.nb_out, NULL);

	for (unsigned i = sent; i < B.nb_out; i++) {
		rte_mbuf_refcnt_update(B.out[i], -1);
		B.wire_full++;
	}
	B.nb_out = 0;
}

/* The UA resends the same handle: the first send sets its length, each send takes a
 * reference for the wire (the engine puts its UDP/IP/Ethernet headers in front instead). */
static int
op_send(void *arg, void *msg, uint32_t len, uint32_t ip, uint16_t port)
{
	struct rte_mbuf *m = msg;

	if (m->data_len == 0 && rte_pktmbuf_append(m, (uint16_t)len) == NULL)
		return -1;
	if (ip != UAC_IP || port != UAC_PORT)
		B.st.unexpected++;
	rte_mbuf_refcnt_update(m, 1);
	if (!B.per_msg) {
		/* a full buffer goes out at once, as rte_eth_tx_buffer does */
		if (B.nb_out == OUT_MAX)
			out_flush();
		B.out[B.nb_out++] = m;
		return 0;
	}
	if (rte_ring_sp_enqueue(B.wire, m) != 0) {
		rte_mbuf_refcnt_update(m, -1);
		B.wire_full++;
	}
	return 0;
}

static void
op_free(void *arg, void *msg)
{
	rte_pktmbuf_free(msg);
}

static const struct sip_ua_ops ops = {
    .msg_alloc = op_alloc,
    .msg_send = op_send,
    .msg_free = op_free,
};

/* rtp_media_ops, with the prefilled calls on a port of their own outside the pool. */
static int
media_answer(void *arg, const char *offer, uint32_t len, char *buf, uint32_t cap,
             struct dpv_media *m)
{
	if (B.prefill && m->local_port == 0)
		m->local_port = PREFILL_RTP;
	return rtp_media_ops.answer(arg, offer, len, buf, cap, m);
}

static int
media_offer(void *arg, char *buf, uint32_t cap, struct dpv_media *m)
{
	B.st.unexpected++; /* every INVITE of this UAC carries an offer */
	return -500;
}

static void
media_stop(void *arg, const struct dpv_media *m)
{
	if (m->local_port != PREFILL_RTP)
		rtp_media_ops.stop(arg, m);
}

static const struct dpv_media_ops media_ops = {
    .answer = media_answer,
    .offer = media_offer,
    .answered = NULL, /* the UA never offers here */
    .update = NULL,
    .stop = media_stop,
};

/* ---- the synthetic UAC ---- */

#define UAC_HOST "198.18.0.2"
#define UA_HOST  "198.18.0.1"

static void
uac_send(struct sip_req_fields *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(B.pool);
	int len;

	if (m == NULL) {
		B.st.no_mbuf++;
		return;
	}
	len = sip_write_request(rte_pktmbuf_mtod(m, char *), rte_pktmbuf_tailroom(m), f);
	if (len < 0 || rte_pktmbuf_append(m, (uint16_t)len) == NULL) {
		B.st.unexpected++;
		rte_pktmbuf_free(m);
		return;
	}
	if (rte_ring_sp_enqueue(B.to_ua, m) != 0) {
		B.st.ring_full++;
		rte_pktmbuf_free(m);
	}
}

/* Per-call identifiers: the slot and call number are in the Call-ID, the tags derive from it. */
static uint32_t
fmt_ids(uint32_t slot, uint64_t num, char *cid, char *ftag)
{
	snprintf(ftag, 24, "f%llx", (unsigned long long)num);
	return (uint32_t)snprintf(cid, 48, "%x.%llx@" UAC_HOST, slot, (unsigned long long)num);
}

static void
uac_fill(struct sip_req_fields *f, enum sip_method method, const char *ruri, const char *branch,
         const char *cid, uint32_t cid_len, const char *ftag, uint32_t cseq)
{
	f->method = method;
	f->ruri = (struct dpv_str){ruri, (uint32_t)strlen(ruri)};
	f->via_host = DPV_STR_LIT(UAC_HOST);
	f->via_port = UAC_PORT;
	f->branch = (struct dpv_str){branch, (uint32_t)strlen(branch)};
	f->rport = true;
	f->from = DPV_STR_LIT("<sip:uac@" UAC_HOST ":5070>");
	f->from_tag = (struct dpv_str){ftag, (uint32_t)strlen(ftag)};
	f->to = DPV_STR_LIT("<sip:bench@" UA_HOST ">");
	f->call_id = (struct dpv_str){cid, cid_len};
	f->cseq = cseq;
	f->contact = DPV_STR_LIT("<sip:uac@" UAC_HOST ":5070>");
}

static void
uac_invite(uint32_t slot)
{
	struct uac_call *c = &B.calls[slot];
	struct sip_req_fields f = {0};
	char cid[48], ftag[24], branch[40], sdp[512];
	uint32_t cid_len;
	int n;

	c->state = UAC_INVITING;
	c->num = B.next_num++;
	c->tag_len = 0;
	cid_len = fmt_ids(slot, c->num, cid, ftag);
	snprintf(branch, sizeof(branch), "z9hG4bKi%llx", (unsigned long long)c->num);
	n = rtp_sdp_write_offer(sdp, sizeof(sdp), UAC_IP, (uint16_t)(20000 + 2 * (slot & 0x3fff)),
	                        c->num, 1);
	uac_fill(&f, SIP_METHOD_INVITE, "sip:bench@" UA_HOST ":5060", branch, cid, cid_len, ftag,
	         1);
	f.body = (struct dpv_str){sdp, (uint32_t)(n > 0 ? n : 0)};
	f.content_type = DPV_STR_LIT("application/sdp");
	B.st.started++;
	uac_send(&f);
}

static void
uac_in_dialog(uint32_t slot, enum sip_method method, uint32_t cseq)
{
	struct uac_call *c = &B.calls[slot];
	struct sip_req_fields f = {0};
	char cid[48], ftag[24], branch[40];
	uint32_t cid_len = fmt_ids(slot, c->num, cid, ftag);

	snprintf(branch, sizeof(branch), "z9hG4bK%c%llx", method == SIP_METHOD_ACK ? 'a' : 'b',
	         (unsigned long long)c->num);
	/* Request-URI: the remote target from the 2xx Contact (the UA's is fixed: sip:engine@) */
	uac_fill(&f, method, "sip:engine@" UA_HOST ":5060", branch, cid, cid_len, ftag, cseq);
	f.to_tag = (struct dpv_str){c->to_tag, c->tag_len};
	uac_send(&f);
}

static bool
parse_hex(const char **p, const char *end, char stop, uint64_t *out)
{
	uint64_t v = 0;
	unsigned digits = 0;

	for (; *p < end && **p != stop; (*p)++, digits++) {
		char ch = **p;

		if (digits >= 16)
			return false;
		if (ch >= '0' && ch <= '9')
			v = v << 4 | (uint64_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v = v << 4 | (uint64_t)(ch - 'a' + 10);
		else
			return false;
	}
	if (*p == end || digits == 0)
		return false;
	(*p)++;
	*out = v;
	return true;
}

static void
slot_free(uint32_t slot)
{
	B.calls[slot].state = UAC_FREE;
	B.free_slots[B.nb_free++] = slot;
}

static void
uac_response(const char *buf, uint32_t len)
{
	struct sip_msg *m = &B.resp;
	const char *p, *end;
	uint64_t slot, num;
	struct uac_call *c;

	if (sip_parse(buf, len, m) != 0 || m->is_request) {
		B.st.unexpected++;
		return;
	}
	p = m->call_id.p;
	end = p + m->call_id.len;
	if (!parse_hex(&p, end, '.', &slot) || !parse_hex(&p, end, '@', &num) || slot >= B.window ||
	    B.calls[slot].num != num || B.calls[slot].state == UAC_FREE) {
		/* a late retransmission for a call this UAC has finished */
		if (m->status == 200 && m->cseq_method == SIP_METHOD_INVITE)
			B.st.retrans_seen++;
		else
			B.st.unexpected++;
		return;
	}
	c = &B.calls[slot];
	if (m->cseq_method == SIP_METHOD_INVITE) {
		if (m->status == 100) {
			B.st.rx_100++;
			return;
		}
		if (m->status == 180) {
			B.st.rx_180++;
			return;
		}
		if (m->status != 200) {
			B.st.unexpected++;
			B.st.last_bad_status = m->status;
			slot_free((uint32_t)slot);
			return;
		}
		if (c->state != UAC_INVITING) {
			B.st.retrans_seen++;
			return;
		}
		B.st.rx_200_invite++;
		if (!m->to.has_tag || m->to.tag.len >= sizeof(c->to_tag) || m->body.len == 0 ||
		    memmem(m->body.p, m->body.len, "m=audio ", 8) == NULL) {
			B.st.unexpected++;
			slot_free((uint32_t)slot);
			return;
		}
		memcpy(c->to_tag, m->to.tag.p, m->to.tag.len);
		c->tag_len = (uint8_t)m->to.tag.len;
		uac_in_dialog((uint32_t)slot, SIP_METHOD_ACK, 1);
		if (B.prefill) {
			B.st.established++;
			slot_free((uint32_t)slot);
			return;
		}
		uac_in_dialog((uint32_t)slot, SIP_METHOD_BYE, 2);
		c->state = UAC_BYEING;
		return;
	}
	if (m->cseq_method == SIP_METHOD_BYE && m->status == 200 && c->state == UAC_BYEING) {
		B.st.rx_200_bye++;
		B.st.completed++;
		slot_free((uint32_t)slot);
		return;
	}
	B.st.unexpected++;
	B.st.last_bad_status = m->status;
}

/* ---- the poll loop ---- */

static void print_counters(void);

/* The UA's half of an iteration, as engine/sig.c and lcore.c run it: bursts from the ring
 * through sip_ua_input_burst, the messages' first two cache lines prefetched first (they were
 * written by the other stage, as by the rx lcore in the engine), the burst's sends out in one
 * enqueue, then the timers. Not inlined: callgrind collects the UA's cost by this name. */
static void __attribute__((noinline)) ua_stage(void)
{
	struct rte_mbuf *mb[BURST];
	unsigned n;

	while ((n = rte_ring_sc_dequeue_burst(B.to_ua, (void **)mb, BURST, NULL)) > 0) {
		if (B.per_msg) {
			for (unsigned i = 0; i < n; i++) {
				sip_ua_input(B.ua, rte_pktmbuf_mtod(mb[i], const char *),
				             mb[i]->data_len, UAC_IP, UAC_PORT);
				rte_pktmbuf_free(mb[i]);
			}
			continue;
		}
		struct sip_ua_dgram d[BURST];

		for (unsigned i = 0; i < n; i++) {
			d[i] = (struct sip_ua_dgram){rte_pktmbuf_mtod(mb[i], const char *),
			                             mb[i]->data_len, UAC_IP, UAC_PORT};
			rte_prefetch0(d[i].buf);
			rte_prefetch0(d[i].buf + RTE_CACHE_LINE_SIZE);
		}
		sip_ua_input_burst(B.ua, d, n);
		rte_pktmbuf_free_bulk(mb, n);
		out_flush();
	}
	sip_ua_tick(B.ua, now_ms());
	out_flush();
	rcu_quiescent_state();
}

/* One iteration: the UAC stage (responses, then new calls while @a target allows), then the
 * UA stage exactly as a signaling lcore runs it. -1 when no call has moved for STALL_S seconds
 * (a lost message: the UAC does not retransmit). */
static int
iterate(uint64_t target)
{
	static uint64_t last_progress, last_tsc;
	struct rte_mbuf *mb[BURST];
	uint64_t t0 = rte_rdtsc(), t1, t2;
	unsigned n;

	while ((n = rte_ring_sc_dequeue_burst(B.wire, (void **)mb, BURST, NULL)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			uac_response(rte_pktmbuf_mtod(mb[i], const char *), mb[i]->data_len);
			rte_pktmbuf_free(mb[i]);
		}
	}
	for (n = 0; n < BURST && B.nb_free > 0 && B.st.started < target; n++)
		uac_invite(B.free_slots[--B.nb_free]);
	t1 = rte_rdtsc();
	ua_stage();
	t2 = rte_rdtsc();
	B.tsc_uac += t1 - t0;
	B.tsc_ua += t2 - t1;
	if (B.st.started + B.st.established + B.st.completed != last_progress || last_tsc == 0) {
		last_progress = B.st.started + B.st.established + B.st.completed;
		last_tsc = t2;
	} else if (t2 - last_tsc > STALL_S * 1000 * B.tsc_per_ms) {
		fprintf(stderr, "FAIL: no progress for %d s: %u calls stuck\n", STALL_S,
		        B.window - B.nb_free);
		print_counters();
		return -1;
	}
	return 0;
}

static bool
uac_idle(void)
{
	return B.nb_free == B.window && rte_ring_empty(B.wire) && rte_ring_empty(B.to_ua);
}

/* One tick of the drain: the UA's deferred work (not inlined: callgrind collects it by name). */
static void __attribute__((noinline)) ua_drain_tick(void)
{
	sip_ua_tick(B.ua, now_ms());
	out_flush();
	rcu_quiescent_state();
}

/* Jump the clock past every finished transaction's lifetime (64*T1) and run the UA until all
 * of them have terminated and been reclaimed after a grace period. */
static void
drain(void)
{
	double deadline = wall_s() + 30;
	struct sip_ua_occupancy o;

	B.skew_ms += 64ull * T1_MS + 1000;
	for (;;) {
		sip_ua_occupancy(B.ua, &o);
		if (o.tx_live == 0 && o.tx_limbo == 0 && o.sess_limbo == 0)
			break;
		ua_drain_tick();
		if (wall_s() > deadline) {
			fprintf(stderr, "drain: still %u transactions, %u in limbo after 30 s\n",
			        o.tx_live, o.tx_limbo);
			break;
		}
	}
}

/* With --no-huge, pool memory is faulted in on first write: write every data room once now, as
 * hugepages would be, so the runs do not pay a page fault per new mbuf. */
static void
touch_mbuf(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct rte_mbuf *m = obj;

	memset(m->buf_addr, 0, m->buf_len);
}

static void
usage(const char *prog)
{
	fprintf(stderr,
	        "usage: %s [EAL options] -- [--sessions N] [--calls C] [--seconds S] "
	        "[--window W] [--per-message]\n"
	        "  N established calls pre-filled (default 1000), then up to C complete calls "
	        "(default 200000)\n  or S seconds (default 10), W calls in flight (default 256);\n"
	        "  --per-message: the UA stage without bursts (one wire enqueue per send, no "
	        "prefetch)\n",
	        prog);
}

static void
print_counters(void)
{
	const uint64_t *c = sip_ua_counters(B.ua);
	const struct sip_tx_stats *ts = sip_ua_tx_stats(B.ua);
	const struct rtp_media_stats *ms = rtp_media_stats(B.media);
	struct rtp_portpool_stats ps;

	printf("UA counters:");
	for (unsigned i = 0; i < SIP_UA_C_MAX; i++)
		printf("%s %s=%llu", i % 6 == 0 ? "\n " : "", sip_ua_counter_names[i],
		       (unsigned long long)c[i]);
	printf("\ntransactions: created=%llu terminated=%llu reclaimed=%llu retrans_sent=%llu "
	       "retrans_absorbed=%llu pool_exhausted=%llu timeouts=%llu\n",
	       (unsigned long long)ts->created, (unsigned long long)ts->terminated,
	       (unsigned long long)ts->reclaimed, (unsigned long long)ts->retrans_sent,
	       (unsigned long long)ts->retrans_absorbed, (unsigned long long)ts->pool_exhausted,
	       (unsigned long long)ts->timeouts);
	rtp_portpool_stats(rtp_media_ports(B.media), &ps);
	printf("rtp ports: size=%u in_use=%u allocs=%llu frees=%llu exhausted=%llu bad_free=%llu; "
	       "sdp_rejected=%llu\n",
	       ps.size, ps.in_use, (unsigned long long)ps.allocs, (unsigned long long)ps.frees,
	       (unsigned long long)ps.exhausted, (unsigned long long)ps.bad_free,
	       (unsigned long long)ms->sdp_rejected);
	printf("UAC: started=%llu established(prefill)=%llu completed=%llu 100=%llu 180=%llu "
	       "200inv=%llu 200bye=%llu retrans_seen=%llu unexpected=%llu (last status %u) "
	       "ring_full=%llu no_mbuf=%llu wire_full=%llu\n",
	       (unsigned long long)B.st.started, (unsigned long long)B.st.established,
	       (unsigned long long)B.st.completed, (unsigned long long)B.st.rx_100,
	       (unsigned long long)B.st.rx_180, (unsigned long long)B.st.rx_200_invite,
	       (unsigned long long)B.st.rx_200_bye, (unsigned long long)B.st.retrans_seen,
	       (unsigned long long)B.st.unexpected, B.st.last_bad_status,
	       (unsigned long long)B.st.ring_full, (unsigned long long)B.st.no_mbuf,
	       (unsigned long long)B.wire_full);
}

/* Every call must have gone through: the failure counters are all zero. */
static int
check_counters(uint64_t prefilled, uint64_t completed)
{
	const uint64_t *c = sip_ua_counters(B.ua);
	const struct rtp_media_stats *ms = rtp_media_stats(B.media);
	static const enum sip_ua_counter must_be_zero[] = {
	    SIP_UA_C_rx_parse_errors, SIP_UA_C_rx_dropped,      SIP_UA_C_rejected_4xx,
	    SIP_UA_C_rejected_5xx,    SIP_UA_C_overload_503,    SIP_UA_C_no_buffer,
	    SIP_UA_C_calls_failed,    SIP_UA_C_calls_cancelled, SIP_UA_C_ack_timeouts,
	};
	int bad = 0;

	for (unsigned i = 0; i < RTE_DIM(must_be_zero); i++)
		if (c[must_be_zero[i]] != 0) {
			fprintf(stderr, "FAIL: %s = %llu\n", sip_ua_counter_names[must_be_zero[i]],
			        (unsigned long long)c[must_be_zero[i]]);
			bad = 1;
		}
	if (B.st.unexpected || B.st.ring_full || B.st.no_mbuf || B.wire_full || ms->sdp_rejected ||
	    ms->ports_exhausted) {
		fprintf(stderr, "FAIL: UAC/owner errors (see the UAC line)\n");
		bad = 1;
	}
	if (c[SIP_UA_C_calls_in] != prefilled + completed ||
	    c[SIP_UA_C_calls_answered] != prefilled + completed ||
	    c[SIP_UA_C_calls_ended] != completed || c[SIP_UA_C_sessions_active] != prefilled) {
		fprintf(stderr,
		        "FAIL: calls_in/answered/ended/sessions_active do not match %llu "
		        "prefilled + %llu completed\n",
		        (unsigned long long)prefilled, (unsigned long long)completed);
		bad = 1;
	}
	return bad;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"sessions", required_argument, NULL, 'n'}, {"calls", required_argument, NULL, 'c'},
	    {"seconds", required_argument, NULL, 's'},  {"window", required_argument, NULL, 'w'},
	    {"per-message", no_argument, NULL, 'p'},    {NULL, 0, NULL, 0},
	};
	static const struct sip_dialplan_rule rules[] = {{"^bench$", DPV_CALL_TONE, 0, NULL}};
	uint64_t sessions = 1000, max_calls = 200000;
	double seconds = 10, w0, c0, pre_wall, pre_cpu, wall, cpu, dr_wall, dr_cpu;
	uint64_t tx_live, sess_live, done, records;
	unsigned mbufs_held;
	struct sip_ua_cfg cfg = {0};
	char err[256];
	unsigned nb_mbufs, ring_size;
	int ret, opt, bad;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	B.window = 256;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			sessions = strtoull(optarg, NULL, 10);
			break;
		case 'c':
			max_calls = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'w':
			B.window = (uint32_t)atoi(optarg);
			break;
		case 'p':
			B.per_msg = true;
			break;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (sessions + max_calls + SLACK > 0xffffff || max_calls == 0 || seconds <= 0 ||
	    B.window == 0 || B.window > 65536) {
		usage(argv[0]);
		return 2;
	}

	/*
	 * Pools: the prefill's INVITE transactions live 64*T1 before the clock jump ends them;
	 * each measured call leaves two transactions (INVITE, BYE) and its session in the pools
	 * for 64*T1, and the BYE's 200 holds an mbuf as long (a run is shorter than that).
	 */
	cfg.max_dialogs = (uint32_t)(sessions + max_calls + SLACK);
	cfg.max_transactions = (uint32_t)(sessions + 2 * max_calls + SLACK);
	nb_mbufs = (unsigned)(max_calls + 4 * B.window + SLACK);
	ring_size = rte_align32pow2(8 * B.window + 4 * BURST);

	B.pool =
	    rte_pktmbuf_pool_create("bench_mbuf", nb_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	B.to_ua = rte_ring_create("to_ua", ring_size, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	B.wire = rte_ring_create("wire", ring_size, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	B.media =
	    rtp_media_create(&(struct rtp_media_cfg){.port_min = RTP_MIN, .port_max = RTP_MAX});
	B.calls = calloc(B.window, sizeof(*B.calls));
	B.free_slots = calloc(B.window, sizeof(*B.free_slots));
	B.dp = sip_dialplan_create(rules, 1, err, sizeof(err), NULL);
	if (B.pool == NULL || B.to_ua == NULL || B.wire == NULL || B.media == NULL ||
	    B.calls == NULL || B.free_slots == NULL || B.dp == NULL) {
		fprintf(stderr, "setup failed (%u mbufs: raise -m?): %s\n", nb_mbufs,
		        rte_strerror(rte_errno));
		return 1;
	}
	rte_mempool_obj_iter(B.pool, touch_mbuf, NULL);
	for (uint32_t i = 0; i < B.window; i++)
		B.free_slots[B.nb_free++] = B.window - 1 - i;
	B.tsc0 = rte_rdtsc();
	B.tsc_per_ms = rte_get_tsc_hz() / 1000;

	rcu_register_thread();
	if (dpv_timer_wheel_init(&B.wheel, WHEEL_SLOTS, 1, now_ms()) < 0)
		return 1;
	/* two records (INVITE, BYE) per finished call for 64*T1, prefill's and measured calls' */
	cfg.max_completed = 2 * cfg.max_transactions;
	cfg.index = 0;
	cfg.nb_uas = 1;
	cfg.local_ip = UA_IP;
	cfg.local_port = UA_PORT;
	cfg.t1_ms = T1_MS;
	cfg.t2_ms = T2_MS;
	cfg.t4_ms = T4_MS;
	cfg.dialplan = B.dp;
	cfg.wheel = &B.wheel;
	cfg.ops = &ops;
	cfg.media = &media_ops;
	cfg.media_arg = B.media;
	w0 = wall_s();
	B.ua = sip_ua_create(&cfg);
	if (B.ua == NULL) {
		fprintf(stderr, "sip_ua_create failed (%u dialogs, %u transactions)\n",
		        cfg.max_dialogs, cfg.max_transactions);
		return 1;
	}
	printf("sip_ua_create: max_dialogs=%u max_transactions=%u in %.2f s; mbufs=%u ring=%u "
	       "window=%u T1=%u ms\n",
	       cfg.max_dialogs, cfg.max_transactions, wall_s() - w0, nb_mbufs, ring_size, B.window,
	       T1_MS);
	fflush(stdout);

	/* Prefill: N calls set up through the same path (INVITE, 100/180/200, ACK), left up. */
	B.prefill = true;
	w0 = wall_s();
	c0 = cpu_s();
	while (B.st.started < sessions || !uac_idle())
		if (iterate(sessions) < 0)
			return 1;
	drain();
	pre_wall = wall_s() - w0;
	pre_cpu = cpu_s() - c0;
	printf(
	    "prefill: %llu established calls in %.2f s wall, %.2f s CPU (transactions drained)\n",
	    (unsigned long long)B.st.established, pre_wall, pre_cpu);
	fflush(stdout);
	B.prefill = false;

	/* Measured: complete calls until C calls or S seconds, then finish those in flight. */
	B.tsc_ua = B.tsc_uac = 0;
	CALLGRIND_DUMP_STATS_AT("prefill");
	w0 = wall_s();
	c0 = cpu_s();
	{
		uint64_t target = B.st.started + max_calls;
		double stop = w0 + seconds;
		unsigned k = 0;

		while (B.st.started < target || !uac_idle()) {
			if (iterate(target) < 0)
				return 1;
			if ((++k & 1023) == 0 && target > B.st.started && wall_s() > stop)
				target = B.st.started;
		}
	}
	wall = wall_s() - w0;
	cpu = cpu_s() - c0;
	done = B.st.completed;
	{
		struct sip_ua_occupancy o;

		sip_ua_occupancy(B.ua, &o);
		tx_live = o.tx_live;
		sess_live = o.sess_held;
		records = o.tx_records;
		mbufs_held = rte_mempool_in_use_count(B.pool);
	}

	CALLGRIND_DUMP_STATS_AT("measured");
	/* Deferred: what the finished calls still cost (timers L and J, reclaim, mbuf frees). */
	w0 = wall_s();
	c0 = cpu_s();
	drain();
	CALLGRIND_DUMP_STATS_AT("deferred");
	dr_wall = wall_s() - w0;
	dr_cpu = cpu_s() - c0;

	{
		double ns_cpu = cpu * 1e9 / (double)done;
		double ua_share = (double)B.tsc_ua / (double)(B.tsc_ua + B.tsc_uac);

		printf(
		    "measured: %llu complete calls in %.3f s wall, %.3f s CPU (%.0f%% of wall)\n",
		    (unsigned long long)done, wall, cpu, 100 * cpu / wall);
		printf("  at the end: %u sessions in the table, %llu session objects held, "
		       "%llu transactions in the table, %u mbufs held\n",
		       (unsigned)sip_ua_counters(B.ua)[SIP_UA_C_sessions_active],
		       (unsigned long long)sess_live, (unsigned long long)tx_live, mbufs_held);
		printf("  state per finished call for its 64*T1 tail: %.2f records of %zu bytes = "
		       "%.0f bytes (sessions, transactions and mbufs beyond the live calls: %lld, "
		       "%llu, %u)\n",
		       (double)records / (double)done, sip_tx_record_size(),
		       (double)records * (double)sip_tx_record_size() / (double)done,
		       (long long)sess_live - (long long)B.st.established,
		       (unsigned long long)tx_live, mbufs_held);
		printf("  calls/s: %.0f by wall, %.0f by CPU; ns/call (CPU): %.0f both stages, "
		       "%.0f UA stage (%.0f%% by TSC), %.0f UAC stage\n",
		       (double)done / wall, (double)done / cpu, ns_cpu, ns_cpu * ua_share,
		       100 * ua_share, ns_cpu * (1 - ua_share));
		printf("  deferred (64*T1 later): %.3f s wall, %.3f s CPU = %.0f ns/call; "
		       "UA total %.0f ns/call\n",
		       dr_wall, dr_cpu, dr_cpu * 1e9 / (double)done,
		       ns_cpu * ua_share + dr_cpu * 1e9 / (double)done);
		print_counters();
		bad = check_counters(B.st.established, done);
		printf("ROW|%llu|%u|%u|%.2f|%.2f|%llu|%.2f|%.2f|%.0f|%.0f|%.0f|%.0f|%.0f|%.0f|%llu|"
		       "%s\n",
		       (unsigned long long)sessions, cfg.max_dialogs, cfg.max_transactions,
		       pre_wall, pre_cpu, (unsigned long long)done, wall, cpu, (double)done / wall,
		       (double)done / cpu, ns_cpu, ns_cpu * ua_share, dr_cpu * 1e9 / (double)done,
		       ns_cpu * ua_share + dr_cpu * 1e9 / (double)done, (unsigned long long)tx_live,
		       bad ? "FAIL" : "ok");
	}

	w0 = wall_s();
	sip_ua_destroy(B.ua);
	if (rte_mempool_in_use_count(B.pool) != 0) {
		fprintf(stderr, "FAIL: %u mbufs still in use after sip_ua_destroy\n",
		        rte_mempool_in_use_count(B.pool));
		bad = 1;
	}
	printf("sip_ua_destroy: %.2f s; %s\n", wall_s() - w0, bad ? "FAILED" : "all calls ok");
	sip_dialplan_destroy(B.dp);
	dpv_timer_wheel_fini(&B.wheel);
	rtp_media_destroy(B.media);
	rcu_unregister_thread();
	rte_eal_cleanup();
	return bad;
}
