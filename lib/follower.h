/* SPDX-License-Identifier: Apache-2.0 */
/*
 * follower.h - the timelines of a qotfs mount, followed from outside (by
 * syncd and coordd).
 *
 * Attached, the follower holds ROOT/.timelines open, and any other root
 * files it is asked to watch (coordd: .active); the caller polls them
 * (qot_follower_pollfds) and hands back what poll said. When one changes,
 * the follower reads the list again, tells its subscribers which timelines
 * were added and removed, then gives them each watched file's text.
 *
 * Within one mount a timeline is known by its ctl file's inode, which qotfs
 * never reuses: one removed and created again under the same name is a new
 * timeline (removed, then added). With QOT_FOLLOWER_CTL the follower holds
 * each timeline's ctl open for writing (a publisher's); a timeline that
 * cannot be opened so is not followed.
 *
 * An error that means the mount is gone (qotfs stopped or restarted: see
 * qot_mount_lost) detaches: the follower closes what it holds, says
 * "lost", and attaches again at its next tick, then every reattach_ns until it can. Timelines whose
 * ctl it held are removed at a loss (their files died with the mount); without QOT_FOLLOWER_CTL
 * they are kept, and matched by name against the new mount's (a restarted qotfs restores its
 * timelines).
 *
 * Subscribers keep their own state per timeline: what their "added"
 * returns, handed back by qot_follower_tl_state and at "removed". A
 * struct qot_follower_tl is valid from its "added" until its "removed".
 * Everything runs on the caller's thread, from qot_follower_tick,
 * qot_follower_handle and the writes; a subscriber may write from its
 * callbacks, except "added" and "removed".
 */
#ifndef QOT_FOLLOWER_H
#define QOT_FOLLOWER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QOT_FOLLOWER_SUBSCRIBERS 6 /* subscribers at most */
#define QOT_FOLLOWER_FILES	 2 /* watched root files at most, .timelines aside */
#define QOT_FOLLOWER_POLLFDS	 (1 + QOT_FOLLOWER_FILES)

enum {
	QOT_FOLLOWER_CTL = 1, /* hold each timeline's ctl open read-write */
};

struct qot_follower;
struct qot_follower_tl;

struct qot_follower_config {
	const char *root;	  /* the mount point (kept, not copied) */
	unsigned flags;		  /* QOT_FOLLOWER_* */
	int64_t reattach_ns;	  /* how often to look for a mount that is not there */
	const char *const *files; /* root files also watched, NULL-terminated, or NULL */
	/* Whether to follow a timeline; NULL: every one. */
	bool (*want)(void *ctx, const char *name);
	void *want_ctx;
};

/* What a subscriber is told; any may be NULL. */
struct qot_follower_events {
	/* A timeline to follow: the subscriber's state for it (NULL is fine). */
	void *(*added)(void *ctx, struct qot_follower_tl *tl);
	/* It is gone (or the mount is, with its ctl): the state added returned. */
	void (*removed)(void *ctx, struct qot_follower_tl *tl, void *state);
	/* The list was read again: every change has been told. */
	void (*refreshed)(void *ctx);
	/* A watched root file's whole text (NUL-terminated; may be changed). */
	void (*file)(void *ctx, const char *name, char *text, size_t len);
	/* Attached to a mount, its timelines told. */
	void (*attached)(void *ctx);
	/* No mount to attach to: told once, until attached again. */
	void (*attach_failed)(void *ctx, int err);
	/* The mount went away (-errno); the follower looks for it again. */
	void (*lost)(void *ctx, int err);
};

/* NULL if out of memory. Attaches at the first qot_follower_tick. */
struct qot_follower *qot_follower_new(const struct qot_follower_config *cfg);
/* Detaches, tells every timeline removed, and frees. */
void qot_follower_free(struct qot_follower *f);
/* The subscriber's slot (for qot_follower_tl_state), or -ENOSPC. */
int qot_follower_subscribe(struct qot_follower *f, const struct qot_follower_events *ev, void *ctx);

const char *qot_follower_root(const struct qot_follower *f);
bool qot_follower_attached(const struct qot_follower *f);
/* Attach when due (now: any monotonic clock, in ns, the same at every call).
 * The instant it wants to run again (INT64_MAX: not before an event). */
int64_t qot_follower_tick(struct qot_follower *f, int64_t now);
/* The descriptors to poll (none while detached) into fds; their number. */
int qot_follower_pollfds(const struct qot_follower *f, struct pollfd *fds, int n);
/* What poll said of them: read again what changed, or detach. */
void qot_follower_handle(struct qot_follower *f, const struct pollfd *fds, int n);

/* The timelines followed, by name. */
size_t qot_follower_count(const struct qot_follower *f);
struct qot_follower_tl *qot_follower_get(const struct qot_follower *f, size_t i);
struct qot_follower_tl *qot_follower_find(const struct qot_follower *f, const char *name);

const char *qot_follower_tl_name(const struct qot_follower_tl *tl);
/* Its ctl, open read-write (QOT_FOLLOWER_CTL), else -1. */
int qot_follower_tl_ctl(const struct qot_follower_tl *tl);
void *qot_follower_tl_state(const struct qot_follower_tl *tl, int slot);

/*
 * Write text to tl's ctl in one write (QOT_FOLLOWER_CTL). 0; -EAGAIN when
 * the timeline was replaced by a new one of the same name (the new one is
 * told added, then the old one removed; the new one stands at the same
 * index: compute again and write again);
 * -ENOENT (gone: removed at the next refresh); or an -errno, which may have
 * detached the follower.
 */
int qot_follower_write_ctl(struct qot_follower *f, struct qot_follower_tl *tl, const char *text,
			   size_t len);
/*
 * Write text in one write to ROOT/TIMELINE/FILE, or ROOT/FILE if timeline
 * is NULL. 0 or -errno (-ENOENT: no such timeline; detached if the mount is
 * gone, -ENOTCONN while detached).
 */
int qot_follower_write(struct qot_follower *f, const char *timeline, const char *file,
		       const char *text, size_t len);

#endif /* QOT_FOLLOWER_H */
