/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_exchange.h - what one two-way exchange says, and a short window of
 * them (pure: time comes in as arguments).
 *
 * A member reads its timeline at t1 (base clock b1) and sends; its upstream
 * receives at t2 and answers at t3 (its timeline); the member receives at t4
 * (base clock b4). Timestamps are taken so that t1/b1, t3 are not later than
 * the real sending and t2, t4/b4 not earlier than the real arrival (kernel
 * receive timestamps or reads after recvmsg; kernel transmit timestamps or
 * reads before sendto), so,
 * whatever the path asymmetry:
 *
 *   upstream - member timeline  in [t3 - t4, t2 - t1]   (the offset theta)
 *   upstream - base clock       in [t3 - b4, t2 - b1]   (phi: what syncd's
 *                                                       discipline reads)
 *
 * plus the relative drift of the two clocks over the exchange. With the
 * upstream's published uncertainty (true time in [U - below, U + above]),
 * true time - base clock at b4 lies within
 *
 *   [phi - half - drift*(b4 - b1) - noise - up_below,
 *    phi + half + drift*(b4 - b1) + noise + up_above]
 *
 * with phi the midpoint and half = delay/2, or max_asymmetry/2 when a
 * smaller one is configured (a known bound on the one-way delays'
 * difference). Later, the same interval grows by drift per ns of base time.
 */
#ifndef SYNCD_PEER_EXCHANGE_H
#define SYNCD_PEER_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

struct peer_stamps {
	int64_t t1, t4;		     /* member timeline, ns */
	int64_t b1, b4;		     /* member base clock (CLOCK_REALTIME) at t1 and t4 */
	int64_t t2, t3;		     /* upstream timeline, ns */
	uint64_t up_below, up_above; /* the upstream's published bounds around t2..t3 */
};

struct peer_exchange_config {
	double drift; /* bound on |rate(upstream timeline) - rate(base clock)|, fraction */
	uint64_t max_asymmetry; /* ns; 0: unknown (the whole delay counts) */
	uint64_t noise;		/* ns added on each side (timestamp quantisation) */
};

struct peer_measurement {
	int64_t at;	     /* base instant (b4) the offset is for */
	int64_t offset;	     /* theta: upstream - member timeline, ns (midpoint) */
	int64_t base_offset; /* phi: upstream - base clock, ns (midpoint) */
	uint64_t delay;	     /* round trip minus the upstream's turnaround, base-clock ns */
	uint64_t half;	     /* the asymmetry allowance used: delay/2 or max_asymmetry/2 */
	uint64_t below;	     /* true - (base + phi) >= -below at `at` */
	uint64_t above;	     /* true - (base + phi) <= above at `at` */
};

/*
 * One exchange. 0, or -EINVAL when the timestamps cannot come from one
 * exchange (t4 < t1, b4 < b1, t3 < t2, a negative delay, more than 2^62 ns
 * apart: a broken or hostile upstream), *out then untouched.
 */
int peer_exchange_measure(const struct peer_exchange_config *cfg, const struct peer_stamps *s,
			  struct peer_measurement *out);

/* The measurement carried to base instant now (>= m->at): same offsets, the
 * bounds grown by drift * (now - at), rounded up, saturating. */
void peer_exchange_age(const struct peer_measurement *m, double drift, int64_t now,
		       struct peer_measurement *out);

/*
 * The filter: the last PEER_FILTER_MAX measurements of one upstream; the
 * best at an instant is the one whose interval, aged to then, is narrowest
 * (for equal upstream bounds: the minimum-delay sample, the one with the
 * least room for asymmetry).
 */
#define PEER_FILTER_MAX 8

struct peer_filter {
	struct peer_measurement m[PEER_FILTER_MAX];
	size_t n, next, window;
};

/* window: samples kept, 1..PEER_FILTER_MAX (clamped). */
void peer_filter_init(struct peer_filter *f, size_t window);
void peer_filter_add(struct peer_filter *f, const struct peer_measurement *m);
/* Forget every sample (a new upstream: its samples say nothing of the old). */
void peer_filter_reset(struct peer_filter *f);
/* The best sample aged to now. 0, or -EAGAIN when empty. Samples from after
 * now (a base clock stepped back) are skipped. */
int peer_filter_best(const struct peer_filter *f, double drift, int64_t now,
		     struct peer_measurement *out);

/*
 * Where the filter's samples together put true time - base clock at base
 * instant now, relative to ref (ns; keeps the doubles' precision), when
 * the upstream's timeline runs at freq against the base clock (fraction)
 * within +-drift: each sample's interval carried forward at freq and
 * widened by drift x its age; all of them hold, so the truth is in their
 * intersection. Samples that contradict each other (an empty intersection:
 * some rate or upstream bound was wrong, and nothing says which) leave
 * only their hull (hull set). Samples from after now are skipped.
 * 0, or -EAGAIN when none is left.
 */
struct peer_span {
	double lo, hi;	/* ns relative to ref */
	uint64_t half;	/* the smallest asymmetry allowance among the samples */
	int64_t newest; /* base instant of the newest sample */
	int hull;	/* 1: the samples contradicted each other */
};

int peer_filter_span(const struct peer_filter *f, int64_t ref, double freq, double drift,
		     int64_t now, struct peer_span *out);

#endif /* SYNCD_PEER_EXCHANGE_H */
