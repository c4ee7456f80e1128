/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watchers.h - which pollable file changed: a listener of the model
 * (event.h) that keeps the content generation of each watched file
 * (watch.h) and wakes its pollers through the pusher.
 *
 *   .timelines      a timeline created or removed
 *   .active         EVENT_ACTIVE, or an in-use timeline removed
 *   .coordination   every lease write
 *   TL/bindings     EVENT_BINDINGS
 *   TL/requirements EVENT_REQUIREMENT
 *   TL/ctl          EVENT_PARAMS, EVENT_RETIRED
 *   TL/members, TL/cluster  EVENT_MEMBERS, or a lease that moved (each its own list)
 *   TL/sync         EVENT_NOTE, EVENT_REQUIREMENT, EVENT_RETIRED, and
 *                   EVENT_PARAMS that flip met= (the bounds then against
 *                   the effective requirement)
 *
 * and every file of a timeline when it is removed (its pollers see POLLHUP).
 */
#ifndef QOTFS_WATCHERS_H
#define QOTFS_WATCHERS_H

#include "watch.h"

struct pusher;
struct registry;
struct timeline;
struct watchers;

/* What a poller of each timeline file waits for. */
enum tl_watch {
	TL_WATCH_BINDINGS,     /* any binding created, changed or ended */
	TL_WATCH_REQUIREMENTS, /* the effective requirement changed */
	TL_WATCH_CLOCK,	       /* new clock parameters */
	TL_WATCH_MEMBERS,      /* the coordinator wrote a new membership, or its lease moved */
	TL_WATCH_CLUSTER,      /* the same, for the cluster summary (rendered apart) */
	TL_WATCH_SYNC,	       /* the note's news, the requirement or met= changed */
	TL_NWATCH
};

/* Subscribed to reg's events. NULL if out of memory. */
struct watchers *watchers_new(struct registry *reg, struct pusher *p);
void watchers_free(struct watchers *w);

struct watchlist *watchers_timelines(struct watchers *w);
struct watchlist *watchers_active(struct watchers *w);
struct watchlist *watchers_coordination(struct watchers *w);
/* The TL_NWATCH lists of a timeline (valid until EVENT_FREED), or NULL if
 * they could not be had (out of memory: its files then read as unwatched). */
struct watchlist *watchers_of(struct watchers *w, const struct timeline *tl);

#endif /* QOTFS_WATCHERS_H */
