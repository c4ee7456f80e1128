/* SPDX-License-Identifier: Apache-2.0 */
/* run_suite.h - a unit test program's main(): run one Check suite. */
#ifndef QOT_RUN_SUITE_H
#define QOT_RUN_SUITE_H

#include <check.h>
#include <stdlib.h>

static inline int run_suite(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* QOT_RUN_SUITE_H */
