/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dheap.h - an indexed binary min-heap of deadlines.
 *
 * Members embed a struct dheap_node (a signed 64-bit key and their index in
 * the heap), so removing or re-keying any member costs O(log n) and the
 * minimum is O(1). The heap never allocates by itself: dheap_reserve makes
 * room beforehand, so a push cannot fail. Used by the waker (parked reads by
 * base-clock deadline) and by reqset (the tightest requirement).
 */
#ifndef QOTFS_DHEAP_H
#define QOTFS_DHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dheap_node {
	int64_t key;
	size_t idx; /* in the heap, while queued */
};

struct dheap {
	struct dheap_node **items;
	size_t n, cap;
};

void dheap_init(struct dheap *h);
void dheap_free(struct dheap *h);
/* Room for n members in all. 0 or -ENOMEM (then nothing changed). */
int dheap_reserve(struct dheap *h, size_t n);
/* Add node with its key (room must have been reserved). */
void dheap_push(struct dheap *h, struct dheap_node *node);
void dheap_remove(struct dheap *h, struct dheap_node *node);
/* Give a member a new key and restore the order. */
void dheap_rekey(struct dheap *h, struct dheap_node *node, int64_t key);
/* The member with the least key, or NULL. */
static inline struct dheap_node *dheap_top(const struct dheap *h)
{
	return h->n ? h->items[0] : NULL;
}
/* Restore the order after many keys changed in place: O(n). */
void dheap_heapify(struct dheap *h);

/* An unsigned key as a signed one of the same order (and back). */
static inline int64_t dheap_key_u64(uint64_t v)
{
	return (int64_t)(v ^ (UINT64_C(1) << 63));
}

static inline uint64_t dheap_u64_key(int64_t k)
{
	return (uint64_t)k ^ (UINT64_C(1) << 63);
}

#endif /* QOTFS_DHEAP_H */
