/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service.h - the daemon's parts wired together: the model (registry.h)
 * and its listeners (watchers.h for pollers, persist.h for the state
 * directory, the waker for parked timer reads), the pusher and the waker
 * threads, and the lifecycle: restore, start, stop, save.
 */
#ifndef QOTFS_SERVICE_H
#define QOTFS_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "registry.h"

struct fuse_session;
struct pusher;
struct waker;
struct watchers;
struct statedir;
struct statefile_image;
struct service;

/* NULL if out of memory. */
struct service *service_new(const struct registry_limits *limits);
/* Recreate the timelines of a state image and keep sd (taken over) up to
 * date from now on. Before service_start. Returns how many were restored. */
size_t service_restore(struct service *svc, struct statedir *sd, const struct statefile_image *img);
/* Start pushing to the kernel (after mounting and detaching). 0 or -errno. */
int service_start(struct service *svc, struct fuse_session *se);
/* Stopping: tell every mapped reader that no one vouches for its clock now;
 * from now on every change is refused (service_stopping_now). */
void service_stopping(struct service *svc);
bool service_stopping_now(const struct service *svc);
/* Everything published has reached the kernel. */
bool service_settled(struct service *svc);
/* After the loop: save the state a last time, with each HLC exact; stopped
 * says the daemon stops cleanly. 0 or -errno (logged). */
int service_save_state(struct service *svc, bool stopped);
/* Answer every parked read (before the open files go). */
void service_stop(struct service *svc);
/* Every timeline, the listeners, the threads. Open files first (fs_free). */
void service_free(struct service *svc);

struct registry *service_registry(struct service *svc);
struct pusher *service_pusher(struct service *svc);
struct waker *service_waker(struct service *svc);
struct watchers *service_watchers(struct service *svc);

#endif /* QOTFS_SERVICE_H */
