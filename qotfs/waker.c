/* SPDX-License-Identifier: Apache-2.0 */
/* waker.c - parked requests in one deadline heap, woken by one thread. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <time.h>

#include "log.h"
#include "page.h"
#include "waker.h"

/* Reads stay parked at most this long whatever the options say: 1 s. */
#define MIN_PARK_MS 1000

struct waker {
	pthread_mutex_t lock;
	int tfd; /* timerfd on CLOCK_REALTIME: the top of the heap, cancelled when the clock is set
		  */
	int efd; /* eventfd: the heap's top changed, or stop */
	pthread_t thread;
	bool running, stopping;
	struct fuse_session *se;
	struct dheap heap; /* of struct waker_slot */
	size_t nclients, max_clients;
	size_t nparked;
	struct hashtab parked; /* parks by request: interrupts find theirs in O(1) */
	unsigned max_park_ms;
};

/* Tell the waker thread to look at the heap again. */
static void kick(struct waker *w)
{
	uint64_t one = 1;

	if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		qot_log(QOT_LOG_WARNING, "waking the waker: %s", strerror(errno));
}

static struct waker_slot *top(const struct waker *w)
{
	struct dheap_node *n = dheap_top(&w->heap);
	return n ? container_of(n, struct waker_slot, node) : NULL;
}

void waker_lock(struct waker *w)
{
	pthread_mutex_lock(&w->lock);
}

void waker_unlock(struct waker *w)
{
	pthread_mutex_unlock(&w->lock);
}

int waker_join(struct waker *w, bool privileged)
{
	int err;

	if (w->nclients >= w->max_clients + (privileged ? w->max_clients / 16 : 0))
		return -ENFILE;
	/* Room for every slot of every client, so pushes never fail. */
	err = dheap_reserve(&w->heap, WAKER_SLOTS_PER_CLIENT * (w->nclients + 1));
	if (err == 0)
		w->nclients++;
	return err;
}

void waker_leave(struct waker *w)
{
	w->nclients--;
}

void waker_push(struct waker *w, struct waker_slot *s)
{
	s->queued = true;
	dheap_push(&w->heap, &s->node);
	if (top(w) == s)
		kick(w);
}

void waker_remove(struct waker *w, struct waker_slot *s)
{
	s->queued = false;
	dheap_remove(&w->heap, &s->node);
}

void waker_rekey(struct waker *w, struct waker_slot *s, int64_t key)
{
	dheap_rekey(&w->heap, &s->node, key);
	if (top(w) == s)
		kick(w);
}

static int match_req(const struct hnode *n, const void *req)
{
	return container_of(n, struct waker_park, by_req)->req == req;
}

void waker_park(struct waker *w, struct waker_park *p, fuse_req_t req)
{
	p->req = req;
	hashtab_insert(&w->parked, &p->by_req, hash_u64((uintptr_t)req));
	p->interrupted = fuse_req_interrupted(req) != 0;
	p->limit = qot_now_ns(CLOCK_MONOTONIC) + (int64_t)w->max_park_ms * 1000000;
	w->nparked++;
}

fuse_req_t waker_unpark(struct waker *w, struct waker_park *p)
{
	fuse_req_t req = p->req;

	if (p->slot->queued)
		waker_remove(w, p->slot);
	hashtab_remove(&w->parked, &p->by_req);
	p->req = NULL;
	w->nparked--;
	return req;
}

/* Runs on a libfuse thread under the request's lock: mark and signal only. */
static void on_interrupt(fuse_req_t req, void *data)
{
	struct waker *w = data;
	struct hnode *n;

	pthread_mutex_lock(&w->lock);
	/* Found by request, not by a pointer to the park: libfuse may call this
	 * just after the reply, when the park may be gone. A hash, not a scan:
	 * killing a process with thousands of parked reads sends as many. */
	n = hashtab_find(&w->parked, hash_u64((uintptr_t)req), match_req, req);
	if (n != NULL) {
		struct waker_park *p = container_of(n, struct waker_park, by_req);
		p->interrupted = true;
		if (p->slot->queued)
			waker_rekey(w, p->slot, INT64_MIN);
	}
	pthread_mutex_unlock(&w->lock);
}

void waker_interruptible(struct waker *w, fuse_req_t req)
{
	fuse_req_interrupt_func(req, on_interrupt, w);
}

void waker_notify_poll(struct waker *w, struct fuse_pollhandle *ph)
{
	pthread_mutex_unlock(&w->lock);
	if (w->se)
		fuse_lowlevel_notify_poll(ph);
	fuse_pollhandle_destroy(ph);
	pthread_mutex_lock(&w->lock);
}

/* Plan every slot that follows tag (NULL: all) again, and rebuild the heap in O(n). */
static void replan_all(struct waker *w, const void *tag)
{
	bool any = false;

	for (size_t i = 0; i < w->heap.n; i++) {
		struct waker_slot *s = container_of(w->heap.items[i], struct waker_slot, node);
		if (tag != NULL && s->tag != tag)
			continue;
		s->node.key = s->ops->plan(s);
		any = true;
	}
	if (any) {
		dheap_heapify(&w->heap);
		kick(w);
	}
}

void waker_replan(struct waker *w, const void *tag)
{
	pthread_mutex_lock(&w->lock);
	replan_all(w, tag);
	pthread_mutex_unlock(&w->lock);
}

/* Arm the timerfd at base-clock instant key (0: disarm). */
static void arm(struct waker *w, int64_t key)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (key != 0) {
		if (key < 1)
			key = 1; /* due already: a zero value would disarm */
		its.it_value.tv_sec = (time_t)(key / 1000000000);
		its.it_value.tv_nsec = (long)(key % 1000000000);
	}
	if (timerfd_settime(w->tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0)
		qot_log(QOT_LOG_WARNING, "arming the waker's timer: %s", strerror(errno));
}

static void *waker_main(void *arg)
{
	struct waker *w = arg;
	struct pollfd pfd[2] = {{.fd = w->tfd, .events = POLLIN}, {.fd = w->efd, .events = POLLIN}};

	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		struct waker_slot *s = top(w);
		uint64_t v;
		bool stepped;
		int64_t key;

		if (s != NULL && s->node.key <= qot_now_ns(CLOCK_REALTIME)) {
			waker_remove(w, s);
			s->ops->due(w, s);
			continue;
		}
		/* A timerfd, not a timed wait: it wakes on time with no timer slack,
		 * and a set of CLOCK_REALTIME cancels it, so parking stays bounded. */
		key = s != NULL ? s->node.key : 0;
		pthread_mutex_unlock(&w->lock);
		arm(w, key);
		while (poll(pfd, 2, -1) < 0 && errno == EINTR)
			;
		if (pfd[1].revents & POLLIN)
			(void)!read(w->efd, &v, sizeof(v));
		stepped = (pfd[0].revents & POLLIN) && read(w->tfd, &v, sizeof(v)) < 0 &&
			  errno == ECANCELED;
		pthread_mutex_lock(&w->lock);
		if (stepped)
			replan_all(w, NULL);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* The kernel's FUSE request timeout in seconds (the smaller one set), 0 if none. */
static unsigned kernel_request_timeout(void)
{
	static const char *const files[] = {"/proc/sys/fs/fuse/default_request_timeout",
					    "/proc/sys/fs/fuse/max_request_timeout"};
	unsigned best = 0;

	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "re");
		unsigned v = 0;
		if (f == NULL)
			continue;
		if (fscanf(f, "%u", &v) == 1 && v > 0 && (best == 0 || v < best))
			best = v;
		fclose(f);
	}
	return best;
}

struct waker *waker_new(size_t max_clients, unsigned max_wait_s)
{
	struct waker *w = calloc(1, sizeof(*w));
	unsigned kernel = kernel_request_timeout();
	uint64_t ms = (uint64_t)(max_wait_s ? max_wait_s : WAKER_DEFAULT_MAX_WAIT_S) * 1000;

	if (w == NULL)
		return NULL;
	if (hashtab_init(&w->parked) != 0) {
		free(w);
		return NULL;
	}
	w->tfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->tfd < 0 || w->efd < 0) {
		qot_log(QOT_LOG_ERR, "timerfd or eventfd for the waker: %s", strerror(errno));
		if (w->tfd >= 0)
			close(w->tfd);
		if (w->efd >= 0)
			close(w->efd);
		hashtab_free(&w->parked);
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	w->max_clients = max_clients ? max_clients : WAKER_DEFAULT_MAX_TIMERS;
	/* Well inside the kernel's timeout, which aborts the whole connection. */
	if (kernel && ms > (uint64_t)kernel * 1000 / 2)
		ms = (uint64_t)kernel * 1000 / 2;
	w->max_park_ms = (unsigned)(ms < MIN_PARK_MS ? MIN_PARK_MS : ms);
	return w;
}

int waker_start(struct waker *w, struct fuse_session *se)
{
	int err;

	w->se = se;
	err = pthread_create(&w->thread, NULL, waker_main, w);
	if (err)
		return -err;
	w->running = true;
	return 0;
}

unsigned waker_max_park_ms(const struct waker *w)
{
	return w->max_park_ms;
}

size_t waker_parked(struct waker *w)
{
	size_t n;

	pthread_mutex_lock(&w->lock);
	n = w->nparked;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void waker_stop(struct waker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	kick(w);
	pthread_mutex_unlock(&w->lock);
	if (w->running)
		pthread_join(w->thread, NULL);
	w->running = false;
	pthread_mutex_lock(&w->lock);
	for (struct waker_slot *s; (s = top(w)) != NULL;) {
		waker_remove(w, s);
		s->ops->cancel(w, s);
	}
	pthread_mutex_unlock(&w->lock);
}

void waker_free(struct waker *w)
{
	if (w == NULL)
		return;
	waker_stop(w);
	dheap_free(&w->heap);
	pthread_mutex_destroy(&w->lock);
	close(w->tfd);
	close(w->efd);
	hashtab_free(&w->parked);
	free(w);
}
