/* SPDX-License-Identifier: Apache-2.0 */
/* pusher.c - clock pages and poll wake-ups, pushed from a dedicated thread. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "list.h"
#include "log.h"
#include "page.h"
#include "pusher.h"

struct clockpub {
	unsigned refs; /* the timeline's, and the queue's while queued */
	bool queued;
	bool live; /* its clock file was opened: the kernel may hold the page */
	struct list_node queue_link;
	fuse_ino_t ino;
	struct qot_clock_params latest;
	struct qot_clock_page shadow; /* what the kernel's page holds */
};

struct pusher {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fuse_session *se;
	pthread_t thread;
	bool running, stopping, busy;
	struct list queue; /* clockpubs with parameters to push */
	struct fuse_pollhandle **polls;
	size_t npolls, cappolls;
};

struct pusher *pusher_new(void)
{
	struct pusher *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	return p;
}

static void put_locked(struct clockpub *c)
{
	if (--c->refs == 0)
		free(c);
}

struct clockpub *pusher_clock_new(struct pusher *p, uint64_t ino,
				  const struct qot_clock_params *initial)
{
	struct clockpub *c = calloc(1, sizeof(*c));

	(void)p;
	if (c == NULL)
		return NULL;
	c->refs = 1;
	c->ino = ino;
	c->latest = *initial;
	qot_page_init(&c->shadow, initial);
	return c;
}

void pusher_clock_put(struct pusher *p, struct clockpub *c)
{
	pthread_mutex_lock(&p->lock);
	put_locked(c);
	pthread_mutex_unlock(&p->lock);
}

void pusher_clock_set(struct pusher *p, struct clockpub *c, const struct qot_clock_params *params)
{
	pthread_mutex_lock(&p->lock);
	c->latest = *params;
	if (!c->live) {
		/* No page in the kernel to update: keep the shadow current for
		 * the first fault, at no system call. */
		qot_page_write_begin(&c->shadow);
		qot_page_write_params(&c->shadow, params);
		qot_page_write_end(&c->shadow);
	} else if (!c->queued) {
		c->queued = true;
		c->refs++;
		list_append(&p->queue, &c->queue_link);
		pthread_cond_signal(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
}

void pusher_clock_opened(struct pusher *p, struct clockpub *c)
{
	pthread_mutex_lock(&p->lock);
	c->live = true;
	pthread_mutex_unlock(&p->lock);
}

void pusher_clock_get(struct pusher *p, struct clockpub *c, struct qot_clock_params *out)
{
	pthread_mutex_lock(&p->lock);
	*out = c->latest;
	pthread_mutex_unlock(&p->lock);
}

void pusher_clock_page(struct pusher *p, struct clockpub *c, void *page)
{
	pthread_mutex_lock(&p->lock);
	memcpy(page, &c->shadow, sizeof(c->shadow));
	pthread_mutex_unlock(&p->lock);
	memset((char *)page + sizeof(c->shadow), 0, QOT_CLOCK_PAGE_SIZE - sizeof(c->shadow));
}

void pusher_wake_poll(struct pusher *p, struct fuse_pollhandle *ph)
{
	pthread_mutex_lock(&p->lock);
	if (p->npolls == p->cappolls) {
		size_t cap = p->cappolls ? p->cappolls * 2 : 16;
		struct fuse_pollhandle **v = realloc(p->polls, cap * sizeof(*v));
		if (v == NULL) {
			/* Out of memory: wake it from here rather than never (a poll
			 * notification takes no lock a request could hold). */
			pthread_mutex_unlock(&p->lock);
			if (p->se)
				fuse_lowlevel_notify_poll(ph);
			fuse_pollhandle_destroy(ph);
			return;
		}
		p->polls = v;
		p->cappolls = cap;
	}
	p->polls[p->npolls++] = ph;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Store bytes [off, off+len) of the shadow into the kernel's page. Called unlocked. */
static void store(struct pusher *p, fuse_ino_t ino, const void *bytes, size_t len, off_t off)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(len);
	int err;

	if (p->se == NULL)
		return;
	bv.buf[0].mem = (void *)bytes;
	err = fuse_lowlevel_notify_store(p->se, ino, off, &bv, 0);
	/* ENOENT: the kernel holds no inode (nobody looked it up); ENODEV: unmounted. */
	if (err && err != -ENOENT && err != -ENODEV)
		qot_log(QOT_LOG_WARNING, "pushing clock page of inode %llu: %s",
			(unsigned long long)ino, strerror(-err));
}

/*
 * Push one timeline's newest parameters as three seqlock steps. Each step
 * updates the shadow under the lock and then stores the same bytes; see the
 * header for why a READ in between always sees a usable state.
 */
static void push_clock(struct pusher *p, struct clockpub *c)
{
	const size_t seq_off = offsetof(struct qot_clock_page, seq);
	const size_t par_off = offsetof(struct qot_clock_page, params);
	uint64_t seq;
	struct qot_clock_params params;

	qot_page_write_begin(&c->shadow);
	seq = c->shadow.seq;
	pthread_mutex_unlock(&p->lock);
	store(p, c->ino, &seq, sizeof(seq), (off_t)seq_off);

	pthread_mutex_lock(&p->lock);
	params = c->latest;
	qot_page_write_params(&c->shadow, &params);
	pthread_mutex_unlock(&p->lock);
	store(p, c->ino, &params, sizeof(params), (off_t)par_off);

	pthread_mutex_lock(&p->lock);
	qot_page_write_end(&c->shadow);
	seq = c->shadow.seq;
	pthread_mutex_unlock(&p->lock);
	store(p, c->ino, &seq, sizeof(seq), (off_t)seq_off);

	pthread_mutex_lock(&p->lock);
}

/* Poll handles notified per turn, so a flood of pollers cannot delay pages. */
#define POLL_BATCH 64

static void *pusher_main(void *arg)
{
	struct pusher *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		if (p->queue.first != NULL) {
			/* Pages first: mapped readers are waiting for the time. */
			struct clockpub *c =
				container_of(p->queue.first, struct clockpub, queue_link);
			list_remove(&p->queue, &c->queue_link);
			c->queued = false;
			p->busy = true;
			push_clock(p, c);
			put_locked(c);
			p->busy = false;
		} else if (p->npolls > 0) {
			struct fuse_pollhandle *batch[POLL_BATCH];
			size_t n = p->npolls < POLL_BATCH ? p->npolls : POLL_BATCH;
			p->npolls -= n;
			memcpy(batch, p->polls + p->npolls, n * sizeof(batch[0]));
			p->busy = true;
			pthread_mutex_unlock(&p->lock);
			for (size_t i = 0; i < n; i++) {
				fuse_lowlevel_notify_poll(batch[i]);
				fuse_pollhandle_destroy(batch[i]);
			}
			pthread_mutex_lock(&p->lock);
			p->busy = false;
		} else {
			pthread_cond_wait(&p->cond, &p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

bool pusher_idle(struct pusher *p)
{
	bool idle;

	pthread_mutex_lock(&p->lock);
	idle = p->queue.first == NULL && p->npolls == 0 && !p->busy;
	pthread_mutex_unlock(&p->lock);
	return idle;
}

int pusher_start(struct pusher *p, struct fuse_session *se)
{
	int err;

	p->se = se;
	err = pthread_create(&p->thread, NULL, pusher_main, p);
	if (err)
		return -err;
	p->running = true;
	return 0;
}

void pusher_free(struct pusher *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (p->running)
		pthread_join(p->thread, NULL);
	while (p->queue.first != NULL) {
		struct clockpub *c = container_of(p->queue.first, struct clockpub, queue_link);
		list_remove(&p->queue, &c->queue_link);
		put_locked(c);
	}
	for (size_t i = 0; i < p->npolls; i++)
		fuse_pollhandle_destroy(p->polls[i]);
	free(p->polls);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
