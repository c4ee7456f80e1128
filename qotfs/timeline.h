/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timeline.h - one timeline: its bindings, its requirements, its clock, the
 * coordinator's membership and its node-wide HLC.
 *
 * Owned by the request loop (single-threaded); only the clock publication is
 * shared with the pusher thread (pusher.h). A timeline knows its registry
 * only through a narrow context (struct timeline_context): where to publish,
 * whom to charge, and whom to tell what happened (event.h). Nothing outside
 * timeline.c writes its fields; the accessors below read them.
 */
#ifndef QOTFS_TIMELINE_H
#define QOTFS_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "event.h"
#include "hlcfile.h"
#include "list.h"
#include "members.h"
#include "names.h"
#include "reqline.h"
#include "reqset.h"

struct pusher;
struct clockpub;
struct quota;
struct textbuf;
struct qot_bound_parts;
struct timeline;

struct binding {
	uint64_t id;
	pid_t pid;    /* of the last writer, in the daemon's pid namespace */
	uid_t uid;    /* of the opener */
	uid_t charge; /* whom it is charged to: the opener's (access_charge_uid) */
	char name[QOT_NAME_MAX + 1];
	struct qot_req req;
	struct req_entry entry;
	struct list_node link; /* in its timeline's bindings */
};

/* What every timeline of a registry shares with it. */
struct timeline_context {
	struct pusher *pusher;
	struct quota *quota;
	size_t max_bindings;  /* per timeline */
	size_t binding_share; /* of one user on one timeline; 0: no share */
	uint64_t next_binding_id;
	void *owner; /* the registry */
	void (*emit)(void *owner, const struct event *ev);
	void (*last_ref)(void *owner, struct timeline *tl); /* frees it */
};

/* Who creates a timeline. */
struct timeline_creator {
	uid_t charge; /* whom it is charged to (access_charge_uid; quota.h) */
	uid_t owner;
	gid_t group;
	ino_t userns;	 /* for the daemon's own uid: the creator's user namespace, or 0 */
	int userns_fd;	 /* holds that namespace, so its number is not reused; or -1 (taken over) */
	int64_t created; /* CLOCK_REALTIME ns; 0: now */
};

/* A live timeline with one reference (the registry's); NULL if out of memory
 * (then cr->userns_fd is still the caller's). */
struct timeline *timeline_new(struct timeline_context *ctx, uint64_t id, const char *name,
			      size_t len, const struct timeline_creator *cr);
/* The registry let it go: it is removed (its inodes answer while open). */
void timeline_mark_removed(struct timeline *tl);
/* Frees it: only from ctx->last_ref. */
void timeline_free(struct timeline *tl);

void timeline_get(struct timeline *tl);
void timeline_put(struct timeline *tl);

/* What it is. */
uint64_t timeline_id(const struct timeline *tl);
const char *timeline_name(const struct timeline *tl);
uid_t timeline_owner(const struct timeline *tl);
gid_t timeline_group(const struct timeline *tl);
uid_t timeline_charge(const struct timeline *tl);
ino_t timeline_owner_userns(const struct timeline *tl);
struct timespec timeline_created(const struct timeline *tl);
bool timeline_removed(const struct timeline *tl);
/* Bound to, or given a standing requirement: coordd publishes it cluster-wide. */
bool timeline_in_use(const struct timeline *tl);
const struct qot_req *timeline_standing(const struct timeline *tl);
const struct qot_req *timeline_effective(const struct timeline *tl);
size_t timeline_nbindings(const struct timeline *tl);
/* Its bindings in creation order: prev NULL gives the first; NULL at the end. */
const struct binding *timeline_next_binding(const struct timeline *tl, const struct binding *prev);
struct clockpub *timeline_clock(const struct timeline *tl);
/* Who published the parameters ("" if nobody), and when (CLOCK_REALTIME; 0 if never). */
const char *timeline_source(const struct timeline *tl);
struct timespec timeline_updated(const struct timeline *tl);
/* What the publisher said its bound is made of (params.h); both 0 or both
 * QOT_UNBOUNDED: nothing stated. */
const struct qot_bound_parts *timeline_parts(const struct timeline *tl);
const struct qot_membership *timeline_members(const struct timeline *tl);
const struct tl_hlc *timeline_hlc(const struct timeline *tl);

/*
 * Create (*bp == NULL) or replace the binding of one open file. Caps are
 * checked only on creation: 0, -ENOENT (timeline removed), -ENOSPC
 * (per-timeline cap), -EDQUOT (per-uid cap, or the uid's share of this
 * timeline), -ENOMEM; on error nothing changed. A privileged caller is held
 * to no share, only to the caps.
 */
int timeline_bind(struct timeline *tl, struct binding **bp, const struct qot_bind_spec *spec,
		  pid_t pid, uid_t uid, uid_t charge, bool privileged);
void timeline_unbind(struct timeline *tl, struct binding *b);

/* Publish the parameters of a clock nobody vouches for (qot_params_retire). */
void timeline_retire(struct timeline *tl);

/* 0 or -ENOENT (removed). */
int timeline_set_standing(struct timeline *tl, const struct qot_req *req);
/* Replace the membership by m (taken over). 0 or -ENOENT (removed). */
int timeline_set_members(struct timeline *tl, struct qot_membership *m);
/* updated: when they were published (CLOCK_REALTIME ns), 0 for now. 0 or -ENOENT. */
int timeline_set_params(struct timeline *tl, const struct qot_clock_params *params,
			const char *source, int64_t updated);
/* Keep the parts of the bound the publisher stated with its parameters. */
void timeline_set_parts(struct timeline *tl, const struct qot_bound_parts *parts);

/* The sync daemon's words for sync (qot(7) note; note.h) as written, with
 * their marks: "" if none. */
const char *timeline_note(const struct timeline *tl);
/* Replace them by one line (an empty one: none); announces EVENT_NOTE when
 * they say something new (not when only readings moved). 0, -EINVAL,
 * -EMSGSIZE, -ENOENT. */
int timeline_set_note(struct timeline *tl, const char *text, size_t len);

/* The "hlc" file (hlcfile.h): a read issues a timestamp, a write merges one. */
int timeline_hlc_read(struct timeline *tl, struct textbuf *tb);
/* 0, -ENOENT (removed), -EINVAL, -ERANGE, -EOVERFLOW. */
int timeline_hlc_write(struct timeline *tl, const char *buf, size_t size, uint64_t max_offset);
/* The HLC as a state file kept it (at a restart). */
void timeline_restore_hlc(struct timeline *tl, const struct qot_hlc_ts *state);

#endif /* QOTFS_TIMELINE_H */
