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
int view_timelines(const struct registry *reg, struct textbuf *tb);

#endif /* QOTFS_VIEWS_H */
