/* SPDX-License-Identifier: Apache-2.0 */
/* runlock.c - the lock that keeps one syncd per mount. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runlock.h"

#define LOCK_PATH_MAX (2 * CONFIG_PATH_MAX + 32)

/* mkdir -p */
static int make_dirs(const char *path)
{
	char buf[CONFIG_PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* RUNDIR/syncd_a_b.lock for the mount /a//b/./ */
static void lock_path(const struct syncd_config *c, char *path, size_t size)
{
	size_t len = (size_t)snprintf(path, size, "%s/syncd", c->rundir);
	const char *m = c->mount;

	while (*m) {
		size_t n;

		while (*m == '/')
			m++;
		n = strcspn(m, "/");
		if (n == 0 || (n == 1 && m[0] == '.')) {
			m += n;
			continue;
		}
		if (len + n + 2 >= size)
			break; /* cannot happen: both paths are shorter than CONFIG_PATH_MAX */
		path[len++] = '_';
		memcpy(path + len, m, n);
		len += n;
		m += n;
	}
	snprintf(path + len, size - len, ".lock");
}

int runlock_take(const struct syncd_config *c, char *msg, size_t msglen)
{
	char path[LOCK_PATH_MAX], pid[32];
	int fd, err = make_dirs(c->rundir);
	ssize_t n;

	if (err) {
		snprintf(msg, msglen, "rundir %s: %s", c->rundir, strerror(-err));
		return -1;
	}
	lock_path(c, path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(msg, msglen, "another syncd (pid %s) already follows %s",
			 pid[0] ? pid : "?", c->mount);
		close(fd);
		return -1;
	}
	return fd;
}

bool runlock_same(const struct syncd_config *a, const struct syncd_config *b)
{
	char pa[LOCK_PATH_MAX], pb[LOCK_PATH_MAX];
	struct stat sa, sb;

	lock_path(a, pa, sizeof(pa));
	lock_path(b, pb, sizeof(pb));
	if (strcmp(pa, pb) == 0)
		return true;
	/* The same file by another name (a rundir spelled differently). */
	return stat(pa, &sa) == 0 && stat(pb, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int runlock_adopt(const struct syncd_config *c, int fd)
{
	char path[LOCK_PATH_MAX];
	struct stat held, named;

	lock_path(c, path, sizeof(path));
	if (fd < 0 || fstat(fd, &held) < 0 || stat(path, &named) < 0 ||
	    held.st_dev != named.st_dev || held.st_ino != named.st_ino)
		return -1;
	/* Succeeds at once on the open file description that holds the lock. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	return fd;
}

int runlock_note_pid(int fd)
{
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) < 0)
		return -errno;
	return 0;
}
