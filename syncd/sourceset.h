/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sourceset.h - syncd's configured sources, each queried on its own
 * schedule, and the choice among a timeline's sources.
 *
 * A source polled no more often than the publish interval is queried only
 * when publishing (at the first publish its poll has come within half an
 * interval of), so that its reading is fresh when it is published, not up
 * to a poll old. State changes are logged (ok, not synchronised, down).
 */
#ifndef SYNCD_SOURCESET_H
#define SYNCD_SOURCESET_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "source.h"

struct sourceset {
	const struct syncd_config *cfg;
	struct source sources[CONFIG_MAX_SOURCES];
	int64_t next_poll[CONFIG_MAX_SOURCES]; /* monotonic ns */
	bool queried[CONFIG_MAX_SOURCES];      /* its first outcome was logged */
};

/* Open every source of cfg (kept); one that cannot be opened stays down. */
void sourceset_open(struct sourceset *set, const struct syncd_config *cfg);
void sourceset_close(struct sourceset *set);
/* Query the sources due at monotonic instant mono (the slow ones only when publishing). */
void sourceset_poll(struct sourceset *set, int64_t mono, bool publishing);
/* The next instant a source is due on its own (before until), else until. */
int64_t sourceset_next(const struct sourceset *set, int64_t until);
/* The first source of the rule with a fresh reading, if any. */
const struct source *sourceset_choose(const struct sourceset *set,
				      const struct timeline_rule *rule);
/* The rule's first source: the one a timeline waits for. */
const struct source *sourceset_first(const struct sourceset *set, const struct timeline_rule *rule);

#endif /* SYNCD_SOURCESET_H */
