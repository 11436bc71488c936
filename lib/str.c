/* SPDX-License-Identifier: BSD-3-Clause */
/* Zero-copy strings, the bounded appender, IPv4 text, call actions and bridge names. */
#include <stdarg.h>
#include <string.h>

#include <rte_byteorder.h>

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

/* "00".."99": two digits per division by 100 halves the divisions and the stores. */
static const char digit_pairs[200] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

/* Digits of @a v (> 0): floor(log10) from the bit length (1233 / 4096 ~ log10(2)), one
 * less when @a v is below that power of ten. */
static inline uint32_t
u64_digits(uint64_t v)
{
	static const uint64_t pow10[DPV_U64_DIGITS] = {
	    1ull,
	    10ull,
	    100ull,
	    1000ull,
	    10000ull,
	    100000ull,
	    1000000ull,
	    10000000ull,
	    100000000ull,
	    1000000000ull,
	    10000000000ull,
	    100000000000ull,
	    1000000000000ull,
	    10000000000000ull,
	    100000000000000ull,
	    1000000000000000ull,
	    10000000000000000ull,
	    100000000000000000ull,
	    1000000000000000000ull,
	    10000000000000000000ull,
	};
	uint32_t t = (uint32_t)(64 - __builtin_clzll(v)) * 1233 >> 12;

	return t + (v >= pow10[t]);
}

/* @a v < 1000 (payload types, IPv4 octets, most Content-Lengths) without counting. */
static inline uint32_t
fmt_short(char *out, uint32_t v)
{
	if (v < 10) {
		*out = (char)('0' + v);
		return 1;
	}
	if (v < 100) {
		memcpy(out, digit_pairs + v * 2, 2);
		return 2;
	}
	*out = (char)('0' + v / 100);
	memcpy(out + 1, digit_pairs + v % 100 * 2, 2);
	return 3;
}

uint32_t
dpv_fmt_u64(char *out, uint64_t v)
{
	uint32_t n;
	char *p;

	if (v < 1000)
		return fmt_short(out, (uint32_t)v);
	n = u64_digits(v);
	p = out + n;
	while (v >= 100) {
		uint32_t i = (uint32_t)(v % 100) * 2;

		v /= 100;
		p -= 2;
		memcpy(p, digit_pairs + i, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + v * 2, 2);
	} else {
		*--p = (char)('0' + v);
	}
	return n;
}

void
dpv_buf_u64(struct dpv_buf *b, uint64_t v)
{
	char tmp[DPV_U64_DIGITS];

	if (b->over)
		return;
	/* Straight into the buffer when the longest number fits; else through tmp, so that
	 * nothing is written past cap and a number that does not fit sets over. */
	if (b->cap - b->len >= DPV_U64_DIGITS) {
		b->len += dpv_fmt_u64(b->p + b->len, v);
		return;
	}
	dpv_buf_put(b, tmp, dpv_fmt_u64(tmp, v));
}

/*
 * The 8 hex digits of @a x, most significant first, as the bytes of the result in memory
 * order: each nibble spread to a byte, then '0'..'9' or 'a'..'f' for all 8 at once (a nibble
 * above 9 carries into bit 4 when 6 is added: it gets 'a' - '0' - 10 more).
 */
static inline uint64_t
hex8(uint32_t x)
{
	uint64_t v = x;

	v = (v | v << 16) & 0x0000ffff0000ffffull;
	v = (v | v << 8) & 0x00ff00ff00ff00ffull;
	v = (v | v << 4) & 0x0f0f0f0f0f0f0f0full; /* byte i: nibble i */
	v += 0x3030303030303030ull +
	     (((v + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull) * ('a' - '0' - 10);
	return rte_cpu_to_be_64(v); /* nibble 7 first */
}

void
dpv_buf_hex(struct dpv_buf *b, uint64_t v, unsigned digits)
{
	uint64_t w[2] = {hex8((uint32_t)(v >> 32)), hex8((uint32_t)v)};

	if (digits == 0 || digits > sizeof(w)) {
		b->over = true;
		return;
	}
	dpv_buf_put(b, (const char *)w + sizeof(w) - digits, digits);
}

uint32_t
dpv_str_copy(char *dst, size_t cap, struct dpv_str s)
{
	uint32_t n = s.len < cap ? s.len : (uint32_t)(cap - 1);

	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
	return n;
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
	char *p = buf;

	for (int i = 3; i >= 0; i--) {
		p += fmt_short(p, (ip >> (8 * i)) & 0xff);
		*p++ = '.';
	}
	p[-1] = '\0'; /* the last dot */
	return (uint32_t)(p - 1 - buf);
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
