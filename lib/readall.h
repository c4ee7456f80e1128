/* SPDX-License-Identifier: Apache-2.0 */
/*
 * readall.h - reading a qotfs text file whole, for the programs that follow
 * a mount (lib/follower.c for syncd and coordd, qotctl).
 */
#ifndef QOT_READALL_H
#define QOT_READALL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The whole file from offset 0 (a fresh snapshot) into *buf, grown as
 * needed and NUL-terminated. Its length, or -errno.
 */
ssize_t qot_pread_all(int fd, char **buf, size_t *cap);

/* The error means the mount is gone or going: qotfs stopped, restarted, or is stopping. */
bool qot_mount_lost(int err);

#endif /* QOT_READALL_H */
