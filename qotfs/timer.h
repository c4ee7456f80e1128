/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timer.h - the "timer" file: reads that return when a timeline instant comes.
 *
 * Each open "timer" file has a struct timer, armed by the lines written to
 * it (waitcalc.h): an instant, a commit-wait instant, or a period. A read
 * whose instant has not come is not answered by the request loop: it is
 * parked with the waker (waker.h) at the base-clock instant the timeline's
 * parameters say it comes. At that deadline the timeline is projected
 * afresh and the read answered only if the instant has really come, so a
 * wake-up is never early; otherwise it is planned again. Poll handles of the
 * timer wait the same way.
 *
 * A parked read is answered EINTR when the kernel interrupts it (a signal
 * reached the reader) and when it has been parked for the waker's
 * max_park_ms (readers such as cat, bash and Python restart the read, and the
 * timer is unchanged, so they wait on). New clock parameters of a timeline
 * re-plan its parked reads (waker_replan with the timeline's clock).
 */
#ifndef QOTFS_TIMER_H
#define QOTFS_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

struct clockpub;
struct pusher;
struct timer;
struct waker;

/* A timer for a new open file of the timeline whose clock is clock.
 * 0, -ENFILE (the waker's cap; privileged: its reserve too), -ENOMEM. */
int timer_open(struct waker *w, struct pusher *p, struct clockpub *clock, bool privileged,
	       struct timer **out);
/* Its open file is released (a parked read, should one remain, gets EINTR). */
void timer_close(struct waker *w, struct timer *t);
/* A line from write(2); end is the file offset after it. 0, -EINVAL, -ERANGE. */
int timer_write(struct waker *w, struct timer *t, const char *buf, size_t len, off_t end);
/* Reply to a READ now, or park it. */
void timer_read(struct waker *w, struct timer *t, fuse_req_t req, size_t size, off_t off);
/* POLLIN | POLLRDNORM if a read would not wait; else parks ph (may be NULL) and returns 0. */
unsigned timer_poll(struct waker *w, struct timer *t, struct fuse_pollhandle *ph);

#endif /* QOTFS_TIMER_H */
