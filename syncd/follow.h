/*
 * follow.h - the timelines of a qotfs mount, as syncd sees them.
 *
 * Attached, the follower holds /qot/.timelines open (poll it for POLLPRI:
 * the list changed) and each timeline's ctl open for writing. A refresh
 * reads the list and adds or drops timelines, sorted by name. Errors that
 * mean the mount is gone (qotfs stopped or restarted) detach everything;
 * the caller attaches again later.
 */
#ifndef SYNCD_FOLLOW_H
#define SYNCD_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "discipline.h"
#include "names.h"

struct tl_state {
	char name[QOT_NAME_MAX + 1];
	int ctl_fd;
	struct discipline disc;
	const struct timeline_rule *rule;
	bool fresh; /* added by the last refresh: publish at once */
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
/* Write p (with the source's name) to t's ctl. 0, -ENOENT (timeline gone), or -errno
 * that detached the follower. */
int follower_publish(struct follower *f, struct tl_state *t, const struct qot_clock_params *p,
		     const char *source);

#endif /* SYNCD_FOLLOW_H */
