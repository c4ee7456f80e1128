/* SPDX-License-Identifier: Apache-2.0 */
/* watch.c - content generations and parked poll handles. */
#include <stddef.h>

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "watch.h"

void watchlist_init(struct watchlist *wl)
{
	wl->watches = (struct list){NULL, NULL};
	wl->gen = 1;
	wl->cached = NULL;
}

void watchlist_free(struct watchlist *wl)
{
	snapshot_put(wl->cached);
	wl->cached = NULL;
}

static void unlink_watch(struct watch *w)
{
	if (w->list == NULL)
		return;
	list_remove(&w->list->watches, &w->link);
	w->list = NULL;
}

void watchlist_changed(struct watchlist *wl, struct pusher *p)
{
	wl->gen++;
	watchlist_free(wl); /* readers mid-way keep their reference */
	for (struct list_node *n = wl->watches.first; n != NULL; n = n->next) {
		struct watch *w = container_of(n, struct watch, link);
		if (w->ph) {
			pusher_wake_poll(p, w->ph);
			w->ph = NULL;
		}
	}
}

void watch_seen(struct watch *w, const struct watchlist *wl)
{
	w->seen = wl->gen;
}

int watch_poll(struct watch *w, struct watchlist *wl, struct fuse_pollhandle *ph)
{
	if (w->list != wl) {
		unlink_watch(w);
		w->list = wl;
		list_append(&wl->watches, &w->link);
	}
	if (w->seen != wl->gen) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		return 1;
	}
	if (ph) {
		/* The kernel sends a new handle on each poll; only the newest matters. */
		if (w->ph)
			fuse_pollhandle_destroy(w->ph);
		w->ph = ph;
	}
	return 0;
}

void watch_detach(struct watch *w)
{
	unlink_watch(w);
	if (w->ph) {
		fuse_pollhandle_destroy(w->ph);
		w->ph = NULL;
	}
}
