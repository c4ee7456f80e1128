/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_berkeley.h - one round of the Berkeley algorithm (Gusella and Zatti):
 * the root measured every member's offset from its own timeline; the
 * ensemble's time is the average of the clocks it trusts, the root's
 * included (offset 0). Trusted: a measurement whose round trip is within
 * max_delay and whose offset lies within threshold of the median of all
 * usable offsets (the root's among them), so one clock far off cannot drag
 * the average; it is left out, reported, and still sent its correction, so
 * it is brought to the ensemble's time. Pure.
 */
#ifndef SYNCD_PEER_BERKELEY_H
#define SYNCD_PEER_BERKELEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Offsets beyond this are no measurement (and keep every sum exact). */
#define PEER_BERKELEY_MAX_OFFSET ((int64_t)1 << 60)

struct peer_berkeley_config {
	uint64_t threshold; /* ns from the median beyond which a clock is left out */
	uint64_t max_delay; /* ns; 0: any round trip */
};

struct peer_berkeley_member {
	bool measured;	/* an exchange answered this round */
	int64_t offset; /* member timeline - root timeline, ns */
	uint64_t delay; /* its round trip, ns */
};

enum peer_berkeley_verdict {
	PEER_BK_USED,	 /* in the average */
	PEER_BK_FAR,	 /* beyond threshold from the median: left out, corrected */
	PEER_BK_SLOW,	 /* round trip over max_delay: left out, corrected */
	PEER_BK_UNKNOWN, /* not measured (or offset out of range): no correction */
};

struct peer_berkeley_result {
	int64_t median;		 /* of the usable offsets, the root's 0 included */
	int64_t average;	 /* the ensemble's time - the root's timeline, ns */
	int64_t root_correction; /* what the root adds to its own timeline (= average) */
	size_t used;		 /* clocks in the average, the root's included when trusted */
	size_t left_out;	 /* members measured but left out (far, slow) */
};

/*
 * One round over n members. correction[i] (what member i adds to its
 * timeline: average - offset[i]; 0 when unknown) and verdict[i] are filled
 * for every member. 0, or -EINVAL for n too large (> 4096).
 */
int peer_berkeley_round(const struct peer_berkeley_config *cfg,
			const struct peer_berkeley_member *m, size_t n, int64_t *correction,
			enum peer_berkeley_verdict *verdict, struct peer_berkeley_result *res);

const char *peer_berkeley_verdict_name(enum peer_berkeley_verdict v);

#endif /* SYNCD_PEER_BERKELEY_H */
