/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hlcclock.c - the two HLC handles of libqot: a process-local clock driven by
 * the mapped clock page (no system call), and the node-wide clock behind a
 * timeline's "hlc" file; qot_hlc_local_sync() combines them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "names.h"
#include "qot.h"
#include "root.h"

struct qot_hlc_local {
	/*
	 * (l, c) is 96 bits: no portable lock-free update exists, so a spin
	 * lock guards it. The critical section is a handful of instructions
	 * (the clock is read outside it), so a waiter spins briefly and yields
	 * only if the holder was preempted.
	 */
	_Alignas(64) unsigned char lock;
	struct qot_hlc_ts state;
	uint64_t refused;
	const qot_clock *clk;
	uint64_t max_offset;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void spin_lock(unsigned char *lock)
{
	unsigned spins = 0;

	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
			if (++spins < 128)
				cpu_relax();
			else
				sched_yield();
		}
	}
}

static void spin_unlock(unsigned char *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

int qot_hlc_local_new(const qot_clock *clk, uint64_t max_offset, qot_hlc_local **out)
{
	struct qot_hlc_local *h;

	if (clk == NULL)
		return -EINVAL;
	h = aligned_alloc(64, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	memset(h, 0, sizeof(*h));
	h->clk = clk;
	h->max_offset = max_offset;
	*out = h;
	return 0;
}

int qot_hlc_local_now(qot_hlc_local *h, struct qot_hlc_ts *out)
{
	struct qot_time t;
	int err = qot_clock_read(h->clk, &t);

	if (__builtin_expect(err != 0, 0))
		return err;
	spin_lock(&h->lock);
	err = qot_hlc_tick(&h->state, t.estimate, out);
	spin_unlock(&h->lock);
	return err;
}

int qot_hlc_local_recv(qot_hlc_local *h, const struct qot_hlc_ts *msg, struct qot_hlc_ts *out)
{
	struct qot_time t;
	int err = qot_clock_read(h->clk, &t);

	if (err)
		return err;
	spin_lock(&h->lock);
	err = qot_hlc_merge(&h->state, msg, t.estimate, h->max_offset, out);
	if (err == -ERANGE)
		h->refused++;
	spin_unlock(&h->lock);
	return err;
}

uint64_t qot_hlc_local_refused(const qot_hlc_local *h)
{
	return __atomic_load_n(&h->refused, __ATOMIC_RELAXED);
}

void qot_hlc_local_free(qot_hlc_local *h)
{
	free(h);
}

struct qot_hlc_node {
	int fd;
};

int qot_hlc_node_open_path(const char *path, qot_hlc_node **out)
{
	struct qot_hlc_node *n = malloc(sizeof(*n));

	if (n == NULL)
		return -ENOMEM;
	n->fd = open(path, O_RDWR | O_CLOEXEC);
	if (n->fd < 0) {
		int err = -errno;
		free(n);
		return err;
	}
	*out = n;
	return 0;
}

int qot_hlc_node_open(const char *timeline, qot_hlc_node **out)
{
	char path[PATH_MAX];
	int err = qot_root_path(NULL, timeline, "hlc", path, sizeof(path));

	return err ? err : qot_hlc_node_open_path(path, out);
}

int qot_hlc_node_now(qot_hlc_node *n, struct qot_hlc_ts *out)
{
	char buf[QOT_HLC_TEXT_MAX];
	ssize_t len = pread(n->fd, buf, sizeof(buf), 0);

	if (len < 0)
		return -errno;
	return qot_hlc_parse(buf, (size_t)len, out) == 0 ? 0 : -EPROTO;
}

int qot_hlc_node_recv(qot_hlc_node *n, const struct qot_hlc_ts *msg, struct qot_hlc_ts *out)
{
	char buf[QOT_HLC_TEXT_MAX];
	size_t len = qot_hlc_format(msg, buf, sizeof(buf));
	ssize_t w;

	if (len == 0)
		return -EINVAL;
	buf[len++] = '\n';
	w = pwrite(n->fd, buf, len, 0);
	if (w < 0)
		return -errno;
	if ((size_t)w != len)
		return -EIO;
	return qot_hlc_node_now(n, out);
}

void qot_hlc_node_close(qot_hlc_node *n)
{
	if (n == NULL)
		return;
	close(n->fd);
	free(n);
}

int qot_hlc_local_sync(qot_hlc_local *h, qot_hlc_node *n)
{
	struct qot_hlc_ts mine, node, merged;
	int err = qot_hlc_local_now(h, &mine);

	if (err == 0)
		err = qot_hlc_node_recv(n, &mine, &node);
	if (err == 0)
		err = qot_hlc_local_recv(h, &node, &merged);
	return err;
}
