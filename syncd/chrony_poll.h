/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chrony_poll.h - the knob syncd turns on a chronyd: the polling interval
 * of one of its NTP sources (minpoll = maxpoll = the poll chosen), set over
 * chronyd's command socket as `chronyc minpoll`/`maxpoll` do.
 *
 * Modifying commands are accepted only on chronyd's Unix socket (root or
 * chronyd's user); over UDP chronyd refuses them. A refusal, an unknown
 * source, a chronyd that is not there or does not answer: each is reported
 * (the return value and chrony_poll_error()) and remembered, and the same
 * poll is not asked again - no retry loop - until another poll is asked
 * for or chrony_poll_forget() is called (say, when chronyd was restarted
 * and forgot every change). Each request waits at most QUERY_TIMEOUT_MS.
 */
#ifndef SYNCD_CHRONY_POLL_H
#define SYNCD_CHRONY_POLL_H

#include <stdint.h>

#include "chrony_proto.h"
#include "control.h"
#include "control_timeline.h"

struct chrony_poll_config {
	const char *socket;  /* chronyd's Unix command socket, or NULL for UDP: */
	const char *address; /*   its command address (numeric) */
	unsigned port;	     /*   and port */
	const char *own;     /* our end of the Unix socket (a path chronyd may write to) */
	const char *source;  /* the NTP source whose polling is set (numeric address) */
};

struct chrony_poll; /* opaque */

/* 0, -EINVAL (a missing or non-numeric address, a path too long), -ENOMEM.
 * Nothing is sent yet. */
int chrony_poll_new(struct chrony_poll **out, const struct chrony_poll_config *cfg);
void chrony_poll_free(struct chrony_poll *p);
/*
 * Make the source poll every 2^poll s. 0 when chronyd took it (or took it
 * before: nothing sent); else, and also when it failed before for the same
 * poll (nothing sent then), -EACCES (refused: not authorised), -ENOENT (no
 * such source), -EBADMSG (refused otherwise), -ERANGE (a poll chronyd does
 * not accept), -ETIMEDOUT, or the socket's -errno.
 */
int chrony_poll_set(struct chrony_poll *p, int poll);
/* Forget what was set or refused: the next chrony_poll_set() asks again. */
void chrony_poll_forget(struct chrony_poll *p);
/* The last failure for people ("" if the last set worked). */
const char *chrony_poll_error(const struct chrony_poll *p);
/* Requests sent so far. */
uint64_t chrony_poll_sent(const struct chrony_poll *p);

/* The knob for control_timeline: each interval as the poll whose interval
 * is the largest not above it (chrony_cmd_poll_of), set with
 * chrony_poll_set; p must outlive the knob. */
void chrony_poll_knob(struct chrony_poll *p, struct control_knob *out);

/*
 * What a tracking report says of chronyd's synchronization, for the
 * controller (pure): the floor is the bound chronyd documents (root delay / 2
 * + root dispersion) taken back to its last update (the dispersion grew at
 * the drift since), the noise its rms offset, the drift maxdrift (fraction)
 * plus its skew and residual frequency. now: the base instant of the report.
 */
void chrony_poll_quality(const struct chrony_tracking *t, int64_t now, double maxdrift,
			 struct control_quality *out);

#endif /* SYNCD_CHRONY_POLL_H */
