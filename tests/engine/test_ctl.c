/* SPDX-License-Identifier: BSD-3-Clause */
/* Control socket, the stats object and telemetry registration, without EAL. */
#include <sys/stat.h>

#include <rte_ring.h>

#include "ctl_helpers.h"
#include "event_int.h"
#include "sig_int.h"

/* Test commands: "echo" returns its request, "fail" fails, "bridge create" echoes its args. */
static int
cmd_echo(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	cr_assert_eq(e, &eng);
	json_object_set(reply, "request", (json_t *)req);
	return 0;
}

static int
cmd_fail(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	json_object_set_new(reply, "partial", json_true()); /* must not leak into the reply */
	*error = "it failed";
	return -1;
}

static int
cmd_fail_silent(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	return -1;
}

static void
setup(void)
{
	static const struct dpv_ctl_cmd cmds[] = {
	    {"echo", cmd_echo, "return the request"},
	    {"fail", cmd_fail, "always fails"},
	    {"fail silent", cmd_fail_silent, NULL},
	};

	fake_engine();
	make_tmpdir();
	for (unsigned i = 0; i < RTE_DIM(cmds); i++)
		dpv_ctl_register(&cmds[i]);
	cr_assert_eq(dpv_ctl_open(&eng, sock_path), 0);
}

TestSuite(ctl, .init = setup, .fini = rm_tmpdir);

/* The whole expected stats object for fake_engine(), built independently of stats.c. */
static json_t *
expected_stats(void)
{
	json_t *counters = json_object();
	json_t *drops = json_object();

	for (unsigned c = 0; c < DPV_C_MAX; c++) {
		const char *n = dpv_port_counter_names[c];

		json_object_set_new(counters, n, json_integer(0));
		if (strncmp(n, "drop_", 5) == 0)
			json_object_set_new(drops, n + 5, json_integer(0));
	}
	json_object_set_new(counters, "rx", json_integer(15));
	json_object_set_new(counters, "drop_ip_cksum", json_integer(5));
	json_object_set_new(counters, "drop_udp_port", json_integer(1));
	json_object_set_new(drops, "ip_cksum", json_integer(5));
	json_object_set_new(drops, "udp_port", json_integer(1));
	json_t *lc[2];
	const uint64_t busy[2] = {5, 0}, steered[2] = {7, 0}, dequeued[2] = {0, 7};

	for (unsigned w = 0; w < 2; w++) {
		lc[w] = json_pack("{s:i,s:i,s:[],s:i,s:i}", "lcore", 3 + w, "cpu", 3 + w, "roles",
		                  "rxq", 0, "txq", 1 + w);
		for (unsigned c = 0; c < DPV_LC_MAX; c++)
			json_object_set_new(lc[w], dpv_lcore_counter_names[c], json_integer(0));
		json_object_set_new(lc[w], "iter_busy", json_integer(busy[w]));
		json_object_set_new(lc[w], "sip_steered", json_integer(steered[w]));
		json_object_set_new(lc[w], "sig_dequeued", json_integer(dequeued[w]));
	}
	json_array_append_new(json_object_get(lc[0], "roles"), json_string("media"));
	json_array_append_new(json_object_get(lc[0], "roles"), json_string("signaling"));
	json_array_append_new(json_object_get(lc[1], "roles"), json_string("signaling"));
	json_object_set_new(lc[1], "rxq", json_null());
	return json_pack("{s:b,s:{s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i},s:[o,o],"
	                 "s:[{s:i,s:s,s:s,s:s,s:o}],s:o,s:{s:b}}}",
	                 "ok", 1, "stats", "engine", "uptime_s", 0, "workers", 2, "ports", 1, "hz",
	                 0, "sessions", 0, "bridges", 0, "events_posted", 0, "events_dropped", 0,
	                 "subscribers", 0, "subscribers_dropped", 0, "lcores", lc[0], lc[1],
	                 "ports", "port", 5, "name", "net_test0", "mac", "02:00:5e:10:00:01",
	                 "address", "198.18.0.1/24", "counters", counters, "drops", drops, "ng",
	                 "enabled", 0);
}

Test(ctl, stats_sums_counters_over_workers)
{
	struct tclient *c = tconnect(sock_path);
	json_t *want = expected_stats();
	json_error_t jerr;

	cr_assert_not_null(want);
	tsends(c, "{\"cmd\":\"stats\"}\n");
	char *line = tline(c);
	json_t *got = json_loads(line, 0, &jerr);
	cr_assert_not_null(got, "reply is not JSON: %s", jerr.text);
	char *w = json_dumps(want, JSON_COMPACT);
	cr_expect(json_equal(got, want), "got  %s\nwant %s", line, w);
	/* Members come in a fixed order, starting with "ok". */
	cr_expect_eq(strncmp(line, "{\"ok\":true,\"stats\":{\"engine\":{\"uptime_s\":0,", 43), 0,
	             "%s", line);
	free(w);
	free(line);
	json_decref(got);
	json_decref(want);
	tclose(c);
}

Test(ctl, stats_shows_sig_ring_and_eth_only_for_valid_ports)
{
	size_t sz = rte_ring_get_memsize(16);
	struct rte_ring *r = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN(sz, RTE_CACHE_LINE_SIZE));
	void *objs[3] = {(void *)1, (void *)2, (void *)3};

	cr_assert_not_null(r);
	cr_assert_eq(rte_ring_init(r, "t", 16, RING_F_SP_ENQ | RING_F_SC_DEQ), 0);
	cr_assert_eq(rte_ring_enqueue_bulk(r, objs, 3, NULL), 3);
	eng.workers[1].sig_ring = r;

	json_t *st = dpv_stats_json(&eng);
	json_t *w0 = json_array_get(json_object_get(st, "lcores"), 0);
	json_t *w1 = json_array_get(json_object_get(st, "lcores"), 1);
	char *ring = json_dumps(json_object_get(w1, "sig_ring"), JSON_COMPACT);
	cr_expect_str_eq(ring, "{\"count\":3,\"size\":15,\"free\":12}");
	cr_expect_null(json_object_get(w0, "sig_ring"));
	cr_expect_null(json_object_get(json_array_get(json_object_get(st, "ports"), 0), "eth"));
	free(ring);
	json_decref(st);
	free(r);
}

Test(ctl, stats_of_an_empty_engine)
{
	memset(&eng, 0, sizeof(eng));
	json_t *st = dpv_stats_json(&eng);
	json_t *drops = json_object_get(st, "drops");
	char *s = json_dumps(json_object_get(st, "engine"), JSON_COMPACT);

	cr_expect_str_eq(s, "{\"uptime_s\":0,\"workers\":0,\"ports\":0,\"hz\":0,\"sessions\":0,"
	                    "\"bridges\":0,\"events_posted\":0,\"events_dropped\":0,"
	                    "\"subscribers\":0,\"subscribers_dropped\":0}");
	cr_expect_eq(json_array_size(json_object_get(st, "lcores")), 0);
	cr_expect_eq(json_array_size(json_object_get(st, "ports")), 0);
	/* Every drop cause is listed even when zero. */
	unsigned ndrop = 0;
	for (unsigned i = 0; i < DPV_C_MAX; i++)
		ndrop += strncmp(dpv_port_counter_names[i], "drop_", 5) == 0;
	cr_expect_eq(json_object_size(drops), ndrop);
	cr_expect_eq(json_integer_value(json_object_get(drops, "sip_unhandled")), 0);
	cr_expect_not_null(json_object_get(drops, "sip_unhandled"));
	free(s);
	json_decref(st);
}

Test(ctl, help_lists_registered_and_builtin_commands)
{
	struct tclient *c = tconnect(sock_path);

	tsends(c, "{\"cmd\":\"help\"}\n");
	cr_expect_line(c, "{\"ok\":true,\"commands\":["
	                  "{\"command\":\"echo\",\"help\":\"return the request\"},"
	                  "{\"command\":\"fail\",\"help\":\"always fails\"},"
	                  "{\"command\":\"fail silent\",\"help\":\"\"},"
	                  "{\"command\":\"help\",\"help\":\"list the commands and what they do\"},"
	                  "{\"command\":\"stats\",\"help\":\"engine, per-lcore and per-port "
	                  "counters, drops by cause\"},"
	                  "{\"command\":\"subscribe\",\"help\":\"stream one JSON line per event "
	                  "(sessions, bridges, members) until disconnected\"}]}");
	tclose(c);
}

Test(ctl, duplicate_registration_keeps_the_first)
{
	static const struct dpv_ctl_cmd dup = {"echo", cmd_fail, "other"};
	struct tclient *c = tconnect(sock_path);

	dpv_ctl_register(&dup);
	tsends(c, "{\"cmd\":\"echo\"}\n");
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	tclose(c);
}

Test(ctl, request_members_reach_the_command)
{
	struct tclient *c = tconnect(sock_path);

	tsends(c, "{\"cmd\":\"echo\",\"args\":[\"conf1\",\"x y\"],\"bridge\":\"b\"}\r\n");
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\",\"args\":[\"conf1\",\"x y\"],"
	                  "\"bridge\":\"b\"}}");
	tclose(c);
}

Test(ctl, bad_requests_get_clear_errors)
{
	struct tclient *c = tconnect(sock_path);

	tsends(c, "{\"cmd\":\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"malformed JSON: unexpected token near end of "
	                  "file (column 7)\"}");
	tsends(c, "hello\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"malformed JSON: invalid token near 'hello' "
	                  "(column 5)\"}");
	tsends(c, "{\"cmd\":\"a\",\"cmd\":\"b\"}\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"malformed JSON: duplicate object key near "
	                  "'\\\"cmd\\\"' (column 16)\"}");
	tsends(c, "[1,2]\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"request is not a JSON object\"}");
	tsends(c, "\"stats\"\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"request is not a JSON object\"}");
	tsends(c, "{\"args\":[]}\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"request has no \\\"cmd\\\"\"}");
	tsends(c, "{\"cmd\":5}\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"\\\"cmd\\\" must be a string\"}");
	tsends(c, "{\"cmd\":\"frobnicate\"}\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"unknown command \\\"frobnicate\\\" (try "
	                  "\\\"help\\\")\"}");
	tsends(c, "{\"cmd\":\"echo\",\"args\":\"x\"}\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"\\\"args\\\" must be an array of strings\"}");
	tsends(c, "{\"cmd\":\"echo\",\"args\":[1]}\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"\\\"args\\\" must be an array of strings\"}");
	tsends(c, "{\"cmd\":\"fail\"}\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"it failed\"}");
	tsends(c, "{\"cmd\":\"fail silent\"}\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"command failed\"}");
	/* The connection survives all of that. */
	tsends(c, "{\"cmd\":\"echo\"}\n");
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	tclose(c);
}

Test(ctl, blank_lines_get_no_reply)
{
	struct tclient *c = tconnect(sock_path);

	tsends(c, "\n  \r\n\t\n{\"cmd\":\"echo\"}\n");
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	tclose(c);
}

Test(ctl, pipelined_requests_answered_in_order)
{
	struct tclient *c = tconnect(sock_path);

	tsends(c, "{\"cmd\":\"echo\",\"args\":[\"1\"]}\n{\"cmd\":\"nope\"}\n"
	          "{\"cmd\":\"echo\",\"args\":[\"3\"]}\n");
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\",\"args\":[\"1\"]}}");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"unknown command \\\"nope\\\" (try "
	                  "\\\"help\\\")\"}");
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\",\"args\":[\"3\"]}}");
	tclose(c);
}

Test(ctl, request_split_across_writes)
{
	struct tclient *c = tconnect(sock_path);

	tsends(c, "{\"cmd\":\"ec");
	for (int i = 0; i < 5; i++) {
		dpv_ctl_poll(&eng, 0);
		cr_assert(tpull(c));
	}
	cr_expect_eq(c->len, 0, "a reply before the line was complete");
	tsends(c, "ho\",\"args\":");
	dpv_ctl_poll(&eng, 0);
	tsends(c, "[\"a\"]}");
	dpv_ctl_poll(&eng, 0);
	tsends(c, "\n");
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\",\"args\":[\"a\"]}}");
	tclose(c);
}

/* A line of exactly @a n bytes (newline excluded) that is an echo request padded with spaces. */
static char *
line_of(size_t n)
{
	static const char body[] = "\"cmd\":\"echo\"}";
	size_t pad = n - 1 - (sizeof(body) - 1);
	char *s = malloc(n + 2);

	s[0] = '{';
	memset(s + 1, ' ', pad);
	memcpy(s + 1 + pad, body, sizeof(body) - 1);
	s[n] = '\n';
	s[n + 1] = '\0';
	return s;
}

Test(ctl, line_of_64k_is_accepted_one_more_byte_is_not)
{
	struct tclient *c = tconnect(sock_path);
	char *ok = line_of(65536), *big = line_of(65537);

	tsends(c, ok);
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	tsends(c, big);
	cr_expect_line(c, "{\"ok\":false,\"error\":\"request line longer than 65536 bytes\"}");
	tsends(c, "{\"cmd\":\"echo\",\"args\":[\"after\"]}\n");
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\",\"args\":[\"after\"]}}");
	free(ok);
	free(big);
	tclose(c);
}

Test(ctl, overlong_line_dropped_until_its_newline)
{
	struct tclient *c = tconnect(sock_path);
	size_t n = 100000;
	char *junk = malloc(n);

	memset(junk, 'x', n);
	tsend(c, junk, n);
	/* The error comes as soon as the limit is passed, before the line ends. */
	cr_expect_line(c, "{\"ok\":false,\"error\":\"request line longer than 65536 bytes\"}");
	tsend(c, junk, n);
	tsends(c, "{\"cmd\":\"echo\"}\n{\"cmd\":\"echo\",\"args\":[\"next\"]}\n");
	/* Only one error for the whole line, and the rest of it (a valid-looking tail too) is gone.
	 */
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\",\"args\":[\"next\"]}}");
	free(junk);
	tclose(c);
}

Test(ctl, half_closed_client_gets_its_reply)
{
	struct tclient *c = tconnect(sock_path);

	tsends(c, "{\"cmd\":\"echo\"}\n{\"cmd\":\"echo\",\"args\":[\"no newline\"]}");
	cr_assert_eq(shutdown(c->fd, SHUT_WR), 0);
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\",\"args\":[\"no newline\"]}}");
	/* Then the engine closes its side. */
	bool open = true;
	for (int i = 0; i < POLL_ROUNDS && open; i++) {
		dpv_ctl_poll(&eng, 10);
		open = tpull(c);
	}
	cr_expect_not(open);
	tclose(c);
}

Test(ctl, client_disconnects_do_not_disturb_others)
{
	struct tclient *a = tconnect(sock_path);
	struct tclient *b = tconnect(sock_path);
	struct tclient *d = tconnect(sock_path);

	tsends(a, "{\"cmd\":\"echo\",\"args\":[\"a\"]}\n");
	cr_expect_line(a, "{\"ok\":true,\"request\":{\"cmd\":\"echo\",\"args\":[\"a\"]}}");
	tsends(b, "{\"cmd\":\"echo\",\"args\":[\"b\"]}\n");
	cr_expect_line(b, "{\"ok\":true,\"request\":{\"cmd\":\"echo\",\"args\":[\"b\"]}}");
	tsends(a, "{\"cmd\":\"ec"); /* partial line, then gone */
	tclose(a);
	/* b sends a request and leaves without reading the reply. */
	tsends(b, "{\"cmd\":\"stats\"}\n");
	tclose(b);
	for (int i = 0; i < 5; i++)
		dpv_ctl_poll(&eng, 0);
	tsends(d, "{\"cmd\":\"echo\",\"args\":[\"d\"]}\n");
	cr_expect_line(d, "{\"ok\":true,\"request\":{\"cmd\":\"echo\",\"args\":[\"d\"]}}");
	tclose(d);
}

Test(ctl, too_many_clients_refused_politely)
{
	struct tclient *c[64];

	/* A round trip each proves the engine accepted them. */
	for (int i = 0; i < 64; i++) {
		c[i] = tconnect(sock_path);
		tsends(c[i], "{\"cmd\":\"echo\"}\n");
		char *line = tline(c[i]);
		cr_assert_str_eq(line, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}", "client %d",
		                 i);
		free(line);
	}
	struct tclient *extra = tconnect(sock_path);
	cr_expect_line(extra, "{\"ok\":false,\"error\":\"too many control clients (limit 64), try "
	                      "again later\"}");
	bool open = true;
	for (int i = 0; i < POLL_ROUNDS && open; i++) {
		dpv_ctl_poll(&eng, 10);
		open = tpull(extra);
	}
	cr_expect_not(open, "the refused client was not closed");
	tclose(extra);
	/* When one leaves, a new one is served. */
	tclose(c[0]);
	for (int i = 0; i < 3; i++)
		dpv_ctl_poll(&eng, 0);
	c[0] = tconnect(sock_path);
	tsends(c[0], "{\"cmd\":\"echo\"}\n");
	cr_expect_line(c[0], "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	for (int i = 0; i < 64; i++)
		tclose(c[i]);
}

Test(ctl, poll_without_work_returns_after_timeout)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	dpv_ctl_poll(&eng, 20);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	cr_expect_geq(ms, 15);
	cr_expect_lt(ms, 1000);
}

Test(ctl, socket_mode_and_close_unlinks)
{
	struct stat st;
	char dir[128];

	cr_assert_eq(stat(sock_path, &st), 0);
	cr_expect(S_ISSOCK(st.st_mode));
	cr_expect_eq(st.st_mode & 0777, 0660);
	snprintf(dir, sizeof(dir), "%s/run/dpvoip", tmpdir);
	cr_assert_eq(stat(dir, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0755);
	dpv_ctl_close();
	cr_expect_eq(stat(sock_path, &st), -1);
	cr_expect_eq(errno, ENOENT);
}

Test(ctl, second_open_refused)
{
	cr_expect_eq(dpv_ctl_open(&eng, sock_path), -EBUSY);
}

/* A listening socket at @a path, as another running engine would have. */
static int
listen_at(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

Test(ctl, live_engine_on_the_path_is_not_replaced)
{
	char other[128];
	struct stat st;

	dpv_ctl_close();
	snprintf(other, sizeof(other), "%s/other.sock", tmpdir);
	int fd = listen_at(other);
	cr_expect_eq(dpv_ctl_open(&eng, other), -EADDRINUSE);
	cr_expect_eq(stat(other, &st), 0, "the live socket was removed");
	close(fd);
}

Test(ctl, stale_socket_is_replaced)
{
	char other[128];

	dpv_ctl_close();
	snprintf(other, sizeof(other), "%s/stale.sock", tmpdir);
	close(listen_at(other)); /* leaves the socket file with no listener */
	cr_assert_eq(dpv_ctl_open(&eng, other), 0);
	struct tclient *c = tconnect(other);
	tsends(c, "{\"cmd\":\"echo\"}\n");
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	tclose(c);
}

Test(ctl, non_socket_at_the_path_is_left_alone)
{
	char other[128];
	struct stat st;

	dpv_ctl_close();
	snprintf(other, sizeof(other), "%s/file", tmpdir);
	FILE *f = fopen(other, "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_expect_eq(dpv_ctl_open(&eng, other), -EEXIST);
	cr_expect_eq(stat(other, &st), 0);
	cr_expect(S_ISREG(st.st_mode));
}

Test(ctl, bad_paths_refused)
{
	char longp[200];

	dpv_ctl_close();
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	cr_expect_eq(dpv_ctl_open(&eng, longp), -ENAMETOOLONG);
	cr_expect_eq(dpv_ctl_open(&eng, ""), -EINVAL);
	/* A directory on the way that is a regular file. */
	char under_file[160];
	snprintf(under_file, sizeof(under_file), "%s/file", tmpdir);
	FILE *f = fopen(under_file, "w");
	cr_assert_not_null(f);
	fclose(f);
	snprintf(under_file, sizeof(under_file), "%s/file/sub/ctl.sock", tmpdir);
	cr_expect_eq(dpv_ctl_open(&eng, under_file), -ENOTDIR);
	/* A failed open leaves the socket closed: poll is a no-op. */
	dpv_ctl_poll(&eng, 0);
}

Test(ctl, telemetry_registration)
{
	cr_expect_eq(dpv_telemetry_init(NULL), -EINVAL);
	cr_expect_eq(dpv_telemetry_init(&eng), 0);
	cr_expect_eq(dpv_telemetry_init(&eng), 0);
}

/* dpv_bridge_name_valid, the startup file's rule, for `call originate --bridge NAME` too. */
Test(ctl, originate_refuses_a_bad_bridge_name_and_the_engine_carries_on)
{
	struct tclient *c;

	dpv_sig_ctl_register();
	c = tconnect(sock_path);
	tsends(c, "{\"cmd\":\"call originate\",\"args\":[\"sip:bob@198.18.0.2\"],"
	          "\"bridge\":\"a b\"}\n");
	cr_expect_line(c,
	               "{\"ok\":false,\"error\":\"invalid bridge name 'a b': 1..63 characters of "
	               "A-Z a-z 0-9 . _ -\"}");
	tsends(c, "{\"cmd\":\"call originate\",\"args\":[\"sip:bob@198.18.0.2\"],"
	          "\"bridge\":\"room/1\"}\n");
	cr_expect_line(c,
	               "{\"ok\":false,\"error\":\"invalid bridge name 'room/1': 1..63 characters "
	               "of A-Z a-z 0-9 . _ -\"}");
	tsends(c, "{\"cmd\":\"call originate\",\"args\":[\"sip:bob@198.18.0.2\"],"
	          "\"bridge\":\"\"}\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"invalid bridge name '': 1..63 characters of "
	                  "A-Z a-z 0-9 . _ -\"}");
	/* a good name gets past the check (this engine has no signaling lcore to place it) */
	tsends(c, "{\"cmd\":\"call originate\",\"args\":[\"sip:bob@198.18.0.2\"],"
	          "\"bridge\":\"room-1.a_b\"}\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"no signaling lcore\"}");
	/* and the engine goes on serving */
	tsends(c, "{\"cmd\":\"echo\"}\n");
	cr_expect_line(c, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	tclose(c);
}

Test(ctl, binary_garbage_gets_an_error)
{
	struct tclient *c = tconnect(sock_path);

	tsend(c, "{\"cmd\":\"e\0cho\"}\n", 16);
	cr_expect_line(c, "{\"ok\":false,\"error\":\"malformed JSON: control character 0x0 near "
	                  "'\\\"e' (column 9)\"}");
	tsends(c, "\xff\xfe\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"malformed JSON: unable to decode byte 0xff "
	                  "(column 0)\"}");
	tsends(c, "{\"cmd\":\"\xff\"}\n");
	cr_expect_line(c, "{\"ok\":false,\"error\":\"malformed JSON: unable to decode byte 0xff "
	                  "near '\\\"' (column 8)\"}");
	tclose(c);
}

Test(ctl, long_unknown_command_name_is_cut_on_a_character_boundary)
{
	struct tclient *c = tconnect(sock_path);
	char req[400], want[400];
	char name[300] = "xy";

	/* 2 + 3 * 66 bytes: a 100-byte cut falls inside the 33rd three-byte character. */
	for (int i = 0; i < 66; i++)
		strcat(name, "\xe2\x82\xac"); /* U+20AC */
	snprintf(req, sizeof(req), "{\"cmd\":\"%s\"}\n", name);
	tsends(c, req);
	name[2 + 3 * 32] = '\0';
	snprintf(want, sizeof(want),
	         "{\"ok\":false,\"error\":\"unknown command \\\"%s\\\" (try "
	         "\\\"help\\\")\"}",
	         name);
	char *got = tline(c);
	cr_expect_str_eq(got, want);
	free(got);
	tclose(c);
}

Test(ctl, client_that_never_reads_is_dropped)
{
	struct tclient *c = tconnect(sock_path);
	struct tclient *other = tconnect(sock_path);
	static const char req[] = "{\"cmd\":\"stats\"}\n";
	char *burst = malloc(1000 * (sizeof(req) - 1));
	json_t *st = dpv_stats_json(&eng);
	char *one = json_dumps(st, JSON_COMPACT);
	size_t reply_len = strlen(one) + strlen("{\"ok\":true,\"stats\":}\n");
	/* Enough requests that their replies pass the 16 MiB the engine holds per client. */
	unsigned rounds = (unsigned)((16u << 20) / reply_len / 1000 + 2);

	for (unsigned i = 0; i < 1000; i++)
		memcpy(burst + i * (sizeof(req) - 1), req, sizeof(req) - 1);
	for (unsigned r = 0; r < rounds; r++) {
		/* The engine may already have dropped us; a failed send is fine then. */
		if (send(c->fd, burst, 1000 * (sizeof(req) - 1), MSG_NOSIGNAL) < 0)
			break;
		dpv_ctl_poll(&eng, 0);
	}
	for (int i = 0; i < 10; i++)
		dpv_ctl_poll(&eng, 0);
	/* What arrived is what fit in the socket buffers, then end of file. */
	size_t got = 0;
	ssize_t n;
	while ((n = recv(c->fd, c->buf, sizeof(c->buf), MSG_DONTWAIT)) > 0)
		got += n;
	cr_expect_eq(n, 0, "connection still open after %zu bytes (%s)", got,
	             n < 0 ? strerror(errno) : "");
	cr_expect_lt(got, (size_t)rounds * 1000 * reply_len);
	tsends(other, "{\"cmd\":\"echo\"}\n");
	cr_expect_line(other, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	free(one);
	free(burst);
	json_decref(st);
	tclose(c);
	tclose(other);
}

/* ---- subscribe ---- */

static void
post_joined(uint64_t session)
{
	struct dpv_event ev = {
	    .type = DPV_EV_MEMBER_JOINED, .bridge = "room", .session_id = session};

	dpv_event_post(&eng, &ev);
}

static struct tclient *
tsubscribe(void)
{
	struct tclient *c = tconnect(sock_path);

	tsends(c, "{\"cmd\":\"subscribe\"}\n");
	cr_expect_line(c, "{\"ok\":true,\"subscribed\":true}");
	return c;
}

Test(ctl, subscriber_gets_each_event_as_a_line_and_only_after_subscribing)
{
	struct dpv_event ev[] = {
	    {.type = DPV_EV_SESSION, .session_id = 7, .state = SIP_SESS_INCOMING},
	    {.type = DPV_EV_BRIDGE_CREATED, .bridge = "conf-a"},
	    {.type = DPV_EV_MEMBER_JOINED, .bridge = "conf-a", .session_id = 7},
	    {.type = DPV_EV_MEMBER_LEFT, .bridge = "conf-a", .session_id = 7},
	    {.type = DPV_EV_BRIDGE_DESTROYED, .bridge = "conf-a"},
	    {.type = DPV_EV_MEDIA_TIMEOUT, .session_id = 7},
	};
	struct tclient *s, *other;

	cr_assert_eq(dpv_event_init(&eng, 64), 0);
	post_joined(1); /* nobody listens: not queued (the first line below is ev[0]) */
	s = tsubscribe();
	other = tconnect(sock_path);
	for (unsigned i = 0; i < RTE_DIM(ev); i++)
		dpv_event_post(&eng, &ev[i]);
	cr_expect_line(s, "{\"event\":\"session\",\"session\":7,\"state\":\"incoming\"}");
	cr_expect_line(s, "{\"event\":\"bridge-created\",\"bridge\":\"conf-a\"}");
	cr_expect_line(s, "{\"event\":\"member-joined\",\"bridge\":\"conf-a\",\"session\":7}");
	cr_expect_line(s, "{\"event\":\"member-left\",\"bridge\":\"conf-a\",\"session\":7}");
	cr_expect_line(s, "{\"event\":\"bridge-destroyed\",\"bridge\":\"conf-a\"}");
	cr_expect_line(s, "{\"event\":\"media-timeout\",\"session\":7}");
	/* a subscriber still gets replies, in order with its events */
	tsends(s, "{\"cmd\":\"echo\"}\n");
	cr_expect_line(s, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	/* the other client gets no events */
	tsends(other, "{\"cmd\":\"echo\"}\n");
	cr_expect_line(other, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	cr_expect_eq(other->len, 0);
	cr_expect_eq(eng.events_posted, 7);
	cr_expect_eq(eng.events_dropped, 0);
	cr_expect_eq(eng.subscribers, 1);
	tclose(s);
	for (int i = 0; i < POLL_ROUNDS && eng.subscribers != 0; i++)
		dpv_ctl_poll(&eng, 10);
	cr_expect_eq(eng.subscribers, 0, "a subscriber that left is no longer counted");
	tclose(other);
	dpv_event_fini(&eng);
}

Test(ctl, a_full_queue_counts_events_dropped)
{
	struct tclient *s;
	char want[128];

	cr_assert_eq(dpv_event_init(&eng, 16), 0); /* 15 can wait */
	s = tsubscribe();
	for (unsigned i = 0; i < 20; i++)
		post_joined(i);
	cr_expect_eq(eng.events_posted, 20);
	cr_expect_eq(eng.events_dropped, 5);
	for (unsigned i = 0; i < 15; i++) {
		snprintf(want, sizeof(want),
		         "{\"event\":\"member-joined\",\"bridge\":\"room\",\"session\":%u}", i);
		cr_expect_line(s, want);
	}
	tsends(s, "{\"cmd\":\"stats\"}\n");
	char *line = tline(s);
	cr_expect_neq(strstr(line, "\"events_posted\":20,\"events_dropped\":5,\"subscribers\":1,"
	                           "\"subscribers_dropped\":0}"),
	              NULL, "%s", line);
	free(line);
	/* the queue has room again */
	post_joined(99);
	cr_expect_line(s, "{\"event\":\"member-joined\",\"bridge\":\"room\",\"session\":99}");
	tclose(s);
	dpv_event_fini(&eng);
}

Test(ctl, a_subscriber_that_never_reads_is_dropped_and_others_are_served)
{
	static const char first[] =
	    "{\"event\":\"member-joined\",\"bridge\":\"room\",\"session\":0}\n";
	struct tclient *s, *other;
	bool open = true;
	size_t got = 0;
	ssize_t n;

	cr_assert_eq(dpv_event_init(&eng, 1024), 0);
	s = tsubscribe();
	other = tconnect(sock_path);
	/* ~70 bytes an event: the socket buffers and the engine's 256 KiB fill within 20000 */
	for (unsigned r = 0; r < 40 && eng.subscribers_dropped == 0; r++) {
		for (unsigned i = 0; i < 500; i++)
			post_joined(r * 500 + i);
		dpv_ctl_poll(&eng, 0);
	}
	cr_expect_eq(eng.subscribers_dropped, 1);
	cr_expect_eq(eng.events_dropped, 0, "the queue itself never filled");
	for (int i = 0; i < POLL_ROUNDS && eng.subscribers != 0; i++)
		dpv_ctl_poll(&eng, 0);
	cr_expect_eq(eng.subscribers, 0);
	/* it gets what fitted in its socket buffer, whole lines, then end of file */
	while (open) {
		n = recv(s->fd, s->buf, sizeof(s->buf), 0);
		cr_assert_geq(n, 0, "%s", strerror(errno));
		got += n;
		if (n > 0 && got <= (size_t)n)
			cr_expect_eq(strncmp(s->buf, first, strlen(first)), 0);
		open = n > 0;
	}
	cr_expect_gt(got, 0);
	cr_expect_lt(got, 256u << 10 << 2);
	/* the engine goes on serving the others, and further events go nowhere */
	post_joined(1);
	tsends(other, "{\"cmd\":\"echo\"}\n");
	cr_expect_line(other, "{\"ok\":true,\"request\":{\"cmd\":\"echo\"}}");
	tclose(s);
	tclose(other);
	dpv_event_fini(&eng);
}

Test(ctl, subscribers_are_limited)
{
	struct tclient *s[16], *extra;

	cr_assert_eq(dpv_event_init(&eng, 64), 0);
	for (unsigned i = 0; i < 16; i++)
		s[i] = tsubscribe();
	extra = tconnect(sock_path);
	tsends(extra, "{\"cmd\":\"subscribe\"}\n");
	cr_expect_line(extra, "{\"ok\":false,\"error\":\"too many subscribers (limit 16)\"}");
	/* subscribing twice is still one subscriber */
	tsends(s[0], "{\"cmd\":\"subscribe\"}\n");
	cr_expect_line(s[0], "{\"ok\":true,\"subscribed\":true}");
	cr_expect_eq(eng.subscribers, 16);
	tclose(s[15]);
	for (int i = 0; i < POLL_ROUNDS && eng.subscribers != 15; i++)
		dpv_ctl_poll(&eng, 10);
	tsends(extra, "{\"cmd\":\"subscribe\"}\n");
	cr_expect_line(extra, "{\"ok\":true,\"subscribed\":true}");
	post_joined(5);
	cr_expect_line(extra, "{\"event\":\"member-joined\",\"bridge\":\"room\",\"session\":5}");
	cr_expect_line(s[3], "{\"event\":\"member-joined\",\"bridge\":\"room\",\"session\":5}");
	for (unsigned i = 0; i < 15; i++)
		tclose(s[i]);
	tclose(extra);
	dpv_event_fini(&eng);
}

Test(ctl, a_subscriber_that_half_closes_keeps_its_stream)
{
	struct tclient *s;

	cr_assert_eq(dpv_event_init(&eng, 64), 0);
	s = tsubscribe();
	cr_assert_eq(shutdown(s->fd, SHUT_WR), 0);
	for (int i = 0; i < 5; i++)
		dpv_ctl_poll(&eng, 0);
	post_joined(3);
	cr_expect_line(s, "{\"event\":\"member-joined\",\"bridge\":\"room\",\"session\":3}");
	cr_expect_eq(eng.subscribers, 1);
	tclose(s);
	for (int i = 0; i < POLL_ROUNDS && eng.subscribers != 0; i++)
		dpv_ctl_poll(&eng, 10);
	cr_expect_eq(eng.subscribers, 0, "gone once it closed");
	dpv_event_fini(&eng);
}
