/* SPDX-License-Identifier: Apache-2.0 */
/*
 * waitcalc.h - the arithmetic of waiting on a timeline, shared by libqot's
 * waits and qotfs's timer file: which base-clock instant first reaches a
 * timeline instant (or makes it certainly past), the next period boundary,
 * and the timer line of qot(7):
 *
 *   at=SECONDS | commit=SECONDS | period=DUR [phase=DUR]
 *
 * SECONDS is an instant of timeline time as "now" prints it: decimal seconds
 * since the epoch, optionally '-', with up to 9 fraction digits.
 *
 * The base instants are found with the forward projection itself (a guess,
 * then galloping and bisection), so they agree with it exactly: a waiter
 * that wakes at the instant found and projects again sees the condition
 * met. Waiters still check again after waking, which alone is what makes a
 * wake-up never early.
 */
#ifndef QOT_WAITCALC_H
#define QOT_WAITCALC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qot.h"

/* No base instant reaches it with these parameters. */
#define QOT_BASE_NEVER INT64_MAX

/* The shortest period the timer file accepts: 1 us. */
#define QOT_TIMER_MIN_PERIOD 1000u

/* Has the timeline reached T? (estimate >= T) */
static inline bool qot_time_reached(const struct qot_time *t, int64_t T)
{
	return t->estimate >= T;
}

/* Is T certainly past? (estimate - below > T; never with unbounded bounds) */
static inline bool qot_time_certainly_past(const struct qot_time *t, int64_t T)
{
	return (__int128)t->estimate - (__int128)t->below > (__int128)T;
}

/* The first base instant at which the estimate is >= T, or QOT_BASE_NEVER. */
int64_t qot_base_reaching(const struct qot_clock_params *p, int64_t T);
/* The first base instant at which T is certainly past, or QOT_BASE_NEVER
 * (unbounded bounds, or stale before it happens). */
int64_t qot_base_committing(const struct qot_clock_params *p, int64_t T);

/* The first boundary phase + k * period strictly after now (so a boundary
 * exactly at now is not the next one). 0, -EINVAL (period 0 or phase >=
 * period), -ERANGE (past the int64 range). */
int qot_next_boundary(int64_t now, uint64_t period, uint64_t phase, int64_t *out);

enum qot_timer_mode {
	QOT_TIMER_NONE,
	QOT_TIMER_AT,	  /* wake when the estimate reaches instant */
	QOT_TIMER_COMMIT, /* wake when instant is certainly past */
	QOT_TIMER_PERIOD, /* wake at each boundary phase + k * period */
};

struct qot_timer_spec {
	enum qot_timer_mode mode;
	int64_t instant;
	uint64_t period, phase;
};

/* 0, -EINVAL (malformed, no or two modes, phase without period, period below
 * QOT_TIMER_MIN_PERIOD, phase >= period), -ERANGE (instant out of range). */
int qot_timerline_parse(const char *buf, size_t len, struct qot_timer_spec *out);

/* "[-]S[.F]" with 1-9 fraction digits: nanoseconds. 0, -EINVAL, -ERANGE. */
int qot_parse_seconds(const char *s, size_t len, int64_t *out);

#endif /* QOT_WAITCALC_H */
