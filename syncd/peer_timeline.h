/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_timeline.h - one timeline served by its cluster: the module syncd's
 * loop subscribes per `timeline NAME peer` line (syncd.conf(5)).
 *
 * It owns the failover state machine (peer_upstream.h), the filter of
 * exchanges (peer_exchange.h) and, at a root without a reference, the
 * Berkeley rounds (peer_berkeley.h); it talks through the shared endpoint
 * (peer_sock.h). The loop drives it with events and takes readings out:
 *
 *   set_peers      the election order with each node's peer address
 *                  (coordd publishes them; syncd reads qotfs's files)
 *   set_stale      this node's coordination lease ran out (or is back)
 *   set_reference  the timeline's own sources are synced (chrony, ptp, ...)
 *   tick           one sync interval: account, fail over, send requests
 *   reading        what to feed the discipline (or the estimator): true time
 *                  relative to the base clock with bounds, like any source
 *
 * A member following an upstream reads the upstream's timeline through its
 * exchanges: the estimator (estimator.h) learns the upstream's offset and
 * rate from them, and the bounds are where every exchange of the filter,
 * carried forward at that rate plus or minus the learned bound on its error
 * (never more than the configured drift), says true time must be: the
 * intersection of their intervals, each including the upstream's own
 * bounds. Until the estimator has seen enough (or with `learn` off) the
 * rate is the base clock's and the bound the configured drift. In
 * Berkeley mode (the root has no reference) the root measures every member
 * each round, moves itself to the fault-tolerant average and sends each
 * member its correction; a member's reading is then the correction it was
 * sent (the ensemble's time at the instant it answered), and its own
 * exchanges with the root only keep it alive (failover) and informed.
 */
#ifndef SYNCD_PEER_TIMELINE_H
#define SYNCD_PEER_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "peer_berkeley.h"
#include "peer_exchange.h"
#include "peer_sock.h"
#include "peer_upstream.h"
#include "source.h"

struct peer_timeline_config {
	struct peer_upstream_config up; /* missed (K), join */
	struct peer_exchange_config ex; /* drift, max_asymmetry, noise */
	struct peer_berkeley_config bk; /* threshold, max_delay */
	size_t window;			/* exchanges in the filter */
	bool learn;	 /* learn the upstream's rate and its bound (else: drift, rate 0) */
	int64_t horizon; /* ns: the holdover the learned hold_drift must cover */
	int64_t max_age; /* ns: older measurements are no reading */
	int (*params)(void *ctx, struct qot_clock_params *p, int64_t *base_now);
	void *params_ctx; /* the timeline's clock (qot_clock_params_read) */
};

struct peer_addr {
	char node[QOT_NAME_MAX + 1];
	struct sockaddr_storage addr;
	socklen_t len;
};

/* What the sync file says (syncd(8)). */
struct peer_timeline_state {
	enum peer_role role;
	const char *upstream; /* NULL unless following */
	uint32_t epoch;
	bool berkeley;	 /* the root averages (no reference at the root) */
	int64_t last_ok; /* base instant of the last usable answer, 0: none */
	uint64_t delay;	 /* of the best exchange */
	size_t left_out; /* Berkeley: members left out of the last average */
	const char *const *left_out_nodes;
};

struct peer_timeline; /* opaque */

int peer_timeline_new(struct peer_timeline **out, struct peer_sock *sock, const char *timeline,
		      const char *self, const struct peer_timeline_config *cfg);
void peer_timeline_free(struct peer_timeline *pt);

/* The election order, leader first, with addresses (self included). 0, -EINVAL, -E2BIG. */
int peer_timeline_set_peers(struct peer_timeline *pt, const struct peer_addr *peers, size_t n);
void peer_timeline_set_stale(struct peer_timeline *pt, bool stale);
void peer_timeline_set_reference(struct peer_timeline *pt, bool has_reference);
/* The exchange interval the controller chose (ns; 0: every tick, the
 * default): readings stay fresh for max_age or three intervals, whichever
 * is longer. The loop schedules the ticks (peerset.c). */
void peer_timeline_set_interval(struct peer_timeline *pt, int64_t interval);
/* The quality for the controller (control.h) at base instant now: floor the
 * mean bound of the filter's exchanges (each the half-delay allowance and
 * the upstream's bound), noise the spread of their offsets (around their
 * trend) and of their bounds, drift the configured bound. false: nothing
 * measured (not following, no exchange yet). */
struct control_quality;
bool peer_timeline_quality(const struct peer_timeline *pt, int64_t now,
			   struct control_quality *out);
/* One interval, at base instant now. */
void peer_timeline_tick(struct peer_timeline *pt, int64_t now);
/* The reading at base instant now: 0, or -EAGAIN (none fresh: holdover, or
 * a root with a reference, which reads its own sources). */
int peer_timeline_reading(struct peer_timeline *pt, int64_t now, struct reading *r);
void peer_timeline_state(const struct peer_timeline *pt, struct peer_timeline_state *out);
/*
 * The state as the sync file will show it, one line of KEY=VALUE words:
 *   peer=ROLE [upstream=NODE] epoch=N [age=SECONDS] [delay=SECONDS]
 *   [mode=berkeley] [excluded=NODE,NODE...] [backups=NODE,NODE...]
 * ROLE is joining, root, follow or alone; age is of the last usable answer
 * at base instant now. Its length, or -ENOSPC.
 */
int peer_timeline_describe(const struct peer_timeline *pt, int64_t now, char *buf, size_t size);

#endif /* SYNCD_PEER_TIMELINE_H */
