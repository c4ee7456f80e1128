/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snapshot.h - an immutable rendering of a file's text, shared by the open
 * files that read it. A watched file (.timelines, bindings, requirements,
 * ctl) caches one per content generation in its watchlist, so a thousand
 * readers of an unchanged listing cost one copy and one rendering.
 */
#ifndef QOTFS_SNAPSHOT_H
#define QOTFS_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

struct snapshot {
	unsigned refs;
	uint64_t gen; /* the content generation it renders */
	size_t len;
	char data[];
};

/* A new snapshot holding a copy of data (one reference), or NULL. */
struct snapshot *snapshot_new(const char *data, size_t len, uint64_t gen);
struct snapshot *snapshot_get(struct snapshot *s);
/* Drop a reference; NULL is fine. */
void snapshot_put(struct snapshot *s);

#endif /* QOTFS_SNAPSHOT_H */
