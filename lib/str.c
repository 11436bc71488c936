/* SPDX-License-Identifier: BSD-3-Clause */
/* Zero-copy strings, the bounded appender, IPv4 text, call actions and bridge names. */
#include <stdarg.h>
#include <string.h>

#include "dpv.h"

static inline uint8_t
fold(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

bool
dpv_str_caseeq(struct dpv_str a, struct dpv_str b)
{
	if (a.len != b.len)
		return false;
	for (uint32_t i = 0; i < a.len; i++)
		if (fold((uint8_t)a.p[i]) != fold((uint8_t)b.p[i]))
			return false;
	return true;
}

bool
dpv_str_eq(struct dpv_str a, struct dpv_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

int
dpv_str_to_u32(struct dpv_str s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (s.len == 0)
		return -1;
	for (uint32_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		if (v <= UINT32_MAX)
			v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (v > max)
		return -2;
	*out = (uint32_t)v;
	return 0;
}

void
dpv_buf_u32(struct dpv_buf *b, uint32_t v)
{
	char tmp[10];
	uint32_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	dpv_buf_put(b, tmp + sizeof(tmp) - n, n);
}

void
dpv_buf_printf(struct dpv_buf *b, const char *fmt, ...)
{
	char tmp[DPV_BUF_PRINTF_MAX];
	va_list ap;
	int n;

	if (b->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->over = true;
		return;
	}
	dpv_buf_put(b, tmp, (uint32_t)n);
}

uint32_t
dpv_ipv4_scan(struct dpv_str s, uint32_t *out)
{
	uint32_t ip = 0, i = 0;

	for (int part = 0; part < 4; part++) {
		uint32_t v = 0, n = 0;

		if (part > 0) {
			if (i >= s.len || s.p[i] != '.')
				return 0;
			i++;
		}
		while (i + n < s.len && n < 4 && s.p[i + n] >= '0' && s.p[i + n] <= '9')
			v = v * 10 + (uint32_t)(s.p[i + n++] - '0');
		if (n == 0 || n > 3 || v > 255 || (n > 1 && s.p[i] == '0'))
			return 0;
		i += n;
		ip = ip << 8 | v;
	}
	*out = ip;
	return i;
}

bool
dpv_ipv4_parse(struct dpv_str s, uint32_t *out)
{
	uint32_t ip;

	if (s.len == 0 || dpv_ipv4_scan(s, &ip) != s.len)
		return false;
	*out = ip;
	return true;
}

uint32_t
dpv_ipv4_format(uint32_t ip, char *buf)
{
	struct dpv_buf b = DPV_BUF(buf, DPV_IPV4_STRLEN - 1);

	for (int i = 3; i >= 0; i--) {
		dpv_buf_u32(&b, (ip >> (8 * i)) & 0xff);
		if (i > 0)
			dpv_buf_put(&b, ".", 1);
	}
	buf[b.len] = '\0';
	return b.len;
}

const char *
dpv_call_action_name(enum dpv_call_action a)
{
	static const char *const names[DPV_CALL_ACTION_MAX] = {
	    [DPV_CALL_NONE] = "none",     [DPV_CALL_TONE] = "tone",     [DPV_CALL_ECHO] = "echo",
	    [DPV_CALL_BRIDGE] = "bridge", [DPV_CALL_REJECT] = "reject", [DPV_CALL_RELAY] = "relay",
	};

	return (unsigned)a < DPV_CALL_ACTION_MAX ? names[a] : "?";
}

bool
dpv_bridge_name_valid(const char *p, size_t len)
{
	if (p == NULL || len == 0 || len > DPV_BRIDGE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}
