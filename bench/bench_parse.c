/* SPDX-License-Identifier: BSD-3-Clause */
/* Micro-benchmark: CPU ns per sip_parse() on INVITE/ACK/BYE/200, and per 200 OK written.
 * "bench_parse [iters] [INVITE|ACK|BYE|200]" times one message only (for callgrind counts);
 * the floor line is the least any parser does: memchr for every line end and header colon; the
 * sum lines are the UDP checksum's pass over the INVITE, DPDK's and the engine's. Each parse and
 * floor line gives the mean over all iterations and the best of its batches of BATCH: on a VM
 * whose host takes the CPU away now and then, the mean moves by a third from run to run and the
 * best batch by a few per cent, so compare the best batches of two builds run alternately. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ip.h>

#include "sip.h"

#define HDRS(m, cseq)                                                                              \
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9;rport\r\n"                            \
	"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK1f00\r\n"                                \
	"Max-Forwards: 70\r\n"                                                                     \
	"From: \"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"                       \
	"To: <sip:bob@biloxi.example.com>" m "\r\n"                                                \
	"Call-ID: 3848276298220188511@atlanta.example.com\r\n"                                     \
	"CSeq: " cseq "\r\n"                                                                       \
	"Contact: <sip:alice@192.0.2.1:5060;transport=udp>\r\n"                                    \
	"User-Agent: bench\r\n"

#define SDP                                                                                        \
	"v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\ns=-\r\n"                         \
	"c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8 101\r\n"                         \
	"a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"

static const char *const msgs[] = {
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" HDRS(
        "", "1 INVITE") "Content-Type: application/sdp\r\nContent-Length: 173\r\n\r\n" SDP,
    "ACK sip:bob@192.0.2.4 SIP/2.0\r\n" HDRS(";tag=8321234356",
                                             "1 ACK") "Content-Length: 0\r\n\r\n",
    "BYE sip:bob@192.0.2.4 SIP/2.0\r\n" HDRS(";tag=8321234356",
                                             "2 BYE") "Content-Length: 0\r\n\r\n",
    "SIP/2.0 200 OK\r\n" HDRS(
        ";tag=8321234356",
        "1 INVITE") "Content-Type: application/sdp\r\nContent-Length: 173\r\n\r\n" SDP,
};
static const char *const names[] = {"INVITE", "ACK", "BYE", "200"};

#define BATCH 1000

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: VM steal would skew wall time */
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	static struct sip_msg m;
	static char out[2048];
	long iters = argc > 1 ? atol(argv[1]) : 1000000;
	double t0, t, total = 0, best_total = 0;
	volatile uint32_t sink = 0;

	const char *only = argc > 2 ? argv[2] : NULL;

	for (int k = 0; k < 4; k++) {
		uint32_t len = (uint32_t)strlen(msgs[k]);
		if (only && strcmp(only, names[k]) != 0)
			continue;
		if (sip_parse(msgs[k], len, &m) != 0) {
			fprintf(stderr, "bench message %s does not parse\n", names[k]);
			return 1;
		}
		double best = 1e18;
		t0 = now_ns();
		for (long i = 0; i < iters; i += BATCH) {
			double b0 = now_ns();
			for (long j = 0; j < BATCH; j++) {
				sip_parse(msgs[k], len, &m);
				sink += m.cseq;
			}
			double b = (now_ns() - b0) / BATCH;
			best = b < best ? b : best;
		}
		t = (now_ns() - t0) / (double)((iters + BATCH - 1) / BATCH * BATCH);
		total += t;
		best_total += best;
		printf("parse %-6s %4u bytes %8.1f ns/msg  (best batch %6.1f)\n", names[k], len, t,
		       best);
	}
	if (only)
		return sink == 0xdeadbeef;
	printf("parse mix (1:1:1:1)      %8.1f ns/msg  (best batch %6.1f)\n", total / 4,
	       best_total / 4);

	{
		const char *b = msgs[0], *e = b + strlen(b), *hend = strstr(b, "\r\n\r\n");
		double best = 1e18;
		t0 = now_ns();
		for (long i = 0; i < iters; i += BATCH) {
			double b0 = now_ns();
			for (long j = 0; j < BATCH; j++) {
				for (const char *p = b, *lf; p < hend; p = lf + 1) {
					lf = memchr(p, '\n', (size_t)(e - p));
					const char *c = memchr(p, ':', (size_t)(lf - p));
					sink += (uint32_t)(c ? c - p : 0);
				}
			}
			double bt = (now_ns() - b0) / BATCH;
			best = bt < best ? bt : best;
		}
		printf("floor INVITE: memchr LF+colon %8.1f ns/msg  (best batch %6.1f)\n",
		       (now_ns() - t0) / (double)((iters + BATCH - 1) / BATCH * BATCH), best);
	}

	sip_parse(msgs[0], (uint32_t)strlen(msgs[0]), &m);
	t0 = now_ns();
	for (long i = 0; i < iters; i++)
		sink += (uint32_t)sip_write_response(out, sizeof(out), &m, 200, NULL,
		                                     DPV_STR_LIT("8321234356"), DPV_STR_NULL,
		                                     DPV_STR_NULL, DPV_STR_NULL);
	printf("write 200 to INVITE      %8.1f ns/msg\n", (now_ns() - t0) / (double)iters);

	/* The datagram's UDP checksum, verified on receipt and computed on every answer: DPDK's
	 * 16-bit loop against lib/cksum.c (the one the engine uses). */
	{
		const void *b = msgs[0];
		size_t len = strlen(msgs[0]);

		t0 = now_ns();
		for (long i = 0; i < iters; i++)
			sink += rte_raw_cksum(b, len - (size_t)(i & 1));
		printf("sum INVITE: rte_raw_cksum %8.1f ns/msg\n", (now_ns() - t0) / (double)iters);
		t0 = now_ns();
		for (long i = 0; i < iters; i++)
			sink += dpv_cksum_sum(b, len - (size_t)(i & 1), 0);
		printf("sum INVITE: dpv_cksum_sum %8.1f ns/msg (%s)\n",
		       (now_ns() - t0) / (double)iters, dpv_cksum_variant());
	}
	return sink == 0xdeadbeef;
}
