/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hashtab.h - an intrusive chained hash table. Entries embed a struct hnode;
 * the table never allocates per entry, only its bucket array, which doubles
 * when the load passes 1.
 */
#ifndef QOTFS_HASHTAB_H
#define QOTFS_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

#include "list.h" /* container_of */

struct hnode {
	struct hnode *next;
	uint64_t hash;
};

struct hashtab {
	struct hnode **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
};

/* Return nonzero if node matches key. */
typedef int (*hashtab_match_fn)(const struct hnode *node, const void *key);

int hashtab_init(struct hashtab *t);
void hashtab_free(struct hashtab *t);
/* Inserts node, whose key must not be present yet, under hash. */
void hashtab_insert(struct hashtab *t, struct hnode *node, uint64_t hash);
struct hnode *hashtab_find(const struct hashtab *t, uint64_t hash, hashtab_match_fn match,
			   const void *key);
void hashtab_remove(struct hashtab *t, struct hnode *node);
/* Hand every node to drop (which may free it), then free the table. */
void hashtab_drain(struct hashtab *t, void (*drop)(struct hnode *node));

uint64_t hash_bytes(const void *data, size_t len);
uint64_t hash_u64(uint64_t v);

#endif /* QOTFS_HASHTAB_H */
