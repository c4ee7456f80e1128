/* SPDX-License-Identifier: Apache-2.0 */
/*
 * projection.h - timeline time and bounds from clock parameters.
 *
 * Inline so that the page reader's hot path needs no call. Exact integer
 * arithmetic with 128-bit intermediates: dt spans the whole int64 range
 * difference (< 2^64 in magnitude), freq and drift are below 2^63 and 2^64,
 * so every product fits in 128 bits and nothing overflows or rounds twice.
 */
#ifndef QOT_PROJECTION_H
#define QOT_PROJECTION_H

#include "qot.h"

typedef __int128 qot_i128;
typedef unsigned __int128 qot_u128;

/* floor(a * f / 2^64) for |a| < 2^64, |f| <= 2^63. */
static inline qot_i128 qot_scale_floor(qot_i128 a, int64_t f)
{
	return (a * f) >> 64; /* arithmetic shift: floor for negatives too */
}

/* ceil(a * f / 2^64) for a < 2^64, f < 2^64. */
static inline qot_u128 qot_scale_ceil(qot_u128 a, uint64_t f)
{
	qot_u128 p = a * f;
	return (p >> 64) + ((uint64_t)p != 0);
}

static inline uint64_t qot_sat_add_u64(uint64_t a, qot_u128 b)
{
	qot_u128 s = (qot_u128)a + b;
	return s > UINT64_MAX ? UINT64_MAX : (uint64_t)s;
}

static inline int64_t qot_clamp_i64(qot_i128 v)
{
	if (v > INT64_MAX)
		return INT64_MAX;
	if (v < INT64_MIN)
		return INT64_MIN;
	return (int64_t)v;
}

static inline uint64_t qot_sat_add_bound(uint64_t offset, uint64_t growth)
{
	uint64_t sum;
	return __builtin_add_overflow(offset, growth, &sum) ? UINT64_MAX : sum;
}

/* Parameters past stale_after: the estimate stands, the bounds do not. */
static inline void qot_project_stale(struct qot_time *out)
{
	out->below = QOT_UNBOUNDED;
	out->above = QOT_UNBOUNDED;
	out->status = QOT_STATUS_STALE;
}

/* Any parameters, any instant: 128-bit throughout. */
static inline void qot_project_wide(const struct qot_clock_params *p, int64_t t,
				    struct qot_time *out)
{
	qot_i128 dt = (qot_i128)t - p->anchor;
	qot_u128 adt = (qot_u128)(dt < 0 ? -dt : dt);

	out->estimate = qot_clamp_i64((qot_i128)p->anchor_tl + dt + qot_scale_floor(dt, p->freq));
	if (t > p->stale_after) {
		qot_project_stale(out);
		return;
	}
	out->below = qot_sat_add_u64(p->offset_below, qot_scale_ceil(adt, p->drift_below));
	out->above = qot_sat_add_u64(p->offset_above, qot_scale_ceil(adt, p->drift_above));
	out->status = (enum qot_status)p->status;
}

/*
 * The same result with one 64x64->128 multiply per term whenever dt fits in
 * 64 bits and the estimate does not overflow - that is, always outside
 * pathological parameters, which take the wide path. The hot path of every
 * clock read.
 */
static inline void qot_project_inline(const struct qot_clock_params *p, int64_t t,
				      struct qot_time *out)
{
	int64_t dt, corr, est;
	uint64_t adt;

	if (__builtin_expect(__builtin_sub_overflow(t, p->anchor, &dt), 0) || dt == INT64_MIN)
		goto wide;
	/* |dt| < 2^63 and |freq| <= 2^63: the product fits, the shift fits 64 bits. */
	corr = (int64_t)(((qot_i128)dt * p->freq) >> 64);
	if (__builtin_expect(__builtin_add_overflow(p->anchor_tl, dt, &est) ||
				     __builtin_add_overflow(est, corr, &est),
			     0))
		goto wide;
	out->estimate = est;
	if (__builtin_expect(t > p->stale_after, 0)) {
		qot_project_stale(out);
		return;
	}
	adt = dt < 0 ? (uint64_t)-dt : (uint64_t)dt;
	out->below =
		qot_sat_add_bound(p->offset_below, (uint64_t)qot_scale_ceil(adt, p->drift_below));
	out->above =
		qot_sat_add_bound(p->offset_above, (uint64_t)qot_scale_ceil(adt, p->drift_above));
	out->status = (enum qot_status)p->status;
	return;
wide:
	qot_project_wide(p, t, out);
}

#endif /* QOT_PROJECTION_H */
