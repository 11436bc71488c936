/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bare forwarding path benchmark: rx burst -> dpv_net_input (L2/L3 checks,
 * classify) -> in-place UDP reflect -> tx, on one lcore, against a generator
 * in another DPDK process on the other end of a memif or af_packet link.
 *
 *   dpv-fwdbench EAL... -- --mode fwd --seconds N [--addr A.B.C.D]
 *   dpv-fwdbench EAL... -- --mode gen --seconds N [--addr A.B.C.D] [--size BYTES]
 *
 * fwd owns --addr (default 198.18.0.1) and reflects UDP to ports 20000-29999
 * until the generator has been quiet for 200 ms (or --seconds since the first packet);
 * gen sends 172-byte RTP-sized UDP frames to it as fast as the link takes
 * them (broadcast MAC, so no ARP is needed) and counts what comes back.
 * Both print per-second and total packet rates.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "engine.h"

#define NB_MBUF 16383
#define DESC    1024

static volatile bool quit;

static void
on_signal(int sig)
{
	quit = true;
}

static struct rte_mempool *
port_setup(uint16_t port, struct rte_ether_addr *mac)
{
	struct rte_eth_conf conf;
	struct rte_mempool *mp;
	uint16_t rxd = DESC, txd = DESC;

	memset(&conf, 0, sizeof(conf));
	mp = rte_pktmbuf_pool_create("bench", NB_MBUF, 256,
	                             RTE_ALIGN(sizeof(struct dpv_pkt_info), RTE_MBUF_PRIV_ALIGN),
	                             RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (mp == NULL)
		rte_exit(1, "mempool: %s\n", rte_strerror(rte_errno));
	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, rxd, rte_socket_id(), NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, txd, rte_socket_id(), NULL) < 0 ||
	    rte_eth_dev_start(port) < 0)
		rte_exit(1, "port %u set-up failed\n", port);
	rte_eth_macaddr_get(port, mac);
	return mp;
}

struct rates {
	uint64_t rx, tx, tx_fail, fwd_drops;
	uint64_t work_cycles; /* fwd: TSC cycles in classify + reflect (no PMD rx/tx) */
};

static void
report(const char *mode, const struct rates *r, double secs, bool final)
{
	printf("%s %s: rx %.0f pps, tx %.0f pps, tx refused %.0f pps%s", mode,
	       final ? "total" : "1s", (double)r->rx / secs, (double)r->tx / secs,
	       (double)r->tx_fail / secs, final ? "" : "\n");
	if (final)
		printf(" (rx %" PRIu64 ", tx %" PRIu64 ", classifier drops %" PRIu64 ", %.1f s)\n",
		       r->rx, r->tx, r->fwd_drops, secs);
	if (final && r->work_cycles && r->rx)
		printf("%s: classify + reflect %.1f cycles/packet (%.1f ns at %.2f GHz TSC)\n",
		       mode, (double)r->work_cycles / (double)r->rx,
		       (double)r->work_cycles / (double)r->rx * 1e9 / (double)rte_get_tsc_hz(),
		       (double)rte_get_tsc_hz() / 1e9);
	fflush(stdout);
}

static void
run_fwd(uint16_t port, uint32_t addr, double seconds)
{
	static struct dpv_arp_cache arp;
	struct dpv_net_ctx ctx = {
	    .port_id = port,
	    .addr = addr,
	    .netmask = 0xffffff00,
	    .sip_port = 5060,
	    .rtp_min = 20000,
	    .rtp_max = 29999,
	    .arp = &arp,
	};
	uint64_t counters[DPV_C_MAX] = {0};
	struct rte_mbuf *pkts[DPV_BURST], *out[DPV_BURST];
	struct rates tot = {0}, sec = {0};
	uint64_t hz = rte_get_tsc_hz(), start = 0, last = 0, end = 0, last_rx = 0;

	rte_eth_macaddr_get(port, &ctx.mac);
	printf("fwd: ready\n");
	fflush(stdout);
	while (!quit) {
		uint64_t now = rte_rdtsc();
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, DPV_BURST), nout = 0;

		if (start == 0 && n) {
			start = last = now;
			end = start + (uint64_t)(seconds * (double)hz);
		}
		uint64_t t0 = n ? rte_rdtsc() : 0;

		for (uint16_t i = 0; i < n; i++) {
			struct dpv_pkt_info info;

			switch (dpv_net_input(&ctx, pkts[i], &info, counters, now)) {
			case DPV_V_RTP:
				dpv_net_udp_reply(pkts[i], &info, info.payload_len);
				out[nout++] = pkts[i];
				break;
			case DPV_V_REPLY:
				out[nout++] = pkts[i];
				break;
			default:
				sec.fwd_drops++;
				rte_pktmbuf_free(pkts[i]);
			}
		}
		if (n)
			sec.work_cycles += rte_rdtsc() - t0;
		if (nout) {
			uint16_t sent = rte_eth_tx_burst(port, 0, out, nout);

			for (uint16_t i = sent; i < nout; i++)
				rte_pktmbuf_free(out[i]);
			sec.tx += sent;
			sec.tx_fail += nout - sent;
		}
		sec.rx += n;
		if (n)
			last_rx = now;
		if (start && now - last >= hz) {
			report("fwd", &sec, (double)(now - last) / (double)hz, false);
			tot.rx += sec.rx, tot.tx += sec.tx, tot.tx_fail += sec.tx_fail;
			tot.fwd_drops += sec.fwd_drops, tot.work_cycles += sec.work_cycles;
			memset(&sec, 0, sizeof(sec));
			last = now;
		}
		/* Done at the time limit, or once the generator has stopped for 200 ms. */
		if (start && (now >= end || now - last_rx > hz / 5))
			break;
	}
	tot.rx += sec.rx, tot.tx += sec.tx, tot.tx_fail += sec.tx_fail,
	    tot.fwd_drops += sec.fwd_drops;
	tot.work_cycles += sec.work_cycles;
	if (start)
		report("fwd", &tot, (double)(last_rx - start) / (double)hz, true);
	else
		printf("fwd: no packets received\n");
}

static void
build_frame(struct rte_mbuf *m, const struct rte_ether_addr *src, uint32_t saddr, uint32_t daddr,
            uint16_t dport, uint16_t size)
{
	uint16_t payload =
	    size - (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
	                      sizeof(struct rte_udp_hdr));
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, size);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(eth, 0, size);
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(src, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(size - sizeof(*eth)));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(saddr);
	ip->dst_addr = rte_cpu_to_be_32(daddr);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(40000);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(payload + sizeof(*udp)));
	((uint8_t *)(udp + 1))[0] = 0x80; /* RTP v2 */
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
}

static void
run_gen(uint16_t port, struct rte_mempool *mp, uint32_t daddr, uint16_t size, double seconds)
{
	struct rte_ether_addr mac;
	struct rte_mbuf *pkts[DPV_BURST];
	struct rates tot = {0}, sec = {0};
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), last = start;
	uint64_t end = start + (uint64_t)(seconds * (double)hz), drain_end;
	unsigned flow = 0;

	rte_eth_macaddr_get(port, &mac);
	while (!quit) {
		uint64_t now = rte_rdtsc();
		uint16_t n;

		if (now >= end)
			break;
		if (rte_pktmbuf_alloc_bulk(mp, pkts, DPV_BURST) == 0) {
			for (unsigned i = 0; i < DPV_BURST; i++)
				build_frame(pkts[i], &mac, daddr + 1, daddr,
				            (uint16_t)(20000 + 2 * (flow++ % 1000)), size);
			n = rte_eth_tx_burst(port, 0, pkts, DPV_BURST);
			for (unsigned i = n; i < DPV_BURST; i++)
				rte_pktmbuf_free(pkts[i]);
			sec.tx += n;
			sec.tx_fail += DPV_BURST - n;
		}
		n = rte_eth_rx_burst(port, 0, pkts, DPV_BURST);
		rte_pktmbuf_free_bulk(pkts, n);
		sec.rx += n;
		if (now - last >= hz) {
			report("gen", &sec, (double)(now - last) / (double)hz, false);
			tot.rx += sec.rx, tot.tx += sec.tx, tot.tx_fail += sec.tx_fail;
			memset(&sec, 0, sizeof(sec));
			last = now;
		}
	}
	/* Collect what is still in flight for 500 ms: longer than the forwarder's 200 ms of
	 * silence, so it has stopped polling before this side goes quiet too. */
	drain_end = rte_rdtsc() + hz / 2;
	while (rte_rdtsc() < drain_end) {
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, DPV_BURST);

		rte_pktmbuf_free_bulk(pkts, n);
		sec.rx += n;
	}
	tot.rx += sec.rx, tot.tx += sec.tx, tot.tx_fail += sec.tx_fail;
	report("gen", &tot, (double)(end - start) / (double)hz, true);
	printf("gen: returned %.2f%% of sent\n",
	       tot.tx ? 100.0 * (double)tot.rx / (double)tot.tx : 0);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"mode", required_argument, NULL, 'm'},
	    {"seconds", required_argument, NULL, 's'},
	    {"addr", required_argument, NULL, 'a'},
	    {"size", required_argument, NULL, 'z'},
	    {NULL, 0, NULL, 0},
	};
	const char *mode = NULL;
	double seconds = 5;
	struct in_addr a = {.s_addr = htonl(0xC6120001)}; /* 198.18.0.1 */
	unsigned size = 214;                              /* 14 + 20 + 8 + 12 RTP + 160 PCMU */
	struct rte_ether_addr mac;
	struct rte_mempool *mp;
	int n = rte_eal_init(argc, argv), opt;

	if (n < 0)
		rte_exit(1, "EAL init failed\n");
	argc -= n;
	argv += n;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			mode = optarg;
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				rte_exit(2, "bad --addr %s\n", optarg);
			break;
		case 'z':
			size = (unsigned)atoi(optarg);
			break;
		default:
			rte_exit(2, "usage: dpv-fwdbench EAL... -- --mode fwd|gen [--seconds N]\n");
		}
	}
	if (mode == NULL || seconds <= 0 || seconds > 600 || size < 60 || size > 1500)
		rte_exit(2, "usage: dpv-fwdbench EAL... -- --mode fwd|gen [--seconds 1-600] "
		            "[--size 60-1500]\n");
	if (rte_eth_dev_count_avail() < 1)
		rte_exit(2, "no port\n");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	mp = port_setup(0, &mac);
	if (strcmp(mode, "fwd") == 0)
		run_fwd(0, ntohl(a.s_addr), seconds);
	else
		run_gen(0, mp, ntohl(a.s_addr), (uint16_t)size, seconds);
	/*
	 * The memif PMD unmaps the shared regions from its interrupt thread when the peer goes
	 * away, under a datapath that may still be polling (a segfault, seen once in three runs).
	 * So neither side polls once it is done: each waits a second before closing, by which time
	 * the other has stopped polling too (the forwarder stops after 200 ms of silence, the
	 * generator after its 500 ms drain).
	 */
	rte_delay_us_sleep(1000000);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return 0;
}
