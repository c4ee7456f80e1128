/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_upstream.h - whom one node follows for one timeline, and when it
 * fails over (pure: events in, decision out; no sockets, no clocks).
 *
 * The plan is ZooKeeper's election order (leader first): every member
 * follows the first node of the order not marked down; if that is itself,
 * it is the root (serves from its own timeline and follows nobody). K
 * exchanges in a row missed with the node followed mark it down and switch,
 * at once, to the next one: the backup every member knew in advance. A node
 * whose coordination lease is stale never acts as root: it skips itself.
 *
 * Roots are ordered by (serves true time, epoch, place in the order): a
 * node that becomes root because nodes before it are down takes epoch = the
 * highest seen + 1, and says so in its answers, and whoever hears of a root
 * that beats the one it follows or is switches to it. So a root with a
 * reference never yields to one that averages, and a node with a reference
 * that joins late (its syncd started after the others had given up on it),
 * or whose upstream after it in the order averages, takes the lead. A node
 * that yielded to a root is a candidate again once that root is lost. A node starting (or found
 * alone) first joins: for `join` ticks it probes every node, and follows any root that answers, so
 * an old leader coming back follows the newer root rather than competes; only when nobody answers
 * as root does it apply the order itself. A root probes one other node per tick, so two roots
 * (after a partition heals) meet and the older one yields. Never two upstreams at once: there is
 * one current upstream or none.
 */
#ifndef SYNCD_PEER_UPSTREAM_H
#define SYNCD_PEER_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEER_UPSTREAM_MAX 256 /* nodes in an order */

enum peer_role {
	PEER_ROLE_JOINING, /* probing for a root (at start, and after being alone) */
	PEER_ROLE_ROOT,	   /* following nobody: the timeline's acting leader */
	PEER_ROLE_FOLLOW,  /* following peer_upstream_current() */
	PEER_ROLE_ALONE,   /* every candidate down: holdover */
};

struct peer_upstream_config {
	unsigned missed; /* K: exchanges missed in a row before failing over (>= 1) */
	unsigned join;	 /* ticks of joining (and of being alone before joining again) (>= 1) */
};

struct peer_upstream; /* opaque */

int peer_upstream_new(struct peer_upstream **out, const char *self,
		      const struct peer_upstream_config *cfg);
void peer_upstream_free(struct peer_upstream *u);

/* The election order, leader first (qotfs's members file). The same order
 * again keeps the down marks; another one is a new plan and clears them.
 * 0, -EINVAL (invalid or repeated name), -E2BIG. */
int peer_upstream_set_order(struct peer_upstream *u, const char *const *order, size_t n);
/* This node's lease is stale (or fresh again). */
void peer_upstream_set_stale(struct peer_upstream *u, bool stale);
/* One sync interval passed. */
void peer_upstream_tick(struct peer_upstream *u);
/* The exchange of this interval with node answered usably (ok) or not.
 * Counts only for the node followed. */
void peer_upstream_result(struct peer_upstream *u, const char *node, bool ok);
/* As root, this node serves true time (its sources have a reference), or
 * not (it would average: Berkeley). Default: not. */
void peer_upstream_set_truth(struct peer_upstream *u, bool truth);
/* An authenticated, usable answer from node, saying whether it is a root,
 * its root's epoch, and whether its root serves true time (from the
 * regular exchange or a probe). */
void peer_upstream_observe(struct peer_upstream *u, const char *node, bool root, uint32_t epoch,
			   bool truth);

enum peer_role peer_upstream_role(const struct peer_upstream *u);
/* The node followed, or NULL (not following). */
const char *peer_upstream_current(const struct peer_upstream *u);
/* The epoch of the root this node is or follows. */
uint32_t peer_upstream_epoch(const struct peer_upstream *u);
/* Times the upstream or role changed. */
uint64_t peer_upstream_switches(const struct peer_upstream *u);
/* Nodes to probe this tick (besides the exchange with the current one). */
size_t peer_upstream_probes(struct peer_upstream *u, const char **out, size_t max);
/* The backups, in the order they would be taken (for the cluster file). */
size_t peer_upstream_backups(const struct peer_upstream *u, const char **out, size_t max);
const char *peer_role_name(enum peer_role role);

#endif /* SYNCD_PEER_UPSTREAM_H */
