/* coord.c - the coordinator's lease and this node's name. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "coord.h"

int64_t coord_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int coord_set_lease(struct coord *c, const char *buf, size_t len, int64_t now)
{
	char node[QOT_NAME_MAX + 1];
	uint64_t lease;
	int err = qot_leaseline_parse(buf, len, node, &lease);

	if (err)
		return err;
	if (lease > (uint64_t)(INT64_MAX - now))
		return -ERANGE;
	memcpy(c->node, node, sizeof(node));
	c->lease_until = now + (int64_t)lease;
	c->active = lease > 0;
	return 0;
}

enum coord_state coord_state_at(const struct coord *c, int64_t now)
{
	if (!c->active)
		return COORD_NONE;
	return now < c->lease_until ? COORD_CURRENT : COORD_STALE;
}

const char *coord_state_name(enum coord_state s)
{
	static const char *const names[] = {"none", "current", "stale"};
	return names[s];
}
