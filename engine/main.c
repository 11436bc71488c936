/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpvoip: read the startup file, bring up EAL with the CPUs it names, set up
 * ports and workers, launch the worker loops, and serve the control socket
 * and telemetry on the main lcore until SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "engine_int.h"
#include "event_int.h"
#include "lcore_int.h"
#include "media_int.h"
#include "sig_int.h"

#define DPV_MAX_EAL_ARGS 64

struct dpv_engine dpv_eng;

static void
usage(FILE *f)
{
	fprintf(f, "usage: dpvoip -c FILE [--check]\n"
	           "  -c, --config FILE  startup file (INI)\n"
	           "      --check        validate FILE and exit: 0 when valid, 1 with one line per "
	           "problem\n"
	           "  -h, --help         this text\n");
}

static void
on_signal(int sig)
{
	__atomic_store_n(&dpv_eng.quit, true, __ATOMIC_RELAXED);
}

/* The lcore options [cpu] gives: "-l LIST" when every worker runs as the lcore of its own CPU,
 * "--lcores" with lcore@cpu pairs when shared-cpu = threads puts two on one CPU. */
static int
lcore_arg(const struct dpv_config *c, char *out, size_t outlen, bool *pairs)
{
	struct dpv_lcore_slot plan[DPV_MAX_WORKERS];
	char why[128];
	int n = dpv_lcore_plan(c, plan, DPV_MAX_WORKERS, why, sizeof(why));
	size_t len;

	if (n < 0)
		return -1;
	*pairs = c->cpu_threads;
	if (!*pairs) {
		/* every worker runs as the lcore of its CPU here: the plan's ids are CPUs */
		struct dpv_cpuset all = {0};

		dpv_cpuset_set(&all, c->main_core);
		for (int i = 0; i < n; i++)
			dpv_cpuset_set(&all, plan[i].lcore_id);
		dpv_cpuset_format(&all, out, outlen);
		return 0;
	}
	len = (size_t)snprintf(out, outlen, "%u@%u", c->main_core, c->main_core);
	for (int i = 0; i < n && len < outlen; i++)
		len += (size_t)snprintf(out + len, outlen - len, ",%u@%u", plan[i].lcore_id,
		                        plan[i].cpu);
	return len < outlen ? 0 : -1;
}

/* Split the [dpdk] eal string on whitespace (no quoting: EAL values have no spaces) and add the
 * lcore arguments derived from [cpu]. */
static int
eal_args(const struct dpv_config *c, char *buf, size_t buflen, char **argv, char *lcores,
         size_t lcoreslen, char *mainc, size_t mainclen)
{
	int argc = 0;
	char *save = NULL;
	bool pairs;

	if (lcore_arg(c, lcores, lcoreslen, &pairs) < 0)
		return -1;
	snprintf(mainc, mainclen, "%u", c->main_core);
	snprintf(buf, buflen, "%s", c->eal);

	argv[argc++] = "dpvoip";
	for (char *tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (argc >= DPV_MAX_EAL_ARGS - 5)
			return -1;
		argv[argc++] = tok;
	}
	argv[argc++] = pairs ? "--lcores" : "-l";
	argv[argc++] = lcores;
	argv[argc++] = "--main-lcore";
	argv[argc++] = mainc;
	argv[argc] = NULL;
	return argc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dpv_engine *e = &dpv_eng;
	const char *path = NULL;
	bool check = false;
	char ealbuf[sizeof(e->cfg.eal)], lcores[1024], mainc[16];
	char *eargv[DPV_MAX_EAL_ARGS];
	int opt, eargc, problems, rc;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}

	problems = dpv_config_load(path, &e->cfg, stderr);
	if (problems == 0) {
		int est = dpv_config_eal_port_estimate(e->cfg.eal);

		if (est >= 0)
			problems += dpv_config_check_ports(&e->cfg, (unsigned)est, stderr);
	}
	if (check) {
		if (problems == 0) {
			printf("%s: OK\n", path);
			dpv_sig_print_capacity(&e->cfg, stdout);
		}
		dpv_config_free(&e->cfg);
		return problems ? 1 : 0;
	}
	if (problems) {
		dpv_config_free(&e->cfg);
		return 1;
	}

	eargc = eal_args(&e->cfg, ealbuf, sizeof(ealbuf), eargv, lcores, sizeof(lcores), mainc,
	                 sizeof(mainc));
	if (eargc < 0) {
		fprintf(stderr, "%s:%u: [dpdk] eal: too many arguments\n", path, e->cfg.eal_line);
		dpv_config_free(&e->cfg);
		return 1;
	}
	rc = rte_eal_init(eargc, eargv);
	if (rc < 0) {
		fprintf(stderr, "%s:%u: [dpdk] eal: EAL initialisation failed: %s\n", path,
		        e->cfg.eal_line, rte_strerror(rte_errno));
		dpv_config_free(&e->cfg);
		return 1;
	}
	rc = rte_log_register_type_and_pick_level("dpvoip", RTE_LOG_INFO);
	if (rc >= 0)
		dpv_logtype = rc;
	e->start_tsc = rte_rdtsc();

	rcu_register_thread();
	if (dpv_config_check_ports(&e->cfg, rte_eth_dev_count_avail(), stderr) ||
	    dpv_runtime_init(e, stderr) < 0 || dpv_sig_init(e, stderr) < 0 ||
	    dpv_media_init(e, stderr) < 0 || dpv_ng_init(e, stderr) < 0) {
		rte_eal_cleanup();
		dpv_config_free(&e->cfg);
		return 1;
	}
	rc = dpv_event_init(e, DPV_EVENT_QUEUE);
	if (rc < 0) {
		fprintf(stderr, "%s: cannot allocate the event queue (%u events): %s\n", path,
		        DPV_EVENT_QUEUE, strerror(-rc));
		rte_eal_cleanup();
		dpv_config_free(&e->cfg);
		return 1;
	}
	dpv_sig_ctl_register();
	dpv_security_ctl_register();

	rc = dpv_ctl_open(e, e->cfg.ctl_socket);
	if (rc < 0) {
		fprintf(stderr, "%s: [control] socket: cannot open %s: %s\n", path,
		        e->cfg.ctl_socket, strerror(-rc));
		dpv_event_fini(e);
		dpv_ng_fini(e);
		dpv_media_fini(e);
		dpv_sig_fini(e);
		dpv_runtime_fini(e);
		rte_eal_cleanup();
		dpv_config_free(&e->cfg);
		return 1;
	}
	if (dpv_telemetry_init(e) < 0)
		DPV_LOG(WARNING, "telemetry commands not registered");

	{
		/* Everything the lcores will write exists now: page it in (lib/prefault.c), so that
		 * no call or packet pays the kernel's first-touch fault in its first 64*T1. */
		uint64_t t = rte_rdtsc();
		size_t b = dpv_prefault();

		DPV_LOG(INFO, "%zu MiB of pools paged in in %.2f s", b >> 20,
		        (double)(rte_rdtsc() - t) / (double)rte_get_tsc_hz());
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	for (unsigned i = 0; i < e->nb_workers; i++) {
		struct dpv_worker *w = &e->workers[i];

		rc = rte_eal_remote_launch(dpv_worker_main, w, w->lcore_id);
		if (rc < 0) {
			fprintf(stderr, "cannot launch worker on lcore %u: %s\n", w->lcore_id,
			        strerror(-rc));
			e->quit = true;
			break;
		}
		DPV_LOG(INFO, "worker on lcore %u (CPU %u): %s%s", w->lcore_id, w->cpu,
		        (w->roles & DPV_ROLE_MEDIA) ? "media " : "",
		        (w->roles & DPV_ROLE_SIGNALING) ? "signaling" : "");
	}
	printf("dpvoip: running, %u workers, %u ports, control socket %s\n", e->nb_workers,
	       e->nb_ports, e->cfg.ctl_socket);
	fflush(stdout);

	rcu_thread_offline();
	while (!__atomic_load_n(&e->quit, __ATOMIC_RELAXED)) {
		/* Offline while blocked in poll so workers' grace periods do not wait on us. */
		dpv_ctl_poll(e, 100);
		dpv_ng_poll(e);
		dpv_port_watch(e);
	}
	rcu_thread_online();

	DPV_LOG(INFO, "shutting down");
	rte_eal_mp_wait_lcore();
	dpv_ctl_close();
	dpv_event_fini(e);
	dpv_ng_fini(e);
	dpv_media_fini(e);
	dpv_sig_fini(e);
	rcu_unregister_thread();
	dpv_runtime_fini(e);
	rte_eal_cleanup();
	dpv_config_free(&e->cfg); /* after dpv_sig_fini: the UAs used its dialplan */
	return 0;
}
