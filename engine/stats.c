/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `stats` object: engine, per-lcore and per-port counters, drops by cause.
 *
 * Counters are read without synchronisation from the workers' structs while
 * the workers run: each is an aligned uint64_t written only by its own lcore,
 * so a read sees an old or a new value, never a torn one (x86-64). Totals are
 * therefore approximate snapshots, which is all a monitoring view needs.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "engine_int.h"
#include "media_int.h"
#include "rtp.h"
#include "sig_int.h"
#include "sip.h"

#define DROP_PREFIX "drop_"

/* What a signaling lcore's tables hold (racy reads of its own gauges) and what its transaction
 * layer did with finished transactions. */
static json_t *
ua_tables(const struct sip_ua *ua)
{
	const struct sip_tx_stats *ts = sip_ua_tx_stats(ua);
	struct sip_ua_occupancy oc;
	json_t *t = json_object();

	sip_ua_occupancy(ua, &oc);
	json_object_set_new(t, "tx_live", json_integer(oc.tx_live));
	json_object_set_new(t, "tx_limbo", json_integer(oc.tx_limbo));
	json_object_set_new(t, "tx_free", json_integer(oc.tx_free));
	json_object_set_new(t, "tx_records", json_integer(oc.tx_records));
	json_object_set_new(t, "sess_live", json_integer(oc.sess_live));
	json_object_set_new(t, "sess_held", json_integer(oc.sess_held));
	json_object_set_new(t, "sess_free", json_integer(oc.sess_free));
	json_object_set_new(t, "compacted", json_integer(ts->compacted));
	json_object_set_new(t, "compact_refused", json_integer(ts->compact_refused));
	json_object_set_new(t, "compact_hits", json_integer(ts->compact_hits));
	json_object_set_new(t, "compact_expired", json_integer(ts->compact_expired));
	json_object_set_new(t, "compact_evicted", json_integer(ts->compact_evicted));
	json_object_set_new(t, "retrans_absorbed", json_integer(ts->retrans_absorbed));
	json_object_set_new(t, "retrans_sent", json_integer(ts->retrans_sent));
	return t;
}

static json_t *
lcore_json(const struct dpv_worker *w)
{
	json_t *o = json_object();
	json_t *roles = json_array();

	json_object_set_new(o, "lcore", json_integer(w->lcore_id));
	json_object_set_new(o, "cpu", json_integer(w->cpu));
	if (w->roles & DPV_ROLE_MEDIA)
		json_array_append_new(roles, json_string("media"));
	if (w->roles & DPV_ROLE_SIGNALING)
		json_array_append_new(roles, json_string("signaling"));
	json_object_set_new(o, "roles", roles);
	json_object_set_new(o, "rxq",
	                    (w->roles & DPV_ROLE_MEDIA) ? json_integer(w->rxq) : json_null());
	json_object_set_new(o, "txq", json_integer(w->txq));
	for (unsigned c = 0; c < DPV_LC_MAX; c++)
		json_object_set_new(o, dpv_lcore_counter_names[c], json_integer(w->lc[c]));
	if (dpv_sig_worker_ua(w) != NULL) {
		const uint64_t *uc = sip_ua_counters(dpv_sig_worker_ua(w));
		json_t *sip = json_object();

		for (unsigned c = 0; c < SIP_UA_C_MAX; c++)
			json_object_set_new(sip, sip_ua_counter_names[c], json_integer(uc[c]));
		json_object_set_new(o, "sip", sip);
		json_object_set_new(o, "sip_tables", ua_tables(dpv_sig_worker_ua(w)));
	}
	if (dpv_sig_worker_media(w) != NULL) {
		const struct rtp_media *rm = dpv_sig_worker_media(w);
		struct rtp_portpool_stats ps;
		json_t *rtp = json_object();

		rtp_portpool_stats(rtp_media_ports(rm), &ps);
		json_object_set_new(rtp, "sdp_rejected",
		                    json_integer(rtp_media_stats(rm)->sdp_rejected));
		json_object_set_new(rtp, "ports_exhausted",
		                    json_integer(rtp_media_stats(rm)->ports_exhausted));
		json_object_set_new(rtp, "flows_exhausted",
		                    json_integer(rtp_media_stats(rm)->flows_exhausted));
		json_object_set_new(rtp, "ports_in_use", json_integer(ps.in_use));
		json_object_set_new(rtp, "ports_free", json_integer(ps.avail));
		json_object_set_new(o, "rtp", rtp);
	}
	if (dpv_sig_worker_counters(w) != NULL) {
		const uint64_t *sc = dpv_sig_worker_counters(w);
		json_t *sig = json_object();

		for (unsigned c = 0; c < DPV_SIG_C_MAX; c++)
			json_object_set_new(sig, dpv_sig_counter_names[c], json_integer(sc[c]));
		json_object_set_new(o, "sig", sig);
	}
	if (w->media != NULL) {
		struct dpv_media_port_stats t;

		dpv_media_lcore_totals(w->eng, (unsigned)w->media_index, &t);
		json_object_set_new(
		    o, "media",
		    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "rx_pkts", (json_int_t)t.rx_pkts,
		              "rx_bytes", (json_int_t)t.rx_bytes, "rx_rtcp", (json_int_t)t.rx_rtcp,
		              "tx_pkts", (json_int_t)t.tx_pkts, "tx_bytes", (json_int_t)t.tx_bytes,
		              "tx_rtcp", (json_int_t)t.tx_rtcp));
	}
	if (w->sig_ring != NULL) {
		json_t *r = json_object();

		json_object_set_new(r, "count", json_integer(rte_ring_count(w->sig_ring)));
		json_object_set_new(r, "size", json_integer(rte_ring_get_capacity(w->sig_ring)));
		json_object_set_new(r, "free", json_integer(rte_ring_free_count(w->sig_ring)));
		json_object_set_new(o, "sig_ring", r);
	}
	return o;
}

static json_t *
eth_json(uint16_t port_id)
{
	struct rte_eth_stats st;

	if (rte_eth_stats_get(port_id, &st) != 0)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "ipackets", json_integer(st.ipackets));
	json_object_set_new(o, "opackets", json_integer(st.opackets));
	json_object_set_new(o, "ibytes", json_integer(st.ibytes));
	json_object_set_new(o, "obytes", json_integer(st.obytes));
	json_object_set_new(o, "imissed", json_integer(st.imissed));
	json_object_set_new(o, "ierrors", json_integer(st.ierrors));
	json_object_set_new(o, "oerrors", json_integer(st.oerrors));
	json_object_set_new(o, "rx_nombuf", json_integer(st.rx_nombuf));
	return o;
}

static json_t *
port_json(const struct dpv_engine *e, unsigned p, uint64_t *drops)
{
	const struct dpv_port *port = &e->ports[p];
	const uint8_t *m = port->net.mac.addr_bytes;
	uint32_t a = port->net.addr;
	char buf[64];
	uint32_t n;
	json_t *o = json_object();
	json_t *cnt = json_object();

	json_object_set_new(o, "port", json_integer(port->port_id));
	json_object_set_new(o, "name", json_string(port->name));
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
	         m[5]);
	json_object_set_new(o, "mac", json_string(buf));
	n = dpv_ipv4_format(a, buf);
	snprintf(buf + n, sizeof(buf) - n, "/%d", __builtin_popcount(port->net.netmask));
	json_object_set_new(o, "address", json_string(buf));
	for (unsigned c = 0; c < DPV_C_MAX; c++) {
		uint64_t sum = 0;

		for (unsigned w = 0; w < e->nb_workers && w < DPV_MAX_WORKERS; w++)
			sum +=
			    port->port_id < DPV_MAX_PORTS ? e->workers[w].pc[port->port_id][c] : 0;
		json_object_set_new(cnt, dpv_port_counter_names[c], json_integer(sum));
		drops[c] += sum;
	}
	json_object_set_new(o, "counters", cnt);
	if (rte_eth_dev_is_valid_port(port->port_id))
		json_object_set_new(o, "eth", eth_json(port->port_id));
	return o;
}

json_t *
dpv_stats_json(const struct dpv_engine *e)
{
	uint64_t totals[DPV_C_MAX] = {0};
	uint64_t hz = rte_get_tsc_hz();
	uint64_t uptime = 0;
	json_t *root = json_object();
	json_t *eng = json_object();
	json_t *lcores = json_array();
	json_t *ports = json_array();
	json_t *drops = json_object();
	uint64_t sessions = 0;

	for (unsigned w = 0; w < e->nb_workers && w < DPV_MAX_WORKERS; w++)
		if (dpv_sig_worker_ua(&e->workers[w]) != NULL)
			sessions += sip_ua_counters(
			    dpv_sig_worker_ua(&e->workers[w]))[SIP_UA_C_sessions_active];

	/* Without a running EAL there is no TSC frequency: report 0 rather than divide by it. */
	if (hz != 0 && e->start_tsc != 0)
		uptime = (rte_rdtsc() - e->start_tsc) / hz;
	json_object_set_new(eng, "uptime_s", json_integer(uptime));
	json_object_set_new(eng, "workers", json_integer(e->nb_workers));
	json_object_set_new(eng, "ports", json_integer(e->nb_ports));
	json_object_set_new(eng, "hz", json_integer(hz));
	json_object_set_new(eng, "sessions", json_integer(sessions));
	json_object_set_new(eng, "bridges",
	                    json_integer(e->bridges ? bridge_table_count(e->bridges) : 0));
	json_object_set_new(eng, "events_posted",
	                    json_integer(__atomic_load_n(&e->events_posted, __ATOMIC_RELAXED)));
	json_object_set_new(eng, "events_dropped",
	                    json_integer(__atomic_load_n(&e->events_dropped, __ATOMIC_RELAXED)));
	json_object_set_new(eng, "subscribers",
	                    json_integer(__atomic_load_n(&e->subscribers, __ATOMIC_RELAXED)));
	json_object_set_new(eng, "subscribers_dropped", json_integer(e->subscribers_dropped));
	json_object_set_new(root, "engine", eng);

	for (unsigned w = 0; w < e->nb_workers && w < DPV_MAX_WORKERS; w++)
		json_array_append_new(lcores, lcore_json(&e->workers[w]));
	json_object_set_new(root, "lcores", lcores);

	for (unsigned p = 0; p < e->nb_ports && p < DPV_MAX_PORTS; p++)
		json_array_append_new(ports, port_json(e, p, totals));
	json_object_set_new(root, "ports", ports);

	for (unsigned c = 0; c < DPV_C_MAX; c++) {
		const char *n = dpv_port_counter_names[c];

		if (strncmp(n, DROP_PREFIX, strlen(DROP_PREFIX)) == 0)
			json_object_set_new(drops, n + strlen(DROP_PREFIX),
			                    json_integer(totals[c]));
	}
	json_object_set_new(root, "drops", drops);
	/* counters only (racy reads, as the lcores' are): the NG calls are the main lcore's */
	json_object_set_new(root, "ng", dpv_ng_stats_json(e));
	return root;
}
