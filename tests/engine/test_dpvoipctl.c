/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dpvoipctl binary (path in env DPVOIPCTL) against a control socket that
 * this test serves with dpv_ctl_poll while the tool runs.
 */
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "ctl_helpers.h"
#include "event_int.h"

extern char **environ;

struct run {
	int status; /* exit code, or -1 if it did not exit normally */
	char out[1 << 16];
	char err[4096];
	size_t out_len, err_len;
};

static void
drain(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t n;

	while ((n = read(fd, buf + *len, cap - 1 - *len)) > 0)
		*len += n;
	buf[*len] = '\0';
}

/* Called each round while dpvoipctl runs (NULL: none). */
static void (*round_hook)(void);

/* Run dpvoipctl with @a argv (NULL-terminated, without argv[0]), serving the socket meanwhile. */
static void
run_ctl(struct run *r, char *const *env, const char *const *args)
{
	const char *bin = getenv("DPVOIPCTL");
	char *argv[32];
	int out[2], err[2], n = 0, st = 0;
	posix_spawn_file_actions_t fa;
	pid_t pid;

	cr_assert_not_null(bin, "DPVOIPCTL is not set (meson sets it)");
	memset(r, 0, sizeof(*r));
	argv[n++] = (char *)bin;
	for (; args[n - 1] != NULL; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	cr_assert_eq(pipe2(out, O_CLOEXEC | O_NONBLOCK), 0);
	cr_assert_eq(pipe2(err, O_CLOEXEC | O_NONBLOCK), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	cr_assert_eq(posix_spawn(&pid, bin, &fa, NULL, argv, env ? env : environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(err[1]);

	pid_t done = 0;
	for (int i = 0; i < 2 * POLL_ROUNDS && done == 0; i++) {
		dpv_ctl_poll(&eng, 10);
		if (round_hook != NULL)
			round_hook();
		drain(out[0], r->out, sizeof(r->out), &r->out_len);
		drain(err[0], r->err, sizeof(r->err), &r->err_len);
		done = waitpid(pid, &st, WNOHANG);
	}
	if (done == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		cr_assert_fail("dpvoipctl did not finish");
	}
	drain(out[0], r->out, sizeof(r->out), &r->out_len);
	drain(err[0], r->err, sizeof(r->err), &r->err_len);
	close(out[0]);
	close(err[0]);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
cmd_echo(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	json_object_set(reply, "request", (json_t *)req);
	return 0;
}

static int
cmd_things(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	json_object_set_new(reply, "count", json_integer(2));
	json_object_set_new(reply, "sessions",
	                    json_pack("[{s:i,s:s,s:i},{s:i,s:s,s:s,s:i}]", "id", 1, "state", "up",
	                              "pkts_in", 1234, "id", 22, "state", "ringing", "remote",
	                              "198.18.0.2:4000", "pkts_in", 0));
	return 0;
}

/* `sessions` and `bridges` shaped as the engine answers them (sigctl.c). */
static int
cmd_sessions(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	json_object_set_new(
	    reply, "sessions",
	    json_pack("[{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:i,s:i,s:s,s:i,s:i,s:i,s:i,s:i,s:i}]",
	              "id", (json_int_t)281474976710657, "state", "confirmed", "direction", "in",
	              "call_id", "c1@198.18.0.2", "peer", "<sip:p@198.18.0.2>", "action", "bridge",
	              "bridge", "room", "local_port", 20000, "remote_media", "198.18.0.2:40000",
	              "age_ms", 1500, "last_code", 0, "latched", "198.18.0.2:40000", "rx_pkts", 50,
	              "rx_bytes", 8600, "tx_pkts", 49, "tx_bytes", 8428, "rx_lost", 1, "jitter",
	              12));
	return 0;
}

static int
cmd_bridges(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	json_object_set_new(
	    reply, "bridges",
	    json_pack("[{s:s,s:s,s:i,s:[{s:i,s:s,s:s,s:i,s:s,s:i,s:i,s:i,s:i,s:i,s:i}]},"
	              "{s:s,s:s,s:i,s:[]}]",
	              "name", "conf-a", "origin", "dialplan", "count", 1, "members", "session", 7,
	              "direction", "in", "remote_media", "198.18.0.2:40000", "local_port", 20002,
	              "latched", "", "rx_pkts", 0, "rx_bytes", 0, "tx_pkts", 3, "tx_bytes", 516,
	              "rx_lost", 0, "jitter", 0, "name", "room", "origin", "control", "count", 0,
	              "members"));
	return 0;
}

/* `security` shaped as the engine answers it (secctl.c). */
static int
cmd_security(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	json_object_set_new(
	    reply, "security",
	    json_pack("{s:i,s:i,s:i,s:i,s:[s],s:i,s:i,s:i,s:i,s:i,s:i,s:[{s:s,s:i,s:i,s:i}]}",
	              "flood_rate", 100, "flood_burst", 200, "flood_block_s", 60, "flood_table",
	              4096, "allow", "198.18.1.0/24", "scanner_patterns", 4, "flood_blocks", 1,
	              "flood_dropped", 482912, "flood_untracked", 0, "scanner_dropped", 3,
	              "blocked_now", 1, "blocked", "source", "198.18.0.3", "lcore", 1, "dropped",
	              482912, "seconds_left", 52));
	return 0;
}

static int
cmd_fail(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	*error = "no such bridge \"x\"";
	return -1;
}

static void
setup(void)
{
	static const struct dpv_ctl_cmd cmds[] = {
	    {"bridge create", cmd_echo, "echo"},
	    {"call originate", cmd_echo, "echo"},
	    {"echo", cmd_echo, "echo"},
	    {"things", cmd_things, "two things"},
	    {"sessions", cmd_sessions, "one session"},
	    {"bridges", cmd_bridges, "two bridges"},
	    {"security", cmd_security, "one blocked source"},
	    {"bridge destroy", cmd_fail, "fails"},
	};

	fake_engine();
	make_tmpdir();
	for (unsigned i = 0; i < RTE_DIM(cmds); i++)
		dpv_ctl_register(&cmds[i]);
	cr_assert_eq(dpv_event_init(&eng, 64), 0);
	cr_assert_eq(dpv_ctl_open(&eng, sock_path), 0);
}

static void
teardown(void)
{
	rm_tmpdir();
	dpv_event_fini(&eng);
}

TestSuite(dpvoipctl, .init = setup, .fini = teardown);

Test(dpvoipctl, json_prints_the_raw_reply)
{
	struct run r;

	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "--json", "echo", "a", "b", NULL});
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out,
	                 "{\"ok\":true,\"request\":{\"cmd\":\"echo\",\"args\":[\"a\",\"b\"]}}\n");
	cr_expect_str_eq(r.err, "");
}

Test(dpvoipctl, two_word_commands_and_options_become_members)
{
	struct run r;

	run_ctl(&r, NULL,
	        (const char *[]){"-s", sock_path, "bridge", "create", "conf1", "--json", NULL});
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out, "{\"ok\":true,\"request\":{\"cmd\":\"bridge create\",\"args\":["
	                        "\"conf1\"]}}\n");
	run_ctl(&r, NULL,
	        (const char *[]){"--json", "-s", sock_path, "call", "originate", "sip:x@198.18.0.2",
	                         "--bridge", "conf1", NULL});
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out, "{\"ok\":true,\"request\":{\"cmd\":\"call originate\",\"bridge\":"
	                        "\"conf1\",\"args\":[\"sip:x@198.18.0.2\"]}}\n");
}

Test(dpvoipctl, socket_from_environment)
{
	char var[160];
	char *env[] = {var, NULL};
	struct run r;

	snprintf(var, sizeof(var), "DPVOIPCTL_SOCKET=%s", sock_path);
	run_ctl(&r, env, (const char *[]){"--json", "echo", NULL});
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}\n");
}

Test(dpvoipctl, engine_error_exits_1)
{
	struct run r;

	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "bridge", "destroy", "x", NULL});
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.out, "");
	cr_expect_str_eq(r.err, "dpvoipctl: error: no such bridge \"x\"\n");
	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "frob", NULL});
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.err, "dpvoipctl: error: unknown command \"frob\" (try \"help\")\n");
}

Test(dpvoipctl, connection_and_usage_errors_exit_2)
{
	char missing[160], want[300];
	struct run r;

	snprintf(missing, sizeof(missing), "%s/missing.sock", tmpdir);
	run_ctl(&r, NULL, (const char *[]){"-s", missing, "stats", NULL});
	cr_expect_eq(r.status, 2);
	snprintf(want, sizeof(want),
	         "dpvoipctl: cannot connect to %s: No such file or directory (is the engine "
	         "running?)\n",
	         missing);
	cr_expect_str_eq(r.err, want);

	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, NULL});
	cr_expect_eq(r.status, 2);
	cr_expect_eq(strncmp(r.err, "dpvoipctl: no command given\nusage: ", 35), 0, "%s", r.err);
	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "bridge", NULL});
	cr_expect_eq(r.status, 2);
	cr_expect_eq(strncmp(r.err, "dpvoipctl: \"bridge\" needs a subcommand\n", 39), 0, "%s",
	             r.err);
	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "echo", "--bridge", NULL});
	cr_expect_eq(r.status, 2);
	cr_expect_eq(strncmp(r.err, "dpvoipctl: option --bridge needs a value\n", 41), 0, "%s",
	             r.err);
	run_ctl(&r, NULL, (const char *[]){"-x", "stats", NULL});
	cr_expect_eq(r.status, 2);
	cr_expect_eq(strncmp(r.err, "dpvoipctl: unknown option -x\n", 29), 0, "%s", r.err);
}

Test(dpvoipctl, generic_reply_as_tables)
{
	struct run r;

	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "things", NULL});
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out, "count  2\n"
	                        "sessions:\n"
	                        "  id  state    pkts_in  remote\n"
	                        "   1  up          1234  -\n"
	                        "  22  ringing        0  198.18.0.2:4000\n");
}

Test(dpvoipctl, stats_table)
{
	struct run r;

	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "stats", NULL});
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out, "engine: uptime 0s, 2 workers, 1 ports, tsc 0 Hz\n"
	                        "        0 sessions, 0 bridges, events 0 posted 0 dropped, 0 "
	                        "subscribers (0 dropped)\n"
	                        "\n"
	                        "lcores:\n"
	                        "                     lcore 3          lcore 4\n"
	                        "  cpu                3                4\n"
	                        "  roles              media,signaling  signaling\n"
	                        "  rxq                0                -\n"
	                        "  txq                1                2\n"
	                        "  iter_busy          5                0\n"
	                        "  iter_idle          0                0\n"
	                        "  idle_sleeps        0                0\n"
	                        "  sip_steered        7                0\n"
	                        "  sip_local          0                0\n"
	                        "  sig_dequeued       0                7\n"
	                        "  sip_processed      0                0\n"
	                        "  sip_tx_no_mbuf     0                0\n"
	                        "  sip_tx_arp_miss    0                0\n"
	                        "  sip_tx_fragmented  0                0\n"
	                        "  flood_blocks       0                0\n"
	                        "  flood_untracked    0                0\n"
	                        "  busy_cycles        0                0\n"
	                        "  media_cycles       0                0\n"
	                        "\n"
	                        "port 5 net_test0  02:00:5e:10:00:01  198.18.0.1/24\n"
	                        "  counter        value  source\n"
	                        "  rx                15  dpvoip\n"
	                        "  drop_ip_cksum      5  dpvoip\n"
	                        "  drop_udp_port      1  dpvoip\n"
	                        "\n"
	                        "drops:\n"
	                        "  cause     count\n"
	                        "  ip_cksum      5\n"
	                        "  udp_port      1\n");
}

Test(dpvoipctl, sessions_table)
{
	struct run r;

	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "sessions", NULL});
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out,
	                 "             id  state      dir  peer                action  bridge  "
	                 "remote            latched           rx_pkts  tx_pkts  lost  jitter  "
	                 "age_ms\n"
	                 "281474976710657  confirmed  in   <sip:p@198.18.0.2>  bridge  room    "
	                 "198.18.0.2:40000  198.18.0.2:40000       50       49     1      12    "
	                 "1500\n");
}

Test(dpvoipctl, security_table)
{
	struct run r;

	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "security", NULL});
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out, "flood control 100 requests/s per source, burst 200, block 60 s; 4 "
	                        "scanner patterns\n"
	                        "blocks 1, flood drops 482912, untracked 0, scanner drops 3\n"
	                        "source      lcore  dropped  seconds_left\n"
	                        "198.18.0.3      1   482912            52\n");
}

Test(dpvoipctl, bridges_table)
{
	struct run r;

	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "bridges", NULL});
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out,
	                 "bridge conf-a (dialplan), 1 member\n"
	                 "  session  dir  remote            latched   port  rx_pkts  tx_pkts  "
	                 "lost  jitter\n"
	                 "        7  in   198.18.0.2:40000        -  20002        0        3  "
	                 "   0       0\n"
	                 "\n"
	                 "bridge room (control), 0 members\n");
}

/* Once dpvoipctl has subscribed, three events happen (and only once). */
static void
post_three(void)
{
	static bool done;
	struct dpv_event ev[3] = {
	    {.type = DPV_EV_BRIDGE_CREATED, .bridge = "room"},
	    {.type = DPV_EV_MEMBER_JOINED, .bridge = "room", .session_id = 42},
	    {.type = DPV_EV_SESSION, .session_id = 42, .state = SIP_SESS_CONFIRMED},
	};

	if (done || __atomic_load_n(&eng.subscribers, __ATOMIC_RELAXED) == 0)
		return;
	for (unsigned i = 0; i < 3; i++)
		dpv_event_post(&eng, &ev[i]);
	done = true;
}

Test(dpvoipctl, subscribe_prints_count_events_then_exits)
{
	struct run r;

	round_hook = post_three;
	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "subscribe", "--count", "3", NULL});
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out, "bridge-created bridge=room\n"
	                        "member-joined bridge=room session=42\n"
	                        "session session=42 state=confirmed\n");
	cr_expect_str_eq(r.err, "");
}

Test(dpvoipctl, subscribe_json_prints_the_raw_lines)
{
	struct run r;

	round_hook = post_three;
	run_ctl(&r, NULL,
	        (const char *[]){"-s", sock_path, "--json", "subscribe", "--count", "2", NULL});
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out,
	                 "{\"ok\":true,\"subscribed\":true}\n"
	                 "{\"event\":\"bridge-created\",\"bridge\":\"room\"}\n"
	                 "{\"event\":\"member-joined\",\"bridge\":\"room\",\"session\":42}\n");
	run_ctl(&r, NULL, (const char *[]){"-s", sock_path, "subscribe", "--count", "x", NULL});
	cr_expect_eq(r.status, 2);
	cr_expect_eq(
	    strncmp(r.err, "dpvoipctl: --count wants a number of events above 0, not \"x\"\n", 61),
	    0, "%s", r.err);
}
