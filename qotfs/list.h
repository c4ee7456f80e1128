/* SPDX-License-Identifier: Apache-2.0 */
/*
 * list.h - intrusive doubly linked lists: a list knows its first and last
 * node, each element embeds a struct list_node. O(1) append and removal,
 * no allocation. Also container_of, to get from a node to its element.
 */
#ifndef QOTFS_LIST_H
#define QOTFS_LIST_H

#include <stddef.h>

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

struct list_node {
	struct list_node *prev, *next;
};

struct list {
	struct list_node *first, *last;
};

static inline void list_append(struct list *l, struct list_node *n)
{
	n->prev = l->last;
	n->next = NULL;
	if (l->last)
		l->last->next = n;
	else
		l->first = n;
	l->last = n;
}

static inline void list_remove(struct list *l, struct list_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		l->first = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		l->last = n->prev;
	n->prev = n->next = NULL;
}

#endif /* QOTFS_LIST_H */
