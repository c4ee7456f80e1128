/* SPDX-License-Identifier: Apache-2.0 */
/*
 * follow.h - the timelines of a qotfs mount, as syncd sees them.
 *
 * Attached, the follower holds /qot/.timelines open (poll it for POLLPRI:
 * the list changed) and the ctl of each timeline a rule serves (timelines
 * no rule names are left alone). A timeline is known by its ctl's inode
 * number, which qotfs never reuses, so one removed and created again under
 * the same name is a new timeline. A new timeline's discipline resumes from
 * the parameters it already has (a restarted syncd continues, it does not
 * jump back). Errors that mean the mount is gone (qotfs stopped or
 * restarted) detach everything; the caller attaches again later.
 */
#ifndef SYNCD_FOLLOW_H
#define SYNCD_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "discipline.h"
#include "names.h"
#include "params.h"

struct tl_state {
	char name[QOT_NAME_MAX + 1];
	int ctl_fd;
	ino_t ino; /* of its ctl: the timeline's identity */
	struct discipline disc;
	const struct timeline_rule *rule;
	char source[QOT_NAME_MAX + 1]; /* the source last used */
	bool fresh;		       /* added by the last refresh: publish at once */
};

struct follower {
	const struct syncd_config *cfg;
	int list_fd;	      /* -1: detached */
	struct tl_state *tls; /* sorted by name */
	size_t n, cap;
	char *buf; /* the listing */
	size_t bufcap;
};

void follower_init(struct follower *f, const struct syncd_config *cfg);
void follower_free(struct follower *f);
bool follower_attached(const struct follower *f);
/* Open the mount's list. 0, or -errno (not mounted, not qotfs...). */
int follower_attach(struct follower *f);
void follower_detach(struct follower *f);
/* Read the list; timelines added since are marked fresh. Count added, or -errno (detached). */
int follower_refresh(struct follower *f);
/*
 * Write p (with the source's name and the parts of its bound, if parts is
 * not NULL) to t's ctl. 0; -EAGAIN when the timeline
 * was replaced by a new one of the same name (t now follows it: compute
 * again and publish again); -ENOENT (gone); or an -errno that detached the
 * follower.
 */
int follower_publish(struct follower *f, struct tl_state *t, const struct qot_clock_params *p,
		     const char *source, const struct qot_bound_parts *parts);

#endif /* SYNCD_FOLLOW_H */
