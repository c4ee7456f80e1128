/* SPDX-License-Identifier: Apache-2.0 */
/*
 * local.h - coordd's side of the local qotfs mount. Attached, it holds
 * /qot/.timelines (every timeline) and /qot/.active (those in use, with
 * their effective requirement) open, to read them and to poll them for
 * POLLPRI (changed). It writes each timeline's members file and the
 * coordinator's lease (/qot/.coordination), which qotfs accepts only from a
 * privileged caller. An error that means the mount went away (qotfs stopped
 * or restarted) detaches; the caller attaches again later.
 */
#ifndef COORDD_LOCAL_H
#define COORDD_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct local {
	const char *root;
	int timelines_fd, active_fd; /* -1: detached */
	char *buf;
	size_t cap;
};

void local_init(struct local *l, const char *root);
void local_free(struct local *l);
bool local_attached(const struct local *l);
/* 0 or -errno (not mounted, not qotfs...). */
int local_attach(struct local *l);
void local_detach(struct local *l);

/* The whole text of .timelines or .active, NUL-terminated in l->buf; its
 * length, or -errno (detached if the mount is gone). */
ssize_t local_read_timelines(struct local *l);
ssize_t local_read_active(struct local *l);

/* Write a timeline's members file in one write. 0, -ENOENT (no such
 * timeline), or -errno (detached if the mount is gone). */
int local_write_members(struct local *l, const char *tl, const char *text, size_t len);
/* Write the lease line to /qot/.coordination. 0 or -errno. */
int local_write_lease(struct local *l, const char *text, size_t len);

#endif /* COORDD_LOCAL_H */
