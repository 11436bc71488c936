/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpvoipctl: drive a running dpvoip engine over its control socket.
 *
 *   dpvoipctl [-s SOCKET] [--json] COMMAND [ARGS] [--name VALUE ...]
 *
 * Sends one JSON request line and prints the one reply line, as a table or
 * raw (--json). Exit status: 0 ok, 1 the engine answered {"ok":false}, 2 a
 * usage, connection or protocol problem.
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
	        "  commands:  stats, help, sessions, bridges, bridge create NAME, ...,\n"
	        "             call originate URI [--bridge NAME], call hangup SESSION\n"
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

/* Send @a line and return the reply line (without its newline), malloc'd. */
static char *
transact(const char *path, const char *line)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(line), off = 0, cap = 4096, have = 0;
	char *buf;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		fail("socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail("cannot connect to %s: %s (is the engine running?)", path, strerror(errno));
	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("sending to %s: %s", path, strerror(errno));
		off += n;
	}

	int64_t deadline = now_ms() + REPLY_TIMEOUT_MS;
	buf = malloc(cap);
	if (buf == NULL)
		fail("out of memory");
	for (;;) {
		char *nl = memchr(buf, '\n', have);

		if (nl != NULL) {
			*nl = '\0';
			break;
		}
		int64_t left = deadline - now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0)
			fail("no reply from %s within %d s", path, REPLY_TIMEOUT_MS / 1000);
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("poll: %s", strerror(errno));
		if (r == 0)
			continue;
		if (have == cap) {
			if (cap >= MAX_REPLY)
				fail("reply from %s is too long", path);
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (nb == NULL)
				fail("out of memory");
			buf = nb;
		}
		ssize_t n = recv(fd, buf + have, cap - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("reading from %s: %s", path, strerror(errno));
		if (n == 0)
			fail("%s closed the connection without a complete reply", path);
		have += n;
	}
	close(fd);
	return buf;
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
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			raw = true;
		else
			words[nw++] = argv[i];
	}

	json_t *req = build_request(nw, words);
	char *line = json_dumps(req, JSON_COMPACT);
	char *withnl = NULL;
	if (line == NULL || asprintf(&withnl, "%s\n", line) < 0)
		fail("cannot encode the request");
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
		const json_t *st = json_object_get(reply, "stats");
		if (strcmp(json_string_value(json_object_get(req, "cmd")), "stats") == 0 &&
		    json_is_object(st))
			print_stats(st);
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
