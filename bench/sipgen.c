/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipgen: a SIP call generator on DPDK, built on dpvoip's own UA (sip.h) and SDP/port code
 * (rtp.h), over a real DPDK port (memif, af_packet, af_xdp). One run-to-completion lcore:
 *
 *   rx burst -> ARP answered in place, SIP to sip_ua_input_burst, RTP counted per call
 *   new calls due by the rate (linear ramp), -l concurrent at most, -m in all
 *   BYEs due (hold time -d: one FIFO, every call holds as long), RTP due (one FIFO, 20 ms)
 *   sip_ua_tick, rcu_quiescent_state, tx flush, one report line a second
 *
 * Calls are kept by the UA's session slot (the low 24 bits of a session id), in an array
 * sized from the UA's max_dialogs: nothing is allocated after set-up, no lock, no syscall in
 * the loop (the CSV row and the report line once a second aside).
 *
 * UAC outcome of a call, from the session_state callback (attempted = answered + failed):
 *   CALLING (INVITE sent, stamped) -> CONFIRMED (2xx, ACK sent: answered, response time)
 *   -> TERMINATING (our BYE) -> TERMINATED: completed; a BYE that took 64*T1: bye_timeout
 *   CALLING/EARLY -> TERMINATED: failed by the last status (4xx, 5xx, 503, 408/none: timeout)
 *   CONFIRMED -> TERMINATED (the peer hung up first): peer_bye
 *   when -t ends the run: unanswered calls are CANCELled and failed "unfinished" (so is one
 *   still unanswered after the drain); answered ones get their BYE early and count as cut.
 * Answered calls that did not complete (peer_bye, bye_timeout, cut) are not "failed" (that
 * is the setup's outcome) but the exit status is 0 only when every call completed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>

#include "engine.h"
#include "hist.h"
#include "rtp.h"
#include "sip.h"

#define DESC        4096
#define TX_MAX      256
#define WHEEL_SLOTS 4096
#define T1_MS       500
#define T2_MS       4000
#define T4_MS       5000
#define RTP_LEN     172 /* 12 header + 160 G.711 */
#define RTP_MIN     20000
#define RTP_MAX     65534
#define DRAIN_MS    4000 /* after -t: hung-up calls get this long to finish */
#define ARP_TRIES   100  /* every 100 ms: 10 s */

enum cstate { C_FREE, C_CALLING, C_UP, C_BYE, C_CANCEL, C_CUT /* BYE of the -t stop */ };

struct call {
	uint64_t id;
	uint64_t t_inv;   /* TSC: INVITE sent */
	uint64_t t_bye;   /* TSC: BYE sent */
	uint64_t rtp_due; /* TSC */
	uint32_t rip;     /* answered media address */
	uint16_t lport, rport;
	uint16_t seq;
	uint8_t st;
};

struct fifo { /* (slot, id) pairs due in order */
	uint32_t *slot;
	uint64_t *id, *due;
	uint32_t mask, head, tail;
};

struct totals {
	uint64_t attempted, answered, completed, failed, f4xx, f5xx, f503, ftimeout, fother,
	    funfinished, retrans, rtp_sent, rtp_rcvd;
	/* answered, not completed: the peer's BYE, our BYE unanswered, cut by the -t stop */
	uint64_t peer_bye, bye_timeout, cut;
};

static volatile bool quit;

static struct {
	uint16_t port;
	struct rte_mempool *mp;
	struct dpv_net_ctx ctx;
	struct dpv_arp_cache arp;
	uint64_t counters[DPV_C_MAX];
	uint64_t hz, tsc0, tsc_ms;
	struct sip_ua *ua;
	struct rtp_media *media;
	struct dpv_timer_wheel wheel;
	struct sip_dialplan *dp;
	struct rte_mbuf *tx[TX_MAX];
	unsigned nb_tx;
	uint32_t target_ip, hop_ip;
	struct rte_ether_addr hop_mac;
	uint64_t arp_next;

	struct call *calls;
	uint32_t nb_slots;
	uint32_t *port_slot; /* [65536]: RTP port -> slot + 1 */
	struct fifo hold, rtp;
	uint32_t live;

	/* options */
	bool uas, rtp_on;
	const char *uri;
	double rate, ramp_s, run_s;
	uint64_t max_calls, limit, hold_ms;

	struct totals t;
	struct bench_hist h_all, h_int;
	uint64_t tx_fail, rx_sip, rtp_stray, no_mbuf, orig_busy, orig_err, fifo_full;
	uint64_t busy_tsc, loop_tsc;
	char sdp[512]; /* the offer of every call without --rtp */
	int sdp_len;
} G;

static void
on_signal(int sig)
{
	(void)sig;
	quit = true;
}

/* CPU seconds this thread has had (the VM and other work take the rest of the wall clock) */
static double
thread_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static inline uint64_t
now_ms(uint64_t tsc)
{
	return (tsc - G.tsc0) / G.tsc_ms;
}

/* ---- histogram: microseconds, 16 linear sub-buckets per power of two ---- */

/* ---- fifos ---- */

static void
fifo_init(struct fifo *f, uint32_t n, const char *name)
{
	n = rte_align32pow2(n);
	f->slot = rte_zmalloc(name, sizeof(*f->slot) * n, 0);
	f->id = rte_zmalloc(name, sizeof(*f->id) * n, 0);
	f->due = rte_zmalloc(name, sizeof(*f->due) * n, 0);
	if (f->slot == NULL || f->id == NULL || f->due == NULL)
		rte_exit(1, "sipgen: no memory for %u %s entries\n", n, name);
	f->mask = n - 1;
}

static inline bool
fifo_push(struct fifo *f, uint32_t slot, uint64_t id, uint64_t due)
{
	if (f->tail - f->head > f->mask)
		return false;
	f->slot[f->tail & f->mask] = slot;
	f->id[f->tail & f->mask] = id;
	f->due[f->tail & f->mask] = due;
	f->tail++;
	return true;
}

/* ---- the port ---- */

static void
tx_flush(void)
{
	uint16_t sent = 0;

	for (int i = 0; i < 4 && sent < G.nb_tx; i++)
		sent += rte_eth_tx_burst(G.port, 0, G.tx + sent, (uint16_t)(G.nb_tx - sent));
	if (sent < G.nb_tx) {
		G.tx_fail += G.nb_tx - sent;
		rte_pktmbuf_free_bulk(G.tx + sent, G.nb_tx - sent);
	}
	G.nb_tx = 0;
}

static inline void
tx_queue(struct rte_mbuf *m)
{
	if (G.nb_tx == TX_MAX)
		tx_flush();
	G.tx[G.nb_tx++] = m;
}

static void
arp_solicit(uint32_t ip, uint64_t now)
{
	struct rte_mbuf *m;

	if (now < G.arp_next)
		return;
	G.arp_next = now + G.hz / 10;
	m = rte_pktmbuf_alloc(G.mp);
	if (m == NULL) {
		G.no_mbuf++;
		return;
	}
	dpv_net_arp_request(&G.ctx, m, ip);
	tx_queue(m);
}

/* ---- the UA's owner ---- */

static void *
op_alloc(void *arg, char **buf, uint32_t *cap)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(G.mp);

	(void)arg;
	if (m == NULL) {
		G.no_mbuf++;
		return NULL;
	}
	*buf = rte_pktmbuf_mtod(m, char *);
	*cap = rte_pktmbuf_tailroom(m) - 64; /* room left for the headers in front */
	return m;
}

/* The first send appends the payload and frames it (the UA resends the same handle to the same
 * destination); each send hands the PMD a reference of its own. */
static int
op_send(void *arg, void *msg, uint32_t len, uint32_t ip, uint16_t port)
{
	struct rte_mbuf *m = msg;
	struct rte_ether_addr mac;
	uint32_t hop = dpv_net_next_hop(&G.ctx, ip);

	(void)arg;
	if (hop == 0)
		return -1;
	if (hop == G.hop_ip)
		mac = G.hop_mac;
	else if (dpv_arp_lookup(&G.arp, hop, &mac) != 0) {
		arp_solicit(hop, rte_rdtsc());
		return -1;
	}
	if (m->pkt_len == 0) {
		if (rte_pktmbuf_append(m, (uint16_t)len) == NULL ||
		    dpv_net_udp_frame(&G.ctx, m, &mac, G.ctx.sip_port, ip, port) < 0) {
			rte_pktmbuf_reset(m);
			return -1;
		}
	}
	rte_mbuf_refcnt_update(m, 1);
	tx_queue(m);
	return 0;
}

static void
op_free(void *arg, void *msg)
{
	(void)arg;
	rte_pktmbuf_free(msg);
}

static void
fail_by_code(unsigned code)
{
	G.t.failed++;
	if (code == 0 || code == 408)
		G.t.ftimeout++;
	else if (code >= 400 && code < 500)
		G.t.f4xx++;
	else if (code >= 500 && code < 600) {
		G.t.f5xx++;
		G.t.f503 += code == 503;
	} else
		G.t.fother++;
}

static void
op_state(void *arg, uint64_t id, enum sip_sess_state st)
{
	uint32_t slot = (uint32_t)(id & 0xffffff);
	uint64_t now = rte_rdtsc();
	struct call *c;

	(void)arg;
	if (G.uas || slot >= G.nb_slots)
		return;
	c = &G.calls[slot];
	switch (st) {
	case SIP_SESS_CALLING:
		*c = (struct call){.id = id, .t_inv = now, .st = C_CALLING};
		G.live++;
		G.t.attempted++;
		return;
	case SIP_SESS_CONFIRMED:
		if (c->id != id || c->st != C_CALLING)
			return;
		c->st = C_UP;
		G.t.answered++;
		{
			uint64_t us = (now - c->t_inv) * 1000000 / G.hz;

			bench_hist_add(&G.h_all, us);
			bench_hist_add(&G.h_int, us);
		}
		if (!fifo_push(&G.hold, slot, id, now + G.hold_ms * G.tsc_ms))
			G.fifo_full++; /* never hung up by us: cut by -t or ended by the peer */
		if (G.rtp_on && c->rip != 0 && c->rport != 0 && c->lport != 0) {
			c->rtp_due = now;
			G.port_slot[c->lport] = slot + 1;
			fifo_push(&G.rtp, slot, id, now);
		}
		return;
	case SIP_SESS_TERMINATED:
		if (c->id != id)
			return;
		if (c->st == C_CALLING || c->st == C_CANCEL) {
			struct sip_sess_info info;
			unsigned code =
			    sip_ua_session_info(G.ua, id, &info) == 0 ? info.last_code : 0;

			if (c->st == C_CANCEL) {
				G.t.failed++;
				G.t.funfinished++;
			} else
				fail_by_code(code);
		} else if (c->st == C_UP) {
			G.t.peer_bye++;
		} else if (c->st == C_CUT) {
			G.t.cut++;
		} else if (c->st == C_BYE) {
			if (now - c->t_bye >= 64ull * T1_MS * G.tsc_ms)
				G.t.bye_timeout++;
			else
				G.t.completed++;
		}
		if (c->lport && G.port_slot[c->lport] == slot + 1)
			G.port_slot[c->lport] = 0;
		c->st = C_FREE;
		c->id = 0;
		G.live--;
		return;
	default:
		return;
	}
}

static const struct sip_ua_ops ua_ops = {
    .msg_alloc = op_alloc,
    .msg_send = op_send,
    .msg_free = op_free,
    .session_state = op_state,
};

/* rtp_media_ops, noting each call's ports for --rtp */
static int
m_answered(void *arg, const char *sdp, uint32_t len, struct dpv_media *m)
{
	int rc = rtp_media_ops.answered(arg, sdp, len, m);
	uint32_t slot = (uint32_t)(m->session_id & 0xffffff);

	if (rc == 0 && slot < G.nb_slots && G.calls[slot].id == m->session_id) {
		G.calls[slot].rip = m->remote_ip;
		G.calls[slot].rport = m->remote_port;
		G.calls[slot].lport = m->local_port;
	}
	return rc;
}

/* Without --rtp a call's media is never used: every INVITE carries the same offer (written
 * once, as SIPp's uac sends one fixed body), no port is taken, the answer is not parsed and
 * there is no media to start or stop. */
static int
sg_offer(void *arg, char *buf, uint32_t cap, struct dpv_media *m)
{
	(void)arg;
	if ((uint32_t)G.sdp_len > cap)
		return -500;
	memcpy(buf, G.sdp, (size_t)G.sdp_len);
	m->local_port = RTP_MIN;
	return G.sdp_len;
}

static struct dpv_media_ops media_ops;

/* ---- the loop's pieces ---- */

static void
rtp_input(const struct dpv_pkt_info *info)
{
	uint32_t s = G.port_slot[info->dst_port];

	if (s == 0 || G.calls[s - 1].st == C_FREE || info->payload_len != RTP_LEN) {
		G.rtp_stray++;
		return;
	}
	G.t.rtp_rcvd++;
}

static unsigned
rx(uint64_t now)
{
	struct rte_mbuf *pk[DPV_BURST], *done[DPV_BURST];
	struct sip_ua_dgram d[DPV_BURST];
	struct dpv_pkt_info info;
	uint16_t n = rte_eth_rx_burst(G.port, 0, pk, DPV_BURST);
	unsigned nd = 0, nsip = 0;

	/* the burst's SIP goes to the UA in one sip_ua_input_burst, in order, and its mbufs
	 * are freed after it (the datagrams point into them) */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pk[i];

		switch (dpv_net_input(&G.ctx, m, &info, G.counters, now)) {
		case DPV_V_REPLY:
			tx_queue(m);
			continue;
		case DPV_V_SIP:
			G.rx_sip++;
			d[nsip++] = (struct sip_ua_dgram){
			    rte_pktmbuf_mtod_offset(m, const char *, info.payload_off),
			    info.payload_len, info.src_ip, info.src_port};
			break;
		case DPV_V_RTP:
			rtp_input(&info);
			break;
		default:
			break;
		}
		done[nd++] = m;
	}
	sip_ua_input_burst(G.ua, d, nsip);
	if (nd > 0)
		rte_pktmbuf_free_bulk(done, nd);
	return n;
}

static void
rtp_send(struct call *c, uint32_t slot)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(G.mp);
	uint8_t *p;

	(void)slot;
	if (m == NULL) {
		G.no_mbuf++;
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, RTP_LEN);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	p[0] = 0x80;
	p[1] = 0; /* PCMU */
	p[2] = (uint8_t)(c->seq >> 8);
	p[3] = (uint8_t)c->seq;
	{
		uint32_t ts = (uint32_t)c->seq * 160, ssrc = (uint32_t)c->id;

		p[4] = (uint8_t)(ts >> 24);
		p[5] = (uint8_t)(ts >> 16);
		p[6] = (uint8_t)(ts >> 8);
		p[7] = (uint8_t)ts;
		p[8] = (uint8_t)(ssrc >> 24);
		p[9] = (uint8_t)(ssrc >> 16);
		p[10] = (uint8_t)(ssrc >> 8);
		p[11] = (uint8_t)ssrc;
	}
	memset(p + 12, 0xff, RTP_LEN - 12); /* mu-law silence */
	c->seq++;
	if (dpv_net_udp_frame(&G.ctx, m, &G.hop_mac, c->lport, c->rip, c->rport) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	G.t.rtp_sent++;
	tx_queue(m);
}

static unsigned
due_work(uint64_t now, bool stopping)
{
	unsigned work = 0;

	while (G.hold.head != G.hold.tail && work < 64) {
		uint32_t i = G.hold.head & G.hold.mask, slot = G.hold.slot[i];
		struct call *c = &G.calls[slot];

		if (G.hold.due[i] > now && !stopping)
			break;
		G.hold.head++;
		if (c->id != G.hold.id[i] || c->st != C_UP)
			continue;
		c->st = C_BYE;
		c->t_bye = now;
		sip_ua_hangup(G.ua, c->id);
		work++;
	}
	while (G.rtp.head != G.rtp.tail && work < 128) {
		uint32_t i = G.rtp.head & G.rtp.mask, slot = G.rtp.slot[i];
		struct call *c = &G.calls[slot];

		if (G.rtp.due[i] > now)
			break;
		G.rtp.head++;
		if (c->id != G.rtp.id[i] || c->st != C_UP)
			continue;
		rtp_send(c, slot);
		fifo_push(&G.rtp, slot, c->id, G.rtp.due[i] + G.hz / 50);
		work++;
	}
	return work;
}

/* Calls due by @a el seconds into the run: a linear ramp from 0 to -r over --ramp, then -r. */
static uint64_t
calls_due(double el)
{
	double r = G.rate, T = G.ramp_s;

	if (T > 0 && el < T)
		return (uint64_t)(r * el * el / (2 * T));
	return (uint64_t)(r * (T / 2 + (el - T)));
}

static void
hangup_all(void)
{
	for (uint32_t s = 0; s < G.nb_slots; s++) {
		struct call *c = &G.calls[s];

		if (c->st == C_UP) {
			c->st = C_CUT;
			c->t_bye = rte_rdtsc();
			sip_ua_hangup(G.ua, c->id);
		} else if (c->st == C_CALLING) {
			c->st = C_CANCEL;
			sip_ua_hangup(G.ua, c->id);
		}
		tx_flush();
	}
}

static void
fmt_line(char *buf, size_t cap, double el, const struct totals *t, double cps,
         const struct bench_hist *h)
{
	snprintf(buf, cap,
	         "%.1f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
	         ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.0f,%u,%" PRIu64 ",%" PRIu64
	         ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.1f",
	         el, t->attempted, t->answered, t->completed, t->failed, t->f4xx, t->f5xx, t->f503,
	         t->ftimeout, t->fother + t->funfinished, t->retrans, cps, G.live,
	         bench_hist_pct(h, 50), bench_hist_pct(h, 99), bench_hist_pct(h, 99.9), t->rtp_sent,
	         t->rtp_rcvd, G.loop_tsc ? 100.0 * (double)G.busy_tsc / (double)G.loop_tsc : 0);
}

#define CSV_HEAD                                                                                   \
	"elapsed_s,attempted,answered,completed,failed,failed_4xx,failed_5xx,failed_503,"          \
	"failed_timeout,failed_other,retrans,cps,concurrent,p50_us,p99_us,p999_us,rtp_sent,"       \
	"rtp_received,gen_busy_pct"

static void __attribute__((noreturn)) usage(const char *why)
{
	if (why)
		fprintf(stderr, "sipgen: %s\n", why);
	fprintf(stderr,
	        "usage: sipgen EAL... -- [TARGET-URI] --addr A.B.C.D/LEN [options]\n"
	        "  TARGET-URI     sip:user@A.B.C.D[:port] (UAC: required)\n"
	        "  --addr A/LEN   own address and prefix      --gw A  next hop (default: on-link)\n"
	        "  --port P       own SIP port (5060)\n"
	        "  -r CPS         calls/s (10)   --ramp S  linear ramp 0..CPS over S seconds\n"
	        "  -m N           total calls (0: unbounded)   -l N  concurrent calls (1000)\n"
	        "  -d MS          hold time (0: BYE right after the ACK)\n"
	        "  -t S           bound on the run; then live calls are torn down within %d ms\n"
	        "  --uas          answer every INVITE (200 with SDP), answer BYEs\n"
	        "  --rtp          per answered call 50 pps of 172-byte G.711 RTP, count the echo\n"
	        "  --csv FILE     one row per second\n"
	        "exit: 0 every call completed, 1 otherwise, 2 bad options\n",
	        DRAIN_MS);
	exit(2);
}

static double
num_arg(const char *s, double lo, double hi, const char *what)
{
	char *end;
	double v = strtod(s, &end);
	static char msg[128];

	if (end == s || *end != '\0' || v < lo || v > hi) {
		snprintf(msg, sizeof(msg), "bad %s '%s' (%g..%g)", what, s, lo, hi);
		usage(msg);
	}
	return v;
}

static bool
parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*ip = ntohl(a.s_addr);
	return true;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"addr", required_argument, NULL, 'A'},
	    {"gw", required_argument, NULL, 'G'},
	    {"port", required_argument, NULL, 'P'},
	    {"ramp", required_argument, NULL, 'R'},
	    {"uas", no_argument, NULL, 'U'},
	    {"rtp", no_argument, NULL, 'M'},
	    {"csv", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct sip_dialplan_rule rules[] = {{".*", DPV_CALL_ECHO, 0, NULL}};
	struct sip_ua_cfg cfg = {0};
	uint32_t addr = 0, plen = 0, gw = 0, sport = 5060;
	const char *csv_path = NULL;
	FILE *csv = NULL;
	char err[256], line[512];
	int n, opt;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "sipgen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	argc -= n;
	argv += n;
	G.rate = 10;
	G.limit = 1000;
	while ((opt = getopt_long(argc, argv, "r:m:l:d:t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'A': {
			char tmp[32], *sl;

			snprintf(tmp, sizeof(tmp), "%s", optarg);
			sl = strchr(tmp, '/');
			if (sl == NULL)
				usage("--addr wants A.B.C.D/LEN");
			*sl = '\0';
			if (!parse_ip(tmp, &addr))
				usage("bad --addr");
			plen = (uint32_t)num_arg(sl + 1, 1, 32, "prefix length");
			break;
		}
		case 'G':
			if (!parse_ip(optarg, &gw))
				usage("bad --gw");
			break;
		case 'P':
			sport = (uint32_t)num_arg(optarg, 1, 65535, "--port");
			break;
		case 'R':
			G.ramp_s = num_arg(optarg, 0, 3600, "--ramp");
			break;
		case 'U':
			G.uas = true;
			break;
		case 'M':
			G.rtp_on = true;
			break;
		case 'C':
			csv_path = optarg;
			break;
		case 'r':
			G.rate = num_arg(optarg, 0.001, 10e6, "-r");
			break;
		case 'm':
			G.max_calls = (uint64_t)num_arg(optarg, 0, 1e12, "-m");
			break;
		case 'l':
			G.limit = (uint64_t)num_arg(optarg, 1, 4e6, "-l");
			break;
		case 'd':
			G.hold_ms = (uint64_t)num_arg(optarg, 0, 3600e3, "-d");
			break;
		case 't':
			G.run_s = num_arg(optarg, 0.001, 86400, "-t");
			break;
		case 'h':
			usage(NULL);
		default:
			usage("unknown option");
		}
	}
	if (optind < argc)
		G.uri = argv[optind++];
	if (optind < argc)
		usage("more than one target");
	if (addr == 0)
		usage("--addr is required");
	if (!G.uas && G.uri == NULL)
		usage("a target URI is required (UAC)");
	if (G.uri) {
		char host[64];
		const char *at = strchr(G.uri, '@'), *h = at ? at + 1 : G.uri + 4;
		size_t l = strcspn(h, ":;>");

		if (strncmp(G.uri, "sip:", 4) != 0 || l == 0 || l >= sizeof(host))
			usage("bad target URI");
		memcpy(host, h, l);
		host[l] = '\0';
		if (!parse_ip(host, &G.target_ip))
			usage("the target URI's host must be an IPv4 address");
	}
	if (rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, "sipgen: no DPDK port (give a --vdev)\n");
		return 2;
	}
	if (csv_path && (csv = fopen(csv_path, "w")) == NULL) {
		fprintf(stderr, "sipgen: cannot write %s\n", csv_path);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	G.hz = rte_get_tsc_hz();
	G.tsc_ms = G.hz / 1000;
	G.tsc0 = rte_rdtsc();

	/*
	 * Pools: a finished call's INVITE transaction lives 64*T1 (Timer M, RFC 6026) and holds
	 * its session that long; so the UA holds about rate * 64*T1 calls beyond the live ones,
	 * bounded by -m and by what -t lets start.
	 */
	{
		double life_s = 64.0 * T1_MS / 1000 + 6, want = G.rate * life_s;
		double total = G.max_calls ? (double)G.max_calls : 1e12;

		if (G.run_s > 0 && G.rate * (G.run_s + 1) < total)
			total = G.rate * (G.run_s + 1);
		if (want > total)
			want = total;
		want += (double)G.limit + 1024;
		if (G.uas)
			want = (double)G.limit + G.rate * life_s + 1024;
		if (want > SIP_UA_MAX_DIALOGS - 1)
			want = SIP_UA_MAX_DIALOGS - 1;
		cfg.max_dialogs = (uint32_t)want;
		cfg.max_transactions = 2 * cfg.max_dialogs + 1024;
	}
	G.nb_slots = cfg.max_dialogs;
	G.mp = rte_pktmbuf_pool_create("sipgen", 2 * cfg.max_dialogs + 16384, 256,
	                               RTE_ALIGN(sizeof(struct dpv_mbuf_priv), RTE_MBUF_PRIV_ALIGN),
	                               RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	G.calls = rte_zmalloc("sipgen_calls", sizeof(*G.calls) * G.nb_slots, RTE_CACHE_LINE_SIZE);
	G.port_slot = rte_zmalloc("sipgen_ports", sizeof(*G.port_slot) * 65536, 0);
	if (G.mp == NULL || G.calls == NULL || G.port_slot == NULL) {
		fprintf(stderr, "sipgen: no memory for %u calls (%s): raise the EAL's -m\n",
		        G.nb_slots, rte_strerror(rte_errno));
		return 1;
	}
	fifo_init(&G.hold, G.nb_slots, "sipgen_hold");
	fifo_init(&G.rtp, G.nb_slots, "sipgen_rtp");
	{
		struct rte_eth_conf conf;
		uint16_t rxd = DESC, txd = DESC;

		memset(&conf, 0, sizeof(conf));
		if (rte_eth_dev_configure(G.port, 1, 1, &conf) < 0 ||
		    rte_eth_dev_adjust_nb_rx_tx_desc(G.port, &rxd, &txd) < 0 ||
		    rte_eth_rx_queue_setup(G.port, 0, rxd, rte_socket_id(), NULL, G.mp) < 0 ||
		    rte_eth_tx_queue_setup(G.port, 0, txd, rte_socket_id(), NULL) < 0 ||
		    rte_eth_dev_start(G.port) < 0) {
			fprintf(stderr, "sipgen: port %u set-up failed\n", G.port);
			return 1;
		}
	}
	G.ctx = (struct dpv_net_ctx){
	    .port_id = G.port,
	    .addr = addr,
	    .netmask = plen == 32 ? 0xffffffffu : ~(0xffffffffu >> plen),
	    .gateway = gw,
	    .sip_port = (uint16_t)sport,
	    .rtp_min = RTP_MIN,
	    .rtp_max = RTP_MAX,
	    .arp = &G.arp,
	};
	rte_eth_macaddr_get(G.port, &G.ctx.mac);

	G.media =
	    rtp_media_create(&(struct rtp_media_cfg){.port_min = RTP_MIN, .port_max = RTP_MAX});
	G.dp = sip_dialplan_create(rules, 1, err, sizeof(err), NULL);
	if (G.media == NULL || G.dp == NULL) {
		fprintf(stderr, "sipgen: media/dialplan set-up failed: %s\n", err);
		return 1;
	}
	media_ops = rtp_media_ops;
	media_ops.answered = m_answered;
	if (!G.uas && !G.rtp_on) {
		G.sdp_len = rtp_sdp_write_offer(G.sdp, sizeof(G.sdp), addr, RTP_MIN, 1, 1);
		if (G.sdp_len <= 0) {
			fprintf(stderr, "sipgen: cannot write the SDP offer\n");
			return 1;
		}
		media_ops.offer = sg_offer;
		media_ops.answered = NULL;
		media_ops.update = NULL;
		media_ops.stop = NULL;
	}
	rcu_register_thread();
	if (dpv_timer_wheel_init(&G.wheel, WHEEL_SLOTS, 1, 0) < 0)
		return 1;
	cfg.index = 0;
	cfg.nb_uas = 1;
	cfg.local_ip = addr;
	cfg.local_port = (uint16_t)sport;
	cfg.t1_ms = T1_MS;
	cfg.t2_ms = T2_MS;
	cfg.t4_ms = T4_MS;
	cfg.dialplan = G.dp;
	cfg.wheel = &G.wheel;
	cfg.ops = &ua_ops;
	cfg.media = &media_ops;
	cfg.media_arg = G.media;
	G.ua = sip_ua_create(&cfg);
	if (G.ua == NULL) {
		fprintf(stderr, "sipgen: sip_ua_create failed (%u dialogs)\n", cfg.max_dialogs);
		return 1;
	}
	{
		uint64_t t = rte_rdtsc();
		size_t b = dpv_prefault(); /* no call takes a page fault */

		printf("sipgen: %zu MiB paged in before the run in %.2f s\n", b >> 20,
		       (double)(rte_rdtsc() - t) / (double)G.hz);
	}
	printf("sipgen: %s, %s:%u, dialogs %u, transactions %u, mbufs %u\n", G.uas ? "UAS" : G.uri,
	       inet_ntop(AF_INET, &(struct in_addr){htonl(addr)}, err, 32), sport, cfg.max_dialogs,
	       cfg.max_transactions, G.mp->size);

	{
		/* a memif link's rings are mapped once the peer connects: page them in then */
		uint64_t end = rte_rdtsc() + G.hz * 5;
		struct rte_eth_link l = {0};

		while (rte_eth_link_get_nowait(G.port, &l) == 0 &&
		       l.link_status != RTE_ETH_LINK_UP && rte_rdtsc() < end && !quit)
			rte_delay_us_sleep(10 * 1000); /* sleeping: the peer may share this CPU */
		if (l.link_status == RTE_ETH_LINK_UP) {
			uint64_t t = rte_rdtsc();
			size_t b = dpv_prefault_shared();

			printf("sipgen: link up, %zu MiB of shared rings paged in in %.3f s\n",
			       b >> 20, (double)(rte_rdtsc() - t) / (double)G.hz);
		} else {
			printf("sipgen: link not up: no shared rings paged in\n");
		}
	}

	/* ARP: the next hop to the target, every 100 ms, bounded */
	if (!G.uas) {
		uint64_t end;
		int tries = 0;

		G.hop_ip = dpv_net_next_hop(&G.ctx, G.target_ip);
		if (G.hop_ip == 0) {
			fprintf(stderr, "sipgen: the target is off-link and no --gw was given\n");
			return 2;
		}
		end = rte_rdtsc() + G.hz / 10 * ARP_TRIES;
		while (dpv_arp_lookup(&G.arp, G.hop_ip, &G.hop_mac) != 0) {
			uint64_t now = rte_rdtsc();

			if (now >= end || quit) {
				fprintf(stderr, "sipgen: no ARP reply after %d requests\n", tries);
				printf("RESULT attempted=0 answered=0 failed=0 error=arp\n");
				return 1;
			}
			if (now >= G.arp_next)
				tries++;
			arp_solicit(G.hop_ip, now);
			rx(now);
			tx_flush();
			sip_ua_tick(G.ua, now_ms(now));
			rcu_quiescent_state();
		}
	}

	if (csv)
		fprintf(csv, "%s\n", CSV_HEAD);
	printf("# %s\n", CSV_HEAD);
	const struct sip_tx_stats *ts = sip_ua_tx_stats(G.ua);
	uint64_t retrans0 = ts->retrans_sent;
	uint64_t t_start = rte_rdtsc(), t_last = t_start, att_last = 0, t_stop = 0, placed = 0;
	uint64_t t_end = G.run_s > 0 ? t_start + (uint64_t)(G.run_s * (double)G.hz) : UINT64_MAX;
	uint64_t t_place_end = t_start;
	double cpu0 = thread_cpu_s();
	bool stopping = false;

	for (;;) {
		uint64_t now = rte_rdtsc(), t0 = now;
		unsigned work = 0, k;

		for (k = 0; k < 8; k++) {
			unsigned got = rx(now);

			work += got;
			if (got < DPV_BURST)
				break;
		}
		if (!G.uas && !stopping) {
			uint64_t due = calls_due((double)(now - t_start) / (double)G.hz);

			if (G.max_calls && due > G.max_calls)
				due = G.max_calls;
			for (k = 0; placed < due && G.live < G.limit && k < 64; k++) {
				uint64_t id;
				int rc = sip_ua_originate(G.ua, G.uri, NULL, &id);

				if (rc == -ENOSPC) {
					G.orig_busy++;
					break;
				}
				if (rc != 0) {
					G.orig_err++;
					usage("the UA refuses the target URI");
				}
				placed++;
				work++;
			}
			if (G.max_calls && placed == G.max_calls && t_place_end == t_start)
				t_place_end = now;
		}
		work += due_work(now, false);
		work += sip_ua_tick(G.ua, now_ms(now));
		rcu_quiescent_state();
		if (G.nb_tx)
			tx_flush();
		now = rte_rdtsc();
		G.loop_tsc += now - t0;
		if (work)
			G.busy_tsc += now - t0;

		if (now - t_last >= G.hz || (stopping && now >= t_stop)) {
			double el = (double)(now - t_start) / (double)G.hz;
			double cps;

			G.t.retrans = ts->retrans_sent - retrans0;
			if (G.uas) {
				const uint64_t *u = sip_ua_counters(G.ua);

				G.t.attempted = u[SIP_UA_C_calls_in];
				G.t.answered = u[SIP_UA_C_calls_answered];
				G.t.completed = u[SIP_UA_C_calls_ended];
				G.live = (uint32_t)u[SIP_UA_C_sessions_active];
			}
			cps = (double)(G.t.attempted - att_last) * (double)G.hz /
			      (double)(now - t_last);
			fmt_line(line, sizeof(line), el, &G.t, cps, &G.h_int);
			printf("%s\n", line);
			fflush(stdout);
			if (csv)
				fprintf(csv, "%s\n", line);
			memset(&G.h_int, 0, sizeof(G.h_int));
			att_last = G.t.attempted;
			t_last = now;
		}
		if (!stopping) {
			bool done = !G.uas && G.max_calls && placed == G.max_calls && G.live == 0;

			if (done)
				break;
			if (quit || now >= t_end) {
				stopping = true;
				if (t_place_end == t_start)
					t_place_end = now;
				hangup_all();
				t_stop = rte_rdtsc() + DRAIN_MS * G.tsc_ms;
			}
		} else if (G.live == 0 || rte_rdtsc() >= t_stop) {
			break;
		}
	}
	if (t_place_end == t_start)
		t_place_end = rte_rdtsc();
	double cpu_s = thread_cpu_s() - cpu0;

	/* what is left after the drain never finished */
	for (uint32_t s = 0; !G.uas && s < G.nb_slots; s++) {
		if (G.calls[s].st == C_CALLING || G.calls[s].st == C_CANCEL) {
			G.t.failed++;
			G.t.funfinished++;
		} else if (G.calls[s].st != C_FREE) {
			G.t.cut++;
		}
	}
	G.t.retrans = ts->retrans_sent - retrans0;

	const uint64_t *uc = sip_ua_counters(G.ua);
	double place_s = (double)(t_place_end - t_start) / (double)G.hz;
	double rate = place_s > 0 ? (double)G.t.attempted / place_s : 0;
	double busy = G.loop_tsc ? 100.0 * (double)G.busy_tsc / (double)G.loop_tsc : 0;
	/* the loop's wall time that the thread had a CPU for; the busy passes' share of it per
	 * call: what a call costs the generator, whatever the VM took away */
	double loop_s = (double)G.loop_tsc / (double)G.hz;
	double on_cpu = loop_s > 0 && cpu_s > 0 ? (cpu_s < loop_s ? cpu_s / loop_s : 1) : 1;
	double us_call =
	    G.t.attempted ? (double)G.busy_tsc / (double)G.hz * on_cpu * 1e6 / (double)G.t.attempted
	                  : 0;
	uint64_t lost = G.t.rtp_sent > G.t.rtp_rcvd ? G.t.rtp_sent - G.t.rtp_rcvd : 0;
	struct sip_ua_occupancy oc;
	double state_call;
	int rc;

	/* what this UA's finished calls still hold (records for 64*T1; the run is shorter) */
	sip_ua_occupancy(G.ua, &oc);
	state_call = G.t.completed ? (double)oc.tx_records * (double)sip_tx_record_size() /
	                                 (double)G.t.completed
	                           : 0;

	if (G.uas) {
		G.t.attempted = uc[SIP_UA_C_calls_in];
		G.t.answered = uc[SIP_UA_C_calls_answered];
		G.t.completed = uc[SIP_UA_C_calls_ended];
	}
	printf("---- summary (%s)\n", G.uas ? "UAS" : G.uri);
	printf("  calls: attempted %" PRIu64 ", answered %" PRIu64 ", completed %" PRIu64
	       ", failed %" PRIu64 " (4xx %" PRIu64 ", 5xx %" PRIu64 " of which 503 %" PRIu64
	       ", timeout %" PRIu64 ", other %" PRIu64 ", unfinished %" PRIu64 ")\n",
	       G.t.attempted, G.t.answered, G.t.completed, G.t.failed, G.t.f4xx, G.t.f5xx, G.t.f503,
	       G.t.ftimeout, G.t.fother, G.t.funfinished);
	printf("  answered, not completed: %" PRIu64 " (peer BYE %" PRIu64
	       ", BYE unanswered %" PRIu64 ", cut by -t %" PRIu64 ")\n",
	       G.t.peer_bye + G.t.bye_timeout + G.t.cut, G.t.peer_bye, G.t.bye_timeout, G.t.cut);
	printf("  rate %.1f calls/s over %.2f s; retransmissions %" PRIu64
	       "; response time (INVITE -> 200) p50 %" PRIu64 " us, p99 %" PRIu64
	       " us, p99.9 %" PRIu64 " us\n",
	       rate, place_s, G.t.retrans, bench_hist_pct(&G.h_all, 50),
	       bench_hist_pct(&G.h_all, 99), bench_hist_pct(&G.h_all, 99.9));
	printf("  rtp: sent %" PRIu64 ", received %" PRIu64 ", lost %" PRIu64 ", stray %" PRIu64
	       "\n",
	       G.t.rtp_sent, G.t.rtp_rcvd, lost, G.rtp_stray);
	printf("  generator: on a CPU %.1f%% of the loop's time, busy %.1f us per call; busy %.1f%%"
	       " of its lcore; tx refused %" PRIu64 ", no mbuf %" PRIu64 ", UA pools full %" PRIu64
	       ", UA rx_dropped %" PRIu64 ", parse errors %" PRIu64 ", hold queue full %" PRIu64
	       "\n",
	       100 * on_cpu, us_call, busy, G.tx_fail, G.no_mbuf, G.orig_busy,
	       uc[SIP_UA_C_rx_dropped], uc[SIP_UA_C_rx_parse_errors], G.fifo_full);
	printf("  state its finished calls hold: %u compact records of %zu bytes, %.0f bytes per "
	       "completed call; %u live transactions, %u sessions held\n",
	       oc.tx_records, sip_tx_record_size(), state_call, oc.tx_live, oc.sess_held);
	printf(
	    "RESULT mode=%s attempted=%" PRIu64 " answered=%" PRIu64 " completed=%" PRIu64
	    " failed=%" PRIu64 " failed_4xx=%" PRIu64 " failed_5xx=%" PRIu64 " failed_503=%" PRIu64
	    " failed_timeout=%" PRIu64 " failed_other=%" PRIu64 " failed_unfinished=%" PRIu64
	    " retrans=%" PRIu64 " rate=%.1f p50_us=%" PRIu64 " p99_us=%" PRIu64 " p999_us=%" PRIu64
	    " rtp_sent=%" PRIu64 " rtp_received=%" PRIu64 " rtp_lost=%" PRIu64
	    " gen_cpu_pct=%.1f gen_oncpu_pct=%.1f gen_us_call=%.2f not_completed=%" PRIu64
	    " peer_bye=%" PRIu64 " bye_timeout=%" PRIu64 " cut=%" PRIu64 " state_bytes_call=%.0f\n",
	    G.uas ? "uas" : "uac", G.t.attempted, G.t.answered, G.t.completed, G.t.failed, G.t.f4xx,
	    G.t.f5xx, G.t.f503, G.t.ftimeout, G.t.fother, G.t.funfinished, G.t.retrans, rate,
	    bench_hist_pct(&G.h_all, 50), bench_hist_pct(&G.h_all, 99),
	    bench_hist_pct(&G.h_all, 99.9), G.t.rtp_sent, G.t.rtp_rcvd, lost, busy, 100 * on_cpu,
	    us_call, G.t.peer_bye + G.t.bye_timeout + G.t.cut, G.t.peer_bye, G.t.bye_timeout,
	    G.t.cut, state_call);
	fflush(stdout);
	if (csv)
		fclose(csv);
	rc = G.t.attempted > 0 && G.t.failed == 0 && G.t.attempted == G.t.answered &&
	             G.t.answered == G.t.completed
	         ? 0
	         : 1;
	/* let the peer stop polling before the memif regions go away */
	rte_delay_us_sleep(200000);
	rte_eth_dev_stop(G.port);
	rte_eth_dev_close(G.port);
	return rc;
}
