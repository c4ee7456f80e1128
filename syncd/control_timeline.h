/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_timeline.h - one controlled timeline as syncd's loop will drive
 * it (syncd(8), CONTROL): the controller (control.h), the requirement read
 * from qotfs's files (control_req.h) and the knob it turns (chronyd's
 * polling, a peer timeline's exchange rate), with what `sync` shows and
 * what is worth a log line.
 *
 *   requirement  the cluster and requirements texts, whenever a poll says
 *                they changed
 *   update       a quality measured (at each exchange or poll): decide,
 *                and turn the knob if the interval changed
 *   format       the fields qot(7) describes for `sync`
 *
 * The knob is turned only when the interval changes; a knob that refused
 * is not asked again for the same interval, and its refusal is reported
 * once (CONTROL_TIMELINE_KNOB), then shown in the reason until it works.
 */
#ifndef SYNCD_CONTROL_TIMELINE_H
#define SYNCD_CONTROL_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "control.h"

struct control_knob {
	/* Make the effort interval (ns). 0, or -errno with why (for people). */
	int (*apply)(void *ctx, int64_t interval, char *why, size_t whylen);
	void *ctx;
	unsigned msgs_per_exchange; /* 2 for an exchange (request, answer), 1 for a Sync */
};

/* Beyond CONTROL_CHANGED_*: the knob refused (a new refusal), or works again. */
enum { CONTROL_TIMELINE_KNOB = 4 };

#define CONTROL_TIMELINE_LINE_MAX 512

struct control_timeline; /* opaque */

/* knob may be NULL (nothing to turn: the effort is only reported). 0,
 * -EINVAL (cfg, with err), -ENOMEM. */
int control_timeline_new(struct control_timeline **out, const struct control_config *cfg,
			 const struct control_knob *knob, char *err, size_t errlen);
void control_timeline_free(struct control_timeline *ct);
/* cluster (NULL: no such file) and requirements as read. 0, or -EINVAL:
 * unreadable, the last requirement is kept. */
int control_timeline_requirement(struct control_timeline *ct, const char *cluster, size_t clen,
				 const char *requirements, size_t rlen);
/* Decide with quality q, turn the knob if needed. The CONTROL_CHANGED_* and
 * CONTROL_TIMELINE_KNOB bits; with any of them, a line for the log in log
 * ("" otherwise). */
unsigned control_timeline_update(struct control_timeline *ct, const struct control_quality *q,
				 char *log, size_t loglen);
/* " effort=controlled interval=S msgs=N/s control=STATE reason=TEXT" (qot(7)
 * sync). Its length, or -ENOSPC. */
int control_timeline_format(const struct control_timeline *ct, char *buf, size_t size);
void control_timeline_status(const struct control_timeline *ct, struct control_status *out);
/* What the knob said when it last refused ("" when it took the interval). */
const char *control_timeline_refusal(const struct control_timeline *ct);

#endif /* SYNCD_CONTROL_TIMELINE_H */
