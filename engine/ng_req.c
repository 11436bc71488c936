/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NG requests: the bencoded dictionary of one datagram decoded into struct ng_req.
 *
 * What the proxies send, and how it is read:
 * - keys are the documented ones with '-', ' ' and '_' as one character ("call-id" and
 *   "call id" are one key; rtpengine reads them so, and OpenSIPS and Kamailio differ);
 * - `flags` is a list of strings, `replace` a list ("origin", "session-connection"), `direction`
 *   a list of two interface names, `received-from` a list ["IP4", address], `supports` a list
 *   ("load limit"); `rtpp_flags` (newer Kamailio: the whole flag string, the daemon parses it)
 *   is split on spaces into the same flags, with "replace-origin", "via-branch=X",
 *   "transport-protocol=X", "direction=X" and "delete-delay=N" forms;
 * - flags match case-insensitively with the same folding; one this engine does not act on is
 *   kept for the log (once per flag, ng.c) and otherwise ignored, never refused: rejecting an
 *   unknown flag fails calls whenever a proxy's script is ahead of the relay (rtpengine issue
 *   258, OpenSIPS issue 1841).
 */
#include <stdio.h>
#include <string.h>

#include "ng_int.h"

/* Integers sent as decimal strings ("delete-delay": "30"): at most 9 digits' worth. */
#define NG_MAX_DECIMAL 999999999u

static const char *const cmd_names[NG_CMD_MAX] = {
    [NG_CMD_UNKNOWN] = "?",     [NG_CMD_PING] = "ping",
    [NG_CMD_OFFER] = "offer",   [NG_CMD_ANSWER] = "answer",
    [NG_CMD_DELETE] = "delete", [NG_CMD_QUERY] = "query",
    [NG_CMD_LIST] = "list",     [NG_CMD_STATISTICS] = "statistics",
};

const char *
ng_cmd_name(enum ng_cmd c)
{
	return (unsigned)c < NG_CMD_MAX ? cmd_names[c] : "?";
}

/* '-', ' ' and '_' are one character; letters match in either case. */
static inline char
fold(char c)
{
	if (c == ' ' || c == '_')
		return '-';
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c;
}

static bool
folded_eq(struct dpv_str s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (fold(s.p[i]) != fold(lit[i]))
			return false;
	}
	return true;
}

static const struct {
	const char *name;
	unsigned flag;
} flag_names[] = {
    {"trust-address", NG_F_TRUST_ADDRESS},
    {"SIP-source-address", NG_F_SIP_SOURCE},
    {"strict-source", NG_F_STRICT_SOURCE},
    {"port-latching", NG_F_PORT_LATCHING},
    {"asymmetric", NG_F_ASYMMETRIC},
    {"symmetric", NG_F_SYMMETRIC},
    {"fatal", NG_F_FATAL},
    {"fast", NG_F_FAST},
    {"to-tag", NG_F_TO_TAG},
    {"replace-origin", NG_F_REPLACE_ORIGIN},
    {"replace-session-connection", NG_F_REPLACE_SESS_CONN},
    {"load-limit", NG_F_LOAD_LIMIT},
    {"ICE-remove", NG_F_ICE_REMOVE},
    /* flags that ask for what this engine does anyway */
    {"no-rtcp-attribute", 0},
    {"record-call", 0},
};

/* The transport-protocol flags ("RTP/AVP", ...): their text is the protocol. */
static bool
is_transport(struct dpv_str s)
{
	static const char *const protos[] = {"RTP/AVP",   "RTP/SAVP",         "RTP/AVPF",
	                                     "RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF"};

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (folded_eq(s, protos[i]))
			return true;
	}
	return false;
}

static void
add_unknown(struct ng_req *r, struct dpv_str s)
{
	if (r->nb_unknown < NG_MAX_UNKNOWN)
		r->unknown[r->nb_unknown++] = s;
}

/* A "key=value" token of rtpp_flags, or a flag. */
static void
flag_token(struct ng_req *r, struct dpv_str t)
{
	const char *eq = memchr(t.p, '=', t.len);

	if (eq != NULL) {
		struct dpv_str k = {t.p, (size_t)(eq - t.p)};
		struct dpv_str v = {eq + 1, t.len - k.len - 1};

		if (folded_eq(k, "via-branch")) {
			r->via_branch = v;
		} else if (folded_eq(k, "transport-protocol")) {
			r->transport = v;
		} else if (folded_eq(k, "direction")) {
			if (r->nb_direction < 2)
				r->direction[r->nb_direction++] = v;
		} else if (folded_eq(k, "delete-delay")) {
			uint32_t d;

			if (dpv_str_to_u32(v, NG_MAX_DECIMAL, &d) == 0) {
				r->has_delete_delay = true;
				r->delete_delay = d;
			} else {
				add_unknown(r, t);
			}
		} else if (folded_eq(k, "ICE") && folded_eq(v, "remove")) {
			r->flags |= NG_F_ICE_REMOVE;
		} else if (folded_eq(k, "replace") && folded_eq(v, "origin")) {
			r->flags |= NG_F_REPLACE_ORIGIN;
		} else if (folded_eq(k, "replace") && folded_eq(v, "session-connection")) {
			r->flags |= NG_F_REPLACE_SESS_CONN;
		} else if (folded_eq(k, "label")) {
			r->label = v;
		} else {
			add_unknown(r, t);
		}
		return;
	}
	if (is_transport(t)) {
		r->transport = t;
		return;
	}
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (folded_eq(t, flag_names[i].name)) {
			r->flags |= flag_names[i].flag;
			return;
		}
	}
	add_unknown(r, t);
}

/* Each string of list @a l through @a fn (other elements are ignored). */
static void
each_string(const struct dpv_benc_node *nodes, const struct dpv_benc_node *l, struct ng_req *r,
            void (*fn)(struct ng_req *, struct dpv_str))
{
	if (l == NULL || l->type != DPV_BENC_LIST)
		return;
	for (const struct dpv_benc_node *x = dpv_benc_child(nodes, l); x != NULL;
	     x = dpv_benc_next(nodes, x)) {
		if (x->type == DPV_BENC_STR && x->s.len > 0)
			fn(r, x->s);
	}
}

static void
replace_item(struct ng_req *r, struct dpv_str s)
{
	if (folded_eq(s, "origin"))
		r->flags |= NG_F_REPLACE_ORIGIN;
	else if (folded_eq(s, "session-connection"))
		r->flags |= NG_F_REPLACE_SESS_CONN;
	else
		add_unknown(r, s);
}

static void
supports_item(struct ng_req *r, struct dpv_str s)
{
	if (folded_eq(s, "load-limit"))
		r->flags |= NG_F_LOAD_LIMIT;
}

static void
direction_item(struct ng_req *r, struct dpv_str s)
{
	if (r->nb_direction < 2)
		r->direction[r->nb_direction++] = s;
}

/* rtpp_flags: the flag string, tokens separated by spaces (brackets are not taken apart). */
static void
rtpp_flags(struct ng_req *r, struct dpv_str s)
{
	size_t i = 0;

	while (i < s.len) {
		size_t j;

		while (i < s.len && s.p[i] == ' ')
			i++;
		j = i;
		while (j < s.len && s.p[j] != ' ')
			j++;
		if (j > i)
			flag_token(r, (struct dpv_str){s.p + i, j - i});
		i = j;
	}
}

static struct dpv_str
get_str(const struct dpv_benc_node *nodes, const struct dpv_benc_node *d, const char *key)
{
	const struct dpv_benc_node *v = dpv_benc_get(nodes, d, key, true);

	return v != NULL && v->type == DPV_BENC_STR ? v->s : (struct dpv_str){NULL, 0};
}

/* An integer given as one, or as a decimal string (some proxies send "30"). */
static bool
get_int(const struct dpv_benc_node *nodes, const struct dpv_benc_node *d, const char *key,
        int64_t *out)
{
	const struct dpv_benc_node *v = dpv_benc_get(nodes, d, key, true);
	uint32_t x;

	if (v == NULL)
		return false;
	if (v->type == DPV_BENC_INT) {
		*out = v->i;
		return true;
	}
	if (v->type != DPV_BENC_STR || dpv_str_to_u32(v->s, NG_MAX_DECIMAL, &x) < 0)
		return false;
	*out = x;
	return true;
}

int
ng_req_parse(const char *buf, uint32_t len, struct dpv_benc_node *nodes, struct ng_req *r,
             char *why, size_t whylen)
{
	struct dpv_benc_result res;
	const struct dpv_benc_node *d = &nodes[0], *v;
	struct dpv_str rf;

	memset(r, 0, sizeof(*r));
	r->limit = -1;
	if (dpv_benc_parse(buf, len, nodes, NG_MAX_NODES, &res) < 0) {
		snprintf(why, whylen, "Could not decode bencode dictionary: %s at offset %u",
		         dpv_benc_strerror(res.err), res.offset);
		return -1;
	}
	if (d->type != DPV_BENC_DICT) {
		snprintf(why, whylen, "Could not decode bencode dictionary: not a dictionary");
		return -1;
	}
	r->command = get_str(nodes, d, "command");
	if (r->command.len == 0) {
		snprintf(why, whylen, "Dictionary contains no key \"command\"");
		return -1;
	}
	for (unsigned c = NG_CMD_PING; c < NG_CMD_MAX; c++) {
		if (folded_eq(r->command, cmd_names[c]))
			r->cmd = (enum ng_cmd)c;
	}
	r->call_id = get_str(nodes, d, "call-id");
	r->from_tag = get_str(nodes, d, "from-tag");
	r->to_tag = get_str(nodes, d, "to-tag");
	r->via_branch = get_str(nodes, d, "via-branch");
	r->sdp = get_str(nodes, d, "sdp");
	r->label = get_str(nodes, d, "label");
	r->transport = get_str(nodes, d, "transport-protocol");
	r->has_delete_delay = get_int(nodes, d, "delete-delay", &r->delete_delay);
	if (!get_int(nodes, d, "limit", &r->limit))
		r->limit = -1;
	each_string(nodes, dpv_benc_get(nodes, d, "flags", true), r, flag_token);
	each_string(nodes, dpv_benc_get(nodes, d, "replace", true), r, replace_item);
	each_string(nodes, dpv_benc_get(nodes, d, "supports", true), r, supports_item);
	each_string(nodes, dpv_benc_get(nodes, d, "direction", true), r, direction_item);
	v = dpv_benc_get(nodes, d, "rtpp-flags", true);
	if (v != NULL && v->type == DPV_BENC_STR)
		rtpp_flags(r, v->s);
	v = dpv_benc_get(nodes, d, "ICE", true);
	if (v != NULL && v->type == DPV_BENC_STR && folded_eq(v->s, "remove"))
		r->flags |= NG_F_ICE_REMOVE;
	/* received-from: ["IP4", "198.18.0.2"] (an IP6 source is not one this engine relays) */
	v = dpv_benc_get(nodes, d, "received-from", true);
	if (v != NULL && v->type == DPV_BENC_LIST && v->count == 2) {
		const struct dpv_benc_node *fam = dpv_benc_child(nodes, v);
		const struct dpv_benc_node *addr = dpv_benc_next(nodes, fam);

		if (fam->type == DPV_BENC_STR && addr->type == DPV_BENC_STR &&
		    folded_eq(fam->s, "IP4")) {
			rf = addr->s;
			if (!dpv_ipv4_parse(rf, &r->received_from))
				r->received_from = 0;
		}
	}
	return 0;
}
