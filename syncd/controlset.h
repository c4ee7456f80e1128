/* SPDX-License-Identifier: Apache-2.0 */
/*
 * controlset.h - the effort controller for every timeline syncd serves with
 * a `control ... on` line (syncd(8), CONTROL): one control_timeline each.
 *
 * It subscribes to the mount follower's timelines, like publisher.c. For
 * each controlled timeline it holds the timeline's `requirements` and
 * `cluster` open and polls them (the loop polls its descriptors: no busy
 * loop); when either changes it reads both and decides at once. At every
 * interval it takes the quality of the timeline's source (chronyd's
 * tracking; else the bound of its last reading) and decides again. What it
 * chose is logged at notice and handed to the note's writer (syncnote.h,
 * controlset_attach_note: `sync` shows it), only when it changed.
 *
 * The knob: a chrony source with a `server` turns that chronyd's polling of
 * the server; the timelines on one such source share one poll, the tightest
 * any of them wants. When the source reconnected to its chronyd (a restart
 * forgets every change) the poll is set again. A peer timeline's exchange
 * interval is turned through the hook controlset_set_peer (peerset.c's
 * peerset_attach_control: the exchanges scheduled at the interval chosen,
 * the quality from peer_timeline_quality). A timeline
 * with neither is assessed, not turned.
 */
#ifndef SYNCD_CONTROLSET_H
#define SYNCD_CONTROLSET_H

#include <poll.h>
#include <stdbool.h>

#include "config.h"
#include "control_timeline.h"
#include "follower.h"
#include "sourceset.h"

#define CONTROLSET_POLLFDS 128 /* descriptors at most: two per controlled timeline */

struct controlset;

/* The knob and quality of timelines syncd runs itself (peer timelines). */
struct controlset_peer {
	/* A knob for the timeline (its exchange interval), or false: not one of
	 * these. The knob's ctx must live as long as the timeline is followed. */
	bool (*knob)(void *ctx, const char *timeline, struct control_knob *out);
	/* Its quality now, or false: nothing measured. */
	bool (*quality)(void *ctx, const char *timeline, struct control_quality *out);
	void *ctx;
};

/* Subscribes to f's timelines. NULL if out of memory. */
struct controlset *controlset_new(const struct syncd_config *cfg, const struct sourceset *sources,
				  struct qot_follower *f);
void controlset_free(struct controlset *cs);
/* Timelines found from now on take their knob and quality from peer first. */
void controlset_set_peer(struct controlset *cs, const struct controlset_peer *peer);
/* Its fields go into the timelines' notes through sn, the last of sn's
 * providers (the reason ends in free text). 0, -ENOSPC. */
struct syncnote;
int controlset_attach_note(struct controlset *cs, struct syncnote *sn);
/* The interval came: quality in, decide, turn, tell what changed. */
void controlset_tick(struct controlset *cs);
/* The requirement files to poll, into fds (at most n); their number. */
int controlset_pollfds(const struct controlset *cs, struct pollfd *fds, int n);
/* What poll said of them: read what changed, decide. */
void controlset_handle(struct controlset *cs, const struct pollfd *fds, int n);

#endif /* SYNCD_CONTROLSET_H */
