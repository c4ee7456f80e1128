/* SPDX-License-Identifier: Apache-2.0 */
/* nodes.c - inode numbers and the fixed files of a timeline. */
#include <errno.h>
#include <string.h>

#include "nodes.h"

const struct node_file node_files[] = {
	{"now", NODE_NOW, 0444},
	{"clock", NODE_CLOCK, 0444},
	{"bind", NODE_BIND, 0666},
	{"bindings", NODE_BINDINGS, 0444},
	{"requirements", NODE_REQUIREMENTS, 0644},
	{"ctl", NODE_CTL, 0644},
	{"sync", NODE_SYNC, 0444},
	{"note", NODE_NOTE, 0644},
	{"members", NODE_MEMBERS, 0644},
	{"cluster", NODE_CLUSTER, 0444},
	{"hlc", NODE_HLC, 0666},
	{"hlcstat", NODE_HLCSTAT, 0444},
	{"timer", NODE_TIMER, 0666},
};
const size_t node_nfiles = sizeof(node_files) / sizeof(node_files[0]);

const struct node_file node_root_files[] = {
	{NODE_TIMELINES_NAME, NODE_TIMELINES, 0444},
	{".active", NODE_ACTIVE, 0444},
	{".coordination", NODE_COORDINATION, 0644},
};
const size_t node_nroot_files = sizeof(node_root_files) / sizeof(node_root_files[0]);

_Static_assert(NODE_NKINDS <= (1 << NODE_KIND_BITS), "node kinds fit the inode scheme");

fuse_ino_t node_ino(uint64_t timeline_id, enum node_kind kind)
{
	return (fuse_ino_t)(timeline_id << NODE_KIND_BITS) | kind;
}

int node_split(fuse_ino_t ino, uint64_t *timeline_id, enum node_kind *kind)
{
	uint64_t id = ino >> NODE_KIND_BITS;
	unsigned k = ino & ((1u << NODE_KIND_BITS) - 1);

	*timeline_id = 0;
	if (ino == NODE_ROOT_INO) {
		*kind = NODE_ROOT;
		return 0;
	}
	if (ino >= NODE_TIMELINES_INO && ino < NODE_TIMELINES_INO + node_nroot_files) {
		*kind = node_root_files[ino - NODE_TIMELINES_INO].kind;
		return 0;
	}
	if (id == 0 || k < NODE_DIR || k >= NODE_NKINDS)
		return -ENOENT;
	*timeline_id = id;
	*kind = (enum node_kind)k;
	return 0;
}

const struct node_file *node_file_by_name(const char *name)
{
	for (size_t i = 0; i < node_nfiles; i++) {
		if (strcmp(node_files[i].name, name) == 0)
			return &node_files[i];
	}
	return NULL;
}

const struct node_file *node_file_by_kind(enum node_kind kind)
{
	for (size_t i = 0; i < node_nfiles; i++) {
		if (node_files[i].kind == kind)
			return &node_files[i];
	}
	for (size_t i = 0; i < node_nroot_files; i++) {
		if (node_root_files[i].kind == kind)
			return &node_root_files[i];
	}
	return NULL;
}

const struct node_file *node_root_file_by_name(const char *name)
{
	for (size_t i = 0; i < node_nroot_files; i++) {
		if (strcmp(node_root_files[i].name, name) == 0)
			return &node_root_files[i];
	}
	return NULL;
}

fuse_ino_t node_root_ino(enum node_kind kind)
{
	for (size_t i = 0; i < node_nroot_files; i++) {
		if (node_root_files[i].kind == kind)
			return NODE_TIMELINES_INO + i;
	}
	return 0;
}
