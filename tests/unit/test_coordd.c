/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_coordd.c - coordd's pure parts: the znode layout, a member node's
 * data, the election and its order.
 */
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

START_TEST(member_data)
{
	struct qot_req req, back;
	char buf[ZKPATH_DATA_MAX], peer[QOT_PEER_ADDR_MAX];
	int n;

	ck_assert_int_eq(qot_reqline_parse("accuracy=2us/3us resolution=1ms", 31, &req), 0);
	n = zkpath_member_data(&req, "10.0.0.1:3219", buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen(buf));
	ck_assert_str_eq(buf, "accuracy=2us/3us resolution=1ms peer=10.0.0.1:3219");
	ck_assert_int_eq(zkpath_member_data_parse(buf, (size_t)n, &back, peer), 0);
	ck_assert(qot_req_equal(&req, &back));
	ck_assert_str_eq(peer, "10.0.0.1:3219");

	/* No endpoint: the requirement alone, as an older coordd wrote it. */
	n = zkpath_member_data(&req, "", buf, sizeof(buf));
	ck_assert_str_eq(buf, "accuracy=2us/3us resolution=1ms");
	strcpy(peer, "junk");
	ck_assert_int_eq(zkpath_member_data_parse(buf, (size_t)n, &back, peer), 0);
	ck_assert_str_eq(peer, "");
	ck_assert(qot_req_equal(&req, &back));
	ck_assert_int_eq(zkpath_member_data_parse("", 0, &back, peer), 0);
	ck_assert(qot_req_equal(&back, &qot_req_none));

	/* IPv6, the peer first, a rank that is not the member's to say. */
	ck_assert_int_eq(
		zkpath_member_data_parse("peer=[fd00::1]:9 rank=3 accuracy=1ms", 36, &back, peer),
		0);
	ck_assert_str_eq(peer, "[fd00::1]:9");

	/* Refused whole: a name for a host, no port, port 0, junk, two lines. */
	static const char *const bad[] = {
		"accuracy=1ms peer=host:1",	"accuracy=1ms peer=10.0.0.1",
		"accuracy=1ms peer=10.0.0.1:0", "accuracy=1ms bogus=1",
		"accuracy=1ms\nnode=x",		"accuracy=1ms peer=10.0.0.1:1 peer=10.0.0.2:1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(zkpath_member_data_parse(bad[i], strlen(bad[i]), &back, peer) ==
				      -EINVAL,
			      "%s", bad[i]);

	/* Too small a buffer: refused, not cut. */
	ck_assert_int_eq(zkpath_member_data(&req, "10.0.0.1:3219", buf, 20), -ENOSPC);
}
END_TEST

START_TEST(order)
{
	/* b twice (a leftover of an old session below its new candidate). */
	char *ch[] = {"b_0000000007", "junk",	      "a_0000000009",
		      "c_0000000003", "d_0000000008", "b_0000000011"};
	int ord[6];
	int k = election_order(ch, 6, ord);

	ck_assert_int_eq(k, 4);
	ck_assert_str_eq(ch[ord[0]], "c_0000000003");
	ck_assert_str_eq(ch[ord[1]], "b_0000000007");
	ck_assert_str_eq(ch[ord[2]], "d_0000000008");
	ck_assert_str_eq(ch[ord[3]], "a_0000000009");
	ck_assert_int_eq(election_order(ch, 0, ord), 0);
	ck_assert_int_eq(election_order(ch + 1, 1, ord), 0); /* no candidate at all */
}
END_TEST

START_TEST(rank)
{
	char *ch[] = {"b_0000000007", "a_0000000009", "c_0000000003", "x_0000000001",
		      "d_0000000008"};
	/* Sorted by node as read; e is a member but no candidate; x and d are
	 * candidates but no members (they left, or have not joined yet). */
	struct qot_member mb[4] = {{.node = "a"}, {.node = "b"}, {.node = "c"}, {.node = "e"}};
	struct qot_membership ms = {.leader = "stale", .n = 4, .members = mb};
	int ord[5];
	int k;

	mb[3].candidate = true; /* left from an earlier reading */
	mb[3].rank = 9;
	k = election_order(ch, 5, ord);
	election_rank(&ms, ch, ord, k);
	ck_assert_str_eq(ms.leader, "c"); /* x leads the listing but is no member */
	ck_assert(mb[2].candidate && mb[2].rank == 0);
	ck_assert(mb[1].candidate && mb[1].rank == 1);
	ck_assert(mb[0].candidate && mb[0].rank == 2); /* d is no member: a comes next */
	ck_assert(!mb[3].candidate);

	/* Nobody runs: no leader, no ranks. */
	election_rank(&ms, ch, ord, 0);
	ck_assert_str_eq(ms.leader, "");
	for (int i = 0; i < 4; i++)
		ck_assert(!mb[i].candidate);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("coordd");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, paths);
	tcase_add_test(tc, election);
	tcase_add_test(tc, member_data);
	tcase_add_test(tc, order);
	tcase_add_test(tc, rank);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
