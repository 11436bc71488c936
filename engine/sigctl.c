/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control commands of the signaling side: sessions, bridges, bridge create|destroy|add|remove,
 * call originate, call hangup.
 *
 * Each one runs where the state it changes lives, by message (sigmsg.c): a bridge's creation
 * and destruction on its owner (bridge_owner), a session's joining and leaving on the session's
 * lcore (sip_ua_session_owner), which then asks the bridge's owner to add or drop the member.
 * The main lcore waits for the first answer (bounded), so a reply's errors are the ones the
 * owner saw; listings read the tables under RCU.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <urcu-qsbr.h>

#include "engine_int.h"
#include "media_int.h"
#include "sig_int.h"
#include "sip.h"

#define CMD_TIMEOUT_MS 2000

static char errbuf[256];

/* "A.B.C.D:port" of @a ip (host order), "" for none. */
static void
addr_str(uint32_t ip, uint16_t port, char out[32])
{
	uint32_t n;

	out[0] = '\0';
	if (ip == 0)
		return;
	n = dpv_ipv4_format(ip, out);
	snprintf(out + n, 32 - n, ":%u", port);
}

/* The media counters of local port @a port into @a o (zeros while it has no flow). RCU read
 * side. */
void
dpv_media_json(const struct dpv_engine *e, uint16_t port, json_t *o)
{
	struct dpv_media_port_stats st;
	char latched[32];

	if (port == 0 || dpv_media_port_stats(e, port, &st) < 0)
		memset(&st, 0, sizeof(st));
	addr_str(st.latched_ip, st.latched_port, latched);
	json_object_set_new(o, "latched", json_string(latched));
	json_object_set_new(o, "rx_pkts", json_integer((json_int_t)st.rx_pkts));
	json_object_set_new(o, "rx_bytes", json_integer((json_int_t)st.rx_bytes));
	json_object_set_new(o, "tx_pkts", json_integer((json_int_t)st.tx_pkts));
	json_object_set_new(o, "tx_bytes", json_integer((json_int_t)st.tx_bytes));
	json_object_set_new(o, "rx_lost", json_integer(st.rx_lost));
	json_object_set_new(o, "jitter", json_integer(st.jitter));
}

struct sess_list {
	const struct dpv_engine *e;
	json_t *arr;
};

static void
session_json(const struct sip_sess_info *si, void *arg)
{
	struct sess_list *l = arg;
	char remote[32];
	json_t *o;

	addr_str(si->remote_ip, si->remote_port, remote);
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:I, s:i}", "id",
	              (json_int_t)si->id, "state", sip_sess_state_name(si->state), "direction",
	              si->outgoing ? "out" : "in", "call_id", si->call_id, "peer", si->peer_uri,
	              "action", dpv_call_action_name(si->action), "bridge", si->bridge,
	              "local_port", si->local_port, "remote_media", remote, "age_ms",
	              (json_int_t)si->age_ms, "last_code", si->last_code);
	if (o == NULL) /* not UTF-8: a peer's URI is the peer's */
		o = json_pack("{s:I, s:s}", "id", (json_int_t)si->id, "state",
		              sip_sess_state_name(si->state));
	dpv_media_json(l->e, si->local_port, o);
	json_array_append_new(l->arr, o);
}

json_t *
dpv_sessions_json(const struct dpv_engine *e)
{
	struct sess_list l = {e, json_array()};

	for (unsigned i = 0; i < e->nb_sig; i++) {
		struct sip_ua *ua = dpv_sig_ua((struct dpv_engine *)e, i);

		if (ua)
			sip_ua_sessions(ua, session_json, &l);
	}
	return l.arr;
}

static int
cmd_sessions(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	json_t *arr;

	/* The main lcore is RCU-offline between commands; the listing reads under RCU. */
	rcu_thread_online();
	rcu_read_lock();
	arr = dpv_sessions_json(e);
	dpv_ng_sessions_json(e, arr); /* the main lcore's own table: never from telemetry */
	rcu_read_unlock();
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

/* -1 with *error set unless @a name is a bridge name. */
static int
bridge_name_arg(const char *name, const char **error)
{
	if (dpv_bridge_name_valid(name, strlen(name)))
		return 0;
	snprintf(errbuf, sizeof(errbuf),
	         "invalid bridge name '%.*s': 1..%d characters of A-Z a-z 0-9 . _ -",
	         DPV_BRIDGE_NAME_MAX + 1, name, DPV_BRIDGE_NAME_MAX);
	*error = errbuf;
	return -1;
}

static int
no_such_bridge(const char *name, const char **error)
{
	snprintf(errbuf, sizeof(errbuf), "no such bridge %s", name);
	*error = errbuf;
	return -1;
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
	if (bridge && bridge_name_arg(bridge, error) < 0)
		return -1;
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

/* ---- bridges ---- */

static const char *
arg1(const json_t *req)
{
	const json_t *args = json_object_get(req, "args");

	if (!json_is_array(args) || json_array_size(args) < 2)
		return NULL;
	return json_string_value(json_array_get(args, 1));
}

/* Whether bridge @a name exists, and how many members it has (racy: the owner may change it
 * meanwhile; the owner's own checks decide). -1 when it does not exist. */
static int
bridge_peek(struct dpv_engine *e, const char *name)
{
	const struct bridge *b;
	int n = -1;

	rcu_thread_online();
	rcu_read_lock();
	b = bridge_find(e->bridges, name);
	if (b != NULL)
		n = (int)bridge_members(b)->n;
	rcu_read_unlock();
	rcu_thread_offline();
	return n;
}

struct bridge_list {
	const struct dpv_engine *e;
	json_t *sessions; /* id -> {direction, remote_media} of the bridged sessions */
	json_t *arr;
};

static void
session_index(const struct sip_sess_info *si, void *arg)
{
	json_t *idx = arg;
	char id[24], remote[32];

	if (si->action != DPV_CALL_BRIDGE)
		return;
	snprintf(id, sizeof(id), "%" PRIu64, si->id);
	addr_str(si->remote_ip, si->remote_port, remote);
	json_object_set_new(idx, id,
	                    json_pack("{s:s,s:s}", "direction", si->outgoing ? "out" : "in",
	                              "remote_media", remote));
}

static void
bridge_json(const struct bridge *b, void *arg)
{
	struct bridge_list *l = arg;
	const struct bridge_members *ms = bridge_members(b);
	json_t *members = json_array();

	for (uint32_t i = 0; i < ms->n; i++) {
		const struct bridge_member *m = &ms->m[i];
		char id[24];
		json_t *si, *o;

		snprintf(id, sizeof(id), "%" PRIu64, m->session_id);
		si = json_object_get(l->sessions, id);
		o = json_pack(
		    "{s:I,s:s,s:s,s:i}", "session", (json_int_t)m->session_id, "direction",
		    si ? json_string_value(json_object_get(si, "direction")) : "-", "remote_media",
		    si ? json_string_value(json_object_get(si, "remote_media")) : "", "local_port",
		    m->port);
		dpv_media_json(l->e, m->port, o);
		json_array_append_new(members, o);
	}
	json_array_append_new(l->arr, json_pack("{s:s,s:s,s:i,s:o}", "name", b->name, "origin",
	                                        b->persistent ? "control" : "dialplan", "count",
	                                        ms->n, "members", members));
}

static int
by_name(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;

	return strcmp(json_string_value(json_object_get(x, "name")),
	              json_string_value(json_object_get(y, "name")));
}

static int
cmd_bridges(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	struct bridge_list l = {e, json_object(), json_array()};
	json_t *sorted = json_array();
	size_t n;

	if (e->bridges != NULL) {
		rcu_thread_online();
		rcu_read_lock();
		for (unsigned i = 0; i < e->nb_sig; i++) {
			struct sip_ua *ua = dpv_sig_ua(e, i);

			if (ua)
				sip_ua_sessions(ua, session_index, l.sessions);
		}
		bridge_foreach(e->bridges, bridge_json, &l);
		rcu_read_unlock();
		rcu_thread_offline();
	}
	/* by name: the name index's order is its hash's */
	n = json_array_size(l.arr);
	if (n > 0) {
		json_t **v = malloc(n * sizeof(*v));

		for (size_t i = 0; v != NULL && i < n; i++)
			v[i] = json_array_get(l.arr, i);
		if (v != NULL) {
			qsort(v, n, sizeof(*v), by_name);
			for (size_t i = 0; i < n; i++)
				json_array_append(sorted, v[i]);
			free(v);
		}
	}
	json_object_set_new(reply, "bridges", sorted);
	json_decref(l.arr);
	json_decref(l.sessions);
	return 0;
}

/* A bridge command run by the bridge's owner lcore: the name from @a req checked, message
 * @a type sent there and answered; its result in *@a rc. */
static int
bridge_owner_call(struct dpv_engine *e, const json_t *req, enum sig_msg_type type,
                  const char *usage, const char **name, int *rc, const char **error)
{
	struct sig_msg *m;

	*name = arg0(req);
	if (*name == NULL) {
		*error = usage;
		return -1;
	}
	if (bridge_name_arg(*name, error) < 0)
		return -1;
	m = msg_new(e, type, error);
	if (m == NULL)
		return -1;
	strcpy(m->bridge, *name);
	if (call(e, bridge_owner(*name, e->nb_sig), m, error) < 0)
		return -1;
	*rc = m->rc;
	sig_msg_put(e, m);
	return 0;
}

static int
cmd_bridge_create(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	const char *name;
	int rc;

	if (bridge_owner_call(e, req, SIG_MSG_BRIDGE_CREATE, "usage: bridge create NAME", &name,
	                      &rc, error) < 0)
		return -1;
	if (rc == -EEXIST)
		snprintf(errbuf, sizeof(errbuf), "bridge %s exists", name);
	else if (rc == -ENOSPC)
		snprintf(errbuf, sizeof(errbuf),
		         "bridge table full (%u bridges per signaling lcore, [bridge] max-bridges)",
		         bridge_table_size(e->bridges) / e->nb_sig);
	else if (rc < 0)
		snprintf(errbuf, sizeof(errbuf), "cannot create bridge %s: %s", name,
		         rc == -ENOMEM ? "no member array free yet, try again" : strerror(-rc));
	if (rc < 0) {
		*error = errbuf;
		return -1;
	}
	json_object_set_new(reply, "bridge", json_string(name));
	return 0;
}

static int
cmd_bridge_destroy(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	const char *name;
	int rc;

	if (bridge_owner_call(e, req, SIG_MSG_BRIDGE_DESTROY, "usage: bridge destroy NAME", &name,
	                      &rc, error) < 0)
		return -1;
	if (rc < 0)
		return no_such_bridge(name, error);
	json_object_set_new(reply, "bridge", json_string(name));
	return 0;
}

static int
member_cmd(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error, bool add)
{
	const char *name = arg0(req), *id = arg1(req);
	struct sig_msg *m;
	uint64_t sid;
	int rc, n;

	if (name == NULL || id == NULL) {
		*error =
		    add ? "usage: bridge add NAME SESSION" : "usage: bridge remove NAME SESSION";
		return -1;
	}
	if (bridge_name_arg(name, error) < 0)
		return -1;
	if (e->nb_sig == 0 || e->bridges == NULL) {
		*error = "no signaling lcore";
		return -1;
	}
	n = bridge_peek(e, name);
	if (n < 0)
		return no_such_bridge(name, error);
	if (session_arg(e, id, &sid, error) < 0)
		return -1;
	if (add && n >= BRIDGE_MAX_MEMBERS) {
		snprintf(errbuf, sizeof(errbuf), "bridge %s full (%d members)", name,
		         BRIDGE_MAX_MEMBERS);
		*error = errbuf;
		return -1;
	}
	m = msg_new(e, add ? SIG_MSG_BRIDGE_ADD : SIG_MSG_BRIDGE_REMOVE, error);
	if (m == NULL)
		return -1;
	m->session_id = sid;
	strcpy(m->bridge, name);
	if (call(e, sip_ua_session_owner(sid), m, error) < 0)
		return -1;
	rc = m->rc;
	if (rc == -ENOENT)
		snprintf(errbuf, sizeof(errbuf), "no session %s", id);
	else if (rc == -EALREADY)
		snprintf(errbuf, sizeof(errbuf), "session %s is in bridge %s already", id, name);
	else if (rc == -EBUSY)
		snprintf(errbuf, sizeof(errbuf), "session %s is in bridge %.63s: remove it first",
		         id, m->uri);
	else if (rc == -ESRCH)
		snprintf(errbuf, sizeof(errbuf), "session %s is not in bridge %s", id, name);
	else if (rc < 0)
		snprintf(errbuf, sizeof(errbuf), "session %s: %s", id, strerror(-rc));
	sig_msg_put(e, m);
	if (rc < 0) {
		*error = errbuf;
		return -1;
	}
	json_object_set_new(reply, "bridge", json_string(name));
	json_object_set_new(reply, "session", json_integer((json_int_t)sid));
	return 0;
}

static int
cmd_bridge_add(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	return member_cmd(e, req, reply, error, true);
}

static int
cmd_bridge_remove(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	return member_cmd(e, req, reply, error, false);
}

void
dpv_sig_ctl_register(void)
{
	static const struct dpv_ctl_cmd cmds[] = {
	    {"sessions", cmd_sessions,
	     "calls with state, remote media address, media packets, bytes, loss, jitter"},
	    {"bridges", cmd_bridges, "bridges with their members and media counters"},
	    {"bridge create", cmd_bridge_create, "NAME: a bridge that lives until destroyed"},
	    {"bridge destroy", cmd_bridge_destroy,
	     "NAME: members leave it (their calls stay up, without media)"},
	    {"bridge add", cmd_bridge_add, "NAME SESSION: the call's media joins the bridge"},
	    {"bridge remove", cmd_bridge_remove,
	     "NAME SESSION: the call leaves the bridge (and stays up, without media)"},
	    {"call originate", cmd_originate,
	     "URI [--bridge NAME]: INVITE from the engine, joining NAME when answered"},
	    {"call hangup", cmd_hangup, "SESSION: BYE, or CANCEL before answer"},
	};

	for (unsigned i = 0; i < RTE_DIM(cmds); i++)
		dpv_ctl_register(&cmds[i]);
}
