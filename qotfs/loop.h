/*
 * loop.h - the request loop: one thread waits on the FUSE device and on a
 * stop signal, and dispatches each request to completion. One thread is the
 * fastest choice here (see docs/architecture.md): every handler answers at
 * once, and a second loop thread only adds a lock and a cross-CPU wake-up.
 */
#ifndef QOTFS_LOOP_H
#define QOTFS_LOOP_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

/* Route SIGINT, SIGTERM and SIGHUP to the loop. 0 or -errno. */
int loop_catch_signals(void);
/* Serve until unmounted or signalled. 0, or -errno on a device error. */
int loop_run(struct fuse_session *se);

#endif /* QOTFS_LOOP_H */
