/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The media relay path alone (engine/media.c, media_rtp_input): flow lookup, source check and
 * latch, RTP header check, stream statistics, budget, bridge fan-out with each copy's headers
 * rewritten, and the copies queued in the worker's tx buffer. No PMD is in the figure: the
 * engine's port is a ring PMD port that is never transmitted on, because the tx buffer is made
 * larger than one timed batch can fill and is emptied (its mbufs freed in bulk) outside the
 * timed region; the input frames are built into fresh mbufs outside it too.
 *
 * Flows and bridges are published the way the signaling lcore does (rtp_flow_publish,
 * bridge_create, bridge_member_add), without SIP. Cases: a 2-party call (a 2-member bridge:
 * the received mbuf is rewritten in place), 3-, 10- and 32-member PCMU bridges, and a 3- and
 * 10-member bridge mixing PCMU and PCMA members (each copy to the other law converted, its UDP
 * checksum computed over the new payload), and "relay": the two legs of an NG call (RELAY
 * flows naming each other's port, no bridge). Members send in turn, 214-byte frames (12-byte RTP
 * header, 160 bytes of G.711), DPV_BURST per call of media_rtp_input, or fewer so that one call
 * makes at most --out-max (256) copies: a PMD frees what it sent every burst, and a harness
 * that freed more at once than the media pool's per-lcore cache holds (256) would push the
 * copies through the pool's FIFO ring and make every new copy a cache miss, which the engine
 * on a real PMD does not see (--burst 32 on a 32-member bridge shows it).
 *
 *   build/tests/engine/bench_relay [--packets N] [--warmup N] [--reps N] [--cases
 * 2,3,10,32,mix3,mix10,relay]
 *                                  [--burst N] [--out-max N] [--check]
 *
 * EAL options go before "--" (defaults: --no-huge -m 512 --no-pci on lcore 0). Per case: N
 * packets in per repetition after the warm-up, the median of the repetitions' cycles printed.
 * --check: exit 1 unless every case sent exactly in x (members - 1) packets out and dropped
 * none (the test suite's smoke run; no timing is checked).
 *
 * The budget ([rtp] flood-pps) runs at 1,000,000 per port, with the clock handed to
 * media_rtp_input advanced by one budget period per packet per batch (a simulated clock: the
 * real rate here is far above any port's budget, and a real clock would make it drop).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "bridge.h"
#include "engine_int.h"
#include "lcore_int.h"
#include "media_int.h"
#include "rtp.h"

#define ENG_IP      0xC6120001u /* 198.18.0.1 */
#define PEER_IP0    0xC6120100u /* 198.18.1.0 + member */
#define PORT_MIN    20000
#define PORT_MAX    29999
#define PEER_PORT   40000
#define MAX_MEMBERS 32
#define MAX_CASES   8
#define MAX_REPS    31
#define PAYLOAD     172 /* RTP header + 160 G.711 bytes */
#define FRAME_LEN   (RTE_ETHER_HDR_LEN + 20 + 8 + PAYLOAD)
#define FLOOD_PPS   1000000
#define TXB_SIZE    2048 /* > DPV_BURST x (MAX_MEMBERS - 1): a timed batch never flushes */
#define TE_PT       101

struct member {
	uint16_t local_port;
	uint32_t peer_ip;
	uint8_t pt;
	uint8_t frame[FRAME_LEN]; /* what the member sends (seq, ts rewritten per packet) */
	uint16_t seq;
	uint32_t ts;
};

struct bcase {
	char name[16];
	unsigned n;
	unsigned burst; /* packets in per call of media_rtp_input */
	bool mixed;
	bool relay; /* an NG call's two legs, not a bridge */
	struct member m[MAX_MEMBERS];
	/* results */
	double cyc_in[MAX_REPS];  /* median of the batches, per repetition */
	double mean_in[MAX_REPS]; /* mean, preempted batches included */
	uint64_t in, out, dropped;
};

static struct dpv_engine eng;
static struct rte_mempool *rx_pool;
static struct rte_ring *tx_ring;
static struct rtp_flow_writer *fw;
static struct bridge_writer *bw;
static uint16_t next_port = PORT_MIN;
static uint64_t session_seq = 1;
static unsigned burst_arg, out_max = 256; /* --burst, --out-max */
static const struct rte_ether_addr peer_mac = {{0x02, 0, 0, 0, 1, 0}};

static void
die(const char *what)
{
	fprintf(stderr, "bench_relay: %s\n", what);
	exit(2);
}

/* The engine: one port on a ring PMD, one worker with the media role, the media plane's
 * tables made as dpv_sig_init makes them. */
static void
engine_setup(void)
{
	struct dpv_engine *e = &eng;
	struct dpv_worker *w = &e->workers[0];
	struct dpv_port *p = &e->ports[0];
	struct rte_ring *rx;
	struct rte_eth_conf conf;
	int id;

	memset(e, 0, sizeof(*e));
	dpv_config_defaults(&e->cfg);
	snprintf(e->cfg.path, sizeof(e->cfg.path), "bench_relay");
	e->cfg.rtp.port_min = PORT_MIN;
	e->cfg.rtp.port_max = PORT_MAX;
	e->cfg.rtp.flood_pps = FLOOD_PPS;
	e->cfg.rtp.flood_burst = 64;
	e->cfg.rtp.media_mbufs = 16384;
	e->start_tsc = rte_rdtsc();

	rx_pool = rte_pktmbuf_pool_create("bench_rx", 4095, 256, DPV_MBUF_PRIV,
	                                  RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	rx = rte_ring_create("bench_rxr", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	tx_ring = rte_ring_create("bench_txr", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rx_pool == NULL || rx == NULL || tx_ring == NULL)
		die("cannot allocate the port's pool and rings");
	id = rte_eth_from_rings("bench0", &rx, 1, &tx_ring, 1, 0);
	memset(&conf, 0, sizeof(conf));
	if (id < 0 || rte_eth_dev_configure((uint16_t)id, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup((uint16_t)id, 0, 512, 0, NULL, rx_pool) != 0 ||
	    rte_eth_tx_queue_setup((uint16_t)id, 0, 512, 0, NULL) != 0 ||
	    rte_eth_dev_start((uint16_t)id) != 0)
		die("cannot start the ring PMD port");
	p->port_id = (uint16_t)id;
	p->pool = rx_pool;
	p->mtu = RTE_ETHER_MTU;
	p->net = (struct dpv_net_ctx){
	    .port_id = (uint16_t)id,
	    .addr = ENG_IP,
	    .netmask = 0xffff0000,
	    .sip_port = 5060,
	    .rtp_min = PORT_MIN,
	    .rtp_max = PORT_MAX,
	    .arp = &p->arp,
	};
	rte_eth_macaddr_get((uint16_t)id, &p->net.mac);
	e->nb_ports = 1;

	e->nb_workers = 1;
	w->eng = e;
	w->lcore_id = 0;
	w->roles = DPV_ROLE_MEDIA;
	w->sig_index = -1;
	w->media_index = 0;
	w->txb[p->port_id] = rte_zmalloc(NULL, RTE_ETH_TX_BUFFER_SIZE(TXB_SIZE), 0);
	if (w->txb[p->port_id] == NULL)
		die("cannot allocate the tx buffer");
	rte_eth_tx_buffer_init(w->txb[p->port_id], TXB_SIZE);
	e->media_workers[e->nb_media++] = w;

	e->flows = rtp_flow_table_create(PORT_MIN, PORT_MAX, 1, 64);
	e->bridges =
	    bridge_table_create(&(struct bridge_table_cfg){.max_bridges = 64, .nb_owners = 1});
	if (e->flows == NULL || e->bridges == NULL)
		die("cannot allocate the flow and bridge tables");
	fw = rtp_flow_writer_create(e->flows, 256);
	bw = bridge_writer_create(e->bridges, 0);
	if (fw == NULL || bw == NULL)
		die("cannot allocate the writers");
	if (dpv_media_init(e, stderr) != 0)
		die("dpv_media_init failed");
}

/* Member @a i's frame: Ethernet/IPv4/UDP from its address to the engine's port, built by the
 * engine's own dpv_net_udp_frame (checksums right), RTP with its SSRC and payload type. */
static void
member_frame(struct member *mb, unsigned i)
{
	struct dpv_net_ctx peer = {.addr = mb->peer_ip, .mac = peer_mac};
	struct rte_mbuf *m = rte_pktmbuf_alloc(rx_pool);
	uint32_t ssrc = 0x5500 + i;
	uint8_t *rtp;

	if (m == NULL || (rtp = (uint8_t *)rte_pktmbuf_append(m, PAYLOAD)) == NULL)
		die("input pool empty");
	peer.mac.addr_bytes[5] = (uint8_t)i;
	memset(rtp, 0, 12);
	rtp[0] = 0x80;
	rtp[1] = mb->pt;
	rtp[8] = (uint8_t)(ssrc >> 24);
	rtp[9] = (uint8_t)(ssrc >> 16);
	rtp[10] = (uint8_t)(ssrc >> 8);
	rtp[11] = (uint8_t)ssrc;
	memset(rtp + 12, mb->pt == RTP_PT_PCMA ? 0xd5 : 0xff, PAYLOAD - 12); /* G.711 silence */
	if (dpv_net_udp_frame(&peer, m, &eng.ports[0].net.mac, (uint16_t)(PEER_PORT + 2 * i),
	                      ENG_IP, mb->local_port) != 0 ||
	    m->data_len != FRAME_LEN)
		die("cannot build a member's frame");
	memcpy(mb->frame, rte_pktmbuf_mtod(m, const uint8_t *), FRAME_LEN);
	rte_pktmbuf_free(m);
}

/* A bridge of @a n members (every other one PCMA when @a mixed), each with its flow. */
static void
case_setup(struct bcase *c, unsigned n, bool mixed, bool relay)
{
	struct bridge *b = NULL;
	uint64_t call_id = session_seq;
	int rc;

	c->n = n;
	c->mixed = mixed;
	c->relay = relay;
	/* at most out_max copies per call: what a PMD's tx completion would free between calls */
	c->burst =
	    burst_arg ? burst_arg : RTE_MAX(1u, RTE_MIN((unsigned)DPV_BURST, out_max / (n - 1)));
	snprintf(c->name, sizeof(c->name), "%s%u",
	         relay    ? "relay"
	         : mixed  ? "mix"
	         : n == 2 ? "call"
	                  : "bridge",
	         n);
	rc = relay ? 0 : bridge_create(bw, c->name, true, 0, &b);
	if (rc != 0)
		die("bridge_create failed");
	for (unsigned i = 0; i < n; i++) {
		struct member *mb = &c->m[i];
		struct rtp_flow f = {0};
		struct bridge_member bm;

		mb->local_port = next_port;
		next_port = (uint16_t)(next_port + 2);
		mb->peer_ip = PEER_IP0 + i;
		mb->pt = mixed && (i & 1) ? RTP_PT_PCMA : RTP_PT_PCMU;
		f.session_id = session_seq++;
		f.action = DPV_CALL_BRIDGE;
		f.bridge_id = b ? b->id : BRIDGE_NONE;
		f.bridge_gen = b ? b->gen : 0;
		f.local_ip = ENG_IP;
		f.local_port = mb->local_port;
		f.peer_ip = mb->peer_ip;
		f.peer_port = (uint16_t)(PEER_PORT + 2 * i);
		f.peer_rtcp_port = (uint16_t)(f.peer_port + 1);
		f.send = f.recv = true;
		f.latch = RTP_LATCH_STRICT;
		f.pt = f.codec = mb->pt;
		f.te_pt = TE_PT;
		if (relay) { /* both legs one call; each names the other's port */
			f.action = DPV_CALL_RELAY;
			f.session_id = call_id;
			f.bridge_id = BRIDGE_NONE;
			f.relay_port = (uint16_t)(i == 0 ? mb->local_port + 2 : mb->local_port - 2);
		}
		if (rtp_flow_publish(fw, &f) != 0)
			die("rtp_flow_publish failed");
		dpv_arp_learn(&eng.ports[0].arp, mb->peer_ip, &peer_mac, rte_rdtsc());
		member_frame(mb, i);
		if (relay)
			continue;
		bm = (struct bridge_member){.session_id = f.session_id, .port = mb->local_port};
		for (unsigned k = 0; (rc = bridge_member_add(bw, b, &bm)) == -ENOMEM && k < 1000;
		     k++) {
			rcu_quiescent_state();
			synchronize_rcu();
			bridge_writer_reclaim(bw);
		}
		if (rc < 0)
			die(rc == -ENOMEM ? "bridge_member_add: no member array free"
			                  : "bridge_member_add failed");
	}
	rcu_quiescent_state();
}

/* What the relay sent since the last drain: freed in bulk, counted. */
static uint64_t
drain(void)
{
	struct dpv_worker *w = &eng.workers[0];
	struct rte_eth_dev_tx_buffer *txb = w->txb[eng.ports[0].port_id];
	struct rte_mbuf *m[256];
	uint64_t n = txb->length;
	unsigned k;

	rte_pktmbuf_free_bulk(txb->pkts, txb->length);
	txb->length = 0;
	/* a flush to the ring PMD would be a bug of this harness (TXB_SIZE); count it anyway */
	while ((k = rte_ring_dequeue_burst(tx_ring, (void **)m, RTE_DIM(m), NULL)) > 0) {
		rte_pktmbuf_free_bulk(m, k);
		n += k;
	}
	return n;
}

/* Fill @a pkts with the next @a nb frames of @a c's members (in turn), classified. */
static void
make_input(struct bcase *c, struct rte_mbuf **pkts, unsigned nb, unsigned *turn)
{
	if (rte_pktmbuf_alloc_bulk(rx_pool, pkts, nb) != 0)
		die("input pool empty");
	for (unsigned i = 0; i < nb; i++) {
		struct member *mb = &c->m[*turn];
		uint8_t *rtp = mb->frame + FRAME_LEN - PAYLOAD;
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(mb->frame + RTE_ETHER_HDR_LEN);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
		struct dpv_pkt_info *info = &dpv_mbuf_priv(pkts[i])->info;
		uint16_t old_w[3], new_w[3];
		uint16_t ck = udp->dgram_cksum;

		/* next seq and timestamp, the UDP checksum kept right (RFC 1624) */
		memcpy(old_w, rtp + 2, 6);
		mb->seq++;
		mb->ts += 160;
		rtp[2] = (uint8_t)(mb->seq >> 8);
		rtp[3] = (uint8_t)mb->seq;
		rtp[4] = (uint8_t)(mb->ts >> 24);
		rtp[5] = (uint8_t)(mb->ts >> 16);
		rtp[6] = (uint8_t)(mb->ts >> 8);
		rtp[7] = (uint8_t)mb->ts;
		memcpy(new_w, rtp + 2, 6);
		for (unsigned k = 0; k < 3; k++)
			ck = dpv_udp_cksum_update16(ck, old_w[k], new_w[k]);
		udp->dgram_cksum = ck;

		rte_memcpy(rte_pktmbuf_append(pkts[i], FRAME_LEN), mb->frame, FRAME_LEN);
		pkts[i]->port = eng.ports[0].port_id;
		*info = (struct dpv_pkt_info){
		    .src_ip = mb->peer_ip,
		    .dst_ip = ENG_IP,
		    .src_port = (uint16_t)(PEER_PORT + 2 * *turn),
		    .dst_port = mb->local_port,
		    .l3_off = RTE_ETHER_HDR_LEN,
		    .l4_off = RTE_ETHER_HDR_LEN + 20,
		    .payload_off = RTE_ETHER_HDR_LEN + 28,
		    .payload_len = PAYLOAD,
		};
		*turn = *turn + 1 == c->n ? 0 : *turn + 1;
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double *batch_cyc; /* cycles per packet in of each batch of a repetition */

/*
 * @a npkts packets of @a c through the relay, TSC cycles inside media_rtp_input only: returns
 * the median over the batches of cycles per packet in, and the mean (every cycle of the
 * repetition over its packets) in *@a mean. The median leaves out the batches the VM preempted
 * (a TSC counts while this thread is off the CPU); the mean keeps them.
 */
static double
run(struct bcase *c, uint64_t npkts, uint64_t *now, unsigned *turn, uint64_t *out, double *mean)
{
	struct dpv_worker *w = &eng.workers[0];
	uint64_t step = rte_get_tsc_hz() / FLOOD_PPS * c->burst, cyc = 0;
	struct rte_mbuf *pkts[DPV_BURST];
	size_t nbatch = 0;

	for (uint64_t done = 0; done < npkts;) {
		unsigned nb = npkts - done < c->burst ? (unsigned)(npkts - done) : c->burst;
		uint64_t t0, t1;

		make_input(c, pkts, nb, turn);
		*now += step;
		t0 = rte_rdtsc_precise();
		media_rtp_input(w, pkts, (uint16_t)nb, *now);
		t1 = rte_rdtsc_precise();
		cyc += t1 - t0;
		batch_cyc[nbatch++] = (double)(t1 - t0) / nb;
		*out += drain();
		rcu_quiescent_state();
		done += nb;
	}
	*mean = (double)cyc / (double)npkts;
	qsort(batch_cyc, nbatch, sizeof(double), cmp_double);
	return batch_cyc[nbatch / 2];
}

static uint64_t
drops_total(void)
{
	struct dpv_media_port_stats st;
	const uint64_t *pc = eng.workers[0].pc[eng.ports[0].port_id];
	uint64_t n = 0;

	dpv_media_lcore_totals(&eng, 0, &st);
	for (unsigned i = 0; i < DPV_MD_MAX; i++)
		n += st.drops[i];
	return n + pc[DPV_C_drop_rtp_no_mbuf] + pc[DPV_C_drop_rtp_arp_miss];
}

static void
usage(void)
{
	fprintf(stderr,
	        "usage: bench_relay [EAL options --] [--packets N] [--warmup N] [--reps N] "
	        "[--cases 2,3,10,32,mix3,mix10,relay] [--burst N] [--out-max N] [--check]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *def_argv[] = {argv[0],
	                    "--no-huge",
	                    "-m",
	                    "512",
	                    "--no-pci",
	                    "--no-shconf",
	                    "--no-telemetry",
	                    "--log-level=lib.eal:error",
	                    "-l",
	                    "0",
	                    prefix};
	static const struct option opts[] = {
	    {"packets", required_argument, NULL, 'p'}, {"warmup", required_argument, NULL, 'w'},
	    {"reps", required_argument, NULL, 'r'},    {"cases", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'k'},         {"burst", required_argument, NULL, 'b'},
	    {"out-max", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
	uint64_t npkts = 300000, warm = 50000;
	unsigned reps = 5, ncases = 0;
	char cases_arg[128] = "2,relay,3,10,32,mix3,mix10";
	static struct bcase cases[MAX_CASES];
	bool check = false, fail = false;
	double hz;
	int rc, opt;

	snprintf(prefix, sizeof(prefix), "--file-prefix=bench_relay%d", (int)getpid());
	{
		bool has_eal = false;

		for (int i = 1; i < argc; i++)
			if (strcmp(argv[i], "--") == 0)
				has_eal = true;
		if (has_eal) {
			rc = rte_eal_init(argc, argv);
			if (rc < 0)
				die("EAL init failed");
			argc -= rc;
			argv += rc;
		} else {
			rc = rte_eal_init(RTE_DIM(def_argv), def_argv);
			if (rc < 0)
				die("EAL init failed");
		}
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			npkts = strtoull(optarg, NULL, 10);
			break;
		case 'w':
			warm = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			reps = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			snprintf(cases_arg, sizeof(cases_arg), "%s", optarg);
			break;
		case 'k':
			check = true;
			break;
		case 'b':
			burst_arg = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			out_max = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (npkts == 0 || reps == 0 || reps > MAX_REPS || burst_arg > DPV_BURST || out_max == 0)
		usage();
	batch_cyc = malloc(sizeof(*batch_cyc) * RTE_MAX(npkts, warm)); /* a burst of 1 at worst */
	if (batch_cyc == NULL)
		die("no memory for the batch timings");
	rcu_register_thread();
	engine_setup();
	hz = (double)rte_get_tsc_hz();

	for (char *save = NULL, *tok = strtok_r(cases_arg, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		bool mixed = strncmp(tok, "mix", 3) == 0, relay = strcmp(tok, "relay") == 0;
		unsigned n = relay ? 2 : (unsigned)strtoul(mixed ? tok + 3 : tok, NULL, 10);

		if (n < 2 || n > MAX_MEMBERS || ncases == MAX_CASES)
			usage();
		case_setup(&cases[ncases++], n, mixed, relay);
	}

	printf("# bench_relay: media_rtp_input alone (no PMD), TSC %.2f GHz, %" PRIu64
	       " packets in per repetition after %" PRIu64 " warm-up, %u repetitions: the median "
	       "repetition of the median batch (min-max over repetitions), and the mean with "
	       "preempted batches\n",
	       hz / 1e9, npkts, warm, reps);
	printf("%-9s %5s %7s %10s %10s %10s %11s %11s %15s %12s\n", "case", "burst", "members",
	       "pkts in", "pkts out", "cyc/in", "cyc/out", "pkts out/s", "(min-max/out)",
	       "mean cyc/out");
	for (unsigned ci = 0; ci < ncases; ci++) {
		struct bcase *c = &cases[ci];
		uint64_t now = rte_rdtsc(), out = 0, d0;
		unsigned turn = 0;
		double med, lo, hi, per_out, mean, mean_out;

		if (warm > 0)
			run(c, warm, &now, &turn, &out, &mean);
		d0 = drops_total();
		out = 0;
		for (unsigned r = 0; r < reps; r++) {
			c->cyc_in[r] = run(c, npkts, &now, &turn, &out, &mean);
			c->mean_in[r] = mean;
		}
		c->in = npkts * reps;
		c->out = out;
		c->dropped = drops_total() - d0;
		qsort(c->cyc_in, reps, sizeof(double), cmp_double);
		med = c->cyc_in[reps / 2];
		lo = c->cyc_in[0] / (c->n - 1);
		hi = c->cyc_in[reps - 1] / (c->n - 1);
		per_out = med / (c->n - 1);
		qsort(c->mean_in, reps, sizeof(double), cmp_double);
		mean_out = c->mean_in[reps / 2] / (c->n - 1);
		printf("%-9s %5u %7u %10" PRIu64 " %10" PRIu64
		       " %10.1f %11.1f %10.2fM %7.1f-%-7.1f %12.1f\n",
		       c->name, c->burst, c->n, c->in, c->out, med, per_out, hz / per_out / 1e6, lo,
		       hi, mean_out);
		if (c->out != c->in * (c->n - 1) || c->dropped != 0) {
			fprintf(stderr,
			        "bench_relay: %s: %" PRIu64 " packets out for %" PRIu64
			        " in (want %" PRIu64 "), %" PRIu64 " dropped\n",
			        c->name, c->out, c->in, c->in * (c->n - 1), c->dropped);
			fail = true;
		}
	}
	fflush(stdout);
	if (check && fail)
		return 1;
	return 0;
}
