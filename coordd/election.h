/* SPDX-License-Identifier: Apache-2.0 */
/*
 * election.h - the leader election recipe, decided from one listing of an
 * election directory: candidates are ephemeral sequential nodes NODE_SEQ;
 * the smallest SEQ leads, and the order of the SEQs is the failover plan of
 * peer synchronization (rank 0 leads, rank 1 is the first backup, ...).
 * Because every member needs that order, coordd watches the whole directory
 * on every node rather than only the candidate just before its own.
 */
#ifndef COORDD_ELECTION_H
#define COORDD_ELECTION_H

#include <stddef.h>

#include "members.h"
#include "names.h"

struct election_view {
	char leader[QOT_NAME_MAX + 1]; /* node of the smallest candidate, "" if none */
	int self;		       /* index of self_child in the listing, -1 if absent */
	int predecessor;	       /* index of the candidate just before self, -1 if none */
};

/*
 * Decide from children[0..n) (names that are not candidates are ignored).
 * self_child is this node's candidate name, or NULL.
 */
void election_decide(char *const *children, int n, const char *self_child,
		     struct election_view *out);

/*
 * The election order: indexes into children[0..n) of the candidates, by
 * sequence number (the leader first), each node once, at its smallest
 * number (an old session's leftover and the new candidate of one node count
 * once). Fills order[] (room for n) and returns how many it holds.
 */
int election_order(char *const *children, int n, int *order);

/*
 * Give the members of ms (sorted by node, as read) their place in the order
 * (the first k entries of election_order's result over children): rank 0
 * for the first candidate that is a member, 1 for the next, and so on;
 * members not in the order are no candidates. The leader is the rank-0
 * member ("" if none), so a membership never names a leader that is not
 * ranked first. ms->members must be sorted by node.
 */
void election_rank(struct qot_membership *ms, char *const *children, const int *order, int k);

#endif /* COORDD_ELECTION_H */
