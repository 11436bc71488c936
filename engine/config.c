/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The startup file: the engine's own sections ([dpdk], [cpu], [portN], [control]) and the
 * checks across layers, and the list of every layer's sections that lib's reader
 * (dpv_cfg_load) reads the file against: [sip] and [dialplan] are the sip layer's
 * (sip/config.c), [rtp] the rtp layer's (rtp/config.c).
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_config.h>

#include "engine_int.h"

/* The CPUs online here, read once per load: [cpu] may only name those. */
static struct {
	struct dpv_cpuset set;
	char str[128];
} online;

static int
to_u32(const char *v, uint32_t *out)
{
	return dpv_str_to_u32(dpv_cstr(v), UINT32_MAX, out);
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

/* Every CPU in @a set must be online here, else the EAL fails later with a worse message. */
static int
check_cpus_exist(struct dpv_cfg *c, const struct dpv_cpuset *set)
{
	struct dpv_cpuset missing = {0};
	char list[128];
	unsigned cpu;

	DPV_CPUSET_FOREACH(cpu, set)
	if (!dpv_cpuset_isset(&online.set, cpu))
		dpv_cpuset_set(&missing, cpu);
	if (dpv_cpuset_count(&missing) == 0)
		return 0;
	dpv_cpuset_format(&missing, list, sizeof(list));
	if (dpv_cpuset_count(&missing) == 1)
		return dpv_cfg_err(c, "CPU %s does not exist on this machine (it has CPUs %s)",
		                   list, online.str);
	return dpv_cfg_err(c, "CPUs %s do not exist on this machine (it has CPUs %s)", list,
	                   online.str);
}

static int
parse_cpu(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	struct dpv_cpuset one = {0};
	uint32_t n;

	if (to_u32(v, &n) < 0 || n > k->max)
		return dpv_cfg_err(c, "'%s' is not a CPU number (0..%u)", v, k->max);
	dpv_cpuset_set(&one, n);
	if (check_cpus_exist(c, &one) < 0)
		return -1;
	*(unsigned *)field = n;
	return 0;
}

static int
parse_cpulist(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	struct dpv_cpuset set;
	char why[128];

	if (dpv_cpulist_parse(v, &set, why, sizeof(why)) < 0)
		return dpv_cfg_err(c, "bad CPU list '%s': %s", v, why);
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
parse_eal(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	size_t pos = 0, n;
	int ret = 0;

	if (strlen(v) >= k->size)
		return dpv_cfg_err(c, "longer than %zu characters", k->size - 1);
	while ((n = next_token(v, &pos)) > 0) {
		const char *t = v + pos;
		size_t name = n;

		if (n >= 2 && t[0] == '-' && (t[1] == 'l' || t[1] == 'c')) {
			ret = dpv_cfg_err(c,
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
					ret =
					    dpv_cfg_err(c,
					                "%s is not allowed: the engine builds the "
					                "lcore options from [cpu]",
					                f);
				else
					ret = dpv_cfg_err(
					    c,
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
	((struct dpv_config *)((char *)field - k->off))->eal_line = dpv_cfg_lineno(c);
	return 0;
}

static int
parse_address(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	struct dpv_port_conf *p = (struct dpv_port_conf *)((char *)field - k->off);
	uint32_t a, len = 0, mask, host;
	const char *s = parse_ipv4(v, &a);

	if (s == NULL || *s != '/' || (s[1] == '0' && s[2] != '\0') || to_u32(s + 1, &len) < 0)
		return dpv_cfg_err(c, "malformed address '%s': expected A.B.C.D/LEN", v);
	if (len < 1 || len > 32)
		return dpv_cfg_err(c, "prefix length %u out of range (1..32)", len);
	if ((a >> 24) == 0 || (a >> 24) == 127 || (a >> 24) >= 224)
		return dpv_cfg_err(c, "%.*s is not a usable unicast address", (int)(s - v), v);
	mask = prefix_mask(len);
	host = a & ~mask;
	/* /31 (RFC 3021) and /32 have no network or broadcast address. */
	if (len <= 30 && host == 0)
		return dpv_cfg_err(c, "%.*s is the network address of its /%u subnet", (int)(s - v),
		                   v, len);
	if (len <= 30 && host == ~mask)
		return dpv_cfg_err(c, "%.*s is the broadcast address of its /%u subnet",
		                   (int)(s - v), v, len);
	p->addr = a;
	p->prefixlen = (uint8_t)len;
	return 0;
}

static int
parse_gateway(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	uint32_t a;
	const char *s = parse_ipv4(v, &a);

	if (s == NULL || *s != '\0')
		return dpv_cfg_err(c, "malformed gateway '%s': expected A.B.C.D", v);
	if (a == 0)
		return dpv_cfg_err(c, "0.0.0.0 is not a gateway");
	*(uint32_t *)field = a;
	return 0;
}

/* ---- checks across keys, run once the whole file is read ---- */

static void
check_cpu(struct dpv_cfg *c, const struct dpv_cfg_section *s)
{
	const struct dpv_config *cfg = s->base;
	static const char *const lists[] = {"corelist-media", "corelist-signaling"};
	const struct dpv_cpuset *sets[] = {&cfg->media, &cfg->signaling};
	struct dpv_cpuset workers = {0};
	char also[64] = "";

	if (dpv_cfg_line(c, "cpu", 0, NULL) == 0)
		return;
	for (int r = 0; r < 2; r++) {
		if (!dpv_cfg_is_set(c, "cpu", 0, lists[r]) ||
		    !dpv_cfg_usable(c, "cpu", 0, lists[r]))
			continue;
		for (unsigned w = 0; w < DPV_MAX_CPUS / 64; w++)
			workers.bits[w] |= sets[r]->bits[w];
		if (dpv_cfg_is_set(c, "cpu", 0, "main-core") &&
		    dpv_cfg_usable(c, "cpu", 0, "main-core") &&
		    dpv_cpuset_isset(sets[r], cfg->main_core))
			snprintf(also + strlen(also), sizeof(also) - strlen(also), "%s%s",
			         also[0] ? " and " : "", lists[r]);
	}
	if (also[0] != '\0')
		dpv_cfg_blame(
		    c, "cpu", 0, "main-core",
		    "overlapping roles: CPU %u is also in %s (the main lcore must not be a "
		    "worker)",
		    cfg->main_core, also);
	if (dpv_cpuset_count(&workers) > DPV_MAX_WORKERS) {
		dpv_cfg_blame(c, "cpu", 0, NULL, "%u worker CPUs, at most %d are supported",
		              dpv_cpuset_count(&workers), DPV_MAX_WORKERS);
	} else if (cfg->sig_per_cpu > 1 && !cfg->cpu_threads) {
		dpv_cfg_blame(c, "cpu", 0, "signaling-per-cpu",
		              "%u signaling lcores per CPU need shared-cpu = threads",
		              cfg->sig_per_cpu);
	} else if (cfg->cpu_threads) {
		struct dpv_lcore_slot plan[DPV_MAX_WORKERS];
		char why[128];

		if (dpv_lcore_plan(cfg, plan, DPV_MAX_WORKERS, why, sizeof(why)) < 0)
			dpv_cfg_blame(c, "cpu", 0, "shared-cpu", "%s", why);
	}
}

int
dpv_lcore_plan(const struct dpv_config *c, struct dpv_lcore_slot *out, unsigned max, char *why,
               size_t whylen)
{
	struct dpv_cpuset all = c->media;
	unsigned cpu, n = 0, next_id;

	for (unsigned i = 0; i < DPV_MAX_CPUS / 64; i++)
		all.bits[i] |= c->signaling.bits[i];
	/* ids for the second thread of a shared CPU: above every CPU named, main-core included */
	next_id = c->main_core + 1;
	DPV_CPUSET_FOREACH(cpu, &all)
	if (cpu + 1 > next_id)
		next_id = cpu + 1;
	DPV_CPUSET_FOREACH(cpu, &all)
	{
		unsigned roles = (dpv_cpuset_isset(&c->media, cpu) ? DPV_ROLE_MEDIA : 0) |
		                 (dpv_cpuset_isset(&c->signaling, cpu) ? DPV_ROLE_SIGNALING : 0);
		bool threads = c->cpu_threads && (roles & DPV_ROLE_SIGNALING);
		/* signaling threads on this CPU, and the lcore ids above the CPUs they take */
		unsigned nsig = threads ? (c->sig_per_cpu ? c->sig_per_cpu : 1) : 0;
		unsigned extra = threads ? nsig - !(roles & DPV_ROLE_MEDIA) : 0;
		unsigned total = threads ? nsig + !!(roles & DPV_ROLE_MEDIA) : 1;

		if (n + total > max) {
			snprintf(why, whylen, "more than %u worker threads", max);
			return -1;
		}
		if (cpu >= RTE_MAX_LCORE || next_id + extra > RTE_MAX_LCORE) {
			snprintf(why, whylen,
			         "CPU %u needs an lcore id of %u or more, DPDK has %d lcore ids",
			         cpu, cpu >= RTE_MAX_LCORE ? cpu : next_id + extra - 1,
			         RTE_MAX_LCORE);
			return -1;
		}
		if (!threads) {
			out[n++] = (struct dpv_lcore_slot){cpu, cpu, roles};
			continue;
		}
		/* the CPU's own lcore id goes to its first thread: media when it has that role */
		if (roles & DPV_ROLE_MEDIA)
			out[n++] = (struct dpv_lcore_slot){cpu, cpu, DPV_ROLE_MEDIA};
		for (unsigned k = 0; k < nsig; k++) {
			bool first = k == 0 && !(roles & DPV_ROLE_MEDIA);

			out[n++] = (struct dpv_lcore_slot){first ? cpu : next_id++, cpu,
			                                   DPV_ROLE_SIGNALING};
		}
	}
	return (int)n;
}

static void
check_ports(struct dpv_cfg *c, const struct dpv_cfg_section *s)
{
	struct dpv_port_conf *ports = s->base;
	bool any = false;
	char gw[16];

	for (unsigned i = 0; i < DPV_MAX_PORTS; i++) {
		struct dpv_port_conf *p = &ports[i];
		uint32_t mask = prefix_mask(p->prefixlen);
		uint32_t host = p->gateway & ~mask;

		p->line = dpv_cfg_line(c, "port", i, NULL);
		p->present = p->line != 0;
		if (!p->present)
			continue;
		any = true;
		if (!dpv_cfg_is_set(c, "port", i, "address") ||
		    !dpv_cfg_usable(c, "port", i, "address") ||
		    !dpv_cfg_is_set(c, "port", i, "gateway") ||
		    !dpv_cfg_usable(c, "port", i, "gateway"))
			continue;
		dpv_ipv4_format(p->gateway, gw);
		if ((p->gateway & mask) != (p->addr & mask))
			dpv_cfg_blame(c, "port", i, "gateway",
			              "%s is outside the port's subnet /%u", gw, p->prefixlen);
		else if (p->gateway == p->addr)
			dpv_cfg_blame(c, "port", i, "gateway", "%s is the port's own address", gw);
		else if (p->prefixlen <= 30 && (host == 0 || host == ~mask))
			dpv_cfg_blame(c, "port", i, "gateway", "%s is the %s address of the subnet",
			              gw, host == 0 ? "network" : "broadcast");
	}
	if (!any)
		dpv_cfg_report(c, 0, "portN", NULL,
		               "no port section: at least one [port0]..[port%d] is "
		               "required",
		               DPV_MAX_PORTS - 1);
}

/* Across layers: the SIP port must not be one the RTP pools hand out. */
static void
check_sip_in_rtp(struct dpv_cfg *c, const struct dpv_cfg_section *s)
{
	const struct dpv_config *cfg = s->base;
	const char *key;

	if (!dpv_cfg_usable(c, "rtp", 0, "port-min") || !dpv_cfg_usable(c, "rtp", 0, "port-max") ||
	    cfg->rtp.port_min >= cfg->rtp.port_max) /* the rtp check said so */
		return;
	if (!dpv_cfg_usable(c, "sip", 0, "port") || cfg->sip.port < cfg->rtp.port_min ||
	    cfg->sip.port > cfg->rtp.port_max)
		return;
	/* blame the range when the file set it, else the SIP port that moved into it */
	if (dpv_cfg_is_set(c, "rtp", 0, "port-min") || dpv_cfg_is_set(c, "rtp", 0, "port-max") ||
	    !dpv_cfg_is_set(c, "sip", 0, "port")) {
		key = dpv_cfg_is_set(c, "rtp", 0, "port-min") ? "port-min" : "port-max";
		dpv_cfg_blame(c, "rtp", 0, key, "range %u..%u contains the SIP port %u",
		              cfg->rtp.port_min, cfg->rtp.port_max, cfg->sip.port);
	} else {
		dpv_cfg_blame(c, "sip", 0, "port", "%u is inside the RTP port range %u..%u",
		              cfg->sip.port, cfg->rtp.port_min, cfg->rtp.port_max);
	}
}

/* ---- the engine's keys, every layer's sections ---- */

#define CF(f) DPV_CFG_FIELD(struct dpv_config, f)
#define PF(f) DPV_CFG_FIELD(struct dpv_port_conf, f)

static const struct dpv_cfg_key dpdk_keys[] = {
    {"eal", parse_eal, CF(eal), 0, 0, DPV_CFG_REQUIRED, "the EAL arguments"},
    {"mbufs", dpv_cfg_parse_uint, CF(mbufs), 1023, 4194303, DPV_CFG_ZERO_OK, NULL},
    {"rx-desc", dpv_cfg_parse_uint, CF(rx_desc), 64, 4096, DPV_CFG_POW2, NULL},
    {"tx-desc", dpv_cfg_parse_uint, CF(tx_desc), 64, 4096, DPV_CFG_POW2, NULL},
    {NULL},
};

static int
parse_shared_cpu(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	(void)k;
	if (strcmp(v, "loop") == 0)
		*(bool *)field = false;
	else if (strcmp(v, "threads") == 0)
		*(bool *)field = true;
	else
		return dpv_cfg_err(c, "'%s' is not a way to share a CPU (loop, threads)", v);
	return 0;
}

static const struct dpv_cfg_key cpu_keys[] = {
    {"main-core", parse_cpu, CF(main_core), 0, DPV_MAX_CPUS - 1, DPV_CFG_REQUIRED,
     "the main lcore needs a CPU"},
    {"corelist-media", parse_cpulist, CF(media), 0, 0, DPV_CFG_REQUIRED,
     "the media role has no CPU"},
    {"corelist-signaling", parse_cpulist, CF(signaling), 0, 0, DPV_CFG_REQUIRED,
     "the signaling role has no CPU"},
    {"idle-sleep-us", dpv_cfg_parse_uint, CF(idle_sleep_us), 0, 1000000, 0, NULL},
    {"sig-ring-size", dpv_cfg_parse_uint, CF(sig_ring_size), 256, 1048576, DPV_CFG_POW2, NULL},
    {"shared-cpu", parse_shared_cpu, CF(cpu_threads), 0, 0, 0, NULL},
    {"signaling-per-cpu", dpv_cfg_parse_uint, CF(sig_per_cpu), 1, 16, 0, NULL},
    {NULL},
};

static const struct dpv_cfg_key port_keys[] = {
    {"address", parse_address, PF(addr), 0, 0, DPV_CFG_REQUIRED,
     "the port needs an A.B.C.D/LEN address"},
    {"gateway", parse_gateway, PF(gateway), 0, 0, 0, NULL},
    {NULL},
};

static const struct dpv_cfg_key control_keys[] = {
    {"socket", dpv_cfg_parse_string, CF(ctl_socket), 1, 0, 0, NULL},
    {NULL},
};

#define MAX_SECTIONS 12

/* The file's sections in the order "unknown section" lists them and their checks run; the
 * section without a name is the check across [sip] and [rtp]. @return how many. */
static unsigned
sections(struct dpv_config *cfg, struct dpv_cfg_section s[MAX_SECTIONS])
{
	unsigned n = 0;

	s[n++] = (struct dpv_cfg_section){
	    .name = "dpdk", .instances = 1, .required = true, .keys = dpdk_keys, .base = cfg};
	s[n++] = (struct dpv_cfg_section){.name = "cpu",
	                                  .instances = 1,
	                                  .required = true,
	                                  .keys = cpu_keys,
	                                  .base = cfg,
	                                  .check = check_cpu};
	/* not required: check_ports() wants at least one, with its own message */
	s[n++] = (struct dpv_cfg_section){.name = "port",
	                                  .instances = DPV_MAX_PORTS,
	                                  .keys = port_keys,
	                                  .base = cfg->ports,
	                                  .stride = sizeof(cfg->ports[0]),
	                                  .check = check_ports};
	s[n++] = sip_conf_section(&cfg->sip);
	s[n++] = rtp_conf_section(&cfg->rtp);
	s[n++] = (struct dpv_cfg_section){.base = cfg, .check = check_sip_in_rtp};
	s[n++] = sip_dialplan_conf_section(&cfg->dialplan);
	s[n++] = bridge_conf_section(&cfg->bridge);
	s[n++] = dpv_security_conf_section(&cfg->security);
	s[n++] = dpv_ng_conf_section(&cfg->ng);
	s[n++] = (struct dpv_cfg_section){
	    .name = "control", .instances = 1, .keys = control_keys, .base = cfg};
	return n;
}

/* ---- API ---- */

void
dpv_config_defaults(struct dpv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->rx_desc = 1024;
	cfg->tx_desc = 1024;
	cfg->sig_ring_size = 4096;
	cfg->sig_per_cpu = 1;
	sip_conf_defaults(&cfg->sip);
	rtp_conf_defaults(&cfg->rtp);
	sip_dialplan_conf_defaults(&cfg->dialplan);
	bridge_conf_defaults(&cfg->bridge);
	dpv_security_conf_defaults(&cfg->security);
	dpv_ng_conf_defaults(&cfg->ng);
	snprintf(cfg->ctl_socket, sizeof(cfg->ctl_socket), "/run/dpvoip/dpvoip.sock");
}

void
dpv_config_free(struct dpv_config *cfg)
{
	sip_dialplan_conf_free(&cfg->dialplan);
	dpv_security_conf_free(&cfg->security);
}

/* The CPUs the kernel has online; sysconf() when /sys is not there. */
static void
online_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	char line[256], why[64];
	bool ok = false;

	if (f != NULL) {
		if (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			ok = dpv_cpulist_parse(line, &online.set, why, sizeof(why)) == 0;
		}
		fclose(f);
	}
	if (!ok) {
		long n = sysconf(_SC_NPROCESSORS_CONF);

		memset(&online.set, 0, sizeof(online.set));
		for (long i = 0; i < (n > 0 ? n : 1) && i < DPV_MAX_CPUS; i++)
			dpv_cpuset_set(&online.set, (unsigned)i);
	}
	dpv_cpuset_format(&online.set, online.str, sizeof(online.str));
}

int
dpv_config_load(const char *path, struct dpv_config *cfg, FILE *err)
{
	struct dpv_cfg_section secs[MAX_SECTIONS];
	unsigned n;

	dpv_config_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	online_cpus();
	n = sections(cfg, secs);
	return dpv_cfg_load(path, secs, n, err);
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
