/* SPDX-License-Identifier: Apache-2.0 */
/* reqset.c - the tightest requirement: one deadline heap (dheap.h) per part. */
#include <errno.h>
#include <stdlib.h>

#include "qot.h"
#include "reqset.h"

static void req_to_keys(const struct qot_req *req, int64_t key[REQ_PARTS])
{
	key[0] = dheap_key_u64(req->acc_below);
	key[1] = dheap_key_u64(req->acc_above);
	key[2] = dheap_key_u64(req->resolution);
}

void reqset_init(struct reqset *s)
{
	for (int p = 0; p < REQ_PARTS; p++)
		dheap_init(&s->heap[p]);
}

void reqset_free(struct reqset *s)
{
	for (int p = 0; p < REQ_PARTS; p++)
		dheap_free(&s->heap[p]);
}

size_t reqset_count(const struct reqset *s)
{
	return s->heap[0].n;
}

int reqset_add(struct reqset *s, struct req_entry *e, const struct qot_req *req)
{
	int64_t key[REQ_PARTS];

	/* Grow every heap first, so a failure leaves the set untouched. */
	for (int p = 0; p < REQ_PARTS; p++) {
		if (dheap_reserve(&s->heap[p], s->heap[p].n + 1) != 0)
			return -ENOMEM;
	}
	req_to_keys(req, key);
	for (int p = 0; p < REQ_PARTS; p++) {
		e->node[p].key = key[p];
		dheap_push(&s->heap[p], &e->node[p]);
	}
	return 0;
}

void reqset_update(struct reqset *s, struct req_entry *e, const struct qot_req *req)
{
	int64_t key[REQ_PARTS];

	req_to_keys(req, key);
	for (int p = 0; p < REQ_PARTS; p++)
		dheap_rekey(&s->heap[p], &e->node[p], key[p]);
}

void reqset_remove(struct reqset *s, struct req_entry *e)
{
	for (int p = 0; p < REQ_PARTS; p++)
		dheap_remove(&s->heap[p], &e->node[p]);
}

void reqset_min(const struct reqset *s, struct qot_req *out)
{
	*out = qot_req_none;
	if (s->heap[0].n == 0)
		return;
	out->acc_below = dheap_u64_key(dheap_top(&s->heap[0])->key);
	out->acc_above = dheap_u64_key(dheap_top(&s->heap[1])->key);
	out->resolution = dheap_u64_key(dheap_top(&s->heap[2])->key);
}
