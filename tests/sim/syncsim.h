/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syncsim.h - syncd's sources, estimator and discipline against known truth.
 *
 * Virtual time. The base clock is the local clock; true time is base +
 * theta(t), where theta starts at a known offset and drifts at a frequency
 * error that wanders slowly (a sinusoid, as temperature does, plus a small
 * random walk). A fake ptp4l or chronyd answers the real source module
 * (source_ptp.c, source_chrony.c) through its real codec over a Unix
 * socket, from a thread of the simulation: what is measured is what ships.
 * The fake ptp4l's offsets err by the path asymmetry (which may change
 * once) plus heavy-tailed queueing noise on both directions and
 * occasional outliers; the fake chronyd's corrections err within what it
 * states, or beyond (an optimistic source). Both go silent for minutes.
 * syncd's discipline turns the source's readings into parameters at each
 * update; between updates, checks at random instants ask whether the
 * published interval contains the true time, and whether the estimate ever
 * went backward, and record the error, the bound and its parts.
 */
#ifndef QOT_SYNCSIM_H
#define QOT_SYNCSIM_H

#include <stddef.h>
#include <stdint.h>

#include "estimator.h"

enum syncsim_source {
	SYNCSIM_PTP,	/* a fake ptp4l behind source_ptp.c */
	SYNCSIM_CHRONY, /* a fake chronyd behind source_chrony.c */
};

struct syncsim_config {
	enum syncsim_source source;
	enum estimator_method method; /* the source's estimator */
	double offset0_ns;	      /* theta at the start */
	double freq0;		      /* fraction */
	double wander_amp;	      /* sinusoidal frequency wander: amplitude (fraction) */
	double wander_period_s;	      /* and period */
	double wander_phase;	      /* and phase at the start, radians */
	double wander;		      /* random walk of the frequency, fraction per sqrt(s) */
	double noise_ns;	      /* ptp: queueing delay scale per direction (|t3|);
					 chrony: its error, uniform within +-stated_ns, if 0 */
	double outlier_prob;	      /* per sample */
	double outlier_ns;	      /* size of an outlier */
	double step_prob;	      /* per update: the base clock is stepped (at the update) */
	double step_ns;		      /* its size, either sign */
	double delay_ns;	      /* ptp: one-way path delay; chrony: root delay */
	double asym0_ns, asym1_ns;    /* true offset error from path asymmetry, before/after */
	double asym_change_at;	      /* fraction of the duration; >= 1: never */
	int64_t asymmetry_ns;	      /* stated to syncd; -1: the default (the exchange's worst) */
	double stated_ns;	      /* chrony: the root dispersion it states */
	double optimistic_ns;	      /* chrony: > 0: its error is normal with this sigma */
	int64_t duration_ns;
	int64_t sample_every_ns;
	int64_t update_every_ns;
	int64_t loss_every_ns; /* a silence this often... */
	int64_t loss_for_ns;   /* ...this long */
	unsigned checks_per_update;
	unsigned seed;
};

/* Figures over a set of checks (medians, and the 99.99% oracles). */
struct syncsim_figures {
	uint64_t n;
	double median_half_ns;	/* the bound: (below + above) / 2 */
	double median_stat_ns;	/* its statistical part: half - the path allowance */
	double median_asym_ns;	/* the path allowance */
	double median_error_ns; /* |estimate - truth| */
	double oracle_ns;	/* smallest half-width covering 99.99% of |error| */
	double oracle_stat_ns;	/* the same for |estimate - truth - true asymmetry| */
	double median_wait_ns;	/* commit-wait for an instant just passed */
};

struct syncsim_result {
	uint64_t checks, covered;
	uint64_t checks_holdover, covered_holdover;
	uint64_t backward; /* times the estimate went backward */
	/* Synced; and holdover, with the start and the 10 s after each
	 * holdover or step of the base clock (while the timeline slews back
	 * and the estimator settles). */
	struct syncsim_figures synced, holdover;
};

/* A realistic default for each source kind (documented in the bench output). */
void syncsim_defaults(struct syncsim_config *c, enum syncsim_source source);
/*
 * The i-th variant of the harder truth (0, 1, ...), on c (defaults, then
 * what the variant changes), with a short key and what it is; honest is
 * false for a variant whose statement to syncd is wrong on purpose (its
 * truth may lie outside: it shows what a wrong statement costs), stated
 * true where the path allowance is stated correctly. -1 past the last.
 */
int syncsim_variant(size_t i, struct syncsim_config *c, const char **key, const char **what,
		    int *honest, int *stated);
/* 0, or -errno (memory, sockets, the source refusing to open). */
int syncsim_run(const struct syncsim_config *c, struct syncsim_result *out);

#endif /* QOT_SYNCSIM_H */
