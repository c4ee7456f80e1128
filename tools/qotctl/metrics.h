/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.h - every timeline in the Prometheus text exposition format
 * (version 0.0.4), the metric names of qotctl(1), to a stream or
 * atomically to a file for the node exporter's textfile collector.
 */
#ifndef QOTCTL_METRICS_H
#define QOTCTL_METRICS_H

#include <stdio.h>

#include "tlstate.h"

/* Write the exposition of n timelines and the coordination state to f. */
void metrics_format(FILE *f, const struct tlstate *sts, size_t n,
		    const struct tlstate_coord *coord);

/*
 * Replace path by text atomically: a hidden temporary file in the same
 * directory (ignored by the collector, which reads only *.prom), mode 0644,
 * written and synced, then renamed over path. 0 or -errno; on error path
 * is untouched and no temporary file is left.
 */
int metrics_write_file(const char *path, const char *text, size_t len);

/* The label value escaped as the format says: \\, \" and \n. */
void metrics_label(FILE *f, const char *value);

#endif /* QOTCTL_METRICS_H */
