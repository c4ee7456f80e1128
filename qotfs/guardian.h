/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guardian.h - unmount the file system if the daemon dies without doing it.
 *
 * A small process forked right after mounting holds the read end of a pipe
 * whose write end only the daemon holds. When the daemon is gone however
 * it ended (kill -9, a crash), the pipe reads end-of-file; if the mount the
 * daemon made is still there (the same device number on the same path, in
 * /proc/self/mountinfo), the guardian detaches it, so clients find the
 * empty directory instead of a dead mount, and the next qotfs mounts at
 * once. Unlike libfuse's auto_unmount it does not probe the mount (an open
 * that races the kernel's teardown gets ECONNABORTED, and fusermount3 then
 * leaves the dead mount): the device number says the mount is ours.
 */
#ifndef QOTFS_GUARDIAN_H
#define QOTFS_GUARDIAN_H

#include <stdbool.h>

/* Fork the guardian of the qotfs mounted on mountpoint (canonical path); it
 * logs to syslog if to_syslog (a daemon about to detach), else to stderr.
 * 0, or -errno (then there is none). */
int guardian_start(const char *mountpoint, bool to_syslog);

#endif /* QOTFS_GUARDIAN_H */
