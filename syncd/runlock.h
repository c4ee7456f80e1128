/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runlock.h - one syncd per mount: two would publish over each other.
 *
 * A lock (flock) on RUNDIR/syncd_MOUNT.lock, named after the mount path as
 * written, with repeated and trailing slashes and "." components dropped (it
 * does not resolve symlinks: resolving would stat the mount, which hangs on
 * a hung qotfs). The lock file holds the owner's pid. A reload passes the
 * descriptor across exec, so the lock is never free in between.
 */
#ifndef SYNCD_RUNLOCK_H
#define SYNCD_RUNLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Create the run directory (with its parents) and take the mount's lock.
 * The descriptor (close-on-exec), or -1 with the reason in msg. */
int runlock_take(const struct syncd_config *c, char *msg, size_t msglen);
/* Whether a and b name the same lock file (by name, or by inode if both exist). */
bool runlock_same(const struct syncd_config *a, const struct syncd_config *b);
/* An inherited descriptor, if it is c's lock and holds it: the descriptor
 * (close-on-exec again), else -1. */
int runlock_adopt(const struct syncd_config *c, int fd);
/* Write the caller's pid into the lock file; -errno on failure. */
int runlock_note_pid(int fd);

#endif /* SYNCD_RUNLOCK_H */
