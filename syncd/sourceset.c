/* SPDX-License-Identifier: Apache-2.0 */
/* sourceset.c - query syncd's sources when due, log their states, choose among them. */

#include "log.h"
#include "now.h"
#include "sourceset.h"

void sourceset_open(struct sourceset *set, const struct syncd_config *cfg)
{
	set->cfg = cfg;
	for (size_t i = 0; i < cfg->nsources; i++) {
		struct source *s = &set->sources[i];
		s->cfg = &cfg->sources[i];
		s->ops = source_ops_for(s->cfg->type);
		s->rundir = cfg->rundir;
		s->state = SOURCE_DOWN;
		/* A source that cannot be opened now stays down; the others serve. */
		if (s->ops->open(s) < 0)
			qot_log(QOT_LOG_WARNING, "source %s: %s", s->cfg->name, s->detail);
	}
}

void sourceset_close(struct sourceset *set)
{
	for (size_t i = 0; set->cfg && i < set->cfg->nsources; i++)
		if (set->sources[i].ops)
			set->sources[i].ops->close(&set->sources[i]);
}

static bool slow_source(const struct sourceset *set, size_t i)
{
	return set->cfg->sources[i].poll_ns >= set->cfg->interval_ns;
}

void sourceset_poll(struct sourceset *set, int64_t mono, bool publishing)
{
	for (size_t i = 0; i < set->cfg->nsources; i++) {
		struct source *s = &set->sources[i];
		enum source_state before = s->state;
		bool due = slow_source(set, i) ? publishing && set->next_poll[i] - mono <=
								       set->cfg->interval_ns / 2
					       : mono >= set->next_poll[i];
		if (!due)
			continue;
		set->next_poll[i] = mono + s->cfg->poll_ns;
		source_update(s, qot_now_ns(CLOCK_REALTIME));
		if (s->state != before || !set->queried[i])
			qot_log(s->state == SOURCE_OK ? QOT_LOG_INFO : QOT_LOG_WARNING,
				"source %s: %s (%s)", s->cfg->name,
				s->state == SOURCE_OK	      ? "ok"
				: s->state == SOURCE_UNSYNCED ? "not synchronised"
							      : "down",
				s->detail);
		set->queried[i] = true;
		if (s->state == SOURCE_OK)
			qot_log(QOT_LOG_DEBUG, "source %s: offset %lld ns -%llu/+%llu (%s)",
				s->cfg->name, (long long)s->last.offset,
				(unsigned long long)s->last.below,
				(unsigned long long)s->last.above, s->detail);
	}
}

int64_t sourceset_next(const struct sourceset *set, int64_t until)
{
	int64_t t = until;

	for (size_t i = 0; i < set->cfg->nsources; i++)
		if (!slow_source(set, i) && set->next_poll[i] < t)
			t = set->next_poll[i];
	return t;
}

const struct source *sourceset_choose(const struct sourceset *set, const struct timeline_rule *rule)
{
	for (size_t i = 0; i < rule->nsources; i++) {
		const struct source *s = &set->sources[rule->sources[i]];
		if (s->state == SOURCE_OK)
			return s;
	}
	return NULL;
}

const struct source *sourceset_first(const struct sourceset *set, const struct timeline_rule *rule)
{
	return &set->sources[rule->sources[0]];
}
