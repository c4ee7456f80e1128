/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch.h - print changes of timelines as they happen: status, source,
 * requirement, met, leader, leading, members, timelines added and removed,
 * one line each with a timestamp. Sleeps in poll(2) on the pollable files
 * (ctl, requirements, members, cluster, .timelines, .coordination); what
 * no file announces (parameters going stale, bounds outgrowing the
 * requirement in holdover, the lease running out) it wakes for at the
 * instant computed from the parameters.
 */
#ifndef QOTCTL_WATCH_H
#define QOTCTL_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct watch_opts {
	int mountfd;
	char **names;	/* NULL-terminated; NULL or empty: every timeline, and new ones */
	bool json;	/* one JSON object per line */
	int64_t for_ns; /* stop after this long; 0: run until killed */
	FILE *out;
};

/* 0 when done (--for), or -errno (-ENOENT: a named timeline does not exist). */
int watch_run(const struct watch_opts *o);

#endif /* QOTCTL_WATCH_H */
