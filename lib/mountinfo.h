/*
 * mountinfo.h - is a qotfs mounted at a path? Shared by the daemon (not to
 * mount twice), the tools that find a mount, and the daemons that follow it.
 */
#ifndef QOT_MOUNTINFO_H
#define QOT_MOUNTINFO_H

/* 1 if the canonical path is a mount point of a qotfs (live or dead), else 0. */
int qot_mount_is_qotfs(const char *path);

#endif /* QOT_MOUNTINFO_H */
