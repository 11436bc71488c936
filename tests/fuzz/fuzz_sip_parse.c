/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: sip_parse, the lazy iterators, the UAS checks and the response writer.
 * Oracle beyond "no crash": a response written from a request that parsed must parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip.h"

static const char *const exts[] = {"timer", "100rel"};
static const struct sip_check_cfg cfg = {.methods = ~0u, .extensions = exts, .n_extensions = 2};

static void
walk_lists(const struct sip_msg *m)
{
	static const enum sip_hdr_type lists[] = {SIP_HDR_CONTACT, SIP_HDR_ROUTE,
	                                          SIP_HDR_RECORD_ROUTE};
	struct sip_list_iter it;
	struct sip_naddr na, first;
	struct sip_via v;
	struct dpv_str val;
	int n = 0;

	sip_list_iter_init(&it, m, SIP_HDR_VIA);
	while (sip_via_next(&it, &v) == 1 && n++ < 1000)
		(void)sip_param_find(v.params, "maddr", &val);
	for (unsigned i = 0; i < 3; i++) {
		bool have = false;
		sip_list_iter_init(&it, m, lists[i]);
		while (sip_naddr_next(&it, &na) == 1 && n++ < 2000) {
			(void)sip_param_find(na.params, "expires", &val);
			if (have)
				(void)sip_uri_eq(&first.uri, &na.uri);
			first = na;
			have = true;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg m, r;
	static char out[8192];
	struct sip_check_result res;
	int rc, w;

	if (size > SIP_MAX_MSG_LEN + 16)
		return 0;
	rc = sip_parse((const char *)data, (uint32_t)size, &m);
	(void)sip_parse_strerror(rc);
	if (rc != 0) {
		/* partial messages may still be answered; the output is not checked */
		(void)sip_write_reject(out, sizeof(out), &m, sip_parse_status(rc),
		                       sip_parse_strerror(rc), NULL, DPV_STR_LIT("t1"),
		                       DPV_STR_NULL);
		return 0;
	}
	walk_lists(&m);
	(void)sip_uri_eq(&m.from.uri, &m.to.uri);
	(void)sip_uri_part_eq(m.from.uri.user, m.to.uri.user, false);
	if (!m.is_request)
		return 0;
	sip_msg_check_request(&m, &cfg, &res);
	w = res.status
	        ? sip_write_reject(out, sizeof(out), &m, res.status, res.reason, NULL,
	                           DPV_STR_LIT("t1"), res.unsupported)
	        : sip_write_response(out, sizeof(out), &m, 200, NULL, DPV_STR_LIT("tag1"),
	                             DPV_STR_NULL, DPV_STR_LIT("x"), DPV_STR_LIT("text/plain"));
	/* A response copies every Via and adds Warning and Content-Length: from a request near the
	 * header limit it may carry more lines than the parser takes from a peer. Below that,
	 * whatever we write must parse back. */
	if (w > 0 && m.n_hdrs + 3 <= SIP_MAX_HEADERS && sip_parse(out, (uint32_t)w, &r) != 0)
		abort();
	return 0;
}
