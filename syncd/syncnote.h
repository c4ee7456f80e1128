/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syncnote.h - the one writer of each served timeline's note (qot(7)
 * note; lib/note.h): the words syncd adds at the end of the timeline's
 * sync line.
 *
 * Modules with words for a timeline subscribe as providers
 * (syncnote_provide), in the order their words are shown; only the last
 * may end in free text (the controller's reason=). Each interval
 * (syncnote_tick) and whenever a provider says its words changed
 * (syncnote_changed), it asks every provider for the timeline's words,
 * joins them with blanks and writes the note when the text differs from
 * what it last wrote there. Providers mark the readings that move at every
 * interval (a peer's ~age=, ~delay=): qotfs wakes the pollers of sync for
 * the rest, the news.
 *
 * It subscribes to the mount follower's timelines: a timeline found (at
 * start, after a restart of qotfs or of syncd) is written at the next
 * interval even with no words, which clears what an earlier syncd left.
 * A refused write is logged once, until one is taken again.
 */
#ifndef SYNCD_SYNCNOTE_H
#define SYNCD_SYNCNOTE_H

#include <stddef.h>
#include <stdint.h>

#include "follower.h"

#define SYNCNOTE_PROVIDERS 4 /* providers at most */

struct syncnote;

struct syncnote_provider {
	/* The timeline's words at base instant now, without newline or
	 * leading blank, into buf (NUL-terminated): their length, 0 for none. */
	size_t (*words)(void *ctx, struct qot_follower_tl *tl, int64_t now, char *buf, size_t size);
	void *ctx;
};

/* Subscribes to f's timelines. NULL if out of memory. */
struct syncnote *syncnote_new(struct qot_follower *f);
void syncnote_free(struct syncnote *sn);
/* The next provider, its words after those of the ones before. 0, -ENOSPC. */
int syncnote_provide(struct syncnote *sn, const struct syncnote_provider *p);
/* The interval came: every timeline's note, written where it changed. */
void syncnote_tick(struct syncnote *sn);
/* A provider's words for tl changed: its note now, not at the next interval. */
void syncnote_changed(struct syncnote *sn, struct qot_follower_tl *tl);

#endif /* SYNCD_SYNCNOTE_H */
