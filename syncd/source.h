/* SPDX-License-Identifier: Apache-2.0 */
/*
 * source.h - what every time source of syncd says, and the interface it
 * implements (system, chrony, ptp, and the tests' simulated source).
 *
 * A reading relates true time to the base clock (CLOCK_REALTIME): at base
 * instant at, true time = at + offset, known within [-below, +above]; from
 * there the offset changes at freq (true-time ns gained per base-clock ns,
 * 2^-64 units) and the bounds grow at drift per ns away from at, or at
 * hold_drift once nothing fresher comes (holdover), or, where the source
 * knows how its frequency wanders (hold_wander > 0), by
 * hold_lin x age + hold_wander x age^1.5 from `at` when that is less (the
 * growth of a random walk of the frequency: tighter for a holdover
 * shorter than the one hold_drift covers). Of the bound at `at`,
 * asym is the path allowance (what no exchange can observe: knowledge, not
 * a fit) and stat the statistical part (with the reference's own stated
 * uncertainty); below and above are at least their sum.
 */
#ifndef SYNCD_SOURCE_H
#define SYNCD_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct reading {
	int64_t at;
	int64_t offset;
	int64_t freq;
	uint64_t below, above;
	uint64_t drift;
	uint64_t hold_drift;
	uint64_t asym, stat; /* ns */
	double hold_lin;     /* fraction */
	double hold_wander;  /* ns per s^1.5; 0: holdover grows at hold_drift alone */
	int64_t age; /* ns: how old its data was at `at` (the age hold_wander counts from) */
};

enum source_state {
	SOURCE_OK,	 /* a fresh reading */
	SOURCE_UNSYNCED, /* reachable, but it says it is not synchronised, or its data is stale */
	SOURCE_DOWN,	 /* cannot be queried */
};

#define SOURCE_DETAIL_MAX 256

struct source;

struct source_ops {
	/* Prepare (sockets...); 0 or -errno with the reason in s->detail. */
	int (*open)(struct source *s);
	/* Ask now (base-clock instant now). On SOURCE_OK *r is filled; the reason
	 * for any other state is in s->detail. Never blocks longer than a query
	 * timeout. */
	enum source_state (*query)(struct source *s, int64_t now, struct reading *r);
	void (*close)(struct source *s);
};

struct source {
	const struct source_ops *ops;
	const struct source_config *cfg;
	const char *rundir; /* where client sockets go */
	void *priv;
	enum source_state state;
	struct reading last; /* valid when state == SOURCE_OK */
	char detail[SOURCE_DETAIL_MAX];
};

extern const struct source_ops source_system_ops;
extern const struct source_ops source_chrony_ops;
extern const struct source_ops source_ptp_ops;
extern const struct source_ops source_freerun_ops;

/* The ops for a configured source type. */
const struct source_ops *source_ops_for(enum source_type type);

/* The estimator of a ptp or chrony source, as configured; NULL and errno. */
struct estimator *source_estimator_new(const struct source_config *cfg);

/* Query s and remember the outcome in s->state / s->last. */
enum source_state source_update(struct source *s, int64_t now);

#endif /* SYNCD_SOURCE_H */
