/* SPDX-License-Identifier: Apache-2.0 */
/* source.c - dispatch to a source's implementation and remember its state. */
#include "source.h"

const struct source_ops *source_ops_for(enum source_type type)
{
	switch (type) {
	case SOURCE_TYPE_SYSTEM:
		return &source_system_ops;
	case SOURCE_TYPE_CHRONY:
		return &source_chrony_ops;
	case SOURCE_TYPE_PTP:
		return &source_ptp_ops;
	case SOURCE_TYPE_FREERUN:
		return &source_freerun_ops;
	}
	return NULL;
}

enum source_state source_update(struct source *s, int64_t now)
{
	struct reading r = {0}; /* what a source does not state is 0 */

	s->state = s->ops->query(s, now, &r);
	if (s->state == SOURCE_OK)
		s->last = r;
	return s->state;
}

struct estimator *source_estimator_new(const struct source_config *cfg)
{
	struct estimator_config ec = {
		.method = cfg->estimator,
		.confidence = cfg->confidence,
		.window = cfg->window,
		.initial_ns = cfg->initial_ns,
		.asymmetry_ns = cfg->asymmetry_ns,
		.horizon_ns = cfg->horizon_ns,
	};

	return estimator_new(&ec);
}
