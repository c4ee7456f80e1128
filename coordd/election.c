/* SPDX-License-Identifier: Apache-2.0 */
/* election.c - who leads, and whom to watch, from one listing. */
#include <stdint.h>
#include <string.h>

#include "election.h"
#include "zkpath.h"

void election_decide(char *const *children, int n, const char *self_child,
		     struct election_view *out)
{
	char node[QOT_NAME_MAX + 1];
	uint64_t seq, self_seq = 0, best = UINT64_MAX, before = 0;
	int self = -1, pred = -1;

	out->leader[0] = '\0';
	if (self_child) {
		for (int i = 0; i < n; i++) {
			if (strcmp(children[i], self_child) == 0 &&
			    zkpath_candidate_parse(children[i], node, &self_seq) == 0)
				self = i;
		}
	}
	for (int i = 0; i < n; i++) {
		if (zkpath_candidate_parse(children[i], node, &seq) != 0)
			continue;
		if (seq < best) {
			best = seq;
			memcpy(out->leader, node, sizeof(node));
		}
		/* The largest sequence number below ours. */
		if (self >= 0 && seq < self_seq && (pred < 0 || seq > before)) {
			pred = i;
			before = seq;
		}
	}
	out->self = self;
	out->predecessor = pred;
}
