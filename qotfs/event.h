/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event.h - what the model (registry.h, timeline.h) announces.
 *
 * The model changes only through its own functions and tells every listener
 * registered at startup what happened (registry_subscribe), as chrony's
 * modules learn of clock changes through LCL_AddParameterChangeHandler. The
 * listeners - watchers.c (pollers), persist.c (the state directory), the
 * waker (parked timer reads) - never write the model; the model knows none
 * of them. Handlers run on the request loop, synchronously, in the order
 * they subscribed.
 */
#ifndef QOTFS_EVENT_H
#define QOTFS_EVENT_H

#include <stdbool.h>

struct timeline;
struct qot_clock_params;

enum event_kind {
	EVENT_CREATED,	   /* a timeline was created (or restored) */
	EVENT_REMOVED,	   /* it was removed; in_use: it was in use then */
	EVENT_FREED,	   /* its last reference went: nothing may name it again */
	EVENT_PARAMS,	   /* new clock parameters were published (params) */
	EVENT_RETIRED,	   /* its clock was retired: nobody vouches for it now */
	EVENT_STANDING,	   /* its standing requirement was set */
	EVENT_BINDINGS,	   /* a binding was created, changed or ended */
	EVENT_REQUIREMENT, /* its effective requirement moved */
	EVENT_ACTIVE,	   /* the timelines in use, or the requirement of one, changed */
	EVENT_MEMBERS,	   /* the coordinator wrote a new membership */
	EVENT_LEASE,	   /* the coordinator wrote its lease; moved: state or name changed */
	EVENT_NOTE,	   /* the sync daemon's note says something new */
};

struct event {
	enum event_kind kind;
	struct timeline *tl;		       /* NULL for EVENT_ACTIVE and EVENT_LEASE */
	bool in_use;			       /* EVENT_REMOVED */
	bool moved;			       /* EVENT_LEASE */
	const struct qot_clock_params *params; /* EVENT_PARAMS */
};

typedef void (*event_handler)(const struct event *ev, void *arg);

#endif /* QOTFS_EVENT_H */
