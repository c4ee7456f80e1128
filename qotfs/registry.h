/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry.h - the timelines of one mount, found by name or by id, with the
 * caps that keep one client from exhausting the daemon.
 */
#ifndef QOTFS_REGISTRY_H
#define QOTFS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "coord.h"
#include "hashtab.h"
#include "pusher.h"
#include "timeline.h"
#include "watch.h"

struct registry_limits {
	size_t max_timelines;
	size_t max_timelines_per_uid; /* privileged callers: only max_timelines */
	size_t max_bindings_per_timeline;
	size_t max_bindings_per_uid;
	size_t max_read_bytes_per_uid; /* snapshot text held by a user's open files */
	uint64_t hlc_max_offset;       /* received HLC timestamps further ahead are refused, ns */
	size_t max_timers;	       /* open timer files (waker.h); 0: the default */
	unsigned max_wait_s;	       /* longest a timer read stays parked; 0: the default */
	size_t max_timers_per_uid;     /* open timer files of one user; 0: the default */
	size_t max_open_per_uid;       /* open files of one user; 0: the default */
};

#define REGISTRY_DEFAULT_MAX_TIMELINES	       65536
#define REGISTRY_DEFAULT_MAX_TIMELINES_PER_UID 1024
#define REGISTRY_DEFAULT_MAX_BINDINGS	       65536
#define REGISTRY_DEFAULT_MAX_PER_UID	       65536
#define REGISTRY_DEFAULT_MAX_READ_PER_UID      (256u << 20)
#define REGISTRY_DEFAULT_HLC_MAX_OFFSET	       QOT_HLC_DEFAULT_MAX_OFFSET
#define REGISTRY_DEFAULT_MAX_TIMERS_PER_UID    4096
#define REGISTRY_DEFAULT_MAX_OPEN_PER_UID      65536

struct registry {
	struct hashtab by_name, by_id, uids;
	struct list timelines; /* live timelines in creation order */
	size_t ntimelines;
	uint64_t next_timeline_id, next_binding_id;
	struct registry_limits limits;
	struct pusher *pusher;
	struct watchlist timelines_watch; /* the list of timelines changed */
	struct watchlist active_watch;	  /* which timelines are in use, or their requirement */
	struct watchlist coord_watch;	  /* the coordinator's lease was written */
	struct coord coord;
};

int registry_init(struct registry *reg, const struct registry_limits *limits,
		  struct pusher *pusher);
/* Drops the registry's references; timelines still open live on until closed. */
void registry_free(struct registry *reg);

struct timeline *registry_find_name(struct registry *reg, const char *name, size_t len);
/* Live or removed-but-open: any timeline whose inodes the kernel may still use. */
struct timeline *registry_find_id(struct registry *reg, uint64_t id);

/*
 * 0, -EINVAL (bad name), -EEXIST, -ENOSPC (cap on timelines), -EDQUOT (the
 * owner's cap, unless privileged), -ENOMEM.
 */
int registry_create(struct registry *reg, const char *name, size_t len, uid_t owner, gid_t group,
		    bool privileged, struct timeline **out);
/* 0 or -EBUSY (live bindings). */
int registry_remove(struct registry *reg, struct timeline *tl);

/* Per-uid binding quota: 0 or -EDQUOT / -ENOMEM; refund undoes one charge. */
int registry_charge_uid(struct registry *reg, uid_t uid);
void registry_refund_uid(struct registry *reg, uid_t uid);
size_t registry_uid_bindings(struct registry *reg, uid_t uid);

/* Snapshot bytes held by a user's open files: 0, or -ENOBUFS past the cap
 * (unless force), -ENOMEM. */
int registry_charge_read(struct registry *reg, uid_t uid, size_t bytes, bool force);
void registry_refund_read(struct registry *reg, uid_t uid, size_t bytes);

/*
 * Open files held by a user (the opener), and among them timer files (each
 * may park a read and a poll handle): 0, or -EDQUOT past either cap (unless
 * force), -ENOMEM. Refund undoes one charge of the same kind.
 */
int registry_charge_open(struct registry *reg, uid_t uid, bool timer, bool force);
void registry_refund_open(struct registry *reg, uid_t uid, bool timer);

/* Called by timeline_put when the last reference goes. */
void registry_forget(struct registry *reg, struct timeline *tl);

#endif /* QOTFS_REGISTRY_H */
