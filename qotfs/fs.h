/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fs.h - the FUSE low-level operations of qotfs: each request is checked,
 * turned into a call on the registry or a timeline, and answered at once.
 * Runs on one thread (the request loop); the pusher thread does the rest.
 */
#ifndef QOTFS_FS_H
#define QOTFS_FS_H

#include <stdbool.h>

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "kvline.h"
#include "registry.h"

/* Largest write accepted by any writable file; larger ones fail with EMSGSIZE. */
#define QOTFS_LINE_MAX QOT_KV_LINE_MAX

struct fs;

struct fs *fs_new(const struct registry_limits *limits);
const struct fuse_lowlevel_ops *fs_ops(void);
struct statedir;
struct state_image;
/* Recreate the timelines of a state image and keep sd (taken over) up to
 * date from now on. Before fs_start. Returns how many were restored. */
size_t fs_restore(struct fs *fs, struct statedir *sd, const struct state_image *img);
/* Start pushing to the kernel (after mounting and detaching). 0 or -errno. */
int fs_start(struct fs *fs, struct fuse_session *se);
/* Stopping: tell every mapped reader that no one vouches for its clock now. */
void fs_stopping(struct fs *fs);
/* Everything published has reached the kernel. */
bool fs_settled(struct fs *fs);
/* After the loop: save the state a last time, with each HLC exact; stopped
 * says the daemon stops cleanly. 0 or -errno (logged). */
int fs_save_state(struct fs *fs, bool stopped);
/* Release every open file, every timeline, and stop the pusher. */
void fs_free(struct fs *fs);

#endif /* QOTFS_FS_H */
