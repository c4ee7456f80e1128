/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_members.h - what a peer timeline needs of its cluster, read from
 * qotfs's `members` and `cluster` files (qot(7)), never from ZooKeeper:
 *
 *   members: node=NODE leader=.. [accuracy=..] [resolution=..] [peer=HOST:PORT] [rank=N]
 *   cluster: state=STATE node=NODE leader=.. ... [order=NODE,...]
 *
 * The election order is the members with a rank, by rank (0 the leader),
 * each with its syncd peer endpoint; this node's name is cluster's node=,
 * and its lease is stale unless cluster's state is current. Pure; words it
 * does not know are skipped (the files may gain fields), a line it cannot
 * read is left out of the order and counted.
 */
#ifndef SYNCD_PEER_MEMBERS_H
#define SYNCD_PEER_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>

#include "peer_timeline.h"

struct peer_members {
	char self[QOT_NAME_MAX + 1]; /* cluster's node=; "" for none */
	bool stale;		     /* cluster's state is not current */
	size_t n;		     /* candidates, in election order */
	struct peer_addr order[PEER_UPSTREAM_MAX];
	size_t unreadable; /* member lines left out: no name, bad peer or rank */
};

/* Fill out from the two texts (either may be empty). Never fails. */
void peer_members_read(const char *members, size_t mlen, const char *cluster, size_t clen,
		       struct peer_members *out);
/* The same order (names and addresses) and lease state. */
bool peer_members_equal(const struct peer_members *a, const struct peer_members *b);

#endif /* SYNCD_PEER_MEMBERS_H */
