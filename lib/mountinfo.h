/*
 * mountinfo.h - is a qotfs mounted at a path? Shared by the daemon (not to
 * mount twice), the tools that find a mount, and the daemons that follow it.
 */
#ifndef QOT_MOUNTINFO_H
#define QOT_MOUNTINFO_H

#include <sys/types.h>

/* 1 if the canonical path is a mount point of a qotfs (live or dead), else 0. */
int qot_mount_is_qotfs(const char *path);

/* 1 if a mount of this process's namespace has device number dev, 0 if none
 * has, -1 if it cannot be told. Never touches the mounts themselves, so a
 * stopped FUSE daemon cannot make it wait. */
int qot_mount_dev_present(dev_t dev);

#endif /* QOT_MOUNTINFO_H */
