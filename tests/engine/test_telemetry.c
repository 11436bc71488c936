/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /dpvoip/... telemetry commands, through DPDK's own telemetry socket: EAL
 * runs in memory without hugepages or PCI, the test is the telemetry client.
 */
#include <rte_eal.h>

#include "ctl_helpers.h"

static int tel_fd = -1;

static void
setup(void)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "--file-prefix=dpvtel%d", (int)getpid());
	char *argv[] = {"test",
	                "-l",
	                "0",
	                "--no-huge",
	                "-m",
	                "64",
	                "--no-pci",
	                "--no-shconf",
	                prefix,
	                "--log-level=lib.eal:error",
	                "--log-level=lib.telemetry:error",
	                NULL};
	cr_assert_geq(rte_eal_init(RTE_DIM(argv) - 1, argv), 0, "rte_eal_init failed");
	fake_engine();
	cr_assert_eq(dpv_telemetry_init(&eng), 0);

	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dpdk_telemetry.v2",
	         rte_eal_get_runtime_dir());
	tel_fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	cr_assert_geq(tel_fd, 0);
	cr_assert_eq(connect(tel_fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s: %s", sa.sun_path,
	             strerror(errno));
	char hello[4096];
	cr_assert_gt(recv(tel_fd, hello, sizeof(hello), 0), 0); /* version banner */
}

static void
teardown(void)
{
	char cmd[PATH_MAX + 16];

	if (tel_fd >= 0)
		close(tel_fd);
	/* EAL leaves its per-prefix runtime directory (here, the telemetry socket) behind. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	cr_expect_eq(system(cmd), 0);
}

TestSuite(telemetry, .init = setup, .fini = teardown);

/* Send one telemetry command and return its reply (static buffer). */
static const char *
tel(const char *cmd)
{
	static char buf[1 << 16];

	cr_assert_eq(send(tel_fd, cmd, strlen(cmd), 0), (ssize_t)strlen(cmd));
	ssize_t n = recv(tel_fd, buf, sizeof(buf) - 1, 0);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	return buf;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

Test(telemetry, drops)
{
	cr_expect_str_eq(
	    tel("/dpvoip/drops"),
	    "{\"/dpvoip/drops\":{\"short_frame\":0,\"l2_not_ours\":0,\"ethertype\":0,"
	    "\"ipv6\":0,\"arp_malformed\":0,\"arp_not_ours\":0,\"ip_version\":0,"
	    "\"ip_hdr_len\":0,\"ip_cksum\":5,\"ip_len\":0,\"ip_frag\":0,"
	    "\"ip_not_ours\":0,\"ip_proto\":0,\"icmp_malformed\":0,\"icmp_type\":0,"
	    "\"udp_len\":0,\"udp_cksum\":0,\"udp_port\":1,\"sig_ring_full\":0,\"sip_flood\":0,"
	    "\"rtp_no_flow\":0,\"rtp_malformed\":0,\"rtcp_malformed\":0,\"rtp_bad_source\":0,"
	    "\"rtp_not_receiving\":0,\"rtp_flood\":0,\"rtp_not_joined\":0,\"rtp_held\":0,"
	    "\"rtp_arp_miss\":0,\"rtp_no_mbuf\":0,\"tx_full\":0,\"tx_handoff_full\":0,\"sip_"
	    "unhandled\":0}}");
}

Test(telemetry, stats)
{
	const char *r = tel("/dpvoip/stats");
	json_t *j = json_loads(r, 0, NULL);
	json_t *s = json_object_get(j, "/dpvoip/stats");

	cr_assert_not_null(s, "%s", r);
	cr_expect_eq(json_integer_value(json_object_get(s, "workers")), 2);
	cr_expect_eq(json_integer_value(json_object_get(s, "ports")), 1);
	cr_expect_eq(json_integer_value(json_object_get(s, "hz")), (json_int_t)rte_get_tsc_hz());
	cr_expect_gt(json_integer_value(json_object_get(s, "hz")), 0);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "drops"), "ip_cksum")),
	             5, "%s", r);
	json_decref(j);
}

Test(telemetry, lcores)
{
	const char *one = tel("/dpvoip/lcores,4");
	cr_expect(
	    starts_with(one, "{\"/dpvoip/lcores\":{\"lcore\":4,\"cpu\":4,\"txq\":2,\"iter_busy\":0,"
	                     "\"iter_idle\":0,\"idle_sleeps\":0,\"sip_steered\":0,"),
	    "%s", one);
	cr_expect_neq(strstr(one, "\"sig_dequeued\":7,"), NULL, "%s", one);
	cr_expect_neq(strstr(one, ",\"roles\":\"signaling\"}}"), NULL, "%s", one);
	const char *all = tel("/dpvoip/lcores");
	cr_expect(starts_with(
	              all, "{\"/dpvoip/lcores\":{\"3\":{\"lcore\":3,\"cpu\":3,\"rxq\":0,\"txq\":1,"
	                   "\"iter_busy\":5,"),
	          "%s", all);
	cr_expect_neq(strstr(all, "\"4\":{\"lcore\":4,\"cpu\":4,\"txq\":2,"), NULL, "%s", all);
	cr_expect_str_eq(tel("/dpvoip/lcores,99"), "{\"/dpvoip/lcores\":null}");
	cr_expect_str_eq(tel("/dpvoip/lcores,x"), "{\"/dpvoip/lcores\":null}");
}

Test(telemetry, ports)
{
	cr_expect_str_eq(tel("/dpvoip/ports"), "{\"/dpvoip/ports\":[5]}");
	const char *p = tel("/dpvoip/ports,5");
	cr_expect(starts_with(p, "{\"/dpvoip/ports\":{\"port\":5,\"name\":\"net_test0\",\"mac\":"
	                         "\"02:00:5e:10:00:01\",\"address\":\"198.18.0.1/24\",\"rx\":15,"),
	          "%s", p);
	cr_expect_neq(strstr(p, "\"drop_ip_cksum\":5,"), NULL, "%s", p);
	cr_expect_str_eq(tel("/dpvoip/ports,1"), "{\"/dpvoip/ports\":null}");
}

Test(telemetry, stats_has_the_event_counters)
{
	const char *r = tel("/dpvoip/stats");

	cr_expect(starts_with(r, "{\"/dpvoip/stats\":{\"uptime_s\":"), "%s", r);
	cr_expect_neq(strstr(r, ",\"workers\":2,\"ports\":1,"), NULL, "%s", r);
	cr_expect_neq(strstr(r, ",\"sessions\":0,\"bridges\":0,\"events_posted\":0,"
	                        "\"events_dropped\":0,\"subscribers\":0,\"subscribers_dropped\":0,"
	                        "\"drops\":{"),
	              NULL, "%s", r);
}

Test(telemetry, sessions)
{
	cr_expect_str_eq(tel("/dpvoip/sessions"), "{\"/dpvoip/sessions\":[]}");
	cr_expect_str_eq(tel("/dpvoip/sessions,281474976710656"), "{\"/dpvoip/sessions\":null}");
	cr_expect_str_eq(tel("/dpvoip/sessions,x"), "{\"/dpvoip/sessions\":null}");
}
