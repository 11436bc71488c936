/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive statistics of one RTP stream: sequence tracking with probation (RFC 3550 A.1),
 * expected and lost packets (A.3), interarrival jitter (A.8, the integer form). Constant time,
 * no allocation: the struct lives in per-lcore arrays.
 */
#include <string.h>

#include "rtp.h"

#define RTP_SEQ_MOD    (1u << 16)
#define MAX_DROPOUT    3000
#define MAX_MISORDER   100
#define MIN_SEQUENTIAL 2
#define SEEN_BITS      64

/* Largest |D| (timestamp units) the jitter takes in: keeps 16 * jitter within 32 bits when a
 * stream's timestamps jump (about 4.6 hours at 8 kHz). */
#define MAX_TRANSIT_DELTA (1u << 27)

enum { F_SOURCE = 1, F_TRANSIT = 2 };

void
rtp_rx_init(struct rtp_rx_stats *s)
{
	memset(s, 0, sizeof(*s));
}

/* A.1 init_seq: the stream (re)starts at @a seq. */
static void
init_seq(struct rtp_rx_stats *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = RTP_SEQ_MOD + 1; /* matches no sequence number */
	s->cycles = 0;
	s->received = 0;
	s->received_prior = 0;
	s->expected_prior = 0;
	s->seen = 1;
	s->flags &= (uint8_t)~F_TRANSIT; /* a new timestamp base, maybe */
}

/* A.8: J += (|D| - J) / 16, with J kept times 16. */
static void
update_jitter(struct rtp_rx_stats *s, uint32_t ts, uint32_t arrival)
{
	uint32_t transit = arrival - ts, d;

	if (s->flags & F_TRANSIT) {
		d = transit - s->transit;
		if ((int32_t)d < 0)
			d = 0u - d;
		if (d > MAX_TRANSIT_DELTA)
			d = MAX_TRANSIT_DELTA;
		s->jitter16 += d - ((s->jitter16 + 8) >> 4);
	}
	s->transit = transit;
	s->flags |= F_TRANSIT;
}

/* A packet behind max_seq by @a back (1 .. MAX_MISORDER - 1): a duplicate when the window says
 * it was seen, else a reordered packet. */
static void
late(struct rtp_rx_stats *s, uint16_t back)
{
	if (back >= SEEN_BITS) {
		s->reordered++; /* beyond the window: cannot tell, call it late */
	} else if (s->seen >> back & 1) {
		s->duplicates++;
	} else {
		s->seen |= UINT64_C(1) << back;
		s->reordered++;
	}
}

bool
rtp_rx_update(struct rtp_rx_stats *s, uint16_t seq, uint32_t ts, uint32_t arrival)
{
	uint16_t udelta;

	if (!(s->flags & F_SOURCE)) {
		init_seq(s, seq);
		s->max_seq = (uint16_t)(seq - 1);
		s->probation = MIN_SEQUENTIAL;
		s->flags |= F_SOURCE;
	}
	udelta = (uint16_t)(seq - s->max_seq);
	if (s->probation) {
		/* The source is valid once MIN_SEQUENTIAL packets came in sequence. */
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				init_seq(s, seq);
				goto counted;
			}
		} else {
			s->probation = MIN_SEQUENTIAL - 1;
			s->max_seq = seq;
		}
		s->rejected++;
		return false;
	}
	if (udelta == 0) {
		s->duplicates++; /* of the highest */
	} else if (udelta < MAX_DROPOUT) {
		/* in order, with a permissible gap */
		if (seq < s->max_seq)
			s->cycles += RTP_SEQ_MOD;
		s->seen = udelta >= SEEN_BITS ? 1 : s->seen << udelta | 1;
		s->max_seq = seq;
	} else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
		/* a very large jump: believe it when the next packet follows it */
		if (seq != s->bad_seq) {
			s->bad_seq = (seq + 1u) & (RTP_SEQ_MOD - 1);
			s->rejected++;
			return false;
		}
		init_seq(s, seq);
	} else {
		late(s, (uint16_t)(s->max_seq - seq));
	}
counted:
	s->received++;
	update_jitter(s, ts, arrival);
	return true;
}

bool
rtp_rx_valid(const struct rtp_rx_stats *s)
{
	return (s->flags & F_SOURCE) && s->probation == 0;
}

uint32_t
rtp_rx_ext_max_seq(const struct rtp_rx_stats *s)
{
	return s->cycles + s->max_seq;
}

uint32_t
rtp_rx_expected(const struct rtp_rx_stats *s)
{
	return rtp_rx_valid(s) ? rtp_rx_ext_max_seq(s) - s->base_seq + 1 : 0;
}

int32_t
rtp_rx_cum_lost(const struct rtp_rx_stats *s)
{
	int64_t lost = (int64_t)rtp_rx_expected(s) - s->received;

	if (lost > RTP_RX_LOST_MAX)
		return RTP_RX_LOST_MAX;
	if (lost < RTP_RX_LOST_MIN)
		return RTP_RX_LOST_MIN;
	return (int32_t)lost;
}

uint8_t
rtp_rx_fraction_lost(struct rtp_rx_stats *s)
{
	uint32_t expected = rtp_rx_expected(s);
	uint32_t expected_interval = expected - s->expected_prior;
	uint32_t received_interval = s->received - s->received_prior;
	int64_t lost_interval = (int64_t)expected_interval - received_interval;
	uint64_t fraction;

	s->expected_prior = expected;
	s->received_prior = s->received;
	if (expected_interval == 0 || lost_interval <= 0)
		return 0;
	fraction = ((uint64_t)lost_interval << 8) / expected_interval;
	return fraction > 255 ? 255 : (uint8_t)fraction; /* 8 bits: 256/256 would read 0 */
}

uint32_t
rtp_rx_jitter(const struct rtp_rx_stats *s)
{
	return s->jitter16 >> 4;
}

void
rtp_rx_fill_rb(struct rtp_rx_stats *s, struct rtcp_rb *rb)
{
	rb->fraction_lost = rtp_rx_fraction_lost(s);
	rb->cum_lost = rtp_rx_cum_lost(s);
	rb->ext_max_seq = rtp_rx_ext_max_seq(s);
	rb->jitter = rtp_rx_jitter(s);
}
