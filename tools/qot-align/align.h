/* SPDX-License-Identifier: Apache-2.0 */
/*
 * align.h - per-node clock offsets from causally ordered event pairs.
 *
 * Each pair says that an event a on node X happened before an event b on
 * node Y, so once each node's physical timestamps are corrected by its
 * offset, a must come first: off[Y] - off[X] > pt(a) - pt(b). These are
 * difference constraints: the tightest bounds on every node's offset from
 * the driver's (offset 0) are longest paths in the graph of the strongest
 * constraint between each pair of nodes (Floyd-Warshall in max-plus). A
 * positive cycle means the pairs admit no constant offsets (clock drift over
 * the log, or events logged out of order).
 */
#ifndef QOT_ALIGN_ALIGN_H
#define QOT_ALIGN_ALIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ALIGN_NONE INT64_MIN /* no constraint */

struct align {
	size_t n;
	int64_t *w;	 /* n * n: w[x * n + y] = largest pt(a) - pt(b) over pairs a on x, b on y */
	uint64_t *pairs; /* n * n: how many pairs */
};

struct align_offset {
	int64_t offset; /* add to the node's physical timestamps: the driver's time */
	int64_t lo, hi; /* the offset lies in (lo, hi); ALIGN_NONE where unbounded */
	bool conflict;	/* the constraints cross: no constant offset satisfies them all */
	uint64_t pairs; /* pairs with the node on either side */
};

/* 0 or -ENOMEM. */
int align_init(struct align *a, size_t n);
void align_free(struct align *a);
/* Event at pt_x on node x happened before event at pt_y on node y (x != y). */
void align_pair(struct align *a, size_t x, int64_t pt_x, size_t y, int64_t pt_y);
/* Offsets of every node relative to driver, into out[0..n). 0 or -ENOMEM. */
int align_solve(const struct align *a, size_t driver, struct align_offset *out);

#endif /* QOT_ALIGN_ALIGN_H */
