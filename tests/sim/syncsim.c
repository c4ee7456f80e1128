/* SPDX-License-Identifier: Apache-2.0 */
/* syncsim.c - drive estimator + discipline through simulated clocks. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "discipline.h"
#include "estimator.h"
#include "projection.h"
#include "rate.h"
#include "syncsim.h"

#define T0		1800000000000000000LL /* a base-clock epoch, ns */
#define WINDOW		64
#define CONFIDENCE	0.9999
#define MAXDRIFT_PTP	1e-6
#define MAXDRIFT_CHRONY 15e-6
#define MISSED		8

void syncsim_defaults(struct syncsim_config *c, enum syncsim_source source)
{
	memset(c, 0, sizeof(*c));
	c->source = source;
	c->offset0_ns = 37000;
	c->freq0 = 12e-6;
	c->wander = 2e-9;
	c->noise_ns = source == SYNCSIM_PTP ? 300 : 0;
	c->outlier_prob = source == SYNCSIM_PTP ? 0.002 : 0;
	c->outlier_ns = 50000;
	c->step_prob = source == SYNCSIM_CHRONY ? 0.01 : 0;
	c->step_ns = 200000;
	c->duration_ns = 7200LL * 1000000000;
	c->sample_every_ns = source == SYNCSIM_PTP ? 125000000 : 1000000000;
	c->update_every_ns = 1000000000;
	c->loss_every_ns = 1800LL * 1000000000;
	c->loss_for_ns = 120LL * 1000000000;
	c->checks_per_update = 16;
	c->chrony_bound_ns = 50000;
	c->seed = 1;
}

struct world {
	double theta; /* ns: true - base */
	double freq;
	int64_t t; /* base clock, ns */
	unsigned seed;
};

static double uniform(unsigned *seed)
{
	return (rand_r(seed) + 0.5) / ((double)RAND_MAX + 1.0);
}

static double gauss(unsigned *seed)
{
	return sqrt(-2 * log(uniform(seed))) * cos(2 * M_PI * uniform(seed));
}

/* Evolve the truth to base instant t, in steps of at most 10 ms. */
static void advance(struct world *w, const struct syncsim_config *c, int64_t t)
{
	while (w->t < t) {
		int64_t step = t - w->t < 10000000 ? t - w->t : 10000000;
		double s = (double)step * 1e-9;
		w->theta += w->freq * (double)step;
		w->freq += c->wander * sqrt(s) * gauss(&w->seed);
		w->t += step;
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static bool in_loss(const struct syncsim_config *c, int64_t t)
{
	int64_t since = t - T0;
	return c->loss_every_ns > 0 &&
	       since % c->loss_every_ns >= c->loss_every_ns - c->loss_for_ns;
}

/* What the source would report at base instant now; false if nothing fresh.
 * A chrony-like reading is as old as its last sample, whose offset (with the
 * error chronyd made then) is kept in *last. */
static bool source_reading(const struct syncsim_config *c, struct estimator *e, int64_t last_sample,
			   const struct reading *last, int64_t now, struct reading *r)
{
	if (now - last_sample > MISSED * c->sample_every_ns)
		return false; /* stale, as the real sources judge it */
	if (c->source == SYNCSIM_PTP) {
		struct estimate est;
		if (estimator_estimate(e, now, &est) < 0)
			return false;
		r->at = now;
		r->offset = (int64_t)llround(est.offset);
		r->freq = rate_from_frac(est.freq);
		r->below = r->above = bound_ns(est.offset_bound) + 1;
		r->drift = bound_rate_from_frac(est.freq_bound + MAXDRIFT_PTP);
	} else {
		*r = *last;
	}
	return true;
}

/* The source's samples up to base instant until, in time order. */
static void take_samples(const struct syncsim_config *c, struct world *w, struct estimator *e,
			 int64_t *next_sample, int64_t *last_sample, struct reading *last,
			 int64_t until)
{
	while (*next_sample <= until) {
		advance(w, c, *next_sample);
		/* The base clock is stepped by someone else, at an update instant: a
		 * step between updates stays unknown until the next one, whatever
		 * the publisher does, so the checks would only measure that. */
		if (!in_loss(c, *next_sample) && (*next_sample - T0) % c->update_every_ns == 0 &&
		    uniform(&w->seed) < c->step_prob)
			w->theta += c->step_ns * (uniform(&w->seed) < 0.5 ? -1 : 1);
		if (!in_loss(c, *next_sample)) {
			double y = w->theta + c->noise_ns * gauss(&w->seed);
			if (uniform(&w->seed) < c->outlier_prob)
				y += c->outlier_ns * (uniform(&w->seed) < 0.5 ? -1 : 1);
			estimator_add(e, *next_sample, (int64_t)llround(y));
			*last_sample = *next_sample;
			/* chronyd's estimate errs by no more than its stated bound */
			*last = (struct reading){
				.at = *next_sample,
				.offset = (int64_t)llround(w->theta + (2 * uniform(&w->seed) - 1) *
									      c->chrony_bound_ns),
				.below = (uint64_t)c->chrony_bound_ns,
				.above = (uint64_t)c->chrony_bound_ns,
				.drift = bound_rate_from_frac(MAXDRIFT_CHRONY),
			};
		}
		*next_sample += c->sample_every_ns;
	}
}

int syncsim_run(const struct syncsim_config *c, struct syncsim_result *out)
{
	uint64_t updates = (uint64_t)(c->duration_ns / c->update_every_ns);
	size_t cap = (size_t)(updates * c->checks_per_update);
	double *ratio = malloc(cap * sizeof(double)), *width = malloc(cap * sizeof(double)),
	       *error = malloc(cap * sizeof(double));
	struct discipline_config dcfg = {
		.interval = c->update_every_ns,
		.margin = discipline_margin(c->update_every_ns),
		.holdover = 3600LL * 1000000000,
		.stale = 4 * c->update_every_ns,
		.maxslew = 500e-6,
	};
	struct world w = {c->offset0_ns, c->freq0, T0, c->seed};
	struct discipline d;
	struct estimator e;
	struct qot_clock_params p;
	int64_t next_sample = T0, last_sample = T0 - 1000LL * 1000000000, last_est = INT64_MIN;
	struct reading last = {0};
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (ratio == NULL || width == NULL || error == NULL ||
	    estimator_init(&e, WINDOW, CONFIDENCE, 1000000) < 0) {
		free(ratio);
		free(width);
		free(error);
		return -ENOMEM;
	}
	discipline_init(&d);
	for (uint64_t u = 0; u < updates; u++) {
		int64_t now = T0 + (int64_t)u * c->update_every_ns;
		struct reading r;
		bool fresh;

		take_samples(c, &w, &e, &next_sample, &last_sample, &last, now);
		advance(&w, c, now);
		fresh = source_reading(c, &e, last_sample, &last, now, &r);
		discipline_update(&d, &dcfg, fresh ? &r : NULL, now, &p);

		/* Checks at random instants until the next update, in order. */
		{
			double at[64];
			unsigned k = c->checks_per_update < 64 ? c->checks_per_update : 64;
			for (unsigned i = 0; i < k; i++)
				at[i] = uniform(&w.seed) * (double)c->update_every_ns;
			qsort(at, k, sizeof(at[0]), cmp);
			for (unsigned i = 0; i < k; i++) {
				int64_t t = now + (int64_t)at[i];
				struct qot_time q;
				double truth, err;
				bool ok, holdover;
				/* In time order: the samples before this check, then the check. */
				take_samples(c, &w, &e, &next_sample, &last_sample, &last, t);
				advance(&w, c, t);
				qot_project(&p, t, &q);
				/* Relative to t: at 1.8e18 ns a double resolves only 256 ns. */
				truth = w.theta;
				err = (double)(q.estimate - t) - truth;
				ok = (double)(q.estimate - t) - (double)q.below <= truth + 0.5 &&
				     truth - 0.5 <= (double)(q.estimate - t) + (double)q.above;
				holdover = q.status != QOT_STATUS_SYNCED;
				out->checks++;
				out->covered += ok;
				out->checks_holdover += holdover;
				out->covered_holdover += holdover && ok;
				out->backward += q.estimate < last_est;
				last_est = q.estimate;
				if (n < cap && q.below != QOT_UNBOUNDED &&
				    q.above != QOT_UNBOUNDED) {
					width[n] = (double)q.below + (double)q.above;
					error[n] = fabs(err);
					ratio[n] = width[n] / fmax(error[n], 1.0);
					n++;
				}
			}
		}
	}
	if (n) {
		qsort(ratio, n, sizeof(double), cmp);
		qsort(width, n, sizeof(double), cmp);
		qsort(error, n, sizeof(double), cmp);
		out->median_ratio = ratio[n / 2];
		out->median_width_ns = width[n / 2];
		out->median_error_ns = error[n / 2];
	}
	estimator_free(&e);
	free(ratio);
	free(width);
	free(error);
	return 0;
}
