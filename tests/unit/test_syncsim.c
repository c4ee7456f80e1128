/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Simulation: syncd's estimator and discipline against known truth, over
 * hours of virtual time with noise, outliers, wander, steps and source loss.
 * The published interval must contain the true time in at least 99.9% of
 * checks, and the estimate must never go backward.
 */
#include <check.h>
#include <stdio.h>

#include "run_suite.h"
#include "syncsim.h"

static void run(enum syncsim_source source, const char *name, double step_prob)
{
	struct syncsim_config c;
	struct syncsim_result r;

	syncsim_defaults(&c, source);
	if (step_prob >= 0)
		c.step_prob = step_prob;
	ck_assert_int_eq(syncsim_run(&c, &r), 0);
	printf("%s: %llu checks, covered %.4f%% (holdover %llu checks, %.4f%%), median width "
	       "%.0f ns, median error %.0f ns, median width/error %.1f, backward %llu\n",
	       name, (unsigned long long)r.checks, 100.0 * (double)r.covered / (double)r.checks,
	       (unsigned long long)r.checks_holdover,
	       r.checks_holdover ? 100.0 * (double)r.covered_holdover / (double)r.checks_holdover
				 : 100.0,
	       r.median_width_ns, r.median_error_ns, r.median_ratio,
	       (unsigned long long)r.backward);
	ck_assert_uint_ge(r.checks, 100000);
	ck_assert_uint_gt(r.checks_holdover, 1000); /* source loss was exercised */
	ck_assert_msg(r.covered * 1000 >= r.checks * 999, "coverage %llu of %llu",
		      (unsigned long long)r.covered, (unsigned long long)r.checks);
	ck_assert_msg(r.covered_holdover * 1000 >= r.checks_holdover * 999,
		      "holdover coverage %llu of %llu", (unsigned long long)r.covered_holdover,
		      (unsigned long long)r.checks_holdover);
	ck_assert_uint_eq(r.backward, 0);
}

START_TEST(ptp_like)
{
	run(SYNCSIM_PTP, "ptp", -1);
}
END_TEST

START_TEST(chrony_like)
{
	run(SYNCSIM_CHRONY, "chrony", -1);
}
END_TEST

/* The base clock stepped now and then (200 us, either way): the estimator
 * must not take the step for outliers and lie meanwhile. */
START_TEST(ptp_like_with_steps)
{
	run(SYNCSIM_PTP, "ptp with steps", 0.02);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("syncsim");
	TCase *tc = tcase_create("coverage");

	tcase_add_test(tc, ptp_like);
	tcase_add_test(tc, chrony_like);
	tcase_add_test(tc, ptp_like_with_steps);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
