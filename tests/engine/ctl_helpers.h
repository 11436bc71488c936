/* SPDX-License-Identifier: BSD-3-Clause */
/* Test helpers for the control socket: a fake engine and a client driven by dpv_ctl_poll. */
#ifndef DPV_TEST_CTL_HELPERS_H
#define DPV_TEST_CTL_HELPERS_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "engine_int.h"

/* Upper bound on poll rounds while waiting for something that should take one or two. */
#define POLL_ROUNDS 500

static struct dpv_engine eng;
static char tmpdir[64];
static char sock_path[108];

/* A worker on lcore 3 (media+signaling) and one on lcore 4 (signaling), one port. */
static inline void
fake_engine(void)
{
	memset(&eng, 0, sizeof(eng));
	eng.nb_workers = 2;
	eng.workers[0] = (struct dpv_worker){.lcore_id = 3,
	                                     .cpu = 3,
	                                     .roles = DPV_ROLE_MEDIA | DPV_ROLE_SIGNALING,
	                                     .sig_index = 0,
	                                     .rxq = 0,
	                                     .txq = 1};
	eng.workers[1] = (struct dpv_worker){
	    .lcore_id = 4, .cpu = 4, .roles = DPV_ROLE_SIGNALING, .sig_index = 1, .txq = 2};
	eng.workers[0].lc[DPV_LC_iter_busy] = 5;
	eng.workers[0].lc[DPV_LC_sip_steered] = 7;
	eng.workers[1].lc[DPV_LC_sig_dequeued] = 7;
	eng.workers[0].pc[5][DPV_C_rx] = 10;
	eng.workers[1].pc[5][DPV_C_rx] = 5;
	eng.workers[0].pc[5][DPV_C_drop_ip_cksum] = 2;
	eng.workers[1].pc[5][DPV_C_drop_ip_cksum] = 3;
	eng.workers[1].pc[5][DPV_C_drop_udp_port] = 1;
	/* Counters are indexed by DPDK port id: those of a port not in the engine do not count. */
	eng.workers[0].pc[1][DPV_C_drop_ipv6] = 100;
	eng.nb_ports = 1;
	/* Port 5 is not a DPDK port (no EAL here), so there is no "eth" member. */
	eng.ports[0].port_id = 5;
	strcpy(eng.ports[0].name, "net_test0");
	eng.ports[0].net.mac = (struct rte_ether_addr){{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01}};
	eng.ports[0].net.addr = (198u << 24) | (18u << 16) | 1;
	eng.ports[0].net.netmask = 0xffffff00u;
}

static inline void
make_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/dpvctl-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(sock_path, sizeof(sock_path), "%s/run/dpvoip/ctl.sock", tmpdir);
}

static inline void
rm_tmpdir(void)
{
	char cmd[128];

	dpv_ctl_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

struct tclient {
	int fd;
	char buf[1 << 18];
	size_t len;
};

static inline struct tclient *
tconnect(const char *path)
{
	struct tclient *c = calloc(1, sizeof(*c));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	cr_assert_not_null(c);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(c->fd, 0);
	cr_assert_eq(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
	             strerror(errno));
	return c;
}

static inline void
tclose(struct tclient *c)
{
	close(c->fd);
	free(c);
}

static inline void
tsend(struct tclient *c, const char *s, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t w = send(c->fd, s + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* The engine drains the socket only when polled. */
			dpv_ctl_poll(&eng, 10);
			continue;
		}
		cr_assert_gt(w, 0, "send: %s", strerror(errno));
		off += w;
	}
}

static inline void
tsends(struct tclient *c, const char *s)
{
	tsend(c, s, strlen(s));
}

/* Pull whatever has arrived; returns false at EOF. */
static inline bool
tpull(struct tclient *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);

	if (n > 0)
		c->len += n;
	return n != 0;
}

/* Next reply line (malloc'd, without the newline); polls the engine until it arrives. */
static inline char *
tline(struct tclient *c)
{
	for (int i = 0; i < POLL_ROUNDS; i++) {
		char *nl = memchr(c->buf, '\n', c->len);

		if (nl != NULL) {
			size_t n = nl - c->buf;
			char *s = strndup(c->buf, n);

			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return s;
		}
		dpv_ctl_poll(&eng, 10);
		if (!tpull(c))
			cr_assert_fail("connection closed before a reply line (have %zu bytes)",
			               c->len);
	}
	cr_assert_fail("no reply line after %d poll rounds", POLL_ROUNDS);
	return NULL;
}

/* Assert the next reply line equals @a want exactly. */
#define cr_expect_line(c, want)                                                                    \
	do {                                                                                       \
		char *got_ = tline(c);                                                             \
		cr_expect_str_eq(got_, want);                                                      \
		free(got_);                                                                        \
	} while (0)

#endif
