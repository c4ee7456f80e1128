/* SPDX-License-Identifier: Apache-2.0 */
/*
 * election.h - the leader election recipe, decided from one listing of an
 * election directory: candidates are ephemeral sequential nodes NODE_SEQ;
 * the smallest SEQ leads; every other candidate watches only the candidate
 * just before it (no herd effect), and lists again when that one goes.
 */
#ifndef COORDD_ELECTION_H
#define COORDD_ELECTION_H

#include <stddef.h>

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

#endif /* COORDD_ELECTION_H */
