/* SPDX-License-Identifier: Apache-2.0 */
/* control.c - the sync effort that meets a timeline's requirement (control.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "qot.h"

#define NS_PER_S      1000000000LL
#define RELAX_FACTOR  1.5   /* a slower level must fit this many times over */
#define SPREAD_WEIGHT 0.125 /* of a new measurement in the spread of the base: ~8 of them */
#define LEVEL_POW_MIN (-30)
#define LEVEL_POW_MAX 33 /* 1 s << 33 still fits in int64_t ns */

struct control {
	struct control_config cfg;
	struct qot_req req;
	bool req_changed;
	bool started;
	unsigned held; /* measurements in a row a slower level fitted */
	/* The base (floor + k * noise) across measurements: its moving mean
	 * and variance, for how far it may be from what one measurement says. */
	struct control_quality last; /* the last quality measured (floor known) */
	bool measured;
	double base_mean, base_var;
	struct control_status st;
};

void control_config_defaults(struct control_config *cfg)
{
	cfg->min_interval = NS_PER_S / 8;
	cfg->max_interval = 64 * NS_PER_S;
	cfg->margin = 0.25;
	cfg->noise_k = 3;
	cfg->misses = 1;
	cfg->hold = 3;
}

int control_config_check(const struct control_config *cfg, char *err, size_t errlen)
{
	const char *what = NULL;

	if (cfg->min_interval <= 0)
		what = "the minimum interval must be positive";
	else if (cfg->max_interval < cfg->min_interval)
		what = "the maximum interval is below the minimum";
	else if (!(cfg->margin >= 0 && cfg->margin < 1))
		what = "the margin must be at least 0% and below 100%";
	else if (!(cfg->noise_k >= 0 && cfg->noise_k <= 1000))
		what = "the noise multiple must be within 0..1000";
	else if (cfg->misses > 1000)
		what = "misses must be at most 1000";
	else if (cfg->hold < 1 || cfg->hold > 1000)
		what = "hold must be within 1..1000";
	if (what == NULL)
		return 0;
	snprintf(err, errlen, "%s", what);
	return -EINVAL;
}

int control_new(struct control **out, const struct control_config *cfg, char *err, size_t errlen)
{
	struct control *c;
	int res = control_config_check(cfg, err, errlen);

	if (res < 0)
		return res;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->cfg = *cfg;
	c->req = qot_req_none;
	c->st.state = CONTROL_NONE;
	c->st.interval = cfg->max_interval;
	c->st.required = QOT_UNBOUNDED;
	c->st.predicted = QOT_UNBOUNDED;
	c->st.exchanges_per_s = 1e9 / (double)cfg->max_interval;
	*out = c;
	return 0;
}

void control_free(struct control *c)
{
	free(c);
}

void control_set_requirement(struct control *c, const struct qot_req *req)
{
	const struct qot_req *r = req ? req : &qot_req_none;

	if (r->acc_below != c->req.acc_below || r->acc_above != c->req.acc_above) {
		c->req = *r;
		c->req_changed = true;
	}
}

static uint64_t required_of(const struct qot_req *req)
{
	return req->acc_below < req->acc_above ? req->acc_below : req->acc_above;
}

/* ns as a bound: rounded up, saturating below QOT_UNBOUNDED. */
static uint64_t ceil_ns(double v)
{
	if (!(v > 0))
		return 0;
	return v >= 1.8e19 ? QOT_UNBOUNDED - 1 : (uint64_t)ceil(v);
}

static double base_of(const struct control_config *cfg, const struct control_quality *q)
{
	return (double)q->floor + cfg->noise_k * (double)q->noise;
}

uint64_t control_predict(const struct control_config *cfg, const struct control_quality *q,
			 int64_t interval)
{
	if (q->floor == QOT_UNBOUNDED)
		return QOT_UNBOUNDED;
	return ceil_ns(base_of(cfg, q) + fmax(q->drift, 0) * (cfg->misses + 1.0) *
						 (double)(interval > 0 ? interval : 0));
}

int64_t control_largest(const struct control_config *cfg, const struct control_quality *q,
			uint64_t budget)
{
	double base, t;

	if (q->floor == QOT_UNBOUNDED)
		return 0;
	base = base_of(cfg, q);
	if (!(base <= (double)budget))
		return 0;
	if (!(q->drift > 0))
		return INT64_MAX;
	t = floor(((double)budget - base) / (q->drift * (cfg->misses + 1.0)));
	return t >= 9.2e18 ? INT64_MAX : (int64_t)t;
}

/* The levels: min, 1 s times the powers of two strictly between, max. */
static int64_t pow2_level(int p)
{
	return p >= 0 ? NS_PER_S << p : NS_PER_S >> -p;
}

static int64_t level_at_or_below(const struct control_config *cfg, int64_t t)
{
	int64_t best = cfg->min_interval;

	if (t >= cfg->max_interval)
		return cfg->max_interval;
	for (int p = LEVEL_POW_MIN; p <= LEVEL_POW_MAX; p++) {
		int64_t l = pow2_level(p);
		if (l > t || l >= cfg->max_interval)
			break;
		if (l > best)
			best = l;
	}
	return best;
}

static int64_t level_above(const struct control_config *cfg, int64_t l)
{
	for (int p = LEVEL_POW_MIN; p <= LEVEL_POW_MAX; p++) {
		int64_t v = pow2_level(p);
		if (v >= cfg->max_interval)
			break;
		if (v > l && v > cfg->min_interval)
			return v;
	}
	return cfg->max_interval;
}

void control_format_ns(uint64_t ns, char *buf, size_t size)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1}};
	size_t i = 0;

	if (ns == QOT_UNBOUNDED) {
		snprintf(buf, size, "unbounded");
		return;
	}
	while (i + 1 < sizeof(units) / sizeof(units[0]) && (double)ns < units[i].ns)
		i++;
	snprintf(buf, size, "%.3g%s", (double)ns / units[i].ns, units[i].unit);
}

/* What the requirement asks of quality q, before any hysteresis: the state,
 * the level wanted, and the unquantized interval that fits (for relaxing). */
struct want {
	enum control_state state;
	int64_t level, fit;
	bool source_limited;
};

static struct want want_for(const struct control_config *cfg, const struct qot_req *req,
			    const struct control_quality *q)
{
	uint64_t required = required_of(req);
	struct want w = {CONTROL_MET, cfg->min_interval, 0, false};
	double budget, base;

	if (required == QOT_UNBOUNDED) {
		w.state = CONTROL_NONE;
		w.level = cfg->max_interval;
		w.fit = INT64_MAX;
		return w;
	}
	if (q->floor == QOT_UNBOUNDED) {
		w.state = CONTROL_UNKNOWN;
		return w;
	}
	budget = (double)required * (1 - cfg->margin);
	base = base_of(cfg, q);
	if (base > (double)required && (double)q->floor > (double)required) {
		/* No rate helps (a typical exchange alone is too wide): aim within
		 * the margin of the best bound there is. */
		w.state = CONTROL_UNMEETABLE;
		w.source_limited = true;
		budget = cfg->margin > 0 ? base / (1 - cfg->margin) : base;
	}
	/* Between the two (the floor fits, not its noise): some exchanges meet
	 * it, the more of them the more often: nothing fits, the fastest. */
	w.fit = control_largest(cfg, q, (uint64_t)fmin(budget, 1.8e19));
	if (w.fit < cfg->min_interval && !w.source_limited)
		w.state = control_predict(cfg, q, cfg->min_interval) <= required
				  ? CONTROL_TIGHT
				  : CONTROL_UNMEETABLE;
	w.level = level_at_or_below(cfg, w.fit);
	return w;
}

static void describe(const struct control_config *cfg, struct control_status *st,
		     const struct control_quality *q, bool source_limited, const char *who)
{
	char req[32], pred[32], iv[32], base[32];
	const char *at = who ? "fixed" : st->interval == cfg->min_interval ? "fastest" : "";

	control_format_ns(st->required, req, sizeof(req));
	control_format_ns(st->predicted, pred, sizeof(pred));
	control_format_ns((uint64_t)st->interval, iv, sizeof(iv));
	control_format_ns(ceil_ns(base_of(cfg, q)), base, sizeof(base));
	switch (st->state) {
	case CONTROL_NONE:
		snprintf(st->reason, sizeof(st->reason), "no requirement: interval %s%s%s", iv,
			 who ? " set by " : "", who ? who : "");
		break;
	case CONTROL_UNKNOWN:
		snprintf(st->reason, sizeof(st->reason), "bound unknown yet: %s interval %s", at,
			 iv);
		break;
	case CONTROL_MET:
		snprintf(st->reason, sizeof(st->reason),
			 "bound %s at %s%sinterval %s within required %s", pred, at, *at ? " " : "",
			 iv, req);
		break;
	case CONTROL_TIGHT:
		snprintf(st->reason, sizeof(st->reason),
			 "bound %s at %s interval %s within required %s, not the %.0f%% margin",
			 pred, at, iv, req, cfg->margin * 100);
		break;
	case CONTROL_UNMEETABLE:
		if (source_limited)
			snprintf(st->reason, sizeof(st->reason), "source bound %s > required %s",
				 base, req);
		else
			snprintf(st->reason, sizeof(st->reason),
				 "bound %s at %s interval %s > required %s%s%s", pred, at, iv, req,
				 who ? ", set by " : "", who ? who : "");
		break;
	}
}

static void fill(const struct control_config *cfg, struct control_status *st,
		 enum control_state state, uint64_t required, const struct control_quality *q,
		 int64_t interval)
{
	st->state = state;
	st->interval = interval;
	st->required = required;
	st->predicted = control_predict(cfg, q, interval);
	st->exchanges_per_s = 1e9 / (double)interval;
}

/* A measurement unlike the last: into the base's moving mean and variance.
 * true if it was new (the loop may decide again on the same one). */
static bool observe(struct control *c, const struct control_quality *q)
{
	double b, d;

	/* New, when the source counts its measurements, if the count moved (a
	 * learnt drift bound moves with time alone); else if anything changed. */
	if (q->floor == QOT_UNBOUNDED ||
	    (c->measured && (q->seq ? q->seq == c->last.seq
				    : q->floor == c->last.floor && q->noise == c->last.noise &&
					      q->drift == c->last.drift)))
		return false;
	b = base_of(&c->cfg, q);
	if (!c->measured) {
		c->base_mean = b;
		c->base_var = 0;
	} else {
		d = b - c->base_mean;
		c->base_mean += SPREAD_WEIGHT * d;
		c->base_var = (1 - SPREAD_WEIGHT) * (c->base_var + SPREAD_WEIGHT * d * d);
	}
	c->last = *q;
	c->measured = true;
	return true;
}

/*
 * The interval a slower level must fit: with the base as high as the recent
 * measurements make likely (their mean plus k spreads, when above what this
 * one says), so that one lucky measurement does not lengthen an interval the
 * next one shortens again.
 */
static int64_t fit_to_relax(const struct control *c, const struct control_quality *q,
			    const struct want *w)
{
	const struct control_config *cfg = &c->cfg;
	double hi = c->base_mean + cfg->noise_k * sqrt(c->base_var);
	struct control_quality wary = *q;
	struct want wh;

	if (!c->measured || !(hi > base_of(cfg, q)))
		return w->fit;
	/* the same base, from the floor alone: k * noise stays as measured */
	wary.floor = ceil_ns(hi - cfg->noise_k * (double)q->noise);
	wh = want_for(cfg, &c->req, &wary);
	if (wh.source_limited && !w->source_limited)
		return 0; /* as wary, no rate would help: that is no reason to slow down */
	return wh.fit < w->fit ? wh.fit : w->fit;
}

unsigned control_update(struct control *c, const struct control_quality *q)
{
	const struct control_config *cfg = &c->cfg;
	struct want w = want_for(cfg, &c->req, q);
	int64_t interval = c->st.interval;
	unsigned changed = 0;
	bool fresh = observe(c, q);

	if (!c->started || c->req_changed ||
	    (c->st.state == CONTROL_UNKNOWN && w.state != CONTROL_UNKNOWN)) {
		/* an event (a new requirement, a first measurement): straight there */
		interval = w.level;
		c->held = 0;
	} else if (w.level < interval) {
		interval = w.level; /* worse: faster at once */
		c->held = 0;
	} else if (w.level > interval) {
		/* slower only after `hold` new measurements in a row found that
		 * even RELAX_FACTOR times the next level up fits, wary of the
		 * spread of the base */
		int64_t up = level_above(cfg, interval);
		if ((double)fit_to_relax(c, q, &w) >= RELAX_FACTOR * (double)up) {
			if (fresh && ++c->held >= cfg->hold) {
				interval = up;
				c->held = 0;
			}
		} else {
			c->held = 0;
		}
	} else {
		c->held = 0;
	}
	if (!c->started || interval != c->st.interval)
		changed |= CONTROL_CHANGED_INTERVAL;
	if (!c->started || w.state != c->st.state)
		changed |= CONTROL_CHANGED_STATE;
	fill(cfg, &c->st, w.state, required_of(&c->req), q, interval);
	describe(cfg, &c->st, q, w.source_limited, NULL);
	c->started = true;
	c->req_changed = false;
	return changed;
}

void control_status(const struct control *c, struct control_status *out)
{
	*out = c->st;
}

int64_t control_interval(const struct control *c)
{
	return c->st.interval;
}

const char *control_state_name(enum control_state s)
{
	static const char *const names[] = {"none", "met", "tight", "unmeetable", "unknown"};
	return names[s];
}

void control_assess_fixed(const struct control_config *cfg, const struct qot_req *req,
			  const struct control_quality *q, int64_t interval, const char *who,
			  struct control_status *out)
{
	uint64_t required = required_of(req ? req : &qot_req_none);
	enum control_state state;
	uint64_t b = control_predict(cfg, q, interval);
	bool source_limited = false;

	if (required == QOT_UNBOUNDED)
		state = CONTROL_NONE;
	else if (q->floor == QOT_UNBOUNDED)
		state = CONTROL_UNKNOWN;
	else if ((double)b <= (double)required * (1 - cfg->margin))
		state = CONTROL_MET;
	else if (b <= required)
		state = CONTROL_TIGHT;
	else
		state = CONTROL_UNMEETABLE;
	if (state == CONTROL_UNMEETABLE && base_of(cfg, q) > (double)required)
		source_limited = true;
	memset(out, 0, sizeof(*out));
	fill(cfg, out, state, required, q, interval > 0 ? interval : 1);
	describe(cfg, out, q, source_limited, who ? who : "another node");
}
