/*
 * The startup file: INI read with inih, every key validated through one table.
 *
 * inih only splits "key = value" and strips comments. Our reader hands it one
 * physical line per call so the line it is on is always known, and does the
 * checks inih would otherwise do silently or stop at: over-long lines (inih
 * truncates them), lines without '=', section headers (inih does not tell the
 * handler about empty sections). Every problem is reported, then parsing goes
 * on, so one run shows all of them.
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "engine_int.h"

enum cfg_sec {
	SEC_DPDK,
	SEC_CPU,
	SEC_PORT,
	SEC_SIP,
	SEC_RTP,
	SEC_DIALPLAN,
	SEC_CONTROL,
	SEC_MAX,
};

struct cfg_section {
	const char *name;
	unsigned instances; /* >1: [nameN] with N < instances */
	bool required;
};

static const struct cfg_section sections[SEC_MAX] = {
    [SEC_DPDK] = {"dpdk", 1, true},
    [SEC_CPU] = {"cpu", 1, true},
    [SEC_PORT] = {"port", DPV_MAX_PORTS, false}, /* at least one: check_ports() */
    [SEC_SIP] = {"sip", 1, false},
    [SEC_RTP] = {"rtp", 1, false},
    [SEC_DIALPLAN] = {"dialplan", 1, false},
    [SEC_CONTROL] = {"control", 1, false},
};

struct cfg_ctx;
struct cfg_key;

/* Parse @a v into @a field; on error report through key_err() and return -1. */
typedef int (*cfg_parse_fn)(struct cfg_ctx *c, const struct cfg_key *k, void *field, const char *v);

#define K_REQUIRED 1u
#define K_POW2     2u /* a power of two */
#define K_ZERO_OK  4u /* 0 is allowed besides min..max */
#define K_EVEN     8u
#define K_REPEAT   16u /* may appear many times */

struct cfg_key {
	enum cfg_sec sec;
	const char *name;
	cfg_parse_fn parse;
	size_t off; /* in struct dpv_config, or in struct dpv_port_conf for [portN] */
	size_t size;
	uint32_t min, max;
	unsigned flags;
	const char *missing; /* why a K_REQUIRED key matters, for its error */
};

static int parse_uint(struct cfg_ctx *, const struct cfg_key *, void *, const char *);
static int parse_cpu(struct cfg_ctx *, const struct cfg_key *, void *, const char *);
static int parse_cpulist(struct cfg_ctx *, const struct cfg_key *, void *, const char *);
static int parse_eal(struct cfg_ctx *, const struct cfg_key *, void *, const char *);
static int parse_address(struct cfg_ctx *, const struct cfg_key *, void *, const char *);
static int parse_gateway(struct cfg_ctx *, const struct cfg_key *, void *, const char *);
static int parse_rule(struct cfg_ctx *, const struct cfg_key *, void *, const char *);
static int parse_string(struct cfg_ctx *, const struct cfg_key *, void *, const char *);

#define CF(f) offsetof(struct dpv_config, f), sizeof(((struct dpv_config *)0)->f)
#define PF(f) offsetof(struct dpv_port_conf, f), sizeof(((struct dpv_port_conf *)0)->f)

static const struct cfg_key keys[] = {
    {SEC_DPDK, "eal", parse_eal, CF(eal), 0, 0, K_REQUIRED, "the EAL arguments"},
    {SEC_DPDK, "mbufs", parse_uint, CF(mbufs), 1023, 4194303, K_ZERO_OK, NULL},
    {SEC_DPDK, "rx-desc", parse_uint, CF(rx_desc), 64, 4096, K_POW2, NULL},
    {SEC_DPDK, "tx-desc", parse_uint, CF(tx_desc), 64, 4096, K_POW2, NULL},

    {SEC_CPU, "main-core", parse_cpu, CF(main_core), 0, DPV_MAX_CPUS - 1, K_REQUIRED,
     "the main lcore needs a CPU"},
    {SEC_CPU, "corelist-media", parse_cpulist, CF(media), 0, 0, K_REQUIRED,
     "the media role has no CPU"},
    {SEC_CPU, "corelist-signaling", parse_cpulist, CF(signaling), 0, 0, K_REQUIRED,
     "the signaling role has no CPU"},
    {SEC_CPU, "idle-sleep-us", parse_uint, CF(idle_sleep_us), 0, 1000000, 0, NULL},
    {SEC_CPU, "sig-ring-size", parse_uint, CF(sig_ring_size), 256, 1048576, K_POW2, NULL},

    {SEC_PORT, "address", parse_address, PF(addr), 0, 0, K_REQUIRED,
     "the port needs an A.B.C.D/LEN address"},
    {SEC_PORT, "gateway", parse_gateway, PF(gateway), 0, 0, 0, NULL},

    {SEC_SIP, "port", parse_uint, CF(sip_port), 1, 65535, 0, NULL},
    {SEC_SIP, "t1-ms", parse_uint, CF(t1_ms), 10, 10000, 0, NULL},
    {SEC_SIP, "t2-ms", parse_uint, CF(t2_ms), 100, 60000, 0, NULL},
    {SEC_SIP, "t4-ms", parse_uint, CF(t4_ms), 100, 60000, 0, NULL},
    {SEC_SIP, "max-transactions", parse_uint, CF(max_transactions), 16, 16777216, 0, NULL},
    {SEC_SIP, "max-dialogs", parse_uint, CF(max_dialogs), 16, 16777216, 0, NULL},
    {SEC_SIP, "answer-delay-ms", parse_uint, CF(answer_delay_ms), 0, 60000, 0, NULL},

    {SEC_RTP, "port-min", parse_uint, CF(rtp_port_min), 1024, 65535, K_EVEN, NULL},
    {SEC_RTP, "port-max", parse_uint, CF(rtp_port_max), 1024, 65535, 0, NULL},

    {SEC_DIALPLAN, "rule", parse_rule, 0, 0, 0, 0, K_REPEAT, NULL},

    {SEC_CONTROL, "socket", parse_string, CF(ctl_socket), 1, 0, 0, NULL},
};

#define NB_KEYS (sizeof(keys) / sizeof(keys[0]))

#define SEC_NONE (-1) /* before the first section header */
#define SEC_SKIP (-2) /* inside a bad section: its keys were already accounted for */

struct cfg_ctx {
	struct dpv_config *cfg;
	const char *path;
	FILE *in;
	FILE *err;
	unsigned lineno;
	int nerr;
	int sec; /* enum cfg_sec, SEC_NONE or SEC_SKIP */
	unsigned inst;
	const struct cfg_key *key;                 /* the key being parsed, for key_err() */
	unsigned sec_line[SEC_MAX][DPV_MAX_PORTS]; /* header line, 0: absent */
	unsigned key_line[NB_KEYS][DPV_MAX_PORTS]; /* first line, 0: not set */
	bool key_ok[NB_KEYS][DPV_MAX_PORTS];
	struct dpv_cpuset online;
	char online_str[128];
	char *buf;
	size_t bufsz;
};

/* ---- reporting ---- */

static const char *
sec_label(int sec, unsigned inst, char *buf, size_t len)
{
	if (sec < 0)
		snprintf(buf, len, "?");
	else if (sections[sec].instances > 1)
		snprintf(buf, len, "%s%u", sections[sec].name, inst);
	else
		snprintf(buf, len, "%s", sections[sec].name);
	return buf;
}

/* One problem: "FILE:LINE: [section] key: what" (section and key when known). */
static void __attribute__((format(printf, 5, 0)))
vreport(struct cfg_ctx *c, unsigned line, const char *section, const char *key, const char *fmt,
        va_list ap)
{
	c->nerr++;
	if (c->err == NULL)
		return;
	fprintf(c->err, "%s:%u: ", c->path, line);
	if (section != NULL)
		fprintf(c->err, "[%s]%s%s: ", section, key ? " " : "", key ? key : "");
	vfprintf(c->err, fmt, ap);
	fputc('\n', c->err);
}

static void __attribute__((format(printf, 5, 6)))
report(struct cfg_ctx *c, unsigned line, const char *section, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, line, section, key, fmt, ap);
	va_end(ap);
}

/* A problem with the key being parsed, on the current line. */
static int __attribute__((format(printf, 2, 3))) key_err(struct cfg_ctx *c, const char *fmt, ...)
{
	char sec[32];
	va_list ap;

	va_start(ap, fmt);
	vreport(c, c->lineno, sec_label(c->sec, c->inst, sec, sizeof(sec)), c->key->name, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- small parsers ---- */

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int
to_u32(const char *v, uint32_t *out)
{
	return dpv_str_to_u32((struct dpv_str){v, (uint32_t)strlen(v)}, UINT32_MAX, out);
}

/* A dotted quad at the start of @a s (dpv_ipv4_scan: no leading zeros, no blanks); the rest of
 * the string, or NULL when there is none. */
static const char *
parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t n = dpv_ipv4_scan(dpv_cstr(s), out);

	return n ? s + n : NULL;
}

static uint32_t
prefix_mask(unsigned len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

/* ---- key parsers (the table's parse functions) ---- */

static void
store_uint(void *field, size_t size, uint32_t v)
{
	if (size == sizeof(uint16_t))
		*(uint16_t *)field = (uint16_t)v;
	else
		*(unsigned *)field = v;
}

static int
parse_uint(struct cfg_ctx *c, const struct cfg_key *k, void *field, const char *v)
{
	uint32_t n;

	if (strspn(v, "0123456789") != strlen(v))
		return key_err(c, "'%s' is not a number", v);
	if (to_u32(v, &n) < 0)
		return key_err(c, "%s is out of range (%s%u..%u)", v,
		               (k->flags & K_ZERO_OK) ? "0 or " : "", k->min, k->max);
	if (n == 0 && (k->flags & K_ZERO_OK)) {
		store_uint(field, k->size, n);
		return 0;
	}
	if ((k->flags & K_POW2) && (n < k->min || n > k->max || (n & (n - 1)) != 0))
		return key_err(c, "%u is not a power of two in %u..%u", n, k->min, k->max);
	if (n < k->min || n > k->max)
		return key_err(c, "%u is out of range (%s%u..%u)", n,
		               (k->flags & K_ZERO_OK) ? "0 or " : "", k->min, k->max);
	if ((k->flags & K_EVEN) && (n & 1))
		return key_err(c, "%u must be even", n);
	store_uint(field, k->size, n);
	return 0;
}

/* Every CPU in @a set must be online here, else the EAL fails later with a worse message. */
static int
check_cpus_exist(struct cfg_ctx *c, const struct dpv_cpuset *set)
{
	struct dpv_cpuset missing = {0};
	char list[128];
	unsigned cpu;

	DPV_CPUSET_FOREACH(cpu, set)
	if (!dpv_cpuset_isset(&c->online, cpu))
		dpv_cpuset_set(&missing, cpu);
	if (dpv_cpuset_count(&missing) == 0)
		return 0;
	dpv_cpuset_format(&missing, list, sizeof(list));
	if (dpv_cpuset_count(&missing) == 1)
		return key_err(c, "CPU %s does not exist on this machine (it has CPUs %s)", list,
		               c->online_str);
	return key_err(c, "CPUs %s do not exist on this machine (it has CPUs %s)", list,
	               c->online_str);
}

static int
parse_cpu(struct cfg_ctx *c, const struct cfg_key *k, void *field, const char *v)
{
	struct dpv_cpuset one = {0};
	uint32_t n;

	if (to_u32(v, &n) < 0 || n > k->max)
		return key_err(c, "'%s' is not a CPU number (0..%u)", v, k->max);
	dpv_cpuset_set(&one, n);
	if (check_cpus_exist(c, &one) < 0)
		return -1;
	*(unsigned *)field = n;
	return 0;
}

static int
parse_cpulist(struct cfg_ctx *c, const struct cfg_key *k, void *field, const char *v)
{
	struct dpv_cpuset set;
	char why[128];

	if (dpv_cpulist_parse(v, &set, why, sizeof(why)) < 0)
		return key_err(c, "bad CPU list '%s': %s", v, why);
	if (check_cpus_exist(c, &set) < 0)
		return -1;
	*(struct dpv_cpuset *)field = set;
	return 0;
}

/* Next whitespace-separated token of @a s at or after *pos; its length, 0 at the end. */
static size_t
next_token(const char *s, size_t *pos)
{
	size_t i = *pos, n = 0;

	while (s[i] != '\0' && isspace((unsigned char)s[i]))
		i++;
	while (s[i + n] != '\0' && !isspace((unsigned char)s[i + n]))
		n++;
	*pos = i;
	return n;
}

static bool
tok_is(const char *t, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(t, lit, n) == 0;
}

/*
 * The lcore layout comes from [cpu]; letting the EAL line set it too would
 * make two truths. The EAL reads options with getopt_long(), which takes any
 * unambiguous abbreviation, so "--lc=1" is --lcores too.
 */
static const struct {
	const char *name;
	size_t unique; /* shortest prefix getopt_long() takes for it */
} eal_forbidden[] = {
    {"--lcores", 4},
    {"--main-lcore", 5},
    {"--master-lcore", 5},
};

static int
parse_eal(struct cfg_ctx *c, const struct cfg_key *k, void *field, const char *v)
{
	size_t pos = 0, n;
	int ret = 0;

	if (strlen(v) >= k->size)
		return key_err(c, "longer than %zu characters", k->size - 1);
	while ((n = next_token(v, &pos)) > 0) {
		const char *t = v + pos;
		size_t name = n;

		if (n >= 2 && t[0] == '-' && (t[1] == 'l' || t[1] == 'c')) {
			ret = key_err(c,
			              "-%c is not allowed: the engine builds the lcore options "
			              "from [cpu]",
			              t[1]);
		} else if (n > 2 && t[0] == '-' && t[1] == '-') {
			const char *eq = memchr(t, '=', n);

			if (eq != NULL)
				name = (size_t)(eq - t);
			for (size_t i = 0; i < RTE_DIM(eal_forbidden); i++) {
				const char *f = eal_forbidden[i].name;

				if (name < eal_forbidden[i].unique || name > strlen(f) ||
				    memcmp(t, f, name) != 0)
					continue;
				if (name == strlen(f))
					ret = key_err(c,
					              "%s is not allowed: the engine builds the "
					              "lcore options from [cpu]",
					              f);
				else
					ret = key_err(c,
					              "%.*s (%s) is not allowed: the engine builds "
					              "the lcore options from [cpu]",
					              (int)name, t, f);
			}
		}
		pos += n;
	}
	if (ret < 0)
		return -1;
	snprintf(field, k->size, "%s", v);
	c->cfg->eal_line = c->lineno;
	return 0;
}

static int
parse_address(struct cfg_ctx *c, const struct cfg_key *k, void *field, const char *v)
{
	struct dpv_port_conf *p = (struct dpv_port_conf *)((char *)field - k->off);
	uint32_t a, len = 0, mask, host;
	const char *s = parse_ipv4(v, &a);

	if (s == NULL || *s != '/' || (s[1] == '0' && s[2] != '\0') || to_u32(s + 1, &len) < 0)
		return key_err(c, "malformed address '%s': expected A.B.C.D/LEN", v);
	if (len < 1 || len > 32)
		return key_err(c, "prefix length %u out of range (1..32)", len);
	if ((a >> 24) == 0 || (a >> 24) == 127 || (a >> 24) >= 224)
		return key_err(c, "%.*s is not a usable unicast address", (int)(s - v), v);
	mask = prefix_mask(len);
	host = a & ~mask;
	/* /31 (RFC 3021) and /32 have no network or broadcast address. */
	if (len <= 30 && host == 0)
		return key_err(c, "%.*s is the network address of its /%u subnet", (int)(s - v), v,
		               len);
	if (len <= 30 && host == ~mask)
		return key_err(c, "%.*s is the broadcast address of its /%u subnet", (int)(s - v),
		               v, len);
	p->addr = a;
	p->prefixlen = (uint8_t)len;
	return 0;
}

static int
parse_gateway(struct cfg_ctx *c, const struct cfg_key *k, void *field, const char *v)
{
	uint32_t a;
	const char *s = parse_ipv4(v, &a);

	if (s == NULL || *s != '\0')
		return key_err(c, "malformed gateway '%s': expected A.B.C.D", v);
	if (a == 0)
		return key_err(c, "0.0.0.0 is not a gateway");
	*(uint32_t *)field = a;
	return 0;
}

/* Start of the last token of [s, e). */
static char *
tok_start(char *s, char *e)
{
	while (e > s && !isspace((unsigned char)e[-1]))
		e--;
	return e;
}

/* End of [s, e) without its trailing blanks. */
static char *
trim_end(char *s, char *e)
{
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return e;
}

static bool
bridge_name_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

/*
 * PATTERN ACTION, the action being the last token or two: the pattern may
 * hold blanks, the action never does. A two-token action needs a pattern
 * before it, so "bridge echo" is the pattern "bridge" with the action echo.
 */
static int
parse_rule(struct cfg_ctx *c, const struct cfg_key *k, void *field, const char *v)
{
	struct dpv_config *cfg = c->cfg;
	struct dpv_rule r = {.line = c->lineno};
	char buf[DPV_ERR_LINE], *e, *a, *pe, *b, *act, *arg = NULL;
	regex_t re;
	int rc;

	if (cfg->nb_rules >= DPV_MAX_RULES)
		return key_err(c, "too many rules (max %d)", DPV_MAX_RULES);
	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		return key_err(c, "rule too long");
	e = trim_end(buf, buf + strlen(buf));
	a = tok_start(buf, e);
	pe = trim_end(buf, a);
	if (pe == buf)
		return key_err(c, "expected 'PATTERN ACTION', got '%s'", v);
	b = tok_start(buf, pe);
	act = a;
	if (b > buf &&
	    (tok_is(b, (size_t)(pe - b), "reject") || tok_is(b, (size_t)(pe - b), "bridge"))) {
		act = b;
		arg = a;
		*e = '\0';
		*pe = '\0';
		pe = trim_end(buf, b);
	} else {
		*e = '\0';
	}
	*pe = '\0';

	if (strcmp(act, "tone") == 0) {
		r.action = DPV_CALL_TONE;
	} else if (strcmp(act, "echo") == 0) {
		r.action = DPV_CALL_ECHO;
	} else if (strcmp(act, "reject") == 0) {
		uint32_t code;

		if (arg == NULL)
			return key_err(c, "action 'reject' needs a SIP status code (400..699)");
		if (to_u32(arg, &code) < 0 || code < 400 || code > 699)
			return key_err(c, "reject code '%s' is not a SIP status code in 400..699",
			               arg);
		r.action = DPV_CALL_REJECT;
		r.reject_code = (uint16_t)code;
	} else if (strcmp(act, "bridge") == 0) {
		r.action = DPV_CALL_BRIDGE;
		if (arg != NULL && (strlen(arg) >= sizeof(r.bridge) || !bridge_name_ok(arg)))
			return key_err(
			    c, "bad bridge name '%s': 1..%zu characters of A-Z a-z 0-9 . _ -", arg,
			    sizeof(r.bridge) - 1);
		if (arg != NULL)
			snprintf(r.bridge, sizeof(r.bridge), "%s", arg);
	} else {
		return key_err(c, "unknown action '%s' (tone, echo, reject CODE, bridge [NAME])",
		               act);
	}

	if (strlen(buf) >= sizeof(r.pattern))
		return key_err(c, "pattern longer than %zu characters", sizeof(r.pattern) - 1);
	rc = regcomp(&re, buf, REG_EXTENDED);
	if (rc != 0) {
		char why[128];

		regerror(rc, &re, why, sizeof(why));
		return key_err(c, "bad regex '%s': %s", buf, why);
	}
	if (r.action == DPV_CALL_BRIDGE && arg == NULL && re.re_nsub == 0) {
		regfree(&re);
		return key_err(c,
		               "'bridge' without a name takes it from the first capture group, "
		               "and '%s' has none",
		               buf);
	}
	regfree(&re);
	snprintf(r.pattern, sizeof(r.pattern), "%s", buf);
	cfg->rules[cfg->nb_rules++] = r;
	return 0;
}

static int
parse_string(struct cfg_ctx *c, const struct cfg_key *k, void *field, const char *v)
{
	if (strlen(v) >= k->size)
		return key_err(c, "longer than %zu characters", k->size - 1);
	snprintf(field, k->size, "%s", v);
	return 0;
}

/* ---- the inih side ---- */

static int
key_index(enum cfg_sec sec, const char *name)
{
	for (size_t i = 0; i < NB_KEYS; i++)
		if (keys[i].sec == sec && strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_ctx *c = user;
	char sec[32];
	void *base;
	int i;

	(void)section; /* the reader tracks sections itself, with their lines */
	if (c->sec == SEC_SKIP)
		return 1;
	if (c->sec == SEC_NONE) {
		report(c, c->lineno, NULL, NULL, "%s: key outside any [section]", name);
		return 1;
	}
	sec_label(c->sec, c->inst, sec, sizeof(sec));
	i = key_index((enum cfg_sec)c->sec, name);
	if (i < 0) {
		report(c, c->lineno, sec, name, "unknown key");
		return 1;
	}
	if (c->key_line[i][c->inst] != 0 && !(keys[i].flags & K_REPEAT)) {
		report(c, c->lineno, sec, name, "duplicate key (first set at line %u)",
		       c->key_line[i][c->inst]);
		return 1;
	}
	if (c->key_line[i][c->inst] == 0) {
		c->key_line[i][c->inst] = c->lineno;
		c->key_ok[i][c->inst] = true;
		if (keys[i].flags & K_REPEAT)
			c->cfg->nb_rules = 0; /* the file's rules replace the default */
	}
	c->key = &keys[i];
	if (*value == '\0') {
		key_err(c, "empty value");
		c->key_ok[i][c->inst] = false;
		return 1;
	}
	base = c->sec == SEC_PORT ? (void *)&c->cfg->ports[c->inst] : (void *)c->cfg;
	if (keys[i].parse(c, &keys[i], (char *)base + keys[i].off, value) < 0)
		c->key_ok[i][c->inst] = false;
	return 1;
}

/* A section header "[name]" (already stripped of leading blanks): sets the current section. */
static void
reader_section(struct cfg_ctx *c, char *p)
{
	char *end = strchr(p, ']'), *t, *name = p + 1, namebuf[64];
	unsigned inst = 0;
	int s;

	c->sec = SEC_SKIP;
	if (end == NULL) {
		report(c, c->lineno, NULL, NULL, "section header without ']'");
		return;
	}
	for (t = end + 1; is_blank(*t); t++)
		;
	if (*t != '\0' && *t != ';' && *t != '#') {
		report(c, c->lineno, NULL, NULL, "unexpected text after ']': '%s'", t);
		return;
	}
	while (is_blank(*name))
		name++;
	/* the line itself goes on to inih untouched */
	snprintf(namebuf, sizeof(namebuf), "%.*s", (int)(trim_end(name, end) - name), name);
	name = namebuf;
	for (s = 0; s < SEC_MAX; s++) {
		size_t n = strlen(sections[s].name);

		if (sections[s].instances == 1 && strcmp(name, sections[s].name) == 0)
			break;
		if (sections[s].instances > 1 && strncmp(name, sections[s].name, n) == 0 &&
		    name[n] >= '0' && name[n] <= '9' && (name[n] != '0' || name[n + 1] == '\0') &&
		    strspn(name + n, "0123456789") == strlen(name + n)) {
			uint32_t id;

			if (to_u32(name + n, &id) < 0 || id >= sections[s].instances) {
				report(c, c->lineno, name, NULL, "%s id %s out of range (0..%u)",
				       sections[s].name, name + n, sections[s].instances - 1);
				return;
			}
			inst = id;
			break;
		}
	}
	if (s == SEC_MAX) {
		report(c, c->lineno, name, NULL,
		       "unknown section (known: dpdk, cpu, port0..port%d, sip, rtp, dialplan, "
		       "control)",
		       DPV_MAX_PORTS - 1);
		return;
	}
	if (c->sec_line[s][inst] != 0)
		report(c, c->lineno, name, NULL, "section repeated (first at line %u)",
		       c->sec_line[s][inst]);
	else
		c->sec_line[s][inst] = c->lineno;
	if (s == SEC_PORT) {
		c->cfg->ports[inst].present = true;
		c->cfg->ports[inst].line = c->sec_line[s][inst];
	}
	c->sec = s;
	c->inst = inst;
}

/* The key of a "key = value" line, for messages about the line itself. */
static void
line_key(const char *p, char *key, size_t len)
{
	size_t n = strcspn(p, "=:");

	while (n > 0 && is_blank(p[n - 1]))
		n--;
	if (p[strcspn(p, "=:")] == '\0' || n == 0 || n >= len)
		n = 0;
	memcpy(key, p, n);
	key[n] = '\0';
}

/*
 * inih's reader: one physical line per call, so c->lineno is the line inih
 * hands to the handler. Lines lose their leading blanks: indentation is
 * allowed, and inih's continuation lines (an indented line continuing the
 * previous value) are not part of the format. A line we reported goes to
 * inih as an empty line so it reports nothing twice.
 */
static char *
cfg_reader(char *str, int num, void *stream)
{
	struct cfg_ctx *c = stream;
	/* inih's own rule: its buffer is 3 more than the longest line ('\r', '\n', NUL). */
	size_t max = num > 3 ? (size_t)num - 3 : 0;
	char sec[32], key[64], *p;
	ssize_t n = getline(&c->buf, &c->bufsz, c->in);

	if (n < 0)
		return NULL;
	c->lineno++;
	str[0] = '\0';
	p = c->buf;
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		p[--n] = '\0';
	if (strlen(p) != (size_t)n) {
		report(c, c->lineno, NULL, NULL, "NUL byte in line");
		return str;
	}
	if (c->lineno == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	while (isspace((unsigned char)*p))
		p++;
	if ((size_t)n > max) {
		line_key(p, key, sizeof(key));
		report(c, c->lineno,
		       c->sec >= 0 ? sec_label(c->sec, c->inst, sec, sizeof(sec)) : NULL,
		       key[0] ? key : NULL, "line too long (%zd characters, max %zu)", n, max);
		return str;
	}
	if (*p == '\0' || *p == ';' || *p == '#') {
		/* blank or comment */
	} else if (*p == '[') {
		reader_section(c, p);
		if (c->sec < 0)
			return str;
	} else {
		/* inih takes the first '=' or ':' before an inline comment (" ;") */
		size_t i = 0;

		while (p[i] != '\0' && p[i] != '=' && p[i] != ':' &&
		       !(p[i] == ';' && i > 0 && isspace((unsigned char)p[i - 1])))
			i++;
		if (p[i] != '=' && p[i] != ':') {
			report(c, c->lineno,
			       c->sec >= 0 ? sec_label(c->sec, c->inst, sec, sizeof(sec)) : NULL,
			       NULL, "expected 'key = value', got '%s'", p);
			return str;
		}
		if (i == 0) {
			report(c, c->lineno,
			       c->sec >= 0 ? sec_label(c->sec, c->inst, sec, sizeof(sec)) : NULL,
			       NULL, "missing key name before '%c'", p[0]);
			return str;
		}
	}
	memcpy(str, p, strlen(p) + 1);
	return str;
}

/* ---- checks across keys, run once the whole file is read ---- */

/* Line to blame for key @a name of section @a sec: its own, else the section's, else 0. */
static unsigned
blame_line(const struct cfg_ctx *c, enum cfg_sec sec, unsigned inst, const char *name)
{
	int i = key_index(sec, name);

	if (i >= 0 && c->key_line[i][inst] != 0)
		return c->key_line[i][inst];
	return c->sec_line[sec][inst];
}

/* True when the key holds a usable value: valid, or unset and so its default. */
static bool
usable(const struct cfg_ctx *c, enum cfg_sec sec, unsigned inst, const char *name)
{
	int i = key_index(sec, name);

	return c->key_line[i][inst] == 0 || c->key_ok[i][inst];
}

static bool
is_set(const struct cfg_ctx *c, enum cfg_sec sec, unsigned inst, const char *name)
{
	return c->key_line[key_index(sec, name)][inst] != 0;
}

static void
check_required(struct cfg_ctx *c)
{
	char sec[32];

	for (int s = 0; s < SEC_MAX; s++) {
		bool any = false;

		for (unsigned inst = 0; inst < sections[s].instances; inst++) {
			if (c->sec_line[s][inst] == 0)
				continue;
			any = true;
			sec_label(s, inst, sec, sizeof(sec));
			for (size_t i = 0; i < NB_KEYS; i++)
				if (keys[i].sec == (enum cfg_sec)s &&
				    (keys[i].flags & K_REQUIRED) && c->key_line[i][inst] == 0)
					report(c, c->sec_line[s][inst], sec, keys[i].name,
					       "required key missing: %s", keys[i].missing);
		}
		if (!any && sections[s].required) {
			char need[128] = "";
			size_t off = 0;

			for (size_t i = 0; i < NB_KEYS; i++)
				if (keys[i].sec == (enum cfg_sec)s && (keys[i].flags & K_REQUIRED))
					off +=
					    (size_t)snprintf(need + off, sizeof(need) - off, "%s%s",
					                     off ? ", " : "", keys[i].name);
			report(c, 0, sections[s].name, NULL,
			       "required section missing (it sets %s)", need);
		}
	}
}

static void
check_cpu(struct cfg_ctx *c)
{
	const struct dpv_config *cfg = c->cfg;
	static const char *const lists[] = {"corelist-media", "corelist-signaling"};
	const struct dpv_cpuset *sets[] = {&cfg->media, &cfg->signaling};
	struct dpv_cpuset workers = {0};
	char also[64] = "";

	if (c->sec_line[SEC_CPU][0] == 0)
		return;
	for (int r = 0; r < 2; r++) {
		if (!is_set(c, SEC_CPU, 0, lists[r]) || !usable(c, SEC_CPU, 0, lists[r]))
			continue;
		for (unsigned w = 0; w < DPV_MAX_CPUS / 64; w++)
			workers.bits[w] |= sets[r]->bits[w];
		if (is_set(c, SEC_CPU, 0, "main-core") && usable(c, SEC_CPU, 0, "main-core") &&
		    dpv_cpuset_isset(sets[r], cfg->main_core))
			snprintf(also + strlen(also), sizeof(also) - strlen(also), "%s%s",
			         also[0] ? " and " : "", lists[r]);
	}
	if (also[0] != '\0')
		report(c, blame_line(c, SEC_CPU, 0, "main-core"), "cpu", "main-core",
		       "overlapping roles: CPU %u is also in %s (the main lcore must not be a "
		       "worker)",
		       cfg->main_core, also);
	if (dpv_cpuset_count(&workers) > DPV_MAX_WORKERS)
		report(c, c->sec_line[SEC_CPU][0], "cpu", NULL,
		       "%u worker CPUs, at most %d are supported", dpv_cpuset_count(&workers),
		       DPV_MAX_WORKERS);
}

static void
check_ports(struct cfg_ctx *c)
{
	bool any = false;
	char sec[32], gw[16];

	for (unsigned i = 0; i < DPV_MAX_PORTS; i++) {
		const struct dpv_port_conf *p = &c->cfg->ports[i];
		uint32_t mask = prefix_mask(p->prefixlen);
		uint32_t host = p->gateway & ~mask;

		if (!p->present)
			continue;
		any = true;
		if (!is_set(c, SEC_PORT, i, "address") || !usable(c, SEC_PORT, i, "address") ||
		    !is_set(c, SEC_PORT, i, "gateway") || !usable(c, SEC_PORT, i, "gateway"))
			continue;
		sec_label(SEC_PORT, i, sec, sizeof(sec));
		dpv_ipv4_format(p->gateway, gw);
		if ((p->gateway & mask) != (p->addr & mask))
			report(c, blame_line(c, SEC_PORT, i, "gateway"), sec, "gateway",
			       "%s is outside the port's subnet /%u", gw, p->prefixlen);
		else if (p->gateway == p->addr)
			report(c, blame_line(c, SEC_PORT, i, "gateway"), sec, "gateway",
			       "%s is the port's own address", gw);
		else if (p->prefixlen <= 30 && (host == 0 || host == ~mask))
			report(c, blame_line(c, SEC_PORT, i, "gateway"), sec, "gateway",
			       "%s is the %s address of the subnet", gw,
			       host == 0 ? "network" : "broadcast");
	}
	if (!any)
		report(c, 0, "portN", NULL,
		       "no port section: at least one [port0]..[port%d] is "
		       "required",
		       DPV_MAX_PORTS - 1);
}

static void
check_sip(struct cfg_ctx *c)
{
	const struct dpv_config *cfg = c->cfg;

	if (usable(c, SEC_SIP, 0, "t1-ms") && usable(c, SEC_SIP, 0, "t2-ms") &&
	    cfg->t1_ms >= cfg->t2_ms)
		report(
		    c,
		    blame_line(c, SEC_SIP, 0, is_set(c, SEC_SIP, 0, "t2-ms") ? "t2-ms" : "t1-ms"),
		    "sip", is_set(c, SEC_SIP, 0, "t2-ms") ? "t2-ms" : "t1-ms",
		    "t1-ms (%u) must be less than t2-ms (%u)", cfg->t1_ms, cfg->t2_ms);
}

static void
check_rtp(struct cfg_ctx *c)
{
	const struct dpv_config *cfg = c->cfg;
	const char *key;

	if (!usable(c, SEC_RTP, 0, "port-min") || !usable(c, SEC_RTP, 0, "port-max"))
		return;
	key = is_set(c, SEC_RTP, 0, "port-max") ? "port-max" : "port-min";
	if (cfg->rtp_port_min >= cfg->rtp_port_max) {
		report(c, blame_line(c, SEC_RTP, 0, key), "rtp", key,
		       "port-min (%u) must be less than port-max (%u)", cfg->rtp_port_min,
		       cfg->rtp_port_max);
		return;
	}
	if (!usable(c, SEC_SIP, 0, "port") || cfg->sip_port < cfg->rtp_port_min ||
	    cfg->sip_port > cfg->rtp_port_max)
		return;
	/* blame the range when the file set it, else the SIP port that moved into it */
	if (is_set(c, SEC_RTP, 0, "port-min") || is_set(c, SEC_RTP, 0, "port-max") ||
	    !is_set(c, SEC_SIP, 0, "port")) {
		key = is_set(c, SEC_RTP, 0, "port-min") ? "port-min" : "port-max";
		report(c, blame_line(c, SEC_RTP, 0, key), "rtp", key,
		       "range %u..%u contains the SIP port %u", cfg->rtp_port_min,
		       cfg->rtp_port_max, cfg->sip_port);
	} else {
		report(c, blame_line(c, SEC_SIP, 0, "port"), "sip", "port",
		       "%u is inside the RTP port range %u..%u", cfg->sip_port, cfg->rtp_port_min,
		       cfg->rtp_port_max);
	}
}

static void
check_dialplan(struct cfg_ctx *c)
{
	if (c->sec_line[SEC_DIALPLAN][0] != 0 && !is_set(c, SEC_DIALPLAN, 0, "rule"))
		report(c, c->sec_line[SEC_DIALPLAN][0], "dialplan", NULL,
		       "no rule: remove the section for the default '.* tone', or add rules");
}

static void (*const checks[])(struct cfg_ctx *) = {
    check_required, check_cpu, check_ports, check_sip, check_rtp, check_dialplan,
};

/* ---- API ---- */

void
dpv_config_defaults(struct dpv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->rx_desc = 1024;
	cfg->tx_desc = 1024;
	cfg->sig_ring_size = 4096;
	cfg->sip_port = 5060;
	cfg->t1_ms = 500;
	cfg->t2_ms = 4000;
	cfg->t4_ms = 5000;
	cfg->max_transactions = 65536;
	cfg->max_dialogs = 65536;
	cfg->rtp_port_min = 20000;
	cfg->rtp_port_max = 29999;
	snprintf(cfg->rules[0].pattern, sizeof(cfg->rules[0].pattern), ".*");
	cfg->rules[0].action = DPV_CALL_TONE;
	cfg->nb_rules = 1;
	snprintf(cfg->ctl_socket, sizeof(cfg->ctl_socket), "/run/dpvoip/dpvoip.sock");
}

/* The CPUs the kernel has online; sysconf() when /sys is not there. */
static void
online_cpus(struct cfg_ctx *c)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	char line[256], why[64];
	bool ok = false;

	if (f != NULL) {
		if (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			ok = dpv_cpulist_parse(line, &c->online, why, sizeof(why)) == 0;
		}
		fclose(f);
	}
	if (!ok) {
		long n = sysconf(_SC_NPROCESSORS_CONF);

		memset(&c->online, 0, sizeof(c->online));
		for (long i = 0; i < (n > 0 ? n : 1) && i < DPV_MAX_CPUS; i++)
			dpv_cpuset_set(&c->online, (unsigned)i);
	}
	dpv_cpuset_format(&c->online, c->online_str, sizeof(c->online_str));
}

int
dpv_config_load(const char *path, struct dpv_config *cfg, FILE *err)
{
	struct cfg_ctx ctx = {.cfg = cfg, .path = path, .err = err, .sec = SEC_NONE}, *c = &ctx;
	int rc;

	dpv_config_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	c->in = fopen(path, "r");
	if (c->in == NULL) {
		report(c, 0, NULL, NULL, "cannot open: %s", strerror(errno));
		return c->nerr;
	}
	online_cpus(c);
	errno = 0;
	rc = ini_parse_stream(cfg_reader, c, cfg_handler, c);
	if (ferror(c->in)) {
		/* what was read is not the file: checks on it would only mislead */
		report(c, c->lineno, NULL, NULL, "cannot read: %s", strerror(errno));
	} else {
		if (rc > 0) /* lines the reader reported reach inih empty: this is another */
			report(c, (unsigned)rc, NULL, NULL, "syntax error");
		else if (rc < 0)
			report(c, 0, NULL, NULL, "cannot parse (inih error %d)", rc);
		for (size_t i = 0; i < RTE_DIM(checks); i++)
			checks[i](c);
	}
	fclose(c->in);
	free(c->buf);
	return c->nerr;
}

int
dpv_config_check_ports(const struct dpv_config *cfg, unsigned nb_ports, FILE *err)
{
	int n = 0;

	for (unsigned i = 0; i < DPV_MAX_PORTS; i++) {
		if (!cfg->ports[i].present || i < nb_ports)
			continue;
		n++;
		if (err == NULL)
			continue;
		if (nb_ports == 0)
			fprintf(err, "%s:%u: [port%u]: no such port: the EAL created no port\n",
			        cfg->path, cfg->ports[i].line, i);
		else
			fprintf(err,
			        "%s:%u: [port%u]: no such port: the EAL created %u port%s "
			        "(0..%u)\n",
			        cfg->path, cfg->ports[i].line, i, nb_ports,
			        nb_ports == 1 ? "" : "s", nb_ports - 1);
	}
	return n;
}

int
dpv_config_eal_port_estimate(const char *eal)
{
	size_t pos = 0, n;
	bool no_pci = false, vdev_next = false;
	int ports = 0;

	while ((n = next_token(eal, &pos)) > 0) {
		const char *t = eal + pos;
		const char *dev = NULL;

		if (vdev_next)
			dev = t;
		vdev_next = false;
		if (tok_is(t, n, "--no-pci"))
			no_pci = true;
		else if (tok_is(t, n, "--vdev"))
			vdev_next = true;
		else if (n > 7 && strncmp(t, "--vdev=", 7) == 0)
			dev = t + 7;
		if (dev != NULL && strncmp(dev, "net_", 4) == 0)
			ports++;
		pos += n;
	}
	return no_pci ? ports : -1;
}
