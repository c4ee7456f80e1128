/* SPDX-License-Identifier: Apache-2.0 */
/* watchers.c - model events to content generations and woken pollers. */
#include <stdlib.h>
#include <time.h>

#include "hashtab.h"
#include "log.h"
#include "now.h"
#include "projection.h"
#include "registry.h"
#include "watchers.h"

/* The watch lists of one timeline. */
struct tl_watches {
	struct hnode node;
	uint64_t id;
	struct watchlist wl[TL_NWATCH];
	int met; /* whether the bounds met the requirement at the last parameters; -1 */
};

struct watchers {
	struct registry *reg;
	struct pusher *pusher;
	struct watchlist timelines; /* the list of timelines changed */
	struct watchlist active;    /* which timelines are in use, or their requirement */
	struct watchlist coord;	    /* the coordinator's lease was written */
	struct hashtab by_id;	    /* struct tl_watches */
};

static int match_id(const struct hnode *n, const void *key)
{
	return container_of(n, struct tl_watches, node)->id == *(const uint64_t *)key;
}

static struct tl_watches *find(struct watchers *w, const struct timeline *tl)
{
	uint64_t id = timeline_id(tl);
	struct hnode *n = hashtab_find(&w->by_id, hash_u64(id), match_id, &id);

	return n ? container_of(n, struct tl_watches, node) : NULL;
}

static void changed(struct watchers *w, const struct timeline *tl, enum tl_watch which)
{
	struct tl_watches *t = find(w, tl);

	if (t != NULL)
		watchlist_changed(&t->wl[which], w->pusher);
}

static void created(struct watchers *w, const struct timeline *tl)
{
	struct tl_watches *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		qot_log(QOT_LOG_WARNING, "timeline %s: no memory to watch its files",
			timeline_name(tl));
		return;
	}
	t->id = timeline_id(tl);
	t->met = -1;
	for (int i = 0; i < TL_NWATCH; i++)
		watchlist_init(&t->wl[i]);
	hashtab_insert(&w->by_id, &t->node, hash_u64(t->id));
}

static void drop_watches(struct hnode *n);

static void drop(struct watchers *w, struct tl_watches *t)
{
	hashtab_remove(&w->by_id, &t->node);
	drop_watches(&t->node);
}

/* sync's met= as of new parameters: its pollers are woken when it flips. */
static void met_changed(struct watchers *w, const struct timeline *tl,
			const struct qot_clock_params *params)
{
	struct tl_watches *t = find(w, tl);
	const struct qot_req *eff = timeline_effective(tl);
	struct qot_time now;
	int met;

	if (t == NULL || params == NULL)
		return;
	qot_project_inline(params, qot_now_ns(CLOCK_REALTIME), &now);
	met = now.below <= eff->acc_below && now.above <= eff->acc_above;
	if (met != t->met && t->met >= 0)
		watchlist_changed(&t->wl[TL_WATCH_SYNC], w->pusher);
	t->met = met;
}

static void on_event(const struct event *ev, void *arg)
{
	struct watchers *w = arg;
	struct tl_watches *t;

	switch (ev->kind) {
	case EVENT_CREATED:
		created(w, ev->tl);
		watchlist_changed(&w->timelines, w->pusher);
		break;
	case EVENT_REMOVED:
		if (ev->in_use)
			watchlist_changed(&w->active, w->pusher);
		watchlist_changed(&w->timelines, w->pusher);
		/* Whoever polls a file of this timeline learns that it is gone. */
		for (int i = 0; i < TL_NWATCH; i++)
			changed(w, ev->tl, (enum tl_watch)i);
		break;
	case EVENT_FREED:
		t = find(w, ev->tl);
		if (t != NULL)
			drop(w, t);
		break;
	case EVENT_PARAMS:
		changed(w, ev->tl, TL_WATCH_CLOCK);
		met_changed(w, ev->tl, ev->params);
		break;
	case EVENT_RETIRED:
		changed(w, ev->tl, TL_WATCH_CLOCK);
		changed(w, ev->tl, TL_WATCH_SYNC);
		break;
	case EVENT_NOTE:
		changed(w, ev->tl, TL_WATCH_SYNC);
		break;
	case EVENT_BINDINGS:
		changed(w, ev->tl, TL_WATCH_BINDINGS);
		break;
	case EVENT_REQUIREMENT:
		changed(w, ev->tl, TL_WATCH_REQUIREMENTS);
		changed(w, ev->tl, TL_WATCH_SYNC);
		break;
	case EVENT_ACTIVE:
		watchlist_changed(&w->active, w->pusher);
		break;
	case EVENT_MEMBERS:
		changed(w, ev->tl, TL_WATCH_MEMBERS);
		changed(w, ev->tl, TL_WATCH_CLUSTER);
		break;
	case EVENT_LEASE:
		watchlist_changed(&w->coord, w->pusher);
		if (ev->moved) {
			for (struct timeline *tl = registry_next(w->reg, NULL); tl != NULL;
			     tl = registry_next(w->reg, tl)) {
				changed(w, tl, TL_WATCH_MEMBERS);
				changed(w, tl, TL_WATCH_CLUSTER);
			}
		}
		break;
	case EVENT_STANDING:
		break; /* seen through EVENT_REQUIREMENT, if it mattered */
	}
}

struct watchers *watchers_new(struct registry *reg, struct pusher *p)
{
	struct watchers *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	if (hashtab_init(&w->by_id) != 0 || registry_subscribe(reg, on_event, w) != 0) {
		hashtab_free(&w->by_id);
		free(w);
		return NULL;
	}
	w->reg = reg;
	w->pusher = p;
	watchlist_init(&w->timelines);
	watchlist_init(&w->active);
	watchlist_init(&w->coord);
	return w;
}

static void drop_watches(struct hnode *n)
{
	struct tl_watches *t = container_of(n, struct tl_watches, node);

	for (int i = 0; i < TL_NWATCH; i++)
		watchlist_free(&t->wl[i]);
	free(t);
}

void watchers_free(struct watchers *w)
{
	if (w == NULL)
		return;
	hashtab_drain(&w->by_id, drop_watches);
	watchlist_free(&w->timelines);
	watchlist_free(&w->active);
	watchlist_free(&w->coord);
	free(w);
}

struct watchlist *watchers_timelines(struct watchers *w)
{
	return &w->timelines;
}

struct watchlist *watchers_active(struct watchers *w)
{
	return &w->active;
}

struct watchlist *watchers_coordination(struct watchers *w)
{
	return &w->coord;
}

struct watchlist *watchers_of(struct watchers *w, const struct timeline *tl)
{
	struct tl_watches *t = find(w, tl);

	return t ? t->wl : NULL;
}
