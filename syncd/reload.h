/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reload.h - SIGHUP: syncd restarts itself, in place, with the
 * configuration on disk. The new file is validated first, with the run
 * lock it needs (a bad file, or a lock held by another syncd, changes
 * nothing: the old configuration goes on). Then syncd re-executes
 * /proc/self/exe with its arguments, handing the run lock's descriptor and
 * the absolute configuration path across exec in the environment, so the
 * lock is never free in between and the new image, already detached, logs
 * where the old one did. The new image resumes every timeline from the
 * parameters already in its ctl.
 */
#ifndef SYNCD_RELOAD_H
#define SYNCD_RELOAD_H

#include <stdbool.h>

#include "config.h"

struct reload {
	const char *config_path;    /* absolute: a detached syncd runs in / */
	const char *mount_override; /* --mount */
	int lock_fd;		    /* the run lock held */
	int next_lock_fd;	    /* the one the new image gets */
};

/* Whether this image was started by a reload (so it is detached already). */
bool reload_resumed(void);

/*
 * The configuration file to use: the one a reload handed over, else given,
 * else CONFIG_DEFAULT_PATH if it exists (NULL: none); relative paths made
 * absolute. In an image started by a reload, logging goes to syslog at once
 * unless to_stderr (the old image could not have had a terminal).
 */
const char *reload_config_path(const char *given, bool to_stderr);

/* Take the run lock for c into r->lock_fd: the one a reload handed over,
 * else a new one. 0, or -1 after logging why. */
int reload_take_lock(struct reload *r, const struct syncd_config *c);

/* SIGHUP: can syncd restart with the configuration on disk (cur is the one
 * running)? Logs the answer. */
bool reload_prepare(struct reload *r, const struct syncd_config *cur);

/* Re-execute (after reload_prepare said yes); returns only on failure, logged. */
void reload_exec(struct reload *r, char **argv);

#endif /* SYNCD_RELOAD_H */
