/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The startup-file reader: INI read with inih against the sections each layer registers.
 *
 * inih only splits "key = value" and strips comments. We hand it one physical line per call so
 * the line it is on is always known, and do the checks inih would otherwise do silently or stop
 * at: over-long lines (inih truncates them), lines without '=', section headers (inih does not
 * tell the handler about empty sections). Every problem is reported, then reading goes on, so
 * one run shows all of them. What a key means is its section's: the parse function of its
 * table entry, and the section's check once the whole file is read.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "dpv.h"

#define SEC_NONE (-1) /* before the first section header */
#define SEC_SKIP (-2) /* inside a bad section: its keys were already accounted for */

/* What the file did with one section: header lines and key lines, per instance. */
struct sec_state {
	unsigned nb_keys;
	unsigned *sec_line; /* [inst]: header line, 0: absent */
	unsigned *key_line; /* [inst * nb_keys + key]: first line, 0: not set */
	bool *key_ok;       /* [inst * nb_keys + key]: parsed without error */
};

struct dpv_cfg {
	const struct dpv_cfg_section *secs;
	unsigned nb_secs;
	struct sec_state *st;
	const char *path;
	FILE *in;
	FILE *err;
	unsigned lineno;
	int nerr;
	int sec; /* index in secs, SEC_NONE or SEC_SKIP */
	unsigned inst;
	const struct dpv_cfg_key *key; /* the key being parsed, for dpv_cfg_err() */
	char *buf;
	size_t bufsz;
};

/* ---- reporting ---- */

static const char *
sec_label(const struct dpv_cfg *c, int sec, unsigned inst, char *buf, size_t len)
{
	if (sec < 0)
		snprintf(buf, len, "?");
	else if (c->secs[sec].instances > 1)
		snprintf(buf, len, "%s%u", c->secs[sec].name, inst);
	else
		snprintf(buf, len, "%s", c->secs[sec].name);
	return buf;
}

/* One problem: "FILE:LINE: [label] key: what" (label and key when known). */
static void __attribute__((format(printf, 5, 0)))
vreport(struct dpv_cfg *c, unsigned line, const char *label, const char *key, const char *fmt,
        va_list ap)
{
	c->nerr++;
	if (c->err == NULL)
		return;
	fprintf(c->err, "%s:%u: ", c->path, line);
	if (label != NULL)
		fprintf(c->err, "[%s]%s%s: ", label, key ? " " : "", key ? key : "");
	vfprintf(c->err, fmt, ap);
	fputc('\n', c->err);
}

void
dpv_cfg_report(struct dpv_cfg *c, unsigned line, const char *label, const char *key,
               const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, line, label, key, fmt, ap);
	va_end(ap);
}

int
dpv_cfg_err(struct dpv_cfg *c, const char *fmt, ...)
{
	char sec[64];
	va_list ap;

	va_start(ap, fmt);
	vreport(c, c->lineno, sec_label(c, c->sec, c->inst, sec, sizeof(sec)),
	        c->key ? c->key->name : NULL, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- what the file set ---- */

static int
sec_index(const struct dpv_cfg *c, const char *name)
{
	for (unsigned s = 0; s < c->nb_secs; s++)
		if (c->secs[s].name != NULL && strcmp(c->secs[s].name, name) == 0)
			return (int)s;
	return -1;
}

static int
key_index(const struct dpv_cfg_section *s, const char *name)
{
	for (int i = 0; s->keys != NULL && s->keys[i].name != NULL; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return i;
	return -1;
}

/* The slot of key @a key of @a sec/@a inst in key_line[]/key_ok[], or -1 (no such key). */
static int
slot(const struct dpv_cfg *c, const char *sec, unsigned inst, const char *key, int *s)
{
	int k;

	*s = sec_index(c, sec);
	if (*s < 0 || inst >= c->secs[*s].instances || key == NULL)
		return -1;
	k = key_index(&c->secs[*s], key);
	return k < 0 ? -1 : (int)(inst * c->st[*s].nb_keys) + k;
}

bool
dpv_cfg_is_set(const struct dpv_cfg *c, const char *sec, unsigned inst, const char *key)
{
	int s, i = slot(c, sec, inst, key, &s);

	return i >= 0 && c->st[s].key_line[i] != 0;
}

bool
dpv_cfg_usable(const struct dpv_cfg *c, const char *sec, unsigned inst, const char *key)
{
	int s, i = slot(c, sec, inst, key, &s);

	return i >= 0 && (c->st[s].key_line[i] == 0 || c->st[s].key_ok[i]);
}

unsigned
dpv_cfg_line(const struct dpv_cfg *c, const char *sec, unsigned inst, const char *key)
{
	int s, i = slot(c, sec, inst, key, &s);

	if (i >= 0 && c->st[s].key_line[i] != 0)
		return c->st[s].key_line[i];
	return s >= 0 && inst < c->secs[s].instances ? c->st[s].sec_line[inst] : 0;
}

unsigned
dpv_cfg_lineno(const struct dpv_cfg *c)
{
	return c->lineno;
}

void
dpv_cfg_blame(struct dpv_cfg *c, const char *sec, unsigned inst, const char *key, const char *fmt,
              ...)
{
	int s = sec_index(c, sec);
	char label[64];
	va_list ap;

	if (s >= 0)
		sec_label(c, s, inst, label, sizeof(label));
	else
		snprintf(label, sizeof(label), "%s", sec);
	va_start(ap, fmt);
	vreport(c, dpv_cfg_line(c, sec, inst, key), label, key, fmt, ap);
	va_end(ap);
}

/* ---- generic parsers ---- */

static void
store_uint(void *field, size_t size, uint32_t v)
{
	if (size == sizeof(uint16_t))
		*(uint16_t *)field = (uint16_t)v;
	else
		*(uint32_t *)field = v;
}

int
dpv_cfg_parse_uint(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	uint32_t n;

	if (strspn(v, "0123456789") != strlen(v))
		return dpv_cfg_err(c, "'%s' is not a number", v);
	if (dpv_str_to_u32(dpv_cstr(v), UINT32_MAX, &n) < 0)
		return dpv_cfg_err(c, "%s is out of range (%s%u..%u)", v,
		                   (k->flags & DPV_CFG_ZERO_OK) ? "0 or " : "", k->min, k->max);
	if (n == 0 && (k->flags & DPV_CFG_ZERO_OK)) {
		store_uint(field, k->size, n);
		return 0;
	}
	if ((k->flags & DPV_CFG_POW2) && (n < k->min || n > k->max || (n & (n - 1)) != 0))
		return dpv_cfg_err(c, "%u is not a power of two in %u..%u", n, k->min, k->max);
	if (n < k->min || n > k->max)
		return dpv_cfg_err(c, "%u is out of range (%s%u..%u)", n,
		                   (k->flags & DPV_CFG_ZERO_OK) ? "0 or " : "", k->min, k->max);
	if ((k->flags & DPV_CFG_EVEN) && (n & 1))
		return dpv_cfg_err(c, "%u must be even", n);
	store_uint(field, k->size, n);
	return 0;
}

int
dpv_cfg_parse_string(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	if (strlen(v) >= k->size)
		return dpv_cfg_err(c, "longer than %zu characters", k->size - 1);
	snprintf(field, k->size, "%s", v);
	return 0;
}

/* ---- the inih side ---- */

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* End of [s, e) without its trailing blanks. */
static char *
trim_end(char *s, char *e)
{
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return e;
}

static int
cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct dpv_cfg *c = user;
	const struct dpv_cfg_section *s;
	struct sec_state *st;
	char sec[64];
	unsigned i;
	int k;

	(void)section; /* the reader tracks sections itself, with their lines */
	if (c->sec == SEC_SKIP)
		return 1;
	if (c->sec == SEC_NONE) {
		dpv_cfg_report(c, c->lineno, NULL, NULL, "%s: key outside any [section]", name);
		return 1;
	}
	s = &c->secs[c->sec];
	st = &c->st[c->sec];
	sec_label(c, c->sec, c->inst, sec, sizeof(sec));
	k = key_index(s, name);
	if (k < 0) {
		dpv_cfg_report(c, c->lineno, sec, name, "unknown key");
		return 1;
	}
	i = c->inst * st->nb_keys + (unsigned)k;
	if (st->key_line[i] != 0 && !(s->keys[k].flags & DPV_CFG_REPEAT)) {
		dpv_cfg_report(c, c->lineno, sec, name, "duplicate key (first set at line %u)",
		               st->key_line[i]);
		return 1;
	}
	if (st->key_line[i] == 0) {
		st->key_line[i] = c->lineno;
		st->key_ok[i] = true;
	}
	c->key = &s->keys[k];
	if (*value == '\0') {
		dpv_cfg_err(c, "empty value");
		st->key_ok[i] = false;
	} else if (s->keys[k].parse(c, &s->keys[k],
	                            (char *)s->base + c->inst * s->stride + s->keys[k].off,
	                            value) < 0) {
		st->key_ok[i] = false;
	}
	c->key = NULL;
	return 1;
}

/* "dpdk, cpu, port0..port7, ...": the sections this load knows. */
static void
known_sections(const struct dpv_cfg *c, char *buf, size_t len)
{
	struct dpv_buf b = DPV_BUF(buf, len - 1);

	for (unsigned s = 0; s < c->nb_secs; s++) {
		const struct dpv_cfg_section *d = &c->secs[s];

		if (d->name == NULL)
			continue;
		if (b.len > 0)
			dpv_buf_cstr(&b, ", ");
		if (d->instances > 1)
			dpv_buf_printf(&b, "%s0..%s%u", d->name, d->name, d->instances - 1);
		else
			dpv_buf_cstr(&b, d->name);
	}
	buf[b.over ? len - 1 : b.len] = '\0';
}

/* Instance of multi-instance section @a d named by @a name ("port3"): 0 and *inst set, 1 when
 * @a name is not one of @a d's, -1 when its id is out of range (reported). */
static int
instance_of(struct dpv_cfg *c, const struct dpv_cfg_section *d, const char *name, unsigned *inst)
{
	size_t n = strlen(d->name);
	uint32_t id;

	if (strncmp(name, d->name, n) != 0 || name[n] < '0' || name[n] > '9' ||
	    (name[n] == '0' && name[n + 1] != '\0') ||
	    strspn(name + n, "0123456789") != strlen(name + n))
		return 1;
	if (dpv_str_to_u32(dpv_cstr(name + n), UINT32_MAX, &id) < 0 || id >= d->instances) {
		dpv_cfg_report(c, c->lineno, name, NULL, "%s id %s out of range (0..%u)", d->name,
		               name + n, d->instances - 1);
		return -1;
	}
	*inst = id;
	return 0;
}

/* A section header "[name]" (already stripped of leading blanks): sets the current section. */
static void
reader_section(struct dpv_cfg *c, char *p)
{
	char *end = strchr(p, ']'), *t, *name = p + 1, namebuf[64], known[512];
	unsigned inst = 0, s;

	c->sec = SEC_SKIP;
	if (end == NULL) {
		dpv_cfg_report(c, c->lineno, NULL, NULL, "section header without ']'");
		return;
	}
	for (t = end + 1; is_blank(*t); t++)
		;
	if (*t != '\0' && *t != ';' && *t != '#') {
		dpv_cfg_report(c, c->lineno, NULL, NULL, "unexpected text after ']': '%s'", t);
		return;
	}
	while (is_blank(*name))
		name++;
	/* the line itself goes on to inih untouched */
	snprintf(namebuf, sizeof(namebuf), "%.*s", (int)(trim_end(name, end) - name), name);
	name = namebuf;
	for (s = 0; s < c->nb_secs; s++) {
		const struct dpv_cfg_section *d = &c->secs[s];
		int rc;

		if (d->name == NULL)
			continue;
		if (d->instances == 1 && strcmp(name, d->name) == 0)
			break;
		if (d->instances > 1 && (rc = instance_of(c, d, name, &inst)) <= 0) {
			if (rc < 0)
				return;
			break;
		}
	}
	if (s == c->nb_secs) {
		known_sections(c, known, sizeof(known));
		dpv_cfg_report(c, c->lineno, name, NULL, "unknown section (known: %s)", known);
		return;
	}
	if (c->st[s].sec_line[inst] != 0)
		dpv_cfg_report(c, c->lineno, name, NULL, "section repeated (first at line %u)",
		               c->st[s].sec_line[inst]);
	else
		c->st[s].sec_line[inst] = c->lineno;
	c->sec = (int)s;
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
 * inih's reader: one physical line per call, so c->lineno is the line inih hands to the
 * handler. Lines lose their leading blanks: indentation is allowed, and inih's continuation
 * lines (an indented line continuing the previous value) are not part of the format. A line we
 * reported goes to inih as an empty line so it reports nothing twice.
 */
static char *
cfg_reader(char *str, int num, void *stream)
{
	struct dpv_cfg *c = stream;
	/* inih's own rule: its buffer is 3 more than the longest line ('\r', '\n', NUL). */
	size_t max = num > 3 ? (size_t)num - 3 : 0;
	char sec[64], key[64], *p;
	const char *label;
	ssize_t n = getline(&c->buf, &c->bufsz, c->in);

	if (n < 0)
		return NULL;
	c->lineno++;
	str[0] = '\0';
	p = c->buf;
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		p[--n] = '\0';
	if (strlen(p) != (size_t)n) {
		dpv_cfg_report(c, c->lineno, NULL, NULL, "NUL byte in line");
		return str;
	}
	if (c->lineno == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	while (isspace((unsigned char)*p))
		p++;
	label = c->sec >= 0 ? sec_label(c, c->sec, c->inst, sec, sizeof(sec)) : NULL;
	if ((size_t)n > max) {
		line_key(p, key, sizeof(key));
		dpv_cfg_report(c, c->lineno, label, key[0] ? key : NULL,
		               "line too long (%zd characters, max %zu)", n, max);
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
			dpv_cfg_report(c, c->lineno, label, NULL,
			               "expected 'key = value', got '%s'", p);
			return str;
		}
		if (i == 0) {
			dpv_cfg_report(c, c->lineno, label, NULL, "missing key name before '%c'",
			               p[0]);
			return str;
		}
	}
	memcpy(str, p, strlen(p) + 1);
	return str;
}

/* ---- once the whole file is read ---- */

static void
check_required(struct dpv_cfg *c)
{
	char sec[64];

	for (unsigned s = 0; s < c->nb_secs; s++) {
		const struct dpv_cfg_section *d = &c->secs[s];
		const struct sec_state *st = &c->st[s];
		bool any = false;

		if (d->name == NULL)
			continue;
		for (unsigned inst = 0; inst < d->instances; inst++) {
			if (st->sec_line[inst] == 0)
				continue;
			any = true;
			sec_label(c, (int)s, inst, sec, sizeof(sec));
			for (unsigned k = 0; k < st->nb_keys; k++)
				if ((d->keys[k].flags & DPV_CFG_REQUIRED) &&
				    st->key_line[inst * st->nb_keys + k] == 0)
					dpv_cfg_report(c, st->sec_line[inst], sec, d->keys[k].name,
					               "required key missing: %s",
					               d->keys[k].missing);
		}
		if (!any && d->required) {
			char need[256];
			struct dpv_buf b = DPV_BUF(need, sizeof(need) - 1);

			for (unsigned k = 0; k < st->nb_keys; k++)
				if (d->keys[k].flags & DPV_CFG_REQUIRED)
					dpv_buf_printf(&b, "%s%s", b.len ? ", " : "",
					               d->keys[k].name);
			need[b.over ? sizeof(need) - 1 : b.len] = '\0';
			if (need[0] != '\0')
				dpv_cfg_report(c, 0, d->name, NULL,
				               "required section missing (it sets %s)", need);
			else
				dpv_cfg_report(c, 0, d->name, NULL, "required section missing");
		}
	}
}

static int
state_alloc(struct dpv_cfg *c)
{
	c->st = calloc(c->nb_secs, sizeof(*c->st));
	if (c->st == NULL)
		return -1;
	for (unsigned s = 0; s < c->nb_secs; s++) {
		const struct dpv_cfg_section *d = &c->secs[s];
		struct sec_state *st = &c->st[s];
		size_t n;

		while (d->keys != NULL && d->keys[st->nb_keys].name != NULL)
			st->nb_keys++;
		/* never calloc(0): a section-less check has no instance and no key */
		n = (size_t)(d->instances ? d->instances : 1) * (st->nb_keys ? st->nb_keys : 1);
		st->sec_line = calloc(d->instances ? d->instances : 1, sizeof(*st->sec_line));
		st->key_line = calloc(n, sizeof(*st->key_line));
		st->key_ok = calloc(n, sizeof(*st->key_ok));
		if (st->sec_line == NULL || st->key_line == NULL || st->key_ok == NULL)
			return -1;
	}
	return 0;
}

static void
state_free(struct dpv_cfg *c)
{
	for (unsigned s = 0; c->st != NULL && s < c->nb_secs; s++) {
		free(c->st[s].sec_line);
		free(c->st[s].key_line);
		free(c->st[s].key_ok);
	}
	free(c->st);
}

int
dpv_cfg_load(const char *path, const struct dpv_cfg_section *secs, unsigned n, FILE *err)
{
	struct dpv_cfg ctx = {.secs = secs,
	                      .nb_secs = n,
	                      .path = path,
	                      .err = err,
	                      .sec = SEC_NONE},
	               *c = &ctx;
	int rc;

	if (state_alloc(c) < 0) {
		dpv_cfg_report(c, 0, NULL, NULL, "out of memory");
		state_free(c);
		return c->nerr;
	}
	c->in = fopen(path, "r");
	if (c->in == NULL) {
		dpv_cfg_report(c, 0, NULL, NULL, "cannot open: %s", strerror(errno));
		state_free(c);
		return c->nerr;
	}
	errno = 0;
	rc = ini_parse_stream(cfg_reader, c, cfg_handler, c);
	if (ferror(c->in)) {
		/* what was read is not the file: checks on it would only mislead */
		dpv_cfg_report(c, c->lineno, NULL, NULL, "cannot read: %s", strerror(errno));
	} else {
		if (rc > 0) /* lines the reader reported reach inih empty: this is another */
			dpv_cfg_report(c, (unsigned)rc, NULL, NULL, "syntax error");
		else if (rc < 0)
			dpv_cfg_report(c, 0, NULL, NULL, "cannot parse (inih error %d)", rc);
		check_required(c);
		for (unsigned s = 0; s < n; s++)
			if (secs[s].check != NULL)
				secs[s].check(c, &secs[s]);
	}
	fclose(c->in);
	free(c->buf);
	state_free(c);
	return c->nerr;
}
