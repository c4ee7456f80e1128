/* SPDX-License-Identifier: Apache-2.0 */
/* follower.c - follow a qotfs mount's timelines: attach, diff the list, lose and find the mount. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "follower.h"
#include "log.h"
#include "names.h"
#include "readall.h"

struct qot_follower_tl {
	char name[QOT_NAME_MAX + 1];
	ino_t ino;    /* of its ctl: its identity within one mount */
	bool matched; /* kept across a loss: matched by name at the next refresh */
	int ctl_fd;   /* QOT_FOLLOWER_CTL: open read-write; else -1 */
	void *state[QOT_FOLLOWER_SUBSCRIBERS];
};

struct subscriber {
	const struct qot_follower_events *ev;
	void *ctx;
};

struct qot_follower {
	struct qot_follower_config cfg;
	size_t nfiles;
	int list_fd; /* -1: detached */
	int file_fd[QOT_FOLLOWER_FILES];
	struct qot_follower_tl **tls; /* sorted by name */
	size_t n;
	struct subscriber subs[QOT_FOLLOWER_SUBSCRIBERS];
	int nsubs;
	char *buf; /* the last text read */
	size_t bufcap;
	int64_t next_attach;
	bool failure_told; /* attach_failed said since the last attach */
};

/* Tell every subscriber: ev->NAME(ctx, args...). */
#define TELL(f, NAME, ...)                                                                         \
	do {                                                                                       \
		for (int s_ = 0; s_ < (f)->nsubs; s_++)                                            \
			if ((f)->subs[s_].ev->NAME)                                                \
				(f)->subs[s_].ev->NAME((f)->subs[s_].ctx, ##__VA_ARGS__);          \
	} while (0)

struct qot_follower *qot_follower_new(const struct qot_follower_config *cfg)
{
	struct qot_follower *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->cfg = *cfg;
	while (cfg->files && cfg->files[f->nfiles] && f->nfiles < QOT_FOLLOWER_FILES)
		f->nfiles++;
	f->list_fd = -1;
	for (size_t i = 0; i < QOT_FOLLOWER_FILES; i++)
		f->file_fd[i] = -1;
	return f;
}

int qot_follower_subscribe(struct qot_follower *f, const struct qot_follower_events *ev, void *ctx)
{
	if (f->nsubs == QOT_FOLLOWER_SUBSCRIBERS)
		return -ENOSPC;
	f->subs[f->nsubs] = (struct subscriber){ev, ctx};
	return f->nsubs++;
}

const char *qot_follower_root(const struct qot_follower *f)
{
	return f->cfg.root;
}

bool qot_follower_attached(const struct qot_follower *f)
{
	return f->list_fd >= 0;
}

size_t qot_follower_count(const struct qot_follower *f)
{
	return f->n;
}

struct qot_follower_tl *qot_follower_get(const struct qot_follower *f, size_t i)
{
	return i < f->n ? f->tls[i] : NULL;
}

static int cmp_key(const void *key, const void *elem)
{
	return strcmp(key, (*(struct qot_follower_tl *const *)elem)->name);
}

struct qot_follower_tl *qot_follower_find(const struct qot_follower *f, const char *name)
{
	struct qot_follower_tl **t =
		f->n ? bsearch(name, f->tls, f->n, sizeof(*f->tls), cmp_key) : NULL;

	return t ? *t : NULL;
}

const char *qot_follower_tl_name(const struct qot_follower_tl *tl)
{
	return tl->name;
}

int qot_follower_tl_ctl(const struct qot_follower_tl *tl)
{
	return tl->ctl_fd;
}

void *qot_follower_tl_state(const struct qot_follower_tl *tl, int slot)
{
	return slot >= 0 && slot < QOT_FOLLOWER_SUBSCRIBERS ? tl->state[slot] : NULL;
}

/* ---- the timelines ---- */

static int path_in_root(const struct qot_follower *f, const char *timeline, const char *file,
			char *path, size_t size)
{
	int n = timeline ? snprintf(path, size, "%s/%s/%s", f->cfg.root, timeline, file)
			 : snprintf(path, size, "%s/%s", f->cfg.root, file);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static void close_ctl(struct qot_follower_tl *t)
{
	if (t->ctl_fd >= 0)
		close(t->ctl_fd);
	t->ctl_fd = -1;
}

/* Learn t's identity (and open its ctl, with QOT_FOLLOWER_CTL). 0 or -errno. */
static int open_ctl(struct qot_follower *f, struct qot_follower_tl *t)
{
	char path[PATH_MAX];
	struct stat st;
	int err = path_in_root(f, t->name, "ctl", path, sizeof(path));

	if (err)
		return err;
	if (!(f->cfg.flags & QOT_FOLLOWER_CTL)) {
		if (stat(path, &st) < 0)
			return -errno;
		t->ino = st.st_ino;
		return 0;
	}
	t->ctl_fd = open(path, O_RDWR | O_CLOEXEC);
	if (t->ctl_fd < 0)
		return -errno;
	if (fstat(t->ctl_fd, &st) < 0) {
		err = -errno;
		close_ctl(t);
		return err;
	}
	t->ino = st.st_ino;
	return 0;
}

/* Still the timeline we know? (Removed and created again, it has a new ctl inode.) */
static bool same_timeline(struct qot_follower *f, struct qot_follower_tl *t)
{
	char path[PATH_MAX];
	struct stat st;

	if (path_in_root(f, t->name, "ctl", path, sizeof(path)) || stat(path, &st) < 0)
		return false;
	if (t->matched) {
		/* Kept across a loss: the new mount's timeline of that name is it. */
		t->matched = false;
		t->ino = st.st_ino;
	}
	return st.st_ino == t->ino;
}

/* A timeline to follow under name: told to the subscribers; NULL if not followed. */
static struct qot_follower_tl *follow(struct qot_follower *f, const char *name)
{
	struct qot_follower_tl *t;
	int err;

	if (f->cfg.want && !f->cfg.want(f->cfg.want_ctx, name))
		return NULL; /* not ours */
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->ctl_fd = -1;
	err = open_ctl(f, t);
	if (err) {
		/* Removed already, or not ours to write: say so. */
		if (err != -ENOENT)
			qot_log(QOT_LOG_WARNING, "timeline %s: cannot open ctl: %s", name,
				strerror(-err));
		free(t);
		return NULL;
	}
	for (int s = 0; s < f->nsubs; s++)
		if (f->subs[s].ev->added)
			t->state[s] = f->subs[s].ev->added(f->subs[s].ctx, t);
	return t;
}

static void forget(struct qot_follower *f, struct qot_follower_tl *t)
{
	for (int s = f->nsubs - 1; s >= 0; s--)
		if (f->subs[s].ev->removed)
			f->subs[s].ev->removed(f->subs[s].ctx, t, t->state[s]);
	close_ctl(t);
	free(t);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Merge the sorted listing in buf with the sorted timelines followed. 0 or -ENOMEM. */
static int merge(struct qot_follower *f, size_t len)
{
	struct qot_follower_tl **next;
	char **names;
	size_t count = 0, i = 0, j = 0, k = 0;

	for (size_t p = 0; p < len; p++)
		count += f->buf[p] == '\n';
	names = calloc(count + 1, sizeof(*names));
	next = calloc(count + 1, sizeof(*next));
	if (names == NULL || next == NULL) {
		free(names);
		free(next);
		return -ENOMEM;
	}
	count = 0;
	for (char *save = NULL, *n = strtok_r(f->buf, "\n", &save); n;
	     n = strtok_r(NULL, "\n", &save))
		names[count++] = n;
	qsort(names, count, sizeof(*names), cmp_name);
	while (i < count || j < f->n) {
		int c = i == count ? 1 : j == f->n ? -1 : strcmp(names[i], f->tls[j]->name);
		if (c == 0 && same_timeline(f, f->tls[j])) {
			next[k++] = f->tls[j++];
			i++;
		} else if (c >= 0) {
			forget(f, f->tls[j++]); /* removed, or replaced (then followed anew next) */
		} else if ((next[k] = follow(f, names[i++])) != NULL) {
			k++;
		}
	}
	free(names);
	free(f->tls);
	f->tls = next;
	f->n = k;
	return 0;
}

/* ---- attaching, losing ---- */

static void close_files(struct qot_follower *f)
{
	if (f->list_fd >= 0)
		close(f->list_fd);
	f->list_fd = -1;
	for (size_t i = 0; i < f->nfiles; i++) {
		if (f->file_fd[i] >= 0)
			close(f->file_fd[i]);
		f->file_fd[i] = -1;
	}
}

/* Let go of the mount: timelines whose ctl died with it are removed, others kept. */
static void detach(struct qot_follower *f)
{
	close_files(f);
	for (size_t i = 0; i < f->n; i++) {
		if (f->cfg.flags & QOT_FOLLOWER_CTL)
			forget(f, f->tls[i]);
		else
			f->tls[i]->matched = true;
	}
	if (f->cfg.flags & QOT_FOLLOWER_CTL)
		f->n = 0;
}

static void lose(struct qot_follower *f, int err)
{
	detach(f);
	f->next_attach = INT64_MIN; /* look again at once */
	f->failure_told = false;
	TELL(f, lost, err);
}

/* Read the list and the watched files again. 0 or -errno (detached if the mount is lost). */
static int refresh(struct qot_follower *f)
{
	ssize_t len = qot_pread_all(f->list_fd, &f->buf, &f->bufcap);
	int err = len < 0 ? (int)len : merge(f, (size_t)len);

	for (size_t i = 0; err == 0 && i < f->nfiles; i++) {
		len = qot_pread_all(f->file_fd[i], &f->buf, &f->bufcap);
		if (len < 0)
			err = (int)len;
		else
			TELL(f, file, f->cfg.files[i], f->buf, (size_t)len);
	}
	if (err == 0)
		TELL(f, refreshed);
	return err;
}

static int attach(struct qot_follower *f)
{
	char path[PATH_MAX];
	int err = path_in_root(f, NULL, ".timelines", path, sizeof(path));

	if (err)
		return err;
	f->list_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->list_fd < 0)
		return -errno;
	for (size_t i = 0; i < f->nfiles; i++) {
		err = path_in_root(f, NULL, f->cfg.files[i], path, sizeof(path));
		if (err)
			return err;
		f->file_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (f->file_fd[i] < 0)
			return -errno;
	}
	return refresh(f);
}

int64_t qot_follower_tick(struct qot_follower *f, int64_t now)
{
	int err;

	if (qot_follower_attached(f))
		return INT64_MAX;
	if (now < f->next_attach)
		return f->next_attach;
	err = attach(f);
	if (err) {
		detach(f);
		f->next_attach = now + f->cfg.reattach_ns;
		if (!f->failure_told)
			TELL(f, attach_failed, err);
		f->failure_told = true;
		return f->next_attach;
	}
	if (!qot_follower_attached(f))
		return now; /* lost while its timelines were told (said so): again at once */
	f->failure_told = false;
	TELL(f, attached);
	return INT64_MAX;
}

int qot_follower_pollfds(const struct qot_follower *f, struct pollfd *fds, int n)
{
	int k = 0;

	if (!qot_follower_attached(f) || n < 1)
		return 0;
	fds[k++] = (struct pollfd){.fd = f->list_fd, .events = POLLPRI | POLLIN};
	for (size_t i = 0; i < f->nfiles && k < n; i++)
		fds[k++] = (struct pollfd){.fd = f->file_fd[i], .events = POLLPRI | POLLIN};
	return k;
}

void qot_follower_handle(struct qot_follower *f, const struct pollfd *fds, int n)
{
	short revents = 0;
	int err;

	for (int i = 0; i < n; i++)
		revents |= fds[i].revents;
	if (!qot_follower_attached(f) || revents == 0)
		return;
	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		lose(f, -ENOTCONN); /* qotfs went away */
		return;
	}
	err = refresh(f);
	if (err && qot_mount_lost(err))
		lose(f, err);
}

void qot_follower_free(struct qot_follower *f)
{
	if (f == NULL)
		return;
	close_files(f);
	for (size_t i = 0; i < f->n; i++)
		forget(f, f->tls[i]);
	free(f->tls);
	free(f->buf);
	free(f);
}

/* ---- writing ---- */

int qot_follower_write_ctl(struct qot_follower *f, struct qot_follower_tl *tl, const char *text,
			   size_t len)
{
	char name[QOT_NAME_MAX + 1];
	size_t i;
	int err = 0;

	if (tl->ctl_fd < 0)
		return -ENOENT; /* gone; the next refresh forgets it */
	if (write(tl->ctl_fd, text, len) != (ssize_t)len)
		err = -errno;
	if (err == -ENOENT) {
		/* This timeline is gone; another of the same name may stand there. */
		for (i = 0; i < f->n && f->tls[i] != tl; i++)
			;
		snprintf(name, sizeof(name), "%s", tl->name);
		close_ctl(tl);
		if (i == f->n)
			return -ENOENT;
		f->tls[i] = follow(f, name);
		if (f->tls[i]) {
			forget(f, tl);
			return -EAGAIN;
		}
		f->tls[i] = tl; /* kept, without its ctl, until the next refresh */
		return -ENOENT;
	}
	if (err && qot_mount_lost(err))
		lose(f, err);
	return err;
}

int qot_follower_write(struct qot_follower *f, const char *timeline, const char *file,
		       const char *text, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err;

	if (!qot_follower_attached(f))
		return -ENOTCONN;
	err = path_in_root(f, timeline, file, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC);
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
		lose(f, err);
	return err;
}
