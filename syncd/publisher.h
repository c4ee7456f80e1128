/* SPDX-License-Identifier: Apache-2.0 */
/*
 * publisher.h - syncd's parameters for every timeline it serves: each
 * interval (and at once for a timeline just found) it turns the first fresh
 * reading of the timeline's sources into clock parameters (discipline.c)
 * and writes them to the timeline's ctl with source=NAME.
 *
 * It subscribes to the mount follower's timelines: a new timeline's
 * discipline resumes from the parameters its ctl already holds (a
 * restarted syncd continues, it does not jump back), and one removed and
 * created again under its name is a new timeline.
 */
#ifndef SYNCD_PUBLISHER_H
#define SYNCD_PUBLISHER_H

#include "config.h"
#include "follower.h"
#include "sourceset.h"

struct publisher;

/* Subscribes to f's timelines. NULL if out of memory. */
struct publisher *publisher_new(const struct syncd_config *cfg, const struct sourceset *sources,
				struct qot_follower *f);
void publisher_free(struct publisher *p);
/*
 * Who else decides what disciplines a timeline (the peer timelines):
 * reading() says PUBLISHER_SOURCES (the rule's sources, as for any
 * timeline), PUBLISHER_READING (*r, from source `name`) or PUBLISHER_NONE
 * (holdover). Its words for sync go through syncnote.h, not here.
 */
enum publisher_feed_kind { PUBLISHER_SOURCES, PUBLISHER_READING, PUBLISHER_NONE };
struct publisher_feed {
	enum publisher_feed_kind (*reading)(void *ctx, struct qot_follower_tl *tl, int64_t now,
					    struct reading *r);
	const char *name; /* the source= of its readings */
	void *ctx;
};
void publisher_set_feed(struct publisher *p, const struct publisher_feed *feed);
/* The interval came: publish every timeline. */
void publisher_tick(struct publisher *p);

#endif /* SYNCD_PUBLISHER_H */
