/* SPDX-License-Identifier: Apache-2.0 */
/* publisher.c - each timeline's parameters from its sources, written to its ctl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "discipline.h"
#include "log.h"
#include "now.h"
#include "params.h"
#include "publisher.h"

struct tl_state {
	struct discipline disc;
	const struct timeline_rule *rule;
	char source[QOT_NAME_MAX + 1]; /* the source last used */
	bool fresh;		       /* just found: publish at once */
};

struct publisher {
	const struct syncd_config *cfg;
	const struct sourceset *sources;
	struct qot_follower *f;
	int slot; /* ours among the follower's subscribers */
	struct discipline_config dcfg;
	struct publisher_feed feed; /* reading NULL: the sources alone */
};

void publisher_set_feed(struct publisher *p, const struct publisher_feed *feed)
{
	p->feed = *feed;
}

/*
 * `now` is taken per timeline, not per round: the anchor margin must cover
 * one write's latency, and a round over many timelines takes far longer.
 */
static void publish(struct publisher *p, size_t i)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct qot_follower_tl *tl = qot_follower_get(p->f, i);
		struct tl_state *t = tl ? qot_follower_tl_state(tl, p->slot) : NULL;
		char name[QOT_NAME_MAX + 1], line[QOT_PARAMS_TEXT_MAX];
		const struct source *s = NULL;
		struct qot_clock_params params;
		struct reading fed;
		enum publisher_feed_kind kind = PUBLISHER_SOURCES;
		int64_t now = qot_now_ns(CLOCK_REALTIME);
		size_t len;
		int err;

		if (t == NULL)
			return;
		if (p->feed.reading)
			kind = p->feed.reading(p->feed.ctx, tl, now, &fed);
		if (kind == PUBLISHER_SOURCES) {
			s = sourceset_choose(p->sources, t->rule);
			discipline_update(&t->disc, &p->dcfg, s ? &s->last : NULL, now, &params);
		} else {
			discipline_update(&t->disc, &p->dcfg,
					  kind == PUBLISHER_READING ? &fed : NULL, now, &params);
		}
		/* In holdover, the source named is the one whose data it goes on
		 * from; with nothing known, the one it waits for. */
		if (kind == PUBLISHER_READING)
			snprintf(t->source, sizeof(t->source), "%s", p->feed.name);
		else if (s)
			snprintf(t->source, sizeof(t->source), "%s", s->cfg->name);
		else if (params.status != QOT_STATUS_HOLDOVER || t->source[0] == '\0')
			snprintf(t->source, sizeof(t->source), "%s",
				 t->rule->nsources ? sourceset_first(p->sources, t->rule)->cfg->name
				 : p->feed.name	   ? p->feed.name
						   : "none");
		snprintf(name, sizeof(name), "%s", qot_follower_tl_name(tl));
		qot_log(QOT_LOG_DEBUG, "timeline %s: %s from %s, -%llu/+%llu ns", name,
			qot_status_name((enum qot_status)params.status), t->source,
			(unsigned long long)params.offset_below,
			(unsigned long long)params.offset_above);
		len = qot_params_format_parts(&params, t->source,
					      &(struct qot_bound_parts){t->disc.asym, t->disc.stat},
					      line, QOT_PARAMS_TEXT_MAX);
		err = qot_follower_write_ctl(p->f, tl, line, len);
		if (err == -EAGAIN)
			continue; /* a new timeline of the same name: again, from its state */
		if (err && err != -ENOENT)
			qot_log(QOT_LOG_WARNING, "timeline %s: publishing: %s", name,
				strerror(-err));
		return;
	}
}

static void publish_all(struct publisher *p, bool fresh_only)
{
	/* A write that finds the mount gone empties the follower: the loop ends. */
	for (size_t i = 0; i < qot_follower_count(p->f); i++) {
		struct tl_state *t = qot_follower_tl_state(qot_follower_get(p->f, i), p->slot);
		if (t == NULL || (fresh_only && !t->fresh))
			continue;
		t->fresh = false;
		publish(p, i);
	}
}

void publisher_tick(struct publisher *p)
{
	publish_all(p, false);
}

/* A timeline to serve: resume from what its ctl holds. */
static void *added(void *ctx, struct qot_follower_tl *tl)
{
	struct publisher *p = ctx;
	struct tl_state *t = calloc(1, sizeof(*t));
	char line[QOT_PARAMS_TEXT_MAX];
	struct qot_clock_params params;
	ssize_t n;

	if (t == NULL)
		return NULL;
	t->rule = config_rule_for(p->cfg, qot_follower_tl_name(tl));
	discipline_init(&t->disc);
	n = pread(qot_follower_tl_ctl(tl), line, sizeof(line), 0);
	if (n > 0 && qot_params_parse(line, (size_t)n, &params, t->source) == 0)
		discipline_resume(&t->disc, &params);
	t->fresh = true;
	return t;
}

static void removed(void *ctx, struct qot_follower_tl *tl, void *state)
{
	(void)ctx;
	(void)tl;
	free(state);
}

/* Honest from the first instant: the timelines just found, at once. */
static void refreshed(void *ctx)
{
	publish_all(ctx, true);
}

static const struct qot_follower_events events = {
	.added = added,
	.removed = removed,
	.refreshed = refreshed,
};

struct publisher *publisher_new(const struct syncd_config *cfg, const struct sourceset *sources,
				struct qot_follower *f)
{
	struct publisher *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->cfg = cfg;
	p->sources = sources;
	p->f = f;
	p->dcfg = (struct discipline_config){
		.interval = cfg->interval_ns,
		.margin = discipline_margin(cfg->interval_ns),
		.holdover = cfg->holdover_ns,
		.stale = cfg->stale_ns,
		.maxslew = cfg->maxslew,
	};
	p->slot = qot_follower_subscribe(f, &events, p);
	if (p->slot < 0) {
		free(p);
		return NULL;
	}
	return p;
}

void publisher_free(struct publisher *p)
{
	free(p);
}
