/* SPDX-License-Identifier: Apache-2.0 */
/* waitcalc.c - base instants for timeline instants, boundaries, timer lines. */
#include <errno.h>
#include <string.h>

#include "duration.h"
#include "kvline.h"
#include "reason.h"
#include "projection.h"
#include "waitcalc.h"

typedef bool (*pred_fn)(const struct qot_clock_params *p, int64_t t, int64_t T);

static bool reaches(const struct qot_clock_params *p, int64_t t, int64_t T)
{
	struct qot_time q;

	qot_project_inline(p, t, &q);
	return qot_time_reached(&q, T);
}

static bool commits(const struct qot_clock_params *p, int64_t t, int64_t T)
{
	struct qot_time q;

	qot_project_inline(p, t, &q);
	return qot_time_certainly_past(&q, T);
}

static int64_t clamp(qot_i128 v)
{
	return qot_clamp_i64(v);
}

/*
 * The first t in [INT64_MIN, hi_end] with pred(t), pred being monotone there
 * (false, then true). Gallops from the guess to bracket the change, then
 * bisects: about 2 log2(error of the guess) projections.
 */
static int64_t search(const struct qot_clock_params *p, int64_t T, pred_fn pred, int64_t guess,
		      int64_t hi_end)
{
	int64_t lo, hi;
	qot_i128 step = 1;

	if (!pred(p, hi_end, T))
		return QOT_BASE_NEVER;
	if (pred(p, INT64_MIN, T))
		return INT64_MIN;
	if (guess > hi_end)
		guess = hi_end;
	if (guess == INT64_MIN)
		guess = INT64_MIN + 1;
	if (pred(p, guess, T)) {
		hi = guess;
		for (;;) {
			lo = clamp((qot_i128)hi - step);
			if (!pred(p, lo, T))
				break;
			hi = lo;
			step *= 2;
		}
	} else {
		lo = guess;
		for (;;) {
			qot_i128 h = (qot_i128)lo + step;
			hi = h > hi_end ? hi_end : (int64_t)h;
			if (pred(p, hi, T))
				break;
			lo = hi;
			step *= 2;
		}
	}
	/* !pred(lo), pred(hi), lo < hi */
	while ((uint64_t)hi - (uint64_t)lo > 1) {
		int64_t mid =
			(int64_t)((qot_i128)lo + (qot_i128)(((uint64_t)hi - (uint64_t)lo) / 2));
		if (pred(p, mid, T))
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* anchor + the base duration in which the timeline moves by d at rate 1 + rate/2^64. */
static int64_t linear_guess(const struct qot_clock_params *p, qot_i128 d, qot_i128 rate)
{
	qot_i128 den = ((qot_i128)1 << 64) + rate;

	/* d * 2^64 / den == d - d * rate / den, which fits 128 bits. */
	return clamp((qot_i128)p->anchor + d - d * rate / den);
}

int64_t qot_base_reaching(const struct qot_clock_params *p, int64_t T)
{
	int64_t guess = linear_guess(p, (qot_i128)T - p->anchor_tl, p->freq);

	return search(p, T, reaches, guess, INT64_MAX);
}

int64_t qot_base_committing(const struct qot_clock_params *p, int64_t T)
{
	qot_i128 d = (qot_i128)T + 1 - p->anchor_tl + (qot_i128)p->offset_below;
	int64_t guess;

	if (p->offset_below == QOT_UNBOUNDED || p->stale_after == INT64_MIN)
		return QOT_BASE_NEVER;
	guess = linear_guess(p, d, (qot_i128)p->freq - (qot_i128)p->drift_below);
	return search(p, T, commits, guess, p->stale_after);
}

int qot_next_boundary(int64_t now, uint64_t period, uint64_t phase, int64_t *out)
{
	qot_i128 rel, k, b;

	if (period == 0 || phase >= period)
		return -EINVAL;
	rel = (qot_i128)now - (qot_i128)phase;
	k = rel / (qot_i128)period;
	if (rel % (qot_i128)period < 0)
		k--; /* floor */
	b = (qot_i128)phase + (k + 1) * (qot_i128)period;
	if (b > INT64_MAX)
		return -ERANGE;
	*out = (int64_t)b;
	return 0;
}

int qot_parse_seconds(const char *s, size_t len, int64_t *out)
{
	size_t i = 0, nfrac = 0;
	bool neg = false, overflow = false;
	uint64_t sec = 0, frac = 0;
	qot_i128 v;

	if (len > 0 && s[0] == '-') {
		neg = true;
		i++;
	}
	if (i == len || s[i] < '0' || s[i] > '9')
		return -EINVAL;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (sec > UINT64_MAX / 10 - 1)
			overflow = true;
		else
			sec = sec * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < len) {
		if (s[i++] != '.')
			return -EINVAL;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {
			if (nfrac < 9)
				frac = frac * 10 + (uint64_t)(s[i] - '0');
		}
		if (i < len || nfrac == 0 || nfrac > 9)
			return -EINVAL;
		for (size_t n = nfrac; n < 9; n++)
			frac *= 10;
	}
	if (overflow)
		return -ERANGE;
	v = (qot_i128)sec * 1000000000 + frac;
	if (neg)
		v = -v;
	if (v > INT64_MAX || v < INT64_MIN)
		return -ERANGE;
	*out = (int64_t)v;
	return 0;
}

enum { KEY_AT, KEY_COMMIT, KEY_PERIOD, KEY_PHASE, NKEYS };
static const char *const keys[NKEYS] = {"at", "commit", "period", "phase"};

int qot_timerline_parse(const char *buf, size_t len, struct qot_timer_spec *out)
{
	struct qot_slice v[NKEYS];
	struct qot_timer_spec spec = {QOT_TIMER_NONE, 0, 0, 0};
	int n = qot_kv_parse(buf, len, keys, NKEYS, v);
	int modes, err;

	if (n < 0)
		return n;
	modes = (v[KEY_AT].ptr != NULL) + (v[KEY_COMMIT].ptr != NULL) + (v[KEY_PERIOD].ptr != NULL);
	if (modes != 1)
		return qot_refuse(-EINVAL,
				  modes ? "at=, commit= and period= are exclusive: give one"
					: "expected at=SECONDS, commit=SECONDS or period=DURATION");
	if (v[KEY_PHASE].ptr && !v[KEY_PERIOD].ptr)
		return qot_refuse(-EINVAL, "phase= goes with period= only");
	if (v[KEY_AT].ptr || v[KEY_COMMIT].ptr) {
		struct qot_slice s = v[KEY_AT].ptr ? v[KEY_AT] : v[KEY_COMMIT];
		spec.mode = v[KEY_AT].ptr ? QOT_TIMER_AT : QOT_TIMER_COMMIT;
		err = qot_parse_seconds(s.ptr, s.len, &spec.instant);
		if (err) {
			char q[64];
			qot_reason_quote(s.ptr, s.len, q, sizeof(q));
			return qot_refuse(err,
					  err == -ERANGE ? "%s=%s is out of range"
							 : "%s=%s is not timeline seconds (as in "
							   "1795304408.5, at most 9 decimals)",
					  keys[v[KEY_AT].ptr ? KEY_AT : KEY_COMMIT], q);
		}
	} else {
		spec.mode = QOT_TIMER_PERIOD;
		err = qot_dur_parse(v[KEY_PERIOD].ptr, v[KEY_PERIOD].len, &spec.period);
		if (err)
			return qot_refuse(err,
					  "period: not a duration (a number and ns, us, ms, s or "
					  "min, as in 1s or 2.5ms)");
		if (v[KEY_PHASE].ptr) {
			err = qot_dur_parse(v[KEY_PHASE].ptr, v[KEY_PHASE].len, &spec.phase);
			if (err)
				return qot_refuse(err, "phase: not a duration (as in 0s or 250ms)");
		}
		if (spec.period == QOT_UNBOUNDED || spec.period < QOT_TIMER_MIN_PERIOD)
			return qot_refuse(-EINVAL, "period: at least %lluus, and not none",
					  (unsigned long long)QOT_TIMER_MIN_PERIOD / 1000);
		if (spec.phase >= spec.period)
			return qot_refuse(-EINVAL, "phase: must be shorter than the period");
	}
	*out = spec;
	return 0;
}
