/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reqset.h - the tightest requirement over a changing set of bindings.
 *
 * One indexed binary min-heap per part of a requirement (accuracy below,
 * accuracy above, resolution), so adding, changing and removing a binding
 * cost O(log n) and the minimum is O(1) - a client holding many bindings
 * cannot make every change a scan of all of them.
 */
#ifndef QOTFS_REQSET_H
#define QOTFS_REQSET_H

#include <stddef.h>
#include <stdint.h>

#include "dheap.h"
#include "reqline.h"

#define REQ_PARTS 3

/* Embedded in each member: its place in each part's heap. */
struct req_entry {
	struct dheap_node node[REQ_PARTS];
};

struct reqset {
	struct dheap heap[REQ_PARTS];
};

void reqset_init(struct reqset *s);
void reqset_free(struct reqset *s);
size_t reqset_count(const struct reqset *s);
/* 0 or -ENOMEM (then nothing changed). */
int reqset_add(struct reqset *s, struct req_entry *e, const struct qot_req *req);
void reqset_update(struct reqset *s, struct req_entry *e, const struct qot_req *req);
void reqset_remove(struct reqset *s, struct req_entry *e);
/* The tightest requirement of the members; qot_req_none when empty. */
void reqset_min(const struct reqset *s, struct qot_req *out);

#endif /* QOTFS_REQSET_H */
