/* SPDX-License-Identifier: Apache-2.0 */
/* access.c - permission decisions from the caller of each request. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/nsfs.h>

#include "access.h"
#include "timeline.h"

static uid_t daemon_uid;
static ino_t daemon_userns;
static uid_t extra_uid = (uid_t)-1; /* --privileged-uid */
static gid_t extra_gid = (gid_t)-1; /* --privileged-gid */

static int userns_of(const char *proc_path, ino_t *out)
{
	struct stat st;

	if (stat(proc_path, &st) < 0)
		return -errno;
	*out = st.st_ino;
	return 0;
}

int access_init(void)
{
	daemon_uid = geteuid();
	return userns_of("/proc/self/ns/user", &daemon_userns);
}

void access_trust(uid_t uid, gid_t gid)
{
	extra_uid = uid;
	extra_gid = gid;
}

int access_groups_contain(const char *list, size_t len, gid_t gid)
{
	bool found = false;
	size_t i = 0;

	for (;;) {
		uint64_t g = 0;
		size_t digits = 0;

		while (i < len && (list[i] == ' ' || list[i] == '\t'))
			i++;
		if (i == len)
			return found;
		for (; i < len && list[i] >= '0' && list[i] <= '9'; i++, digits++) {
			g = g * 10 + (uint64_t)(list[i] - '0');
			if (g > UINT32_MAX)
				return -EINVAL; /* no gid is that large: not a Groups line */
		}
		if (digits == 0 || (i < len && list[i] != ' ' && list[i] != '\t'))
			return -EINVAL;
		if (g == (uint64_t)gid)
			found = true;
	}
}

/* Whether the caller's thread has gid among its supplementary groups: the
 * whole Groups line, however long (up to 65536 groups of 10 digits). */
static bool in_group(pid_t tid, gid_t gid)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool found = false;
	FILE *f;

	if (tid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		if (line[n - 1] == '\n') /* else cut short: fail closed below */
			found = access_groups_contain(line + 7, (size_t)n - 8, gid) == 1;
		break;
	}
	free(line);
	fclose(f);
	return found;
}

static bool trusted_id(const struct caller *c)
{
	if (c->uid == daemon_uid || (extra_uid != (uid_t)-1 && c->uid == extra_uid))
		return true;
	return extra_gid != (gid_t)-1 && (c->gid == extra_gid || in_group(c->pid, extra_gid));
}

gid_t access_group(gid_t daemon_gid)
{
	return extra_gid != (gid_t)-1 ? extra_gid : daemon_gid;
}

ino_t access_daemon_userns(void)
{
	return daemon_userns;
}

ino_t access_userns(const struct caller *c)
{
	char path[64];
	ino_t ns = 0;

	if (c->pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)c->pid);
	return userns_of(path, &ns) == 0 ? ns : 0;
}

bool access_privileged(const struct caller *c)
{
	/* Fail closed: a caller we cannot see (namespace 0) is not privileged.
	 * Inside another user namespace even a trusted id is not: whoever set
	 * up that namespace's mapping chose which processes appear as it. */
	return trusted_id(c) && access_userns(c) == daemon_userns;
}

bool access_needs_userns(uid_t uid)
{
	return uid == daemon_uid;
}

int access_pin_userns(const struct caller *c, ino_t *ns, int *fd)
{
	char path[64];
	struct stat st;
	int err;

	*fd = -1;
	*ns = access_userns(c); /* one stat: enough in the usual case */
	if (*ns == 0 || *ns == daemon_userns)
		return 0; /* unknown, or the daemon's own, which lives as long as it */
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)c->pid);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, &st) < 0) {
		/* Unpinned, the number could pass to a later namespace: refuse. */
		err = -errno;
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		*ns = 0;
		return err;
	}
	if (st.st_ino != *ns) { /* the caller moved on between stat and open */
		close(*fd);
		*fd = -1;
		*ns = 0;
	}
	return 0;
}

pid_t access_process_of(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = tid;
	FILE *f;
	int fd;

	/* pidfd_open() refuses a thread that does not lead its process (EINVAL
	 * or ENOENT, by kernel version): one system call settles the common
	 * case, /proc is read only for the others. */
	fd = (int)syscall(SYS_pidfd_open, tid, 0);
	if (fd >= 0) {
		close(fd);
		return tid;
	}
	if (errno == ESRCH)
		return tid; /* gone already */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (f == NULL)
		return tid;
	while (fgets(line, sizeof(line), f)) {
		int v;
		if (sscanf(line, "Tgid: %d", &v) == 1) {
			tgid = v;
			break;
		}
	}
	fclose(f);
	return tgid;
}

mode_t access_mode(enum node_kind kind)
{
	const struct node_file *f;
	mode_t mode;

	switch (kind) {
	case NODE_ROOT:
		return S_IFDIR | 01777;
	case NODE_DIR:
		return S_IFDIR | 0755;
	case NODE_REQUIREMENTS:
		f = node_file_by_kind(kind);
		return S_IFREG | (f ? f->mode : 0);
	default:
		f = node_file_by_kind(kind);
		mode = f ? f->mode : 0;
		/* Shown to the trusted group as to the owner (access_group). */
		if (extra_gid != (gid_t)-1)
			mode |= (mode & 0700) >> 3;
		return S_IFREG | mode;
	}
}

uid_t access_owner(enum node_kind kind, const struct timeline *tl)
{
	if (tl != NULL && (kind == NODE_DIR || kind == NODE_REQUIREMENTS))
		return timeline_owner(tl);
	return daemon_uid;
}

bool access_is_creator(const struct timeline *tl, const struct caller *c)
{
	if (c->uid != timeline_owner(tl))
		return false;
	/* The daemon's own uid (root) is the same uid inside a user namespace
	 * that maps it: there, the creator is also known by its namespace. */
	return !access_needs_userns(timeline_owner(tl)) ||
	       (timeline_owner_userns(tl) != 0 && access_userns(c) == timeline_owner_userns(tl));
}

int access_check(enum node_kind kind, const struct timeline *tl, const struct caller *c, int mask)
{
	mode_t mode = access_mode(kind);
	mode_t want = ((mask & R_OK) ? 4 : 0) | ((mask & W_OK) ? 2 : 0) | ((mask & X_OK) ? 1 : 0);
	bool tl_owned = tl != NULL && (kind == NODE_DIR || kind == NODE_REQUIREMENTS);

	/* Other bits first: the common open of "now" must not cost a /proc lookup. */
	if ((mode & want) == want)
		return 0;
	if (((mode >> 6) & want) == want &&
	    ((tl_owned && access_is_creator(tl, c)) || access_privileged(c)))
		return 0;
	return -EACCES;
}

/* User namespaces nest 32 deep at most. */
#define USERNS_MAX_DEPTH 33

uid_t access_charge_uid(const struct caller *c)
{
	char path[64];
	uid_t owner = c->uid;
	int fd;

	if (c->pid <= 0)
		return c->uid;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)c->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* Walk up to the namespace just below the daemon's: its owner (a user
	 * of the daemon's namespace) answers for everything below it. */
	for (int depth = 0; fd >= 0 && depth < USERNS_MAX_DEPTH; depth++) {
		struct stat st, pst;
		int parent;

		if (fstat(fd, &st) < 0 || st.st_ino == daemon_userns)
			break; /* the daemon's own: the caller's uid, as seen */
		parent = ioctl(fd, NS_GET_PARENT);
		if (parent < 0)
			break; /* not below the daemon's: as seen */
		if (fstat(parent, &pst) == 0 && pst.st_ino == daemon_userns) {
			uid_t uid;
			if (ioctl(fd, NS_GET_OWNER_UID, &uid) == 0)
				owner = uid;
			close(parent);
			break;
		}
		close(fd);
		fd = parent;
	}
	if (fd >= 0)
		close(fd);
	return owner;
}
