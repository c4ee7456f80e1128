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
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

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
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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

int loop_run(struct fuse_session *se, const struct loop_hooks *hooks, unsigned spin_us)
{
	struct fuse_buf buf;
	pthread_t stopper;
	long settle_deadline = 0; /* nonzero once stopping */
	long spin_until = 0;
	int fd = fuse_session_fd(se);
	int err = LOOP_DONE, res;

	memset(&buf, 0, sizeof(buf));
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
		res = fuse_session_receive_buf(se, &buf);
		if (res == -EAGAIN) {
			wait_for_request(fd, spin_until);
			continue;
		}
		if (res == -EINTR)
			continue;
		if (res <= 0) {
			/* 0 or -ENODEV: the file system was unmounted. */
			if (res < 0 && res != -ENODEV)
				err = res;
			break;
		}
		fuse_session_process_buf(se, &buf);
		spin_until = monotonic_us() + (long)spin_us;
	}
	atomic_store(&loop_finished, 1);
	pthread_kill(stopper, SIGTERM); /* ends its sigwait if no signal came */
	pthread_join(stopper, NULL);
	free(buf.mem);
	return err;
}
