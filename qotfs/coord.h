/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coord.h - what the coordinator (coordd) told this node: who it is, until
 * when its view of the cluster holds (the lease), and each timeline's
 * membership. A lease is an absolute instant of CLOCK_BOOTTIME, in ns (so a
 * write that is delayed cannot stretch it, and a suspend counts); coordd
 * renews it while its ZooKeeper session is certainly alive, so a coordinator
 * that is cut off, stopped or killed loses its claims (leadership above all)
 * before its session can expire. registry_set_lease applies a lease line.
 */
#ifndef QOTFS_COORD_H
#define QOTFS_COORD_H

#include <stdbool.h>
#include <stdint.h>

#include "members.h"
#include "names.h"

enum coord_state {
	COORD_NONE,    /* no coordinator, or it withdrew (until=0) */
	COORD_CURRENT, /* the lease runs: the membership is what the cluster says */
	COORD_STALE,   /* the lease ran out: the membership may be outdated */
};

struct coord {
	char node[QOT_NAME_MAX + 1]; /* this node's name, "" until told */
	int64_t lease_until;	     /* CLOCK_BOOTTIME ns */
	bool active;		     /* a lease was written and not withdrawn */
};

/* CLOCK_BOOTTIME now, in ns. */
int64_t coord_now(void);
/* Apply "node=NODE until=NS"; until=0 withdraws. 0, -EINVAL, -ERANGE. */
int coord_set_lease(struct coord *c, const char *buf, size_t len);
enum coord_state coord_state_at(const struct coord *c, int64_t now);
const char *coord_state_name(enum coord_state s);

#endif /* QOTFS_COORD_H */
