/* SPDX-License-Identifier: Apache-2.0 */
/* local.c - read what is in use on the local mount, write what the cluster says. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "local.h"
#include "readall.h"

void local_init(struct local *l, const char *root)
{
	memset(l, 0, sizeof(*l));
	l->root = root;
	l->timelines_fd = l->active_fd = -1;
}

bool local_attached(const struct local *l)
{
	return l->timelines_fd >= 0;
}

void local_detach(struct local *l)
{
	if (l->timelines_fd >= 0)
		close(l->timelines_fd);
	if (l->active_fd >= 0)
		close(l->active_fd);
	l->timelines_fd = l->active_fd = -1;
}

void local_free(struct local *l)
{
	local_detach(l);
	free(l->buf);
	l->buf = NULL;
}

static int open_in_root(struct local *l, const char *name, int flags)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", l->root, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return open(path, flags | O_CLOEXEC);
}

int local_attach(struct local *l)
{
	int err;

	local_detach(l);
	l->timelines_fd = open_in_root(l, ".timelines", O_RDONLY);
	if (l->timelines_fd < 0)
		return -errno;
	l->active_fd = open_in_root(l, ".active", O_RDONLY);
	if (l->active_fd < 0) {
		err = -errno;
		local_detach(l);
		return err;
	}
	return 0;
}

static ssize_t read_all(struct local *l, int fd)
{
	ssize_t len;

	if (fd < 0)
		return -ENOTCONN;
	len = qot_pread_all(fd, &l->buf, &l->cap);
	if (len < 0 && qot_mount_lost((int)len))
		local_detach(l);
	return len;
}

ssize_t local_read_timelines(struct local *l)
{
	return read_all(l, l->timelines_fd);
}

ssize_t local_read_active(struct local *l)
{
	return read_all(l, l->active_fd);
}

static int write_file(struct local *l, const char *name, const char *text, size_t len)
{
	int fd = open_in_root(l, name, O_WRONLY);
	ssize_t n;
	int err = 0;

	if (fd < 0) {
		err = -errno;
	} else {
		n = write(fd, text, len);
		if (n < 0)
			err = -errno;
		else if ((size_t)n != len)
			err = -EIO;
		close(fd);
	}
	if (qot_mount_lost(err))
		local_detach(l);
	return err;
}

int local_write_members(struct local *l, const char *tl, const char *text, size_t len)
{
	char name[PATH_MAX];

	snprintf(name, sizeof(name), "%s/members", tl);
	return write_file(l, name, text, len);
}

int local_write_lease(struct local *l, const char *text, size_t len)
{
	return write_file(l, ".coordination", text, len);
}
