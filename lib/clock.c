/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clock.c - map a timeline's clock page and read time from it.
 *
 * A mapped page outlives the daemon that fills it. So that a reader comes
 * back by itself after qotfs restarts, a clock whose page stops vouching for
 * the time (unsynced or stale) checks, at most every QOT_CLOCK_RECHECK_NS,
 * whether the mount it was mapped from is gone (in /proc/self/mountinfo,
 * which a stopped daemon cannot hold up) and, only then, whether its path
 * names a new clock file; if so it maps that one and reads from it from
 * then on. The old page stays mapped until close: a thread may still be
 * reading it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mountinfo.h"
#include "names.h"
#include "page.h"
#include "projection.h"
#include "root.h"

#define QOT_CLOCK_RECHECK_NS 200000000 /* 200 ms */

struct retired_page {
	void *map;
	struct retired_page *next;
};

struct qot_clock {
	_Atomic(const struct qot_clock_page *) page; /* the one read from now on */
	char *path;				     /* absolute when it could be made so */
	dev_t dev; /* of the file mapped: a new mount has another */
	ino_t ino;
	_Atomic int64_t next_check; /* base clock ns */
	atomic_flag checking;	    /* one thread follows, the others read on */
	struct retired_page *retired;
};

/* Map a clock page file; 0 or -errno / -QOT_EPAGE / -QOT_EVERSION. */
static int map_page(const char *path, void **out, struct stat *st)
{
	void *map;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode) || st->st_size != QOT_CLOCK_PAGE_SIZE) {
		close(fd);
		return -QOT_EPAGE;
	}
	map = mmap(NULL, QOT_CLOCK_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	err = map == MAP_FAILED ? -errno : 0;
	close(fd); /* the mapping keeps the file open */
	if (err)
		return err;
	/*
	 * Keep the page resident (best effort; it is one page): should qotfs
	 * die, an evicted page could not be read back and a reader would get
	 * SIGBUS. Locked, it keeps its last contents, which say unsynced if
	 * qotfs stopped cleanly.
	 */
	(void)mlock(map, QOT_CLOCK_PAGE_SIZE);
	err = qot_page_check(map);
	if (err) {
		munmap(map, QOT_CLOCK_PAGE_SIZE);
		return err;
	}
	*out = map;
	return 0;
}

int qot_clock_open_path(const char *path, qot_clock **out)
{
	char absolute[PATH_MAX];
	struct qot_clock *clk;
	struct stat st;
	void *map;
	int err = map_page(path, &map, &st);

	if (err)
		return err;
	clk = calloc(1, sizeof(*clk));
	if (clk)
		clk->path = strdup(realpath(path, absolute) ? absolute : path);
	if (clk == NULL || clk->path == NULL) {
		free(clk);
		munmap(map, QOT_CLOCK_PAGE_SIZE);
		return -ENOMEM;
	}
	atomic_init(&clk->page, map);
	atomic_init(&clk->next_check, 0);
	atomic_flag_clear(&clk->checking);
	clk->dev = st.st_dev;
	clk->ino = st.st_ino;
	*out = clk;
	return 0;
}

int qot_clock_open(const char *timeline, qot_clock **out)
{
	char path[PATH_MAX];
	int err = qot_root_path(NULL, timeline, "clock", path, sizeof(path));

	return err ? err : qot_clock_open_path(path, out);
}

/* Whether the parameters no longer vouch for the time at base instant now. */
static bool untrusted(const struct qot_clock_params *p, int64_t now)
{
	return (p->status != QOT_STATUS_SYNCED && p->status != QOT_STATUS_HOLDOVER) ||
	       now >= p->stale_after;
}

/* If the path names another clock file now (a restarted qotfs), read from
 * it from now on. now: the base clock, just read with the page (no extra
 * system call on this path). Returns whether the page changed. */
static bool follow(struct qot_clock *clk, int64_t now)
{
	int64_t next = atomic_load_explicit(&clk->next_check, memory_order_relaxed);
	struct retired_page *old;
	struct stat st;
	void *map;
	bool moved = false;

	/* (A base clock set back by more than a period must not hold it off.) */
	if ((now < next && next - now <= QOT_CLOCK_RECHECK_NS) ||
	    atomic_flag_test_and_set_explicit(&clk->checking, memory_order_acquire))
		return false;
	atomic_store_explicit(&clk->next_check, now + QOT_CLOCK_RECHECK_NS, memory_order_relaxed);
	/* While our mount is there, its daemon fills our page (or is stopped,
	 * and then a stat of the path would wait for it). */
	if (qot_mount_dev_present(clk->dev) == 0 && stat(clk->path, &st) == 0 &&
	    (st.st_dev != clk->dev || st.st_ino != clk->ino) &&
	    (old = malloc(sizeof(*old))) != NULL) {
		if (map_page(clk->path, &map, &st) == 0) {
			old->map = (void *)atomic_exchange_explicit(&clk->page, map,
								    memory_order_acq_rel);
			old->next = clk->retired;
			clk->retired = old;
			clk->dev = st.st_dev;
			clk->ino = st.st_ino;
			moved = true;
		} else {
			free(old);
		}
	}
	atomic_flag_clear_explicit(&clk->checking, memory_order_release);
	return moved;
}

static int read_params(const qot_clock *clk, struct qot_clock_params *p, int64_t *now)
{
	/* After open a clock changes only through atomics and under its checking
	 * flag, and it was allocated writable: casting const away is sound. */
	struct qot_clock *c = (struct qot_clock *)clk;
	int err = qot_page_read(atomic_load_explicit(&c->page, memory_order_acquire), p, now);
	struct timespec ts;

	if (__builtin_expect(err == 0 && !untrusted(p, *now), 1))
		return 0;
	if (err) /* torn: its writer may have died mid-update */
		clock_gettime(CLOCK_REALTIME, &ts);
	if (follow(c, err ? qot_timespec_ns(&ts) : *now))
		err = qot_page_read(atomic_load_explicit(&c->page, memory_order_acquire), p, now);
	return err;
}

int qot_clock_params_read(const qot_clock *clk, struct qot_clock_params *params, int64_t *base_now)
{
	return read_params(clk, params, base_now);
}

int qot_clock_read(const qot_clock *clk, struct qot_time *out)
{
	struct qot_clock_params p;
	int64_t now;
	int err = read_params(clk, &p, &now);

	if (__builtin_expect(err != 0, 0))
		return err;
	qot_project_inline(&p, now, out);
	return 0;
}

void qot_clock_close(qot_clock *clk)
{
	if (clk == NULL)
		return;
	munmap((void *)atomic_load(&clk->page), QOT_CLOCK_PAGE_SIZE);
	while (clk->retired) {
		struct retired_page *r = clk->retired;
		clk->retired = r->next;
		munmap(r->map, QOT_CLOCK_PAGE_SIZE);
		free(r);
	}
	free(clk->path);
	free(clk);
}
