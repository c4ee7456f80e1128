/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch.h - poll() on qotfs files.
 *
 * A pollable file's content has a generation that each change bumps. An open
 * file remembers the generation it last read (at offset 0); poll() reports
 * POLLIN|POLLPRI while that differs from the current one, and otherwise parks
 * the kernel's poll handle until the next change hands it to the pusher.
 * So a watcher loops: read, poll, read, poll - and never busy-polls.
 */
#ifndef QOTFS_WATCH_H
#define QOTFS_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "list.h"
#include "pusher.h"
#include "snapshot.h"

struct watch;

struct watchlist {
	struct list watches;
	uint64_t gen;		 /* starts at 1: a fresh watch (seen 0) has something to read */
	struct snapshot *cached; /* the rendering of generation gen, once made */
	uint64_t cached_key;	 /* and what else it was rendered for (watch.h's user says) */
};

struct watch {
	struct list_node link;
	struct watchlist *list; /* NULL until the first poll */
	struct fuse_pollhandle *ph;
	uint64_t seen;
};

void watchlist_init(struct watchlist *wl);
/* Drop the cached rendering (the list's owner goes away). */
void watchlist_free(struct watchlist *wl);
/* The content changed: bump the generation, wake every parked poller. */
void watchlist_changed(struct watchlist *wl, struct pusher *p);

/* The content was just read at offset 0. */
void watch_seen(struct watch *w, const struct watchlist *wl);
/* 1 if there is something new to read; else parks ph (may be NULL) and returns 0. */
int watch_poll(struct watch *w, struct watchlist *wl, struct fuse_pollhandle *ph);
/* The open file goes away. */
void watch_detach(struct watch *w);

#endif /* QOTFS_WATCH_H */
