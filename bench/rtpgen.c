/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtpgen: the RTP stream generator and sink on the far end of a link (memif, af_packet or
 * af_xdp), against a running dpvoip engine (--calls/--bridges: it places the SIP calls itself)
 * or any relay or reflector set up by someone else (--streams FILE).
 *
 *   rtpgen EAL... -- (--calls N | --bridges K --members M | --streams FILE)
 *          (--rate max | --rate PPS | --pps P | --search --max PPS) [--seconds S]
 *          [--warmup S] [--addr A] [--engine A] [--rtp-base PORT] [--label TEXT]
 *          [--ctl SOCKET] [--ctl-tool PATH] [--setup-seconds S] [--engine-pid PID]
 *          [--window PACKETS] [--stall-ms MS] [--csv FILE]
 *          [--min PPS] [--loss-threshold F] [--trial S] [--resolution PPS] [--max-trials N]
 *
 * --rate PPS is the total over all streams, --pps P per stream (50: G.711 at 20 ms), --rate
 * max a closed loop (below). --warmup (default 1 s) runs before --seconds and is not in the
 * figures (a packet is in them when its send TSC is after the warm-up).
 *
 * Streams file (--streams): one stream per line, "SRC_IP SRC_PORT DST_IP DST_PORT", dotted
 * quads and decimal ports, blank lines and '#' comments (also after a stream) ignored. SRC_IP
 * must be --addr (rtpgen owns one address and answers ARP for it); every DST_IP must be the
 * same peer (resolved by ARP, 10 s bound); source ports distinct. Packets leave from exactly
 * SRC_IP:SRC_PORT (latching relays such as rtpengine need that). What comes back on any of the
 * source ports is counted on the stream named in its payload.
 *
 * Payload: the RTP header (SSRC 0x5eed0000 + stream, per-stream sequence and timestamp), then
 * the rtpgen header: magic "RTG1", stream id, a running 32-bit sequence, the send TSC (host
 * order; one host, one TSC: latency = arrival TSC - that), all big-endian but the TSC; then
 * u-law silence to 160 bytes. Reordering (a sequence below the highest seen) and duplicates
 * (a 64-packet bitmap window) per stream where one copy comes back (2-party calls, --streams).
 *
 * --search: an RFC 2544-style binary search for the highest total rate whose loss is at most
 * --loss-threshold (default 0.001; 0: no loss at all) between --min (1) and --max, trials of
 * --trial (2) s, until the interval is below --resolution (max/100) or --max-trials (16) ran;
 * each trial drained (300 ms) before the next, the streams keep their sequence numbers; one
 * TRIAL line per trial, then "SEARCH rate=... loss=...", then a final run at that rate for
 * the RESULT line. --csv FILE: one row per trial and for the final run.
 *
 * Exit status: 0 when the run had every call up and nothing lost (a search: a rate found),
 * 1 otherwise, 2 bad options or a bad streams file.
 *
 * Phases, each bounded in time:
 *   arp       an ARP request for the engine every 100 ms until it answers (so both ends know
 *             each other's MAC: the engine learns ours from the request); ARP requests from
 *             the engine are answered throughout;
 *   setup     M INVITEs to conf-<run>b<k> for each bridge k (--calls N: N bridges of 2), at
 *             most SIP_WINDOW outstanding, each retransmitted after 500 ms without an answer
 *             (SIP_TRIES at most); the 200's SDP names the engine port of the member, the ACK
 *             follows; non-2xx finals are ACKed and counted as failed calls;
 *   load      RTP from every established member's own port to its engine port: 12-byte
 *             header, 160 bytes of PCMU whose first 20 are the rtpgen header (both processes
 *             run on one host, so one TSC: latency = arrival TSC - that), sequence numbers
 *             and timestamps per stream; --rate max sends whenever the link takes a burst
 *             and fewer than --window (1024) forwarded packets are still due back (a closed
 *             loop: a bridge's fan-out cannot overrun the rings or the generator's own
 *             receive side; after --stall-ms (2) with nothing back, the window reopens),
 *             --pps P paces every stream at P packets/s, streams evenly interleaved;
 *   drain     300 ms more receiving, for what is still in flight;
 *   teardown  a BYE for every established call, retransmitted like the INVITE.
 *
 * The engine's counters (`dpvoipctl --json stats`) are read before and after load + drain:
 * the deltas give the engine's busy TSC cycles per RTP packet in and out, and every drop
 * counter that moved. The last line is "RESULT key=value ..." for bench/media.sh.
 *
 * Loss is counted per member: every other established member of its bridge sent `sent`
 * packets, so it should get the sum of theirs; a packet from its own SSRC or from another
 * bridge is counted as misrouted. One received packet in CKSUM_SAMPLE has its IPv4 and UDP
 * checksums verified (the engine updates the UDP one incrementally: this checks it).
 *
 * Nothing is allocated after set-up: the per-packet loop works on preallocated members,
 * frame templates and mbufs from the port's pool.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_udp.h>

#include "bridge.h"
#include "engine.h"
#include "hist.h"
#include "rtp.h"
#include "sip.h"

#define NB_MBUF   65535
#define DESC      4096 /* af_xdp takes it; memif and af_packet size their rings from vdev args */
#define SIP_PORT  5060
#define RTP_HDR   12
#define PCMU_LEN  160
#define RTP_LEN   (RTP_HDR + PCMU_LEN)
#define HDRS      (RTE_ETHER_HDR_LEN + 20 + 8)
#define FRAME_LEN (HDRS + RTP_LEN) /* 214 bytes */
#define SSRC_BASE 0x5eed0000u      /* member i sends SSRC SSRC_BASE + i */
/* the rtpgen header at the start of the RTP payload: magic, stream id, sequence, send TSC */
#define RG_MAGIC 0x52544731u /* "RTG1" */
#define RG_OFF   RTP_HDR
#define RG_LEN   20
#define DUP_WIN  64 /* duplicate window per stream: the last 64 sequence numbers */

#define SIP_WINDOW     256 /* transactions (INVITE or BYE) outstanding */
#define SIP_RETRANS_MS 500
#define SIP_TRIES      8
#define SIP_OUT        64 /* SIP frames queued per loop pass */
#define DRAIN_MS       300
#define SETTLE_MS      200 /* after the last ACK, before the first RTP packet */
#define RX_BURSTS      8   /* rx bursts per loop pass before the generator sends again */
#define CKSUM_SAMPLE   64
#define CTL_MAX        (4 << 20)

static volatile bool quit;

static void
on_signal(int sig)
{
	quit = true;
}

enum mstate { M_IDLE, M_INVITING, M_UP, M_BYEING, M_DONE, M_FAILED };

struct member {
	uint8_t frame[FRAME_LEN]; /* the RTP frame with seq, ts and TSC zero */
	uint16_t frame_cksum;     /* its UDP checksum */
	uint16_t local_port;      /* ours: in the SDP offer, RTP source */
	uint16_t engine_port;     /* the engine's, from the 200's SDP */
	uint16_t seq;
	uint16_t fanout; /* established members of its bridge but itself: copies per packet */
	uint32_t bridge;
	uint8_t state;
	uint8_t tries;
	uint8_t tag_len;
	bool provisional;
	uint16_t status;   /* final status of a failed INVITE */
	uint64_t next_tsc; /* INVITE/BYE retransmission */
	uint64_t sent, rcvd, misrouted;
	uint64_t sent_m, rcvd_m; /* after the warm-up: the measured window */
	uint32_t tx_seq;         /* the rtpgen header's running sequence */
	uint32_t rx_hi;          /* highest sequence received from this stream, + 1 (0: none) */
	uint64_t rx_win;         /* bit k: sequence rx_hi - 1 - k was received */
	uint64_t reordered, dup;
	char to_tag[64];
	char contact[96]; /* the 200's Contact URI: the ACK's and BYE's Request-URI */
};

struct snap {
	bool ok;
	uint64_t busy_cycles;
	uint64_t
	    media_cycles; /* the relay itself: media_rtp_input, tx bursts it triggers included */
	uint64_t pc[DPV_C_MAX];
	uint64_t imissed, ierrors, oerrors, rx_nombuf;
	uint64_t ports_exhausted, sdp_rejected;
};

static struct {
	uint16_t port;
	struct rte_mempool *mp;
	struct dpv_net_ctx ctx;
	struct dpv_arp_cache arp;
	uint64_t counters[DPV_C_MAX];
	uint32_t engine_ip;
	struct rte_ether_addr engine_mac;
	bool have_mac;
	uint64_t hz;
	uint32_t run; /* in Call-IDs and bridge names: a run never matches another's messages */

	struct member *m;
	uint32_t nb_members, members_per_bridge, nb_bridges;
	uint32_t *streams; /* established members, the load's round robin */
	uint32_t nb_streams;
	uint32_t port_map[65536]; /* local port -> member index + 1 */

	struct rte_mbuf *sig_out[SIP_OUT];
	unsigned nb_sig_out;
	struct sip_msg msg;
	struct rtp_sdp sdp;
	char sbuf[2048];

	/* counters */
	uint32_t outstanding; /* members in M_INVITING or M_BYEING */
	uint64_t sip_tx, sip_retrans, sip_bad, sip_unexpected, sip_tx_fail;
	uint64_t calls_ok, calls_failed, byes_ok, byes_failed, last_fail_status;
	uint64_t stray, bad_cksum, cksum_checked, short_frames;
	struct bench_hist lat;
	uint64_t lat_max;
	uint64_t warm_end; /* TSC: packets sent before it are not in the figures */
	uint64_t bad_magic;
	double warmup_s;
	bool streams_mode; /* --streams FILE: streams set up by someone else, no SIP */
	uint64_t tx_pkts, rx_pkts, tx_refused_bursts, max_lag;
	uint64_t window;      /* --rate max: forwarded packets in flight at most */
	uint64_t exp_out;     /* packets the engine should forward for what was sent */
	uint64_t written_off; /* of those, given up as lost by the window (a stall) */
	uint64_t window_stalls;
	uint64_t stall;      /* --stall-ms in TSC cycles */
	uint64_t avg_fanout; /* copies per packet in, over all streams (at least 1) */
	uint64_t loop_work_cycles, loop_cycles;
} G;

/* ---- small helpers ---- */

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
ms_tsc(uint64_t ms)
{
	return G.hz / 1000 * ms;
}

static double
lat_pct_us(double pct)
{
	return (double)bench_hist_pct(&G.lat, pct) * 1e6 / (double)G.hz;
}

/* ---- the port ---- */

static void
port_setup(void)
{
	struct rte_eth_conf conf;
	uint16_t rxd = DESC, txd = DESC;

	memset(&conf, 0, sizeof(conf));
	G.mp = rte_pktmbuf_pool_create("mbench", NB_MBUF, 256,
	                               RTE_ALIGN(sizeof(struct dpv_mbuf_priv), RTE_MBUF_PRIV_ALIGN),
	                               RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (G.mp == NULL)
		rte_exit(1, "mempool: %s\n", rte_strerror(rte_errno));
	if (rte_eth_dev_configure(G.port, 1, 1, &conf) < 0 ||
	    rte_eth_dev_adjust_nb_rx_tx_desc(G.port, &rxd, &txd) < 0 ||
	    rte_eth_rx_queue_setup(G.port, 0, rxd, rte_socket_id(), NULL, G.mp) < 0 ||
	    rte_eth_tx_queue_setup(G.port, 0, txd, rte_socket_id(), NULL) < 0 ||
	    rte_eth_dev_start(G.port) < 0)
		rte_exit(1, "port %u set-up failed\n", G.port);
	rte_eth_macaddr_get(G.port, &G.ctx.mac);
}

static void
sig_flush(void)
{
	uint16_t sent = 0;

	/* a few tries: SIP is rare, and a retransmission covers what still does not leave */
	for (int i = 0; i < 4 && sent < G.nb_sig_out; i++)
		sent +=
		    rte_eth_tx_burst(G.port, 0, G.sig_out + sent, (uint16_t)(G.nb_sig_out - sent));
	if (sent < G.nb_sig_out) {
		G.sip_tx_fail += G.nb_sig_out - sent;
		rte_pktmbuf_free_bulk(G.sig_out + sent, G.nb_sig_out - sent);
	}
	G.nb_sig_out = 0;
}

static void
queue_frame(struct rte_mbuf *m)
{
	if (G.nb_sig_out == SIP_OUT)
		sig_flush();
	G.sig_out[G.nb_sig_out++] = m;
}

static void
send_arp_request(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(G.mp);

	if (m == NULL)
		return;
	dpv_net_arp_request(&G.ctx, m, G.engine_ip);
	queue_frame(m);
}

/* ---- SIP ---- */

#define OUR_HOST_MAX 16

static char our_host[OUR_HOST_MAX], engine_host[OUR_HOST_MAX];

static void
sip_send_text(const char *buf, int len)
{
	struct rte_mbuf *m;
	char *p;

	if (len <= 0) {
		G.sip_bad++;
		return;
	}
	m = rte_pktmbuf_alloc(G.mp);
	if (m == NULL) {
		G.sip_tx_fail++;
		return;
	}
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		G.sip_bad++;
		return;
	}
	memcpy(p, buf, (size_t)len);
	if (dpv_net_udp_frame(&G.ctx, m, &G.engine_mac, SIP_PORT, G.engine_ip, SIP_PORT) < 0) {
		rte_pktmbuf_free(m);
		G.sip_bad++;
		return;
	}
	G.sip_tx++;
	queue_frame(m);
}

/* Branch suffixes: 'i' INVITE (and the ACK of a non-2xx, same transaction), 'a' ACK of a 2xx,
 * 'b' BYE. */
static void
sip_request(uint32_t idx, enum sip_method method, char kind)
{
	struct member *mb = &G.m[idx];
	struct sip_req_fields f = {0};
	char ruri[96], branch[48], cid[48], ftag[24], from[64], to[64], contact[64], sdp[320];
	int n;

	snprintf(branch, sizeof(branch), "z9hG4bK-%x-%u-%c", G.run, idx, kind);
	snprintf(cid, sizeof(cid), "%x-%u@%s", G.run, idx, our_host);
	snprintf(ftag, sizeof(ftag), "f%u", idx);
	snprintf(from, sizeof(from), "<sip:m%u@%s>", idx, our_host);
	snprintf(contact, sizeof(contact), "<sip:m%u@%s:%u>", idx, our_host, SIP_PORT);
	snprintf(to, sizeof(to), "<sip:conf-%xb%u@%s>", G.run, mb->bridge, engine_host);
	if (method == SIP_METHOD_INVITE || kind == 'i' || mb->contact[0] == '\0')
		snprintf(ruri, sizeof(ruri), "sip:conf-%xb%u@%s:%u", G.run, mb->bridge, engine_host,
		         SIP_PORT);
	else
		snprintf(ruri, sizeof(ruri), "%s", mb->contact);
	f.method = method;
	f.ruri = (struct dpv_str){ruri, (uint32_t)strlen(ruri)};
	f.via_host = (struct dpv_str){our_host, (uint32_t)strlen(our_host)};
	f.via_port = SIP_PORT;
	f.branch = (struct dpv_str){branch, (uint32_t)strlen(branch)};
	f.rport = true;
	f.from = (struct dpv_str){from, (uint32_t)strlen(from)};
	f.from_tag = (struct dpv_str){ftag, (uint32_t)strlen(ftag)};
	f.to = (struct dpv_str){to, (uint32_t)strlen(to)};
	if (mb->tag_len)
		f.to_tag = (struct dpv_str){mb->to_tag, mb->tag_len};
	f.call_id = (struct dpv_str){cid, (uint32_t)strlen(cid)};
	f.cseq = method == SIP_METHOD_BYE ? 2 : 1;
	f.contact = (struct dpv_str){contact, (uint32_t)strlen(contact)};
	if (method == SIP_METHOD_INVITE) {
		n = snprintf(sdp, sizeof(sdp),
		             "v=0\r\no=- %u 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		             "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n",
		             idx, our_host, our_host, mb->local_port);
		f.body = (struct dpv_str){sdp, (uint32_t)n};
		f.content_type = DPV_STR_LIT("application/sdp");
	}
	sip_send_text(G.sbuf, sip_write_request(G.sbuf, sizeof(G.sbuf), &f));
}

/* The member a response is for, from its Call-ID "<run>-<index>@host"; UINT32_MAX: none. */
static uint32_t
member_of(const struct sip_msg *msg)
{
	char tmp[48];
	unsigned long run, idx;
	char *end;

	if (msg->call_id.len == 0 || msg->call_id.len >= sizeof(tmp))
		return UINT32_MAX;
	memcpy(tmp, msg->call_id.p, msg->call_id.len);
	tmp[msg->call_id.len] = '\0';
	run = strtoul(tmp, &end, 16);
	if (*end != '-' || run != G.run)
		return UINT32_MAX;
	idx = strtoul(end + 1, &end, 10);
	if (*end != '@' || idx >= G.nb_members)
		return UINT32_MAX;
	return (uint32_t)idx;
}

static void
invite_answered(uint32_t idx, const struct sip_msg *msg)
{
	struct member *mb = &G.m[idx];
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct sip_naddr na;

	if (!msg->to.has_tag || msg->to.tag.len >= sizeof(mb->to_tag) ||
	    rtp_sdp_parse(msg->body.p, msg->body.len, &G.sdp) != RTP_SDP_OK ||
	    G.sdp.nb_media == 0 || G.sdp.media[0].port == 0) {
		G.sip_unexpected++;
		return; /* the engine retransmits; a broken answer stays unanswered and fails */
	}
	memcpy(mb->to_tag, msg->to.tag.p, msg->to.tag.len);
	mb->tag_len = (uint8_t)msg->to.tag.len;
	mb->contact[0] = '\0';
	if (h != NULL && sip_naddr_parse(h->value, &na) == 0 &&
	    na.uri.raw.len < sizeof(mb->contact)) {
		memcpy(mb->contact, na.uri.raw.p, na.uri.raw.len);
		mb->contact[na.uri.raw.len] = '\0';
	}
	mb->engine_port = G.sdp.media[0].port;
	mb->state = M_UP;
	G.outstanding--;
	G.calls_ok++;
	sip_request(idx, SIP_METHOD_ACK, 'a');
}

static void
sip_input(const char *buf, uint32_t len)
{
	struct sip_msg *msg = &G.msg;
	struct member *mb;
	uint32_t idx;

	if (sip_parse(buf, len, msg) != 0 || msg->is_request) {
		/* the engine sends no requests to a caller here (media timeout is off) */
		G.sip_unexpected++;
		return;
	}
	idx = member_of(msg);
	if (idx == UINT32_MAX) {
		G.sip_unexpected++;
		return;
	}
	mb = &G.m[idx];
	if (msg->cseq_method == SIP_METHOD_INVITE) {
		if (msg->status < 200) {
			mb->provisional = true; /* the engine has it: stop retransmitting */
			return;
		}
		if (msg->status < 300) {
			if (mb->state == M_INVITING)
				invite_answered(idx, msg);
			else if (mb->state == M_UP || mb->state == M_BYEING)
				sip_request(idx, SIP_METHOD_ACK, 'a'); /* our ACK was lost */
			return;
		}
		/* a failure: ACKed in the INVITE's transaction (RFC 3261 17.1.1.3) */
		if (msg->to.has_tag && msg->to.tag.len < sizeof(mb->to_tag)) {
			memcpy(mb->to_tag, msg->to.tag.p, msg->to.tag.len);
			mb->tag_len = (uint8_t)msg->to.tag.len;
		}
		sip_request(idx, SIP_METHOD_ACK, 'i');
		if (mb->state == M_INVITING) {
			G.outstanding--;
			mb->state = M_FAILED;
			mb->status = msg->status;
			G.last_fail_status = msg->status;
			G.calls_failed++;
		}
		return;
	}
	if (msg->cseq_method == SIP_METHOD_BYE && mb->state == M_BYEING) {
		G.outstanding--;
		mb->state = M_DONE;
		if (msg->status >= 200 && msg->status < 300)
			G.byes_ok++;
		else
			G.byes_failed++;
		return;
	}
	if (msg->cseq_method != SIP_METHOD_BYE)
		G.sip_unexpected++;
}

/* ---- receive ---- */

static void
rtp_input(struct rte_mbuf *m, uint32_t idx, const struct rte_ipv4_hdr *ip,
          const struct rte_udp_hdr *udp, uint64_t now)
{
	struct member *mb = &G.m[idx];
	const uint8_t *rtp = (const uint8_t *)(udp + 1);
	const uint8_t *rg = rtp + RG_OFF;
	uint32_t src, seq;
	uint64_t sent_tsc;
	struct member *sm;

	if (m->data_len < FRAME_LEN || rte_be_to_cpu_16(udp->dgram_len) != 8 + RTP_LEN) {
		G.short_frames++;
		return;
	}
	if (get32(rg) != RG_MAGIC) {
		G.bad_magic++;
		return;
	}
	/* the sending stream from the rtpgen header, whatever port the packet came in on */
	src = get32(rg + 4);
	if (src >= G.nb_members ||
	    (!G.streams_mode && (src == idx || G.m[src].bridge != mb->bridge))) {
		mb->misrouted++;
		return;
	}
	memcpy(&sent_tsc, rg + 12, sizeof(sent_tsc));
	sm = &G.m[src];
	/* --streams: counted on the sending stream (a relay may return it on another port);
	 * SIP calls: on the receiving member (a bridge fans it out) */
	if (G.streams_mode)
		mb = sm;
	mb->rcvd++;
	seq = get32(rg + 8);
	/* order and duplicates per sending stream, where one copy of each packet comes back
	 * (2-party calls, --streams); not in a bridge's fan-out */
	if (sm->fanout > 1) {
		/* no per-copy window */
	} else if (seq >= sm->rx_hi) {
		uint32_t d = seq - sm->rx_hi + 1;

		sm->rx_win = d >= DUP_WIN ? 0 : sm->rx_win << d;
		sm->rx_win |= 1;
		sm->rx_hi = seq + 1;
	} else {
		uint32_t d = sm->rx_hi - 1 - seq;

		if (d < DUP_WIN && (sm->rx_win >> d) & 1) {
			sm->dup++;
		} else {
			sm->reordered++;
			if (d < DUP_WIN)
				sm->rx_win |= 1ull << d;
		}
	}
	if (sent_tsc < G.warm_end)
		return;
	mb->rcvd_m++;
	if (sent_tsc <= now) {
		uint64_t l = now - sent_tsc;

		bench_hist_add(&G.lat, l);
		if (l > G.lat_max)
			G.lat_max = l;
	}
	if ((G.rx_pkts & (CKSUM_SAMPLE - 1)) == 0) {
		G.cksum_checked++;
		if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff ||
		    (udp->dgram_cksum != 0 && rte_ipv4_udptcp_cksum_verify(ip, udp) != 0))
			G.bad_cksum++;
	}
}

/* Everything that is not media for a member: ARP (answered in place), SIP, strays. */
static void
slow_input(struct rte_mbuf *m, uint64_t now)
{
	struct dpv_pkt_info info;

	switch (dpv_net_input(&G.ctx, m, &info, G.counters, now)) {
	case DPV_V_REPLY:
		queue_frame(m);
		return;
	case DPV_V_SIP:
		sip_input(rte_pktmbuf_mtod_offset(m, const char *, info.payload_off),
		          info.payload_len);
		break;
	case DPV_V_RTP:
		G.stray++;
		break;
	default:
		break;
	}
	rte_pktmbuf_free(m);
}

/* One rx burst; @return how many frames it held. */
static uint16_t
rx_burst(uint64_t now)
{
	struct rte_mbuf *pkts[DPV_BURST], *done[DPV_BURST];
	uint16_t n = rte_eth_rx_burst(G.port, 0, pkts, DPV_BURST), nd = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
		uint32_t idx;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (m->data_len >= HDRS + RTP_HDR &&
		    eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
		    ip->version_ihl == RTE_IPV4_VHL_DEF && ip->next_proto_id == IPPROTO_UDP &&
		    (idx = G.port_map[rte_be_to_cpu_16(udp->dst_port)]) != 0) {
			rtp_input(m, idx - 1, ip, udp, now);
			G.rx_pkts++;
			done[nd++] = m;
			continue;
		}
		slow_input(m, now);
	}
	if (nd)
		rte_pktmbuf_free_bulk(done, nd);
	return n;
}

/* ---- phases ---- */

static bool
arp_phase(double seconds)
{
	uint64_t end = rte_rdtsc() + (uint64_t)(seconds * (double)G.hz), next = 0;

	while (!quit && rte_rdtsc() < end) {
		uint64_t now = rte_rdtsc();

		if (now >= next) {
			send_arp_request();
			next = now + ms_tsc(100);
		}
		rx_burst(now);
		sig_flush();
		if (dpv_arp_lookup(&G.arp, G.engine_ip, &G.engine_mac) == 0)
			return G.have_mac = true;
	}
	return false;
}

/*
 * Run transactions of one kind (INVITE: members M_IDLE -> M_INVITING -> M_UP/M_FAILED; BYE:
 * M_UP -> M_BYEING -> M_DONE) until every member is through or @a seconds pass, with at most
 * SIP_WINDOW outstanding. @return the members still outstanding at the end.
 */
static uint32_t
sip_phase(bool invite, double seconds)
{
	uint8_t from = invite ? M_IDLE : M_UP, busy = invite ? M_INVITING : M_BYEING;
	uint64_t end = rte_rdtsc() + (uint64_t)(seconds * (double)G.hz), next_scan = 0;
	uint32_t next = 0, first = 0, left = 0;

	G.outstanding = 0;
	while (rte_rdtsc() < end && (!quit || !invite)) {
		uint64_t now = rte_rdtsc();

		while (rx_burst(now) == DPV_BURST)
			;
		while (next < G.nb_members && G.outstanding < SIP_WINDOW && !quit) {
			struct member *mb = &G.m[next];

			if (mb->state == from) {
				mb->state = busy;
				mb->tries = 1;
				mb->provisional = false;
				mb->next_tsc = now + ms_tsc(SIP_RETRANS_MS);
				sip_request(next, invite ? SIP_METHOD_INVITE : SIP_METHOD_BYE,
				            invite ? 'i' : 'b');
				G.outstanding++;
			}
			next++;
		}
		if (now >= next_scan) {
			/* the retransmission scan, from the oldest member still in a transaction */
			next_scan = now + ms_tsc(10);
			while (first < next && G.m[first].state != busy)
				first++;
			for (uint32_t i = first; i < next; i++) {
				struct member *mb = &G.m[i];

				if (mb->state != busy || mb->provisional || now < mb->next_tsc)
					continue;
				if (mb->tries >= SIP_TRIES) {
					mb->state = invite ? M_FAILED : M_DONE;
					G.outstanding--;
					if (invite)
						G.calls_failed++;
					else
						G.byes_failed++;
					continue;
				}
				mb->tries++;
				mb->next_tsc = now + ms_tsc(SIP_RETRANS_MS);
				G.sip_retrans++;
				sip_request(i, invite ? SIP_METHOD_INVITE : SIP_METHOD_BYE,
				            invite ? 'i' : 'b');
			}
		}
		sig_flush();
		if (next == G.nb_members && G.outstanding == 0)
			break;
	}
	for (uint32_t i = 0; i < G.nb_members; i++)
		left += G.m[i].state == busy || (G.m[i].state == from && !quit);
	return left;
}

/* Poll without sending for @a ms: SIP stragglers (retransmitted 200s), in-flight media. */
static void
quiet_phase(uint64_t ms)
{
	uint64_t end = rte_rdtsc() + ms_tsc(ms);

	while (rte_rdtsc() < end) {
		rx_burst(rte_rdtsc());
		sig_flush();
	}
}

/* The RTP frame of member @a i with seq, timestamp and the TSC field zero. */
static void
build_template(uint32_t i)
{
	struct member *mb = &G.m[i];
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)mb->frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *rtp = (uint8_t *)(udp + 1);

	memset(mb->frame, 0, sizeof(mb->frame));
	rte_ether_addr_copy(&G.engine_mac, &eth->dst_addr);
	rte_ether_addr_copy(&G.ctx.mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(20 + 8 + RTP_LEN);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(G.ctx.addr);
	ip->dst_addr = rte_cpu_to_be_32(G.engine_ip);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(mb->local_port);
	udp->dst_port = rte_cpu_to_be_16(mb->engine_port);
	udp->dgram_len = rte_cpu_to_be_16(8 + RTP_LEN);
	rtp[0] = 0x80; /* V=2, PT 0 (PCMU) */
	put32(rtp + 8, SSRC_BASE + i);
	memset(rtp + RTP_HDR + RG_LEN, 0xff, PCMU_LEN - RG_LEN); /* u-law silence */
	put32(rtp + RG_OFF, RG_MAGIC);
	put32(rtp + RG_OFF + 4, i);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	mb->frame_cksum = udp->dgram_cksum;
}

/* Fill @a m with the next packet of member @a i, stamped @a now. */
static inline void
build_rtp(struct rte_mbuf *m, uint32_t i, uint64_t now)
{
	struct member *mb = &G.m[i];
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *rtp = p + HDRS;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(rtp - 8);
	uint16_t seq = mb->seq++, ck = mb->frame_cksum, w16;
	uint32_t w32[2];

	rte_memcpy(p, mb->frame, FRAME_LEN);
	m->data_len = m->pkt_len = FRAME_LEN;
	put16(rtp + 2, seq);
	put32(rtp + 4, (uint32_t)seq * PCMU_LEN);
	put32(rtp + RG_OFF + 8, mb->tx_seq++);
	memcpy(rtp + RG_OFF + 12, &now, sizeof(now));
	/* the template's checksum covered zeros where these went: add them (RFC 1624) */
	memcpy(&w16, rtp + 2, 2);
	ck = dpv_udp_cksum_update16(ck, 0, w16);
	memcpy(w32, rtp + 4, 4);
	ck = dpv_udp_cksum_update32(ck, 0, w32[0]);
	memcpy(w32, rtp + RG_OFF + 8, 4);
	ck = dpv_udp_cksum_update32(ck, 0, w32[0]);
	memcpy(w32, rtp + RG_OFF + 12, 8);
	ck = dpv_udp_cksum_update32(ck, 0, w32[0]);
	ck = dpv_udp_cksum_update32(ck, 0, w32[1]);
	udp->dgram_cksum = ck;
	mb->sent++;
	if (now >= G.warm_end)
		mb->sent_m++;
	G.exp_out += mb->fanout;
}

/* The packet number due at @a now when @a rate packets/s leave from @a t0 (128-bit: no
 * overflow for any run length). */
static inline uint64_t
due_count(uint64_t t0, uint64_t now, uint64_t rate)
{
	return (uint64_t)((unsigned __int128)(now - t0) * rate / G.hz);
}

static void
load_phase(double seconds, uint64_t rate)
{
	struct rte_mbuf *pend[DPV_BURST];
	uint16_t npend = 0;
	uint64_t t0 = rte_rdtsc();
	uint64_t end;

	G.warm_end = t0 + (uint64_t)(G.warmup_s * (double)G.hz);
	end = G.warm_end + (uint64_t)(seconds * (double)G.hz);
	uint64_t k = 0, last = t0;
	uint64_t last_tx = 0, last_rx = 0, rx_tsc = t0;
	uint32_t s = 0;

	for (;;) {
		uint64_t now = rte_rdtsc(), lt0 = now;
		unsigned work = 0;
		uint16_t want;

		if (now >= end || quit)
			break;
		for (int b = 0; b < RX_BURSTS; b++) {
			uint16_t n = rx_burst(now);

			work += n;
			if (n)
				rx_tsc = now;
			if (n < DPV_BURST)
				break;
		}
		if (npend == 0) {
			/* new packets: a burst (max), or what is due by now (paced) */
			if (rate == 0) {
				/*
				 * As fast as the link takes it, in a closed loop: at most --window
				 * forwarded packets in flight, so that a bridge's fan-out cannot
				 * overrun the rings (or the generator's own receive side: it would
				 * measure the generator). After --stall-ms without a packet back,
				 * what is in flight is written off and the window opens again.
				 */
				uint64_t inflight, room;

				/* what was written off and came late after all counts again */
				if (G.rx_pkts + G.written_off > G.exp_out)
					G.written_off = G.exp_out - G.rx_pkts;
				inflight = G.exp_out - G.rx_pkts - G.written_off;
				if (inflight >= G.window && now - rx_tsc > G.stall) {
					G.written_off += inflight;
					G.window_stalls++;
					inflight = 0;
				}
				/* packets whose copies fit in what is left of the window */
				room =
				    inflight < G.window ? (G.window - inflight) / G.avg_fanout : 0;
				want = (uint16_t)RTE_MIN(room, (uint64_t)DPV_BURST);
			} else {
				uint64_t due = due_count(t0, now, rate);

				want =
				    due > k ? (uint16_t)RTE_MIN(due - k, (uint64_t)DPV_BURST) : 0;
				if (want) {
					uint64_t at =
					    t0 + (uint64_t)((unsigned __int128)k * G.hz / rate);

					if (now - at > G.max_lag)
						G.max_lag = now - at;
				}
			}
			if (want && rte_pktmbuf_alloc_bulk(G.mp, pend, want) == 0) {
				for (uint16_t i = 0; i < want; i++) {
					build_rtp(pend[i], G.streams[s], now);
					if (++s == G.nb_streams)
						s = 0;
				}
				npend = want;
				k += want;
			}
		}
		if (npend) {
			uint16_t sent = rte_eth_tx_burst(G.port, 0, pend, npend);

			/* what the link refuses now goes on the next pass: the stream keeps its
			 * sequence, the packet its (older) timestamp */
			if (sent < npend) {
				memmove(pend, pend + sent, sizeof(pend[0]) * (npend - sent));
				G.tx_refused_bursts++;
			}
			npend = (uint16_t)(npend - sent);
			G.tx_pkts += sent;
			work += sent;
		}
		now = rte_rdtsc();
		G.loop_cycles += now - lt0;
		if (work)
			G.loop_work_cycles += now - lt0;
		if (now - last >= G.hz) {
			printf("load 1s: tx %.0f pps, rx %.0f pps\n",
			       (double)(G.tx_pkts - last_tx) * (double)G.hz / (double)(now - last),
			       (double)(G.rx_pkts - last_rx) * (double)G.hz / (double)(now - last));
			fflush(stdout);
			last_tx = G.tx_pkts;
			last_rx = G.rx_pkts;
			last = now;
		}
	}
	/* packets built but never sent are not counted as sent */
	for (uint16_t i = 0; i < npend; i++) {
		uint8_t *rtp = rte_pktmbuf_mtod_offset(pend[i], uint8_t *, HDRS);

		uint64_t tsc;

		memcpy(&tsc, rtp + RG_OFF + 12, sizeof(tsc));
		G.m[get32(rtp + 8) - SSRC_BASE].sent--;
		if (tsc >= G.warm_end)
			G.m[get32(rtp + 8) - SSRC_BASE].sent_m--;
	}
	rte_pktmbuf_free_bulk(pend, npend);
}

/* ---- the engine's counters ---- */

static uint64_t
jnum(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

static void
ctl_snapshot(const char *tool, const char *sock, struct snap *s)
{
	static char buf[CTL_MAX];
	char cmd[512];
	json_t *top, *root, *lcores, *port, *cnt, *eth, *lc;
	json_error_t err;
	size_t len = 0, n;
	size_t i;
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(cmd, sizeof(cmd), "%s -s '%s' --json stats", tool, sock);
	f = popen(cmd, "r");
	if (f == NULL)
		return;
	while (len < sizeof(buf) - 1 && (n = fread(buf + len, 1, sizeof(buf) - 1 - len, f)) > 0)
		len += n;
	buf[len] = '\0';
	if (pclose(f) != 0 || (top = json_loads(buf, 0, &err)) == NULL ||
	    (root = json_object_get(top, "stats")) == NULL) {
		fprintf(stderr, "rtpgen: `%s` failed\n", cmd);
		return;
	}
	lcores = json_object_get(root, "lcores");
	json_array_foreach(lcores, i, lc) s->busy_cycles += jnum(lc, "busy_cycles");
	json_array_foreach(lcores, i, lc) s->media_cycles += jnum(lc, "media_cycles");
	json_array_foreach(lcores, i, lc)
	{
		json_t *rtp = json_object_get(lc, "rtp");

		s->ports_exhausted += jnum(rtp, "ports_exhausted");
		s->sdp_rejected += jnum(rtp, "sdp_rejected");
	}
	port = json_array_get(json_object_get(root, "ports"), 0);
	cnt = json_object_get(port, "counters");
	for (unsigned c = 0; c < DPV_C_MAX; c++)
		s->pc[c] = jnum(cnt, dpv_port_counter_names[c]);
	eth = json_object_get(port, "eth");
	s->imissed = jnum(eth, "imissed");
	s->ierrors = jnum(eth, "ierrors");
	s->oerrors = jnum(eth, "oerrors");
	s->rx_nombuf = jnum(eth, "rx_nombuf");
	s->ok = true;
	json_decref(top);
}

/*
 * CPU time (utime + stime, in seconds) of @a pid's DPDK worker threads (rte-worker-N in 22.11,
 * lcore-worker-N in later releases): on a
 * shared machine the engine's lcore does not get all of its CPU, and busy cycles per packet
 * (TSC) then include the time it was preempted in a busy pass. -1 when unreadable.
 */
static double
engine_cpu_s(long pid)
{
	char path[320], comm[32], stat[1024];
	unsigned long long ut, st, total = 0;
	struct dirent *d;
	bool found = false;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	dir = opendir(path);
	if (dir == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		FILE *f;
		char *p;
		size_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/comm", pid, d->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		n = fread(comm, 1, sizeof(comm) - 1, f);
		fclose(f);
		comm[n] = '\0';
		if (strncmp(comm, "rte-worker", 10) != 0 && strncmp(comm, "lcore-worker", 12) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/stat", pid, d->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		n = fread(stat, 1, sizeof(stat) - 1, f);
		fclose(f);
		stat[n] = '\0';
		/* fields 14 and 15 (utime, stime) after the ")" that ends the name */
		p = strrchr(stat, ')');
		if (p == NULL ||
		    sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu", &ut,
		           &st) != 2)
			continue;
		total += ut + st;
		found = true;
	}
	closedir(dir);
	return found ? (double)total / (double)sysconf(_SC_CLK_TCK) : -1;
}

static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
loadavg1(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = -1;

	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

/* ---- totals and the search ---- */

struct totals {
	uint64_t sent, expected, received, lost, misrouted, reordered, dup;
	double loss; /* lost / expected */
};

/* The measured window's figures over every established member. */
static void
totals_get(struct totals *t)
{
	uint32_t mpb = G.members_per_bridge;

	memset(t, 0, sizeof(*t));
	for (uint32_t b = 0; b < G.nb_bridges; b++) {
		uint64_t bsent = 0;

		for (uint32_t j = b * mpb; j < (b + 1) * mpb; j++)
			bsent += G.m[j].state == M_UP ? G.m[j].sent_m : 0;
		for (uint32_t j = b * mpb; j < (b + 1) * mpb; j++) {
			if (G.m[j].state != M_UP)
				continue;
			/* SIP: a member gets what every other member of its bridge sent */
			t->expected += G.streams_mode ? bsent : bsent - G.m[j].sent_m;
			t->received += G.m[j].rcvd_m;
			t->misrouted += G.m[j].misrouted;
			t->reordered += G.m[j].reordered;
			t->dup += G.m[j].dup;
		}
		t->sent += bsent;
	}
	t->lost = t->expected > t->received ? t->expected - t->received : 0;
	t->loss = t->expected ? (double)t->lost / (double)t->expected : 0;
}

/* A new measured window: the streams keep their sequence numbers. */
static void
totals_reset(void)
{
	for (uint32_t i = 0; i < G.nb_members; i++) {
		G.m[i].sent_m = G.m[i].rcvd_m = 0;
		G.m[i].reordered = G.m[i].dup = G.m[i].misrouted = 0;
	}
	memset(&G.lat, 0, sizeof(G.lat));
	G.lat_max = 0;
}

static FILE *csv;

static void
csv_row(uint64_t rate, const struct totals *t)
{
	if (csv != NULL)
		fprintf(csv,
		        "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		        ",%.6f,%.1f,%.1f,%.1f,%.1f\n",
		        rate, t->sent, t->received, t->lost, 100 * t->loss, lat_pct_us(50),
		        lat_pct_us(99), lat_pct_us(99.9), (double)G.lat_max * 1e6 / (double)G.hz);
}

/* One trial at @a rate total packets/s for @a seconds (after G.warmup_s), drained. */
static void
trial(double seconds, uint64_t rate, struct totals *t)
{
	totals_reset();
	load_phase(seconds, rate);
	quiet_phase(DRAIN_MS);
	totals_get(t);
	csv_row(rate, t);
}

/*
 * RFC 2544-style binary search between @a lo and @a hi (total packets/s) for the highest rate
 * whose loss is at most @a thr, until the interval is below @a res or @a max_trials ran.
 * The first trial has the warm-up, the others none (the link is warm, and each is drained).
 * @return the rate found, 0 when even @a lo lost too much.
 */
static uint64_t
search(uint64_t lo, uint64_t hi, uint64_t res, double thr, double tsecs, unsigned max_trials,
       double *found_loss)
{
	uint64_t best = 0, rate = hi;
	struct totals t;

	for (unsigned n = 1; n <= max_trials && !quit; n++) {
		bool ok, gen_limited;

		trial(tsecs, rate, &t);
		G.warmup_s = 0;
		/* a trial the generator could not offer (2 % short of the rate: the pacing lagged)
		 * says nothing about the peer: it fails, marked gen_limited */
		gen_limited = (double)t.sent < 0.98 * (double)rate * tsecs;
		ok = !gen_limited && t.received > 0 && (thr == 0 ? t.lost == 0 : t.loss <= thr);
		printf("TRIAL n=%u rate=%" PRIu64 " offered_pps=%.0f sent=%" PRIu64
		       " received=%" PRIu64 " lost=%" PRIu64
		       " loss_pct=%.4f p50_us=%.1f p99_us=%.1f %s\n",
		       n, rate, (double)t.sent / tsecs, t.sent, t.received, t.lost, 100 * t.loss,
		       lat_pct_us(50), lat_pct_us(99),
		       ok            ? "pass"
		       : gen_limited ? "fail gen_limited"
		                     : "fail");
		fflush(stdout);
		if (ok) {
			best = rate;
			*found_loss = t.loss;
			lo = rate;
		} else {
			hi = rate;
		}
		if (ok && rate == hi)
			break; /* the maximum itself passes */
		if (hi - lo <= res) {
			if (best == 0 && rate != lo)
				rate = lo; /* not tried yet: the minimum */
			else
				break;
		} else {
			rate = lo + (hi - lo) / 2;
		}
	}
	return best;
}

/* ---- the streams file ---- */

/*
 * One stream per line, "SRC_IP SRC_PORT DST_IP DST_PORT" (dotted quads, decimal ports),
 * blank lines and '#' comments ignored. SRC_IP must be --addr (the one address rtpgen owns),
 * every DST_IP the same peer (ARP resolves it), every SRC_PORT distinct. With @a m NULL: only
 * count. @return the number of streams, or -1 after printing the bad line.
 */
static long
streams_load(const char *path, struct member *m, uint32_t our_ip, uint32_t *peer_ip)
{
	char line[256], sip[64], dip[64], extra[8];
	unsigned sport, dport;
	long n = 0, lno = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "rtpgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		struct in_addr s4, d4;
		char *h = strchr(line, '#');
		int k;

		lno++;
		if (h != NULL)
			*h = '\0';
		k = sscanf(line, "%63s %u %63s %u %7s", sip, &sport, dip, &dport, extra);
		if (k <= 0)
			continue;
		if (k != 4 || inet_pton(AF_INET, sip, &s4) != 1 ||
		    inet_pton(AF_INET, dip, &d4) != 1 || sport == 0 || sport > 65535 ||
		    dport == 0 || dport > 65535 || sport == SIP_PORT) {
			fprintf(stderr, "rtpgen: %s:%ld: want SRC_IP SRC_PORT DST_IP DST_PORT\n",
			        path, lno);
			goto bad;
		}
		if (ntohl(s4.s_addr) != our_ip) {
			fprintf(stderr, "rtpgen: %s:%ld: source %s is not --addr\n", path, lno,
			        sip);
			goto bad;
		}
		if (n == 0)
			*peer_ip = ntohl(d4.s_addr);
		else if (*peer_ip != ntohl(d4.s_addr)) {
			fprintf(stderr, "rtpgen: %s:%ld: one destination address per file\n", path,
			        lno);
			goto bad;
		}
		if (n >= 65535) {
			fprintf(stderr, "rtpgen: %s: more than 65535 streams\n", path);
			goto bad;
		}
		if (m != NULL) {
			if (G.port_map[sport]) {
				fprintf(stderr, "rtpgen: %s:%ld: source port %u twice\n", path, lno,
				        sport);
				goto bad;
			}
			m[n].local_port = (uint16_t)sport;
			m[n].engine_port = (uint16_t)dport;
			m[n].bridge = (uint32_t)n;
			m[n].state = M_UP;
			G.port_map[sport] = (uint32_t)n + 1;
		}
		n++;
	}
	fclose(f);
	return n;
bad:
	fclose(f);
	return -1;
}

/* ---- main ---- */

static void __attribute__((noreturn)) usage(void)
{
	rte_exit(2, "usage: rtpgen EAL... -- (--calls N | --bridges K --members M)\n"
	            "  (--rate max | --pps P) [--seconds 1-600] [--addr A] [--engine A]\n"
	            "  [--rtp-base PORT] [--label TEXT] [--ctl SOCKET] [--ctl-tool PATH]\n"
	            "  [--setup-seconds S] [--engine-pid PID] [--window PACKETS] [--stall-ms MS]\n"
	            "  [--streams FILE] (instead of --calls/--bridges) [--warmup S] [--rate PPS]\n"
	            "  [--search --max PPS [--min PPS] [--loss-threshold F] [--trial S]\n"
	            "   [--resolution PPS] [--max-trials N]] [--csv FILE]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"calls", required_argument, NULL, 'c'},
	    {"bridges", required_argument, NULL, 'b'},
	    {"members", required_argument, NULL, 'M'},
	    {"rate", required_argument, NULL, 'r'},
	    {"pps", required_argument, NULL, 'p'},
	    {"seconds", required_argument, NULL, 's'},
	    {"addr", required_argument, NULL, 'a'},
	    {"engine", required_argument, NULL, 'e'},
	    {"rtp-base", required_argument, NULL, 'R'},
	    {"label", required_argument, NULL, 'l'},
	    {"ctl", required_argument, NULL, 'S'},
	    {"ctl-tool", required_argument, NULL, 'T'},
	    {"setup-seconds", required_argument, NULL, 'u'},
	    {"engine-pid", required_argument, NULL, 'P'},
	    {"window", required_argument, NULL, 'w'},
	    {"stall-ms", required_argument, NULL, 'W'},
	    {"warmup", required_argument, NULL, 'U'},
	    {"streams", required_argument, NULL, 'F'},
	    {"search", no_argument, NULL, 'X'},
	    {"loss-threshold", required_argument, NULL, 'L'},
	    {"trial", required_argument, NULL, 't'},
	    {"resolution", required_argument, NULL, 'Q'},
	    {"min", required_argument, NULL, 'm'},
	    {"max", required_argument, NULL, 'x'},
	    {"max-trials", required_argument, NULL, 'N'},
	    {"csv", required_argument, NULL, 'C'},
	    {NULL, 0, NULL, 0},
	};
	struct in_addr a = {.s_addr = htonl(0xC6120002)}, e = {.s_addr = htonl(0xC6120001)};
	const char *label = "-", *ctl = NULL, *tool = "build/tools/dpvoipctl";
	uint32_t calls = 0, bridges = 0, members = 0, pps = 0, rtp_base = 10000;
	bool rate_max = false;
	double seconds = 5, setup_s = 0;
	struct snap before, after;
	uint64_t t_before, t_after, expected = 0, received = 0, misrouted = 0, sent = 0;
	uint64_t reordered = 0, dup = 0, rx_all = 0;
	uint32_t left;
	long engine_pid = 0;
	uint64_t stall_ms = 2, fanout_sum = 0;
	double eng_cpu0 = -1, eng_cpu1 = -1, gen_cpu0, gen_cpu1, load1;
	int n = rte_eal_init(argc, argv), opt;
	bool warmup_set = false;
	const char *streams_file = NULL, *csv_path = NULL;
	bool do_search = false;
	double thr = 0.001, tsecs = 2, found_loss = 0;
	uint64_t res = 0, smin = 0, smax = 0, total_rate = 0, found = 0;
	unsigned max_trials = 16;
	long nstreams = 0;
	char *endp;

	if (n < 0)
		rte_exit(1, "EAL init failed\n");
	argc -= n;
	argv += n;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			calls = (uint32_t)atol(optarg);
			break;
		case 'b':
			bridges = (uint32_t)atol(optarg);
			break;
		case 'M':
			members = (uint32_t)atol(optarg);
			break;
		case 'r':
			if (strcmp(optarg, "max") == 0) {
				rate_max = true;
				break;
			}
			total_rate = strtoull(optarg, &endp, 10);
			if (*endp != '\0' || total_rate == 0)
				usage();
			break;
		case 'p':
			pps = (uint32_t)atol(optarg);
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage();
			break;
		case 'e':
			if (inet_pton(AF_INET, optarg, &e) != 1)
				usage();
			break;
		case 'R':
			rtp_base = (uint32_t)atol(optarg);
			break;
		case 'l':
			label = optarg;
			break;
		case 'S':
			ctl = optarg;
			break;
		case 'T':
			tool = optarg;
			break;
		case 'u':
			setup_s = atof(optarg);
			break;
		case 'P':
			engine_pid = atol(optarg);
			break;
		case 'w':
			G.window = (uint64_t)atol(optarg);
			break;
		case 'W':
			stall_ms = (uint64_t)atol(optarg);
			break;
		case 'F':
			streams_file = optarg;
			break;
		case 'X':
			do_search = true;
			break;
		case 'L':
			thr = strtod(optarg, &endp);
			if (*endp != '\0' || thr < 0 || thr >= 1)
				usage();
			break;
		case 't':
			tsecs = strtod(optarg, &endp);
			if (*endp != '\0' || tsecs <= 0 || tsecs > 600)
				usage();
			break;
		case 'Q':
			res = strtoull(optarg, &endp, 10);
			if (*endp != '\0' || res == 0)
				usage();
			break;
		case 'm':
			smin = strtoull(optarg, &endp, 10);
			if (*endp != '\0')
				usage();
			break;
		case 'x':
			smax = strtoull(optarg, &endp, 10);
			if (*endp != '\0')
				usage();
			break;
		case 'N':
			max_trials = (unsigned)strtoul(optarg, &endp, 10);
			if (*endp != '\0' || max_trials == 0 || max_trials > 64)
				usage();
			break;
		case 'C':
			csv_path = optarg;
			break;
		case 'U':
			G.warmup_s = strtod(optarg, &endp);
			if (*endp != '\0' || G.warmup_s < 0 || G.warmup_s > 60)
				usage();
			warmup_set = true;
			break;
		default:
			usage();
		}
	}
	if (G.window == 0)
		G.window = 1024;
	if (!warmup_set)
		G.warmup_s = 1;
	if (calls) {
		bridges = calls;
		members = 2;
	}
	if (streams_file != NULL) {
		uint32_t peer;

		if (calls || bridges || members)
			rte_exit(2, "rtpgen: --streams excludes --calls, --bridges, --members\n");
		nstreams = streams_load(streams_file, NULL, ntohl(a.s_addr), &peer);
		if (nstreams <= 0)
			rte_exit(2, "rtpgen: %s: no streams\n", streams_file);
		e.s_addr = htonl(peer);
		bridges = (uint32_t)nstreams;
		members = 1;
		G.streams_mode = true;
	}
	G.nb_members = bridges * members;
	int nmodes = rate_max + (pps > 0) + (total_rate > 0) + do_search;
	if (do_search) {
		if (smax == 0 || smin >= smax)
			rte_exit(2, "rtpgen: --search wants --max PPS above --min PPS\n");
		if (smin == 0)
			smin = 1;
		if (res == 0)
			res = RTE_MAX(smax / 100, (uint64_t)1);
	}
	/* each member one even port from rtp-base (RTCP would take the odd one) */
	if (G.streams_mode) {
		if (nmodes != 1 || seconds <= 0 || seconds > 600)
			usage();
	} else if (bridges == 0 || members < 2 || members > BRIDGE_MAX_MEMBERS || nmodes != 1 ||
	           seconds <= 0 || seconds > 600 || rtp_base < 1024 || (rtp_base & 1) ||
	           rtp_base + 2ull * G.nb_members > 65536 ||
	           (rtp_base <= SIP_PORT && SIP_PORT < rtp_base + 2ull * G.nb_members))
		usage();
	if (rte_eth_dev_count_avail() < 1)
		rte_exit(2, "no port\n");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	G.hz = rte_get_tsc_hz();
	G.stall = ms_tsc(stall_ms);
	G.run = (uint32_t)getpid() ^ (uint32_t)rte_rdtsc();
	G.members_per_bridge = members;
	G.nb_bridges = bridges;
	G.engine_ip = ntohl(e.s_addr);
	inet_ntop(AF_INET, &a, our_host, sizeof(our_host));
	inet_ntop(AF_INET, &e, engine_host, sizeof(engine_host));
	G.m = rte_zmalloc("mbench_members", sizeof(*G.m) * G.nb_members, RTE_CACHE_LINE_SIZE);
	G.streams = rte_zmalloc("mbench_streams", sizeof(*G.streams) * G.nb_members, 0);
	if (G.m == NULL || G.streams == NULL)
		rte_exit(1, "no memory for %u members\n", G.nb_members);
	if (G.streams_mode) {
		uint32_t peer;

		if (streams_load(streams_file, G.m, ntohl(a.s_addr), &peer) != nstreams)
			rte_exit(2, "rtpgen: %s changed while read\n", streams_file);
	} else {
		for (uint32_t i = 0; i < G.nb_members; i++) {
			G.m[i].bridge = i / members;
			G.m[i].local_port = (uint16_t)(rtp_base + 2 * i);
			G.port_map[G.m[i].local_port] = i + 1;
		}
	}
	G.ctx = (struct dpv_net_ctx){
	    .port_id = 0,
	    .addr = ntohl(a.s_addr),
	    .netmask = 0xffffff00,
	    .sip_port = SIP_PORT,
	    .rtp_min = (uint16_t)rtp_base,
	    .rtp_max = (uint16_t)(rtp_base + 2 * G.nb_members - 1),
	    .arp = &G.arp,
	};
	if (G.streams_mode) {
		G.ctx.rtp_min = 65535;
		G.ctx.rtp_max = 0;
		for (uint32_t i = 0; i < G.nb_members; i++) {
			G.ctx.rtp_min = RTE_MIN(G.ctx.rtp_min, G.m[i].local_port);
			G.ctx.rtp_max = RTE_MAX(G.ctx.rtp_max, G.m[i].local_port);
		}
	}
	port_setup();
	if (setup_s <= 0)
		setup_s = 30 + G.nb_members / 500.0; /* far more than the engine needs */

	if (!arp_phase(10))
		rte_exit(1, "rtpgen: no ARP reply from %s in 10 s\n", engine_host);
	uint64_t t_setup = rte_rdtsc();
	left = G.streams_mode ? 0 : sip_phase(true, setup_s);
	double setup_wall = (double)(rte_rdtsc() - t_setup) / (double)G.hz;
	printf("setup: %" PRIu64 " of %u calls up, %" PRIu64 " failed (last status %" PRIu64
	       "), %u unanswered, %.2f s (%" PRIu64 " INVITE retransmissions)\n",
	       G.calls_ok, G.nb_members, G.calls_failed, G.last_fail_status, left, setup_wall,
	       G.sip_retrans);
	quiet_phase(SETTLE_MS);
	for (uint32_t i = 0; i < G.nb_members; i++) {
		uint32_t b0 = G.m[i].bridge * members;

		if (G.m[i].state != M_UP)
			continue;
		for (uint32_t j = b0; j < b0 + members; j++)
			G.m[i].fanout += j != i && G.m[j].state == M_UP;
		if (G.streams_mode)
			G.m[i].fanout = 1; /* one packet back per packet sent */
		build_template(i);
		G.streams[G.nb_streams++] = i;
		fanout_sum += G.m[i].fanout;
	}
	G.avg_fanout = G.nb_streams && fanout_sum > G.nb_streams ? fanout_sum / G.nb_streams : 1;
	if (csv_path != NULL) {
		csv = fopen(csv_path, "w");
		if (csv == NULL)
			rte_exit(2, "rtpgen: %s: %s\n", csv_path, strerror(errno));
		fprintf(csv, "rate,sent,received,lost,loss_pct,p50_us,p99_us,p999_us,max_us\n");
	}
	if (do_search && G.nb_streams) {
		found = search(smin, smax, res, thr, tsecs, max_trials, &found_loss);
		printf("SEARCH rate=%" PRIu64 " loss=%.6f threshold=%.6f streams=%u\n", found,
		       found_loss, thr, G.nb_streams);
		/* the RESULT line: one more trial at the rate found (or the minimum) */
		total_rate = found ? found : smin;
		seconds = tsecs;
		G.warmup_s = 0;
		/* the final run's totals (sent_all, in_pps, ...) are its own */
		G.tx_pkts = G.rx_pkts = 0;
		G.exp_out = G.written_off = 0;
		G.loop_cycles = G.loop_work_cycles = 0;
	}
	totals_reset();
	if (ctl)
		ctl_snapshot(tool, ctl, &before);
	if (engine_pid)
		eng_cpu0 = engine_cpu_s(engine_pid);
	gen_cpu0 = thread_cpu_s();
	load1 = loadavg1();
	t_before = rte_rdtsc();
	if (G.nb_streams)
		load_phase(seconds, rate_max     ? 0
		                    : total_rate ? total_rate
		                                 : (uint64_t)pps * G.nb_streams);
	double load_wall = (double)(rte_rdtsc() - t_before) / (double)G.hz;
	uint64_t rx_load = G.rx_pkts;
	quiet_phase(DRAIN_MS);
	rx_all = G.rx_pkts;
	{
		struct totals tt;

		totals_get(&tt);
		csv_row(rate_max ? 0 : total_rate ? total_rate : (uint64_t)pps * G.nb_streams, &tt);
	}
	t_after = rte_rdtsc();
	gen_cpu1 = thread_cpu_s();
	if (engine_pid)
		eng_cpu1 = engine_cpu_s(engine_pid);
	if (ctl)
		ctl_snapshot(tool, ctl, &after);

	/* per member: what every other established member of its bridge sent */
	for (uint32_t b = 0; b < G.nb_bridges; b++) {
		uint64_t bsent = 0;

		for (uint32_t j = b * members; j < (b + 1) * members; j++)
			bsent += G.m[j].state == M_UP ? G.m[j].sent_m : 0;
		for (uint32_t j = b * members; j < (b + 1) * members; j++) {
			if (G.m[j].state != M_UP)
				continue;
			expected += G.streams_mode ? bsent : bsent - G.m[j].sent_m;
			received += G.m[j].rcvd_m;
			misrouted += G.m[j].misrouted;
			reordered += G.m[j].reordered;
			dup += G.m[j].dup;
		}
		sent += bsent;
	}
	uint64_t tx_pkts = G.tx_pkts;
	G.sip_retrans = 0;
	left = G.streams_mode ? 0 : sip_phase(false, 10 + G.nb_members / 500.0);
	quiet_phase(100);
	printf("teardown: %" PRIu64 " BYEs answered 2xx, %" PRIu64 " not, %u unanswered\n",
	       G.byes_ok, G.byes_failed, left);

	double loss = expected ? 100.0 * (double)(expected > received ? expected - received : 0) /
	                             (double)expected
	                       : 0;
	printf("load: %u streams (%u bridges of %u), %s, %.2f s: sent %" PRIu64 " (%.0f pps), "
	       "received %" PRIu64 " (%.0f pps during load), expected %" PRIu64 ", loss %.4f%%, "
	       "misrouted %" PRIu64 ", latency p50 %.1f us p99 %.1f us, max pacing lag %.2f ms, "
	       "generator busy %.0f%%, tx refused %" PRIu64 " bursts, checksums bad %" PRIu64
	       " of %" PRIu64 ", stray %" PRIu64 "\n",
	       G.nb_streams, G.nb_bridges, members, rate_max ? "max rate" : "paced", load_wall,
	       tx_pkts, (double)tx_pkts / load_wall, received, (double)rx_load / load_wall,
	       expected, loss, misrouted, lat_pct_us(50), lat_pct_us(99),
	       (double)G.max_lag * 1e3 / (double)G.hz,
	       G.loop_cycles ? 100.0 * (double)G.loop_work_cycles / (double)G.loop_cycles : 0,
	       G.tx_refused_bursts, G.bad_cksum, G.cksum_checked, G.stray);

	printf("RESULT link=%s members=%u bridges=%u streams=%u rate=%s pps=%u secs=%.2f "
	       "calls_ok=%" PRIu64 " calls_failed=%" PRIu64 " fail_status=%" PRIu64
	       " tx_pps=%.0f rx_pps=%.0f sent=%" PRIu64 " expected=%" PRIu64 " received=%" PRIu64
	       " loss_pct=%.4f misrouted=%" PRIu64 " lat_p50_us=%.1f lat_p99_us=%.1f"
	       " lag_ms=%.2f gen_busy_pct=%.0f bad_cksum=%" PRIu64
	       " setup_s=%.2f window_stalls=%" PRIu64,
	       label, members, bridges, G.nb_streams, rate_max ? "max" : "paced", pps, load_wall,
	       G.calls_ok, G.calls_failed, G.last_fail_status, (double)tx_pkts / load_wall,
	       (double)rx_load / load_wall, sent, expected, received, loss, misrouted,
	       lat_pct_us(50), lat_pct_us(99), (double)G.max_lag * 1e3 / (double)G.hz,
	       G.loop_cycles ? 100.0 * (double)G.loop_work_cycles / (double)G.loop_cycles : 0,
	       G.bad_cksum, setup_wall, G.window_stalls);
	double win = (double)(t_after - t_before) / (double)G.hz;
	printf(" gen_cpu_pct=%.0f eng_cpu_pct=%.0f loadavg=%.1f",
	       100.0 * (gen_cpu1 - gen_cpu0) / win,
	       eng_cpu0 >= 0 && eng_cpu1 >= 0 ? 100.0 * (eng_cpu1 - eng_cpu0) / win : -1, load1);
	if (ctl && before.ok && after.ok) {
		uint64_t busy = after.busy_cycles - before.busy_cycles;
		uint64_t relay = after.media_cycles - before.media_cycles;
		uint64_t rx = after.pc[DPV_C_rx_rtp] - before.pc[DPV_C_rx_rtp];
		uint64_t tx = after.pc[DPV_C_tx_rtp] - before.pc[DPV_C_tx_rtp];
		char drops[1024] = "";
		size_t dl = 0;

		for (unsigned c = 0; c < DPV_C_MAX; c++) {
			uint64_t d = after.pc[c] - before.pc[c];

			if (d && strncmp(dpv_port_counter_names[c], "drop_", 5) == 0 &&
			    dl < sizeof(drops) - 64)
				dl += (size_t)snprintf(drops + dl, sizeof(drops) - dl,
				                       "%s%s:%" PRIu64, dl ? "," : "",
				                       dpv_port_counter_names[c] + 5, d);
		}
#define ETH_DROP(f)                                                                                \
	if (after.f - before.f && dl < sizeof(drops) - 64)                                         \
		dl += (size_t)snprintf(drops + dl, sizeof(drops) - dl, "%seth_" #f ":%" PRIu64,    \
		                       dl ? "," : "", after.f - before.f);
		ETH_DROP(imissed)
		ETH_DROP(ierrors)
		ETH_DROP(oerrors)
		ETH_DROP(rx_nombuf)
#undef ETH_DROP
		printf(" eng_rx_rtp=%" PRIu64 " eng_tx_rtp=%" PRIu64 " eng_busy_pct=%.1f"
		       " eng_cyc_in=%.0f eng_cyc_out=%.0f relay_cyc_in=%.0f relay_cyc_out=%.0f"
		       " ports_exhausted=%" PRIu64 " drops=%s",
		       rx, tx, 100.0 * (double)busy / (double)(t_after - t_before),
		       rx ? (double)busy / (double)rx : 0, tx ? (double)busy / (double)tx : 0,
		       rx ? (double)relay / (double)rx : 0, tx ? (double)relay / (double)tx : 0,
		       after.ports_exhausted, dl ? drops : "none");
	}
	uint64_t lost = expected > received ? expected - received : 0;

	/* the figures after the warm-up: expected = copies due back for what was sent */
	printf(" sent_all=%" PRIu64 " received_all=%" PRIu64 " warmup_s=%.2f lost=%" PRIu64
	       " reordered=%" PRIu64 " dup=%" PRIu64 " p50_us=%.1f p99_us=%.1f p999_us=%.1f"
	       " max_us=%.1f in_pps=%.0f out_pps=%.0f bad_magic=%" PRIu64,
	       tx_pkts, rx_all, G.warmup_s, lost, reordered, dup, lat_pct_us(50), lat_pct_us(99),
	       lat_pct_us(99.9), (double)G.lat_max * 1e6 / (double)G.hz,
	       (double)tx_pkts / load_wall, (double)rx_load / load_wall, G.bad_magic);
	printf("\n");
	fflush(stdout);
	/* as dpv-fwdbench: let the peer stop polling before the memif regions go away */
	rte_delay_us_sleep(500000);
	rte_eth_dev_stop(G.port);
	rte_eth_dev_close(G.port);
	rte_eal_cleanup();
	/* 0: every call up and nothing lost after the warm-up */
	if (csv != NULL)
		fclose(csv);
	if (do_search)
		return found ? 0 : 1;
	return G.calls_failed == 0 && (G.calls_ok > 0 || G.streams_mode) && lost == 0 &&
	               received > 0
	           ? 0
	           : 1;
}
