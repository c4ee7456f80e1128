/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nodes.h - what each inode of the mount is.
 *
 *   1                      the root directory (/qot)
 *   2, 3, 4                /qot/.timelines, /qot/.active, /qot/.coordination
 *   (id << 5) | kind       a timeline's directory and files
 *
 * Timeline ids are never reused, so an inode the kernel still caches for a
 * removed timeline can never reach a newer timeline of the same name.
 */
#ifndef QOTFS_NODES_H
#define QOTFS_NODES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

enum node_kind {
	NODE_ROOT,
	NODE_TIMELINES,	   /* /qot/.timelines */
	NODE_ACTIVE,	   /* /qot/.active */
	NODE_COORDINATION, /* /qot/.coordination */
	NODE_DIR,	   /* /qot/NAME */
	NODE_NOW,
	NODE_CLOCK,
	NODE_BIND,
	NODE_BINDINGS,
	NODE_REQUIREMENTS,
	NODE_CTL,
	NODE_SYNC,
	NODE_MEMBERS,
	NODE_CLUSTER,
	NODE_HLC,     /* the timeline's node-wide hybrid logical clock */
	NODE_HLCSTAT, /* its counters */
	NODE_TIMER,
	NODE_NOTE, /* the sync daemon's words for sync (qot(7) note) */
	NODE_NKINDS
};

#define NODE_KIND_BITS	    5
#define NODE_ROOT_INO	    FUSE_ROOT_ID
#define NODE_TIMELINES_INO  2
#define NODE_TIMELINES_NAME ".timelines"

struct node_file {
	const char *name;
	enum node_kind kind;
	mode_t mode; /* permission bits shown; the daemon enforces them itself */
};

/* The files of a timeline directory, in listing order. */
extern const struct node_file node_files[];
extern const size_t node_nfiles;

/* The files of the root directory, in listing order; inode = index + 2. */
extern const struct node_file node_root_files[];
extern const size_t node_nroot_files;

fuse_ino_t node_ino(uint64_t timeline_id, enum node_kind kind);
/* 0 and the parts of ino, or -ENOENT if ino is no inode of ours. */
int node_split(fuse_ino_t ino, uint64_t *timeline_id, enum node_kind *kind);
/* The file of a timeline directory with this name, or NULL. */
const struct node_file *node_file_by_name(const char *name);
const struct node_file *node_file_by_kind(enum node_kind kind);
/* The root-level file with this name, or NULL; its inode. */
const struct node_file *node_root_file_by_name(const char *name);
fuse_ino_t node_root_ino(enum node_kind kind);

#endif /* QOTFS_NODES_H */
