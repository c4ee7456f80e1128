/* SPDX-License-Identifier: Apache-2.0 */
/*
 * waker.h - the timer file: reads that return when a timeline instant comes.
 *
 * Each open "timer" file has a struct timer, armed by the lines written to
 * it (waitcalc.h): an instant, a commit-wait instant, or a period. A read
 * whose instant has not come is not answered by the request loop: its
 * fuse_req_t is parked in one min-heap by base-clock deadline, which a single
 * waker thread sleeps on (a timerfd on CLOCK_REALTIME, armed at the earliest
 * deadline: no timer slack, and cancelled when the clock is set, which
 * re-plans everything). A parked read costs a heap slot, not a thread. At
 * the deadline the waker projects the timeline afresh and replies only if
 * the instant has really come, so a wake-up is never early; otherwise it
 * plans again. Poll handles of the timer wait in the same heap.
 *
 * The waker replies to parked reads from its own thread (libfuse allows any
 * thread, once per request). It also replies EINTR when the kernel
 * interrupts a read (a signal reached the reader: the interrupt callback
 * only marks it and signals the waker), and when a read has been parked for
 * max_park_ms, counted on CLOCK_MONOTONIC (kernels with a FUSE request
 * timeout abort the connection on older requests; readers such as cat, bash
 * and Python restart the read, and the timer is unchanged, so they wait on).
 * New clock parameters of a timeline re-plan its parked reads
 * (waker_replan).
 *
 * Timer state is shared by the loop and the waker thread under one mutex;
 * lock order: waker, then pusher (pusher_clock_get) or libfuse's session lock.
 */
#ifndef QOTFS_WAKER_H
#define QOTFS_WAKER_H

#include <stddef.h>
#include <sys/types.h>

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "pusher.h"

#define WAKER_DEFAULT_MAX_TIMERS 65536
#define WAKER_DEFAULT_MAX_WAIT_S 60

struct waker;
struct timer;

/* Caps: open timers (0: the default), seconds a read stays parked (0: the
 * default; lowered to half the kernel's FUSE request timeout if one is set). */
struct waker *waker_new(struct pusher *p, size_t max_timers, unsigned max_wait_s);
int waker_start(struct waker *w, struct fuse_session *se);
/* Stop the thread; parked reads get ENOTCONN, poll handles are destroyed. */
void waker_stop(struct waker *w);
void waker_free(struct waker *w);
/* How long reads stay parked at most, in ms, after the kernel's limits. */
unsigned waker_max_park_ms(const struct waker *w);
/* Reads parked now (tests and debugging). */
size_t waker_parked(struct waker *w);

/* A timer for a new open file of a timeline. 0, -ENFILE (cap), -ENOMEM. */
int timer_open(struct waker *w, struct clockpub *clock, struct timer **out);
/* Its open file is released (a parked read, should one remain, gets EINTR). */
void timer_close(struct waker *w, struct timer *t);
/* A line from write(2); end is the file offset after it. 0, -EINVAL, -ERANGE. */
int timer_write(struct waker *w, struct timer *t, const char *buf, size_t len, off_t end);
/* Reply to a READ now, or park it. */
void timer_read(struct waker *w, struct timer *t, fuse_req_t req, size_t size, off_t off);
/* POLLIN | POLLRDNORM if a read would not wait; else parks ph (may be NULL) and returns 0. */
unsigned timer_poll(struct waker *w, struct timer *t, struct fuse_pollhandle *ph);
/* The clock parameters of clock changed: plan its parked reads again. */
void waker_replan(struct waker *w, struct clockpub *clock);

#endif /* QOTFS_WAKER_H */
