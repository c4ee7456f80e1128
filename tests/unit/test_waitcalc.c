/* SPDX-License-Identifier: Apache-2.0 */
/* Units: the arithmetic of waiting (base instants, boundaries) and the timer line. */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "projection.h"
#include "qot.h"
#include "run_suite.h"
#include "waitcalc.h"

static uint64_t rnd64(void)
{
	return ((uint64_t)random() << 42) ^ ((uint64_t)random() << 21) ^ (uint64_t)random();
}

/* Random parameters within what ctl accepts, around a 2026 anchor. */
static struct qot_clock_params random_params(void)
{
	struct qot_clock_params p;

	memset(&p, 0, sizeof(p));
	p.status = QOT_STATUS_SYNCED;
	p.anchor = 1795000000000000000LL + (int64_t)(rnd64() % 1000000000000ULL);
	p.anchor_tl = p.anchor + (int64_t)(rnd64() % 20000000000ULL) - 10000000000LL;
	p.freq = (int64_t)(rnd64() % (2 * (uint64_t)QOT_FREQ_LIMIT + 1)) - QOT_FREQ_LIMIT;
	if (random() % 4 == 0)
		p.freq = 0;
	p.offset_below = rnd64() % 10000000;
	p.offset_above = rnd64() % 10000000;
	p.drift_below = rnd64() % (uint64_t)QOT_FREQ_LIMIT;
	p.drift_above = rnd64() % (uint64_t)QOT_FREQ_LIMIT;
	p.stale_after = QOT_NEVER;
	return p;
}

static struct qot_time at(const struct qot_clock_params *p, int64_t t)
{
	struct qot_time q;
	qot_project(p, t, &q);
	return q;
}

START_TEST(reaching_is_the_first_instant)
{
	srandom(1);
	for (int i = 0; i < 200000; i++) {
		struct qot_clock_params p = random_params();
		int64_t T = p.anchor_tl + (int64_t)(rnd64() % 200000000000ULL) - 100000000000LL;
		int64_t t = qot_base_reaching(&p, T);
		ck_assert_int_ne(t, QOT_BASE_NEVER);
		ck_assert(at(&p, t).estimate >= T);
		ck_assert(at(&p, t - 1).estimate < T);
	}
}
END_TEST

START_TEST(committing_is_the_first_instant)
{
	srandom(2);
	for (int i = 0; i < 200000; i++) {
		struct qot_clock_params p = random_params();
		int64_t T = p.anchor_tl + (int64_t)(rnd64() % 200000000000ULL) - 100000000000LL;
		int64_t t = qot_base_committing(&p, T);
		struct qot_time q = at(&p, t), before = at(&p, t - 1);
		ck_assert_int_ne(t, QOT_BASE_NEVER);
		ck_assert(qot_time_certainly_past(&q, T));
		ck_assert(!qot_time_certainly_past(&before, T));
	}
}
END_TEST

START_TEST(never_when_unbounded_or_stale)
{
	struct qot_clock_params p = random_params();
	struct qot_time q;

	p.offset_below = QOT_UNBOUNDED;
	ck_assert_int_eq(qot_base_committing(&p, p.anchor_tl), QOT_BASE_NEVER);
	p = random_params();
	p.stale_after = p.anchor + 1000;
	/* T is certainly past only well after stale_after: never. */
	ck_assert_int_eq(qot_base_committing(&p, p.anchor_tl + 1000000000), QOT_BASE_NEVER);
	q = at(&p, p.anchor + 2000);
	ck_assert(!qot_time_certainly_past(&q, INT64_MIN)); /* stale: unbounded */
	/* Out of reach of the int64 base clock. */
	p = random_params();
	p.anchor = INT64_MAX - 10;
	p.anchor_tl = INT64_MIN + 10;
	p.freq = -QOT_FREQ_LIMIT;
	ck_assert_int_eq(qot_base_reaching(&p, INT64_MAX), QOT_BASE_NEVER);
	ck_assert_int_eq(qot_base_reaching(&p, INT64_MIN), INT64_MIN);
}
END_TEST

START_TEST(boundaries)
{
	int64_t b;

	ck_assert_int_eq(qot_next_boundary(999, 1000, 0, &b), 0);
	ck_assert_int_eq(b, 1000);
	/* An exact boundary is not the next one. */
	ck_assert_int_eq(qot_next_boundary(1000, 1000, 0, &b), 0);
	ck_assert_int_eq(b, 2000);
	ck_assert_int_eq(qot_next_boundary(1000, 1000, 250, &b), 0);
	ck_assert_int_eq(b, 1250);
	ck_assert_int_eq(qot_next_boundary(1250, 1000, 250, &b), 0);
	ck_assert_int_eq(b, 2250);
	ck_assert_int_eq(qot_next_boundary(-1, 1000, 0, &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(qot_next_boundary(-1000, 1000, 0, &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(qot_next_boundary(-1001, 1000, 999, &b), 0);
	ck_assert_int_eq(b, -1);
	/* INT64_MIN = -9223372036854776 * 1000 + 192: the next multiple is 808 ns on. */
	ck_assert_int_eq(qot_next_boundary(INT64_MIN, 1000, 0, &b), 0);
	ck_assert_int_eq(b, INT64_MIN + 808);
	ck_assert_int_eq(qot_next_boundary(INT64_MIN, 1000, 999, &b), 0);
	ck_assert_int_eq(b, INT64_MIN + 807); /* 999 - 9223372036854776 * 1000 */
	/* The last boundary in range: 9223372036854775000 = INT64_MAX - 807. */
	ck_assert_int_eq(qot_next_boundary(INT64_MAX - 1000, 1000, 0, &b), 0);
	ck_assert_int_eq(b, INT64_MAX - 807);
	ck_assert_int_eq(qot_next_boundary(INT64_MAX - 807, 1000, 0, &b), -ERANGE);
	ck_assert_int_eq(qot_next_boundary(INT64_MAX - 5, 1000, 0, &b), -ERANGE);
	ck_assert_int_eq(qot_next_boundary(0, 0, 0, &b), -EINVAL);
	ck_assert_int_eq(qot_next_boundary(0, 10, 10, &b), -EINVAL);
	/* No drift: the k-th boundary from any start is phase + k * period exactly. */
	{
		int64_t now = 1795000000123456789LL, first;
		ck_assert_int_eq(qot_next_boundary(now, 1000003, 17, &first), 0);
		b = first;
		for (int k = 0; k < 100000; k++)
			ck_assert_int_eq(qot_next_boundary(b, 1000003, 17, &b), 0);
		ck_assert_int_eq(b, first + 100000LL * 1000003);
		ck_assert_int_eq((b - 17) % 1000003, 0);
	}
}
END_TEST

/* Any instant, period and phase: the result is strictly after now, at most
 * a period after it, and on the grid phase + k * period (checked in 128 bits). */
START_TEST(boundaries_anywhere)
{
	srandom(3);
	for (int i = 0; i < 300000; i++) {
		int64_t now = (int64_t)rnd64(), b = 0;
		uint64_t period = 1 + rnd64() % (i % 3 == 0 ? 1000 : (uint64_t)1 << (i % 64)),
			 phase;
		int err;
		bool ok;

		if (i % 5 == 0)
			now = i % 2 ? INT64_MIN + (int64_t)(rnd64() % 3000)
				    : INT64_MAX - (int64_t)(rnd64() % 3000);
		phase = rnd64() % period;
		err = qot_next_boundary(now, period, phase, &b);
		/* (plain checks: a passing ck_assert costs a write to Check's pipe) */
		if (err == -ERANGE) /* only when no boundary after now is an int64 */
			ok = (__int128)now + (__int128)period > (__int128)INT64_MAX;
		else
			ok = err == 0 && b > now &&
			     (__int128)b - (__int128)now <= (__int128)period &&
			     ((__int128)b - (__int128)phase) % (__int128)period == 0;
		if (!ok)
			ck_abort_msg("next_boundary(%" PRId64 ", %" PRIu64 ", %" PRIu64
				     ") = %d, %" PRId64,
				     now, period, phase, err, b);
	}
}
END_TEST

static int parse(const char *line, struct qot_timer_spec *s)
{
	return qot_timerline_parse(line, strlen(line), s);
}

START_TEST(timer_lines)
{
	struct qot_timer_spec s;

	ck_assert_int_eq(parse("at=1795304604.363697087\n", &s), 0);
	ck_assert_int_eq(s.mode, QOT_TIMER_AT);
	ck_assert_int_eq(s.instant, 1795304604363697087LL);
	ck_assert_int_eq(parse("commit=-1.5", &s), 0);
	ck_assert_int_eq(s.mode, QOT_TIMER_COMMIT);
	ck_assert_int_eq(s.instant, -1500000000LL);
	ck_assert_int_eq(parse("at=12", &s), 0);
	ck_assert_int_eq(s.instant, 12000000000LL);
	ck_assert_int_eq(parse("period=1s", &s), 0);
	ck_assert_int_eq(s.mode, QOT_TIMER_PERIOD);
	ck_assert_uint_eq(s.period, 1000000000u);
	ck_assert_uint_eq(s.phase, 0);
	ck_assert_int_eq(parse("phase=250ms period=1s", &s), 0);
	ck_assert_uint_eq(s.phase, 250000000u);

	s.mode = QOT_TIMER_NONE;
	{
		static const char *const bad[] = {
			"",
			"\n",
			"at=",
			"at=x",
			"at=1.",
			"at=.5",
			"at=1.0000000001",
			"at=1e9",
			"at=--1",
			"at=1 commit=2",
			"period=1s at=3",
			"phase=1s",
			"period=0s",
			"period=999ns",
			"period=none",
			"period=1s phase=1s",
			"period=1s phase=2s",
			"period=1s phase=none",
			"period=1",
			"at=1 at=2",
			"sleep=1s",
			"at=1\r\n",
			"at=1\n\n",
			"period=1s phase=0s extra",
			"at=1\t\tbogus=2",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ck_assert_msg(parse(bad[i], &s) == -EINVAL, "accepted '%s'", bad[i]);
	}
	ck_assert_int_eq(s.mode, QOT_TIMER_NONE); /* untouched by failures */
	ck_assert_int_eq(parse("at=9223372037", &s), -ERANGE);
	ck_assert_int_eq(parse("at=-9223372037", &s), -ERANGE);
	ck_assert_int_eq(parse("at=99999999999999999999999", &s), -ERANGE);
	ck_assert_int_eq(parse("at=9223372036.854775807", &s), 0);
	ck_assert_int_eq(s.instant, INT64_MAX);
	ck_assert_int_eq(parse("at=-9223372036.854775808", &s), 0);
	ck_assert_int_eq(s.instant, INT64_MIN);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wait");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, reaching_is_the_first_instant);
	tcase_add_test(tc, committing_is_the_first_instant);
	tcase_add_test(tc, never_when_unbounded_or_stale);
	tcase_add_test(tc, boundaries);
	tcase_add_test(tc, boundaries_anywhere);
	tcase_add_test(tc, timer_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
