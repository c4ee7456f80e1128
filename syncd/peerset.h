/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peerset.h - syncd's peer timelines (`timeline NAME peer`, syncd.conf(5);
 * docs/peer-protocol.md): the one peer endpoint, and a peer_timeline for
 * each such timeline the mount follower tells it of.
 *
 * Each interval it reads this node's name from qotfs's .coordination, and
 * each peer timeline's election order, peer addresses and lease state from
 * its members and cluster files (peer_members.h; syncd never talks to
 * ZooKeeper), tells the timeline whether its own sources are a reference,
 * and ticks it. The publisher asks it for a peer timeline's reading
 * (peerset_reading): the exchange's or the Berkeley correction's; the
 * timeline's own sources while it is the root with a reference, or before
 * it was ever synchronised by its peers (its free-running clock, which
 * Berkeley averaging starts from); else none (holdover, then unsynced, as
 * with a lost source).
 */
#ifndef SYNCD_PEERSET_H
#define SYNCD_PEERSET_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "follower.h"
#include "source.h"
#include "sourceset.h"

struct peerset;

/* Whether the configuration has peer timelines at all. */
bool peerset_wanted(const struct syncd_config *cfg);
/* Load the key file and subscribe to f's timelines (the endpoint opens once
 * this node's name is known). NULL with the reason in msg. */
struct peerset *peerset_new(const struct syncd_config *cfg, const struct sourceset *sources,
			    struct qot_follower *f, char *msg, size_t msglen);
void peerset_free(struct peerset *ps);

/* The endpoint's descriptor to poll for input, or -1. */
int peerset_fd(const struct peerset *ps);
/* It is readable. */
void peerset_readable(struct peerset *ps);
/* The earlier of until and the endpoint's next timeout (monotonic ns). */
int64_t peerset_next(const struct peerset *ps, int64_t until);
/* Report exchanges timed out by monotonic instant mono. */
void peerset_expire(struct peerset *ps, int64_t mono);
/* One interval (before publishing): read the cluster's files, tick every timeline. */
void peerset_tick(struct peerset *ps);

/* The controller (controlset.h) turns each controlled peer timeline's
 * exchange interval and reads its quality (peer_timeline_quality); the
 * exchanges of such a timeline are scheduled at that interval, between the
 * ticks if need be (peerset_next, peerset_expire). */
struct controlset;
void peerset_attach_control(struct peerset *ps, struct controlset *cs);

enum peerset_feed {
	PEERSET_SOURCES, /* not a peer timeline's business: its sources decide */
	PEERSET_READING, /* *r is the timeline's reading */
	PEERSET_NONE,	 /* no reading (holdover) */
};

/* What disciplines the timeline tl at base instant now. */
enum peerset_feed peerset_reading(struct peerset *ps, struct qot_follower_tl *tl, int64_t now,
				  struct reading *r);

/* The timeline's peer state for its note (qot(7); syncnote.h), the readings
 * marked, into buf: its length (at most PEERSET_NOTE_MAX, which leaves room
 * for the controller's fields), or 0 (not a peer timeline, not running, too
 * long). */
#define PEERSET_NOTE_MAX 511
size_t peerset_note(struct peerset *ps, struct qot_follower_tl *tl, int64_t now, char *buf,
		    size_t size);
/* Provide those words to the note's writer, and tell it at once when the
 * role, the upstream, the epoch, the mode or who is left out changes
 * (after the endpoint's events, not only at the tick). 0, or -ENOSPC. */
struct syncnote;
int peerset_attach_note(struct peerset *ps, struct syncnote *sn);

#endif /* SYNCD_PEERSET_H */
