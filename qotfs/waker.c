/* SPDX-License-Identifier: Apache-2.0 */
/* waker.c - timer files: parked reads and polls, woken by one thread. */
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

#include "dheap.h"
#include "hashtab.h"
#include "list.h"
#include "log.h"
#include "page.h"
#include "projection.h"
#include "waitcalc.h"
#include "waker.h"

/* Least time between two plans of one waiter whose deadline came but whose
 * instant did not (rounding at the nanosecond): no spinning. */
#define REPLAN_MIN_NS 1000
/* Reads stay parked at most this long whatever the options say: 1 s. */
#define MIN_PARK_MS 1000

enum slot_kind { SLOT_READ, SLOT_POLL };

/* A timer's place in the heap: its parked read, or its parked poll handle. */
struct slot {
	struct dheap_node node; /* key: when the waker looks at it, base-clock ns */
	bool queued;
	enum slot_kind kind;
};

struct timer {
	struct clockpub *clock;
	struct qot_timer_spec spec; /* QOT_TIMER_NONE until the first write */
	int64_t target;		    /* the armed instant (for periods: the boundary) */
	bool written;
	off_t write_end; /* file offset after the last write */

	/* The line of the last wake-up, at file offset line_off. */
	bool has_line;
	char line[QOT_TIME_TEXT_MAX];
	size_t line_len;
	off_t line_off;

	/* The parked read: req is NULL when there is none. */
	fuse_req_t req;
	size_t req_size;
	off_t req_off;
	int64_t park_limit; /* CLOCK_MONOTONIC ns: a step of the base clock cannot move it */
	bool interrupted;
	struct slot rslot;
	struct hnode by_req; /* in the waker's parked reads, while req is set */

	struct fuse_pollhandle *ph; /* the parked poll handle, or NULL */
	struct slot pslot;
};

struct waker {
	pthread_mutex_t lock;
	int tfd; /* timerfd on CLOCK_REALTIME: the top of the heap, cancelled when the clock is set
		  */
	int efd; /* eventfd: the heap's top changed, or stop */
	pthread_t thread;
	bool running, stopping;
	struct fuse_session *se;
	struct pusher *pusher;
	struct dheap heap; /* of struct slot */
	size_t ntimers, max_timers;
	size_t nparked;
	struct hashtab parked; /* timers by parked request: interrupts find theirs in O(1) */
	unsigned max_park_ms;
};

static struct slot *top(const struct waker *w)
{
	struct dheap_node *n = dheap_top(&w->heap);
	return n ? container_of(n, struct slot, node) : NULL;
}

static struct timer *slot_timer(struct slot *s)
{
	return s->kind == SLOT_READ ? container_of(s, struct timer, rslot)
				    : container_of(s, struct timer, pslot);
}

/* Tell the waker thread to look at the heap again. */
static void kick(struct waker *w)
{
	uint64_t one = 1;

	if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		qot_log(QOT_LOG_WARNING, "waking the waker: %s", strerror(errno));
}

/* ---- the heap (dheap.h) ---- */

/* Space for every slot of every timer is reserved at timer_open: no failure here. */
static void heap_push(struct waker *w, struct slot *s)
{
	s->queued = true;
	dheap_push(&w->heap, &s->node);
	if (top(w) == s)
		kick(w);
}

static void heap_remove(struct waker *w, struct slot *s)
{
	s->queued = false;
	dheap_remove(&w->heap, &s->node);
}

static void heap_rekey(struct waker *w, struct slot *s, int64_t key)
{
	dheap_rekey(&w->heap, &s->node, key);
	if (top(w) == s)
		kick(w);
}

/* ---- timer logic (under the lock) ---- */

static void timer_now(struct waker *w, const struct timer *t, struct qot_clock_params *p,
		      struct qot_time *now, int64_t *base)
{
	pusher_clock_get(w->pusher, t->clock, p);
	*base = qot_now_ns(CLOCK_REALTIME);
	qot_project_inline(p, *base, now);
}

static bool timer_ready(const struct timer *t, const struct qot_time *now)
{
	if (t->spec.mode == QOT_TIMER_COMMIT)
		return qot_time_certainly_past(now, t->target);
	return qot_time_reached(now, t->target);
}

/* The base instant to look again, after base (never at once: REPLAN_MIN_NS). */
static int64_t timer_deadline(const struct timer *t, const struct qot_clock_params *p, int64_t base)
{
	int64_t d = t->spec.mode == QOT_TIMER_COMMIT ? qot_base_committing(p, t->target)
						     : qot_base_reaching(p, t->target);

	if (d < base + REPLAN_MIN_NS) /* base is a real instant: no overflow */
		d = base + REPLAN_MIN_NS;
	return d;
}

/* When the waker looks at a slot next, planned at base-clock instant base:
 * at the deadline, or for a read at the end of its parking if sooner. */
static int64_t plan(const struct timer *t, const struct slot *s, const struct qot_clock_params *p,
		    int64_t base)
{
	int64_t d, left;

	if (s->kind == SLOT_POLL)
		return timer_deadline(t, p, base);
	if (t->interrupted)
		return INT64_MIN;
	d = timer_deadline(t, p, base);
	left = t->park_limit - qot_now_ns(CLOCK_MONOTONIC);
	if (left < 0)
		left = 0;
	return d - base < left ? d : base + left;
}

/* The instant came: record the line read at off, re-arm a period. */
static void timer_fire(struct timer *t, const struct qot_time *now, off_t off)
{
	t->line_len = qot_time_format(now, t->line, sizeof(t->line));
	t->line_off = off;
	t->has_line = true;
	if (t->spec.mode == QOT_TIMER_PERIOD &&
	    qot_next_boundary(now->estimate, t->spec.period, t->spec.phase, &t->target) != 0)
		t->target = INT64_MAX; /* no boundary left before the end of int64 time */
}

static bool one_shot(const struct timer *t)
{
	return t->spec.mode == QOT_TIMER_AT || t->spec.mode == QOT_TIMER_COMMIT;
}

/* Bytes of the current line from off, into buf; 0 at or past its end. */
static size_t line_from(const struct timer *t, off_t off, size_t size, char *buf)
{
	size_t at, n;

	if (!t->has_line || off < t->line_off || (size_t)(off - t->line_off) >= t->line_len)
		return 0;
	at = (size_t)(off - t->line_off);
	n = t->line_len - at < size ? t->line_len - at : size;
	memcpy(buf, t->line + at, n);
	return n;
}

static void take_read(struct waker *w, struct timer *t)
{
	if (t->rslot.queued)
		heap_remove(w, &t->rslot);
	hashtab_remove(&w->parked, &t->by_req);
	t->req = NULL;
	w->nparked--;
}

/* ---- the waker thread ---- */

static void wake_poll(struct waker *w, struct timer *t)
{
	struct fuse_pollhandle *ph = t->ph;

	t->ph = NULL;
	pthread_mutex_unlock(&w->lock);
	if (w->se)
		fuse_lowlevel_notify_poll(ph);
	fuse_pollhandle_destroy(ph);
	pthread_mutex_lock(&w->lock);
}

/* The slot at the top of the heap is due; it was removed from the heap. */
static void serve(struct waker *w, struct slot *s)
{
	struct timer *t = slot_timer(s);
	struct qot_clock_params p;
	struct qot_time now;
	int64_t base;
	char buf[QOT_TIME_TEXT_MAX];
	size_t n;
	fuse_req_t req;

	if (s->kind == SLOT_READ && t->interrupted) {
		req = t->req;
		take_read(w, t);
		pthread_mutex_unlock(&w->lock);
		fuse_reply_err(req, EINTR);
		pthread_mutex_lock(&w->lock);
		return;
	}
	timer_now(w, t, &p, &now, &base);
	if (timer_ready(t, &now)) {
		if (s->kind == SLOT_POLL) {
			wake_poll(w, t);
			return;
		}
		timer_fire(t, &now, t->req_off);
		n = line_from(t, t->req_off, t->req_size, buf);
		req = t->req;
		take_read(w, t);
		pthread_mutex_unlock(&w->lock);
		fuse_reply_buf(req, buf, n);
		pthread_mutex_lock(&w->lock);
		return;
	}
	if (s->kind == SLOT_READ && qot_now_ns(CLOCK_MONOTONIC) >= t->park_limit) {
		/* Parked as long as allowed: the reader restarts the read. */
		req = t->req;
		take_read(w, t);
		pthread_mutex_unlock(&w->lock);
		fuse_reply_err(req, EINTR);
		pthread_mutex_lock(&w->lock);
		return;
	}
	s->node.key = plan(t, s, &p, base);
	heap_push(w, s);
}

/* Plan every slot again (the base clock was set, or a timeline's parameters
 * changed: clock names it, NULL for all), and rebuild the heap in O(n). */
static void replan_all(struct waker *w, struct clockpub *clock)
{
	bool any = false;

	for (size_t i = 0; i < w->heap.n; i++) {
		struct slot *s = container_of(w->heap.items[i], struct slot, node);
		struct timer *t = slot_timer(s);
		struct qot_clock_params p;
		struct qot_time now;
		int64_t base;
		if (clock != NULL && t->clock != clock)
			continue;
		timer_now(w, t, &p, &now, &base);
		s->node.key = plan(t, s, &p, base);
		any = true;
	}
	if (any) {
		dheap_heapify(&w->heap);
		kick(w);
	}
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
		uint64_t v;
		bool stepped;
		int64_t key;

		struct slot *s = top(w);

		if (s != NULL && s->node.key <= qot_now_ns(CLOCK_REALTIME)) {
			heap_remove(w, s);
			serve(w, s);
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

static int match_req(const struct hnode *n, const void *req)
{
	return container_of(n, struct timer, by_req)->req == req;
}

/* Runs on a libfuse thread under the request's lock: mark and signal only. */
static void on_interrupt(fuse_req_t req, void *data)
{
	struct waker *w = data;
	struct hnode *n;

	pthread_mutex_lock(&w->lock);
	/* Found by request, not by a pointer to the timer: libfuse may call this
	 * just after the reply, when the timer may be gone. A hash, not a scan:
	 * killing a process with thousands of parked reads sends as many. */
	n = hashtab_find(&w->parked, hash_u64((uintptr_t)req), match_req, req);
	if (n != NULL) {
		struct timer *t = container_of(n, struct timer, by_req);
		t->interrupted = true;
		if (t->rslot.queued)
			heap_rekey(w, &t->rslot, INT64_MIN);
	}
	pthread_mutex_unlock(&w->lock);
}

/* ---- the loop thread's side ---- */

static void park_read(struct waker *w, struct timer *t, fuse_req_t req, size_t size, off_t off)
{
	struct qot_clock_params p;
	struct qot_time now;
	int64_t base;

	t->req = req;
	hashtab_insert(&w->parked, &t->by_req, hash_u64((uintptr_t)req));
	t->req_size = size;
	t->req_off = off;
	t->interrupted = fuse_req_interrupted(req) != 0;
	w->nparked++;
	timer_now(w, t, &p, &now, &base);
	t->park_limit = qot_now_ns(CLOCK_MONOTONIC) + (int64_t)w->max_park_ms * 1000000;
	t->rslot.node.key = plan(t, &t->rslot, &p, base);
	heap_push(w, &t->rslot);
}

void timer_read(struct waker *w, struct timer *t, fuse_req_t req, size_t size, off_t off)
{
	struct qot_clock_params p;
	struct qot_time now;
	int64_t base;
	char buf[QOT_TIME_TEXT_MAX];
	size_t n;
	bool fresh, at_end;

	pthread_mutex_lock(&w->lock);
	if (t->req != NULL) {
		pthread_mutex_unlock(&w->lock);
		fuse_reply_err(req, EBUSY); /* one parked read per open file */
		return;
	}
	at_end = t->has_line && off == t->line_off + (off_t)t->line_len;
	/* A fresh wait at offset 0, where the last write left the offset, or at
	 * the end of the last line of a period (so cat and read loops go on
	 * ticking); elsewhere the rest of the last line, or end of file. */
	fresh = off == 0 || (t->written && off == t->write_end) || (at_end && !one_shot(t));
	if (!fresh || t->spec.mode == QOT_TIMER_NONE) {
		n = fresh ? 0 : line_from(t, off, size, buf);
		pthread_mutex_unlock(&w->lock);
		if (fresh)
			fuse_reply_err(req, EINVAL); /* nothing armed */
		else
			fuse_reply_buf(req, n ? buf : NULL, n);
		return;
	}
	timer_now(w, t, &p, &now, &base);
	if (timer_ready(t, &now)) {
		timer_fire(t, &now, off);
		n = line_from(t, off, size, buf);
		pthread_mutex_unlock(&w->lock);
		fuse_reply_buf(req, buf, n);
		return;
	}
	pthread_mutex_unlock(&w->lock);
	/*
	 * Park. The interrupt callback goes in first, unlocked (libfuse calls it
	 * under its own lock, and at once if the read was already interrupted,
	 * which park_read then sees): once parked, the waker may reply at any
	 * moment, after which req must not be touched.
	 */
	fuse_req_interrupt_func(req, on_interrupt, w);
	pthread_mutex_lock(&w->lock);
	park_read(w, t, req, size, off);
	pthread_mutex_unlock(&w->lock);
}

unsigned timer_poll(struct waker *w, struct timer *t, struct fuse_pollhandle *ph)
{
	struct qot_clock_params p;
	struct qot_time now;
	int64_t base;
	struct fuse_pollhandle *old = NULL;
	unsigned mask = 0;

	pthread_mutex_lock(&w->lock);
	if (t->spec.mode == QOT_TIMER_NONE) {
		mask = POLLIN | POLLRDNORM; /* a read fails at once */
	} else {
		timer_now(w, t, &p, &now, &base);
		if (timer_ready(t, &now))
			mask = POLLIN | POLLRDNORM;
	}
	if (mask == 0 && ph != NULL) {
		old = t->ph;
		t->ph = ph;
		ph = NULL;
		if (t->pslot.queued)
			heap_rekey(w, &t->pslot, timer_deadline(t, &p, base));
		else {
			t->pslot.node.key = timer_deadline(t, &p, base);
			heap_push(w, &t->pslot);
		}
	}
	pthread_mutex_unlock(&w->lock);
	if (old)
		fuse_pollhandle_destroy(old);
	if (ph)
		fuse_pollhandle_destroy(ph);
	return mask;
}

/* New timing for t's queued slots (its target or its clock changed). */
static void replan_timer(struct waker *w, struct timer *t, const struct qot_clock_params *p,
			 int64_t base)
{
	if (t->rslot.queued)
		heap_rekey(w, &t->rslot, plan(t, &t->rslot, p, base));
	if (t->pslot.queued)
		heap_rekey(w, &t->pslot, plan(t, &t->pslot, p, base));
}

int timer_write(struct waker *w, struct timer *t, const char *buf, size_t len, off_t end)
{
	struct qot_timer_spec spec;
	struct qot_clock_params p;
	struct qot_time now;
	int64_t base, target;
	int err = qot_timerline_parse(buf, len, &spec);

	if (err)
		return err;
	pthread_mutex_lock(&w->lock);
	timer_now(w, t, &p, &now, &base);
	target = spec.instant;
	/* A period is armed at its first boundary strictly after now. */
	if (spec.mode == QOT_TIMER_PERIOD)
		err = qot_next_boundary(now.estimate, spec.period, spec.phase, &target);
	if (err == 0) {
		t->spec = spec;
		t->target = target;
		t->written = true;
		t->write_end = end;
		t->has_line = false;
		replan_timer(w, t, &p, base);
	}
	pthread_mutex_unlock(&w->lock);
	return err;
}

void waker_replan(struct waker *w, struct clockpub *clock)
{
	pthread_mutex_lock(&w->lock);
	replan_all(w, clock);
	pthread_mutex_unlock(&w->lock);
}

int timer_open(struct waker *w, struct clockpub *clock, struct timer **out)
{
	struct timer *t;
	int err = 0;

	pthread_mutex_lock(&w->lock);
	if (w->ntimers >= w->max_timers) {
		err = -ENFILE;
	} else {
		/* Room for both slots of every timer, so pushes never fail. */
		err = dheap_reserve(&w->heap, 2 * (w->ntimers + 1));
	}
	if (err == 0 && (t = calloc(1, sizeof(*t))) == NULL)
		err = -ENOMEM;
	if (err == 0)
		w->ntimers++;
	pthread_mutex_unlock(&w->lock);
	if (err)
		return err;
	t->clock = clock;
	t->spec.mode = QOT_TIMER_NONE;
	t->rslot.kind = SLOT_READ;
	t->pslot.kind = SLOT_POLL;
	*out = t;
	return 0;
}

void timer_close(struct waker *w, struct timer *t)
{
	fuse_req_t req = NULL;
	struct fuse_pollhandle *ph;

	pthread_mutex_lock(&w->lock);
	if (t->req) {
		req = t->req;
		take_read(w, t);
	}
	if (t->pslot.queued)
		heap_remove(w, &t->pslot);
	ph = t->ph;
	w->ntimers--;
	pthread_mutex_unlock(&w->lock);
	if (req)
		fuse_reply_err(req, EINTR);
	if (ph)
		fuse_pollhandle_destroy(ph);
	free(t);
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

struct waker *waker_new(struct pusher *p, size_t max_timers, unsigned max_wait_s)
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
	w->pusher = p;
	w->max_timers = max_timers ? max_timers : WAKER_DEFAULT_MAX_TIMERS;
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
	for (struct slot *s; (s = top(w)) != NULL;) {
		struct timer *t = slot_timer(s);
		heap_remove(w, s);
		if (s->kind == SLOT_READ) {
			fuse_req_t req = t->req;
			hashtab_remove(&w->parked, &t->by_req);
			t->req = NULL;
			w->nparked--;
			pthread_mutex_unlock(&w->lock);
			fuse_reply_err(req, ENOTCONN);
		} else {
			struct fuse_pollhandle *ph = t->ph;
			t->ph = NULL;
			pthread_mutex_unlock(&w->lock);
			if (ph)
				fuse_pollhandle_destroy(ph);
		}
		pthread_mutex_lock(&w->lock);
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
