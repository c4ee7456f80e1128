/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rate.h - rates (frequencies, drift bounds) between floating point and the
 * clock page's 2^-64 fixed point. Bounds round up, so a converted bound
 * never shrinks.
 */
#ifndef SYNCD_RATE_H
#define SYNCD_RATE_H

#include <math.h>
#include <stdint.h>

#include "qot.h"

#define RATE_ONE 18446744073709551616.0 /* 2^64: a rate of 1 ns per ns */
#define PPM	 1e-6
#define PPB	 1e-9

/* A signed rate (fraction, e.g. 1e-6 for 1 ppm), rounded to nearest, clamped. */
static inline int64_t rate_from_frac(double frac)
{
	double v = nearbyint(frac * RATE_ONE);

	if (!(v < (double)QOT_FREQ_LIMIT)) /* also catches NaN */
		return v < 0 ? -QOT_FREQ_LIMIT : QOT_FREQ_LIMIT;
	if (v < -(double)QOT_FREQ_LIMIT)
		return -QOT_FREQ_LIMIT;
	return (int64_t)v;
}

/* A bound rate, rounded up, clamped to the largest the page accepts. */
static inline uint64_t bound_rate_from_frac(double frac)
{
	double v = ceil(frac * RATE_ONE);

	if (!(v >= 0))
		return 0;
	return v >= (double)QOT_FREQ_LIMIT ? (uint64_t)QOT_FREQ_LIMIT : (uint64_t)v;
}

static inline double rate_to_frac(int64_t rate)
{
	return (double)rate / RATE_ONE;
}

/* Nanoseconds as a bound: rounded up, never negative, saturating. */
static inline uint64_t bound_ns(double ns)
{
	double v = ceil(ns);

	if (!(v > 0))
		return 0;
	return v >= 1.8e19 ? QOT_UNBOUNDED - 1 : (uint64_t)v;
}

#endif /* SYNCD_RATE_H */
