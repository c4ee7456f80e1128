/* loop.c - single-threaded FUSE request loop with a self-pipe for signals. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

static int stop_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (write(stop_pipe[1], &b, 1) < 0) {
		/* The pipe is full: a stop is pending already. */
	}
	errno = saved;
}

int loop_catch_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;

	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

static long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int loop_run(struct fuse_session *se, const struct loop_hooks *hooks)
{
	struct fuse_buf buf;
	struct pollfd fds[2];
	long settle_deadline = 0; /* nonzero once stopping */
	int err = LOOP_DONE;

	memset(&buf, 0, sizeof(buf));
	fds[0] = (struct pollfd){.fd = fuse_session_fd(se), .events = POLLIN};
	fds[1] = (struct pollfd){.fd = stop_pipe[0], .events = POLLIN};
	while (!fuse_session_exited(se)) {
		int n;

		if (settle_deadline) {
			if (hooks->settled(hooks->arg))
				break;
			if (monotonic_ms() > settle_deadline) {
				err = LOOP_UNSETTLED;
				break;
			}
		}
		n = poll(fds, 2, settle_deadline ? 5 : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if ((fds[1].revents & POLLIN) && settle_deadline == 0) {
			unsigned char sig = 0;
			if (read(stop_pipe[0], &sig, 1) == 1)
				qot_log(QOT_LOG_NOTICE, "%s: unmounting", strsignal(sig));
			hooks->stopping(hooks->arg);
			settle_deadline = monotonic_ms() + LOOP_SETTLE_MS;
			fds[1].fd = -1; /* further signals change nothing */
		}
		if (fds[0].revents) {
			int res = fuse_session_receive_buf(se, &buf);
			if (res == -EINTR || res == -EAGAIN)
				continue;
			if (res <= 0) {
				/* 0 or -ENODEV: the file system was unmounted. */
				if (res < 0 && res != -ENODEV)
					err = res;
				break;
			}
			fuse_session_process_buf(se, &buf);
		}
	}
	free(buf.mem);
	return err;
}
