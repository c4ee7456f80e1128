/* SPDX-License-Identifier: Apache-2.0 */
/* reqset.c - indexed min-heaps for the effective requirement. */
#include <errno.h>
#include <stdlib.h>

#include "qot.h"
#include "reqset.h"

static void req_to_keys(const struct qot_req *req, uint64_t key[REQ_PARTS])
{
	key[0] = req->acc_below;
	key[1] = req->acc_above;
	key[2] = req->resolution;
}

static void heap_set(struct reqheap *h, int part, size_t i, struct req_entry *e)
{
	h->items[i] = e;
	e->pos[part] = i;
}

static void sift_up(struct reqheap *h, int part, size_t i)
{
	struct req_entry *e = h->items[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (h->items[parent]->key[part] <= e->key[part])
			break;
		heap_set(h, part, i, h->items[parent]);
		i = parent;
	}
	heap_set(h, part, i, e);
}

static void sift_down(struct reqheap *h, int part, size_t i)
{
	struct req_entry *e = h->items[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= h->n)
			break;
		if (child + 1 < h->n && h->items[child + 1]->key[part] < h->items[child]->key[part])
			child++;
		if (e->key[part] <= h->items[child]->key[part])
			break;
		heap_set(h, part, i, h->items[child]);
		i = child;
	}
	heap_set(h, part, i, e);
}

static void heap_fix(struct reqheap *h, int part, size_t i)
{
	if (i > 0 && h->items[(i - 1) / 2]->key[part] > h->items[i]->key[part])
		sift_up(h, part, i);
	else
		sift_down(h, part, i);
}

void reqset_init(struct reqset *s)
{
	for (int p = 0; p < REQ_PARTS; p++)
		s->heap[p] = (struct reqheap){NULL, 0, 0};
}

void reqset_free(struct reqset *s)
{
	for (int p = 0; p < REQ_PARTS; p++)
		free(s->heap[p].items);
	reqset_init(s);
}

size_t reqset_count(const struct reqset *s)
{
	return s->heap[0].n;
}

int reqset_add(struct reqset *s, struct req_entry *e, const struct qot_req *req)
{
	/* Grow every heap first, so a failure leaves the set untouched. */
	for (int p = 0; p < REQ_PARTS; p++) {
		struct reqheap *h = &s->heap[p];
		if (h->n == h->cap) {
			size_t cap = h->cap ? h->cap * 2 : 16;
			struct req_entry **items = realloc(h->items, cap * sizeof(*items));
			if (items == NULL)
				return -ENOMEM;
			h->items = items;
			h->cap = cap;
		}
	}
	req_to_keys(req, e->key);
	for (int p = 0; p < REQ_PARTS; p++) {
		struct reqheap *h = &s->heap[p];
		h->items[h->n] = e;
		sift_up(h, p, h->n++);
	}
	return 0;
}

void reqset_update(struct reqset *s, struct req_entry *e, const struct qot_req *req)
{
	req_to_keys(req, e->key);
	for (int p = 0; p < REQ_PARTS; p++)
		heap_fix(&s->heap[p], p, e->pos[p]);
}

void reqset_remove(struct reqset *s, struct req_entry *e)
{
	for (int p = 0; p < REQ_PARTS; p++) {
		struct reqheap *h = &s->heap[p];
		size_t i = e->pos[p];
		struct req_entry *last = h->items[--h->n];
		if (i < h->n) {
			heap_set(h, p, i, last);
			heap_fix(h, p, i);
		}
	}
}

void reqset_min(const struct reqset *s, struct qot_req *out)
{
	*out = qot_req_none;
	if (s->heap[0].n == 0)
		return;
	out->acc_below = s->heap[0].items[0]->key[0];
	out->acc_above = s->heap[1].items[0]->key[1];
	out->resolution = s->heap[2].items[0]->key[2];
}
