/* SPDX-License-Identifier: Apache-2.0 */
/*
 * refusal.h - refused writes in the daemon's log, at debug level and rate
 * limited (a client writing garbage in a loop cannot flood the log): what
 * was refused, for whom, the errno and the reason (reason.h). Users learn
 * the reason without the log through qot-check(1).
 */
#ifndef QOTFS_REFUSAL_H
#define QOTFS_REFUSAL_H

#include <stdint.h>
#include <sys/types.h>

#define REFUSAL_BURST	  10		/* messages per window */
#define REFUSAL_WINDOW_NS 10000000000LL /* 10 s */

struct refusal_log {
	int64_t window_start; /* CLOCK_MONOTONIC ns */
	unsigned logged, dropped;
};

/* Log one refusal of a write to file (of timeline, NULL for root files) by
 * pid with err (< 0), with the reason recorded since qot_reason_clear(). */
void refusal_note(struct refusal_log *rl, const char *file, const char *timeline, pid_t pid,
		  int err);

#endif /* QOTFS_REFUSAL_H */
