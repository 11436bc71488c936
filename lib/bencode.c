/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bencode (BEP 3), as rtpengine's NG control protocol carries it: a zero-copy parser into a
 * node array the caller owns, bounded in nodes and depth, and writers over struct dpv_buf.
 *
 * Design notes:
 * - One pass, iterative (an explicit stack of open containers, at most DPV_BENC_MAX_DEPTH), so
 *   no input recurses the C stack; every length is checked against what is left of the input
 *   before it is used, so nothing reads past the datagram.
 * - Strict where a lax reading could be ambiguous: integers are "i" [-] digits "e" with no
 *   leading zero and no "-0", within int64_t; string lengths are digits without a leading zero
 *   (except "0:"); dictionary keys are strings. Key order is not enforced (Kamailio and
 *   OpenSIPS do not sort them), and one root value must be the whole input.
 * - Nodes link as a tree by index (first child, next sibling); a dictionary's children
 *   alternate key, value.
 */
#include <string.h>

#include "dpv.h"

static const char *const benc_errs[DPV_BENC_E_MAX] = {
    [DPV_BENC_OK] = "ok",
    [DPV_BENC_E_TRUNCATED] = "truncated",
    [DPV_BENC_E_BAD_INT] = "bad integer",
    [DPV_BENC_E_INT_RANGE] = "integer out of range",
    [DPV_BENC_E_BAD_LEN] = "bad string length",
    [DPV_BENC_E_LEN_BEYOND] = "string length beyond the message",
    [DPV_BENC_E_DEPTH] = "nested too deep",
    [DPV_BENC_E_NODES] = "too many elements",
    [DPV_BENC_E_KEY] = "dictionary key is not a string",
    [DPV_BENC_E_TYPE] = "unknown type",
    [DPV_BENC_E_TRAILING] = "data after the message",
    [DPV_BENC_E_EMPTY] = "empty message",
};

const char *
dpv_benc_strerror(enum dpv_benc_err e)
{
	return (unsigned)e < DPV_BENC_E_MAX && benc_errs[e] != NULL ? benc_errs[e] : "?";
}

/* Digits of a length or integer from @a *pos up to @a stop; -1 when there is none or too many. */
static int
digits(const char *buf, uint32_t len, uint32_t *pos, char stop, uint64_t limit, uint64_t *out)
{
	uint32_t p = *pos, start = p;
	uint64_t v = 0;

	while (p < len && buf[p] >= '0' && buf[p] <= '9') {
		unsigned d = (unsigned)(buf[p] - '0');

		if (v > (limit - d) / 10)
			return -2; /* out of range */
		v = v * 10 + d;
		p++;
	}
	if (p == len)
		return -3; /* ran out */
	if (p == start || buf[p] != stop || (p - start > 1 && buf[start] == '0'))
		return -1;
	*pos = p + 1;
	*out = v;
	return 0;
}

int
dpv_benc_parse(const char *buf, uint32_t len, struct dpv_benc_node *nodes, uint32_t cap,
               struct dpv_benc_result *res)
{
	uint32_t stack[DPV_BENC_MAX_DEPTH]; /* open containers */
	uint32_t last[DPV_BENC_MAX_DEPTH];  /* their last child, 0: none yet */
	unsigned depth = 0;
	uint32_t pos = 0, n = 0, at = 0;
	enum dpv_benc_err e = DPV_BENC_OK;

	memset(res, 0, sizeof(*res));
	if (len == 0) {
		e = DPV_BENC_E_EMPTY;
		goto fail;
	}
	do {
		struct dpv_benc_node *x;
		uint32_t idx;
		uint64_t v;
		int rc;

		at = pos;
		if (pos >= len) {
			e = DPV_BENC_E_TRUNCATED;
			goto fail;
		}
		if (buf[pos] == 'e') { /* a container ends */
			if (depth == 0) {
				e = DPV_BENC_E_TYPE;
				goto fail;
			}
			if (nodes[stack[depth - 1]].type == DPV_BENC_DICT &&
			    nodes[stack[depth - 1]].count % 2 != 0) {
				e = DPV_BENC_E_TRUNCATED; /* a key without its value */
				goto fail;
			}
			if (nodes[stack[depth - 1]].type == DPV_BENC_DICT)
				nodes[stack[depth - 1]].count /= 2;
			depth--;
			pos++;
			continue;
		}
		if (n == cap) {
			e = DPV_BENC_E_NODES;
			goto fail;
		}
		idx = n++;
		x = &nodes[idx];
		memset(x, 0, sizeof(*x));
		x->off = at;
		if (depth > 0 && nodes[stack[depth - 1]].type == DPV_BENC_DICT &&
		    nodes[stack[depth - 1]].count % 2 == 0 && (buf[pos] < '0' || buf[pos] > '9')) {
			e = DPV_BENC_E_KEY;
			goto fail;
		}
		switch (buf[pos]) {
		case 'i': {
			bool neg = pos + 1 < len && buf[pos + 1] == '-';

			pos += 1 + neg;
			rc = digits(buf, len, &pos, 'e', neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX,
			            &v);
			if (rc == 0 && neg && v == 0)
				rc = -1; /* "-0" */
			if (rc != 0) {
				e = rc == -2   ? DPV_BENC_E_INT_RANGE
				    : rc == -3 ? DPV_BENC_E_TRUNCATED
				               : DPV_BENC_E_BAD_INT;
				goto fail;
			}
			x->type = DPV_BENC_INT;
			x->i = neg ? (int64_t)(0 - v) : (int64_t)v;
			break;
		}
		case 'l':
		case 'd':
			if (depth == DPV_BENC_MAX_DEPTH) {
				e = DPV_BENC_E_DEPTH;
				goto fail;
			}
			x->type = buf[pos] == 'l' ? DPV_BENC_LIST : DPV_BENC_DICT;
			pos++;
			break;
		default:
			if (buf[pos] < '0' || buf[pos] > '9') {
				e = DPV_BENC_E_TYPE;
				goto fail;
			}
			rc = digits(buf, len, &pos, ':', UINT32_MAX, &v);
			if (rc != 0) {
				e = rc == -3 ? DPV_BENC_E_TRUNCATED : DPV_BENC_E_BAD_LEN;
				goto fail;
			}
			if (v > len - pos) {
				e = DPV_BENC_E_LEN_BEYOND;
				goto fail;
			}
			x->type = DPV_BENC_STR;
			x->s = (struct dpv_str){buf + pos, (uint32_t)v};
			pos += (uint32_t)v;
			break;
		}
		if (depth > 0) { /* link it into its container */
			struct dpv_benc_node *c = &nodes[stack[depth - 1]];

			if (last[depth - 1] == 0)
				c->child = idx;
			else
				nodes[last[depth - 1]].next = idx;
			last[depth - 1] = idx;
			c->count++;
		}
		if (x->type == DPV_BENC_LIST || x->type == DPV_BENC_DICT) {
			stack[depth] = idx;
			last[depth] = 0;
			depth++;
		}
	} while (depth > 0);
	if (pos != len) {
		at = pos;
		e = DPV_BENC_E_TRAILING;
		goto fail;
	}
	res->nodes = n;
	return 0;
fail:
	/* where: the end for a message cut short, else the start of the offending value */
	res->err = e;
	res->offset = e == DPV_BENC_E_TRUNCATED ? len : at;
	return -1;
}

static bool
key_eq(struct dpv_str k, const char *want, bool fold)
{
	size_t wl = strlen(want);

	if (k.len != wl)
		return false;
	for (uint32_t i = 0; i < k.len; i++) {
		char a = k.p[i], b = want[i];

		if (fold) { /* NG: "via-branch", "via branch" and "via_branch" are one key */
			a = a == ' ' || a == '_' ? '-' : a;
			b = b == ' ' || b == '_' ? '-' : b;
		}
		if (a != b)
			return false;
	}
	return true;
}

const struct dpv_benc_node *
dpv_benc_get(const struct dpv_benc_node *nodes, const struct dpv_benc_node *dict, const char *key,
             bool fold)
{
	uint32_t k;

	if (dict == NULL || dict->type != DPV_BENC_DICT || dict->count == 0)
		return NULL;
	for (k = dict->child;; k = nodes[nodes[k].next].next) {
		if (key_eq(nodes[k].s, key, fold))
			return &nodes[nodes[k].next];
		if (nodes[nodes[k].next].next == 0)
			return NULL;
	}
}

const struct dpv_benc_node *
dpv_benc_child(const struct dpv_benc_node *nodes, const struct dpv_benc_node *c)
{
	return c != NULL && (c->type == DPV_BENC_LIST || c->type == DPV_BENC_DICT) && c->count
	           ? &nodes[c->child]
	           : NULL;
}

const struct dpv_benc_node *
dpv_benc_next(const struct dpv_benc_node *nodes, const struct dpv_benc_node *x)
{
	return x != NULL && x->next != 0 ? &nodes[x->next] : NULL;
}

/* ---- writing ---- */

void
dpv_benc_str(struct dpv_buf *b, struct dpv_str s)
{
	dpv_buf_u32(b, s.len);
	dpv_buf_put(b, ":", 1);
	dpv_buf_str(b, s);
}

void
dpv_benc_cstr(struct dpv_buf *b, const char *s)
{
	dpv_benc_str(b, dpv_cstr(s));
}

void
dpv_benc_int(struct dpv_buf *b, int64_t v)
{
	dpv_buf_put(b, "i", 1);
	if (v < 0)
		dpv_buf_put(b, "-", 1);
	dpv_buf_u64(b, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
	dpv_buf_put(b, "e", 1);
}

void
dpv_benc_open(struct dpv_buf *b, bool dict)
{
	dpv_buf_put(b, dict ? "d" : "l", 1);
}

void
dpv_benc_close(struct dpv_buf *b)
{
	dpv_buf_put(b, "e", 1);
}
