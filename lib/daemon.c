/* SPDX-License-Identifier: Apache-2.0 */
/* daemon.c - a daemon's start: log routing, signals into a signalfd, detaching. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

void qot_daemon_log_init(const struct qot_cmdline *cl)
{
	qot_log_init(cl->prog, cl->log_level);
}

int qot_daemon_start(const struct qot_cmdline *cl, const int *signals, bool already_detached)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	for (const int *s = signals; *s; s++)
		sigaddset(&set, *s);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!cl->foreground && !already_detached && daemon(0, 0) < 0) {
		fprintf(stderr, "%s: daemon: %s\n", cl->prog, strerror(errno));
		return -1;
	}
	if (!cl->foreground || cl->to_syslog)
		qot_log_to_syslog();
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0)
		qot_log(QOT_LOG_ERR, "signalfd: %s", strerror(errno));
	return fd;
}

int qot_daemon_signal(int fd)
{
	struct signalfd_siginfo si;

	return read(fd, &si, sizeof(si)) == sizeof(si) ? (int)si.ssi_signo : 0;
}
