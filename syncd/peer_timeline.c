/* SPDX-License-Identifier: Apache-2.0 */
/* peer_timeline.c - one timeline served by its cluster: failover, exchanges, Berkeley. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "bufput.h"
#include "control.h"
#include "estimator.h"
#include "peer_timeline.h"
#include "rate.h"

/* A learned bound on the upstream's rate error is never tighter than this
 * (as for chronyd's, source_chrony.c). */
#define LEARN_FLOOR (0.05 * PPM)
/* Exchanges the estimator keeps for its noise scale. */
#define LEARN_WINDOW 64

struct bk_member {
	bool measured;
	struct peer_measurement m;
	uint64_t resp_seq; /* the member's response: what a correction echoes */
};

struct peer_timeline {
	struct peer_sock *sock;
	struct peer_tl *tl;
	char self[QOT_NAME_MAX + 1];
	struct peer_timeline_config cfg;
	struct peer_upstream *up;
	struct peer_filter filter;
	char filter_node[QOT_NAME_MAX + 1]; /* whose exchanges the filter holds */
	struct estimator *est;		    /* of the same exchanges: rate (NULL: learn off) */
	int64_t est_ref;    /* ns: what the estimator's offsets are relative to (precision) */
	uint64_t exchanges; /* usable exchanges with the upstream followed, ever (from 1) */
	struct peer_addr peers[PEER_UPSTREAM_MAX];
	size_t npeers;
	bool has_ref;
	bool up_berkeley; /* the upstream said its root averages */
	uint16_t up_depth;
	int64_t last_ok, last_tick;
	struct bk_member bk[PEER_UPSTREAM_MAX]; /* by index in peers */
	struct reading own;			/* Berkeley: root's average, member's correction */
	bool own_valid;
	char own_from[QOT_NAME_MAX + 1]; /* who computed it: self, or the root followed */
	const char *left_out[PEER_UPSTREAM_MAX];
	size_t nleft_out;
	int64_t base_max_age; /* the configured max_age, before the interval stretched it */
};

static size_t peer_index(const struct peer_timeline *pt, const char *node)
{
	for (size_t i = 0; i < pt->npeers; i++)
		if (strcmp(pt->peers[i].node, node) == 0)
			return i;
	return (size_t)-1;
}

static bool berkeley_root(const struct peer_timeline *pt)
{
	return peer_upstream_role(pt->up) == PEER_ROLE_ROOT && !pt->has_ref;
}

static bool following(const struct peer_timeline *pt, const char *node)
{
	const char *cur = peer_upstream_current(pt->up);

	return cur != NULL && strcmp(cur, node) == 0;
}

static uint64_t drift_rate(const struct peer_timeline *pt)
{
	return bound_rate_from_frac(pt->cfg.ex.drift);
}

/* The rate to carry the upstream's exchanges forward at (fraction), the
 * bound on its error over the next seconds and over a holdover: learned by
 * the estimator once it has seen enough and the bound it learned is below
 * the configured drift; else the base clock's rate and that drift. */
struct up_rate {
	bool learned;
	double offset; /* the estimator's offset at the instant asked, relative to est_ref */
	double freq, drift, hold_drift, hold_lin, wander;
};

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void upstream_rate(const struct peer_timeline *pt, int64_t now, struct up_rate *out)
{
	double max = pt->cfg.ex.drift;
	struct estimate e;

	*out = (struct up_rate){.drift = max, .hold_drift = max};
	if (pt->est == NULL || pt->filter.n == 0 || estimator_estimate(pt->est, now, &e) != 0 ||
	    e.used < ESTIMATOR_MIN_SAMPLES || !(e.drift < max) || !(fabs(e.freq) <= max))
		return;
	out->learned = true;
	out->offset = e.offset;
	out->freq = e.freq;
	out->drift = clampd(e.drift, LEARN_FLOOR, max);
	out->hold_drift = clampd(fmax(e.drift, e.hold_drift), LEARN_FLOOR, max);
	out->hold_lin = clampd(e.freq_bound, LEARN_FLOOR, max);
	out->wander = e.wander;
}

static void learn(struct peer_timeline *pt, const struct peer_measurement *m,
		  const struct peer_stamps *s)
{
	uint64_t up = s->up_below > s->up_above ? s->up_below : s->up_above;

	if (pt->est == NULL)
		return;
	estimator_add(pt->est,
		      &(struct estimator_sample){
			      .t = m->at,
			      .offset = m->base_offset - pt->est_ref,
			      .delay = m->delay > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)m->delay,
			      .upstream = up > INT64_MAX / 4 ? INT64_MAX / 4 : (int64_t)up,
		      });
}

/* ---- what the endpoint asks of us ------------------------------------------ */

static int op_params(void *ctx, struct qot_clock_params *p, int64_t *base_now)
{
	struct peer_timeline *pt = ctx;

	return pt->cfg.params(pt->cfg.params_ctx, p, base_now);
}

static void op_self(void *ctx, struct peer_self *out)
{
	struct peer_timeline *pt = ctx;
	enum peer_role role = peer_upstream_role(pt->up);
	bool fresh = pt->last_ok && pt->last_tick - pt->last_ok <= pt->cfg.max_age;

	memset(out, 0, sizeof(*out));
	out->serve = true;
	if (role == PEER_ROLE_ROOT)
		out->flags |= PEER_FLAG_ROOT | PEER_FLAG_SYNCED;
	if (role == PEER_ROLE_ROOT && !pt->has_ref)
		out->flags |= PEER_FLAG_BERKELEY;
	if (role == PEER_ROLE_FOLLOW && fresh) {
		out->flags |= PEER_FLAG_SYNCED;
		if (pt->up_berkeley)
			out->flags |= PEER_FLAG_BERKELEY;
	}
	if (pt->has_ref)
		out->flags |= PEER_FLAG_REFERENCE;
	out->epoch = peer_upstream_epoch(pt->up);
	out->depth = role == PEER_ROLE_ROOT ? 0 : (uint16_t)(pt->up_depth + 1);
}

static void op_response(void *ctx, const struct peer_msg *m, const struct peer_stamps *s)
{
	struct peer_timeline *pt = ctx;
	bool usable = (m->flags & (PEER_FLAG_ROOT | PEER_FLAG_SYNCED)) &&
		      m->status != QOT_STATUS_UNSYNCED;
	struct peer_measurement meas;

	if (berkeley_root(pt)) {
		/* A member measured for the average: its own bounds do not count. */
		struct peer_stamps rel = *s;
		size_t i = peer_index(pt, m->node);

		rel.up_below = rel.up_above = 0;
		if (i != (size_t)-1 && peer_exchange_measure(&pt->cfg.ex, &rel, &meas) == 0) {
			pt->bk[i].measured = true;
			pt->bk[i].m = meas;
			pt->bk[i].resp_seq = m->seq;
		}
	}
	if (usable)
		peer_upstream_observe(pt->up, m->node, m->flags & PEER_FLAG_ROOT, m->epoch,
				      !(m->flags & PEER_FLAG_BERKELEY));
	if (!following(pt, m->node))
		return;
	if (!usable || peer_exchange_measure(&pt->cfg.ex, s, &meas) != 0) {
		peer_upstream_result(pt->up, m->node, false);
		return;
	}
	if (strcmp(pt->filter_node, m->node) != 0) {
		/* A new upstream: its exchanges say nothing of the old one's. */
		peer_filter_reset(&pt->filter);
		if (pt->est)
			estimator_reset(pt->est);
		pt->est_ref = meas.base_offset;
		snprintf(pt->filter_node, sizeof(pt->filter_node), "%s", m->node);
	}
	peer_filter_add(&pt->filter, &meas);
	learn(pt, &meas, s);
	pt->exchanges++;
	pt->last_ok = s->b4;
	pt->up_depth = m->depth;
	pt->up_berkeley = m->flags & PEER_FLAG_BERKELEY;
	peer_upstream_result(pt->up, m->node, true);
}

static void request(struct peer_timeline *pt, const char *node);

static void op_timeout(void *ctx, const char *node, uint64_t seq)
{
	struct peer_timeline *pt = ctx;
	const char *cur;

	(void)seq;
	if (!following(pt, node))
		return;
	peer_upstream_result(pt->up, node, false);
	/*
	 * Silence is what failover waits for, so ask again at once rather than
	 * at the next interval: `missed` misses in a row take as many timeouts,
	 * not intervals, and one lost packet costs a timeout, not an interval
	 * of freshness. After a switch, the new upstream at once. One request
	 * per timeout: bounded by the timeouts themselves.
	 */
	cur = peer_upstream_current(pt->up);
	if (cur)
		request(pt, cur);
}

static void op_correction(void *ctx, const struct peer_msg *m, int64_t t3, int64_t b3)
{
	struct peer_timeline *pt = ctx;
	struct up_rate rate;

	if (!following(pt, m->node))
		return; /* only the root we follow corrects us */
	/* At b3 the ensemble's time was t3 + correction; from there it runs
	 * at the root's rate (the root steers itself to the average), which
	 * the exchanges with it have learnt, or the base clock's within drift. */
	upstream_rate(pt, b3, &rate);
	pt->own = (struct reading){
		.at = b3,
		.offset = t3 - b3 + m->correction,
		.freq = rate_from_frac(rate.freq),
		.below = m->below,
		.above = m->above,
		.drift = bound_rate_from_frac(rate.drift),
		.hold_drift = bound_rate_from_frac(rate.hold_drift),
	};
	if (rate.learned) {
		pt->own.hold_lin = rate.hold_lin;
		pt->own.hold_wander = rate.wander;
	}
	pt->own_valid = true;
	snprintf(pt->own_from, sizeof(pt->own_from), "%s", m->node);
}

static const struct peer_tl_ops OPS = {
	.params = op_params,
	.self = op_self,
	.response = op_response,
	.timeout = op_timeout,
	.correction = op_correction,
};

/* ---- the loop's side ------------------------------------------------------- */

int peer_timeline_new(struct peer_timeline **out, struct peer_sock *sock, const char *timeline,
		      const char *self, const struct peer_timeline_config *cfg)
{
	struct peer_timeline *pt;
	int err;

	if (cfg->params == NULL || cfg->max_age <= 0 || !(cfg->ex.drift >= 0))
		return -EINVAL;
	pt = calloc(1, sizeof(*pt));
	if (pt == NULL)
		return -ENOMEM;
	pt->sock = sock;
	pt->cfg = *cfg;
	snprintf(pt->self, sizeof(pt->self), "%s", self);
	peer_filter_init(&pt->filter, cfg->window);
	if (cfg->learn) {
		pt->est = estimator_new(&(struct estimator_config){
			.method = ESTIMATOR_KALMAN,
			.confidence = 0.9999,
			.window = LEARN_WINDOW,
			.initial_ns = 1000000,
			.asymmetry_ns =
				cfg->ex.max_asymmetry ? (int64_t)cfg->ex.max_asymmetry / 2 : -1,
			.horizon_ns = cfg->horizon > 0 ? cfg->horizon : 0,
		});
		if (pt->est == NULL) {
			free(pt);
			return -ENOMEM;
		}
	}
	err = peer_upstream_new(&pt->up, self, &cfg->up);
	if (!err)
		err = peer_sock_add(sock, timeline, &OPS, pt, &pt->tl);
	if (err) {
		peer_upstream_free(pt->up);
		estimator_free(pt->est);
		free(pt);
		return err;
	}
	*out = pt;
	return 0;
}

void peer_timeline_free(struct peer_timeline *pt)
{
	if (pt == NULL)
		return;
	peer_sock_remove(pt->sock, pt->tl);
	peer_upstream_free(pt->up);
	estimator_free(pt->est);
	free(pt);
}

int peer_timeline_set_peers(struct peer_timeline *pt, const struct peer_addr *peers, size_t n)
{
	const char *names[PEER_UPSTREAM_MAX];
	int err;

	if (n > PEER_UPSTREAM_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		names[i] = peers[i].node;
	err = peer_upstream_set_order(pt->up, names, n);
	if (err)
		return err;
	memcpy(pt->peers, peers, n * sizeof(*peers));
	pt->npeers = n;
	memset(pt->bk, 0, sizeof(pt->bk));
	pt->nleft_out = 0;
	return 0;
}

void peer_timeline_set_stale(struct peer_timeline *pt, bool stale)
{
	peer_upstream_set_stale(pt->up, stale);
}

void peer_timeline_set_reference(struct peer_timeline *pt, bool has_reference)
{
	pt->has_ref = has_reference;
	peer_upstream_set_truth(pt->up, has_reference);
}

static void request(struct peer_timeline *pt, const char *node)
{
	size_t i = peer_index(pt, node);
	int err = i == (size_t)-1 ? -ENOENT
				  : peer_sock_request(pt->sock, pt->tl, node,
						      (const struct sockaddr *)&pt->peers[i].addr,
						      pt->peers[i].len, NULL);

	/* Not sent (unreachable network, no address, too many outstanding):
	 * for the node followed that is a missed exchange like a silent one. */
	if (err && following(pt, node))
		peer_upstream_result(pt->up, node, false);
}

/* The root without a reference: average what the last round measured,
 * correct the members, and itself. */
static void berkeley_round(struct peer_timeline *pt)
{
	struct peer_berkeley_member in[PEER_UPSTREAM_MAX];
	enum peer_berkeley_verdict verdict[PEER_UPSTREAM_MAX];
	int64_t corr[PEER_UPSTREAM_MAX], oldest = INT64_MAX;
	const struct peer_measurement *latest = NULL;
	struct peer_berkeley_result res;
	uint64_t avg_unc = 0, grow;

	for (size_t i = 0; i < pt->npeers; i++) {
		const struct peer_measurement *m = &pt->bk[i].m;
		in[i] = (struct peer_berkeley_member){
			.measured = pt->bk[i].measured && strcmp(pt->peers[i].node, pt->self),
			.offset = m->offset,
			.delay = m->delay,
		};
	}
	if (peer_berkeley_round(&pt->cfg.bk, in, pt->npeers, corr, verdict, &res) != 0)
		return;
	if (res.used + res.left_out <= 1) {
		/* Nobody answered: no ensemble to speak of (cut off, or alone).
		 * No reading: the timeline holds over, its bounds growing. */
		pt->own_valid = false;
		pt->nleft_out = 0;
		memset(pt->bk, 0, sizeof(pt->bk));
		return;
	}
	pt->nleft_out = 0;
	for (size_t i = 0; i < pt->npeers; i++) {
		const struct peer_measurement *m = &pt->bk[i].m;
		uint64_t h = m->below > m->above ? m->below : m->above;

		if (verdict[i] == PEER_BK_USED && h > avg_unc)
			avg_unc = h; /* the average is off by at most the largest error in it */
		if (verdict[i] != PEER_BK_UNKNOWN && m->at < oldest)
			oldest = m->at;
		if (verdict[i] != PEER_BK_UNKNOWN && (latest == NULL || m->at > latest->at))
			latest = m;
		if (verdict[i] == PEER_BK_FAR || verdict[i] == PEER_BK_SLOW)
			pt->left_out[pt->nleft_out++] = pt->peers[i].node;
	}
	for (size_t i = 0; i < pt->npeers; i++) {
		const struct peer_measurement *m = &pt->bk[i].m;
		uint64_t h = m->below > m->above ? m->below : m->above;

		if (verdict[i] == PEER_BK_UNKNOWN)
			continue;
		(void)peer_sock_correct(
			pt->sock, pt->tl, (const struct sockaddr *)&pt->peers[i].addr,
			pt->peers[i].len, pt->bk[i].resp_seq, corr[i], h + avg_unc, h + avg_unc);
	}
	/*
	 * The root's own, anchored where it was measured (like each member's):
	 * at the latest exchange's b4 its timeline was base + (phi - theta),
	 * and the ensemble's time was that + the average. Anchored there, not
	 * now, so a correction already applied is not applied again.
	 */
	grow = bound_ns(pt->cfg.ex.drift * (double)(latest->at - oldest)) + 1;
	pt->own = (struct reading){
		.at = latest->at,
		.offset = latest->base_offset - latest->offset + res.root_correction,
		.below = avg_unc + grow,
		.above = avg_unc + grow,
		.drift = drift_rate(pt),
		.hold_drift = drift_rate(pt),
	};
	pt->own_valid = true;
	snprintf(pt->own_from, sizeof(pt->own_from), "%s", pt->self);
	memset(pt->bk, 0, sizeof(pt->bk));
}

void peer_timeline_set_interval(struct peer_timeline *pt, int64_t interval)
{
	if (pt->base_max_age == 0)
		pt->base_max_age = pt->cfg.max_age;
	pt->cfg.max_age = interval > pt->base_max_age / 3 ? 3 * interval : pt->base_max_age;
}

bool peer_timeline_quality(const struct peer_timeline *pt, int64_t now, struct control_quality *out)
{
	const struct peer_filter *f = &pt->filter;
	struct peer_measurement best;
	struct up_rate rate;
	double mt = 0, mo = 0, stt = 0, sto = 0, var = 0, mb = 0, vb = 0, slope;

	if (peer_upstream_role(pt->up) != PEER_ROLE_FOLLOW || !pt->last_ok ||
	    now - pt->last_ok > pt->cfg.max_age || peer_filter_best(f, 0, INT64_MAX, &best) != 0)
		return false;
	/* The spread around the line through the offsets: the base clock's own
	 * rate against the upstream is no noise. */
	for (size_t i = 0; i < f->n; i++) {
		mt += (double)(f->m[i].at - best.at) / (double)f->n;
		mo += (double)(f->m[i].base_offset - best.base_offset) / (double)f->n;
	}
	for (size_t i = 0; i < f->n; i++) {
		double dt = (double)(f->m[i].at - best.at) - mt;
		stt += dt * dt;
		sto += dt * ((double)(f->m[i].base_offset - best.base_offset) - mo);
	}
	slope = stt > 0 ? sto / stt : 0;
	for (size_t i = 0; i < f->n; i++) {
		double r = (double)(f->m[i].base_offset - best.base_offset) - mo -
			   slope * ((double)(f->m[i].at - best.at) - mt);
		var += r * r / (double)f->n;
	}
	/* The floor a typical exchange leaves (the mean of their bounds), the
	 * spread of those bounds (the path's delay jitter) in the noise too. */
	for (size_t i = 0; i < f->n; i++)
		mb += (double)(f->m[i].below > f->m[i].above ? f->m[i].below : f->m[i].above) /
		      (double)f->n;
	for (size_t i = 0; i < f->n; i++)
		vb += pow((double)(f->m[i].below > f->m[i].above ? f->m[i].below : f->m[i].above) -
				  mb,
			  2) /
		      (double)f->n;
	upstream_rate(pt, now, &rate);
	*out = (struct control_quality){
		.floor = (uint64_t)mb,
		.noise = (uint64_t)sqrt(var + vb),
		.drift = rate.drift,
		.seq = pt->exchanges,
	};
	if (pt->up_berkeley && pt->own_valid) /* the correction's bound, not the exchange's */
		out->floor = pt->own.below > pt->own.above ? pt->own.below : pt->own.above;
	return true;
}

void peer_timeline_tick(struct peer_timeline *pt, int64_t now)
{
	const char *probe[PEER_UPSTREAM_MAX], *cur;
	size_t nprobe;

	pt->last_tick = now;
	peer_upstream_tick(pt->up);
	if (berkeley_root(pt)) {
		berkeley_round(pt);
		for (size_t i = 0; i < pt->npeers; i++)
			if (strcmp(pt->peers[i].node, pt->self) != 0)
				request(pt, pt->peers[i].node);
		return; /* polling everyone: no probes needed */
	}
	cur = peer_upstream_current(pt->up);
	if (cur)
		request(pt, cur);
	nprobe = peer_upstream_probes(pt->up, probe, PEER_UPSTREAM_MAX);
	for (size_t i = 0; i < nprobe; i++)
		request(pt, probe[i]);
}

/*
 * Following: where the filter's exchanges, carried forward at the
 * upstream's rate, say true time is (peer_filter_span); the estimate is the
 * estimator's (the exchanges' noise averaged away) kept inside, or the
 * middle until it has learned.
 */
static int follow_reading(struct peer_timeline *pt, int64_t now, struct reading *r)
{
	uint64_t below, above, low, asym;
	struct peer_span sp;
	struct up_rate rate;
	double center;
	int64_t c;

	upstream_rate(pt, now, &rate);
	if (peer_filter_span(&pt->filter, pt->est_ref, rate.freq, rate.drift, now, &sp) != 0)
		return -EAGAIN;
	center = rate.learned ? clampd(rate.offset, sp.lo, sp.hi) : sp.lo / 2 + sp.hi / 2;
	c = (int64_t)llround(center);
	/* + 1: what the doubles' rounding may have cost */
	below = bound_ns((double)c - sp.lo + 1);
	above = bound_ns(sp.hi - (double)c + 1);
	low = below < above ? below : above;
	asym = sp.half < low ? sp.half : low;
	*r = (struct reading){
		.at = now,
		.offset = pt->est_ref + c,
		.freq = rate_from_frac(rate.freq),
		.below = below,
		.above = above,
		.drift = bound_rate_from_frac(rate.drift),
		.hold_drift = bound_rate_from_frac(rate.hold_drift),
		/* The path allowance (of the least delayed exchange), and the rest:
		 * the upstream's own bound, the rate's error over the ages, the noise. */
		.asym = asym,
		.stat = low - asym,
	};
	if (rate.learned) {
		r->hold_lin = rate.hold_lin;
		r->hold_wander = rate.wander;
		r->age = now - sp.newest;
	}
	return 0;
}

int peer_timeline_reading(struct peer_timeline *pt, int64_t now, struct reading *r)
{
	enum peer_role role = peer_upstream_role(pt->up);

	if (role == PEER_ROLE_ROOT) {
		if (pt->has_ref || !pt->own_valid || strcmp(pt->own_from, pt->self) != 0 ||
		    now - pt->own.at > pt->cfg.max_age)
			return -EAGAIN; /* its own sources discipline it, or holdover */
		*r = pt->own;
		return 0;
	}
	if (role != PEER_ROLE_FOLLOW)
		return -EAGAIN;
	if (pt->up_berkeley) {
		/* Only a correction from the root followed now counts. */
		if (!pt->own_valid || !following(pt, pt->own_from) ||
		    now - pt->own.at > pt->cfg.max_age)
			return -EAGAIN;
		*r = pt->own;
		return 0;
	}
	if (!pt->last_ok || now - pt->last_ok > pt->cfg.max_age)
		return -EAGAIN;
	return follow_reading(pt, now, r);
}

void peer_timeline_state(const struct peer_timeline *pt, struct peer_timeline_state *out)
{
	struct peer_measurement best;

	memset(out, 0, sizeof(*out));
	out->role = peer_upstream_role(pt->up);
	out->upstream = peer_upstream_current(pt->up);
	out->epoch = peer_upstream_epoch(pt->up);
	out->berkeley = berkeley_root(pt) || (out->upstream && pt->up_berkeley);
	out->last_ok = pt->last_ok;
	if (peer_filter_best(&pt->filter, 0, INT64_MAX, &best) == 0)
		out->delay = best.delay;
	out->left_out = pt->nleft_out;
	out->left_out_nodes = pt->left_out;
}

static int add_list(char *buf, size_t size, size_t *len, const char *key, const char *const *names,
		    size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = qot_bufput(buf, size, len, "%s%s", i ? "," : key, names[i]);
	return err;
}

int peer_timeline_describe(const struct peer_timeline *pt, int64_t now, char *buf, size_t size)
{
	const char *backups[PEER_UPSTREAM_MAX];
	struct peer_timeline_state st;
	size_t len = 0, nb;
	int err;

	if (size == 0)
		return -ENOSPC;
	peer_timeline_state(pt, &st);
	err = qot_bufput(buf, size, &len, "peer=%s", peer_role_name(st.role));
	if (!err && st.upstream)
		err = qot_bufput(buf, size, &len, " upstream=%s", st.upstream);
	if (!err)
		err = qot_bufput(buf, size, &len, " epoch=%u", (unsigned)st.epoch);
	if (!err && st.upstream && st.last_ok && now >= st.last_ok)
		err = qot_bufput(buf, size, &len, " age=%.3f delay=%.9f",
				 (double)(now - st.last_ok) / 1e9, (double)st.delay / 1e9);
	if (!err && st.berkeley)
		err = qot_bufput(buf, size, &len, " mode=berkeley");
	if (!err)
		err = add_list(buf, size, &len, " excluded=", st.left_out_nodes, st.left_out);
	nb = peer_upstream_backups(pt->up, backups, PEER_UPSTREAM_MAX);
	if (!err)
		err = add_list(buf, size, &len, " backups=", backups, nb);
	if (err) {
		buf[0] = '\0';
		return err;
	}
	return (int)len;
}
