/* SPDX-License-Identifier: Apache-2.0 */
/* stats.h - nearest-rank percentiles and medians for the benchmarks. */
#ifndef QOT_BENCH_STATS_H
#define QOT_BENCH_STATS_H

#include <stddef.h>

struct bench_stats {
	double p50, p99, mean, max;
	size_t n;
};

/* Nearest-rank p50 and p99, the mean and the maximum of v; sorts v. */
struct bench_stats bench_stats_of(double *v, size_t n);
/* The median of v (the mean of the middle two when n is even); sorts v. */
double bench_median(double *v, size_t n);

#endif /* QOT_BENCH_STATS_H */
