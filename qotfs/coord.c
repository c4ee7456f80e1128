/* SPDX-License-Identifier: Apache-2.0 */
/* coord.c - the coordinator's lease and this node's name. */
#include <string.h>
#include <time.h>

#include "coord.h"
#include "page.h"

int64_t coord_now(void)
{
	return qot_now_ns(CLOCK_BOOTTIME);
}

int coord_set_lease(struct coord *c, const char *buf, size_t len)
{
	char node[QOT_NAME_MAX + 1];
	int64_t until;
	int err = qot_leaseline_parse(buf, len, node, &until);

	if (err)
		return err;
	memcpy(c->node, node, sizeof(node));
	c->lease_until = until;
	c->active = until > 0;
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
