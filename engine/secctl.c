/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `security` control command (and /dpvoip/security): the [security] settings, the
 * counters summed over lcores, and every source blocked now with the lcore that blocked it,
 * what it dropped in this block and the seconds left. Read while the workers run: a racy
 * snapshot (stats.c says why that is enough).
 */
#include <jansson.h>
#include <rte_cycles.h>

#include "engine_int.h"
#include "security_int.h"
#include "sig_int.h"

struct blocked_list {
	json_t *arr;
	unsigned lcore;
	uint64_t hz;
};

static void
blocked_json(void *arg, uint32_t ip, uint64_t dropped, uint64_t ticks_left)
{
	struct blocked_list *l = arg;
	char buf[16];

	dpv_ipv4_format(ip, buf);
	json_array_append_new(l->arr,
	                      json_pack("{s:s,s:i,s:I,s:I}", "source", buf, "lcore", (int)l->lcore,
	                                "dropped", (json_int_t)dropped, "seconds_left",
	                                (json_int_t)((ticks_left + l->hz - 1) / l->hz)));
}

json_t *
dpv_security_json(const struct dpv_engine *e)
{
	const struct dpv_security_conf *sc = &e->cfg.security;
	struct blocked_list l = {json_array(), 0, rte_get_tsc_hz()};
	uint64_t now = rte_rdtsc(), blocks = 0, untracked = 0, dropped = 0, scanner = 0;
	json_t *o = json_object(), *allow = json_array();

	for (unsigned i = 0; i < sc->nb_allow; i++) {
		char buf[24];
		uint32_t n = dpv_ipv4_format(sc->allow[i].net, buf);

		snprintf(buf + n, sizeof(buf) - n, "/%d", __builtin_popcount(sc->allow[i].mask));
		json_array_append_new(allow, json_string(buf));
	}
	for (unsigned i = 0; i < e->nb_workers && i < DPV_MAX_WORKERS; i++) {
		const struct dpv_worker *w = &e->workers[i];
		const uint64_t *sig = dpv_sig_worker_counters(w);

		blocks += w->lc[DPV_LC_flood_blocks];
		untracked += w->lc[DPV_LC_flood_untracked];
		for (unsigned p = 0; p < DPV_MAX_PORTS; p++)
			dropped += w->pc[p][DPV_C_drop_sip_flood];
		if (sig != NULL)
			scanner += sig[DPV_SIG_C_scanner_dropped];
		if (w->flood != NULL && l.hz != 0) {
			l.lcore = w->lcore_id;
			dpv_flood_blocked(w->flood, now, blocked_json, &l);
		}
	}
	json_object_set_new(o, "flood_rate", json_integer(sc->flood_rate));
	json_object_set_new(o, "flood_burst", json_integer(sc->flood_burst));
	json_object_set_new(o, "flood_block_s", json_integer(sc->flood_block_s));
	json_object_set_new(o, "flood_table", json_integer(sc->flood_table));
	json_object_set_new(o, "allow", allow);
	json_object_set_new(o, "scanner_patterns", json_integer(sc->nb_scanners));
	json_object_set_new(o, "flood_blocks", json_integer((json_int_t)blocks));
	json_object_set_new(o, "flood_dropped", json_integer((json_int_t)dropped));
	json_object_set_new(o, "flood_untracked", json_integer((json_int_t)untracked));
	json_object_set_new(o, "scanner_dropped", json_integer((json_int_t)scanner));
	json_object_set_new(o, "blocked_now", json_integer((json_int_t)json_array_size(l.arr)));
	json_object_set_new(o, "blocked", l.arr);
	return o;
}

static int
cmd_security(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	json_object_set_new(reply, "security", dpv_security_json(e));
	return 0;
}

void
dpv_security_ctl_register(void)
{
	static const struct dpv_ctl_cmd cmd = {
	    "security", cmd_security,
	    "[security] settings and counters; blocked sources with lcore, dropped, seconds left"};

	dpv_ctl_register(&cmd);
}
