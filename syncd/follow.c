/* SPDX-License-Identifier: Apache-2.0 */
/* follow.c - track a qotfs mount's timelines and write their ctl files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "follow.h"
#include "log.h"
#include "params.h"
#include "readall.h"

void follower_init(struct follower *f, const struct syncd_config *cfg)
{
	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	f->list_fd = -1;
}

bool follower_attached(const struct follower *f)
{
	return f->list_fd >= 0;
}

static void drop(struct tl_state *t)
{
	if (t->ctl_fd >= 0)
		close(t->ctl_fd);
	t->ctl_fd = -1;
}

void follower_detach(struct follower *f)
{
	for (size_t i = 0; i < f->n; i++)
		drop(&f->tls[i]);
	f->n = 0;
	if (f->list_fd >= 0)
		close(f->list_fd);
	f->list_fd = -1;
}

void follower_free(struct follower *f)
{
	follower_detach(f);
	free(f->tls);
	free(f->buf);
	f->tls = NULL;
	f->buf = NULL;
}

int follower_attach(struct follower *f)
{
	char path[CONFIG_PATH_MAX + 16];

	follower_detach(f);
	snprintf(path, sizeof(path), "%s/.timelines", f->cfg->mount);
	f->list_fd = open(path, O_RDONLY | O_CLOEXEC);
	return f->list_fd < 0 ? -errno : 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void ctl_path(struct follower *f, const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s/ctl", f->cfg->mount, name);
}

/* Open t's ctl, learn its identity, and resume from what it holds. */
static int open_ctl(struct follower *f, struct tl_state *t)
{
	char path[CONFIG_PATH_MAX + QOT_NAME_MAX + 8], line[QOT_PARAMS_TEXT_MAX];
	struct qot_clock_params p;
	struct stat st;
	ssize_t n;

	ctl_path(f, t->name, path, sizeof(path));
	t->ctl_fd = open(path, O_RDWR | O_CLOEXEC);
	if (t->ctl_fd < 0)
		return -errno;
	if (fstat(t->ctl_fd, &st) < 0) {
		drop(t);
		return -errno;
	}
	t->ino = st.st_ino;
	discipline_init(&t->disc);
	n = pread(t->ctl_fd, line, sizeof(line), 0);
	if (n > 0 && qot_params_parse(line, (size_t)n, &p, t->source) == 0)
		discipline_resume(&t->disc, &p);
	return 0;
}

/* Still the timeline we know? (Removed and created again between two
 * refreshes, it has a new ctl inode.) */
static bool same_timeline(struct follower *f, const struct tl_state *t)
{
	char path[CONFIG_PATH_MAX + QOT_NAME_MAX + 8];
	struct stat st;

	ctl_path(f, t->name, path, sizeof(path));
	return stat(path, &st) == 0 && st.st_ino == t->ino;
}

/* Start following timeline name in *t; false if it is not to be served. */
static bool follow(struct follower *f, struct tl_state *t, const char *name)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->rule = config_rule_for(f->cfg, t->name);
	if (t->rule == NULL)
		return false; /* no rule names it: not ours */
	if (open_ctl(f, t) < 0) {
		/* Removed already, or not ours to write: say so. */
		if (errno != ENOENT)
			qot_log(QOT_LOG_WARNING, "timeline %s: cannot open ctl: %s", t->name,
				strerror(errno));
		return false;
	}
	t->fresh = true;
	return true;
}

int follower_refresh(struct follower *f)
{
	struct tl_state *next;
	char **names;
	size_t count = 0, i = 0, j = 0, k = 0;
	ssize_t len = qot_pread_all(f->list_fd, &f->buf, &f->bufcap);
	int added = 0;

	if (len < 0) {
		if (qot_mount_lost((int)len))
			follower_detach(f);
		return (int)len;
	}
	for (ssize_t p = 0; p < len; p++)
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
	/* Merge the sorted listing with the sorted timelines we have. */
	while (i < count || j < f->n) {
		int c = i == count ? 1 : j == f->n ? -1 : strcmp(names[i], f->tls[j].name);
		if (c == 0 && same_timeline(f, &f->tls[j])) {
			next[k++] = f->tls[j++];
			i++;
		} else if (c >= 0) {
			drop(&f->tls[j++]); /* removed, or replaced (then followed anew next) */
		} else if (follow(f, &next[k], names[i++])) {
			k++;
			added++;
		}
	}
	free(names);
	free(f->tls);
	f->tls = next;
	f->n = k;
	f->cap = count + 1;
	return added;
}

int follower_publish(struct follower *f, struct tl_state *t, const struct qot_clock_params *p,
		     const char *source, const struct qot_bound_parts *parts)
{
	char line[QOT_PARAMS_TEXT_MAX];
	size_t len = qot_params_format_parts(p, source, parts, line, sizeof(line));
	int err = 0;

	if (t->ctl_fd < 0)
		return -ENOENT; /* gone; the next refresh forgets it */
	if (write(t->ctl_fd, line, len) != (ssize_t)len)
		err = -errno;
	if (err == -ENOENT) {
		/* This timeline is gone; another of the same name may stand there. */
		char name[QOT_NAME_MAX + 1];
		snprintf(name, sizeof(name), "%s", t->name);
		drop(t);
		if (follow(f, t, name))
			return -EAGAIN;
		t->ctl_fd = -1;
		return -ENOENT;
	}
	if (err && qot_mount_lost(err))
		follower_detach(f);
	return err;
}
