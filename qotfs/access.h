/* SPDX-License-Identifier: Apache-2.0 */
/*
 * access.h - who may do what. The mount does not use the kernel's
 * default_permissions: uids inside user namespaces would be judged against
 * host modes, and root in a container would count as the host's root. The
 * daemon decides from the request's caller instead:
 *
 *   privileged  the daemon's own uid (root, normally), or the uid or group
 *               given by --privileged-uid/--privileged-gid (primary or
 *               supplementary), calling from the daemon's user namespace:
 *               never root inside a user namespace (a container that shares
 *               the host's user namespace runs as the host's root, and is
 *               privileged, as for any other file)
 *   owner bits  for a timeline's directory and requirements: its creator or
 *               a privileged caller; for every other file: privileged only
 *   other bits  everyone else
 */
#ifndef QOTFS_ACCESS_H
#define QOTFS_ACCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "nodes.h"

struct timeline;

struct caller {
	uid_t uid;
	gid_t gid;
	pid_t pid; /* thread id in the daemon's pid namespace; 0 if not visible */
};

/* Learn the daemon's uid and user namespace. 0 or -errno. */
int access_init(void);
/* Also trust uid and gid ((uid_t)-1, (gid_t)-1: nobody more). */
void access_trust(uid_t uid, gid_t gid);
/* The group shown on the daemon's files: the trusted group if any. */
gid_t access_group(gid_t daemon_gid);
bool access_privileged(const struct caller *c);
/* The daemon's own user namespace (inode number). */
ino_t access_daemon_userns(void);
/* The caller's user namespace (inode number), 0 if it cannot be seen. */
ino_t access_userns(const struct caller *c);
/* Whether a timeline created by uid must also record its creator's namespace. */
bool access_needs_userns(uid_t uid);
/*
 * The caller's user namespace, in *ns, and in *fd a descriptor that keeps it
 * alive (the kernel reuses the numbers of namespaces that are gone), or -1
 * when none is needed (the daemon's own; or the caller cannot be seen or
 * moved on: *ns is then 0). 0, or -errno (EMFILE...) when the descriptor
 * cannot be had: then *ns is 0 and *fd -1, and the caller must not go on as
 * if it were pinned.
 */
int access_pin_userns(const struct caller *c, ino_t *ns, int *fd);
/* c created tl (for the daemon's own uid: and is privileged). */
bool access_is_creator(const struct timeline *tl, const struct caller *c);

/*
 * Whom what the caller holds is charged to: its uid as the daemon sees it,
 * or, for a caller in a user namespace below the daemon's, the owner of the
 * topmost one (the user of the daemon's namespace who created it), so that a
 * whole range of user IDs counts as the one user it belongs to. Costs a
 * look at /proc; the caller's uid if it cannot be seen.
 */
uid_t access_charge_uid(const struct caller *c);

/*
 * Whether a list of group ids as /proc/PID/status shows it after "Groups:"
 * (decimal numbers separated by spaces or tabs, len bytes, no newline) holds
 * gid: 1 or 0, or -EINVAL if it is not such a list. The whole list counts:
 * a number is never read in part.
 */
int access_groups_contain(const char *list, size_t len, gid_t gid);

/* The process (thread group) of a caller's thread id; tid itself if unknown. */
pid_t access_process_of(pid_t tid);

/* The mode bits and owner shown for a node (tl is NULL for root-level nodes). */
mode_t access_mode(enum node_kind kind);
uid_t access_owner(enum node_kind kind, const struct timeline *tl);

/* mask of R_OK, W_OK, X_OK. 0 or -EACCES. */
int access_check(enum node_kind kind, const struct timeline *tl, const struct caller *c, int mask);

#endif /* QOTFS_ACCESS_H */
