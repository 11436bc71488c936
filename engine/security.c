/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [security]: the startup-file section, the per-source flood table and the scanner filter
 * (security_int.h says how each works).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "engine_int.h"
#include "security_int.h"

/* ---- flood table ---- */

struct dpv_flood *
dpv_flood_create(const struct dpv_flood_cfg *cfg)
{
	struct dpv_flood *f;
	unsigned bits = 0;

	if (cfg->rate == 0 || cfg->burst == 0 || cfg->hz == 0 || cfg->entries < DPV_FLOOD_WINDOW ||
	    (cfg->entries & (cfg->entries - 1)) != 0 || cfg->nb_allow > DPV_SEC_MAX_ALLOW)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->slots = aligned_alloc(64, (size_t)cfg->entries * sizeof(f->slots[0]));
	if (f->slots == NULL) {
		free(f);
		return NULL;
	}
	memset(f->slots, 0, (size_t)cfg->entries * sizeof(f->slots[0]));
	while ((1u << bits) < cfg->entries)
		bits++;
	f->mask = cfg->entries - 1;
	f->shift = 64 - bits;
	f->hz = cfg->hz;
	/* at least one tick per request: a rate above the clock's resolution is the clock's */
	f->interval = cfg->hz / cfg->rate ? cfg->hz / cfg->rate : 1;
	f->tau = f->interval * cfg->burst;
	f->block = cfg->hz * cfg->block_s;
	f->seed = cfg->seed | 1;
	f->nb_allow = cfg->nb_allow;
	if (cfg->nb_allow)
		memcpy(f->allow, cfg->allow, cfg->nb_allow * sizeof(f->allow[0]));
	return f;
}

void
dpv_flood_destroy(struct dpv_flood *f)
{
	if (f == NULL)
		return;
	free(f->slots);
	free(f);
}

bool
dpv_cidr_match(const struct dpv_cidr *list, unsigned n, uint32_t ip)
{
	for (unsigned i = 0; i < n; i++)
		if ((ip & list[i].mask) == list[i].net)
			return true;
	return false;
}

/* The entry of @a ip: found, or a slot of its window taken for it; NULL: not tracked. */
static struct dpv_flood_entry *
flood_slot(struct dpv_flood *f, uint32_t ip, uint64_t now)
{
	uint64_t h = (((uint64_t)ip ^ f->seed) * UINT64_C(0x9e3779b97f4a7c15)) >> f->shift;
	struct dpv_flood_entry *victim = NULL, *e;

	for (unsigned i = 0; i < DPV_FLOOD_WINDOW; i++) {
		e = &f->slots[(h + i) & f->mask];
		if (e->ip == ip)
			return e;
		if (e->ip == 0) { /* slots are never emptied: the source is not further on */
			victim = e;
			goto take;
		}
		if (e->blocked_until > now)
			continue;
		if (victim == NULL || e->tat < victim->tat)
			victim = e;
	}
	if (victim == NULL) {
		f->st.untracked++;
		return NULL;
	}
	f->st.evicted++;
take:
	*victim = (struct dpv_flood_entry){
	    .ip = ip, .allowed = dpv_cidr_match(f->allow, f->nb_allow, ip), .tat = now};
	return victim;
}

enum dpv_flood_verdict
dpv_flood_check(struct dpv_flood *f, uint32_t ip, uint64_t now)
{
	struct dpv_flood_entry *e;
	uint64_t tat;

	if (ip == 0) /* 0 marks an empty slot; no such source reaches the SIP port anyway */
		return DPV_FLOOD_PASS;
	e = flood_slot(f, ip, now);
	if (e == NULL)
		return DPV_FLOOD_PASS;
	if (e->allowed) {
		e->tat = now; /* busy, not idle: the last its window evicts */
		return DPV_FLOOD_PASS;
	}
	if (e->blocked_until != 0) {
		if (now < e->blocked_until) {
			e->dropped++;
			f->st.dropped++;
			return DPV_FLOOD_DROP;
		}
		e->blocked_until = 0; /* served its time: a full bucket again */
		e->tat = now;
	}
	tat = e->tat > now ? e->tat : now;
	if (tat + f->interval - now > f->tau) {
		e->blocked_until = now + f->block;
		if (e->blocked_until == 0) /* a virtual clock at 0 and no block time */
			e->blocked_until = 1;
		e->dropped = 1;
		f->st.blocks++;
		f->st.dropped++;
		return DPV_FLOOD_DROP;
	}
	e->tat = tat + f->interval;
	return DPV_FLOOD_PASS;
}

unsigned
dpv_flood_blocked(const struct dpv_flood *f, uint64_t now, dpv_flood_visit_fn fn, void *arg)
{
	unsigned n = 0;

	for (uint64_t i = 0; i <= f->mask; i++) {
		const struct dpv_flood_entry *e = &f->slots[i];
		uint32_t ip = __atomic_load_n(&e->ip, __ATOMIC_RELAXED);
		uint64_t until = __atomic_load_n(&e->blocked_until, __ATOMIC_RELAXED);

		if (ip == 0 || until <= now)
			continue;
		n++;
		if (fn != NULL)
			fn(arg, ip, __atomic_load_n(&e->dropped, __ATOMIC_RELAXED), until - now);
	}
	return n;
}

/* ---- scanner filter ---- */

struct dpv_scanner {
	hs_database_t *db;
	unsigned n;
};

struct dpv_scanner_scratch {
	hs_scratch_t *hs;
	const struct dpv_scanner *s;
};

struct dpv_scanner *
dpv_scanner_create(const char *const *patterns, unsigned n, char *err, size_t errlen, int *bad)
{
	unsigned flags[DPV_SEC_MAX_SCANNERS], ids[DPV_SEC_MAX_SCANNERS];
	hs_compile_error_t *cerr = NULL;
	struct dpv_scanner *s;

	*bad = -1;
	if (n == 0 || n > DPV_SEC_MAX_SCANNERS) {
		snprintf(err, errlen, "1..%d patterns, got %u", DPV_SEC_MAX_SCANNERS, n);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL;
		ids[i] = i;
	}
	if (hs_compile_multi(patterns, flags, ids, n, HS_MODE_BLOCK, NULL, &s->db, &cerr) !=
	    HS_SUCCESS) {
		if (cerr != NULL && cerr->expression >= 0 && (unsigned)cerr->expression < n)
			*bad = cerr->expression;
		snprintf(err, errlen, "%s",
		         cerr != NULL ? cerr->message : "hyperscan compile failed");
		hs_free_compile_error(cerr);
		free(s);
		return NULL;
	}
	s->n = n;
	return s;
}

void
dpv_scanner_destroy(struct dpv_scanner *s)
{
	if (s == NULL)
		return;
	hs_free_database(s->db);
	free(s);
}

struct dpv_scanner_scratch *
dpv_scanner_scratch_alloc(const struct dpv_scanner *s)
{
	struct dpv_scanner_scratch *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->s = s;
	if (hs_alloc_scratch(s->db, &x->hs) != HS_SUCCESS) {
		free(x);
		return NULL;
	}
	return x;
}

void
dpv_scanner_scratch_free(struct dpv_scanner_scratch *x)
{
	if (x == NULL)
		return;
	hs_free_scratch(x->hs);
	free(x);
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
         void *ctx)
{
	*(bool *)ctx = true;
	return 1; /* one match decides: stop */
}

bool
dpv_scanner_match(const struct dpv_scanner *s, struct dpv_scanner_scratch *x, const char *p,
                  uint32_t len)
{
	bool hit = false;

	if (len == 0 || x->s != s)
		return false;
	hs_scan(s->db, p, len, 0, x->hs, on_match, &hit);
	return hit;
}

bool
dpv_scanner_request(const struct dpv_scanner *s, struct dpv_scanner_scratch *x,
                    const struct sip_msg *m)
{
	const struct sip_hdr *h;

	if (!m->is_request || m->method == SIP_METHOD_ACK || m->to.has_tag)
		return false;
	for (h = sip_msg_hdr(m, SIP_HDR_USER_AGENT); h != NULL; h = sip_msg_hdr_next(m, h))
		if (dpv_scanner_match(s, x, h->value.p, h->value.len))
			return true;
	return dpv_scanner_match(s, x, m->from.display.p, m->from.display.len) ||
	       dpv_scanner_match(s, x, m->from.uri.raw.p, m->from.uri.raw.len);
}

/* ---- [security] ---- */

static int
parse_allow(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	struct dpv_security_conf *sc = field;
	uint32_t a, len = 32, mask;
	uint32_t n = dpv_ipv4_scan(dpv_cstr(v), &a);
	const char *s = v + n;

	if (n == 0 || (*s != '\0' && *s != '/') ||
	    (*s == '/' && (s[1] == '\0' || (s[1] == '0' && s[2] != '\0') ||
	                   dpv_str_to_u32(dpv_cstr(s + 1), 32, &len) < 0)))
		return dpv_cfg_err(c, "malformed '%s': expected A.B.C.D or A.B.C.D/LEN (LEN 0..32)",
		                   v);
	if (sc->nb_allow >= DPV_SEC_MAX_ALLOW)
		return dpv_cfg_err(c, "too many allow lines (max %d)", DPV_SEC_MAX_ALLOW);
	mask = len == 0 ? 0 : UINT32_MAX << (32 - len);
	if ((a & mask) != a)
		return dpv_cfg_err(c, "'%s' has bits set outside its /%u prefix", v, len);
	sc->allow[sc->nb_allow++] = (struct dpv_cidr){a, mask};
	return 0;
}

static int
parse_scanner(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	struct dpv_security_conf *sc = field;
	size_t n = strlen(v);

	if (n > DPV_SEC_MAX_PATTERN)
		return dpv_cfg_err(c, "pattern longer than %d characters", DPV_SEC_MAX_PATTERN);
	if (sc->nb_scanners >= DPV_SEC_MAX_SCANNERS)
		return dpv_cfg_err(c, "too many scanner lines (max %d)", DPV_SEC_MAX_SCANNERS);
	sc->scanners[sc->nb_scanners] = strdup(v);
	if (sc->scanners[sc->nb_scanners] == NULL)
		return dpv_cfg_err(c, "out of memory");
	sc->scanner_line[sc->nb_scanners++] = dpv_cfg_lineno(c);
	return 0;
}

#define SF(f) DPV_CFG_FIELD(struct dpv_security_conf, f)

static const struct dpv_cfg_key security_keys[] = {
    {"flood-rate", dpv_cfg_parse_uint, SF(flood_rate), 1, 1000000, DPV_CFG_ZERO_OK, NULL},
    {"flood-burst", dpv_cfg_parse_uint, SF(flood_burst), 1, 1000000, 0, NULL},
    {"flood-block-s", dpv_cfg_parse_uint, SF(flood_block_s), 1, 86400, 0, NULL},
    {"flood-table", dpv_cfg_parse_uint, SF(flood_table), 256, 1u << 24, DPV_CFG_POW2, NULL},
    {"allow", parse_allow, 0, sizeof(struct dpv_security_conf), 0, 0, DPV_CFG_REPEAT, NULL},
    {"scanner", parse_scanner, 0, sizeof(struct dpv_security_conf), 0, 0, DPV_CFG_REPEAT, NULL},
    {NULL},
};

/* Compile the patterns as the engine runs them: hyperscan names one failing pattern per
 * compile, so report it on its line, leave it out and compile again until the rest compile. */
static void
check_security(struct dpv_cfg *c, const struct dpv_cfg_section *s)
{
	struct dpv_security_conf *sc = s->base;
	const char *pats[DPV_SEC_MAX_SCANNERS];
	unsigned idx[DPV_SEC_MAX_SCANNERS], n = 0;
	struct dpv_scanner *sd = NULL;
	bool dropped = false;
	char why[512];
	int bad;

	if (sc->flood_rate == 0 && dpv_cfg_usable(c, s->name, 0, "flood-rate") &&
	    (dpv_cfg_is_set(c, s->name, 0, "flood-burst") ||
	     dpv_cfg_is_set(c, s->name, 0, "flood-block-s") ||
	     dpv_cfg_is_set(c, s->name, 0, "flood-table") ||
	     dpv_cfg_is_set(c, s->name, 0, "allow")))
		dpv_cfg_blame(c, s->name, 0, "flood-rate",
		              "flood control is off (flood-rate 0 or unset): set a rate, or remove "
		              "the other flood keys and allow lines");
	dpv_scanner_destroy(sc->scanner);
	sc->scanner = NULL;
	for (unsigned i = 0; i < sc->nb_scanners; i++) {
		pats[n] = sc->scanners[i];
		idx[n++] = i;
	}
	while (n > 0 && (sd = dpv_scanner_create(pats, n, why, sizeof(why), &bad)) == NULL) {
		if (bad < 0 || (unsigned)bad >= n) {
			dpv_cfg_blame(c, s->name, 0, "scanner", "%s", why);
			return;
		}
		dpv_cfg_report(c, sc->scanner_line[idx[bad]], s->name, "scanner",
		               "bad pattern '%s': %s", pats[bad], why);
		n--;
		memmove(&pats[bad], &pats[bad + 1], (n - (unsigned)bad) * sizeof(pats[0]));
		memmove(&idx[bad], &idx[bad + 1], (n - (unsigned)bad) * sizeof(idx[0]));
		dropped = true;
	}
	if (dropped)
		dpv_scanner_destroy(sd);
	else
		sc->scanner = sd;
}

void
dpv_security_conf_defaults(struct dpv_security_conf *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->flood_burst = 50;
	sc->flood_block_s = 60;
	sc->flood_table = 4096;
}

void
dpv_security_conf_free(struct dpv_security_conf *sc)
{
	for (unsigned i = 0; i < sc->nb_scanners; i++)
		free(sc->scanners[i]);
	sc->nb_scanners = 0;
	dpv_scanner_destroy(sc->scanner);
	sc->scanner = NULL;
}

struct dpv_cfg_section
dpv_security_conf_section(struct dpv_security_conf *sc)
{
	return (struct dpv_cfg_section){.name = "security",
	                                .instances = 1,
	                                .keys = security_keys,
	                                .base = sc,
	                                .check = check_security};
}
