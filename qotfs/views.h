/* SPDX-License-Identifier: Apache-2.0 */
/*
 * views.h - the text of each readable file, rendered into a snapshot that
 * the open file then serves (reads at offset 0 render afresh).
 */
#ifndef QOTFS_VIEWS_H
#define QOTFS_VIEWS_H

#include "registry.h"
#include "textbuf.h"
#include "timeline.h"

/* Each returns 0 or -ENOMEM. */
int view_now(struct pusher *p, struct timeline *tl, struct textbuf *tb);
int view_binding(const struct binding *b, struct textbuf *tb);
int view_bindings(const struct timeline *tl, struct textbuf *tb);
int view_requirements(const struct timeline *tl, struct textbuf *tb);
int view_params(struct pusher *p, struct timeline *tl, struct textbuf *tb);
int view_sync(struct pusher *p, struct timeline *tl, struct textbuf *tb);
int view_timelines(struct registry *reg, struct textbuf *tb);

/* Coordination: the timelines in use, the coordinator, a timeline's members
 * and its cluster-wide summary (evaluated at the instant of the read). */
int view_active(struct registry *reg, struct textbuf *tb);
int view_coordination(const struct registry *reg, struct textbuf *tb);
int view_members(const struct registry *reg, const struct timeline *tl, struct textbuf *tb);
int view_cluster(const struct registry *reg, const struct timeline *tl, struct textbuf *tb);
/* What, besides the membership, members and cluster show depends on now:
 * a rendering stays true while this (positive) key holds. */
int64_t view_coord_key(const struct registry *reg);

#endif /* QOTFS_VIEWS_H */
