/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mirror.h - the timelines of the local mount, mirrored into ZooKeeper and
 * back. For every local timeline coordd watches the cluster's members and
 * election and writes them to the timeline's members file; for every
 * timeline in use (listed in /qot/.active) it also keeps this node's member
 * node (holding its effective requirement and peer endpoint) and its
 * election candidate. The members file lists every member with its peer
 * endpoint and its place in the election order (rank).
 *
 * The mirror subscribes to the mount follower: timelines added and removed
 * (withdrawing from them), .active, a new mount (everything again). Work is
 * done by reconciling dirty timelines when connected; a call that fails
 * because the connection did leaves the timeline dirty for the next pass.
 *
 * A change of a timeline's requirement (or of its use) is held down for a
 * short while before it is written (mirror_set_hold): the changes of a
 * burst - bindings made and ended in a flood - collapse into one write per
 * timeline per hold, not one per change.
 */
#ifndef COORDD_MIRROR_H
#define COORDD_MIRROR_H

#include <stddef.h>

#include "follower.h"
#include "session.h"

struct mirror;

/*
 * Subscribes to f's timelines and .active (which f must watch). peer is this
 * node's syncd peer endpoint, published with its membership (NULL or "" for
 * none; kept, not copied). NULL if out of memory.
 */
struct mirror *mirror_new(struct session *s, struct qot_follower *f, const char *node,
			  const char *peer);
void mirror_free(struct mirror *m);

/* Hold requirement changes this long (ns; 0: write at once). */
void mirror_set_hold(struct mirror *m, int64_t hold_ns);
/* When the next held change is due (session_now() clock), INT64_MAX if none. */
int64_t mirror_next_due(const struct mirror *m);
/* A watch fired on a path of coordd's (zkpath.h): its timeline is read again. */
void mirror_watch_fired(struct mirror *m, const char *path);
/* Everything is to be read again (reconnected, new session, events lost). */
void mirror_touch_all(struct mirror *m);
/* Reconcile every dirty timeline while connected, but those held down. Number
 * still dirty (those held down not counted). */
size_t mirror_sync(struct mirror *m);
/* Leaving: withdraw from every timeline (members text first, then nodes). */
void mirror_withdraw_all(struct mirror *m);

#endif /* COORDD_MIRROR_H */
