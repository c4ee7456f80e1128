/* SPDX-License-Identifier: Apache-2.0 */
/* discipline.c - steps forward, slews backward, holds over, never lies. */
#include <math.h>
#include <string.h>

#include "discipline.h"
#include "params.h"
#include "projection.h"
#include "rate.h"

void discipline_init(struct discipline *d)
{
	memset(d, 0, sizeof(*d));
	d->asym = d->stat = QOT_UNBOUNDED;
}

void discipline_resume(struct discipline *d, const struct qot_clock_params *p)
{
	discipline_init(d);
	d->pub = *p;
	d->published = true;
	if (p->status == QOT_STATUS_UNSYNCED && p->offset_below == QOT_UNBOUNDED)
		return; /* nothing known */
	d->ever_synced = true;
	d->last_sync = p->anchor; /* as good a guess as any: holdover counts from there */
	d->hold_freq = p->freq;
	d->hold_drift = p->drift_below > p->drift_above ? p->drift_below : p->drift_above;
	d->asym = d->stat = QOT_UNBOUNDED; /* not known from the parameters alone */
}

/*
 * From synced to holdover: go on from the estimate and bounds of now, at the
 * last reading's own rate. The last parameters may carry a slew, which would
 * take the timeline ever further once nothing corrects it. The new rate is
 * never slower than the old one (a slew only slows), so anchored now, no
 * reader sees the estimate go back.
 */
static void hold(struct discipline *d, int64_t now)
{
	struct qot_time q;

	qot_project_inline(&d->pub, now, &q);
	d->pub.anchor = now;
	d->pub.anchor_tl = q.estimate;
	d->pub.freq = d->hold_freq;
	d->pub.offset_below = q.below;
	d->pub.offset_above = q.above;
	d->pub.drift_below = d->pub.drift_above = d->hold_drift;
	d->hold_at = now;
	d->hold_below = q.below;
	d->hold_above = q.above;
}

/* A random walk's growth (ns) at age a (s) of the reading's data. */
static double walk(const struct discipline *d, double a)
{
	return d->hold_lin * 1e9 * a + d->hold_wander * a * sqrt(a);
}

/*
 * Later in holdover, with a reading that states its wander: the bounds at
 * hold start grown by the lesser of the random walk's growth since and
 * hold_drift's, re-anchored now; the rate until the parameters go stale
 * is then the walk's steepest there (it is convex), or hold_drift.
 */
static void hold_walk(struct discipline *d, const struct discipline_config *cfg, int64_t now)
{
	double a0 = (double)(d->hold_at - d->last_sync + d->hold_age) * 1e-9;
	double a = (double)(now - d->last_sync + d->hold_age) * 1e-9;
	double a_end = a + (double)(cfg->stale + cfg->interval) * 1e-9;
	double g_walk, g_lin;
	uint64_t g, rate;
	struct qot_time q;

	if (d->hold_wander <= 0 || now <= d->hold_at)
		return; /* the linear growth of the parameters as hold() set them */
	g_walk = ceil(walk(d, a) - walk(d, a0));
	g_lin = (double)qot_scale_ceil((qot_u128)(now - d->hold_at), d->hold_drift);
	if (g_walk < g_lin) {
		g = (uint64_t)g_walk;
		rate = bound_rate_from_frac(d->hold_lin +
					    1.5 * d->hold_wander * sqrt(a_end) * 1e-9);
	} else {
		g = (uint64_t)g_lin;
		rate = d->hold_drift;
	}
	qot_project_inline(&d->pub, now, &q);
	d->pub.anchor = now;
	d->pub.anchor_tl = q.estimate;
	d->pub.offset_below = qot_sat_add_u64(d->hold_below, (qot_u128)g);
	d->pub.offset_above = qot_sat_add_u64(d->hold_above, (qot_u128)g);
	d->pub.drift_below = d->pub.drift_above = rate;
}

int64_t discipline_margin(int64_t interval)
{
	return interval / 4 < 50000000 ? interval / 4 : 50000000;
}

/* The reading's best estimate of true time at base instant t: B(t). */
static int64_t best_estimate(const struct reading *r, int64_t t)
{
	qot_i128 dt = (qot_i128)t - r->at;
	return qot_clamp_i64((qot_i128)t + r->offset + qot_scale_floor(dt, r->freq));
}

/* The reading's bound at t, grown from r->at. */
static uint64_t reading_bound(uint64_t b, const struct reading *r, int64_t t)
{
	qot_i128 dt = (qot_i128)t - r->at;
	qot_u128 adt = (qot_u128)(dt < 0 ? -dt : dt);

	return qot_sat_add_u64(b, qot_scale_ceil(adt, r->drift));
}

static int64_t clamp_rate(qot_i128 v)
{
	if (v > QOT_FREQ_LIMIT)
		return QOT_FREQ_LIMIT;
	if (v < -QOT_FREQ_LIMIT)
		return -QOT_FREQ_LIMIT;
	return (int64_t)v;
}

/* The rate that slews a gap of delta ns away within one interval, at most maxslew. */
static int64_t slew_rate(const struct discipline_config *cfg, int64_t delta)
{
	double want = (double)delta / (double)cfg->interval;

	return rate_from_frac(fmin(want, cfg->maxslew));
}

/*
 * Anchor the new projection at t0, continuing from the old one where it is
 * ahead, with a rate no faster than freq_cap.
 */
static void place(const struct discipline *d, const struct discipline_config *cfg,
		  const struct reading *r, bool continuous, int64_t t0, int64_t freq_cap,
		  struct qot_clock_params *p)
{
	int64_t b = best_estimate(r, t0), delta = 0;

	p->anchor = t0;
	p->anchor_tl = b;
	if (continuous) {
		struct qot_time old;
		qot_project_inline(&d->pub, t0, &old);
		if (old.estimate > b) {
			delta = old.estimate - b; /* ahead of the truth's estimate: slew */
			p->anchor_tl = old.estimate;
		}
	}
	p->freq = clamp_rate((qot_i128)r->freq - (delta ? slew_rate(cfg, delta) : 0));
	if (p->freq > freq_cap)
		p->freq = freq_cap;
	/* The truth lies in [B - below, B + above]; the estimate is delta above B. */
	p->offset_below = qot_sat_add_u64(reading_bound(r->below, r, t0), (qot_u128)delta);
	{
		uint64_t above = reading_bound(r->above, r, t0);
		p->offset_above = above > (uint64_t)delta ? above - (uint64_t)delta : 0;
	}
	{
		/* The gap to B changes at |freq - r->freq|: the bounds grow by it too. */
		qot_i128 gap_rate = (qot_i128)p->freq - r->freq;
		qot_u128 drift =
			(qot_u128)r->drift + (qot_u128)(gap_rate < 0 ? -gap_rate : gap_rate);
		p->drift_below = p->drift_above = drift > (qot_u128)QOT_FREQ_LIMIT
							  ? (uint64_t)QOT_FREQ_LIMIT
							  : (uint64_t)drift;
	}
}

static void synced(struct discipline *d, const struct discipline_config *cfg,
		   const struct reading *r, int64_t now, struct qot_clock_params *p)
{
	/* Continuity matters only if readers could rely on what they saw. */
	bool continuous = d->published && d->pub.offset_below != QOT_UNBOUNDED &&
			  d->pub.offset_above != QOT_UNBOUNDED;

	*p = d->pub;
	p->clock_id = 0;
	place(d, cfg, r, continuous, now, INT64_MAX, p);
	if (continuous && p->freq < d->pub.freq) {
		/* Slower than before: anchored now, the new estimate would fall below
		 * the old one for readers of the old page after now. Anchored
		 * ahead, the old one stays below the new one until the anchor, as
		 * long as the new rate is not faster there either. */
		place(d, cfg, r, continuous, now + cfg->margin, d->pub.freq, p);
	}
	p->status = QOT_STATUS_SYNCED;
	d->ever_synced = true;
	d->holding = false;
	d->last_sync = now;
	d->hold_freq = r->freq;
	d->hold_drift = r->hold_drift > r->drift ? r->hold_drift : r->drift;
	d->hold_lin = r->hold_lin;
	d->hold_wander = r->hold_wander;
	d->hold_age = r->age;
	/* A reading that states no parts (both 0) says nothing of them. */
	d->asym = r->asym || r->stat ? r->asym : QOT_UNBOUNDED;
	d->stat = r->asym || r->stat ? r->stat : QOT_UNBOUNDED;
}

void discipline_update(struct discipline *d, const struct discipline_config *cfg,
		       const struct reading *r, int64_t now, struct qot_clock_params *out)
{
	if (r != NULL) {
		synced(d, cfg, r, now, out);
	} else if (d->ever_synced) {
		if (!d->holding)
			hold(d, now);
		else
			hold_walk(d, cfg, now);
		d->holding = true;
		*out = d->pub;
		out->status = now - d->last_sync > cfg->holdover ? QOT_STATUS_UNSYNCED
								 : QOT_STATUS_HOLDOVER;
	} else {
		qot_params_unknown(out, now);
	}
	out->stale_after = now + cfg->stale;
	d->pub = *out;
	d->published = true;
}
