/* SPDX-License-Identifier: Apache-2.0 */
/* estimator_window.c - windowed least squares with outlier rejection and honest bounds. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "estimator_window.h"

#define OUTLIER_MADS 5.0
/* Rejected samples in a row, on one side, at the newest end: a step. */
#define STEP_SAMPLES 3
/* Measurement granularity: no bound is tighter than this (ns). */
#define FLOOR_NS 1.0

int estimator_window_init(struct estimator_window *e, size_t window, double confidence,
			  int64_t initial_ns)
{
	memset(e, 0, sizeof(*e));
	e->t = calloc(window, sizeof(*e->t));
	e->y = calloc(window, sizeof(*e->y));
	if (e->t == NULL || e->y == NULL) {
		estimator_window_free(e);
		return -ENOMEM;
	}
	e->cap = window;
	e->confidence = confidence;
	e->initial_ns = initial_ns;
	return 0;
}

void estimator_window_free(struct estimator_window *e)
{
	free(e->t);
	free(e->y);
	e->t = e->y = NULL;
	e->cap = e->n = 0;
}

void estimator_window_reset(struct estimator_window *e)
{
	e->n = e->next = 0;
}

/* Inverse of the standard normal CDF (Acklam's rational approximation, |err| < 1.2e-9). */
static double normal_quantile(double p)
{
	static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
				   -2.759285104469687e+02, 1.383577518672690e+02,
				   -3.066479806614716e+01, 2.506628277459239e+00};
	static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
				   -1.556989798598866e+02, 6.680131188771972e+01,
				   -1.328068155288572e+01};
	static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
				   -2.400758277161838e+00, -2.549732539343734e+00,
				   4.374664141464968e+00,  2.938163982698783e+00};
	static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
				   2.445134137142996e+00, 3.754408661907416e+00};
	double q, r;

	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		       ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	if (p > 1 - 0.02425)
		return -normal_quantile(1 - p);
	q = p - 0.5;
	r = q * q;
	return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
	       (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/* P(|T| <= t) for Student's t with an integer nu >= 1 degrees of freedom
 * (Abramowitz & Stegun 26.7.3 and 26.7.4). */
static double t_central(double t, unsigned nu)
{
	double theta = atan(t / sqrt((double)nu));
	double c2 = cos(theta) * cos(theta), s = sin(theta), term = 1, sum = 1;

	if (nu % 2 == 0) {
		for (unsigned k = 2; k < nu; k += 2) {
			term *= c2 * (k - 1) / k;
			sum += term;
		}
		return s * sum;
	}
	if (nu == 1)
		return 2 * theta / M_PI;
	for (unsigned k = 3; k < nu; k += 2) {
		term *= c2 * (k - 1) / k;
		sum += term;
	}
	return 2 / M_PI * (theta + s * cos(theta) * sum);
}

/*
 * The two-sided quantile, by bisection of the exact distribution function
 * (rounded up to the number of degrees of freedom), so bounds are never
 * narrower than they should be. The last answer is kept: the estimator
 * asks the same question at every poll.
 */
double student_t_quantile(double confidence, double nu)
{
	static double last_conf, last_nu, last_t;
	unsigned n = nu < 1 ? 1 : nu > 1e6 ? 1000000 : (unsigned)ceil(nu);
	double lo = 0, hi = 1;

	if (confidence == last_conf && nu == last_nu)
		return last_t;
	if (n > 100000) /* the normal limit is exact enough, and the sum long */
		return normal_quantile(1 - (1 - confidence) / 2);
	while (t_central(hi, n) < confidence)
		hi *= 2;
	for (int i = 0; i < 100 && hi - lo > 1e-9 * hi; i++) {
		double mid = (lo + hi) / 2;
		if (t_central(mid, n) < confidence)
			lo = mid;
		else
			hi = mid;
	}
	last_conf = confidence;
	last_nu = nu;
	last_t = hi;
	return hi;
}

struct fit {
	double a, b;	  /* offset at tbar (ns), slope */
	double tbar, sxx; /* s, s^2 */
	double sigma;	  /* ns */
	size_t n;
};

/* Least squares over the samples whose keep[i] is set; times in seconds from t0. */
static int fit_line(const struct estimator_window *e, const unsigned char *keep, int64_t t0,
		    struct fit *f)
{
	double st = 0, sy = 0, sxy = 0, ss = 0;
	size_t n = 0;

	for (size_t i = 0; i < e->n; i++) {
		if (keep[i]) {
			st += (double)(e->t[i] - t0) * 1e-9;
			sy += (double)e->y[i];
			n++;
		}
	}
	if (n == 0)
		return -EAGAIN;
	f->n = n;
	f->tbar = st / (double)n;
	f->a = sy / (double)n;
	f->sxx = 0;
	for (size_t i = 0; i < e->n; i++) {
		if (keep[i]) {
			double dt = (double)(e->t[i] - t0) * 1e-9 - f->tbar;
			f->sxx += dt * dt;
			sxy += dt * ((double)e->y[i] - f->a);
		}
	}
	f->b = f->sxx > 0 ? sxy / f->sxx : 0; /* ns per s */
	for (size_t i = 0; i < e->n; i++) {
		if (keep[i]) {
			double dt = (double)(e->t[i] - t0) * 1e-9 - f->tbar;
			double r = (double)e->y[i] - (f->a + f->b * dt);
			ss += r * r;
		}
	}
	f->sigma = n > 2 ? sqrt(ss / (double)(n - 2)) : 0;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Keep only the newest `keep` samples. */
static void keep_newest(struct estimator_window *e, size_t keep)
{
	int64_t t[STEP_SAMPLES], y[STEP_SAMPLES];

	for (size_t k = 0; k < keep; k++) {
		size_t i = (e->next + e->cap - keep + k) % e->cap;
		t[k] = e->t[i];
		y[k] = e->y[i];
	}
	memcpy(e->t, t, keep * sizeof(*t));
	memcpy(e->y, y, keep * sizeof(*y));
	e->n = keep;
	e->next = keep % e->cap;
}

/* Ring index of the k-th newest sample (0: the newest). */
static size_t newest(const struct estimator_window *e, size_t k)
{
	return (e->next + e->cap - 1 - k) % e->cap;
}

static double residual(const struct estimator_window *e, const struct fit *f, int64_t t0, size_t i)
{
	double dt = (double)(e->t[i] - t0) * 1e-9 - f->tbar;
	return (double)e->y[i] - (f->a + f->b * dt);
}

/*
 * Fit the samples marked in keep, then drop those whose residuals exceed
 * OUTLIER_MADS scaled median absolute deviations, and fit again (unless that
 * would leave too few). keep is updated.
 */
static void fit_robust(const struct estimator_window *e, unsigned char *keep, int64_t t0,
		       struct fit *f)
{
	double resid[e->cap], sorted[e->cap], mad;
	size_t n = 0, kept = 0;

	fit_line(e, keep, t0, f);
	for (size_t i = 0; i < e->n; i++) {
		if (keep[i]) {
			resid[i] = fabs(residual(e, f, t0, i));
			sorted[n++] = resid[i];
		}
	}
	qsort(sorted, n, sizeof(double), cmp_double);
	mad = 1.4826 * sorted[n / 2];
	if (!(mad > 0))
		return;
	for (size_t i = 0; i < e->n; i++) {
		if (keep[i] && resid[i] > OUTLIER_MADS * mad + FLOOR_NS)
			keep[i] = 0;
		kept += keep[i];
	}
	if (kept >= ESTIMATOR_WINDOW_MIN_SAMPLES && kept < n)
		fit_line(e, keep, t0, f);
	else
		for (size_t i = 0; i < e->n; i++)
			keep[i] = 1;
}

/* The prediction bound of fit f for a sample at base instant t. */
static double prediction_bound(const struct estimator_window *e, const struct fit *f, int64_t t0,
			       int64_t t)
{
	double x = (double)(t - t0) * 1e-9 - f->tbar;
	double tq = student_t_quantile(e->confidence, (double)f->n - 2);

	return tq * fmax(f->sigma, FLOOR_NS) * sqrt(1 + 1.0 / (double)f->n + x * x / f->sxx);
}

/*
 * A step of the clock: the newest STEP_SAMPLES samples all lie beyond what
 * the fit of the samples before them predicts, on the same side. Tested at
 * every sample on a fit without them, so when the third shifted sample
 * arrives the fit holds none: shifted samples at the end of a window pull a
 * least-squares fit their way (they have the most leverage) and would hide.
 */
static bool step_seen(const struct estimator_window *e, int64_t t0)
{
	unsigned char keep[e->cap];
	struct fit f;
	int side = 0;

	if (e->n < ESTIMATOR_WINDOW_MIN_SAMPLES + STEP_SAMPLES)
		return false;
	memset(keep, 1, e->n);
	for (size_t k = 0; k < STEP_SAMPLES; k++)
		keep[newest(e, k)] = 0;
	fit_robust(e, keep, t0, &f);
	if (!(f.sxx > 0) || f.n < ESTIMATOR_WINDOW_MIN_SAMPLES)
		return false;
	for (size_t k = 0; k < STEP_SAMPLES; k++) {
		size_t i = newest(e, k);
		double r = residual(e, &f, t0, i);
		if (fabs(r) <= prediction_bound(e, &f, t0, e->t[i]))
			return false;
		if (side != 0 && (r > 0) != (side > 0))
			return false;
		side = r > 0 ? 1 : -1;
	}
	return true;
}

int estimator_window_estimate(struct estimator_window *e, int64_t at, struct estimate_window *out)
{
	unsigned char keep[e->cap ? e->cap : 1];
	struct fit f;
	double step_allowance = 0;
	int64_t t0;

	if (e->n == 0)
		return -EAGAIN;
	t0 = e->t[newest(e, 0)];
	memset(keep, 1, e->n);
	fit_line(e, keep, t0, &f);

	if (e->n < ESTIMATOR_WINDOW_MIN_SAMPLES || !(f.sxx > 0)) {
		/* Too few to judge the noise: the initial bound, plus the spread seen. */
		double lo = (double)e->y[0], hi = lo;
		for (size_t i = 1; i < e->n; i++) {
			lo = fmin(lo, (double)e->y[i]);
			hi = fmax(hi, (double)e->y[i]);
		}
		out->offset = f.a;
		out->offset_bound = (double)e->initial_ns + (hi - lo);
		out->freq = 0;
		out->freq_bound = 0;
		out->sigma = 0;
		out->used = e->n;
		return 0;
	}

	fit_robust(e, keep, t0, &f);
	/* The newest samples rejected as outliers might be the start of a step:
	 * one cannot tell yet, so the bound reaches them. */
	for (size_t k = 0; k < e->n && !keep[newest(e, k)]; k++)
		step_allowance = fmax(step_allowance, fabs(residual(e, &f, t0, newest(e, k))));

	{
		double tq = student_t_quantile(e->confidence, (double)f.n - 2);
		double x = (double)(at - t0) * 1e-9 - f.tbar;
		out->offset = f.a + f.b * x;
		/* Prediction interval: where the true offset strays like samples do. */
		out->offset_bound = prediction_bound(e, &f, t0, at) + step_allowance;
		out->freq = f.b * 1e-9;
		out->freq_bound = tq * fmax(f.sigma, FLOOR_NS) / sqrt(f.sxx) * 1e-9;
		out->sigma = f.sigma;
		out->used = f.n;
	}
	return 0;
}

void estimator_window_add(struct estimator_window *e, int64_t t, int64_t offset)
{
	if (e->n > 0 && e->t[newest(e, 0)] == t)
		return; /* a repeat of the newest */
	e->t[e->next] = t;
	e->y[e->next] = offset;
	e->next = (e->next + 1) % e->cap;
	if (e->n < e->cap)
		e->n++;
	if (step_seen(e, t))
		keep_newest(e, STEP_SAMPLES); /* the window starts again from the step */
}
