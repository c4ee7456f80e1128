/* SPDX-License-Identifier: Apache-2.0 */
/* election.c - who leads, and whom to watch, from one listing. */
#include <stdint.h>
#include <stdlib.h>
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

struct cand {
	char node[QOT_NAME_MAX + 1];
	uint64_t seq;
	int index;
};

static int by_node_then_seq(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = strcmp(x->node, y->node);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_seq(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int election_order(char *const *children, int n, int *order)
{
	struct cand *c = n > 0 ? malloc((size_t)n * sizeof(*c)) : NULL;
	int k = 0, kept = 0;

	if (c == NULL)
		return 0;
	for (int i = 0; i < n; i++) {
		if (zkpath_candidate_parse(children[i], c[k].node, &c[k].seq) != 0)
			continue;
		c[k++].index = i;
	}
	/* Each node once, at its smallest number. */
	qsort(c, (size_t)k, sizeof(*c), by_node_then_seq);
	for (int i = 0; i < k; i++)
		if (kept == 0 || strcmp(c[kept - 1].node, c[i].node) != 0)
			c[kept++] = c[i];
	qsort(c, (size_t)kept, sizeof(*c), by_seq);
	for (int i = 0; i < kept; i++)
		order[i] = c[i].index;
	free(c);
	return kept;
}

static int member_by_node(const void *key, const void *elem)
{
	return strcmp(key, ((const struct qot_member *)elem)->node);
}

void election_rank(struct qot_membership *ms, char *const *children, const int *order, int k)
{
	unsigned rank = 0;

	ms->leader[0] = '\0';
	for (size_t i = 0; i < ms->n; i++) {
		ms->members[i].candidate = false;
		ms->members[i].rank = 0;
	}
	for (int i = 0; i < k; i++) {
		char node[QOT_NAME_MAX + 1];
		uint64_t seq;
		struct qot_member *m;

		if (zkpath_candidate_parse(children[order[i]], node, &seq) != 0)
			continue;
		m = bsearch(node, ms->members, ms->n, sizeof(*ms->members), member_by_node);
		if (m == NULL)
			continue; /* a candidate not (yet, or no longer) a member */
		if (rank == 0)
			memcpy(ms->leader, m->node, sizeof(m->node));
		m->candidate = true;
		m->rank = rank++;
	}
}
