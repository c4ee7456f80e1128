/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mirror.h - the timelines of the local mount, mirrored into ZooKeeper and
 * back. For every local timeline coordd watches the cluster's members and
 * election and writes them to the timeline's members file; for every
 * timeline in use it also keeps this node's member node (holding its
 * effective requirement) and its election candidate. Work is done by
 * reconciling dirty timelines when connected; a call that fails because the
 * connection did leaves the timeline dirty for the next pass.
 */
#ifndef COORDD_MIRROR_H
#define COORDD_MIRROR_H

#include <stdbool.h>
#include <stddef.h>

#include "local.h"
#include "names.h"
#include "reqline.h"
#include "session.h"

struct tl_mirror {
	char name[QOT_NAME_MAX + 1];
	bool in_use;	    /* listed in .active */
	struct qot_req req; /* its effective requirement there */
	bool dirty;	    /* reconcile at the next pass */
	bool seen;	    /* scratch: listed by the last refresh */
	int epoch;	    /* the session the ZooKeeper state below belongs to */
	bool member;	    /* our member node exists, holding published */
	struct qot_req published;
	bool swept;			   /* leftovers of old sessions removed (this epoch) */
	char candidate[QOT_NAME_MAX + 16]; /* our election child, "" if none */
	char *written;			   /* the members text last written locally */
	int last_rc;			   /* the last pass's ZooKeeper error, logged once */
};

struct mirror {
	struct session *s;
	struct local *local;
	const char *node;
	struct tl_mirror *tls; /* sorted by name */
	size_t n, cap;
	int parents_epoch; /* the session in which /qot/timelines was ensured */
};

void mirror_init(struct mirror *m, struct session *s, struct local *local, const char *node);
void mirror_free(struct mirror *m);

/* Re-read .timelines and .active: track new timelines, forget removed ones
 * (withdrawing from them), mark changed ones dirty. 0 or -errno. */
int mirror_refresh(struct mirror *m);
/* A watch fired on a path of this timeline. */
void mirror_touch(struct mirror *m, const char *tl);
/* Everything is to be read again (reconnected, new session, events lost, or
 * the local mount came back: forget what was written locally too). */
void mirror_touch_all(struct mirror *m, bool local_too);
/* Reconcile every dirty timeline while connected. Number still dirty. */
size_t mirror_sync(struct mirror *m);
/* Leaving: withdraw from every timeline (members text first, then nodes). */
void mirror_withdraw_all(struct mirror *m);

#endif /* COORDD_MIRROR_H */
