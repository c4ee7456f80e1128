/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop.c - the single-threaded FUSE request loop.
 *
 * The hot path is one read() of the device per request, nothing else: no
 * poll() beside it (that costs a system call per request). After serving a
 * request the loop keeps reading without blocking for a few microseconds
 * (spin_us), yielding the CPU between tries: the next request of a burst -
 * open, read, close - is then taken without a wake-up, which on a VM costs
 * more than the request itself when client and daemon sit on different
 * CPUs. Only then does it block in poll(). Stop signals are
 * blocked in every thread and taken by a stopper thread with sigwait(); it
 * then pokes the loop out of read() with a signal (EINTR) every few
 * milliseconds until the loop is done, so a poke that lands just before the
 * loop blocks is followed by another, and stopping never waits for the next
 * request.
 *
 * Users are served in turn. The kernel queues requests first come, first
 * served, so with one request thread a request waits behind one request of
 * every process that has one outstanding: N busy processes of one user make
 * every other user's requests about N times slower. So once requests of two
 * users come back to back (the loop found no empty queue between them), the
 * loop reads ahead whatever the kernel holds (up to HOLD_MAX requests,
 * HOLD_BYTES bytes) into one queue per uid and serves the uids round robin,
 * each queue in its order, for as long as users keep meeting. Otherwise a
 * request is served as it comes, at no cost (see hold_wait). Serving
 * requests of different callers in another order than they came is what
 * several request threads would do anyway; libfuse matches an INTERRUPT
 * that comes before its request when the request comes.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <linux/fuse.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "now.h"

#define WAKE_SIGNAL   SIGUSR1
#define POKE_EVERY_US 5000

static sigset_t stop_set;
static pthread_t loop_thread;
static atomic_int stop_signal; /* the signal that asked to stop; 0 if none */
static atomic_int loop_finished;

static void on_wake(int sig)
{
	(void)sig; /* only here to interrupt the loop's read() */
}

int loop_catch_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;
	int err;

	sigemptyset(&stop_set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&stop_set, sigs[i]);
	/* Before any thread exists, so that every thread inherits the mask. */
	err = pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
	if (err)
		return -err;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_wake; /* no SA_RESTART: read() must return EINTR */
	if (sigaction(WAKE_SIGNAL, &sa, NULL) < 0)
		return -errno;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

static void *stopper_main(void *arg)
{
	int sig;

	(void)arg;
	if (sigwait(&stop_set, &sig) != 0)
		return NULL;
	if (!atomic_load(&loop_finished))
		atomic_store(&stop_signal, sig);
	while (!atomic_load(&loop_finished)) {
		pthread_kill(loop_thread, WAKE_SIGNAL);
		usleep(POKE_EVERY_US);
	}
	return NULL;
}

static long monotonic_us(void)
{
	return (long)(qot_now_ns(CLOCK_MONOTONIC) / 1000);
}

/* No request now: spin (yielding) until spin_until, then block until one comes. */
static void wait_for_request(int fd, long spin_until)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	if (monotonic_us() < spin_until)
		sched_yield();
	else
		poll(&pfd, 1, -1); /* a stop poke interrupts it */
}

/* ---- round robin between users ---- */

#define HOLD_MAX   256	      /* requests read ahead of their turn */
#define HOLD_BYTES (4u << 20) /* and the memory they keep (loop_hold_cost) */
#define HOLD_UIDS  64	      /* users with requests held (one more user: served at once) */

/* Smaller requests are copied out of the receive buffer; a larger one (a
 * write) keeps the buffer, and the loop reads on into a spare one. */
#define HOLD_COPY_MAX	4096
#define HOLD_SPARES	8
#define TURNS_LINGER_US 100000

struct held {
	struct held *next;
	size_t size;
	size_t cost; /* memory it keeps (loop_hold_cost) */
	char *mem;   /* data, or a whole receive buffer */
	char data[]; /* the request, copied */
};

struct userq {
	uint32_t uid;
	struct held *head, *tail;
};

struct hold {
	bool idle;	   /* the kernel's queue was found empty since the last request */
	uint32_t last_uid; /* of the last request (not counting releases) */
	long turns_until;  /* CLOCK_MONOTONIC us: users met lately, serve them in turn */
	struct userq users[HOLD_UIDS]; /* those with requests held */
	size_t nusers, turn;
	size_t count, bytes;
	size_t reads;		   /* requests read since the hold last served one */
	void *spares[HOLD_SPARES]; /* receive buffers given back */
	size_t nspares;
};

size_t loop_hold_cost(const void *mem, size_t size)
{
	/* A larger request keeps the whole receive buffer, however little of it
	 * the request fills (libfuse receives into buffers of max_write and more). */
	return sizeof(struct held) +
	       (size <= HOLD_COPY_MAX ? size : malloc_usable_size((void *)mem));
}

/* Serve before reading on: the hold is full, or many requests were read
 * since the last one it served (releases after a mass close, served at
 * once, must not keep held requests waiting). */
static bool hold_must_serve(const struct hold *h)
{
	return h->count > 0 &&
	       (h->count >= HOLD_MAX || h->bytes >= HOLD_BYTES || h->reads >= HOLD_MAX);
}

/*
 * Whether the request just read waits its turn. Users compete when requests
 * of two of them come back to back (no empty queue between them): then, and
 * for TURNS_LINGER_US after, requests that come back to back are held and
 * served in turn. Otherwise a request is served as it comes: one client's
 * open, read, close, or one user's many processes, cost nothing more. The
 * kernel's releases, forgets and interrupts (uid 0, no caller waits for
 * them) are always served at once and change nothing.
 */
static bool hold_wait(struct hold *h, const struct fuse_buf *buf)
{
	const struct fuse_in_header *in = buf->mem;
	bool back_to_back = !h->idle, met;

	if ((buf->flags & FUSE_BUF_IS_FD) || buf->size < sizeof(*in) ||
	    in->opcode == FUSE_RELEASE || in->opcode == FUSE_FORGET ||
	    in->opcode == FUSE_BATCH_FORGET || in->opcode == FUSE_INTERRUPT)
		return false;
	met = back_to_back && in->uid != h->last_uid;
	h->idle = false;
	h->last_uid = in->uid;
	if (met)
		h->turns_until = monotonic_us() + TURNS_LINGER_US;
	return h->count > 0 || met || (back_to_back && monotonic_us() < h->turns_until);
}

/* Queue the request in buf behind its user's; false if it cannot be held
 * (no room for another user, no memory): serve it now then. */
static bool hold_add(struct hold *h, struct fuse_buf *buf)
{
	bool copy = buf->size <= HOLD_COPY_MAX;
	const struct fuse_in_header *in = buf->mem;
	struct userq *q = NULL;
	struct held *e;

	if ((buf->flags & FUSE_BUF_IS_FD) || buf->size < sizeof(*in))
		return false;
	for (size_t i = 0; i < h->nusers && q == NULL; i++)
		if (h->users[i].uid == in->uid)
			q = &h->users[i];
	if (q == NULL && h->nusers == HOLD_UIDS)
		return false;
	e = malloc(sizeof(*e) + (copy ? buf->size : 0));
	if (e == NULL)
		return false;
	e->next = NULL;
	e->size = buf->size;
	e->cost = loop_hold_cost(buf->mem, buf->size);
	if (copy) {
		e->mem = e->data;
		memcpy(e->data, buf->mem, buf->size);
	} else { /* libfuse allocates a buffer if there is no spare */
		e->mem = buf->mem;
		buf->mem = h->nspares ? h->spares[--h->nspares] : NULL;
	}
	if (q == NULL) {
		q = &h->users[h->nusers++];
		*q = (struct userq){in->uid, NULL, NULL};
	}
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	if (h->count == 0)
		h->reads = 0; /* counted from the first request held */
	h->count++;
	h->bytes += e->cost;
	return true;
}

/* Serve the oldest request of the user whose turn it is; the turn moves on. */
static void hold_serve(struct hold *h, struct fuse_session *se)
{
	struct userq *q = &h->users[h->turn];
	struct held *e = q->head;
	struct fuse_buf buf = {.size = e->size, .mem = e->mem};

	q->head = e->next;
	h->reads = 0;
	h->count--;
	h->bytes -= e->cost;
	if (q->head == NULL) { /* out of the rotation; the next user moves into this slot */
		memmove(q, q + 1, (h->nusers - h->turn - 1) * sizeof(*q));
		h->nusers--;
	} else {
		h->turn++;
	}
	if (h->turn >= h->nusers)
		h->turn = 0;
	fuse_session_process_buf(se, &buf);
	if (e->mem != e->data) {
		if (h->nspares < HOLD_SPARES)
			h->spares[h->nspares++] = e->mem;
		else
			free(e->mem);
	}
	free(e);
}

/* Requests never served: the kernel answers them when the device closes. */
static void hold_free(struct hold *h)
{
	for (size_t i = 0; i < h->nusers; i++)
		for (struct held *e = h->users[i].head, *next; e != NULL; e = next) {
			next = e->next;
			if (e->mem != e->data)
				free(e->mem);
			free(e);
		}
	for (size_t i = 0; i < h->nspares; i++)
		free(h->spares[i]);
	memset(h, 0, sizeof(*h));
}

int loop_run(struct fuse_session *se, const struct loop_hooks *hooks, unsigned spin_us)
{
	struct hold hold;
	struct fuse_buf buf;
	pthread_t stopper;
	long settle_deadline = 0; /* nonzero once stopping */
	long spin_until = 0;
	int fd = fuse_session_fd(se);
	int err = LOOP_DONE, res;

	memset(&buf, 0, sizeof(buf));
	memset(&hold, 0, sizeof(hold));
	hold.idle = true;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return -errno;
	loop_thread = pthread_self();
	atomic_store(&loop_finished, 0);
	res = pthread_create(&stopper, NULL, stopper_main, NULL);
	if (res)
		return -res;
	while (!fuse_session_exited(se)) {
		int sig = atomic_load(&stop_signal);

		if (sig && settle_deadline == 0) {
			qot_log(QOT_LOG_NOTICE, "%s: unmounting", strsignal(sig));
			hooks->stopping(hooks->arg);
			settle_deadline = monotonic_us() + LOOP_SETTLE_MS * 1000L;
		}
		if (settle_deadline) {
			if (hooks->settled(hooks->arg))
				break;
			if (monotonic_us() > settle_deadline) {
				err = LOOP_UNSETTLED;
				break;
			}
		}
		if (!hold_must_serve(&hold)) {
			res = fuse_session_receive_buf(se, &buf);
			if (res == -EINTR)
				continue;
			if (res > 0) {
				hold.reads++;
				if (!hold_wait(&hold, &buf) || !hold_add(&hold, &buf)) {
					fuse_session_process_buf(se, &buf);
					spin_until = monotonic_us() + (long)spin_us;
				}
				continue;
			}
			if (res != -EAGAIN) {
				/* 0 or -ENODEV: the file system was unmounted. */
				if (res < 0 && res != -ENODEV)
					err = res;
				break;
			}
			hold.idle = true;
		}
		if (hold.count > 0) {
			hold_serve(&hold, se);
			spin_until = monotonic_us() + (long)spin_us;
			continue;
		}
		wait_for_request(fd, spin_until);
	}
	hold_free(&hold);
	atomic_store(&loop_finished, 1);
	pthread_kill(stopper, SIGTERM); /* ends its sigwait if no signal came */
	pthread_join(stopper, NULL);
	free(buf.mem);
	return err;
}
