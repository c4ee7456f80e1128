/* SPDX-License-Identifier: Apache-2.0 */
/* Units: the daemon's reading of a caller's supplementary groups (access.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "run_suite.h"

static int contains(const char *list, gid_t gid)
{
	return access_groups_contain(list, strlen(list), gid);
}

START_TEST(short_lists)
{
	/* As the kernel prints it: a tab, numbers separated by one space, one after. */
	ck_assert_int_eq(contains("\t4 24 27 4242 ", 4242), 1);
	ck_assert_int_eq(contains("\t4 24 27 4242 ", 4), 1);
	ck_assert_int_eq(contains("\t4 24 27 4242 ", 424), 0);
	ck_assert_int_eq(contains("\t4 24 27 4242 ", 42), 0);
	ck_assert_int_eq(contains("\t4 24 27 42420 ", 4242), 0);
	ck_assert_int_eq(contains("\t4242001 ", 4242), 0);
	ck_assert_int_eq(contains("\t14242 ", 4242), 0);
	ck_assert_int_eq(contains("\t0 ", 0), 1);
	ck_assert_int_eq(contains("\t4294967294", 4294967294u), 1);
	/* No groups at all. */
	ck_assert_int_eq(contains("\t", 4242), 0);
	ck_assert_int_eq(contains("", 4242), 0);
	/* Only len bytes count. */
	ck_assert_int_eq(access_groups_contain("\t1 4242 ", 3, 4242), 0);
	ck_assert_int_eq(access_groups_contain("\t1 4242 ", 7, 4242), 1);
}
END_TEST

START_TEST(not_a_list)
{
	static const char *const bad[] = {
		"\t4242x ",  "\t-4242 ",      "\t+4242 ",
		"\t4242,1 ", "\t4294967296 ", "\t99999999999999999999 4242 ",
		"\t4242 a ", "\t4242\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(contains(bad[i], 4242) == -EINVAL, "'%s' read as a list", bad[i]);
}
END_TEST

/*
 * Lists far over a page, with the gid wanted at every place and cut numbers
 * at every place: a gid counts only as a whole number.
 */
START_TEST(long_lists)
{
	enum { N = 3000 };
	size_t cap = 16 + N * 11, len = 0;
	char *list = malloc(cap);
	unsigned seed = 7;

	ck_assert_ptr_nonnull(list);
	for (int round = 0; round < 200; round++) {
		gid_t want = 1000 + (gid_t)(rand_r(&seed) % 100000);
		int at = rand_r(&seed) % N, n_want = 0;

		len = (size_t)snprintf(list, cap, "\t");
		for (int i = 0; i < N; i++) {
			gid_t g;
			if (i == at && round % 2 == 0)
				g = want;
			else if (rand_r(&seed) % 4 == 0) /* the wanted digits, and more */
				g = want * 10 + (gid_t)(rand_r(&seed) % 10);
			else if (rand_r(&seed) % 4 == 0) /* digits before the wanted ones */
				g = want + 1000000 * (1 + (gid_t)(rand_r(&seed) % 9));
			else
				g = (gid_t)rand_r(&seed) % 1000;
			n_want += g == want;
			len += (size_t)snprintf(list + len, cap - len, "%u ", (unsigned)g);
		}
		ck_assert_uint_gt(len, 4096 * 2);
		ck_assert_int_eq(access_groups_contain(list, len, want), n_want > 0);
	}
	free(list);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("access");
	TCase *tc = tcase_create("groups");

	tcase_add_test(tc, short_lists);
	tcase_add_test(tc, not_a_list);
	tcase_add_test(tc, long_lists);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
