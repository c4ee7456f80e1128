/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syncsim.h - syncd's estimator and discipline against known truth.
 *
 * Virtual time. The base clock is the local clock; true time is base +
 * theta(t), where theta starts at a known offset and drifts at a frequency
 * error that itself wanders (a random walk). A source measures theta with
 * Gaussian noise and occasional outliers, and goes silent for stated
 * stretches. syncd's own modules turn the measurements into parameters at
 * each update; between updates, checks at random instants ask whether the
 * published interval contains the true time, and whether the estimate ever
 * went backward.
 */
#ifndef QOT_SYNCSIM_H
#define QOT_SYNCSIM_H

#include <stddef.h>
#include <stdint.h>

enum syncsim_source {
	SYNCSIM_PTP,	/* samples through the estimator, as source_ptp does */
	SYNCSIM_CHRONY, /* readings with a stated bound the error respects, as chronyd gives */
};

struct syncsim_config {
	enum syncsim_source source;
	double offset0_ns;   /* theta at the start */
	double freq0;	     /* fraction */
	double wander;	     /* random walk of the frequency, fraction per sqrt(s) */
	double noise_ns;     /* measurement noise, one sigma */
	double outlier_prob; /* per sample */
	double outlier_ns;   /* size of an outlier */
	double step_prob;    /* per update: the base clock is stepped (at the update) */
	double step_ns;	     /* its size, either sign */
	int64_t duration_ns;
	int64_t sample_every_ns;
	int64_t update_every_ns;
	int64_t loss_every_ns; /* a silence this often... */
	int64_t loss_for_ns;   /* ...this long */
	unsigned checks_per_update;
	double chrony_bound_ns; /* SYNCSIM_CHRONY: the stated bound */
	unsigned seed;
};

struct syncsim_result {
	uint64_t checks, covered;
	uint64_t checks_holdover, covered_holdover;
	uint64_t backward;	/* times the estimate went backward */
	double median_ratio;	/* bound width / |error|, over all checks */
	double median_width_ns; /* below + above */
	double median_error_ns; /* |estimate - truth| */
};

/* A realistic default for each source kind (documented in the bench output). */
void syncsim_defaults(struct syncsim_config *c, enum syncsim_source source);
/* 0, or -ENOMEM. */
int syncsim_run(const struct syncsim_config *c, struct syncsim_result *out);

#endif /* QOT_SYNCSIM_H */
