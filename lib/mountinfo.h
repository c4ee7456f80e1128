/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mountinfo.h - is a qotfs mounted at a path? Shared by the daemon (not to
 * mount twice), the tools that find a mount, and the daemons that follow it.
 */
#ifndef QOT_MOUNTINFO_H
#define QOT_MOUNTINFO_H

#include <sys/types.h>

/* 1 if the canonical path is a mount point of a qotfs (live or dead), else 0. */
int qot_mount_is_qotfs(const char *path);

/* The device number of the topmost qotfs mounted on the canonical path.
 * 0, or -1 if there is none. */
int qot_mount_dev_of(const char *path, dev_t *dev);

/* 1 if the topmost mount on the canonical path has device number dev, else 0. */
int qot_mount_top_is(const char *path, dev_t dev);

/* 1 if a mount of this process's namespace has device number dev, 0 if none
 * has, -1 if it cannot be told. Never touches the mounts themselves, so a
 * stopped FUSE daemon cannot make it wait. */
int qot_mount_dev_present(dev_t dev);

#endif /* QOT_MOUNTINFO_H */
