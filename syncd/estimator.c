/* SPDX-License-Identifier: Apache-2.0 */
/* estimator.c - a bank of offset+frequency Kalman filters with learned noise, and honest bounds. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "estimator.h"
#include "estimator_window.h"

/* Process noise of the frequency random walk, ns^2/s^3: 10^Q_LOG_MIN ..
 * 10^(Q_LOG_MIN + NMODELS - 1), a decade apart (from an oven-controlled
 * oscillator's few parts in 10^11 per hour to a clock whose rate moves by
 * ppm within minutes). */
#define NMODELS	  11
#define Q_LOG_MIN (-6)
/* Innovations beyond GATE sigmas are outliers; within, they are weighed by a
 * Huber influence (clipped at HUBER sigmas), so heavy tails pull little. */
#define GATE  5.0
#define HUBER 2.5
/* Outliers in a row, on one side: a step of the clock. */
#define STEP_SAMPLES 3
/* Measurement granularity: no statistical part is tighter (ns). */
#define FLOOR_NS 1.0
/* The next seconds, over which `drift` must cover the growth of the bound:
 * syncd republishes every interval, readers distrust a page after `stale`. */
#define SYNC_HORIZON_S 8.0
/* A level shift too small to be gated (a path whose asymmetry changed, a
 * small step): the mean of the last SHIFT_SAMPLES innovations beyond
 * SHIFT_Z of its own sigma. The bound then reaches it, and the filters
 * unlearn the old level at once (their offset variance grows by it). */
#define SHIFT_SAMPLES 8
#define SHIFT_Z	      4.5
/* What n residuals' median absolute deviation is worth in samples of a
 * standard deviation: 0.37 n (its asymptotic efficiency for normal data). */
#define MAD_EFFICIENCY 0.37
/* Outliers remembered for their size: while a sample is pending (an
 * outlier or a step, not yet told apart), it may itself be both, so the
 * bound reaches it plus the largest of the last OUTLIER_KEEP outliers. */
#define OUTLIER_KEEP 16
/* Frequency before any is known: +-500 ppm (ns/s). */
#define FREQ_PRIOR 5e5

struct model {
	double theta, f;      /* ns, ns/s */
	double p00, p01, p11; /* covariance */
	double q;	      /* process noise, ns^2/s^3 */
	double score;	      /* discounted robust log-likelihood of its predictions */
};

struct estimator {
	struct estimator_config cfg;
	struct estimator_window *win; /* ESTIMATOR_WINDOW */
	struct model m[NMODELS];
	size_t best;
	double memory;	  /* discount of the scores and of nis */
	int64_t t_state;  /* the filters' state is at this instant */
	int64_t t_newest; /* the newest sample's instant (repeats are ignored) */
	size_t n;	  /* samples since the start (or the last step) */
	double lo, hi;	  /* their spread, for the cold start */
	double nis;	  /* discounted mean of the best model's clipped z^2 */
	/* The noise scale: |residuals| of each sample from the line through
	 * its neighbours, normalised to one sample's sigma. */
	int64_t ht[3], hy[3];
	size_t hn;
	double *resid;
	size_t nresid, rnext;
	double sigma, tail; /* robust sigma, and E[min(z^2, GATE^2)] under it */
	/* Outliers at the newest end, not yet told from a step. */
	struct estimator_sample pend[STEP_SAMPLES];
	size_t npend;
	int pend_side;
	double pend_max, pend_nu;  /* the largest |innovation|, the newest */
	double outl[OUTLIER_KEEP]; /* |innovation| of the last outliers */
	size_t noutl, outl_next;
	/* The best model's last innovations and their variances. */
	double shift_nu[SHIFT_SAMPLES], shift_s[SHIFT_SAMPLES];
	size_t nshift, shift_next;
	double shift; /* the level shift seen, ns (0: none) */
	/* Of the newest sample. */
	int64_t delay, upstream;
};

double estimator_allowance(const struct estimator_config *cfg, int64_t delay)
{
	double half = delay < 0 ? -1 : (double)delay / 2;

	if (cfg->asymmetry_ns >= 0 && (half < 0 || (double)cfg->asymmetry_ns < half))
		return (double)cfg->asymmetry_ns;
	return half < 0 ? 0 : half;
}

/* Start every model from sample s. A step keeps what was learned of the
 * clock's wander (the scores, nis): a step of the offset does not change it. */
static void models_start(struct estimator *e, const struct estimator_sample *s, double f,
			 double p11, bool step)
{
	for (size_t j = 0; j < NMODELS; j++) {
		struct model *m = &e->m[j];
		m->theta = (double)s->offset;
		m->f = f;
		/* Unknown offset: the first sample's own noise (no better to
		 * know yet), at least the initial bound. */
		m->p00 = (double)e->cfg.initial_ns * (double)e->cfg.initial_ns;
		m->p01 = 0;
		m->p11 = p11;
		m->q = pow(10, Q_LOG_MIN + (double)j);
		if (!step)
			m->score = 0;
	}
	e->t_state = s->t;
	e->n = 0;
	e->lo = e->hi = (double)s->offset;
	if (!step)
		e->nis = 1;
	e->nshift = e->shift_next = 0;
	e->shift = 0;
}

struct estimator *estimator_new(const struct estimator_config *cfg)
{
	struct estimator *e;

	if (cfg->window < ESTIMATOR_MIN_SAMPLES || !(cfg->confidence > 0 && cfg->confidence < 1) ||
	    cfg->initial_ns <= 0) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->cfg = *cfg;
	e->memory = 1 - 1.0 / (4.0 * cfg->window);
	if (cfg->method == ESTIMATOR_WINDOW) {
		e->win = calloc(1, sizeof(*e->win));
		if (e->win == NULL || estimator_window_init(e->win, cfg->window, cfg->confidence,
							    cfg->initial_ns) < 0) {
			free(e->win);
			free(e);
			errno = ENOMEM;
			return NULL;
		}
		return e;
	}
	e->resid = calloc(cfg->window, sizeof(*e->resid));
	if (e->resid == NULL) {
		free(e);
		return NULL;
	}
	estimator_reset(e);
	return e;
}

void estimator_free(struct estimator *e)
{
	if (e == NULL)
		return;
	if (e->win != NULL)
		estimator_window_free(e->win);
	free(e->win);
	free(e->resid);
	free(e);
}

void estimator_reset(struct estimator *e)
{
	if (e->win != NULL) {
		estimator_window_reset(e->win);
		return;
	}
	e->n = e->hn = e->nresid = e->rnext = e->npend = 0;
	e->t_newest = INT64_MIN;
	e->sigma = 0;
	e->tail = 1;
	e->pend_side = 0;
	e->pend_max = 0;
	e->noutl = e->outl_next = 0;
	e->best = 0;
	e->nshift = e->shift_next = 0;
	e->shift = 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The noise scale from the newest sample and the two before it. */
static void scale_add(struct estimator *e, const struct estimator_sample *s)
{
	double sorted[e->cfg.window], sum = 0;
	size_t kept = 0;

	if (e->hn == 3) {
		memmove(e->ht, e->ht + 1, 2 * sizeof(*e->ht));
		memmove(e->hy, e->hy + 1, 2 * sizeof(*e->hy));
		e->hn = 2;
	}
	e->ht[e->hn] = s->t;
	e->hy[e->hn++] = s->offset;
	if (e->hn < 3)
		return;
	{
		double span = (double)(e->ht[2] - e->ht[0]);
		double a = (double)(e->ht[2] - e->ht[1]) / span, b = 1 - a;
		double r = ((double)(e->hy[1] - e->hy[0]) * a - (double)(e->hy[2] - e->hy[1]) * b);
		/* y1 - (a y0 + b y2), exactly; its variance is sigma^2 (1 + a^2 + b^2). */
		e->resid[e->rnext] = fabs(r) / sqrt(1 + a * a + b * b);
	}
	e->rnext = (e->rnext + 1) % e->cfg.window;
	if (e->nresid < e->cfg.window)
		e->nresid++;
	memcpy(sorted, e->resid, e->nresid * sizeof(double));
	qsort(sorted, e->nresid, sizeof(double), cmp_double);
	e->sigma = fmax(1.4826 * sorted[e->nresid / 2], FLOOR_NS / 4);
	/* Heavier tails than a normal's make the filters' noise larger than
	 * sigma^2: their variance as the filters see it (outliers beyond the
	 * gate are not theirs to see). */
	for (size_t i = 0; i < e->nresid; i++) {
		double z = e->resid[i] / e->sigma;
		if (z <= GATE) {
			sum += z * z;
			kept++;
		}
	}
	e->tail = kept ? fmax(1, sum / (double)kept) : 1;
}

/* Measurement noise variance as the filters use it. */
static double noise_var(const struct estimator *e)
{
	if (e->nresid < 3)
		return (double)e->cfg.initial_ns * (double)e->cfg.initial_ns;
	return e->sigma * e->sigma * e->tail;
}

/* Model m's prediction at dt seconds from its state. */
static void predict(const struct model *m, double dt, double *theta, double *p00, double *p01,
		    double *p11)
{
	double adt = fabs(dt);

	/* Backward (an instant before the newest sample), the cross term is
	 * taken at its worst sign: the variance is never understated. */
	double c01 = dt < 0 ? fabs(m->p01) : m->p01;

	*theta = m->theta + m->f * dt;
	*p00 = m->p00 + 2 * adt * c01 + adt * adt * m->p11 + m->q * adt * adt * adt / 3;
	*p01 = m->p01 + dt * m->p11 + (dt < 0 ? -1 : 1) * m->q * adt * adt / 2;
	*p11 = m->p11 + m->q * adt;
}

static double huber_rho(double z)
{
	double a = fabs(z);
	return a <= HUBER ? z * z / 2 : HUBER * a - HUBER * HUBER / 2;
}

/* One sample through every model (outliers excepted: the caller decides). */
static void models_update(struct estimator *e, const struct estimator_sample *s)
{
	double dt = (double)(s->t - e->t_state) * 1e-9, r = noise_var(e);

	for (size_t j = 0; j < NMODELS; j++) {
		struct model *m = &e->m[j];
		double th, p00, p01, p11, sv, nu, z, nu_w;

		predict(m, dt, &th, &p00, &p01, &p11);
		sv = p00 + r;
		nu = (double)s->offset - th;
		z = nu / sqrt(sv);
		nu_w = fabs(z) <= HUBER ? nu : copysign(HUBER * sqrt(sv), nu);
		if (e->n >= 2) /* the first two only set the state */
			m->score = e->memory * m->score + (-0.5 * log(sv) - huber_rho(z));
		if (j == e->best && e->n >= 2) {
			e->nis = e->memory * e->nis + (1 - e->memory) * fmin(z * z, GATE * GATE);
			e->shift_nu[e->shift_next] = nu;
			e->shift_s[e->shift_next] = sv;
			e->shift_next = (e->shift_next + 1) % SHIFT_SAMPLES;
			if (e->nshift < SHIFT_SAMPLES)
				e->nshift++;
		}
		m->theta = th + p00 / sv * nu_w;
		m->f += p01 / sv * nu_w;
		m->p11 = p11 - p01 * p01 / sv;
		m->p01 = p01 * r / sv;
		m->p00 = p00 * r / sv;
	}
	e->t_state = s->t;
	for (size_t j = 0; j < NMODELS; j++)
		if (e->m[j].score > e->m[e->best].score)
			e->best = j;
}

/* How far the sample lies from the best model's prediction, in its sigmas. */
static double innovation(const struct estimator *e, const struct estimator_sample *s, double *nu)
{
	double th, p00, p01, p11;

	predict(&e->m[e->best], (double)(s->t - e->t_state) * 1e-9, &th, &p00, &p01, &p11);
	*nu = (double)s->offset - th;
	return *nu / sqrt(p00 + noise_var(e));
}

/* A level shift in the best model's last innovations? */
static void shift_check(struct estimator *e)
{
	double m = 0, sv = 0;

	e->shift = 0;
	if (e->nshift < SHIFT_SAMPLES)
		return;
	for (size_t i = 0; i < SHIFT_SAMPLES; i++) {
		m += e->shift_nu[i] / SHIFT_SAMPLES;
		sv += e->shift_s[i] / SHIFT_SAMPLES;
	}
	if (fabs(m) <= SHIFT_Z * sqrt(sv / SHIFT_SAMPLES))
		return;
	e->shift = fabs(m);
	for (size_t j = 0; j < NMODELS; j++)
		e->m[j].p00 += m * m;
}

/* The pending samples were outliers: remember how large. */
static void outliers_confirmed(struct estimator *e)
{
	if (e->npend > 0) {
		e->outl[e->outl_next] = e->pend_max;
		e->outl_next = (e->outl_next + 1) % OUTLIER_KEEP;
		if (e->noutl < OUTLIER_KEEP)
			e->noutl++;
	}
	e->npend = 0;
	e->pend_max = 0;
}

/* How far an outlier may take a sample from the truth, as seen. */
static double outlier_size(const struct estimator *e)
{
	double m = 0;

	for (size_t i = 0; i < e->noutl; i++)
		m = fmax(m, e->outl[i]);
	return m;
}

static void accept(struct estimator *e, const struct estimator_sample *s)
{
	models_update(e, s);
	shift_check(e);
	e->n++;
	e->lo = fmin(e->lo, (double)s->offset);
	e->hi = fmax(e->hi, (double)s->offset);
}

void estimator_add(struct estimator *e, const struct estimator_sample *s)
{
	double nu, z;

	if (e->win != NULL) {
		estimator_window_add(e->win, s->t, s->offset);
		e->delay = s->delay;
		e->upstream = s->upstream;
		return;
	}
	if (s->t == e->t_newest)
		return; /* a repeat of the newest */
	e->t_newest = s->t;
	e->delay = s->delay;
	e->upstream = s->upstream;
	scale_add(e, s);
	if (e->n == 0 && e->npend == 0) {
		models_start(e, s, 0, FREQ_PRIOR * FREQ_PRIOR, false);
		accept(e, s);
		return;
	}
	z = innovation(e, s, &nu);
	if (e->n < ESTIMATOR_MIN_SAMPLES || e->nresid < ESTIMATOR_MIN_SAMPLES || fabs(z) <= GATE) {
		outliers_confirmed(e); /* the ones before were outliers after all */
		accept(e, s);
		return;
	}
	/* An outlier, or the start of a step: a step is STEP_SAMPLES on one side
	 * that agree with each other (within the gate of the noise), so an
	 * outlier just before a step does not become the step's level. */
	if (e->npend > 0 && ((nu > 0 ? 1 : -1) != e->pend_side ||
			     fabs(nu - e->pend_nu) > GATE * sqrt(2 * noise_var(e))))
		outliers_confirmed(e);
	e->pend_side = nu > 0 ? 1 : -1;
	e->pend_nu = nu;
	e->pend[e->npend++] = *s;
	e->pend_max = fmax(e->pend_max, fabs(nu));
	if (e->npend == STEP_SAMPLES) {
		/* A step: start again from it. The frequency it had is a guess,
		 * no more: a step is often the end of a silence (the clock
		 * wandered meanwhile), and what shows as one may be a change of
		 * rate. */
		double f = e->m[e->best].f, p11 = FREQ_PRIOR * FREQ_PRIOR;
		struct estimator_sample pend[STEP_SAMPLES];
		memcpy(pend, e->pend, sizeof(pend));
		e->npend = 0;
		e->pend_max = 0;
		models_start(e, &pend[0], f, p11, true);
		for (size_t k = 0; k < STEP_SAMPLES; k++)
			accept(e, &pend[k]);
	}
}

static int estimate_window(struct estimator *e, int64_t at, struct estimate *out)
{
	struct estimate_window w;
	int err = estimator_window_estimate(e->win, at, &w);

	if (err)
		return err;
	out->offset = w.offset;
	out->freq = w.freq;
	out->stat = w.offset_bound + (double)e->upstream;
	out->asym = estimator_allowance(&e->cfg, e->delay);
	out->freq_bound = w.freq_bound;
	out->drift = out->hold_drift = w.freq_bound;
	out->wander = 0;
	out->sigma = w.sigma;
	out->spread = student_t_quantile(e->cfg.confidence, (double)w.used) * w.sigma;
	out->used = w.used;
	return 0;
}

int estimator_estimate(struct estimator *e, int64_t at, struct estimate *out)
{
	const struct model *m;
	double dt, th, p00, p01, p11, k, c, sq_f;

	if (e->win != NULL)
		return estimate_window(e, at, out);
	if (e->n == 0)
		return -EAGAIN;
	m = &e->m[e->best];
	dt = (double)(at - e->t_state) * 1e-9;
	predict(m, dt, &th, &p00, &p01, &p11);
	out->asym = estimator_allowance(&e->cfg, e->delay);
	out->sigma = e->sigma;
	out->used = e->n;
	if (e->n < ESTIMATOR_MIN_SAMPLES || e->nresid < ESTIMATOR_MIN_SAMPLES) {
		/* Too few to judge the noise: the initial bound, plus the spread seen. */
		out->offset = th;
		out->freq = 0;
		out->stat = (double)e->cfg.initial_ns + (e->hi - e->lo) + (double)e->upstream;
		out->freq_bound = out->drift = out->hold_drift = FREQ_PRIOR * 1e-9;
		out->wander = 0;
		out->spread = out->stat;
		return 0;
	}
	/* The scale is estimated from nresid residuals: Student's t, not the
	 * normal, with the degrees of freedom a median absolute deviation is
	 * worth (its efficiency against a standard deviation is 37%). */
	k = student_t_quantile(e->cfg.confidence, fmax(MAD_EFFICIENCY * (double)e->nresid - 1, 1));
	/* If the innovations are wider than the model says, trust it less. */
	c = sqrt(fmax(1, e->nis));
	sq_f = sqrt(fmax(p11, 0));
	out->spread = k * sqrt(noise_var(e));
	out->offset = th;
	out->freq = m->f * 1e-9;
	out->stat = fmax(k * c * sqrt(fmax(p00, 0)) + e->pend_max +
				 (e->npend > 0 ? outlier_size(e) : 0) + e->shift,
			 FLOOR_NS) +
		    (double)e->upstream;
	out->freq_bound = k * c * sq_f * 1e-9;
	out->drift = k * c * (sq_f + sqrt(m->q * SYNC_HORIZON_S / 3)) * 1e-9;
	out->hold_drift =
		k * c * (sq_f + sqrt(m->q * fmax((double)e->cfg.horizon_ns * 1e-9, 0) / 3)) * 1e-9;
	out->wander = k * c * sqrt(m->q / 3);
	return 0;
}
