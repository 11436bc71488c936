/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session table and a session's lifecycle.
 *
 * Sessions come from a dpv_pool sized by max_dialogs, and the pool slot is the index: a
 * session's local tag names its slot (below), so an in-dialog message finds it in by_slot with
 * one compare, and the main lcore lists the live ones by walking by_slot under rcu_read_lock
 * (there was a cds_lfht by Call-ID and tag as well: its insert and delete were two random
 * misses each per call, the most of what 1M live calls cost over 1k, and it matched nothing
 * the slot did not). A session that ends is no longer live at once, but goes back to the pool
 * only when no transaction refers to it any more (ntx) and a grace period has elapsed (struct
 * dpv_defer), so a reader holding one sees a session, never freed memory.
 * Session ids are UA index (16 bits) | generation (24 bits) | pool slot (24 bits), so the
 * control plane finds a session's lcore and slot from its id alone.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "ua_int.h"

struct sess_key {
	struct dpv_str call_id, ltag;
};

static bool
sess_match(const struct ua_sess *s, const struct sess_key *k)
{
	return s->dlg.dlen[DF_CALLID] == k->call_id.len && s->dlg.ltag_len == k->ltag.len &&
	       memcmp(s->dlg.arena, k->call_id.p, k->call_id.len) == 0 &&
	       memcmp(s->dlg.ltag, k->ltag.p, k->ltag.len) == 0;
}

/*
 * A session's local tag (our To tag as UAS, our From tag as UAC) names its pool slot: 16 lower
 * case hex digits, 40 random bits over the slot's 24 (RFC 3261 19.3 asks for 32 random bits).
 * An in-dialog request finds its session from the tag it carries back, through by_slot, with
 * no hash-table walk: at 80,000 calls/s the lfht's lookups were the largest single item of the
 * signaling lcore's profile, two dependent cache misses each (bench/RESULTS.md). A tag not of
 * this form names no session of ours: no two live sessions share a slot, so no two share a
 * tag either.
 */
#define TAG_DIGITS 16

struct dpv_str
ua_sess_tag(struct sip_ua *ua, const struct ua_sess *s, char *out, size_t cap)
{
	struct dpv_buf b = DPV_BUF(out, cap - 1);

	dpv_buf_hex(&b, ua_rand(ua) << 24 | (s->slot & 0xffffff), TAG_DIGITS);
	if (b.over)
		b.len = 0; /* every caller has room: a bug, not a message to send */
	out[b.len] = '\0';
	return (struct dpv_str){out, b.len};
}

/* The slot a tag of ua_sess_tag's form names; false when it is not of that form. */
static bool
tag_slot(struct dpv_str t, uint32_t *slot)
{
	uint32_t v = 0;

	if (t.len != TAG_DIGITS)
		return false;
	for (uint32_t i = 0; i < TAG_DIGITS; i++) {
		unsigned c = (unsigned char)t.p[i], d;

		if (c - '0' < 10)
			d = c - '0';
		else if (c - 'a' < 6)
			d = c - 'a' + 10;
		else
			return false;
		v = v << 4 | d; /* the last six digits are the slot */
	}
	*slot = v & 0xffffff;
	return true;
}

/* The pool slot @a ltag names, when it has the form and the slot exists: every session's tag
 * has this form, so the slot is the only place its session can be. */
static bool
tag_pool_slot(const struct sip_ua *ua, struct dpv_str ltag, uint32_t *slot)
{
	return tag_slot(ltag, slot) && *slot < dpv_pool_size(ua->sess_pool);
}

struct ua_sess *
ua_sess_find(struct sip_ua *ua, struct dpv_str call_id, struct dpv_str ltag)
{
	struct sess_key k = {call_id, ltag};
	uint32_t slot;
	struct ua_sess *s;

	if (!tag_pool_slot(ua, ltag, &slot))
		return NULL;
	s = ua->by_slot[slot];
	return s != NULL && s->life == UA_LIFE_LIVE && sess_match(s, &k) ? s : NULL;
}

void
ua_sess_prefetch(const struct sip_ua *ua, struct dpv_str ltag)
{
	uint32_t slot;

	const struct ua_sess *s;

	if (!tag_pool_slot(ua, ltag, &slot))
		return;
	/* the pool is one array: the slot's session is at its place, by_slot or not */
	s = dpv_pool_at(ua->sess_pool, slot);
	__builtin_prefetch(s);                /* id, life */
	__builtin_prefetch(s->dlg.ltag);      /* the tag, dlen */
	__builtin_prefetch(s->dlg.arena);     /* the Call-ID */
	__builtin_prefetch(&s->dlg.local_ip); /* after the arena: addresses, CSeqs */
	__builtin_prefetch(&s->uas);          /* the INVITE's phase, its 2xx */
}

struct ua_sess *
ua_sess_alloc(struct sip_ua *ua, bool outgoing, uint32_t peer_ip)
{
	enum {
		ARENA_OFF = offsetof(struct ua_sess, dlg) + offsetof(struct ua_dialog, arena),
		ARENA_END = ARENA_OFF + UA_DLG_MAX,
	};
	struct ua_sess *s = dpv_pool_get(ua->sess_pool);
	int64_t slot;

	if (s == NULL)
		return NULL;
	slot = dpv_pool_index(ua->sess_pool, s);
	/* Everything but the dialog's 2 KB string arena, which is read only within the lengths
	 * in dlen (zeroed here): clearing it cost as much as the rest of the session. */
	memset(s, 0, ARENA_OFF);
	memset((char *)s + ARENA_END, 0, sizeof(*s) - ARENA_END);
	s->ua = ua;
	s->slot = (uint32_t)slot;
	__atomic_store_n(&ua->by_slot[slot], s, __ATOMIC_RELEASE); /* sip_ua_sessions reads it */
	s->id = (uint64_t)ua->cfg.index << 48 | (++ua->next_unique & 0xffffff) << 24 |
	        ((uint64_t)slot & 0xffffff);
	s->outgoing = outgoing;
	s->created_ms = ua_now(ua);
	s->dlg.local_ip =
	    ua->ops->local_addr != NULL ? ua->ops->local_addr(ua->arg, peer_ip) : ua->cfg.local_ip;
	if (ua->host_len == 0 || ua->host_ip != s->dlg.local_ip) {
		ua->host_ip = s->dlg.local_ip;
		ua->host_len = (uint8_t)dpv_ipv4_format(ua->host_ip, ua->host);
	}
	memcpy(s->dlg.host, ua->host, sizeof(s->dlg.host));
	s->dlg.host_len = ua->host_len;
	s->media.session_id = s->id;
	s->media.action = DPV_CALL_NONE;
	s->media.local_ip = s->dlg.local_ip;
	s->media.te_pt = -1;
	dpv_timer_init(&s->uas.t_retx);
	dpv_timer_init(&s->uas.t_ack);
	dpv_timer_init(&s->uas.t_answer);
	dpv_timer_init(&s->uac.t_cancel);
	return s;
}

/* ---- incoming calls per source ---- */

static uint32_t
src_slot(const struct sip_ua *ua, uint32_t ip)
{
	uint32_t i = dpv_hash32(&ip, sizeof(ip)) & ua->src_mask;

	while (ua->src[i].ip != 0 && ua->src[i].ip != ip)
		i = (i + 1) & ua->src_mask;
	return i; /* never full: twice as many slots as sessions */
}

bool
ua_src_admit(const struct sip_ua *ua, uint32_t ip)
{
	return ua->src == NULL || ip == 0 ||
	       ua->src[src_slot(ua, ip)].n < ua->cfg.max_calls_per_source;
}

void
ua_src_hold(struct sip_ua *ua, struct ua_sess *s, uint32_t ip)
{
	uint32_t i;

	if (ua->src == NULL || ip == 0)
		return;
	i = src_slot(ua, ip);
	ua->src[i].ip = ip;
	ua->src[i].n++;
	s->src_held = ip;
}

void
ua_src_release(struct sip_ua *ua, struct ua_sess *s)
{
	uint32_t i, j, k;

	if (s->src_held == 0)
		return;
	i = src_slot(ua, s->src_held);
	s->src_held = 0;
	if (ua->src[i].ip == 0 || --ua->src[i].n > 0)
		return;
	/* Backward-shift deletion keeps every probe chain whole without tombstones. */
	for (j = i;;) {
		ua->src[i].ip = 0;
		ua->src[i].n = 0;
		for (;;) {
			j = (j + 1) & ua->src_mask;
			if (ua->src[j].ip == 0)
				return;
			k = dpv_hash32(&ua->src[j].ip, sizeof(uint32_t)) & ua->src_mask;
			/* j's entry may move to i when its home k is not cyclically in (i, j] */
			if (i <= j ? (i >= k || k > j) : (i >= k && k > j))
				break;
		}
		ua->src[i] = ua->src[j];
		i = j;
	}
}

void
ua_sess_drop(struct sip_ua *ua, struct ua_sess *s)
{
	ua_src_release(ua, s);
	s->life = UA_LIFE_RETIRED;
	dpv_pool_put(ua->sess_pool, s);
}

bool
ua_sess_insert(struct sip_ua *ua, struct ua_sess *s)
{
	uint32_t slot;

	/* its tag names its slot, which no other live session holds: unique by construction */
	if (!tag_slot((struct dpv_str){s->dlg.ltag, s->dlg.ltag_len}, &slot) || slot != s->slot)
		return false;
	/* the fields are written: the main lcore's listing may show it from now on */
	__atomic_store_n(&s->life, UA_LIFE_LIVE, __ATOMIC_RELEASE);
	ua->cnt[SIP_UA_C_sessions_active]++;
	ua_sess_set_state(ua, s, s->state); /* the control plane hears of it from now on */
	return true;
}

void
ua_sess_set_state(struct sip_ua *ua, struct ua_sess *s, enum sip_sess_state st)
{
	s->state = st;
	if (s->life == UA_LIFE_LIVE && ua->ops->session_state != NULL)
		ua->ops->session_state(ua->arg, s->id, st);
}

bool
ua_sess_ended(const struct ua_sess *s)
{
	return s->life >= UA_LIFE_ENDED;
}

struct ua_sess *
ua_sess_by_id(struct sip_ua *ua, uint64_t id)
{
	uint64_t slot = id & 0xffffff;
	struct ua_sess *s;

	if (sip_ua_session_owner(id) != ua->cfg.index || slot >= dpv_pool_size(ua->sess_pool))
		return NULL;
	s = ua->by_slot[slot];
	return s != NULL && s->id == id && !ua_sess_ended(s) ? s : NULL;
}

void
ua_sess_retire(struct sip_ua *ua, struct ua_sess *s)
{
	if (s->life == UA_LIFE_RETIRED)
		return;
	s->life = UA_LIFE_RETIRED;
	dpv_defer_add(&ua->limbo, &s->limbo);
}

static void
sess_release(struct dpv_defer_node *n, void *arg)
{
	struct sip_ua *ua = arg;

	dpv_pool_put(ua->sess_pool, caa_container_of(n, struct ua_sess, limbo));
}

unsigned
ua_sess_reclaim(struct sip_ua *ua)
{
	return dpv_defer_reclaim(&ua->limbo, sess_release, ua);
}

void
ua_media_stop(struct sip_ua *ua, struct ua_sess *s)
{
	if (!s->media_on)
		return;
	s->media_on = false;
	if (ua->media->stop != NULL)
		ua->media->stop(ua->media_arg, &s->media);
}

void
ua_media_update(struct sip_ua *ua, struct ua_sess *s)
{
	if (ua->media->update != NULL)
		ua->media->update(ua->media_arg, &s->media);
}

unsigned
ua_media_status(int n)
{
	return n < -399 && n > -700 ? (unsigned)-n : 488;
}

void
ua_sess_end(struct sip_ua *ua, struct ua_sess *s)
{
	bool in_table = s->life == UA_LIFE_LIVE;

	if (ua_sess_ended(s))
		return;
	ua_sess_set_state(ua, s, SIP_SESS_TERMINATED);
	__atomic_store_n(&s->life, UA_LIFE_ENDED, __ATOMIC_RELAXED); /* the listing reads it */
	ua_src_release(ua, s);
	ua_uas_stop_timers(ua, s);
	dpv_timer_cancel(ua->cfg.wheel, &s->uac.t_cancel);
	ua_media_stop(ua, s);
	ua_msg_free(ua, s->uas.resp_2xx);
	s->uas.resp_2xx = NULL;
	if (s->uas.phase == UA_INV_ACK_WAIT)
		s->uas.phase = UA_INV_NONE;
	ua_msg_free(ua, s->uac.ack);
	s->uac.ack = NULL;
	if (in_table)
		ua->cnt[SIP_UA_C_sessions_active]--;
	if (s->ntx == 0)
		ua_sess_retire(ua, s);
}

/* Fields may change under a reader on another lcore: copy them once, bounded, NUL-terminated. */
static void
sess_info(const struct ua_sess *s, uint64_t now, struct sip_sess_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = __atomic_load_n(&s->id, __ATOMIC_RELAXED);
	info->state = __atomic_load_n(&s->state, __ATOMIC_RELAXED);
	info->outgoing = s->outgoing;
	memcpy(info->call_id, s->dlg.arena, sizeof(info->call_id) - 1);
	memcpy(info->peer_uri, s->peer_uri, sizeof(info->peer_uri) - 1);
	memcpy(info->bridge, s->media.bridge, sizeof(info->bridge) - 1);
	info->action = s->media.action;
	info->local_port = s->media.local_port;
	info->remote_ip = s->media.remote_ip;
	info->remote_port = s->media.remote_port;
	info->age_ms = now > s->created_ms ? now - s->created_ms : 0;
	info->last_code = s->uac.last_code;
}

unsigned
sip_ua_sessions(struct sip_ua *ua, void (*cb)(const struct sip_sess_info *, void *), void *arg)
{
	struct sip_sess_info info;
	uint64_t now = __atomic_load_n(&ua->cfg.wheel->now_ms, __ATOMIC_RELAXED);
	uint32_t slots = dpv_pool_size(ua->sess_pool);
	unsigned n = 0;

	/* in slot order; a slot's session stays a session (the pool's memory) while it is read,
	 * and the owner may end it meanwhile: what was live when its state was read is listed */
	rcu_read_lock();
	for (uint32_t slot = 0; slot < slots; slot++) {
		const struct ua_sess *s = __atomic_load_n(&ua->by_slot[slot], __ATOMIC_ACQUIRE);

		if (s == NULL || __atomic_load_n(&s->life, __ATOMIC_ACQUIRE) != UA_LIFE_LIVE)
			continue;
		sess_info(s, now, &info);
		if (cb != NULL)
			cb(&info, arg);
		n++;
	}
	rcu_read_unlock();
	return n;
}

int
sip_ua_session_info(struct sip_ua *ua, uint64_t session_id, struct sip_sess_info *out)
{
	const struct ua_sess *s = ua_sess_by_id(ua, session_id);

	if (s == NULL)
		return -ENOENT;
	sess_info(s, ua->cfg.wheel->now_ms, out);
	return 0;
}
