/* SPDX-License-Identifier: BSD-3-Clause */
/* Control commands of the signaling side: sessions, call originate, call hangup. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <urcu-qsbr.h>

#include "engine_int.h"
#include "sig_int.h"
#include "sip.h"

#define CMD_TIMEOUT_MS 2000

static char errbuf[256];

static void
session_json(const struct sip_sess_info *si, void *arg)
{
	json_t *arr = arg;
	char remote[32] = "";
	uint32_t n;

	if (si->remote_ip) {
		n = dpv_ipv4_format(si->remote_ip, remote);
		snprintf(remote + n, sizeof(remote) - n, ":%u", si->remote_port);
	}
	json_array_append_new(
	    arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:I, s:i}", "id",
	                   (json_int_t)si->id, "state", sip_sess_state_name(si->state), "direction",
	                   si->outgoing ? "out" : "in", "call_id", si->call_id, "peer",
	                   si->peer_uri, "action", dpv_call_action_name(si->action), "bridge",
	                   si->bridge, "local_port", si->local_port, "remote_media", remote,
	                   "age_ms", (json_int_t)si->age_ms, "last_code", si->last_code));
}

static int
cmd_sessions(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	json_t *arr = json_array();

	/* The main lcore is RCU-offline between commands; the listing reads under RCU. */
	rcu_thread_online();
	for (unsigned i = 0; i < e->nb_sig; i++) {
		struct sip_ua *ua = dpv_sig_ua(e, i);

		if (ua)
			sip_ua_sessions(ua, session_json, arr);
	}
	rcu_thread_offline();
	json_object_set_new(reply, "sessions", arr);
	return 0;
}

static const char *
arg0(const json_t *req)
{
	const json_t *args = json_object_get(req, "args");

	if (!json_is_array(args) || json_array_size(args) < 1)
		return NULL;
	return json_string_value(json_array_get(args, 0));
}

static int
run(struct dpv_engine *e, unsigned index, struct dpv_sig_cmd *c, const char **error)
{
	int rc = dpv_sig_command(e, index, c, CMD_TIMEOUT_MS);

	if (rc == -EBUSY)
		*error = "signaling lcore busy with an earlier command; try again";
	else if (rc == -ETIMEDOUT)
		*error = "signaling lcore did not answer within 2 s";
	else if (rc < 0)
		*error = "no such signaling lcore";
	return rc < 0 ? -1 : 0;
}

static int
cmd_originate(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	static unsigned next;
	struct dpv_sig_cmd c = {.op = DPV_CMD_ORIGINATE};
	const char *uri = arg0(req);
	const char *bridge = json_string_value(json_object_get(req, "bridge"));
	unsigned index;

	if (uri == NULL) {
		*error = "usage: call originate URI [--bridge NAME]";
		return -1;
	}
	if (strlen(uri) >= sizeof(c.uri)) {
		*error = "URI too long";
		return -1;
	}
	if (bridge && !dpv_bridge_name_valid(bridge, strlen(bridge))) {
		snprintf(errbuf, sizeof(errbuf),
		         "bad bridge name '%.*s': 1..%d characters of A-Z a-z 0-9 . _ -",
		         DPV_BRIDGE_NAME_MAX + 1, bridge, DPV_BRIDGE_NAME_MAX);
		*error = errbuf;
		return -1;
	}
	if (e->nb_sig == 0) {
		*error = "no signaling lcore";
		return -1;
	}
	strcpy(c.uri, uri);
	if (bridge)
		strcpy(c.bridge, bridge);
	index = next++ % e->nb_sig;
	if (run(e, index, &c, error) < 0)
		return -1;
	if (c.rc < 0) {
		snprintf(errbuf, sizeof(errbuf), "cannot originate to %s: %s", uri,
		         c.rc == -EINVAL   ? "bad URI (want sip:user@A.B.C.D[:port])"
		         : c.rc == -ENOSPC ? "no free session, transaction or RTP port"
		                           : strerror(-c.rc));
		*error = errbuf;
		return -1;
	}
	json_object_set_new(reply, "session", json_integer((json_int_t)c.session_id));
	return 0;
}

static int
cmd_hangup(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	struct dpv_sig_cmd c = {.op = DPV_CMD_HANGUP};
	const char *id = arg0(req);
	char *end;

	if (id == NULL) {
		*error = "usage: call hangup SESSION";
		return -1;
	}
	errno = 0;
	c.session_id = strtoull(id, &end, 10);
	if (errno || *end || end == id) {
		*error = "SESSION must be a session id (dpvoipctl sessions)";
		return -1;
	}
	if (sip_ua_session_owner(c.session_id) >= e->nb_sig) {
		snprintf(errbuf, sizeof(errbuf), "no session %s", id);
		*error = errbuf;
		return -1;
	}
	if (run(e, sip_ua_session_owner(c.session_id), &c, error) < 0)
		return -1;
	if (c.rc < 0) {
		snprintf(errbuf, sizeof(errbuf), "no session %s", id);
		*error = errbuf;
		return -1;
	}
	json_object_set_new(reply, "session", json_integer((json_int_t)c.session_id));
	return 0;
}

void
dpv_sig_ctl_register(void)
{
	static const struct dpv_ctl_cmd cmds[] = {
	    {"sessions", cmd_sessions, "calls with state, remote media address"},
	    {"call originate", cmd_originate, "URI [--bridge NAME]: INVITE from the engine"},
	    {"call hangup", cmd_hangup, "SESSION: BYE, or CANCEL before answer"},
	};

	for (unsigned i = 0; i < RTE_DIM(cmds); i++)
		dpv_ctl_register(&cmds[i]);
}
