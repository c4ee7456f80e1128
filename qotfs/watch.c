/* watch.c - content generations and parked poll handles. */
#include <stddef.h>

#include "watch.h"

void watchlist_init(struct watchlist *wl)
{
	wl->head = NULL;
	wl->gen = 1;
}

static void unlink_watch(struct watch *w)
{
	if (w->list == NULL)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		w->list->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	w->list = NULL;
}

void watchlist_changed(struct watchlist *wl, struct pusher *p)
{
	wl->gen++;
	for (struct watch *w = wl->head; w != NULL; w = w->next) {
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
		w->prev = NULL;
		w->next = wl->head;
		if (wl->head)
			wl->head->prev = w;
		wl->head = w;
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
