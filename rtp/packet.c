/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTP and RTCP headers over byte buffers (RFC 3550 sections 5.1, 5.3.1, 6.1, 6.4, A.2; RFC 5761
 * section 4). Every read is bounds-checked against the length the caller gives; nothing here
 * allocates or logs.
 */
#include <string.h>

#include "rtp.h"

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *const err_names[] = {
    [0] = "ok",
    [-RTP_E_SHORT] = "rtp_short",
    [-RTP_E_VERSION] = "rtp_version",
    [-RTP_E_CSRC] = "rtp_csrc",
    [-RTP_E_EXT_HDR] = "rtp_ext_hdr",
    [-RTP_E_EXT_LEN] = "rtp_ext_len",
    [-RTP_E_PAD_ZERO] = "rtp_pad_zero",
    [-RTP_E_PAD_LEN] = "rtp_pad_len",
    [-RTCP_E_SHORT] = "rtcp_short",
    [-RTCP_E_VERSION] = "rtcp_version",
    [-RTCP_E_FIRST_PT] = "rtcp_first_pt",
    [-RTCP_E_TRUNC] = "rtcp_trunc",
    [-RTCP_E_TRAILING] = "rtcp_trailing",
    [-RTCP_E_PAD_NOT_LAST] = "rtcp_pad_not_last",
    [-RTCP_E_PAD] = "rtcp_pad",
    [-RTCP_E_REPORT_LEN] = "rtcp_report_len",
};

_Static_assert(sizeof(err_names) / sizeof(err_names[0]) == -RTP_PKT_E_MIN,
               "a name for every error");

const char *
rtp_pkt_strerror(int err)
{
	if (err > 0 || err <= RTP_PKT_E_MIN)
		return "unknown";
	return err_names[-err];
}

int
rtp_hdr_parse(const uint8_t *p, uint32_t len, struct rtp_hdr_view *v)
{
	uint32_t off, b0;

	if (len < RTP_HDR_LEN)
		return RTP_E_SHORT;
	b0 = p[0];
	if (b0 >> 6 != 2)
		return RTP_E_VERSION;
	v->cc = b0 & 0x0f;
	v->ext = (b0 & 0x10) != 0;
	v->marker = (p[1] & 0x80) != 0;
	v->pt = p[1] & 0x7f;
	v->seq = be16(p + 2);
	v->ts = be32(p + 4);
	v->ssrc = be32(p + 8);
	off = RTP_HDR_LEN + 4u * v->cc;
	if (off > len)
		return RTP_E_CSRC;
	v->ext_profile = 0;
	v->ext_len = 0;
	if (v->ext) {
		if (len - off < 4)
			return RTP_E_EXT_HDR;
		v->ext_profile = be16(p + off);
		v->ext_len = 4u * be16(p + off + 2);
		off += 4;
		if (v->ext_len > len - off)
			return RTP_E_EXT_LEN;
		off += v->ext_len;
	}
	v->hdr_len = off;
	v->payload_len = len - off;
	v->pad_len = 0;
	if (b0 & 0x20) {
		/* The count is the last byte of the packet and counts itself. */
		if (v->payload_len == 0)
			return RTP_E_PAD_LEN;
		v->pad_len = p[len - 1];
		if (v->pad_len == 0)
			return RTP_E_PAD_ZERO;
		if (v->pad_len > v->payload_len)
			return RTP_E_PAD_LEN;
		v->payload_len -= v->pad_len;
	}
	return 0;
}

bool
rtp_is_rtcp(const uint8_t *p, uint32_t len)
{
	return len >= 2 && p[1] >= 192 && p[1] <= 223;
}

void
rtcp_rb_read(const uint8_t *p, struct rtcp_rb *rb)
{
	uint32_t w = be32(p + 4);

	rb->ssrc = be32(p);
	rb->fraction_lost = (uint8_t)(w >> 24);
	/* 24-bit two's complement, sign-extended */
	rb->cum_lost = (int32_t)((w & 0xffffff) ^ 0x800000) - 0x800000;
	rb->ext_max_seq = be32(p + 8);
	rb->jitter = be32(p + 12);
	rb->lsr = be32(p + 16);
	rb->dlsr = be32(p + 20);
}

/* The first packet: an SR or RR whose body (without padding) holds what its header says. */
static int
first_report(const uint8_t *p, uint32_t body, struct rtcp_view *v)
{
	uint32_t need;

	v->pt = p[1];
	if (v->pt != RTCP_PT_SR && v->pt != RTCP_PT_RR)
		return RTCP_E_FIRST_PT;
	v->rc = p[0] & 0x1f;
	need = (v->pt == RTCP_PT_SR ? RTCP_SR_LEN : RTCP_RR_LEN) + RTCP_RB_LEN * v->rc;
	if (need > body)
		return RTCP_E_REPORT_LEN;
	v->ssrc = be32(p + 4);
	if (v->pt == RTCP_PT_SR) {
		v->ntp = (uint64_t)be32(p + 8) << 32 | be32(p + 12);
		v->ntp_mid = be32(p + 10);
		v->rtp_ts = be32(p + 16);
		v->pkt_count = be32(p + 20);
		v->octet_count = be32(p + 24);
	}
	v->rb_off = need - RTCP_RB_LEN * v->rc;
	if (v->rc > 0)
		rtcp_rb_read(p + v->rb_off, &v->rb);
	return 0;
}

int
rtcp_parse(const uint8_t *p, uint32_t len, struct rtcp_view *v)
{
	uint32_t off = 0;
	int e;

	memset(v, 0, sizeof(*v));
	if (len < RTCP_RR_LEN)
		return RTCP_E_SHORT;
	while (off < len) {
		uint32_t plen, pad = 0;

		if (len - off < 4)
			return RTCP_E_TRAILING;
		if (p[off] >> 6 != 2)
			return RTCP_E_VERSION;
		plen = 4u * ((uint32_t)be16(p + off + 2) + 1);
		if (plen > len - off)
			return RTCP_E_TRUNC;
		if (p[off] & 0x20) {
			if (off + plen != len)
				return RTCP_E_PAD_NOT_LAST;
			pad = p[off + plen - 1];
			if (pad == 0 || pad > plen - 4)
				return RTCP_E_PAD;
		}
		if (off == 0 && (e = first_report(p, plen - pad, v)) < 0)
			return e;
		if (p[off + 1] == RTCP_PT_BYE)
			v->bye = true;
		if (v->nb_pkts < UINT8_MAX)
			v->nb_pkts++;
		off += plen;
	}
	return 0;
}
