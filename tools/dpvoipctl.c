/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpvoipctl: drive a running dpvoip engine over its control socket.
 *
 *   dpvoipctl [-s SOCKET] [--json] COMMAND [ARGS] [--name VALUE ...]
 *
 * Sends one JSON request line and prints the one reply line, as a table or
 * raw (--json). `subscribe` prints the event lines that follow the reply, one
 * per line, until interrupted or, with --count N, after N events. Exit status: 0 ok, 1 the engine
 * answered {"ok":false}, 2 a usage, connection or protocol problem.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define DEFAULT_SOCKET   "/run/dpvoip/dpvoip.sock"
#define REPLY_TIMEOUT_MS 5000
#define MAX_REPLY        (64 << 20)

static const char *prog = "dpvoipctl";

/* "dpvoipctl: <message>" on stderr. */
static void
vcomplain(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn)) usage(const char *fmt, ...)
{
	if (fmt != NULL) {
		va_list ap;

		va_start(ap, fmt);
		vcomplain(fmt, ap);
		va_end(ap);
	}
	fprintf(stderr,
	        "usage: %s [-s SOCKET] [--json] COMMAND [ARGS] [--name VALUE ...]\n"
	        "  -s SOCKET  control socket (default: $DPVOIPCTL_SOCKET or " DEFAULT_SOCKET ")\n"
	        "  --json     print the raw JSON reply\n"
	        "  commands:  stats, help, sessions, bridges, bridge create|destroy NAME,\n"
	        "             bridge add|remove NAME SESSION, call originate URI [--bridge NAME],\n"
	        "             call hangup SESSION, subscribe [--count N], security\n"
	        "             (`%s help` asks the engine for its list)\n",
	        prog, prog);
	exit(2);
}

static void __attribute__((noreturn)) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcomplain(fmt, ap);
	va_end(ap);
	exit(2);
}

/* ---- request and transport ---- */

static json_t *
build_request(int argc, char **argv)
{
	json_t *req = json_object();
	json_t *args = json_array();
	char cmd[256];
	int i = 0;

	if (strcmp(argv[0], "bridge") == 0 || strcmp(argv[0], "call") == 0) {
		if (argc < 2 || strncmp(argv[1], "--", 2) == 0)
			usage("\"%s\" needs a subcommand", argv[0]);
		snprintf(cmd, sizeof(cmd), "%s %s", argv[0], argv[1]);
		i = 2;
	} else {
		snprintf(cmd, sizeof(cmd), "%s", argv[0]);
		i = 1;
	}
	json_object_set_new(req, "cmd", json_string(cmd));
	for (; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0') {
			const char *name = argv[i] + 2;

			if (i + 1 >= argc)
				usage("option --%s needs a value", name);
			if (strcmp(name, "cmd") == 0 || strcmp(name, "args") == 0)
				usage("option --%s is reserved", name);
			json_t *val = json_string(argv[i + 1]);
			if (val == NULL)
				usage("value of --%s is not valid UTF-8", name);
			json_object_set_new(req, name, val);
			i++;
		} else {
			json_t *s = json_string(argv[i]);

			if (s == NULL)
				usage("argument \"%s\" is not valid UTF-8", argv[i]);
			json_array_append_new(args, s);
		}
	}
	if (json_array_size(args) > 0)
		json_object_set_new(req, "args", args);
	else
		json_decref(args);
	return req;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection to the engine and what it has sent that is not yet a line. */
struct conn {
	const char *path;
	int fd;
	char *buf;
	size_t cap, have;
};

/* Connect to @a path and send @a line. */
static void
conn_open(struct conn *c, const char *path, const char *line)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(line), off = 0;

	*c = (struct conn){.path = path, .cap = 4096};
	if (strlen(path) >= sizeof(sa.sun_path))
		fail("socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		fail("socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail("cannot connect to %s: %s (is the engine running?)", path, strerror(errno));
	while (off < len) {
		ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("sending to %s: %s", path, strerror(errno));
		off += n;
	}
	c->buf = malloc(c->cap);
	if (c->buf == NULL)
		fail("out of memory");
}

/*
 * The next line from the engine (without its newline), malloc'd; waits at most @a timeout_ms
 * (-1: for ever). NULL when the engine closed the connection before a complete line.
 */
static char *
conn_line(struct conn *c, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->have);

		if (nl != NULL) {
			size_t n = (size_t)(nl - c->buf);
			char *line = malloc(n + 1);

			if (line == NULL)
				fail("out of memory");
			memcpy(line, c->buf, n);
			line[n] = '\0';
			memmove(c->buf, nl + 1, c->have - n - 1);
			c->have -= n + 1;
			return line;
		}
		int64_t left = timeout_ms < 0 ? -1 : deadline - now_ms();
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		if (timeout_ms >= 0 && left <= 0)
			fail("no reply from %s within %d s", c->path, timeout_ms / 1000);
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("poll: %s", strerror(errno));
		if (r == 0)
			continue;
		if (c->have == c->cap) {
			if (c->cap >= MAX_REPLY)
				fail("reply from %s is too long", c->path);
			c->cap *= 2;
			char *nb = realloc(c->buf, c->cap);
			if (nb == NULL)
				fail("out of memory");
			c->buf = nb;
		}
		ssize_t n = recv(c->fd, c->buf + c->have, c->cap - c->have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("reading from %s: %s", c->path, strerror(errno));
		if (n == 0)
			return NULL;
		c->have += n;
	}
}

static void
conn_close(struct conn *c)
{
	close(c->fd);
	free(c->buf);
}

/* Send @a line and return the reply line (without its newline), malloc'd. */
static char *
transact(const char *path, const char *line)
{
	struct conn c;
	char *reply;

	conn_open(&c, path, line);
	reply = conn_line(&c, REPLY_TIMEOUT_MS);
	if (reply == NULL)
		fail("%s closed the connection without a complete reply", path);
	conn_close(&c);
	return reply;
}

/* ---- tables ---- */

struct table {
	unsigned ncols, nrows, cap;
	char **cells; /* row-major, row 0 is the header */
};

static void
table_init(struct table *t, unsigned ncols)
{
	*t = (struct table){.ncols = ncols};
}

static void
table_add(struct table *t, char **row)
{
	if ((t->nrows + 1) * t->ncols > t->cap) {
		t->cap = t->cap ? t->cap * 2 : t->ncols * 16;
		while (t->cap < (t->nrows + 1) * t->ncols)
			t->cap *= 2;
		t->cells = realloc(t->cells, t->cap * sizeof(*t->cells));
		if (t->cells == NULL)
			fail("out of memory");
	}
	memcpy(&t->cells[t->nrows * t->ncols], row, t->ncols * sizeof(*row));
	t->nrows++;
}

/* Print with left-aligned text and right-aligned numbers; frees the cells. */
static void
table_print(struct table *t, const char *indent)
{
	size_t w[t->ncols];
	bool num[t->ncols];

	for (unsigned c = 0; c < t->ncols; c++) {
		w[c] = 0;
		num[c] = t->nrows > 1;
		for (unsigned r = 0; r < t->nrows; r++) {
			const char *s = t->cells[r * t->ncols + c];

			if (strlen(s) > w[c])
				w[c] = strlen(s);
			if (r > 0 && (s[0] == '\0' || strspn(s, "0123456789-") != strlen(s)))
				num[c] = false;
		}
	}
	for (unsigned r = 0; r < t->nrows; r++) {
		fputs(indent, stdout);
		for (unsigned c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			bool last = c + 1 == t->ncols;

			if (num[c])
				printf("%*s", (int)w[c], s);
			else
				printf("%-*s", last ? 0 : (int)w[c], s);
			if (!last)
				fputs("  ", stdout);
			free(t->cells[r * t->ncols + c]);
		}
		fputc('\n', stdout);
	}
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* A JSON value as one table cell (malloc'd). */
static char *
cell(const json_t *v)
{
	char *s = NULL;

	if (v == NULL || json_is_null(v))
		return strdup("-");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v)) {
		if (asprintf(&s, "%lld", (long long)json_integer_value(v)) < 0)
			fail("out of memory");
		return s;
	}
	if (json_is_real(v)) {
		if (asprintf(&s, "%g", json_real_value(v)) < 0)
			fail("out of memory");
		return s;
	}
	if (json_is_boolean(v))
		return strdup(json_is_true(v) ? "yes" : "no");
	if (json_is_array(v)) {
		size_t i, len = 1;
		json_t *x;

		for (i = 0;
		     i < json_array_size((json_t *)v) && (x = json_array_get((json_t *)v, i));
		     i++) {
			char *c = cell(x);
			len += strlen(c) + 1;
			s = realloc(s, len);
			if (s == NULL)
				fail("out of memory");
			if (i == 0)
				s[0] = '\0';
			else
				strcat(s, ",");
			strcat(s, c);
			free(c);
		}
		return s ? s : strdup("-");
	}
	return json_dumps(v, JSON_COMPACT);
}

/* Array of objects: one column per key, in the order keys first appear. */
static void
print_object_array(const json_t *arr, const char *indent)
{
	json_t *keys = json_array();
	struct table t;
	size_t i, k;
	json_t *o, *key;
	const char *name;
	json_t *v;

	for (i = 0; i < json_array_size((json_t *)arr) && (o = json_array_get((json_t *)arr, i));
	     i++) {
		for (void *it_ = json_object_iter(o);
		     it_ && (name = json_object_iter_key(it_), v = json_object_iter_value(it_));
		     it_ = json_object_iter_next(o, it_)) {
			bool seen = false;

			for (k = 0; k < json_array_size(keys) && (key = json_array_get(keys, k));
			     k++) {
				if (strcmp(json_string_value(key), name) == 0)
					seen = true;
			}
			if (!seen)
				json_array_append_new(keys, json_string(name));
		}
	}
	unsigned n = json_array_size(keys);
	if (n == 0) {
		json_decref(keys);
		return;
	}
	char *row[n];
	table_init(&t, n);
	for (k = 0; k < json_array_size(keys) && (key = json_array_get(keys, k)); k++) {
		row[k] = strdup(json_string_value(key));
	}
	table_add(&t, row);
	for (i = 0; i < json_array_size((json_t *)arr) && (o = json_array_get((json_t *)arr, i));
	     i++) {
		for (k = 0; k < json_array_size(keys) && (key = json_array_get(keys, k)); k++) {
			row[k] = cell(json_object_get(o, json_string_value(key)));
		}
		table_add(&t, row);
	}
	table_print(&t, indent);
	json_decref(keys);
}

static bool
is_object_array(const json_t *v)
{
	size_t i;
	json_t *x;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	for (i = 0; i < json_array_size((json_t *)v) && (x = json_array_get((json_t *)v, i)); i++) {
		if (!json_is_object(x))
			return false;
	}
	return true;
}

/* Members of an object as "key  value" lines; nested arrays of objects become tables. */
static void
print_generic(const json_t *o, const char *indent)
{
	struct table t;
	const char *k;
	json_t *v;
	char *row[2];

	table_init(&t, 2);
	for (void *it_ = json_object_iter((json_t *)o);
	     it_ && (k = json_object_iter_key(it_), v = json_object_iter_value(it_));
	     it_ = json_object_iter_next((json_t *)o, it_)) {
		if (strcmp(k, "ok") == 0 || is_object_array(v))
			continue;
		if (json_is_object(v) && json_object_size(v) > 0)
			continue;
		row[0] = strdup(k);
		row[1] = cell(v);
		table_add(&t, row);
	}
	table_print(&t, indent);
	for (void *it_ = json_object_iter((json_t *)o);
	     it_ && (k = json_object_iter_key(it_), v = json_object_iter_value(it_));
	     it_ = json_object_iter_next((json_t *)o, it_)) {
		if (strcmp(k, "ok") == 0)
			continue;
		if (is_object_array(v)) {
			printf("%s%s:\n", indent, k);
			print_object_array(v, "  ");
		} else if (json_is_object(v) && json_object_size(v) > 0) {
			printf("%s%s:\n", indent, k);
			print_generic(v, "  ");
		}
	}
}

/* ---- stats ---- */

/* One column per lcore, one row per member (nested objects flattened as "sip.rx_requests"): stays
 * narrow however many counters there are. Rows follow the order members first appear in. */
struct lcore_row {
	const char *key, *sub;
};

static void
lcore_row_add(struct lcore_row *rows, unsigned *n, unsigned cap, const char *key, const char *sub)
{
	for (unsigned i = 0; i < *n; i++)
		if (strcmp(rows[i].key, key) == 0 &&
		    (sub == NULL ? rows[i].sub == NULL
		                 : rows[i].sub && strcmp(rows[i].sub, sub) == 0))
			return;
	if (*n < cap)
		rows[(*n)++] = (struct lcore_row){key, sub};
}

static void
print_lcores(const json_t *lcores)
{
	size_t n = json_array_size(lcores), i;
	struct lcore_row rows[512];
	unsigned nrows = 0;
	struct table t;
	const char *k, *k2;
	json_t *v, *v2;
	char *row[n + 1];

	for (i = 0; i < n; i++) {
		json_object_foreach(json_array_get(lcores, i), k, v)
		{
			if (strcmp(k, "lcore") == 0)
				continue;
			if (!json_is_object(v)) {
				lcore_row_add(rows, &nrows,
				              (unsigned)(sizeof(rows) / sizeof(rows[0])), k, NULL);
				continue;
			}
			json_object_foreach(v, k2, v2)
			{
				lcore_row_add(rows, &nrows,
				              (unsigned)(sizeof(rows) / sizeof(rows[0])), k, k2);
			}
		}
	}
	table_init(&t, (unsigned)n + 1);
	row[0] = strdup("");
	for (i = 0; i < n; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "lcore %lld",
		         (long long)json_integer_value(
		             json_object_get(json_array_get(lcores, i), "lcore")));
		row[i + 1] = strdup(buf);
	}
	table_add(&t, row);
	for (unsigned r = 0; r < nrows; r++) {
		if (rows[r].sub == NULL) {
			row[0] = strdup(rows[r].key);
		} else if (asprintf(&row[0], "%s.%s", rows[r].key, rows[r].sub) < 0) {
			fail("out of memory");
		}
		for (i = 0; i < n; i++) {
			const json_t *m = json_object_get(json_array_get(lcores, i), rows[r].key);

			row[i + 1] = cell(rows[r].sub ? json_object_get(m, rows[r].sub) : m);
		}
		table_add(&t, row);
	}
	table_print(&t, "  ");
}

static void
print_stats(const json_t *st)
{
	const json_t *eng = json_object_get(st, "engine");
	const json_t *lcores = json_object_get(st, "lcores");
	const json_t *ports = json_object_get(st, "ports");
	const json_t *drops = json_object_get(st, "drops");
	struct table t;
	char *row[3];
	size_t i;
	json_t *p, *v;
	const char *k;

	printf("engine: uptime %llds, %lld workers, %lld ports, tsc %lld Hz\n",
	       (long long)json_integer_value(json_object_get(eng, "uptime_s")),
	       (long long)json_integer_value(json_object_get(eng, "workers")),
	       (long long)json_integer_value(json_object_get(eng, "ports")),
	       (long long)json_integer_value(json_object_get(eng, "hz")));
	printf("        %lld sessions, %lld bridges, events %lld posted %lld dropped, %lld "
	       "subscribers (%lld dropped)\n",
	       (long long)json_integer_value(json_object_get(eng, "sessions")),
	       (long long)json_integer_value(json_object_get(eng, "bridges")),
	       (long long)json_integer_value(json_object_get(eng, "events_posted")),
	       (long long)json_integer_value(json_object_get(eng, "events_dropped")),
	       (long long)json_integer_value(json_object_get(eng, "subscribers")),
	       (long long)json_integer_value(json_object_get(eng, "subscribers_dropped")));

	if (is_object_array(lcores)) {
		printf("\nlcores:\n");
		print_lcores(lcores);
	}

	for (i = 0;
	     i < json_array_size((json_t *)ports) && (p = json_array_get((json_t *)ports, i));
	     i++) {
		char *name = cell(json_object_get(p, "name"));
		char *mac = cell(json_object_get(p, "mac"));
		char *addr = cell(json_object_get(p, "address"));

		printf("\nport %lld %s  %s  %s\n",
		       (long long)json_integer_value(json_object_get(p, "port")), name, mac, addr);
		free(name);
		free(mac);
		free(addr);
		table_init(&t, 3);
		row[0] = strdup("counter");
		row[1] = strdup("value");
		row[2] = strdup("source");
		table_add(&t, row);
		static const char *const groups[] = {"counters", "eth"};
		for (unsigned g = 0; g < 2; g++) {
			for (void *it_ = json_object_iter(json_object_get(p, groups[g]));
			     it_ &&
			     (k = json_object_iter_key(it_), v = json_object_iter_value(it_));
			     it_ = json_object_iter_next(json_object_get(p, groups[g]), it_)) {
				if (!json_is_integer(v) || json_integer_value(v) == 0)
					continue;
				row[0] = strdup(k);
				row[1] = cell(v);
				row[2] = strdup(g == 0 ? "dpvoip" : "ethdev");
				table_add(&t, row);
			}
		}
		if (t.nrows > 1) {
			table_print(&t, "  ");
		} else {
			for (unsigned c = 0; c < 3; c++)
				free(t.cells[c]);
			free(t.cells);
			printf("  (all counters zero)\n");
		}
	}

	table_init(&t, 2);
	row[0] = strdup("cause");
	row[1] = strdup("count");
	table_add(&t, row);
	for (void *it_ = json_object_iter((json_t *)drops);
	     it_ && (k = json_object_iter_key(it_), v = json_object_iter_value(it_));
	     it_ = json_object_iter_next((json_t *)drops, it_)) {
		if (json_integer_value(v) == 0)
			continue;
		row[0] = strdup(k);
		row[1] = cell(v);
		table_add(&t, row);
	}
	if (t.nrows > 1) {
		printf("\ndrops:\n");
		table_print(&t, "  ");
	} else {
		free(t.cells[0]);
		free(t.cells[1]);
		free(t.cells);
		printf("\ndrops: none\n");
	}
}

/* ---- sessions, bridges ---- */

/* One row per object of @a arr with the columns @a cols (header @a heads); "" and missing
 * members print as "-". */
static void
print_columns(const json_t *arr, const char *const *cols, const char *const *heads, unsigned n,
              const char *indent)
{
	struct table t;
	char *row[n];
	size_t i;
	json_t *o;

	table_init(&t, n);
	for (unsigned k = 0; k < n; k++)
		row[k] = strdup(heads[k]);
	table_add(&t, row);
	for (i = 0; i < json_array_size((json_t *)arr) && (o = json_array_get((json_t *)arr, i));
	     i++) {
		for (unsigned k = 0; k < n; k++) {
			const json_t *v = json_object_get(o, cols[k]);

			row[k] =
			    json_is_string(v) && json_string_length(v) == 0 ? strdup("-") : cell(v);
		}
		table_add(&t, row);
	}
	table_print(&t, indent);
}

static void
print_sessions(const json_t *arr)
{
	static const char *const cols[] = {
	    "id",      "state",   "direction", "peer",    "action", "bridge", "remote_media",
	    "latched", "rx_pkts", "tx_pkts",   "rx_lost", "jitter", "age_ms"};
	static const char *const heads[] = {"id",     "state",  "dir",     "peer",    "action",
	                                    "bridge", "remote", "latched", "rx_pkts", "tx_pkts",
	                                    "lost",   "jitter", "age_ms"};

	if (json_array_size(arr) == 0) {
		printf("no sessions\n");
		return;
	}
	print_columns(arr, cols, heads, sizeof(cols) / sizeof(cols[0]), "");
}

static void
print_security(const json_t *o)
{
	static const char *const cols[] = {"source", "lcore", "dropped", "seconds_left"};
	static const char *const heads[] = {"source", "lcore", "dropped", "seconds_left"};
	const json_t *arr = json_object_get(o, "blocked");
	long long rate = (long long)json_integer_value(json_object_get(o, "flood_rate"));

	if (rate == 0)
		printf("flood control off");
	else
		printf("flood control %lld requests/s per source, burst %lld, block %lld s", rate,
		       (long long)json_integer_value(json_object_get(o, "flood_burst")),
		       (long long)json_integer_value(json_object_get(o, "flood_block_s")));
	printf("; %lld scanner patterns\n",
	       (long long)json_integer_value(json_object_get(o, "scanner_patterns")));
	printf("blocks %lld, flood drops %lld, untracked %lld, scanner drops %lld\n",
	       (long long)json_integer_value(json_object_get(o, "flood_blocks")),
	       (long long)json_integer_value(json_object_get(o, "flood_dropped")),
	       (long long)json_integer_value(json_object_get(o, "flood_untracked")),
	       (long long)json_integer_value(json_object_get(o, "scanner_dropped")));
	if (json_array_size(arr) == 0) {
		printf("no source blocked\n");
		return;
	}
	print_columns(arr, cols, heads, sizeof(cols) / sizeof(cols[0]), "");
}

static void
print_bridges(const json_t *arr)
{
	static const char *const cols[] = {"session", "direction",  "remote_media",
	                                   "latched", "local_port", "rx_pkts",
	                                   "tx_pkts", "rx_lost",    "jitter"};
	static const char *const heads[] = {"session", "dir",     "remote", "latched", "port",
	                                    "rx_pkts", "tx_pkts", "lost",   "jitter"};
	size_t i;
	json_t *b;

	if (json_array_size(arr) == 0) {
		printf("no bridges\n");
		return;
	}
	for (i = 0; i < json_array_size((json_t *)arr) && (b = json_array_get((json_t *)arr, i));
	     i++) {
		const json_t *ms = json_object_get(b, "members");
		long long n = (long long)json_integer_value(json_object_get(b, "count"));

		printf("%sbridge %s (%s), %lld member%s\n", i ? "\n" : "",
		       json_string_value(json_object_get(b, "name")),
		       json_string_value(json_object_get(b, "origin")), n, n == 1 ? "" : "s");
		if (json_array_size(ms) > 0)
			print_columns(ms, cols, heads, sizeof(cols) / sizeof(cols[0]), "  ");
	}
}

/* One event line, readable: its name, then key=value for the other members. */
static void
print_event(const char *line)
{
	json_t *ev = json_loads(line, 0, NULL);
	const char *k;
	json_t *v;

	if (!json_is_object(ev)) {
		printf("%s\n", line);
		json_decref(ev);
		return;
	}
	fputs(json_string_value(json_object_get(ev, "event")) ?: "?", stdout);
	json_object_foreach(ev, k, v)
	{
		char *c;

		if (strcmp(k, "event") == 0)
			continue;
		c = cell(v);
		printf(" %s=%s", k, c);
		free(c);
	}
	fputc('\n', stdout);
	json_decref(ev);
}

/* `subscribe`: the reply, then events until @a count of them (0: until the engine closes or
 * the user interrupts). */
static int
subscribe(const char *path, const char *line, bool raw, unsigned long count)
{
	struct conn c;
	char *reply;
	json_t *r;
	unsigned long seen = 0;

	conn_open(&c, path, line);
	reply = conn_line(&c, REPLY_TIMEOUT_MS);
	if (reply == NULL)
		fail("%s closed the connection without a complete reply", path);
	r = json_loads(reply, 0, NULL);
	if (!json_is_object(r))
		fail("malformed reply from %s", path);
	if (!json_is_true(json_object_get(r, "ok"))) {
		const char *err = json_string_value(json_object_get(r, "error"));

		if (raw)
			printf("%s\n", reply);
		fprintf(stderr, "%s: error: %s\n", prog, err ? err : "(no message)");
		json_decref(r);
		free(reply);
		conn_close(&c);
		return 1;
	}
	if (raw)
		printf("%s\n", reply);
	fflush(stdout);
	json_decref(r);
	free(reply);
	while (count == 0 || seen < count) {
		char *ev = conn_line(&c, -1);

		if (ev == NULL)
			fail("%s closed the subscription", path);
		if (raw)
			printf("%s\n", ev);
		else
			print_event(ev);
		fflush(stdout);
		free(ev);
		seen++;
	}
	conn_close(&c);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = getenv("DPVOIPCTL_SOCKET");
	bool raw = false;
	int i;

	if (path == NULL || path[0] == '\0')
		path = DEFAULT_SOCKET;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--socket") == 0) {
			if (i + 1 >= argc)
				usage("%s needs a socket path", argv[i]);
			path = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0) {
			raw = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(NULL);
		} else if (argv[i][0] == '-') {
			usage("unknown option %s", argv[i]);
		} else {
			break;
		}
	}
	if (i >= argc)
		usage("no command given");

	/* --json is also accepted after the command, where it takes no value. */
	char **words = calloc(argc, sizeof(*words));
	int nw = 0;
	if (words == NULL)
		fail("out of memory");
	unsigned long count = 0;
	bool is_sub = strcmp(argv[i], "subscribe") == 0;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			raw = true;
		} else if (is_sub && strcmp(argv[i], "--count") == 0) {
			char *end;

			if (i + 1 >= argc)
				usage("option --count needs a value");
			errno = 0;
			count = strtoul(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || argv[i][0] == '-' || count == 0)
				usage("--count wants a number of events above 0, not \"%s\"",
				      argv[i]);
		} else {
			words[nw++] = argv[i];
		}
	}

	json_t *req = build_request(nw, words);
	char *line = json_dumps(req, JSON_COMPACT);
	char *withnl = NULL;
	if (line == NULL || asprintf(&withnl, "%s\n", line) < 0)
		fail("cannot encode the request");
	if (is_sub) {
		int src = subscribe(path, withnl, raw, count);

		json_decref(req);
		free(withnl);
		free(line);
		free(words);
		return src;
	}
	char *reply_line = transact(path, withnl);

	json_error_t jerr;
	json_t *reply = json_loads(reply_line, 0, &jerr);
	if (reply == NULL || !json_is_object(reply))
		fail("malformed reply from %s: %s", path, reply ? "not an object" : jerr.text);
	const json_t *ok = json_object_get(reply, "ok");
	int rc = json_is_true(ok) ? 0 : 1;

	if (raw)
		printf("%s\n", reply_line);
	if (rc != 0) {
		const char *err = json_string_value(json_object_get(reply, "error"));
		fprintf(stderr, "%s: error: %s\n", prog, err ? err : "(no message)");
	} else if (!raw) {
		const char *cmd = json_string_value(json_object_get(req, "cmd"));
		const json_t *st = json_object_get(reply, "stats");
		const json_t *sessions = json_object_get(reply, "sessions");
		const json_t *bridges = json_object_get(reply, "bridges");

		if (strcmp(cmd, "stats") == 0 && json_is_object(st))
			print_stats(st);
		else if (strcmp(cmd, "sessions") == 0 && json_is_array(sessions))
			print_sessions(sessions);
		else if (strcmp(cmd, "bridges") == 0 && json_is_array(bridges))
			print_bridges(bridges);
		else if (strcmp(cmd, "security") == 0 &&
		         json_is_object(json_object_get(reply, "security")))
			print_security(json_object_get(reply, "security"));
		else
			print_generic(reply, "");
	}
	json_decref(reply);
	json_decref(req);
	free(reply_line);
	free(withnl);
	free(line);
	free(words);
	return rc;
}
