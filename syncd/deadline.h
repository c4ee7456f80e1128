/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deadline.h - bounded waits for a reply: every query of a source gives up
 * after a fixed time and a fixed number of unrelated messages, so no peer
 * can hold syncd, whatever it sends.
 */
#ifndef SYNCD_DEADLINE_H
#define SYNCD_DEADLINE_H

#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "now.h"

#define QUERY_TIMEOUT_MS  200
#define QUERY_MAX_REPLIES 64 /* messages read while waiting for ours */

static inline int64_t deadline_now_ms(void)
{
	return qot_now_ns(CLOCK_MONOTONIC) / 1000000;
}

/* Wait for fd to be readable until deadline_ms; 1 if it is, 0 at the deadline. */
static inline int deadline_wait(int fd, int64_t deadline_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int64_t left = deadline_ms - deadline_now_ms();

	return left > 0 && poll(&pfd, 1, (int)left) > 0;
}

#endif /* SYNCD_DEADLINE_H */
