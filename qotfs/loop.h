/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop.h - the request loop: one thread reads the FUSE device and
 * dispatches each request to completion. One thread is the fastest choice
 * here (see docs/architecture.md): every handler answers at once, and a
 * second loop thread only adds a lock and a cross-CPU wake-up.
 */
#ifndef QOTFS_LOOP_H
#define QOTFS_LOOP_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <stdbool.h>
#include <stddef.h>

/* How long a stopping daemon keeps serving while its final state settles. */
#define LOOP_SETTLE_MS 2000

/*
 * On a stop signal the loop calls stopping() once, then keeps serving
 * requests until settled() is true: the final state must reach the kernel,
 * and pushing a page may wait for a page fault that only the loop answers.
 */
struct loop_hooks {
	void (*stopping)(void *arg);
	bool (*settled)(void *arg);
	void *arg;
};

enum { LOOP_DONE = 0, LOOP_UNSETTLED = 1 };

/* Route SIGINT, SIGTERM and SIGHUP to the loop; call before starting any
 * thread. 0 or -errno. */
int loop_catch_signals(void);
/* How long the loop keeps looking for the next request before it sleeps. */
/* The memory a request waiting its turn keeps: its copy if small, else the
 * whole receive buffer mem (from malloc) that it was read into. */
size_t loop_hold_cost(const void *mem, size_t size);

#define LOOP_DEFAULT_SPIN_US 30
#define LOOP_MAX_SPIN_US     1000

/* Serve until unmounted, or signalled and settled. LOOP_DONE, LOOP_UNSETTLED
 * (gave up waiting after LOOP_SETTLE_MS), or -errno on a device error. */
int loop_run(struct fuse_session *se, const struct loop_hooks *hooks, unsigned spin_us);

#endif /* QOTFS_LOOP_H */
