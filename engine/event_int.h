/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events for control-socket subscribers (event.c): what changed, posted by the lcore where it
 * happened, drained and written as JSON lines by the main lcore. Posting never waits: a full
 * queue is a counted drop.
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

struct dpv_event {
	enum dpv_event_type type;
	uint32_t state;
	uint64_t session_id;
	char bridge[DPV_BRIDGE_NAME_MAX + 1];
};

/** Queue @a ev for the main lcore (any lcore, never waits). */
void dpv_event_post(struct dpv_engine *e, const struct dpv_event *ev);

#endif /* DPV_EVENT_INT_H */
