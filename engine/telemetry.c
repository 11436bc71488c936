/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands under /dpvoip/.
 *
 * Every reply is built from the same dpv_stats_json() object the control
 * socket serves, so both views always agree on names and sums. Telemetry
 * callbacks carry no user pointer, hence the file-level engine pointer; they
 * run on DPDK's telemetry thread and only read (racily, see stats.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_telemetry.h>
#include <urcu-qsbr.h>

#include "engine_int.h"

static const struct dpv_engine *tel_eng;

/* Copy the integer members of @a o into the telemetry dict @a d (strings too when asked). */
static void
tel_add_members(struct rte_tel_data *d, const json_t *o, bool strings)
{
	const char *k;
	json_t *v;

	for (void *it_ = json_object_iter((json_t *)o);
	     it_ && (k = json_object_iter_key(it_), v = json_object_iter_value(it_));
	     it_ = json_object_iter_next((json_t *)o, it_)) {
		if (json_is_integer(v))
			rte_tel_data_add_dict_u64(d, k, (uint64_t)json_integer_value(v));
		else if (strings && json_is_string(v))
			rte_tel_data_add_dict_string(d, k, json_string_value(v));
	}
}

/* The lcore's counter groups (sip, sip_tables, rtp, sig, media) as dicts of their own: one
 * level of containers, which a single lcore's reply can hold. */
static void
tel_add_groups(struct rte_tel_data *d, const json_t *lc)
{
	static const char *const groups[] = {"sip", "sip_tables", "rtp", "sig", "media"};

	for (unsigned i = 0; i < RTE_DIM(groups); i++) {
		const json_t *g = json_object_get(lc, groups[i]);
		struct rte_tel_data *c;

		if (!json_is_object(g) || (c = rte_tel_data_alloc()) == NULL)
			continue;
		rte_tel_data_start_dict(c);
		tel_add_members(c, g, false);
		if (rte_tel_data_add_dict_container(d, groups[i], c, 0) != 0)
			rte_tel_data_free(c);
	}
}

static int
tel_parse_id(const char *params, unsigned long max, unsigned long *out)
{
	char *end;

	if (params == NULL || *params == '\0')
		return 0;
	errno = 0;
	*out = strtoul(params, &end, 10);
	if (errno != 0 || *end != '\0' || *params < '0' || *params > '9' || *out > max)
		return -EINVAL;
	return 1;
}

/* /dpvoip/stats: the engine summary and the drop totals. */
static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *st = dpv_stats_json(tel_eng);
	struct rte_tel_data *drops = rte_tel_data_alloc();

	rte_tel_data_start_dict(d);
	tel_add_members(d, json_object_get(st, "engine"), false);
	if (drops != NULL) {
		rte_tel_data_start_dict(drops);
		tel_add_members(drops, json_object_get(st, "drops"), false);
		rte_tel_data_add_dict_container(d, "drops", drops, 0);
	}
	json_decref(st);
	return 0;
}

/* /dpvoip/drops: drop totals by cause. */
static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *st = dpv_stats_json(tel_eng);

	rte_tel_data_start_dict(d);
	tel_add_members(d, json_object_get(st, "drops"), false);
	json_decref(st);
	return 0;
}

static void
tel_add_roles(struct rte_tel_data *d, const json_t *lc)
{
	const json_t *roles = json_object_get(lc, "roles");
	char buf[64] = "";
	size_t i;
	json_t *r;

	for (i = 0;
	     i < json_array_size((json_t *)roles) && (r = json_array_get((json_t *)roles, i));
	     i++) {
		if (i > 0)
			strncat(buf, ",", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, json_string_value(r), sizeof(buf) - strlen(buf) - 1);
	}
	rte_tel_data_add_dict_string(d, "roles", buf);
}

static void
tel_add_sig_ring(struct rte_tel_data *d, const json_t *lc)
{
	const json_t *ring = json_object_get(lc, "sig_ring");
	const char *k;
	json_t *v;
	char name[64];

	for (void *it_ = json_object_iter((json_t *)ring);
	     it_ && (k = json_object_iter_key(it_), v = json_object_iter_value(it_));
	     it_ = json_object_iter_next((json_t *)ring, it_)) {
		snprintf(name, sizeof(name), "sig_ring_%s", k);
		rte_tel_data_add_dict_u64(d, name, (uint64_t)json_integer_value(v));
	}
}

/* The member of stats array @a arr whose @a key is @a want, or NULL. */
static json_t *
tel_find_id(json_t *arr, const char *key, unsigned long want)
{
	json_t *e;
	size_t i;

	for (i = 0; i < json_array_size(arr) && (e = json_array_get(arr, i)); i++)
		if ((unsigned long)json_integer_value(json_object_get(e, key)) == want)
			return e;
	return NULL;
}

/*
 * /dpvoip/lcores: without a parameter, every worker lcore's counters keyed by
 * lcore id; with one (an lcore id), that lcore's counters, roles and ring.
 */
static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned long want = 0;
	int has = tel_parse_id(params, RTE_MAX_LCORE, &want);
	json_t *st, *lcores, *lc;
	size_t i;

	if (has < 0)
		return has;
	st = dpv_stats_json(tel_eng);
	lcores = json_object_get(st, "lcores");
	rte_tel_data_start_dict(d);
	if (has) {
		lc = tel_find_id(lcores, "lcore", want);
		if (lc != NULL) {
			tel_add_members(d, lc, false);
			tel_add_roles(d, lc);
			tel_add_sig_ring(d, lc);
			tel_add_groups(d, lc);
		}
		json_decref(st);
		return lc != NULL ? 0 : -EINVAL;
	}
	for (i = 0; i < json_array_size(lcores) && (lc = json_array_get(lcores, i)); i++) {
		json_int_t id = json_integer_value(json_object_get(lc, "lcore"));
		struct rte_tel_data *c = rte_tel_data_alloc();
		char name[16];

		if (c == NULL)
			continue;
		rte_tel_data_start_dict(c);
		tel_add_members(c, lc, false);
		tel_add_sig_ring(c, lc);
		snprintf(name, sizeof(name), "%lld", (long long)id);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	json_decref(st);
	return 0;
}

/*
 * /dpvoip/ports: without a parameter, the list of port ids; with one, that
 * port's dpvoip counters (summed over workers), name, MAC and address.
 */
static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned long want = 0;
	int has = tel_parse_id(params, UINT16_MAX, &want);
	json_t *st, *ports, *p;
	size_t i;

	if (has < 0)
		return has;
	st = dpv_stats_json(tel_eng);
	ports = json_object_get(st, "ports");
	if (has) {
		rte_tel_data_start_dict(d);
		p = tel_find_id(ports, "port", want);
		if (p != NULL) {
			tel_add_members(d, p, true);
			tel_add_members(d, json_object_get(p, "counters"), false);
		}
		json_decref(st);
		return p != NULL ? 0 : -EINVAL;
	}
	rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
	for (i = 0; i < json_array_size(ports) && (p = json_array_get(ports, i)); i++)
		rte_tel_data_add_array_u64(
		    d, (uint64_t)json_integer_value(json_object_get(p, "port")));
	json_decref(st);
	return 0;
}

/* The sessions as `sessions` lists them. The telemetry thread is no RCU reader of its own: it
 * registers for the one read and leaves (registration is a control-plane mutex, never a
 * worker's concern), so it never holds a grace period between requests. */
static json_t *
tel_sessions_json(void)
{
	json_t *arr;

	rcu_register_thread();
	rcu_read_lock();
	arr = dpv_sessions_json(tel_eng);
	rcu_read_unlock();
	rcu_unregister_thread();
	return arr;
}

/*
 * /dpvoip/sessions: without a parameter, the session ids; with one (a session id), that
 * session's state, addresses and media counters (packets, bytes, loss, jitter).
 */
static int
tel_sessions(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *arr = tel_sessions_json(), *o;
	unsigned long long want = 0;
	bool has = params != NULL && *params != '\0';
	size_t i;

	if (has) {
		char *end;

		errno = 0;
		want = strtoull(params, &end, 10);
		if (errno != 0 || *end != '\0' || *params < '0' || *params > '9') {
			json_decref(arr);
			return -EINVAL;
		}
		for (i = 0; i < json_array_size(arr) && (o = json_array_get(arr, i)); i++) {
			if ((unsigned long long)json_integer_value(json_object_get(o, "id")) !=
			    want)
				continue;
			rte_tel_data_start_dict(d);
			tel_add_members(d, o, true);
			json_decref(arr);
			return 0;
		}
		json_decref(arr);
		return -EINVAL;
	}
	rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
	for (i = 0; i < json_array_size(arr) && i < RTE_TEL_MAX_ARRAY_ENTRIES &&
	            (o = json_array_get(arr, i));
	     i++)
		rte_tel_data_add_array_u64(d,
		                           (uint64_t)json_integer_value(json_object_get(o, "id")));
	json_decref(arr);
	return 0;
}

/* /dpvoip/security: the [security] counters, and the sources blocked now (source: dropped). */
static int
tel_security(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *o = dpv_security_json(tel_eng), *b;
	struct rte_tel_data *src = rte_tel_data_alloc();
	size_t i;

	rte_tel_data_start_dict(d);
	tel_add_members(d, o, false);
	if (src != NULL) {
		const json_t *arr = json_object_get(o, "blocked");

		rte_tel_data_start_dict(src);
		for (i = 0; i < json_array_size(arr) && i < RTE_TEL_MAX_DICT_ENTRIES &&
		            (b = json_array_get(arr, i));
		     i++)
			rte_tel_data_add_dict_u64(
			    src, json_string_value(json_object_get(b, "source")),
			    (uint64_t)json_integer_value(json_object_get(b, "dropped")));
		rte_tel_data_add_dict_container(d, "blocked_sources", src, 0);
	}
	json_decref(o);
	return 0;
}

int
dpv_telemetry_init(struct dpv_engine *e)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
	    {"/dpvoip/stats", tel_stats, "dpvoip engine summary and drop totals"},
	    {"/dpvoip/lcores", tel_lcores,
	     "dpvoip per-lcore counters; parameter: lcore id (optional)"},
	    {"/dpvoip/ports", tel_ports, "dpvoip port ids; parameter: port id for its counters"},
	    {"/dpvoip/drops", tel_drops, "dpvoip drops by cause, totals over ports and lcores"},
	    {"/dpvoip/security", tel_security,
	     "dpvoip [security] counters and blocked sources (source: requests dropped)"},
	    {"/dpvoip/sessions", tel_sessions,
	     "dpvoip session ids; parameter: session id for its state and media counters"},
	};

	static bool registered;

	if (e == NULL)
		return -EINVAL;
	tel_eng = e;
	/* DPDK keeps duplicates, so a second init only repoints the engine. */
	if (registered)
		return 0;
	for (unsigned i = 0; i < RTE_DIM(cmds); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);

		if (rc < 0)
			return rc;
	}
	registered = true;
	return 0;
}
