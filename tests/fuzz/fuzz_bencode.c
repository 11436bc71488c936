/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: dpv_benc_parse on any bytes. Oracle beyond "no crash, no over-read":
 * what parses is canonical, so writing its tree back with the writers gives the input, byte
 * for byte (strict integers and lengths, key order kept). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dpv.h"

#define CAP 4096

static struct dpv_benc_node nodes[CAP];
static char out[1 << 17];

static void
emit(struct dpv_buf *b, const struct dpv_benc_node *x)
{
	const struct dpv_benc_node *c;

	switch (x->type) {
	case DPV_BENC_INT:
		dpv_benc_int(b, x->i);
		break;
	case DPV_BENC_STR:
		dpv_benc_str(b, x->s);
		break;
	default:
		dpv_benc_open(b, x->type == DPV_BENC_DICT);
		for (c = dpv_benc_child(nodes, x); c != NULL; c = dpv_benc_next(nodes, c))
			emit(b, c); /* depth is bounded by DPV_BENC_MAX_DEPTH */
		dpv_benc_close(b);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dpv_benc_result res;
	struct dpv_buf b = DPV_BUF(out, sizeof(out));

	if (size > sizeof(out) / 2)
		return 0;
	if (dpv_benc_parse((const char *)data, (uint32_t)size, nodes, CAP, &res) != 0) {
		if (res.err == DPV_BENC_OK || res.err >= DPV_BENC_E_MAX || res.offset > size)
			abort();
		return 0;
	}
	emit(&b, &nodes[0]);
	if (dpv_buf_end(&b) < 0 || b.len != size || memcmp(out, data, size) != 0)
		abort();
	return 0;
}
