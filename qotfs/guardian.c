/* SPDX-License-Identifier: Apache-2.0 */
/* guardian.c - unmount a dead daemon's mount (guardian.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guardian.h"
#include "log.h"
#include "mountinfo.h"

/* Not root: the setuid helper may unmount the user's own FUSE mounts. */
static int unmount_as_user(const char *mountpoint)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("fusermount3", "fusermount3", "-u", "-z", "-q", mountpoint, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}

static void guard(int fd, const char *mountpoint, dev_t dev, pid_t daemon)
{
	char byte;
	int err;

	/* Signals meant for the daemon (a terminal's ^C, systemd's stop) must
	 * not end the guardian: it ends when the daemon does. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	while (read(fd, &byte, 1) != 0 && (errno == EINTR || errno == EAGAIN))
		;
	/* Our mount is still on the path only if the daemon did not unmount. */
	if (qot_mount_top_is(mountpoint, dev) != 1)
		_exit(0);
	err = geteuid() == 0 ? (umount2(mountpoint, MNT_DETACH) == 0 ? 0 : -errno)
			     : unmount_as_user(mountpoint);
	if (err)
		qot_log(QOT_LOG_ERR, "qotfs %d is gone; cannot unmount its dead mount on %s: %s",
			(int)daemon, mountpoint, strerror(-err));
	else
		qot_log(QOT_LOG_NOTICE, "qotfs %d is gone; unmounted its dead mount on %s",
			(int)daemon, mountpoint);
	_exit(err ? 1 : 0);
}

int guardian_start(const char *mountpoint, bool to_syslog)
{
	int pipefd[2], devnull;
	pid_t daemon = getpid(), child;
	dev_t dev;

	if (qot_mount_dev_of(mountpoint, &dev) != 0)
		return -ENOENT;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	child = fork();
	if (child < 0) {
		int err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (child == 0) {
		/* Hold nothing of the daemon's: above all not /dev/fuse, or the
		 * connection would outlive the daemon. */
		if (pipefd[0] != 3) {
			dup2(pipefd[0], 3);
			close(pipefd[0]);
		}
		close_range(4, ~0U, 0);
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
			if (to_syslog)
				dup2(devnull, STDERR_FILENO);
			if (devnull > STDERR_FILENO)
				close(devnull);
		}
		if (to_syslog)
			qot_log_to_syslog();
		if (chdir("/") != 0)
			_exit(1);
		/* Told apart from the daemon by pkill -x qotfs, ps and top. */
		prctl(PR_SET_NAME, "qotfs-guardian", 0, 0, 0);
		guard(3, mountpoint, dev, daemon);
	}
	close(pipefd[0]); /* the write end stays open, in the daemon only */
	return 0;
}
