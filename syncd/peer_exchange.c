/* SPDX-License-Identifier: Apache-2.0 */
/* peer_exchange.c - offset, delay and an honest bound from four timestamps. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "peer_exchange.h"
#include "rate.h"

#define LIMIT ((int64_t)1 << 62) /* no two timestamps of one exchange further apart */

static int in_range(int64_t a, int64_t b)
{
	__int128 d = (__int128)a - b;

	return d <= LIMIT && d >= -LIMIT;
}

/* floor((a + b) / 2) without overflow, for |a|, |b| < 2^63. */
static int64_t mid(int64_t a, int64_t b)
{
	return (a >> 1) + (b >> 1) + (a & b & 1);
}

/* Unbounded stays unbounded; a finite sum saturates just below it. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	if (a == QOT_UNBOUNDED || b == QOT_UNBOUNDED)
		return QOT_UNBOUNDED;
	return a > QOT_UNBOUNDED - 1 - b ? QOT_UNBOUNDED - 1 : a + b;
}

int peer_exchange_measure(const struct peer_exchange_config *cfg, const struct peer_stamps *s,
			  struct peer_measurement *out)
{
	int64_t hi, lo, phi, spread;
	uint64_t delay, half, grow;

	if (s->t4 < s->t1 || s->b4 < s->b1 || s->t3 < s->t2)
		return -EINVAL;
	/* Every pair that is subtracted below stays within 2^62 (so no sum overflows). */
	if (!in_range(s->t1, s->t2) || !in_range(s->t3, s->t4) || !in_range(s->b1, s->t2) ||
	    !in_range(s->b4, s->t3) || !in_range(s->b1, s->b4) || !in_range(s->t1, s->t4))
		return -EINVAL;
	hi = s->t2 - s->b1; /* phi is at most this */
	lo = s->t3 - s->b4; /* and at least this */
	if (hi < lo)
		return -EINVAL; /* the upstream turned round longer than the round trip */
	delay = (uint64_t)(hi - lo);
	phi = mid(hi, lo);
	half = (delay + 1) / 2; /* ceil: the midpoint is floored */
	if (cfg->max_asymmetry && cfg->max_asymmetry / 2 + 1 < half)
		half = cfg->max_asymmetry / 2 + 1;
	spread = s->b4 - s->b1;
	grow = bound_ns(cfg->drift * (double)spread);
	memset(out, 0, sizeof(*out));
	out->at = s->b4;
	out->base_offset = phi;
	out->offset = mid(s->t2 - s->t1, s->t3 - s->t4);
	out->delay = delay;
	out->half = half;
	out->below = sat_add(sat_add(sat_add(half, grow), cfg->noise), s->up_below);
	out->above = sat_add(sat_add(sat_add(half, grow), cfg->noise), s->up_above);
	return 0;
}

void peer_exchange_age(const struct peer_measurement *m, double drift, int64_t now,
		       struct peer_measurement *out)
{
	uint64_t grow = now > m->at ? bound_ns(drift * ((double)now - (double)m->at)) : 0;

	*out = *m;
	out->at = now > m->at ? now : m->at;
	out->below = sat_add(m->below, grow);
	out->above = sat_add(m->above, grow);
}

void peer_filter_init(struct peer_filter *f, size_t window)
{
	memset(f, 0, sizeof(*f));
	f->window = window < 1 ? 1 : window > PEER_FILTER_MAX ? PEER_FILTER_MAX : window;
}

void peer_filter_reset(struct peer_filter *f)
{
	peer_filter_init(f, f->window);
}

void peer_filter_add(struct peer_filter *f, const struct peer_measurement *m)
{
	f->m[f->next] = *m;
	f->next = (f->next + 1) % f->window;
	if (f->n < f->window)
		f->n++;
}

int peer_filter_best(const struct peer_filter *f, double drift, int64_t now,
		     struct peer_measurement *out)
{
	struct peer_measurement best, aged;
	int64_t best_at = 0;
	int found = 0;

	for (size_t i = 0; i < f->n; i++) {
		uint64_t w, bw;

		if (f->m[i].at > now)
			continue;
		peer_exchange_age(&f->m[i], drift, now, &aged);
		w = sat_add(aged.below, aged.above);
		bw = found ? sat_add(best.below, best.above) : 0;
		/* Narrowest at now; among equals the newest. */
		if (!found || w < bw || (w == bw && f->m[i].at > best_at)) {
			best = aged;
			best_at = f->m[i].at;
			found = 1;
		}
	}
	if (!found)
		return -EAGAIN;
	*out = best;
	return 0;
}

int peer_filter_span(const struct peer_filter *f, int64_t ref, double freq, double drift,
		     int64_t now, struct peer_span *out)
{
	double lo = -INFINITY, hi = INFINITY, hull_lo = INFINITY, hull_hi = -INFINITY;
	uint64_t half = QOT_UNBOUNDED;
	int64_t newest = INT64_MIN;

	for (size_t i = 0; i < f->n; i++) {
		const struct peer_measurement *m = &f->m[i];
		double age, mid, l, h;

		if (m->at > now)
			continue; /* the base clock stepped back: says nothing of now */
		age = (double)now - (double)m->at;
		mid = (double)(m->base_offset - ref) + freq * age;
		l = mid - (double)m->below - drift * age;
		h = mid + (double)m->above + drift * age;
		lo = fmax(lo, l);
		hi = fmin(hi, h);
		hull_lo = fmin(hull_lo, l);
		hull_hi = fmax(hull_hi, h);
		if (m->half < half)
			half = m->half;
		if (m->at > newest)
			newest = m->at;
	}
	if (newest == INT64_MIN)
		return -EAGAIN;
	*out = (struct peer_span){.lo = lo, .hi = hi, .half = half, .newest = newest};
	if (lo > hi) {
		out->lo = hull_lo;
		out->hi = hull_hi;
		out->hull = 1;
	}
	return 0;
}
