/* SPDX-License-Identifier: Apache-2.0 */
/*
 * quota.h - what each user holds of the daemon, and the per-user caps that
 * keep one client from exhausting it: timelines created, bindings, snapshot
 * bytes held by open files, open files and timer files among them. A user
 * holding nothing costs nothing (its entry goes).
 */
#ifndef QOTFS_QUOTA_H
#define QOTFS_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct quota_limits {
	size_t timelines;	 /* per uid; privileged callers are not held */
	size_t bindings;	 /* per uid */
	size_t read_bytes;	 /* snapshot text held by a user's open files */
	size_t files;		 /* open files of one user */
	size_t timers;		 /* open timer files of one user */
	size_t total_files;	 /* open files of everybody; privileged: a sixteenth more */
	size_t total_read_bytes; /* snapshot text of everybody; the same */
};

struct quota;

struct quota *quota_new(const struct quota_limits *limits);
void quota_free(struct quota *q);
/* Users holding anything (tests). */
size_t quota_users(const struct quota *q);
/* Open files of everybody. */
size_t quota_files(const struct quota *q);

/* A timeline created by uid: 0, -EDQUOT (unless privileged), -ENOMEM. */
int quota_charge_timeline(struct quota *q, uid_t uid, bool privileged);
void quota_refund_timeline(struct quota *q, uid_t uid);

/* One binding: 0, -EDQUOT, -ENOMEM. */
int quota_charge_binding(struct quota *q, uid_t uid);
void quota_refund_binding(struct quota *q, uid_t uid);
size_t quota_bindings(const struct quota *q, uid_t uid);

/* One binding of uid on timeline id, within its share of that timeline's
 * bindings (0: no share): 0, -EDQUOT (unless force), -ENOMEM. Counted
 * apart from quota_charge_binding. */
int quota_charge_share(struct quota *q, uid_t uid, uint64_t id, size_t share, bool force);
void quota_refund_share(struct quota *q, uid_t uid, uint64_t id);

/* Snapshot bytes: 0, -ENOBUFS past the cap (unless force), or past the
 * global one (force: its reserve too), -ENOMEM. */
int quota_charge_read(struct quota *q, uid_t uid, size_t bytes, bool force);
void quota_refund_read(struct quota *q, uid_t uid, size_t bytes);

/* One open file (timer: a timer file): 0, -EDQUOT past either cap (unless
 * force), -ENFILE past the global one (force: its reserve too), -ENOMEM.
 * Refund undoes one charge of the same kind. */
int quota_charge_open(struct quota *q, uid_t uid, bool timer, bool force);
void quota_refund_open(struct quota *q, uid_t uid, bool timer);

#endif /* QOTFS_QUOTA_H */
