/* SPDX-License-Identifier: Apache-2.0 */
/* peer_upstream.c - the failover state machine of one node for one timeline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "peer_upstream.h"

#define NONE ((size_t)-1)

struct upnode {
	char name[QOT_NAME_MAX + 1];
	bool down;
};

struct peer_upstream {
	char self[QOT_NAME_MAX + 1];
	struct peer_upstream_config cfg;
	struct upnode node[PEER_UPSTREAM_MAX];
	size_t n;
	bool stale;
	bool truth;	  /* as root it serves true time (its sources have a reference) */
	bool chain_truth; /* FOLLOW: the root it follows does, as far as it heard */
	enum peer_role role;
	size_t cur; /* FOLLOW: index of the node followed */
	unsigned missed, ticks;
	uint32_t epoch, max_epoch;
	size_t probe_next;
	uint64_t switches;
};

const char *peer_role_name(enum peer_role role)
{
	static const char *const names[] = {"joining", "root", "follow", "alone"};

	return (unsigned)role < 4 ? names[role] : "?";
}

static size_t index_of(const struct peer_upstream *u, const char *name)
{
	for (size_t i = 0; i < u->n; i++)
		if (strcmp(u->node[i].name, name) == 0)
			return i;
	return NONE;
}

static bool is_self(const struct peer_upstream *u, size_t i)
{
	return strcmp(u->node[i].name, u->self) == 0;
}

static void set_role(struct peer_upstream *u, enum peer_role role, size_t cur)
{
	if (role != PEER_ROLE_FOLLOW)
		cur = NONE;
	if (role == u->role && cur == u->cur)
		return;
	u->role = role;
	u->cur = cur;
	u->missed = 0;
	u->ticks = 0;
	u->switches++;
}

/* Apply the order: the first node not down; self -> root unless stale. */
static void recompute(struct peer_upstream *u)
{
	bool took_over = false;

	for (size_t i = 0; i < u->n; i++) {
		if (u->node[i].down) {
			took_over = true;
			continue;
		}
		if (is_self(u, i)) {
			if (u->stale)
				continue;
			if (u->role != PEER_ROLE_ROOT) {
				u->epoch = u->max_epoch + (took_over ? 1 : 0);
				u->max_epoch = u->epoch;
			}
			set_role(u, PEER_ROLE_ROOT, NONE);
			return;
		}
		if (u->role != PEER_ROLE_FOLLOW || u->cur != i)
			u->chain_truth = true; /* the plan's, until it says otherwise */
		set_role(u, PEER_ROLE_FOLLOW, i);
		return;
	}
	set_role(u, PEER_ROLE_ALONE, NONE);
}

int peer_upstream_new(struct peer_upstream **out, const char *self,
		      const struct peer_upstream_config *cfg)
{
	struct peer_upstream *u;

	if (self == NULL || !qot_name_valid(self, strlen(self)) || cfg->missed < 1 || cfg->join < 1)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	snprintf(u->self, sizeof(u->self), "%s", self);
	u->cfg = *cfg;
	u->role = PEER_ROLE_JOINING;
	u->cur = NONE;
	*out = u;
	return 0;
}

void peer_upstream_free(struct peer_upstream *u)
{
	free(u);
}

int peer_upstream_set_order(struct peer_upstream *u, const char *const *order, size_t n)
{
	struct upnode next[PEER_UPSTREAM_MAX];
	const char *cur = u->cur != NONE ? u->node[u->cur].name : NULL;
	char cur_name[QOT_NAME_MAX + 1] = "";
	bool same = n == u->n;

	if (n > PEER_UPSTREAM_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		size_t old;

		if (order[i] == NULL || !qot_name_valid(order[i], strlen(order[i])))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(order[i], order[j]) == 0)
				return -EINVAL;
		snprintf(next[i].name, sizeof(next[i].name), "%s", order[i]);
		old = index_of(u, order[i]);
		next[i].down = old != NONE && u->node[old].down;
		same = same && old == i;
	}
	/* A new plan from the coordinator (another order, not the same one read
	 * again): who failed before says nothing of it. The node followed stays
	 * followed if the order still puts it first among the living. */
	for (size_t i = 0; i < n && !same; i++)
		next[i].down = false;
	if (cur)
		snprintf(cur_name, sizeof(cur_name), "%s", cur);
	memcpy(u->node, next, n * sizeof(next[0]));
	u->n = n;
	u->probe_next = 0;
	if (u->role == PEER_ROLE_FOLLOW) {
		u->cur = index_of(u, cur_name); /* the same node at its new place */
		if (u->cur == NONE)
			u->role = PEER_ROLE_ALONE; /* left the order: choose again */
	}
	if (u->role != PEER_ROLE_JOINING)
		recompute(u);
	return 0;
}

void peer_upstream_set_stale(struct peer_upstream *u, bool stale)
{
	if (u->stale == stale)
		return;
	u->stale = stale;
	if (u->role != PEER_ROLE_JOINING)
		recompute(u);
}

void peer_upstream_tick(struct peer_upstream *u)
{
	if (u->role != PEER_ROLE_JOINING && u->role != PEER_ROLE_ALONE)
		return;
	if (++u->ticks < u->cfg.join)
		return;
	if (u->role == PEER_ROLE_JOINING) {
		recompute(u);
		if (u->role == PEER_ROLE_ALONE)
			u->ticks = 0;
		return;
	}
	/* Alone for a while: forget who failed and look again. */
	for (size_t i = 0; i < u->n; i++)
		u->node[i].down = false;
	u->role = PEER_ROLE_JOINING;
	u->ticks = 0;
	u->switches++;
}

void peer_upstream_result(struct peer_upstream *u, const char *node, bool ok)
{
	size_t me;

	if (u->role != PEER_ROLE_FOLLOW || strcmp(u->node[u->cur].name, node) != 0)
		return;
	if (ok) {
		u->missed = 0;
		return;
	}
	if (++u->missed < u->cfg.missed)
		return;
	u->node[u->cur].down = true;
	/* Itself it marked down only to yield to that root (adopt): with the
	 * root gone, it is a candidate again, at its place in the order. */
	me = index_of(u, u->self);
	if (me != NONE)
		u->node[me].down = false;
	recompute(u);
}

/* Follow root r: everything before it in the order (self included) yields. */
static void adopt(struct peer_upstream *u, size_t r, uint32_t epoch, bool truth)
{
	for (size_t i = 0; i < r; i++)
		u->node[i].down = true;
	u->node[r].down = false;
	u->epoch = epoch;
	if (epoch > u->max_epoch)
		u->max_epoch = epoch;
	u->chain_truth = truth;
	set_role(u, PEER_ROLE_FOLLOW, r);
}

/* Roots are ranked by (serves true time, epoch, earlier in the order): does
 * the root (truth_a, epoch_a, place a) beat (truth_b, epoch_b, place b)? */
static bool beats(bool truth_a, uint32_t epoch_a, size_t a, bool truth_b, uint32_t epoch_b,
		  size_t b)
{
	if (truth_a != truth_b)
		return truth_a;
	return epoch_a > epoch_b || (epoch_a == epoch_b && a < b);
}

/* Node i's root averages (!truth) and we, before i in the order, have true
 * time to serve: we lead, with a newer epoch than any seen, which it yields
 * to (true time would beat it anyway). Whether we did. */
static bool lead_for_truth(struct peer_upstream *u, size_t i, bool truth)
{
	size_t me = index_of(u, u->self);

	if (!u->truth || truth || me == NONE || me > i || u->stale)
		return false;
	u->epoch = u->max_epoch + 1;
	u->max_epoch = u->epoch;
	set_role(u, PEER_ROLE_ROOT, NONE);
	return true;
}

void peer_upstream_set_truth(struct peer_upstream *u, bool truth)
{
	u->truth = truth;
}

void peer_upstream_observe(struct peer_upstream *u, const char *node, bool root, uint32_t epoch,
			   bool truth)
{
	size_t i = index_of(u, node), me;

	if (i == NONE || is_self(u, i))
		return;
	if (epoch > u->max_epoch)
		u->max_epoch = epoch;
	me = index_of(u, u->self);
	switch (u->role) {
	case PEER_ROLE_FOLLOW:
		if (i == u->cur) {
			if (epoch > u->epoch)
				u->epoch = epoch; /* the chain's root, passed down */
			u->chain_truth = truth;
			/* Our chain averages (its root lost its reference, or
			 * took over while we yielded), and we, before the node we
			 * follow, may have true time to serve. */
			lead_for_truth(u, i, truth);
		} else if (root && beats(truth, epoch, i, u->chain_truth, u->epoch, 0)) {
			adopt(u, i, epoch, truth); /* a better root than ours */
		}
		break;
	case PEER_ROLE_ROOT:
		if (root && beats(truth, epoch, i, u->truth, u->epoch, me))
			adopt(u, i, epoch, truth); /* it beats us: yield */
		break;
	case PEER_ROLE_JOINING:
	case PEER_ROLE_ALONE:
		if (!root)
			break;
		/* The root the others found while we were not there may
		 * average, and we be before it in the plan with true time. */
		if (!lead_for_truth(u, i, truth))
			adopt(u, i, epoch, truth);
		break;
	}
}

enum peer_role peer_upstream_role(const struct peer_upstream *u)
{
	return u->role;
}

const char *peer_upstream_current(const struct peer_upstream *u)
{
	return u->role == PEER_ROLE_FOLLOW ? u->node[u->cur].name : NULL;
}

uint32_t peer_upstream_epoch(const struct peer_upstream *u)
{
	return u->epoch;
}

uint64_t peer_upstream_switches(const struct peer_upstream *u)
{
	return u->switches;
}

size_t peer_upstream_probes(struct peer_upstream *u, const char **out, size_t max)
{
	size_t k = 0;

	if (u->role == PEER_ROLE_FOLLOW || u->n == 0)
		return 0;
	if (u->role == PEER_ROLE_JOINING) {
		for (size_t i = 0; i < u->n && k < max; i++)
			if (!is_self(u, i))
				out[k++] = u->node[i].name;
		return k;
	}
	/* Root or alone: one other node per tick, in turn. */
	for (size_t tries = 0; tries < u->n && k < max && k == 0; tries++) {
		size_t i = u->probe_next++ % u->n;
		if (!is_self(u, i))
			out[k++] = u->node[i].name;
	}
	return k;
}

size_t peer_upstream_backups(const struct peer_upstream *u, const char **out, size_t max)
{
	size_t k = 0, from = u->role == PEER_ROLE_FOLLOW ? u->cur + 1 : 0;

	if (u->role == PEER_ROLE_ROOT)
		return 0;
	for (size_t i = from; i < u->n && k < max; i++) {
		if (u->node[i].down || (is_self(u, i) && u->stale))
			continue;
		out[k++] = u->node[i].name;
		if (is_self(u, i))
			break; /* itself next: it would be the root, nobody after it */
	}
	return k;
}
