/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.h - a timeline against the system clock over time, as CSV:
 *
 *   time_ns,offset_ns,below_ns,above_ns,status
 *
 * one row per sample, taken from the mapped clock page (the base-clock
 * instant and the parameters read together, projected exactly): time_ns
 * is CLOCK_REALTIME, offset_ns the estimate minus it, the bounds empty
 * when unbounded. The format is in qotctl(1).
 */
#ifndef QOTCTL_RECORD_H
#define QOTCTL_RECORD_H

#include <stdint.h>
#include <stdio.h>

#define RECORD_HEADER "time_ns,offset_ns,below_ns,above_ns,status"

struct record_opts {
	const char *clock_path; /* MOUNT/TL/clock */
	int64_t every_ns;	/* between samples */
	int64_t for_ns;		/* how long; 0: until SIGINT or SIGTERM */
	FILE *out;
};

/* 0 when done (also when stopped by SIGINT or SIGTERM), or -errno / -QOT_E*. */
int record_run(const struct record_opts *o);

#endif /* QOTCTL_RECORD_H */
