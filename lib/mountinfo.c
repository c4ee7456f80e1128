/* SPDX-License-Identifier: Apache-2.0 */
/* mountinfo.c - look mounts up in /proc/self/mountinfo. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "mountinfo.h"

struct mount_entry {
	dev_t dev;
	const char *mountpoint; /* unescaped */
	const char *fstype;
};

/* Undo mountinfo's octal escapes (\040 for a space, and so on) in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [FIELDS...] - FSTYPE SOURCE ..." */
static bool parse_entry(char *line, struct mount_entry *e)
{
	char *save = NULL, *mnt = NULL, *sep = strstr(line, " - ");
	unsigned maj, min;

	if (sep == NULL || sscanf(line, "%*u %*u %u:%u", &maj, &min) != 2)
		return false;
	*sep = '\0';
	e->fstype = strtok_r(sep + 3, " \n", &save);
	save = NULL;
	for (int field = 0; field < 5; field++)
		mnt = strtok_r(field ? NULL : line, " ", &save);
	if (mnt == NULL || e->fstype == NULL)
		return false;
	unescape(mnt);
	e->mountpoint = mnt;
	e->dev = makedev(maj, min);
	return true;
}

/* Call fn on every mount, in mount order (lines of any length), until it
 * returns true. -1 if mountinfo cannot be read, else 0. */
static int each_mount(bool (*fn)(const struct mount_entry *, void *), void *arg)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	struct mount_entry e;
	char *line = NULL;
	size_t cap = 0;

	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) > 0)
		if (parse_entry(line, &e) && fn(&e, arg))
			break;
	free(line);
	fclose(f);
	return 0;
}

struct lookup {
	const char *path;
	dev_t dev;
	int found;
};

static bool is_qotfs_at(const struct mount_entry *e, void *arg)
{
	struct lookup *l = arg;

	if (strcmp(e->mountpoint, l->path) == 0 && strcmp(e->fstype, "fuse.qotfs") == 0)
		l->found = 1;
	return l->found;
}

int qot_mount_is_qotfs(const char *path)
{
	struct lookup l = {path, 0, 0};

	each_mount(is_qotfs_at, &l);
	return l.found;
}

/* Later mounts on a path cover earlier ones: the last one seen is on top. */
static bool top_at(const struct mount_entry *e, void *arg)
{
	struct lookup *l = arg;

	if (strcmp(e->mountpoint, l->path) == 0) {
		l->dev = e->dev;
		l->found = strcmp(e->fstype, "fuse.qotfs") == 0 ? 1 : 2;
	}
	return false;
}

int qot_mount_dev_of(const char *path, dev_t *dev)
{
	struct lookup l = {path, 0, 0};

	each_mount(top_at, &l);
	if (l.found != 1)
		return -1;
	*dev = l.dev;
	return 0;
}

int qot_mount_top_is(const char *path, dev_t dev)
{
	struct lookup l = {path, 0, 0};

	each_mount(top_at, &l);
	return l.found != 0 && l.dev == dev;
}

static bool has_dev(const struct mount_entry *e, void *arg)
{
	struct lookup *l = arg;

	if (e->dev == l->dev)
		l->found = 1;
	return l->found;
}

int qot_mount_dev_present(dev_t dev)
{
	struct lookup l = {NULL, dev, 0};

	return each_mount(has_dev, &l) < 0 ? -1 : l.found;
}
