/* SPDX-License-Identifier: Apache-2.0 */
/*
 * estimator_window.h - the earlier estimator, kept for comparison: offset and frequency of a clock
 * from noisy offset samples.
 *
 * A window of (time, offset) samples is fitted with a straight line by least
 * squares, after dropping outliers (more than 5 scaled median absolute
 * deviations from a first fit). The offset at an instant comes with a bound
 * at a stated confidence: the Student-t prediction interval of the fit, so
 * it is wide while few samples exist and never zero; the frequency comes
 * with the bound of its own estimate. Outliers at the newest end cannot be
 * told from a step of the clock: the bound reaches them, and three in a row
 * on one side are taken as a step (the window starts again from them). Below
 * ESTIMATOR_WINDOW_MIN_SAMPLES there is no statistics to speak of, and the bound is the configured
 * initial one plus the spread of what was seen.
 */
#ifndef SYNCD_ESTIMATOR_WINDOW_H
#define SYNCD_ESTIMATOR_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#define ESTIMATOR_WINDOW_MIN_SAMPLES 8

struct estimator_window {
	size_t cap, n, next;
	int64_t *t, *y; /* ns: base-clock instant, offset */
	double confidence;
	int64_t initial_ns;
};

struct estimate_window {
	double offset;	     /* ns, at the requested instant */
	double offset_bound; /* ns, half-width at the confidence */
	double freq;	     /* fraction: d(offset)/dt */
	double freq_bound;   /* fraction, half-width at the confidence */
	double sigma;	     /* ns, residual standard deviation */
	size_t used;	     /* samples fitted (after outliers) */
};

/* 0 or -ENOMEM. */
int estimator_window_init(struct estimator_window *e, size_t window, double confidence,
			  int64_t initial_ns);
void estimator_window_free(struct estimator_window *e);
/* Add a sample; one at the same instant as the newest is ignored (a repeat).
 * When it completes a step of the clock, the samples before the step go. */
void estimator_window_add(struct estimator_window *e, int64_t t, int64_t offset);
void estimator_window_reset(struct estimator_window *e);
/* Estimate at base instant at. 0, or -EAGAIN without any sample. After a step
 * of the clock it drops the samples from before the step. */
int estimator_window_estimate(struct estimator_window *e, int64_t at, struct estimate_window *out);

/* Two-sided quantile of Student's t with nu degrees of freedom (rounded up). */
double student_t_quantile(double confidence, double nu);

#endif /* SYNCD_ESTIMATOR_WINDOW_H */
