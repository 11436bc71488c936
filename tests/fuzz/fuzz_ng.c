/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the NG request path without an engine. Any bytes go through ng_req_parse
 * (bencode, keys, flags, rtpp_flags, received-from); when the request carries an SDP that
 * rtp_sdp_parse takes, it is rewritten with ng_sdp_rewrite as an offer's reply would be, into
 * a buffer that is sometimes too small. Oracles beyond "no crash, no over-read": the rewrite
 * never reports more than it was given room for, and what it writes holds as many m= lines as
 * the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ng_int.h"

static struct dpv_benc_node nodes[NG_MAX_NODES];
static char out[2 * RTP_SDP_MAX_LEN];

static unsigned
m_lines(const char *p, size_t n)
{
	unsigned c = 0;

	for (size_t i = 0; i + 1 < n; i++)
		c += (i == 0 || p[i - 1] == '\n') && p[i] == 'm' && p[i + 1] == '=';
	return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_req r;
	struct rtp_sdp sdp;
	char why[160];
	struct ng_sdp_rewrite rw = {.ip = 0xc6120001u, .replace_origin = true};
	uint32_t cap;
	int n;

	if (size > 65536)
		return 0;
	if (ng_req_parse((const char *)data, (uint32_t)size, nodes, &r, why, sizeof(why)) < 0)
		return 0;
	if (r.sdp.len == 0 || rtp_sdp_parse(r.sdp.p, r.sdp.len, &sdp) != RTP_SDP_OK)
		return 0;
	rw.nb_ports = sdp.nb_media;
	for (unsigned i = 0; i < sdp.nb_media; i++)
		rw.ports[i] = sdp.media[i].port ? (uint16_t)(20000 + 2 * i) : 0;
	/* the room is sometimes less than needed: the rewrite must say so, never overrun */
	cap = (size & 1) ? (uint32_t)(r.sdp.len / 2) : (uint32_t)sizeof(out);
	n = ng_sdp_rewrite(r.sdp.p, r.sdp.len, &rw, out, cap);
	if (n > (int)cap)
		abort();
	if (n >= 0 && m_lines(out, (size_t)n) != m_lines(r.sdp.p, r.sdp.len))
		abort();
	return 0;
}
