/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry.h - the model: the timelines of one mount, found by name or by
 * id, with the caps that keep one client from exhausting the daemon
 * (quota.h), and what the coordinator told this node (coord.h).
 *
 * Every change goes through these functions or timeline.h's, and is
 * announced to the listeners subscribed at startup (event.h). No FUSE in
 * here: unit tests drive it without a mount.
 */
#ifndef QOTFS_REGISTRY_H
#define QOTFS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "coord.h"
#include "event.h"
#include "timeline.h"

struct pusher;
struct quota;
struct registry;

struct registry_limits {
	size_t max_timelines;
	size_t max_timelines_per_uid; /* privileged callers: only max_timelines */
	size_t max_bindings_per_timeline;
	size_t max_bindings_per_uid;
	size_t max_bindings_share;     /* of one user on one timeline; 0: the whole timeline */
	size_t max_read_bytes_per_uid; /* snapshot text held by a user's open files */
	uint64_t hlc_max_offset;       /* received HLC timestamps further ahead are refused, ns */
	size_t max_timers;	       /* open timer files (waker.h); 0: the default */
	unsigned max_wait_s;	       /* longest a timer read stays parked; 0: the default */
	size_t max_timers_per_uid;     /* open timer files of one user; 0: the default */
	size_t max_open_per_uid;       /* open files of one user; 0: the default */
	size_t max_open;	       /* open files in all; 0: the default */
	size_t max_read_bytes;	       /* snapshot text held by all open files; 0: the default */
};

/* Beyond each global cap (timelines, timers, open files, held text), a
 * sixteenth more is kept for privileged callers: no user, however many uids
 * it acts as, can keep the system's daemons out. */
#define REGISTRY_RESERVE(cap) ((cap) / 16)

#define REGISTRY_DEFAULT_MAX_TIMELINES	       65536
#define REGISTRY_DEFAULT_MAX_TIMELINES_PER_UID 1024
#define REGISTRY_DEFAULT_MAX_BINDINGS	       65536
#define REGISTRY_DEFAULT_MAX_PER_UID	       65536
#define REGISTRY_DEFAULT_MAX_READ_PER_UID      (256u << 20)
#define REGISTRY_DEFAULT_HLC_MAX_OFFSET	       QOT_HLC_DEFAULT_MAX_OFFSET
#define REGISTRY_DEFAULT_MAX_TIMERS_PER_UID    4096
#define REGISTRY_DEFAULT_MAX_OPEN_PER_UID      65536
#define REGISTRY_DEFAULT_MAX_OPEN	       262144
#define REGISTRY_DEFAULT_MAX_READ	       (1u << 30)

/* NULL if out of memory. */
struct registry *registry_new(const struct registry_limits *limits, struct pusher *pusher);
/* Drops every timeline, announcing nothing more (open files were released first). */
void registry_free(struct registry *reg);

/* Tell h of every change from now on. 0 or -ENOSPC (REGISTRY_MAX_HANDLERS). */
#define REGISTRY_MAX_HANDLERS 8
int registry_subscribe(struct registry *reg, event_handler h, void *arg);

/* The limits, unset ones given their defaults. */
const struct registry_limits *registry_limits(const struct registry *reg);
struct quota *registry_quota(struct registry *reg);
/* Live timelines. */
size_t registry_count(const struct registry *reg);

struct timeline *registry_find_name(struct registry *reg, const char *name, size_t len);
/* Live or removed-but-open: any timeline whose inodes the kernel may still use. */
struct timeline *registry_find_id(struct registry *reg, uint64_t id);
/* Live timelines in creation order (by increasing id): prev NULL gives the
 * first, prev must be live; NULL at the end. */
struct timeline *registry_next(struct registry *reg, const struct timeline *prev);
/* The first live timeline whose id is above id, in O(log n). */
struct timeline *registry_after_id(struct registry *reg, uint64_t id);

/*
 * 0, -EINVAL (bad name), -EEXIST, -ENOSPC (cap on timelines; privileged
 * callers may use its reserve), -EDQUOT (the owner's cap, unless
 * privileged), -ENOMEM. On success cr->userns_fd is
 * taken over; on error it is still the caller's.
 */
int registry_create(struct registry *reg, const char *name, size_t len,
		    const struct timeline_creator *cr, bool privileged, struct timeline **out);
/* 0, -ENOENT (removed already) or -EBUSY (live bindings, unless bound_too:
 * then they stay with their open files, whose writes fail with ENOENT). */
int registry_remove(struct registry *reg, struct timeline *tl, bool bound_too);

/* The coordinator's "node=NODE until=NS" (coord.h). 0, -EINVAL, -ERANGE. */
int registry_set_lease(struct registry *reg, const char *buf, size_t len);
const struct coord *registry_coord(const struct registry *reg);

#endif /* QOTFS_REGISTRY_H */
