/* SPDX-License-Identifier: Apache-2.0 */
/* test_coordd.c - coordd's pure parts: the znode layout and the election. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "election.h"
#include "run_suite.h"
#include "zkpath.h"

START_TEST(paths)
{
	char p[ZKPATH_MAX], tl[QOT_NAME_MAX + 1], node[QOT_NAME_MAX + 1];
	char longest[QOT_NAME_MAX + 1];
	uint64_t seq;

	zkpath_dir(p, "tl", ZKPATH_TIMELINE);
	ck_assert_str_eq(p, "/qot/timelines/tl");
	zkpath_dir(p, "tl", ZKPATH_ELECTION);
	ck_assert_str_eq(p, "/qot/timelines/tl/election");
	zkpath_member(p, "tl", "n1");
	ck_assert_str_eq(p, "/qot/timelines/tl/nodes/n1");
	zkpath_candidate_prefix(p, "tl", "n1");
	ck_assert_str_eq(p, "/qot/timelines/tl/election/n1_");

	/* The longest names fit, whole. */
	memset(longest, 'x', QOT_NAME_MAX);
	longest[QOT_NAME_MAX] = '\0';
	ck_assert_int_eq(zkpath_candidate(p, longest, "x_0000000001"), 0);
	zkpath_member(p, longest, longest);
	ck_assert_uint_eq(strlen(p), strlen("/qot/timelines//nodes/") + 2 * QOT_NAME_MAX);

	ck_assert_int_eq(zkpath_timeline_of("/qot/timelines/tl/nodes/n1", tl), 0);
	ck_assert_str_eq(tl, "tl");
	ck_assert_int_eq(zkpath_timeline_of("/qot/timelines/a.b", tl), 0);
	ck_assert_str_eq(tl, "a.b");
	ck_assert_int_eq(zkpath_timeline_of("/qot/timelines", tl), -EINVAL);
	ck_assert_int_eq(zkpath_timeline_of("/qot/timelines/", tl), -EINVAL);
	ck_assert_int_eq(zkpath_timeline_of("/other/tl", tl), -EINVAL);
	ck_assert_int_eq(zkpath_timeline_of("/qot/timelines/.x/nodes", tl), -EINVAL);

	ck_assert_int_eq(zkpath_candidate_parse("n_1_0000000042", node, &seq), 0);
	ck_assert_str_eq(node, "n_1");
	ck_assert_uint_eq(seq, 42);
	ck_assert_int_eq(zkpath_candidate_parse("n1_000000004", node, &seq),
			 -EINVAL); /* 9 digits */
	ck_assert_int_eq(zkpath_candidate_parse("n1-0000000042", node, &seq), -EINVAL); /* no '_' */
	ck_assert_int_eq(zkpath_candidate_parse("_0000000042", node, &seq), -EINVAL); /* no node */
	ck_assert_int_eq(zkpath_candidate_parse("n1_00000000x2", node, &seq), -EINVAL);
}
END_TEST

START_TEST(election)
{
	char *ch[] = {"b_0000000007", "junk", "a_0000000009", "c_0000000003", "d_0000000008"};
	struct election_view v;

	election_decide(ch, 5, NULL, &v);
	ck_assert_str_eq(v.leader, "c");
	ck_assert_int_eq(v.self, -1);
	ck_assert_int_eq(v.predecessor, -1);

	election_decide(ch, 5, "a_0000000009", &v); /* watches d (8), not the leader */
	ck_assert_int_eq(v.self, 2);
	ck_assert_int_eq(v.predecessor, 4);
	election_decide(ch, 5, "b_0000000007", &v);
	ck_assert_int_eq(v.predecessor, 3);
	election_decide(ch, 5, "c_0000000003", &v); /* leads: watches no one */
	ck_assert_int_eq(v.self, 3);
	ck_assert_int_eq(v.predecessor, -1);
	election_decide(ch, 5, "e_0000000001", &v); /* gone from the listing */
	ck_assert_int_eq(v.self, -1);
	election_decide(ch, 0, NULL, &v);
	ck_assert_str_eq(v.leader, "");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("coordd");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, paths);
	tcase_add_test(tc, election);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
