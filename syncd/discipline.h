/* SPDX-License-Identifier: Apache-2.0 */
/*
 * discipline.h - one timeline's clock parameters from a source's readings.
 *
 * Pure: time comes in as arguments, so the simulation drives it in virtual
 * time. Each update publishes a whole parameter set:
 *
 * - Synced: the estimate follows the reading's best estimate B(t). If the
 *   timeline is behind B it steps forward; if it is ahead, it is slewed
 *   back (at most maxslew, finishing within one interval when it can), and
 *   the bounds widen by the gap, so the interval keeps containing the truth.
 *   Readers never see the estimate go backward: the anchor is placed now
 *   when the new rate is not slower than the old one, and `margin` ahead
 *   when it is, so old and new projections never cross while the page
 *   flips. Only the first synchronisation of a timeline whose previous
 *   parameters were unbounded may step backward: nobody could rely on them.
 * - Holdover: without a fresh reading the timeline goes on from where it
 *   is, at the last reading's rate (no slew: there is nothing to converge
 *   to), its bounds growing at the last reading's holdover drift bound
 *   (hold_drift, which covers a holdover of the configured length), or,
 *   where the reading states how its frequency wanders, as a random walk
 *   grows (hold_lin x age + hold_wander x age^1.5) when that is less,
 *   re-anchored at each update; after `holdover` the status says
 *   unsynced.
 * - Never synced: the unknown state (base clock, unbounded).
 * Every set carries stale_after = now + stale, so readers distrust it if
 * syncd itself stops.
 */
#ifndef SYNCD_DISCIPLINE_H
#define SYNCD_DISCIPLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "qot.h"
#include "source.h"

struct discipline_config {
	int64_t interval; /* ns between updates: the horizon of a slew */
	int64_t margin;	  /* ns the anchor may lead now (> the publish latency) */
	int64_t holdover; /* ns of silence before holdover becomes unsynced */
	int64_t stale;	  /* ns after which readers distrust a parameter set */
	double maxslew;	  /* fraction */
};

struct discipline {
	struct qot_clock_params pub; /* the last parameters published */
	bool published;
	bool ever_synced;
	bool holding;			 /* the parameters are re-anchored for holdover */
	int64_t last_sync;		 /* base instant of the last synced update */
	int64_t hold_freq;		 /* the last reading's rate and drift bound: what */
	uint64_t hold_drift;		 /* holdover goes on with */
	double hold_lin, hold_wander;	 /* and its growth as a random walk (wander 0: none) */
	int64_t hold_age;		 /* the age of its data at last_sync */
	int64_t hold_at;		 /* when holdover began, */
	uint64_t hold_below, hold_above; /* with these bounds */
	uint64_t asym, stat;		 /* its bound's parts, ns (QOT_UNBOUNDED: unknown) */
};

void discipline_init(struct discipline *d);
/* Go on from parameters already published (by an earlier syncd, say). */
void discipline_resume(struct discipline *d, const struct qot_clock_params *p);
/* The parameters to publish at base instant now, from reading r (NULL: none fresh). */
void discipline_update(struct discipline *d, const struct discipline_config *cfg,
		       const struct reading *r, int64_t now, struct qot_clock_params *out);

/* The margin for an interval: 50 ms, or a quarter interval if shorter. */
int64_t discipline_margin(int64_t interval);

#endif /* SYNCD_DISCIPLINE_H */
