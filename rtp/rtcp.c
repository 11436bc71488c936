/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTCP reports we send (RFC 3550 6.4, 6.5, 6.1): one compound packet of an SR (or an RR when we
 * sent nothing) with at most one report block, then an SDES with our CNAME; and the randomised
 * report interval (6.3.1, 6.3.5).
 */
#include <string.h>

#include "rtp.h"

static inline uint8_t *
w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint8_t *
w32(uint8_t *p, uint32_t v)
{
	p = w16(p, (uint16_t)(v >> 16));
	return w16(p, (uint16_t)v);
}

/* A packet header: V=2, P=0, the count, the type and the length in 32-bit words minus one. */
static uint8_t *
header(uint8_t *p, uint8_t count, uint8_t pt, uint32_t len)
{
	*p++ = (uint8_t)(0x80 | count);
	*p++ = pt;
	return w16(p, (uint16_t)(len / 4 - 1));
}

static uint8_t *
report_block(uint8_t *p, const struct rtcp_rb *rb)
{
	int32_t lost = rb->cum_lost;

	if (lost > RTP_RX_LOST_MAX)
		lost = RTP_RX_LOST_MAX;
	if (lost < RTP_RX_LOST_MIN)
		lost = RTP_RX_LOST_MIN;
	p = w32(p, rb->ssrc);
	p = w32(p, (uint32_t)rb->fraction_lost << 24 | ((uint32_t)lost & 0xffffff));
	p = w32(p, rb->ext_max_seq);
	p = w32(p, rb->jitter);
	p = w32(p, rb->lsr);
	return w32(p, rb->dlsr);
}

int
rtcp_write_report(uint8_t *buf, uint32_t cap, const struct rtcp_report *r)
{
	bool sr = r->pkt_count != 0;
	uint8_t rc = r->has_rb ? 1 : 0;
	uint32_t rlen = (sr ? RTCP_SR_LEN : RTCP_RR_LEN) + RTCP_RB_LEN * rc;
	/* SDES: header, one chunk of SSRC, CNAME item (type, length, text), then 1-4 null octets
	 * ending the item list on a 32-bit boundary */
	uint32_t item = 2 + r->cname.len, slen = 4 + ((4 + item + 4) & ~3u);
	uint8_t *p = buf;

	if (r->cname.len == 0 || r->cname.len > 255 || r->cname.p == NULL)
		return -1;
	if (cap < rlen + slen)
		return -1;
	p = header(p, rc, sr ? RTCP_PT_SR : RTCP_PT_RR, rlen);
	p = w32(p, r->ssrc);
	if (sr) {
		p = w32(p, (uint32_t)(r->ntp >> 32));
		p = w32(p, (uint32_t)r->ntp);
		p = w32(p, r->rtp_ts);
		p = w32(p, r->pkt_count);
		p = w32(p, r->octet_count);
	}
	if (rc)
		p = report_block(p, &r->rb);
	p = header(p, 1, RTCP_PT_SDES, slen);
	p = w32(p, r->ssrc);
	*p++ = RTCP_SDES_CNAME;
	*p++ = (uint8_t)r->cname.len;
	memcpy(p, r->cname.p, r->cname.len);
	p += r->cname.len;
	memset(p, 0, (size_t)(buf + rlen + slen - p));
	return (int)(rlen + slen);
}

uint32_t
rtcp_interval_ms(uint32_t random)
{
	/* RTCP_INTERVAL_MS * [0.5, 1.5): 0.5 + random / 2^32 */
	return RTCP_INTERVAL_MS / 2 + (uint32_t)(((uint64_t)random * RTCP_INTERVAL_MS) >> 32);
}
