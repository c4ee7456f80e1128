/* SPDX-License-Identifier: Apache-2.0 */
/*
 * waker.h - parked requests and the thread that wakes them.
 *
 * A client (a timer file, timer.h) owns slots with a deadline on the base
 * clock (CLOCK_REALTIME, ns). The slots wait in one indexed min-heap
 * (dheap.h), which a single waker thread sleeps on (a timerfd on
 * CLOCK_REALTIME, armed at the earliest deadline: no timer slack, and
 * cancelled when the clock is set, which re-plans every slot). A parked
 * request costs a heap slot, not a thread. At a slot's deadline the thread
 * calls its owner back (struct waker_slot_ops), which replies or pushes the
 * slot again.
 *
 * A parked FUSE read is also known by its request (struct waker_park), so
 * that an interrupt (a signal reached the reader: libfuse calls back on its
 * own thread) makes it due at once; and it stays parked max_park_ms at most,
 * counted on CLOCK_MONOTONIC (kernels with a FUSE request timeout abort the
 * connection on older requests).
 *
 * Every slot function runs under the waker's lock (waker_lock), which the
 * callbacks may drop around a reply. Lock order: waker, then pusher or
 * libfuse's session lock.
 */
#ifndef QOTFS_WAKER_H
#define QOTFS_WAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "dheap.h"
#include "hashtab.h"

#define WAKER_DEFAULT_MAX_TIMERS 65536
#define WAKER_DEFAULT_MAX_WAIT_S 60
/* Slots one client may have queued at once. */
#define WAKER_SLOTS_PER_CLIENT 2

struct waker;
struct waker_slot;

struct waker_slot_ops {
	/* The deadline came (the slot is out of the heap). */
	void (*due)(struct waker *w, struct waker_slot *s);
	/* When to look again, planned now (the base clock was set, or its clock changed). */
	int64_t (*plan)(struct waker_slot *s);
	/* The waker stops: answer or drop what waits (the slot is out of the heap). */
	void (*cancel)(struct waker *w, struct waker_slot *s);
};

struct waker_slot {
	struct dheap_node node; /* key: when the waker looks at it, base-clock ns */
	bool queued;
	const struct waker_slot_ops *ops;
	const void *tag; /* what it follows (a timeline's clock), for waker_replan */
};

/* A parked FUSE read. */
struct waker_park {
	fuse_req_t req; /* NULL when none is parked */
	struct hnode by_req;
	int64_t limit; /* CLOCK_MONOTONIC ns: a step of the base clock cannot move it */
	bool interrupted;
	struct waker_slot *slot; /* the slot that wakes it */
};

/* Caps: clients (0: the default), seconds a read stays parked (0: the
 * default; lowered to half the kernel's FUSE request timeout if one is set). */
struct waker *waker_new(size_t max_clients, unsigned max_wait_s);
int waker_start(struct waker *w, struct fuse_session *se);
/* Stop the thread; every queued slot is cancelled. */
void waker_stop(struct waker *w);
void waker_free(struct waker *w);
/* How long reads stay parked at most, in ms, after the kernel's limits. */
unsigned waker_max_park_ms(const struct waker *w);
/* Reads parked now (tests and debugging). */
size_t waker_parked(struct waker *w);

void waker_lock(struct waker *w);
void waker_unlock(struct waker *w);

/* Under the lock. A new client: 0, -ENFILE (cap; privileged callers have a
 * sixteenth more), -ENOMEM; leave undoes it. */
int waker_join(struct waker *w, bool privileged);
void waker_leave(struct waker *w);
/* Queue s at its key (room was made by waker_join). */
void waker_push(struct waker *w, struct waker_slot *s);
void waker_remove(struct waker *w, struct waker_slot *s);
void waker_rekey(struct waker *w, struct waker_slot *s, int64_t key);

/* Under the lock. Park req on p, woken through p->slot (whose key the caller sets
 * and pushes); unpark takes it back (and out of the heap) and returns it. */
void waker_park(struct waker *w, struct waker_park *p, fuse_req_t req);
fuse_req_t waker_unpark(struct waker *w, struct waker_park *p);
/* Not under the lock, before waker_park: interrupts of req reach the waker. */
void waker_interruptible(struct waker *w, fuse_req_t req);

/* Under the lock: wake a poller (the lock is dropped meanwhile) and destroy ph. */
void waker_notify_poll(struct waker *w, struct fuse_pollhandle *ph);

/* Plan again every slot that follows tag (the clock parameters of a timeline changed). */
void waker_replan(struct waker *w, const void *tag);

#endif /* QOTFS_WAKER_H */
