/* SPDX-License-Identifier: Apache-2.0 */
/* now.h - a clock's time now, in nanoseconds. */
#ifndef QOT_NOW_H
#define QOT_NOW_H

#include <stdint.h>
#include <time.h>

/* Clock id now, in ns since its epoch: the one way the tree reads a clock as a number. */
static inline int64_t qot_now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif /* QOT_NOW_H */
