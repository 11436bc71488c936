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

/*
 * Run @a m on signaling lcore @a index and wait for its answer. 0 with @a m the caller's to
 * read and sig_msg_put(); -1 with *error set (and @a m gone) when it was not answered.
 */
static int
call(struct dpv_engine *e, unsigned index, struct sig_msg *m, const char **error)
{
	int rc = sig_msg_call(e, index, m, CMD_TIMEOUT_MS);

	if (rc == -ENOBUFS)
		*error = "signaling lcore has too many messages waiting; try again";
	else if (rc == -ETIMEDOUT)
		*error = "signaling lcore did not answer within 2 s";
	else if (rc < 0)
		*error = "no such signaling lcore";
	return rc < 0 ? -1 : 0;
}

/* A message for the control plane to send, or NULL with *error set. */
static struct sig_msg *
msg_new(struct dpv_engine *e, enum sig_msg_type type, const char **error)
{
	struct sig_msg *m = sig_msg_alloc(e, type);

	if (m == NULL)
		*error = e->nb_sig == 0 ? "no signaling lcore" : "no free message; try again";
	return m;
}

static int
cmd_originate(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	static unsigned next;
	const char *uri = arg0(req);
	const char *bridge = json_string_value(json_object_get(req, "bridge"));
	struct sig_msg *m;
	int rc;

	if (uri == NULL) {
		*error = "usage: call originate URI [--bridge NAME]";
		return -1;
	}
	if (strlen(uri) >= sizeof(m->uri)) {
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
	m = msg_new(e, SIG_MSG_ORIGINATE, error);
	if (m == NULL)
		return -1;
	strcpy(m->uri, uri);
	if (bridge)
		strcpy(m->bridge, bridge);
	if (call(e, next++ % e->nb_sig, m, error) < 0)
		return -1;
	rc = m->rc;
	if (rc == 0)
		json_object_set_new(reply, "session", json_integer((json_int_t)m->session_id));
	sig_msg_put(e, m);
	if (rc < 0) {
		snprintf(errbuf, sizeof(errbuf), "cannot originate to %s: %s", uri,
		         rc == -EINVAL   ? "bad URI (want sip:user@A.B.C.D[:port])"
		         : rc == -ENOSPC ? "no free session, transaction or RTP port"
		                         : strerror(-rc));
		*error = errbuf;
		return -1;
	}
	return 0;
}

/* The session id in args[0]; -1 with *error set when it is none, or no lcore has it. */
static int
session_arg(struct dpv_engine *e, const char *id, uint64_t *out, const char **error)
{
	char *end;

	errno = 0;
	*out = id != NULL ? strtoull(id, &end, 10) : 0;
	if (id == NULL || errno || *end || end == id) {
		*error = "SESSION must be a session id (dpvoipctl sessions)";
		return -1;
	}
	if (sip_ua_session_owner(*out) >= e->nb_sig) {
		snprintf(errbuf, sizeof(errbuf), "no session %s", id);
		*error = errbuf;
		return -1;
	}
	return 0;
}

static int
cmd_hangup(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	const char *id = arg0(req);
	struct sig_msg *m;
	uint64_t sid;
	int rc;

	if (id == NULL) {
		*error = "usage: call hangup SESSION";
		return -1;
	}
	if (session_arg(e, id, &sid, error) < 0)
		return -1;
	m = msg_new(e, SIG_MSG_HANGUP, error);
	if (m == NULL)
		return -1;
	m->session_id = sid;
	if (call(e, sip_ua_session_owner(sid), m, error) < 0)
		return -1;
	rc = m->rc;
	sig_msg_put(e, m);
	if (rc < 0) {
		snprintf(errbuf, sizeof(errbuf), "no session %s", id);
		*error = errbuf;
		return -1;
	}
	json_object_set_new(reply, "session", json_integer((json_int_t)sid));
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
