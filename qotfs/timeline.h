/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timeline.h - one timeline: its bindings, its requirements and its clock.
 *
 * Owned by the request loop (single-threaded); only the clock publication is
 * shared with the pusher thread, through struct clockpub.
 */
#ifndef QOTFS_TIMELINE_H
#define QOTFS_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "hashtab.h"
#include "hlcfile.h"
#include "list.h"
#include "members.h"
#include "names.h"
#include "pusher.h"
#include "reqline.h"
#include "reqset.h"
#include "watch.h"

struct registry;
struct statedir_entry;

struct binding {
	uint64_t id;
	pid_t pid; /* of the last writer, in the daemon's pid namespace */
	uid_t uid; /* of the opener: the binding is charged to it */
	char name[QOT_NAME_MAX + 1];
	struct qot_req req;
	struct req_entry entry;
	struct list_node link; /* in its timeline's bindings */
};

/* What a poller of each file waits for. */
enum tl_watch {
	TL_WATCH_BINDINGS,     /* any binding created, changed or ended */
	TL_WATCH_REQUIREMENTS, /* the effective requirement changed */
	TL_WATCH_CLOCK,	       /* new clock parameters */
	TL_WATCH_MEMBERS,      /* the coordinator wrote a new membership */
	TL_NWATCH
};

struct timeline {
	struct hnode by_name, by_id;
	struct list_node link; /* in the registry's timelines, while live */
	uint64_t id;
	char name[QOT_NAME_MAX + 1];
	uid_t owner;
	gid_t group;
	ino_t owner_userns;  /* for the daemon's own uid: the creator's user namespace */
	int owner_userns_fd; /* holds that namespace, so its number is not reused; or -1 */
	struct timespec created;
	unsigned refs; /* the registry's while live, one per open file */
	bool removed;

	struct list bindings; /* in creation order */
	size_t nbindings;
	struct reqset reqs;
	struct qot_req standing;
	struct qot_req effective;

	struct watchlist watch[TL_NWATCH];
	struct clockpub *clock;
	char source[QOT_NAME_MAX + 1]; /* who published the parameters, "" if nobody */
	struct timespec updated;       /* when they were published (CLOCK_REALTIME) */

	struct qot_membership members; /* as the coordinator last wrote it */
	struct tl_hlc hlc;	       /* the node-wide HLC (hlcfile.h) */
	struct statedir_entry *saved;  /* its mirror in the state directory, or NULL */
};

/* Bound to, or given a standing requirement: coordd publishes it cluster-wide. */
bool timeline_in_use(const struct timeline *tl);

void timeline_get(struct timeline *tl);
void timeline_put(struct registry *reg, struct timeline *tl);

/*
 * Create (*bp == NULL) or replace the binding of one open file. Caps are
 * checked only on creation. 0, -ENOENT (timeline removed), -ENOSPC
 * (per-timeline cap), -EDQUOT (per-uid cap), -ENOMEM; on error nothing changed.
 */
int timeline_bind(struct registry *reg, struct timeline *tl, struct binding **bp,
		  const struct qot_bind_spec *spec, pid_t pid, uid_t uid);
void timeline_unbind(struct registry *reg, struct timeline *tl, struct binding *b);

/* Publish the parameters of a clock nobody vouches for (qot_params_retire). */
void timeline_retire(struct registry *reg, struct timeline *tl);

/* 0 or -ENOENT (removed). */
int timeline_set_standing(struct registry *reg, struct timeline *tl, const struct qot_req *req);
/* Replace the membership by m (taken over). 0 or -ENOENT (removed). */
int timeline_set_members(struct registry *reg, struct timeline *tl, struct qot_membership *m);
int timeline_set_params(struct registry *reg, struct timeline *tl,
			const struct qot_clock_params *params, const char *source);

#endif /* QOTFS_TIMELINE_H */
