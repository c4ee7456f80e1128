/* SPDX-License-Identifier: Apache-2.0 */
/* service.c - wiring: the model, its listeners, the threads, the lifecycle. */
#include <stdlib.h>

#include "persist.h"
#include "pusher.h"
#include "service.h"
#include "waker.h"
#include "watchers.h"

struct service {
	struct registry *reg;
	struct pusher *pusher;
	struct waker *waker;
	struct watchers *watchers;
	struct persist *persist; /* NULL: nothing survives a restart */
	bool stopping;		 /* final pages published: no more changes */
};

/* The waker's subscription: parked timer reads follow their timeline's new
 * clock (timer.c tags their slots with it). */
static void waker_on_event(const struct event *ev, void *arg)
{
	if (ev->kind == EVENT_PARAMS)
		waker_replan(arg, timeline_clock(ev->tl));
}

struct service *service_new(const struct registry_limits *limits)
{
	struct service *svc = calloc(1, sizeof(*svc));

	if (svc == NULL)
		return NULL;
	svc->pusher = pusher_new();
	if (svc->pusher)
		svc->waker = waker_new(limits->max_timers, limits->max_wait_s);
	if (svc->waker)
		svc->reg = registry_new(limits, svc->pusher);
	if (svc->reg)
		svc->watchers = watchers_new(svc->reg, svc->pusher);
	if (svc->watchers == NULL || registry_subscribe(svc->reg, waker_on_event, svc->waker)) {
		service_free(svc);
		return NULL;
	}
	return svc;
}

size_t service_restore(struct service *svc, struct statedir *sd, const struct statefile_image *img)
{
	svc->persist = persist_new(svc->reg, sd);
	return persist_restore(svc->persist, img);
}

int service_start(struct service *svc, struct fuse_session *se)
{
	int err = pusher_start(svc->pusher, se);

	if (err == 0)
		err = waker_start(svc->waker, se);
	return err ? err : persist_start(svc->persist);
}

void service_stopping(struct service *svc)
{
	svc->stopping = true;
	for (struct timeline *tl = registry_next(svc->reg, NULL); tl != NULL;
	     tl = registry_next(svc->reg, tl))
		timeline_retire(tl);
}

bool service_stopping_now(const struct service *svc)
{
	return svc->stopping;
}

bool service_settled(struct service *svc)
{
	return pusher_idle(svc->pusher);
}

int service_save_state(struct service *svc, bool stopped)
{
	return persist_save(svc->persist, stopped);
}

void service_stop(struct service *svc)
{
	if (svc != NULL)
		waker_stop(svc->waker);
}

void service_free(struct service *svc)
{
	if (svc == NULL)
		return;
	waker_stop(svc->waker);
	persist_free(svc->persist);
	registry_free(svc->reg);
	watchers_free(svc->watchers);
	waker_free(svc->waker);
	pusher_free(svc->pusher);
	free(svc);
}

struct registry *service_registry(struct service *svc)
{
	return svc->reg;
}

struct pusher *service_pusher(struct service *svc)
{
	return svc->pusher;
}

struct waker *service_waker(struct service *svc)
{
	return svc->waker;
}

struct watchers *service_watchers(struct service *svc)
{
	return svc->watchers;
}
