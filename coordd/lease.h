/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lease.h - the coordinator's lease, written to /qot/.coordination: qotfs
 * lets this node claim leadership only until the instant written there
 * (CLOCK_BOOTTIME, absolute). It runs only as far as the session is
 * certainly alive (session_lease_until), and only once everything was read
 * again in this session and this mount: until then, and whenever the
 * session is reset, none is written (the last one runs out).
 */
#ifndef COORDD_LEASE_H
#define COORDD_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "follower.h"
#include "session.h"

struct lease;

/* Subscribes to f (a new mount: a new lease once read). NULL if out of memory. */
struct lease *lease_new(const char *node, struct session *s, struct qot_follower *f);
void lease_free(struct lease *l);
/* Everything is being read again: no lease until done. */
void lease_resync(struct lease *l);
/* After a pass that left dirty timelines: extend the lease if it may be. */
void lease_update(struct lease *l, int64_t now, size_t dirty);
/* Stop claiming (leaving): a lease that has run out. */
void lease_withdraw(struct lease *l);

#endif /* COORDD_LEASE_H */
