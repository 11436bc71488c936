/* SPDX-License-Identifier: BSD-3-Clause */
/* The startup file: exact values from good files, exact problem lines from bad ones. */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "engine_int.h"

static struct dpv_config cfg;
static char path[PATH_MAX];
static char *errs;

static const char *
data(const char *name)
{
	const char *dir = getenv("DPV_TEST_DATA");

	cr_assert_not_null(dir, "DPV_TEST_DATA is not set");
	snprintf(path, sizeof(path), "%s/data/%s", dir, name);
	return path;
}

/* Load @a file; the problems it printed go to errs. */
static int
load_path(const char *file)
{
	size_t len;
	FILE *f;
	int n;

	free(errs);
	errs = NULL;
	f = open_memstream(&errs, &len);
	cr_assert_not_null(f);
	dpv_config_free(&cfg); /* the previous load's */
	n = dpv_config_load(file, &cfg, f);
	fclose(f);
	return n;
}

static int
load(const char *name)
{
	return load_path(data(name));
}

/* The problems of @a name must be exactly the given lines, each after "PATH:". */
static void
expect_errors(const char *name, ...)
{
	char want[8192] = "";
	size_t off = 0;
	const char *line;
	unsigned count = 0;
	va_list ap;
	int n = load(name);

	va_start(ap, name);
	while ((line = va_arg(ap, const char *)) != NULL) {
		off += (size_t)snprintf(want + off, sizeof(want) - off, "%s:%s\n", path, line);
		count++;
	}
	va_end(ap);
	cr_assert_str_eq(errs, want, "%s", name);
	cr_assert_eq(n, (int)count, "%s: %d problems", name, n);
}

static void
teardown(void)
{
	free(errs);
	errs = NULL;
	dpv_config_free(&cfg);
}

TestSuite(config, .fini = teardown);

static void
assert_cpus(const struct dpv_cpuset *set, const char *list)
{
	char buf[64];

	cr_assert_str_eq(dpv_cpuset_format(set, buf, sizeof(buf)), list);
}

Test(config, shipped_file)
{
	const char *dir = getenv("DPV_TEST_DATA");
	char file[PATH_MAX];

	cr_assert_not_null(dir);
	snprintf(file, sizeof(file), "%s/../../engine/dpvoip.conf", dir);
	cr_assert_eq(load_path(file), 0, "%s", errs);
	cr_assert_str_eq(errs, "");
	cr_assert_str_eq(cfg.path, file);
	cr_assert_str_eq(cfg.eal, "--no-huge -m 512 --no-pci --file-prefix=dpvoip "
	                          "--vdev=net_af_packet0,iface=dpv0");
	cr_assert_eq(cfg.eal_line, 10);
	cr_assert_eq(cfg.mbufs, 0);
	cr_assert_eq(cfg.rx_desc, 1024);
	cr_assert_eq(cfg.tx_desc, 1024);
	cr_assert_eq(cfg.main_core, 0);
	assert_cpus(&cfg.media, "1");
	assert_cpus(&cfg.signaling, "1");
	cr_assert_eq(cfg.idle_sleep_us, 0);
	cr_assert_eq(cfg.sig_ring_size, 4096);
	cr_assert(cfg.ports[0].present);
	cr_assert(!cfg.cpu_threads, "shared-cpu defaults to loop");
	cr_assert_eq(cfg.ports[0].line, 27);
	cr_assert_eq(cfg.ports[0].addr, 0xc6120001);
	cr_assert_eq(cfg.ports[0].prefixlen, 24);
	cr_assert_eq(cfg.ports[0].gateway, 0);
	for (unsigned i = 1; i < DPV_MAX_PORTS; i++)
		cr_assert(!cfg.ports[i].present);
	cr_assert_eq(cfg.sip.port, 5060);
	cr_assert_eq(cfg.sip.t1_ms, 500);
	cr_assert_eq(cfg.sip.t2_ms, 4000);
	cr_assert_eq(cfg.sip.t4_ms, 5000);
	cr_assert_eq(cfg.sip.max_transactions, 65536);
	cr_assert_eq(cfg.sip.max_dialogs, 65536);
	cr_assert_eq(cfg.sip.max_completed, 2621440);
	cr_assert_eq(cfg.sip.max_calls_per_source, 16384);
	cr_assert_eq(cfg.rtp.port_min, 20000);
	cr_assert_eq(cfg.rtp.port_max, 29999);
	cr_assert_eq(cfg.dialplan.nb_rules, 4);
	cr_assert_str_eq(cfg.dialplan.rules[0].rule.pattern, "^conf-(.+)$");
	cr_assert_eq(cfg.dialplan.rules[0].rule.action, DPV_CALL_BRIDGE);
	cr_assert_null(cfg.dialplan.rules[0].rule.bridge);
	cr_assert_eq(cfg.dialplan.rules[0].line, 45);
	cr_assert_str_eq(cfg.dialplan.rules[1].rule.pattern, "^echo$");
	cr_assert_eq(cfg.dialplan.rules[1].rule.action, DPV_CALL_ECHO);
	cr_assert_str_eq(cfg.dialplan.rules[2].rule.pattern, "^busy$");
	cr_assert_eq(cfg.dialplan.rules[2].rule.action, DPV_CALL_REJECT);
	cr_assert_eq(cfg.dialplan.rules[2].rule.reject_code, 486);
	cr_assert_str_eq(cfg.dialplan.rules[3].rule.pattern, ".*");
	cr_assert_eq(cfg.dialplan.rules[3].rule.action, DPV_CALL_TONE);
	cr_assert_eq(cfg.dialplan.rules[3].line, 48);
	cr_assert_str_eq(cfg.ctl_socket, "/run/dpvoip/dpvoip.sock");
	cr_assert_eq(dpv_config_eal_port_estimate(cfg.eal), 1);
}

/* The check compiles the dialplan the engine runs (sig.c takes cfg.dialplan.dp). */
Test(config, shipped_dialplan_is_compiled_once_by_the_check)
{
	const char *dir = getenv("DPV_TEST_DATA");
	char file[PATH_MAX];
	struct sip_dialplan_scratch *sc;
	struct sip_dialplan_result r;

	cr_assert_not_null(dir);
	snprintf(file, sizeof(file), "%s/../../engine/dpvoip.conf", dir);
	cr_assert_eq(load_path(file), 0, "%s", errs);
	cr_assert_not_null(cfg.dialplan.dp);
	cr_assert_eq(sip_dialplan_nb_rules(cfg.dialplan.dp), 4);
	sc = sip_dialplan_scratch_alloc(cfg.dialplan.dp);
	cr_assert_not_null(sc);
	cr_assert_eq(sip_dialplan_match(cfg.dialplan.dp, sc, "conf-x", 6, &r), SIP_DP_MATCH);
	cr_expect_eq(r.rule, 0);
	cr_expect_str_eq(r.bridge, "x");
	cr_assert_eq(sip_dialplan_match(cfg.dialplan.dp, sc, "busy", 4, &r), SIP_DP_MATCH);
	cr_expect_eq(r.reject_code, 486);
	sip_dialplan_scratch_free(sc);
	dpv_config_free(&cfg);
	cr_expect_null(cfg.dialplan.dp);
	cr_expect_eq(cfg.dialplan.nb_rules, 0);
	dpv_config_free(&cfg); /* twice is harmless */
}

Test(config, defaults)
{
	cr_assert_eq(load("good_minimal.conf"), 0, "%s", errs);
	cr_assert_str_eq(errs, "");
	cr_assert_str_eq(cfg.eal, "--no-huge --no-pci --vdev=net_null0");
	cr_assert_eq(cfg.eal_line, 2);
	cr_assert_eq(cfg.mbufs, 0);
	cr_assert_eq(cfg.rx_desc, 1024);
	cr_assert_eq(cfg.tx_desc, 1024);
	cr_assert_eq(cfg.main_core, 0);
	assert_cpus(&cfg.media, "1");
	assert_cpus(&cfg.signaling, "1");
	cr_assert_eq(cfg.idle_sleep_us, 0);
	cr_assert_eq(cfg.sig_ring_size, 4096);
	cr_assert(cfg.ports[0].present);
	cr_assert_eq(cfg.ports[0].line, 9);
	cr_assert_eq(cfg.ports[0].addr, 0x0a000001);
	cr_assert_eq(cfg.ports[0].prefixlen, 24);
	cr_assert_eq(cfg.sip.port, 5060);
	cr_assert_eq(cfg.sip.t1_ms, 500);
	cr_assert_eq(cfg.sip.t2_ms, 4000);
	cr_assert_eq(cfg.sip.t4_ms, 5000);
	cr_assert_eq(cfg.sip.max_transactions, 65536);
	cr_assert_eq(cfg.sip.max_dialogs, 65536);
	cr_assert_eq(cfg.sip.max_completed, 2621440);
	cr_assert_eq(cfg.sip.max_calls_per_source, 16384);
	cr_assert_eq(cfg.rtp.port_min, 20000);
	cr_assert_eq(cfg.rtp.port_max, 29999);
	cr_assert_eq(cfg.dialplan.nb_rules, 1);
	cr_assert_str_eq(cfg.dialplan.rules[0].rule.pattern, ".*");
	cr_assert_eq(cfg.dialplan.rules[0].rule.action, DPV_CALL_TONE);
	cr_assert_eq(cfg.dialplan.rules[0].line, 0);
	cr_assert_str_eq(cfg.ctl_socket, "/run/dpvoip/dpvoip.sock");
}

Test(config, defaults_function_matches_empty_keys)
{
	struct dpv_config d;

	cr_assert_eq(load("good_minimal.conf"), 0);
	dpv_config_defaults(&d);
	cr_assert_eq(d.rx_desc, cfg.rx_desc);
	cr_assert_eq(d.sig_ring_size, cfg.sig_ring_size);
	cr_assert_eq(d.dialplan.nb_rules, 1);
	cr_assert_str_eq(d.ctl_socket, cfg.ctl_socket);
	cr_assert(!d.ports[0].present);
	dpv_config_free(&d);
}

Test(config, two_ports_every_key)
{
	cr_assert_eq(load("good_two_ports.conf"), 0, "%s", errs);
	cr_assert_str_eq(errs, "");
	cr_assert_eq(cfg.mbufs, 8191);
	cr_assert_eq(cfg.rx_desc, 512);
	cr_assert_eq(cfg.tx_desc, 2048);
	cr_assert_eq(cfg.idle_sleep_us, 100);
	cr_assert_eq(cfg.sig_ring_size, 1024);
	cr_assert(cfg.ports[0].present);
	cr_assert(cfg.ports[1].present);
	cr_assert(!cfg.ports[2].present);
	cr_assert_eq(cfg.ports[0].line, 19);
	cr_assert_eq(cfg.ports[0].addr, 0xc6120001);
	cr_assert_eq(cfg.ports[0].prefixlen, 16);
	cr_assert_eq(cfg.ports[0].gateway, 0xc612fffe);
	cr_assert_eq(cfg.ports[1].line, 15);
	cr_assert_eq(cfg.ports[1].addr, 0xc000020a);
	cr_assert_eq(cfg.ports[1].prefixlen, 31);
	cr_assert_eq(cfg.ports[1].gateway, 0xc000020b);
	cr_assert_eq(cfg.sip.port, 5080);
	cr_assert_eq(cfg.sip.t1_ms, 250);
	cr_assert_eq(cfg.sip.t2_ms, 2000);
	cr_assert_eq(cfg.sip.t4_ms, 3000);
	cr_assert_eq(cfg.sip.max_transactions, 1024);
	/* the UA's own limit (the file once said 16777216, which sip_ua_create refuses) */
	cr_assert_eq(cfg.sip.max_dialogs, SIP_UA_MAX_DIALOGS);
	cr_assert_eq(cfg.rtp.port_min, 40000);
	cr_assert_eq(cfg.rtp.port_max, 40999);
	cr_assert_eq(cfg.dialplan.nb_rules, 4);
	cr_assert_str_eq(cfg.dialplan.rules[0].rule.pattern, "^room (a|b)$");
	cr_assert_eq(cfg.dialplan.rules[0].rule.action, DPV_CALL_BRIDGE);
	cr_assert_str_eq(cfg.dialplan.rules[0].rule.bridge, "lobby");
	cr_assert_eq(cfg.dialplan.rules[0].line, 36);
	cr_assert_str_eq(cfg.dialplan.rules[1].rule.pattern, "^conf-([0-9]+)$");
	cr_assert_eq(cfg.dialplan.rules[1].rule.action, DPV_CALL_BRIDGE);
	cr_assert_null(cfg.dialplan.rules[1].rule.bridge);
	/* ';' is a comment only after a blank */
	cr_assert_str_eq(cfg.dialplan.rules[2].rule.pattern, "^busy;x$");
	cr_assert_eq(cfg.dialplan.rules[2].rule.action, DPV_CALL_REJECT);
	cr_assert_eq(cfg.dialplan.rules[2].rule.reject_code, 486);
	/* a two-token action needs a pattern before it */
	cr_assert_str_eq(cfg.dialplan.rules[3].rule.pattern, "bridge");
	cr_assert_eq(cfg.dialplan.rules[3].rule.action, DPV_CALL_ECHO);
	cr_assert_str_eq(cfg.ctl_socket, "/tmp/dpv test.sock");
	cr_assert_eq(dpv_config_eal_port_estimate(cfg.eal), 2);
}

Test(config, separate_media_and_signaling_cpus)
{
	/* with two CPUs, separate media and signaling leave none for the main lcore */
	expect_errors("separate_roles.conf",
	              "5: [cpu] main-core: overlapping roles: CPU 1 is also in corelist-signaling "
	              "(the main lcore must not be a worker)",
	              NULL);
	assert_cpus(&cfg.media, "0");
	assert_cpus(&cfg.signaling, "1");
}

Test(config, unknown_section)
{
	expect_errors("bad_unknown_section.conf",
	              "12: [foo]: unknown section (known: dpdk, cpu, port0..port7, sip, rtp, "
	              "dialplan, bridge, security, ng, control)",
	              NULL);
}

Test(config, unknown_key)
{
	expect_errors("bad_unknown_key.conf", "13: [sip] colour: unknown key", NULL);
}

Test(config, bad_cpu_list)
{
	expect_errors("bad_cpulist.conf",
	              "6: [cpu] corelist-media: bad CPU list '1-': expected a CPU number at 'end "
	              "of list'",
	              NULL);
}

Test(config, cpu_that_does_not_exist)
{
	char online[64] = "", line[256];
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	cr_assert_not_null(f);
	cr_assert_not_null(fgets(online, sizeof(online), f));
	fclose(f);
	online[strcspn(online, "\n")] = '\0';
	snprintf(line, sizeof(line),
	         "6: [cpu] corelist-media: CPU 200 does not exist on this machine (it has CPUs "
	         "%s)",
	         online);
	expect_errors("bad_cpu_200.conf", line, NULL);
}

Test(config, main_core_overlaps_workers)
{
	expect_errors("bad_main_overlap.conf",
	              "5: [cpu] main-core: overlapping roles: CPU 1 is also in corelist-media and "
	              "corelist-signaling (the main lcore must not be a worker)",
	              NULL);
}

Test(config, missing_signaling_role)
{
	expect_errors("bad_missing_signaling.conf",
	              "4: [cpu] corelist-signaling: required key missing: the signaling role has "
	              "no CPU",
	              NULL);
}

Test(config, port_out_of_range)
{
	expect_errors("bad_port9.conf", "12: [port9]: port id 9 out of range (0..7)", NULL);
}

Test(config, malformed_address)
{
	expect_errors("bad_address.conf",
	              "10: [port0] address: malformed address '10.0.0/24': expected A.B.C.D/LEN",
	              NULL);
}

Test(config, bad_rule_action)
{
	expect_errors("bad_rule_action.conf",
	              "13: [dialplan] rule: unknown action 'dance' (tone, echo, reject CODE, "
	              "bridge [NAME])",
	              NULL);
}

Test(config, bad_regex)
{
	expect_errors("bad_regex.conf", "13: [dialplan] rule: bad regex '^(x': Unmatched ( or \\(",
	              NULL);
}

Test(config, rules_hyperscan_refuses_are_blamed_on_their_own_lines)
{
	/* POSIX refuses the unbalanced group while the file is read; the back-reference and the
	 * repeated repeat only when the check compiles the dialplan as the engine does. */
	expect_errors("bad_dialplan_hs.conf",
	              "18: [dialplan] rule: bad regex '^(ab$': Unmatched ( or \\(",
	              "16: [dialplan] rule: bad regex '^(a+)\\1$': Back-references are "
	              "unsupported.",
	              "20: [dialplan] rule: bad regex '^x**$': Invalid repeat at index 3.", NULL);
	/* the rules POSIX took are kept with their lines; no dialplan for the engine */
	cr_assert_eq(cfg.dialplan.nb_rules, 6);
	cr_expect_eq(cfg.dialplan.rules[1].line, 16);
	cr_expect_str_eq(cfg.dialplan.rules[1].rule.pattern, "^(a+)\\1$");
	cr_expect_eq(cfg.dialplan.rules[4].line, 20);
	cr_expect_eq(cfg.dialplan.rules[5].line, 21);
	cr_expect_null(cfg.dialplan.dp);
}

Test(config, max_dialogs_is_the_ua_limit)
{
	expect_errors("bad_max_dialogs.conf",
	              "14: [sip] max-dialogs: 16777216 is out of range (16..16777215)", NULL);
	cr_assert_eq(SIP_UA_MAX_DIALOGS, 16777215);
}

Test(config, post_call_state_keys_are_checked)
{
	expect_errors("bad_sip_records.conf",
	              "14: [sip] max-completed: 1023 is out of range (1024..67108864)",
	              "15: [sip] max-calls-per-source: 'many' is not a number", NULL);
}

Test(config, ng_keys_are_checked)
{
	expect_errors("bad_ng.conf", "14: [ng] listen: \"127.0.0.1\" is not IPV4:PORT",
	              "15: [ng] timeout: 100000 is out of range (0 or 1..86400)",
	              "16: [ng] ports: 7 must be even",
	              "17: [ng] max-sessions: 'lots' is not a number",
	              "18: [ng] colour: unknown key", NULL);
	expect_errors("bad_ng_port.conf",
	              "14: [ng] listen: \"127.0.0.1:70000\": the port is not 1..65535", NULL);
}

Test(config, ng_defaults)
{
	struct dpv_config c;

	dpv_config_defaults(&c);
	cr_assert_not(c.ng.enabled);
	cr_assert_eq(c.ng.timeout_s, 60);
	cr_assert_eq(c.ng.silent_timeout_s, 3600);
	cr_assert_eq(c.ng.delete_delay_s, 30);
	cr_assert_eq(c.ng.max_sessions, 0);
	cr_assert_eq(dpv_ng_port_share(&c, 1), 0);
	c.ng.enabled = true;
	/* an equal share with the signaling lcores, from the top of [rtp] */
	cr_assert_eq(dpv_ng_port_share(&c, 1), (unsigned)(c.rtp.port_max - c.rtp.port_min + 1) / 2);
	c.ng.ports = 100;
	cr_assert_eq(dpv_ng_port_share(&c, 3), 100);
	dpv_config_free(&c);
}

Test(config, duplicate_key)
{
	expect_errors("bad_duplicate.conf", "14: [sip] port: duplicate key (first set at line 13)",
	              NULL);
}

Test(config, over_long_line)
{
	expect_errors("bad_long_line.conf",
	              "2: [dpdk] eal: line too long (254 characters, max 197)",
	              "1: [dpdk] eal: required key missing: the EAL arguments", NULL);
}

Test(config, lcore_options_in_eal)
{
	expect_errors("bad_eal_lcores.conf",
	              "2: [dpdk] eal: -l is not allowed: the engine builds the lcore options from "
	              "[cpu]",
	              "2: [dpdk] eal: --main-lcore is not allowed: the engine builds the lcore "
	              "options from [cpu]",
	              NULL);
}

Test(config, rtp_range_contains_sip_port)
{
	expect_errors("bad_rtp_sip.conf",
	              "13: [rtp] port-min: range 5000..5999 contains the SIP port 5060", NULL);
}

Test(config, sip_port_moved_into_rtp_range)
{
	expect_errors("bad_sip_in_rtp.conf",
	              "13: [sip] port: 25000 is inside the RTP port range 20000..29999", NULL);
}

Test(config, every_problem_reported)
{
	expect_errors(
	    "bad_many.conf", "2: port: key outside any [section]",
	    "4: [dpdk] eal: --lcores is not allowed: the engine builds the lcore options from "
	    "[cpu]",
	    "5: [dpdk] rx-desc: 1000 is not a power of two in 64..4096",
	    "6: [dpdk] mbufs: 12 is out of range (0 or 1023..4194303)",
	    "13: [port0] address: 10.0.0.0 is the network address of its /24 subnet",
	    "22: [sip] max-dialogs: empty value", "25: [rtp] port-min: 20001 must be even",
	    "26: [rtp]: expected 'key = value', got 'this line has no equals sign'",
	    "29: [dialplan] rule: 'bridge' without a name takes it from the first capture "
	    "group, and '^conf$' has none",
	    "30: [dialplan] rule: reject code '200' is not a SIP status code in 400..699",
	    "31: [dialplan] rule: expected 'PATTERN ACTION', got 'echo'",
	    "33: section header without ']'",
	    "8: [cpu] corelist-signaling: required key missing: the signaling role has no CPU",
	    "16: [port1] address: required key missing: the port needs an A.B.C.D/LEN address",
	    "9: [cpu] main-core: overlapping roles: CPU 0 is also in corelist-media (the main "
	    "lcore must not be a worker)",
	    "21: [sip] t2-ms: t1-ms (5000) must be less than t2-ms (4000)", NULL);
}

Test(config, whole_sections_missing)
{
	expect_errors("empty.conf", "0: [dpdk]: required section missing (it sets eal)",
	              "0: [cpu]: required section missing (it sets main-core, corelist-media, "
	              "corelist-signaling)",
	              "0: [portN]: no port section: at least one [port0]..[port7] is required",
	              NULL);
}

Test(config, missing_file)
{
	expect_errors("no-such-file.conf", "0: cannot open: No such file or directory", NULL);
}

Test(config, more_bad_values)
{
	expect_errors("bad_values.conf",
	              "13: [port1] address: 10.0.1.255 is the broadcast address of its /24 subnet",
	              "16: [port2] address: prefix length 33 out of range (1..32)",
	              "19: [port3] address: 224.0.0.1 is not a usable unicast address",
	              "22: [port4] address: malformed address '10.0.0.01/24': expected A.B.C.D/LEN",
	              "27: [control] socket: longer than 107 characters",
	              "29: [sip] t4-ms: 'soon' is not a number",
	              "30: [sip] port: 0 is out of range (1..65535)",
	              "10: [port0] gateway: 10.0.1.1 is outside the port's subnet /24",
	              "32: [rtp] port-max: port-min (30000) must be less than port-max (20000)",
	              "25: [dialplan]: no rule: remove the section for the default '.* tone', or "
	              "add rules",
	              NULL);
}

Test(config, check_ports_against_eal)
{
	FILE *f;
	size_t len;

	cr_assert_eq(load("good_two_ports.conf"), 0);
	cr_assert_eq(dpv_config_check_ports(&cfg, 2, NULL), 0);
	free(errs);
	f = open_memstream(&errs, &len);
	cr_assert_eq(dpv_config_check_ports(&cfg, 1, f), 1);
	fclose(f);
	char want[2 * PATH_MAX + 128];
	snprintf(want, sizeof(want),
	         "%s:15: [port1]: no such port: the EAL created 1 port (0..0)\n", path);
	cr_assert_str_eq(errs, want);
	free(errs);
	f = open_memstream(&errs, &len);
	cr_assert_eq(dpv_config_check_ports(&cfg, 0, f), 2);
	fclose(f);
	snprintf(want, sizeof(want),
	         "%s:19: [port0]: no such port: the EAL created no port\n"
	         "%s:15: [port1]: no such port: the EAL created no port\n",
	         path, path);
	cr_assert_str_eq(errs, want);
}

Test(config, eal_port_estimate)
{
	cr_assert_eq(dpv_config_eal_port_estimate(""), -1);
	cr_assert_eq(dpv_config_eal_port_estimate("--no-huge --vdev=net_null0"), -1);
	cr_assert_eq(dpv_config_eal_port_estimate("--no-pci"), 0);
	cr_assert_eq(dpv_config_eal_port_estimate("--no-pci --vdev=net_af_packet0,iface=a"), 1);
	cr_assert_eq(dpv_config_eal_port_estimate("--vdev net_tap0 --no-pci --vdev=net_null1 "
	                                          "--vdev=crypto_null0 --vdev  net_ring0"),
	             3);
	/* "--vdev" as the last token names no device */
	cr_assert_eq(dpv_config_eal_port_estimate("--no-pci --vdev"), 0);
	cr_assert_eq(dpv_config_eal_port_estimate("--no-pcix --vdev=net_null0"), -1);
}

Test(config, syntax_problems)
{
	/* line 1 starts with a UTF-8 BOM; line 6 starts with "\f\t" (not a continuation line) */
	expect_errors("bad_syntax.conf", "1: unexpected text after ']': 'extra'",
	              "4: [dpdk]: missing key name before '='",
	              "6: [dpdk] mbufs: 99999999999 is out of range (0 or 1023..4194303)",
	              "7: []: unknown section (known: dpdk, cpu, port0..port7, sip, rtp, dialplan, "
	              "bridge, security, ng, control)",
	              "9: [port0] address: prefix length 0 out of range (1..32)",
	              "10: [port00]: unknown section (known: dpdk, cpu, port0..port7, sip, rtp, "
	              "dialplan, bridge, security, ng, control)",
	              "15: [cpu] idle-sleep-us: 1000001 is out of range (0..1000000)",
	              "17: [cpu] tx-desc: unknown key", "21: [port1] main-core: unknown key",
	              "20: [port1] gateway: 10.0.0.2 is outside the port's subnet /32", NULL);
	/* the [dpdk] section at line 3 counts, the bad header at line 1 does not */
	cr_assert_str_eq(cfg.eal, "--no-pci");
	cr_assert_eq(cfg.eal_line, 5);
	cr_assert_eq(cfg.sig_ring_size, 2048);
	cr_assert_eq(cfg.ports[1].addr, 0x0a000001);
	cr_assert_eq(cfg.ports[1].prefixlen, 32);
}

Test(config, rules_gateways_and_eal_abbreviations)
{
	expect_errors(
	    "bad_rules.conf",
	    "2: [dpdk] eal: --lc (--lcores) is not allowed: the engine builds the lcore "
	    "options from [cpu]",
	    "2: [dpdk] eal: --master-lcore is not allowed: the engine builds the lcore "
	    "options from [cpu]",
	    "2: [dpdk] eal: -c is not allowed: the engine builds the lcore options from [cpu]",
	    "17: [dialplan] rule: action 'reject' needs a SIP status code (400..699)",
	    "18: [dialplan] rule: reject code '700' is not a SIP status code in 400..699",
	    "19: [dialplan] rule: bad bridge name 'bad/name': 1..63 characters of A-Z a-z 0-9 "
	    ". _ -",
	    "20: [dialplan] rule: bad bridge name "
	    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': 1..63 "
	    "characters of A-Z a-z 0-9 . _ -",
	    "9: [port0] gateway: 10.0.0.255 is the broadcast address of the subnet",
	    "12: [port1] gateway: 10.0.1.1 is the port's own address",
	    "15: [port2] gateway: 10.0.2.0 is the network address of the subnet", NULL);
	/* the good rules are kept, in order, with their lines */
	cr_assert_eq(cfg.dialplan.nb_rules, 3);
	cr_assert_str_eq(cfg.dialplan.rules[0].rule.pattern, "^(x)$");
	cr_assert_eq(cfg.dialplan.rules[0].rule.action, DPV_CALL_BRIDGE);
	cr_assert_null(cfg.dialplan.rules[0].rule.bridge);
	cr_assert_eq(cfg.dialplan.rules[0].line, 21);
	cr_assert_str_eq(cfg.dialplan.rules[1].rule.bridge, "room-1.a_b");
	cr_assert_str_eq(cfg.dialplan.rules[2].rule.pattern, "a b c");
	cr_assert_eq(cfg.dialplan.rules[2].rule.action, DPV_CALL_TONE);
}

Test(config, too_many_rules)
{
	char file[] = "/tmp/dpv-test-config-XXXXXX", want[PATH_MAX + 128];
	int fd = mkstemp(file);
	FILE *f;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	/* 9 lines of head, then rules on lines 10.. */
	fprintf(f, "[dpdk]\neal = --no-pci\n[cpu]\nmain-core = 0\ncorelist-media = 1\n"
	           "corelist-signaling = 1\n[port0]\naddress = 10.0.0.1/8\n[dialplan]\n");
	for (int i = 0; i <= SIP_DIALPLAN_MAX_RULES; i++)
		fprintf(f, "rule = ^%d$ echo\n", i);
	fclose(f);
	cr_assert_eq(load_path(file), 1);
	snprintf(want, sizeof(want), "%s:%d: [dialplan] rule: too many rules (max %d)\n", file,
	         10 + SIP_DIALPLAN_MAX_RULES, SIP_DIALPLAN_MAX_RULES);
	unlink(file);
	cr_assert_str_eq(errs, want);
	cr_assert_eq(cfg.dialplan.nb_rules, SIP_DIALPLAN_MAX_RULES);
	cr_assert_str_eq(cfg.dialplan.rules[SIP_DIALPLAN_MAX_RULES - 1].rule.pattern, "^255$");
	cr_assert_eq(cfg.dialplan.rules[SIP_DIALPLAN_MAX_RULES - 1].line,
	             9 + SIP_DIALPLAN_MAX_RULES);
}

Test(config, directory_is_not_a_file)
{
	expect_errors("", "0: cannot read: Is a directory", NULL);
}

Test(config, crlf_lines_and_nul_bytes)
{
	static const char text[] =
	    "[dpdk]\r\neal = --no-pci\r\nmbufs = 1\0 23\r\n[cpu]\r\n"
	    "main-core = 0\r\ncorelist-media = 1\r\ncorelist-signaling = 1\r\n"
	    "[port0]\r\naddress = 10.0.0.1/24\r\n";
	char file[] = "/tmp/dpv-test-config-XXXXXX", want[PATH_MAX + 64];
	int fd = mkstemp(file);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	cr_assert_eq(load_path(file), 1);
	unlink(file);
	snprintf(want, sizeof(want), "%s:3: NUL byte in line\n", file);
	cr_assert_str_eq(errs, want);
	cr_assert_str_eq(cfg.eal, "--no-pci");
	cr_assert_eq(cfg.mbufs, 0);
	cr_assert_eq(cfg.ports[0].line, 8);
}

Test(config, shared_cpu_threads_gives_each_role_its_own_lcore)
{
	struct dpv_lcore_slot plan[DPV_MAX_WORKERS];
	char why[128];

	cr_assert_eq(load("shared_cpu_threads.conf"), 0, "%s", errs);
	cr_assert(cfg.cpu_threads);
	cr_assert_eq(dpv_lcore_plan(&cfg, plan, DPV_MAX_WORKERS, why, sizeof(why)), 2);
	cr_expect_eq(plan[0].lcore_id, 1);
	cr_expect_eq(plan[0].cpu, 1);
	cr_expect_eq(plan[0].roles, DPV_ROLE_MEDIA);
	cr_expect_eq(plan[1].lcore_id, 2, "the next id above every CPU named");
	cr_expect_eq(plan[1].cpu, 1);
	cr_expect_eq(plan[1].roles, DPV_ROLE_SIGNALING);
	/* the default shares the CPU in one loop */
	cfg.cpu_threads = false;
	cr_assert_eq(dpv_lcore_plan(&cfg, plan, DPV_MAX_WORKERS, why, sizeof(why)), 1);
	cr_expect_eq(plan[0].lcore_id, 1);
	cr_expect_eq(plan[0].roles, DPV_ROLE_MEDIA | DPV_ROLE_SIGNALING);
}

Test(config, shared_cpu_plan_over_overlapping_lists)
{
	struct dpv_config c = {.main_core = 0, .cpu_threads = true};
	struct dpv_lcore_slot plan[DPV_MAX_WORKERS];
	char why[128];
	const unsigned want[][3] = {
	    {1, 1, DPV_ROLE_MEDIA}, {2, 2, DPV_ROLE_MEDIA},     {5, 2, DPV_ROLE_SIGNALING},
	    {3, 3, DPV_ROLE_MEDIA}, {6, 3, DPV_ROLE_SIGNALING}, {4, 4, DPV_ROLE_SIGNALING},
	};

	for (unsigned cpu = 1; cpu <= 3; cpu++)
		dpv_cpuset_set(&c.media, cpu);
	for (unsigned cpu = 2; cpu <= 4; cpu++)
		dpv_cpuset_set(&c.signaling, cpu);
	cr_assert_eq(dpv_lcore_plan(&c, plan, DPV_MAX_WORKERS, why, sizeof(why)), 6);
	for (unsigned i = 0; i < 6; i++) {
		cr_expect_eq(plan[i].lcore_id, want[i][0], "worker %u", i);
		cr_expect_eq(plan[i].cpu, want[i][1], "worker %u", i);
		cr_expect_eq(plan[i].roles, want[i][2], "worker %u", i);
	}
	cr_assert_eq(dpv_lcore_plan(&c, plan, 5, why, sizeof(why)), -1);
	cr_expect_str_eq(why, "more than 5 worker threads");
	/* a shared CPU 127 would need lcore id 128: DPDK has 0..RTE_MAX_LCORE-1 */
	memset(&c.media, 0, sizeof(c.media));
	memset(&c.signaling, 0, sizeof(c.signaling));
	dpv_cpuset_set(&c.media, RTE_MAX_LCORE - 1);
	dpv_cpuset_set(&c.signaling, RTE_MAX_LCORE - 1);
	cr_assert_eq(dpv_lcore_plan(&c, plan, DPV_MAX_WORKERS, why, sizeof(why)), -1);
	cr_expect_str_eq(why, "CPU 127 needs an lcore id of 128 or more, DPDK has 128 lcore ids");
}

Test(config, shared_cpu_unknown_mode)
{
	expect_errors("bad_shared_cpu.conf",
	              "8: [cpu] shared-cpu: 'together' is not a way to share a CPU (loop, threads)",
	              NULL);
}

Test(config, signaling_per_cpu_adds_signaling_lcores_on_the_cpu)
{
	struct dpv_config c = {.main_core = 0, .cpu_threads = true, .sig_per_cpu = 2};
	struct dpv_lcore_slot plan[DPV_MAX_WORKERS];
	char why[128];
	const unsigned want[][3] = {
	    {1, 1, DPV_ROLE_MEDIA},     {3, 1, DPV_ROLE_SIGNALING}, {4, 1, DPV_ROLE_SIGNALING},
	    {2, 2, DPV_ROLE_SIGNALING}, {5, 2, DPV_ROLE_SIGNALING},
	};

	dpv_cpuset_set(&c.media, 1);
	dpv_cpuset_set(&c.signaling, 1);
	dpv_cpuset_set(&c.signaling, 2);
	cr_assert_eq(dpv_lcore_plan(&c, plan, DPV_MAX_WORKERS, why, sizeof(why)), 5, "%s", why);
	for (unsigned i = 0; i < 5; i++) {
		cr_expect_eq(plan[i].lcore_id, want[i][0], "worker %u", i);
		cr_expect_eq(plan[i].cpu, want[i][1], "worker %u", i);
		cr_expect_eq(plan[i].roles, want[i][2], "worker %u", i);
	}
}

Test(config, signaling_per_cpu_needs_threads)
{
	expect_errors("bad_signaling_per_cpu.conf",
	              "8: [cpu] signaling-per-cpu: 2 signaling lcores per CPU need shared-cpu = "
	              "threads",
	              NULL);
}

/* [security]: every key, the allowlist in file order, the scanner compiled by the check. */
Test(config, security_keys)
{
	struct dpv_scanner_scratch *x;

	cr_assert_eq(load("good_security.conf"), 0, "%s", errs);
	cr_assert_eq(cfg.security.flood_rate, 100);
	cr_assert_eq(cfg.security.flood_burst, 20);
	cr_assert_eq(cfg.security.flood_block_s, 30);
	cr_assert_eq(cfg.security.flood_table, 1024);
	cr_assert_eq(cfg.security.nb_allow, 3);
	cr_assert_eq(cfg.security.allow[0].net, 0xc6120000);
	cr_assert_eq(cfg.security.allow[0].mask, 0xffffff00);
	cr_assert_eq(cfg.security.allow[1].net, 0xc6130007);
	cr_assert_eq(cfg.security.allow[1].mask, 0xffffffff);
	cr_assert_eq(cfg.security.allow[2].net, 0);
	cr_assert_eq(cfg.security.allow[2].mask, 0);
	cr_assert_eq(cfg.security.nb_scanners, 2);
	cr_assert_str_eq(cfg.security.scanners[1], "^sipv");
	cr_assert_eq(cfg.security.scanner_line[1], 22);
	cr_assert_not_null(cfg.security.scanner);
	x = dpv_scanner_scratch_alloc(cfg.security.scanner);
	cr_assert_not_null(x);
	cr_expect(dpv_scanner_match(cfg.security.scanner, x, "SIPVicious 0.3", 14));
	cr_expect(!dpv_scanner_match(cfg.security.scanner, x, "my sipv", 7));
	dpv_scanner_scratch_free(x);
}

Test(config, security_defaults_are_off)
{
	cr_assert_eq(load("good_minimal.conf"), 0, "%s", errs);
	cr_assert_eq(cfg.security.flood_rate, 0);
	cr_assert_eq(cfg.security.flood_burst, 50);
	cr_assert_eq(cfg.security.flood_block_s, 60);
	cr_assert_eq(cfg.security.flood_table, 4096);
	cr_assert_eq(cfg.security.nb_allow, 0);
	cr_assert_eq(cfg.security.nb_scanners, 0);
	cr_assert_null(cfg.security.scanner);
}

Test(config, shipped_security)
{
	cr_assert_eq(load("../../../engine/dpvoip.conf"), 0, "%s", errs);
	cr_assert_eq(cfg.security.flood_rate, 500);
	cr_assert_eq(cfg.security.flood_burst, 1000);
	cr_assert_eq(cfg.security.flood_block_s, 60);
	cr_assert_str_eq(cfg.security.scanners[0], "friendly-scanner");
	cr_assert_geq(cfg.security.nb_scanners, 4);
	cr_assert_not_null(cfg.security.scanner);
}

Test(config, security_errors)
{
	expect_errors(
	    "bad_security.conf",
	    "14: [security] flood-rate: 2000000 is out of range (0 or 1..1000000)",
	    "15: [security] flood-burst: 0 is out of range (1..1000000)",
	    "16: [security] flood-block-s: 86401 is out of range (1..86400)",
	    "17: [security] flood-table: 1000 is not a power of two in 256..16777216",
	    "18: [security] allow: '198.18.0.1/24' has bits set outside its /24 prefix",
	    "19: [security] allow: malformed '300.1.2.3': expected A.B.C.D or A.B.C.D/LEN (LEN "
	    "0..32)",
	    "20: [security] allow: malformed '10.0.0.0/33': expected A.B.C.D or A.B.C.D/LEN (LEN "
	    "0..32)",
	    "21: [security] allow: malformed '10.0.0.0/': expected A.B.C.D or A.B.C.D/LEN (LEN "
	    "0..32)",
	    "22: [security] scanner: bad pattern '^(ab': Missing close parenthesis for group "
	    "started at index 1.",
	    "24: [security] scanner: bad pattern 'x**': Invalid repeat at index 2.", NULL);
	/* a bad pattern leaves the engine no scanner to run */
	cr_assert_null(cfg.security.scanner);
	expect_errors("bad_security_off.conf",
	              "13: [security] flood-rate: flood control is off (flood-rate 0 or unset): "
	              "set a rate, or remove the other flood keys and allow lines",
	              NULL);
}
