/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bridge fan-out candidates, measured: one RTP packet in, one out per other member, each with
 * its own Ethernet/IPv4/UDP headers. Per packet in, every candidate rewrites the headers of
 * each output (the same rewrite the media lcore does: 42 header bytes, the IPv4 header
 * checksum over its 20 bytes, the UDP checksum updated incrementally) and frees the outputs
 * as a PMD's tx completion would. Candidates:
 *
 *   inplace  the received mbuf, rewritten in place (the last output of every candidate but
 *            chain; alone it is the 2-party call)
 *   flat     a fresh mbuf from the pool, the whole frame copied into it (rte_memcpy)
 *   chain    a header mbuf (42 bytes written) chained to the received mbuf, which holds the
 *            payload for every output by reference count (needs MULTI_SEGS tx)
 *   clone    a header mbuf chained to rte_pktmbuf_clone() of the payload (an indirect mbuf
 *            from a second pool: DPDK's ipv4_multicast example)
 *   copy     rte_pktmbuf_copy() of the frame into the pool
 *
 *   bench_fanout [--iters N] [--sizes 172,332,1200] [--members 2,3,10,32]
 *
 * Runs under --no-huge on the calling CPU; TSC cycles per packet in and per extra output
 * (output beyond the in-place one) are printed as a table, the minimum of --rounds runs.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_udp.h>

#include "dpv.h"

#define HDR_LEN     (RTE_ETHER_HDR_LEN + 20 + 8)
#define MAX_MEMBERS 64
#define MAX_SIZES   8
#define POOL_MBUFS  16383

enum cand { C_INPLACE, C_FLAT, C_CHAIN, C_CLONE, C_COPY, C_MAX };
static const char *const cand_names[C_MAX] = {"inplace", "flat", "chain", "clone", "copy"};

static struct rte_mempool *pool, *hdr_pool, *indirect_pool;

/* Destination k of the bridge: its addresses. */
struct dst {
	struct rte_ether_addr mac;
	uint32_t ip;    /* network order */
	uint16_t port;  /* network order */
	uint16_t sport; /* the engine's port towards it, network order */
};
static struct dst dsts[MAX_MEMBERS];
static const struct rte_ether_addr our_mac = {{0x02, 0, 0x5e, 0x10, 0, 1}};

static void
rewrite(uint8_t *h, const struct dst *d, uint16_t udp_len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)h;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint16_t ck = udp->dgram_cksum;

	rte_ether_addr_copy(&d->mac, &eth->dst_addr);
	rte_ether_addr_copy(&our_mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + udp_len));
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ck = dpv_udp_cksum_update32(ck, ip->src_addr, RTE_BE32(0xc6120001));
	ck = dpv_udp_cksum_update32(ck, ip->dst_addr, d->ip);
	ip->src_addr = RTE_BE32(0xc6120001);
	ip->dst_addr = d->ip;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ck = dpv_udp_cksum_update16(ck, udp->src_port, d->sport);
	ck = dpv_udp_cksum_update16(ck, udp->dst_port, d->port);
	udp->src_port = d->sport;
	udp->dst_port = d->port;
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	udp->dgram_cksum = ck;
}

/* A received RTP packet of @a rtp_len bytes (RTP header and payload). */
static struct rte_mbuf *
make_packet(uint16_t rtp_len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *f;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	if (m == NULL)
		rte_exit(1, "pool empty\n");
	f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(HDR_LEN + rtp_len));
	memset(f, 0x5a, HDR_LEN + rtp_len);
	ip = (struct rte_ipv4_hdr *)(f + RTE_ETHER_HDR_LEN);
	udp = (struct rte_udp_hdr *)(ip + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->src_addr = RTE_BE32(0xc6120002);
	ip->dst_addr = RTE_BE32(0xc6120001);
	ip->next_proto_id = IPPROTO_UDP;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + rtp_len));
	udp->src_port = RTE_BE16(30000);
	udp->dst_port = RTE_BE16(20000);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + rtp_len));
	udp->dgram_cksum = 0;
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return m;
}

/* One packet in, @a nout outputs by candidate @a c; returns the outputs in @a out. */
static unsigned
fan_out(enum cand c, struct rte_mbuf *in, unsigned nout, struct rte_mbuf **out)
{
	uint16_t udp_len = (uint16_t)(in->pkt_len - RTE_ETHER_HDR_LEN - 20);
	unsigned n = 0;

	if (c == C_CHAIN) {
		/* every output is a header mbuf; the received one keeps the payload only */
		uint8_t hdr[HDR_LEN];

		rte_memcpy(hdr, rte_pktmbuf_mtod(in, uint8_t *), HDR_LEN);
		rte_pktmbuf_adj(in, HDR_LEN);
		rte_mbuf_refcnt_update(in, (int16_t)(nout - 1));
		for (unsigned k = 0; k < nout; k++) {
			struct rte_mbuf *h = rte_pktmbuf_alloc(hdr_pool);
			uint8_t *p;

			if (h == NULL)
				rte_exit(1, "header pool empty\n");
			p = (uint8_t *)rte_pktmbuf_append(h, HDR_LEN);
			rte_memcpy(p, hdr, HDR_LEN);
			rewrite(p, &dsts[k], udp_len);
			h->next = in;
			h->nb_segs = 2;
			h->pkt_len = HDR_LEN + in->data_len;
			out[n++] = h;
		}
		return n;
	}
	for (unsigned k = 0; k + 1 < nout; k++) {
		struct rte_mbuf *o = NULL;

		switch (c) {
		case C_FLAT:
			o = rte_pktmbuf_alloc(pool);
			if (o != NULL)
				rte_memcpy(rte_pktmbuf_append(o, (uint16_t)in->pkt_len),
				           rte_pktmbuf_mtod(in, void *), in->pkt_len);
			if (o != NULL)
				rewrite(rte_pktmbuf_mtod(o, uint8_t *), &dsts[k], udp_len);
			break;
		case C_CLONE: {
			struct rte_mbuf *h = rte_pktmbuf_alloc(hdr_pool);
			struct rte_mbuf *pl;
			uint8_t *p;

			if (h == NULL)
				rte_exit(1, "header pool empty\n");
			pl = rte_pktmbuf_clone(in, indirect_pool);
			if (pl == NULL)
				rte_exit(1, "indirect pool empty\n");
			rte_pktmbuf_adj(pl, HDR_LEN);
			p = (uint8_t *)rte_pktmbuf_append(h, HDR_LEN);
			rte_memcpy(p, rte_pktmbuf_mtod(in, uint8_t *), HDR_LEN);
			rewrite(p, &dsts[k], udp_len);
			h->next = pl;
			h->nb_segs = 2;
			h->pkt_len = HDR_LEN + pl->data_len;
			o = h;
			break;
		}
		case C_COPY:
			o = rte_pktmbuf_copy(in, pool, 0, UINT32_MAX);
			if (o != NULL)
				rewrite(rte_pktmbuf_mtod(o, uint8_t *), &dsts[k], udp_len);
			break;
		default:
			break;
		}
		if (o == NULL)
			rte_exit(1, "%s: pool empty\n", cand_names[c]);
		out[n++] = o;
	}
	rewrite(rte_pktmbuf_mtod(in, uint8_t *), &dsts[nout - 1], udp_len);
	out[n++] = in;
	return n;
}

/* Cycles per packet in for candidate @a c over @a iters packets, each fanned out to @a nout. */
static double
run(enum cand c, uint16_t rtp_len, unsigned nout, unsigned iters)
{
	struct rte_mbuf *out[MAX_MEMBERS];
	struct rte_mbuf *src = make_packet(rtp_len);
	uint64_t cycles = 0;

	for (unsigned i = 0; i < iters; i++) {
		/* a fresh received packet (not timed): what the rx burst hands over */
		struct rte_mbuf *in = rte_pktmbuf_copy(src, pool, 0, UINT32_MAX);
		uint64_t t0;
		unsigned n;

		if (in == NULL)
			rte_exit(1, "pool empty\n");
		t0 = rte_rdtsc_precise();
		n = fan_out(c, in, nout, out);
		rte_pktmbuf_free_bulk(out, n);
		cycles += rte_rdtsc_precise() - t0;
	}
	rte_pktmbuf_free(src);
	return (double)cycles / iters;
}

static unsigned
parse_list(const char *s, unsigned *out, unsigned max, unsigned lo, unsigned hi)
{
	unsigned n = 0;
	char *end;

	while (*s && n < max) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v < lo || v > hi)
			rte_exit(2, "bad list '%s' (values %u..%u)\n", s, lo, hi);
		out[n++] = (unsigned)v;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"iters", required_argument, NULL, 'i'},
	    {"sizes", required_argument, NULL, 's'},
	    {"members", required_argument, NULL, 'm'},
	    {"rounds", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	unsigned sizes[MAX_SIZES] = {172, 332, 1200}, nsizes = 3;
	unsigned members[MAX_SIZES] = {2, 3, 10, 32}, nmembers = 4;
	unsigned iters = 200000, rounds = 3;
	int ret = rte_eal_init(argc, argv), opt;
	double base;

	if (ret < 0)
		rte_exit(1, "EAL init failed\n");
	argc -= ret;
	argv += ret;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			iters = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			nsizes = parse_list(optarg, sizes, MAX_SIZES, 12, 1400);
			break;
		case 'm':
			nmembers = parse_list(optarg, members, MAX_SIZES, 2, MAX_MEMBERS);
			break;
		case 'r':
			rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			rte_exit(2, "usage: bench_fanout EAL... -- [--iters N] [--sizes LIST] "
			            "[--members LIST] [--rounds N]\n");
		}
	}
	if (iters < 1000 || iters > 100000000 || rounds < 1 || rounds > 100)
		rte_exit(2, "--iters 1000..100000000, --rounds 1..100\n");
	pool = rte_pktmbuf_pool_create("fan_pool", POOL_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
	                               (int)rte_socket_id());
	hdr_pool = rte_pktmbuf_pool_create("fan_hdr", POOL_MBUFS, 256, 0, RTE_PKTMBUF_HEADROOM + 64,
	                                   (int)rte_socket_id());
	indirect_pool =
	    rte_pktmbuf_pool_create("fan_ind", POOL_MBUFS, 256, 0, 0, (int)rte_socket_id());
	if (pool == NULL || hdr_pool == NULL || indirect_pool == NULL)
		rte_exit(1, "mempools: %s\n", rte_strerror(rte_errno));
	for (unsigned k = 0; k < MAX_MEMBERS; k++) {
		dsts[k] = (struct dst){.mac = {{0x02, 0, 0x5e, 0x20, 0, (uint8_t)k}},
		                       .ip = rte_cpu_to_be_32(0xc6120100u + k),
		                       .port = rte_cpu_to_be_16((uint16_t)(40000 + 2 * k)),
		                       .sport = rte_cpu_to_be_16((uint16_t)(20000 + 2 * k))};
	}

	printf("bench_fanout: %u packets per figure, best of %u rounds, TSC %.0f MHz, lcore %u\n",
	       iters, rounds, rte_get_tsc_hz() / 1e6, rte_lcore_id());
	printf("%-8s %5s %8s %14s %16s\n", "method", "rtp_B", "members", "cycles/pkt_in",
	       "cycles/extra_out");
	for (unsigned si = 0; si < nsizes; si++) {
		for (unsigned mi = 0; mi < nmembers; mi++) {
			unsigned nout = members[mi] - 1; /* nobody receives their own packet */

			base = 1e30;
			for (unsigned r = 0; r < rounds; r++) {
				double v = run(C_INPLACE, (uint16_t)sizes[si], 1, iters);

				base = v < base ? v : base;
			}
			for (unsigned c = 0; c < C_MAX; c++) {
				double best = 1e30;
				char extra[32] = "-";

				if (c == C_INPLACE && nout != 1)
					continue;
				for (unsigned r = 0; r < rounds; r++) {
					double v =
					    run((enum cand)c, (uint16_t)sizes[si], nout, iters);

					best = v < best ? v : best;
				}
				if (nout > 1)
					snprintf(extra, sizeof(extra), "%.1f",
					         (best - base) / (nout - 1));
				printf("%-8s %5u %8u %14.1f %16s\n", cand_names[c], sizes[si],
				       members[mi], best, extra);
			}
		}
	}
	rte_eal_cleanup();
	return 0;
}
