/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket: line-delimited JSON over a Unix stream socket.
 *
 * One request object per line, one reply object per line, in order. The
 * socket is served from the main lcore by dpv_ctl_poll(), single-threaded,
 * so none of the state here is locked. Clients are non-blocking with their
 * own input and output buffers (heap: this is the control plane), which lets
 * a client pipeline requests, split them across writes, or half-close after
 * writing and still get every reply.
 *
 * Commands come from a registration table: each layer registers its own
 * (dpv_ctl_register) and this file only knows `stats`, `help` and `subscribe`.
 *
 * `subscribe` turns a client into a subscriber: after its reply, every event the lcores post
 * (event.c) reaches it as one JSON line, for as long as it stays connected. Each poll drains the
 * event queue and writes to subscribers without blocking; a subscriber whose unsent output
 * passes CTL_SUB_MAX_OUT is disconnected and counted (subscribers_dropped), so a client that
 * stops reading never holds the main lcore or the engine's memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "engine_int.h"
#include "event_int.h"

#define CTL_MAX_CMDS        128
#define CTL_MAX_CLIENTS     64
#define CTL_MAX_LINE        65536      /* bytes in one request line, newline excluded */
#define CTL_MAX_OUT         (16 << 20) /* unread replies before a client is dropped */
#define CTL_READS_PER_POLL  16         /* fairness between clients within one poll */
#define CTL_MAX_SUBSCRIBERS 16
#define CTL_SUB_MAX_OUT     (256 << 10) /* unsent bytes a subscriber may lag behind */
#define CTL_SUB_POLL_MS     10          /* longest wait in poll while someone subscribes */
#define CTL_EVENTS_PER_POLL 4096        /* events taken from the queue in one poll */

struct ctl_client {
	int fd;
	bool eof;     /* peer closed its write side: flush replies, then close */
	bool dead;    /* close at the end of this poll */
	bool discard; /* dropping the rest of an over-long line */
	bool sub;     /* subscribed: events are written to it */
	char *line;
	size_t len, cap;
	char *out;
	size_t out_off, out_len, out_cap;
};

static struct dpv_ctl_cmd ctl_cmds[CTL_MAX_CMDS];
static unsigned ctl_nb_cmds;

static struct {
	int fd;
	struct dpv_engine *e;
	struct ctl_client *cur; /* the client whose request is being served */
	unsigned nb_subs;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_client clients[CTL_MAX_CLIENTS];
	unsigned nb_clients;
} ctl = {.fd = -1};

/* One read chunk; the control socket is single-threaded, so one static buffer serves all. */
static char ctl_rbuf[CTL_MAX_LINE];

static const struct dpv_ctl_cmd *
ctl_find(const char *name)
{
	for (unsigned i = 0; i < ctl_nb_cmds; i++)
		if (strcmp(ctl_cmds[i].name, name) == 0)
			return &ctl_cmds[i];
	return NULL;
}

void
dpv_ctl_register(const struct dpv_ctl_cmd *cmd)
{
	if (cmd == NULL || cmd->name == NULL || cmd->fn == NULL)
		return;
	if (ctl_find(cmd->name) != NULL) {
		DPV_LOG(WARNING, "control command \"%s\" registered twice, keeping the first",
		        cmd->name);
		return;
	}
	if (ctl_nb_cmds == CTL_MAX_CMDS) {
		DPV_LOG(ERR, "control command table full, \"%s\" not registered", cmd->name);
		return;
	}
	ctl_cmds[ctl_nb_cmds++] = *cmd;
}

static void ctl_events(struct dpv_engine *e);

/* ---- built-in commands ---- */

static int
ctl_cmd_stats(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	json_object_set_new(reply, "stats", dpv_stats_json(e));
	return 0;
}

static int
ctl_cmd_help(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	json_t *list = json_array();

	for (unsigned i = 0; i < ctl_nb_cmds; i++)
		json_array_append_new(list,
		                      json_pack("{s:s,s:s}", "command", ctl_cmds[i].name, "help",
		                                ctl_cmds[i].help ? ctl_cmds[i].help : ""));
	json_object_set_new(reply, "commands", list);
	return 0;
}

static int
ctl_cmd_subscribe(struct dpv_engine *e, const json_t *req, json_t *reply, const char **error)
{
	static char msg[64];
	struct ctl_client *c = ctl.cur;

	if (c == NULL) {
		*error = "subscribe needs a control-socket client";
		return -1;
	}
	if (!c->sub) {
		if (ctl.nb_subs == CTL_MAX_SUBSCRIBERS) {
			snprintf(msg, sizeof(msg), "too many subscribers (limit %d)",
			         CTL_MAX_SUBSCRIBERS);
			*error = msg;
			return -1;
		}
		/* what was queued before this request is not this client's to hear */
		ctl_events(e);
		c->sub = true;
		ctl.nb_subs++;
		__atomic_store_n(&e->subscribers, ctl.nb_subs, __ATOMIC_RELAXED);
	}
	json_object_set_new(reply, "subscribed", json_true());
	return 0;
}

static const struct dpv_ctl_cmd ctl_builtin[] = {
    {"help", ctl_cmd_help, "list the commands and what they do"},
    {"stats", ctl_cmd_stats, "engine, per-lcore and per-port counters, drops by cause"},
    {"subscribe", ctl_cmd_subscribe,
     "stream one JSON line per event (sessions, bridges, members) until disconnected"},
};

/* ---- clients: output ---- */

static void
ctl_out(struct ctl_client *c, const char *s, size_t n)
{
	if (c->dead)
		return;
	if (c->out_off > 0 && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + n > c->out_cap && c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;

		while (cap < c->out_len + n)
			cap *= 2;
		/* A client that never reads must not make the engine hold its replies forever. */
		if (cap > CTL_MAX_OUT) {
			c->dead = true;
			return;
		}
		char *p = realloc(c->out, cap);
		if (p == NULL) {
			c->dead = true;
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
}

static void
ctl_reply(struct ctl_client *c, const json_t *reply)
{
	char *s = json_dumps(reply, JSON_COMPACT);

	if (s == NULL) {
		static const char oom[] = "{\"ok\":false,\"error\":\"cannot encode the reply\"}\n";
		ctl_out(c, oom, sizeof(oom) - 1);
		return;
	}
	ctl_out(c, s, strlen(s));
	ctl_out(c, "\n", 1);
	free(s);
}

/* Drop a UTF-8 sequence that snprintf() truncation left incomplete (jansson rejects those). */
static void
utf8_trim(char *s)
{
	size_t n = strlen(s), lead = n;
	unsigned char c;

	while (lead > 0 && n - lead < 4 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	c = (unsigned char)s[--lead];
	size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (n - lead < need)
		s[lead] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
ctl_error(struct ctl_client *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	utf8_trim(msg);
	json_t *r = json_pack("{s:b,s:s}", "ok", 0, "error", msg);
	ctl_reply(c, r);
	json_decref(r);
}

static void
ctl_flush(struct ctl_client *c)
{
	while (!c->dead && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->out_off += n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		} else {
			c->dead = true;
		}
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
}

/* ---- clients: requests ---- */

static bool
ctl_args_valid(const json_t *req)
{
	const json_t *args = json_object_get(req, "args");
	size_t i;
	json_t *a;

	if (args == NULL)
		return true;
	if (!json_is_array(args))
		return false;
	for (i = 0; i < json_array_size(args) && (a = json_array_get(args, i)); i++) {
		if (!json_is_string(a))
			return false;
	}
	return true;
}

static void
ctl_request(struct dpv_engine *e, struct ctl_client *c, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req, *reply;
	const json_t *cmd;
	const struct dpv_ctl_cmd *def;
	const char *error = NULL;
	int rc;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	size_t skip = 0;
	while (skip < len && (line[skip] == ' ' || line[skip] == '\t'))
		skip++;
	/* Blank lines (an interactive user pressing return) get no reply. */
	if (skip == len)
		return;

	req = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		ctl_error(c, "malformed JSON: %s (column %d)", jerr.text, jerr.column);
		return;
	}
	if (!json_is_object(req)) {
		ctl_error(c, "request is not a JSON object");
		goto out;
	}
	cmd = json_object_get(req, "cmd");
	if (cmd == NULL) {
		ctl_error(c, "request has no \"cmd\"");
		goto out;
	}
	if (!json_is_string(cmd)) {
		ctl_error(c, "\"cmd\" must be a string");
		goto out;
	}
	def = ctl_find(json_string_value(cmd));
	if (def == NULL) {
		char name[101];

		snprintf(name, sizeof(name), "%s", json_string_value(cmd));
		utf8_trim(name);
		ctl_error(c, "unknown command \"%s\" (try \"help\")", name);
		goto out;
	}
	if (!ctl_args_valid(req)) {
		ctl_error(c, "\"args\" must be an array of strings");
		goto out;
	}
	reply = json_object();
	json_object_set_new(reply, "ok", json_true());
	ctl.cur = c;
	rc = def->fn(e, req, reply, &error);
	ctl.cur = NULL;
	if (rc == 0)
		ctl_reply(c, reply);
	else
		ctl_error(c, "%s", error ? error : "command failed");
	json_decref(reply);
out:
	json_decref(req);
}

static int
ctl_line_append(struct ctl_client *c, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (c->len + n > c->cap) {
		size_t cap = c->cap ? c->cap : 1024;

		while (cap < c->len + n)
			cap *= 2;
		if (cap > CTL_MAX_LINE)
			cap = CTL_MAX_LINE;
		char *q = realloc(c->line, cap);
		if (q == NULL)
			return -1;
		c->line = q;
		c->cap = cap;
	}
	memcpy(c->line + c->len, p, n);
	c->len += n;
	return 0;
}

/* Split received bytes into lines; each complete line is one request. */
static void
ctl_feed(struct dpv_engine *e, struct ctl_client *c, const char *p, size_t n)
{
	while (n > 0 && !c->dead) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		size_t used = nl ? take + 1 : take;

		if (c->discard) {
			if (nl)
				c->discard = false;
		} else if (c->len + take > CTL_MAX_LINE) {
			ctl_error(c, "request line longer than %d bytes", CTL_MAX_LINE);
			c->len = 0;
			c->discard = nl == NULL;
		} else if (ctl_line_append(c, p, take) < 0) {
			c->dead = true;
		} else if (nl) {
			ctl_request(e, c, c->line, c->len);
			c->len = 0;
		}
		p += used;
		n -= used;
	}
}

static void
ctl_read(struct dpv_engine *e, struct ctl_client *c)
{
	for (int i = 0; i < CTL_READS_PER_POLL && !c->dead && !c->eof; i++) {
		ssize_t n = recv(c->fd, ctl_rbuf, sizeof(ctl_rbuf), MSG_DONTWAIT);

		if (n > 0) {
			ctl_feed(e, c, ctl_rbuf, n);
		} else if (n == 0) {
			/* Half-close: a final request without its newline still counts. */
			c->eof = true;
			if (c->len > 0 && !c->discard)
				ctl_request(e, c, c->line, c->len);
			c->len = 0;
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return;
		} else {
			c->dead = true;
		}
	}
}

static void
ctl_client_free(struct ctl_client *c)
{
	if (c->sub) {
		ctl.nb_subs--;
		if (ctl.e != NULL)
			__atomic_store_n(&ctl.e->subscribers, ctl.nb_subs, __ATOMIC_RELAXED);
	}
	close(c->fd);
	free(c->line);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void
ctl_accept(void)
{
	for (;;) {
		int fd = accept4(ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return; /* EAGAIN, or out of fds: the client waits in the backlog */
		}
		if (ctl.nb_clients == CTL_MAX_CLIENTS) {
			static const char busy[] = "{\"ok\":false,\"error\":\"too many control "
			                           "clients (limit 64), try again later\"}\n";
			/* Best effort: the socket buffer of a fresh connection has room for it. */
			ssize_t r = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)r;
			close(fd);
			continue;
		}
		struct ctl_client *c = &ctl.clients[ctl.nb_clients++];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
	}
}

/* Write the events waiting in the queue to every subscriber, and send what fits now. */
static void
ctl_events(struct dpv_engine *e)
{
	static struct dpv_event evs[256];
	char line[DPV_EVENT_LINE_MAX];
	unsigned got, total = 0;

	do {
		got = dpv_event_drain(e, evs, RTE_DIM(evs));
		for (unsigned k = 0; k < got; k++) {
			size_t len = dpv_event_format(&evs[k], line, sizeof(line));

			for (unsigned i = 0; i < ctl.nb_clients; i++) {
				struct ctl_client *c = &ctl.clients[i];

				if (!c->sub || c->dead)
					continue;
				/* one that lags too far behind is let go, not buffered without end
				 */
				if (c->out_len - c->out_off + len > CTL_SUB_MAX_OUT) {
					c->dead = true;
					e->subscribers_dropped++;
					continue;
				}
				ctl_out(c, line, len);
			}
		}
		total += got;
	} while (got == RTE_DIM(evs) && total < CTL_EVENTS_PER_POLL);
	if (total == 0)
		return;
	for (unsigned i = 0; i < ctl.nb_clients; i++)
		if (ctl.clients[i].sub)
			ctl_flush(&ctl.clients[i]);
}

void
dpv_ctl_poll(struct dpv_engine *e, int timeout_ms)
{
	struct pollfd pfd[2 + CTL_MAX_CLIENTS];
	unsigned n = 0, nb;
	int ready;

	if (ctl.fd < 0)
		return;
	ctl.e = e;
	ctl_events(e);
	if (ctl.nb_subs > 0 && (timeout_ms < 0 || timeout_ms > CTL_SUB_POLL_MS))
		timeout_ms = CTL_SUB_POLL_MS;
	nb = ctl.nb_clients;
	pfd[n++] = (struct pollfd){.fd = ctl.fd, .events = POLLIN};
	/* the [ng] socket wakes the poll too: dpv_ng_poll serves it after this returns */
	pfd[n++] = (struct pollfd){.fd = dpv_ng_fd(), .events = POLLIN};
	for (unsigned i = 0; i < nb; i++) {
		struct ctl_client *c = &ctl.clients[i];
		short ev = 0;

		if (!c->eof)
			ev |= POLLIN;
		if (c->out_off < c->out_len)
			ev |= POLLOUT;
		pfd[n++] = (struct pollfd){.fd = c->fd, .events = ev};
	}
	ready = poll(pfd, n, timeout_ms);
	if (ready < 0)
		return;

	for (unsigned i = 0; i < nb; i++) {
		struct ctl_client *c = &ctl.clients[i];
		short re = pfd[2 + i].revents;

		if (re & (POLLIN | POLLHUP | POLLERR))
			ctl_read(e, c);
		if (re & POLLNVAL)
			c->dead = true;
		ctl_flush(c);
		/* A subscriber that half-closes keeps its stream; one that is gone is let go. */
		if (c->sub ? c->eof && (re & (POLLHUP | POLLERR))
		           : c->eof && c->out_off == c->out_len)
			c->dead = true;
	}
	/* Compact after the loop so pfd indexes stay valid while serving. */
	for (unsigned i = 0; i < ctl.nb_clients;) {
		if (ctl.clients[i].dead) {
			ctl_client_free(&ctl.clients[i]);
			ctl.clients[i] = ctl.clients[--ctl.nb_clients];
		} else {
			i++;
		}
	}
	if (ready > 0 && (pfd[0].revents & POLLIN))
		ctl_accept();
}

/* mkdir -p for the directory part of @a path. */
static int
ctl_mkdirs(const char *path)
{
	char dir[sizeof(ctl.path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;

			*p = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	return 0;
}

/* 0: nothing (or a stale socket, now removed) at @a path; -errno otherwise. */
static int
ctl_clear_path(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	/* Never unlink something that is not a socket: it is not ours to remove. */
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0)
		return -EADDRINUSE; /* another engine is alive and listening there */
	if (errno != ECONNREFUSED && errno != ENOENT)
		return -errno;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int
dpv_ctl_open(struct dpv_engine *e, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = -1, rc;

	if (ctl.fd >= 0)
		return -EBUSY;
	if (path == NULL || path[0] == '\0')
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);

	for (unsigned i = 0; i < RTE_DIM(ctl_builtin); i++)
		if (ctl_find(ctl_builtin[i].name) == NULL)
			dpv_ctl_register(&ctl_builtin[i]);

	rc = ctl_mkdirs(path);
	if (rc < 0)
		goto out;
	rc = ctl_clear_path(&sa);
	if (rc < 0)
		goto out;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto out;
	}
	if (chmod(path, 0660) < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		unlink(path);
		goto out;
	}
	ctl.fd = fd;
	ctl.e = e;
	snprintf(ctl.path, sizeof(ctl.path), "%s", path);
	ctl.nb_clients = 0;
	return 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

void
dpv_ctl_close(void)
{
	for (unsigned i = 0; i < ctl.nb_clients; i++)
		ctl_client_free(&ctl.clients[i]);
	ctl.nb_clients = 0;
	ctl.nb_subs = 0;
	if (ctl.fd >= 0) {
		close(ctl.fd);
		unlink(ctl.path);
	}
	ctl.fd = -1;
	ctl.path[0] = '\0';
}
