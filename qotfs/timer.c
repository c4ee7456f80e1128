/* SPDX-License-Identifier: Apache-2.0 */
/* timer.c - the timer file's protocol: arming lines, reads, polls. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "projection.h"
#include "pusher.h"
#include "timer.h"
#include "waitcalc.h"
#include "waker.h"

/* Least time between two plans of one waiter whose deadline came but whose
 * instant did not (rounding at the nanosecond): no spinning. */
#define REPLAN_MIN_NS 1000

struct timer {
	struct pusher *pusher;
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

	/* The parked read: park.req is NULL when there is none. */
	struct waker_park park;
	size_t req_size;
	off_t req_off;
	struct waker_slot rslot;

	struct fuse_pollhandle *ph; /* the parked poll handle, or NULL */
	struct waker_slot pslot;
};

/* All under the waker's lock. */

static void timer_now(const struct timer *t, struct qot_clock_params *p, struct qot_time *now,
		      int64_t *base)
{
	pusher_clock_get(t->pusher, t->clock, p);
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

/* When the waker looks at the parked read next, planned at base-clock
 * instant base: at the deadline, or at the end of its parking if sooner. */
static int64_t plan_read(const struct timer *t, const struct qot_clock_params *p, int64_t base)
{
	int64_t d, left;

	if (t->park.interrupted)
		return INT64_MIN;
	d = timer_deadline(t, p, base);
	left = t->park.limit - qot_now_ns(CLOCK_MONOTONIC);
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

/* Answer the parked read with err (the lock is dropped meanwhile). */
static void unpark_err(struct waker *w, struct timer *t, int err)
{
	fuse_req_t req = waker_unpark(w, &t->park);

	waker_unlock(w);
	fuse_reply_err(req, err);
	waker_lock(w);
}

/* ---- the waker's callbacks (on its thread, under its lock) ---- */

static void read_due(struct waker *w, struct waker_slot *s)
{
	struct timer *t = container_of(s, struct timer, rslot);
	struct qot_clock_params p;
	struct qot_time now;
	int64_t base;
	char buf[QOT_TIME_TEXT_MAX];
	size_t n;
	fuse_req_t req;

	if (t->park.interrupted) {
		unpark_err(w, t, EINTR);
		return;
	}
	timer_now(t, &p, &now, &base);
	if (timer_ready(t, &now)) {
		timer_fire(t, &now, t->req_off);
		n = line_from(t, t->req_off, t->req_size, buf);
		req = waker_unpark(w, &t->park);
		waker_unlock(w);
		fuse_reply_buf(req, buf, n);
		waker_lock(w);
		return;
	}
	if (qot_now_ns(CLOCK_MONOTONIC) >= t->park.limit) {
		/* Parked as long as allowed: the reader restarts the read. */
		unpark_err(w, t, EINTR);
		return;
	}
	s->node.key = plan_read(t, &p, base);
	waker_push(w, s);
}

/* When to look at t's parked read (or else its poll) again, planned now. */
static int64_t plan_now(const struct timer *t, bool read)
{
	struct qot_clock_params p;
	struct qot_time now;
	int64_t base;

	timer_now(t, &p, &now, &base);
	return read ? plan_read(t, &p, base) : timer_deadline(t, &p, base);
}

static int64_t read_plan(struct waker_slot *s)
{
	return plan_now(container_of(s, struct timer, rslot), true);
}

static void read_cancel(struct waker *w, struct waker_slot *s)
{
	unpark_err(w, container_of(s, struct timer, rslot), ENOTCONN);
}

static void poll_due(struct waker *w, struct waker_slot *s)
{
	struct timer *t = container_of(s, struct timer, pslot);
	struct qot_clock_params p;
	struct qot_time now;
	int64_t base;

	timer_now(t, &p, &now, &base);
	if (timer_ready(t, &now)) {
		struct fuse_pollhandle *ph = t->ph;
		t->ph = NULL;
		waker_notify_poll(w, ph);
		return;
	}
	s->node.key = timer_deadline(t, &p, base);
	waker_push(w, s);
}

static int64_t poll_plan(struct waker_slot *s)
{
	return plan_now(container_of(s, struct timer, pslot), false);
}

static void poll_cancel(struct waker *w, struct waker_slot *s)
{
	struct timer *t = container_of(s, struct timer, pslot);
	struct fuse_pollhandle *ph = t->ph;

	t->ph = NULL;
	waker_unlock(w);
	if (ph)
		fuse_pollhandle_destroy(ph);
	waker_lock(w);
}

static const struct waker_slot_ops read_ops = {read_due, read_plan, read_cancel};
static const struct waker_slot_ops poll_ops = {poll_due, poll_plan, poll_cancel};

/* ---- the loop thread's side ---- */

void timer_read(struct waker *w, struct timer *t, fuse_req_t req, size_t size, off_t off)
{
	struct qot_clock_params p;
	struct qot_time now;
	int64_t base;
	char buf[QOT_TIME_TEXT_MAX];
	size_t n;
	bool fresh, at_end;

	waker_lock(w);
	if (t->park.req != NULL) {
		waker_unlock(w);
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
		waker_unlock(w);
		if (fresh)
			fuse_reply_err(req, EINVAL); /* nothing armed */
		else
			fuse_reply_buf(req, n ? buf : NULL, n);
		return;
	}
	timer_now(t, &p, &now, &base);
	if (timer_ready(t, &now)) {
		timer_fire(t, &now, off);
		n = line_from(t, off, size, buf);
		waker_unlock(w);
		fuse_reply_buf(req, buf, n);
		return;
	}
	waker_unlock(w);
	/*
	 * Park. The interrupt callback goes in first, unlocked (libfuse calls it
	 * under its own lock, and at once if the read was already interrupted,
	 * which waker_park then sees): once parked, the waker may reply at any
	 * moment, after which req must not be touched.
	 */
	waker_interruptible(w, req);
	waker_lock(w);
	t->req_size = size;
	t->req_off = off;
	waker_park(w, &t->park, req);
	timer_now(t, &p, &now, &base);
	t->rslot.node.key = plan_read(t, &p, base);
	waker_push(w, &t->rslot);
	waker_unlock(w);
}

unsigned timer_poll(struct waker *w, struct timer *t, struct fuse_pollhandle *ph)
{
	struct qot_clock_params p;
	struct qot_time now;
	int64_t base;
	struct fuse_pollhandle *old = NULL;
	unsigned mask = 0;

	waker_lock(w);
	if (t->spec.mode == QOT_TIMER_NONE) {
		mask = POLLIN | POLLRDNORM; /* a read fails at once */
	} else {
		timer_now(t, &p, &now, &base);
		if (timer_ready(t, &now))
			mask = POLLIN | POLLRDNORM;
	}
	if (mask == 0 && ph != NULL) {
		old = t->ph;
		t->ph = ph;
		ph = NULL;
		if (t->pslot.queued)
			waker_rekey(w, &t->pslot, timer_deadline(t, &p, base));
		else {
			t->pslot.node.key = timer_deadline(t, &p, base);
			waker_push(w, &t->pslot);
		}
	}
	waker_unlock(w);
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
		waker_rekey(w, &t->rslot, plan_read(t, p, base));
	if (t->pslot.queued)
		waker_rekey(w, &t->pslot, timer_deadline(t, p, base));
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
	waker_lock(w);
	timer_now(t, &p, &now, &base);
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
	waker_unlock(w);
	return err;
}

int timer_open(struct waker *w, struct pusher *p, struct clockpub *clock, bool privileged,
	       struct timer **out)
{
	struct timer *t = calloc(1, sizeof(*t));
	int err;

	if (t == NULL)
		return -ENOMEM;
	waker_lock(w);
	err = waker_join(w, privileged);
	waker_unlock(w);
	if (err) {
		free(t);
		return err;
	}
	t->pusher = p;
	t->clock = clock;
	t->spec.mode = QOT_TIMER_NONE;
	t->park.slot = &t->rslot;
	t->rslot = (struct waker_slot){.ops = &read_ops, .tag = clock};
	t->pslot = (struct waker_slot){.ops = &poll_ops, .tag = clock};
	*out = t;
	return 0;
}

void timer_close(struct waker *w, struct timer *t)
{
	fuse_req_t req = NULL;
	struct fuse_pollhandle *ph;

	waker_lock(w);
	if (t->park.req)
		req = waker_unpark(w, &t->park);
	if (t->pslot.queued)
		waker_remove(w, &t->pslot);
	ph = t->ph;
	waker_leave(w);
	waker_unlock(w);
	if (req)
		fuse_reply_err(req, EINTR);
	if (ph)
		fuse_pollhandle_destroy(ph);
	free(t);
}
