/* SPDX-License-Identifier: Apache-2.0 */
/*
 * source_freerun.c - a local free-running clock for tests and demos: the
 * host clock (CLOCK_REALTIME) with a set offset and frequency error,
 *
 *   time = base + offset + freq * (base - start)
 *
 * start being the base instant the source was opened. It stands for an
 * oscillator of its own (a node with no reference, a clock started off by a
 * known amount), so several nodes on one machine, sharing one kernel clock,
 * can disagree by known amounts. With `reference yes` the operator states
 * that this is true time within `minbound` (default 1 us): offset 0 and
 * freq 0 on a host whose clock is the truth, as in the tests; it is then a
 * reference for a peer timeline (syncd.conf(5)). With `reference no` (the
 * default) nothing vouches for it but the host clock it runs from, and its
 * bound says how far it has moved from that clock: minbound + |offset now|,
 * so it stays honest wherever the host clock is (a node started 10 s off
 * says so). Its drift bound is `maxdrift` (default 1 ppm) plus |freq|.
 * Never changes the host clock.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rate.h"
#include "source.h"

struct freerun {
	int64_t start;
};

static int freerun_open(struct source *s)
{
	struct freerun *f = calloc(1, sizeof(*f));
	struct timespec ts;

	if (f == NULL) {
		snprintf(s->detail, sizeof(s->detail), "out of memory");
		return -ENOMEM;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	f->start = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	s->priv = f;
	return 0;
}

static enum source_state freerun_query(struct source *s, int64_t now, struct reading *r)
{
	const struct source_config *c = s->cfg;
	struct freerun *f = s->priv;
	uint64_t b = (uint64_t)c->minbound_ns;
	double drift = c->maxdrift;

	r->at = now;
	r->offset = c->offset_ns + (int64_t)nearbyint(c->freq * (double)(now - f->start));
	r->freq = rate_from_frac(c->freq);
	if (!c->reference) {
		/* As far from the host clock as it has moved, and moving on. */
		b += (uint64_t)(r->offset < 0 ? -r->offset : r->offset);
		drift += fabs(c->freq);
	}
	r->below = r->above = b;
	r->drift = r->hold_drift = bound_rate_from_frac(drift);
	r->asym = 0;
	r->stat = b;
	snprintf(s->detail, sizeof(s->detail), "free-running: offset %lld ns, %+.3f ppm, %s",
		 (long long)r->offset, c->freq * 1e6,
		 c->reference ? "a reference" : "no reference");
	return SOURCE_OK;
}

static void freerun_close(struct source *s)
{
	free(s->priv);
	s->priv = NULL;
}

const struct source_ops source_freerun_ops = {freerun_open, freerun_query, freerun_close};
