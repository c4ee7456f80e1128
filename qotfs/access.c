/* access.c - permission decisions from the caller of each request. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "timeline.h"

static uid_t daemon_uid;
static ino_t daemon_userns;

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

bool access_privileged(const struct caller *c)
{
	char path[64];
	ino_t ns = 0;

	if (c->uid != daemon_uid || c->pid <= 0)
		return false;
	/* Fail closed: a caller we cannot see is not privileged. */
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)c->pid);
	return userns_of(path, &ns) == 0 && ns == daemon_userns;
}

mode_t access_mode(enum node_kind kind)
{
	const struct node_file *f;

	switch (kind) {
	case NODE_ROOT:
		return S_IFDIR | 01777;
	case NODE_DIR:
		return S_IFDIR | 0755;
	case NODE_TIMELINES:
		return S_IFREG | 0444;
	default:
		f = node_file_by_kind(kind);
		return S_IFREG | (f ? f->mode : 0);
	}
}

uid_t access_owner(enum node_kind kind, const struct timeline *tl)
{
	if (tl != NULL && (kind == NODE_DIR || kind == NODE_REQUIREMENTS))
		return tl->owner;
	return daemon_uid;
}

int access_check(enum node_kind kind, const struct timeline *tl, const struct caller *c, int mask)
{
	mode_t mode = access_mode(kind);
	mode_t want = ((mask & R_OK) ? 4 : 0) | ((mask & W_OK) ? 2 : 0) | ((mask & X_OK) ? 1 : 0);
	bool creator = tl != NULL && (kind == NODE_DIR || kind == NODE_REQUIREMENTS) &&
		       c->uid == tl->owner;

	/* Other bits first: the common open of "now" must not cost a /proc lookup. */
	if ((mode & want) == want)
		return 0;
	if (((mode >> 6) & want) == want && (creator || access_privileged(c)))
		return 0;
	return -EACCES;
}
