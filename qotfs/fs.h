/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fs.h - the FUSE low-level operations of qotfs: an adaptor. Each request's
 * caller is checked (access.h), its input decoded, the model called
 * (registry.h, timeline.h) or a view rendered (views.h), and the request
 * answered. fs.c keeps the open files and nothing of the model: the model
 * announces its changes to its listeners itself (event.h).
 * Runs on one thread (the request loop); the pusher and waker threads do the rest.
 */
#ifndef QOTFS_FS_H
#define QOTFS_FS_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "kvline.h"

struct service;

/* Largest write accepted by any writable file; larger ones fail with EMSGSIZE. */
#define QOTFS_LINE_MAX QOT_KV_LINE_MAX

struct fs;

/* Serve the model of svc (which outlives fs). NULL if out of memory. */
struct fs *fs_new(struct service *svc);
const struct fuse_lowlevel_ops *fs_ops(void);
/* Release every open file (after service_stop: no read is parked). */
void fs_free(struct fs *fs);

#endif /* QOTFS_FS_H */
