/* SPDX-License-Identifier: Apache-2.0 */
/* hashtab.c - intrusive chained hash table. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hashtab.h"

#define INITIAL_BUCKETS 64

int hashtab_init(struct hashtab *t)
{
	t->buckets = calloc(INITIAL_BUCKETS, sizeof(*t->buckets));
	if (t->buckets == NULL)
		return -ENOMEM;
	t->nbuckets = INITIAL_BUCKETS;
	t->count = 0;
	return 0;
}

void hashtab_free(struct hashtab *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->nbuckets = t->count = 0;
}

static void grow(struct hashtab *t)
{
	size_t n = t->nbuckets * 2;
	struct hnode **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return; /* keep the longer chains; still correct */
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct hnode *node = t->buckets[i], *next;
		for (; node != NULL; node = next) {
			next = node->next;
			node->next = b[node->hash & (n - 1)];
			b[node->hash & (n - 1)] = node;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

void hashtab_insert(struct hashtab *t, struct hnode *node, uint64_t hash)
{
	struct hnode **head;

	if (t->count >= t->nbuckets)
		grow(t);
	head = &t->buckets[hash & (t->nbuckets - 1)];
	node->hash = hash;
	node->next = *head;
	*head = node;
	t->count++;
}

struct hnode *hashtab_find(const struct hashtab *t, uint64_t hash, hashtab_match_fn match,
			   const void *key)
{
	struct hnode *node = t->buckets[hash & (t->nbuckets - 1)];

	for (; node != NULL; node = node->next) {
		if (node->hash == hash && match(node, key))
			return node;
	}
	return NULL;
}

void hashtab_remove(struct hashtab *t, struct hnode *node)
{
	struct hnode **pp = &t->buckets[node->hash & (t->nbuckets - 1)];

	for (; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == node) {
			*pp = node->next;
			node->next = NULL;
			t->count--;
			return;
		}
	}
}

/* Names come from clients: a random seed keeps them from being chosen to collide. */
static uint64_t name_seed(void)
{
	static uint64_t seed;

	if (seed == 0) {
		if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			seed = hash_u64((uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32));
		}
		seed |= 1; /* never 0 again */
	}
	return seed;
}

/* FNV-1a from a seeded start, then a final mix so the low bits (the bucket
 * index) are spread. */
uint64_t hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ull ^ name_seed();

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return hash_u64(h);
}

/* splitmix64 finaliser. */
uint64_t hash_u64(uint64_t v)
{
	v ^= v >> 30;
	v *= 0xbf58476d1ce4e5b9ull;
	v ^= v >> 27;
	v *= 0x94d049bb133111ebull;
	v ^= v >> 31;
	return v;
}

void hashtab_drain(struct hashtab *t, void (*drop)(struct hnode *node))
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct hnode *n = t->buckets[i], *next; n != NULL; n = next) {
			next = n->next;
			drop(n);
		}
	}
	hashtab_free(t);
}
