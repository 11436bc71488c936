/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Corpus conformance: RFC 4475 and RFC 5118 torture messages against the outcomes their
 * READMEs list, and the 4527 PROTOS c07-sip cases through parse, check and write.
 * Needs DPV_CORPORA; without it the tests fail (the runner decides whether to run them).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sip.h"
#include "sip_test_helpers.h"

struct outcome {
	const char *file;
	int parse;      /* sip_parse() result */
	uint16_t check; /* sip_msg_check_request() status when it parsed (requests) */
};

/* One row per file, from rfc4475/README.md (RFC 4475 sections 3.1-3.4). Parse errors carry the
 * status a UAS answers (400/505); for responses (bcast, scalarlg, bigcode, unreason,
 * noreason) an error means "drop". */
static const struct outcome rfc4475[] = {
    /* 3.1.1 valid: must accept */
    {"wsinv.dat", 0, 0},
    {"intmeth.dat", 0, 501}, /* endpoint: unknown method */
    {"esc01.dat", 0, 0},
    {"escnull.dat", 0, 0},
    {"esc02.dat", 0, 501}, /* RE%47IST%45R is an unknown method */
    {"lwsdisp.dat", 0, 0},
    {"longreq.dat", 0, 0},
    {"dblreq.dat", 0, 0},
    {"semiuri.dat", 0, 0},
    {"transports.dat", 0, 0},
    {"mpart01.dat", 0, 0},
    {"unreason.dat", 0, 0},
    {"noreason.dat", 0, 0},
    /* 3.1.2 invalid */
    {"badinv01.dat", SIP_PERR_VIA, 0},
    {"clerr.dat", SIP_PERR_CL_BEYOND, 0},
    {"ncl.dat", SIP_PERR_CL, 0},
    {"scalar02.dat", SIP_PERR_CSEQ, 0},
    {"scalarlg.dat", SIP_PERR_CSEQ, 0},
    {"quotbal.dat", SIP_PERR_TO, 0},
    {"ltgtruri.dat", SIP_PERR_RURI, 0},
    {"lwsruri.dat", SIP_PERR_START_LINE, 0},
    {"lwsstart.dat", SIP_PERR_START_LINE, 0},
    {"trws.dat", SIP_PERR_START_LINE, 0},
    {"escruri.dat", SIP_PERR_RURI_HEADERS, 0},
    {"baddate.dat", 0, 0}, /* the Date does not matter to us: accept */
    {"regbadct.dat", 0, 400},
    {"badaspec.dat", SIP_PERR_TO, 0},
    {"baddn.dat", SIP_PERR_FROM, 0},
    {"badvers.dat", SIP_PERR_VERSION, 0},
    {"mismatch01.dat", SIP_PERR_CSEQ_METHOD, 0},
    {"mismatch02.dat", SIP_PERR_CSEQ_METHOD, 0}, /* 400 is allowed */
    {"bigcode.dat", SIP_PERR_STATUS, 0},
    /* 3.2 - 3.4 */
    {"badbranch.dat", 0, 400},
    {"insuf.dat", SIP_PERR_NO_FROM, 0},
    {"unkscm.dat", 0, 416},
    {"novelsc.dat", 0, 416},
    {"unksm2.dat", 0, 0}, /* a registrar's 400 for non-SIP To belongs to the registrar */
    {"bext01.dat", 0, 420},
    {"invut.dat", 0, 415},
    {"regaut01.dat", 0, 0},
    {"multi01.dat", SIP_PERR_DUP_FROM, 0},
    {"mcl01.dat", SIP_PERR_CL_DUP, 0},
    {"bcast.dat", 0, 0},  /* parses; discarding it is the transaction layer's call */
    {"zeromf.dat", 0, 0}, /* endpoint processes Max-Forwards 0 normally */
    {"cparam01.dat", 0, 0},
    {"cparam02.dat", 0, 0},
    {"regescrt.dat", 0, 0},
    {"sdp01.dat", 0, 406},
    {"inv2543.dat", 0, 0},
    {"test.dat", SIP_PERR_START_LINE, 0},
};

/* rfc5118/README.md. Policy for 4.10: the 3-colon form is accepted (RFC 5954). In the LF
 * archive, ipv6-in-sdp and mult-ip-in-sdp declare more body than they carry: a datagram
 * with Content-Length beyond its end is a 400 (RFC 3261 18.3), as for clerr. */
static const struct outcome rfc5118_lf[] = {
    {"ipv6-good", 0, 0},
    {"ipv6-bad", SIP_PERR_RURI, 0},
    {"port-ambiguous", 0, 0},
    {"port-unambiguous", 0, 0},
    {"via-received-param-with-delim", 0, 0},
    {"via-received-param-no-delim", 0, 0},
    {"ipv6-in-sdp", SIP_PERR_CL_BEYOND, 0},
    {"mult-ip-in-header", 0, 0},
    {"mult-ip-in-sdp", SIP_PERR_CL_BEYOND, 0},
    {"ipv4-mapped-ipv6", 0, 0},
    {"ipv6-bug-abnf-3-colons", 0, 0},
    {"ipv6-correct-abnf-2-colons", 0, 0},
};

static const struct outcome rfc5118_crlf[] = {
    {"ipv6-good", 0, 0},
    {"ipv6-bad", SIP_PERR_RURI, 0},
    {"port-ambiguous", 0, 0},
    {"port-unambiguous", 0, 0},
    {"via-received-param-with-delim", 0, 0},
    {"via-received-param-no-delim", 0, 0},
    {"ipv6-in-sdp", 0, 0},
    {"mult-ip-in-header", 0, 0},
    {"mult-ip-in-sdp", 0, 0},
    {"ipv4-mapped-ipv6", 0, 0},
    {"ipv6-bug-abnf-3-colons", 0, 0},
    {"ipv6-correct-abnf-2-colons", 0, 0},
};

static const char *const supported_ext[] = {"timer", "100rel", "replaces"};
static const struct sip_check_cfg check_cfg = {
    .methods = ~0u,
    .extensions = supported_ext,
    .n_extensions = 3,
};

static struct sip_msg msg;

/* The steering peek (what the engine hashes to pick an lcore) finds the Call-ID the parser
 * found, in the same bytes, for every message that parses. */
static void
peek_agrees(const char *buf, uint32_t len, const char *what)
{
	struct dpv_str id;

	cr_assert_eq(sip_peek_call_id(buf, len, &id), 0, "%s: the peek found no Call-ID", what);
	cr_assert(id.p == msg.call_id.p && id.len == msg.call_id.len,
	          "%s: the peek found \"%.*s\", the parser \"%.*s\"", what, (int)id.len, id.p,
	          (int)msg.call_id.len, msg.call_id.p);
}

static void
run_dir(const char *sub, const struct outcome *tab, unsigned n)
{
	char dir[4096], path[4600];
	unsigned seen = 0;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", corpora(), sub);
	d = opendir(dir);
	cr_assert_not_null(d, "cannot open %s", dir);
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		if (nm[0] == '.' || strcmp(nm, "README.md") == 0 ||
		    strncmp(nm, "SHA256SUMS", 10) == 0)
			continue;
		unsigned i;
		for (i = 0; i < n && strcmp(tab[i].file, nm) != 0; i++)
			;
		cr_assert_lt(i, n, "%s/%s is not in the outcome table", sub, nm);
		seen++;

		uint32_t len;
		snprintf(path, sizeof(path), "%s/%s", dir, nm);
		char *b = slurp(path, &len);
		int rc = sip_parse(b, len, &msg);
		cr_assert_eq(rc, tab[i].parse, "%s/%s: parse %d (%s), expected %d (%s)", sub, nm,
		             rc, sip_parse_strerror(rc), tab[i].parse,
		             sip_parse_strerror(tab[i].parse));
		if (rc == 0)
			peek_agrees(b, len, nm);
		if (rc == 0 && msg.is_request) {
			struct sip_check_result res;
			uint16_t st = sip_msg_check_request(&msg, &check_cfg, &res);
			cr_assert_eq(st, tab[i].check, "%s/%s: check %u (%s), expected %u", sub, nm,
			             st, res.reason ? res.reason : "", tab[i].check);
		} else {
			cr_assert_eq(tab[i].check, 0);
		}
		free(b);
	}
	closedir(d);
	cr_assert_eq(seen, n, "%s: %u files, table has %u", sub, seen, n);
}

Test(conformance, rfc4475)
{
	run_dir("rfc4475", rfc4475, sizeof(rfc4475) / sizeof(rfc4475[0]));
}

Test(conformance, rfc5118_archive_lf)
{
	run_dir("rfc5118/archive-lf", rfc5118_lf, sizeof(rfc5118_lf) / sizeof(rfc5118_lf[0]));
}

Test(conformance, rfc5118_wire_crlf)
{
	run_dir("rfc5118/wire-crlf-ersip", rfc5118_crlf,
	        sizeof(rfc5118_crlf) / sizeof(rfc5118_crlf[0]));
}

static void
parse_file(const char *sub, char **b)
{
	char path[4600];
	uint32_t len;

	snprintf(path, sizeof(path), "%s/%s", corpora(), sub);
	*b = slurp(path, &len);
	cr_assert_eq(sip_parse(*b, len, &msg), 0, "%s", sub);
}

#define STR_IS(s, lit)                                                                             \
	cr_assert((s).len == sizeof(lit) - 1 && memcmp((s).p, (lit), (s).len) == 0,                \
	          "expected \"%s\", got \"%.*s\"", (lit), (int)(s).len, (s).p)

/* Details the RFC text calls out for individual messages. */
Test(conformance, details)
{
	struct sip_list_iter it;
	struct sip_naddr na;
	struct dpv_str v;
	char *b;
	int n;

	parse_file("rfc4475/semiuri.dat", &b);
	STR_IS(msg.ruri.user, "user;par=u%40example.net");
	STR_IS(msg.ruri.host, "example.com");
	free(b);

	parse_file("rfc4475/esc02.dat", &b);
	sip_list_iter_init(&it, &msg, SIP_HDR_CONTACT);
	for (n = 0; sip_naddr_next(&it, &na) == 1; n++)
		;
	cr_assert_eq(n, 2, "C%%6Fntact is an unknown header, not a third Contact");
	free(b);

	parse_file("rfc4475/dblreq.dat", &b);
	cr_assert_eq(msg.method, SIP_METHOD_REGISTER);
	cr_assert_eq(msg.body.len, 0);
	free(b);

	parse_file("rfc4475/escnull.dat", &b);
	cr_assert(sip_uri_part_eq(msg.to.uri.user, (struct dpv_str){"null-\0-null", 11}, false));
	free(b);

	parse_file("rfc4475/cparam01.dat", &b);
	sip_list_iter_init(&it, &msg, SIP_HDR_CONTACT);
	cr_assert_eq(sip_naddr_next(&it, &na), 1);
	cr_assert(sip_param_find(na.params, "unknownparam", &v));
	cr_assert(!sip_param_find(na.uri.params, "unknownparam", &v));
	free(b);

	parse_file("rfc4475/cparam02.dat", &b);
	sip_list_iter_init(&it, &msg, SIP_HDR_CONTACT);
	cr_assert_eq(sip_naddr_next(&it, &na), 1);
	cr_assert(!sip_param_find(na.params, "unknownparam", &v));
	cr_assert(sip_param_find(na.uri.params, "unknownparam", &v));
	free(b);

	parse_file("rfc4475/regescrt.dat", &b);
	sip_list_iter_init(&it, &msg, SIP_HDR_CONTACT);
	cr_assert_eq(sip_naddr_next(&it, &na), 1);
	STR_IS(na.uri.headers, "Route=%3Csip:sip.example.com%3E");
	free(b);

	parse_file("rfc4475/inv2543.dat", &b);
	cr_assert(msg.flags & SIP_MSG_F_NO_MAX_FORWARDS);
	cr_assert(msg.flags & SIP_MSG_F_NO_CONTENT_LENGTH);
	cr_assert(!msg.via.has_branch);
	cr_assert(!msg.from.has_tag);
	free(b);

	parse_file("rfc4475/noreason.dat", &b);
	cr_assert_eq(msg.status, 100);
	cr_assert_eq(msg.reason.len, 0);
	free(b);

	parse_file("rfc5118/wire-crlf-ersip/port-ambiguous", &b);
	STR_IS(msg.ruri.host, "[2001:db8::10:5070]");
	cr_assert(!msg.ruri.has_port);
	free(b);

	parse_file("rfc5118/wire-crlf-ersip/port-unambiguous", &b);
	STR_IS(msg.ruri.host, "[2001:db8::10]");
	cr_assert_eq(msg.ruri.port, 5070);
	free(b);

	parse_file("rfc5118/wire-crlf-ersip/via-received-param-with-delim", &b);
	cr_assert(msg.via.has_received);
	cr_assert_eq(msg.via.received.p[0], '[');
	free(b);
}

/* PROTOS c07-sip: protos/README.md describes each case as "<len> <INVITE template>" followed
 * by "<len> <teardown template>", with <Name> placeholders to fill in. */
static const struct {
	const char *ph, *val;
} protos_ph[] = {
    {"<To>", "bob@192.0.2.4"},       {"<From>", "alice@192.0.2.1"},
    {"<From-Address>", "192.0.2.1"}, {"<From-IP>", "192.0.2.1"},
    {"<Local-Port>", "5060"},        {"<Branch-ID>", "4711"},
    {"<Call-ID>", "protos-call"},    {"<CSeq>", "1"},
    {"<Teardown-Method>", "CANCEL"},
};

static uint32_t
protos_fill(const char *t, uint32_t tl, char *out, const char *cl)
{
	uint32_t o = 0;

	for (uint32_t i = 0; i < tl;) {
		unsigned k;
		if (t[i] == '<') {
			for (k = 0; k < sizeof(protos_ph) / sizeof(protos_ph[0]); k++) {
				size_t pl = strlen(protos_ph[k].ph);
				if (tl - i >= pl && memcmp(t + i, protos_ph[k].ph, pl) == 0) {
					size_t vl = strlen(protos_ph[k].val);
					memcpy(out + o, protos_ph[k].val, vl);
					o += (uint32_t)vl;
					i += (uint32_t)pl;
					break;
				}
			}
			if (k < sizeof(protos_ph) / sizeof(protos_ph[0]))
				continue;
			if (cl && tl - i >= 16 && memcmp(t + i, "<Content-Length>", 16) == 0) {
				size_t vl = strlen(cl);
				memcpy(out + o, cl, vl);
				o += (uint32_t)vl;
				i += 16;
				continue;
			}
		}
		out[o++] = t[i++];
	}
	return o;
}

static unsigned protos_stats[4]; /* parsed, rejected with a reply, dropped, check != 0 */

static void
protos_one(const char *t, uint32_t tl, char *work, char *msgbuf, char *resp)
{
	uint32_t n = protos_fill(t, tl, work, NULL), body = 0;
	char cl[16];

	for (uint32_t i = 0; i + 3 < n; i++) {
		if (memcmp(work + i, "\r\n\r\n", 4) == 0) {
			body = n - (i + 4);
			break;
		}
	}
	snprintf(cl, sizeof(cl), "%u", body);
	n = protos_fill(t, tl, msgbuf, cl);

	struct sip_check_result res;
	int rc = sip_parse(msgbuf, n, &msg), w;
	if (rc == 0) {
		peek_agrees(msgbuf, n, "PROTOS case");
		protos_stats[0]++;
		uint16_t st = sip_msg_check_request(&msg, &check_cfg, &res);
		if (st)
			protos_stats[3]++;
		w = st ? sip_write_reject(resp, 4096, &msg, st, res.reason, NULL, DPV_STR_LIT("tt"),
		                          res.unsupported)
		       : sip_write_response(resp, 4096, &msg, 180, NULL, DPV_STR_LIT("tt"),
		                            DPV_STR_NULL, DPV_STR_NULL, DPV_STR_NULL);
		if (w > 0) {
			/* what we write from a request that parsed must parse back */
			struct sip_msg r;
			cr_assert_eq(sip_parse(resp, (uint32_t)w, &r), 0, "%.*s", w, resp);
		}
	} else {
		w = sip_write_reject(resp, 4096, &msg, sip_parse_status(rc), sip_parse_strerror(rc),
		                     NULL, DPV_STR_LIT("tt"), DPV_STR_NULL);
		protos_stats[w > 0 ? 1 : 2]++;
	}
}

Test(conformance, protos_c07_sip, .timeout = 280)
{
	char tmp[] = "/tmp/dpv-protos-XXXXXX", cmd[8192], path[4200];
	char *work = malloc(2u << 20), *mb = malloc(2u << 20), *resp = malloc(4096);
	unsigned cases = 0;

	cr_assert_not_null(mkdtemp(tmp));
	snprintf(cmd, sizeof(cmd), "tar -xzf '%s/protos/c07-sip-r2-testcases.tar.gz' -C '%s'",
	         corpora(), tmp);
	cr_assert_eq(system(cmd), 0, "extracting PROTOS failed: %s", cmd);

	for (unsigned i = 0;; i++) {
		uint32_t len, tl;
		snprintf(path, sizeof(path), "%s/testcases/%07u", tmp, i);
		if (access(path, R_OK) != 0)
			break;
		char *b = slurp(path, &len);
		const char *p = b, *e = b + len;
		cr_assert_lt(len, 1u << 19, "case %u too large for the work buffers", i);
		for (int part = 0; part < 2; part++) {
			const char *t = protos_template(p, e, &tl);
			protos_one(t, tl, work, mb, resp);
			p = t + tl;
		}
		cr_assert_eq(p, e, "case %u: trailing bytes", i);
		free(b);
		cases++;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	cr_assert_eq(system(cmd), 0);
	free(work);
	free(mb);
	free(resp);
	cr_log_info("PROTOS: %u cases, %u messages parsed (%u rejected by check), %u answered "
	            "with an error, %u dropped",
	            cases, protos_stats[0], protos_stats[3], protos_stats[1], protos_stats[2]);
	cr_assert_eq(cases, 4527);
}

/* Case 0 is the valid INVITE: it must parse and pass the checks. */
Test(conformance, protos_valid_case)
{
	char tmp[] = "/tmp/dpv-protos0-XXXXXX", cmd[8192], path[4200];
	char *work = malloc(1u << 16), *mb = malloc(1u << 16);
	uint32_t len, tl, n, body = 0;
	struct sip_check_result res;

	cr_assert_not_null(mkdtemp(tmp));
	snprintf(cmd, sizeof(cmd),
	         "tar -xzf '%s/protos/c07-sip-r2-testcases.tar.gz' -C '%s' testcases/0000000",
	         corpora(), tmp);
	cr_assert_eq(system(cmd), 0, "extracting PROTOS case 0 failed");
	snprintf(path, sizeof(path), "%s/testcases/0000000", tmp);
	char *b = slurp(path, &len);
	const char *t = protos_template(b, b + len, &tl);
	n = protos_fill(t, tl, work, NULL);
	for (uint32_t i = 0; i + 3 < n; i++)
		if (memcmp(work + i, "\r\n\r\n", 4) == 0) {
			body = n - (i + 4);
			break;
		}
	char cl[16];
	snprintf(cl, sizeof(cl), "%u", body);
	n = protos_fill(t, tl, mb, cl);
	cr_assert_eq(sip_parse(mb, n, &msg), 0);
	cr_assert_eq(msg.method, SIP_METHOD_INVITE);
	cr_assert_eq(msg.body.len, body);
	cr_assert_eq(sip_msg_check_request(&msg, &check_cfg, &res), 0, "%s", res.reason);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	cr_assert_eq(system(cmd), 0);
	free(b);
	free(work);
	free(mb);
}
