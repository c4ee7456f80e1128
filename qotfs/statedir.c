/* SPDX-License-Identifier: Apache-2.0 */
/* statedir.c - keep the state file of a mount up to date (statedir.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "list.h"
#include "log.h"
#include "page.h"
#include "statedir.h"
#include "textbuf.h"

struct statedir_entry {
	struct list_node link;
	struct statefile_timeline t;
};

struct statedir {
	char dir[4096];
	char path[4096 + 256];
	pthread_mutex_t lock;
	pthread_cond_t cond; /* on CLOCK_MONOTONIC */
	pthread_t thread;
	bool running, quit;
	struct list entries; /* creation order, as saved */
	bool dirty;	     /* the mirror differs from the file */
	int64_t due;	     /* CLOCK_MONOTONIC ns: save by then */
	bool failing;	     /* the last save failed (logged once per streak) */
	struct textbuf text; /* the saver's */
};

int statedir_file_name(const char *mountpoint, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const char *p = mountpoint;
	size_t n = 0;

	while (*p == '/')
		p++;
	if (*p == '\0') { /* the root itself */
		snprintf(out, size, "-.state");
		return size > sizeof("-.state") - 1 ? 0 : -ENAMETOOLONG;
	}
	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (n + 4 + sizeof(".state") > size)
			return -ENAMETOOLONG;
		if (ch == '/') {
			while (p[1] == '/')
				p++;
			if (p[1] != '\0')
				out[n++] = '-';
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			   (ch >= '0' && ch <= '9') || ch == '_' || (ch == '.' && n > 0)) {
			out[n++] = (char)ch;
		} else { /* like systemd-escape: '-' and the rest as \xNN */
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	memcpy(out + n, ".state", sizeof(".state"));
	return 0;
}

struct statedir *statedir_open(const char *dir, const char *mountpoint, int *err)
{
	struct statedir *sd;
	char name[256];
	pthread_condattr_t ca;
	struct stat st;

	*err = statedir_file_name(mountpoint, name, sizeof(name));
	if (*err)
		return NULL;
	if (strlen(dir) >= sizeof(sd->dir)) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		*err = -errno;
		return NULL;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		*err = stat(dir, &st) < 0 ? -errno : -ENOTDIR;
		return NULL;
	}
	sd = calloc(1, sizeof(*sd));
	if (sd == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	snprintf(sd->dir, sizeof(sd->dir), "%s", dir);
	snprintf(sd->path, sizeof(sd->path), "%s/%s", dir, name);
	pthread_mutex_init(&sd->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sd->cond, &ca);
	pthread_condattr_destroy(&ca);
	*err = 0;
	return sd;
}

const char *statedir_path(const struct statedir *sd)
{
	return sd ? sd->path : NULL;
}

static int read_file(int fd, struct textbuf *tb)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size > (off_t)STATEFILE_MAX_BYTES)
		return -EFBIG;
	for (;;) {
		char *space = textbuf_space(tb, 65536);
		ssize_t n;
		if (space == NULL)
			return -ENOMEM;
		n = read(fd, space, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		tb->len += (size_t)n;
		if (tb->len > STATEFILE_MAX_BYTES)
			return -EFBIG;
	}
}

/* Keep a file we could not use, for the admin to look at; never lose it. */
static void move_aside(const struct statedir *sd, const char *why)
{
	char bad[sizeof(sd->path) + 8];

	snprintf(bad, sizeof(bad), "%s.bad", sd->path);
	if (rename(sd->path, bad) == 0)
		qot_log(QOT_LOG_ERR, "state file %s: %s; moved to %s, starting without it",
			sd->path, why, bad);
	else
		qot_log(QOT_LOG_ERR, "state file %s: %s; cannot move it aside (%s)", sd->path, why,
			strerror(errno));
}

int statedir_load(struct statedir *sd, struct statefile_image *img)
{
	struct textbuf tb = {0};
	size_t line;
	char why[96];
	int fd, err;

	*img = (struct statefile_image){.stopped = true};
	if (sd == NULL)
		return 0;
	fd = open(sd->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = read_file(fd, &tb);
	close(fd);
	if (err == -EFBIG) {
		move_aside(sd, "larger than any qotfs writes");
		err = 0;
	} else if (err == 0) {
		err = statefile_parse(tb.data ? tb.data : "", tb.len, img, &line);
		if (err == -EINVAL) {
			snprintf(why, sizeof(why), "malformed at line %zu", line);
			move_aside(sd, why);
			*img = (struct statefile_image){.stopped = true};
			err = 0;
		}
	}
	textbuf_free(&tb);
	return err;
}

/* Under sd->lock: due within ms, unless already due sooner. */
static void mark_dirty(struct statedir *sd, int ms)
{
	int64_t due = qot_now_ns(CLOCK_MONOTONIC) + (int64_t)ms * 1000000;

	if (!sd->dirty || due < sd->due) {
		sd->due = due;
		pthread_cond_signal(&sd->cond);
	}
	sd->dirty = true;
}

/* Under sd->lock: the mirror as the text of a state file, into sd->text. */
static int render(struct statedir *sd, bool stopped)
{
	textbuf_reset(&sd->text);
	if (textbuf_printf(&sd->text, "%s\n", STATEFILE_MAGIC) != 0)
		return -ENOMEM;
	for (struct list_node *n = sd->entries.first; n != NULL; n = n->next) {
		const struct statedir_entry *e = container_of(n, struct statedir_entry, link);
		char *space = textbuf_space(&sd->text, STATEFILE_TIMELINE_TEXT_MAX);
		size_t len;
		if (space == NULL)
			return -ENOMEM;
		len = statefile_timeline_format(&e->t, space, STATEFILE_TIMELINE_TEXT_MAX);
		if (len == 0)
			return -EOVERFLOW;
		sd->text.len += len;
	}
	return textbuf_printf(&sd->text, "end %s\n", stopped ? "stopped" : "running") ? -ENOMEM : 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replace the file by text, durably: after a crash, the old or the new file. */
static int replace_file(const struct statedir *sd, const struct textbuf *text)
{
	char tmp[sizeof(sd->path) + 8];
	int fd, dfd, err;

	snprintf(tmp, sizeof(tmp), "%s.tmp", sd->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	err = write_all(fd, text->data, text->len);
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, sd->path) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	dfd = open(sd->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) { /* the rename itself, durable */
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* Under sd->lock, which it drops while writing. */
static int save_locked(struct statedir *sd, bool stopped)
{
	int err = render(sd, stopped);

	sd->dirty = false;
	if (err == 0) {
		pthread_mutex_unlock(&sd->lock);
		err = replace_file(sd, &sd->text);
		pthread_mutex_lock(&sd->lock);
	}
	if (err && !sd->failing)
		qot_log(QOT_LOG_ERR, "cannot save the state to %s: %s (retrying every %d s)",
			sd->path, strerror(-err), STATEDIR_RETRY_MS / 1000);
	else if (err == 0 && sd->failing)
		qot_log(QOT_LOG_NOTICE, "state saved to %s again", sd->path);
	sd->failing = err != 0;
	if (err && !sd->dirty)
		mark_dirty(sd, STATEDIR_RETRY_MS);
	return err;
}

static void *saver_main(void *arg)
{
	struct statedir *sd = arg;

	pthread_mutex_lock(&sd->lock);
	while (!sd->quit) {
		int64_t now = qot_now_ns(CLOCK_MONOTONIC);
		if (sd->dirty && now >= sd->due) {
			save_locked(sd, false);
		} else if (sd->dirty) {
			struct timespec until = {(time_t)(sd->due / 1000000000),
						 (long)(sd->due % 1000000000)};
			pthread_cond_timedwait(&sd->cond, &sd->lock, &until);
		} else {
			pthread_cond_wait(&sd->cond, &sd->lock);
		}
	}
	pthread_mutex_unlock(&sd->lock);
	return NULL;
}

int statedir_start(struct statedir *sd)
{
	int err;

	if (sd == NULL)
		return 0;
	err = pthread_create(&sd->thread, NULL, saver_main, sd);
	if (err)
		return -err;
	sd->running = true;
	return 0;
}

struct statedir_entry *statedir_add(struct statedir *sd, const struct statefile_timeline *t)
{
	struct statedir_entry *e;

	if (sd == NULL)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		qot_log(QOT_LOG_ERR, "out of memory: timeline %s will not be saved", t->name);
		return NULL;
	}
	e->t = *t;
	pthread_mutex_lock(&sd->lock);
	list_append(&sd->entries, &e->link);
	mark_dirty(sd, STATEDIR_URGENT_MS);
	pthread_mutex_unlock(&sd->lock);
	return e;
}

void statedir_remove(struct statedir *sd, struct statedir_entry *e)
{
	if (sd == NULL || e == NULL)
		return;
	pthread_mutex_lock(&sd->lock);
	list_remove(&sd->entries, &e->link);
	mark_dirty(sd, STATEDIR_URGENT_MS);
	pthread_mutex_unlock(&sd->lock);
	free(e);
}

void statedir_set_standing(struct statedir *sd, struct statedir_entry *e, const struct qot_req *req)
{
	if (sd == NULL || e == NULL)
		return;
	pthread_mutex_lock(&sd->lock);
	e->t.standing = *req;
	e->t.has_standing = true;
	mark_dirty(sd, STATEDIR_URGENT_MS);
	pthread_mutex_unlock(&sd->lock);
}

void statedir_set_params(struct statedir *sd, struct statedir_entry *e,
			 const struct qot_clock_params *params, const char *source, int64_t updated)
{
	if (sd == NULL || e == NULL)
		return;
	pthread_mutex_lock(&sd->lock);
	e->t.params = *params;
	snprintf(e->t.source, sizeof(e->t.source), "%s", source);
	e->t.updated = updated;
	e->t.has_params = true;
	mark_dirty(sd, STATEDIR_LAZY_MS);
	pthread_mutex_unlock(&sd->lock);
}

void statedir_set_hlc(struct statedir *sd, struct statedir_entry *e, const struct qot_hlc_ts *hlc)
{
	if (sd == NULL || e == NULL)
		return;
	pthread_mutex_lock(&sd->lock);
	e->t.hlc = *hlc;
	e->t.has_hlc = true;
	pthread_mutex_unlock(&sd->lock);
}

static void stop_saver(struct statedir *sd)
{
	if (!sd->running)
		return;
	pthread_mutex_lock(&sd->lock);
	sd->quit = true;
	pthread_cond_signal(&sd->cond);
	pthread_mutex_unlock(&sd->lock);
	pthread_join(sd->thread, NULL);
	sd->running = false;
}

int statedir_save_now(struct statedir *sd, bool stopped)
{
	int err;

	if (sd == NULL)
		return 0;
	stop_saver(sd);
	pthread_mutex_lock(&sd->lock);
	sd->failing = false; /* say so if this one fails */
	err = save_locked(sd, stopped);
	pthread_mutex_unlock(&sd->lock);
	return err;
}

void statedir_free(struct statedir *sd)
{
	if (sd == NULL)
		return;
	stop_saver(sd);
	while (sd->entries.first) {
		struct list_node *n = sd->entries.first;
		list_remove(&sd->entries, n);
		free(container_of(n, struct statedir_entry, link));
	}
	textbuf_free(&sd->text);
	pthread_cond_destroy(&sd->cond);
	pthread_mutex_destroy(&sd->lock);
	free(sd);
}
