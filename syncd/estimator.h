/* SPDX-License-Identifier: Apache-2.0 */
/*
 * estimator.h - a clock's offset and frequency from two-way time transfer
 * samples, and the bound of its estimate in two parts.
 *
 * A sample says: at base instant t, an exchange of round trip `delay`
 * measured true time - base time = offset, against a reference whose own
 * stated uncertainty is `upstream`. What one exchange cannot observe is how
 * the round trip splits between the two directions: the offset it measures
 * is off by half the difference of the one-way delays, which is at most
 * delay / 2. That is the path allowance (`asym`): knowledge, not a fit, by
 * default that worst case, or a smaller maximum the administrator states.
 * Everything else is the statistical part (`stat`): how well the samples
 * pin down the offset they measure (noise, outliers, frequency wander,
 * growth since the last sample), at a stated confidence, plus the
 * reference's own stated uncertainty.
 *
 * ESTIMATOR_KALMAN (the default) is a Kalman filter of offset and frequency
 * (a random-walk frequency model) whose process noise is learned from the
 * data: a bank of filters with process noise a decade apart runs side by
 * side and the one whose one-step predictions explained the recent samples
 * best (robust log-likelihood) gives the estimate. The measurement noise is
 * a robust scale (median absolute deviation) of how far each sample lies
 * from the line through its neighbours, which no filter's choice affects.
 * Innovations beyond a gate are outliers: they update nothing, and three in
 * a row on one side are taken as a step of the clock (the filters restart
 * from them); until then the bound reaches them, plus the size of the
 * outliers seen lately (the first sample after a step may be an outlier
 * too). Why this choice:
 * docs/architecture.md, "Bounds".
 *
 * ESTIMATOR_WINDOW is the earlier windowed least squares
 * (estimator_window.h), kept for comparison.
 *
 * Never zero: the statistical part is at least 1 ns, and while fewer than
 * ESTIMATOR_MIN_SAMPLES samples exist it is the configured initial bound
 * plus the spread of what was seen.
 */
#ifndef SYNCD_ESTIMATOR_H
#define SYNCD_ESTIMATOR_H

#include <stddef.h>
#include <stdint.h>

#define ESTIMATOR_MIN_SAMPLES 8

enum estimator_method { ESTIMATOR_KALMAN, ESTIMATOR_WINDOW };

struct estimator_config {
	enum estimator_method method;
	double confidence;    /* of the statistical part, e.g. 0.9999 */
	unsigned window;      /* samples kept for the noise scale (or fitted: WINDOW) */
	int64_t initial_ns;   /* statistical part while too little is known */
	int64_t asymmetry_ns; /* stated maximum offset error from path asymmetry; < 0: none */
	int64_t horizon_ns;   /* how long a holdover the hold_drift must cover */
};

struct estimator_sample {
	int64_t t;	  /* base-clock instant of the measurement, ns */
	int64_t offset;	  /* ns: true time - base time, as measured */
	int64_t delay;	  /* ns: round trip of the exchange; < 0: unknown (no allowance) */
	int64_t upstream; /* ns: the reference's own stated uncertainty, >= 0 */
};

struct estimate {
	double offset;	   /* ns, at the requested instant */
	double freq;	   /* fraction: d(offset)/dt */
	double stat;	   /* ns: statistical half-width at the confidence, with upstream */
	double asym;	   /* ns: path allowance */
	double drift;	   /* fraction: how fast the bound grows over the next seconds */
	double hold_drift; /* fraction: how fast it grows, to cover a holdover of horizon_ns */
	double wander;	   /* ns/s^1.5: the bound grows by freq_bound x age + wander x age^1.5 */
	double freq_bound; /* fraction, half-width at the confidence */
	double sigma;	   /* ns: measurement noise, one robust sigma */
	double spread;	   /* ns: one sample's noise about the track, at the confidence */
	size_t used;	   /* samples that shaped the estimate */
};

struct estimator;

/* NULL on failure (ENOMEM, or a bad configuration: EINVAL). */
struct estimator *estimator_new(const struct estimator_config *cfg);
void estimator_free(struct estimator *e);
/* Forget every sample (a new reference). */
void estimator_reset(struct estimator *e);
/* Add a sample; one at the same instant as the newest is ignored (a repeat). */
void estimator_add(struct estimator *e, const struct estimator_sample *s);
/* The estimate at base instant at: 0, or -EAGAIN without any sample. */
int estimator_estimate(struct estimator *e, int64_t at, struct estimate *out);
/* The path allowance of a round trip: delay / 2, or the stated maximum if smaller. */
double estimator_allowance(const struct estimator_config *cfg, int64_t delay);

#endif /* SYNCD_ESTIMATOR_H */
