/* SPDX-License-Identifier: Apache-2.0 */
/* stats.c - nearest-rank percentiles and medians for the benchmarks. */
#include <stdlib.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct bench_stats bench_stats_of(double *v, size_t n)
{
	struct bench_stats s = {0};
	double sum = 0;

	if (n == 0)
		return s;
	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s.n = n;
	s.p50 = v[(n * 50 + 99) / 100 - 1];
	s.p99 = v[(n * 99 + 99) / 100 - 1];
	s.mean = sum / (double)n;
	s.max = v[n - 1];
	return s;
}

double bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
