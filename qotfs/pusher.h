/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pusher.h - the thread that talks to the kernel unprompted.
 *
 * Clock pages reach mapped readers through fuse_lowlevel_notify_store(), and
 * pollers are woken with fuse_lowlevel_notify_poll(). Neither may run on the
 * request loop: a page-fault READ holds the page lock until the loop replies,
 * so a store from the loop into that page would deadlock. The loop hands work
 * here instead.
 *
 * Each timeline's page is pushed as a seqlock: seq odd, parameters, seq even,
 * three separate stores. The pusher keeps a shadow of exactly what the kernel
 * page holds after each step, and READ replies (page faults, evictions) are
 * served from that shadow, so the kernel page always passes through states a
 * seqlock reader handles correctly, whichever way a READ and a store
 * interleave.
 */
#ifndef QOTFS_PUSHER_H
#define QOTFS_PUSHER_H

#include <stdbool.h>
#include <stdint.h>

#include "qot.h"

/* No FUSE header here: the model publishes through this one. */
struct fuse_session;
struct fuse_pollhandle;
struct pusher;
struct clockpub;

/* A pusher with no session does the bookkeeping but stores nothing (unit tests). */
struct pusher *pusher_new(void);
int pusher_start(struct pusher *p, struct fuse_session *se);
/* Nothing queued and nothing being pushed. */
bool pusher_idle(struct pusher *p);
/* Stops the thread, destroys pending poll handles, frees everything. */
void pusher_free(struct pusher *p);

/* The published clock of one timeline; ino is the kernel's node id of its page. */
struct clockpub *pusher_clock_new(struct pusher *p, uint64_t ino,
				  const struct qot_clock_params *initial);
void pusher_clock_put(struct pusher *p, struct clockpub *c);

/* Publish new parameters: readers of "now" see them at once, the page soon after. */
void pusher_clock_set(struct pusher *p, struct clockpub *c, const struct qot_clock_params *params);
/* Its clock file was opened: from now on the kernel may hold the page. */
void pusher_clock_opened(struct pusher *p, struct clockpub *c);
/* The newest parameters. */
void pusher_clock_get(struct pusher *p, struct clockpub *c, struct qot_clock_params *out);
/* The page as the kernel should hold it now (QOT_CLOCK_PAGE_SIZE bytes). */
void pusher_clock_page(struct pusher *p, struct clockpub *c, void *page);

/* Hand over a poll handle to be notified and destroyed by the pusher. */
void pusher_wake_poll(struct pusher *p, struct fuse_pollhandle *ph);

#endif /* QOTFS_PUSHER_H */
