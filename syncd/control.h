/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control.h - how hard one timeline's synchronization must work: the sync
 * effort that meets the timeline's required accuracy with a margin, and no
 * more (syncd(8), CONTROL).
 *
 * Pure: no clocks, no sockets. The loop feeds it the requirement (qotfs's
 * `cluster` when a coordinator runs, else `requirements`) and, at every
 * exchange or poll, the measured quality of the timeline's synchronization;
 * it answers with the exchange (or poll) interval to use and whether the
 * requirement is met, unmeetable, or unknown, with a reason for people.
 *
 * The model. Right after an exchange the timeline is known within `floor`
 * (what no rate removes: the path's asymmetry allowance, the upstream's or
 * the source's own bound) plus k times the measured per-exchange noise; from
 * there the bound grows at `drift` (the drift bound, or the measured wander)
 * until the next usable exchange. With `misses` exchanges allowed to be lost
 * in a row, the bound just before the next usable one, at interval T, is
 *
 *   B(T) = floor + k * noise + drift * (misses + 1) * T
 *
 * The controller keeps B(T) within (1 - margin) of the required accuracy
 * (the tighter of its two sides): the largest such T, clamped to
 * [min, max]. Intervals are chosen from levels - min, the powers of two of
 * a second between, and max - so that small changes of the measured quality
 * change nothing.
 *
 * No flapping: a tighter requirement or a worse quality takes effect at
 * once (faster); a slower level is taken only after `hold` new measurements
 * in a row (an update with the same quality as the last is no evidence: the
 * loop may decide several times between two exchanges) found that 1.5 times
 * the next level up would fit, one level at a time, and fit even with the
 * base (floor + k * noise) as high as the recent measurements make likely:
 * their moving mean plus k times their moving standard deviation (over some
 * 8 measurements). So a path whose base swings does not lengthen the
 * interval on its good measurements for the next bad one to shorten it
 * again. A requirement change is an event, not noise: it moves straight to
 * the level it needs, both ways.
 *
 * When the requirement cannot be met even at min: if the floor alone
 * exceeds it (a typical exchange is too wide: the source limits, not the
 * rate), no rate helps and the controller aims at the best bound that can
 * be had, floor + k * noise, with the same margin, rather than spending
 * messages for nothing; if the floor fits but not its noise (some exchanges
 * meet the requirement, the more exchanges the more often), or the rate
 * limits, it runs at min. Either way the state says unmeetable, with the
 * reason.
 */
#ifndef SYNCD_CONTROL_H
#define SYNCD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reqline.h"

#define CONTROL_REASON_MAX 160

struct control_config {
	int64_t min_interval; /* ns: the fastest effort allowed (> 0) */
	int64_t max_interval; /* ns: the slowest, used with no requirement (>= min) */
	double margin;	      /* fraction of the required accuracy kept spare, [0, 1) */
	double noise_k;	      /* multiples of the per-exchange noise in the bound (>= 0) */
	unsigned misses;      /* exchanges that may be lost in a row, requirement still met */
	unsigned hold;	      /* new measurements a slower level must fit first (>= 1) */
};

/* What is measured of the timeline's synchronization now. */
struct control_quality {
	uint64_t floor; /* ns: the bound right after an exchange; QOT_UNBOUNDED: unknown */
	uint64_t noise; /* ns: the per-exchange noise (standard deviation) */
	double drift;	/* fraction: growth of the bound per ns between exchanges */
	uint64_t seq;	/* moves with each new measurement; 0: not said (the values tell) */
};

enum control_state {
	CONTROL_NONE,	    /* no requirement: the slowest effort */
	CONTROL_MET,	    /* met with the margin */
	CONTROL_TIGHT,	    /* met only at min, without the full margin */
	CONTROL_UNMEETABLE, /* not met even at min */
	CONTROL_UNKNOWN,    /* no quality measured yet: min, to learn it quickly */
};

struct control_status {
	enum control_state state;
	int64_t interval;	/* ns: the effort chosen */
	uint64_t required;	/* ns: the tighter side of the requirement; QOT_UNBOUNDED: none */
	uint64_t predicted;	/* ns: B(interval); QOT_UNBOUNDED: unknown */
	double exchanges_per_s; /* 1 s / interval */
	char reason[CONTROL_REASON_MAX]; /* for people: why this effort, what limits it */
};

/* What an update changed: worth a log line, a write to sync, a knob turned. */
enum {
	CONTROL_CHANGED_INTERVAL = 1,
	CONTROL_CHANGED_STATE = 2,
};

struct control; /* opaque */

/* 0, or -EINVAL with what is wrong in err (a bad configuration), -ENOMEM. */
int control_new(struct control **out, const struct control_config *cfg, char *err, size_t errlen);
void control_free(struct control *c);
/* 0 if cfg is usable; else -EINVAL and what is wrong in err. */
int control_config_check(const struct control_config *cfg, char *err, size_t errlen);
/* Defaults: min 125 ms, max 64 s, margin 25%, k 3, misses 1, hold 3. */
void control_config_defaults(struct control_config *cfg);

/* The timeline's requirement changed (NULL or none: no requirement). Taken
 * into account at the next update. */
void control_set_requirement(struct control *c, const struct qot_req *req);
/* Decide with the quality measured now; CONTROL_CHANGED_* bits. The first
 * update always reports both. */
unsigned control_update(struct control *c, const struct control_quality *q);
void control_status(const struct control *c, struct control_status *out);
int64_t control_interval(const struct control *c);
const char *control_state_name(enum control_state s);

/* The pure parts, for tests and for an effort syncd cannot choose. */

/* B(interval), rounded up, saturating; QOT_UNBOUNDED when the floor is unknown. */
uint64_t control_predict(const struct control_config *cfg, const struct control_quality *q,
			 int64_t interval);
/* The largest interval (ns, unclamped, INT64_MAX if unlimited) at which the
 * predicted bound stays within budget; 0 if none does. */
int64_t control_largest(const struct control_config *cfg, const struct control_quality *q,
			uint64_t budget);
/*
 * An effort fixed by somebody else (a PTP slave cannot change its master's
 * sync interval): does interval meet req with quality q? Fills out (interval
 * as given; state MET, TIGHT - within the requirement, not the margin -,
 * UNMEETABLE, NONE or UNKNOWN) with a reason naming `who` fixes the rate.
 */
void control_assess_fixed(const struct control_config *cfg, const struct qot_req *req,
			  const struct control_quality *q, int64_t interval, const char *who,
			  struct control_status *out);

/* ns as people read them: 3 significant digits and a unit ("40us", "1.25s"). */
void control_format_ns(uint64_t ns, char *buf, size_t size);

#endif /* SYNCD_CONTROL_H */
