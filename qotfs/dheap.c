/* SPDX-License-Identifier: Apache-2.0 */
/* dheap.c - an indexed binary min-heap of deadlines. */
#include <errno.h>
#include <stdlib.h>

#include "dheap.h"

static void set(struct dheap *h, size_t i, struct dheap_node *node)
{
	h->items[i] = node;
	node->idx = i;
}

static void sift_up(struct dheap *h, size_t i)
{
	struct dheap_node *node = h->items[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (h->items[parent]->key <= node->key)
			break;
		set(h, i, h->items[parent]);
		i = parent;
	}
	set(h, i, node);
}

static void sift_down(struct dheap *h, size_t i)
{
	struct dheap_node *node = h->items[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->items[c + 1]->key < h->items[c]->key)
			c++;
		if (h->items[c]->key >= node->key)
			break;
		set(h, i, h->items[c]);
		i = c;
	}
	set(h, i, node);
}

/* Move the member at i up or down to its place. */
static void fix(struct dheap *h, size_t i)
{
	if (i > 0 && h->items[(i - 1) / 2]->key > h->items[i]->key)
		sift_up(h, i);
	else
		sift_down(h, i);
}

void dheap_init(struct dheap *h)
{
	*h = (struct dheap){NULL, 0, 0};
}

void dheap_free(struct dheap *h)
{
	free(h->items);
	dheap_init(h);
}

int dheap_reserve(struct dheap *h, size_t n)
{
	size_t cap = h->cap ? h->cap : 16;
	struct dheap_node **items;

	if (n <= h->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	items = realloc(h->items, cap * sizeof(*items));
	if (items == NULL)
		return -ENOMEM;
	h->items = items;
	h->cap = cap;
	return 0;
}

void dheap_push(struct dheap *h, struct dheap_node *node)
{
	set(h, h->n++, node);
	sift_up(h, node->idx);
}

void dheap_remove(struct dheap *h, struct dheap_node *node)
{
	size_t i = node->idx;
	struct dheap_node *last = h->items[--h->n];

	if (last == node)
		return;
	set(h, i, last);
	fix(h, i);
}

void dheap_rekey(struct dheap *h, struct dheap_node *node, int64_t key)
{
	node->key = key;
	fix(h, node->idx);
}

void dheap_heapify(struct dheap *h)
{
	for (size_t i = h->n / 2; i-- > 0;)
		sift_down(h, i);
}
