/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events for control-socket subscribers (event.c): what changed, posted by the lcore where it
 * happened, drained and written as JSON lines by the main lcore. Posting never waits: a full
 * queue is a counted drop (events_dropped).
 */
#ifndef DPV_EVENT_INT_H
#define DPV_EVENT_INT_H

#include "engine_int.h"

enum dpv_event_type {
	DPV_EV_SESSION,          /* session_id entered state (enum sip_sess_state) */
	DPV_EV_BRIDGE_CREATED,   /* bridge */
	DPV_EV_BRIDGE_DESTROYED, /* bridge */
	DPV_EV_MEMBER_JOINED,    /* bridge, session_id */
	DPV_EV_MEMBER_LEFT,      /* bridge, session_id */
	DPV_EV_MEDIA_TIMEOUT,    /* session_id */
	DPV_EV_MAX
};

/* Fixed size, copied into the queue's own slots: posting allocates nothing. */
struct dpv_event {
	enum dpv_event_type type;
	uint32_t state;
	uint64_t session_id;
	char bridge[DPV_BRIDGE_NAME_MAX + 1];
};

/** Events the queue holds by default (dpvoip). */
#define DPV_EVENT_QUEUE 16384

/** Longest JSON line one event makes, newline and NUL included. */
#define DPV_EVENT_LINE_MAX 160

/**
 * The queue to the main lcore: @a size slots (a power of two; one fewer can wait). Control
 * plane memory, no EAL needed. 0, -EINVAL or -ENOMEM.
 */
int dpv_event_init(struct dpv_engine *e, unsigned size);
/** Free the queue (no lcore may post any more). */
void dpv_event_fini(struct dpv_engine *e);

/**
 * Queue @a ev for the main lcore (any lcore, never waits): counted in events_posted; queued
 * only while someone subscribes, and counted in events_dropped when the queue is full.
 */
void dpv_event_post(struct dpv_engine *e, const struct dpv_event *ev);

/** Main lcore: take up to @a max queued events into @a out; returns how many. */
unsigned dpv_event_drain(struct dpv_engine *e, struct dpv_event *out, unsigned max);

/** @a ev as one JSON line ending in "\n" into @a buf (DPV_EVENT_LINE_MAX); returns its length. */
size_t dpv_event_format(const struct dpv_event *ev, char *buf, size_t cap);

#endif /* DPV_EVENT_INT_H */
