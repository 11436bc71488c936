/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NG cookie cache: a proxy that hears nothing within its timeout sends the same datagram
 * again (Kamailio: up to rtpengine_retr times, a second apart), so a request is run once and
 * its retransmissions get the reply that was made for it. An offer run twice would allocate a
 * second pair of ports and hand out a different SDP: the proxy would then relay to ports
 * nobody reads.
 *
 * Keyed by cookie and the address the request came from (two proxies may pick the same
 * cookie). Entries are kept in arrival order, so the oldest expires first and, when the cache
 * is full, the oldest is forgotten to make room: a retransmission comes within seconds, the
 * TTL is far longer. Heap memory: this is the control plane, one entry per request.
 */
#include <stdlib.h>
#include <string.h>

#include "ng_int.h"

struct entry {
	struct entry *hnext;         /* hash chain */
	struct entry *older, *newer; /* arrival order */
	enum ng_cookie_state state;
	uint64_t at_ms;
	uint32_t hash;
	uint32_t key_len, reply_len;
	char *reply;
	char key[]; /* key_len bytes */
};

struct ng_cookie_cache {
	struct entry **buckets;
	uint32_t mask;
	uint32_t count, max;
	uint64_t ttl_ms;
	struct entry *oldest, *newest;
};

struct ng_cookie_cache *
ng_cookie_create(uint32_t max, uint64_t ttl_ms)
{
	struct ng_cookie_cache *c;
	uint32_t n = 16;

	if (max == 0)
		return NULL;
	while (n < max && n < (1u << 30))
		n <<= 1;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->buckets = calloc(n, sizeof(c->buckets[0]));
	if (c->buckets == NULL) {
		free(c);
		return NULL;
	}
	c->mask = n - 1;
	c->max = max;
	c->ttl_ms = ttl_ms;
	return c;
}

static void
unlink_entry(struct ng_cookie_cache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[e->hash & c->mask];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->count--;
	free(e->reply);
	free(e);
}

void
ng_cookie_destroy(struct ng_cookie_cache *c)
{
	if (c == NULL)
		return;
	while (c->oldest)
		unlink_entry(c, c->oldest);
	free(c->buckets);
	free(c);
}

static struct entry *
find(const struct ng_cookie_cache *c, struct dpv_str key, uint32_t h)
{
	for (struct entry *e = c->buckets[h & c->mask]; e != NULL; e = e->hnext) {
		if (e->hash == h && e->key_len == key.len && memcmp(e->key, key.p, key.len) == 0)
			return e;
	}
	return NULL;
}

enum ng_cookie_state
ng_cookie_begin(struct ng_cookie_cache *c, struct dpv_str key, uint64_t now_ms, const char **reply,
                uint32_t *len)
{
	uint32_t h = dpv_hash32(key.p, key.len);
	struct entry *e;

	ng_cookie_expire(c, now_ms);
	e = find(c, key, h);
	if (e != NULL) {
		if (e->state == NG_COOKIE_DONE) {
			*reply = e->reply;
			*len = e->reply_len;
		}
		return e->state;
	}
	if (c->count >= c->max)
		unlink_entry(c, c->oldest);
	e = malloc(sizeof(*e) + key.len);
	if (e == NULL)
		return NG_COOKIE_NEW; /* run it uncached: a retransmission would run it again */
	memcpy(e->key, key.p, key.len);
	e->key_len = key.len;
	e->hash = h;
	e->state = NG_COOKIE_IN_FLIGHT;
	e->at_ms = now_ms;
	e->reply = NULL;
	e->reply_len = 0;
	e->hnext = c->buckets[h & c->mask];
	c->buckets[h & c->mask] = e;
	e->newer = NULL;
	e->older = c->newest;
	if (c->newest)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->count++;
	return NG_COOKIE_NEW;
}

void
ng_cookie_done(struct ng_cookie_cache *c, struct dpv_str key, const char *reply, uint32_t len,
               uint64_t now_ms)
{
	struct entry *e = find(c, key, dpv_hash32(key.p, key.len));

	(void)now_ms; /* the TTL runs from the request: its retransmissions were timed from it */
	if (e == NULL || e->state != NG_COOKIE_IN_FLIGHT)
		return;
	e->reply = malloc(len ? len : 1);
	if (e->reply == NULL) {
		unlink_entry(c, e); /* a retransmission runs it again, as without a cache */
		return;
	}
	memcpy(e->reply, reply, len);
	e->reply_len = len;
	e->state = NG_COOKIE_DONE;
}

unsigned
ng_cookie_expire(struct ng_cookie_cache *c, uint64_t now_ms)
{
	unsigned n = 0;

	while (c->oldest != NULL && now_ms - c->oldest->at_ms >= c->ttl_ms) {
		unlink_entry(c, c->oldest);
		n++;
	}
	return n;
}

uint32_t
ng_cookie_count(const struct ng_cookie_cache *c)
{
	return c->count;
}
