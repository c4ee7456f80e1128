/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wait.c - waiting on a timeline from C: sleep on the base clock until the
 * instant the timeline gets there, then check with a fresh reading.
 */
#include <errno.h>
#include <time.h>

#include "projection.h"
#include "waitcalc.h"

enum goal { GOAL_REACH, GOAL_COMMIT };

static int sleep_until(int64_t base)
{
	struct timespec ts;
	int err;

	if (base < 0)
		return 0; /* before 1970: long past */
	ts.tv_sec = (time_t)(base / 1000000000);
	ts.tv_nsec = (long)(base % 1000000000);
	err = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
	return -err;
}

/*
 * Sleep until the goal holds on a fresh reading. The planned instant comes
 * from the parameters read with that reading; a sleep never outlasts
 * QOT_WAIT_REPLAN_NS, so parameters published meanwhile are taken into
 * account that soon.
 */
static int wait_goal(const qot_clock *clk, enum goal goal, int64_t T, struct qot_time *woke)
{
	for (;;) {
		struct qot_clock_params p;
		struct qot_time t;
		int64_t now, at;
		int err = qot_clock_params_read(clk, &p, &now);

		if (err)
			return err;
		qot_project_inline(&p, now, &t);
		if (goal == GOAL_REACH ? qot_time_reached(&t, T) : qot_time_certainly_past(&t, T)) {
			if (woke)
				*woke = t;
			return 0;
		}
		at = goal == GOAL_REACH ? qot_base_reaching(&p, T) : qot_base_committing(&p, T);
		if (at > now + QOT_WAIT_REPLAN_NS || at == QOT_BASE_NEVER)
			at = now + QOT_WAIT_REPLAN_NS;
		err = sleep_until(at);
		if (err)
			return err;
	}
}

int qot_waituntil(const qot_clock *clk, int64_t instant, struct qot_time *woke)
{
	if (clk == NULL)
		return -EINVAL;
	return wait_goal(clk, GOAL_REACH, instant, woke);
}

int qot_commit_wait(const qot_clock *clk, int64_t instant, struct qot_time *woke)
{
	if (clk == NULL)
		return -EINVAL;
	return wait_goal(clk, GOAL_COMMIT, instant, woke);
}

int qot_sleep(const qot_clock *clk, uint64_t duration, struct qot_time *woke)
{
	struct qot_time now;
	int64_t T;
	int err;

	if (clk == NULL)
		return -EINVAL;
	err = qot_clock_read(clk, &now);
	if (err)
		return err;
	if (duration > (uint64_t)INT64_MAX ||
	    __builtin_add_overflow(now.estimate, (int64_t)duration, &T))
		return -ERANGE;
	return wait_goal(clk, GOAL_REACH, T, woke);
}

int qot_period_set(struct qot_period *p, uint64_t period, uint64_t phase)
{
	if (p == NULL || period == 0 || phase >= period)
		return -EINVAL;
	*p = (struct qot_period)QOT_PERIOD_INIT;
	p->period = period;
	p->phase = phase;
	return 0;
}

int qot_period_wait(const qot_clock *clk, struct qot_period *p, struct qot_time *woke)
{
	struct qot_time t;
	int err;

	if (clk == NULL || p == NULL)
		return -EINVAL;
	if (p->period == 0)
		return -QOT_ENOPERIOD;
	if (p->phase >= p->period)
		return -EINVAL;
	if (p->next == INT64_MIN) {
		err = qot_clock_read(clk, &t);
		if (err == 0)
			err = qot_next_boundary(t.estimate, p->period, p->phase, &p->next);
		if (err)
			return err;
	}
	err = wait_goal(clk, GOAL_REACH, p->next, &t);
	if (err)
		return err; /* still armed: the next call waits for the same boundary */
	p->last = p->next;
	/* Strictly after the wake: an overrun skips the boundaries it missed. */
	err = qot_next_boundary(t.estimate, p->period, p->phase, &p->next);
	if (err)
		p->next = INT64_MIN;
	if (woke)
		*woke = t;
	return 0;
}
